/*
 * x86 translator: system instructions (Intel SDM Vol. 2 for each
 * instruction; Vol. 3A chapters 2, 5 and 6 for the privilege rules).
 *
 * Far transfers, IRET, software interrupts, segment loads, descriptor
 * table and task registers, control and debug registers, MSRs, CPUID, the
 * TSC, CLI/STI/PUSHF/POPF, HLT, port I/O and the fast system calls. The
 * work is done by helpers (seg_helper.c, misc_helper.c) on an exact guest
 * state: every emitter calls gen_sync_state() before them. Checks that
 * depend only on the TB flags (CPL 0, UMIP, protected mode) are made here
 * at translation time.
 *
 * Block ends: anything that can change hflags, IF, the TLB or CS ends the
 * block; far JMP/CALL/RET continue through a TB lookup, the rest exit to
 * the loop so pending interrupts are seen. MOV SS / POP SS / STI set the
 * one-instruction interrupt shadow (HF_INHIBIT_IRQ).
 */
#include "cpu/x86/translate.h"

#include "cpu/x86/cpuid.h"
#include "cpu/x86/sys-helper.h"

#define ENV(d) tcg_env((d)->s)
#define I32(d, v) tcg_constant_i32((d)->s, (uint32_t)(v))

/* #GP(0) unless CPL 0 (real mode is CPL 0, v86 mode CPL 3). */
static bool need_cpl0(DisasContext *d)
{
    if (d->cpl != 0) {
        gen_exception_err(d, EXCP_GP, 0);
        return false;
    }
    return true;
}

/* #UD outside protected mode (real and virtual-8086 mode). */
static bool need_prot(DisasContext *d)
{
    if (!d->pe || d->vm) {
        gen_illegal(d);
        return false;
    }
    return true;
}

/* SGDT/SIDT/SLDT/STR/SMSW with CR4.UMIP at CPL > 0: #GP(0). */
static bool umip_ok(DisasContext *d)
{
    if ((d->flags & HF_UMIP) && d->cpl > 0) {
        gen_exception_err(d, EXCP_GP, 0);
        return false;
    }
    return true;
}

/* The helper changed the flags in env: cc_op is only in the global now. */
static void flags_dynamic(DisasContext *d)
{
    set_cc_op(d, X86_CC_OP_DYNAMIC);
}

static void end_next(DisasContext *d)
{
    d->is_jmp = DISAS_EOB_NEXT;
}

/* laddr + n with the address wrap of the current mode. */
static TCGv_i64 addr_plus(DisasContext *d, TCGv_i64 a, int n)
{
    TCGv_i64 t = tmp_new(d);

    tcg_gen_addi_i64(d->s, t, a, n);
    if (!d->code64) {
        tcg_gen_ext32u_i64(d->s, t, t);
    }
    return t;
}

/* Far pointer operand (Ap immediate or Mp memory): selector and offset. */
static void gen_far_ptr(DisasContext *d, const X86Insn *in,
                        const X86Operand *o, TCGv_i64 sel, TCGv_i64 off)
{
    if (o->kind == X86_OPK_FAR) {
        tcg_gen_movi_i64(d->s, sel, o->far_seg);
        tcg_gen_movi_i64(d->s, off, in->op_size == 2 ? (o->imm & 0xffff)
                                                     : (uint32_t)o->imm);
        return;
    }
    TCGv_i64 a = gen_lea(d, o);
    gen_ld_mem(d, off, a, in->op_size);
    gen_ld_mem(d, sel, addr_plus(d, a, in->op_size), 2);
}

/* ---------------------------------------------------- far transfers */

static void gen_far_jmp_call(DisasContext *d, const X86Insn *in, bool call)
{
    TCGv_i64 sel = tmp_new(d), off = tmp_new(d);

    gen_sync_state(d);
    gen_far_ptr(d, in, &in->ops[0], sel, off);
    if (call) {
        gen_helper_lcall(d->s, ENV(d), sel, off, I32(d, in->op_size),
                         tconst(d, d->next_rip));
    } else {
        gen_helper_ljmp(d->s, ENV(d), sel, off, I32(d, in->op_size));
    }
    d->is_jmp = DISAS_JUMP_FAR;
}

static void gen_retf(DisasContext *d, const X86Insn *in)
{
    uint32_t imm = in->nops > 0 ? (uint32_t)(in->ops[0].imm & 0xffff) : 0;

    gen_sync_state(d);
    gen_helper_lret(d->s, ENV(d), I32(d, in->op_size), I32(d, imm));
    d->is_jmp = DISAS_JUMP_FAR;
}

static void gen_iret(DisasContext *d, const X86Insn *in)
{
    gen_sync_state(d);
    gen_helper_iret(d->s, ENV(d), I32(d, in->op_size));
    flags_dynamic(d);
    d->is_jmp = DISAS_EOB_ONLY;
}

/* ------------------------------------------------ software interrupts */

static void gen_int_sw(DisasContext *d, int vector, bool int_n)
{
    gen_sync_state(d);
    gen_helper_int_sw(d->s, ENV(d), I32(d, vector), tconst(d, d->next_rip),
                      I32(d, int_n));
    tcg_gen_exit_tb(d->s, NULL, 0);
    d->is_jmp = DISAS_NORETURN;
}

static void gen_into(DisasContext *d)
{
    gen_sync_state(d);
    gen_helper_into(d->s, ENV(d), tconst(d, d->next_rip));
}

static void gen_bound(DisasContext *d, const X86Insn *in)
{
    int n = in->op_size;
    TCGv_i64 idx = tmp_new(d), lo = tmp_new(d), hi = tmp_new(d);
    TCGv_i64 a = gen_lea(d, &in->ops[1]);

    gen_sync_state(d);
    gen_ld_gpr(d, idx, in->ops[0].reg, n);
    gen_ld_mem(d, lo, a, n);
    gen_ld_mem(d, hi, addr_plus(d, a, n), n);
    gen_ext(d, idx, n, true);
    gen_ext(d, lo, n, true);
    gen_ext(d, hi, n, true);
    gen_helper_bound(d->s, ENV(d), idx, lo, hi);
}

/* ------------------------------------------------------ PUSHF / POPF */

static void gen_pushf(DisasContext *d, const X86Insn *in)
{
    TCGv_i64 v = tmp_new(d);

    gen_sync_state(d);
    gen_helper_pushf(d->s, v, ENV(d));
    gen_push(d, v, in->op_size);
}

static void gen_popf(DisasContext *d, const X86Insn *in)
{
    TCGv_i64 v = tmp_new(d);

    gen_sync_state(d);
    gen_pop_load(d, v, in->op_size);
    gen_helper_popf(d->s, ENV(d), v, I32(d, in->op_size));
    gen_pop_update(d, in->op_size);
    flags_dynamic(d);
    end_next(d);
}

/* ------------------------------------------------ segment registers */

/* Whether a load of seg can change hflags (SS32, ADDSEG, CPL). */
static bool seg_load_ends_block(const DisasContext *d, int seg)
{
    return seg == R_SS || (d->pe && !d->vm && !d->code64);
}

static void gen_load_seg(DisasContext *d, int seg, TCGv_i64 sel, bool shadow)
{
    gen_helper_load_seg(d->s, ENV(d), I32(d, seg), sel);
    if (seg == R_SS && shadow) {
        gen_helper_set_inhibit_irq(d->s, ENV(d), I32(d, 2));
    }
    if (seg_load_ends_block(d, seg)) {
        end_next(d);
    }
}

static void gen_mov_seg(DisasContext *d, const X86Insn *in)
{
    const X86Operand *dst = &in->ops[0], *src = &in->ops[1];
    TCGv_i64 v = tmp_new(d);

    if (src->kind == X86_OPK_REG && src->reg_class == X86_RC_SEG) {
        if (src->reg > R_GS) {
            gen_illegal(d);
            return;
        }
        gen_ld_op(d, v, src, NULL);
        gen_st_op(d, dst, v, NULL);
        return;
    }
    if (dst->reg == R_CS || dst->reg > R_GS) {
        gen_illegal(d);
        return;
    }
    gen_sync_state(d);
    gen_ld_op(d, v, src, NULL);
    tcg_gen_andi_i64(d->s, v, v, 0xffff);
    gen_load_seg(d, dst->reg, v, true);
}

static void gen_pop_seg(DisasContext *d, const X86Insn *in)
{
    int seg = in->ops[0].reg;
    TCGv_i64 v = tmp_new(d);

    if (seg == R_CS || seg > R_GS) {
        gen_illegal(d);
        return;
    }
    gen_sync_state(d);
    gen_pop_load(d, v, in->op_size);
    tcg_gen_andi_i64(d->s, v, v, 0xffff);
    gen_helper_load_seg(d->s, ENV(d), I32(d, seg), v);
    gen_pop_update(d, in->op_size);
    if (seg == R_SS) {
        gen_helper_set_inhibit_irq(d->s, ENV(d), I32(d, 2));
    }
    if (seg_load_ends_block(d, seg)) {
        end_next(d);
    }
}

static void gen_lxs(DisasContext *d, const X86Insn *in, int seg)
{
    TCGv_i64 sel = tmp_new(d), off = tmp_new(d);

    gen_sync_state(d);
    gen_far_ptr(d, in, &in->ops[1], sel, off);
    gen_load_seg(d, seg, sel, false);
    gen_st_gpr(d, in->ops[0].reg, off, in->op_size);
}

/* ------------------------------------- descriptor tables, LDT, TR */

static void gen_load_dt(DisasContext *d, const X86Insn *in, int which)
{
    TCGv_i64 a;

    if (!need_cpl0(d)) {
        return;
    }
    gen_sync_state(d);
    a = gen_lea(d, &in->ops[0]);
    gen_helper_load_dt(d->s, ENV(d), I32(d, which), a, I32(d, in->op_size));
}

static void gen_store_dt(DisasContext *d, const X86Insn *in, int which)
{
    TCGv_i64 a;

    if (!umip_ok(d)) {
        return;
    }
    gen_sync_state(d);
    a = gen_lea(d, &in->ops[0]);
    gen_helper_store_dt(d->s, ENV(d), I32(d, which), a);
}

/* SLDT / STR / SMSW: a 16-bit (memory) or operand-size (register) store. */
static void gen_store_sysreg(DisasContext *d, const X86Insn *in, size_t off,
                             bool word)
{
    TCGv_i64 v = tmp_new(d);

    if (!umip_ok(d)) {
        return;
    }
    if (word) {
        tcg_gen_ld16u_i64(d->s, v, ENV(d), (intptr_t)off);
    } else {
        tcg_gen_ld_i64(d->s, v, ENV(d), (intptr_t)off);
    }
    gen_st_op(d, &in->ops[0], v, NULL);
}

static void gen_lldt_ltr(DisasContext *d, const X86Insn *in, bool tr)
{
    TCGv_i64 v = tmp_new(d);

    if (!need_prot(d) || !need_cpl0(d)) {
        return;
    }
    gen_sync_state(d);
    gen_ld_op(d, v, &in->ops[0], NULL);
    tcg_gen_andi_i64(d->s, v, v, 0xffff);
    if (tr) {
        gen_helper_ltr(d->s, ENV(d), v);
    } else {
        gen_helper_lldt(d->s, ENV(d), v);
    }
}

/* LAR / LSL: the destination is written only when ZF is set. */
static void gen_lar_lsl(DisasContext *d, const X86Insn *in, bool lsl)
{
    TCGv_i64 sel = tmp_new(d), r = tmp_new(d), hi = tmp_new(d);
    TCGLabel *skip;

    if (!need_prot(d)) {
        return;
    }
    gen_sync_state(d);
    gen_ld_op(d, sel, &in->ops[1], NULL);
    tcg_gen_andi_i64(d->s, sel, sel, 0xffff);
    if (lsl) {
        gen_helper_lsl(d->s, r, ENV(d), sel);
    } else {
        gen_helper_lar(d->s, r, ENV(d), sel);
    }
    flags_dynamic(d);
    skip = tcg_label_new(d->s);
    tcg_gen_shri_i64(d->s, hi, r, 32);
    tcg_gen_brcondi_i64(d->s, TCG_COND_EQ, hi, 0, skip);
    tcg_gen_ext32u_i64(d->s, r, r);
    gen_st_gpr(d, in->ops[0].reg, r, in->op_size);
    tcg_gen_set_label(d->s, skip);
}

static void gen_verr_verw(DisasContext *d, const X86Insn *in, bool write)
{
    TCGv_i64 sel = tmp_new(d);

    if (!need_prot(d)) {
        return;
    }
    gen_sync_state(d);
    gen_ld_op(d, sel, &in->ops[0], NULL);
    tcg_gen_andi_i64(d->s, sel, sel, 0xffff);
    if (write) {
        gen_helper_verw(d->s, ENV(d), sel);
    } else {
        gen_helper_verr(d->s, ENV(d), sel);
    }
    flags_dynamic(d);
}

static void gen_arpl(DisasContext *d, const X86Insn *in)
{
    TCGv_i64 dst = tmp_new(d), src = tmp_new(d), r = tmp_new(d);
    TCGv_i64 laddr = NULL;

    if (!need_prot(d)) {
        return;
    }
    gen_sync_state(d);
    gen_ld_op(d, dst, &in->ops[0], &laddr);
    gen_ld_op(d, src, &in->ops[1], NULL);
    gen_helper_arpl(d->s, r, ENV(d), dst, src);
    flags_dynamic(d);
    gen_st_op(d, &in->ops[0], r, laddr);
}

/* --------------------------------------- control and debug registers */

static void gen_mov_crdr(DisasContext *d, const X86Insn *in)
{
    const X86Operand *dst = &in->ops[0], *src = &in->ops[1];
    int bytes = d->code64 ? 8 : 4;
    TCGv_i64 v = tmp_new(d);

    if (!need_cpl0(d)) {
        return;
    }
    gen_sync_state(d);
    if (dst->reg_class == X86_RC_CR || dst->reg_class == X86_RC_DR) {
        gen_ld_gpr(d, v, src->reg, bytes);
        if (dst->reg_class == X86_RC_CR) {
            gen_helper_write_cr(d->s, ENV(d), I32(d, dst->reg), v);
        } else {
            gen_helper_write_dr(d->s, ENV(d), I32(d, dst->reg), v);
        }
        end_next(d);
        return;
    }
    if (src->reg_class == X86_RC_CR) {
        gen_helper_read_cr(d->s, v, ENV(d), I32(d, src->reg));
    } else {
        gen_helper_read_dr(d->s, v, ENV(d), I32(d, src->reg));
    }
    gen_st_gpr(d, dst->reg, v, bytes);
}

static bool is_sys_reg(const X86Operand *o)
{
    return o->kind == X86_OPK_REG &&
           (o->reg_class == X86_RC_SEG || o->reg_class == X86_RC_CR ||
            o->reg_class == X86_RC_DR);
}

/* MOV forms owned here; false for the general-purpose forms. */
static bool gen_mov_sys(DisasContext *d, const X86Insn *in)
{
    if (in->nops < 2 || (!is_sys_reg(&in->ops[0]) && !is_sys_reg(&in->ops[1]))) {
        return false;
    }
    if (in->ops[0].reg_class == X86_RC_SEG || in->ops[1].reg_class == X86_RC_SEG) {
        gen_mov_seg(d, in);
    } else {
        gen_mov_crdr(d, in);
    }
    return true;
}

static void gen_lmsw(DisasContext *d, const X86Insn *in)
{
    TCGv_i64 v = tmp_new(d);

    if (!need_cpl0(d)) {
        return;
    }
    gen_sync_state(d);
    gen_ld_op(d, v, &in->ops[0], NULL);
    gen_helper_lmsw(d->s, ENV(d), v);
    end_next(d);
}

/* A helper with only env, after a CPL 0 check; ends the block if asked. */
static void gen_priv_helper(DisasContext *d, void (*gen)(TCGContext *, TCGv_ptr),
                            bool end)
{
    if (!need_cpl0(d)) {
        return;
    }
    gen_sync_state(d);
    gen(d->s, ENV(d));
    if (end) {
        end_next(d);
    }
}

static void gen_invlpg(DisasContext *d, const X86Insn *in)
{
    TCGv_i64 a;

    if (!need_cpl0(d)) {
        return;
    }
    gen_sync_state(d);
    a = gen_lea(d, &in->ops[0]);
    gen_helper_invlpg(d->s, ENV(d), a);
    end_next(d);
}

/* ------------------------------------------------- TSC, HLT, CLI/STI */

static void gen_rdtsc(DisasContext *d, bool rdtscp)
{
    if ((d->flags & HF_TSD) && d->pe && d->cpl != 0) {
        gen_exception_err(d, EXCP_GP, 0);
        return;
    }
    gen_sync_state(d);
    if (rdtscp) {
        gen_helper_rdtscp(d->s, ENV(d));
    } else {
        gen_helper_rdtsc(d->s, ENV(d));
    }
}

static void gen_hlt(DisasContext *d)
{
    if (!need_cpl0(d)) {
        return;
    }
    gen_sync_state(d);
    gen_helper_hlt(d->s, ENV(d), tconst(d, d->next_rip));
    d->is_jmp = DISAS_EOB_ONLY;
}

static void gen_cli_sti(DisasContext *d, bool sti)
{
    gen_sync_state(d);
    if (sti) {
        gen_helper_sti(d->s, ENV(d));
        end_next(d);
    } else {
        gen_helper_cli(d->s, ENV(d));
    }
}

/*
 * CLAC/STAC: #UD while SMAP is not advertised (cpuid.h). When it is,
 * they need a helper that flips RFLAGS.AC and recomputes hflags.
 */
static void gen_clac_stac(DisasContext *d, bool set)
{
    (void)set;
    gen_illegal(d);
}

/* ----------------------------------------------------------- port I/O */

/* Access size of IN/OUT/INS/OUTS: 1 for the byte forms, else 2 or 4. */
static int io_size(const X86Insn *in, const X86Operand *data)
{
    if (data->size_code == X86_S_b ||
        (data->kind == X86_OPK_REG && data->reg_class == X86_RC_GPR8)) {
        return 1;
    }
    return in->op_size == 2 ? 2 : 4;
}

static void gen_port(DisasContext *d, const X86Operand *o, TCGv_i64 port)
{
    if (o->kind == X86_OPK_IMM) {
        tcg_gen_movi_i64(d->s, port, o->imm & 0xff);
    } else {
        gen_ld_gpr(d, port, R_EDX, 2);
    }
}

static void gen_in_out(DisasContext *d, const X86Insn *in, bool out)
{
    const X86Operand *data = &in->ops[out ? 1 : 0];
    const X86Operand *po = &in->ops[out ? 0 : 1];
    int size = io_size(in, data);
    TCGv_i64 port = tmp_new(d), v = tmp_new(d);

    gen_sync_state(d);
    gen_port(d, po, port);
    if (out) {
        gen_ld_gpr(d, v, R_EAX, size);
        gen_helper_out(d->s, ENV(d), port, I32(d, size), v);
        end_next(d);       /* A20, interrupt controllers... */
    } else {
        gen_helper_in(d->s, v, ENV(d), port, I32(d, size));
        gen_st_gpr(d, R_EAX, v, size);
        if (x86_debug_io_active(d->env)) {
            end_next(d);   /* the I/O breakpoint's #DB follows the IN */
        }
    }
}

static void gen_string_io(DisasContext *d, const X86Insn *in, bool out)
{
    const X86Operand *mem = &in->ops[out ? 1 : 0];
    int size = mem->size_code == X86_S_b ? 1 : (in->op_size == 2 ? 2 : 4);
    bool rep = in->prefixes & (X86_P_REP | X86_P_REPNE);
    int seg = out ? (mem->seg == X86_SEG_NONE ? R_DS : mem->seg) : R_ES;
    uint32_t desc = X86_SIO_DESC(size, in->addr_size, rep, seg);

    gen_sync_state(d);
    if (out) {
        gen_helper_outs(d->s, ENV(d), I32(d, desc), tconst(d, d->next_rip));
    } else {
        gen_helper_ins(d->s, ENV(d), I32(d, desc), tconst(d, d->next_rip));
    }
    d->is_jmp = DISAS_EOB_ONLY;
}

/* ------------------------------------------------------ fast syscalls */

static void gen_fast_call(DisasContext *d, const X86Insn *in, unsigned mnem)
{
    gen_sync_state(d);
    switch (mnem) {
    case X86_M_SYSCALL:
        gen_helper_syscall(d->s, ENV(d), tconst(d, d->next_rip));
        break;
    case X86_M_SYSRET:
        gen_helper_sysret(d->s, ENV(d), I32(d, in->op_size));
        break;
    case X86_M_SYSENTER:
        gen_helper_sysenter(d->s, ENV(d));
        break;
    default:
        gen_helper_sysexit(d->s, ENV(d), I32(d, in->op_size));
        break;
    }
    flags_dynamic(d);
    d->is_jmp = DISAS_EOB_ONLY;
}

/* ---------------------------------------------------------- dispatch */

static bool gen_sys_desc(DisasContext *d, const X86Insn *in)
{
    switch (in->mnem) {
    case X86_M_LGDT: gen_load_dt(d, in, X86_DT_GDT); return true;
    case X86_M_LIDT: gen_load_dt(d, in, X86_DT_IDT); return true;
    case X86_M_SGDT: gen_store_dt(d, in, X86_DT_GDT); return true;
    case X86_M_SIDT: gen_store_dt(d, in, X86_DT_IDT); return true;
    case X86_M_SLDT:
        if (need_prot(d)) {
            gen_store_sysreg(d, in, offsetof(CPUX86TCG, st.ldt.selector), true);
        }
        return true;
    case X86_M_STR:
        if (need_prot(d)) {
            gen_store_sysreg(d, in, offsetof(CPUX86TCG, st.tr.selector), true);
        }
        return true;
    case X86_M_SMSW:
        gen_store_sysreg(d, in, offsetof(CPUX86TCG, st.cr0), false);
        return true;
    case X86_M_LMSW: gen_lmsw(d, in); return true;
    case X86_M_LLDT: gen_lldt_ltr(d, in, false); return true;
    case X86_M_LTR: gen_lldt_ltr(d, in, true); return true;
    case X86_M_LAR: gen_lar_lsl(d, in, false); return true;
    case X86_M_LSL: gen_lar_lsl(d, in, true); return true;
    case X86_M_VERR: gen_verr_verw(d, in, false); return true;
    case X86_M_VERW: gen_verr_verw(d, in, true); return true;
    case X86_M_ARPL: gen_arpl(d, in); return true;
    default: return false;
    }
}

static bool gen_sys_control(DisasContext *d, const X86Insn *in)
{
    switch (in->mnem) {
    case X86_M_CALLF: gen_far_jmp_call(d, in, true); return true;
    case X86_M_JMPF: gen_far_jmp_call(d, in, false); return true;
    case X86_M_RETF: gen_retf(d, in); return true;
    case X86_M_IRET: gen_iret(d, in); return true;
    case X86_M_INT: gen_int_sw(d, (int)(in->ops[0].imm & 0xff), true); return true;
    case X86_M_INT3: gen_int_sw(d, EXCP_BP, false); return true;
    case X86_M_INT1: gen_int_sw(d, EXCP_DB, false); return true;
    case X86_M_INTO: gen_into(d); return true;
    case X86_M_BOUND: gen_bound(d, in); return true;
    case X86_M_SYSCALL: case X86_M_SYSRET: case X86_M_SYSENTER:
    case X86_M_SYSEXIT:
        gen_fast_call(d, in, in->mnem);
        return true;
    default: return false;
    }
}

static void gen_cpuid(DisasContext *d)
{
    gen_sync_state(d);
    gen_helper_cpuid(d->s, ENV(d));
}

static void gen_msr(DisasContext *d, bool write)
{
    if (!need_cpl0(d)) {
        return;
    }
    gen_sync_state(d);
    if (write) {
        gen_helper_wrmsr(d->s, ENV(d));
        end_next(d);
    } else {
        gen_helper_rdmsr(d->s, ENV(d));
    }
}

static bool gen_sys_misc(DisasContext *d, const X86Insn *in)
{
    switch (in->mnem) {
    case X86_M_CPUID: gen_cpuid(d); return true;
    case X86_M_RDTSC: gen_rdtsc(d, false); return true;
    case X86_M_RDTSCP: gen_rdtsc(d, true); return true;
    case X86_M_RDMSR: gen_msr(d, false); return true;
    case X86_M_WRMSR: gen_msr(d, true); return true;
    case X86_M_RDPMC: gen_exception_err(d, EXCP_GP, 0); return true;
    case X86_M_CLTS: gen_priv_helper(d, gen_helper_clts, true); return true;
    case X86_M_SWAPGS: gen_priv_helper(d, gen_helper_swapgs, false); return true;
    case X86_M_INVLPG: gen_invlpg(d, in); return true;
    case X86_M_INVD: case X86_M_WBINVD: need_cpl0(d); return true;
    case X86_M_HLT: gen_hlt(d); return true;
    case X86_M_CLI: gen_cli_sti(d, false); return true;
    case X86_M_STI: gen_cli_sti(d, true); return true;
    case X86_M_CLAC: gen_clac_stac(d, false); return true;
    case X86_M_STAC: gen_clac_stac(d, true); return true;
    case X86_M_PUSHF: gen_pushf(d, in); return true;
    case X86_M_POPF: gen_popf(d, in); return true;
    case X86_M_IN: gen_in_out(d, in, false); return true;
    case X86_M_OUT: gen_in_out(d, in, true); return true;
    case X86_M_INS: gen_string_io(d, in, false); return true;
    case X86_M_OUTS: gen_string_io(d, in, true); return true;
    case X86_M_LDS: gen_lxs(d, in, R_DS); return true;
    case X86_M_LES: gen_lxs(d, in, R_ES); return true;
    case X86_M_LFS: gen_lxs(d, in, R_FS); return true;
    case X86_M_LGS: gen_lxs(d, in, R_GS); return true;
    case X86_M_LSS: gen_lxs(d, in, R_SS); return true;
    default: return false;
    }
}

bool x86_gen_sys(DisasContext *d, const X86Insn *in)
{
    switch (in->mnem) {
    case X86_M_MOV:
        return gen_mov_sys(d, in);
    case X86_M_POP:
        if (in->ops[0].kind == X86_OPK_REG && in->ops[0].reg_class == X86_RC_SEG) {
            gen_pop_seg(d, in);
            return true;
        }
        return false;
    default:
        return gen_sys_control(d, in) || gen_sys_desc(d, in) ||
               gen_sys_misc(d, in);
    }
}
