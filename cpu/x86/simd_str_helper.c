/*
 * SSE4.2 string and CRC instructions (Intel SDM Vol. 2B, PCMPESTRI,
 * PCMPESTRM, PCMPISTRI, PCMPISTRM and Vol. 1 / 2B section 4.1 "Imm8
 * Control Byte Operation for PCMPESTRI / PCMPESTRM / PCMPISTRI /
 * PCMPISTRM"; CRC32).
 *
 * The string compare works in three steps on the first operand a (xmm1)
 * and the second b (xmm2/m128), each with a length (explicit: |rAX| and
 * |rDX| saturated to the element count; implicit: up to the first zero
 * element):
 *   1. IntRes1 from the aggregation imm8[3:2] (equal any, ranges, equal
 *      each, equal ordered), with the SDM's rules for invalid elements;
 *   2. IntRes2 from the polarity imm8[5:4];
 *   3. the output: an index into ECX (least or most significant set bit,
 *      or the element count) or a mask into XMM0 (bits, or elements of
 *      all ones), and the flags CF, ZF, SF, OF (AF = PF = 0).
 * CRC32 is CRC-32C (polynomial 0x11EDC6F41, bit-reflected), one byte at
 * a time over the source's bytes from the least significant.
 */
#include <string.h>

#include "cpu/x86/translate.h"
#include "cpu/x86/simd-desc.h"

/* ---- PCMPxSTRx ---- */

typedef struct StrCmp {
    unsigned imm;
    int n;              /* elements: 16 bytes or 8 words */
    int la, lb;         /* valid elements of a and b */
    int32_t a[16], b[16];
} StrCmp;

static void str_load(const StrCmp *c, const uint8_t *p, int32_t *out)
{
    for (int i = 0; i < c->n; i++) {
        switch (c->imm & 3) {
        case 0: out[i] = p[i]; break;
        case 1: out[i] = (uint16_t)(p[2 * i] | p[2 * i + 1] << 8); break;
        case 2: out[i] = (int8_t)p[i]; break;
        default: out[i] = (int16_t)(p[2 * i] | p[2 * i + 1] << 8); break;
        }
    }
}

static int str_implicit_len(const StrCmp *c, const int32_t *v)
{
    int i = 0;

    while (i < c->n && v[i] != 0) {
        i++;
    }
    return i;
}

/* |len| saturated to n; len is rAX/rDX as 32 or 64 bits wide */
static int str_explicit_len(const StrCmp *c, uint64_t raw, bool wide)
{
    int64_t v = wide ? (int64_t)raw : (int64_t)(int32_t)raw;

    if (v < 0) {
        v = v == INT64_MIN ? c->n : -v;
    }
    return v > c->n ? c->n : (int)v;
}

static unsigned str_equal_any(const StrCmp *c)
{
    unsigned r = 0;

    for (int j = 0; j < c->lb; j++) {
        for (int i = 0; i < c->la; i++) {
            if (c->a[i] == c->b[j]) {
                r |= 1u << j;
                break;
            }
        }
    }
    return r;
}

/* a holds pairs [lower, upper]; a pair counts only when both are valid */
static unsigned str_ranges(const StrCmp *c)
{
    unsigned r = 0;

    for (int j = 0; j < c->lb; j++) {
        for (int i = 0; i + 1 < c->la; i += 2) {
            if (c->b[j] >= c->a[i] && c->b[j] <= c->a[i + 1]) {
                r |= 1u << j;
                break;
            }
        }
    }
    return r;
}

static unsigned str_equal_each(const StrCmp *c)
{
    unsigned r = 0;

    for (int i = 0; i < c->n; i++) {
        bool va = i < c->la, vb = i < c->lb;
        if ((!va && !vb) || (va && vb && c->a[i] == c->b[i])) {
            r |= 1u << i;
        }
    }
    return r;
}

/* needle a in haystack b: a match may run off the end of b's register */
static unsigned str_equal_ordered(const StrCmp *c)
{
    unsigned r = 0;

    for (int j = 0; j < c->n; j++) {
        bool match = true;
        for (int i = 0; i < c->n - j && i < c->la && match; i++) {
            match = j + i < c->lb && c->b[j + i] == c->a[i];
        }
        if (match) {
            r |= 1u << j;
        }
    }
    return r;
}

static unsigned str_intres2(const StrCmp *c)
{
    unsigned all = (1u << c->n) - 1, valid = (1u << c->lb) - 1, r;

    switch ((c->imm >> 2) & 3) {
    case 0: r = str_equal_any(c); break;
    case 1: r = str_ranges(c); break;
    case 2: r = str_equal_each(c); break;
    default: r = str_equal_ordered(c); break;
    }
    switch ((c->imm >> 4) & 3) {
    case 1: return ~r & all;
    case 3: return r ^ valid;
    default: return r;
    }
}

static void str_write_mask(CPUX86TCG *env, const StrCmp *c, unsigned res)
{
    XMMReg *x = &env->st.xmm[0];

    memset(x, 0, sizeof(*x));
    if (!(c->imm & 0x40)) {
        x->w[0] = (uint16_t)res;
        return;
    }
    for (int i = 0; i < c->n; i++) {
        if (res & (1u << i)) {
            if (c->n == 16) {
                x->b[i] = 0xff;
            } else {
                x->w[i] = 0xffff;
            }
        }
    }
}

static uint64_t str_index(const StrCmp *c, unsigned res)
{
    if (res == 0) {
        return (uint64_t)c->n;
    }
    if (c->imm & 0x40) {
        return (uint64_t)(31 - __builtin_clz(res));
    }
    return (uint64_t)__builtin_ctz(res);
}

/*
 * ctl = imm8 | SIMD_STR_EXPLICIT | SIMD_STR_WIDE | SIMD_STR_MASK.
 * Returns the flags in bits 0..11 and the index (xSTRI) in bits 32..;
 * a mask (xSTRM) goes straight to XMM0.
 */
uint64_t helper_pcmpstr(CPUX86TCG *env, void *ap, void *bp, uint64_t rax,
                        uint64_t rdx, uint32_t ctl)
{
    StrCmp c = { .imm = ctl & 0xff, .n = (ctl & 1) ? 8 : 16 };
    unsigned res;
    uint64_t f = 0;

    str_load(&c, ap, c.a);
    str_load(&c, bp, c.b);
    if (ctl & SIMD_STR_EXPLICIT) {
        c.la = str_explicit_len(&c, rax, ctl & SIMD_STR_WIDE);
        c.lb = str_explicit_len(&c, rdx, ctl & SIMD_STR_WIDE);
    } else {
        c.la = str_implicit_len(&c, c.a);
        c.lb = str_implicit_len(&c, c.b);
    }
    res = str_intres2(&c);
    f |= res ? RF_CF : 0;
    f |= c.lb < c.n ? RF_ZF : 0;
    f |= c.la < c.n ? RF_SF : 0;
    f |= (res & 1) ? RF_OF : 0;
    if (ctl & SIMD_STR_MASK) {
        str_write_mask(env, &c, res);
        return f;
    }
    return f | str_index(&c, res) << 32;
}

/* ---- CRC32 ---- */

uint64_t helper_crc32c(uint64_t crc, uint64_t val, uint32_t bytes)
{
    uint32_t c = (uint32_t)crc;

    for (uint32_t i = 0; i < bytes; i++) {
        c ^= (uint8_t)(val >> (8 * i));
        for (int k = 0; k < 8; k++) {
            c = (c >> 1) ^ (0x82f63b78u & -(c & 1));
        }
    }
    return c;
}
