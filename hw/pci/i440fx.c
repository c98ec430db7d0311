/*
 * The i440FX host bridge (Intel 82441FX PMC data sheet): PCI
 * configuration mechanism #1 and the PAM shadow-RAM control (see
 * i440fx.h for the machine's view).
 *
 * 0xCF8 is the dword CONFIG_ADDRESS register (bit 31 enable, bus 23:16,
 * device/function 15:8, register 7:2). Only a dword access reaches it; a
 * byte or word access to 0xCF8-0xCFB goes to whatever lies behind (0xCF9
 * is the reset control register), as on the chipset. 0xCFC-0xCFF is
 * CONFIG_DATA: any size at any offset, a config cycle on bus 0 while bit
 * 31 is set; otherwise reads give all-ones.
 *
 * PAM: 13 segments (0xF0000 64 KiB from PAM0's high nibble; 0xC0000-
 * 0xEFFFF in 16 KiB pieces from PAM1-6), each in one of four modes,
 * implemented with views mapped over the segment:
 *   RW  - the RAM under the segment, at PRIO_PAM;
 *   RO  - the same RAM as a ROM-kind region (writes dropped: they go to
 *         PCI, where nothing takes them), at PRIO_PAM;
 *   WO  - an I/O view at PRIO_PAM: reads from what lies behind (BIOS ROM,
 *         else all-ones), writes into RAM;
 *   PCI - an I/O view at PRIO_RAM, mapped after RAM so it hides it but
 *         loses to a ROM: reads and writes go to what lies behind.
 * The data sheet's reset value is 0 (everything to PCI), which is what
 * firmware given with -bios starts from; without firmware the machine
 * starts as firmware leaves it after shadowing (read/write RAM), so the
 * tables a loader puts at 0xE0000-0xFFFFF are RAM. SMRAM (0x72) is
 * stored and read back but has no effect (no SMM).
 */
#include "hw/pci/i440fx.h"

#include <stdlib.h>
#include <string.h>

#include "hw/core/devtypes.h"

#define I440FX_SAVE_VERSION 1
#define PAM_NO_FIRMWARE     0x33   /* both nibbles read/write RAM */

/* --------------------------------------------- what lies behind a view */

typedef bool (*SkipFn)(const MemoryRegion *mr, const void *opaque);

/* The mapping that would win at addr if the skipped regions were absent. */
static const MemoryMapping *mapping_behind(const AddressSpace *as,
                                           uint64_t addr, SkipFn skip,
                                           const void *opaque)
{
    const MemoryMapping *best = NULL;

    for (size_t i = 0; i < as->nmaps; i++) {
        const MemoryMapping *m = &as->maps[i];
        if (addr < m->base || addr - m->base >= m->size ||
            skip(m->mr, opaque)) {
            continue;
        }
        if (!best || m->priority > best->priority ||
            (m->priority == best->priority && m->seq > best->seq)) {
            best = m;
        }
    }
    return best;
}

/* One byte from or to what lies behind; unmapped reads give 0xff. */
static uint8_t behind_read_byte(const AddressSpace *as, uint64_t addr,
                                SkipFn skip, const void *opaque)
{
    const MemoryMapping *b = mapping_behind(as, addr, skip, opaque);
    uint64_t off;

    if (!b) {
        return 0xff;
    }
    off = b->offset + (addr - b->base);
    if (b->mr->kind != MR_IO) {
        return b->mr->host[off];
    }
    if (!b->mr->ops->read || b->mr->ops->min_access > 1) {
        return 0xff;
    }
    return (uint8_t)b->mr->ops->read(b->mr->opaque, off, 1);
}

static void behind_write_byte(const AddressSpace *as, uint64_t addr,
                              uint8_t val, SkipFn skip, const void *opaque)
{
    const MemoryMapping *b = mapping_behind(as, addr, skip, opaque);
    uint64_t off;

    if (!b) {
        return;
    }
    off = b->offset + (addr - b->base);
    if (b->mr->kind == MR_RAM) {
        b->mr->host[off] = val;
    } else if (b->mr->kind == MR_IO && b->mr->ops->write &&
               b->mr->ops->min_access <= 1) {
        b->mr->ops->write(b->mr->opaque, off, val, 1);
    }
}

static uint64_t behind_read(const AddressSpace *as, uint64_t addr,
                            unsigned size, SkipFn skip, const void *opaque)
{
    uint64_t v = 0;

    for (unsigned i = 0; i < size; i++) {
        v |= (uint64_t)behind_read_byte(as, addr + i, skip, opaque) << (8 * i);
    }
    return v;
}

static void behind_write(const AddressSpace *as, uint64_t addr, uint64_t val,
                         unsigned size, SkipFn skip, const void *opaque)
{
    for (unsigned i = 0; i < size; i++) {
        behind_write_byte(as, addr + i, (uint8_t)(val >> (8 * i)), skip,
                          opaque);
    }
}

/* ------------------------------------------------ configuration ports */

static bool skip_self(const MemoryRegion *mr, const void *opaque)
{
    return mr == opaque;
}

static uint64_t conf_addr_read(void *opaque, uint64_t off, unsigned size)
{
    I440FXState *s = opaque;

    if (off == 0 && size == 4) {
        return s->config_addr;
    }
    return behind_read(&s->pci.dev.machine->io, PCI_CONFIG_ADDR_PORT + off,
                       size, skip_self, &s->addr_mr);
}

static void conf_addr_write(void *opaque, uint64_t off, uint64_t val,
                            unsigned size)
{
    I440FXState *s = opaque;

    if (off == 0 && size == 4) {
        s->config_addr = (uint32_t)val & ~3u;
        return;
    }
    behind_write(&s->pci.dev.machine->io, PCI_CONFIG_ADDR_PORT + off, val,
                 size, skip_self, &s->addr_mr);
}

static uint64_t conf_data_read(void *opaque, uint64_t off, unsigned size)
{
    I440FXState *s = opaque;
    uint32_t a = s->config_addr;
    unsigned n = MIN(size, 4 - (unsigned)(off & 3));
    uint64_t v;

    if (!(a & 0x80000000u) || ((a >> 16) & 0xff)) {
        return ~0ull >> (64 - 8 * size);
    }
    v = pci_bus_config_read(s->bus, (a >> 8) & 0xff, (a & 0xfc) | off, n);
    if (n < size) {
        /* Bytes past 0xCFF are not CONFIG_DATA's: all-ones. */
        v |= (~0ull >> (64 - 8 * size)) & (~0ull << (8 * n));
    }
    return v;
}

static void conf_data_write(void *opaque, uint64_t off, uint64_t val,
                            unsigned size)
{
    I440FXState *s = opaque;
    uint32_t a = s->config_addr;
    int devfn = (a >> 8) & 0xff;

    if (!(a & 0x80000000u) || ((a >> 16) & 0xff)) {
        return;
    }
    /* Bytes past 0xCFF are not CONFIG_DATA's. */
    pci_bus_config_write(s->bus, devfn, (a & 0xfc) | off, (uint32_t)val,
                         MIN(size, 4 - (unsigned)(off & 3)));
}

static const MemoryRegionOps conf_addr_ops = {
    .read = conf_addr_read, .write = conf_addr_write,
    .min_access = 1, .max_access = 4,
};
static const MemoryRegionOps conf_data_ops = {
    .read = conf_data_read, .write = conf_data_write,
    .min_access = 1, .max_access = 4,
};

/* --------------------------------------------------------------- PAM */

static bool skip_ram_and_pam(const MemoryRegion *mr, const void *opaque)
{
    const I440FXState *s = opaque;
    const char *p = (const char *)mr;

    return mr == &s->pci.dev.machine->ram ||
           (p >= (const char *)s->pam && p < (const char *)(s->pam + I440FX_PAM_SEGMENTS));
}

static uint64_t pam_pci_read(void *opaque, uint64_t off, unsigned size)
{
    PAMSegment *g = opaque;

    return behind_read(&g->s->pci.dev.machine->mem, g->base + off, size,
                       skip_ram_and_pam, g->s);
}

static void pam_pci_write(void *opaque, uint64_t off, uint64_t val,
                          unsigned size)
{
    PAMSegment *g = opaque;

    behind_write(&g->s->pci.dev.machine->mem, g->base + off, val, size,
                 skip_ram_and_pam, g->s);
}

/* Write-only mode: reads from PCI/ROM, writes to RAM. */
static void pam_wo_write(void *opaque, uint64_t off, uint64_t val,
                         unsigned size)
{
    PAMSegment *g = opaque;

    if (off + size <= g->size) {
        for (unsigned i = 0; i < size; i++) {
            g->ram.host[off + i] = (uint8_t)(val >> (8 * i));
        }
    }
}

static const MemoryRegionOps pam_pci_ops = {
    .read = pam_pci_read, .write = pam_pci_write,
};
static const MemoryRegionOps pam_wo_ops = {
    .read = pam_pci_read, .write = pam_wo_write,
};

static void pam_segment_init(I440FXState *s, int i)
{
    PAMSegment *g = &s->pam[i];
    Machine *m = s->pci.dev.machine;

    g->s = s;
    g->base = i == 0 ? 0xf0000 : 0xc0000 + (uint64_t)(i - 1) * 0x4000;
    g->size = i == 0 ? 0x10000 : 0x4000;
    g->mode = -1;
    g->mapped = NULL;
    /* RAM views share the machine's RAM backing; never destroyed. */
    g->ram = (MemoryRegion){ .name = "pam-ram", .kind = MR_RAM,
                             .size = g->size, .host = m->ram.host + g->base };
    g->ro = g->ram;
    g->ro.name = "pam-rom";
    g->ro.kind = MR_ROM;
    memory_region_init_io(&g->wo, "pam-wo", g->size, &pam_wo_ops, g);
    memory_region_init_io(&g->pci, "pam-pci", g->size, &pam_pci_ops, g);
}

static int pam_segment_mode(const I440FXState *s, int i)
{
    const uint8_t *c = s->pci.config;

    if (i == 0) {
        return (c[I440FX_PAM0] >> 4) & 3;
    }
    return (c[I440FX_PAM0 + 1 + (i - 1) / 2] >> (((i - 1) & 1) * 4)) & 3;
}

static void pam_update(I440FXState *s)
{
    AddressSpace *as = &s->pci.dev.machine->mem;

    for (int i = 0; i < I440FX_PAM_SEGMENTS; i++) {
        PAMSegment *g = &s->pam[i];
        int mode = pam_segment_mode(s, i);
        static const int prio[4] = { PRIO_RAM, PRIO_PAM, PRIO_PAM, PRIO_PAM };

        if (mode == g->mode) {
            continue;
        }
        if (g->mapped) {
            address_space_unmap_region(as, g->mapped);
        }
        g->mapped = mode == PAM_RW ? &g->ram : mode == PAM_RO ? &g->ro :
                    mode == PAM_WO ? &g->wo : &g->pci;
        address_space_map_region(as, g->base, g->mapped, 0, g->size,
                                 prio[mode]);
        g->mode = mode;
    }
}

static void pam_unmap_all(I440FXState *s)
{
    for (int i = 0; i < I440FX_PAM_SEGMENTS; i++) {
        if (s->pam[i].mapped) {
            address_space_unmap_region(&s->pci.dev.machine->mem,
                                       s->pam[i].mapped);
            s->pam[i].mapped = NULL;
        }
        s->pam[i].mode = -1;
    }
}

/* ----------------------------------------------------- the PCI function */

static void i440fx_config_write(PCIDevice *d, uint32_t addr, uint32_t val,
                                unsigned len)
{
    if (addr < I440FX_PAM0 + I440FX_PAM_COUNT && I440FX_PAM0 < addr + len) {
        pam_update((I440FXState *)d);
    }
}

static int i440fx_init(PCIDevice *d, Error *err)
{
    I440FXState *s = (I440FXState *)d;
    uint8_t pam = d->dev.machine->cfg.bios ? 0 : PAM_NO_FIRMWARE;

    d->config[I440FX_PAM0] = pam & 0xf0;
    d->wmask[I440FX_PAM0] = 0x30;
    for (int r = 1; r < I440FX_PAM_COUNT; r++) {
        d->config[I440FX_PAM0 + r] = pam;
        d->wmask[I440FX_PAM0 + r] = 0x33;
    }
    d->config[I440FX_SMRAM] = 0x02;       /* C_BASE_SEG: 0xA0000 */
    d->wmask[I440FX_SMRAM] = 0x78;        /* D_OPEN, D_CLS, D_LCK, G_SMRAME */
    pci_set_word(d->config + PCI_STATUS,
                 PCI_STATUS_FAST_BACK | PCI_STATUS_DEVSEL_MEDIUM);
    for (int i = 0; i < I440FX_PAM_SEGMENTS; i++) {
        pam_segment_init(s, i);
    }
    pam_update(s);
    return 0;
}

static void i440fx_reset_fn(PCIDevice *d)
{
    I440FXState *s = (I440FXState *)d;

    s->config_addr = 0;
    pam_update(s);
}

static void i440fx_save_fn(PCIDevice *d, SaveBuf *sb)
{
    save_u8(sb, I440FX_SAVE_VERSION);
    save_u32(sb, ((I440FXState *)d)->config_addr);
}

static int i440fx_load_fn(PCIDevice *d, SaveBuf *sb, Error *err)
{
    I440FXState *s = (I440FXState *)d;
    uint8_t version = load_u8(sb);
    uint32_t a = load_u32(sb);

    if (sb->error || version != I440FX_SAVE_VERSION || (a & 3)) {
        return error_setg(err, "i440FX: bad state (version %u)", version);
    }
    s->config_addr = a;
    pam_update(s);
    return 0;
}

static const PCIDeviceInfo i440fx_info = {
    .vendor_id = 0x8086, .device_id = 0x1237, .revision = 0x02,
    .class_code = 0x060000,
    .init = i440fx_init,
    .reset = i440fx_reset_fn,
    .config_write = i440fx_config_write,
    .save = i440fx_save_fn,
    .load = i440fx_load_fn,
};

static int i440fx_realize(Device *dev, Error *err)
{
    I440FXState *s = (I440FXState *)dev;
    Machine *m = dev->machine;

    if (m->pci_bus) {
        return error_setg(err, "the machine already has a PCI host bridge");
    }
    s->bus = m->pci_bus = pci_bus_new(m);
    free(s->pci.addr);
    s->pci.addr = xstrdup("0");
    if (pci_device_realize(dev, &i440fx_info, err) < 0) {
        pci_bus_free(s->bus);
        m->pci_bus = s->bus = NULL;
        return -1;
    }
    memory_region_init_io(&s->addr_mr, "pci-conf-addr", 4, &conf_addr_ops, s);
    memory_region_init_io(&s->data_mr, "pci-conf-data", 4, &conf_data_ops, s);
    /* Above the reset control register at 0xCF9, which it passes bytes to. */
    address_space_map_region(&m->io, PCI_CONFIG_ADDR_PORT, &s->addr_mr, 0, 4,
                             PRIO_IO + 1);
    machine_map_ports(m, PCI_CONFIG_DATA_PORT, &s->data_mr);
    return 0;
}

static void i440fx_unrealize(Device *dev)
{
    I440FXState *s = (I440FXState *)dev;
    Machine *m = dev->machine;

    address_space_unmap_region(&m->io, &s->addr_mr);
    address_space_unmap_region(&m->io, &s->data_mr);
    pam_unmap_all(s);
    pci_device_unrealize(dev);
    pci_bus_free(s->bus);
    m->pci_bus = s->bus = NULL;
}

static const PropDef i440fx_props[] = {
    PCI_DEVICE_PROPS,
    PROP_DEF_END,
};

const DeviceType i440fx_type = {
    .name = "i440FX",
    .desc = "i440FX PCI host bridge and memory controller",
    .instance_size = sizeof(I440FXState),
    .props = i440fx_props,
    .realize = i440fx_realize,
    .unrealize = i440fx_unrealize,
    .reset = pci_device_reset,
    .save = pci_device_save,
    .load = pci_device_load,
};
