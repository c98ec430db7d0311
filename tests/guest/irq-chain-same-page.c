/*
 * irq-chain-same-page.c - regression test for "an interrupt can be
 * chained into": when a hardware interrupt was delivered at a block
 * boundary, the TCG exec loop patched the direct jump of the block that
 * had just ended to the handler's block (both on one page), so the next
 * pass through that jump entered the handler with no interrupt.
 *
 * A spin loop and the IRQ0 handler share one page. The 8254 ticks at
 * 1 kHz through the 8259; the loop spins until the handler has counted
 * TICKS interrupts. The handler checks that it was entered by an
 * interrupt: the RIP on its stack must lie inside the loop (the loop
 * unmasks IRQ0 on entry, and the handler masks it again after the last
 * tick, so no interrupt arrives anywhere else). Entered through a stale
 * jump, the top of its stack is the loop's return address instead.
 *
 * GUEST-EXTRA-ACCEL kvm,kernel-irqchip=off
 */
#include "lib/sys64.h"

#define PIT_CH0 0x40
#define PIT_MODE 0x43
#define PIT_COUNT_1KHZ 1193
#define TICKS 20

volatile uint32_t ticks, tick_target = TICKS;

void spin_until_ticks(void);
void pit_handler(void);
__attribute__((noreturn)) void spurious_entry(uint64_t top);

__asm__(".pushsection .text\n"
        ".balign 4096\n"
        "spin_until_ticks:\n"
        "    movb $0xfe, %al\n"
        "    outb %al, $0x21\n"             /* unmask IRQ0 */
        "loop_start:\n"
        "    movl tick_target(%rip), %eax\n"
        "    cmpl %eax, ticks(%rip)\n"
        "    jb loop_start\n"
        "loop_end:\n"
        "    ret\n"
        ".balign 64\n"
        "pit_handler:\n"
        "    pushq %rax\n"
        "    leaq loop_start(%rip), %rax\n"
        "    cmpq %rax, 8(%rsp)\n"
        "    jb 1f\n"
        "    leaq loop_end(%rip), %rax\n"
        "    cmpq %rax, 8(%rsp)\n"
        "    jae 1f\n"
        "    incl ticks(%rip)\n"
        "    movl tick_target(%rip), %eax\n"
        "    cmpl %eax, ticks(%rip)\n"
        "    jb 2f\n"
        "    movb $0xff, %al\n"
        "    outb %al, $0x21\n"             /* last tick: mask IRQ0 */
        "2:  movb $0x20, %al\n"
        "    outb %al, $0x20\n"             /* EOI */
        "    popq %rax\n"
        "    iretq\n"
        "1:  movq 8(%rsp), %rdi\n"
        "    andq $-16, %rsp\n"
        "    call spurious_entry\n"
        ".balign 4096\n"
        ".popsection\n");

void spurious_entry(uint64_t top)
{
    printf("FAIL: interrupt handler entered without an interrupt after %u "
           "ticks\n", ticks);
    guest_exit(EXIT_CHECK_FAILED);
}

int main(const MultibootInfo *mbi)
{
    gate_set(0x20, pit_handler, 0);
    outb(PIT_MODE, 0x34);       /* channel 0, lobyte/hibyte, mode 2 */
    outb(PIT_CH0, PIT_COUNT_1KHZ & 0xff);
    outb(PIT_CH0, PIT_COUNT_1KHZ >> 8);
    spin_until_ticks();
    outb(PIT_MODE, 0x30);
    outb(PIT_CH0, 0xff);
    outb(PIT_CH0, 0xff);
    printf("%u interrupts taken in a loop on the handler's page, each "
           "entered by an interrupt\n", ticks);
    return ticks == TICKS ? 0x12 : 1;
}
