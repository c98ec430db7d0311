/*
 * noncanonical64.c - non-canonical addresses in 64-bit mode. A near
 * branch to one raises #GP(0) at the branch itself: the saved RIP is the
 * address of the JMP/CALL/RET, and CALL pushes nothing (Intel SDM vol. 2,
 * JMP/CALL/RET "64-Bit Mode Exceptions"). A memory reference through SS
 * (RSP or RBP as base) to a non-canonical address is #SS(0), not #GP
 * (vol. 3A, 6.15 "Interrupt 12"). Runs natively under KVM.
 */
#include "lib/guest.h"

#define NONCANONICAL 0x8000000000000000ull

static void report(const char *what, uint64_t start, uint64_t rsp_before,
                   uint64_t rsp_after)
{
    const TrapRecord *t = trap_last();

    printf("%-20s caught %lu, vector %lu, error 0x%lx, rip is the branch: "
           "%s, rsp unchanged: %s\n", what, t->count, t->vector, t->error,
           t->rip == start ? "yes" : "no",
           rsp_before == rsp_after ? "yes" : "no");
    check(t->count == 1 && t->vector == 13 && t->rip == start &&
          rsp_before == rsp_after, what);
    trap_clear();
}

int main(const MultibootInfo *mbi)
{
    uint64_t start, before, after;

    /* The trap handler would die on a fault at the target itself, so each
     * case records RSP around the branch and resumes past it. */
    EXPECT_FAULT("movq %%rsp, %1\n\tleaq 3f(%%rip), %0\n3:\n\tjmp *%3\n",
                 : "=&r"(start), "=&r"(before), "=m"(after)
                 : "r"(NONCANONICAL) : "memory");
    __asm__ volatile("movq %%rsp, %0" : "=r"(after));
    report("jmp *reg", start, before, after);

    EXPECT_FAULT("movq %%rsp, %1\n\tleaq 3f(%%rip), %0\n3:\n\tcall *%3\n",
                 : "=&r"(start), "=&r"(before), "=m"(after)
                 : "r"(NONCANONICAL) : "memory");
    __asm__ volatile("movq %%rsp, %0" : "=r"(after));
    report("call *reg", start, before, after);

    EXPECT_FAULT("movq %%rsp, %1\n\tpushq %3\n\tleaq 3f(%%rip), %0\n3:\n\t"
                 "ret\n",
                 : "=&r"(start), "=&r"(before), "=m"(after)
                 : "r"(NONCANONICAL) : "memory");
    __asm__ volatile("movq %%rsp, %0" : "=r"(after));
    /* ret faults before popping: the pushed target is still there. */
    report("ret", start, before, after + 8);
    __asm__ volatile("addq $8, %%rsp" : : : "memory");

    uint64_t v = 0;
    EXPECT_FAULT("movq (%%rsp,%1), %0", : "+r"(v) : "r"(NONCANONICAL)
                 : "memory");
    printf("%-20s caught %lu, vector %lu, error 0x%lx\n", "stack reference",
           trap_last()->count, trap_last()->vector, trap_last()->error);
    check(trap_last()->vector == 12, "#SS non-canonical stack reference");
    trap_clear();

    printf("noncanonical64: %s\n", check_failures() ? "FAILED" : "ok");
    return check_failures() ? 1 : 0x12;
}
