/*
 * The PCI bus and device model (see pci.h): placement on bus 0, config
 * space with its masks, the capability list, BAR sizing and mapping,
 * INTx, the bus-master gate for DMA, save/load.
 */
#include "hw/pci/pci.h"

#include <stdlib.h>
#include <string.h>

#include "accel/tcg/tcg-accel.h"
#include "hw/pci/msi.h"

#define PCI_SAVE_VERSION   1
#define PCI_ROM_MAX_SIZE   (16 * MiB)
/* QEMU's subsystem IDs, which guests of QEMU's pc machine know. */
#define PCI_DEFAULT_SUBSYS_VENDOR 0x1af4
#define PCI_DEFAULT_SUBSYS_ID     0x1100
#define PCI_COMMAND_WMASK  (PCI_COMMAND_IO | PCI_COMMAND_MEMORY |           \
                            PCI_COMMAND_MASTER | 0x0040 | PCI_COMMAND_SERR | \
                            PCI_COMMAND_INTX_DISABLE)

static bool ranges_overlap(uint32_t a, uint32_t alen, uint32_t b, uint32_t blen)
{
    return a < b + blen && b < a + alen;
}

/* ------------------------------------------------------------- bus */

PCIBus *pci_bus_new(Machine *m)
{
    PCIBus *bus = xzalloc(sizeof(*bus));

    bus->m = m;
    return bus;
}

void pci_bus_free(PCIBus *bus)
{
    if (bus && bus->ndevices) {
        bus->detached = true;
        bus->set_pirq = NULL;
    } else {
        free(bus);
    }
}

PCIDevice *pci_bus_find(PCIBus *bus, int devfn)
{
    if (!bus || devfn < 0 || devfn >= PCI_NUM_DEVFN) {
        return NULL;
    }
    return bus->devices[devfn];
}

/* A function answers only if function 0 of its slot exists. */
static PCIDevice *pci_bus_visible(PCIBus *bus, int devfn)
{
    if (!pci_bus_find(bus, devfn & ~7)) {
        return NULL;
    }
    return pci_bus_find(bus, devfn);
}

uint32_t pci_bus_config_read(PCIBus *bus, int devfn, uint32_t addr,
                             unsigned len)
{
    PCIDevice *d = pci_bus_visible(bus, devfn);

    if (!d || len == 0 || len > 4 || addr + len > PCI_CONFIG_SIZE) {
        return (uint32_t)(~0ull >> (64 - 8 * (len ? MIN(len, 4u) : 4)));
    }
    return pci_config_read(d, addr, len);
}

void pci_bus_config_write(PCIBus *bus, int devfn, uint32_t addr,
                          uint32_t val, unsigned len)
{
    PCIDevice *d = pci_bus_visible(bus, devfn);

    if (d && len >= 1 && len <= 4 && addr + len <= PCI_CONFIG_SIZE) {
        pci_config_write(d, addr, val, len);
    }
}

void pci_bus_foreach(PCIBus *bus, void (*fn)(PCIDevice *d, void *opaque),
                     void *opaque)
{
    for (int i = 0; bus && i < PCI_NUM_DEVFN; i++) {
        if (bus->devices[i]) {
            fn(bus->devices[i], opaque);
        }
    }
}

void pci_bus_set_pirq_handler(PCIBus *bus, PCISetPirq fn, void *opaque)
{
    bus->set_pirq = fn;
    bus->pirq_opaque = opaque;
}

/* The PIIX swizzle: INTA# of slot 1 is PIRQA#, of slot 2 PIRQB#, ... */
int pci_slot_pirq(int slot, int pin)
{
    return (slot + pin - 2) & 3;
}

int pci_parse_devfn(const char *s, Error *err)
{
    char *end;
    unsigned long slot, fn = 0;

    slot = strtoul(s, &end, 16);
    if (end == s || slot >= PCI_NUM_SLOTS) {
        return error_setg(err, "bad PCI address '%s' (want SLOT[.FN], slot "
                          "0-1f hex)", s);
    }
    if (*end == '.') {
        const char *f = end + 1;
        fn = strtoul(f, &end, 16);
        if (end == f || fn > 7) {
            return error_setg(err, "bad PCI function in '%s' (0-7)", s);
        }
    }
    if (*end) {
        return error_setg(err, "bad PCI address '%s' (want SLOT[.FN])", s);
    }
    return PCI_DEVFN(slot, fn);
}

/* ----------------------------------------------------------- INTx */

static void pci_bus_change_pirq(PCIBus *bus, int pirq, int delta, bool notify)
{
    int before = bus->pirq_count[pirq];

    bus->pirq_count[pirq] += delta;
    if (notify && bus->set_pirq && !before != !bus->pirq_count[pirq]) {
        bus->set_pirq(bus->pirq_opaque, pirq, bus->pirq_count[pirq] > 0);
    }
}

static int pci_device_pirq(const PCIDevice *d)
{
    return pci_slot_pirq(PCI_SLOT(d->devfn), d->config[PCI_INTERRUPT_PIN]);
}

/* Drives the bus from intx_level and the interrupt-disable bit. */
static void pci_intx_update(PCIDevice *d, bool notify)
{
    uint16_t cmd = pci_get_word(d->config + PCI_COMMAND);
    int level = d->intx_level && !(cmd & PCI_COMMAND_INTX_DISABLE);

    if (d->intx_level) {
        d->config[PCI_STATUS] |= PCI_STATUS_INTERRUPT;
    } else {
        d->config[PCI_STATUS] &= ~PCI_STATUS_INTERRUPT;
    }
    if (level != d->intx_driven) {
        d->intx_driven = level;
        pci_bus_change_pirq(d->bus, pci_device_pirq(d), level ? 1 : -1,
                            notify);
    }
}

void pci_set_irq(PCIDevice *d, int level)
{
    if (!d->config[PCI_INTERRUPT_PIN]) {
        return;
    }
    d->intx_level = level != 0;
    pci_intx_update(d, true);
}

/* ---------------------------------------------------- config space */

uint32_t pci_config_read(PCIDevice *d, uint32_t addr, unsigned len)
{
    uint32_t v = 0;

    if (d->info->config_read) {
        d->info->config_read(d, addr, len);
    }
    for (unsigned i = 0; i < len && addr + i < PCI_CONFIG_SIZE; i++) {
        v |= (uint32_t)d->config[addr + i] << (8 * i);
    }
    return v;
}

void pci_config_write(PCIDevice *d, uint32_t addr, uint32_t val, unsigned len)
{
    for (unsigned i = 0; i < len && addr + i < PCI_CONFIG_SIZE; i++) {
        uint32_t a = addr + i;
        uint8_t b = (uint8_t)(val >> (8 * i));

        d->config[a] = (d->config[a] & ~d->wmask[a]) | (b & d->wmask[a]);
        d->config[a] &= ~(b & d->w1cmask[a]);
    }
    if (ranges_overlap(addr, len, PCI_COMMAND, 2)) {
        pci_intx_update(d, true);
    }
    if (ranges_overlap(addr, len, PCI_COMMAND, 2) ||
        ranges_overlap(addr, len, PCI_BASE_ADDRESS_0, 4 * PCI_NUM_BARS) ||
        ranges_overlap(addr, len, PCI_ROM_ADDRESS, 4)) {
        pci_update_mappings(d);
    }
    if (d->msi_cap) {
        msi_config_write(d, addr, len);
    }
    if (d->msix_cap) {
        msix_config_write(d, addr, len);
    }
    if (d->info->config_write) {
        d->info->config_write(d, addr, val, len);
    }
}

int pci_add_capability(PCIDevice *d, uint8_t cap_id, uint8_t offset,
                       uint8_t size, Error *err)
{
    unsigned o = offset;

    if (size < 2) {
        return error_setg(err, "capability 0x%02x: size %u is too small",
                          cap_id, size);
    }
    if (!o) {
        for (o = 0x40; o + size <= PCI_CONFIG_SIZE; o += 4) {
            if (!memchr(d->used + o, 1, size)) {
                break;
            }
        }
    }
    if (o < 0x40 || (o & 3) || o + size > PCI_CONFIG_SIZE ||
        memchr(d->used + o, 1, size)) {
        return error_setg(err, "no room for capability 0x%02x (%u bytes) in "
                          "config space", cap_id, size);
    }
    memset(d->used + o, 1, size);
    d->config[o] = cap_id;
    d->config[o + 1] = d->config[PCI_CAPABILITY_LIST];
    d->config[PCI_CAPABILITY_LIST] = (uint8_t)o;
    d->config[PCI_STATUS] |= PCI_STATUS_CAP_LIST;
    return (int)o;
}

uint8_t pci_find_capability(const PCIDevice *d, uint8_t cap_id)
{
    uint8_t o = d->config[PCI_CAPABILITY_LIST];

    /* At most 48 capabilities fit; a longer walk is a loop. */
    for (int n = 0; o >= 0x40 && n < 48; n++) {
        if (d->config[o] == cap_id) {
            return o;
        }
        o = d->config[o + 1] & ~3;
    }
    return 0;
}

/* ------------------------------------------------------------ BARs */

static uint32_t pci_bar_reg(int n)
{
    return n == PCI_ROM_SLOT ? PCI_ROM_ADDRESS : PCI_BASE_ADDRESS_0 + 4 * n;
}

static AddressSpace *pci_bar_space(PCIDevice *d, int n)
{
    Machine *m = d->dev.machine;
    return (d->bars[n].type & PCI_BAR_IO) ? &m->io : &m->mem;
}

/* Where BAR n should be mapped now, or PCI_BAR_UNMAPPED. */
static uint64_t pci_bar_target(const PCIDevice *d, int n)
{
    const PCIBar *b = &d->bars[n];
    uint16_t cmd = pci_get_word(d->config + PCI_COMMAND);
    uint32_t lo = pci_get_long(d->config + pci_bar_reg(n));
    uint64_t a;

    if (b->type & PCI_BAR_IO) {
        a = lo & ~3u;
        if (!(cmd & PCI_COMMAND_IO) || !a || a + b->size > 0x10000) {
            return PCI_BAR_UNMAPPED;
        }
        return a;
    }
    if (!(cmd & PCI_COMMAND_MEMORY)) {
        return PCI_BAR_UNMAPPED;
    }
    if (n == PCI_ROM_SLOT) {
        if (!(lo & PCI_ROM_ENABLE)) {
            return PCI_BAR_UNMAPPED;
        }
        a = lo & ~0x7ffu;
    } else {
        a = lo & ~0xfu;
        if (b->type & PCI_BAR_MEM64) {
            a |= (uint64_t)pci_get_long(d->config + pci_bar_reg(n) + 4) << 32;
        }
    }
    if (!a || a + b->size < a ||
        (!(b->type & PCI_BAR_MEM64) && a + b->size > 4 * GiB)) {
        return PCI_BAR_UNMAPPED;
    }
    return a;
}

uint64_t pci_bar_addr(const PCIDevice *d, int n)
{
    return n >= 0 && n <= PCI_ROM_SLOT ? d->bars[n].addr : PCI_BAR_UNMAPPED;
}

void pci_update_mappings(PCIDevice *d)
{
    for (int n = 0; n <= PCI_ROM_SLOT; n++) {
        PCIBar *b = &d->bars[n];
        uint64_t t;

        if (!b->size) {
            continue;
        }
        t = pci_bar_target(d, n);
        if (t == b->addr) {
            continue;
        }
        if (b->addr != PCI_BAR_UNMAPPED) {
            address_space_unmap_region(pci_bar_space(d, n), b->mr);
        }
        b->addr = PCI_BAR_UNMAPPED;
        if (t != PCI_BAR_UNMAPPED &&
            address_space_map_region(pci_bar_space(d, n), t, b->mr, 0,
                                     b->mr->size, PCI_MAP_PRIO) == 0) {
            b->addr = t;
        }
    }
}

static int pci_check_bar(PCIDevice *d, int n, uint8_t type, uint64_t size,
                         MemoryRegion *mr, Error *err)
{
    uint64_t min = n == PCI_ROM_SLOT ? 2048 : (type & PCI_BAR_IO) ? 4 : 16;

    if (n < 0 || n > PCI_ROM_SLOT || d->bars[n].size ||
        ((type & PCI_BAR_MEM64) && (n >= PCI_NUM_BARS - 1 || d->bars[n + 1].size))) {
        return error_setg(err, "BAR %d is invalid or already used", n);
    }
    if (n == PCI_ROM_SLOT && type) {
        return error_setg(err, "the expansion ROM BAR is 32-bit memory");
    }
    if ((type & PCI_BAR_IO) && (type != PCI_BAR_IO || size > 0x10000)) {
        return error_setg(err, "BAR %d: bad I/O BAR", n);
    }
    if (size < min || (size & (size - 1)) || !mr || mr->size > size ||
        (!(type & PCI_BAR_MEM64) && size > 2 * GiB)) {
        return error_setg(err, "BAR %d: size 0x%llx is not a power of two "
                          "between 0x%llx and the region", n,
                          (unsigned long long)size, (unsigned long long)min);
    }
    return 0;
}

int pci_register_bar(PCIDevice *d, int n, uint8_t type, uint64_t size,
                     MemoryRegion *mr, Error *err)
{
    uint32_t reg = pci_bar_reg(n);
    uint64_t mask = ~(size - 1);

    if (pci_check_bar(d, n, type, size, mr, err) < 0) {
        return -1;
    }
    d->bars[n] = (PCIBar){ .size = size, .type = type, .mr = mr,
                           .addr = PCI_BAR_UNMAPPED };
    pci_set_long(d->config + reg, type);
    if (n == PCI_ROM_SLOT) {
        pci_set_long(d->wmask + reg, ((uint32_t)mask & ~0x7ffu) | PCI_ROM_ENABLE);
    } else if (type & PCI_BAR_IO) {
        pci_set_long(d->wmask + reg, (uint32_t)mask & ~3u);
    } else {
        pci_set_long(d->wmask + reg, (uint32_t)mask & ~0xfu);
    }
    memset(d->used + reg, 1, 4);
    if (type & PCI_BAR_MEM64) {
        d->bars[n + 1].size = 0;
        pci_set_long(d->wmask + reg + 4, (uint32_t)(mask >> 32));
        memset(d->used + reg + 4, 1, 4);
    }
    return 0;
}

/*
 * One ROM file may serve several device ids (iPXE's virtio ROM names the
 * modern 1af4:1041 while the transitional virtio-net is 1af4:1000), and a
 * BIOS runs only an image whose PCI data structure names the device: the
 * first image gets the device id when its vendor is the device's, and the
 * byte at offset 6 (iPXE's checksum byte) takes back the difference so
 * the image still sums to zero.
 */
static void pci_rom_match_ids(PCIDevice *d, uint8_t *rom, size_t len)
{
    uint16_t dev = pci_get_word(d->config + PCI_DEVICE_ID), old;
    size_t pcir;

    if (len < 0x1c || rom[0] != 0x55 || rom[1] != 0xaa) {
        return;
    }
    pcir = pci_get_word(rom + 0x18);
    if (pcir + 8 > len || memcmp(rom + pcir, "PCIR", 4) ||
        pci_get_word(rom + pcir + 4) !=
            pci_get_word(d->config + PCI_VENDOR_ID)) {
        return;
    }
    old = pci_get_word(rom + pcir + 6);
    if (old != dev) {
        pci_set_word(rom + pcir + 6, dev);
        rom[6] = (uint8_t)(rom[6] + (old & 0xff) + (old >> 8) -
                           (dev & 0xff) - (dev >> 8));
    }
}

int pci_set_rom(PCIDevice *d, const void *data, size_t len, Error *err)
{
    uint64_t size = 2048;

    if (!len || len > PCI_ROM_MAX_SIZE) {
        return error_setg(err, "expansion ROM of %zu bytes (1 to %llu MiB)",
                          len, (unsigned long long)(PCI_ROM_MAX_SIZE / MiB));
    }
    if (d->rom.host) {
        return error_setg(err, "the device already has an expansion ROM");
    }
    while (size < len) {
        size <<= 1;
    }
    memory_region_init_rom(&d->rom, "pci.rom", size);
    memcpy(d->rom.host, data, len);
    pci_rom_match_ids(d, d->rom.host, len);
    return pci_register_bar(d, PCI_ROM_SLOT, 0, size, &d->rom, err);
}

static int pci_load_romfile(PCIDevice *d, Error *err)
{
    uint8_t *data;
    size_t len;
    int r;

    if (file_read_all(d->romfile, PCI_ROM_MAX_SIZE, &data, &len, err) < 0) {
        return -1;
    }
    r = pci_set_rom(d, data, len, err);
    free(data);
    return r;
}

/* -------------------------------------------------------------- DMA */

/*
 * Inside the MSI window an aligned dword write is an interrupt message;
 * anything else there is dropped (reads give all-ones).
 */
static int pci_dma_msi_window(PCIDevice *d, uint64_t addr, void *buf,
                              uint64_t len, bool is_write)
{
    if (is_write && len == 4 && !(addr & 3) &&
        addr - MSI_WINDOW_BASE < MSI_WINDOW_SIZE) {
        msi_deliver(d->dev.machine, addr, ld32le(buf));
        return 0;
    }
    if (!is_write) {
        memset(buf, 0xff, len);
    }
    return -1;
}

int pci_dma_rw(PCIDevice *d, uint64_t addr, void *buf, uint64_t len,
               bool is_write)
{
    uint16_t cmd = pci_get_word(d->config + PCI_COMMAND);

    if (!(cmd & PCI_COMMAND_MASTER) || addr + len < addr) {
        if (!is_write) {
            memset(buf, 0xff, len);
        }
        return -1;
    }
    if (len && addr < MSI_WINDOW_BASE + MSI_WINDOW_SIZE &&
        addr + len > MSI_WINDOW_BASE) {
        return pci_dma_msi_window(d, addr, buf, len, is_write);
    }
    /* The memory core's bounds-checked guest-memory access; it keeps
       translated code coherent with what the device writes. */
    return address_space_rw(&d->dev.machine->mem, addr, buf, len, is_write);
}

/* --------------------------------------------------------- lifecycle */

/* Function 0 of the first slot with no function in use. */
static int pci_free_slot(PCIBus *bus, Error *err)
{
    for (int slot = 0; slot < PCI_NUM_SLOTS; slot++) {
        bool busy = false;
        for (int fn = 0; fn < 8; fn++) {
            busy |= bus->devices[PCI_DEVFN(slot, fn)] != NULL;
        }
        if (!busy) {
            return PCI_DEVFN(slot, 0);
        }
    }
    return error_setg(err, "no free slot on PCI bus 0");
}

/* A function > 0 needs a multi-function function 0, and vice versa. */
static int pci_check_multifunction(PCIBus *bus, int devfn, bool multi,
                                   Error *err)
{
    PCIDevice *f0 = bus->devices[devfn & ~7];

    if (PCI_FUNC(devfn)) {
        if (f0 && !(f0->config[PCI_HEADER_TYPE] & PCI_HEADER_TYPE_MULTI_FUNCTION)) {
            return error_setg(err, "PCI slot %02x holds single-function '%s'",
                              PCI_SLOT(devfn), f0->dev.type->name);
        }
        return 0;
    }
    for (int fn = 1; fn < 8 && !multi; fn++) {
        if (bus->devices[devfn + fn]) {
            return error_setg(err, "PCI slot %02x has other functions; a "
                              "single-function device cannot be its "
                              "function 0", PCI_SLOT(devfn));
        }
    }
    return 0;
}

/* Where the function goes: its addr property, or the first free slot. */
static int pci_pick_devfn(PCIBus *bus, const PCIDevice *d,
                          const PCIDeviceInfo *info, Error *err)
{
    int devfn;

    if (!d->addr || !*d->addr) {
        return pci_free_slot(bus, err);
    }
    if ((devfn = pci_parse_devfn(d->addr, err)) < 0) {
        return -1;
    }
    if (bus->devices[devfn]) {
        return error_setg(err, "PCI address %02x.%x is already used by '%s'",
                          PCI_SLOT(devfn), PCI_FUNC(devfn),
                          bus->devices[devfn]->dev.type->name);
    }
    if (pci_check_multifunction(bus, devfn, info->header_type &
                                PCI_HEADER_TYPE_MULTI_FUNCTION, err) < 0) {
        return -1;
    }
    return devfn;
}

static void pci_init_header(PCIDevice *d, const PCIDeviceInfo *info)
{
    uint8_t *c = d->config;

    memset(c, 0, PCI_CONFIG_SIZE);
    memset(d->wmask, 0, PCI_CONFIG_SIZE);
    memset(d->w1cmask, 0, PCI_CONFIG_SIZE);
    memset(d->used, 0, PCI_CONFIG_SIZE);
    memset(d->used, 1, 0x40);
    pci_set_word(c + PCI_VENDOR_ID, info->vendor_id);
    pci_set_word(c + PCI_DEVICE_ID, info->device_id);
    c[PCI_REVISION_ID] = info->revision;
    c[PCI_CLASS_PROG] = (uint8_t)info->class_code;
    pci_set_word(c + PCI_CLASS_DEVICE, (uint16_t)(info->class_code >> 8));
    c[PCI_HEADER_TYPE] = info->header_type;
    pci_set_word(c + PCI_SUBSYSTEM_VENDOR_ID, info->subsystem_vendor_id ?
                 info->subsystem_vendor_id : PCI_DEFAULT_SUBSYS_VENDOR);
    pci_set_word(c + PCI_SUBSYSTEM_ID, info->subsystem_vendor_id ?
                 info->subsystem_id : PCI_DEFAULT_SUBSYS_ID);
    c[PCI_INTERRUPT_PIN] = info->interrupt_pin;
    pci_set_word(d->wmask + PCI_COMMAND, PCI_COMMAND_WMASK);
    pci_set_word(d->w1cmask + PCI_STATUS, PCI_STATUS_W1C);
    d->wmask[PCI_CACHE_LINE_SIZE] = 0xff;
    d->wmask[PCI_LATENCY_TIMER] = 0xff;
    d->wmask[PCI_INTERRUPT_LINE] = 0xff;
    for (int n = 0; n <= PCI_ROM_SLOT; n++) {
        d->bars[n] = (PCIBar){ .addr = PCI_BAR_UNMAPPED };
    }
}

/* Undoes whatever realize did; safe on a half-realized device. */
static void pci_device_cleanup(PCIDevice *d)
{
    if (d->intx_driven) {
        d->intx_level = 0;
        pci_intx_update(d, true);
    }
    for (int n = 0; n <= PCI_ROM_SLOT; n++) {
        if (d->bars[n].size && d->bars[n].addr != PCI_BAR_UNMAPPED) {
            address_space_unmap_region(pci_bar_space(d, n), d->bars[n].mr);
        }
        d->bars[n] = (PCIBar){ .addr = PCI_BAR_UNMAPPED };
    }
    msix_uninit(d);
    memory_region_destroy(&d->rom);
    if (d->bus && d->bus->devices[d->devfn] == d) {
        d->bus->devices[d->devfn] = NULL;
        if (!--d->bus->ndevices && d->bus->detached) {
            free(d->bus);
        }
        d->bus = NULL;
    }
}

int pci_device_realize(Device *dev, const PCIDeviceInfo *info, Error *err)
{
    PCIDevice *d = (PCIDevice *)dev;
    PCIBus *bus = dev->machine->pci_bus;
    int devfn;

    if (!bus) {
        return error_setg(err, "the machine has no PCI bus");
    }
    if (info->interrupt_pin > 4) {
        return error_setg(err, "interrupt pin %u (0-4)", info->interrupt_pin);
    }
    if ((devfn = pci_pick_devfn(bus, d, info, err)) < 0) {
        return -1;
    }
    d->info = info;
    d->bus = bus;
    d->devfn = devfn;
    pci_init_header(d, info);
    bus->devices[devfn] = d;
    bus->ndevices++;
    if ((info->init && info->init(d, err) < 0) ||
        (d->romfile && *d->romfile && pci_load_romfile(d, err) < 0)) {
        if (info->exit) {
            info->exit(d);
        }
        pci_device_cleanup(d);
        return -1;
    }
    memcpy(d->reset_config, d->config, PCI_CONFIG_SIZE);
    return 0;
}

void pci_device_unrealize(Device *dev)
{
    PCIDevice *d = (PCIDevice *)dev;

    if (d->info->exit) {
        d->info->exit(d);
    }
    pci_device_cleanup(d);
}

void pci_device_reset(Device *dev)
{
    PCIDevice *d = (PCIDevice *)dev;

    memcpy(d->config, d->reset_config, PCI_CONFIG_SIZE);
    d->intx_level = 0;
    pci_intx_update(d, true);
    pci_update_mappings(d);
    msix_reset(d);
    if (d->info->reset) {
        d->info->reset(d);
    }
}

/* --------------------------------------------------------- save/load */

void pci_device_save(Device *dev, SaveBuf *s)
{
    PCIDevice *d = (PCIDevice *)dev;

    save_u8(s, PCI_SAVE_VERSION);
    save_u8(s, (uint8_t)d->devfn);
    save_bytes(s, d->config, PCI_CONFIG_SIZE);
    save_u8(s, (uint8_t)d->intx_level);
    msix_save(d, s);
    if (d->info->save) {
        d->info->save(d, s);
    }
}

/*
 * Takes the guest-writable bits from the stream and keeps the read-only
 * ones, except those the device itself changes (msi_state_mask), so a
 * stream cannot turn a function into a different one.
 */
static void pci_load_config(PCIDevice *d, const uint8_t *in)
{
    uint8_t keep[PCI_CONFIG_SIZE];

    msi_state_mask(d, keep);
    for (int a = 0; a < PCI_CONFIG_SIZE; a++) {
        uint8_t take = d->wmask[a] | d->w1cmask[a] | keep[a];
        d->config[a] = (d->config[a] & ~take) | (in[a] & take);
    }
}

/*
 * Everything is checked before anything changes: the generic part first,
 * then the function's own (which checks and applies itself), then the
 * generic part is applied.
 */
int pci_device_load(Device *dev, SaveBuf *s, Error *err)
{
    PCIDevice *d = (PCIDevice *)dev;
    uint8_t cfg[PCI_CONFIG_SIZE], version, devfn, intx;
    const uint8_t *msix;

    version = load_u8(s);
    devfn = load_u8(s);
    load_bytes(s, cfg, sizeof(cfg));
    intx = load_u8(s);
    if (s->error || version != PCI_SAVE_VERSION || devfn != d->devfn ||
        intx > 1) {
        return error_setg(err, "%s: bad PCI state (version %u, address "
                          "%02x.%x)", dev->type->name, version,
                          PCI_SLOT(devfn), PCI_FUNC(devfn));
    }
    if (!(msix = msix_load_check(d, s, err)) ||
        (d->info->load && d->info->load(d, s, err) < 0)) {
        return -1;
    }
    pci_load_config(d, cfg);
    msix_load_apply(d, msix);
    d->intx_level = intx;
    /* The PIRQ router drives its lines from the counts in its post_load. */
    pci_intx_update(d, false);
    pci_update_mappings(d);
    if (d->info->loaded) {
        d->info->loaded(d);
    }
    return 0;
}
