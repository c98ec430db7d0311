/*
 * The TCG optimizer: one forward pass over the op list with one fold_<op>()
 * per op. Each fold tries, in order, to
 *   1. produce a constant (the op becomes movi),
 *   2. produce a copy of an input (the op becomes mov, or disappears when
 *      the output already holds that value),
 *   3. record what is known about the output's bits.
 *
 * Knowledge per temp (TCGOptInfo) is valid within an extended basic block:
 *   z_mask  bits that may be 1 (a 0 bit is known to be 0)
 *   o_mask  bits known to be 1 (subset of z_mask)
 *   a temp is a known constant when z_mask == o_mask (the value).
 * Temps holding the same value are linked in a circular copy list; inputs
 * are rewritten to a constant temp when known, otherwise to the most
 * durable copy (global, then TB temp, then EBB temp).
 *
 * At a label that some branch targets, everything is forgotten (a new
 * generation); conditional branches keep knowledge for the fall-through.
 * Helper calls that may write globals forget the globals. Code after an
 * unconditional branch or exit, up to the next label, is removed;
 * brcond with a known outcome becomes br or disappears, and labels that no
 * branch targets any more are removed so their EBBs merge.
 */
#include <stdlib.h>
#include <string.h>

#include "tcg/eval.h"
#include "tcg/tcg.h"

struct TCGOptInfo {
    uint32_t gen;
    uint32_t seq;           /* definition order: older copies are preferred */
    uint16_t prev_copy, next_copy;
    uint64_t z_mask;
    uint64_t o_mask;
};

typedef struct OptContext {
    TCGContext *s;
    TCGOptInfo *info;
    uint32_t gen;
    uint32_t seq;
    uint64_t tmask;         /* all ones of the current op's output type */
    bool unreachable;       /* after br/exit_tb/goto_ptr, until a label */
} OptContext;

typedef bool (*FoldFn)(OptContext *ctx, TCGOp *op);

static uint64_t type_mask(TCGType t)
{
    return t == TCG_TYPE_I32 ? 0xffffffffull : ~0ull;
}

static TCGTemp *ot(OptContext *ctx, TCGArg a)
{
    return &ctx->s->temps[a];
}

static TCGOptInfo *ti(OptContext *ctx, TCGArg a)
{
    TCGOptInfo *i = &ctx->info[a];
    TCGTemp *t = ot(ctx, a);

    if (i->gen != ctx->gen) {
        i->gen = ctx->gen;
        i->seq = 0;
        i->prev_copy = i->next_copy = (uint16_t)a;
        if (t->kind == TEMP_CONST) {
            i->z_mask = i->o_mask = t->val;
        } else {
            i->z_mask = type_mask(t->type);
            i->o_mask = 0;
        }
    }
    return i;
}

static bool arg_is_const(OptContext *ctx, TCGArg a)
{
    TCGOptInfo *i = ti(ctx, a);
    return i->z_mask == i->o_mask;
}

static uint64_t arg_val(OptContext *ctx, TCGArg a)
{
    return ti(ctx, a)->o_mask;
}

static bool arg_is_const_val(OptContext *ctx, TCGArg a, uint64_t v)
{
    return arg_is_const(ctx, a) && arg_val(ctx, a) == v;
}

static bool args_are_copies(OptContext *ctx, TCGArg a, TCGArg b)
{
    if (a == b) {
        return true;
    }
    if (arg_is_const(ctx, a) && arg_is_const(ctx, b) &&
        ot(ctx, a)->type == ot(ctx, b)->type) {
        return arg_val(ctx, a) == arg_val(ctx, b);
    }
    for (TCGArg i = ti(ctx, a)->next_copy; i != a; i = ti(ctx, i)->next_copy) {
        if (i == b) {
            return true;
        }
    }
    return false;
}

/* Forgets everything about temp a (it is being redefined). */
static void reset_temp(OptContext *ctx, TCGArg a)
{
    TCGOptInfo *i = ti(ctx, a);

    ti(ctx, i->prev_copy)->next_copy = i->next_copy;
    ti(ctx, i->next_copy)->prev_copy = i->prev_copy;
    i->prev_copy = i->next_copy = (uint16_t)a;
    i->z_mask = type_mask(ot(ctx, a)->type);
    i->o_mask = 0;
    i->seq = ++ctx->seq;
}

static void set_masks(OptContext *ctx, TCGArg a, uint64_t z, uint64_t o)
{
    TCGOptInfo *i = ti(ctx, a);
    uint64_t m = type_mask(ot(ctx, a)->type);

    i->z_mask = z & m;
    i->o_mask = o & z & m;
}

static int kind_rank(TCGTempKind k)
{
    switch (k) {
    case TEMP_CONST: return 4;
    case TEMP_FIXED: return 3;
    case TEMP_GLOBAL: return 2;
    case TEMP_TB: return 1;
    default: return 0;
    }
}

/* The input to use for a: a constant temp if known, else the best copy. */
static TCGArg better_input(OptContext *ctx, TCGArg a)
{
    TCGTemp *t = ot(ctx, a);
    TCGArg best = a;

    if (t->kind == TEMP_CONST) {
        return a;
    }
    if (arg_is_const(ctx, a)) {
        TCGTemp *c = tcg_constant_internal(ctx->s, t->type, arg_val(ctx, a));
        return c->index < TCG_MAX_TEMPS - 1 ? temp_arg(c) : a;
    }
    for (TCGArg i = ti(ctx, a)->next_copy; i != a; i = ti(ctx, i)->next_copy) {
        int ri = kind_rank(ot(ctx, i)->kind), rb = kind_rank(ot(ctx, best)->kind);
        if (ri > rb || (ri == rb && ti(ctx, i)->seq < ti(ctx, best)->seq)) {
            best = i;
        }
    }
    return best;
}

/* ------------------------------------------------------------------ */
/* rewriting ops */

static void finish_outputs(OptContext *ctx, TCGOp *op)
{
    unsigned n = tcg_op_nb_oargs(op);
    for (unsigned i = 0; i < n; i++) {
        reset_temp(ctx, op->args[i]);
    }
}

static TCGOpcode op_for_type(TCGType t, TCGOpcode op32, TCGOpcode op64)
{
    return t == TCG_TYPE_I32 ? op32 : op64;
}

/* Turns op into "movi dst, val". */
static bool opt_movi(OptContext *ctx, TCGOp *op, TCGArg dst, uint64_t val)
{
    TCGType type = ot(ctx, dst)->type;

    val &= type_mask(type);
    op->opc = op_for_type(type, INDEX_op_movi_i32, INDEX_op_movi_i64);
    op->args[0] = dst;
    op->args[1] = val;
    op->nargs = 2;
    op->callo = op->calli = 0;
    reset_temp(ctx, dst);
    set_masks(ctx, dst, val, val);
    return true;
}

/* Turns op into "mov dst, src", or removes it when dst already holds src. */
static bool opt_mov(OptContext *ctx, TCGOp *op, TCGArg dst, TCGArg src)
{
    TCGOptInfo *di, *si;

    if (args_are_copies(ctx, dst, src)) {
        tcg_op_remove(ctx->s, op);
        return true;
    }
    if (arg_is_const(ctx, src)) {
        return opt_movi(ctx, op, dst, arg_val(ctx, src));
    }
    op->opc = op_for_type(ot(ctx, dst)->type, INDEX_op_mov_i32,
                          INDEX_op_mov_i64);
    op->args[0] = dst;
    op->args[1] = src;
    op->nargs = 2;
    reset_temp(ctx, dst);
    di = ti(ctx, dst);
    si = ti(ctx, src);
    di->z_mask = si->z_mask;
    di->o_mask = si->o_mask;
    /* link dst right after src in src's copy list */
    di->next_copy = si->next_copy;
    di->prev_copy = (uint16_t)src;
    ti(ctx, si->next_copy)->prev_copy = (uint16_t)dst;
    si->next_copy = (uint16_t)dst;
    return true;
}

/* Records the output's known bits; a fully known output becomes movi. */
static bool fold_masks(OptContext *ctx, TCGOp *op, uint64_t z, uint64_t o)
{
    z &= ctx->tmask;
    o &= z;
    if (z == o) {
        return opt_movi(ctx, op, op->args[0], o);
    }
    reset_temp(ctx, op->args[0]);
    set_masks(ctx, op->args[0], z, o);
    return true;
}

static bool fold_unknown(OptContext *ctx, TCGOp *op)
{
    finish_outputs(ctx, op);
    return true;
}

/* ------------------------------------------------------------------ */
/* constant evaluation */

/* Evaluates a unary or binary op on constants (exposed for tests). */
uint64_t tcg_opt_eval(TCGOpcode opc, uint64_t x, uint64_t y);
uint64_t tcg_opt_eval(TCGOpcode opc, uint64_t x, uint64_t y)
{
    if (opc == INDEX_op_extrl_i64_i32 || opc == INDEX_op_extrh_i64_i32) {
        return (uint32_t)tcg_eval_op64(opc, x, y);
    }
    if (!(tcg_op_defs[opc].flags & TCG_OPF_64BIT)) {
        return (uint32_t)tcg_eval_op32(opc, (uint32_t)x, (uint32_t)y);
    }
    return tcg_eval_op64(opc, x, y);
}

static bool fold_const1(OptContext *ctx, TCGOp *op)
{
    if (arg_is_const(ctx, op->args[1])) {
        return opt_movi(ctx, op, op->args[0],
                        tcg_opt_eval(op->opc, arg_val(ctx, op->args[1]), 0));
    }
    return false;
}

static bool fold_const2(OptContext *ctx, TCGOp *op)
{
    if (arg_is_const(ctx, op->args[1]) && arg_is_const(ctx, op->args[2])) {
        return opt_movi(ctx, op, op->args[0],
                        tcg_opt_eval(op->opc, arg_val(ctx, op->args[1]),
                                     arg_val(ctx, op->args[2])));
    }
    return false;
}

/* For commutative ops: put a constant operand second. */
static void swap_commutative(OptContext *ctx, TCGOp *op)
{
    if (arg_is_const(ctx, op->args[1]) && !arg_is_const(ctx, op->args[2])) {
        TCGArg t = op->args[1];
        op->args[1] = op->args[2];
        op->args[2] = t;
    }
}

static bool fold_ident_right(OptContext *ctx, TCGOp *op, uint64_t ident)
{
    if (arg_is_const_val(ctx, op->args[2], ident & ctx->tmask)) {
        return opt_mov(ctx, op, op->args[0], op->args[1]);
    }
    return false;
}

/* ------------------------------------------------------------------ */
/* folds */

static bool fold_mov(OptContext *ctx, TCGOp *op)
{
    return opt_mov(ctx, op, op->args[0], op->args[1]);
}

static bool fold_movi(OptContext *ctx, TCGOp *op)
{
    return opt_movi(ctx, op, op->args[0], op->args[1]);
}

static bool fold_add(OptContext *ctx, TCGOp *op)
{
    swap_commutative(ctx, op);
    return fold_const2(ctx, op) || fold_ident_right(ctx, op, 0) ||
           fold_unknown(ctx, op);
}

static bool fold_sub(OptContext *ctx, TCGOp *op)
{
    if (fold_const2(ctx, op) || fold_ident_right(ctx, op, 0)) {
        return true;
    }
    if (args_are_copies(ctx, op->args[1], op->args[2])) {
        return opt_movi(ctx, op, op->args[0], 0);
    }
    return fold_unknown(ctx, op);
}

static bool fold_mul(OptContext *ctx, TCGOp *op)
{
    swap_commutative(ctx, op);
    if (fold_const2(ctx, op) || fold_ident_right(ctx, op, 1)) {
        return true;
    }
    if (arg_is_const_val(ctx, op->args[2], 0)) {
        return opt_movi(ctx, op, op->args[0], 0);
    }
    return fold_unknown(ctx, op);
}

static bool fold_mul2(OptContext *ctx, TCGOp *op)
{
    uint64_t lo, hi, a, b;
    TCGArg rl = op->args[0], rh = op->args[1];
    TCGOp *op2;

    if (!arg_is_const(ctx, op->args[2]) || !arg_is_const(ctx, op->args[3])) {
        return fold_unknown(ctx, op);
    }
    a = arg_val(ctx, op->args[2]);
    b = arg_val(ctx, op->args[3]);
    switch (op->opc) {
    case INDEX_op_mulu2_i32:
        lo = (uint32_t)(a * b);
        hi = (a * b) >> 32;
        break;
    case INDEX_op_muls2_i32: {
        int64_t p = (int64_t)(int32_t)a * (int32_t)b;
        lo = (uint32_t)p;
        hi = (uint32_t)((uint64_t)p >> 32);
        break;
    }
    case INDEX_op_mulu2_i64:
        tcg_mulu2_64(&lo, &hi, a, b);
        break;
    default:
        tcg_muls2_64(&lo, &hi, a, b);
        break;
    }
    op2 = tcg_op_insert_after(ctx->s, op, INDEX_op_movi_i64);
    opt_movi(ctx, op, rl, lo);
    opt_movi(ctx, op2, rh, hi);
    return true;
}

static bool fold_and(OptContext *ctx, TCGOp *op)
{
    TCGOptInfo *a, *b;

    swap_commutative(ctx, op);
    if (fold_const2(ctx, op) || fold_ident_right(ctx, op, ~0ull)) {
        return true;
    }
    if (args_are_copies(ctx, op->args[1], op->args[2])) {
        return opt_mov(ctx, op, op->args[0], op->args[1]);
    }
    a = ti(ctx, op->args[1]);
    b = ti(ctx, op->args[2]);
    /* every bit that may be set in a is known set in b, or vice versa */
    if ((a->z_mask & ~b->o_mask & ctx->tmask) == 0) {
        return opt_mov(ctx, op, op->args[0], op->args[1]);
    }
    if ((b->z_mask & ~a->o_mask & ctx->tmask) == 0) {
        return opt_mov(ctx, op, op->args[0], op->args[2]);
    }
    return fold_masks(ctx, op, a->z_mask & b->z_mask, a->o_mask & b->o_mask);
}

static bool fold_andc(OptContext *ctx, TCGOp *op)
{
    TCGOptInfo *a, *b;

    if (fold_const2(ctx, op) || fold_ident_right(ctx, op, 0)) {
        return true;
    }
    if (args_are_copies(ctx, op->args[1], op->args[2])) {
        return opt_movi(ctx, op, op->args[0], 0);
    }
    a = ti(ctx, op->args[1]);
    b = ti(ctx, op->args[2]);
    if ((a->z_mask & b->z_mask) == 0) {
        return opt_mov(ctx, op, op->args[0], op->args[1]);
    }
    return fold_masks(ctx, op, a->z_mask & ~b->o_mask, a->o_mask & ~b->z_mask);
}

static bool fold_or(OptContext *ctx, TCGOp *op)
{
    TCGOptInfo *a, *b;

    swap_commutative(ctx, op);
    if (fold_const2(ctx, op) || fold_ident_right(ctx, op, 0)) {
        return true;
    }
    if (args_are_copies(ctx, op->args[1], op->args[2])) {
        return opt_mov(ctx, op, op->args[0], op->args[1]);
    }
    a = ti(ctx, op->args[1]);
    b = ti(ctx, op->args[2]);
    if ((b->z_mask & ~a->o_mask & ctx->tmask) == 0) {
        return opt_mov(ctx, op, op->args[0], op->args[1]);
    }
    if ((a->z_mask & ~b->o_mask & ctx->tmask) == 0) {
        return opt_mov(ctx, op, op->args[0], op->args[2]);
    }
    return fold_masks(ctx, op, a->z_mask | b->z_mask, a->o_mask | b->o_mask);
}

static bool fold_xor(OptContext *ctx, TCGOp *op)
{
    TCGOptInfo *a, *b;
    uint64_t unk;

    swap_commutative(ctx, op);
    if (fold_const2(ctx, op) || fold_ident_right(ctx, op, 0)) {
        return true;
    }
    if (args_are_copies(ctx, op->args[1], op->args[2])) {
        return opt_movi(ctx, op, op->args[0], 0);
    }
    a = ti(ctx, op->args[1]);
    b = ti(ctx, op->args[2]);
    unk = (a->z_mask & ~a->o_mask) | (b->z_mask & ~b->o_mask);
    return fold_masks(ctx, op, ((a->o_mask ^ b->o_mask) & ~unk) | unk,
                      (a->o_mask ^ b->o_mask) & ~unk);
}

static bool fold_not(OptContext *ctx, TCGOp *op)
{
    TCGOptInfo *a;

    if (fold_const1(ctx, op)) {
        return true;
    }
    a = ti(ctx, op->args[1]);
    return fold_masks(ctx, op, ~a->o_mask, ~a->z_mask);
}

static bool fold_neg(OptContext *ctx, TCGOp *op)
{
    return fold_const1(ctx, op) || fold_unknown(ctx, op);
}

static bool fold_shift(OptContext *ctx, TCGOp *op)
{
    unsigned width = ctx->tmask == ~0ull ? 64 : 32;
    TCGOptInfo *a;
    unsigned c;

    if (fold_const2(ctx, op)) {
        return true;
    }
    if (arg_is_const_val(ctx, op->args[1], 0)) {
        /* 0 shifted or rotated is 0 (0 >> n with sar too) */
        return opt_movi(ctx, op, op->args[0], 0);
    }
    if (!arg_is_const(ctx, op->args[2])) {
        return fold_unknown(ctx, op);
    }
    c = (unsigned)arg_val(ctx, op->args[2]) & (width - 1);
    if (c == 0) {
        return opt_mov(ctx, op, op->args[0], op->args[1]);
    }
    a = ti(ctx, op->args[1]);
    switch (op->opc) {
    case INDEX_op_shl_i32:
    case INDEX_op_shl_i64:
        return fold_masks(ctx, op, a->z_mask << c, a->o_mask << c);
    case INDEX_op_shr_i32:
    case INDEX_op_shr_i64:
        return fold_masks(ctx, op, a->z_mask >> c, a->o_mask >> c);
    case INDEX_op_sar_i32:
    case INDEX_op_sar_i64:
        if (!(a->z_mask & (1ull << (width - 1)))) {
            /* sign bit known 0: same as shr */
            return fold_masks(ctx, op, a->z_mask >> c, a->o_mask >> c);
        }
        return fold_unknown(ctx, op);
    case INDEX_op_rotl_i32:
    case INDEX_op_rotr_i32:
        return fold_masks(ctx, op, tcg_eval_op32(op->opc, (uint32_t)a->z_mask, c),
                          tcg_eval_op32(op->opc, (uint32_t)a->o_mask, c));
    default:
        return fold_masks(ctx, op, tcg_eval_op64(op->opc, a->z_mask, c),
                          tcg_eval_op64(op->opc, a->o_mask, c));
    }
}

/* zero extension from `bits`: a copy when the high bits are known 0 */
static bool fold_zext(OptContext *ctx, TCGOp *op, unsigned bits)
{
    uint64_t m = tcg_field_mask(bits);
    TCGOptInfo *a;

    if (fold_const1(ctx, op)) {
        return true;
    }
    a = ti(ctx, op->args[1]);
    if ((a->z_mask & ~m & ctx->tmask) == 0) {
        return opt_mov(ctx, op, op->args[0], op->args[1]);
    }
    return fold_masks(ctx, op, a->z_mask & m, a->o_mask & m);
}

/* sign extension from `bits`: a copy when bit bits-1 and above are 0 */
static bool fold_sext(OptContext *ctx, TCGOp *op, unsigned bits)
{
    uint64_t m = tcg_field_mask(bits - 1);
    TCGOptInfo *a;

    if (fold_const1(ctx, op)) {
        return true;
    }
    a = ti(ctx, op->args[1]);
    if ((a->z_mask & ~m & ctx->tmask) == 0) {
        return opt_mov(ctx, op, op->args[0], op->args[1]);
    }
    if (!(a->z_mask & (1ull << (bits - 1)))) {
        return fold_masks(ctx, op, a->z_mask & m, a->o_mask & m);
    }
    return fold_unknown(ctx, op);
}

static bool fold_ext8u(OptContext *ctx, TCGOp *op) { return fold_zext(ctx, op, 8); }
static bool fold_ext16u(OptContext *ctx, TCGOp *op) { return fold_zext(ctx, op, 16); }
static bool fold_ext32u(OptContext *ctx, TCGOp *op) { return fold_zext(ctx, op, 32); }
static bool fold_ext8s(OptContext *ctx, TCGOp *op) { return fold_sext(ctx, op, 8); }
static bool fold_ext16s(OptContext *ctx, TCGOp *op) { return fold_sext(ctx, op, 16); }
static bool fold_ext32s(OptContext *ctx, TCGOp *op) { return fold_sext(ctx, op, 32); }

/* width changes: never copies (types differ), but constants and masks */
static bool fold_extu_i32_i64(OptContext *ctx, TCGOp *op)
{
    TCGOptInfo *a;

    if (fold_const1(ctx, op)) {
        return true;
    }
    a = ti(ctx, op->args[1]);
    return fold_masks(ctx, op, a->z_mask & 0xffffffffu, a->o_mask & 0xffffffffu);
}

static bool fold_exts_i32_i64(OptContext *ctx, TCGOp *op)
{
    TCGOptInfo *a;

    if (fold_const1(ctx, op)) {
        return true;
    }
    a = ti(ctx, op->args[1]);
    if (!(a->z_mask & 0x80000000u)) {
        return fold_masks(ctx, op, a->z_mask, a->o_mask);
    }
    return fold_unknown(ctx, op);
}

static bool fold_extrl(OptContext *ctx, TCGOp *op)
{
    TCGOptInfo *a;

    if (fold_const1(ctx, op)) {
        return true;
    }
    a = ti(ctx, op->args[1]);
    return fold_masks(ctx, op, a->z_mask, a->o_mask);
}

static bool fold_extrh(OptContext *ctx, TCGOp *op)
{
    TCGOptInfo *a;

    if (fold_const1(ctx, op)) {
        return true;
    }
    a = ti(ctx, op->args[1]);
    return fold_masks(ctx, op, a->z_mask >> 32, a->o_mask >> 32);
}

static bool fold_bswap(OptContext *ctx, TCGOp *op)
{
    uint64_t z;

    if (fold_const1(ctx, op)) {
        return true;
    }
    switch (op->opc) {
    case INDEX_op_bswap16_i32:
    case INDEX_op_bswap16_i64:
        z = 0xffff;
        break;
    case INDEX_op_bswap32_i32:
    case INDEX_op_bswap32_i64:
        z = 0xffffffff;
        break;
    default:
        z = ~0ull;
        break;
    }
    return fold_masks(ctx, op, z, 0);
}

static bool fold_count_zeros(OptContext *ctx, TCGOp *op)
{
    unsigned width = ctx->tmask == ~0ull ? 64 : 32;
    TCGOptInfo *a;

    if (fold_const2(ctx, op)) {
        return true;
    }
    a = ti(ctx, op->args[1]);
    if (a->o_mask) {
        /* input known non-zero: the result is at most width - 1 */
        return fold_masks(ctx, op, width - 1, 0);
    }
    if (arg_is_const_val(ctx, op->args[1], 0)) {
        return opt_mov(ctx, op, op->args[0], op->args[2]);
    }
    return fold_masks(ctx, op, (width - 1) | ti(ctx, op->args[2])->z_mask, 0);
}

static bool fold_ctpop(OptContext *ctx, TCGOp *op)
{
    unsigned width = ctx->tmask == ~0ull ? 64 : 32;
    return fold_const1(ctx, op) || fold_masks(ctx, op, width * 2 - 1, 0);
}

static bool fold_deposit(OptContext *ctx, TCGOp *op)
{
    unsigned pos = (unsigned)op->args[3], len = (unsigned)op->args[4];
    uint64_t m = tcg_field_mask(len) << pos;
    TCGOptInfo *a, *b;

    if (arg_is_const(ctx, op->args[1]) && arg_is_const(ctx, op->args[2])) {
        return opt_movi(ctx, op, op->args[0],
                        tcg_deposit64(arg_val(ctx, op->args[1]),
                                      arg_val(ctx, op->args[2]), pos, len));
    }
    a = ti(ctx, op->args[1]);
    b = ti(ctx, op->args[2]);
    return fold_masks(ctx, op, (a->z_mask & ~m) | ((b->z_mask << pos) & m),
                      (a->o_mask & ~m) | ((b->o_mask << pos) & m));
}

static bool fold_extract(OptContext *ctx, TCGOp *op)
{
    unsigned pos = (unsigned)op->args[2], len = (unsigned)op->args[3];
    TCGOptInfo *a = ti(ctx, op->args[1]);

    if (op->opc == INDEX_op_extract_i32 || op->opc == INDEX_op_extract_i64) {
        if (pos == 0 && (a->z_mask & ~tcg_field_mask(len) & ctx->tmask) == 0) {
            return opt_mov(ctx, op, op->args[0], op->args[1]);
        }
        return fold_masks(ctx, op, tcg_extract64(a->z_mask, pos, len),
                          tcg_extract64(a->o_mask, pos, len));
    }
    if (arg_is_const(ctx, op->args[1])) {
        return opt_movi(ctx, op, op->args[0],
                        (uint64_t)tcg_sextract64(arg_val(ctx, op->args[1]),
                                                 pos, len));
    }
    if (!(a->z_mask & (1ull << (pos + len - 1)))) {
        /* field's sign bit known 0 */
        return fold_masks(ctx, op, tcg_extract64(a->z_mask, pos, len),
                          tcg_extract64(a->o_mask, pos, len));
    }
    return fold_unknown(ctx, op);
}

/*
 * Decides a comparison from constants or copies: returns 0 or 1, or -1
 * when it depends on run-time values.
 */
static int eval_cond(OptContext *ctx, TCGType type, TCGArg x, TCGArg y,
                     TCGCond c)
{
    if (arg_is_const(ctx, x) && arg_is_const(ctx, y)) {
        uint64_t a = arg_val(ctx, x), b = arg_val(ctx, y);
        return type == TCG_TYPE_I32 ? tcg_eval_cond32(c, a, b)
                                    : tcg_eval_cond64(c, a, b);
    }
    if (c == TCG_COND_ALWAYS) {
        return 1;
    }
    if (c == TCG_COND_NEVER) {
        return 0;
    }
    if (args_are_copies(ctx, x, y)) {
        switch (c) {
        case TCG_COND_EQ: case TCG_COND_LE: case TCG_COND_GE:
        case TCG_COND_LEU: case TCG_COND_GEU:
            return 1;
        case TCG_COND_NE: case TCG_COND_LT: case TCG_COND_GT:
        case TCG_COND_LTU: case TCG_COND_GTU:
            return 0;
        default:
            return -1;
        }
    }
    if ((c == TCG_COND_TSTEQ || c == TCG_COND_TSTNE) &&
        (ti(ctx, x)->z_mask & ti(ctx, y)->z_mask) == 0) {
        return c == TCG_COND_TSTEQ;
    }
    if (arg_is_const_val(ctx, y, 0)) {
        if (c == TCG_COND_LTU) {
            return 0;       /* x < 0 unsigned: never */
        }
        if (c == TCG_COND_GEU) {
            return 1;
        }
    }
    return -1;
}

static TCGType op_in_type(const TCGOp *op)
{
    return (tcg_op_defs[op->opc].flags & TCG_OPF_64BIT) ? TCG_TYPE_I64
                                                       : TCG_TYPE_I32;
}

static bool fold_setcond(OptContext *ctx, TCGOp *op)
{
    int r = eval_cond(ctx, op_in_type(op), op->args[1], op->args[2],
                      (TCGCond)op->args[3]);

    if (r >= 0) {
        return opt_movi(ctx, op, op->args[0], (uint64_t)r);
    }
    return fold_masks(ctx, op, 1, 0);
}

static bool fold_movcond(OptContext *ctx, TCGOp *op)
{
    int r = eval_cond(ctx, op_in_type(op), op->args[1], op->args[2],
                      (TCGCond)op->args[5]);
    TCGOptInfo *a, *b;

    if (r >= 0) {
        return opt_mov(ctx, op, op->args[0], op->args[r ? 3 : 4]);
    }
    if (args_are_copies(ctx, op->args[3], op->args[4])) {
        return opt_mov(ctx, op, op->args[0], op->args[3]);
    }
    a = ti(ctx, op->args[3]);
    b = ti(ctx, op->args[4]);
    return fold_masks(ctx, op, a->z_mask | b->z_mask, a->o_mask & b->o_mask);
}

static bool fold_brcond(OptContext *ctx, TCGOp *op)
{
    int r = eval_cond(ctx, op_in_type(op), op->args[0], op->args[1],
                      (TCGCond)op->args[2]);
    TCGLabel *l = arg_label(ctx->s, op->args[3]);

    if (r == 0) {
        l->refs--;
        tcg_op_remove(ctx->s, op);
    } else if (r == 1) {
        op->opc = INDEX_op_br;
        op->args[0] = op->args[3];
        op->nargs = 1;
        ctx->unreachable = true;
    }
    return true;
}

static bool fold_load(OptContext *ctx, TCGOp *op)
{
    uint64_t z;

    switch (op->opc) {
    case INDEX_op_ld8u_i32: case INDEX_op_ld8u_i64: z = 0xff; break;
    case INDEX_op_ld16u_i32: case INDEX_op_ld16u_i64: z = 0xffff; break;
    case INDEX_op_ld32u_i64: z = 0xffffffff; break;
    case INDEX_op_qemu_ld_i32:
    case INDEX_op_qemu_ld_i64: {
        MemOp mo = tcg_memop((MemOpIdx)op->args[2]);
        z = (mo & MO_SIGN) ? ~0ull : tcg_field_mask(8u << (mo & MO_SIZE));
        break;
    }
    default: z = ~0ull; break;
    }
    return fold_masks(ctx, op, z, 0);
}

static bool fold_call(OptContext *ctx, TCGOp *op)
{
    if (!(tcg_call_info(op)->flags & TCG_CALL_NO_WRITE_GLOBALS)) {
        for (unsigned i = 1; i < ctx->s->nb_globals; i++) {
            reset_temp(ctx, i);
        }
    }
    return fold_unknown(ctx, op);
}

static bool fold_discard(OptContext *ctx, TCGOp *op)
{
    reset_temp(ctx, op->args[0]);
    return true;
}

static bool fold_nothing(OptContext *ctx, TCGOp *op)
{
    return true;
}

#define F2(name, fn) [INDEX_op_##name##_i32] = fn, [INDEX_op_##name##_i64] = fn,

static const FoldFn fold_table[NB_OPS] = {
    F2(mov, fold_mov) F2(movi, fold_movi)
    F2(add, fold_add) F2(sub, fold_sub) F2(mul, fold_mul)
    F2(muls2, fold_mul2) F2(mulu2, fold_mul2)
    F2(and, fold_and) F2(or, fold_or) F2(xor, fold_xor) F2(andc, fold_andc)
    F2(not, fold_not) F2(neg, fold_neg)
    F2(shl, fold_shift) F2(shr, fold_shift) F2(sar, fold_shift)
    F2(rotl, fold_shift) F2(rotr, fold_shift)
    F2(ext8s, fold_ext8s) F2(ext8u, fold_ext8u)
    F2(ext16s, fold_ext16s) F2(ext16u, fold_ext16u)
    [INDEX_op_ext32s_i64] = fold_ext32s,
    [INDEX_op_ext32u_i64] = fold_ext32u,
    [INDEX_op_extu_i32_i64] = fold_extu_i32_i64,
    [INDEX_op_exts_i32_i64] = fold_exts_i32_i64,
    [INDEX_op_extrl_i64_i32] = fold_extrl,
    [INDEX_op_extrh_i64_i32] = fold_extrh,
    F2(deposit, fold_deposit) F2(extract, fold_extract)
    F2(sextract, fold_extract)
    F2(bswap16, fold_bswap) F2(bswap32, fold_bswap)
    [INDEX_op_bswap64_i64] = fold_bswap,
    F2(clz, fold_count_zeros) F2(ctz, fold_count_zeros)
    F2(ctpop, fold_ctpop)
    F2(setcond, fold_setcond) F2(movcond, fold_movcond)
    F2(brcond, fold_brcond)
    F2(ld8u, fold_load) F2(ld16u, fold_load)
    [INDEX_op_ld32u_i64] = fold_load,
    F2(qemu_ld, fold_load)
    [INDEX_op_call] = fold_call,
    [INDEX_op_discard] = fold_discard,
    [INDEX_op_insn_start] = fold_nothing,
    [INDEX_op_mb] = fold_nothing,
    [INDEX_op_goto_tb] = fold_nothing,
};

/* ------------------------------------------------------------------ */
/* the pass */

static void count_label_refs(TCGContext *s)
{
    for (unsigned i = 0; i < s->nb_labels; i++) {
        s->labels[i]->refs = 0;
    }
    TCG_FOREACH_OP(s, op) {
        if (op->opc == INDEX_op_br) {
            arg_label(s, op->args[0])->refs++;
        } else if (op->opc == INDEX_op_brcond_i32 ||
                   op->opc == INDEX_op_brcond_i64) {
            arg_label(s, op->args[3])->refs++;
        }
    }
}

static void drop_unreachable(OptContext *ctx, TCGOp *op)
{
    if (op->opc == INDEX_op_br) {
        arg_label(ctx->s, op->args[0])->refs--;
    } else if (op->opc == INDEX_op_brcond_i32 ||
               op->opc == INDEX_op_brcond_i64) {
        arg_label(ctx->s, op->args[3])->refs--;
    }
    tcg_op_remove(ctx->s, op);
}

/* A label some branch targets starts a new EBB: knowledge is dropped. */
static void opt_set_label(OptContext *ctx, TCGOp *op)
{
    TCGLabel *l = arg_label(ctx->s, op->args[0]);

    if (l->refs == 0) {
        tcg_op_remove(ctx->s, op);
        return;
    }
    ctx->unreachable = false;
    ctx->gen++;
}

static void opt_rewrite_inputs(OptContext *ctx, TCGOp *op)
{
    unsigned no = tcg_op_nb_oargs(op), ni = tcg_op_nb_iargs(op);

    for (unsigned i = no; i < no + ni; i++) {
        op->args[i] = better_input(ctx, op->args[i]);
    }
}

void tcg_optimize(TCGContext *s)
{
    OptContext ctx = { .s = s };

    /* generations go on from one TB to the next, so no info is cleared
       per TB; only when they wrap */
    if (!s->opt_info || s->opt_gen > UINT32_MAX / 2) {
        free(s->opt_info);
        s->opt_info = xzalloc(TCG_MAX_TEMPS * sizeof(TCGOptInfo));
        s->opt_gen = 0;
    }
    ctx.info = s->opt_info;
    ctx.gen = ++s->opt_gen;
    count_label_refs(s);

    TCG_FOREACH_OP_SAFE(s, op, next) {
        uint32_t flags = tcg_op_defs[op->opc].flags;
        FoldFn fn = fold_table[op->opc];

        if (op->opc == INDEX_op_set_label) {
            opt_set_label(&ctx, op);
            continue;
        }
        if (ctx.unreachable) {
            drop_unreachable(&ctx, op);
            continue;
        }
        opt_rewrite_inputs(&ctx, op);
        ctx.tmask = (flags & TCG_OPF_64BIT) ? ~0ull : 0xffffffffull;
        (fn ? fn : fold_unknown)(&ctx, op);
        if (flags & TCG_OPF_NO_FALLTHROUGH) {
            ctx.unreachable = true;
        }
    }
    s->opt_gen = ctx.gen;
}
