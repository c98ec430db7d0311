/*
 * The quick path of SSE floating point, shared by the host fast path
 * (ssefp_host.c) and the per-operation helpers (ssefp_fast.c): with the
 * guest at round-to-nearest, no FTZ/DAZ, every exception masked and PE
 * already set (MXCSR & 0xffe0 == 0x1fa0, the steady state of
 * floating-point code), ADD/SUB/MUL/DIV/SQRT are computed in C, lane by
 * lane, when every input is a normal number or zero (no NaN, infinity or
 * denormal: no IE, DE) and every result is a normal number, or a zero
 * that is exact (a sum or difference, or a zero factor or dividend).
 * Such a result has no flag but PE, which is set already, and is the
 * correctly rounded value whatever the host (IEEE arithmetic in Kite's
 * own MXCSR, round-to-nearest). MIN/MAX of such inputs raise nothing
 * at all: the first operand if it is less, else the second. Anything
 * else is declined (false) and nothing is written.
 */
#ifndef KITE_X86_SSEFP_QUICK_H
#define KITE_X86_SSEFP_QUICK_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

enum { Q_ADD, Q_SUB, Q_MUL, Q_DIV, Q_SQRT, Q_MIN, Q_MAX };

#define SSEFP_QUICK_MXCSR 0x1fa0u

/* Whether MXCSR allows the quick path (flags other than PE ignored). */
static inline bool ssefp_quick_mxcsr(uint32_t mxcsr)
{
    return (mxcsr & 0xffe0u) == SSEFP_QUICK_MXCSR;
}

static inline bool q_ok_in64(uint64_t v)
{
    uint64_t e = (v >> 52) & 0x7ff;
    return (e != 0 && e != 0x7ff) || !(v << 1);
}

static inline bool q_ok_in32(uint32_t v)
{
    uint32_t e = (v >> 23) & 0xff;
    return (e != 0 && e != 0xff) || !(v << 1);
}

static inline bool q_zero_exact(int op, bool a_zero, bool b_zero)
{
    return op == Q_ADD || op == Q_SUB || (op == Q_MUL && (a_zero || b_zero)) ||
           (op == Q_DIV && a_zero && !b_zero);
}

static inline bool q_lane64(int op, uint64_t *r, uint64_t a, uint64_t b)
{
    double x, y, z;
    uint64_t e;

    if (!q_ok_in64(a) || !q_ok_in64(b) || (op == Q_DIV && !(b << 1)) ||
        (op == Q_SQRT && (b >> 63) && (b << 1))) {
        return false;
    }
    memcpy(&x, &a, 8);
    memcpy(&y, &b, 8);
    switch (op) {
    case Q_ADD: z = x + y; break;
    case Q_SUB: z = x - y; break;
    case Q_MUL: z = x * y; break;
    case Q_DIV: z = x / y; break;
    case Q_MIN: *r = x < y ? a : b; return true;
    case Q_MAX: *r = x > y ? a : b; return true;
    default: z = __builtin_sqrt(y); break;
    }
    memcpy(r, &z, 8);
    e = (*r >> 52) & 0x7ff;
    if (e == 0x7ff) {
        return false;
    }
    return e != 0 || (!(*r << 1) && (op == Q_SQRT ||
                                       q_zero_exact(op, !(a << 1), !(b << 1))));
}

static inline bool q_lane32(int op, uint32_t *r, uint32_t a, uint32_t b)
{
    float x, y, z;
    uint32_t e;

    if (!q_ok_in32(a) || !q_ok_in32(b) || (op == Q_DIV && !(b << 1)) ||
        (op == Q_SQRT && (b >> 31) && (b << 1))) {
        return false;
    }
    memcpy(&x, &a, 4);
    memcpy(&y, &b, 4);
    switch (op) {
    case Q_ADD: z = x + y; break;
    case Q_SUB: z = x - y; break;
    case Q_MUL: z = x * y; break;
    case Q_DIV: z = x / y; break;
    case Q_MIN: *r = x < y ? a : b; return true;
    case Q_MAX: *r = x > y ? a : b; return true;
    default: z = __builtin_sqrtf(y); break;
    }
    memcpy(r, &z, 4);
    e = (*r >> 23) & 0xff;
    if (e == 0xff) {
        return false;
    }
    return e != 0 || (!(*r << 1) && (op == Q_SQRT ||
                                       q_zero_exact(op, !(a << 1), !(b << 1))));
}

static inline uint64_t q_ld64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static inline void q_st64(uint8_t *p, uint64_t v)
{
    memcpy(p, &v, 8);
}

/*
 * d = d op s over `lanes` lanes of `size` (4 or 8) bytes; false, with d
 * untouched, if one lane is not quick. MXCSR is the caller's to check.
 * Memory is read and written in 8-byte pieces only, the size in which
 * generated code reads and writes XMM registers (a 16-byte access over
 * two 8-byte ones, or a 4-byte store read back by an 8-byte load, stalls
 * store forwarding); a single 4-byte lane is merged into its quadword.
 * Lanes are unrolled into scalars for the same reason.
 */
static inline bool ssefp_quick(int op, int size, int lanes, void *d,
                               const void *s)
{
    uint8_t *dp = d;
    const uint8_t *sp = s;
    uint64_t a0 = q_ld64(dp), b0 = q_ld64(sp), r0, r1 = 0;

    if (size == 8) {
        if (!q_lane64(op, &r0, a0, b0) ||
            (lanes == 2 && !q_lane64(op, &r1, q_ld64(dp + 8), q_ld64(sp + 8)))) {
            return false;
        }
        q_st64(dp, r0);
        if (lanes == 2) {
            q_st64(dp + 8, r1);
        }
        return true;
    }
    uint32_t l[4];
    if (!q_lane32(op, &l[0], (uint32_t)a0, (uint32_t)b0)) {
        return false;
    }
    if (lanes == 1) {
        q_st64(dp, (a0 & ~0xffffffffull) | l[0]);
        return true;
    }
    uint64_t a1 = q_ld64(dp + 8), b1 = q_ld64(sp + 8);
    if (!q_lane32(op, &l[1], (uint32_t)(a0 >> 32), (uint32_t)(b0 >> 32)) ||
        !q_lane32(op, &l[2], (uint32_t)a1, (uint32_t)b1) ||
        !q_lane32(op, &l[3], (uint32_t)(a1 >> 32), (uint32_t)(b1 >> 32))) {
        return false;
    }
    q_st64(dp, l[0] | (uint64_t)l[1] << 32);
    q_st64(dp + 8, l[2] | (uint64_t)l[3] << 32);
    return true;
}

#endif
