/*
 * SSE, SSE2, SSE3 and SSE4.1 floating point (Intel SDM Vol. 2: ADDPS ...
 * DPPD, CMPPS, COMISS, the CVT family): the translator checks
 * availability (translate-fpu.h), brings a memory source into a scratch
 * slot (16-byte sources of the legacy encodings must be aligned: #GP(0))
 * and calls a helper that does the arithmetic with MXCSR's rounding, FTZ,
 * DAZ, flags and masks: while every exception is masked one of
 * ssefp_fast.c, which cannot fault (no state synced), else one of
 * ssefp_helper.c, which raises #XM for an unmasked exception before
 * anything is written (the state synced first).
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

/*
 * While every MXCSR exception is masked (the steady state) nothing can
 * fault: the masked helpers of ssefp_fast.c run with no state synced and
 * no TCG global touched. Otherwise the exact helper runs with RIP and
 * cc_op synced, on a branch of its own:
 *       if ((mxcsr & 0x1f80) != 0x1f80) goto exact;
 *       masked helper; goto done;
 *   exact: sync; exact helper;
 *   done:
 */
typedef struct FpBranch {
    TCGLabel *exact, *done;
} FpBranch;

static void gen_fp_if_masked(DisasContext *d, FpBranch *b)
{
    TCGContext *s = d->s;
    TCGv_i64 t = tmp_new(d);

    b->exact = tcg_label_new(s);
    b->done = tcg_label_new(s);
    tcg_gen_ld32u_i64(s, t, tcg_env(s), offsetof(CPUX86TCG, st.mxcsr));
    tcg_gen_andi_i64(s, t, t, 0x1f80);
    tcg_gen_brcondi_i64(s, TCG_COND_NE, t, 0x1f80, b->exact);
}

/* The end of the masked branch; the exact one starts with the state
   synced (on this branch only: the translator's view is unchanged). */
static void gen_fp_else(DisasContext *d, FpBranch *b)
{
    TCGContext *s = d->s;

    tcg_gen_br(s, b->done);
    tcg_gen_set_label(s, b->exact);
    tcg_gen_movi_i64(s, d->g->rip, d->rip);
    if (d->cc_op_dirty) {
        tcg_gen_movi_i32(s, d->g->cc_op, d->cc_op);
    }
}

static void gen_fp_end(DisasContext *d, FpBranch *b)
{
    tcg_gen_set_label(d->s, b->done);
}

typedef void GenFpFast(TCGContext *s, TCGv_ptr env, TCGv_ptr d, TCGv_ptr src);

#define FAST_CASE4(M, n)                                                    \
    case X86_M_##M##PS: return gen_helper_ssefp_##n##ps;                    \
    case X86_M_##M##PD: return gen_helper_ssefp_##n##pd;                    \
    case X86_M_##M##SS: return gen_helper_ssefp_##n##ss;                    \
    case X86_M_##M##SD: return gen_helper_ssefp_##n##sd;

/* The masked helper of its own of an arithmetic mnemonic, or NULL. */
static GenFpFast *fp_fast_fn(unsigned mnem)
{
    switch (mnem) {
    FAST_CASE4(ADD, add) FAST_CASE4(SUB, sub) FAST_CASE4(MUL, mul)
    FAST_CASE4(DIV, div) FAST_CASE4(SQRT, sqrt) FAST_CASE4(MIN, min)
    FAST_CASE4(MAX, max)
    default:
        return NULL;
    }
}

/* The forms with an MMX operand: x87 checks and transitions first. */
static void gen_fp_op_mmx(DisasContext *d, const X86Insn *in)
{
    TCGContext *s = d->s;
    int64_t src;

    gen_check_x87_pending(d);
    src = gen_fp_src(d, &in->ops[1], 0);
    gen_sync_state(d);
    gen_mmx_enter(d);
    gen_helper_ssefp_op(s, tcg_env(s), gen_env_ptr(d, simd_reg_off(&in->ops[0])),
                        gen_env_ptr(d, src),
                        tcg_constant_i32(s, SSEFP_DESC(in->mnem, fp_imm(in), 0)));
    if (in->ops[0].reg_class == X86_RC_MMX) {
        gen_mmx_written(d, in->ops[0].reg);
    }
}

/* ops[0] = op(ops[0], ops[1]): every vector and scalar form. */
static void gen_fp_op(DisasContext *d, const X86Insn *in)
{
    TCGContext *s = d->s;
    GenFpFast *fast = fp_fast_fn(in->mnem);
    TCGv_ptr dp, sp;
    TCGv_i32 desc;
    FpBranch b;

    if (!gen_simd_check(d, in)) {
        return;
    }
    if (simd_has_mmx(in)) {
        gen_fp_op_mmx(d, in);
        return;
    }
    sp = gen_env_ptr(d, gen_fp_src(d, &in->ops[1], 0));
    dp = gen_env_ptr(d, simd_reg_off(&in->ops[0]));
    desc = tcg_constant_i32(s, SSEFP_DESC(in->mnem, fp_imm(in), 0));
    gen_fp_if_masked(d, &b);
    if (fast) {
        fast(s, tcg_env(s), dp, sp);
    } else {
        gen_helper_ssefp_op_masked(s, tcg_env(s), dp, sp, desc);
    }
    gen_fp_else(d, &b);
    gen_helper_ssefp_op(s, tcg_env(s), dp, sp, desc);
    gen_fp_end(d, &b);
}

/* COMISS & co.: the flags of the comparison, OF SF AF cleared. */
static void gen_fp_comi(DisasContext *d, const X86Insn *in)
{
    TCGContext *s = d->s;
    TCGv_ptr dp, sp;
    TCGv_i32 desc;
    FpBranch b;

    if (!gen_simd_check(d, in)) {
        return;
    }
    sp = gen_env_ptr(d, gen_fp_src(d, &in->ops[1], 0));
    dp = gen_env_ptr(d, simd_reg_off(&in->ops[0]));
    desc = tcg_constant_i32(s, SSEFP_DESC(in->mnem, 0, 0));
    gen_fp_if_masked(d, &b);
    gen_helper_ssefp_comi_masked(s, d->g->cc_src, tcg_env(s), dp, sp, desc);
    gen_fp_else(d, &b);
    gen_helper_ssefp_comi(s, d->g->cc_src, tcg_env(s), dp, sp, desc);
    gen_fp_end(d, &b);
    set_cc_op(d, CC_OP_EFLAGS);
}

/* CVT(T)SS2SI / CVT(T)SD2SI r32/r64, xmm/m32/m64 */
static void gen_fp_cvt2si(DisasContext *d, const X86Insn *in)
{
    TCGContext *s = d->s;
    TCGv_i64 v = tmp_new(d);
    int bytes = in->ops[0].size;
    TCGv_ptr sp;
    TCGv_i32 desc;
    FpBranch b;

    if (!gen_simd_check(d, in)) {
        return;
    }
    sp = gen_env_ptr(d, gen_fp_src(d, &in->ops[1], 0));
    desc = tcg_constant_i32(s, SSEFP_DESC(in->mnem, 0, bytes));
    gen_fp_if_masked(d, &b);
    gen_helper_ssefp_cvt2si_masked(s, v, tcg_env(s), sp, desc);
    gen_fp_else(d, &b);
    gen_helper_ssefp_cvt2si(s, v, tcg_env(s), sp, desc);
    gen_fp_end(d, &b);
    gen_st_gpr(d, in->ops[0].reg, v, bytes);
}

/* CVTSI2SS / CVTSI2SD xmm, r/m32 or r/m64 */
static void gen_fp_cvtsi(DisasContext *d, const X86Insn *in)
{
    TCGContext *s = d->s;
    TCGv_i64 v = tmp_new(d);
    int bytes = x86_op_bytes(in, &in->ops[1]);
    TCGv_ptr dp;
    TCGv_i32 desc;
    FpBranch b;

    if (!gen_simd_check(d, in)) {
        return;
    }
    gen_ld_op(d, v, &in->ops[1], NULL);
    dp = gen_env_ptr(d, simd_reg_off(&in->ops[0]));
    desc = tcg_constant_i32(s, SSEFP_DESC(in->mnem, 0, bytes));
    gen_fp_if_masked(d, &b);
    gen_helper_ssefp_cvtsi_masked(s, tcg_env(s), dp, v, desc);
    gen_fp_else(d, &b);
    gen_helper_ssefp_cvtsi(s, tcg_env(s), dp, v, desc);
    gen_fp_end(d, &b);
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
