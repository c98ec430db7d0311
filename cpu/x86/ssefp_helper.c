/*
 * SSE, SSE2, SSE3 and SSE4.1 floating point, the helpers of
 * cpu/x86/translate-ssefp.c (Intel SDM Vol. 1, 11.5 "SSE, SSE2 and SSE3
 * Exceptions", and each instruction's page in Vol. 2).
 *
 * Every lane is computed with the software floating point of
 * cpu/x86/softfloat.h, under one SfStatus made from MXCSR (rounding, FTZ,
 * DAZ), which collects the exception flags of all lanes. Then, as the
 * SDM describes for unmasked exceptions (11.5.1, 11.5.2):
 *   - if a pre-computation exception (IE, DE, ZE) of some lane is
 *     unmasked, only the pre-computation flags are set, and #XM raised;
 *   - else if any exception is unmasked, every flag is set and #XM raised;
 *   - else the flags are set and the result is written.
 * The destination is never written when #XM (or #UD, with
 * CR4.OSXMMEXCPT clear) is raised. FTZ applies only while underflow is
 * masked. When an operation overflows or underflows with that exception
 * unmasked, PE says whether its result rounded with an unbounded
 * exponent is inexact (what an x87 handler would get, scaled; the host
 * behaves so), computed again in the next wider format.
 */
#include <string.h>

#include "cpu/x86/cpu.h"
#include "cpu/x86/decode.h"
#include "cpu/x86/softfloat.h"
#include "cpu/x86/ssefp-desc.h"
#include "cpu/x86/ssefp-host.h"
#include "cpu/x86/ssefp-rcp.h"
#include "cpu/x86/tcg-cpu.h"
#include "system/util.h"

#define TCG_HELPER_ENV_CTYPE struct CPUX86TCG *
#define TCG_HELPER_FILE "cpu/x86/helper.def"
#include "tcg/helper-proto.h"

#define MXCSR_FLAGS 0x3f
#define MXCSR_MASK_SHIFT 7
#define MXCSR_UM (1u << 11)
#define PRE_FLAGS (SF_IE | SF_DE | SF_ZE)

/* One instruction: the status, the result and how much of it to write. */
typedef struct FpOp {
    CPUX86TCG *env;
    SfStatus st;        /* the flags of the operation in progress */
    uint8_t flags;      /* the flags of the step in progress */
    uint8_t done;       /* the flags of the steps before it */
    uint8_t masks;      /* MXCSR masks, in flag positions */
    XMMReg a, b;        /* destination (first source) and source */
    XMMReg r;           /* result, starts as a copy of the destination */
    int bytes;          /* bytes of r written back: 16, or 8 for MMX */
    unsigned imm;
} FpOp;

static void fp_begin(FpOp *o, CPUX86TCG *env, const void *d, const void *s,
                     int bytes)
{
    uint32_t mxcsr = env->st.mxcsr;

    o->env = env;
    memset(&o->a, 0, sizeof(o->a));
    sf_status_init_sse(&o->st, mxcsr);
    o->flags = o->done = 0;
    o->masks = (mxcsr >> MXCSR_MASK_SHIFT) & MXCSR_FLAGS;
    o->st.ftz = o->st.ftz && (mxcsr & MXCSR_UM);
    memcpy(&o->a, d, bytes);
    memcpy(&o->b, s, 16);
    o->r = o->a;
    o->bytes = bytes;
    o->imm = 0;
}

/* One operation (a lane) is done: its flags join the instruction's. */
static void fp_lane(FpOp *o)
{
    o->flags |= o->st.flags;
    o->st.flags = 0;
}

static void fp_raise(FpOp *o, uint32_t flags)
{
    CPUX86TCG *env = o->env;

    env->st.mxcsr |= flags & MXCSR_FLAGS;
    x86_raise_exception(env, (env->st.cr4 & CR4_OSXMMEXCPT) ? EXCP_XM
                                                           : EXCP_UD, 0);
}

/*
 * The end of a step (every lane of one operation): an unmasked
 * pre-computation exception stops the instruction with only the
 * pre-computation flags of this step (and those of earlier steps), any
 * other unmasked exception with all of them. DPPS/DPPD take three steps
 * (multiply, add, add); what the host shows fits this: a denormal product
 * is a denormal operand of the next step.
 */
static void fp_step(FpOp *o)
{
    uint8_t step;

    fp_lane(o);
    step = o->flags;
    o->flags = 0;
    if (step & PRE_FLAGS & ~o->masks) {
        fp_raise(o, o->done | (step & PRE_FLAGS));
    }
    o->done |= step;
    if (o->done & ~o->masks) {
        fp_raise(o, o->done);
    }
}

/* The flags of the instruction into MXCSR; #XM (#UD) if one is unmasked. */
static void fp_check(FpOp *o)
{
    fp_step(o);
    o->env->st.mxcsr |= o->done & MXCSR_FLAGS;
}

static void fp_commit(FpOp *o, void *d)
{
    fp_check(o);
    memcpy(d, &o->r, o->bytes);
}

/* ---- lane operations ---- */

typedef Float32 F32Op(Float32 a, Float32 b, SfStatus *st);
typedef Float64 F64Op(Float64 a, Float64 b, SfStatus *st);
typedef Float80 F80Op(Float80 a, Float80 b, SfStatus *st);

/* ---- unmasked overflow and underflow ---- */

#define F64_FRAC ((1ull << 52) - 1)

static int sig_bits(uint64_t m)
{
    return m ? 64 - __builtin_clzll(m) - __builtin_ctzll(m) : 0;
}

/* The operation overflowed or underflowed with that exception unmasked. */
static bool fp_range_unmasked(const FpOp *o)
{
    return o->st.flags & (SF_OE | SF_UE) & ~o->masks;
}

static void fp_set_pe(FpOp *o, bool inexact)
{
    o->st.flags = (uint8_t)((o->st.flags & ~SF_PE) | (inexact ? SF_PE : 0));
}

/* a f b in binary64, whose range holds every binary32 result: inexact
   there, or more than 24 significant bits. false if f is no arithmetic. */
static bool wide_inexact32(F32Op *f, Float32 a, Float32 b, bool *inexact)
{
    F64Op *w = f == sf_f32_add ? sf_f64_add : f == sf_f32_sub ? sf_f64_sub :
               f == sf_f32_mul ? sf_f64_mul : f == sf_f32_div ? sf_f64_div :
               NULL;
    SfStatus st;
    Float64 r;

    if (!w) {
        return false;
    }
    sf_status_init_sse(&st, 0x1f80);
    r = w(sf_f32_to_f64(a, &st), sf_f32_to_f64(b, &st), &st);
    *inexact = (st.flags & SF_PE) ||
               sig_bits((r & F64_FRAC) | (1ull << 52)) > 24;
    return true;
}

/* The same for binary64, in the x87 extended format. */
static bool wide_inexact64(F64Op *f, Float64 a, Float64 b, bool *inexact)
{
    F80Op *w = f == sf_f64_add ? sf_f80_add : f == sf_f64_sub ? sf_f80_sub :
               f == sf_f64_mul ? sf_f80_mul : f == sf_f64_div ? sf_f80_div :
               NULL;
    SfStatus st;
    Float80 r;

    if (!w) {
        return false;
    }
    sf_status_init_x87(&st, 0x37f);
    r = w(sf_f64_to_f80(a, &st), sf_f64_to_f80(b, &st), &st);
    *inexact = (st.flags & SF_PE) || sig_bits(r.mant) > 53;
    return true;
}

/* One lane of a f b, with the flags of an unmasked overflow/underflow. */
static Float32 lane32(FpOp *o, F32Op *f, Float32 a, Float32 b)
{
    Float32 r = f(a, b, &o->st);
    bool inexact;

    if (fp_range_unmasked(o) && wide_inexact32(f, a, b, &inexact)) {
        fp_set_pe(o, inexact);
    }
    fp_lane(o);
    return r;
}

static Float64 lane64(FpOp *o, F64Op *f, Float64 a, Float64 b)
{
    Float64 r = f(a, b, &o->st);
    bool inexact;

    if (fp_range_unmasked(o) && wide_inexact64(f, a, b, &inexact)) {
        fp_set_pe(o, inexact);
    }
    fp_lane(o);
    return r;
}

/* binary64 to binary32: inexact with an unbounded exponent when more
   than 24 bits are significant. */
static Float32 lane_f64_to_f32(FpOp *o, Float64 x)
{
    Float32 r = sf_f64_to_f32(x, &o->st);
    uint64_t m = (x & F64_FRAC) | ((x >> 52) & 0x7ff ? 1ull << 52 : 0);

    if (fp_range_unmasked(o)) {
        fp_set_pe(o, sig_bits(m) > 24);
    }
    fp_lane(o);
    return r;
}

/* Unary operations take their operand from the source (b). */
/* The square root of a negative denormal (DAZ clear) is invalid and
   reports no denormal operand on the host; sf_f32_sqrt reports both. */
static Float32 f32_sqrt(Float32 a, Float32 b, SfStatus *st)
{
    (void)a;
    if (!st->daz && (b >> 31) && !(b & 0x7f800000u) && (b & 0x7fffffu)) {
        st->flags |= SF_IE;
        return SF_F32_DEFAULT_NAN;
    }
    return sf_f32_sqrt(b, st);
}

static Float64 f64_sqrt(Float64 a, Float64 b, SfStatus *st)
{
    (void)a;
    if (!st->daz && (b >> 63) && !(b & 0x7ff0000000000000ull) &&
        (b & 0x000fffffffffffffull)) {
        st->flags |= SF_IE;
        return SF_F64_DEFAULT_NAN;
    }
    return sf_f64_sqrt(b, st);
}

static Float32 f32_rcp(Float32 a, Float32 b, SfStatus *st)
{
    (void)a;
    (void)st;
    return ssefp_rcp(b);
}

static Float32 f32_rsqrt(Float32 a, Float32 b, SfStatus *st)
{
    (void)a;
    (void)st;
    return ssefp_rsqrt(b);
}

typedef enum FpShape { SH_PS, SH_PD, SH_SS, SH_SD } FpShape;

typedef struct FpBin {
    uint16_t mnem;
    uint8_t shape;
    F32Op *f32;
    F64Op *f64;
} FpBin;

#define PSD4(m, f32, f64)                                                   \
    { X86_M_##m##PS, SH_PS, f32, NULL }, { X86_M_##m##PD, SH_PD, NULL, f64 }, \
    { X86_M_##m##SS, SH_SS, f32, NULL }, { X86_M_##m##SD, SH_SD, NULL, f64 }

static const FpBin fp_bins[] = {
    PSD4(ADD, sf_f32_add, sf_f64_add),
    PSD4(SUB, sf_f32_sub, sf_f64_sub),
    PSD4(MUL, sf_f32_mul, sf_f64_mul),
    PSD4(DIV, sf_f32_div, sf_f64_div),
    PSD4(MIN, sf_f32_min, sf_f64_min),
    PSD4(MAX, sf_f32_max, sf_f64_max),
    PSD4(SQRT, f32_sqrt, f64_sqrt),
    { X86_M_RCPPS, SH_PS, f32_rcp, NULL },
    { X86_M_RCPSS, SH_SS, f32_rcp, NULL },
    { X86_M_RSQRTPS, SH_PS, f32_rsqrt, NULL },
    { X86_M_RSQRTSS, SH_SS, f32_rsqrt, NULL },
};

static const FpBin *fp_bin_find(unsigned mnem)
{
    for (size_t i = 0; i < ARRAY_SIZE(fp_bins); i++) {
        if (fp_bins[i].mnem == mnem) {
            return &fp_bins[i];
        }
    }
    return NULL;
}

/* Lane-wise a op b over the lanes of the shape. */
static void fp_lanes(FpOp *o, const FpBin *op)
{
    int n32 = op->shape == SH_PS ? 4 : 1, n64 = op->shape == SH_PD ? 2 : 1;

    if (op->f32) {
        for (int i = 0; i < n32; i++) {
            o->r.l[i] = lane32(o, op->f32, o->a.l[i], o->b.l[i]);
        }
    } else {
        for (int i = 0; i < n64; i++) {
            o->r.q[i] = lane64(o, op->f64, o->a.q[i], o->b.q[i]);
        }
    }
}

/* ---- SSE3 horizontal and alternating operations ---- */

static void fp_addsub(FpOp *o, bool pd)
{
    if (pd) {
        o->r.q[0] = lane64(o, sf_f64_sub, o->a.q[0], o->b.q[0]);
        o->r.q[1] = lane64(o, sf_f64_add, o->a.q[1], o->b.q[1]);
        return;
    }
    for (int i = 0; i < 4; i += 2) {
        o->r.l[i] = lane32(o, sf_f32_sub, o->a.l[i], o->b.l[i]);
        o->r.l[i + 1] = lane32(o, sf_f32_add, o->a.l[i + 1], o->b.l[i + 1]);
    }
}

/* HADD/HSUB: adjacent pairs of the destination, then of the source. */
static void fp_horizontal(FpOp *o, bool pd, bool sub)
{
    if (pd) {
        F64Op *f = sub ? sf_f64_sub : sf_f64_add;
        o->r.q[0] = lane64(o, f, o->a.q[0], o->a.q[1]);
        o->r.q[1] = lane64(o, f, o->b.q[0], o->b.q[1]);
        return;
    }
    F32Op *f = sub ? sf_f32_sub : sf_f32_add;
    o->r.l[0] = lane32(o, f, o->a.l[0], o->a.l[1]);
    o->r.l[1] = lane32(o, f, o->a.l[2], o->a.l[3]);
    o->r.l[2] = lane32(o, f, o->b.l[0], o->b.l[1]);
    o->r.l[3] = lane32(o, f, o->b.l[2], o->b.l[3]);
}

/* ---- comparisons ---- */

/* CMPccPS predicates 0..7: EQ LT LE UNORD NEQ NLT NLE ORD; LT, LE and
   their negations signal on QNaNs too. */
static bool cmp_pred(SfCmp c, unsigned pred)
{
    static const uint8_t holds[8] = {
        1u << SF_CMP_EQUAL, 1u << SF_CMP_LESS,
        (1u << SF_CMP_LESS) | (1u << SF_CMP_EQUAL), 1u << SF_CMP_UNORDERED,
    };
    bool r = (holds[pred & 3] >> c) & 1;

    return pred & 4 ? !r : r;
}

static bool cmp_signals(unsigned pred)
{
    return (pred & 3) == 1 || (pred & 3) == 2;
}

static void fp_cmp(FpOp *o, FpShape shape)
{
    unsigned p = o->imm & 7;
    bool sig = cmp_signals(p);
    int n = shape == SH_PS ? 4 : shape == SH_PD ? 2 : 1;

    for (int i = 0; i < n; i++) {
        if (shape == SH_PS || shape == SH_SS) {
            SfCmp c = sf_f32_compare(o->a.l[i], o->b.l[i], sig, &o->st);
            fp_lane(o);
            o->r.l[i] = cmp_pred(c, p) ? ~0u : 0;
        } else {
            SfCmp c = sf_f64_compare(o->a.q[i], o->b.q[i], sig, &o->st);
            fp_lane(o);
            o->r.q[i] = cmp_pred(c, p) ? ~0ull : 0;
        }
    }
}

/* ---- SSE4.1 rounding and dot products ---- */

/* imm8: bits 1:0 rounding, bit 2 use MXCSR.RC, bit 3 no precision flag */
static void fp_round(FpOp *o, FpShape shape)
{
    int mode = o->imm & 4 ? o->st.round : (int)(o->imm & 3);
    bool quiet = o->imm & 8;
    int n = shape == SH_PS ? 4 : shape == SH_PD ? 2 : 1;

    for (int i = 0; i < n; i++) {
        if (shape == SH_PS || shape == SH_SS) {
            o->r.l[i] = sf_f32_round_int(o->b.l[i], mode, quiet, &o->st);
            fp_lane(o);
        } else {
            o->r.q[i] = sf_f64_round_int(o->b.q[i], mode, quiet, &o->st);
            fp_lane(o);
        }
    }
}

/* DPPS: products of the lanes in imm8[7:4] (others +0.0), summed in
   pairs, the sum to the lanes in imm8[3:0] (others +0.0). */
static void fp_dpps(FpOp *o)
{
    Float32 p[4], sum;

    for (int i = 0; i < 4; i++) {
        p[i] = (o->imm >> (4 + i)) & 1 ?
               lane32(o, sf_f32_mul, o->a.l[i], o->b.l[i]) : 0;
    }
    fp_step(o);
    p[0] = lane32(o, sf_f32_add, p[0], p[1]);
    p[2] = lane32(o, sf_f32_add, p[2], p[3]);
    fp_step(o);
    sum = lane32(o, sf_f32_add, p[0], p[2]);
    for (int i = 0; i < 4; i++) {
        o->r.l[i] = (o->imm >> i) & 1 ? sum : 0;
    }
}

static void fp_dppd(FpOp *o)
{
    Float64 p[2], sum;

    for (int i = 0; i < 2; i++) {
        p[i] = (o->imm >> (4 + i)) & 1 ?
               lane64(o, sf_f64_mul, o->a.q[i], o->b.q[i]) : 0;
    }
    fp_step(o);
    sum = lane64(o, sf_f64_add, p[0], p[1]);
    for (int i = 0; i < 2; i++) {
        o->r.q[i] = (o->imm >> i) & 1 ? sum : 0;
    }
}

/* ---- conversions between vector lanes ---- */

static void cvt_f32_to_i32(FpOp *o, int n, bool trunc)
{
    for (int i = 0; i < n; i++) {
        o->r.l[i] = (uint32_t)sf_f32_to_i32(o->b.l[i], trunc, &o->st);
        fp_lane(o);
    }
}

static void cvt_f64_to_i32(FpOp *o, bool trunc)
{
    for (int i = 0; i < 2; i++) {
        o->r.l[i] = (uint32_t)sf_f64_to_i32(o->b.q[i], trunc, &o->st);
        fp_lane(o);
    }
}

static void cvt_i32_to_f32(FpOp *o, int n)
{
    for (int i = 0; i < n; i++) {
        o->r.l[i] = sf_i32_to_f32((int32_t)o->b.l[i], &o->st);
        fp_lane(o);
    }
}

static void cvt_i32_to_f64(FpOp *o)
{
    uint32_t lo = o->b.l[0], hi = o->b.l[1];

    o->r.q[0] = sf_i32_to_f64((int32_t)lo, &o->st);
    fp_lane(o);
    o->r.q[1] = sf_i32_to_f64((int32_t)hi, &o->st);
    fp_lane(o);
}

static void cvt_ps2pd(FpOp *o)
{
    uint32_t lo = o->b.l[0], hi = o->b.l[1];

    o->r.q[0] = sf_f32_to_f64(lo, &o->st);
    fp_lane(o);
    o->r.q[1] = sf_f32_to_f64(hi, &o->st);
    fp_lane(o);
}

static void cvt_pd2ps(FpOp *o)
{
    o->r.l[0] = lane_f64_to_f32(o, o->b.q[0]);
    o->r.l[1] = lane_f64_to_f32(o, o->b.q[1]);
    o->r.q[1] = 0;
}

/* The conversions; false if mnem is not one. */
static bool fp_convert(FpOp *o, unsigned mnem)
{
    switch (mnem) {
    case X86_M_CVTDQ2PS: cvt_i32_to_f32(o, 4); break;
    case X86_M_CVTPI2PS: cvt_i32_to_f32(o, 2); break;
    case X86_M_CVTPS2DQ: cvt_f32_to_i32(o, 4, false); break;
    case X86_M_CVTTPS2DQ: cvt_f32_to_i32(o, 4, true); break;
    case X86_M_CVTPS2PI: cvt_f32_to_i32(o, 2, false); break;
    case X86_M_CVTTPS2PI: cvt_f32_to_i32(o, 2, true); break;
    case X86_M_CVTDQ2PD: case X86_M_CVTPI2PD: cvt_i32_to_f64(o); break;
    case X86_M_CVTPD2DQ: cvt_f64_to_i32(o, false); o->r.q[1] = 0; break;
    case X86_M_CVTTPD2DQ: cvt_f64_to_i32(o, true); o->r.q[1] = 0; break;
    case X86_M_CVTPD2PI: cvt_f64_to_i32(o, false); break;
    case X86_M_CVTTPD2PI: cvt_f64_to_i32(o, true); break;
    case X86_M_CVTPS2PD: cvt_ps2pd(o); break;
    case X86_M_CVTPD2PS: cvt_pd2ps(o); break;
    case X86_M_CVTSS2SD: o->r.q[0] = sf_f32_to_f64(o->b.l[0], &o->st); break;
    case X86_M_CVTSD2SS: o->r.l[0] = lane_f64_to_f32(o, o->b.q[0]); break;
    default: return false;
    }
    return true;
}

/* Every other operation of ssefp_op; false if mnem is none of them. */
static bool fp_special(FpOp *o, unsigned mnem)
{
    switch (mnem) {
    case X86_M_ADDSUBPS: fp_addsub(o, false); break;
    case X86_M_ADDSUBPD: fp_addsub(o, true); break;
    case X86_M_HADDPS: fp_horizontal(o, false, false); break;
    case X86_M_HADDPD: fp_horizontal(o, true, false); break;
    case X86_M_HSUBPS: fp_horizontal(o, false, true); break;
    case X86_M_HSUBPD: fp_horizontal(o, true, true); break;
    case X86_M_CMPPS: fp_cmp(o, SH_PS); break;
    case X86_M_CMPPD: fp_cmp(o, SH_PD); break;
    case X86_M_CMPSS: fp_cmp(o, SH_SS); break;
    case X86_M_CMPSD: fp_cmp(o, SH_SD); break;
    case X86_M_ROUNDPS: fp_round(o, SH_PS); break;
    case X86_M_ROUNDPD: fp_round(o, SH_PD); break;
    case X86_M_ROUNDSS: fp_round(o, SH_SS); break;
    case X86_M_ROUNDSD: fp_round(o, SH_SD); break;
    case X86_M_DPPS: fp_dpps(o); break;
    case X86_M_DPPD: fp_dppd(o); break;
    default: return fp_convert(o, mnem);
    }
    return true;
}

/* Destinations that are MMX registers: 8 bytes, the significand. */
static int fp_dest_bytes(unsigned mnem)
{
    switch (mnem) {
    case X86_M_CVTPS2PI: case X86_M_CVTTPS2PI: case X86_M_CVTPD2PI:
    case X86_M_CVTTPD2PI:
        return 8;
    default:
        return 16;
    }
}

void helper_ssefp_op(CPUX86TCG *env, void *d, void *s, uint32_t desc)
{
    unsigned mnem = SSEFP_DESC_MNEM(desc);
    const FpBin *bin;
    FpOp o;

    if (ssefp_host_op(env, d, s, mnem)) {
        return;
    }
    bin = fp_bin_find(mnem);
    fp_begin(&o, env, d, s, fp_dest_bytes(mnem));
    o.imm = SSEFP_DESC_IMM(desc);
    if (bin) {
        fp_lanes(&o, bin);
    } else if (!fp_special(&o, mnem)) {
        x86_raise_exception(env, EXCP_UD, 0);
    }
    fp_commit(&o, d);
}

/* ---- EFLAGS comparisons and general-register conversions ---- */

uint64_t helper_ssefp_comi(CPUX86TCG *env, void *a, void *b, uint32_t desc)
{
    static const uint64_t fl[4] = {
        [SF_CMP_LESS] = RF_CF, [SF_CMP_EQUAL] = RF_ZF,
        [SF_CMP_GREATER] = 0, [SF_CMP_UNORDERED] = RF_ZF | RF_PF | RF_CF,
    };
    unsigned mnem = SSEFP_DESC_MNEM(desc);
    bool sig = mnem == X86_M_COMISS || mnem == X86_M_COMISD;
    FpOp o;
    SfCmp c;

    fp_begin(&o, env, a, b, 16);
    if (mnem == X86_M_COMISS || mnem == X86_M_UCOMISS) {
        c = sf_f32_compare(o.a.l[0], o.b.l[0], sig, &o.st);
    } else {
        c = sf_f64_compare(o.a.q[0], o.b.q[0], sig, &o.st);
    }
    fp_check(&o);
    return fl[c];
}

uint64_t helper_ssefp_cvt2si(CPUX86TCG *env, void *s, uint32_t desc)
{
    unsigned mnem = SSEFP_DESC_MNEM(desc);
    bool trunc = mnem == X86_M_CVTTSS2SI || mnem == X86_M_CVTTSD2SI;
    bool f32 = mnem == X86_M_CVTSS2SI || mnem == X86_M_CVTTSS2SI;
    bool q = SSEFP_DESC_BYTES(desc) == 8;
    uint64_t r;
    FpOp o;

    fp_begin(&o, env, s, s, 16);
    if (f32) {
        r = q ? (uint64_t)sf_f32_to_i64(o.b.l[0], trunc, &o.st)
              : (uint32_t)sf_f32_to_i32(o.b.l[0], trunc, &o.st);
    } else {
        r = q ? (uint64_t)sf_f64_to_i64(o.b.q[0], trunc, &o.st)
              : (uint32_t)sf_f64_to_i32(o.b.q[0], trunc, &o.st);
    }
    fp_check(&o);
    return r;
}

void helper_ssefp_cvtsi(CPUX86TCG *env, void *d, uint64_t v, uint32_t desc)
{
    bool q = SSEFP_DESC_BYTES(desc) == 8;
    FpOp o;

    fp_begin(&o, env, d, d, 16);
    if (SSEFP_DESC_MNEM(desc) == X86_M_CVTSI2SS) {
        o.r.l[0] = q ? sf_i64_to_f32((int64_t)v, &o.st)
                     : sf_i32_to_f32((int32_t)v, &o.st);
    } else {
        o.r.q[0] = q ? sf_i64_to_f64((int64_t)v, &o.st)
                     : sf_i32_to_f64((int32_t)v, &o.st);
    }
    fp_commit(&o, d);
}
