/*
 * The TCG backend interface: turns an optimized op list (with liveness
 * data, see TCGLifeData in tcg/tcg.h) into runnable code in the context's
 * code buffer, runs it, and patches direct jumps between TBs.
 *
 * Two implementations: tcg/tci/ (portable bytecode interpreter, helpers
 * through libffi) and tcg/x86_64/ (native code). Both must give the same
 * results for the same op list.
 *
 * Contract for gen_code:
 *   - input: the op list of s after tcg_optimize() and tcg_liveness();
 *   - output at s->code_buf + s->code_used: code, then the per-insn table
 *     (TCGInsnData, 8-aligned); fill *out and advance s->code_used;
 *   - return -1 without advancing when the buffer is too small;
 *   - goto_tb n records out->jmp_offset[n], the place set_jump patches;
 *     an unpatched slot falls through to the code after goto_tb;
 *   - exit_tb v makes exec return v; goto_ptr p continues at TB code p,
 *     or returns 0 when p is NULL;
 *   - globals are loaded from env + mem_offset when first needed in a
 *     basic block and stored back as the SYNC bits say; all globals are
 *     in env at every BB end and before helpers that may read or write
 *     them, so that a helper or the exec loop sees up-to-date state.
 */
#ifndef KITE_TCG_BACKEND_H
#define KITE_TCG_BACKEND_H

#include "tcg/tcg.h"

struct TCGBackend {
    const char *name;
    /* Allocates the code buffer (s->code_buf, code_buf_rx, code_size). */
    int (*init)(TCGContext *s, size_t code_size, Error *err);
    void (*destroy)(TCGContext *s);
    int (*gen_code)(TCGContext *s, TCGCodeInfo *out);
    uintptr_t (*exec)(TCGContext *s, void *env, const void *code);
    void (*set_jump)(TCGContext *s, const void *code, uint32_t jmp_off,
                     const void *target);
    /* Called after the code buffer was emptied. */
    void (*flush)(TCGContext *s);
};

extern const TCGBackend tcg_backend_tci;

#endif
