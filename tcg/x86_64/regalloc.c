/*
 * Register allocation for the native x86-64 TCG backend: a local allocator
 * that walks the optimized op list once, in order, guided by the liveness
 * data of tcg/liveness.c (TCGLifeData DEAD/SYNC bits).
 *
 * Each temp is in one place at a time (X64TempState.loc): a host
 * register, its memory (env + mem_offset for a global, a frame slot for
 * other temps), a constant, or nowhere (dead). A value in a register may
 * be "coherent" (memory holds the same value) or dirty.
 *
 * Invariants:
 *   - every register holding a temp is recorded in reg_temp[];
 *   - at a basic-block end every global and every TB temp that another
 *     block reads is in memory and no register holds anything
 *     (x64_bb_end); liveness made the stores happen already through SYNC
 *     bits, x64_bb_sync only repeats them for globals left dirty;
 *   - registers used by the op being emitted are "locked" and never
 *     chosen to satisfy another allocation of the same op.
 * Registers run out -> the victim's value goes to memory (spill).
 */
#if defined(__x86_64__)   /* the host this backend emits code for */

#include <assert.h>

#include "tcg/x86_64/x86_64-emit.h"

/* allocation order: callee-saved first (they survive helper calls) */
static const int8_t x64_reg_order[] = {
    X64_RBX, X64_R12, X64_R13, X64_R14, X64_R15, X64_R10, X64_R9, X64_R8,
    X64_RDI, X64_RSI, X64_RDX, X64_RCX, X64_RAX,
};

void x64_ld_mem(X64Gen *g, bool is64, int reg, int base, int64_t off)
{
    int opc = OPC_MOVL_GvEv | x64_rexw(is64);

    if (x64_fits_s32(off)) {
        x64_modrm_mem(g, opc, reg, base, (int32_t)off);
    } else {
        x64_movi(g, X64_REG_TMP, (uint64_t)off);
        x64_modrm_sib(g, opc, reg, base, X64_REG_TMP, 0, 0);
    }
}

void x64_st_mem(X64Gen *g, bool is64, int reg, int base, int64_t off)
{
    int opc = OPC_MOVL_EvGv | x64_rexw(is64);

    if (x64_fits_s32(off)) {
        x64_modrm_mem(g, opc, reg, base, (int32_t)off);
    } else {
        x64_movi(g, X64_REG_TMP, (uint64_t)off);
        x64_modrm_sib(g, opc, reg, base, X64_REG_TMP, 0, 0);
    }
}

/* The memory home of a temp: env + offset, or a frame slot. */
static void x64_temp_home(X64Gen *g, TCGTemp *t, int *base, int64_t *off)
{
    X64TempState *ts = x64_ts(g, t);

    if (t->kind == TEMP_GLOBAL) {
        *base = X64_REG_ENV;
        *off = t->mem_offset;
        return;
    }
    if (ts->slot < 0) {
        /* one slot per temp index at most: cannot overflow the frame */
        assert(g->next_slot < X64_NB_SLOTS);
        ts->slot = (int32_t)g->next_slot++;
    }
    *base = X64_RSP;
    *off = (int64_t)ts->slot * 8;
}

void x64_ra_start(X64Gen *g)
{
    TCGContext *s = g->s;

    for (unsigned i = 0; i < s->nb_temps; i++) {
        X64TempState *ts = &g->ts[i];
        switch (s->temps[i].kind) {
        case TEMP_FIXED:
            ts->loc = LOC_REG;
            ts->reg = X64_REG_ENV;
            break;
        case TEMP_CONST:
            ts->loc = LOC_CONST;
            break;
        case TEMP_EBB:
            ts->loc = LOC_DEAD;
            break;
        default:
            ts->loc = LOC_MEM;
            break;
        }
        ts->coherent = true;
        ts->slot = -1;
    }
    for (int r = 0; r < X64_NB_REGS; r++) {
        g->reg_temp[r] = -1;
    }
    g->locked = 0;
    g->next_slot = 0;
}

static int x64_reg_find_free(X64Gen *g, uint16_t avoid)
{
    for (unsigned i = 0; i < ARRAY_SIZE(x64_reg_order); i++) {
        int r = x64_reg_order[i];
        if (!(avoid & X64_BIT(r)) && !(g->locked & X64_BIT(r)) &&
            g->reg_temp[r] < 0) {
            return r;
        }
    }
    return -1;
}

int x64_reg_alloc(X64Gen *g, uint16_t avoid)
{
    int r = x64_reg_find_free(g, avoid);

    if (r < 0) {
        /* spill: prefer caller-saved victims (cheaper to lose at calls) */
        for (int i = (int)ARRAY_SIZE(x64_reg_order) - 1; i >= 0; i--) {
            int v = x64_reg_order[i];
            if (!(avoid & X64_BIT(v)) && !(g->locked & X64_BIT(v))) {
                x64_temp_spill(g, &g->s->temps[g->reg_temp[v]]);
                r = v;
                break;
            }
        }
    }
    /* an op never locks more than a handful of registers */
    assert(r >= 0);
    g->locked |= X64_BIT(r);
    return r;
}

void x64_temp_bind(X64Gen *g, TCGTemp *t, int reg)
{
    X64TempState *ts = x64_ts(g, t);

    if (ts->loc == LOC_REG && ts->reg != reg) {
        g->reg_temp[ts->reg] = -1;
    }
    ts->loc = LOC_REG;
    ts->reg = (int8_t)reg;
    ts->coherent = false;
    g->reg_temp[reg] = (int16_t)t->index;
}

void x64_temp_release(X64Gen *g, TCGTemp *t)
{
    X64TempState *ts = x64_ts(g, t);

    if (t->kind == TEMP_FIXED) {
        return;
    }
    if (ts->loc == LOC_REG) {
        g->reg_temp[ts->reg] = -1;
    }
    switch (t->kind) {
    case TEMP_CONST:
        ts->loc = LOC_CONST;
        break;
    case TEMP_EBB:
        /* keep a spilled value; a dirty register copy dies with it */
        ts->loc = ts->slot >= 0 && (ts->loc == LOC_MEM || ts->coherent)
                  ? LOC_MEM : LOC_DEAD;
        break;
    default:
        ts->loc = LOC_MEM;
        break;
    }
}

void x64_temp_sync(X64Gen *g, TCGTemp *t)
{
    X64TempState *ts = x64_ts(g, t);
    int base;
    int64_t off;

    if (ts->loc != LOC_REG || ts->coherent || t->kind == TEMP_CONST ||
        t->kind == TEMP_FIXED) {
        return;
    }
    x64_temp_home(g, t, &base, &off);
    x64_st_mem(g, x64_is64(t), ts->reg, base, off);
    ts->coherent = true;
}

void x64_temp_spill(X64Gen *g, TCGTemp *t)
{
    x64_temp_sync(g, t);
    x64_temp_release(g, t);
}

void x64_temp_copy_to(X64Gen *g, TCGTemp *t, int reg)
{
    X64TempState *ts = x64_ts(g, t);
    int base;
    int64_t off;

    switch (ts->loc) {
    case LOC_REG:
        x64_mov_rr(g, true, reg, ts->reg);
        break;
    case LOC_CONST:
        x64_movi(g, reg, t->val);
        break;
    case LOC_MEM:
        x64_temp_home(g, t, &base, &off);
        x64_ld_mem(g, x64_is64(t), reg, base, off);
        break;
    default:
        break;                  /* dead: any value will do */
    }
}

int x64_temp_load(X64Gen *g, TCGTemp *t, uint16_t avoid)
{
    X64TempState *ts = x64_ts(g, t);
    int r;

    if (ts->loc == LOC_REG) {
        if (!(avoid & X64_BIT(ts->reg))) {
            g->locked |= X64_BIT(ts->reg);
            return ts->reg;
        }
        x64_reg_evict(g, ts->reg, avoid);
        ts = x64_ts(g, t);
        if (ts->loc == LOC_REG) {
            g->locked |= X64_BIT(ts->reg);
            return ts->reg;
        }
    }
    r = x64_reg_alloc(g, avoid);
    x64_temp_copy_to(g, t, r);
    {
        bool coherent = ts->loc != LOC_DEAD;
        x64_temp_bind(g, t, r);
        ts->coherent = coherent;
    }
    return r;
}

void x64_reg_evict(X64Gen *g, int reg, uint16_t avoid)
{
    int idx = g->reg_temp[reg];
    TCGTemp *t;
    int r2;

    if (idx < 0) {
        return;
    }
    t = &g->s->temps[idx];
    r2 = x64_reg_find_free(g, avoid | X64_BIT(reg));
    if (r2 < 0) {
        bool was_locked = g->locked & X64_BIT(reg);
        x64_temp_spill(g, t);
        if (was_locked) {
            g->locked &= ~X64_BIT(reg);
        }
        return;
    }
    {
        bool coherent = x64_ts(g, t)->coherent;
        x64_mov_rr(g, true, r2, reg);
        x64_temp_bind(g, t, r2);
        x64_ts(g, t)->coherent = coherent;
    }
    if (g->locked & X64_BIT(reg)) {
        g->locked = (uint16_t)((g->locked & ~X64_BIT(reg)) | X64_BIT(r2));
    }
}

void x64_sync_globals(X64Gen *g)
{
    for (unsigned i = 1; i < g->s->nb_globals; i++) {
        x64_temp_sync(g, &g->s->temps[i]);
    }
}

void x64_drop_globals(X64Gen *g)
{
    for (unsigned i = 1; i < g->s->nb_globals; i++) {
        TCGTemp *t = &g->s->temps[i];
        if (x64_ts(g, t)->loc == LOC_REG) {
            x64_temp_release(g, t);
        }
    }
}

/*
 * Globals left dirty are stored here as a safety net. TB temps are not:
 * liveness gives every TB temp that is read in another block a SYNC bit
 * where it is defined, and a dirty one reaching a block end is one that
 * no other block reads (tcg/liveness.c), so storing it would be wasted.
 */
void x64_bb_sync(X64Gen *g)
{
    for (int r = 0; r < X64_NB_REGS; r++) {
        int idx = g->reg_temp[r];
        if (idx >= 0) {
            TCGTemp *t = &g->s->temps[idx];
            if (t->kind == TEMP_GLOBAL) {
                x64_temp_sync(g, t);
            }
        }
    }
}

void x64_bb_end(X64Gen *g)
{
    TCGContext *s = g->s;

    x64_bb_sync(g);
    for (int r = 0; r < X64_NB_REGS; r++) {
        g->reg_temp[r] = -1;
    }
    for (unsigned i = 1; i < s->nb_temps; i++) {
        X64TempState *ts = &g->ts[i];
        switch (s->temps[i].kind) {
        case TEMP_CONST:
            ts->loc = LOC_CONST;
            break;
        case TEMP_EBB:
            ts->loc = LOC_DEAD;
            break;
        default:
            ts->loc = LOC_MEM;
            break;
        }
        ts->coherent = true;
    }
}

void x64_evict_caller_saved(X64Gen *g)
{
    for (int r = 0; r < X64_NB_REGS; r++) {
        if ((X64_CALLER_SAVED & X64_BIT(r)) && g->reg_temp[r] >= 0) {
            x64_reg_evict(g, r, X64_CALLER_SAVED);
        }
    }
}

uint16_t x64_live_caller_saved(X64Gen *g)
{
    uint16_t m = 0;

    for (int r = 0; r < X64_NB_REGS; r++) {
        if ((X64_CALLER_SAVED & X64_BIT(r)) && g->reg_temp[r] >= 0) {
            m |= X64_BIT(r);
        }
    }
    return m;
}

#endif
