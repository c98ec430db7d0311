/*
 * Reference semantics of the TCG ops that are more than one C operator,
 * shared by the optimizer's constant folding and the interpreter. The
 * definitions follow the notes at the top of tcg/ops.def.
 */
#ifndef KITE_TCG_EVAL_H
#define KITE_TCG_EVAL_H

#include <stdbool.h>
#include <stdint.h>

#include "tcg/tcg.h"

static inline bool tcg_eval_cond32(TCGCond c, uint32_t a, uint32_t b)
{
    switch (c) {
    case TCG_COND_NEVER: return false;
    case TCG_COND_ALWAYS: return true;
    case TCG_COND_EQ: return a == b;
    case TCG_COND_NE: return a != b;
    case TCG_COND_LT: return (int32_t)a < (int32_t)b;
    case TCG_COND_GE: return (int32_t)a >= (int32_t)b;
    case TCG_COND_LE: return (int32_t)a <= (int32_t)b;
    case TCG_COND_GT: return (int32_t)a > (int32_t)b;
    case TCG_COND_LTU: return a < b;
    case TCG_COND_GEU: return a >= b;
    case TCG_COND_LEU: return a <= b;
    case TCG_COND_GTU: return a > b;
    case TCG_COND_TSTEQ: return (a & b) == 0;
    case TCG_COND_TSTNE: return (a & b) != 0;
    }
    return false;
}

static inline bool tcg_eval_cond64(TCGCond c, uint64_t a, uint64_t b)
{
    switch (c) {
    case TCG_COND_NEVER: return false;
    case TCG_COND_ALWAYS: return true;
    case TCG_COND_EQ: return a == b;
    case TCG_COND_NE: return a != b;
    case TCG_COND_LT: return (int64_t)a < (int64_t)b;
    case TCG_COND_GE: return (int64_t)a >= (int64_t)b;
    case TCG_COND_LE: return (int64_t)a <= (int64_t)b;
    case TCG_COND_GT: return (int64_t)a > (int64_t)b;
    case TCG_COND_LTU: return a < b;
    case TCG_COND_GEU: return a >= b;
    case TCG_COND_LEU: return a <= b;
    case TCG_COND_GTU: return a > b;
    case TCG_COND_TSTEQ: return (a & b) == 0;
    case TCG_COND_TSTNE: return (a & b) != 0;
    }
    return false;
}

static inline uint32_t tcg_rotl32(uint32_t x, unsigned n)
{
    n &= 31;
    return n ? (x << n) | (x >> (32 - n)) : x;
}
static inline uint32_t tcg_rotr32(uint32_t x, unsigned n)
{
    n &= 31;
    return n ? (x >> n) | (x << (32 - n)) : x;
}
static inline uint64_t tcg_rotl64(uint64_t x, unsigned n)
{
    n &= 63;
    return n ? (x << n) | (x >> (64 - n)) : x;
}
static inline uint64_t tcg_rotr64(uint64_t x, unsigned n)
{
    n &= 63;
    return n ? (x >> n) | (x << (64 - n)) : x;
}

static inline uint32_t tcg_clz32(uint32_t x, uint32_t z)
{
    return x ? (uint32_t)__builtin_clz(x) : z;
}
static inline uint32_t tcg_ctz32(uint32_t x, uint32_t z)
{
    return x ? (uint32_t)__builtin_ctz(x) : z;
}
static inline uint64_t tcg_clz64(uint64_t x, uint64_t z)
{
    return x ? (uint64_t)__builtin_clzll(x) : z;
}
static inline uint64_t tcg_ctz64(uint64_t x, uint64_t z)
{
    return x ? (uint64_t)__builtin_ctzll(x) : z;
}

/* Bit fields; pos + len <= 64 and len >= 1 are checked when emitting. */
static inline uint64_t tcg_field_mask(unsigned len)
{
    return len >= 64 ? ~0ull : (1ull << len) - 1;
}
static inline uint64_t tcg_deposit64(uint64_t a, uint64_t b, unsigned pos,
                                     unsigned len)
{
    uint64_t m = tcg_field_mask(len) << pos;
    return (a & ~m) | ((b << pos) & m);
}
static inline uint64_t tcg_extract64(uint64_t a, unsigned pos, unsigned len)
{
    return (a >> pos) & tcg_field_mask(len);
}
static inline int64_t tcg_sextract64(uint64_t a, unsigned pos, unsigned len)
{
    return (int64_t)(a << (64 - pos - len)) >> (64 - len);
}

static inline void tcg_mulu2_64(uint64_t *lo, uint64_t *hi, uint64_t a,
                                uint64_t b)
{
#ifdef __SIZEOF_INT128__
    unsigned __int128 p = (unsigned __int128)a * b;
    *lo = (uint64_t)p;
    *hi = (uint64_t)(p >> 64);
#else
    uint64_t al = (uint32_t)a, ah = a >> 32, bl = (uint32_t)b, bh = b >> 32;
    uint64_t ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
    uint64_t mid = (ll >> 32) + (uint32_t)lh + (uint32_t)hl;
    *lo = (mid << 32) | (uint32_t)ll;
    *hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
#endif
}
static inline void tcg_muls2_64(uint64_t *lo, uint64_t *hi, uint64_t a,
                                uint64_t b)
{
    tcg_mulu2_64(lo, hi, a, b);
    /* signed high part = unsigned high part minus the sign corrections */
    if ((int64_t)a < 0) {
        *hi -= b;
    }
    if ((int64_t)b < 0) {
        *hi -= a;
    }
}

/*
 * The value of each unary or binary arithmetic op, for constant folding.
 * Unary ops ignore y; the result of a 32-bit op is zero-extended. The
 * interpreter (tcg/tci/tci-exec.c) spells the same operations out in its
 * dispatch switch: routing it through these functions measured about 20%
 * slower there, so the two are kept in step by test-tcg-tci and the
 * optimizer's random-program test instead.
 */
static inline uint64_t
tcg_eval_op32(TCGOpcode opc, uint32_t x, uint32_t y)
{
    switch (opc) {
    case INDEX_op_add_i32: return x + y;
    case INDEX_op_sub_i32: return x - y;
    case INDEX_op_mul_i32: return x * y;
    case INDEX_op_and_i32: return x & y;
    case INDEX_op_or_i32: return x | y;
    case INDEX_op_xor_i32: return x ^ y;
    case INDEX_op_andc_i32: return x & ~y;
    case INDEX_op_not_i32: return ~x;
    case INDEX_op_neg_i32: return -x;
    case INDEX_op_shl_i32: return x << (y & 31);
    case INDEX_op_shr_i32: return x >> (y & 31);
    case INDEX_op_sar_i32: return (uint32_t)((int32_t)x >> (y & 31));
    case INDEX_op_rotl_i32: return tcg_rotl32(x, y);
    case INDEX_op_rotr_i32: return tcg_rotr32(x, y);
    case INDEX_op_ext8s_i32: return (uint32_t)(int8_t)x;
    case INDEX_op_ext8u_i32: return (uint8_t)x;
    case INDEX_op_ext16s_i32: return (uint32_t)(int16_t)x;
    case INDEX_op_ext16u_i32: return (uint16_t)x;
    case INDEX_op_bswap16_i32: return __builtin_bswap16((uint16_t)x);
    case INDEX_op_bswap32_i32: return __builtin_bswap32(x);
    case INDEX_op_clz_i32: return tcg_clz32(x, y);
    case INDEX_op_ctz_i32: return tcg_ctz32(x, y);
    case INDEX_op_ctpop_i32: return (uint32_t)__builtin_popcount(x);
    default: return 0;
    }
}

static inline uint64_t
tcg_eval_op64(TCGOpcode opc, uint64_t x, uint64_t y)
{
    switch (opc) {
    case INDEX_op_add_i64: return x + y;
    case INDEX_op_sub_i64: return x - y;
    case INDEX_op_mul_i64: return x * y;
    case INDEX_op_and_i64: return x & y;
    case INDEX_op_or_i64: return x | y;
    case INDEX_op_xor_i64: return x ^ y;
    case INDEX_op_andc_i64: return x & ~y;
    case INDEX_op_not_i64: return ~x;
    case INDEX_op_neg_i64: return -x;
    case INDEX_op_shl_i64: return x << (y & 63);
    case INDEX_op_shr_i64: return x >> (y & 63);
    case INDEX_op_sar_i64: return (uint64_t)((int64_t)x >> (y & 63));
    case INDEX_op_rotl_i64: return tcg_rotl64(x, (unsigned)y);
    case INDEX_op_rotr_i64: return tcg_rotr64(x, (unsigned)y);
    case INDEX_op_ext8s_i64: return (uint64_t)(int8_t)x;
    case INDEX_op_ext8u_i64: return (uint8_t)x;
    case INDEX_op_ext16s_i64: return (uint64_t)(int16_t)x;
    case INDEX_op_ext16u_i64: return (uint16_t)x;
    case INDEX_op_ext32s_i64: return (uint64_t)(int32_t)x;
    case INDEX_op_ext32u_i64: return (uint32_t)x;
    case INDEX_op_bswap16_i64: return __builtin_bswap16((uint16_t)x);
    case INDEX_op_bswap32_i64: return __builtin_bswap32((uint32_t)x);
    case INDEX_op_bswap64_i64: return __builtin_bswap64(x);
    case INDEX_op_clz_i64: return tcg_clz64(x, y);
    case INDEX_op_ctz_i64: return tcg_ctz64(x, y);
    case INDEX_op_ctpop_i64: return (uint64_t)__builtin_popcountll(x);
    case INDEX_op_extu_i32_i64: return (uint32_t)x;
    case INDEX_op_exts_i32_i64: return (uint64_t)(int32_t)x;
    case INDEX_op_extrl_i64_i32: return (uint32_t)x;
    case INDEX_op_extrh_i64_i32: return x >> 32;
    default: return 0;
    }
}

#endif
