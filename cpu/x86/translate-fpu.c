/*
 * The shared part of the x87, MMX and SSE translators: availability
 * checks (CR0.EM/TS/MP, CR4.OSFXSR/OSXSAVE, CPUID), the MMX view of the
 * x87 registers, and operand access for MMX/XMM registers and for 16-byte
 * memory operands. The rules are listed in cpu/x86/translate-fpu.h.
 */
#include "cpu/x86/translate-fpu.h"

#include "cpu/x86/cpuid.h"

/* ---- availability ---- */

static int fpu_fault_sse(uint32_t f, bool feat)
{
    if ((f & HF_EM) || !(f & HF_OSFXSR) || !feat) {
        return EXCP_UD;
    }
    return (f & HF_TS) ? EXCP_NM : -1;
}

/* The exception an instruction of kind raises before it starts, or -1. */
static int fpu_fault(uint32_t f, X86FpuKind kind, bool feat)
{
    switch (kind) {
    case X86_FPU_X87:
        return (f & (HF_EM | HF_TS)) ? EXCP_NM : -1;
    case X86_FPU_X87_WAIT:
        return (f & (HF_MP | HF_TS)) == (HF_MP | HF_TS) ? EXCP_NM : -1;
    case X86_FPU_MMX:
        if ((f & HF_EM) || !feat) {
            return EXCP_UD;
        }
        return (f & HF_TS) ? EXCP_NM : -1;
    case X86_FPU_SSE:
        return fpu_fault_sse(f, feat);
    case X86_FPU_FXSR:
        if (!feat) {
            return EXCP_UD;
        }
        return (f & (HF_EM | HF_TS)) ? EXCP_NM : -1;
    case X86_FPU_XSAVE:
        if (!(f & HF_OSXSAVE) || !feat) {
            return EXCP_UD;
        }
        return (f & HF_TS) ? EXCP_NM : -1;
    case X86_FPU_XCR:
        return (!(f & HF_OSXSAVE) || !feat) ? EXCP_UD : -1;
    }
    return EXCP_UD;
}

bool gen_check_fpu(DisasContext *d, X86FpuKind kind)
{
    int vec = fpu_fault(d->flags, kind, x86_tcg_has_feature(d->insn->feature));

    if (vec >= 0) {
        gen_exception(d, vec);
        return false;
    }
    if (kind == X86_FPU_MMX || kind == X86_FPU_X87_WAIT) {
        gen_check_fpu_pending(d);
    }
    return true;
}

/* While FSW.ES says an unmasked x87 exception is pending, the x87 unit's
   helper delivers it: #MF, or FERR# with CR0.NE clear. */
void gen_check_fpu_pending(DisasContext *d)
{
    TCGContext *s = d->s;
    TCGv_i64 t = tmp_new(d);
    TCGLabel *ok = tcg_label_new(s);

    tcg_gen_ld16u_i64(s, t, tcg_env(s), offsetof(CPUX86TCG, st.fsw));
    tcg_gen_andi_i64(s, t, t, 0x80);
    tcg_gen_brcondi_i64(s, TCG_COND_EQ, t, 0, ok);
    tcg_gen_movi_i64(s, d->g->rip, d->rip);
    if (d->cc_op_dirty) {
        tcg_gen_movi_i32(s, d->g->cc_op, d->cc_op);
    }
    gen_helper_x87_wait(s, tcg_env(s));
    tcg_gen_set_label(s, ok);
}

/* ---- registers ---- */

int64_t simd_reg_off(const X86Operand *o)
{
    return o->reg_class == X86_RC_MMX ? mmx_off(o->reg) : xmm_off(o->reg);
}

TCGv_ptr gen_env_ptr(DisasContext *d, int64_t off)
{
    TCGv_ptr p;

    if (TCG_TYPE_PTR == TCG_TYPE_I64) {
        p = temp_tcgv_ptr(tcgv_i64_temp(tmp_new(d)));
    } else {
        p = tcg_temp_new_ptr(d->s);
    }
    tcg_gen_addi_ptr(d->s, p, tcg_env(d->s), (intptr_t)off);
    return p;
}

void gen_mmx_enter(DisasContext *d)
{
    TCGContext *s = d->s;
    TCGv_i64 t = tmp_new(d);

    tcg_gen_ld16u_i64(s, t, tcg_env(s), offsetof(CPUX86TCG, st.fsw));
    tcg_gen_andi_i64(s, t, t, ~(uint64_t)0x3800);       /* TOP = 0 */
    tcg_gen_st16_i64(s, t, tcg_env(s), offsetof(CPUX86TCG, st.fsw));
    tcg_gen_movi_i64(s, t, 0);                         /* all tags valid */
    tcg_gen_st16_i64(s, t, tcg_env(s), offsetof(CPUX86TCG, st.ftw));
}

void gen_mmx_written(DisasContext *d, int reg)
{
    TCGv_i64 t = tmp_new(d);

    tcg_gen_movi_i64(d->s, t, 0xffff);
    tcg_gen_st16_i64(d->s, t, tcg_env(d->s),
                     offsetof(CPUX86TCG, st.fpregs) +
                     sizeof(FloatX80) * (reg & 7) + offsetof(FloatX80, exp));
}

/* ---- memory ---- */

/* The cold path of a check: the exact state, then the exception. */
static void gen_cold_raise(DisasContext *d, int vector, uint32_t err)
{
    TCGContext *s = d->s;

    tcg_gen_movi_i64(s, d->g->rip, d->rip);
    if (d->cc_op_dirty) {
        tcg_gen_movi_i32(s, d->g->cc_op, d->cc_op);
    }
    gen_helper_raise_exception_err(s, tcg_env(s), tcg_constant_i32(s, vector),
                                   tcg_constant_i32(s, err));
}

void gen_check_align(DisasContext *d, TCGv_i64 laddr, int bytes)
{
    TCGContext *s = d->s;
    TCGv_i64 t = tmp_new(d);
    TCGLabel *ok = tcg_label_new(s);

    tcg_gen_andi_i64(s, t, laddr, bytes - 1);
    tcg_gen_brcondi_i64(s, TCG_COND_EQ, t, 0, ok);
    gen_cold_raise(d, EXCP_GP, 0);
    tcg_gen_set_label(s, ok);
}

/* laddr + n, wrapped to 32 bits outside 64-bit mode. */
static TCGv_i64 gen_addr_plus(DisasContext *d, TCGv_i64 laddr, int n)
{
    TCGv_i64 a = tmp_new(d);

    tcg_gen_addi_i64(d->s, a, laddr, n);
    if (!d->code64) {
        tcg_gen_ext32u_i64(d->s, a, a);
    }
    return a;
}

static MemOp mo_half(const DisasContext *d)
{
    return (MemOp)(MO_64 | ((d->flags & HF_ALIGN) ? MO_ALIGN : 0));
}

void gen_ld_mem128(DisasContext *d, TCGv_i64 lo, TCGv_i64 hi,
                   TCGv_i64 laddr, bool align)
{
    if (align) {
        gen_check_align(d, laddr, 16);
    }
    gen_check_seg(d, laddr, 16, X86_SEGACC_READ);
    gen_ld_mem(d, lo, laddr, 8);
    tcg_gen_qemu_ld_i64(d->s, hi, gen_addr_plus(d, laddr, 8), d->mmu_idx,
                        mo_half(d));
}

/* A store that crosses a page is probed on both pages before either half
   is written, so that a fault on the second page writes nothing (and
   reports the start of that page in CR2, as processors do). */
static void gen_probe_split_store(DisasContext *d, TCGv_i64 laddr)
{
    TCGContext *s = d->s;
    TCGv_i64 t = tmp_new(d);
    TCGLabel *skip = tcg_label_new(s);

    tcg_gen_andi_i64(s, t, laddr, TCG_PAGE_SIZE - 1);
    tcg_gen_brcondi_i64(s, TCG_COND_LEU, t, TCG_PAGE_SIZE - 16, skip);
    tcg_gen_movi_i64(s, d->g->rip, d->rip);
    if (d->cc_op_dirty) {
        tcg_gen_movi_i32(s, d->g->cc_op, d->cc_op);
    }
    gen_helper_probe_write(s, tcg_env(s), laddr, tcg_constant_i32(s, 1));
    t = gen_addr_plus(d, laddr, 15);
    tcg_gen_andi_i64(s, t, t, ~(uint64_t)(TCG_PAGE_SIZE - 1));
    gen_helper_probe_write(s, tcg_env(s), t, tcg_constant_i32(s, 1));
    tcg_gen_set_label(s, skip);
}

void gen_st_mem128(DisasContext *d, TCGv_i64 lo, TCGv_i64 hi,
                   TCGv_i64 laddr, bool align)
{
    if (align) {
        gen_check_align(d, laddr, 16);
    }
    gen_check_seg(d, laddr, 16, X86_SEGACC_WRITE);
    gen_probe_split_store(d, laddr);
    gen_st_mem(d, lo, laddr, 8);
    tcg_gen_qemu_st_i64(d->s, hi, gen_addr_plus(d, laddr, 8), d->mmu_idx,
                        mo_half(d));
}

/* ---- operands ---- */

int64_t gen_simd_src(DisasContext *d, const X86Operand *o, int bytes,
                     bool align, int slot)
{
    TCGContext *s = d->s;
    TCGv_i64 lo, hi, laddr;
    int64_t off = simd_tmp_off(slot);

    if (o->kind == X86_OPK_REG) {
        return simd_reg_off(o);
    }
    lo = tmp_new(d);
    hi = tmp_new(d);
    laddr = gen_lea(d, o);
    if (bytes == 16) {
        gen_ld_mem128(d, lo, hi, laddr, align);
    } else {
        gen_ld_mem(d, lo, laddr, bytes);
        tcg_gen_movi_i64(s, hi, 0);
    }
    tcg_gen_st_i64(s, lo, tcg_env(s), off);
    tcg_gen_st_i64(s, hi, tcg_env(s), off + 8);
    return off;
}

void gen_simd_st_mem(DisasContext *d, const X86Operand *o, int64_t off,
                     int bytes, bool align)
{
    TCGContext *s = d->s;
    TCGv_i64 lo = tmp_new(d), laddr = gen_lea(d, o);

    if (bytes == 16) {
        TCGv_i64 hi = tmp_new(d);
        tcg_gen_ld_i64(s, lo, tcg_env(s), off);
        tcg_gen_ld_i64(s, hi, tcg_env(s), off + 8);
        gen_st_mem128(d, lo, hi, laddr, align);
        return;
    }
    if (bytes == 8) {
        tcg_gen_ld_i64(s, lo, tcg_env(s), off);
    } else {
        tcg_gen_ld32u_i64(s, lo, tcg_env(s), off);
    }
    gen_st_mem(d, lo, laddr, bytes);
}

void gen_env_copy(DisasContext *d, int64_t dst, int64_t src, int bytes)
{
    TCGContext *s = d->s;
    TCGv_i64 t = tmp_new(d);

    if (dst == src) {
        return;
    }
    if (bytes == 4) {
        tcg_gen_ld32u_i64(s, t, tcg_env(s), src);
        tcg_gen_st32_i64(s, t, tcg_env(s), dst);
        return;
    }
    for (int i = 0; i < bytes; i += 8) {
        tcg_gen_ld_i64(s, t, tcg_env(s), src + i);
        tcg_gen_st_i64(s, t, tcg_env(s), dst + i);
    }
}
