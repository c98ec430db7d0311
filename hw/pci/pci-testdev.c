/*
 * pci-testdev: QEMU's PCI test device (1b36:0005, class 00ff), as
 * described in QEMU's docs/specs/pci-testdev.rst, for the PCI tests of
 * public x86 suites.
 *
 * BAR0 is 4 KiB of memory, BAR1 256 ports; each starts with a header
 *   u8 test (write: select test), u8 width, u8 pad[2], u32 offset,
 *   u8 data, u8 pad[3], u32 count, char name[]
 * describing the selected test. Writing N (0-2) to byte 0 of BAR0
 * selects memory test N, of BAR1 port test N; anything else deselects.
 * The tests ("no-eventfd", "wildcard-eventfd", "datamatch-eventfd") each
 * count writes to their offset (2048 + N in BAR0, 128 + 3 + N in BAR1):
 * the wildcard test counts any write, the other two only a byte write of
 * their data value (0xFA). The device works a byte at a time, as QEMU's:
 * wider accesses are split. Reads with no test selected give 0, as do
 * reads at or past the last byte of the header.
 *
 * Property membar=SIZE adds BAR2, a 64-bit prefetchable memory BAR of
 * that size with nothing behind it (reads all-ones), for sizing tests.
 */
#include "hw/core/devtypes.h"
#include "hw/pci/pci.h"

#include <string.h>

#define TESTDEV_MEMSIZE   2048
#define TESTDEV_IOSIZE    128
#define TESTDEV_PER_TYPE  3
#define TESTDEV_TESTS     (2 * TESTDEV_PER_TYPE)
#define TESTDEV_DATAMATCH 0xfa
#define TESTDEV_NOMATCH   0xce
#define TESTDEV_HDR_SIZE  16
#define TESTDEV_SAVE_VERSION 1

typedef struct PCITestDevState {
    PCIDevice pci;
    uint64_t membar_size;        /* property */
    MemoryRegion mmio, portio, membar;
    int current;                 /* selected test, -1 none */
    uint32_t count[TESTDEV_TESTS];
} PCITestDevState;

static const char *const testdev_names[TESTDEV_TESTS] = {
    "mmio-no-eventfd", "mmio-wildcard-eventfd", "mmio-datamatch-eventfd",
    "portio-no-eventfd", "portio-wildcard-eventfd", "portio-datamatch-eventfd",
};

static bool testdev_matches_data(int t)
{
    return t % TESTDEV_PER_TYPE != 1;
}

static uint32_t testdev_offset(int t)
{
    return (t < TESTDEV_PER_TYPE ? TESTDEV_MEMSIZE : TESTDEV_IOSIZE) + t;
}

/* Byte off of test t's header (followed by its name and a NUL). */
static uint8_t testdev_header_byte(const PCITestDevState *s, int t, unsigned off)
{
    uint8_t hdr[TESTDEV_HDR_SIZE] = { 0 };

    if (off >= TESTDEV_HDR_SIZE) {
        return (uint8_t)testdev_names[t][off - TESTDEV_HDR_SIZE];
    }
    hdr[0] = (uint8_t)t;
    hdr[1] = 1;                                  /* byte writes */
    st32le(hdr + 4, testdev_offset(t));
    hdr[8] = testdev_matches_data(t) ? TESTDEV_DATAMATCH : TESTDEV_NOMATCH;
    st32le(hdr + 12, s->count[t]);
    return hdr[off];
}

static uint64_t testdev_read(void *opaque, uint64_t off, unsigned size)
{
    PCITestDevState *s = opaque;
    int t = s->current;

    if (t < 0 || off + size >= TESTDEV_HDR_SIZE + strlen(testdev_names[t]) + 1) {
        return 0;
    }
    return testdev_header_byte(s, t, (unsigned)off);
}

static void testdev_write(PCITestDevState *s, uint64_t off, uint64_t val,
                          int type)
{
    int t = s->current;

    if (off == 0) {
        s->current = val < TESTDEV_PER_TYPE ?
                     type * TESTDEV_PER_TYPE + (int)val : -1;
        return;
    }
    if (t < 0 || off != testdev_offset(t)) {
        return;
    }
    if (testdev_matches_data(t) && (uint8_t)val != TESTDEV_DATAMATCH) {
        return;
    }
    s->count[t]++;
}

static void testdev_mmio_write(void *opaque, uint64_t off, uint64_t val,
                               unsigned size)
{
    testdev_write(opaque, off, val, 0);
}

static void testdev_pio_write(void *opaque, uint64_t off, uint64_t val,
                              unsigned size)
{
    testdev_write(opaque, off, val, 1);
}

static const MemoryRegionOps testdev_mmio_ops = {
    .read = testdev_read, .write = testdev_mmio_write,
    .min_access = 1, .max_access = 1,
};
static const MemoryRegionOps testdev_pio_ops = {
    .read = testdev_read, .write = testdev_pio_write,
    .min_access = 1, .max_access = 1,
};
static const MemoryRegionOps testdev_membar_ops = { 0 };

static int testdev_init(PCIDevice *d, Error *err)
{
    PCITestDevState *s = (PCITestDevState *)d;
    uint64_t m = s->membar_size;

    memory_region_init_io(&s->mmio, "pci-testdev-mmio", 2 * TESTDEV_MEMSIZE,
                          &testdev_mmio_ops, s);
    memory_region_init_io(&s->portio, "pci-testdev-portio", 2 * TESTDEV_IOSIZE,
                          &testdev_pio_ops, s);
    if (pci_register_bar(d, 0, PCI_BAR_MEM32, 2 * TESTDEV_MEMSIZE, &s->mmio,
                         err) < 0 ||
        pci_register_bar(d, 1, PCI_BAR_IO, 2 * TESTDEV_IOSIZE, &s->portio,
                         err) < 0) {
        return -1;
    }
    if (m) {
        if (m < 16 || (m & (m - 1)) || m > (1ull << 40)) {
            return error_setg(err, "membar must be a power of two from 16 "
                              "bytes to 1 TiB");
        }
        memory_region_init_io(&s->membar, "pci-testdev-membar", m,
                              &testdev_membar_ops, s);
        return pci_register_bar(d, 2, PCI_BAR_MEM64 | PCI_BAR_PREFETCH, m,
                                &s->membar, err);
    }
    return 0;
}

static void testdev_reset_fn(PCIDevice *d)
{
    ((PCITestDevState *)d)->current = -1;
}

static void testdev_save_fn(PCIDevice *d, SaveBuf *sb)
{
    PCITestDevState *s = (PCITestDevState *)d;

    save_u8(sb, TESTDEV_SAVE_VERSION);
    save_u8(sb, (uint8_t)s->current);
    for (int t = 0; t < TESTDEV_TESTS; t++) {
        save_u32(sb, s->count[t]);
    }
}

static int testdev_load_fn(PCIDevice *d, SaveBuf *sb, Error *err)
{
    PCITestDevState *s = (PCITestDevState *)d;
    uint8_t version = load_u8(sb), cur = load_u8(sb);

    if (sb->error || version != TESTDEV_SAVE_VERSION ||
        (cur != 0xff && cur >= TESTDEV_TESTS)) {
        return error_setg(err, "pci-testdev: bad state");
    }
    s->current = cur == 0xff ? -1 : cur;
    for (int t = 0; t < TESTDEV_TESTS; t++) {
        s->count[t] = load_u32(sb);
    }
    return 0;
}

static const PCIDeviceInfo testdev_info = {
    .vendor_id = 0x1b36, .device_id = 0x0005, .revision = 0x00,
    .class_code = 0x00ff00,
    .init = testdev_init,
    .reset = testdev_reset_fn,
    .save = testdev_save_fn,
    .load = testdev_load_fn,
};

static int testdev_realize(Device *dev, Error *err)
{
    return pci_device_realize(dev, &testdev_info, err);
}

static const PropDef testdev_props[] = {
    PCI_DEVICE_PROPS,
    PROP_DEF_U64("membar", PCITestDevState, membar_size, 0,
                 "size of the 64-bit prefetchable BAR2 (0: none)"),
    PROP_DEF_END,
};

const DeviceType pci_testdev_type = {
    .name = "pci-testdev",
    .desc = "QEMU's PCI test device (1b36:0005)",
    .instance_size = sizeof(PCITestDevState),
    .props = testdev_props,
    .user_creatable = true,
    .realize = testdev_realize,
    .unrealize = pci_device_unrealize,
    .reset = pci_device_reset,
    .save = pci_device_save,
    .load = pci_device_load,
};
