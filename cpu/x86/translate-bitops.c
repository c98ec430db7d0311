/*
 * x86 translator: bit operations (Intel SDM Vol. 2: BT, BTS, BTR, BTC,
 * BSF, BSR, TZCNT, LZCNT, POPCNT, BSWAP).
 *
 * BTx with a register offset into memory addresses the word or dword
 * that holds the bit: the signed offset's high part moves the address
 * (by operand-size units, wrapped to the address size), the low bits pick
 * the bit. BTx set CF and keep ZF (other flags: what the previous cc_op
 * gave). BSF/BSR leave the destination untouched for a zero source
 * (AMD documents it, Intel hardware does it); ZF = source is zero.
 * BSWAP of a 16-bit register gives 0 (undefined in the SDM).
 */
#include "cpu/x86/translate.h"

enum { BT_TEST, BT_SET, BT_RESET, BT_COMP };

static void gen_bt(DisasContext *d, const X86Insn *in, int kind)
{
    TCGContext *s = d->s;
    const X86Operand *o = &in->ops[0];
    int bytes = x86_op_bytes(in, o), w = 8 * bytes;
    TCGv_i64 off = tmp_new(d), v = tmp_new(d), bit = tmp_new(d);
    TCGv_i64 mask = tmp_new(d), f = tmp_new(d), la = NULL;

    gen_ld_op(d, off, &in->ops[1], NULL);
    if (o->kind == X86_OPK_MEM) {
        la = gen_ea(d, o);
        if (in->ops[1].kind != X86_OPK_IMM) {
            TCGv_i64 t = tmp_new(d);
            gen_ext_to(d, t, off, bytes, true);
            tcg_gen_sari_i64(s, t, t, w == 64 ? 6 : w == 32 ? 5 : 4);
            tcg_gen_shli_i64(s, t, t, w == 64 ? 3 : w == 32 ? 2 : 1);
            tcg_gen_add_i64(s, la, la, t);
            gen_ext(d, la, o->addr_size, false);
        }
        gen_add_seg(d, la, o->seg, o->addr_size);
        if (kind != BT_TEST) {
            /* the write is checked before the read (RMW) */
            gen_check_seg(d, la, bytes, X86_SEGACC_WRITE);
        }
        gen_ld_mem(d, v, la, bytes);
    } else {
        gen_ld_op(d, v, o, NULL);
    }
    tcg_gen_andi_i64(s, off, off, w - 1);
    tcg_gen_shr_i64(s, bit, v, off);
    tcg_gen_andi_i64(s, bit, bit, 1);
    gen_compute_eflags(d, f);
    if (kind != BT_TEST) {
        tcg_gen_shl_i64(s, mask, tconst(d, 1), off);
        switch (kind) {
        case BT_SET: tcg_gen_or_i64(s, v, v, mask); break;
        case BT_RESET: tcg_gen_andc_i64(s, v, v, mask); break;
        default: tcg_gen_xor_i64(s, v, v, mask); break;
        }
        gen_st_op(d, o, v, la);
    }
    tcg_gen_andi_i64(s, f, f, ~(uint64_t)RF_CF);
    tcg_gen_or_i64(s, d->g->cc_src, f, bit);
    set_cc_op(d, CC_OP_EFLAGS);
}

void gen_BT(DisasContext *d, const X86Insn *in) { gen_bt(d, in, BT_TEST); }
void gen_BTS(DisasContext *d, const X86Insn *in) { gen_bt(d, in, BT_SET); }
void gen_BTR(DisasContext *d, const X86Insn *in) { gen_bt(d, in, BT_RESET); }
void gen_BTC(DisasContext *d, const X86Insn *in) { gen_bt(d, in, BT_COMP); }

/* Writes res to register operand o only when src != 0. */
static void gen_st_if_nonzero(DisasContext *d, const X86Operand *o,
                              TCGv_i64 res, TCGv_i64 src)
{
    TCGv_i64 r = d->g->regs[o->reg & 15], old = tmp_new(d);

    tcg_gen_mov_i64(d->s, old, r);
    gen_st_op(d, o, res, NULL);
    tcg_gen_movcond_i64(d->s, TCG_COND_NE, r, src, tconst(d, 0), r, old);
}

static void gen_bsx(DisasContext *d, const X86Insn *in, bool reverse)
{
    TCGContext *s = d->s;
    int bytes = x86_op_bytes(in, &in->ops[0]);
    TCGv_i64 src = tmp_new(d), res = tmp_new(d);

    gen_ld_op(d, src, &in->ops[1], NULL);
    if (reverse) {
        tcg_gen_clzi_i64(s, res, src, 64);
        tcg_gen_xori_i64(s, res, res, 63);   /* 63 - clz for clz < 64 */
    } else {
        tcg_gen_ctzi_i64(s, res, src, 64);
    }
    if (in->ops[0].kind == X86_OPK_REG) {
        gen_st_if_nonzero(d, &in->ops[0], res, src);
    }
    tcg_gen_mov_i64(s, d->g->cc_dst, src);
    set_cc_op(d, CC_OP_LOGICB + (bytes == 1 ? 0 : bytes == 2 ? 1 :
                                 bytes == 4 ? 2 : 3));
}

void gen_BSF(DisasContext *d, const X86Insn *in) { gen_bsx(d, in, false); }
void gen_BSR(DisasContext *d, const X86Insn *in) { gen_bsx(d, in, true); }

/* cc_src = CF if src == 0, ZF if res == 0 (and nothing else). */
static void gen_cnt_flags(DisasContext *d, TCGv_i64 src, TCGv_i64 res,
                          bool cf_from_src)
{
    TCGContext *s = d->s;
    TCGv_i64 z = tmp_new(d), c = tmp_new(d);

    tcg_gen_setcondi_i64(s, TCG_COND_EQ, z, res, 0);
    tcg_gen_shli_i64(s, z, z, 6);
    if (cf_from_src) {
        tcg_gen_setcondi_i64(s, TCG_COND_EQ, c, src, 0);
        tcg_gen_or_i64(s, z, z, c);
    }
    tcg_gen_mov_i64(s, d->g->cc_src, z);
    set_cc_op(d, CC_OP_EFLAGS);
}

void gen_TZCNT(DisasContext *d, const X86Insn *in)
{
    int bytes = x86_op_bytes(in, &in->ops[0]);
    TCGv_i64 src = tmp_new(d), res = tmp_new(d);

    gen_ld_op(d, src, &in->ops[1], NULL);
    tcg_gen_ctzi_i64(d->s, res, src, 8 * bytes);
    gen_st_op(d, &in->ops[0], res, NULL);
    gen_cnt_flags(d, src, res, true);
}

void gen_LZCNT(DisasContext *d, const X86Insn *in)
{
    int bytes = x86_op_bytes(in, &in->ops[0]);
    TCGv_i64 src = tmp_new(d), res = tmp_new(d);

    gen_ld_op(d, src, &in->ops[1], NULL);
    tcg_gen_clzi_i64(d->s, res, src, 64);
    tcg_gen_subi_i64(d->s, res, res, 64 - 8 * bytes);
    gen_st_op(d, &in->ops[0], res, NULL);
    gen_cnt_flags(d, src, res, true);
}

void gen_POPCNT(DisasContext *d, const X86Insn *in)
{
    TCGv_i64 src = tmp_new(d), res = tmp_new(d);

    gen_ld_op(d, src, &in->ops[1], NULL);
    tcg_gen_ctpop_i64(d->s, res, src);
    gen_st_op(d, &in->ops[0], res, NULL);
    gen_cnt_flags(d, src, src, false);
}

void gen_BSWAP(DisasContext *d, const X86Insn *in)
{
    int bytes = x86_op_bytes(in, &in->ops[0]);
    TCGv_i64 v = tmp_new(d);

    if (bytes == 8) {
        tcg_gen_bswap64_i64(d->s, v, d->g->regs[in->ops[0].reg & 15]);
    } else if (bytes == 4) {
        gen_ld_op(d, v, &in->ops[0], NULL);
        tcg_gen_bswap32_i64(d->s, v, v);
    } else {
        tcg_gen_movi_i64(d->s, v, 0);
    }
    gen_st_op(d, &in->ops[0], v, NULL);
}
