/*
 * Unit tests of the host fast path of SSE floating point
 * (cpu/x86/ssefp_host.c): ADD/SUB/MUL/DIV/SQRT in PS/PD/SS/SD forms with
 * every exception masked, the MXCSR of steady-state code (0x1fa0:
 * round to nearest, PE already set) and operands drawn from values that
 * stress it (normals of every size, products and quotients that overflow
 * or underflow, zeros of both signs, denormals, infinities, NaNs), each
 * result and MXCSR compared with the software floating point
 * (cpu/x86/softfloat.c) where that raises nothing but PE, and in every
 * case with the instruction itself run here under the same MXCSR (so on
 * x86-64 hosts only). The C arithmetic taken without touching MXCSR must
 * decline every case that raises more than PE; the instruction path
 * behind it must then give the same bits and flags. Also with MXCSR
 * 0x1f80 (PE clear, so the quick path is not taken) and round toward
 * zero (the host's MXCSR is switched). MIN and MAX likewise, and each
 * per-operation helper of ssefp_fast.c against the instruction; the
 * masked comparisons and integer conversions of ssefp_fast.c against
 * the exact helpers under several masked MXCSR values.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/x86/decode.h"
#include "cpu/x86/softfloat.h"
#include "cpu/x86/ssefp-desc.h"
#include "cpu/x86/tcg-cpu.h"

void helper_ssefp_op(CPUX86TCG *env, void *d, void *s, uint32_t desc);

/* The per-operation helpers of ssefp_fast.c (every exception masked). */
#define FAST_PROTO(n) void helper_ssefp_##n(CPUX86TCG *env, void *d, void *s);
#define FAST_PROTO4(n) FAST_PROTO(n##ps) FAST_PROTO(n##pd) FAST_PROTO(n##ss) \
    FAST_PROTO(n##sd)
FAST_PROTO4(add) FAST_PROTO4(sub) FAST_PROTO4(mul) FAST_PROTO4(div)
FAST_PROTO4(sqrt) FAST_PROTO4(min) FAST_PROTO4(max)
uint64_t helper_ssefp_comi(CPUX86TCG *env, void *a, void *b, uint32_t desc);
uint64_t helper_ssefp_comi_masked(CPUX86TCG *env, void *a, void *b,
                                  uint32_t desc);
uint64_t helper_ssefp_cvt2si(CPUX86TCG *env, void *s, uint32_t desc);
uint64_t helper_ssefp_cvt2si_masked(CPUX86TCG *env, void *s, uint32_t desc);
void helper_ssefp_cvtsi(CPUX86TCG *env, void *d, uint64_t v, uint32_t desc);
void helper_ssefp_cvtsi_masked(CPUX86TCG *env, void *d, uint64_t v,
                               uint32_t desc);

#define CASES 40000

enum { OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_SQRT, OP_MIN, OP_MAX, NOPS };

#if defined(__x86_64__)

/* d = d op s by the instruction itself under *mxcsr, which gets the
   flags; the caller's MXCSR is put back. */
#define NATIVE(name, insn)                                                  \
    static void native_##name(XMMReg *d, const XMMReg *s, uint32_t *mx)    \
    {                                                                       \
        uint32_t keep;                                                      \
        __asm__ volatile("stmxcsr %[keep]\n\tldmxcsr %[mx]\n\t"            \
                         "movdqu %[d], %%xmm0\n\tmovdqu %[s], %%xmm1\n\t"   \
                         insn " %%xmm1, %%xmm0\n\tmovdqu %%xmm0, %[d]\n\t"  \
                         "stmxcsr %[mx]\n\tldmxcsr %[keep]"                 \
                         : [d] "+m"(*d), [mx] "+m"(*mx), [keep] "=m"(keep)   \
                         : [s] "m"(*s) : "xmm0", "xmm1");                   \
    }
#define NATIVE4(m, insn)                                                    \
    NATIVE(m##ps, insn "ps") NATIVE(m##pd, insn "pd")                       \
    NATIVE(m##ss, insn "ss") NATIVE(m##sd, insn "sd")
NATIVE4(add, "add") NATIVE4(sub, "sub") NATIVE4(mul, "mul")
NATIVE4(div, "div") NATIVE4(sqrt, "sqrt") NATIVE4(min, "min")
NATIVE4(max, "max")

typedef void NativeFn(XMMReg *d, const XMMReg *s, uint32_t *mx);
static NativeFn *const natives[NOPS][4] = {
    { native_addps, native_addpd, native_addss, native_addsd },
    { native_subps, native_subpd, native_subss, native_subsd },
    { native_mulps, native_mulpd, native_mulss, native_mulsd },
    { native_divps, native_divpd, native_divss, native_divsd },
    { native_sqrtps, native_sqrtpd, native_sqrtss, native_sqrtsd },
    { native_minps, native_minpd, native_minss, native_minsd },
    { native_maxps, native_maxpd, native_maxss, native_maxsd },
};

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* A double with an exponent from a few interesting ranges. */
static uint64_t pick64(void)
{
    static const uint16_t exps[] = { 0x3ff, 0x3fe, 0x400, 0x001, 0x000,
                                     0x7fe, 0x7ff, 0x200, 0x600, 0x1ff,
                                     0x5ff, 0x020, 0x7d0 };
    uint64_t r = next();
    uint64_t e = exps[r % (sizeof(exps) / sizeof(exps[0]))];
    uint64_t frac = (r >> 8) & ((1ull << 52) - 1);

    if ((r >> 61) == 0) {
        frac = 0;               /* zeros, powers of two, infinities */
    }
    return (r & (1ull << 60)) << 3 | e << 52 | frac;
}

static uint32_t pick32(void)
{
    static const uint8_t exps[] = { 0x7f, 0x7e, 0x80, 0x01, 0x00, 0xfe,
                                    0xff, 0x40, 0xc0, 0x3f, 0xbf, 0x08 };
    uint64_t r = next();
    uint32_t e = exps[r % (sizeof(exps) / sizeof(exps[0]))];
    uint32_t frac = (uint32_t)(r >> 8) & ((1u << 23) - 1);

    if ((r >> 61) == 0) {
        frac = 0;
    }
    return (uint32_t)((r >> 60) & 1) << 31 | e << 23 | frac;
}


static uint64_t soft64(int op, uint64_t a, uint64_t b, SfStatus *st)
{
    switch (op) {
    case OP_ADD: return sf_f64_add(a, b, st);
    case OP_SUB: return sf_f64_sub(a, b, st);
    case OP_MUL: return sf_f64_mul(a, b, st);
    case OP_DIV: return sf_f64_div(a, b, st);
    case OP_MIN: return sf_f64_min(a, b, st);
    case OP_MAX: return sf_f64_max(a, b, st);
    default: return sf_f64_sqrt(b, st);
    }
}

static uint32_t soft32(int op, uint32_t a, uint32_t b, SfStatus *st)
{
    switch (op) {
    case OP_ADD: return sf_f32_add(a, b, st);
    case OP_SUB: return sf_f32_sub(a, b, st);
    case OP_MUL: return sf_f32_mul(a, b, st);
    case OP_DIV: return sf_f32_div(a, b, st);
    case OP_MIN: return sf_f32_min(a, b, st);
    case OP_MAX: return sf_f32_max(a, b, st);
    default: return sf_f32_sqrt(b, st);
    }
}

/* mnemonics of op in PS, PD, SS, SD order */
static const unsigned mnems[NOPS][4] = {
    { X86_M_ADDPS, X86_M_ADDPD, X86_M_ADDSS, X86_M_ADDSD },
    { X86_M_SUBPS, X86_M_SUBPD, X86_M_SUBSS, X86_M_SUBSD },
    { X86_M_MULPS, X86_M_MULPD, X86_M_MULSS, X86_M_MULSD },
    { X86_M_DIVPS, X86_M_DIVPD, X86_M_DIVSS, X86_M_DIVSD },
    { X86_M_SQRTPS, X86_M_SQRTPD, X86_M_SQRTSS, X86_M_SQRTSD },
    { X86_M_MINPS, X86_M_MINPD, X86_M_MINSS, X86_M_MINSD },
    { X86_M_MAXPS, X86_M_MAXPD, X86_M_MAXSS, X86_M_MAXSD },
};

typedef void FastFn(CPUX86TCG *env, void *d, void *s);
#define FAST4(n) \
    { helper_ssefp_##n##ps, helper_ssefp_##n##pd, helper_ssefp_##n##ss, \
      helper_ssefp_##n##sd }
static FastFn *const fasts[NOPS][4] = {
    FAST4(add), FAST4(sub), FAST4(mul), FAST4(div), FAST4(sqrt), FAST4(min),
    FAST4(max),
};

/* One instruction on random operands under mxcsr; returns whether one
   of its lanes raised something beyond PE (the cases the quick path must
   leave alone). */
static int one_case(CPUX86TCG *env, uint32_t mxcsr, int op, int form)
{
    static const int lanes[4] = { 4, 2, 1, 1 };
    XMMReg a, b, d, want, soft;
    uint32_t native_mx = mxcsr & ~0x3fu;
    SfStatus st;

    for (int i = 0; i < 2; i++) {
        a.q[i] = pick64();
        b.q[i] = pick64();
    }
    if (form == 0 || form == 2) {
        for (int i = 0; i < 4; i++) {
            a.l[i] = pick32();
            b.l[i] = pick32();
        }
    }
    want = a;
    natives[op][form](&want, &b, &native_mx);
    env->st.mxcsr = mxcsr;
    d = a;
    helper_ssefp_op(env, &d, &b, SSEFP_DESC(mnems[op][form], 0, 0));
    assert_memory_equal(&d, &want, 16);
    assert_int_equal(env->st.mxcsr, mxcsr | native_mx);
    /* the helper of this operation alone gives the same */
    env->st.mxcsr = mxcsr;
    d = a;
    fasts[op][form](env, &d, &b);
    assert_memory_equal(&d, &want, 16);
    assert_int_equal(env->st.mxcsr, mxcsr | native_mx);
    /* where only PE can arise, the software result is the same */
    soft = a;
    sf_status_init_sse(&st, mxcsr);
    st.flags = 0;
    for (int i = 0; i < lanes[form]; i++) {
        if (form & 1) {
            soft.q[i] = soft64(op, a.q[i], b.q[i], &st);
        } else {
            soft.l[i] = soft32(op, a.l[i], b.l[i], &st);
        }
    }
    if (st.flags & ~SF_PE) {
        return 1;
    }
    assert_memory_equal(&soft, &want, 16);
    return 0;
}

static void run_cases(uint32_t mxcsr)
{
    CPUX86TCG *env = calloc(1, sizeof(*env));
    int special = 0;

    assert_non_null(env);
    for (int k = 0; k < CASES; k++) {
        special += one_case(env, mxcsr, k % NOPS, (k / NOPS) % 4);
    }
    /* the operands reach the cases beyond PE often enough */
    assert_true(special > CASES / 20);
    free(env);
}

static void test_steady_state(void **state)
{
    (void)state;
    run_cases(0x1fa0);
}

static void test_pe_clear(void **state)
{
    (void)state;
    run_cases(0x1f80);
}

static void test_round_to_zero(void **state)
{
    (void)state;
    run_cases(0x7fa0);
}

/* A double near the integer ranges: whole, halves, out of range, or
   one of pick64's. */
static uint64_t pick_cvt(void)
{
    int64_t i = (int64_t)next() >> (next() % 64);
    double x = (double)i;
    uint64_t v;

    switch (next() % 4) {
    case 0: x += 0.5; break;
    case 1: x = -x * 0.25; break;
    case 2: return pick64();
    default: break;
    }
    memcpy(&v, &x, 8);
    return v;
}

/*
 * The masked forms of COMISx/UCOMISx, CVT(T)Sx2SI and CVTSI2Sx give the
 * exact helpers' results and MXCSR under every masked MXCSR (PE clear or
 * set, DAZ, FTZ, other rounding).
 */
static void masked_cases(CPUX86TCG *e1, CPUX86TCG *e2, uint32_t mxcsr)
{
    static const unsigned comis[] = { X86_M_COMISS, X86_M_COMISD,
                                      X86_M_UCOMISS, X86_M_UCOMISD };
    static const unsigned cvts[] = { X86_M_CVTSS2SI, X86_M_CVTTSS2SI,
                                     X86_M_CVTSD2SI, X86_M_CVTTSD2SI };
    XMMReg a, b, d1, d2;
    uint64_t v = next() >> (next() % 64);

    a.q[0] = pick_cvt();
    a.q[1] = pick64();
    b.q[0] = next() % 3 ? pick64() : a.q[0];
    b.q[1] = pick64();
    if (next() & 1) {
        a.l[0] = pick32();
        b.l[0] = next() % 3 ? pick32() : a.l[0];
    }
    for (int i = 0; i < 4; i++) {
        e1->st.mxcsr = e2->st.mxcsr = mxcsr;
        assert_int_equal(helper_ssefp_comi_masked(e2, &a, &b, comis[i]),
                         helper_ssefp_comi(e1, &a, &b, comis[i]));
        assert_int_equal(e2->st.mxcsr, e1->st.mxcsr);
        for (int q = 4; q <= 8; q += 4) {
            uint32_t desc = SSEFP_DESC(cvts[i], 0, q);
            e1->st.mxcsr = e2->st.mxcsr = mxcsr;
            assert_int_equal(helper_ssefp_cvt2si_masked(e2, &a, desc),
                             helper_ssefp_cvt2si(e1, &a, desc));
            assert_int_equal(e2->st.mxcsr, e1->st.mxcsr);
        }
    }
    for (int i = 0; i < 4; i++) {
        uint32_t desc = SSEFP_DESC(i & 1 ? X86_M_CVTSI2SD : X86_M_CVTSI2SS,
                                   0, i & 2 ? 8 : 4);
        uint64_t w = next() & 1 ? v : -v;
        e1->st.mxcsr = e2->st.mxcsr = mxcsr;
        d1 = d2 = b;
        helper_ssefp_cvtsi(e1, &d1, w, desc);
        helper_ssefp_cvtsi_masked(e2, &d2, w, desc);
        assert_memory_equal(&d1, &d2, 16);
        assert_int_equal(e2->st.mxcsr, e1->st.mxcsr);
    }
}

static void test_masked_compare_convert(void **state)
{
    static const uint32_t mxcsrs[] = { 0x1f80, 0x1fa0, 0x1fc0, 0x9fa0,
                                       0x3fa0, 0x5f80, 0x7fa0 };
    CPUX86TCG *e1 = calloc(1, sizeof(*e1)), *e2 = calloc(1, sizeof(*e2));

    (void)state;
    assert_non_null(e1);
    assert_non_null(e2);
    for (size_t m = 0; m < sizeof(mxcsrs) / sizeof(mxcsrs[0]); m++) {
        for (int k = 0; k < CASES / 8; k++) {
            masked_cases(e1, e2, mxcsrs[m]);
        }
    }
    free(e1);
    free(e2);
}

#else

static void test_masked_compare_convert(void **state)
{
    (void)state;
    skip();
}

static void run_cases(uint32_t mxcsr)
{
    (void)mxcsr;
    skip();     /* the fast path exists on x86-64 hosts only */
}

#endif

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_steady_state),
        cmocka_unit_test(test_pe_clear),
        cmocka_unit_test(test_round_to_zero),
        cmocka_unit_test(test_masked_compare_convert),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
