/*
 * REP MOVS / REP STOS in bulk (cpu/x86/translate-string.c): each call
 * moves or fills as many whole elements as fit in the current page of the
 * source and of the destination, straight in host memory, when both pages
 * hit the soft TLB as plain RAM (no MMIO, no translated code, no
 * watchpoint: any flag makes the tag compare fail). Otherwise, and for
 * DF = 1 or a destination that overlaps the source from above (where the
 * element order shows), it does nothing and the translator's loop runs
 * one element, which fills the TLB, raises the fault or handles the
 * flagged page. Registers are the translator's to update (rCX, rSI, rDI
 * by the count returned), so a fault can only happen in that loop.
 */
#include <string.h>

#include "cpu/x86/translate.h"

static uint8_t *bulk_host(CPUX86TCG *env, unsigned mmu_idx, uint64_t addr,
                          bool write)
{
    TCGTLBEntry *e = tcg_tlb_entry(&env->tlb, mmu_idx, addr);
    uint64_t tag = write ? e->addr_write : e->addr_read;

    if (tag != (addr & TCG_PAGE_MASK)) {
        return NULL;
    }
    return (uint8_t *)(uintptr_t)(addr + e->addend);
}

static uint64_t bulk_room(uint64_t addr)
{
    return TCG_PAGE_SIZE - (addr & ~TCG_PAGE_MASK);
}

/* STOS of n elements of bytes each: memset when every byte is the same
   (clearing pages, the common case) */
static void bulk_fill(uint8_t *d, uint64_t val, unsigned bytes, uint64_t n)
{
    uint64_t mask = bytes == 8 ? ~0ull : (1ull << (8 * bytes)) - 1;

    if ((val & mask) == ((val & 0xff) * (0x0101010101010101ull & mask))) {
        memset(d, (int)(val & 0xff), n * bytes);
        return;
    }
    for (uint64_t i = 0; i < n; i++) {
        memcpy(d + i * bytes, &val, bytes);     /* little-endian host */
    }
}

uint64_t helper_rep_bulk(CPUX86TCG *env, uint64_t src, uint64_t dst,
                         uint64_t count, uint32_t desc)
{
    unsigned bytes = desc & 0xf, mmu_idx = desc >> 8;
    bool movs = desc & X86_REP_BULK_MOVS;
    uint64_t room = bulk_room(dst), n;
    uint8_t *hd, *hs;

    if (env->df != 1) {
        return 0;
    }
    if (movs) {
        room = MIN(room, bulk_room(src));
    }
    n = MIN(count, room / bytes);
    if (!n || !(hd = bulk_host(env, mmu_idx, dst, true))) {
        return 0;
    }
    if (!movs) {
        bulk_fill(hd, src, bytes, n);
        return n;
    }
    hs = bulk_host(env, mmu_idx, src, false);
    if (!hs || (hd > hs && hd < hs + n * bytes)) {
        return 0;
    }
    memmove(hd, hs, n * bytes);
    return n;
}
