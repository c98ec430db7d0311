/*
 * Interrupt lines. A device holds an IrqLine and sets its level; whoever
 * wired it (the machine) decides where the level goes: the userspace
 * 8259/IOAPIC models under TCG, KVM_IRQ_LINE with an in-kernel irqchip.
 * Edge-triggered devices pulse (raise then lower).
 */
#ifndef KITE_IRQ_H
#define KITE_IRQ_H

typedef void (*IrqHandler)(void *opaque, int n, int level);

typedef struct IrqLine {
    IrqHandler handler;
    void *opaque;
    int n;
} IrqLine;

static inline void irq_set(const IrqLine *l, int level)
{
    if (l && l->handler) {
        l->handler(l->opaque, l->n, level);
    }
}
static inline void irq_raise(const IrqLine *l) { irq_set(l, 1); }
static inline void irq_lower(const IrqLine *l) { irq_set(l, 0); }
static inline void irq_pulse(const IrqLine *l)
{
    irq_set(l, 1);
    irq_set(l, 0);
}

#endif
