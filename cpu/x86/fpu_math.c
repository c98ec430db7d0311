/*
 * The x87 transcendental instructions: F2XM1, FYL2X, FYL2XP1, FPATAN,
 * FSIN, FCOS, FSINCOS, FPTAN. Integers only, like softfloat.c.
 *
 * Method. The special operands (zeros, infinities, NaNs, out-of-domain
 * values) follow the result tables of the SDM instruction pages. Finite
 * operands are evaluated in a 128-bit software float (Xf: sign, exponent
 * and a 128-bit significand, truncating arithmetic whose last bit is a
 * sticky bit: set when anything nonzero was cut off, so an inexact value
 * never looks exact) by Taylor series on reduced arguments, stopping at
 * the first term that falls wholly below the last bit, then rounded once
 * to 64 bits by FCW.RC, so results are correctly rounded except within
 * ~2^-120 relative of a rounding boundary, and PE is set for every
 * inexact result (the host CPU differs from this in the last bit now and
 * then: the difftest counts those apart, tests/difftest/README):
 *  - 2^x - 1 = expm1(x ln 2), expm1 by its series (|x ln 2| < 0.7);
 *  - log2(x) = e + ln(m)/ln 2 with m in [sqrt(1/2), sqrt(2)) and
 *    ln(m) = 2 atanh((m-1)/(m+1)); log2(1+x) through atanh(x/(2+x));
 *  - atan2 by octant: atan(q) with q <= 1, q > tan(pi/8) shifted by pi/4;
 *  - sin/cos/tan: |x| < 2^63 (else C2 = 1 and ST(0) is left alone). The
 *    argument is reduced modulo pi/2 exactly against the 66-bit pi that
 *    Intel documents for FSIN/FCOS/FPTAN (pi ~ 0x3.243F6A8885A308D3), by
 *    binary long division of the integer significand; the remainder is
 *    folded into [-pi/4, pi/4] and fed to the sine/cosine series. Large
 *    arguments thus come out as on Intel hardware, not as the true sine.
 * Precision control does not apply to these instructions.
 */
#include "cpu/x86/decode.h"
#include "cpu/x86/softfloat-internal.h"
#include "cpu/x86/x87.h"

/* value = sig * 2^(exp - 127), sig bit 127 set; sig == 0 is zero. */
typedef struct Xf {
    bool sign;
    int32_t exp;
    u128 sig;
} Xf;

#define U128(hi, lo) (((u128)(hi) << 64) | (lo))

static const Xf XF_LN2 = { false, -1,
    U128(0xb17217f7d1cf79abull, 0xc9e3b39803f2f6afull) };
static const Xf XF_PI = { false, 1,
    U128(0xc90fdaa22168c234ull, 0xc4c6628b80dc1cd1ull) };
static const u128 SQRT2_SIG = U128(0xb504f333f9de6484ull, 0x597d89b3754abe9full);
/* tan(pi/8) = sqrt(2) - 1 */
static const Xf XF_TAN_PI8 = { false, -2,
    U128(0xd413cccfe7799211ull, 0x65f626cdd52afa7cull) };
/* Intel's 66-bit pi, in units of 2^-64: also pi/2 in units of 2^-65 */
static const u128 PI66 = U128(0x3ull, 0x243f6a8885a308d3ull);

static void xf_norm(Xf *x)
{
    if (x->sig) {
        int n = sf_clz128(x->sig);
        x->sig <<= n;
        x->exp -= n;
    }
}

static Xf xf_u128(u128 v, int32_t scale)     /* v * 2^scale */
{
    Xf x = { false, 127 + scale, v };
    xf_norm(&x);
    return x;
}

static Xf xf_int(int64_t v)
{
    Xf x = xf_u128(v < 0 ? -(uint64_t)v : (uint64_t)v, 0);
    x.sign = v < 0;
    return x;
}

static Xf xf_from_unp(const SfUnp *u)
{
    Xf x = { u->sign, u->exp, u->cls == SFC_NORMAL ? u->sig << 1 : 0 };
    return x;
}

static void xf_to_unp(Xf x, SfUnp *u)
{
    *u = (SfUnp){ .cls = x.sig ? SFC_NORMAL : SFC_ZERO, .sign = x.sign,
                  .exp = x.exp, .sig = (x.sig >> 1) | (x.sig & 1) };
}

static Xf xf_neg(Xf a)
{
    a.sign = !a.sign;
    return a;
}

static Xf xf_add(Xf a, Xf b)
{
    if (!a.sig) {
        return b;
    }
    if (!b.sig) {
        return a;
    }
    if (b.exp > a.exp || (b.exp == a.exp && b.sig > a.sig)) {
        Xf t = a;
        a = b;
        b = t;
    }
    int d = a.exp - b.exp + 1;
    u128 as = a.sig >> 1, bs = sf_shr_jam(b.sig, d);     /* sticky bit */
    Xf r = { a.sign, a.exp + 1, a.sign == b.sign ? as + bs : as - bs };
    xf_norm(&r);
    return r;
}

static Xf xf_sub(Xf a, Xf b)
{
    return xf_add(a, xf_neg(b));
}

static Xf xf_mul(Xf a, Xf b)
{
    Xf r = { a.sign != b.sign, a.exp + b.exp + 1, 0 };
    if (!a.sig || !b.sig) {
        return r;
    }
    uint64_t ah = a.sig >> 64, al = (uint64_t)a.sig;
    uint64_t bh = b.sig >> 64, bl = (uint64_t)b.sig;
    u128 hl = (u128)ah * bl, lh = (u128)al * bh, ll = (u128)al * bl;
    u128 mid = (uint64_t)hl + (u128)(uint64_t)lh + (ll >> 64);
    u128 hi = (u128)ah * bh + (hl >> 64) + (lh >> 64) + (mid >> 64);
    u128 lo = ((u128)(uint64_t)mid << 64) | (uint64_t)ll;
    if (!(hi >> 127)) {
        hi = (hi << 1) | ((mid >> 63) & 1);
        lo <<= 1;
        r.exp--;
    }
    r.sig = hi | (lo != 0);     /* the bits below: a sticky bit */
    return r;
}

static Xf xf_div(Xf a, Xf b)
{
    Xf r = { a.sign != b.sign, a.exp - b.exp, 0 };
    if (!a.sig) {
        return r;
    }
    u128 rem = a.sig, q = 0;
    bool carry = false;
    for (int i = 0; i < 128; i++) {
        bool bit = carry || rem >= b.sig;
        if (bit) {
            rem -= b.sig;
        }
        q = (q << 1) | bit;
        carry = rem >> 127;
        rem <<= 1;
    }
    r.sig = q | (rem != 0);     /* a remainder: a sticky bit */
    xf_norm(&r);
    return r;
}

/* True once term lies wholly below the last bit of sum: xf_add then
   only jams it into a sticky bit, and a series must stop there, as the
   sticky bits of two such terms of opposite signs would cancel and make
   an inexact sum look exact. */
static bool negligible(Xf term, Xf sum)
{
    return !term.sig || term.exp < sum.exp - 126;
}

/* e^t - 1 for |t| < 1 */
static Xf xf_expm1(Xf t)
{
    Xf sum = t, term = t;
    for (int k = 2; k < 60; k++) {
        term = xf_div(xf_mul(term, t), xf_int(k));
        sum = xf_add(sum, term);
        if (negligible(term, sum)) {
            break;
        }
    }
    return sum;
}

/* 2 atanh(s) = ln((1+s)/(1-s)) for |s| < 0.2 */
static Xf xf_2atanh(Xf s)
{
    Xf s2 = xf_mul(s, s), sum = s, pw = s;
    for (int k = 1; k < 80; k++) {
        pw = xf_mul(pw, s2);
        Xf term = xf_div(pw, xf_int(2 * k + 1));
        sum = xf_add(sum, term);
        if (negligible(term, sum)) {
            break;
        }
    }
    sum.exp++;
    return sum;
}

/* log2(v), v > 0; *exact when v is a power of two (the result is then
   the integer *e). */
static Xf xf_log2(Xf v, int32_t *e, bool *exact)
{
    Xf m = v, one = xf_int(1);
    *e = v.exp;
    m.exp = 0;
    if (m.sig > SQRT2_SIG) {
        m.exp = -1;
        (*e)++;
    }
    Xf s = xf_div(xf_sub(m, one), xf_add(m, one));
    *exact = !s.sig;
    return xf_add(xf_int(*e), xf_div(xf_2atanh(s), XF_LN2));
}

/* atan(r) - r... by its series, |r| <= tan(pi/8) */
static Xf xf_atan_series(Xf r)
{
    Xf r2 = xf_mul(r, r), sum = r, pw = r;
    for (int k = 1; k < 120; k++) {
        pw = xf_neg(xf_mul(pw, r2));
        Xf term = xf_div(pw, xf_int(2 * k + 1));
        sum = xf_add(sum, term);
        if (negligible(term, sum)) {
            break;
        }
    }
    return sum;
}

/* atan(q), q > 0 */
static Xf xf_atan(Xf q)
{
    Xf one = xf_int(1), pi4 = XF_PI, pi2 = XF_PI;
    pi4.exp -= 2;
    pi2.exp -= 1;
    if (q.exp > 0 || (q.exp == 0 && q.sig > (u128)1 << 127)) {  /* q > 1 */
        return xf_sub(pi2, xf_atan(xf_div(one, q)));
    }
    if (q.exp > XF_TAN_PI8.exp ||
        (q.exp == XF_TAN_PI8.exp && q.sig > XF_TAN_PI8.sig)) {
        Xf r = xf_div(xf_sub(q, one), xf_add(q, one));
        return xf_add(pi4, xf_atan_series(r));
    }
    return xf_atan_series(q);
}

/* sin(r) and cos(r) for |r| <= pi/4; each series stops on its own. */
static void xf_sincos(Xf r, Xf *sn, Xf *cs)
{
    Xf r2 = xf_mul(r, r), ts = r, tc = xf_int(1);
    bool s_done = false, c_done = false;
    *sn = r;
    *cs = tc;
    for (int k = 1; k < 40 && !(s_done && c_done); k++) {
        if (!s_done) {
            ts = xf_neg(xf_div(xf_mul(ts, r2), xf_int((2 * k) * (2 * k + 1))));
            *sn = xf_add(*sn, ts);
            s_done = negligible(ts, *sn);
        }
        if (!c_done) {
            tc = xf_neg(xf_div(xf_mul(tc, r2), xf_int((2 * k - 1) * (2 * k))));
            *cs = xf_add(*cs, tc);
            c_done = negligible(tc, *cs);
        }
    }
}

/* ---- instruction results ---------------------------------------------- */

/* Rounds a transcendental result. The exact value of a nonzero one is
   irrational (the exact cases never come here), so it is never the
   128-bit value: a sticky bit says so, and a result that fits in 64 bits
   only because its tail fell below 2^-128 (the tangent or arctangent of
   a tiny argument) is still inexact, with PE, and UE when tiny. */
static Float80 round_xf(Xf x, SfStatus *st)
{
    SfUnp u;
    x.sig |= x.sig != 0;
    xf_to_unp(x, &u);
    return sf_pack_f80_prec(&u, 64, st);
}

static Float80 from_unp(SfUnp *u, SfStatus *st)
{
    return sf_pack_f80_prec(u, 64, st);
}

static Float80 signed_inf(bool sign)
{
    return (Float80){ 1ull << 63, (uint16_t)((sign ? 0x8000 : 0) | 0x7fff) };
}

static Float80 signed_zero(bool sign)
{
    return (Float80){ 0, sign ? 0x8000 : 0 };
}

static Float80 invalid(SfStatus *st)
{
    sf_raise(st, SF_IE);
    return sf_f80_default_nan();
}

/* Checks ST(0) (and ST(1) when two) are present; otherwise the masked
   underflow response: results replaced by the indefinite. */
static bool present(CPUX86TCG *env, int n)
{
    for (int i = 0; i < n; i++) {
        if (x87_is_empty(&env->st, i)) {
            if (!x87_underflow(env)) {
                x87_set(&env->st, n - 1, sf_f80_default_nan());
                if (n == 2) {
                    x87_pop(&env->st);
                }
            }
            return false;
        }
    }
    return true;
}

static Float80 f2xm1(SfUnp *x, SfStatus *st)
{
    SfUnp r;
    if (sf_pick_nan1(x, &r, st)) {
        return from_unp(&r, st);
    }
    if (x->cls == SFC_ZERO || (x->cls == SFC_INF && !x->sign)) {
        return from_unp(x, st);
    }
    if (x->cls == SFC_INF) {
        return (Float80){ 1ull << 63, 0xbfff };            /* -1 */
    }
    if (x->exp == 0 && x->sig == SF_SIG_TOP) {              /* +-1 exactly */
        /* -1 gives -1/2, inexact; +1 is rounded as a value just below 1
           (1 in nearest and up, the largest value below 1 in down and
           toward zero), as the host's F2XM1 does */
        if (!x->sign) {
            return round_xf((Xf){ false, -1, ~(u128)0 }, st);
        }
        sf_raise(st, SF_PE);
        st->rounded_up = false;
        return (Float80){ 1ull << 63, 0xbffe };
    }
    if (x->exp >= 0) {
        /* |x| > 1 is outside the domain (the SDM leaves the result
           undefined): like the hardware, x comes back, inexact */
        sf_raise(st, SF_PE);
        st->rounded_up = false;
        return from_unp(x, st);
    }
    return round_xf(xf_expm1(xf_mul(xf_from_unp(x), XF_LN2)), st);
}

/* y * log2(x): the special operands of FYL2X. */
static bool fyl2x_special(SfUnp *x, SfUnp *y, Float80 *res, SfStatus *st)
{
    SfUnp r;
    if (sf_pick_nan2(x, y, &r, st)) {
        *res = from_unp(&r, st);
    } else if (x->sign && x->cls != SFC_ZERO) {
        *res = invalid(st);
    } else if (x->cls == SFC_ZERO) {
        if (y->cls == SFC_ZERO) {
            *res = invalid(st);
        } else {
            if (y->cls != SFC_INF) {
                sf_raise(st, SF_ZE);
            }
            *res = signed_inf(!y->sign);
        }
    } else if (x->cls == SFC_INF) {
        *res = y->cls == SFC_ZERO ? invalid(st) : signed_inf(y->sign);
    } else if (x->exp == 0 && x->sig == SF_SIG_TOP) {        /* x == 1 */
        *res = y->cls == SFC_INF ? invalid(st) : signed_zero(y->sign);
    } else if (y->cls == SFC_INF || y->cls == SFC_ZERO) {
        bool below_one = x->exp < 0;
        bool sign = y->sign != below_one;
        *res = y->cls == SFC_INF ? signed_inf(sign) : signed_zero(sign);
    } else {
        return false;
    }
    return true;
}

static Float80 fyl2x(SfUnp *x, SfUnp *y, SfStatus *st)
{
    Float80 res;
    if (fyl2x_special(x, y, &res, st)) {
        return res;
    }
    int32_t e;
    bool exact;
    Xf l = xf_log2(xf_from_unp(x), &e, &exact);
    if (exact) {        /* y * e, rounded once; PE even when exact, as
                           the hardware reports, and so UE when tiny */
        SfUnp ue, r;
        ue = (SfUnp){ .cls = SFC_NORMAL, .sign = e < 0, .exp = 126,
                      .sig = (u128)(e < 0 ? -(int64_t)e : e) };
        sf_normalize(&ue);
        sf_unp_mul(y, &ue, &r, st);
        sf_raise(st, SF_PE);
        st->ue_exact = true;
        return from_unp(&r, st);
    }
    return round_xf(xf_mul(xf_from_unp(y), l), st);
}

static Float80 fyl2xp1(SfUnp *x, SfUnp *y, SfStatus *st)
{
    SfUnp r;
    if (sf_pick_nan2(x, y, &r, st)) {
        return from_unp(&r, st);
    }
    if (x->sign && x->cls == SFC_NORMAL && x->exp >= 0 &&
        y->cls != SFC_INF && y->cls != SFC_ZERO) {
        /* x <= -1, outside the domain (undefined in the SDM): like the
           hardware, x comes back, inexact */
        sf_raise(st, SF_PE);
        return from_unp(x, st);
    }
    bool minus_inf = x->sign && x->cls == SFC_INF;
    if (minus_inf || (x->cls == SFC_ZERO && y->cls == SFC_INF) ||
        (x->cls == SFC_INF && y->cls == SFC_ZERO)) {
        return invalid(st);
    }
    if (x->cls == SFC_ZERO || y->cls == SFC_ZERO) {
        return signed_zero(x->sign != y->sign);
    }
    if (x->cls == SFC_INF || y->cls == SFC_INF) {
        return signed_inf(x->sign != y->sign);
    }
    Xf xv = xf_from_unp(x), one = xf_int(1), l;
    if (x->exp >= -2) {
        int32_t e;
        bool exact;
        l = xf_log2(xf_add(one, xv), &e, &exact);
    } else {
        Xf s = xf_div(xv, xf_add(xf_int(2), xv));
        l = xf_div(xf_2atanh(s), XF_LN2);
    }
    /* inexact even when 1 + x is a power of two (round_xf), as the host
       reports it */
    return round_xf(xf_mul(xf_from_unp(y), l), st);
}

/* atan2(y, x): FPATAN's ST(1) = atan(ST(1) / ST(0)) with the quadrant. */
static Float80 fpatan(SfUnp *x, SfUnp *y, SfStatus *st)
{
    SfUnp r;
    if (sf_pick_nan2(x, y, &r, st)) {
        return from_unp(&r, st);
    }
    Xf a, pi = XF_PI, pi2 = XF_PI, pi4 = XF_PI;
    pi2.exp--;
    pi4.exp -= 2;
    if (y->cls == SFC_ZERO) {
        if (!x->sign) {
            return signed_zero(y->sign);
        }
        a = pi;
    } else if (y->cls == SFC_INF) {
        a = x->cls != SFC_INF ? pi2 : x->sign ? xf_add(pi2, pi4) : pi4;
    } else if (x->cls == SFC_ZERO) {
        a = pi2;
    } else if (x->cls == SFC_INF) {
        if (!x->sign) {
            return signed_zero(y->sign);
        }
        a = pi;
    } else {
        Xf q = xf_div(xf_from_unp(y), xf_from_unp(x));
        q.sign = false;
        a = xf_atan(q);
        if (x->sign) {
            a = xf_sub(pi, a);
        }
    }
    a.sign = y->sign;
    return round_xf(a, st);
}

/*
 * |x| modulo pi/2 against Intel's 66-bit pi: x = k * pi66/2 + r with
 * r in [-pi66/4, pi66/4]; returns r and k mod 4.
 */
static Xf reduce(const SfUnp *x, unsigned *k)
{
    uint64_t m = (uint64_t)(x->sig >> 63);
    int32_t shift = x->exp - 63 + 65;       /* x in units of 2^-65 */
    Xf r = xf_from_unp(x);
    r.sign = false;
    *k = 0;
    if (shift < 0) {
        return r;                           /* |x| < 1/2 */
    }
    u128 rem = m;
    unsigned q = 0;
    if (rem >= PI66) {
        rem -= PI66;
        q = 1;
    }
    for (int i = 0; i < shift; i++) {
        rem <<= 1;
        q <<= 1;
        if (rem >= PI66) {
            rem -= PI66;
            q |= 1;
        }
    }
    if (2 * rem > PI66) {
        r = xf_u128(PI66 - rem, -65);
        r.sign = true;
        q++;
    } else {
        r = xf_u128(rem, -65);
    }
    *k = q & 3;
    return r;
}

/* sin, cos of x (finite, |x| < 2^63). */
static void sin_cos(const SfUnp *x, Xf *sn, Xf *cs)
{
    unsigned k;
    Xf s, c, r = reduce(x, &k);
    if (!r.sig) {
        s = r;
        c = xf_int(1);
    } else {
        xf_sincos(r, &s, &c);
    }
    switch (k) {
    case 0: *sn = s; *cs = c; break;
    case 1: *sn = c; *cs = xf_neg(s); break;
    case 2: *sn = xf_neg(s); *cs = xf_neg(c); break;
    default: *sn = xf_neg(c); *cs = s; break;
    }
    if (x->sign) {
        *sn = xf_neg(*sn);
    }
}

/* ---- the instructions --------------------------------------------------- */

static void op_f2xm1(CPUX86TCG *env)
{
    if (present(env, 1)) {
        SfStatus st = x87_sf(&env->st);
        SfUnp x;
        sf_unpack_f80(x87_get(&env->st, 0), &x, &st);
        Float80 r = f2xm1(&x, &st);
        sf_denormal_fixup(&st, 0, &x, NULL);
        x87_result(env, 0, r, &st);
    }
}

/* FYL2X, FYL2XP1, FPATAN: ST(1) = f(ST(0), ST(1)), then pop. */
static void op_binary(CPUX86TCG *env, unsigned mnem)
{
    if (!present(env, 2)) {
        return;
    }
    SfStatus st = x87_sf(&env->st);
    SfUnp x, y;
    sf_unpack_f80(x87_get(&env->st, 0), &x, &st);
    sf_unpack_f80(x87_get(&env->st, 1), &y, &st);
    SfUnp x0 = x, y0 = y;
    Float80 r = mnem == X86_M_FYL2X ? fyl2x(&x, &y, &st)
              : mnem == X86_M_FYL2XP1 ? fyl2xp1(&x, &y, &st)
              : fpatan(&x, &y, &st);
    sf_denormal_fixup(&st, 0, &x0, &y0);
    if (x87_result(env, 1, r, &st)) {
        x87_pop(&env->st);
    }
}

/* A push after the result (FPTAN, FSINCOS): ST(7) must be empty. */
static bool trig_room(CPUX86TCG *env, bool pushes)
{
    X86CPUState *s = &env->st;
    if (!pushes || x87_is_empty(s, 7)) {
        return true;
    }
    s->fsw = (s->fsw | FSW_C1) & ~FSW_C2;
    if (!x87_raise(env, FSW_IE | FSW_SF)) {
        x87_set(s, 0, sf_f80_default_nan());
        x87_set_top(s, x87_top(s) - 1);
        x87_set(s, 0, sf_f80_default_nan());
    }
    return false;
}

/* Trig results (ST(0), and the pushed one) for special operands; false
   for a finite operand that needs the computation. */
static bool trig_special(SfUnp *x, unsigned mnem, Float80 *r0, Float80 *r1,
                         SfStatus *st)
{
    SfUnp n;
    if (sf_pick_nan1(x, &n, st)) {
        *r0 = *r1 = from_unp(&n, st);
    } else if (x->cls == SFC_INF) {
        *r0 = *r1 = invalid(st);
    } else if (x->cls == SFC_ZERO) {
        Float80 one = { 1ull << 63, 0x3fff };
        *r0 = mnem == X86_M_FCOS ? one : signed_zero(x->sign);
        *r1 = mnem == X86_M_FPTAN ? one : mnem == X86_M_FSINCOS ? one : *r0;
    } else {
        return false;
    }
    return true;
}

static void op_trig(CPUX86TCG *env, unsigned mnem)
{
    X86CPUState *s = &env->st;
    bool pushes = mnem == X86_M_FPTAN || mnem == X86_M_FSINCOS;
    if (x87_is_empty(s, 0)) {
        if (!x87_underflow(env)) {  /* every result is the indefinite */
            x87_set(s, 0, sf_f80_default_nan());
            if (pushes) {
                x87_set_top(s, x87_top(s) - 1);
                x87_set(s, 0, sf_f80_default_nan());
            }
        }
        s->fsw &= ~FSW_C2;
        return;
    }
    if (!trig_room(env, pushes)) {
        return;
    }
    SfStatus st = x87_sf(s);
    SfUnp x;
    Float80 r0, r1;
    sf_unpack_f80(x87_get(s, 0), &x, &st);
    if (x.cls == SFC_NORMAL && x.exp >= 63) {
        /* out of range: ST(0) unchanged, C2 set, C1 cleared */
        s->fsw = (s->fsw | FSW_C2) & ~FSW_C1;
        x87_raise(env, st.flags);
        return;
    }
    if (!trig_special(&x, mnem, &r0, &r1, &st)) {
        Xf sn, cs;
        sin_cos(&x, &sn, &cs);
        switch (mnem) {
        case X86_M_FSIN: r0 = round_xf(sn, &st); break;
        case X86_M_FCOS: r0 = round_xf(cs, &st); break;
        case X86_M_FPTAN:
            r0 = round_xf(xf_div(sn, cs), &st);
            r1 = (Float80){ 1ull << 63, 0x3fff };
            break;
        default:
            r1 = round_xf(cs, &st);
            r0 = round_xf(sn, &st);
            break;
        }
    }
    s->fsw &= ~FSW_C2;
    if (!x87_result(env, 0, r0, &st) || !pushes) {
        return;
    }
    x87_set_top(s, x87_top(s) - 1);
    x87_set(s, 0, r1);
}

bool x87_math(CPUX86TCG *env, unsigned mnem)
{
    switch (mnem) {
    case X86_M_F2XM1:
        op_f2xm1(env);
        return true;
    case X86_M_FYL2X:
    case X86_M_FYL2XP1:
    case X86_M_FPATAN:
        op_binary(env, mnem);
        return true;
    case X86_M_FSIN:
    case X86_M_FCOS:
    case X86_M_FPTAN:
    case X86_M_FSINCOS:
        op_trig(env, mnem);
        return true;
    default:
        return false;
    }
}
