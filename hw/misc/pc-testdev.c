/*
 * pc-testdev: QEMU's ISA test device for x86 test suites.
 *
 *   0xe0-0xe3  a 32-bit data register: an access of any size at port
 *              0xe0 + k reads or writes bytes k.. of it (no side effect);
 *   0xe4       flush page: a dword write of a guest physical address
 *              drops translated code of that 4 KiB page (QEMU refreshes
 *              the host mapping; Kite's equivalent is its code cache);
 *   0xe8-0xeb  the same data register, accessed a byte at a time;
 *   0x2000-0x2017  IRQ lines: a byte write of v sets GSI n (port
 *              0x2000 + n) to level v != 0; reads give 0;
 *   0xff000000 64 KiB of scratch memory (MMIO, any size).
 */
#include "hw/core/devtypes.h"
#include "hw/pc/pc.h"

#include <string.h>

#include "accel/tcg/tcg-accel.h"

#define TESTDEV_IOMEM_BASE 0xff000000ull
#define TESTDEV_IOMEM_LEN  0x10000
#define TESTDEV_SAVE_VERSION 1

typedef struct PCTestDevState {
    Device dev;
    uint32_t data;
    uint8_t iomem[TESTDEV_IOMEM_LEN];
    MemoryRegion port, port_byte, flush, irq, mem;
} PCTestDevState;

static uint32_t testdev_mask(uint64_t off, unsigned size)
{
    return (uint32_t)((~0ull >> (64 - 8 * size)) << (8 * (off & 3)));
}

static uint64_t testdev_port_read(void *opaque, uint64_t off, unsigned size)
{
    PCTestDevState *s = opaque;

    return (s->data & testdev_mask(off, size)) >> (8 * (off & 3));
}

static void testdev_port_write(void *opaque, uint64_t off, uint64_t val,
                               unsigned size)
{
    PCTestDevState *s = opaque;
    uint32_t mask = testdev_mask(off, size);

    s->data = (s->data & ~mask) | ((uint32_t)(val << (8 * (off & 3))) & mask);
}

static void testdev_flush_write(void *opaque, uint64_t off, uint64_t val,
                                unsigned size)
{
    PCTestDevState *s = opaque;

    if (size == 4) {
        tcg_invalidate_phys_range(s->dev.machine, val & ~0xfffull, 0x1000);
    }
}

static uint64_t testdev_zero_read(void *opaque, uint64_t off, unsigned size)
{
    return 0;
}

static void testdev_irq_write(void *opaque, uint64_t off, uint64_t val,
                              unsigned size)
{
    PCTestDevState *s = opaque;

    if (off < PC_NUM_GSI) {
        irq_set(&s->dev.machine->gsi[off], val != 0);
    }
}

static uint64_t testdev_mem_read(void *opaque, uint64_t off, unsigned size)
{
    PCTestDevState *s = opaque;
    uint64_t v = 0;

    memcpy(&v, s->iomem + off, size);
    return v;
}

static void testdev_mem_write(void *opaque, uint64_t off, uint64_t val,
                              unsigned size)
{
    PCTestDevState *s = opaque;

    memcpy(s->iomem + off, &val, size);
}

static const MemoryRegionOps testdev_port_ops = {
    .read = testdev_port_read, .write = testdev_port_write,
    .min_access = 1, .max_access = 4,
};
static const MemoryRegionOps testdev_port_byte_ops = {
    .read = testdev_port_read, .write = testdev_port_write,
    .min_access = 1, .max_access = 1,
};
static const MemoryRegionOps testdev_flush_ops = {
    .read = testdev_zero_read, .write = testdev_flush_write,
    .min_access = 1, .max_access = 4,
};
static const MemoryRegionOps testdev_irq_ops = {
    .read = testdev_zero_read, .write = testdev_irq_write,
    .min_access = 1, .max_access = 1,
};
static const MemoryRegionOps testdev_mem_ops = {
    .read = testdev_mem_read, .write = testdev_mem_write,
    .min_access = 1, .max_access = 8,
};

static int pc_testdev_realize(Device *dev, Error *err)
{
    PCTestDevState *s = (PCTestDevState *)dev;
    Machine *m = dev->machine;

    memory_region_init_io(&s->port, "pc-testdev-ioport", 4,
                          &testdev_port_ops, s);
    memory_region_init_io(&s->flush, "pc-testdev-flush-page", 4,
                          &testdev_flush_ops, s);
    memory_region_init_io(&s->port_byte, "pc-testdev-ioport-byte", 4,
                          &testdev_port_byte_ops, s);
    memory_region_init_io(&s->irq, "pc-testdev-irq-line", PC_NUM_GSI,
                          &testdev_irq_ops, s);
    memory_region_init_io(&s->mem, "pc-testdev-iomem", TESTDEV_IOMEM_LEN,
                          &testdev_mem_ops, s);
    if (machine_map_ports(m, 0xe0, &s->port) < 0 ||
        machine_map_ports(m, 0xe4, &s->flush) < 0 ||
        machine_map_ports(m, 0xe8, &s->port_byte) < 0 ||
        machine_map_ports(m, 0x2000, &s->irq) < 0 ||
        address_space_map_region(&m->mem, TESTDEV_IOMEM_BASE, &s->mem, 0,
                                 TESTDEV_IOMEM_LEN, PRIO_IO) < 0) {
        return error_setg(err, "cannot map the test device");
    }
    return 0;
}

static void pc_testdev_unrealize(Device *dev)
{
    PCTestDevState *s = (PCTestDevState *)dev;
    Machine *m = dev->machine;

    address_space_unmap_region(&m->io, &s->port);
    address_space_unmap_region(&m->io, &s->flush);
    address_space_unmap_region(&m->io, &s->port_byte);
    address_space_unmap_region(&m->io, &s->irq);
    address_space_unmap_region(&m->mem, &s->mem);
}

static void pc_testdev_save(Device *dev, SaveBuf *sb)
{
    PCTestDevState *s = (PCTestDevState *)dev;

    save_u8(sb, TESTDEV_SAVE_VERSION);
    save_u32(sb, s->data);
    save_bytes(sb, s->iomem, sizeof(s->iomem));
}

static int pc_testdev_load(Device *dev, SaveBuf *sb, Error *err)
{
    PCTestDevState *s = (PCTestDevState *)dev;

    if (load_u8(sb) != TESTDEV_SAVE_VERSION) {
        return error_setg(err, "pc-testdev: bad state version");
    }
    s->data = load_u32(sb);
    load_bytes(sb, s->iomem, sizeof(s->iomem));
    return 0;
}

const DeviceType pc_testdev_type = {
    .name = "pc-testdev",
    .desc = "QEMU's x86 test device (ports 0xe0, 0xe4, 0xe8, 0x2000; "
            "memory at 0xff000000)",
    .instance_size = sizeof(PCTestDevState),
    .user_creatable = true,
    .realize = pc_testdev_realize,
    .unrealize = pc_testdev_unrealize,
    .save = pc_testdev_save,
    .load = pc_testdev_load,
};
