/*
 * Architectural CPU state: power-on values (SDM Vol. 3 §10.1.1, "Processor
 * State After Reset"), a register dump, and save/load.
 */
#include "cpu/x86/cpu.h"

#include <string.h>

#include "cpu/x86/mce.h"

void x86_seg_set(SegmentCache *seg, uint16_t selector, uint64_t base,
                 uint32_t limit, uint32_t flags)
{
    seg->selector = selector;
    seg->base = base;
    seg->limit = limit;
    seg->flags = flags;
}

void x86_cpu_state_reset(X86CPUState *st)
{
    uint32_t data = SEG_P | SEG_S | SEG_W | SEG_A;

    memset(st, 0, sizeof(*st));
    st->regs[R_EDX] = 0x600;   /* family 6 signature */
    st->rip = 0xfff0;
    st->rflags = RF_FIXED;
    x86_seg_set(&st->segs[R_CS], 0xf000, 0xffff0000, 0xffff,
                SEG_P | SEG_S | SEG_CODE | SEG_R | SEG_A);
    for (int i = 0; i < 6; i++) {
        if (i != R_CS) {
            x86_seg_set(&st->segs[i], 0, 0, 0xffff, data);
        }
    }
    x86_seg_set(&st->ldt, 0, 0, 0xffff, SEG_P | (2u << SEG_TYPE_SHIFT));
    x86_seg_set(&st->tr, 0, 0, 0xffff, SEG_P | (11u << SEG_TYPE_SHIFT));
    st->gdt.limit = 0xffff;
    st->idt.limit = 0xffff;
    st->cr0 = CR0_ET | CR0_CD | CR0_NW;
    st->dr[6] = 0xffff0ff0;
    st->dr[7] = 0x400;
    st->xcr0 = 1;
    st->apic_base = APIC_DEFAULT_BASE | MSR_APICBASE_BSP | MSR_APICBASE_ENABLE;
    st->pat = 0x0007040600070406ull;
    st->misc_enable = 1;   /* fast strings */
    x86_mce_reset(st);
    st->fcw = 0x37f;
    st->ftw = 0xffff;
    st->mxcsr = 0x1f80;
    st->exception_vector = -1;
    st->interrupt_vector = -1;
}

static void dump_seg(FILE *f, const char *name, const SegmentCache *s)
{
    fprintf(f, "%-3s=%04x %016llx %08x %08x\n", name, s->selector,
            (unsigned long long)s->base, s->limit, s->flags);
}

void x86_cpu_state_dump(const X86CPUState *st, FILE *f)
{
    static const char *const gpr[16] = {
        "RAX", "RCX", "RDX", "RBX", "RSP", "RBP", "RSI", "RDI",
        "R8", "R9", "R10", "R11", "R12", "R13", "R14", "R15",
    };
    static const char *const segname[6] = { "ES", "CS", "SS", "DS", "FS", "GS" };

    for (int i = 0; i < 16; i++) {
        fprintf(f, "%-3s=%016llx%s", gpr[i], (unsigned long long)st->regs[i],
                (i & 3) == 3 ? "\n" : " ");
    }
    fprintf(f, "RIP=%016llx RFL=%08llx [%c%c%c%c%c%c%c] HLT=%d\n",
            (unsigned long long)st->rip, (unsigned long long)st->rflags,
            st->rflags & RF_DF ? 'D' : '-', st->rflags & RF_OF ? 'O' : '-',
            st->rflags & RF_SF ? 'S' : '-', st->rflags & RF_ZF ? 'Z' : '-',
            st->rflags & RF_AF ? 'A' : '-', st->rflags & RF_PF ? 'P' : '-',
            st->rflags & RF_CF ? 'C' : '-', st->halted);
    for (int i = 0; i < 6; i++) {
        dump_seg(f, segname[i], &st->segs[i]);
    }
    dump_seg(f, "LDT", &st->ldt);
    dump_seg(f, "TR", &st->tr);
    fprintf(f, "GDT=     %016llx %08x\n", (unsigned long long)st->gdt.base,
            st->gdt.limit);
    fprintf(f, "IDT=     %016llx %08x\n", (unsigned long long)st->idt.base,
            st->idt.limit);
    fprintf(f, "CR0=%08llx CR2=%016llx CR3=%016llx CR4=%08llx\n",
            (unsigned long long)st->cr0, (unsigned long long)st->cr2,
            (unsigned long long)st->cr3, (unsigned long long)st->cr4);
    fprintf(f, "DR6=%016llx DR7=%016llx EFER=%016llx\n",
            (unsigned long long)st->dr[6], (unsigned long long)st->dr[7],
            (unsigned long long)st->efer);
}

static void save_seg(SaveBuf *s, const SegmentCache *seg)
{
    save_u16(s, seg->selector);
    save_u64(s, seg->base);
    save_u32(s, seg->limit);
    save_u32(s, seg->flags);
}

static void load_seg(SaveBuf *s, SegmentCache *seg)
{
    seg->selector = load_u16(s);
    seg->base = load_u64(s);
    seg->limit = load_u32(s);
    seg->flags = load_u32(s) & SEG_ATTR_MASK;
}

#define CPU_STATE_VERSION 2   /* 2: machine-check MSRs */

/* One list of the 64-bit fields, so save and load cannot drift apart. */
#define FOR_EACH_U64_FIELD(X) \
    X(rip) X(rflags) X(cr0) X(cr2) X(cr3) X(cr4) X(cr8) X(efer) X(xcr0) \
    X(star) X(lstar) X(cstar) X(fmask) X(kernel_gs_base) X(sysenter_cs) \
    X(sysenter_esp) X(sysenter_eip) X(tsc) X(tsc_aux) X(tsc_adjust) \
    X(tsc_deadline) X(apic_base) X(pat) X(misc_enable) X(spec_ctrl) \
    X(mtrr_deftype) X(fip) X(fdp)

void x86_cpu_state_save(const X86CPUState *st, SaveBuf *s)
{
    save_u32(s, CPU_STATE_VERSION);
    for (int i = 0; i < 16; i++) {
        save_u64(s, st->regs[i]);
    }
#define X(f) save_u64(s, st->f);
    FOR_EACH_U64_FIELD(X)
#undef X
    for (int i = 0; i < 6; i++) {
        save_seg(s, &st->segs[i]);
    }
    save_seg(s, &st->ldt);
    save_seg(s, &st->tr);
    save_u64(s, st->gdt.base);
    save_u16(s, st->gdt.limit);
    save_u64(s, st->idt.base);
    save_u16(s, st->idt.limit);
    for (int i = 0; i < 8; i++) {
        save_u64(s, st->dr[i]);
    }
    for (int i = 0; i < MTRR_FIXED_COUNT; i++) {
        save_u64(s, st->mtrr_fixed[i]);
    }
    for (int i = 0; i < MTRR_VAR_COUNT; i++) {
        save_u64(s, st->mtrr_var_base[i]);
        save_u64(s, st->mtrr_var_mask[i]);
    }
    for (int i = 0; i < 8; i++) {
        save_u64(s, st->fpregs[i].mant);
        save_u16(s, st->fpregs[i].exp);
    }
    save_u16(s, st->fcw);
    save_u16(s, st->fsw);
    save_u16(s, st->ftw);
    save_u16(s, st->fop);
    save_u16(s, st->fcs);
    save_u16(s, st->fds);
    save_u32(s, st->mxcsr);
    for (int i = 0; i < 16; i++) {
        save_bytes(s, st->xmm[i].b, 16);
    }
    save_u8(s, st->halted);
    save_u8(s, st->interrupt_shadow);
    save_u8(s, st->nmi_pending);
    save_u8(s, st->nmi_masked);
    save_u32(s, (uint32_t)st->exception_vector);
    save_u32(s, st->exception_error_code);
    save_u8(s, st->exception_has_error_code);
    save_u32(s, (uint32_t)st->interrupt_vector);
    save_u64(s, st->mcg_status);
    save_u64(s, st->mcg_ctl);
    for (int i = 0; i < 4 * MCE_BANKS; i++) {
        save_u64(s, st->mce_banks[i]);
    }
}

/* Values WRMSR could not have produced are refused (see mce.h). */
static bool load_mce(X86CPUState *n, SaveBuf *s)
{
    bool ok;

    n->mcg_status = load_u64(s);
    n->mcg_ctl = load_u64(s);
    ok = n->mcg_ctl == 0 || n->mcg_ctl == ~0ull;
    for (int i = 0; i < 4 * MCE_BANKS; i++) {
        n->mce_banks[i] = load_u64(s);
        if (i % 4 == 0) {
            ok &= x86_mce_write(n, MSR_IA32_MC0_CTL + i, n->mce_banks[i]) == 0;
        }
    }
    return ok;
}

int x86_cpu_state_load(X86CPUState *st, SaveBuf *s)
{
    X86CPUState n;

    memset(&n, 0, sizeof(n));
    if (load_u32(s) != CPU_STATE_VERSION) {
        return -1;
    }
    for (int i = 0; i < 16; i++) {
        n.regs[i] = load_u64(s);
    }
#define X(f) n.f = load_u64(s);
    FOR_EACH_U64_FIELD(X)
#undef X
    for (int i = 0; i < 6; i++) {
        load_seg(s, &n.segs[i]);
    }
    load_seg(s, &n.ldt);
    load_seg(s, &n.tr);
    n.gdt.base = load_u64(s);
    n.gdt.limit = load_u16(s);
    n.idt.base = load_u64(s);
    n.idt.limit = load_u16(s);
    for (int i = 0; i < 8; i++) {
        n.dr[i] = load_u64(s);
    }
    for (int i = 0; i < MTRR_FIXED_COUNT; i++) {
        n.mtrr_fixed[i] = load_u64(s);
    }
    for (int i = 0; i < MTRR_VAR_COUNT; i++) {
        n.mtrr_var_base[i] = load_u64(s);
        n.mtrr_var_mask[i] = load_u64(s);
    }
    for (int i = 0; i < 8; i++) {
        n.fpregs[i].mant = load_u64(s);
        n.fpregs[i].exp = load_u16(s);
    }
    n.fcw = load_u16(s);
    n.fsw = load_u16(s);
    n.ftw = load_u16(s);
    n.fop = load_u16(s);
    n.fcs = load_u16(s);
    n.fds = load_u16(s);
    n.mxcsr = load_u32(s);
    for (int i = 0; i < 16; i++) {
        load_bytes(s, n.xmm[i].b, 16);
    }
    n.halted = load_u8(s) != 0;
    n.interrupt_shadow = load_u8(s) & 3;
    n.nmi_pending = load_u8(s) != 0;
    n.nmi_masked = load_u8(s) != 0;
    n.exception_vector = (int32_t)load_u32(s);
    n.exception_error_code = load_u32(s);
    n.exception_has_error_code = load_u8(s) != 0;
    n.interrupt_vector = (int32_t)load_u32(s);
    if (!load_mce(&n, s) || s->error || n.exception_vector < -1 || n.exception_vector > 31 ||
        n.interrupt_vector < -1 || n.interrupt_vector > 255) {
        return -1;
    }
    *st = n;
    return 0;
}
