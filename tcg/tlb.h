/*
 * The soft TLB layout shared by the runtime (accel/tcg fills it), the
 * interpreter backend and the native backend (which inlines the hit path).
 *
 * One table of TCG_TLB_ENTRIES direct-mapped entries per MMU index. An
 * entry caches one guest virtual page:
 *
 *   addr_read / addr_write / addr_code  page-aligned guest virtual address
 *       for which that kind of access hits, with TLB_* flag bits in the low
 *       (sub-page) bits. Any flag bit makes the compare below fail, so
 *       flagged pages (MMIO, watchpoints, pages holding translated code)
 *       always take the slow path. An unused entry holds TLB_INVALID.
 *   addend  host address = guest virtual address + addend (RAM only).
 *
 * Hit test for an access of `size` bytes at `addr` (guest virtual):
 *
 *   entry = &tlb->table[mmu_idx][(addr >> TCG_PAGE_BITS) & TCG_TLB_MASK];
 *   hit   = entry->addr_read == ((addr + size - 1) & TCG_PAGE_MASK)
 *           && the access does not cross the page
 *
 * The native backend gets the cross-page check for free by computing the
 * index from addr but comparing the tag against addr + size - 1: a
 * crossing access compares the next page against an entry indexed by this
 * one, which cannot match (the index bits differ). Accesses flagged
 * MO_ALIGN that are misaligned also go to the slow path.
 *
 * The table lives at a fixed offset from the env pointer
 * (TCGContextConfig.tlb_offset), so generated code reaches it with one
 * displacement from the env register.
 */
#ifndef KITE_TCG_TLB_H
#define KITE_TCG_TLB_H

#include <stdint.h>

#define TCG_PAGE_BITS        12
#define TCG_PAGE_SIZE        (1ull << TCG_PAGE_BITS)
#define TCG_PAGE_MASK        (~(TCG_PAGE_SIZE - 1))
#define TCG_TLB_BITS         12   /* 16 MiB per MMU index */
#define TCG_TLB_ENTRIES      (1u << TCG_TLB_BITS)
#define TCG_TLB_MASK         (TCG_TLB_ENTRIES - 1)
#define TCG_MAX_MMU_MODES    8

/* Flag bits in the low bits of addr_read/addr_write/addr_code. */
#define TLB_INVALID          (1ull << 0)  /* entry unused */
#define TLB_MMIO             (1ull << 1)  /* I/O region: always slow path */
#define TLB_WATCH            (1ull << 2)  /* debug watchpoint on the page */
#define TLB_NOTDIRTY         (1ull << 3)  /* page holds translated code */
#define TLB_FLAGS_MASK       (TCG_PAGE_SIZE - 1)

typedef struct TCGTLBEntry {
    uint64_t addr_read;
    uint64_t addr_write;
    uint64_t addr_code;
    uint64_t addend;        /* uintptr_t-sized meaning, 64-bit storage */
} TCGTLBEntry;

typedef struct TCGTLB {
    TCGTLBEntry table[TCG_MAX_MMU_MODES][TCG_TLB_ENTRIES];
} TCGTLB;

/* Byte offset of an entry's fields inside TCGTLB, for the native backend. */
#define TCG_TLB_ENTRY_BITS   5    /* sizeof(TCGTLBEntry) == 32 */

static inline TCGTLBEntry *tcg_tlb_entry(TCGTLB *tlb, unsigned mmu_idx,
                                         uint64_t addr)
{
    return &tlb->table[mmu_idx][(addr >> TCG_PAGE_BITS) & TCG_TLB_MASK];
}

/* Marks every entry of one MMU index invalid. */
static inline void tcg_tlb_flush_mode(TCGTLB *tlb, unsigned mmu_idx)
{
    for (unsigned i = 0; i < TCG_TLB_ENTRIES; i++) {
        TCGTLBEntry *e = &tlb->table[mmu_idx][i];
        e->addr_read = e->addr_write = e->addr_code = TLB_INVALID;
        e->addend = 0;
    }
}

/* Marks every entry of every MMU index invalid. */
static inline void tcg_tlb_flush(TCGTLB *tlb)
{
    for (unsigned m = 0; m < TCG_MAX_MMU_MODES; m++) {
        tcg_tlb_flush_mode(tlb, m);
    }
}

#endif
