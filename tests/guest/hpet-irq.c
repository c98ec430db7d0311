/*
 * hpet-irq.c - HPET interrupts reach the CPU through the legacy
 * replacement route, printing only facts that do not depend on timing:
 * timer 0 periodic (1 kHz, comparator and period set through Tn_VAL_SET)
 * on ISA IRQ 0, i.e. I/O APIC pin 2, and timer 1 one-shot on IRQ 8
 * (I/O APIC pin 8), both edge. hpet-level.c covers a level-triggered
 * timer on a pin of its own.
 * References: IA-PC HPET specification 1.0a (2.3.9 timer modes, 2.3.11
 * the legacy route), 82093AA I/O APIC data sheet.
 *
 * GUEST-EXTRA-ACCEL kvm,kernel-irqchip=off
 */
#include "lib/sys64.h"

#define HPET_BASE 0xfed00000ull
#define HPET_CONFIG 0x010
#define HPET_COUNTER 0x0f0
#define HPET_TN_CFG(n) (0x100 + 0x20 * (n))
#define HPET_TN_CMP(n) (0x108 + 0x20 * (n))
#define CFG_ENABLE 1
#define CFG_LEGACY 2
#define TN_INT_ENB (1u << 2)
#define TN_PERIODIC (1u << 3)
#define TN_VAL_SET (1u << 6)

#define LAPIC_BASE 0xfee00000ull
#define LAPIC_TPR 0x080
#define LAPIC_EOI 0x0b0
#define LAPIC_SVR 0x0f0
#define IOAPIC_BASE 0xfec00000ull
#define RTE_MASKED (1u << 16)

#define VEC_IRQ0 0x40
#define VEC_IRQ8 0x41

volatile uint32_t counts[256];

void irq_handle(uint64_t vec);

#define IRQ_STUB(v)                                                        \
    __asm__(".globl irq_stub_" #v "\n"                                     \
            "irq_stub_" #v ":\n\t"                                         \
            "pushq %rax; pushq %rcx; pushq %rdx; pushq %rsi; pushq %rdi\n\t" \
            "pushq %r8; pushq %r9; pushq %r10; pushq %r11\n\t"             \
            "movl $" #v ", %edi\n\t"                                       \
            "cld\n\t"                                                      \
            "call irq_handle\n\t"                                          \
            "popq %r11; popq %r10; popq %r9; popq %r8\n\t"                 \
            "popq %rdi; popq %rsi; popq %rdx; popq %rcx; popq %rax\n\t"    \
            "iretq\n");                                                    \
    void irq_stub_##v(void)

IRQ_STUB(0x40);
IRQ_STUB(0x41);
IRQ_STUB(0xff);

static uint64_t hpet_read(uint32_t reg)
{
    return *(volatile uint64_t *)(uintptr_t)(HPET_BASE + reg);
}

static void hpet_write(uint32_t reg, uint64_t v)
{
    *(volatile uint64_t *)(uintptr_t)(HPET_BASE + reg) = v;
}

static void lapic_write(uint32_t reg, uint32_t v)
{
    *(volatile uint32_t *)(uintptr_t)(LAPIC_BASE + reg) = v;
}

static void ioapic_route(int pin, uint32_t low)
{
    volatile uint32_t *sel = (volatile uint32_t *)(uintptr_t)IOAPIC_BASE;
    volatile uint32_t *win = (volatile uint32_t *)(uintptr_t)(IOAPIC_BASE +
                                                              0x10);
    *sel = 0x10 + 2 * pin + 1;
    *win = 0;                                   /* destination APIC 0 */
    *sel = 0x10 + 2 * pin;
    *win = low;
}

void irq_handle(uint64_t vec)
{
    counts[vec & 0xff]++;
    if (vec != 0xff) {
        lapic_write(LAPIC_EOI, 0);
    }
}

static void wait_for(int vec, uint32_t n)
{
    __asm__ volatile("cli");
    while (counts[vec] < n) {
        __asm__ volatile("sti; hlt; cli" ::: "memory");
    }
    __asm__ volatile("sti");
}

static void test_legacy_route(void)
{
    ioapic_route(2, VEC_IRQ0);
    ioapic_route(8, VEC_IRQ8);
    hpet_write(HPET_TN_CFG(0), TN_PERIODIC | TN_VAL_SET | TN_INT_ENB);
    hpet_write(HPET_TN_CMP(0), hpet_read(HPET_COUNTER) + 100000);
    hpet_write(HPET_TN_CMP(0), 100000);         /* 1 ms period */
    hpet_write(HPET_TN_CFG(1), TN_INT_ENB);
    hpet_write(HPET_TN_CMP(1), hpet_read(HPET_COUNTER) + 200000);
    hpet_write(HPET_CONFIG, CFG_ENABLE | CFG_LEGACY);
    wait_for(VEC_IRQ0, 5);
    wait_for(VEC_IRQ8, 1);
    hpet_write(HPET_TN_CFG(0), 0);
    ioapic_route(2, RTE_MASKED | VEC_IRQ0);
    ioapic_route(8, RTE_MASKED | VEC_IRQ8);
    printf("legacy route: timer 0 periodic on IRQ 0 (pin 2): %u ticks, "
           "timer 1 on IRQ 8 (pin 8): %u\n", counts[VEC_IRQ0] >= 5 ? 5 : 0,
           counts[VEC_IRQ8]);
    check(counts[VEC_IRQ8] == 1, "one-shot timer 1 fired once");
    hpet_write(HPET_CONFIG, CFG_ENABLE);
}

int main(const MultibootInfo *mbi)
{
    gate_set(0x40, irq_stub_0x40, 0);
    gate_set(0x41, irq_stub_0x41, 0);
    gate_set(0xff, irq_stub_0xff, 0);
    lapic_write(LAPIC_SVR, 0x100 | 0xff);
    lapic_write(LAPIC_TPR, 0);
    outb(0x21, 0xff);                           /* 8259s masked */
    outb(0xa1, 0xff);
    test_legacy_route();
    printf("hpet-irq: %s\n", check_failures() ? "FAILED" : "ok");
    return check_failures();
}
