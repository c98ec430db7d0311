/*
 * ssefp.c - SSE floating point under MXCSR (Intel SDM Vol. 1, 10.2.3
 * "MXCSR Control and Status Register", 11.5 "SSE, SSE2 and SSE3
 * Exceptions"): the rounding control on arithmetic, conversions and
 * ROUNDSS, flush-to-zero and denormals-are-zero, sticky flags, and
 * unmasked exceptions: #XM with CR4.OSXMMEXCPT set, #UD without, the
 * destination, general register or EFLAGS left alone, only the
 * pre-computation flags when a pre-computation exception is unmasked, no
 * precision flag for an exact result that overflows unmasked. The body
 * (ssefp-ops.h) also runs on the host CPU (make check-ssefp-oracle); the
 * CR4.OSXMMEXCPT = 0 part (#UD) only here.
 * GUEST-SKIP kvm: this host's KVM stops with an emulation failure on LDMXCSR and most SSE instructions (the host oracle checks the expected output instead)
 */
#include "lib/guest.h"
#include "ssefp-ops.h"

#define CR4_OSFXSR     (1ull << 9)
#define CR4_OSXMMEXCPT (1ull << 10)

int main(const MultibootInfo *mbi)
{
    uint32_t r;
    int64_t vec;

    set_cr4(get_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
    ssefp_run();
    set_cr4(get_cr4() & ~CR4_OSXMMEXCPT);
    set_mxcsr(MX_UNMASK(ZE));
    vec = divss(0x3f800000, 0, &r);
    report("OSXMMEXCPT=0: divss 1/0", vec, r);
    set_mxcsr(MX_DEFAULT);
    vec = divss(0x3f800000, 0, &r);
    report("OSXMMEXCPT=0: masked", vec, r);
    printf("ssefp done\n");
    return check_failures() ? 1 : 0x10;
}
