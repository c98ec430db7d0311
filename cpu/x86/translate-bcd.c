/*
 * x86 translator: BCD adjustments (Intel SDM Vol. 2: DAA, DAS, AAA, AAS,
 * AAM, AAD). All are invalid in 64-bit mode (the decoder gives #UD) and
 * run in helpers (int_helper.c) that read and write AL/AH and the flags
 * in env; AAM with an immediate of 0 raises #DE.
 */
#include "cpu/x86/translate.h"

typedef void BcdHelper(TCGContext *s, TCGv_ptr env);

static void gen_bcd(DisasContext *d, BcdHelper *h)
{
    gen_sync_state(d);
    h(d->s, tcg_env(d->s));
    d->cc_op = X86_CC_OP_DYNAMIC;
    d->cc_op_dirty = false;
}

void gen_DAA(DisasContext *d, const X86Insn *in) { gen_bcd(d, gen_helper_daa); }
void gen_DAS(DisasContext *d, const X86Insn *in) { gen_bcd(d, gen_helper_das); }
void gen_AAA(DisasContext *d, const X86Insn *in) { gen_bcd(d, gen_helper_aaa); }
void gen_AAS(DisasContext *d, const X86Insn *in) { gen_bcd(d, gen_helper_aas); }

void gen_AAM(DisasContext *d, const X86Insn *in)
{
    gen_sync_state(d);
    gen_helper_aam(d->s, tcg_env(d->s),
                   tcg_constant_i32(d->s, in->ops[0].imm & 0xff));
    d->cc_op = X86_CC_OP_DYNAMIC;
    d->cc_op_dirty = false;
}

void gen_AAD(DisasContext *d, const X86Insn *in)
{
    gen_sync_state(d);
    gen_helper_aad(d->s, tcg_env(d->s),
                   tcg_constant_i32(d->s, in->ops[0].imm & 0xff));
    d->cc_op = X86_CC_OP_DYNAMIC;
    d->cc_op_dirty = false;
}

/* SALC (D6, undocumented; invalid in 64-bit mode): AL = CF ? FFh : 00h,
   flags unchanged. */
void gen_SALC(DisasContext *d, const X86Insn *in)
{
    TCGv_i64 t = tmp_new(d);

    gen_get_cf(d, t);
    tcg_gen_neg_i64(d->s, t, t);
    gen_st_gpr(d, R_EAX, t, 1);
}
