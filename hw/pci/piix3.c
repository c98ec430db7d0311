/*
 * The PIIX3 PCI-to-ISA bridge, function 0 (Intel 82371SB data sheet):
 * the PIRQ router. The bus counts which functions assert each PIRQ
 * (wired-OR); this bridge turns a PIRQ level into
 *   - the ISA IRQ of its route register (0x60-0x63: bits 3:0 the IRQ,
 *     bit 7 disables; IRQ 0-2, 8 and 13 are reserved and never driven),
 *     several PIRQs routed to one IRQ being ORed, and
 *   - IOAPIC input 16 + n, for APIC mode (as QEMU wires its pc machine).
 * Other registers hold their data-sheet reset values and are read/write
 * storage. The ELCR is the 8259 model's (0x4D0/0x4D1).
 */
#include "hw/pci/i440fx.h"

#include "hw/core/devtypes.h"

#define PIIX3_SAVE_VERSION 1

int piix3_pirq_route(const PIIX3State *s, int pirq)
{
    uint8_t r = s->pci.config[PIIX_PIRQC + pirq];
    int irq = r & 0x0f;

    if ((r & PIIX_PIRQ_DISABLE) || irq <= 2 || irq == 8 || irq == 13) {
        return -1;
    }
    return irq;
}

/* Drives each ISA IRQ line to the OR of the PIRQs routed to it. */
static void piix3_update_pic(PIIX3State *s)
{
    Machine *m = s->pci.dev.machine;
    uint16_t want = s->isa_levels, diff;

    for (int p = 0; p < PCI_NUM_PIRQS; p++) {
        int irq = piix3_pirq_route(s, p);
        if (s->pirq_level[p] && irq >= 0) {
            want |= 1u << irq;
        }
    }
    diff = want ^ s->pic_levels;
    s->pic_levels = want;
    for (int irq = 0; irq < 16; irq++) {
        if (diff & (1u << irq)) {
            irq_set(&m->gsi[irq], (want >> irq) & 1);
        }
    }
}

void piix3_set_isa_irq(PIIX3State *s, int irq, int level)
{
    uint16_t bit = (uint16_t)(1u << (irq & 15));

    s->isa_levels = level ? s->isa_levels | bit : s->isa_levels & ~bit;
    piix3_update_pic(s);
}

static void piix3_set_pirq(void *opaque, int pirq, int level)
{
    PIIX3State *s = opaque;

    s->pirq_level[pirq] = level != 0;
    irq_set(&s->pci.dev.machine->gsi[PIIX_PIRQ_GSI_BASE + pirq], level != 0);
    piix3_update_pic(s);
}

static void piix3_config_write(PCIDevice *d, uint32_t addr, uint32_t val,
                               unsigned len)
{
    if (addr < PIIX_PIRQC + PCI_NUM_PIRQS && PIIX_PIRQC < addr + len) {
        piix3_update_pic((PIIX3State *)d);
    }
}

/* Registers with data-sheet reset values, guest-writable as storage. */
static const struct { uint8_t reg, reset, wmask; } piix3_regs[] = {
    { 0x4c, 0x4d, 0xff },   /* ISA I/O recovery timer */
    { 0x4e, 0x03, 0xff },   /* X-bus chip select */
    { 0x4f, 0x00, 0xff },
    { 0x60, 0x80, 0x8f },   /* PIRQA-D route */
    { 0x61, 0x80, 0x8f },
    { 0x62, 0x80, 0x8f },
    { 0x63, 0x80, 0x8f },
    { 0x69, 0x02, 0xff },   /* top of memory */
    { 0x6a, 0x00, 0xff },   /* misc status */
    { 0x70, 0x80, 0xff },   /* motherboard IRQ route */
    { 0x76, 0x0c, 0xff },   /* motherboard DMA */
    { 0x77, 0x0c, 0xff },
    { 0x78, 0x02, 0xff },   /* programmable chip select */
    { 0x80, 0x00, 0xff },   /* APIC base address relocation */
    { 0x82, 0x00, 0xff },   /* deterministic latency control */
    { 0xa0, 0x08, 0xff },   /* SMI control */
    { 0xa2, 0x00, 0xff },
    { 0xa8, 0x0f, 0xff },
};

static int piix3_init(PCIDevice *d, Error *err)
{
    for (size_t i = 0; i < ARRAY_SIZE(piix3_regs); i++) {
        d->config[piix3_regs[i].reg] = piix3_regs[i].reset;
        d->wmask[piix3_regs[i].reg] = piix3_regs[i].wmask;
    }
    pci_set_word(d->config + PCI_STATUS, PCI_STATUS_DEVSEL_MEDIUM);
    pci_bus_set_pirq_handler(d->bus, piix3_set_pirq, d);
    return 0;
}

static void piix3_exit(PCIDevice *d)
{
    if (d->bus && d->bus->pirq_opaque == d) {
        pci_bus_set_pirq_handler(d->bus, NULL, NULL);
    }
}

/* After reset every route is disabled: the lines this bridge drove fall. */
static void piix3_reset_fn(PCIDevice *d)
{
    piix3_update_pic((PIIX3State *)d);
}

static void piix3_save_fn(PCIDevice *d, SaveBuf *sb)
{
    save_u8(sb, PIIX3_SAVE_VERSION);
}

static int piix3_load_fn(PCIDevice *d, SaveBuf *sb, Error *err)
{
    uint8_t version = load_u8(sb);

    if (sb->error || version != PIIX3_SAVE_VERSION) {
        return error_setg(err, "PIIX3: bad state (version %u)", version);
    }
    return 0;
}

/*
 * Every function has loaded its INTx level into the bus counts by now;
 * drive the lines from them (raising only: what this bridge did not
 * drive may be another device's).
 */
static void piix3_post_load(Device *dev)
{
    PIIX3State *s = (PIIX3State *)dev;
    Machine *m = dev->machine;

    s->pic_levels = 0;
    for (int p = 0; p < PCI_NUM_PIRQS; p++) {
        s->pirq_level[p] = s->pci.bus && s->pci.bus->pirq_count[p] > 0;
        if (s->pirq_level[p]) {
            irq_set(&m->gsi[PIIX_PIRQ_GSI_BASE + p], 1);
        }
    }
    piix3_update_pic(s);
}

static const PCIDeviceInfo piix3_info = {
    .vendor_id = 0x8086, .device_id = 0x7000, .revision = 0x00,
    .class_code = 0x060100,
    .header_type = PCI_HEADER_TYPE_MULTI_FUNCTION,
    .init = piix3_init,
    .exit = piix3_exit,
    .reset = piix3_reset_fn,
    .config_write = piix3_config_write,
    .save = piix3_save_fn,
    .load = piix3_load_fn,
};

static int piix3_realize(Device *dev, Error *err)
{
    return pci_device_realize(dev, &piix3_info, err);
}

static const PropDef piix3_props[] = {
    PCI_DEVICE_PROPS,
    PROP_DEF_END,
};

const DeviceType piix3_type = {
    .name = "PIIX3",
    .desc = "PIIX3 PCI-to-ISA bridge (PIRQ routing)",
    .instance_size = sizeof(PIIX3State),
    .props = piix3_props,
    .realize = piix3_realize,
    .unrealize = pci_device_unrealize,
    .reset = pci_device_reset,
    .save = pci_device_save,
    .load = pci_device_load,
    .post_load = piix3_post_load,
};
