/*
 * RCPSS and RSQRTSS approximations (see cpu/x86/ssefp-rcp.h). A result
 * significand is a reference value, the exact 1/x or 1/sqrt(x) at the
 * middle of the input interval truncated to units of 2^-13 (computed
 * with integers only), plus a 2-bit correction from the measured table.
 */
#include "cpu/x86/ssefp-rcp.h"

#include "cpu/x86/ssefp-rcp-table.h"

#define F32_SIGN  0x80000000u
#define F32_INF   0x7f800000u
#define F32_QUIET 0x00400000u

static uint64_t isqrt64(uint64_t n)
{
    uint64_t r = 0;

    for (int b = 31; b >= 0; b--) {
        uint64_t t = r | (1ull << b);
        if (t * t <= n) {
            r = t;
        }
    }
    return r;
}

static int table_delta(const uint8_t *t, uint32_t i)
{
    return (int)((t[i / 4] >> (2 * (i % 4))) & 3) - 1;
}

/* sign | exponent e | the 13-bit value v (4096..8191, units 2^-13) */
static Float32 pack(uint32_t sign, int e, uint64_t v)
{
    if (v >= 8192) {
        v >>= 1;
        e++;
    }
    if (e <= 0) {
        return sign;
    }
    return sign | (uint32_t)e << 23 | (uint32_t)(v - 4096) << 11;
}

/* NaN, zero (denormals count as zero) and infinity; 0 if x is none. */
static int special(Float32 x, Float32 *r, bool rsqrt)
{
    uint32_t sign = x & F32_SIGN, e = (x >> 23) & 0xff;

    if (e == 0xff && (x & 0x7fffff)) {
        *r = x | F32_QUIET;
    } else if (e == 0) {
        *r = sign | F32_INF;
    } else if (rsqrt && sign) {
        *r = SF_F32_DEFAULT_NAN;
    } else if (e == 0xff) {
        *r = sign;
    } else {
        return 0;
    }
    return 1;
}

Float32 ssefp_rcp(Float32 x)
{
    uint32_t i = (x >> 11) & 0xfff;
    int e = (int)((x >> 23) & 0xff);
    uint64_t v;
    Float32 r;

    if (special(x, &r, false)) {
        return r;
    }
    v = (1ull << 26) / (8192 + 2 * (uint64_t)i + 1);
    v += (uint64_t)(int64_t)table_delta(ssefp_rcp_table, i);
    return pack(x & F32_SIGN, 253 - e, v);
}

Float32 ssefp_rsqrt(Float32 x)
{
    uint32_t i = (x >> 11) & 0xfff;
    int e = (int)((x >> 23) & 0xff);
    int p = !(e & 1), k = (e - 127 - p) / 2;
    uint64_t v;
    Float32 r;

    if (special(x, &r, true)) {
        return r;
    }
    v = isqrt64((1ull << 39) / ((8192 + 2 * (uint64_t)i + 1) << p));
    v += (uint64_t)(int64_t)table_delta(ssefp_rsqrt_table, i + 4096u * p);
    return pack(0, 126 - k, v);
}
