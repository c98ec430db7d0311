/*
 * Translation-block maintenance: the per-vCPU TB store (TBs live in code
 * buffer order, so a host address maps back to its TB by binary search),
 * the hash table keyed by (physical pc, cs_base, flags), the jump cache,
 * direct chaining between TBs, the machine-wide table of physical pages
 * holding code, invalidation of exactly the TBs a write overlaps, and the
 * full flush when a code buffer fills.
 *
 * Invariants (see tcg-internal.h for the locking rules):
 *   - A TB is in its owner's hash table and in the PageDesc list of each
 *     page it covers iff it is linked and not invalid.
 *   - src->jmp_dest[n] == dst iff (src | n) is on dst->jmp_in and slot n
 *     of src's code is patched to dst; chained sources are on their
 *     owner's chained list.
 *   - A PageDesc with a non-empty list is a "code page": every soft-TLB
 *     write entry mapping it carries TLB_NOTDIRTY.
 */
#include <stdlib.h>
#include <string.h>

#include "accel/tcg/tcg-internal.h"

/*
 * The virtual pc is part of the key: a position-independent program
 * mapped at a new random base by every exec leaves one TB per base at the
 * same physical pc, and a hash of the physical pc alone chained them all
 * into one bucket (1000 fork+exec of busybox: most of the time went in
 * walking those chains).
 */
static unsigned tb_hash(uint64_t phys_pc, uint64_t pc, uint64_t cs_base,
                        uint32_t flags)
{
    uint64_t h = phys_pc * 0x9e3779b97f4a7c15ull;

    h ^= (pc ^ (pc >> 29)) * 0xff51afd7ed558ccdull;
    h ^= (cs_base + flags) * 0xc2b2ae3d27d4eb4full;
    return (unsigned)(h >> (64 - TB_HASH_BITS));
}

static unsigned page_hash(uint64_t addr)
{
    return (unsigned)(((addr >> TCG_PAGE_BITS) * 0x9e3779b97f4a7c15ull) >>
                      (64 - PAGE_HASH_BITS));
}

static TranslationBlock *tb_of(uintptr_t tagged)
{
    return (TranslationBlock *)(tagged & ~(uintptr_t)3);
}

/* ---- setup ---- */

void tb_machine_init(TCGMachine *tm, Machine *m)
{
    memset(tm, 0, sizeof(*tm));
    tm->m = m;
    tm->max_tbs = TB_MAX_DEFAULT;
    pthread_mutex_init(&tm->lock, NULL);
}

void tb_machine_destroy(TCGMachine *tm)
{
    for (unsigned i = 0; i < PAGE_HASH_SIZE; i++) {
        PageDesc *pd = tm->pages[i];
        while (pd) {
            PageDesc *next = pd->next;
            free(pd);
            pd = next;
        }
        tm->pages[i] = NULL;
    }
    pthread_mutex_destroy(&tm->lock);
}

void tb_vcpu_init(TCGVcpu *v, TCGMachine *tm, unsigned max_tbs)
{
    v->tm = tm;
    v->max_tbs = max_tbs;
    v->tbs = xzalloc(max_tbs * sizeof(*v->tbs));
    v->chained = xzalloc(max_tbs * sizeof(*v->chained));
    v->jmp_cache = xzalloc(TB_JMP_CACHE_SIZE * sizeof(*v->jmp_cache));
    tb_jmp_cache_clear(v);
    if (v->env) {
        v->env->jmp_cache = v->jmp_cache;
        tb_jc_update_gen(v);
    }
    tlb_init(v);
    pthread_mutex_lock(&tm->lock);
    if (tm->nvcpus < PC_MAX_CPUS) {
        tm->vcpus[tm->nvcpus++] = v;
    }
    pthread_mutex_unlock(&tm->lock);
}

void tb_vcpu_destroy(TCGVcpu *v)
{
    TCGMachine *tm = v->tm;

    if (!tm) {
        return;
    }
    tb_flush(v);
    pthread_mutex_lock(&tm->lock);
    for (int i = 0; i < tm->nvcpus; i++) {
        if (tm->vcpus[i] == v) {
            tm->vcpus[i] = tm->vcpus[--tm->nvcpus];
            break;
        }
    }
    pthread_mutex_unlock(&tm->lock);
    free(v->tbs);
    free(v->chained);
    free(v->jmp_cache);
    if (v->env) {
        v->env->jmp_cache = NULL;
    }
    v->tbs = NULL;
    v->chained = NULL;
    v->jmp_cache = NULL;
    v->tm = NULL;
}

/* ---- TB store ---- */

TranslationBlock *tb_reserve(TCGVcpu *v)
{
    TranslationBlock *tb;

    if (v->nb_tbs >= v->max_tbs) {
        return NULL;
    }
    tb = &v->tbs[v->nb_tbs];
    memset(tb, 0, sizeof(*tb));
    tb->owner = v;
    tb->page_addr[0] = tb->page_addr[1] = TB_NO_PAGE;
    tb->mapped_gen = UINT64_MAX;        /* never checked */
    return tb;
}

void tb_commit(TCGVcpu *v, TranslationBlock *tb)
{
    if (tb == &v->tbs[v->nb_tbs]) {
        v->nb_tbs++;
    }
}

TranslationBlock *tb_find_by_host(TCGVcpu *v, uintptr_t host)
{
    unsigned lo = 0, hi = v->nb_tbs;

    while (lo < hi) {
        unsigned mid = lo + (hi - lo) / 2;
        TranslationBlock *tb = &v->tbs[mid];
        uintptr_t start = (uintptr_t)tb->code.code;

        if (host < start) {
            hi = mid;
        } else if (host >= start + tb->code.code_size) {
            lo = mid + 1;
        } else {
            return tb;
        }
    }
    return NULL;
}

/* ---- pages ---- */

static PageDesc *page_find(TCGMachine *tm, uint64_t addr)
{
    for (PageDesc *pd = tm->pages[page_hash(addr)]; pd; pd = pd->next) {
        if (pd->addr == addr) {
            return pd;
        }
    }
    return NULL;
}

static PageDesc *page_find_alloc(TCGMachine *tm, uint64_t addr)
{
    PageDesc *pd = page_find(tm, addr);

    if (!pd) {
        unsigned h = page_hash(addr);
        pd = xzalloc(sizeof(*pd));
        pd->addr = addr;
        pd->next = tm->pages[h];
        tm->pages[h] = pd;
    }
    return pd;
}

bool tb_page_has_code_locked(TCGMachine *tm, uint64_t ppage)
{
    PageDesc *pd = page_find(tm, ppage);
    return pd && pd->first_tb;
}

static void page_add_tb(TCGMachine *tm, TranslationBlock *tb, int n)
{
    PageDesc *pd = page_find_alloc(tm, tb->page_addr[n]);

    if (!pd->first_tb) {
        tlb_mark_code_page_locked(tm, pd->addr);
    }
    tb->page_next[n] = pd->first_tb;
    pd->first_tb = (uintptr_t)tb | (uintptr_t)n;
}

static void page_remove_tb(TCGMachine *tm, TranslationBlock *tb, int n)
{
    PageDesc *pd = page_find(tm, tb->page_addr[n]);
    uintptr_t want = (uintptr_t)tb | (uintptr_t)n;
    uintptr_t *link;

    if (!pd) {
        return;
    }
    for (link = &pd->first_tb; *link;
         link = &tb_of(*link)->page_next[*link & 3]) {
        if (*link == want) {
            *link = tb->page_next[n];
            tb->page_next[n] = 0;
            return;
        }
    }
}

/* ---- hash table ---- */

static void tb_hash_remove(TCGVcpu *v, TranslationBlock *tb)
{
    TranslationBlock **link = &v->hash[tb_hash(tb->phys_pc, tb->pc, tb->cs_base,
                                               tb->flags)];
    for (; *link; link = &(*link)->hash_next) {
        if (*link == tb) {
            *link = tb->hash_next;
            tb->hash_next = NULL;
            return;
        }
    }
}

void tb_link(TCGVcpu *v, TranslationBlock *tb)
{
    TCGMachine *tm = v->tm;
    unsigned h = tb_hash(tb->phys_pc, tb->pc, tb->cs_base, tb->flags);

    pthread_mutex_lock(&tm->lock);
    tb->hash_next = v->hash[h];
    v->hash[h] = tb;
    for (int n = 0; n < 2; n++) {
        if (tb->page_addr[n] != TB_NO_PAGE) {
            page_add_tb(tm, tb, n);
        }
    }
    pthread_mutex_unlock(&tm->lock);
}

TranslationBlock *tb_htable_lookup(TCGVcpu *v, uint64_t phys_pc, uint64_t pc,
                                   uint64_t cs_base, uint32_t flags)
{
    TranslationBlock *found = NULL;

    pthread_mutex_lock(&v->tm->lock);
    for (TranslationBlock *tb = v->hash[tb_hash(phys_pc, pc, cs_base, flags)]; tb;
         tb = tb->hash_next) {
        if (tb->phys_pc == phys_pc && tb->pc == pc && tb->cs_base == cs_base &&
            tb->flags == flags) {
            found = tb;
            break;
        }
    }
    pthread_mutex_unlock(&v->tm->lock);
    return found;
}

/* ---- jump cache ---- */

void tb_jmp_cache_clear(TCGVcpu *v)
{
    for (unsigned i = 0; i < TB_JMP_CACHE_SIZE; i++) {
        TCGJumpCacheEntry *e = &v->jmp_cache[i];
        atomic_store_explicit(&e->key, TCG_JC_KEY_NONE, memory_order_relaxed);
        atomic_store_explicit(&e->tb, NULL, memory_order_relaxed);
        e->pc = 0;
        e->code = NULL;
    }
}

TranslationBlock *tb_jc_get(TCGVcpu *v, uint64_t pc)
{
    return atomic_load_explicit(&v->jmp_cache[tb_jmp_cache_hash(pc)].tb,
                                memory_order_acquire);
}

/*
 * The key generated code compares: hflags and jc_gen. Only TBs with
 * cs_base 0 get one: the front end uses the inline test only where the
 * target's cs_base is 0 (the entry does not hold cs_base). HF bit 31 is
 * never set in hflags, so TCG_JC_KEY_NONE never matches.
 */
static uint64_t tb_jc_key(TCGVcpu *v, const TranslationBlock *tb)
{
    uint32_t gen = v->env ? v->env->jc_gen : 1;

    if (tb->cs_base || (tb->flags & (1u << 31)) || (gen & 1)) {
        return TCG_JC_KEY_NONE;
    }
    return (uint64_t)gen << 32 | tb->flags;
}

void tb_jc_set(TCGVcpu *v, TranslationBlock *tb)
{
    TCGJumpCacheEntry *e = &v->jmp_cache[tb_jmp_cache_hash(tb->pc)];
    uint64_t key = tb_jc_key(v, tb);

    if (atomic_load_explicit(&e->tb, memory_order_relaxed) == tb &&
        atomic_load_explicit(&e->key, memory_order_relaxed) == key) {
        return;     /* already there */
    }
    atomic_store_explicit(&e->key, TCG_JC_KEY_NONE, memory_order_relaxed);
    e->pc = tb->pc;
    e->code = tb->code.code;
    atomic_store_explicit(&e->tb, tb, memory_order_release);
    atomic_store(&e->key, key);
    /* against tb_invalidate_locked on another thread: it sets `invalid`
       and then reads e->tb; one of the two sees the other's store */
    atomic_thread_fence(memory_order_seq_cst);
    if (atomic_load(&tb->invalid)) {
        atomic_store(&e->key, TCG_JC_KEY_NONE);
    }
}

/*
 * jc_gen is even while the inline test may hit: (map_gen * 2) mod 2^32,
 * so a TLB flush retires every key at once; odd (1) while indirect
 * branches must go through lookup_tb_ptr (every TB logged by the loop,
 * or an interrupt the loop should take).
 */
void tb_jc_update_gen(TCGVcpu *v)
{
    if (v->env) {
        v->env->jc_gen = v->log_tbs || v->irq_hold
                         ? 1 : (uint32_t)(v->map_gen << 1);
    }
}

/* When the count wraps, entries from 2^31 flushes ago could match again. */
void tb_jc_new_gen(TCGVcpu *v)
{
    if ((uint32_t)(v->map_gen << 1) == 0) {
        tb_jmp_cache_clear(v);
    }
    tb_jc_update_gen(v);
}

/* ---- chaining ---- */

static void tb_patch(TranslationBlock *src, int n, const TranslationBlock *dst)
{
    tcg_set_jump(src->owner->s, src->code.code, src->code.jmp_offset[n],
                 dst ? dst->code.code : NULL);
}

/* Unpatches slot n of src and takes it off its destination's list. */
static void tb_jump_remove(TranslationBlock *src, int n)
{
    TranslationBlock *dst = src->jmp_dest[n];
    uintptr_t want = (uintptr_t)src | (uintptr_t)n;

    if (!dst) {
        return;
    }
    tb_patch(src, n, NULL);
    for (uintptr_t *link = &dst->jmp_in; *link;
         link = &tb_of(*link)->jmp_in_next[*link & 3]) {
        if (*link == want) {
            *link = src->jmp_in_next[n];
            break;
        }
    }
    src->jmp_in_next[n] = 0;
    src->jmp_dest[n] = NULL;
}

static void tb_unchain_incoming(TranslationBlock *dst)
{
    uintptr_t e = dst->jmp_in;

    while (e) {
        TranslationBlock *src = tb_of(e);
        int n = (int)(e & 3);

        e = src->jmp_in_next[n];
        tb_patch(src, n, NULL);
        src->jmp_dest[n] = NULL;
        src->jmp_in_next[n] = 0;
    }
    dst->jmp_in = 0;
}

void tb_add_jump(TCGVcpu *v, TranslationBlock *src, int n,
                 TranslationBlock *dst)
{
    if (n < 0 || n > 1 || src->code.jmp_offset[n] == TCG_NO_JUMP ||
        src->owner != v || dst->owner != v) {
        return;
    }
    pthread_mutex_lock(&v->tm->lock);
    if (!src->jmp_dest[n] && !atomic_load(&src->invalid) &&
        !atomic_load(&dst->invalid) &&
        !(v->cpu && atomic_load(&v->cpu->exit_request))) {
        tb_patch(src, n, dst);
        src->jmp_dest[n] = dst;
        src->jmp_in_next[n] = dst->jmp_in;
        dst->jmp_in = (uintptr_t)src | (uintptr_t)n;
        if (dst->page_addr[1] != TB_NO_PAGE && !dst->in_two_page_list) {
            if (v->nb_two_page_in < TB_TWO_PAGE_IN_MAX) {
                dst->in_two_page_list = true;
                v->two_page_in[v->nb_two_page_in++] = dst;
            } else {
                v->two_page_overflow = true;
            }
        }
        if (!src->in_chained_list && v->nb_chained < v->max_tbs) {
            src->in_chained_list = true;
            v->chained[v->nb_chained++] = src;
        }
    }
    pthread_mutex_unlock(&v->tm->lock);
}

static void tb_two_page_forget(TCGVcpu *v)
{
    for (unsigned i = 0; i < v->nb_two_page_in; i++) {
        v->two_page_in[i]->in_two_page_list = false;
    }
    v->nb_two_page_in = 0;
    v->two_page_overflow = false;
}

static void tb_unchain_all_locked(TCGVcpu *v)
{
    for (unsigned i = 0; i < v->nb_chained; i++) {
        TranslationBlock *src = v->chained[i];
        tb_jump_remove(src, 0);
        tb_jump_remove(src, 1);
        src->in_chained_list = false;
    }
    v->nb_chained = 0;
    tb_two_page_forget(v);
}

void tb_unchain_all(TCGVcpu *v)
{
    pthread_mutex_lock(&v->tm->lock);
    tb_unchain_all_locked(v);
    pthread_mutex_unlock(&v->tm->lock);
}

void tb_unchain_two_page(TCGVcpu *v)
{
    pthread_mutex_lock(&v->tm->lock);
    if (v->two_page_overflow) {
        tb_unchain_all_locked(v);
    } else {
        for (unsigned i = 0; i < v->nb_two_page_in; i++) {
            tb_unchain_incoming(v->two_page_in[i]);
        }
        tb_two_page_forget(v);
    }
    pthread_mutex_unlock(&v->tm->lock);
}

/* ---- invalidation ---- */

static void tb_invalidate_locked(TCGMachine *tm, TranslationBlock *tb)
{
    TCGVcpu *owner = tb->owner;
    TCGJumpCacheEntry *e = &owner->jmp_cache[tb_jmp_cache_hash(tb->pc)];

    atomic_store(&tb->invalid, true);
    atomic_thread_fence(memory_order_seq_cst);   /* see tb_jc_set */
    if (atomic_load(&e->tb) == tb) {
        atomic_store(&e->key, TCG_JC_KEY_NONE);
    }
    tb_hash_remove(owner, tb);
    for (int n = 0; n < 2; n++) {
        if (tb->page_addr[n] != TB_NO_PAGE) {
            page_remove_tb(tm, tb, n);
        }
    }
    tb_unchain_incoming(tb);
    tb_jump_remove(tb, 0);
    tb_jump_remove(tb, 1);
}

static bool tb_overlaps(const TranslationBlock *tb, int n, uint64_t start,
                        uint64_t end)
{
    return tb->page_start[n] < end && start < tb->page_end[n];
}

unsigned tb_invalidate_phys_range(TCGMachine *tm, uint64_t paddr,
                                  uint64_t len, const TranslationBlock *cur,
                                  bool *hit)
{
    uint64_t end = paddr + len;
    unsigned count = 0;

    if (hit) {
        *hit = false;
    }
    if (!len || end < paddr) {
        return 0;
    }
    pthread_mutex_lock(&tm->lock);
    for (uint64_t page = paddr & TCG_PAGE_MASK; page < end;
         page += TCG_PAGE_SIZE) {
        PageDesc *pd = page_find(tm, page);
        uintptr_t e = pd ? pd->first_tb : 0;

        while (e) {
            TranslationBlock *tb = tb_of(e);
            int n = (int)(e & 3);

            e = tb->page_next[n];
            if (tb_overlaps(tb, n, paddr, end)) {
                if (tb == cur && hit) {
                    *hit = true;
                }
                tb_invalidate_locked(tm, tb);
                count++;
            }
        }
        if (page + TCG_PAGE_SIZE < page) {
            break;
        }
    }
    pthread_mutex_unlock(&tm->lock);
    return count;
}

/* ---- flush ---- */

void tb_flush(TCGVcpu *v)
{
    TCGMachine *tm = v->tm;

    pthread_mutex_lock(&tm->lock);
    for (unsigned i = 0; i < v->nb_tbs; i++) {
        TranslationBlock *tb = &v->tbs[i];
        if (!atomic_load(&tb->invalid)) {
            for (int n = 0; n < 2; n++) {
                if (tb->page_addr[n] != TB_NO_PAGE) {
                    page_remove_tb(tm, tb, n);
                }
            }
            atomic_store(&tb->invalid, true);
        }
    }
    memset(v->hash, 0, sizeof(v->hash));
    tb_jmp_cache_clear(v);
    v->nb_chained = 0;
    v->nb_two_page_in = 0;
    v->two_page_overflow = false;
    v->nb_tbs = 0;
    v->last_tb = NULL;
    if (v->s) {
        tcg_code_flush(v->s);
    }
    pthread_mutex_unlock(&tm->lock);
}
