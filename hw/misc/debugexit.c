/*
 * isa-debug-exit: QEMU's test device that ends the emulator from the
 * guest. A write of value v (any size) to its ports exits with status
 * (v << 1) | 1, so a guest can never exit with 0 this way and a test can
 * tell "the guest chose" from "the emulator failed". Reads return all
 * ones. Properties as QEMU: iobase (default 0x501), iosize (1, 2 or 4).
 */
#include "hw/core/devtypes.h"
#include "hw/pc/pc.h"

typedef struct DebugExitState {
    Device dev;
    uint32_t iobase, iosize;         /* properties */
    MemoryRegion mr;
} DebugExitState;

static uint64_t debugexit_read(void *opaque, uint64_t offset, unsigned size)
{
    return ~0ull >> (64 - 8 * size);
}

static void debugexit_write(void *opaque, uint64_t offset, uint64_t value,
                            unsigned size)
{
    DebugExitState *s = opaque;
    uint32_t v = (uint32_t)value;

    machine_request_exit(s->dev.machine, (int)((v << 1) | 1));
}

static const MemoryRegionOps debugexit_ops = {
    .read = debugexit_read,
    .write = debugexit_write,
    .min_access = 1,
    .max_access = 4,
};

static int debugexit_realize(Device *dev, Error *err)
{
    DebugExitState *s = (DebugExitState *)dev;

    if (s->iosize != 1 && s->iosize != 2 && s->iosize != 4) {
        return error_setg(err, "iosize must be 1, 2 or 4, not %u", s->iosize);
    }
    if ((uint64_t)s->iobase + s->iosize > 0x10000) {
        return error_setg(err, "iobase 0x%x with iosize %u is beyond the "
                          "port space", s->iobase, s->iosize);
    }
    memory_region_init_io(&s->mr, "isa-debug-exit", s->iosize,
                          &debugexit_ops, s);
    if (machine_map_ports(dev->machine, (uint16_t)s->iobase, &s->mr) < 0) {
        return error_setg(err, "cannot map port 0x%x", s->iobase);
    }
    return 0;
}

static void debugexit_unrealize(Device *dev)
{
    DebugExitState *s = (DebugExitState *)dev;

    address_space_unmap_region(&dev->machine->io, &s->mr);
}

static const PropDef debugexit_props[] = {
    PROP_DEF_U32("iobase", DebugExitState, iobase, 0x501, "first port"),
    PROP_DEF_U32("iosize", DebugExitState, iosize, 2,
                 "number of ports (1, 2 or 4)"),
    PROP_DEF_END,
};

const DeviceType isa_debug_exit_type = {
    .name = "isa-debug-exit",
    .stateless = true,
    .desc = "exits with status (value << 1) | 1 on a port write",
    .instance_size = sizeof(DebugExitState),
    .props = debugexit_props,
    .user_creatable = true,
    .realize = debugexit_realize,
    .unrealize = debugexit_unrealize,
};
