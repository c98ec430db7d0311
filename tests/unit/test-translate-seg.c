/*
 * Unit tests of the translator's segment limit and type checks
 * (cpu/x86/seg_check.c, gen_check_seg in cpu/x86/translate.c) and of the
 * smaller instruction gaps closed with them (LAHF/SAHF in 64-bit mode,
 * CLFLUSH address checks, BSWAP r16, FWAIT, non-canonical branch targets).
 *
 * Expected results follow the Intel SDM: Vol. 3A 5.3-5.4 (limit and type
 * checking, expand-down segments and the B bit), the "Protected Mode
 * Exceptions" / "Real-Address Mode Exceptions" lists of Vol. 2 (#GP(0)
 * for a data segment, #SS(0) for SS), and the host CPU for BSWAP r16.
 */
#include "test-translate-harness.h"

#define DATA_RO (SEG_P | SEG_S | SEG_A | SEG_DB | SEG_G)
#define DATA_ED (SEG_P | SEG_S | SEG_W | SEG_A | SEG_E)   /* expand-down */
#define CODE_XO (SEG_P | SEG_S | SEG_CODE | SEG_A | SEG_DB | SEG_G)

/* Runs and expects exception vec with error code 0 at the first insn. */
static void expect_fault(TestCPU *t, int vec, uint64_t rip)
{
    assert_int_equal(run(t), vec);
    assert_int_equal(t->env.error_code, 0);
    assert_int_equal(t->env.st.rip, rip);
}

/* Flat data segments need no check: no HF_SEGCHK bit, in 32- and 64-bit
   mode (where a small DS limit must not matter either). CS keeps its bit
   in protected mode: writes through it always fault. */
static void test_flat_no_checks(void **state)
{
    TestCPU *t = *state;

    LOAD(t, 32, 0x8b, 0x03);                /* mov eax, [ebx] */
    assert_int_equal(t->env.hflags & HF_SEGCHK_MASK, HF_SEGCHK(R_CS));
    assert_false(t->env.hflags & HF_ADDSEG);
    R(t, R_EBX) = 0x2000;
    t->mem[0x2000] = 0x5a;
    assert_int_equal(run(t), -1);
    assert_int_equal(R(t, R_EAX), 0x5a);

    LOAD(t, 64, 0x8b, 0x03);                /* 64-bit: limits ignored */
    set_seg(t, R_DS, 0, 0, 0x10, TEST_DATA16);
    refresh(t);
    assert_int_equal(t->env.hflags & HF_SEGCHK_MASK, 0);
    R(t, R_EBX) = 0x2000;
    assert_int_equal(run(t), -1);

    LOAD(t, 16, 0x90);                      /* real mode: 64 KiB limits */
    assert_int_equal(t->env.hflags & HF_SEGCHK_MASK, HF_SEGCHK_MASK);
}

/* Expand-up data segment: the last byte of the access must be <= limit. */
static void test_expand_up_limit(void **state)
{
    TestCPU *t = *state;

    LOAD(t, 32, 0x8b, 0x03);                /* mov eax, [ebx] */
    set_seg(t, R_DS, 0x10, 0x1000, 0xfff, TEST_DATA32 & ~SEG_G);
    refresh(t);
    assert_true(t->env.hflags & HF_SEGCHK(R_DS));
    R(t, R_EBX) = 0xffc;
    t->mem[0x1ffc] = 0x77;
    assert_int_equal(run(t), -1);
    assert_int_equal(R(t, R_EAX), 0x77);

    LOAD(t, 32, 0x8b, 0x03);
    set_seg(t, R_DS, 0x10, 0x1000, 0xfff, TEST_DATA32 & ~SEG_G);
    refresh(t);
    R(t, R_EBX) = 0xffd;                    /* dword ends at 0x1000 */
    R(t, R_EAX) = 0x1234;
    expect_fault(t, EXCP_GP, CODE_AT);
    assert_int_equal(R(t, R_EAX), 0x1234);

    LOAD(t, 32, 0x88, 0x03);                /* mov [ebx], al: byte at limit */
    set_seg(t, R_DS, 0x10, 0, 0x2fff, TEST_DATA32 & ~SEG_G);
    refresh(t);
    R(t, R_EBX) = 0x2fff;
    R(t, R_EAX) = 0x42;
    assert_int_equal(run(t), -1);
    assert_int_equal(t->mem[0x2fff], 0x42);
}

/* SS-relative accesses (stack ops, [ebp], ss: override) raise #SS(0);
   the same address through DS raises #GP(0). */
static void test_ss_vs_ds(void **state)
{
    TestCPU *t = *state;

    LOAD(t, 32, 0x50);                      /* push eax */
    set_seg(t, R_SS, 0x10, 0, 0x7ffe, TEST_DATA32 & ~SEG_G);
    refresh(t);
    expect_fault(t, EXCP_SS, CODE_AT);
    assert_int_equal(R(t, R_ESP), 0x8000);

    LOAD(t, 32, 0x50);                      /* fits: 0x7ffc..0x7fff */
    set_seg(t, R_SS, 0x10, 0, 0x7fff, TEST_DATA32 & ~SEG_G);
    refresh(t);
    assert_int_equal(run(t), -1);
    assert_int_equal(R(t, R_ESP), 0x7ffc);

    LOAD(t, 32, 0x8b, 0x45, 0x00);          /* mov eax, [ebp] */
    set_seg(t, R_SS, 0x10, 0, 0x7fff, TEST_DATA32 & ~SEG_G);
    refresh(t);
    R(t, R_EBP) = 0x7ffe;
    expect_fault(t, EXCP_SS, CODE_AT);

    LOAD(t, 32, 0x3e, 0x8b, 0x45, 0x00);    /* mov eax, ds:[ebp] */
    set_seg(t, R_DS, 0x10, 0, 0x7fff, TEST_DATA32 & ~SEG_G);
    refresh(t);
    R(t, R_EBP) = 0x7ffe;
    expect_fault(t, EXCP_GP, CODE_AT);

    LOAD(t, 32, 0x36, 0x8b, 0x03);          /* mov eax, ss:[ebx] */
    set_seg(t, R_SS, 0x10, 0, 0x7fff, TEST_DATA32 & ~SEG_G);
    refresh(t);
    R(t, R_EBX) = 0x8000;
    expect_fault(t, EXCP_SS, CODE_AT);

    LOAD(t, 32, 0x58);                      /* pop eax above the limit */
    set_seg(t, R_SS, 0x10, 0, 0x7fff, TEST_DATA32 & ~SEG_G);
    refresh(t);
    expect_fault(t, EXCP_SS, CODE_AT);
    assert_int_equal(R(t, R_ESP), 0x8000);
}

/* Type checks: write to read-only data, read of execute-only code, write
   through CS, null selector. */
static void test_type_checks(void **state)
{
    TestCPU *t = *state;

    LOAD(t, 32, 0x8b, 0x03);                /* read-only: reads work */
    set_seg(t, R_DS, 0x10, 0, 0xffffffff, DATA_RO);
    refresh(t);
    R(t, R_EBX) = 0x2000;
    assert_int_equal(run(t), -1);

    LOAD(t, 32, 0x01, 0x03);                /* add [ebx], eax: #GP */
    set_seg(t, R_DS, 0x10, 0, 0xffffffff, DATA_RO);
    refresh(t);
    R(t, R_EBX) = 0x2000;
    R(t, R_EAX) = 1;
    t->mem[0x2000] = 5;
    expect_fault(t, EXCP_GP, CODE_AT);
    assert_int_equal(t->mem[0x2000], 5);

    LOAD(t, 32, 0x2e, 0x8b, 0x03);          /* mov eax, cs:[ebx] */
    R(t, R_EBX) = 0x2000;
    assert_int_equal(run(t), -1);           /* readable code */

    LOAD(t, 32, 0x2e, 0x8b, 0x03);
    set_seg(t, R_CS, 0x08, 0, 0xffffffff, CODE_XO);
    refresh(t);
    R(t, R_EBX) = 0x2000;
    expect_fault(t, EXCP_GP, CODE_AT);      /* execute-only */

    LOAD(t, 32, 0x2e, 0x89, 0x03);          /* mov cs:[ebx], eax */
    R(t, R_EBX) = 0x2000;
    expect_fault(t, EXCP_GP, CODE_AT);

    LOAD(t, 32, 0x8b, 0x03);                /* null DS */
    set_seg(t, R_DS, 0, 0, 0, 0);
    refresh(t);
    R(t, R_EBX) = 0x2000;
    expect_fault(t, EXCP_GP, CODE_AT);

    LOAD(t, 32, 0x64, 0x89, 0x03);          /* mov fs:[ebx], eax, null FS */
    set_seg(t, R_FS, 0, 0, 0, 0);
    refresh(t);
    expect_fault(t, EXCP_GP, CODE_AT);
}

/* Expand-down: valid offsets are limit+1 .. 0xffff (B=0) or 0xffffffff. */
static void test_expand_down(void **state)
{
    TestCPU *t = *state;
    static const struct {
        uint32_t flags, ebx;
        int vec;
    } cases[] = {
        { DATA_ED, 0x1000, -1 },
        { DATA_ED, 0x0ffe, EXCP_GP },           /* starts at/below limit */
        { DATA_ED, 0x0fff, EXCP_GP },
        { DATA_ED, 0xfffc, -1 },
        { DATA_ED, 0xfffd, EXCP_GP },           /* runs past 0xffff */
        { DATA_ED | SEG_DB, 0xfffd, -1 },       /* B=1: up to 4 GiB - 1 */
        { DATA_ED | SEG_DB, 0x20000, -1 },
        { DATA_ED | SEG_DB, 0x0fff, EXCP_GP },
    };

    for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
        LOAD(t, 32, 0x8b, 0x03);            /* mov eax, [ebx] */
        set_seg(t, R_DS, 0x10, 0, 0x0fff, cases[i].flags);
        refresh(t);
        R(t, R_EBX) = cases[i].ebx;
        assert_int_equal(run(t), cases[i].vec);
    }

    /* an expand-down stack (B=1) with push and pop above the limit */
    LOAD(t, 32, 0x50, 0x5b);                /* push eax; pop ebx */
    set_seg(t, R_SS, 0x10, 0, 0x6fff, DATA_ED | SEG_DB);
    refresh(t);
    R(t, R_EAX) = 0xabcd;
    assert_int_equal(run(t), -1);
    assert_int_equal(R(t, R_EBX), 0xabcd);

    LOAD(t, 32, 0x50);                      /* push below it: #SS */
    set_seg(t, R_SS, 0x10, 0, 0x7ffc, DATA_ED | SEG_DB);
    refresh(t);
    expect_fault(t, EXCP_SS, CODE_AT);
}

/* Real mode: 64 KiB limits, 16-bit effective-address wrap, 32-bit
   addresses beyond the limit, big-real-mode limits. */
static void test_real_mode(void **state)
{
    TestCPU *t = *state;

    LOAD(t, 16, 0x8a, 0x07);                /* mov al, [bx]: byte at 0xffff */
    R(t, R_EBX) = 0xffff;
    t->mem[0xffff] = 0x11;
    assert_int_equal(run(t), -1);
    assert_int_equal(R(t, R_EAX) & 0xff, 0x11);

    LOAD(t, 16, 0x8b, 0x07);                /* mov ax, [bx]: word wraps out */
    R(t, R_EBX) = 0xffff;
    expect_fault(t, EXCP_GP, CODE_AT);

    LOAD(t, 16, 0x8b, 0x00);                /* mov ax, [bx+si]: EA wraps */
    R(t, R_EBX) = 0xfff0;
    R(t, R_ESI) = 0x0020;
    t->mem[0x10] = 0x34;
    t->mem[0x11] = 0x12;
    assert_int_equal(run(t), -1);
    assert_int_equal(R(t, R_EAX) & 0xffff, 0x1234);

    LOAD(t, 16, 0x67, 0x8b, 0x03);          /* mov ax, [ebx] past 0xffff */
    R(t, R_EBX) = 0x10000;
    expect_fault(t, EXCP_GP, CODE_AT);

    LOAD(t, 16, 0x67, 0x8b, 0x03);          /* big real mode: allowed */
    set_seg(t, R_DS, 0, 0, 0xffffffff, TEST_DATA16);
    refresh(t);
    assert_false(t->env.hflags & HF_SEGCHK(R_DS));
    R(t, R_EBX) = 0x10000;
    assert_int_equal(run(t), -1);

    LOAD(t, 16, 0x50);                      /* push ax at sp 0: wraps */
    R(t, R_ESP) = 0;
    R(t, R_EAX) = 0x5678;
    assert_int_equal(run(t), -1);
    assert_int_equal(R(t, R_ESP) & 0xffff, 0xfffe);
    assert_int_equal(t->mem[0xfffe], 0x78);

    LOAD(t, 16, 0x58);                      /* pop ax at sp 0xffff: #SS */
    R(t, R_ESP) = 0xffff;
    expect_fault(t, EXCP_SS, CODE_AT);
    assert_int_equal(R(t, R_ESP), 0xffff);
}

/* The cold path must leave the lazy flags of earlier instructions intact. */
static void test_fault_keeps_flags(void **state)
{
    TestCPU *t = *state;

    /* cmp eax, ebx; mov ecx, [edx] (faults) */
    LOAD(t, 32, 0x39, 0xd8, 0x8b, 0x0a);
    set_seg(t, R_DS, 0x10, 0, 0xfff, TEST_DATA32 & ~SEG_G);
    refresh(t);
    R(t, R_EAX) = 1;
    R(t, R_EBX) = 2;
    R(t, R_EDX) = 0x1000;
    expect_fault(t, EXCP_GP, CODE_AT + 2);
    assert_int_equal(flags(t) & (RF_CF | RF_ZF | RF_SF),
                     RF_CF | RF_SF);

    /* the fault-free path after a check keeps them too */
    LOAD(t, 32, 0x39, 0xd8, 0x8b, 0x0a, 0x0f, 0x92, 0xc1);  /* ... setb cl */
    set_seg(t, R_DS, 0x10, 0, 0xfff, TEST_DATA32 & ~SEG_G);
    refresh(t);
    R(t, R_EAX) = 1;
    R(t, R_EBX) = 2;
    R(t, R_EDX) = 0x100;
    assert_int_equal(run(t), -1);
    assert_int_equal(R(t, R_ECX) & 0xff, 1);
}

/* String instructions check every iteration: REP MOVSB stops exactly at
   the ES limit with the registers of the faulting iteration. */
static void test_string_limit(void **state)
{
    TestCPU *t = *state;

    LOAD(t, 32, 0xf3, 0xa4);                /* rep movsb */
    set_seg(t, R_ES, 0x10, 0, 0x3005, TEST_DATA32 & ~SEG_G);
    refresh(t);
    memcpy(t->mem + 0x2000, "hello, world", 12);
    R(t, R_ESI) = 0x2000;
    R(t, R_EDI) = 0x3000;
    R(t, R_ECX) = 12;
    expect_fault(t, EXCP_GP, CODE_AT);
    assert_int_equal(R(t, R_ECX), 6);
    assert_int_equal(R(t, R_EDI), 0x3006);
    assert_memory_equal(t->mem + 0x3000, "hello,", 6);
    assert_int_equal(t->mem[0x3006], 0);
}

/* Instructions whose access a helper makes: CMPXCHG8B, CLFLUSH. */
static void test_helper_accesses(void **state)
{
    TestCPU *t = *state;

    LOAD(t, 32, 0x0f, 0xc7, 0x0b);          /* cmpxchg8b [ebx] */
    set_seg(t, R_DS, 0x10, 0, 0x2003, TEST_DATA32 & ~SEG_G);
    refresh(t);
    R(t, R_EBX) = 0x2000;
    expect_fault(t, EXCP_GP, CODE_AT);

    LOAD(t, 32, 0x0f, 0xae, 0x3b);          /* clflush [ebx] */
    set_seg(t, R_DS, 0x10, 0, 0x1fff, TEST_DATA32 & ~SEG_G);
    refresh(t);
    R(t, R_EBX) = 0x2000;
    expect_fault(t, EXCP_GP, CODE_AT);

    LOAD(t, 32, 0x0f, 0xae, 0x3b);          /* within the limit */
    set_seg(t, R_DS, 0x10, 0, 0x2000, TEST_DATA32 & ~SEG_G);
    refresh(t);
    R(t, R_EBX) = 0x2000;
    assert_int_equal(run(t), -1);

    LOAD(t, 32, 0x2e, 0x0f, 0xae, 0x3b);    /* execute-only CS is fine */
    set_seg(t, R_CS, 0x08, 0, 0xffffffff, CODE_XO);
    refresh(t);
    R(t, R_EBX) = 0x2000;
    assert_int_equal(run(t), -1);

    LOAD(t, 32, 0x36, 0x0f, 0xae, 0x3b);    /* clflush ss:[ebx]: #SS */
    set_seg(t, R_SS, 0x10, 0, 0x1fff, TEST_DATA32 & ~SEG_G);
    refresh(t);
    R(t, R_EBX) = 0x2000;
    expect_fault(t, EXCP_SS, CODE_AT);
}

/* LAHF/SAHF are valid in 64-bit mode (the CPUID model has LAHF-LM). */
static void test_lahf_sahf_64(void **state)
{
    TestCPU *t = *state;

    LOAD(t, 64, 0x9e, 0x9f);                /* sahf; lahf */
    R(t, R_EAX) = (uint64_t)(RF_CF | RF_ZF | RF_FIXED) << 8;
    assert_int_equal(run(t), -1);
    assert_int_equal(flags(t) & (RF_CF | RF_ZF | RF_SF), RF_CF | RF_ZF);
    assert_int_equal((R(t, R_EAX) >> 8) & 0xff, RF_CF | RF_ZF | RF_FIXED);
}

/* BSWAP of a 16-bit register: undefined in the SDM; compared with the
   host (Intel and AMD parts clear the low 16 bits). */
static void test_bswap16_vs_host(void **state)
{
    TestCPU *t = *state;
    static const uint64_t vals[] = { 0x1122334455667788ull, 0xabcd,
                                     0xffffffffffffffffull, 0x12345678 };

    for (unsigned i = 0; i < ARRAY_SIZE(vals); i++) {
        uint64_t h = vals[i];

        asm(".byte 0x66, 0x0f, 0xc8" : "+a"(h));     /* bswap ax */
        LOAD(t, 64, 0x66, 0x0f, 0xc8);
        R(t, R_EAX) = vals[i];
        assert_int_equal(run(t), -1);
        assert_int_equal(R(t, R_EAX), h);
    }
}

/* FWAIT: a no-op, #NM with CR0.MP and CR0.TS both set. */
static void test_fwait(void **state)
{
    TestCPU *t = *state;

    LOAD(t, 32, 0x9b);
    assert_int_equal(run(t), -1);

    LOAD(t, 32, 0x9b);
    t->env.st.cr0 |= CR0_TS;
    refresh(t);
    assert_int_equal(run(t), -1);

    LOAD(t, 32, 0x9b);
    t->env.st.cr0 |= CR0_TS | CR0_MP;
    refresh(t);
    assert_int_equal(run(t), EXCP_NM);
    assert_int_equal(t->env.st.rip, CODE_AT);
}

/* 64-bit mode: near branches to a non-canonical target fault on the
   branch with RSP unchanged. */
static void test_noncanonical_branch(void **state)
{
    TestCPU *t = *state;
    const uint64_t bad = 0x8000000000000000ull;

    LOAD(t, 64, 0xff, 0xe0);                /* jmp rax */
    R(t, R_EAX) = bad;
    expect_fault(t, EXCP_GP, CODE_AT);

    LOAD(t, 64, 0xff, 0xd0);                /* call rax */
    R(t, R_EAX) = bad;
    expect_fault(t, EXCP_GP, CODE_AT);
    assert_int_equal(R(t, R_ESP), 0x8000);

    LOAD(t, 64, 0xc3);                      /* ret */
    memcpy(t->mem + 0x8000, &bad, 8);
    expect_fault(t, EXCP_GP, CODE_AT);
    assert_int_equal(R(t, R_ESP), 0x8000);

    LOAD(t, 64, 0xff, 0xe0);                /* canonical high half: fine */
    R(t, R_EAX) = 0xffff800000000000ull;
    assert_int_not_equal(run(t), EXCP_GP);  /* faults fetching it (#PF) */
}

/* Regression: the interrupt shadow of STI / MOV SS ends after the next
   instruction (it used to stay set, so every later block held one
   instruction and never chained). */
static void test_interrupt_shadow_ends(void **state)
{
    TestCPU *t = *state;

    LOAD(t, 64, 0x90, 0x90);                /* nop; nop */
    t->env.st.interrupt_shadow = 1;
    refresh(t);
    assert_true(t->env.hflags & HF_INHIBIT_IRQ);
    assert_int_equal(run(t), -1);
    assert_int_equal(t->env.st.interrupt_shadow, 0);
    assert_false(t->env.hflags & HF_INHIBIT_IRQ);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flat_no_checks),
        cmocka_unit_test(test_expand_up_limit),
        cmocka_unit_test(test_ss_vs_ds),
        cmocka_unit_test(test_type_checks),
        cmocka_unit_test(test_expand_down),
        cmocka_unit_test(test_real_mode),
        cmocka_unit_test(test_fault_keeps_flags),
        cmocka_unit_test(test_string_limit),
        cmocka_unit_test(test_helper_accesses),
        cmocka_unit_test(test_lahf_sahf_64),
        cmocka_unit_test(test_bswap16_vs_host),
        cmocka_unit_test(test_fwait),
        cmocka_unit_test(test_noncanonical_branch),
        cmocka_unit_test(test_interrupt_shadow_ends),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
