/*
 * TCG core: the context, temporaries, labels, the op list, helper calls,
 * the IR printer (-d op / op_opt) and the code generation pipeline
 * (optimize, liveness, backend). See tcg/tcg.h for the model.
 */
#include <assert.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "tcg/backend.h"
#include "tcg/tcg.h"

const TCGOpDef tcg_op_defs[NB_OPS] = {
#define DEF(n, o, i, c, f) [INDEX_op_##n] = { #n, o, i, c, f },
#include "tcg/ops.def"
#undef DEF
};

#define TCG_OP_CHUNK 256
#define TCG_MAX_OPS  (64 * 1024)
#define TCG_MAX_LABELS 4096
#define TCG_NONE UINT32_MAX

/* ------------------------------------------------------------------ */
/* context */

static void tcg_temp_init_fixed(TCGContext *s)
{
    TCGTemp *t = &s->temps[0];
    memset(t, 0, sizeof(*t));
    t->index = 0;
    t->type = TCG_TYPE_PTR;
    t->kind = TEMP_FIXED;
    t->name = "env";
    s->nb_globals = s->nb_temps = 1;
}

/* Slow paths for a context created without a runtime (tests, tools):
   every miss reads as zero and writes are dropped. */
static uint64_t tcg_null_load_slow(void *env, uint64_t vaddr, MemOp memop,
                                   unsigned mmu_idx, uintptr_t ra)
{
    return 0;
}

static void tcg_null_store_slow(void *env, uint64_t vaddr, uint64_t val,
                                MemOp memop, unsigned mmu_idx, uintptr_t ra)
{
}

TCGContext *tcg_context_new(const TCGContextConfig *cfg, Error *err)
{
    TCGContext *s = xzalloc(sizeof(*s));
    size_t size = cfg->code_size ? cfg->code_size : 16 * MiB;

    s->cfg = *cfg;
    if (!s->cfg.runtime.load_slow) {
        s->cfg.runtime.load_slow = tcg_null_load_slow;
    }
    if (!s->cfg.runtime.store_slow) {
        s->cfg.runtime.store_slow = tcg_null_store_slow;
    }
    s->backend = cfg->backend ? cfg->backend : &tcg_backend_tci;
    s->ops_head.next = s->ops_head.prev = &s->ops_head;
    tcg_temp_init_fixed(s);
    s->live_state = xzalloc(TCG_MAX_TEMPS);
    if (s->backend->init(s, size, err) < 0) {
        error_prepend(err, "tcg backend %s", s->backend->name);
        tcg_context_free(s);
        return NULL;
    }
    tcg_func_start(s);
    return s;
}

void tcg_context_free(TCGContext *s)
{
    if (!s) {
        return;
    }
    if (s->code_buf || s->be) {
        s->backend->destroy(s);
    }
    for (unsigned i = 1; i < s->nb_globals; i++) {
        free((char *)s->temps[i].name);
    }
    for (unsigned i = 0; i < s->nb_op_chunks; i++) {
        free(s->op_chunks[i]);
    }
    free(s->op_chunks);
    for (unsigned i = 0; i < s->labels_cap; i++) {
        free(s->labels[i]);
    }
    free(s->labels);
    free(s->opt_info);
    free(s->live_state);
    free(s);
}

void tcg_func_start(TCGContext *s)
{
    /* return every op to the free list in one splice */
    if (s->ops_head.next != &s->ops_head) {
        s->ops_head.prev->next = s->free_ops;
        s->free_ops = s->ops_head.next;
        s->ops_head.next = s->ops_head.prev = &s->ops_head;
    }
    s->nb_ops = 0;
    s->nb_temps = s->nb_globals;
    s->nb_labels = 0;
    s->nb_insns = 0;
    s->overflow = false;
    memset(s->free_temps, 0xff, sizeof(s->free_temps));
    memset(s->const_hash, 0, sizeof(s->const_hash));
    s->nb_consts_hashed = 0;
}

/* ------------------------------------------------------------------ */
/* temporaries */

TCGv_ptr tcg_env(TCGContext *s)
{
    return temp_tcgv_ptr(&s->temps[0]);
}

static TCGTemp *tcg_global_new(TCGContext *s, TCGType type, int64_t offset,
                               const char *name)
{
    TCGTemp *t;

    /* globals come before any TB temp; a full table is our own bug */
    assert(s->nb_temps == s->nb_globals && s->nb_globals < TCG_MAX_TEMPS / 4);
    t = &s->temps[s->nb_globals];
    memset(t, 0, sizeof(*t));
    t->index = s->nb_globals;
    t->type = type;
    t->kind = TEMP_GLOBAL;
    t->mem_offset = offset;
    t->name = xstrdup(name);
    s->nb_globals++;
    s->nb_temps = s->nb_globals;
    return t;
}

TCGv_i32 tcg_global_mem_new_i32(TCGContext *s, int64_t offset, const char *name)
{
    return temp_tcgv_i32(tcg_global_new(s, TCG_TYPE_I32, offset, name));
}

TCGv_i64 tcg_global_mem_new_i64(TCGContext *s, int64_t offset, const char *name)
{
    return temp_tcgv_i64(tcg_global_new(s, TCG_TYPE_I64, offset, name));
}

/*
 * Out of temps: flag the TB (tcg_gen_code fails with -2) and hand out the
 * last temp so the translator can carry on harmlessly.
 */
static TCGTemp *tcg_temp_overflow(TCGContext *s, TCGType type)
{
    TCGTemp *t = &s->temps[TCG_MAX_TEMPS - 1];
    s->overflow = true;
    t->index = TCG_MAX_TEMPS - 1;
    t->type = type;
    t->kind = TEMP_TB;
    t->allocated = true;
    return t;
}

static TCGTemp *tcg_temp_alloc(TCGContext *s)
{
    TCGTemp *t;

    if (s->nb_temps >= TCG_MAX_TEMPS - 1) {
        return NULL;
    }
    t = &s->temps[s->nb_temps];
    memset(t, 0, sizeof(*t));
    t->index = s->nb_temps++;
    return t;
}

TCGTemp *tcg_temp_new_internal(TCGContext *s, TCGType type, TCGTempKind kind)
{
    uint32_t *head;
    TCGTemp *t;

    assert(kind == TEMP_EBB || kind == TEMP_TB);
    head = &s->free_temps[type][kind == TEMP_TB];
    if (*head != TCG_NONE) {
        t = &s->temps[*head];
        *head = t->next_free;
    } else {
        t = tcg_temp_alloc(s);
        if (!t) {
            return tcg_temp_overflow(s, type);
        }
        t->type = type;
        t->kind = kind;
    }
    t->allocated = true;
    return t;
}

void tcg_temp_free_internal(TCGContext *s, TCGTemp *t)
{
    uint32_t *head;

    if (t->kind != TEMP_EBB && t->kind != TEMP_TB) {
        return;             /* globals and constants are never freed */
    }
    if (!t->allocated || t->index == TCG_MAX_TEMPS - 1) {
        return;
    }
    t->allocated = false;
    head = &s->free_temps[t->type][t->kind == TEMP_TB];
    t->next_free = *head;
    *head = t->index;
}

static unsigned tcg_const_hash(TCGType type, uint64_t val)
{
    uint64_t h = (val ^ ((uint64_t)type << 63)) * 0x9e3779b97f4a7c15ull;
    return (unsigned)(h >> 55);    /* 9 bits: ARRAY_SIZE(const_hash) */
}

TCGTemp *tcg_constant_internal(TCGContext *s, TCGType type, uint64_t val)
{
    unsigned h;
    TCGTemp *t;

    if (type == TCG_TYPE_I32) {
        val = (uint32_t)val;
    }
    for (h = tcg_const_hash(type, val);; h = (h + 1) % ARRAY_SIZE(s->const_hash)) {
        uint32_t e = s->const_hash[h];
        if (e == 0) {
            break;
        }
        t = &s->temps[e - 1];
        if (t->type == type && t->val == val) {
            return t;
        }
    }
    t = tcg_temp_alloc(s);
    if (!t) {
        return tcg_temp_overflow(s, type);
    }
    t->type = type;
    t->kind = TEMP_CONST;
    t->val = val;
    t->allocated = true;
    /* keep the table at most half full; beyond that constants are simply
       not shared (still correct) */
    if (s->nb_consts_hashed < ARRAY_SIZE(s->const_hash) / 2) {
        s->const_hash[h] = t->index + 1;
        s->nb_consts_hashed++;
    }
    return t;
}

/* ------------------------------------------------------------------ */
/* labels */

TCGLabel *tcg_label_new(TCGContext *s)
{
    TCGLabel *l;

    if (s->nb_labels >= TCG_MAX_LABELS) {
        s->overflow = true;
        return s->labels[s->nb_labels - 1];
    }
    if (s->nb_labels == s->labels_cap) {
        unsigned cap = s->labels_cap ? 2 * s->labels_cap : 64;
        s->labels = xrealloc(s->labels, cap * sizeof(*s->labels));
        for (unsigned i = s->labels_cap; i < cap; i++) {
            s->labels[i] = xmalloc(sizeof(TCGLabel));
        }
        s->labels_cap = cap;
    }
    l = s->labels[s->nb_labels];
    memset(l, 0, sizeof(*l));
    l->id = s->nb_labels++;
    return l;
}

/* ------------------------------------------------------------------ */
/* ops */

static TCGOp *tcg_op_alloc(TCGContext *s, TCGOpcode opc)
{
    TCGOp *op;

    if (!s->free_ops) {
        TCGOp *chunk = xmalloc(TCG_OP_CHUNK * sizeof(TCGOp));
        s->op_chunks = xrealloc(s->op_chunks,
                                (s->nb_op_chunks + 1) * sizeof(void *));
        s->op_chunks[s->nb_op_chunks++] = chunk;
        for (unsigned i = 0; i < TCG_OP_CHUNK; i++) {
            chunk[i].next = s->free_ops;
            s->free_ops = &chunk[i];
        }
    }
    op = s->free_ops;
    s->free_ops = op->next;
    memset(op, 0, sizeof(*op));
    op->opc = opc;
    op->nargs = tcg_op_defs[opc].nb_oargs + tcg_op_defs[opc].nb_iargs +
                tcg_op_defs[opc].nb_cargs;
    if (++s->nb_ops > TCG_MAX_OPS) {
        s->overflow = true;
    }
    return op;
}

static void tcg_op_link(TCGOp *op, TCGOp *prev, TCGOp *next)
{
    op->prev = prev;
    op->next = next;
    prev->next = op;
    next->prev = op;
}

TCGOp *tcg_emit_op(TCGContext *s, TCGOpcode opc)
{
    TCGOp *op = tcg_op_alloc(s, opc);
    tcg_op_link(op, s->ops_head.prev, &s->ops_head);
    if (opc == INDEX_op_insn_start) {
        s->nb_insns++;
    }
    return op;
}

TCGOp *tcg_op_insert_before(TCGContext *s, TCGOp *old, TCGOpcode opc)
{
    TCGOp *op = tcg_op_alloc(s, opc);
    tcg_op_link(op, old->prev, old);
    return op;
}

TCGOp *tcg_op_insert_after(TCGContext *s, TCGOp *old, TCGOpcode opc)
{
    TCGOp *op = tcg_op_alloc(s, opc);
    tcg_op_link(op, old, old->next);
    return op;
}

void tcg_op_remove(TCGContext *s, TCGOp *op)
{
    op->prev->next = op->next;
    op->next->prev = op->prev;
    op->next = s->free_ops;
    s->free_ops = op;
    s->nb_ops--;
}

uint32_t tcg_op_flags(const TCGOp *op)
{
    uint32_t f = tcg_op_defs[op->opc].flags;

    if (op->opc == INDEX_op_call) {
        uint32_t hf = tcg_call_info(op)->flags;
        if (!(hf & TCG_CALL_NO_SIDE_EFFECTS)) {
            f |= TCG_OPF_SIDE_EFFECTS;
        }
    }
    return f;
}

void tcg_gen_callN(TCGContext *s, const TCGHelperInfo *info, TCGTemp *ret,
                   TCGTemp **args)
{
    TCGOp *op = tcg_emit_op(s, INDEX_op_call);
    unsigned n = 0;

    assert(info->nargs <= TCG_HELPER_MAX_ARGS);
    assert((ret != NULL) == (info->ret != TCG_HT_VOID));
    if (ret) {
        op->args[n++] = temp_arg(ret);
    }
    op->callo = n;
    for (unsigned i = 0; i < info->nargs; i++) {
        op->args[n++] = temp_arg(args[i]);
    }
    op->calli = info->nargs;
    op->args[n++] = (uintptr_t)info;
    op->nargs = n;
}

/* ------------------------------------------------------------------ */
/* conditions */

TCGCond tcg_swap_cond(TCGCond c)
{
    switch (c) {
    case TCG_COND_LT: return TCG_COND_GT;
    case TCG_COND_GT: return TCG_COND_LT;
    case TCG_COND_LE: return TCG_COND_GE;
    case TCG_COND_GE: return TCG_COND_LE;
    case TCG_COND_LTU: return TCG_COND_GTU;
    case TCG_COND_GTU: return TCG_COND_LTU;
    case TCG_COND_LEU: return TCG_COND_GEU;
    case TCG_COND_GEU: return TCG_COND_LEU;
    default: return c;      /* EQ, NE, TST*, ALWAYS, NEVER are symmetric */
    }
}

const char *tcg_cond_name(TCGCond c)
{
    static const char *const names[16] = {
        [TCG_COND_NEVER] = "never", [TCG_COND_ALWAYS] = "always",
        [TCG_COND_EQ] = "eq", [TCG_COND_NE] = "ne",
        [TCG_COND_LT] = "lt", [TCG_COND_GE] = "ge",
        [TCG_COND_LE] = "le", [TCG_COND_GT] = "gt",
        [TCG_COND_LTU] = "ltu", [TCG_COND_GEU] = "geu",
        [TCG_COND_LEU] = "leu", [TCG_COND_GTU] = "gtu",
        [TCG_COND_TSTEQ] = "tsteq", [TCG_COND_TSTNE] = "tstne",
    };
    return (unsigned)c < 16 && names[c] ? names[c] : "?";
}

/* ------------------------------------------------------------------ */
/* printer */

static void tcg_print_temp(TCGContext *s, FILE *f, TCGArg a)
{
    const TCGTemp *t;

    if (a >= TCG_MAX_TEMPS) {
        fprintf(f, "?%" PRIu64, a);
        return;
    }
    t = &s->temps[a];
    switch (t->kind) {
    case TEMP_FIXED:
    case TEMP_GLOBAL:
        fputs(t->name, f);
        break;
    case TEMP_TB:
        fprintf(f, "loc%u", (unsigned)(t->index - s->nb_globals));
        break;
    case TEMP_EBB:
        fprintf(f, "tmp%u", (unsigned)(t->index - s->nb_globals));
        break;
    case TEMP_CONST:
        if (t->type == TCG_TYPE_I32) {
            fprintf(f, "$0x%" PRIx32, (uint32_t)t->val);
        } else {
            fprintf(f, "$0x%" PRIx64, t->val);
        }
        break;
    }
}

static void tcg_print_memop(FILE *f, MemOpIdx oi)
{
    static const char *const sz[4] = { "b", "w", "l", "q" };
    MemOp mo = tcg_memop(oi);

    fprintf(f, "%s%s%s%s,%u", (mo & MO_SIZE) == MO_8 ? "" :
            (mo & MO_BE) ? "be" : "le", (mo & MO_SIGN) ? "s" : "u",
            sz[mo & MO_SIZE], (mo & MO_ALIGN) ? "+al" : "", tcg_mmu_idx(oi));
}

static void tcg_print_cargs(TCGContext *s, FILE *f, const TCGOp *op,
                            unsigned first, unsigned n)
{
    const TCGArg *c = &op->args[first];

    switch (op->opc) {
    case INDEX_op_set_label:
    case INDEX_op_br:
        fprintf(f, "$L%u", (unsigned)c[0]);
        return;
    case INDEX_op_brcond_i32:
    case INDEX_op_brcond_i64:
        fprintf(f, "%s,$L%u", tcg_cond_name((TCGCond)c[0]), (unsigned)c[1]);
        return;
    case INDEX_op_setcond_i32:
    case INDEX_op_setcond_i64:
    case INDEX_op_movcond_i32:
    case INDEX_op_movcond_i64:
        fputs(tcg_cond_name((TCGCond)c[0]), f);
        return;
    case INDEX_op_qemu_ld_i32:
    case INDEX_op_qemu_ld_i64:
    case INDEX_op_qemu_st_i32:
    case INDEX_op_qemu_st_i64:
        tcg_print_memop(f, (MemOpIdx)c[0]);
        return;
    default:
        break;
    }
    for (unsigned i = 0; i < n; i++) {
        fprintf(f, "%s$0x%" PRIx64, i ? "," : "", c[i]);
    }
}

static void tcg_print_life(FILE *f, const TCGOp *op)
{
    TCGLifeData life = op->life;

    if (life & 0xffff) {
        fputs("  dead:", f);
        for (unsigned i = 0; i < 16; i++) {
            if (life & TCG_LIFE_DEAD(i)) {
                fprintf(f, " %u", i);
            }
        }
    }
    if (life >> 16) {
        fputs("  sync:", f);
        for (unsigned i = 0; i < 16; i++) {
            if (life & TCG_LIFE_SYNC(i)) {
                fprintf(f, " %u", i);
            }
        }
    }
}

static void tcg_print_op(TCGContext *s, FILE *f, const TCGOp *op, bool life)
{
    const TCGOpDef *def = &tcg_op_defs[op->opc];
    unsigned no = tcg_op_nb_oargs(op), ni = tcg_op_nb_iargs(op);
    unsigned k = 0;

    if (op->opc == INDEX_op_insn_start) {
        fprintf(f, " ---- %016" PRIx64 " %016" PRIx64 "\n", op->args[0],
                op->args[1]);
        return;
    }
    fprintf(f, " %s ", def->name);
    if (op->opc == INDEX_op_call) {
        fprintf(f, "%s", tcg_call_info(op)->name);
        k = 1;
    }
    for (unsigned i = 0; i < no + ni; i++, k++) {
        fputs(k ? "," : "", f);
        tcg_print_temp(s, f, op->args[i]);
    }
    if (op->opc != INDEX_op_call && def->nb_cargs) {
        fputs(k ? "," : "", f);
        tcg_print_cargs(s, f, op, no + ni, def->nb_cargs);
    }
    if (life) {
        tcg_print_life(f, op);
    }
    fputc('\n', f);
}

void tcg_dump_ops(TCGContext *s, FILE *f, bool with_life)
{
    TCG_FOREACH_OP(s, op) {
        tcg_print_op(s, f, op, with_life);
    }
}

static void tcg_log_ops(TCGContext *s, unsigned mask, const char *title,
                        bool life)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f;

    if (!log_enabled(s->cfg.log, mask)) {
        return;
    }
    f = open_memstream(&buf, &len);
    if (!f) {
        return;
    }
    fprintf(f, "%s:\n", title);
    tcg_dump_ops(s, f, life);
    fputc('\n', f);
    fclose(f);
    log_printf(s->cfg.log, "%s", buf);
    free(buf);
}

/* ------------------------------------------------------------------ */
/* pipeline and execution */

int tcg_gen_code(TCGContext *s, TCGCodeInfo *out)
{
    if (s->overflow || s->nb_insns > TCG_MAX_INSNS) {
        return -2;
    }
    tcg_log_ops(s, LOG_OP, "OP", false);
    tcg_optimize(s);
    tcg_liveness(s);
    tcg_log_ops(s, LOG_OP_OPT, "OP after optimization and liveness", true);
    memset(out, 0, sizeof(*out));
    out->jmp_offset[0] = out->jmp_offset[1] = TCG_NO_JUMP;
    return s->backend->gen_code(s, out);
}

uintptr_t tcg_exec_tb(TCGContext *s, void *env, const void *code)
{
    return s->backend->exec(s, env, code);
}

void tcg_set_jump(TCGContext *s, const void *code, uint32_t jmp_off,
                  const void *target)
{
    if (jmp_off != TCG_NO_JUMP) {
        s->backend->set_jump(s, code, jmp_off, target);
    }
}

void tcg_code_flush(TCGContext *s)
{
    s->code_used = 0;
    s->backend->flush(s);
}

int tcg_insn_data_find(const TCGCodeInfo *tb, uintptr_t off,
                       uint64_t data[TCG_INSN_START_WORDS])
{
    int found = -1;

    for (unsigned i = 0; i < tb->nb_insns; i++) {
        if (tb->insns[i].code_offset > off) {
            break;
        }
        found = (int)i;
    }
    if (found >= 0) {
        memcpy(data, tb->insns[found].data,
               sizeof(uint64_t) * TCG_INSN_START_WORDS);
    }
    return found;
}

int tcg_insn_data_find_ra(const TCGCodeInfo *tb, uintptr_t ra,
                          uint64_t data[TCG_INSN_START_WORDS])
{
    uintptr_t start = (uintptr_t)tb->code;

    if (ra <= start || ra > start + tb->code_size) {
        return -1;
    }
    return tcg_insn_data_find(tb, ra - 1 - start, data);
}
