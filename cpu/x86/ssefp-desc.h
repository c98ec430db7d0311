/*
 * The descriptor the SSE floating-point translator passes to its helpers
 * (cpu/x86/helper-ssefp.def): the mnemonic (X86Mnem) says the operation
 * and the lane format, imm8 the comparison predicate, rounding control or
 * dot-product masks, and bytes the size of a general-register integer
 * operand (CVTSI2SS, CVTSS2SI...).
 */
#ifndef KITE_X86_SSEFP_DESC_H
#define KITE_X86_SSEFP_DESC_H

#include <stdint.h>

#define SSEFP_DESC(mnem, imm, bytes)                                        \
    ((uint32_t)(mnem) | ((uint32_t)(imm) & 0xff) << 16 |                    \
     (uint32_t)(bytes) << 24)
#define SSEFP_DESC_MNEM(desc)  ((desc) & 0xffff)
#define SSEFP_DESC_IMM(desc)   (((desc) >> 16) & 0xff)
#define SSEFP_DESC_BYTES(desc) ((desc) >> 24)

#endif
