/*
 * The x86 translator: the per-TB driver (fetch, decode, dispatch through
 * a table indexed by mnemonic) and the machinery every emitter shares:
 * register and memory operands, effective and linear addresses, the stack,
 * lazy condition codes and block endings.
 *
 * Follows the Intel SDM Vol. 1 ch. 3 (address computation, operand-size
 * and address-size rules) and Vol. 3 ch. 3 (segmentation); the contract
 * with the execution machinery is cpu/x86/tcg-translate.h.
 *
 * Invariants:
 *   - each guest instruction begins with insn_start(rip, cc_op at start);
 *     an emitter writes guest registers and the cc globals only after its
 *     last access that may fault, so the state rebuilt from those words
 *     is the state before the instruction;
 *   - temps handed out by tmp_new() live until the end of the instruction.
 *
 * Segments: in 64-bit mode only the FS and GS bases apply (no limits);
 * otherwise DS/ES/SS bases are skipped when hflags says they are all zero
 * (HF_ADDSEG clear). Limit and type checks (cpu/x86/seg_check.c) are
 * emitted only for segments whose HF_SEGCHK bit is set, i.e. not flat
 * read/write 4 GiB: gen_add_seg remembers the offset of each linear
 * address it makes through such a segment, and gen_ld_mem/gen_st_mem
 * check the access (size, read or write) before making it.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/x86/translate.h"

#define TCG_HELPER_FILE "cpu/x86/helper.def"
#include "tcg/helper-info.h"
#undef TCG_HELPER_FILE

/* ---- globals ---- */

static const char *const gpr_names[16] = {
    "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
    "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
};

X86TCGGlobals *x86_tcg_init_globals(TCGContext *s)
{
    X86TCGGlobals *g = xzalloc(sizeof(*g));

    for (int i = 0; i < 16; i++) {
        g->regs[i] = tcg_global_mem_new_i64(
            s, offsetof(CPUX86TCG, st.regs) + 8 * i, gpr_names[i]);
    }
    g->rip = tcg_global_mem_new_i64(s, offsetof(CPUX86TCG, st.rip), "rip");
    g->cc_dst = tcg_global_mem_new_i64(s, offsetof(CPUX86TCG, cc_dst), "cc_dst");
    g->cc_src = tcg_global_mem_new_i64(s, offsetof(CPUX86TCG, cc_src), "cc_src");
    g->cc_src2 = tcg_global_mem_new_i64(s, offsetof(CPUX86TCG, cc_src2),
                                        "cc_src2");
    g->cc_op = tcg_global_mem_new_i32(s, offsetof(CPUX86TCG, cc_op), "cc_op");
    g->df = tcg_global_mem_new_i32(s, offsetof(CPUX86TCG, df), "df");
    return g;
}

void x86_tcg_free_globals(X86TCGGlobals *g)
{
    free(g);
}

/* ---- per-instruction temps ---- */

TCGv_i64 tmp_new(DisasContext *d)
{
    TCGv_i64 t = tcg_temp_new_i64(d->s);

    if (d->nb_tmps < ARRAY_SIZE(d->tmps)) {
        d->tmps[d->nb_tmps++] = t;
    }
    return t;
}

static void tmp_free_all(DisasContext *d)
{
    d->nb_segacc = 0;
    d->nb_stack_lin = 0;
    for (unsigned i = 0; i < d->nb_tmps; i++) {
        tcg_temp_free_i64(d->s, d->tmps[i]);
    }
    d->nb_tmps = 0;
}

TCGv_i64 tconst(DisasContext *d, uint64_t v)
{
    return tcg_constant_i64(d->s, v);
}

/* ---- sizes ---- */

int x86_op_bytes(const X86Insn *in, const X86Operand *o)
{
    switch (o->kind) {
    case X86_OPK_REG:
        switch (o->reg_class) {
        case X86_RC_GPR8: case X86_RC_GPR8HI: return 1;
        case X86_RC_GPR16: case X86_RC_SEG: return 2;
        case X86_RC_GPR32: return 4;
        case X86_RC_GPR64: return 8;
        default: return in->op_size;
        }
    case X86_OPK_MEM:
        return o->size == 1 || o->size == 2 || o->size == 4 || o->size == 8
               ? o->size : in->op_size;
    default:
        return o->size == 1 || o->size == 2 || o->size == 4 || o->size == 8
               ? o->size : in->op_size;
    }
}

void gen_ext(DisasContext *d, TCGv_i64 v, int bytes, bool sign)
{
    TCGContext *s = d->s;

    switch (bytes) {
    case 1: sign ? tcg_gen_ext8s_i64(s, v, v) : tcg_gen_ext8u_i64(s, v, v); break;
    case 2: sign ? tcg_gen_ext16s_i64(s, v, v) : tcg_gen_ext16u_i64(s, v, v); break;
    case 4: sign ? tcg_gen_ext32s_i64(s, v, v) : tcg_gen_ext32u_i64(s, v, v); break;
    default: break;
    }
}

void gen_ext_to(DisasContext *d, TCGv_i64 dst, TCGv_i64 v, int bytes,
                bool sign)
{
    tcg_gen_mov_i64(d->s, dst, v);
    gen_ext(d, dst, bytes, sign);
}

/* ---- registers ---- */

void gen_ld_gpr(DisasContext *d, TCGv_i64 dst, int reg, int bytes)
{
    gen_ext_to(d, dst, d->g->regs[reg & 15], bytes, false);
}

void gen_st_gpr(DisasContext *d, int reg, TCGv_i64 val, int bytes)
{
    TCGv_i64 r = d->g->regs[reg & 15];

    switch (bytes) {
    case 1: tcg_gen_deposit_i64(d->s, r, r, val, 0, 8); break;
    case 2: tcg_gen_deposit_i64(d->s, r, r, val, 0, 16); break;
    case 4: tcg_gen_ext32u_i64(d->s, r, val); break;
    default: tcg_gen_mov_i64(d->s, r, val); break;
    }
}

/* ---- addresses ---- */

static int64_t seg_base_offset(int seg)
{
    return offsetof(CPUX86TCG, st.segs) + seg * sizeof(SegmentCache) +
           offsetof(SegmentCache, base);
}

/* Remembers that linear address lin was made from offset off through
   seg, so that the accesses at lin get checked (gen_check_seg). */
static void seg_note(DisasContext *d, TCGv_i64 lin, TCGv_i64 off, int seg)
{
    unsigned i = d->nb_segacc;

    if (i == ARRAY_SIZE(d->segacc)) {
        /* more than any instruction makes: recycle the oldest slot */
        memmove(&d->segacc[0], &d->segacc[1],
                sizeof(d->segacc[0]) * (ARRAY_SIZE(d->segacc) - 1));
        i--;
    }
    d->segacc[i].lin = lin;
    d->segacc[i].off = off;
    d->segacc[i].seg = seg;
    d->nb_segacc = i + 1;
}

static bool seg_needs_check(const DisasContext *d, int seg)
{
    return !d->code64 && (d->flags & HF_SEGCHK(seg));
}

void gen_add_seg(DisasContext *d, TCGv_i64 addr, int seg, int addr_size)
{
    TCGContext *s = d->s;
    TCGv_i64 base;

    if (seg == X86_SEG_NONE || seg > X86_SEG_GS) {
        return;
    }
    if (seg_needs_check(d, seg)) {
        TCGv_i64 off = tmp_new(d);
        tcg_gen_mov_i64(s, off, addr);
        seg_note(d, addr, off, seg);
    }
    if (d->code64) {
        if (seg == X86_SEG_SS && d->nb_stack_lin < ARRAY_SIZE(d->stack_lin)) {
            d->stack_lin[d->nb_stack_lin++] = addr;
        }
        if (seg != X86_SEG_FS && seg != X86_SEG_GS) {
            return;
        }
    } else if (!(d->flags & HF_ADDSEG) &&
               (seg == X86_SEG_DS || seg == X86_SEG_ES || seg == X86_SEG_SS)) {
        return;
    }
    base = tmp_new(d);
    tcg_gen_ld_i64(s, base, tcg_env(s), seg_base_offset(seg));
    tcg_gen_add_i64(s, addr, addr, base);
    if (!d->code64) {
        tcg_gen_ext32u_i64(s, addr, addr);
    }
}

TCGv_i64 gen_ea(DisasContext *d, const X86Operand *o)
{
    TCGContext *s = d->s;
    TCGv_i64 ea = tmp_new(d);
    uint64_t disp = o->disp;

    if (o->rip_rel) {
        disp += d->next_rip;
    }
    tcg_gen_movi_i64(s, ea, disp);
    if (o->base >= 0) {
        tcg_gen_add_i64(s, ea, ea, d->g->regs[o->base & 15]);
    }
    if (o->index >= 0) {
        TCGv_i64 t = tmp_new(d);
        int sh = o->scale == 8 ? 3 : o->scale == 4 ? 2 : o->scale == 2 ? 1 : 0;
        tcg_gen_shli_i64(s, t, d->g->regs[o->index & 15], sh);
        tcg_gen_add_i64(s, ea, ea, t);
    }
    gen_ext(d, ea, o->addr_size ? o->addr_size : d->insn->addr_size, false);
    return ea;
}

TCGv_i64 gen_lea(DisasContext *d, const X86Operand *o)
{
    TCGv_i64 a = gen_ea(d, o);
    gen_add_seg(d, a, o->seg, o->addr_size);
    return a;
}

/* Linear address of seg:reg[r] with address size asz (string operands). */
TCGv_i64 gen_lea_reg(DisasContext *d, int seg, int r, int asz)
{
    TCGv_i64 a = tmp_new(d);
    gen_ext_to(d, a, d->g->regs[r], asz, false);
    gen_add_seg(d, a, seg, asz);
    return a;
}

/*
 * The inline part of a segment check: off + bytes <= env->seg_end[w][seg]
 * passes; anything else calls the exact check, which raises or returns
 * (expand-down segments pass there). The cold path stores RIP and cc_op
 * itself so that the static cc_op tracking of the hot path is untouched.
 */
void gen_check_seg(DisasContext *d, TCGv_i64 laddr, int bytes, unsigned acc)
{
    TCGContext *s = d->s;
    TCGv_i64 end, t;
    TCGLabel *ok;
    int i, seg;

    for (i = (int)d->nb_segacc - 1; i >= 0; i--) {
        if (d->segacc[i].lin == laddr) {
            break;
        }
    }
    if (i < 0) {
        return;
    }
    seg = d->segacc[i].seg;
    end = tmp_new(d);
    t = tmp_new(d);
    ok = tcg_label_new(s);
    tcg_gen_addi_i64(s, t, d->segacc[i].off, bytes);
    tcg_gen_ld_i64(s, end, tcg_env(s),
                   offsetof(CPUX86TCG, seg_end) +
                   sizeof(uint64_t) * (6 * (acc == X86_SEGACC_WRITE) + seg));
    tcg_gen_brcond_i64(s, TCG_COND_LEU, t, end, ok);
    tcg_gen_movi_i64(s, d->g->rip, d->rip);
    if (d->cc_op_dirty) {
        tcg_gen_movi_i32(s, d->g->cc_op, d->cc_op);
    }
    gen_helper_seg_check(s, tcg_env(s),
                         tcg_constant_i32(s, (uint32_t)seg | acc << 3 |
                                             (uint32_t)bytes << 8),
                         d->segacc[i].off);
    tcg_gen_set_label(s, ok);
}

/* Alignment checking (#AC) at CPL 3 (HF_ALIGN: CR0.AM and RFLAGS.AC):
   MO_ALIGN sends a misaligned access to the slow path, which raises it. */
static MemOp mo_access(const DisasContext *d, int bytes, TCGv_i64 laddr)
{
    bool ac = d->flags & HF_ALIGN;
    MemOp mo = (MemOp)(mo_size(bytes) | (ac ? MO_ALIGN : 0));

    for (unsigned i = 0; i < d->nb_stack_lin; i++) {
        if (d->stack_lin[i] == laddr) {
            mo |= MO_X86_STACK;
            break;
        }
    }
    return mo;
}

void gen_ld_mem(DisasContext *d, TCGv_i64 dst, TCGv_i64 laddr, int bytes)
{
    gen_check_seg(d, laddr, bytes, X86_SEGACC_READ);
    tcg_gen_qemu_ld_i64(d->s, dst, laddr, d->mmu_idx,
                        mo_access(d, bytes, laddr));
}

void gen_st_mem(DisasContext *d, TCGv_i64 val, TCGv_i64 laddr, int bytes)
{
    gen_check_seg(d, laddr, bytes, X86_SEGACC_WRITE);
    tcg_gen_qemu_st_i64(d->s, val, laddr, d->mmu_idx,
                        mo_access(d, bytes, laddr));
}

/* ---- operands ---- */

static uint64_t size_mask(int bytes)
{
    return bytes >= 8 ? ~0ull : (1ull << (8 * bytes)) - 1;
}

void gen_ld_op(DisasContext *d, TCGv_i64 dst, const X86Operand *o,
               TCGv_i64 *laddr)
{
    TCGContext *s = d->s;
    int bytes = x86_op_bytes(d->insn, o);

    switch (o->kind) {
    case X86_OPK_REG:
        if (o->reg_class == X86_RC_GPR8HI) {
            tcg_gen_extract_i64(s, dst, d->g->regs[(o->reg - 4) & 7], 8, 8);
        } else if (o->reg_class == X86_RC_SEG) {
            tcg_gen_ld16u_i64(s, dst, tcg_env(s),
                              offsetof(CPUX86TCG, st.segs) +
                              (o->reg % 6) * sizeof(SegmentCache) +
                              offsetof(SegmentCache, selector));
        } else {
            gen_ld_gpr(d, dst, o->reg, bytes);
        }
        break;
    case X86_OPK_MEM: {
        TCGv_i64 a = gen_lea(d, o);
        if (laddr) {
            *laddr = a;
        }
        gen_ld_mem(d, dst, a, bytes);
        break;
    }
    case X86_OPK_IMM:
    case X86_OPK_REL:
        tcg_gen_movi_i64(s, dst, o->imm & size_mask(bytes));
        break;
    default:
        tcg_gen_movi_i64(s, dst, 0);
        break;
    }
}

void gen_st_op(DisasContext *d, const X86Operand *o, TCGv_i64 val,
               TCGv_i64 laddr)
{
    TCGContext *s = d->s;
    int bytes = x86_op_bytes(d->insn, o);

    switch (o->kind) {
    case X86_OPK_REG:
        if (o->reg_class == X86_RC_GPR8HI) {
            TCGv_i64 r = d->g->regs[(o->reg - 4) & 7];
            tcg_gen_deposit_i64(s, r, r, val, 8, 8);
        } else if (o->reg_class != X86_RC_SEG) {
            gen_st_gpr(d, o->reg, val, bytes);
        }
        break;
    case X86_OPK_MEM:
        gen_st_mem(d, val, laddr ? laddr : gen_lea(d, o), bytes);
        break;
    default:
        break;
    }
}

/* ---- the stack ---- */

int x86_stack_bytes(const DisasContext *d)
{
    return d->code64 ? 8 : d->ss32 ? 4 : 2;
}

TCGv_i64 gen_stack_addr(DisasContext *d, TCGv_i64 sp)
{
    TCGv_i64 a = tmp_new(d);
    gen_ext_to(d, a, sp, x86_stack_bytes(d), false);
    gen_add_seg(d, a, X86_SEG_SS, x86_stack_bytes(d));
    return a;
}

void gen_push(DisasContext *d, TCGv_i64 val, int bytes)
{
    TCGv_i64 sp = tmp_new(d);

    tcg_gen_subi_i64(d->s, sp, d->g->regs[R_ESP], bytes);
    gen_st_mem(d, val, gen_stack_addr(d, sp), bytes);
    gen_st_gpr(d, R_ESP, sp, x86_stack_bytes(d));
}

void gen_pop_load(DisasContext *d, TCGv_i64 dst, int bytes)
{
    gen_ld_mem(d, dst, gen_stack_addr(d, d->g->regs[R_ESP]), bytes);
}

void gen_add_rsp(DisasContext *d, int64_t delta)
{
    TCGv_i64 sp = tmp_new(d);

    tcg_gen_addi_i64(d->s, sp, d->g->regs[R_ESP], delta);
    gen_st_gpr(d, R_ESP, sp, x86_stack_bytes(d));
}

void gen_pop_update(DisasContext *d, int bytes)
{
    gen_add_rsp(d, bytes);
}

/* ---- lazy flags ---- */

void set_cc_op(DisasContext *d, uint32_t op)
{
    unsigned dead;

    if (d->cc_op == op) {
        return;
    }
    if (op != X86_CC_OP_DYNAMIC) {
        dead = ~cc_op_uses(op);
        if (dead & CC_USE_DST) {
            tcg_gen_discard_i64(d->s, d->g->cc_dst);
        }
        if (dead & CC_USE_SRC) {
            tcg_gen_discard_i64(d->s, d->g->cc_src);
        }
        if (dead & CC_USE_SRC2) {
            tcg_gen_discard_i64(d->s, d->g->cc_src2);
        }
    }
    d->cc_op = op;
    d->cc_op_dirty = op != X86_CC_OP_DYNAMIC;
}

void gen_update_cc_op(DisasContext *d)
{
    if (d->cc_op_dirty) {
        tcg_gen_movi_i32(d->s, d->g->cc_op, d->cc_op);
        d->cc_op_dirty = false;
    }
}

void gen_compute_eflags(DisasContext *d, TCGv_i64 dst)
{
    X86TCGGlobals *g = d->g;

    if (d->cc_op == CC_OP_EFLAGS) {
        tcg_gen_andi_i64(d->s, dst, g->cc_src, RF_ARITH);
    } else if (d->cc_op == CC_OP_CLR) {
        tcg_gen_movi_i64(d->s, dst, RF_ZF | RF_PF);
    } else {
        TCGv_i32 op = d->cc_op == X86_CC_OP_DYNAMIC
                      ? g->cc_op : tcg_constant_i32(d->s, d->cc_op);
        gen_helper_cc_compute_all(d->s, dst, g->cc_dst, g->cc_src, g->cc_src2,
                                  op);
    }
}

void gen_flush_flags(DisasContext *d)
{
    if (d->cc_op == CC_OP_EFLAGS) {
        return;
    }
    gen_compute_eflags(d, d->g->cc_src);
    set_cc_op(d, CC_OP_EFLAGS);
}

typedef struct CCPrepare {
    TCGCond cond;
    TCGv_i64 a, b;
} CCPrepare;

static CCPrepare cc_make(TCGCond c, TCGv_i64 a, TCGv_i64 b)
{
    return (CCPrepare){ c, a, b };
}

/* Condition jcc (cc >> 1) from a full flags value f. */
static CCPrepare cc_from_flags(DisasContext *d, TCGv_i64 f, int jcc)
{
    TCGContext *s = d->s;
    TCGv_i64 t, z;

    switch (jcc) {
    case 0: return cc_make(TCG_COND_TSTNE, f, tconst(d, RF_OF));
    case 1: return cc_make(TCG_COND_TSTNE, f, tconst(d, RF_CF));
    case 2: return cc_make(TCG_COND_TSTNE, f, tconst(d, RF_ZF));
    case 3: return cc_make(TCG_COND_TSTNE, f, tconst(d, RF_CF | RF_ZF));
    case 4: return cc_make(TCG_COND_TSTNE, f, tconst(d, RF_SF));
    case 5: return cc_make(TCG_COND_TSTNE, f, tconst(d, RF_PF));
    case 6:
        t = tmp_new(d);
        tcg_gen_shri_i64(s, t, f, 4);           /* OF -> SF position */
        tcg_gen_xor_i64(s, t, t, f);
        return cc_make(TCG_COND_TSTNE, t, tconst(d, RF_SF));
    default:
        t = tmp_new(d);
        tcg_gen_shri_i64(s, t, f, 4);
        tcg_gen_xor_i64(s, t, t, f);
        tcg_gen_andi_i64(s, t, t, RF_SF);
        z = tmp_new(d);
        tcg_gen_andi_i64(s, z, f, RF_ZF);
        tcg_gen_or_i64(s, t, t, z);
        return cc_make(TCG_COND_TSTNE, t, tconst(d, RF_SF | RF_ZF));
    }
}

static TCGv_i64 cc_ext(DisasContext *d, TCGv_i64 v, unsigned ot, bool sign)
{
    TCGv_i64 t = tmp_new(d);
    gen_ext_to(d, t, v, 1 << ot, sign);
    return t;
}

/* Fast paths from the static cc_op; returns false when none applies. */
static bool cc_fast(DisasContext *d, int jcc, CCPrepare *p)
{
    TCGContext *s = d->s;
    X86TCGGlobals *g = d->g;
    uint32_t kind = cc_op_kind(d->cc_op);
    unsigned ot = cc_op_ot(d->cc_op);
    TCGv_i64 zero = tconst(d, 0), a, b;

    if (d->cc_op == X86_CC_OP_DYNAMIC || d->cc_op == CC_OP_EFLAGS) {
        return false;
    }
    if (d->cc_op == CC_OP_CLR) {
        *p = cc_make(jcc == 2 || jcc == 3 || jcc == 5 || jcc == 7
                     ? TCG_COND_ALWAYS : TCG_COND_NEVER, zero, zero);
        return true;
    }
    if (jcc == 2) {             /* Z: every op keeps the result in dst */
        *p = cc_make(TCG_COND_EQ, cc_ext(d, g->cc_dst, ot, false), zero);
        return true;
    }
    if (jcc == 4) {             /* S */
        *p = cc_make(TCG_COND_LT, cc_ext(d, g->cc_dst, ot, true), zero);
        return true;
    }
    switch (kind) {
    case CC_OP_SUBB:
        if (jcc != 1 && jcc != 3 && jcc != 6 && jcc != 7) {
            return false;
        }
        a = tmp_new(d);
        tcg_gen_add_i64(s, a, g->cc_dst, g->cc_src);
        if (jcc == 1 || jcc == 3) {
            *p = cc_make(jcc == 1 ? TCG_COND_LTU : TCG_COND_LEU,
                         cc_ext(d, a, ot, false),
                         cc_ext(d, g->cc_src, ot, false));
        } else {
            *p = cc_make(jcc == 6 ? TCG_COND_LT : TCG_COND_LE,
                         cc_ext(d, a, ot, true), cc_ext(d, g->cc_src, ot, true));
        }
        return true;
    case CC_OP_LOGICB:
        switch (jcc) {
        case 0: case 1:
            *p = cc_make(TCG_COND_NEVER, zero, zero);
            return true;
        case 3:
            *p = cc_make(TCG_COND_EQ, cc_ext(d, g->cc_dst, ot, false), zero);
            return true;
        case 6:
            *p = cc_make(TCG_COND_LT, cc_ext(d, g->cc_dst, ot, true), zero);
            return true;
        case 7:
            *p = cc_make(TCG_COND_LE, cc_ext(d, g->cc_dst, ot, true), zero);
            return true;
        default:
            return false;
        }
    case CC_OP_ADDB:
        if (jcc != 1) {
            return false;
        }
        b = cc_ext(d, g->cc_src, ot, false);
        *p = cc_make(TCG_COND_LTU, cc_ext(d, g->cc_dst, ot, false), b);
        return true;
    default:
        return false;
    }
}

/*
 * CF alone with a dynamic cc_op (JB/JAE, SETB, ADC, SBB at a TB start):
 * a 32- or 64-bit SUB (CMP), the usual producer in the block before,
 * inline (CF = dst + src <u src); any other cc_op through the helper,
 * which skips the PF/AF work.
 */
static TCGv_i64 gen_compute_c_dynamic(DisasContext *d)
{
    static const uint32_t subs[2] = { CC_OP_SUBL, CC_OP_SUBQ };
    TCGContext *s = d->s;
    X86TCGGlobals *g = d->g;
    TCGv_i64 f = tmp_new(d), a = tmp_new(d), b = tmp_new(d);
    TCGLabel *done = tcg_label_new(s);

    for (int i = 0; i < 2; i++) {
        TCGLabel *next = tcg_label_new(s);
        unsigned bytes = i ? 8 : 4;
        tcg_gen_brcondi_i32(s, TCG_COND_NE, g->cc_op, subs[i], next);
        tcg_gen_add_i64(s, a, g->cc_dst, g->cc_src);
        gen_ext_to(d, a, a, bytes, false);
        gen_ext_to(d, b, g->cc_src, bytes, false);
        tcg_gen_setcond_i64(s, TCG_COND_LTU, f, a, b);
        tcg_gen_br(s, done);
        tcg_gen_set_label(s, next);
    }
    gen_helper_cc_compute_c(s, f, g->cc_dst, g->cc_src, g->cc_src2, g->cc_op);
    tcg_gen_set_label(s, done);
    return f;
}

static CCPrepare gen_prepare_cc(DisasContext *d, int jcc)
{
    CCPrepare p;
    TCGv_i64 f;

    if (cc_fast(d, jcc, &p)) {
        return p;
    }
    if (d->cc_op == CC_OP_EFLAGS) {
        return cc_from_flags(d, d->g->cc_src, jcc);
    }
    if (jcc == 1 && d->cc_op == X86_CC_OP_DYNAMIC) {
        return cc_make(TCG_COND_NE, gen_compute_c_dynamic(d), tconst(d, 0));
    }
    f = tmp_new(d);
    gen_compute_eflags(d, f);
    return cc_from_flags(d, f, jcc);
}

void gen_setcc(DisasContext *d, TCGv_i64 dst, int cc)
{
    CCPrepare p = gen_prepare_cc(d, (cc >> 1) & 7);
    TCGCond c = (cc & 1) ? tcg_invert_cond(p.cond) : p.cond;

    if (c == TCG_COND_ALWAYS || c == TCG_COND_NEVER) {
        tcg_gen_movi_i64(d->s, dst, c == TCG_COND_ALWAYS);
    } else {
        tcg_gen_setcond_i64(d->s, c, dst, p.a, p.b);
    }
}

void gen_jcc_label(DisasContext *d, int cc, TCGLabel *l)
{
    CCPrepare p = gen_prepare_cc(d, (cc >> 1) & 7);
    TCGCond c = (cc & 1) ? tcg_invert_cond(p.cond) : p.cond;

    tcg_gen_brcond_i64(d->s, c, p.a, p.b, l);
}

void gen_cc_op_dynamic_start(DisasContext *d)
{
    gen_update_cc_op(d);
    if (d->insn_start_op && d->insn_start_op->opc == INDEX_op_insn_start) {
        d->insn_start_op->args[1] = X86_CC_OP_DYNAMIC;
    }
}

void gen_get_cf(DisasContext *d, TCGv_i64 dst)
{
    gen_setcc(d, dst, 2);
}

/* ---- control flow ---- */

void gen_update_rip_cur(DisasContext *d)
{
    tcg_gen_movi_i64(d->s, d->g->rip, d->rip);
}

void gen_update_rip_next(DisasContext *d)
{
    tcg_gen_movi_i64(d->s, d->g->rip, d->next_rip);
}

void gen_sync_state(DisasContext *d)
{
    gen_update_rip_cur(d);
    gen_update_cc_op(d);
}

static bool can_chain(const DisasContext *d)
{
    return !(d->flags & (HF_TF | HF_INHIBIT_IRQ));
}

/*
 * Single-step trap (SDM Vol. 3, 17.3.1.4): with TF set when the block
 * (one instruction) began, #DB with DR6.BS after it completes, RIP
 * already at the next instruction. A MOV SS / POP SS in the block
 * (interrupt shadow 2, not inherited) holds it off until after the next.
 */
static void gen_single_step(DisasContext *d)
{
    TCGContext *s = d->s;
    TCGLabel *skip = NULL;
    TCGv_i64 t;

    if (!(d->flags & HF_TF)) {
        return;
    }
    t = tcg_temp_new_i64(s);
    if (!(d->flags & HF_INHIBIT_IRQ)) {
        skip = tcg_label_new(s);
        tcg_gen_ld8u_i64(s, t, tcg_env(s),
                         offsetof(CPUX86TCG, st.interrupt_shadow));
        tcg_gen_brcondi_i64(s, TCG_COND_EQ, t, 2, skip);
    }
    tcg_gen_ld_i64(s, t, tcg_env(s), offsetof(CPUX86TCG, st.dr[6]));
    tcg_gen_ori_i64(s, t, t, 1u << 14);
    tcg_gen_st_i64(s, t, tcg_env(s), offsetof(CPUX86TCG, st.dr[6]));
    tcg_temp_free_i64(s, t);
    gen_helper_raise_exception(s, tcg_env(s), tcg_constant_i32(s, EXCP_DB));
    if (skip) {
        tcg_gen_set_label(s, skip);
    }
}

/*
 * Ends the block by looking up the next one (RIP stored, cc_op synced).
 * A near jump keeps CS, so where this block's cs_base is 0 the target's
 * is too, and its linear pc is RIP (pc: RIP as a constant, or NULL for
 * the RIP global): lookup_goto_ptr may then test the jump cache inline,
 * whose entries hold no cs_base (accel/tcg/tb-maint.c gives keys to TBs
 * with cs_base 0 only). Anything else calls lookup_tb_ptr, which also
 * takes a maskable interrupt a far transfer's new RFLAGS.IF lets in.
 */
static void gen_lookup_next(DisasContext *d, TCGv_i64 pc, bool near)
{
    TCGContext *s = d->s;

    d->is_jmp = DISAS_NORETURN;
    if (!can_chain(d) || d->no_lookup) {
        gen_single_step(d);
        tcg_gen_exit_tb(s, NULL, 0);
    } else if (near && d->cs_base == 0) {
        tcg_gen_lookup_goto_ptr(s, pc ? pc : d->g->rip,
                                &helper_info_lookup_tb_ptr);
    } else {
        TCGv_ptr p = tcg_temp_new_ptr(s);
        gen_helper_lookup_tb_ptr(s, p, tcg_env(s));
        tcg_gen_goto_ptr(s, p);
        tcg_temp_free_ptr(s, p);
    }
}

/* The jump target is in another page than the TB's start. */
static bool jmp_leaves_page(const DisasContext *d, uint64_t rip)
{
    uint64_t linear = d->cs_base + rip;

    if (!d->code64) {
        linear = (uint32_t)linear;
    }
    return ((linear ^ d->tb->pc) & TCG_PAGE_MASK) != 0;
}

/*
 * A direct jump: goto_tb, which the exec loop chains only within the
 * page of the TB's start (a chain must not survive a change of mapping);
 * to another page, a jump-cache lookup (which checks the mapping) so the
 * jump still stays in generated code.
 */
void gen_jmp_tb(DisasContext *d, uint64_t rip, int n)
{
    gen_update_cc_op(d);
    if (can_chain(d) && !d->no_lookup && jmp_leaves_page(d, rip)) {
        tcg_gen_movi_i64(d->s, d->g->rip, rip);
        gen_lookup_next(d, tcg_constant_i64(d->s, rip), true);
        return;
    }
    if (can_chain(d)) {
        tcg_gen_goto_tb(d->s, n);
        tcg_gen_movi_i64(d->s, d->g->rip, rip);
        tcg_gen_exit_tb(d->s, d->tb->tb, n);
    } else {
        tcg_gen_movi_i64(d->s, d->g->rip, rip);
        gen_single_step(d);
        tcg_gen_exit_tb(d->s, NULL, 0);
    }
    d->is_jmp = DISAS_NORETURN;
}

void gen_eob(DisasContext *d, bool lookup)
{
    gen_update_cc_op(d);
    if (lookup) {
        gen_lookup_next(d, NULL, false);
        return;
    }
    gen_single_step(d);
    tcg_gen_exit_tb(d->s, NULL, 0);
    d->is_jmp = DISAS_NORETURN;
}

void gen_exception_err(DisasContext *d, int vector, uint32_t err)
{
    gen_sync_state(d);
    gen_helper_raise_exception_err(d->s, tcg_env(d->s),
                                   tcg_constant_i32(d->s, vector),
                                   tcg_constant_i32(d->s, err));
    tcg_gen_exit_tb(d->s, NULL, 0);
    d->is_jmp = DISAS_NORETURN;
}

void gen_exception(DisasContext *d, int vector)
{
    gen_sync_state(d);
    gen_helper_raise_exception(d->s, tcg_env(d->s),
                               tcg_constant_i32(d->s, vector));
    tcg_gen_exit_tb(d->s, NULL, 0);
    d->is_jmp = DISAS_NORETURN;
}

void gen_illegal(DisasContext *d)
{
    gen_exception(d, EXCP_UD);
}

/* ---- dispatch ---- */

#define X86_GEN_ENTRY(name) [X86_M_##name] = gen_##name,
X86GenFn *const x86_gen_table[X86_M_COUNT] = {
    X86_GEN_LIST(X86_GEN_ENTRY)
};
#undef X86_GEN_ENTRY

static void gen_insn(DisasContext *d, const X86Insn *in)
{
    X86GenFn *fn = in->mnem < X86_M_COUNT ? x86_gen_table[in->mnem] : NULL;

    if (fn) {
        fn(d, in);
    } else if (!x86_gen_x87(d, in) && !x86_gen_sys(d, in)) {
        gen_illegal(d);
    }
}

/* ---- the per-TB driver ---- */

/*
 * A block that starts in an interrupt shadow (HF_INHIBIT_IRQ: the previous
 * instruction was STI, MOV SS or POP SS) holds one instruction; the shadow
 * ends with it. Cleared before that instruction runs, so an STI or MOV SS
 * there opens a new one (their helpers set it again).
 */
static void gen_reset_inhibit_irq(DisasContext *d)
{
    TCGContext *s = d->s;
    TCGv_i64 t = tcg_temp_new_i64(s);

    tcg_gen_movi_i64(s, t, 0);
    tcg_gen_st8_i64(s, t, tcg_env(s),
                    offsetof(CPUX86TCG, st.interrupt_shadow));
    tcg_gen_ld32u_i64(s, t, tcg_env(s), offsetof(CPUX86TCG, hflags));
    tcg_gen_andi_i64(s, t, t, ~(uint64_t)HF_INHIBIT_IRQ);
    tcg_gen_st32_i64(s, t, tcg_env(s), offsetof(CPUX86TCG, hflags));
    tcg_temp_free_i64(s, t);
}

/*
 * Debug points (accel/tcg/debug.c): an instruction at an execute
 * breakpoint calls helper_debug_bp first. RFLAGS.RF (SDM Vol. 3, 17.3.1.1)
 * is cleared once the first instruction of a block that starts with it has
 * passed that check; such a block holds that one instruction.
 */
static void gen_debug_checks(DisasContext *d, uint64_t pc, bool first)
{
    TCGContext *s = d->s;
    TCGv_i64 t;

    if (x86_debug_bp_at(d->env, pc)) {
        gen_sync_state(d);
        gen_helper_debug_bp(s, tcg_env(s));
    }
    if (!first || !(d->flags & HF_RF)) {
        return;
    }
    t = tcg_temp_new_i64(s);
    tcg_gen_ld_i64(s, t, tcg_env(s), offsetof(CPUX86TCG, st.rflags));
    tcg_gen_andi_i64(s, t, t, ~(uint64_t)RF_RF);
    tcg_gen_st_i64(s, t, tcg_env(s), offsetof(CPUX86TCG, st.rflags));
    tcg_gen_ld32u_i64(s, t, tcg_env(s), offsetof(CPUX86TCG, hflags));
    tcg_gen_andi_i64(s, t, t, ~(uint64_t)HF_RF);
    tcg_gen_st32_i64(s, t, tcg_env(s), offsetof(CPUX86TCG, hflags));
    tcg_temp_free_i64(s, t);
}

static void disas_init(DisasContext *d, TCGContext *s, X86TCGGlobals *g,
                       CPUX86TCG *env, X86TBDesc *tb)
{
    uint32_t f = tb->flags;

    memset(d, 0, sizeof(*d));
    d->s = s;
    d->g = g;
    d->env = env;
    d->tb = tb;
    d->flags = f;
    d->cs_base = tb->cs_base;
    d->code64 = f & HF_CODE64;
    d->mode = d->code64 ? 64 : (f & HF_CS32) ? 32 : 16;
    d->pe = f & HF_PE;
    d->vm = f & HF_VM;
    d->ss32 = f & HF_SS32;
    d->cpl = f & HF_CPL_MASK;
    if (d->cpl == 3) {
        d->mmu_idx = MMU_USER_IDX;
    } else {
        d->mmu_idx = (f & HF_SMAP) && !(f & HF_AC) ? MMU_KSMAP_IDX
                                                  : MMU_KNOSMAP_IDX;
    }
    d->cc_op = X86_CC_OP_DYNAMIC;
}

/* Fetches and decodes the instruction at pc; returns its length, 0 to
   end the block before it, or a negative X86_DECODE_* code. */
static int disas_fetch(DisasContext *d, X86Insn *in, uint64_t pc, bool first)
{
    uint8_t buf[16];
    size_t n = d->fetch(d->env, pc, buf, 15, first);
    int r;

    if (n == 0) {
        return 0;
    }
    r = x86_decode(in, buf, n, d->mode);
    if (r == X86_DECODE_MORE && n < 15) {
        if (!first) {
            return 0;
        }
        /* the first instruction runs into an unmapped page: fault there */
        n += d->fetch(d->env, pc + n, buf + n, 15 - n, true);
        r = x86_decode(in, buf, n, d->mode);
    }
    return r;
}

/*
 * A TB may run on into the page after the one it starts in (a loop that
 * straddles a page boundary stays one block), never further: the runtime
 * tracks two physical pages per TB. Not across a 4 GiB line either,
 * where 32-bit linear addresses wrap.
 */
static bool tb_past_pages(const X86TBDesc *tb, uint64_t pc)
{
    uint64_t first = tb->pc & TCG_PAGE_MASK, page = pc & TCG_PAGE_MASK;

    if (page == first) {
        return false;
    }
    return page != first + TCG_PAGE_SIZE || (page >> 32) != (first >> 32);
}

/*
 * A kick sets env->tb_exit_req instead of unchaining every TB: each TB
 * that can be chained to tests it on entry and leaves before its first
 * instruction (a load and a branch), so a loop of chained TBs still comes
 * back to the exec loop at once.
 */
static TCGLabel *gen_tb_entry_check(DisasContext *d)
{
    TCGContext *s = d->s;
    TCGLabel *l;
    TCGv_i32 t;

    if (d->no_lookup) {
        return NULL;
    }
    l = tcg_label_new(s);
    t = tcg_temp_new_i32(s);
    tcg_gen_ld_i32(s, t, tcg_env(s), offsetof(CPUX86TCG, tb_exit_req));
    tcg_gen_brcondi_i32(s, TCG_COND_NE, t, 0, l);
    tcg_temp_free_i32(s, t);
    return l;
}

/* The exit of the entry check: nothing ran, RIP is the TB's start. */
static void gen_tb_entry_exit(DisasContext *d, TCGLabel *l)
{
    uint64_t rip = d->tb->pc - d->cs_base;

    if (!l) {
        return;
    }
    if (!d->code64) {
        rip &= 0xffffffffu;
    }
    tcg_gen_set_label(d->s, l);
    tcg_gen_movi_i64(d->s, d->g->rip, rip);
    tcg_gen_exit_tb(d->s, d->tb->tb, TB_EXIT_REQUESTED);
}

int x86_gen_tb(TCGContext *s, X86TCGGlobals *g, CPUX86TCG *env,
               X86TBDesc *tb)
{
    return x86_gen_tb_hooks(s, g, env, tb, NULL);
}

int x86_gen_tb_hooks(TCGContext *s, X86TCGGlobals *g, CPUX86TCG *env,
                     X86TBDesc *tb, const X86GenHooks *hooks)
{
    DisasContext d;
    unsigned max = tb->max_insns ? tb->max_insns : TCG_MAX_INSNS;
    uint64_t pc = tb->pc;
    TCGLabel *exit_req;

    if (max > 256) {
        max = 256;
    }
    disas_init(&d, s, g, env, tb);
    d.fetch = hooks && hooks->fetch ? hooks->fetch : x86_code_fetch;
    d.no_lookup = hooks && hooks->no_lookup;
    tcg_func_start(s);
    exit_req = gen_tb_entry_check(&d);
    tb->icount = 0;
    for (;;) {
        X86Insn in;
        int r = disas_fetch(&d, &in, pc, tb->icount == 0);

        d.rip = pc - d.cs_base;
        if (!d.code64) {
            d.rip &= 0xffffffffu;
        }
        if (r == 0) {
            gen_jmp_tb(&d, d.rip, 0);
            break;
        }
        tcg_gen_insn_start(s, d.rip, d.cc_op);
        d.insn_start_op = s->ops_head.prev;
        tb->icount++;
        if (tb->icount == 1 && (d.flags & HF_INHIBIT_IRQ)) {
            gen_reset_inhibit_irq(&d);
        }
        gen_debug_checks(&d, pc, tb->icount == 1);
        d.insn = &in;
        d.pc_start = pc;
        if (r < 0) {
            pc += in.len ? in.len : 1;
            d.next_rip = d.rip + 1;
            gen_exception(&d, r == X86_DECODE_GP ? EXCP_GP : EXCP_UD);
        } else {
            d.next_rip = d.rip + in.len;
            if (!d.code64) {
                d.next_rip &= 0xffffffffu;
            }
            pc += in.len;
            gen_insn(&d, &in);
        }
        tmp_free_all(&d);
        if (d.is_jmp != DISAS_NEXT) {
            break;
        }
        if (tb->icount >= max || s->nb_ops > 4000 ||
            (d.flags & (HF_TF | HF_INHIBIT_IRQ | HF_RF)) ||
            tb_past_pages(tb, pc)) {
            gen_jmp_tb(&d, d.next_rip, 0);
            break;
        }
    }
    switch (d.is_jmp) {
    case DISAS_EOB_NEXT:
        gen_update_rip_next(&d);
        gen_eob(&d, false);
        break;
    case DISAS_EOB_ONLY:
        gen_eob(&d, false);
        break;
    case DISAS_JUMP:
        gen_update_cc_op(&d);
        gen_lookup_next(&d, NULL, true);
        break;
    case DISAS_JUMP_FAR:
        gen_eob(&d, true);
        break;
    default:
        break;
    }
    tmp_free_all(&d);
    gen_tb_entry_exit(&d, exit_req);
    tb->size = pc - tb->pc;
    return 0;
}
