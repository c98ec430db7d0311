/*
 * The Intel MultiProcessor Specification 1.4 tables (chapter 4): the
 * floating pointer structure and the configuration table, for guests
 * booted with acpi=off. The pc machine puts both in the reserved BIOS
 * area at 0xf0000-0xfffff, where Linux scans for "_MP_".
 */
#ifndef KITE_MPTABLE_H
#define KITE_MPTABLE_H

#include "hw/acpi/aml.h"

#define MP_FLOATING_SIZE 16
#define MP_BUS_PCI       0
#define MP_BUS_ISA       1

typedef struct MPConfig {
    int ncpus;                   /* LAPIC IDs 0..ncpus-1, CPU 0 boots */
    uint8_t ioapic_id;
    uint8_t ioapic_version;
    /* PCI slots whose INTA-INTD need entries, and the IRQ that each of
     * PIRQA-D is routed to (the PIIX3 route registers' contents). */
    uint32_t pci_slot_mask;
    uint8_t pirq_irq[4];
} MPConfig;

/*
 * Builds the configuration table for address table_addr into out (which
 * must be empty) and the floating pointer that points at it into fp.
 */
void mptable_build(const MPConfig *c, uint32_t table_addr, ByteBuf *out,
                   uint8_t fp[MP_FLOATING_SIZE]);

#endif
