/*
 * m32-a20.c - the A20 gate through port 0x92 ("fast A20", bit 1), checked
 * from real mode by the trampoline of m32-realmode.c: with the gate off,
 * linear addresses wrap at 1 MiB, so a write to FFFF:0010 (0x100000) is
 * seen at 0000:0000; port 0x92 reads back the bit.
 *
 * GUEST-SKIP kvm: KVM has no A20 gate (addresses never wrap at 1 MiB under KVM, as under QEMU)
 */
#define REALMODE_A20 1
#include "m32-realmode.c"
