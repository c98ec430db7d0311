/*
 * simd-state.c - FXSAVE/FXRSTOR, XSAVE/XSAVEC/XSAVEOPT/XRSTOR images and
 * the MMX view of the x87 registers (see simd-state-ops.h). The expected
 * output is the host CPU's (tests/guest/host/simd-oracle.c).
 * GUEST-SKIP kvm: this host's KVM stops with an emulation failure on x87 and most SSE instructions (the host oracle checks the expected output instead)
 */
#include "lib/guest.h"

#define CR4_OSFXSR (1ull << 9)
#define CR4_OSXSAVE (1ull << 18)

#include "simd-state-ops.h"

int main(const MultibootInfo *mbi)
{
    uint64_t cr4;

    __asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
    __asm__ volatile("mov %0, %%cr4" : : "r"(cr4 | CR4_OSFXSR | CR4_OSXSAVE));
    __asm__ volatile("xsetbv" : : "c"(0), "a"(3), "d"(0));
    simd_state_run();
    return 0x10;
}
