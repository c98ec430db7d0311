/*
 * The descriptor the translator passes to helper simd_op (simd_helper.c):
 * which operation of cpu/x86/simd-ops.def, the register width in bytes
 * (8 for MMX, 16 for XMM) and the instruction's imm8.
 */
#ifndef KITE_X86_SIMD_DESC_H
#define KITE_X86_SIMD_DESC_H

enum {
#define SIMD_OP(name) SIMD_OP_##name,
#include "cpu/x86/simd-ops.def"
#undef SIMD_OP
    SIMD_OP_COUNT
};

#define SIMD_DESC(op, bytes, imm) \
    ((uint32_t)(op) | (uint32_t)(bytes) << 8 | ((uint32_t)(imm) & 0xff) << 16)
#define SIMD_DESC_OP(desc) ((desc) & 0xff)
#define SIMD_DESC_BYTES(desc) (((desc) >> 8) & 0xff)
#define SIMD_DESC_IMM(desc) (((desc) >> 16) & 0xff)

/* helper pcmpstr's control word: imm8 plus these */
#define SIMD_STR_EXPLICIT (1u << 8)     /* PCMPESTRx: lengths in rAX, rDX */
#define SIMD_STR_WIDE     (1u << 9)     /* REX.W: 64-bit rAX, rDX */
#define SIMD_STR_MASK     (1u << 10)    /* PCMPxSTRM: mask to XMM0 */

#endif
