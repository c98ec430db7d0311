/*
 * isa-debugcon: Bochs' and QEMU's debug console port. Every byte written
 * to the port goes to a character backend; firmware (SeaBIOS, OVMF) and
 * test kernels print their log there without a UART to set up. A read
 * returns the value of the `readback` property, 0xe9 by default as in
 * QEMU and Bochs, which is how SeaBIOS tells that port 0xe9 has a debug
 * console behind it.
 *
 * Properties: iobase (default 0xe9; SeaBIOS's QEMU builds write to 0x402),
 * chardev (the backend, in -serial syntax: "file:PATH", "stdio", "null"),
 * readback. `-debugcon SPEC` is this device at 0xe9 with chardev=SPEC.
 *
 * The backend is the device's own: opened at realize, attached to the
 * main loop (so output the host cannot take at once is flushed later and
 * never blocks the vCPU), drained and closed at unrealize.
 */
#include "hw/core/devtypes.h"
#include "hw/pc/pc.h"

#include <string.h>

typedef struct DebugconState {
    Device dev;
    uint32_t iobase, readback;       /* properties */
    char *chardev;
    MemoryRegion mr;
    Chardev chr;
    bool chr_open;
} DebugconState;

static uint64_t debugcon_read(void *opaque, uint64_t offset, unsigned size)
{
    DebugconState *s = opaque;

    return s->readback & 0xff;
}

static void debugcon_write(void *opaque, uint64_t offset, uint64_t value,
                           unsigned size)
{
    DebugconState *s = opaque;
    uint8_t ch = (uint8_t)value;

    /* Like QEMU, a wider OUT prints its low byte only. */
    chardev_write(&s->chr, &ch, 1);
}

static const MemoryRegionOps debugcon_ops = {
    .read = debugcon_read,
    .write = debugcon_write,
    .min_access = 1,
    .max_access = 4,
};

/* One front end per terminal: the serial ports may hold stdio already. */
static bool debugcon_stdio_taken(Machine *m)
{
    for (unsigned i = 0; i < PC_MAX_SERIAL; i++) {
        if (pc_serial_chardev(m, i)->kind == CHARDEV_STDIO) {
            return true;
        }
    }
    return false;
}

static int debugcon_realize(Device *dev, Error *err)
{
    DebugconState *s = (DebugconState *)dev;
    Machine *m = dev->machine;

    if (!s->chardev || !*s->chardev) {
        return error_setg(err, "needs chardev=SPEC (file:PATH, "
                          "stdio or null)");
    }
    if (s->iobase > 0xffff) {
        return error_setg(err, "iobase 0x%x is beyond the port space",
                          s->iobase);
    }
    if (strstr(s->chardev, "stdio") && debugcon_stdio_taken(m)) {
        return error_setg(err, "stdio is already a serial "
                          "port's backend");
    }
    memory_region_init_io(&s->mr, "isa-debugcon", 1, &debugcon_ops, s);
    if (machine_map_ports(m, (uint16_t)s->iobase, &s->mr) < 0) {
        return error_setg(err, "cannot map port 0x%x", s->iobase);
    }
    if (chardev_open_named(&s->chr, s->chardev, "debugcon", err) < 0) {
        address_space_unmap_region(&m->io, &s->mr);
        return -1;
    }
    s->chr_open = true;
    chardev_attach(&s->chr, &m->loop);
    return 0;
}

static void debugcon_unrealize(Device *dev)
{
    DebugconState *s = (DebugconState *)dev;

    address_space_unmap_region(&dev->machine->io, &s->mr);
    if (s->chr_open) {
        chardev_drain(&s->chr, 1000);
        chardev_close(&s->chr);
        s->chr_open = false;
    }
}

static const PropDef debugcon_props[] = {
    PROP_DEF_U32("iobase", DebugconState, iobase, 0xe9, "port"),
    PROP_DEF_STR("chardev", DebugconState, chardev, NULL,
                 "backend: file:PATH, stdio or null"),
    PROP_DEF_U32("readback", DebugconState, readback, 0xe9,
                 "value a read returns"),
    PROP_DEF_END,
};

const DeviceType isa_debugcon_type = {
    .name = "isa-debugcon",
    .stateless = true,
    .desc = "debug console port: bytes written go to a character backend",
    .instance_size = sizeof(DebugconState),
    .props = debugcon_props,
    .user_creatable = true,
    .realize = debugcon_realize,
    .unrealize = debugcon_unrealize,
};
