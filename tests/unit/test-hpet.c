/*
 * Unit tests for the HPET: capabilities, the main counter (enable,
 * freeze, writes, 32-bit halves), one-shot and periodic comparators with
 * the Tn_VAL_SET accumulator semantics, 32-bit mode and its wrap, edge
 * and level interrupts with GINTR_STA, the legacy replacement route
 * (timer 0 on IRQ 0, timer 1 on IRQ 8, the PIT and RTC passed through
 * only while it is off), route capabilities, save/load and garbage.
 * Virtual time is paused and moved by the tests.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "hw/acpi/acpi.h"
#include "hw/pc/pc.h"
#include "hw/timer/hpet.h"

#define T_CFG(n) (HPET_REG_TIMER(n) + 0)
#define T_CMP(n) (HPET_REG_TIMER(n) + 8)

typedef struct TestMachine {
    Machine m;
    HPETState *hpet;
    int level[PC_NUM_GSI], raises[PC_NUM_GSI];
} TestMachine;

static void record_irq(void *opaque, int n, int level)
{
    TestMachine *t = opaque;

    if (level && !t->level[n]) {
        t->raises[n]++;
    }
    t->level[n] = level;
}

static int setup(void **state)
{
    TestMachine *t = xzalloc(sizeof(*t));
    Machine *m = &t->m;
    Error err = { { 0 } };

    pthread_mutex_init(&m->lock, NULL);
    log_init(&m->log);
    timerlist_init(&m->timers);
    clock_pause(&m->timers);
    m->cfg.smp = 1;
    assert_int_equal(machine_init_memory(m, 64 << 20, NULL), 0);
    for (int i = 0; i < PC_NUM_GSI; i++) {
        m->gsi[i] = (IrqLine){ record_irq, t, i };
    }
    t->hpet = (HPETState *)device_create(m, "hpet", NULL, "", &err);
    assert_non_null(t->hpet);
    *state = t;
    return 0;
}

static int teardown(void **state)
{
    TestMachine *t = *state;

    device_destroy(&t->hpet->dev);
    machine_destroy_memory(&t->m);
    free(t);
    return 0;
}

static void advance_ns(TestMachine *t, int64_t ns)
{
    t->m.timers.start_ns -= ns;
    timerlist_run(&t->m.timers);
}

static uint64_t rd64(TestMachine *t, unsigned reg)
{
    return address_space_ld(&t->m.mem, HPET_BASE + reg, 8);
}

static uint32_t rd32(TestMachine *t, unsigned reg)
{
    return (uint32_t)address_space_ld(&t->m.mem, HPET_BASE + reg, 4);
}

static void wr64(TestMachine *t, unsigned reg, uint64_t v)
{
    address_space_st(&t->m.mem, HPET_BASE + reg, v, 8);
}

static void wr32(TestMachine *t, unsigned reg, uint32_t v)
{
    address_space_st(&t->m.mem, HPET_BASE + reg, v, 4);
}

static uint64_t route(unsigned pin)
{
    return (uint64_t)pin << HPET_TN_ROUTE_SHIFT;
}

static void test_capabilities(void **state)
{
    TestMachine *t = *state;
    uint64_t cap = rd64(t, HPET_REG_CAP);

    assert_int_equal(cap >> 32, 10000000);            /* 10 ns in fs */
    assert_int_equal((cap >> 16) & 0xffff, 0x8086);
    assert_int_equal((cap >> 8) & 0x1f, HPET_NUM_TIMERS - 1);
    assert_true(cap & HPET_CAP_COUNT_64);
    assert_true(cap & HPET_CAP_LEG_RT);
    assert_int_equal(rd32(t, HPET_REG_CAP + 4), 10000000);
    for (int n = 0; n < HPET_NUM_TIMERS; n++) {
        uint64_t c = rd64(t, T_CFG(n));
        assert_true(c & HPET_TN_PER_CAP);
        assert_true(c & HPET_TN_SIZE_CAP);
        assert_false(c & (1u << 15));                 /* no FSB delivery */
        assert_int_equal(c >> 32, HPET_ROUTE_CAP);
        assert_int_equal(rd64(t, T_CMP(n)), ~0ull);
    }
    /* FSB enable cannot be set; a route outside the capability is kept out */
    wr64(t, T_CFG(2), (1u << 14) | route(5));
    assert_int_equal(rd64(t, T_CFG(2)) & 0xffff,
                     HPET_TN_PER_CAP | HPET_TN_SIZE_CAP);
    wr64(t, T_CFG(2), route(22));
    assert_int_equal(rd64(t, T_CFG(2)) & HPET_TN_ROUTE, route(22));
    wr64(t, T_CFG(2), route(3));
    assert_int_equal(rd64(t, T_CFG(2)) & HPET_TN_ROUTE, route(22));
}

static void test_counter(void **state)
{
    TestMachine *t = *state;

    advance_ns(t, 1000);
    assert_int_equal(rd64(t, HPET_REG_COUNTER), 0);   /* halted */
    wr64(t, HPET_REG_CONFIG, HPET_CFG_ENABLE);
    advance_ns(t, 1000);
    assert_int_equal(rd64(t, HPET_REG_COUNTER), 100);
    wr64(t, HPET_REG_CONFIG, 0);
    advance_ns(t, 5000);
    assert_int_equal(rd64(t, HPET_REG_COUNTER), 100); /* frozen */
    wr64(t, HPET_REG_COUNTER, 0x00000001fffffff0ull);
    assert_int_equal(rd32(t, HPET_REG_COUNTER), 0xfffffff0);
    assert_int_equal(rd32(t, HPET_REG_COUNTER + 4), 1);
    wr32(t, HPET_REG_COUNTER + 4, 7);                 /* the high half */
    assert_int_equal(rd64(t, HPET_REG_COUNTER), 0x00000007fffffff0ull);
    wr64(t, HPET_REG_CONFIG, HPET_CFG_ENABLE);
    advance_ns(t, 200);
    assert_int_equal(rd64(t, HPET_REG_COUNTER), 0x0000000800000004ull);
    /* reserved config bits stay clear */
    wr64(t, HPET_REG_CONFIG, ~0ull);
    assert_int_equal(rd64(t, HPET_REG_CONFIG), HPET_CFG_ENABLE | HPET_CFG_LEGACY);
}

static void test_oneshot_edge(void **state)
{
    TestMachine *t = *state;

    wr64(t, T_CFG(2), HPET_TN_INT_ENB | route(20));
    wr64(t, T_CMP(2), 1000);
    wr64(t, HPET_REG_CONFIG, HPET_CFG_ENABLE);
    advance_ns(t, 9990);
    assert_int_equal(t->raises[20], 0);
    advance_ns(t, 10);
    assert_int_equal(t->raises[20], 1);
    assert_int_equal(t->level[20], 0);                /* a pulse */
    assert_int_equal(rd64(t, HPET_REG_ISR), 0);       /* edge: no status */
    advance_ns(t, 1000000000);
    assert_int_equal(t->raises[20], 1);               /* once */
    /* interrupt disabled: no pulse */
    wr64(t, T_CFG(2), route(20));
    wr64(t, T_CMP(2), rd64(t, HPET_REG_COUNTER) + 10);
    advance_ns(t, 1000);
    assert_int_equal(t->raises[20], 1);
    /* a comparator in the past fires at once, as QEMU */
    wr64(t, T_CFG(2), HPET_TN_INT_ENB | route(20));
    wr64(t, T_CMP(2), 5);
    advance_ns(t, 0);
    assert_int_equal(t->raises[20], 2);
}

static void test_level(void **state)
{
    TestMachine *t = *state;

    wr64(t, T_CFG(1), HPET_TN_LEVEL | HPET_TN_INT_ENB | route(21));
    wr64(t, T_CMP(1), 50);
    wr64(t, HPET_REG_CONFIG, HPET_CFG_ENABLE);
    advance_ns(t, 500);
    assert_int_equal(t->level[21], 1);
    assert_int_equal(rd64(t, HPET_REG_ISR), 1u << 1);
    wr64(t, HPET_REG_ISR, 1u << 0);                   /* another bit */
    assert_int_equal(t->level[21], 1);
    wr64(t, HPET_REG_ISR, 1u << 1);                   /* write 1 clears */
    assert_int_equal(t->level[21], 0);
    assert_int_equal(rd64(t, HPET_REG_ISR), 0);
    /* a level held while the interrupt is disabled does not reach the line */
    wr64(t, T_CFG(1), HPET_TN_LEVEL | route(21));
    wr64(t, T_CMP(1), rd64(t, HPET_REG_COUNTER) + 10);
    advance_ns(t, 100);
    assert_int_equal(rd64(t, HPET_REG_ISR), 1u << 1);
    assert_int_equal(t->level[21], 0);
    wr64(t, T_CFG(1), HPET_TN_LEVEL | HPET_TN_INT_ENB | route(21));
    assert_int_equal(t->level[21], 1);
    /* moving the route moves the level */
    wr64(t, T_CFG(1), HPET_TN_LEVEL | HPET_TN_INT_ENB | route(23));
    assert_int_equal(t->level[21], 0);
    assert_int_equal(t->level[23], 1);
    /* back to edge mode clears the status */
    wr64(t, T_CFG(1), HPET_TN_INT_ENB | route(23));
    assert_int_equal(rd64(t, HPET_REG_ISR), 0);
    assert_int_equal(t->level[23], 0);
}

static void test_periodic(void **state)
{
    TestMachine *t = *state;

    wr64(t, T_CFG(0), HPET_TN_PERIODIC | HPET_TN_INT_ENB | HPET_TN_VAL_SET |
                      route(20));
    wr64(t, T_CMP(0), 100);                           /* comparator + period */
    assert_false(rd64(t, T_CFG(0)) & HPET_TN_VAL_SET);
    wr64(t, T_CMP(0), 100);                           /* period only */
    assert_int_equal(rd64(t, T_CMP(0)), 100);
    wr64(t, HPET_REG_CONFIG, HPET_CFG_ENABLE);
    advance_ns(t, 1000);
    assert_int_equal(t->raises[20], 1);
    assert_int_equal(rd64(t, T_CMP(0)), 200);         /* accumulated */
    for (int i = 0; i < 3; i++) {
        advance_ns(t, 1000);
    }
    assert_int_equal(t->raises[20], 4);
    assert_int_equal(rd64(t, T_CMP(0)), 500);
    /* a late callback catches up in one step, past the counter */
    advance_ns(t, 100000);
    assert_int_equal(t->raises[20], 5);
    assert_int_equal(rd64(t, T_CMP(0)), 10500);
    /* without VAL_SET a write changes the period, not the comparator */
    wr64(t, T_CMP(0), 1000);
    assert_int_equal(rd64(t, T_CMP(0)), 10500);
    advance_ns(t, 1000);
    assert_int_equal(rd64(t, T_CMP(0)), 11500);
    /* a halted HPET does not fire */
    wr64(t, HPET_REG_CONFIG, 0);
    advance_ns(t, 1000000);
    assert_int_equal(t->raises[20], 6);
}

/* A period that wraps the comparator past 2^64 once hung the main loop
 * (found by test_saveload_fuzz): the timer re-armed itself "in the past". */
static void test_periodic_wrapping_period(void **state)
{
    TestMachine *t = *state;

    wr64(t, T_CFG(0), HPET_TN_PERIODIC | HPET_TN_INT_ENB | HPET_TN_VAL_SET |
                      route(20));
    wr64(t, T_CMP(0), 100);
    wr64(t, T_CMP(0), 0xf000000000000000ull);
    wr64(t, HPET_REG_CONFIG, HPET_CFG_ENABLE);
    advance_ns(t, 2000);
    assert_int_equal(t->raises[20], 1);
    assert_int_equal(rd64(t, T_CMP(0)), 0xf000000000000064ull);
    advance_ns(t, 1000000);
    assert_int_equal(t->raises[20], 1);
}

static void test_32bit_mode(void **state)
{
    TestMachine *t = *state;

    wr64(t, T_CFG(1), HPET_TN_32BIT | HPET_TN_INT_ENB | route(22));
    wr64(t, T_CMP(1), 0x0000000100000010ull);
    assert_int_equal(rd64(t, T_CMP(1)), 0x10);        /* truncated */
    wr32(t, T_CMP(1) + 4, 0xffffffff);                /* upper half ignored */
    assert_int_equal(rd64(t, T_CMP(1)), 0x10);
    wr64(t, HPET_REG_COUNTER, 0xfffffff0);
    wr64(t, HPET_REG_CONFIG, HPET_CFG_ENABLE);
    advance_ns(t, 310);
    assert_int_equal(t->raises[22], 0);
    advance_ns(t, 10);                                /* low 32 bits wrap */
    assert_int_equal(t->raises[22], 1);
    advance_ns(t, (int64_t)(1ull << 32) * 10 - 10);
    assert_int_equal(t->raises[22], 1);
    advance_ns(t, 10);                                /* matches again */
    assert_int_equal(t->raises[22], 2);
    /* periodic in 32-bit mode wraps the accumulator */
    wr64(t, HPET_REG_CONFIG, 0);
    wr64(t, HPET_REG_COUNTER, 0xffffff00);
    wr64(t, T_CFG(1), HPET_TN_32BIT | HPET_TN_PERIODIC | HPET_TN_VAL_SET |
                      HPET_TN_INT_ENB | route(22));
    wr64(t, T_CMP(1), 0xffffff80);                    /* comparator */
    wr64(t, T_CMP(1), 0x80);                          /* period */
    wr64(t, HPET_REG_CONFIG, HPET_CFG_ENABLE);
    advance_ns(t, 0x80 * 10);
    assert_int_equal(t->raises[22], 3);
    assert_int_equal(rd64(t, T_CMP(1)), 0);           /* 0xffffff80 + 0x80 */
}

static void test_legacy_route(void **state)
{
    TestMachine *t = *state;
    Machine *m = &t->m;

    /* the PIT and the RTC pass through while the route is off */
    irq_set(&m->gsi[0], 1);
    assert_int_equal(t->level[0], 1);
    irq_set(&m->gsi[0], 0);
    irq_set(&m->gsi[8], 1);
    assert_int_equal(t->level[8], 1);
    wr64(t, T_CFG(0), HPET_TN_INT_ENB);
    wr64(t, T_CFG(1), HPET_TN_LEVEL | HPET_TN_INT_ENB);
    wr64(t, T_CMP(0), 10);
    wr64(t, T_CMP(1), 20);
    wr64(t, HPET_REG_CONFIG, HPET_CFG_ENABLE | HPET_CFG_LEGACY);
    assert_int_equal(t->level[8], 0);                 /* the RTC is cut off */
    irq_set(&m->gsi[0], 1);                           /* the PIT too */
    assert_int_equal(t->raises[0], 1);
    advance_ns(t, 200);
    assert_int_equal(t->raises[0], 2);                /* timer 0 -> IRQ 0 */
    assert_int_equal(t->level[8], 1);                 /* timer 1 -> IRQ 8 */
    assert_int_equal(t->raises[20], 0);
    wr64(t, HPET_REG_ISR, 2);
    assert_int_equal(t->level[8], 0);
    /* route off: the devices' levels come back */
    wr64(t, HPET_REG_CONFIG, HPET_CFG_ENABLE);
    assert_int_equal(t->level[0], 1);
    assert_int_equal(t->level[8], 1);
}

static void test_save_load(void **state)
{
    TestMachine *t = *state;
    Device *d = &t->hpet->dev;
    SaveBuf sb, rb;
    Error err = { { 0 } };
    /* version, config, ISR, elapsed time, timer 0 config */
    static const size_t bad_offsets[] = { 0, 1, 9 + 7, 25 + 7, 33 + 1 };

    wr64(t, T_CFG(2), HPET_TN_PERIODIC | HPET_TN_VAL_SET | HPET_TN_INT_ENB |
                      HPET_TN_LEVEL | route(21));
    wr64(t, T_CMP(2), 1000);
    wr64(t, HPET_REG_CONFIG, HPET_CFG_ENABLE);
    advance_ns(t, 10000);
    assert_int_equal(t->level[21], 1);
    savebuf_init(&sb);
    d->type->save(d, &sb);
    d->type->reset(d);
    assert_int_equal(t->level[21], 0);
    advance_ns(t, 12345);
    savebuf_init_read(&rb, sb.data, sb.len);
    assert_int_equal(d->type->load(d, &rb, &err), 0);
    d->type->post_load(d);
    assert_int_equal(t->level[21], 1);
    assert_int_equal(rd64(t, HPET_REG_COUNTER), 1000);
    assert_int_equal(rd64(t, T_CMP(2)), 2000);
    wr64(t, HPET_REG_ISR, 4);
    advance_ns(t, 10000);                             /* runs on after load */
    assert_int_equal(rd64(t, T_CMP(2)), 3000);
    assert_int_equal(t->level[21], 1);
    for (size_t i = 0; i < ARRAY_SIZE(bad_offsets); i++) {
        uint8_t *copy = malloc(sb.len);
        memcpy(copy, sb.data, sb.len);
        copy[bad_offsets[i]] ^= 0x80;
        savebuf_init_read(&rb, copy, sb.len);
        assert_int_equal(d->type->load(d, &rb, &err), -1);
        free(copy);
    }
    savebuf_init_read(&rb, sb.data, sb.len - 1);       /* truncated */
    assert_int_equal(d->type->load(d, &rb, &err), -1);
    savebuf_free(&sb);
}

static void test_garbage(void **state)
{
    TestMachine *t = *state;
    uint64_t x = 0x9e3779b97f4a7c15ull;

    for (int i = 0; i < 20000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        unsigned off = (unsigned)(x % HPET_MMIO_SIZE);
        unsigned size = (x >> 32) & 1 ? 8 : 4;
        if ((x >> 40) & 1) {
            address_space_st(&t->m.mem, HPET_BASE + off, x, size);
        } else {
            (void)address_space_ld(&t->m.mem, HPET_BASE + off, size);
        }
        if (i % 64 == 0) {
            advance_ns(t, (int64_t)(x >> 50));
        }
    }
    assert_true(rd64(t, HPET_REG_CAP) >> 32 == 10000000);
}

/*
 * Two HPETs get the same random accesses and the same time; the second
 * is saved, reset and loaded back between operations. Every read and
 * every interrupt line must stay the same on both.
 */
static uint64_t fuzz_next(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

/* Save, reset (a load lands on a fresh device), load, post_load. The
 * reset's dip of the lines is not guest-visible, so edges are not counted. */
static void fuzz_roundtrip(TestMachine *t)
{
    Device *d = &t->hpet->dev;
    SaveBuf sb, rb;
    Error err = { { 0 } };
    int raises[PC_NUM_GSI];

    memcpy(raises, t->raises, sizeof(raises));
    savebuf_init(&sb);
    d->type->save(d, &sb);
    d->type->reset(d);
    savebuf_init_read(&rb, sb.data, sb.len);
    assert_int_equal(d->type->load(d, &rb, &err), 0);
    d->type->post_load(d);
    savebuf_free(&sb);
    memcpy(t->raises, raises, sizeof(raises));
}

static unsigned fuzz_reg(uint64_t r)
{
    static const unsigned regs[] = {
        HPET_REG_CONFIG, HPET_REG_ISR, HPET_REG_COUNTER,
        T_CFG(0), T_CMP(0), T_CFG(1), T_CMP(1), T_CFG(2), T_CMP(2),
    };
    unsigned reg = regs[r % ARRAY_SIZE(regs)];

    return (r >> 8) & 1 ? reg + 4 : reg;
}

static uint64_t fuzz_value(TestMachine *t, unsigned reg, uint64_t r)
{
    if ((reg & 0x1f) == 0x08 && reg >= 0x100) {
        /* comparators near the counter, so timers fire */
        return rd64(t, HPET_REG_COUNTER) + (r >> 20) % 5000;
    }
    if (reg == HPET_REG_COUNTER) {
        return (r >> 16) & 1 ? 0xffffff00u + (r & 0xff) : r >> 24;
    }
    return r >> 16;
}

static void test_saveload_fuzz(void **state)
{
    TestMachine *t[2];
    uint64_t x = 0x243f6a8885a308d3ull;

    for (int i = 0; i < 2; i++) {
        void *st;
        setup(&st);
        t[i] = st;
        clock_set_manual(&t[i]->m.timers, 1000000000);
    }
    for (int op = 0; op < 30000; op++) {
        uint64_t r = fuzz_next(&x);
        unsigned reg = fuzz_reg(r >> 3), size = (r >> 9) & 1 ? 8 : 4;

        if (size == 8) {
            reg &= ~7u;
        }
        switch (r & 7) {
        case 0: case 1: case 2: {
            uint64_t v = fuzz_value(t[0], reg, fuzz_next(&x));
            for (int i = 0; i < 2; i++) {
                address_space_st(&t[i]->m.mem, HPET_BASE + reg, v, size);
            }
            break;
        }
        case 3: case 4:
            assert_int_equal(address_space_ld(&t[0]->m.mem, HPET_BASE + reg,
                                              size),
                             address_space_ld(&t[1]->m.mem, HPET_BASE + reg,
                                              size));
            break;
        case 5: case 6:
            for (int i = 0; i < 2; i++) {
                clock_advance(&t[i]->m.timers, (int64_t)((r >> 40) % 20000));
                timerlist_run(&t[i]->m.timers);
            }
            break;
        default:
            fuzz_roundtrip(t[1]);
            break;
        }
        assert_memory_equal(t[0]->level, t[1]->level, sizeof(t[0]->level));
        assert_memory_equal(t[0]->raises, t[1]->raises, sizeof(t[0]->raises));
    }
    for (int i = 0; i < 2; i++) {
        void *st = t[i];
        teardown(&st);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_capabilities, setup, teardown),
        cmocka_unit_test_setup_teardown(test_counter, setup, teardown),
        cmocka_unit_test_setup_teardown(test_oneshot_edge, setup, teardown),
        cmocka_unit_test_setup_teardown(test_level, setup, teardown),
        cmocka_unit_test_setup_teardown(test_periodic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_periodic_wrapping_period, setup, teardown),
        cmocka_unit_test_setup_teardown(test_32bit_mode, setup, teardown),
        cmocka_unit_test_setup_teardown(test_legacy_route, setup, teardown),
        cmocka_unit_test_setup_teardown(test_save_load, setup, teardown),
        cmocka_unit_test_setup_teardown(test_garbage, setup, teardown),
        cmocka_unit_test(test_saveload_fuzz),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
