/*
 * The generic device fuzzer (tests/fuzz/device-fuzz.h) on a fixed-seed
 * budget for `make check`, plus the inputs it once crashed on, each a
 * named regression test.
 *
 * The budget runs DEVFUZZ_N programs (default below) of random bytes from
 * DEVFUZZ_SEED; set both in the environment for a longer campaign:
 *   DEVFUZZ_N=200000 DEVFUZZ_SEED=7 build/tests/unit/test-device-fuzz
 * (DEVFUZZ_FIRST=i starts at program i, to rerun one that failed;
 * DEVFUZZ_TRACE=1 prints every operation.)
 * A failing program is printed as hex, ready for tests/fuzz/ (see its
 * README) or a new regression test here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <unistd.h>

#include "hw/timer/mc146818rtc.h"
#include "tests/fuzz/device-fuzz.h"

#define BUDGET_PROGRAMS 3000
#define BUDGET_SEED     20240601ull
#define PROGRAM_MIN     64
#define PROGRAM_MAX     2048

static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Program i of a seed: PROGRAM_MIN..PROGRAM_MAX random bytes into buf. */
static size_t gen_program(uint64_t seed, uint64_t i, uint8_t *buf)
{
    uint64_t s = seed * 1000003ull + i;
    size_t len = PROGRAM_MIN + splitmix64(&s) % (PROGRAM_MAX - PROGRAM_MIN);

    for (size_t j = 0; j < len; j += 8) {
        uint64_t r = splitmix64(&s);
        memcpy(buf + j, &r, MIN(8, len - j));
    }
    return len;
}

static uint64_t env_u64(const char *name, uint64_t def)
{
    const char *v = getenv(name);
    return v && *v ? strtoull(v, NULL, 0) : def;
}

static void dump_program(const uint8_t *p, size_t len)
{
    fprintf(stderr, "program (%zu bytes):\n", len);
    for (size_t i = 0; i < len; i++) {
        fprintf(stderr, "%02x%s", p[i], (i % 32 == 31 || i + 1 == len) ? "\n" : "");
    }
}

/* Runs one program; a failure prints it and fails the test. */
static void run_program(const uint8_t *p, size_t len, const char *name)
{
    DevFuzz *f = xzalloc(sizeof(*f));

    if (devfuzz_run(f, p, len) < 0) {
        char why[sizeof(f->fail)];
        dump_program(p, len);
        memcpy(why, f->fail, sizeof(why));
        free(f);
        fail_msg("%s: %s", name, why);
    }
    free(f);
}

static void test_budget(void **state)
{
    uint64_t n = env_u64("DEVFUZZ_N", BUDGET_PROGRAMS);
    uint64_t seed = env_u64("DEVFUZZ_SEED", BUDGET_SEED);
    uint8_t *buf = xmalloc(PROGRAM_MAX);
    DevFuzz *f = xzalloc(sizeof(*f));
    unsigned long long ops = 0, trips = 0, rejected = 0;

    uint64_t first = env_u64("DEVFUZZ_FIRST", 0);

    f->trace = env_u64("DEVFUZZ_TRACE", 0) != 0;

    for (uint64_t i = first; i < first + n; i++) {
        size_t len = gen_program(seed, i, buf);
        if (devfuzz_run(f, buf, len) < 0) {
            char why[sizeof(f->fail)];
            dump_program(buf, len);
            memcpy(why, f->fail, sizeof(why));
            free(f);
            free(buf);
            fail_msg("program %llu of seed %llu: %s", (unsigned long long)i,
                     (unsigned long long)seed, why);
        }
        ops += f->ops;
        trips += f->round_trips;
        rejected += f->rejected_loads;
    }
    print_message("%llu programs, %llu operations, %llu save/load round trips, "
                  "%llu corrupt streams rejected\n", (unsigned long long)n,
                  ops, trips, rejected);
    free(f);
    free(buf);
}

/* Programs of nothing but zeros or all-ones: every operation's edge. */
static void test_uniform_programs(void **state)
{
    uint8_t buf[512];

    for (int v = 0; v < 256; v += 17) {
        memset(buf, v, sizeof(buf));
        run_program(buf, sizeof(buf), "uniform");
    }
}

/* ------------------------------------------------ regression tests */

typedef struct Pair {
    DevFuzzSide a, b;
    char msg[256];
} Pair;

static Pair *pair_new(void)
{
    Pair *p = xzalloc(sizeof(*p));

    if (devfuzz_side_init(&p->a, p->msg, sizeof(p->msg)) < 0 ||
        devfuzz_side_init(&p->b, p->msg, sizeof(p->msg)) < 0) {
        fail_msg("%s", p->msg);
    }
    return p;
}

static void pair_free(Pair *p)
{
    devfuzz_side_free(&p->a);
    devfuzz_side_free(&p->b);
    free(p);
}

static void outb(Machine *m, uint16_t port, uint8_t v)
{
    address_space_st(&m->io, port, v, 1);
}

static uint8_t inb(Machine *m, uint16_t port)
{
    return (uint8_t)address_space_ld(&m->io, port, 1);
}

static void advance(Machine *m, int64_t ns)
{
    clock_advance(&m->timers, ns);
    timerlist_run(&m->timers);
}

/* Saves from's whole tree and loads it into to; returns the result. */
static int copy_tree(Machine *from, Machine *to)
{
    SaveBuf s, r;
    Error err = { "" };
    int ret;

    savebuf_init(&s);
    device_tree_save(from->root, &s);
    savebuf_init_read(&r, s.data, s.len);
    ret = device_tree_load(to->root, &r, &err);
    if (ret < 0) {
        print_error("load: %s\n", err.msg);
    }
    savebuf_free(&s);
    return ret;
}

/*
 * i8254: a BCD count written with digits above 9 (0xb2 -> 11200) broke
 * the "at most 10000" invariant, so the state could not be saved and
 * loaded back.
 */
static void test_pit_bcd_digits_above_9(void **state)
{
    Pair *p = pair_new();

    outb(p->a.m, 0x43, 0x61);                /* counter 1, MSB, mode 0, BCD */
    outb(p->a.m, 0x41, 0xb2);
    assert_int_equal(copy_tree(p->a.m, p->b.m), 0);
    outb(p->a.m, 0x43, 0x40);                /* latch counter 1 */
    outb(p->b.m, 0x43, 0x40);
    assert_int_equal(inb(p->a.m, 0x41), inb(p->b.m, 0x41));
    pair_free(p);
}

/*
 * i8254: save stored whole ticks only, so a count read after a load could
 * be one tick (two in mode 3) off from the same count never saved.
 */
static void test_pit_save_keeps_tick_phase(void **state)
{
    Pair *p = pair_new();

    for (int i = 0; i < 2; i++) {
        advance(i ? p->b.m : p->a.m, 123457);   /* mid-tick */
    }
    assert_int_equal(copy_tree(p->a.m, p->a.m), 0);
    for (int i = 0; i < 2; i++) {
        Machine *m = i ? p->b.m : p->a.m;
        advance(m, 400);
        outb(m, 0x43, 0x00);                    /* latch counter 0 */
    }
    for (int i = 0; i < 2; i++) {
        assert_int_equal(inb(p->a.m, 0x40), inb(p->b.m, 0x40));
    }
    pair_free(p);
}

/*
 * i8254: a loaded count near the 2^62 ticks limit kept counting past it,
 * and the next save was refused by load; saves now reduce the count to
 * an equivalent small one.
 */
static void test_pit_long_running_count_saves(void **state)
{
    Pair *p = pair_new();
    Device *pit = device_find_child(p->a.m->root, "i8254");
    SaveBuf s, r;
    Error err = { "" };

    savebuf_init(&s);
    pit->type->save(pit, &s);
    st64le(s.data + 1 + 8, 1ull << 62);       /* counter 0 ticks */
    savebuf_init_read(&r, s.data, s.len);
    assert_int_equal(pit->type->load(pit, &r, &err), 0);
    pit->type->post_load(pit);
    savebuf_free(&s);
    advance(p->a.m, 3600 * 1000000000ll);
    assert_int_equal(copy_tree(p->a.m, p->b.m), 0);
    pair_free(p);
}

/*
 * Tree load: the 8259 (loaded before the local APIC) re-drove INTR into
 * the APIC's old state, whose LINT0 in NMI mode saw a rising edge: a
 * spurious NMI. Outputs are now driven in post_load, after every device
 * loaded.
 */
static void test_load_no_spurious_lint_edge(void **state)
{
    Pair *p = pair_new();
    Machine *b = p->b.m;

    irq_pulse(&p->a.m->gsi[5]);               /* INTR high on A */
    address_space_st(&b->mem, APIC_DEFAULT_BASE + 0xf0, 0x1ff, 4);
    address_space_st(&b->mem, APIC_DEFAULT_BASE + 0x350, 0x400, 4); /* NMI */
    assert_int_equal(copy_tree(p->a.m, b), 0);
    assert_false(atomic_load(&p->b.cpu[0].interrupt_request) &
                 CPU_INTERRUPT_NMI);
    assert_true(atomic_load(&p->b.cpu[0].interrupt_request) &
                CPU_INTERRUPT_HARD);
    pair_free(p);
}

/*
 * apic: LINT0 started low although the 8259's INTR was already high (the
 * PIT's first edge arrives before the APIC exists), so that interrupt
 * never reached vCPU 0 in virtual wire mode.
 */
static void test_apic_samples_pic_at_start(void **state)
{
    Pair *p = pair_new();
    Machine *m = p->a.m;

    assert_true(pic_get_intr(m->pic));
    assert_int_equal(m->apic[0]->lint_level[0], 1);
    assert_true(atomic_load(&p->a.cpu[0].interrupt_request) &
                CPU_INTERRUPT_HARD);
    assert_int_equal(pc_cpu_get_interrupt(&p->a.cpu[0]), 0);  /* IRQ 0, no ICW2 yet */
    pair_free(p);
}

/*
 * mc146818rtc: a periodic flag (PF) due but not yet polled through
 * register C was lost by save/load, which restarted the polling window.
 */
static void test_rtc_save_keeps_polled_pf(void **state)
{
    Pair *p = pair_new();

    for (int i = 0; i < 2; i++) {
        Machine *m = i ? p->b.m : p->a.m;
        outb(m, 0x70, RTC_REG_C);
        inb(m, 0x71);                        /* clears PF, starts the window */
        advance(m, 2 * 1000000);             /* 1024 Hz: a tick passed */
    }
    assert_int_equal(copy_tree(p->a.m, p->a.m), 0);
    for (int i = 0; i < 2; i++) {
        outb(i ? p->b.m : p->a.m, 0x70, RTC_REG_C);
    }
    assert_int_equal(inb(p->a.m, 0x71) & RTC_C_PF, RTC_C_PF);
    assert_int_equal(inb(p->b.m, 0x71) & RTC_C_PF, RTC_C_PF);
    pair_free(p);
}

/*
 * i8259: switching a line whose pin is high to level-triggered through
 * the ELCR left its IRR bit clear (a level line's IRR follows its pin),
 * so the request appeared only after the source re-drove the line, e.g.
 * at the next save/load.
 */
static void test_pic_elcr_level_follows_pin(void **state)
{
    Pair *p = pair_new();
    Machine *m = p->a.m;

    irq_raise(&m->gsi[5]);                    /* edge: IRR bit 5 */
    outb(m, 0x20, 0x11);                      /* ICW1 clears edge requests */
    outb(m, 0x21, 0x08);
    outb(m, 0x21, 0x04);
    outb(m, 0x21, 0x01);
    assert_int_equal(inb(m, 0x20) & 0x20, 0); /* IRR; the pin stays high */
    outb(m, 0x4d0, 0x20);                     /* IRQ 5 level-triggered */
    assert_int_equal(inb(m, 0x20) & 0x20, 0x20);
    pair_free(p);
}

/*
 * isa-serial: a running character timeout started over at load (and was
 * dropped when its conditions had changed since it was armed), so the
 * timeout interrupt came later after a save/load, or never.
 */
static void test_serial_timeout_survives_load(void **state)
{
    Pair *p = pair_new();

    for (int i = 0; i < 2; i++) {
        Machine *m = i ? p->b.m : p->a.m;
        outb(m, 0x3fa, 0x01);                 /* FIFO on (trigger 1) */
        outb(m, 0x3fa, 0xc1);                 /* trigger level 14 */
        outb(m, 0x3fc, 0x10);                 /* loopback */
        outb(m, 0x3f9, 0x01);                 /* IER: received data */
        outb(m, 0x3f8, 'k');                  /* one byte: below trigger */
        advance(m, 2 * 1000000);              /* half the 4-char timeout */
    }
    assert_int_equal(copy_tree(p->a.m, p->a.m), 0);
    for (int i = 0; i < 2; i++) {
        advance(i ? p->b.m : p->a.m, 2500000);
    }
    assert_int_equal(inb(p->b.m, 0x3fa) & 0x0f, 0x0c);   /* timeout */
    assert_int_equal(inb(p->a.m, 0x3fa) & 0x0f, 0x0c);
    pair_free(p);
}

/*
 * mc146818rtc: a periodic flag due but not yet polled did not show when
 * the guest then enabled PIE (or changed the rate), unlike after a
 * save/load, which records it: no interrupt on one, an interrupt on the
 * other.
 */
static void test_rtc_pie_sees_polled_pf(void **state)
{
    Pair *p = pair_new();

    for (int i = 0; i < 2; i++) {
        Machine *m = i ? p->b.m : p->a.m;
        outb(m, 0x70, RTC_REG_C);
        inb(m, 0x71);
        advance(m, 2 * 1000000);
    }
    assert_int_equal(copy_tree(p->a.m, p->a.m), 0);
    for (int i = 0; i < 2; i++) {
        Machine *m = i ? p->b.m : p->a.m;
        outb(m, 0x70, RTC_REG_B);
        outb(m, 0x71, RTC_B_24H | RTC_B_PIE);
        outb(m, 0x70, RTC_REG_C);
    }
    assert_int_equal(inb(p->a.m, 0x71), RTC_C_IRQF | RTC_C_PF);
    assert_int_equal(inb(p->b.m, 0x71), RTC_C_IRQF | RTC_C_PF);
    pair_free(p);
}

/*
 * i8254: with a count faster than the periodic rate limit, the IRQ line
 * lags OUT (the rising edge waits for the next timer), but post_load
 * re-drove the line from OUT: a rising edge the machine never saw, and an
 * IRQ 0 request in the 8259 at once (program 26214 of seed 82). The line
 * level and the pending timer are now saved.
 */
static void test_pit_load_keeps_lagging_line(void **state)
{
    Pair *p = pair_new();

    for (int i = 0; i < 2; i++) {
        Machine *m = i ? p->b.m : p->a.m;
        outb(m, 0x43, 0x36);                  /* counter 0, mode 3 */
        outb(m, 0x40, 4);                     /* 3.4 us period */
        outb(m, 0x40, 0);
        advance(m, 10000);                    /* rate-limited: line low */
        advance(m, 7876);                     /* OUT high, no edge yet */
        outb(m, 0x20, 0x11);                  /* ICW1 clears IRR */
        outb(m, 0x21, 0x08);
        outb(m, 0x21, 0x04);
        outb(m, 0x21, 0x01);
    }
    assert_int_equal(copy_tree(p->a.m, p->a.m), 0);
    assert_int_equal(inb(p->b.m, 0x20) & 1, 0);           /* IRR */
    assert_int_equal(inb(p->a.m, 0x20) & 1, 0);
    for (int i = 0; i < 2; i++) {
        advance(i ? p->b.m : p->a.m, 5000);   /* the timer's edge */
    }
    assert_int_equal(inb(p->b.m, 0x20) & 1, 1);
    assert_int_equal(inb(p->a.m, 0x20) & 1, 1);
    pair_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pit_bcd_digits_above_9),
        cmocka_unit_test(test_pit_save_keeps_tick_phase),
        cmocka_unit_test(test_pit_long_running_count_saves),
        cmocka_unit_test(test_load_no_spurious_lint_edge),
        cmocka_unit_test(test_apic_samples_pic_at_start),
        cmocka_unit_test(test_rtc_save_keeps_polled_pf),
        cmocka_unit_test(test_pic_elcr_level_follows_pin),
        cmocka_unit_test(test_serial_timeout_survives_load),
        cmocka_unit_test(test_rtc_pie_sees_polled_pf),
        cmocka_unit_test(test_pit_load_keeps_lagging_line),
        cmocka_unit_test(test_uniform_programs),
        cmocka_unit_test(test_budget),
    };

    alarm(600);                  /* a hang fails the test instead */
    return cmocka_run_group_tests(tests, NULL, NULL);
}
