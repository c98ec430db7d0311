/*
 * Unit tests of the RCPSS/RSQRTSS approximations (cpu/x86/ssefp_rcp.c):
 *  - the special inputs (zeros, denormals taken as zeros, infinities,
 *    NaNs, negative RSQRT inputs, results whose exponent underflows);
 *  - every table entry within the bound the SDM documents, relative error
 *    at most 1.5 * 2^-12, over the whole input interval;
 *  - on an x86-64 host whose RCPSS gives what the tables were measured
 *    from, every significand against the host's RCPSS and RSQRTSS (on
 *    other hosts that part is skipped, with the mismatch count printed).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cpu/x86/ssefp-rcp.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

static float f_of(uint32_t u)
{
    float f;
    memcpy(&f, &u, 4);
    return f;
}

static void test_specials(void **state)
{
    (void)state;
    assert_int_equal(ssefp_rcp(0x00000000), 0x7f800000);
    assert_int_equal(ssefp_rcp(0x80000000), 0xff800000);
    assert_int_equal(ssefp_rcp(0x007fffff), 0x7f800000);    /* denormal */
    assert_int_equal(ssefp_rcp(0x80000001), 0xff800000);
    assert_int_equal(ssefp_rcp(0x7f800000), 0x00000000);
    assert_int_equal(ssefp_rcp(0xff800000), 0x80000000);
    assert_int_equal(ssefp_rcp(0x7f800001), 0x7fc00001);    /* quietened */
    assert_int_equal(ssefp_rcp(0xffc00000), 0xffc00000);
    assert_int_equal(ssefp_rcp(0x7e800000), 0x00000000);    /* 2^126 */
    assert_int_equal(ssefp_rcp(0xfe800000), 0x80000000);
    assert_int_equal(ssefp_rcp(0x7e7fffff), 0x00800000);
    assert_int_equal(ssefp_rcp(0x3f800000), 0x3f7ff000);
    assert_int_equal(ssefp_rcp(0xbf800000), 0xbf7ff000);
    assert_int_equal(ssefp_rsqrt(0x00000000), 0x7f800000);
    assert_int_equal(ssefp_rsqrt(0x80000000), 0xff800000);
    assert_int_equal(ssefp_rsqrt(0x80000001), 0xff800000);
    assert_int_equal(ssefp_rsqrt(0xbf800000), 0xffc00000);  /* negative */
    assert_int_equal(ssefp_rsqrt(0xff800000), 0xffc00000);
    assert_int_equal(ssefp_rsqrt(0x7f800000), 0x00000000);
    assert_int_equal(ssefp_rsqrt(0x7fa00000), 0x7fe00000);
    assert_int_equal(ssefp_rsqrt(0x00800000), 0x5efff800);
    assert_int_equal(ssefp_rsqrt(0x7f7fffff), 0x1f800000);
}

/* Largest relative error over the inputs of one table entry's interval. */
static double entry_error(uint32_t base, bool rsqrt)
{
    double worst = 0;

    for (uint32_t lo = 0; lo < 0x800; lo += 0x7f) {
        uint32_t x = base | lo;
        double v = f_of(x);
        double exact = rsqrt ? 1.0 / sqrt(v) : 1.0 / v;
        double got = f_of(rsqrt ? ssefp_rsqrt(x) : ssefp_rcp(x));
        worst = fmax(worst, fabs(got - exact) / exact);
    }
    return worst;
}

static void test_error_bound(void **state)
{
    const double bound = 1.5 / 4096;
    double worst = 0;

    (void)state;
    for (uint32_t i = 0; i < 4096; i++) {
        worst = fmax(worst, entry_error(0x3f800000 | i << 11, false));
        worst = fmax(worst, entry_error(0x3f800000 | i << 11, true));
        worst = fmax(worst, entry_error(0x40000000 | i << 11, true));
    }
    printf("largest relative error %.3g (bound %.3g)\n", worst, bound);
    assert_true(worst <= bound);
}

#if defined(__x86_64__)
static uint32_t host_op(uint32_t x, bool rsqrt)
{
    __m128 v = _mm_set_ss(f_of(x));
    float r;
    uint32_t u;

    v = rsqrt ? _mm_rsqrt_ss(v) : _mm_rcp_ss(v);
    r = _mm_cvtss_f32(v);
    memcpy(&u, &r, 4);
    return u;
}

/* Mismatches over every significand of [1, 2) and a sample of the
   significands at other exponents. */
static unsigned host_mismatches(bool rsqrt)
{
    static const uint32_t exps[] = { 1, 64, 126, 127, 128, 200, 252, 253 };
    unsigned bad = 0;

    for (size_t e = 0; e < sizeof(exps) / sizeof(exps[0]); e++) {
        for (uint32_t m = 0; m < (1u << 23); m += exps[e] == 127 ? 1 : 0x3f) {
            uint32_t x = exps[e] << 23 | m;
            bad += (rsqrt ? ssefp_rsqrt(x) : ssefp_rcp(x)) != host_op(x, rsqrt);
        }
    }
    return bad;
}

static void test_host(void **state)
{
    unsigned rcp_bad, rsqrt_bad;

    (void)state;
    rcp_bad = host_mismatches(false);
    rsqrt_bad = host_mismatches(true);
    printf("against this host's RCPSS: %u mismatches, RSQRTSS: %u\n",
           rcp_bad, rsqrt_bad);
    if (host_op(0x3f800000, false) != ssefp_rcp(0x3f800000)) {
        skip();     /* another processor: its own approximations */
    }
    assert_int_equal(rcp_bad, 0);
    assert_int_equal(rsqrt_bad, 0);
}
#endif

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_specials),
        cmocka_unit_test(test_error_bound),
#if defined(__x86_64__)
        cmocka_unit_test(test_host),
#endif
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
