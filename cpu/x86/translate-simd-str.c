/*
 * SSE4.2 string compares and CRC32 (Intel SDM Vol. 2B): PCMPESTRI,
 * PCMPESTRM, PCMPISTRI, PCMPISTRM through helper pcmpstr, CRC32 through
 * helper crc32c (simd_str_helper.c). The string compares take an
 * unaligned 16-byte memory operand; CRC32 is a general-register
 * instruction and checks only its CPUID feature.
 */
#include "cpu/x86/translate-fpu.h"

#include "cpu/x86/cpuid.h"
#include "cpu/x86/simd-desc.h"

static void gen_pcmpstr(DisasContext *d, const X86Insn *in, uint32_t kind)
{
    TCGContext *s = d->s;
    TCGv_i64 r = tmp_new(d);
    uint32_t ctl = ((uint32_t)in->ops[2].imm & 0xff) | kind;
    int64_t src;

    if (!gen_check_fpu(d, X86_FPU_SSE)) {
        return;
    }
    if (in->rex & 8) {
        ctl |= SIMD_STR_WIDE;
    }
    src = gen_simd_src(d, &in->ops[1], 16, false, 0);
    gen_helper_pcmpstr(s, r, tcg_env(s), gen_env_ptr(d, xmm_off(in->ops[0].reg)),
                       gen_env_ptr(d, src), d->g->regs[R_EAX],
                       d->g->regs[R_EDX], tcg_constant_i32(s, ctl));
    if (!(kind & SIMD_STR_MASK)) {
        TCGv_i64 idx = tmp_new(d);
        tcg_gen_shri_i64(s, idx, r, 32);
        gen_st_gpr(d, R_ECX, idx, 4);
    }
    tcg_gen_andi_i64(s, d->g->cc_src, r, RF_ARITH);
    set_cc_op(d, CC_OP_EFLAGS);
}

void gen_PCMPESTRI(DisasContext *d, const X86Insn *in)
{
    gen_pcmpstr(d, in, SIMD_STR_EXPLICIT);
}

void gen_PCMPESTRM(DisasContext *d, const X86Insn *in)
{
    gen_pcmpstr(d, in, SIMD_STR_EXPLICIT | SIMD_STR_MASK);
}

void gen_PCMPISTRI(DisasContext *d, const X86Insn *in)
{
    gen_pcmpstr(d, in, 0);
}

void gen_PCMPISTRM(DisasContext *d, const X86Insn *in)
{
    gen_pcmpstr(d, in, SIMD_STR_MASK);
}

/* CRC32 Gy, Eb / Ev: the CRC-32C of the source's bytes, on the low 32
   bits of the destination; the result is zero-extended */
void gen_CRC32(DisasContext *d, const X86Insn *in)
{
    const X86Operand *dst = &in->ops[0], *src = &in->ops[1];
    TCGv_i64 crc = tmp_new(d), v = tmp_new(d);

    if (!x86_tcg_has_feature(in->feature)) {
        gen_illegal(d);
        return;
    }
    gen_ld_op(d, v, src, NULL);
    gen_ld_gpr(d, crc, dst->reg, 4);
    gen_helper_crc32c(d->s, crc, crc, v,
                      tcg_constant_i32(d->s, x86_op_bytes(in, src)));
    gen_st_gpr(d, dst->reg, crc, x86_op_bytes(in, dst));
}
