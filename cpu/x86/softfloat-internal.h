/*
 * Internals shared by the softfloat files: the unpacked form every
 * operation works on, and the format descriptions used to round and pack.
 * See softfloat.c for the algorithms.
 */
#ifndef KITE_SOFTFLOAT_INTERNAL_H
#define KITE_SOFTFLOAT_INTERNAL_H

#include "cpu/x86/softfloat.h"

typedef unsigned __int128 u128;

typedef enum SfClass {
    SFC_ZERO,
    SFC_NORMAL,     /* any finite nonzero value, denormals included */
    SFC_INF,
    SFC_QNAN,
    SFC_SNAN,
    SFC_INVALID,    /* unsupported 80-bit encoding */
} SfClass;

/*
 * A finite nonzero value is (-1)^sign * sig * 2^(exp - 126) with sig
 * normalised to [2^126, 2^127): exp is the unbiased exponent of the
 * leading bit. A NaN keeps its fraction (quiet bit first, J bit of the
 * 80-bit format left out) left-aligned at bit 127 of sig.
 */
typedef struct SfUnp {
    SfClass cls;
    bool sign;
    int32_t exp;
    u128 sig;
} SfUnp;

#define SF_SIG_TOP ((u128)1 << 126)

typedef struct SfFormat {
    int prec;       /* significand bits, leading bit included */
    int32_t emin;   /* exponent of the smallest normal */
    int32_t emax;   /* exponent of the largest finite */
    int32_t bias;
} SfFormat;

extern const SfFormat sf_fmt_f32, sf_fmt_f64, sf_fmt_f80;

/* A rounded, packable result: biased exponent (0 for denormal/zero,
   max+1 for infinity) and the significand in its low prec bits. */
typedef struct SfPacked {
    bool sign;
    int32_t bexp;
    uint64_t mant;
} SfPacked;

u128 sf_shr_jam(u128 x, int n);
int sf_clz128(u128 x);
void sf_normalize(SfUnp *u);
SfPacked sf_round_pack(SfUnp *u, const SfFormat *f, int prec, SfStatus *st);
void sf_raise(SfStatus *st, int flags);

void sf_unpack_f32(Float32 a, SfUnp *u, SfStatus *st);
void sf_unpack_f64(Float64 a, SfUnp *u, SfStatus *st);
void sf_unpack_f80(Float80 a, SfUnp *u, SfStatus *st);
Float32 sf_pack_f32(SfUnp *u, SfStatus *st);
Float64 sf_pack_f64(SfUnp *u, SfStatus *st);
Float80 sf_pack_f80(SfUnp *u, SfStatus *st);
/* Packs with an explicit precision (x87 precision control overridden). */
Float80 sf_pack_f80_prec(SfUnp *u, int prec, SfStatus *st);

bool sf_is_nan_cls(SfClass c);
/* Picks the NaN result of a two-operand operation; returns false when
   neither operand is a NaN or an invalid encoding. */
bool sf_pick_nan2(const SfUnp *a, const SfUnp *b, SfUnp *r, SfStatus *st);
bool sf_pick_nan1(const SfUnp *a, SfUnp *r, SfStatus *st);
void sf_default_nan(SfUnp *r);

/* x86 reports DE only when no operand is a NaN and the operation is not
   invalid or a division by zero: otherwise DE goes back to its state before the operation. */
void sf_denormal_fixup(SfStatus *st, uint8_t before, const SfUnp *a,
                       const SfUnp *b);

/* Operations on the unpacked form (operands are not NaN/invalid). */
void sf_unp_add(SfUnp *a, SfUnp *b, bool negate_b, SfUnp *r, SfStatus *st);
void sf_unp_mul(SfUnp *a, SfUnp *b, SfUnp *r, SfStatus *st);
void sf_unp_div(SfUnp *a, SfUnp *b, SfUnp *r, SfStatus *st);
void sf_unp_sqrt(SfUnp *a, SfUnp *r, SfStatus *st);

#endif
