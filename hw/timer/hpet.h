/*
 * The High Precision Event Timer ("hpet"), after Intel's IA-PC HPET
 * specification 1.0a, with QEMU's parameters: one block of three timers
 * at 0xfed00000, a 64-bit main counter ticking every 10 ns (100 MHz) on
 * the virtual clock, the legacy replacement route (timer 0 on ISA IRQ 0,
 * i.e. IOAPIC pin 2, timer 1 on IRQ 8).
 *
 * Outside the legacy route a timer may be routed to IOAPIC pins 20-23
 * (HPET_ROUTE_CAP): pins no ISA or PCI line uses, so the HPET never
 * shares a level with another device. FSB (MSI-style) delivery is not
 * implemented and not advertised: Tn_FSB_INT_DEL_CAP reads 0 and
 * Tn_FSB_EN_CNF cannot be set.
 */
#ifndef KITE_HPET_H
#define KITE_HPET_H

#include "hw/core/irq.h"
#include "hw/core/memory.h"
#include "hw/core/qdev.h"
#include "hw/core/timer.h"

#define HPET_NUM_TIMERS   3
#define HPET_PERIOD_NS    10
#define HPET_PERIOD_FS    (HPET_PERIOD_NS * 1000000ull)
#define HPET_VENDOR_ID    0x8086u
#define HPET_ROUTE_CAP    0x00f00000u    /* IOAPIC pins 20-23 */

/* General capabilities (low half), also the ACPI HPET table's block ID. */
#define HPET_CAP_REV        0x01u
#define HPET_CAP_COUNT_64   (1u << 13)
#define HPET_CAP_LEG_RT     (1u << 15)
#define HPET_CAP_ID_LOW   (HPET_CAP_REV | ((HPET_NUM_TIMERS - 1u) << 8) | \
                           HPET_CAP_COUNT_64 | HPET_CAP_LEG_RT | \
                           (HPET_VENDOR_ID << 16))

/* Registers. */
#define HPET_REG_CAP        0x000
#define HPET_REG_CONFIG     0x010
#define HPET_REG_ISR        0x020
#define HPET_REG_COUNTER    0x0f0
#define HPET_REG_TIMER(n)   (0x100 + 0x20 * (n))   /* + 0 config, 8 cmp */

#define HPET_CFG_ENABLE     (1u << 0)
#define HPET_CFG_LEGACY     (1u << 1)

#define HPET_TN_LEVEL       (1u << 1)
#define HPET_TN_INT_ENB     (1u << 2)
#define HPET_TN_PERIODIC    (1u << 3)
#define HPET_TN_PER_CAP     (1u << 4)
#define HPET_TN_SIZE_CAP    (1u << 5)
#define HPET_TN_VAL_SET     (1u << 6)
#define HPET_TN_32BIT       (1u << 8)
#define HPET_TN_ROUTE_SHIFT 9
#define HPET_TN_ROUTE       (0x1fu << HPET_TN_ROUTE_SHIFT)

typedef struct HPETState HPETState;

typedef struct HPETTimer {
    HPETState *hpet;
    int index;
    uint64_t config;         /* the writable bits of Tn_CONF */
    uint64_t cmp;            /* comparator */
    uint64_t period;         /* periodic mode: the accumulator step */
    int out;                 /* line the timer is on (HPET_OUT_*) */
    int out_level;           /* what it drives there (level mode) */
    Timer timer;
} HPETTimer;

struct HPETState {
    Device dev;
    MemoryRegion mmio;
    uint64_t config;         /* GEN_CONF */
    uint64_t isr;            /* GINTR_STA */
    uint64_t counter;        /* the count at ref_ns (frozen if disabled) */
    int64_t ref_ns;
    HPETTimer t[HPET_NUM_TIMERS];
    uint32_t gsi_driven;     /* levels driven on the routable GSIs */
    /*
     * ISA IRQ 0 and 8: the HPET takes over the machine's lines and
     * passes what the PIT and the RTC drive through while the legacy
     * route is off, its own timers 0 and 1 while it is on.
     */
    IrqLine legacy_out[2];
    int legacy_dev_level[2], legacy_hpet_level[2], legacy_driven[2];
};

extern const DeviceType hpet_type;

uint64_t hpet_read_counter(HPETState *s);

#endif
