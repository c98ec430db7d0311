/*
 * MP tables (see mptable.h), after the Intel MultiProcessor
 * Specification 1.4, chapter 4: entries sorted by type (processors,
 * buses, I/O APIC, I/O interrupts, local interrupts), both structures
 * checksummed to zero. The interrupt entries say what the pc machine
 * wires: ISA IRQ n on IOAPIC pin n except IRQ 0 on pin 2 (the 8259's
 * ExtINT on pin 0), the SCI (IRQ 9) level-triggered and active high,
 * PCI INTx through the PIIX3 PIRQs (level, active high), and LINT0
 * ExtINT, LINT1 NMI on every local APIC.
 */
#include "hw/pc/mptable.h"

#include <string.h>

#include "hw/acpi/acpi.h"
#include "system/util.h"

#define MP_HDR_SIZE      44
#define MP_SPEC_REV      4
#define MP_LAPIC_VERSION 0x14
#define MP_IRQ_CONFORMING 0x0000
#define MP_IRQ_LEVEL_HIGH 0x000d        /* polarity 01, trigger 11 */

enum { MP_PROC = 0, MP_BUS = 1, MP_IOAPIC = 2, MP_IOINT = 3, MP_LINT = 4 };
enum { MP_INT = 0, MP_NMI = 1, MP_EXTINT = 3 };

static void mp_proc(ByteBuf *b, int id)
{
    bytebuf_put8(b, MP_PROC);
    bytebuf_put8(b, (uint8_t)id);
    bytebuf_put8(b, MP_LAPIC_VERSION);
    bytebuf_put8(b, id == 0 ? 0x03 : 0x01);     /* enabled, BSP */
    bytebuf_put32(b, 0x00000600);               /* family 6 */
    bytebuf_put32(b, 1u << 9);                  /* APIC on chip */
    bytebuf_put64(b, 0);
}

static void mp_bus(ByteBuf *b, uint8_t id, const char *type)
{
    bytebuf_put8(b, MP_BUS);
    bytebuf_put8(b, id);
    bytebuf_put(b, type, 6);
}

static void mp_int(ByteBuf *b, uint8_t entry, uint8_t kind, uint16_t flags,
                   uint8_t bus, uint8_t irq, uint8_t dst, uint8_t pin)
{
    bytebuf_put8(b, entry);
    bytebuf_put8(b, kind);
    bytebuf_put16(b, flags);
    bytebuf_put8(b, bus);
    bytebuf_put8(b, irq);
    bytebuf_put8(b, dst);
    bytebuf_put8(b, pin);
}

static int mp_io_interrupts(ByteBuf *b, const MPConfig *c)
{
    uint8_t io = c->ioapic_id;
    int n = 0;

    mp_int(b, MP_IOINT, MP_EXTINT, MP_IRQ_CONFORMING, MP_BUS_ISA, 0, io, 0);
    n++;
    for (int irq = 0; irq < 16; irq++) {
        uint16_t flags = irq == ACPI_SCI_IRQ ? MP_IRQ_LEVEL_HIGH
                                             : MP_IRQ_CONFORMING;
        if (irq == 2) {
            continue;                           /* the cascade */
        }
        mp_int(b, MP_IOINT, MP_INT, flags, MP_BUS_ISA, (uint8_t)irq, io,
               (uint8_t)(irq == 0 ? 2 : irq));
        n++;
    }
    for (int slot = 0; slot < 32; slot++) {
        if (!((c->pci_slot_mask >> slot) & 1)) {
            continue;
        }
        for (int pin = 0; pin < 4; pin++) {
            mp_int(b, MP_IOINT, MP_INT, MP_IRQ_LEVEL_HIGH, MP_BUS_PCI,
                   (uint8_t)(slot << 2 | pin), io,
                   c->pirq_irq[acpi_pirq_of(slot, pin)]);
            n++;
        }
    }
    return n;
}

void mptable_build(const MPConfig *c, uint32_t table_addr, ByteBuf *out,
                   uint8_t fp[MP_FLOATING_SIZE])
{
    uint8_t *h;
    int n = 0;

    bytebuf_reserve(out, MP_HDR_SIZE);
    for (int i = 0; i < c->ncpus; i++, n++) {
        mp_proc(out, i);
    }
    mp_bus(out, MP_BUS_PCI, "PCI   ");
    mp_bus(out, MP_BUS_ISA, "ISA   ");
    bytebuf_put8(out, MP_IOAPIC);
    bytebuf_put8(out, c->ioapic_id);
    bytebuf_put8(out, c->ioapic_version);
    bytebuf_put8(out, 1);                       /* enabled */
    bytebuf_put32(out, ACPI_IOAPIC_BASE);
    n += 3 + mp_io_interrupts(out, c);
    mp_int(out, MP_LINT, MP_EXTINT, MP_IRQ_CONFORMING, MP_BUS_ISA, 0, 0xff, 0);
    mp_int(out, MP_LINT, MP_NMI, MP_IRQ_CONFORMING, MP_BUS_ISA, 0, 0xff, 1);
    n += 2;

    h = out->data;
    memcpy(h, "PCMP", 4);
    st16le(h + 4, (uint16_t)out->len);
    h[6] = MP_SPEC_REV;
    memcpy(h + 8, "KITE    ", 8);
    memcpy(h + 16, "PC          ", 12);
    st16le(h + 34, (uint16_t)n);
    st32le(h + 36, ACPI_LAPIC_BASE);
    h[7] = (uint8_t)-acpi_checksum(h, out->len);

    memset(fp, 0, MP_FLOATING_SIZE);
    memcpy(fp, "_MP_", 4);
    st32le(fp + 4, table_addr);
    fp[8] = 1;                                  /* 16-byte units */
    fp[9] = MP_SPEC_REV;
    fp[10] = (uint8_t)-acpi_checksum(fp, MP_FLOATING_SIZE);
}
