/*
 * The TCG interpreter backend ("tci"): bytecode format shared by the
 * encoder (tci-gen.c) and the interpreter loop (tci-exec.c).
 *
 * A TB is an array of 64-bit words, one or more per instruction. The
 * machine is a register machine over a frame of 64-bit slots, one per
 * temp (slot n = temp index n; slot 0 holds env). i32 values live
 * zero-extended in their slots. Globals are loaded into their slots and
 * stored back to env as the liveness data says; constants are inline
 * (the "i" forms) or put in their slot just before an op that needs one.
 *
 * First word of every instruction:
 *   bits  0..31  handler: with computed goto (gcc, clang), the offset of
 *                the handler's code from a base label inside tci_exec
 *                (direct threading: no table, no switch); otherwise the
 *                TCIOp number, dispatched by a switch
 *   bits 32..41  slot A     bits 42..51 slot B     bits 52..61 slot C
 *   bits 62..63  1 or 2: after writing slot A (a global), also store its
 *                low 32 bits or all 64 to env (the global's offset is in
 *                TCIShared.global_off), sparing a store instruction
 *   (env forms: bits 42..63 hold the byte offset into env instead of B/C)
 * Following words, per op (see the comments of TCI_OP_LIST):
 *   imm          a 64-bit constant (movi, the "i" ALU forms, brcondi)
 *   disp         branch displacement in words from the first word
 *   off          byte offset from the base slot (ld/st)
 *   call         function (or TCIHelper for libffi), then the argument
 *                slots, 10 bits each
 *   goto_tb      target TB code, 0 while unchained (patched)
 *
 * Guest memory ops keep (memop << 3 | mmu index) in C; their soft TLB hit
 * test is inline in the handler.
 */
#ifndef KITE_TCG_TCI_H
#define KITE_TCG_TCI_H

#include <ffi.h>

#include "tcg/tcg.h"

#if defined(__GNUC__)
#define TCI_THREADED 1          /* labels as values: direct threading */
#else
#define TCI_THREADED 0
#endif

#define TCI_SLOT_BITS 10
#define TCI_SLOT_MASK ((1u << TCI_SLOT_BITS) - 1)
#define TCI_ENV_OFF_BITS 22     /* env offsets of the env forms */

/* Conditions with a specialised compare-and-branch handler. */
#define TCI_COND_LIST(X)                                                    \
    X(EQ, eq) X(NE, ne) X(LT, lt) X(GE, ge) X(LE, le) X(GT, gt)             \
    X(LTU, ltu) X(GEU, geu) X(LEU, leu) X(GTU, gtu) X(TSTEQ, tsteq)         \
    X(TSTNE, tstne)

/*
 * Binary ALU ops: register form (A = B op C) and immediate form
 * (A = B op imm). X(name, 32-bit expression, 64-bit expression).
 */
#define TCI_ALU_LIST(X) X(add) X(sub) X(mul) X(and) X(or) X(xor) X(andc)  \
    X(shl) X(shr) X(sar) X(rotl) X(rotr) X(clz) X(ctz)

/* Loads and stores of host memory: sized forms. */
#define TCI_LD_LIST(X) X(ld8u) X(ld8s32) X(ld8s64) X(ld16u) X(ld16s32)       \
    X(ld16s64) X(ld32u) X(ld32s64) X(ld64)
#define TCI_ST_LIST(X) X(st8) X(st16) X(st32) X(st64)

/* Guest memory, little-endian without alignment check (inline TLB hit). */
#define TCI_QLD_LIST(X) X(qld_ub32) X(qld_ub64) X(qld_sb32) X(qld_sb64)     \
    X(qld_uw32) X(qld_uw64) X(qld_sw32) X(qld_sw64) X(qld_ul32) X(qld_ul64) \
    X(qld_sl64) X(qld_uq64)
#define TCI_QST_LIST(X) X(qst_b) X(qst_w) X(qst_l) X(qst_q)

/*
 * Helper call shapes called directly through a C function pointer of
 * that exact type; any other helper goes through libffi.
 * X(name, return type code, nargs, arg type codes...)
 */
#define TCI_CALL_LIST(X)                                                    \
    X(v_p, VOID, 1, PTR, VOID, VOID, VOID, VOID)                            \
    X(v_p32, VOID, 2, PTR, I32, VOID, VOID, VOID)                           \
    X(v_p64, VOID, 2, PTR, I64, VOID, VOID, VOID)                           \
    X(v_p32_64, VOID, 3, PTR, I32, I64, VOID, VOID)                         \
    X(v_p64_32, VOID, 3, PTR, I64, I32, VOID, VOID)                         \
    X(v_p32_32, VOID, 3, PTR, I32, I32, VOID, VOID)                         \
    X(v_p64_64, VOID, 3, PTR, I64, I64, VOID, VOID)                         \
    X(v_p64_64_32, VOID, 4, PTR, I64, I64, I32, VOID)                       \
    X(v_ppp32, VOID, 4, PTR, PTR, PTR, I32, VOID)                           \
    X(p_p, PTR, 1, PTR, VOID, VOID, VOID, VOID)                             \
    X(q_p, I64, 1, PTR, VOID, VOID, VOID, VOID)                             \
    X(q_p32, I64, 2, PTR, I32, VOID, VOID, VOID)                            \
    X(q_p64, I64, 2, PTR, I64, VOID, VOID, VOID)                            \
    X(q_pp, I64, 2, PTR, PTR, VOID, VOID, VOID)                             \
    X(q_pp32, I64, 3, PTR, PTR, I32, VOID, VOID)                            \
    X(q_ppp32, I64, 4, PTR, PTR, PTR, I32, VOID)                            \
    X(q_p64_64_32, I64, 4, PTR, I64, I64, I32, VOID)                        \
    X(q_p64_32, I64, 3, PTR, I64, I32, VOID, VOID)                          \
    X(q_p32_32, I64, 3, PTR, I32, I32, VOID, VOID)                          \
    X(v_pp64_32, VOID, 4, PTR, PTR, I64, I32, VOID)                         \
    X(v_p64_32_64, VOID, 4, PTR, I64, I32, I64, VOID)                       \
    X(q_64_64_32, I64, 3, I64, I64, I32, VOID, VOID)                        \
    X(q_64_64_64_32, I64, 4, I64, I64, I64, I32, VOID)

#define TCI_OP_ALU(n) TCI_OP(n##32) TCI_OP(n##64) TCI_OP(n##i32) TCI_OP(n##i64)
#define TCI_OP_COND(C, c) TCI_OP(br_##c##32) TCI_OP(br_##c##64)             \
    TCI_OP(bri_##c##32) TCI_OP(bri_##c##64)
#define TCI_OP_ENVLD(n) TCI_OP(n) TCI_OP(n##_env)
#define TCI_OP_CALL(n, ...) TCI_OP(call_##n)

/* Every instruction; extra words after the first in brackets. */
#define TCI_OP_LIST                                                         \
    TCI_OP(mov32) TCI_OP(mov64)             /* A = B */                     \
    TCI_OP(movi)                            /* A = [imm] */                 \
    TCI_ALU_LIST(TCI_OP_ALU)                /* A = B op C / [imm] */        \
    TCI_OP(not32) TCI_OP(not64) TCI_OP(neg32) TCI_OP(neg64)                 \
    TCI_OP(ext8s32) TCI_OP(ext8s64) TCI_OP(ext8u) TCI_OP(ext16s32)          \
    TCI_OP(ext16s64) TCI_OP(ext16u) TCI_OP(ext32s) TCI_OP(ext32u)           \
    TCI_OP(extrh) TCI_OP(bswap16) TCI_OP(bswap32) TCI_OP(bswap64)           \
    TCI_OP(ctpop32) TCI_OP(ctpop64)                                         \
    TCI_OP(setcond32) TCI_OP(setcond64)     /* A = B cond C [cond] */       \
    TCI_OP(setcondi32) TCI_OP(setcondi64)   /* A = B cond [imm], cond C */  \
    TCI_OP(movcond32) TCI_OP(movcond64)     /* [D | E << 10 | cond << 20] */ \
    TCI_OP(deposit32) TCI_OP(deposit64)     /* [pos | len << 8] */          \
    TCI_OP(extract32) TCI_OP(extract64) TCI_OP(sextract32)                  \
    TCI_OP(sextract64)                      /* [pos | len << 8] */          \
    TCI_OP(muls2_32) TCI_OP(mulu2_32) TCI_OP(muls2_64)                      \
    TCI_OP(mulu2_64)                        /* [D] */                       \
    TCI_OP(br)                              /* [disp] */                    \
    TCI_COND_LIST(TCI_OP_COND)              /* [disp] / [imm][disp] */      \
    TCI_OP(brnz32_env) TCI_OP(brz32_env)    /* env offset, [disp] */        \
    TCI_LD_LIST(TCI_OP_ENVLD)               /* [off] / env offset */        \
    TCI_ST_LIST(TCI_OP_ENVLD)                                               \
    TCI_OP(sti32_env) TCI_OP(sti64_env)     /* env offset, [imm] */         \
    TCI_OP(qld32) TCI_OP(qld64) TCI_OP(qst) /* any memop */                 \
    TCI_QLD_LIST(TCI_OP) TCI_QST_LIST(TCI_OP)                               \
    TCI_CALL_LIST(TCI_OP_CALL)              /* [fn][args] */                \
    TCI_OP(call_ffi)                        /* [TCIHelper][args] */         \
    TCI_OP(goto_tb)                         /* [target] */                  \
    TCI_OP(exit_tb)                         /* [value] */                   \
    TCI_OP(goto_ptr) TCI_OP(mb)                                             \
    TCI_OP(lookup_goto_ptr)                 /* [lookup function] */

typedef enum TCIOp {
#define TCI_OP(n) TCI_##n,
    TCI_OP_LIST
#undef TCI_OP
    TCI_NB_OPS
} TCIOp;

#define TCI_SYNC_SHIFT 62
#define TCI_SYNC32 1ull
#define TCI_SYNC64 2ull

/* What the interpreter reads from the context's backend state. */
typedef struct TCIShared {
    uint32_t global_off[TCG_MAX_TEMPS / 4];     /* env offset of global n */
} TCIShared;

typedef struct TCIHelper {
    ffi_cif cif;
    ffi_type *args[TCG_HELPER_MAX_ARGS];
    const TCGHelperInfo *info;
    int shape;              /* TCIOp of a direct call, or TCI_call_ffi */
} TCIHelper;

uintptr_t tci_exec(TCGContext *s, void *env, const void *code);

/* Handler field of each TCIOp (see the first-word layout above). */
const int32_t *tci_handlers(void);

#endif
