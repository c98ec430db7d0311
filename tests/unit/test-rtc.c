/*
 * Unit tests for the MC146818 RTC: time in BCD and binary, 12-hour mode,
 * the SET bit, the divider reset, UIP, register C, periodic, alarm and
 * update-ended interrupts, the memory-size bytes for several RAM sizes,
 * save/load, and garbage written to the ports. Virtual time is paused and
 * moved forward by the tests, so nothing waits for real time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hw/pc/pc.h"
#include "hw/timer/mc146818rtc.h"

#define T_2023_11_14_221320  1700000000ull   /* a Tuesday */
#define T_2023_12_31_235959  1704067199ull   /* a Sunday */

typedef struct TestMachine {
    Machine m;
    Device *rtc;
    int level, raises;
} TestMachine;

static void record_irq(void *opaque, int n, int level)
{
    TestMachine *t = opaque;

    assert_int_equal(n, 8);
    if (level && !t->level) {
        t->raises++;
    }
    t->level = level;
}

static TestMachine *machine_new(uint64_t ram, int smp)
{
    TestMachine *t = xzalloc(sizeof(*t));
    Machine *m = &t->m;

    pthread_mutex_init(&m->lock, NULL);
    log_init(&m->log);
    timerlist_init(&m->timers);
    clock_pause(&m->timers);
    m->cfg.smp = smp;
    assert_int_equal(machine_init_memory(m, ram, NULL), 0);
    m->gsi[8] = (IrqLine){ .handler = record_irq, .opaque = t, .n = 8 };
    return t;
}

static void machine_free(TestMachine *t)
{
    if (t->rtc) {
        device_destroy(t->rtc);
    }
    machine_destroy_memory(&t->m);
    free(t);
}

static Device *rtc_new(TestMachine *t, const char *props)
{
    Error err = { { 0 } };

    t->rtc = device_create(&t->m, "mc146818rtc", NULL, props, &err);
    if (!t->rtc) {
        fail_msg("mc146818rtc: %s", err.msg);
    }
    return t->rtc;
}

static int setup(void **state)
{
    TestMachine *t = machine_new(64 << 20, 1);

    rtc_new(t, "start-time=1700000000");
    *state = t;
    return 0;
}

static int teardown(void **state)
{
    machine_free(*state);
    return 0;
}

/* Moves virtual time forward and runs the timers that came due. */
static void advance_ns(TestMachine *t, int64_t ns)
{
    t->m.timers.start_ns -= ns;
    timerlist_run(&t->m.timers);
}

static uint8_t rd(TestMachine *t, uint8_t idx)
{
    address_space_st(&t->m.io, 0x70, idx, 1);
    return (uint8_t)address_space_ld(&t->m.io, 0x71, 1);
}

/* Register C without PF, which the default 1024 Hz rate sets all along. */
static uint8_t rd_c(TestMachine *t)
{
    return rd(t, RTC_REG_C) & ~RTC_C_PF;
}

static void wr(TestMachine *t, uint8_t idx, uint8_t v)
{
    address_space_st(&t->m.io, 0x70, idx, 1);
    address_space_st(&t->m.io, 0x71, v, 1);
}

static void expect_time(TestMachine *t, const uint8_t want[8])
{
    static const uint8_t regs[8] = { RTC_SECONDS, RTC_MINUTES, RTC_HOURS,
                                     RTC_DAY_OF_WEEK, RTC_DAY_OF_MONTH,
                                     RTC_MONTH, RTC_YEAR, RTC_CENTURY };
    for (int i = 0; i < 8; i++) {
        if (rd(t, regs[i]) != want[i]) {
            fail_msg("register 0x%02x: got 0x%02x, want 0x%02x", regs[i],
                     rd(t, regs[i]), want[i]);
        }
    }
}

static void test_power_on_registers(void **state)
{
    TestMachine *t = *state;

    assert_int_equal(rd(t, RTC_REG_A), 0x26);
    assert_int_equal(rd(t, RTC_REG_B), RTC_B_24H);
    assert_int_equal(rd_c(t), 0);
    assert_int_equal(rd(t, RTC_REG_D), RTC_D_VRT);
    assert_int_equal(t->level, 0);
    /* the index port is write-only */
    assert_int_equal(address_space_ld(&t->m.io, 0x70, 1), 0xff);
}

static void test_time_bcd_binary_12h(void **state)
{
    TestMachine *t = *state;
    static const uint8_t bcd[8] = { 0x20, 0x13, 0x22, 3, 0x14, 0x11, 0x23, 0x20 };
    static const uint8_t bin[8] = { 20, 13, 22, 3, 14, 11, 23, 20 };
    static const uint8_t bcd12[8] = { 0x20, 0x13, 0x90, 3, 0x14, 0x11, 0x23, 0x20 };
    static const uint8_t bin12[8] = { 20, 13, 0x8a, 3, 14, 11, 23, 20 };

    expect_time(t, bcd);
    wr(t, RTC_REG_B, RTC_B_24H | RTC_B_DM_BINARY);
    expect_time(t, bin);
    wr(t, RTC_REG_B, 0);
    expect_time(t, bcd12);
    wr(t, RTC_REG_B, RTC_B_DM_BINARY);
    expect_time(t, bin12);
    wr(t, RTC_REG_B, RTC_B_24H);
    /* time moves with the virtual clock */
    advance_ns(t, 1500 * 1000 * 1000LL);
    assert_int_equal(rd(t, RTC_SECONDS), 0x21);
    advance_ns(t, 3600 * 1000000000LL);
    assert_int_equal(rd(t, RTC_HOURS), 0x23);
    assert_int_equal(rd(t, RTC_MINUTES), 0x13);
    advance_ns(t, 3600 * 1000000000LL);              /* next day */
    assert_int_equal(rd(t, RTC_HOURS), 0x00);
    assert_int_equal(rd(t, RTC_DAY_OF_MONTH), 0x15);
    assert_int_equal(rd(t, RTC_DAY_OF_WEEK), 4);
}

static void test_noon_midnight_12h(void **state)
{
    TestMachine *t = *state;

    wr(t, RTC_REG_B, RTC_B_SET | RTC_B_24H);
    wr(t, RTC_HOURS, 0x00);
    wr(t, RTC_REG_B, RTC_B_SET);                     /* 12-hour, frozen */
    wr(t, RTC_REG_B, 0);
    assert_int_equal(rd(t, RTC_HOURS), 0x12);        /* 12 AM */
    wr(t, RTC_REG_B, RTC_B_SET);
    wr(t, RTC_HOURS, 0x92);                          /* 12 PM */
    wr(t, RTC_REG_B, 0);
    assert_int_equal(rd(t, RTC_HOURS), 0x92);
    wr(t, RTC_REG_B, RTC_B_24H);
    assert_int_equal(rd(t, RTC_HOURS), 0x12);
    wr(t, RTC_REG_B, RTC_B_SET);
    wr(t, RTC_HOURS, 0x81);                          /* 1 PM */
    wr(t, RTC_REG_B, 0);
    wr(t, RTC_REG_B, RTC_B_24H);
    assert_int_equal(rd(t, RTC_HOURS), 0x13);
}

static void test_year_rollover(void **state)
{
    TestMachine *t = *state;
    static const uint8_t before[8] = { 0x59, 0x59, 0x23, 1, 0x31, 0x12, 0x23, 0x20 };
    static const uint8_t after[8] = { 0x00, 0x00, 0x00, 2, 0x01, 0x01, 0x24, 0x20 };

    device_destroy(t->rtc);
    rtc_new(t, "start-time=1704067199");
    expect_time(t, before);
    advance_ns(t, 1000000000LL);
    expect_time(t, after);
}

static void test_set_mode(void **state)
{
    TestMachine *t = *state;
    static const uint8_t leap[8] = { 0x56, 0x34, 0x12, 3, 0x29, 0x02, 0x00, 0x20 };
    static const uint8_t leap1[8] = { 0x57, 0x34, 0x12, 3, 0x29, 0x02, 0x00, 0x20 };

    wr(t, RTC_REG_B, RTC_B_24H | RTC_B_UIE);
    wr(t, RTC_REG_B, RTC_B_24H | RTC_B_UIE | RTC_B_SET);
    assert_int_equal(rd(t, RTC_REG_B), RTC_B_24H | RTC_B_SET);  /* UIE off */
    wr(t, RTC_SECONDS, 0x56);
    wr(t, RTC_MINUTES, 0x34);
    wr(t, RTC_HOURS, 0x12);
    wr(t, RTC_DAY_OF_WEEK, 3);
    wr(t, RTC_DAY_OF_MONTH, 0x29);
    wr(t, RTC_MONTH, 0x02);
    wr(t, RTC_YEAR, 0x00);
    wr(t, RTC_CENTURY, 0x20);
    /* frozen while SET: no UIP, no updates */
    advance_ns(t, 5 * 1000000000LL - 100000);
    assert_int_equal(rd(t, RTC_REG_A) & RTC_A_UIP, 0);
    expect_time(t, leap);
    assert_int_equal(rd_c(t), 0);
    wr(t, RTC_REG_B, RTC_B_24H);
    expect_time(t, leap);
    advance_ns(t, 1000000000LL);
    expect_time(t, leap1);
    /* a write to a running clock takes effect at once */
    wr(t, RTC_MINUTES, 0x00);
    assert_int_equal(rd(t, RTC_MINUTES), 0x00);
    assert_int_equal(rd(t, RTC_SECONDS), 0x57);
    advance_ns(t, 1000000000LL);
    assert_int_equal(rd(t, RTC_SECONDS), 0x58);
}

static void test_set_garbage_values(void **state)
{
    TestMachine *t = *state;

    wr(t, RTC_REG_B, RTC_B_24H | RTC_B_SET);
    for (int r = 0; r < 10; r++) {
        if (r != RTC_REG_A) {
            wr(t, (uint8_t)r, 0xff);
        }
    }
    wr(t, RTC_CENTURY, 0xff);
    wr(t, RTC_REG_B, RTC_B_24H);
    /* clamped to a valid date: 9999-12-31 23:59:59 */
    assert_int_equal(rd(t, RTC_SECONDS), 0x59);
    assert_int_equal(rd(t, RTC_MONTH), 0x12);
    assert_int_equal(rd(t, RTC_DAY_OF_MONTH), 0x31);
    advance_ns(t, 2 * 1000000000LL);
    assert_int_equal(rd(t, RTC_SECONDS), 0x01);
    assert_int_equal(rd(t, RTC_YEAR), 0x00);
    wr(t, RTC_REG_B, RTC_B_24H | RTC_B_SET);
    wr(t, RTC_MONTH, 0x02);
    wr(t, RTC_DAY_OF_MONTH, 0x31);
    wr(t, RTC_YEAR, 0x23);
    wr(t, RTC_CENTURY, 0x20);
    wr(t, RTC_REG_B, RTC_B_24H);
    assert_int_equal(rd(t, RTC_DAY_OF_MONTH), 0x28);
}

static void test_uip(void **state)
{
    TestMachine *t = *state;

    assert_int_equal(rd(t, RTC_REG_A) & RTC_A_UIP, 0);
    advance_ns(t, 1000000000LL - 200000);
    assert_int_equal(rd(t, RTC_REG_A), RTC_A_UIP | 0x26);
    advance_ns(t, 200000);
    assert_int_equal(rd(t, RTC_REG_A), 0x26);
    /* UIP is read-only */
    wr(t, RTC_REG_A, 0xa6);
    assert_int_equal(rd(t, RTC_REG_A), 0x26);
}

static void test_divider_reset(void **state)
{
    TestMachine *t = *state;

    wr(t, RTC_REG_A, 0x76);
    advance_ns(t, 3 * 1000000000LL);
    assert_int_equal(rd(t, RTC_SECONDS), 0x20);
    wr(t, RTC_REG_A, 0x26);
    advance_ns(t, 400 * 1000000LL);
    assert_int_equal(rd(t, RTC_SECONDS), 0x20);
    advance_ns(t, 100 * 1000000LL);                  /* update at 500 ms */
    assert_int_equal(rd(t, RTC_SECONDS), 0x21);
    assert_true(rd_c(t) & RTC_C_UF);
}

static void test_register_c(void **state)
{
    TestMachine *t = *state;

    wr(t, RTC_REG_B, RTC_B_24H | RTC_B_UIE);
    advance_ns(t, 1000000000LL);
    assert_int_equal(t->level, 1);
    assert_int_equal(rd_c(t), RTC_C_IRQF | RTC_C_UF);
    assert_int_equal(t->level, 0);
    assert_int_equal(rd_c(t), 0);
    /* C and D are read-only */
    wr(t, RTC_REG_C, 0xff);
    wr(t, RTC_REG_D, 0x00);
    assert_int_equal(rd_c(t), 0);
    assert_int_equal(rd(t, RTC_REG_D), RTC_D_VRT);
    /* a flag already set raises the IRQ when its enable is set */
    wr(t, RTC_REG_B, RTC_B_24H);
    advance_ns(t, 1000000000LL);
    assert_int_equal(t->level, 0);
    wr(t, RTC_REG_B, RTC_B_24H | RTC_B_UIE);
    assert_int_equal(t->level, 1);
    /* and lowers it when cleared again */
    wr(t, RTC_REG_B, RTC_B_24H);
    assert_int_equal(t->level, 0);
    assert_int_equal(rd_c(t), RTC_C_UF);
}

static void test_periodic(void **state)
{
    TestMachine *t = *state;
    int raises;

    /* 1024 Hz: the first interrupt within one period */
    wr(t, RTC_REG_B, RTC_B_24H | RTC_B_PIE);
    assert_int_equal(t->level, 0);
    advance_ns(t, 977 * 1000);
    assert_int_equal(t->level, 1);
    assert_int_equal(rd(t, RTC_REG_C), RTC_C_IRQF | RTC_C_PF);
    assert_int_equal(t->level, 0);
    raises = t->raises;
    for (int i = 0; i < 10; i++) {
        advance_ns(t, 976563);
        assert_int_equal(t->level, 1);
        rd(t, RTC_REG_C);
    }
    assert_int_equal(t->raises - raises, 10);
    /* rate 15: 2 Hz */
    wr(t, RTC_REG_A, 0x2f);
    advance_ns(t, 400 * 1000000LL);
    rd(t, RTC_REG_C);
    raises = t->raises;
    advance_ns(t, 500 * 1000000LL);
    assert_int_equal(t->raises - raises, 1);
    /* rate 0: off */
    rd(t, RTC_REG_C);
    wr(t, RTC_REG_A, 0x20);
    advance_ns(t, 2 * 1000000000LL);
    assert_int_equal(rd(t, RTC_REG_C) & RTC_C_PF, 0);
    /* PIE off: PF still reads set once a period went by, without IRQ */
    wr(t, RTC_REG_A, 0x26);
    wr(t, RTC_REG_B, RTC_B_24H);
    rd(t, RTC_REG_C);
    advance_ns(t, 2 * 1000000);
    assert_int_equal(rd(t, RTC_REG_C), RTC_C_PF);
    assert_int_equal(rd(t, RTC_REG_C), 0);
    assert_int_equal(t->level, 0);
    /* the reset pin turns everything off */
    wr(t, RTC_REG_B, RTC_B_24H | RTC_B_PIE | RTC_B_UIE | RTC_B_AIE);
    advance_ns(t, 2 * 1000000);
    assert_int_equal(t->level, 1);
    device_reset_tree(t->rtc);
    assert_int_equal(t->level, 0);
    assert_int_equal(rd(t, RTC_REG_B), RTC_B_24H);
    advance_ns(t, 2 * 1000000000LL);
    assert_int_equal(t->level, 0);
}

static void test_alarm(void **state)
{
    TestMachine *t = *state;

    /* alarm at 22:13:22, two seconds from now */
    wr(t, RTC_SECONDS_ALARM, 0x22);
    wr(t, RTC_MINUTES_ALARM, 0x13);
    wr(t, RTC_HOURS_ALARM, 0x22);
    wr(t, RTC_REG_B, RTC_B_24H | RTC_B_AIE);
    advance_ns(t, 1000000000LL);
    assert_int_equal(t->level, 0);
    assert_int_equal(rd_c(t), RTC_C_UF);
    advance_ns(t, 1000000000LL);
    assert_int_equal(t->level, 1);
    assert_int_equal(rd_c(t), RTC_C_IRQF | RTC_C_AF | RTC_C_UF);
    advance_ns(t, 1000000000LL);
    assert_int_equal(t->level, 0);
    rd_c(t);
    /* don't-care hours and minutes: every minute at second 30 */
    wr(t, RTC_SECONDS_ALARM, 0x30);
    wr(t, RTC_MINUTES_ALARM, 0xc0);
    wr(t, RTC_HOURS_ALARM, 0xff);
    advance_ns(t, 6 * 1000000000LL);                 /* 22:13:29 */
    assert_int_equal(t->level, 0);
    advance_ns(t, 1000000000LL);
    assert_int_equal(t->level, 1);
    rd_c(t);
    advance_ns(t, 59 * 1000000000LL);
    assert_int_equal(t->level, 0);
    advance_ns(t, 1000000000LL);                     /* 22:14:30 */
    assert_int_equal(t->level, 1);
    rd_c(t);
    /* all don't care: every second */
    wr(t, RTC_SECONDS_ALARM, 0xc0);
    advance_ns(t, 1000000000LL);
    assert_int_equal(rd_c(t), RTC_C_IRQF | RTC_C_AF | RTC_C_UF);
}

static void test_update_interrupt(void **state)
{
    TestMachine *t = *state;

    wr(t, RTC_REG_B, RTC_B_24H | RTC_B_UIE);
    for (int i = 0; i < 5; i++) {
        advance_ns(t, 999 * 1000000LL);
        assert_int_equal(t->level, 0);
        advance_ns(t, 1000000LL);
        assert_int_equal(t->level, 1);
        assert_int_equal(rd_c(t), RTC_C_IRQF | RTC_C_UF);
    }
    assert_int_equal(rd(t, RTC_SECONDS), 0x25);
}

static void test_cmos_memory_and_index(void **state)
{
    TestMachine *t = *state;

    wr(t, 0x40, 0x5a);
    assert_int_equal(rd(t, 0x40), 0x5a);
    /* index bit 7 is the NMI mask; the index is 7 bits */
    address_space_st(&t->m.io, 0x70, 0xc0, 1);
    assert_int_equal(address_space_ld(&t->m.io, 0x71, 1), 0x5a);
    wr(t, 0xff, 0x77);
    assert_int_equal(rd(t, 0x7f), 0x77);
    assert_int_equal(rtc_get_cmos(t->rtc, 0x7f), 0x77);
    rtc_set_cmos(t->rtc, 0x3d, 0x21);
    assert_int_equal(rd(t, 0x3d), 0x21);
    /* wide accesses are split into bytes and do not crash */
    address_space_st(&t->m.io, 0x70, 0x4141, 2);
    assert_int_equal(rd(t, 0x41), 0x41);
}

static void check_memory_bytes(uint64_t ram, int smp, uint16_t ext,
                               uint16_t above16, uint32_t above4g)
{
    TestMachine *t = machine_new(ram, smp);

    rtc_new(t, NULL);
    assert_int_equal(rd(t, CMOS_BASE_MEM_LO) | rd(t, CMOS_BASE_MEM_HI) << 8, 640);
    assert_int_equal(rd(t, CMOS_EXT_MEM_LO) | rd(t, CMOS_EXT_MEM_HI) << 8, ext);
    assert_int_equal(rd(t, CMOS_EXT_MEM2_LO) | rd(t, CMOS_EXT_MEM2_HI) << 8, ext);
    assert_int_equal(rd(t, CMOS_MEM_16M_LO) | rd(t, CMOS_MEM_16M_HI) << 8,
                     above16);
    assert_int_equal(rd(t, 0x5b) | rd(t, 0x5c) << 8 | rd(t, 0x5d) << 16,
                     above4g);
    assert_int_equal(rd(t, CMOS_NB_CPUS), smp - 1);
    assert_int_equal(rd(t, CMOS_EQUIPMENT), 0x06);
    machine_free(t);
}

static void test_memory_bytes(void **state)
{
    /* 64 MiB: 63 MiB above 1 MiB, 48 MiB above 16 MiB */
    check_memory_bytes(64 * MiB, 1, 63 * 1024, 48 * 16, 0);
    /* 3.5 GiB: 3 GiB below 4 GiB, 512 MiB above */
    check_memory_bytes(3584 * MiB, 4, 0xffff, (3072 - 16) * 16, 512 * 16);
    /* 8 GiB: 5 GiB above 4 GiB */
    check_memory_bytes(8 * GiB, 2, 0xffff, (3072 - 16) * 16, 5 * 1024 * 16);
    /* the smallest machine */
    check_memory_bytes(2 * MiB, 1, 1024, 0, 0);
}

static void test_host_time(void **state)
{
    TestMachine *t = machine_new(16 * MiB, 1);
    time_t now = time(NULL);
    struct tm tm;
    int year;

    rtc_new(t, NULL);
    gmtime_r(&now, &tm);
    wr(t, RTC_REG_B, RTC_B_24H | RTC_B_DM_BINARY);
    year = rd(t, RTC_CENTURY) * 100 + rd(t, RTC_YEAR);
    /* allow for a day boundary between the two clock reads */
    assert_true(year == tm.tm_year + 1900 || year == tm.tm_year + 1901);
    if (rd(t, RTC_HOURS) == tm.tm_hour) {
        assert_int_equal(rd(t, RTC_MONTH), tm.tm_mon + 1);
        assert_int_equal(rd(t, RTC_DAY_OF_MONTH), tm.tm_mday);
        assert_int_equal(rd(t, RTC_DAY_OF_WEEK), tm.tm_wday + 1);
    }
    machine_free(t);
}

static void test_bad_props(void **state)
{
    TestMachine *t = *state;
    Error err = { { 0 } };

    assert_null(device_create(&t->m, "mc146818rtc", NULL,
                              "start-time=999999999999999", &err));
    assert_true(err.msg[0] != '\0');
}

static void test_save_load(void **state)
{
    TestMachine *t = *state;
    Device *d = t->rtc;
    SaveBuf sb, rb;
    Error err = { { 0 } };
    uint8_t *copy;
    static const size_t bad_offsets[] = {
        0,                       /* version */
        1 + RTC_REG_A,           /* UIP set */
        1 + RTC_REG_C,           /* low bits of C */
        1 + RTC_REG_D,           /* D not VRT */
        1 + 128,                 /* index >= 128 */
        1 + 129,                 /* NMI flag not 0/1 */
        1 + 130 + 7,             /* seconds out of range */
        1 + 138 + 7,             /* phase out of range */
    };

    wr(t, 0x50, 0xab);
    wr(t, RTC_REG_B, RTC_B_24H | RTC_B_UIE);
    advance_ns(t, 1500 * 1000000LL);                 /* 22:13:21.5, UF */
    assert_int_equal(t->level, 1);
    address_space_st(&t->m.io, 0x70, 0x80 | RTC_SECONDS, 1);
    savebuf_init(&sb);
    d->type->save(d, &sb);
    assert_int_equal(sb.len, 1 + 128 + 2 + 16);
    /* change everything, then load */
    rd_c(t);
    wr(t, 0x50, 0);
    wr(t, RTC_REG_B, RTC_B_24H | RTC_B_DM_BINARY);
    advance_ns(t, 10 * 1000000000LL);
    savebuf_init_read(&rb, sb.data, sb.len);
    assert_int_equal(d->type->load(d, &rb, &err), 0);
    d->type->post_load(d);                   /* drives IRQ 8 */
    assert_int_equal(t->level, 1);
    assert_int_equal(address_space_ld(&t->m.io, 0x71, 1), 0x21);
    assert_int_equal(rd(t, 0x50), 0xab);
    assert_int_equal(rd_c(t), RTC_C_IRQF | RTC_C_UF);
    advance_ns(t, 500 * 1000000LL);                  /* phase kept */
    assert_int_equal(rd(t, RTC_SECONDS), 0x22);
    assert_int_equal(t->level, 1);

    copy = xmalloc(sb.len);
    for (size_t i = 0; i < ARRAY_SIZE(bad_offsets); i++) {
        memcpy(copy, sb.data, sb.len);
        copy[bad_offsets[i]] ^= 0xfe;
        if (bad_offsets[i] == 1 + RTC_REG_A) {
            copy[bad_offsets[i]] = 0xa6;
        }
        savebuf_init_read(&rb, copy, sb.len);
        if (d->type->load(d, &rb, &err) != -1) {
            fail_msg("corrupt byte %zu accepted", bad_offsets[i]);
        }
    }
    savebuf_init_read(&rb, sb.data, sb.len - 1);
    assert_int_equal(d->type->load(d, &rb, &err), -1);
    free(copy);
    savebuf_free(&sb);
}

static void test_garbage(void **state)
{
    TestMachine *t = *state;
    uint32_t x = 4242;

    for (int i = 0; i < 50000; i++) {
        x = x * 1103515245 + 12345;
        uint16_t port = 0x70 + ((x >> 8) & 1);
        unsigned size = 1u << ((x >> 12) & 3);
        if ((x >> 20) & 1) {
            address_space_st(&t->m.io, port, x >> 16, size);
        } else {
            address_space_ld(&t->m.io, port, size);
        }
        if (i % 100 == 0) {
            advance_ns(t, (x >> 10) % 3000000);
        }
    }
    /* back to a sane configuration, and the clock still works */
    wr(t, RTC_REG_A, 0x26);
    wr(t, RTC_REG_B, RTC_B_24H | RTC_B_DM_BINARY);
    rd_c(t);
    uint8_t s = rd(t, RTC_SECONDS);
    assert_true(s < 60);
    advance_ns(t, 1000000000LL);
    assert_int_equal(rd(t, RTC_SECONDS), (s + 1) % 60);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_power_on_registers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_time_bcd_binary_12h, setup, teardown),
        cmocka_unit_test_setup_teardown(test_noon_midnight_12h, setup, teardown),
        cmocka_unit_test_setup_teardown(test_year_rollover, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_mode, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_garbage_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_uip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_divider_reset, setup, teardown),
        cmocka_unit_test_setup_teardown(test_register_c, setup, teardown),
        cmocka_unit_test_setup_teardown(test_periodic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alarm, setup, teardown),
        cmocka_unit_test_setup_teardown(test_update_interrupt, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cmos_memory_and_index, setup, teardown),
        cmocka_unit_test(test_memory_bytes),
        cmocka_unit_test(test_host_time),
        cmocka_unit_test_setup_teardown(test_bad_props, setup, teardown),
        cmocka_unit_test_setup_teardown(test_save_load, setup, teardown),
        cmocka_unit_test_setup_teardown(test_garbage, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
