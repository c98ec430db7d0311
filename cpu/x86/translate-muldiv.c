/*
 * x86 translator: multiplication and division (Intel SDM Vol. 2: MUL,
 * IMUL in its one-, two- and three-operand forms, DIV, IDIV).
 *
 * Products up to 32x32 bits are computed exactly in 64-bit temps, 64x64
 * with mulu2/muls2. CF = OF = "the upper half is significant", kept as a
 * nonzero cc_src under CC_OP_MUL; SF/ZF/PF (undefined) follow the low
 * half. Division runs in helpers (int_helper.c) that raise #DE on a zero
 * divisor or a quotient that does not fit; its flags are left unchanged.
 */
#include "cpu/x86/translate.h"

static unsigned ot_of(int bytes)
{
    return bytes == 1 ? 0 : bytes == 2 ? 1 : bytes == 4 ? 2 : 3;
}

static void set_mul_flags(DisasContext *d, int bytes, TCGv_i64 lo,
                          TCGv_i64 ovf)
{
    tcg_gen_mov_i64(d->s, d->g->cc_dst, lo);
    tcg_gen_mov_i64(d->s, d->g->cc_src, ovf);
    set_cc_op(d, CC_OP_MULB + ot_of(bytes));
}

/* rDX:rAX (AX for bytes) = rAX * src. */
static void gen_mul1(DisasContext *d, const X86Insn *in, bool sign)
{
    TCGContext *s = d->s;
    int bytes = x86_op_bytes(in, &in->ops[0]);
    TCGv_i64 a = tmp_new(d), b = tmp_new(d), lo = tmp_new(d);
    TCGv_i64 hi = tmp_new(d), ovf = tmp_new(d);

    gen_ld_op(d, b, &in->ops[0], NULL);
    gen_ld_gpr(d, a, R_EAX, bytes);
    if (bytes == 8) {
        if (sign) {
            tcg_gen_muls2_i64(s, lo, hi, a, b);
            tcg_gen_sari_i64(s, ovf, lo, 63);
            tcg_gen_sub_i64(s, ovf, hi, ovf);
        } else {
            tcg_gen_mulu2_i64(s, lo, hi, a, b);
            tcg_gen_mov_i64(s, ovf, hi);
        }
        gen_st_gpr(d, R_EAX, lo, 8);
        gen_st_gpr(d, R_EDX, hi, 8);
        set_mul_flags(d, bytes, lo, ovf);
        return;
    }
    if (sign) {
        gen_ext(d, a, bytes, true);
        gen_ext(d, b, bytes, true);
    }
    tcg_gen_mul_i64(s, lo, a, b);
    if (sign) {
        gen_ext_to(d, ovf, lo, bytes, true);
        tcg_gen_sub_i64(s, ovf, lo, ovf);
    } else {
        tcg_gen_shri_i64(s, ovf, lo, 8 * bytes);
    }
    if (bytes == 1) {
        gen_st_gpr(d, R_EAX, lo, 2);
    } else {
        tcg_gen_shri_i64(s, hi, lo, 8 * bytes);
        gen_st_gpr(d, R_EAX, lo, bytes);
        gen_st_gpr(d, R_EDX, hi, bytes);
    }
    set_mul_flags(d, bytes, lo, ovf);
}

void gen_MUL(DisasContext *d, const X86Insn *in)
{
    gen_mul1(d, in, false);
}

void gen_IMUL(DisasContext *d, const X86Insn *in)
{
    TCGContext *s = d->s;
    int bytes;
    TCGv_i64 a, b, lo, hi, ovf;

    if (in->nops < 2 || in->ops[1].kind == X86_OPK_NONE) {
        gen_mul1(d, in, true);
        return;
    }
    bytes = x86_op_bytes(in, &in->ops[0]);
    a = tmp_new(d), b = tmp_new(d), lo = tmp_new(d), hi = tmp_new(d);
    ovf = tmp_new(d);
    if (in->nops >= 3 && in->ops[2].kind == X86_OPK_IMM) {
        gen_ld_op(d, a, &in->ops[1], NULL);
        tcg_gen_movi_i64(s, b, in->ops[2].imm);
    } else {
        gen_ld_op(d, a, &in->ops[0], NULL);
        gen_ld_op(d, b, &in->ops[1], NULL);
    }
    if (bytes == 8) {
        tcg_gen_muls2_i64(s, lo, hi, a, b);
        tcg_gen_sari_i64(s, ovf, lo, 63);
        tcg_gen_sub_i64(s, ovf, hi, ovf);
    } else {
        gen_ext(d, a, bytes, true);
        gen_ext(d, b, bytes, true);
        tcg_gen_mul_i64(s, lo, a, b);
        gen_ext_to(d, ovf, lo, bytes, true);
        tcg_gen_sub_i64(s, ovf, lo, ovf);
    }
    gen_st_op(d, &in->ops[0], lo, NULL);
    set_mul_flags(d, bytes, lo, ovf);
}

static void gen_div(DisasContext *d, const X86Insn *in, bool sign)
{
    int bytes = x86_op_bytes(in, &in->ops[0]);
    TCGv_i64 b = tmp_new(d);
    TCGv_ptr env = tcg_env(d->s);

    gen_ld_op(d, b, &in->ops[0], NULL);
    gen_sync_state(d);
    switch (bytes * (sign ? -1 : 1)) {
    case 1: gen_helper_divb(d->s, env, b); break;
    case 2: gen_helper_divw(d->s, env, b); break;
    case 4: gen_helper_divl(d->s, env, b); break;
    case 8: gen_helper_divq(d->s, env, b); break;
    case -1: gen_helper_idivb(d->s, env, b); break;
    case -2: gen_helper_idivw(d->s, env, b); break;
    case -4: gen_helper_idivl(d->s, env, b); break;
    default: gen_helper_idivq(d->s, env, b); break;
    }
}

void gen_DIV(DisasContext *d, const X86Insn *in) { gen_div(d, in, false); }
void gen_IDIV(DisasContext *d, const X86Insn *in) { gen_div(d, in, true); }
