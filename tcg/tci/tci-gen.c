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
 * Helper calls go through libffi: one ffi_cif per helper, prepared the
 * first time a TB calls it and cached in the context.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "tcg/backend.h"
#include "tcg/tci/tci.h"
#include "tcg/tlb.h"

typedef struct TCIFixup {
    uint32_t insn;          /* word index of the branch */
    uint32_t label;
} TCIFixup;

typedef struct TCIState {
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

static unsigned slot(TCGArg a)
{
    return (unsigned)a;
}

static void tci_emit_movi(TCIEmit *e, unsigned dst, TCGType type, uint64_t v)
{
    tci_out(e, tci_insn(type == TCG_TYPE_I32 ? INDEX_op_movi_i32
                                            : INDEX_op_movi_i64, 0, dst, 0, 0));
    tci_out(e, v);
}

static void tci_global_load(TCIEmit *e, TCGTemp *t)
{
    TCGOpcode opc = t->type == TCG_TYPE_I32 ? INDEX_op_ld_i32 : INDEX_op_ld_i64;
    tci_out(e, tci_insn(opc, 0, t->index, 0, 0));
    tci_out(e, (uint64_t)t->mem_offset);
    e->ts->valid[t->index] = true;
}

static void tci_global_store(TCIEmit *e, TCGTemp *t)
{
    TCGOpcode opc = t->type == TCG_TYPE_I32 ? INDEX_op_st_i32 : INDEX_op_st_i64;
    tci_out(e, tci_insn(opc, 0, t->index, 0, 0));
    tci_out(e, (uint64_t)t->mem_offset);
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

static void tci_finish_outputs(TCIEmit *e, const TCGOp *op)
{
    unsigned no = tcg_op_nb_oargs(op);

    for (unsigned i = 0; i < no; i++) {
        TCGTemp *t = arg_temp(e->s, op->args[i]);
        if (t->kind != TEMP_GLOBAL) {
            continue;
        }
        e->ts->valid[t->index] = true;
        if (op->life & TCG_LIFE_SYNC(i)) {
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
    ts->fixups[ts->nb_fixups++] = (TCIFixup){ insn, (uint32_t)label };
}

static void tci_emit_call(TCIEmit *e, const TCGOp *op)
{
    const TCGHelperInfo *info = tcg_call_info(op);
    TCIHelper *h = tci_helper_get(e->ts, info);
    unsigned ret = op->callo ? slot(op->args[0]) : TCI_NO_SLOT;
    uint64_t w = 0;

    tci_out(e, tci_insn(INDEX_op_call, info->nargs, ret, 0, 0));
    tci_out(e, (uintptr_t)h);
    for (unsigned i = 0; i < info->nargs; i++) {
        w |= (uint64_t)slot(op->args[op->callo + i]) << (16 * (i % 4));
        if (i % 4 == 3 || i + 1 == info->nargs) {
            tci_out(e, w);
            w = 0;
        }
    }
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

/* Encodes one op whose inputs are already in their slots. */
static void tci_emit_op(TCIEmit *e, const TCGOp *op, TCGCodeInfo *out)
{
    const TCGOpDef *def = &tcg_op_defs[op->opc];
    const TCGArg *a = op->args;
    unsigned opc = op->opc;

    switch (op->opc) {
    case INDEX_op_movi_i32:
    case INDEX_op_movi_i64:
        tci_out(e, tci_insn(opc, 0, slot(a[0]), 0, 0));
        tci_out(e, a[1]);
        break;
    case INDEX_op_setcond_i32:
    case INDEX_op_setcond_i64:
        tci_out(e, tci_insn(opc, (unsigned)a[3], slot(a[0]), slot(a[1]),
                            slot(a[2])));
        break;
    case INDEX_op_movcond_i32:
    case INDEX_op_movcond_i64:
        tci_out(e, tci_insn(opc, (unsigned)a[5], slot(a[0]), slot(a[1]),
                            slot(a[2])));
        tci_out(e, slot(a[3]) | ((uint64_t)slot(a[4]) << 16));
        break;
    case INDEX_op_brcond_i32:
    case INDEX_op_brcond_i64:
        tci_add_fixup(e, (uint32_t)e->n, a[3]);
        tci_out(e, tci_insn(opc, (unsigned)a[2], slot(a[0]), slot(a[1]), 0));
        tci_out(e, 0);
        break;
    case INDEX_op_br:
        tci_add_fixup(e, (uint32_t)e->n, a[0]);
        tci_out(e, tci_insn(opc, 0, 0, 0, 0));
        break;
    case INDEX_op_deposit_i32:
    case INDEX_op_deposit_i64:
        tci_out(e, tci_insn(opc, (unsigned)a[3], slot(a[0]), slot(a[1]),
                            slot(a[2])));
        tci_out(e, a[4]);
        break;
    case INDEX_op_extract_i32:
    case INDEX_op_extract_i64:
    case INDEX_op_sextract_i32:
    case INDEX_op_sextract_i64:
        tci_out(e, tci_insn(opc, (unsigned)a[2], slot(a[0]), slot(a[1]),
                            (unsigned)a[3]));
        break;
    case INDEX_op_qemu_ld_i32:
    case INDEX_op_qemu_ld_i64:
    case INDEX_op_qemu_st_i32:
    case INDEX_op_qemu_st_i64:
        assert(tcg_mmu_idx((MemOpIdx)a[2]) < TCG_MAX_MMU_MODES);
        tci_out(e, tci_insn(opc, tcg_memop((MemOpIdx)a[2]), slot(a[0]),
                            slot(a[1]), tcg_mmu_idx((MemOpIdx)a[2])));
        break;
    case INDEX_op_muls2_i32:
    case INDEX_op_muls2_i64:
    case INDEX_op_mulu2_i32:
    case INDEX_op_mulu2_i64:
        tci_out(e, tci_insn(opc, 0, slot(a[0]), slot(a[1]), slot(a[2])));
        tci_out(e, slot(a[3]));
        break;
    case INDEX_op_call:
        tci_emit_call(e, op);
        break;
    case INDEX_op_goto_tb:
        out->jmp_offset[a[0] & 1] = (uint32_t)((e->n + 1) * 8);
        tci_out(e, tci_insn(opc, 0, 0, 0, 0));
        tci_out(e, 0);
        break;
    case INDEX_op_exit_tb:
        tci_out(e, tci_insn(opc, 0, 0, 0, 0));
        tci_out(e, a[0]);
        break;
    case INDEX_op_goto_ptr:
        tci_out(e, tci_insn(opc, 0, slot(a[0]), 0, 0));
        break;
    case INDEX_op_lookup_goto_ptr:
        /* the helper's function, called directly: void *(*)(void *env) */
        tci_out(e, tci_insn(opc, 0, slot(a[0]), 0, 0));
        tci_out(e, (uint64_t)(uintptr_t)
                   ((const TCGHelperInfo *)(uintptr_t)a[1])->func);
        break;
    case INDEX_op_mb:
        tci_out(e, tci_insn(opc, 0, 0, 0, 0));
        break;
    default:
        if (def->nb_cargs) {
            /* ld/st: two slots and an offset */
            tci_out(e, tci_insn(opc, 0, slot(a[0]), slot(a[1]), 0));
            tci_out(e, a[2]);
        } else {
            unsigned n = def->nb_oargs + def->nb_iargs;
            tci_out(e, tci_insn(opc, 0, slot(a[0]), n > 1 ? slot(a[1]) : 0,
                                n > 2 ? slot(a[2]) : 0));
        }
        break;
    }
}

static void tci_place_label(TCIEmit *e, TCGArg label)
{
    e->ts->label_pos[label] = (int32_t)e->n;
    tci_forget_globals(e);
}

/* Loads the constants the op list still uses into their slots. */
static void tci_gen_prologue(TCIEmit *e)
{
    TCGContext *s = e->s;
    bool *used = e->ts->valid;     /* free until the body starts */

    memset(used, 0, sizeof(e->ts->valid));
    TCG_FOREACH_OP(s, op) {
        unsigned no = tcg_op_nb_oargs(op), ni = tcg_op_nb_iargs(op);
        for (unsigned i = no; i < no + ni; i++) {
            used[op->args[i]] = true;
        }
    }
    for (unsigned i = s->nb_globals; i < s->nb_temps; i++) {
        TCGTemp *t = &s->temps[i];
        if (t->kind == TEMP_CONST && used[i]) {
            tci_emit_movi(e, i, (TCGType)t->type, t->val);
        }
    }
    memset(used, 0, sizeof(e->ts->valid));
}

static void tci_gen_body(TCIEmit *e, TCGCodeInfo *out)
{
    TCG_FOREACH_OP(e->s, op) {
        uint32_t flags = tcg_op_defs[op->opc].flags;

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
        tci_load_inputs(e, op);
        tci_emit_op(e, op, out);
        tci_finish_outputs(e, op);
        if ((flags & TCG_OPF_BB_END) && !(flags & TCG_OPF_COND_BRANCH)) {
            tci_forget_globals(e);
        }
    }
}

static void tci_resolve_fixups(TCIEmit *e)
{
    TCIState *ts = e->ts;

    for (unsigned i = 0; i < ts->nb_fixups; i++) {
        TCIFixup *f = &ts->fixups[i];
        int64_t disp = (int64_t)ts->label_pos[f->label] - (int64_t)f->insn;

        if (e->full) {
            return;
        }
        assert(ts->label_pos[f->label] >= 0);
        if ((e->buf[f->insn] & 0xff) == INDEX_op_br) {
            e->buf[f->insn] |= (uint64_t)(uint32_t)(int32_t)disp << 32;
        } else {
            e->buf[f->insn + 1] = (uint64_t)disp;
        }
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
    tci_gen_prologue(&e);
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
