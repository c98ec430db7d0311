/*
 * Instruction selection for the native x86-64 TCG backend: one emitter per
 * op of tcg/ops.def (semantics as documented there), plus the soft-TLB
 * fast path of qemu_ld/qemu_st (tcg/tlb.h) and its out-of-line slow paths.
 *
 * Every handler follows the same order: load inputs into registers (or
 * take them as immediates), release the inputs that die here, allocate
 * outputs (which may reuse a dying input's register), emit, then let
 * x64_out_finish() apply the SYNC/DEAD bits of the outputs.
 *
 * Guest memory fast path, for an access of n bytes at address A:
 *     t0 = env + tlb_offset + mmu_idx * sizeof(table) +
 *          ((A >> PAGE_BITS) & TLB_MASK) * sizeof(TCGTLBEntry)
 *     [MO_ALIGN: test A, n - 1; jnz slow]
 *     t1 = (A + n - 1) & PAGE_MASK        (A & PAGE_MASK when aligned)
 *     cmp t1, [t0 + addr_read|addr_write]; jne slow
 *     access [A + t0->addend]
 * Comparing the page of the last byte against an entry indexed by the
 * first byte makes page-crossing accesses miss; TLB flag bits in the
 * entry make flagged pages miss. The alignment test is separate because
 * the flag bits overlap the low address bits.
 *
 * Slow path return address: the slow path passes the address of the
 * fast path's continuation point (the instruction right after the host
 * access, inside the TB's main code), not its own return address. So
 * tcg_insn_data_find(tb, ra - 1 - code) lands inside the fast path of
 * the faulting op and yields its guest instruction, like a helper call's
 * natural return address does. Before slow paths and before helpers that
 * may fault (not TCG_CALL_NO_READ_GLOBALS) the same return address is also
 * stored in s->exec_ra, as the interpreter does, so the runtime can use
 * either.
 */
#if defined(__x86_64__)   /* the host this backend emits code for */

#include <assert.h>
#include <stddef.h>

#include "tcg/eval.h"
#include "tcg/jmp-cache.h"
#include "tcg/tlb.h"
#include "tcg/x86_64/x86_64-emit.h"

static const int8_t x64_call_regs[6] = {
    X64_RDI, X64_RSI, X64_RDX, X64_RCX, X64_R8, X64_R9,
};

/* ------------------------------------------------------------------ */
/* operand helpers */

static TCGTemp *x64_arg(X64Gen *g, const TCGOp *op, unsigned i)
{
    return &g->s->temps[op->args[i]];
}

static bool x64_arg_const(X64Gen *g, const TCGOp *op, unsigned i,
                          uint64_t *v)
{
    TCGTemp *t = x64_arg(g, op, i);

    if (t->kind == TEMP_CONST) {
        *v = t->val;
        return true;
    }
    return false;
}

/* A constant as an instruction immediate of the given width, if it fits. */
static bool x64_imm(bool is64, uint64_t v, int64_t *imm)
{
    if (!is64) {
        *imm = (int32_t)(uint32_t)v;
        return true;
    }
    *imm = (int64_t)v;
    return x64_fits_s32(*imm);
}

static int x64_in(X64Gen *g, const TCGOp *op, unsigned i, uint16_t avoid)
{
    return x64_temp_load(g, x64_arg(g, op, i), avoid);
}

static void x64_free_dead_inputs(X64Gen *g, const TCGOp *op)
{
    unsigned no = tcg_op_nb_oargs(op), ni = tcg_op_nb_iargs(op);

    for (unsigned i = no; i < no + ni; i++) {
        TCGTemp *t = x64_arg(g, op, i);
        X64TempState *ts = x64_ts(g, t);

        if (!(op->life & TCG_LIFE_DEAD(i)) || t->kind == TEMP_FIXED) {
            continue;
        }
        if (ts->loc == LOC_REG) {
            g->dead_mask |= X64_BIT(ts->reg);
        }
        x64_temp_release(g, t);
    }
}

/* Allocates output i; prefer (if >= 0) is tried first. */
static int x64_out(X64Gen *g, const TCGOp *op, unsigned i, uint16_t avoid,
                   int prefer)
{
    TCGTemp *t = x64_arg(g, op, i);
    X64TempState *ts = x64_ts(g, t);
    uint16_t saved = g->locked;
    int r;

    if (ts->loc == LOC_REG) {
        /* the old value is overwritten: its register is free to reuse */
        g->reg_temp[ts->reg] = -1;
        if (prefer < 0 && !(g->locked & X64_BIT(ts->reg))) {
            prefer = ts->reg;
        }
        ts->loc = LOC_DEAD;
    }
    g->locked &= ~g->dead_mask;
    if (prefer >= 0 && !(avoid & X64_BIT(prefer)) &&
        !(g->locked & X64_BIT(prefer)) && g->reg_temp[prefer] < 0 &&
        (X64_ALLOCATABLE & X64_BIT(prefer))) {
        r = prefer;
    } else {
        r = x64_reg_alloc(g, avoid);
    }
    g->locked = (uint16_t)(saved | X64_BIT(r));
    g->dead_mask &= ~X64_BIT(r);
    x64_temp_bind(g, t, r);
    return r;
}

/* Binds output i to a fixed register (already evicted and locked). */
static void x64_out_fixed(X64Gen *g, const TCGOp *op, unsigned i, int reg)
{
    TCGTemp *t = x64_arg(g, op, i);
    X64TempState *ts = x64_ts(g, t);

    if (ts->loc == LOC_REG && ts->reg != reg) {
        g->reg_temp[ts->reg] = -1;
    }
    x64_temp_bind(g, t, reg);
}

/* The register of input i if it dies here, for output reuse. */
static int x64_dying(X64Gen *g, const TCGOp *op, int reg)
{
    (void)op;
    return (g->dead_mask & X64_BIT(reg)) ? reg : -1;
}

static void x64_out_finish(X64Gen *g, const TCGOp *op)
{
    unsigned no = tcg_op_nb_oargs(op);

    for (unsigned i = 0; i < no; i++) {
        TCGTemp *t = x64_arg(g, op, i);
        if (op->life & TCG_LIFE_SYNC(i)) {
            x64_temp_sync(g, t);
        }
        if (op->life & TCG_LIFE_DEAD(i)) {
            x64_temp_release(g, t);
        }
    }
}

static bool x64_op_is64(const TCGOp *op)
{
    return (tcg_op_defs[op->opc].flags & TCG_OPF_64BIT) != 0;
}

/* ------------------------------------------------------------------ */
/* labels and calls */

static void x64_add_reloc(X64Gen *g, uint8_t *rel, TCGArg label)
{
    if (g->nb_relocs == g->relocs_cap) {
        g->relocs_cap = g->relocs_cap ? 2 * g->relocs_cap : 64;
        g->relocs = xrealloc(g->relocs, g->relocs_cap * sizeof(X64Reloc));
    }
    g->relocs[g->nb_relocs++] = (X64Reloc){ (uint32_t)(rel - g->start),
                                            (uint32_t)label };
}

static const uint8_t *x64_rx(X64Gen *g, const uint8_t *rw)
{
    return g->be->buf_rx + (rw - g->be->buf_rw);
}

void x64_emit_call_abs(X64Gen *g, const void *func)
{
    int64_t disp = (int64_t)((uintptr_t)func -
                             (uintptr_t)(x64_rx(g, g->ptr) + 5));

    if (x64_fits_s32(disp)) {
        x64_out8(g, OPC_CALL_Jz);
        x64_out32(g, (uint32_t)disp);
    } else {
        x64_movi(g, X64_REG_TMP, (uintptr_t)func);
        x64_modrm(g, OPC_GRP5, EXT5_CALLN_Ev, X64_REG_TMP);
    }
}

/* s->exec_ra = reg (see the fault recovery note in tcg/tcg.h) */
static void x64_emit_store_exec_ra(X64Gen *g, int reg)
{
    x64_movi(g, X64_REG_TMP, (uintptr_t)&g->s->exec_ra);
    x64_modrm_mem(g, OPC_MOVL_EvGv | P_REXW, reg, X64_REG_TMP, 0);
}

/* ------------------------------------------------------------------ */
/* moves, loads, stores */

static void x64_gen_movi(X64Gen *g, const TCGOp *op)
{
    uint64_t v = x64_op_is64(op) ? op->args[1] : (uint32_t)op->args[1];
    int rd = x64_out(g, op, 0, 0, -1);

    x64_movi(g, rd, v);
    x64_out_finish(g, op);
}

static void x64_gen_mov(X64Gen *g, const TCGOp *op)
{
    bool is64 = x64_op_is64(op);
    TCGTemp *a = x64_arg(g, op, 1);
    X64TempState *ta = x64_ts(g, a);
    uint64_t v;
    int ra, rd;

    if ((op->life & TCG_LIFE_DEAD(1)) && ta->loc == LOC_REG &&
        a->kind != TEMP_FIXED) {
        /* the source dies: the destination takes over its register */
        int r = ta->reg;
        x64_temp_release(g, a);
        x64_out_fixed(g, op, 0, r);
        x64_out_finish(g, op);
        return;
    }
    if (x64_arg_const(g, op, 1, &v)) {
        rd = x64_out(g, op, 0, 0, -1);
        x64_movi(g, rd, is64 ? v : (uint32_t)v);
    } else {
        ra = x64_in(g, op, 1, 0);
        x64_free_dead_inputs(g, op);
        rd = x64_out(g, op, 0, 0, x64_dying(g, op, ra));
        x64_mov_rr(g, is64, rd, ra);
    }
    x64_out_finish(g, op);
}

/* [base + off] with any 64-bit offset (large ones through r11) */
static void x64_mem_op(X64Gen *g, int opc, int r, int base, int64_t off)
{
    if (x64_fits_s32(off)) {
        x64_modrm_mem(g, opc, r, base, (int32_t)off);
    } else {
        x64_movi(g, X64_REG_TMP, (uint64_t)off);
        x64_modrm_sib(g, opc, r, base, X64_REG_TMP, 0, 0);
    }
}

static int x64_ld_opc(TCGOpcode opc)
{
    switch (opc) {
    case INDEX_op_ld8u_i32: case INDEX_op_ld8u_i64: return OPC_MOVZBL;
    case INDEX_op_ld8s_i32: return OPC_MOVSBL;
    case INDEX_op_ld8s_i64: return OPC_MOVSBL | P_REXW;
    case INDEX_op_ld16u_i32: case INDEX_op_ld16u_i64: return OPC_MOVZWL;
    case INDEX_op_ld16s_i32: return OPC_MOVSWL;
    case INDEX_op_ld16s_i64: return OPC_MOVSWL | P_REXW;
    case INDEX_op_ld32s_i64: return OPC_MOVSLQ;
    case INDEX_op_ld_i64: return OPC_MOVL_GvEv | P_REXW;
    default: return OPC_MOVL_GvEv;      /* ld_i32, ld32u_i64 */
    }
}

static void x64_gen_ld(X64Gen *g, const TCGOp *op)
{
    int base = x64_in(g, op, 1, 0);
    int rd;

    x64_free_dead_inputs(g, op);
    rd = x64_out(g, op, 0, 0, x64_dying(g, op, base));
    /* the memory form never needs a byte-register REX */
    x64_mem_op(g, x64_ld_opc(op->opc) & ~P_BYTE_RM, rd, base,
               (int64_t)op->args[2]);
    x64_out_finish(g, op);
}

static void x64_gen_st(X64Gen *g, const TCGOp *op)
{
    unsigned size;
    int base, rv, opc;
    uint64_t v;

    switch (op->opc) {
    case INDEX_op_st8_i32: case INDEX_op_st8_i64: size = 1; break;
    case INDEX_op_st16_i32: case INDEX_op_st16_i64: size = 2; break;
    case INDEX_op_st_i64: size = 8; break;
    default: size = 4; break;
    }
    base = x64_in(g, op, 1, 0);
    if (x64_arg_const(g, op, 0, &v) &&
        (size < 8 || x64_fits_s32((int64_t)v))) {
        opc = size == 1 ? OPC_MOVB_EvIb : OPC_MOVL_EvIz;
        opc |= size == 2 ? P_DATA16 : size == 8 ? P_REXW : 0;
        x64_mem_op(g, opc, 0, base, (int64_t)op->args[2]);
        if (size == 1) {
            x64_out8(g, (uint8_t)v);
        } else if (size == 2) {
            x64_out8(g, (uint8_t)v);
            x64_out8(g, (uint8_t)(v >> 8));
        } else {
            x64_out32(g, (uint32_t)v);
        }
    } else {
        rv = x64_in(g, op, 0, 0);
        opc = size == 1 ? OPC_MOVB_EvGv : OPC_MOVL_EvGv;
        opc |= size == 2 ? P_DATA16 : size == 8 ? P_REXW : 0;
        x64_mem_op(g, opc, rv, base, (int64_t)op->args[2]);
    }
    x64_free_dead_inputs(g, op);
}

/* ------------------------------------------------------------------ */
/* arithmetic */

static void x64_gen_arith(X64Gen *g, const TCGOp *op, int ext, bool comm)
{
    bool is64 = x64_op_is64(op);
    int ra = x64_in(g, op, 1, 0);
    int rb = -1, rd;
    uint64_t v;
    int64_t imm = 0;

    if (!x64_arg_const(g, op, 2, &v) || !x64_imm(is64, v, &imm)) {
        if (is64 && ext == ARITH_AND && x64_arg_const(g, op, 2, &v) &&
            v <= UINT32_MAX) {
            /* a 32-bit AND zero-extends, as the mask's high half would */
            is64 = false;
            imm = (int32_t)(uint32_t)v;
        } else {
            rb = x64_in(g, op, 2, 0);
        }
    }
    x64_free_dead_inputs(g, op);
    rd = x64_out(g, op, 0, 0, x64_dying(g, op, ra));
    if (rb < 0) {
        if (ext == ARITH_ADD && rd != ra) {
            /* lea rd, [ra + imm] */
            x64_modrm_mem(g, OPC_LEA | x64_rexw(is64), rd, ra, (int32_t)imm);
            x64_out_finish(g, op);
            return;
        }
        x64_mov_rr(g, is64, rd, ra);
        x64_arith_ri(g, is64, ext, rd, imm);
    } else if (rd == ra) {
        x64_arith_rr(g, is64, ext, rd, rb);
    } else if (rd == rb && comm) {
        x64_arith_rr(g, is64, ext, rd, ra);
    } else if (rd == rb) {
        /* rd = ra - rd: negate, then add */
        x64_modrm(g, OPC_GRP3_Ev | x64_rexw(is64), EXT3_NEG, rd);
        x64_arith_rr(g, is64, ARITH_ADD, rd, ra);
    } else {
        x64_mov_rr(g, is64, rd, ra);
        x64_arith_rr(g, is64, ext, rd, rb);
    }
    x64_out_finish(g, op);
}

static void x64_gen_mul(X64Gen *g, const TCGOp *op)
{
    bool is64 = x64_op_is64(op);
    int ra = x64_in(g, op, 1, 0);
    int rb = -1, rd;
    uint64_t v;
    int64_t imm = 0;

    if (!x64_arg_const(g, op, 2, &v) || !x64_imm(is64, v, &imm)) {
        rb = x64_in(g, op, 2, 0);
    }
    x64_free_dead_inputs(g, op);
    rd = x64_out(g, op, 0, 0, x64_dying(g, op, ra));
    if (rb < 0) {
        if (x64_fits_s8(imm)) {
            x64_modrm(g, OPC_IMUL_GvEvIb | x64_rexw(is64), rd, ra);
            x64_out8(g, (uint8_t)imm);
        } else {
            x64_modrm(g, OPC_IMUL_GvEvIz | x64_rexw(is64), rd, ra);
            x64_out32(g, (uint32_t)imm);
        }
    } else if (rd == rb) {
        x64_modrm(g, OPC_IMUL_GvEv | x64_rexw(is64), rd, ra);
    } else {
        x64_mov_rr(g, is64, rd, ra);
        x64_modrm(g, OPC_IMUL_GvEv | x64_rexw(is64), rd, rb);
    }
    x64_out_finish(g, op);
}

static void x64_gen_andc(X64Gen *g, const TCGOp *op)
{
    bool is64 = x64_op_is64(op);
    int ra = x64_in(g, op, 1, 0);
    int rb = -1, rd;
    uint64_t v;
    int64_t imm = 0;

    if (!x64_arg_const(g, op, 2, &v) || !x64_imm(is64, ~v, &imm)) {
        rb = x64_in(g, op, 2, 0);
    }
    x64_free_dead_inputs(g, op);
    rd = x64_out(g, op, 0, 0, x64_dying(g, op, ra));
    if (rb >= 0) {
        x64_mov_rr(g, true, X64_REG_TMP, rb);
        x64_modrm(g, OPC_GRP3_Ev | x64_rexw(is64), EXT3_NOT, X64_REG_TMP);
    }
    x64_mov_rr(g, is64, rd, ra);
    if (rb >= 0) {
        x64_arith_rr(g, is64, ARITH_AND, rd, X64_REG_TMP);
    } else {
        x64_arith_ri(g, is64, ARITH_AND, rd, imm);
    }
    x64_out_finish(g, op);
}

static void x64_gen_unary3(X64Gen *g, const TCGOp *op, int ext)
{
    bool is64 = x64_op_is64(op);
    int ra = x64_in(g, op, 1, 0);
    int rd;

    x64_free_dead_inputs(g, op);
    rd = x64_out(g, op, 0, 0, x64_dying(g, op, ra));
    x64_mov_rr(g, is64, rd, ra);
    x64_modrm(g, OPC_GRP3_Ev | x64_rexw(is64), ext, rd);
    x64_out_finish(g, op);
}

static void x64_gen_shift(X64Gen *g, const TCGOp *op, int ext)
{
    bool is64 = x64_op_is64(op);
    unsigned width = is64 ? 64 : 32;
    TCGTemp *a = x64_arg(g, op, 1), *b = x64_arg(g, op, 2);
    uint64_t v;
    int ra, rd;

    if (x64_arg_const(g, op, 2, &v)) {
        ra = x64_in(g, op, 1, 0);
        x64_free_dead_inputs(g, op);
        rd = x64_out(g, op, 0, 0, x64_dying(g, op, ra));
        x64_mov_rr(g, is64, rd, ra);
        if (v & (width - 1)) {
            x64_shift_ri(g, is64, ext, rd, (unsigned)(v & (width - 1)));
        }
        x64_out_finish(g, op);
        return;
    }
    /* variable count: it must be in cl */
    if (!(x64_ts(g, b)->loc == LOC_REG && x64_ts(g, b)->reg == X64_RCX)) {
        x64_reg_evict(g, X64_RCX, X64_BIT(X64_RCX));
    }
    g->locked |= X64_BIT(X64_RCX);
    ra = x64_in(g, op, 1, a == b ? 0 : X64_BIT(X64_RCX));
    if (!(x64_ts(g, b)->loc == LOC_REG && x64_ts(g, b)->reg == X64_RCX)) {
        x64_temp_copy_to(g, b, X64_RCX);
    }
    x64_free_dead_inputs(g, op);
    rd = x64_out(g, op, 0, X64_BIT(X64_RCX), x64_dying(g, op, ra));
    x64_mov_rr(g, is64, rd, ra);
    x64_modrm(g, OPC_SHIFT_cl | x64_rexw(is64), ext, rd);
    x64_out_finish(g, op);
}

/* extensions and width changes: one movzx/movsx/mov */
static void x64_gen_ext(X64Gen *g, const TCGOp *op, int opc)
{
    int ra = x64_in(g, op, 1, 0);
    int rd;

    x64_free_dead_inputs(g, op);
    rd = x64_out(g, op, 0, 0, x64_dying(g, op, ra));
    if (opc == OPC_MOVL_GvEv) {
        /* 32-bit mov zero-extends, even onto itself */
        x64_modrm(g, OPC_MOVL_GvEv, rd, ra);
    } else {
        x64_modrm(g, opc, rd, ra);
    }
    x64_out_finish(g, op);
}

static void x64_gen_extrh(X64Gen *g, const TCGOp *op)
{
    int ra = x64_in(g, op, 1, 0);
    int rd;

    x64_free_dead_inputs(g, op);
    rd = x64_out(g, op, 0, 0, x64_dying(g, op, ra));
    x64_mov_rr(g, true, rd, ra);
    x64_shift_ri(g, true, SHIFT_SHR, rd, 32);
    x64_out_finish(g, op);
}

static void x64_gen_bswap(X64Gen *g, const TCGOp *op, unsigned bytes)
{
    int ra = x64_in(g, op, 1, 0);
    int rd;

    x64_free_dead_inputs(g, op);
    rd = x64_out(g, op, 0, 0, x64_dying(g, op, ra));
    if (bytes == 2) {
        x64_modrm(g, OPC_MOVZWL, rd, ra);
        x64_modrm(g, OPC_SHIFT_Ib | P_DATA16, SHIFT_ROL, rd);
        x64_out8(g, 8);
    } else {
        /* a 32-bit bswap also clears bits 32-63 */
        x64_mov_rr(g, bytes == 8, rd, ra);
        x64_opc(g, (OPC_BSWAP + (rd & 7)) | x64_rexw(bytes == 8), 0, rd, 0);
    }
    x64_out_finish(g, op);
}

/* ------------------------------------------------------------------ */
/* bit fields */

static void x64_gen_deposit(X64Gen *g, const TCGOp *op)
{
    bool is64 = x64_op_is64(op);
    unsigned width = is64 ? 64 : 32;
    unsigned pos = (unsigned)op->args[3], len = (unsigned)op->args[4];
    uint64_t mask = tcg_field_mask(len) << pos;
    int64_t imm;
    int ra = x64_in(g, op, 1, 0);
    int rb = x64_in(g, op, 2, 0);
    int rd;

    x64_free_dead_inputs(g, op);
    rd = x64_out(g, op, 0, 0, x64_dying(g, op, ra));
    if (len >= width) {
        x64_mov_rr(g, is64, rd, rb);
        x64_out_finish(g, op);
        return;
    }
    /* r11 = (b << pos) & mask */
    x64_mov_rr(g, is64, X64_REG_TMP, rb);
    x64_shift_ri(g, is64, SHIFT_SHL, X64_REG_TMP, width - len);
    if (width - len - pos) {
        x64_shift_ri(g, is64, SHIFT_SHR, X64_REG_TMP, width - len - pos);
    }
    /* rd = a & ~mask */
    x64_mov_rr(g, is64, rd, ra);
    if (x64_imm(is64, ~mask, &imm)) {
        x64_arith_ri(g, is64, ARITH_AND, rd, imm);
    } else {
        if (pos) {
            x64_shift_ri(g, is64, SHIFT_ROR, rd, pos);
        }
        x64_shift_ri(g, is64, SHIFT_SHR, rd, len);
        x64_shift_ri(g, is64, SHIFT_SHL, rd, len);
        if (pos) {
            x64_shift_ri(g, is64, SHIFT_ROL, rd, pos);
        }
    }
    x64_arith_rr(g, is64, ARITH_OR, rd, X64_REG_TMP);
    x64_out_finish(g, op);
}

static void x64_gen_extract(X64Gen *g, const TCGOp *op, bool sign)
{
    bool is64 = x64_op_is64(op);
    unsigned width = is64 ? 64 : 32;
    unsigned pos = (unsigned)op->args[2], len = (unsigned)op->args[3];
    int ra = x64_in(g, op, 1, 0);
    int rd;

    x64_free_dead_inputs(g, op);
    rd = x64_out(g, op, 0, 0, x64_dying(g, op, ra));
    if (pos == 0 && (len == 8 || len == 16)) {
        int opc = len == 8 ? (sign ? OPC_MOVSBL : OPC_MOVZBL)
                           : (sign ? OPC_MOVSWL : OPC_MOVZWL);
        x64_modrm(g, opc | (sign ? x64_rexw(is64) : 0), rd, ra);
    } else if (pos == 0 && len == 32 && is64) {
        x64_modrm(g, sign ? OPC_MOVSLQ : OPC_MOVL_GvEv, rd, ra);
    } else if (pos == 0 && len == width) {
        x64_mov_rr(g, is64, rd, ra);
    } else if (!sign && pos == 0 && len < 32) {
        x64_mov_rr(g, is64, rd, ra);
        x64_arith_ri(g, is64, ARITH_AND, rd, (int64_t)tcg_field_mask(len));
    } else {
        x64_mov_rr(g, is64, rd, ra);
        if (width - pos - len) {
            x64_shift_ri(g, is64, SHIFT_SHL, rd, width - pos - len);
        }
        x64_shift_ri(g, is64, sign ? SHIFT_SAR : SHIFT_SHR, rd, width - len);
    }
    x64_out_finish(g, op);
}

/* ------------------------------------------------------------------ */
/* bit counts */

static void x64_gen_clz_ctz(X64Gen *g, const TCGOp *op, bool clz)
{
    bool is64 = x64_op_is64(op);
    unsigned width = is64 ? 64 : 32;
    bool fast = g->be->features & (clz ? X64_FEAT_LZCNT : X64_FEAT_TZCNT);
    int ra = x64_in(g, op, 1, 0);
    int rz = -1, rd;
    uint64_t z;
    bool zconst = x64_arg_const(g, op, 2, &z);

    if (!zconst) {
        rz = x64_in(g, op, 2, 0);
    }
    x64_free_dead_inputs(g, op);
    rd = x64_out(g, op, 0, 0, -1);
    if (fast && zconst && z == width) {
        x64_modrm(g, (clz ? OPC_LZCNT : OPC_TZCNT) | x64_rexw(is64), rd, ra);
        x64_out_finish(g, op);
        return;
    }
    if (fast) {
        /* CF = source was zero */
        x64_modrm(g, (clz ? OPC_LZCNT : OPC_TZCNT) | x64_rexw(is64),
                  X64_REG_TMP, ra);
    } else {
        /* ZF = source was zero; the index is undefined then */
        x64_modrm(g, (clz ? OPC_BSR : OPC_BSF) | x64_rexw(is64),
                  X64_REG_TMP, ra);
    }
    if (zconst) {
        x64_movi(g, rd, is64 ? z : (uint32_t)z);
    } else {
        x64_mov_rr(g, is64, rd, rz);
    }
    if (fast) {
        x64_modrm(g, (OPC_CMOVCC + JCC_JAE) | x64_rexw(is64), rd, X64_REG_TMP);
    } else if (!clz) {
        x64_modrm(g, (OPC_CMOVCC + JCC_JNE) | x64_rexw(is64), rd, X64_REG_TMP);
    } else {
        /* clz = bsr ^ (width - 1) */
        x64_out8(g, 0x74);                  /* jz +n */
        uint8_t *skip = g->ptr;
        x64_out8(g, 0);
        x64_arith_ri(g, false, ARITH_XOR, X64_REG_TMP, width - 1);
        x64_mov_rr(g, is64, rd, X64_REG_TMP);
        *skip = (uint8_t)(g->ptr - (skip + 1));
    }
    x64_out_finish(g, op);
}

/* population count without POPCNT: the classic SWAR sum */
static void x64_emit_ctpop_swar(X64Gen *g, bool is64, int rd, int t)
{
    unsigned w = is64 ? 64 : 32;
    uint64_t m1 = 0x5555555555555555ull, m2 = 0x3333333333333333ull;
    uint64_t m4 = 0x0f0f0f0f0f0f0f0full, h01 = 0x0101010101010101ull;

    if (!is64) {
        m1 = (uint32_t)m1, m2 = (uint32_t)m2, m4 = (uint32_t)m4;
        h01 = (uint32_t)h01;
    }
    x64_mov_rr(g, is64, X64_REG_TMP, rd);
    x64_shift_ri(g, is64, SHIFT_SHR, X64_REG_TMP, 1);
    x64_movi(g, t, m1);
    x64_arith_rr(g, is64, ARITH_AND, X64_REG_TMP, t);
    x64_arith_rr(g, is64, ARITH_SUB, rd, X64_REG_TMP);
    x64_movi(g, t, m2);
    x64_mov_rr(g, is64, X64_REG_TMP, rd);
    x64_arith_rr(g, is64, ARITH_AND, X64_REG_TMP, t);
    x64_shift_ri(g, is64, SHIFT_SHR, rd, 2);
    x64_arith_rr(g, is64, ARITH_AND, rd, t);
    x64_arith_rr(g, is64, ARITH_ADD, rd, X64_REG_TMP);
    x64_mov_rr(g, is64, X64_REG_TMP, rd);
    x64_shift_ri(g, is64, SHIFT_SHR, X64_REG_TMP, 4);
    x64_arith_rr(g, is64, ARITH_ADD, rd, X64_REG_TMP);
    x64_movi(g, t, m4);
    x64_arith_rr(g, is64, ARITH_AND, rd, t);
    x64_movi(g, t, h01);
    x64_modrm(g, OPC_IMUL_GvEv | x64_rexw(is64), rd, t);
    x64_shift_ri(g, is64, SHIFT_SHR, rd, w - 8);
}

static void x64_gen_ctpop(X64Gen *g, const TCGOp *op)
{
    bool is64 = x64_op_is64(op);
    int ra = x64_in(g, op, 1, 0);
    int t = -1, rd;

    if (!(g->be->features & X64_FEAT_POPCNT)) {
        t = x64_reg_alloc(g, 0);
    }
    x64_free_dead_inputs(g, op);
    rd = x64_out(g, op, 0, 0, x64_dying(g, op, ra));
    if (t < 0) {
        x64_modrm(g, OPC_POPCNT | x64_rexw(is64), rd, ra);
    } else {
        x64_mov_rr(g, is64, rd, ra);
        x64_emit_ctpop_swar(g, is64, rd, t);
    }
    x64_out_finish(g, op);
}

/* ------------------------------------------------------------------ */
/* double-width products */

static void x64_gen_mul2(X64Gen *g, const TCGOp *op, bool sign)
{
    bool is64 = x64_op_is64(op);
    uint16_t fixed = X64_BIT(X64_RAX) | X64_BIT(X64_RDX);
    int rb;

    x64_reg_evict(g, X64_RAX, fixed);
    x64_reg_evict(g, X64_RDX, fixed);
    g->locked |= fixed;
    rb = x64_in(g, op, 3, fixed);
    x64_temp_copy_to(g, x64_arg(g, op, 2), X64_RAX);
    x64_modrm(g, OPC_GRP3_Ev | x64_rexw(is64), sign ? EXT3_IMUL : EXT3_MUL,
              rb);
    x64_free_dead_inputs(g, op);
    x64_out_fixed(g, op, 0, X64_RAX);
    x64_out_fixed(g, op, 1, X64_RDX);
    x64_out_finish(g, op);
}

/* ------------------------------------------------------------------ */
/* conditions */

static int x64_jcc(TCGCond c)
{
    switch (c) {
    case TCG_COND_EQ: case TCG_COND_TSTEQ: return JCC_JE;
    case TCG_COND_NE: case TCG_COND_TSTNE: return JCC_JNE;
    case TCG_COND_LT: return JCC_JL;
    case TCG_COND_GE: return JCC_JGE;
    case TCG_COND_LE: return JCC_JLE;
    case TCG_COND_GT: return JCC_JG;
    case TCG_COND_LTU: return JCC_JB;
    case TCG_COND_GEU: return JCC_JAE;
    case TCG_COND_LEU: return JCC_JBE;
    case TCG_COND_GTU: return JCC_JA;
    default: return -1;
    }
}

/*
 * Compares inputs ia and ib (cmp or test); returns the x86 condition code
 * that holds when cond(a, b) does.
 */
static int x64_emit_cmp(X64Gen *g, const TCGOp *op, bool is64, unsigned ia,
                        unsigned ib, TCGCond cond)
{
    bool tst = cond == TCG_COND_TSTEQ || cond == TCG_COND_TSTNE;
    uint64_t v;
    int64_t imm;
    int ra, rb;

    if (x64_arg_const(g, op, ia, &v) && !x64_arg_const(g, op, ib, &v)) {
        unsigned t = ia;
        ia = ib;
        ib = t;
        cond = tcg_swap_cond(cond);
    }
    ra = x64_in(g, op, ia, 0);
    if (x64_arg_const(g, op, ib, &v) && x64_imm(is64, v, &imm)) {
        if (imm == 0 && !tst) {
            x64_modrm(g, OPC_TESTL | x64_rexw(is64), ra, ra);
        } else if (tst) {
            x64_modrm(g, OPC_GRP3_Ev | x64_rexw(is64), 0, ra);
            x64_out32(g, (uint32_t)imm);
        } else {
            x64_arith_ri(g, is64, ARITH_CMP, ra, imm);
        }
    } else {
        rb = x64_in(g, op, ib, 0);
        if (tst) {
            x64_modrm(g, OPC_TESTL | x64_rexw(is64), rb, ra);
        } else {
            x64_arith_rr(g, is64, ARITH_CMP, ra, rb);
        }
    }
    return x64_jcc(cond);
}

static void x64_gen_setcond(X64Gen *g, const TCGOp *op)
{
    bool is64 = x64_op_is64(op);
    TCGCond cond = (TCGCond)op->args[3];
    int cc, rd;

    if (cond == TCG_COND_NEVER || cond == TCG_COND_ALWAYS) {
        x64_free_dead_inputs(g, op);
        rd = x64_out(g, op, 0, 0, -1);
        x64_movi(g, rd, cond == TCG_COND_ALWAYS);
        x64_out_finish(g, op);
        return;
    }
    cc = x64_emit_cmp(g, op, is64, 1, 2, cond);
    x64_free_dead_inputs(g, op);
    rd = x64_out(g, op, 0, 0, -1);
    x64_modrm(g, OPC_SETCC + cc, 0, rd);
    x64_modrm(g, OPC_MOVZBL, rd, rd);
    x64_out_finish(g, op);
}

static void x64_gen_movcond(X64Gen *g, const TCGOp *op)
{
    bool is64 = x64_op_is64(op);
    TCGCond cond = (TCGCond)op->args[5];
    int r1 = x64_in(g, op, 3, 0);
    int r2 = x64_in(g, op, 4, 0);
    int cc, rd;

    if (cond == TCG_COND_NEVER || cond == TCG_COND_ALWAYS) {
        int src = cond == TCG_COND_ALWAYS ? r1 : r2;
        x64_free_dead_inputs(g, op);
        rd = x64_out(g, op, 0, 0, -1);
        x64_mov_rr(g, is64, rd, src);
        x64_out_finish(g, op);
        return;
    }
    cc = x64_emit_cmp(g, op, is64, 1, 2, cond);
    x64_free_dead_inputs(g, op);
    rd = x64_out(g, op, 0, 0, x64_dying(g, op, r2));
    if (rd == r1) {
        x64_modrm(g, (OPC_CMOVCC + (cc ^ 1)) | x64_rexw(is64), rd, r2);
    } else {
        x64_mov_rr(g, is64, rd, r2);
        x64_modrm(g, (OPC_CMOVCC + cc) | x64_rexw(is64), rd, r1);
    }
    x64_out_finish(g, op);
}

static void x64_gen_brcond(X64Gen *g, const TCGOp *op)
{
    bool is64 = x64_op_is64(op);
    TCGCond cond = (TCGCond)op->args[2];
    int cc;

    x64_bb_sync(g);
    if (cond == TCG_COND_NEVER) {
        x64_free_dead_inputs(g, op);
        return;
    }
    if (cond == TCG_COND_ALWAYS) {
        x64_free_dead_inputs(g, op);
        x64_add_reloc(g, x64_jump_fwd(g, -1), op->args[3]);
        return;
    }
    cc = x64_emit_cmp(g, op, is64, 0, 1, cond);
    x64_add_reloc(g, x64_jump_fwd(g, cc), op->args[3]);
    x64_free_dead_inputs(g, op);
}

/* ------------------------------------------------------------------ */
/* guest memory */

static bool x64_memop_bswap(MemOp mo)
{
    return (mo & MO_BE) && (mo & MO_SIZE) != MO_8;
}

/* rd = host load at [base + index] as mo says, for an i32/i64 result */
static void x64_emit_host_load(X64Gen *g, MemOp mo, bool is64, int rd,
                               int base, int index)
{
    bool sign = mo & MO_SIGN, bswap = x64_memop_bswap(mo);
    int opc;

    switch (mo & MO_SIZE) {
    case MO_8:
        opc = sign ? (OPC_MOVSBL | x64_rexw(is64)) : OPC_MOVZBL;
        break;
    case MO_16:
        opc = sign && !bswap ? (OPC_MOVSWL | x64_rexw(is64)) : OPC_MOVZWL;
        break;
    case MO_32:
        opc = sign && is64 && !bswap ? OPC_MOVSLQ : OPC_MOVL_GvEv;
        break;
    default:
        opc = OPC_MOVL_GvEv | P_REXW;
        break;
    }
    x64_modrm_sib(g, opc & ~P_BYTE_RM, rd, base, index, 0, 0);
    if (!bswap) {
        if ((mo & MO_SIZE) == MO_64 && !is64) {
            x64_modrm(g, OPC_MOVL_GvEv, rd, rd);
        }
        return;
    }
    switch (mo & MO_SIZE) {
    case MO_16:
        x64_modrm(g, OPC_SHIFT_Ib | P_DATA16, SHIFT_ROL, rd);
        x64_out8(g, 8);
        if (sign) {
            x64_modrm(g, OPC_MOVSWL | x64_rexw(is64), rd, rd);
        }
        break;
    case MO_32:
        x64_opc(g, OPC_BSWAP + (rd & 7), 0, rd, 0);
        if (sign && is64) {
            x64_modrm(g, OPC_MOVSLQ, rd, rd);
        }
        break;
    default:
        x64_opc(g, (OPC_BSWAP + (rd & 7)) | P_REXW, 0, rd, 0);
        if (!is64) {
            x64_modrm(g, OPC_MOVL_GvEv, rd, rd);
        }
        break;
    }
}

static void x64_emit_host_store(X64Gen *g, MemOp mo, int rv, int base,
                                int index)
{
    unsigned size = mo & MO_SIZE;
    int opc = size == MO_8 ? OPC_MOVB_EvGv : OPC_MOVL_EvGv;

    opc |= size == MO_16 ? P_DATA16 : size == MO_64 ? P_REXW : 0;
    if (x64_memop_bswap(mo)) {
        x64_mov_rr(g, true, X64_REG_TMP, rv);
        if (size == MO_16) {
            x64_modrm(g, OPC_SHIFT_Ib | P_DATA16, SHIFT_ROL, X64_REG_TMP);
            x64_out8(g, 8);
        } else {
            x64_opc(g, (OPC_BSWAP + (X64_REG_TMP & 7)) |
                    (size == MO_64 ? P_REXW : 0), 0, X64_REG_TMP, 0);
        }
        rv = X64_REG_TMP;
    }
    x64_modrm_sib(g, opc, rv, base, index, 0, 0);
}

static X64SlowPath *x64_new_slow_path(X64Gen *g)
{
    X64SlowPath *sp;

    if (g->nb_slow == g->slow_cap) {
        g->slow_cap = g->slow_cap ? 2 * g->slow_cap : 32;
        g->slow = xrealloc(g->slow, g->slow_cap * sizeof(X64SlowPath));
    }
    sp = &g->slow[g->nb_slow++];
    memset(sp, 0, sizeof(*sp));
    sp->jmp_pos[0] = sp->jmp_pos[1] = UINT32_MAX;
    return sp;
}

/* t0 = &tlb->table[mmu_idx][index(addr)] */
static void x64_emit_tlb_entry(X64Gen *g, int t0, int ra, unsigned mmu_idx)
{
    int64_t disp = (int64_t)g->s->cfg.tlb_offset +
                   (int64_t)mmu_idx * (int64_t)sizeof(((TCGTLB *)0)->table[0]);

    x64_mov_rr(g, true, t0, ra);
    x64_shift_ri(g, true, SHIFT_SHR, t0, TCG_PAGE_BITS - TCG_TLB_ENTRY_BITS);
    x64_arith_ri(g, true, ARITH_AND, t0, TCG_TLB_MASK << TCG_TLB_ENTRY_BITS);
    x64_modrm_sib(g, OPC_LEA | P_REXW, t0, X64_REG_ENV, t0, 0, (int32_t)disp);
}

static void x64_gen_qemu_ldst(X64Gen *g, const TCGOp *op, bool is_store)
{
    bool is64 = op->opc == INDEX_op_qemu_ld_i64 ||
                op->opc == INDEX_op_qemu_st_i64;
    MemOpIdx oi = (MemOpIdx)op->args[2];
    MemOp mo = tcg_memop(oi);
    unsigned n = 1u << (mo & MO_SIZE);
    unsigned mmu_idx = tcg_mmu_idx(oi) % TCG_MAX_MMU_MODES;
    X64SlowPath *sp;
    int ra, rv = -1, t0, t1;

    x64_sync_globals(g);
    ra = x64_in(g, op, 1, 0);
    if (is_store) {
        rv = x64_in(g, op, 0, 0);
    }
    t0 = x64_reg_alloc(g, 0);
    t1 = x64_reg_alloc(g, 0);
    /*
     * All allocation (which may spill) happens before the first branch to
     * the slow path: code emitted between that branch and the return point
     * runs on the fast path only.
     */
    x64_free_dead_inputs(g, op);
    if (!is_store) {
        rv = x64_out(g, op, 0, 0, -1);
    }
    sp = x64_new_slow_path(g);
    x64_emit_tlb_entry(g, t0, ra, mmu_idx);
    if ((mo & MO_ALIGN) && n > 1) {
        x64_modrm(g, OPC_GRP3_Ev, 0, ra);       /* test ra32, n - 1 */
        x64_out32(g, n - 1);
        sp->jmp_pos[1] = (uint32_t)(x64_jump_fwd(g, JCC_JNE) - g->start);
    }
    if (n > 1 && !(mo & MO_ALIGN)) {
        x64_modrm_mem(g, OPC_LEA | P_REXW, t1, ra, (int32_t)(n - 1));
    } else {
        x64_mov_rr(g, true, t1, ra);
    }
    x64_arith_ri(g, true, ARITH_AND, t1, (int64_t)TCG_PAGE_MASK);
    x64_modrm_mem(g, (OPC_ARITH_GvEv + (ARITH_CMP << 3)) | P_REXW, t1, t0,
                  is_store ? offsetof(TCGTLBEntry, addr_write)
                           : offsetof(TCGTLBEntry, addr_read));
    sp->jmp_pos[0] = (uint32_t)(x64_jump_fwd(g, JCC_JNE) - g->start);
    x64_modrm_mem(g, OPC_MOVL_GvEv | P_REXW, t1, t0,
                  offsetof(TCGTLBEntry, addend));
    if (is_store) {
        x64_emit_host_store(g, mo, rv, t1, ra);
    } else {
        x64_emit_host_load(g, mo, is64, rv, t1, ra);
    }
    sp->is_store = is_store;
    sp->is64 = is64;
    sp->oi = oi;
    sp->addr_reg = (int8_t)ra;
    sp->data_reg = (int8_t)rv;
    sp->save_mask = x64_live_caller_saved(g) &
                    (uint16_t)~(is_store ? 0 : X64_BIT(rv));
    sp->ret_pos = (uint32_t)(g->ptr - g->start);
    x64_out_finish(g, op);
}

static void x64_emit_save_regs(X64Gen *g, uint16_t mask, bool restore)
{
    for (int r = 0; r < X64_NB_REGS; r++) {
        if (mask & X64_BIT(r)) {
            x64_modrm_mem(g, (restore ? OPC_MOVL_GvEv : OPC_MOVL_EvGv) |
                          P_REXW, r, X64_RSP, X64_SAVE_OFF + 8 * r);
        }
    }
}

static void x64_gen_slow_path(X64Gen *g, const X64SlowPath *sp)
{
    const TCGRuntime *rt = &g->s->cfg.runtime;
    MemOp mo = tcg_memop(sp->oi);
    unsigned mmu_idx = tcg_mmu_idx(sp->oi) % TCG_MAX_MMU_MODES;
    uint8_t *ret = g->start + sp->ret_pos;

    for (int i = 0; i < 2; i++) {
        if (sp->jmp_pos[i] != UINT32_MAX) {
            x64_jump_here(g, g->start + sp->jmp_pos[i]);
        }
    }
    x64_emit_save_regs(g, sp->save_mask, false);
    if (sp->is_store) {
        x64_mov_rr(g, true, X64_REG_TMP, sp->data_reg);
        x64_mov_rr(g, true, X64_RSI, sp->addr_reg);
        x64_mov_rr(g, true, X64_RDX, X64_REG_TMP);
        x64_mov_rr(g, true, X64_RDI, X64_REG_ENV);
        x64_movi(g, X64_RCX, mo);
        x64_movi(g, X64_R8, mmu_idx);
        x64_modrm_rip(g, OPC_LEA | P_REXW, X64_R9, ret);
        x64_emit_store_exec_ra(g, X64_R9);
        x64_emit_call_abs(g, (const void *)rt->store_slow);
    } else {
        x64_mov_rr(g, true, X64_RSI, sp->addr_reg);
        x64_mov_rr(g, true, X64_RDI, X64_REG_ENV);
        x64_movi(g, X64_RDX, mo);
        x64_movi(g, X64_RCX, mmu_idx);
        x64_modrm_rip(g, OPC_LEA | P_REXW, X64_R8, ret);
        x64_emit_store_exec_ra(g, X64_R8);
        x64_emit_call_abs(g, (const void *)rt->load_slow);
        x64_mov_rr(g, sp->is64, sp->data_reg, X64_RAX);
        if (!sp->is64 && sp->data_reg == X64_RAX) {
            x64_modrm(g, OPC_MOVL_GvEv, X64_RAX, X64_RAX);
        }
    }
    x64_emit_save_regs(g, sp->save_mask, true);
    x64_jump_to(g, -1, ret);
}

void x64_gen_slow_paths(X64Gen *g)
{
    for (unsigned i = 0; i < g->nb_slow && !g->full; i++) {
        x64_gen_slow_path(g, &g->slow[i]);
        if (g->ptr > g->limit) {
            g->full = true;
        }
    }
}

/* ------------------------------------------------------------------ */
/* helper calls */

static void x64_gen_call(X64Gen *g, const TCGOp *op)
{
    const TCGHelperInfo *info = tcg_call_info(op);

    x64_evict_caller_saved(g);
    if ((info->flags & TCG_CALL_NO_RWG) != TCG_CALL_NO_RWG) {
        x64_sync_globals(g);
    }
    for (unsigned i = 0; i < info->nargs; i++) {
        int r = x64_call_regs[i];
        x64_temp_copy_to(g, x64_arg(g, op, op->callo + i), r);
        if (info->args[i] == TCG_HT_S32) {
            x64_modrm(g, OPC_MOVSLQ, r, r);
        }
    }
    x64_free_dead_inputs(g, op);
    if (info->flags & TCG_CALL_NO_READ_GLOBALS) {
        x64_emit_call_abs(g, (const void *)info->func);
    } else {
        /* may fault: publish the return address in s->exec_ra too */
        uint8_t *rel;
        x64_opc(g, OPC_LEA | P_REXW, X64_RAX, 0, 0);
        x64_out8(g, 0x05);                          /* [rip + rel32] */
        rel = g->ptr;
        x64_out32(g, 0);
        x64_emit_store_exec_ra(g, X64_RAX);
        x64_emit_call_abs(g, (const void *)info->func);
        x64_jump_here(g, rel);
    }
    if (!(info->flags & TCG_CALL_NO_WRITE_GLOBALS)) {
        x64_drop_globals(g);
    }
    if (op->callo) {
        if (info->ret == TCG_HT_I32 || info->ret == TCG_HT_S32) {
            x64_modrm(g, OPC_MOVL_GvEv, X64_RAX, X64_RAX);
        }
        g->locked |= X64_BIT(X64_RAX);
        x64_out_fixed(g, op, 0, X64_RAX);
        x64_out_finish(g, op);
    }
}

/* ------------------------------------------------------------------ */
/* control flow */

static void x64_gen_exit_tb(X64Gen *g, uint64_t val)
{
    const uint8_t *epi = g->be->buf_rw + g->be->epilogue_off;

    x64_bb_end(g);
    if (val == 0) {
        x64_jump_to(g, -1, g->be->buf_rw + g->be->epilogue_zero_off);
        return;
    }
    x64_movi(g, X64_RAX, val);
    x64_jump_to(g, -1, epi);
}

static void x64_gen_goto_tb(X64Gen *g, const TCGOp *op, TCGCodeInfo *out)
{
    x64_bb_end(g);
    /* the rel32 must be 4-aligned so set_jump can patch it atomically */
    while (((uintptr_t)x64_rx(g, g->ptr) + 1) & 3) {
        x64_out8(g, 0x90);
    }
    x64_out8(g, OPC_JMP_long);
    out->jmp_offset[op->args[0] & 1] = (uint32_t)(g->ptr - g->start);
    x64_out32(g, 0);
}

static void x64_gen_goto_ptr(X64Gen *g, const TCGOp *op)
{
    x64_temp_copy_to(g, x64_arg(g, op, 0), X64_RAX);
    x64_bb_end(g);
    x64_modrm(g, OPC_TESTL | P_REXW, X64_RAX, X64_RAX);
    x64_jump_to(g, JCC_JE, g->be->buf_rw + g->be->epilogue_zero_off);
    x64_modrm(g, OPC_GRP5, EXT5_JMPN_Ev, X64_RAX);
}

/* rax = lookup(env); goto_ptr rax */
static void x64_gen_lookup_call(X64Gen *g, const TCGHelperInfo *lookup)
{
    x64_mov_rr(g, true, X64_RDI, X64_REG_ENV);
    x64_emit_call_abs(g, (const void *)lookup->func);
    x64_modrm(g, OPC_TESTL | P_REXW, X64_RAX, X64_RAX);
    x64_jump_to(g, JCC_JE, g->be->buf_rw + g->be->epilogue_zero_off);
    x64_modrm(g, OPC_GRP5, EXT5_JMPN_Ev, X64_RAX);
}

/*
 * The jump-cache entry of pc (tcg/jmp-cache.h): rcx = its address minus
 * *disp. A constant pc has its slot computed here.
 */
static void x64_jc_slot(X64Gen *g, bool is_const, uint64_t pc, int32_t *disp)
{
    const TCGJumpCacheConfig *jc = &g->s->cfg.jc;

    x64_ld_mem(g, true, X64_RCX, X64_REG_ENV, jc->table_offset);
    if (is_const) {
        *disp = (int32_t)(tcg_jc_hash(pc) * sizeof(TCGJumpCacheEntry));
        return;
    }
    *disp = 0;
    x64_mov_rr(g, true, X64_RAX, X64_RSI);
    x64_shift_ri(g, true, SHIFT_SHR, X64_RAX, TCG_PAGE_BITS);
    x64_arith_rr(g, true, ARITH_XOR, X64_RAX, X64_RSI);
    x64_arith_ri(g, false, ARITH_AND, X64_RAX, TCG_JC_SIZE - 1);
    x64_shift_ri(g, false, SHIFT_SHL, X64_RAX, 5);
    x64_arith_rr(g, true, ARITH_ADD, X64_RCX, X64_RAX);
}

/*
 * lookup_goto_ptr pc, lookup: the inline jump-cache test, then the
 * helper on a miss. After the BB end nothing is live, so rax, rcx and
 * rsi are free:
 *     rsi = pc; rcx = &table[hash(pc)]
 *     cmp rsi, [rcx]; jne miss
 *     mov rax, [env + key_offset]; cmp rax, [rcx + 8]; jne miss
 *     jmp [rcx + 16]
 * miss: rax = lookup(env); test rax, rax; je epilogue_zero; jmp rax
 */
static void x64_gen_lookup_goto_ptr(X64Gen *g, const TCGOp *op)
{
    const TCGHelperInfo *lookup = (const TCGHelperInfo *)op->args[1];
    const TCGJumpCacheConfig *jc = &g->s->cfg.jc;
    uint64_t pc = 0;
    bool is_const = x64_arg_const(g, op, 0, &pc);
    uint8_t *miss[2];
    int32_t disp;

    if (!jc->table_offset) {
        x64_bb_end(g);
        x64_gen_lookup_call(g, lookup);
        return;
    }
    if (!is_const) {
        /* globals stored first: rsi may hold one */
        x64_bb_sync(g);
        x64_temp_copy_to(g, x64_arg(g, op, 0), X64_RSI);
    }
    x64_bb_end(g);
    if (is_const) {
        x64_movi(g, X64_RSI, pc);
    }
    x64_jc_slot(g, is_const, pc, &disp);
    x64_modrm_mem(g, (OPC_ARITH_GvEv + (ARITH_CMP << 3)) | P_REXW, X64_RSI,
                  X64_RCX, disp);
    miss[0] = x64_jump_fwd(g, JCC_JNE);
    x64_ld_mem(g, true, X64_RAX, X64_REG_ENV, jc->key_offset);
    x64_modrm_mem(g, (OPC_ARITH_GvEv + (ARITH_CMP << 3)) | P_REXW, X64_RAX,
                  X64_RCX, disp + 8);
    miss[1] = x64_jump_fwd(g, JCC_JNE);
    x64_modrm_mem(g, OPC_GRP5, EXT5_JMPN_Ev, X64_RCX, disp + 16);
    x64_jump_here(g, miss[0]);
    x64_jump_here(g, miss[1]);
    x64_gen_lookup_call(g, lookup);
}

static void x64_gen_set_label(X64Gen *g, const TCGOp *op)
{
    x64_bb_end(g);
    g->label_pos[op->args[0]] = (int32_t)(g->ptr - g->start);
}

static void x64_gen_insn_start(X64Gen *g, const TCGOp *op)
{
    TCGInsnData *d;

    if (g->nb_insns >= TCG_MAX_INSNS) {
        g->full = true;             /* tcg_gen_code refuses such TBs */
        return;
    }
    d = &g->insns[g->nb_insns++];
    memset(d, 0, sizeof(*d));
    d->code_offset = (uint32_t)(g->ptr - g->start);
    for (unsigned i = 0; i < TCG_INSN_START_WORDS; i++) {
        d->data[i] = op->args[i];
    }
}

static void x64_gen_discard(X64Gen *g, const TCGOp *op)
{
    TCGTemp *t = x64_arg(g, op, 0);
    X64TempState *ts = x64_ts(g, t);

    if (ts->loc == LOC_REG) {
        ts->coherent = true;        /* nothing worth storing */
    }
    x64_temp_release(g, t);
}

/* ------------------------------------------------------------------ */
/* dispatch */

#define CASE_BOTH(x) case INDEX_op_##x##_i32: case INDEX_op_##x##_i64

void x64_gen_op(X64Gen *g, TCGOp *op, TCGCodeInfo *out)
{
    bool is64 = x64_op_is64(op);

    switch ((TCGOpcode)op->opc) {
    case INDEX_op_discard: x64_gen_discard(g, op); break;
    case INDEX_op_set_label: x64_gen_set_label(g, op); break;
    case INDEX_op_insn_start: x64_gen_insn_start(g, op); break;
    case INDEX_op_br:
        x64_bb_end(g);
        x64_add_reloc(g, x64_jump_fwd(g, -1), op->args[0]);
        break;
    case INDEX_op_call: x64_gen_call(g, op); break;
    case INDEX_op_exit_tb: x64_gen_exit_tb(g, op->args[0]); break;
    case INDEX_op_goto_tb: x64_gen_goto_tb(g, op, out); break;
    case INDEX_op_goto_ptr: x64_gen_goto_ptr(g, op); break;
    case INDEX_op_lookup_goto_ptr: x64_gen_lookup_goto_ptr(g, op); break;
    case INDEX_op_mb:
        x64_out8(g, 0x0f); x64_out8(g, 0xae); x64_out8(g, 0xf0);  /* mfence */
        break;
    CASE_BOTH(mov): x64_gen_mov(g, op); break;
    CASE_BOTH(movi): x64_gen_movi(g, op); break;
    CASE_BOTH(setcond): x64_gen_setcond(g, op); break;
    CASE_BOTH(movcond): x64_gen_movcond(g, op); break;
    CASE_BOTH(brcond): x64_gen_brcond(g, op); break;
    CASE_BOTH(ld8u): CASE_BOTH(ld8s): CASE_BOTH(ld16u): CASE_BOTH(ld16s):
    CASE_BOTH(ld):
    case INDEX_op_ld32u_i64: case INDEX_op_ld32s_i64:
        x64_gen_ld(g, op);
        break;
    CASE_BOTH(st8): CASE_BOTH(st16): CASE_BOTH(st): case INDEX_op_st32_i64:
        x64_gen_st(g, op);
        break;
    CASE_BOTH(add): x64_gen_arith(g, op, ARITH_ADD, true); break;
    CASE_BOTH(sub): x64_gen_arith(g, op, ARITH_SUB, false); break;
    CASE_BOTH(and): x64_gen_arith(g, op, ARITH_AND, true); break;
    CASE_BOTH(or): x64_gen_arith(g, op, ARITH_OR, true); break;
    CASE_BOTH(xor): x64_gen_arith(g, op, ARITH_XOR, true); break;
    CASE_BOTH(mul): x64_gen_mul(g, op); break;
    CASE_BOTH(muls2): x64_gen_mul2(g, op, true); break;
    CASE_BOTH(mulu2): x64_gen_mul2(g, op, false); break;
    CASE_BOTH(andc): x64_gen_andc(g, op); break;
    CASE_BOTH(not): x64_gen_unary3(g, op, EXT3_NOT); break;
    CASE_BOTH(neg): x64_gen_unary3(g, op, EXT3_NEG); break;
    CASE_BOTH(shl): x64_gen_shift(g, op, SHIFT_SHL); break;
    CASE_BOTH(shr): x64_gen_shift(g, op, SHIFT_SHR); break;
    CASE_BOTH(sar): x64_gen_shift(g, op, SHIFT_SAR); break;
    CASE_BOTH(rotl): x64_gen_shift(g, op, SHIFT_ROL); break;
    CASE_BOTH(rotr): x64_gen_shift(g, op, SHIFT_ROR); break;
    CASE_BOTH(ext8s): x64_gen_ext(g, op, OPC_MOVSBL | x64_rexw(is64)); break;
    CASE_BOTH(ext8u): x64_gen_ext(g, op, OPC_MOVZBL); break;
    CASE_BOTH(ext16s): x64_gen_ext(g, op, OPC_MOVSWL | x64_rexw(is64)); break;
    CASE_BOTH(ext16u): x64_gen_ext(g, op, OPC_MOVZWL); break;
    case INDEX_op_ext32s_i64: case INDEX_op_exts_i32_i64:
        x64_gen_ext(g, op, OPC_MOVSLQ);
        break;
    case INDEX_op_ext32u_i64: case INDEX_op_extu_i32_i64:
    case INDEX_op_extrl_i64_i32:
        x64_gen_ext(g, op, OPC_MOVL_GvEv);
        break;
    case INDEX_op_extrh_i64_i32: x64_gen_extrh(g, op); break;
    CASE_BOTH(deposit): x64_gen_deposit(g, op); break;
    CASE_BOTH(extract): x64_gen_extract(g, op, false); break;
    CASE_BOTH(sextract): x64_gen_extract(g, op, true); break;
    CASE_BOTH(bswap16): x64_gen_bswap(g, op, 2); break;
    CASE_BOTH(bswap32): x64_gen_bswap(g, op, 4); break;
    case INDEX_op_bswap64_i64: x64_gen_bswap(g, op, 8); break;
    CASE_BOTH(clz): x64_gen_clz_ctz(g, op, true); break;
    CASE_BOTH(ctz): x64_gen_clz_ctz(g, op, false); break;
    CASE_BOTH(ctpop): x64_gen_ctpop(g, op); break;
    CASE_BOTH(qemu_ld): x64_gen_qemu_ldst(g, op, false); break;
    CASE_BOTH(qemu_st): x64_gen_qemu_ldst(g, op, true); break;
    case NB_OPS:
        break;
    }
}

#endif
