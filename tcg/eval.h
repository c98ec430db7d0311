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

#endif
