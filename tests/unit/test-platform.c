/*
 * Unit tests for the small PC platform devices: isa-debug-exit (exit
 * status, properties), port 0x92 (A20, fast reset), the 0xCF9 reset
 * control register, and the i8042 controller (self-tests, command byte,
 * output port, keyboard replies, interrupts, save/load, garbage).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "hw/input/i8042.h"
#include "hw/pc/pc.h"

typedef struct TestMachine {
    Machine m;
    int level[PC_NUM_GSI];
    int raises[PC_NUM_GSI];
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

    pthread_mutex_init(&m->lock, NULL);
    log_init(&m->log);
    timerlist_init(&m->timers);
    m->cfg.smp = 1;
    assert_int_equal(machine_init_memory(m, 64 << 20, NULL), 0);
    for (int i = 0; i < PC_NUM_GSI; i++) {
        m->gsi[i] = (IrqLine){ .handler = record_irq, .opaque = t, .n = i };
    }
    *state = t;
    return 0;
}

static int teardown(void **state)
{
    TestMachine *t = *state;

    machine_destroy_memory(&t->m);
    free(t);
    return 0;
}

static Device *create(TestMachine *t, const char *type, const char *props)
{
    Error err = { { 0 } };
    Device *d = device_create(&t->m, type, NULL, props, &err);

    if (!d) {
        fail_msg("%s: %s", type, err.msg);
    }
    return d;
}

static uint64_t in(TestMachine *t, uint16_t port, unsigned size)
{
    return address_space_ld(&t->m.io, port, size);
}

static void out(TestMachine *t, uint16_t port, uint64_t v, unsigned size)
{
    address_space_st(&t->m.io, port, v, size);
}

static void clear_requests(TestMachine *t)
{
    atomic_store(&t->m.requests, 0);
    t->m.exit_status = 0;
}

/* ---- isa-debug-exit ---- */

static void test_debugexit_status(void **state)
{
    TestMachine *t = *state;
    Device *d = create(t, "isa-debug-exit", "iobase=0xf4,iosize=4");

    assert_int_equal(in(t, 0xf4, 1), 0xff);
    assert_int_equal(in(t, 0xf4, 4), 0xffffffff);
    assert_int_equal(atomic_load(&t->m.requests), 0);
    out(t, 0xf4, 0x10, 1);
    assert_true(atomic_load(&t->m.requests) & MACHINE_REQ_EXIT);
    assert_int_equal(t->m.exit_status, 0x21);
    clear_requests(t);
    out(t, 0xf4, 0x1234, 2);
    assert_int_equal(t->m.exit_status, (0x1234 << 1) | 1);
    clear_requests(t);
    out(t, 0xf4, 0, 4);
    assert_int_equal(t->m.exit_status, 1);
    device_destroy(d);
    /* unmapped again */
    clear_requests(t);
    out(t, 0xf4, 3, 1);
    assert_int_equal(atomic_load(&t->m.requests), 0);
}

static void test_debugexit_default_port(void **state)
{
    TestMachine *t = *state;
    Device *d = create(t, "isa-debug-exit", NULL);

    out(t, 0x501, 3, 1);
    assert_int_equal(t->m.exit_status, 7);
    clear_requests(t);
    out(t, 0x502, 1, 1);
    assert_int_equal(t->m.exit_status, 3);
    clear_requests(t);
    out(t, 0x503, 1, 1);             /* iosize 2: 0x503 is not ours */
    assert_int_equal(atomic_load(&t->m.requests), 0);
    device_destroy(d);
}

static void test_debugexit_bad_props(void **state)
{
    TestMachine *t = *state;
    static const char *const bad[] = {
        "iosize=3", "iosize=0", "iosize=8", "iobase=0xffff,iosize=2",
        "iobase=0x10000", "iobase=0xfffe,iosize=4", "iobase=junk",
        "nosuch=1", "iosize=0x100000000",
    };

    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        Error err = { { 0 } };
        assert_null(device_create(&t->m, "isa-debug-exit", NULL, bad[i], &err));
        assert_true(err.msg[0] != '\0');
    }
    /* the last port is fine */
    device_destroy(create(t, "isa-debug-exit", "iobase=0xffff,iosize=1"));
}

/* ---- port 0x92 and 0xCF9 ---- */

static void test_port92(void **state)
{
    TestMachine *t = *state;
    Device *d = create(t, "port92", NULL);

    assert_true(t->m.a20_enabled);
    assert_int_equal(in(t, 0x92, 1), 0x02);
    out(t, 0x92, 0x00, 1);
    assert_false(t->m.a20_enabled);
    assert_int_equal(in(t, 0x92, 1), 0x00);
    out(t, 0x92, 0x02, 1);
    assert_true(t->m.a20_enabled);
    assert_int_equal(atomic_load(&t->m.requests), 0);
    /* fast reset on 0 -> 1, read back */
    out(t, 0x92, 0x03, 1);
    assert_true(atomic_load(&t->m.requests) & MACHINE_REQ_RESET);
    assert_int_equal(in(t, 0x92, 1), 0x03);
    clear_requests(t);
    out(t, 0x92, 0x03, 1);           /* no transition, no reset */
    assert_int_equal(atomic_load(&t->m.requests), 0);
    out(t, 0x92, 0x02, 1);
    out(t, 0x92, 0x01, 1);
    assert_true(atomic_load(&t->m.requests) & MACHINE_REQ_RESET);
    assert_false(t->m.a20_enabled);
    device_destroy(d);
}

static void test_reset_control(void **state)
{
    TestMachine *t = *state;
    Device *d = create(t, "reset-control", NULL);

    assert_int_equal(in(t, 0xcf9, 1), 0);
    out(t, 0xcf9, 0x02, 1);
    assert_int_equal(in(t, 0xcf9, 1), 0x02);
    assert_int_equal(atomic_load(&t->m.requests), 0);
    out(t, 0xcf9, 0x06, 1);
    assert_true(atomic_load(&t->m.requests) & MACHINE_REQ_RESET);
    clear_requests(t);
    out(t, 0xcf9, 0x04, 1);
    assert_true(atomic_load(&t->m.requests) & MACHINE_REQ_RESET);
    assert_int_equal(in(t, 0xcf9, 1) & 0x04, 0);
    device_destroy(d);
}

static void test_reset_devices_save_load(void **state)
{
    TestMachine *t = *state;
    Device *p92 = create(t, "port92", NULL);
    Device *rcr = create(t, "reset-control", NULL);
    SaveBuf sb, rb;
    Error err = { { 0 } };
    static const uint8_t bad[] = { 1, 0xff };

    out(t, 0x92, 0x03, 1);
    out(t, 0xcf9, 0x02, 1);
    savebuf_init(&sb);
    p92->type->save(p92, &sb);
    rcr->type->save(rcr, &sb);
    out(t, 0x92, 0x00, 1);
    out(t, 0xcf9, 0x00, 1);
    savebuf_init_read(&rb, sb.data, sb.len);
    assert_int_equal(p92->type->load(p92, &rb, &err), 0);
    assert_int_equal(rcr->type->load(rcr, &rb, &err), 0);
    assert_int_equal(in(t, 0x92, 1) & 1, 1);
    assert_int_equal(in(t, 0xcf9, 1), 0x02);
    savebuf_free(&sb);
    savebuf_init_read(&rb, bad, sizeof(bad));
    assert_int_equal(p92->type->load(p92, &rb, &err), -1);
    savebuf_init_read(&rb, bad, sizeof(bad));
    assert_int_equal(rcr->type->load(rcr, &rb, &err), -1);
    savebuf_init_read(&rb, bad, 1);
    assert_int_equal(rcr->type->load(rcr, &rb, &err), -1);
    device_destroy(p92);
    device_destroy(rcr);
}

/* ---- i8042 ---- */

#define KBD_DATA 0x60
#define KBD_CMD  0x64

static uint8_t kbd_status(TestMachine *t)
{
    return (uint8_t)in(t, KBD_CMD, 1);
}

/* Reads one byte, checking that one was there. */
static uint8_t kbd_read(TestMachine *t)
{
    assert_true(kbd_status(t) & 0x01);
    return (uint8_t)in(t, KBD_DATA, 1);
}

static void kbd_drain(TestMachine *t)
{
    for (int i = 0; i < 64 && (kbd_status(t) & 0x01); i++) {
        in(t, KBD_DATA, 1);
    }
    assert_int_equal(kbd_status(t) & 0x01, 0);
}

static void test_i8042_selftest(void **state)
{
    TestMachine *t = *state;
    Device *d = create(t, "i8042", NULL);

    assert_int_equal(kbd_status(t) & 0x01, 0);
    out(t, KBD_CMD, 0xaa, 1);
    assert_int_equal(kbd_status(t) & 0x0d, 0x0d);   /* OBF, SYS, CMD */
    assert_int_equal(kbd_read(t), 0x55);
    assert_int_equal(kbd_status(t) & 0x01, 0);
    out(t, KBD_CMD, 0xab, 1);
    assert_int_equal(kbd_read(t), 0x00);
    out(t, KBD_CMD, 0xa9, 1);
    assert_int_equal(kbd_read(t), 0x00);
    /* an empty buffer repeats the last byte, status unchanged */
    assert_int_equal(in(t, KBD_DATA, 1), 0x00);
    assert_int_equal(kbd_status(t) & 0x21, 0);
    device_destroy(d);
}

static void test_i8042_command_byte(void **state)
{
    TestMachine *t = *state;
    Device *d = create(t, "i8042", NULL);

    out(t, KBD_CMD, 0x20, 1);
    assert_int_equal(kbd_read(t), 0x03);
    out(t, KBD_CMD, 0x60, 1);
    out(t, KBD_DATA, 0x65, 1);
    assert_int_equal(kbd_status(t) & 0x08, 0);      /* last write: data */
    assert_int_equal(kbd_status(t) & 0x04, 0x04);   /* SYS from bit 2 */
    out(t, KBD_CMD, 0x20, 1);
    assert_int_equal(kbd_read(t), 0x65);
    /* disable/enable bits */
    out(t, KBD_CMD, 0xad, 1);
    out(t, KBD_CMD, 0xa7, 1);
    out(t, KBD_CMD, 0x20, 1);
    assert_int_equal(kbd_read(t), 0x75);
    out(t, KBD_CMD, 0xae, 1);
    out(t, KBD_CMD, 0xa8, 1);
    out(t, KBD_CMD, 0x20, 1);
    assert_int_equal(kbd_read(t), 0x45);
    /* controller RAM */
    out(t, KBD_CMD, 0x65, 1);
    out(t, KBD_DATA, 0x5a, 1);
    out(t, KBD_CMD, 0x25, 1);
    assert_int_equal(kbd_read(t), 0x5a);
    device_destroy(d);
}

static void test_i8042_output_port(void **state)
{
    TestMachine *t = *state;
    Device *d = create(t, "i8042", NULL);

    out(t, KBD_CMD, 0xd0, 1);
    assert_int_equal(kbd_read(t) & 0x03, 0x03);
    out(t, KBD_CMD, 0xd1, 1);
    out(t, KBD_DATA, 0xdd, 1);                      /* A20 off, no reset */
    assert_false(t->m.a20_enabled);
    assert_int_equal(atomic_load(&t->m.requests), 0);
    out(t, KBD_CMD, 0xd0, 1);
    assert_int_equal(kbd_read(t) & 0x03, 0x01);
    out(t, KBD_CMD, 0xd1, 1);
    out(t, KBD_DATA, 0xdf, 1);
    assert_true(t->m.a20_enabled);
    out(t, KBD_CMD, 0xdd, 1);
    assert_false(t->m.a20_enabled);
    out(t, KBD_CMD, 0xdf, 1);
    assert_true(t->m.a20_enabled);
    assert_int_equal(atomic_load(&t->m.requests), 0);
    /* bit 0 clear: reset */
    out(t, KBD_CMD, 0xd1, 1);
    out(t, KBD_DATA, 0xde, 1);
    assert_true(atomic_load(&t->m.requests) & MACHINE_REQ_RESET);
    clear_requests(t);
    /* pulse commands */
    out(t, KBD_CMD, 0xff, 1);
    assert_int_equal(atomic_load(&t->m.requests), 0);
    out(t, KBD_CMD, 0xfd, 1);
    assert_int_equal(atomic_load(&t->m.requests), 0);
    out(t, KBD_CMD, 0xfe, 1);
    assert_true(atomic_load(&t->m.requests) & MACHINE_REQ_RESET);
    clear_requests(t);
    out(t, KBD_CMD, 0xf0, 1);
    assert_true(atomic_load(&t->m.requests) & MACHINE_REQ_RESET);
    device_destroy(d);
}

static void test_i8042_keyboard(void **state)
{
    TestMachine *t = *state;
    Device *d = create(t, "i8042", NULL);

    out(t, KBD_DATA, 0xff, 1);
    assert_int_equal(kbd_read(t), 0xfa);
    assert_int_equal(kbd_read(t), 0xaa);
    assert_int_equal(kbd_status(t) & 0x01, 0);
    out(t, KBD_DATA, 0xf2, 1);
    assert_int_equal(kbd_read(t), 0xfa);
    assert_int_equal(kbd_read(t), 0xab);
    assert_int_equal(kbd_read(t), 0x83);
    out(t, KBD_DATA, 0xed, 1);
    assert_int_equal(kbd_read(t), 0xfa);
    out(t, KBD_DATA, 0x07, 1);
    assert_int_equal(kbd_read(t), 0xfa);
    out(t, KBD_DATA, 0xf3, 1);
    assert_int_equal(kbd_read(t), 0xfa);
    out(t, KBD_DATA, 0x20, 1);
    assert_int_equal(kbd_read(t), 0xfa);
    out(t, KBD_DATA, 0xee, 1);
    assert_int_equal(kbd_read(t), 0xee);
    out(t, KBD_DATA, 0xf5, 1);
    assert_int_equal(kbd_read(t), 0xfa);
    i8042_put_kbd(d, 0x1c);                          /* scanning off */
    assert_int_equal(kbd_status(t) & 0x01, 0);
    out(t, KBD_DATA, 0xf4, 1);
    assert_int_equal(kbd_read(t), 0xfa);
    i8042_put_kbd(d, 0x1c);
    assert_int_equal(kbd_read(t), 0x1c);
    out(t, KBD_DATA, 0x42, 1);                       /* unknown */
    assert_int_equal(kbd_read(t), 0xfe);
    out(t, KBD_DATA, 0xf0, 1);
    assert_int_equal(kbd_read(t), 0xfa);
    out(t, KBD_DATA, 0x00, 1);
    assert_int_equal(kbd_read(t), 0xfa);
    assert_int_equal(kbd_read(t), 0x02);
    /* the keyboard interface disabled holds keyboard bytes back */
    out(t, KBD_CMD, 0xad, 1);
    i8042_put_kbd(d, 0x2a);
    assert_int_equal(kbd_status(t) & 0x01, 0);
    out(t, KBD_CMD, 0xae, 1);
    assert_int_equal(kbd_read(t), 0x2a);
    device_destroy(d);
}

static void test_i8042_aux(void **state)
{
    TestMachine *t = *state;
    Device *d = create(t, "i8042", NULL);

    out(t, KBD_CMD, 0xd4, 1);
    out(t, KBD_DATA, 0xff, 1);
    assert_int_equal(kbd_status(t) & 0x21, 0x21);
    assert_int_equal(kbd_read(t), 0xfa);
    assert_int_equal(kbd_read(t), 0xaa);
    assert_int_equal(kbd_read(t), 0x00);
    out(t, KBD_CMD, 0xd4, 1);
    out(t, KBD_DATA, 0xf2, 1);
    assert_int_equal(kbd_read(t), 0xfa);
    assert_int_equal(kbd_read(t), 0x00);
    /* loopback writes to the output buffers */
    out(t, KBD_CMD, 0xd3, 1);
    out(t, KBD_DATA, 0x5a, 1);
    assert_int_equal(kbd_status(t) & 0x21, 0x21);
    assert_int_equal(kbd_read(t), 0x5a);
    out(t, KBD_CMD, 0xd2, 1);
    out(t, KBD_DATA, 0xa5, 1);
    assert_int_equal(kbd_status(t) & 0x21, 0x01);
    assert_int_equal(kbd_read(t), 0xa5);
    device_destroy(d);
}

static void test_i8042_irq(void **state)
{
    TestMachine *t = *state;
    Device *d = create(t, "i8042", NULL);

    assert_int_equal(t->level[1], 0);
    out(t, KBD_DATA, 0xee, 1);
    assert_int_equal(t->level[1], 1);
    assert_int_equal(t->level[12], 0);
    in(t, KBD_DATA, 1);
    assert_int_equal(t->level[1], 0);
    /* interrupts off in the command byte: no IRQ, data still there */
    out(t, KBD_CMD, 0x60, 1);
    out(t, KBD_DATA, 0x00, 1);
    out(t, KBD_DATA, 0xee, 1);
    assert_int_equal(t->level[1], 0);
    assert_true(kbd_status(t) & 0x01);
    /* enabling the interrupt with data waiting raises it */
    out(t, KBD_CMD, 0x60, 1);
    out(t, KBD_DATA, 0x01, 1);
    assert_int_equal(t->level[1], 1);
    kbd_drain(t);
    assert_int_equal(t->level[1], 0);
    /* aux data raises IRQ 12 */
    out(t, KBD_CMD, 0x60, 1);
    out(t, KBD_DATA, 0x03, 1);
    out(t, KBD_CMD, 0xd3, 1);
    out(t, KBD_DATA, 0x11, 1);
    assert_int_equal(t->level[12], 1);
    assert_int_equal(t->level[1], 0);
    kbd_drain(t);
    assert_int_equal(t->level[12], 0);
    /* several bytes: the line stays high until the queue is empty */
    out(t, KBD_DATA, 0xf2, 1);
    assert_int_equal(t->level[1], 1);
    in(t, KBD_DATA, 1);
    in(t, KBD_DATA, 1);
    assert_int_equal(t->level[1], 1);
    in(t, KBD_DATA, 1);
    assert_int_equal(t->level[1], 0);
    device_destroy(d);
}

/*
 * Regression (Linux's atkbd did not bind: the ID bytes after the ACK of
 * 0xF2 never interrupted): every byte raises IRQ 1 anew, so an
 * edge-triggered PIC sees one interrupt per byte.
 */
static void test_i8042_irq_edge_per_byte(void **state)
{
    TestMachine *t = *state;
    Device *d = create(t, "i8042", NULL);

    t->raises[1] = 0;
    out(t, KBD_DATA, 0xf2, 1);                       /* ACK, AB, 83 */
    assert_int_equal(t->raises[1], 1);
    assert_int_equal(in(t, KBD_DATA, 1), 0xfa);
    assert_int_equal(t->raises[1], 2);
    assert_int_equal(in(t, KBD_DATA, 1), 0xab);
    assert_int_equal(t->raises[1], 3);
    assert_int_equal(in(t, KBD_DATA, 1), 0x83);
    assert_int_equal(t->raises[1], 3);
    assert_int_equal(t->level[1], 0);
    device_destroy(d);
}

static void test_i8042_save_load(void **state)
{
    TestMachine *t = *state;
    Device *d = create(t, "i8042", NULL);
    SaveBuf sb, rb;
    Error err = { { 0 } };
    uint8_t *copy;

    out(t, KBD_CMD, 0x60, 1);
    out(t, KBD_DATA, 0x47, 1);
    out(t, KBD_DATA, 0xf2, 1);
    assert_int_equal(kbd_read(t), 0xfa);
    out(t, KBD_CMD, 0xd1, 1);                        /* pending data byte */
    savebuf_init(&sb);
    d->type->save(d, &sb);
    kbd_drain(t);
    out(t, KBD_CMD, 0xaa, 1);
    savebuf_init_read(&rb, sb.data, sb.len);
    assert_int_equal(d->type->load(d, &rb, &err), 0);
    assert_false(rb.error);
    assert_int_equal(t->level[1], 1);
    assert_int_equal(kbd_read(t), 0xab);
    assert_int_equal(kbd_read(t), 0x83);
    assert_int_equal(kbd_status(t) & 0x01, 0);
    out(t, KBD_DATA, 0x02, 1);                       /* the pending 0xd1 */
    assert_true(atomic_load(&t->m.requests) & MACHINE_REQ_RESET);
    clear_requests(t);
    out(t, KBD_CMD, 0x20, 1);
    assert_int_equal(kbd_read(t), 0x47);

    /* truncated and corrupted streams are refused */
    savebuf_init_read(&rb, sb.data, sb.len - 1);
    assert_int_equal(d->type->load(d, &rb, &err), -1);
    copy = xmalloc(sb.len);
    for (size_t i = 0; i < sb.len; i++) {
        memcpy(copy, sb.data, sb.len);
        copy[i] = 0xff;
        savebuf_init_read(&rb, copy, sb.len);
        /* either accepted or refused, never a crash; key fields refused */
        int r = d->type->load(d, &rb, &err);
        if (i == 0) {
            assert_int_equal(r, -1);
        }
    }
    memcpy(copy, sb.data, sb.len);
    copy[1 + 32 + 2] = 0x42;                         /* pending command */
    savebuf_init_read(&rb, copy, sb.len);
    assert_int_equal(d->type->load(d, &rb, &err), -1);
    free(copy);
    savebuf_free(&sb);
    device_destroy(d);
}

static void test_i8042_garbage(void **state)
{
    TestMachine *t = *state;
    Device *d = create(t, "i8042", NULL);
    uint32_t x = 12345;

    for (int i = 0; i < 20000; i++) {
        x = x * 1103515245 + 12345;
        uint8_t v = (uint8_t)(x >> 16);
        uint16_t port = (x >> 8) & 1 ? KBD_CMD : KBD_DATA;
        if ((x >> 24) & 1) {
            out(t, port, v, 1 << ((x >> 4) & 3));
        } else {
            in(t, port, 1 << ((x >> 4) & 3));
        }
        i8042_put_kbd(d, v);
        i8042_put_aux(d, v);
    }
    clear_requests(t);
    t->m.a20_enabled = true;
    device_reset_tree(d);
    out(t, KBD_CMD, 0xaa, 1);
    assert_int_equal(kbd_read(t), 0x55);
    device_destroy(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_debugexit_status, setup, teardown),
        cmocka_unit_test_setup_teardown(test_debugexit_default_port, setup, teardown),
        cmocka_unit_test_setup_teardown(test_debugexit_bad_props, setup, teardown),
        cmocka_unit_test_setup_teardown(test_port92, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reset_control, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reset_devices_save_load, setup, teardown),
        cmocka_unit_test_setup_teardown(test_i8042_selftest, setup, teardown),
        cmocka_unit_test_setup_teardown(test_i8042_command_byte, setup, teardown),
        cmocka_unit_test_setup_teardown(test_i8042_output_port, setup, teardown),
        cmocka_unit_test_setup_teardown(test_i8042_keyboard, setup, teardown),
        cmocka_unit_test_setup_teardown(test_i8042_aux, setup, teardown),
        cmocka_unit_test_setup_teardown(test_i8042_irq, setup, teardown),
        cmocka_unit_test_setup_teardown(test_i8042_irq_edge_per_byte, setup, teardown),
        cmocka_unit_test_setup_teardown(test_i8042_save_load, setup, teardown),
        cmocka_unit_test_setup_teardown(test_i8042_garbage, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
