/*
 * SSE, SSE2, SSE3 and SSE4.1 floating point (Intel SDM Vol. 2: ADDPS ...
 * DPPD, CMPPS, COMISS, the CVT family): the translator checks
 * availability (translate-fpu.h), brings a memory source into a scratch
 * slot (16-byte sources of the legacy encodings must be aligned: #GP(0)),
 * syncs the guest state and calls a helper of ssefp_helper.c that does
 * the arithmetic with MXCSR's rounding, FTZ, DAZ, flags and masks, and
 * raises #XM for an unmasked exception before anything is written.
 *
 * The conversions with an MMX register operand first deliver a pending
 * x87 exception (FSW.ES), and make the x87 -> MMX transition
 * (TOP = 0, tags valid) once their operands are read, before the helper:
 * the transition stays when the helper raises #XM (as the host shows).
 */
#include "cpu/x86/translate-fpu.h"

#include "cpu/x86/ssefp-desc.h"

/* env offset of operand o as a source: register, or memory in slot. */
static int64_t gen_fp_src(DisasContext *d, const X86Operand *o, int slot)
{
    int bytes = o->size ? o->size : 16;

    return gen_simd_src(d, o, bytes, bytes == 16, slot);
}

static uint32_t fp_imm(const X86Insn *in)
{
    for (int i = 0; i < in->nops; i++) {
        if (in->ops[i].kind == X86_OPK_IMM) {
            return (uint32_t)in->ops[i].imm;
        }
    }
    return 0;
}

/* A pending x87 exception (FSW.ES) is delivered first: #MF, or FERR#
   with CR0.NE clear (helper x87_wait of the x87 unit). */
static void gen_check_x87_pending(DisasContext *d)
{
    gen_sync_state(d);
    gen_helper_x87_wait(d->s, tcg_env(d->s));
}

/* ops[0] = op(ops[0], ops[1]): every vector and scalar form. */
static void gen_fp_op(DisasContext *d, const X86Insn *in)
{
    TCGContext *s = d->s;
    bool mmx = simd_has_mmx(in);
    int64_t src;

    if (!gen_simd_check(d, in)) {
        return;
    }
    if (mmx) {
        gen_check_x87_pending(d);
    }
    src = gen_fp_src(d, &in->ops[1], 0);
    gen_sync_state(d);
    if (mmx) {
        gen_mmx_enter(d);
    }
    gen_helper_ssefp_op(s, tcg_env(s), gen_env_ptr(d, simd_reg_off(&in->ops[0])),
                        gen_env_ptr(d, src),
                        tcg_constant_i32(s, SSEFP_DESC(in->mnem, fp_imm(in), 0)));
    if (in->ops[0].reg_class == X86_RC_MMX) {
        gen_mmx_written(d, in->ops[0].reg);
    }
}

/* COMISS & co.: the flags of the comparison, OF SF AF cleared. */
static void gen_fp_comi(DisasContext *d, const X86Insn *in)
{
    TCGContext *s = d->s;
    int64_t src;

    if (!gen_simd_check(d, in)) {
        return;
    }
    src = gen_fp_src(d, &in->ops[1], 0);
    gen_sync_state(d);
    gen_helper_ssefp_comi(s, d->g->cc_src, tcg_env(s),
                          gen_env_ptr(d, simd_reg_off(&in->ops[0])),
                          gen_env_ptr(d, src),
                          tcg_constant_i32(s, SSEFP_DESC(in->mnem, 0, 0)));
    set_cc_op(d, CC_OP_EFLAGS);
}

/* CVT(T)SS2SI / CVT(T)SD2SI r32/r64, xmm/m32/m64 */
static void gen_fp_cvt2si(DisasContext *d, const X86Insn *in)
{
    TCGContext *s = d->s;
    TCGv_i64 v = tmp_new(d);
    int bytes = in->ops[0].size;
    int64_t src;

    if (!gen_simd_check(d, in)) {
        return;
    }
    src = gen_fp_src(d, &in->ops[1], 0);
    gen_sync_state(d);
    gen_helper_ssefp_cvt2si(s, v, tcg_env(s), gen_env_ptr(d, src),
                            tcg_constant_i32(s, SSEFP_DESC(in->mnem, 0, bytes)));
    gen_st_gpr(d, in->ops[0].reg, v, bytes);
}

/* CVTSI2SS / CVTSI2SD xmm, r/m32 or r/m64 */
static void gen_fp_cvtsi(DisasContext *d, const X86Insn *in)
{
    TCGContext *s = d->s;
    TCGv_i64 v = tmp_new(d);
    int bytes = x86_op_bytes(in, &in->ops[1]);

    if (!gen_simd_check(d, in)) {
        return;
    }
    gen_ld_op(d, v, &in->ops[1], NULL);
    gen_sync_state(d);
    gen_helper_ssefp_cvtsi(s, tcg_env(s),
                           gen_env_ptr(d, simd_reg_off(&in->ops[0])), v,
                           tcg_constant_i32(s, SSEFP_DESC(in->mnem, 0, bytes)));
}

#define FP_OP(m) \
    void gen_##m(DisasContext *d, const X86Insn *in) { gen_fp_op(d, in); }
#define FP_COMI(m) \
    void gen_##m(DisasContext *d, const X86Insn *in) { gen_fp_comi(d, in); }
#define FP_CVT2SI(m) \
    void gen_##m(DisasContext *d, const X86Insn *in) { gen_fp_cvt2si(d, in); }
#define FP_CVTSI(m) \
    void gen_##m(DisasContext *d, const X86Insn *in) { gen_fp_cvtsi(d, in); }

FP_OP(ADDPS) FP_OP(ADDPD) FP_OP(ADDSS) FP_OP(ADDSD)
FP_OP(SUBPS) FP_OP(SUBPD) FP_OP(SUBSS) FP_OP(SUBSD)
FP_OP(MULPS) FP_OP(MULPD) FP_OP(MULSS) FP_OP(MULSD)
FP_OP(DIVPS) FP_OP(DIVPD) FP_OP(DIVSS) FP_OP(DIVSD)
FP_OP(MINPS) FP_OP(MINPD) FP_OP(MINSS) FP_OP(MINSD)
FP_OP(MAXPS) FP_OP(MAXPD) FP_OP(MAXSS) FP_OP(MAXSD)
FP_OP(SQRTPS) FP_OP(SQRTPD) FP_OP(SQRTSS) FP_OP(SQRTSD)
FP_OP(RCPPS) FP_OP(RCPSS) FP_OP(RSQRTPS) FP_OP(RSQRTSS)
FP_OP(ADDSUBPS) FP_OP(ADDSUBPD) FP_OP(HADDPS) FP_OP(HADDPD)
FP_OP(HSUBPS) FP_OP(HSUBPD)
FP_OP(ROUNDPS) FP_OP(ROUNDPD) FP_OP(ROUNDSS) FP_OP(ROUNDSD)
FP_OP(DPPS) FP_OP(DPPD)
FP_OP(CMPPS) FP_OP(CMPPD) FP_OP(CMPSS) FP_OP(CMPSD)
FP_COMI(COMISS) FP_COMI(COMISD) FP_COMI(UCOMISS) FP_COMI(UCOMISD)
FP_CVTSI(CVTSI2SS) FP_CVTSI(CVTSI2SD)
FP_CVT2SI(CVTSS2SI) FP_CVT2SI(CVTTSS2SI) FP_CVT2SI(CVTSD2SI)
FP_CVT2SI(CVTTSD2SI)
FP_OP(CVTPS2PD) FP_OP(CVTPD2PS) FP_OP(CVTDQ2PS) FP_OP(CVTPS2DQ)
FP_OP(CVTTPS2DQ) FP_OP(CVTDQ2PD) FP_OP(CVTPD2DQ) FP_OP(CVTTPD2DQ)
FP_OP(CVTPI2PS) FP_OP(CVTPS2PI) FP_OP(CVTTPS2PI) FP_OP(CVTPI2PD)
FP_OP(CVTPD2PI) FP_OP(CVTTPD2PI) FP_OP(CVTSS2SD) FP_OP(CVTSD2SS)
