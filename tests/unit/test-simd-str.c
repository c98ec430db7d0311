/*
 * Unit tests of cpu/x86/simd_str_helper.c and parts of simd_helper.c with
 * known vectors: CRC-32C (the check value of "123456789" and RFC 3720's
 * iSCSI test patterns), PCMPxSTRx in each aggregation and polarity with
 * hand-worked results (SDM Vol. 2B 4.1), explicit lengths out of range
 * (negative, huge, INT64_MIN), and a few saturating and shuffle lanes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cpu/x86/translate.h"
#include "cpu/x86/simd-desc.h"

static uint32_t crc32c_bytes(const void *p, size_t n)
{
    const uint8_t *b = p;
    uint64_t c = 0xffffffffu;

    for (size_t i = 0; i < n; i++) {
        c = helper_crc32c(c, b[i], 1);
    }
    return (uint32_t)c ^ 0xffffffffu;
}

static void test_crc32c_vectors(void **state)
{
    uint8_t buf[32];

    assert_int_equal(crc32c_bytes("123456789", 9), 0xe3069283u);
    memset(buf, 0, sizeof(buf));
    assert_int_equal(crc32c_bytes(buf, 32), 0x8a9136aau);
    memset(buf, 0xff, sizeof(buf));
    assert_int_equal(crc32c_bytes(buf, 32), 0x62a8ab43u);
    for (int i = 0; i < 32; i++) {
        buf[i] = (uint8_t)i;
    }
    assert_int_equal(crc32c_bytes(buf, 32), 0x46dd794eu);
}

/* The 2, 4 and 8-byte forms equal the bytes one at a time, low first. */
static void test_crc32c_widths(void **state)
{
    uint64_t v = 0x0123456789abcdefull, one = 0x1234u;

    for (int i = 0; i < 8; i++) {
        one = helper_crc32c(one, v >> (8 * i), 1);
    }
    assert_int_equal(helper_crc32c(0x1234u, v, 8), one);
    one = helper_crc32c(helper_crc32c(0x1234u, v, 2), v >> 16, 2);
    assert_int_equal(helper_crc32c(0x1234u, v, 4), one);
    /* only the low 32 bits of the accumulator count */
    assert_int_equal(helper_crc32c(0xffffffff00001234ull, v, 4), one);
}

typedef struct StrCase {
    const char *a, *b;
    uint32_t imm;
    uint64_t index;
    uint64_t flags;
} StrCase;

/* Runs PCMPISTRI (implicit lengths: the strings' own ends). */
static uint64_t istri(CPUX86TCG *env, const char *a, const char *b,
                      uint32_t imm)
{
    uint8_t xa[16] = { 0 }, xb[16] = { 0 };

    memcpy(xa, a, strnlen(a, 16));
    memcpy(xb, b, strnlen(b, 16));
    return helper_pcmpstr(env, xa, xb, 0, 0, imm);
}

static void test_pcmpistri_modes(void **state)
{
    static CPUX86TCG env;
    static const StrCase cases[] = {
        /* equal any: first vowel of "hello world" is 'e' at 1 */
        { "aeiou", "hello world", 0x00, 1, RF_CF | RF_ZF | RF_SF },
        /* ... and the last one, most significant: 'o' at 7 */
        { "aeiou", "hello world", 0x40, 7, RF_CF | RF_ZF | RF_SF },
        /* ranges a-z, negative polarity: first non-lower is ' ' at 5 */
        { "az", "hello world", 0x14, 5, RF_CF | RF_ZF | RF_SF },
        /* masked negative: elements past the end are not negated */
        { "az", "hello", 0x34, 16, RF_ZF | RF_SF },
        /* equal each: "abcX" vs "abcd" differ first at 3 (negative) */
        { "abcX", "abcd", 0x18, 3, RF_CF | RF_ZF | RF_SF },
        /* equal ordered: "lo w" found in "hello world" at 3 */
        { "lo w", "hello world", 0x0c, 3, RF_CF | RF_ZF | RF_SF },
        /* no match: index is the element count, CF clear */
        { "xyz", "hello", 0x0c, 16, RF_ZF | RF_SF },
        /* words: no 'b' in "a": the count is 8 words */
        { "b", "a", 0x01, 8, RF_ZF | RF_SF },
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const StrCase *c = &cases[i];
        uint64_t r = istri(&env, c->a, c->b, c->imm);
        assert_int_equal(r >> 32, c->index);
        assert_int_equal(r & RF_ARITH, c->flags);
    }
}

/* An equal-ordered match may run off the end of the haystack register. */
static void test_pcmpistri_partial_match(void **state)
{
    static CPUX86TCG env;
    uint64_t r = istri(&env, "pqr", "aaaaaaaaaaaaaapq", 0x0c);

    assert_int_equal(r >> 32, 14);
    assert_int_equal(r & RF_ARITH, RF_CF | RF_SF);     /* b has no end */
}

static void test_pcmpestrm_lengths(void **state)
{
    static CPUX86TCG env;
    uint8_t a[16], b[16];
    uint64_t r;

    memset(a, 'x', 16);
    memset(b, 'x', 16);
    /* equal each, byte mask: |-3| and 5 valid: bytes 0..2 equal, 3..4
       compare valid with invalid (false), 5.. both invalid (true) */
    r = helper_pcmpstr(&env, a, b, (uint64_t)-3, 5,
                       0x48 | SIMD_STR_EXPLICIT | SIMD_STR_MASK);
    assert_int_equal(env.st.xmm[0].q[0], 0xffffff0000ffffffull);
    assert_int_equal(env.st.xmm[0].q[1], ~0ull);
    assert_int_equal(r & RF_ARITH, RF_CF | RF_ZF | RF_SF | RF_OF);
    /* bit mask form, zero-extended */
    helper_pcmpstr(&env, a, b, 3, 5, 0x08 | SIMD_STR_EXPLICIT | SIMD_STR_MASK);
    assert_int_equal(env.st.xmm[0].q[0], 0xffe7u);
    assert_int_equal(env.st.xmm[0].q[1], 0);
    /* huge and most negative lengths saturate to 16 (8 for words) */
    r = helper_pcmpstr(&env, a, b, 0x7fffffff, 0x80000000u,
                       0x08 | SIMD_STR_EXPLICIT);
    assert_int_equal(r >> 32, 0);
    assert_int_equal(r & (RF_ZF | RF_SF), 0);
    r = helper_pcmpstr(&env, a, b, 1ull << 63, 100,
                       0x09 | SIMD_STR_EXPLICIT | SIMD_STR_WIDE);
    assert_int_equal(r & (RF_ZF | RF_SF), 0);
    /* without REX.W only the low 32 bits count: 0x100000002 is 2 */
    r = helper_pcmpstr(&env, a, b, 0x100000002ull, 2,
                       0x18 | SIMD_STR_EXPLICIT);
    assert_int_equal(r >> 32, 16);             /* all equal or both invalid */
    assert_int_equal(r & RF_ARITH, RF_ZF | RF_SF);
}

static void simd(uint32_t op, void *d, void *s, int n, unsigned imm)
{
    static CPUX86TCG env;

    helper_simd_op(&env, d, s, SIMD_DESC(op, n, imm));
}

static void test_lanes(void **state)
{
    XMMReg d = { .w = { 0x7fff, 0x8000, 1, 0xffff, 100, 0, 0x4000, 0x8001 } };
    XMMReg s = { .w = { 1, 0xffff, 0xffff, 1, 0xff9c, 0, 0x4000, 0x8001 } };
    XMMReg r = d;

    simd(SIMD_OP_paddsw, &r, &s, 16, 0);
    assert_int_equal(r.w[0], 0x7fff);       /* saturates up */
    assert_int_equal(r.w[1], 0x8000);       /* and down */
    assert_int_equal(r.w[2], 0);
    assert_int_equal(r.w[3], 0);
    r = d;
    simd(SIMD_OP_pmulhrsw, &r, &s, 16, 0);
    assert_int_equal(r.w[6], 0x2000);
    assert_int_equal(r.w[7], 0x7ffe);
    /* MMX width leaves the upper half alone */
    r = d;
    simd(SIMD_OP_paddw, &r, &s, 8, 0);
    assert_int_equal(r.w[0], 0x8000);
    assert_int_equal(r.q[1], d.q[1]);
    /* PSHUFD 0x1b reverses the dwords */
    r = d;
    simd(SIMD_OP_pshufd, &r, &s, 16, 0x1b);
    assert_int_equal(r.l[0], s.l[3]);
    assert_int_equal(r.l[3], s.l[0]);
    /* a shift count of 16 or more clears words, arithmetic fills */
    r = d;
    s.q[0] = 16;
    simd(SIMD_OP_psrlw, &r, &s, 16, 0);
    assert_int_equal(r.q[0] | r.q[1], 0);
    r = d;
    simd(SIMD_OP_psraw, &r, &s, 16, 0);
    assert_int_equal(r.w[1], 0xffff);
    assert_int_equal(r.w[0], 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc32c_vectors),
        cmocka_unit_test(test_crc32c_widths),
        cmocka_unit_test(test_pcmpistri_modes),
        cmocka_unit_test(test_pcmpistri_partial_match),
        cmocka_unit_test(test_pcmpestrm_lengths),
        cmocka_unit_test(test_lanes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
