/*
 * Whole machines on the manual clock (MachineConfig.manual_clock), as the
 * lockstep runner builds them: the clock reads 0 from creation on however
 * long the host takes, so two machines built one after the other at
 * different host times, given the same device state, stay identical (the
 * runner used to switch to the manual clock only after both existed, and
 * a host delay in between left one clock ahead of the other: guests
 * diverged at the RTC's periodic interrupt now and then under load).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hw/pc/pc.h"

#define IMG_SIZE (64 * 1024)

static char bios_path[] = "/tmp/kite-test-manual-XXXXXX";

/* A 64 KiB firmware image of HLTs (the reset vector halts). */
static int setup(void **state)
{
    uint8_t *img = malloc(IMG_SIZE);
    int fd = mkstemp(bios_path);

    assert_non_null(img);
    assert_true(fd >= 0);
    memset(img, 0xf4, IMG_SIZE);
    assert_int_equal(write(fd, img, IMG_SIZE), IMG_SIZE);
    close(fd);
    free(img);
    return 0;
}

static int teardown(void **state)
{
    unlink(bios_path);
    return 0;
}

static void host_delay_ms(long ms)
{
    struct timespec ts = { 0, ms * 1000000 };
    nanosleep(&ts, NULL);
}

static Machine *new_machine(bool manual)
{
    MachineConfig cfg = {
        .ram_size = 16 * MiB, .smp = 1, .bios = bios_path,
        .accel = "tcg", .tcg_backend = "interp", .kernel_irqchip = -1,
        .nographic = true, .serial = "null", .manual_clock = manual,
    };
    Error err = { "" };
    Machine *m = machine_create(&cfg, &err);

    if (!m) {
        fail_msg("machine_create: %s", err.msg);
    }
    return m;
}

static void save_state(Machine *m, SaveBuf *b)
{
    savebuf_init(b);
    device_tree_save(m->root, b);
}

/* Loads a's device state into b. */
static void copy_state(Machine *a, Machine *b)
{
    SaveBuf s, in;
    Error err = { "" };

    save_state(a, &s);
    savebuf_init_read(&in, s.data, s.len);
    assert_int_equal(device_tree_load(b->root, &in, &err), 0);
    savebuf_free(&s);
}

static void test_clock_starts_at_zero(void **state)
{
    Machine *m = new_machine(true);

    assert_true(m->timers.manual);
    assert_int_equal(clock_ns(&m->timers), 0);
    host_delay_ms(5);
    assert_int_equal(clock_ns(&m->timers), 0);
    clock_advance(&m->timers, 1234);
    assert_int_equal(clock_ns(&m->timers), 1234);
    machine_destroy(m);
}

/* The default stays on host time (the check above is not vacuous). */
static void test_default_follows_host(void **state)
{
    Machine *m = new_machine(false);

    assert_false(m->timers.manual);
    host_delay_ms(5);
    assert_true(clock_ns(&m->timers) >= 5000000);
    machine_destroy(m);
}

/*
 * Two machines built 20 ms apart with a copied device state save the
 * same bytes, after the copy and after both clocks moved the same way
 * (the RTC saves its second phase and a pending PF from the clock).
 */
static void test_two_machines_agree(void **state)
{
    Machine *a = new_machine(true), *b;
    SaveBuf sa, sb;

    host_delay_ms(20);
    b = new_machine(true);
    copy_state(a, a);
    copy_state(a, b);
    for (int round = 0; round < 2; round++) {
        host_delay_ms(3);
        save_state(a, &sa);
        save_state(b, &sb);
        assert_int_equal(sa.len, sb.len);
        assert_memory_equal(sa.data, sb.data, sa.len);
        assert_int_equal(timerlist_deadline(&a->timers),
                         timerlist_deadline(&b->timers));
        savebuf_free(&sa);
        savebuf_free(&sb);
        clock_advance(&a->timers, 1500000);  /* past a 1024 Hz period */
        clock_advance(&b->timers, 1500000);
        timerlist_run(&a->timers);
        timerlist_run(&b->timers);
    }
    machine_destroy(a);
    machine_destroy(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clock_starts_at_zero),
        cmocka_unit_test(test_default_follows_host),
        cmocka_unit_test(test_two_machines_agree),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
