/*
 * The x86 page walk for the TCG CPU (Intel SDM vol. 3A, chapter 4
 * "Paging"): 32-bit paging (with 4 MiB PSE pages, PSE-36 address bits),
 * PAE paging and 4-level paging, with the access rights of section 4.6
 * (R/W, U/S, NX with EFER.NXE, CR0.WP, SMEP, SMAP), the accessed and dirty
 * flags of section 4.8, reserved-bit checks and the #PF error code of
 * section 4.7.
 *
 * Choices:
 *   - MAXPHYADDR is X86_MMU_PHYS_BITS (40); bits above it in paging
 *     entries are reserved.
 *   - Accessed/dirty flags are written only when the whole access is
 *     allowed (as KVM's software walker does), so a faulting access leaves
 *     the tables untouched.
 *   - PAE PDPTEs are read during the walk rather than cached at MOV CR3;
 *     a reserved bit in one is reported as #PF with RSVD set.
 *   - Paging entries are read from RAM or ROM only; an entry that lives
 *     in an I/O region or unmapped space reads as all-ones (which faults
 *     with RSVD), and no device code runs from a walk.
 *   - Every physical address (entries and the result) goes through the
 *     A20 mask.
 */
#include "cpu/x86/tcg-cpu.h"
#include "hw/pc/pc.h"

#define X86_MMU_PHYS_BITS 40
#define PHYS_MASK   (((1ull << X86_MMU_PHYS_BITS) - 1) & ~0xfffull)

/* Paging-entry bits */
#define PG_P    (1ull << 0)
#define PG_RW   (1ull << 1)
#define PG_US   (1ull << 2)
#define PG_A    (1ull << 5)
#define PG_D    (1ull << 6)
#define PG_PS   (1ull << 7)
#define PG_G    (1ull << 8)
#define PG_NX   (1ull << 63)

/* #PF error code bits */
#define PFEC_P     (1u << 0)
#define PFEC_W     (1u << 1)
#define PFEC_U     (1u << 2)
#define PFEC_RSVD  (1u << 3)
#define PFEC_I     (1u << 4)

#define PF_FAULT   (1u << 31)   /* marks a fault in the return value */

typedef struct MmuEntry {
    uint64_t pa;        /* physical address of the entry */
    uint64_t val;
    bool is64;
    bool leaf;
} MmuEntry;

typedef struct MmuWalk {
    CPUX86TCG *env;
    uint64_t va;
    int acc;
    int mmu_idx;
    bool user;          /* user-mode access */
    bool nxe;           /* NX bits honoured (PAE/4-level and EFER.NXE) */
    bool rw, us, nx;    /* accumulated rights */
    MmuEntry ent[5];
    int nent;
} MmuWalk;

/* ---- entry access ---- */

static uint64_t mmu_entry_load(MmuWalk *w, uint64_t pa, bool is64)
{
    Machine *m = w->env->machine;
    unsigned size = is64 ? 8 : 4;
    const void *p;

    pa &= w->env->a20_mask;
    p = m ? address_space_get_ptr(&m->mem, pa, size) : NULL;
    if (!p) {
        return ~0ull;
    }
    if (is64) {
        return __atomic_load_n((const uint64_t *)p, __ATOMIC_RELAXED);
    }
    return __atomic_load_n((const uint32_t *)p, __ATOMIC_RELAXED);
}

static void mmu_entry_set_bits(MmuWalk *w, const MmuEntry *e, uint64_t bits)
{
    Machine *m = w->env->machine;
    uint64_t pa = e->pa & w->env->a20_mask;
    uint64_t len = e->is64 ? 8 : 4;
    void *p;

    if ((e->val & bits) == bits) {
        return;
    }
    /* mapped through the memory core, so translated code there is dropped */
    p = m ? address_space_map(&m->mem, pa, &len, true) : NULL;
    if (!p || len < (e->is64 ? 8u : 4u)) {
        return;     /* ROM: the write is dropped, like any ROM write */
    }
    if (e->is64) {
        __atomic_fetch_or((uint64_t *)p, bits, __ATOMIC_SEQ_CST);
    } else {
        __atomic_fetch_or((uint32_t *)p, (uint32_t)bits, __ATOMIC_SEQ_CST);
    }
    address_space_unmap(&m->mem, pa, len, true);
}

/* Reads one entry, records it for the A/D update and accumulates rights. */
static uint64_t mmu_walk_entry(MmuWalk *w, uint64_t pa, bool is64,
                               bool rights)
{
    uint64_t v = mmu_entry_load(w, pa, is64);
    MmuEntry *e = &w->ent[w->nent++];

    e->pa = pa;
    e->val = v;
    e->is64 = is64;
    e->leaf = false;
    if (rights && (v & PG_P)) {
        w->rw &= !!(v & PG_RW);
        w->us &= !!(v & PG_US);
        w->nx |= w->nxe && (v & PG_NX);
    }
    return v;
}

/* ---- faults ---- */

static int64_t mmu_fault(const MmuWalk *w, uint32_t bits)
{
    const X86CPUState *st = &w->env->st;
    uint32_t ec = bits;

    if (w->acc == X86_ACC_WRITE) {
        ec |= PFEC_W;
    }
    if (w->user) {
        ec |= PFEC_U;
    }
    if (w->acc == X86_ACC_FETCH &&
        ((st->cr4 & CR4_SMEP) || ((st->cr4 & CR4_PAE) && (st->efer & EFER_NXE)))) {
        ec |= PFEC_I;
    }
    return (int64_t)(ec | PF_FAULT);
}

/* Access rights of SDM 4.6; true when the access is allowed. */
static bool mmu_check_rights(const MmuWalk *w)
{
    const X86CPUState *st = &w->env->st;
    bool smap = (st->cr4 & CR4_SMAP) && w->mmu_idx == MMU_KSMAP_IDX;

    switch (w->acc) {
    case X86_ACC_FETCH:
        if (w->nx) {
            return false;
        }
        return w->user ? w->us : !(w->us && (st->cr4 & CR4_SMEP));
    case X86_ACC_WRITE:
        if (w->user) {
            return w->us && w->rw;
        }
        if (w->us && smap) {
            return false;
        }
        return w->rw || !(st->cr0 & CR0_WP);
    default:
        return w->user ? w->us : !(w->us && smap);
    }
}

/* ---- the walks ---- */

typedef struct MmuLeaf {
    uint64_t base;      /* physical base of the page */
    uint64_t size;
    uint64_t val;       /* the leaf entry (for its G bit) */
} MmuLeaf;

/* Reserved bits 51:MAXPHYADDR, plus bit 63 when NX is not enabled. */
static uint64_t mmu_rsvd_high(const MmuWalk *w)
{
    uint64_t r = ((1ull << 52) - 1) & ~((1ull << X86_MMU_PHYS_BITS) - 1);
    return w->nxe ? r : r | PG_NX;
}

/*
 * The levels shared by PAE and 4-level paging, from `level` (3 = PDPT,
 * 2 = PD, 1 = PT) down, starting at the table at physical address table.
 * Returns 0 or a fault code.
 */
static int64_t mmu_walk_pae_levels(MmuWalk *w, uint64_t table, int level,
                                   MmuLeaf *leaf)
{
    uint64_t hi = mmu_rsvd_high(w);

    for (;; level--) {
        unsigned shift = 12 + 9 * (level - 1);
        uint64_t idx = (w->va >> shift) & 0x1ff;
        uint64_t v = mmu_walk_entry(w, table + idx * 8, true, true);
        uint64_t rsvd = hi;

        if (!(v & PG_P)) {
            return mmu_fault(w, 0);
        }
        if (level == 1 || (v & PG_PS)) {
            if (level == 3) {
                rsvd |= 0x3fffe000ull;      /* 1 GiB page: bits 29:13 */
            } else if (level == 2) {
                rsvd |= 0x1fe000ull;        /* 2 MiB page: bits 20:13 */
            }
            if (v & rsvd) {
                return mmu_fault(w, PFEC_P | PFEC_RSVD);
            }
            w->ent[w->nent - 1].leaf = true;
            leaf->val = v;
            leaf->size = 1ull << shift;
            leaf->base = v & PHYS_MASK & ~(leaf->size - 1);
            return 0;
        }
        if (v & rsvd) {
            return mmu_fault(w, PFEC_P | PFEC_RSVD);
        }
        table = v & PHYS_MASK;
    }
}

static int64_t mmu_walk_long(MmuWalk *w, MmuLeaf *leaf)
{
    const X86CPUState *st = &w->env->st;
    uint64_t pml4 = st->cr3 & PHYS_MASK;
    uint64_t v;

    v = mmu_walk_entry(w, pml4 + ((w->va >> 39) & 0x1ff) * 8, true, true);
    if (!(v & PG_P)) {
        return mmu_fault(w, 0);
    }
    if (v & (mmu_rsvd_high(w) | PG_PS)) {
        return mmu_fault(w, PFEC_P | PFEC_RSVD);
    }
    return mmu_walk_pae_levels(w, v & PHYS_MASK, 3, leaf);
}

static int64_t mmu_walk_pae(MmuWalk *w, MmuLeaf *leaf)
{
    const X86CPUState *st = &w->env->st;
    uint64_t pdpt = st->cr3 & 0xffffffe0ull;
    uint64_t rsvd = ~((1ull << X86_MMU_PHYS_BITS) - 1) | 0x1e6ull;
    uint64_t v;

    v = mmu_walk_entry(w, pdpt + ((w->va >> 30) & 3) * 8, true, false);
    w->nent--;      /* PAE PDPTEs have no accessed flag */
    if (!(v & PG_P)) {
        return mmu_fault(w, 0);
    }
    if (v & rsvd) {
        return mmu_fault(w, PFEC_P | PFEC_RSVD);
    }
    return mmu_walk_pae_levels(w, v & PHYS_MASK, 2, leaf);
}

static int64_t mmu_walk_32(MmuWalk *w, MmuLeaf *leaf)
{
    const X86CPUState *st = &w->env->st;
    uint64_t pd = st->cr3 & 0xfffff000ull;
    uint64_t pde, pte;

    pde = mmu_walk_entry(w, pd + ((w->va >> 22) & 0x3ff) * 4, false, true);
    if (!(pde & PG_P)) {
        return mmu_fault(w, 0);
    }
    if ((pde & PG_PS) && (st->cr4 & CR4_PSE)) {
        if (pde & (1ull << 21)) {
            return mmu_fault(w, PFEC_P | PFEC_RSVD);
        }
        w->ent[w->nent - 1].leaf = true;
        leaf->val = pde;
        leaf->size = 4ull << 20;
        leaf->base = (pde & 0xffc00000ull) | (((pde >> 13) & 0xff) << 32);
        return 0;
    }
    pte = mmu_walk_entry(w, (pde & 0xfffff000ull) + ((w->va >> 12) & 0x3ff) * 4,
                         false, true);
    if (!(pte & PG_P)) {
        return mmu_fault(w, 0);
    }
    w->ent[w->nent - 1].leaf = true;
    leaf->val = pte;
    leaf->size = 4096;
    leaf->base = pte & 0xfffff000ull;
    return 0;
}

static void mmu_update_ad(MmuWalk *w)
{
    for (int i = 0; i < w->nent; i++) {
        const MmuEntry *e = &w->ent[i];
        uint64_t bits = PG_A;

        if (e->leaf && w->acc == X86_ACC_WRITE) {
            bits |= PG_D;
        }
        mmu_entry_set_bits(w, e, bits);
    }
}

static bool mmu_is_canonical(uint64_t va)
{
    return (uint64_t)((int64_t)(va << 16) >> 16) == va;
}

static void mmu_fill_out(const MmuWalk *w, uint64_t paddr, uint64_t size,
                         X86Translation *out)
{
    const X86CPUState *st = &w->env->st;

    out->paddr = paddr & w->env->a20_mask;
    out->page_size = size;
    out->user = w->us;
    out->writable = w->user ? (w->us && w->rw)
                            : (w->rw || !(st->cr0 & CR0_WP));
    out->executable = !w->nx &&
                      (w->user ? w->us : !(w->us && (st->cr4 & CR4_SMEP)));
}

int64_t x86_mmu_translate(CPUX86TCG *env, uint64_t vaddr, int acc, int mmu_idx,
                          X86Translation *out)
{
    const X86CPUState *st = &env->st;
    MmuWalk w = {
        .env = env, .acc = acc, .mmu_idx = mmu_idx,
        .user = mmu_idx == MMU_USER_IDX, .rw = true, .us = true,
    };
    bool lma = st->efer & EFER_LMA;
    MmuLeaf leaf;
    int64_t r;

    if (mmu_idx == MMU_PHYS_IDX || !(st->cr0 & CR0_PG)) {
        w.us = false;
        mmu_fill_out(&w, lma || mmu_idx == MMU_PHYS_IDX ? vaddr
                                                        : (uint32_t)vaddr,
                     4096, out);
        out->user = out->writable = out->executable = true;
        out->global = true;     /* identity: no CR3 write changes it */
        return 0;
    }
    if (lma) {
        if (!mmu_is_canonical(vaddr)) {
            return -1;
        }
        w.va = vaddr;
        w.nxe = st->efer & EFER_NXE;
        r = mmu_walk_long(&w, &leaf);
    } else if (st->cr4 & CR4_PAE) {
        w.va = (uint32_t)vaddr;
        w.nxe = st->efer & EFER_NXE;
        r = mmu_walk_pae(&w, &leaf);
    } else {
        w.va = (uint32_t)vaddr;
        r = mmu_walk_32(&w, &leaf);
    }
    if (r) {
        return r;
    }
    if (!mmu_check_rights(&w)) {
        return mmu_fault(&w, PFEC_P);
    }
    mmu_update_ad(&w);
    mmu_fill_out(&w, leaf.base | (w.va & (leaf.size - 1)), leaf.size, out);
    out->global = (leaf.val & PG_G) && (st->cr4 & CR4_PGE);
    return 0;
}
