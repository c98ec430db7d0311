/*
 * Unit tests for the debugger under KVM (accel/kvm/kvm-debug.c): how the
 * debugger's points fill the four debug registers of KVM_SET_GUEST_DEBUG
 * (slots, DR7 enables, RW and LEN, watchpoints split into aligned pieces,
 * too many points), single step with interrupts blocked, and which point
 * a KVM_EXIT_DEBUG's DR6 names. Runs without /dev/kvm.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "accel/kvm/kvm-int.h"

static uint64_t dr7_field(uint64_t dr7, int slot)
{
    return (dr7 >> (16 + 4 * slot)) & 0xf;      /* LEN << 2 | RW */
}

static void test_build(void **state)
{
    DebugPoints dp = { .n = 0 };
    struct kvm_guest_debug dbg;

    assert_int_equal(kvm_debug_build(&dp, false, false, &dbg), 0);
    assert_int_equal(dbg.control, 0);
    debug_points_insert(&dp, DEBUG_BP_SW, 0xffffffff81000000ull, 1);
    debug_points_insert(&dp, DEBUG_WP_WRITE, 0x2000, 8);
    debug_points_insert(&dp, DEBUG_WP_ACCESS, 0x3001, 3);
    assert_int_equal(kvm_debug_build(&dp, false, false, &dbg), 0);
    assert_int_equal(dbg.control, KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_HW_BP);
    assert_int_equal(dbg.arch.debugreg[0], 0xffffffff81000000ull);
    assert_int_equal(dr7_field(dbg.arch.debugreg[7], 0), 0);       /* exec */
    assert_int_equal(dbg.arch.debugreg[1], 0x2000);
    assert_int_equal(dr7_field(dbg.arch.debugreg[7], 1), 2 << 2 | 1);
    /* 3 bytes at 0x3001: one byte, then an aligned word */
    assert_int_equal(dbg.arch.debugreg[2], 0x3001);
    assert_int_equal(dr7_field(dbg.arch.debugreg[7], 2), 0 << 2 | 3);
    assert_int_equal(dbg.arch.debugreg[3], 0x3002);
    assert_int_equal(dr7_field(dbg.arch.debugreg[7], 3), 1 << 2 | 3);
    /* G0-G3 and the fixed bit 10 */
    assert_int_equal(dbg.arch.debugreg[7] & 0xffff, 0x4aa);
    /* a fifth piece does not fit */
    debug_points_insert(&dp, DEBUG_BP_HW, 0x4000, 1);
    assert_int_equal(kvm_debug_build(&dp, false, false, &dbg), -1);
    assert_int_equal(dbg.arch.debugreg[3], 0x3002);
    assert_true(dbg.control & KVM_GUESTDBG_USE_HW_BP);
}

static void test_step(void **state)
{
    struct kvm_guest_debug dbg;

    assert_int_equal(kvm_debug_build(NULL, true, true, &dbg), 0);
    assert_int_equal(dbg.control, KVM_GUESTDBG_ENABLE |
                     KVM_GUESTDBG_SINGLESTEP | KVM_GUESTDBG_BLOCKIRQ);
    assert_int_equal(kvm_debug_build(NULL, true, false, &dbg), 0);
    assert_int_equal(dbg.control, KVM_GUESTDBG_ENABLE |
                     KVM_GUESTDBG_SINGLESTEP);
}

static void test_exit_reason(void **state)
{
    DebugPoints dp = { .n = 0 };
    VCPU cpu;

    memset(&cpu, 0, sizeof(cpu));
    debug_points_insert(&dp, DEBUG_BP_HW, 0x1000, 1);
    debug_points_insert(&dp, DEBUG_WP_READ, 0x2001, 2);     /* slots 1, 2 */
    debug_points_insert(&dp, DEBUG_WP_WRITE, 0x3000, 4);
    kvm_debug_exit_reason(&cpu, &dp, 0xffff0ff1);
    assert_int_equal(cpu.debug_stop, DEBUG_STOP_BREAK);
    kvm_debug_exit_reason(&cpu, &dp, 0xffff0ff4);
    assert_int_equal(cpu.debug_stop, DEBUG_STOP_WATCH);
    assert_int_equal(cpu.watch_type, DEBUG_WP_READ);
    assert_int_equal(cpu.watch_addr, 0x2001);
    kvm_debug_exit_reason(&cpu, &dp, 0xffff0ff8);
    assert_int_equal(cpu.watch_type, DEBUG_WP_WRITE);
    assert_int_equal(cpu.watch_addr, 0x3000);
    cpu.singlestep = true;
    kvm_debug_exit_reason(&cpu, &dp, 0xffff4ff0);
    assert_int_equal(cpu.debug_stop, DEBUG_STOP_STEP);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_build),
        cmocka_unit_test(test_step),
        cmocka_unit_test(test_exit_reason),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
