/*
 * sti-shadow.c - the STI interrupt shadow (Intel SDM vol. 2B, STI: "if IF
 * = 0, maskable hardware interrupts remain inhibited on the instruction
 * boundary following an execution of STI"). A local-APIC self-IPI is
 * made pending with IF = 0, then:
 *  - "sti; cli" takes no interrupt,
 *  - "sti; incl; incl" takes it after the first INCL, exactly,
 *  - "sti; sti; incl" takes it after the second STI (STI with IF already
 *    set opens no new shadow).
 *
 * GUEST-SKIP kvm: this host's KVM runs code with IF=0 through its emulator and delivers an interrupt pending at STI only at its next exit, some instructions late
 */
#include "lib/sys64.h"

#define LAPIC_BASE 0xfee00000ull
#define LAPIC_TPR 0x080
#define LAPIC_EOI 0x0b0
#define LAPIC_SVR 0x0f0
#define LAPIC_ICR_LO 0x300
#define LAPIC_ICR_HI 0x310
#define VEC_SELF_IPI 0x51

volatile uint32_t ipi_count, marker, marker_seen;
void ipi_stub(void);

__asm__(".globl ipi_stub\n"
        "ipi_stub:\n\t"
        "pushq %rax\n\t"
        "movl marker(%rip), %eax\n\t"
        "movl %eax, marker_seen(%rip)\n\t"
        "incl ipi_count(%rip)\n\t"
        "movl $0xfee000b0, %eax\n\t"
        "movl $0, (%rax)\n\t"                 /* EOI */
        "popq %rax\n\t"
        "iretq\n");

static void lapic_write(uint32_t reg, uint32_t v)
{
    *(volatile uint32_t *)(uintptr_t)(LAPIC_BASE + reg) = v;
}

/* With IF = 0: make the self-IPI pending. */
static void ipi_pend(void)
{
    __asm__ volatile("cli");
    marker = 0;
    marker_seen = 0xffffffff;
    lapic_write(LAPIC_ICR_HI, 0);
    lapic_write(LAPIC_ICR_LO, (1u << 18) | VEC_SELF_IPI);
}

int main(const MultibootInfo *mbi)
{
    uint32_t n;

    gate_set(VEC_SELF_IPI, ipi_stub, 0);
    lapic_write(LAPIC_SVR, 0x1ff);
    lapic_write(LAPIC_TPR, 0);

    ipi_pend();
    n = ipi_count;
    __asm__ volatile("sti; cli" ::: "memory");
    printf("sti; cli: %s\n", ipi_count == n ? "not taken" : "taken");
    __asm__ volatile("sti; nop; cli" ::: "memory");
    printf("sti; nop; cli: taken %u, marker %u\n", ipi_count - n,
           marker_seen);

    ipi_pend();
    n = ipi_count;
    __asm__ volatile("sti\n\t"
                     "incl marker(%%rip)\n\t"
                     "incl marker(%%rip)\n\t"
                     "cli" ::: "memory");
    printf("sti; incl; incl: taken %u, after %u increment(s)\n",
           ipi_count - n, marker_seen);

    ipi_pend();
    n = ipi_count;
    __asm__ volatile("sti\n\t"
                     "sti\n\t"
                     "incl marker(%%rip)\n\t"
                     "cli" ::: "memory");
    printf("sti; sti; incl: taken %u, after %u increment(s)\n",
           ipi_count - n, marker_seen);
    __asm__ volatile("sti");
    return check_failures();
}
