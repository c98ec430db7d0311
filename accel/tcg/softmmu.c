/*
 * The soft MMU of the TCG CPU: filling the soft TLB (tcg/tlb.h) from the
 * page walk (cpu/x86/mmu.c), the slow paths generated code calls on a TLB
 * miss or a flagged entry, the x86_ld / x86_st accessors for helpers, code
 * fetch for the translator, and the TLB flushes of MOV CR3 / INVLPG.
 *
 * Entry kinds, by what backs the physical page:
 *   RAM  addend set; addr_write gets TLB_NOTDIRTY while the page holds
 *        translated code, so stores go through tlb_notdirty_write(),
 *        which invalidates the TBs the bytes overlap (self-modifying code).
 *   ROM  reads hit; addr_write is TLB_MMIO and the store is dropped by the
 *        address-space dispatch.
 *   I/O, unmapped, or a page only partly covered by one region: TLB_MMIO;
 *        every access dispatches through address_space_ld/st with the
 *        machine lock held.
 * A read fill never enables writes: the first write walks again, so the
 * dirty bit of the page is always set before a write hits the TLB, and
 * so is the page's bit in the RAM region's dirty bitmap (migration: after
 * taking that bitmap it flushes the TLBs, tcg_dirty_sync).
 * Accesses that cross a page are split into bytes after both pages were
 * filled (stores fault before writing anything).
 */
#include <string.h>

#include "accel/tcg/tcg-internal.h"

/* ---- faults ---- */

static void tlb_raise_fault(CPUX86TCG *env, uint64_t vaddr, int64_t r,
                            uintptr_t ra)
{
    if (r < 0) {
        x86_raise_exception_err(env, EXCP_GP, 0, ra);
    }
    env->st.cr2 = vaddr;
    x86_raise_exception_err(env, EXCP_PF, (uint32_t)(r & 0xffff), ra);
}

/* ---- fill ---- */

typedef struct PhysPage {
    uint8_t *host;          /* NULL: dispatch every access */
    bool rom;
    MemoryRegion *mr;       /* RAM or ROM holding the page, at mr_off */
    uint64_t mr_off;
} PhysPage;

static PhysPage tlb_phys_page(Machine *m, uint64_t ppage)
{
    PhysPage p = { NULL, false, NULL, 0 };
    const FlatRange *fr = address_space_lookup(&m->mem, ppage);

    if (!fr || fr->mr->kind == MR_IO || !fr->mr->host ||
        ppage < fr->base || ppage + TCG_PAGE_SIZE > fr->base + fr->size) {
        return p;
    }
    p.host = fr->mr->host + fr->offset + (ppage - fr->base);
    p.rom = fr->mr->kind == MR_ROM;
    p.mr = fr->mr;
    p.mr_off = fr->offset + (ppage - fr->base);
    return p;
}

static bool tlb_tag_hit(uint64_t tag, uint64_t vaddr)
{
    return !(tag & TLB_INVALID) &&
           (tag & TCG_PAGE_MASK) == (vaddr & TCG_PAGE_MASK);
}

static void tlb_entry_reset(TCGTLBEntry *e)
{
    e->addr_read = e->addr_write = e->addr_code = TLB_INVALID;
    e->addend = 0;
}

/* Entry idx of mmu_idx became non-global: MOV CR3 must drop it. */
static void tlb_note_nonglobal(TCGVcpu *v, int mmu_idx, unsigned idx)
{
    unsigned n = v->tlb_nfilled[mmu_idx];

    if (n < TLB_FILLED_MAX) {
        v->tlb_filled[mmu_idx][n] = (uint16_t)idx;
    }
    if (n <= TLB_FILLED_MAX) {
        v->tlb_nfilled[mmu_idx] = n + 1;
    }
}

/*
 * What the flushes need to know of a fill into entry idx (lock held):
 * whether the mode holds global entries, which entries are not global,
 * and the range of large guest pages entries were cut from (INVLPG of
 * any address in one drops all its pieces). An entry filled again for
 * the same mapping stays global only if every walk was (flushing more
 * than needed is always allowed). x->vpage/ppage are already the page's.
 */
static void tlb_note_fill(TCGVcpu *v, int mmu_idx, unsigned idx, TLBExtra *x,
                          bool fresh, const X86Translation *t)
{
    uint8_t shift = (uint8_t)__builtin_ctzll(t->page_size);

    v->tlb_used |= 1u << mmu_idx;
    if (t->global) {
        v->tlb_global |= 1u << mmu_idx;
    }
    if ((fresh || x->global) && !t->global) {
        tlb_note_nonglobal(v, mmu_idx, idx);
    }
    x->global = fresh ? t->global : x->global && t->global;
    x->page_shift = fresh ? shift : MAX(x->page_shift, shift);
    if (t->page_size > TCG_PAGE_SIZE) {
        uint64_t base = x->vpage & ~(t->page_size - 1);
        v->tlb_large_lo[mmu_idx] = MIN(v->tlb_large_lo[mmu_idx], base);
        v->tlb_large_hi[mmu_idx] = MAX(v->tlb_large_hi[mmu_idx],
                                       base + (t->page_size - 1));
    }
}

/*
 * Fills the entry of vaddr for access acc at mmu_idx; raises #PF/#GP on a
 * fault. Returns the entry.
 */
static TCGTLBEntry *tlb_fill(CPUX86TCG *env, uint64_t vaddr, int acc,
                             int mmu_idx, uintptr_t ra)
{
    TCGVcpu *v = tcg_vcpu(env);
    Machine *m = env->machine;
    unsigned idx = (vaddr >> TCG_PAGE_BITS) & TCG_TLB_MASK;
    TCGTLBEntry *e = &env->tlb.table[mmu_idx][idx];
    TLBExtra *x = &v->tlb_extra[mmu_idx][idx];
    uint64_t vpage = vaddr & TCG_PAGE_MASK, ppage, rflags = 0, wflags = 0;
    X86Translation t;
    int64_t r;
    PhysPage p;
    bool fresh;

    r = x86_mmu_translate(env, vaddr, acc, mmu_idx, &t);
    if (r) {
        tlb_raise_fault(env, vaddr, r, ra);
    }
    ppage = t.paddr & TCG_PAGE_MASK;
    p = tlb_phys_page(m, ppage);
    if (!p.host) {
        rflags = wflags = TLB_MMIO;
    } else if (p.rom) {
        wflags = TLB_MMIO;
    }
    pthread_mutex_lock(&v->tm->lock);
    if (unlikely(v->dbg.nwp)) {
        rflags |= tcg_debug_tlb_flags(v, vpage, false);
        wflags |= tcg_debug_tlb_flags(v, vpage, true);
    }
    fresh = x->vpage != vpage || x->ppage != ppage;
    if (fresh) {
        tlb_entry_reset(e);
        x->vpage = vpage;
        x->ppage = ppage;
    }
    tlb_note_fill(v, mmu_idx, idx, x, fresh, &t);
    e->addend = p.host ? (uint64_t)(uintptr_t)p.host - vpage : 0;
    if (acc == X86_ACC_FETCH) {
        e->addr_code = vpage | (rflags & ~(uint64_t)TLB_WATCH);
    } else {
        e->addr_read = vpage | rflags;
    }
    if (acc == X86_ACC_WRITE) {
        if (!(wflags & TLB_MMIO)) {
            /* migration: the page is written from now until a flush */
            memory_region_set_dirty(p.mr, p.mr_off, TCG_PAGE_SIZE);
            if (tb_page_has_code_locked(v->tm, ppage)) {
                wflags |= TLB_NOTDIRTY;
            }
        }
        e->addr_write = vpage | wflags;
    }
    pthread_mutex_unlock(&v->tm->lock);
    return e;
}

void tlb_mark_code_page_locked(TCGMachine *tm, uint64_t ppage)
{
    for (int c = 0; c < tm->nvcpus; c++) {
        TCGVcpu *v = tm->vcpus[c];
        for (unsigned mi = 0; mi < MMU_NB_MODES; mi++) {
            for (unsigned i = 0; i < TCG_TLB_ENTRIES; i++) {
                TCGTLBEntry *e = &v->env->tlb.table[mi][i];
                if (v->tlb_extra[mi][i].ppage == ppage &&
                    v->tlb_extra[mi][i].vpage != TB_NO_PAGE &&
                    !(e->addr_write & (TLB_INVALID | TLB_MMIO))) {
                    e->addr_write |= TLB_NOTDIRTY;
                }
            }
        }
    }
}

/* ---- flushes ---- */

void tlb_init(TCGVcpu *v)
{
    for (unsigned m = 0; m < MMU_NB_MODES; m++) {
        for (unsigned i = 0; i < TCG_TLB_ENTRIES; i++) {
            v->tlb_extra[m][i].vpage = TB_NO_PAGE;
        }
        v->tlb_large_lo[m] = UINT64_MAX;
        v->tlb_large_hi[m] = 0;
        v->tlb_nfilled[m] = 0;
    }
    v->tlb_used = v->tlb_global = 0;
}

static void tlb_drop(TCGVcpu *v, unsigned m, unsigned i)
{
    tlb_entry_reset(&v->env->tlb.table[m][i]);
    v->tlb_extra[m][i].vpage = TB_NO_PAGE;
    v->tlb_extra[m][i].global = false;
}

/* Every entry of MMU index m. */
static void tlb_flush_mode(TCGVcpu *v, unsigned m)
{
    unsigned n = v->tlb_nfilled[m];

    if (!(v->tlb_global & (1u << m)) && n <= TLB_FILLED_MAX) {
        /* all its entries are non-global, and listed */
        for (unsigned k = 0; k < n; k++) {
            tlb_drop(v, m, v->tlb_filled[m][k]);
        }
    } else {
        tcg_tlb_flush_mode(&v->env->tlb, m);
        for (unsigned i = 0; i < TCG_TLB_ENTRIES; i++) {
            v->tlb_extra[m][i].vpage = TB_NO_PAGE;
            v->tlb_extra[m][i].global = false;
        }
    }
    v->tlb_nfilled[m] = 0;
    v->tlb_large_lo[m] = UINT64_MAX;
    v->tlb_large_hi[m] = 0;
}

/* Only the MMU indexes filled since the last flush hold valid entries. */
void tlb_flush_all(TCGVcpu *v)
{
    for (unsigned m = 0; m < MMU_NB_MODES; m++) {
        if (v->tlb_used & (1u << m)) {
            tlb_flush_mode(v, m);
        }
    }
    v->tlb_used = v->tlb_global = 0;
}

/* The non-global entries of MMU index m: the listed ones when the list
   held them all, else a look at every entry. */
static void tlb_flush_mode_nonglobal(TCGVcpu *v, unsigned m)
{
    unsigned n = v->tlb_nfilled[m];

    if (n <= TLB_FILLED_MAX) {
        for (unsigned k = 0; k < n; k++) {
            unsigned i = v->tlb_filled[m][k];
            if (!v->tlb_extra[m][i].global) {
                tlb_drop(v, m, i);
            }
        }
    } else {
        for (unsigned i = 0; i < TCG_TLB_ENTRIES; i++) {
            if (!v->tlb_extra[m][i].global) {
                tlb_drop(v, m, i);
            }
        }
    }
    v->tlb_nfilled[m] = 0;
}

/* MOV CR3 with CR4.PGE: every entry but the global ones (SDM 4.10.4.1). */
static void tlb_flush_nonglobal(TCGVcpu *v)
{
    unsigned keep = 0;

    for (unsigned m = 0; m < MMU_NB_MODES; m++) {
        if (!(v->tlb_used & (1u << m))) {
            continue;
        }
        if (!(v->tlb_global & (1u << m))) {
            tlb_flush_mode(v, m);
            continue;
        }
        tlb_flush_mode_nonglobal(v, m);
        keep |= 1u << m;
    }
    v->tlb_used = v->tlb_global = keep;
}

/*
 * INVLPG of an address inside a large page drops every entry cut from
 * that page, wherever it sits in the table.
 */
static void tlb_flush_large(TCGVcpu *v, unsigned m, uint64_t vaddr)
{
    if (vaddr < v->tlb_large_lo[m] || vaddr > v->tlb_large_hi[m]) {
        return;
    }
    for (unsigned i = 0; i < TCG_TLB_ENTRIES; i++) {
        const TLBExtra *x = &v->tlb_extra[m][i];
        if (x->vpage != TB_NO_PAGE && x->page_shift > TCG_PAGE_BITS &&
            !((x->vpage ^ vaddr) >> x->page_shift)) {
            tlb_drop(v, m, i);
        }
    }
}

/*
 * After a change of mapping: forget the chained jumps that lead to a TB
 * whose second page the jump would not check. The jump cache stays: every
 * hit in it checks the TB's pages against the soft TLB (cpu-exec.c), so
 * a context switch does not cost a lookup per block afterwards.
 */
static void tlb_flush_jumps(TCGVcpu *v)
{
    v->map_gen++;       /* the exec loop never chains across this */
    tb_jc_new_gen(v);
    tb_unchain_two_page(v);
}

void x86_tlb_flush(CPUX86TCG *env)
{
    TCGVcpu *v = tcg_vcpu(env);

    if (!v) {
        tcg_tlb_flush(&env->tlb);
        return;
    }
    pthread_mutex_lock(&v->tm->lock);
    tlb_flush_all(v);
    pthread_mutex_unlock(&v->tm->lock);
    tlb_flush_jumps(v);
}

void x86_tlb_flush_nonglobal(CPUX86TCG *env)
{
    TCGVcpu *v = tcg_vcpu(env);

    if (!v) {
        tcg_tlb_flush(&env->tlb);
        return;
    }
    pthread_mutex_lock(&v->tm->lock);
    tlb_flush_nonglobal(v);
    pthread_mutex_unlock(&v->tm->lock);
    tlb_flush_jumps(v);
}

void x86_tlb_flush_page(CPUX86TCG *env, uint64_t vaddr)
{
    TCGVcpu *v = tcg_vcpu(env);
    uint64_t vpage = vaddr & TCG_PAGE_MASK;
    unsigned idx = (vaddr >> TCG_PAGE_BITS) & TCG_TLB_MASK;

    if (v) {
        pthread_mutex_lock(&v->tm->lock);
    }
    for (unsigned m = 0; m < MMU_NB_MODES; m++) {
        TCGTLBEntry *e = &env->tlb.table[m][idx];
        if (tlb_tag_hit(e->addr_read, vpage) ||
            tlb_tag_hit(e->addr_write, vpage) ||
            tlb_tag_hit(e->addr_code, vpage)) {
            tlb_entry_reset(e);
            if (v) {
                v->tlb_extra[m][idx].vpage = TB_NO_PAGE;
                v->tlb_extra[m][idx].global = false;
            }
        }
        if (v) {
            tlb_flush_large(v, m, vpage);
        }
    }
    if (v) {
        pthread_mutex_unlock(&v->tm->lock);
        tlb_flush_jumps(v);
    }
}

int x86_mmu_index(const CPUX86TCG *env)
{
    if (x86_cpl(env) == 3) {
        return MMU_USER_IDX;
    }
    if ((env->st.cr4 & CR4_SMAP) && !(env->st.rflags & RF_AC)) {
        return MMU_KSMAP_IDX;
    }
    return MMU_KNOSMAP_IDX;
}

int x86_code_mmu_index(const CPUX86TCG *env)
{
    return x86_cpl(env) == 3 ? MMU_USER_IDX : MMU_KNOSMAP_IDX;
}

/* ---- host and I/O access ---- */

static uint64_t host_load(const void *p, unsigned size)
{
    switch (size) {
    case 1: return *(const uint8_t *)p;
    case 2: { uint16_t v; memcpy(&v, p, 2); return v; }
    case 4: { uint32_t v; memcpy(&v, p, 4); return v; }
    default: { uint64_t v; memcpy(&v, p, 8); return v; }
    }
}

static void host_store(void *p, uint64_t val, unsigned size)
{
    switch (size) {
    case 1: *(uint8_t *)p = (uint8_t)val; break;
    case 2: { uint16_t v = (uint16_t)val; memcpy(p, &v, 2); break; }
    case 4: { uint32_t v = (uint32_t)val; memcpy(p, &v, 4); break; }
    default: memcpy(p, &val, 8); break;
    }
}

static uint64_t io_load(Machine *m, uint64_t paddr, unsigned size)
{
    uint64_t v;

    pthread_mutex_lock(&m->lock);
    v = address_space_ld(&m->mem, paddr, size);
    pthread_mutex_unlock(&m->lock);
    return v;
}

static void io_store(Machine *m, uint64_t paddr, uint64_t val, unsigned size)
{
    pthread_mutex_lock(&m->lock);
    address_space_st(&m->mem, paddr, val, size);
    pthread_mutex_unlock(&m->lock);
}

/* ---- single-page accesses ---- */

static uint64_t tlb_paddr(CPUX86TCG *env, int mmu_idx, uint64_t vaddr)
{
    unsigned idx = (vaddr >> TCG_PAGE_BITS) & TCG_TLB_MASK;
    return tcg_vcpu(env)->tlb_extra[mmu_idx][idx].ppage |
           (vaddr & ~TCG_PAGE_MASK);
}

static uint64_t ld_page(CPUX86TCG *env, uint64_t vaddr, unsigned size,
                        int mmu_idx, uintptr_t ra)
{
    TCGTLBEntry *e = tcg_tlb_entry(&env->tlb, mmu_idx, vaddr);

    if (!tlb_tag_hit(e->addr_read, vaddr)) {
        e = tlb_fill(env, vaddr, X86_ACC_READ, mmu_idx, ra);
    }
    if (unlikely(e->addr_read & TLB_WATCH)) {
        tcg_debug_watch(env, vaddr, size, false, ra);
    }
    if (e->addr_read & TLB_MMIO) {
        return io_load(env->machine, tlb_paddr(env, mmu_idx, vaddr), size);
    }
    return host_load((void *)(uintptr_t)(vaddr + e->addend), size);
}

/*
 * A store to a page holding translated code: invalidate the TBs it
 * overlaps. When that includes the TB running the store, and the store is
 * not its last instruction, the rest of that TB is stale: rewind to the
 * storing instruction and let the loop run it alone (it stores again).
 */
static void tlb_notdirty_write(CPUX86TCG *env, uint64_t paddr, unsigned size,
                               int mmu_idx, uint64_t vaddr, uintptr_t ra)
{
    TCGVcpu *v = tcg_vcpu(env);
    uintptr_t host = tcg_host_pc(v, ra);
    TranslationBlock *cur = host ? tb_find_by_host(v, host) : NULL;
    bool hit = false;

    tb_invalidate_phys_range(v->tm, paddr, size, cur, &hit);
    if (hit) {
        uint64_t data[TCG_INSN_START_WORDS];
        int i = tcg_insn_data_find_ra(&cur->code, ra, data);
        if (i >= 0 && (unsigned)i + 1 < cur->icount) {
            x86_restore_state(env, data);
            v->oneshot_next = true;
            env->exception_index = -1;
            siglongjmp(env->jmp_env, 1);
        }
    }
    pthread_mutex_lock(&v->tm->lock);
    if (!tb_page_has_code_locked(v->tm, paddr & TCG_PAGE_MASK)) {
        TCGTLBEntry *e = tcg_tlb_entry(&env->tlb, mmu_idx, vaddr);
        if (tlb_tag_hit(e->addr_write, vaddr)) {
            e->addr_write &= ~(uint64_t)TLB_NOTDIRTY;
        }
    }
    pthread_mutex_unlock(&v->tm->lock);
}

static void st_page(CPUX86TCG *env, uint64_t vaddr, uint64_t val,
                    unsigned size, int mmu_idx, uintptr_t ra)
{
    TCGTLBEntry *e = tcg_tlb_entry(&env->tlb, mmu_idx, vaddr);
    uint64_t flags;

    if (!tlb_tag_hit(e->addr_write, vaddr)) {
        e = tlb_fill(env, vaddr, X86_ACC_WRITE, mmu_idx, ra);
    }
    flags = e->addr_write & TLB_FLAGS_MASK;
    if (unlikely(flags & TLB_WATCH)) {
        tcg_debug_watch(env, vaddr, size, true, ra);
    }
    if (flags & TLB_MMIO) {
        io_store(env->machine, tlb_paddr(env, mmu_idx, vaddr), val, size);
        return;
    }
    if (flags & TLB_NOTDIRTY) {
        tlb_notdirty_write(env, tlb_paddr(env, mmu_idx, vaddr), size, mmu_idx,
                           vaddr, ra);
        e = tcg_tlb_entry(&env->tlb, mmu_idx, vaddr);
    }
    host_store((void *)(uintptr_t)(vaddr + e->addend), val, size);
}

/* ---- full accesses (any size, any alignment) ---- */

static bool crosses_page(uint64_t vaddr, unsigned size)
{
    return ((vaddr ^ (vaddr + size - 1)) & TCG_PAGE_MASK) != 0;
}

static uint64_t softmmu_load(CPUX86TCG *env, uint64_t vaddr, unsigned size,
                             int mmu_idx, uintptr_t ra)
{
    uint64_t v = 0;

    if (likely(!crosses_page(vaddr, size))) {
        return ld_page(env, vaddr, size, mmu_idx, ra);
    }
    for (unsigned i = 0; i < size; i++) {
        v |= ld_page(env, vaddr + i, 1, mmu_idx, ra) << (8 * i);
    }
    return v;
}

static void softmmu_store(CPUX86TCG *env, uint64_t vaddr, uint64_t val,
                          unsigned size, int mmu_idx, uintptr_t ra)
{
    uint64_t second;
    TCGTLBEntry *e;

    if (likely(!crosses_page(vaddr, size))) {
        st_page(env, vaddr, val, size, mmu_idx, ra);
        return;
    }
    /* both pages must be writable before any byte is written */
    second = (vaddr + size - 1) & TCG_PAGE_MASK;
    e = tcg_tlb_entry(&env->tlb, mmu_idx, vaddr);
    if (!tlb_tag_hit(e->addr_write, vaddr)) {
        tlb_fill(env, vaddr, X86_ACC_WRITE, mmu_idx, ra);
    }
    e = tcg_tlb_entry(&env->tlb, mmu_idx, second);
    if (!tlb_tag_hit(e->addr_write, second)) {
        tlb_fill(env, second, X86_ACC_WRITE, mmu_idx, ra);
    }
    for (unsigned i = 0; i < size; i++) {
        st_page(env, vaddr + i, (val >> (8 * i)) & 0xff, 1, mmu_idx, ra);
    }
}

/* ---- the backends' slow paths ---- */

static uint64_t memop_fixup_load(uint64_t v, MemOp mo)
{
    unsigned size = 1u << (mo & MO_SIZE);

    if (mo & MO_BE) {
        switch (size) {
        case 2: v = __builtin_bswap16((uint16_t)v); break;
        case 4: v = __builtin_bswap32((uint32_t)v); break;
        case 8: v = __builtin_bswap64(v); break;
        default: break;
        }
    }
    if ((mo & MO_SIGN) && size < 8) {
        unsigned sh = 64 - 8 * size;
        v = (uint64_t)((int64_t)(v << sh) >> sh);
    }
    return v;
}

/* The translator flags an access MO_ALIGN only under alignment checking
   (CPL 3, CR0.AM, RFLAGS.AC): a misaligned one raises #AC(0) (SDM Vol. 3,
   6.15), before any page fault. */
static void check_align(CPUX86TCG *env, uint64_t vaddr, MemOp memop,
                        unsigned size, uintptr_t ra)
{
    if ((memop & MO_ALIGN) && (vaddr & (size - 1))) {
        x86_raise_exception_err(env, EXCP_AC, 0, ra);
    }
}

static bool is_canonical48(uint64_t vaddr)
{
    return (uint64_t)((int64_t)(vaddr << 16) >> 16) == vaddr;
}

/*
 * A stack reference to a non-canonical address raises #SS(0); every other
 * non-canonical access #GP(0) (in tlb_fill). Such addresses never hit the
 * TLB, so this costs nothing on the fast path.
 */
static void check_stack_canonical(CPUX86TCG *env, uint64_t vaddr, MemOp memop,
                                  unsigned size, uintptr_t ra)
{
    if ((memop & MO_X86_STACK) && (env->hflags & HF_LMA) &&
        (!is_canonical48(vaddr) || !is_canonical48(vaddr + size - 1))) {
        x86_raise_exception_err(env, EXCP_SS, 0, ra);
    }
}

static uint64_t tcg_x86_load_slow(void *opaque, uint64_t vaddr, MemOp memop,
                                  unsigned mmu_idx, uintptr_t ra)
{
    CPUX86TCG *env = opaque;
    unsigned size = 1u << (memop & MO_SIZE);

    check_stack_canonical(env, vaddr, memop, size, ra);
    if (mmu_idx >= MMU_NB_MODES) {
        mmu_idx = MMU_PHYS_IDX;
    }
    check_align(env, vaddr, memop, size, ra);
    return memop_fixup_load(softmmu_load(env, vaddr, size, (int)mmu_idx, ra),
                            memop);
}

static void tcg_x86_store_slow(void *opaque, uint64_t vaddr, uint64_t val,
                               MemOp memop, unsigned mmu_idx, uintptr_t ra)
{
    CPUX86TCG *env = opaque;
    unsigned size = 1u << (memop & MO_SIZE);

    check_stack_canonical(env, vaddr, memop, size, ra);
    if (mmu_idx >= MMU_NB_MODES) {
        mmu_idx = MMU_PHYS_IDX;
    }
    check_align(env, vaddr, memop, size, ra);
    if (memop & MO_BE) {
        val = memop_fixup_load(val, (MemOp)(memop & (MO_SIZE | MO_BE)));
    }
    softmmu_store(env, vaddr, val, size, (int)mmu_idx, ra);
}

const TCGRuntime tcg_x86_runtime = {
    .load_slow = tcg_x86_load_slow,
    .store_slow = tcg_x86_store_slow,
};

/* ---- helpers' accessors: TLB hit inline, else the slow path ---- */

#define DEF_LD(bits)                                                          \
    uint##bits##_t x86_ld##bits(CPUX86TCG *env, uint64_t addr, int mmu_idx,   \
                                uintptr_t ra)                                 \
    {                                                                         \
        TCGTLBEntry *e = tcg_tlb_entry(&env->tlb, (unsigned)mmu_idx, addr);   \
        if (likely(e->addr_read == (addr & TCG_PAGE_MASK) &&                  \
                   !crosses_page(addr, bits / 8))) {                          \
            return (uint##bits##_t)host_load(                                 \
                (void *)(uintptr_t)(addr + e->addend), bits / 8);             \
        }                                                                     \
        return (uint##bits##_t)softmmu_load(env, addr, bits / 8, mmu_idx, ra);\
    }

#define DEF_ST(bits)                                                          \
    void x86_st##bits(CPUX86TCG *env, uint64_t addr, uint##bits##_t v,        \
                      int mmu_idx, uintptr_t ra)                              \
    {                                                                         \
        TCGTLBEntry *e = tcg_tlb_entry(&env->tlb, (unsigned)mmu_idx, addr);   \
        if (likely(e->addr_write == (addr & TCG_PAGE_MASK) &&                 \
                   !crosses_page(addr, bits / 8))) {                          \
            host_store((void *)(uintptr_t)(addr + e->addend), v, bits / 8);   \
            return;                                                           \
        }                                                                     \
        softmmu_store(env, addr, v, bits / 8, mmu_idx, ra);                   \
    }

DEF_LD(8)
DEF_LD(16)
DEF_LD(32)
DEF_LD(64)
DEF_ST(8)
DEF_ST(16)
DEF_ST(32)
DEF_ST(64)

/* ---- code ---- */

int64_t tlb_code_phys(TCGVcpu *v, uint64_t pc, bool raise, uint64_t *paddr)
{
    CPUX86TCG *env = v->env;
    int mmu_idx = x86_code_mmu_index(env);
    unsigned idx = (pc >> TCG_PAGE_BITS) & TCG_TLB_MASK;
    TCGTLBEntry *e = &env->tlb.table[mmu_idx][idx];

    if (!tlb_tag_hit(e->addr_code, pc)) {
        if (!raise) {
            X86Translation t;
            int64_t r = x86_mmu_translate(env, pc, X86_ACC_FETCH, mmu_idx, &t);
            if (r) {
                return r;
            }
        }
        e = tlb_fill(env, pc, X86_ACC_FETCH, mmu_idx, 0);
    }
    *paddr = v->tlb_extra[mmu_idx][idx].ppage | (pc & ~TCG_PAGE_MASK);
    return 0;
}

/* Copies guest physical code bytes (within one page). */
static void code_copy(Machine *m, uint64_t paddr, uint8_t *buf, size_t n)
{
    const void *p = address_space_get_ptr(&m->mem, paddr, n);

    if (p) {
        memcpy(buf, p, n);
        return;
    }
    pthread_mutex_lock(&m->lock);
    address_space_read(&m->mem, paddr, buf, n);
    pthread_mutex_unlock(&m->lock);
}

/* Records the physical page of a TB being translated; false if a third. */
static bool code_note_page(TCGVcpu *v, uint64_t vpage, uint64_t ppage)
{
    for (int i = 0; i < v->gen.npages; i++) {
        if (v->gen.vpage[i] == vpage) {
            return true;
        }
    }
    if (v->gen.npages == 2) {
        return false;
    }
    v->gen.vpage[v->gen.npages] = vpage;
    v->gen.ppage[v->gen.npages] = ppage;
    v->gen.npages++;
    return true;
}

size_t x86_code_fetch(CPUX86TCG *env, uint64_t pc, uint8_t *buf, size_t len,
                      bool first)
{
    TCGVcpu *v = tcg_vcpu(env);
    size_t done = 0;

    while (done < len) {
        uint64_t addr = pc + done, paddr;
        size_t n = MIN(len - done, TCG_PAGE_SIZE - (addr & ~TCG_PAGE_MASK));

        if (!(env->hflags & HF_LMA)) {
            addr = (uint32_t)addr;
        }
        if (tlb_code_phys(v, addr, first && done == 0, &paddr)) {
            break;
        }
        if (v->gen.active &&
            !code_note_page(v, addr & TCG_PAGE_MASK, paddr & TCG_PAGE_MASK)) {
            break;
        }
        code_copy(env->machine, paddr, buf + done, n);
        if (v->gen.active && addr - v->gen.pc < TB_GEN_BYTES &&
            addr >= v->gen.pc) {
            size_t off = addr - v->gen.pc;
            memcpy(v->gen.bytes + off, buf + done, MIN(n, TB_GEN_BYTES - off));
        }
        done += n;
    }
    return done;
}
