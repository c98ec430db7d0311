/*
 * The architectural state of one x86-64 CPU.
 *
 * This struct is the single source of truth that every accelerator agrees
 * on: TCG runs on it directly (plus its private lazy-flags fields below);
 * KVM copies it in and out (KVM_GET/SET_REGS, SREGS, MSRS, FPU, XSAVE,
 * VCPU_EVENTS). Snapshots, migration, accelerator switching and the
 * differential tester all go through it.
 *
 * Segment descriptors are kept in their cached (hidden) form: base, the
 * expanded byte limit, and the attribute bits in the positions they have
 * in the descriptor's high dword (SEG_* below), so a loaded descriptor's
 * high dword masked with SEG_ATTR_MASK is the attribute word.
 */
#ifndef KITE_CPU_H
#define KITE_CPU_H

#include <stdbool.h>
#include <stdint.h>

enum { R_EAX, R_ECX, R_EDX, R_EBX, R_ESP, R_EBP, R_ESI, R_EDI,
       R_R8, R_R9, R_R10, R_R11, R_R12, R_R13, R_R14, R_R15 };
enum { R_ES, R_CS, R_SS, R_DS, R_FS, R_GS };

/* RFLAGS bits */
#define RF_CF   (1u << 0)
#define RF_FIXED (1u << 1)
#define RF_PF   (1u << 2)
#define RF_AF   (1u << 4)
#define RF_ZF   (1u << 6)
#define RF_SF   (1u << 7)
#define RF_TF   (1u << 8)
#define RF_IF   (1u << 9)
#define RF_DF   (1u << 10)
#define RF_OF   (1u << 11)
#define RF_IOPL (3u << 12)
#define RF_NT   (1u << 14)
#define RF_RF   (1u << 16)
#define RF_VM   (1u << 17)
#define RF_AC   (1u << 18)
#define RF_VIF  (1u << 19)
#define RF_VIP  (1u << 20)
#define RF_ID   (1u << 21)
#define RF_ARITH (RF_CF | RF_PF | RF_AF | RF_ZF | RF_SF | RF_OF)

/* Segment attribute bits, as in a descriptor's high dword */
#define SEG_TYPE_SHIFT 8
#define SEG_TYPE_MASK  (0xfu << SEG_TYPE_SHIFT)
#define SEG_A    (1u << 8)    /* accessed (code/data) */
#define SEG_W    (1u << 9)    /* writable data */
#define SEG_R    (1u << 9)    /* readable code */
#define SEG_E    (1u << 10)   /* expand-down data */
#define SEG_C    (1u << 10)   /* conforming code */
#define SEG_CODE (1u << 11)
#define SEG_S    (1u << 12)   /* code/data (not system) */
#define SEG_DPL_SHIFT 13
#define SEG_DPL_MASK (3u << SEG_DPL_SHIFT)
#define SEG_P    (1u << 15)
#define SEG_AVL  (1u << 20)
#define SEG_L    (1u << 21)
#define SEG_DB   (1u << 22)
#define SEG_G    (1u << 23)
#define SEG_ATTR_MASK 0x00f0ff00u

/* Control register bits */
#define CR0_PE (1ull << 0)
#define CR0_MP (1ull << 1)
#define CR0_EM (1ull << 2)
#define CR0_TS (1ull << 3)
#define CR0_ET (1ull << 4)
#define CR0_NE (1ull << 5)
#define CR0_WP (1ull << 16)
#define CR0_AM (1ull << 18)
#define CR0_NW (1ull << 29)
#define CR0_CD (1ull << 30)
#define CR0_PG (1ull << 31)

#define CR4_VME (1ull << 0)
#define CR4_PVI (1ull << 1)
#define CR4_TSD (1ull << 2)
#define CR4_DE  (1ull << 3)
#define CR4_PSE (1ull << 4)
#define CR4_PAE (1ull << 5)
#define CR4_MCE (1ull << 6)
#define CR4_PGE (1ull << 7)
#define CR4_PCE (1ull << 8)
#define CR4_OSFXSR (1ull << 9)
#define CR4_OSXMMEXCPT (1ull << 10)
#define CR4_UMIP (1ull << 11)
#define CR4_FSGSBASE (1ull << 16)
#define CR4_PCIDE (1ull << 17)
#define CR4_OSXSAVE (1ull << 18)
#define CR4_SMEP (1ull << 20)
#define CR4_SMAP (1ull << 21)

#define EFER_SCE (1ull << 0)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)
#define EFER_NXE (1ull << 11)

/* MSR numbers */
#define MSR_IA32_TSC             0x00000010
#define MSR_IA32_APICBASE        0x0000001b
#define MSR_IA32_FEATURE_CONTROL 0x0000003a
#define MSR_IA32_TSC_ADJUST      0x0000003b
#define MSR_IA32_SPEC_CTRL       0x00000048
#define MSR_IA32_BIOS_SIGN_ID    0x0000008b
#define MSR_MTRRcap              0x000000fe
#define MSR_IA32_SYSENTER_CS     0x00000174
#define MSR_IA32_SYSENTER_ESP    0x00000175
#define MSR_IA32_SYSENTER_EIP    0x00000176
#define MSR_IA32_MISC_ENABLE     0x000001a0
#define MSR_MTRRphysBase(n)      (0x00000200 + 2 * (n))
#define MSR_MTRRphysMask(n)      (0x00000201 + 2 * (n))
#define MSR_MTRRfix64K_00000     0x00000250
#define MSR_MTRRfix16K_80000     0x00000258
#define MSR_MTRRfix16K_A0000     0x00000259
#define MSR_MTRRfix4K_C0000      0x00000268
#define MSR_MTRRfix4K_F8000      0x0000026f
#define MSR_IA32_PAT             0x00000277
#define MSR_MTRRdefType          0x000002ff
#define MSR_IA32_TSC_DEADLINE    0x000006e0
#define MSR_EFER                 0xc0000080
#define MSR_STAR                 0xc0000081
#define MSR_LSTAR                0xc0000082
#define MSR_CSTAR                0xc0000083
#define MSR_FMASK                0xc0000084
#define MSR_FSBASE               0xc0000100
#define MSR_GSBASE               0xc0000101
#define MSR_KERNELGSBASE         0xc0000102
#define MSR_TSC_AUX              0xc0000103

#define APIC_DEFAULT_BASE 0xfee00000ull
#define MSR_APICBASE_BSP    (1ull << 8)
#define MSR_APICBASE_EXTD   (1ull << 10)
#define MSR_APICBASE_ENABLE (1ull << 11)

/* Exception vectors */
enum {
    EXCP_DE = 0, EXCP_DB = 1, EXCP_NMI = 2, EXCP_BP = 3, EXCP_OF = 4,
    EXCP_BR = 5, EXCP_UD = 6, EXCP_NM = 7, EXCP_DF = 8, EXCP_TS = 10,
    EXCP_NP = 11, EXCP_SS = 12, EXCP_GP = 13, EXCP_PF = 14, EXCP_MF = 16,
    EXCP_AC = 17, EXCP_MC = 18, EXCP_XM = 19,
};

#define MTRR_VAR_COUNT 8
#define MCE_BANKS 10        /* machine-check banks (cpu/x86/mce.h) */
#define MTRR_FIXED_COUNT 11

typedef struct SegmentCache {
    uint16_t selector;
    uint64_t base;
    uint32_t limit;     /* expanded byte limit */
    uint32_t flags;     /* SEG_* attribute bits */
} SegmentCache;

typedef struct DescTable {
    uint64_t base;
    uint16_t limit;
} DescTable;

typedef struct FloatX80 {
    uint64_t mant;
    uint16_t exp;       /* sign in bit 15 */
} FloatX80;

typedef union XMMReg {
    uint8_t b[16];
    uint16_t w[8];
    uint32_t l[4];
    uint64_t q[2];
} XMMReg;

typedef struct X86CPUState {
    /* general-purpose state */
    uint64_t regs[16];
    uint64_t rip;
    uint64_t rflags;

    /* segmentation */
    SegmentCache segs[6];
    SegmentCache ldt, tr;
    DescTable gdt, idt;

    /* control, debug and mode registers */
    uint64_t cr0, cr2, cr3, cr4;
    uint64_t cr8;             /* task priority, mirrors the APIC TPR */
    uint64_t dr[8];
    uint64_t efer;
    uint64_t xcr0;

    /* MSRs */
    uint64_t star, lstar, cstar, fmask, kernel_gs_base;
    uint64_t sysenter_cs, sysenter_esp, sysenter_eip;
    uint64_t tsc;             /* value at the moment the state was taken */
    uint64_t tsc_aux, tsc_adjust, tsc_deadline;
    uint64_t apic_base;
    uint64_t pat;
    uint64_t misc_enable;
    uint64_t spec_ctrl;
    uint64_t mtrr_deftype;
    uint64_t mtrr_fixed[MTRR_FIXED_COUNT];
    uint64_t mtrr_var_base[MTRR_VAR_COUNT], mtrr_var_mask[MTRR_VAR_COUNT];
    uint64_t mcg_status, mcg_ctl;       /* machine check (cpu/x86/mce.h) */
    uint64_t mce_banks[4 * MCE_BANKS];  /* MCi_CTL, _STATUS, _ADDR, _MISC */

    /* x87, MMX, SSE */
    FloatX80 fpregs[8];       /* physical registers ST(i) = fpregs[(top+i)&7] */
    uint16_t fcw, fsw, ftw;   /* ftw: full 16-bit tag word */
    uint16_t fop;
    uint64_t fip, fdp;
    uint16_t fcs, fds;
    uint32_t mxcsr;
    XMMReg xmm[16];

    /* event state */
    bool halted;
    uint8_t interrupt_shadow; /* 1 after STI, 2 after MOV/POP SS */
    bool nmi_pending, nmi_masked;
    int32_t exception_vector; /* pending/injected exception, -1 if none */
    uint32_t exception_error_code;
    bool exception_has_error_code;
    int32_t interrupt_vector; /* injected external interrupt, -1 if none */
} X86CPUState;

/* Puts st in the INIT/power-on state (real mode at F000:FFF0). */
void x86_cpu_state_reset(X86CPUState *st);
/* Prints the registers in the style of QEMU's "info registers". */
#include <stdio.h>
void x86_cpu_state_dump(const X86CPUState *st, FILE *f);

/* Reloads a cached segment for a flat selector in the given mode. */
void x86_seg_set(SegmentCache *seg, uint16_t selector, uint64_t base,
                 uint32_t limit, uint32_t flags);

/* Save/load of the whole state for snapshots and migration. */
#include "hw/core/savestate.h"
void x86_cpu_state_save(const X86CPUState *st, SaveBuf *s);
int x86_cpu_state_load(X86CPUState *st, SaveBuf *s);

#endif
