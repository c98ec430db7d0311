/*
 * Unit tests for -cpu: models, flag syntax and aliases, the check against
 * what an accelerator reports, and what a configuration does to CPUID.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "cpu/x86/cpuid.h"
#include "system/cpu-model.h"

#define CX8    (1u << 8)         /* leaf 1 EDX */
#define SSE2   (1u << 26)        /* leaf 1 EDX */
#define SSE3   (1u << 0)         /* leaf 1 ECX */
#define X2APIC (1u << 21)        /* leaf 1 ECX */
#define LM     (1u << 29)        /* 8000_0001h EDX */

/* A source that reports every bit of every leaf but sse2. */
static void all_but_sse2(void *opaque, uint32_t leaf, uint32_t sub,
                         uint32_t out[4])
{
    memset(out, 0xff, 4 * sizeof(uint32_t));
    if (leaf == 1) {
        out[3] &= ~SSE2;
    }
}

static CpuConfig parse_ok(const char *arg)
{
    CpuConfig c;
    Error err = { "" };

    assert_int_equal(cpu_config_parse(&c, arg, &err), 0);
    return c;
}

static void expect_parse_error(const char *arg, const char *what)
{
    CpuConfig c;
    Error err = { "" };

    assert_int_equal(cpu_config_parse(&c, arg, &err), -1);
    assert_non_null(strstr(err.msg, what));
}

static void test_cpu_flag_syntax(void **state)
{
    uint32_t r[4] = { 0, 0, SSE3 | X2APIC, CX8 };
    CpuConfig c = parse_ok("max,-cx8,x2apic=off,+pni");

    cpu_config_apply(&c, 1, 0, r);
    assert_int_equal(r[3], 0);
    assert_int_equal(r[2], SSE3);
    expect_parse_error("max,+nosuch", "unknown CPU flag");
    expect_parse_error("max,,+cx8", "empty");
    expect_parse_error("max,cx8=maybe", "on or off");
    expect_parse_error("pentium", "unknown CPU model");
}

/* Leaf 1 ignores ECX: a guest's stale ECX must not dodge -cpu. */
static void test_cpu_apply_ignores_subleaf_where_cpuid_does(void **state)
{
    CpuConfig c = parse_ok("max,-lm");
    uint32_t r[4] = { 0, 0, 0, LM };

    cpu_config_apply(&c, 0x80000001u, 0x1234, r);
    assert_int_equal(r[3], 0);
}

static void test_cpu_qemu64_limits(void **state)
{
    CpuConfig c = parse_ok("qemu64");
    uint32_t r[4] = { 0, 0, SSE3 | X2APIC, CX8 };

    cpu_config_apply(&c, 1, 0, r);
    assert_int_equal(r[2], SSE3);            /* x2apic is not in qemu64 */
    assert_int_equal(r[3], CX8);
    c = parse_ok("qemu64,+x2apic");
    r[2] = SSE3 | X2APIC;
    cpu_config_apply(&c, 1, 0, r);
    assert_int_equal(r[2], SSE3 | X2APIC);
}

/* cpu-flag-accepted: "+sse2" under an accelerator without it is refused. */
static void test_cpu_check_against_source(void **state)
{
    CpuConfig c = parse_ok("max,+sse2");
    Error err = { "" };

    assert_int_equal(cpu_config_check(&c, "tcg", all_but_sse2, NULL, &err), -1);
    assert_non_null(strstr(err.msg, "sse2"));
    c = parse_ok("max,+cx8,-sse2");
    assert_int_equal(cpu_config_check(&c, "tcg", all_but_sse2, NULL, &err), 0);
    c = parse_ok("host");
    assert_int_equal(cpu_config_check(&c, "tcg", all_but_sse2, NULL, &err), -1);
    assert_non_null(strstr(err.msg, "KVM"));
    assert_int_equal(cpu_config_check(&c, "kvm", all_but_sse2, NULL, &err), 0);
}

/* What TCG can provide comes from its own CPUID model, whatever it has. */
static void test_cpu_check_tcg_model(void **state)
{
    uint32_t r[4];
    CpuConfig c;
    Error err = { "" };
    bool has_sse2;

    x86_cpuid_model(NULL, 1, 0, r);
    has_sse2 = r[3] & SSE2;
    c = parse_ok("max,+sse2");
    assert_int_equal(cpu_config_check(&c, "tcg", x86_cpuid_model, NULL, &err),
                     has_sse2 ? 0 : -1);
    c = parse_ok("max,+cx8");
    assert_int_equal(cpu_config_check(&c, "tcg", x86_cpuid_model, NULL, &err),
                     (r[3] & CX8) ? 0 : -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cpu_flag_syntax),
        cmocka_unit_test(test_cpu_apply_ignores_subleaf_where_cpuid_does),
        cmocka_unit_test(test_cpu_qemu64_limits),
        cmocka_unit_test(test_cpu_check_against_source),
        cmocka_unit_test(test_cpu_check_tcg_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
