/*
 * exceptions.c - deliberate faults caught by the IDT, each reported with
 * its vector, error code and (for #PF) CR2, then resumed after the faulting
 * block: #UD (ud2), #DE (div by zero, divide overflow), #GP (a selector
 * past the GDT limit, a non-canonical address), #PF (read and
 * write of an unmapped address). Vectors and error codes follow Intel SDM
 * vol. 3A, 6.15 "Exception and Interrupt Reference".
 */
#include "lib/guest.h"

#define UNMAPPED 0x0000123456789000ull          /* outside the 4 GiB map */
#define NONCANONICAL 0x8000000000001000ull

static void report(const char *what, uint64_t expect_vector)
{
    const TrapRecord *t = trap_last();

    printf("%-24s caught %lu, vector %lu, error 0x%lx", what, t->count,
           t->vector, t->error);
    if (t->vector == 14) {
        printf(", cr2 0x%lx", t->cr2);
    }
    printf("\n");
    check(t->count == 1 && t->vector == expect_vector, what);
    trap_clear();
}

static void fault_ud(void)
{
    EXPECT_FAULT("ud2", : : : "memory");
    report("#UD ud2", 6);
}

static void fault_de(void)
{
    uint32_t a = 1, d = 0, c = 0;
    EXPECT_FAULT("divl %2", : "+a"(a), "+d"(d) : "r"(c) : "memory");
    report("#DE divide by zero", 0);
    a = 0;
    d = 5;
    c = 2;                      /* quotient 5 << 31 does not fit */
    EXPECT_FAULT("divl %2", : "+a"(a), "+d"(d) : "r"(c) : "memory");
    report("#DE divide overflow", 0);
}

static void fault_gp(void)
{
    uint64_t addr = NONCANONICAL, v = 0;
    EXPECT_FAULT("movw $0x1230, %%ax\n\tmovw %%ax, %%fs", : : : "rax",
                 "memory");
    report("#GP selector 0x1230", 13);
    EXPECT_FAULT("movq (%1), %0", : "+r"(v) : "r"(addr) : "memory");
    report("#GP non-canonical", 13);
}

static void fault_pf(void)
{
    uint64_t addr = UNMAPPED, v = 0;
    EXPECT_FAULT("movq (%1), %0", : "+r"(v) : "r"(addr) : "memory");
    report("#PF read", 14);
    EXPECT_FAULT("movl $1, 0x10(%0)", : : "r"(addr) : "memory");
    report("#PF write", 14);
}

int main(const MultibootInfo *mbi)
{
    fault_ud();
    fault_de();
    fault_gp();
    fault_pf();
    /* Still alive, stack intact, and a normal instruction stream works. */
    uint16_t fs;
    __asm__ volatile("movw %%fs, %0" : "=r"(fs));
    printf("fs after the bad load: 0x%x\n", fs);
    printf("exceptions: %s\n", check_failures() ? "FAILED" : "all resumed");
    return check_failures() ? 1 : 0x12;
}
