/*
 * Comparing two architectural CPU states (cpu/x86/cpu.h) field by field,
 * with a readable list of what differs: used by the lockstep runner
 * (lockstep-guest.c) and the guest-code fuzzer (tests/fuzz/guest-fuzz.h).
 * flag_mask selects the RFLAGS bits compared (undefined flags masked out
 * by the caller).
 */
#ifndef KITE_DIFFTEST_CPU_DIFF_H
#define KITE_DIFFTEST_CPU_DIFF_H

#include <inttypes.h>
#include <stdio.h>

#include "cpu/x86/cpu.h"

typedef struct CpuDiff {
    char text[2048];
    size_t len;
    int n;
} CpuDiff;

static inline void cpu_diff_add(CpuDiff *d, const char *name, uint64_t x,
                                uint64_t y)
{
    if (x == y) {
        return;
    }
    d->n++;
    if (d->len < sizeof(d->text) - 64) {
        d->len += snprintf(d->text + d->len, sizeof(d->text) - d->len,
                           " %s %#" PRIx64 "/%#" PRIx64, name, x, y);
    }
}

static inline void cpu_diff_seg(CpuDiff *d, const char *name,
                                const SegmentCache *x, const SegmentCache *y)
{
    char n[32];

    snprintf(n, sizeof(n), "%s.sel", name);
    cpu_diff_add(d, n, x->selector, y->selector);
    snprintf(n, sizeof(n), "%s.base", name);
    cpu_diff_add(d, n, x->base, y->base);
    snprintf(n, sizeof(n), "%s.limit", name);
    cpu_diff_add(d, n, x->limit, y->limit);
    snprintf(n, sizeof(n), "%s.flags", name);
    cpu_diff_add(d, n, x->flags, y->flags);
}

static inline void cpu_diff_fpu(CpuDiff *d, const X86CPUState *x,
                                const X86CPUState *y)
{
    char n[32];

    cpu_diff_add(d, "fcw", x->fcw, y->fcw);
    cpu_diff_add(d, "fsw", x->fsw, y->fsw);
    cpu_diff_add(d, "ftw", x->ftw, y->ftw);
    cpu_diff_add(d, "mxcsr", x->mxcsr, y->mxcsr);
    for (int i = 0; i < 8; i++) {
        snprintf(n, sizeof(n), "fpr%d.mant", i);
        cpu_diff_add(d, n, x->fpregs[i].mant, y->fpregs[i].mant);
        snprintf(n, sizeof(n), "fpr%d.exp", i);
        cpu_diff_add(d, n, x->fpregs[i].exp, y->fpregs[i].exp);
    }
    for (int i = 0; i < 16; i++) {
        snprintf(n, sizeof(n), "xmm%d.lo", i);
        cpu_diff_add(d, n, x->xmm[i].q[0], y->xmm[i].q[0]);
        snprintf(n, sizeof(n), "xmm%d.hi", i);
        cpu_diff_add(d, n, x->xmm[i].q[1], y->xmm[i].q[1]);
    }
}

static inline void cpu_diff_state(CpuDiff *d, const X86CPUState *x,
                                  const X86CPUState *y, uint64_t flag_mask)
{
    static const char *const gpr[16] = {
        "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
        "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
    };
    static const char *const seg[6] = { "es", "cs", "ss", "ds", "fs", "gs" };

    for (int i = 0; i < 16; i++) {
        cpu_diff_add(d, gpr[i], x->regs[i], y->regs[i]);
    }
    cpu_diff_add(d, "rip", x->rip, y->rip);
    cpu_diff_add(d, "rflags", x->rflags & flag_mask, y->rflags & flag_mask);
    for (int i = 0; i < 6; i++) {
        cpu_diff_seg(d, seg[i], &x->segs[i], &y->segs[i]);
    }
    cpu_diff_seg(d, "ldt", &x->ldt, &y->ldt);
    cpu_diff_seg(d, "tr", &x->tr, &y->tr);
    cpu_diff_add(d, "gdt.base", x->gdt.base, y->gdt.base);
    cpu_diff_add(d, "gdt.limit", x->gdt.limit, y->gdt.limit);
    cpu_diff_add(d, "idt.base", x->idt.base, y->idt.base);
    cpu_diff_add(d, "idt.limit", x->idt.limit, y->idt.limit);
    cpu_diff_add(d, "cr0", x->cr0, y->cr0);
    cpu_diff_add(d, "cr2", x->cr2, y->cr2);
    cpu_diff_add(d, "cr3", x->cr3, y->cr3);
    cpu_diff_add(d, "cr4", x->cr4, y->cr4);
    cpu_diff_add(d, "cr8", x->cr8, y->cr8);
    cpu_diff_add(d, "dr7", x->dr[7], y->dr[7]);
    cpu_diff_add(d, "efer", x->efer, y->efer);
    cpu_diff_add(d, "xcr0", x->xcr0, y->xcr0);
    cpu_diff_add(d, "star", x->star, y->star);
    cpu_diff_add(d, "lstar", x->lstar, y->lstar);
    cpu_diff_add(d, "cstar", x->cstar, y->cstar);
    cpu_diff_add(d, "fmask", x->fmask, y->fmask);
    cpu_diff_add(d, "kernel_gs_base", x->kernel_gs_base, y->kernel_gs_base);
    cpu_diff_add(d, "sysenter_cs", x->sysenter_cs, y->sysenter_cs);
    cpu_diff_add(d, "sysenter_esp", x->sysenter_esp, y->sysenter_esp);
    cpu_diff_add(d, "sysenter_eip", x->sysenter_eip, y->sysenter_eip);
    cpu_diff_add(d, "apic_base", x->apic_base, y->apic_base);
    cpu_diff_add(d, "pat", x->pat, y->pat);
    cpu_diff_add(d, "halted", x->halted, y->halted);
    cpu_diff_add(d, "nmi_masked", x->nmi_masked, y->nmi_masked);
    cpu_diff_fpu(d, x, y);
}

#endif
