/*
 * Lane-wise integer SIMD operations for MMX (8 bytes) and SSE (16 bytes)
 * registers, written once in C so that both TCG backends compute the
 * same results: the operations of cpu/x86/simd-ops.def behind the single
 * helper simd_op, plus the helpers whose result goes to a general
 * register or the flags (PMOVMSKB, MOVMSKPS/PD, PTEST).
 *
 * Semantics follow the Intel SDM Vol. 2 instruction pages; "d" is the
 * destination (first) operand, "s" the source, n the register width in
 * bytes. Operands are copied into locals first, so d and s may alias.
 */
#include <stdlib.h>
#include <string.h>

#include "cpu/x86/translate.h"
#include "cpu/x86/simd-desc.h"

typedef void SimdFn(XMMReg *d, const XMMReg *s, int n, unsigned imm,
                    const CPUX86TCG *env);

/* ---- saturation ---- */

static int8_t sat_s8(int v) { return v > 127 ? 127 : v < -128 ? -128 : v; }
static uint8_t sat_u8(int v) { return v > 255 ? 255 : v < 0 ? 0 : v; }
static int16_t sat_s16(int v)
{
    return v > 32767 ? 32767 : v < -32768 ? -32768 : v;
}
static uint16_t sat_u16(int v) { return v > 65535 ? 65535 : v < 0 ? 0 : v; }

/* ---- lane-wise templates ---- */

/* d.F[i] = EXPR for every lane, with a = d.F[i] and b = s.F[i] as T. */
#define LANE_OP(name, F, T, EXPR)                                           \
    static void simd_##name(XMMReg *d, const XMMReg *s, int n,              \
                            unsigned imm, const CPUX86TCG *env)             \
    {                                                                       \
        for (int i = 0; i < n / (int)sizeof(d->F[0]); i++) {                \
            T a = (T)d->F[i], b = (T)s->F[i];                               \
            (void)a;                                                        \
            d->F[i] = (EXPR);                                               \
        }                                                                   \
    }

LANE_OP(paddb, b, uint8_t, a + b)
LANE_OP(paddw, w, uint16_t, a + b)
LANE_OP(paddd, l, uint32_t, a + b)
LANE_OP(paddq, q, uint64_t, a + b)
LANE_OP(psubb, b, uint8_t, a - b)
LANE_OP(psubw, w, uint16_t, a - b)
LANE_OP(psubd, l, uint32_t, a - b)
LANE_OP(psubq, q, uint64_t, a - b)
LANE_OP(paddsb, b, int8_t, (uint8_t)sat_s8(a + b))
LANE_OP(paddsw, w, int16_t, (uint16_t)sat_s16(a + b))
LANE_OP(paddusb, b, uint8_t, sat_u8(a + b))
LANE_OP(paddusw, w, uint16_t, sat_u16(a + b))
LANE_OP(psubsb, b, int8_t, (uint8_t)sat_s8(a - b))
LANE_OP(psubsw, w, int16_t, (uint16_t)sat_s16(a - b))
LANE_OP(psubusb, b, uint8_t, sat_u8(a - b))
LANE_OP(psubusw, w, uint16_t, sat_u16(a - b))

LANE_OP(pmullw, w, uint32_t, (uint16_t)(a * b))
LANE_OP(pmulhw, w, int16_t, (uint16_t)(((int32_t)a * b) >> 16))
LANE_OP(pmulhuw, w, uint32_t, (uint16_t)((a * b) >> 16))
LANE_OP(pmulld, l, uint32_t, a * b)
LANE_OP(pmulhrsw, w, int16_t, (uint16_t)((((int32_t)a * b >> 14) + 1) >> 1))
LANE_OP(pmuludq, q, uint64_t, (a & 0xffffffffu) * (b & 0xffffffffu))
LANE_OP(pmuldq, q, uint64_t,
        (uint64_t)((int64_t)(int32_t)a * (int32_t)b))

LANE_OP(pavgb, b, unsigned, (a + b + 1) >> 1)
LANE_OP(pavgw, w, unsigned, (a + b + 1) >> 1)
LANE_OP(pminub, b, uint8_t, a < b ? a : b)
LANE_OP(pmaxub, b, uint8_t, a > b ? a : b)
LANE_OP(pminsw, w, int16_t, (uint16_t)(a < b ? a : b))
LANE_OP(pmaxsw, w, int16_t, (uint16_t)(a > b ? a : b))
LANE_OP(pminsb, b, int8_t, (uint8_t)(a < b ? a : b))
LANE_OP(pmaxsb, b, int8_t, (uint8_t)(a > b ? a : b))
LANE_OP(pminuw, w, uint16_t, a < b ? a : b)
LANE_OP(pmaxuw, w, uint16_t, a > b ? a : b)
LANE_OP(pminsd, l, int32_t, (uint32_t)(a < b ? a : b))
LANE_OP(pmaxsd, l, int32_t, (uint32_t)(a > b ? a : b))
LANE_OP(pminud, l, uint32_t, a < b ? a : b)
LANE_OP(pmaxud, l, uint32_t, a > b ? a : b)

LANE_OP(pcmpeqb, b, uint8_t, a == b ? 0xff : 0)
LANE_OP(pcmpeqw, w, uint16_t, a == b ? 0xffff : 0)
LANE_OP(pcmpeqd, l, uint32_t, a == b ? 0xffffffffu : 0)
LANE_OP(pcmpeqq, q, uint64_t, a == b ? ~0ull : 0)
LANE_OP(pcmpgtb, b, int8_t, a > b ? 0xff : 0)
LANE_OP(pcmpgtw, w, int16_t, a > b ? 0xffff : 0)
LANE_OP(pcmpgtd, l, int32_t, a > b ? 0xffffffffu : 0)
LANE_OP(pcmpgtq, q, int64_t, a > b ? ~0ull : 0)

/* PSIGN: negate, keep or zero d by the sign of s */
LANE_OP(psignb, b, int8_t, (uint8_t)(b < 0 ? -a : b == 0 ? 0 : a))
LANE_OP(psignw, w, int16_t, (uint16_t)(b < 0 ? -a : b == 0 ? 0 : a))
LANE_OP(psignd, l, int32_t, (uint32_t)(b < 0 ? -(int64_t)a : b == 0 ? 0 : a))
/* PABS: |s| (the result of -128 is 0x80, unsigned) */
LANE_OP(pabsb, b, int8_t, (uint8_t)(b < 0 ? -b : b))
LANE_OP(pabsw, w, int16_t, (uint16_t)(b < 0 ? -b : b))
LANE_OP(pabsd, l, int32_t, (uint32_t)(b < 0 ? -(int64_t)b : b))

/* ---- shifts by a count in s's low 64 bits ---- */

#define SHIFT_OP(name, F, T, BITS, EXPR)                                    \
    static void simd_##name(XMMReg *d, const XMMReg *s, int n,              \
                            unsigned imm, const CPUX86TCG *env)             \
    {                                                                       \
        uint64_t c = s->q[0];                                               \
        for (int i = 0; i < n / (int)sizeof(d->F[0]); i++) {                \
            T a = (T)d->F[i];                                               \
            d->F[i] = (EXPR);                                               \
        }                                                                   \
    }

SHIFT_OP(psllw, w, uint16_t, 16, c > 15 ? 0 : (uint16_t)(a << c))
SHIFT_OP(pslld, l, uint32_t, 32, c > 31 ? 0 : a << c)
SHIFT_OP(psllq, q, uint64_t, 64, c > 63 ? 0 : a << c)
SHIFT_OP(psrlw, w, uint16_t, 16, c > 15 ? 0 : a >> c)
SHIFT_OP(psrld, l, uint32_t, 32, c > 31 ? 0 : a >> c)
SHIFT_OP(psrlq, q, uint64_t, 64, c > 63 ? 0 : a >> c)
SHIFT_OP(psraw, w, int16_t, 16, (uint16_t)(a >> (c > 15 ? 15 : c)))
SHIFT_OP(psrad, l, int32_t, 32, (uint32_t)(a >> (c > 31 ? 31 : c)))

static void simd_pslldq(XMMReg *d, const XMMReg *s, int n, unsigned imm,
                        const CPUX86TCG *env)
{
    XMMReg r = { { 0 } };

    for (int i = (int)imm; i < 16; i++) {
        r.b[i] = d->b[i - imm];
    }
    *d = r;
}

static void simd_psrldq(XMMReg *d, const XMMReg *s, int n, unsigned imm,
                        const CPUX86TCG *env)
{
    XMMReg r = { { 0 } };

    for (int i = 0; i + (int)imm < 16; i++) {
        r.b[i] = d->b[i + imm];
    }
    *d = r;
}

/* ---- multiply-add and sums ---- */

static void simd_pmaddwd(XMMReg *d, const XMMReg *s, int n, unsigned imm,
                         const CPUX86TCG *env)
{
    for (int i = 0; i < n / 4; i++) {
        int32_t lo = (int16_t)d->w[2 * i] * (int16_t)s->w[2 * i];
        int32_t hi = (int16_t)d->w[2 * i + 1] * (int16_t)s->w[2 * i + 1];
        d->l[i] = (uint32_t)lo + (uint32_t)hi;
    }
}

/* PMADDUBSW: unsigned bytes of d times signed bytes of s, pairs summed
   with signed saturation */
static void simd_pmaddubsw(XMMReg *d, const XMMReg *s, int n, unsigned imm,
                           const CPUX86TCG *env)
{
    XMMReg r;

    for (int i = 0; i < n / 2; i++) {
        int lo = d->b[2 * i] * (int8_t)s->b[2 * i];
        int hi = d->b[2 * i + 1] * (int8_t)s->b[2 * i + 1];
        r.w[i] = (uint16_t)sat_s16(lo + hi);
    }
    memcpy(d, &r, n);
}

static void simd_psadbw(XMMReg *d, const XMMReg *s, int n, unsigned imm,
                        const CPUX86TCG *env)
{
    for (int q = 0; q < n / 8; q++) {
        unsigned sum = 0;
        for (int i = 0; i < 8; i++) {
            sum += abs((int)d->b[8 * q + i] - (int)s->b[8 * q + i]);
        }
        d->q[q] = sum;
    }
}

/* MPSADBW: eight sums of absolute differences of 4-byte groups */
static void simd_mpsadbw(XMMReg *d, const XMMReg *s, int n, unsigned imm,
                         const CPUX86TCG *env)
{
    int o1 = (imm & 4) ? 4 : 0, o2 = (imm & 3) * 4;
    XMMReg r;

    for (int i = 0; i < 8; i++) {
        unsigned sum = 0;
        for (int j = 0; j < 4; j++) {
            sum += abs((int)d->b[o1 + i + j] - (int)s->b[o2 + j]);
        }
        r.w[i] = (uint16_t)sum;
    }
    *d = r;
}

static void simd_phminposuw(XMMReg *d, const XMMReg *s, int n, unsigned imm,
                            const CPUX86TCG *env)
{
    unsigned idx = 0;

    for (unsigned i = 1; i < 8; i++) {
        if (s->w[i] < s->w[idx]) {
            idx = i;
        }
    }
    d->q[1] = 0;
    d->q[0] = s->w[idx] | (uint64_t)idx << 16;
}

/* ---- horizontal add / subtract (SSSE3) ---- */

#define HORIZ_OP(name, F, T, EXPR)                                          \
    static void simd_##name(XMMReg *d, const XMMReg *s, int n,              \
                            unsigned imm, const CPUX86TCG *env)             \
    {                                                                       \
        int half = n / (int)sizeof(d->F[0]) / 2;                            \
        XMMReg r;                                                           \
        for (int i = 0; i < half; i++) {                                    \
            T a = (T)d->F[2 * i], b = (T)d->F[2 * i + 1];                   \
            r.F[i] = (EXPR);                                                \
            a = (T)s->F[2 * i], b = (T)s->F[2 * i + 1];                     \
            r.F[half + i] = (EXPR);                                         \
        }                                                                   \
        memcpy(d, &r, n);                                                   \
    }

HORIZ_OP(phaddw, w, uint16_t, (uint16_t)(a + b))
HORIZ_OP(phaddd, l, uint32_t, a + b)
HORIZ_OP(phaddsw, w, int16_t, (uint16_t)sat_s16(a + b))
HORIZ_OP(phsubw, w, uint16_t, (uint16_t)(a - b))
HORIZ_OP(phsubd, l, uint32_t, a - b)
HORIZ_OP(phsubsw, w, int16_t, (uint16_t)sat_s16(a - b))

/* ---- pack / unpack ---- */

#define PACK_OP(name, SF, DF, SAT)                                          \
    static void simd_##name(XMMReg *d, const XMMReg *s, int n,              \
                            unsigned imm, const CPUX86TCG *env)             \
    {                                                                       \
        int k = n / (int)sizeof(d->SF[0]);                                  \
        XMMReg r;                                                           \
        for (int i = 0; i < k; i++) {                                       \
            r.DF[i] = SAT(d->SF[i]);                                        \
            r.DF[k + i] = SAT(s->SF[i]);                                    \
        }                                                                   \
        memcpy(d, &r, n);                                                   \
    }

#define SAT_SWB(v) (uint8_t)sat_s8((int16_t)(v))
#define SAT_UWB(v) sat_u8((int16_t)(v))
#define SAT_SDW(v) (uint16_t)sat_s16((int)(int32_t)(v))
static uint16_t sat_udw(uint32_t v)
{
    int32_t x = (int32_t)v;
    return x < 0 ? 0 : x > 65535 ? 65535 : (uint16_t)x;
}

PACK_OP(packsswb, w, b, SAT_SWB)
PACK_OP(packuswb, w, b, SAT_UWB)
PACK_OP(packssdw, l, w, SAT_SDW)
PACK_OP(packusdw, l, w, sat_udw)

/* Interleaves the low (hi = 0) or high halves of d and s. */
#define UNPACK_OP(name, F, HI)                                              \
    static void simd_##name(XMMReg *d, const XMMReg *s, int n,              \
                            unsigned imm, const CPUX86TCG *env)             \
    {                                                                       \
        int k = n / (int)sizeof(d->F[0]) / 2, base = (HI) ? k : 0;          \
        XMMReg r;                                                           \
        for (int i = 0; i < k; i++) {                                       \
            r.F[2 * i] = d->F[base + i];                                    \
            r.F[2 * i + 1] = s->F[base + i];                                \
        }                                                                   \
        memcpy(d, &r, n);                                                   \
    }

UNPACK_OP(punpcklbw, b, 0)
UNPACK_OP(punpcklwd, w, 0)
UNPACK_OP(punpckldq, l, 0)
UNPACK_OP(punpcklqdq, q, 0)
UNPACK_OP(punpckhbw, b, 1)
UNPACK_OP(punpckhwd, w, 1)
UNPACK_OP(punpckhdq, l, 1)
UNPACK_OP(punpckhqdq, q, 1)

/* ---- shuffles ---- */

static void simd_pshufw(XMMReg *d, const XMMReg *s, int n, unsigned imm,
                        const CPUX86TCG *env)
{
    XMMReg r;

    for (int i = 0; i < 4; i++) {
        r.w[i] = s->w[(imm >> (2 * i)) & 3];
    }
    d->q[0] = r.q[0];
}

static void simd_pshufd(XMMReg *d, const XMMReg *s, int n, unsigned imm,
                        const CPUX86TCG *env)
{
    XMMReg r;

    for (int i = 0; i < 4; i++) {
        r.l[i] = s->l[(imm >> (2 * i)) & 3];
    }
    *d = r;
}

static void simd_pshuflw(XMMReg *d, const XMMReg *s, int n, unsigned imm,
                         const CPUX86TCG *env)
{
    XMMReg r = *s;

    for (int i = 0; i < 4; i++) {
        r.w[i] = s->w[(imm >> (2 * i)) & 3];
    }
    *d = r;
}

static void simd_pshufhw(XMMReg *d, const XMMReg *s, int n, unsigned imm,
                         const CPUX86TCG *env)
{
    XMMReg r = *s;

    for (int i = 0; i < 4; i++) {
        r.w[4 + i] = s->w[4 + ((imm >> (2 * i)) & 3)];
    }
    *d = r;
}

static void simd_shufps(XMMReg *d, const XMMReg *s, int n, unsigned imm,
                        const CPUX86TCG *env)
{
    XMMReg r;

    r.l[0] = d->l[imm & 3];
    r.l[1] = d->l[(imm >> 2) & 3];
    r.l[2] = s->l[(imm >> 4) & 3];
    r.l[3] = s->l[(imm >> 6) & 3];
    *d = r;
}

static void simd_shufpd(XMMReg *d, const XMMReg *s, int n, unsigned imm,
                        const CPUX86TCG *env)
{
    XMMReg r;

    r.q[0] = d->q[imm & 1];
    r.q[1] = s->q[(imm >> 1) & 1];
    *d = r;
}

static void simd_movsldup(XMMReg *d, const XMMReg *s, int n, unsigned imm,
                          const CPUX86TCG *env)
{
    XMMReg r = { .l = { s->l[0], s->l[0], s->l[2], s->l[2] } };
    *d = r;
}

static void simd_movshdup(XMMReg *d, const XMMReg *s, int n, unsigned imm,
                          const CPUX86TCG *env)
{
    XMMReg r = { .l = { s->l[1], s->l[1], s->l[3], s->l[3] } };
    *d = r;
}

static void simd_movddup(XMMReg *d, const XMMReg *s, int n, unsigned imm,
                         const CPUX86TCG *env)
{
    XMMReg r = { .q = { s->q[0], s->q[0] } };
    *d = r;
}

static void simd_pshufb(XMMReg *d, const XMMReg *s, int n, unsigned imm,
                        const CPUX86TCG *env)
{
    XMMReg r;

    for (int i = 0; i < n; i++) {
        r.b[i] = (s->b[i] & 0x80) ? 0 : d->b[s->b[i] & (n - 1)];
    }
    memcpy(d, &r, n);
}

/* PALIGNR: (d:s) >> (imm * 8), the low n bytes */
static void simd_palignr(XMMReg *d, const XMMReg *s, int n, unsigned imm,
                         const CPUX86TCG *env)
{
    uint8_t cat[32];
    XMMReg r;

    memcpy(cat, s->b, n);
    memcpy(cat + n, d->b, n);
    for (int i = 0; i < n; i++) {
        unsigned k = imm + i;
        r.b[i] = k < 2u * n ? cat[k] : 0;
    }
    memcpy(d, &r, n);
}

/* ---- blends and inserts (SSE4.1) ---- */

static void simd_pblendw(XMMReg *d, const XMMReg *s, int n, unsigned imm,
                         const CPUX86TCG *env)
{
    for (int i = 0; i < 8; i++) {
        if (imm & (1u << i)) {
            d->w[i] = s->w[i];
        }
    }
}

static void simd_blendps(XMMReg *d, const XMMReg *s, int n, unsigned imm,
                         const CPUX86TCG *env)
{
    for (int i = 0; i < 4; i++) {
        if (imm & (1u << i)) {
            d->l[i] = s->l[i];
        }
    }
}

static void simd_blendpd(XMMReg *d, const XMMReg *s, int n, unsigned imm,
                         const CPUX86TCG *env)
{
    for (int i = 0; i < 2; i++) {
        if (imm & (1u << i)) {
            d->q[i] = s->q[i];
        }
    }
}

/* The variable blends take the mask from the sign bits of XMM0. */
static void simd_pblendvb(XMMReg *d, const XMMReg *s, int n, unsigned imm,
                          const CPUX86TCG *env)
{
    for (int i = 0; i < 16; i++) {
        if (env->st.xmm[0].b[i] & 0x80) {
            d->b[i] = s->b[i];
        }
    }
}

static void simd_blendvps(XMMReg *d, const XMMReg *s, int n, unsigned imm,
                          const CPUX86TCG *env)
{
    for (int i = 0; i < 4; i++) {
        if (env->st.xmm[0].l[i] & 0x80000000u) {
            d->l[i] = s->l[i];
        }
    }
}

static void simd_blendvpd(XMMReg *d, const XMMReg *s, int n, unsigned imm,
                          const CPUX86TCG *env)
{
    for (int i = 0; i < 2; i++) {
        if (env->st.xmm[0].q[i] >> 63) {
            d->q[i] = s->q[i];
        }
    }
}

/* INSERTPS: s.l[imm 7:6] into d.l[imm 5:4], then zero by imm 3:0 */
static void simd_insertps(XMMReg *d, const XMMReg *s, int n, unsigned imm,
                          const CPUX86TCG *env)
{
    d->l[(imm >> 4) & 3] = s->l[(imm >> 6) & 3];
    for (int i = 0; i < 4; i++) {
        if (imm & (1u << i)) {
            d->l[i] = 0;
        }
    }
}

/* ---- sign / zero extension (PMOVSX, PMOVZX) ---- */

#define PMOVX_OP(name, DF, DT, SF, ST)                                      \
    static void simd_##name(XMMReg *d, const XMMReg *s, int n,              \
                            unsigned imm, const CPUX86TCG *env)             \
    {                                                                       \
        XMMReg r;                                                           \
        for (int i = 0; i < 16 / (int)sizeof(r.DF[0]); i++) {               \
            r.DF[i] = (DT)(ST)s->SF[i];                                     \
        }                                                                   \
        *d = r;                                                             \
    }

PMOVX_OP(pmovsxbw, w, uint16_t, b, int8_t)
PMOVX_OP(pmovsxbd, l, uint32_t, b, int8_t)
PMOVX_OP(pmovsxbq, q, uint64_t, b, int8_t)
PMOVX_OP(pmovsxwd, l, uint32_t, w, int16_t)
PMOVX_OP(pmovsxwq, q, uint64_t, w, int16_t)
PMOVX_OP(pmovsxdq, q, uint64_t, l, int32_t)
PMOVX_OP(pmovzxbw, w, uint16_t, b, uint8_t)
PMOVX_OP(pmovzxbd, l, uint32_t, b, uint8_t)
PMOVX_OP(pmovzxbq, q, uint64_t, b, uint8_t)
PMOVX_OP(pmovzxwd, l, uint32_t, w, uint16_t)
PMOVX_OP(pmovzxwq, q, uint64_t, w, uint16_t)
PMOVX_OP(pmovzxdq, q, uint64_t, l, uint32_t)

/* ---- the dispatch helper ---- */

static SimdFn *const simd_ops[SIMD_OP_COUNT] = {
#define SIMD_OP(name) [SIMD_OP_##name] = simd_##name,
#include "cpu/x86/simd-ops.def"
#undef SIMD_OP
};

void helper_simd_op(CPUX86TCG *env, void *dp, void *sp, uint32_t desc)
{
    unsigned op = SIMD_DESC_OP(desc), n = SIMD_DESC_BYTES(desc);
    XMMReg d = { { 0 } }, s = { { 0 } };

    if (op >= SIMD_OP_COUNT || (n != 8 && n != 16)) {
        abort();        /* a translator bug, never guest input */
    }
    memcpy(&d, dp, n);
    memcpy(&s, sp, n);
    simd_ops[op](&d, &s, (int)n, SIMD_DESC_IMM(desc), env);
    memcpy(dp, &d, n);
}

/* ---- results in general registers or flags ---- */

/* PTEST: ZF = (d AND s) == 0, CF = (s AND NOT d) == 0; other flags 0 */
uint64_t helper_simd_ptest(void *dp, void *sp)
{
    XMMReg d, s;
    uint64_t f = 0;

    memcpy(&d, dp, 16);
    memcpy(&s, sp, 16);
    if (((d.q[0] & s.q[0]) | (d.q[1] & s.q[1])) == 0) {
        f |= RF_ZF;
    }
    if (((s.q[0] & ~d.q[0]) | (s.q[1] & ~d.q[1])) == 0) {
        f |= RF_CF;
    }
    return f;
}
