/*
 * kvm-pit-gsi2.c - regression test: with KVM's in-kernel irqchip the
 * in-kernel PIT raised I/O APIC pin 0 (KVM's default GSI routing)
 * instead of pin 2, where a PC wires ISA IRQ 0 (the MP/ACPI interrupt
 * source override). The PIT in mode 2 must reach the CPU through I/O APIC
 * pin 2 with the 8259 fully masked (82093AA data sheet, redirection
 * table).
 *
 * GUEST-EXTRA-ACCEL kvm,kernel-irqchip=off
 */
#include "lib/sys64.h"

#define LAPIC(reg) (*(volatile uint32_t *)(uintptr_t)(0xfee00000ull + (reg)))

volatile uint32_t ticks;
void pit_stub(void);

__asm__(".globl pit_stub\n"
        "pit_stub:\n\t"
        "pushq %rax\n\t"
        "incl ticks(%rip)\n\t"
        "movl $0xfee000b0, %eax\n\t"
        "movl $0, (%rax)\n\t"
        "popq %rax\n\t"
        "iretq\n");

static void ioapic_write(uint32_t reg, uint32_t v)
{
    *(volatile uint32_t *)(uintptr_t)0xfec00000ull = reg;
    *(volatile uint32_t *)(uintptr_t)0xfec00010ull = v;
}

int main(const MultibootInfo *mbi)
{
    gate_set(0x40, pit_stub, 0);
    LAPIC(0x0f0) = 0x1ff;
    ioapic_write(0x10 + 2 * 2 + 1, 0);
    ioapic_write(0x10 + 2 * 2, 0x40);           /* pin 2: edge, vector 0x40 */
    outb(0x43, 0x34);                           /* PIT channel 0, mode 2 */
    outb(0x40, 0x9c);
    outb(0x40, 0x2e);                           /* 11932: 100 Hz */
    __asm__ volatile("cli");
    while (ticks < 3) {
        __asm__ volatile("sti; hlt; cli" ::: "memory");
    }
    __asm__ volatile("sti");
    ioapic_write(0x10 + 2 * 2, 0x10040);        /* masked */
    printf("PIT ticks through I/O APIC pin 2: %u\n", ticks >= 3 ? 3 : 0);
    return check_failures();
}
