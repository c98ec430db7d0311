/*
 * Port 0x80, the POST code / I/O delay port. Firmware writes progress
 * codes to it and Linux uses it as a short delay (outb to 0x80 in
 * *_p() port accessors), so every access must be accepted quietly.
 * Nothing decodes it on the pc machine: reads give 0xff, as in QEMU,
 * and writes are dropped.
 */
#include "hw/core/devtypes.h"
#include "hw/pc/pc.h"

#define PORT80_BASE 0x80

typedef struct Port80State {
    Device dev;
    MemoryRegion mr;
} Port80State;

static uint64_t port80_read(void *opaque, uint64_t off, unsigned size)
{
    return ~0ull >> (64 - 8 * size);
}

static void port80_write(void *opaque, uint64_t off, uint64_t val,
                         unsigned size)
{
}

static const MemoryRegionOps port80_ops = {
    .read = port80_read, .write = port80_write,
    .min_access = 1, .max_access = 4,
};

static int port80_realize(Device *dev, Error *err)
{
    Port80State *s = (Port80State *)dev;

    memory_region_init_io(&s->mr, "ioport80", 1, &port80_ops, s);
    return machine_map_ports(dev->machine, PORT80_BASE, &s->mr) < 0 ?
           error_setg(err, "cannot map port 0x80") : 0;
}

static void port80_unrealize(Device *dev)
{
    address_space_unmap_region(&dev->machine->io, &((Port80State *)dev)->mr);
}

const DeviceType port80_type = {
    .name = "port80",
    .stateless = true,
    .desc = "POST code / I/O delay port 0x80",
    .instance_size = sizeof(Port80State),
    .realize = port80_realize,
    .unrealize = port80_unrealize,
};
