/*
 * hpet-level.c - a level-triggered HPET timer (timer 2, one-shot) routed
 * to I/O APIC pin 20: exactly one interrupt, its GINTR_STA bit set in the
 * handler and cleared by writing 1, which drops the line, so nothing
 * arrives after the EOI. Prints only facts that do not depend on timing.
 * References: IA-PC HPET specification 1.0a (2.3.6 GINTR_STA, 2.3.8
 * Tn_INT_TYPE_CNF and Tn_INT_ROUTE_CNF), 82093AA I/O APIC data sheet.
 *
 * GUEST-SKIP kvm: this host's in-kernel I/O APIC delivers the vector a second time after the line dropped and the EOI (remote IRR clear in the second handler); Kite's own I/O APIC (TCG) delivers it once
 */
#include "lib/sys64.h"

#define HPET_BASE 0xfed00000ull
#define HPET_CONFIG 0x010
#define HPET_ISR 0x020
#define HPET_COUNTER 0x0f0
#define HPET_TN_CFG(n) (0x100 + 0x20 * (n))
#define HPET_TN_CMP(n) (0x108 + 0x20 * (n))
#define CFG_ENABLE 1
#define TN_LEVEL (1u << 1)
#define TN_INT_ENB (1u << 2)
#define TN_ROUTE(pin) ((uint64_t)(pin) << 9)

#define LAPIC_BASE 0xfee00000ull
#define LAPIC_TPR 0x080
#define LAPIC_EOI 0x0b0
#define LAPIC_SVR 0x0f0
#define IOAPIC_BASE 0xfec00000ull
#define RTE_LEVEL (1u << 15)
#define RTE_MASKED (1u << 16)

#define VEC_PIN20 0x42

volatile uint32_t counts[256];
volatile uint64_t isr_in_handler;

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

IRQ_STUB(0x42);
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
    if (vec == VEC_PIN20) {
        isr_in_handler = hpet_read(HPET_ISR);
        hpet_write(HPET_ISR, 1u << 2);          /* write 1 clears */
    }
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

static void settle(int loops)
{
    for (int i = 0; i < loops; i++) {
        (void)inb(0x80);
    }
}

static void test_level_pin20(void)
{
    ioapic_route(20, RTE_LEVEL | VEC_PIN20);
    hpet_write(HPET_TN_CFG(2), TN_LEVEL | TN_INT_ENB | TN_ROUTE(20));
    printf("timer 2 route reads back: %lu\n",
           (hpet_read(HPET_TN_CFG(2)) >> 9) & 0x1f);
    hpet_write(HPET_TN_CMP(2), hpet_read(HPET_COUNTER) + 50000);
    wait_for(VEC_PIN20, 1);
    settle(2000);
    printf("level timer 2 on pin 20: %u interrupt, GINTR_STA in handler "
           "0x%lx, after clearing 0x%lx\n", counts[VEC_PIN20],
           isr_in_handler & 7, hpet_read(HPET_ISR) & 7);
    check(counts[VEC_PIN20] == 1, "one level interrupt");
    ioapic_route(20, RTE_MASKED | RTE_LEVEL | VEC_PIN20);
}

int main(const MultibootInfo *mbi)
{
    gate_set(0x42, irq_stub_0x42, 0);
    gate_set(0xff, irq_stub_0xff, 0);
    lapic_write(LAPIC_SVR, 0x100 | 0xff);
    lapic_write(LAPIC_TPR, 0);
    outb(0x21, 0xff);                           /* 8259s masked */
    outb(0xa1, 0xff);
    hpet_write(HPET_CONFIG, CFG_ENABLE);
    test_level_pin20();
    printf("hpet-level: %s\n", check_failures() ? "FAILED" : "ok");
    return check_failures();
}
