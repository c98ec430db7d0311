/*
 * The I/O APIC ("ioapic"), after the Intel 82093AA data sheet and the ICH
 * I/O APIC (version 0x20, which adds the EOI register).
 *
 * MMIO at `base` (0xfec00000): IOREGSEL at +0x00, IOWIN at +0x10, EOI at
 * +0x40 (version 0x20 only). Indirect registers: 0x00 ID, 0x01 version
 * (max redirection entry 23), 0x02 arbitration, 0x10+2n / 0x11+2n the low
 * and high halves of redirection entry n.
 *
 * Inputs carry "asserted" levels: polarity is the wiring's concern and is
 * stored but not applied. An edge on a masked pin is dropped (as the data
 * sheet says); a level-triggered pin stays pending in `irr` while its input
 * is asserted and is sent once per EOI (remote IRR).
 */
#include "hw/intc/intc.h"

#include <string.h>

#define IOAPIC_REG_ID   0x00
#define IOAPIC_REG_VER  0x01
#define IOAPIC_REG_ARB  0x02
#define IOAPIC_REG_RTE  0x10

/* Bits of a redirection entry the guest may write. */
#define IOAPIC_RTE_WRITABLE (IOAPIC_RTE_VECTOR | (7ull << 8) | \
                             IOAPIC_RTE_DESTMODE | IOAPIC_RTE_POLARITY | \
                             IOAPIC_RTE_LEVEL | IOAPIC_RTE_MASKED | \
                             (0xffull << IOAPIC_RTE_DEST_SHIFT))

static void ioapic_send(IOAPICState *s, int pin)
{
    uint64_t e = s->rte[pin];
    bool level = e & IOAPIC_RTE_LEVEL;

    if (level) {
        s->rte[pin] |= IOAPIC_RTE_REMOTE_IRR;
    } else {
        s->irr &= ~(1u << pin);
    }
    apic_deliver(s->dev.machine, (uint32_t)(e >> IOAPIC_RTE_DEST_SHIFT),
                 (e & IOAPIC_RTE_DESTMODE) != 0,
                 (int)((e >> IOAPIC_RTE_DELMODE_SHIFT) & 7),
                 (uint8_t)(e & IOAPIC_RTE_VECTOR), level);
}

/* Sends every pending, unmasked request that may be sent. */
static void ioapic_service(IOAPICState *s)
{
    for (int pin = 0; pin < IOAPIC_NUM_PINS; pin++) {
        uint64_t e = s->rte[pin];
        if (!(s->irr & (1u << pin)) || (e & IOAPIC_RTE_MASKED)) {
            continue;
        }
        if ((e & IOAPIC_RTE_LEVEL) && (e & IOAPIC_RTE_REMOTE_IRR)) {
            continue;
        }
        ioapic_send(s, pin);
    }
}

void ioapic_set_irq(IOAPICState *s, int pin, int level)
{
    uint32_t bit;

    if (pin < 0 || pin >= IOAPIC_NUM_PINS) {
        return;
    }
    bit = 1u << pin;
    if (s->rte[pin] & IOAPIC_RTE_LEVEL) {
        if (level) {
            s->irr |= bit;
        } else {
            s->irr &= ~bit;
        }
    } else if (level && !(s->levels & bit) &&
               !(s->rte[pin] & IOAPIC_RTE_MASKED)) {
        s->irr |= bit;
    }
    if (level) {
        s->levels |= bit;
    } else {
        s->levels &= ~bit;
    }
    ioapic_service(s);
}

void ioapic_eoi(IOAPICState *s, uint8_t vector)
{
    bool any = false;

    for (int pin = 0; pin < IOAPIC_NUM_PINS; pin++) {
        uint64_t *e = &s->rte[pin];
        if ((*e & IOAPIC_RTE_LEVEL) && (*e & IOAPIC_RTE_REMOTE_IRR) &&
            (*e & IOAPIC_RTE_VECTOR) == vector) {
            *e &= ~IOAPIC_RTE_REMOTE_IRR;
            any = true;
        }
    }
    if (any) {
        ioapic_service(s);
    }
}

static uint32_t ioapic_reg_read(IOAPICState *s, uint8_t reg)
{
    switch (reg) {
    case IOAPIC_REG_ID:
        return (uint32_t)(s->id & 0xf) << 24;
    case IOAPIC_REG_VER:
        return ((IOAPIC_NUM_PINS - 1u) << 16) | (s->version & 0xff);
    case IOAPIC_REG_ARB:
        return (uint32_t)(s->id & 0xf) << 24;
    default:
        break;
    }
    if (reg >= IOAPIC_REG_RTE && reg < IOAPIC_REG_RTE + 2 * IOAPIC_NUM_PINS) {
        uint64_t e = s->rte[(reg - IOAPIC_REG_RTE) >> 1];
        return (reg & 1) ? (uint32_t)(e >> 32) : (uint32_t)e;
    }
    return 0;
}

static void ioapic_rte_write(IOAPICState *s, int pin, bool high, uint32_t val)
{
    uint64_t e = s->rte[pin], ro = e & ~IOAPIC_RTE_WRITABLE;

    if (high) {
        e = (e & 0xffffffffull) | ((uint64_t)val << 32);
    } else {
        e = (e & ~0xffffffffull) | val;
    }
    e = (e & IOAPIC_RTE_WRITABLE) | ro;
    if (!(e & IOAPIC_RTE_LEVEL)) {
        e &= ~IOAPIC_RTE_REMOTE_IRR;
        /* an edge pin is pending only for an edge seen while unmasked */
        if (s->rte[pin] & IOAPIC_RTE_LEVEL) {
            s->irr &= ~(1u << pin);
        }
    } else if (s->levels & (1u << pin)) {
        s->irr |= 1u << pin;
    } else {
        s->irr &= ~(1u << pin);
    }
    s->rte[pin] = e;
    ioapic_service(s);
}

static void ioapic_reg_write(IOAPICState *s, uint8_t reg, uint32_t val)
{
    if (reg == IOAPIC_REG_ID) {
        s->id = (val >> 24) & 0xf;
    } else if (reg >= IOAPIC_REG_RTE &&
               reg < IOAPIC_REG_RTE + 2 * IOAPIC_NUM_PINS) {
        ioapic_rte_write(s, (reg - IOAPIC_REG_RTE) >> 1, reg & 1, val);
    } else {
        log_mask(&s->dev.machine->log, LOG_GUEST_ERROR,
                 "ioapic: write to read-only or reserved register 0x%x\n",
                 reg);
    }
}

static uint64_t ioapic_mmio_read(void *opaque, uint64_t off, unsigned size)
{
    IOAPICState *s = opaque;
    unsigned shift = (off & 3) * 8;
    uint32_t v = 0;

    switch (off & ~3ull) {
    case 0x00:
        v = s->regsel;
        break;
    case 0x10:
        v = ioapic_reg_read(s, s->regsel);
        break;
    default:
        break;
    }
    return (v >> shift) & (~0ull >> (64 - 8 * size));
}

static void ioapic_mmio_write(void *opaque, uint64_t off, uint64_t val,
                              unsigned size)
{
    IOAPICState *s = opaque;
    uint64_t reg = off & ~3ull;
    unsigned shift = (off & 3) * 8;
    uint32_t v;

    if (reg == 0x00) {
        if (shift == 0) {
            s->regsel = (uint8_t)val;
        }
        return;
    }
    if (reg == 0x10) {
        uint32_t mask = (uint32_t)((~0ull >> (64 - 8 * size)) << shift);
        v = ioapic_reg_read(s, s->regsel);
        v = (v & ~mask) | (((uint32_t)val << shift) & mask);
        ioapic_reg_write(s, s->regsel, v);
    } else if (reg == 0x40 && s->version >= 0x20) {
        ioapic_eoi(s, (uint8_t)val);
    }
}

static const MemoryRegionOps ioapic_ops = {
    .read = ioapic_mmio_read, .write = ioapic_mmio_write,
    .min_access = 1, .max_access = 4,
};

static int ioapic_realize(Device *dev, Error *err)
{
    IOAPICState *s = (IOAPICState *)dev;
    Machine *m = dev->machine;

    if (m->ioapic) {
        return error_setg(err, "only one I/O APIC per machine");
    }
    if (s->version != 0x11 && s->version != 0x20) {
        return error_setg(err, "version must be 0x11 or 0x20");
    }
    if ((s->base & 0xfff) || s->base >= 4 * GiB) {
        return error_setg(err, "base must be a 4 KiB aligned 32-bit address");
    }
    memory_region_init_io(&s->mmio, "ioapic", 0x1000, &ioapic_ops, s);
    address_space_map_region(&m->mem, s->base, &s->mmio, 0, 0x1000, PRIO_IO);
    m->ioapic = s;
    return 0;
}

static void ioapic_unrealize(Device *dev)
{
    IOAPICState *s = (IOAPICState *)dev;
    Machine *m = dev->machine;

    address_space_unmap_region(&m->mem, &s->mmio);
    if (m->ioapic == s) {
        m->ioapic = NULL;
    }
}

static void ioapic_reset(Device *dev)
{
    IOAPICState *s = (IOAPICState *)dev;

    s->id = 0;
    s->regsel = 0;
    s->irr = 0;
    for (int i = 0; i < IOAPIC_NUM_PINS; i++) {
        s->rte[i] = IOAPIC_RTE_MASKED;
    }
}

static void ioapic_save(Device *dev, SaveBuf *sb)
{
    IOAPICState *s = (IOAPICState *)dev;

    save_u8(sb, s->id);
    save_u8(sb, s->regsel);
    save_u32(sb, s->irr);
    save_u32(sb, s->levels);
    for (int i = 0; i < IOAPIC_NUM_PINS; i++) {
        save_u64(sb, s->rte[i]);
    }
}

static int ioapic_load(Device *dev, SaveBuf *sb, Error *err)
{
    IOAPICState *s = (IOAPICState *)dev;
    uint8_t id = load_u8(sb), regsel = load_u8(sb);
    uint32_t irr = load_u32(sb), levels = load_u32(sb);
    uint64_t rte[IOAPIC_NUM_PINS];
    const uint64_t valid = IOAPIC_RTE_WRITABLE | IOAPIC_RTE_REMOTE_IRR;

    for (int i = 0; i < IOAPIC_NUM_PINS; i++) {
        rte[i] = load_u64(sb);
        if (rte[i] & ~valid) {
            return error_setg(err, "ioapic: invalid redirection entry %d", i);
        }
    }
    if (sb->error) {
        return error_setg(err, "ioapic: truncated state");
    }
    if (id > 0xf || ((irr | levels) >> IOAPIC_NUM_PINS)) {
        return error_setg(err, "ioapic: invalid state");
    }
    s->id = id;
    s->regsel = regsel;
    s->irr = irr;
    s->levels = levels;
    memcpy(s->rte, rte, sizeof(rte));
    return 0;
}

static void ioapic_post_load(Device *dev)
{
    ioapic_service((IOAPICState *)dev);
}

static const PropDef ioapic_props[] = {
    PROP_DEF_U64("base", IOAPICState, base, IOAPIC_DEFAULT_BASE,
                 "MMIO base address"),
    PROP_DEF_U32("version", IOAPICState, version, 0x11,
                 "0x11 (82093AA) or 0x20 (with EOI register)"),
    PROP_DEF_END,
};

const DeviceType ioapic_type = {
    .name = "ioapic",
    .desc = "82093AA I/O APIC",
    .instance_size = sizeof(IOAPICState),
    .props = ioapic_props,
    .realize = ioapic_realize,
    .unrealize = ioapic_unrealize,
    .reset = ioapic_reset,
    .save = ioapic_save,
    .load = ioapic_load,
    .post_load = ioapic_post_load,
};
