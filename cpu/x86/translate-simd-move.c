/*
 * SIMD moves without arithmetic (Intel SDM Vol. 2, MOVD/MOVQ, MOVDQA,
 * MOVDQU, EMMS, and the MMX/XMM register transfers): values are copied
 * between env, general registers and memory with plain IR loads and
 * stores.
 *
 * Every instruction with an MMX register operand makes the x87 -> MMX
 * transition (translate-fpu.h) after its last access that may fault, and
 * marks the MMX register it writes. A write of the low part of an XMM
 * register by MOVD/MOVQ zeroes the rest of it.
 */
#include "cpu/x86/translate-fpu.h"

/* ---- operand classes ---- */

static bool op_is(const X86Operand *o, int rc)
{
    return o->kind == X86_OPK_REG && o->reg_class == rc;
}

bool simd_has_mmx(const X86Insn *in)
{
    for (int i = 0; i < in->nops; i++) {
        if (op_is(&in->ops[i], X86_RC_MMX)) {
            return true;
        }
    }
    return false;
}

static bool simd_has_xmm(const X86Insn *in)
{
    for (int i = 0; i < in->nops; i++) {
        if (op_is(&in->ops[i], X86_RC_XMM)) {
            return true;
        }
    }
    return false;
}

bool gen_simd_check(DisasContext *d, const X86Insn *in)
{
    bool mmx = simd_has_mmx(in) && !simd_has_xmm(in);

    return gen_check_fpu(d, mmx ? X86_FPU_MMX : X86_FPU_SSE);
}

/* After the last access that may fault: the MMX transition, if any. */
void gen_simd_commit(DisasContext *d, const X86Insn *in)
{
    if (simd_has_mmx(in)) {
        gen_mmx_enter(d);
    }
    if (op_is(&in->ops[0], X86_RC_MMX)) {
        gen_mmx_written(d, in->ops[0].reg);
    }
}

/* ---- EMMS ---- */

void gen_EMMS(DisasContext *d, const X86Insn *in)
{
    TCGv_i64 t = tmp_new(d);

    if (!gen_check_fpu(d, X86_FPU_MMX)) {
        return;
    }
    tcg_gen_movi_i64(d->s, t, 0xffff);
    tcg_gen_st16_i64(d->s, t, tcg_env(d->s), offsetof(CPUX86TCG, st.ftw));
}

/* ---- MOVD / MOVQ ---- */

/* The low 64 bits of any source operand, zero-extended from its size. */
static void gen_ld_low64(DisasContext *d, TCGv_i64 v, const X86Operand *o)
{
    if (op_is(o, X86_RC_MMX) || op_is(o, X86_RC_XMM)) {
        tcg_gen_ld_i64(d->s, v, tcg_env(d->s), simd_reg_off(o));
    } else {
        gen_ld_op(d, v, o, NULL);
    }
}

/* Writes v to any destination: an XMM register gets v zero-extended. */
static void gen_st_low64(DisasContext *d, const X86Operand *o, TCGv_i64 v)
{
    TCGContext *s = d->s;

    if (op_is(o, X86_RC_MMX)) {
        tcg_gen_st_i64(s, v, tcg_env(s), mmx_off(o->reg));
    } else if (op_is(o, X86_RC_XMM)) {
        TCGv_i64 z = tmp_new(d);
        tcg_gen_movi_i64(s, z, 0);
        tcg_gen_st_i64(s, v, tcg_env(s), xmm_off(o->reg));
        tcg_gen_st_i64(s, z, tcg_env(s), xmm_off(o->reg) + 8);
    } else {
        gen_st_op(d, o, v, NULL);
    }
}

/* MOVD, MOVQ, MOVQ2DQ, MOVDQ2Q: the operands' sizes say what moves. */
static void gen_mov_low(DisasContext *d, const X86Insn *in)
{
    TCGv_i64 v = tmp_new(d);

    if (!gen_simd_check(d, in)) {
        return;
    }
    gen_ld_low64(d, v, &in->ops[1]);
    gen_st_low64(d, &in->ops[0], v);
    gen_simd_commit(d, in);
}

void gen_MOVD(DisasContext *d, const X86Insn *in) { gen_mov_low(d, in); }
void gen_MOVQ(DisasContext *d, const X86Insn *in) { gen_mov_low(d, in); }

/* ---- 16-byte moves ---- */

/* dst <- src, 16 bytes; align: the aligned form (#GP(0) if not). */
void gen_mov128(DisasContext *d, const X86Insn *in, bool align)
{
    const X86Operand *dst = &in->ops[0];
    int64_t src;

    if (!gen_simd_check(d, in)) {
        return;
    }
    if (dst->kind == X86_OPK_MEM) {
        gen_simd_st_mem(d, dst, simd_reg_off(&in->ops[1]), 16, align);
        return;
    }
    src = gen_simd_src(d, &in->ops[1], 16, align, 0);
    gen_env_copy(d, xmm_off(dst->reg), src, 16);
}

void gen_MOVDQA(DisasContext *d, const X86Insn *in) { gen_mov128(d, in, true); }
void gen_MOVDQU(DisasContext *d, const X86Insn *in) { gen_mov128(d, in, false); }
