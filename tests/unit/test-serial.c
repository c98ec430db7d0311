/*
 * Unit tests for the 16550A UART: registers, DLAB, output, input and the
 * IRQ line, FIFO trigger levels and timeout, interrupt priorities, THRE
 * rules, loopback, overrun, break, save/load, and any value written to
 * any register.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hw/char/serial.h"
#include "hw/pc/pc.h"

#define BASE 0x3f8

typedef struct TestMachine {
    Machine m;
    Device *dev;
    char path[64];
    int level;
    int irq_changes;
} TestMachine;

static void record_irq(void *opaque, int n, int level)
{
    TestMachine *t = opaque;
    assert_int_equal(n, 4);
    if (level != t->level) {
        t->irq_changes++;
    }
    t->level = level;
}

static int setup(void **state)
{
    TestMachine *t = xzalloc(sizeof(*t));
    Machine *m = &t->m;
    char *spec;
    Error err;
    int fd;

    pthread_mutex_init(&m->lock, NULL);
    log_init(&m->log);
    timerlist_init(&m->timers);
    clock_pause(&m->timers);     /* virtual time moves only in advance_ns */
    assert_int_equal(machine_init_memory(m, 16 << 20, NULL), 0);
    m->gsi[4] = (IrqLine){ .handler = record_irq, .opaque = t, .n = 4 };
    snprintf(t->path, sizeof(t->path), "/tmp/kite-test-serial-XXXXXX");
    fd = mkstemp(t->path);
    assert_true(fd >= 0);
    close(fd);
    spec = xasprintf("file:%s", t->path);
    assert_int_equal(chardev_open(&m->serial_chr, spec, &err), 0);
    free(spec);
    m->serial_chr.mux = true;    /* so tests can send Ctrl-A b */
    t->dev = device_create(m, "isa-serial", NULL, "iobase=0x3f8", &err);
    assert_non_null(t->dev);
    *state = t;
    return 0;
}

static int teardown(void **state)
{
    TestMachine *t = *state;

    device_destroy(t->dev);
    chardev_close(&t->m.serial_chr);
    machine_destroy_memory(&t->m);
    unlink(t->path);
    free(t);
    return 0;
}

static uint8_t rd(TestMachine *t, unsigned reg)
{
    return (uint8_t)address_space_ld(&t->m.io, BASE + reg, 1);
}

static void wr(TestMachine *t, unsigned reg, uint8_t v)
{
    address_space_st(&t->m.io, BASE + reg, v, 1);
}

static void feed(TestMachine *t, const char *s)
{
    chardev_feed(&t->m.serial_chr, (const uint8_t *)s, strlen(s));
}

static size_t output(TestMachine *t, char *buf, size_t cap)
{
    FILE *f = fopen(t->path, "rb");
    size_t n = fread(buf, 1, cap - 1, f);
    buf[n] = '\0';
    fclose(f);
    return n;
}

/* Advances the (paused) virtual clock and runs due timers. */
static void advance_ns(TestMachine *t, int64_t ns)
{
    clock_pause(&t->m.timers);
    t->m.timers.start_ns -= ns;
    timerlist_run(&t->m.timers);
}

static SerialState *uart(TestMachine *t)
{
    return container_of(t->dev, SerialState, dev);
}

static void test_reset_values(void **state)
{
    TestMachine *t = *state;

    assert_int_equal(rd(t, UART_IER), 0);
    assert_int_equal(rd(t, UART_IIR), 0x01);
    assert_int_equal(rd(t, UART_LCR), 0);
    assert_int_equal(rd(t, UART_MCR), 0);
    assert_int_equal(rd(t, UART_LSR), 0x60);
    assert_int_equal(rd(t, UART_MSR), 0xb0);
    assert_int_equal(rd(t, UART_SCR), 0);
    assert_int_equal(t->level, 0);
    /* reset puts everything back */
    wr(t, UART_SCR, 0x55);
    wr(t, UART_IER, 0x0f);
    wr(t, UART_FCR, 0x07);
    device_reset_tree(t->dev);
    assert_int_equal(rd(t, UART_SCR), 0);
    assert_int_equal(rd(t, UART_IER), 0);
    assert_int_equal(rd(t, UART_IIR), 0x01);
}

static void test_register_rw(void **state)
{
    TestMachine *t = *state;

    for (unsigned v = 0; v < 256; v++) {
        wr(t, UART_SCR, (uint8_t)v);
        assert_int_equal(rd(t, UART_SCR), v);
    }
    wr(t, UART_IER, 0xff);
    assert_int_equal(rd(t, UART_IER), 0x0f);
    wr(t, UART_IER, 0);
    wr(t, UART_MCR, 0xff);
    assert_int_equal(rd(t, UART_MCR), 0x1f);
    wr(t, UART_MCR, 0x0b);
    assert_int_equal(rd(t, UART_MCR), 0x0b);
    wr(t, UART_LCR, 0x1b);
    assert_int_equal(rd(t, UART_LCR), 0x1b);
    rd(t, UART_MSR);             /* clear deltas from the loopback trip */
    /* LSR and MSR are read-only */
    wr(t, UART_LSR, 0x00);
    assert_int_equal(rd(t, UART_LSR) & 0x60, 0x60);
    wr(t, UART_MSR, 0x00);
    assert_int_equal(rd(t, UART_MSR), 0xb0);
}

static void test_dlab(void **state)
{
    TestMachine *t = *state;
    char out[16];

    wr(t, UART_IER, 0x05);
    wr(t, UART_LCR, 0x83);
    wr(t, UART_DLL, 0x01);
    wr(t, UART_DLM, 0x02);
    assert_int_equal(rd(t, UART_DLL), 0x01);
    assert_int_equal(rd(t, UART_DLM), 0x02);
    assert_int_equal(uart(t)->divisor, 0x0201);
    wr(t, UART_LCR, 0x03);
    assert_int_equal(rd(t, UART_IER), 0x05);
    /* with DLAB set, offset 0 is the divisor, not THR */
    wr(t, UART_LCR, 0x83);
    wr(t, UART_THR, 'x');
    wr(t, UART_LCR, 0x03);
    assert_int_equal(output(t, out, sizeof(out)), 0);
    assert_int_equal(uart(t)->divisor, 0x0278);
}

static void test_thr_output(void **state)
{
    TestMachine *t = *state;
    const char *msg = "Hello, COM1!\r\n";
    char out[64];

    for (const char *p = msg; *p; p++) {
        wr(t, UART_THR, (uint8_t)*p);
        assert_int_equal(rd(t, UART_LSR) & 0x60, 0x60);
    }
    assert_int_equal(output(t, out, sizeof(out)), strlen(msg));
    assert_string_equal(out, msg);
    /* FIFO mode too */
    wr(t, UART_FCR, 0x07);
    wr(t, UART_THR, '!');
    output(t, out, sizeof(out));
    assert_int_equal(out[strlen(msg)], '!');
    /* while a break is being sent, nothing reaches the line */
    wr(t, UART_LCR, 0x43);
    wr(t, UART_THR, '?');
    wr(t, UART_LCR, 0x03);
    assert_int_equal(output(t, out, sizeof(out)), strlen(msg) + 1);
}

static void test_rx_and_irq(void **state)
{
    TestMachine *t = *state;

    wr(t, UART_IER, UART_IER_RDI);
    feed(t, "a");
    assert_int_equal(rd(t, UART_LSR) & UART_LSR_DR, UART_LSR_DR);
    assert_int_equal(rd(t, UART_IIR), 0x04);
    assert_int_equal(t->level, 0);       /* OUT2 clear: line gated */
    wr(t, UART_MCR, UART_MCR_OUT2);
    assert_int_equal(t->level, 1);
    assert_int_equal(rd(t, UART_RBR), 'a');
    assert_int_equal(t->level, 0);
    assert_int_equal(rd(t, UART_IIR), 0x01);
    assert_int_equal(rd(t, UART_LSR) & UART_LSR_DR, 0);
    /* 16450 mode holds one byte; the rest waits in the chardev */
    feed(t, "xyz");
    assert_int_equal(t->level, 1);
    assert_int_equal(t->m.serial_chr.npending, 2);
    assert_int_equal(rd(t, UART_RBR), 'x');
    assert_int_equal(t->level, 1);       /* 'y' arrived at once */
    assert_int_equal(rd(t, UART_RBR), 'y');
    assert_int_equal(rd(t, UART_RBR), 'z');
    assert_int_equal(t->level, 0);
    assert_int_equal(rd(t, UART_LSR) & UART_LSR_OE, 0);
    /* IER off: no interrupt, but DR still shows */
    wr(t, UART_IER, 0);
    feed(t, "q");
    assert_int_equal(t->level, 0);
    assert_int_equal(rd(t, UART_LSR) & UART_LSR_DR, UART_LSR_DR);
    wr(t, UART_IER, UART_IER_RDI);
    assert_int_equal(t->level, 1);
    wr(t, UART_MCR, 0);
    assert_int_equal(t->level, 0);
}

static void test_fifo_trigger_levels(void **state)
{
    TestMachine *t = *state;
    static const struct { uint8_t fcr; unsigned level; } cases[] = {
        { 0x01, 1 }, { 0x41, 4 }, { 0x81, 8 }, { 0xc1, 14 },
    };

    wr(t, UART_IER, UART_IER_RDI);
    wr(t, UART_MCR, UART_MCR_OUT2);
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        unsigned lvl = cases[i].level;
        wr(t, UART_FCR, cases[i].fcr | UART_FCR_CLR_RX);
        assert_int_equal(rd(t, UART_IIR), 0xc1);
        for (unsigned n = 1; n < lvl; n++) {
            feed(t, "d");
        }
        assert_int_equal(rd(t, UART_IIR), 0xc1);
        assert_int_equal(t->level, 0);
        feed(t, "e");
        assert_int_equal(rd(t, UART_IIR), 0xc4);
        assert_int_equal(t->level, 1);
        /* reading one byte drops below the trigger */
        rd(t, UART_RBR);
        assert_int_equal(rd(t, UART_IIR), 0xc1);
        assert_int_equal(t->level, 0);
    }
    /* the FIFO holds 16 bytes, the rest waits in the chardev */
    wr(t, UART_FCR, 0xc7);
    feed(t, "0123456789abcdefGHIJ");
    assert_int_equal(uart(t)->rx.count, 16);
    assert_int_equal(t->m.serial_chr.npending, 4);
    for (int i = 0; i < 20; i++) {
        assert_int_equal(rd(t, UART_RBR), "0123456789abcdefGHIJ"[i]);
    }
    assert_int_equal(rd(t, UART_LSR) & (UART_LSR_DR | UART_LSR_OE), 0);
    /* FCR reset bits empty the FIFO; disabling FIFOs empties it too */
    feed(t, "abc");
    wr(t, UART_FCR, 0xc3);
    assert_int_equal(rd(t, UART_LSR) & UART_LSR_DR, 0);
    feed(t, "abc");
    wr(t, UART_FCR, 0x00);
    assert_int_equal(rd(t, UART_LSR) & UART_LSR_DR, 0);
    assert_int_equal(rd(t, UART_IIR), 0x01);
    feed(t, "ab");               /* 16450 mode: one byte at a time */
    assert_int_equal(rd(t, UART_IIR), 0x04);
    assert_int_equal(rd(t, UART_RBR), 'a');
    assert_int_equal(rd(t, UART_RBR), 'b');
    /* trigger bits are not programmed unless FCR0 is set */
    wr(t, UART_FCR, 0xc0);
    assert_int_equal(uart(t)->fcr, 0);
}

static void test_char_timeout(void **state)
{
    TestMachine *t = *state;
    int64_t char_ns;

    wr(t, UART_LCR, 0x83);
    wr(t, UART_DLL, 1);          /* 115200 baud */
    wr(t, UART_DLM, 0);
    wr(t, UART_LCR, 0x03);       /* 8N1: 10 bits */
    char_ns = uart(t)->char_ns;
    assert_true(char_ns > 86000 && char_ns < 87000);
    wr(t, UART_FCR, 0xc7);
    wr(t, UART_IER, UART_IER_RDI);
    wr(t, UART_MCR, UART_MCR_OUT2);
    feed(t, "ab");
    advance_ns(t, 3 * char_ns);
    assert_int_equal(rd(t, UART_IIR), 0xc1);
    advance_ns(t, char_ns + 1000);
    assert_int_equal(rd(t, UART_IIR), 0xcc);
    assert_int_equal(t->level, 1);
    /* reading clears it and restarts the timer while data remains */
    assert_int_equal(rd(t, UART_RBR), 'a');
    assert_int_equal(rd(t, UART_IIR), 0xc1);
    assert_int_equal(t->level, 0);
    advance_ns(t, 4 * char_ns + 1000);
    assert_int_equal(rd(t, UART_IIR), 0xcc);
    assert_int_equal(rd(t, UART_RBR), 'b');
    advance_ns(t, 10 * char_ns);
    assert_int_equal(rd(t, UART_IIR), 0xc1);
    /* divisor 0: no timeout at all */
    wr(t, UART_LCR, 0x83);
    wr(t, UART_DLL, 0);
    wr(t, UART_LCR, 0x03);
    feed(t, "c");
    advance_ns(t, 1000000000);
    assert_int_equal(rd(t, UART_IIR), 0xc1);
    /* 16450 mode has no timeout */
    wr(t, UART_FCR, 0);
    wr(t, UART_LCR, 0x83);
    wr(t, UART_DLL, 1);
    wr(t, UART_LCR, 0x03);
    feed(t, "d");
    advance_ns(t, 1000000000);
    assert_int_equal(rd(t, UART_IIR), 0x04);
}

static void test_char_time_formats(void **state)
{
    TestMachine *t = *state;
    int64_t n8n1, n5n15, n8e2;

    wr(t, UART_LCR, 0x80);
    wr(t, UART_DLL, 12);
    wr(t, UART_LCR, 0x03);
    n8n1 = uart(t)->char_ns;     /* 10 bits at 9600 baud */
    wr(t, UART_LCR, 0x04);
    n5n15 = uart(t)->char_ns;    /* 1 + 5 + 1.5 bits */
    wr(t, UART_LCR, 0x1f);
    n8e2 = uart(t)->char_ns;     /* 1 + 8 + 1 + 2 bits */
    assert_true(n8n1 > 1041000 && n8n1 < 1042000);
    assert_int_equal(n5n15 * 10 / 75, n8n1 / 10);
    assert_int_equal(n8e2 / 12, n8n1 / 10);
}

static void test_iir_priorities(void **state)
{
    TestMachine *t = *state;

    /* loopback: drop CTS/DSR/DCD (modem status) and overrun via TX */
    wr(t, UART_IER, 0x0f);
    assert_int_equal(rd(t, UART_IIR), 0x02);     /* THRE, then cleared */
    wr(t, UART_MCR, UART_MCR_LOOP | UART_MCR_OUT2);
    wr(t, UART_THR, 'A');
    wr(t, UART_THR, 'B');                        /* overruns RBR */
    assert_int_equal(t->level, 0);               /* loopback gates INTR */
    assert_int_equal(rd(t, UART_IIR), 0x06);     /* line status */
    assert_int_equal(rd(t, UART_LSR) & 0x03, 0x03);
    assert_int_equal(rd(t, UART_IIR), 0x04);     /* received data */
    assert_int_equal(rd(t, UART_RBR), 'B');
    assert_int_equal(rd(t, UART_IIR), 0x02);     /* THRE */
    assert_int_equal(rd(t, UART_IIR), 0x00);     /* modem status */
    assert_int_equal(rd(t, UART_MSR) & UART_MSR_DELTAS,
                     UART_MSR_DCTS | UART_MSR_DDSR);
    assert_int_equal(rd(t, UART_IIR), 0x01);
    /* the same with the FIFOs on sets IIR bits 6-7 */
    wr(t, UART_FCR, 0x01);
    for (int i = 0; i < 17; i++) {
        wr(t, UART_THR, (uint8_t)('a' + i));
    }
    assert_int_equal(rd(t, UART_IIR), 0xc6);
    rd(t, UART_LSR);
    assert_int_equal(rd(t, UART_IIR), 0xc4);
    /* timeout outranks THRE */
    for (int i = 0; i < 15; i++) {
        rd(t, UART_RBR);
    }
    advance_ns(t, 100000000);
    assert_int_equal(rd(t, UART_IIR), 0xcc);
}

static void test_thre_rules(void **state)
{
    TestMachine *t = *state;

    wr(t, UART_MCR, UART_MCR_OUT2);
    assert_int_equal(rd(t, UART_IIR), 0x01);     /* not set at reset */
    wr(t, UART_IER, UART_IER_THRI);              /* 0 -> 1 with THR empty */
    assert_int_equal(t->level, 1);
    assert_int_equal(rd(t, UART_IIR), 0x02);     /* read clears it */
    assert_int_equal(t->level, 0);
    assert_int_equal(rd(t, UART_IIR), 0x01);
    wr(t, UART_IER, UART_IER_THRI);              /* already set: no change */
    assert_int_equal(rd(t, UART_IIR), 0x01);
    wr(t, UART_THR, 'x');                        /* THR empties again */
    assert_int_equal(t->level, 1);
    wr(t, UART_IER, 0);                          /* masked */
    assert_int_equal(t->level, 0);
    wr(t, UART_IER, UART_IER_THRI);
    assert_int_equal(t->level, 1);
    /* a THR write clears the pending condition before raising it anew */
    wr(t, UART_THR, 'y');
    assert_int_equal(rd(t, UART_IIR), 0x02);
    assert_int_equal(t->level, 0);
    /* an IIR read reporting another source leaves THRE pending */
    wr(t, UART_THR, 'z');
    wr(t, UART_IER, UART_IER_THRI | UART_IER_RDI);
    feed(t, "r");
    assert_int_equal(rd(t, UART_IIR), 0x04);
    assert_int_equal(rd(t, UART_RBR), 'r');
    assert_int_equal(rd(t, UART_IIR), 0x02);
    assert_int_equal(rd(t, UART_IIR), 0x01);
}

static void test_loopback(void **state)
{
    TestMachine *t = *state;
    char out[16];

    wr(t, UART_MCR, UART_MCR_LOOP);
    /* CTS, DSR, DCD drop: deltas */
    assert_int_equal(rd(t, UART_MSR), UART_MSR_DCTS | UART_MSR_DDSR |
                     UART_MSR_DDCD);
    wr(t, UART_MCR, UART_MCR_LOOP | 0x0f);
    assert_int_equal(rd(t, UART_MSR), 0xf0 | UART_MSR_DCTS | UART_MSR_DDSR |
                     UART_MSR_DDCD);
    assert_int_equal(rd(t, UART_MSR), 0xf0);
    /* RI trailing edge sets TERI; leading edge does not */
    wr(t, UART_MCR, UART_MCR_LOOP | 0x0b);
    assert_int_equal(rd(t, UART_MSR), 0xb0 | UART_MSR_TERI);
    wr(t, UART_MCR, UART_MCR_LOOP | 0x0f);
    assert_int_equal(rd(t, UART_MSR), 0xf0);
    /* each output drives its own input */
    wr(t, UART_MCR, UART_MCR_LOOP | UART_MCR_RTS);
    assert_int_equal(rd(t, UART_MSR) & 0xf0, UART_MSR_CTS);
    wr(t, UART_MCR, UART_MCR_LOOP | UART_MCR_DTR);
    assert_int_equal(rd(t, UART_MSR) & 0xf0, UART_MSR_DSR);
    wr(t, UART_MCR, UART_MCR_LOOP | UART_MCR_OUT2);
    assert_int_equal(rd(t, UART_MSR) & 0xf0, UART_MSR_DCD);
    /* TX comes back as RX and does not reach the chardev */
    wr(t, UART_THR, 'L');
    assert_int_equal(rd(t, UART_LSR) & 0x61, 0x61);
    assert_int_equal(rd(t, UART_RBR), 'L');
    assert_int_equal(output(t, out, sizeof(out)), 0);
    /* host input waits while the receiver is disconnected */
    feed(t, "h");
    assert_int_equal(rd(t, UART_LSR) & UART_LSR_DR, 0);
    wr(t, UART_MCR, 0);          /* DCD was already up through OUT2 */
    assert_int_equal(rd(t, UART_MSR), 0xb0 | UART_MSR_DCTS | UART_MSR_DDSR);
    assert_int_equal(rd(t, UART_LSR) & UART_LSR_DR, UART_LSR_DR);
    assert_int_equal(rd(t, UART_RBR), 'h');
}

static void test_overrun(void **state)
{
    TestMachine *t = *state;

    wr(t, UART_IER, UART_IER_RLSI);
    wr(t, UART_MCR, UART_MCR_OUT2 | UART_MCR_LOOP);
    wr(t, UART_FCR, 0x01);
    for (int i = 0; i < 18; i++) {
        wr(t, UART_THR, (uint8_t)('A' + i));
    }
    assert_int_equal(uart(t)->rx.count, 16);
    assert_int_equal(rd(t, UART_IIR), 0xc6);
    assert_int_equal(rd(t, UART_LSR) & 0x9f, UART_LSR_OE | UART_LSR_DR);
    assert_int_equal(rd(t, UART_LSR) & UART_LSR_OE, 0);    /* read clears */
    assert_int_equal(rd(t, UART_IIR), 0xc1);
    /* the FIFO kept the first 16; the later ones were lost */
    for (int i = 0; i < 16; i++) {
        assert_int_equal(rd(t, UART_RBR), 'A' + i);
    }
    assert_int_equal(rd(t, UART_LSR) & UART_LSR_DR, 0);
    /* in 16450 mode the newest byte replaces RBR */
    wr(t, UART_FCR, 0x00);
    wr(t, UART_THR, '1');
    wr(t, UART_THR, '2');
    assert_int_equal(rd(t, UART_LSR) & 0x03, 0x03);
    assert_int_equal(rd(t, UART_RBR), '2');
    /* the line shows the error once OUT2 routes it out of loopback */
    wr(t, UART_THR, '3');
    wr(t, UART_THR, '4');
    wr(t, UART_MCR, UART_MCR_OUT2);
    assert_int_equal(t->level, 1);
    rd(t, UART_LSR);
    assert_int_equal(t->level, 0);
}

static void test_break(void **state)
{
    TestMachine *t = *state;
    uint8_t lsr;

    wr(t, UART_IER, UART_IER_RLSI | UART_IER_RDI);
    wr(t, UART_MCR, UART_MCR_OUT2);
    wr(t, UART_FCR, 0xc1);                       /* trigger 14 */
    feed(t, "a\001bc");                          /* 'a', break, 'c' */
    assert_int_equal(uart(t)->rx.count, 3);
    lsr = rd(t, UART_LSR);                       /* break not at top yet */
    assert_int_equal(lsr & (UART_LSR_BI | UART_LSR_FIFOE | UART_LSR_DR),
                     UART_LSR_FIFOE | UART_LSR_DR);
    assert_int_equal(rd(t, UART_RBR), 'a');
    assert_int_equal(rd(t, UART_IIR), 0xc6);     /* break reached the top */
    assert_int_equal(t->level, 1);
    lsr = rd(t, UART_LSR);
    assert_int_equal(lsr & (UART_LSR_BI | UART_LSR_FIFOE),
                     UART_LSR_BI | UART_LSR_FIFOE);
    assert_int_equal(rd(t, UART_RBR), 0);
    /* LSR7 is cleared by the first LSR read with no error left */
    lsr = rd(t, UART_LSR);
    assert_int_equal(lsr & (UART_LSR_BI | UART_LSR_FIFOE), UART_LSR_FIFOE);
    lsr = rd(t, UART_LSR);
    assert_int_equal(lsr & (UART_LSR_BI | UART_LSR_FIFOE), 0);
    assert_int_equal(rd(t, UART_RBR), 'c');
    /* 16450 mode: BI at once, never the FIFO error bit */
    wr(t, UART_FCR, 0);
    feed(t, "\001b");
    lsr = rd(t, UART_LSR);
    assert_int_equal(lsr & 0x9f, UART_LSR_BI | UART_LSR_DR);
}

static void test_msr_deltas(void **state)
{
    TestMachine *t = *state;

    wr(t, UART_IER, UART_IER_MSI);
    wr(t, UART_MCR, UART_MCR_OUT2);
    assert_int_equal(t->level, 0);
    wr(t, UART_MCR, UART_MCR_OUT2 | UART_MCR_LOOP);
    assert_int_equal(rd(t, UART_IIR), 0x00);
    assert_int_equal(rd(t, UART_MSR) & UART_MSR_DELTAS, 0x03);
    assert_int_equal(rd(t, UART_MSR) & UART_MSR_DELTAS, 0);
    assert_int_equal(rd(t, UART_IIR), 0x01);
    wr(t, UART_MCR, UART_MCR_OUT2);              /* back: inputs rise */
    assert_int_equal(t->level, 1);
    assert_int_equal(rd(t, UART_MSR), 0xb0 | 0x03);
    assert_int_equal(t->level, 0);
}

/* Puts the UART in a state where most fields are not at reset value. */
static void make_busy_state(TestMachine *t)
{
    wr(t, UART_LCR, 0x80);
    wr(t, UART_DLL, 0x34);
    wr(t, UART_DLM, 0x12);
    wr(t, UART_LCR, 0x1b);
    wr(t, UART_SCR, 0xa5);
    wr(t, UART_FCR, 0x81);
    wr(t, UART_IER, 0x0b);
    wr(t, UART_MCR, 0x0b);
    feed(t, "xyz\001b");
}

static void snapshot_regs(TestMachine *t, uint8_t regs[16])
{
    SerialState *s = uart(t);
    regs[0] = s->ier;
    regs[1] = s->lcr;
    regs[2] = s->mcr;
    regs[3] = s->lsr;
    regs[4] = s->msr;
    regs[5] = s->scr;
    regs[6] = s->fcr;
    regs[7] = (uint8_t)s->divisor;
    regs[8] = s->divisor >> 8;
    regs[9] = s->rx.count;
    regs[10] = s->thr_ipending;
    regs[11] = s->fifo_error;
    regs[12] = (uint8_t)t->level;
    regs[13] = s->rx.data[0];
    regs[14] = s->rx.data[3];
    regs[15] = s->rx.brk[3];
}

static void test_save_load(void **state)
{
    TestMachine *t = *state;
    uint8_t before[16], after[16];
    SaveBuf s, r;
    Error err;

    make_busy_state(t);
    snapshot_regs(t, before);
    assert_int_equal(before[12], 1);
    savebuf_init(&s);
    t->dev->type->save(t->dev, &s);
    device_reset_tree(t->dev);
    assert_int_equal(t->level, 0);
    savebuf_init_read(&r, s.data, s.len);
    assert_int_equal(t->dev->type->load(t->dev, &r, &err), 0);
    t->dev->type->post_load(t->dev);         /* drives the line */
    assert_false(r.error);
    assert_int_equal(r.pos, s.len);
    snapshot_regs(t, after);
    assert_memory_equal(before, after, sizeof(before));
    assert_int_equal(t->level, 1);
    assert_int_equal(rd(t, UART_RBR), 'x');
    assert_int_equal(rd(t, UART_RBR), 'y');
    assert_int_equal(rd(t, UART_RBR), 'z');
    /* the whole-tree path works too */
    savebuf_free(&s);
    savebuf_init(&s);
    device_tree_save(t->dev, &s);
    savebuf_init_read(&r, s.data, s.len);
    assert_int_equal(device_tree_load(t->dev, &r, &err), 0);
    savebuf_free(&s);
}

static void test_load_rejects_bad_state(void **state)
{
    TestMachine *t = *state;
    uint8_t before[16], after[16];
    SaveBuf s, r;
    Error err;
    size_t count_off;

    make_busy_state(t);
    savebuf_init(&s);
    t->dev->type->save(t->dev, &s);
    snapshot_regs(t, before);
    /* every truncation is refused and leaves the device alone */
    for (size_t len = 0; len < s.len; len++) {
        savebuf_init_read(&r, s.data, len);
        assert_int_equal(t->dev->type->load(t->dev, &r, &err), -1);
    }
    snapshot_regs(t, after);
    assert_memory_equal(before, after, sizeof(before));
    /* layout: version, 9 registers, divisor, 4 flags, rx count */
    count_off = 1 + 9 + 2 + 4;
    assert_int_equal(s.data[count_off], 4);
    static const struct { size_t off; uint8_t val; } bad[] = {
        { 0, 2 },                /* version */
        { 1, 0x10 },             /* IER reserved bits */
        { 3, 0x20 },             /* MCR reserved bits */
        { 4, 0x60 },             /* LSR DR clear with data in the FIFO */
        { 4, 0xe1 },             /* LSR FIFO error bit stored */
        { 5, 0x00 },             /* MSR inputs not matching MCR */
        { 7, 0x02 },             /* FCR reserved bit */
        { 12, 2 },               /* bool out of range */
        { 16, 17 },              /* RX count > 16 */
        { 16, 255 },
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        uint8_t *copy = xmalloc(s.len);
        memcpy(copy, s.data, s.len);
        copy[bad[i].off] = bad[i].val;
        savebuf_init_read(&r, copy, s.len);
        err.msg[0] = '\0';
        assert_int_equal(t->dev->type->load(t->dev, &r, &err), -1);
        assert_non_null(strstr(err.msg, "isa-serial"));
        free(copy);
    }
    /* TX count > 16 (last FIFO) */
    {
        uint8_t *copy = xmalloc(s.len);
        memcpy(copy, s.data, s.len);
        copy[s.len - 8 - 2 * SERIAL_FIFO_SIZE - 1] = 17;  /* before timeout */
        savebuf_init_read(&r, copy, s.len);
        assert_int_equal(t->dev->type->load(t->dev, &r, &err), -1);
        free(copy);
    }
    snapshot_regs(t, after);
    assert_memory_equal(before, after, sizeof(before));
    savebuf_free(&s);
}

static void check_invariants(TestMachine *t)
{
    SerialState *s = uart(t);

    assert_true(s->rx.count <= SERIAL_FIFO_SIZE);
    assert_true(s->tx.count <= SERIAL_FIFO_SIZE);
    assert_true(s->rx.count <= (s->fcr & 1 ? SERIAL_FIFO_SIZE : 1));
    assert_int_equal(!!(s->lsr & UART_LSR_DR), s->rx.count > 0);
    assert_true(t->level == 0 || t->level == 1);
}

static void test_every_value_every_register(void **state)
{
    TestMachine *t = *state;

    for (unsigned lcr_dlab = 0; lcr_dlab < 2; lcr_dlab++) {
        for (unsigned reg = 0; reg < 8; reg++) {
            for (unsigned v = 0; v < 256; v++) {
                wr(t, UART_LCR, lcr_dlab ? 0x83 : 0x03);
                wr(t, reg, (uint8_t)v);
                for (unsigned r = 0; r < 8; r++) {
                    rd(t, r);
                }
                feed(t, "k");
                check_invariants(t);
            }
        }
    }
    /* wider accesses are split into bytes */
    address_space_st(&t->m.io, BASE, 0xffffffff, 4);
    address_space_ld(&t->m.io, BASE + 4, 4);
    address_space_st(&t->m.io, BASE + 6, 0x1234, 2);
    advance_ns(t, 1000000000);
    check_invariants(t);
}

static void test_random_accesses(void **state)
{
    TestMachine *t = *state;
    uint32_t x = 12345;

    for (int i = 0; i < 200000; i++) {
        x = x * 1103515245 + 12345;
        unsigned reg = (x >> 8) & 7, v = (x >> 16) & 0xff;
        switch ((x >> 28) & 3) {
        case 0: wr(t, reg, (uint8_t)v); break;
        case 1: rd(t, reg); break;
        case 2: feed(t, (x >> 27) & 1 ? "\001b" : "z"); break;
        case 3: advance_ns(t, v * 10000); break;
        }
        check_invariants(t);
    }
}

static void test_bad_props(void **state)
{
    TestMachine *t = *state;
    Error err;

    assert_null(device_create(&t->m, "isa-serial", NULL, "irq=24", &err));
    assert_non_null(strstr(err.msg, "irq"));
    assert_null(device_create(&t->m, "isa-serial", NULL, "iobase=0xfffc", &err));
    assert_null(device_create(&t->m, "isa-serial", NULL, "bogus=1", &err));
    /* a second UART without the backend: output discarded */
    Device *com2 = device_create(&t->m, "isa-serial", NULL,
                                 "iobase=0x2f8,irq=3,index=1", &err);
    assert_non_null(com2);
    address_space_st(&t->m.io, 0x2f8, 'Q', 1);
    assert_int_equal(address_space_ld(&t->m.io, 0x2fd, 1) & 0x60, 0x60);
    device_destroy(com2);
    assert_int_equal(address_space_ld(&t->m.io, 0x2fd, 1), 0xff);
    /* COM1 still owns the backend */
    feed(t, "w");
    assert_int_equal(rd(t, UART_RBR), 'w');
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_reset_values),
        T(test_register_rw),
        T(test_dlab),
        T(test_thr_output),
        T(test_rx_and_irq),
        T(test_fifo_trigger_levels),
        T(test_char_timeout),
        T(test_char_time_formats),
        T(test_iir_priorities),
        T(test_thre_rules),
        T(test_loopback),
        T(test_overrun),
        T(test_break),
        T(test_msr_deltas),
        T(test_save_load),
        T(test_load_rejects_bad_state),
        T(test_every_value_every_register),
        T(test_random_accesses),
        T(test_bad_props),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
