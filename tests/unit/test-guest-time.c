/*
 * Unit test of the guest-time model: every guest clock (TSC, PIT, HPET,
 * ACPI PM timer, RTC) derives from the machine's one virtual clock, so
 * over any interval each advances by its own rate times that interval
 * and they never disagree; CPUID 15h/16h report the TSC rate the TSC
 * really runs at. The clock is paused here and moved by hand.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "cpu/x86/cpuid.h"
#include "cpu/x86/sys-helper.h"
#include "hw/acpi/acpi.h"
#include "hw/core/devtypes.h"
#include "hw/intc/intc.h"
#include "hw/timer/i8254.h"
#include "test-machine.h"

typedef struct Fixture {
    Machine *m;
    Device *pit, *hpet, *host, *isa, *pm, *rtc;
    CPUX86TCG env;
} Fixture;

static void ignore_irq(void *opaque, int n, int level)
{
}

static Device *make(Machine *m, const char *type, const char *props)
{
    Error err = { { 0 } };
    Device *d = device_create(m, type, NULL, props, &err);

    assert_non_null(d);
    return d;
}

static int setup(void **state)
{
    Fixture *f = calloc(1, sizeof(*f));

    f->m = test_machine(64 << 20);
    clock_pause(&f->m->timers);
    for (int i = 0; i < PC_NUM_GSI; i++) {
        f->m->gsi[i] = (IrqLine){ ignore_irq, f, i };
    }
    f->pit = make(f->m, "i8254", "");
    f->hpet = make(f->m, "hpet", "");
    /* the PM block is PCI function 00:01.3, behind the PIIX3 */
    f->host = make(f->m, "i440FX", "");
    f->isa = make(f->m, "PIIX3", "addr=1");
    f->pm = make(f->m, "piix4-pm", "addr=1.3");
    f->rtc = make(f->m, "mc146818rtc", "");
    f->env.machine = f->m;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    Fixture *f = *state;

    device_destroy(f->rtc);
    device_destroy(f->pm);
    device_destroy(f->isa);
    device_destroy(f->host);
    device_destroy(f->hpet);
    device_destroy(f->pit);
    test_machine_free(f->m);
    free(f);
    return 0;
}

static void advance_ns(Fixture *f, int64_t ns)
{
    f->m->timers.start_ns -= ns;
    timerlist_run(&f->m->timers);
}

static void outb(Fixture *f, uint16_t port, uint8_t v)
{
    address_space_st(&f->m->io, port, v, 1);
}

static uint8_t inb(Fixture *f, uint16_t port)
{
    return (uint8_t)address_space_ld(&f->m->io, port, 1);
}

/* Counter 2 in mode 0 from 0xffff, gate high: the count, latched. */
static void pit_start(Fixture *f)
{
    outb(f, 0x61, 0x01);
    outb(f, 0x43, 0xb0);
    outb(f, 0x42, 0xff);
    outb(f, 0x42, 0xff);
}

static uint16_t pit_count(Fixture *f)
{
    outb(f, 0x43, 0x80);                     /* latch counter 2 */
    uint16_t lo = inb(f, 0x42);
    return (uint16_t)(lo | inb(f, 0x42) << 8);
}

static uint32_t pm_timer(Fixture *f)
{
    return (uint32_t)address_space_ld(&f->m->io,
                                      ACPI_PM_BASE + ACPI_PM_TMR_OFF, 4);
}

static uint64_t hpet_counter(Fixture *f)
{
    return address_space_ld(&f->m->mem, HPET_BASE + 0xf0, 8);
}

static void hpet_start(Fixture *f)
{
    address_space_st(&f->m->mem, HPET_BASE + 0x10, 1, 8);   /* ENABLE */
}

static void assert_near(uint64_t got, uint64_t want, uint64_t slack)
{
    assert_true(got + slack >= want && got <= want + slack);
}

/* Over 1 ms, 10 ms and 1 s every clock moves by its rate x the interval. */
static void test_one_clock(void **state)
{
    Fixture *f = *state;
    static const int64_t steps[] = { 1000000, 10000000, 1000000000 };

    hpet_start(f);
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        int64_t ns = steps[i];
        uint64_t tsc0 = x86_get_tsc(&f->env), hpet0 = hpet_counter(f);
        uint32_t pm0 = pm_timer(f);
        uint16_t pit0;

        pit_start(f);
        pit0 = pit_count(f);
        advance_ns(f, MIN(ns, 50000000));    /* the PIT wraps at 55 ms */
        assert_near((uint16_t)(pit0 - pit_count(f)),
                    (uint64_t)MIN(ns, 50000000) * PIT_HZ / 1000000000, 1);
        advance_ns(f, ns - MIN(ns, 50000000));
        assert_near(x86_get_tsc(&f->env) - tsc0,
                    (uint64_t)ns * PC_TSC_HZ / 1000000000, 2);
        assert_near(hpet_counter(f) - hpet0, (uint64_t)ns / 10, 1);
        assert_near((pm_timer(f) - pm0) & 0xffffff,
                    (uint64_t)ns * ACPI_PM_TIMER_HZ / 1000000000, 1);
    }
}

/* The RTC's seconds move with the same clock: 3 s later, 3 s more. */
static void test_rtc_follows(void **state)
{
    Fixture *f = *state;
    unsigned s0, s1;

    outb(f, 0x70, 0x0b);
    outb(f, 0x71, 0x06);                     /* binary, 24-hour */
    outb(f, 0x70, 0x00);
    s0 = inb(f, 0x71);
    advance_ns(f, 3000000000ll);
    outb(f, 0x70, 0x00);
    s1 = inb(f, 0x71);
    assert_int_equal((s1 + 60 - s0) % 60, 3);
}

/* CPUID 15h and 16h give the rate the TSC runs at. */
static void test_cpuid_tsc_rate(void **state)
{
    Fixture *f = *state;
    uint32_t r[4], r16[4];
    uint64_t t0 = x86_get_tsc(&f->env);

    x86_cpuid(&f->env, 0x15, 0, r);
    x86_cpuid(&f->env, 0x16, 0, r16);
    advance_ns(f, 1000000000);
    assert_int_equal((uint64_t)r[2] * r[1] / r[0], x86_get_tsc(&f->env) - t0);
    assert_int_equal((uint64_t)r16[0] * 1000000, x86_get_tsc(&f->env) - t0);
    x86_cpuid(&f->env, 0, 0, r);
    assert_true(r[0] >= 0x16);               /* max basic leaf covers them */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_one_clock, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rtc_follows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cpuid_tsc_rate, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
