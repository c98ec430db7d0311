/* Unit tests for the machine-check MSRs (IA32_MCG_*, IA32_MCi_*) through
 * RDMSR/WRMSR's helpers, the CPUID bits that promise them, CR4.MCE, and
 * their place in the CPU state stream. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cpu/x86/cpuid.h"
#include "cpu/x86/mce.h"
#include "cpu/x86/sys-helper.h"

static CPUX86TCG *new_env(void)
{
    CPUX86TCG *env = calloc(1, sizeof(*env));

    assert_non_null(env);
    x86_cpu_state_reset(&env->st);
    return env;
}

static uint64_t rd(CPUX86TCG *env, uint32_t msr)
{
    uint64_t v = 0xdead;

    assert_int_equal(x86_msr_read(env, msr, &v), 0);
    return v;
}

static void test_cpuid_and_cr4(void **state)
{
    CPUX86TCG *env = new_env();
    uint32_t out[4];

    x86_cpuid(env, 1, 0, out);
    assert_true(out[3] & CPUID_1D_MCE);
    assert_true(out[3] & CPUID_1D_MCA);
    assert_true(x86_cr4_valid_mask() & CR4_MCE);
    free(env);
}

static void test_global_msrs(void **state)
{
    CPUX86TCG *env = new_env();
    uint64_t v;

    /* 10 banks, MCG_CTL present, software error recovery support */
    assert_int_equal(rd(env, MSR_IA32_MCG_CAP), 0x0100010a);
    assert_int_equal(x86_msr_write(env, MSR_IA32_MCG_CAP, 0x0100010a), -1);
    assert_int_equal(x86_msr_write(env, MSR_IA32_MCG_CAP, 0), -1);
    /* MCG_STATUS: read/write */
    assert_int_equal(rd(env, MSR_IA32_MCG_STATUS), 0);
    assert_int_equal(x86_msr_write(env, MSR_IA32_MCG_STATUS, 0x5), 0);
    assert_int_equal(rd(env, MSR_IA32_MCG_STATUS), 0x5);
    /* MCG_CTL: all ones at power-on; only 0 or all ones */
    assert_int_equal(rd(env, MSR_IA32_MCG_CTL), ~0ull);
    assert_int_equal(x86_msr_write(env, MSR_IA32_MCG_CTL, 0), 0);
    assert_int_equal(rd(env, MSR_IA32_MCG_CTL), 0);
    assert_int_equal(x86_msr_write(env, MSR_IA32_MCG_CTL, 1), -1);
    assert_int_equal(x86_msr_write(env, MSR_IA32_MCG_CTL, ~0ull), 0);
    /* MCG_EXT_CTL and CMCI's MCi_CTL2 are not there */
    assert_int_equal(x86_msr_read(env, 0x4d0, &v), -1);
    assert_int_equal(x86_msr_read(env, 0x280, &v), -1);
    free(env);
}

static void test_banks(void **state)
{
    CPUX86TCG *env = new_env();
    uint64_t v;

    for (int i = 0; i < MCE_BANKS; i++) {
        uint32_t base = MSR_IA32_MC0_CTL + 4 * i;
        assert_int_equal(rd(env, base), ~0ull);
        assert_int_equal(rd(env, base + 1), 0);
        /* CTL: all-zeros, all-ones, or all-ones but bits 0 and 10 */
        assert_int_equal(x86_msr_write(env, base, 0), 0);
        assert_int_equal(x86_msr_write(env, base, 0x1234), -1);
        assert_int_equal(x86_msr_write(env, base, ~(1ull << 10)), 0);
        assert_int_equal(rd(env, base), ~(1ull << 10));
        assert_int_equal(x86_msr_write(env, base, ~(1ull << 11)), -1);
        /* STATUS: only clearing */
        assert_int_equal(x86_msr_write(env, base + 1, 0), 0);
        assert_int_equal(x86_msr_write(env, base + 1, 1ull << 63), -1);
        /* ADDR, MISC: storage */
        assert_int_equal(x86_msr_write(env, base + 2, 0x123456789ull), 0);
        assert_int_equal(rd(env, base + 2), 0x123456789ull);
        assert_int_equal(x86_msr_write(env, base + 3, 0x42), 0);
        assert_int_equal(rd(env, base + 3), 0x42);
    }
    /* bank MCE_BANKS does not exist */
    assert_int_equal(x86_msr_read(env, MSR_IA32_MC0_CTL + 4 * MCE_BANKS, &v), -1);
    assert_int_equal(x86_msr_write(env, MSR_IA32_MC0_CTL + 4 * MCE_BANKS, 0), -1);
    free(env);
}

static void test_state_stream(void **state)
{
    CPUX86TCG *env = new_env();
    X86CPUState out;
    SaveBuf sb, rb;

    assert_int_equal(x86_msr_write(env, MSR_IA32_MCG_STATUS, 0x4), 0);
    assert_int_equal(x86_msr_write(env, MSR_IA32_MC0_CTL + 8, 0), 0);
    assert_int_equal(x86_msr_write(env, MSR_IA32_MC0_CTL + 10, 0xabc), 0);
    savebuf_init(&sb);
    x86_cpu_state_save(&env->st, &sb);
    savebuf_init_read(&rb, sb.data, sb.len);
    assert_int_equal(x86_cpu_state_load(&out, &rb), 0);
    assert_int_equal(out.mcg_status, 0x4);
    assert_int_equal(out.mce_banks[8], 0);
    assert_int_equal(out.mce_banks[10], 0xabc);
    assert_int_equal(out.mcg_ctl, ~0ull);
    /* an MCi_CTL value WRMSR refuses is refused in a stream too */
    st64le(sb.data + sb.len - 8 * 4 * MCE_BANKS, 0x1234);
    savebuf_init_read(&rb, sb.data, sb.len);
    assert_int_equal(x86_cpu_state_load(&out, &rb), -1);
    savebuf_free(&sb);
    free(env);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cpuid_and_cr4),
        cmocka_unit_test(test_global_msrs),
        cmocka_unit_test(test_banks),
        cmocka_unit_test(test_state_stream),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
