/* Unit tests for the 8254 PIT: periodic modes 2 and 3, one-shot mode 0,
 * latch and read-back, BCD, port 0x61 gate/OUT2, save/load, random I/O. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "hw/core/devtypes.h"
#include "hw/pc/pc.h"
#include "hw/timer/i8254.h"

typedef struct Fx {
    Machine m;
    PITState *pit;
    int level;
    int rises;
} Fx;

static void fx_irq(void *opaque, int n, int level)
{
    Fx *f = opaque;
    if (level && !f->level) {
        f->rises++;
    }
    f->level = level;
}

static int setup(void **state)
{
    Fx *f = xzalloc(sizeof(*f));
    Error err = { "" };

    pthread_mutex_init(&f->m.lock, NULL);
    log_init(&f->m.log);
    timerlist_init(&f->m.timers);
    clock_pause(&f->m.timers);               /* tests drive virtual time */
    f->m.cfg.smp = 1;
    assert_int_equal(machine_init_memory(&f->m, 16 << 20, &err), 0);
    f->m.gsi[0] = (IrqLine){ fx_irq, f, 0 };
    f->pit = (PITState *)device_create(&f->m, "i8254", NULL, "", &err);
    assert_non_null(f->pit);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    Fx *f = *state;
    device_destroy(&f->pit->dev);
    machine_destroy_memory(&f->m);
    free(f);
    return 0;
}

static void outb(Fx *f, uint16_t port, uint8_t v)
{
    address_space_st(&f->m.io, port, v, 1);
}

static uint8_t inb(Fx *f, uint16_t port)
{
    return (uint8_t)address_space_ld(&f->m.io, port, 1);
}

/* Advances the paused virtual clock by ns, running timers every 5 us. */
static void advance(Fx *f, int64_t ns)
{
    while (ns > 0) {
        int64_t step = MIN(ns, 5000);
        f->m.timers.start_ns -= step;
        ns -= step;
        timerlist_run(&f->m.timers);
    }
}

static void run_for(Fx *f, int us)
{
    advance(f, us * 1000ll);
}

static void spin_us(Fx *f, int us)
{
    advance(f, us * 1000ll);
}

static void program(Fx *f, int ch, uint8_t mode_bits, uint16_t count)
{
    outb(f, 0x43, (uint8_t)(ch << 6 | 0x30 | mode_bits));
    outb(f, 0x40 + ch, count & 0xff);
    outb(f, 0x40 + ch, count >> 8);
}

static void test_mode2_periodic(void **state)
{
    Fx *f = *state;

    program(f, 0, 2 << 1, 240);              /* ~201 us */
    f->rises = 0;
    run_for(f, 2500);
    assert_true(f->rises >= 12 && f->rises <= 13);   /* 2.5 ms / 201 us */
    assert_int_equal(f->level, 1);
}

static void test_mode3_square(void **state)
{
    Fx *f = *state;
    int lows = 0, highs = 0;

    program(f, 0, 3 << 1, 240);
    f->rises = 0;
    int64_t end = clock_ns(&f->m.timers) + 2500 * 1000;
    while (clock_ns(&f->m.timers) < end) {
        advance(f, 20000);
        if (pit_get_out(f->pit, 0)) {
            highs++;
        } else {
            lows++;
        }
    }
    assert_true(f->rises >= 12 && f->rises <= 13);
    assert_true(lows > 0 && highs > 0);
    /* mode 7 is mode 3 */
    outb(f, 0x43, 0x3e);
    outb(f, 0x43, 0xe2);                     /* read-back status, counter 0 */
    assert_int_equal(inb(f, 0x40) & 0x3f, 0x36);
}

static void test_mode0_oneshot(void **state)
{
    Fx *f = *state;

    program(f, 0, 0, 600);                   /* ~503 us */
    assert_int_equal(f->level, 0);
    f->rises = 0;
    run_for(f, 1500);
    assert_int_equal(f->rises, 1);
    assert_int_equal(f->level, 1);
    run_for(f, 300);
    assert_int_equal(f->rises, 1);
    /* the first byte of a new count drops OUT; the second restarts */
    outb(f, 0x40, 0x58);
    assert_int_equal(f->level, 0);
    outb(f, 0x40, 0x02);
    run_for(f, 1500);
    assert_int_equal(f->rises, 2);
}

static void test_latch_readback(void **state)
{
    Fx *f = *state;
    uint16_t a, b;

    outb(f, 0x61, 0x01);                     /* gate 2 high */
    program(f, 2, 0, 0xffff);
    spin_us(f, 50);
    outb(f, 0x43, 0x80);                     /* latch counter 2 */
    spin_us(f, 50);
    a = inb(f, 0x42);
    a |= inb(f, 0x42) << 8;
    outb(f, 0x43, 0x80);
    b = inb(f, 0x42);
    b |= inb(f, 0x42) << 8;
    assert_true(a < 0xffff && b < a);
    assert_true(a - b >= 50);                /* >= 50 us at 1.19 MHz */
    /* a second latch command before reading keeps the first value */
    outb(f, 0x43, 0x80);
    spin_us(f, 30);
    outb(f, 0x43, 0x80);
    a = inb(f, 0x42);
    a |= inb(f, 0x42) << 8;
    spin_us(f, 5);
    outb(f, 0x43, 0xd8);                     /* read-back: count of 2 */
    b = inb(f, 0x42);
    b |= inb(f, 0x42) << 8;
    assert_true(b < a);
    /* status: OUT low, count loaded, LSB/MSB, mode 0, binary */
    outb(f, 0x43, 0xe8);
    assert_int_equal(inb(f, 0x42), 0x30);
    /* status before count when both are latched */
    outb(f, 0x43, 0xc8);
    assert_int_equal(inb(f, 0x42), 0x30);
    b = inb(f, 0x42);
    b |= inb(f, 0x42) << 8;
    assert_true(b < a);
    /* after a control word and no count: null count, OUT high (mode 2) */
    outb(f, 0x43, 0xb4);
    outb(f, 0x43, 0xe8);
    assert_int_equal(inb(f, 0x42), 0xf4);
    /* LSB-only access and live reads */
    outb(f, 0x43, 0x90);                     /* counter 2, LSB, mode 0 */
    outb(f, 0x42, 0xff);
    assert_true(inb(f, 0x42) <= 0xff);
    outb(f, 0x43, 0xe8);
    assert_int_equal(inb(f, 0x42) & 0x3f, 0x10);
    /* the control port reads as nothing */
    assert_int_equal(inb(f, 0x43), 0xff);
}

static void test_bcd(void **state)
{
    Fx *f = *state;

    outb(f, 0x43, 0x75);                     /* counter 1, LSB/MSB, mode 2, BCD */
    outb(f, 0x41, 0x00);
    outb(f, 0x41, 0x10);                     /* 1000 */
    spin_us(f, 100);
    outb(f, 0x43, 0x40);
    uint16_t v = inb(f, 0x41);
    v |= inb(f, 0x41) << 8;
    for (int i = 0; i < 4; i++) {
        assert_true(((v >> (4 * i)) & 0xf) <= 9);
    }
    assert_true(v <= 0x1000);
    /* 0 means 10000 in BCD */
    outb(f, 0x43, 0x71);
    outb(f, 0x41, 0);
    outb(f, 0x41, 0);
    outb(f, 0x43, 0x40);
    v = inb(f, 0x41);
    v |= inb(f, 0x41) << 8;
    assert_true(v <= 0x9999);
}

static void test_port61(void **state)
{
    Fx *f = *state;
    uint16_t a, b;
    bool seen0 = false, seen1 = false;

    assert_int_equal(inb(f, 0x61) & 0x0f, 0);
    /* gate low: mode 0 does not count */
    program(f, 2, 0, 200);                   /* ~168 us */
    spin_us(f, 300);
    assert_int_equal(inb(f, 0x61) & 0x20, 0);
    outb(f, 0x43, 0x80);
    a = inb(f, 0x42);
    a |= inb(f, 0x42) << 8;
    assert_int_equal(a, 200);
    /* gate high: counts down, OUT2 rises (Linux's TSC calibration loop) */
    outb(f, 0x61, 0x03);
    assert_int_equal(inb(f, 0x61) & 0x0f, 0x03);
    spin_us(f, 50);
    outb(f, 0x43, 0x80);
    b = inb(f, 0x42);
    b |= inb(f, 0x42) << 8;
    assert_true(b < 200);
    int64_t end = clock_ns(&f->m.timers) + 2000 * 1000;
    while (!(inb(f, 0x61) & 0x20) && clock_ns(&f->m.timers) < end) {
        advance(f, 1000);
    }
    assert_true(inb(f, 0x61) & 0x20);
    /* gate low pauses in mode 0 */
    program(f, 2, 0, 60000);
    spin_us(f, 20);
    outb(f, 0x61, 0x00);
    outb(f, 0x43, 0x80);
    a = inb(f, 0x42);
    a |= inb(f, 0x42) << 8;
    spin_us(f, 50);
    outb(f, 0x43, 0x80);
    b = inb(f, 0x42);
    b |= inb(f, 0x42) << 8;
    assert_int_equal(a, b);
    /* mode 2 with the gate low holds OUT high */
    program(f, 2, 2 << 1, 10);
    assert_true(inb(f, 0x61) & 0x20);
    /* the refresh bit toggles */
    end = clock_ns(&f->m.timers) + 200 * 1000;
    while (clock_ns(&f->m.timers) < end && !(seen0 && seen1)) {
        if (inb(f, 0x61) & 0x10) {
            seen1 = true;
        } else {
            seen0 = true;
        }
        advance(f, 1000);
    }
    assert_true(seen0 && seen1);
}

/* Linux's delay loops wait for bit 4 to change between two reads. */
static void test_port61_refresh_toggles_per_read(void **state)
{
    Fx *f = *state;
    uint8_t a = inb(f, 0x61), b = inb(f, 0x61), c = inb(f, 0x61);

    assert_int_equal((a ^ b) & 0x10, 0x10);
    assert_int_equal((b ^ c) & 0x10, 0x10);
    assert_int_equal((a ^ b) & ~0x10, 0);
    /* bits 6-7 (NMI sources) never set; bits 0-3 read back */
    outb(f, 0x61, 0xff);
    assert_int_equal(inb(f, 0x61) & 0xcf, 0x0f);
}

static void test_save_load(void **state)
{
    Fx *f = *state;
    SaveBuf sb, rb;
    Error err = { "" };
    uint16_t a, b;

    outb(f, 0x61, 0x01);
    program(f, 2, 0, 50000);
    program(f, 0, 2 << 1, 11932);            /* 10 ms */
    outb(f, 0x43, 0x80);                     /* a pending latch */
    savebuf_init(&sb);
    pit_type.save(&f->pit->dev, &sb);
    pit_type.reset(&f->pit->dev);
    savebuf_init_read(&rb, sb.data, sb.len);
    assert_int_equal(pit_type.load(&f->pit->dev, &rb, &err), 0);
    assert_int_equal(inb(f, 0x61) & 0x0f, 0x01);
    a = inb(f, 0x42);
    a |= inb(f, 0x42) << 8;                  /* the latched value */
    outb(f, 0x43, 0x80);
    b = inb(f, 0x42);
    b |= inb(f, 0x42) << 8;
    assert_true(a <= 50000 && b <= a);
    assert_true(timer_pending(&f->pit->ch[0].timer));
    outb(f, 0x43, 0xe2);
    assert_int_equal(inb(f, 0x40) & 0x3f, 0x34);

    /* channel layout: count u32, rw, mode, flags, flags2, u64, u16, u8, u8 */
    const size_t ch0 = 1, chsz = 4 + 4 + 8 + 2 + 2;
    sb.data[ch0 + 5] = 7;                    /* mode 7 */
    savebuf_init_read(&rb, sb.data, sb.len);
    assert_int_equal(pit_type.load(&f->pit->dev, &rb, &err), -1);
    sb.data[ch0 + 5] = 2;
    sb.data[ch0 + 4] = 0;                    /* rw mode 0 */
    savebuf_init_read(&rb, sb.data, sb.len);
    assert_int_equal(pit_type.load(&f->pit->dev, &rb, &err), -1);
    sb.data[ch0 + 4] = 3;
    memset(sb.data + ch0 + chsz, 0, 4);      /* counter 1 count 0 */
    savebuf_init_read(&rb, sb.data, sb.len);
    assert_int_equal(pit_type.load(&f->pit->dev, &rb, &err), -1);
    sb.data[ch0 + chsz + 2] = 2;             /* 0x20000: too big */
    savebuf_init_read(&rb, sb.data, sb.len);
    assert_int_equal(pit_type.load(&f->pit->dev, &rb, &err), -1);
    sb.data[ch0 + chsz + 2] = 1;
    sb.data[0] = 0x31;                       /* port 0x61 high bits */
    savebuf_init_read(&rb, sb.data, sb.len);
    assert_int_equal(pit_type.load(&f->pit->dev, &rb, &err), -1);
    sb.data[0] = 0x01;
    savebuf_init_read(&rb, sb.data, sb.len - 2);
    assert_int_equal(pit_type.load(&f->pit->dev, &rb, &err), -1);
    savebuf_init_read(&rb, sb.data, sb.len);
    assert_int_equal(pit_type.load(&f->pit->dev, &rb, &err), 0);
    savebuf_free(&sb);
}

static void test_random_writes(void **state)
{
    Fx *f = *state;
    static const uint16_t ports[] = { 0x40, 0x41, 0x42, 0x43, 0x61 };
    unsigned seed = 99;

    for (int i = 0; i < 100000; i++) {
        int r = rand_r(&seed);
        if (r & 1) {
            outb(f, ports[(r >> 4) % 5], (uint8_t)(r >> 8));
        } else {
            inb(f, ports[(r >> 4) % 5]);
        }
        if ((r & 0x3f0) == 0) {
            timerlist_run(&f->m.timers);
        }
    }
    for (int i = 0; i < 3; i++) {
        const PITChannel *c = &f->pit->ch[i];
        assert_true(c->count >= 1 && c->count <= 65536);
        assert_true(c->mode <= 5 && c->rw_mode >= 1 && c->rw_mode <= 3);
    }
    run_for(f, 200);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_mode2_periodic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mode3_square, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mode0_oneshot, setup, teardown),
        cmocka_unit_test_setup_teardown(test_latch_readback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bcd, setup, teardown),
        cmocka_unit_test_setup_teardown(test_port61, setup, teardown),
        cmocka_unit_test_setup_teardown(test_port61_refresh_toggles_per_read,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_save_load, setup, teardown),
        cmocka_unit_test_setup_teardown(test_random_writes, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
