/*
 * HPET (see hpet.h). The main counter is not stepped: while enabled it
 * is counter + (now - ref_ns) / 10, and each timer arms a Timer for the
 * virtual time its comparator next matches.
 *
 * Comparator semantics (spec 2.3.9.2, as QEMU implements them):
 * - one-shot: the timer fires when the counter equals the comparator; a
 *   comparator written in the past fires at once; in 32-bit mode the low
 *   32 bits are compared, so it matches again every 2^32 ticks;
 * - periodic: a comparator write sets the period (the accumulator step)
 *   and, only while Tn_VAL_SET_CNF is set, the comparator too; on each
 *   match the comparator advances by whole periods past the counter;
 * - 32-bit mode (Tn_32MODE_CNF) truncates comparator and period and
 *   reads the comparator's upper half as 0.
 * Interrupts: an edge timer pulses its line on a match; a level timer
 * sets its GINTR_STA bit and holds its line high until the guest clears
 * the bit (write 1). A line is driven only while the HPET and the
 * timer's interrupt are enabled.
 *
 * Invariants: guest offsets are masked to the 1 KiB block; a route the
 * capabilities do not allow is ignored; periodic catch-up is computed,
 * never looped per period.
 */
#include "hw/timer/hpet.h"

#include <string.h>

#include "hw/acpi/acpi.h"
#include "hw/core/devtypes.h"
#include "hw/pc/pc.h"

#define HPET_SAVE_VERSION 1
#define HPET_OUT_NONE     (-1)
#define HPET_OUT_LEGACY0  (PC_NUM_GSI)       /* ISA IRQ 0 */
#define HPET_OUT_LEGACY8  (PC_NUM_GSI + 1)   /* ISA IRQ 8 */
#define HPET_TN_WRITABLE  (HPET_TN_LEVEL | HPET_TN_INT_ENB | \
                           HPET_TN_PERIODIC | HPET_TN_VAL_SET | \
                           HPET_TN_32BIT | HPET_TN_ROUTE)

static int64_t hpet_now(HPETState *s)
{
    return clock_ns(&s->dev.machine->timers);
}

static bool hpet_enabled(HPETState *s)
{
    return s->config & HPET_CFG_ENABLE;
}

/* The main counter at virtual time now. */
static uint64_t hpet_counter_at(HPETState *s, int64_t now)
{
    if (!hpet_enabled(s)) {
        return s->counter;
    }
    return s->counter + (uint64_t)(now - s->ref_ns) / HPET_PERIOD_NS;
}

uint64_t hpet_read_counter(HPETState *s)
{
    return hpet_counter_at(s, hpet_now(s));
}

static bool hpet_is_32bit(const HPETTimer *t)
{
    return t->config & HPET_TN_32BIT;
}

/* ---- interrupt lines ---- */

static void hpet_legacy_refresh(HPETState *s, int slot)
{
    int level = (s->config & HPET_CFG_LEGACY) ? s->legacy_hpet_level[slot]
                                              : s->legacy_dev_level[slot];

    if (level != s->legacy_driven[slot]) {
        s->legacy_driven[slot] = level;
        irq_set(&s->legacy_out[slot], level);
    }
}

/* The PIT (slot 0) or the RTC (slot 1) drives its ISA line. */
static void hpet_legacy_input(void *opaque, int n, int level)
{
    HPETState *s = opaque;
    int slot = n == 0 ? 0 : 1;

    s->legacy_dev_level[slot] = level;
    hpet_legacy_refresh(s, slot);
}

/* Sets what the HPET itself drives on out (a GSI or a legacy slot). */
static void hpet_out_drive(HPETState *s, int out, int level, bool force)
{
    if (out == HPET_OUT_LEGACY0 || out == HPET_OUT_LEGACY8) {
        int slot = out - HPET_OUT_LEGACY0;
        s->legacy_hpet_level[slot] = level;
        hpet_legacy_refresh(s, slot);
    } else if (out >= 0 && (force || level != ((s->gsi_driven >> out) & 1))) {
        s->gsi_driven = (s->gsi_driven & ~(1u << out)) |
                        ((uint32_t)level << out);
        irq_set(&s->dev.machine->gsi[out], level);
    }
}

/* Timers sharing an output: the line is high while any of them holds it. */
static int hpet_out_level(HPETState *s, int out)
{
    for (int i = 0; i < HPET_NUM_TIMERS; i++) {
        if (s->t[i].out == out && s->t[i].out_level) {
            return 1;
        }
    }
    return 0;
}

static void hpet_out_refresh(HPETState *s, int out)
{
    hpet_out_drive(s, out, hpet_out_level(s, out), false);
}

/* An edge: invisible while another timer holds the shared line high. */
static void hpet_out_pulse(HPETState *s, int out)
{
    if (!hpet_out_level(s, out)) {
        hpet_out_drive(s, out, 1, false);
        hpet_out_drive(s, out, 0, false);
    }
}

static int hpet_timer_out(HPETTimer *t)
{
    HPETState *s = t->hpet;
    unsigned route = (unsigned)((t->config & HPET_TN_ROUTE) >>
                                HPET_TN_ROUTE_SHIFT);

    if ((s->config & HPET_CFG_LEGACY) && t->index < 2) {
        return t->index == 0 ? HPET_OUT_LEGACY0 : HPET_OUT_LEGACY8;
    }
    if ((HPET_ROUTE_CAP >> route) & 1) {
        return (int)route;
    }
    return HPET_OUT_NONE;
}

/* Drives the timer's line from its state; moves it if the route changed. */
static void hpet_timer_update_out(HPETTimer *t)
{
    HPETState *s = t->hpet;
    int out = hpet_timer_out(t), old = t->out;
    int level = hpet_enabled(s) && (t->config & HPET_TN_INT_ENB) &&
                (t->config & HPET_TN_LEVEL) && ((s->isr >> t->index) & 1);

    if (out == old && level == t->out_level) {
        return;
    }
    t->out = out;
    t->out_level = level;
    if (old != out) {
        hpet_out_refresh(s, old);
    }
    hpet_out_refresh(s, out);
}

static void hpet_timer_fire(HPETTimer *t)
{
    HPETState *s = t->hpet;

    if (t->config & HPET_TN_LEVEL) {
        s->isr |= 1ull << t->index;
        hpet_timer_update_out(t);
    } else if (hpet_enabled(s) && (t->config & HPET_TN_INT_ENB)) {
        hpet_out_pulse(s, hpet_timer_out(t));
    }
}

/* ---- comparators ---- */

/* Arms the Timer for a match diff ticks after now (0: fire at once). */
static void hpet_timer_arm_in(HPETTimer *t, int64_t now, uint64_t diff)
{
    if (diff > (uint64_t)(INT64_MAX - now) / HPET_PERIOD_NS) {
        timer_del(&t->timer);        /* centuries away */
        return;
    }
    timer_mod(&t->timer, now + (int64_t)diff * HPET_PERIOD_NS);
}

/*
 * The next match after the counter value cur, which the counter had at
 * now: at once if the comparator is past. Callers take cur and now from
 * one clock reading: a second reading could find a periodic comparator
 * that was just ahead of cur already behind, which 32-bit mode takes as
 * 2^32 ticks (43 s) away.
 */
static void hpet_timer_arm_from(HPETTimer *t, int64_t now, uint64_t cur)
{
    uint64_t diff;

    if (!hpet_enabled(t->hpet)) {
        timer_del(&t->timer);
        return;
    }
    if (hpet_is_32bit(t)) {
        diff = (uint32_t)(t->cmp - cur);
    } else {
        diff = t->cmp > cur ? t->cmp - cur : 0;
    }
    hpet_timer_arm_in(t, now, diff);
}

/* After a write: the next match, at once if the comparator is past. */
static void hpet_timer_arm(HPETTimer *t)
{
    int64_t now = hpet_now(t->hpet);

    hpet_timer_arm_from(t, now, hpet_counter_at(t->hpet, now));
}

/* Periodic mode: moves the comparator by whole periods past cur. */
static void hpet_timer_advance(HPETTimer *t, uint64_t cur)
{
    uint64_t mask = hpet_is_32bit(t) ? 0xffffffffull : ~0ull;
    uint64_t behind = (cur - t->cmp) & mask;

    if (behind >= (mask >> 1) + 1) {
        return;                      /* the comparator is ahead */
    }
    t->cmp = (t->cmp + (behind / t->period + 1) * t->period) & mask;
}

/* One match of t's comparator: interrupt, then the next match. */
static void hpet_timer_expired(HPETTimer *t)
{
    int64_t now = hpet_now(t->hpet);
    uint64_t cur = hpet_counter_at(t->hpet, now);

    hpet_timer_fire(t);
    if ((t->config & HPET_TN_PERIODIC) && t->period) {
        uint64_t mask = hpet_is_32bit(t) ? 0xffffffffull : ~0ull;
        uint64_t diff;
        hpet_timer_advance(t, cur);
        /* Ahead of cur now, even if the sum wrapped: never "past". */
        diff = (t->cmp - cur) & mask;
        hpet_timer_arm_in(t, now, diff ? diff : t->period & mask);
    } else if (hpet_is_32bit(t)) {
        uint32_t diff = (uint32_t)(t->cmp - cur);
        hpet_timer_arm_in(t, now, diff ? diff : 1ull << 32);
    }
}

/*
 * Any timer's Timer fired: serve every timer that is due, earliest first
 * and by index on a tie, so the order of simultaneous matches (an edge
 * next to a level on a shared line) does not depend on the order the
 * Timers were armed in, which a load does not keep. Each one served is
 * re-armed strictly later (or not at all), so this ends.
 */
static void hpet_timer_cb(void *opaque)
{
    HPETTimer *fired = opaque;
    HPETState *s = fired->hpet;
    int64_t now = hpet_now(s);
    bool due[HPET_NUM_TIMERS];

    for (int i = 0; i < HPET_NUM_TIMERS; i++) {
        HPETTimer *t = &s->t[i];
        due[i] = t == fired ||
                 (timer_pending(&t->timer) && t->timer.expire_ns <= now);
    }
    for (;;) {
        HPETTimer *next = NULL;
        for (int i = 0; i < HPET_NUM_TIMERS; i++) {
            if (due[i] && (!next ||
                           s->t[i].timer.expire_ns < next->timer.expire_ns)) {
                next = &s->t[i];
            }
        }
        if (!next) {
            return;
        }
        due[next->index] = false;
        timer_del(&next->timer);
        if (hpet_enabled(s)) {
            hpet_timer_expired(next);
        }
    }
}

/* ---- registers ---- */

static uint64_t hpet_timer_read(HPETTimer *t, unsigned reg)
{
    switch (reg) {
    case 0x00:
        return (t->config & ~(uint64_t)HPET_TN_VAL_SET) | HPET_TN_PER_CAP |
               HPET_TN_SIZE_CAP | ((uint64_t)HPET_ROUTE_CAP << 32);
    case 0x08:
        return hpet_is_32bit(t) ? (uint32_t)t->cmp : t->cmp;
    default:
        return 0;                    /* FSB route: not implemented */
    }
}

static uint64_t hpet_reg_read(HPETState *s, unsigned reg)
{
    switch (reg) {
    case HPET_REG_CAP:
        return HPET_CAP_ID_LOW | (HPET_PERIOD_FS << 32);
    case HPET_REG_CONFIG:
        return s->config;
    case HPET_REG_ISR:
        return s->isr;
    case HPET_REG_COUNTER:
        return hpet_read_counter(s);
    }
    if (reg >= HPET_REG_TIMER(0) && reg < HPET_REG_TIMER(HPET_NUM_TIMERS)) {
        unsigned n = (reg - HPET_REG_TIMER(0)) / 0x20;
        return hpet_timer_read(&s->t[n], reg & 0x1f);
    }
    return 0;
}

static void hpet_write_config(HPETState *s, uint64_t val)
{
    uint64_t old = s->config;

    s->config = val & (HPET_CFG_ENABLE | HPET_CFG_LEGACY);
    if ((old ^ s->config) & HPET_CFG_ENABLE) {
        if (s->config & HPET_CFG_ENABLE) {
            s->ref_ns = hpet_now(s);
        } else {
            s->counter += (uint64_t)(hpet_now(s) - s->ref_ns) /
                          HPET_PERIOD_NS;
        }
    }
    for (int i = 0; i < HPET_NUM_TIMERS; i++) {
        hpet_timer_arm(&s->t[i]);
        hpet_timer_update_out(&s->t[i]);
    }
    hpet_legacy_refresh(s, 0);
    hpet_legacy_refresh(s, 1);
}

static void hpet_write_counter(HPETState *s, uint64_t val)
{
    if (hpet_enabled(s)) {
        log_mask(&s->dev.machine->log, LOG_GUEST_ERROR,
                 "hpet: main counter written while enabled\n");
    }
    s->counter = val;
    s->ref_ns = hpet_now(s);
    for (int i = 0; i < HPET_NUM_TIMERS; i++) {
        hpet_timer_arm(&s->t[i]);
    }
}

static void hpet_timer_write_config(HPETTimer *t, uint64_t val)
{
    uint64_t old = t->config;
    unsigned route = (unsigned)((val & HPET_TN_ROUTE) >> HPET_TN_ROUTE_SHIFT);

    t->config = val & HPET_TN_WRITABLE;
    if (!((HPET_ROUTE_CAP >> route) & 1)) {
        t->config = (t->config & ~(uint64_t)HPET_TN_ROUTE) |
                    (old & HPET_TN_ROUTE);
    }
    if (!(t->config & HPET_TN_LEVEL)) {
        t->hpet->isr &= ~(1ull << t->index);
    }
    if (hpet_is_32bit(t)) {
        t->cmp = (uint32_t)t->cmp;
        t->period = (uint32_t)t->period;
    }
    hpet_timer_arm(t);
    hpet_timer_update_out(t);
}

/* val is the merged 64-bit value; mask the bits this access wrote. */
static void hpet_timer_write_cmp(HPETTimer *t, uint64_t val, uint64_t mask)
{
    if (hpet_is_32bit(t)) {
        val = (uint32_t)val;
        mask &= 0xffffffffull;
    }
    if (!(t->config & HPET_TN_PERIODIC) || (t->config & HPET_TN_VAL_SET)) {
        t->cmp = (t->cmp & ~mask) | (val & mask);
    }
    if (t->config & HPET_TN_PERIODIC) {
        t->period = (t->period & ~mask) | (val & mask);
    }
    t->config &= ~(uint64_t)HPET_TN_VAL_SET;
    hpet_timer_arm(t);
}

static void hpet_reg_write(HPETState *s, unsigned reg, uint64_t val,
                           uint64_t mask)
{
    uint64_t merged = (hpet_reg_read(s, reg) & ~mask) | (val & mask);

    if (reg == HPET_REG_CONFIG) {
        hpet_write_config(s, merged);
    } else if (reg == HPET_REG_ISR) {
        s->isr &= ~(val & mask);
        for (int i = 0; i < HPET_NUM_TIMERS; i++) {
            hpet_timer_update_out(&s->t[i]);
        }
    } else if (reg == HPET_REG_COUNTER) {
        hpet_write_counter(s, merged);
    } else if (reg >= HPET_REG_TIMER(0) &&
               reg < HPET_REG_TIMER(HPET_NUM_TIMERS)) {
        HPETTimer *t = &s->t[(reg - HPET_REG_TIMER(0)) / 0x20];
        if ((reg & 0x1f) == 0) {
            hpet_timer_write_config(t, merged);
        } else if ((reg & 0x1f) == 8) {
            hpet_timer_write_cmp(t, val, mask);
        }
    }
}

static uint64_t hpet_mmio_read(void *opaque, uint64_t offset, unsigned size)
{
    HPETState *s = opaque;
    unsigned shift = (unsigned)(offset & 7) * 8;

    if (shift + size * 8 > 64) {
        return ~0ull >> (64 - 8 * size);
    }
    return (hpet_reg_read(s, (unsigned)offset & ~7u) >> shift) &
           (~0ull >> (64 - 8 * size));
}

static void hpet_mmio_write(void *opaque, uint64_t offset, uint64_t value,
                            unsigned size)
{
    HPETState *s = opaque;
    unsigned shift = (unsigned)(offset & 7) * 8;
    uint64_t mask = ~0ull >> (64 - 8 * size);

    if (shift + size * 8 > 64) {
        return;
    }
    hpet_reg_write(s, (unsigned)offset & ~7u, value << shift, mask << shift);
}

static const MemoryRegionOps hpet_mmio_ops = {
    .read = hpet_mmio_read,
    .write = hpet_mmio_write,
    .min_access = 4,
    .max_access = 8,
};

/* ---- device ---- */

static void hpet_reset(Device *dev);

static int hpet_realize(Device *dev, Error *err)
{
    HPETState *s = (HPETState *)dev;
    Machine *m = dev->machine;

    memory_region_init_io(&s->mmio, "hpet", HPET_MMIO_SIZE, &hpet_mmio_ops,
                          s);
    if (address_space_map_region(&m->mem, HPET_BASE, &s->mmio, 0,
                                 HPET_MMIO_SIZE, PRIO_IO) < 0) {
        return error_setg(err, "cannot map the HPET at 0x%llx",
                          (unsigned long long)HPET_BASE);
    }
    for (int i = 0; i < HPET_NUM_TIMERS; i++) {
        s->t[i] = (HPETTimer){ .hpet = s, .index = i, .out = HPET_OUT_NONE };
        timer_init(&s->t[i].timer, &m->timers, hpet_timer_cb, &s->t[i]);
    }
    s->legacy_out[0] = m->gsi[0];
    s->legacy_out[1] = m->gsi[8];
    m->gsi[0] = (IrqLine){ hpet_legacy_input, s, 0 };
    m->gsi[8] = (IrqLine){ hpet_legacy_input, s, 8 };
    hpet_reset(dev);
    return 0;
}

static void hpet_unrealize(Device *dev)
{
    HPETState *s = (HPETState *)dev;
    Machine *m = dev->machine;

    for (int i = 0; i < HPET_NUM_TIMERS; i++) {
        timer_del(&s->t[i].timer);
    }
    m->gsi[0] = s->legacy_out[0];
    m->gsi[8] = s->legacy_out[1];
    address_space_unmap_region(&m->mem, &s->mmio);
}

static void hpet_reset(Device *dev)
{
    HPETState *s = (HPETState *)dev;

    s->config = 0;
    s->isr = 0;
    s->counter = 0;
    s->ref_ns = hpet_now(s);
    for (int i = 0; i < HPET_NUM_TIMERS; i++) {
        HPETTimer *t = &s->t[i];
        timer_del(&t->timer);
        t->config = 0;
        t->cmp = ~0ull;
        t->period = 0;
        hpet_timer_update_out(t);
    }
    hpet_legacy_refresh(s, 0);
    hpet_legacy_refresh(s, 1);
}

static void hpet_save(Device *dev, SaveBuf *b)
{
    HPETState *s = (HPETState *)dev;

    save_u8(b, HPET_SAVE_VERSION);
    save_u64(b, s->config);
    save_u64(b, s->isr);
    /* the count at ref_ns and the time since, so no fraction of a tick
     * is lost */
    save_u64(b, s->counter);
    save_u64(b, hpet_enabled(s) ? (uint64_t)(hpet_now(s) - s->ref_ns) : 0);
    for (int i = 0; i < HPET_NUM_TIMERS; i++) {
        const HPETTimer *t = &s->t[i];
        int64_t left = t->timer.expire_ns - hpet_now(s);
        save_u64(b, t->config);
        save_u64(b, t->cmp);
        save_u64(b, t->period);
        /* when the armed Timer fires: ~0 if it is not armed */
        save_u64(b, timer_pending(&t->timer) ? (uint64_t)MAX(left, 0) : ~0ull);
    }
    save_u8(b, (uint8_t)s->legacy_dev_level[0]);
    save_u8(b, (uint8_t)s->legacy_dev_level[1]);
}

/* What hpet_save wrote, read back before anything is checked or used. */
typedef struct HPETSaved {
    uint8_t version, dev_level[2];
    uint64_t config, isr, counter, elapsed;
    uint64_t config_n[HPET_NUM_TIMERS], cmp[HPET_NUM_TIMERS];
    uint64_t period[HPET_NUM_TIMERS], left[HPET_NUM_TIMERS];
} HPETSaved;

static void hpet_load_read(SaveBuf *b, HPETSaved *v)
{
    v->version = load_u8(b);
    v->config = load_u64(b);
    v->isr = load_u64(b);
    v->counter = load_u64(b);
    v->elapsed = load_u64(b);
    for (int i = 0; i < HPET_NUM_TIMERS; i++) {
        v->config_n[i] = load_u64(b);
        v->cmp[i] = load_u64(b);
        v->period[i] = load_u64(b);
        v->left[i] = load_u64(b);
    }
    v->dev_level[0] = load_u8(b);
    v->dev_level[1] = load_u8(b);
}

static bool hpet_load_valid(const HPETSaved *v)
{
    if ((v->config & ~(uint64_t)(HPET_CFG_ENABLE | HPET_CFG_LEGACY)) ||
        (v->isr >> HPET_NUM_TIMERS) || v->dev_level[0] > 1 ||
        v->dev_level[1] > 1 || v->elapsed >> 62 ||
        (v->elapsed && !(v->config & HPET_CFG_ENABLE))) {
        return false;
    }
    for (int i = 0; i < HPET_NUM_TIMERS; i++) {
        unsigned route = (unsigned)((v->config_n[i] & HPET_TN_ROUTE) >>
                                    HPET_TN_ROUTE_SHIFT);
        if ((v->config_n[i] & ~(uint64_t)HPET_TN_WRITABLE) ||
            (route && !((HPET_ROUTE_CAP >> route) & 1)) ||
            (v->left[i] != ~0ull && v->left[i] > (uint64_t)INT64_MAX)) {
            return false;
        }
    }
    return true;
}

static int hpet_load(Device *dev, SaveBuf *b, Error *err)
{
    HPETState *s = (HPETState *)dev;
    int64_t now = hpet_now(s);
    HPETSaved v;

    hpet_load_read(b, &v);
    if (b->error || v.version != HPET_SAVE_VERSION) {
        return error_setg(err, "hpet: bad state (version %u)", v.version);
    }
    if (!hpet_load_valid(&v)) {
        return error_setg(err, "hpet: invalid state");
    }
    s->config = v.config;
    s->isr = v.isr;
    s->counter = v.counter;
    s->ref_ns = now - (int64_t)v.elapsed;
    for (int i = 0; i < HPET_NUM_TIMERS; i++) {
        HPETTimer *t = &s->t[i];
        t->config = v.config_n[i];
        t->cmp = v.cmp[i];
        t->period = v.period[i];
        if (v.left[i] > (uint64_t)(INT64_MAX - now)) {
            timer_del(&t->timer);            /* not armed, or centuries */
        } else {
            timer_mod(&t->timer, now + (int64_t)v.left[i]);
        }
    }
    s->legacy_dev_level[0] = v.dev_level[0];
    s->legacy_dev_level[1] = v.dev_level[1];
    return 0;
}

/* Drives every line from the loaded state. */
static void hpet_post_load(Device *dev)
{
    HPETState *s = (HPETState *)dev;

    for (int i = 0; i < HPET_NUM_TIMERS; i++) {
        HPETTimer *t = &s->t[i];
        t->out = hpet_timer_out(t);
        t->out_level = hpet_enabled(s) && (t->config & HPET_TN_INT_ENB) &&
                       (t->config & HPET_TN_LEVEL) && ((s->isr >> i) & 1);
    }
    for (int out = 0; out < PC_NUM_GSI; out++) {
        if ((HPET_ROUTE_CAP >> out) & 1) {
            hpet_out_drive(s, out, hpet_out_level(s, out), true);
        }
    }
    for (int slot = 0; slot < 2; slot++) {
        s->legacy_hpet_level[slot] = hpet_out_level(s, HPET_OUT_LEGACY0 + slot);
        s->legacy_driven[slot] = -1;
        hpet_legacy_refresh(s, slot);
    }
}

const DeviceType hpet_type = {
    .name = "hpet",
    .desc = "HPET: 64-bit counter at 100 MHz, three comparators",
    .instance_size = sizeof(HPETState),
    .realize = hpet_realize,
    .unrealize = hpet_unrealize,
    .reset = hpet_reset,
    .save = hpet_save,
    .load = hpet_load,
    .post_load = hpet_post_load,
};
