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
    bool mmx = simd_has_mmx(in), xmm = simd_has_xmm(in);

    if (!gen_check_fpu(d, mmx && !xmm ? X86_FPU_MMX : X86_FPU_SSE)) {
        return false;
    }
    if (mmx && xmm) {
        gen_check_fpu_pending(d);       /* MOVQ2DQ, MOVDQ2Q, CVTPI2PS... */
    }
    return true;
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
    gen_mmx_enter(d);           /* TOP = 0 as for any MMX instruction */
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

void gen_MOVQ2DQ(DisasContext *d, const X86Insn *in) { gen_mov_low(d, in); }
void gen_MOVDQ2Q(DisasContext *d, const X86Insn *in) { gen_mov_low(d, in); }
void gen_MOVNTQ(DisasContext *d, const X86Insn *in) { gen_mov_low(d, in); }

void gen_MOVAPS(DisasContext *d, const X86Insn *in) { gen_mov128(d, in, true); }
void gen_MOVAPD(DisasContext *d, const X86Insn *in) { gen_mov128(d, in, true); }
void gen_MOVUPS(DisasContext *d, const X86Insn *in) { gen_mov128(d, in, false); }
void gen_MOVUPD(DisasContext *d, const X86Insn *in) { gen_mov128(d, in, false); }
void gen_MOVNTDQ(DisasContext *d, const X86Insn *in) { gen_mov128(d, in, true); }
void gen_MOVNTPS(DisasContext *d, const X86Insn *in) { gen_mov128(d, in, true); }
void gen_MOVNTPD(DisasContext *d, const X86Insn *in) { gen_mov128(d, in, true); }
void gen_MOVNTDQA(DisasContext *d, const X86Insn *in) { gen_mov128(d, in, true); }
void gen_LDDQU(DisasContext *d, const X86Insn *in) { gen_mov128(d, in, false); }

/* ---- moves of a part of an XMM register ---- */

static void gen_ld_env(DisasContext *d, TCGv_i64 v, int64_t off, int bytes)
{
    if (bytes == 4) {
        tcg_gen_ld32u_i64(d->s, v, tcg_env(d->s), off);
    } else {
        tcg_gen_ld_i64(d->s, v, tcg_env(d->s), off);
    }
}

static void gen_st_env(DisasContext *d, TCGv_i64 v, int64_t off, int bytes)
{
    if (bytes == 4) {
        tcg_gen_st32_i64(d->s, v, tcg_env(d->s), off);
    } else {
        tcg_gen_st_i64(d->s, v, tcg_env(d->s), off);
    }
}

/*
 * ops[0] bytes [doff, doff + bytes) <- ops[1] bytes [soff, ...), where a
 * memory operand is just the part. zext: a register loaded from memory
 * has the rest of it zeroed (MOVSS, MOVSD loads).
 */
static void gen_mov_part(DisasContext *d, const X86Insn *in, int bytes,
                         int doff, int soff, bool zext)
{
    const X86Operand *dst = &in->ops[0], *src = &in->ops[1];
    TCGv_i64 v = tmp_new(d);

    if (!gen_simd_check(d, in)) {
        return;
    }
    if (dst->kind == X86_OPK_MEM) {
        gen_ld_env(d, v, xmm_off(src->reg) + soff, bytes);
        gen_st_op(d, dst, v, NULL);
        return;
    }
    if (src->kind == X86_OPK_REG) {
        gen_ld_env(d, v, xmm_off(src->reg) + soff, bytes);
        gen_st_env(d, v, xmm_off(dst->reg) + doff, bytes);
        return;
    }
    gen_ld_op(d, v, src, NULL);
    if (zext) {
        /* v is zero-extended: the low quadword, then a zero high one */
        TCGv_i64 z = tmp_new(d);
        tcg_gen_movi_i64(d->s, z, 0);
        tcg_gen_st_i64(d->s, v, tcg_env(d->s), xmm_off(dst->reg));
        tcg_gen_st_i64(d->s, z, tcg_env(d->s), xmm_off(dst->reg) + 8);
        return;
    }
    gen_st_env(d, v, xmm_off(dst->reg) + doff, bytes);
}

void gen_MOVSS(DisasContext *d, const X86Insn *in) { gen_mov_part(d, in, 4, 0, 0, true); }
void gen_MOVSD(DisasContext *d, const X86Insn *in) { gen_mov_part(d, in, 8, 0, 0, true); }
void gen_MOVLPS(DisasContext *d, const X86Insn *in) { gen_mov_part(d, in, 8, 0, 0, false); }
void gen_MOVLPD(DisasContext *d, const X86Insn *in) { gen_mov_part(d, in, 8, 0, 0, false); }
void gen_MOVHLPS(DisasContext *d, const X86Insn *in) { gen_mov_part(d, in, 8, 0, 8, false); }
void gen_MOVLHPS(DisasContext *d, const X86Insn *in) { gen_mov_part(d, in, 8, 8, 0, false); }

/* MOVHPS/MOVHPD: the high quadword of the register, m64 either way */
static void gen_mov_high(DisasContext *d, const X86Insn *in)
{
    bool store = in->ops[0].kind == X86_OPK_MEM;

    gen_mov_part(d, in, 8, store ? 0 : 8, store ? 8 : 0, false);
}

void gen_MOVHPS(DisasContext *d, const X86Insn *in) { gen_mov_high(d, in); }
void gen_MOVHPD(DisasContext *d, const X86Insn *in) { gen_mov_high(d, in); }

/* ---- sign masks ---- */

/*
 * r = the top bits of the lanes (`lane` bytes) of the 64-bit v, lane 0's
 * in bit 0. For bytes, the top bits brought down to each byte's bottom
 * bit times 0x0102040810204080 gather, without carries, in bits 56-63.
 */
static void gen_msk_half(DisasContext *d, TCGv_i64 r, TCGv_i64 v, int lane)
{
    TCGContext *s = d->s;
    TCGv_i64 t = tmp_new(d);

    switch (lane) {
    case 1:
        tcg_gen_shri_i64(s, r, v, 7);
        tcg_gen_andi_i64(s, r, r, 0x0101010101010101ull);
        tcg_gen_muli_i64(s, r, r, 0x0102040810204080ull);
        tcg_gen_shri_i64(s, r, r, 56);
        break;
    case 4:
        tcg_gen_extract_i64(s, r, v, 31, 1);
        tcg_gen_shri_i64(s, t, v, 62);
        tcg_gen_andi_i64(s, t, t, 2);
        tcg_gen_or_i64(s, r, r, t);
        break;
    default:
        tcg_gen_shri_i64(s, r, v, 63);
        break;
    }
}

/* PMOVMSKB, MOVMSKPS, MOVMSKPD: the lanes' sign bits to a GPR. */
static void gen_movmsk(DisasContext *d, const X86Insn *in, int lane)
{
    TCGContext *s = d->s;
    const X86Operand *src = &in->ops[1];
    int n = src->reg_class == X86_RC_MMX ? 8 : 16;
    TCGv_i64 v = tmp_new(d), r = tmp_new(d), h = tmp_new(d);

    if (!gen_simd_check(d, in)) {
        return;
    }
    tcg_gen_ld_i64(s, v, tcg_env(s), simd_reg_off(src));
    gen_msk_half(d, r, v, lane);
    if (n == 16) {
        tcg_gen_ld_i64(s, v, tcg_env(s), simd_reg_off(src) + 8);
        gen_msk_half(d, h, v, lane);
        tcg_gen_shli_i64(s, h, h, 8 / lane);
        tcg_gen_or_i64(s, r, r, h);
    }
    gen_st_op(d, &in->ops[0], r, NULL);
    gen_simd_commit(d, in);
}

void gen_PMOVMSKB(DisasContext *d, const X86Insn *in) { gen_movmsk(d, in, 1); }
void gen_MOVMSKPS(DisasContext *d, const X86Insn *in) { gen_movmsk(d, in, 4); }
void gen_MOVMSKPD(DisasContext *d, const X86Insn *in) { gen_movmsk(d, in, 8); }

/* ---- single lanes to and from general registers or memory ---- */

static void gen_ld_lane(DisasContext *d, TCGv_i64 v, int64_t off, int lane)
{
    TCGContext *s = d->s;

    switch (lane) {
    case 1: tcg_gen_ld8u_i64(s, v, tcg_env(s), off); break;
    case 2: tcg_gen_ld16u_i64(s, v, tcg_env(s), off); break;
    case 4: tcg_gen_ld32u_i64(s, v, tcg_env(s), off); break;
    default: tcg_gen_ld_i64(s, v, tcg_env(s), off); break;
    }
}

static void gen_st_lane(DisasContext *d, TCGv_i64 v, int64_t off, int lane)
{
    TCGContext *s = d->s;

    switch (lane) {
    case 1: tcg_gen_st8_i64(s, v, tcg_env(s), off); break;
    case 2: tcg_gen_st16_i64(s, v, tcg_env(s), off); break;
    case 4: tcg_gen_st32_i64(s, v, tcg_env(s), off); break;
    default: tcg_gen_st_i64(s, v, tcg_env(s), off); break;
    }
}

/* The lane number imm8 selects in a register of n bytes. */
static int lane_index(const X86Insn *in, int n, int lane)
{
    return (int)(in->ops[2].imm & (uint64_t)(n / lane - 1));
}

/* PEXTRB/W/D/Q, EXTRACTPS: ops[0] (GPR zero-extended, or memory of the
   lane's size) <- lane imm8 of ops[1] */
static void gen_extract(DisasContext *d, const X86Insn *in, int lane)
{
    const X86Operand *src = &in->ops[1];
    int n = src->reg_class == X86_RC_MMX ? 8 : 16;
    TCGv_i64 v = tmp_new(d);

    if (!gen_simd_check(d, in)) {
        return;
    }
    gen_ld_lane(d, v, simd_reg_off(src) + lane * lane_index(in, n, lane),
                lane);
    gen_st_op(d, &in->ops[0], v, NULL);
    gen_simd_commit(d, in);
}

/* PINSRB/W/D/Q: lane imm8 of ops[0] <- ops[1] (GPR low part, or memory) */
static void gen_insert(DisasContext *d, const X86Insn *in, int lane)
{
    const X86Operand *dst = &in->ops[0];
    int n = dst->reg_class == X86_RC_MMX ? 8 : 16;
    TCGv_i64 v = tmp_new(d);

    if (!gen_simd_check(d, in)) {
        return;
    }
    gen_ld_op(d, v, &in->ops[1], NULL);
    gen_st_lane(d, v, simd_reg_off(dst) + lane * lane_index(in, n, lane),
                lane);
    gen_simd_commit(d, in);
}

/* PEXTRD/PINSRD with REX.W are PEXTRQ/PINSRQ. */
static int lane_dq(const X86Insn *in)
{
    return (in->rex & 8) ? 8 : 4;
}

void gen_PEXTRB(DisasContext *d, const X86Insn *in) { gen_extract(d, in, 1); }
void gen_PEXTRW(DisasContext *d, const X86Insn *in) { gen_extract(d, in, 2); }
void gen_PEXTRD(DisasContext *d, const X86Insn *in) { gen_extract(d, in, lane_dq(in)); }
void gen_EXTRACTPS(DisasContext *d, const X86Insn *in) { gen_extract(d, in, 4); }
void gen_PINSRB(DisasContext *d, const X86Insn *in) { gen_insert(d, in, 1); }
void gen_PINSRW(DisasContext *d, const X86Insn *in) { gen_insert(d, in, 2); }
void gen_PINSRD(DisasContext *d, const X86Insn *in) { gen_insert(d, in, lane_dq(in)); }

/* ---- MASKMOVQ / MASKMOVDQU ---- */

/*
 * Stores the bytes of ops[0] whose mask byte in ops[1] has its top bit
 * set, to DS:rDI (segment overridable) with the address size. Bytes are
 * stored one by one in order; a fault leaves the earlier ones written.
 */
static void gen_maskmov(DisasContext *d, const X86Insn *in)
{
    TCGContext *s = d->s;
    int n = in->ops[0].reg_class == X86_RC_MMX ? 8 : 16;
    int seg = in->seg_override != X86_SEG_NONE ? in->seg_override
                                                : X86_SEG_DS;
    int64_t data = simd_reg_off(&in->ops[0]), mask = simd_reg_off(&in->ops[1]);
    TCGv_i64 m = tmp_new(d), v = tmp_new(d), a = tmp_new(d);

    if (!gen_simd_check(d, in)) {
        return;
    }
    for (int i = 0; i < n; i++) {
        TCGLabel *skip = tcg_label_new(s);
        tcg_gen_ld8u_i64(s, m, tcg_env(s), mask + i);
        tcg_gen_brcondi_i64(s, TCG_COND_LTU, m, 0x80, skip);
        tcg_gen_addi_i64(s, a, d->g->regs[R_EDI], i);
        gen_ext(d, a, in->addr_size, false);
        gen_add_seg(d, a, seg, in->addr_size);
        tcg_gen_ld8u_i64(s, v, tcg_env(s), data + i);
        gen_st_mem(d, v, a, 1);
        tcg_gen_set_label(s, skip);
    }
    if (n == 8) {
        gen_mmx_enter(d);       /* MM registers are only read here */
    }
}

void gen_MASKMOVQ(DisasContext *d, const X86Insn *in) { gen_maskmov(d, in); }
void gen_MASKMOVDQU(DisasContext *d, const X86Insn *in) { gen_maskmov(d, in); }

/* ---- PTEST ---- */

void gen_PTEST(DisasContext *d, const X86Insn *in)
{
    int64_t src;

    if (!gen_simd_check(d, in)) {
        return;
    }
    src = gen_simd_src(d, &in->ops[1], 16, true, 0);
    gen_helper_simd_ptest(d->s, d->g->cc_src,
                          gen_env_ptr(d, xmm_off(in->ops[0].reg)),
                          gen_env_ptr(d, src));
    set_cc_op(d, CC_OP_EFLAGS);
}
