/*
 * The CPUID model of Kite's TCG CPU (Intel SDM Vol. 2A, CPUID; leaf 0Bh
 * topology per SDM Vol. 3A 10.9.2). Leaves above the maximum, and leaves
 * below it that describe nothing we model (2-5, 8-0Ah), read as zero.
 * Features advertised: see cpuid.h.
 */
#include "cpu/x86/cpuid.h"

#include <string.h>

#include "cpu/x86/decode.h"
#include "cpu/x86/xsave.h"
#include "hw/intc/intc.h"
#include "hw/pc/pc.h"

static void cpuid_put_str(uint32_t *regs, int n, const char *s, size_t off)
{
    char buf[48] = { 0 };
    size_t len = strlen(s);

    if (off < len) {
        memcpy(buf, s + off, MIN(len - off, (size_t)n * 4));
    }
    memcpy(regs, buf, (size_t)n * 4);
}

static uint32_t cpuid_ncpus(const CPUX86TCG *env)
{
    return env->machine && env->machine->ncpus > 0 ? env->machine->ncpus : 1;
}

static uint32_t cpuid_apic_id(const CPUX86TCG *env)
{
    return env->cpu ? (uint32_t)env->cpu->index : 0;
}

/* Bits needed to number n logical processors. */
static uint32_t cpuid_id_bits(uint32_t n)
{
    uint32_t b = 0;

    while ((1u << b) < n) {
        b++;
    }
    return b;
}

static void cpuid_leaf0(uint32_t out[4])
{
    const char *v = CPUID_VENDOR;

    out[0] = KITE_CPUID_MAX_BASIC;
    memcpy(&out[1], v, 4);
    memcpy(&out[3], v + 4, 4);
    memcpy(&out[2], v + 8, 4);
}

static void cpuid_leaf1(const CPUX86TCG *env, uint32_t out[4])
{
    uint32_t n = cpuid_ncpus(env);

    out[0] = CPUID_STEPPING | (CPUID_MODEL << 4) | (CPUID_FAMILY << 8);
    out[1] = (8u << 8) | (MIN(n, 255u) << 16) | ((cpuid_apic_id(env) & 0xff) << 24);
    out[2] = KITE_CPUID_1C;
    out[3] = KITE_CPUID_1D;
    if (!(env->st.apic_base & MSR_APICBASE_ENABLE)) {
        out[3] &= ~CPUID_1D_APIC;     /* APIC globally disabled */
    }
    if (n > 1) {
        out[3] |= 1u << 28;           /* HTT: the EBX count is valid */
    }
    if ((KITE_CPUID_1C & CPUID_1C_XSAVE) && (env->st.cr4 & CR4_OSXSAVE)) {
        out[2] |= CPUID_1C_OSXSAVE;
    }
}

/* Leaf 0Dh: XCR0 may hold x87 and SSE, both in the 512-byte legacy
   region, so every size is that plus the 64-byte header. */
static void cpuid_leaf_d(uint32_t sub, uint32_t out[4])
{
    if (!(KITE_CPUID_1C & CPUID_1C_XSAVE)) {
        return;
    }
    if (sub == 0) {
        out[0] = (uint32_t)X86_XCR0_SUPPORTED;
        out[1] = X86_XSAVE_SIZE;        /* for the features XCR0 enables */
        out[2] = X86_XSAVE_SIZE;        /* for every supported feature */
    } else if (sub == 1) {
        out[0] = KITE_CPUID_D1A;
        out[1] = X86_XSAVE_SIZE;        /* compacted, XCR0 | IA32_XSS */
    }
}

static void cpuid_leaf_b(const CPUX86TCG *env, uint32_t sub, uint32_t out[4])
{
    uint32_t n = cpuid_ncpus(env);

    out[3] = cpuid_apic_id(env);
    if (sub == 0) {                   /* SMT level: one thread per core */
        out[0] = 0;
        out[1] = 1;
        out[2] = (1u << 8) | sub;
    } else if (sub == 1) {            /* core level: every vCPU a core */
        out[0] = cpuid_id_bits(n);
        out[1] = n;
        out[2] = (2u << 8) | sub;
    } else {
        out[0] = out[1] = 0;
        out[2] = sub & 0xff;
    }
}

/*
 * Leaves 15h and 16h: the TSC frequency (PC_TSC_HZ, the rate at which the
 * TSC follows the virtual clock), so a guest knows it without calibrating
 * against the PIT, whose short windows host scheduling can spoil.
 */
static void cpuid_leaf_tsc(uint32_t leaf, uint32_t out[4])
{
    uint32_t mhz = (uint32_t)(PC_TSC_HZ / 1000000u);

    if (leaf == 0x15) {
        out[0] = 1;                                   /* denominator */
        out[1] = (uint32_t)(PC_TSC_HZ / CPUID_CRYSTAL_HZ);  /* numerator */
        out[2] = CPUID_CRYSTAL_HZ;
    } else {
        out[0] = mhz;                                 /* base */
        out[1] = mhz;                                 /* maximum */
        out[2] = CPUID_BUS_MHZ;                       /* bus (reference) */
    }
}

static void x86_cpuid_base(const CPUX86TCG *env, uint32_t leaf, uint32_t sub,
                           uint32_t out[4])
{
    memset(out, 0, 4 * sizeof(uint32_t));
    switch (leaf) {
    case 0:
        cpuid_leaf0(out);
        break;
    case 1:
        cpuid_leaf1(env, out);
        break;
    case 6:
        out[0] = KITE_CPUID_6A;
        break;
    case 7:
        if (sub == 0) {
            out[1] = KITE_CPUID_7B;
            out[2] = KITE_CPUID_7C;
            out[3] = KITE_CPUID_7D;
        }
        break;
    case 0xb:
        cpuid_leaf_b(env, sub, out);
        break;
    case 0xd:
        cpuid_leaf_d(sub, out);
        break;
    case 0x15:
    case 0x16:
        cpuid_leaf_tsc(leaf, out);
        break;
    case 0x80000000u:
        out[0] = KITE_CPUID_MAX_EXT;
        break;
    case 0x80000001u:
        out[2] = KITE_CPUID_81C;
        out[3] = KITE_CPUID_81D;
        break;
    case 0x80000002u:
    case 0x80000003u:
    case 0x80000004u:
        cpuid_put_str(out, 4, CPUID_BRAND, (leaf - 0x80000002u) * 16);
        break;
    case 0x80000007u:
        out[3] = KITE_CPUID_87D;
        break;
    case 0x80000008u:
        out[0] = CPUID_PHYS_BITS | (CPUID_VIRT_BITS << 8);
        break;
    default:
        break;
    }
}

bool x86_tcg_has_feature(unsigned feat)
{
    const uint32_t d = KITE_CPUID_1D | KITE_TCG_EXTRA_1D;
    const uint32_t c = KITE_CPUID_1C | KITE_TCG_EXTRA_1C;

    switch (feat) {
    case X86_FEAT_NONE: return true;
    case X86_FEAT_X87: return d & CPUID_1D_FPU;
    case X86_FEAT_MMX: return d & CPUID_1D_MMX;
    case X86_FEAT_FXSR: return d & CPUID_1D_FXSR;
    case X86_FEAT_SSE: return d & CPUID_1D_SSE;
    case X86_FEAT_SSE2: return d & CPUID_1D_SSE2;
    case X86_FEAT_SSE3: return c & CPUID_1C_SSE3;
    case X86_FEAT_SSSE3: return c & CPUID_1C_SSSE3;
    case X86_FEAT_SSE41: return c & CPUID_1C_SSE41;
    case X86_FEAT_SSE42: return c & CPUID_1C_SSE42;
    case X86_FEAT_POPCNT: return c & CPUID_1C_POPCNT;
    case X86_FEAT_CX16: return c & CPUID_1C_CX16;
    case X86_FEAT_XSAVE: return c & CPUID_1C_XSAVE;
    case X86_FEAT_XSAVEOPT:
        return (c & CPUID_1C_XSAVE) && (KITE_CPUID_D1A & CPUID_D1A_XSAVEOPT);
    case X86_FEAT_XSAVEC:
        return (c & CPUID_1C_XSAVE) && (KITE_CPUID_D1A & CPUID_D1A_XSAVEC);
    default: return false;
    }
}

void x86_cpuid(const CPUX86TCG *env, uint32_t leaf, uint32_t sub,
               uint32_t out[4])
{
    x86_cpuid_base(env, leaf, sub, out);
    if (env->machine) {
        cpu_config_apply(&env->machine->cfg.cpu, leaf, sub, out);  /* -cpu */
    }
}

void x86_cpuid_model(void *opaque, uint32_t leaf, uint32_t sub,
                     uint32_t out[4])
{
    CPUX86TCG env;

    memset(&env, 0, sizeof(env));
    env.st.apic_base = MSR_APICBASE_ENABLE;
    x86_cpuid_base(&env, leaf, sub, out);
}

uint64_t x86_cr4_valid_mask(void)
{
    uint64_t m = CR4_PCE;

    if (KITE_CPUID_1D & CPUID_1D_TSC) {
        m |= CR4_TSD;
    }
    if (KITE_CPUID_1D & CPUID_1D_DE) {
        m |= CR4_DE;
    }
    if (KITE_CPUID_1D & CPUID_1D_PSE) {
        m |= CR4_PSE;
    }
    if (KITE_CPUID_1D & CPUID_1D_PAE) {
        m |= CR4_PAE;
    }
    if (KITE_CPUID_1D & CPUID_1D_PGE) {
        m |= CR4_PGE;
    }
    if (KITE_CPUID_1D & CPUID_1D_MCE) {
        m |= CR4_MCE;
    }
    if ((KITE_CPUID_1D | KITE_TCG_EXTRA_1D) & CPUID_1D_FXSR) {
        m |= CR4_OSFXSR;
    }
    if ((KITE_CPUID_1D | KITE_TCG_EXTRA_1D) & CPUID_1D_SSE) {
        m |= CR4_OSXMMEXCPT;
    }
    if ((KITE_CPUID_1C | KITE_TCG_EXTRA_1C) & CPUID_1C_XSAVE) {
        m |= CR4_OSXSAVE;
    }
    if (KITE_CPUID_7B & CPUID_7B_FSGSBASE) {
        m |= CR4_FSGSBASE;
    }
    if (KITE_CPUID_7B & CPUID_7B_SMEP) {
        m |= CR4_SMEP;
    }
    if (KITE_CPUID_7B & CPUID_7B_SMAP) {
        m |= CR4_SMAP;
    }
    if (KITE_CPUID_7C & CPUID_7C_UMIP) {
        m |= CR4_UMIP;
    }
    return m;
}
