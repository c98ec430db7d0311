/*
 * The IR builder: one tcg_gen_<op>_<width>() per op of tcg/ops.def, plus
 * immediate forms (addi, shli...) that take a host constant and turn it
 * into a TEMP_CONST input. This is what the guest translator calls.
 *
 * Every function takes the TCGContext first; temps are typed handles
 * (TCGv_i32, TCGv_i64, TCGv_ptr) from tcg/tcg.h. Argument order follows
 * the op: outputs first, then inputs, then constants. Conditions come
 * first for setcond/movcond/brcond, as in QEMU.
 */
#ifndef KITE_TCG_OP_H
#define KITE_TCG_OP_H

#include <assert.h>

#include "tcg/tcg.h"

static inline void tcg_gen_op1(TCGContext *s, TCGOpcode opc, TCGArg a1)
{
    TCGOp *op = tcg_emit_op(s, opc);
    op->args[0] = a1;
}
static inline void tcg_gen_op2(TCGContext *s, TCGOpcode opc, TCGArg a1,
                               TCGArg a2)
{
    TCGOp *op = tcg_emit_op(s, opc);
    op->args[0] = a1;
    op->args[1] = a2;
}
static inline void tcg_gen_op3(TCGContext *s, TCGOpcode opc, TCGArg a1,
                               TCGArg a2, TCGArg a3)
{
    TCGOp *op = tcg_emit_op(s, opc);
    op->args[0] = a1;
    op->args[1] = a2;
    op->args[2] = a3;
}
static inline void tcg_gen_op4(TCGContext *s, TCGOpcode opc, TCGArg a1,
                               TCGArg a2, TCGArg a3, TCGArg a4)
{
    TCGOp *op = tcg_emit_op(s, opc);
    op->args[0] = a1;
    op->args[1] = a2;
    op->args[2] = a3;
    op->args[3] = a4;
}
static inline void tcg_gen_op5(TCGContext *s, TCGOpcode opc, TCGArg a1,
                               TCGArg a2, TCGArg a3, TCGArg a4, TCGArg a5)
{
    TCGOp *op = tcg_emit_op(s, opc);
    op->args[0] = a1;
    op->args[1] = a2;
    op->args[2] = a3;
    op->args[3] = a4;
    op->args[4] = a5;
}
static inline void tcg_gen_op6(TCGContext *s, TCGOpcode opc, TCGArg a1,
                               TCGArg a2, TCGArg a3, TCGArg a4, TCGArg a5,
                               TCGArg a6)
{
    TCGOp *op = tcg_emit_op(s, opc);
    op->args[0] = a1;
    op->args[1] = a2;
    op->args[2] = a3;
    op->args[3] = a4;
    op->args[4] = a5;
    op->args[5] = a6;
}

/* Generators shared by both widths; W is i32 or i64, T its C type. */
#define TCG_GEN_UNARY(W, NAME)                                              \
    static inline void tcg_gen_##NAME##_##W(TCGContext *s, TCGv_##W r,      \
                                            TCGv_##W a)                     \
    {                                                                       \
        tcg_gen_op2(s, INDEX_op_##NAME##_##W, tcgv_##W##_arg(r),            \
                    tcgv_##W##_arg(a));                                     \
    }
#define TCG_GEN_BINARY(W, NAME)                                             \
    static inline void tcg_gen_##NAME##_##W(TCGContext *s, TCGv_##W r,      \
                                            TCGv_##W a, TCGv_##W b)         \
    {                                                                       \
        tcg_gen_op3(s, INDEX_op_##NAME##_##W, tcgv_##W##_arg(r),            \
                    tcgv_##W##_arg(a), tcgv_##W##_arg(b));                  \
    }
#define TCG_GEN_BINARYI(W, T, NAME)                                         \
    static inline void tcg_gen_##NAME##i_##W(TCGContext *s, TCGv_##W r,     \
                                             TCGv_##W a, T imm)             \
    {                                                                       \
        tcg_gen_##NAME##_##W(s, r, a, tcg_constant_##W(s, imm));            \
    }
#define TCG_GEN_LD(W, NAME)                                                 \
    static inline void tcg_gen_##NAME##_##W(TCGContext *s, TCGv_##W r,      \
                                            TCGv_ptr base, int64_t off)     \
    {                                                                       \
        tcg_gen_op3(s, INDEX_op_##NAME##_##W, tcgv_##W##_arg(r),            \
                    tcgv_ptr_arg(base), (TCGArg)off);                       \
    }
#define TCG_GEN_ST(W, NAME) TCG_GEN_LD(W, NAME)

#define TCG_GEN_WIDTH(W, T)                                                 \
    TCG_GEN_BINARY(W, add) TCG_GEN_BINARY(W, sub) TCG_GEN_BINARY(W, mul)    \
    TCG_GEN_BINARY(W, and) TCG_GEN_BINARY(W, or) TCG_GEN_BINARY(W, xor)     \
    TCG_GEN_BINARY(W, andc) TCG_GEN_BINARY(W, shl) TCG_GEN_BINARY(W, shr)   \
    TCG_GEN_BINARY(W, sar) TCG_GEN_BINARY(W, rotl) TCG_GEN_BINARY(W, rotr)  \
    TCG_GEN_BINARY(W, clz) TCG_GEN_BINARY(W, ctz)                           \
    TCG_GEN_BINARYI(W, T, add) TCG_GEN_BINARYI(W, T, sub)                   \
    TCG_GEN_BINARYI(W, T, mul) TCG_GEN_BINARYI(W, T, and)                   \
    TCG_GEN_BINARYI(W, T, or) TCG_GEN_BINARYI(W, T, xor)                    \
    TCG_GEN_BINARYI(W, T, andc) TCG_GEN_BINARYI(W, T, shl)                  \
    TCG_GEN_BINARYI(W, T, shr) TCG_GEN_BINARYI(W, T, sar)                   \
    TCG_GEN_BINARYI(W, T, rotl) TCG_GEN_BINARYI(W, T, rotr)                 \
    TCG_GEN_BINARYI(W, T, clz) TCG_GEN_BINARYI(W, T, ctz)                   \
    TCG_GEN_UNARY(W, not) TCG_GEN_UNARY(W, neg)                             \
    TCG_GEN_UNARY(W, ext8s) TCG_GEN_UNARY(W, ext8u)                         \
    TCG_GEN_UNARY(W, ext16s) TCG_GEN_UNARY(W, ext16u)                       \
    TCG_GEN_UNARY(W, bswap16) TCG_GEN_UNARY(W, bswap32)                     \
    TCG_GEN_UNARY(W, ctpop)                                                 \
    TCG_GEN_LD(W, ld8u) TCG_GEN_LD(W, ld8s) TCG_GEN_LD(W, ld16u)            \
    TCG_GEN_LD(W, ld16s) TCG_GEN_LD(W, ld)                                  \
    TCG_GEN_ST(W, st8) TCG_GEN_ST(W, st16) TCG_GEN_ST(W, st)                \
                                                                            \
    static inline void tcg_gen_mov_##W(TCGContext *s, TCGv_##W r,           \
                                       TCGv_##W a)                          \
    {                                                                       \
        if (r != a) {                                                       \
            tcg_gen_op2(s, INDEX_op_mov_##W, tcgv_##W##_arg(r),             \
                        tcgv_##W##_arg(a));                                 \
        }                                                                   \
    }                                                                       \
    static inline void tcg_gen_movi_##W(TCGContext *s, TCGv_##W r, T val)   \
    {                                                                       \
        tcg_gen_op2(s, INDEX_op_movi_##W, tcgv_##W##_arg(r), (TCGArg)val);  \
    }                                                                       \
    static inline void tcg_gen_muls2_##W(TCGContext *s, TCGv_##W lo,        \
                                         TCGv_##W hi, TCGv_##W a,           \
                                         TCGv_##W b)                        \
    {                                                                       \
        tcg_gen_op4(s, INDEX_op_muls2_##W, tcgv_##W##_arg(lo),              \
                    tcgv_##W##_arg(hi), tcgv_##W##_arg(a),                  \
                    tcgv_##W##_arg(b));                                     \
    }                                                                       \
    static inline void tcg_gen_mulu2_##W(TCGContext *s, TCGv_##W lo,        \
                                         TCGv_##W hi, TCGv_##W a,           \
                                         TCGv_##W b)                        \
    {                                                                       \
        tcg_gen_op4(s, INDEX_op_mulu2_##W, tcgv_##W##_arg(lo),              \
                    tcgv_##W##_arg(hi), tcgv_##W##_arg(a),                  \
                    tcgv_##W##_arg(b));                                     \
    }                                                                       \
    static inline void tcg_gen_deposit_##W(TCGContext *s, TCGv_##W r,       \
                                           TCGv_##W a, TCGv_##W b,          \
                                           unsigned pos, unsigned len)      \
    {                                                                       \
        assert(len >= 1 && pos + len <= 8 * sizeof(T));                     \
        tcg_gen_op5(s, INDEX_op_deposit_##W, tcgv_##W##_arg(r),             \
                    tcgv_##W##_arg(a), tcgv_##W##_arg(b), pos, len);        \
    }                                                                       \
    static inline void tcg_gen_extract_##W(TCGContext *s, TCGv_##W r,       \
                                           TCGv_##W a, unsigned pos,        \
                                           unsigned len)                    \
    {                                                                       \
        assert(len >= 1 && pos + len <= 8 * sizeof(T));                     \
        tcg_gen_op4(s, INDEX_op_extract_##W, tcgv_##W##_arg(r),             \
                    tcgv_##W##_arg(a), pos, len);                           \
    }                                                                       \
    static inline void tcg_gen_sextract_##W(TCGContext *s, TCGv_##W r,      \
                                            TCGv_##W a, unsigned pos,       \
                                            unsigned len)                   \
    {                                                                       \
        assert(len >= 1 && pos + len <= 8 * sizeof(T));                     \
        tcg_gen_op4(s, INDEX_op_sextract_##W, tcgv_##W##_arg(r),            \
                    tcgv_##W##_arg(a), pos, len);                           \
    }                                                                       \
    static inline void tcg_gen_setcond_##W(TCGContext *s, TCGCond c,        \
                                           TCGv_##W r, TCGv_##W a,          \
                                           TCGv_##W b)                      \
    {                                                                       \
        tcg_gen_op4(s, INDEX_op_setcond_##W, tcgv_##W##_arg(r),             \
                    tcgv_##W##_arg(a), tcgv_##W##_arg(b), c);               \
    }                                                                       \
    static inline void tcg_gen_setcondi_##W(TCGContext *s, TCGCond c,       \
                                            TCGv_##W r, TCGv_##W a, T b)    \
    {                                                                       \
        tcg_gen_setcond_##W(s, c, r, a, tcg_constant_##W(s, b));            \
    }                                                                       \
    static inline void tcg_gen_movcond_##W(TCGContext *s, TCGCond c,        \
                                           TCGv_##W r, TCGv_##W c1,         \
                                           TCGv_##W c2, TCGv_##W v1,        \
                                           TCGv_##W v2)                     \
    {                                                                       \
        tcg_gen_op6(s, INDEX_op_movcond_##W, tcgv_##W##_arg(r),             \
                    tcgv_##W##_arg(c1), tcgv_##W##_arg(c2),                 \
                    tcgv_##W##_arg(v1), tcgv_##W##_arg(v2), c);             \
    }                                                                       \
    static inline void tcg_gen_brcond_##W(TCGContext *s, TCGCond c,         \
                                          TCGv_##W a, TCGv_##W b,           \
                                          TCGLabel *l)                      \
    {                                                                       \
        if (c == TCG_COND_ALWAYS) {                                         \
            tcg_gen_br(s, l);                                               \
        } else if (c != TCG_COND_NEVER) {                                   \
            l->refs++;                                                      \
            tcg_gen_op4(s, INDEX_op_brcond_##W, tcgv_##W##_arg(a),          \
                        tcgv_##W##_arg(b), c, label_arg(l));                \
        }                                                                   \
    }                                                                       \
    static inline void tcg_gen_brcondi_##W(TCGContext *s, TCGCond c,        \
                                           TCGv_##W a, T b, TCGLabel *l)    \
    {                                                                       \
        tcg_gen_brcond_##W(s, c, a, tcg_constant_##W(s, b), l);             \
    }                                                                       \
    static inline void tcg_gen_qemu_ld_##W(TCGContext *s, TCGv_##W v,       \
                                           TCGv_i64 addr, unsigned mmu_idx, \
                                           MemOp mo)                        \
    {                                                                       \
        tcg_gen_op3(s, INDEX_op_qemu_ld_##W, tcgv_##W##_arg(v),             \
                    tcgv_i64_arg(addr), tcg_memop_idx(mo, mmu_idx));        \
    }                                                                       \
    static inline void tcg_gen_qemu_st_##W(TCGContext *s, TCGv_##W v,       \
                                           TCGv_i64 addr, unsigned mmu_idx, \
                                           MemOp mo)                        \
    {                                                                       \
        tcg_gen_op3(s, INDEX_op_qemu_st_##W, tcgv_##W##_arg(v),             \
                    tcgv_i64_arg(addr), tcg_memop_idx(mo, mmu_idx));        \
    }                                                                       \
    static inline void tcg_gen_discard_##W(TCGContext *s, TCGv_##W a)       \
    {                                                                       \
        tcg_gen_op1(s, INDEX_op_discard, tcgv_##W##_arg(a));                \
    }

/* control flow used by the width generators */
static inline void tcg_gen_br(TCGContext *s, TCGLabel *l)
{
    l->refs++;
    tcg_gen_op1(s, INDEX_op_br, label_arg(l));
}
static inline void tcg_gen_set_label(TCGContext *s, TCGLabel *l)
{
    l->present = true;
    tcg_gen_op1(s, INDEX_op_set_label, label_arg(l));
}

TCG_GEN_WIDTH(i32, uint32_t)
TCG_GEN_WIDTH(i64, uint64_t)

/* 64-bit only */
TCG_GEN_UNARY(i64, ext32s) TCG_GEN_UNARY(i64, ext32u)
TCG_GEN_UNARY(i64, bswap64)
TCG_GEN_LD(i64, ld32u) TCG_GEN_LD(i64, ld32s) TCG_GEN_ST(i64, st32)

/* width changes */
static inline void tcg_gen_extu_i32_i64(TCGContext *s, TCGv_i64 r, TCGv_i32 a)
{
    tcg_gen_op2(s, INDEX_op_extu_i32_i64, tcgv_i64_arg(r), tcgv_i32_arg(a));
}
static inline void tcg_gen_exts_i32_i64(TCGContext *s, TCGv_i64 r, TCGv_i32 a)
{
    tcg_gen_op2(s, INDEX_op_exts_i32_i64, tcgv_i64_arg(r), tcgv_i32_arg(a));
}
static inline void tcg_gen_extrl_i64_i32(TCGContext *s, TCGv_i32 r, TCGv_i64 a)
{
    tcg_gen_op2(s, INDEX_op_extrl_i64_i32, tcgv_i32_arg(r), tcgv_i64_arg(a));
}
static inline void tcg_gen_extrh_i64_i32(TCGContext *s, TCGv_i32 r, TCGv_i64 a)
{
    tcg_gen_op2(s, INDEX_op_extrh_i64_i32, tcgv_i32_arg(r), tcgv_i64_arg(a));
}

/* pointers (host pointer-sized; i64 on 64-bit hosts) */
static inline void tcg_gen_ld_ptr(TCGContext *s, TCGv_ptr r, TCGv_ptr base,
                                  int64_t off)
{
    tcg_gen_op3(s, TCG_TYPE_PTR == TCG_TYPE_I64 ? INDEX_op_ld_i64
                                                : INDEX_op_ld_i32,
                tcgv_ptr_arg(r), tcgv_ptr_arg(base), (TCGArg)off);
}

static inline void tcg_gen_mov_ptr(TCGContext *s, TCGv_ptr r, TCGv_ptr a)
{
    if (r != a) {
        tcg_gen_op2(s, TCG_TYPE_PTR == TCG_TYPE_I64 ? INDEX_op_mov_i64
                                                    : INDEX_op_mov_i32,
                    tcgv_ptr_arg(r), tcgv_ptr_arg(a));
    }
}
/* r = a + imm: pointers into env for helpers (vector registers...) */
static inline void tcg_gen_addi_ptr(TCGContext *s, TCGv_ptr r, TCGv_ptr a,
                                    intptr_t imm)
{
    tcg_gen_op3(s, TCG_TYPE_PTR == TCG_TYPE_I64 ? INDEX_op_add_i64
                                                : INDEX_op_add_i32,
                tcgv_ptr_arg(r), tcgv_ptr_arg(a),
                temp_arg(tcg_constant_internal(s, TCG_TYPE_PTR, (uintptr_t)imm)));
}

/* guest instruction boundaries and TB exits */
static inline void tcg_gen_insn_start(TCGContext *s, uint64_t pc,
                                      uint64_t word1)
{
    tcg_gen_op2(s, INDEX_op_insn_start, pc, word1);
}
/* Leaves the TB returning (uintptr_t)tb | idx (tb may be NULL). */
static inline void tcg_gen_exit_tb(TCGContext *s, const void *tb, unsigned idx)
{
    assert(((uintptr_t)tb & TB_EXIT_MASK) == 0 && idx <= TB_EXIT_MASK);
    tcg_gen_op1(s, INDEX_op_exit_tb, (uintptr_t)tb | idx);
}
/* Direct-chaining slot n (0 or 1): jumps to the chained TB when patched. */
static inline void tcg_gen_goto_tb(TCGContext *s, unsigned n)
{
    assert(n < 2);
    tcg_gen_op1(s, INDEX_op_goto_tb, n);
}
/* Continues at TB code ptr, or returns 0 to the exec loop if ptr is NULL. */
static inline void tcg_gen_goto_ptr(TCGContext *s, TCGv_ptr ptr)
{
    tcg_gen_op1(s, INDEX_op_goto_ptr, tcgv_ptr_arg(ptr));
}
/*
 * lookup(env) -> code pointer or NULL: a runtime helper (TCG_HT_PTR
 * result, one TCG_HT_PTR argument) that finds the TB for the current
 * guest state; then goto_ptr.
 */
static inline void tcg_gen_lookup_and_goto_ptr(TCGContext *s,
                                               const TCGHelperInfo *lookup)
{
    TCGTemp *ptr = tcg_temp_new_internal(s, TCG_TYPE_PTR, TEMP_EBB);
    TCGTemp *args[1] = { tcgv_ptr_temp(tcg_env(s)) };
    tcg_gen_callN(s, lookup, ptr, args);
    tcg_gen_goto_ptr(s, temp_tcgv_ptr(ptr));
    tcg_temp_free_internal(s, ptr);
}
/*
 * lookup_goto_ptr: like tcg_gen_lookup_and_goto_ptr, for a guest state
 * that leads to the linear pc `pc`, which a backend may look up in the
 * jump cache (tcg/jmp-cache.h) before it calls lookup. The caller
 * guarantees that a cache entry matching pc and the key in env is the
 * block lookup would find.
 */
static inline void tcg_gen_lookup_goto_ptr(TCGContext *s, TCGv_i64 pc,
                                           const TCGHelperInfo *lookup)
{
    tcg_gen_op2(s, INDEX_op_lookup_goto_ptr, tcgv_i64_arg(pc),
                (TCGArg)(uintptr_t)lookup);
}
/* Memory barrier kinds for tcg_gen_mb (orderings that must hold). */
enum {
    TCG_MO_LD_LD = 1, TCG_MO_ST_LD = 2, TCG_MO_LD_ST = 4, TCG_MO_ST_ST = 8,
    TCG_MO_ALL = 15,
};
static inline void tcg_gen_mb(TCGContext *s, unsigned type)
{
    tcg_gen_op1(s, INDEX_op_mb, type);
}

#endif
