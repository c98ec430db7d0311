/*
 * x87-env64.c - the x87 environment and state images in 64-bit mode
 * (Intel SDM vol. 1 8.1.10, figures 8-9 and 8-10; vol. 2 FXSAVE tables
 * 3-53 and 3-56), which m32-x87-env.c checks in protected and real mode:
 *  - FNSTENV in 64-bit mode has the 32-bit protected-mode layout (28
 *    bytes): FIP and FDP keep only their low 32 bits, FCS holds the code
 *    selector with FOP in bits 16..26; with a 66h prefix the 14-byte one;
 *  - FXSAVE without REX.W (the legacy layout) also keeps 32-bit FIP/FDP
 *    beside FCS/FDS, FXSAVE64 (REX.W) the whole 64-bit FIP and FDP; FOP at
 *    offset 6; FXRSTOR64 brings the pointers back;
 *  - FNSAVE (108 bytes) reinitialises the unit, FRSTOR restores it;
 *    FLDENV with a tag word that empties ST(1) makes FXCH underflow;
 *  - the instruction runs through an alias of the code above 4 GiB (PDPT
 *    entry 4 maps the first GiB again), its memory operand through an
 *    alias of the data, so the 32- and 64-bit pointer formats differ;
 *  - exceptions around them: #MF at the next waiting instruction with
 *    FXSAVE64 naming the faulting one (FOP, 64-bit FIP and FDP); #NM for
 *    FNSTENV and FXSAVE64 with CR0.TS; #GP for a misaligned FXSAVE64 and
 *    FXRSTOR64; #XM for an unmasked SSE divide by zero (destination kept,
 *    MXCSR.ZE set).
 *
 * GUEST-SKIP kvm: this host's KVM stops with an emulation failure on x87 instructions
 */
#include "lib/guest.h"

#define CR0_TS (1ull << 3)
#define CR0_NE (1ull << 5)
#define CR4_OSFXSR (1ull << 9)
#define CR4_OSXMMEXCPT (1ull << 10)
#define ALIAS (1ull << 32)

typedef struct Env32 {
    uint32_t fcw, fsw, ftw, fip, fcs_fop, fdp, fds;
} Env32;

typedef struct Env16 {
    uint16_t fcw, fsw, ftw, fip, fcs, fdp, fds;
} Env16;

static double three = 3.0, zero = 0.0;
static uint16_t cw_some_unmasked = 0x0262;
static Env32 env32, env_back;
static Env16 env16;
static uint8_t fx_legacy[512] __attribute__((aligned(16)));
static uint8_t fx64[512] __attribute__((aligned(16)));
static uint8_t fx_mf[512] __attribute__((aligned(16)));
static uint8_t fx_bad[528] __attribute__((aligned(16)));
static uint8_t save108[108];
static uint64_t fadd_rip, fdiv_rip;

static uint64_t rd64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static uint32_t rd32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static uint16_t rd16(const uint8_t *p)
{
    uint16_t v;
    memcpy(&v, p, 2);
    return v;
}

/* Maps [4 GiB, 5 GiB) onto [0, 1 GiB): PDPT entry 4 = entry 0. */
static void map_alias(void)
{
    uint64_t cr3, *pml4, *pdpt;

    __asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
    pml4 = (uint64_t *)(uintptr_t)(cr3 & ~0xfffull);
    pdpt = (uint64_t *)(uintptr_t)(pml4[0] & ~0xfffull);
    pdpt[4] = pdpt[0];
    __asm__ volatile("mov %0, %%cr3" : : "r"(cr3) : "memory");
}

static void *alias(const void *p)
{
    return (void *)((uintptr_t)p + ALIAS);
}

/* Run through its alias: ST0 = 3 + 1 by an FADD whose RIP is above
   4 GiB, after an FLD whose operand is too; then every image. */
__attribute__((noinline)) static void images(const double *x)
{
    __asm__ volatile("fninit\n\tfldcw %[cw]\n\tfld1\n\tfldz\n\t"
                     "fldl (%[x])\n\t"
                     "lea 3f(%%rip), %%rax\n\tmov %%rax, %[ip]\n"
                     "3:\tfadd %%st(2), %%st\n\t"
                     "fxsave %[fxl]\n\tfxsave64 %[fx64]\n\t"
                     "fnstenv %[e32]\n\t"
                     "data16 fnstenv %[e16]"
                     : [e32] "=m"(env32), [e16] "=m"(env16),
                       [fxl] "=m"(fx_legacy), [fx64] "=m"(fx64),
                       [ip] "=m"(fadd_rip)
                     : [cw] "m"(cw_some_unmasked), [x] "r"(x)
                     : "rax", "memory");
}

/* Through its alias too: an unmasked divide by zero (recorded, not yet
   delivered: nothing here waits). */
__attribute__((noinline)) static void divide_by_zero(const double *z)
{
    static const uint16_t cw = 0x037b;      /* ZM clear */

    __asm__ volatile("fninit\n\tfldcw %[cw]\n\tfld1\n\t"
                     "lea 3f(%%rip), %%rax\n\tmov %%rax, %[ip]\n"
                     "3:\tfdivl (%[z])"
                     : [ip] "=m"(fdiv_rip)
                     : [cw] "m"(cw), [z] "D"(z)
                     : "rax", "memory");
}

static void check_fnstenv(void)
{
    uint32_t fdp_lo = (uint32_t)(uintptr_t)alias(&three);

    printf("fnstenv: fcw %08x fsw %08x ftw %08x fop %03x fcs %04x fds %04x\n",
           env32.fcw, env32.fsw, env32.ftw, env32.fcs_fop >> 16,
           env32.fcs_fop & 0xffff, env32.fds & 0xffff);
    printf("  fip = low half of the fadd's rip: %s, fdp = low half: %s\n",
           env32.fip == (uint32_t)fadd_rip ? "yes" : "no",
           env32.fdp == fdp_lo ? "yes" : "no");
    check(fadd_rip >> 32 == 1, "fadd runs above 4 GiB");
    check(env32.fip == (uint32_t)fadd_rip, "fnstenv fip");
    check(env32.fdp == fdp_lo, "fnstenv fdp");
    check(env32.fcs_fop >> 16 == 0x0c2, "fnstenv fop");
    check((env32.fcw & 0xffff) == 0x0262 && (env32.fsw & 0xffff) == 0x2800,
          "fnstenv fcw/fsw");
    printf("fnstenv 16: fcw %04x fsw %04x ftw %04x fip %s\n", env16.fcw,
           env16.fsw, env16.ftw,
           env16.fip == (uint16_t)fadd_rip ? "low 16 bits" : "other");
    check(env16.fip == (uint16_t)fadd_rip, "fnstenv 16 fip");
    check(env16.ftw == (env32.ftw & 0xffff), "fnstenv 16 ftw");
}

static void check_fxsave(void)
{
    uint64_t fdp = (uint64_t)(uintptr_t)alias(&three);

    printf("fxsave: fcw %04x fsw %04x ftw %02x fop %03x fip %s fcs %04x "
           "fdp %s fds %04x\n", rd16(fx_legacy), rd16(fx_legacy + 2),
           fx_legacy[4], rd16(fx_legacy + 6),
           rd32(fx_legacy + 8) == (uint32_t)fadd_rip ? "low32" : "other",
           rd16(fx_legacy + 12),
           rd32(fx_legacy + 16) == (uint32_t)fdp ? "low32" : "other",
           rd16(fx_legacy + 20));
    printf("fxsave64: fop %03x fip %s fdp %s\n", rd16(fx64 + 6),
           rd64(fx64 + 8) == fadd_rip ? "full" : "other",
           rd64(fx64 + 16) == fdp ? "full" : "other");
    check(rd32(fx_legacy + 8) == (uint32_t)fadd_rip, "fxsave fip");
    check(rd32(fx_legacy + 16) == (uint32_t)fdp, "fxsave fdp");
    check(rd16(fx_legacy + 6) == 0x0c2 && rd16(fx64 + 6) == 0x0c2,
          "fxsave fop");
    check(rd64(fx64 + 8) == fadd_rip, "fxsave64 fip");
    check(rd64(fx64 + 16) == fdp, "fxsave64 fdp");
    check(fx64[4] == 0xe0, "fxsave64 abridged tags");
}

static void fsave_frstor(void)
{
    uint16_t sw_after, cw_after;

    __asm__ volatile("fnsave %[s]\n\tfnstsw %[sw]\n\tfnstcw %[cw]\n\t"
                     "frstor %[s]\n\tfnstenv %[e]"
                     : [s] "+m"(save108), [sw] "=m"(sw_after),
                       [cw] "=m"(cw_after), [e] "=m"(env_back)
                     : : "memory");
    printf("fnsave: ST0 %04x:%016lx, fsw/fcw after %04x/%04x\n",
           rd16(save108 + 36), rd64(save108 + 28), sw_after, cw_after);
    printf("frstor: fsw %04x ftw %04x fop %03x fip back: %s\n",
           env_back.fsw & 0xffff, env_back.ftw & 0xffff,
           env_back.fcs_fop >> 16,
           env_back.fip == (uint32_t)fadd_rip ? "yes" : "no");
    check(rd64(save108 + 28) == 0x8000000000000000ull &&
          rd16(save108 + 36) == 0x4001, "fnsave ST0 = 4");
    check(sw_after == 0 && cw_after == 0x037f, "fnsave reinitialises");
    check(env_back.fip == (uint32_t)fadd_rip, "frstor fip");
    check((env_back.ftw & 0xffff) == (env32.ftw & 0xffff), "frstor ftw");
}

static void fldenv_underflow(void)
{
    Env32 e = env32;
    uint16_t sw;

    /* ST(0) stays valid, ST(1) (physical register TOP + 1) empty */
    e.ftw |= 3u << (2 * (((e.fsw >> 11) + 1) & 7));
    e.fcw = 0x037f;
    __asm__ volatile("fldenv %[e]\n\tfxch %%st(1)\n\tfnstsw %[sw]"
                     : [sw] "=m"(sw) : [e] "m"(e) : "memory");
    printf("fldenv with ST(1) empty, fxch: fsw %04x\n", sw);
    check((sw & 0x41) == 0x41 && !(sw & 0x200), "fxch underflow");
}

static void fxrstor64_pointers(void)
{
    uint8_t back[512] __attribute__((aligned(16)));

    __asm__ volatile("fninit\n\tfxrstor64 %[img]\n\tfxsave64 %[out]"
                     : [out] "=m"(back) : [img] "m"(fx64) : "memory");
    printf("fxrstor64: fip and fdp back: %s\n",
           rd64(back + 8) == fadd_rip &&
           rd64(back + 16) == rd64(fx64 + 16) ? "yes" : "no");
    check(rd64(back + 8) == fadd_rip, "fxrstor64 fip");
}

/* The vector the block raised since count n, or -1. */
static long fault_since(uint64_t n)
{
    return trap_last()->count == n ? -1 : (long)trap_last()->vector;
}

static void math_fault(void)
{
    uint64_t n = trap_last()->count;
    long v;

    set_cr0(get_cr0() | CR0_NE);
    void (*dz)(const double *) = alias((const void *)divide_by_zero);
    dz(alias(&zero));
    EXPECT_FAULT("fwait", : : : "memory");
    v = fault_since(n);
    __asm__ volatile("fxsave64 %0\n\tfnclex" : "=m"(fx_mf) : : "memory");
    printf("#MF at fwait: %ld; fsw %04x fop %03x fip %s fdp %s\n", v,
           rd16(fx_mf + 2), rd16(fx_mf + 6),
           rd64(fx_mf + 8) == fdiv_rip ? "the fdiv" : "other",
           rd64(fx_mf + 16) == (uint64_t)(uintptr_t)alias(&zero) ?
               "its operand" : "other");
    check(v == 16, "#MF");
    check(rd64(fx_mf + 8) == fdiv_rip, "#MF fip");
    check(rd16(fx_mf + 6) == 0x437, "#MF fop (dc 37: fdivl (%rdi))");
}

static void not_available(void)
{
    uint64_t n;
    long a, b;

    set_cr0(get_cr0() | CR0_TS);
    n = trap_last()->count;
    EXPECT_FAULT("fnstenv %0", : "=m"(env_back) : : "memory");
    a = fault_since(n);
    n = trap_last()->count;
    EXPECT_FAULT("fxsave64 %0", : "=m"(fx_bad) : : "memory");
    b = fault_since(n);
    __asm__ volatile("clts");
    printf("CR0.TS: fnstenv %ld, fxsave64 %ld\n", a, b);
    check(a == 7 && b == 7, "#NM");
}

static void misaligned(void)
{
    uint64_t n = trap_last()->count;
    long a, b;

    EXPECT_FAULT("fxsave64 (%0)", : : "r"(fx_bad + 8) : "memory");
    a = fault_since(n);
    n = trap_last()->count;
    EXPECT_FAULT("fxrstor64 (%0)", : : "r"(fx_bad + 8) : "memory");
    b = fault_since(n);
    printf("misaligned: fxsave64 %ld, fxrstor64 %ld\n", a, b);
    check(a == 13 && b == 13, "alignment #GP");
}

static void simd_fault(void)
{
    static const double one = 1.0, z = 0.0;
    uint32_t mx = 0x1d80, after;     /* ZM clear */
    uint64_t n = trap_last()->count, dest;
    long v;

    set_cr4(get_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
    EXPECT_FAULT("ldmxcsr %[mx]\n\tmovsd %[one], %%xmm1\n\t"
                 "divsd %[z], %%xmm1",
                 : : [mx] "m"(mx), [one] "m"(one), [z] "m"(z)
                 : "memory");     /* xmm1: general-regs-only code has
                                     no XMM register to clobber */
    v = fault_since(n);
    __asm__ volatile("stmxcsr %0\n\tmovq %%xmm1, %1"
                     : "=m"(after), "=r"(dest) : : "memory");
    mx = 0x1f80;
    __asm__ volatile("ldmxcsr %0" : : "m"(mx));
    printf("#XM: %ld, mxcsr %04x, xmm1 kept: %s\n", v, after,
           dest == 0x3ff0000000000000ull ? "yes" : "no");
    check(v == 19 && (after & 0x3f) == 0x04, "#XM");
    check(dest == 0x3ff0000000000000ull, "#XM keeps the destination");
}

int main(const MultibootInfo *mbi)
{
    set_cr4(get_cr4() | CR4_OSFXSR);
    map_alias();
    void (*run)(const double *) = alias((const void *)images);
    run(alias(&three));
    check_fnstenv();
    check_fxsave();
    fsave_frstor();
    fldenv_underflow();
    fxrstor64_pointers();
    math_fault();
    not_available();
    misaligned();
    simd_fault();
    printf("x87-env64: ok\n");
    return 0;
}
