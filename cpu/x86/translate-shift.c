/*
 * x86 translator: shifts and rotates (Intel SDM Vol. 2: SAL/SAR/SHL/SHR,
 * RCL/RCR/ROL/ROR, SHLD, SHRD).
 *
 * The count is masked to 5 bits (6 with a 64-bit operand). A masked count
 * of 0 changes no flag: with a CL count that is only known at run time
 * the cc globals are chosen with movcond (and cc_op becomes dynamic).
 * Flag rules: SHL/SHR/SAR/SHLD/SHRD through CC_OP_SHL/SAR (CF is the last
 * bit shifted out, OF the sign change, defined for count 1); ROL/ROR
 * change only CF and OF (CC_OP_EFLAGS); RCL/RCR run in a helper.
 * 16-bit SHLD/SHRD with counts above 16 shift through the 48-bit
 * value dst:src:dst (what hardware gives; the SDM leaves it undefined).
 */
#include "cpu/x86/translate.h"

enum { SH_SHL, SH_SHR, SH_SAR, SH_ROL, SH_ROR, SH_SHLD, SH_SHRD };

static unsigned ot_of(int bytes)
{
    return bytes == 1 ? 0 : bytes == 2 ? 1 : bytes == 4 ? 2 : 3;
}

/* Loads the masked count operand; *known gets its value when constant. */
static TCGv_i64 gen_count(DisasContext *d, const X86Operand *o, int bytes,
                          int *known)
{
    unsigned m = bytes == 8 ? 63 : 31;
    TCGv_i64 c = tmp_new(d);

    if (o->kind == X86_OPK_IMM) {
        *known = (int)(o->imm & m);
        tcg_gen_movi_i64(d->s, c, *known);
    } else {
        *known = -1;
        gen_ld_op(d, c, o, NULL);
        tcg_gen_andi_i64(d->s, c, c, m);
    }
    return c;
}

/* cc globals for a shift whose count may be 0 at run time. */
static void gen_shift_flags(DisasContext *d, uint32_t op, TCGv_i64 res,
                            TCGv_i64 src, TCGv_i64 cnt, int known)
{
    TCGContext *s = d->s;
    X86TCGGlobals *g = d->g;

    if (known == 0) {
        return;
    }
    if (known > 0) {
        tcg_gen_mov_i64(s, g->cc_dst, res);
        tcg_gen_mov_i64(s, g->cc_src, src);
        set_cc_op(d, op);
        return;
    }
    gen_update_cc_op(d);
    TCGv_i64 z = tconst(d, 0);
    TCGv_i32 c32 = tcg_temp_new_i32(s);
    tcg_gen_movcond_i64(s, TCG_COND_NE, g->cc_dst, cnt, z, res, g->cc_dst);
    tcg_gen_movcond_i64(s, TCG_COND_NE, g->cc_src, cnt, z, src, g->cc_src);
    tcg_gen_extrl_i64_i32(s, c32, cnt);
    tcg_gen_movcond_i32(s, TCG_COND_NE, g->cc_op, c32,
                        tcg_constant_i32(s, 0), tcg_constant_i32(s, op),
                        g->cc_op);
    tcg_temp_free_i32(s, c32);
    set_cc_op(d, X86_CC_OP_DYNAMIC);
}

/* res = a shifted by cnt; src = a shifted by cnt - 1 (for CF/OF). */
static void gen_shift_core(DisasContext *d, int kind, TCGv_i64 res,
                           TCGv_i64 src, TCGv_i64 a, TCGv_i64 cnt)
{
    TCGContext *s = d->s;
    TCGv_i64 c1 = tmp_new(d);

    tcg_gen_subi_i64(s, c1, cnt, 1);
    tcg_gen_andi_i64(s, c1, c1, 63);
    switch (kind) {
    case SH_SHL:
        tcg_gen_shl_i64(s, res, a, cnt);
        tcg_gen_shl_i64(s, src, a, c1);
        break;
    case SH_SHR:
        tcg_gen_shr_i64(s, res, a, cnt);
        tcg_gen_shr_i64(s, src, a, c1);
        break;
    default:
        tcg_gen_sar_i64(s, res, a, cnt);
        tcg_gen_sar_i64(s, src, a, c1);
        break;
    }
}

static void gen_shift(DisasContext *d, const X86Insn *in, int kind)
{
    int bytes = x86_op_bytes(in, &in->ops[0]), known;
    unsigned ot = ot_of(bytes);
    TCGv_i64 a = tmp_new(d), res = tmp_new(d), src = tmp_new(d), la = NULL;
    TCGv_i64 cnt = gen_count(d, &in->ops[1], bytes, &known);

    gen_ld_op_rmw(d, a, &in->ops[0], &la);
    if (kind == SH_SAR) {
        gen_ext(d, a, bytes, true);
    }
    gen_shift_core(d, kind, res, src, a, cnt);
    gen_st_op(d, &in->ops[0], res, la);
    gen_shift_flags(d, (kind == SH_SHL ? CC_OP_SHLB : CC_OP_SARB) + ot,
                    res, src, cnt, known);
}

void gen_SHL(DisasContext *d, const X86Insn *in) { gen_shift(d, in, SH_SHL); }
void gen_SHR(DisasContext *d, const X86Insn *in) { gen_shift(d, in, SH_SHR); }
void gen_SAR(DisasContext *d, const X86Insn *in) { gen_shift(d, in, SH_SAR); }

/* Rotates a (zero-extended, w bits) left by cnt (already mod w). */
static void gen_rotl_w(DisasContext *d, TCGv_i64 res, TCGv_i64 a,
                       TCGv_i64 cnt, int w)
{
    TCGContext *s = d->s;
    TCGv_i64 t = tmp_new(d), rc = tmp_new(d);

    if (w == 64) {
        tcg_gen_rotl_i64(s, res, a, cnt);
        return;
    }
    tcg_gen_shl_i64(s, t, a, cnt);
    tcg_gen_movi_i64(s, rc, w);
    tcg_gen_sub_i64(s, rc, rc, cnt);
    tcg_gen_shr_i64(s, res, a, rc);
    tcg_gen_or_i64(s, res, res, t);
    gen_ext(d, res, w / 8, false);
}

static void gen_rotate(DisasContext *d, const X86Insn *in, bool left)
{
    TCGContext *s = d->s;
    int bytes = x86_op_bytes(in, &in->ops[0]), w = 8 * bytes, known;
    TCGv_i64 a = tmp_new(d), res = tmp_new(d), r = tmp_new(d), la = NULL;
    TCGv_i64 cnt = gen_count(d, &in->ops[1], bytes, &known);
    TCGv_i64 f = tmp_new(d), cf = tmp_new(d), of = tmp_new(d);

    gen_ld_op_rmw(d, a, &in->ops[0], &la);
    tcg_gen_andi_i64(s, r, cnt, w - 1);
    if (!left) {
        tcg_gen_neg_i64(s, r, r);
        tcg_gen_andi_i64(s, r, r, w - 1);
    }
    gen_rotl_w(d, res, a, r, w);
    gen_st_op(d, &in->ops[0], res, la);
    if (known == 0) {
        return;
    }
    /* ROL: CF = bit 0, OF = msb ^ CF; ROR: CF = msb, OF = msb ^ msb-1 */
    if (left) {
        tcg_gen_andi_i64(s, cf, res, 1);
        tcg_gen_extract_i64(s, of, res, w - 1, 1);
    } else {
        tcg_gen_extract_i64(s, cf, res, w - 1, 1);
        tcg_gen_extract_i64(s, of, res, w - 2, 1);
    }
    tcg_gen_xor_i64(s, of, of, cf);
    tcg_gen_shli_i64(s, of, of, 11);
    tcg_gen_or_i64(s, of, of, cf);
    gen_compute_eflags(d, f);
    tcg_gen_andi_i64(s, res, f, ~(uint64_t)(RF_CF | RF_OF));
    tcg_gen_or_i64(s, res, res, of);
    if (known < 0) {
        tcg_gen_movcond_i64(s, TCG_COND_NE, res, cnt, tconst(d, 0), res, f);
    }
    tcg_gen_mov_i64(s, d->g->cc_src, res);
    set_cc_op(d, CC_OP_EFLAGS);
}

void gen_ROL(DisasContext *d, const X86Insn *in) { gen_rotate(d, in, true); }
void gen_ROR(DisasContext *d, const X86Insn *in) { gen_rotate(d, in, false); }

static void gen_rcx(DisasContext *d, const X86Insn *in, bool left)
{
    int bytes = x86_op_bytes(in, &in->ops[0]);
    TCGv_i64 a = tmp_new(d), cnt = tmp_new(d), res = tmp_new(d), la = NULL;
    TCGv_i32 ot = tcg_constant_i32(d->s, ot_of(bytes));

    gen_ld_op_rmw(d, a, &in->ops[0], &la);
    gen_ld_op(d, cnt, &in->ops[1], NULL);
    if (la) {
        gen_st_op(d, &in->ops[0], a, la);   /* fault before the flags move */
    }
    gen_update_cc_op(d);
    if (left) {
        gen_helper_rcl(d->s, res, tcg_env(d->s), a, cnt, ot);
    } else {
        gen_helper_rcr(d->s, res, tcg_env(d->s), a, cnt, ot);
    }
    gen_st_op(d, &in->ops[0], res, la);
    d->cc_op = X86_CC_OP_DYNAMIC;
    d->cc_op_dirty = false;
}

void gen_RCL(DisasContext *d, const X86Insn *in) { gen_rcx(d, in, true); }
void gen_RCR(DisasContext *d, const X86Insn *in) { gen_rcx(d, in, false); }

/* SHLD/SHRD: res from dst a and src b; fsrc for the flags. */
static void gen_dshift(DisasContext *d, const X86Insn *in, bool left)
{
    TCGContext *s = d->s;
    int bytes = x86_op_bytes(in, &in->ops[0]), known;
    TCGv_i64 a = tmp_new(d), b = tmp_new(d), t = tmp_new(d), la = NULL;
    TCGv_i64 res = tmp_new(d), fsrc = tmp_new(d), c1 = tmp_new(d);
    TCGv_i64 cnt = gen_count(d, &in->ops[2], bytes, &known);

    gen_ld_op_rmw(d, a, &in->ops[0], &la);
    gen_ld_op(d, b, &in->ops[1], NULL);
    tcg_gen_subi_i64(s, c1, cnt, 1);
    tcg_gen_andi_i64(s, c1, c1, 63);
    if (bytes == 8) {
        TCGv_i64 rc = tmp_new(d);
        tcg_gen_movi_i64(s, rc, 63);
        tcg_gen_sub_i64(s, rc, rc, cnt);
        if (left) {
            tcg_gen_shl_i64(s, res, a, cnt);
            tcg_gen_shri_i64(s, t, b, 1);
            tcg_gen_shr_i64(s, t, t, rc);
            tcg_gen_shl_i64(s, fsrc, a, c1);
        } else {
            tcg_gen_shr_i64(s, res, a, cnt);
            tcg_gen_shli_i64(s, t, b, 1);
            tcg_gen_shl_i64(s, t, t, rc);
            tcg_gen_shr_i64(s, fsrc, a, c1);
        }
        tcg_gen_or_i64(s, res, res, t);
    } else {
        /* a 64-bit window: SHLD a:b (a:b:a for 16), SHRD b:a (a:b:a) */
        if (bytes == 4) {
            tcg_gen_deposit_i64(s, t, left ? b : a, left ? a : b, 32, 32);
        } else {
            tcg_gen_shli_i64(s, t, b, 16);
            tcg_gen_or_i64(s, t, t, a);
            tcg_gen_deposit_i64(s, t, t, a, 32, 16);
        }
        if (left) {
            int sh = bytes == 4 ? 32 : 32;
            tcg_gen_shl_i64(s, res, t, cnt);
            tcg_gen_shri_i64(s, res, res, sh);
            tcg_gen_shl_i64(s, fsrc, t, c1);
            tcg_gen_shri_i64(s, fsrc, fsrc, sh);
        } else {
            tcg_gen_shr_i64(s, res, t, cnt);
            tcg_gen_shr_i64(s, fsrc, t, c1);
        }
        gen_ext(d, res, bytes, false);
    }
    gen_st_op(d, &in->ops[0], res, la);
    gen_shift_flags(d, (left ? CC_OP_SHLB : CC_OP_SARB) + ot_of(bytes),
                    res, fsrc, cnt, known);
}

void gen_SHLD(DisasContext *d, const X86Insn *in) { gen_dshift(d, in, true); }
void gen_SHRD(DisasContext *d, const X86Insn *in) { gen_dshift(d, in, false); }
