/*
 * The contract between the x86 translator (cpu/x86/translate*.c) and the
 * TCG execution machinery (accel/tcg/).
 *
 * Translation: the exec loop asks x86_gen_tb() to build the IR of one
 * translation block starting at a guest linear address, then compiles it
 * with tcg_gen_code(). The translator fetches guest code only through
 * x86_code_fetch() (accel/tcg), which walks the page tables, records the
 * physical pages the TB covers (for self-modifying-code invalidation) and
 * raises #PF/#GP if the *first* instruction cannot be fetched; a later
 * instruction that cannot be fetched simply ends the block before it.
 *
 * insn_start words: data[0] = RIP of the instruction (not linear),
 * data[1] = the static cc_op at the start of the instruction, or
 * X86_CC_OP_DYNAMIC when env->cc_op already holds it at run time.
 * x86_restore_state() (accel/tcg) applies them after a fault.
 *
 * Block ends:
 *   - direct jump to a known target: goto_tb(n) + exit_tb(tb_ptr, n) after
 *     storing the new RIP, so the exec loop can chain slot n;
 *   - indirect jump / return: store RIP, call helper lookup_tb_ptr(env)
 *     (declared by the translator's helper list, implemented in accel/tcg;
 *     returns the code of the TB for the current state or NULL) and
 *     goto_ptr;
 *   - anything that changes hflags, the TLB, interrupts enabling (STI,
 *     POPF...), or needs the exec loop (HLT, exceptions): store RIP and
 *     exit_tb(NULL, 0) — the loop looks up afresh and checks interrupts.
 * The exec loop passes the TranslationBlock pointer as `tb` so exit_tb
 * values can name it; the translator treats it as opaque.
 */
#ifndef KITE_X86_TCG_TRANSLATE_H
#define KITE_X86_TCG_TRANSLATE_H

#include "cpu/x86/tcg-cpu.h"
#include "tcg/tcg.h"

#define X86_CC_OP_DYNAMIC 0xffffffffu

typedef struct X86TBDesc {
    /* in */
    const void *tb;         /* opaque: the exec loop's TranslationBlock */
    uint64_t pc;            /* linear address of the first instruction */
    uint64_t cs_base;
    uint32_t flags;         /* hflags at translation time */
    unsigned max_insns;     /* 1 for single-step */
    /* out */
    uint32_t size;          /* guest bytes covered */
    uint32_t icount;        /* guest instructions */
} X86TBDesc;

typedef struct X86TCGGlobals X86TCGGlobals;  /* defined by the translator */

/* Creates the TCG globals for a fresh context (once per vCPU). */
X86TCGGlobals *x86_tcg_init_globals(TCGContext *s);
void x86_tcg_free_globals(X86TCGGlobals *g);

/*
 * Builds the IR of one TB (tcg_func_start is called here). Returns 0; a
 * fault on the first instruction's fetch leaves through
 * x86_raise_exception like any guest fault.
 */
int x86_gen_tb(TCGContext *s, X86TCGGlobals *g, CPUX86TCG *env,
               X86TBDesc *tb);

/*
 * Copies up to len bytes of guest code at linear address pc. Returns the
 * number of bytes copied (fewer at an unmapped page after the first);
 * faults on the first byte raise #PF / #GP through x86_raise_exception.
 * Implemented by accel/tcg.
 */
size_t x86_code_fetch(CPUX86TCG *env, uint64_t pc, uint8_t *buf, size_t len,
                      bool first);

/*
 * Debug points at translation time (accel/tcg/debug.c): whether an
 * execute breakpoint is set at linear address pc; whether an I/O
 * breakpoint is set (an IN then ends its block).
 */
bool x86_debug_bp_at(CPUX86TCG *env, uint64_t pc);
bool x86_debug_io_active(CPUX86TCG *env);

/* Applies insn_start words after a fault (accel/tcg). */
void x86_restore_state(CPUX86TCG *env, const uint64_t *data);

#endif
