/*
 * x86 translator: data movement and the small general-purpose
 * instructions (Intel SDM Vol. 2: MOV, MOVZX, MOVSX, MOVSXD, LEA,
 * CBW/CWDE/CDQE, CWD/CDQ/CQO, XCHG, XADD, CMPXCHG, CMPXCHG8B/16B, LAHF,
 * SAHF, CLC/STC/CMC/CLD/STD, XLAT, MOVBE, MOVNTI, NOP forms, PAUSE,
 * fences, PREFETCHh, CLFLUSH/CLFLUSHOPT/CLWB, FWAIT, UD0/UD1/UD2).
 *
 * MOV to a segment, control or debug register is a system instruction
 * (x86_gen_sys). LOCK forms are plain read-modify-writes (the memory is
 * written before any register); XCHG with memory takes the same path
 * whether or not it has a LOCK prefix, as it is always locked. Neither is
 * atomic against other vCPUs running in parallel (the IR has no atomic
 * operations yet). Fences and prefetches do nothing: there is no cache
 * and no reordering to expose. Cache flushes fault like a byte load of
 * their operand (segment checks, page faults) and flush nothing.
 * LAHF/SAHF in 64-bit mode need LAHF-LM in the CPUID model.
 */
#include "cpu/x86/translate.h"

#include "cpu/x86/cpuid.h"

static bool is_sys_reg(const X86Operand *o)
{
    return o->kind == X86_OPK_REG &&
           (o->reg_class == X86_RC_CR || o->reg_class == X86_RC_DR);
}

void gen_MOV(DisasContext *d, const X86Insn *in)
{
    TCGv_i64 v = tmp_new(d);
    const X86Operand *dst = &in->ops[0];

    if (is_sys_reg(dst) || is_sys_reg(&in->ops[1]) ||
        (dst->kind == X86_OPK_REG && dst->reg_class == X86_RC_SEG)) {
        if (!x86_gen_sys(d, in)) {
            gen_illegal(d);
        }
        return;
    }
    gen_ld_op(d, v, &in->ops[1], NULL);
    gen_st_op(d, dst, v, NULL);
}

static void gen_movx(DisasContext *d, const X86Insn *in, bool sign)
{
    TCGv_i64 v = tmp_new(d);

    gen_ld_op(d, v, &in->ops[1], NULL);
    gen_ext(d, v, x86_op_bytes(in, &in->ops[1]), sign);
    gen_st_op(d, &in->ops[0], v, NULL);
}

void gen_MOVZX(DisasContext *d, const X86Insn *in) { gen_movx(d, in, false); }
void gen_MOVSX(DisasContext *d, const X86Insn *in) { gen_movx(d, in, true); }
void gen_MOVSXD(DisasContext *d, const X86Insn *in) { gen_movx(d, in, true); }

void gen_LEA(DisasContext *d, const X86Insn *in)
{
    if (in->ops[1].kind != X86_OPK_MEM) {
        gen_illegal(d);
        return;
    }
    gen_st_op(d, &in->ops[0], gen_ea(d, &in->ops[1]), NULL);
}

void gen_CBW(DisasContext *d, const X86Insn *in)
{
    int os = in->op_size;
    TCGv_i64 v = tmp_new(d);

    gen_ext_to(d, v, d->g->regs[R_EAX], os / 2, true);
    gen_st_gpr(d, R_EAX, v, os);
}

void gen_CWD(DisasContext *d, const X86Insn *in)
{
    int os = in->op_size;
    TCGv_i64 v = tmp_new(d);

    gen_ext_to(d, v, d->g->regs[R_EAX], os, true);
    tcg_gen_sari_i64(d->s, v, v, 63);
    gen_st_gpr(d, R_EDX, v, os);
}

void gen_XCHG(DisasContext *d, const X86Insn *in)
{
    TCGv_i64 a = tmp_new(d), b = tmp_new(d), la = NULL;
    const X86Operand *o0 = &in->ops[0], *o1 = &in->ops[1];

    if (o1->kind == X86_OPK_MEM) {
        const X86Operand *t = o0;
        o0 = o1;
        o1 = t;
    }
    gen_ld_op_rmw(d, a, o0, &la);
    gen_ld_op(d, b, o1, NULL);
    gen_st_op(d, o0, b, la);
    gen_st_op(d, o1, a, NULL);
}

void gen_XADD(DisasContext *d, const X86Insn *in)
{
    int bytes = x86_op_bytes(in, &in->ops[0]);
    unsigned ot = bytes == 1 ? 0 : bytes == 2 ? 1 : bytes == 4 ? 2 : 3;
    TCGv_i64 a = tmp_new(d), b = tmp_new(d), r = tmp_new(d), la = NULL;

    gen_ld_op_rmw(d, a, &in->ops[0], &la);
    gen_ld_op(d, b, &in->ops[1], NULL);
    tcg_gen_add_i64(d->s, r, a, b);
    if (in->ops[0].kind == X86_OPK_MEM) {
        gen_st_op(d, &in->ops[0], r, la);
        gen_st_op(d, &in->ops[1], a, NULL);
    } else {
        gen_st_op(d, &in->ops[1], a, NULL);
        gen_st_op(d, &in->ops[0], r, NULL);
    }
    tcg_gen_mov_i64(d->s, d->g->cc_dst, r);
    tcg_gen_mov_i64(d->s, d->g->cc_src, b);
    set_cc_op(d, CC_OP_ADDB + ot);
}

void gen_CMPXCHG(DisasContext *d, const X86Insn *in)
{
    TCGContext *s = d->s;
    int bytes = x86_op_bytes(in, &in->ops[0]);
    unsigned ot = bytes == 1 ? 0 : bytes == 2 ? 1 : bytes == 4 ? 2 : 3;
    TCGv_i64 a = tmp_new(d), src = tmp_new(d), acc = tmp_new(d);
    TCGv_i64 nv = tmp_new(d), oldax = tmp_new(d), r = tmp_new(d), la = NULL;
    TCGv_i64 rax = d->g->regs[R_EAX];

    gen_ld_op_rmw(d, a, &in->ops[0], &la);
    gen_ld_op(d, src, &in->ops[1], NULL);
    gen_ld_gpr(d, acc, R_EAX, bytes);
    if (in->ops[0].kind == X86_OPK_REG && bytes == 4) {
        /* a register destination is only written when they are equal
           (as the reference CPU does: unequal leaves bits 63:32 alone) */
        TCGv_i64 dreg = d->g->regs[in->ops[0].reg & 15];
        tcg_gen_ext32u_i64(s, nv, src);
        tcg_gen_movcond_i64(s, TCG_COND_EQ, dreg, acc, a, nv, dreg);
    } else {
        tcg_gen_movcond_i64(s, TCG_COND_EQ, nv, acc, a, src, a);
        gen_st_op(d, &in->ops[0], nv, la);
    }
    /* rAX = dest when they differ */
    tcg_gen_mov_i64(s, oldax, rax);
    gen_st_gpr(d, R_EAX, a, bytes);
    tcg_gen_movcond_i64(s, TCG_COND_EQ, rax, acc, a, oldax, rax);
    tcg_gen_sub_i64(s, r, acc, a);
    tcg_gen_mov_i64(s, d->g->cc_dst, r);
    tcg_gen_mov_i64(s, d->g->cc_src, a);
    set_cc_op(d, CC_OP_SUBB + ot);
}

static void gen_cmpxchg_wide(DisasContext *d, const X86Insn *in, bool wide)
{
    TCGv_i64 a;

    if (in->ops[0].kind != X86_OPK_MEM) {
        gen_illegal(d);
        return;
    }
    a = gen_lea(d, &in->ops[0]);
    gen_check_seg(d, a, wide ? 16 : 8, X86_SEGACC_WRITE);
    gen_sync_state(d);
    if (wide) {
        gen_helper_cmpxchg16b(d->s, tcg_env(d->s), a);
    } else {
        gen_helper_cmpxchg8b(d->s, tcg_env(d->s), a);
    }
    d->cc_op = X86_CC_OP_DYNAMIC;
    d->cc_op_dirty = false;
}

void gen_CMPXCHG8B(DisasContext *d, const X86Insn *in)
{
    gen_cmpxchg_wide(d, in, false);
}

void gen_CMPXCHG16B(DisasContext *d, const X86Insn *in)
{
    gen_cmpxchg_wide(d, in, true);
}

/* LAHF/SAHF in 64-bit mode: #UD unless CPUID.80000001h:ECX.LAHF-LM. */
static bool lahf_valid(DisasContext *d)
{
    if (d->code64 && !(KITE_CPUID_81C & CPUID_81C_LAHF_LM)) {
        gen_illegal(d);
        return false;
    }
    return true;
}

void gen_LAHF(DisasContext *d, const X86Insn *in)
{
    TCGv_i64 f, rax = d->g->regs[R_EAX];

    if (!lahf_valid(d)) {
        return;
    }
    f = tmp_new(d);

    gen_compute_eflags(d, f);
    tcg_gen_andi_i64(d->s, f, f, RF_SF | RF_ZF | RF_AF | RF_PF | RF_CF);
    tcg_gen_ori_i64(d->s, f, f, RF_FIXED);
    tcg_gen_deposit_i64(d->s, rax, rax, f, 8, 8);
}

void gen_SAHF(DisasContext *d, const X86Insn *in)
{
    TCGv_i64 f, ah;

    if (!lahf_valid(d)) {
        return;
    }
    f = tmp_new(d);
    ah = tmp_new(d);

    gen_compute_eflags(d, f);
    tcg_gen_andi_i64(d->s, f, f, RF_OF);
    tcg_gen_extract_i64(d->s, ah, d->g->regs[R_EAX], 8, 8);
    tcg_gen_andi_i64(d->s, ah, ah, RF_SF | RF_ZF | RF_AF | RF_PF | RF_CF);
    tcg_gen_or_i64(d->s, d->g->cc_src, f, ah);
    set_cc_op(d, CC_OP_EFLAGS);
}

/* CF = (CF & keep) ^ flip, other flags unchanged. */
static void gen_cf_op(DisasContext *d, uint64_t keep, uint64_t flip)
{
    TCGv_i64 f = tmp_new(d);

    gen_compute_eflags(d, f);
    tcg_gen_andi_i64(d->s, f, f, ~(uint64_t)RF_CF | keep);
    tcg_gen_xori_i64(d->s, d->g->cc_src, f, flip);
    set_cc_op(d, CC_OP_EFLAGS);
}

void gen_CLC(DisasContext *d, const X86Insn *in) { gen_cf_op(d, 0, 0); }
void gen_STC(DisasContext *d, const X86Insn *in) { gen_cf_op(d, 0, RF_CF); }
void gen_CMC(DisasContext *d, const X86Insn *in) { gen_cf_op(d, RF_CF, RF_CF); }

void gen_CLD(DisasContext *d, const X86Insn *in)
{
    tcg_gen_movi_i32(d->s, d->g->df, 1);
}

void gen_STD(DisasContext *d, const X86Insn *in)
{
    tcg_gen_movi_i32(d->s, d->g->df, (uint32_t)-1);
}

void gen_XLAT(DisasContext *d, const X86Insn *in)
{
    int asz = in->addr_size;
    int seg = in->seg_override != X86_SEG_NONE ? in->seg_override : X86_SEG_DS;
    TCGv_i64 a = tmp_new(d), al = tmp_new(d);

    gen_ext_to(d, al, d->g->regs[R_EAX], 1, false);
    tcg_gen_add_i64(d->s, a, d->g->regs[R_EBX], al);
    gen_ext(d, a, asz, false);
    gen_add_seg(d, a, seg, asz);
    gen_ld_mem(d, al, a, 1);
    gen_st_gpr(d, R_EAX, al, 1);
}

void gen_MOVBE(DisasContext *d, const X86Insn *in)
{
    int bytes = x86_op_bytes(in, &in->ops[0]);
    TCGv_i64 v = tmp_new(d);

    gen_ld_op(d, v, &in->ops[1], NULL);
    switch (bytes) {
    case 2: tcg_gen_bswap16_i64(d->s, v, v); break;
    case 4: tcg_gen_bswap32_i64(d->s, v, v); break;
    default: tcg_gen_bswap64_i64(d->s, v, v); break;
    }
    gen_st_op(d, &in->ops[0], v, NULL);
}

void gen_MOVNTI(DisasContext *d, const X86Insn *in)
{
    TCGv_i64 v = tmp_new(d);

    gen_ld_op(d, v, &in->ops[1], NULL);
    gen_st_op(d, &in->ops[0], v, NULL);
}

static void gen_nothing(DisasContext *d, const X86Insn *in)
{
}

void gen_NOP(DisasContext *d, const X86Insn *in) { gen_nothing(d, in); }
void gen_PAUSE(DisasContext *d, const X86Insn *in) { gen_nothing(d, in); }
void gen_PREFETCH(DisasContext *d, const X86Insn *in) { gen_nothing(d, in); }
void gen_PREFETCHNTA(DisasContext *d, const X86Insn *in) { gen_nothing(d, in); }
void gen_PREFETCHT0(DisasContext *d, const X86Insn *in) { gen_nothing(d, in); }
void gen_PREFETCHT1(DisasContext *d, const X86Insn *in) { gen_nothing(d, in); }
void gen_PREFETCHT2(DisasContext *d, const X86Insn *in) { gen_nothing(d, in); }
void gen_PREFETCHW(DisasContext *d, const X86Insn *in) { gen_nothing(d, in); }
void gen_PREFETCHWT1(DisasContext *d, const X86Insn *in) { gen_nothing(d, in); }

/* CLFLUSH/CLFLUSHOPT/CLWB: the checks of a byte load (SDM: execute-only
   code segments are allowed), then nothing to flush. */
static void gen_cache_flush(DisasContext *d, const X86Insn *in)
{
    TCGv_i64 a;

    if (in->ops[0].kind != X86_OPK_MEM) {
        gen_illegal(d);
        return;
    }
    a = gen_lea(d, &in->ops[0]);
    gen_check_seg(d, a, 1, X86_SEGACC_PROBE);
    gen_sync_state(d);
    gen_helper_probe_read(d->s, tcg_env(d->s), a);
}

void gen_CLFLUSH(DisasContext *d, const X86Insn *in) { gen_cache_flush(d, in); }
void gen_CLFLUSHOPT(DisasContext *d, const X86Insn *in) { gen_cache_flush(d, in); }
void gen_CLWB(DisasContext *d, const X86Insn *in) { gen_cache_flush(d, in); }

/* FWAIT: #NM with CR0.MP + CR0.TS, pending x87 exceptions
   (translate-x87.c). */
void gen_FWAIT(DisasContext *d, const X86Insn *in)
{
    gen_x87_wait(d);
}

void gen_LFENCE(DisasContext *d, const X86Insn *in) { tcg_gen_mb(d->s, 0); }
void gen_SFENCE(DisasContext *d, const X86Insn *in) { tcg_gen_mb(d->s, 0); }
void gen_MFENCE(DisasContext *d, const X86Insn *in) { tcg_gen_mb(d->s, 0); }

void gen_UD0(DisasContext *d, const X86Insn *in) { gen_illegal(d); }
void gen_UD1(DisasContext *d, const X86Insn *in) { gen_illegal(d); }
void gen_UD2(DisasContext *d, const X86Insn *in) { gen_illegal(d); }
