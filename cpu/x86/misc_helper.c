/*
 * x86 system helpers that are not about segments: CPUID, the TSC
 * (RDTSC/RDTSCP), RDMSR/WRMSR, MOV to/from control and debug registers,
 * CLTS/LMSW, INVLPG, HLT, CLI/STI, PUSHF/POPF, port I/O with the TSS I/O
 * permission bitmap (IN/OUT/INS/OUTS), SYSCALL/SYSRET, SYSENTER/SYSEXIT,
 * SWAPGS and LGDT/LIDT/SGDT/SIDT.
 *
 * Follows the Intel SDM Vol. 2 pseudocode of each instruction, Vol. 3A
 * 2.5 (control registers), 18.2 (debug registers), 20.5 / 19.5 (I/O
 * permission bit map), 5.8.7-5.8.8 (SYSENTER/SYSCALL), 12.11-12.12
 * (MTRRs, PAT) and Vol. 4 for the MSRs.
 *
 * The guest TSC runs at PC_TSC_HZ (hw/intc/intc.h) off the virtual clock,
 * the same constant the LAPIC TSC-deadline timer uses. Privilege checks
 * that depend only on the TB flags (CPL 0, UMIP, IOPL for CLI/STI) are
 * done by the translator; the helpers repeat the ones a guest could reach
 * with a stale block.
 */
#include "cpu/x86/sys-helper.h"

#include "accel/tcg/tcg-accel.h"
#include "cpu/x86/cpuid.h"
#include "cpu/x86/mce.h"
#include "hw/intc/intc.h"
#include "hw/pc/pc.h"

static void __attribute__((noreturn))
sys_fault(CPUX86TCG *env, int vector, uint32_t err)
{
    x86_raise_exception_err(env, vector, err, 0);
}

static void check_cpl0(CPUX86TCG *env)
{
    if (x86_cpl(env) != 0) {
        sys_fault(env, EXCP_GP, 0);
    }
}

static APICState *sys_apic(CPUX86TCG *env)
{
    return env->cpu ? apic_of_cpu(env->cpu) : NULL;
}

static void sys_lock(CPUX86TCG *env)
{
    if (env->machine) {
        pthread_mutex_lock(&env->machine->lock);
    }
}

static void sys_unlock(CPUX86TCG *env)
{
    if (env->machine) {
        pthread_mutex_unlock(&env->machine->lock);
    }
}

/* ------------------------------------------------------------- TLB */

void x86_sys_tlb_flush(CPUX86TCG *env)
{
    x86_tlb_flush(env);
}

/* MOV CR3: global entries stay when CR4.PGE is set (SDM 4.10.4.1). */
void x86_sys_tlb_flush_nonglobal(CPUX86TCG *env)
{
    if (env->st.cr4 & CR4_PGE) {
        x86_tlb_flush_nonglobal(env);
    } else {
        x86_tlb_flush(env);
    }
}

void x86_sys_tlb_flush_page(CPUX86TCG *env, uint64_t vaddr)
{
    x86_tlb_flush_page(env, vaddr);
}

/* ------------------------------------------------------- CPUID, TSC */

void helper_cpuid(CPUX86TCG *env)
{
    uint32_t out[4];

    x86_cpuid(env, (uint32_t)env->st.regs[R_EAX],
              (uint32_t)env->st.regs[R_ECX], out);
    env->st.regs[R_EAX] = out[0];
    env->st.regs[R_EBX] = out[1];
    env->st.regs[R_ECX] = out[2];
    env->st.regs[R_EDX] = out[3];
}

static uint64_t tsc_raw(CPUX86TCG *env)
{
    int64_t ns = env->machine ? clock_ns(&env->machine->timers) : 0;

    return muldiv64((uint64_t)MAX(ns, 0), PC_TSC_HZ, 1000000000ull);
}

uint64_t x86_get_tsc(CPUX86TCG *env)
{
    return tsc_raw(env) + env->st.tsc_adjust;
}

/* IA32_TSC_ADJUST; mirrored into the vCPU for the TSC-deadline timer. */
static void tsc_set_adjust(CPUX86TCG *env, uint64_t adjust)
{
    env->st.tsc_adjust = adjust;
    if (env->cpu) {
        env->cpu->env.tsc_adjust = adjust;
    }
}

static void check_rdtsc(CPUX86TCG *env)
{
    if ((env->st.cr4 & CR4_TSD) && x86_cpl(env) != 0 &&
        (env->hflags & HF_PE)) {
        sys_fault(env, EXCP_GP, 0);
    }
}

void helper_rdtsc(CPUX86TCG *env)
{
    uint64_t t;

    check_rdtsc(env);
    t = x86_get_tsc(env);
    env->st.regs[R_EAX] = (uint32_t)t;
    env->st.regs[R_EDX] = t >> 32;
}

void helper_rdtscp(CPUX86TCG *env)
{
    helper_rdtsc(env);
    env->st.regs[R_ECX] = (uint32_t)env->st.tsc_aux;
}

/* ------------------------------------------------------------- MSRs */

static bool mtrr_type_ok(uint64_t t)
{
    return t == 0 || t == 1 || t == 4 || t == 5 || t == 6;
}

/* Every byte a valid memory type (PAT also allows 7, UC-). */
static bool bytes_types_ok(uint64_t v, bool pat)
{
    for (int i = 0; i < 8; i++) {
        uint64_t t = (v >> (8 * i)) & 0xff;
        if (!mtrr_type_ok(t) && !(pat && t == 7)) {
            return false;
        }
    }
    return true;
}

/* Index into mtrr_fixed[] of a fixed-range MTRR, or -1. */
static int mtrr_fixed_index(uint32_t msr)
{
    if (msr == MSR_MTRRfix64K_00000) {
        return 0;
    }
    if (msr == MSR_MTRRfix16K_80000 || msr == MSR_MTRRfix16K_A0000) {
        return 1 + (int)(msr - MSR_MTRRfix16K_80000);
    }
    if (msr >= MSR_MTRRfix4K_C0000 && msr <= MSR_MTRRfix4K_F8000) {
        return 3 + (int)(msr - MSR_MTRRfix4K_C0000);
    }
    return -1;
}

#define PHYS_MASK ((1ull << CPUID_PHYS_BITS) - 1)
#define MTRR_CAP_VALUE (MTRR_VAR_COUNT | (1u << 8) | (1u << 10))

static int apic_msr(CPUX86TCG *env, uint32_t msr, uint64_t *val, bool write)
{
    APICState *s = sys_apic(env);
    int r;

    if (!s) {
        if (msr == MSR_IA32_APICBASE) {
            if (write) {
                env->st.apic_base = *val;
            } else {
                *val = env->st.apic_base;
            }
            return 0;
        }
        return -1;
    }
    sys_lock(env);
    r = write ? apic_msr_write(s, msr, *val) : apic_msr_read(s, msr, val);
    if (r == 0 && msr == MSR_IA32_APICBASE) {
        env->st.apic_base = apic_get_base(s);
    }
    sys_unlock(env);
    return r;
}

static bool msr_is_apic(uint32_t msr)
{
    return msr == MSR_IA32_APICBASE || msr == MSR_IA32_TSC_DEADLINE ||
           (msr >= 0x800 && msr <= 0x8ff);
}

static int msr_read_mtrr(CPUX86TCG *env, uint32_t msr, uint64_t *val)
{
    int i = mtrr_fixed_index(msr);

    if (i >= 0) {
        *val = env->st.mtrr_fixed[i];
        return 0;
    }
    if (msr >= MSR_MTRRphysBase(0) && msr <= MSR_MTRRphysMask(MTRR_VAR_COUNT - 1)) {
        unsigned n = (msr - MSR_MTRRphysBase(0)) / 2;
        *val = (msr & 1) ? env->st.mtrr_var_mask[n] : env->st.mtrr_var_base[n];
        return 0;
    }
    return -1;
}

int x86_msr_read(CPUX86TCG *env, uint32_t msr, uint64_t *val)
{
    X86CPUState *st = &env->st;

    *val = 0;
    if (msr_is_apic(msr)) {
        return apic_msr(env, msr, val, false);
    }
    switch (msr) {
    case MSR_IA32_TSC:            *val = x86_get_tsc(env); break;
    case MSR_IA32_TSC_ADJUST:     *val = st->tsc_adjust; break;
    case 0x17: /* IA32_PLATFORM_ID */ break;
    case 0x10a: /* IA32_ARCH_CAPABILITIES */
        *val = KITE_ARCH_CAPABILITIES;
        break;
    case MSR_IA32_FEATURE_CONTROL: *val = 1; break;    /* locked, no VMX */
    case MSR_IA32_BIOS_SIGN_ID:   break;
    case MSR_MTRRcap:             *val = MTRR_CAP_VALUE; break;
    case MSR_IA32_SYSENTER_CS:    *val = st->sysenter_cs; break;
    case MSR_IA32_SYSENTER_ESP:   *val = st->sysenter_esp; break;
    case MSR_IA32_SYSENTER_EIP:   *val = st->sysenter_eip; break;
    case MSR_IA32_MISC_ENABLE:    *val = st->misc_enable; break;
    case MSR_IA32_PAT:            *val = st->pat; break;
    case MSR_MTRRdefType:         *val = st->mtrr_deftype; break;
    case MSR_EFER:                *val = st->efer; break;
    case MSR_STAR:                *val = st->star; break;
    case MSR_LSTAR:               *val = st->lstar; break;
    case MSR_CSTAR:               *val = st->cstar; break;
    case MSR_FMASK:               *val = st->fmask; break;
    case MSR_FSBASE:              *val = st->segs[R_FS].base; break;
    case MSR_GSBASE:              *val = st->segs[R_GS].base; break;
    case MSR_KERNELGSBASE:        *val = st->kernel_gs_base; break;
    case MSR_TSC_AUX:             *val = st->tsc_aux; break;
    default:
        if (x86_mce_msr(msr)) {
            return x86_mce_read(st, msr, val);
        }
        return msr_read_mtrr(env, msr, val);
    }
    return 0;
}

static int msr_write_efer(CPUX86TCG *env, uint64_t val)
{
    uint64_t writable = EFER_SCE | EFER_LME | EFER_NXE;

    if (val & ~(writable | EFER_LMA)) {
        return -1;
    }
    if ((env->st.cr0 & CR0_PG) && ((val ^ env->st.efer) & EFER_LME)) {
        return -1;               /* LME may not change while paging is on */
    }
    val = (val & writable) | (env->st.efer & EFER_LMA);
    if ((val ^ env->st.efer) & EFER_NXE) {
        x86_sys_tlb_flush(env);
    }
    env->st.efer = val;
    x86_update_hflags(env);
    return 0;
}

static int msr_write_mtrr(CPUX86TCG *env, uint32_t msr, uint64_t val)
{
    int i = mtrr_fixed_index(msr);

    if (i >= 0) {
        if (!bytes_types_ok(val, false)) {
            return -1;
        }
        env->st.mtrr_fixed[i] = val;
        return 0;
    }
    if (msr >= MSR_MTRRphysBase(0) && msr <= MSR_MTRRphysMask(MTRR_VAR_COUNT - 1)) {
        unsigned n = (msr - MSR_MTRRphysBase(0)) / 2;
        if (msr & 1) {
            if (val & ~(PHYS_MASK & ~0x7ffull)) {
                return -1;
            }
            env->st.mtrr_var_mask[n] = val;
        } else {
            if ((val & ~(PHYS_MASK & ~0xf00ull)) || !mtrr_type_ok(val & 0xff)) {
                return -1;
            }
            env->st.mtrr_var_base[n] = val;
        }
        return 0;
    }
    return -1;
}

static int msr_write_canonical(uint64_t *field, uint64_t val)
{
    if (!x86_is_canonical(val)) {
        return -1;
    }
    *field = val;
    return 0;
}

int x86_msr_write(CPUX86TCG *env, uint32_t msr, uint64_t val)
{
    X86CPUState *st = &env->st;

    if (msr_is_apic(msr)) {
        return apic_msr(env, msr, &val, true);
    }
    switch (msr) {
    case MSR_IA32_TSC:
        tsc_set_adjust(env, val - tsc_raw(env));
        return 0;
    case MSR_IA32_TSC_ADJUST:
        tsc_set_adjust(env, val);
        return 0;
    case MSR_IA32_BIOS_SIGN_ID:
        return 0;
    case MSR_IA32_SYSENTER_CS:
        st->sysenter_cs = val & 0xffff;
        return 0;
    case MSR_IA32_SYSENTER_ESP:
        return msr_write_canonical(&st->sysenter_esp, val);
    case MSR_IA32_SYSENTER_EIP:
        return msr_write_canonical(&st->sysenter_eip, val);
    case MSR_IA32_MISC_ENABLE:
        st->misc_enable = val;
        return 0;
    case MSR_IA32_PAT:
        if (!bytes_types_ok(val, true)) {
            return -1;
        }
        st->pat = val;
        x86_sys_tlb_flush(env);
        return 0;
    case MSR_MTRRdefType:
        if ((val & ~0xcffull) || !mtrr_type_ok(val & 0xff)) {
            return -1;
        }
        st->mtrr_deftype = val;
        return 0;
    case MSR_EFER:
        return msr_write_efer(env, val);
    case MSR_STAR:
        st->star = val;
        return 0;
    case MSR_LSTAR:
        return msr_write_canonical(&st->lstar, val);
    case MSR_CSTAR:
        return msr_write_canonical(&st->cstar, val);
    case MSR_FMASK:
        st->fmask = (uint32_t)val;
        return 0;
    case MSR_FSBASE:
        return msr_write_canonical(&st->segs[R_FS].base, val);
    case MSR_GSBASE:
        return msr_write_canonical(&st->segs[R_GS].base, val);
    case MSR_KERNELGSBASE:
        return msr_write_canonical(&st->kernel_gs_base, val);
    case MSR_TSC_AUX:
        if (val >> 32) {
            return -1;
        }
        st->tsc_aux = val;
        return 0;
    default:
        if (x86_mce_msr(msr)) {
            return x86_mce_write(st, msr, val);
        }
        return msr_write_mtrr(env, msr, val);
    }
}

static void msr_log_unknown(CPUX86TCG *env, const char *op, uint32_t msr,
                            uint64_t val)
{
    if (env->machine) {
        log_mask(&env->machine->log, LOG_UNIMP,
                 "x86: %s of MSR %#x (value %#llx) -> #GP\n", op, msr,
                 (unsigned long long)val);
    }
}

void helper_rdmsr(CPUX86TCG *env)
{
    uint32_t msr = (uint32_t)env->st.regs[R_ECX];
    uint64_t val;

    check_cpl0(env);
    if (x86_msr_read(env, msr, &val) < 0) {
        msr_log_unknown(env, "rdmsr", msr, 0);
        sys_fault(env, EXCP_GP, 0);
    }
    env->st.regs[R_EAX] = (uint32_t)val;
    env->st.regs[R_EDX] = val >> 32;
}

void helper_wrmsr(CPUX86TCG *env)
{
    uint32_t msr = (uint32_t)env->st.regs[R_ECX];
    uint64_t val = (uint32_t)env->st.regs[R_EAX] |
                   ((uint64_t)(uint32_t)env->st.regs[R_EDX] << 32);

    check_cpl0(env);
    if (x86_msr_write(env, msr, val) < 0) {
        msr_log_unknown(env, "wrmsr", msr, val);
        sys_fault(env, EXCP_GP, 0);
    }
}

/* ------------------------------------------------ control registers */

#define CR0_WRITABLE (CR0_PE | CR0_MP | CR0_EM | CR0_TS | CR0_ET | CR0_NE | \
                      CR0_WP | CR0_AM | CR0_NW | CR0_CD | CR0_PG)

int x86_write_cr0(CPUX86TCG *env, uint64_t val)
{
    X86CPUState *st = &env->st;
    uint64_t old = st->cr0;

    if (val >> 32) {
        return -1;
    }
    val = (val & CR0_WRITABLE) | CR0_ET;
    if (((val & CR0_PG) && !(val & CR0_PE)) ||
        ((val & CR0_NW) && !(val & CR0_CD))) {
        return -1;
    }
    if ((val & CR0_PG) && !(old & CR0_PG) && (st->efer & EFER_LME)) {
        if (!(st->cr4 & CR4_PAE) || (st->segs[R_CS].flags & SEG_L)) {
            return -1;
        }
        st->efer |= EFER_LMA;
    }
    if (!(val & CR0_PG) && (old & CR0_PG) && (st->efer & EFER_LMA)) {
        if (env->hflags & HF_CODE64) {
            return -1;
        }
        st->efer &= ~EFER_LMA;
    }
    st->cr0 = val;
    if ((old ^ val) & (CR0_PG | CR0_WP | CR0_PE)) {
        x86_sys_tlb_flush(env);
    }
    x86_update_hflags(env);
    return 0;
}

int x86_write_cr3(CPUX86TCG *env, uint64_t val)
{
    if ((env->st.efer & EFER_LMA) && (val & ~PHYS_MASK)) {
        return -1;
    }
    env->st.cr3 = val;
    x86_sys_tlb_flush_nonglobal(env);
    return 0;
}

int x86_write_cr4(CPUX86TCG *env, uint64_t val)
{
    X86CPUState *st = &env->st;
    uint64_t old = st->cr4;

    if (val & ~x86_cr4_valid_mask()) {
        return -1;
    }
    if ((st->efer & EFER_LMA) && !(val & CR4_PAE)) {
        return -1;
    }
    st->cr4 = val;
    if ((old ^ val) & (CR4_PGE | CR4_PAE | CR4_PSE | CR4_SMEP | CR4_SMAP |
                       CR4_PCIDE)) {
        x86_sys_tlb_flush(env);
    }
    x86_update_hflags(env);
    return 0;
}

static int write_cr8(CPUX86TCG *env, uint64_t val)
{
    APICState *s = sys_apic(env);

    if (val & ~0xfull) {
        return -1;
    }
    env->st.cr8 = val;
    if (s) {
        sys_lock(env);
        apic_set_tpr(s, (uint8_t)val);
        sys_unlock(env);
    }
    return 0;
}

uint64_t helper_read_cr(CPUX86TCG *env, uint32_t reg)
{
    APICState *s;

    check_cpl0(env);
    switch (reg) {
    case 0: return env->st.cr0;
    case 2: return env->st.cr2;
    case 3: return env->st.cr3;
    case 4: return env->st.cr4;
    case 8:
        s = sys_apic(env);
        if (s) {
            sys_lock(env);
            env->st.cr8 = apic_get_tpr(s);
            sys_unlock(env);
        }
        return env->st.cr8;
    default:
        sys_fault(env, EXCP_UD, 0);
    }
}

void helper_write_cr(CPUX86TCG *env, uint32_t reg, uint64_t val)
{
    int r;

    check_cpl0(env);
    switch (reg) {
    case 0: r = x86_write_cr0(env, val); break;
    case 2: env->st.cr2 = val; r = 0; break;
    case 3: r = x86_write_cr3(env, val); break;
    case 4: r = x86_write_cr4(env, val); break;
    case 8: r = write_cr8(env, val); break;
    default:
        sys_fault(env, EXCP_UD, 0);
    }
    if (r < 0) {
        sys_fault(env, EXCP_GP, 0);
    }
}

void helper_clts(CPUX86TCG *env)
{
    check_cpl0(env);
    env->st.cr0 &= ~CR0_TS;
    x86_update_hflags(env);
}

void helper_lmsw(CPUX86TCG *env, uint64_t val)
{
    uint64_t cr0 = env->st.cr0;

    check_cpl0(env);
    /* PE can be set but not cleared; only PE MP EM TS are loaded */
    cr0 = (cr0 & ~(uint64_t)(CR0_MP | CR0_EM | CR0_TS)) |
          (val & (CR0_PE | CR0_MP | CR0_EM | CR0_TS));
    if (x86_write_cr0(env, cr0) < 0) {
        sys_fault(env, EXCP_GP, 0);
    }
}

/* ---------------------------------------------------- debug registers */

/* DR4/DR5 alias DR6/DR7 unless CR4.DE, then #UD. */
static int dr_index(CPUX86TCG *env, uint32_t reg)
{
    if (reg > 7) {
        sys_fault(env, EXCP_UD, 0);
    }
    if (reg == 4 || reg == 5) {
        if (env->st.cr4 & CR4_DE) {
            sys_fault(env, EXCP_UD, 0);
        }
        return (int)reg + 2;
    }
    return (int)reg;
}

uint64_t helper_read_dr(CPUX86TCG *env, uint32_t reg)
{
    int i;

    check_cpl0(env);
    i = dr_index(env, reg);
    x86_debug_check_gd(env);
    return env->st.dr[i];
}

void helper_write_dr(CPUX86TCG *env, uint32_t reg, uint64_t val)
{
    int i;

    check_cpl0(env);
    i = dr_index(env, reg);
    x86_debug_check_gd(env);
    if (i >= 6) {
        if (val >> 32) {
            sys_fault(env, EXCP_GP, 0);
        }
        val = i == 6 ? (val & 0x0000e00full) | 0xffff0ff0ull
                     : (val & 0xffff2bffull) | 0x400;
    } else if (!(env->hflags & HF_LMA)) {
        val = (uint32_t)val;
    }
    env->st.dr[i] = val;
    if (i != 6) {
        x86_debug_dr_written(env);
    }
}

/* ---------------------------------------------------- INVLPG, HLT */

void helper_invlpg(CPUX86TCG *env, uint64_t addr)
{
    check_cpl0(env);
    x86_sys_tlb_flush_page(env, addr);
}

void helper_hlt(CPUX86TCG *env, uint64_t next_rip)
{
    check_cpl0(env);
    env->st.rip = next_rip;
    env->st.halted = true;
    env->hflags &= ~HF_INHIBIT_IRQ;
    env->st.interrupt_shadow = 0;
}

/* ------------------------------------- IF, interrupt shadow, PUSHF/POPF */

static int sys_iopl(const CPUX86TCG *env)
{
    return (int)((env->hflags & HF_IOPL_MASK) >> HF_IOPL_SHIFT);
}

/* CLI/STI/PUSHF/POPF in protected or v86 mode: IOPL rules; #GP(0). */
static void check_if_access(CPUX86TCG *env, bool popf_like)
{
    if (env->hflags & HF_VM) {
        if (sys_iopl(env) != 3) {
            sys_fault(env, EXCP_GP, 0);
        }
    } else if (!popf_like && (env->hflags & HF_PE) &&
               x86_cpl(env) > sys_iopl(env)) {
        sys_fault(env, EXCP_GP, 0);
    }
}

void helper_cli(CPUX86TCG *env)
{
    check_if_access(env, false);
    x86_sys_set_rflags(env, 0, RF_IF);
}

void helper_set_inhibit_irq(CPUX86TCG *env, uint32_t kind)
{
    env->hflags |= HF_INHIBIT_IRQ;
    env->st.interrupt_shadow = (uint8_t)kind;
}

void helper_sti(CPUX86TCG *env)
{
    check_if_access(env, false);
    if (!(env->st.rflags & RF_IF)) {
        x86_sys_set_rflags(env, RF_IF, RF_IF);
        helper_set_inhibit_irq(env, 1);
    }
}

uint64_t helper_pushf(CPUX86TCG *env)
{
    check_if_access(env, true);
    return x86_sys_get_rflags(env) & ~(uint64_t)(RF_VM | RF_RF);
}

void helper_popf(CPUX86TCG *env, uint64_t val, uint32_t opsize)
{
    uint64_t mask = RF_ARITH | RF_TF | RF_DF | RF_NT | RF_AC | RF_ID;
    int cpl = (env->hflags & HF_PE) ? x86_cpl(env) : 0;

    check_if_access(env, true);
    if (cpl <= sys_iopl(env)) {
        mask |= RF_IF;
    }
    if (cpl == 0 && !(env->hflags & HF_VM)) {
        mask |= RF_IOPL;
    }
    if (opsize == 2) {
        mask &= 0xffff;
    }
    x86_sys_set_rflags(env, val, mask);
    x86_sys_set_rflags(env, 0, RF_RF);
    x86_update_hflags(env);
}

/* ---------------------------------------------------------- port I/O */

bool x86_io_allowed(CPUX86TCG *env, uint32_t port, unsigned size)
{
    const SegmentCache *tr = &env->st.tr;
    unsigned type = (tr->flags >> SEG_TYPE_SHIFT) & 0xf;
    uint32_t base, off, bits;

    if (!(env->hflags & HF_PE) ||
        (!(env->hflags & HF_VM) && x86_cpl(env) <= sys_iopl(env))) {
        return true;
    }
    if (!(tr->flags & SEG_P) || (type != 9 && type != 11) || tr->limit < 0x67) {
        return false;
    }
    base = x86_ld16(env, tr->base + 0x66, MMU_KNOSMAP_IDX, 0);
    off = base + (port >> 3);
    if ((uint64_t)off + 1 > tr->limit) {
        return false;
    }
    bits = x86_ld16(env, tr->base + off, MMU_KNOSMAP_IDX, 0);
    return ((bits >> (port & 7)) & ((1u << size) - 1)) == 0;
}

static void check_io(CPUX86TCG *env, uint32_t port, unsigned size)
{
    if (!x86_io_allowed(env, port, size)) {
        sys_fault(env, EXCP_GP, 0);
    }
}

static uint32_t port_in(CPUX86TCG *env, uint32_t port, unsigned size)
{
    uint32_t v;

    if (!env->machine) {
        return 0xffffffffu >> (32 - 8 * size);
    }
    sys_lock(env);
    v = (uint32_t)address_space_ld(&env->machine->io, port & 0xffff, size);
    sys_unlock(env);
    return v;
}

static void port_out(CPUX86TCG *env, uint32_t port, unsigned size,
                     uint32_t val)
{
    if (!env->machine) {
        return;
    }
    sys_lock(env);
    address_space_st(&env->machine->io, port & 0xffff, val, size);
    sys_unlock(env);
}

uint64_t helper_in(CPUX86TCG *env, uint64_t port64, uint32_t size)
{
    uint32_t port = port64 & 0xffff;

    check_io(env, port, size);
    x86_debug_io(env, port, size);
    return port_in(env, port, size);
}

void helper_out(CPUX86TCG *env, uint64_t port64, uint32_t size, uint64_t val)
{
    uint32_t port = port64 & 0xffff;

    check_io(env, port, size);
    x86_debug_io(env, port, size);
    port_out(env, port, size, (uint32_t)val);
}

static uint64_t amask(unsigned asize)
{
    return asize == 2 ? 0xffff : asize == 4 ? 0xffffffffu : ~0ull;
}

static uint64_t str_linear(CPUX86TCG *env, int seg, uint64_t off)
{
    uint64_t base = env->st.segs[seg].base;

    if (env->hflags & HF_CODE64) {
        return (seg == R_FS || seg == R_GS) ? base + off : off;
    }
    return (uint32_t)(base + off);
}

static void reg_step(CPUX86TCG *env, int reg, unsigned asize, int64_t delta)
{
    uint64_t m = amask(asize), v = env->st.regs[reg];

    v = (v & ~m) | ((v + delta) & m);
    if (asize == 4) {
        v = (uint32_t)v;
    }
    env->st.regs[reg] = v;
}

static void mem_store(CPUX86TCG *env, uint64_t a, uint32_t v, unsigned size)
{
    int mmu = x86_mmu_index(env);

    if (size == 1) {
        x86_st8(env, a, (uint8_t)v, mmu, 0);
    } else if (size == 2) {
        x86_st16(env, a, (uint16_t)v, mmu, 0);
    } else {
        x86_st32(env, a, v, mmu, 0);
    }
}

static uint32_t mem_load(CPUX86TCG *env, uint64_t a, unsigned size)
{
    int mmu = x86_mmu_index(env);

    if (size == 1) {
        return x86_ld8(env, a, mmu, 0);
    }
    return size == 2 ? x86_ld16(env, a, mmu, 0) : x86_ld32(env, a, mmu, 0);
}

/*
 * INS/OUTS, REP or not. Each iteration updates rDI/rSI/rCX, so a fault
 * restarts exactly; a long REP returns after X86_SIO_BATCH iterations
 * with RIP still on the instruction (interrupts get their chance).
 */
static void string_io(CPUX86TCG *env, uint32_t desc, uint64_t next_rip,
                      bool out)
{
    unsigned size = X86_SIO_SIZE(desc), asize = X86_SIO_ASIZE(desc);
    bool rep = desc & X86_SIO_REP;
    int64_t step = env->df < 0 ? -(int64_t)size : (int64_t)size;
    uint32_t port = (uint32_t)env->st.regs[R_EDX] & 0xffff;

    for (unsigned n = 0; !rep || n < X86_SIO_BATCH; n++) {
        if (rep && (env->st.regs[R_ECX] & amask(asize)) == 0) {
            break;
        }
        check_io(env, port, size);
        x86_debug_io(env, port, size);
        if (out) {
            uint64_t a = str_linear(env, (int)X86_SIO_SEG(desc),
                                    env->st.regs[R_ESI] & amask(asize));
            port_out(env, port, size, mem_load(env, a, size));
            reg_step(env, R_ESI, asize, step);
        } else {
            uint64_t a = str_linear(env, R_ES, env->st.regs[R_EDI] & amask(asize));
            uint32_t v = port_in(env, port, size);
            mem_store(env, a, v, size);
            reg_step(env, R_EDI, asize, step);
        }
        if (!rep) {
            break;
        }
        reg_step(env, R_ECX, asize, -1);
    }
    if (!rep || (env->st.regs[R_ECX] & amask(asize)) == 0) {
        env->st.rip = next_rip;
    }
}

void helper_ins(CPUX86TCG *env, uint32_t desc, uint64_t next_rip)
{
    string_io(env, desc, next_rip, false);
}

void helper_outs(CPUX86TCG *env, uint32_t desc, uint64_t next_rip)
{
    string_io(env, desc, next_rip, true);
}

/* ------------------------------------------- fast system calls */

#define FLAT_LIMIT 0xffffffffu
#define CODE_FLAGS (SEG_P | SEG_S | SEG_CODE | SEG_R | SEG_A | SEG_G)
#define DATA_FLAGS (SEG_P | SEG_S | SEG_W | SEG_A | SEG_G | SEG_DB)

static void load_flat(CPUX86TCG *env, int seg, uint16_t sel, uint32_t flags,
                      int dpl)
{
    x86_seg_set(&env->st.segs[seg], sel, 0, FLAT_LIMIT,
                flags | ((uint32_t)dpl << SEG_DPL_SHIFT));
}

void helper_syscall(CPUX86TCG *env, uint64_t next_rip)
{
    uint16_t sel = (uint16_t)(env->st.star >> 32) & 0xfffc;
    uint64_t rflags;

    if (!(env->st.efer & EFER_SCE) || !(env->hflags & HF_CODE64)) {
        sys_fault(env, EXCP_UD, 0);
    }
    rflags = x86_sys_get_rflags(env);
    env->st.regs[R_ECX] = next_rip;
    env->st.regs[R_R11] = rflags & ~(uint64_t)RF_RF;
    load_flat(env, R_CS, sel, CODE_FLAGS | SEG_L, 0);
    load_flat(env, R_SS, (uint16_t)(sel + 8), DATA_FLAGS, 0);
    x86_sys_set_rflags(env, 0, (env->st.fmask & 0xffffffffu) | RF_RF);
    env->st.rip = env->st.lstar;
    x86_update_hflags(env);
}

void helper_sysret(CPUX86TCG *env, uint32_t opsize)
{
    uint16_t sel = (uint16_t)(env->st.star >> 48);
    uint64_t rip = env->st.regs[R_ECX];

    if (!(env->st.efer & EFER_SCE) || !(env->hflags & HF_CODE64)) {
        sys_fault(env, EXCP_UD, 0);
    }
    check_cpl0(env);
    if (opsize == 8) {
        if (!x86_is_canonical(rip)) {
            sys_fault(env, EXCP_GP, 0);
        }
        load_flat(env, R_CS, (uint16_t)((sel + 16) | 3), CODE_FLAGS | SEG_L, 3);
    } else {
        rip = (uint32_t)rip;
        load_flat(env, R_CS, sel | 3, CODE_FLAGS | SEG_DB, 3);
    }
    load_flat(env, R_SS, (uint16_t)((sel + 8) | 3), DATA_FLAGS, 3);
    x86_sys_set_rflags(env, env->st.regs[R_R11] | RF_FIXED,
                       0x3c7fd7ull & ~(uint64_t)(RF_VM | RF_RF));
    x86_sys_set_rflags(env, 0, RF_RF | RF_VM);
    env->st.rip = rip;
    x86_update_hflags(env);
}

void helper_sysenter(CPUX86TCG *env)
{
    uint16_t cs = (uint16_t)env->st.sysenter_cs & 0xfffc;
    bool lm = env->st.efer & EFER_LMA;

    if (!(env->hflags & HF_PE) || cs == 0) {
        sys_fault(env, EXCP_GP, 0);
    }
    x86_sys_set_rflags(env, 0, RF_VM | RF_IF | RF_RF);
    load_flat(env, R_CS, cs, CODE_FLAGS | (lm ? SEG_L : SEG_DB), 0);
    load_flat(env, R_SS, (uint16_t)(cs + 8), DATA_FLAGS, 0);
    env->st.regs[R_ESP] = lm ? env->st.sysenter_esp
                             : (uint32_t)env->st.sysenter_esp;
    env->st.rip = lm ? env->st.sysenter_eip : (uint32_t)env->st.sysenter_eip;
    x86_update_hflags(env);
}

void helper_sysexit(CPUX86TCG *env, uint32_t opsize)
{
    uint16_t cs = (uint16_t)env->st.sysenter_cs & 0xfffc;
    uint64_t rip = env->st.regs[R_EDX], rsp = env->st.regs[R_ECX];

    if (!(env->hflags & HF_PE) || (env->hflags & HF_VM) || cs == 0) {
        sys_fault(env, EXCP_GP, 0);
    }
    check_cpl0(env);
    if (opsize == 8) {
        if (!x86_is_canonical(rip) || !x86_is_canonical(rsp)) {
            sys_fault(env, EXCP_GP, 0);
        }
        load_flat(env, R_CS, (uint16_t)((cs + 32) | 3), CODE_FLAGS | SEG_L, 3);
        load_flat(env, R_SS, (uint16_t)((cs + 40) | 3), DATA_FLAGS, 3);
    } else {
        rip = (uint32_t)rip;
        rsp = (uint32_t)rsp;
        load_flat(env, R_CS, (uint16_t)((cs + 16) | 3), CODE_FLAGS | SEG_DB, 3);
        load_flat(env, R_SS, (uint16_t)((cs + 24) | 3), DATA_FLAGS, 3);
    }
    env->st.regs[R_ESP] = rsp;
    env->st.rip = rip;
    x86_update_hflags(env);
}

void helper_swapgs(CPUX86TCG *env)
{
    uint64_t t = env->st.segs[R_GS].base;

    if (!(env->hflags & HF_CODE64)) {
        sys_fault(env, EXCP_UD, 0);
    }
    check_cpl0(env);
    env->st.segs[R_GS].base = env->st.kernel_gs_base;
    env->st.kernel_gs_base = t;
}

/* ----------------------------------------- descriptor table registers */

void helper_load_dt(CPUX86TCG *env, uint32_t which, uint64_t addr,
                    uint32_t opsize)
{
    int mmu = x86_mmu_index(env);
    DescTable *dt = which == X86_DT_IDT ? &env->st.idt : &env->st.gdt;
    uint16_t limit;
    uint64_t base;

    check_cpl0(env);
    limit = x86_ld16(env, addr, mmu, 0);
    if (env->hflags & HF_CODE64) {
        base = x86_ld64(env, addr + 2, mmu, 0);
        if (!x86_is_canonical(base)) {
            sys_fault(env, EXCP_GP, 0);
        }
    } else {
        base = x86_ld32(env, (uint32_t)(addr + 2), mmu, 0);
        if (opsize == 2) {
            base &= 0xffffff;
        }
    }
    dt->limit = limit;
    dt->base = base;
}

void helper_store_dt(CPUX86TCG *env, uint32_t which, uint64_t addr)
{
    int mmu = x86_mmu_index(env);
    const DescTable *dt = which == X86_DT_IDT ? &env->st.idt : &env->st.gdt;

    if ((env->st.cr4 & CR4_UMIP) && x86_cpl(env) > 0) {
        sys_fault(env, EXCP_GP, 0);
    }
    x86_st16(env, addr, dt->limit, mmu, 0);
    if (env->hflags & HF_CODE64) {
        x86_st64(env, addr + 2, dt->base, mmu, 0);
    } else {
        x86_st32(env, (uint32_t)(addr + 2), (uint32_t)dt->base, mmu, 0);
    }
}
