/*
 * m32-simd-state.c - simd-state-ops.h in 32-bit protected mode: FXSAVE
 * and XSAVE save XMM0-7 only and use the 32-bit FIP/FDP layout. The
 * expected output is the host CPU's running 32-bit code
 * (tests/guest/host/simd-oracle.c built -m32).
 * GUEST-SKIP kvm: this host's KVM stops with an emulation failure on x87 and most SSE instructions (the host oracle checks the expected output instead)
 */
#include "lib/guest32.h"

#define CR4_OSFXSR (1u << 9)
#define CR4_OSXSAVE (1u << 18)

#include "simd-state-ops.h"

int main(const MultibootInfo *mbi)
{
    uint32_t cr4;

    __asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
    __asm__ volatile("mov %0, %%cr4" : : "r"(cr4 | CR4_OSFXSR | CR4_OSXSAVE));
    __asm__ volatile("xsetbv" : : "c"(0), "a"(3), "d"(0));
    simd_state_run();
    return 0x10;
}
