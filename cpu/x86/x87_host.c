/*
 * The x87 fast path for the common case (see cpu/x86/x87-host.h): the
 * operations of ordinary floating-point code on ordinary operands, done
 * with a few instructions instead of the 80-bit software floating point.
 *
 * Invariants: a function returns false before it writes any guest state
 * (a memory load that faults happens first, as on the software path);
 * a register read is never of an empty register (its tag is checked);
 * on an x86-64 host the host's own x87 unit is used with its FCW set to
 * the guest's (and put back), and its sticky flags are handled so that
 * the flags of one operation are known (host_run).
 */
#include "cpu/x86/x87-host.h"

#include <stdlib.h>
#include <string.h>

#include "cpu/x86/cc.h"
#include "cpu/x86/decode.h"
#include "cpu/x86/x87.h"

/* The small functions of the hot path go into their callers. */
#define HOT static inline __attribute__((always_inline))

static bool host_on = true;

bool x87_host_set_enabled(bool on)
{
    bool was = host_on;
    host_on = on;
    return was;
}

__attribute__((constructor)) static void x87_host_probe(void)
{
    const char *soft = getenv("KITE_X87_SOFT");
    host_on = !(soft && *soft && strcmp(soft, "0"));
}

/* ---- the register file -------------------------------------------------- */

HOT int top_of(const X86CPUState *s)
{
    return (s->fsw >> FSW_TOP_SHIFT) & 7;
}

HOT int phys_of(const X86CPUState *s, int i)
{
    return (top_of(s) + i) & 7;
}

HOT bool empty_at(const X86CPUState *s, int p)
{
    return ((s->ftw >> (2 * p)) & 3) == X87_TAG_EMPTY;
}

/* The tag of a value (x87_tag_of). */
HOT unsigned tag_of(uint64_t mant, uint16_t se)
{
    unsigned e = se & 0x7fff;
    if (e == 0) {
        return mant ? X87_TAG_SPECIAL : X87_TAG_ZERO;
    }
    return e == 0x7fff || !(mant >> 63) ? X87_TAG_SPECIAL : X87_TAG_VALID;
}

HOT void put(X86CPUState *s, int p, uint64_t mant, uint16_t se)
{
    unsigned tag = tag_of(mant, se);
    s->fpregs[p].mant = mant;
    s->fpregs[p].exp = se;
    s->ftw = (uint16_t)((s->ftw & ~(3u << (2 * p))) | tag << (2 * p));
}

HOT void set_cc(X86CPUState *s, unsigned cc)
{
    s->fsw = (uint16_t)((s->fsw & ~FSW_CC) | cc);
}

HOT void pop(X86CPUState *s)
{
    int p = top_of(s);
    s->ftw |= (uint16_t)(3u << (2 * p));
    s->fsw = (uint16_t)((s->fsw & ~FSW_TOP) |
                        ((p + 1) & 7) << FSW_TOP_SHIFT);
}

/* Pushes (mant, se) with C1 = 0; false (nothing done) on a stack
   overflow, which the software path reports. */
HOT bool push(X86CPUState *s, uint64_t mant, uint16_t se)
{
    int p = (top_of(s) - 1) & 7;
    if (!empty_at(s, p)) {
        return false;
    }
    s->fsw = (uint16_t)((s->fsw & ~(FSW_TOP | FSW_C1)) | p << FSW_TOP_SHIFT);
    put(s, p, mant, se);
    return true;
}

/* A normal number or a zero (no flag can come from it). */
HOT bool ordinary(uint64_t mant, uint16_t se)
{
    unsigned e = se & 0x7fff;
    return e == 0 ? mant == 0 : e != 0x7fff && (mant >> 63);
}

/* ---- memory operands in C ------------------------------------------------- */

enum { FM_F32, FM_F64, FM_I16, FM_I32, FM_I64, FM_F80, FM_NONE };

HOT int mem_fmt(unsigned mnem, unsigned size)
{
    switch (mnem) {
    case X86_M_FIADD: case X86_M_FIMUL: case X86_M_FISUB: case X86_M_FISUBR:
    case X86_M_FIDIV: case X86_M_FIDIVR: case X86_M_FICOM: case X86_M_FICOMP:
    case X86_M_FILD: case X86_M_FIST: case X86_M_FISTP: case X86_M_FISTTP:
        return size == 2 ? FM_I16 : size == 4 ? FM_I32 : FM_I64;
    case X86_M_FBLD: case X86_M_FBSTP:
        return FM_NONE;
    default:
        return size == 4 ? FM_F32 : size == 8 ? FM_F64 : FM_F80;
    }
}

static const unsigned fm_bytes[] = { 4, 8, 2, 4, 8, 10 };

/* The memory operand (not m80): loaded by the translator already, or
   read here. */
HOT uint64_t mem_read(CPUX86TCG *env, uint64_t desc, uint64_t laddr, int fmt)
{
    if (desc & X87_D_PRE) {
        return env->simd_tmp[0].q[0];
    }
    return x87_mload(env, desc, laddr, 0, fm_bytes[fmt]);
}

/* A real or integer operand as an extended value, when the conversion is
   exact and raises nothing (no denormal, infinity or NaN). */
HOT bool mem_value(uint64_t v, int fmt, uint64_t *mant, uint16_t *se)
{
    uint64_t frac, mag;
    unsigned e;
    int64_t n;

    switch (fmt) {
    case FM_F32:
        e = (v >> 23) & 0xff;
        frac = v & 0x7fffff;
        *se = (uint16_t)((v >> 16) & 0x8000);
        if (e == 0 || e == 0xff) {
            *mant = 0;
            return e == 0 && frac == 0;
        }
        *mant = 1ull << 63 | frac << 40;
        *se |= (uint16_t)(e - 127 + 16383);
        return true;
    case FM_F64:
        e = (v >> 52) & 0x7ff;
        frac = v & 0xfffffffffffffull;
        *se = (uint16_t)((v >> 48) & 0x8000);
        if (e == 0 || e == 0x7ff) {
            *mant = 0;
            return e == 0 && frac == 0;
        }
        *mant = 1ull << 63 | frac << 11;
        *se |= (uint16_t)(e - 1023 + 16383);
        return true;
    default:
        n = fmt == FM_I16 ? (int16_t)v : fmt == FM_I32 ? (int32_t)v
                                                       : (int64_t)v;
        *se = n < 0 ? 0x8000 : 0;
        mag = n < 0 ? -(uint64_t)n : (uint64_t)n;
        if (mag == 0) {
            *mant = 0;
            return true;
        }
        int lz = __builtin_clzll(mag);
        *mant = mag << lz;
        *se |= (uint16_t)(16383 + 63 - lz);
        return true;
    }
}

HOT bool fast_load_mem(CPUX86TCG *env, uint64_t desc, uint64_t laddr,
                          int fmt)
{
    uint64_t mant;
    uint16_t se;

    if (fmt == FM_F80) {
        mant = x87_mload(env, desc, laddr, 0, 8);
        se = (uint16_t)x87_mload(env, desc, laddr, 8, 2);
    } else if (!mem_value(mem_read(env, desc, laddr, fmt), fmt, &mant,
                          &se)) {
        return false;
    }
    return push(&env->st, mant, se);
}

/* FST/FSTP m80: any value, no flag, C1 = 0 (the last bytes first, as on
   the software path). */
static bool fast_store_f80(CPUX86TCG *env, uint64_t desc, uint64_t laddr,
                           bool do_pop)
{
    X86CPUState *s = &env->st;
    int p = top_of(s);

    if (empty_at(s, p)) {
        return false;
    }
    x87_mstore(env, desc, laddr, 8, 2, s->fpregs[p].exp);
    x87_mstore(env, desc, laddr, 0, 8, s->fpregs[p].mant);
    s->fsw &= (uint16_t)~FSW_C1;
    if (do_pop) {
        pop(s);
    }
    return true;
}

/* ---- compares ------------------------------------------------------------- */

/* a <=> b for ordinary values: -1, 0, 1. */
static int cmp_ordinary(uint64_t am, uint16_t ase, uint64_t bm, uint16_t bse)
{
    int sa = ase >> 15, sb = bse >> 15, c;
    unsigned ea = ase & 0x7fff, eb = bse & 0x7fff;

    if (ea == 0 && eb == 0) {
        return 0;
    }
    if (sa != sb) {
        return sa ? -1 : 1;
    }
    c = ea != eb ? (ea < eb ? -1 : 1) : am != bm ? (am < bm ? -1 : 1) : 0;
    return sa ? -c : c;
}

static bool is_eflags_cmp(unsigned mnem)
{
    return mnem == X86_M_FCOMI || mnem == X86_M_FCOMIP ||
           mnem == X86_M_FUCOMI || mnem == X86_M_FUCOMIP;
}

/* ST(0) against (bm, bse): C3/C2/C0 (C1 = 0) or ZF/PF/CF, then pops. */
HOT bool fast_compare(CPUX86TCG *env, unsigned mnem, uint64_t bm,
                         uint16_t bse)
{
    X86CPUState *s = &env->st;
    int p = top_of(s);
    const FloatX80 *a = &s->fpregs[p];

    if (empty_at(s, p) || !ordinary(a->mant, a->exp) || !ordinary(bm, bse)) {
        return false;
    }
    int c = cmp_ordinary(a->mant, a->exp, bm, bse);
    if (is_eflags_cmp(mnem)) {
        env->cc_src = c < 0 ? RF_CF : c == 0 ? RF_ZF : 0;
        env->cc_op = CC_OP_EFLAGS;
    } else {
        set_cc(s, c < 0 ? FSW_C0 : c == 0 ? FSW_C3 : 0);
    }
    for (int n = x87_compare_pops(mnem); n > 0; n--) {
        pop(s);
    }
    return true;
}

static bool fast_compare_reg(CPUX86TCG *env, unsigned mnem, int i)
{
    X86CPUState *s = &env->st;
    int p;

    if (mnem == X86_M_FCOMPP || mnem == X86_M_FUCOMPP) {
        i = 1;
    }
    p = phys_of(s, i);
    if (empty_at(s, p)) {
        return false;
    }
    return fast_compare(env, mnem, s->fpregs[p].mant, s->fpregs[p].exp);
}

/* ---- register moves ------------------------------------------------------- */

static bool fast_fld_reg(X86CPUState *s, int i)
{
    int p = phys_of(s, i);
    return !empty_at(s, p) && push(s, s->fpregs[p].mant, s->fpregs[p].exp);
}

static bool fast_fst_reg(X86CPUState *s, int i, bool do_pop)
{
    int p0 = top_of(s);
    if (empty_at(s, p0)) {
        return false;
    }
    put(s, phys_of(s, i), s->fpregs[p0].mant, s->fpregs[p0].exp);
    s->fsw &= (uint16_t)~FSW_C1;
    if (do_pop) {
        pop(s);
    }
    return true;
}

static bool fast_fxch(X86CPUState *s, int i)
{
    int p0 = top_of(s), pi = phys_of(s, i);
    if (empty_at(s, p0) || empty_at(s, pi)) {
        return false;
    }
    FloatX80 a = s->fpregs[p0], b = s->fpregs[pi];
    put(s, p0, b.mant, b.exp);
    put(s, pi, a.mant, a.exp);
    s->fsw &= (uint16_t)~FSW_C1;
    return true;
}

static bool fast_sign(X86CPUState *s, bool chs)
{
    int p = top_of(s);
    if (empty_at(s, p)) {
        return false;
    }
    uint16_t se = s->fpregs[p].exp;
    put(s, p, s->fpregs[p].mant, chs ? se ^ 0x8000 : se & 0x7fff);
    s->fsw &= (uint16_t)~FSW_C1;
    return true;
}

/* ---- the host's x87 unit ---------------------------------------------------- */

#if defined(__x86_64__)

#define FSW_FAULTS (FSW_IE | FSW_DE | FSW_ZE | FSW_OE | FSW_UE | FSW_SF)

/* A host operation: *r from a (and b); returns the host's FSW. */
typedef uint16_t HostFn(FloatX80 *r, const FloatX80 *a, const void *b);

/* ST(0) = a op b, both extended (b is pushed first). The forms with
   ST(0) as destination are the unambiguous ones in AT&T syntax. */
#define HOST_RR(name, insn)                                                 \
    static uint16_t host_##name##_rr(FloatX80 *r, const FloatX80 *a,        \
                                     const void *b)                         \
    {                                                                       \
        uint16_t sw;                                                        \
        __asm__ volatile("fldt %[b]\n\tfldt %[a]\n\t"                       \
                         insn " %%st(1), %%st\n\t"                          \
                         "fnstsw %[sw]\n\tfstpt %[r]\n\tfstp %%st(0)"       \
                         : [r] "=m"(*r), [sw] "=a"(sw)                      \
                         : [a] "m"(*a), [b] "m"(*(const FloatX80 *)b)        \
                         : "st", "st(1)");                                  \
        return sw;                                                          \
    }

/* ST(0) = a op m, m a real or integer in memory of type T. */
#define HOST_RM(name, insn, T)                                              \
    static uint16_t host_##name(FloatX80 *r, const FloatX80 *a,             \
                                const void *b)                              \
    {                                                                       \
        uint16_t sw;                                                        \
        __asm__ volatile("fldt %[a]\n\t" insn " %[b]\n\t"                   \
                         "fnstsw %[sw]\n\tfstpt %[r]"                       \
                         : [r] "=m"(*r), [sw] "=a"(sw)                      \
                         : [a] "m"(*a), [b] "m"(*(const T *)b)              \
                         : "st");                                           \
        return sw;                                                          \
    }

#define HOST_OP(name)                                                       \
    HOST_RR(name, "f" #name)                                                \
    HOST_RM(name##_f32, "f" #name "s", uint32_t)                            \
    HOST_RM(name##_f64, "f" #name "l", uint64_t)                            \
    HOST_RM(name##_i16, "fi" #name "s", uint16_t)                           \
    HOST_RM(name##_i32, "fi" #name "l", uint32_t)

HOST_OP(add) HOST_OP(mul) HOST_OP(sub) HOST_OP(subr) HOST_OP(div) HOST_OP(divr)

#define HOST_ROW(name)                                                      \
    { host_##name##_f32, host_##name##_f64, host_##name##_i16,              \
      host_##name##_i32, NULL, host_##name##_rr }

/* [operation][FM_* of the second operand; FM_F80 for a register] */
static HostFn *const host_arith[6][6] = {
    HOST_ROW(add), HOST_ROW(mul), HOST_ROW(sub),
    HOST_ROW(subr), HOST_ROW(div), HOST_ROW(divr),
};

static uint16_t host_sqrt(FloatX80 *r, const FloatX80 *a, const void *b)
{
    uint16_t sw;
    __asm__ volatile("fldt %[a]\n\tfsqrt\n\tfnstsw %[sw]\n\tfstpt %[r]"
                     : [r] "=m"(*r), [sw] "=a"(sw) : [a] "m"(*a) : "st");
    return sw;
}

/* Stores of ST(0) to memory: *(T *)r = a converted by insn. */
#define HOST_ST(name, insn, T)                                              \
    static uint16_t host_##name(FloatX80 *r, const FloatX80 *a,             \
                                const void *b)                              \
    {                                                                       \
        uint16_t sw;                                                        \
        __asm__ volatile("fldt %[a]\n\t" insn " %[r]\n\tfnstsw %[sw]"        \
                         : [r] "=m"(*(T *)r), [sw] "=a"(sw)                 \
                         : [a] "m"(*a) : "st");                             \
        return sw;                                                          \
    }

HOST_ST(fst_f32, "fstps", uint32_t) HOST_ST(fst_f64, "fstpl", uint64_t)
HOST_ST(fist_i16, "fistps", uint16_t) HOST_ST(fist_i32, "fistpl", uint32_t)
HOST_ST(fist_i64, "fistpll", uint64_t)
HOST_ST(fisttp_i16, "fisttps", uint16_t)
HOST_ST(fisttp_i32, "fisttpl", uint32_t)
HOST_ST(fisttp_i64, "fisttpll", uint64_t)

/* [FM_*] of the memory operand */
static HostFn *const host_store[5] = {
    host_fst_f32, host_fst_f64, host_fist_i16, host_fist_i32, host_fist_i64,
};
static HostFn *const host_fisttp[5] = {
    NULL, NULL, host_fisttp_i16, host_fisttp_i32, host_fisttp_i64,
};

/* FISTTP needs SSE3 on the host too. */
static bool host_has_sse3(void)
{
    static int known = -1;
    if (known < 0) {
        __builtin_cpu_init();
        known = __builtin_cpu_supports("sse3") != 0;
    }
    return known;
}

/*
 * Runs fn under the guest's fcw (every exception masked) and returns the
 * host's FSW, or 0xffff when the operation raised more than PE (the
 * caller then declines). The host's flags are sticky: with the guest's
 * PE clear they are read and cleared first when set, so that PE comes
 * from this operation alone; with the guest's PE set (the steady state)
 * a PE left over does not matter and they are not read at all (FNSTSW
 * waits for the x87 unit), while any other flag seen after the operation
 * is cleared and declined, so one left over by other code costs one
 * trip through the software path. The host's FCW is put back.
 */
HOT uint16_t host_run(HostFn *fn, uint16_t fcw, uint16_t fsw,
                         FloatX80 *r, const FloatX80 *a, const void *b)
{
    uint16_t keep, sw;

    __asm__ volatile("fnstcw %0" : "=m"(keep));
    if (!(fsw & FSW_PE)) {
        __asm__ volatile("fnstsw %%ax" : "=a"(sw));
        if (sw & (FSW_FAULTS | FSW_PE)) {
            __asm__ volatile("fnclex");
        }
    }
    if (keep != fcw) {
        __asm__ volatile("fldcw %0" : : "m"(fcw));
    }
    sw = fn(r, a, b);
    if (keep != fcw) {
        __asm__ volatile("fldcw %0" : : "m"(keep));
    }
    if (sw & FSW_FAULTS) {
        __asm__ volatile("fnclex");
        return 0xffff;
    }
    return sw;
}

/* The host's FSW sw into the guest's: PE (sticky) and C1. */
HOT void take_flags(X86CPUState *s, uint16_t sw)
{
    s->fsw = (uint16_t)((s->fsw & ~FSW_C1) | (sw & (FSW_C1 | FSW_PE)));
}

HOT bool all_masked(const X86CPUState *s)
{
    return (s->fcw & 0x3f) == 0x3f;
}

/* ST(dst) = ST(dst) op b on the host; pops after when asked. */
HOT bool fast_arith(X86CPUState *s, HostFn *fn, int dst, const void *b,
                       bool do_pop)
{
    int p = phys_of(s, dst);
    FloatX80 r;

    if (!fn || !all_masked(s) || empty_at(s, p)) {
        return false;
    }
    uint16_t sw = host_run(fn, s->fcw, s->fsw, &r, &s->fpregs[p],
                           b);
    if (sw == 0xffff || (r.exp & 0x7fff) == 0x7fff) {
        return false;
    }
    put(s, p, r.mant, r.exp);
    take_flags(s, sw);
    if (do_pop) {
        pop(s);
    }
    return true;
}

static int arith_op(unsigned mnem)
{
    switch (mnem) {
    case X86_M_FADD: case X86_M_FADDP: case X86_M_FIADD:
        return 0;
    case X86_M_FMUL: case X86_M_FMULP: case X86_M_FIMUL:
        return 1;
    case X86_M_FSUB: case X86_M_FSUBP: case X86_M_FISUB:
        return 2;
    case X86_M_FSUBR: case X86_M_FSUBRP: case X86_M_FISUBR:
        return 3;
    case X86_M_FDIV: case X86_M_FDIVP: case X86_M_FIDIV:
        return 4;
    default:
        return 5;
    }
}

HOT bool fast_arith_reg(X86CPUState *s, unsigned mnem, int dst, int src,
                           bool do_pop)
{
    int ps = phys_of(s, src);
    if (empty_at(s, ps)) {
        return false;
    }
    FloatX80 b = s->fpregs[ps];
    return fast_arith(s, host_arith[arith_op(mnem)][FM_F80], dst, &b, do_pop);
}

HOT bool fast_arith_mem(CPUX86TCG *env, uint64_t desc, uint64_t laddr,
                           unsigned mnem, int fmt)
{
    if (!all_masked(&env->st)) {
        return false;
    }
    uint64_t v = mem_read(env, desc, laddr, fmt);
    return fast_arith(&env->st, host_arith[arith_op(mnem)][fmt], 0, &v,
                      false);
}

HOT bool fast_store_mem(CPUX86TCG *env, uint64_t desc, uint64_t laddr,
                           unsigned mnem, int fmt)
{
    X86CPUState *s = &env->st;
    int p = top_of(s);
    HostFn *fn = mnem == X86_M_FISTTP
                     ? (host_has_sse3() ? host_fisttp[fmt] : NULL)
                     : host_store[fmt];
    FloatX80 r = { 0, 0 };

    if (!fn || !all_masked(s) || empty_at(s, p)) {
        return false;
    }
    uint16_t sw = host_run(fn, s->fcw, s->fsw, &r, &s->fpregs[p],
                           NULL);
    if (sw == 0xffff) {
        return false;
    }
    /* as on the software path: C1 and the flags, then the store */
    take_flags(s, sw);
    x87_mstore(env, desc, laddr, 0, fm_bytes[fmt], r.mant);
    if (mnem != X86_M_FST && mnem != X86_M_FIST) {
        pop(s);
    }
    return true;
}

#else /* not an x86-64 host: the software path does these */

HOT bool fast_arith_reg(X86CPUState *s, unsigned mnem, int dst, int src,
                           bool do_pop)
{
    return false;
}

HOT bool fast_arith_mem(CPUX86TCG *env, uint64_t desc, uint64_t laddr,
                           unsigned mnem, int fmt)
{
    return false;
}

HOT bool fast_store_mem(CPUX86TCG *env, uint64_t desc, uint64_t laddr,
                           unsigned mnem, int fmt)
{
    return false;
}

#endif

static bool fast_sqrt(X86CPUState *s)
{
#if defined(__x86_64__)
    return fast_arith(s, host_sqrt, 0, NULL, false);
#else
    return false;
#endif
}

/* ---- entry points --------------------------------------------------------- */

bool x87_host_reg(CPUX86TCG *env, uint64_t desc)
{
    X86CPUState *s = &env->st;
    unsigned mnem = X87_D_MNEM(desc);
    int dst = X87_D_DST(desc), src = X87_D_SRC(desc);

    if (!host_on) {
        return false;
    }
    switch (mnem) {
    case X86_M_FADD: case X86_M_FMUL: case X86_M_FSUB: case X86_M_FSUBR:
    case X86_M_FDIV: case X86_M_FDIVR:
        return fast_arith_reg(s, mnem, dst, src, false);
    case X86_M_FADDP: case X86_M_FMULP: case X86_M_FSUBP: case X86_M_FSUBRP:
    case X86_M_FDIVP: case X86_M_FDIVRP:
        return fast_arith_reg(s, mnem, dst, src, true);
    case X86_M_FSQRT:
        return fast_sqrt(s);
    case X86_M_FLD:
        return fast_fld_reg(s, src);
    case X86_M_FST: case X86_M_FSTP:
        return fast_fst_reg(s, dst, mnem == X86_M_FSTP);
    case X86_M_FXCH:
        return fast_fxch(s, src);
    case X86_M_FCHS: case X86_M_FABS:
        return fast_sign(s, mnem == X86_M_FCHS);
    case X86_M_FLD1:
        return push(s, 1ull << 63, 0x3fff);
    case X86_M_FLDZ:
        return push(s, 0, 0);
    case X86_M_FTST:
        return fast_compare(env, mnem, 0, 0);
    case X86_M_FCOM: case X86_M_FCOMP: case X86_M_FCOMPP:
    case X86_M_FUCOM: case X86_M_FUCOMP: case X86_M_FUCOMPP:
    case X86_M_FCOMI: case X86_M_FCOMIP: case X86_M_FUCOMI:
    case X86_M_FUCOMIP:
        return fast_compare_reg(env, mnem, src);
    default:
        return false;
    }
}

bool x87_host_mem(CPUX86TCG *env, uint64_t desc, uint64_t laddr)
{
    unsigned mnem = X87_D_MNEM(desc);
    int fmt = mem_fmt(mnem, X87_D_SIZE(desc));
    uint64_t mant, v;
    uint16_t se;

    if (!host_on || fmt == FM_NONE) {
        return false;
    }
    switch (mnem) {
    case X86_M_FLD: case X86_M_FILD:
        return fast_load_mem(env, desc, laddr, fmt);
    case X86_M_FADD: case X86_M_FMUL: case X86_M_FSUB: case X86_M_FSUBR:
    case X86_M_FDIV: case X86_M_FDIVR: case X86_M_FIADD: case X86_M_FIMUL:
    case X86_M_FISUB: case X86_M_FISUBR: case X86_M_FIDIV: case X86_M_FIDIVR:
        return fast_arith_mem(env, desc, laddr, mnem, fmt);
    case X86_M_FST: case X86_M_FSTP: case X86_M_FIST: case X86_M_FISTP:
    case X86_M_FISTTP:
        if (fmt == FM_F80) {
            return fast_store_f80(env, desc, laddr, mnem == X86_M_FSTP);
        }
        return fast_store_mem(env, desc, laddr, mnem, fmt);
    case X86_M_FCOM: case X86_M_FCOMP: case X86_M_FICOM: case X86_M_FICOMP:
        v = mem_read(env, desc, laddr, fmt);
        return mem_value(v, fmt, &mant, &se) &&
               fast_compare(env, mnem, mant, se);
    default:
        return false;
    }
}
