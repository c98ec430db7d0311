/*
 * Unit tests for the software floating point (cpu/x86/softfloat*.c).
 *
 *  - Known vectors: signed zeros, denormals, NaNs with payloads,
 *    infinities, the largest and smallest finite values, one ulp around
 *    rounding boundaries, each rounding mode and x87 precision control,
 *    unsupported 80-bit encodings, integer indefinite, MIN/MAX rules.
 *  - On an x86-64 host: random operands (biased towards the edges)
 *    computed by the host's SSE unit (MXCSR rounding, FTZ, DAZ and flags
 *    through the _mm_*csr intrinsics) and by its x87 unit (control word
 *    and status word through inline assembly, in this test only), with
 *    every bit of the result and of the exception flags compared.
 *
 * KITE_SF_RANDOM=N sets the operand count per operation and mode
 * (default 10,000; make check-softfloat-long runs more).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/x86/softfloat.h"

static SfStatus st_sse(int round)
{
    SfStatus st;
    sf_status_init_sse(&st, 0x1f80 | (round << 13));
    return st;
}

static SfStatus st_x87(int round, int prec)
{
    SfStatus st;
    sf_status_init_x87(&st, (0x037f & ~0x0f00) | (round << 10) | (prec << 8));
    return st;
}

static Float80 f80(uint16_t se, uint64_t mant)
{
    return (Float80){ mant, se };
}

/* ---- known vectors ------------------------------------------------------- */

static void test_f32_basic(void **state)
{
    SfStatus st = st_sse(SF_ROUND_NEAREST);
    assert_int_equal(sf_f32_add(0x3f800000, 0x40000000, &st), 0x40400000);
    assert_int_equal(st.flags, 0);
    /* 0.1f + 0.2f = 0.3f (rounded), inexact */
    assert_int_equal(sf_f32_add(0x3dcccccd, 0x3e4ccccd, &st), 0x3e99999a);
    assert_int_equal(st.flags, SF_PE);
    st.flags = 0;
    assert_int_equal(sf_f32_sqrt(0x40000000, &st), 0x3fb504f3);
    assert_int_equal(st.flags, SF_PE);
    /* +0 + -0 = +0 except rounding down */
    st.flags = 0;
    assert_int_equal(sf_f32_add(0x00000000, 0x80000000, &st), 0);
    assert_int_equal(sf_f32_sub(0x3f800000, 0x3f800000, &st), 0);
    SfStatus down = st_sse(SF_ROUND_DOWN);
    assert_int_equal(sf_f32_add(0x00000000, 0x80000000, &down), 0x80000000);
    assert_int_equal(sf_f32_sub(0x3f800000, 0x3f800000, &down), 0x80000000);
    assert_int_equal(st.flags | down.flags, 0);
    /* sqrt(-0) = -0 */
    assert_int_equal(sf_f32_sqrt(0x80000000, &st), 0x80000000);
}

static void test_f32_overflow_underflow(void **state)
{
    static const struct { int mode; uint32_t pos, neg; } ovf[] = {
        { SF_ROUND_NEAREST, 0x7f800000, 0xff800000 },
        { SF_ROUND_DOWN, 0x7f7fffff, 0xff800000 },
        { SF_ROUND_UP, 0x7f800000, 0xff7fffff },
        { SF_ROUND_ZERO, 0x7f7fffff, 0xff7fffff },
    };
    for (int i = 0; i < 4; i++) {
        SfStatus st = st_sse(ovf[i].mode);
        assert_int_equal(sf_f32_add(0x7f7fffff, 0x7f7fffff, &st), ovf[i].pos);
        assert_int_equal(sf_f32_mul(0xff7fffff, 0x40000000, &st), ovf[i].neg);
        assert_int_equal(st.flags, SF_OE | SF_PE);
    }
    /* smallest denormal / 2: ties to even gives 0, round up gives it back */
    SfStatus st = st_sse(SF_ROUND_NEAREST);
    assert_int_equal(sf_f32_mul(0x00000001, 0x3f000000, &st), 0);
    assert_int_equal(st.flags, SF_UE | SF_PE | SF_DE);
    st = st_sse(SF_ROUND_UP);
    assert_int_equal(sf_f32_mul(0x00000001, 0x3f000000, &st), 1);
    /* smallest normal / 2 is an exact denormal: no UE when masked */
    st = st_sse(SF_ROUND_NEAREST);
    assert_int_equal(sf_f32_mul(0x00800000, 0x3f000000, &st), 0x00400000);
    assert_int_equal(st.flags, 0);
    /* the same with UE unmasked: tiny is enough */
    sf_status_init_sse(&st, 0x1f80 & ~0x0800);
    assert_int_equal(sf_f32_mul(0x00800000, 0x3f000000, &st), 0x00400000);
    assert_int_equal(st.flags, SF_UE);
    /* tininess after rounding: (1 - 2^-64) * 2^-126 rounds up to the
       smallest normal: not tiny, only PE */
    st = st_sse(SF_ROUND_NEAREST);
    assert_int_equal(sf_f80_to_f32(f80(0x3f80, ~0ull), &st), 0x00800000);
    assert_int_equal(st.flags, SF_PE);
    st = st_sse(SF_ROUND_ZERO);
    assert_int_equal(sf_f80_to_f32(f80(0x3f80, ~0ull), &st), 0x007fffff);
    assert_int_equal(st.flags, SF_UE | SF_PE);
    /* FTZ flushes a tiny result, DAZ reads a denormal as zero */
    sf_status_init_sse(&st, 0x1f80 | 0x8000);
    assert_int_equal(sf_f32_mul(0x00800000, 0x3f000000, &st), 0);
    assert_int_equal(st.flags, SF_UE | SF_PE);
    sf_status_init_sse(&st, 0x1f80 | 0x0040);
    assert_int_equal(sf_f32_add(0x00400000, 0x80000000, &st), 0);
    assert_int_equal(st.flags, 0);
}

static void test_nans(void **state)
{
    SfStatus st = st_sse(SF_ROUND_NEAREST);
    /* SNaN with payload is quietened, payload kept; IE */
    assert_int_equal(sf_f32_add(0x7f800123, 0x3f800000, &st), 0x7fc00123);
    assert_int_equal(st.flags, SF_IE);
    /* SSE: the first operand wins even over a QNaN second */
    st.flags = 0;
    assert_int_equal(sf_f32_add(0xffc00005, 0x7f800001, &st), 0xffc00005);
    assert_int_equal(st.flags, SF_IE);
    assert_int_equal(sf_f64_mul(0x3ff0000000000000ull, 0x7ff8000000000abcull,
                                &st), 0x7ff8000000000abcull);
    /* invalid operations give the default NaN */
    st.flags = 0;
    assert_int_equal(sf_f32_sub(0x7f800000, 0x7f800000, &st), 0xffc00000);
    assert_int_equal(sf_f64_div(0, 0, &st), SF_F64_DEFAULT_NAN);
    assert_int_equal(sf_f64_sqrt(0xbff0000000000000ull, &st),
                     SF_F64_DEFAULT_NAN);
    assert_int_equal(st.flags, SF_IE);
    /* division by zero */
    st.flags = 0;
    assert_int_equal(sf_f64_div(0xbff0000000000000ull, 0, &st),
                     0xfff0000000000000ull);
    assert_int_equal(st.flags, SF_ZE);
    /* x87: QNaN over SNaN, else the larger significand */
    SfStatus x = st_x87(SF_ROUND_NEAREST, SF_PREC_64);
    Float80 q1 = f80(0x7fff, 0xc000000000000001ull);
    Float80 q2 = f80(0xffff, 0xc000000000000002ull);
    Float80 s3 = f80(0x7fff, 0x8000000000000003ull);
    Float80 r = sf_f80_add(q1, q2, &x);
    assert_true(r.mant == q2.mant && r.se == q2.se);
    assert_int_equal(x.flags, 0);
    r = sf_f80_add(s3, q1, &x);
    assert_true(r.mant == q1.mant && r.se == q1.se);
    assert_int_equal(x.flags, SF_IE);
    r = sf_f80_mul(s3, f80(0x3fff, 1ull << 63), &x);
    assert_true(r.mant == 0xc000000000000003ull && r.se == 0x7fff);
    /* NaN payloads survive conversions, left-aligned */
    st.flags = 0;
    assert_int_equal(sf_f32_to_f64(0x7fc00001, &st), 0x7ff8000020000000ull);
    assert_int_equal(sf_f64_to_f32(0x7ff0000020000000ull, &st), 0x7fc00001);
    assert_int_equal(st.flags, SF_IE);
    r = sf_f64_to_f80(0xfff8000000000001ull, &st);
    assert_true(r.se == 0xffff && r.mant == 0xc000000000000800ull);
}

static void test_f80_encodings(void **state)
{
    SfStatus st = st_x87(SF_ROUND_NEAREST, SF_PREC_64);
    Float80 one = f80(0x3fff, 1ull << 63);
    static const Float80 bad[] = {
        { 0x0000000000000000ull, 0x7fff },  /* pseudo-infinity */
        { 0x4000000000000001ull, 0x7fff },  /* pseudo-NaN */
        { 0x4000000000000000ull, 0x3fff },  /* unnormal */
    };
    for (unsigned i = 0; i < 3; i++) {
        assert_true(sf_f80_is_unsupported(bad[i]));
        st.flags = 0;
        Float80 r = sf_f80_add(bad[i], one, &st);
        assert_true(r.se == 0xffff && r.mant == 0xc000000000000000ull);
        assert_int_equal(st.flags, SF_IE);
        assert_int_equal(sf_f80_compare(bad[i], one, false, &st),
                         SF_CMP_UNORDERED);
    }
    /* pseudo-denormal: exponent 0 with J set has the value of exponent 1 */
    Float80 pd = f80(0x0000, 0x8000000000000000ull);
    assert_true(sf_f80_is_pseudo_denormal(pd));
    st.flags = 0;
    Float80 r = sf_f80_add(pd, f80(0, 0), &st);
    assert_true(r.se == 0x0001 && r.mant == 0x8000000000000000ull);
    assert_int_equal(st.flags, SF_DE);
    /* 1/3 at each precision control */
    Float80 three = f80(0x4000, 0xc000000000000000ull);
    static const struct { int pc; uint64_t mant; bool up; } third[] = {
        { SF_PREC_64, 0xaaaaaaaaaaaaaaabull, true },
        { SF_PREC_53, 0xaaaaaaaaaaaaa800ull, false },
        { SF_PREC_24, 0xaaaaab0000000000ull, true },
    };
    for (int i = 0; i < 3; i++) {
        st = st_x87(SF_ROUND_NEAREST, third[i].pc);
        r = sf_f80_div(one, three, &st);
        assert_true(r.se == 0x3ffd && r.mant == third[i].mant);
        assert_int_equal(st.flags, SF_PE);
        assert_int_equal(st.rounded_up, third[i].up);
    }
    st = st_x87(SF_ROUND_ZERO, SF_PREC_64);
    r = sf_f80_div(one, three, &st);
    assert_true(r.mant == 0xaaaaaaaaaaaaaaaaull && !st.rounded_up);
    /* largest finite and overflow */
    Float80 max = f80(0x7ffe, ~0ull);
    st = st_x87(SF_ROUND_ZERO, SF_PREC_64);
    r = sf_f80_add(max, max, &st);
    assert_true(r.se == 0x7ffe && r.mant == ~0ull);
    assert_int_equal(st.flags, SF_OE | SF_PE);
    st = st_x87(SF_ROUND_NEAREST, SF_PREC_64);
    r = sf_f80_mul(max, max, &st);
    assert_true(r.se == 0x7fff && r.mant == 1ull << 63);
    /* overflow / underflow unmasked: the exponent wraps by 24576 */
    sf_status_init_x87(&st, 0x0377);
    r = sf_f80_add(max, max, &st);
    assert_true(r.se == 0x1fff && r.mant == ~0ull);
    assert_int_equal(st.flags, SF_OE);
    sf_status_init_x87(&st, 0x036f);
    r = sf_f80_mul(f80(0x0001, 1ull << 63), f80(0x3ffe, 1ull << 63), &st);
    assert_true(r.se == 0x6000 && r.mant == 1ull << 63);
    assert_int_equal(st.flags, SF_UE);
}

static void test_int_conversions(void **state)
{
    SfStatus st = st_sse(SF_ROUND_NEAREST);
    assert_int_equal(sf_f64_to_i32(0x4004000000000000ull, false, &st), 2);
    assert_int_equal(sf_f64_to_i32(0x400c000000000000ull, false, &st), 4);
    assert_int_equal(sf_f64_to_i32(0xc004000000000000ull, false, &st), -2);
    assert_int_equal(sf_f64_to_i32(0x4005333333333333ull, true, &st), 2);
    assert_int_equal(st.flags, SF_PE);
    st.flags = 0;
    /* 1e10 does not fit 32 bits; NaN; -2^31 fits; 2^31 does not */
    assert_int_equal(sf_f64_to_i32(0x4202a05f20000000ull, false, &st),
                     SF_I32_INDEFINITE);
    assert_int_equal(sf_f64_to_i64(0x7ff8000000000000ull, true, &st),
                     SF_I64_INDEFINITE);
    assert_int_equal(st.flags, SF_IE);
    st.flags = 0;
    assert_int_equal(sf_f64_to_i32(0xc1e0000000000000ull, false, &st),
                     INT32_MIN);
    assert_int_equal(st.flags, 0);
    assert_int_equal(sf_f64_to_i32(0x41e0000000000000ull, false, &st),
                     SF_I32_INDEFINITE);
    /* int16: -32768.4 rounds in range, 32767.5 rounds out of range */
    SfStatus x = st_x87(SF_ROUND_NEAREST, SF_PREC_64);
    SfStatus conv = x;
    Float80 v = sf_f64_to_f80(0xc0e0000ccccccccdull, &conv);
    assert_int_equal(sf_f80_to_i16(v, false, &x), -32768);
    assert_int_equal(x.flags, SF_PE);
    v = sf_f64_to_f80(0x40dfffe000000000ull, &conv);
    x.flags = 0;
    assert_int_equal(sf_f80_to_i16(v, false, &x), SF_I16_INDEFINITE);
    assert_int_equal(x.flags, SF_IE);
    /* int -> float rounding */
    st = st_sse(SF_ROUND_NEAREST);
    assert_int_equal(sf_i32_to_f32(16777217, &st), 0x4b800000);
    st = st_sse(SF_ROUND_UP);
    assert_int_equal(sf_i32_to_f32(16777217, &st), 0x4b800001);
    assert_int_equal(st.flags, SF_PE);
    assert_int_equal(sf_i64_to_f64(INT64_MIN, &st), 0xc3e0000000000000ull);
    Float80 m = sf_i64_to_f80(INT64_MIN + 1, &st);
    assert_true(m.se == 0xc03d && m.mant == 0x7fffffffffffffffull << 1);
}

static void test_round_minmax_compare(void **state)
{
    SfStatus st = st_sse(SF_ROUND_NEAREST);
    assert_int_equal(sf_f64_round_int(0x4004000000000000ull, SF_ROUND_NEAREST,
                                      false, &st), 0x4000000000000000ull);
    assert_int_equal(st.flags, SF_PE);
    st.flags = 0;
    assert_int_equal(sf_f64_round_int(0xbfe0000000000000ull, SF_ROUND_UP,
                                      true, &st), 0x8000000000000000ull);
    assert_int_equal(sf_f32_round_int(0x3f000001, SF_ROUND_UP, true, &st),
                     0x3f800000);
    assert_int_equal(st.flags, 0);
    /* MIN/MAX: NaN or two zeros give the second operand */
    assert_int_equal(sf_f32_min(0x7fc00000, 0x3f800000, &st), 0x3f800000);
    assert_int_equal(st.flags, SF_IE);
    assert_int_equal(sf_f32_max(0x3f800000, 0x7f800001, &st), 0x7f800001);
    st.flags = 0;
    assert_int_equal(sf_f32_min(0x00000000, 0x80000000, &st), 0x80000000);
    assert_int_equal(sf_f32_max(0x80000000, 0x00000000, &st), 0x00000000);
    assert_int_equal(sf_f64_max(0xbff0000000000000ull, 0x3ff0000000000000ull,
                                &st), 0x3ff0000000000000ull);
    assert_int_equal(st.flags, 0);
    /* quiet and signalling compares */
    assert_int_equal(sf_f64_compare(0x7ff8000000000000ull, 0, false, &st),
                     SF_CMP_UNORDERED);
    assert_int_equal(st.flags, 0);
    assert_int_equal(sf_f64_compare(0x7ff8000000000000ull, 0, true, &st),
                     SF_CMP_UNORDERED);
    assert_int_equal(st.flags, SF_IE);
    assert_int_equal(sf_f32_compare(0x80000000, 0, true, &st), SF_CMP_EQUAL);
    assert_int_equal(sf_f32_compare(0xbf800000, 0x3f800000, true, &st),
                     SF_CMP_LESS);
    assert_int_equal(sf_f32_compare(0x7f800000, 0x7f7fffff, true, &st),
                     SF_CMP_GREATER);
}

/* ---- random operands ------------------------------------------------------ */

static uint64_t rng_state = 0x853c49e6748fea9bull;

static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* A mantissa of mbits bits with a bias towards rounding boundaries. */
static uint64_t rnd_mant(int mbits)
{
    uint64_t mask = mbits == 64 ? ~0ull : (1ull << mbits) - 1;
    uint64_t r = rnd();
    switch (rnd() % 6) {
    case 0:
        return r & mask;
    case 1:
        return (mask >> (rnd() % mbits)) & mask;                /* ones */
    case 2:
        return (~(mask >> (rnd() % mbits))) & mask;
    case 3:
        return (r & ~(mask >> (rnd() % 8 + 1))) & mask;         /* low zeros */
    case 4:
        return (r | (mask >> (rnd() % 8 + 1))) & mask;           /* low ones */
    default:
        return rnd() & rnd() & mask;
    }
}

/* A biased exponent: uniform, near the edges, or near a reference. */
static uint32_t rnd_exp(uint32_t emax, uint32_t near)
{
    switch (rnd() % 8) {
    case 0:
        return rnd() % 3;                         /* zero/denormal/min */
    case 1:
        return emax - rnd() % 3;                  /* inf/NaN/max */
    case 2: case 3: case 4: {
        int64_t e = (int64_t)near + (int64_t)(rnd() % 70) - 35;
        return e < 0 ? 0 : e > emax ? emax : (uint32_t)e;
    }
    case 5:
        return emax / 2 + rnd() % 64 - 32;
    default:
        return rnd() % (emax + 1);
    }
}

static uint32_t rnd_f32(uint32_t near)
{
    uint32_t e = rnd_exp(255, near);
    return (uint32_t)(rnd() & 1) << 31 | e << 23 | (uint32_t)rnd_mant(23);
}

static uint64_t rnd_f64(uint64_t near)
{
    uint64_t e = rnd_exp(2047, (uint32_t)near);
    return (rnd() & 1) << 63 | e << 52 | rnd_mant(52);
}

static Float80 rnd_f80(uint32_t near)
{
    uint32_t e = rnd_exp(32767, near);
    uint64_t m = rnd_mant(64);
    if (e != 0 && rnd() % 64) {
        m |= 1ull << 63;            /* mostly supported encodings */
    } else if (e == 0 && rnd() % 16) {
        m &= ~(1ull << 63);         /* mostly true denormals */
    }
    return (Float80){ m, (uint16_t)((rnd() & 1) << 15 | e) };
}

static long random_count(void)
{
    const char *s = getenv("KITE_SF_RANDOM");
    return s ? strtol(s, NULL, 0) : 10000;
}

#if defined(__x86_64__)
#include <xmmintrin.h>
#include <emmintrin.h>

typedef struct Mismatch {
    long count, total;
} Mismatch;

static void report(Mismatch *m, const char *what, int mode, uint64_t a,
                   uint64_t b, uint64_t want, uint64_t got, int wf, int gf)
{
    if (m->count++ < 8) {
        printf("  %s mode %d: %016" PRIx64 " %016" PRIx64 " host %016" PRIx64
               " flags %02x, soft %016" PRIx64 " flags %02x\n", what, mode, a,
               b, want, wf, got, gf);
    }
}

enum { H_ADD, H_SUB, H_MUL, H_DIV, H_SQRT, H_CVT, H_TOI32, H_TOI32T,
       H_TOI64, H_MIN, H_MAX, H_CMP, H_COUNT };
static const char *const h_names[H_COUNT] = {
    "add", "sub", "mul", "div", "sqrt", "cvt", "to_i32", "to_i32t",
    "to_i64", "min", "max", "cmp",
};

__attribute__((noinline))
static uint64_t host_f64(int op, uint64_t a, uint64_t b)
{
    volatile double x, y, r = 0;
    memcpy((void *)&x, &a, 8);
    memcpy((void *)&y, &b, 8);
    __m128d vx = _mm_set_sd(x), vy = _mm_set_sd(y);
    uint64_t out;
    switch (op) {
    case H_ADD: r = x + y; break;
    case H_SUB: r = x - y; break;
    case H_MUL: r = x * y; break;
    case H_DIV: r = x / y; break;
    case H_SQRT: r = _mm_cvtsd_f64(_mm_sqrt_sd(vx, vx)); break;
    case H_CVT: {
        volatile float f = (float)x;
        uint32_t u;
        memcpy(&u, (void *)&f, 4);
        return u;
    }
    case H_TOI32: return (uint32_t)_mm_cvtsd_si32(vx);
    case H_TOI32T: return (uint32_t)_mm_cvttsd_si32(vx);
    case H_TOI64: return (uint64_t)_mm_cvtsd_si64(vx);
    case H_MIN: r = _mm_cvtsd_f64(_mm_min_sd(vx, vy)); break;
    case H_MAX: r = _mm_cvtsd_f64(_mm_max_sd(vx, vy)); break;
    default: {
        volatile int lt, eq, un;
        lt = _mm_cvtsi128_si32(_mm_castpd_si128(_mm_cmplt_sd(vx, vy)));
        eq = _mm_cvtsi128_si32(_mm_castpd_si128(_mm_cmpeq_sd(vx, vy)));
        un = _mm_cvtsi128_si32(_mm_castpd_si128(_mm_cmpunord_sd(vx, vy)));
        return un ? SF_CMP_UNORDERED : lt ? SF_CMP_LESS
             : eq ? SF_CMP_EQUAL : SF_CMP_GREATER;
    }
    }
    memcpy(&out, (void *)&r, 8);
    return out;
}

static uint64_t soft_f64(int op, uint64_t a, uint64_t b, SfStatus *st)
{
    switch (op) {
    case H_ADD: return sf_f64_add(a, b, st);
    case H_SUB: return sf_f64_sub(a, b, st);
    case H_MUL: return sf_f64_mul(a, b, st);
    case H_DIV: return sf_f64_div(a, b, st);
    case H_SQRT: return sf_f64_sqrt(a, st);
    case H_CVT: return sf_f64_to_f32(a, st);
    case H_TOI32: return (uint32_t)sf_f64_to_i32(a, false, st);
    case H_TOI32T: return (uint32_t)sf_f64_to_i32(a, true, st);
    case H_TOI64: return (uint64_t)sf_f64_to_i64(a, false, st);
    case H_MIN: return sf_f64_min(a, b, st);
    case H_MAX: return sf_f64_max(a, b, st);
    default: return sf_f64_compare(a, b, true, st);
    }
}

__attribute__((noinline))
static uint32_t host_f32(int op, uint32_t a, uint32_t b)
{
    volatile float x, y, r = 0;
    memcpy((void *)&x, &a, 4);
    memcpy((void *)&y, &b, 4);
    __m128 vx = _mm_set_ss(x), vy = _mm_set_ss(y);
    uint32_t out;
    switch (op) {
    case H_ADD: r = x + y; break;
    case H_SUB: r = x - y; break;
    case H_MUL: r = x * y; break;
    case H_DIV: r = x / y; break;
    case H_SQRT: r = _mm_cvtss_f32(_mm_sqrt_ss(vx)); break;
    case H_TOI32: return (uint32_t)_mm_cvtss_si32(vx);
    case H_TOI32T: return (uint32_t)_mm_cvttss_si32(vx);
    case H_MIN: r = _mm_cvtss_f32(_mm_min_ss(vx, vy)); break;
    case H_MAX: r = _mm_cvtss_f32(_mm_max_ss(vx, vy)); break;
    default: return 0;
    }
    memcpy(&out, (void *)&r, 4);
    return out;
}

static uint32_t soft_f32(int op, uint32_t a, uint32_t b, SfStatus *st)
{
    switch (op) {
    case H_ADD: return sf_f32_add(a, b, st);
    case H_SUB: return sf_f32_sub(a, b, st);
    case H_MUL: return sf_f32_mul(a, b, st);
    case H_DIV: return sf_f32_div(a, b, st);
    case H_SQRT: return sf_f32_sqrt(a, st);
    case H_TOI32: return (uint32_t)sf_f32_to_i32(a, false, st);
    case H_TOI32T: return (uint32_t)sf_f32_to_i32(a, true, st);
    case H_MIN: return sf_f32_min(a, b, st);
    case H_MAX: return sf_f32_max(a, b, st);
    default: return 0;
    }
}

/* One comparison with the host SSE unit under the given MXCSR. */
static void sse_check(Mismatch *m, bool dbl, int op, uint64_t a, uint64_t b,
                      uint32_t mxcsr)
{
    SfStatus st;
    sf_status_init_sse(&st, mxcsr);
    uint32_t saved = _mm_getcsr();
    _mm_setcsr(mxcsr);
    uint64_t want = dbl ? host_f64(op, a, b)
                        : host_f32(op, (uint32_t)a, (uint32_t)b);
    int wf = _mm_getcsr() & 0x3f;
    _mm_setcsr(saved);
    uint64_t got = dbl ? soft_f64(op, a, b, &st)
                       : soft_f32(op, (uint32_t)a, (uint32_t)b, &st);
    m->total++;
    if (want != got || wf != st.flags) {
        report(m, h_names[op], mxcsr >> 13 & 3, a, b, want, got, wf,
               st.flags);
    }
}

static void run_sse(bool dbl, uint32_t extra, long n, long *mismatches)
{
    for (int op = 0; op < H_COUNT; op++) {
        if (!dbl && (op == H_CVT || op == H_TOI64 || op == H_CMP)) {
            continue;
        }
        Mismatch m = { 0, 0 };
        for (int mode = 0; mode < 4; mode++) {
            uint32_t mxcsr = 0x1f80 | mode << 13 | extra;
            for (long i = 0; i < n; i++) {
                uint64_t a = dbl ? rnd_f64(1023) : rnd_f32(127);
                uint32_t ea = dbl ? (a >> 52) & 0x7ff : (a >> 23) & 0xff;
                if (op == H_MUL || op == H_DIV) {
                    ea = dbl ? 2046 - ea : 254 - ea;
                }
                uint64_t b = dbl ? rnd_f64(ea) : rnd_f32(ea);
                sse_check(&m, dbl, op, a, b, mxcsr);
            }
        }
        printf("  %s %-8s mxcsr+%04x: %ld operand pairs, %ld mismatches\n",
               dbl ? "f64" : "f32", h_names[op], extra, m.total, m.count);
        *mismatches += m.count;
    }
}

static void test_host_sse(void **state)
{
    long n = random_count(), mism = 0;
    run_sse(true, 0, n, &mism);
    run_sse(false, 0, n, &mism);
    run_sse(true, 0x8040, n / 4, &mism);   /* FTZ + DAZ */
    run_sse(false, 0x8000, n / 4, &mism);  /* FTZ */
    run_sse(true, 0x1f80 & ~0x0800, n / 4, &mism);  /* UE unmasked */
    assert_int_equal(mism, 0);
}

/* ---- host x87 -------------------------------------------------------------- */

static void x87_set_cw(uint16_t cw)
{
    __asm__ volatile("fldcw %0" : : "m"(cw) : "memory");
}

static uint16_t x87_get_sw(void)
{
    uint16_t sw;
    __asm__ volatile("fnstsw %0" : "=m"(sw) : : "memory");
    return sw;
}

static void x87_clear(void)
{
    __asm__ volatile("fnclex" : : : "memory");
}

enum { X_ADD, X_SUB, X_MUL, X_DIV, X_SQRT, X_TOF64, X_TOI64, X_CMP,
       X_COUNT };
static const char *const x_names[X_COUNT] = {
    "add", "sub", "mul", "div", "sqrt", "to_f64", "to_i64", "cmp",
};

static void ld_from(volatile long double *d, Float80 a)
{
    memset((void *)d, 0, sizeof(*d));
    memcpy((void *)d, &a.mant, 8);
    memcpy((char *)d + 8, &a.se, 2);
}

static Float80 ld_to(volatile long double *d)
{
    Float80 r;
    memcpy(&r.mant, (void *)d, 8);
    memcpy(&r.se, (char *)d + 8, 2);
    return r;
}

__attribute__((noinline))
static Float80 host_x87(int op, Float80 a, Float80 b, uint16_t cw,
                        uint16_t *sw)
{
    volatile long double x, y, r = 0;
    ld_from(&x, a);
    ld_from(&y, b);
    x87_clear();
    x87_set_cw(cw);
    long double u = x, v = y, t;
    uint16_t s;
    /* the status word is read before the result is stored: FSTP would
       clear C1 */
    switch (op) {
    case X_ADD:
        __asm__ volatile("fadd %%st(1), %%st\n\tfnstsw %1\n\tfnclex"
                         : "=t"(t), "=m"(s) : "0"(u), "u"(v));
        break;
    case X_SUB:
        __asm__ volatile("fsub %%st(1), %%st\n\tfnstsw %1\n\tfnclex"
                         : "=t"(t), "=m"(s) : "0"(u), "u"(v));
        break;
    case X_MUL:
        __asm__ volatile("fmul %%st(1), %%st\n\tfnstsw %1\n\tfnclex"
                         : "=t"(t), "=m"(s) : "0"(u), "u"(v));
        break;
    case X_DIV:
        __asm__ volatile("fdiv %%st(1), %%st\n\tfnstsw %1\n\tfnclex"
                         : "=t"(t), "=m"(s) : "0"(u), "u"(v));
        break;
    case X_SQRT:
        __asm__ volatile("fsqrt\n\tfnstsw %1\n\tfnclex"
                         : "=t"(t), "=m"(s) : "0"(u));
        break;
    case X_TOF64: {
        volatile double d = (double)x;
        uint64_t u;
        memcpy(&u, (void *)&d, 8);
        *sw = x87_get_sw();
        x87_set_cw(0x037f);
        return (Float80){ u, 0 };
    }
    case X_TOI64: {
        long double v = x;
        int64_t i;
        __asm__ volatile("fistpll %0" : "=m"(i) : "t"(v) : "st");
        *sw = x87_get_sw();
        x87_set_cw(0x037f);
        return (Float80){ (uint64_t)i, 0 };
    }
    default:
        __asm__ volatile("fcom %%st(1)\n\tfnstsw %0"
                         : "=m"(s) : "t"(u), "u"(v));
        *sw = s;
        x87_set_cw(0x037f);
        return (Float80){ 0, 0 };
    }
    r = t;
    *sw = s;
    x87_set_cw(0x037f);
    return ld_to(&r);
}

static Float80 soft_x87(int op, Float80 a, Float80 b, SfStatus *st,
                        uint16_t *ccodes)
{
    switch (op) {
    case X_ADD: return sf_f80_add(a, b, st);
    case X_SUB: return sf_f80_sub(a, b, st);
    case X_MUL: return sf_f80_mul(a, b, st);
    case X_DIV: return sf_f80_div(a, b, st);
    case X_SQRT: return sf_f80_sqrt(a, st);
    case X_TOF64: return (Float80){ sf_f80_to_f64(a, st), 0 };
    case X_TOI64: return (Float80){ (uint64_t)sf_f80_to_i64(a, false, st),
                                    0 };
    default: {
        static const uint16_t cc[4] = { 0x0100, 0x4000, 0x0000, 0x4500 };
        *ccodes = cc[sf_f80_compare(a, b, true, st)];
        return (Float80){ 0, 0 };
    }
    }
}

static void x87_check(Mismatch *m, int op, Float80 a, Float80 b,
                      uint16_t cw)
{
    uint16_t sw = 0, cc = 0;
    SfStatus st;
    sf_status_init_x87(&st, cw);
    Float80 want = host_x87(op, a, b, cw, &sw);
    Float80 got = soft_x87(op, a, b, &st, &cc);
    int wf = sw & 0x3f;
    bool bad = want.mant != got.mant || want.se != got.se || wf != st.flags;
    if (op == X_CMP) {
        bad |= (sw & 0x4500) != cc;
    } else if (op <= X_SQRT && (wf & SF_PE)) {
        bad |= ((sw >> 9) & 1) != st.rounded_up;  /* C1: rounded up */
    }
    m->total++;
    if (bad) {
        if (m->count < 8) {
            printf("  x87 %s cw %04x: %04x:%016" PRIx64 " %04x:%016" PRIx64
                   " host %04x:%016" PRIx64 " sw %04x, soft %04x:%016" PRIx64
                   " flags %02x c1 %d\n", x_names[op], cw, a.se, a.mant,
                   b.se, b.mant, want.se, want.mant, sw, got.se, got.mant,
                   st.flags, st.rounded_up);
        }
        m->count++;
    }
}

static void test_host_x87(void **state)
{
    static const int pcs[3] = { SF_PREC_64, SF_PREC_53, SF_PREC_24 };
    long n = random_count(), mism = 0;
    for (int op = 0; op < X_COUNT; op++) {
        Mismatch m = { 0, 0 };
        for (int p = 0; p < 3; p++) {
            if (p > 0 && op > X_SQRT) {
                break;
            }
            for (int mode = 0; mode < 4; mode++) {
                uint16_t cw = 0x007f | pcs[p] << 8 | mode << 10;
                for (long i = 0; i < n; i++) {
                    Float80 a = rnd_f80(16383);
                    uint32_t ea = a.se & 0x7fff;
                    if (op == X_MUL || op == X_DIV) {
                        ea = 32766 - ea;
                    }
                    x87_check(&m, op, a, rnd_f80(ea), cw);
                }
            }
        }
        printf("  x87 %-7s: %ld operand pairs, %ld mismatches\n",
               x_names[op], m.total, m.count);
        mism += m.count;
    }
    /* overflow and underflow unmasked: wrapped exponents (x87 only) */
    static const uint16_t unmasked[3] = { 0x0377, 0x036f, 0x0367 };
    for (int op = X_ADD; op <= X_DIV; op++) {
        Mismatch m = { 0, 0 };
        for (int u = 0; u < 3; u++) {
            for (int mode = 0; mode < 4; mode++) {
                uint16_t cw = unmasked[u] | mode << 10;
                for (long i = 0; i < n / 4; i++) {
                    Float80 a = rnd_f80(rnd() & 1 ? 32700 : 60);
                    uint32_t ea = a.se & 0x7fff;
                    uint32_t eb = op == X_DIV ? 32766 - ea : ea;
                    x87_check(&m, op, a, rnd_f80(eb), cw);
                }
            }
        }
        printf("  x87 %-7s OE/UE unmasked: %ld operand pairs, %ld "
               "mismatches\n", x_names[op], m.total, m.count);
        mism += m.count;
    }
    assert_int_equal(mism, 0);
}
#endif

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_f32_basic),
        cmocka_unit_test(test_f32_overflow_underflow),
        cmocka_unit_test(test_nans),
        cmocka_unit_test(test_f80_encodings),
        cmocka_unit_test(test_int_conversions),
        cmocka_unit_test(test_round_minmax_compare),
#if defined(__x86_64__)
        cmocka_unit_test(test_host_sse),
        cmocka_unit_test(test_host_x87),
#endif
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
