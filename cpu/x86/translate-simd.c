/*
 * MMX, SSE2, SSSE3, SSE4.1 and SSE4.2 integer instructions that compute
 * d = op(d, s) lane by lane (Intel SDM Vol. 2 instruction pages; Vol. 1
 * ch. 9, 11, 12 for the families). One emitter per mnemonic, each naming
 * an operation of cpu/x86/simd-ops.def; the MMX form (Pq, Qq) and the
 * XMM form (Vx, Wx) of a mnemonic share the emitter, the width following
 * the destination register.
 *
 * The bitwise operations (PAND, PANDN, POR, PXOR and their ANDPS...XORPD
 * twins) are plain IR on two 64-bit halves, and so are the adds,
 * subtracts, shifts and shuffles of translate-simd-lane.c; everything
 * else calls helper
 * simd_op (simd_helper.c) with pointers to the destination register and
 * the source (register, or memory loaded into a scratch slot). A 16-byte
 * memory source must be 16-byte aligned (#GP(0)) except where an
 * instruction says otherwise; smaller memory sources (PMOVSX/ZX,
 * INSERTPS m32, MMX m64) need no alignment.
 */
#include "cpu/x86/translate-fpu.h"

#include "cpu/x86/simd-desc.h"

/* The imm8 of an instruction (0 without one). */
static unsigned simd_imm(const X86Insn *in)
{
    for (int i = 1; i < in->nops; i++) {
        if (in->ops[i].kind == X86_OPK_IMM) {
            return (unsigned)in->ops[i].imm & 0xff;
        }
    }
    return 0;
}

static int simd_width(const X86Insn *in)
{
    return in->ops[0].reg_class == X86_RC_MMX ? 8 : 16;
}

/*
 * The source operand's env offset: ops[1], or for the shift-by-imm8
 * forms (ops[1] is the immediate) a scratch slot holding the count.
 */
static int64_t simd_source(DisasContext *d, const X86Insn *in, bool align)
{
    const X86Operand *o = &in->ops[1];
    TCGContext *s = d->s;
    int bytes = o->size;

    if (o->kind == X86_OPK_IMM) {
        TCGv_i64 t = tmp_new(d);
        tcg_gen_movi_i64(s, t, o->imm & 0xff);
        tcg_gen_st_i64(s, t, tcg_env(s), simd_tmp_off(1));
        tcg_gen_movi_i64(s, t, 0);
        tcg_gen_st_i64(s, t, tcg_env(s), simd_tmp_off(1) + 8);
        return simd_tmp_off(1);
    }
    /* the MMX forms of PUNPCKL* read only the low half: mm/m32 */
    if (in->ops[0].reg_class == X86_RC_MMX &&
        (in->mnem == X86_M_PUNPCKLBW || in->mnem == X86_M_PUNPCKLWD ||
         in->mnem == X86_M_PUNPCKLDQ)) {
        bytes = 4;
    }
    return gen_simd_src(d, o, o->kind == X86_OPK_MEM ? bytes : 16,
                        align && bytes == 16, 0);
}

/* d = op(d, s) through helper simd_op, with desc's width and imm. */
static void gen_simd_call(DisasContext *d, int op, int64_t dst, int64_t src,
                          int bytes, unsigned imm)
{
    gen_helper_simd_op(d->s, tcg_env(d->s), gen_env_ptr(d, dst),
                       gen_env_ptr(d, src),
                       tcg_constant_i32(d->s, SIMD_DESC(op, bytes, imm)));
}

/* The common lane-wise emitter; align: 16-byte memory must be aligned. */
static void gen_simd_op_align(DisasContext *d, const X86Insn *in, int op,
                              bool align)
{
    int64_t src;

    if (!gen_simd_check(d, in)) {
        return;
    }
    src = simd_source(d, in, align);
    gen_simd_call(d, op, simd_reg_off(&in->ops[0]), src, simd_width(in),
                  simd_imm(in));
    gen_simd_commit(d, in);
}

void gen_simd_op_call(DisasContext *d, const X86Insn *in, int op)
{
    gen_simd_op_align(d, in, op, true);
}

#define SIMD_EMIT(M, op)                                                    \
    void gen_##M(DisasContext *d, const X86Insn *in)                        \
    {                                                                       \
        gen_simd_op_call(d, in, SIMD_OP_##op);                                   \
    }

SIMD_EMIT(PADDSB, paddsb) SIMD_EMIT(PADDSW, paddsw)
SIMD_EMIT(PADDUSB, paddusb) SIMD_EMIT(PADDUSW, paddusw)
SIMD_EMIT(PSUBSB, psubsb) SIMD_EMIT(PSUBSW, psubsw)
SIMD_EMIT(PSUBUSB, psubusb) SIMD_EMIT(PSUBUSW, psubusw)
SIMD_EMIT(PMULLW, pmullw) SIMD_EMIT(PMULHW, pmulhw)
SIMD_EMIT(PMULHUW, pmulhuw) SIMD_EMIT(PMULUDQ, pmuludq)
SIMD_EMIT(PMADDWD, pmaddwd) SIMD_EMIT(PSADBW, psadbw)
SIMD_EMIT(PAVGB, pavgb) SIMD_EMIT(PAVGW, pavgw)
SIMD_EMIT(PMINUB, pminub) SIMD_EMIT(PMAXUB, pmaxub)
SIMD_EMIT(PMINSW, pminsw) SIMD_EMIT(PMAXSW, pmaxsw)
SIMD_EMIT(PCMPEQB, pcmpeqb) SIMD_EMIT(PCMPEQW, pcmpeqw)
SIMD_EMIT(PCMPEQD, pcmpeqd) SIMD_EMIT(PCMPGTB, pcmpgtb)
SIMD_EMIT(PCMPGTW, pcmpgtw) SIMD_EMIT(PCMPGTD, pcmpgtd)
SIMD_EMIT(PSRAW, psraw)
SIMD_EMIT(PACKSSWB, packsswb) SIMD_EMIT(PACKSSDW, packssdw)
SIMD_EMIT(PACKUSWB, packuswb) SIMD_EMIT(PACKUSDW, packusdw)
SIMD_EMIT(PSHUFW, pshufw)
SIMD_EMIT(PSHUFHW, pshufhw) SIMD_EMIT(PSHUFLW, pshuflw)
/* SSE/SSE2 data movement that computes nothing */
SIMD_EMIT(MOVSLDUP, movsldup) SIMD_EMIT(MOVSHDUP, movshdup)
/* SSSE3 */
SIMD_EMIT(PSHUFB, pshufb) SIMD_EMIT(PHADDW, phaddw) SIMD_EMIT(PHADDD, phaddd)
SIMD_EMIT(PHADDSW, phaddsw) SIMD_EMIT(PHSUBW, phsubw)
SIMD_EMIT(PHSUBD, phsubd) SIMD_EMIT(PHSUBSW, phsubsw)
SIMD_EMIT(PMADDUBSW, pmaddubsw) SIMD_EMIT(PMULHRSW, pmulhrsw)
SIMD_EMIT(PSIGNB, psignb) SIMD_EMIT(PSIGNW, psignw) SIMD_EMIT(PSIGND, psignd)
SIMD_EMIT(PABSB, pabsb) SIMD_EMIT(PABSW, pabsw) SIMD_EMIT(PABSD, pabsd)
SIMD_EMIT(PALIGNR, palignr)
/* SSE4.1 / SSE4.2 */
SIMD_EMIT(PBLENDW, pblendw) SIMD_EMIT(BLENDPS, blendps)
SIMD_EMIT(BLENDPD, blendpd) SIMD_EMIT(PBLENDVB, pblendvb)
SIMD_EMIT(BLENDVPS, blendvps) SIMD_EMIT(BLENDVPD, blendvpd)
SIMD_EMIT(PMINSB, pminsb) SIMD_EMIT(PMAXSB, pmaxsb)
SIMD_EMIT(PMINUW, pminuw) SIMD_EMIT(PMAXUW, pmaxuw)
SIMD_EMIT(PMINSD, pminsd) SIMD_EMIT(PMAXSD, pmaxsd)
SIMD_EMIT(PMINUD, pminud) SIMD_EMIT(PMAXUD, pmaxud)
SIMD_EMIT(PMULLD, pmulld) SIMD_EMIT(PMULDQ, pmuldq)
SIMD_EMIT(PCMPEQQ, pcmpeqq) SIMD_EMIT(PCMPGTQ, pcmpgtq)
SIMD_EMIT(PMOVSXBW, pmovsxbw) SIMD_EMIT(PMOVSXBD, pmovsxbd)
SIMD_EMIT(PMOVSXBQ, pmovsxbq) SIMD_EMIT(PMOVSXWD, pmovsxwd)
SIMD_EMIT(PMOVSXWQ, pmovsxwq) SIMD_EMIT(PMOVSXDQ, pmovsxdq)
SIMD_EMIT(PMOVZXBW, pmovzxbw) SIMD_EMIT(PMOVZXBD, pmovzxbd)
SIMD_EMIT(PMOVZXBQ, pmovzxbq) SIMD_EMIT(PMOVZXWD, pmovzxwd)
SIMD_EMIT(PMOVZXWQ, pmovzxwq) SIMD_EMIT(PMOVZXDQ, pmovzxdq)
SIMD_EMIT(PHMINPOSUW, phminposuw) SIMD_EMIT(MPSADBW, mpsadbw)

/* MOVDDUP reads 8 bytes of memory (no alignment) */
void gen_MOVDDUP(DisasContext *d, const X86Insn *in)
{
    gen_simd_op_align(d, in, SIMD_OP_movddup, false);
}

/* INSERTPS: a memory source is one dword, taken as lane 0 (imm 7:6
   apply to a register source only) */
void gen_INSERTPS(DisasContext *d, const X86Insn *in)
{
    unsigned imm = simd_imm(in);
    int64_t src;

    if (!gen_simd_check(d, in)) {
        return;
    }
    src = simd_source(d, in, false);
    if (in->ops[1].kind == X86_OPK_MEM) {
        imm &= 0x3f;
    }
    gen_simd_call(d, SIMD_OP_insertps, simd_reg_off(&in->ops[0]), src, 16,
                  imm);
}

/* ---- bitwise operations on two 64-bit halves ---- */

typedef void GenLogicFn(TCGContext *s, TCGv_i64 r, TCGv_i64 a, TCGv_i64 b);

static void gen_andn(TCGContext *s, TCGv_i64 r, TCGv_i64 a, TCGv_i64 b)
{
    tcg_gen_andc_i64(s, r, b, a);       /* NOT d AND s */
}

static void gen_simd_logic(DisasContext *d, const X86Insn *in,
                           GenLogicFn *fn)
{
    TCGContext *s = d->s;
    TCGv_i64 a = tmp_new(d), b = tmp_new(d);
    int64_t dst = simd_reg_off(&in->ops[0]), src;

    if (!gen_simd_check(d, in)) {
        return;
    }
    src = simd_source(d, in, true);
    for (int i = 0; i < simd_width(in); i += 8) {
        tcg_gen_ld_i64(s, a, tcg_env(s), dst + i);
        tcg_gen_ld_i64(s, b, tcg_env(s), src + i);
        fn(s, a, a, b);
        tcg_gen_st_i64(s, a, tcg_env(s), dst + i);
    }
    gen_simd_commit(d, in);
}

#define LOGIC_EMIT(M, fn)                                                   \
    void gen_##M(DisasContext *d, const X86Insn *in)                        \
    {                                                                       \
        gen_simd_logic(d, in, fn);                                          \
    }

LOGIC_EMIT(PAND, tcg_gen_and_i64) LOGIC_EMIT(PANDN, gen_andn)
LOGIC_EMIT(POR, tcg_gen_or_i64) LOGIC_EMIT(PXOR, tcg_gen_xor_i64)
LOGIC_EMIT(ANDPS, tcg_gen_and_i64) LOGIC_EMIT(ANDPD, tcg_gen_and_i64)
LOGIC_EMIT(ANDNPS, gen_andn) LOGIC_EMIT(ANDNPD, gen_andn)
LOGIC_EMIT(ORPS, tcg_gen_or_i64) LOGIC_EMIT(ORPD, tcg_gen_or_i64)
LOGIC_EMIT(XORPS, tcg_gen_xor_i64) LOGIC_EMIT(XORPD, tcg_gen_xor_i64)
