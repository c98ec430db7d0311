/*
 * x86 translator: string instructions (Intel SDM Vol. 2: MOVS, CMPS,
 * SCAS, LODS, STOS with REP / REPE / REPNE; Vol. 1 7.3.9).
 *
 * Source DS:rSI (segment overridable), destination ES:rDI; rSI/rDI/rCX
 * are SI/ESI/RSI... by address size and wrap at it; the step is the
 * element size times DF (+1/-1).
 *
 * A REP form is a loop in the IR: test rCX, one iteration, decrement rCX,
 * test ZF for REPE/REPNE. Registers are written at the end of each
 * iteration, after its memory accesses, so a fault leaves rCX/rSI/rDI
 * exactly at the faulting element with RIP at the instruction. After
 * REP_CHUNK iterations the block jumps back to the instruction itself so
 * the exec loop can take interrupts. CMPS/SCAS under REP keep cc_op in
 * env (their insn_start says X86_CC_OP_DYNAMIC).
 *
 * REP MOVS and REP STOS in 64-bit code (no segment limits) first offer
 * each trip of the loop to helper_rep_bulk, which copies or fills the
 * elements that fit in the current pages of RAM in one go; the registers
 * then advance by the count it returns. When it returns 0 (a TLB miss, a
 * flagged page, an element across pages, DF = 1, an overlap where the
 * element order shows) the trip runs one element as above. Not under TF
 * or alignment checking, where every element must be seen.
 */
#include "cpu/x86/translate.h"

#define REP_CHUNK 4096

enum { STR_MOVS, STR_CMPS, STR_SCAS, STR_LODS, STR_STOS };

static unsigned ot_of(int bytes)
{
    return bytes == 1 ? 0 : bytes == 2 ? 1 : bytes == 4 ? 2 : 3;
}

/* Element size and source segment from the decoded operands. */
static int str_elem(const X86Insn *in, int *src_seg)
{
    int bytes = 0;

    *src_seg = X86_SEG_DS;
    for (int i = 0; i < in->nops && i < 4; i++) {
        const X86Operand *o = &in->ops[i];
        if (o->kind == X86_OPK_MEM) {
            bytes = o->size;
            if (o->type == X86_T_X) {
                *src_seg = o->seg;
            }
        }
    }
    return bytes == 1 || bytes == 2 || bytes == 4 || bytes == 8
           ? bytes : in->op_size;
}

/* reg += DF * bytes with the address size. */
static void gen_str_step(DisasContext *d, int reg, int bytes, int asz)
{
    TCGContext *s = d->s;
    TCGv_i64 t = tmp_new(d);

    tcg_gen_exts_i32_i64(s, t, d->g->df);
    tcg_gen_shli_i64(s, t, t, ot_of(bytes));
    tcg_gen_add_i64(s, t, t, d->g->regs[reg]);
    gen_st_gpr(d, reg, t, asz);
}

/* One iteration; returns the compare result for CMPS/SCAS (else NULL). */
static TCGv_i64 gen_str_once(DisasContext *d, int kind, int bytes, int asz,
                             int seg)
{
    TCGContext *s = d->s;
    TCGv_i64 a = tmp_new(d), b = tmp_new(d), r = NULL;

    switch (kind) {
    case STR_MOVS:
        gen_ld_mem(d, a, gen_lea_reg(d, seg, R_ESI, asz), bytes);
        gen_st_mem(d, a, gen_lea_reg(d, X86_SEG_ES, R_EDI, asz), bytes);
        gen_str_step(d, R_ESI, bytes, asz);
        gen_str_step(d, R_EDI, bytes, asz);
        break;
    case STR_STOS:
        gen_st_mem(d, d->g->regs[R_EAX], gen_lea_reg(d, X86_SEG_ES, R_EDI, asz),
                   bytes);
        gen_str_step(d, R_EDI, bytes, asz);
        break;
    case STR_LODS:
        gen_ld_mem(d, a, gen_lea_reg(d, seg, R_ESI, asz), bytes);
        gen_st_gpr(d, R_EAX, a, bytes);
        gen_str_step(d, R_ESI, bytes, asz);
        break;
    case STR_SCAS:
        gen_ld_mem(d, b, gen_lea_reg(d, X86_SEG_ES, R_EDI, asz), bytes);
        gen_ld_gpr(d, a, R_EAX, bytes);
        gen_str_step(d, R_EDI, bytes, asz);
        r = tmp_new(d);
        break;
    default:
        gen_ld_mem(d, a, gen_lea_reg(d, seg, R_ESI, asz), bytes);
        gen_ld_mem(d, b, gen_lea_reg(d, X86_SEG_ES, R_EDI, asz), bytes);
        gen_str_step(d, R_ESI, bytes, asz);
        gen_str_step(d, R_EDI, bytes, asz);
        r = tmp_new(d);
        break;
    }
    if (r) {
        tcg_gen_sub_i64(s, r, a, b);
        tcg_gen_mov_i64(s, d->g->cc_dst, r);
        tcg_gen_mov_i64(s, d->g->cc_src, b);
    }
    return r;
}

static bool str_bulk_ok(const DisasContext *d, int kind)
{
    return (kind == STR_MOVS || kind == STR_STOS) && d->code64 &&
           !(d->flags & (HF_TF | HF_ALIGN));
}

/*
 * One bulk trip: done = helper(...); when non-zero, advance rSI/rDI/rCX
 * by it, take it off the chunk budget n, and go back to loop; else fall
 * through to the single-element trip.
 */
static void gen_str_bulk(DisasContext *d, int kind, int bytes, int asz,
                         int seg, TCGv_i64 c, TCGv_i64 n, TCGLabel *loop)
{
    TCGContext *s = d->s;
    TCGv_i64 src, dst, k = tmp_new(d), t = tmp_new(d);
    TCGLabel *single = tcg_label_new(s);
    uint32_t desc = (uint32_t)bytes | (uint32_t)d->mmu_idx << 8;

    dst = gen_lea_reg(d, X86_SEG_ES, R_EDI, asz);
    if (kind == STR_MOVS) {
        src = gen_lea_reg(d, seg, R_ESI, asz);
        desc |= X86_REP_BULK_MOVS;
    } else {
        src = d->g->regs[R_EAX];
    }
    gen_helper_rep_bulk(s, k, tcg_env(s), src, dst, c,
                        tcg_constant_i32(s, desc));
    tcg_gen_brcondi_i64(s, TCG_COND_EQ, k, 0, single);
    tcg_gen_sub_i64(s, n, n, k);
    tcg_gen_sub_i64(s, t, d->g->regs[R_ECX], k);
    gen_st_gpr(d, R_ECX, t, asz);
    tcg_gen_shli_i64(s, k, k, ot_of(bytes));
    if (kind == STR_MOVS) {
        tcg_gen_add_i64(s, t, d->g->regs[R_ESI], k);
        gen_st_gpr(d, R_ESI, t, asz);
    }
    tcg_gen_add_i64(s, t, d->g->regs[R_EDI], k);
    gen_st_gpr(d, R_EDI, t, asz);
    tcg_gen_br(s, loop);
    tcg_gen_set_label(s, single);
}

static void gen_string(DisasContext *d, const X86Insn *in, int kind)
{
    TCGContext *s = d->s;
    int seg, bytes = str_elem(in, &seg), asz = in->addr_size;
    bool cmp = kind == STR_CMPS || kind == STR_SCAS;
    uint32_t op = CC_OP_SUBB + ot_of(bytes);
    TCGLabel *loop, *done, *again;
    TCGv_i64 c, n, r;

    if (!(in->prefixes & (X86_P_REP | X86_P_REPNE))) {
        if (gen_str_once(d, kind, bytes, asz, seg)) {
            set_cc_op(d, op);
        }
        return;
    }
    if (cmp) {
        gen_cc_op_dynamic_start(d);
    }
    gen_update_cc_op(d);
    loop = tcg_label_new(s);
    done = tcg_label_new(s);
    again = tcg_label_new(s);
    c = tmp_new(d);
    n = tmp_new(d);
    /* under TF one iteration per block: the trap comes after each one */
    tcg_gen_movi_i64(s, n, (d->flags & HF_TF) ? 1 : REP_CHUNK);
    tcg_gen_set_label(s, loop);
    gen_ld_gpr(d, c, R_ECX, asz);
    tcg_gen_brcondi_i64(s, TCG_COND_EQ, c, 0, done);
    tcg_gen_brcondi_i64(s, TCG_COND_LE, n, 0, again);
    if (str_bulk_ok(d, kind)) {
        gen_str_bulk(d, kind, bytes, asz, seg, c, n, loop);
    }
    tcg_gen_subi_i64(s, n, n, 1);
    r = gen_str_once(d, kind, bytes, asz, seg);
    if (r) {
        tcg_gen_movi_i32(s, d->g->cc_op, op);
    }
    tcg_gen_subi_i64(s, c, d->g->regs[R_ECX], 1);
    gen_st_gpr(d, R_ECX, c, asz);
    if (r) {
        /* REPE (F3) stops when ZF = 0, REPNE (F2) when ZF = 1 */
        gen_ext(d, r, bytes, false);
        tcg_gen_brcondi_i64(s, in->last_rep == 0xf2 ? TCG_COND_EQ
                                                    : TCG_COND_NE,
                            r, 0, done);
    }
    tcg_gen_br(s, loop);
    /* chunk done with rCX left: back to the instruction itself */
    tcg_gen_set_label(s, again);
    if (cmp) {
        d->cc_op = X86_CC_OP_DYNAMIC;
        d->cc_op_dirty = false;
    }
    gen_jmp_tb(d, d->rip, 1);
    tcg_gen_set_label(s, done);
    gen_jmp_tb(d, d->next_rip, 0);
}

void gen_MOVS(DisasContext *d, const X86Insn *in) { gen_string(d, in, STR_MOVS); }
void gen_CMPS(DisasContext *d, const X86Insn *in) { gen_string(d, in, STR_CMPS); }
void gen_SCAS(DisasContext *d, const X86Insn *in) { gen_string(d, in, STR_SCAS); }
void gen_LODS(DisasContext *d, const X86Insn *in) { gen_string(d, in, STR_LODS); }
void gen_STOS(DisasContext *d, const X86Insn *in) { gen_string(d, in, STR_STOS); }
