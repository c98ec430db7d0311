/*
 * ACPI for the pc machine: the fixed hardware facts the tables describe
 * (the PIIX4-compatible PM block, the HPET, the interrupt routing of an
 * i440FX + PIIX3 board, as QEMU's pc machine has them), the table
 * builder, the linker/loader script that places the tables, and the
 * machine glue that puts them in guest RAM and in fw_cfg.
 *
 * Two blobs are built, as QEMU publishes them: "etc/acpi/rsdp" (the RSDP
 * alone) and "etc/acpi/tables" (FACS, DSDT, FADT, MADT, HPET, RSDT,
 * XSDT). Pointers inside them hold offsets into "etc/acpi/tables"; the
 * "etc/table-loader" script (QEMU's BIOS linker/loader format) says where
 * each blob may go, which fields are pointers and which bytes are
 * checksums. Firmware such as SeaBIOS runs that script; for -kernel boots
 * Kite runs the same script itself (acpi_link) with fixed addresses.
 */
#ifndef KITE_ACPI_H
#define KITE_ACPI_H

#include "hw/acpi/aml.h"

/* The PIIX4-compatible PM block (hw/acpi/piix4-pm.c), as QEMU maps it. */
#define ACPI_PM_BASE        0x600
#define ACPI_PM_SIZE        0x40
#define ACPI_PM1_EVT_OFF    0x00     /* PM1a status (2) + enable (2) */
#define ACPI_PM1_CNT_OFF    0x04     /* PM1a control (2) */
#define ACPI_PM_TMR_OFF     0x08     /* PM timer (4), 24 bits */
#define ACPI_GPE0_BASE      0xafe0
#define ACPI_GPE0_LEN       4        /* status (2) + enable (2) */
#define ACPI_SCI_IRQ        9
#define ACPI_SMI_CMD_PORT   0xb2
#define ACPI_ENABLE_CMD     0xf1
#define ACPI_DISABLE_CMD    0xf0
#define ACPI_S5_SLP_TYP     0        /* PIIX4's soft-off */
#define ACPI_RESET_PORT     0xcf9
#define ACPI_RESET_VALUE    0x06
#define ACPI_PM_TIMER_HZ    3579545ull

/* HPET (hw/timer/hpet.c). */
#define HPET_BASE           0xfed00000ull
#define HPET_MMIO_SIZE      0x400

#define ACPI_LAPIC_BASE     0xfee00000u
#define ACPI_IOAPIC_BASE    0xfec00000u

/* The IRQs the PIIX3's PIRQ links may be routed to (_PRS of LNKA-D). */
#define ACPI_PIRQ_IRQS      { 5, 10, 11 }

/* fw_cfg file names, as QEMU's. */
#define ACPI_FILE_TABLES    "etc/acpi/tables"
#define ACPI_FILE_RSDP      "etc/acpi/rsdp"
#define ACPI_FILE_LOADER    "etc/table-loader"

/*
 * PIIX3 PIRQ swizzle: INTx (pin 0-3 for INTA-INTD) of a device in slot
 * slot reaches link (slot + pin - 1) & 3, i.e. LNKA-LNKD, the same rule
 * as QEMU's piix3 and SeaBIOS's tables.
 */
static inline int acpi_pirq_of(int slot, int pin)
{
    return (slot + pin + 3) & 3;
}

/* What the tables describe; filled from the machine (acpi_config_of). */
typedef struct AcpiConfig {
    int ncpus;                   /* LAPIC IDs 0..ncpus-1 */
    uint8_t ioapic_id;
    bool com1, com2;             /* ISA UARTs at 0x3f8/IRQ4, 0x2f8/IRQ3 */
    bool hpet;
    uint32_t hpet_block_id;      /* low half of the HPET capabilities */
    uint32_t pci_mem_start;      /* start of the 32-bit PCI window */
} AcpiConfig;

typedef struct AcpiTables {
    ByteBuf tables, rsdp, loader;
    /* offsets inside tables, for tests and the RAM placement */
    uint32_t facs, dsdt, fadt, madt, hpet, rsdt, xsdt;
} AcpiTables;

void acpi_build(const AcpiConfig *cfg, AcpiTables *t);
void acpi_tables_free(AcpiTables *t);
/* The DSDT's AML body (after the 36-byte header), for tests. */
void acpi_build_dsdt_aml(const AcpiConfig *cfg, ByteBuf *out);

/*
 * Runs the loader script on copies of the blobs: "etc/acpi/tables" at
 * tables_addr, "etc/acpi/rsdp" at rsdp_addr; patches the pointers and
 * checksums. tables_out/rsdp_out must hold the blobs' lengths. Returns
 * 0, or -1 for a command the script should not contain.
 */
int acpi_link(const AcpiTables *t, uint64_t tables_addr, uint64_t rsdp_addr,
              uint8_t *tables_out, uint8_t *rsdp_out);

/* Sum of bytes mod 256 (0 for a valid ACPI checksum). */
uint8_t acpi_checksum(const uint8_t *p, size_t len);

/* BIOS linker/loader commands (QEMU's hw/acpi/bios-linker-loader.c format). */
#define LINKER_CMD_SIZE         128
#define LINKER_FILE_LEN         56
#define LINKER_CMD_ALLOCATE     1
#define LINKER_CMD_ADD_POINTER  2
#define LINKER_CMD_ADD_CHECKSUM 3
#define LINKER_ZONE_HIGH        1
#define LINKER_ZONE_FSEG        2

void linker_allocate(ByteBuf *l, const char *file, uint32_t align,
                     uint8_t zone);
void linker_add_pointer(ByteBuf *l, const char *dst, uint32_t offset,
                        uint8_t size, const char *src);
void linker_add_checksum(ByteBuf *l, const char *file, uint32_t offset,
                         uint32_t start, uint32_t len);

#endif
