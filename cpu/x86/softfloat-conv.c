/*
 * Software floating point: classification, comparisons, x86 MIN/MAX,
 * conversions between the formats and to/from integers, and rounding to
 * an integral value. Built on the unpacked form of softfloat.c.
 *
 * Conversions to integers round the unpacked significand at the binary
 * point (a jamming shift keeps two extra bits: the round bit and a sticky
 * bit) and then check the magnitude against the signed range; NaN,
 * infinity and overflow give IE and the integer indefinite, and PE is
 * raised only for an in-range inexact result, as on x86.
 */
#include "cpu/x86/softfloat-internal.h"

/* ---- classification ------------------------------------------------------ */

bool sf_f32_is_nan(Float32 a)
{
    return (a & 0x7fffffffu) > 0x7f800000u;
}

bool sf_f32_is_snan(Float32 a)
{
    return sf_f32_is_nan(a) && !(a & 0x00400000u);
}

bool sf_f64_is_nan(Float64 a)
{
    return (a & ~(1ull << 63)) > 0x7ff0000000000000ull;
}

bool sf_f64_is_snan(Float64 a)
{
    return sf_f64_is_nan(a) && !(a & (1ull << 51));
}

bool sf_f80_is_nan(Float80 a)
{
    return (a.se & 0x7fff) == 0x7fff && (a.mant >> 63) && (a.mant << 1);
}

bool sf_f80_is_snan(Float80 a)
{
    return sf_f80_is_nan(a) && !((a.mant >> 62) & 1);
}

bool sf_f80_is_unsupported(Float80 a)
{
    return (a.se & 0x7fff) != 0 && !(a.mant >> 63);
}

bool sf_f80_is_pseudo_denormal(Float80 a)
{
    return (a.se & 0x7fff) == 0 && (a.mant >> 63);
}

/* ---- comparisons --------------------------------------------------------- */

/* -1, 0, 1 comparing two ordered unpacked values. */
static int unp_order(const SfUnp *a, const SfUnp *b)
{
    if (a->cls == SFC_ZERO && b->cls == SFC_ZERO) {
        return 0;
    }
    if (a->sign != b->sign) {
        return a->sign ? -1 : 1;
    }
    int mag;
    if (a->cls != b->cls) {
        mag = a->cls > b->cls ? 1 : -1;      /* ZERO < NORMAL < INF */
    } else if (a->cls != SFC_NORMAL) {
        mag = 0;
    } else if (a->exp != b->exp) {
        mag = a->exp > b->exp ? 1 : -1;
    } else {
        mag = a->sig == b->sig ? 0 : a->sig > b->sig ? 1 : -1;
    }
    return a->sign ? -mag : mag;
}

static SfCmp unp_compare(const SfUnp *a, const SfUnp *b, bool signalling,
                         SfStatus *st)
{
    bool ua = a->cls >= SFC_QNAN, ub = b->cls >= SFC_QNAN;
    if (ua || ub) {
        if (signalling || a->cls == SFC_SNAN || b->cls == SFC_SNAN ||
            a->cls == SFC_INVALID || b->cls == SFC_INVALID) {
            sf_raise(st, SF_IE);
        }
        return SF_CMP_UNORDERED;
    }
    int o = unp_order(a, b);
    return o < 0 ? SF_CMP_LESS : o > 0 ? SF_CMP_GREATER : SF_CMP_EQUAL;
}

SfCmp sf_f32_compare(Float32 a, Float32 b, bool signalling, SfStatus *st)
{
    SfUnp ua, ub;
    uint8_t before = st->flags;
    sf_unpack_f32(a, &ua, st);
    sf_unpack_f32(b, &ub, st);
    SfCmp r = unp_compare(&ua, &ub, signalling, st);
    sf_denormal_fixup(st, before, &ua, &ub);
    return r;
}

SfCmp sf_f64_compare(Float64 a, Float64 b, bool signalling, SfStatus *st)
{
    SfUnp ua, ub;
    uint8_t before = st->flags;
    sf_unpack_f64(a, &ua, st);
    sf_unpack_f64(b, &ub, st);
    SfCmp r = unp_compare(&ua, &ub, signalling, st);
    sf_denormal_fixup(st, before, &ua, &ub);
    return r;
}

SfCmp sf_f80_compare(Float80 a, Float80 b, bool signalling, SfStatus *st)
{
    SfUnp ua, ub;
    uint8_t before = st->flags;
    sf_unpack_f80(a, &ua, st);
    sf_unpack_f80(b, &ub, st);
    SfCmp r = unp_compare(&ua, &ub, signalling, st);
    sf_denormal_fixup(st, before, &ua, &ub);
    return r;
}

/* ---- MIN / MAX ----------------------------------------------------------- */

/* Returns true when a is the result, false for b. */
static bool minmax_pick_a(const SfUnp *a, const SfUnp *b, bool max,
                          SfStatus *st)
{
    if (a->cls >= SFC_QNAN || b->cls >= SFC_QNAN) {
        sf_raise(st, SF_IE);
        return false;
    }
    if (a->cls == SFC_ZERO && b->cls == SFC_ZERO) {
        return false;
    }
    int o = unp_order(a, b);
    return max ? o > 0 : o < 0;
}

static Float32 f32_minmax(Float32 a, Float32 b, bool max, SfStatus *st)
{
    SfUnp ua, ub;
    uint8_t before = st->flags;
    sf_unpack_f32(a, &ua, st);
    sf_unpack_f32(b, &ub, st);
    bool pick_a = minmax_pick_a(&ua, &ub, max, st);
    sf_denormal_fixup(st, before, &ua, &ub);
    Float32 r = pick_a ? a : b;
    /* DAZ: a denormal operand is returned as the zero it was read as */
    return st->daz && !(r & 0x7f800000u) ? r & (0x80000000u) : r;
}

static Float64 f64_minmax(Float64 a, Float64 b, bool max, SfStatus *st)
{
    SfUnp ua, ub;
    uint8_t before = st->flags;
    sf_unpack_f64(a, &ua, st);
    sf_unpack_f64(b, &ub, st);
    bool pick_a = minmax_pick_a(&ua, &ub, max, st);
    sf_denormal_fixup(st, before, &ua, &ub);
    Float64 r = pick_a ? a : b;
    /* DAZ: a denormal operand is returned as the zero it was read as */
    return st->daz && !(r & 0x7ff0000000000000ull) ? r & (1ull << 63) : r;
}

Float32 sf_f32_min(Float32 a, Float32 b, SfStatus *st)
{
    return f32_minmax(a, b, false, st);
}

Float32 sf_f32_max(Float32 a, Float32 b, SfStatus *st)
{
    return f32_minmax(a, b, true, st);
}

Float64 sf_f64_min(Float64 a, Float64 b, SfStatus *st)
{
    return f64_minmax(a, b, false, st);
}

Float64 sf_f64_max(Float64 a, Float64 b, SfStatus *st)
{
    return f64_minmax(a, b, true, st);
}

/* ---- between formats ----------------------------------------------------- */

static void conv_prepare(SfUnp *u, SfStatus *st)
{
    SfUnp r;
    if (sf_pick_nan1(u, &r, st)) {
        *u = r;
    }
}

Float64 sf_f32_to_f64(Float32 a, SfStatus *st)
{
    SfUnp u;
    sf_unpack_f32(a, &u, st);
    conv_prepare(&u, st);
    return sf_pack_f64(&u, st);
}

Float80 sf_f32_to_f80(Float32 a, SfStatus *st)
{
    SfUnp u;
    sf_unpack_f32(a, &u, st);
    conv_prepare(&u, st);
    return sf_pack_f80_prec(&u, 64, st);
}

Float32 sf_f64_to_f32(Float64 a, SfStatus *st)
{
    SfUnp u;
    sf_unpack_f64(a, &u, st);
    conv_prepare(&u, st);
    return sf_pack_f32(&u, st);
}

Float80 sf_f64_to_f80(Float64 a, SfStatus *st)
{
    SfUnp u;
    sf_unpack_f64(a, &u, st);
    conv_prepare(&u, st);
    return sf_pack_f80_prec(&u, 64, st);
}

Float32 sf_f80_to_f32(Float80 a, SfStatus *st)
{
    SfUnp u;
    uint8_t before = st->flags;
    sf_unpack_f80(a, &u, st);
    st->flags = (st->flags & ~SF_DE) | (before & SF_DE);  /* FST: no #D */
    conv_prepare(&u, st);
    return sf_pack_f32(&u, st);
}

Float64 sf_f80_to_f64(Float80 a, SfStatus *st)
{
    SfUnp u;
    uint8_t before = st->flags;
    sf_unpack_f80(a, &u, st);
    st->flags = (st->flags & ~SF_DE) | (before & SF_DE);  /* FST: no #D */
    conv_prepare(&u, st);
    return sf_pack_f64(&u, st);
}

/* ---- from integers ------------------------------------------------------- */

static void unp_from_i64(int64_t a, SfUnp *u)
{
    uint64_t mag = a < 0 ? -(uint64_t)a : (uint64_t)a;
    *u = (SfUnp){ .cls = mag ? SFC_NORMAL : SFC_ZERO, .sign = a < 0 };
    if (mag) {
        u->exp = 63;
        u->sig = (u128)mag << 63;
        sf_normalize(u);
    }
}

Float32 sf_i32_to_f32(int32_t a, SfStatus *st)
{
    return sf_i64_to_f32(a, st);
}

Float32 sf_i64_to_f32(int64_t a, SfStatus *st)
{
    SfUnp u;
    unp_from_i64(a, &u);
    return sf_pack_f32(&u, st);
}

Float64 sf_i32_to_f64(int32_t a, SfStatus *st)
{
    return sf_i64_to_f64(a, st);
}

Float64 sf_i64_to_f64(int64_t a, SfStatus *st)
{
    SfUnp u;
    unp_from_i64(a, &u);
    return sf_pack_f64(&u, st);
}

Float80 sf_i64_to_f80(int64_t a, SfStatus *st)
{
    SfUnp u;
    unp_from_i64(a, &u);
    return sf_pack_f80_prec(&u, 64, st);
}

/* ---- to integers --------------------------------------------------------- */

/* Rounds |u| (finite, nonzero) to an integer; *mag saturates at 2^64. */
static u128 unp_round_int_mag(const SfUnp *u, int mode, bool *inexact)
{
    if (u->exp >= 64) {
        *inexact = false;
        return (u128)1 << 64;
    }
    u128 t = sf_shr_jam(u->sig, 126 - u->exp - 2);
    u128 kept = t >> 2, rem = t & 3;
    *inexact = rem != 0;
    switch (mode) {
    case SF_ROUND_NEAREST:
        kept += rem > 2 || (rem == 2 && (kept & 1));
        break;
    case SF_ROUND_DOWN:
        kept += u->sign && rem;
        break;
    case SF_ROUND_UP:
        kept += !u->sign && rem;
        break;
    default:
        break;
    }
    return kept;
}

/* Whether the integer magnitude mag is above |u| (rounded up). */
static bool unp_mag_rounded_up(const SfUnp *u, u128 mag)
{
    if (u->exp >= 63 || mag == 0) {
        return false;
    }
    /* mag > sig * 2^(exp - 126)  <=>  mag * 2^(126 - exp) > sig */
    int sh = 126 - u->exp;
    return sh >= 128 || (mag << sh) > u->sig || (mag >> (128 - sh)) != 0;
}

static int64_t unp_to_int(SfUnp *u, int bits, bool truncate, SfStatus *st,
                          uint8_t before)
{
    /* CVTSD2SI and FIST report no denormal operand */
    st->flags = (st->flags & ~SF_DE) | (before & SF_DE);
    int64_t indefinite = (int64_t)((uint64_t)-1 << (bits - 1));
    if (u->cls == SFC_ZERO) {
        return 0;
    }
    if (u->cls != SFC_NORMAL) {
        sf_raise(st, SF_IE);
        return indefinite;
    }
    bool inexact;
    u128 mag = unp_round_int_mag(u, truncate ? SF_ROUND_ZERO : st->round,
                                 &inexact);
    u128 limit = ((u128)1 << (bits - 1)) - !u->sign;
    if (mag > limit) {
        sf_raise(st, SF_IE);
        return indefinite;
    }
    if (inexact) {
        sf_raise(st, SF_PE);
    }
    st->rounded_up = unp_mag_rounded_up(u, mag);
    return u->sign ? (int64_t)-(uint64_t)mag : (int64_t)(uint64_t)mag;
}

int16_t sf_f32_to_i16(Float32 a, bool truncate, SfStatus *st)
{
    SfUnp u;
    uint8_t before = st->flags;
    sf_unpack_f32(a, &u, st);
    return (int16_t)unp_to_int(&u, 16, truncate, st, before);
}

int32_t sf_f32_to_i32(Float32 a, bool truncate, SfStatus *st)
{
    SfUnp u;
    uint8_t before = st->flags;
    sf_unpack_f32(a, &u, st);
    return (int32_t)unp_to_int(&u, 32, truncate, st, before);
}

int64_t sf_f32_to_i64(Float32 a, bool truncate, SfStatus *st)
{
    SfUnp u;
    uint8_t before = st->flags;
    sf_unpack_f32(a, &u, st);
    return unp_to_int(&u, 64, truncate, st, before);
}

int16_t sf_f64_to_i16(Float64 a, bool truncate, SfStatus *st)
{
    SfUnp u;
    uint8_t before = st->flags;
    sf_unpack_f64(a, &u, st);
    return (int16_t)unp_to_int(&u, 16, truncate, st, before);
}

int32_t sf_f64_to_i32(Float64 a, bool truncate, SfStatus *st)
{
    SfUnp u;
    uint8_t before = st->flags;
    sf_unpack_f64(a, &u, st);
    return (int32_t)unp_to_int(&u, 32, truncate, st, before);
}

int64_t sf_f64_to_i64(Float64 a, bool truncate, SfStatus *st)
{
    SfUnp u;
    uint8_t before = st->flags;
    sf_unpack_f64(a, &u, st);
    return unp_to_int(&u, 64, truncate, st, before);
}

int16_t sf_f80_to_i16(Float80 a, bool truncate, SfStatus *st)
{
    SfUnp u;
    uint8_t before = st->flags;
    sf_unpack_f80(a, &u, st);
    return (int16_t)unp_to_int(&u, 16, truncate, st, before);
}

int32_t sf_f80_to_i32(Float80 a, bool truncate, SfStatus *st)
{
    SfUnp u;
    uint8_t before = st->flags;
    sf_unpack_f80(a, &u, st);
    return (int32_t)unp_to_int(&u, 32, truncate, st, before);
}

int64_t sf_f80_to_i64(Float80 a, bool truncate, SfStatus *st)
{
    SfUnp u;
    uint8_t before = st->flags;
    sf_unpack_f80(a, &u, st);
    return unp_to_int(&u, 64, truncate, st, before);
}

/* ---- round to integral --------------------------------------------------- */

/* Rounds u in place to an integral value (NaNs are handled by the
   caller; zero, infinity and integral values stay as they are). */
static void unp_round_int(SfUnp *u, int prec, int mode, bool suppress_pe,
                          SfStatus *st)
{
    st->rounded_up = false;
    if (u->cls != SFC_NORMAL || u->exp >= prec - 1) {
        return;
    }
    bool inexact;
    u128 mag = unp_round_int_mag(u, mode, &inexact);
    if (inexact && !suppress_pe) {
        sf_raise(st, SF_PE);
    }
    st->rounded_up = unp_mag_rounded_up(u, mag);
    if (mag == 0) {
        u->cls = SFC_ZERO;
        return;
    }
    u->exp = 63;
    u->sig = mag << 63;
    sf_normalize(u);
}

Float32 sf_f32_round_int(Float32 a, int mode, bool suppress_pe, SfStatus *st)
{
    SfUnp u;
    uint8_t before = st->flags;
    sf_unpack_f32(a, &u, st);
    st->flags = before | (st->flags & ~SF_DE);   /* ROUNDSS: no #D */
    conv_prepare(&u, st);
    unp_round_int(&u, 24, mode, suppress_pe, st);
    bool up = st->rounded_up;
    Float32 r = sf_pack_f32(&u, st);
    st->rounded_up = up;        /* packing an integral value is exact */
    return r;
}

Float64 sf_f64_round_int(Float64 a, int mode, bool suppress_pe, SfStatus *st)
{
    SfUnp u;
    uint8_t before = st->flags;
    sf_unpack_f64(a, &u, st);
    st->flags = before | (st->flags & ~SF_DE);
    conv_prepare(&u, st);
    unp_round_int(&u, 53, mode, suppress_pe, st);
    bool up = st->rounded_up;
    Float64 r = sf_pack_f64(&u, st);
    st->rounded_up = up;        /* packing an integral value is exact */
    return r;
}

Float80 sf_f80_round_int(Float80 a, int mode, bool suppress_pe, SfStatus *st)
{
    SfUnp u;
    sf_unpack_f80(a, &u, st);
    conv_prepare(&u, st);
    unp_round_int(&u, 64, mode, suppress_pe, st);
    bool up = st->rounded_up;
    Float80 r = sf_pack_f80_prec(&u, 64, st);
    st->rounded_up = up;        /* packing an integral value is exact */
    return r;
}
