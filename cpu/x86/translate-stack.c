/*
 * x86 translator: the stack (Intel SDM Vol. 2: PUSH, POP, PUSHA/PUSHAD,
 * POPA/POPAD, ENTER, LEAVE; Vol. 1 6.2 "Stacks").
 *
 * The stack pointer is SP, ESP or RSP by SS.B / 64-bit mode
 * (x86_stack_bytes); the pushed size is the operand size. Every store or
 * load is done before RSP (or any other register) is written, so a #PF or
 * #SS in the middle restarts the instruction cleanly. POP into memory
 * addressed through RSP uses the incremented RSP, as the SDM says. POP of
 * a segment register is a system instruction (x86_gen_sys).
 */
#include "cpu/x86/translate.h"

void gen_PUSH(DisasContext *d, const X86Insn *in)
{
    TCGv_i64 v = tmp_new(d);

    gen_ld_op(d, v, &in->ops[0], NULL);
    gen_push(d, v, in->op_size);
}

void gen_POP(DisasContext *d, const X86Insn *in)
{
    const X86Operand *o = &in->ops[0];
    int bytes = in->op_size;
    TCGv_i64 v = tmp_new(d);

    if (o->kind == X86_OPK_REG && o->reg_class == X86_RC_SEG) {
        if (!x86_gen_sys(d, in)) {
            gen_illegal(d);
        }
        return;
    }
    gen_pop_load(d, v, bytes);
    if (o->kind == X86_OPK_MEM) {
        TCGv_i64 a = gen_ea(d, o);
        if (o->base == R_ESP) {
            tcg_gen_addi_i64(d->s, a, a, bytes);
            gen_ext(d, a, o->addr_size, false);
        }
        gen_add_seg(d, a, o->seg, o->addr_size);
        gen_st_mem(d, v, a, bytes);
        gen_pop_update(d, bytes);
        return;
    }
    gen_pop_update(d, bytes);
    gen_st_op(d, o, v, NULL);
}

void gen_PUSHA(DisasContext *d, const X86Insn *in)
{
    TCGContext *s = d->s;
    int bytes = in->op_size;
    TCGv_i64 sp = tmp_new(d);

    for (int i = 0; i < 8; i++) {
        tcg_gen_subi_i64(s, sp, d->g->regs[R_ESP], bytes * (i + 1));
        gen_st_mem(d, d->g->regs[i], gen_stack_addr(d, sp), bytes);
    }
    gen_add_rsp(d, -8 * bytes);
}

void gen_POPA(DisasContext *d, const X86Insn *in)
{
    TCGContext *s = d->s;
    int bytes = in->op_size;
    TCGv_i64 sp = tmp_new(d), v[8];

    for (int i = 0; i < 8; i++) {
        v[i] = tmp_new(d);
        if (i == R_ESP) {
            continue;
        }
        tcg_gen_addi_i64(s, sp, d->g->regs[R_ESP], bytes * (7 - i));
        gen_ld_mem(d, v[i], gen_stack_addr(d, sp), bytes);
    }
    gen_add_rsp(d, 8 * bytes);
    for (int i = 0; i < 8; i++) {
        if (i != R_ESP) {
            gen_st_gpr(d, i, v[i], bytes);
        }
    }
}

void gen_ENTER(DisasContext *d, const X86Insn *in)
{
    TCGContext *s = d->s;
    int os = in->op_size, sw = x86_stack_bytes(d);
    unsigned size = in->ops[0].imm & 0xffff, level = in->ops[1].imm & 31;
    TCGv_i64 sp = tmp_new(d), frame = tmp_new(d), bp = tmp_new(d);
    TCGv_i64 v = tmp_new(d);

    tcg_gen_subi_i64(s, sp, d->g->regs[R_ESP], os);
    gen_st_mem(d, d->g->regs[R_EBP], gen_stack_addr(d, sp), os);
    tcg_gen_mov_i64(s, frame, sp);
    tcg_gen_mov_i64(s, bp, d->g->regs[R_EBP]);
    for (unsigned i = 1; i < level; i++) {
        tcg_gen_subi_i64(s, bp, bp, os);
        gen_ld_mem(d, v, gen_stack_addr(d, bp), os);
        tcg_gen_subi_i64(s, sp, sp, os);
        gen_st_mem(d, v, gen_stack_addr(d, sp), os);
    }
    if (level > 0) {
        tcg_gen_subi_i64(s, sp, sp, os);
        gen_st_mem(d, frame, gen_stack_addr(d, sp), os);
    }
    tcg_gen_subi_i64(s, sp, sp, size);
    /* the reference CPU checks the final stack top like a push there
       (#AC when misaligned, #PF when not writable) */
    gen_sync_state(d);
    gen_helper_probe_write(s, tcg_env(s), gen_stack_addr(d, sp),
                           tcg_constant_i32(s, os));
    /* the frame pointer is written at the operand size (a 66h ENTER
       leaves the upper bits of RBP/EBP alone), RSP at the stack size */
    gen_st_gpr(d, R_EBP, frame, os);
    gen_st_gpr(d, R_ESP, sp, sw);
}

void gen_LEAVE(DisasContext *d, const X86Insn *in)
{
    int os = in->op_size, sw = x86_stack_bytes(d);
    TCGv_i64 v = tmp_new(d), sp = tmp_new(d);

    gen_ld_mem(d, v, gen_stack_addr(d, d->g->regs[R_EBP]), os);
    tcg_gen_addi_i64(d->s, sp, d->g->regs[R_EBP], os);
    gen_st_gpr(d, R_ESP, sp, sw);
    gen_st_gpr(d, R_EBP, v, os);
}
