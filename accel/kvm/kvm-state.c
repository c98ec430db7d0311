/*
 * Transfer of the architectural state (cpu/x86/cpu.h X86CPUState) to and
 * from a KVM vCPU: KVM_GET/SET_REGS, SREGS, XSAVE (or FPU), XCRS, MSRS,
 * DEBUGREGS, VCPU_EVENTS and MP_STATE (Linux KVM API). The x87/SSE part
 * uses the FXSAVE image layout (Intel SDM Vol. 1 §10.5.1, table 10-2, the
 * 64-bit form) that both KVM_GET_XSAVE's legacy area and struct kvm_fpu
 * follow.
 *
 * What cannot round-trip, and why:
 *  - fcs/fds: KVM's images use the 64-bit FXSAVE form, which has no FPU CS
 *    and DS; get_state sets both to 0.
 *  - ftw: KVM keeps the abridged tag (valid/empty per register); get_state
 *    rebuilds the full tag word from the register contents, so a tag word
 *    that disagrees with its registers comes back corrected.
 *  - attributes of non-present segments are dropped by VMX; SVM hosts
 *    report G from the limit and force TR busy and DS/ES/FS/GS accessed.
 *  - the TSC keeps running between get and set.
 *  - env.halted is KVM's MP state only with the in-kernel irqchip.
 */
#include "accel/kvm/kvm-int.h"
#include "cpu/x86/mce.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- MSRs held in X86CPUState ---- */

typedef struct KvmMsrField {
    uint32_t index;
    size_t off;
} KvmMsrField;

#define MSR_FIELD(idx, field) { (idx), offsetof(X86CPUState, field) }
/* In write order: the TSC before its deadline. */
static const KvmMsrField kvm_msr_fields[] = {
    MSR_FIELD(MSR_IA32_SYSENTER_CS, sysenter_cs),
    MSR_FIELD(MSR_IA32_SYSENTER_ESP, sysenter_esp),
    MSR_FIELD(MSR_IA32_SYSENTER_EIP, sysenter_eip),
    MSR_FIELD(MSR_STAR, star),
    MSR_FIELD(MSR_LSTAR, lstar),
    MSR_FIELD(MSR_CSTAR, cstar),
    MSR_FIELD(MSR_FMASK, fmask),
    MSR_FIELD(MSR_KERNELGSBASE, kernel_gs_base),
    MSR_FIELD(MSR_IA32_TSC, tsc),
    MSR_FIELD(MSR_IA32_TSC_ADJUST, tsc_adjust),
    MSR_FIELD(MSR_TSC_AUX, tsc_aux),
    MSR_FIELD(MSR_IA32_TSC_DEADLINE, tsc_deadline),
    MSR_FIELD(MSR_IA32_PAT, pat),
    MSR_FIELD(MSR_IA32_MISC_ENABLE, misc_enable),
    MSR_FIELD(MSR_IA32_SPEC_CTRL, spec_ctrl),
    MSR_FIELD(MSR_MTRRdefType, mtrr_deftype),
    MSR_FIELD(MSR_MTRRfix64K_00000, mtrr_fixed[0]),
    MSR_FIELD(MSR_MTRRfix16K_80000, mtrr_fixed[1]),
    MSR_FIELD(MSR_MTRRfix16K_A0000, mtrr_fixed[2]),
    MSR_FIELD(MSR_MTRRfix4K_C0000 + 0, mtrr_fixed[3]),
    MSR_FIELD(MSR_MTRRfix4K_C0000 + 1, mtrr_fixed[4]),
    MSR_FIELD(MSR_MTRRfix4K_C0000 + 2, mtrr_fixed[5]),
    MSR_FIELD(MSR_MTRRfix4K_C0000 + 3, mtrr_fixed[6]),
    MSR_FIELD(MSR_MTRRfix4K_C0000 + 4, mtrr_fixed[7]),
    MSR_FIELD(MSR_MTRRfix4K_C0000 + 5, mtrr_fixed[8]),
    MSR_FIELD(MSR_MTRRfix4K_C0000 + 6, mtrr_fixed[9]),
    MSR_FIELD(MSR_MTRRfix4K_F8000, mtrr_fixed[10]),
#define MTRR_VAR(n) MSR_FIELD(MSR_MTRRphysBase(n), mtrr_var_base[n]), \
                    MSR_FIELD(MSR_MTRRphysMask(n), mtrr_var_mask[n])
    MTRR_VAR(0), MTRR_VAR(1), MTRR_VAR(2), MTRR_VAR(3),
    MTRR_VAR(4), MTRR_VAR(5), MTRR_VAR(6), MTRR_VAR(7),
#undef MTRR_VAR
    /* machine check (cpu/x86/mce.h; the vCPU is set up with MCG_CAP_VALUE) */
    MSR_FIELD(MSR_IA32_MCG_STATUS, mcg_status),
    MSR_FIELD(MSR_IA32_MCG_CTL, mcg_ctl),
#define MCE_BANK(n) MSR_FIELD(MSR_IA32_MC0_CTL + 4 * (n), mce_banks[4 * (n)]), \
    MSR_FIELD(MSR_IA32_MC0_CTL + 4 * (n) + 1, mce_banks[4 * (n) + 1]),           \
    MSR_FIELD(MSR_IA32_MC0_CTL + 4 * (n) + 2, mce_banks[4 * (n) + 2]),           \
    MSR_FIELD(MSR_IA32_MC0_CTL + 4 * (n) + 3, mce_banks[4 * (n) + 3])
    MCE_BANK(0), MCE_BANK(1), MCE_BANK(2), MCE_BANK(3), MCE_BANK(4),
    MCE_BANK(5), MCE_BANK(6), MCE_BANK(7), MCE_BANK(8), MCE_BANK(9),
#undef MCE_BANK
};
_Static_assert(MCE_BANKS == 10, "list every machine-check bank above");
#undef MSR_FIELD

typedef struct KvmMsrBuf {
    struct kvm_msrs hdr;
    struct kvm_msr_entry e[KVM_MAX_MSRS];
} KvmMsrBuf;

static uint64_t *kvm_msr_slot(X86CPUState *env, uint32_t index)
{
    for (size_t i = 0; i < ARRAY_SIZE(kvm_msr_fields); i++) {
        if (kvm_msr_fields[i].index == index) {
            return (uint64_t *)((char *)env + kvm_msr_fields[i].off);
        }
    }
    return NULL;
}

/* Keeps the MSRs this host's KVM lets us read (some need CPUID or a LAPIC). */
int kvm_state_probe_msrs(VCPU *cpu)
{
    KvmVcpu *v = cpu->accel;
    KvmMsrBuf b;

    v->nmsrs = 0;
    for (size_t i = 0; i < ARRAY_SIZE(kvm_msr_fields); i++) {
        memset(&b, 0, sizeof(b));
        b.hdr.nmsrs = 1;
        b.e[0].index = kvm_msr_fields[i].index;
        if (kvm_ioctl(v->fd, KVM_GET_MSRS, &b) == 1 &&
            v->nmsrs < KVM_MAX_MSRS) {
            v->msrs[v->nmsrs++] = kvm_msr_fields[i].index;
        } else {
            log_mask(&cpu->machine->log, LOG_KVM,
                     "kvm: MSR 0x%x not available\n", kvm_msr_fields[i].index);
        }
    }
    return v->nmsrs;
}

static int kvm_get_msrs(VCPU *cpu)
{
    KvmVcpu *v = cpu->accel;
    KvmMsrBuf b;
    int ret;

    memset(&b, 0, sizeof(b));
    b.hdr.nmsrs = v->nmsrs;
    for (int i = 0; i < v->nmsrs; i++) {
        b.e[i].index = v->msrs[i];
    }
    ret = kvm_ioctl(v->fd, KVM_GET_MSRS, &b);
    if (ret < 0) {
        return ret;
    }
    for (int i = 0; i < ret && i < v->nmsrs; i++) {
        uint64_t *p = kvm_msr_slot(&cpu->env, b.e[i].index);
        if (p) {
            *p = b.e[i].data;
        }
    }
    return ret == v->nmsrs ? 0 : -EIO;
}

/* KVM_SET_MSRS stops at the first refused MSR; report it and go on. */
static int kvm_set_msrs(VCPU *cpu)
{
    KvmVcpu *v = cpu->accel;
    int start = 0;

    while (start < v->nmsrs) {
        KvmMsrBuf b;
        int n = v->nmsrs - start, ret;

        memset(&b, 0, sizeof(b));
        b.hdr.nmsrs = n;
        for (int i = 0; i < n; i++) {
            b.e[i].index = v->msrs[start + i];
            b.e[i].data = *kvm_msr_slot(&cpu->env, v->msrs[start + i]);
        }
        ret = kvm_ioctl(v->fd, KVM_SET_MSRS, &b);
        if (ret < 0) {
            return ret;
        }
        if (ret < n) {
            log_mask(&cpu->machine->log, LOG_KVM,
                     "kvm: MSR 0x%x = 0x%llx refused\n", b.e[ret].index,
                     (unsigned long long)b.e[ret].data);
        }
        start += ret + 1;
    }
    return 0;
}

/* Says once if KVM's TSC is not the one the state gave it. */
static void kvm_check_tsc(VCPU *cpu)
{
    static atomic_bool warned;
    KvmVcpu *v = cpu->accel;
    KvmMsrBuf b;
    uint64_t want = cpu->env.tsc, got;

    memset(&b, 0, sizeof(b));
    b.hdr.nmsrs = 1;
    b.e[0].index = MSR_IA32_TSC;
    if (kvm_ioctl(v->fd, KVM_GET_MSRS, &b) != 1) {
        return;
    }
    got = b.e[0].data;
    if ((got > want ? got - want : want - got) > 1000000000ull &&
        !atomic_exchange(&warned, true)) {
        error_report("kvm: this host's KVM did not take the guest's TSC "
                     "(0x%llx asked, 0x%llx read back): the guest sees its "
                     "TSC jump", (unsigned long long)want,
                     (unsigned long long)got);
    }
}

/*
 * A host-initiated write of IA32_TSC may be taken by KVM as an attempt to
 * synchronize vCPUs and keep the old offset; where KVM has the vCPU's
 * TSC offset attribute (Linux 5.16), the offset is set from the TSC the
 * state holds (no TSC scaling: the guest counts at the host's rate).
 */
static int kvm_set_tsc_offset(VCPU *cpu)
{
#ifdef KVM_VCPU_TSC_OFFSET
    KvmVcpu *v = cpu->accel;
    uint64_t offset;
    struct kvm_device_attr a = {
        .group = KVM_VCPU_TSC_CTRL, .attr = KVM_VCPU_TSC_OFFSET,
        .addr = (uint64_t)(uintptr_t)&offset,
    };
    uint32_t lo, hi;

    if (!cpu->env.tsc) {
        return 0;
    }
    if (kvm_ioctl(v->fd, KVM_HAS_DEVICE_ATTR, &a) < 0) {
        log_mask(&cpu->machine->log, LOG_KVM, "kvm: no TSC offset attribute; "
                 "the TSC may not follow the state\n");
        return 0;
    }
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    offset = cpu->env.tsc - (lo | ((uint64_t)hi << 32));
    if (kvm_ioctl(v->fd, KVM_SET_DEVICE_ATTR, &a) < 0) {
        log_mask(&cpu->machine->log, LOG_KVM, "kvm: cannot set the TSC "
                 "offset\n");
    }
#endif
    kvm_check_tsc(cpu);
    return 0;
}

static int kvm_set_msrs_tsc(VCPU *cpu)
{
    int ret = kvm_set_msrs(cpu);

    return ret < 0 ? ret : kvm_set_tsc_offset(cpu);
}

/* ---- general-purpose registers ---- */

static int kvm_get_regs(VCPU *cpu)
{
    KvmVcpu *v = cpu->accel;
    X86CPUState *env = &cpu->env;
    struct kvm_regs r;
    int ret = kvm_ioctl(v->fd, KVM_GET_REGS, &r);

    if (ret < 0) {
        return ret;
    }
    env->regs[R_EAX] = r.rax;
    env->regs[R_ECX] = r.rcx;
    env->regs[R_EDX] = r.rdx;
    env->regs[R_EBX] = r.rbx;
    env->regs[R_ESP] = r.rsp;
    env->regs[R_EBP] = r.rbp;
    env->regs[R_ESI] = r.rsi;
    env->regs[R_EDI] = r.rdi;
    env->regs[R_R8] = r.r8;
    env->regs[R_R9] = r.r9;
    env->regs[R_R10] = r.r10;
    env->regs[R_R11] = r.r11;
    env->regs[R_R12] = r.r12;
    env->regs[R_R13] = r.r13;
    env->regs[R_R14] = r.r14;
    env->regs[R_R15] = r.r15;
    env->rip = r.rip;
    env->rflags = r.rflags;
    return 0;
}

static int kvm_set_regs(VCPU *cpu)
{
    KvmVcpu *v = cpu->accel;
    const X86CPUState *env = &cpu->env;
    struct kvm_regs r = {
        .rax = env->regs[R_EAX], .rcx = env->regs[R_ECX],
        .rdx = env->regs[R_EDX], .rbx = env->regs[R_EBX],
        .rsp = env->regs[R_ESP], .rbp = env->regs[R_EBP],
        .rsi = env->regs[R_ESI], .rdi = env->regs[R_EDI],
        .r8 = env->regs[R_R8], .r9 = env->regs[R_R9],
        .r10 = env->regs[R_R10], .r11 = env->regs[R_R11],
        .r12 = env->regs[R_R12], .r13 = env->regs[R_R13],
        .r14 = env->regs[R_R14], .r15 = env->regs[R_R15],
        .rip = env->rip, .rflags = env->rflags,
    };
    return kvm_ioctl(v->fd, KVM_SET_REGS, &r);
}

/* ---- segments, descriptor tables, control registers ---- */

static void kvm_seg_to_kvm(const SegmentCache *sc, struct kvm_segment *k)
{
    uint32_t f = sc->flags;

    memset(k, 0, sizeof(*k));
    k->base = sc->base;
    k->limit = sc->limit;
    k->selector = sc->selector;
    k->type = (f & SEG_TYPE_MASK) >> SEG_TYPE_SHIFT;
    k->s = !!(f & SEG_S);
    k->dpl = (f & SEG_DPL_MASK) >> SEG_DPL_SHIFT;
    k->present = !!(f & SEG_P);
    k->avl = !!(f & SEG_AVL);
    k->l = !!(f & SEG_L);
    k->db = !!(f & SEG_DB);
    k->g = !!(f & SEG_G);
    k->unusable = !k->present;
}

static void kvm_seg_from_kvm(const struct kvm_segment *k, SegmentCache *sc)
{
    sc->base = k->base;
    sc->limit = k->limit;
    sc->selector = k->selector;
    sc->flags = ((uint32_t)k->type << SEG_TYPE_SHIFT) |
                (k->s ? SEG_S : 0) |
                ((uint32_t)k->dpl << SEG_DPL_SHIFT) |
                (k->present && !k->unusable ? SEG_P : 0) |
                (k->avl ? SEG_AVL : 0) | (k->l ? SEG_L : 0) |
                (k->db ? SEG_DB : 0) | (k->g ? SEG_G : 0);
}

static int kvm_get_sregs(VCPU *cpu)
{
    KvmVcpu *v = cpu->accel;
    X86CPUState *env = &cpu->env;
    struct kvm_sregs s;
    int ret = kvm_ioctl(v->fd, KVM_GET_SREGS, &s);

    if (ret < 0) {
        return ret;
    }
    kvm_seg_from_kvm(&s.es, &env->segs[R_ES]);
    kvm_seg_from_kvm(&s.cs, &env->segs[R_CS]);
    kvm_seg_from_kvm(&s.ss, &env->segs[R_SS]);
    kvm_seg_from_kvm(&s.ds, &env->segs[R_DS]);
    kvm_seg_from_kvm(&s.fs, &env->segs[R_FS]);
    kvm_seg_from_kvm(&s.gs, &env->segs[R_GS]);
    kvm_seg_from_kvm(&s.ldt, &env->ldt);
    kvm_seg_from_kvm(&s.tr, &env->tr);
    env->gdt.base = s.gdt.base;
    env->gdt.limit = s.gdt.limit;
    env->idt.base = s.idt.base;
    env->idt.limit = s.idt.limit;
    env->cr0 = s.cr0;
    env->cr2 = s.cr2;
    env->cr3 = s.cr3;
    env->cr4 = s.cr4;
    env->cr8 = s.cr8;
    env->efer = s.efer;
    env->apic_base = s.apic_base;
    return 0;
}

static int kvm_set_sregs(VCPU *cpu)
{
    KvmVcpu *v = cpu->accel;
    const X86CPUState *env = &cpu->env;
    struct kvm_sregs s;

    memset(&s, 0, sizeof(s));   /* no interrupt in interrupt_bitmap */
    kvm_seg_to_kvm(&env->segs[R_ES], &s.es);
    kvm_seg_to_kvm(&env->segs[R_CS], &s.cs);
    kvm_seg_to_kvm(&env->segs[R_SS], &s.ss);
    kvm_seg_to_kvm(&env->segs[R_DS], &s.ds);
    kvm_seg_to_kvm(&env->segs[R_FS], &s.fs);
    kvm_seg_to_kvm(&env->segs[R_GS], &s.gs);
    kvm_seg_to_kvm(&env->ldt, &s.ldt);
    kvm_seg_to_kvm(&env->tr, &s.tr);
    s.gdt.base = env->gdt.base;
    s.gdt.limit = env->gdt.limit;
    s.idt.base = env->idt.base;
    s.idt.limit = env->idt.limit;
    s.cr0 = env->cr0;
    s.cr2 = env->cr2;
    s.cr3 = env->cr3;
    s.cr4 = env->cr4;
    s.cr8 = env->cr8;
    s.efer = env->efer;
    s.apic_base = env->apic_base;
    return kvm_ioctl(v->fd, KVM_SET_SREGS, &s);
}

/* ---- x87 / SSE through the FXSAVE image ---- */

enum {
    FX_FCW = 0, FX_FSW = 2, FX_FTW = 4, FX_FOP = 6, FX_FIP = 8, FX_FDP = 16,
    FX_MXCSR = 24, FX_ST = 32, FX_XMM = 160, FX_SIZE = 512,
    XS_XSTATE_BV = 512,
};
#define XSTATE_X87 1u
#define XSTATE_SSE 2u

/* The two-bit tag of one physical register from its contents (SDM §8.1.7). */
static unsigned kvm_fp_tag(const FloatX80 *r)
{
    unsigned exp = r->exp & 0x7fff;

    if (exp == 0x7fff) {
        return 2;
    }
    if (exp == 0) {
        return r->mant ? 2 : 1;
    }
    return (r->mant >> 63) ? 0 : 2;
}

static void kvm_fx_to_env(const uint8_t *fx, X86CPUState *env)
{
    unsigned top, abridged = fx[FX_FTW];

    env->fcw = ld16le(fx + FX_FCW);
    env->fsw = ld16le(fx + FX_FSW);
    env->fop = ld16le(fx + FX_FOP);
    env->fip = ld64le(fx + FX_FIP);
    env->fdp = ld64le(fx + FX_FDP);
    env->fcs = env->fds = 0;
    env->mxcsr = ld32le(fx + FX_MXCSR);
    top = (env->fsw >> 11) & 7;
    for (unsigned i = 0; i < 8; i++) {
        FloatX80 *r = &env->fpregs[(top + i) & 7];
        r->mant = ld64le(fx + FX_ST + 16 * i);
        r->exp = ld16le(fx + FX_ST + 16 * i + 8);
    }
    env->ftw = 0;
    for (unsigned i = 0; i < 8; i++) {
        unsigned tag = (abridged >> i) & 1 ? kvm_fp_tag(&env->fpregs[i]) : 3;
        env->ftw |= tag << (2 * i);
    }
    for (unsigned i = 0; i < 16; i++) {
        memcpy(env->xmm[i].b, fx + FX_XMM + 16 * i, 16);
    }
}

/* Fills the x87/SSE fields of an FXSAVE image; other bytes are kept. */
static void kvm_fx_from_env(const X86CPUState *env, uint8_t *fx)
{
    unsigned top = (env->fsw >> 11) & 7;
    uint8_t abridged = 0;

    for (unsigned i = 0; i < 8; i++) {
        if (((env->ftw >> (2 * i)) & 3) != 3) {
            abridged |= 1u << i;
        }
    }
    st16le(fx + FX_FCW, env->fcw);
    st16le(fx + FX_FSW, env->fsw);
    fx[FX_FTW] = abridged;
    fx[FX_FTW + 1] = 0;
    st16le(fx + FX_FOP, env->fop);
    st64le(fx + FX_FIP, env->fip);
    st64le(fx + FX_FDP, env->fdp);
    st32le(fx + FX_MXCSR, env->mxcsr);
    for (unsigned i = 0; i < 8; i++) {
        const FloatX80 *r = &env->fpregs[(top + i) & 7];
        memset(fx + FX_ST + 16 * i, 0, 16);
        st64le(fx + FX_ST + 16 * i, r->mant);
        st16le(fx + FX_ST + 16 * i + 8, r->exp);
    }
    for (unsigned i = 0; i < 16; i++) {
        memcpy(fx + FX_XMM + 16 * i, env->xmm[i].b, 16);
    }
}

/* Components absent from XSTATE_BV are in their initial state (SDM §13.6). */
static void kvm_fx_apply_init(uint8_t *fx, uint64_t xstate_bv)
{
    if (!(xstate_bv & XSTATE_X87)) {
        memset(fx + FX_FCW, 0, FX_MXCSR - FX_FCW);
        st16le(fx + FX_FCW, 0x37f);
        memset(fx + FX_ST, 0, FX_XMM - FX_ST);
    }
    if (!(xstate_bv & XSTATE_SSE)) {
        memset(fx + FX_XMM, 0, 16 * 16);
    }
}

static void kvm_fpu_to_fx(const struct kvm_fpu *f, uint8_t *fx)
{
    memset(fx, 0, FX_SIZE);
    st16le(fx + FX_FCW, f->fcw);
    st16le(fx + FX_FSW, f->fsw);
    fx[FX_FTW] = f->ftwx;
    st16le(fx + FX_FOP, f->last_opcode);
    st64le(fx + FX_FIP, f->last_ip);
    st64le(fx + FX_FDP, f->last_dp);
    st32le(fx + FX_MXCSR, f->mxcsr);
    memcpy(fx + FX_ST, f->fpr, sizeof(f->fpr));
    memcpy(fx + FX_XMM, f->xmm, sizeof(f->xmm));
}

static void kvm_fx_to_fpu(const uint8_t *fx, struct kvm_fpu *f)
{
    memset(f, 0, sizeof(*f));
    f->fcw = ld16le(fx + FX_FCW);
    f->fsw = ld16le(fx + FX_FSW);
    f->ftwx = fx[FX_FTW];
    f->last_opcode = ld16le(fx + FX_FOP);
    f->last_ip = ld64le(fx + FX_FIP);
    f->last_dp = ld64le(fx + FX_FDP);
    f->mxcsr = ld32le(fx + FX_MXCSR);
    memcpy(f->fpr, fx + FX_ST, sizeof(f->fpr));
    memcpy(f->xmm, fx + FX_XMM, sizeof(f->xmm));
}

static int kvm_read_xsave(KvmVcpu *v)
{
    unsigned long req = KVM_GET_XSAVE;
#ifdef KVM_GET_XSAVE2
    if (v->s->xsave_size > (int)sizeof(struct kvm_xsave)) {
        req = KVM_GET_XSAVE2;
    }
#endif
    return kvm_ioctl(v->fd, req, v->xsave);
}

static int kvm_get_fpu(VCPU *cpu)
{
    KvmVcpu *v = cpu->accel;
    uint8_t fx[FX_SIZE];
    int ret;

    if (v->s->cap_xsave) {
        ret = kvm_read_xsave(v);
        if (ret < 0) {
            return ret;
        }
        memcpy(fx, v->xsave, FX_SIZE);
        kvm_fx_apply_init(fx, ld64le((uint8_t *)v->xsave + XS_XSTATE_BV));
    } else {
        struct kvm_fpu f;
        ret = kvm_ioctl(v->fd, KVM_GET_FPU, &f);
        if (ret < 0) {
            return ret;
        }
        kvm_fpu_to_fx(&f, fx);
    }
    kvm_fx_to_env(fx, &cpu->env);
    return 0;
}

static int kvm_set_fpu(VCPU *cpu)
{
    KvmVcpu *v = cpu->accel;
    uint8_t *xs = v->xsave;
    uint64_t bv;
    int ret;

    if (!v->s->cap_xsave) {
        uint8_t fx[FX_SIZE] = { 0 };
        struct kvm_fpu f;
        kvm_fx_from_env(&cpu->env, fx);
        kvm_fx_to_fpu(fx, &f);
        return kvm_ioctl(v->fd, KVM_SET_FPU, &f);
    }
    /* Start from KVM's image so state Kite does not model (AVX) survives. */
    ret = kvm_read_xsave(v);
    if (ret < 0) {
        return ret;
    }
    kvm_fx_from_env(&cpu->env, xs);
    bv = ld64le(xs + XS_XSTATE_BV);
    bv = (bv | XSTATE_X87 | XSTATE_SSE) & (cpu->env.xcr0 | XSTATE_X87 | XSTATE_SSE);
    st64le(xs + XS_XSTATE_BV, bv);
    return kvm_ioctl(v->fd, KVM_SET_XSAVE, xs);
}

/* ---- XCR0, debug registers ---- */

static int kvm_get_xcrs(VCPU *cpu)
{
    KvmVcpu *v = cpu->accel;
    struct kvm_xcrs x;
    int ret;

    if (!v->s->cap_xcrs) {
        return 0;
    }
    ret = kvm_ioctl(v->fd, KVM_GET_XCRS, &x);
    if (ret < 0) {
        return ret;
    }
    for (uint32_t i = 0; i < x.nr_xcrs && i < ARRAY_SIZE(x.xcrs); i++) {
        if (x.xcrs[i].xcr == 0) {
            cpu->env.xcr0 = x.xcrs[i].value;
        }
    }
    return 0;
}

static int kvm_set_xcrs(VCPU *cpu)
{
    KvmVcpu *v = cpu->accel;
    struct kvm_xcrs x;

    if (!v->s->cap_xcrs) {
        return 0;
    }
    memset(&x, 0, sizeof(x));
    x.nr_xcrs = 1;
    x.xcrs[0].xcr = 0;
    x.xcrs[0].value = cpu->env.xcr0;
    return kvm_ioctl(v->fd, KVM_SET_XCRS, &x);
}

static int kvm_get_debugregs(VCPU *cpu)
{
    KvmVcpu *v = cpu->accel;
    struct kvm_debugregs d;
    int ret;

    if (!v->s->cap_debugregs) {
        return 0;
    }
    ret = kvm_ioctl(v->fd, KVM_GET_DEBUGREGS, &d);
    if (ret < 0) {
        return ret;
    }
    for (int i = 0; i < 4; i++) {
        cpu->env.dr[i] = d.db[i];
    }
    cpu->env.dr[6] = d.dr6;
    cpu->env.dr[7] = d.dr7;
    return 0;
}

static int kvm_set_debugregs(VCPU *cpu)
{
    KvmVcpu *v = cpu->accel;
    struct kvm_debugregs d;

    if (!v->s->cap_debugregs) {
        return 0;
    }
    memset(&d, 0, sizeof(d));
    for (int i = 0; i < 4; i++) {
        d.db[i] = cpu->env.dr[i];
    }
    d.dr6 = cpu->env.dr[6];
    d.dr7 = cpu->env.dr[7];
    return kvm_ioctl(v->fd, KVM_SET_DEBUGREGS, &d);
}

/* ---- pending events ---- */

static int kvm_get_events(VCPU *cpu)
{
    KvmVcpu *v = cpu->accel;
    X86CPUState *env = &cpu->env;
    struct kvm_vcpu_events e;
    int ret;

    if (!v->s->cap_vcpu_events) {
        return 0;
    }
    ret = kvm_ioctl(v->fd, KVM_GET_VCPU_EVENTS, &e);
    if (ret < 0) {
        return ret;
    }
    env->exception_vector = e.exception.injected || e.exception.pending ?
                            e.exception.nr : -1;
    env->exception_has_error_code = e.exception.has_error_code;
    env->exception_error_code = e.exception.error_code;
    env->interrupt_vector = e.interrupt.injected ? e.interrupt.nr : -1;
    env->interrupt_shadow = 0;
    if (e.interrupt.shadow & KVM_X86_SHADOW_INT_STI) {
        env->interrupt_shadow = 1;
    } else if (e.interrupt.shadow & KVM_X86_SHADOW_INT_MOV_SS) {
        env->interrupt_shadow = 2;
    }
    env->nmi_pending = e.nmi.pending || e.nmi.injected;
    env->nmi_masked = e.nmi.masked;
    return 0;
}

static int kvm_set_events(VCPU *cpu)
{
    KvmVcpu *v = cpu->accel;
    const X86CPUState *env = &cpu->env;
    struct kvm_vcpu_events e;

    if (!v->s->cap_vcpu_events) {
        return 0;
    }
    memset(&e, 0, sizeof(e));
    if (env->exception_vector >= 0 && env->exception_vector < 32) {
        e.exception.injected = 1;
        e.exception.nr = (uint8_t)env->exception_vector;
        e.exception.has_error_code = env->exception_has_error_code;
        e.exception.error_code = env->exception_error_code;
    }
    if (env->interrupt_vector >= 0 && env->interrupt_vector < 256) {
        e.interrupt.injected = 1;
        e.interrupt.nr = (uint8_t)env->interrupt_vector;
    }
    e.interrupt.shadow = env->interrupt_shadow == 1 ? KVM_X86_SHADOW_INT_STI :
                         env->interrupt_shadow == 2 ? KVM_X86_SHADOW_INT_MOV_SS : 0;
    e.nmi.pending = env->nmi_pending;
    e.nmi.masked = env->nmi_masked;
    e.flags = KVM_VCPUEVENT_VALID_NMI_PENDING | KVM_VCPUEVENT_VALID_SHADOW;
    return kvm_ioctl(v->fd, KVM_SET_VCPU_EVENTS, &e);
}

/* ---- halted / waiting for SIPI (in-kernel LAPIC only) ---- */

static bool kvm_env_is_power_on(const X86CPUState *env)
{
    return env->rip == 0xfff0 && env->segs[R_CS].base == 0xffff0000ull &&
           !(env->cr0 & CR0_PE);
}

static int kvm_get_mp_state(VCPU *cpu)
{
    KvmVcpu *v = cpu->accel;
    struct kvm_mp_state mp;
    int ret;

    if (!v->s->irqchip) {
        cpu->env.halted = v->hlt_exit || v->halt_pending;
        return 0;
    }
    ret = kvm_ioctl(v->fd, KVM_GET_MP_STATE, &mp);
    if (ret < 0) {
        return ret;
    }
    cpu->env.halted = mp.mp_state == KVM_MP_STATE_HALTED;
    return 0;
}

/*
 * An AP put back in its power-on state waits for INIT/SIPI again; any
 * other vCPU is halted or runnable as env says.
 */
static int kvm_set_mp_state(VCPU *cpu)
{
    KvmVcpu *v = cpu->accel;
    struct kvm_mp_state cur, want;
    bool waiting;
    int ret;

    if (!v->s->irqchip) {
        v->halt_pending = cpu->env.halted;
        return 0;
    }
    ret = kvm_ioctl(v->fd, KVM_GET_MP_STATE, &cur);
    if (ret < 0) {
        return ret;
    }
    waiting = cur.mp_state == KVM_MP_STATE_UNINITIALIZED ||
              cur.mp_state == KVM_MP_STATE_INIT_RECEIVED ||
              cur.mp_state == KVM_MP_STATE_SIPI_RECEIVED;
    if (cpu->index != 0 && kvm_env_is_power_on(&cpu->env)) {
        if (waiting) {
            return 0;
        }
        want.mp_state = KVM_MP_STATE_UNINITIALIZED;
    } else {
        want.mp_state = cpu->env.halted ? KVM_MP_STATE_HALTED :
                                          KVM_MP_STATE_RUNNABLE;
    }
    if (want.mp_state == cur.mp_state) {
        return 0;
    }
    return kvm_ioctl(v->fd, KVM_SET_MP_STATE, &want);
}

/* ---- the whole state ---- */

typedef struct KvmStatePart {
    const char *name;
    int (*get)(VCPU *cpu);
    int (*set)(VCPU *cpu);
} KvmStatePart;

/* In set order: the mode first, events after the registers that clear them. */
static const KvmStatePart kvm_state_parts[] = {
    { "sregs", kvm_get_sregs, kvm_set_sregs },
    { "regs", kvm_get_regs, kvm_set_regs },
    { "xcrs", kvm_get_xcrs, kvm_set_xcrs },
    { "fpu", kvm_get_fpu, kvm_set_fpu },
    { "msrs", kvm_get_msrs, kvm_set_msrs_tsc },
    { "debugregs", kvm_get_debugregs, kvm_set_debugregs },
    { "events", kvm_get_events, kvm_set_events },
    { "mp_state", kvm_get_mp_state, kvm_set_mp_state },
};

static int kvm_state_transfer(VCPU *cpu, bool set)
{
    for (size_t i = 0; i < ARRAY_SIZE(kvm_state_parts); i++) {
        const KvmStatePart *p = &kvm_state_parts[i];
        int ret = set ? p->set(cpu) : p->get(cpu);
        if (ret < 0) {
            error_report("kvm: vCPU %d: cannot %s %s: %s", cpu->index,
                         set ? "set" : "get", p->name, strerror(-ret));
            return ret;
        }
    }
    return 0;
}

int kvm_get_state(VCPU *cpu)
{
    if (!cpu->accel) {
        return -ENODEV;
    }
    kvm_vcpu_complete_io(cpu);
    return kvm_state_transfer(cpu, false);
}

int kvm_set_state(VCPU *cpu)
{
    if (!cpu->accel) {
        return -ENODEV;
    }
    kvm_vcpu_complete_io(cpu);
    return kvm_state_transfer(cpu, true);
}
