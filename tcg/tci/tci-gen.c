/*
 * TCG interpreter backend, encoder side: turns the optimized op list into
 * the bytecode described in tcg/tci/tci.h, and implements the TCGBackend
 * interface (tcg/backend.h) for it.
 *
 * Globals follow the liveness data: a global is loaded from env into its
 * slot the first time an op reads it in a basic block (or after a helper
 * that may write globals), and stored back after an op whose output
 * carries a SYNC bit. Labels, unconditional branches and exits forget
 * which globals are loaded; liveness guarantees they were synced.
 *
 * Operands are slots; a constant is inline where the op has an immediate
 * form (ALU ops, compare-and-branch, setcond, stores of a constant to
 * env) and put in its slot by a movi just before the op otherwise. A move
 * to a global that is only synced (dead afterwards) becomes a store to
 * env alone. Guest loads and stores of the plain little-endian MemOps get
 * handlers with the soft TLB hit test for that size inline.
 *
 * Helper calls of a common signature (TCI_CALL_LIST) are direct C calls
 * through a function pointer of that type; the others go through libffi,
 * with one ffi_cif per helper prepared the first time a TB calls it and
 * cached in the context.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "tcg/backend.h"
#include "tcg/tci/tci.h"
#include "tcg/tlb.h"

typedef struct TCIFixup {
    uint32_t insn;          /* word index of the branch */
    uint32_t disp;          /* word index of its displacement */
    uint32_t label;
} TCIFixup;

typedef struct TCIState {
    TCIShared shared;               /* first: what tci_exec reads */
    const int32_t *handlers;        /* tci_handlers() */
    /* helper cif cache: open addressing on the TCGHelperInfo pointer */
    TCIHelper **helpers;
    unsigned nb_helpers, helpers_cap;
    /* per-TB encoding scratch */
    TCIFixup *fixups;
    unsigned nb_fixups, fixups_cap;
    int32_t *label_pos;
    unsigned label_cap;
    bool valid[TCG_MAX_TEMPS];      /* global loaded in its slot */
    TCGInsnData *insns;
    unsigned nb_insns, insns_cap;
} TCIState;

typedef struct TCIEmit {
    TCGContext *s;
    TCIState *ts;
    uint64_t *buf;          /* start of this TB */
    size_t cap;             /* words available */
    size_t n;               /* words used */
    size_t last;            /* first word of the last instruction */
    bool last_flaggable;    /* it may carry TCI_SYNC* (not an env form) */
    bool full;
} TCIEmit;

/* ------------------------------------------------------------------ */
/* helper cache */

static ffi_type *tci_ffi_type(uint8_t t)
{
    switch (t) {
    case TCG_HT_I32: return &ffi_type_uint32;
    case TCG_HT_S32: return &ffi_type_sint32;
    case TCG_HT_I64: return &ffi_type_uint64;
    case TCG_HT_S64: return &ffi_type_sint64;
    case TCG_HT_PTR: return &ffi_type_pointer;
    default: return &ffi_type_void;
    }
}

/* The direct-call handler for info's signature, or TCI_call_ffi. */
static int tci_call_shape(const TCGHelperInfo *info)
{
#define TCI_SHAPE(n, R, nargs, T0, T1, T2, T3, T4)                          \
    { TCI_call_##n, TCG_HT_##R, nargs,                                      \
      { TCG_HT_##T0, TCG_HT_##T1, TCG_HT_##T2, TCG_HT_##T3, TCG_HT_##T4 } },
    static const struct {
        int op;
        uint8_t ret, nargs, args[5];
    } shapes[] = { TCI_CALL_LIST(TCI_SHAPE) };
#undef TCI_SHAPE

    for (size_t i = 0; i < ARRAY_SIZE(shapes); i++) {
        if (shapes[i].ret == info->ret && shapes[i].nargs == info->nargs &&
            !memcmp(shapes[i].args, info->args, info->nargs)) {
            return shapes[i].op;
        }
    }
    return TCI_call_ffi;
}

static unsigned tci_helper_hash(const TCGHelperInfo *info, unsigned cap)
{
    return (unsigned)(((uintptr_t)info >> 3) * 0x9e3779b1u) & (cap - 1);
}

static void tci_helper_insert(TCIState *ts, TCIHelper *h)
{
    unsigned i = tci_helper_hash(h->info, ts->helpers_cap);
    while (ts->helpers[i]) {
        i = (i + 1) & (ts->helpers_cap - 1);
    }
    ts->helpers[i] = h;
}

static void tci_helper_grow(TCIState *ts)
{
    TCIHelper **old = ts->helpers;
    unsigned old_cap = ts->helpers_cap;

    ts->helpers_cap = old_cap ? old_cap * 2 : 64;
    ts->helpers = xzalloc(ts->helpers_cap * sizeof(*ts->helpers));
    for (unsigned i = 0; i < old_cap; i++) {
        if (old[i]) {
            tci_helper_insert(ts, old[i]);
        }
    }
    free(old);
}

static TCIHelper *tci_helper_get(TCIState *ts, const TCGHelperInfo *info)
{
    TCIHelper *h;

    if (ts->helpers_cap) {
        for (unsigned i = tci_helper_hash(info, ts->helpers_cap); ts->helpers[i];
             i = (i + 1) & (ts->helpers_cap - 1)) {
            if (ts->helpers[i]->info == info) {
                return ts->helpers[i];
            }
        }
    }
    if (2 * (ts->nb_helpers + 1) > ts->helpers_cap) {
        tci_helper_grow(ts);
    }
    h = xzalloc(sizeof(*h));
    h->info = info;
    for (unsigned i = 0; i < info->nargs; i++) {
        h->args[i] = tci_ffi_type(info->args[i]);
    }
    if (ffi_prep_cif(&h->cif, FFI_DEFAULT_ABI, info->nargs,
                     tci_ffi_type(info->ret), h->args) != FFI_OK) {
        /* only a malformed TCGHelperInfo gets here: our own bug */
        error_report("tci: cannot prepare call to helper %s", info->name);
        abort();
    }
    h->shape = tci_call_shape(info);
    tci_helper_insert(ts, h);
    ts->nb_helpers++;
    return h;
}

/* ------------------------------------------------------------------ */
/* emission */

static void tci_out(TCIEmit *e, uint64_t w)
{
    if (e->n < e->cap) {
        e->buf[e->n] = w;
    } else {
        e->full = true;
    }
    e->n++;
}

/* First word of an instruction: handler and slots A, B, C. */
static void tci_op(TCIEmit *e, TCIOp op, unsigned a, unsigned b, unsigned c)
{
    assert(a <= TCI_SLOT_MASK && b <= TCI_SLOT_MASK && c <= TCI_SLOT_MASK);
    e->last = e->n;
    e->last_flaggable = true;
    tci_out(e, (uint64_t)(uint32_t)e->ts->handlers[op] | ((uint64_t)a << 32) |
               ((uint64_t)b << 42) | ((uint64_t)c << 52));
}

/* First word of an env form: slot A and the byte offset into env. */
static void tci_op_env(TCIEmit *e, TCIOp op, unsigned a, uint64_t off)
{
    e->last = e->n;
    e->last_flaggable = false;
    tci_out(e, (uint64_t)(uint32_t)e->ts->handlers[op] | ((uint64_t)a << 32) |
               (off << 42));
}

static bool tci_env_off_ok(int64_t off)
{
    return off >= 0 && off < (1ll << TCI_ENV_OFF_BITS);
}

static TCGTemp *tci_temp(TCIEmit *e, TCGArg a)
{
    return arg_temp(e->s, a);
}

static bool tci_is_const(TCIEmit *e, TCGArg a)
{
    return tci_temp(e, a)->kind == TEMP_CONST;
}

/* The slot of an input, with a constant put there first. */
static unsigned tci_in(TCIEmit *e, TCGArg a)
{
    TCGTemp *t = tci_temp(e, a);

    if (t->kind == TEMP_CONST) {
        tci_op(e, TCI_movi, t->index, 0, 0);
        tci_out(e, t->type == TCG_TYPE_I32 ? (uint32_t)t->val : t->val);
    }
    return t->index;
}

static unsigned tci_outp(TCGArg a)
{
    return (unsigned)a;
}

/* Host load or store of slot v at env + off (the short form if it fits). */
static void tci_env_access(TCIEmit *e, TCIOp generic, unsigned v, int64_t off)
{
    if (tci_env_off_ok(off)) {
        tci_op_env(e, (TCIOp)(generic + 1), v, (uint64_t)off);
    } else {
        tci_op(e, generic, v, 0, 0);
        tci_out(e, (uint64_t)off);
    }
}

static void tci_global_load(TCIEmit *e, TCGTemp *t)
{
    tci_env_access(e, t->type == TCG_TYPE_I32 ? TCI_ld32u : TCI_ld64,
                   t->index, t->mem_offset);
    e->ts->valid[t->index] = true;
}

static void tci_global_store(TCIEmit *e, TCGTemp *t)
{
    tci_env_access(e, t->type == TCG_TYPE_I32 ? TCI_st32 : TCI_st64,
                   t->index, t->mem_offset);
}

static void tci_forget_globals(TCIEmit *e)
{
    memset(e->ts->valid, 0, e->s->nb_globals * sizeof(bool));
}

static void tci_load_inputs(TCIEmit *e, const TCGOp *op)
{
    unsigned no = tcg_op_nb_oargs(op), ni = tcg_op_nb_iargs(op);

    for (unsigned i = no; i < no + ni; i++) {
        TCGTemp *t = arg_temp(e->s, op->args[i]);
        if (t->kind == TEMP_GLOBAL && !e->ts->valid[t->index]) {
            tci_global_load(e, t);
        }
    }
}

static bool tci_retargetable(TCGOpcode opc);

/*
 * Globals an op wrote are in their slots; synced ones go to env too, by
 * the flag of the instruction that wrote slot A when it is a one-output
 * op (its handler ends in NEXT_W), else by a store.
 */
static void tci_finish_outputs(TCIEmit *e, const TCGOp *op)
{
    unsigned no = tcg_op_nb_oargs(op);

    for (unsigned i = 0; i < no; i++) {
        TCGTemp *t = arg_temp(e->s, op->args[i]);
        if (t->kind != TEMP_GLOBAL) {
            continue;
        }
        e->ts->valid[t->index] = true;
        if (!(op->life & TCG_LIFE_SYNC(i))) {
            continue;
        }
        if (no == 1 && tci_retargetable(op->opc) && e->last_flaggable &&
            e->last < e->cap &&
            tci_env_off_ok(t->mem_offset)) {
            uint64_t f = t->type == TCG_TYPE_I32 ? TCI_SYNC32 : TCI_SYNC64;
            e->buf[e->last] |= f << TCI_SYNC_SHIFT;
        } else {
            tci_global_store(e, t);
        }
    }
}

static void tci_add_fixup(TCIEmit *e, uint32_t insn, TCGArg label)
{
    TCIState *ts = e->ts;

    if (ts->nb_fixups == ts->fixups_cap) {
        ts->fixups_cap = ts->fixups_cap ? 2 * ts->fixups_cap : 64;
        ts->fixups = xrealloc(ts->fixups, ts->fixups_cap * sizeof(TCIFixup));
    }
    ts->fixups[ts->nb_fixups++] =
        (TCIFixup){ insn, (uint32_t)e->n, (uint32_t)label };
    tci_out(e, 0);
}

static void tci_emit_call(TCIEmit *e, const TCGOp *op)
{
    const TCGHelperInfo *info = tcg_call_info(op);
    TCIHelper *h = tci_helper_get(e->ts, info);
    unsigned ret = op->callo ? tci_outp(op->args[0]) : 0;
    unsigned slots[TCG_HELPER_MAX_ARGS];
    uint64_t w = 0;

    for (unsigned i = 0; i < info->nargs; i++) {
        slots[i] = tci_in(e, op->args[op->callo + i]);
        w |= (uint64_t)slots[i] << (TCI_SLOT_BITS * i);
    }
    tci_op(e, (TCIOp)h->shape, ret, 0, 0);
    tci_out(e, h->shape == TCI_call_ffi ? (uintptr_t)h : (uintptr_t)info->func);
    tci_out(e, w);
    if (!(info->flags & TCG_CALL_NO_WRITE_GLOBALS)) {
        tci_forget_globals(e);
    }
}

static void tci_record_insn(TCIEmit *e, const TCGOp *op)
{
    TCIState *ts = e->ts;
    TCGInsnData *d;

    if (ts->nb_insns == ts->insns_cap) {
        ts->insns_cap = ts->insns_cap ? 2 * ts->insns_cap : 64;
        ts->insns = xrealloc(ts->insns, ts->insns_cap * sizeof(TCGInsnData));
    }
    d = &ts->insns[ts->nb_insns++];
    memset(d, 0, sizeof(*d));
    d->code_offset = (uint32_t)(e->n * 8);
    for (unsigned i = 0; i < TCG_INSN_START_WORDS; i++) {
        d->data[i] = op->args[i];
    }
}

/* The TCIOp of a binary ALU op's 32-bit register form, or -1. */
static int tci_alu_base(TCGOpcode opc)
{
    switch (opc) {
#define TCI_ALU_CASE(n)                                                     \
    case INDEX_op_##n##_i32: case INDEX_op_##n##_i64: return TCI_##n##32;
    TCI_ALU_LIST(TCI_ALU_CASE)
#undef TCI_ALU_CASE
    default:
        return -1;
    }
}

static bool tci_commutative(TCGOpcode opc)
{
    switch (opc) {
    case INDEX_op_add_i32: case INDEX_op_add_i64:
    case INDEX_op_mul_i32: case INDEX_op_mul_i64:
    case INDEX_op_and_i32: case INDEX_op_and_i64:
    case INDEX_op_or_i32: case INDEX_op_or_i64:
    case INDEX_op_xor_i32: case INDEX_op_xor_i64:
        return true;
    default:
        return false;
    }
}

static bool tci_is64(TCGOpcode opc)
{
    return tcg_op_defs[opc].flags & TCG_OPF_64BIT;
}

/* A = B op C, or A = B op imm when C (or B, commuted) is a constant. */
static void tci_emit_alu(TCIEmit *e, const TCGOp *op, int base)
{
    TCGArg x = op->args[1], y = op->args[2];
    int w = tci_is64(op->opc) ? 1 : 0;

    if (tci_is_const(e, x) && !tci_is_const(e, y) &&
        tci_commutative(op->opc)) {
        TCGArg t = x;
        x = y;
        y = t;
    }
    if (tci_is_const(e, y)) {
        unsigned b = tci_in(e, x);
        tci_op(e, (TCIOp)(base + 2 + w), tci_outp(op->args[0]), b, 0);
        tci_out(e, tci_temp(e, y)->val);
        return;
    }
    {
        unsigned b = tci_in(e, x), c = tci_in(e, y);
        tci_op(e, (TCIOp)(base + w), tci_outp(op->args[0]), b, c);
    }
}

static int tci_unary(TCGOpcode opc)
{
    switch (opc) {
    case INDEX_op_mov_i32: return TCI_mov32;
    case INDEX_op_mov_i64: return TCI_mov64;
    case INDEX_op_not_i32: return TCI_not32;
    case INDEX_op_not_i64: return TCI_not64;
    case INDEX_op_neg_i32: return TCI_neg32;
    case INDEX_op_neg_i64: return TCI_neg64;
    case INDEX_op_ext8s_i32: return TCI_ext8s32;
    case INDEX_op_ext8s_i64: return TCI_ext8s64;
    case INDEX_op_ext8u_i32: case INDEX_op_ext8u_i64: return TCI_ext8u;
    case INDEX_op_ext16s_i32: return TCI_ext16s32;
    case INDEX_op_ext16s_i64: return TCI_ext16s64;
    case INDEX_op_ext16u_i32: case INDEX_op_ext16u_i64: return TCI_ext16u;
    case INDEX_op_ext32s_i64: case INDEX_op_exts_i32_i64: return TCI_ext32s;
    case INDEX_op_ext32u_i64: case INDEX_op_extu_i32_i64:
    case INDEX_op_extrl_i64_i32: return TCI_ext32u;
    case INDEX_op_extrh_i64_i32: return TCI_extrh;
    case INDEX_op_bswap16_i32: case INDEX_op_bswap16_i64: return TCI_bswap16;
    case INDEX_op_bswap32_i32: case INDEX_op_bswap32_i64: return TCI_bswap32;
    case INDEX_op_bswap64_i64: return TCI_bswap64;
    case INDEX_op_ctpop_i32: return TCI_ctpop32;
    case INDEX_op_ctpop_i64: return TCI_ctpop64;
    default: return -1;
    }
}

/* Host loads and stores: the generic form (its env form follows it). */
static int tci_ldst(TCGOpcode opc)
{
    switch (opc) {
    case INDEX_op_ld8u_i32: case INDEX_op_ld8u_i64: return TCI_ld8u;
    case INDEX_op_ld8s_i32: return TCI_ld8s32;
    case INDEX_op_ld8s_i64: return TCI_ld8s64;
    case INDEX_op_ld16u_i32: case INDEX_op_ld16u_i64: return TCI_ld16u;
    case INDEX_op_ld16s_i32: return TCI_ld16s32;
    case INDEX_op_ld16s_i64: return TCI_ld16s64;
    case INDEX_op_ld_i32: case INDEX_op_ld32u_i64: return TCI_ld32u;
    case INDEX_op_ld32s_i64: return TCI_ld32s64;
    case INDEX_op_ld_i64: return TCI_ld64;
    case INDEX_op_st8_i32: case INDEX_op_st8_i64: return TCI_st8;
    case INDEX_op_st16_i32: case INDEX_op_st16_i64: return TCI_st16;
    case INDEX_op_st_i32: case INDEX_op_st32_i64: return TCI_st32;
    case INDEX_op_st_i64: return TCI_st64;
    default: return -1;
    }
}

static bool tci_is_store(TCGOpcode opc)
{
    return tcg_op_defs[opc].nb_oargs == 0;
}

static void tci_emit_ldst(TCIEmit *e, const TCGOp *op, int form)
{
    const TCGArg *a = op->args;
    int64_t off = (int64_t)a[2];
    bool env = tci_temp(e, a[1])->index == 0 && tci_env_off_ok(off);
    bool st = tci_is_store(op->opc);

    if (st && env && tci_is_const(e, a[0]) &&
        (form == TCI_st32 || form == TCI_st64)) {
        tci_op_env(e, form == TCI_st32 ? TCI_sti32_env : TCI_sti64_env, 0,
                   (uint64_t)off);
        tci_out(e, tci_temp(e, a[0])->val);
        return;
    }
    {
        unsigned v = st ? tci_in(e, a[0]) : tci_outp(a[0]);
        unsigned base = tci_in(e, a[1]);
        if (env) {
            tci_op_env(e, (TCIOp)(form + 1), v, (uint64_t)off);
        } else {
            tci_op(e, (TCIOp)form, v, base, 0);
            tci_out(e, (uint64_t)off);
        }
    }
}

/* The inline-TLB handler of a guest load or store, or the generic one. */
static TCIOp tci_qemu_op(TCGOpcode opc, MemOp mo)
{
    bool is64 = opc == INDEX_op_qemu_ld_i64 || opc == INDEX_op_qemu_st_i64;

    mo &= ~MO_FRONTEND;
    if (opc == INDEX_op_qemu_st_i32 || opc == INDEX_op_qemu_st_i64) {
        static const TCIOp st[4] = { TCI_qst_b, TCI_qst_w, TCI_qst_l,
                                     TCI_qst_q };
        return (mo & ~(MO_SIZE | MO_SIGN)) ? TCI_qst : st[mo & MO_SIZE];
    }
    switch (mo) {
    case MO_UB: return is64 ? TCI_qld_ub64 : TCI_qld_ub32;
    case MO_SB: return is64 ? TCI_qld_sb64 : TCI_qld_sb32;
    case MO_LEUW: return is64 ? TCI_qld_uw64 : TCI_qld_uw32;
    case MO_LESW: return is64 ? TCI_qld_sw64 : TCI_qld_sw32;
    case MO_LEUL: return is64 ? TCI_qld_ul64 : TCI_qld_ul32;
    case MO_LESL: return is64 ? TCI_qld_sl64 : TCI_qld_ul32;
    case MO_LEUQ: return is64 ? TCI_qld_uq64 : TCI_qld32;
    default: return is64 ? TCI_qld64 : TCI_qld32;
    }
}

static void tci_emit_qemu(TCIEmit *e, const TCGOp *op)
{
    const TCGArg *a = op->args;
    MemOp mo = tcg_memop((MemOpIdx)a[2]);
    unsigned mmu = tcg_mmu_idx((MemOpIdx)a[2]);
    bool st = op->opc == INDEX_op_qemu_st_i32 || op->opc == INDEX_op_qemu_st_i64;
    unsigned v = st ? tci_in(e, a[0]) : tci_outp(a[0]);
    unsigned addr = tci_in(e, a[1]);

    assert(mmu < TCG_MAX_MMU_MODES && (unsigned)mo < 128);
    tci_op(e, tci_qemu_op(op->opc, mo), v, addr, mmu | (unsigned)mo << 3);
}

/* Compare-and-branch handlers: [cond index] for the 32-bit slot form. */
static int tci_brcond_op(TCGCond c)
{
    int i = 0;

#define TCI_COND_CASE(CC, n)                                                \
    if (c == TCG_COND_##CC) {                                               \
        return TCI_br_eq32 + 4 * i;                                         \
    }                                                                       \
    i++;
    TCI_COND_LIST(TCI_COND_CASE)
#undef TCI_COND_CASE
    return -1;
}

static void tci_emit_brcond(TCIEmit *e, const TCGOp *op)
{
    const TCGArg *a = op->args;
    TCGArg x = a[0], y = a[1];
    TCGCond c = (TCGCond)a[2];
    int w = op->opc == INDEX_op_brcond_i64 ? 1 : 0, base;
    uint32_t at;

    if (c == TCG_COND_NEVER) {
        return;
    }
    if (c == TCG_COND_ALWAYS) {
        at = (uint32_t)e->n;
        tci_op(e, TCI_br, 0, 0, 0);
        tci_add_fixup(e, at, a[3]);
        return;
    }
    if (tci_is_const(e, x) && !tci_is_const(e, y)) {
        x = a[1];
        y = a[0];
        c = tcg_swap_cond(c);
    }
    base = tci_brcond_op(c);
    assert(base >= 0);
    if (tci_is_const(e, y)) {
        unsigned s = tci_in(e, x);
        at = (uint32_t)e->n;
        tci_op(e, (TCIOp)(base + 2 + w), s, 0, 0);
        tci_out(e, tci_temp(e, y)->val);
    } else {
        unsigned s = tci_in(e, x), t = tci_in(e, y);
        at = (uint32_t)e->n;
        tci_op(e, (TCIOp)(base + w), s, t, 0);
    }
    tci_add_fixup(e, at, a[3]);
}

static void tci_emit_setcond(TCIEmit *e, const TCGOp *op)
{
    const TCGArg *a = op->args;
    TCGArg x = a[1], y = a[2];
    TCGCond c = (TCGCond)a[3];
    int w = op->opc == INDEX_op_setcond_i64 ? 1 : 0;

    if (tci_is_const(e, x) && !tci_is_const(e, y)) {
        x = a[2];
        y = a[1];
        c = tcg_swap_cond(c);
    }
    if (tci_is_const(e, y)) {
        unsigned s = tci_in(e, x);
        tci_op(e, (TCIOp)(TCI_setcondi32 + w), tci_outp(a[0]), s, c);
        tci_out(e, tci_temp(e, y)->val);
    } else {
        unsigned s = tci_in(e, x), t = tci_in(e, y);
        tci_op(e, (TCIOp)(TCI_setcond32 + w), tci_outp(a[0]), s, t);
        tci_out(e, c);
    }
}

/*
 * mov/movi to a global that is synced and dead afterwards: a store to env
 * alone. Returns false when the op needs the ordinary path.
 */
static bool tci_emit_store_only(TCIEmit *e, const TCGOp *op)
{
    TCGTemp *t = tci_temp(e, op->args[0]);
    uint32_t life = TCG_LIFE_DEAD(0) | TCG_LIFE_SYNC(0);
    bool is32 = t->type == TCG_TYPE_I32;

    if (t->kind != TEMP_GLOBAL || (op->life & life) != life ||
        !tci_env_off_ok(t->mem_offset)) {
        return false;
    }
    if (op->opc == INDEX_op_movi_i32 || op->opc == INDEX_op_movi_i64 ||
        tci_is_const(e, op->args[1])) {
        uint64_t v = op->opc == INDEX_op_movi_i32 ||
                     op->opc == INDEX_op_movi_i64
                     ? op->args[1] : tci_temp(e, op->args[1])->val;
        tci_op_env(e, is32 ? TCI_sti32_env : TCI_sti64_env, 0,
                   (uint64_t)t->mem_offset);
        tci_out(e, v);
    } else {
        tci_op_env(e, is32 ? TCI_st32_env : TCI_st64_env,
                   tci_in(e, op->args[1]), (uint64_t)t->mem_offset);
    }
    e->ts->valid[t->index] = false;
    return true;
}

/* Encodes one op whose global inputs are already in their slots. */
static void tci_emit_op(TCIEmit *e, const TCGOp *op, TCGCodeInfo *out)
{
    const TCGArg *a = op->args;
    int w = tci_is64(op->opc) ? 1 : 0;
    int k;

    if ((k = tci_alu_base(op->opc)) >= 0) {
        tci_emit_alu(e, op, k);
        return;
    }
    if ((k = tci_unary(op->opc)) >= 0) {
        unsigned b = tci_in(e, a[1]);
        tci_op(e, (TCIOp)k, tci_outp(a[0]), b, 0);
        return;
    }
    if ((k = tci_ldst(op->opc)) >= 0) {
        tci_emit_ldst(e, op, k);
        return;
    }
    switch (op->opc) {
    case INDEX_op_movi_i32:
    case INDEX_op_movi_i64:
        tci_op(e, TCI_movi, tci_outp(a[0]), 0, 0);
        tci_out(e, op->opc == INDEX_op_movi_i32 ? (uint32_t)a[1] : a[1]);
        break;
    case INDEX_op_setcond_i32:
    case INDEX_op_setcond_i64:
        tci_emit_setcond(e, op);
        break;
    case INDEX_op_movcond_i32:
    case INDEX_op_movcond_i64: {
        unsigned b = tci_in(e, a[1]), c = tci_in(e, a[2]);
        unsigned d = tci_in(e, a[3]), f = tci_in(e, a[4]);
        tci_op(e, (TCIOp)(TCI_movcond32 + w), tci_outp(a[0]), b, c);
        tci_out(e, d | (uint64_t)f << 10 | (uint64_t)a[5] << 20);
        break;
    }
    case INDEX_op_brcond_i32:
    case INDEX_op_brcond_i64:
        tci_emit_brcond(e, op);
        break;
    case INDEX_op_br: {
        uint32_t at = (uint32_t)e->n;
        tci_op(e, TCI_br, 0, 0, 0);
        tci_add_fixup(e, at, a[0]);
        break;
    }
    case INDEX_op_deposit_i32:
    case INDEX_op_deposit_i64: {
        unsigned b = tci_in(e, a[1]), c = tci_in(e, a[2]);
        tci_op(e, (TCIOp)(TCI_deposit32 + w), tci_outp(a[0]), b, c);
        tci_out(e, a[3] | (uint64_t)a[4] << 8);
        break;
    }
    case INDEX_op_extract_i32:
    case INDEX_op_extract_i64:
    case INDEX_op_sextract_i32:
    case INDEX_op_sextract_i64: {
        bool sx = op->opc == INDEX_op_sextract_i32 ||
                  op->opc == INDEX_op_sextract_i64;
        unsigned b = tci_in(e, a[1]);
        tci_op(e, (TCIOp)((sx ? TCI_sextract32 : TCI_extract32) + w),
               tci_outp(a[0]), b, 0);
        tci_out(e, a[2] | (uint64_t)a[3] << 8);
        break;
    }
    case INDEX_op_qemu_ld_i32:
    case INDEX_op_qemu_ld_i64:
    case INDEX_op_qemu_st_i32:
    case INDEX_op_qemu_st_i64:
        tci_emit_qemu(e, op);
        break;
    case INDEX_op_muls2_i32:
    case INDEX_op_muls2_i64:
    case INDEX_op_mulu2_i32:
    case INDEX_op_mulu2_i64: {
        bool sg = op->opc == INDEX_op_muls2_i32 || op->opc == INDEX_op_muls2_i64;
        unsigned c = tci_in(e, a[2]), d = tci_in(e, a[3]);
        tci_op(e, (TCIOp)((w ? TCI_muls2_64 : TCI_muls2_32) + !sg),
               tci_outp(a[0]), tci_outp(a[1]), c);
        tci_out(e, d);
        break;
    }
    case INDEX_op_call:
        tci_emit_call(e, op);
        break;
    case INDEX_op_goto_tb:
        tci_op(e, TCI_goto_tb, 0, 0, 0);
        out->jmp_offset[a[0] & 1] = (uint32_t)(e->n * 8);
        tci_out(e, 0);
        break;
    case INDEX_op_exit_tb:
        tci_op(e, TCI_exit_tb, 0, 0, 0);
        tci_out(e, a[0]);
        break;
    case INDEX_op_goto_ptr:
        tci_op(e, TCI_goto_ptr, tci_in(e, a[0]), 0, 0);
        break;
    case INDEX_op_lookup_goto_ptr:
        /* the helper's function, called directly: void *(*)(void *env) */
        tci_op(e, TCI_lookup_goto_ptr, tci_in(e, a[0]), 0, 0);
        tci_out(e, (uint64_t)(uintptr_t)
                   ((const TCGHelperInfo *)(uintptr_t)a[1])->func);
        break;
    case INDEX_op_mb:
        tci_op(e, TCI_mb, 0, 0, 0);
        break;
    default:
        /* markers never get here: an encoder bug */
        error_report("tci: cannot encode op %s", tcg_op_defs[op->opc].name);
        abort();
    }
}

static void tci_place_label(TCIEmit *e, TCGArg label)
{
    e->ts->label_pos[label] = (int32_t)e->n;
    tci_forget_globals(e);
}

/* Ops with one output whose handler reads all inputs before writing it. */
static bool tci_retargetable(TCGOpcode opc)
{
    if (tci_alu_base(opc) >= 0 || tci_unary(opc) >= 0) {
        return true;
    }
    if (tci_ldst(opc) >= 0) {
        return !tci_is_store(opc);
    }
    switch (opc) {
    case INDEX_op_movi_i32: case INDEX_op_movi_i64:
    case INDEX_op_setcond_i32: case INDEX_op_setcond_i64:
    case INDEX_op_movcond_i32: case INDEX_op_movcond_i64:
    case INDEX_op_deposit_i32: case INDEX_op_deposit_i64:
    case INDEX_op_extract_i32: case INDEX_op_extract_i64:
    case INDEX_op_sextract_i32: case INDEX_op_sextract_i64:
    case INDEX_op_qemu_ld_i32: case INDEX_op_qemu_ld_i64:
        return true;
    default:
        return false;
    }
}

/*
 * "op t, ...; mov g, t" where t dies at the mov (and was not synced to
 * memory, which would keep a TB temp alive): the op writes g's slot
 * directly. Returns the mov (which takes over the output's liveness), or
 * NULL.
 */
static const TCGOp *tci_coalesce_mov(TCIEmit *e, const TCGOp *op)
{
    const TCGOp *mv = tcg_next_op(e->s, (TCGOp *)op);
    TCGTemp *t, *g;

    if (!mv || !tci_retargetable(op->opc) ||
        (mv->opc != INDEX_op_mov_i32 && mv->opc != INDEX_op_mov_i64) ||
        mv->args[1] != op->args[0] || !(mv->life & TCG_LIFE_DEAD(1)) ||
        (op->life & TCG_LIFE_SYNC(0))) {
        return NULL;       /* a synced TB temp is read again from memory */
    }
    t = tci_temp(e, op->args[0]);
    g = tci_temp(e, mv->args[0]);
    if (t->kind == TEMP_GLOBAL || t->kind == TEMP_FIXED ||
        g->kind == TEMP_CONST || g->kind == TEMP_FIXED || t->type != g->type) {
        return NULL;
    }
    return mv;
}

/*
 * "ld_i32 t, env, off; brcond_i32 t, 0, ne, L" with t dying there (the
 * exit-request test at the start of every TB): one instruction.
 */
static bool tci_fuse_env_test(TCIEmit *e, const TCGOp *op)
{
    const TCGOp *br = tcg_next_op(e->s, (TCGOp *)op);
    TCGCond c;

    if (op->opc != INDEX_op_ld_i32 || !br || br->opc != INDEX_op_brcond_i32 ||
        tci_temp(e, op->args[1])->index != 0 ||
        !tci_env_off_ok((int64_t)op->args[2]) ||
        br->args[0] != op->args[0] || !(br->life & TCG_LIFE_DEAD(0)) ||
        (op->life & TCG_LIFE_SYNC(0)) ||
        tci_temp(e, op->args[0])->kind == TEMP_GLOBAL ||
        !tci_is_const(e, br->args[1]) || tci_temp(e, br->args[1])->val != 0) {
        return false;
    }
    c = (TCGCond)br->args[2];
    if (c != TCG_COND_NE && c != TCG_COND_EQ) {
        return false;
    }
    {
        uint32_t at = (uint32_t)e->n;
        tci_op_env(e, c == TCG_COND_NE ? TCI_brnz32_env : TCI_brz32_env, 0,
                   (uint64_t)op->args[2]);
        tci_add_fixup(e, at, br->args[3]);
    }
    return true;
}

static bool tci_is_mov(TCGOpcode opc)
{
    return opc == INDEX_op_mov_i32 || opc == INDEX_op_mov_i64 ||
           opc == INDEX_op_movi_i32 || opc == INDEX_op_movi_i64;
}

/* Emits op (and the op after it when fused); returns the last one used. */
static const TCGOp *tci_gen_one(TCIEmit *e, const TCGOp *op, TCGCodeInfo *out)
{
    const TCGOp *mv;

    tci_load_inputs(e, op);
    if (tci_fuse_env_test(e, op)) {
        return tcg_next_op(e->s, (TCGOp *)op);
    }
    if (tci_is_mov(op->opc) && tci_emit_store_only(e, op)) {
        return op;
    }
    mv = tci_coalesce_mov(e, op);
    if (mv) {
        TCGOp copy = *op;
        copy.args[0] = mv->args[0];
        tci_emit_op(e, &copy, out);
        tci_finish_outputs(e, mv);
        return mv;
    }
    tci_emit_op(e, op, out);
    tci_finish_outputs(e, op);
    return op;
}

static void tci_gen_body(TCIEmit *e, TCGCodeInfo *out)
{
    for (const TCGOp *op = tcg_first_op(e->s); op;
         op = tcg_next_op(e->s, (TCGOp *)op)) {
        uint32_t flags;

        switch (op->opc) {
        case INDEX_op_set_label:
            tci_place_label(e, op->args[0]);
            continue;
        case INDEX_op_insn_start:
            tci_record_insn(e, op);
            continue;
        case INDEX_op_discard:
            continue;
        default:
            break;
        }
        op = tci_gen_one(e, op, out);
        flags = tcg_op_defs[op->opc].flags;
        if ((flags & TCG_OPF_BB_END) && !(flags & TCG_OPF_COND_BRANCH)) {
            tci_forget_globals(e);
        }
    }
}

static void tci_resolve_fixups(TCIEmit *e)
{
    TCIState *ts = e->ts;

    if (e->full) {
        return;
    }
    for (unsigned i = 0; i < ts->nb_fixups; i++) {
        TCIFixup *f = &ts->fixups[i];

        assert(ts->label_pos[f->label] >= 0);
        e->buf[f->disp] =
            (uint64_t)((int64_t)ts->label_pos[f->label] - (int64_t)f->insn);
    }
}

static void tci_reset_scratch(TCGContext *s, TCIState *ts)
{
    if (s->nb_labels > ts->label_cap) {
        ts->label_cap = s->nb_labels;
        ts->label_pos = xrealloc(ts->label_pos, ts->label_cap * sizeof(int32_t));
    }
    for (unsigned i = 0; i < s->nb_labels; i++) {
        ts->label_pos[i] = -1;
    }
    ts->nb_fixups = 0;
    ts->nb_insns = 0;
    memset(ts->valid, 0, sizeof(ts->valid));
}

static int tci_gen_code(TCGContext *s, TCGCodeInfo *out)
{
    TCIState *ts = s->be;
    size_t start = ALIGN_UP(s->code_used, 8);
    TCIEmit e = { .s = s, .ts = ts };
    size_t insn_bytes;

    if (start >= s->code_size) {
        return -1;
    }
    e.buf = (uint64_t *)(s->code_buf + start);
    e.cap = (s->code_size - start) / 8;
    tci_reset_scratch(s, ts);
    for (unsigned i = 0; i < s->nb_globals; i++) {
        TCGTemp *t = &s->temps[i];
        if (t->kind == TEMP_GLOBAL && tci_env_off_ok(t->mem_offset)) {
            ts->shared.global_off[i] = (uint32_t)t->mem_offset;
        }
    }
    tci_gen_body(&e, out);
    tci_resolve_fixups(&e);
    insn_bytes = ts->nb_insns * sizeof(TCGInsnData);
    if (e.full || e.n * 8 + insn_bytes > s->code_size - start) {
        out->jmp_offset[0] = out->jmp_offset[1] = TCG_NO_JUMP;
        return -1;
    }
    if (insn_bytes) {
        memcpy(e.buf + e.n, ts->insns, insn_bytes);
    }
    out->code = s->code_buf_rx + start;
    out->code_size = e.n * 8;
    out->total_size = e.n * 8 + insn_bytes;
    out->insns = (const TCGInsnData *)(s->code_buf_rx + start + e.n * 8);
    out->nb_insns = ts->nb_insns;
    s->code_used = start + out->total_size;
    return 0;
}

/* ------------------------------------------------------------------ */
/* backend interface */

static int tci_init(TCGContext *s, size_t code_size, Error *err)
{
    s->code_buf = aligned_alloc(64, ALIGN_UP(code_size, 64));
    if (!s->code_buf) {
        return error_setg(err, "cannot allocate %zu bytes of code buffer",
                          code_size);
    }
    s->code_buf_rx = s->code_buf;
    s->code_size = ALIGN_UP(code_size, 64);
    s->code_used = 0;
    s->be = xzalloc(sizeof(TCIState));
    ((TCIState *)s->be)->handlers = tci_handlers();
    s->uses_exec_ra = true;
    return 0;
}

static void tci_destroy(TCGContext *s)
{
    TCIState *ts = s->be;

    if (ts) {
        for (unsigned i = 0; i < ts->helpers_cap; i++) {
            free(ts->helpers[i]);
        }
        free(ts->helpers);
        free(ts->fixups);
        free(ts->label_pos);
        free(ts->insns);
        free(ts);
    }
    free(s->code_buf);
    s->be = NULL;
    s->code_buf = s->code_buf_rx = NULL;
}

static void tci_set_jump(TCGContext *s, const void *code, uint32_t jmp_off,
                         const void *target)
{
    uint64_t *slot_word = (uint64_t *)((uintptr_t)code + jmp_off);
    __atomic_store_n(slot_word, (uint64_t)(uintptr_t)target, __ATOMIC_RELEASE);
}

static void tci_flush(TCGContext *s)
{
}

const TCGBackend tcg_backend_tci = {
    .name = "tci",
    .init = tci_init,
    .destroy = tci_destroy,
    .gen_code = tci_gen_code,
    .exec = tci_exec,
    .set_jump = tci_set_jump,
    .flush = tci_flush,
};
