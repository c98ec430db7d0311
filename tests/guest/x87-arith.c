/*
 * x87-arith.c - the x87 data instructions in 64-bit mode: constants under
 * each rounding mode, arithmetic at each precision control, every memory
 * format (m32/m64/m80 real, m16/m32/m64 integer, FISTTP, packed BCD),
 * stack overflow and underflow, masked exception responses (indefinites),
 * compares (FCOM, FUCOM, FCOMI, FUCOMI, FTST, FXAM), FCMOVcc, FXCH, FFREE,
 * FINCSTP/FDECSTP, FPREM/FPREM1, FSCALE, FXTRACT, FRNDINT and the
 * transcendental instructions. Each case prints the result register (or
 * stored memory) and the status word; the expected output was taken from
 * a real x86-64 processor running the same instruction sequences.
 * All exceptions stay masked here (see x87-except.c for #MF).
 * References: Intel SDM vol. 1 ch. 8, vol. 2 instruction pages.
 *
 * GUEST-SKIP kvm: this host's KVM stops with an emulation failure on x87 instructions
 */
#include "lib/guest.h"

typedef struct F80 {
    uint64_t m;
    uint16_t e;
} __attribute__((packed)) F80;

static const uint64_t D_3 = 0x4008000000000000ull;        /* 3.0 */
static const uint64_t D_2_5 = 0x4004000000000000ull;      /* 2.5 */
static const uint64_t D_M2_7 = 0xc00599999999999aull;     /* -2.7 */
static const uint64_t D_1E5 = 0x40f86a0000000000ull;      /* 100000.0 */
static const uint64_t D_SNAN = 0x7ff0000000000123ull;
static const uint64_t D_MAX = 0x7fefffffffffffffull;
static const uint64_t D_1E10 = 0x4202a05f20000000ull;     /* 1e10 */
static const uint64_t D_0_25 = 0x3fd0000000000000ull;
static const uint64_t D_0_5 = 0x3fe0000000000000ull;
static const uint64_t D_10 = 0x4024000000000000ull;
static const uint64_t D_M7_5 = 0xc01e000000000000ull;
static const uint64_t D_3_7 = 0x400d99999999999aull;
static const uint64_t D_1_5 = 0x3ff8000000000000ull;
static const uint64_t D_2P100 = 0x4630000000000000ull;    /* 2^100 */
static const uint64_t D_QNAN = 0x7ff8000000000000ull;
static const uint64_t D_MZERO = 0x8000000000000000ull;
static const uint32_t F_0_1 = 0x3dcccccdu;                /* 0.1f */
static const uint32_t F_DENORM = 0x00000123u;
static const uint16_t W_7 = 7;
static const uint32_t L_M9 = (uint32_t)-9;
static const F80 X_PSEUDO_NAN = { 0x4000000000000001ull, 0x7fff };
static const F80 X_DENORM = { 0x0000000000001234ull, 0x0000 };
static const uint8_t BCD_M123456789[10] = { 0x89, 0x67, 0x45, 0x23, 0x01,
                                            0, 0, 0, 0, 0x80 };

static void show(const char *what, const F80 *r, uint16_t sw)
{
    printf("%-26s %04x:%016lx sw %04x\n", what, r->e, r->m, sw);
}

/* Runs body after FNINIT and FLDCW cw; prints ST(0) (popped) and the
   status word taken right after the body. */
#define CASE(name, cw, body, ...)                                          \
    do {                                                                   \
        F80 r_;                                                            \
        uint16_t sw_, cw_ = (cw);                                          \
        __asm__ volatile("fninit\n\tfldcw %[cw_]\n\t" body "\n\t"          \
                         "fnstsw %[sw_]\n\tfstpt %[r_]\n\tfninit"         \
                         : [r_] "=m"(r_), [sw_] "=m"(sw_)                  \
                         : [cw_] "m"(cw_), ##__VA_ARGS__                   \
                         : "memory", "cc");                                \
        show(name, &r_, sw_);                                              \
    } while (0)

#define CW(rc, pc) ((uint16_t)(0x007f | (pc) << 8 | (rc) << 10))

static void constants(void)
{
    static const char *const rc_name[4] = { "near", "down", "up", "zero" };
    for (int rc = 0; rc < 4; rc++) {
        uint16_t cw = CW(rc, 3);
        printf("rounding %s\n", rc_name[rc]);
        CASE("fldpi", cw, "fldpi");
        CASE("fldl2e", cw, "fldl2e");
        CASE("fldl2t", cw, "fldl2t");
        CASE("fldlg2", cw, "fldlg2");
        CASE("fldln2", cw, "fldln2");
    }
    CASE("fld1", CW(0, 3), "fld1");
    CASE("fldz", CW(0, 3), "fldz");
}

static void arithmetic(void)
{
    CASE("1/3 pc64", CW(0, 3), "fld1\n\tfdivl %[x]", [x] "m"(D_3));
    CASE("1/3 pc53", CW(0, 2), "fld1\n\tfdivl %[x]", [x] "m"(D_3));
    CASE("1/3 pc24", CW(0, 0), "fld1\n\tfdivl %[x]", [x] "m"(D_3));
    CASE("1/3 pc64 down", CW(1, 3), "fld1\n\tfdivl %[x]", [x] "m"(D_3));
    CASE("1/3 pc53 up", CW(2, 2), "fld1\n\tfdivl %[x]", [x] "m"(D_3));
    CASE("2/3 fdivr", CW(0, 3), "fld1\n\tfld1\n\tfaddp\n\tfdivrl %[x]",
         [x] "m"(D_3));
    CASE("sqrt 2", CW(0, 3), "fld1\n\tfld1\n\tfaddp\n\tfsqrt");
    CASE("sqrt 2 zero", CW(3, 3), "fld1\n\tfld1\n\tfaddp\n\tfsqrt");
    CASE("1 + 0.1f", CW(0, 3), "fld1\n\tfadds %[x]", [x] "m"(F_0_1));
    CASE("0.1f - 2.5", CW(0, 3), "flds %[x]\n\tfsubl %[y]",
         [x] "m"(F_0_1), [y] "m"(D_2_5));
    CASE("2.5 fisub 7", CW(0, 3), "fldl %[x]\n\tfisubs %[y]",
         [x] "m"(D_2_5), [y] "m"(W_7));
    CASE("2.5 fisubr 7", CW(0, 3), "fldl %[x]\n\tfisubrs %[y]",
         [x] "m"(D_2_5), [y] "m"(W_7));
    CASE("2.5 fidivr -9", CW(0, 3), "fldl %[x]\n\tfidivrl %[y]",
         [x] "m"(D_2_5), [y] "m"(L_M9));
    CASE("2.5 fimul -9", CW(0, 3), "fldl %[x]\n\tfimull %[y]",
         [x] "m"(D_2_5), [y] "m"(L_M9));
    CASE("fsubp st1", CW(0, 3), "fldl %[x]\n\tfld1\n\tfsubrp",
         [x] "m"(D_3));
    CASE("fsubrp st1", CW(0, 3), "fldl %[x]\n\tfld1\n\tfsubp",
         [x] "m"(D_3));
    CASE("fdivp st1", CW(0, 3), "fldl %[x]\n\tfld1\n\tfdivrp",
         [x] "m"(D_3));
    CASE("fdivrp st1", CW(0, 3), "fldl %[x]\n\tfld1\n\tfdivp",
         [x] "m"(D_3));
    CASE("fmul st0,st2", CW(0, 3),
         "fldl %[x]\n\tfld1\n\tfldl %[y]\n\tfmul %%st(2), %%st",
         [x] "m"(D_3), [y] "m"(D_2_5));
    CASE("fadd st2,st0", CW(0, 3),
         "fldl %[x]\n\tfld1\n\tfldl %[y]\n\tfadd %%st, %%st(2)\n\t"
         "fstp %%st(0)\n\tfstp %%st(0)", [x] "m"(D_3), [y] "m"(D_2_5));
}

static void exceptions(void)
{
    CASE("max*max overflow", CW(0, 3), "fldl %[x]\n\tfmul %%st, %%st\n\t"
         "fmul %%st, %%st\n\tfmul %%st, %%st\n\tfmul %%st, %%st\n\t"
         "fmul %%st, %%st\n\tfmul %%st, %%st\n\tfmul %%st, %%st\n\t"
         "fmul %%st, %%st\n\tfmul %%st, %%st\n\tfmul %%st, %%st",
         [x] "m"(D_MAX));
    CASE("overflow to max", CW(3, 3), "fldl %[x]\n\tfmul %%st, %%st\n\t"
         "fmul %%st, %%st\n\tfmul %%st, %%st\n\tfmul %%st, %%st\n\t"
         "fmul %%st, %%st\n\tfmul %%st, %%st\n\tfmul %%st, %%st\n\t"
         "fmul %%st, %%st\n\tfmul %%st, %%st\n\tfmul %%st, %%st",
         [x] "m"(D_MAX));
    CASE("denormal / 3", CW(0, 3), "fldt %[x]\n\tfdivl %[y]",
         [x] "m"(X_DENORM), [y] "m"(D_3));
    CASE("fld m32 denormal", CW(0, 3), "flds %[x]", [x] "m"(F_DENORM));
    CASE("0/0", CW(0, 3), "fldz\n\tfldz\n\tfdivp");
    CASE("1/0", CW(0, 3), "fld1\n\tfldz\n\tfdivrp");
    CASE("sqrt -1", CW(0, 3), "fld1\n\tfchs\n\tfsqrt");
    CASE("fld m64 snan", CW(0, 3), "fldl %[x]", [x] "m"(D_SNAN));
    CASE("pseudo-nan + 1", CW(0, 3), "fldt %[x]\n\tfld1\n\tfaddp",
         [x] "m"(X_PSEUDO_NAN));
    CASE("stack overflow", CW(0, 3), "fld1\n\tfld1\n\tfld1\n\tfld1\n\t"
         "fld1\n\tfld1\n\tfld1\n\tfld1\n\tfldpi");
    CASE("stack underflow", CW(0, 3), "fld1\n\tfadd %%st(1), %%st");
    CASE("fxch empty", CW(0, 3), "fld1\n\tfxch %%st(3)");
}

/* Stores ST(0) with a memory instruction and prints the stored bits. */
#define STORE(name, cw, load, store, T, ...)                               \
    do {                                                                   \
        T v_ = 0;                                                          \
        uint16_t sw_, cw_ = (cw);                                          \
        __asm__ volatile("fninit\n\tfldcw %[cw_]\n\t" load "\n\t" store   \
                         " %[v_]\n\tfnstsw %[sw_]\n\tfninit"               \
                         : [v_] "+m"(v_), [sw_] "=m"(sw_)                  \
                         : [cw_] "m"(cw_), ##__VA_ARGS__ : "memory");      \
        printf("%-26s %016lx sw %04x\n", name, (uint64_t)v_, sw_);         \
    } while (0)

static void stores(void)
{
    STORE("fst m32 1/3 near", CW(0, 3), "fld1\n\tfdivl %[x]", "fsts",
          uint32_t, [x] "m"(D_3));
    STORE("fst m32 1/3 up", CW(2, 3), "fld1\n\tfdivl %[x]", "fsts",
          uint32_t, [x] "m"(D_3));
    STORE("fstp m64 1/3 down", CW(1, 3), "fld1\n\tfdivl %[x]", "fstpl",
          uint64_t, [x] "m"(D_3));
    STORE("fst m32 1e10*1e10^4", CW(0, 3), "fldl %[x]\n\tfmul %%st, %%st"
          "\n\tfmul %%st, %%st\n\tfmul %%st, %%st", "fsts", uint32_t,
          [x] "m"(D_1E10));
    STORE("fist m16 1e5", CW(0, 3), "fldl %[x]", "fists", uint16_t,
          [x] "m"(D_1E5));
    STORE("fistp m32 2.5 near", CW(0, 3), "fldl %[x]", "fistpl", uint32_t,
          [x] "m"(D_2_5));
    STORE("fistp m32 2.5 up", CW(2, 3), "fldl %[x]", "fistpl", uint32_t,
          [x] "m"(D_2_5));
    STORE("fistp m64 -2.7 near", CW(0, 3), "fldl %[x]", "fistpll",
          uint64_t, [x] "m"(D_M2_7));
    STORE("fisttp m64 -2.7", CW(0, 3), "fldl %[x]", "fisttpll", uint64_t,
          [x] "m"(D_M2_7));
    STORE("fisttp m16 1e5", CW(0, 3), "fldl %[x]", "fisttps", uint16_t,
          [x] "m"(D_1E5));
    STORE("fistp m32 qnan", CW(0, 3), "fldl %[x]", "fistpl", uint32_t,
          [x] "m"(D_QNAN));
    STORE("fst m64 empty", CW(0, 3), "", "fstl", uint64_t);

    uint8_t bcd[10];
    uint16_t sw;
    uint16_t cw = CW(0, 3);
    __asm__ volatile("fninit\n\tfldcw %2\n\tfldl %3\n\tfimull %4\n\t"
                     "fbstp %0\n\tfnstsw %1"
                     : "=m"(bcd), "=m"(sw)
                     : "m"(cw), "m"(D_1E10), "m"(L_M9) : "memory");
    printf("fbstp -9e10              ");
    for (int i = 9; i >= 0; i--) {
        printf("%02x", bcd[i]);
    }
    printf(" sw %04x\n", sw);
    __asm__ volatile("fninit\n\tfldl %2\n\tfmul %%st, %%st\n\t"
                     "fbstp %0\n\tfnstsw %1"
                     : "=m"(bcd), "=m"(sw) : "m"(D_1E10) : "memory");
    printf("fbstp 1e20 (invalid)     ");
    for (int i = 9; i >= 0; i--) {
        printf("%02x", bcd[i]);
    }
    printf(" sw %04x\n", sw);
    CASE("fbld -123456789", CW(0, 3), "fbld %[x]", [x] "m"(BCD_M123456789));
    F80 back;
    __asm__ volatile("fninit\n\tfldt %1\n\tfstpt %0\n\tfninit"
                     : "=m"(back) : "m"(X_PSEUDO_NAN) : "memory");
    show("fld/fstp m80 pseudo-nan", &back, 0);
}

/* Compares: the status word's condition codes, or RFLAGS for FCOMI
   (set to ZF=1 PF=1 CF=0 before the body). */
#define CMP(name, body, ...)                                               \
    do {                                                                   \
        uint16_t sw_;                                                      \
        uint64_t fl_;                                                      \
        __asm__ volatile("cmp %%rsp, %%rsp\n\tfninit\n\t" body "\n\t"     \
                         "fnstsw %[sw_]\n\t"                               \
                         "pushfq\n\tpopq %[fl_]\n\tfninit"                 \
                         : [sw_] "=m"(sw_), [fl_] "=r"(fl_)                \
                         : __VA_ARGS__ : "memory", "cc");                  \
        printf("%-26s sw %04x zf %lu pf %lu cf %lu\n", name, sw_,          \
               (fl_ >> 6) & 1, (fl_ >> 2) & 1, fl_ & 1);                   \
    } while (0)

static void compares(void)
{
    CMP("fcom 1 vs 3", "fldl %[x]\n\tfld1\n\tfcom %%st(1)", [x] "m"(D_3));
    CMP("fcoml 3 vs 3", "fldl %[x]\n\tfcoml %[x]", [x] "m"(D_3));
    CMP("fcomp 3 vs 1", "fld1\n\tfldl %[x]\n\tfcomp", [x] "m"(D_3));
    CMP("fcompp qnan", "fldl %[x]\n\tfld1\n\tfcompp", [x] "m"(D_QNAN));
    CMP("fucompp qnan", "fldl %[x]\n\tfld1\n\tfucompp", [x] "m"(D_QNAN));
    CMP("ficom 2.5 vs 7", "fldl %[x]\n\tficoms %[y]", [x] "m"(D_2_5),
        [y] "m"(W_7));
    CMP("fcomi 1 vs 3", "fldl %[x]\n\tfld1\n\tfcomi %%st(1)",
        [x] "m"(D_3));
    CMP("fcomip 3 vs 1", "fld1\n\tfldl %[x]\n\tfcomip %%st(1)",
        [x] "m"(D_3));
    CMP("fucomi equal", "fld1\n\tfld1\n\tfucomi %%st(1)", [x] "m"(D_3));
    CMP("fucomip qnan", "fldl %[x]\n\tfld1\n\tfucomip %%st(1)",
        [x] "m"(D_QNAN));
    CMP("fcomi qnan", "fldl %[x]\n\tfld1\n\tfcomi %%st(1)",
        [x] "m"(D_QNAN));
    CMP("ftst -0", "fldl %[x]\n\tftst", [x] "m"(D_MZERO));
    CMP("ftst -7.5", "fldl %[x]\n\tftst", [x] "m"(D_M7_5));
    CMP("fxam +normal", "fld1\n\tfxam", [x] "m"(D_3));
    CMP("fxam -zero", "fldl %[x]\n\tfxam", [x] "m"(D_MZERO));
    CMP("fxam denormal", "fldt %[x]\n\tfxam", [x] "m"(X_DENORM));
    CMP("fxam qnan", "fldl %[x]\n\tfxam", [x] "m"(D_QNAN));
    CMP("fxam -inf", "fld1\n\tfchs\n\tfldz\n\tfdivrp\n\tfxam",
        [x] "m"(D_QNAN));
    CMP("fxam empty", "fxam", [x] "m"(D_QNAN));
    CMP("fxam pseudo-nan", "fldt %[x]\n\tfxam", [x] "m"(X_PSEUDO_NAN));
    CASE("fcmovb taken", CW(0, 3), "fldl %[x]\n\tfld1\n\tstc\n\t"
         "fcmovb %%st(1), %%st", [x] "m"(D_3));
    CASE("fcmovb not taken", CW(0, 3), "fldl %[x]\n\tfld1\n\tclc\n\t"
         "fcmovb %%st(1), %%st", [x] "m"(D_3));
    CASE("fcmovne taken", CW(0, 3), "fldl %[x]\n\tfld1\n\t"
         "cmp %%eax, %%eax\n\tfcmovne %%st(1), %%st\n\tfcmove %%st(1), %%st",
         [x] "m"(D_3));
}

static void stack_ops(void)
{
    CASE("fxch st2", CW(0, 3), "fldl %[x]\n\tfld1\n\tfldz\n\tfxch %%st(2)",
         [x] "m"(D_3));
    CASE("fincstp", CW(0, 3), "fldl %[x]\n\tfld1\n\tfincstp\n\tfdecstp",
         [x] "m"(D_3));
    CASE("ffree st1", CW(0, 3), "fldl %[x]\n\tfld1\n\tffree %%st(1)\n\t"
         "fadd %%st(1), %%st", [x] "m"(D_3));
    CASE("fld st2", CW(0, 3), "fldl %[x]\n\tfld1\n\tfldz\n\tfld %%st(2)",
         [x] "m"(D_3));
    CASE("fst st3", CW(0, 3), "fldl %[x]\n\tfld1\n\tfldz\n\tfldpi\n\t"
         "fst %%st(3)\n\tfstp %%st(0)\n\tfstp %%st(0)\n\tfstp %%st(0)",
         [x] "m"(D_3));
    CASE("fabs fchs", CW(0, 3), "fldl %[x]\n\tfabs\n\tfchs", [x] "m"(D_3));
}

static void misc_ops(void)
{
    CASE("fprem 10,3", CW(0, 3), "fldl %[y]\n\tfldl %[x]\n\tfprem",
         [x] "m"(D_10), [y] "m"(D_3));
    CASE("fprem1 10,3", CW(0, 3), "fldl %[y]\n\tfldl %[x]\n\tfprem1",
         [x] "m"(D_10), [y] "m"(D_3));
    CASE("fprem -7.5,2.5", CW(0, 3), "fldl %[y]\n\tfldl %[x]\n\tfprem",
         [x] "m"(D_M7_5), [y] "m"(D_2_5));
    CASE("fprem1 -7.5,3", CW(0, 3), "fldl %[y]\n\tfldl %[x]\n\tfprem1",
         [x] "m"(D_M7_5), [y] "m"(D_3));
    CASE("fprem 2^100,3", CW(0, 3), "fldl %[y]\n\tfldl %[x]\n\tfprem",
         [x] "m"(D_2P100), [y] "m"(D_3));
    CASE("fprem 2^100,3 x2", CW(0, 3), "fldl %[y]\n\tfldl %[x]\n\tfprem\n\t"
         "fprem", [x] "m"(D_2P100), [y] "m"(D_3));
    CASE("fscale 1.5,3.7", CW(0, 3), "fldl %[y]\n\tfldl %[x]\n\tfscale",
         [x] "m"(D_1_5), [y] "m"(D_3_7));
    CASE("fscale 1.5,-3.7", CW(0, 3), "fldl %[y]\n\tfchs\n\tfldl %[x]\n\t"
         "fscale", [x] "m"(D_1_5), [y] "m"(D_3_7));
    CASE("fxtract 10 sig", CW(0, 3), "fldl %[x]\n\tfxtract",
         [x] "m"(D_10));
    CASE("fxtract 10 exp", CW(0, 3), "fldl %[x]\n\tfxtract\n\t"
         "fstp %%st(0)", [x] "m"(D_10));
    CASE("fxtract 0", CW(0, 3), "fldz\n\tfxtract\n\tfstp %%st(0)");
    CASE("frndint 2.5 near", CW(0, 3), "fldl %[x]\n\tfrndint",
         [x] "m"(D_2_5));
    CASE("frndint 2.5 up", CW(2, 3), "fldl %[x]\n\tfrndint",
         [x] "m"(D_2_5));
    CASE("frndint -2.7 zero", CW(3, 3), "fldl %[x]\n\tfrndint",
         [x] "m"(D_M2_7));
}

static void transcendental(void)
{
    CASE("fsin 1", CW(0, 3), "fld1\n\tfsin");
    CASE("fcos 1", CW(0, 3), "fld1\n\tfcos");
    CASE("fsin 2.5", CW(0, 3), "fldl %[x]\n\tfsin", [x] "m"(D_2_5));
    CASE("fcos 10", CW(0, 3), "fldl %[x]\n\tfcos", [x] "m"(D_10));
    CASE("fsincos 3 sin", CW(0, 3), "fldl %[x]\n\tfsincos\n\tfstp %%st(0)",
         [x] "m"(D_3));
    CASE("fsincos 3 cos", CW(0, 3), "fldl %[x]\n\tfsincos", [x] "m"(D_3));
    CASE("fptan 0.5", CW(0, 3), "fldl %[x]\n\tfptan\n\tfstp %%st(0)",
         [x] "m"(D_0_5));
    CASE("fsin 2^100 (C2)", CW(0, 3), "fldl %[x]\n\tfsin", [x] "m"(D_2P100));
    CASE("fpatan 1,2", CW(0, 3), "fld1\n\tfldl %[x]\n\tfpatan",
         [x] "m"(D_2_5));
    CASE("fpatan -1,-2.5", CW(0, 3), "fld1\n\tfchs\n\tfldl %[x]\n\tfchs\n\t"
         "fpatan", [x] "m"(D_2_5));
    CASE("f2xm1 0.5", CW(0, 3), "fldl %[x]\n\tf2xm1", [x] "m"(D_0_5));
    CASE("f2xm1 -0.25", CW(0, 3), "fldl %[x]\n\tfchs\n\tf2xm1",
         [x] "m"(D_0_25));
    CASE("fyl2x 2.5,10", CW(0, 3), "fldl %[y]\n\tfldl %[x]\n\tfyl2x",
         [x] "m"(D_10), [y] "m"(D_2_5));
    CASE("fyl2x 3,8", CW(0, 3), "fldl %[y]\n\tfld1\n\tfld1\n\tfaddp\n\t"
         "fld %%st(0)\n\tfmulp\n\tfld %%st(0)\n\tfaddp\n\tfyl2x",
         [y] "m"(D_3));
    CASE("fyl2x 1,0", CW(0, 3), "fld1\n\tfldz\n\tfyl2x");
    CASE("fyl2xp1 3,0.25", CW(0, 3), "fldl %[y]\n\tfldl %[x]\n\tfyl2xp1",
         [x] "m"(D_0_25), [y] "m"(D_3));
}

int main(const MultibootInfo *mbi)
{
    constants();
    arithmetic();
    exceptions();
    stores();
    compares();
    stack_ops();
    misc_ops();
    transcendental();
    printf("x87-arith: %s\n", check_failures() ? "FAILED" : "ok");
    return check_failures();
}
