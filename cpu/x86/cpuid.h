/*
 * The CPUID model of Kite's TCG CPU (Intel SDM Vol. 2A, CPUID; AMD APM
 * Vol. 3 for the 8000_00xxh leaves). It advertises exactly what the TCG
 * implements: a feature bit is added here when its instructions, control
 * bits or MSRs land, and the CR4 bits a guest may set follow from it.
 */
#ifndef KITE_X86_CPUID_H
#define KITE_X86_CPUID_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/x86/tcg-cpu.h"

/* Identification: family 6, model 6, stepping 3 ("GenuineIntel"). */
#define CPUID_VENDOR      "GenuineIntel"
#define CPUID_FAMILY      6
#define CPUID_MODEL       6
#define CPUID_STEPPING    3
#define CPUID_BRAND       "Kite Virtual CPU"
#define CPUID_PHYS_BITS   40     /* MAXPHYADDR */
#define CPUID_VIRT_BITS   48

/* Leaf 1 EDX */
#define CPUID_1D_FPU     (1u << 0)
#define CPUID_1D_DE      (1u << 2)
#define CPUID_1D_PSE     (1u << 3)
#define CPUID_1D_TSC     (1u << 4)
#define CPUID_1D_MSR     (1u << 5)
#define CPUID_1D_PAE     (1u << 6)
#define CPUID_1D_MCE     (1u << 7)
#define CPUID_1D_CX8     (1u << 8)
#define CPUID_1D_APIC    (1u << 9)
#define CPUID_1D_SEP     (1u << 11)
#define CPUID_1D_MTRR    (1u << 12)
#define CPUID_1D_PGE     (1u << 13)
#define CPUID_1D_MCA     (1u << 14)
#define CPUID_1D_CMOV    (1u << 15)
#define CPUID_1D_PAT     (1u << 16)
#define CPUID_1D_CLFLUSH (1u << 19)
#define CPUID_1D_MMX     (1u << 23)
#define CPUID_1D_FXSR    (1u << 24)
#define CPUID_1D_SSE     (1u << 25)
#define CPUID_1D_SSE2    (1u << 26)
/* Leaf 1 ECX */
#define CPUID_1C_SSE3         (1u << 0)
#define CPUID_1C_SSSE3        (1u << 9)
#define CPUID_1C_SSE41        (1u << 19)
#define CPUID_1C_SSE42        (1u << 20)
#define CPUID_1C_CX16         (1u << 13)
#define CPUID_1C_X2APIC       (1u << 21)
#define CPUID_1C_MOVBE        (1u << 22)
#define CPUID_1C_POPCNT       (1u << 23)
#define CPUID_1C_TSC_DEADLINE (1u << 24)
#define CPUID_1C_XSAVE        (1u << 26)
#define CPUID_1C_OSXSAVE      (1u << 27)
#define CPUID_1C_HYPERVISOR   (1u << 31)
/* Leaf 0Dh subleaf 1 EAX */
#define CPUID_D1A_XSAVEOPT (1u << 0)
#define CPUID_D1A_XSAVEC   (1u << 1)
/* Leaf 6 EAX */
#define CPUID_6A_ARAT    (1u << 2)
/* Leaf 7.0 EBX / ECX */
#define CPUID_7B_FSGSBASE   (1u << 0)
#define CPUID_7B_TSC_ADJUST (1u << 1)
#define CPUID_7B_SMEP       (1u << 7)
#define CPUID_7B_SMAP       (1u << 20)
#define CPUID_7C_UMIP       (1u << 2)
#define CPUID_7D_ARCH_CAP   (1u << 29)    /* IA32_ARCH_CAPABILITIES */
/* Leaf 8000_0001h ECX / EDX */
#define CPUID_81C_LAHF_LM (1u << 0)
#define CPUID_81C_ABM     (1u << 5)
#define CPUID_81D_SYSCALL (1u << 11)
#define CPUID_81D_NX      (1u << 20)
#define CPUID_81D_PDPE1GB (1u << 26)
#define CPUID_81D_RDTSCP  (1u << 27)
#define CPUID_81D_LM      (1u << 29)
/* Leaf 8000_0007h EDX */
#define CPUID_87D_INVTSC  (1u << 8)

/* What is advertised (the one place to change when a feature lands). */
#define KITE_CPUID_1D (CPUID_1D_FPU | CPUID_1D_DE | CPUID_1D_PSE |          \
                       CPUID_1D_TSC | CPUID_1D_MSR | CPUID_1D_PAE |         \
                       CPUID_1D_CX8 |                                       \
                       CPUID_1D_APIC | CPUID_1D_SEP | CPUID_1D_MTRR |       \
                       CPUID_1D_PGE | CPUID_1D_CMOV | CPUID_1D_PAT |        \
                       CPUID_1D_CLFLUSH | CPUID_1D_MCE | CPUID_1D_MCA |     \
                       CPUID_1D_MMX | CPUID_1D_FXSR | CPUID_1D_SSE |        \
                       CPUID_1D_SSE2)
#define KITE_CPUID_1C (CPUID_1C_SSE3 | CPUID_1C_SSSE3 | CPUID_1C_SSE41 |    \
                       CPUID_1C_SSE42 | CPUID_1C_CX16 | CPUID_1C_X2APIC |   \
                       CPUID_1C_MOVBE | CPUID_1C_POPCNT |                   \
                       CPUID_1C_TSC_DEADLINE | CPUID_1C_XSAVE |             \
                       CPUID_1C_HYPERVISOR)
/* XSAVE features (leaf 0Dh.1 EAX); XCR0 components: cpu/x86/xsave.h */
#define KITE_CPUID_D1A (CPUID_D1A_XSAVEOPT | CPUID_D1A_XSAVEC)
#define KITE_CPUID_6A  CPUID_6A_ARAT
#define KITE_CPUID_7B  CPUID_7B_TSC_ADJUST
#define KITE_CPUID_7C  CPUID_7C_UMIP
#define KITE_CPUID_7D  CPUID_7D_ARCH_CAP
/*
 * IA32_ARCH_CAPABILITIES (MSR 10Ah): a translated CPU has none of the
 * speculative-execution and buffer-sampling weaknesses these bits rule
 * out, so a guest skips their costly mitigations (page-table isolation
 * on every kernel entry, buffer clearing, return thunks): RDCL_NO,
 * SSB_NO, MDS_NO, IF_PSCHANGE_MC_NO, TAA_NO, SBDR_SSDP_NO, FBSDP_NO,
 * PSDP_NO, BHI_NO, PBRSB_NO, GDS_NO, RFDS_NO, ITS_NO.
 */
#define KITE_ARCH_CAPABILITIES                                            \
    ((1ull << 0) | (1ull << 4) | (1ull << 5) | (1ull << 6) | (1ull << 8) | \
     (1ull << 13) | (1ull << 14) | (1ull << 15) | (1ull << 20) |          \
     (1ull << 24) | (1ull << 26) | (1ull << 27) | (1ull << 62))
#define KITE_CPUID_81C (CPUID_81C_LAHF_LM | CPUID_81C_ABM)
#define KITE_CPUID_81D (CPUID_81D_SYSCALL | CPUID_81D_NX | CPUID_81D_RDTSCP | \
                        CPUID_81D_LM)
#define KITE_CPUID_87D CPUID_87D_INVTSC

#define KITE_CPUID_MAX_BASIC 0x16    /* up to the TSC/frequency leaves */
/* Leaf 15h: the TSC is CPUID_TSC_RATIO times a 25 MHz "crystal", so
   ECX * EBX / EAX = PC_TSC_HZ; leaf 16h gives the same in MHz. */
#define CPUID_CRYSTAL_HZ  25000000u
#define CPUID_BUS_MHZ     100u
#define KITE_CPUID_MAX_EXT   0x80000008u

/*
 * Features whose instructions the TCG runs although CPUID does not
 * advertise them yet. A guest that probes CPUID does not use them; tests
 * may. Leaf 1 EDX / ECX bits. (None now: every SSE level up to SSE4.2 is
 * complete and advertised.)
 */
#define KITE_TCG_EXTRA_1D 0u
#define KITE_TCG_EXTRA_1C 0u

/* Whether the TCG runs the instructions of decoder feature feat
   (X86Feature): advertised in CPUID or listed just above. */
bool x86_tcg_has_feature(unsigned feat);

/* Fills out[0..3] = EAX, EBX, ECX, EDX for leaf/subleaf on this vCPU. */
void x86_cpuid(const CPUX86TCG *env, uint32_t leaf, uint32_t subleaf,
               uint32_t out[4]);
/*
 * The model itself, before -cpu changes it (a CpuidSource: what -cpu
 * flags the TCG can provide); opaque is unused.
 */
void x86_cpuid_model(void *opaque, uint32_t leaf, uint32_t subleaf,
                     uint32_t out[4]);
/* The CR4 bits a guest may set with the features above. */
uint64_t x86_cr4_valid_mask(void);

#endif
