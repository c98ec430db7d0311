/*
 * Unit tests for TCG liveness (tcg/liveness.c): dead ops are deleted,
 * side effects are kept, globals are synced exactly where needed (exits,
 * branches, ops that may fault, helpers that read globals), and the
 * per-op dead/sync bits are right. Includes the x86 lazy-flags pattern.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>

#include "test-tcg-common.h"

static uint64_t h_id(uint64_t a)
{
    return a;
}

#define INFO(nm, fl)                                                   \
    static const TCGHelperInfo nm = {                                  \
        .name = #nm, .func = (void (*)(void))h_id, .flags = (fl),      \
        .ret = TCG_HT_I64, .nargs = 1, .args = { TCG_HT_I64 } }
INFO(h_pure, TCG_CALL_NO_RWG_SE);
INFO(h_norwg, TCG_CALL_NO_RWG);
INFO(h_nowg, TCG_CALL_NO_WG);
INFO(h_full, 0);

typedef struct Fix {
    TCGContext *s;
    TCGv_i64 cc_dst, cc_src, rax;
} Fix;

static Fix fix_new(void)
{
    Fix f;
    f.s = test_ctx_new(NULL);
    assert_non_null(f.s);
    f.cc_dst = tcg_global_mem_new_i64(f.s, offsetof(TestEnv, g64[0]), "cc_dst");
    f.cc_src = tcg_global_mem_new_i64(f.s, offsetof(TestEnv, g64[1]), "cc_src");
    f.rax = tcg_global_mem_new_i64(f.s, offsetof(TestEnv, g64[2]), "rax");
    return f;
}

static TCGOp *find_op(TCGContext *s, TCGOpcode opc, unsigned nth)
{
    TCG_FOREACH_OP(s, op) {
        if (op->opc == opc && nth-- == 0) {
            return op;
        }
    }
    return NULL;
}

static void test_dead_ops_removed(void **state)
{
    Fix f = fix_new();
    TCGContext *s = f.s;
    TCGv_i64 a = tcg_temp_new_i64(s), b = tcg_temp_new_i64(s);
    TCGv_i64 c = tcg_temp_new_i64(s);
    TCGTemp *args[1];

    tcg_gen_ld_i64(s, a, tcg_env(s), 0);
    tcg_gen_add_i64(s, b, a, a);
    tcg_gen_muli_i64(s, c, b, 3);               /* c never used */
    args[0] = tcgv_i64_temp(a);
    tcg_gen_callN(s, &h_pure, tcgv_i64_temp(b), args);   /* dead, pure */
    tcg_gen_callN(s, &h_norwg, tcgv_i64_temp(b), args);  /* dead, kept */
    tcg_gen_st_i64(s, a, tcg_env(s), 8);
    tcg_gen_qemu_ld_i64(s, c, a, 0, MO_LEUQ);   /* dead result, kept */
    tcg_gen_exit_tb(s, NULL, 0);
    tcg_liveness(s);
    assert_int_equal(test_count_opc(s, INDEX_op_add_i64), 0);
    assert_int_equal(test_count_opc(s, INDEX_op_mul_i64), 0);
    assert_int_equal(test_count_opc(s, INDEX_op_call), 1);
    assert_ptr_equal(tcg_call_info(find_op(s, INDEX_op_call, 0)), &h_norwg);
    assert_int_equal(test_count_opc(s, INDEX_op_st_i64), 1);
    assert_true(find_op(s, INDEX_op_qemu_ld_i64, 0)->life & TCG_LIFE_DEAD(0));
    assert_true(find_op(s, INDEX_op_call, 0)->life & TCG_LIFE_DEAD(0));
    /* a's last use is the qemu_ld */
    assert_true(find_op(s, INDEX_op_qemu_ld_i64, 0)->life & TCG_LIFE_DEAD(1));
    assert_false(find_op(s, INDEX_op_st_i64, 0)->life & TCG_LIFE_DEAD(0));
    tcg_context_free(s);
}

/* Two x86 instructions each set the flags; nothing reads the first. */
static void test_lazy_flags_pattern(void **state)
{
    for (int with_load = 0; with_load < 2; with_load++) {
        Fix f = fix_new();
        TCGContext *s = f.s;
        TCGv_i64 v = tcg_temp_new_i64(s);

        tcg_gen_insn_start(s, 0x1000, 0);
        tcg_gen_addi_i64(s, f.rax, f.rax, 1);
        tcg_gen_mov_i64(s, f.cc_dst, f.rax);
        tcg_gen_movi_i64(s, f.cc_src, 1);
        tcg_gen_insn_start(s, 0x1004, 0);
        if (with_load) {
            tcg_gen_qemu_ld_i64(s, v, f.rax, 0, MO_LEUQ);   /* may fault */
        } else {
            tcg_gen_ld_i64(s, v, tcg_env(s), 0);
        }
        tcg_gen_add_i64(s, f.rax, f.rax, v);
        tcg_gen_mov_i64(s, f.cc_dst, f.rax);
        tcg_gen_mov_i64(s, f.cc_src, v);
        tcg_gen_exit_tb(s, NULL, 0);
        tcg_liveness(s);
        if (with_load) {
            /* the fault needs the first instruction's flags in env */
            assert_int_equal(test_count_opc(s, INDEX_op_mov_i64), 3);
            assert_int_equal(test_count_opc(s, INDEX_op_movi_i64), 1);
            assert_true(find_op(s, INDEX_op_movi_i64, 0)->life & TCG_LIFE_SYNC(0));
        } else {
            assert_int_equal(test_count_opc(s, INDEX_op_mov_i64), 2);
            assert_int_equal(test_count_opc(s, INDEX_op_movi_i64), 0);
        }
        /* the last writes are synced at the exit */
        assert_true(find_op(s, INDEX_op_add_i64, 0)->life & TCG_LIFE_SYNC(0) ||
                    with_load == 0);
        tcg_context_free(s);
    }
}

static void test_sync_points(void **state)
{
    static const struct {
        const TCGHelperInfo *info;
        bool first_kept;        /* movi g, 1 before the call survives */
        bool reload;            /* g dead after the call */
    } cases[] = {
        { &h_pure, false, false }, { &h_norwg, false, false },
        { &h_nowg, true, false }, { &h_full, true, true },
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        Fix f = fix_new();
        TCGContext *s = f.s;
        TCGv_i64 r = tcg_temp_new_i64(s), u = tcg_temp_new_i64(s);
        TCGTemp *args[1] = { tcgv_i64_temp(r) };
        TCGOp *op;

        tcg_gen_ld_i64(s, r, tcg_env(s), 0);
        tcg_gen_mov_i64(s, u, f.rax);               /* read rax */
        tcg_gen_movi_i64(s, f.cc_src, 1);
        tcg_gen_callN(s, cases[i].info, tcgv_i64_temp(r), args);
        tcg_gen_st_i64(s, r, tcg_env(s), 8);
        tcg_gen_st_i64(s, u, tcg_env(s), 16);
        tcg_gen_movi_i64(s, f.cc_src, 2);
        tcg_gen_exit_tb(s, NULL, 0);
        tcg_liveness(s);
        assert_int_equal(test_count_opc(s, INDEX_op_movi_i64),
                         cases[i].first_kept ? 2 : 1);
        op = find_op(s, INDEX_op_movi_i64, 0);
        if (cases[i].first_kept) {
            assert_true(op->life & TCG_LIFE_SYNC(0));
        }
        /* the last write is synced and dead at the exit */
        op = find_op(s, INDEX_op_movi_i64, cases[i].first_kept ? 1 : 0);
        assert_int_equal(op->life, TCG_LIFE_SYNC(0) | TCG_LIFE_DEAD(0));
        /* rax is only read: never synced, dead after its last read */
        op = find_op(s, INDEX_op_mov_i64, 0);
        assert_true(op->life & TCG_LIFE_DEAD(1));
        tcg_context_free(s);
    }
}

static void test_branches_and_labels(void **state)
{
    Fix f = fix_new();
    TCGContext *s = f.s;
    TCGv_i64 t = tcg_temp_new_i64(s);       /* TB temp: lives across labels */
    TCGv_i64 e = tcg_temp_ebb_new_i64(s);
    TCGLabel *l = tcg_label_new(s);
    TCGOp *op;

    tcg_gen_movi_i64(s, t, 5);
    tcg_gen_addi_i64(s, f.rax, f.rax, 1);       /* synced before brcond */
    tcg_gen_ld_i64(s, e, tcg_env(s), 0);
    tcg_gen_brcondi_i64(s, TCG_COND_EQ, e, 0, l);
    tcg_gen_add_i64(s, f.rax, f.rax, e);        /* rax still live here */
    tcg_gen_set_label(s, l);
    tcg_gen_st_i64(s, t, tcg_env(s), 8);
    tcg_gen_exit_tb(s, NULL, 0);
    tcg_liveness(s);
    assert_int_equal(test_count_ops(s), 8);
    op = find_op(s, INDEX_op_add_i64, 0);
    assert_int_equal(op->life & (TCG_LIFE_SYNC(0) | TCG_LIFE_DEAD(0)),
                     TCG_LIFE_SYNC(0));
    /* t must reach its memory slot before the label */
    assert_true(find_op(s, INDEX_op_movi_i64, 0)->life & TCG_LIFE_SYNC(0));
    /* e dies at the add in the fall-through */
    assert_true(find_op(s, INDEX_op_add_i64, 1)->life & TCG_LIFE_DEAD(2));
    /* the second add's rax is synced at the label */
    assert_true(find_op(s, INDEX_op_add_i64, 1)->life & TCG_LIFE_SYNC(0));
    tcg_context_free(s);
}

static void test_discard(void **state)
{
    Fix f = fix_new();
    TCGContext *s = f.s;

    tcg_gen_movi_i64(s, f.cc_src, 3);
    tcg_gen_discard_i64(s, f.cc_src);
    tcg_gen_exit_tb(s, NULL, 0);
    tcg_liveness(s);
    assert_int_equal(test_count_opc(s, INDEX_op_movi_i64), 0);
    tcg_context_free(s);
}

/* The whole pipeline: optimizer + liveness make dead flags free. */
static void test_pipeline_flags(void **state)
{
    Fix f = fix_new();
    TCGContext *s = f.s;
    TestEnv *env = calloc(1, sizeof(*env));
    TCGCodeInfo info;
    TCGv_i64 t = tcg_temp_new_i64(s);

    for (int i = 0; i < 10; i++) {
        tcg_gen_insn_start(s, 0x1000 + i, 0);
        tcg_gen_addi_i64(s, f.rax, f.rax, i);
        tcg_gen_mov_i64(s, f.cc_dst, f.rax);
        tcg_gen_movi_i64(s, t, i);
        tcg_gen_mov_i64(s, f.cc_src, t);
    }
    tcg_gen_exit_tb(s, NULL, 0);
    assert_int_equal(tcg_gen_code(s, &info), 0);
    assert_int_equal(test_count_opc(s, INDEX_op_add_i64), 9);  /* +0 folded */
    assert_int_equal(test_count_opc(s, INDEX_op_mov_i64) +
                     test_count_opc(s, INDEX_op_movi_i64), 2);
    env->g64[2] = 100;
    tcg_exec_tb(s, env, info.code);
    assert_int_equal(env->g64[2], 145);
    assert_int_equal(env->g64[0], 145);
    assert_int_equal(env->g64[1], 9);
    free(env);
    tcg_context_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dead_ops_removed),
        cmocka_unit_test(test_lazy_flags_pattern),
        cmocka_unit_test(test_sync_points),
        cmocka_unit_test(test_branches_and_labels),
        cmocka_unit_test(test_discard),
        cmocka_unit_test(test_pipeline_flags),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
