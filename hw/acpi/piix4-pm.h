/*
 * The PIIX4-compatible ACPI power-management block ("piix4-pm"), at the
 * ports QEMU's pc machine gives it (see acpi.h): PM1a event (status and
 * enable) at 0x600, PM1a control at 0x604, the 24-bit ACPI PM timer at
 * 0x608, GPE0 (status and enable) at 0xafe0, and the APM command and
 * status ports 0xb2/0xb3 whose ACPI_ENABLE/ACPI_DISABLE commands set and
 * clear SCI_EN. The SCI is ISA IRQ 9, level-triggered.
 */
#ifndef KITE_PIIX4_PM_H
#define KITE_PIIX4_PM_H

#include "hw/acpi/acpi.h"
#include "hw/core/memory.h"
#include "hw/core/qdev.h"
#include "hw/core/timer.h"

/* PM1 status and enable bits (ACPI 6.x 4.8.3.1). */
#define PM1_TMR         (1u << 0)
#define PM1_BM_STS      (1u << 4)
#define PM1_GBL         (1u << 5)
#define PM1_PWRBTN      (1u << 8)
#define PM1_SLPBTN      (1u << 9)
#define PM1_RTC         (1u << 10)
#define PM1_WAK_STS     (1u << 15)
/* PM1 control. */
#define PM1_CNT_SCI_EN  (1u << 0)
#define PM1_CNT_SLP_TYP_SHIFT 10
#define PM1_CNT_SLP_TYP (7u << PM1_CNT_SLP_TYP_SHIFT)
#define PM1_CNT_SLP_EN  (1u << 13)

#define PM_TIMER_BITS   24

typedef struct PMState {
    Device dev;
    MemoryRegion io, gpe_io, apm_io;
    uint16_t pm1_sts, pm1_en, pm1_cnt;
    uint16_t gpe_sts, gpe_en;
    uint8_t apm_cnt, apm_sts;
    int64_t tmr_overflow_ns;     /* when timer bit 23 next toggles */
    Timer tmr_timer;             /* armed while TMR_EN is set */
    bool sci_level;
} PMState;

extern const DeviceType piix4_pm_type;

/* The PM timer's count now (24 bits). */
uint32_t pm_timer_value(PMState *s);
/* Events from the machine: the power button, a GPE status bit. */
void pm_press_power_button(PMState *s);
void pm_set_gpe(PMState *s, unsigned bit);

#endif
