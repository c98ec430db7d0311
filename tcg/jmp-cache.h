/*
 * The jump-cache layout shared by the runtime (accel/tcg fills it), and
 * the native backend, which inlines its hit test for lookup_goto_ptr.
 *
 * A direct-mapped table of TCG_JC_SIZE entries per vCPU, indexed by the
 * guest's linear pc (tcg_jc_hash). An entry answers "where is the code
 * for pc now" from one 32-byte slot (two per cache line):
 *
 *   pc    the linear pc of the block
 *   key   a 64-bit word that must equal the one at env + key_offset:
 *         for Kite's x86 front end {hflags, jump-cache generation}
 *         (cpu/x86/tcg-cpu.h). The runtime stores TCG_JC_KEY_NONE in an
 *         entry the inline test must not take (block invalidated, not
 *         checked against the current mapping, or one the test cannot
 *         tell apart by pc and key alone).
 *   code  the block's code (executable view)
 *   tb    the runtime's block, for its own (slower) lookup
 *
 * Inline hit test for a target pc (lookup_goto_ptr, see tcg/ops.def):
 *
 *   e   = *(TCGJumpCacheEntry **)(env + table_offset) + tcg_jc_hash(pc)
 *   hit = e->pc == pc && e->key == *(uint64_t *)(env + key_offset)
 *   hit ? jump to e->code : call the runtime's lookup helper
 *
 * Only the owning vCPU writes pc, code and tb; another thread (a store
 * that invalidates a block) only ever stores TCG_JC_KEY_NONE into key.
 */
#ifndef KITE_TCG_JMP_CACHE_H
#define KITE_TCG_JMP_CACHE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "tcg/tlb.h"

#define TCG_JC_BITS       14
#define TCG_JC_SIZE       (1u << TCG_JC_BITS)
#define TCG_JC_KEY_NONE   UINT64_MAX

typedef struct TCGJumpCacheEntry {
    uint64_t pc;
    _Atomic uint64_t key;
    const void *code;
    _Atomic(void *) tb;
} TCGJumpCacheEntry;

_Static_assert(sizeof(TCGJumpCacheEntry) == 32,
               "the native backend scales the index by 32");
_Static_assert(offsetof(TCGJumpCacheEntry, key) == 8 &&
               offsetof(TCGJumpCacheEntry, code) == 16,
               "the native backend's inline test uses these offsets");

static inline unsigned tcg_jc_hash(uint64_t pc)
{
    return (unsigned)((pc >> TCG_PAGE_BITS) ^ pc) & (TCG_JC_SIZE - 1);
}

/*
 * Where the native backend finds the table and the key (offsets from
 * env); table_offset 0 turns the inline test off (lookup_goto_ptr then
 * always calls its helper).
 */
typedef struct TCGJumpCacheConfig {
    ptrdiff_t table_offset;     /* TCGJumpCacheEntry * (TCG_JC_SIZE) */
    ptrdiff_t key_offset;       /* uint64_t, 8-aligned */
} TCGJumpCacheConfig;

#endif
