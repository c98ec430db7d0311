/*
 * softint64.c - software interrupts and x87 traps in 64-bit mode (Intel
 * SDM vol. 3A, 6.15): INT3 (#BP is a trap: the saved RIP is the next
 * instruction), INT n through an interrupt gate that selects IST2 (the
 * frame lands 40 bytes below the IST2 top, 6.14.5), INT n through a gate
 * that is not present (#NP with the IDT error code), and #NM from WAIT
 * with CR0.TS and CR0.MP set.
 *
 * GUEST-SKIP kvm: this host's KVM stops with an emulation failure on INT3, INT n and x87 instructions
 */
#include "lib/sys64.h"

volatile uint64_t ist_rsp;
void ist_stub(void);

__asm__(".globl ist_stub\n"
        "ist_stub:\n\t"
        "movq %rsp, ist_rsp(%rip)\n\t"
        "iretq\n");

static void report(const char *what, uint64_t vector, uint64_t error)
{
    const TrapRecord *t = trap_last();

    printf("%-30s caught %lu, vector %lu, error 0x%lx\n", what, t->count,
           t->vector, t->error);
    check(t->count == 1 && t->vector == vector && t->error == error, what);
    trap_clear();
}

int main(const MultibootInfo *mbi)
{
    uint64_t start = 0, top2;

    sys64_init();
    top2 = tss64.ist[1];
    EXPECT_FAULT("leaq 3f(%%rip), %0\n3:\n\tint3\n\tnop", : "=r"(start) : :
                 "memory");
    printf("#BP: rip - int3 address = %lu\n", trap_last()->rip - start);
    report("#BP int3", 3, 0);

    gate_set(0x41, ist_stub, 2);
    __asm__ volatile("int $0x41" : : : "memory");
    gate_restore(0x41);
    printf("int 0x41 through IST2: frame at top - 40: %u\n",
           ist_rsp == top2 - 40);
    check(ist_rsp == top2 - 40, "IST2");

    idt_base()[0x42].type &= 0x7f;
    EXPECT_FAULT("int $0x42", : : : "memory");
    idt_base()[0x42].type |= 0x80;
    report("#NP int 0x42, gate absent", 11, 0x42 * 8 + 2);

    __asm__ volatile("movq %%cr0, %%rax\n\torq $8, %%rax\n\t"
                     "movq %%rax, %%cr0" : : : "rax");
    EXPECT_FAULT("fwait", : : : "memory");
    __asm__ volatile("clts");
    report("#NM wait with CR0.TS", 7, 0);

    printf("softint64: %s\n", check_failures() ? "FAILED" : "ok");
    return check_failures() ? 1 : 0x12;
}
