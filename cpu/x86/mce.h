/*
 * Machine-check architecture MSRs (Intel SDM Vol. 3B, chapter 15; the
 * MSRs in Vol. 4), the ones CPUID.1:EDX.MCE/MCA promise. Kite never
 * raises a machine check; these MSRs exist so a kernel's MCE setup and
 * polling find what the CPUID bits say:
 *
 *   IA32_MCG_CAP (0x179)     read-only: MCE_BANKS banks, MCG_CTL_P and
 *                            MCG_SER_P (QEMU's default model); a write #GPs.
 *   IA32_MCG_STATUS (0x17a)  read/write.
 *   IA32_MCG_CTL (0x17b)     present because MCG_CTL_P: all-zeros or
 *                            all-ones only, anything else #GPs.
 *   IA32_MCi_CTL (0x400+4i)  all-zeros or all-ones (bits 0 and 10 may
 *                            differ: kernels clear bit 10 of bank 4 for
 *                            an old AMD erratum, as KVM accepts).
 *   IA32_MCi_STATUS (+1)     only 0 may be written (clearing a log);
 *                            a non-zero write #GPs, as on Intel CPUs.
 *   IA32_MCi_ADDR/MISC (+2/+3) read/write.
 * A bank number at or above MCE_BANKS, and MCi_CTL2 (no CMCI), #GP.
 * These are the rules KVM applies, so both accelerators agree.
 */
#ifndef KITE_X86_MCE_H
#define KITE_X86_MCE_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/x86/cpu.h"

#define MSR_IA32_MCG_CAP     0x00000179
#define MSR_IA32_MCG_STATUS  0x0000017a
#define MSR_IA32_MCG_CTL     0x0000017b
#define MSR_IA32_MC0_CTL     0x00000400

#define MCG_CTL_P            (1ull << 8)
#define MCG_SER_P            (1ull << 24)
#define MCG_CAP_VALUE        (MCG_CTL_P | MCG_SER_P | MCE_BANKS)

/* Whether msr is one of the machine-check MSRs modelled here. */
bool x86_mce_msr(uint32_t msr);
/* Returns 0, or -1 for #GP. */
int x86_mce_read(const X86CPUState *st, uint32_t msr, uint64_t *val);
int x86_mce_write(X86CPUState *st, uint32_t msr, uint64_t val);
/* Power-on values: every control all-ones, every log empty. */
void x86_mce_reset(X86CPUState *st);

#endif
