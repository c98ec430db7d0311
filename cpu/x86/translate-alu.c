/*
 * x86 translator: integer arithmetic and logic (Intel SDM Vol. 2: ADD,
 * ADC, SUB, SBB, AND, OR, XOR, CMP, TEST, INC, DEC, NEG, NOT).
 *
 * Every flag-setting form leaves its result and operands in the cc
 * globals with the matching cc_op (cpu/x86/cc.h); the destination is
 * written first, so a faulting store leaves the previous flags intact.
 * LOCK is accepted and executed as a plain read-modify-write (one vCPU).
 */
#include "cpu/x86/translate.h"

enum { ALU_ADD, ALU_ADC, ALU_SUB, ALU_SBB, ALU_AND, ALU_OR, ALU_XOR,
       ALU_CMP, ALU_TEST };

static unsigned ot_of(int bytes)
{
    return bytes == 1 ? 0 : bytes == 2 ? 1 : bytes == 4 ? 2 : 3;
}

static bool same_reg(const X86Insn *in)
{
    const X86Operand *a = &in->ops[0], *b = &in->ops[1];
    return a->kind == X86_OPK_REG && b->kind == X86_OPK_REG &&
           a->reg_class == b->reg_class && a->reg == b->reg;
}

/* Sets cc_dst/cc_src/cc_src2 and the cc_op after the result is stored. */
static void set_cc3(DisasContext *d, uint32_t op, TCGv_i64 dst, TCGv_i64 src,
                    TCGv_i64 src2)
{
    tcg_gen_mov_i64(d->s, d->g->cc_dst, dst);
    if (src) {
        tcg_gen_mov_i64(d->s, d->g->cc_src, src);
    }
    if (src2) {
        tcg_gen_mov_i64(d->s, d->g->cc_src2, src2);
    }
    set_cc_op(d, op);
}

void gen_ld_op_rmw(DisasContext *d, TCGv_i64 dst, const X86Operand *o,
                   TCGv_i64 *laddr)
{
    int bytes = x86_op_bytes(d->insn, o);

    if (o->kind != X86_OPK_MEM) {
        gen_ld_op(d, dst, o, laddr);
        return;
    }
    *laddr = gen_lea(d, o);
    gen_check_seg(d, *laddr, bytes, X86_SEGACC_WRITE);
    gen_ld_mem(d, dst, *laddr, bytes);
}

static void gen_alu(DisasContext *d, const X86Insn *in, int kind)
{
    TCGContext *s = d->s;
    int bytes = x86_op_bytes(in, &in->ops[0]);
    unsigned ot = ot_of(bytes);
    TCGv_i64 a = tmp_new(d), b = tmp_new(d), r = tmp_new(d), c = NULL;
    TCGv_i64 la = NULL;
    bool store = kind != ALU_CMP && kind != ALU_TEST;

    if ((kind == ALU_XOR || kind == ALU_SUB) && same_reg(in)) {
        tcg_gen_movi_i64(s, r, 0);
        gen_st_op(d, &in->ops[0], r, NULL);
        set_cc_op(d, CC_OP_CLR);
        return;
    }
    if (kind == ALU_ADC || kind == ALU_SBB) {
        c = tmp_new(d);
        gen_get_cf(d, c);
    }
    if (store) {
        gen_ld_op_rmw(d, a, &in->ops[0], &la);
    } else {
        gen_ld_op(d, a, &in->ops[0], &la);
    }
    gen_ld_op(d, b, &in->ops[1], NULL);
    switch (kind) {
    case ALU_ADD: tcg_gen_add_i64(s, r, a, b); break;
    case ALU_ADC: tcg_gen_add_i64(s, r, a, b); tcg_gen_add_i64(s, r, r, c); break;
    case ALU_SUB: case ALU_CMP: tcg_gen_sub_i64(s, r, a, b); break;
    case ALU_SBB: tcg_gen_sub_i64(s, r, a, b); tcg_gen_sub_i64(s, r, r, c); break;
    case ALU_AND: case ALU_TEST: tcg_gen_and_i64(s, r, a, b); break;
    case ALU_OR: tcg_gen_or_i64(s, r, a, b); break;
    default: tcg_gen_xor_i64(s, r, a, b); break;
    }
    if (store) {
        gen_st_op(d, &in->ops[0], r, la);
    }
    switch (kind) {
    case ALU_ADD: set_cc3(d, CC_OP_ADDB + ot, r, b, NULL); break;
    case ALU_ADC: set_cc3(d, CC_OP_ADCB + ot, r, b, c); break;
    case ALU_SUB: case ALU_CMP: set_cc3(d, CC_OP_SUBB + ot, r, b, NULL); break;
    case ALU_SBB: set_cc3(d, CC_OP_SBBB + ot, r, b, c); break;
    default: set_cc3(d, CC_OP_LOGICB + ot, r, NULL, NULL); break;
    }
}

void gen_ADD(DisasContext *d, const X86Insn *in) { gen_alu(d, in, ALU_ADD); }
void gen_ADC(DisasContext *d, const X86Insn *in) { gen_alu(d, in, ALU_ADC); }
void gen_SUB(DisasContext *d, const X86Insn *in) { gen_alu(d, in, ALU_SUB); }
void gen_SBB(DisasContext *d, const X86Insn *in) { gen_alu(d, in, ALU_SBB); }
void gen_AND(DisasContext *d, const X86Insn *in) { gen_alu(d, in, ALU_AND); }
void gen_OR(DisasContext *d, const X86Insn *in) { gen_alu(d, in, ALU_OR); }
void gen_XOR(DisasContext *d, const X86Insn *in) { gen_alu(d, in, ALU_XOR); }
void gen_CMP(DisasContext *d, const X86Insn *in) { gen_alu(d, in, ALU_CMP); }
void gen_TEST(DisasContext *d, const X86Insn *in) { gen_alu(d, in, ALU_TEST); }

static void gen_incdec(DisasContext *d, const X86Insn *in, bool inc)
{
    int bytes = x86_op_bytes(in, &in->ops[0]);
    TCGv_i64 a = tmp_new(d), cf = tmp_new(d), la = NULL;

    gen_get_cf(d, cf);
    gen_ld_op_rmw(d, a, &in->ops[0], &la);
    tcg_gen_addi_i64(d->s, a, a, inc ? 1 : -1);
    gen_st_op(d, &in->ops[0], a, la);
    set_cc3(d, (inc ? CC_OP_INCB : CC_OP_DECB) + ot_of(bytes), a, cf, NULL);
}

void gen_INC(DisasContext *d, const X86Insn *in) { gen_incdec(d, in, true); }
void gen_DEC(DisasContext *d, const X86Insn *in) { gen_incdec(d, in, false); }

void gen_NEG(DisasContext *d, const X86Insn *in)
{
    int bytes = x86_op_bytes(in, &in->ops[0]);
    TCGv_i64 a = tmp_new(d), r = tmp_new(d), la = NULL;

    gen_ld_op_rmw(d, a, &in->ops[0], &la);
    tcg_gen_neg_i64(d->s, r, a);
    gen_st_op(d, &in->ops[0], r, la);
    set_cc3(d, CC_OP_SUBB + ot_of(bytes), r, a, NULL);
}

void gen_NOT(DisasContext *d, const X86Insn *in)
{
    TCGv_i64 a = tmp_new(d), la = NULL;

    gen_ld_op_rmw(d, a, &in->ops[0], &la);
    tcg_gen_not_i64(d->s, a, a);
    gen_st_op(d, &in->ops[0], a, la);
}
