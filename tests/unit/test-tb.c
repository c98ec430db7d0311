/*
 * Unit tests for TB maintenance (accel/tcg/tb-maint.c) and the unwind
 * path (accel/tcg/excp.c): hash lookup, invalidation of exactly the TBs
 * a physical write overlaps (data sharing a page with code stays), the
 * NOTDIRTY marking of soft-TLB entries, the jump cache, chaining and
 * unchaining (invalidation, kick), flush, exception unwind from a slow
 * path with state rebuilt from insn_start data, and a store into the
 * running TB (self-modifying code). TB code is hand-built IR run by the
 * interpreter backend; no translator involved.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "accel/tcg/tcg-internal.h"
#include "tcg/tcg-op.h"

#define RAM_SIZE (4 * MiB)

typedef struct Fix {
    Machine *m;
    VCPU *cpu;
    TCGMachine *tm;             /* the tcg accelerator's, with its listener */
    TCGVcpu v;
    CPUX86TCG *env;
    uint8_t *ram;
} Fix;

static int fix_setup(void **state)
{
    Fix *f = xzalloc(sizeof(*f));
    Machine *m = xzalloc(sizeof(*m));
    TCGContextConfig cfg = {
        .tlb_offset = offsetof(CPUX86TCG, tlb),
        .runtime = tcg_x86_runtime,
    };

    f->m = m;
    log_init(&m->log);
    pthread_mutex_init(&m->lock, NULL);
    address_space_init(&m->mem, "memory", 1ull << 40);
    memory_region_init_ram(&m->ram, "ram", RAM_SIZE);
    address_space_map_region(&m->mem, 0, &m->ram, 0, RAM_SIZE, 0);
    f->ram = m->ram.host;
    f->cpu = xzalloc(sizeof(*f->cpu));
    f->cpu->machine = m;
    f->env = xzalloc(sizeof(*f->env));
    f->env->machine = m;
    f->env->cpu = f->cpu;
    f->env->tcg = &f->v;
    f->env->a20_mask = ~0ull;
    f->env->exception_index = -1;
    f->env->st.cr0 = CR0_PE;
    m->accel = &accel_tcg_ops;
    assert_int_equal(accel_tcg_ops.init(m, NULL), 0);
    f->tm = m->accel_state;
    f->v.cpu = f->cpu;
    f->v.env = f->env;
    tb_vcpu_init(&f->v, f->tm, 64);
    tcg_tlb_flush(&f->env->tlb);
    f->v.s = tcg_context_new(&cfg, NULL);
    assert_non_null(f->v.s);
    *state = f;
    return 0;
}

static int fix_teardown(void **state)
{
    Fix *f = *state;

    tb_vcpu_destroy(&f->v);
    tcg_context_free(f->v.s);
    accel_tcg_ops.destroy(f->m);
    memory_region_destroy(&f->m->ram);
    address_space_destroy(&f->m->mem);
    free(f->env);
    free(f->cpu);
    free(f->m);
    free(f);
    return 0;
}

/* A linked TB at physical (= linear) pc covering size bytes. */
static TranslationBlock *make_tb(Fix *f, uint64_t pc, uint32_t size,
                                 uint32_t flags)
{
    TranslationBlock *tb = tb_reserve(&f->v);
    uint64_t off = pc & ~TCG_PAGE_MASK;

    assert_non_null(tb);
    tb->pc = tb->phys_pc = pc;
    tb->flags = flags;
    tb->size = size;
    tb->icount = 1;
    tb->page_addr[0] = pc & TCG_PAGE_MASK;
    tb->page_start[0] = pc;
    tb->page_end[0] = tb->page_addr[0] + MIN(TCG_PAGE_SIZE, off + size);
    if (off + size > TCG_PAGE_SIZE) {
        tb->page_addr[1] = tb->page_addr[0] + TCG_PAGE_SIZE;
        tb->page_start[1] = tb->page_addr[1];
        tb->page_end[1] = tb->page_addr[1] + off + size - TCG_PAGE_SIZE;
    }
    tb->code.jmp_offset[0] = tb->code.jmp_offset[1] = TCG_NO_JUMP;
    tb_commit(&f->v, tb);
    tb_link(&f->v, tb);
    return tb;
}

static bool tb_is_valid(const TranslationBlock *tb)
{
    return !atomic_load(&tb->invalid);
}

/* ---- hash, pages, invalidation ---- */

static void test_hash_lookup(void **state)
{
    Fix *f = *state;
    TranslationBlock *a = make_tb(f, 0x5000, 16, 0x40);
    TranslationBlock *b = make_tb(f, 0x5000, 16, 0x44);

    assert_ptr_equal(tb_htable_lookup(&f->v, 0x5000, 0x5000, 0, 0x40), a);
    assert_ptr_equal(tb_htable_lookup(&f->v, 0x5000, 0x5000, 0, 0x44), b);
    assert_null(tb_htable_lookup(&f->v, 0x5000, 0x5000, 0x10, 0x40));
    assert_null(tb_htable_lookup(&f->v, 0x6000, 0x5000, 0, 0x40));
}

static void test_invalidate_overlap_only(void **state)
{
    Fix *f = *state;
    TranslationBlock *a = make_tb(f, 0x5000, 0x10, 0);
    TranslationBlock *b = make_tb(f, 0x5100, 0x20, 0);
    TranslationBlock *c = make_tb(f, 0x5ff0, 0x20, 0);   /* spans 2 pages */
    bool hit;

    /* data in the same page, between the TBs: nothing goes */
    assert_int_equal(tb_invalidate_phys_range(f->tm, 0x5800, 8, NULL, NULL),
                     0);
    assert_int_equal(tb_invalidate_phys_range(f->tm, 0x5010, 0xf0, NULL,
                                              NULL), 0);
    assert_true(tb_is_valid(a) && tb_is_valid(b) && tb_is_valid(c));
    /* one byte inside b */
    assert_int_equal(tb_invalidate_phys_range(f->tm, 0x511f, 1, b, &hit), 1);
    assert_true(hit);
    assert_false(tb_is_valid(b));
    assert_true(tb_is_valid(a) && tb_is_valid(c));
    assert_null(tb_htable_lookup(&f->v, 0x5100, 0x5100, 0, 0));
    /* the second page of c */
    assert_int_equal(tb_invalidate_phys_range(f->tm, 0x6008, 4, a, &hit), 1);
    assert_false(hit);
    assert_false(tb_is_valid(c));
    pthread_mutex_lock(&f->tm->lock);
    assert_true(tb_page_has_code_locked(f->tm, 0x5000));
    assert_false(tb_page_has_code_locked(f->tm, 0x6000));
    pthread_mutex_unlock(&f->tm->lock);
}

/*
 * Finding: RAM written from outside the CPU (a loader at reset, fw_cfg
 * DMA) kept the TBs translated from the old bytes. Every write through
 * the memory core's API drops exactly the TBs it overlaps.
 */
static void test_external_write_drops_stale_tb(void **state)
{
    Fix *f = *state;
    TranslationBlock *a = make_tb(f, 0x5100, 0x20, 0);
    TranslationBlock *b = make_tb(f, 0x57f0, 0x10, 0);
    TranslationBlock *c = make_tb(f, 0x6100, 0x10, 0);
    uint8_t byte = 0x90, buf[4];
    uint64_t len = 4;
    uint8_t *p;

    /* reads and writes next to the code leave it */
    address_space_read(&f->m->mem, 0x5100, buf, 4);
    address_space_write(&f->m->mem, 0x5120, &byte, 1);
    assert_true(tb_is_valid(a) && tb_is_valid(b) && tb_is_valid(c));
    /* DMA (address_space_write) */
    address_space_write(&f->m->mem, 0x511f, &byte, 1);
    assert_false(tb_is_valid(a));
    assert_true(tb_is_valid(b));
    assert_null(tb_htable_lookup(&f->v, 0x5100, 0x5100, 0, 0));
    /* a loader zero-filling */
    assert_int_equal(address_space_fill(&f->m->mem, 0x57f8, 0, 0x100), 0);
    assert_false(tb_is_valid(b));
    /* a DMA mapping: only at unmap, for the bytes written */
    p = address_space_map(&f->m->mem, 0x6108, &len, true);
    assert_non_null(p);
    *p = 0xcc;
    assert_true(tb_is_valid(c));
    address_space_unmap(&f->m->mem, 0x6108, 1, true);
    assert_false(tb_is_valid(c));
    pthread_mutex_lock(&f->tm->lock);
    assert_false(tb_page_has_code_locked(f->tm, 0x5000));
    pthread_mutex_unlock(&f->tm->lock);
}

static void test_notdirty_store(void **state)
{
    Fix *f = *state;
    TranslationBlock *tb;
    TCGTLBEntry *e;

    /* a write entry filled before the page holds code gets NOTDIRTY */
    x86_st8(f->env, 0x7800, 1, MMU_KSMAP_IDX, 0);
    e = tcg_tlb_entry(&f->env->tlb, MMU_KSMAP_IDX, 0x7800);
    assert_int_equal(e->addr_write, 0x7000);
    tb = make_tb(f, 0x7100, 0x10, 0);
    assert_int_equal(e->addr_write, 0x7000 | TLB_NOTDIRTY);
    /* a data store next to the code: the TB survives */
    x86_st32(f->env, 0x7800, 0x11223344, MMU_KSMAP_IDX, 0);
    assert_int_equal(f->ram[0x7800], 0x44);
    assert_true(tb_is_valid(tb));
    assert_int_equal(e->addr_write, 0x7000 | TLB_NOTDIRTY);
    /* a store into the code: the TB goes, and so does the flag */
    x86_st8(f->env, 0x710f, 0x90, MMU_KSMAP_IDX, 0);
    assert_int_equal(f->ram[0x710f], 0x90);
    assert_false(tb_is_valid(tb));
    assert_int_equal(e->addr_write, 0x7000);
    /* a fill of a code page sets NOTDIRTY directly */
    make_tb(f, 0x8000, 4, 0);
    x86_st8(f->env, 0x8100, 1, MMU_KSMAP_IDX, 0);
    e = tcg_tlb_entry(&f->env->tlb, MMU_KSMAP_IDX, 0x8100);
    assert_int_equal(e->addr_write, 0x8000 | TLB_NOTDIRTY);
    assert_int_equal(e->addr_read, 0x8000);
}

/* The key generated code compares with a jump-cache entry's. */
static uint64_t env_jc_key(const CPUX86TCG *env)
{
    uint64_t key;

    memcpy(&key, &env->hflags, sizeof(key));
    return key;
}

static TCGJumpCacheEntry *jc_entry(Fix *f, uint64_t pc)
{
    return &f->v.jmp_cache[tb_jmp_cache_hash(pc)];
}

static void test_jmp_cache(void **state)
{
    Fix *f = *state;
    TranslationBlock *tb = make_tb(f, 0x9000, 8, 0);
    TCGJumpCacheEntry *e = jc_entry(f, 0x9000);
    uint64_t paddr;

    assert_ptr_equal(f->env->jmp_cache, f->v.jmp_cache);
    tb_jc_set(&f->v, tb);
    assert_ptr_equal(tb_jc_get(&f->v, 0x9000), tb);
    assert_int_equal(e->pc, 0x9000);
    assert_int_equal(atomic_load(&e->key), env_jc_key(f->env));
    tb_invalidate_phys_range(f->tm, 0x9004, 1, NULL, NULL);
    /* invalidated: generated code cannot take the entry any more */
    assert_int_equal(atomic_load(&e->key), TCG_JC_KEY_NONE);
    /* nor when an invalid TB is entered (a race with another vCPU) */
    tb_jc_set(&f->v, tb);
    assert_int_equal(atomic_load(&e->key), TCG_JC_KEY_NONE);
    tb = make_tb(f, 0x9000, 8, 1);
    tb_jc_set(&f->v, tb);
    f->env->hflags = 1;
    assert_int_equal(atomic_load(&e->key), env_jc_key(f->env));
    /* a TLB flush keeps the entry, but it counts only once the soft TLB
       maps the TB's page again, and only to the same physical page; the
       check holds until the next flush. Generated code stops taking it
       at the flush (new jc_gen). */
    x86_tlb_flush(f->env);
    assert_ptr_equal(tb_jc_get(&f->v, 0x9000), tb);
    assert_int_not_equal(atomic_load(&e->key), env_jc_key(f->env));
    assert_false(tb_mapped(&f->v, tb));
    assert_int_equal(tlb_code_phys(&f->v, 0x9000, false, &paddr), 0);
    assert_true(tb_mapped(&f->v, tb));
    assert_int_equal(tb->mapped_gen, f->v.map_gen);
    tb_jc_set(&f->v, tb);
    assert_int_equal(atomic_load(&e->key), env_jc_key(f->env));
    /* as if translated under another CR3: checked again after a flush */
    tb->page_addr[0] = 0xa000;
    assert_true(tb_mapped(&f->v, tb));
    x86_tlb_flush(f->env);
    assert_int_equal(tlb_code_phys(&f->v, 0x9000, false, &paddr), 0);
    assert_false(tb_mapped(&f->v, tb));
    tb->page_addr[0] = 0x9000;
    /* a TB running on into a second page needs that page mapped too */
    tb = make_tb(f, 0x9ffc, 8, 0);
    assert_false(tb_mapped(&f->v, tb));
    assert_int_equal(tlb_code_phys(&f->v, 0xa000, false, &paddr), 0);
    assert_true(tb_mapped(&f->v, tb));
}

/* Entries generated code must never take: cs_base, logging, flush. */
static void test_jmp_cache_no_key(void **state)
{
    Fix *f = *state;
    TranslationBlock *tb = make_tb(f, 0xb000, 8, 0);
    TCGJumpCacheEntry *e = jc_entry(f, 0xb000);

    /* the entry holds no cs_base: only TBs with cs_base 0 get a key */
    tb->cs_base = 0xf0000;
    tb_jc_set(&f->v, tb);
    assert_ptr_equal(tb_jc_get(&f->v, 0xb000), tb);
    assert_int_equal(atomic_load(&e->key), TCG_JC_KEY_NONE);
    tb->cs_base = 0;
    /* with every TB logged by the exec loop: no key, and env's key odd */
    f->v.log_tbs = true;
    tb_jc_update_gen(&f->v);
    assert_int_equal(f->env->jc_gen & 1, 1);
    tb_jc_set(&f->v, tb);
    assert_int_equal(atomic_load(&e->key), TCG_JC_KEY_NONE);
    f->v.log_tbs = false;
    f->v.irq_hold = true;       /* an interrupt for the loop: the same */
    tb_jc_update_gen(&f->v);
    assert_int_equal(f->env->jc_gen & 1, 1);
    f->v.irq_hold = false;
    tb_jc_update_gen(&f->v);
    assert_int_equal(f->env->jc_gen & 1, 0);
    tb_jc_set(&f->v, tb);
    assert_int_equal(atomic_load(&e->key), env_jc_key(f->env));
    /* a full flush empties the cache (the code buffer is reused) */
    tb_flush(&f->v);
    assert_null(tb_jc_get(&f->v, 0xb000));
    assert_int_equal(atomic_load(&e->key), TCG_JC_KEY_NONE);
}

static void test_flush(void **state)
{
    Fix *f = *state;
    TranslationBlock *tb = make_tb(f, 0xa000, 8, 0);

    tb_flush(&f->v);
    assert_int_equal(f->v.nb_tbs, 0);
    assert_null(tb_htable_lookup(&f->v, 0xa000, 0xa000, 0, 0));
    pthread_mutex_lock(&f->tm->lock);
    assert_false(tb_page_has_code_locked(f->tm, 0xa000));
    pthread_mutex_unlock(&f->tm->lock);
    (void)tb;
    /* the store is full: reserve fails once max_tbs are used */
    for (unsigned i = 0; i < f->v.max_tbs; i++) {
        make_tb(f, 0xb000 + 16 * i, 8, 0);
    }
    assert_null(tb_reserve(&f->v));
}

/* ---- generated code (interpreter) ---- */

static void gen_finish(Fix *f, TranslationBlock *tb)
{
    assert_int_equal(tcg_gen_code(f->v.s, &tb->code), 0);
}

/* TB a: goto_tb 0, exit_tb(a, 0). TB b: exit_tb(b, 1). */
static void gen_pair(Fix *f, TranslationBlock **pa, TranslationBlock **pb)
{
    TCGContext *s = f->v.s;
    TranslationBlock *a = make_tb(f, 0xc000, 4, 0);
    TranslationBlock *b;

    tcg_func_start(s);
    tcg_gen_insn_start(s, 0xc000, 0);
    tcg_gen_goto_tb(s, 0);
    tcg_gen_exit_tb(s, a, 0);
    gen_finish(f, a);
    b = make_tb(f, 0xc010, 4, 0);
    tcg_func_start(s);
    tcg_gen_insn_start(s, 0xc010, 0);
    tcg_gen_exit_tb(s, b, 1);
    gen_finish(f, b);
    *pa = a;
    *pb = b;
}

static void test_chain_unchain(void **state)
{
    Fix *f = *state;
    TranslationBlock *a, *b;

    gen_pair(f, &a, &b);
    assert_int_not_equal(a->code.jmp_offset[0], TCG_NO_JUMP);
    assert_int_equal(tcg_exec_tb(f->v.s, f->env, a->code.code), (uintptr_t)a);
    tb_add_jump(&f->v, a, 0, b);
    assert_ptr_equal(a->jmp_dest[0], b);
    assert_int_equal(tcg_exec_tb(f->v.s, f->env, a->code.code),
                     (uintptr_t)b | 1);
    /* a kick removes every chain */
    tb_unchain_all(&f->v);
    assert_null(a->jmp_dest[0]);
    assert_int_equal(tcg_exec_tb(f->v.s, f->env, a->code.code), (uintptr_t)a);
    /* no chaining while an exit is requested */
    atomic_store(&f->cpu->exit_request, true);
    tb_add_jump(&f->v, a, 0, b);
    assert_null(a->jmp_dest[0]);
    atomic_store(&f->cpu->exit_request, false);
    /* invalidating the target unchains the jump into it */
    tb_add_jump(&f->v, a, 0, b);
    assert_ptr_equal(a->jmp_dest[0], b);
    tb_invalidate_phys_range(f->tm, 0xc010, 1, NULL, NULL);
    assert_null(a->jmp_dest[0]);
    assert_int_equal(tcg_exec_tb(f->v.s, f->env, a->code.code), (uintptr_t)a);
    /* and an invalid target is never chained */
    tb_add_jump(&f->v, a, 0, b);
    assert_null(a->jmp_dest[0]);
}

static void test_find_by_host(void **state)
{
    Fix *f = *state;
    TranslationBlock *a, *b;

    gen_pair(f, &a, &b);
    assert_ptr_equal(tb_find_by_host(&f->v, (uintptr_t)a->code.code), a);
    assert_ptr_equal(tb_find_by_host(&f->v, (uintptr_t)b->code.code +
                                            b->code.code_size - 1), b);
    assert_null(tb_find_by_host(&f->v, (uintptr_t)b->code.code +
                                       b->code.code_size + 4096));
}

/*
 * A two-instruction TB whose load at `addr` is in instruction 0 or 1;
 * 32-bit paging with an empty directory makes every access fault.
 */
static TranslationBlock *gen_load_tb(Fix *f, int faulting_insn, uint64_t addr)
{
    TCGContext *s = f->v.s;
    TranslationBlock *tb = make_tb(f, 0xd000, 6, 0);
    TCGv_i64 a, val;

    tb->icount = 2;
    tcg_func_start(s);
    a = tcg_temp_new_i64(s);
    val = tcg_temp_new_i64(s);
    tcg_gen_insn_start(s, 0x100, 5);
    tcg_gen_movi_i64(s, a, addr);
    if (faulting_insn == 0) {
        tcg_gen_qemu_ld_i64(s, val, a, MMU_KSMAP_IDX, MO_LEUQ);
    }
    tcg_gen_insn_start(s, 0x103, X86_CC_OP_DYNAMIC);
    if (faulting_insn == 1) {
        tcg_gen_qemu_ld_i64(s, val, a, MMU_KSMAP_IDX, MO_LEUQ);
    }
    tcg_gen_exit_tb(s, NULL, 0);
    gen_finish(f, tb);
    return tb;
}

static void test_unwind_from_slow_path(void **state)
{
    Fix *f = *state;
    TranslationBlock *tb;

    f->env->st.cr0 = CR0_PE | CR0_PG;
    f->env->st.cr3 = 0x1000;        /* zeroed: nothing is present */
    for (int insn = 0; insn < 2; insn++) {
        f->env->st.rip = 0xdead;
        f->env->cc_op = 9;
        tb = gen_load_tb(f, insn, 0x12345678);
        if (sigsetjmp(f->env->jmp_env, 0) == 0) {
            tcg_exec_tb(f->v.s, f->env, tb->code.code);
            fail();
        }
        assert_int_equal(f->env->exception_index, EXCP_PF);
        assert_int_equal(f->env->error_code, 0);
        assert_int_equal(f->env->st.cr2, 0x12345678);
        assert_int_equal(f->env->st.rip, insn ? 0x103 : 0x100);
        assert_int_equal(f->env->cc_op, insn ? 9 : 5);
    }
}

static void test_unwind_from_helper_ra(void **state)
{
    Fix *f = *state;
    TranslationBlock *tb = gen_load_tb(f, 1, 0x2000);
    uint64_t data[TCG_INSN_START_WORDS];
    int idx = -1;

    /* an ra pointing into the second instruction's code */
    uintptr_t ra = (uintptr_t)tb->code.code + tb->code.insns[1].code_offset + 1;
    f->env->st.rip = 0;
    assert_ptr_equal(cpu_restore_state(f->env, ra, &idx), tb);
    assert_int_equal(idx, 1);
    assert_int_equal(f->env->st.rip, 0x103);
    assert_int_equal(tcg_insn_data_find_ra(&tb->code, ra, data), 1);
    /* ra == 0: state already exact */
    f->env->st.rip = 0x55;
    assert_null(cpu_restore_state(f->env, 0, NULL));
    assert_int_equal(f->env->st.rip, 0x55);
}

/*
 * A TB at 0xe000 whose instruction `storing_insn` (of 2) stores a byte at
 * 0xe001, inside the TB itself.
 */
static TranslationBlock *gen_smc_tb(Fix *f, int storing_insn)
{
    TCGContext *s = f->v.s;
    TranslationBlock *tb = make_tb(f, 0xe000, 8, 0);
    TCGv_i64 a, val;

    tb->icount = 2;
    tcg_func_start(s);
    a = tcg_temp_new_i64(s);
    val = tcg_temp_new_i64(s);
    for (int i = 0; i < 2; i++) {
        tcg_gen_insn_start(s, 0xe000 + 4 * i, 3);
        if (i == storing_insn) {
            tcg_gen_movi_i64(s, a, 0xe001);
            tcg_gen_movi_i64(s, val, 0xcc);
            tcg_gen_qemu_st_i64(s, val, a, MMU_KSMAP_IDX, MO_UB);
        }
    }
    tcg_gen_exit_tb(s, NULL, 0);
    gen_finish(f, tb);
    return tb;
}

static void test_smc_in_running_tb(void **state)
{
    Fix *f = *state;
    TranslationBlock *tb;
    volatile bool jumped = false;

    /* the store is not the last instruction: rewind and run it alone */
    tb = gen_smc_tb(f, 0);
    f->env->st.rip = 0;
    if (sigsetjmp(f->env->jmp_env, 0) == 0) {
        tcg_exec_tb(f->v.s, f->env, tb->code.code);
    } else {
        jumped = true;
    }
    assert_true(jumped);
    assert_false(tb_is_valid(tb));
    assert_int_equal(f->env->exception_index, -1);
    assert_true(f->v.oneshot_next);
    assert_int_equal(f->env->st.rip, 0xe000);
    assert_int_equal(f->ram[0xe001], 0);            /* done again later */

    /* the store is the last instruction: it completes in place */
    f->v.oneshot_next = false;
    tb = gen_smc_tb(f, 1);
    assert_int_equal(tcg_exec_tb(f->v.s, f->env, tb->code.code), 0);
    assert_false(tb_is_valid(tb));
    assert_false(f->v.oneshot_next);
    assert_int_equal(f->ram[0xe001], 0xcc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, fix_setup, fix_teardown)
        T(test_hash_lookup),
        T(test_invalidate_overlap_only),
        T(test_external_write_drops_stale_tb),
        T(test_notdirty_store),
        T(test_jmp_cache),
        T(test_jmp_cache_no_key),
        T(test_flush),
        T(test_chain_unchain),
        T(test_find_by_host),
        T(test_unwind_from_slow_path),
        T(test_unwind_from_helper_ra),
        T(test_smc_in_running_tb),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
