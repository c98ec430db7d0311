/*
 * Unit tests for the manual (instruction-driven) clock of hw/core/timer.h:
 * it ignores host time, only clock_advance() moves it, it never goes back
 * and timers fire exactly when it reaches their deadline.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <time.h>

#include "hw/core/timer.h"

static void count_cb(void *opaque)
{
    (*(int *)opaque)++;
}

static void test_manual_ignores_host_time(void **state)
{
    TimerList tl;
    struct timespec ts = { 0, 2000000 };

    timerlist_init(&tl);
    clock_set_manual(&tl, 1000000000);
    assert_int_equal(clock_ns(&tl), 1000000000);
    nanosleep(&ts, NULL);
    assert_int_equal(clock_ns(&tl), 1000000000);
    clock_advance(&tl, 10);
    assert_int_equal(clock_ns(&tl), 1000000010);
    clock_advance(&tl, -5);                  /* ignored */
    clock_pause(&tl);
    clock_resume(&tl);
    assert_int_equal(clock_ns(&tl), 1000000010);
}

static void test_manual_never_goes_back(void **state)
{
    TimerList tl;
    struct timespec ts = { 0, 1000000 };
    int64_t before;

    timerlist_init(&tl);
    nanosleep(&ts, NULL);
    before = clock_ns(&tl);
    clock_set_manual(&tl, 0);
    assert_true(clock_ns(&tl) >= before);
}

static void test_advance_off_when_not_manual(void **state)
{
    TimerList tl;
    int64_t t;

    timerlist_init(&tl);
    t = clock_ns(&tl);
    clock_advance(&tl, 1000000000000ll);     /* no effect on host time */
    assert_true(clock_ns(&tl) < t + 1000000000000ll);
}

static void test_timers_fire_on_advance(void **state)
{
    TimerList tl;
    Timer t1, t2;
    int n1 = 0, n2 = 0;

    timerlist_init(&tl);
    clock_set_manual(&tl, 1000);
    timer_init(&t1, &tl, count_cb, &n1);
    timer_init(&t2, &tl, count_cb, &n2);
    timer_mod(&t1, 1100);
    timer_mod(&t2, 1200);
    assert_int_equal(timerlist_deadline(&tl), 100);
    clock_advance(&tl, 99);
    timerlist_run(&tl);
    assert_int_equal(n1, 0);
    clock_advance(&tl, 1);
    timerlist_run(&tl);
    assert_int_equal(n1, 1);
    assert_int_equal(n2, 0);
    assert_int_equal(timerlist_deadline(&tl), 100);
    clock_advance(&tl, 500);
    timerlist_run(&tl);
    assert_int_equal(n2, 1);
    assert_int_equal(timerlist_deadline(&tl), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_manual_ignores_host_time),
        cmocka_unit_test(test_manual_never_goes_back),
        cmocka_unit_test(test_advance_off_when_not_manual),
        cmocka_unit_test(test_timers_fire_on_advance),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
