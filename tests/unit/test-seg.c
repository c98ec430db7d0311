/*
 * Unit tests of cpu/x86/seg_helper.c: segment loads with their faults,
 * interrupt and exception delivery in real, protected and long mode (stack
 * frames, CS:RIP, RFLAGS, error codes, IST), IRET back, far calls through
 * call gates, #DF / triple fault, LAR/LSL/VERR/VERW, LTR/LLDT.
 *
 * The helpers run on a CPUX86TCG with no TCG vCPU: 1 MiB of guest memory
 * is mapped 1:1 into every soft-TLB index, so x86_ld/x86_st always hit.
 * Guest exceptions come back through env->jmp_env.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cpu/x86/sys-helper.h"

#include "x86-sys-fixture.h"

/* ------------------------------------------------------------ tests */

static void test_real_mode_interrupt(void **state)
{
    Fixture *f = *state;
    X86CPUState *st = &f->env.st;

    wr16(f, 0x21 * 4, 0x1234);
    wr16(f, 0x21 * 4 + 2, 0x2000);
    x86_seg_set(&st->segs[R_CS], 0x1000, 0x10000, 0xffff, st->segs[R_CS].flags);
    st->segs[R_SS].selector = 0x0700;
    st->segs[R_SS].base = 0x7000;
    st->regs[R_ESP] = 0x100;
    x86_tcg_set_rflags(&f->env, RF_IF | RF_CF, RF_IF | RF_CF);
    x86_update_hflags(&f->env);

    x86_do_interrupt(&f->env, 0x21, true, false, 0, 0x55);
    assert_int_equal(st->segs[R_CS].selector, 0x2000);
    assert_int_equal(st->segs[R_CS].base, 0x20000);
    assert_int_equal(st->rip, 0x1234);
    assert_int_equal(st->regs[R_ESP], 0xfa);
    assert_int_equal(rd16(f, 0x70fa), 0x55);
    assert_int_equal(rd16(f, 0x70fc), 0x1000);
    assert_int_equal(rd16(f, 0x70fe) & (RF_IF | RF_CF), RF_IF | RF_CF);
    assert_false(rflags(f) & RF_IF);

    /* and IRET back */
    helper_iret(&f->env, 2);
    assert_int_equal(st->segs[R_CS].selector, 0x1000);
    assert_int_equal(st->rip, 0x55);
    assert_int_equal(st->regs[R_ESP], 0x100);
    assert_true(rflags(f) & RF_IF);
    assert_true(rflags(f) & RF_CF);
}

static void test_load_seg_ok(void **state)
{
    Fixture *f = *state;
    X86CPUState *st = &f->env.st;

    enter_prot(f, 0);
    /* clear the accessed bit: the load must set it in the GDT */
    wr32(f, GDT_BASE + 2 * 8 + 4, rd32(f, GDT_BASE + 2 * 8 + 4) & ~SEG_A);
    assert_int_equal(CATCH(f, helper_load_seg(&f->env, R_DS, SEL_DATA0)), -1);
    assert_int_equal(st->segs[R_DS].selector, SEL_DATA0);
    assert_int_equal(st->segs[R_DS].limit, 0xffffffff);
    assert_true(rd32(f, GDT_BASE + 2 * 8 + 4) & SEG_A);
    /* a null selector in DS is fine; a readable code segment too */
    assert_int_equal(CATCH(f, helper_load_seg(&f->env, R_ES, 0)), -1);
    assert_int_equal(st->segs[R_ES].flags, 0);
    assert_int_equal(CATCH(f, helper_load_seg(&f->env, R_FS, SEL_CODE0)), -1);
}

static void expect_fault(Fixture *f, int seg, uint16_t sel, int vec,
                         uint32_t err)
{
    assert_int_equal(CATCH(f, helper_load_seg(&f->env, (uint32_t)seg, sel)), vec);
    assert_int_equal(f->env.error_code, err);
}

static void test_load_seg_faults(void **state)
{
    Fixture *f = *state;

    enter_prot(f, 0);
    expect_fault(f, R_SS, 0, EXCP_GP, 0);                    /* null SS */
    expect_fault(f, R_SS, SEL_DATA3, EXCP_GP, SEL_DATA3 & ~3u); /* DPL 3 */
    expect_fault(f, R_SS, SEL_CODE0, EXCP_GP, SEL_CODE0);    /* code */
    expect_fault(f, R_DS, SEL_NP, EXCP_NP, SEL_NP);          /* not present */
    expect_fault(f, R_SS, SEL_NP, EXCP_SS, SEL_NP);
    expect_fault(f, R_DS, 0x200, EXCP_GP, 0x200);            /* past limit */
    expect_fault(f, R_DS, SEL_XO, EXCP_GP, SEL_XO);          /* exec-only */
    expect_fault(f, R_DS, SEL_TSS, EXCP_GP, SEL_TSS);        /* system */
    expect_fault(f, R_DS, 0x04, EXCP_GP, 0x04);              /* no LDT */
    expect_fault(f, R_DS, SEL_DATA0 | 3, EXCP_GP, SEL_DATA0); /* RPL > DPL */

    enter_prot(f, 3);
    expect_fault(f, R_DS, SEL_DATA0, EXCP_GP, SEL_DATA0);    /* DPL < CPL */
    /* a conforming code segment is readable from any level */
    assert_int_equal(CATCH(f, helper_load_seg(&f->env, R_DS, SEL_CONF0 | 3)), -1);
}

static void test_prot_exception_same_level(void **state)
{
    Fixture *f = *state;
    X86CPUState *st = &f->env.st;

    enter_prot(f, 0);
    set_gate(f, IDT_BASE + 13 * 8, SEL_CODE0, 0x6000, 14, 0, 0);
    st->regs[R_ESP] = 0x8000;
    st->rip = 0x1111;
    x86_tcg_set_rflags(&f->env, RF_IF, RF_IF);
    x86_do_interrupt(&f->env, EXCP_GP, false, false, 0x28, 0);

    assert_int_equal(st->rip, 0x6000);
    assert_int_equal(st->regs[R_ESP], 0x8000 - 16);
    assert_int_equal(rd32(f, 0x8000 - 16), 0x28);          /* error code */
    assert_int_equal(rd32(f, 0x8000 - 12), 0x1111);        /* EIP */
    assert_int_equal(rd32(f, 0x8000 - 8), SEL_CODE0);
    assert_true(rd32(f, 0x8000 - 4) & RF_IF);
    assert_false(rflags(f) & RF_IF);
    assert_int_equal(f->env.delivering, 0);
}

static void test_prot_interrupt_stack_switch_and_iret(void **state)
{
    Fixture *f = *state;
    X86CPUState *st = &f->env.st;

    enter_prot(f, 3);
    set_gate(f, IDT_BASE + 0x80 * 8, SEL_CODE0, 0x6000, 15, 3, 0);
    st->regs[R_ESP] = 0x7000;
    x86_tcg_set_rflags(&f->env, RF_IF | RF_ZF, RF_IF | RF_ZF);

    x86_do_interrupt(&f->env, 0x80, true, false, 0, 0x4242);
    assert_int_equal(x86_cpl(&f->env), 0);
    assert_int_equal(st->segs[R_SS].selector, SEL_DATA0);
    assert_int_equal(st->segs[R_CS].selector, SEL_CODE0);
    assert_int_equal(st->regs[R_ESP], 0x9000 - 20);
    assert_int_equal(rd32(f, 0x9000 - 4), SEL_DATA3);      /* SS */
    assert_int_equal(rd32(f, 0x9000 - 8), 0x7000);         /* ESP */
    assert_true(rd32(f, 0x9000 - 12) & RF_IF);             /* EFLAGS */
    assert_int_equal(rd32(f, 0x9000 - 16), SEL_CODE3);
    assert_int_equal(rd32(f, 0x9000 - 20), 0x4242);
    assert_true(rflags(f) & RF_IF);                       /* trap gate */

    x86_tcg_set_rflags(&f->env, 0, RF_ZF);
    assert_int_equal(CATCH(f, helper_iret(&f->env, 4)), -1);
    assert_int_equal(x86_cpl(&f->env), 3);
    assert_int_equal(st->segs[R_CS].selector, SEL_CODE3);
    assert_int_equal(st->segs[R_SS].selector, SEL_DATA3);
    assert_int_equal(st->regs[R_ESP], 0x7000);
    assert_int_equal(st->rip, 0x4242);
    assert_true(rflags(f) & RF_ZF);
}

static void test_prot_interrupt_faults(void **state)
{
    Fixture *f = *state;
    X86CPUState *st = &f->env.st;

    enter_prot(f, 3);
    st->regs[R_ESP] = 0x7000;
    /* INT n through a DPL 0 gate from CPL 3: #GP(vector*8+2) */
    set_gate(f, IDT_BASE + 0x30 * 8, SEL_CODE0, 0x6000, 14, 0, 0);
    assert_int_equal(CATCH(f, x86_do_interrupt(&f->env, 0x30, true, false, 0, 0)),
                     EXCP_GP);
    assert_int_equal(f->env.error_code, 0x30 * 8 + 2);
    /* not-present gate for a hardware interrupt: #NP with EXT */
    set_gate(f, IDT_BASE + 0x31 * 8, SEL_CODE0, 0x6000, 14, 0, 0);
    wr32(f, IDT_BASE + 0x31 * 8 + 4, rd32(f, IDT_BASE + 0x31 * 8 + 4) & ~SEG_P);
    assert_int_equal(CATCH(f, x86_do_interrupt(&f->env, 0x31, false, true, 0, 0)),
                     EXCP_NP);
    assert_int_equal(f->env.error_code, 0x31 * 8 + 3);
    /* past the IDT limit, during an exception: #GP(vector*8+2+EXT) */
    st->idt.limit = 0x10 * 8 - 1;
    assert_int_equal(CATCH(f, x86_do_interrupt(&f->env, EXCP_UD, false, false, 0, 0)),
                     EXCP_GP);
    assert_int_equal(f->env.error_code, EXCP_UD * 8 + 3);
    /* the stack is unchanged after a failed delivery */
    assert_int_equal(st->regs[R_ESP], 0x7000);
    assert_int_equal(x86_cpl(&f->env), 3);
}

static void test_double_and_triple_fault(void **state)
{
    Fixture *f = *state;
    X86CPUState *st = &f->env.st;

    enter_prot(f, 0);
    set_gate(f, IDT_BASE + EXCP_DF * 8, SEL_CODE0, 0x6100, 14, 0, 0);
    st->regs[R_ESP] = 0x8000;
    /* #NP while delivering #GP (both contributory): #DF(0) */
    f->env.delivering = EXCP_GP + 1;
    x86_do_interrupt(&f->env, EXCP_NP, false, false, 0x50, 0);
    assert_int_equal(st->rip, 0x6100);
    assert_int_equal(rd32(f, 0x8000 - 16), 0);
    assert_int_equal(f->env.delivering, 0);
    /* #PF while delivering #PF: #DF */
    st->regs[R_ESP] = 0x8000;
    f->env.delivering = EXCP_PF + 1;
    x86_do_interrupt(&f->env, EXCP_PF, false, false, 2, 0);
    assert_int_equal(st->rip, 0x6100);
    /* #GP while delivering #UD (benign first): plain #GP */
    set_gate(f, IDT_BASE + EXCP_GP * 8, SEL_CODE0, 0x6200, 14, 0, 0);
    f->env.delivering = EXCP_UD + 1;
    x86_do_interrupt(&f->env, EXCP_GP, false, false, 0, 0);
    assert_int_equal(st->rip, 0x6200);
    /* a fault while delivering #DF: triple fault */
    f->env.delivering = EXCP_DF + 1;
    x86_do_interrupt(&f->env, EXCP_GP, false, false, 0, 0);
    assert_int_equal(f->env.exception_index, EXCP_TRIPLE_FAULT);
    assert_int_equal(EXCP_TRIPLE_FAULT, 0x100);
    /* a delivery that faults leaves the marker for the next one */
    st->idt.limit = 7;
    f->env.delivering = 0;
    assert_int_equal(CATCH(f, x86_do_interrupt(&f->env, EXCP_GP, false, false, 0, 0)),
                     EXCP_GP);
    assert_int_equal(f->env.delivering, EXCP_GP + 1);
}

static void set_gate64(Fixture *f, int vector, uint16_t sel, uint64_t off,
                       unsigned type, int dpl, int ist)
{
    uint32_t a = IDT_BASE + vector * 16;

    set_gate(f, a, sel, off, type, dpl, (unsigned)ist);
    wr32(f, a + 8, (uint32_t)(off >> 32));
    wr32(f, a + 12, 0);
}

static void test_long_mode_interrupt_ist_and_iretq(void **state)
{
    Fixture *f = *state;
    X86CPUState *st = &f->env.st;

    enter_long(f, 3);
    set_gate64(f, EXCP_PF, SEL_CODE64, 0x6000, 14, 0, 1);
    st->regs[R_ESP] = 0x7008;
    st->rip = 0x400123;
    x86_tcg_set_rflags(&f->env, RF_IF, RF_IF);
    x86_do_interrupt(&f->env, EXCP_PF, false, false, 0x7, 0);

    assert_int_equal(x86_cpl(&f->env), 0);
    assert_true(f->env.hflags & HF_CODE64);
    assert_int_equal(st->segs[R_SS].selector, 0);
    assert_int_equal(st->rip, 0x6000);
    /* IST1 = 0xa008 aligned down to 0xa000, six qwords pushed */
    assert_int_equal(st->regs[R_ESP], 0xa000 - 48);
    assert_int_equal(rd64(f, 0xa000 - 48), 0x7);
    assert_int_equal(rd64(f, 0xa000 - 40), 0x400123);
    assert_int_equal(rd64(f, 0xa000 - 32), SEL_CODE64_3);
    assert_true(rd64(f, 0xa000 - 24) & RF_IF);
    assert_int_equal(rd64(f, 0xa000 - 16), 0x7008);
    assert_int_equal(rd64(f, 0xa000 - 8), SEL_DATA3);
    assert_false(rflags(f) & RF_IF);

    st->regs[R_ESP] += 8;     /* the handler pops the error code */
    assert_int_equal(CATCH(f, helper_iret(&f->env, 8)), -1);
    assert_int_equal(x86_cpl(&f->env), 3);
    assert_int_equal(st->rip, 0x400123);
    assert_int_equal(st->regs[R_ESP], 0x7008);
    assert_int_equal(st->segs[R_CS].selector, SEL_CODE64_3);
    assert_true(rflags(f) & RF_IF);
}

static void test_long_mode_interrupt_same_level(void **state)
{
    Fixture *f = *state;
    X86CPUState *st = &f->env.st;

    enter_long(f, 0);
    set_gate64(f, 0x40, SEL_CODE64, 0xffffffff80001000ull, 14, 0, 0);
    st->regs[R_ESP] = 0x8ff8;
    x86_do_interrupt(&f->env, 0x40, false, true, 0, 0);
    assert_int_equal(st->rip, 0xffffffff80001000ull);
    assert_int_equal(st->regs[R_ESP], 0x8ff0 - 40);      /* aligned, 5 qwords */
    assert_int_equal(rd64(f, 0x8ff0 - 8), SEL_DATA0);
    /* a gate that is not a 64-bit interrupt/trap gate: #GP(vec*8+2+EXT) */
    set_gate64(f, 0x41, SEL_CODE64, 0x1000, 6, 0, 0);
    assert_int_equal(CATCH(f, x86_do_interrupt(&f->env, 0x41, false, true, 0, 0)),
                     EXCP_GP);
    assert_int_equal(f->env.error_code, 0x41 * 8 + 3);
    /* a 32-bit code segment as target: #GP(sel+EXT) */
    set_gate64(f, 0x42, SEL_CODE0, 0x1000, 14, 0, 0);
    assert_int_equal(CATCH(f, x86_do_interrupt(&f->env, 0x42, false, true, 0, 0)),
                     EXCP_GP);
    assert_int_equal(f->env.error_code, SEL_CODE0 | 1);
}

static void test_call_gate_with_params_and_lret(void **state)
{
    Fixture *f = *state;
    X86CPUState *st = &f->env.st;

    enter_prot(f, 3);
    st->regs[R_ESP] = 0x7000 - 8;
    wr32(f, 0x7000 - 8, 0x11111111);     /* parameter 1 (top) */
    wr32(f, 0x7000 - 4, 0x22222222);     /* parameter 2 */
    assert_int_equal(CATCH(f, helper_lcall(&f->env, SEL_GATE, 0, 4, 0x3333)), -1);
    assert_int_equal(x86_cpl(&f->env), 0);
    assert_int_equal(st->rip, 0x5000);
    assert_int_equal(st->segs[R_CS].selector, SEL_CODE0);
    assert_int_equal(st->segs[R_SS].selector, SEL_DATA0);
    /* new stack: SS, ESP, param2, param1, CS, EIP */
    assert_int_equal(st->regs[R_ESP], 0x9000 - 24);
    assert_int_equal(rd32(f, 0x9000 - 4), SEL_DATA3);
    assert_int_equal(rd32(f, 0x9000 - 8), 0x7000 - 8);
    assert_int_equal(rd32(f, 0x9000 - 12), 0x22222222);
    assert_int_equal(rd32(f, 0x9000 - 16), 0x11111111);
    assert_int_equal(rd32(f, 0x9000 - 20), SEL_CODE3);
    assert_int_equal(rd32(f, 0x9000 - 24), 0x3333);

    /* RETF 8 back to ring 3 releases the parameters on both stacks */
    assert_int_equal(CATCH(f, helper_lret(&f->env, 4, 8)), -1);
    assert_int_equal(x86_cpl(&f->env), 3);
    assert_int_equal(st->rip, 0x3333);
    assert_int_equal(st->regs[R_ESP], 0x7000);
    assert_int_equal(st->segs[R_SS].selector, SEL_DATA3);
}

static void test_far_jmp_checks(void **state)
{
    Fixture *f = *state;
    X86CPUState *st = &f->env.st;

    enter_prot(f, 3);
    /* non-conforming DPL 0 code from CPL 3: #GP(sel) */
    assert_int_equal(CATCH(f, helper_ljmp(&f->env, SEL_CODE0, 0x100, 4)), EXCP_GP);
    assert_int_equal(f->env.error_code, SEL_CODE0);
    /* a conforming one is fine, CPL stays 3 */
    assert_int_equal(CATCH(f, helper_ljmp(&f->env, SEL_CONF0, 0x100, 4)), -1);
    assert_int_equal(st->segs[R_CS].selector, SEL_CONF0 | 3);
    assert_int_equal(x86_cpl(&f->env), 3);
    /* null selector: #GP(0); a data segment: #GP(sel); TSS: #GP(sel) */
    assert_int_equal(CATCH(f, helper_ljmp(&f->env, 0, 0, 4)), EXCP_GP);
    assert_int_equal(f->env.error_code, 0);
    assert_int_equal(CATCH(f, helper_ljmp(&f->env, SEL_DATA3, 0, 4)), EXCP_GP);
    assert_int_equal(CATCH(f, helper_ljmp(&f->env, SEL_TSS, 0, 4)), EXCP_GP);
    assert_int_equal(f->env.error_code, SEL_TSS);
    /* offset past the limit: #GP(0) */
    set_desc(f, GDT_BASE, 3, 0, 0xfff, (CODE32 & ~SEG_G) | DPL(3));
    assert_int_equal(CATCH(f, helper_ljmp(&f->env, SEL_CODE3, 0x1000, 4)), EXCP_GP);
    assert_int_equal(f->env.error_code, 0);
}

static void test_lar_lsl_verr_verw(void **state)
{
    Fixture *f = *state;
    uint64_t r;

    enter_prot(f, 3);
    r = helper_lar(&f->env, SEL_DATA3);
    assert_true(r >> 32);
    assert_int_equal((uint32_t)r, (rd32(f, GDT_BASE + 4 * 8 + 4) & 0x00f0ff00u));
    assert_true(rflags(f) & RF_ZF);
    r = helper_lsl(&f->env, SEL_DATA3);
    assert_int_equal((uint32_t)r, 0xffffffff);
    /* DPL 0 data from CPL 3: ZF clear */
    r = helper_lar(&f->env, SEL_DATA0);
    assert_false(r >> 32);
    assert_false(rflags(f) & RF_ZF);
    /* LSL does not take a call gate, LAR does */
    enter_prot(f, 0);
    assert_false(helper_lsl(&f->env, SEL_GATE) >> 32);
    assert_true(helper_lar(&f->env, SEL_GATE) >> 32);
    helper_verw(&f->env, SEL_CODE0);
    assert_false(rflags(f) & RF_ZF);
    helper_verr(&f->env, SEL_CODE0);
    assert_true(rflags(f) & RF_ZF);
    helper_verr(&f->env, SEL_XO);
    assert_false(rflags(f) & RF_ZF);
    helper_verw(&f->env, SEL_DATA0);
    assert_true(rflags(f) & RF_ZF);
    /* ARPL raises the RPL and sets ZF */
    assert_int_equal(helper_arpl(&f->env, 0x10, 0x3), 0x13);
    assert_true(rflags(f) & RF_ZF);
    assert_int_equal(helper_arpl(&f->env, 0x13, 0x1), 0x13);
    assert_false(rflags(f) & RF_ZF);
}

static void test_ltr_lldt(void **state)
{
    Fixture *f = *state;
    X86CPUState *st = &f->env.st;

    enter_prot(f, 0);
    assert_int_equal(CATCH(f, helper_ltr(&f->env, SEL_TSS)), -1);
    assert_int_equal(st->tr.base, TSS_BASE);
    assert_int_equal((rd32(f, GDT_BASE + 5 * 8 + 4) >> 8) & 0xf, 11);  /* busy */
    /* a busy TSS cannot be loaded again */
    assert_int_equal(CATCH(f, helper_ltr(&f->env, SEL_TSS)), EXCP_GP);
    assert_int_equal(f->env.error_code, SEL_TSS);
    assert_int_equal(CATCH(f, helper_ltr(&f->env, 0)), EXCP_GP);
    assert_int_equal(CATCH(f, helper_lldt(&f->env, SEL_LDT)), -1);
    assert_int_equal(st->ldt.base, LDT_BASE);
    assert_int_equal(st->ldt.limit, 0xff);
    assert_int_equal(CATCH(f, helper_lldt(&f->env, SEL_DATA0)), EXCP_GP);
    /* a data segment in the LDT */
    set_desc(f, LDT_BASE, 1, 0x1000, 0xffff, (DATA32 & ~SEG_G) & ~SEG_DB);
    assert_int_equal(CATCH(f, helper_load_seg(&f->env, R_ES, 0x0c)), -1);
    assert_int_equal(st->segs[R_ES].base, 0x1000);
    assert_int_equal(st->segs[R_ES].limit, 0xffff);
}

static void test_int_sw_vm86_iopl(void **state)
{
    Fixture *f = *state;

    enter_prot(f, 0);
    x86_tcg_set_rflags(&f->env, RF_VM, RF_VM | RF_IOPL);
    x86_update_hflags(&f->env);
    assert_int_equal(x86_cpl(&f->env), 3);
    /* INT n in v86 with IOPL < 3: #GP(0); INT3 is not IOPL-sensitive */
    assert_int_equal(CATCH(f, helper_int_sw(&f->env, 0x21, 0x10, 1)), EXCP_GP);
    assert_int_equal(CATCH(f, helper_int_sw(&f->env, 3, 0x10, 0)), EXCP_BP);
    assert_true(f->env.exception_is_int);
    /* IRET in v86 with IOPL < 3: #GP(0) */
    assert_int_equal(CATCH(f, helper_iret(&f->env, 2)), EXCP_GP);
}

static void test_bound_and_into(void **state)
{
    Fixture *f = *state;

    assert_int_equal(CATCH(f, helper_bound(&f->env, 5, 0, 10)), -1);
    assert_int_equal(CATCH(f, helper_bound(&f->env, (uint64_t)-1, 0, 10)), EXCP_BR);
    assert_int_equal(CATCH(f, helper_into(&f->env, 0x20)), -1);
    x86_tcg_set_rflags(&f->env, RF_OF, RF_OF);
    assert_int_equal(CATCH(f, helper_into(&f->env, 0x20)), EXCP_OF);
    assert_int_equal(f->env.exception_next_rip, 0x20);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
        T(test_real_mode_interrupt),
        T(test_load_seg_ok),
        T(test_load_seg_faults),
        T(test_prot_exception_same_level),
        T(test_prot_interrupt_stack_switch_and_iret),
        T(test_prot_interrupt_faults),
        T(test_double_and_triple_fault),
        T(test_long_mode_interrupt_ist_and_iretq),
        T(test_long_mode_interrupt_same_level),
        T(test_call_gate_with_params_and_lret),
        T(test_far_jmp_checks),
        T(test_lar_lsl_verr_verw),
        T(test_ltr_lldt),
        T(test_int_sw_vm86_iopl),
        T(test_bound_and_into),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
