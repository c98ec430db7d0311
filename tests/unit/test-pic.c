/* Unit tests for the 8259A pair: init, masks, EOI modes, priorities,
 * cascade, trigger modes, spurious IRQs, poll, save/load, random writes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "hw/core/devtypes.h"
#include "hw/intc/intc.h"

typedef struct Fx {
    Machine m;
    PICState *pic;
    int intr;
    int edges;
} Fx;

static void fx_intr(void *opaque, int n, int level)
{
    Fx *f = opaque;
    if (level && !f->intr) {
        f->edges++;
    }
    f->intr = level;
}

static int setup(void **state)
{
    Fx *f = xzalloc(sizeof(*f));
    Error err = { "" };

    pthread_mutex_init(&f->m.lock, NULL);
    log_init(&f->m.log);
    timerlist_init(&f->m.timers);
    f->m.cfg.smp = 1;
    assert_int_equal(machine_init_memory(&f->m, 16 << 20, &err), 0);
    f->pic = (PICState *)device_create(&f->m, "i8259", NULL, "", &err);
    assert_non_null(f->pic);
    f->pic->intr = (IrqLine){ fx_intr, f, 0 };
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    Fx *f = *state;
    device_destroy(&f->pic->dev);
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

/* The sequence Linux's init_8259A() uses (vectors 0x30/0x38). */
static void linux_init(Fx *f, bool auto_eoi)
{
    outb(f, 0x21, 0xff);
    outb(f, 0xa1, 0xff);
    outb(f, 0x20, 0x11);
    outb(f, 0x21, 0x30);
    outb(f, 0x21, 0x04);
    outb(f, 0x21, auto_eoi ? 0x03 : 0x01);
    outb(f, 0xa0, 0x11);
    outb(f, 0xa1, 0x38);
    outb(f, 0xa1, 0x02);
    outb(f, 0xa1, 0x01);
    outb(f, 0x21, 0x00);
    outb(f, 0xa1, 0x00);
}

static uint8_t read_isr(Fx *f, uint16_t base)
{
    outb(f, base, 0x0b);
    return inb(f, base);
}

static uint8_t read_irr(Fx *f, uint16_t base)
{
    outb(f, base, 0x0a);
    return inb(f, base);
}

static void pulse(Fx *f, int irq)
{
    pic_set_irq(f->pic, irq, 1);
    pic_set_irq(f->pic, irq, 0);
}

static void test_linux_init(void **state)
{
    Fx *f = *state;

    linux_init(f, false);
    assert_int_equal(inb(f, 0x21), 0);
    assert_int_equal(f->intr, 0);
    pulse(f, 1);
    assert_int_equal(f->intr, 1);
    assert_int_equal(read_irr(f, 0x20), 0x02);
    assert_int_equal(pic_read_irq(f->pic), 0x31);
    assert_int_equal(f->intr, 0);
    assert_int_equal(read_isr(f, 0x20), 0x02);
    assert_int_equal(read_irr(f, 0x20), 0x00);
    outb(f, 0x20, 0x20);                     /* non-specific EOI */
    assert_int_equal(read_isr(f, 0x20), 0x00);
}

static void test_masking(void **state)
{
    Fx *f = *state;

    linux_init(f, false);
    outb(f, 0x21, 0x10);
    pulse(f, 4);
    assert_int_equal(f->intr, 0);
    assert_int_equal(read_irr(f, 0x20), 0x10); /* latched while masked */
    outb(f, 0x21, 0x00);
    assert_int_equal(f->intr, 1);
    assert_int_equal(pic_read_irq(f->pic), 0x34);
    outb(f, 0x20, 0x20);
}

static void test_priority_and_nesting(void **state)
{
    Fx *f = *state;

    linux_init(f, false);
    pulse(f, 3);
    pulse(f, 5);
    assert_int_equal(pic_read_irq(f->pic), 0x33);
    assert_int_equal(f->intr, 0);            /* 5 is below 3 */
    pulse(f, 1);
    assert_int_equal(f->intr, 1);            /* 1 preempts 3 */
    assert_int_equal(pic_read_irq(f->pic), 0x31);
    assert_int_equal(read_isr(f, 0x20), 0x0a);
    outb(f, 0x20, 0x20);                     /* ends 1 */
    assert_int_equal(read_isr(f, 0x20), 0x08);
    assert_int_equal(f->intr, 0);
    outb(f, 0x20, 0x63);                     /* specific EOI for 3 */
    assert_int_equal(f->intr, 1);
    assert_int_equal(pic_read_irq(f->pic), 0x35);
    outb(f, 0x20, 0x65);
    assert_int_equal(read_isr(f, 0x20), 0);
}

static void test_rotation(void **state)
{
    Fx *f = *state;

    linux_init(f, false);
    outb(f, 0x20, 0xc3);                     /* set priority: 3 lowest */
    pulse(f, 1);
    pulse(f, 5);
    assert_int_equal(pic_read_irq(f->pic), 0x35);   /* 4 is highest now */
    outb(f, 0x20, 0xa0);                     /* rotate on non-specific EOI */
    /* 5 became lowest: 6 highest, then 7, 0, 1 */
    assert_int_equal(pic_read_irq(f->pic), 0x31);
    outb(f, 0x20, 0xe1);                     /* rotate on specific EOI */
    pulse(f, 1);
    pulse(f, 2 + 0);                         /* IR2: the slave is idle */
    pulse(f, 0);
    assert_int_equal(pic_read_irq(f->pic), 0x30);   /* 2 is highest but idle */
    outb(f, 0x20, 0x20);
    assert_int_equal(pic_read_irq(f->pic), 0x31);
    outb(f, 0x20, 0x20);
}

static void test_auto_eoi(void **state)
{
    Fx *f = *state;

    linux_init(f, true);
    pulse(f, 6);
    assert_int_equal(pic_read_irq(f->pic), 0x36);
    assert_int_equal(read_isr(f, 0x20), 0);
    pulse(f, 6);
    assert_int_equal(f->intr, 1);
    /* rotate in auto-EOI mode: the acknowledged line becomes lowest */
    outb(f, 0x20, 0x80);
    assert_int_equal(pic_read_irq(f->pic), 0x36);
    pulse(f, 7);
    pulse(f, 0);
    assert_int_equal(pic_read_irq(f->pic), 0x37);
    outb(f, 0x20, 0x00);
    assert_int_equal(pic_read_irq(f->pic), 0x30);
}

static void test_cascade(void **state)
{
    Fx *f = *state;

    linux_init(f, false);
    pulse(f, 10);
    assert_int_equal(f->intr, 1);
    assert_int_equal(read_irr(f, 0x20), 0x04);
    assert_int_equal(pic_read_irq(f->pic), 0x3a);
    assert_int_equal(read_isr(f, 0x20), 0x04);
    assert_int_equal(read_isr(f, 0xa0), 0x04);
    pulse(f, 8);                             /* slave priority: 8 over 10 */
    assert_int_equal(f->intr, 0);            /* master's IR2 is in service */
    outb(f, 0xa0, 0x20);
    outb(f, 0x20, 0x20);
    assert_int_equal(f->intr, 1);
    assert_int_equal(pic_read_irq(f->pic), 0x38);
    outb(f, 0xa0, 0x20);
    outb(f, 0x20, 0x20);
    /* slave masked in the master */
    outb(f, 0x21, 0x04);
    pulse(f, 15);
    assert_int_equal(f->intr, 0);
    outb(f, 0x21, 0x00);
    assert_int_equal(pic_read_irq(f->pic), 0x3f);
    outb(f, 0xa0, 0x20);
    outb(f, 0x20, 0x20);
}

static void test_level_edge(void **state)
{
    Fx *f = *state;

    linux_init(f, false);
    outb(f, 0x4d0, 0xff);
    outb(f, 0x4d1, 0xff);
    assert_int_equal(inb(f, 0x4d0), 0xf8);   /* IRQ 0, 1, 2 stay edge */
    assert_int_equal(inb(f, 0x4d1), 0xde);   /* IRQ 8 and 13 stay edge */
    /* level: re-requests after EOI while the line is high */
    pic_set_irq(f->pic, 11, 1);
    assert_int_equal(pic_read_irq(f->pic), 0x3b);
    outb(f, 0xa0, 0x20);
    outb(f, 0x20, 0x20);
    assert_int_equal(f->intr, 1);
    assert_int_equal(pic_read_irq(f->pic), 0x3b);
    pic_set_irq(f->pic, 11, 0);
    outb(f, 0xa0, 0x20);
    outb(f, 0x20, 0x20);
    assert_int_equal(f->intr, 0);
    /* level line dropped before INTA: IRQ 7 spurious */
    pic_set_irq(f->pic, 5, 1);
    assert_int_equal(f->intr, 1);
    pic_set_irq(f->pic, 5, 0);
    assert_int_equal(f->intr, 0);
    assert_int_equal(pic_read_irq(f->pic), 0x37);
    assert_int_equal(read_isr(f, 0x20), 0);
    /* edge held high: one interrupt only */
    pic_set_irq(f->pic, 1, 1);
    assert_int_equal(pic_read_irq(f->pic), 0x31);
    outb(f, 0x20, 0x20);
    assert_int_equal(f->intr, 0);
    pic_set_irq(f->pic, 1, 0);
    /* ICW1 LTIM makes every line level-triggered */
    outb(f, 0x20, 0x19);
    outb(f, 0x21, 0x30);
    outb(f, 0x21, 0x04);
    outb(f, 0x21, 0x01);
    outb(f, 0x21, 0x00);
    pic_set_irq(f->pic, 0, 1);
    pic_set_irq(f->pic, 0, 0);
    assert_int_equal(f->intr, 0);
}

static void test_spurious(void **state)
{
    Fx *f = *state;

    linux_init(f, false);
    assert_int_equal(pic_read_irq(f->pic), 0x37);
    assert_int_equal(read_isr(f, 0x20), 0);
    outb(f, 0x4d1, 0x08);                    /* IRQ 11 level */
    pic_set_irq(f->pic, 11, 1);
    pic_set_irq(f->pic, 11, 0);
    assert_int_equal(pic_read_irq(f->pic), 0x37);
}

static void test_poll(void **state)
{
    Fx *f = *state;

    linux_init(f, false);
    outb(f, 0x21, 0xff);
    outb(f, 0x20, 0x0c);
    assert_int_equal(inb(f, 0x20), 0x00);   /* nothing pending */
    outb(f, 0x21, 0x00);
    pulse(f, 4);
    outb(f, 0x20, 0x0c);
    assert_int_equal(inb(f, 0x20), 0x84);
    assert_int_equal(read_isr(f, 0x20), 0x10);
    outb(f, 0x20, 0x20);
    pulse(f, 9);
    outb(f, 0x20, 0x0c);
    assert_int_equal(inb(f, 0x20), 0x82);
    outb(f, 0xa0, 0x0c);
    assert_int_equal(inb(f, 0xa0), 0x81);
    assert_int_equal(read_isr(f, 0xa0), 0x02);
}

static void test_special_mask(void **state)
{
    Fx *f = *state;

    linux_init(f, false);
    pulse(f, 3);
    assert_int_equal(pic_read_irq(f->pic), 0x33);
    pulse(f, 5);
    assert_int_equal(f->intr, 0);
    outb(f, 0x21, 0x08);                     /* mask 3 ... */
    outb(f, 0x20, 0x68);                     /* ... and set special mask */
    assert_int_equal(f->intr, 1);
    assert_int_equal(pic_read_irq(f->pic), 0x35);
    outb(f, 0x20, 0x48);                     /* clear special mask */
    outb(f, 0x20, 0x65);
    outb(f, 0x20, 0x63);
    assert_int_equal(read_isr(f, 0x20), 0);
}

static void test_save_load(void **state)
{
    Fx *f = *state;
    SaveBuf sb, rb;
    Error err = { "" };

    linux_init(f, false);
    outb(f, 0x4d1, 0x08);
    outb(f, 0x21, 0x40);
    pulse(f, 3);
    pulse(f, 6);
    assert_int_equal(pic_read_irq(f->pic), 0x33);
    savebuf_init(&sb);
    pic_type.save(&f->pic->dev, &sb);
    pic_type.reset(&f->pic->dev);
    assert_int_equal(inb(f, 0x21), 0);
    savebuf_init_read(&rb, sb.data, sb.len);
    assert_int_equal(pic_type.load(&f->pic->dev, &rb, &err), 0);
    assert_int_equal(inb(f, 0x21), 0x40);
    assert_int_equal(inb(f, 0x4d1), 0x08);
    assert_int_equal(read_isr(f, 0x20), 0x08);
    assert_int_equal(read_irr(f, 0x20), 0x40);

    /* corrupt: vector base with low bits, bad rotation, truncated */
    sb.data[5] = 0x31;
    savebuf_init_read(&rb, sb.data, sb.len);
    assert_int_equal(pic_type.load(&f->pic->dev, &rb, &err), -1);
    sb.data[5] = 0x30;
    sb.data[6] = 9;
    savebuf_init_read(&rb, sb.data, sb.len);
    assert_int_equal(pic_type.load(&f->pic->dev, &rb, &err), -1);
    sb.data[6] = 7;
    sb.data[4 + 10] = 0x01;                  /* slave ELCR bit 0 (IRQ 8) */
    savebuf_init_read(&rb, sb.data, sb.len);
    assert_int_equal(pic_type.load(&f->pic->dev, &rb, &err), -1);
    savebuf_init_read(&rb, sb.data, sb.len - 1);
    assert_int_equal(pic_type.load(&f->pic->dev, &rb, &err), -1);
    assert_int_equal(inb(f, 0x21), 0x40);    /* unchanged by bad loads */
    savebuf_free(&sb);
}

static void test_random_writes(void **state)
{
    Fx *f = *state;
    static const uint16_t ports[] = { 0x20, 0x21, 0xa0, 0xa1, 0x4d0, 0x4d1 };
    unsigned seed = 12345;

    for (int i = 0; i < 200000; i++) {
        int r = rand_r(&seed);
        switch (r % 4) {
        case 0:
            outb(f, ports[(r >> 4) % 6], (uint8_t)(r >> 8));
            break;
        case 1:
            inb(f, ports[(r >> 4) % 6]);
            break;
        case 2:
            pic_set_irq(f->pic, (r >> 4) % 18 - 1, (r >> 9) & 1);
            break;
        default: {
            int v = pic_read_irq(f->pic);
            assert_true(v >= 0 && v <= 0xff);
            break;
        }
        }
        assert_true(f->pic->chip[0].lowest <= 7 && f->pic->chip[1].lowest <= 7);
        assert_true(f->pic->chip[0].init_state <= 3);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_linux_init, setup, teardown),
        cmocka_unit_test_setup_teardown(test_masking, setup, teardown),
        cmocka_unit_test_setup_teardown(test_priority_and_nesting, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rotation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_auto_eoi, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cascade, setup, teardown),
        cmocka_unit_test_setup_teardown(test_level_edge, setup, teardown),
        cmocka_unit_test_setup_teardown(test_spurious, setup, teardown),
        cmocka_unit_test_setup_teardown(test_poll, setup, teardown),
        cmocka_unit_test_setup_teardown(test_special_mask, setup, teardown),
        cmocka_unit_test_setup_teardown(test_save_load, setup, teardown),
        cmocka_unit_test_setup_teardown(test_random_writes, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
