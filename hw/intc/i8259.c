/*
 * The cascaded pair of 8259A programmable interrupt controllers ("i8259"),
 * after the Intel 8259A data sheet, with the PIIX edge/level control
 * registers (ELCR) at 0x4d0/0x4d1.
 *
 * Master at 0x20/0x21, slave at 0xa0/0xa1 on the master's IR2. Both chips
 * support ICW1-ICW4 (8086 mode only), OCW1-OCW3: mask, specific and
 * non-specific EOI, rotation (on EOI, in auto-EOI, set priority), special
 * mask, poll, IRR/ISR reads, auto-EOI and special fully nested mode.
 *
 * Invariants: `lowest` is 0-7; the priority of line i is
 * (i - lowest - 1) & 7, 0 being the highest. An edge-triggered line sets
 * its IRR bit on a rising edge and keeps it until acknowledged; a
 * level-triggered line's IRR bit follows the pin. The master's IR2 input
 * is the slave's INT output.
 */
#include "hw/intc/intc.h"

#include <string.h>

#define PIC_CASCADE_IRQ 2

static inline int pic_prio(const PIC8259 *c, int line)
{
    return (line - c->lowest - 1) & 7;
}

static bool pic_line_is_level(const PIC8259 *c, int line)
{
    return c->ltim || (c->elcr & (1u << line));
}

/* Highest-priority line set in mask, or -1. */
static int pic_highest(const PIC8259 *c, uint8_t mask)
{
    for (int p = 0; p < 8; p++) {
        int line = (c->lowest + 1 + p) & 7;
        if (mask & (1u << line)) {
            return line;
        }
    }
    return -1;
}

/* The line this chip would interrupt for now, or -1. */
static int pic_pending(const PIC8259 *c, bool master)
{
    int req = pic_highest(c, c->irr & ~c->imr);
    uint8_t serviced = c->isr;
    int cur;

    if (req < 0) {
        return -1;
    }
    if (c->special_mask) {
        serviced &= ~c->imr;
    }
    if (master && c->sfnm) {
        /* The slave may interrupt again while its line is in service. */
        serviced &= ~(1u << PIC_CASCADE_IRQ);
    }
    cur = pic_highest(c, serviced);
    if (cur >= 0 && pic_prio(c, cur) <= pic_prio(c, req)) {
        return -1;
    }
    return req;
}

static void pic_chip_input(PIC8259 *c, int line, int level)
{
    uint8_t bit = 1u << line;

    if (pic_line_is_level(c, line)) {
        if (level) {
            c->irr |= bit;
        } else {
            c->irr &= ~bit;
        }
    } else if (level && !(c->pins & bit)) {
        c->irr |= bit;
    }
    if (level) {
        c->pins |= bit;
    } else {
        c->pins &= ~bit;
    }
}

static void pic_update(PICState *s)
{
    int level;
    PIC8259 *m = &s->chip[0];
    uint8_t bit = 1u << PIC_CASCADE_IRQ;

    /* the slave's INT output requests as long as it is active */
    if (pic_pending(&s->chip[1], false) >= 0) {
        m->irr |= bit;
        m->pins |= bit;
    } else {
        m->irr &= ~bit;
        m->pins &= ~bit;
    }
    level = pic_pending(&s->chip[0], true) >= 0;
    if (level != s->intr_level) {
        s->intr_level = level;
        irq_set(&s->intr, level);
    }
}

void pic_set_irq(PICState *s, int irq, int level)
{
    if (irq < 0 || irq > 15) {
        return;
    }
    pic_chip_input(&s->chip[irq >> 3], irq & 7, level);
    pic_update(s);
}

bool pic_get_intr(const PICState *s)
{
    return s->intr_level > 0;
}

/* Acknowledges line on chip c (INTA or poll). */
static void pic_ack(PIC8259 *c, int line)
{
    uint8_t bit = 1u << line;

    if (c->auto_eoi) {
        if (c->rotate_aeoi) {
            c->lowest = line;
        }
    } else {
        c->isr |= bit;
    }
    if (!pic_line_is_level(c, line)) {
        c->irr &= ~bit;
    }
}

int pic_read_irq(PICState *s)
{
    PIC8259 *m = &s->chip[0], *sl = &s->chip[1];
    int line = pic_pending(m, true), vector;

    if (line < 0) {
        vector = m->vector_base + 7;          /* spurious IRQ 7 */
    } else if (line == PIC_CASCADE_IRQ) {
        int sline = pic_pending(sl, false);
        pic_ack(m, line);
        if (sline < 0) {
            vector = sl->vector_base + 7;     /* spurious IRQ 15 */
        } else {
            pic_ack(sl, sline);
            vector = sl->vector_base + sline;
        }
    } else {
        pic_ack(m, line);
        vector = m->vector_base + line;
    }
    pic_update(s);
    return vector;
}

static void pic_chip_reset(PIC8259 *c)
{
    uint8_t elcr = c->elcr, elcr_mask = c->elcr_mask;

    memset(c, 0, sizeof(*c));
    c->elcr = elcr;
    c->elcr_mask = elcr_mask;
    c->lowest = 7;
}

static void pic_write_icw1(PIC8259 *c, uint8_t val)
{
    uint8_t pins = c->pins;

    pic_chip_reset(c);
    c->pins = pins;
    c->icw4_needed = val & 1;
    c->single = val & 2;
    c->ltim = val & 8;
    c->init_state = 1;
    /* level-triggered lines with the pin high request again */
    for (int i = 0; i < 8; i++) {
        if (pic_line_is_level(c, i) && (pins & (1u << i))) {
            c->irr |= 1u << i;
        }
    }
}

static void pic_write_ocw2(PIC8259 *c, uint8_t val)
{
    int cmd = val >> 5, level = val & 7, line;

    switch (cmd) {
    case 0: /* clear rotate in auto-EOI mode */
        c->rotate_aeoi = false;
        break;
    case 4: /* set rotate in auto-EOI mode */
        c->rotate_aeoi = true;
        break;
    case 1: /* non-specific EOI */
    case 5: /* rotate on non-specific EOI */
        line = pic_highest(c, c->isr);
        if (line >= 0) {
            c->isr &= ~(1u << line);
            if (cmd == 5) {
                c->lowest = line;
            }
        }
        break;
    case 3: /* specific EOI */
        c->isr &= ~(1u << level);
        break;
    case 7: /* rotate on specific EOI */
        c->isr &= ~(1u << level);
        c->lowest = level;
        break;
    case 6: /* set priority */
        c->lowest = level;
        break;
    default: /* 2: no operation */
        break;
    }
}

static void pic_write_ocw3(PIC8259 *c, uint8_t val)
{
    if (val & 4) {
        c->poll = true;
    }
    if (val & 2) {
        c->read_isr = val & 1;
    }
    if (val & 0x40) {
        c->special_mask = (val & 0x20) != 0;
    }
}

static void pic_write_data(Machine *mach, PIC8259 *c, uint8_t val)
{
    switch (c->init_state) {
    case 1:
        c->vector_base = val & 0xf8;
        c->init_state = c->single ? (c->icw4_needed ? 3 : 0) : 2;
        break;
    case 2: /* ICW3: the cascade is fixed on IR2 */
        c->init_state = c->icw4_needed ? 3 : 0;
        break;
    case 3:
        if (!(val & 1)) {
            log_mask(&mach->log, LOG_UNIMP, "i8259: 8080/8085 mode\n");
        }
        c->auto_eoi = val & 2;
        c->sfnm = val & 0x10;
        c->init_state = 0;
        break;
    default:
        c->imr = val;
        break;
    }
}

static uint8_t pic_poll(PICState *s, int chip)
{
    PIC8259 *c = &s->chip[chip];
    int line = pic_pending(c, chip == 0);

    c->poll = false;
    if (line < 0) {
        return 0;
    }
    pic_ack(c, line);
    pic_update(s);
    return 0x80 | line;
}

static uint64_t pic_io_read(PICState *s, int chip, uint64_t off)
{
    PIC8259 *c = &s->chip[chip];

    if (c->poll) {
        return pic_poll(s, chip);
    }
    if (off == 0) {
        return c->read_isr ? c->isr : c->irr;
    }
    return c->imr;
}

static void pic_io_write(PICState *s, int chip, uint64_t off, uint8_t val)
{
    PIC8259 *c = &s->chip[chip];

    if (off == 0) {
        if (val & 0x10) {
            pic_write_icw1(c, val);
        } else if (val & 0x08) {
            pic_write_ocw3(c, val);
        } else {
            pic_write_ocw2(c, val);
        }
    } else {
        pic_write_data(s->dev.machine, c, val);
    }
    pic_update(s);
}

static uint64_t pic_master_read(void *opaque, uint64_t off, unsigned size)
{
    return pic_io_read(opaque, 0, off);
}

static void pic_master_write(void *opaque, uint64_t off, uint64_t val,
                             unsigned size)
{
    pic_io_write(opaque, 0, off, (uint8_t)val);
}

static uint64_t pic_slave_read(void *opaque, uint64_t off, unsigned size)
{
    return pic_io_read(opaque, 1, off);
}

static void pic_slave_write(void *opaque, uint64_t off, uint64_t val,
                            unsigned size)
{
    pic_io_write(opaque, 1, off, (uint8_t)val);
}

static uint64_t pic_elcr_read(void *opaque, uint64_t off, unsigned size)
{
    PICState *s = opaque;
    return s->chip[off & 1].elcr;
}

static void pic_elcr_write(void *opaque, uint64_t off, uint64_t val,
                           unsigned size)
{
    PICState *s = opaque;
    PIC8259 *c = &s->chip[off & 1];

    c->elcr = val & c->elcr_mask;
    /* re-evaluate the lines against their new trigger mode: the IRR bit
     * of a level-triggered line follows its pin */
    for (int i = 0; i < 8; i++) {
        if (!pic_line_is_level(c, i)) {
            continue;
        }
        if (c->pins & (1u << i)) {
            c->irr |= 1u << i;
        } else {
            c->irr &= ~(1u << i);
        }
    }
    pic_update(s);
}

static const MemoryRegionOps pic_master_ops = {
    .read = pic_master_read, .write = pic_master_write,
    .min_access = 1, .max_access = 1,
};
static const MemoryRegionOps pic_slave_ops = {
    .read = pic_slave_read, .write = pic_slave_write,
    .min_access = 1, .max_access = 1,
};
static const MemoryRegionOps pic_elcr_ops = {
    .read = pic_elcr_read, .write = pic_elcr_write,
    .min_access = 1, .max_access = 1,
};

void pc_pic_intr(void *opaque, int n, int level)
{
    Machine *m = opaque;
    VCPU *cpu = m->ncpus > 0 ? m->cpus[0] : NULL;

    if (m->apic[0]) {
        apic_set_lint(m->apic[0], 0, level);
    } else if (cpu) {
        pc_cpu_update_interrupt(cpu);
    }
}

void pc_intc_set_gsi(void *opaque, int gsi, int level)
{
    Machine *m = opaque;

    if (gsi < 0 || gsi >= PC_NUM_GSI) {
        return;
    }
    if (gsi < 16 && m->pic) {
        pic_set_irq(m->pic, gsi, level);
    }
    if (m->ioapic) {
        ioapic_set_irq(m->ioapic, gsi == 0 ? 2 : gsi, level);
    }
}

static int pic_realize(Device *dev, Error *err)
{
    PICState *s = (PICState *)dev;
    Machine *m = dev->machine;

    if (m->pic) {
        return error_setg(err, "only one 8259 pair per machine");
    }
    memory_region_init_io(&s->io[0], "pic-master", 2, &pic_master_ops, s);
    memory_region_init_io(&s->io[1], "pic-slave", 2, &pic_slave_ops, s);
    memory_region_init_io(&s->io_elcr, "elcr", 2, &pic_elcr_ops, s);
    machine_map_ports(m, PIC_MASTER_BASE, &s->io[0]);
    machine_map_ports(m, PIC_SLAVE_BASE, &s->io[1]);
    machine_map_ports(m, PIC_ELCR_BASE, &s->io_elcr);
    s->intr = (IrqLine){ pc_pic_intr, m, 0 };
    m->pic = s;
    return 0;
}

static void pic_unrealize(Device *dev)
{
    PICState *s = (PICState *)dev;
    Machine *m = dev->machine;

    address_space_unmap_region(&m->io, &s->io[0]);
    address_space_unmap_region(&m->io, &s->io[1]);
    address_space_unmap_region(&m->io, &s->io_elcr);
    if (m->pic == s) {
        m->pic = NULL;
    }
}

static void pic_reset(Device *dev)
{
    PICState *s = (PICState *)dev;

    for (int i = 0; i < 2; i++) {
        uint8_t pins = s->chip[i].pins;
        s->chip[i].elcr = 0;
        pic_chip_reset(&s->chip[i]);
        s->chip[i].pins = pins;
    }
    /* PIIX: IRQ 0, 1, 2, 8 and 13 are always edge-triggered */
    s->chip[0].elcr_mask = 0xf8;
    s->chip[1].elcr_mask = 0xde;
    s->intr_level = -1;          /* drive the output once */
    pic_update(s);
}

static uint8_t pic_chip_flags(const PIC8259 *c)
{
    return c->icw4_needed | c->single << 1 | c->ltim << 2 |
           c->auto_eoi << 3 | c->rotate_aeoi << 4 | c->sfnm << 5 |
           c->special_mask << 6 | c->poll << 7;
}

static void pic_save(Device *dev, SaveBuf *sb)
{
    PICState *s = (PICState *)dev;

    for (int i = 0; i < 2; i++) {
        const PIC8259 *c = &s->chip[i];
        save_u8(sb, c->irr);
        save_u8(sb, c->isr);
        save_u8(sb, c->imr);
        save_u8(sb, c->pins);
        save_u8(sb, c->elcr);
        save_u8(sb, c->vector_base);
        save_u8(sb, c->lowest);
        save_u8(sb, c->init_state);
        save_u8(sb, pic_chip_flags(c));
        save_u8(sb, c->read_isr);
    }
}

static int pic_load_chip(PIC8259 *c, SaveBuf *sb, Error *err)
{
    PIC8259 n = *c;
    uint8_t flags, read_isr;

    n.irr = load_u8(sb);
    n.isr = load_u8(sb);
    n.imr = load_u8(sb);
    n.pins = load_u8(sb);
    n.elcr = load_u8(sb);
    n.vector_base = load_u8(sb);
    n.lowest = load_u8(sb);
    n.init_state = load_u8(sb);
    flags = load_u8(sb);
    read_isr = load_u8(sb);
    if (sb->error) {
        return error_setg(err, "i8259: truncated state");
    }
    if ((n.elcr & ~c->elcr_mask) || (n.vector_base & 7) || n.lowest > 7 ||
        n.init_state > 3 || read_isr > 1) {
        return error_setg(err, "i8259: invalid state");
    }
    n.icw4_needed = flags & 1;
    n.single = flags & 2;
    n.ltim = flags & 4;
    n.auto_eoi = flags & 8;
    n.rotate_aeoi = flags & 16;
    n.sfnm = flags & 32;
    n.special_mask = flags & 64;
    n.poll = flags & 128;
    n.read_isr = read_isr;
    *c = n;
    return 0;
}

static int pic_load(Device *dev, SaveBuf *sb, Error *err)
{
    PICState *s = (PICState *)dev;
    PIC8259 chips[2] = { s->chip[0], s->chip[1] };

    for (int i = 0; i < 2; i++) {
        if (pic_load_chip(&chips[i], sb, err) < 0) {
            return -1;
        }
    }
    s->chip[0] = chips[0];
    s->chip[1] = chips[1];
    s->intr_level = -1;          /* INTR is driven in post_load */
    return 0;
}

static void pic_post_load(Device *dev)
{
    PICState *s = (PICState *)dev;

    s->intr_level = -1;
    pic_update(s);
}

const DeviceType pic_type = {
    .name = "i8259",
    .desc = "cascaded 8259A interrupt controllers",
    .instance_size = sizeof(PICState),
    .realize = pic_realize,
    .unrealize = pic_unrealize,
    .reset = pic_reset,
    .save = pic_save,
    .load = pic_load,
    .post_load = pic_post_load,
};
