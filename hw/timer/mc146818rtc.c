/*
 * MC146818 real-time clock and 128 bytes of CMOS RAM (see mc146818rtc.h),
 * after the Motorola MC146818A data sheet.
 *
 * Time keeping: while the clock runs (SET clear, divider not held in
 * reset), the second `base_sec` (seconds since 1970, UTC) began at virtual
 * time `base_ns`; the current time is derived from the virtual clock on
 * every access, and the time bytes in cmos[] are refreshed from it before
 * they are read. While the clock is stopped, the time bytes in cmos[] are
 * the time, and the guest may rewrite them; restarting decodes them.
 * Updates happen on whole seconds after base_ns; UIP reads as 1 for the
 * 244 us before each one.
 *
 * Interrupts: PF at the rate of register A (a timer while PIE is set,
 * computed on reading register C otherwise), UF and AF from a timer at
 * each update while the clock runs. IRQF and the IRQ 8 level are
 * PF.PIE + AF.AIE + UF.UIE; reading register C clears the flags.
 *
 * Guest writes never fail: the index is masked to 7 bits, time bytes that
 * are not valid BCD or out of range are clamped when decoded.
 */
#include "hw/timer/mc146818rtc.h"

#include <string.h>
#include <time.h>

#include "hw/core/devtypes.h"
#include "hw/pc/pc.h"

#define NS_PER_SEC           1000000000LL
#define RTC_UIP_NS           244000LL       /* UIP lead before an update */
#define RTC_BASE_FREQ        32768          /* time base of the divider */
#define RTC_DV_NORMAL        0x20           /* 32.768 kHz, running */
#define RTC_SAVE_VERSION     1
#define RTC_MIN_SEC          (-62167219200LL)  /* 0000-01-01T00:00:00 */
#define RTC_MAX_SEC          253402300799LL    /* 9999-12-31T23:59:59 */

typedef struct RTCState {
    Device dev;
    uint64_t start_time;             /* property: 0 = the host's clock */

    MemoryRegion mr;
    uint8_t cmos[RTC_CMOS_SIZE];
    uint8_t index;
    bool nmi_masked;
    bool irq_level;

    int64_t base_sec, base_ns;
    int64_t pf_ref_ns;               /* when PF was last cleared */
    Timer periodic_timer, update_timer;
} RTCState;

typedef struct RTCTime {
    int64_t year;
    int mon, mday, wday, hour, min, sec;   /* mon 1-12, wday 0 = Sunday */
} RTCTime;

/* ---- calendar arithmetic (proleptic Gregorian, UTC) ---- */

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

static bool is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Leap years in [1, y). */
static int64_t leaps_before(int64_t y)
{
    int64_t p = y - 1;
    return floor_div(p, 4) - floor_div(p, 100) + floor_div(p, 400);
}

/* Days from 1970-01-01 to January 1st of year y. */
static int64_t days_to_year(int64_t y)
{
    return 365 * (y - 1970) + leaps_before(y) - leaps_before(1970);
}

static int month_days(int64_t y, int mon)
{
    static const uint8_t days[12] = { 31, 28, 31, 30, 31, 30,
                                      31, 31, 30, 31, 30, 31 };
    return days[mon - 1] + (mon == 2 && is_leap(y));
}

static int64_t rtc_time_to_sec(const RTCTime *t)
{
    int64_t days = days_to_year(t->year);

    for (int mon = 1; mon < t->mon; mon++) {
        days += month_days(t->year, mon);
    }
    days += t->mday - 1;
    return days * 86400 + t->hour * 3600 + t->min * 60 + t->sec;
}

static void rtc_sec_to_time(int64_t secs, RTCTime *t)
{
    int64_t days = floor_div(secs, 86400);
    int64_t rem = secs - days * 86400;
    /* An estimate at or below the year, then count up. */
    int64_t y = 1970 + floor_div(days, days >= 0 ? 366 : 365) - 1;

    t->wday = (int)(((days + 4) % 7 + 7) % 7);   /* 1970-01-01: Thursday */

    while (days_to_year(y + 1) <= days) {
        y++;
    }
    days -= days_to_year(y);
    t->year = y;
    t->mon = 1;
    while (days >= month_days(y, t->mon)) {
        days -= month_days(y, t->mon);
        t->mon++;
    }
    t->mday = (int)days + 1;
    t->hour = (int)(rem / 3600);
    t->min = (int)(rem / 60 % 60);
    t->sec = (int)(rem % 60);
}

/* ---- register encoding ---- */

static bool rtc_binary(const RTCState *s)
{
    return s->cmos[RTC_REG_B] & RTC_B_DM_BINARY;
}

static uint8_t rtc_to_reg(const RTCState *s, int v)
{
    return rtc_binary(s) ? (uint8_t)v : (uint8_t)(((v / 10) << 4) | (v % 10));
}

static int rtc_from_reg(const RTCState *s, uint8_t r)
{
    return rtc_binary(s) ? r : ((r >> 4) & 0xf) * 10 + (r & 0xf);
}

static uint8_t rtc_hour_to_reg(const RTCState *s, int h)
{
    if (s->cmos[RTC_REG_B] & RTC_B_24H) {
        return rtc_to_reg(s, h);
    }
    return (uint8_t)(rtc_to_reg(s, h % 12 ? h % 12 : 12) | (h >= 12 ? 0x80 : 0));
}

static int rtc_hour_from_reg(const RTCState *s, uint8_t r)
{
    int h;

    if (s->cmos[RTC_REG_B] & RTC_B_24H) {
        return rtc_from_reg(s, r);
    }
    h = rtc_from_reg(s, r & 0x7f) % 12;
    return (r & 0x80) ? h + 12 : h;
}

static int clamp_int(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static void rtc_store_time(RTCState *s, int64_t secs)
{
    RTCTime t;

    rtc_sec_to_time(secs, &t);
    s->cmos[RTC_SECONDS] = rtc_to_reg(s, t.sec);
    s->cmos[RTC_MINUTES] = rtc_to_reg(s, t.min);
    s->cmos[RTC_HOURS] = rtc_hour_to_reg(s, t.hour);
    s->cmos[RTC_DAY_OF_WEEK] = rtc_to_reg(s, t.wday + 1);
    s->cmos[RTC_DAY_OF_MONTH] = rtc_to_reg(s, t.mday);
    s->cmos[RTC_MONTH] = rtc_to_reg(s, t.mon);
    s->cmos[RTC_YEAR] = rtc_to_reg(s, (int)(t.year % 100));
    s->cmos[RTC_CENTURY] = rtc_to_reg(s, (int)(t.year / 100 % 100));
}

static int64_t rtc_load_time(const RTCState *s)
{
    RTCTime t;
    int mon;

    t.sec = clamp_int(rtc_from_reg(s, s->cmos[RTC_SECONDS]), 0, 59);
    t.min = clamp_int(rtc_from_reg(s, s->cmos[RTC_MINUTES]), 0, 59);
    t.hour = clamp_int(rtc_hour_from_reg(s, s->cmos[RTC_HOURS]), 0, 23);
    mon = clamp_int(rtc_from_reg(s, s->cmos[RTC_MONTH]), 1, 12);
    t.mon = mon;
    t.year = clamp_int(rtc_from_reg(s, s->cmos[RTC_CENTURY]), 0, 99) * 100 +
             clamp_int(rtc_from_reg(s, s->cmos[RTC_YEAR]), 0, 99);
    t.mday = clamp_int(rtc_from_reg(s, s->cmos[RTC_DAY_OF_MONTH]), 1,
                       month_days(t.year, mon));
    t.wday = 0;
    return rtc_time_to_sec(&t);
}

/* ---- the running clock ---- */

static int64_t rtc_now(const RTCState *s)
{
    return clock_ns(&s->dev.machine->timers);
}

static bool rtc_running(const RTCState *s)
{
    return !(s->cmos[RTC_REG_B] & RTC_B_SET) &&
           (s->cmos[RTC_REG_A] & RTC_A_DV_MASK) <= RTC_DV_NORMAL;
}

static bool rtc_divider_reset(const RTCState *s)
{
    return (s->cmos[RTC_REG_A] & 0x60) == 0x60;
}

/* Current second of a running clock; *phase gets the ns into it. */
static int64_t rtc_current_sec(const RTCState *s, int64_t now, int64_t *phase)
{
    int64_t k = floor_div(now - s->base_ns, NS_PER_SEC);

    if (phase) {
        *phase = now - s->base_ns - k * NS_PER_SEC;
    }
    return s->base_sec + k;
}

/* Brings the time bytes of cmos[] up to date if the clock runs. */
static void rtc_sync_cmos(RTCState *s)
{
    if (rtc_running(s)) {
        rtc_store_time(s, rtc_current_sec(s, rtc_now(s), NULL));
    }
}

/* Recomputes IRQF; drives IRQ 8 when it changed (or always if forced). */
static void rtc_set_irqf(RTCState *s, bool force)
{
    uint8_t b = s->cmos[RTC_REG_B], c = s->cmos[RTC_REG_C];
    bool irqf = ((c & RTC_C_PF) && (b & RTC_B_PIE)) ||
                ((c & RTC_C_AF) && (b & RTC_B_AIE)) ||
                ((c & RTC_C_UF) && (b & RTC_B_UIE));

    s->cmos[RTC_REG_C] = irqf ? (c | RTC_C_IRQF) : (c & ~RTC_C_IRQF);
    if (force || irqf != s->irq_level) {
        s->irq_level = irqf;
        irq_set(&s->dev.machine->gsi[RTC_ISA_IRQ], irqf);
    }
}

static void rtc_update_irq(RTCState *s)
{
    rtc_set_irqf(s, false);
}

static void rtc_arm_update(RTCState *s)
{
    int64_t now = rtc_now(s);

    if (!rtc_running(s)) {
        timer_del(&s->update_timer);
        return;
    }
    timer_mod(&s->update_timer,
              s->base_ns + (floor_div(now - s->base_ns, NS_PER_SEC) + 1) *
              NS_PER_SEC);
}

static bool rtc_alarm_field_matches(uint8_t alarm, uint8_t value)
{
    return (alarm & 0xc0) == 0xc0 || alarm == value;
}

static void rtc_update_cb(void *opaque)
{
    RTCState *s = opaque;

    if (!rtc_running(s)) {
        return;
    }
    rtc_sync_cmos(s);
    s->cmos[RTC_REG_C] |= RTC_C_UF;
    if (rtc_alarm_field_matches(s->cmos[RTC_SECONDS_ALARM], s->cmos[RTC_SECONDS]) &&
        rtc_alarm_field_matches(s->cmos[RTC_MINUTES_ALARM], s->cmos[RTC_MINUTES]) &&
        rtc_alarm_field_matches(s->cmos[RTC_HOURS_ALARM], s->cmos[RTC_HOURS])) {
        s->cmos[RTC_REG_C] |= RTC_C_AF;
    }
    rtc_update_irq(s);
    rtc_arm_update(s);
}

/* Starts a stopped clock from the time bytes, `phase` ns into a second. */
static void rtc_start(RTCState *s, int64_t phase)
{
    s->base_sec = rtc_load_time(s);
    s->base_ns = rtc_now(s) - phase;
    rtc_arm_update(s);
}

/* ---- periodic interrupt ---- */

/* Period in ticks of the 32.768 kHz time base, or 0 when off. */
static int64_t rtc_period_ticks(const RTCState *s)
{
    unsigned rs = s->cmos[RTC_REG_A] & RTC_A_RS_MASK;

    if (rs == 0 || rtc_divider_reset(s)) {
        return 0;
    }
    return rs <= 2 ? 1 << (rs + 6) : 1 << (rs - 1);
}

static int64_t ns_to_ticks(int64_t ns)
{
    return floor_div(ns, NS_PER_SEC) * RTC_BASE_FREQ +
           (ns - floor_div(ns, NS_PER_SEC) * NS_PER_SEC) * RTC_BASE_FREQ /
           NS_PER_SEC;
}

/* First virtual time at or after tick `t`. */
static int64_t ticks_to_ns(int64_t t)
{
    int64_t secs = floor_div(t, RTC_BASE_FREQ);
    int64_t rem = t - secs * RTC_BASE_FREQ;

    return secs * NS_PER_SEC + (rem * NS_PER_SEC + RTC_BASE_FREQ - 1) /
           RTC_BASE_FREQ;
}

static void rtc_arm_periodic(RTCState *s)
{
    int64_t period = rtc_period_ticks(s);
    int64_t tick;

    if (!period || !(s->cmos[RTC_REG_B] & RTC_B_PIE)) {
        timer_del(&s->periodic_timer);
        return;
    }
    tick = ns_to_ticks(rtc_now(s));
    timer_mod(&s->periodic_timer,
              ticks_to_ns((floor_div(tick, period) + 1) * period));
}

static void rtc_periodic_cb(void *opaque)
{
    RTCState *s = opaque;

    s->cmos[RTC_REG_C] |= RTC_C_PF;
    rtc_update_irq(s);
    rtc_arm_periodic(s);
}

/* Whether a periodic tick passed since PF was last cleared. */
static bool rtc_pf_due(const RTCState *s, int64_t now)
{
    int64_t period = rtc_period_ticks(s);

    return period && floor_div(ns_to_ticks(now), period) !=
                     floor_div(ns_to_ticks(s->pf_ref_ns), period);
}

/* PF for a guest that polls instead of enabling the interrupt. */
static void rtc_poll_pf(RTCState *s, int64_t now)
{
    if (rtc_pf_due(s, now)) {
        s->cmos[RTC_REG_C] |= RTC_C_PF;
    }
}

/* ---- register access ---- */

static bool rtc_is_time_reg(unsigned idx)
{
    return idx == RTC_SECONDS || idx == RTC_MINUTES || idx == RTC_HOURS ||
           (idx >= RTC_DAY_OF_WEEK && idx <= RTC_YEAR) || idx == RTC_CENTURY;
}

static uint8_t rtc_read_reg(RTCState *s, unsigned idx)
{
    int64_t now = rtc_now(s), phase;
    uint8_t v;

    if (rtc_is_time_reg(idx)) {
        rtc_sync_cmos(s);
        return s->cmos[idx];
    }
    switch (idx) {
    case RTC_REG_A:
        v = s->cmos[RTC_REG_A] & ~RTC_A_UIP;
        if (rtc_running(s)) {
            rtc_current_sec(s, now, &phase);
            if (phase >= NS_PER_SEC - RTC_UIP_NS) {
                v |= RTC_A_UIP;
            }
        }
        return v;
    case RTC_REG_C:
        if (!(s->cmos[RTC_REG_B] & RTC_B_PIE)) {
            rtc_poll_pf(s, now);
        }
        v = s->cmos[RTC_REG_C];
        s->cmos[RTC_REG_C] = 0;
        s->pf_ref_ns = now;
        rtc_update_irq(s);
        return v;
    case RTC_REG_D:
        return RTC_D_VRT;
    default:
        return s->cmos[idx];
    }
}

/* Applies a new register A or B value, stopping or restarting the clock. */
static void rtc_write_control(RTCState *s, unsigned idx, uint8_t v)
{
    bool was_running = rtc_running(s);
    bool was_reset = rtc_divider_reset(s);

    rtc_sync_cmos(s);                /* in the format before the change */
    if (!(s->cmos[RTC_REG_B] & RTC_B_PIE)) {
        /* PF is set at every period even while polled: a period that
         * passed under the old rate shows (and interrupts once PIE is on) */
        rtc_poll_pf(s, rtc_now(s));
    }
    s->pf_ref_ns = rtc_now(s);       /* later periods count at the new rate */
    if (idx == RTC_REG_A) {
        s->cmos[RTC_REG_A] = v & ~RTC_A_UIP;
    } else {
        if ((v & RTC_B_SET) && !(s->cmos[RTC_REG_B] & RTC_B_SET)) {
            v &= ~RTC_B_UIE;         /* setting SET clears UIE */
        }
        s->cmos[RTC_REG_B] = v;
    }
    if (!was_running && rtc_running(s)) {
        /* Leaving divider reset, the first update comes 500 ms later. */
        rtc_start(s, was_reset ? NS_PER_SEC / 2 : 0);
    } else if (!rtc_running(s)) {
        timer_del(&s->update_timer);
    }
    rtc_arm_periodic(s);
    rtc_update_irq(s);
}

static void rtc_write_time_reg(RTCState *s, unsigned idx, uint8_t v)
{
    int64_t now, phase;

    if (!rtc_running(s)) {
        s->cmos[idx] = v;            /* takes effect when SET is cleared */
        return;
    }
    /* A running clock takes the new value at once, keeping its phase. */
    now = rtc_now(s);
    rtc_sync_cmos(s);
    rtc_current_sec(s, now, &phase);
    s->cmos[idx] = v;
    rtc_start(s, phase);
}

static void rtc_write_reg(RTCState *s, unsigned idx, uint8_t v)
{
    if (rtc_is_time_reg(idx)) {
        rtc_write_time_reg(s, idx, v);
        return;
    }
    switch (idx) {
    case RTC_REG_A:
    case RTC_REG_B:
        rtc_write_control(s, idx, v);
        break;
    case RTC_REG_C:
    case RTC_REG_D:
        log_mask(&s->dev.machine->log, LOG_GUEST_ERROR,
                 "rtc: write 0x%02x to read-only register 0x%x\n", v, idx);
        break;
    default:
        s->cmos[idx] = v;            /* alarms and CMOS memory */
        break;
    }
}

static uint64_t rtc_io_read(void *opaque, uint64_t offset, unsigned size)
{
    RTCState *s = opaque;

    if (offset == 0) {
        return 0xff;                 /* the index port is write-only */
    }
    return rtc_read_reg(s, s->index);
}

static void rtc_io_write(void *opaque, uint64_t offset, uint64_t value,
                         unsigned size)
{
    RTCState *s = opaque;

    if (offset == 0) {
        s->index = value & 0x7f;
        s->nmi_masked = (value & 0x80) != 0;
    } else {
        rtc_write_reg(s, s->index, (uint8_t)value);
    }
}

static const MemoryRegionOps rtc_io_ops = {
    .read = rtc_io_read,
    .write = rtc_io_write,
    .min_access = 1,
    .max_access = 1,
};

uint8_t rtc_get_cmos(Device *dev, unsigned index)
{
    return ((RTCState *)dev)->cmos[index & 0x7f];
}

void rtc_set_cmos(Device *dev, unsigned index, uint8_t value)
{
    ((RTCState *)dev)->cmos[index & 0x7f] = value;
}

/* ---- lifecycle ---- */

static void rtc_set_word(RTCState *s, unsigned lo, uint64_t v, uint64_t cap)
{
    v = MIN(v, cap);
    s->cmos[lo] = (uint8_t)v;
    s->cmos[lo + 1] = (uint8_t)(v >> 8);
}

/* The bytes SeaBIOS and other PC firmware read to size memory. */
static void rtc_set_memory_info(RTCState *s, const Machine *m)
{
    uint64_t ext_kb = m->below_4g > MiB ? (m->below_4g - MiB) / KiB : 0;
    uint64_t above16 = m->below_4g > 16 * MiB ?
                       (m->below_4g - 16 * MiB) / (64 * KiB) : 0;
    uint64_t above4g = MIN(m->above_4g / (64 * KiB), 0xffffffull);
    unsigned sum = 0;

    s->cmos[CMOS_EQUIPMENT] = 0x06;  /* FPU, PS/2 mouse, VGA, no floppy */
    rtc_set_word(s, CMOS_BASE_MEM_LO, 640, 0xffff);
    rtc_set_word(s, CMOS_EXT_MEM_LO, ext_kb, 0xffff);
    rtc_set_word(s, CMOS_EXT_MEM2_LO, ext_kb, 0xffff);
    rtc_set_word(s, CMOS_MEM_16M_LO, above16, 0xffff);
    s->cmos[CMOS_MEM_4G_LO] = (uint8_t)above4g;
    s->cmos[CMOS_MEM_4G_LO + 1] = (uint8_t)(above4g >> 8);
    s->cmos[CMOS_MEM_4G_LO + 2] = (uint8_t)(above4g >> 16);
    s->cmos[CMOS_NB_CPUS] = (uint8_t)(m->cfg.smp > 1 ? m->cfg.smp - 1 : 0);
    for (unsigned i = 0x10; i < CMOS_CHECKSUM_HI; i++) {
        sum += s->cmos[i];
    }
    s->cmos[CMOS_CHECKSUM_HI] = (uint8_t)(sum >> 8);
    s->cmos[CMOS_CHECKSUM_LO] = (uint8_t)sum;
}

static int rtc_realize(Device *dev, Error *err)
{
    RTCState *s = (RTCState *)dev;
    Machine *m = dev->machine;
    struct timespec ts;
    int64_t phase = 0;

    memory_region_init_io(&s->mr, "rtc", 2, &rtc_io_ops, s);
    if (machine_map_ports(m, RTC_IO_BASE, &s->mr) < 0) {
        return error_setg(err, "cannot map ports 0x70-0x71");
    }
    timer_init(&s->periodic_timer, &m->timers, rtc_periodic_cb, s);
    timer_init(&s->update_timer, &m->timers, rtc_update_cb, s);
    memset(s->cmos, 0, sizeof(s->cmos));
    s->cmos[RTC_REG_A] = RTC_DV_NORMAL | 0x06;   /* 32.768 kHz, 1024 Hz */
    s->cmos[RTC_REG_B] = RTC_B_24H;
    s->cmos[RTC_REG_D] = RTC_D_VRT;
    rtc_set_memory_info(s, m);

    if (s->start_time > (uint64_t)RTC_MAX_SEC) {
        return error_setg(err, "start-time %llu is after the year 9999",
                          (unsigned long long)s->start_time);
    }
    if (s->start_time) {
        s->base_sec = (int64_t)s->start_time;
    } else {
        clock_gettime(CLOCK_REALTIME, &ts);
        s->base_sec = ts.tv_sec;
        phase = ts.tv_nsec;          /* follow the host's second boundaries */
    }
    rtc_store_time(s, s->base_sec);
    rtc_start(s, phase);
    s->pf_ref_ns = rtc_now(s);
    return 0;
}

static void rtc_unrealize(Device *dev)
{
    RTCState *s = (RTCState *)dev;

    timer_del(&s->periodic_timer);
    timer_del(&s->update_timer);
    address_space_unmap_region(&dev->machine->io, &s->mr);
}

/* The RESET pin: interrupt enables and flags clear, the time runs on. */
static void rtc_reset(Device *dev)
{
    RTCState *s = (RTCState *)dev;

    s->cmos[RTC_REG_B] &= ~(RTC_B_PIE | RTC_B_AIE | RTC_B_UIE | RTC_B_SQWE);
    s->cmos[RTC_REG_C] = 0;
    s->pf_ref_ns = rtc_now(s);
    rtc_arm_periodic(s);
    rtc_update_irq(s);
}

static void rtc_save(Device *dev, SaveBuf *b)
{
    RTCState *s = (RTCState *)dev;
    int64_t phase = 0;
    int64_t sec = rtc_current_sec(s, rtc_now(s), &phase);
    uint8_t cmos[RTC_CMOS_SIZE];

    /* A PF the guest has not polled yet is saved as set (load restarts
     * the polling reference at the load time). */
    memcpy(cmos, s->cmos, sizeof(cmos));
    if (!(cmos[RTC_REG_B] & RTC_B_PIE) && rtc_pf_due(s, rtc_now(s))) {
        cmos[RTC_REG_C] |= RTC_C_PF;
    }
    save_u8(b, RTC_SAVE_VERSION);
    save_bytes(b, cmos, sizeof(cmos));
    save_u8(b, s->index);
    save_u8(b, s->nmi_masked);
    save_u64(b, (uint64_t)sec);
    save_u64(b, (uint64_t)phase);
}

static int rtc_load(Device *dev, SaveBuf *b, Error *err)
{
    RTCState *s = (RTCState *)dev;
    uint8_t cmos[RTC_CMOS_SIZE];
    uint8_t version = load_u8(b), index, nmi;
    int64_t sec, phase;

    load_bytes(b, cmos, sizeof(cmos));
    index = load_u8(b);
    nmi = load_u8(b);
    sec = (int64_t)load_u64(b);
    phase = (int64_t)load_u64(b);
    if (b->error || version != RTC_SAVE_VERSION) {
        return error_setg(err, "rtc: bad state (version %u)", version);
    }
    if (index >= RTC_CMOS_SIZE || nmi > 1 || phase < 0 ||
        phase >= NS_PER_SEC || sec < RTC_MIN_SEC ||
        sec > 2 * RTC_MAX_SEC || (cmos[RTC_REG_A] & RTC_A_UIP) ||
        (cmos[RTC_REG_C] & 0x0f) || cmos[RTC_REG_D] != RTC_D_VRT) {
        return error_setg(err, "rtc: invalid state");
    }
    memcpy(s->cmos, cmos, sizeof(cmos));
    s->index = index;
    s->nmi_masked = nmi;
    s->base_sec = sec;
    s->base_ns = rtc_now(s) - phase;
    s->pf_ref_ns = rtc_now(s);
    rtc_arm_update(s);
    rtc_arm_periodic(s);
    return 0;
}

static void rtc_post_load(Device *dev)
{
    rtc_set_irqf((RTCState *)dev, true);
}

static const PropDef rtc_props[] = {
    PROP_DEF_U64("start-time", RTCState, start_time, 0,
                 "initial time in seconds since 1970 UTC (0: the host's)"),
    PROP_DEF_END,
};

const DeviceType mc146818rtc_type = {
    .name = "mc146818rtc",
    .desc = "MC146818 real-time clock and CMOS memory",
    .instance_size = sizeof(RTCState),
    .props = rtc_props,
    .realize = rtc_realize,
    .unrealize = rtc_unrealize,
    .reset = rtc_reset,
    .save = rtc_save,
    .load = rtc_load,
    .post_load = rtc_post_load,
};
