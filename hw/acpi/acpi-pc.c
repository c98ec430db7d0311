/*
 * ACPI and MP tables of the pc machine, delivered two ways:
 *
 * - through fw_cfg, as QEMU does: "etc/acpi/tables", "etc/acpi/rsdp" and
 *   the "etc/table-loader" script, so firmware (SeaBIOS) installs them;
 * - for -kernel boots without firmware, in guest RAM, by running that
 *   same script here: the tables in 0xe0000-0xeffff, an E820_ACPI
 *   region of the BIOS area no loader uses whatever the RAM size, the
 *   RSDP and the MP tables in the reserved 0xf0000-0xfffff where Linux
 *   scans for "RSD PTR " and "_MP_".
 *   m->acpi_rsdp_addr says where the RSDP is (for PVH's start info).
 *
 * The "acpi-tables" device does this once every other device exists
 * (it reads the device tree: UARTs, HPET), and writes the RAM copies
 * again on every reset since the guest may have overwritten them. All
 * guest-RAM writes go through acpi_pc_write_ram.
 */
#include <stdlib.h>
#include <string.h>

#include "hw/char/serial.h"
#include "hw/core/devtypes.h"
#include "hw/intc/intc.h"
#include "hw/pc/fw_cfg.h"
#include "hw/acpi/acpi-pc.h"
#include "hw/pc/bootparam.h"
#include "hw/pc/mptable.h"
#include "hw/pci/i440fx.h"
#include "hw/timer/hpet.h"

#define ACPI_RAM_ADDR     0xe0000ull
#define ACPI_RAM_SIZE     (64 * KiB)
#define ACPI_RSDP_ADDR    0xf0000ull
#define MP_FLOATING_ADDR  0xf0040ull
#define MP_TABLE_ADDR     0xf0100ull
#define MP_TABLE_END      0xf1000ull

typedef struct AcpiPcState {
    Device dev;
    AcpiTables tables;
    ByteBuf mptable;
    uint8_t mp_fp[MP_FLOATING_SIZE];
} AcpiPcState;

/* Firmware installs the tables itself; Kite only for -kernel boots. */
static bool acpi_pc_in_ram(Machine *m)
{
    return m->cfg.kernel && !m->cfg.bios;
}

void acpi_pc_reserve(Machine *m)
{
    m->acpi_tables_addr = 0;
    if (acpi_pc_in_ram(m) &&
        e820_add(&m->e820, ACPI_RAM_ADDR, ACPI_RAM_SIZE, E820_ACPI) == 0) {
        m->acpi_tables_addr = ACPI_RAM_ADDR;
    }
}

/* The one place this file writes guest RAM (bounds-checked, RAM only). */
static int acpi_pc_write_ram(Machine *m, uint64_t addr, const void *p,
                             size_t len)
{
    return loader_write(m, addr, p, len);
}

static void acpi_pc_find_uarts(Device *d, void *opaque)
{
    AcpiConfig *cfg = opaque;

    if (d->type == &serial_isa_type) {
        SerialState *s = (SerialState *)d;
        cfg->com1 |= s->iobase == 0x3f8;
        cfg->com2 |= s->iobase == 0x2f8;
    }
}

static void acpi_pc_config(Machine *m, AcpiConfig *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->ncpus = m->cfg.smp;
    cfg->ioapic_id = m->ioapic ? m->ioapic->id : 0;
    cfg->hpet = device_find_child(m->root, "hpet") != NULL;
    cfg->hpet_block_id = HPET_CAP_ID_LOW;
    cfg->pci_mem_start = (uint32_t)MAX(m->below_4g, 0x80000000ull);
    device_foreach(m->root, acpi_pc_find_uarts, cfg);
}

/* Slots holding a PCI function that uses an INTx pin. */
static void acpi_pc_find_intx(PCIDevice *d, void *opaque)
{
    uint32_t *mask = opaque;

    if (d->config[PCI_INTERRUPT_PIN]) {
        *mask |= 1u << PCI_SLOT(d->devfn);
    }
}

/*
 * PCI INTx in the MP table: the PIIX3 drives IOAPIC inputs 16-19 from
 * PIRQA-D whatever its route registers hold (nothing programs those
 * before a -kernel boot), so that is what the entries name.
 */
static void acpi_pc_build_mptable(AcpiPcState *s, Machine *m)
{
    MPConfig c = {
        .ncpus = m->cfg.smp,
        .ioapic_id = m->ioapic ? m->ioapic->id : 0,
        .ioapic_version = m->ioapic ? (uint8_t)m->ioapic->version : 0x11,
    };

    for (int i = 0; i < 4; i++) {
        c.pirq_irq[i] = (uint8_t)(PIIX_PIRQ_GSI_BASE + i);
    }
    if (m->pci_bus) {
        pci_bus_foreach(m->pci_bus, acpi_pc_find_intx, &c.pci_slot_mask);
    }
    mptable_build(&c, (uint32_t)MP_TABLE_ADDR, &s->mptable, s->mp_fp);
}

static void acpi_pc_publish(AcpiPcState *s, FwCfgState *fw)
{
    AcpiTables *t = &s->tables;

    fw_cfg_add_file(fw, ACPI_FILE_TABLES, t->tables.data, t->tables.len);
    fw_cfg_add_file(fw, ACPI_FILE_RSDP, t->rsdp.data, t->rsdp.len);
    fw_cfg_add_file(fw, ACPI_FILE_LOADER, t->loader.data, t->loader.len);
}

/* Writes the linked tables and the MP tables into guest RAM. */
static int acpi_pc_install(AcpiPcState *s)
{
    Machine *m = s->dev.machine;
    AcpiTables *t = &s->tables;
    uint8_t *tables = xmalloc(t->tables.len), rsdp[36];
    int ret = -1;

    if (acpi_link(t, m->acpi_tables_addr, ACPI_RSDP_ADDR, tables, rsdp) == 0 &&
        acpi_pc_write_ram(m, m->acpi_tables_addr, tables, t->tables.len) == 0 &&
        acpi_pc_write_ram(m, ACPI_RSDP_ADDR, rsdp, sizeof(rsdp)) == 0 &&
        acpi_pc_write_ram(m, MP_TABLE_ADDR, s->mptable.data,
                          s->mptable.len) == 0 &&
        acpi_pc_write_ram(m, MP_FLOATING_ADDR, s->mp_fp,
                          sizeof(s->mp_fp)) == 0) {
        m->acpi_rsdp_addr = ACPI_RSDP_ADDR;
        ret = 0;
    }
    free(tables);
    return ret;
}

static int acpi_pc_realize(Device *dev, Error *err)
{
    AcpiPcState *s = (AcpiPcState *)dev;
    Machine *m = dev->machine;
    AcpiConfig cfg;

    acpi_pc_config(m, &cfg);
    acpi_build(&cfg, &s->tables);
    acpi_pc_build_mptable(s, m);
    if (m->fw_cfg) {
        acpi_pc_publish(s, m->fw_cfg);
    }
    if (s->tables.tables.len > ACPI_RAM_SIZE ||
        MP_TABLE_ADDR + s->mptable.len > MP_TABLE_END) {
        return error_setg(err, "the ACPI or MP tables are too large");
    }
    if (m->acpi_tables_addr && acpi_pc_install(s) < 0) {
        return error_setg(err, "cannot write the ACPI tables to guest RAM");
    }
    return 0;
}

static void acpi_pc_reset(Device *dev)
{
    AcpiPcState *s = (AcpiPcState *)dev;

    if (dev->machine->acpi_tables_addr) {
        acpi_pc_install(s);
    }
}

static void acpi_pc_unrealize(Device *dev)
{
    AcpiPcState *s = (AcpiPcState *)dev;

    acpi_tables_free(&s->tables);
    bytebuf_free(&s->mptable);
}

const DeviceType acpi_tables_type = {
    .name = "acpi-tables",
    .stateless = true,
    .desc = "ACPI and MP tables (fw_cfg, and RAM for -kernel boots)",
    .instance_size = sizeof(AcpiPcState),
    .realize = acpi_pc_realize,
    .unrealize = acpi_pc_unrealize,
    .reset = acpi_pc_reset,
};
