/*
 * The local APIC ("apic", one per vCPU), after the Intel SDM Vol. 3,
 * chapter "Advanced Programmable Interrupt Controller (APIC)": xAPIC
 * registers in a 4 KiB MMIO page at the APIC base, x2APIC registers as
 * MSRs 0x800-0x8ff, the IA32_APIC_BASE MSR (enable, x2APIC, relocation),
 * interrupt acceptance and priorities (IRR/ISR/TMR, TPR/PPR/APR), EOI with
 * EOI broadcast to the I/O APIC, IPIs through the ICR (fixed, lowest
 * priority, NMI, INIT, SIPI, shorthands), the LVT, the error register and
 * the timer (one-shot, periodic, TSC-deadline).
 *
 * All APICs of a machine share the MMIO address; the region's callbacks
 * find the APIC of the vCPU that is accessing (apic_current_cpu). The
 * APIC ID is the vCPU index. Every function here runs with the machine
 * lock held.
 *
 * At machine reset the BSP's LINT0 is ExtINT and LINT1 is NMI (virtual
 * wire mode, as firmware leaves them), so the 8259 reaches vCPU 0 before
 * the guest programs its APIC; INIT and disabling the APIC through
 * IA32_APIC_BASE give the architectural state instead (all LVTs masked,
 * SVR 0xff: software-disabled).
 */
#include "hw/intc/intc.h"

#include <string.h>

/* Register indices (xAPIC offset >> 4, x2APIC MSR - 0x800) */
enum {
    APIC_ID = 0x02, APIC_VER = 0x03, APIC_TPR = 0x08, APIC_APR = 0x09,
    APIC_PPR = 0x0a, APIC_EOI = 0x0b, APIC_RRD = 0x0c, APIC_LDR = 0x0d,
    APIC_DFR = 0x0e, APIC_SVR = 0x0f, APIC_ISR = 0x10, APIC_TMR = 0x18,
    APIC_IRR = 0x20, APIC_ESR = 0x28, APIC_ICR = 0x30, APIC_ICR2 = 0x31,
    APIC_LVT0 = 0x32, APIC_TMICT = 0x38, APIC_TMCCT = 0x39,
    APIC_TDCR = 0x3e, APIC_SELF_IPI = 0x3f,
};

#define APIC_MSR_BASE 0x800
#define APIC_ICR_VALID 0x000ccfffull
#define APIC_ICR_LEVEL_ASSERT (1u << 14)
#define APIC_ICR_TRIGGER (1u << 15)
#define APIC_SVR_VALID 0x3ffu
#define APIC_BASE_ADDR_MASK 0x000ffffffffff000ull
#define APIC_BASE_VALID (APIC_BASE_ADDR_MASK | MSR_APICBASE_EXTD | \
                         MSR_APICBASE_ENABLE | MSR_APICBASE_BSP)
#define APIC_UNMAPPED 1ull
#define APIC_TIMER_MIN_NS 1000   /* fastest periodic rate we run */

static const uint32_t apic_lvt_valid[APIC_LVT_NB] = {
    [APIC_LVT_TIMER] = 0x000700ff,
    [APIC_LVT_THERMAL] = 0x000107ff,
    [APIC_LVT_PERF] = 0x000107ff,
    [APIC_LVT_LINT0] = 0x0001e7ff,
    [APIC_LVT_LINT1] = 0x0001e7ff,
    [APIC_LVT_ERROR] = 0x000100ff,
};

static void apic_timer_rearm(APICState *s);

/* ------------------------------------------------------------- helpers */

static inline bool apic_hw_enabled(const APICState *s)
{
    return s->apicbase & MSR_APICBASE_ENABLE;
}

static inline bool apic_is_x2(const APICState *s)
{
    return s->apicbase & MSR_APICBASE_EXTD;
}

static inline bool apic_sw_enabled(const APICState *s)
{
    return s->svr & APIC_SVR_ENABLE;
}

static inline void vec_set(uint32_t *r, int v)
{
    r[v >> 5] |= 1u << (v & 31);
}

static inline void vec_clear(uint32_t *r, int v)
{
    r[v >> 5] &= ~(1u << (v & 31));
}

static inline bool vec_test(const uint32_t *r, int v)
{
    return r[v >> 5] & (1u << (v & 31));
}

static int vec_highest(const uint32_t *r)
{
    for (int i = 7; i >= 0; i--) {
        if (r[i]) {
            return i * 32 + 31 - __builtin_clz(r[i]);
        }
    }
    return -1;
}

static uint32_t apic_x2_ldr(uint32_t id)
{
    return ((id >> 4) << 16) | (1u << (id & 0xf));
}

static int apic_timer_mode(const APICState *s)
{
    return (s->lvt[APIC_LVT_TIMER] >> APIC_LVT_TIMER_MODE_SHIFT) & 3;
}

static uint32_t apic_timer_divisor(const APICState *s)
{
    unsigned v = (s->dcr & 3) | ((s->dcr >> 1) & 4);
    return v == 7 ? 1 : 2u << v;
}

static VCPU *apic_cpu(const APICState *s)
{
    Machine *m = s->dev.machine;
    return (int)s->cpu_index < m->ncpus ? m->cpus[s->cpu_index] : NULL;
}

VCPU *apic_current_cpu(Machine *m)
{
    pthread_t self = pthread_self();

    for (int i = 0; i < m->ncpus; i++) {
        if (m->cpus[i] && pthread_equal(m->cpus[i]->thread, self)) {
            return m->cpus[i];
        }
    }
    return m->ncpus > 0 ? m->cpus[0] : NULL;
}

APICState *apic_of_cpu(VCPU *cpu)
{
    if (!cpu || cpu->index < 0 || cpu->index >= PC_MAX_CPUS) {
        return NULL;
    }
    return cpu->machine->apic[cpu->index];
}

uint64_t pc_cpu_get_tsc(VCPU *cpu)
{
    int64_t ns = clock_ns(&cpu->machine->timers);
    return muldiv64((uint64_t)MAX(ns, 0), PC_TSC_HZ, 1000000000ull) +
           cpu->env.tsc_adjust;
}

/* ----------------------------------------------------- CPU notification */

static void apic_kick(VCPU *cpu)
{
    Machine *m = cpu->machine;

    if (pthread_equal(cpu->thread, pthread_self())) {
        return;
    }
    if (m->accel && m->accel->vcpu_kick) {
        m->accel->vcpu_kick(cpu);
    }
    pthread_cond_broadcast(&m->cond);
}

static void apic_raise(VCPU *cpu, unsigned bits)
{
    unsigned old = atomic_fetch_or(&cpu->interrupt_request, bits);
    if ((old & bits) != bits) {
        apic_kick(cpu);
    }
}

static uint8_t apic_ppr(const APICState *s)
{
    int isrv = vec_highest(s->isr);
    uint8_t isr_class = isrv < 0 ? 0 : (uint8_t)(isrv & 0xf0);

    return (s->tpr & 0xf0) >= isr_class ? s->tpr : isr_class;
}

static uint8_t apic_apr(const APICState *s)
{
    int isrv = vec_highest(s->isr), irrv = vec_highest(s->irr);
    uint8_t isr_class = isrv < 0 ? 0 : (uint8_t)(isrv & 0xf0);
    uint8_t irr_class = irrv < 0 ? 0 : (uint8_t)(irrv & 0xf0);
    uint8_t tpr_class = s->tpr & 0xf0;

    if (tpr_class >= irr_class && tpr_class > isr_class) {
        return s->tpr;
    }
    return MAX(tpr_class, MAX(isr_class, irr_class));
}

/* Highest IRR vector above the processor priority, or -1. */
static int apic_pending_vector(const APICState *s)
{
    int v = vec_highest(s->irr);

    if (v < 0 || (v & 0xf0) <= (apic_ppr(s) & 0xf0)) {
        return -1;
    }
    return v;
}

bool apic_has_interrupt(APICState *s)
{
    return apic_hw_enabled(s) && apic_sw_enabled(s) &&
           apic_pending_vector(s) >= 0;
}

bool apic_accepts_pic(const APICState *s)
{
    uint32_t lvt = s->lvt[APIC_LVT_LINT0];

    if (!apic_hw_enabled(s)) {
        return true;
    }
    return !(lvt & APIC_LVT_MASKED) && ((lvt >> 8) & 7) == APIC_DM_EXTINT;
}

void pc_cpu_update_interrupt(VCPU *cpu)
{
    Machine *m = cpu->machine;
    APICState *s = apic_of_cpu(cpu);
    bool hard;

    if (s) {
        hard = apic_has_interrupt(s) ||
               (apic_hw_enabled(s) && s->extint_pending) ||
               (apic_accepts_pic(s) && s->lint_level[0]);
    } else {
        hard = cpu->index == 0 && m->pic && pic_get_intr(m->pic);
    }
    if (hard) {
        apic_raise(cpu, CPU_INTERRUPT_HARD);
    } else {
        atomic_fetch_and(&cpu->interrupt_request,
                         ~(unsigned)CPU_INTERRUPT_HARD);
    }
}

static void apic_update(APICState *s)
{
    VCPU *cpu = apic_cpu(s);
    if (cpu) {
        pc_cpu_update_interrupt(cpu);
    }
}

/* ------------------------------------------------- accepting interrupts */

static void apic_set_irr(APICState *s, int vector, bool level);

static void apic_error(APICState *s, uint32_t bits)
{
    uint32_t fresh = bits & ~s->esr_pending;
    uint32_t lvt = s->lvt[APIC_LVT_ERROR];

    s->esr_pending |= bits;
    if (fresh && !(lvt & APIC_LVT_MASKED)) {
        apic_set_irr(s, lvt & 0xff, false);
    }
}

static void apic_set_irr(APICState *s, int vector, bool level)
{
    if (vector < 16) {
        apic_error(s, APIC_ESR_RECV_ILLEGAL);
        return;
    }
    vec_set(s->irr, vector);
    if (level) {
        vec_set(s->tmr, vector);
    } else {
        vec_clear(s->tmr, vector);
    }
    apic_update(s);
}

/* What a local APIC does with an interrupt message addressed to it. */
static void apic_accept(APICState *s, int delivery_mode, uint8_t vector,
                        int trigger_mode)
{
    VCPU *cpu = apic_cpu(s);

    if (!apic_hw_enabled(s)) {
        return;
    }
    switch (delivery_mode) {
    case APIC_DM_FIXED:
    case APIC_DM_LOWEST:
        apic_set_irr(s, vector, trigger_mode != 0);
        break;
    case APIC_DM_NMI:
        if (cpu) {
            apic_raise(cpu, CPU_INTERRUPT_NMI);
        }
        break;
    case APIC_DM_INIT:
        if (cpu) {
            apic_raise(cpu, CPU_INTERRUPT_INIT);
        }
        break;
    case APIC_DM_SIPI:
        s->sipi_vector = vector;
        if (cpu) {
            apic_raise(cpu, CPU_INTERRUPT_SIPI);
        }
        break;
    case APIC_DM_EXTINT:
        s->extint_pending = true;
        apic_update(s);
        break;
    default:
        log_mask(&s->dev.machine->log, LOG_UNIMP,
                 "apic: delivery mode %d (SMI) ignored\n", delivery_mode);
        break;
    }
}

static bool apic_match(const APICState *s, uint32_t dest, int dest_mode)
{
    if (apic_is_x2(s)) {
        uint32_t ldr = apic_x2_ldr(s->id);
        if (dest == 0xffffffffu) {
            return true;
        }
        if (!dest_mode) {
            return dest == s->id;
        }
        return (dest >> 16) == (ldr >> 16) && (dest & ldr & 0xffff);
    }
    dest &= 0xff;
    if (dest == 0xff) {
        return true;
    }
    if (!dest_mode) {
        return dest == (s->id & 0xff);
    }
    uint8_t lid = s->ldr >> 24;
    if ((s->dfr >> 28) == 0xf) {
        return (lid & dest) != 0;                   /* flat model */
    }
    return (lid >> 4) == (dest >> 4) && (lid & dest & 0xf);   /* cluster */
}

void apic_deliver(Machine *m, uint32_t dest, int dest_mode, int delivery_mode,
                  uint8_t vector, int trigger_mode)
{
    APICState *lowest = NULL;

    for (int i = 0; i < PC_MAX_CPUS; i++) {
        APICState *s = m->apic[i];
        if (!s || !apic_hw_enabled(s) || !apic_match(s, dest, dest_mode)) {
            continue;
        }
        if (delivery_mode != APIC_DM_LOWEST) {
            apic_accept(s, delivery_mode, vector, trigger_mode);
        } else if (!lowest || apic_apr(s) < apic_apr(lowest)) {
            lowest = s;
        }
    }
    if (lowest) {
        apic_accept(lowest, delivery_mode, vector, trigger_mode);
    }
}

static void apic_send_ipi(APICState *s)
{
    Machine *m = s->dev.machine;
    uint32_t lo = (uint32_t)s->icr;
    uint8_t vector = lo & 0xff;
    int dm = (lo >> 8) & 7, dest_mode = (lo >> 11) & 1;
    int trigger = (lo & APIC_ICR_TRIGGER) != 0, shorthand = (lo >> 18) & 3;
    uint32_t dest = apic_is_x2(s) ? (uint32_t)(s->icr >> 32)
                                  : (uint32_t)(s->icr >> 56);

    if (dm == APIC_DM_INIT && trigger && !(lo & APIC_ICR_LEVEL_ASSERT)) {
        return;                  /* INIT level de-assert: nothing to do */
    }
    if ((dm == APIC_DM_FIXED || dm == APIC_DM_LOWEST) && vector < 16) {
        apic_error(s, APIC_ESR_SEND_ILLEGAL);
        return;
    }
    switch (shorthand) {
    case 0:
        apic_deliver(m, dest, dest_mode, dm, vector, trigger);
        break;
    case 1:
        apic_accept(s, dm, vector, trigger);
        break;
    default:
        for (int i = 0; i < PC_MAX_CPUS; i++) {
            APICState *t = m->apic[i];
            if (t && (shorthand == 2 || t != s)) {
                apic_accept(t, dm == APIC_DM_LOWEST ? APIC_DM_FIXED : dm,
                            vector, trigger);
            }
        }
        break;
    }
}

/* Delivers the interrupt described by one LVT entry. */
static void apic_local_deliver(APICState *s, int lvt_index)
{
    uint32_t lvt = s->lvt[lvt_index];
    int dm = (lvt >> 8) & 7;
    VCPU *cpu = apic_cpu(s);

    if (!apic_hw_enabled(s) || (lvt & APIC_LVT_MASKED)) {
        return;
    }
    if (lvt_index == APIC_LVT_TIMER || lvt_index == APIC_LVT_ERROR) {
        dm = APIC_DM_FIXED;
    }
    switch (dm) {
    case APIC_DM_FIXED:
        apic_set_irr(s, lvt & 0xff,
                     (lvt_index == APIC_LVT_LINT0 ||
                      lvt_index == APIC_LVT_LINT1) && (lvt & APIC_LVT_LEVEL));
        break;
    case APIC_DM_NMI:
        if (cpu) {
            apic_raise(cpu, CPU_INTERRUPT_NMI);
        }
        break;
    case APIC_DM_INIT:
        if (cpu) {
            apic_raise(cpu, CPU_INTERRUPT_INIT);
        }
        break;
    case APIC_DM_EXTINT:
        apic_update(s);          /* the 8259 is asked at the INTA cycle */
        break;
    default:
        break;
    }
}

void apic_set_lint(APICState *s, int lint, int level)
{
    VCPU *cpu = apic_cpu(s);
    bool rising;

    if (lint < 0 || lint > 1) {
        return;
    }
    rising = level && !s->lint_level[lint];
    s->lint_level[lint] = level != 0;
    if (!apic_hw_enabled(s)) {
        /* no APIC: LINT0 is INTR, LINT1 is NMI */
        if (lint == 1 && rising && cpu) {
            apic_raise(cpu, CPU_INTERRUPT_NMI);
        }
    } else if (rising) {
        apic_local_deliver(s, APIC_LVT_LINT0 + lint);
    }
    apic_update(s);
}

/* -------------------------------------------------------- CPU interface */

int apic_get_interrupt(APICState *s)
{
    int v;

    if (!apic_hw_enabled(s) || !apic_sw_enabled(s)) {
        return -1;
    }
    v = apic_pending_vector(s);
    if (v < 0) {
        return -1;
    }
    vec_clear(s->irr, v);
    vec_set(s->isr, v);
    apic_update(s);
    return v;
}

int pc_cpu_get_interrupt(VCPU *cpu)
{
    Machine *m = cpu->machine;
    APICState *s = apic_of_cpu(cpu);
    int v = -1;

    if (s) {
        v = apic_get_interrupt(s);
        if (v < 0 && ((apic_hw_enabled(s) && s->extint_pending) ||
                      (apic_accepts_pic(s) && s->lint_level[0]))) {
            s->extint_pending = false;
            if (m->pic) {
                v = pic_read_irq(m->pic);
            }
        }
    } else if (cpu->index == 0 && m->pic && pic_get_intr(m->pic)) {
        v = pic_read_irq(m->pic);
    }
    pc_cpu_update_interrupt(cpu);
    return v;
}

void apic_set_tpr(APICState *s, uint8_t cr8)
{
    s->tpr = (uint8_t)((cr8 & 0xf) << 4);
    apic_update(s);
}

uint8_t apic_get_tpr(const APICState *s)
{
    return s->tpr >> 4;
}

uint8_t apic_sipi_vector(const APICState *s)
{
    return s->sipi_vector;
}

static void apic_eoi(APICState *s)
{
    Machine *m = s->dev.machine;
    int v = vec_highest(s->isr);

    if (v < 0) {
        return;
    }
    vec_clear(s->isr, v);
    if (vec_test(s->tmr, v)) {
        vec_clear(s->tmr, v);
        if (m->ioapic) {
            ioapic_eoi(m->ioapic, (uint8_t)v);
        }
    }
    apic_update(s);
}

/* --------------------------------------------------------------- timer */

static int64_t apic_ticks_to_ns(const APICState *s, uint64_t ticks)
{
    uint64_t bus = ticks * apic_timer_divisor(s);
    uint64_t ns = muldiv64(bus, 1000000000ull, APIC_BUS_HZ);
    return (int64_t)MAX(ns, 1);
}

static uint64_t apic_elapsed_ticks(const APICState *s, int64_t now)
{
    int64_t d = now - s->timer_start_ns;
    if (d <= 0) {
        return 0;
    }
    return muldiv64((uint64_t)d, APIC_BUS_HZ, 1000000000ull) /
           apic_timer_divisor(s);
}

static uint32_t apic_current_count(const APICState *s)
{
    int64_t now = clock_ns(&s->dev.machine->timers);
    uint64_t e;

    if (!s->initial_count || apic_timer_mode(s) == APIC_TIMER_TSC_DEADLINE ||
        !apic_hw_enabled(s)) {
        return 0;
    }
    e = apic_elapsed_ticks(s, now);
    if (apic_timer_mode(s) == APIC_TIMER_PERIODIC) {
        return s->initial_count - (uint32_t)(e % s->initial_count);
    }
    return e >= s->initial_count ? 0 : s->initial_count - (uint32_t)e;
}

static void apic_arm_deadline(APICState *s, int64_t now)
{
    VCPU *cpu = apic_cpu(s);
    uint64_t tsc = cpu ? pc_cpu_get_tsc(cpu) : 0;
    uint64_t delta;

    if (s->tsc_deadline <= tsc) {
        timer_mod(&s->timer, now);
        return;
    }
    delta = muldiv64(s->tsc_deadline - tsc, 1000000000ull, PC_TSC_HZ) + 1;
    timer_mod(&s->timer, now + (int64_t)MIN(delta, (uint64_t)INT64_MAX / 2));
}

static void apic_timer_rearm(APICState *s)
{
    int64_t now = clock_ns(&s->dev.machine->timers);
    int mode = apic_timer_mode(s);

    timer_del(&s->timer);
    if (!apic_hw_enabled(s)) {
        return;
    }
    if (mode == APIC_TIMER_TSC_DEADLINE) {
        if (s->tsc_deadline) {
            apic_arm_deadline(s, now);
        }
        return;
    }
    if (!s->initial_count) {
        return;
    }
    int64_t period = apic_ticks_to_ns(s, s->initial_count);
    int64_t expire = s->timer_start_ns + period;
    if (mode == APIC_TIMER_PERIODIC) {
        if (expire <= now) {
            int64_t k = (now - s->timer_start_ns) / period;
            expire = s->timer_start_ns + (k + 1) * period;
        }
        expire = MAX(expire, now + APIC_TIMER_MIN_NS);
    } else if (expire <= now) {
        return;                  /* a one-shot count that already ended */
    }
    s->timer_next_ns = expire;
    timer_mod(&s->timer, expire);
}

static void apic_timer_cb(void *opaque)
{
    APICState *s = opaque;
    int mode = apic_timer_mode(s);

    if (mode == APIC_TIMER_TSC_DEADLINE) {
        VCPU *cpu = apic_cpu(s);
        if (!s->tsc_deadline) {
            return;
        }
        if (cpu && pc_cpu_get_tsc(cpu) < s->tsc_deadline) {
            apic_timer_rearm(s);             /* woke early */
            return;
        }
        s->tsc_deadline = 0;
        apic_local_deliver(s, APIC_LVT_TIMER);
        return;
    }
    apic_local_deliver(s, APIC_LVT_TIMER);
    if (mode == APIC_TIMER_PERIODIC) {
        apic_timer_rearm(s);
    }
}

static void apic_timer_start(APICState *s, uint32_t count)
{
    s->initial_count = count;
    s->timer_start_ns = clock_ns(&s->dev.machine->timers);
    apic_timer_rearm(s);
}

static void apic_set_tsc_deadline(APICState *s, uint64_t val)
{
    if (apic_timer_mode(s) != APIC_TIMER_TSC_DEADLINE) {
        return;                  /* ignored outside TSC-deadline mode */
    }
    s->tsc_deadline = val;
    apic_timer_rearm(s);
}

static void apic_write_timer_lvt(APICState *s, uint32_t val)
{
    int old = apic_timer_mode(s);
    int mode = (val >> APIC_LVT_TIMER_MODE_SHIFT) & 3;

    if (mode == 3) {             /* reserved: keep the current mode */
        val = (val & ~(3u << APIC_LVT_TIMER_MODE_SHIFT)) |
              ((uint32_t)old << APIC_LVT_TIMER_MODE_SHIFT);
        mode = old;
    }
    s->lvt[APIC_LVT_TIMER] = val;
    if (mode != old && (mode == APIC_TIMER_TSC_DEADLINE ||
                        old == APIC_TIMER_TSC_DEADLINE)) {
        s->initial_count = 0;
        s->tsc_deadline = 0;
    }
    apic_timer_rearm(s);
}

static void apic_write_dcr(APICState *s, uint32_t val)
{
    int64_t now = clock_ns(&s->dev.machine->timers);
    uint32_t cur = apic_current_count(s);

    s->dcr = val & 0xb;
    if (s->initial_count && cur) {
        /* keep counting from the current value at the new rate */
        s->timer_start_ns = now -
            apic_ticks_to_ns(s, s->initial_count - cur) + 1;
    }
    apic_timer_rearm(s);
}

/* ------------------------------------------------------- state changes */

static void apic_update_mapping(APICState *s)
{
    Machine *m = s->dev.machine;
    uint64_t want = APIC_UNMAPPED;

    if (apic_hw_enabled(s) && !apic_is_x2(s)) {
        want = s->apicbase & APIC_BASE_ADDR_MASK;
    }
    if (want == s->mapped_base) {
        return;
    }
    if (s->mapped_base != APIC_UNMAPPED) {
        address_space_unmap_region(&m->mem, &s->mmio);
    }
    if (want != APIC_UNMAPPED &&
        address_space_map_region(&m->mem, want, &s->mmio, 0, 0x1000,
                                  PRIO_IO) < 0) {
        want = APIC_UNMAPPED;
    }
    s->mapped_base = want;
}

void apic_init_reset(APICState *s)
{
    s->tpr = 0;
    s->svr = 0xff;
    memset(s->isr, 0, sizeof(s->isr));
    memset(s->tmr, 0, sizeof(s->tmr));
    memset(s->irr, 0, sizeof(s->irr));
    s->esr = s->esr_pending = 0;
    s->icr = 0;
    s->ldr = apic_is_x2(s) ? apic_x2_ldr(s->id) : 0;
    s->dfr = 0xffffffff;
    for (int i = 0; i < APIC_LVT_NB; i++) {
        s->lvt[i] = APIC_LVT_MASKED;
    }
    s->dcr = 0;
    s->initial_count = 0;
    s->timer_start_ns = 0;
    s->tsc_deadline = 0;
    timer_del(&s->timer);
    s->extint_pending = false;
    s->sipi_vector = 0;
    apic_update(s);
}

uint64_t apic_get_base(const APICState *s)
{
    return s->apicbase;
}

int apic_set_base(APICState *s, uint64_t val)
{
    bool en = val & MSR_APICBASE_ENABLE, x2 = val & MSR_APICBASE_EXTD;
    bool was_en = apic_hw_enabled(s), was_x2 = apic_is_x2(s);
    VCPU *cpu = apic_cpu(s);

    if ((val & ~APIC_BASE_VALID) || (x2 && !en) ||
        (was_x2 && en && !x2) || (!was_en && x2)) {
        return -1;               /* reserved bits or invalid transition */
    }
    s->apicbase = (val & ~MSR_APICBASE_BSP) | (s->apicbase & MSR_APICBASE_BSP);
    if (was_en && !en) {
        s->id = s->cpu_index;
        apic_init_reset(s);      /* disabled: back to the power-up state */
    }
    if (x2 && !was_x2) {
        s->id = s->cpu_index;    /* the x2APIC ID is the initial APIC ID */
        s->ldr = apic_x2_ldr(s->id);
    }
    apic_update_mapping(s);
    apic_timer_rearm(s);
    if (cpu) {
        cpu->env.apic_base = s->apicbase;
    }
    apic_update(s);
    return 0;
}

/* ----------------------------------------------------------- registers */

/* Reads register idx; returns -1 if it does not exist in this mode. */
static int apic_reg_read(APICState *s, unsigned idx, uint64_t *val)
{
    bool x2 = apic_is_x2(s);

    switch (idx) {
    case APIC_ID:   *val = x2 ? s->id : (uint64_t)(s->id & 0xff) << 24; break;
    case APIC_VER:  *val = APIC_VERSION; break;
    case APIC_TPR:  *val = s->tpr; break;
    case APIC_APR:  *val = apic_apr(s); break;
    case APIC_PPR:  *val = apic_ppr(s); break;
    case APIC_EOI:  *val = 0; break;
    case APIC_RRD:  *val = 0; break;
    case APIC_LDR:  *val = s->ldr; break;
    case APIC_DFR:  *val = s->dfr; break;
    case APIC_SVR:  *val = s->svr; break;
    case APIC_ESR:  *val = s->esr; break;
    case APIC_ICR:  *val = x2 ? s->icr : (uint32_t)s->icr; break;
    case APIC_ICR2: *val = s->icr >> 32; break;
    case APIC_TMICT: *val = s->initial_count; break;
    case APIC_TMCCT: *val = apic_current_count(s); break;
    case APIC_TDCR: *val = s->dcr; break;
    default:
        if (idx >= APIC_ISR && idx < APIC_ISR + 8) {
            *val = s->isr[idx - APIC_ISR];
        } else if (idx >= APIC_TMR && idx < APIC_TMR + 8) {
            *val = s->tmr[idx - APIC_TMR];
        } else if (idx >= APIC_IRR && idx < APIC_IRR + 8) {
            *val = s->irr[idx - APIC_IRR];
        } else if (idx >= APIC_LVT0 && idx < APIC_LVT0 + APIC_LVT_NB) {
            *val = s->lvt[idx - APIC_LVT0];
        } else {
            *val = 0;
            return -1;
        }
        break;
    }
    return 0;
}

static void apic_write_lvt(APICState *s, int n, uint32_t val)
{
    val &= apic_lvt_valid[n] & ~APIC_LVT_REMOTE_IRR;
    val |= s->lvt[n] & APIC_LVT_REMOTE_IRR;
    if (!apic_sw_enabled(s)) {
        val |= APIC_LVT_MASKED;
    }
    if (n == APIC_LVT_TIMER) {
        apic_write_timer_lvt(s, val);
    } else {
        s->lvt[n] = val;
    }
    apic_update(s);
}

static void apic_write_svr(APICState *s, uint32_t val)
{
    s->svr = val & APIC_SVR_VALID;
    if (!apic_sw_enabled(s)) {
        for (int i = 0; i < APIC_LVT_NB; i++) {
            s->lvt[i] |= APIC_LVT_MASKED;
        }
    }
    apic_update(s);
}

/* Writes register idx (access checks already done by the caller). */
static void apic_reg_write(APICState *s, unsigned idx, uint64_t val)
{
    uint32_t v = (uint32_t)val;

    switch (idx) {
    case APIC_ID:   s->id = v >> 24; break;
    case APIC_TPR:  s->tpr = v & 0xff; apic_update(s); break;
    case APIC_EOI:  apic_eoi(s); break;
    case APIC_LDR:  s->ldr = v & 0xff000000u; break;
    case APIC_DFR:  s->dfr = v | 0x0fffffffu; break;
    case APIC_SVR:  apic_write_svr(s, v); break;
    case APIC_ESR:
        s->esr = s->esr_pending;
        s->esr_pending = 0;
        break;
    case APIC_ICR:
        if (apic_is_x2(s)) {
            s->icr = val & (APIC_ICR_VALID | 0xffffffff00000000ull);
        } else {
            s->icr = (s->icr & 0xffffffff00000000ull) | (v & APIC_ICR_VALID);
        }
        apic_send_ipi(s);
        break;
    case APIC_ICR2:
        s->icr = (uint32_t)s->icr | ((uint64_t)(v & 0xff000000u) << 32);
        break;
    case APIC_TMICT:
        if (apic_timer_mode(s) != APIC_TIMER_TSC_DEADLINE) {
            apic_timer_start(s, v);
        }
        break;
    case APIC_TDCR: apic_write_dcr(s, v); break;
    case APIC_SELF_IPI: apic_accept(s, APIC_DM_FIXED, v & 0xff, 0); break;
    default:
        if (idx >= APIC_LVT0 && idx < APIC_LVT0 + APIC_LVT_NB) {
            apic_write_lvt(s, idx - APIC_LVT0, v);
        }
        break;
    }
}

static bool apic_reg_writable_xapic(unsigned idx)
{
    switch (idx) {
    case APIC_ID: case APIC_TPR: case APIC_EOI: case APIC_LDR: case APIC_DFR:
    case APIC_SVR: case APIC_ESR: case APIC_ICR: case APIC_ICR2:
    case APIC_TMICT: case APIC_TDCR:
        return true;
    default:
        return idx >= APIC_LVT0 && idx < APIC_LVT0 + APIC_LVT_NB;
    }
}

/* -------------------------------------------------------------- xAPIC */

static APICState *apic_mmio_target(APICState *owner)
{
    APICState *s = apic_of_cpu(apic_current_cpu(owner->dev.machine));

    if (!s) {
        s = owner;
    }
    return s->mapped_base == owner->mapped_base ? s : NULL;
}

static uint64_t apic_mmio_read(void *opaque, uint64_t off, unsigned size)
{
    APICState *s = apic_mmio_target(opaque);
    uint64_t v = 0;

    if (!s || (off & 0xf)) {
        return 0;
    }
    if (off >> 4 == APIC_SELF_IPI || apic_reg_read(s, off >> 4, &v) < 0) {
        apic_error(s, APIC_ESR_ILLEGAL_REG);
        return 0;
    }
    return (uint32_t)v;
}

static void apic_mmio_write(void *opaque, uint64_t off, uint64_t val,
                            unsigned size)
{
    APICState *s = apic_mmio_target(opaque);
    unsigned idx = off >> 4;

    if (!s || (off & 0xf)) {
        return;
    }
    if (!apic_reg_writable_xapic(idx)) {
        uint64_t dummy;
        log_mask(&s->dev.machine->log, LOG_GUEST_ERROR,
                 "apic: write to register 0x%x\n", idx << 4);
        if (apic_reg_read(s, idx, &dummy) < 0) {
            apic_error(s, APIC_ESR_ILLEGAL_REG);
        }
        return;
    }
    apic_reg_write(s, idx, (uint32_t)val);
}

static const MemoryRegionOps apic_mmio_ops = {
    .read = apic_mmio_read, .write = apic_mmio_write,
    .min_access = 4, .max_access = 4,
};

/* -------------------------------------------------------------- x2APIC */

bool apic_msr_is_apic(uint32_t msr)
{
    return msr == MSR_IA32_APICBASE || msr == MSR_IA32_TSC_DEADLINE ||
           (msr >= APIC_MSR_BASE && msr < APIC_MSR_BASE + 0x100);
}

/* Bits a WRMSR may set in each writable x2APIC register. */
static bool apic_x2_write_ok(unsigned idx, uint64_t val)
{
    uint64_t allowed;

    switch (idx) {
    case APIC_TPR:  allowed = 0xff; break;
    case APIC_EOI:
    case APIC_ESR:  allowed = 0; break;
    case APIC_SVR:  allowed = APIC_SVR_VALID; break;
    case APIC_ICR:  allowed = APIC_ICR_VALID | 0xffffffff00000000ull; break;
    case APIC_TMICT: allowed = 0xffffffff; break;
    case APIC_TDCR: allowed = 0xb; break;
    case APIC_SELF_IPI: allowed = 0xff; break;
    default:
        if (idx >= APIC_LVT0 && idx < APIC_LVT0 + APIC_LVT_NB) {
            allowed = apic_lvt_valid[idx - APIC_LVT0] & ~APIC_LVT_REMOTE_IRR;
            break;
        }
        return false;            /* read-only or reserved */
    }
    return !(val & ~allowed);
}

int apic_msr_read(APICState *s, uint32_t msr, uint64_t *val)
{
    unsigned idx = msr - APIC_MSR_BASE;

    *val = 0;
    if (msr == MSR_IA32_APICBASE) {
        *val = s->apicbase;
        return 0;
    }
    if (msr == MSR_IA32_TSC_DEADLINE) {
        if (apic_timer_mode(s) == APIC_TIMER_TSC_DEADLINE) {
            *val = s->tsc_deadline;
        }
        return 0;
    }
    if (msr < APIC_MSR_BASE || idx >= 0x100 || !apic_is_x2(s)) {
        return -1;
    }
    if (idx == APIC_APR || idx == APIC_EOI || idx == APIC_RRD ||
        idx == APIC_DFR || idx == APIC_ICR2 || idx == APIC_SELF_IPI) {
        return -1;
    }
    return apic_reg_read(s, idx, val);
}

int apic_msr_write(APICState *s, uint32_t msr, uint64_t val)
{
    unsigned idx = msr - APIC_MSR_BASE;

    if (msr == MSR_IA32_APICBASE) {
        return apic_set_base(s, val);
    }
    if (msr == MSR_IA32_TSC_DEADLINE) {
        apic_set_tsc_deadline(s, val);
        return 0;
    }
    if (msr < APIC_MSR_BASE || idx >= 0x100 || !apic_is_x2(s) ||
        !apic_x2_write_ok(idx, val)) {
        return -1;
    }
    apic_reg_write(s, idx, val);
    return 0;
}

/* ------------------------------------------------------------- device */

static int apic_realize(Device *dev, Error *err)
{
    APICState *s = (APICState *)dev;
    Machine *m = dev->machine;

    if (s->cpu_index >= PC_MAX_CPUS) {
        return error_setg(err, "cpu %u out of range (0-%d)", s->cpu_index,
                          PC_MAX_CPUS - 1);
    }
    if (m->apic[s->cpu_index]) {
        return error_setg(err, "cpu %u already has a local APIC",
                          s->cpu_index);
    }
    memory_region_init_io(&s->mmio, "apic", 0x1000, &apic_mmio_ops, s);
    timer_init(&s->timer, &m->timers, apic_timer_cb, s);
    s->mapped_base = APIC_UNMAPPED;
    m->apic[s->cpu_index] = s;
    if (s->cpu_index == 0 && m->pic) {
        /* LINT0 is the 8259's INTR, which may be high already. */
        s->lint_level[0] = pic_get_intr(m->pic);
    }
    return 0;
}

static void apic_unrealize(Device *dev)
{
    APICState *s = (APICState *)dev;
    Machine *m = dev->machine;

    timer_del(&s->timer);
    if (s->mapped_base != APIC_UNMAPPED) {
        address_space_unmap_region(&m->mem, &s->mmio);
    }
    if (m->apic[s->cpu_index] == s) {
        m->apic[s->cpu_index] = NULL;
    }
}

static void apic_reset(Device *dev)
{
    APICState *s = (APICState *)dev;
    VCPU *cpu = apic_cpu(s);

    s->apicbase = APIC_DEFAULT_BASE | MSR_APICBASE_ENABLE |
                  (s->cpu_index == 0 ? MSR_APICBASE_BSP : 0);
    s->id = s->cpu_index;
    apic_init_reset(s);
    if (s->cpu_index == 0) {
        /* virtual wire mode, as firmware leaves the BSP */
        s->lvt[APIC_LVT_LINT0] = APIC_DM_EXTINT << 8;
        s->lvt[APIC_LVT_LINT1] = APIC_DM_NMI << 8;
    }
    apic_update_mapping(s);
    if (cpu) {
        cpu->env.apic_base = s->apicbase;
    }
    apic_update(s);
}

static void apic_save(Device *dev, SaveBuf *sb)
{
    APICState *s = (APICState *)dev;
    int64_t now = clock_ns(&dev->machine->timers);

    save_u64(sb, s->apicbase);
    save_u32(sb, s->id);
    save_u8(sb, s->tpr);
    save_u32(sb, s->svr);
    for (int i = 0; i < 8; i++) {
        save_u32(sb, s->isr[i]);
        save_u32(sb, s->tmr[i]);
        save_u32(sb, s->irr[i]);
    }
    save_u32(sb, s->esr);
    save_u32(sb, s->esr_pending);
    save_u64(sb, s->icr);
    save_u32(sb, s->ldr);
    save_u32(sb, s->dfr);
    for (int i = 0; i < APIC_LVT_NB; i++) {
        save_u32(sb, s->lvt[i]);
    }
    save_u32(sb, s->dcr);
    save_u32(sb, s->initial_count);
    save_u64(sb, (uint64_t)MAX(now - s->timer_start_ns, 0));
    save_u64(sb, s->tsc_deadline);
    save_u8(sb, s->lint_level[0]);
    save_u8(sb, s->lint_level[1]);
    save_u8(sb, s->extint_pending);
    save_u8(sb, s->sipi_vector);
}

static bool apic_state_valid(const APICState *n)
{
    bool en = n->apicbase & MSR_APICBASE_ENABLE;
    bool x2 = n->apicbase & MSR_APICBASE_EXTD;

    if ((n->apicbase & ~APIC_BASE_VALID) || (x2 && !en)) {
        return false;
    }
    if (x2 ? (n->id != n->cpu_index || n->ldr != apic_x2_ldr(n->id))
           : (n->id > 0xff || (n->ldr & 0x00ffffff))) {
        return false;
    }
    if ((n->svr & ~APIC_SVR_VALID) || (n->dfr & 0x0fffffff) != 0x0fffffff ||
        (n->dcr & ~0xbu) || n->esr > 0xff || n->esr_pending > 0xff ||
        ((uint32_t)n->icr & ~APIC_ICR_VALID) ||
        (!x2 && (n->icr & 0x00ffffff00000000ull))) {
        return false;
    }
    for (int i = 0; i < APIC_LVT_NB; i++) {
        if (n->lvt[i] & ~apic_lvt_valid[i]) {
            return false;
        }
    }
    if (((n->lvt[APIC_LVT_TIMER] >> APIC_LVT_TIMER_MODE_SHIFT) & 3) == 3) {
        return false;
    }
    return n->lint_level[0] <= 1 && n->lint_level[1] <= 1;
}

static int apic_load(Device *dev, SaveBuf *sb, Error *err)
{
    APICState *s = (APICState *)dev;
    APICState n = *s;
    int64_t now = clock_ns(&dev->machine->timers);
    uint64_t elapsed;
    uint8_t extint;

    n.apicbase = load_u64(sb);
    n.id = load_u32(sb);
    n.tpr = load_u8(sb);
    n.svr = load_u32(sb);
    for (int i = 0; i < 8; i++) {
        n.isr[i] = load_u32(sb);
        n.tmr[i] = load_u32(sb);
        n.irr[i] = load_u32(sb);
    }
    n.esr = load_u32(sb);
    n.esr_pending = load_u32(sb);
    n.icr = load_u64(sb);
    n.ldr = load_u32(sb);
    n.dfr = load_u32(sb);
    for (int i = 0; i < APIC_LVT_NB; i++) {
        n.lvt[i] = load_u32(sb);
    }
    n.dcr = load_u32(sb);
    n.initial_count = load_u32(sb);
    elapsed = load_u64(sb);
    n.tsc_deadline = load_u64(sb);
    n.lint_level[0] = load_u8(sb);
    n.lint_level[1] = load_u8(sb);
    extint = load_u8(sb);
    n.sipi_vector = load_u8(sb);
    if (sb->error) {
        return error_setg(err, "apic: truncated state");
    }
    if (!apic_state_valid(&n) || extint > 1 || elapsed > (uint64_t)INT64_MAX / 4 ||
        (n.apicbase & MSR_APICBASE_BSP) != (s->apicbase & MSR_APICBASE_BSP)) {
        return error_setg(err, "apic: invalid state");
    }
    n.extint_pending = extint;
    n.timer_start_ns = now - (int64_t)elapsed;
    timer_del(&s->timer);
    n.timer = s->timer;          /* unlinked now: safe to copy */
    *s = n;
    apic_update_mapping(s);
    apic_timer_rearm(s);
    if (apic_cpu(s)) {
        apic_cpu(s)->env.apic_base = s->apicbase;
    }
    apic_update(s);
    return 0;
}

static const PropDef apic_props[] = {
    PROP_DEF_U32("cpu", APICState, cpu_index, 0, "vCPU index (the APIC ID)"),
    PROP_DEF_END,
};

const DeviceType apic_type = {
    .name = "apic",
    .desc = "local APIC (xAPIC and x2APIC)",
    .instance_size = sizeof(APICState),
    .props = apic_props,
    .realize = apic_realize,
    .unrealize = apic_unrealize,
    .reset = apic_reset,
    .save = apic_save,
    .load = apic_load,
};
