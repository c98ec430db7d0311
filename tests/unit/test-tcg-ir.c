/*
 * Unit tests for the TCG IR core (tcg/tcg.c): the builder, the printer,
 * temporaries (kinds, reuse, interned constants, overflow), labels, op
 * list editing, helper declarations from a helper list, conditions, the
 * -d op log and insn_start lookup.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>

#include "test-tcg-common.h"

#define TCG_HELPER_FILE "tests/unit/test-tcg-helpers.def"
#include "tcg/helper-proto.h"
#include "tcg/helper-info.h"
#include "tcg/helper-gen.h"

/* bodies are not called here; the interpreter test runs them */
uint32_t helper_t_add32(uint32_t a, uint32_t b) { return a + b; }
uint64_t helper_t_mix6(uint64_t a, uint32_t b, uint64_t c, int32_t d,
                       uint64_t e, uint32_t f) { return a + b + c + d + e + f; }
int64_t helper_t_sext(int32_t a) { return a; }
void helper_t_store_env(void *env, uint64_t v) { (void)env; (void)v; }
uint64_t helper_t_read_g(void *env) { (void)env; return 0; }
uint32_t helper_t_const(void) { return 42; }
void *helper_t_lookup(void *env) { return env; }
uint64_t helper_t_div(void *env, uint64_t d) { (void)env; return d; }

static void test_builder_and_printer(void **state)
{
    TCGContext *s = test_ctx_new(NULL);
    TCGv_i64 rax = tcg_global_mem_new_i64(s, offsetof(TestEnv, g64[0]), "rax");
    TCGv_i32 cc = tcg_global_mem_new_i32(s, offsetof(TestEnv, g32[0]), "cc_op");
    TCGv_i64 t0, addr;
    TCGv_i32 t1;
    TCGLabel *l;
    char *txt;

    tcg_func_start(s);
    t0 = tcg_temp_new_i64(s);
    addr = tcg_temp_ebb_new_i64(s);
    t1 = tcg_temp_new_i32(s);
    l = tcg_label_new(s);
    tcg_gen_insn_start(s, 0x401000, 7);
    tcg_gen_addi_i64(s, t0, rax, 0x10);
    tcg_gen_qemu_ld_i64(s, addr, t0, 1, MO_LESL);
    tcg_gen_qemu_st_i32(s, cc, addr, 0, MO_BEUW | MO_ALIGN);
    tcg_gen_brcondi_i64(s, TCG_COND_LTU, addr, 5, l);
    gen_helper_t_add32(s, t1, cc, tcg_constant_i32(s, 3));
    gen_helper_t_store_env(s, tcg_env(s), t0);
    tcg_gen_setcond_i32(s, TCG_COND_TSTNE, t1, t1, cc);
    tcg_gen_deposit_i64(s, rax, rax, t0, 8, 8);
    tcg_gen_ld16s_i32(s, t1, tcg_env(s), 0x20);
    tcg_gen_set_label(s, l);
    tcg_gen_goto_tb(s, 1);
    tcg_gen_exit_tb(s, (void *)0x1000, 1);
    txt = test_dump(s, false);
    assert_string_equal(txt,
        " ---- 0000000000401000 0000000000000007\n"
        " add_i64 loc0,rax,$0x10\n"
        " qemu_ld_i64 tmp1,loc0,lesl,1\n"
        " qemu_st_i32 cc_op,tmp1,beuw+al,0\n"
        " brcond_i64 tmp1,$0x5,ltu,$L0\n"
        " call t_add32,loc2,cc_op,$0x3\n"
        " call t_store_env,env,loc0\n"
        " setcond_i32 loc2,loc2,cc_op,tstne\n"
        " deposit_i64 rax,rax,loc0,$0x8,$0x8\n"
        " ld16s_i32 loc2,env,$0x20\n"
        " set_label $L0\n"
        " goto_tb $0x1\n"
        " exit_tb $0x1001\n");
    free(txt);
    assert_int_equal(s->nb_insns, 1);
    assert_int_equal(l->refs, 1);
    tcg_context_free(s);
}

static void test_temps(void **state)
{
    TCGContext *s = test_ctx_new(NULL);
    TCGv_i32 a, b, c;
    TCGv_i64 d;
    TCGTemp *k1, *k2, *k3;

    tcg_func_start(s);
    a = tcg_temp_ebb_new_i32(s);
    tcg_temp_free_i32(s, a);
    b = tcg_temp_ebb_new_i32(s);
    assert_ptr_equal(a, b);                 /* reused */
    c = tcg_temp_new_i32(s);
    assert_ptr_not_equal(b, c);             /* other kind */
    tcg_temp_free_i32(s, c);
    d = tcg_temp_new_i64(s);
    assert_ptr_not_equal(tcgv_i64_temp(d), tcgv_i32_temp(c)); /* other type */
    assert_int_equal(tcgv_i64_temp(d)->kind, TEMP_TB);

    k1 = tcg_constant_internal(s, TCG_TYPE_I32, 0x1ffffffffull);
    k2 = tcg_constant_internal(s, TCG_TYPE_I32, 0xffffffff);
    k3 = tcg_constant_internal(s, TCG_TYPE_I64, 0xffffffff);
    assert_ptr_equal(k1, k2);
    assert_int_equal(k1->val, 0xffffffff);
    assert_ptr_not_equal(k1, k3);
    assert_int_equal(k3->kind, TEMP_CONST);
    tcg_temp_free_internal(s, k3);          /* ignored */
    assert_ptr_equal(tcg_constant_internal(s, TCG_TYPE_I64, 0xffffffff), k3);

    /* many distinct constants stay correct past the intern table */
    for (unsigned i = 0; i < 400; i++) {
        TCGTemp *t = tcg_constant_internal(s, TCG_TYPE_I64, 1000 + i);
        assert_int_equal(t->val, 1000 + i);
    }
    assert_false(s->overflow);

    /* func_start drops TB temps but keeps globals */
    tcg_func_start(s);
    assert_int_equal(s->nb_temps, s->nb_globals);
    tcg_context_free(s);
}

static void test_overflow(void **state)
{
    TCGContext *s = test_ctx_new(NULL);
    TCGCodeInfo info;
    TCGv_i64 t = NULL;

    tcg_func_start(s);
    for (unsigned i = 0; i < TCG_MAX_TEMPS + 10; i++) {
        t = tcg_temp_new_i64(s);
        tcg_gen_movi_i64(s, t, i);
    }
    assert_true(s->overflow);
    tcg_gen_exit_tb(s, NULL, 0);
    assert_int_equal(tcg_gen_code(s, &info), -2);

    /* too many guest instructions */
    tcg_func_start(s);
    for (unsigned i = 0; i <= TCG_MAX_INSNS; i++) {
        tcg_gen_insn_start(s, i, 0);
    }
    tcg_gen_exit_tb(s, NULL, 0);
    assert_int_equal(tcg_gen_code(s, &info), -2);

    /* recovers */
    tcg_func_start(s);
    t = tcg_temp_new_i64(s);
    tcg_gen_movi_i64(s, t, 1);
    tcg_gen_exit_tb(s, NULL, 0);
    assert_int_equal(tcg_gen_code(s, &info), 0);
    tcg_context_free(s);
}

static void test_op_list_editing(void **state)
{
    TCGContext *s = test_ctx_new(NULL);
    TCGv_i32 a;
    TCGOp *first, *mid, *op;
    char *txt;

    tcg_func_start(s);
    a = tcg_temp_new_i32(s);
    tcg_gen_movi_i32(s, a, 1);
    tcg_gen_movi_i32(s, a, 3);
    first = tcg_first_op(s);
    mid = tcg_op_insert_after(s, first, INDEX_op_movi_i32);
    mid->args[0] = tcgv_i32_arg(a);
    mid->args[1] = 2;
    op = tcg_op_insert_before(s, first, INDEX_op_movi_i32);
    op->args[0] = tcgv_i32_arg(a);
    op->args[1] = 0;
    assert_int_equal(test_count_ops(s), 4);
    tcg_op_remove(s, first);
    txt = test_dump(s, false);
    assert_string_equal(txt, " movi_i32 loc0,$0x0\n movi_i32 loc0,$0x2\n"
                             " movi_i32 loc0,$0x3\n");
    free(txt);
    assert_int_equal(s->nb_ops, 3);
    tcg_context_free(s);
}

static void test_helper_info(void **state)
{
    assert_string_equal(helper_info_t_mix6.name, "t_mix6");
    assert_int_equal(helper_info_t_mix6.nargs, 6);
    assert_int_equal(helper_info_t_mix6.ret, TCG_HT_I64);
    assert_int_equal(helper_info_t_mix6.args[1], TCG_HT_I32);
    assert_int_equal(helper_info_t_mix6.args[3], TCG_HT_S32);
    assert_int_equal(helper_info_t_mix6.flags, TCG_CALL_NO_RWG_SE);
    assert_int_equal(helper_info_t_store_env.flags, 0);
    assert_int_equal(helper_info_t_store_env.args[0], TCG_HT_PTR);
    assert_int_equal(helper_info_t_store_env.ret, TCG_HT_VOID);
    assert_int_equal(helper_info_t_const.nargs, 0);
    assert_int_equal(helper_info_t_sext.ret, TCG_HT_S64);
    assert_ptr_equal(helper_info_t_lookup.func, (void (*)(void))helper_t_lookup);
}

static void test_conds(void **state)
{
    for (size_t i = 0; i < ARRAY_SIZE(all_conds); i++) {
        TCGCond c = all_conds[i];
        for (size_t x = 0; x < ARRAY_SIZE(edge64); x += 3) {
            for (size_t y = 0; y < ARRAY_SIZE(edge64); y += 2) {
                uint64_t a = edge64[x], b = edge64[y];
                assert_int_equal(ref_cond(tcg_invert_cond(c), a, b, I64),
                                 !ref_cond(c, a, b, I64));
                assert_int_equal(ref_cond(tcg_swap_cond(c), b, a, I64),
                                 ref_cond(c, a, b, I64));
            }
        }
        assert_string_not_equal(tcg_cond_name(c), "?");
    }
}

static void test_log_and_insn_data(void **state)
{
    Log log;
    TCGContextConfig cfg = { .tlb_offset = offsetof(TestEnv, tlb),
                             .log = &log };
    TCGContext *s;
    TCGCodeInfo info;
    uint64_t data[TCG_INSN_START_WORDS];
    char buf[4096];
    size_t n;
    TCGv_i64 t;

    log_init(&log);
    log.mask = LOG_OP | LOG_OP_OPT;
    log.file = tmpfile();
    assert_non_null(log.file);
    s = tcg_context_new(&cfg, NULL);
    assert_non_null(s);
    tcg_func_start(s);
    t = tcg_temp_new_i64(s);
    tcg_gen_insn_start(s, 0x100, 0);
    tcg_gen_ld_i64(s, t, tcg_env(s), 0);
    tcg_gen_insn_start(s, 0x104, 1);
    tcg_gen_addi_i64(s, t, t, 0);
    tcg_gen_st_i64(s, t, tcg_env(s), 8);
    tcg_gen_insn_start(s, 0x108, 2);
    tcg_gen_exit_tb(s, NULL, 0);
    assert_int_equal(tcg_gen_code(s, &info), 0);
    rewind(log.file);
    n = fread(buf, 1, sizeof(buf) - 1, log.file);
    buf[n] = 0;
    assert_non_null(strstr(buf, "OP:\n"));
    assert_non_null(strstr(buf, " add_i64 loc0,loc0,$0x0\n"));
    assert_non_null(strstr(buf, "OP after optimization and liveness:\n"));
    assert_non_null(strstr(buf, " st_i64 loc0,env,$0x8  dead: 0\n"));

    assert_int_equal(info.nb_insns, 3);
    assert_int_equal(tcg_insn_data_find(&info, info.insns[0].code_offset, data), 0);
    assert_int_equal(data[0], 0x100);
    assert_int_equal(tcg_insn_data_find(&info, info.insns[1].code_offset, data), 1);
    assert_int_equal(data[1], 1);
    assert_int_equal(tcg_insn_data_find(&info, info.code_size - 1, data), 2);
    assert_int_equal(data[0], 0x108);
    tcg_context_free(s);
    fclose(log.file);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_builder_and_printer),
        cmocka_unit_test(test_temps),
        cmocka_unit_test(test_overflow),
        cmocka_unit_test(test_op_list_editing),
        cmocka_unit_test(test_helper_info),
        cmocka_unit_test(test_conds),
        cmocka_unit_test(test_log_and_insn_data),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
