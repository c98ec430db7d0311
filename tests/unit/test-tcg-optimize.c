/*
 * Unit tests for the TCG optimizer (tcg/optimize.c): constant folding of
 * every arithmetic op at both widths against the C reference over edge
 * values, copy propagation, algebraic identities, known bits, branch
 * folding and the EBB rules.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>

#include "test-tcg-common.h"

static TCGContext *ctx_new(void)
{
    TCGContext *s = test_ctx_new(NULL);
    assert_non_null(s);
    return s;
}

/* The single remaining op must be "movi r, val". */
static void assert_first_movi(TCGContext *s, TCGTemp *r, uint64_t val)
{
    TCGOp *op = tcg_first_op(s);
    assert_non_null(op);
    assert_true(op->opc == INDEX_op_movi_i32 || op->opc == INDEX_op_movi_i64);
    assert_int_equal(op->args[0], temp_arg(r));
    assert_int_equal(op->args[1], val);
}

static void fold_one(TCGContext *s, const RefOp *ro, uint64_t a, uint64_t b)
{
    TCGTemp *r, *ca, *cb;

    tcg_func_start(s);
    r = test_new_temp(s, ro->out);
    ca = tcg_constant_internal(s, ro->in, a);
    cb = tcg_constant_internal(s, ro->in, b);
    test_emit_op(s, ro->opc, r, ca, ro->nin == 2 ? cb : NULL);
    tcg_optimize(s);
    assert_int_equal(test_count_ops(s), 1);
    assert_first_movi(s, r, ro->ref(a, b));
}

static void test_fold_constants(void **state)
{
    TCGContext *s = ctx_new();
    unsigned checked = 0;

    for (size_t i = 0; i < ARRAY_SIZE(ref_ops); i++) {
        const RefOp *ro = &ref_ops[i];
        size_t n;
        const uint64_t *ev = edges_for(ro->in, &n);
        for (size_t x = 0; x < n; x++) {
            for (size_t y = 0; y < (ro->nin == 2 ? n : 1); y++) {
                fold_one(s, ro, ev[x], ev[y]);
                checked++;
            }
        }
    }
    assert_true(checked > 10000);
    tcg_context_free(s);
}

static void test_fold_setcond_movcond(void **state)
{
    TCGContext *s = ctx_new();

    for (int w = 0; w < 2; w++) {
        TCGType t = w ? I64 : I32;
        size_t n;
        const uint64_t *ev = edges_for(t, &n);
        for (size_t c = 0; c < ARRAY_SIZE(all_conds); c++) {
            for (size_t x = 0; x < n; x++) {
                for (size_t y = 0; y < n; y++) {
                    TCGTemp *r;
                    TCGOp *op;
                    uint64_t want = ref_cond(all_conds[c], ev[x], ev[y], t);

                    tcg_func_start(s);
                    r = test_new_temp(s, t);
                    op = tcg_emit_op(s, w ? INDEX_op_setcond_i64
                                          : INDEX_op_setcond_i32);
                    op->args[0] = temp_arg(r);
                    op->args[1] = temp_arg(tcg_constant_internal(s, t, ev[x]));
                    op->args[2] = temp_arg(tcg_constant_internal(s, t, ev[y]));
                    op->args[3] = all_conds[c];
                    tcg_optimize(s);
                    assert_first_movi(s, r, want);

                    /* movcond r, x, y, $11, $22 */
                    tcg_func_start(s);
                    r = test_new_temp(s, t);
                    op = tcg_emit_op(s, w ? INDEX_op_movcond_i64
                                          : INDEX_op_movcond_i32);
                    op->args[0] = temp_arg(r);
                    op->args[1] = temp_arg(tcg_constant_internal(s, t, ev[x]));
                    op->args[2] = temp_arg(tcg_constant_internal(s, t, ev[y]));
                    op->args[3] = temp_arg(tcg_constant_internal(s, t, 11));
                    op->args[4] = temp_arg(tcg_constant_internal(s, t, 22));
                    op->args[5] = all_conds[c];
                    tcg_optimize(s);
                    assert_first_movi(s, r, want ? 11 : 22);
                }
            }
        }
    }
    tcg_context_free(s);
}

static uint64_t ref_deposit(uint64_t a, uint64_t b, unsigned pos, unsigned len)
{
    for (unsigned i = 0; i < len; i++) {
        uint64_t bit = 1ull << (pos + i);
        a = (b >> i) & 1 ? a | bit : a & ~bit;
    }
    return a;
}

static uint64_t ref_extract(uint64_t a, unsigned pos, unsigned len, bool sign,
                            unsigned w)
{
    uint64_t r = 0;
    for (unsigned i = 0; i < len; i++) {
        r |= ((a >> (pos + i)) & 1) << i;
    }
    if (sign) {
        r = ref_sext(r, len);
    }
    return w == 32 ? M32(r) : r;
}

static const unsigned fields[][2] = {
    { 0, 1 }, { 0, 8 }, { 8, 8 }, { 4, 12 }, { 0, 16 }, { 16, 16 }, { 31, 1 },
    { 0, 32 }, { 7, 25 }, { 32, 32 }, { 63, 1 }, { 0, 64 }, { 12, 40 },
};

static void test_fold_bitfields(void **state)
{
    TCGContext *s = ctx_new();

    for (int w = 0; w < 2; w++) {
        TCGType t = w ? I64 : I32;
        unsigned width = w ? 64 : 32;
        size_t n;
        const uint64_t *ev = edges_for(t, &n);
        for (size_t f = 0; f < ARRAY_SIZE(fields); f++) {
            unsigned pos = fields[f][0], len = fields[f][1];
            if (pos + len > width) {
                continue;
            }
            for (size_t x = 0; x < n; x++) {
                TCGv_i64 r64;
                TCGv_i32 r32;
                uint64_t y = ev[(x * 7 + 3) % n];

                for (int k = 0; k < 3; k++) {
                    uint64_t want;
                    tcg_func_start(s);
                    r64 = tcg_temp_new_i64(s);
                    r32 = tcg_temp_new_i32(s);
                    if (k == 0) {
                        want = ref_deposit(ev[x], y, pos, len);
                    } else {
                        want = ref_extract(ev[x], pos, len, k == 2, width);
                    }
                    if (w) {
                        if (k == 0) {
                            tcg_gen_deposit_i64(s, r64, tcg_constant_i64(s, ev[x]),
                                                tcg_constant_i64(s, y), pos, len);
                        } else if (k == 1) {
                            tcg_gen_extract_i64(s, r64, tcg_constant_i64(s, ev[x]),
                                                pos, len);
                        } else {
                            tcg_gen_sextract_i64(s, r64, tcg_constant_i64(s, ev[x]),
                                                 pos, len);
                        }
                    } else {
                        if (k == 0) {
                            tcg_gen_deposit_i32(s, r32, tcg_constant_i32(s, ev[x]),
                                                tcg_constant_i32(s, y), pos, len);
                        } else if (k == 1) {
                            tcg_gen_extract_i32(s, r32, tcg_constant_i32(s, ev[x]),
                                                pos, len);
                        } else {
                            tcg_gen_sextract_i32(s, r32, tcg_constant_i32(s, ev[x]),
                                                 pos, len);
                        }
                    }
                    tcg_optimize(s);
                    assert_first_movi(s, w ? tcgv_i64_temp(r64) : tcgv_i32_temp(r32),
                                      want);
                }
            }
        }
    }
    tcg_context_free(s);
}

static void test_fold_mul2(void **state)
{
    TCGContext *s = ctx_new();
    TCGv_i64 lo, hi;
    TCGv_i32 lo32, hi32;
    TCGOp *op;

    tcg_func_start(s);
    lo = tcg_temp_new_i64(s);
    hi = tcg_temp_new_i64(s);
    tcg_gen_mulu2_i64(s, lo, hi, tcg_constant_i64(s, ~0ull),
                      tcg_constant_i64(s, ~0ull));
    tcg_optimize(s);
    op = tcg_first_op(s);
    assert_int_equal(op->opc, INDEX_op_movi_i64);
    assert_int_equal(op->args[1], 1);
    op = tcg_next_op(s, op);
    assert_int_equal(op->opc, INDEX_op_movi_i64);
    assert_int_equal(op->args[0], tcgv_i64_arg(hi));
    assert_int_equal(op->args[1], 0xfffffffffffffffeull);

    tcg_func_start(s);
    lo = tcg_temp_new_i64(s);
    hi = tcg_temp_new_i64(s);
    tcg_gen_muls2_i64(s, lo, hi, tcg_constant_i64(s, -3ull),
                      tcg_constant_i64(s, 5));
    tcg_optimize(s);
    op = tcg_first_op(s);
    assert_int_equal(op->args[1], -15ull);
    assert_int_equal(tcg_next_op(s, op)->args[1], ~0ull);

    tcg_func_start(s);
    lo32 = tcg_temp_new_i32(s);
    hi32 = tcg_temp_new_i32(s);
    tcg_gen_muls2_i32(s, lo32, hi32, tcg_constant_i32(s, 0x80000000u),
                      tcg_constant_i32(s, 2));
    tcg_optimize(s);
    op = tcg_first_op(s);
    assert_int_equal(op->opc, INDEX_op_movi_i32);
    assert_int_equal(op->args[1], 0);
    assert_int_equal(tcg_next_op(s, op)->opc, INDEX_op_movi_i32);
    assert_int_equal(tcg_next_op(s, op)->args[1], 0xffffffffu);
    tcg_context_free(s);
}

/* x = ld in[0] (unknown), then the identity; the result must be a copy. */
static void test_identities(void **state)
{
    TCGContext *s = ctx_new();
    TCGv_i32 x, r;
    TCGv_i64 x64, r64;

    tcg_func_start(s);
    x = tcg_temp_new_i32(s);
    r = tcg_temp_new_i32(s);
    tcg_gen_ld_i32(s, x, tcg_env(s), 0);
    tcg_gen_addi_i32(s, r, x, 0);
    tcg_gen_st_i32(s, r, tcg_env(s), 64);
    tcg_optimize(s);
    /* add became a mov and the store reads x directly */
    assert_int_equal(test_count_opc(s, INDEX_op_add_i32), 0);
    assert_int_equal(tcg_first_op(s)->next->next->args[0], tcgv_i32_arg(x));

    static const struct { TCGOpcode opc; uint64_t c; bool zero; } ids[] = {
        { INDEX_op_add_i64, 0, false }, { INDEX_op_sub_i64, 0, false },
        { INDEX_op_or_i64, 0, false }, { INDEX_op_xor_i64, 0, false },
        { INDEX_op_and_i64, ~0ull, false }, { INDEX_op_mul_i64, 1, false },
        { INDEX_op_shl_i64, 0, false }, { INDEX_op_shr_i64, 64, false },
        { INDEX_op_sar_i64, 0, false }, { INDEX_op_rotl_i64, 0, false },
        { INDEX_op_andc_i64, 0, false },
        { INDEX_op_mul_i64, 0, true }, { INDEX_op_and_i64, 0, true },
    };
    for (size_t i = 0; i < ARRAY_SIZE(ids); i++) {
        TCGOp *op;
        tcg_func_start(s);
        x64 = tcg_temp_new_i64(s);
        r64 = tcg_temp_new_i64(s);
        tcg_gen_ld_i64(s, x64, tcg_env(s), 0);
        test_emit_op(s, ids[i].opc, tcgv_i64_temp(r64), tcgv_i64_temp(x64),
                     tcg_constant_internal(s, I64, ids[i].c));
        tcg_optimize(s);
        op = tcg_next_op(s, tcg_first_op(s));
        if (ids[i].zero) {
            assert_int_equal(op->opc, INDEX_op_movi_i64);
            assert_int_equal(op->args[1], 0);
        } else {
            assert_int_equal(op->opc, INDEX_op_mov_i64);
            assert_int_equal(op->args[1], tcgv_i64_arg(x64));
        }
    }

    /* x op x */
    static const struct { TCGOpcode opc; int res; } same[] = {
        { INDEX_op_sub_i32, 0 }, { INDEX_op_xor_i32, 0 },
        { INDEX_op_andc_i32, 0 }, { INDEX_op_and_i32, -1 },
        { INDEX_op_or_i32, -1 },
    };
    for (size_t i = 0; i < ARRAY_SIZE(same); i++) {
        TCGOp *op;
        tcg_func_start(s);
        x = tcg_temp_new_i32(s);
        r = tcg_temp_new_i32(s);
        tcg_gen_ld_i32(s, x, tcg_env(s), 0);
        test_emit_op(s, same[i].opc, tcgv_i32_temp(r), tcgv_i32_temp(x),
                     tcgv_i32_temp(x));
        tcg_optimize(s);
        op = tcg_next_op(s, tcg_first_op(s));
        if (same[i].res == 0) {
            assert_int_equal(op->opc, INDEX_op_movi_i32);
            assert_int_equal(op->args[1], 0);
        } else {
            assert_int_equal(op->opc, INDEX_op_mov_i32);
        }
    }
    tcg_context_free(s);
}

static void test_copy_propagation(void **state)
{
    TCGContext *s = ctx_new();
    TCGv_i64 g = tcg_global_mem_new_i64(s, offsetof(TestEnv, g64), "g0");
    TCGv_i64 t1, t2, t3;
    TCGOp *op;
    char *txt;

    tcg_func_start(s);
    t1 = tcg_temp_new_i64(s);
    t2 = tcg_temp_new_i64(s);
    t3 = tcg_temp_new_i64(s);
    tcg_gen_mov_i64(s, t1, g);          /* t1 = g */
    tcg_gen_mov_i64(s, t2, t1);         /* t2 = t1: a copy of g too */
    tcg_gen_add_i64(s, t3, t2, t1);     /* uses become g */
    tcg_gen_mov_i64(s, g, t2);          /* g already holds it: removed */
    tcg_gen_movi_i64(s, t1, 7);
    tcg_gen_add_i64(s, t3, t3, t1);     /* t1 is now $7 */
    tcg_optimize(s);
    txt = test_dump(s, false);
    assert_non_null(strstr(txt, " add_i64 loc2,g0,g0\n"));
    assert_non_null(strstr(txt, " add_i64 loc2,loc2,$0x7\n"));
    free(txt);
    assert_int_equal(test_count_opc(s, INDEX_op_mov_i64), 2);

    /* redefining the source breaks the copy */
    tcg_func_start(s);
    t1 = tcg_temp_new_i64(s);
    t2 = tcg_temp_new_i64(s);
    tcg_gen_mov_i64(s, t1, g);
    tcg_gen_addi_i64(s, g, g, 1);
    tcg_gen_add_i64(s, t2, t1, t1);
    tcg_optimize(s);
    op = tcg_first_op(s)->next->next;
    assert_int_equal(op->opc, INDEX_op_add_i64);
    assert_int_equal(op->args[1], tcgv_i64_arg(t1));
    tcg_context_free(s);
}

static uint64_t h_pure(uint64_t a)
{
    return a + 1;
}

static const TCGHelperInfo info_writes = {
    .name = "writes", .func = (void (*)(void))h_pure, .flags = 0,
    .ret = TCG_HT_I64, .nargs = 1, .args = { TCG_HT_I64 },
};
static const TCGHelperInfo info_nowg = {
    .name = "nowg", .func = (void (*)(void))h_pure,
    .flags = TCG_CALL_NO_WG, .ret = TCG_HT_I64, .nargs = 1,
    .args = { TCG_HT_I64 },
};

static void test_calls_forget_globals(void **state)
{
    TCGContext *s = ctx_new();
    TCGv_i64 g = tcg_global_mem_new_i64(s, offsetof(TestEnv, g64), "g0");

    for (int k = 0; k < 2; k++) {
        TCGv_i64 r, t;
        TCGTemp *args[1];
        tcg_func_start(s);
        r = tcg_temp_new_i64(s);
        t = tcg_temp_new_i64(s);
        tcg_gen_movi_i64(s, g, 5);
        args[0] = tcgv_i64_temp(g);
        tcg_gen_callN(s, k ? &info_nowg : &info_writes, tcgv_i64_temp(r), args);
        tcg_gen_addi_i64(s, t, g, 1);
        tcg_optimize(s);
        /* the call's argument is the constant in both cases */
        assert_int_equal(arg_temp(s, tcg_first_op(s)->next->args[1])->kind,
                         TEMP_CONST);
        if (k) {
            assert_int_equal(test_count_opc(s, INDEX_op_add_i64), 0);
        } else {
            assert_int_equal(test_count_opc(s, INDEX_op_add_i64), 1);
        }
    }
    tcg_context_free(s);
}

static void test_known_bits(void **state)
{
    TCGContext *s = ctx_new();
    TCGv_i32 x, a, b, c, d;
    TCGv_i64 y, e;
    char *txt;

    tcg_func_start(s);
    x = tcg_temp_new_i32(s);
    a = tcg_temp_new_i32(s);
    b = tcg_temp_new_i32(s);
    c = tcg_temp_new_i32(s);
    d = tcg_temp_new_i32(s);
    y = tcg_temp_new_i64(s);
    e = tcg_temp_new_i64(s);
    tcg_gen_ld8u_i32(s, x, tcg_env(s), 0);      /* x <= 0xff */
    tcg_gen_ext8u_i32(s, a, x);                 /* copy */
    tcg_gen_andi_i32(s, b, x, 0xff);            /* copy */
    tcg_gen_shri_i32(s, c, x, 8);               /* 0 */
    tcg_gen_ori_i32(s, d, x, 0x100);            /* bit 8 known one */
    tcg_gen_andi_i32(s, d, d, 0x100);           /* constant 0x100 */
    tcg_gen_ld_i64(s, y, tcg_env(s), 8);
    tcg_gen_ext32u_i64(s, y, y);
    tcg_gen_shri_i64(s, e, y, 32);              /* 0 */
    tcg_gen_st_i32(s, a, tcg_env(s), 64);
    tcg_gen_st_i32(s, b, tcg_env(s), 68);
    tcg_gen_st_i32(s, c, tcg_env(s), 72);
    tcg_gen_st_i32(s, d, tcg_env(s), 76);
    tcg_gen_st_i64(s, e, tcg_env(s), 80);
    tcg_optimize(s);
    txt = test_dump(s, false);
    assert_non_null(strstr(txt, " mov_i32 loc1,loc0\n"));
    assert_non_null(strstr(txt, " mov_i32 loc2,loc0\n"));
    assert_non_null(strstr(txt, " movi_i32 loc3,$0x0\n"));
    assert_non_null(strstr(txt, " movi_i32 loc4,$0x100\n"));
    assert_non_null(strstr(txt, " movi_i64 loc6,$0x0\n"));
    assert_non_null(strstr(txt, " st_i32 loc0,env,$0x44\n"));
    free(txt);
    tcg_context_free(s);
}

static void test_branch_folding(void **state)
{
    TCGContext *s = ctx_new();
    TCGv_i32 x, r;
    TCGLabel *l1, *l2;
    char *txt;

    /* always taken: becomes br, the code up to the label disappears */
    tcg_func_start(s);
    x = tcg_temp_new_i32(s);
    r = tcg_temp_new_i32(s);
    l1 = tcg_label_new(s);
    tcg_gen_movi_i32(s, x, 3);
    tcg_gen_brcondi_i32(s, TCG_COND_LTU, x, 10, l1);
    tcg_gen_movi_i32(s, r, 1);
    tcg_gen_st_i32(s, r, tcg_env(s), 0);
    tcg_gen_set_label(s, l1);
    tcg_gen_exit_tb(s, NULL, 0);
    tcg_optimize(s);
    txt = test_dump(s, false);
    assert_string_equal(txt, " movi_i32 loc0,$0x3\n br $L0\n set_label $L0\n"
                             " exit_tb $0x0\n");
    free(txt);

    /* never taken: removed, the unreferenced label too, knowledge kept */
    tcg_func_start(s);
    x = tcg_temp_new_i32(s);
    r = tcg_temp_new_i32(s);
    l1 = tcg_label_new(s);
    tcg_gen_movi_i32(s, x, 3);
    tcg_gen_brcondi_i32(s, TCG_COND_GT, x, 10, l1);
    tcg_gen_set_label(s, l1);
    tcg_gen_addi_i32(s, r, x, 1);
    tcg_gen_st_i32(s, r, tcg_env(s), 0);
    tcg_optimize(s);
    assert_int_equal(test_count_opc(s, INDEX_op_brcond_i32), 0);
    assert_int_equal(test_count_opc(s, INDEX_op_set_label), 0);
    assert_int_equal(test_count_opc(s, INDEX_op_add_i32), 0);

    /* a label that stays targeted drops knowledge */
    tcg_func_start(s);
    x = tcg_temp_new_i32(s);
    r = tcg_temp_new_i32(s);
    l1 = tcg_label_new(s);
    l2 = tcg_label_new(s);
    tcg_gen_ld_i32(s, r, tcg_env(s), 0);
    tcg_gen_movi_i32(s, x, 3);
    tcg_gen_brcondi_i32(s, TCG_COND_EQ, r, 0, l1);
    tcg_gen_addi_i32(s, r, x, 1);               /* folds: fall-through */
    tcg_gen_set_label(s, l1);
    tcg_gen_addi_i32(s, r, x, 1);               /* does not fold */
    tcg_gen_brcond_i32(s, TCG_COND_EQ, r, r, l2); /* same temp: taken */
    tcg_gen_movi_i32(s, x, 9);                  /* unreachable */
    tcg_gen_set_label(s, l2);
    tcg_gen_exit_tb(s, NULL, 0);
    tcg_optimize(s);
    assert_int_equal(test_count_opc(s, INDEX_op_add_i32), 1);
    assert_int_equal(test_count_opc(s, INDEX_op_br), 1);
    assert_int_equal(test_count_opc(s, INDEX_op_movi_i32), 2);
    tcg_context_free(s);
}

/* --- random programs: optimized and unoptimized code must agree --- */

static void h_bump(void *env, uint64_t v)
{
    ((TestEnv *)env)->g64[1] += v;
}

static uint64_t h_mix(uint64_t a, uint64_t b)
{
    return a * 31 + (b >> 3);
}

static const TCGHelperInfo info_bump = {
    .name = "bump", .func = (void (*)(void))h_bump, .flags = 0,
    .ret = TCG_HT_VOID, .nargs = 2, .args = { TCG_HT_PTR, TCG_HT_I64 },
};
static const TCGHelperInfo info_mix = {
    .name = "mix", .func = (void (*)(void))h_mix,
    .flags = TCG_CALL_NO_RWG_SE, .ret = TCG_HT_I64, .nargs = 2,
    .args = { TCG_HT_I64, TCG_HT_I64 },
};

typedef struct Rng {
    uint64_t x;
} Rng;

static uint64_t rng_next(Rng *r)
{
    r->x ^= r->x << 13;
    r->x ^= r->x >> 7;
    r->x ^= r->x << 17;
    return r->x;
}

typedef struct Prog {
    TCGTemp *v[2][8];       /* [type]: 4 globals then 4 TB temps */
} Prog;

static TCGTemp *pick(TCGContext *s, Prog *p, Rng *r, TCGType t, bool input)
{
    if (input && rng_next(r) % 4 == 0) {
        size_t n;
        const uint64_t *ev = edges_for(t, &n);
        return tcg_constant_internal(s, t, ev[rng_next(r) % n]);
    }
    return p->v[t][rng_next(r) % 8];
}

static void gen_random_op(TCGContext *s, Prog *p, Rng *r, TCGLabel **open)
{
    unsigned k = rng_next(r) % 100;

    if (k < 70) {
        const RefOp *ro = &ref_ops[rng_next(r) % ARRAY_SIZE(ref_ops)];
        test_emit_op(s, ro->opc, pick(s, p, r, ro->out, false),
                     pick(s, p, r, ro->in, true),
                     ro->nin == 2 ? pick(s, p, r, ro->in, true) : NULL);
    } else if (k < 76) {
        TCGType t = rng_next(r) % 2 ? I64 : I32;
        unsigned w = t == I64 ? 64 : 32;
        unsigned pos = rng_next(r) % w, len = 1 + rng_next(r) % (w - pos);
        TCGOp *op = tcg_emit_op(s, t == I64 ? INDEX_op_deposit_i64
                                            : INDEX_op_deposit_i32);
        op->args[0] = temp_arg(pick(s, p, r, t, false));
        op->args[1] = temp_arg(pick(s, p, r, t, true));
        op->args[2] = temp_arg(pick(s, p, r, t, true));
        op->args[3] = pos;
        op->args[4] = len;
    } else if (k < 82) {
        TCGType t = rng_next(r) % 2 ? I64 : I32;
        TCGOp *op = tcg_emit_op(s, t == I64 ? INDEX_op_movcond_i64
                                            : INDEX_op_movcond_i32);
        op->args[0] = temp_arg(pick(s, p, r, t, false));
        for (int i = 1; i < 5; i++) {
            op->args[i] = temp_arg(pick(s, p, r, t, true));
        }
        op->args[5] = all_conds[rng_next(r) % ARRAY_SIZE(all_conds)];
    } else if (k < 88) {
        TCGType t = rng_next(r) % 2 ? I64 : I32;
        TCGOp *op;
        if (!*open) {
            *open = tcg_label_new(s);
        }
        (*open)->refs++;
        op = tcg_emit_op(s, t == I64 ? INDEX_op_brcond_i64 : INDEX_op_brcond_i32);
        op->args[0] = temp_arg(pick(s, p, r, t, true));
        op->args[1] = temp_arg(pick(s, p, r, t, true));
        op->args[2] = all_conds[rng_next(r) % ARRAY_SIZE(all_conds)];
        op->args[3] = label_arg(*open);
    } else if (k < 93) {
        if (*open) {
            tcg_gen_set_label(s, *open);
            *open = NULL;
        }
    } else if (k < 96) {
        TCGTemp *args[2] = { tcgv_ptr_temp(tcg_env(s)),
                             pick(s, p, r, I64, true) };
        tcg_gen_callN(s, &info_bump, NULL, args);
    } else {
        TCGTemp *args[2] = { pick(s, p, r, I64, true),
                             pick(s, p, r, I64, true) };
        tcg_gen_callN(s, &info_mix, pick(s, p, r, I64, false), args);
    }
}

static void gen_random_prog(TCGContext *s, Prog *p, uint64_t seed)
{
    Rng r = { seed * 0x9e3779b97f4a7c15ull + 1 };
    TCGLabel *open = NULL;
    unsigned n = 10 + rng_next(&r) % 60;

    tcg_func_start(s);
    for (int t = 0; t < 2; t++) {
        for (int i = 4; i < 8; i++) {
            p->v[t][i] = test_new_temp(s, (TCGType)t);
            /* start every TB temp from env so nothing is undefined */
            tcg_gen_op3(s, t ? INDEX_op_ld_i64 : INDEX_op_ld_i32,
                        temp_arg(p->v[t][i]), tcgv_ptr_arg(tcg_env(s)),
                        offsetof(TestEnv, in) + 8 * (i - 4) + 32 * t);
        }
    }
    for (unsigned i = 0; i < n; i++) {
        gen_random_op(s, p, &r, &open);
    }
    if (open) {
        tcg_gen_set_label(s, open);
    }
    for (int t = 0; t < 2; t++) {
        for (int i = 4; i < 8; i++) {
            tcg_gen_op3(s, t ? INDEX_op_st_i64 : INDEX_op_st_i32,
                        temp_arg(p->v[t][i]), tcgv_ptr_arg(tcg_env(s)),
                        offsetof(TestEnv, out) + 8 * (i - 4) + 32 * t);
        }
    }
    tcg_gen_exit_tb(s, NULL, 0);
}

static void run_random(TCGContext *s, Prog *p, uint64_t seed, bool optimize,
                       TestEnv *env)
{
    TCGCodeInfo info;
    Rng r = { seed + 7 };

    memset(env, 0, offsetof(TestEnv, tlb));
    for (int i = 0; i < 8; i++) {
        env->in[i] = rng_next(&r) >> (rng_next(&r) % 64);
    }
    for (int i = 0; i < 4; i++) {
        env->g64[i] = rng_next(&r);
        env->g32[i] = (uint32_t)rng_next(&r);
    }
    tcg_code_flush(s);
    gen_random_prog(s, p, seed);
    if (optimize) {
        assert_int_equal(tcg_gen_code(s, &info), 0);
    } else {
        memset(&info, 0, sizeof(info));
        info.jmp_offset[0] = info.jmp_offset[1] = TCG_NO_JUMP;
        tcg_liveness(s);
        assert_int_equal(s->backend->gen_code(s, &info), 0);
    }
    tcg_exec_tb(s, env, info.code);
}

static void test_random_programs(void **state)
{
    TCGContext *s = ctx_new();
    TestEnv *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
    Prog p;

    for (int i = 0; i < 4; i++) {
        char name[8];
        snprintf(name, sizeof(name), "q%d", i);
        p.v[I64][i] = tcgv_i64_temp(tcg_global_mem_new_i64(
            s, offsetof(TestEnv, g64) + 8 * i, name));
        snprintf(name, sizeof(name), "w%d", i);
        p.v[I32][i] = tcgv_i32_temp(tcg_global_mem_new_i32(
            s, offsetof(TestEnv, g32) + 4 * i, name));
    }
    for (uint64_t seed = 1; seed <= 3000; seed++) {
        run_random(s, &p, seed, false, a);
        run_random(s, &p, seed, true, b);
        if (memcmp(a, b, offsetof(TestEnv, tlb)) != 0) {
            char *txt;
            gen_random_prog(s, &p, seed);
            txt = test_dump(s, false);
            fprintf(stderr, "seed %llu differs:\n%s", (unsigned long long)seed, txt);
            free(txt);
            fail();
        }
    }
    free(a);
    free(b);
    tcg_context_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fold_constants),
        cmocka_unit_test(test_fold_setcond_movcond),
        cmocka_unit_test(test_fold_bitfields),
        cmocka_unit_test(test_fold_mul2),
        cmocka_unit_test(test_identities),
        cmocka_unit_test(test_copy_propagation),
        cmocka_unit_test(test_calls_forget_globals),
        cmocka_unit_test(test_known_bits),
        cmocka_unit_test(test_branch_folding),
        cmocka_unit_test(test_random_programs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
