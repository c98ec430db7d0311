/*
 * Internal state of the TCG accelerator, shared by its files:
 *   tb-maint.c   translation blocks: per-vCPU hash table and jump cache,
 *                machine-wide physical page tracking, invalidation,
 *                chaining, flush
 *   softmmu.c    soft TLB fill, slow paths, x86_ld/x86_st, code fetch
 *   excp.c       exceptions raised from helpers and slow paths (unwind)
 *   cpu-exec.c   the exec loop
 *   tcg-accel.c  the AccelOps "tcg"
 *
 * Ownership and locking:
 *   - Each vCPU has its own TCGContext (code buffer), so a TB belongs to
 *     one vCPU and is only run, chained to or flushed by it.
 *   - Physical pages holding code are tracked machine-wide (TCGMachine),
 *     so a store by any vCPU invalidates the TBs of every vCPU.
 *   - TCGMachine.lock protects the page table, every vCPU's TB hash
 *     table, jump lists and chained list, and soft-TLB fills (so that a
 *     page turning into a code page cannot race with a fill). It is never
 *     held across a guest exception (siglongjmp) or device code, and is
 *     taken after Machine.lock when both are needed.
 *   - The jump cache is read without the lock by its vCPU, in C and by
 *     the inline test of generated code; invalidation (any thread) marks
 *     TBs invalid, then turns their entries' keys to TCG_JC_KEY_NONE; the
 *     owner re-reads `invalid` after it fills an entry (tb_jc_set), so an
 *     invalid TB never stays in an entry generated code can take.
 */
#ifndef KITE_ACCEL_TCG_INTERNAL_H
#define KITE_ACCEL_TCG_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include "accel/accel.h"
#include "accel/debug.h"
#include "accel/tcg/tcg-accel.h"
#include "cpu/x86/disas.h"
#include "cpu/x86/tcg-cpu.h"
#include "cpu/x86/tcg-translate.h"
#include "hw/pc/pc.h"
#include "tcg/tcg.h"

#define TB_HASH_BITS      15
#define TB_HASH_SIZE      (1u << TB_HASH_BITS)
#define TB_JMP_CACHE_SIZE TCG_JC_SIZE
#define TB_MAX_DEFAULT    (64u * 1024)
#define PAGE_HASH_BITS    12
#define PAGE_HASH_SIZE    (1u << PAGE_HASH_BITS)
#define TB_NO_PAGE        UINT64_MAX
#define TB_GEN_BYTES      (2 * TCG_PAGE_SIZE)
#define TB_TWO_PAGE_IN_MAX 256

/* TB cflags */
enum {
    CF_ONESHOT = 1u << 0,   /* one instruction after SMC: not cached */
};

typedef struct TCGVcpu TCGVcpu;
typedef struct TranslationBlock TranslationBlock;

struct TranslationBlock {
    /* what every jump-cache hit reads (key, pages for tb_mapped, code
       pointer): the first 56 bytes */
    uint64_t pc;                /* linear address */
    uint64_t cs_base;
    uint32_t flags;             /* hflags */
    uint32_t cflags;
    atomic_bool invalid;
    /* physical pages covered and the byte range [start, end) in each */
    uint64_t page_addr[2];
    uint64_t mapped_gen;        /* owner's map_gen when tb_mapped held */
    TCGCodeInfo code;

    uint32_t size;              /* guest bytes */
    uint32_t icount;
    uint64_t phys_pc;
    uint64_t page_start[2], page_end[2];
    TCGVcpu *owner;

    TranslationBlock *hash_next;
    uintptr_t page_next[2];     /* tagged (tb | n) list of a PageDesc */
    /* chaining: jmp_dest[n] is where slot n jumps; jmp_in lists the
       (tb | n) jumping here, linked through the source's jmp_in_next[n] */
    TranslationBlock *jmp_dest[2];
    uintptr_t jmp_in;
    uintptr_t jmp_in_next[2];
    bool in_chained_list;
    bool in_two_page_list;
};

typedef struct PageDesc {
    uint64_t addr;              /* physical page address */
    struct PageDesc *next;
    uintptr_t first_tb;         /* tagged (tb | n) */
} PageDesc;

typedef struct TCGMachine {
    Machine *m;
    pthread_mutex_t lock;
    PageDesc *pages[PAGE_HASH_SIZE];
    TCGVcpu *vcpus[PC_MAX_CPUS];
    int nvcpus;
    unsigned max_tbs;           /* per vCPU */
    atomic_bool native_note;
} TCGMachine;

/*
 * Breakpoints and watchpoints in force on one vCPU (debug.c): the guest's
 * DR0-DR3 as DR7 enables them, and the debugger's points. Rebuilt when
 * either changes; execute breakpoints are looked up at translation time,
 * watchpoints flag their pages in the soft TLB (TLB_WATCH).
 */
#define TCG_DEBUG_MAX (DEBUG_POINTS_MAX + 4)

typedef struct TCGWatch {
    uint64_t addr, len;
    bool reads;                 /* reads trigger it too */
    int8_t dr;                  /* 0-3: the guest's DRn; -1: the debugger's */
    uint8_t type;               /* DebugPointType (the debugger's) */
} TCGWatch;

typedef struct TCGDebug {
    TCGWatch bp[TCG_DEBUG_MAX];     /* execute breakpoints (len 1) */
    int nbp;
    TCGWatch wp[TCG_DEBUG_MAX];     /* data breakpoints and watchpoints */
    int nwp;
    TCGWatch io[4];                 /* I/O breakpoints (CR4.DE, RW=10) */
    int nio;
    uint64_t dr_key[6];             /* DR0-DR3, DR7, CR4.DE they came from */
    /* a hit: the instruction is re-run alone (replay) and the #DB or the
       debugger's stop comes after it (pending) */
    bool replay_next, replay, pending;
    uint32_t pending_dr6;           /* B0-B3 */
    bool gdb_hit;
    uint8_t gdb_type;
    uint64_t gdb_addr;
} TCGDebug;

#define TLB_FILLED_MAX    512

typedef struct TLBExtra {
    uint64_t vpage;             /* TB_NO_PAGE when the entry is unused */
    uint64_t ppage;             /* physical page */
    bool global;                /* every fill of it was global: MOV CR3 keeps it */
    uint8_t page_shift;         /* log2 of the guest page it was cut from */
} TLBExtra;

struct TCGVcpu {
    VCPU *cpu;
    CPUX86TCG *env;
    TCGMachine *tm;
    TCGContext *s;
    X86TCGGlobals *g;

    /* TBs, in code-buffer order */
    TranslationBlock *tbs;
    unsigned nb_tbs, max_tbs;
    TranslationBlock *hash[TB_HASH_SIZE];
    /* jump cache (tcg/jmp-cache.h), also at env->jmp_cache; its entries
       count for generated code while their key matches env's {hflags,
       jc_gen}: see tb_jc_update_gen */
    TCGJumpCacheEntry *jmp_cache;
    TranslationBlock **chained;
    unsigned nb_chained;
    /* TBs with code in a second page that chained jumps lead to: a TLB
       flush unchains their incoming jumps (a jump would bypass that
       page's mapping); on overflow of the list, every chain goes */
    TranslationBlock *two_page_in[TB_TWO_PAGE_IN_MAX];
    unsigned nb_two_page_in;
    bool two_page_overflow;

    TLBExtra tlb_extra[MMU_NB_MODES][TCG_TLB_ENTRIES];
    unsigned tlb_used;          /* MMU indexes filled since the last flush */
    unsigned tlb_global;        /* MMU indexes that may hold global entries */
    /* per MMU index, the entries that became non-global since its last
       flush, as long as there are at most TLB_FILLED_MAX (a flush then
       visits only those; beyond, every entry) */
    uint16_t tlb_filled[MMU_NB_MODES][TLB_FILLED_MAX];
    unsigned tlb_nfilled[MMU_NB_MODES];
    /* per MMU index, the range [lo, hi] of guest pages larger than 4 KiB
       that entries were cut from since its last full flush (lo > hi: none) */
    uint64_t tlb_large_lo[MMU_NB_MODES], tlb_large_hi[MMU_NB_MODES];
    atomic_bool tlb_flush_pending;

    /* TB being translated */
    struct {
        bool active;
        uint64_t pc;
        uint64_t vpage[2], ppage[2];
        int npages;
        uint8_t bytes[TB_GEN_BYTES];
    } gen;

    /* exec loop: the TB that just left through a direct-jump slot, and
       where that jump leads (CS:RIP, cs_base, hflags, mapping generation
       when it left); NULL once anything else changed the flow */
    TranslationBlock *last_tb;
    int last_exit;
    uint64_t last_pc, last_cs_base;
    uint32_t last_flags;
    uint64_t last_map_gen;
    uint64_t map_gen;           /* bumped by every TLB flush (softmmu.c) */
    bool oneshot_next;          /* next TB: one instruction, uncached */
    bool wait_sipi;
    /*
     * An external interrupt another accelerator had acknowledged but not
     * delivered yet (X86CPUState.interrupt_vector, from set_state): taken
     * before anything else, or -1.
     */
    int inject_vector;
    bool log_tbs;               /* LOG_EXEC/LOG_CPU: every TB via the loop */
    /* an interrupt was pending and allowed (IF=1) but not taken when the
       loop last looked: indirect branches ask lookup_tb_ptr, which sends
       them back to the loop, until it looks again */
    bool irq_hold;
    X86Disas disas;
    bool disas_ok;
    TCGDebug dbg;
};

static inline TCGVcpu *tcg_vcpu(CPUX86TCG *env)
{
    return env->tcg;
}

/* ---- tb-maint.c ---- */
void tb_machine_init(TCGMachine *tm, Machine *m);
void tb_machine_destroy(TCGMachine *tm);
void tb_vcpu_init(TCGVcpu *v, TCGMachine *tm, unsigned max_tbs);
void tb_vcpu_destroy(TCGVcpu *v);
/* The next free TB slot (not yet committed), or NULL when full. */
TranslationBlock *tb_reserve(TCGVcpu *v);
void tb_commit(TCGVcpu *v, TranslationBlock *tb);
/* Enters a committed TB in the hash table and the page lists. */
void tb_link(TCGVcpu *v, TranslationBlock *tb);
TranslationBlock *tb_htable_lookup(TCGVcpu *v, uint64_t phys_pc, uint64_t pc,
                                   uint64_t cs_base, uint32_t flags);
/*
 * Invalidates every TB (of any vCPU) with code in [paddr, paddr+len).
 * Returns the number invalidated; *hit is set when `cur` was one of them.
 * Takes the lock.
 */
unsigned tb_invalidate_phys_range(TCGMachine *tm, uint64_t paddr,
                                  uint64_t len, const TranslationBlock *cur,
                                  bool *hit);
bool tb_page_has_code_locked(TCGMachine *tm, uint64_t ppage);
/* Chains slot n of src to dst unless either is gone or an exit is asked. */
void tb_add_jump(TCGVcpu *v, TranslationBlock *src, int n,
                 TranslationBlock *dst);
/* Removes every chained jump of v's TBs (kick). Takes the lock. */
void tb_unchain_all(TCGVcpu *v);
/* Removes the chained jumps into TBs with a second page. Takes the lock. */
void tb_unchain_two_page(TCGVcpu *v);
/* Drops every TB of v and empties its code buffer. Takes the lock. */
void tb_flush(TCGVcpu *v);
void tb_jmp_cache_clear(TCGVcpu *v);
/* The TB the jump-cache entry of pc names (maybe another pc's), or NULL. */
TranslationBlock *tb_jc_get(TCGVcpu *v, uint64_t pc);
/*
 * Enters tb, checked against the current mapping, in the jump cache; the
 * inline test of generated code takes it until the next TLB flush.
 */
void tb_jc_set(TCGVcpu *v, TranslationBlock *tb);
/* env->jc_gen after a change of v->log_tbs or v->irq_hold. */
void tb_jc_update_gen(TCGVcpu *v);
/* After a TLB flush (map_gen bumped): a new generation. */
void tb_jc_new_gen(TCGVcpu *v);
/* The TB whose code contains host address host, or NULL. */
TranslationBlock *tb_find_by_host(TCGVcpu *v, uintptr_t host);
static inline unsigned tb_jmp_cache_hash(uint64_t pc)
{
    return tcg_jc_hash(pc);
}

/* ---- softmmu.c ---- */
extern const TCGRuntime tcg_x86_runtime;
/* Empties v's soft TLB bookkeeping (at creation). */
void tlb_init(TCGVcpu *v);
void tlb_flush_all(TCGVcpu *v);
/* Marks write entries of ppage in every vCPU TLB as NOTDIRTY (lock held). */
void tlb_mark_code_page_locked(TCGMachine *tm, uint64_t ppage);
/*
 * Physical address of the code at linear pc; raises #PF/#GP when raise
 * is set, else returns a fault code (non-zero) without raising.
 */
int64_t tlb_code_phys(TCGVcpu *v, uint64_t pc, bool raise, uint64_t *paddr);
/* Whether the soft TLB maps code at linear pc now (no walk); its page. */
static inline bool tlb_code_probe(TCGVcpu *v, uint64_t pc, uint64_t *ppage)
{
    CPUX86TCG *env = v->env;
    int mmu_idx = x86_cpl(env) == 3 ? MMU_USER_IDX : MMU_KNOSMAP_IDX;
    unsigned idx = (pc >> TCG_PAGE_BITS) & TCG_TLB_MASK;
    uint64_t tag = env->tlb.table[mmu_idx][idx].addr_code;

    if ((tag & TLB_INVALID) || ((tag ^ pc) & TCG_PAGE_MASK)) {
        return false;
    }
    *ppage = v->tlb_extra[mmu_idx][idx].ppage;
    return true;
}
int x86_code_mmu_index(const CPUX86TCG *env);

/* ---- debug.c ---- */
/* env->exception_index that stops the vCPU for the debugger */
#define EXCP_DEBUG 0x101
/* Re-reads the points if the debugger or a MOV DR changed them. */
void tcg_debug_sync(TCGVcpu *v);
/* TLB_WATCH when a watchpoint covers part of the page (for writes, or
   for reads when read is set); tm->lock held. */
uint64_t tcg_debug_tlb_flags(TCGVcpu *v, uint64_t vpage, bool write);
/* An access of size bytes at vaddr on a TLB_WATCH page. */
void tcg_debug_watch(CPUX86TCG *env, uint64_t vaddr, unsigned size,
                     bool write, uintptr_t ra);
/* A pending #DB or debugger stop after an instruction; true: stop. */
bool tcg_debug_deliver(TCGVcpu *v);
/* The run left through siglongjmp during a replay. */
void tcg_debug_replay_abort(TCGVcpu *v);

/* ---- excp.c ---- */
/* Rewinds env to the start of the guest instruction at ra; its TB or NULL. */
TranslationBlock *cpu_restore_state(CPUX86TCG *env, uintptr_t ra,
                                    int *insn_idx);
/* The host address inside generated code that ra stands for, or 0. */
uintptr_t tcg_host_pc(TCGVcpu *v, uintptr_t ra);

/* ---- cpu-exec.c ---- */
VcpuExit tcg_cpu_exec(VCPU *cpu);
/* Whether the soft TLB maps tb's pages where they were translated now. */
bool tb_mapped(TCGVcpu *v, TranslationBlock *tb);

#endif
