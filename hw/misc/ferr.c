/*
 * Numeric error logic of the PC chipset (the "coprocessor error" port).
 *
 * With CR0.NE=0 the x87 reports an unmasked exception on its FERR# pin
 * when the next waiting x87 instruction runs; the chipset turns FERR#
 * into IRQ 13. The handler writes any value to port 0xF0, which asserts
 * IGNNE# and so lowers IRQ 13; IGNNE# stays until FERR# is deasserted
 * (FNCLEX, FNINIT, or a load of a status word without unmasked
 * exceptions). Reads of port 0xF0 return 0xFF.
 *
 * IRQ 13 = FERR# && !IGNNE#. Both bits are saved with the machine.
 */
#include <stdatomic.h>

#include "hw/core/devtypes.h"
#include "hw/misc/ferr.h"

#define FERR_PORT          0xf0
#define FERR_IRQ           13
#define FERR_SAVE_VERSION  1

typedef struct FerrState {
    Device dev;
    MemoryRegion mr;
    bool ferr, ignne;
} FerrState;

static FerrState *ferr_find(Machine *m)
{
    for (Device *d = m->root ? m->root->first_child : NULL; d;
         d = d->next_sibling) {
        if (d->type == &ferr_type) {
            return (FerrState *)d;
        }
    }
    return NULL;
}

static void ferr_update(FerrState *s)
{
    irq_set(&s->dev.machine->gsi[FERR_IRQ], s->ferr && !s->ignne);
}

bool ferr_set(Machine *m, bool asserted)
{
    bool raised = false;

    pthread_mutex_lock(&m->lock);
    FerrState *s = ferr_find(m);
    if (s && (s->ferr != asserted || !asserted)) {
        raised = asserted && !s->ignne;
        s->ferr = asserted;
        if (!asserted) {
            s->ignne = false;
        }
        ferr_update(s);
    }
    pthread_mutex_unlock(&m->lock);
    return raised;
}

static uint64_t ferr_read(void *opaque, uint64_t offset, unsigned size)
{
    return 0xff;
}

static void ferr_write(void *opaque, uint64_t offset, uint64_t value,
                       unsigned size)
{
    FerrState *s = opaque;

    s->ignne = s->ferr;
    ferr_update(s);
}

static const MemoryRegionOps ferr_ops = {
    .read = ferr_read,
    .write = ferr_write,
    .min_access = 1,
    .max_access = 1,
};

static int ferr_realize(Device *dev, Error *err)
{
    FerrState *s = (FerrState *)dev;

    memory_region_init_io(&s->mr, "ferr", 1, &ferr_ops, s);
    if (machine_map_ports(dev->machine, FERR_PORT, &s->mr) < 0) {
        return error_setg(err, "cannot map port 0xf0");
    }
    return 0;
}

static void ferr_unrealize(Device *dev)
{
    FerrState *s = (FerrState *)dev;

    address_space_unmap_region(&dev->machine->io, &s->mr);
}

static void ferr_reset(Device *dev)
{
    FerrState *s = (FerrState *)dev;

    s->ferr = s->ignne = false;
}

static void ferr_save(Device *dev, SaveBuf *b)
{
    FerrState *s = (FerrState *)dev;

    save_u8(b, FERR_SAVE_VERSION);
    save_u8(b, (uint8_t)(s->ferr | s->ignne << 1));
}

static int ferr_load(Device *dev, SaveBuf *b, Error *err)
{
    FerrState *s = (FerrState *)dev;
    uint8_t version = load_u8(b);
    uint8_t bits = load_u8(b);

    if (b->error || version != FERR_SAVE_VERSION || (bits & ~3u)) {
        return error_setg(err, "ferr: bad state");
    }
    s->ferr = bits & 1;
    s->ignne = (bits >> 1) & 1;
    return 0;
}

static void ferr_post_load(Device *dev)
{
    ferr_update((FerrState *)dev);
}

const DeviceType ferr_type = {
    .name = "ferr",
    .desc = "x87 FERR# to IRQ 13, IGNNE# by a write to port 0xF0",
    .instance_size = sizeof(FerrState),
    .realize = ferr_realize,
    .unrealize = ferr_unrealize,
    .reset = ferr_reset,
    .save = ferr_save,
    .load = ferr_load,
    .post_load = ferr_post_load,
};
