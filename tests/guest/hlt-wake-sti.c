/*
 * hlt-wake-sti.c - regression test: under TCG, "sti; hlt" with the
 * interrupt arriving only after HLT slept forever, because the halted
 * vCPU judged RFLAGS.IF from a stale copy of the state taken at boot
 * (IF = 0). A local APIC one-shot timer (Intel SDM vol. 3A, 11.5.4) must
 * wake HLT, three times in a row.
 *
 * GUEST-EXTRA-ACCEL kvm,kernel-irqchip=off
 */
#include "lib/sys64.h"

#define LAPIC(reg) (*(volatile uint32_t *)(uintptr_t)(0xfee00000ull + (reg)))

volatile uint32_t ticks;
void timer_stub(void);

__asm__(".globl timer_stub\n"
        "timer_stub:\n\t"
        "pushq %rax\n\t"
        "incl ticks(%rip)\n\t"
        "movl $0xfee000b0, %eax\n\t"
        "movl $0, (%rax)\n\t"
        "popq %rax\n\t"
        "iretq\n");

int main(const MultibootInfo *mbi)
{
    gate_set(0x50, timer_stub, 0);
    LAPIC(0x0f0) = 0x1ff;               /* SVR: enabled */
    LAPIC(0x3e0) = 0x0b;                /* divide by 1 */
    LAPIC(0x320) = 0x50;                /* one-shot, vector 0x50 */
    for (int i = 1; i <= 3; i++) {
        __asm__ volatile("cli");
        LAPIC(0x380) = 100000;
        __asm__ volatile("sti; hlt" ::: "memory");
        printf("HLT %d woke, ticks %u\n", i, ticks);
    }
    return check_failures();
}
