/*
 * x86 translator: near control transfers and conditions (Intel SDM Vol.
 * 2: Jcc, JMP, CALL, RET, LOOP/LOOPE/LOOPNE, JCXZ/JECXZ/JRCXZ, SETcc,
 * CMOVcc). Far forms are system instructions (translate-sys.c).
 *
 * Targets are truncated to the operand size (16/32 bits) outside 64-bit
 * mode; in 64-bit mode near branches are always 64-bit (the decoder
 * forces the operand size). Direct targets chain through goto_tb slots
 * 0 (fall-through) and 1 (taken); indirect ones set RIP and look up the
 * next TB. The counter of LOOP/JCXZ is CX, ECX or RCX by address size.
 * JMP/CALL/RET to a non-canonical target fault on the branch (#GP(0)).
 */
#include "cpu/x86/translate.h"

#include "cpu/x86/cpuid.h"

static uint64_t rel_target(DisasContext *d, const X86Insn *in)
{
    uint64_t t = x86_insn_rel_target(in, d->rip, &in->ops[0]);
    return d->code64 ? t : (t & 0xffffffffu);
}

/* Ends the block: cond ? target : next instruction. */
static void gen_branch2(DisasContext *d, TCGLabel *taken, uint64_t target)
{
    gen_jmp_tb(d, d->next_rip, 0);
    tcg_gen_set_label(d->s, taken);
    gen_jmp_tb(d, target, 1);
}

void gen_JCC(DisasContext *d, const X86Insn *in)
{
    TCGLabel *l = tcg_label_new(d->s);

    gen_update_cc_op(d);
    gen_jcc_label(d, in->opcode & 15, l);
    gen_branch2(d, l, rel_target(d, in));
}

/*
 * 64-bit mode: a near branch to a non-canonical target raises #GP(0) on
 * the branch itself, before it pushes or pops anything (SDM JMP, CALL,
 * RET: "IF tempRIP is not canonical"). The cold path stores RIP and cc_op
 * itself (the hot path's static cc_op is unchanged).
 */
static void gen_check_canonical(DisasContext *d, TCGv_i64 t)
{
    TCGContext *s = d->s;
    TCGv_i64 c;
    TCGLabel *ok;

    if (!d->code64) {
        return;
    }
    c = tmp_new(d);
    ok = tcg_label_new(s);
    tcg_gen_sextract_i64(s, c, t, 0, CPUID_VIRT_BITS);
    tcg_gen_brcond_i64(s, TCG_COND_EQ, c, t, ok);
    tcg_gen_movi_i64(s, d->g->rip, d->rip);
    if (d->cc_op_dirty) {
        tcg_gen_movi_i32(s, d->g->cc_op, d->cc_op);
    }
    gen_helper_raise_exception_err(s, tcg_env(s),
                                   tcg_constant_i32(s, EXCP_GP),
                                   tcg_constant_i32(s, 0));
    tcg_gen_set_label(s, ok);
}

/* Direct target in 64-bit mode: known now, so is its canonical form. */
static bool rel_target_ok(DisasContext *d, const X86Insn *in)
{
    uint64_t t = rel_target(d, in);

    if (d->code64 &&
        (uint64_t)((int64_t)(t << (64 - CPUID_VIRT_BITS)) >>
                   (64 - CPUID_VIRT_BITS)) != t) {
        gen_exception_err(d, EXCP_GP, 0);
        return false;
    }
    return true;
}

/* Indirect target: RIP = value truncated to the operand size. */
static void gen_jump_reg(DisasContext *d, TCGv_i64 t, int bytes)
{
    gen_ext_to(d, d->g->rip, t, bytes, false);
    d->is_jmp = DISAS_JUMP;
}

void gen_JMP(DisasContext *d, const X86Insn *in)
{
    TCGv_i64 t;

    if (in->ops[0].kind == X86_OPK_REL) {
        if (rel_target_ok(d, in)) {
            gen_jmp_tb(d, rel_target(d, in), 0);
        }
        return;
    }
    t = tmp_new(d);
    gen_ld_op(d, t, &in->ops[0], NULL);
    gen_check_canonical(d, t);
    gen_jump_reg(d, t, in->op_size);
}

void gen_CALL(DisasContext *d, const X86Insn *in)
{
    TCGv_i64 t = tmp_new(d);

    if (in->ops[0].kind != X86_OPK_REL) {
        gen_ld_op(d, t, &in->ops[0], NULL);
        gen_check_canonical(d, t);
    } else if (!rel_target_ok(d, in)) {
        return;
    }
    gen_push(d, tconst(d, d->next_rip), in->op_size);
    if (in->ops[0].kind == X86_OPK_REL) {
        gen_jmp_tb(d, rel_target(d, in), 0);
    } else {
        gen_jump_reg(d, t, in->op_size);
    }
}

void gen_RET(DisasContext *d, const X86Insn *in)
{
    TCGv_i64 t = tmp_new(d);
    int64_t extra = in->nops > 0 && in->ops[0].kind == X86_OPK_IMM
                    ? (int64_t)(in->ops[0].imm & 0xffff) : 0;

    gen_pop_load(d, t, in->op_size);
    gen_check_canonical(d, t);
    gen_add_rsp(d, in->op_size + extra);
    gen_jump_reg(d, t, in->op_size);
}

/* LOOP family: decrements the counter, then branches on cc_kind. */
static void gen_loop(DisasContext *d, const X86Insn *in, int zf)
{
    TCGContext *s = d->s;
    int asz = in->addr_size;
    TCGv_i64 c = tmp_new(d);
    TCGLabel *taken = tcg_label_new(s), *next = tcg_label_new(s);

    gen_update_cc_op(d);
    tcg_gen_subi_i64(s, c, d->g->regs[R_ECX], 1);
    gen_st_gpr(d, R_ECX, c, asz);
    gen_ext(d, c, asz, false);
    tcg_gen_brcondi_i64(s, TCG_COND_EQ, c, 0, next);
    if (zf >= 0) {
        /* LOOPE: ZF = 1 (cc 4); LOOPNE: ZF = 0 (cc 5) */
        gen_jcc_label(d, zf ? 4 : 5, taken);
        tcg_gen_br(s, next);
    } else {
        tcg_gen_br(s, taken);
    }
    tcg_gen_set_label(s, next);
    gen_branch2(d, taken, rel_target(d, in));
}

void gen_LOOP(DisasContext *d, const X86Insn *in) { gen_loop(d, in, -1); }
void gen_LOOPE(DisasContext *d, const X86Insn *in) { gen_loop(d, in, 1); }
void gen_LOOPNE(DisasContext *d, const X86Insn *in) { gen_loop(d, in, 0); }

void gen_JCXZ(DisasContext *d, const X86Insn *in)
{
    TCGv_i64 c = tmp_new(d);
    TCGLabel *taken = tcg_label_new(d->s);

    gen_update_cc_op(d);
    gen_ld_gpr(d, c, R_ECX, in->addr_size);
    tcg_gen_brcondi_i64(d->s, TCG_COND_EQ, c, 0, taken);
    gen_branch2(d, taken, rel_target(d, in));
}

void gen_SETCC(DisasContext *d, const X86Insn *in)
{
    TCGv_i64 v = tmp_new(d);

    gen_setcc(d, v, in->opcode & 15);
    gen_st_op(d, &in->ops[0], v, NULL);
}

void gen_CMOVCC(DisasContext *d, const X86Insn *in)
{
    TCGv_i64 a = tmp_new(d), b = tmp_new(d), c = tmp_new(d);

    gen_ld_op(d, b, &in->ops[1], NULL);
    gen_ld_op(d, a, &in->ops[0], NULL);
    gen_setcc(d, c, in->opcode & 15);
    tcg_gen_movcond_i64(d->s, TCG_COND_NE, a, c, tconst(d, 0), b, a);
    gen_st_op(d, &in->ops[0], a, NULL);
}
