/*
 * What the TCG accelerator offers the rest of Kite: the soft-TLB flushes
 * the system helpers call (MOV CR0/CR3/CR4, WRMSR EFER, INVLPG, A20), the
 * runtime helper behind the translator's lookup_tb_ptr, the way a helper
 * leaves the current translation block and triple-fault signalling.
 * Writes to guest RAM from outside the CPU reach the TBs through the
 * memory core's `written` listener (tcg-accel.c), never directly.
 */
#ifndef KITE_ACCEL_TCG_H
#define KITE_ACCEL_TCG_H

#include "cpu/x86/tcg-cpu.h"

/*
 * env->exception_index value set by x86_do_interrupt() when an exception
 * during #DF delivery escalates to a triple fault: the exec loop then
 * returns VCPU_EXIT_SHUTDOWN (reset, or exit with -no-reboot).
 */
#define EXCP_TRIPLE 0x100

/* Flushes the whole soft TLB of this vCPU (CR0.PG/WP, CR3, CR4, EFER). */
void x86_tlb_flush(CPUX86TCG *env);
/* Flushes every entry but those of global pages (MOV CR3 with CR4.PGE). */
void x86_tlb_flush_nonglobal(CPUX86TCG *env);
/* Flushes the entries of the page holding vaddr, every MMU index, global
   or not, all of a large page (INVLPG). */
void x86_tlb_flush_page(CPUX86TCG *env, uint64_t vaddr);

/*
 * The translator's helper lookup_tb_ptr: the code of the TB for the
 * current CS:RIP and hflags if it is in the vCPU's jump cache and nothing
 * asks the vCPU to stop, else NULL (goto_ptr NULL returns to the loop).
 */
void *helper_lookup_tb_ptr(CPUX86TCG *env);

/*
 * Leaves the current TB for the exec loop without an exception (HLT,
 * state changes a helper made that need a fresh lookup). ra as for
 * x86_raise_exception: the state is rewound to the start of the calling
 * instruction when ra is non-zero, so only use a non-zero ra before the
 * instruction has changed anything.
 */
void x86_cpu_loop_exit(CPUX86TCG *env, uintptr_t ra) __attribute__((noreturn));

/*
 * Debug registers (accel/tcg/debug.c). After a MOV to DR0-DR3 or DR7 (the
 * block must end after it); the port helpers before each access (I/O
 * breakpoints); MOV DR before anything else (DR7.GD: #DB, DR6.BD).
 */
void x86_debug_dr_written(CPUX86TCG *env);
void x86_debug_io(CPUX86TCG *env, uint32_t port, unsigned size);
void x86_debug_check_gd(CPUX86TCG *env);
void helper_debug_bp(CPUX86TCG *env);

#endif
