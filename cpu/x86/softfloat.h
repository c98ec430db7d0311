/*
 * Software floating point for the x87 and SSE units: IEEE 754 binary32,
 * binary64 and the x87 80-bit extended format, computed with integers
 * only, so every host (and both TCG backends) gives the same bits.
 *
 * Every operation takes an SfStatus: the rounding mode, the x87 precision
 * control (for extended results), the SSE flush-to-zero and
 * denormals-are-zero switches and which NaN rule applies (x87 or SSE);
 * it accumulates the exception flags in the x86 bit order shared by the
 * x87 status word and MXCSR (IE DE ZE OE UE PE in bits 0..5).
 *
 * Results follow the x86 rules for the masked response: the default NaN
 * is the negative "real indefinite" QNaN, SNaNs are quietened, the
 * integer conversions return the "integer indefinite" (the most negative
 * value) on NaN or overflow, and tininess is detected after rounding.
 * The algorithms are described at the top of softfloat.c.
 *
 * This header is an interface other code builds on: add, do not rename.
 */
#ifndef KITE_SOFTFLOAT_H
#define KITE_SOFTFLOAT_H

#include <stdbool.h>
#include <stdint.h>

typedef uint32_t Float32;
typedef uint64_t Float64;

/* The 80-bit extended format: explicit integer bit in mant bit 63, the
   sign in bit 15 of se and the biased exponent in bits 0..14 (the same
   layout as FloatX80 in cpu.h). */
typedef struct Float80 {
    uint64_t mant;
    uint16_t se;
} Float80;

/* Rounding modes, encoded as the x87 FCW.RC and MXCSR.RC fields. */
enum {
    SF_ROUND_NEAREST = 0,
    SF_ROUND_DOWN = 1,
    SF_ROUND_UP = 2,
    SF_ROUND_ZERO = 3,
};

/* x87 precision control (FCW.PC): significand bits of extended results. */
enum {
    SF_PREC_24 = 0,
    SF_PREC_53 = 2,
    SF_PREC_64 = 3,
};

/* Exception flags, as in FSW bits 0..5 and MXCSR bits 0..5. */
#define SF_IE 0x01  /* invalid operation */
#define SF_DE 0x02  /* denormal operand */
#define SF_ZE 0x04  /* divide by zero */
#define SF_OE 0x08  /* overflow */
#define SF_UE 0x10  /* underflow */
#define SF_PE 0x20  /* precision (inexact) */

/* Which operand a two-NaN operation returns. */
enum {
    SF_NAN_SSE = 0, /* the first source operand, quietened */
    SF_NAN_X87 = 1, /* a QNaN over an SNaN, else the larger significand */
};

typedef struct SfStatus {
    uint8_t round;      /* SF_ROUND_* */
    uint8_t prec;       /* SF_PREC_*: extended results only */
    uint8_t nan_rule;   /* SF_NAN_* */
    bool ftz;           /* SSE: tiny results become zero (with UE, PE) */
    bool daz;           /* SSE: denormal inputs are zero (no DE) */
    bool ue_exact;      /* underflow unmasked: UE on every tiny result,
                           exact or not (masked: tiny and inexact) */
    uint8_t flags;      /* accumulated SF_* exception flags */
    bool rounded_up;    /* last rounding increased the magnitude (x87 C1) */
    /* x87 with OE / UE unmasked: an overflowing or tiny result is
       delivered with its exponent wrapped by 3/2 * 2^(exponent bits - 1)
       (24576 for extended) instead of infinity, maximum or denormal */
    bool oe_wrap, ue_wrap;
} SfStatus;

/* Comparison results. */
typedef enum SfCmp {
    SF_CMP_LESS = 0,
    SF_CMP_EQUAL = 1,
    SF_CMP_GREATER = 2,
    SF_CMP_UNORDERED = 3,
} SfCmp;

/* A status for SSE (from MXCSR) and for the x87 unit (from FCW). */
void sf_status_init_sse(SfStatus *st, uint32_t mxcsr);
void sf_status_init_x87(SfStatus *st, uint16_t fcw);

/* Default NaNs ("real indefinite") and integer indefinites. */
#define SF_F32_DEFAULT_NAN 0xffc00000u
#define SF_F64_DEFAULT_NAN 0xfff8000000000000ull
#define SF_F80_DEFAULT_NAN_SE 0xffff
#define SF_F80_DEFAULT_NAN_MANT 0xc000000000000000ull
#define SF_I16_INDEFINITE ((int16_t)0x8000)
#define SF_I32_INDEFINITE ((int32_t)0x80000000)
#define SF_I64_INDEFINITE ((int64_t)0x8000000000000000ull)

/* Classification of the raw encodings. */
bool sf_f32_is_nan(Float32 a);
bool sf_f32_is_snan(Float32 a);
bool sf_f64_is_nan(Float64 a);
bool sf_f64_is_snan(Float64 a);
bool sf_f80_is_nan(Float80 a);      /* QNaN or SNaN (J bit set) */
bool sf_f80_is_snan(Float80 a);
/* Pseudo-NaN, pseudo-infinity, unnormal: invalid operands on x87. */
bool sf_f80_is_unsupported(Float80 a);
/* Pseudo-denormal: exponent 0 with the J bit set. */
bool sf_f80_is_pseudo_denormal(Float80 a);
Float80 sf_f80_default_nan(void);

/* Arithmetic. */
Float32 sf_f32_add(Float32 a, Float32 b, SfStatus *st);
Float32 sf_f32_sub(Float32 a, Float32 b, SfStatus *st);
Float32 sf_f32_mul(Float32 a, Float32 b, SfStatus *st);
Float32 sf_f32_div(Float32 a, Float32 b, SfStatus *st);
Float32 sf_f32_sqrt(Float32 a, SfStatus *st);
Float64 sf_f64_add(Float64 a, Float64 b, SfStatus *st);
Float64 sf_f64_sub(Float64 a, Float64 b, SfStatus *st);
Float64 sf_f64_mul(Float64 a, Float64 b, SfStatus *st);
Float64 sf_f64_div(Float64 a, Float64 b, SfStatus *st);
Float64 sf_f64_sqrt(Float64 a, SfStatus *st);
Float80 sf_f80_add(Float80 a, Float80 b, SfStatus *st);
Float80 sf_f80_sub(Float80 a, Float80 b, SfStatus *st);
Float80 sf_f80_mul(Float80 a, Float80 b, SfStatus *st);
Float80 sf_f80_div(Float80 a, Float80 b, SfStatus *st);
Float80 sf_f80_sqrt(Float80 a, SfStatus *st);

/* Comparisons: quiet ones raise IE only for SNaN operands, signalling
   ones for any NaN. */
SfCmp sf_f32_compare(Float32 a, Float32 b, bool signalling, SfStatus *st);
SfCmp sf_f64_compare(Float64 a, Float64 b, bool signalling, SfStatus *st);
SfCmp sf_f80_compare(Float80 a, Float80 b, bool signalling, SfStatus *st);

/* MINSS/MAXSS semantics: if either is a NaN (IE for any NaN) or both
   are zeros, the second operand b is returned unchanged. */
Float32 sf_f32_min(Float32 a, Float32 b, SfStatus *st);
Float32 sf_f32_max(Float32 a, Float32 b, SfStatus *st);
Float64 sf_f64_min(Float64 a, Float64 b, SfStatus *st);
Float64 sf_f64_max(Float64 a, Float64 b, SfStatus *st);

/* Conversions between the formats (NaN payloads kept, left-aligned). */
Float64 sf_f32_to_f64(Float32 a, SfStatus *st);
Float80 sf_f32_to_f80(Float32 a, SfStatus *st);
Float32 sf_f64_to_f32(Float64 a, SfStatus *st);
Float80 sf_f64_to_f80(Float64 a, SfStatus *st);
Float32 sf_f80_to_f32(Float80 a, SfStatus *st);
Float64 sf_f80_to_f64(Float80 a, SfStatus *st);

/* Integer to floating point (rounded by st where inexact). */
Float32 sf_i32_to_f32(int32_t a, SfStatus *st);
Float32 sf_i64_to_f32(int64_t a, SfStatus *st);
Float64 sf_i32_to_f64(int32_t a, SfStatus *st);
Float64 sf_i64_to_f64(int64_t a, SfStatus *st);
Float80 sf_i64_to_f80(int64_t a, SfStatus *st);   /* always exact */

/* Floating point to integer, rounded by st->round or truncated; NaN,
   infinity and out-of-range give IE and the integer indefinite. */
int16_t sf_f32_to_i16(Float32 a, bool truncate, SfStatus *st);
int32_t sf_f32_to_i32(Float32 a, bool truncate, SfStatus *st);
int64_t sf_f32_to_i64(Float32 a, bool truncate, SfStatus *st);
int16_t sf_f64_to_i16(Float64 a, bool truncate, SfStatus *st);
int32_t sf_f64_to_i32(Float64 a, bool truncate, SfStatus *st);
int64_t sf_f64_to_i64(Float64 a, bool truncate, SfStatus *st);
int16_t sf_f80_to_i16(Float80 a, bool truncate, SfStatus *st);
int32_t sf_f80_to_i32(Float80 a, bool truncate, SfStatus *st);
int64_t sf_f80_to_i64(Float80 a, bool truncate, SfStatus *st);

/* Round to an integral value in the given SF_ROUND_* mode; PE is raised
   for an inexact result unless suppress_pe (ROUNDSS imm8 bit 3). */
Float32 sf_f32_round_int(Float32 a, int mode, bool suppress_pe, SfStatus *st);
Float64 sf_f64_round_int(Float64 a, int mode, bool suppress_pe, SfStatus *st);
Float80 sf_f80_round_int(Float80 a, int mode, bool suppress_pe, SfStatus *st);

#endif
