/*
 * Unit tests for the x87 helpers (cpu/x86/fpu_*.c) held against the
 * host's x87 unit (x86-64 hosts only; inline assembly in this test only):
 *  - FPREM, FPREM1, FSCALE, FXTRACT, FRNDINT, FSQRT on random operands:
 *    every bit of ST(0), ST(1) and the status word must agree;
 *  - F2XM1, FYL2X, FYL2XP1, FPATAN, FSIN, FCOS, FPTAN, FSINCOS on random
 *    operands in their domains: our results are correctly rounded while
 *    the hardware's are not always, so the test reports how many differ
 *    and by how many ulps, and fails if any differs by more than
 *    X87_MAX_ULPS or if the status words disagree beyond C1.
 *  - a few known values that hold on any host.
 *
 * KITE_X87_RANDOM=N sets the operand count per instruction (default
 * 3,000; `KITE_X87_RANDOM=1000000` gives the figures in the report).
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

#include "cpu/x86/decode.h"
#include "cpu/x86/x87.h"

#define X87_MAX_ULPS 2

static CPUX86TCG *env_new(uint16_t fcw)
{
    CPUX86TCG *env = calloc(1, sizeof(*env));
    x87_finit(&env->st);
    env->st.fcw = fcw;
    return env;
}

static void env_push(CPUX86TCG *env, Float80 v)
{
    x87_set_top(&env->st, x87_top(&env->st) - 1);
    x87_set(&env->st, 0, v);
}

/* Runs mnem on the soft unit with ST(0) = x, ST(1) = y. */
static uint16_t soft_op(unsigned mnem, Float80 x, Float80 y, uint16_t cw,
                        Float80 *r0, Float80 *r1)
{
    CPUX86TCG *env = env_new(cw);
    env_push(env, y);
    env_push(env, x);
    assert_true(x87_trans(env, mnem));
    *r0 = x87_get(&env->st, 0);
    *r1 = x87_get(&env->st, 1);
    uint16_t sw = env->st.fsw;
    free(env);
    return sw;
}

static void test_known_values(void **state)
{
    Float80 one = { 1ull << 63, 0x3fff }, r0, r1;
    Float80 ten = { 0xa000000000000000ull, 0x4002 };
    Float80 three = { 0xc000000000000000ull, 0x4000 };
    /* fyl2x(x = 8, y = 3) = 9 */
    Float80 eight = { 1ull << 63, 0x4002 };
    soft_op(X86_M_FYL2X, eight, three, 0x037f, &r0, &r1);
    assert_true(r0.se == 0x4002 && r0.mant == 0x9000000000000000ull);
    /* 10 fprem 3 = 1, quotient 3: C3 and C1 */
    uint16_t sw = soft_op(X86_M_FPREM, ten, three, 0x037f, &r0, &r1);
    assert_true(r0.se == 0x3fff && r0.mant == 1ull << 63);
    assert_int_equal(sw & (FSW_CC), FSW_C3 | FSW_C1);
    /* fpatan(1, 1) = pi/4, nearest */
    soft_op(X86_M_FPATAN, one, one, 0x037f, &r0, &r1);
    assert_true(r0.se == 0x3ffe && r0.mant == 0xc90fdaa22168c235ull);
    /* fsin of 2^63 is out of range: C2, unchanged */
    Float80 big = { 1ull << 63, 0x403e };
    sw = soft_op(X86_M_FSIN, big, one, 0x037f, &r0, &r1);
    assert_true(sw & FSW_C2);
    assert_true(r0.se == 0x403e && r0.mant == 1ull << 63);
    /* fxtract of 0: ZE, -inf below +0 */
    Float80 zero = { 0, 0 };
    sw = soft_op(X86_M_FXTRACT, zero, one, 0x037f, &r0, &r1);
    assert_true(sw & FSW_ZE);
    assert_true(r0.se == 0 && r0.mant == 0);
    assert_true(r1.se == 0xffff && r1.mant == 1ull << 63);
}

#if defined(__x86_64__)

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static long random_count(void)
{
    const char *s = getenv("KITE_X87_RANDOM");
    return s ? strtol(s, NULL, 0) : 3000;
}

/* A normal value with exponent in [lo, hi] and a random sign. */
static Float80 rnd_val(int lo, int hi, bool neg_ok)
{
    int e = lo + (int)(rnd() % (uint64_t)(hi - lo + 1));
    uint64_t m = rnd() | 1ull << 63;
    if (rnd() % 8 == 0) {
        m &= ~0ull << (rnd() % 60);             /* short significands */
    }
    bool neg = neg_ok && (rnd() & 1);
    return (Float80){ m, (uint16_t)((neg ? 0x8000 : 0) | (16383 + e)) };
}

#define HOST1(insn)                                                        \
    __asm__ volatile("fninit\n\tfldcw %[cw]\n\tfldt %[y]\n\tfldt %[x]\n\t" \
                     insn "\n\tfnstsw %[sw]\n\tfstpt %[r0]\n\t"            \
                     "fstpt %[r1]\n\tfninit"                               \
                     : [sw] "=m"(sw), [r0] "=m"(o0), [r1] "=m"(o1)          \
                     : [cw] "m"(cw), [x] "m"(ix), [y] "m"(iy) : "memory")

typedef struct __attribute__((packed)) X80 {
    uint64_t m;
    uint16_t e;
} X80;

static uint16_t host_op(unsigned mnem, Float80 x, Float80 y, uint16_t cw,
                        Float80 *r0, Float80 *r1)
{
    X80 ix = { x.mant, x.se }, iy = { y.mant, y.se }, o0, o1;
    uint16_t sw = 0;
    switch (mnem) {
    case X86_M_FPREM: HOST1("fprem"); break;
    case X86_M_FPREM1: HOST1("fprem1"); break;
    case X86_M_FSCALE: HOST1("fscale"); break;
    case X86_M_FXTRACT: HOST1("fxtract"); break;
    case X86_M_FRNDINT: HOST1("frndint"); break;
    case X86_M_FSQRT: HOST1("fsqrt"); break;
    case X86_M_F2XM1: HOST1("f2xm1"); break;
    case X86_M_FYL2X: HOST1("fyl2x"); break;
    case X86_M_FYL2XP1: HOST1("fyl2xp1"); break;
    case X86_M_FPATAN: HOST1("fpatan"); break;
    case X86_M_FSIN: HOST1("fsin"); break;
    case X86_M_FCOS: HOST1("fcos"); break;
    case X86_M_FPTAN: HOST1("fptan"); break;
    default: HOST1("fsincos"); break;
    }
    *r0 = (Float80){ o0.m, o0.e };
    *r1 = (Float80){ o1.m, o1.e };
    return sw;
}

/* Distance in ulps between two finite extended values of one sign. */
static uint64_t ulps(Float80 a, Float80 b)
{
    if ((a.se ^ b.se) & 0x8000) {
        return UINT64_MAX;
    }
    uint64_t oa = (uint64_t)(a.se & 0x7fff) << 63 | (a.mant & ~(1ull << 63));
    uint64_t ob = (uint64_t)(b.se & 0x7fff) << 63 | (b.mant & ~(1ull << 63));
    return oa > ob ? oa - ob : ob - oa;
}

typedef struct Stats {
    long total, differ, status_bad, c1_differ;
    uint64_t max_ulps;
    long by_ulps[4];    /* 1, 2, 3, more */
} Stats;

static void compare(unsigned mnem, Float80 x, Float80 y, uint16_t cw,
                    bool exact, Stats *s)
{
    Float80 h0, h1, s0, s1;
    uint16_t hsw = host_op(mnem, x, y, cw, &h0, &h1);
    uint16_t ssw = soft_op(mnem, x, y, cw, &s0, &s1);
    bool popped = mnem == X86_M_FYL2X || mnem == X86_M_FYL2XP1 ||
                  mnem == X86_M_FPATAN;
    uint64_t u = ulps(h0, s0);
    if (!popped) {              /* ST(1): a second result, or untouched */
        uint64_t u1 = ulps(h1, s1);
        u = u1 > u ? u1 : u;
    }
    s->total++;
    /* C1 says "rounded up": for the transcendentals it reflects the
       hardware's internal result, so it is compared only for the exact
       operations and counted apart for the others */
    uint16_t mask = exact ? 0xffff : 0xfdff;
    if (!exact && !u && ((hsw ^ ssw) & FSW_C1)) {
        s->c1_differ++;
    }
    if (u) {
        s->differ++;
        s->max_ulps = u > s->max_ulps ? u : s->max_ulps;
        s->by_ulps[u > 3 ? 3 : u - 1]++;
    }
    if ((hsw & mask) != (ssw & mask) || (exact && u)) {
        if (s->status_bad++ < 5) {
            printf("  %s x %04x:%016" PRIx64 " y %04x:%016" PRIx64
                   " host %04x:%016" PRIx64 " sw %04x soft %04x:%016" PRIx64
                   " sw %04x\n", x86_mnem_name(mnem), x.se, x.mant, y.se,
                   y.mant, h0.se, h0.mant, hsw, s0.se, s0.mant, ssw);
        }
    }
}

static void report(unsigned mnem, const char *range, const Stats *s)
{
    printf("  %-8s %-20s %ld operands: %ld differ (1 ulp %ld, 2 ulps %ld, "
           "3 ulps %ld, more %ld; max %" PRIu64 "), status mismatches %ld, "
           "C1 alone %ld\n", x86_mnem_name(mnem), range, s->total, s->differ,
           s->by_ulps[0], s->by_ulps[1], s->by_ulps[2], s->by_ulps[3],
           s->max_ulps, s->status_bad, s->c1_differ);
}

static void test_exact_ops(void **state)
{
    static const unsigned ops[] = { X86_M_FPREM, X86_M_FPREM1, X86_M_FSCALE,
                                    X86_M_FXTRACT, X86_M_FRNDINT,
                                    X86_M_FSQRT };
    long n = random_count();
    long bad = 0;
    for (unsigned i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
        Stats s = { 0 };
        for (long k = 0; k < n; k++) {
            uint16_t cw = 0x007f | (uint16_t)(rnd() % 4) << 10 | 0x300;
            Float80 x = rnd_val(-70, 200, true), y = rnd_val(-70, 70, true);
            if (ops[i] == X86_M_FSCALE) {
                y = rnd_val(-2, 14, true);
            } else if (ops[i] == X86_M_FSQRT) {
                x.se &= 0x7fff;
            }
            compare(ops[i], x, y, cw, true, &s);
        }
        report(ops[i], "random", &s);
        bad += s.status_bad;
    }
    assert_int_equal(bad, 0);
}

static void run_math(unsigned mnem, const char *range, int lo, int hi,
                     bool neg, Stats *s)
{
    long n = random_count();
    for (long k = 0; k < n; k++) {
        Float80 x = rnd_val(lo, hi, neg), y = rnd_val(-30, 30, true);
        if (mnem == X86_M_FYL2X) {
            x.se &= 0x7fff;
        }
        compare(mnem, x, y, 0x037f, false, s);
    }
    report(mnem, range, s);
}

static void test_transcendental(void **state)
{
    static const struct {
        unsigned mnem;
        const char *range;
        int lo, hi;
        bool neg;
    } cases[] = {
        { X86_M_F2XM1, "|x| < 1", -40, -1, true },
        { X86_M_FYL2X, "x in 2^-100..2^100", -100, 100, false },
        { X86_M_FYL2XP1, "|x| < 0.25", -40, -3, true },
        { X86_M_FPATAN, "2^-30..2^30", -30, 30, true },
        { X86_M_FSIN, "|x| < 1", -30, -1, true },
        { X86_M_FCOS, "|x| < 1", -30, -1, true },
        { X86_M_FPTAN, "|x| < 1", -30, -1, true },
        { X86_M_FSINCOS, "|x| < 1", -30, -1, true },
        { X86_M_FSIN, "1 <= |x| < 2^20", 0, 19, true },
        { X86_M_FCOS, "1 <= |x| < 2^20", 0, 19, true },
        { X86_M_FPTAN, "1 <= |x| < 2^20", 0, 19, true },
        { X86_M_FSIN, "2^20 <= |x| < 2^63", 20, 62, true },
    };
    long status_bad = 0, too_far = 0;
    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        Stats s = { 0 };
        run_math(cases[i].mnem, cases[i].range, cases[i].lo, cases[i].hi,
                 cases[i].neg, &s);
        status_bad += s.status_bad;
        if (cases[i].hi < 20 && s.max_ulps > X87_MAX_ULPS) {
            too_far++;
        }
    }
    assert_int_equal(too_far, 0);
    assert_int_equal(status_bad, 0);
}
#endif

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_values),
#if defined(__x86_64__)
        cmocka_unit_test(test_exact_ops),
        cmocka_unit_test(test_transcendental),
#endif
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
