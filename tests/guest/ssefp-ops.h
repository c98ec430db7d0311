/*
 * ssefp-ops.h - the body of the ssefp guest test (tests/guest/ssefp.c),
 * shared with its host oracle (tests/guest/host/ssefp-oracle.c), which
 * runs the same instructions on the host CPU: make check compares what
 * the oracle prints with the start of ssefp.expected.
 *
 * The includer provides EXPECT_FAULT, trap_last() (count and vector of
 * the last exception caught), printf and the fixed-width types.
 */
#ifndef KITE_GUEST_SSEFP_OPS_H
#define KITE_GUEST_SSEFP_OPS_H

#include <stdbool.h>

#define MX_DEFAULT 0x1f80u
#define MX_FLAGS   0x3fu
#define MX_DAZ     (1u << 6)
#define MX_FTZ     (1u << 15)
#define MX_RC(rc)  ((uint32_t)(rc) << 13)
#define MX_UNMASK(f) (MX_DEFAULT & ~((uint32_t)(f) << 7))
#define IE 0x01u
#define DE 0x02u
#define ZE 0x04u
#define OE 0x08u
#define UE 0x10u
#define PE 0x20u

static uint32_t get_mxcsr(void)
{
    uint32_t v;
    __asm__ volatile("stmxcsr %0" : "=m"(v));
    return v;
}

static void set_mxcsr(uint32_t v)
{
    __asm__ volatile("ldmxcsr %0" : : "m"(v));
}

/* The vector raised since count n, or -1. */
static int64_t fault_since(uint64_t n)
{
    return trap_last()->count == n ? -1 : (int64_t)trap_last()->vector;
}

/* One scalar operation xmm0 = xmm0 op xmm1 on 32-bit lanes (xmm0 starts
   as a, xmm1 as b); *r is xmm0 afterwards, faulted or not. */
#define DEF_OP32(name, insn)                                                \
    static int64_t name(uint32_t a, uint32_t b, uint32_t *r)                \
    {                                                                       \
        uint64_t n = trap_last()->count;                                    \
        __asm__ volatile("movd %0, %%xmm0\n\tmovd %1, %%xmm1"               \
                         : : "r"(a), "r"(b));                               \
        EXPECT_FAULT(insn, : : : "memory");                                 \
        __asm__ volatile("movd %%xmm0, %0" : "=r"(*r));                     \
        return fault_since(n);                                              \
    }

DEF_OP32(addss, "addss %%xmm1, %%xmm0")
DEF_OP32(mulss, "mulss %%xmm1, %%xmm0")
DEF_OP32(divss, "divss %%xmm1, %%xmm0")
DEF_OP32(sqrtss, "sqrtss %%xmm1, %%xmm0")
DEF_OP32(roundss_near, "roundss $0, %%xmm1, %%xmm0")
DEF_OP32(roundss_down, "roundss $1, %%xmm1, %%xmm0")
DEF_OP32(roundss_up, "roundss $2, %%xmm1, %%xmm0")
DEF_OP32(roundss_trunc, "roundss $3, %%xmm1, %%xmm0")
DEF_OP32(roundss_mxcsr, "roundss $4, %%xmm1, %%xmm0")
DEF_OP32(roundss_quiet, "roundss $12, %%xmm1, %%xmm0")

static int64_t cvtss2si(uint32_t a, uint32_t *r, bool trunc)
{
    uint64_t n = trap_last()->count;
    uint32_t v = 0xdeadbeef;

    __asm__ volatile("movd %0, %%xmm2" : : "r"(a));
    if (trunc) {
        EXPECT_FAULT("cvttss2si %%xmm2, %0", : "+r"(v) : : "memory");
    } else {
        EXPECT_FAULT("cvtss2si %%xmm2, %0", : "+r"(v) : : "memory");
    }
    *r = v;
    return fault_since(n);
}

static uint32_t cvtsd2ss(uint64_t a)
{
    uint32_t r;

    __asm__ volatile("movq %1, %%xmm3\n\tcvtsd2ss %%xmm3, %%xmm3\n\t"
                     "movd %%xmm3, %0" : "=r"(r) : "r"(a));
    return r;
}

/* ---- rounding ---- */

static void test_rounding(void)
{
    static const uint32_t cvt_in[] = { 0x40200000, 0xc0200000, 0x3fc00000,
                                       0x3f000001, 0xbf7fffff };
    static const char *const rc_name[] = { "near", "down", "up", "zero" };
    uint32_t r, s;

    for (int rc = 0; rc < 4; rc++) {
        set_mxcsr(MX_DEFAULT | MX_RC(rc));
        printf("rc %-4s cvtss2si", rc_name[rc]);
        for (unsigned i = 0; i < sizeof(cvt_in) / 4; i++) {
            cvtss2si(cvt_in[i], &r, false);
            printf(" %d", (int32_t)r);
        }
        cvtss2si(cvt_in[0], &r, true);
        addss(0x3f800000, 0x33c00000, &s);     /* 1 + 1.5 * 2^-24 */
        printf(" | cvtt %d | 1+1.5ulp/2 %08x", (int32_t)r, s);
        addss(0xbf800000, 0xb3c00000, &s);
        printf(" %08x | tie %08x\n", s, cvtsd2ss(0x3ff0000010000000ull));
    }
}

static void test_roundss(void)
{
    static const uint32_t in[] = { 0x40200000, 0xbf000000, 0x3fc00000,
                                   0x7f800001 };

    for (unsigned i = 0; i < sizeof(in) / 4; i++) {
        uint32_t r[6];
        set_mxcsr(MX_DEFAULT | MX_RC(1));
        roundss_near(0, in[i], &r[0]);
        roundss_down(0, in[i], &r[1]);
        roundss_up(0, in[i], &r[2]);
        roundss_trunc(0, in[i], &r[3]);
        roundss_mxcsr(0, in[i], &r[4]);
        printf("roundss %08x: %08x %08x %08x %08x mxcsr(down) %08x flags %02x",
               in[i], r[0], r[1], r[2], r[3], r[4], get_mxcsr() & MX_FLAGS);
        set_mxcsr(MX_DEFAULT);
        roundss_quiet(0, in[i], &r[5]);
        printf(" | no-PE %08x flags %02x\n", r[5], get_mxcsr() & MX_FLAGS);
    }
}

/* ---- FTZ, DAZ, sticky flags ---- */

static void test_ftz_daz(void)
{
    static const uint32_t mx[] = { MX_DEFAULT, MX_DEFAULT | MX_FTZ,
                                   MX_DEFAULT | MX_DAZ,
                                   MX_DEFAULT | MX_FTZ | MX_DAZ };
    uint32_t r1, r2, r3;

    for (unsigned i = 0; i < 4; i++) {
        set_mxcsr(mx[i]);
        mulss(0x1c800000, 0x1c800000, &r1);     /* 2^-70 * 2^-70 */
        uint32_t f1 = get_mxcsr() & MX_FLAGS;
        set_mxcsr(mx[i]);
        addss(0x00000003, 0x00000000, &r2);     /* denormal + 0 */
        uint32_t f2 = get_mxcsr() & MX_FLAGS;
        set_mxcsr(mx[i]);
        sqrtss(0, 0x80000001, &r3);             /* sqrt(-denormal) */
        printf("mxcsr %04x: tiny product %08x flags %02x, denormal+0 %08x "
               "flags %02x, sqrt(-denormal) %08x flags %02x\n", mx[i], r1, f1,
               r2, f2, r3, get_mxcsr() & MX_FLAGS);
    }
    set_mxcsr(MX_DEFAULT);
    addss(0x3f800000, 0x33800001, &r1);         /* inexact: PE */
    addss(0x3f800000, 0x3f800000, &r2);         /* exact: PE stays */
    printf("sticky: %02x", get_mxcsr() & MX_FLAGS);
    set_mxcsr(MX_DEFAULT);
    printf(" after ldmxcsr %02x\n", get_mxcsr() & MX_FLAGS);
}

/* ---- unmasked exceptions ---- */

/* ADDPS of lanes a[] and b[]: vector, xmm0 afterwards, flags. */
static int64_t addps(const uint32_t *a, const uint32_t *b, uint32_t *r)
{
    uint64_t n = trap_last()->count;

    __asm__ volatile("movdqu %0, %%xmm0\n\tmovdqu %1, %%xmm1"
                     : : "m"(*(const uint32_t(*)[4])a),
                         "m"(*(const uint32_t(*)[4])b));
    EXPECT_FAULT("addps %%xmm1, %%xmm0", : : : "memory");
    __asm__ volatile("movdqu %%xmm0, %0" : "=m"(*(uint32_t(*)[4])r));
    return fault_since(n);
}

static void report(const char *what, int64_t vec, uint32_t r)
{
    printf("%-28s vector %2ld dest %08x flags %02x\n", what, vec, r,
           get_mxcsr() & MX_FLAGS);
}

static void test_unmasked(void)
{
    static const uint32_t a[4] = { 0x7f800001, 0x3f800000, 0x40000000,
                                   0x00000001 };
    static const uint32_t b[4] = { 0x3f800000, 0x33800001, 0x40000000,
                                   0x00000000 };
    uint32_t r, v[4];
    int64_t vec;

    set_mxcsr(MX_UNMASK(ZE));
    vec = divss(0x3f800000, 0, &r);
    report("divss 1/0, ZE unmasked", vec, r);
    set_mxcsr(MX_UNMASK(IE | PE));
    vec = addps(a, b, v);
    printf("addps SNaN+inexact IE,PE unmasked: vector %ld dest %08x %08x "
           "flags %02x\n", vec, v[0], v[1], get_mxcsr() & MX_FLAGS);
    set_mxcsr(MX_UNMASK(PE));
    vec = addps(a, b, v);
    printf("addps SNaN+inexact PE unmasked: vector %ld dest %08x %08x "
           "flags %02x\n", vec, v[0], v[1], get_mxcsr() & MX_FLAGS);
    set_mxcsr(MX_UNMASK(OE));
    vec = mulss(0x71800000, 0x71800000, &r);    /* 2^100 * 2^100: exact */
    report("mulss overflow, OE unmasked", vec, r);
    set_mxcsr(MX_DEFAULT);
    vec = mulss(0x71800000, 0x71800000, &r);
    report("mulss overflow, masked", vec, r);
    set_mxcsr(MX_UNMASK(UE) | MX_FTZ);
    vec = mulss(0x1c800000, 0x1c800000, &r);
    report("mulss underflow, UE unmasked", vec, r);
    set_mxcsr(MX_UNMASK(IE));
    vec = cvtss2si(0x7fc00000, &r, false);
    report("cvtss2si NaN, IE unmasked", vec, r);
    set_mxcsr(MX_DEFAULT);
    vec = cvtss2si(0x7fc00000, &r, false);
    report("cvtss2si NaN, masked", vec, r);
}

/* COMISS/UCOMISS: the arithmetic flags, and EFLAGS kept on #XM. */
static void test_comiss(void)
{
    static const uint32_t pairs[][2] = {
        { 0x3f800000, 0x40000000 }, { 0x40000000, 0x3f800000 },
        { 0x80000000, 0x00000000 }, { 0x7fc00000, 0x3f800000 },
    };

    for (unsigned i = 0; i < 4; i++) {
        uint64_t f1, f2, n;
        int64_t vec;
        set_mxcsr(MX_UNMASK(IE));
        n = trap_last()->count;
        __asm__ volatile("movd %0, %%xmm4\n\tmovd %1, %%xmm5"
                         : : "r"(pairs[i][0]), "r"(pairs[i][1]));
        __asm__ volatile("ucomiss %%xmm5, %%xmm4\n\tpushfq\n\tpopq %0"
                         : "=r"(f1) : : "cc");
        __asm__ volatile("movq $0x8d5, %%rax\n\tpushq %%rax\n\tpopfq"
                         : : : "rax", "cc");
        EXPECT_FAULT("comiss %%xmm5, %%xmm4", : : : "cc", "memory");
        __asm__ volatile("pushfq\n\tpopq %0" : "=r"(f2));
        vec = fault_since(n);
        printf("%08x ? %08x: ucomiss flags %03lx, comiss vector %ld flags "
               "%03lx mxcsr flags %02x\n", pairs[i][0], pairs[i][1],
               f1 & 0x8d5, vec, f2 & 0x8d5, get_mxcsr() & MX_FLAGS);
    }
}

/* Everything but the CR4.OSXMMEXCPT part. */
static void ssefp_run(void)
{
    test_rounding();
    test_roundss();
    test_ftz_daz();
    test_unmasked();
    test_comiss();
}

#endif
