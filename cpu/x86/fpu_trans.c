/*
 * x87 operations on ST(0) (and ST(1)) beyond the four basic ones: FSQRT,
 * FRNDINT, FSCALE, FXTRACT, FPREM, FPREM1, and the dispatch of the
 * transcendental instructions to fpu_math.c.
 *
 * FPREM/FPREM1 (SDM vol. 2): with D = exp(ST0) - exp(ST1) below 64 the
 * remainder is computed exactly (the 64-bit significand shifted by D,
 * divided by the other in 128-bit integers), Q's low three bits go to
 * C0, C3, C1 and C2 is cleared; otherwise a partial remainder reduces
 * the exponent by D - N with N = 32 + D mod 32 and C2 is set. FSCALE
 * adds trunc(ST1) to the exponent and rounds once under FCW (so
 * overflow, underflow and denormal results come out as for a multiply).
 */
#include "cpu/x86/decode.h"
#include "cpu/x86/softfloat-internal.h"
#include "cpu/x86/x87.h"

/* Both operands present; otherwise the masked underflow response (ST0 =
   indefinite) is applied and false returned. */
static bool need(CPUX86TCG *env, int n)
{
    for (int i = 0; i < n; i++) {
        if (x87_is_empty(&env->st, i)) {
            if (!x87_underflow(env)) {
                x87_set(&env->st, 0, sf_f80_default_nan());
            }
            return false;
        }
    }
    return true;
}

static void op_fsqrt(CPUX86TCG *env)
{
    if (need(env, 1)) {
        SfStatus st = x87_sf(&env->st);
        Float80 r = sf_f80_sqrt(x87_get(&env->st, 0), &st);
        x87_result(env, 0, r, &st);
    }
}

static void op_frndint(CPUX86TCG *env)
{
    if (need(env, 1)) {
        SfStatus st = x87_sf(&env->st);
        Float80 r = sf_f80_round_int(x87_get(&env->st, 0), st.round, false,
                                     &st);
        x87_result(env, 0, r, &st);
    }
}

/* trunc(b) as an integer clamped to +-2^20 (b finite). */
static int32_t scale_count(const SfUnp *b)
{
    if (b->cls != SFC_NORMAL || b->exp < 0) {
        return 0;
    }
    int32_t n = b->exp > 20 ? 1 << 21 : (int32_t)(b->sig >> (126 - b->exp));
    return b->sign ? -n : n;
}

static void op_fscale(CPUX86TCG *env)
{
    if (!need(env, 2)) {
        return;
    }
    SfStatus st = x87_sf(&env->st);
    SfUnp a, b, r;
    sf_unpack_f80(x87_get(&env->st, 0), &a, &st);
    sf_unpack_f80(x87_get(&env->st, 1), &b, &st);
    sf_denormal_fixup(&st, 0, &a, &b);
    if (!sf_pick_nan2(&a, &b, &r, &st)) {
        r = a;
        if (b.cls == SFC_INF) {
            bool bad = b.sign ? a.cls == SFC_INF : a.cls == SFC_ZERO;
            if (bad) {
                sf_raise(&st, SF_IE);
                sf_default_nan(&r);
            } else if (a.cls == SFC_NORMAL) {
                r.cls = b.sign ? SFC_ZERO : SFC_INF;
            }
        } else if (a.cls == SFC_NORMAL) {
            r.exp += scale_count(&b);
        }
    }
    /* precision control does not apply to FSCALE */
    x87_result(env, 0, sf_pack_f80_prec(&r, 64, &st), &st);
}

static void op_fxtract(CPUX86TCG *env)
{
    X86CPUState *s = &env->st;
    if (x87_is_empty(s, 0)) {
        if (!x87_underflow(env)) {   /* both results are the indefinite */
            x87_set(s, 0, sf_f80_default_nan());
            x87_set_top(s, x87_top(s) - 1);
            x87_set(s, 0, sf_f80_default_nan());
        }
        return;
    }
    if (!x87_is_empty(s, 7)) {
        s->fsw |= FSW_C1;
        if (!x87_raise(env, FSW_IE | FSW_SF)) {
            x87_set(s, 0, sf_f80_default_nan());
            x87_set_top(s, x87_top(s) - 1);
            x87_set(s, 0, sf_f80_default_nan());
        }
        return;
    }
    SfStatus st = x87_sf(s);
    SfUnp a, sig, ex;
    sf_unpack_f80(x87_get(s, 0), &a, &st);
    if (sf_pick_nan1(&a, &sig, &st)) {
        ex = sig;
    } else if (a.cls == SFC_ZERO) {
        sf_raise(&st, SF_ZE);
        sig = a;
        ex = (SfUnp){ .cls = SFC_INF, .sign = true };
    } else if (a.cls == SFC_INF) {
        sig = a;
        ex = (SfUnp){ .cls = SFC_INF };
    } else {
        sig = a;
        sig.exp = 0;
        int32_t e = a.exp;
        uint32_t mag = e < 0 ? -(uint32_t)e : (uint32_t)e;
        ex = (SfUnp){ .cls = e ? SFC_NORMAL : SFC_ZERO, .sign = e < 0,
                      .exp = 63, .sig = (u128)mag << 63 };
        if (e) {
            sf_normalize(&ex);
        }
    }
    s->fsw &= ~FSW_C1;
    if (x87_raise(env, st.flags)) {
        return;
    }
    x87_set(s, 0, sf_pack_f80_prec(&ex, 64, &st));
    x87_set_top(s, x87_top(s) - 1);
    x87_set(s, 0, sf_pack_f80_prec(&sig, 64, &st));
}

/* The exact remainder of |a| by |b| (both finite nonzero): ieee rounds the
   quotient to nearest. *q gets its low bits, *partial whether the
   reduction stopped early. */
static void partial_remainder(SfUnp *a, const SfUnp *b, bool ieee, unsigned *q,
                      bool *partial)
{
    uint64_t ma = (uint64_t)(a->sig >> 63), mb = (uint64_t)(b->sig >> 63);
    int32_t d = a->exp - b->exp;
    *q = 0;
    *partial = d >= 64;
    if (d < 0 && !(ieee && d == -1)) {
        return;
    }
    int shift = *partial ? 32 + d % 32 : d;
    u128 num = (u128)ma << (shift < 0 ? 0 : shift);
    u128 den = (u128)mb << (shift < 0 ? 1 : 0);
    u128 quo = num / den, rem = num % den;
    if (ieee && !*partial && (2 * rem > den || (2 * rem == den && (quo & 1)))) {
        rem = den - rem;
        quo++;
        a->sign = !a->sign;
    }
    *q = (unsigned)(quo & 7);
    int32_t unit = a->exp - 63 - (shift < 0 ? 0 : shift);
    if (rem == 0) {
        a->cls = SFC_ZERO;
        return;
    }
    a->exp = unit + 126;        /* value = rem * 2^unit */
    a->sig = rem;
    sf_normalize(a);
}

static void op_fprem(CPUX86TCG *env, bool ieee)
{
    X86CPUState *s = &env->st;
    if (!need(env, 2)) {
        s->fsw &= ~(FSW_C1 | FSW_C2);
        return;
    }
    SfStatus st = x87_sf(s);
    SfUnp a, b, r;
    unsigned q = 0;
    bool partial = false, reduced = false;
    sf_unpack_f80(x87_get(s, 0), &a, &st);
    sf_unpack_f80(x87_get(s, 1), &b, &st);
    SfUnp a0 = a, b0 = b;
    if (sf_pick_nan2(&a, &b, &r, &st)) {
        a = r;
    } else if (a.cls == SFC_INF || b.cls == SFC_ZERO) {
        sf_raise(&st, SF_IE);
        sf_default_nan(&a);
    } else if (a.cls == SFC_NORMAL && b.cls == SFC_NORMAL) {
        bool sign = a.sign;
        reduced = true;
        partial_remainder(&a, &b, ieee, &q, &partial);
        if (a.cls == SFC_ZERO) {
            a.sign = sign;
        }
    }
    sf_denormal_fixup(&st, 0, &a0, &b0);
    st.round = SF_ROUND_ZERO;    /* the result is exact */
    Float80 res = sf_pack_f80_prec(&a, 64, &st);
    /* a partial remainder clears C0, C3, C1 (as AMD and Intel parts do);
       a NaN or invalid operand, or an unmasked exception, leaves C0 and
       C3 alone and clears C1 and C2 */
    unsigned cc = partial ? FSW_C2
                          : ((q & 4) ? FSW_C0 : 0) | ((q & 2) ? FSW_C3 : 0) |
                            ((q & 1) ? FSW_C1 : 0);
    bool special = !reduced && a.cls != SFC_ZERO && a.cls != SFC_NORMAL;
    unsigned pre = st.flags & (SF_IE | SF_DE | SF_ZE);
    bool stopped = pre & ~s->fcw;
    x87_raise(env, stopped ? pre : st.flags & ~SF_PE);
    x87_set_cc(s, special || stopped ? s->fsw & (FSW_C0 | FSW_C3) : cc);
    if (!stopped) {
        x87_set(s, 0, res);
    }
}

bool x87_trans(CPUX86TCG *env, unsigned mnem)
{
    switch (mnem) {
    case X86_M_FSQRT:
        op_fsqrt(env);
        return true;
    case X86_M_FRNDINT:
        op_frndint(env);
        return true;
    case X86_M_FSCALE:
        op_fscale(env);
        return true;
    case X86_M_FXTRACT:
        op_fxtract(env);
        return true;
    case X86_M_FPREM:
        op_fprem(env, false);
        return true;
    case X86_M_FPREM1:
        op_fprem(env, true);
        return true;
    default:
        return x87_math(env, mnem);
    }
}
