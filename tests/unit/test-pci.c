/* Unit tests for PCI: configuration mechanism #1, config-space masks, BAR
 * sizing and mapping (I/O, mem32, mem64, prefetchable, expansion ROM),
 * command decode, INTx through the PIIX3 PIRQ routes to the 8259 and
 * the IOAPIC, MSI and MSI-X, the bus-master gate, placement, PAM,
 * save/load, pci-testdev and random config writes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hw/core/devtypes.h"
#include "hw/intc/intc.h"
#include "hw/pci/i440fx.h"
#include "hw/pci/msi.h"

#define LAPIC 0xfee00000ull

/* ---- a PCI function with every kind of BAR, MSI and MSI-X ---- */

typedef struct TestPCIDev {
    PCIDevice pci;
    MemoryRegion io, mem32, mem64, pref;
    uint8_t regs[64];
} TestPCIDev;

static uint64_t tdev_read(void *opaque, uint64_t off, unsigned size)
{
    TestPCIDev *t = opaque;
    uint64_t v = 0;

    memcpy(&v, t->regs + (off & 63), MIN(size, 64 - (unsigned)(off & 63)));
    return v;
}

static void tdev_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    TestPCIDev *t = opaque;

    memcpy(t->regs + (off & 63), &val, MIN(size, 64 - (unsigned)(off & 63)));
}

static const MemoryRegionOps tdev_ops = {
    .read = tdev_read, .write = tdev_write, .min_access = 1, .max_access = 8,
};

static const uint8_t tdev_rom[3000] = { 0x55, 0xaa, 0x06, [2999] = 0x77 };

static int tdev_init(PCIDevice *d, Error *err)
{
    TestPCIDev *t = (TestPCIDev *)d;

    memory_region_init_io(&t->io, "t-io", 32, &tdev_ops, t);
    memory_region_init_io(&t->mem32, "t-mem32", 4096, &tdev_ops, t);
    memory_region_init_io(&t->mem64, "t-mem64", 0x100000, &tdev_ops, t);
    memory_region_init_io(&t->pref, "t-pref", 0x10000, &tdev_ops, t);
    if (pci_register_bar(d, 0, PCI_BAR_IO, 32, &t->io, err) < 0 ||
        pci_register_bar(d, 1, PCI_BAR_MEM32, 4096, &t->mem32, err) < 0 ||
        pci_register_bar(d, 2, PCI_BAR_MEM64 | PCI_BAR_PREFETCH, 0x100000,
                         &t->mem64, err) < 0 ||
        pci_register_bar(d, 4, PCI_BAR_MEM32 | PCI_BAR_PREFETCH, 0x10000,
                         &t->pref, err) < 0 ||
        msix_init_exclusive_bar(d, 8, 5, err) < 0 ||
        msi_init(d, 0, 4, true, true, err) < 0) {
        return -1;
    }
    return d->romfile ? 0 : pci_set_rom(d, tdev_rom, sizeof(tdev_rom), err);
}

static const PCIDeviceInfo tdev_info = {
    .vendor_id = 0x1234, .device_id = 0x5678, .revision = 7,
    .class_code = 0x020000, .interrupt_pin = 1, .init = tdev_init,
};

static int tdev_realize(Device *dev, Error *err)
{
    return pci_device_realize(dev, &tdev_info, err);
}

static const PropDef tdev_props[] = { PCI_DEVICE_PROPS, PROP_DEF_END };

static const DeviceType tdev_type = {
    .name = "test-pcidev", .instance_size = sizeof(TestPCIDev),
    .props = tdev_props, .realize = tdev_realize,
    .unrealize = pci_device_unrealize, .reset = pci_device_reset,
    .save = pci_device_save, .load = pci_device_load,
};

/* ---- fixture ---- */

typedef struct Fx {
    Machine m;
    VCPU cpu;
    Device *root;
    I440FXState *host;
    PIIX3State *piix;
    int level[PC_NUM_GSI];
} Fx;

static void fx_irq(void *opaque, int n, int level)
{
    Fx *f = opaque;
    f->level[n] = level;
}

static Fx *fx_new(bool firmware)
{
    Fx *f = xzalloc(sizeof(*f));
    Error err = { "" };

    pthread_mutex_init(&f->m.lock, NULL);
    log_init(&f->m.log);
    timerlist_init(&f->m.timers);
    f->m.cfg.smp = 1;
    f->m.cfg.bios = firmware ? "firmware.bin" : NULL;
    assert_int_equal(machine_init_memory(&f->m, 16 << 20, &err), 0);
    for (int i = 0; i < PC_NUM_GSI; i++) {
        f->m.gsi[i] = (IrqLine){ fx_irq, f, i };
    }
    f->root = device_new(&f->m, &machine_root_type, NULL, "pc");
    f->root->realized = true;
    f->host = (I440FXState *)device_create(&f->m, "i440FX", f->root, "", &err);
    assert_non_null(f->host);
    f->piix = (PIIX3State *)device_create(&f->m, "PIIX3", f->root, "addr=1",
                                          &err);
    assert_non_null(f->piix);
    return f;
}

static int setup(void **state)
{
    *state = fx_new(false);
    return 0;
}

static int teardown(void **state)
{
    Fx *f = *state;

    device_destroy(f->root);
    machine_destroy_memory(&f->m);
    free(f);
    return 0;
}

static TestPCIDev *add_tdev(Fx *f, const char *props)
{
    Error err = { "" };
    Device *d = device_new(&f->m, &tdev_type, f->root, NULL);
    char *copy = xstrdup(props), *save = NULL;

    for (char *kv = strtok_r(copy, ",", &save); kv;
         kv = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(kv, '=');
        *eq = '\0';
        assert_int_equal(device_set_prop(d, kv, eq + 1, &err), 0);
    }
    free(copy);
    if (device_realize(d, &err) < 0) {
        device_destroy(d);
        return NULL;
    }
    return (TestPCIDev *)d;
}

/* Config cycles through 0xCF8/0xCFC, as a guest makes them. */
static uint32_t cfg_read(Fx *f, int devfn, unsigned reg, unsigned size)
{
    address_space_st(&f->m.io, 0xcf8, 0x80000000u | (devfn << 8) | (reg & 0xfc), 4);
    return (uint32_t)address_space_ld(&f->m.io, 0xcfc + (reg & 3), size);
}

static void cfg_write(Fx *f, int devfn, unsigned reg, uint32_t v, unsigned size)
{
    address_space_st(&f->m.io, 0xcf8, 0x80000000u | (devfn << 8) | (reg & 0xfc), 4);
    address_space_st(&f->m.io, 0xcfc + (reg & 3), v, size);
}

static uint32_t mem_ld32(Fx *f, uint64_t a)
{
    return (uint32_t)address_space_ld(&f->m.mem, a, 4);
}

/* ---- configuration mechanism #1 ---- */

static void test_enumeration(void **state)
{
    Fx *f = *state;
    Error err = { "" };

    assert_int_equal(cfg_read(f, I440FX_DEVFN, 0, 4), 0x12378086);
    assert_int_equal(cfg_read(f, I440FX_DEVFN, 8, 4), 0x06000002);
    assert_int_equal(cfg_read(f, I440FX_DEVFN, PCI_HEADER_TYPE, 1), 0);
    assert_int_equal(cfg_read(f, PIIX3_DEVFN, 0, 4), 0x70008086);
    assert_int_equal(cfg_read(f, PIIX3_DEVFN, PCI_CLASS_DEVICE, 2), 0x0601);
    assert_int_equal(cfg_read(f, PIIX3_DEVFN, PCI_HEADER_TYPE, 1), 0x80);
    assert_int_equal(cfg_read(f, PIIX3_DEVFN, 0x60, 4), 0x80808080);
    /* absent functions, other buses, disabled cycles read all-ones */
    assert_int_equal(cfg_read(f, PCI_DEVFN(0x1f, 0), 0, 4), 0xffffffff);
    assert_int_equal(cfg_read(f, PIIX_PM_DEVFN, 0, 2), 0xffff);
    address_space_st(&f->m.io, 0xcf8, 0x80010000u, 4);
    assert_int_equal(address_space_ld(&f->m.io, 0xcfc, 4), 0xffffffff);
    address_space_st(&f->m.io, 0xcf8, 0x00000000u, 4);
    assert_int_equal(address_space_ld(&f->m.io, 0xcfc, 4), 0xffffffff);
    /* the address register: dword only, low two bits read as 0 */
    address_space_st(&f->m.io, 0xcf8, 0x80000803u, 4);
    assert_int_equal(address_space_ld(&f->m.io, 0xcf8, 4), 0x80000800);
    address_space_st(&f->m.io, 0xcf8, 0x12, 1);
    address_space_st(&f->m.io, 0xcfa, 0x3456, 2);
    assert_int_equal(address_space_ld(&f->m.io, 0xcf8, 4), 0x80000800);
    assert_int_equal(address_space_ld(&f->m.io, 0xcf8, 1), 0xff);
    /* data port: bytes and words at any offset of the dword */
    assert_int_equal(cfg_read(f, PIIX3_DEVFN, 1, 1), 0x80);
    assert_int_equal(cfg_read(f, PIIX3_DEVFN, 2, 2), 0x7000);
    assert_int_equal(cfg_read(f, PIIX3_DEVFN, 3, 1), 0x70);
    /* byte writes to 0xCF9 pass through to the reset control register */
    assert_non_null(device_create(&f->m, "reset-control", f->root, "", &err));
    address_space_st(&f->m.io, 0xcf9, 0x02, 1);
    assert_int_equal(address_space_ld(&f->m.io, 0xcf9, 1), 0x02);
    assert_int_equal(atomic_load(&f->m.requests) & MACHINE_REQ_RESET, 0);
    address_space_st(&f->m.io, 0xcf9, 0x06, 1);
    assert_true(atomic_load(&f->m.requests) & MACHINE_REQ_RESET);
    address_space_st(&f->m.io, 0xcf8, 0x80000000u, 4);
    assert_int_equal(address_space_ld(&f->m.io, 0xcf8, 4), 0x80000000u);
}

static void count_fn(PCIDevice *d, void *opaque)
{
    (*(int *)opaque)++;
}

static void test_config_masks(void **state)
{
    Fx *f = *state;
    TestPCIDev *t = add_tdev(f, "addr=3");
    int devfn = PCI_DEVFN(3, 0), n = 0;

    assert_non_null(t);
    pci_bus_foreach(f->m.pci_bus, count_fn, &n);
    assert_int_equal(n, 3);
    /* read-only identity */
    cfg_write(f, devfn, 0, 0xffffffff, 4);
    assert_int_equal(cfg_read(f, devfn, 0, 4), 0x56781234);
    cfg_write(f, devfn, 8, 0xffffffff, 4);
    assert_int_equal(cfg_read(f, devfn, 8, 4), 0x02000007);
    assert_int_equal(cfg_read(f, devfn, PCI_SUBSYSTEM_VENDOR_ID, 4), 0x11001af4);
    /* command: only the implemented bits stick */
    cfg_write(f, devfn, PCI_COMMAND, 0xffff, 2);
    assert_int_equal(cfg_read(f, devfn, PCI_COMMAND, 2), 0x0547);
    cfg_write(f, devfn, PCI_COMMAND, 0, 2);
    /* status: capability list bit read-only, error bits write-1-to-clear */
    assert_true(cfg_read(f, devfn, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST);
    t->pci.config[PCI_STATUS + 1] |= 0x30;   /* target/master abort seen */
    cfg_write(f, devfn, PCI_STATUS, 0x0000, 2);
    assert_int_equal(cfg_read(f, devfn, PCI_STATUS, 2) & 0x3000, 0x3000);
    cfg_write(f, devfn, PCI_STATUS, 0x1000, 2);
    assert_int_equal(cfg_read(f, devfn, PCI_STATUS, 2) & 0x3000, 0x2000);
    cfg_write(f, devfn, PCI_STATUS, 0xffff, 2);
    assert_int_equal(cfg_read(f, devfn, PCI_STATUS, 2), PCI_STATUS_CAP_LIST);
    /* line writable, pin read-only */
    cfg_write(f, devfn, PCI_INTERRUPT_LINE, 0xffff, 2);
    assert_int_equal(cfg_read(f, devfn, PCI_INTERRUPT_LINE, 2), 0x01ff);
    /* the capability list: MSI and MSI-X, found by walking it */
    assert_int_not_equal(pci_find_capability(&t->pci, PCI_CAP_ID_MSI), 0);
    assert_int_not_equal(pci_find_capability(&t->pci, PCI_CAP_ID_MSIX), 0);
    assert_int_equal(pci_find_capability(&t->pci, PCI_CAP_ID_VNDR), 0);
    /* writes past the end of config space vanish */
    pci_bus_config_write(f->m.pci_bus, devfn, 0xfe, 0xffffffff, 4);
    assert_int_equal(pci_bus_config_read(f->m.pci_bus, devfn, 0xfe, 4),
                     0xffffffff);
}

static void test_capability_builder(void **state)
{
    Fx *f = *state;
    TestPCIDev *t = add_tdev(f, "");
    Error err = { "" };
    int a, b;

    a = pci_add_capability(&t->pci, PCI_CAP_ID_VNDR, 0, 8, &err);
    assert_true(a >= 0x40 && !(a & 3));
    assert_int_equal(pci_find_capability(&t->pci, PCI_CAP_ID_VNDR), a);
    assert_int_equal(t->pci.config[PCI_CAPABILITY_LIST], a);
    /* overlapping or misplaced capabilities are refused */
    assert_int_equal(pci_add_capability(&t->pci, PCI_CAP_ID_VNDR, (uint8_t)a, 4,
                                        &err), -1);
    assert_int_equal(pci_add_capability(&t->pci, PCI_CAP_ID_VNDR, 0x3c, 4,
                                        &err), -1);
    assert_int_equal(pci_add_capability(&t->pci, PCI_CAP_ID_VNDR, 0xfe, 4,
                                        &err), -1);
    b = pci_add_capability(&t->pci, PCI_CAP_ID_VNDR, 0xf0, 16, &err);
    assert_int_equal(b, 0xf0);
    assert_int_equal(t->pci.config[b + 1], a);
}

/* ---- BARs ---- */

static uint32_t size_bar(Fx *f, int devfn, unsigned reg, uint32_t ones)
{
    uint32_t old = cfg_read(f, devfn, reg, 4), v;

    cfg_write(f, devfn, reg, ones, 4);
    v = cfg_read(f, devfn, reg, 4);
    cfg_write(f, devfn, reg, old, 4);
    return v;
}

static void test_bar_sizing(void **state)
{
    Fx *f = *state;
    int devfn = PCI_DEVFN(3, 0);

    assert_non_null(add_tdev(f, "addr=3"));
    assert_int_equal(cfg_read(f, devfn, 0x10, 4), PCI_BAR_IO);
    assert_int_equal(cfg_read(f, devfn, 0x18, 4), 0x0c);
    assert_int_equal(size_bar(f, devfn, 0x10, 0xffffffff), 0xffffffe1);
    assert_int_equal(size_bar(f, devfn, 0x14, 0xffffffff), 0xfffff000);
    assert_int_equal(size_bar(f, devfn, 0x18, 0xffffffff), 0xfff0000c);
    assert_int_equal(size_bar(f, devfn, 0x1c, 0xffffffff), 0xffffffff);
    assert_int_equal(size_bar(f, devfn, 0x20, 0xffffffff), 0xffff0008);
    assert_int_equal(size_bar(f, devfn, 0x24, 0xffffffff), 0xfffff000);
    assert_int_equal(size_bar(f, devfn, PCI_ROM_ADDRESS, 0xfffff800), 0xfffff000);
    assert_int_equal(size_bar(f, devfn, PCI_ROM_ADDRESS, 0xffffffff), 0xfffff001);
    /* unimplemented BARs read as 0 on the piix3 */
    assert_int_equal(size_bar(f, PIIX3_DEVFN, 0x10, 0xffffffff), 0);
    /* the ones written during sizing are gone */
    assert_int_equal(cfg_read(f, devfn, 0x10, 4), PCI_BAR_IO);
}

static void test_bar_mapping(void **state)
{
    Fx *f = *state;
    TestPCIDev *t = add_tdev(f, "addr=3");
    int devfn = PCI_DEVFN(3, 0);

    t->regs[0] = 0x5a;
    cfg_write(f, devfn, 0x10, 0xc000, 4);
    cfg_write(f, devfn, 0x14, 0xe0000000, 4);
    cfg_write(f, devfn, 0x18, 0x00000000, 4);
    cfg_write(f, devfn, 0x1c, 0x00000001, 4);             /* 4 GiB */
    cfg_write(f, devfn, 0x20, 0xe0100000, 4);
    /* decode off: nothing mapped */
    assert_int_equal(address_space_ld(&f->m.io, 0xc000, 1), 0xff);
    assert_int_equal(mem_ld32(f, 0xe0000000), 0xffffffff);
    assert_int_equal(pci_bar_addr(&t->pci, 0), PCI_BAR_UNMAPPED);
    /* I/O decode only */
    cfg_write(f, devfn, PCI_COMMAND, PCI_COMMAND_IO, 2);
    assert_int_equal(address_space_ld(&f->m.io, 0xc000, 1), 0x5a);
    assert_int_equal(mem_ld32(f, 0xe0000000), 0xffffffff);
    /* memory decode: mem32, mem64 above 4 GiB, prefetchable mem32 */
    cfg_write(f, devfn, PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEMORY, 2);
    assert_int_equal(mem_ld32(f, 0xe0000000) & 0xff, 0x5a);
    assert_int_equal(address_space_ld(&f->m.mem, 0x100000000ull, 1), 0x5a);
    assert_int_equal(pci_bar_addr(&t->pci, 2), 0x100000000ull);
    address_space_st(&f->m.mem, 0xe0100004, 0x11223344, 4);
    assert_int_equal(ld32le(t->regs + 4), 0x11223344);
    /* moving a live BAR unmaps the old address */
    cfg_write(f, devfn, 0x14, 0xe0200000, 4);
    assert_int_equal(mem_ld32(f, 0xe0000000), 0xffffffff);
    assert_int_equal(mem_ld32(f, 0xe0200000) & 0xff, 0x5a);
    cfg_write(f, devfn, 0x10, 0xd000, 4);
    assert_int_equal(address_space_ld(&f->m.io, 0xc000, 1), 0xff);
    assert_int_equal(address_space_ld(&f->m.io, 0xd000, 1), 0x5a);
    /* a 32-bit BAR may end exactly at 4 GiB */
    cfg_write(f, devfn, 0x14, 0xfffff000, 4);
    assert_int_equal(pci_bar_addr(&t->pci, 1), 0xfffff000ull);
    /* address 0 is not decoded; disabling decode unmaps everything */
    cfg_write(f, devfn, 0x10, 0, 4);
    assert_int_equal(pci_bar_addr(&t->pci, 0), PCI_BAR_UNMAPPED);
    cfg_write(f, devfn, PCI_COMMAND, 0, 2);
    for (int n = 0; n <= PCI_ROM_SLOT; n++) {
        assert_int_equal(pci_bar_addr(&t->pci, n), PCI_BAR_UNMAPPED);
    }
    assert_int_equal(address_space_ld(&f->m.mem, 0x100000000ull, 1), 0xff);
    /* a BAR never hides RAM */
    cfg_write(f, devfn, 0x14, 0x00100000, 4);
    cfg_write(f, devfn, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
    address_space_st(&f->m.mem, 0x100000, 0xabcd, 2);
    assert_int_equal(address_space_ld(&f->m.mem, 0x100000, 2), 0xabcd);
}

static void test_rom_bar(void **state)
{
    Fx *f = *state;
    int devfn = PCI_DEVFN(3, 0);
    char path[] = "/tmp/kite-test-rom-XXXXXX";
    int fd;
    TestPCIDev *t;
    char props[64];

    assert_non_null(add_tdev(f, "addr=3"));
    cfg_write(f, devfn, PCI_ROM_ADDRESS, 0xfeb00000, 4);      /* not enabled */
    cfg_write(f, devfn, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
    assert_int_equal(mem_ld32(f, 0xfeb00000), 0xffffffff);
    cfg_write(f, devfn, PCI_ROM_ADDRESS, 0xfeb00001, 4);
    assert_int_equal(mem_ld32(f, 0xfeb00000), 0x0006aa55);
    assert_int_equal(address_space_ld(&f->m.mem, 0xfeb00000 + 2999, 1), 0x77);
    /* ROM is read-only */
    address_space_st(&f->m.mem, 0xfeb00000, 0, 4);
    assert_int_equal(mem_ld32(f, 0xfeb00000), 0x0006aa55);
    cfg_write(f, devfn, PCI_COMMAND, 0, 2);
    assert_int_equal(mem_ld32(f, 0xfeb00000), 0xffffffff);

    /* romfile= loads an image; a missing one fails realize */
    fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "\x55\xaa\x01romfile", 10), 10);
    close(fd);
    snprintf(props, sizeof(props), "addr=4,romfile=%s", path);
    t = add_tdev(f, props);
    assert_non_null(t);
    assert_int_equal(t->pci.bars[PCI_ROM_SLOT].size, 2048);
    cfg_write(f, PCI_DEVFN(4, 0), PCI_ROM_ADDRESS, 0xfea00001, 4);
    cfg_write(f, PCI_DEVFN(4, 0), PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
    assert_int_equal(address_space_ld(&f->m.mem, 0xfea00003, 4), 0x666d6f72);
    unlink(path);
    assert_null(add_tdev(f, "addr=5,romfile=/nonexistent/kite.rom"));
    assert_null(pci_bus_find(f->m.pci_bus, PCI_DEVFN(5, 0)));
}

/* ---- INTx ---- */

static void route(Fx *f, int pirq, uint8_t v)
{
    cfg_write(f, PIIX3_DEVFN, PIIX_PIRQC + pirq, v, 1);
}

static void test_intx_routing(void **state)
{
    Fx *f = *state;
    TestPCIDev *a = add_tdev(f, "addr=3");   /* INTA# of slot 3: PIRQC */
    TestPCIDev *b = add_tdev(f, "addr=7");   /* slot 7: PIRQC as well */
    TestPCIDev *c = add_tdev(f, "addr=4");   /* slot 4: PIRQD */

    assert_int_equal(pci_slot_pirq(3, 1), 2);
    assert_int_equal(pci_slot_pirq(1, 1), 0);
    assert_int_equal(pci_slot_pirq(2, 3), 3);
    assert_int_equal(pci_slot_pirq(2, 4), 0);
    assert_int_equal(cfg_read(f, PCI_DEVFN(3, 0), PCI_INTERRUPT_PIN, 1), 1);
    /* routes disabled: only the IOAPIC input (GSI 18) sees it */
    pci_set_irq(&a->pci, 1);
    assert_int_equal(f->level[18], 1);
    assert_int_equal(f->level[11], 0);
    assert_true(cfg_read(f, PCI_DEVFN(3, 0), PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);
    /* enabling the route drives ISA IRQ 11 at once */
    route(f, 2, 11);
    assert_int_equal(piix3_pirq_route(f->piix, 2), 11);
    assert_int_equal(f->level[11], 1);
    /* wired-OR with a second function on the same PIRQ */
    pci_set_irq(&b->pci, 1);
    pci_set_irq(&a->pci, 0);
    assert_int_equal(f->level[11], 1);
    assert_int_equal(f->level[18], 1);
    pci_set_irq(&b->pci, 0);
    assert_int_equal(f->level[11], 0);
    assert_int_equal(f->level[18], 0);
    assert_false(cfg_read(f, PCI_DEVFN(3, 0), PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);
    /* two PIRQs on one IRQ */
    route(f, 3, 11);
    pci_set_irq(&a->pci, 1);
    pci_set_irq(&c->pci, 1);
    pci_set_irq(&a->pci, 0);
    assert_int_equal(f->level[11], 1);
    assert_int_equal(f->level[19], 1);
    /* re-routing an asserted PIRQ moves the level */
    route(f, 3, 10);
    assert_int_equal(f->level[11], 0);
    assert_int_equal(f->level[10], 1);
    /* the interrupt-disable bit masks it; status still shows it */
    cfg_write(f, PCI_DEVFN(4, 0), PCI_COMMAND, PCI_COMMAND_INTX_DISABLE, 2);
    assert_int_equal(f->level[10], 0);
    assert_int_equal(f->level[19], 0);
    assert_true(cfg_read(f, PCI_DEVFN(4, 0), PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);
    cfg_write(f, PCI_DEVFN(4, 0), PCI_COMMAND, 0, 2);
    assert_int_equal(f->level[10], 1);
    /* disable bit and reserved IRQs leave the ISA lines alone */
    route(f, 3, 0x8a);
    assert_int_equal(f->level[10], 0);
    for (int r = 0; r < 16; r++) {
        route(f, 3, (uint8_t)r);
        bool reserved = r <= 2 || r == 8 || r == 13;
        assert_int_equal(f->level[r], reserved ? 0 : 1);
    }
    /* unrealizing an asserting function lowers its PIRQ */
    route(f, 3, 5);
    assert_int_equal(f->level[5], 1);
    device_destroy(&c->pci.dev);
    assert_int_equal(f->level[5], 0);
    assert_int_equal(f->level[19], 0);
}

static void lapic_enable(Fx *f)
{
    address_space_st(&f->m.mem, LAPIC + 0xf0, 0x1ff, 4);
}

static bool lapic_irr(Fx *f, int v)
{
    return mem_ld32(f, LAPIC + 0x200 + (v >> 5) * 0x10) & (1u << (v & 31));
}

static Fx *fx_with_intc(void)
{
    Fx *f = fx_new(false);
    Error err = { "" };

    f->cpu = (VCPU){ .index = 0, .machine = &f->m, .thread = pthread_self() };
    x86_cpu_state_reset(&f->cpu.env);
    f->m.cpus[0] = &f->cpu;
    f->m.ncpus = 1;
    assert_non_null(device_create(&f->m, "i8259", f->root, "", &err));
    assert_non_null(device_create(&f->m, "ioapic", f->root, "", &err));
    assert_non_null(device_create(&f->m, "apic", f->root, "cpu=0", &err));
    for (int i = 0; i < PC_NUM_GSI; i++) {
        f->m.gsi[i] = (IrqLine){ pc_intc_set_gsi, &f->m, i };
    }
    lapic_enable(f);
    return f;
}

static int setup_intc(void **state)
{
    *state = fx_with_intc();
    return 0;
}

static void outb(Fx *f, uint16_t port, uint8_t v)
{
    address_space_st(&f->m.io, port, v, 1);
}

static void test_intx_to_pic_and_ioapic(void **state)
{
    Fx *f = *state;
    TestPCIDev *t = add_tdev(f, "addr=3");

    /* 8259: vectors 0x20/0x28, IRQ 11 level-triggered via the ELCR */
    outb(f, 0x20, 0x11); outb(f, 0x21, 0x20); outb(f, 0x21, 0x04); outb(f, 0x21, 0x01);
    outb(f, 0xa0, 0x11); outb(f, 0xa1, 0x28); outb(f, 0xa1, 0x02); outb(f, 0xa1, 0x01);
    outb(f, 0x21, 0xfb);
    outb(f, 0xa1, 0xf7);                                  /* unmask IRQ 11 */
    outb(f, 0x4d1, 0x08);
    route(f, 2, 11);
    pci_set_irq(&t->pci, 1);
    assert_true(pic_get_intr(f->m.pic));
    assert_int_equal(pic_read_irq(f->m.pic), 0x2b);
    pci_set_irq(&t->pci, 0);
    assert_false(pic_get_intr(f->m.pic));

    /* IOAPIC: GSI 18 (PIRQC), level, active low as ACPI says, vector 0x61 */
    address_space_st(&f->m.mem, IOAPIC_DEFAULT_BASE, 0x10 + 2 * 18, 4);
    address_space_st(&f->m.mem, IOAPIC_DEFAULT_BASE + 0x10,
                     0x61 | IOAPIC_RTE_LEVEL, 4);
    address_space_st(&f->m.mem, IOAPIC_DEFAULT_BASE, 0x11 + 2 * 18, 4);
    address_space_st(&f->m.mem, IOAPIC_DEFAULT_BASE + 0x10, 0, 4);
    pci_set_irq(&t->pci, 1);
    assert_true(lapic_irr(f, 0x61));
}

/* ---- MSI, MSI-X, DMA ---- */

static void test_msi(void **state)
{
    Fx *f = *state;
    TestPCIDev *t = add_tdev(f, "addr=3");
    int devfn = PCI_DEVFN(3, 0);
    uint8_t cap = t->pci.msi_cap;

    assert_int_equal(cfg_read(f, devfn, cap, 1), PCI_CAP_ID_MSI);
    /* 4 vectors capable, 64-bit, maskable */
    assert_int_equal(cfg_read(f, devfn, cap + 2, 2), 0x0184);
    cfg_write(f, devfn, cap + 4, 0xfee00000, 4);
    cfg_write(f, devfn, cap + 8, 0, 4);
    cfg_write(f, devfn, cap + 12, 0x0040, 2);
    cfg_write(f, devfn, cap + 2, 0x0021, 2);              /* enable, 4 vectors */
    assert_true(msi_enabled(&t->pci));
    /* no bus mastering: the message is not sent */
    msi_notify(&t->pci, 1);
    assert_false(lapic_irr(f, 0x41));
    cfg_write(f, devfn, PCI_COMMAND, PCI_COMMAND_MASTER, 2);
    msi_notify(&t->pci, 1);
    assert_true(lapic_irr(f, 0x41));
    msi_notify(&t->pci, 3);
    assert_true(lapic_irr(f, 0x43));
    msi_notify(&t->pci, 4);                                /* not enabled */
    assert_false(lapic_irr(f, 0x44));
    /* masked: pending, sent on unmask */
    cfg_write(f, devfn, cap + 16, 0x4, 4);
    msi_notify(&t->pci, 2);
    assert_false(lapic_irr(f, 0x42));
    assert_int_equal(cfg_read(f, devfn, cap + 20, 4), 0x4);
    cfg_write(f, devfn, cap + 20, 0, 4);                   /* pending is RO */
    assert_int_equal(cfg_read(f, devfn, cap + 20, 4), 0x4);
    cfg_write(f, devfn, cap + 16, 0, 4);
    assert_true(lapic_irr(f, 0x42));
    assert_int_equal(cfg_read(f, devfn, cap + 20, 4), 0);
}

static void test_msix(void **state)
{
    Fx *f = *state;
    TestPCIDev *t = add_tdev(f, "addr=3");
    int devfn = PCI_DEVFN(3, 0);
    uint8_t cap = t->pci.msix_cap;
    uint64_t tbl = 0xe0400000, e1 = tbl + 16;

    assert_int_equal(cfg_read(f, devfn, cap, 1), PCI_CAP_ID_MSIX);
    assert_int_equal(cfg_read(f, devfn, cap + 2, 2), 7);   /* 8 vectors */
    assert_int_equal(cfg_read(f, devfn, cap + 4, 4), 5);   /* table in BAR5 */
    assert_int_equal(cfg_read(f, devfn, cap + 8, 4), 0x800 | 5);
    cfg_write(f, devfn, 0x24, (uint32_t)tbl, 4);
    cfg_write(f, devfn, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER, 2);
    /* entries start masked */
    assert_int_equal(mem_ld32(f, e1 + 12), 1);
    address_space_st(&f->m.mem, e1, 0xfee00000, 4);
    address_space_st(&f->m.mem, e1 + 4, 0, 4);
    address_space_st(&f->m.mem, e1 + 8, 0x51, 4);
    cfg_write(f, devfn, cap + 2, PCI_MSIX_FLAGS_ENABLE, 2);
    assert_true(msix_enabled(&t->pci));
    msix_notify(&t->pci, 1);
    assert_false(lapic_irr(f, 0x51));
    assert_true(msix_is_pending(&t->pci, 1));
    assert_int_equal(mem_ld32(f, tbl + 0x800), 0x2);       /* PBA */
    address_space_st(&f->m.mem, e1 + 12, 0, 4);            /* unmask entry */
    assert_true(lapic_irr(f, 0x51));
    assert_false(msix_is_pending(&t->pci, 1));
    /* function mask */
    address_space_st(&f->m.mem, e1 + 8, 0x52, 4);
    cfg_write(f, devfn, cap + 2, PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL, 2);
    msix_notify(&t->pci, 1);
    assert_false(lapic_irr(f, 0x52));
    cfg_write(f, devfn, cap + 2, PCI_MSIX_FLAGS_ENABLE, 2);
    assert_true(lapic_irr(f, 0x52));
    /* the PBA is read-only; out-of-range vectors are ignored */
    address_space_st(&f->m.mem, tbl + 0x800, 0xff, 4);
    assert_int_equal(mem_ld32(f, tbl + 0x800), 0);
    msix_notify(&t->pci, 8);
    msix_notify(&t->pci, 100000);
    /* disabled MSI-X sends nothing */
    address_space_st(&f->m.mem, e1 + 8, 0x53, 4);
    cfg_write(f, devfn, cap + 2, 0, 2);
    msix_notify(&t->pci, 1);
    assert_false(lapic_irr(f, 0x53));
    assert_false(msix_is_pending(&t->pci, 1));
}

static void test_dma(void **state)
{
    Fx *f = *state;
    TestPCIDev *t = add_tdev(f, "addr=3");
    uint8_t buf[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, in[8];
    uint8_t msg[4] = { 0x66, 0, 0, 0 };

    /* bus mastering off: refused */
    assert_int_equal(pci_dma_write(&t->pci, 0x2000, buf, 8), -1);
    assert_int_equal(address_space_ld(&f->m.mem, 0x2000, 8), 0);
    assert_int_equal(pci_dma_read(&t->pci, 0x2000, in, 8), -1);
    assert_int_equal(in[0], 0xff);
    cfg_write(f, PCI_DEVFN(3, 0), PCI_COMMAND, PCI_COMMAND_MASTER, 2);
    assert_int_equal(pci_dma_write(&t->pci, 0x2000, buf, 8), 0);
    assert_int_equal(address_space_ld(&f->m.mem, 0x2000, 8), 0x0807060504030201ull);
    assert_int_equal(pci_dma_read(&t->pci, 0x2000, in, 8), 0);
    assert_memory_equal(in, buf, 8);
    /* a dword write into the MSI window is an interrupt, not a register */
    assert_int_equal(pci_dma_write(&t->pci, 0xfee00000, msg, 4), 0);
    assert_true(lapic_irr(f, 0x66));
    assert_int_equal(pci_dma_write(&t->pci, 0xfee000f0, buf, 8), -1);
    assert_int_equal(mem_ld32(f, LAPIC + 0xf0) & 0x1ff, 0x1ff);
    /* past guest RAM, wrapping */
    assert_int_equal(pci_dma_write(&t->pci, 0xfffffffffffffffcull, buf, 8), -1);
    assert_int_equal(pci_dma_read(&t->pci, 0x40000000, in, 8), -1);
}

/* ---- placement ---- */

static void test_placement(void **state)
{
    Fx *f = *state;
    Error err = { "" };
    TestPCIDev *a = add_tdev(f, "");
    static const char *const bad[] = {
        "addr=20", "addr=3.8", "addr=zz", "addr=3.", "addr=2", "addr=2.1",
        "addr=0x1", "addr=1.0", "addr=3x",
    };

    assert_non_null(a);
    assert_int_equal(a->pci.devfn, PCI_DEVFN(2, 0));      /* first free slot */
    assert_non_null(add_tdev(f, "addr=0x1f"));
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        assert_null(add_tdev(f, bad[i]));
    }
    /* the PIIX3 is multi-function: 01.3 is free for the PM function */
    assert_non_null(add_tdev(f, "addr=1.3"));
    assert_int_equal(cfg_read(f, PIIX_PM_DEVFN, 0, 2), 0x1234);
    /* auto placement skips slots with any function in use */
    assert_int_equal(add_tdev(f, "")->pci.devfn, PCI_DEVFN(3, 0));
    /* -device style creation and the user-facing errors */
    assert_null(device_create(&f->m, "pci-testdev", f->root, "addr=3", &err));
    assert_non_null(strstr(err.msg, "already used"));
    assert_non_null(device_create(&f->m, "pci-testdev", f->root, "addr=4.0", &err));
    assert_null(device_create(&f->m, "i440FX", f->root, "", &err));
}

static void test_no_bus(void **state)
{
    Machine *m = xzalloc(sizeof(*m));
    Error err = { "" };

    pthread_mutex_init(&m->lock, NULL);
    log_init(&m->log);
    timerlist_init(&m->timers);
    assert_int_equal(machine_init_memory(m, 16 << 20, &err), 0);
    assert_null(device_create(m, "pci-testdev", NULL, "", &err));
    assert_non_null(strstr(err.msg, "no PCI bus"));
    machine_destroy_memory(m);
    free(m);
}

/* The host bridge may go first; the bus lives until its last function. */
static void test_teardown_order(void **state)
{
    Fx *f = *state;
    TestPCIDev *t = add_tdev(f, "addr=3");

    pci_set_irq(&t->pci, 1);
    device_destroy(&f->host->pci.dev);
    assert_null(f->m.pci_bus);
    device_destroy(&f->piix->pci.dev);
    pci_set_irq(&t->pci, 0);
    device_destroy(&t->pci.dev);
}

/* ---- PAM ---- */

static void pam_set(Fx *f, int reg, uint8_t v)
{
    cfg_write(f, I440FX_DEVFN, reg, v, 1);
}

static void test_pam(void **state)
{
    Fx *f = *state;
    MemoryRegion rom;
    uint8_t *ram = f->m.ram.host;

    /* no firmware: everything starts as read/write RAM */
    assert_int_equal(cfg_read(f, I440FX_DEVFN, I440FX_PAM0, 1), 0x30);
    assert_int_equal(cfg_read(f, I440FX_DEVFN, 0x5a, 2), 0x3333);
    assert_int_equal(cfg_read(f, I440FX_DEVFN, 0x5c, 4), 0x33333333);
    address_space_st(&f->m.mem, 0xf0000, 0x11111111, 4);
    assert_int_equal(ld32le(ram + 0xf0000), 0x11111111);
    /* a BIOS ROM at 0xE0000-0xFFFFF, as -bios maps it */
    memory_region_init_rom(&rom, "bios", 0x20000);
    memset(rom.host, 0xb1, 0x20000);
    address_space_map_region(&f->m.mem, 0xe0000, &rom, 0, 0x20000, PRIO_ROM);
    assert_int_equal(mem_ld32(f, 0xf0000), 0x11111111);  /* RW: RAM wins */

    /* PCI (0): reads and writes go to the ROM / nothing */
    pam_set(f, I440FX_PAM0, 0x00);
    assert_int_equal(mem_ld32(f, 0xf0000), 0xb1b1b1b1);
    address_space_st(&f->m.mem, 0xf0000, 0x22222222, 4);
    assert_int_equal(ld32le(ram + 0xf0000), 0x11111111);
    pam_set(f, 0x5a, 0x30);                 /* 0xC0000 to PCI, 0xC4000 RW */
    assert_int_equal(mem_ld32(f, 0xc0000), 0xffffffff);
    address_space_st(&f->m.mem, 0xc0000, 0x33333333, 4);
    assert_int_equal(ld32le(ram + 0xc0000), 0);
    assert_int_equal(mem_ld32(f, 0xc4000), 0);             /* other nibble */

    /* write-only (2): reads from the ROM, writes into RAM */
    pam_set(f, I440FX_PAM0, 0x20);
    assert_int_equal(mem_ld32(f, 0xf0000), 0xb1b1b1b1);
    address_space_st(&f->m.mem, 0xf0000, 0x44444444, 4);
    assert_int_equal(ld32le(ram + 0xf0000), 0x44444444);
    assert_int_equal(mem_ld32(f, 0xf0000), 0xb1b1b1b1);

    /* read-only (1): reads RAM, writes dropped */
    pam_set(f, I440FX_PAM0, 0x10);
    assert_int_equal(mem_ld32(f, 0xf0000), 0x44444444);
    address_space_st(&f->m.mem, 0xf0000, 0x55555555, 4);
    assert_int_equal(mem_ld32(f, 0xf0000), 0x44444444);
    assert_int_equal(ld32le(ram + 0xf0000), 0x44444444);

    /* RW (3) again; low nibble of PAM0 is reserved */
    pam_set(f, I440FX_PAM0, 0x3f);
    assert_int_equal(cfg_read(f, I440FX_DEVFN, I440FX_PAM0, 1), 0x30);
    address_space_st(&f->m.mem, 0xf0000, 0x66666666, 4);
    assert_int_equal(mem_ld32(f, 0xf0000), 0x66666666);
    /* the 0xE0000 segments are covered by the same ROM */
    pam_set(f, 0x5e, 0x00);
    assert_int_equal(mem_ld32(f, 0xe0000), 0xb1b1b1b1);
    assert_int_equal(mem_ld32(f, 0xe4000), 0xb1b1b1b1);
    pam_set(f, 0x5e, 0x31);
    assert_int_equal(mem_ld32(f, 0xe0000), 0);
    assert_int_equal(mem_ld32(f, 0xe4000), 0);
    /* SMRAM: read/write storage, no effect */
    assert_int_equal(cfg_read(f, I440FX_DEVFN, I440FX_SMRAM, 1), 0x02);
    cfg_write(f, I440FX_DEVFN, I440FX_SMRAM, 0xff, 1);
    assert_int_equal(cfg_read(f, I440FX_DEVFN, I440FX_SMRAM, 1), 0x7a);
    address_space_unmap_region(&f->m.mem, &rom);
    memory_region_destroy(&rom);
}

static void test_pam_firmware_reset(void **state)
{
    Fx *f = fx_new(true);

    /* with firmware the data sheet's reset value: everything to PCI */
    for (int r = I440FX_PAM0; r < I440FX_PAM0 + I440FX_PAM_COUNT; r++) {
        assert_int_equal(cfg_read(f, I440FX_DEVFN, r, 1), 0);
    }
    assert_int_equal(mem_ld32(f, 0xc0000), 0xffffffff);
    pam_set(f, 0x5a, 0x33);
    address_space_st(&f->m.mem, 0xc0000, 0x12345678, 4);
    assert_int_equal(mem_ld32(f, 0xc0000), 0x12345678);
    device_reset_tree(f->root);
    assert_int_equal(cfg_read(f, I440FX_DEVFN, 0x5a, 1), 0);
    assert_int_equal(mem_ld32(f, 0xc0000), 0xffffffff);
    teardown((void **)&f);
}

/* ---- save/load ---- */

static void test_save_load(void **state)
{
    Fx *f = *state;
    TestPCIDev *t = add_tdev(f, "addr=3");
    int devfn = PCI_DEVFN(3, 0);
    SaveBuf sb, rb;
    Error err = { "" };

    route(f, 2, 11);
    pam_set(f, I440FX_PAM0, 0x10);
    cfg_write(f, devfn, 0x14, 0xe0000000, 4);
    cfg_write(f, devfn, 0x24, 0xe0400000, 4);
    cfg_write(f, devfn, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER, 2);
    address_space_st(&f->m.mem, 0xe0400000 + 8, 0x77, 4);
    pci_set_irq(&t->pci, 1);
    savebuf_init(&sb);
    device_tree_save(f->root, &sb);

    device_reset_tree(f->root);
    assert_int_equal(f->level[11], 0);
    assert_int_equal(pci_bar_addr(&t->pci, 1), PCI_BAR_UNMAPPED);
    f->level[18] = 0;
    savebuf_init_read(&rb, sb.data, sb.len);
    assert_int_equal(device_tree_load(f->root, &rb, &err), 0);
    assert_int_equal(pci_bar_addr(&t->pci, 1), 0xe0000000ull);
    assert_int_equal(mem_ld32(f, 0xe0400000 + 8), 0x77);
    assert_int_equal(cfg_read(f, I440FX_DEVFN, I440FX_PAM0, 1), 0x10);
    assert_int_equal(f->level[11], 1);
    assert_int_equal(f->level[18], 1);
    assert_true(cfg_read(f, devfn, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);
    pci_set_irq(&t->pci, 0);
    assert_int_equal(f->level[11], 0);

    /* read-only bytes in a stream are ignored; a bad version is refused */
    for (size_t i = 0; i + 4 <= sb.len; i++) {
        if (ld32le(sb.data + i) == 0x56781234) {
            st32le(sb.data + i, 0xdeadbeef);
        }
    }
    savebuf_init_read(&rb, sb.data, sb.len);
    assert_int_equal(device_tree_load(f->root, &rb, &err), 0);
    assert_int_equal(cfg_read(f, devfn, 0, 4), 0x56781234);
    savebuf_free(&sb);

    savebuf_init(&sb);
    pci_device_save(&t->pci.dev, &sb);
    sb.data[0] = 99;
    savebuf_init_read(&rb, sb.data, sb.len);
    assert_int_equal(pci_device_load(&t->pci.dev, &rb, &err), -1);
    sb.data[0] = 1;
    sb.data[1] = PCI_DEVFN(4, 0);
    savebuf_init_read(&rb, sb.data, sb.len);
    assert_int_equal(pci_device_load(&t->pci.dev, &rb, &err), -1);
    savebuf_free(&sb);
}

/* ---- pci-testdev ---- */

static uint8_t td_byte(Fx *f, bool io, uint64_t base, unsigned off)
{
    return (uint8_t)address_space_ld(io ? &f->m.io : &f->m.mem, base + off, 1);
}

static void test_pci_testdev(void **state)
{
    Fx *f = *state;
    Error err = { "" };
    int devfn = PCI_DEVFN(2, 0);
    uint64_t mmio = 0xe1000000, pio = 0xc100;
    char name[32] = "";

    assert_non_null(device_create(&f->m, "pci-testdev", f->root,
                                  "membar=0x100000000", &err));
    assert_int_equal(cfg_read(f, devfn, 0, 4), 0x00051b36);
    assert_int_equal(cfg_read(f, devfn, 8, 4), 0x00ff0000);
    assert_int_equal(cfg_read(f, devfn, PCI_INTERRUPT_PIN, 1), 0);
    assert_int_equal(size_bar(f, devfn, 0x10, 0xffffffff), 0xfffff000);
    assert_int_equal(size_bar(f, devfn, 0x14, 0xffffffff), 0xffffff01);
    /* 4 GiB 64-bit prefetchable BAR2 */
    assert_int_equal(size_bar(f, devfn, 0x18, 0xffffffff), 0x0000000c);
    assert_int_equal(size_bar(f, devfn, 0x1c, 0xffffffff), 0xffffffff);
    cfg_write(f, devfn, 0x10, (uint32_t)mmio, 4);
    cfg_write(f, devfn, 0x14, (uint32_t)pio, 4);
    cfg_write(f, devfn, 0x1c, 0x10, 4);
    cfg_write(f, devfn, PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEMORY, 2);
    assert_int_equal(address_space_ld(&f->m.mem, 0x1000000000ull, 4), 0xffffffff);

    /* no test selected: reads 0 */
    assert_int_equal(td_byte(f, false, mmio, 1), 0);
    for (int t = 0; t < 3; t++) {
        for (int io = 0; io < 2; io++) {
            uint64_t base = io ? pio : mmio;
            AddressSpace *as = io ? &f->m.io : &f->m.mem;
            uint32_t off;
            uint8_t data;

            address_space_st(as, base, (uint64_t)t, 1);
            assert_int_equal(td_byte(f, io, base, 0), io * 3 + t);
            assert_int_equal(td_byte(f, io, base, 1), 1);
            off = (uint32_t)address_space_ld(as, base + 4, 4);
            data = td_byte(f, io, base, 8);
            assert_int_equal(off, (io ? 128u : 2048u) + io * 3 + t);
            assert_int_equal(data, t == 1 ? 0xce : 0xfa);
            for (unsigned i = 0; i < sizeof(name) - 1; i++) {
                name[i] = (char)td_byte(f, io, base, 16 + i);
            }
            assert_non_null(strstr(name, io ? "portio-" : "mmio-"));
            assert_int_equal(address_space_ld(as, base + 12, 4), 0);
            address_space_st(as, base + off, data, 1);
            address_space_st(as, base + off, 0x12, 1);      /* wrong data */
            address_space_st(as, base + off + 1, data, 1);  /* wrong offset */
            assert_int_equal(address_space_ld(as, base + 12, 4), t == 1 ? 2 : 1);
        }
    }
    /* an unknown test deselects */
    address_space_st(&f->m.mem, mmio, 3, 1);
    assert_int_equal(td_byte(f, false, mmio, 1), 0);
    assert_null(device_create(&f->m, "pci-testdev", f->root, "membar=3", &err));
}

/* ---- hostile config writes ---- */

/*
 * Checks the address spaces against the BAR state; returns the number of
 * mismatches. none: no BAR of d may be mapped at all.
 */
static int bar_mappings(Fx *f, PCIDevice *d, bool none)
{
    int bad = 0;

    for (int n = 0; n <= PCI_ROM_SLOT; n++) {
        PCIBar *b = &d->bars[n];
        AddressSpace *as = (b->type & PCI_BAR_IO) ? &f->m.io : &f->m.mem;
        int count = 0;

        if (!b->size) {
            continue;
        }
        for (size_t i = 0; i < as->nmaps; i++) {
            if (as->maps[i].mr == b->mr) {
                count++;
                bad += as->maps[i].base != b->addr;
            }
        }
        bad += none ? count != 0 || b->addr != PCI_BAR_UNMAPPED
                    : count != (b->addr != PCI_BAR_UNMAPPED);
    }
    return bad;
}

static void test_random_config(void **state)
{
    Fx *f = *state;
    uint64_t seed = 12345;
    Error err = { "" };

    assert_non_null(add_tdev(f, "addr=3"));
    assert_non_null(device_create(&f->m, "pci-testdev", f->root, "membar=0x10000",
                                  &err));
    for (int i = 0; i < 20000; i++) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        int devfn = (int)((seed >> 20) & 0x1f);
        unsigned reg = (unsigned)(seed >> 30) & 0xff;
        unsigned size = 1u << ((seed >> 40) & 3);
        uint32_t val = (uint32_t)(seed >> 8);

        if (size > 4) {
            size = 4;
        }
        if (devfn == PIIX3_DEVFN || devfn == I440FX_DEVFN) {
            devfn = PCI_DEVFN(3, 0);     /* keep PAM and routes sane */
        }
        if (seed & (1ull << 50)) {
            devfn = PCI_DEVFN(2, 0);
        }
        cfg_write(f, devfn, reg & ~(size - 1), val, size);
        (void)cfg_read(f, devfn, reg, 1);
    }
    /* every BAR that claims a mapping has exactly that one mapping */
    for (int fn = 2; fn <= 3; fn++) {
        PCIDevice *d = pci_bus_find(f->m.pci_bus, PCI_DEVFN(fn, 0));
        assert_int_equal(bar_mappings(f, d, false), 0);
        pci_config_write(d, PCI_COMMAND, 0, 2);
        assert_int_equal(bar_mappings(f, d, true), 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_enumeration, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_masks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_capability_builder, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bar_sizing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bar_mapping, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rom_bar, setup, teardown),
        cmocka_unit_test_setup_teardown(test_intx_routing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_intx_to_pic_and_ioapic, setup_intc,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_msi, setup_intc, teardown),
        cmocka_unit_test_setup_teardown(test_msix, setup_intc, teardown),
        cmocka_unit_test_setup_teardown(test_dma, setup_intc, teardown),
        cmocka_unit_test_setup_teardown(test_placement, setup, teardown),
        cmocka_unit_test(test_no_bus),
        cmocka_unit_test_setup_teardown(test_teardown_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pam, setup, teardown),
        cmocka_unit_test(test_pam_firmware_reset),
        cmocka_unit_test_setup_teardown(test_save_load, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pci_testdev, setup, teardown),
        cmocka_unit_test_setup_teardown(test_random_config, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
