/*
 * kvm-irqchip-off-cpuid.c - regression test: with kernel-irqchip=off the
 * vCPU's CPUID offered TSC-deadline and x2APIC although KVM handles those
 * MSRs only with its own APIC, so a TSC-deadline timer never fired. Any
 * timer feature CPUID offers must work: when CPUID.1:ECX[24] is set, a
 * TSC deadline (IA32_TSC_DEADLINE, Intel SDM vol. 3A, 11.5.4.1) raises
 * its interrupt once and the MSR then reads 0.
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
    uint32_t r[4], lo, hi;
    uint64_t tsc;
    int ok = 1;

    cpuid(1, 0, r);
    if (r[2] & (1u << 24)) {
        gate_set(0x50, timer_stub, 0);
        LAPIC(0x0f0) = 0x1ff;
        LAPIC(0x320) = (2u << 17) | 0x50;       /* TSC-deadline mode */
        __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
        tsc = (((uint64_t)hi << 32) | lo) + 500000;
        __asm__ volatile("cli");
        __asm__ volatile("wrmsr" : : "c"(0x6e0), "a"((uint32_t)tsc),
                         "d"((uint32_t)(tsc >> 32)));
        while (ticks < 1) {
            __asm__ volatile("sti; hlt; cli" ::: "memory");
        }
        __asm__ volatile("sti");
        ok = ticks == 1 && rdmsr(0x6e0) == 0;
    }
    printf("TSC-deadline timer works or is not offered: %s\n",
           ok ? "yes" : "no");
    return check_failures();
}
