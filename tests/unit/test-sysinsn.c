/*
 * Unit tests of cpu/x86/misc_helper.c and cpu/x86/cpuid.c: the CPUID
 * leaves, RDMSR/WRMSR with their #GP cases, MOV to CR0/CR3/CR4 and the
 * debug registers, SYSCALL/SYSRET, SYSENTER/SYSEXIT, SWAPGS, the I/O
 * permission bitmap, POPF/CLI/STI privilege rules, HLT, LGDT/SGDT/UMIP.
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

#include "cpu/x86/cpuid.h"
#include "cpu/x86/sys-helper.h"
#include "hw/intc/intc.h"

#include "x86-sys-fixture.h"

/* ------------------------------------------------------------ tests */

static void cpuid(Fixture *f, uint32_t leaf, uint32_t sub, uint32_t out[4])
{
    f->env.st.regs[R_EAX] = leaf;
    f->env.st.regs[R_ECX] = sub;
    helper_cpuid(&f->env);
    out[0] = (uint32_t)f->env.st.regs[R_EAX];
    out[1] = (uint32_t)f->env.st.regs[R_EBX];
    out[2] = (uint32_t)f->env.st.regs[R_ECX];
    out[3] = (uint32_t)f->env.st.regs[R_EDX];
}

static void test_cpuid_leaves(void **state)
{
    Fixture *f = *state;
    uint32_t r[4];
    char vendor[13] = { 0 }, brand[49] = { 0 };

    cpuid(f, 0, 0, r);
    assert_int_equal(r[0], 0x16);
    memcpy(vendor, &r[1], 4);
    memcpy(vendor + 4, &r[3], 4);
    memcpy(vendor + 8, &r[2], 4);
    assert_string_equal(vendor, "GenuineIntel");

    cpuid(f, 1, 0, r);
    assert_int_equal((r[0] >> 8) & 0xf, 6);
    assert_true(r[3] & CPUID_1D_FPU);                     /* x87 */
    assert_int_equal(r[3] & (CPUID_1D_MMX | CPUID_1D_FXSR | CPUID_1D_SSE |
                             CPUID_1D_SSE2),
                     CPUID_1D_MMX | CPUID_1D_FXSR | CPUID_1D_SSE |
                     CPUID_1D_SSE2);
    assert_int_equal(r[2] & (CPUID_1C_SSE3 | CPUID_1C_SSSE3 | CPUID_1C_SSE41 |
                             CPUID_1C_SSE42 | CPUID_1C_POPCNT),
                     CPUID_1C_SSE3 | CPUID_1C_SSSE3 | CPUID_1C_SSE41 |
                     CPUID_1C_SSE42 | CPUID_1C_POPCNT);
    assert_true(r[3] & CPUID_1D_TSC);
    assert_true(r[3] & CPUID_1D_PAE);
    assert_true(r[3] & CPUID_1D_APIC);
    assert_true(r[2] & CPUID_1C_HYPERVISOR);
    assert_true(r[2] & CPUID_1C_X2APIC);
    assert_int_equal((r[1] >> 8) & 0xff, 8);              /* CLFLUSH 64 B */

    /* TSC frequency: crystal * EBX / EAX and leaf 16h both say PC_TSC_HZ */
    cpuid(f, 0x15, 0, r);
    assert_int_not_equal(r[0], 0);
    assert_int_not_equal(r[2], 0);
    assert_true((uint64_t)r[2] * r[1] / r[0] == PC_TSC_HZ);
    cpuid(f, 0x16, 0, r);
    assert_int_equal(r[0], PC_TSC_HZ / 1000000);
    assert_int_equal(r[1], PC_TSC_HZ / 1000000);
    assert_int_equal(r[0] >> 16, 0);
    cpuid(f, 0x14, 0, r);                                 /* not modelled */
    assert_int_equal(r[0] | r[1] | r[2] | r[3], 0);
    cpuid(f, 0x17, 0, r);                                 /* above the max */
    assert_int_equal(r[0] | r[1] | r[2] | r[3], 0);

    cpuid(f, 0x80000000u, 0, r);
    assert_int_equal(r[0], 0x80000008u);
    cpuid(f, 0x80000001u, 0, r);
    assert_true(r[3] & CPUID_81D_LM);
    assert_true(r[3] & CPUID_81D_NX);
    assert_true(r[3] & CPUID_81D_SYSCALL);
    assert_true(r[3] & CPUID_81D_RDTSCP);
    assert_false(r[3] & CPUID_81D_PDPE1GB);
    cpuid(f, 0x80000008u, 0, r);
    assert_int_equal(r[0] & 0xff, 40);
    assert_int_equal((r[0] >> 8) & 0xff, 48);
    for (uint32_t i = 0; i < 3; i++) {
        cpuid(f, 0x80000002u + i, 0, r);
        memcpy(brand + 16 * i, r, 16);
    }
    assert_string_equal(brand, "Kite Virtual CPU");
    cpuid(f, 0xb, 1, r);
    assert_int_equal(r[1], 1);                            /* one vCPU */
    assert_int_equal((r[2] >> 8) & 0xff, 2);
    cpuid(f, 0x40000000u, 0, r);
    assert_int_equal(r[0] | r[1] | r[2] | r[3], 0);
    cpuid(f, 7, 0, r);
    assert_false(r[1] & (CPUID_7B_SMEP | CPUID_7B_SMAP | CPUID_7B_FSGSBASE));
    assert_true(r[2] & CPUID_7C_UMIP);
    assert_true(r[3] & CPUID_7D_ARCH_CAP);
    /* XSAVE: x87 and SSE in XCR0, 576-byte areas, OSXSAVE mirrors CR4 */
    cpuid(f, 1, 0, r);
    assert_true(r[2] & CPUID_1C_XSAVE);
    assert_false(r[2] & CPUID_1C_OSXSAVE);
    f->env.st.cr4 |= CR4_OSXSAVE;
    cpuid(f, 1, 0, r);
    assert_true(r[2] & CPUID_1C_OSXSAVE);
    f->env.st.cr4 &= ~CR4_OSXSAVE;
    cpuid(f, 0xd, 0, r);
    assert_int_equal(r[0], 3);
    assert_int_equal(r[1], 576);
    assert_int_equal(r[2], 576);
    assert_int_equal(r[3], 0);
    cpuid(f, 0xd, 1, r);
    assert_int_equal(r[0], CPUID_D1A_XSAVEOPT | CPUID_D1A_XSAVEC);
    cpuid(f, 0xd, 2, r);
    assert_int_equal(r[0] | r[1] | r[2] | r[3], 0);
    /* APIC bit follows IA32_APIC_BASE.EN */
    f->env.st.apic_base &= ~MSR_APICBASE_ENABLE;
    cpuid(f, 1, 0, r);
    assert_false(r[3] & CPUID_1D_APIC);
}

static void test_msr_rw(void **state)
{
    Fixture *f = *state;
    CPUX86TCG *env = &f->env;
    uint64_t v;

    assert_int_equal(x86_msr_write(env, MSR_EFER, EFER_SCE | EFER_NXE), 0);
    assert_int_equal(x86_msr_read(env, MSR_EFER, &v), 0);
    assert_int_equal(v, EFER_SCE | EFER_NXE);
    assert_int_equal(x86_msr_write(env, MSR_EFER, 1ull << 2), -1);  /* reserved */
    /* LMA is read-only: writing it is ignored */
    assert_int_equal(x86_msr_write(env, MSR_EFER, EFER_LMA), 0);
    assert_int_equal(x86_msr_read(env, MSR_EFER, &v), 0);
    assert_int_equal(v, 0);

    /* IA32_ARCH_CAPABILITIES: read-only, RDCL_NO (no Meltdown) and MDS_NO */
    assert_int_equal(x86_msr_read(env, 0x10a, &v), 0);
    assert_int_equal(v, KITE_ARCH_CAPABILITIES);
    assert_true((v & 1) && (v & (1u << 5)));
    assert_int_equal(x86_msr_write(env, 0x10a, 0), -1);

    assert_int_equal(x86_msr_write(env, MSR_LSTAR, 0xffffffff81000000ull), 0);
    assert_int_equal(x86_msr_write(env, MSR_LSTAR, 0x0000800000000000ull), -1);
    assert_int_equal(x86_msr_write(env, MSR_FSBASE, 0x7fff00001000ull), 0);
    assert_int_equal(env->st.segs[R_FS].base, 0x7fff00001000ull);
    assert_int_equal(x86_msr_write(env, MSR_GSBASE, 0x8000000000000000ull), -1);
    assert_int_equal(x86_msr_write(env, MSR_KERNELGSBASE, 0xffff800000000000ull), 0);
    assert_int_equal(x86_msr_write(env, MSR_TSC_AUX, 1ull << 32), -1);
    assert_int_equal(x86_msr_write(env, MSR_TSC_AUX, 7), 0);

    assert_int_equal(x86_msr_write(env, MSR_IA32_PAT, 0x0007040600070406ull), 0);
    assert_int_equal(x86_msr_write(env, MSR_IA32_PAT, 0x0002000000000000ull), -1);
    assert_int_equal(x86_msr_write(env, MSR_MTRRdefType, 0xc06), 0);
    assert_int_equal(x86_msr_write(env, MSR_MTRRdefType, 0x1006), -1);
    assert_int_equal(x86_msr_write(env, MSR_MTRRfix4K_C0000, 0x0505050505050505ull), 0);
    assert_int_equal(x86_msr_read(env, MSR_MTRRfix4K_C0000, &v), 0);
    assert_int_equal(v, 0x0505050505050505ull);
    assert_int_equal(x86_msr_write(env, MSR_MTRRfix16K_A0000, 0x02), -1);
    assert_int_equal(x86_msr_write(env, MSR_MTRRphysBase(3), 0x80000006ull), 0);
    assert_int_equal(x86_msr_write(env, MSR_MTRRphysMask(3), 0xff80000800ull), 0);
    assert_int_equal(x86_msr_write(env, MSR_MTRRphysMask(3), 0x1ff80000800ull), -1);
    assert_int_equal(x86_msr_read(env, MSR_MTRRcap, &v), 0);
    assert_int_equal(v & 0xff, MTRR_VAR_COUNT);
    assert_int_equal(x86_msr_write(env, MSR_MTRRcap, 0), -1);

    assert_int_equal(x86_msr_write(env, MSR_IA32_SYSENTER_CS, 0x10), 0);
    assert_int_equal(x86_msr_write(env, MSR_IA32_SYSENTER_EIP, 1ull << 60), -1);
    assert_int_equal(x86_msr_read(env, 0x12345678, &v), -1);
    assert_int_equal(x86_msr_write(env, 0xc0001234, 0), -1);
    /* APIC base without an APIC model: plain storage */
    assert_int_equal(x86_msr_read(env, MSR_IA32_APICBASE, &v), 0);
    assert_int_equal(v & ~0xfffull, APIC_DEFAULT_BASE);
}

static void test_msr_helpers_and_tsc(void **state)
{
    Fixture *f = *state;
    CPUX86TCG *env = &f->env;
    X86CPUState *st = &env->st;

    /* WRMSR TSC adjusts the offset: TSC reads back from the new value */
    st->regs[R_ECX] = MSR_IA32_TSC;
    st->regs[R_EAX] = 0x1000;
    st->regs[R_EDX] = 1;
    assert_int_equal(CATCH(f, helper_wrmsr(env)), -1);
    assert_int_equal(x86_get_tsc(env), 0x100001000ull);
    assert_int_equal(st->tsc_adjust, 0x100001000ull);
    assert_int_equal(CATCH(f, helper_rdtsc(env)), -1);
    assert_int_equal(st->regs[R_EAX], 0x1000);
    assert_int_equal(st->regs[R_EDX], 1);
    st->tsc_aux = 3;
    assert_int_equal(CATCH(f, helper_rdtscp(env)), -1);
    assert_int_equal(st->regs[R_ECX], 3);
    /* unknown MSR: #GP(0) */
    st->regs[R_ECX] = 0xdead;
    assert_int_equal(CATCH(f, helper_rdmsr(env)), EXCP_GP);
    assert_int_equal(env->error_code, 0);
    /* CPL 3: RDMSR #GP, RDTSC #GP only with CR4.TSD */
    enter_prot(f, 3);
    st->regs[R_ECX] = MSR_EFER;
    assert_int_equal(CATCH(f, helper_rdmsr(env)), EXCP_GP);
    assert_int_equal(CATCH(f, helper_rdtsc(env)), -1);
    st->cr4 |= CR4_TSD;
    assert_int_equal(CATCH(f, helper_rdtsc(env)), EXCP_GP);
}

static void test_cr_writes(void **state)
{
    Fixture *f = *state;
    CPUX86TCG *env = &f->env;
    X86CPUState *st = &env->st;

    assert_int_equal(x86_write_cr0(env, CR0_PG | CR0_ET), -1);     /* PG w/o PE */
    assert_int_equal(x86_write_cr0(env, CR0_PE | CR0_NW), -1);     /* NW w/o CD */
    assert_int_equal(x86_write_cr0(env, CR0_PE | (1ull << 32)), -1);
    assert_int_equal(x86_write_cr0(env, CR0_PE), 0);
    assert_true(st->cr0 & CR0_ET);
    assert_true(env->hflags & HF_PE);
    /* CR4.OSFXSR: the TCG runs FXSR/SSE; hflags follow it */
    assert_int_equal(x86_write_cr4(env, CR4_OSFXSR), 0);
    assert_true(env->hflags & HF_OSFXSR);
    /* CR4 bits not advertised: #GP */
    assert_int_equal(x86_write_cr4(env, CR4_SMEP), -1);
    assert_int_equal(x86_write_cr4(env, CR4_VME), -1);
    assert_int_equal(x86_write_cr4(env, CR4_PSE | CR4_PGE | CR4_UMIP), 0);
    assert_true(env->hflags & HF_UMIP);
    /* long mode: LME + PG needs PAE */
    st->efer = EFER_LME;
    assert_int_equal(x86_write_cr0(env, CR0_PE | CR0_PG), -1);
    assert_int_equal(x86_write_cr4(env, CR4_PAE), 0);
    assert_int_equal(x86_write_cr0(env, CR0_PE | CR0_PG), 0);
    assert_true(st->efer & EFER_LMA);
    assert_true(env->hflags & HF_LMA);
    /* LME cannot change while paging is on; PAE cannot be cleared in LM */
    assert_int_equal(x86_msr_write(env, MSR_EFER, 0), -1);
    assert_int_equal(x86_write_cr4(env, 0), -1);
    /* CR3 reserved bits above MAXPHYADDR in long mode */
    assert_int_equal(x86_write_cr3(env, 1ull << 45), -1);
    assert_int_equal(x86_write_cr3(env, 0x5000), 0);
    /* leaving paging from compatibility mode clears LMA */
    assert_int_equal(x86_write_cr0(env, CR0_PE), 0);
    assert_false(st->efer & EFER_LMA);
    /* the helpers: CR8 reserved bits, unknown CR, CPL 3 */
    map_memory(f);
    assert_int_equal(CATCH(f, helper_write_cr(env, 8, 0x10)), EXCP_GP);
    assert_int_equal(CATCH(f, helper_write_cr(env, 8, 0x5)), -1);
    assert_int_equal(helper_read_cr(env, 8), 5);
    assert_int_equal(CATCH(f, helper_write_cr(env, 5, 0)), EXCP_UD);
    assert_int_equal(CATCH(f, helper_lmsw(env, 0)), -1);
    assert_true(st->cr0 & CR0_PE);                         /* not cleared */
    assert_int_equal(CATCH(f, helper_lmsw(env, CR0_TS)), -1);
    assert_true(env->hflags & HF_TS);
    assert_int_equal(CATCH(f, helper_clts(env)), -1);
    assert_false(env->hflags & HF_TS);
    enter_prot(f, 3);
    assert_int_equal(CATCH(f, helper_write_cr(env, 0, CR0_PE)), EXCP_GP);
}

static void test_debug_registers(void **state)
{
    Fixture *f = *state;
    CPUX86TCG *env = &f->env;

    assert_int_equal(CATCH(f, helper_write_dr(env, 0, 0x1234)), -1);
    assert_int_equal(helper_read_dr(env, 0), 0x1234);
    assert_int_equal(CATCH(f, helper_write_dr(env, 7, 0x1)), -1);
    assert_int_equal(helper_read_dr(env, 7), 0x401);
    /* DR5 aliases DR7 without CR4.DE */
    assert_int_equal(helper_read_dr(env, 5), 0x401);
    assert_int_equal(helper_read_dr(env, 6), 0xffff0ff0);
    assert_int_equal(CATCH(f, helper_write_dr(env, 7, 1ull << 32)), EXCP_GP);
    env->st.cr4 |= CR4_DE;
    assert_int_equal(CATCH(f, helper_read_dr(env, 4)), EXCP_UD);
}

static void test_syscall_sysret(void **state)
{
    Fixture *f = *state;
    CPUX86TCG *env = &f->env;
    X86CPUState *st = &env->st;

    enter_long(f, 3);
    map_memory(f);
    assert_int_equal(CATCH(f, helper_syscall(env, 0x401000)), EXCP_UD); /* SCE=0 */
    st->efer |= EFER_SCE;
    st->star = (0x23ull << 48) | (0x08ull << 32);
    st->lstar = 0xffffffff81000000ull;
    st->fmask = RF_IF | RF_TF;
    x86_tcg_set_rflags(env, RF_IF | RF_CF, RF_IF | RF_CF);
    assert_int_equal(CATCH(f, helper_syscall(env, 0x401000)), -1);
    assert_int_equal(st->rip, 0xffffffff81000000ull);
    assert_int_equal(st->regs[R_ECX], 0x401000);
    assert_true(st->regs[R_R11] & RF_IF);
    assert_int_equal(st->segs[R_CS].selector, 0x08);
    assert_int_equal(st->segs[R_SS].selector, 0x10);
    assert_int_equal(x86_cpl(env), 0);
    assert_true(env->hflags & HF_CODE64);
    assert_false(x86_tcg_compute_rflags(env) & RF_IF);
    assert_true(x86_tcg_compute_rflags(env) & RF_CF);

    /* SYSRET (64-bit) back to ring 3 */
    st->regs[R_ECX] = 0x401000;
    assert_int_equal(CATCH(f, helper_sysret(env, 8)), -1);
    assert_int_equal(st->segs[R_CS].selector, 0x33);
    assert_int_equal(st->segs[R_SS].selector, 0x2b);
    assert_int_equal(x86_cpl(env), 3);
    assert_true(env->hflags & HF_CODE64);
    assert_true(x86_tcg_compute_rflags(env) & RF_IF);
    assert_int_equal(st->rip, 0x401000);
    /* SYSRET at CPL 3: #GP; non-canonical RCX: #GP */
    assert_int_equal(CATCH(f, helper_sysret(env, 8)), EXCP_GP);
    enter_long(f, 0);
    st->efer |= EFER_SCE;
    st->regs[R_ECX] = 0x0000800000000000ull;
    assert_int_equal(CATCH(f, helper_sysret(env, 8)), EXCP_GP);
    /* 32-bit SYSRET to compatibility mode */
    st->regs[R_ECX] = 0x12345678;
    assert_int_equal(CATCH(f, helper_sysret(env, 4)), -1);
    assert_int_equal(st->segs[R_CS].selector, 0x23);
    assert_false(env->hflags & HF_CODE64);
    assert_true(env->hflags & HF_CS32);
}

static void test_sysenter_sysexit(void **state)
{
    Fixture *f = *state;
    CPUX86TCG *env = &f->env;
    X86CPUState *st = &env->st;

    assert_int_equal(CATCH(f, helper_sysenter(env)), EXCP_GP);   /* real mode */
    enter_prot(f, 3);
    assert_int_equal(CATCH(f, helper_sysenter(env)), EXCP_GP);   /* CS = 0 */
    st->sysenter_cs = 0x08;
    st->sysenter_esp = 0x9000;
    st->sysenter_eip = 0xc0001000;
    x86_tcg_set_rflags(env, RF_IF, RF_IF);
    assert_int_equal(CATCH(f, helper_sysenter(env)), -1);
    assert_int_equal(x86_cpl(env), 0);
    assert_int_equal(st->rip, 0xc0001000);
    assert_int_equal(st->regs[R_ESP], 0x9000);
    assert_int_equal(st->segs[R_SS].selector, 0x10);
    assert_false(x86_tcg_compute_rflags(env) & RF_IF);
    st->regs[R_EDX] = 0x8048000;
    st->regs[R_ECX] = 0xbfff0000;
    assert_int_equal(CATCH(f, helper_sysexit(env, 4)), -1);
    assert_int_equal(x86_cpl(env), 3);
    assert_int_equal(st->segs[R_CS].selector, 0x1b);
    assert_int_equal(st->segs[R_SS].selector, 0x23);
    assert_int_equal(st->rip, 0x8048000);
    assert_int_equal(st->regs[R_ESP], 0xbfff0000);
    assert_int_equal(CATCH(f, helper_sysexit(env, 4)), EXCP_GP);  /* CPL 3 */
}

static void test_swapgs(void **state)
{
    Fixture *f = *state;
    CPUX86TCG *env = &f->env;

    enter_long(f, 0);
    env->st.segs[R_GS].base = 0x1000;
    env->st.kernel_gs_base = 0xffff888000000000ull;
    assert_int_equal(CATCH(f, helper_swapgs(env)), -1);
    assert_int_equal(env->st.segs[R_GS].base, 0xffff888000000000ull);
    assert_int_equal(env->st.kernel_gs_base, 0x1000);
    enter_long(f, 3);
    assert_int_equal(CATCH(f, helper_swapgs(env)), EXCP_GP);
}

static void test_io_bitmap(void **state)
{
    Fixture *f = *state;
    CPUX86TCG *env = &f->env;

    /* real mode and CPL <= IOPL: always allowed */
    assert_true(x86_io_allowed(env, 0x3f8, 1));
    enter_prot(f, 3);
    /* bitmap at TSS+0x68: everything denied except ports 0x80-0x87 */
    wr16(f, TSS_BASE + 0x66, 0x68);
    memset(f->mem + TSS_BASE + 0x68, 0xff, 0x2000 / 8 + 1);
    f->mem[TSS_BASE + 0x68 + 0x80 / 8] = 0x00;
    assert_true(x86_io_allowed(env, 0x80, 1));
    assert_true(x86_io_allowed(env, 0x84, 4));
    assert_false(x86_io_allowed(env, 0x86, 4));     /* spills into 0x88 */
    assert_false(x86_io_allowed(env, 0x3f8, 1));
    assert_int_equal(CATCH(f, helper_in(env, 0x3f8, 1)), EXCP_GP);
    assert_int_equal(CATCH(f, helper_out(env, 0x81, 2, 0)), -1);
    /* bitmap beyond the TSS limit: denied */
    wr16(f, TSS_BASE + 0x66, 0x4000);
    assert_false(x86_io_allowed(env, 0x80, 1));
    /* IOPL 3: no bitmap check */
    x86_tcg_set_rflags(env, RF_IOPL, RF_IOPL);
    x86_update_hflags(env);
    assert_true(x86_io_allowed(env, 0x3f8, 1));
    /* v86 mode always consults the bitmap */
    x86_tcg_set_rflags(env, RF_VM, RF_VM);
    x86_update_hflags(env);
    assert_false(x86_io_allowed(env, 0x80, 1));
}

static void test_string_io(void **state)
{
    Fixture *f = *state;
    CPUX86TCG *env = &f->env;
    X86CPUState *st = &env->st;

    /* no machine: IN reads all ones; REP INSW fills ES:DI */
    st->regs[R_EDX] = 0x60;
    st->regs[R_EDI] = 0x5000;
    st->regs[R_ECX] = 3;
    st->rip = 0x100;
    helper_ins(env, X86_SIO_DESC(2, 2, true, R_ES), 0x102);
    assert_int_equal(st->regs[R_ECX], 0);
    assert_int_equal(st->regs[R_EDI], 0x5006);
    assert_int_equal(rd16(f, 0x5004), 0xffff);
    assert_int_equal(st->rip, 0x102);
    /* backwards OUTSB, no REP */
    env->df = -1;
    st->regs[R_ESI] = 0x10;
    helper_outs(env, X86_SIO_DESC(1, 4, false, R_DS), 0x200);
    assert_int_equal(st->regs[R_ESI], 0xf);
    assert_int_equal(st->rip, 0x200);
}

static void test_flags_rules(void **state)
{
    Fixture *f = *state;
    CPUX86TCG *env = &f->env;

    enter_prot(f, 3);
    x86_tcg_set_rflags(env, RF_IF, RF_IF | RF_IOPL);
    x86_update_hflags(env);
    /* CPL 3 > IOPL 0: POPF leaves IF and IOPL, changes the rest */
    helper_popf(env, RF_IOPL | RF_CF | RF_AC, 4);
    assert_true(x86_tcg_compute_rflags(env) & RF_IF);
    assert_false(x86_tcg_compute_rflags(env) & RF_IOPL);
    assert_true(x86_tcg_compute_rflags(env) & RF_CF);
    assert_true(env->hflags & HF_AC);
    assert_int_equal(CATCH(f, helper_cli(env)), EXCP_GP);
    assert_int_equal(CATCH(f, helper_sti(env)), EXCP_GP);
    assert_int_equal(helper_pushf(env) & RF_VM, 0);
    /* CPL 0: everything, and STI opens a one-instruction shadow */
    enter_prot(f, 0);
    x86_tcg_set_rflags(env, 0, RF_IF);
    helper_popf(env, RF_IOPL, 4);
    assert_int_equal(x86_tcg_compute_rflags(env) & RF_IOPL, RF_IOPL);
    assert_int_equal(CATCH(f, helper_sti(env)), -1);
    assert_true(x86_tcg_compute_rflags(env) & RF_IF);
    assert_true(env->hflags & HF_INHIBIT_IRQ);
    assert_int_equal(env->st.interrupt_shadow, 1);
    /* POPF with a 16-bit operand keeps the upper flags */
    x86_tcg_set_rflags(env, RF_AC, RF_AC);
    helper_popf(env, 0, 2);
    assert_true(x86_tcg_compute_rflags(env) & RF_AC);
    /* v86 with IOPL < 3: PUSHF/POPF #GP */
    x86_tcg_set_rflags(env, RF_VM, RF_VM | RF_IOPL);
    x86_update_hflags(env);
    assert_int_equal(CATCH(f, helper_pushf(env)), EXCP_GP);
}

static void test_hlt_and_invlpg(void **state)
{
    Fixture *f = *state;
    CPUX86TCG *env = &f->env;

    assert_int_equal(CATCH(f, helper_hlt(env, 0x1234)), -1);
    assert_true(env->st.halted);
    assert_int_equal(env->st.rip, 0x1234);
    assert_int_equal(CATCH(f, helper_invlpg(env, 0x1000)), -1);
    map_memory(f);
    enter_prot(f, 3);
    env->st.halted = false;
    assert_int_equal(CATCH(f, helper_hlt(env, 0x1234)), EXCP_GP);
    assert_false(env->st.halted);
}

static void test_descriptor_table_regs(void **state)
{
    Fixture *f = *state;
    CPUX86TCG *env = &f->env;

    wr16(f, 0x6000, 0x3ff);
    wr32(f, 0x6002, 0x12345678);
    assert_int_equal(CATCH(f, helper_load_dt(env, X86_DT_IDT, 0x6000, 2)), -1);
    assert_int_equal(env->st.idt.limit, 0x3ff);
    assert_int_equal(env->st.idt.base, 0x345678);          /* 24 bits */
    assert_int_equal(CATCH(f, helper_load_dt(env, X86_DT_GDT, 0x6000, 4)), -1);
    assert_int_equal(env->st.gdt.base, 0x12345678);
    assert_int_equal(CATCH(f, helper_store_dt(env, X86_DT_GDT, 0x6100)), -1);
    assert_int_equal(rd16(f, 0x6100), 0x3ff);
    assert_int_equal(rd32(f, 0x6102), 0x12345678);
    /* 64-bit: 10-byte operand, canonical base */
    enter_long(f, 0);
    wr64(f, 0x6002, 0xffff800000001000ull);
    assert_int_equal(CATCH(f, helper_load_dt(env, X86_DT_GDT, 0x6000, 8)), -1);
    assert_int_equal(env->st.gdt.base, 0xffff800000001000ull);
    wr64(f, 0x6002, 0x0000800000001000ull);
    assert_int_equal(CATCH(f, helper_load_dt(env, X86_DT_GDT, 0x6000, 8)), EXCP_GP);
    /* UMIP at CPL 3 */
    enter_prot(f, 3);
    env->st.cr4 |= CR4_UMIP;
    assert_int_equal(CATCH(f, helper_store_dt(env, X86_DT_IDT, 0x6100)), EXCP_GP);
    assert_int_equal(CATCH(f, helper_load_dt(env, X86_DT_IDT, 0x6000, 4)), EXCP_GP);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
        T(test_cpuid_leaves),
        T(test_msr_rw),
        T(test_msr_helpers_and_tsc),
        T(test_cr_writes),
        T(test_debug_registers),
        T(test_syscall_sysret),
        T(test_sysenter_sysexit),
        T(test_swapgs),
        T(test_io_bitmap),
        T(test_string_io),
        T(test_flags_rules),
        T(test_hlt_and_invlpg),
        T(test_descriptor_table_regs),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
