/*
 * Breakpoints and watchpoints under TCG: the guest's debug registers
 * (SDM Vol. 3, 17.2-17.3) and the debugger's points (accel/debug.h) share
 * one mechanism, which costs nothing where no point is set.
 *
 *  - Execute breakpoints are looked up when an instruction is translated:
 *    only an instruction at a breakpoint gets a call to helper_debug_bp,
 *    which stops for the debugger or raises the #DB fault (B0-B3 in DR6)
 *    unless RFLAGS.RF is set. The translator clears RF after the first
 *    instruction of a block that starts with it (cpu/x86/translate.c).
 *  - Data breakpoints and watchpoints flag the soft-TLB entries of the
 *    pages they cover (TLB_WATCH), so only accesses to those pages take
 *    the slow path that calls tcg_debug_watch. A hit from generated code
 *    rewinds to the start of the instruction and runs it again alone
 *    (replay), recording every hit; after it the exec loop raises the #DB
 *    trap or stops for the debugger (tcg_debug_deliver). A hit from a
 *    helper (which cannot be rewound) is delivered when the block ends.
 *  - I/O breakpoints (CR4.DE, RW=10) are checked by the port helpers;
 *    while one is set an IN ends its block, so the trap follows the
 *    instruction.
 *
 * The set is rebuilt (tcg_debug_sync) at vcpu_run entry when the debugger
 * changed its points (VCPU.debug_dirty) or a MOV DR changed DR0-DR3/DR7:
 * an execute breakpoint that came or went invalidates the translations of
 * its byte (all of this vCPU's when its address is not mapped now), a
 * change of I/O breakpoints flushes them all, new watchpoints flush the
 * soft TLB. Writes that leave the breakpoints as they were
 * (Linux clears DR7 on every CPU at boot) flush nothing.
 */
#include <string.h>

#include "accel/tcg/tcg-internal.h"

#define DR7_GD   (1u << 13)

/* ---- building the set ---- */

static unsigned dr7_rw(uint64_t dr7, int n)
{
    return (unsigned)(dr7 >> (16 + 4 * n)) & 3;
}

/* LEN field: 00 1 byte, 01 2, 11 4, 10 8 */
static uint64_t dr7_len(uint64_t dr7, int n)
{
    static const uint8_t len[4] = { 1, 2, 8, 4 };
    return len[(dr7 >> (18 + 4 * n)) & 3];
}

static void dbg_add(TCGWatch *tab, int *n, int max, TCGWatch w)
{
    if (*n < max) {
        tab[(*n)++] = w;
    }
}

static void dbg_add_guest(TCGDebug *g, const X86CPUState *st)
{
    uint64_t dr7 = st->dr[7];

    for (int n = 0; n < 4; n++) {
        uint64_t len = dr7_len(dr7, n);
        TCGWatch w = { .addr = st->dr[n], .len = 1, .dr = (int8_t)n };

        if (!((dr7 >> (2 * n)) & 3)) {
            continue;
        }
        switch (dr7_rw(dr7, n)) {
        case 0:
            dbg_add(g->bp, &g->nbp, TCG_DEBUG_MAX, w);
            break;
        case 2:
            if (st->cr4 & CR4_DE) {
                w.addr &= 0xffff & ~(len - 1);
                w.len = len;
                dbg_add(g->io, &g->nio, 4, w);
            }
            break;
        default:
            w.addr &= ~(len - 1);
            w.len = len;
            w.reads = dr7_rw(dr7, n) == 3;
            dbg_add(g->wp, &g->nwp, TCG_DEBUG_MAX, w);
            break;
        }
    }
}

static void dbg_add_debugger(TCGDebug *g, const DebugPoints *dp)
{
    for (int i = 0; dp && i < dp->n; i++) {
        const DebugPoint *p = &dp->p[i];
        TCGWatch w = { .addr = p->addr, .len = p->len, .dr = -1,
                       .type = (uint8_t)p->type,
                       .reads = p->type != DEBUG_WP_WRITE };

        if (debug_point_is_watch(p->type)) {
            dbg_add(g->wp, &g->nwp, TCG_DEBUG_MAX, w);
        } else {
            w.len = 1;
            dbg_add(g->bp, &g->nbp, TCG_DEBUG_MAX, w);
        }
    }
}

static void dbg_key(const X86CPUState *st, uint64_t key[6])
{
    for (int i = 0; i < 4; i++) {
        key[i] = st->dr[i];
    }
    key[4] = st->dr[7] & 0xffff00ffull;     /* enables, RW and LEN */
    key[5] = st->cr4 & CR4_DE;
}

static bool dbg_same(const TCGWatch *a, int na, const TCGWatch *b, int nb)
{
    return na == nb && !memcmp(a, b, (size_t)na * sizeof(*a));
}

/* Whether bp holds an execute breakpoint at addr. */
static bool dbg_has_bp(const TCGWatch *bp, int n, uint64_t addr)
{
    for (int i = 0; i < n; i++) {
        if (bp[i].addr == addr) {
            return true;
        }
    }
    return false;
}

/*
 * Drops the translations of the instructions whose breakpoint came or
 * went, through the current mapping; where an address is not mapped (a
 * block of another address space may hold it), all of this vCPU's.
 */
static void dbg_invalidate_bps(TCGVcpu *v, const TCGDebug *a,
                               const TCGDebug *b)
{
    for (int pass = 0; pass < 2; pass++) {
        const TCGDebug *x = pass ? b : a, *y = pass ? a : b;
        for (int i = 0; i < x->nbp; i++) {
            uint64_t paddr;
            if (dbg_has_bp(y->bp, y->nbp, x->bp[i].addr)) {
                continue;
            }
            if (tlb_code_phys(v, x->bp[i].addr, false, &paddr)) {
                tb_flush(v);
                return;
            }
            tb_invalidate_phys_range(v->tm, paddr, 1, NULL, NULL);
        }
    }
}

static void dbg_rebuild(TCGVcpu *v)
{
    CPUX86TCG *env = v->env;
    TCGDebug *g = &v->dbg;
    TCGDebug n;

    memset(&n, 0, sizeof(n));
    dbg_key(&env->st, n.dr_key);
    dbg_add_debugger(&n, env->machine ? env->machine->debug_points : NULL);
    dbg_add_guest(&n, &env->st);
    if (!dbg_same(n.io, n.nio, g->io, g->nio)) {
        tb_flush(v);
    } else if (!dbg_same(n.bp, n.nbp, g->bp, g->nbp)) {
        dbg_invalidate_bps(v, g, &n);
    }
    if (!dbg_same(n.wp, n.nwp, g->wp, g->nwp)) {
        x86_tlb_flush(env);
    }
    memcpy(g->bp, n.bp, sizeof(n.bp));
    memcpy(g->wp, n.wp, sizeof(n.wp));
    memcpy(g->io, n.io, sizeof(n.io));
    memcpy(g->dr_key, n.dr_key, sizeof(n.dr_key));
    g->nbp = n.nbp;
    g->nwp = n.nwp;
    g->nio = n.nio;
}

void tcg_debug_sync(TCGVcpu *v)
{
    if (atomic_load_explicit(&v->cpu->debug_dirty, memory_order_relaxed) &&
        atomic_exchange(&v->cpu->debug_dirty, false)) {
        dbg_rebuild(v);
    }
}

/* MOV to DR0-DR3 or DR7: leave the block and rebuild if they changed. */
void x86_debug_dr_written(CPUX86TCG *env)
{
    TCGVcpu *v = tcg_vcpu(env);
    uint64_t key[6];

    if (!v) {
        return;
    }
    dbg_key(&env->st, key);
    if (memcmp(key, v->dbg.dr_key, sizeof(key))) {
        atomic_store(&v->cpu->debug_dirty, true);
        atomic_store(&v->cpu->exit_request, true);
    }
}

/* ---- execute breakpoints ---- */

bool x86_debug_bp_at(CPUX86TCG *env, uint64_t pc)
{
    TCGVcpu *v = tcg_vcpu(env);

    for (int i = 0; v && i < v->dbg.nbp; i++) {
        if (v->dbg.bp[i].addr == pc) {
            return true;
        }
    }
    return false;
}

static uint64_t dbg_linear_pc(const CPUX86TCG *env)
{
    if (env->hflags & HF_CODE64) {
        return env->st.rip;
    }
    return (uint32_t)(env->st.segs[R_CS].base + env->st.rip);
}

/* Called before an instruction at a breakpoint; RIP is exact. */
void helper_debug_bp(CPUX86TCG *env)
{
    TCGVcpu *v = tcg_vcpu(env);
    uint64_t pc = dbg_linear_pc(env);
    uint32_t hit = 0;

    for (int i = 0; i < v->dbg.nbp; i++) {
        const TCGWatch *w = &v->dbg.bp[i];
        if (w->addr != pc) {
            continue;
        }
        if (w->dr < 0) {
            v->cpu->debug_stop = DEBUG_STOP_BREAK;
            x86_raise_exception(env, EXCP_DEBUG, 0);
        }
        hit |= 1u << w->dr;
    }
    if (hit && !(env->st.rflags & RF_RF)) {
        env->st.dr[6] = (env->st.dr[6] & ~0xfull) | hit;
        x86_raise_exception(env, EXCP_DB, 0);
    }
}

/* ---- watchpoints ---- */

uint64_t tcg_debug_tlb_flags(TCGVcpu *v, uint64_t vpage, bool write)
{
    for (int i = 0; i < v->dbg.nwp; i++) {
        const TCGWatch *w = &v->dbg.wp[i];
        if ((write || w->reads) && vpage <= w->addr + w->len - 1 &&
            w->addr <= vpage + TCG_PAGE_SIZE - 1) {
            return TLB_WATCH;
        }
    }
    return 0;
}

static void dbg_record_gdb(TCGDebug *g, const TCGWatch *w, uint64_t vaddr)
{
    if (!g->gdb_hit) {
        g->gdb_hit = true;
        g->gdb_type = w->type;
        g->gdb_addr = w->addr > vaddr ? w->addr : vaddr;
    }
}

void tcg_debug_watch(CPUX86TCG *env, uint64_t vaddr, unsigned size,
                     bool write, uintptr_t ra)
{
    TCGVcpu *v = tcg_vcpu(env);
    TCGDebug *g = &v->dbg;
    uint32_t dr6 = 0;
    bool gdb = false;

    for (int i = 0; i < g->nwp; i++) {
        const TCGWatch *w = &g->wp[i];
        if ((!write && !w->reads) || vaddr > w->addr + w->len - 1 ||
            w->addr > vaddr + size - 1) {
            continue;
        }
        if (w->dr >= 0) {
            dr6 |= 1u << w->dr;
        } else if (g->replay || !ra) {
            dbg_record_gdb(g, w, vaddr);
        }
        gdb |= w->dr < 0;
    }
    if (!dr6 && !gdb) {
        return;
    }
    if (!g->replay && ra) {
        /* from generated code: run the instruction again, alone */
        cpu_restore_state(env, ra, NULL);
        g->replay_next = true;
        v->oneshot_next = true;
        env->exception_index = -1;
        siglongjmp(env->jmp_env, 1);
    }
    g->pending_dr6 |= dr6;
    g->pending = true;
    if (!g->replay) {
        /* from a helper: after this block */
        atomic_store(&v->cpu->exit_request, true);
        tb_unchain_all(v);
    }
}

void tcg_debug_replay_abort(TCGVcpu *v)
{
    TCGDebug *g = &v->dbg;

    if (!g->replay) {
        return;
    }
    g->replay = false;
    /* the instruction did not complete: only a #DB (TF) takes the hits */
    if (v->env->exception_index != EXCP_DB) {
        g->pending_dr6 = 0;
        g->gdb_hit = false;
        g->pending = false;
    }
}

bool tcg_debug_deliver(TCGVcpu *v)
{
    CPUX86TCG *env = v->env;
    TCGDebug *g = &v->dbg;

    g->pending = false;
    if (g->pending_dr6) {
        env->st.dr[6] = (env->st.dr[6] & ~0xfull) | g->pending_dr6;
        g->pending_dr6 = 0;
        if (env->exception_index < 0) {
            env->exception_index = EXCP_DB;
            env->error_code = 0;
            env->exception_is_int = false;
        }
    }
    if (g->gdb_hit) {
        g->gdb_hit = false;
        v->cpu->debug_stop = DEBUG_STOP_WATCH;
        v->cpu->watch_type = g->gdb_type;
        v->cpu->watch_addr = g->gdb_addr;
        return true;
    }
    return false;
}

/* ---- I/O breakpoints ---- */

bool x86_debug_io_active(CPUX86TCG *env)
{
    TCGVcpu *v = tcg_vcpu(env);

    return v && v->dbg.nio;
}

void x86_debug_io(CPUX86TCG *env, uint32_t port, unsigned size)
{
    TCGVcpu *v = tcg_vcpu(env);
    TCGDebug *g;

    if (!v || !v->dbg.nio) {
        return;
    }
    g = &v->dbg;
    for (int i = 0; i < g->nio; i++) {
        const TCGWatch *w = &g->io[i];
        if (port <= w->addr + w->len - 1 && w->addr <= port + size - 1) {
            g->pending_dr6 |= 1u << w->dr;
            g->pending = true;
        }
    }
}

/* ---- DR7.GD ---- */

/*
 * General detect (17.2.4): with DR7.GD set, any MOV DR raises a #DB fault
 * with DR6.BD; GD is cleared so the handler can use the registers.
 */
void x86_debug_check_gd(CPUX86TCG *env)
{
    if (env->st.dr[7] & DR7_GD) {
        /* BD is bit 13 too; B0-B3 report this #DB only */
        env->st.dr[6] = (env->st.dr[6] & ~0xfull) | DR7_GD;
        env->st.dr[7] &= ~(uint64_t)DR7_GD;
        x86_raise_exception(env, EXCP_DB, 0);
    }
}
