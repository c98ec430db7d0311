/*
 * Software floating point: the core (unpack, round and pack, NaN rules,
 * add/sub/mul/div/sqrt) for binary32, binary64 and x87 extended.
 *
 * Algorithms. Every operand is unpacked into SfUnp (softfloat-internal.h):
 * class, sign, the unbiased exponent of the leading bit and a 128-bit
 * significand normalised so the leading bit is bit 126. Every input format
 * has at most 64 significant bits, so the 62 bits below them are guard
 * bits; a right shift that drops bits ORs them into bit 0 ("jamming"),
 * which keeps the information "something nonzero was lost" below any
 * rounding position (all are at bit 63 or above).
 *  - add/sub: the smaller operand is aligned by a jamming right shift; the
 *    magnitudes are added or subtracted exactly in 128 bits, then
 *    renormalised. x - x gives +0 (-0 when rounding down).
 *  - mul: the two 64-bit significands give an exact 128-bit product.
 *  - div: long division in two 64-bit steps (128/64 integer divisions)
 *    gives a 128-bit quotient; a nonzero final remainder sets bit 0.
 *  - sqrt: the classic digit-by-digit (restoring) square root, two
 *    radicand bits per step, 67 steps: at least 66 result bits plus the
 *    remainder as sticky bit.
 *  - rounding (sf_round_pack): the significand is cut at bit 127 - prec;
 *    the cut bits decide the increment for the rounding mode; a carry
 *    out renormalises. A result below the smallest normal exponent is
 *    first shifted (with jamming) to the denormal position, so denormals
 *    are rounded once, at their own precision. Tininess is detected after
 *    rounding, as x86 does: tiny if the value rounded to prec bits with
 *    an unbounded exponent is below 2^emin. Masked underflow (UE) is
 *    tiny and inexact; with ue_exact (underflow unmasked) any tiny result.
 *    Overflow gives infinity or the largest finite number by mode.
 *    x87 precision control simply lowers prec while keeping the 15-bit
 *    exponent range of the extended format. With the x87's overflow or
 *    underflow exception unmasked (oe_wrap, ue_wrap) such a result is
 *    rounded as a normal number and its exponent wrapped by 3/2 of the
 *    exponent range (SDM vol. 1 8.5.3, 8.5.4).
 *  - NaNs: an SNaN operand raises IE and is quietened; for two NaN
 *    operands SSE returns the first one, x87 a QNaN over an SNaN, and
 *    between two of the same kind the one with the larger significand.
 *    Invalid operations and unsupported 80-bit encodings give the default
 *    NaN (negative, quiet, zero payload).
 * Only integer arithmetic is used (unsigned __int128 for the 128-bit
 * significands), never the host FPU, so the results are the same on
 * every host with a 64-bit C compiler.
 */
#include <stddef.h>

#include "cpu/x86/softfloat-internal.h"

const SfFormat sf_fmt_f32 = { 24, -126, 127, 127 };
const SfFormat sf_fmt_f64 = { 53, -1022, 1023, 1023 };
const SfFormat sf_fmt_f80 = { 64, -16382, 16383, 16383 };

void sf_status_init_sse(SfStatus *st, uint32_t mxcsr)
{
    *st = (SfStatus){
        .round = (mxcsr >> 13) & 3,
        .prec = SF_PREC_64,
        .nan_rule = SF_NAN_SSE,
        .ftz = (mxcsr >> 15) & 1,
        .daz = (mxcsr >> 6) & 1,
        .ue_exact = !((mxcsr >> 11) & 1),
    };
}

void sf_status_init_x87(SfStatus *st, uint16_t fcw)
{
    *st = (SfStatus){
        .round = (fcw >> 10) & 3,
        .prec = (fcw >> 8) & 3,
        .nan_rule = SF_NAN_X87,
        .ue_exact = !((fcw >> 4) & 1),
        .oe_wrap = !((fcw >> 3) & 1),
        .ue_wrap = !((fcw >> 4) & 1),
    };
}

void sf_raise(SfStatus *st, int flags)
{
    st->flags |= flags;
}

u128 sf_shr_jam(u128 x, int n)
{
    if (n <= 0) {
        return x;
    }
    if (n >= 128) {
        return x != 0;
    }
    return (x >> n) | ((x & (((u128)1 << n) - 1)) != 0);
}

int sf_clz128(u128 x)
{
    uint64_t hi = (uint64_t)(x >> 64);
    if (hi) {
        return __builtin_clzll(hi);
    }
    uint64_t lo = (uint64_t)x;
    return lo ? 64 + __builtin_clzll(lo) : 128;
}

void sf_normalize(SfUnp *u)
{
    int n = sf_clz128(u->sig) - 1;
    if (n >= 0) {
        u->sig <<= n;
    } else {
        u->sig = sf_shr_jam(u->sig, -n);
    }
    u->exp -= n;
}

bool sf_is_nan_cls(SfClass c)
{
    return c == SFC_QNAN || c == SFC_SNAN;
}

void sf_default_nan(SfUnp *r)
{
    *r = (SfUnp){ .cls = SFC_QNAN, .sign = true, .sig = (u128)1 << 127 };
}

/* ---- rounding ---------------------------------------------------------- */

static bool round_inc(int mode, bool sign, bool lsb, u128 rem, u128 half)
{
    switch (mode) {
    case SF_ROUND_NEAREST:
        return rem > half || (rem == half && lsb);
    case SF_ROUND_DOWN:
        return sign && rem;
    case SF_ROUND_UP:
        return !sign && rem;
    default:
        return false;
    }
}

/* Would sig * 2^(exp-126) rounded to prec bits (unbounded exponent) stay
   below 2^emin? */
static bool tiny_after_rounding(const SfUnp *u, const SfFormat *f, int prec,
                                const SfStatus *st)
{
    if (u->exp < f->emin - 1) {
        return true;
    }
    int sh = 127 - prec;
    u128 kept = u->sig >> sh;
    u128 rem = u->sig & (((u128)1 << sh) - 1);
    kept += round_inc(st->round, u->sign, kept & 1, rem, (u128)1 << (sh - 1));
    return !(kept >> prec);
}

static SfPacked overflow_result(bool sign, const SfFormat *f, int prec,
                                SfStatus *st)
{
    bool to_inf = st->round == SF_ROUND_NEAREST ||
                  (st->round == SF_ROUND_UP && !sign) ||
                  (st->round == SF_ROUND_DOWN && sign);
    sf_raise(st, SF_OE | SF_PE);
    st->rounded_up = to_inf;
    if (to_inf) {
        return (SfPacked){ sign, f->emax + f->bias + 1, 0 };
    }
    uint64_t ones = prec == 64 ? ~0ull : (1ull << prec) - 1;
    return (SfPacked){ sign, f->emax + f->bias, ones };
}

static int32_t wrap_amount(const SfFormat *f)
{
    return 3 * (f->emax + 1) / 2;
}

/* Rounds a wrapped result (unmasked x87 overflow / underflow). */
static SfPacked round_wrapped(SfUnp *u, const SfFormat *f, int prec,
                              int32_t adjust, int flag, SfStatus *st)
{
    SfUnp w = *u;
    w.exp += adjust;
    SfStatus inner = *st;
    inner.oe_wrap = inner.ue_wrap = false;
    inner.flags = 0;
    SfPacked p = sf_round_pack(&w, f, prec, &inner);
    if (inner.flags & SF_OE) {
        /* too large even wrapped (FSCALE): infinity whatever the mode */
        st->rounded_up = true;
        sf_raise(st, SF_OE | SF_PE);
        return (SfPacked){ u->sign, f->emax + f->bias + 1, 0 };
    }
    if (inner.flags & SF_UE) {
        /* too small even wrapped: zero whatever the mode */
        st->rounded_up = false;
        sf_raise(st, SF_UE | SF_PE);
        return (SfPacked){ u->sign, 0, 0 };
    }
    st->rounded_up = inner.rounded_up;
    sf_raise(st, flag | (inner.flags & SF_PE));
    return p;
}

SfPacked sf_round_pack(SfUnp *u, const SfFormat *f, int prec, SfStatus *st)
{
    int32_t exp = u->exp;
    u128 sig = u->sig;
    bool denormal = exp < f->emin;
    bool tiny = denormal && tiny_after_rounding(u, f, prec, st);
    st->rounded_up = false;
    if (tiny && st->ue_wrap) {
        return round_wrapped(u, f, prec, wrap_amount(f), SF_UE, st);
    }
    if (exp >= f->emax && st->oe_wrap) {
        SfStatus probe = *st;
        probe.oe_wrap = false;
        probe.flags = 0;
        sf_round_pack(u, f, prec, &probe);
        if (probe.flags & SF_OE) {
            return round_wrapped(u, f, prec, -wrap_amount(f), SF_OE, st);
        }
    }
    if (denormal && tiny && st->ftz) {
        sf_raise(st, SF_UE | SF_PE);
        return (SfPacked){ u->sign, 0, 0 };
    }
    if (denormal) {
        sig = sf_shr_jam(sig, f->emin - exp);
        exp = f->emin;
    }
    int sh = 127 - prec;
    u128 kept = sig >> sh;
    u128 rem = sig & (((u128)1 << sh) - 1);
    bool inc = round_inc(st->round, u->sign, kept & 1, rem,
                         (u128)1 << (sh - 1));
    kept += inc;
    if (rem) {
        sf_raise(st, SF_PE);
        st->rounded_up = inc;
    }
    if (tiny && (rem || st->ue_exact)) {
        sf_raise(st, SF_UE);
    }
    if (kept >> prec) {
        kept >>= 1;
        exp++;
    }
    if (exp > f->emax) {
        return overflow_result(u->sign, f, prec, st);
    }
    bool normal = (kept >> (prec - 1)) & 1;
    return (SfPacked){ u->sign, normal ? exp + f->bias : 0, (uint64_t)kept };
}

/* ---- unpacking ----------------------------------------------------------- */

static void unpack_ieee(bool sign, uint32_t e, uint64_t frac, int fbits,
                        const SfFormat *f, SfUnp *u, SfStatus *st)
{
    u->sign = sign;
    u->exp = 0;
    u->sig = 0;
    if (e == (uint32_t)(f->emax + f->bias + 1)) {
        if (!frac) {
            u->cls = SFC_INF;
            return;
        }
        u->cls = (frac >> (fbits - 1)) & 1 ? SFC_QNAN : SFC_SNAN;
        u->sig = (u128)frac << (128 - fbits);
        return;
    }
    if (e == 0) {
        if (!frac || st->daz) {
            u->cls = SFC_ZERO;
            return;
        }
        sf_raise(st, SF_DE);
        u->cls = SFC_NORMAL;
        u->exp = f->emin;
        u->sig = (u128)frac << (126 - fbits);
        sf_normalize(u);
        return;
    }
    u->cls = SFC_NORMAL;
    u->exp = (int32_t)e - f->bias;
    u->sig = ((u128)frac | ((u128)1 << fbits)) << (126 - fbits);
}

void sf_unpack_f32(Float32 a, SfUnp *u, SfStatus *st)
{
    unpack_ieee(a >> 31, (a >> 23) & 0xff, a & 0x7fffff, 23, &sf_fmt_f32,
                u, st);
}

void sf_unpack_f64(Float64 a, SfUnp *u, SfStatus *st)
{
    unpack_ieee(a >> 63, (a >> 52) & 0x7ff, a & 0xfffffffffffffull, 52,
                &sf_fmt_f64, u, st);
}

void sf_unpack_f80(Float80 a, SfUnp *u, SfStatus *st)
{
    uint32_t e = a.se & 0x7fff;
    bool j = a.mant >> 63;
    u->sign = a.se >> 15;
    u->exp = 0;
    u->sig = 0;
    if (e == 0x7fff || (e != 0 && !j)) {
        uint64_t frac = a.mant << 1;
        if (!j) {
            u->cls = SFC_INVALID;
        } else if (!frac) {
            u->cls = SFC_INF;
        } else {
            u->cls = (frac >> 63) ? SFC_QNAN : SFC_SNAN;
            u->sig = (u128)frac << 64;
        }
        return;
    }
    if (a.mant == 0) {
        u->cls = SFC_ZERO;
        return;
    }
    u->cls = SFC_NORMAL;
    u->sig = (u128)a.mant << 63;
    if (e == 0) {
        sf_raise(st, SF_DE);
        u->exp = sf_fmt_f80.emin;
        sf_normalize(u);
    } else {
        u->exp = (int32_t)e - sf_fmt_f80.bias;
    }
}

/* ---- packing ------------------------------------------------------------ */

Float32 sf_pack_f32(SfUnp *u, SfStatus *st)
{
    uint32_t s = (uint32_t)u->sign << 31;
    switch (u->cls) {
    case SFC_ZERO:
        return s;
    case SFC_INF:
        return s | 0x7f800000u;
    case SFC_NORMAL: {
        SfPacked p = sf_round_pack(u, &sf_fmt_f32, 24, st);
        return s | ((uint32_t)p.bexp << 23) | (p.mant & 0x7fffff);
    }
    case SFC_INVALID:
        return SF_F32_DEFAULT_NAN;
    default:
        return s | 0x7fc00000u | (uint32_t)(u->sig >> 105);
    }
}

Float64 sf_pack_f64(SfUnp *u, SfStatus *st)
{
    uint64_t s = (uint64_t)u->sign << 63;
    switch (u->cls) {
    case SFC_ZERO:
        return s;
    case SFC_INF:
        return s | 0x7ff0000000000000ull;
    case SFC_NORMAL: {
        SfPacked p = sf_round_pack(u, &sf_fmt_f64, 53, st);
        return s | ((uint64_t)p.bexp << 52) | (p.mant & 0xfffffffffffffull);
    }
    case SFC_INVALID:
        return SF_F64_DEFAULT_NAN;
    default:
        return s | 0x7ff8000000000000ull | (uint64_t)(u->sig >> 76);
    }
}

Float80 sf_f80_default_nan(void)
{
    return (Float80){ SF_F80_DEFAULT_NAN_MANT, SF_F80_DEFAULT_NAN_SE };
}

Float80 sf_pack_f80_prec(SfUnp *u, int prec, SfStatus *st)
{
    uint16_t s = (uint16_t)u->sign << 15;
    switch (u->cls) {
    case SFC_ZERO:
        return (Float80){ 0, s };
    case SFC_INF:
        return (Float80){ 1ull << 63, s | 0x7fff };
    case SFC_NORMAL: {
        SfPacked p = sf_round_pack(u, &sf_fmt_f80, prec, st);
        if (p.bexp == 0x7fff) {
            return (Float80){ 1ull << 63, s | 0x7fff };
        }
        return (Float80){ p.mant << (64 - prec), s | (uint16_t)p.bexp };
    }
    case SFC_INVALID:
        return sf_f80_default_nan();
    default:
        return (Float80){ (3ull << 62) | (uint64_t)(u->sig >> 65),
                          s | 0x7fff };
    }
}

static int x87_prec_bits(int pc)
{
    return pc == SF_PREC_24 ? 24 : pc == SF_PREC_53 ? 53 : 64;
}

Float80 sf_pack_f80(SfUnp *u, SfStatus *st)
{
    return sf_pack_f80_prec(u, x87_prec_bits(st->prec), st);
}

/* ---- NaN rules --------------------------------------------------------- */

static void quieten(const SfUnp *a, SfUnp *r)
{
    *r = *a;
    r->cls = SFC_QNAN;
    r->sig |= (u128)1 << 127;
}

bool sf_pick_nan1(const SfUnp *a, SfUnp *r, SfStatus *st)
{
    if (a->cls == SFC_INVALID) {
        sf_raise(st, SF_IE);
        sf_default_nan(r);
        return true;
    }
    if (!sf_is_nan_cls(a->cls)) {
        return false;
    }
    if (a->cls == SFC_SNAN) {
        sf_raise(st, SF_IE);
    }
    quieten(a, r);
    return true;
}

static const SfUnp *x87_nan_choice(const SfUnp *a, const SfUnp *b)
{
    if (!sf_is_nan_cls(b->cls)) {
        return a;
    }
    if (!sf_is_nan_cls(a->cls)) {
        return b;
    }
    if (a->cls != b->cls) {
        return a->cls == SFC_QNAN ? a : b;
    }
    if (a->sig != b->sig) {
        return a->sig > b->sig ? a : b;
    }
    return a->sign ? b : a;
}

bool sf_pick_nan2(const SfUnp *a, const SfUnp *b, SfUnp *r, SfStatus *st)
{
    if (a->cls == SFC_INVALID || b->cls == SFC_INVALID) {
        sf_raise(st, SF_IE);
        sf_default_nan(r);
        return true;
    }
    if (!sf_is_nan_cls(a->cls) && !sf_is_nan_cls(b->cls)) {
        return false;
    }
    if (a->cls == SFC_SNAN || b->cls == SFC_SNAN) {
        sf_raise(st, SF_IE);
    }
    const SfUnp *pick;
    if (st->nan_rule == SF_NAN_X87) {
        pick = x87_nan_choice(a, b);
    } else {
        pick = sf_is_nan_cls(a->cls) ? a : b;
    }
    quieten(pick, r);
    return true;
}

/* ---- arithmetic on unpacked values ------------------------------------ */

static void invalid_result(SfUnp *r, SfStatus *st)
{
    sf_raise(st, SF_IE);
    sf_default_nan(r);
}

static void zero_result(SfUnp *r, bool sign)
{
    *r = (SfUnp){ .cls = SFC_ZERO, .sign = sign };
}

static void add_magnitudes(SfUnp *x, SfUnp *y, bool sub, SfUnp *r,
                           SfStatus *st)
{
    u128 ys = sf_shr_jam(y->sig, x->exp - y->exp);
    r->cls = SFC_NORMAL;
    r->sign = x->sign;
    r->exp = x->exp;
    if (!sub) {
        r->sig = x->sig + ys;
    } else if (x->sig == ys) {
        zero_result(r, st->round == SF_ROUND_DOWN);
        return;
    } else {
        r->sig = x->sig - ys;
    }
    sf_normalize(r);
}

static bool mag_greater(const SfUnp *a, const SfUnp *b)
{
    return a->exp != b->exp ? a->exp > b->exp : a->sig > b->sig;
}

void sf_unp_add(SfUnp *a, SfUnp *b, bool negate_b, SfUnp *r, SfStatus *st)
{
    SfUnp nb = *b;
    nb.sign ^= negate_b;
    if (a->cls == SFC_INF || nb.cls == SFC_INF) {
        if (a->cls == SFC_INF && nb.cls == SFC_INF && a->sign != nb.sign) {
            invalid_result(r, st);
        } else {
            *r = a->cls == SFC_INF ? *a : nb;
        }
        return;
    }
    if (a->cls == SFC_ZERO && nb.cls == SFC_ZERO) {
        bool s = a->sign == nb.sign ? a->sign : st->round == SF_ROUND_DOWN;
        zero_result(r, s);
        return;
    }
    if (nb.cls == SFC_ZERO) {
        *r = *a;
        return;
    }
    if (a->cls == SFC_ZERO) {
        *r = nb;
        return;
    }
    bool sub = a->sign != nb.sign;
    if (mag_greater(&nb, a)) {
        add_magnitudes(&nb, a, sub, r, st);
    } else {
        add_magnitudes(a, &nb, sub, r, st);
    }
}

static uint64_t sig64(const SfUnp *u)
{
    return (uint64_t)sf_shr_jam(u->sig, 63);
}

void sf_unp_mul(SfUnp *a, SfUnp *b, SfUnp *r, SfStatus *st)
{
    bool sign = a->sign ^ b->sign;
    if (a->cls == SFC_INF || b->cls == SFC_INF) {
        if (a->cls == SFC_ZERO || b->cls == SFC_ZERO) {
            invalid_result(r, st);
        } else {
            *r = (SfUnp){ .cls = SFC_INF, .sign = sign };
        }
        return;
    }
    if (a->cls == SFC_ZERO || b->cls == SFC_ZERO) {
        zero_result(r, sign);
        return;
    }
    r->cls = SFC_NORMAL;
    r->sign = sign;
    r->exp = a->exp + b->exp;
    r->sig = (u128)sig64(a) * sig64(b);
    sf_normalize(r);
}

void sf_unp_div(SfUnp *a, SfUnp *b, SfUnp *r, SfStatus *st)
{
    bool sign = a->sign ^ b->sign;
    if (a->cls == SFC_INF || b->cls == SFC_INF) {
        if (a->cls == SFC_INF && b->cls == SFC_INF) {
            invalid_result(r, st);
        } else if (a->cls == SFC_INF) {
            *r = (SfUnp){ .cls = SFC_INF, .sign = sign };
        } else {
            zero_result(r, sign);
        }
        return;
    }
    if (b->cls == SFC_ZERO) {
        if (a->cls == SFC_ZERO) {
            invalid_result(r, st);
        } else {
            sf_raise(st, SF_ZE);
            *r = (SfUnp){ .cls = SFC_INF, .sign = sign };
        }
        return;
    }
    if (a->cls == SFC_ZERO) {
        zero_result(r, sign);
        return;
    }
    uint64_t ma = sig64(a), mb = sig64(b);
    u128 num = (u128)ma << 64;
    r->exp = a->exp - b->exp - 1;
    if (ma >= mb) {
        num >>= 1;
        r->exp++;
    }
    u128 q1 = num / mb, r1 = num % mb;
    u128 q2 = (r1 << 64) / mb, r2 = (r1 << 64) % mb;
    r->cls = SFC_NORMAL;
    r->sign = sign;
    r->sig = (q1 << 63) | (q2 >> 1) | ((q2 & 1) | (r2 != 0));
}

void sf_unp_sqrt(SfUnp *a, SfUnp *r, SfStatus *st)
{
    if (a->cls == SFC_ZERO || (a->cls == SFC_INF && !a->sign)) {
        *r = *a;
        return;
    }
    if (a->sign) {
        invalid_result(r, st);
        return;
    }
    u128 m = sig64(a);
    int32_t e = a->exp - 63;
    if (e & 1) {
        m <<= 1;
        e -= 1;
    }
    u128 rem = 0, q = 0;
    for (int i = 0; i < 67; i++) {
        unsigned pair = i < 33 ? (unsigned)(m >> (64 - 2 * i)) & 3 : 0;
        rem = (rem << 2) | pair;
        u128 t = (q << 2) | 1;
        if (rem >= t) {
            rem -= t;
            q = (q << 1) | 1;
        } else {
            q <<= 1;
        }
    }
    int lead = 127 - sf_clz128(q);
    r->cls = SFC_NORMAL;
    r->sign = false;
    r->exp = lead - 34 + e / 2;
    r->sig = (q << (126 - lead)) | (rem != 0);
}

/* ---- public arithmetic -------------------------------------------------- */

void sf_denormal_fixup(SfStatus *st, uint8_t before, const SfUnp *a,
                       const SfUnp *b)
{
    bool nan = a->cls >= SFC_QNAN || (b && b->cls >= SFC_QNAN);
    if (nan || ((st->flags & ~before) & (SF_IE | SF_ZE))) {
        st->flags = (st->flags & ~SF_DE) | (before & SF_DE);
    }
}

enum { OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_SQRT };

static void unp_op_inner(int op, SfUnp *a, SfUnp *b, SfUnp *r,
                         SfStatus *st);

static void unp_op(int op, SfUnp *a, SfUnp *b, SfUnp *r, SfStatus *st,
                   uint8_t before)
{
    unp_op_inner(op, a, b, r, st);
    sf_denormal_fixup(st, before, a, op == OP_SQRT ? NULL : b);
}

static void unp_op_inner(int op, SfUnp *a, SfUnp *b, SfUnp *r, SfStatus *st)
{
    bool nan = op == OP_SQRT ? sf_pick_nan1(a, r, st)
                             : sf_pick_nan2(a, b, r, st);
    if (nan) {
        return;
    }
    switch (op) {
    case OP_ADD:
        sf_unp_add(a, b, false, r, st);
        break;
    case OP_SUB:
        sf_unp_add(a, b, true, r, st);
        break;
    case OP_MUL:
        sf_unp_mul(a, b, r, st);
        break;
    case OP_DIV:
        sf_unp_div(a, b, r, st);
        break;
    default:
        sf_unp_sqrt(a, r, st);
        break;
    }
}

static Float32 f32_op(int op, Float32 a, Float32 b, SfStatus *st)
{
    SfUnp ua, ub, r;
    uint8_t before = st->flags;
    sf_unpack_f32(a, &ua, st);
    sf_unpack_f32(b, &ub, st);
    unp_op(op, &ua, &ub, &r, st, before);
    return sf_pack_f32(&r, st);
}

static Float64 f64_op(int op, Float64 a, Float64 b, SfStatus *st)
{
    SfUnp ua, ub, r;
    uint8_t before = st->flags;
    sf_unpack_f64(a, &ua, st);
    sf_unpack_f64(b, &ub, st);
    unp_op(op, &ua, &ub, &r, st, before);
    return sf_pack_f64(&r, st);
}

static Float80 f80_op(int op, Float80 a, Float80 b, SfStatus *st)
{
    SfUnp ua, ub, r;
    uint8_t before = st->flags;
    sf_unpack_f80(a, &ua, st);
    sf_unpack_f80(b, &ub, st);
    unp_op(op, &ua, &ub, &r, st, before);
    return sf_pack_f80(&r, st);
}

Float32 sf_f32_add(Float32 a, Float32 b, SfStatus *st)
{
    return f32_op(OP_ADD, a, b, st);
}

Float32 sf_f32_sub(Float32 a, Float32 b, SfStatus *st)
{
    return f32_op(OP_SUB, a, b, st);
}

Float32 sf_f32_mul(Float32 a, Float32 b, SfStatus *st)
{
    return f32_op(OP_MUL, a, b, st);
}

Float32 sf_f32_div(Float32 a, Float32 b, SfStatus *st)
{
    return f32_op(OP_DIV, a, b, st);
}

Float32 sf_f32_sqrt(Float32 a, SfStatus *st)
{
    return f32_op(OP_SQRT, a, 0, st);
}

Float64 sf_f64_add(Float64 a, Float64 b, SfStatus *st)
{
    return f64_op(OP_ADD, a, b, st);
}

Float64 sf_f64_sub(Float64 a, Float64 b, SfStatus *st)
{
    return f64_op(OP_SUB, a, b, st);
}

Float64 sf_f64_mul(Float64 a, Float64 b, SfStatus *st)
{
    return f64_op(OP_MUL, a, b, st);
}

Float64 sf_f64_div(Float64 a, Float64 b, SfStatus *st)
{
    return f64_op(OP_DIV, a, b, st);
}

Float64 sf_f64_sqrt(Float64 a, SfStatus *st)
{
    return f64_op(OP_SQRT, a, 0, st);
}

Float80 sf_f80_add(Float80 a, Float80 b, SfStatus *st)
{
    return f80_op(OP_ADD, a, b, st);
}

Float80 sf_f80_sub(Float80 a, Float80 b, SfStatus *st)
{
    return f80_op(OP_SUB, a, b, st);
}

Float80 sf_f80_mul(Float80 a, Float80 b, SfStatus *st)
{
    return f80_op(OP_MUL, a, b, st);
}

Float80 sf_f80_div(Float80 a, Float80 b, SfStatus *st)
{
    return f80_op(OP_DIV, a, b, st);
}

Float80 sf_f80_sqrt(Float80 a, SfStatus *st)
{
    Float80 zero = { 0, 0 };
    return f80_op(OP_SQRT, a, zero, st);
}
