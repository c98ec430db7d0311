/*
 * Lazy x86 condition codes: the cc_op values and what cc_dst, cc_src and
 * cc_src2 hold for each (Intel SDM Vol. 1, 3.4.3 "EFLAGS Register", and
 * the "Flags Affected" section of each instruction in Vol. 2).
 *
 * An instruction that sets the arithmetic flags (CF PF AF ZF SF OF) does
 * not compute them: it stores its result and operands and names the
 * operation in cc_op. The flags are computed only when something reads
 * them (Jcc, SETcc, ADC, PUSHF, an exception...), and often only the one
 * condition that is needed (see translate.c, gen_prepare_cc).
 *
 * Operations come in four sizes, in the order B W L Q, so that
 * CC_OP_ADDB + ot (ot = log2 of the operand size) names the sized op.
 *
 *   op          cc_dst          cc_src              cc_src2
 *   EFLAGS      -               the flags (RF_ARITH bits)   -
 *   CLR         -               -                   -   (ZF PF set)
 *   ADD         result          second operand      -
 *   ADC         result          second operand      carry in
 *   SUB         result          second operand      -   (first = dst + src)
 *   SBB         result          second operand      borrow in
 *   LOGIC       result          -                   -
 *   INC/DEC     result          CF before           -
 *   SHL         result          first operand << (count - 1)
 *   SAR         result          first operand >> (count - 1) (SHR and SAR)
 *   MUL         result (low)    nonzero: CF=OF=1    -
 *
 * Undefined flags (SDM "undefined") get a deterministic value: whatever
 * the formula for the op gives.
 */
#ifndef KITE_X86_CC_H
#define KITE_X86_CC_H

#include <stdint.h>

#define CC_OP_SIZED(name) CC_OP_##name##B, CC_OP_##name##W, \
                          CC_OP_##name##L, CC_OP_##name##Q

typedef enum X86CCOp {
    CC_OP_EFLAGS = 0,
    CC_OP_CLR,
    CC_OP_SIZED(ADD),
    CC_OP_SIZED(ADC),
    CC_OP_SIZED(SUB),
    CC_OP_SIZED(SBB),
    CC_OP_SIZED(LOGIC),
    CC_OP_SIZED(INC),
    CC_OP_SIZED(DEC),
    CC_OP_SIZED(SHL),
    CC_OP_SIZED(SAR),
    CC_OP_SIZED(MUL),
    CC_OP_NB,
} X86CCOp;

#undef CC_OP_SIZED

/* Which of cc_dst, cc_src, cc_src2 an op reads. */
enum { CC_USE_DST = 1, CC_USE_SRC = 2, CC_USE_SRC2 = 4 };

/* The size-less kind of a sized op (CC_OP_ADDL -> CC_OP_ADDB). */
static inline uint32_t cc_op_kind(uint32_t op)
{
    return op < CC_OP_ADDB ? op : CC_OP_ADDB + ((op - CC_OP_ADDB) & ~3u);
}
/* log2 of the operand size of a sized op (0..3). */
static inline unsigned cc_op_ot(uint32_t op)
{
    return op < CC_OP_ADDB ? 3 : (op - CC_OP_ADDB) & 3u;
}

/* CC_USE_* mask of op (0 for an unknown op). */
unsigned cc_op_uses(uint32_t op);
/* The RF_ARITH bits for op and its operands. */
uint64_t cc_compute_all(uint32_t op, uint64_t dst, uint64_t src,
                        uint64_t src2);
/* CF alone (0 or 1). */
uint64_t cc_compute_c(uint32_t op, uint64_t dst, uint64_t src,
                      uint64_t src2);

#endif
