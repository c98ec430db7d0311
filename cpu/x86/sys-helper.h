/*
 * Shared pieces of the x86 system-level helpers (seg_helper.c,
 * misc_helper.c, cpuid.c) and their translator (translate-sys.c).
 *
 * Contract with the exec loop (accel/tcg):
 *   - x86_do_interrupt() reports a triple fault by setting
 *     env->exception_index = EXCP_TRIPLE (accel/tcg/tcg-accel.h) and
 *     returning; the loop then stops the vCPU with VCPU_EXIT_SHUTDOWN.
 *   - HLT sets env->st.halted, stores the next RIP and ends the block.
 *   - STI / MOV SS / POP SS set HF_INHIBIT_IRQ (and st.interrupt_shadow):
 *     no interrupt is taken before the next instruction has run.
 *
 * All helpers here read an exact guest state (the translator calls
 * gen_sync_state() first) and raise exceptions with ra == 0.
 */
#ifndef KITE_X86_SYS_HELPER_H
#define KITE_X86_SYS_HELPER_H

#include <stdbool.h>
#include <stdint.h>

#include "accel/tcg/tcg-accel.h"
#include "cpu/x86/tcg-cpu.h"

/* exception_index after x86_do_interrupt for a triple fault (shutdown):
   EXCP_TRIPLE of accel/tcg/tcg-accel.h (0x100) */
#define EXCP_TRIPLE_FAULT EXCP_TRIPLE

/* Helper prototypes (helper-sys.def) with the real env type. */
#ifndef TCG_HELPER_ENV_CTYPE
#define TCG_HELPER_ENV_CTYPE struct CPUX86TCG *
#endif
#define TCG_HELPER_FILE "cpu/x86/helper-sys.def"
#include "tcg/helper-proto.h"
#undef TCG_HELPER_FILE

/* Packing of the string I/O helpers' descriptor argument (ins/outs). */
#define X86_SIO_SIZE(d)   ((d) & 0xf)          /* 1, 2 or 4 */
#define X86_SIO_ASIZE(d)  (((d) >> 4) & 0xf)   /* 2, 4 or 8 */
#define X86_SIO_REP       (1u << 8)
#define X86_SIO_SEG(d)    (((d) >> 12) & 7)    /* source segment of OUTS */
#define X86_SIO_DESC(size, asize, rep, seg) \
    ((uint32_t)(size) | ((uint32_t)(asize) << 4) | ((rep) ? X86_SIO_REP : 0) | \
     ((uint32_t)(seg) << 12))
/* REP INS/OUTS iterations per helper call before returning to the loop. */
#define X86_SIO_BATCH 4096

/* Which descriptor table register load_dt/store_dt mean. */
enum { X86_DT_GDT = 0, X86_DT_IDT = 1 };

/* ---- seg_helper.c ---- */

/* Canonical 48-bit virtual address. */
static inline bool x86_is_canonical(uint64_t a)
{
    return (uint64_t)((int64_t)(a << 16) >> 16) == a;
}

/* Base and expanded byte limit of a descriptor (low dword e1, high e2). */
uint64_t x86_desc_base(uint32_t e1, uint32_t e2);
uint32_t x86_desc_limit(uint32_t e1, uint32_t e2);
/* Reads the descriptor sel names; false if it lies outside its table. */
bool x86_desc_fetch(CPUX86TCG *env, uint16_t sel, uint32_t *e1, uint32_t *e2);
/* Fills a segment cache from a descriptor. */
void x86_seg_from_desc(SegmentCache *sc, uint16_t sel, uint32_t e1,
                       uint32_t e2);
/* RFLAGS as a whole (lazy flags folded in), and a masked write of it. */
uint64_t x86_sys_get_rflags(CPUX86TCG *env);
void x86_sys_set_rflags(CPUX86TCG *env, uint64_t val, uint64_t mask);

/* ---- misc_helper.c ---- */

/* The guest TSC (virtual clock at PC_TSC_HZ plus IA32_TSC_ADJUST). */
uint64_t x86_get_tsc(CPUX86TCG *env);
/* RDMSR/WRMSR without the CPL check: 0, or -1 for #GP(0). */
int x86_msr_read(CPUX86TCG *env, uint32_t msr, uint64_t *val);
int x86_msr_write(CPUX86TCG *env, uint32_t msr, uint64_t val);
/* The CR writes without the CPL check: 0, or -1 for #GP(0). */
int x86_write_cr0(CPUX86TCG *env, uint64_t val);
int x86_write_cr3(CPUX86TCG *env, uint64_t val);
int x86_write_cr4(CPUX86TCG *env, uint64_t val);
/* Port permission: true if the access may proceed (IOPL, TSS bitmap). */
bool x86_io_allowed(CPUX86TCG *env, uint32_t port, unsigned size);
/* Soft-TLB flushes after paging-relevant changes. */
void x86_sys_tlb_flush(CPUX86TCG *env);
void x86_sys_tlb_flush_nonglobal(CPUX86TCG *env);
void x86_sys_tlb_flush_page(CPUX86TCG *env, uint64_t vaddr);

#endif
