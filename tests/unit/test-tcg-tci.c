/*
 * Unit tests for the TCG interpreter backend (tcg/tci/): hand-built IR
 * programs run through the whole pipeline (optimize, liveness, bytecode)
 * and compared with C: every arithmetic op on edge values at both widths,
 * conditions, bit fields, double-width products, loops with labels,
 * helper calls (direct and through libffi) with several signatures, the
 * encoder's fused forms, guest loads and stores through a fake soft TLB
 * (hits, misses, flagged and cross-page entries), fault recovery through
 * insn_start data, goto_tb chaining, goto_ptr, exit_tb values and global
 * write-back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>

#include "test-tcg-common.h"

/* --- helpers used by the tests (declared once in the .def list) --- */

typedef struct FaultEnv {
    TestEnv env;                /* first: env pointers convert back */
    sigjmp_buf jb;
    bool fault_on_miss;
    uint64_t fault_addr;
    uintptr_t fault_ra;
    TCGContext *s;
} FaultEnv;

#define TCG_HELPER_FILE "tests/unit/test-tcg-helpers.def"
#include "tcg/helper-proto.h"
#include "tcg/helper-info.h"
#include "tcg/helper-gen.h"

uint32_t helper_t_add32(uint32_t a, uint32_t b)
{
    return a + b;
}

uint64_t helper_t_mix6(uint64_t a, uint32_t b, uint64_t c, int32_t d,
                       uint64_t e, uint32_t f)
{
    return a * 3 + b * 5ull + c * 7 + (uint64_t)(int64_t)d * 11 + e * 13 +
           f * 17ull;
}

int64_t helper_t_sext(int32_t a)
{
    return a;
}

void helper_t_store_env(void *env, uint64_t v)
{
    ((TestEnv *)env)->g64[1] = v;
}

uint64_t helper_t_read_g(void *env)
{
    return ((TestEnv *)env)->g64[0];
}

uint32_t helper_t_const(void)
{
    return 42;
}

void *helper_t_lookup(void *env)
{
    return (void *)(uintptr_t)((TestEnv *)env)->in[7];
}

/* divides 1000 by d; d == 0 is a guest fault (like #DE) */
uint64_t helper_t_div(void *env, uint64_t d)
{
    FaultEnv *fe = env;
    if (d == 0) {
        fe->fault_ra = TCG_GETPC(fe->s);
        siglongjmp(fe->jb, 1);
    }
    return 1000 / d;
}

/* --- harness --- */

static const void *gen(TCGContext *s, TCGCodeInfo *info)
{
    assert_int_equal(tcg_gen_code(s, info), 0);
    return info->code;
}

static uintptr_t run(TCGContext *s, TestEnv *env, const void *code)
{
    return tcg_exec_tb(s, env, code);
}

static TestEnv *env_new(void)
{
    TestEnv *env = calloc(1, sizeof(*env));
    assert_non_null(env);
    tcg_tlb_flush(&env->tlb);
    return env;
}

/* --- arithmetic --- */

static void test_all_ops(void **state)
{
    TCGContext *s = test_ctx_new(NULL);
    TestEnv *env = env_new();
    unsigned checked = 0;

    for (size_t i = 0; i < ARRAY_SIZE(ref_ops); i++) {
        const RefOp *ro = &ref_ops[i];
        TCGTemp *a, *b, *r;
        TCGCodeInfo info;
        const void *code;
        size_t n;
        const uint64_t *ev = edges_for(ro->in, &n);

        tcg_func_start(s);
        a = test_new_temp(s, ro->in);
        b = test_new_temp(s, ro->in);
        r = test_new_temp(s, ro->out);
        test_ld_in(s, a, 0);
        test_ld_in(s, b, 1);
        test_emit_op(s, ro->opc, r, a, ro->nin == 2 ? b : NULL);
        test_st_out(s, r, 0);
        tcg_gen_exit_tb(s, NULL, 0);
        code = gen(s, &info);
        for (size_t x = 0; x < n; x++) {
            for (size_t y = 0; y < (ro->nin == 2 ? n : 1); y++) {
                env->in[0] = ev[x];
                env->in[1] = ev[y];
                env->out[0] = 0;
                assert_int_equal(run(s, env, code), 0);
                if (env->out[0] != ro->ref(ev[x], ev[y])) {
                    fail_msg("%s(%#llx, %#llx) = %#llx, want %#llx",
                             tcg_op_defs[ro->opc].name,
                             (unsigned long long)ev[x],
                             (unsigned long long)ev[y],
                             (unsigned long long)env->out[0],
                             (unsigned long long)ro->ref(ev[x], ev[y]));
                }
                checked++;
            }
        }
    }
    assert_true(checked > 10000);
    free(env);
    tcg_context_free(s);
}

static void test_conditions(void **state)
{
    TCGContext *s = test_ctx_new(NULL);
    TestEnv *env = env_new();

    for (int w = 0; w < 2; w++) {
        TCGType t = w ? I64 : I32;
        size_t n;
        const uint64_t *ev = edges_for(t, &n);

        for (size_t c = 0; c < ARRAY_SIZE(all_conds); c++) {
            TCGTemp *a, *b, *r, *v1, *v2;
            TCGLabel *l;
            TCGCodeInfo info;
            const void *code;
            TCGOp *op;

            tcg_func_start(s);
            a = test_new_temp(s, t);
            b = test_new_temp(s, t);
            r = test_new_temp(s, t);
            v1 = tcg_constant_internal(s, t, 0x1111);
            v2 = tcg_constant_internal(s, t, 0x2222);
            l = tcg_label_new(s);
            test_ld_in(s, a, 0);
            test_ld_in(s, b, 1);
            op = tcg_emit_op(s, w ? INDEX_op_setcond_i64 : INDEX_op_setcond_i32);
            op->args[0] = temp_arg(r);
            op->args[1] = temp_arg(a);
            op->args[2] = temp_arg(b);
            op->args[3] = all_conds[c];
            test_st_out(s, r, 0);
            op = tcg_emit_op(s, w ? INDEX_op_movcond_i64 : INDEX_op_movcond_i32);
            op->args[0] = temp_arg(r);
            op->args[1] = temp_arg(a);
            op->args[2] = temp_arg(b);
            op->args[3] = temp_arg(v1);
            op->args[4] = temp_arg(v2);
            op->args[5] = all_conds[c];
            test_st_out(s, r, 1);
            /* out[2] = cond ? 7 : 9 through a branch */
            op = tcg_emit_op(s, w ? INDEX_op_movi_i64 : INDEX_op_movi_i32);
            op->args[0] = temp_arg(r);
            op->args[1] = 7;
            op = tcg_emit_op(s, w ? INDEX_op_brcond_i64 : INDEX_op_brcond_i32);
            op->args[0] = temp_arg(a);
            op->args[1] = temp_arg(b);
            op->args[2] = all_conds[c];
            op->args[3] = label_arg(l);
            op = tcg_emit_op(s, w ? INDEX_op_movi_i64 : INDEX_op_movi_i32);
            op->args[0] = temp_arg(r);
            op->args[1] = 9;
            tcg_gen_set_label(s, l);
            test_st_out(s, r, 2);
            tcg_gen_exit_tb(s, NULL, 0);
            code = gen(s, &info);
            for (size_t x = 0; x < n; x++) {
                for (size_t y = 0; y < n; y++) {
                    uint64_t want = ref_cond(all_conds[c], ev[x], ev[y], t);
                    env->in[0] = ev[x];
                    env->in[1] = ev[y];
                    memset(env->out, 0, sizeof(env->out));
                    run(s, env, code);
                    assert_int_equal(env->out[0], want);
                    assert_int_equal(env->out[1], want ? 0x1111 : 0x2222);
                    assert_int_equal(env->out[2], want ? 7 : 9);
                }
            }
        }
    }
    free(env);
    tcg_context_free(s);
}

static void test_bitfields_and_mul2(void **state)
{
    TCGContext *s = test_ctx_new(NULL);
    TestEnv *env = env_new();
    TCGv_i64 a, b, r1, r2, r3, lo, hi;
    TCGv_i32 a32, b32, lo32, hi32;
    TCGCodeInfo info;
    const void *code;

    tcg_func_start(s);
    a = tcg_temp_new_i64(s);
    b = tcg_temp_new_i64(s);
    r1 = tcg_temp_new_i64(s);
    r2 = tcg_temp_new_i64(s);
    r3 = tcg_temp_new_i64(s);
    lo = tcg_temp_new_i64(s);
    hi = tcg_temp_new_i64(s);
    a32 = tcg_temp_new_i32(s);
    b32 = tcg_temp_new_i32(s);
    lo32 = tcg_temp_new_i32(s);
    hi32 = tcg_temp_new_i32(s);
    tcg_gen_ld_i64(s, a, tcg_env(s), offsetof(TestEnv, in[0]));
    tcg_gen_ld_i64(s, b, tcg_env(s), offsetof(TestEnv, in[1]));
    tcg_gen_deposit_i64(s, r1, a, b, 12, 40);
    tcg_gen_extract_i64(s, r2, a, 7, 33);
    tcg_gen_sextract_i64(s, r3, a, 60, 4);
    tcg_gen_st_i64(s, r1, tcg_env(s), offsetof(TestEnv, out[0]));
    tcg_gen_st_i64(s, r2, tcg_env(s), offsetof(TestEnv, out[1]));
    tcg_gen_st_i64(s, r3, tcg_env(s), offsetof(TestEnv, out[2]));
    tcg_gen_muls2_i64(s, lo, hi, a, b);
    tcg_gen_st_i64(s, lo, tcg_env(s), offsetof(TestEnv, out[3]));
    tcg_gen_st_i64(s, hi, tcg_env(s), offsetof(TestEnv, out[4]));
    tcg_gen_mulu2_i64(s, lo, hi, a, b);
    tcg_gen_st_i64(s, hi, tcg_env(s), offsetof(TestEnv, out[5]));
    tcg_gen_extrl_i64_i32(s, a32, a);
    tcg_gen_extrl_i64_i32(s, b32, b);
    tcg_gen_muls2_i32(s, lo32, hi32, a32, b32);
    tcg_gen_st_i32(s, hi32, tcg_env(s), offsetof(TestEnv, out[6]));
    tcg_gen_mulu2_i32(s, lo32, hi32, a32, b32);
    tcg_gen_st_i32(s, hi32, tcg_env(s), offsetof(TestEnv, out[7]));
    tcg_gen_exit_tb(s, NULL, 0);
    code = gen(s, &info);

    for (size_t x = 0; x < ARRAY_SIZE(edge64); x++) {
        for (size_t y = 0; y < ARRAY_SIZE(edge64); y++) {
            uint64_t va = edge64[x], vb = edge64[y];
            unsigned __int128 pu = (unsigned __int128)va * vb;
            __int128 ps = (__int128)(int64_t)va * (int64_t)vb;
            uint64_t m40 = ((1ull << 40) - 1) << 12;

            env->in[0] = va;
            env->in[1] = vb;
            memset(env->out, 0, sizeof(env->out));
            run(s, env, code);
            assert_int_equal(env->out[0], (va & ~m40) | ((vb << 12) & m40));
            assert_int_equal(env->out[1], (va >> 7) & ((1ull << 33) - 1));
            assert_int_equal(env->out[2], (uint64_t)((int64_t)va >> 60));
            assert_int_equal(env->out[3], (uint64_t)ps);
            assert_int_equal(env->out[4], (uint64_t)((unsigned __int128)ps >> 64));
            assert_int_equal(env->out[5], (uint64_t)(pu >> 64));
            assert_int_equal(env->out[6],
                             (uint32_t)(((int64_t)(int32_t)va * (int32_t)vb) >> 32));
            assert_int_equal(env->out[7],
                             (uint32_t)(((uint64_t)(uint32_t)va * (uint32_t)vb) >> 32));
        }
    }
    free(env);
    tcg_context_free(s);
}

/* --- control flow --- */

static void test_loop(void **state)
{
    TCGContext *s = test_ctx_new(NULL);
    TestEnv *env = env_new();
    TCGv_i64 n, sum, i;
    TCGLabel *top, *done;
    TCGCodeInfo info;
    const void *code;

    tcg_func_start(s);
    n = tcg_temp_new_i64(s);
    sum = tcg_temp_new_i64(s);
    i = tcg_temp_new_i64(s);
    top = tcg_label_new(s);
    done = tcg_label_new(s);
    tcg_gen_ld_i64(s, n, tcg_env(s), offsetof(TestEnv, in[0]));
    tcg_gen_movi_i64(s, sum, 0);
    tcg_gen_movi_i64(s, i, 1);
    tcg_gen_set_label(s, top);
    tcg_gen_brcond_i64(s, TCG_COND_GTU, i, n, done);
    tcg_gen_add_i64(s, sum, sum, i);
    tcg_gen_addi_i64(s, i, i, 1);
    tcg_gen_br(s, top);
    tcg_gen_set_label(s, done);
    tcg_gen_st_i64(s, sum, tcg_env(s), offsetof(TestEnv, out[0]));
    tcg_gen_exit_tb(s, NULL, 0);
    code = gen(s, &info);

    for (uint64_t k = 0; k < 200; k += 13) {
        env->in[0] = k;
        run(s, env, code);
        assert_int_equal(env->out[0], k * (k + 1) / 2);
    }
    free(env);
    tcg_context_free(s);
}

static void test_helpers(void **state)
{
    TCGContext *s = test_ctx_new(NULL);
    TestEnv *env = env_new();
    TCGv_i32 a32, r32, c32;
    TCGv_i64 a, r, r2;
    TCGCodeInfo info;
    const void *code;
    uint64_t want;

    tcg_func_start(s);
    a32 = tcg_temp_new_i32(s);
    r32 = tcg_temp_new_i32(s);
    c32 = tcg_temp_new_i32(s);
    a = tcg_temp_new_i64(s);
    r = tcg_temp_new_i64(s);
    r2 = tcg_temp_new_i64(s);
    tcg_gen_ld_i32(s, a32, tcg_env(s), offsetof(TestEnv, in[0]));
    tcg_gen_ld_i64(s, a, tcg_env(s), offsetof(TestEnv, in[1]));
    gen_helper_t_add32(s, r32, a32, tcg_constant_i32(s, 0x10));
    tcg_gen_st_i32(s, r32, tcg_env(s), offsetof(TestEnv, out[0]));
    gen_helper_t_mix6(s, r, a, a32, tcg_constant_i64(s, 1000), a32, a,
                      tcg_constant_i32(s, 0xffffffff));
    tcg_gen_st_i64(s, r, tcg_env(s), offsetof(TestEnv, out[1]));
    gen_helper_t_sext(s, r2, a32);
    tcg_gen_st_i64(s, r2, tcg_env(s), offsetof(TestEnv, out[2]));
    gen_helper_t_const(s, c32);
    tcg_gen_st_i32(s, c32, tcg_env(s), offsetof(TestEnv, out[3]));
    gen_helper_t_store_env(s, tcg_env(s), a);
    tcg_gen_exit_tb(s, NULL, 0);
    code = gen(s, &info);

    env->in[0] = 0xfffffff0;    /* -16 as s32 */
    env->in[1] = 0x123456789ull;
    run(s, env, code);
    assert_int_equal(env->out[0], 0);
    want = 0x123456789ull * 3 + 0xfffffff0ull * 5 + 1000 * 7 +
           (uint64_t)(-16 * 11) + 0x123456789ull * 13 + 0xffffffffull * 17;
    assert_int_equal(env->out[1], want);
    assert_int_equal(env->out[2], (uint64_t)-16);
    assert_int_equal(env->out[3], 42);
    assert_int_equal(env->g64[1], 0x123456789ull);
    free(env);
    tcg_context_free(s);
}

/* Globals: written back at exits, synced before helpers that read them,
   reloaded after helpers that may write them. */
static void test_globals(void **state)
{
    TCGContext *s = test_ctx_new(NULL);
    TestEnv *env = env_new();
    TCGv_i64 g0 = tcg_global_mem_new_i64(s, offsetof(TestEnv, g64[0]), "g0");
    TCGv_i64 g1 = tcg_global_mem_new_i64(s, offsetof(TestEnv, g64[1]), "g1");
    TCGv_i32 w = tcg_global_mem_new_i32(s, offsetof(TestEnv, g32[0]), "w");
    TCGv_i64 r;
    TCGCodeInfo info;
    const void *code;

    tcg_func_start(s);
    r = tcg_temp_new_i64(s);
    tcg_gen_addi_i64(s, g0, g0, 5);             /* must be synced ... */
    gen_helper_t_read_g(s, r, tcg_env(s));      /* ... before this read */
    tcg_gen_st_i64(s, r, tcg_env(s), offsetof(TestEnv, out[0]));
    tcg_gen_movi_i64(s, g1, 1);                 /* dead: overwritten */
    tcg_gen_movi_i64(s, g1, 2);                 /* synced: helpers may read */
    gen_helper_t_store_env(s, tcg_env(s), g0);  /* g1 = g0 in env */
    tcg_gen_addi_i64(s, g1, g1, 100);           /* must reload g1 */
    tcg_gen_addi_i32(s, w, w, 1);
    tcg_gen_addi_i32(s, w, w, 1);               /* only the last is synced */
    tcg_gen_exit_tb(s, NULL, 0);
    code = gen(s, &info);

    env->g64[0] = 10;
    env->g64[1] = 77;
    env->g32[0] = 0xffffffff;
    run(s, env, code);
    assert_int_equal(env->out[0], 15);
    assert_int_equal(env->g64[0], 15);
    assert_int_equal(env->g64[1], 115);
    assert_int_equal(env->g32[0], 1);
    /* the first write of g1 was deleted by liveness */
    assert_int_equal(test_count_opc(s, INDEX_op_movi_i64), 1);
    free(env);
    tcg_context_free(s);
}

/*
 * The encoder's fused forms: "ext32u t, x; and/or/xor/shr t2, t, imm",
 * "op t, ...; ext32u g, t", "op t, ...; mov g, t" (g a synced global) and
 * "ld_i32 t, env; brcond_i32 t, 0" run as single instructions; each must
 * keep the plain ops' results, including where the fusion does not apply
 * (a constant wider than 32 bits).
 */
static void test_fused_forms(void **state)
{
    static const uint64_t xs[] = { 0, 1, 0xdeadbeef87654321ull,
                                   0xffffffffffffffffull, 0x80000000ull };
    TCGContext *s = test_ctx_new(NULL);
    TestEnv *env = env_new();
    TCGv_i64 g0 = tcg_global_mem_new_i64(s, offsetof(TestEnv, g64[0]), "g0");
    TCGv_i64 g1 = tcg_global_mem_new_i64(s, offsetof(TestEnv, g64[1]), "g1");
    TCGv_i32 w = tcg_global_mem_new_i32(s, offsetof(TestEnv, g32[0]), "w");
    static const struct {
        TCGOpcode opc;
        uint64_t imm;
    } narrow[] = {
        { INDEX_op_and_i64, 0xff00ff00 }, { INDEX_op_or_i64, 0x80000001 },
        { INDEX_op_xor_i64, 0x100000001ull }, { INDEX_op_shr_i64, 5 },
        { INDEX_op_shr_i64, 31 },
    };
    TCGv_i64 x, y, t, u;
    TCGv_i32 k;
    TCGLabel *skip;
    TCGCodeInfo info;
    const void *code;

    tcg_func_start(s);
    x = tcg_temp_new_i64(s);
    y = tcg_temp_new_i64(s);
    tcg_gen_ld_i64(s, x, tcg_env(s), offsetof(TestEnv, in[0]));
    tcg_gen_ld_i64(s, y, tcg_env(s), offsetof(TestEnv, in[1]));
    for (size_t i = 0; i < ARRAY_SIZE(narrow); i++) {
        t = tcg_temp_ebb_new_i64(s);
        u = tcg_temp_ebb_new_i64(s);
        tcg_gen_ext32u_i64(s, t, x);
        tcg_gen_op3(s, narrow[i].opc, tcgv_i64_arg(u), tcgv_i64_arg(t),
                    tcgv_i64_arg(tcg_constant_i64(s, narrow[i].imm)));
        tcg_gen_st_i64(s, u, tcg_env(s), offsetof(TestEnv, out[i]));
    }
    t = tcg_temp_ebb_new_i64(s);
    tcg_gen_add_i64(s, t, x, y);
    tcg_gen_ext32u_i64(s, g0, t);
    t = tcg_temp_ebb_new_i64(s);
    tcg_gen_neg_i64(s, t, x);
    tcg_gen_ext32u_i64(s, t, t);
    tcg_gen_st_i64(s, t, tcg_env(s), offsetof(TestEnv, out[5]));
    t = tcg_temp_ebb_new_i64(s);
    tcg_gen_sub_i64(s, t, x, y);
    tcg_gen_mov_i64(s, g1, t);
    k = tcg_temp_ebb_new_i32(s);
    tcg_gen_addi_i32(s, k, w, 3);
    tcg_gen_mov_i32(s, w, k);
    k = tcg_temp_ebb_new_i32(s);
    skip = tcg_label_new(s);
    tcg_gen_ld_i32(s, k, tcg_env(s), offsetof(TestEnv, in[2]));
    tcg_gen_brcondi_i32(s, TCG_COND_NE, k, 0, skip);
    tcg_gen_st_i64(s, x, tcg_env(s), offsetof(TestEnv, out[6]));
    tcg_gen_set_label(s, skip);
    tcg_gen_exit_tb(s, NULL, 0);
    code = gen(s, &info);

    for (size_t i = 0; i < ARRAY_SIZE(xs); i++) {
        uint64_t xv = xs[i], yv = xs[(i + 2) % ARRAY_SIZE(xs)];
        uint32_t lo = (uint32_t)xv;

        memset(env->out, 0, sizeof(env->out));
        env->in[0] = xv;
        env->in[1] = yv;
        env->in[2] = i & 1 ? 0x100000000ull : 0;    /* the low word is 0 */
        env->g32[0] = 0xfffffffe;
        run(s, env, code);
        assert_int_equal(env->out[0], lo & 0xff00ff00u);
        assert_int_equal(env->out[1], lo | 0x80000001u);
        assert_int_equal(env->out[2], lo ^ 0x100000001ull);
        assert_int_equal(env->out[3], lo >> 5);
        assert_int_equal(env->out[4], lo >> 31);
        assert_int_equal(env->out[5], (uint32_t)-xv);
        assert_int_equal(env->g64[0], (uint32_t)(xv + yv));
        assert_int_equal(env->g64[1], xv - yv);
        assert_int_equal(env->g32[0], 1);
        assert_int_equal(env->out[6], xv);     /* the branch is not taken */
        env->in[2] = 7;
        run(s, env, code);
        assert_int_equal(env->out[6], xv);
        env->out[6] = 0;
        run(s, env, code);
        assert_int_equal(env->out[6], 0);       /* taken: not stored */
    }
    free(env);
    tcg_context_free(s);
}

/* --- guest memory --- */


static uint64_t slow_load(void *envp, uint64_t addr, MemOp mo, unsigned idx,
                          uintptr_t ra)
{
    FaultEnv *fe = envp;
    fe->env.slow_loads++;
    fe->env.last_ra = ra;
    if (fe->fault_on_miss) {
        fe->fault_addr = addr;
        fe->fault_ra = ra;
        siglongjmp(fe->jb, 1);
    }
    /* recognizable: address, size and mmu index */
    return (addr ^ 0xabc0000000ull) + ((uint64_t)(mo & MO_SIZE) << 60) +
           ((uint64_t)idx << 56);
}

static void slow_store(void *envp, uint64_t addr, uint64_t val, MemOp mo,
                       unsigned idx, uintptr_t ra)
{
    FaultEnv *fe = envp;
    fe->env.slow_stores++;
    fe->env.out[7] = val ^ addr;
}

static const TCGRuntime test_rt = { .load_slow = slow_load,
                                    .store_slow = slow_store };

static void tlb_map(TestEnv *env, unsigned idx, uint64_t vaddr, void *host,
                    uint64_t flags)
{
    TCGTLBEntry *e = tcg_tlb_entry(&env->tlb, idx, vaddr);
    e->addr_read = e->addr_write = e->addr_code = vaddr | flags;
    e->addend = (uintptr_t)host - vaddr;
}

static void test_qemu_ld_st(void **state)
{
    TCGContext *s = test_ctx_new(&test_rt);
    FaultEnv *fe = calloc(1, sizeof(*fe));
    TestEnv *env = &fe->env;
    uint8_t *page = aligned_alloc(4096, 4096);
    static const MemOp ops[] = {
        MO_UB, MO_SB, MO_LEUW, MO_LESW, MO_LEUL, MO_LESL, MO_LEUQ,
        MO_BEUW, MO_BESW, MO_BEUL, MO_BESL, MO_BEUQ,
    };
    TCGv_i64 addr, v, sv;
    TCGCodeInfo info;
    const void *code;

    tcg_tlb_flush(&env->tlb);
    for (unsigned i = 0; i < 4096; i++) {
        page[i] = (uint8_t)(i * 37 + 0x85);
    }
    tlb_map(env, 1, 0x7000, page, 0);
    tlb_map(env, 1, 0x9000, page, TLB_MMIO);

    for (size_t k = 0; k < ARRAY_SIZE(ops); k++) {
        MemOp mo = ops[k];
        unsigned size = 1u << (mo & MO_SIZE);
        static const uint64_t addrs[] = { 0x7000, 0x7123, 0x7ff8, 0x7fff,
                                          0x8010, 0x9010, 0x17000 };

        tcg_func_start(s);
        addr = tcg_temp_new_i64(s);
        v = tcg_temp_new_i64(s);
        sv = tcg_temp_new_i64(s);
        tcg_gen_ld_i64(s, addr, tcg_env(s), offsetof(TestEnv, in[0]));
        tcg_gen_qemu_ld_i64(s, v, addr, 1, mo);
        tcg_gen_st_i64(s, v, tcg_env(s), offsetof(TestEnv, out[0]));
        tcg_gen_ld_i64(s, sv, tcg_env(s), offsetof(TestEnv, in[1]));
        tcg_gen_addi_i64(s, addr, addr, 0x40);
        tcg_gen_qemu_st_i64(s, sv, addr, 1, mo);
        tcg_gen_exit_tb(s, NULL, 0);
        code = gen(s, &info);

        for (size_t j = 0; j < ARRAY_SIZE(addrs); j++) {
            uint64_t a = addrs[j], want, loads = env->slow_loads;
            bool hit = a >= 0x7000 && a + size <= 0x8000;
            uint64_t sa = a + 0x40;
            bool shit = sa >= 0x7000 && sa + size <= 0x8000;
            uint64_t stores = env->slow_stores;

            env->in[0] = a;
            env->in[1] = 0x1122334455667788ull;
            run(s, env, code);
            if (hit) {
                uint64_t raw = 0;
                for (unsigned b = 0; b < size; b++) {
                    uint64_t byte = page[(a & 0xfff) + b];
                    raw |= (mo & MO_BE) ? byte << (8 * (size - 1 - b))
                                        : byte << (8 * b);
                }
                want = (mo & MO_SIGN) ? ref_sext(raw, 8 * size)
                                      : raw;
                assert_int_equal(env->out[0], want);
                assert_int_equal(env->slow_loads, loads);
            } else {
                assert_int_equal(env->slow_loads, loads + 1);
                assert_int_equal(env->out[0], (a ^ 0xabc0000000ull) +
                                 ((uint64_t)(mo & MO_SIZE) << 60) + (1ull << 56));
                assert_true(env->last_ra > (uintptr_t)code &&
                            env->last_ra <= (uintptr_t)code + info.code_size);
            }
            if (shit) {
                uint64_t got = 0;
                for (unsigned b = 0; b < size; b++) {
                    uint64_t byte = page[(sa & 0xfff) + b];
                    got |= (mo & MO_BE) ? byte << (8 * (size - 1 - b))
                                        : byte << (8 * b);
                }
                assert_int_equal(got, 0x1122334455667788ull &
                                 (size == 8 ? ~0ull : (1ull << (8 * size)) - 1));
                assert_int_equal(env->slow_stores, stores);
            } else {
                assert_int_equal(env->slow_stores, stores + 1);
                assert_int_equal(env->out[7], 0x1122334455667788ull ^ sa);
            }
        }
    }
    free(page);
    free(fe);
    tcg_context_free(s);
}

/* 32-bit values: sign extension stops at bit 31, stores take the low part */
static void test_qemu_ld_st_i32(void **state)
{
    TCGContext *s = test_ctx_new(&test_rt);
    FaultEnv *fe = calloc(1, sizeof(*fe));
    TestEnv *env = &fe->env;
    uint8_t *page = aligned_alloc(4096, 4096);
    TCGv_i64 addr;
    TCGv_i32 v1, v2, v3;
    TCGCodeInfo info;

    tcg_tlb_flush(&env->tlb);
    memset(page, 0, 4096);
    page[0x10] = 0x80;
    st32le(page + 0x20, 0x8000fffe);
    tlb_map(env, 2, 0x3000, page, 0);
    tcg_func_start(s);
    addr = tcg_temp_new_i64(s);
    v1 = tcg_temp_new_i32(s);
    v2 = tcg_temp_new_i32(s);
    v3 = tcg_temp_new_i32(s);
    tcg_gen_movi_i64(s, addr, 0x3010);
    tcg_gen_qemu_ld_i32(s, v1, addr, 2, MO_SB);
    tcg_gen_movi_i64(s, addr, 0x3020);
    tcg_gen_qemu_ld_i32(s, v2, addr, 2, MO_LESW);
    tcg_gen_qemu_ld_i32(s, v3, addr, 2, MO_BEUL);
    tcg_gen_st_i32(s, v1, tcg_env(s), offsetof(TestEnv, out[0]));
    tcg_gen_st_i32(s, v2, tcg_env(s), offsetof(TestEnv, out[1]));
    tcg_gen_st_i32(s, v3, tcg_env(s), offsetof(TestEnv, out[2]));
    tcg_gen_movi_i64(s, addr, 0x3030);
    tcg_gen_qemu_st_i32(s, v3, addr, 2, MO_LEUW);
    tcg_gen_movi_i64(s, addr, 0x3040);
    tcg_gen_qemu_st_i32(s, v2, addr, 2, MO_BEUL | MO_ALIGN);
    tcg_gen_movi_i64(s, addr, 0x3042);
    tcg_gen_qemu_st_i32(s, v2, addr, 2, MO_LEUL | MO_ALIGN);  /* misaligned */
    tcg_gen_exit_tb(s, NULL, 0);
    run(s, env, gen(s, &info));
    assert_int_equal(env->out[0], 0xffffff80);
    assert_int_equal(env->out[1], 0xfffffffe);
    assert_int_equal(env->out[2], 0xfeff0080);
    assert_int_equal(ld16le(page + 0x30), 0x0080);
    assert_int_equal(ld32be(page + 0x40), 0xfffffffe);
    assert_int_equal(env->slow_loads, 0);
    assert_int_equal(env->slow_stores, 1);
    assert_int_equal(env->out[7], 0xfffffffeull ^ 0x3042);
    free(page);
    free(fe);
    tcg_context_free(s);
}

/* A load that faults in the middle of a TB: the runtime finds the guest
   instruction from the return address, and the globals are in env. */
static void test_fault_recovery(void **state)
{
    TCGContext *s = test_ctx_new(&test_rt);
    FaultEnv *fe = calloc(1, sizeof(*fe));
    TestEnv *env = &fe->env;
    TCGv_i64 g0 = tcg_global_mem_new_i64(s, offsetof(TestEnv, g64[0]), "g0");
    TCGv_i64 v;
    TCGCodeInfo info;
    const void *code;
    uint64_t data[TCG_INSN_START_WORDS];

    tcg_func_start(s);
    v = tcg_temp_new_i64(s);
    tcg_gen_insn_start(s, 0x401000, 1);
    tcg_gen_addi_i64(s, g0, g0, 1);
    tcg_gen_insn_start(s, 0x401004, 2);
    tcg_gen_addi_i64(s, g0, g0, 2);
    tcg_gen_qemu_ld_i64(s, v, g0, 0, MO_LEUQ);
    tcg_gen_insn_start(s, 0x401008, 3);
    tcg_gen_mov_i64(s, g0, v);
    tcg_gen_exit_tb(s, NULL, 0);
    code = gen(s, &info);
    assert_int_equal(info.nb_insns, 3);

    tcg_tlb_flush(&env->tlb);
    fe->fault_on_miss = true;
    env->g64[0] = 0x5000;
    if (sigsetjmp(fe->jb, 0) == 0) {
        run(s, env, code);
        fail_msg("the load should have faulted");
    }
    assert_int_equal(fe->fault_addr, 0x5003);
    assert_int_equal(s->exec_ra, fe->fault_ra);
    assert_int_equal(tcg_insn_data_find_ra(&info, fe->fault_ra, data), 1);
    assert_int_equal(data[0], 0x401004);
    assert_int_equal(data[1], 2);
    /* g0 was synced before the faulting access */
    assert_int_equal(env->g64[0], 0x5003);

    /* a helper that faults finds its guest instruction too */
    tcg_func_start(s);
    v = tcg_temp_new_i64(s);
    fe->s = s;
    tcg_gen_insn_start(s, 0x402000, 5);
    tcg_gen_addi_i64(s, g0, g0, 1);
    tcg_gen_insn_start(s, 0x402003, 6);
    gen_helper_t_div(s, v, tcg_env(s), g0);
    tcg_gen_mov_i64(s, g0, v);
    tcg_gen_exit_tb(s, NULL, 0);
    code = gen(s, &info);
    env->g64[0] = 4;
    run(s, env, code);
    assert_int_equal(env->g64[0], 200);
    env->g64[0] = (uint64_t)-1;
    if (sigsetjmp(fe->jb, 0) == 0) {
        run(s, env, code);
        fail_msg("the helper should have faulted");
    }
    assert_int_equal(tcg_insn_data_find_ra(&info, fe->fault_ra, data), 1);
    assert_int_equal(data[0], 0x402003);
    assert_int_equal(data[1], 6);
    assert_int_equal(env->g64[0], 0);
    assert_int_equal(tcg_insn_data_find_ra(&info, (uintptr_t)code, data), -1);
    free(fe);
    tcg_context_free(s);
}

/* --- TB exits and chaining --- */

static void test_chaining(void **state)
{
    TCGContext *s = test_ctx_new(NULL);
    TestEnv *env = env_new();
    TCGv_i64 g = tcg_global_mem_new_i64(s, offsetof(TestEnv, g64[0]), "g");
    static uint64_t tb_a[4] __attribute__((aligned(8)));
    static uint64_t tb_b[4] __attribute__((aligned(8)));
    TCGCodeInfo ia, ib;
    const void *ca, *cb;

    /* TB A: g += 1; goto_tb 1; exit_tb A|1 */
    tcg_func_start(s);
    tcg_gen_addi_i64(s, g, g, 1);
    tcg_gen_goto_tb(s, 1);
    tcg_gen_exit_tb(s, tb_a, 1);
    ca = gen(s, &ia);
    assert_int_equal(ia.jmp_offset[0], TCG_NO_JUMP);
    assert_true(ia.jmp_offset[1] != TCG_NO_JUMP);

    /* TB B: g *= 3; goto_tb 0; exit_tb B|0 */
    tcg_func_start(s);
    tcg_gen_muli_i64(s, g, g, 3);
    tcg_gen_goto_tb(s, 0);
    tcg_gen_exit_tb(s, tb_b, 0);
    cb = gen(s, &ib);

    env->g64[0] = 1;
    assert_int_equal(run(s, env, ca), (uintptr_t)tb_a | 1);
    assert_int_equal(env->g64[0], 2);

    tcg_set_jump(s, ca, ia.jmp_offset[1], cb);
    assert_int_equal(run(s, env, ca), (uintptr_t)tb_b | 0);
    assert_int_equal(env->g64[0], 9);

    /* exit value decodes back to the TB and slot */
    {
        uintptr_t ret = run(s, env, cb);
        assert_ptr_equal((void *)(ret & ~(uintptr_t)TB_EXIT_MASK), tb_b);
        assert_int_equal(ret & TB_EXIT_MASK, 0);
        assert_int_equal(env->g64[0], 27);
    }

    tcg_set_jump(s, ca, ia.jmp_offset[1], NULL);
    assert_int_equal(run(s, env, ca), (uintptr_t)tb_a | 1);
    assert_int_equal(env->g64[0], 28);

    /* requested exit */
    tcg_func_start(s);
    tcg_gen_exit_tb(s, tb_a, TB_EXIT_REQUESTED);
    assert_int_equal(run(s, env, gen(s, &ia)), (uintptr_t)tb_a | 3);
    free(env);
    tcg_context_free(s);
}

static void test_goto_ptr(void **state)
{
    TCGContext *s = test_ctx_new(NULL);
    TestEnv *env = env_new();
    TCGv_i64 g = tcg_global_mem_new_i64(s, offsetof(TestEnv, g64[0]), "g");
    static uint64_t tb_b[4] __attribute__((aligned(8)));
    TCGCodeInfo ia, ib;
    const void *ca, *cb;

    tcg_func_start(s);
    tcg_gen_addi_i64(s, g, g, 5);
    tcg_gen_exit_tb(s, tb_b, 0);
    cb = gen(s, &ib);

    tcg_func_start(s);
    tcg_gen_addi_i64(s, g, g, 1);
    tcg_gen_lookup_and_goto_ptr(s, &helper_info_t_lookup);
    ca = gen(s, &ia);

    env->in[7] = 0;
    assert_int_equal(run(s, env, ca), 0);
    assert_int_equal(env->g64[0], 1);
    env->in[7] = (uintptr_t)cb;
    assert_int_equal(run(s, env, ca), (uintptr_t)tb_b);
    assert_int_equal(env->g64[0], 7);
    free(env);
    tcg_context_free(s);
}

static void test_pointers_and_barrier(void **state)
{
    TCGContext *s = test_ctx_new(NULL);
    TestEnv *env = env_new();
    TCGv_ptr p = tcg_temp_new_ptr(s), q = tcg_temp_new_ptr(s);
    TCGv_i64 v = tcg_temp_new_i64(s);
    TCGCodeInfo info;

    tcg_gen_addi_ptr(s, p, tcg_env(s), offsetof(TestEnv, in[3]));
    tcg_gen_mov_ptr(s, q, p);
    tcg_gen_mb(s, TCG_MO_ALL);
    tcg_gen_ld_i64(s, v, q, 8);                 /* in[4] */
    tcg_gen_st_i64(s, v, p, 0);                 /* in[3] */
    tcg_gen_ld_ptr(s, q, tcg_env(s), offsetof(TestEnv, in[5]));
    tcg_gen_ld_i64(s, v, q, 0);                 /* *(uint64_t *)in[5] */
    tcg_gen_st_i64(s, v, tcg_env(s), offsetof(TestEnv, out[0]));
    tcg_gen_exit_tb(s, NULL, 0);
    env->in[4] = 0x4444;
    env->in[5] = (uintptr_t)&env->in[6];
    env->in[6] = 0x6666;
    tcg_exec_tb(s, env, gen(s, &info));
    assert_int_equal(env->in[3], 0x4444);
    assert_int_equal(env->out[0], 0x6666);
    assert_int_equal(test_count_opc(s, INDEX_op_mb), 1);
    free(env);
    tcg_context_free(s);
}

static void test_code_buffer_full(void **state)
{
    TCGContextConfig cfg = { .code_size = 256,
                             .tlb_offset = offsetof(TestEnv, tlb) };
    TCGContext *s = tcg_context_new(&cfg, NULL);
    TCGCodeInfo info;
    int rc = 0;

    assert_non_null(s);
    for (int i = 0; i < 64 && rc == 0; i++) {
        TCGv_i64 t;
        tcg_func_start(s);
        t = tcg_temp_new_i64(s);
        tcg_gen_ld_i64(s, t, tcg_env(s), 0);
        tcg_gen_addi_i64(s, t, t, i);
        tcg_gen_st_i64(s, t, tcg_env(s), 8);
        tcg_gen_exit_tb(s, NULL, 0);
        rc = tcg_gen_code(s, &info);
    }
    assert_int_equal(rc, -1);
    tcg_code_flush(s);
    assert_int_equal(tcg_gen_code(s, &info), 0);
    tcg_context_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_ops),
        cmocka_unit_test(test_conditions),
        cmocka_unit_test(test_bitfields_and_mul2),
        cmocka_unit_test(test_loop),
        cmocka_unit_test(test_helpers),
        cmocka_unit_test(test_globals),
        cmocka_unit_test(test_fused_forms),
        cmocka_unit_test(test_qemu_ld_st),
        cmocka_unit_test(test_qemu_ld_st_i32),
        cmocka_unit_test(test_fault_recovery),
        cmocka_unit_test(test_chaining),
        cmocka_unit_test(test_goto_ptr),
        cmocka_unit_test(test_pointers_and_barrier),
        cmocka_unit_test(test_code_buffer_full),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
