/*
 * simd-int.c - MMX/SSE integer instructions over edge values, one hash
 * per instruction form (see simd-int-ops.h). The expected output is the
 * host CPU's (tests/guest/host/simd-oracle.c, checked by make check).
 * GUEST-SKIP kvm: this host's KVM stops with an emulation failure on PADDB and most other SSE instructions (the host oracle checks the expected output instead)
 */
#include "lib/guest.h"

#define CR4_OSFXSR (1ull << 9)

#include "simd-int-ops.h"

int main(const MultibootInfo *mbi)
{
    uint64_t cr4;

    __asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
    __asm__ volatile("mov %0, %%cr4" : : "r"(cr4 | CR4_OSFXSR));
    simd_int_run();
    return 0x10;
}
