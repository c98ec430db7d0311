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

/*
 * d = d op s over `lanes` lanes of `size` (4 or 8) bytes; false, with d
 * untouched, if one lane is not quick. Only the lanes used are read (a
 * scalar form reads no more than the guest wrote: no store-forwarding
 * stall), with constant-size copies. MXCSR is the caller's to check.
 */
static inline bool ssefp_quick(int op, int size, int lanes, void *d,
                               const void *s)
{
    const uint8_t *dp = d, *sp = s;

    if (size == 8) {
        uint64_t r[2];
        for (int i = 0; i < lanes; i++) {
            uint64_t x, y;
            memcpy(&x, dp + 8 * i, 8);
            memcpy(&y, sp + 8 * i, 8);
            if (!q_lane64(op, &r[i], x, y)) {
                return false;
            }
        }
        memcpy(d, r, 8 * (size_t)lanes);
        return true;
    }
    uint32_t r[4];
    for (int i = 0; i < lanes; i++) {
        uint32_t x, y;
        memcpy(&x, dp + 4 * i, 4);
        memcpy(&y, sp + 4 * i, 4);
        if (!q_lane32(op, &r[i], x, y)) {
            return false;
        }
    }
    memcpy(d, r, 4 * (size_t)lanes);
    return true;
}

#endif
