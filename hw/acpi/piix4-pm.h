/*
 * The PIIX4-compatible ACPI power-management function ("piix4-pm"): PCI
 * 00:01.3, 8086:7113 rev 03, class 0680, as in QEMU's pc machine, with
 * its registers at the ports QEMU gives them (see acpi.h): PM1a event
 * (status and enable) at 0x600, PM1a control at 0x604, the 24-bit ACPI
 * PM timer at 0x608, GPE0 (status and enable) at 0xafe0, and the APM
 * command and status ports 0xb2/0xb3 whose ACPI_ENABLE/ACPI_DISABLE
 * commands set and clear SCI_EN. The SCI is ISA IRQ 9, level-triggered.
 *
 * The PM block does not move: PMBA (config 0x40) reads 0x601 and
 * PMREGMISC (0x80) reads 1, what firmware programs on QEMU, and both are
 * read-only, so the addresses stay those the FADT gives.
 */
#ifndef KITE_PIIX4_PM_H
#define KITE_PIIX4_PM_H

#include "hw/acpi/acpi.h"
#include "hw/core/memory.h"
#include "hw/core/qdev.h"
#include "hw/core/timer.h"
#include "hw/pci/pci.h"

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

/* PCI config registers of the PIIX4 PM function. */
#define PIIX4_PM_PMBA       0x40
#define PIIX4_PM_PMREGMISC  0x80

typedef struct PMState {
    PCIDevice pci;
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
