/*
 * Unit tests for the native x86-64 TCG backend (tcg/x86_64/): the same op
 * programs run through the interpreter backend (tcg/tci/, the reference)
 * and through the native backend, and every result must agree: each op
 * at both widths over edge values, bit fields, double-width products,
 * conditions and branches, spills, helper calls reading and writing
 * globals, guest loads/stores through a fake soft TLB (hits, misses,
 * page crossings, flagged entries, alignment), faults in the middle of a
 * TB, TB chaining, exit values, goto_ptr, a full code buffer, and the
 * fallback sequences for hosts without LZCNT/TZCNT/POPCNT.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "test-tcg-common.h"
#include "tcg/eval.h"
#include "tcg/x86_64/backend-x86_64.h"

#ifndef TCG_HAVE_BACKEND_X86_64
int main(void)
{
    printf("not an x86-64 host: the native backend is not built\n");
    return 0;
}
#else

#define TCG_HELPER_FILE "tests/unit/test-tcg-x86_64-helpers.def"
#include "tcg/helper-proto.h"
#include "tcg/helper-info.h"
#include "tcg/helper-gen.h"

#define NPAGES      4
#define GBASE       0x00007f0000400000ull
#define MMU         1
#define NOUT        1024

typedef struct XEnv {
    uint64_t in[64];
    uint64_t out[NOUT];
    uint64_t g64[4];
    uint32_t g32[4];
    uint64_t slow_loads, slow_stores, slow_sum;
    /* not compared between backends */
    uintptr_t last_ra;
    uint64_t fault_addr;
    const void *next_code;
    uint8_t *ram;
    sigjmp_buf *jb;
    /* lookup_goto_ptr: the jump cache, the key its hits need, and what
       the lookup helper saw */
    TCGJumpCacheEntry *jc;
    uint64_t jc_key;
    unsigned lookups;
    uint64_t lookup_g64_0;
    TCGTLB tlb;
} XEnv;

typedef struct Ctx {
    TCGContext *s;
    Log log;                /* KITE_TCG_X86_64_LOG=1: -d op_opt,out_asm */
    TCGv_i64 g64[4];
    TCGv_i32 g32[4];
} Ctx;

enum { B_TCI, B_X64, NB_BACKENDS };

typedef void BuildFn(Ctx *c, const void *arg);

/* ------------------------------------------------------------------ */
/* helpers called by generated code */

uint32_t helper_x_add32(uint32_t a, uint32_t b)
{
    return a + b;
}

uint64_t helper_x_mix6(uint64_t a, uint32_t b, uint64_t c, int32_t d,
                       uint64_t e, uint32_t f)
{
    return a * 3 + b * 5 + c * 7 + (uint64_t)(int64_t)d * 11 + e * 13 +
           (uint64_t)f * 17;
}

int64_t helper_x_sext(int32_t a)
{
    return a;
}

int32_t helper_x_neg32(int32_t a)
{
    return (int32_t)(0u - (uint32_t)a);
}

uint64_t helper_x_mix3(uint32_t a, uint64_t b, void *p)
{
    XEnv *e = p;
    return a ^ (b << 1) ^ e->in[0];
}

void helper_x_bump_globals(void *env, uint64_t v)
{
    XEnv *e = env;
    e->g64[1] = e->g64[0] + v + e->g32[0];
    e->g64[0] += 1;
    e->g32[1] = (uint32_t)e->g64[0] * 3;
}

uint64_t helper_x_read_globals(void *env)
{
    XEnv *e = env;
    return e->g64[2] * 5 + e->g32[2];
}

void *helper_x_lookup(void *env)
{
    XEnv *e = env;

    e->lookups++;
    e->lookup_g64_0 = e->g64[0];
    return (void *)e->next_code;
}

/* 0 when the caller kept rsp 16-byte aligned at the call (System V) */
__attribute__((noinline)) uint32_t helper_x_stack_misalign(void)
{
    /* on entry rsp = 16n - 8; the saved rbp makes the frame 16n - 16 */
    return (uint32_t)((uintptr_t)__builtin_frame_address(0) & 15);
}

/* Leaves generated code like a helper raising a guest exception. */
__attribute__((noinline)) void helper_x_fault(void *env)
{
    XEnv *e = env;
    e->last_ra = (uintptr_t)__builtin_return_address(0);
    siglongjmp(*e->jb, 1);
}

/* ------------------------------------------------------------------ */
/* fake runtime: guest RAM at GBASE, anything else reads a pattern */

static uint8_t *x_guest_ram(XEnv *e, uint64_t a)
{
    if (a >= GBASE && a - GBASE < NPAGES * TCG_PAGE_SIZE) {
        return e->ram + (a - GBASE);
    }
    return NULL;
}

static uint64_t x_load_slow(void *env, uint64_t vaddr, MemOp mo,
                            unsigned mmu_idx, uintptr_t ra)
{
    XEnv *e = env;
    unsigned n = 1u << (mo & MO_SIZE);
    uint64_t v = 0;

    e->slow_loads++;
    e->last_ra = ra;
    e->slow_sum += helper_x_stack_misalign() * 1000003;
    if (e->fault_addr && vaddr == e->fault_addr) {
        siglongjmp(*e->jb, 1);
    }
    for (unsigned i = 0; i < n; i++) {
        uint8_t *p = x_guest_ram(e, vaddr + i);
        uint64_t b = p ? *p : (uint8_t)((vaddr + i) * 0x9d + mmu_idx);
        v = (mo & MO_BE) ? (v << 8) | b : v | (b << (8 * i));
    }
    return (mo & MO_SIGN) ? ref_sext(v, 8 * n) : v;
}

static void x_store_slow(void *env, uint64_t vaddr, uint64_t val, MemOp mo,
                         unsigned mmu_idx, uintptr_t ra)
{
    XEnv *e = env;
    unsigned n = 1u << (mo & MO_SIZE);

    e->slow_stores++;
    e->last_ra = ra;
    if (e->fault_addr && vaddr == e->fault_addr) {
        siglongjmp(*e->jb, 1);
    }
    for (unsigned i = 0; i < n; i++) {
        uint8_t b = (uint8_t)(val >> (8 * ((mo & MO_BE) ? n - 1 - i : i)));
        uint8_t *p = x_guest_ram(e, vaddr + i);
        if (p) {
            *p = b;
        } else {
            e->slow_sum = e->slow_sum * 31 + b + mmu_idx;
        }
    }
}

/* ------------------------------------------------------------------ */
/* contexts and environments */

static void ctx_init(Ctx *c, const TCGBackend *be, size_t code_size)
{
    TCGContextConfig cfg = {
        .backend = be,
        .code_size = code_size,
        .tlb_offset = offsetof(XEnv, tlb),
        .runtime = { x_load_slow, x_store_slow },
        .jc = { offsetof(XEnv, jc), offsetof(XEnv, jc_key) },
    };
    Error err;
    char name[16];

    log_init(&c->log);
    if (getenv("KITE_TCG_X86_64_LOG") && be == &tcg_backend_x86_64) {
        c->log.mask = LOG_OP_OPT | LOG_OUT_ASM;
        cfg.log = &c->log;
    }
    c->s = tcg_context_new(&cfg, &err);
    if (!c->s) {
        fail_msg("%s", err.msg);
    }
    for (int i = 0; i < 4; i++) {
        snprintf(name, sizeof(name), "g64_%d", i);
        c->g64[i] = tcg_global_mem_new_i64(c->s, offsetof(XEnv, g64[i]), name);
        snprintf(name, sizeof(name), "g32_%d", i);
        c->g32[i] = tcg_global_mem_new_i32(c->s, offsetof(XEnv, g32[i]), name);
    }
}

static void ctx_pair_init(Ctx c[NB_BACKENDS])
{
    ctx_init(&c[B_TCI], &tcg_backend_tci, 4 * MiB);
    ctx_init(&c[B_X64], &tcg_backend_x86_64, 4 * MiB);
}

static void ctx_pair_free(Ctx c[NB_BACKENDS])
{
    for (int b = 0; b < NB_BACKENDS; b++) {
        tcg_context_free(c[b].s);
    }
}

static XEnv *env_new(void)
{
    XEnv *e = calloc(1, sizeof(*e));

    assert_non_null(e);
    e->ram = aligned_alloc(TCG_PAGE_SIZE, NPAGES * TCG_PAGE_SIZE);
    assert_non_null(e->ram);
    for (unsigned i = 0; i < NPAGES * TCG_PAGE_SIZE; i++) {
        e->ram[i] = (uint8_t)(i * 7 + (i >> 8));
    }
    tcg_tlb_flush(&e->tlb);
    for (unsigned p = 0; p < 3; p++) {
        uint64_t page = GBASE + p * TCG_PAGE_SIZE;
        TCGTLBEntry *t = tcg_tlb_entry(&e->tlb, MMU, page);
        t->addr_read = page;
        t->addr_write = p == 2 ? page | TLB_NOTDIRTY : page;
        t->addend = (uintptr_t)(e->ram + p * TCG_PAGE_SIZE) - page;
    }
    return e;
}

static void env_free(XEnv *e)
{
    free(e->ram);
    free(e);
}

/* Builds and generates a TB in c; returns its code info. */
static TCGCodeInfo gen_tb(Ctx *c, BuildFn *fn, const void *arg)
{
    TCGCodeInfo info;
    int r;

    tcg_func_start(c->s);
    fn(c, arg);
    r = tcg_gen_code(c->s, &info);
    if (r == -1) {
        tcg_code_flush(c->s);
        tcg_func_start(c->s);
        fn(c, arg);
        r = tcg_gen_code(c->s, &info);
    }
    assert_int_equal(r, 0);
    return info;
}

static void env_assert_same(const XEnv *a, const XEnv *b)
{
    for (unsigned i = 0; i < NOUT; i++) {
        if (a->out[i] != b->out[i]) {
            fail_msg("out[%u]: tci %#llx, x86_64 %#llx", i,
                     (unsigned long long)a->out[i],
                     (unsigned long long)b->out[i]);
        }
    }
    assert_memory_equal(a->g64, b->g64, sizeof(a->g64));
    assert_memory_equal(a->g32, b->g32, sizeof(a->g32));
    assert_int_equal(a->slow_loads, b->slow_loads);
    assert_int_equal(a->slow_stores, b->slow_stores);
    assert_int_equal(a->slow_sum, b->slow_sum);
    assert_memory_equal(a->ram, b->ram, NPAGES * TCG_PAGE_SIZE);
}

typedef void PrepFn(XEnv *e);

/*
 * Runs the program on both backends from identical environments, checks
 * they agree, and returns the native run's environment (caller frees).
 */
static XEnv *run_both(Ctx c[NB_BACKENDS], BuildFn *fn, const void *arg,
                      PrepFn *prep)
{
    XEnv *e[NB_BACKENDS];
    uintptr_t ret[NB_BACKENDS];

    for (int b = 0; b < NB_BACKENDS; b++) {
        TCGCodeInfo info = gen_tb(&c[b], fn, arg);
        e[b] = env_new();
        if (prep) {
            prep(e[b]);
        }
        ret[b] = tcg_exec_tb(c[b].s, e[b], info.code);
    }
    assert_int_equal(ret[B_TCI], ret[B_X64]);
    env_assert_same(e[B_TCI], e[B_X64]);
    env_free(e[B_TCI]);
    return e[B_X64];
}

static TCGTemp *ebb(Ctx *c, TCGType t)
{
    return tcg_temp_new_internal(c->s, t, TEMP_EBB);
}

static TCGTemp *loc(Ctx *c, TCGType t)
{
    return tcg_temp_new_internal(c->s, t, TEMP_TB);
}

static void emit_ld(Ctx *c, TCGTemp *t, size_t off)
{
    tcg_gen_op3(c->s, t->type == I32 ? INDEX_op_ld_i32 : INDEX_op_ld_i64,
                temp_arg(t), tcgv_ptr_arg(tcg_env(c->s)), off);
}

static void emit_ld_in(Ctx *c, TCGTemp *t, unsigned i)
{
    emit_ld(c, t, offsetof(XEnv, in) + 8 * i);
}

static void emit_st_out(Ctx *c, TCGTemp *t, unsigned i)
{
    assert_true(i < NOUT);
    tcg_gen_op3(c->s, t->type == I32 ? INDEX_op_st_i32 : INDEX_op_st_i64,
                temp_arg(t), tcgv_ptr_arg(tcg_env(c->s)),
                offsetof(XEnv, out) + 8 * i);
}

static void emit_exit(Ctx *c, unsigned v)
{
    tcg_gen_exit_tb(c->s, NULL, v & 3);
}

static void prep_edges(XEnv *e, TCGType t)
{
    size_t n;
    const uint64_t *ev = edges_for(t, &n);
    memcpy(e->in, ev, n * 8);
}

static void prep_edges32(XEnv *e)
{
    prep_edges(e, I32);
}

static void prep_edges64(XEnv *e)
{
    prep_edges(e, I64);
}

static PrepFn *prep_for(TCGType t)
{
    return t == I32 ? prep_edges32 : prep_edges64;
}

/* ------------------------------------------------------------------ */
/* every unary/binary op over edge values */

typedef struct OpCase {
    const RefOp *ro;
    int mode;               /* 0: reg, reg; 1: reg, const; 2: const, reg */
} OpCase;

static void build_op_edges(Ctx *c, const void *arg)
{
    const OpCase *oc = arg;
    const RefOp *ro = oc->ro;
    size_t n;
    const uint64_t *ev = edges_for(ro->in, &n);
    TCGTemp *ta = ebb(c, ro->in), *tb = ebb(c, ro->in), *r = ebb(c, ro->out);
    unsigned k = 0;

    for (size_t x = 0; x < n; x++) {
        for (size_t y = 0; y < (ro->nin == 2 ? n : 1); y++, k++) {
            TCGTemp *a = ta, *b = tb;
            if (oc->mode == 2) {
                a = tcg_constant_internal(c->s, ro->in, ev[x]);
            } else {
                emit_ld_in(c, ta, (unsigned)x);
            }
            if (oc->mode == 1) {
                b = tcg_constant_internal(c->s, ro->in, ev[y]);
            } else {
                emit_ld_in(c, tb, (unsigned)y);
            }
            test_emit_op(c->s, ro->opc, r, a, ro->nin == 2 ? b : NULL);
            emit_st_out(c, r, k);
        }
    }
    emit_exit(c, 0);
}

static void check_op_edges(Ctx c[NB_BACKENDS], const RefOp *ro)
{
    size_t n;
    const uint64_t *ev = edges_for(ro->in, &n);

    for (int mode = 0; mode < (ro->nin == 2 ? 3 : 2); mode++) {
        OpCase oc = { ro, mode == 1 && ro->nin == 1 ? 2 : mode };
        XEnv *e = run_both(c, build_op_edges, &oc, prep_for(ro->in));
        unsigned k = 0;
        for (size_t x = 0; x < n; x++) {
            for (size_t y = 0; y < (ro->nin == 2 ? n : 1); y++, k++) {
                uint64_t want = ro->ref(ev[x], ev[y]);
                uint64_t got = ro->out == I32 ? M32(e->out[k]) : e->out[k];
                if (got != want) {
                    fail_msg("%s(%#llx, %#llx) mode %d: %#llx, want %#llx",
                             tcg_op_defs[ro->opc].name,
                             (unsigned long long)ev[x],
                             (unsigned long long)ev[y], oc.mode,
                             (unsigned long long)got,
                             (unsigned long long)want);
                }
            }
        }
        env_free(e);
    }
}

static void test_ops_edges(void **state)
{
    Ctx c[NB_BACKENDS];

    ctx_pair_init(c);
    for (size_t i = 0; i < ARRAY_SIZE(ref_ops); i++) {
        check_op_edges(c, &ref_ops[i]);
    }
    ctx_pair_free(c);
}

static void test_ops_fallbacks(void **state)
{
    Ctx c[NB_BACKENDS];

    ctx_pair_init(c);
    tcg_x86_64_limit_features(c[B_X64].s, 0);
    assert_int_equal(tcg_x86_64_features(c[B_X64].s), 0);
    for (size_t i = 0; i < ARRAY_SIZE(ref_ops); i++) {
        TCGOpcode o = ref_ops[i].opc;
        if (o == INDEX_op_clz_i32 || o == INDEX_op_clz_i64 ||
            o == INDEX_op_ctz_i32 || o == INDEX_op_ctz_i64 ||
            o == INDEX_op_ctpop_i32 || o == INDEX_op_ctpop_i64) {
            check_op_edges(c, &ref_ops[i]);
        }
    }
    ctx_pair_free(c);
}

/* ------------------------------------------------------------------ */
/* conditions: setcond, movcond, brcond */

typedef struct CondCase {
    TCGType t;
    TCGCond cond;
    int kind;               /* 0 setcond, 1 movcond, 2 brcond */
    bool bconst;
} CondCase;

static void build_cond(Ctx *c, const void *arg)
{
    const CondCase *cc = arg;
    size_t n;
    const uint64_t *ev = edges_for(cc->t, &n);
    bool w64 = cc->t == I64;
    TCGTemp *ta = ebb(c, cc->t), *tb = ebb(c, cc->t), *r = loc(c, cc->t);
    unsigned k = 0;

    for (size_t x = 0; x < n; x++) {
        for (size_t y = 0; y < n; y++, k++) {
            TCGTemp *b = tb;
            emit_ld_in(c, ta, (unsigned)x);
            if (cc->bconst) {
                b = tcg_constant_internal(c->s, cc->t, ev[y]);
            } else {
                emit_ld_in(c, tb, (unsigned)y);
            }
            if (cc->kind == 0) {
                tcg_gen_op4(c->s, w64 ? INDEX_op_setcond_i64
                                      : INDEX_op_setcond_i32,
                            temp_arg(r), temp_arg(ta), temp_arg(b), cc->cond);
            } else if (cc->kind == 1) {
                tcg_gen_op6(c->s, w64 ? INDEX_op_movcond_i64
                                      : INDEX_op_movcond_i32,
                            temp_arg(r), temp_arg(ta), temp_arg(b),
                            temp_arg(ta), temp_arg(b), cc->cond);
            } else {
                TCGLabel *l = tcg_label_new(c->s);
                tcg_gen_op2(c->s, w64 ? INDEX_op_movi_i64 : INDEX_op_movi_i32,
                            temp_arg(r), 1);
                l->refs++;
                tcg_gen_op4(c->s, w64 ? INDEX_op_brcond_i64
                                      : INDEX_op_brcond_i32,
                            temp_arg(ta), temp_arg(b), cc->cond, label_arg(l));
                tcg_gen_op2(c->s, w64 ? INDEX_op_movi_i64 : INDEX_op_movi_i32,
                            temp_arg(r), 0);
                tcg_gen_set_label(c->s, l);
            }
            emit_st_out(c, r, k);
        }
    }
    emit_exit(c, 0);
}

static void test_conditions(void **state)
{
    Ctx c[NB_BACKENDS];

    ctx_pair_init(c);
    for (int w = 0; w < 2; w++) {
        TCGType t = w ? I64 : I32;
        size_t n;
        const uint64_t *ev = edges_for(t, &n);
        for (size_t ci = 0; ci < ARRAY_SIZE(all_conds); ci++) {
            for (int kind = 0; kind < 3; kind++) {
                for (int bc = 0; bc < 2; bc++) {
                    CondCase cc = { t, all_conds[ci], kind, bc };
                    XEnv *e = run_both(c, build_cond, &cc, prep_for(t));
                    for (size_t x = 0, k = 0; x < n; x++) {
                        for (size_t y = 0; y < n; y++, k++) {
                            uint64_t hit = ref_cond(cc.cond, ev[x], ev[y], t);
                            uint64_t want = kind == 1 ? (hit ? ev[x] : ev[y])
                                                      : hit;
                            assert_int_equal(w ? e->out[k] : M32(e->out[k]),
                                             want);
                        }
                    }
                    env_free(e);
                }
            }
        }
    }
    ctx_pair_free(c);
}

/* ------------------------------------------------------------------ */
/* bit fields */

typedef struct FieldCase {
    TCGType t;
    int kind;               /* 0 deposit, 1 extract, 2 sextract */
    unsigned first, count;  /* range of (pos, len) combinations */
} FieldCase;

static bool field_combo(unsigned w, unsigned idx, unsigned *pos,
                        unsigned *len)
{
    for (unsigned p = 0; p < w; p++) {
        if (idx < w - p) {
            *pos = p;
            *len = idx + 1;
            return true;
        }
        idx -= w - p;
    }
    return false;
}

static void build_field(Ctx *c, const void *arg)
{
    const FieldCase *fc = arg;
    bool w64 = fc->t == I64;
    unsigned w = w64 ? 64 : 32, pos, len;
    TCGTemp *a = ebb(c, fc->t), *b = ebb(c, fc->t), *r = ebb(c, fc->t);
    static const TCGOpcode ops[3][2] = {
        { INDEX_op_deposit_i32, INDEX_op_deposit_i64 },
        { INDEX_op_extract_i32, INDEX_op_extract_i64 },
        { INDEX_op_sextract_i32, INDEX_op_sextract_i64 },
    };

    for (unsigned k = 0; k < fc->count; k++) {
        if (!field_combo(w, fc->first + k, &pos, &len)) {
            break;
        }
        emit_ld_in(c, a, k % 2);
        emit_ld_in(c, b, 2 + k % 3);
        if (fc->kind == 0) {
            tcg_gen_op5(c->s, ops[0][w64], temp_arg(r), temp_arg(a),
                        temp_arg(b), pos, len);
        } else {
            tcg_gen_op4(c->s, ops[fc->kind][w64], temp_arg(r), temp_arg(a),
                        pos, len);
        }
        emit_st_out(c, r, k);
    }
    emit_exit(c, 0);
}

static void prep_field(XEnv *e)
{
    e->in[0] = 0x8badf00ddeadbeefull;
    e->in[1] = 0x123456789abcdef0ull;
    e->in[2] = 0xfedcba9876543210ull;
    e->in[3] = 0xffffffffffffffffull;
    e->in[4] = 0x0000000100000001ull;
}

static void test_bit_fields(void **state)
{
    Ctx c[NB_BACKENDS];

    ctx_pair_init(c);
    for (int w = 0; w < 2; w++) {
        unsigned wb = w ? 64 : 32, total = wb * (wb + 1) / 2;
        for (int kind = 0; kind < 3; kind++) {
            for (unsigned first = 0; first < total; first += 512) {
                FieldCase fc = { w ? I64 : I32, kind, first, 512 };
                XEnv *e = run_both(c, build_field, &fc, prep_field);
                XEnv ref;
                unsigned pos, len;
                prep_field(&ref);
                for (unsigned k = 0; k < 512 && field_combo(wb, first + k,
                                                             &pos, &len); k++) {
                    uint64_t a = ref.in[k % 2], b = ref.in[2 + k % 3], want;
                    if (!w) {
                        a = M32(a);
                        b = M32(b);
                    }
                    want = kind == 0 ? tcg_deposit64(a, b, pos, len)
                         : kind == 1 ? tcg_extract64(a, pos, len)
                         : (uint64_t)ref_sext(a >> pos, len);
                    if (!w) {
                        want = M32(want);
                    }
                    assert_int_equal(w ? e->out[k] : M32(e->out[k]), want);
                }
                env_free(e);
            }
        }
    }
    ctx_pair_free(c);
}

/* ------------------------------------------------------------------ */
/* double-width products */

typedef struct Mul2Case {
    TCGType t;
    bool sign;
    int mode;               /* 0: reg, reg; 1: reg, const */
} Mul2Case;

static void build_mul2(Ctx *c, const void *arg)
{
    const Mul2Case *mc = arg;
    size_t n;
    const uint64_t *ev = edges_for(mc->t, &n);
    bool w64 = mc->t == I64;
    TCGTemp *a = ebb(c, mc->t), *b = ebb(c, mc->t);
    TCGTemp *lo = ebb(c, mc->t), *hi = ebb(c, mc->t);
    TCGOpcode opc = mc->sign ? (w64 ? INDEX_op_muls2_i64 : INDEX_op_muls2_i32)
                             : (w64 ? INDEX_op_mulu2_i64 : INDEX_op_mulu2_i32);
    unsigned k = 0;

    for (size_t x = 0; x < n; x++) {
        for (size_t y = x; y < n; y++) {
            TCGTemp *bb = b;
            emit_ld_in(c, a, (unsigned)x);
            if (mc->mode) {
                bb = tcg_constant_internal(c->s, mc->t, ev[y]);
            } else {
                emit_ld_in(c, b, (unsigned)y);
            }
            tcg_gen_op4(c->s, opc, temp_arg(lo), temp_arg(hi), temp_arg(a),
                        temp_arg(bb));
            emit_st_out(c, lo, k++);
            emit_st_out(c, hi, k++);
        }
    }
    emit_exit(c, 0);
}

static void test_mul2(void **state)
{
    Ctx c[NB_BACKENDS];

    ctx_pair_init(c);
    for (int w = 0; w < 2; w++) {
        for (int sign = 0; sign < 2; sign++) {
            for (int mode = 0; mode < 2; mode++) {
                Mul2Case mc = { w ? I64 : I32, sign, mode };
                size_t n;
                const uint64_t *ev = edges_for(mc.t, &n);
                XEnv *e = run_both(c, build_mul2, &mc, prep_for(mc.t));
                unsigned k = 0;
                for (size_t x = 0; x < n; x++) {
                    for (size_t y = x; y < n; y++, k += 2) {
                        uint64_t lo, hi;
                        if (w) {
                            (sign ? tcg_muls2_64 : tcg_mulu2_64)(&lo, &hi,
                                                                 ev[x], ev[y]);
                        } else {
                            uint64_t p = sign
                                ? (uint64_t)((int64_t)(int32_t)ev[x] *
                                             (int64_t)(int32_t)ev[y])
                                : ev[x] * ev[y];
                            lo = M32(p);
                            hi = M32(p >> 32);
                        }
                        assert_int_equal(e->out[k], lo);
                        assert_int_equal(e->out[k + 1], hi);
                    }
                }
                env_free(e);
            }
        }
    }
    ctx_pair_free(c);
}

/* ------------------------------------------------------------------ */
/* host loads and stores (ld/st ops) */

static void build_ldst(Ctx *c, const void *arg)
{
    static const TCGOpcode lds[] = {
        INDEX_op_ld8u_i32, INDEX_op_ld8s_i32, INDEX_op_ld16u_i32,
        INDEX_op_ld16s_i32, INDEX_op_ld_i32, INDEX_op_ld8u_i64,
        INDEX_op_ld8s_i64, INDEX_op_ld16u_i64, INDEX_op_ld16s_i64,
        INDEX_op_ld32u_i64, INDEX_op_ld32s_i64, INDEX_op_ld_i64,
    };
    static const TCGOpcode sts[] = {
        INDEX_op_st8_i32, INDEX_op_st16_i32, INDEX_op_st_i32,
        INDEX_op_st8_i64, INDEX_op_st16_i64, INDEX_op_st32_i64,
        INDEX_op_st_i64,
    };
    TCGv_ptr env = tcg_env(c->s);
    unsigned k = 0;

    (void)arg;
    for (size_t i = 0; i < ARRAY_SIZE(lds); i++) {
        bool w64 = tcg_op_defs[lds[i]].flags & TCG_OPF_64BIT;
        for (unsigned off = 0; off < 8; off++) {
            TCGTemp *r = ebb(c, w64 ? I64 : I32);
            tcg_gen_op3(c->s, lds[i], temp_arg(r), tcgv_ptr_arg(env),
                        offsetof(XEnv, in) + 8 + off);
            emit_st_out(c, r, k++);
            tcg_temp_free_internal(c->s, r);
        }
    }
    for (size_t i = 0; i < ARRAY_SIZE(sts); i++) {
        bool w64 = tcg_op_defs[sts[i]].flags & TCG_OPF_64BIT;
        for (unsigned off = 0; off < 5; off++, k += 2) {
            TCGTemp *v = ebb(c, w64 ? I64 : I32);
            TCGTemp *cv = tcg_constant_internal(c->s, w64 ? I64 : I32,
                                                0x8182838485868788ull >> off);
            emit_ld_in(c, v, 2);
            tcg_gen_op3(c->s, sts[i], temp_arg(v), tcgv_ptr_arg(env),
                        offsetof(XEnv, out) + 8 * k + off);
            tcg_gen_op3(c->s, sts[i], temp_arg(cv), tcgv_ptr_arg(env),
                        offsetof(XEnv, out) + 8 * (k + 1) + off);
            tcg_temp_free_internal(c->s, v);
        }
    }
    /* a non-env base pointer */
    {
        TCGTemp *p = ebb(c, I64), *r = ebb(c, I64);
        tcg_gen_op3(c->s, INDEX_op_ld_i64, temp_arg(p), tcgv_ptr_arg(env),
                    offsetof(XEnv, in) + 8 * 3);
        tcg_gen_op3(c->s, INDEX_op_ld_i64, temp_arg(r), temp_arg(p), 16);
        emit_st_out(c, r, k++);
    }
    emit_exit(c, 0);
}

static void prep_ldst(XEnv *e)
{
    e->in[1] = 0xf1e2d3c4b5a69788ull;
    e->in[2] = 0x0123456789abcdefull;
    e->in[3] = (uintptr_t)&e->in[40];
    e->in[42] = 0x5555aaaa3333cccc;
}

static void test_host_ldst(void **state)
{
    Ctx c[NB_BACKENDS];
    XEnv *e;

    ctx_pair_init(c);
    e = run_both(c, build_ldst, NULL, prep_ldst);
    assert_int_equal(e->out[0], 0x88);
    assert_int_equal(e->out[8], 0xffffff88);     /* ld8s_i32 */
    env_free(e);
    ctx_pair_free(c);
}

/* ------------------------------------------------------------------ */
/* many live values: spills, with branches and globals in the mix */

static void build_spills(Ctx *c, const void *arg)
{
    enum { N = 40 };
    TCGTemp *v[N];
    TCGLabel *l = tcg_label_new(c->s);
    TCGTemp *t = ebb(c, I64);
    unsigned rounds = *(const unsigned *)arg;

    for (unsigned i = 0; i < N; i++) {
        v[i] = loc(c, i % 3 ? I64 : I32);
        emit_ld_in(c, v[i], i % 28);
    }
    for (unsigned r = 0; r < rounds; r++) {
        for (unsigned i = 0; i < N; i++) {
            TCGTemp *a = v[i], *b = v[(i + 7) % N];
            if (a->type == b->type) {
                TCGOpcode o = (r + i) % 3 == 0
                    ? (a->type == I64 ? INDEX_op_mul_i64 : INDEX_op_mul_i32)
                    : (r + i) % 3 == 1
                    ? (a->type == I64 ? INDEX_op_add_i64 : INDEX_op_add_i32)
                    : (a->type == I64 ? INDEX_op_xor_i64 : INDEX_op_xor_i32);
                test_emit_op(c->s, o, a, a, b);
            } else if (a->type == I64) {
                tcg_gen_op2(c->s, INDEX_op_extu_i32_i64, temp_arg(t),
                            temp_arg(b));
                test_emit_op(c->s, INDEX_op_sub_i64, a, a, t);
            }
        }
        if (r == rounds / 2) {
            /* globals and TB temps must survive a branch */
            tcg_gen_add_i64(c->s, c->g64[0], c->g64[0],
                            temp_tcgv_i64(v[1]));
            l->refs++;
            tcg_gen_op4(c->s, INDEX_op_brcond_i64, temp_arg(v[2]),
                        temp_arg(v[4]), TCG_COND_LTU, label_arg(l));
            tcg_gen_xor_i64(c->s, c->g64[1], c->g64[0], temp_tcgv_i64(v[5]));
            tcg_gen_set_label(c->s, l);
            /* a call with every register busy */
            gen_helper_x_add32(c->s, temp_tcgv_i32(v[3]), temp_tcgv_i32(v[3]),
                               temp_tcgv_i32(v[6]));
            gen_helper_x_mix6(c->s, temp_tcgv_i64(v[7]), temp_tcgv_i64(v[8]),
                              temp_tcgv_i32(v[9]), temp_tcgv_i64(v[10]),
                              temp_tcgv_i32(v[12]), temp_tcgv_i64(v[1]),
                              temp_tcgv_i32(v[15]));
            tcg_gen_mb(c->s, 0);
        }
    }
    for (unsigned i = 0; i < N; i++) {
        emit_st_out(c, v[i], i);
    }
    tcg_gen_discard_i64(c->s, temp_tcgv_i64(t));
    emit_exit(c, 0);
}

static void test_spills(void **state)
{
    Ctx c[NB_BACKENDS];

    ctx_pair_init(c);
    for (unsigned rounds = 1; rounds < 12; rounds += 5) {
        env_free(run_both(c, build_spills, &rounds, prep_edges64));
    }
    ctx_pair_free(c);
}

/* ------------------------------------------------------------------ */
/* helper calls */

static void build_calls(Ctx *c, const void *arg)
{
    TCGv_i32 a32 = tcg_temp_new_i32(c->s), b32 = tcg_temp_new_i32(c->s);
    TCGv_i32 r32 = tcg_temp_new_i32(c->s);
    TCGv_i64 a64 = tcg_temp_new_i64(c->s), b64 = tcg_temp_new_i64(c->s);
    TCGv_i64 r64 = tcg_temp_new_i64(c->s);
    TCGv_ptr env = tcg_env(c->s);
    unsigned k = 0;

    (void)arg;
    for (unsigned i = 0; i < 20; i++) {
        emit_ld_in(c, tcgv_i32_temp(a32), i);
        emit_ld_in(c, tcgv_i32_temp(b32), i + 3);
        emit_ld_in(c, tcgv_i64_temp(a64), i + 5);
        emit_ld_in(c, tcgv_i64_temp(b64), i + 1);
        gen_helper_x_add32(c->s, r32, a32, b32);
        emit_st_out(c, tcgv_i32_temp(r32), k++);
        gen_helper_x_mix6(c->s, r64, a64, a32, b64, b32, a64, r32);
        emit_st_out(c, tcgv_i64_temp(r64), k++);
        gen_helper_x_sext(c->s, r64, b32);
        emit_st_out(c, tcgv_i64_temp(r64), k++);
        gen_helper_x_neg32(c->s, r32, a32);
        emit_st_out(c, tcgv_i32_temp(r32), k++);
        gen_helper_x_mix3(c->s, r64, b32, a64, env);
        emit_st_out(c, tcgv_i64_temp(r64), k++);
    }
    /* globals live in registers around helpers that read/write them */
    emit_ld_in(c, tcgv_i64_temp(a64), 2);
    tcg_gen_add_i64(c->s, c->g64[0], a64, c->g64[0]);
    tcg_gen_addi_i32(c->s, c->g32[0], c->g32[0], 5);
    tcg_gen_mov_i64(c->s, c->g64[2], c->g64[0]);
    tcg_gen_mov_i32(c->s, c->g32[2], c->g32[0]);
    gen_helper_x_bump_globals(c->s, env, a64);
    tcg_gen_add_i64(c->s, b64, c->g64[0], c->g64[1]);
    emit_st_out(c, tcgv_i64_temp(b64), k++);
    tcg_gen_extu_i32_i64(c->s, b64, c->g32[1]);
    emit_st_out(c, tcgv_i64_temp(b64), k++);
    gen_helper_x_read_globals(c->s, r64, env);
    tcg_gen_add_i64(c->s, c->g64[3], r64, c->g64[2]);
    tcg_gen_movi_i64(c->s, c->g64[2], 77);
    gen_helper_x_read_globals(c->s, c->g64[1], env);
    gen_helper_x_stack_misalign(c->s, r32);
    emit_st_out(c, tcgv_i32_temp(r32), k++);
    emit_exit(c, 1);
}

static void prep_calls(XEnv *e)
{
    prep_edges32(e);
    e->g64[0] = 1000;
    e->g32[0] = 7;
    e->g64[3] = 3;
}

static void test_helper_calls(void **state)
{
    Ctx c[NB_BACKENDS];
    XEnv *e;
    uint64_t g0;

    ctx_pair_init(c);
    e = run_both(c, build_calls, NULL, prep_calls);
    assert_int_equal(e->out[0], M32(edge32[0] + edge32[3]));
    assert_int_equal(e->out[2], (uint64_t)(int64_t)(int32_t)edge32[3]);
    assert_int_equal(e->out[3], 0);
    assert_int_equal(e->out[7], edge32[4]);
    assert_int_equal(e->out[8], M32(0u - edge32[1]));
    g0 = 1000 + edge32[2];
    assert_int_equal(e->g64[0], g0 + 1);
    assert_int_equal(e->g32[0], 12);
    assert_int_equal(e->out[100], (g0 + 1) + (g0 + edge32[2] + 12));
    assert_int_equal(e->out[101], M32((g0 + 1) * 3));
    assert_int_equal(e->g64[3], (g0 * 5 + 12) + g0);
    assert_int_equal(e->g64[1], 77 * 5 + 12);
    assert_int_equal(e->out[102], 0);
    env_free(e);
    ctx_pair_free(c);
}

/* ------------------------------------------------------------------ */
/* guest memory through the soft TLB */

static const MemOp test_memops[] = {
    MO_UB, MO_SB, MO_LEUW, MO_LESW, MO_LEUL, MO_LESL, MO_LEUQ,
    MO_BEUW, MO_BESW, MO_BEUL, MO_BESL, MO_BEUQ,
    MO_LEUW | MO_ALIGN, MO_LEUL | MO_ALIGN, MO_LEUQ | MO_ALIGN,
    MO_BESL | MO_ALIGN,
};

static const uint64_t test_addrs[] = {
    GBASE, GBASE + 1, GBASE + 8, GBASE + 0xffc, GBASE + 0xffd,
    GBASE + 0xfff, GBASE + 0x1ff8, GBASE + 0x1ffe,   /* crossing */
    GBASE + 0x1234, GBASE + 0x2010, GBASE + 0x2ffa,  /* page 2: NOTDIRTY */
    GBASE + 0x3008, GBASE + 0x3ffc,                  /* page 3: not in TLB */
    GBASE + 0x4000, 0x10,                            /* outside RAM */
    GBASE - 2,
};

static void build_guest_mem(Ctx *c, const void *arg)
{
    bool w64 = *(const bool *)arg;
    TCGType t = w64 ? I64 : I32;
    TCGv_i64 addr = tcg_temp_new_i64(c->s);
    TCGTemp *v = ebb(c, t), *keep = loc(c, I64);
    unsigned k = 0;

    emit_ld_in(c, keep, 5);
    for (size_t m = 0; m < ARRAY_SIZE(test_memops); m++) {
        MemOp mo = test_memops[m];
        if (!w64 && (mo & MO_SIZE) == MO_64) {
            continue;
        }
        for (size_t a = 0; a < ARRAY_SIZE(test_addrs); a++) {
            tcg_gen_movi_i64(c->s, addr, test_addrs[a] + m * 0x40 % 0x100);
            tcg_gen_op3(c->s, w64 ? INDEX_op_qemu_ld_i64 : INDEX_op_qemu_ld_i32,
                        temp_arg(v), tcgv_i64_arg(addr),
                        tcg_memop_idx(mo, MMU));
            emit_st_out(c, v, k++);
            /* store something derived back, then keep going */
            tcg_gen_op3(c->s, w64 ? INDEX_op_xor_i64 : INDEX_op_xor_i32,
                        temp_arg(v), temp_arg(v),
                        temp_arg(tcg_constant_internal(c->s, t, 0x5a5a5a5a)));
            tcg_gen_op3(c->s, w64 ? INDEX_op_qemu_st_i64 : INDEX_op_qemu_st_i32,
                        temp_arg(v), tcgv_i64_arg(addr),
                        tcg_memop_idx(mo, MMU));
            tcg_gen_add_i64(c->s, c->g64[0], c->g64[0], temp_tcgv_i64(keep));
        }
    }
    emit_st_out(c, keep, k++);
    emit_exit(c, 0);
}

static void test_guest_memory(void **state)
{
    Ctx c[NB_BACKENDS];

    ctx_pair_init(c);
    for (int w = 0; w < 2; w++) {
        bool w64 = w;
        XEnv *e = run_both(c, build_guest_mem, &w64, prep_edges64);
        assert_true(e->slow_loads > 0 && e->slow_stores > 0);
        env_free(e);
    }
    ctx_pair_free(c);
}

/* Hits must not reach the slow path; misses must. */
static void build_hits(Ctx *c, const void *arg)
{
    uint64_t base = *(const uint64_t *)arg;
    TCGv_i64 addr = tcg_temp_new_i64(c->s), v = tcg_temp_new_i64(c->s);

    for (unsigned i = 0; i < 8; i++) {
        tcg_gen_movi_i64(c->s, addr, base + 8 * i);
        tcg_gen_qemu_ld_i64(c->s, v, addr, MMU, MO_LEUQ);
        tcg_gen_qemu_st_i64(c->s, v, addr, MMU, MO_LEUQ);
        emit_st_out(c, tcgv_i64_temp(v), i);
    }
    emit_exit(c, 0);
}

static void test_tlb_hit_miss(void **state)
{
    Ctx c[NB_BACKENDS];
    uint64_t base = GBASE + 0x100;
    XEnv *e;

    ctx_pair_init(c);
    e = run_both(c, build_hits, &base, NULL);
    assert_int_equal(e->slow_loads, 0);
    assert_int_equal(e->slow_stores, 0);
    assert_memory_equal(&e->out[0], e->ram + 0x100, 8);
    env_free(e);
    base = GBASE + 0x3100;
    e = run_both(c, build_hits, &base, NULL);
    assert_int_equal(e->slow_loads, 8);
    assert_int_equal(e->slow_stores, 8);
    env_free(e);
    ctx_pair_free(c);
}

/* ------------------------------------------------------------------ */
/* a fault in the middle of a TB */

static void build_fault(Ctx *c, const void *arg)
{
    TCGv_i64 addr = tcg_temp_new_i64(c->s), v = tcg_temp_new_i64(c->s);

    (void)arg;
    tcg_gen_insn_start(c->s, 0x1000, 7);
    tcg_gen_movi_i64(c->s, c->g64[0], 11);
    tcg_gen_movi_i64(c->s, addr, GBASE + 0x10);
    tcg_gen_qemu_ld_i64(c->s, v, addr, MMU, MO_LEUQ);
    tcg_gen_insn_start(c->s, 0x1004, 9);
    tcg_gen_addi_i64(c->s, c->g64[1], c->g64[0], 1);
    tcg_gen_movi_i64(c->s, addr, GBASE + 0x3010);
    tcg_gen_qemu_ld_i64(c->s, v, addr, MMU, MO_LEUQ);   /* faults */
    tcg_gen_insn_start(c->s, 0x1008, 3);
    tcg_gen_movi_i64(c->s, c->g64[0], 99);
    emit_st_out(c, tcgv_i64_temp(v), 0);
    emit_exit(c, 0);
}

static void test_fault_insn_data(void **state)
{
    Ctx c[NB_BACKENDS];

    ctx_pair_init(c);
    for (int b = 0; b < NB_BACKENDS; b++) {
        TCGCodeInfo info = gen_tb(&c[b], build_fault, NULL);
        XEnv *e = env_new();
        sigjmp_buf jb;
        uint64_t data[TCG_INSN_START_WORDS];

        assert_int_equal(info.nb_insns, 3);
        e->jb = &jb;
        e->fault_addr = GBASE + 0x3010;
        if (sigsetjmp(jb, 0) == 0) {
            tcg_exec_tb(c[b].s, e, info.code);
            fail_msg("the load did not fault");
        }
        assert_int_equal(e->g64[0], 11);
        assert_int_equal(e->g64[1], 12);
        assert_int_equal(tcg_insn_data_find(&info, e->last_ra - 1 -
                                            (uintptr_t)info.code, data), 1);
        assert_int_equal(data[0], 0x1004);
        assert_int_equal(data[1], 9);
        assert_int_equal(c[b].s->exec_ra, e->last_ra);
        /* the context still runs code afterwards */
        e->fault_addr = 0;
        tcg_exec_tb(c[b].s, e, info.code);
        assert_int_equal(e->g64[0], 99);
        env_free(e);
    }
    ctx_pair_free(c);
}

static void build_helper_fault(Ctx *c, const void *arg)
{
    (void)arg;
    tcg_gen_insn_start(c->s, 0x2000, 1);
    tcg_gen_movi_i64(c->s, c->g64[0], 5);
    tcg_gen_insn_start(c->s, 0x2002, 2);
    tcg_gen_addi_i64(c->s, c->g64[0], c->g64[0], 5);
    gen_helper_x_fault(c->s, tcg_env(c->s));
    tcg_gen_insn_start(c->s, 0x2004, 3);
    tcg_gen_movi_i64(c->s, c->g64[0], 99);
    emit_exit(c, 0);
}

static void test_fault_in_helper(void **state)
{
    Ctx c;
    TCGCodeInfo info;
    XEnv *e = env_new();
    sigjmp_buf jb;
    uint64_t data[TCG_INSN_START_WORDS];

    ctx_init(&c, &tcg_backend_x86_64, 1 * MiB);
    info = gen_tb(&c, build_helper_fault, NULL);
    e->jb = &jb;
    if (sigsetjmp(jb, 0) == 0) {
        tcg_exec_tb(c.s, e, info.code);
        fail_msg("the helper did not leave");
    }
    assert_int_equal(e->g64[0], 10);
    assert_true(e->last_ra > (uintptr_t)info.code &&
                e->last_ra <= (uintptr_t)info.code + info.code_size);
    assert_int_equal(tcg_insn_data_find(&info, e->last_ra - 1 -
                                        (uintptr_t)info.code, data), 1);
    assert_int_equal(data[0], 0x2002);
    assert_int_equal(c.s->exec_ra, e->last_ra);
    env_free(e);
    tcg_context_free(c.s);
}

/* ------------------------------------------------------------------ */
/* random programs: a differential fuzz of the register allocator */

typedef struct Rng {
    uint64_t s;
} Rng;

static uint64_t rng_next(Rng *r)
{
    r->s ^= r->s << 13;
    r->s ^= r->s >> 7;
    r->s ^= r->s << 17;
    return r->s;
}

static unsigned rng_below(Rng *r, unsigned n)
{
    return (unsigned)(rng_next(r) % n);
}

typedef struct RandPools {
    TCGTemp *p[2][12];      /* [is64] */
    unsigned n[2];
} RandPools;

static TCGTemp *rand_pick(Rng *r, RandPools *rp, TCGType t)
{
    return rp->p[t == I64][rng_below(r, rp->n[t == I64])];
}

static TCGTemp *rand_src(Ctx *c, Rng *r, RandPools *rp, TCGType t)
{
    if (rng_below(r, 4) == 0) {
        size_t n;
        const uint64_t *ev = edges_for(t, &n);
        uint64_t v = rng_below(r, 2) ? ev[rng_below(r, (unsigned)n)]
                                     : rng_next(r);
        return tcg_constant_internal(c->s, t, v);
    }
    return rand_pick(r, rp, t);
}

static void rand_op(Ctx *c, Rng *r, RandPools *rp)
{
    TCGType t = rng_below(r, 2) ? I64 : I32;
    bool w64 = t == I64;
    unsigned w = w64 ? 64 : 32;

    switch (rng_below(r, 12)) {
    case 0: case 1: case 2: case 3: {
        const RefOp *ro = &ref_ops[rng_below(r, ARRAY_SIZE(ref_ops))];
        test_emit_op(c->s, ro->opc, rand_pick(r, rp, ro->out),
                     rand_src(c, r, rp, ro->in),
                     ro->nin == 2 ? rand_src(c, r, rp, ro->in) : NULL);
        break;
    }
    case 4:
        tcg_gen_op4(c->s, w64 ? INDEX_op_setcond_i64 : INDEX_op_setcond_i32,
                    temp_arg(rand_pick(r, rp, t)),
                    temp_arg(rand_pick(r, rp, t)),
                    temp_arg(rand_src(c, r, rp, t)),
                    all_conds[rng_below(r, ARRAY_SIZE(all_conds))]);
        break;
    case 5:
        tcg_gen_op6(c->s, w64 ? INDEX_op_movcond_i64 : INDEX_op_movcond_i32,
                    temp_arg(rand_pick(r, rp, t)),
                    temp_arg(rand_pick(r, rp, t)),
                    temp_arg(rand_src(c, r, rp, t)),
                    temp_arg(rand_src(c, r, rp, t)),
                    temp_arg(rand_src(c, r, rp, t)),
                    all_conds[rng_below(r, ARRAY_SIZE(all_conds))]);
        break;
    case 6: {
        unsigned pos = rng_below(r, w), len = 1 + rng_below(r, w - pos);
        if (rng_below(r, 2)) {
            tcg_gen_op5(c->s, w64 ? INDEX_op_deposit_i64 : INDEX_op_deposit_i32,
                        temp_arg(rand_pick(r, rp, t)),
                        temp_arg(rand_src(c, r, rp, t)),
                        temp_arg(rand_src(c, r, rp, t)), pos, len);
        } else {
            TCGOpcode o = rng_below(r, 2)
                ? (w64 ? INDEX_op_extract_i64 : INDEX_op_extract_i32)
                : (w64 ? INDEX_op_sextract_i64 : INDEX_op_sextract_i32);
            tcg_gen_op4(c->s, o, temp_arg(rand_pick(r, rp, t)),
                        temp_arg(rand_pick(r, rp, t)), pos, len);
        }
        break;
    }
    case 7: {
        TCGTemp *lo = rand_pick(r, rp, t), *hi = rand_pick(r, rp, t);
        if (lo != hi) {
            tcg_gen_op4(c->s, rng_below(r, 2)
                        ? (w64 ? INDEX_op_muls2_i64 : INDEX_op_muls2_i32)
                        : (w64 ? INDEX_op_mulu2_i64 : INDEX_op_mulu2_i32),
                        temp_arg(lo), temp_arg(hi),
                        temp_arg(rand_src(c, r, rp, t)),
                        temp_arg(rand_src(c, r, rp, t)));
        }
        break;
    }
    case 8:
        switch (rng_below(r, 3)) {
        case 0:
            gen_helper_x_add32(c->s, temp_tcgv_i32(rand_pick(r, rp, I32)),
                               temp_tcgv_i32(rand_src(c, r, rp, I32)),
                               temp_tcgv_i32(rand_src(c, r, rp, I32)));
            break;
        case 1:
            gen_helper_x_mix6(c->s, temp_tcgv_i64(rand_pick(r, rp, I64)),
                              temp_tcgv_i64(rand_src(c, r, rp, I64)),
                              temp_tcgv_i32(rand_src(c, r, rp, I32)),
                              temp_tcgv_i64(rand_src(c, r, rp, I64)),
                              temp_tcgv_i32(rand_src(c, r, rp, I32)),
                              temp_tcgv_i64(rand_src(c, r, rp, I64)),
                              temp_tcgv_i32(rand_src(c, r, rp, I32)));
            break;
        default:
            gen_helper_x_bump_globals(c->s, tcg_env(c->s),
                                      temp_tcgv_i64(rand_src(c, r, rp, I64)));
            break;
        }
        break;
    case 9: case 10: {
        /* guest access somewhere in the 4 pages (some cross, some miss) */
        TCGv_i64 a = tcg_temp_ebb_new_i64(c->s);
        MemOp mo = test_memops[rng_below(r, ARRAY_SIZE(test_memops))];
        if (!w64 && (mo & MO_SIZE) == MO_64) {
            mo = MO_LEUL;
        }
        tcg_gen_andi_i64(c->s, a, temp_tcgv_i64(rand_pick(r, rp, I64)),
                         0x3fff);
        tcg_gen_addi_i64(c->s, a, a, GBASE);
        tcg_gen_op3(c->s, rng_below(r, 2)
                    ? (w64 ? INDEX_op_qemu_ld_i64 : INDEX_op_qemu_ld_i32)
                    : (w64 ? INDEX_op_qemu_st_i64 : INDEX_op_qemu_st_i32),
                    temp_arg(rand_pick(r, rp, t)), tcgv_i64_arg(a),
                    tcg_memop_idx(mo, MMU));
        tcg_temp_free_i64(c->s, a);
        break;
    }
    default:
        tcg_gen_op2(c->s, w64 ? INDEX_op_mov_i64 : INDEX_op_mov_i32,
                    temp_arg(rand_pick(r, rp, t)),
                    temp_arg(rand_src(c, r, rp, t)));
        break;
    }
}

static void build_random(Ctx *c, const void *arg)
{
    Rng r = { *(const uint64_t *)arg };
    RandPools rp = { .n = { 0, 0 } };
    TCGLabel *pending[4];
    unsigned npending = 0, k = 0, nops = 20 + rng_below(&r, 120);

    for (unsigned i = 0; i < 4; i++) {
        rp.p[0][rp.n[0]++] = tcgv_i32_temp(c->g32[i]);
        rp.p[1][rp.n[1]++] = tcgv_i64_temp(c->g64[i]);
    }
    for (unsigned i = 0; i < 8; i++) {
        TCGType t = i < 3 ? I32 : I64;
        TCGTemp *x = loc(c, t);
        emit_ld_in(c, x, i);
        rp.p[t == I64][rp.n[t == I64]++] = x;
    }
    for (unsigned i = 0; i < nops; i++) {
        if (npending && rng_below(&r, 6) == 0) {
            tcg_gen_set_label(c->s, pending[--npending]);
        } else if (npending < 4 && rng_below(&r, 10) == 0) {
            TCGType t = rng_below(&r, 2) ? I64 : I32;
            TCGLabel *l = tcg_label_new(c->s);
            l->refs++;
            tcg_gen_op4(c->s, t == I64 ? INDEX_op_brcond_i64
                                       : INDEX_op_brcond_i32,
                        temp_arg(rand_pick(&r, &rp, t)),
                        temp_arg(rand_src(c, &r, &rp, t)),
                        all_conds[rng_below(&r, ARRAY_SIZE(all_conds))],
                        label_arg(l));
            pending[npending++] = l;
        } else {
            rand_op(c, &r, &rp);
        }
    }
    while (npending) {
        tcg_gen_set_label(c->s, pending[--npending]);
    }
    for (int w = 0; w < 2; w++) {
        for (unsigned i = 0; i < rp.n[w]; i++) {
            emit_st_out(c, rp.p[w][i], k++);
        }
    }
    emit_exit(c, 0);
}

static void prep_random(XEnv *e)
{
    Rng r = { 0x9e3779b97f4a7c15ull };
    for (unsigned i = 0; i < 16; i++) {
        e->in[i] = rng_next(&r) >> rng_below(&r, 64);
    }
    e->g64[0] = 0x1111;
    e->g32[3] = 0xffffffff;
}

static void test_random_programs(void **state)
{
    Ctx c[NB_BACKENDS];

    /* KITE_TCG_FUZZ_SEEDS=n runs a longer campaign */
    const char *env_seeds = getenv("KITE_TCG_FUZZ_SEEDS");
    const char *env_first = getenv("KITE_TCG_FUZZ_FIRST");
    uint64_t nseeds = env_seeds ? strtoull(env_seeds, NULL, 0) : 1500;
    uint64_t first = env_first ? strtoull(env_first, NULL, 0) : 1;

    ctx_pair_init(c);
    for (uint64_t seed = first; seed < first + nseeds; seed++) {
        uint64_t sd = seed * 0x2545f4914f6cdd1dull;
        if (seed == first + nseeds / 2) {
            /* second half: the sequences for hosts without LZCNT etc. */
            tcg_x86_64_limit_features(c[B_X64].s, 0);
        }
        env_free(run_both(c, build_random, &sd, prep_random));
    }
    ctx_pair_free(c);
}

/* ------------------------------------------------------------------ */
/* chaining, exit values, goto_ptr */

static void build_chain_a(Ctx *c, const void *arg)
{
    tcg_gen_addi_i64(c->s, c->g64[0], c->g64[0], 1);
    tcg_gen_goto_tb(c->s, 0);
    tcg_gen_exit_tb(c->s, arg, 0);
    (void)arg;
}

static void build_chain_b(Ctx *c, const void *arg)
{
    tcg_gen_addi_i64(c->s, c->g64[1], c->g64[0], 100);
    tcg_gen_op1(c->s, INDEX_op_exit_tb, *(const uint64_t *)arg);
}

static void build_goto_ptr(Ctx *c, const void *arg)
{
    (void)arg;
    tcg_gen_addi_i64(c->s, c->g64[2], c->g64[2], 5);
    tcg_gen_lookup_and_goto_ptr(c->s, &helper_info_x_lookup);
}

static void test_chaining(void **state)
{
    static const uint64_t exits[] = {
        0, 1, 3, 0x40, 0x7fffffff0, 0xfffffffffffffff0ull,
        0x123456789abcdef0ull,
    };
    Ctx c[NB_BACKENDS];

    ctx_pair_init(c);
    for (int b = 0; b < NB_BACKENDS; b++) {
        static const uint64_t tag = 0x1000;
        for (size_t i = 0; i < ARRAY_SIZE(exits); i++) {
            TCGCodeInfo ta = gen_tb(&c[b], build_chain_a, (void *)tag);
            TCGCodeInfo tb = gen_tb(&c[b], build_chain_b, &exits[i]);
            TCGCodeInfo tp = gen_tb(&c[b], build_goto_ptr, NULL);
            XEnv *e = env_new();

            assert_true(ta.jmp_offset[0] != TCG_NO_JUMP);
            assert_int_equal(ta.jmp_offset[1], TCG_NO_JUMP);
            assert_int_equal(tcg_exec_tb(c[b].s, e, ta.code), tag);
            assert_int_equal(e->g64[0], 1);
            tcg_set_jump(c[b].s, ta.code, ta.jmp_offset[0], tb.code);
            assert_int_equal(tcg_exec_tb(c[b].s, e, ta.code), exits[i]);
            assert_int_equal(e->g64[0], 2);
            assert_int_equal(e->g64[1], 102);
            tcg_set_jump(c[b].s, ta.code, ta.jmp_offset[0], NULL);
            assert_int_equal(tcg_exec_tb(c[b].s, e, ta.code), tag);
            assert_int_equal(e->g64[0], 3);
            assert_int_equal(e->g64[1], 102);
            /* goto_ptr: to B, then to nothing */
            e->next_code = tb.code;
            assert_int_equal(tcg_exec_tb(c[b].s, e, tp.code), exits[i]);
            assert_int_equal(e->g64[2], 5);
            assert_int_equal(e->g64[1], 103);
            e->next_code = NULL;
            assert_int_equal(tcg_exec_tb(c[b].s, e, tp.code), 0);
            assert_int_equal(e->g64[2], 10);
            env_free(e);
        }
    }
    ctx_pair_free(c);
}

/* lookup_goto_ptr to a constant pc, and to a pc computed in the TB */
#define JC_PC   0x401230ull

static void build_lookup_const(Ctx *c, const void *arg)
{
    (void)arg;
    tcg_gen_addi_i64(c->s, c->g64[0], c->g64[0], 5);
    tcg_gen_lookup_goto_ptr(c->s, tcg_constant_i64(c->s, JC_PC),
                            &helper_info_x_lookup);
}

static void build_lookup_temp(Ctx *c, const void *arg)
{
    TCGv_i64 pc = tcg_temp_new_i64(c->s);

    (void)arg;
    /* globals left dirty in registers: stored before the probe */
    tcg_gen_addi_i64(c->s, c->g64[0], c->g64[0], 5);
    tcg_gen_xori_i64(c->s, c->g64[2], c->g64[2], 0x55);
    tcg_gen_addi_i64(c->s, pc, c->g64[3], 0x30);
    tcg_gen_lookup_goto_ptr(c->s, pc, &helper_info_x_lookup);
}

static void jc_fill(XEnv *e, uint64_t pc, uint64_t key, const void *code)
{
    TCGJumpCacheEntry *je = &e->jc[tcg_jc_hash(pc)];

    je->pc = pc;
    atomic_store(&je->key, key);
    je->code = code;
}

/*
 * One run of a lookup TB: the exit value, whether the helper was called,
 * and the globals in env when it was and after the run.
 */
static uint64_t run_lookup(Ctx *c, XEnv *e, const void *code, bool *called)
{
    unsigned before = e->lookups;
    uint64_t r = tcg_exec_tb(c->s, e, code);

    *called = e->lookups != before;
    if (*called) {
        assert_int_equal(e->lookup_g64_0, e->g64[0]);
    }
    return r;
}

static void test_lookup_goto_ptr(void **state)
{
    static const uint64_t tag = 0x77;
    Ctx c[NB_BACKENDS];

    ctx_pair_init(c);
    for (int b = 0; b < NB_BACKENDS; b++) {
        bool inline_probe = b == B_X64;     /* the interpreter: helper */
        TCGCodeInfo dst = gen_tb(&c[b], build_chain_b, &tag);
        TCGCodeInfo tk = gen_tb(&c[b], build_lookup_const, NULL);
        TCGCodeInfo tt = gen_tb(&c[b], build_lookup_temp, NULL);
        XEnv *e = env_new();
        bool called;

        e->jc = calloc(TCG_JC_SIZE, sizeof(*e->jc));
        assert_non_null(e->jc);
        for (unsigned i = 0; i < TCG_JC_SIZE; i++) {
            atomic_store(&e->jc[i].key, TCG_JC_KEY_NONE);
        }
        e->jc_key = 0x1234000000abcdull;
        /* empty cache: the helper, which leads to dst or to nothing */
        e->next_code = dst.code;
        assert_int_equal(run_lookup(&c[b], e, tk.code, &called), tag);
        assert_true(called);
        assert_int_equal(e->g64[1], 105);
        e->next_code = NULL;
        assert_int_equal(run_lookup(&c[b], e, tk.code, &called), 0);
        assert_true(called);
        /* a hit: straight to dst's code */
        jc_fill(e, JC_PC, e->jc_key, dst.code);
        assert_int_equal(run_lookup(&c[b], e, tk.code, &called),
                         inline_probe ? tag : 0);
        assert_int_equal(called, !inline_probe);
        assert_int_equal(e->g64[0], 15);
        /* another key (flags, generation) or the none key: a miss */
        e->jc_key ^= 1ull << 32;
        assert_int_equal(run_lookup(&c[b], e, tk.code, &called), 0);
        assert_true(called);
        jc_fill(e, JC_PC, TCG_JC_KEY_NONE, dst.code);
        assert_int_equal(run_lookup(&c[b], e, tk.code, &called), 0);
        assert_true(called);
        /* another pc in the same slot: a miss */
        jc_fill(e, JC_PC, e->jc_key, dst.code);
        e->jc[tcg_jc_hash(JC_PC)].pc = JC_PC + (TCG_JC_SIZE << TCG_PAGE_BITS);
        assert_int_equal(tcg_jc_hash(e->jc[tcg_jc_hash(JC_PC)].pc),
                         tcg_jc_hash(JC_PC));
        assert_int_equal(run_lookup(&c[b], e, tk.code, &called), 0);
        assert_true(called);
        /* a pc computed at run time, with dirty globals around */
        jc_fill(e, JC_PC, e->jc_key, dst.code);
        e->g64[3] = JC_PC - 0x30;
        e->g64[2] = 0;
        assert_int_equal(run_lookup(&c[b], e, tt.code, &called),
                         inline_probe ? tag : 0);
        assert_int_equal(called, !inline_probe);
        assert_int_equal(e->g64[2], 0x55);
        assert_int_equal(e->g64[1], inline_probe ? e->g64[0] + 100 : 105);
        e->g64[3] = JC_PC - 0x2f;
        assert_int_equal(run_lookup(&c[b], e, tt.code, &called), 0);
        assert_true(called);
        assert_int_equal(e->g64[2], 0);
        free(e->jc);
        env_free(e);
    }
    ctx_pair_free(c);
}

/* ------------------------------------------------------------------ */
/* a full code buffer */

static void build_big(Ctx *c, const void *arg)
{
    TCGTemp *t = loc(c, I64);

    (void)arg;
    emit_ld_in(c, t, 0);
    for (unsigned i = 0; i < 600; i++) {
        tcg_gen_op3(c->s, INDEX_op_mul_i64, temp_arg(t), temp_arg(t),
                    temp_arg(t));
        tcg_gen_add_i64(c->s, c->g64[i % 4], c->g64[i % 4],
                        temp_tcgv_i64(t));
    }
    emit_st_out(c, t, 0);
    emit_exit(c, 0);
}

static void test_buffer_full(void **state)
{
    Ctx c;
    TCGCodeInfo info;
    unsigned ok = 0;
    size_t used;
    int r;
    XEnv *e;

    ctx_init(&c, &tcg_backend_x86_64, 64 * KiB);
    for (;;) {
        tcg_func_start(c.s);
        build_big(&c, NULL);
        used = c.s->code_used;
        r = tcg_gen_code(c.s, &info);
        if (r < 0) {
            break;
        }
        ok++;
        assert_true(ok < 1000);
    }
    assert_int_equal(r, -1);
    assert_true(ok >= 2);
    assert_int_equal(c.s->code_used, used);
    tcg_code_flush(c.s);
    tcg_func_start(c.s);
    build_big(&c, NULL);
    assert_int_equal(tcg_gen_code(c.s, &info), 0);
    e = env_new();
    e->in[0] = 3;
    tcg_exec_tb(c.s, e, info.code);
    assert_int_not_equal(e->g64[0], 0);
    env_free(e);
    tcg_context_free(c.s);
}

/* ------------------------------------------------------------------ */
/* -d out_asm */

static void test_out_asm(void **state)
{
    Log log;
    char *buf = NULL;
    size_t len = 0;
    TCGContextConfig cfg = {
        .backend = &tcg_backend_x86_64,
        .code_size = 1 * MiB,
        .tlb_offset = offsetof(XEnv, tlb),
        .log = &log,
    };
    TCGContext *s;
    TCGCodeInfo info;

    log_init(&log);
    log.mask = LOG_OUT_ASM;
    log.file = open_memstream(&buf, &len);
    s = tcg_context_new(&cfg, NULL);
    assert_non_null(s);
    tcg_gen_exit_tb(s, NULL, 1);
    assert_int_equal(tcg_gen_code(s, &info), 0);
    fflush(log.file);
    assert_non_null(strstr(buf, "OUT:"));
    assert_non_null(strstr(buf, "jmp"));
    tcg_context_free(s);
    fclose(log.file);
    free(buf);
}

/* ------------------------------------------------------------------ */
/* speed: a small loop under both backends */

static void build_loop(Ctx *c, const void *arg)
{
    TCGTemp *i = loc(c, I64), *acc = loc(c, I64), *t = ebb(c, I64);
    TCGLabel *top = tcg_label_new(c->s);

    tcg_gen_op2(c->s, INDEX_op_movi_i64, temp_arg(i), *(const uint64_t *)arg);
    emit_ld_in(c, acc, 0);
    tcg_gen_set_label(c->s, top);
    tcg_gen_muli_i64(c->s, temp_tcgv_i64(acc), temp_tcgv_i64(acc),
                     6364136223846793005ull);
    tcg_gen_addi_i64(c->s, temp_tcgv_i64(acc), temp_tcgv_i64(acc),
                     1442695040888963407ull);
    tcg_gen_shri_i64(c->s, temp_tcgv_i64(t), temp_tcgv_i64(acc), 17);
    tcg_gen_xor_i64(c->s, temp_tcgv_i64(acc), temp_tcgv_i64(acc),
                    temp_tcgv_i64(t));
    tcg_gen_subi_i64(c->s, temp_tcgv_i64(i), temp_tcgv_i64(i), 1);
    tcg_gen_brcondi_i64(c->s, TCG_COND_NE, temp_tcgv_i64(i), 0, top);
    emit_st_out(c, acc, 0);
    emit_exit(c, 0);
}

/* the same with a guest load and store (TLB hits) per iteration */
static void build_mem_loop(Ctx *c, const void *arg)
{
    TCGv_i64 i = tcg_temp_new_i64(c->s), acc = tcg_temp_new_i64(c->s);
    TCGv_i64 a = tcg_temp_ebb_new_i64(c->s), v = tcg_temp_ebb_new_i64(c->s);
    TCGLabel *top = tcg_label_new(c->s);

    tcg_gen_movi_i64(c->s, i, *(const uint64_t *)arg);
    tcg_gen_movi_i64(c->s, acc, 1);
    tcg_gen_set_label(c->s, top);
    tcg_gen_andi_i64(c->s, a, i, 0x1ff8);
    tcg_gen_addi_i64(c->s, a, a, GBASE);
    tcg_gen_qemu_ld_i64(c->s, v, a, MMU, MO_LEUQ);
    tcg_gen_add_i64(c->s, acc, acc, v);
    tcg_gen_qemu_st_i64(c->s, acc, a, MMU, MO_LEUQ);
    tcg_gen_subi_i64(c->s, i, i, 1);
    tcg_gen_brcondi_i64(c->s, TCG_COND_NE, i, 0, top);
    emit_st_out(c, tcgv_i64_temp(acc), 0);
    emit_exit(c, 0);
}

static void time_loop(Ctx c[NB_BACKENDS], const char *what, BuildFn *fn)
{
    static const uint64_t iters = 2000000;
    double secs[NB_BACKENDS];
    uint64_t res[NB_BACKENDS];

    for (int b = 0; b < NB_BACKENDS; b++) {
        TCGCodeInfo info = gen_tb(&c[b], fn, &iters);
        XEnv *e = env_new();
        struct timespec t0, t1;
        e->in[0] = 42;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        tcg_exec_tb(c[b].s, e, info.code);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        secs[b] = (double)(t1.tv_sec - t0.tv_sec) +
                  (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
        res[b] = e->out[0];
        env_free(e);
    }
    assert_int_equal(res[B_TCI], res[B_X64]);
    printf("  %s, %llu iterations: tci %.1f ms, x86_64 %.2f ms (%.1fx)\n",
           what, (unsigned long long)iters, secs[B_TCI] * 1e3,
           secs[B_X64] * 1e3,
           secs[B_TCI] / (secs[B_X64] > 0 ? secs[B_X64] : 1e-9));
}

static void test_speed(void **state)
{
    Ctx c[NB_BACKENDS];

    ctx_pair_init(c);
    time_loop(c, "alu loop", build_loop);
    time_loop(c, "load/store loop", build_mem_loop);
    ctx_pair_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ops_edges),
        cmocka_unit_test(test_ops_fallbacks),
        cmocka_unit_test(test_conditions),
        cmocka_unit_test(test_bit_fields),
        cmocka_unit_test(test_mul2),
        cmocka_unit_test(test_host_ldst),
        cmocka_unit_test(test_spills),
        cmocka_unit_test(test_random_programs),
        cmocka_unit_test(test_helper_calls),
        cmocka_unit_test(test_guest_memory),
        cmocka_unit_test(test_tlb_hit_miss),
        cmocka_unit_test(test_fault_insn_data),
        cmocka_unit_test(test_fault_in_helper),
        cmocka_unit_test(test_chaining),
        cmocka_unit_test(test_lookup_goto_ptr),
        cmocka_unit_test(test_buffer_full),
        cmocka_unit_test(test_out_asm),
        cmocka_unit_test(test_speed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

#endif
