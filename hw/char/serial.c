/*
 * 16550A UART ("isa-serial"), following the National/TI PC16550D data
 * sheet (register descriptions, interrupt priority table, FIFO operation).
 *
 * Model:
 * - RX FIFO of 16 bytes (one slot in 16450 mode, FCR0 = 0); each byte
 *   carries a break flag, revealed in LSR BI when it reaches the top.
 *   Overrun: the FIFO full (or RBR full) when a byte arrives; in FIFO
 *   mode the new byte is lost, in 16450 mode it replaces RBR.
 * - TX: a THR write goes through the TX FIFO to the chardev at once (in
 *   loopback back into RX), so THR and the shift register read as empty
 *   again immediately and the THRE interrupt condition is raised again.
 * - Interrupt identification by priority: receiver line status, then
 *   received data / character timeout, then THRE, then modem status.
 *   The THRE condition is cleared by an IIR read that reports it or by a
 *   THR write, and set when THR empties or IER THRE goes 0 -> 1 with THR
 *   empty. The character timeout fires 4 character times (from LCR and
 *   the divisor, 1.8432 MHz clock) after the last byte moved through the
 *   RX FIFO while it is non-empty; divisor 0 means no timeout.
 * - Output line level = interrupt pending AND MCR OUT2 AND NOT loopback:
 *   PC boards route INTR through a buffer enabled by the OUT2 pin, and
 *   loopback forces the modem outputs inactive.
 * - Modem inputs: CTS, DSR and DCD asserted (a connected terminal); in
 *   loopback they follow RTS, DTR, OUT2 and RI follows OUT1.
 * - PE and FE are never generated; BI comes from the chardev (Ctrl-A b).
 *
 * Every guest write is accepted: reserved bits are dropped, writes to the
 * read-only LSR and MSR are ignored.
 */
#include "hw/char/serial.h"

#include <string.h>

#include "hw/pc/pc.h"

#define SERIAL_CLOCK_HZ 1843200
#define SERIAL_SAVE_VERSION 1
#define SERIAL_MAX_TIMEOUT_NS (1ll << 36)  /* > 4 characters at divisor 65535 */

static bool serial_fifo_on(const SerialState *s)
{
    return s->fcr & UART_FCR_ENABLE;
}

static unsigned serial_rx_capacity(const SerialState *s)
{
    return serial_fifo_on(s) ? SERIAL_FIFO_SIZE : 1;
}

static unsigned serial_rx_trigger(const SerialState *s)
{
    static const uint8_t levels[4] = { 1, 4, 8, 14 };
    return levels[(s->fcr & UART_FCR_TRIG) >> 6];
}

static bool serial_loopback(const SerialState *s)
{
    return s->mcr & UART_MCR_LOOP;
}

/* ---- interrupts ---- */

/* The highest-priority pending source, as IIR bits 0-3. */
static uint8_t serial_irq_source(const SerialState *s)
{
    if ((s->ier & UART_IER_RLSI) && (s->lsr & UART_LSR_ERRORS)) {
        return UART_IIR_RLSI;
    }
    if (s->ier & UART_IER_RDI) {
        if (s->timeout_ipending) {
            return UART_IIR_CTI;
        }
        if (s->rx.count > 0 &&
            (!serial_fifo_on(s) || s->rx.count >= serial_rx_trigger(s))) {
            return UART_IIR_RDI;
        }
    }
    if ((s->ier & UART_IER_THRI) && s->thr_ipending) {
        return UART_IIR_THRI;
    }
    if ((s->ier & UART_IER_MSI) && (s->msr & UART_MSR_DELTAS)) {
        return UART_IIR_MSI;
    }
    return UART_IIR_NO_INT;
}

static void serial_update_irq(SerialState *s)
{
    int level = serial_irq_source(s) != UART_IIR_NO_INT &&
                (s->mcr & UART_MCR_OUT2) && !serial_loopback(s);

    if (level != s->irq_level) {
        s->irq_level = level;
        irq_set(s->irq_line, level);
    }
}

/* ---- modem status ---- */

static uint8_t serial_modem_inputs(const SerialState *s)
{
    uint8_t v = 0;

    if (!serial_loopback(s)) {
        return UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DCD;
    }
    if (s->mcr & UART_MCR_RTS) {
        v |= UART_MSR_CTS;
    }
    if (s->mcr & UART_MCR_DTR) {
        v |= UART_MSR_DSR;
    }
    if (s->mcr & UART_MCR_OUT1) {
        v |= UART_MSR_RI;
    }
    if (s->mcr & UART_MCR_OUT2) {
        v |= UART_MSR_DCD;
    }
    return v;
}

/* Latches the modem inputs into MSR, setting the delta bits. */
static void serial_update_msr(SerialState *s)
{
    uint8_t old = s->msr & ~UART_MSR_DELTAS;
    uint8_t now = serial_modem_inputs(s);
    uint8_t changed = old ^ now;

    if (changed & UART_MSR_CTS) {
        s->msr |= UART_MSR_DCTS;
    }
    if (changed & UART_MSR_DSR) {
        s->msr |= UART_MSR_DDSR;
    }
    if (changed & UART_MSR_DCD) {
        s->msr |= UART_MSR_DDCD;
    }
    if ((old & UART_MSR_RI) && !(now & UART_MSR_RI)) {
        s->msr |= UART_MSR_TERI;
    }
    s->msr = (s->msr & UART_MSR_DELTAS) | now;
}

/* ---- receiver ---- */

/* One character time in ns from LCR and the divisor; 0 if divisor is 0. */
static int64_t serial_char_ns(const SerialState *s)
{
    unsigned wlen = 5 + (s->lcr & UART_LCR_WLEN);
    unsigned half_bits = 2 * (1 + wlen + !!(s->lcr & UART_LCR_PARITY));

    if (s->lcr & UART_LCR_STOP) {
        half_bits += wlen == 5 ? 3 : 4;
    } else {
        half_bits += 2;
    }
    return (int64_t)half_bits * s->divisor * 16 * 1000000000LL /
           (2LL * SERIAL_CLOCK_HZ);
}

/* Restarts the 4-character timeout after RX FIFO activity. */
static void serial_restart_timeout(SerialState *s)
{
    s->timeout_ipending = false;
    if (serial_fifo_on(s) && s->rx.count > 0 && s->char_ns > 0) {
        timer_mod(&s->timeout_timer,
                  clock_ns(s->timeout_timer.tl) + 4 * s->char_ns);
    } else {
        timer_del(&s->timeout_timer);
    }
}

static void serial_timeout_cb(void *opaque)
{
    SerialState *s = opaque;

    if (serial_fifo_on(s) && s->rx.count > 0) {
        s->timeout_ipending = true;
        serial_update_irq(s);
    }
}

static bool serial_rx_has_break(const SerialState *s)
{
    for (unsigned i = 0; i < s->rx.count; i++) {
        if (s->rx.brk[i]) {
            return true;
        }
    }
    return false;
}

static void serial_rx_clear(SerialState *s)
{
    s->rx.count = 0;
    s->lsr &= ~UART_LSR_DR;
    s->fifo_error = false;
    s->timeout_ipending = false;
    timer_del(&s->timeout_timer);
}

/* A character arrives from the line (or the loopback path). */
static void serial_rx_push(SerialState *s, uint8_t ch, bool brk)
{
    if (s->rx.count >= serial_rx_capacity(s)) {
        s->lsr |= UART_LSR_OE;
        if (!serial_fifo_on(s)) {
            s->rx.data[0] = ch;
            s->rx.brk[0] = brk;
            if (brk) {
                s->lsr |= UART_LSR_BI;
            }
        }
    } else {
        s->rx.data[s->rx.count] = ch;
        s->rx.brk[s->rx.count] = brk;
        s->rx.count++;
        if (brk && s->rx.count == 1) {
            s->lsr |= UART_LSR_BI;
        }
        if (brk && serial_fifo_on(s)) {
            s->fifo_error = true;
        }
    }
    s->lsr |= UART_LSR_DR;
    serial_restart_timeout(s);
}

static uint8_t serial_rx_pop(SerialState *s)
{
    if (s->rx.count == 0) {
        return s->rbr;
    }
    s->rbr = s->rx.data[0];
    s->rx.count--;
    memmove(s->rx.data, s->rx.data + 1, s->rx.count);
    memmove(s->rx.brk, s->rx.brk + 1, s->rx.count);
    if (s->rx.count == 0) {
        s->lsr &= ~UART_LSR_DR;
    } else if (s->rx.brk[0]) {
        s->lsr |= UART_LSR_BI;
    }
    serial_restart_timeout(s);
    return s->rbr;
}

/* Lets the chardev deliver input it held back while we were full. */
static void serial_pull_input(SerialState *s)
{
    if (s->chr) {
        chardev_flush_pending(s->chr);
    }
}

static size_t serial_can_receive(void *opaque)
{
    SerialState *s = opaque;

    if (serial_loopback(s)) {
        return 0;                /* SIN is disconnected in loopback */
    }
    return serial_rx_capacity(s) - MIN(s->rx.count, serial_rx_capacity(s));
}

static void serial_receive(void *opaque, const uint8_t *buf, size_t len)
{
    SerialState *s = opaque;

    if (serial_loopback(s)) {
        return;
    }
    for (size_t i = 0; i < len; i++) {
        serial_rx_push(s, buf[i], false);
    }
    serial_update_irq(s);
}

/* A break on the line: one zero character flagged BI. */
static void serial_receive_break(void *opaque)
{
    SerialState *s = opaque;

    if (serial_loopback(s)) {
        return;
    }
    serial_rx_push(s, 0, true);
    serial_update_irq(s);
}

/* ---- transmitter ---- */

static void serial_transmit(SerialState *s, uint8_t ch)
{
    if (serial_loopback(s)) {
        serial_rx_push(s, ch, false);
    } else if (s->chr && !(s->lcr & UART_LCR_BREAK)) {
        chardev_write(s->chr, &ch, 1);
    }
}

/* Sends everything queued; THR and the shift register are empty after. */
static void serial_tx_drain(SerialState *s)
{
    for (unsigned i = 0; i < s->tx.count; i++) {
        serial_transmit(s, s->tx.data[i]);
    }
    s->tx.count = 0;
    s->lsr |= UART_LSR_THRE | UART_LSR_TEMT;
    s->thr_ipending = true;
}

static void serial_write_thr(SerialState *s, uint8_t v)
{
    s->thr = v;
    s->thr_ipending = false;
    if (!serial_fifo_on(s)) {
        s->tx.count = 0;
    }
    if (s->tx.count < SERIAL_FIFO_SIZE) {
        s->tx.data[s->tx.count++] = v;
    }
    s->lsr &= ~(UART_LSR_THRE | UART_LSR_TEMT);
    serial_tx_drain(s);
}

/* ---- register writes ---- */

static void serial_write_ier(SerialState *s, uint8_t v)
{
    uint8_t old = s->ier;

    s->ier = v & UART_IER_MASK;
    if ((s->ier & UART_IER_THRI) && !(old & UART_IER_THRI) &&
        (s->lsr & UART_LSR_THRE)) {
        s->thr_ipending = true;
    }
}

static void serial_write_fcr(SerialState *s, uint8_t v)
{
    if ((v ^ s->fcr) & UART_FCR_ENABLE) {
        /* Switching FIFO mode empties both FIFOs. */
        serial_rx_clear(s);
        s->tx.count = 0;
        s->lsr |= UART_LSR_THRE | UART_LSR_TEMT;
    }
    if (!(v & UART_FCR_ENABLE)) {
        s->fcr = 0;              /* other bits need FCR0 set */
        return;
    }
    if (v & UART_FCR_CLR_RX) {
        serial_rx_clear(s);
    }
    if (v & UART_FCR_CLR_TX) {
        s->tx.count = 0;
        s->lsr |= UART_LSR_THRE | UART_LSR_TEMT;
    }
    s->fcr = v & (UART_FCR_ENABLE | UART_FCR_DMA | UART_FCR_TRIG);
}

static void serial_write_mcr(SerialState *s, uint8_t v)
{
    s->mcr = v & UART_MCR_MASK;
    serial_update_msr(s);
}

static void serial_set_divisor(SerialState *s, uint16_t d)
{
    s->divisor = d;
    s->char_ns = serial_char_ns(s);
}

static void serial_io_write(void *opaque, uint64_t offset, uint64_t value,
                            unsigned size)
{
    SerialState *s = opaque;
    uint8_t v = (uint8_t)value;
    bool dlab = s->lcr & UART_LCR_DLAB;

    switch (offset & 7) {
    case UART_THR:
        if (dlab) {
            serial_set_divisor(s, (s->divisor & 0xff00) | v);
        } else {
            serial_write_thr(s, v);
        }
        break;
    case UART_IER:
        if (dlab) {
            serial_set_divisor(s, (uint16_t)((s->divisor & 0xff) | (v << 8)));
        } else {
            serial_write_ier(s, v);
        }
        break;
    case UART_FCR:
        serial_write_fcr(s, v);
        break;
    case UART_LCR:
        s->lcr = v;
        s->char_ns = serial_char_ns(s);
        break;
    case UART_MCR:
        serial_write_mcr(s, v);
        break;
    case UART_LSR:
    case UART_MSR:
        log_mask(&s->dev.machine->log, LOG_GUEST_ERROR,
                 "isa-serial: write 0x%02x to read-only register %u ignored\n",
                 v, (unsigned)(offset & 7));
        break;
    case UART_SCR:
        s->scr = v;
        break;
    }
    serial_update_irq(s);
    serial_pull_input(s);
}

/* ---- register reads ---- */

static uint8_t serial_read_iir(SerialState *s)
{
    uint8_t src = serial_irq_source(s);

    if (src == UART_IIR_THRI) {
        s->thr_ipending = false;
    }
    return src | (serial_fifo_on(s) ? UART_IIR_FIFO : 0);
}

static uint8_t serial_read_lsr(SerialState *s)
{
    uint8_t v = s->lsr;

    if (serial_fifo_on(s) && s->fifo_error) {
        v |= UART_LSR_FIFOE;
    }
    s->lsr &= ~UART_LSR_ERRORS;
    s->fifo_error = serial_fifo_on(s) && serial_rx_has_break(s);
    return v;
}

static uint8_t serial_read_msr(SerialState *s)
{
    uint8_t v = s->msr;

    s->msr &= ~UART_MSR_DELTAS;
    return v;
}

static uint64_t serial_io_read(void *opaque, uint64_t offset, unsigned size)
{
    SerialState *s = opaque;
    bool dlab = s->lcr & UART_LCR_DLAB;
    bool pull = false;
    uint8_t v = 0;

    switch (offset & 7) {
    case UART_RBR:
        if (dlab) {
            v = s->divisor & 0xff;
        } else {
            v = serial_rx_pop(s);
            pull = true;
        }
        break;
    case UART_IER:
        v = dlab ? s->divisor >> 8 : s->ier;
        break;
    case UART_IIR: v = serial_read_iir(s); break;
    case UART_LCR: v = s->lcr; break;
    case UART_MCR: v = s->mcr; break;
    case UART_LSR: v = serial_read_lsr(s); break;
    case UART_MSR: v = serial_read_msr(s); break;
    case UART_SCR: v = s->scr; break;
    }
    serial_update_irq(s);
    if (pull) {
        serial_pull_input(s);
    }
    return v;
}

static const MemoryRegionOps serial_io_ops = {
    .read = serial_io_read,
    .write = serial_io_write,
    .min_access = 1,
    .max_access = 1,
};

/* ---- lifecycle ---- */

static void serial_reset(Device *dev)
{
    SerialState *s = container_of(dev, SerialState, dev);

    s->ier = 0;
    s->lcr = 0;
    s->mcr = 0;
    s->scr = 0;
    s->fcr = 0;
    s->rbr = 0;
    s->thr = 0;
    s->rx.count = 0;
    s->tx.count = 0;
    s->lsr = UART_LSR_THRE | UART_LSR_TEMT;
    s->msr = serial_modem_inputs(s);
    s->thr_ipending = false;
    s->timeout_ipending = false;
    s->fifo_error = false;
    timer_del(&s->timeout_timer);
    serial_set_divisor(s, 12);   /* 9600 baud, what PC firmware sets */
    s->irq_level = 0;
    irq_lower(s->irq_line);
}

static int serial_realize(Device *dev, Error *err)
{
    SerialState *s = container_of(dev, SerialState, dev);
    Machine *m = dev->machine;

    if (s->irq >= PC_NUM_GSI) {
        return error_setg(err, "irq %u out of range (0-%d)", s->irq,
                          PC_NUM_GSI - 1);
    }
    if (s->iobase > 0x10000 - 8) {
        return error_setg(err, "iobase 0x%x out of range (at most 0xfff8)",
                          s->iobase);
    }
    memory_region_init_io(&s->io, "serial", 8, &serial_io_ops, s);
    if (machine_map_ports(m, (uint16_t)s->iobase, &s->io) < 0) {
        return error_setg(err, "cannot map ports at 0x%x", s->iobase);
    }
    s->irq_line = &m->gsi[s->irq];
    s->chr = pc_serial_chardev(m, s->index);
    timer_init(&s->timeout_timer, &m->timers, serial_timeout_cb, s);
    serial_reset(dev);
    if (s->chr) {
        chardev_set_receiver(s->chr, serial_can_receive, serial_receive, s);
        chardev_set_break_handler(s->chr, serial_receive_break);
    }
    return 0;
}

static void serial_unrealize(Device *dev)
{
    SerialState *s = container_of(dev, SerialState, dev);

    timer_del(&s->timeout_timer);
    if (s->chr && s->chr->opaque == s) {
        chardev_set_receiver(s->chr, NULL, NULL, NULL);
    }
    address_space_unmap_region(&dev->machine->io, &s->io);
}

/* ---- save / load ---- */

static void serial_save_fifo(SaveBuf *b, const SerialFifo *f)
{
    save_u8(b, f->count);
    save_bytes(b, f->data, SERIAL_FIFO_SIZE);
    save_bytes(b, f->brk, SERIAL_FIFO_SIZE);
}

static void serial_save(Device *dev, SaveBuf *b)
{
    SerialState *s = container_of(dev, SerialState, dev);

    save_u8(b, SERIAL_SAVE_VERSION);
    save_u8(b, s->ier);
    save_u8(b, s->lcr);
    save_u8(b, s->mcr);
    save_u8(b, s->lsr);
    save_u8(b, s->msr);
    save_u8(b, s->scr);
    save_u8(b, s->fcr);
    save_u8(b, s->rbr);
    save_u8(b, s->thr);
    save_u16(b, s->divisor);
    save_u8(b, s->thr_ipending);
    save_u8(b, s->timeout_ipending);
    save_u8(b, s->fifo_error);
    save_u8(b, timer_pending(&s->timeout_timer));
    serial_save_fifo(b, &s->rx);
    serial_save_fifo(b, &s->tx);
    /* how long the character timeout still has to run */
    save_u64(b, timer_pending(&s->timeout_timer) ?
                (uint64_t)MAX(s->timeout_timer.expire_ns -
                              clock_ns(s->timeout_timer.tl), 0) : 0);
}

static int serial_load_fifo(SaveBuf *b, SerialFifo *f, unsigned cap)
{
    f->count = load_u8(b);
    load_bytes(b, f->data, SERIAL_FIFO_SIZE);
    load_bytes(b, f->brk, SERIAL_FIFO_SIZE);
    if (f->count > cap) {
        return -1;
    }
    for (unsigned i = 0; i < SERIAL_FIFO_SIZE; i++) {
        if (f->brk[i] > 1) {
            return -1;
        }
    }
    return 0;
}

static int serial_load_bool(SaveBuf *b, bool *out)
{
    uint8_t v = load_u8(b);
    *out = v != 0;
    return v > 1 ? -1 : 0;
}

/* Checks that the loaded registers agree with each other. */
static bool serial_state_valid(const SerialState *t)
{
    uint8_t lsr_fixed = UART_LSR_DR | UART_LSR_THRE | UART_LSR_TEMT;
    uint8_t lsr_want = (t->rx.count ? UART_LSR_DR : 0) |
                       (t->tx.count ? 0 : UART_LSR_THRE | UART_LSR_TEMT);

    if (t->ier & ~UART_IER_MASK || t->mcr & ~UART_MCR_MASK ||
        t->fcr & ~(UART_FCR_ENABLE | UART_FCR_DMA | UART_FCR_TRIG) ||
        (!(t->fcr & UART_FCR_ENABLE) && t->fcr)) {
        return false;
    }
    if ((t->lsr & lsr_fixed) != lsr_want || (t->lsr & UART_LSR_FIFOE)) {
        return false;
    }
    if ((t->msr & ~UART_MSR_DELTAS) != serial_modem_inputs(t)) {
        return false;
    }
    if ((t->timeout_ipending && !(serial_fifo_on(t) && t->rx.count)) ||
        (t->fifo_error && !serial_fifo_on(t))) {
        return false;
    }
    return t->rx.count <= serial_rx_capacity(t) &&
           t->tx.count <= (serial_fifo_on(t) ? SERIAL_FIFO_SIZE : 1);
}

static int serial_load(Device *dev, SaveBuf *b, Error *err)
{
    SerialState *s = container_of(dev, SerialState, dev);
    SerialState t = *s;          /* loaded into a copy, kept only if valid */
    bool timer_armed = false;
    uint64_t timeout_ns;
    int bad = 0;

    if (load_u8(b) != SERIAL_SAVE_VERSION) {
        return error_setg(err, "isa-serial: unsupported state version");
    }
    t.ier = load_u8(b);
    t.lcr = load_u8(b);
    t.mcr = load_u8(b);
    t.lsr = load_u8(b);
    t.msr = load_u8(b);
    t.scr = load_u8(b);
    t.fcr = load_u8(b);
    t.rbr = load_u8(b);
    t.thr = load_u8(b);
    t.divisor = load_u16(b);
    bad |= serial_load_bool(b, &t.thr_ipending);
    bad |= serial_load_bool(b, &t.timeout_ipending);
    bad |= serial_load_bool(b, &t.fifo_error);
    bad |= serial_load_bool(b, &timer_armed);
    bad |= serial_load_fifo(b, &t.rx, SERIAL_FIFO_SIZE);
    bad |= serial_load_fifo(b, &t.tx, SERIAL_FIFO_SIZE);
    timeout_ns = load_u64(b);
    if (timeout_ns > SERIAL_MAX_TIMEOUT_NS || (timeout_ns && !timer_armed)) {
        bad = 1;
    }
    if (b->error) {
        return error_setg(err, "isa-serial: state is truncated");
    }
    if (bad || !serial_state_valid(&t)) {
        return error_setg(err, "isa-serial: state is corrupt");
    }
    *s = t;
    s->char_ns = serial_char_ns(s);
    timer_del(&s->timeout_timer);
    if (timer_armed) {           /* a running timeout goes on where it was */
        timer_mod(&s->timeout_timer,
                  clock_ns(s->timeout_timer.tl) + (int64_t)timeout_ns);
    }
    s->irq_level = -1;               /* drive the line in post_load */
    return 0;
}

static void serial_post_load(Device *dev)
{
    SerialState *s = container_of(dev, SerialState, dev);

    s->irq_level = -1;
    serial_update_irq(s);
}

static const PropDef serial_props[] = {
    PROP_DEF_U32("iobase", SerialState, iobase, 0x3f8, "I/O port base"),
    PROP_DEF_U32("irq", SerialState, irq, 4, "interrupt line (GSI)"),
    PROP_DEF_U32("index", SerialState, index, 0,
                 "which -serial backend (0-3: COM1-COM4 order)"),
    PROP_DEF_END,
};

const DeviceType serial_isa_type = {
    .name = "isa-serial",
    .desc = "16550A UART",
    .instance_size = sizeof(SerialState),
    .props = serial_props,
    .user_creatable = true,
    .realize = serial_realize,
    .unrealize = serial_unrealize,
    .reset = serial_reset,
    .save = serial_save,
    .load = serial_load,
    .post_load = serial_post_load,
};
