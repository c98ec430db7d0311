/*
 * The PC's two reset/A20 registers outside the keyboard controller.
 *
 * port92 - System Control Port A (port 0x92, from the PS/2 era):
 *   bit 1 gates address line 20 (m->a20_enabled), bit 0 is "fast reset":
 *   a 0 -> 1 transition resets the machine. Reads return the A20 state in
 *   bit 1 and the last value written to bit 0.
 *
 * reset-control - the PIIX/ICH Reset Control Register (port 0xCF9, byte
 *   access): a write with bit 2 (RST_CPU) set resets the machine; bit 1
 *   (SYS_RST) asks for a hard reset, which is the same thing here. Other
 *   bits are stored and read back.
 */
#include "hw/core/devtypes.h"
#include "hw/pc/pc.h"

#define PORT92_BASE         0x92
#define PORT92_FAST_RESET   0x01
#define PORT92_A20          0x02

#define RCR_BASE            0xcf9
#define RCR_SYS_RST         0x02
#define RCR_RST_CPU         0x04
#define RCR_FULL_RST        0x08
#define RCR_WRITABLE        (RCR_SYS_RST | RCR_FULL_RST)

#define RESET_SAVE_VERSION  1

/* ---- port 0x92 ---- */

typedef struct Port92State {
    Device dev;
    MemoryRegion mr;
    uint8_t value;                   /* last write (bit 0 matters) */
} Port92State;

static uint64_t port92_read(void *opaque, uint64_t offset, unsigned size)
{
    Port92State *s = opaque;

    return (s->value & PORT92_FAST_RESET) |
           (s->dev.machine->a20_enabled ? PORT92_A20 : 0);
}

static void port92_write(void *opaque, uint64_t offset, uint64_t value,
                         unsigned size)
{
    Port92State *s = opaque;
    Machine *m = s->dev.machine;
    uint8_t old = s->value;

    s->value = (uint8_t)value & (PORT92_FAST_RESET | PORT92_A20);
    m->a20_enabled = (value & PORT92_A20) != 0;
    if ((value & PORT92_FAST_RESET) && !(old & PORT92_FAST_RESET)) {
        machine_request_reset(m);
    }
}

static const MemoryRegionOps port92_ops = {
    .read = port92_read,
    .write = port92_write,
    .min_access = 1,
    .max_access = 1,
};

static int port92_realize(Device *dev, Error *err)
{
    Port92State *s = (Port92State *)dev;

    memory_region_init_io(&s->mr, "port92", 1, &port92_ops, s);
    if (machine_map_ports(dev->machine, PORT92_BASE, &s->mr) < 0) {
        return error_setg(err, "cannot map port 0x92");
    }
    return 0;
}

static void port92_unrealize(Device *dev)
{
    Port92State *s = (Port92State *)dev;

    address_space_unmap_region(&dev->machine->io, &s->mr);
}

static void port92_reset(Device *dev)
{
    Port92State *s = (Port92State *)dev;

    s->value &= ~PORT92_FAST_RESET;
}

static void port92_save(Device *dev, SaveBuf *b)
{
    Port92State *s = (Port92State *)dev;

    save_u8(b, RESET_SAVE_VERSION);
    save_u8(b, s->value);
}

static int port92_load(Device *dev, SaveBuf *b, Error *err)
{
    Port92State *s = (Port92State *)dev;
    uint8_t version = load_u8(b);
    uint8_t value = load_u8(b);

    if (b->error || version != RESET_SAVE_VERSION ||
        (value & ~(PORT92_FAST_RESET | PORT92_A20))) {
        return error_setg(err, "port92: bad state");
    }
    s->value = value;
    return 0;
}

const DeviceType port92_type = {
    .name = "port92",
    .desc = "System Control Port A (A20 gate, fast reset)",
    .instance_size = sizeof(Port92State),
    .realize = port92_realize,
    .unrealize = port92_unrealize,
    .reset = port92_reset,
    .save = port92_save,
    .load = port92_load,
};

/* ---- port 0xCF9 ---- */

typedef struct ResetControlState {
    Device dev;
    MemoryRegion mr;
    uint8_t rcr;
} ResetControlState;

static uint64_t rcr_read(void *opaque, uint64_t offset, unsigned size)
{
    ResetControlState *s = opaque;

    return s->rcr;
}

static void rcr_write(void *opaque, uint64_t offset, uint64_t value,
                      unsigned size)
{
    ResetControlState *s = opaque;

    if (value & RCR_RST_CPU) {
        /* Soft (INIT) and hard (SYS_RST) resets are the same here. */
        machine_request_reset(s->dev.machine);
    }
    s->rcr = (uint8_t)value & RCR_WRITABLE;
}

static const MemoryRegionOps rcr_ops = {
    .read = rcr_read,
    .write = rcr_write,
    .min_access = 1,
    .max_access = 1,
};

static int rcr_realize(Device *dev, Error *err)
{
    ResetControlState *s = (ResetControlState *)dev;

    memory_region_init_io(&s->mr, "reset-control", 1, &rcr_ops, s);
    if (machine_map_ports(dev->machine, RCR_BASE, &s->mr) < 0) {
        return error_setg(err, "cannot map port 0xcf9");
    }
    return 0;
}

static void rcr_unrealize(Device *dev)
{
    ResetControlState *s = (ResetControlState *)dev;

    address_space_unmap_region(&dev->machine->io, &s->mr);
}

static void rcr_reset(Device *dev)
{
    ResetControlState *s = (ResetControlState *)dev;

    s->rcr = 0;
}

static void rcr_save(Device *dev, SaveBuf *b)
{
    ResetControlState *s = (ResetControlState *)dev;

    save_u8(b, RESET_SAVE_VERSION);
    save_u8(b, s->rcr);
}

static int rcr_load(Device *dev, SaveBuf *b, Error *err)
{
    ResetControlState *s = (ResetControlState *)dev;
    uint8_t version = load_u8(b);
    uint8_t rcr = load_u8(b);

    if (b->error || version != RESET_SAVE_VERSION || (rcr & ~RCR_WRITABLE)) {
        return error_setg(err, "reset-control: bad state");
    }
    s->rcr = rcr;
    return 0;
}

const DeviceType reset_control_type = {
    .name = "reset-control",
    .desc = "PIIX reset control register (port 0xcf9)",
    .instance_size = sizeof(ResetControlState),
    .realize = rcr_realize,
    .unrealize = rcr_unrealize,
    .reset = rcr_reset,
    .save = rcr_save,
    .load = rcr_load,
};
