/*
 * The 8254 programmable interval timer ("i8254") and port 0x61, after the
 * Intel 82C54 data sheet (see i8254.h for the wiring).
 *
 * Each counter's state is "ticks counted": base_ticks plus, while running,
 * the input clock ticks since resume_ns. Value and output follow from the
 * mode: 0 interrupt on terminal count, 1 hardware-retriggerable one-shot,
 * 2 rate generator, 3 square wave, 4 software strobe, 5 hardware strobe.
 * A low gate stops modes 0, 2, 3 and 4 (2 and 3 also force OUT high); a
 * rising gate restarts modes 1, 2, 3 and 5. Counter 0 turns rising edges
 * of OUT into edges on its IRQ line (a low-high pulse at each period in
 * mode 2, where OUT is low for one tick only).
 *
 * Invariants: 1 <= count <= 65536 (10000 in BCD); mode <= 5;
 * 1 <= rw_mode <= 3.
 */
#include "hw/timer/i8254.h"

#include "hw/pc/pc.h"

#define PIT_MIN_PERIOD_NS 10000  /* fastest periodic IRQ rate we run */
#define NS_PER_SEC 1000000000ull
/* Every 0.5 s the input clock has ticked a whole number of times
 * (PIT_HZ / 2 = 596591), so a count's phase within that fits a u32. */
#define PIT_PHASE_NS 500000000u
/* A pending counter 0 timer is never further away than 65537 ticks or
 * PIT_MIN_PERIOD_NS; a loaded one must be due within this. */
#define PIT_MAX_TIMER_NS 100000000u

/* a * b / c for a < 2^63, b and c below 2^32. */
static uint64_t pit_muldiv(uint64_t a, uint64_t b, uint64_t c)
{
    return (a / c) * b + (a % c) * b / c;
}

static uint64_t pit_ticks(const PITChannel *c, int64_t now)
{
    uint64_t t = c->base_ticks;

    if (c->running && now > c->resume_ns) {
        t += pit_muldiv((uint64_t)(now - c->resume_ns), PIT_HZ, NS_PER_SEC);
    }
    return t;
}

/* The first moment at which pit_ticks() reaches t (t > base_ticks). */
static int64_t pit_tick_time(const PITChannel *c, uint64_t t)
{
    uint64_t d = t - c->base_ticks;
    uint64_t ns = (d / PIT_HZ) * NS_PER_SEC +
                  ((d % PIT_HZ) * NS_PER_SEC + PIT_HZ - 1) / PIT_HZ;
    return c->resume_ns + (int64_t)ns;
}

static int64_t pit_now(const PITState *s)
{
    return clock_ns(&s->dev.machine->timers);
}

static bool pit_periodic(const PITChannel *c)
{
    return c->mode == 2 || c->mode == 3;
}

static bool pit_triggered_mode(const PITChannel *c)
{
    return c->mode == 1 || c->mode == 5;
}

static int pit_out_at(const PITChannel *c, uint64_t d)
{
    uint32_t n = c->count;

    if (!c->loaded) {
        return c->mode != 0;
    }
    if (pit_periodic(c) && !c->gate) {
        return 1;
    }
    switch (c->mode) {
    case 0:
        return d >= n;
    case 1:
        return !c->running || d >= n;
    case 2:
        return !(n > 1 && d % n == n - 1);
    case 3:
        return d % n < (n + 1) / 2;
    default: /* 4, 5 */
        return !(c->running && d == n);
    }
}

int pit_get_out(PITState *s, int n)
{
    PITChannel *c = &s->ch[n % 3];
    return pit_out_at(c, pit_ticks(c, pit_now(s)));
}

static uint16_t pit_bin_to_bcd(uint32_t v)
{
    return (uint16_t)((v % 10) | (v / 10 % 10) << 4 | (v / 100 % 10) << 8 |
                      (v / 1000 % 10) << 12);
}

static uint32_t pit_bcd_to_bin(uint16_t v)
{
    return (v & 0xf) + ((v >> 4) & 0xf) * 10 + ((v >> 8) & 0xf) * 100 +
           ((v >> 12) & 0xf) * 1000;
}

/* The counting element's value now, as the guest reads it. */
static uint16_t pit_get_count(const PITChannel *c, int64_t now)
{
    uint32_t mod = c->bcd ? 10000 : 65536, n = c->count, v;
    uint64_t d = pit_ticks(c, now);

    if (!c->loaded) {
        v = n % mod;
    } else if (c->mode == 2) {
        v = n - (uint32_t)(d % n);
    } else if (c->mode == 3) {
        v = n - (uint32_t)((2 * d) % n);
        v &= ~1u;
    } else {
        v = (uint32_t)((n % mod + mod - d % mod) % mod);
    }
    v %= mod;
    return c->bcd ? pit_bin_to_bcd(v) : (uint16_t)v;
}

/*
 * Next output transition after tick d: returns false if none, else sets
 * *t to its tick and *rise to its direction.
 */
static bool pit_next_event(const PITChannel *c, uint64_t d, uint64_t *t,
                           bool *rise)
{
    uint64_t n = c->count, p = d % n;

    if (!c->loaded || !c->running) {
        return false;
    }
    switch (c->mode) {
    case 0:
    case 1:
        *t = n;
        *rise = true;
        return d < n;
    case 2:
        *t = d - p + n;
        *rise = true;
        return true;
    case 3:
        if (n == 1) {
            return false;        /* OUT stays high */
        }
        *rise = p >= (n + 1) / 2;
        *t = d - p + (*rise ? n : (n + 1) / 2);
        return true;
    default:
        if (d < n) {
            *t = n;
            *rise = false;
            return true;
        }
        *t = n + 1;
        *rise = true;
        return d == n;
    }
}

static void pit_set_irq_level(PITState *s, int level)
{
    PITChannel *c = &s->ch[0];
    if (level != c->irq_level) {
        c->irq_level = level;
        irq_set(s->irq_line, level);
    }
}

/* Drives counter 0's IRQ line from OUT (if drive) and arms the next
 * transition. */
static void pit_update(PITState *s, bool drive)
{
    PITChannel *c = &s->ch[0];
    int64_t now = pit_now(s);
    uint64_t d = pit_ticks(c, now), t;
    bool rise;

    timer_del(&c->timer);
    if (drive) {
        pit_set_irq_level(s, pit_out_at(c, d));
    }
    if (pit_next_event(c, d, &t, &rise)) {
        int64_t when = pit_tick_time(c, t);
        if (pit_periodic(c)) {
            when = MAX(when, now + PIT_MIN_PERIOD_NS);
        }
        c->next_is_rise = rise;
        timer_mod(&c->timer, when);
    }
}

static void pit_update_irq(PITState *s)
{
    pit_update(s, true);
}

static void pit_timer_cb(void *opaque)
{
    PITChannel *c = opaque;
    PITState *s = c->pit;

    if (c->next_is_rise) {
        /* make sure the interrupt controller sees the edge */
        pit_set_irq_level(s, 0);
        pit_set_irq_level(s, 1);
    }
    pit_update_irq(s);
}

static void pit_changed(PITChannel *c)
{
    if (c->index == 0) {
        pit_update_irq(c->pit);
    }
}

static void pit_restart(PITChannel *c, bool running)
{
    c->base_ticks = 0;
    c->resume_ns = pit_now(c->pit);
    c->running = running;
}

void pit_set_gate(PITState *s, int n, bool gate)
{
    PITChannel *c = &s->ch[n % 3];
    int64_t now = pit_now(s);
    bool rising = gate && !c->gate;

    if (gate == c->gate) {
        return;
    }
    if (!gate && c->running && !pit_triggered_mode(c)) {
        c->base_ticks = pit_ticks(c, now);      /* pause */
        c->running = false;
    }
    c->gate = gate;
    if (rising && c->loaded) {
        if (pit_triggered_mode(c) || pit_periodic(c)) {
            pit_restart(c, true);               /* (re)trigger or reload */
        } else {
            c->resume_ns = now;                 /* continue */
            c->running = true;
        }
    }
    pit_changed(c);
}

static void pit_load_count(PITChannel *c, uint16_t raw)
{
    uint32_t n = c->bcd ? pit_bcd_to_bin(raw) : raw;

    if (c->bcd) {
        n %= 10000;              /* digits above 9 would count past 9999 */
    }
    if (n == 0) {
        n = c->bcd ? 10000 : 65536;
    }
    c->count = n;
    c->loaded = true;
    c->null_count = false;
    pit_restart(c, !pit_triggered_mode(c) && c->gate);
    pit_changed(c);
}

static void pit_latch_count(PITChannel *c)
{
    if (!c->latched) {
        c->latch = pit_get_count(c, pit_now(c->pit));
        c->latched = true;
        c->latch_msb_next = c->rw_mode == 2;
    }
}

static void pit_latch_status(PITChannel *c)
{
    if (!c->status_latched) {
        c->status = (uint8_t)(pit_out_at(c, pit_ticks(c, pit_now(c->pit))) << 7 |
                              c->null_count << 6 | c->rw_mode << 4 |
                              c->mode << 1 | c->bcd);
        c->status_latched = true;
    }
}

static void pit_write_control(PITState *s, uint8_t val)
{
    int sel = val >> 6, rw = (val >> 4) & 3;
    PITChannel *c;

    if (sel == 3) {              /* read-back */
        for (int i = 0; i < 3; i++) {
            if (!(val & (2 << i))) {
                continue;
            }
            if (!(val & 0x20)) {
                pit_latch_count(&s->ch[i]);
            }
            if (!(val & 0x10)) {
                pit_latch_status(&s->ch[i]);
            }
        }
        return;
    }
    c = &s->ch[sel];
    if (rw == 0) {
        pit_latch_count(c);
        return;
    }
    c->rw_mode = (uint8_t)rw;
    c->mode = (val >> 1) & 7;
    if (c->mode > 5) {
        c->mode -= 4;            /* 6 and 7 are 2 and 3 */
    }
    c->bcd = val & 1;
    c->loaded = false;
    c->running = false;
    c->base_ticks = 0;
    c->null_count = true;
    c->latched = false;
    c->status_latched = false;
    c->read_msb_next = c->write_msb_next = false;
    if (c->bcd && c->count > 10000) {
        c->count = 10000;
    }
    pit_changed(c);
}

static void pit_write_counter(PITChannel *c, uint8_t val)
{
    switch (c->rw_mode) {
    case 1:
        pit_load_count(c, val);
        break;
    case 2:
        pit_load_count(c, (uint16_t)(val << 8));
        break;
    default:
        if (!c->write_msb_next) {
            c->write_lsb = val;
            c->write_msb_next = true;
            if (c->mode == 0) {
                c->loaded = false;   /* first byte stops the count */
                c->running = false;
                c->base_ticks = 0;   /* unused until the count reloads */
                pit_changed(c);
            }
        } else {
            c->write_msb_next = false;
            pit_load_count(c, (uint16_t)(c->write_lsb | val << 8));
        }
        break;
    }
}

static uint8_t pit_read_counter(PITChannel *c)
{
    uint16_t v;

    if (c->status_latched) {
        c->status_latched = false;
        return c->status;
    }
    if (c->latched) {
        v = c->latch;
        if (c->latch_msb_next) {
            c->latched = false;
            return v >> 8;
        }
        if (c->rw_mode == 3) {
            c->latch_msb_next = true;
        } else {
            c->latched = false;
        }
        return v & 0xff;
    }
    v = pit_get_count(c, pit_now(c->pit));
    switch (c->rw_mode) {
    case 1:
        return v & 0xff;
    case 2:
        return v >> 8;
    default:
        c->read_msb_next = !c->read_msb_next;
        return c->read_msb_next ? (v & 0xff) : (v >> 8);
    }
}

static uint64_t pit_io_read(void *opaque, uint64_t off, unsigned size)
{
    PITState *s = opaque;

    if (off >= 3) {
        return 0xff;             /* the control word is write-only */
    }
    return pit_read_counter(&s->ch[off]);
}

static void pit_io_write(void *opaque, uint64_t off, uint64_t val,
                         unsigned size)
{
    PITState *s = opaque;

    if (off == 3) {
        pit_write_control(s, (uint8_t)val);
    } else if (off < 3) {
        pit_write_counter(&s->ch[off], (uint8_t)val);
    }
}

static uint64_t pit_port61_read(void *opaque, uint64_t off, unsigned size)
{
    PITState *s = opaque;
    uint8_t v = s->port61 & 0x0f;

    /* Refresh request: toggles on every read, as delay loops expect. */
    s->refresh ^= 0x10;
    v |= s->refresh;
    if (pit_get_out(s, 2)) {
        v |= 0x20;
    }
    return v;
}

static void pit_port61_write(void *opaque, uint64_t off, uint64_t val,
                             unsigned size)
{
    PITState *s = opaque;

    s->port61 = val & 0x0f;
    pit_set_gate(s, 2, val & 1);
}

static const MemoryRegionOps pit_io_ops = {
    .read = pit_io_read, .write = pit_io_write,
    .min_access = 1, .max_access = 1,
};
static const MemoryRegionOps pit_port61_ops = {
    .read = pit_port61_read, .write = pit_port61_write,
    .min_access = 1, .max_access = 1,
};

static int pit_realize(Device *dev, Error *err)
{
    PITState *s = (PITState *)dev;
    Machine *m = dev->machine;

    if (s->irq >= PC_NUM_GSI) {
        return error_setg(err, "irq %u out of range (0-%d)", s->irq,
                          PC_NUM_GSI - 1);
    }
    s->irq_line = &m->gsi[s->irq];
    for (int i = 0; i < 3; i++) {
        s->ch[i].pit = s;
        s->ch[i].index = i;
        timer_init(&s->ch[i].timer, &m->timers, pit_timer_cb, &s->ch[i]);
    }
    memory_region_init_io(&s->io, "pit", 4, &pit_io_ops, s);
    memory_region_init_io(&s->io61, "port61", 1, &pit_port61_ops, s);
    machine_map_ports(m, PIT_IOBASE, &s->io);
    machine_map_ports(m, PIT_PORT61, &s->io61);
    return 0;
}

static void pit_unrealize(Device *dev)
{
    PITState *s = (PITState *)dev;
    Machine *m = dev->machine;

    for (int i = 0; i < 3; i++) {
        timer_del(&s->ch[i].timer);
    }
    address_space_unmap_region(&m->io, &s->io);
    address_space_unmap_region(&m->io, &s->io61);
}

/* As firmware leaves it: every counter in mode 3 with count 65536. */
static void pit_reset(Device *dev)
{
    PITState *s = (PITState *)dev;

    s->port61 = 0;
    for (int i = 0; i < 3; i++) {
        PITChannel *c = &s->ch[i];
        timer_del(&c->timer);
        c->rw_mode = 3;
        c->mode = 3;
        c->bcd = false;
        c->gate = i != 2;
        c->latched = c->status_latched = false;
        c->read_msb_next = c->write_msb_next = false;
        c->latch_msb_next = false;
        c->count = 65536;
        c->loaded = true;
        c->null_count = false;
        pit_restart(c, c->gate);
    }
    s->ch[0].irq_level = -1;
    pit_update_irq(s);
}

static uint8_t pit_flags(const PITChannel *c)
{
    return c->bcd | c->gate << 1 | c->loaded << 2 | c->running << 3 |
           c->latched << 4 | c->latch_msb_next << 5 |
           c->status_latched << 6 | c->read_msb_next << 7;
}

/*
 * Ticks with the same future as t: every mode looks only at the ticks
 * modulo the count, modulo 2^16 (10^4 in BCD) and at whether they reached
 * the count + 1, so a count that ran for ages saves a small number.
 */
static uint64_t pit_canonical_ticks(const PITChannel *c, uint64_t t)
{
    uint64_t n = c->count, p = n * (c->bcd ? 10000 : 65536);

    if (t < n + 1 + p) {
        return t;
    }
    return n + 1 + (t - n - 1) % p;
}

/*
 * The count at the last moment a whole number of input clock ticks had
 * passed since it started (every PIT_PHASE_NS), and the ns since then.
 */
static void pit_save_point(const PITChannel *c, int64_t now, uint64_t *ticks,
                           uint32_t *phase)
{
    uint64_t e = c->running && now > c->resume_ns ?
                 (uint64_t)(now - c->resume_ns) : 0;

    *phase = (uint32_t)(e % PIT_PHASE_NS);
    *ticks = pit_canonical_ticks(c, c->base_ticks +
                                 e / PIT_PHASE_NS * (PIT_HZ / 2));
}

/*
 * Counter 0's IRQ side: the level it drives, and whether its timer is
 * armed, for which kind of edge and how far away. The rate limit on
 * periodic interrupts lets the line lag OUT, so neither follows from the
 * count alone.
 */
static void pit_save_irq(const PITState *s, int64_t now, SaveBuf *sb)
{
    const PITChannel *c = &s->ch[0];
    bool armed = timer_pending(&c->timer);
    int64_t left = armed ? MAX(c->timer.expire_ns - now, 0) : 0;

    save_u8(sb, (c->irq_level > 0) | armed << 1 | c->next_is_rise << 2);
    save_u32(sb, (uint32_t)MIN(left, (int64_t)PIT_MAX_TIMER_NS));
}

/*
 * Per counter: the ticks counted at its last whole-tick point, then (after
 * all three) the ns each running count is past that point, so a loaded
 * count ticks at exactly the moments the saved one would have; then
 * counter 0's IRQ side.
 */
static void pit_save(Device *dev, SaveBuf *sb)
{
    PITState *s = (PITState *)dev;
    int64_t now = pit_now(s);
    uint32_t phase[3];

    save_u8(sb, s->port61);
    for (int i = 0; i < 3; i++) {
        const PITChannel *c = &s->ch[i];
        uint64_t ticks;
        pit_save_point(c, now, &ticks, &phase[i]);
        save_u32(sb, c->count);
        save_u8(sb, c->rw_mode);
        save_u8(sb, c->mode);
        save_u8(sb, pit_flags(c));
        save_u8(sb, c->write_msb_next | c->null_count << 1);
        save_u64(sb, ticks);
        save_u16(sb, c->latch);
        save_u8(sb, c->status);
        save_u8(sb, c->write_lsb);
    }
    for (int i = 0; i < 3; i++) {
        save_u32(sb, phase[i]);
    }
    pit_save_irq(s, now, sb);
}

static int pit_load_channel(PITChannel *c, SaveBuf *sb, int64_t now)
{
    uint8_t flags, flags2;
    uint64_t ticks;

    c->count = load_u32(sb);
    c->rw_mode = load_u8(sb);
    c->mode = load_u8(sb);
    flags = load_u8(sb);
    flags2 = load_u8(sb);
    ticks = load_u64(sb);
    c->latch = load_u16(sb);
    c->status = load_u8(sb);
    c->write_lsb = load_u8(sb);
    c->bcd = flags & 1;
    c->gate = flags & 2;
    c->loaded = flags & 4;
    c->running = flags & 8;
    c->latched = flags & 16;
    c->latch_msb_next = flags & 32;
    c->status_latched = flags & 64;
    c->read_msb_next = flags & 128;
    c->write_msb_next = flags2 & 1;
    c->null_count = flags2 & 2;
    c->base_ticks = ticks;
    c->resume_ns = now;
    if (sb->error || c->count < 1 || c->count > (c->bcd ? 10000u : 65536u) ||
        c->rw_mode < 1 || c->rw_mode > 3 || c->mode > 5 || flags2 > 3 ||
        ticks > (1ull << 62)) {
        return -1;
    }
    return 0;
}

static int pit_load(Device *dev, SaveBuf *sb, Error *err)
{
    PITState *s = (PITState *)dev;
    PITChannel ch[3];
    int64_t now = pit_now(s);
    uint8_t port61 = load_u8(sb), irq_flags;
    uint32_t timer_left;

    for (int i = 0; i < 3; i++) {
        ch[i] = s->ch[i];
        if (pit_load_channel(&ch[i], sb, now) < 0) {
            return error_setg(err, "i8254: invalid state of counter %d", i);
        }
    }
    for (int i = 0; i < 3; i++) {
        uint32_t phase = load_u32(sb);
        if (sb->error || phase >= PIT_PHASE_NS) {
            return error_setg(err, "i8254: invalid phase of counter %d", i);
        }
        if (ch[i].running) {
            ch[i].resume_ns = now - phase;
        }
    }
    if (port61 > 0x0f || (port61 & 1) != ch[2].gate) {
        return error_setg(err, "i8254: invalid port 0x61 state");
    }
    irq_flags = load_u8(sb);
    timer_left = load_u32(sb);
    if (sb->error || irq_flags > 7 || timer_left > PIT_MAX_TIMER_NS ||
        (timer_left && !(irq_flags & 2))) {
        return error_setg(err, "i8254: invalid state of the IRQ line");
    }
    s->port61 = port61;
    for (int i = 0; i < 3; i++) {
        timer_del(&s->ch[i].timer);
        ch[i].timer = s->ch[i].timer;
        s->ch[i] = ch[i];
    }
    /* the saved level is driven in post_load */
    s->ch[0].irq_level = irq_flags & 1;
    if (irq_flags & 2) {         /* the timer goes on where it was */
        s->ch[0].next_is_rise = irq_flags & 4;
        timer_mod(&s->ch[0].timer, now + (int64_t)timer_left);
    } else {
        pit_update(s, false);
    }
    return 0;
}

/* Drives the level the line had when saved, which may lag OUT. */
static void pit_post_load(Device *dev)
{
    PITState *s = (PITState *)dev;
    int level = s->ch[0].irq_level;

    if (level < 0) {
        level = pit_get_out(s, 0);
    }
    s->ch[0].irq_level = -1;
    pit_set_irq_level(s, level);
}

static const PropDef pit_props[] = {
    PROP_DEF_U32("irq", PITState, irq, 0, "interrupt line of counter 0 (GSI)"),
    PROP_DEF_END,
};

const DeviceType pit_type = {
    .name = "i8254",
    .desc = "8254 programmable interval timer",
    .instance_size = sizeof(PITState),
    .props = pit_props,
    .realize = pit_realize,
    .unrealize = pit_unrealize,
    .reset = pit_reset,
    .save = pit_save,
    .load = pit_load,
    .post_load = pit_post_load,
};
