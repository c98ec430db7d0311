/*
 * Unit tests of the x87 fast path (cpu/x86/x87_host.c) held against the
 * software path (cpu/x86/fpu_helper.c with softfloat): every instruction
 * the fast path knows, register and memory forms, on random states with
 * operands drawn to stress it (normals of every size, results that
 * overflow or underflow, zeros of both signs, denormals, pseudo-denormals,
 * unnormals, infinities, quiet and signalling NaNs, integers at the edges
 * of their range), under random precision and rounding control, with all
 * exceptions masked most of the time and random masks otherwise, PE set
 * or clear, and some empty registers.
 *
 * Each case runs helper_x87_reg/helper_x87_mem twice from the same state
 * and memory, with the fast path on and off: registers, tags, FSW,
 * EFLAGS (FCOMI) and the memory operand must agree bit for bit. The case
 * Half the memory cases hand the operand over already loaded, as the
 * translator does for read-only operands (X87_D_PRE). The case
 * is also given to x87_host_reg/x87_host_mem alone: when it declines,
 * nothing may have changed. Known cases check that it does take the
 * common ones (FCW 0x37f and 0x27f, normal operands) and declines the
 * others (unmasked exceptions, denormal operands, overflow, empty
 * registers). KITE_X87_HOST_CASES=N sets the number of random cases per
 * instruction (default 5,000).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cpu/x86/decode.h"
#include "cpu/x86/sys-helper.h"
#include "cpu/x86/x87-host.h"
#include "cpu/x86/x87.h"

#include "x86-sys-fixture.h"

void helper_x87_reg(CPUX86TCG *env, uint64_t desc, uint64_t arg);
void helper_x87_mem(CPUX86TCG *env, uint64_t laddr, uint64_t desc);

#define OPND 0x8000u            /* the memory operand */

static uint64_t rng = 0x2545f4914f6cdd1dull;

static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static unsigned rndn(unsigned n)
{
    return (unsigned)(rnd() % n);
}

static long case_count(void)
{
    const char *s = getenv("KITE_X87_HOST_CASES");
    return s ? strtol(s, NULL, 0) : 5000;
}

/* ---- operands ------------------------------------------------------------- */

static Float80 rnd_f80(void)
{
    static const uint16_t exps[] = {
        0x3fff, 0x3ffe, 0x4000, 0x403e, 0x3fbf, 0x0001, 0x0000, 0x7ffe,
        0x7fff, 0x43fe, 0x43ff, 0x3bff, 0x3c00, 0x407e, 0x3f80, 0x2000,
        0x6000, 0x0040,
    };
    uint16_t se = exps[rndn(sizeof(exps) / sizeof(exps[0]))];
    uint64_t m = rnd();
    switch (rndn(8)) {
    case 0:
        m = 0;                                  /* zero, or J=0 */
        break;
    case 1:
        m &= ~0ull << rndn(64);                 /* short significand */
        m |= 1ull << 63;
        break;
    case 2:
        break;                                  /* J random: unnormals */
    default:
        m |= 1ull << 63;
        break;
    }
    if (rndn(6) == 0) {
        se = (uint16_t)(0x3fff + (int)rndn(130) - 65);   /* near 1 */
    }
    return (Float80){ m, (uint16_t)(se | (rnd() & 0x8000)) };
}

static uint64_t rnd_f64(void)
{
    static const uint16_t exps[] = { 0x3ff, 0x3fe, 0x400, 0x001, 0x000,
                                     0x7fe, 0x7ff, 0x200, 0x600, 0x43e };
    uint64_t e = exps[rndn(sizeof(exps) / sizeof(exps[0]))];
    uint64_t frac = rndn(4) == 0 ? 0 : rnd() & 0xfffffffffffffull;
    return (rnd() & 1ull << 63) | e << 52 | frac;
}

static uint32_t rnd_f32(void)
{
    static const uint8_t exps[] = { 0x7f, 0x7e, 0x80, 0x01, 0x00, 0xfe,
                                    0xff, 0x40, 0xc0, 0xbe };
    uint32_t e = exps[rndn(sizeof(exps) / sizeof(exps[0]))];
    uint32_t frac = rndn(4) == 0 ? 0 : (uint32_t)rnd() & 0x7fffff;
    return ((uint32_t)rnd() & 0x80000000u) | e << 23 | frac;
}

static uint64_t rnd_int(void)
{
    static const uint64_t edge[] = { 0, 1, ~0ull, 0x7fff, 0x8000, 0x7fffffff,
                                     0x80000000u, 0x7fffffffffffffffull,
                                     1ull << 63, 3, 10 };
    return rndn(3) == 0 ? edge[rndn(sizeof(edge) / sizeof(edge[0]))] : rnd();
}

/* ---- states --------------------------------------------------------------- */

static void set_reg(X86CPUState *s, int p, Float80 v)
{
    s->fpregs[p].mant = v.mant;
    s->fpregs[p].exp = v.se;
    s->ftw = (uint16_t)((s->ftw & ~(3u << (2 * p))) | x87_tag_of(v) << (2 * p));
}

/* A random x87 state: FCW mostly with every exception masked, masked
   flags (PE often) in FSW, random TOP and C bits, a few empty
   registers (more when a push needs room). */
static void rnd_state(Fixture *f, bool room)
{
    static const uint16_t pc[3] = { 0, 2, 3 };
    X86CPUState *s = &f->env.st;
    uint16_t masks = rndn(5) ? 0x3f : (uint16_t)(rnd() & 0x3f);

    s->fcw = (uint16_t)(0x40 | masks | pc[rndn(3)] << 8 | rndn(4) << 10);
    if (rndn(3) == 0) {
        s->fcw = rndn(2) ? 0x37f : 0x27f;
    }
    s->fsw = (uint16_t)((rnd() & 0x4700) | rndn(8) << FSW_TOP_SHIFT |
                        (rndn(2) ? FSW_PE : 0));
    s->fsw |= (uint16_t)(rnd() & 0x3f & s->fcw & (rndn(4) ? 0 : 0x3f));
    s->ftw = 0;
    for (int p = 0; p < 8; p++) {
        set_reg(s, p, rnd_f80());
        if (rndn(room ? 3 : 12) == 0) {
            s->ftw |= (uint16_t)(3u << (2 * p));
        }
    }
    /* near ST(0): cancellation in a difference, ties, carries */
    int top = (s->fsw >> FSW_TOP_SHIFT) & 7;
    for (int p = 0; p < 8; p++) {
        if (p != top && rndn(5) == 0) {
            Float80 v = { s->fpregs[top].mant, s->fpregs[top].exp };
            v.mant ^= rnd() >> rndn(64) >> 1;
            v.se = (uint16_t)(v.se + (int)rndn(3) - 1) ^ (rnd() & 0x8000);
            uint16_t keep = s->ftw & (uint16_t)(3u << (2 * p));
            set_reg(s, p, v);
            s->ftw |= keep;             /* an empty one stays empty */
        }
    }
    f->env.cc_src = rnd();
    f->env.cc_op = 17;
}

typedef struct Snap {
    X86CPUState st;
    uint64_t cc_src;
    uint32_t cc_op;
    uint8_t mem[16];
    XMMReg tmp;
} Snap;

static void snap_take(Fixture *f, Snap *n)
{
    n->st = f->env.st;
    n->cc_src = f->env.cc_src;
    n->cc_op = f->env.cc_op;
    memcpy(n->mem, f->mem + OPND, sizeof(n->mem));
    n->tmp = f->env.simd_tmp[0];
}

static void snap_put(Fixture *f, const Snap *n)
{
    f->env.st = n->st;
    f->env.cc_src = n->cc_src;
    f->env.cc_op = n->cc_op;
    memcpy(f->mem + OPND, n->mem, sizeof(n->mem));
    f->env.simd_tmp[0] = n->tmp;
}

/* The part of the state an x87 instruction may change. */
static void assert_same(const Snap *a, const Snap *b, unsigned mnem)
{
    if (memcmp(a->st.fpregs, b->st.fpregs, sizeof(a->st.fpregs)) ||
        a->st.fsw != b->st.fsw || a->st.ftw != b->st.ftw ||
        a->st.fop != b->st.fop || a->cc_src != b->cc_src ||
        a->cc_op != b->cc_op || memcmp(a->mem, b->mem, sizeof(a->mem))) {
        print_error("mnem %u: fsw %04x/%04x ftw %04x/%04x cc %llx/%llx "
                    "fcw %04x\n", mnem, a->st.fsw, b->st.fsw, a->st.ftw,
                    b->st.ftw, (unsigned long long)a->cc_src,
                    (unsigned long long)b->cc_src, a->st.fcw);
        for (int p = 0; p < 8; p++) {
            print_error("  r%d %04x %016llx / %04x %016llx\n", p,
                        a->st.fpregs[p].exp,
                        (unsigned long long)a->st.fpregs[p].mant,
                        b->st.fpregs[p].exp,
                        (unsigned long long)b->st.fpregs[p].mant);
        }
        fail();
    }
}

/* ---- one case ------------------------------------------------------------- */

typedef struct Insn {
    unsigned mnem;
    unsigned size;      /* memory bytes; 0 for a register form */
    bool room;          /* pushes: wants an empty register below TOP */
} Insn;

static uint64_t desc_of(const Insn *in, int dst, int src)
{
    return x87_desc(in->mnem, in->size, 0x123, R_DS, 8, (unsigned)dst,
                    (unsigned)src) | X87_D_LONG | X87_D_OP32;
}

static void rnd_mem(Fixture *f, const Insn *in)
{
    bool integer = in->mnem == X86_M_FIADD || in->mnem == X86_M_FIMUL ||
                   in->mnem == X86_M_FISUB || in->mnem == X86_M_FISUBR ||
                   in->mnem == X86_M_FIDIV || in->mnem == X86_M_FIDIVR ||
                   in->mnem == X86_M_FICOM || in->mnem == X86_M_FICOMP ||
                   in->mnem == X86_M_FILD;
    uint64_t v = integer ? rnd_int() : in->size == 4 ? rnd_f32()
               : in->size == 8 ? rnd_f64() : rnd();
    memcpy(f->mem + OPND, &v, 8);
    if (in->size == 10) {
        Float80 x = rnd_f80();
        memcpy(f->mem + OPND, &x.mant, 8);
        memcpy(f->mem + OPND + 8, &x.se, 2);
    }
}

/* Half the random cases hand a read-only operand over as the translator
   does (X87_D_PRE: already loaded into simd_tmp[0]). */
static bool preloadable(const Insn *in)
{
    return in->size <= 8 && in->mnem != X86_M_FST && in->mnem != X86_M_FSTP &&
           in->mnem != X86_M_FIST && in->mnem != X86_M_FISTP &&
           in->mnem != X86_M_FISTTP;
}

static uint64_t preload(Fixture *f, const Insn *in)
{
    uint64_t v = 0;
    memcpy(&v, f->mem + OPND, in->size);
    f->env.simd_tmp[0].q[0] = v;
    f->env.simd_tmp[0].q[1] = rnd();
    v = rnd();                  /* memory is not read again */
    memcpy(f->mem + OPND, &v, 8);
    return X87_D_PRE;
}

static void run(Fixture *f, const Insn *in, uint64_t desc)
{
    if (in->size) {
        helper_x87_mem(&f->env, OPND, desc);
    } else {
        helper_x87_reg(&f->env, desc, 0);
    }
}

/* Runs one case from the current state; returns whether the fast path
   took it. */
static bool check_case(Fixture *f, const Insn *in, int dst, int src,
                       uint64_t pre)
{
    uint64_t desc = desc_of(in, dst, src) | pre;
    Snap start, fast, soft, alone;
    bool taken;

    snap_take(f, &start);
    x87_host_set_enabled(true);
    run(f, in, desc);
    snap_take(f, &fast);
    snap_put(f, &start);
    x87_host_set_enabled(false);
    run(f, in, desc);
    snap_take(f, &soft);
    x87_host_set_enabled(true);
    assert_same(&fast, &soft, in->mnem);

    snap_put(f, &start);
    taken = in->size ? x87_host_mem(&f->env, desc, OPND)
                     : x87_host_reg(&f->env, desc);
    if (!taken) {
        snap_take(f, &alone);
        assert_same(&alone, &start, in->mnem);
    }
    snap_put(f, &start);
    return taken;
}

static const Insn reg_insns[] = {
    { X86_M_FADD, 0, false }, { X86_M_FADDP, 0, false },
    { X86_M_FMUL, 0, false }, { X86_M_FMULP, 0, false },
    { X86_M_FSUB, 0, false }, { X86_M_FSUBP, 0, false },
    { X86_M_FSUBR, 0, false }, { X86_M_FSUBRP, 0, false },
    { X86_M_FDIV, 0, false }, { X86_M_FDIVP, 0, false },
    { X86_M_FDIVR, 0, false }, { X86_M_FDIVRP, 0, false },
    { X86_M_FSQRT, 0, false }, { X86_M_FLD, 0, true },
    { X86_M_FST, 0, false }, { X86_M_FSTP, 0, false },
    { X86_M_FXCH, 0, false }, { X86_M_FCHS, 0, false },
    { X86_M_FABS, 0, false }, { X86_M_FLD1, 0, true },
    { X86_M_FLDZ, 0, true }, { X86_M_FTST, 0, false },
    { X86_M_FCOM, 0, false }, { X86_M_FCOMP, 0, false },
    { X86_M_FCOMPP, 0, false }, { X86_M_FUCOM, 0, false },
    { X86_M_FUCOMP, 0, false }, { X86_M_FUCOMPP, 0, false },
    { X86_M_FCOMI, 0, false }, { X86_M_FCOMIP, 0, false },
    { X86_M_FUCOMI, 0, false }, { X86_M_FUCOMIP, 0, false },
};

static const Insn mem_insns[] = {
    { X86_M_FADD, 4, false }, { X86_M_FADD, 8, false },
    { X86_M_FMUL, 4, false }, { X86_M_FMUL, 8, false },
    { X86_M_FSUB, 4, false }, { X86_M_FSUB, 8, false },
    { X86_M_FSUBR, 4, false }, { X86_M_FSUBR, 8, false },
    { X86_M_FDIV, 4, false }, { X86_M_FDIV, 8, false },
    { X86_M_FDIVR, 4, false }, { X86_M_FDIVR, 8, false },
    { X86_M_FIADD, 2, false }, { X86_M_FIADD, 4, false },
    { X86_M_FIMUL, 2, false }, { X86_M_FISUB, 4, false },
    { X86_M_FISUBR, 2, false }, { X86_M_FIDIV, 4, false },
    { X86_M_FIDIVR, 4, false },
    { X86_M_FLD, 4, true }, { X86_M_FLD, 8, true }, { X86_M_FLD, 10, true },
    { X86_M_FILD, 2, true }, { X86_M_FILD, 4, true }, { X86_M_FILD, 8, true },
    { X86_M_FST, 4, false }, { X86_M_FST, 8, false },
    { X86_M_FSTP, 4, false }, { X86_M_FSTP, 8, false },
    { X86_M_FSTP, 10, false },
    { X86_M_FIST, 2, false }, { X86_M_FIST, 4, false },
    { X86_M_FISTP, 2, false }, { X86_M_FISTP, 4, false },
    { X86_M_FISTP, 8, false },
    { X86_M_FISTTP, 2, false }, { X86_M_FISTTP, 4, false },
    { X86_M_FISTTP, 8, false },
    { X86_M_FCOM, 4, false }, { X86_M_FCOMP, 8, false },
    { X86_M_FICOM, 2, false }, { X86_M_FICOMP, 4, false },
};

static void run_random(Fixture *f, const Insn *insns, size_t n)
{
    long cases = case_count();

    for (size_t k = 0; k < n; k++) {
        long taken = 0;
        for (long c = 0; c < cases; c++) {
            rnd_state(f, insns[k].room);
            uint64_t pre = 0;
            if (insns[k].size) {
                rnd_mem(f, &insns[k]);
                if (preloadable(&insns[k]) && rndn(2)) {
                    pre = preload(f, &insns[k]);
                }
            }
            int i = (int)rndn(8);
            bool to_sti = rndn(2) && insns[k].mnem != X86_M_FCOMI &&
                          insns[k].mnem != X86_M_FUCOMI;
            taken += check_case(f, &insns[k], to_sti ? i : 0,
                                to_sti ? 0 : i, pre);
        }
#if defined(__x86_64__)
        /* the fast path is not a dead letter on the host it serves */
        if (taken == 0) {
            print_error("mnem %u size %u: fast path never taken\n",
                        insns[k].mnem, insns[k].size);
        }
        assert_true(taken > 0);
#endif
    }
}

static void test_random_reg(void **state)
{
    run_random(*state, reg_insns, sizeof(reg_insns) / sizeof(reg_insns[0]));
}

static void test_random_mem(void **state)
{
    run_random(*state, mem_insns, sizeof(mem_insns) / sizeof(mem_insns[0]));
}

/* ---- known cases ---------------------------------------------------------- */

static const Float80 one = { 1ull << 63, 0x3fff };
static const Float80 three = { 3ull << 62, 0x4000 };

/* ST(0) = a, ST(1) = b, TOP = 6, the others empty. */
static void two_regs(Fixture *f, uint16_t fcw, uint16_t fsw, Float80 a,
                     Float80 b)
{
    X86CPUState *s = &f->env.st;
    s->fcw = fcw;
    s->fsw = (uint16_t)(fsw | 6 << FSW_TOP_SHIFT);
    s->ftw = 0xffff;
    set_reg(s, 6, a);
    set_reg(s, 7, b);
}

static bool takes_reg(Fixture *f, unsigned mnem, int dst, int src)
{
    Insn in = { mnem, 0, false };
    return check_case(f, &in, dst, src, 0);
}

static void test_known(void **state)
{
    Fixture *f = *state;
    X86CPUState *s = &f->env.st;
    bool x86 = false;
#if defined(__x86_64__)
    x86 = true;
#endif

    /* 1 / 3 at 64 and 53 bits: rounded, PE; C1 says whether up */
    two_regs(f, 0x37f, 0, one, three);
    assert_true(takes_reg(f, X86_M_FDIV, 0, 1) == x86);
    helper_x87_reg(&f->env, desc_of(&(Insn){ X86_M_FDIV, 0, false }, 0, 1),
                   0);
    assert_int_equal(s->fpregs[6].exp, 0x3ffd);
    assert_true(s->fpregs[6].mant == 0xaaaaaaaaaaaaaaabull);
    assert_int_equal(s->fsw & (FSW_PE | FSW_C1), FSW_PE | FSW_C1);
    two_regs(f, 0x27f, FSW_PE, one, three);
    assert_true(takes_reg(f, X86_M_FDIV, 0, 1) == x86);
    helper_x87_reg(&f->env, desc_of(&(Insn){ X86_M_FDIV, 0, false }, 0, 1),
                   0);
    assert_true(s->fpregs[6].mant == 0xaaaaaaaaaaaaa800ull);
    assert_int_equal(s->fsw & (FSW_PE | FSW_C1), FSW_PE);
    /* round toward zero: not up */
    two_regs(f, 0xf7f, 0, one, three);
    helper_x87_reg(&f->env, desc_of(&(Insn){ X86_M_FDIV, 0, false }, 0, 1),
                   0);
    assert_true(s->fpregs[6].mant == 0xaaaaaaaaaaaaaaaaull);
    assert_int_equal(s->fsw & (FSW_PE | FSW_C1), FSW_PE);

    /* declined: an unmasked exception, a denormal, an empty register,
       an overflow, a zero divide, a stack overflow on a push */
    two_regs(f, 0x37e, 0, one, three);
    assert_false(takes_reg(f, X86_M_FADD, 0, 1));
    two_regs(f, 0x37f, 0, one, (Float80){ 1, 0 });
    assert_false(takes_reg(f, X86_M_FADD, 0, 1));
    assert_false(takes_reg(f, X86_M_FCOM, 0, 1));
    two_regs(f, 0x37f, 0, one, three);
    assert_false(takes_reg(f, X86_M_FADD, 0, 2));
    assert_false(takes_reg(f, X86_M_FXCH, 3, 3));
    two_regs(f, 0x37f, 0, (Float80){ 1ull << 63, 0x7ffe }, three);
    assert_false(takes_reg(f, X86_M_FMUL, 0, 1));
    two_regs(f, 0x37f, 0, one, (Float80){ 0, 0 });
    assert_false(takes_reg(f, X86_M_FDIV, 0, 1));
    s->ftw = 0x03ff;                        /* ST(7) = r5 in use */
    assert_false(takes_reg(f, X86_M_FLD1, 0, 0));

    /* taken on any host: compares and moves of ordinary values */
    two_regs(f, 0x37f, 0, one, three);
    assert_true(takes_reg(f, X86_M_FCOMPP, 0, 0));
    helper_x87_reg(&f->env,
                   desc_of(&(Insn){ X86_M_FCOMPP, 0, false }, 0, 0), 0);
    assert_int_equal(s->fsw & FSW_CC, FSW_C0);
    assert_int_equal(s->ftw, 0xffff);
    two_regs(f, 0x37f, FSW_C1, one, three);
    assert_true(takes_reg(f, X86_M_FXCH, 1, 1));
    assert_true(takes_reg(f, X86_M_FLD, 0, 1));
    assert_true(takes_reg(f, X86_M_FCHS, 0, 0));
}

/* An integer store out of range and a double store that overflows are
   declined; a double in range is taken on x86-64. */
static void test_known_mem(void **state)
{
    Fixture *f = *state;
    Insn fistp = { X86_M_FISTP, 2, false }, fst = { X86_M_FST, 8, false };
    Insn fld = { X86_M_FLD, 8, true };
    bool x86 = false;
#if defined(__x86_64__)
    x86 = true;
#endif

    two_regs(f, 0x37f, 0, (Float80){ 1ull << 63, 0x3fff + 20 }, one);
    assert_false(check_case(f, &fistp, 0, 0, 0));
    two_regs(f, 0x37f, 0, (Float80){ 1ull << 63, 0x3fff + 2000 }, one);
    assert_false(check_case(f, &fst, 0, 0, 0));
    two_regs(f, 0x37f, 0, three, one);
    assert_true(check_case(f, &fst, 0, 0, 0) == x86);
    uint64_t d = 0x3ff8000000000000ull;     /* 1.5 */
    memcpy(f->mem + OPND, &d, 8);
    assert_true(check_case(f, &fld, 0, 0, 0));
    d = 1;                                   /* a denormal double */
    memcpy(f->mem + OPND, &d, 8);
    assert_false(check_case(f, &fld, 0, 0, 0));
    /* handed over by the translator: memory is not read */
    f->env.simd_tmp[0].q[0] = 0x3ff8000000000000ull;
    helper_x87_mem(&f->env, OPND, desc_of(&fld, 0, 0) | X87_D_PRE);
    assert_true(f->env.st.fpregs[5].mant == 3ull << 62);
    assert_int_equal(f->env.st.fpregs[5].exp, 0x3fff);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_known, setup, teardown),
        cmocka_unit_test_setup_teardown(test_known_mem, setup, teardown),
        cmocka_unit_test_setup_teardown(test_random_reg, setup, teardown),
        cmocka_unit_test_setup_teardown(test_random_mem, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
