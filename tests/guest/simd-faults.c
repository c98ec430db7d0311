/*
 * simd-faults.c - the exceptions of the state-management instructions
 * (Intel SDM vol. 2 LDMXCSR, FXSAVE, FXRSTOR, XSAVE, XRSTOR, XGETBV,
 * XSETBV; vol. 1 13.3 for XCR0): #GP(0) on reserved MXCSR bits, on a
 * misaligned FXSAVE/FXRSTOR (16) or XSAVE/XRSTOR (64) area, on a bad
 * XSAVE header and on an XCR0 value or index XSETBV refuses; #NM with
 * CR0.TS (and CR0.EM for FXSAVE); #UD with CR4.OSXSAVE clear; CPUID's
 * OSXSAVE bit following CR4; Kite's MXCSR_MASK. A faulting restore must
 * leave the state as it was, and a 16-byte access that runs into a page
 * that is not present faults there (CR2 = that page) without writing the
 * part in the first page (as the host CPU does, seen from user space).
 * GUEST-SKIP kvm: this host's KVM stops with an emulation failure when LDMXCSR raises #GP
 */
#include "lib/guest.h"

#define CR0_EM (1ull << 2)
#define CR0_TS (1ull << 3)
#define CR4_OSFXSR (1ull << 9)
#define CR4_OSXSAVE (1ull << 18)

static uint8_t area[2048] __attribute__((aligned(64)));
static uint8_t img[1024] __attribute__((aligned(64)));

/* The vector the last block raised since count n, or -1. */
static long fault_since(uint64_t n)
{
    return trap_last()->count == n ? -1 : (long)trap_last()->vector;
}

static long try_ldmxcsr(uint32_t v)
{
    uint64_t n = trap_last()->count;
    EXPECT_FAULT("ldmxcsr %0", : : "m"(v) : "memory");
    return fault_since(n);
}

static long try_fxsave(void *p)
{
    uint64_t n = trap_last()->count;
    EXPECT_FAULT("fxsave (%0)", : : "r"(p) : "memory");
    return fault_since(n);
}

static long try_fxrstor(void *p)
{
    uint64_t n = trap_last()->count;
    EXPECT_FAULT("fxrstor (%0)", : : "r"(p) : "memory");
    return fault_since(n);
}

static long try_xsave(void *p)
{
    uint64_t n = trap_last()->count;
    EXPECT_FAULT("xsave (%0)", : : "r"(p), "a"(3), "d"(0) : "memory");
    return fault_since(n);
}

static long try_xrstor(void *p)
{
    uint64_t n = trap_last()->count;
    EXPECT_FAULT("xrstor (%0)", : : "r"(p), "a"(3), "d"(0) : "memory");
    return fault_since(n);
}

static long try_xsetbv(uint32_t ecx, uint32_t eax, uint32_t edx)
{
    uint64_t n = trap_last()->count;
    EXPECT_FAULT("xsetbv", : : "c"(ecx), "a"(eax), "d"(edx) : "memory");
    return fault_since(n);
}

static long try_xgetbv(uint32_t ecx, uint64_t *v)
{
    uint64_t n = trap_last()->count;
    uint32_t lo = 0, hi = 0;
    EXPECT_FAULT("xgetbv", : "+a"(lo), "+d"(hi) : "c"(ecx) : "memory");
    *v = (uint64_t)hi << 32 | lo;
    return fault_since(n);
}

static uint32_t stmxcsr(void)
{
    uint32_t v;
    __asm__ volatile("stmxcsr %0" : "=m"(v));
    return v;
}

static void test_mxcsr(void)
{
    printf("ldmxcsr 0x1f80 %ld, bit 16 %ld, bit 31 %ld, DAZ %ld\n",
           try_ldmxcsr(0x1f80), try_ldmxcsr(0x11f80),
           try_ldmxcsr(0x80001f80u), try_ldmxcsr(0x1fc0));
    printf("mxcsr now %08x (#GP error %lu)\n", stmxcsr(),
           trap_last()->error);
    __asm__ volatile("ldmxcsr %0" : : "m"((uint32_t){ 0x1f80 }));
}

static void test_fx(void)
{
    uint64_t cr0 = get_cr0();

    memset(area, 0, sizeof(area));
    printf("fxsave +0 %ld +16 %ld +8 %ld\n", try_fxsave(area),
           try_fxsave(area + 16), try_fxsave(area + 8));
    printf("mxcsr_mask %08x\n", *(uint32_t *)(area + 28));
    memcpy(img, area, 512);
    *(uint32_t *)(img + 24) = 0x10000;          /* reserved MXCSR bit */
    *(uint32_t *)(img + 160) = 0x12345678;      /* XMM0 would change */
    printf("fxrstor bad mxcsr %ld, +8 %ld\n", try_fxrstor(img),
           try_fxrstor(area + 8));
    try_fxsave(area + 512);
    check(memcmp(area, area + 512, 512) == 0, "faulting FXRSTOR kept state");
    set_cr0(cr0 | CR0_TS);
    printf("TS=1: fxsave %ld fxrstor %ld ldmxcsr %ld xsave %ld\n",
           try_fxsave(area), try_fxrstor(area), try_ldmxcsr(0x1f80),
           try_xsave(area));
    set_cr0(cr0 | CR0_EM);
    printf("EM=1: fxsave %ld fxrstor %ld ldmxcsr %ld xsave %ld\n",
           try_fxsave(area), try_fxrstor(area), try_ldmxcsr(0x1f80),
           try_xsave(area));
    set_cr0(cr0);
}

static void test_xsave(void)
{
    uint64_t v = 0;

    memset(area, 0, sizeof(area));
    printf("xsave +0 %ld +32 %ld +16 %ld\n", try_xsave(area),
           try_xsave(area + 32), try_xsave(area + 16));
    memcpy(img, area, 576);
    printf("xrstor ok %ld +32 %ld\n", try_xrstor(img), try_xrstor(area + 32));
    img[520] = 1;                               /* XCOMP_BV, standard form */
    printf("xrstor xcomp_bv %ld", try_xrstor(img));
    img[520] = 0;
    img[530] = 1;                               /* header bytes 16..23 */
    printf(" hdr16 %ld", try_xrstor(img));
    img[530] = 0;
    img[512] = 4;                               /* XSTATE_BV beyond XCR0 */
    printf(" bv4 %ld", try_xrstor(img));
    img[512] = 3;
    *(uint32_t *)(img + 24) = 0x40000;          /* reserved MXCSR bit */
    printf(" mxcsr %ld\n", try_xrstor(img));
    *(uint32_t *)(img + 24) = 0x1f80;
    printf("xgetbv 0: %ld", try_xgetbv(0, &v));
    printf(" %lx;", v);
    printf(" 1: %ld\n", try_xgetbv(1, &v));
    printf("xsetbv 1 %ld, 2 %ld, 7 %ld, 3 hi %ld, ecx=1 %ld\n",
           try_xsetbv(0, 1, 0), try_xsetbv(0, 2, 0), try_xsetbv(0, 7, 0),
           try_xsetbv(0, 3, 1), try_xsetbv(1, 3, 0));
    try_xgetbv(0, &v);
    printf("xcr0 after xsetbv 1: %lx\n", v);
    printf("xsetbv 3 %ld\n", try_xsetbv(0, 3, 0));
}

static void test_osxsave(void)
{
    uint32_t r[4];
    uint64_t v, cr4 = get_cr4();

    cpuid(1, 0, r);
    printf("cpuid.1 xsave %u osxsave %u\n", (r[2] >> 26) & 1,
           (r[2] >> 27) & 1);
    set_cr4(cr4 & ~CR4_OSXSAVE);
    cpuid(1, 0, r);
    printf("OSXSAVE=0: osxsave %u xgetbv %ld xsave %ld xrstor %ld "
           "xsetbv %ld\n", (r[2] >> 27) & 1, try_xgetbv(0, &v),
           try_xsave(area), try_xrstor(img), try_xsetbv(0, 3, 0));
    set_cr4(cr4);
    cpuid(0xd, 0, r);
    printf("cpuid.d.0 %x %x %x %x\n", r[0], r[1], r[2], r[3]);
    cpuid(0xd, 1, r);
    printf("cpuid.d.1 %x %x %x %x\n", r[0], r[1], r[2], r[3]);
}

/* Our own tables at PML4 slot 1: page 0 present, page 1 not. */
#define VBASE 0x8000000000ull
static uint64_t pdpt_t[512] __attribute__((aligned(4096)));
static uint64_t pd_t[512] __attribute__((aligned(4096)));
static uint64_t pt_t[512] __attribute__((aligned(4096)));
static uint8_t frame[4096] __attribute__((aligned(4096)));

static void map_split_pages(void)
{
    uint64_t cr3;
    uint64_t *pml4;

    __asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
    pml4 = (uint64_t *)(uintptr_t)(cr3 & ~0xfffull);
    pdpt_t[0] = (uint64_t)(uintptr_t)pd_t | 3;
    pd_t[0] = (uint64_t)(uintptr_t)pt_t | 3;
    pt_t[0] = (uint64_t)(uintptr_t)frame | 3;
    pt_t[1] = 0;
    pml4[1] = (uint64_t)(uintptr_t)pdpt_t | 3;
    __asm__ volatile("mov %0, %%cr3" : : "r"(cr3) : "memory");
}

static long try_split(const char *kind, unsigned off)
{
    uint8_t *p = (uint8_t *)(uintptr_t)(VBASE + off);
    uint64_t n = trap_last()->count;

    memset(frame, 0x11, sizeof(frame));
    if (kind[0] == 's') {
        EXPECT_FAULT("pcmpeqb %%xmm3, %%xmm3\n\tmovdqu %%xmm3, (%0)",
                     : : "r"(p) : "memory");
    } else if (kind[0] == 'm') {
        EXPECT_FAULT("pcmpeqb %%xmm3, %%xmm3\n\tmovups %%xmm3, (%0)",
                     : : "r"(p) : "memory");
    } else {
        EXPECT_FAULT("movdqu (%0), %%xmm3", : : "r"(p) : "memory");
    }
    return fault_since(n);
}

static void test_split(void)
{
    static const unsigned offs[] = { 0xff1, 0xff8, 0xffc, 0xfff };

    map_split_pages();
    for (unsigned i = 0; i < 4; i++) {
        long v = try_split("store", offs[i]);
        printf("split store +%x: %ld cr2 page+%lx err %lx, first page %s\n",
               offs[i], v,
               (unsigned long)(trap_last()->cr2 - (VBASE + 0x1000)),
               (unsigned long)trap_last()->error, frame[offs[i]] == 0x11 ? "kept" : "written");
        v = try_split("movups", offs[i]);
        printf("split movups +%x: %ld, first page %s\n", offs[i], v,
               frame[offs[i]] == 0x11 ? "kept" : "written");
        v = try_split("load", offs[i]);
        printf("split load +%x: %ld cr2 page+%lx\n", offs[i], v,
               (unsigned long)(trap_last()->cr2 - (VBASE + 0x1000)));
    }
    check(try_split("store", 0xff0) < 0 && frame[0xfff] == 0xff,
          "store that ends at the page end");
    /* the MMX PUNPCKL* read mm/m32, PUNPCKH* all of m64 */
    {
        uint8_t *p = (uint8_t *)(uintptr_t)(VBASE + 0xffc);
        uint64_t n = trap_last()->count;
        long lo, hi;
        EXPECT_FAULT("punpcklbw (%0), %%mm0", : : "r"(p) : "memory");
        lo = fault_since(n);
        n = trap_last()->count;
        EXPECT_FAULT("punpckhbw (%0), %%mm0", : : "r"(p) : "memory");
        hi = fault_since(n);
        __asm__ volatile("emms");
        printf("mmx punpcklbw m32 at page end %ld, punpckhbw %ld\n", lo, hi);
    }
}

int main(const MultibootInfo *mbi)
{
    set_cr4(get_cr4() | CR4_OSFXSR | CR4_OSXSAVE);
    __asm__ volatile("xsetbv" : : "c"(0), "a"(3), "d"(0));
    test_mxcsr();
    test_fx();
    test_xsave();
    test_osxsave();
    test_split();
    printf("simd-faults done\n");
    return check_failures() ? 1 : 0x10;
}
