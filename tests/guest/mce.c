/*
 * mce.c - the machine-check MSRs that CPUID.1:EDX.MCE/MCA promise (Intel
 * SDM Vol. 3B 15.3): MCG_CAP's bank count and MCG_CTL_P, MCG_CTL and
 * MCi_CTL (all-zeros or all-ones), MCi_STATUS (only 0 may be written),
 * MCi_ADDR/MISC storage, CR4.MCE, and #GP for writes the SDM forbids and
 * for banks past the count. Kite sets KVM's vCPUs up with the same
 * banks, so KVM and TCG must print the same.
 * GUEST-EXTRA-ACCEL kvm,kernel-irqchip=off
 */
#include "lib/guest.h"

#define MCG_CAP    0x179
#define MCG_STATUS 0x17a
#define MCG_CTL    0x17b
#define MC_CTL(i)  (0x400 + 4 * (i))

static inline void wrmsr(uint32_t msr, uint64_t v)
{
    __asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v),
                     "d"((uint32_t)(v >> 32)) : "memory");
}

/* Returns 1 if wrmsr msr, v raised #GP. */
static int wrmsr_faults(uint32_t msr, uint64_t v)
{
    uint64_t before = trap_last()->count;

    EXPECT_FAULT("wrmsr", : : "c"(msr), "a"((uint32_t)v),
                 "d"((uint32_t)(v >> 32)) : "memory");
    if (trap_last()->count == before) {
        return 0;
    }
    check(trap_last()->vector == 13, "the fault is #GP");
    return 1;
}

static int rdmsr_faults(uint32_t msr)
{
    uint64_t before = trap_last()->count;
    uint32_t lo, hi;

    EXPECT_FAULT("rdmsr", : "=a"(lo), "=d"(hi) : "c"(msr) : "memory");
    (void)lo, (void)hi;
    return trap_last()->count != before;
}

int main(const MultibootInfo *mbi)
{
    uint32_t r[4];
    uint64_t cap, cr4;
    unsigned banks;

    cpuid(1, 0, r);
    printf("CPUID MCE %u MCA %u\n", (r[3] >> 7) & 1, (r[3] >> 14) & 1);
    cap = rdmsr(MCG_CAP);
    banks = cap & 0xff;
    printf("MCG_CAP banks %u CTL_P %lu\n", banks, (cap >> 8) & 1);
    check(banks >= 1, "at least one bank");

    /* CR4.MCE can be set */
    __asm__ volatile("movq %%cr4, %0" : "=r"(cr4));
    __asm__ volatile("movq %0, %%cr4" : : "r"(cr4 | (1u << 6)));
    __asm__ volatile("movq %%cr4, %0" : "=r"(cr4));
    printf("CR4.MCE %lu\n", (cr4 >> 6) & 1);

    printf("MCG_STATUS %lx\n", rdmsr(MCG_STATUS));
    wrmsr(MCG_STATUS, 0);
    if (cap & (1u << 8)) {
        int f5 = wrmsr_faults(MCG_CTL, 5), f1 = wrmsr_faults(MCG_CTL, ~0ull);
        int f0 = wrmsr_faults(MCG_CTL, 0);
        printf("MCG_CTL write 5 faults %d, ~0 faults %d, 0 faults %d\n",
               f5, f1, f0);
        printf("MCG_CTL now %lx\n", rdmsr(MCG_CTL));
    }
    printf("MCG_CAP write faults %d\n", wrmsr_faults(MCG_CAP, cap));

    for (unsigned i = 1; i < 3; i++) {
        int bad = wrmsr_faults(MC_CTL(i), 0x1234);
        int zero = wrmsr_faults(MC_CTL(i), 0);
        int ones = wrmsr_faults(MC_CTL(i), ~0ull);
        printf("bank %u: CTL 0x1234 faults %d, 0 faults %d, ~0 faults %d\n",
               i, bad, zero, ones);
        zero = wrmsr_faults(MC_CTL(i) + 1, 0);
        bad = wrmsr_faults(MC_CTL(i) + 1, 1ull << 63);
        printf("bank %u: STATUS 0 faults %d, 1<<63 faults %d, reads %lx\n",
               i, zero, bad, rdmsr(MC_CTL(i) + 1));
        wrmsr(MC_CTL(i) + 2, 0x1000 * i);
        printf("bank %u: CTL %lx ADDR %lx\n", i, rdmsr(MC_CTL(i)),
               rdmsr(MC_CTL(i) + 2));
    }
    int rf = rdmsr_faults(MC_CTL(banks)), wf = wrmsr_faults(MC_CTL(banks), 0);
    printf("bank past the count: read faults %d, write faults %d\n", rf, wf);
    printf("mce: %s\n", check_failures() ? "FAILED" : "ok");
    return check_failures() ? 1 : 0x11;
}
