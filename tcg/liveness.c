/*
 * TCG liveness: one backward pass over the op list that
 *   - deletes ops whose outputs are all dead and that have no side effects
 *     (this is what makes unused x86 flag computation free), and
 *   - records in each op's TCGLifeData which arguments die there and which
 *     outputs must be written back to memory right after it.
 *
 * State per temp while walking backwards (the state just after the op
 * being looked at):
 *   TS_DEAD  the value is not read later (a register copy may be dropped)
 *   TS_MEM   the value must be in its memory slot (env + offset for a
 *            global; the frame slot for a TB temp) at this point
 *
 * Rules:
 *   end of TB, exit_tb and goto_ptr: globals DEAD|MEM, everything else
 *   DEAD;
 *   other BB ends (br, goto_tb, and the fall-through into a label):
 *   globals and TB temps DEAD|MEM, EBB temps and constants DEAD;
 *   conditional branch: globals and TB temps gain MEM (the fall-through
 *   may keep using registers);
 *   (a TB temp that no block reads before writing it is treated as an
 *   EBB temp by both rules: its value never needs the frame slot);
 *   ops that may fault (qemu_ld/st) and helpers that read globals: globals
 *   gain MEM;
 *   helpers that may write globals: globals DEAD|MEM (synced before, host
 *   copies stale after);
 *   an output: DEAD bit if its state is DEAD, SYNC bit if MEM; the temp
 *   is then DEAD before the op;
 *   an input: DEAD bit if its state is DEAD (last use); then live.
 * env (TEMP_FIXED) is always live.
 */
#include <string.h>

#include "tcg/tcg.h"

enum { TS_DEAD = 1, TS_MEM = 2 };

/*
 * The states every temp takes at the block ends, computed once per TB:
 * bb_end[i] at an unconditional block end, func_end[i] at the end of the
 * TB, bb_end[i] & TS_MEM added at a conditional branch. A TB temp that
 * never carries a value from one block to another (la_find_local_temps)
 * is treated like an EBB temp.
 */
typedef struct LaEnds {
    uint8_t bb_end[TCG_MAX_TEMPS];
    uint8_t bb_sync[TCG_MAX_TEMPS];
    uint8_t func_end[TCG_MAX_TEMPS];
} LaEnds;

static void la_ends_init(TCGContext *s, const bool *local, LaEnds *e)
{
    for (unsigned i = 0; i < s->nb_temps; i++) {
        TCGTempKind k = s->temps[i].kind;
        bool mem = k == TEMP_GLOBAL || (k == TEMP_TB && !local[i]);

        e->bb_end[i] = mem ? TS_DEAD | TS_MEM : TS_DEAD;
        e->bb_sync[i] = mem ? TS_MEM : 0;
        e->func_end[i] = k == TEMP_GLOBAL ? TS_DEAD | TS_MEM : TS_DEAD;
    }
    /* env (TEMP_FIXED, temp 0) is always live */
    e->bb_end[0] = e->bb_sync[0] = e->func_end[0] = 0;
}

static void la_bb_end(TCGContext *s, const LaEnds *e, uint8_t *st)
{
    memcpy(st, e->bb_end, s->nb_temps);
}

/* End of the TB (and exit_tb, goto_ptr): only globals outlive it. */
static void la_func_end(TCGContext *s, const LaEnds *e, uint8_t *st)
{
    memcpy(st, e->func_end, s->nb_temps);
}

static void la_bb_sync(TCGContext *s, const LaEnds *e, uint8_t *st)
{
    for (unsigned i = 0; i < s->nb_temps; i++) {
        st[i] |= e->bb_sync[i];
    }
}

static void la_global_sync(TCGContext *s, uint8_t *st)
{
    for (unsigned i = 1; i < s->nb_globals; i++) {
        st[i] |= TS_MEM;
    }
}

static void la_global_kill(TCGContext *s, uint8_t *st)
{
    for (unsigned i = 1; i < s->nb_globals; i++) {
        st[i] = TS_DEAD | TS_MEM;
    }
}

static bool la_outputs_dead(const TCGOp *op, unsigned no, const uint8_t *st)
{
    for (unsigned i = 0; i < no; i++) {
        if (st[op->args[i]] != TS_DEAD) {
            return false;
        }
    }
    return true;
}

static TCGLifeData la_outputs(TCGContext *s, TCGOp *op, unsigned no,
                              uint8_t *st)
{
    TCGLifeData life = 0;

    for (unsigned i = 0; i < no; i++) {
        TCGArg a = op->args[i];
        if (st[a] & TS_DEAD) {
            life |= TCG_LIFE_DEAD(i);
        }
        if (st[a] & TS_MEM) {
            life |= TCG_LIFE_SYNC(i);
        }
        st[a] = s->temps[a].kind == TEMP_FIXED ? 0 : TS_DEAD;
    }
    return life;
}

static TCGLifeData la_inputs(TCGContext *s, TCGOp *op, unsigned no,
                             unsigned ni, uint8_t *st)
{
    TCGLifeData life = 0;

    for (unsigned i = no; i < no + ni; i++) {
        TCGArg a = op->args[i];
        if (st[a] & TS_DEAD) {
            life |= TCG_LIFE_DEAD(i);
        }
        st[a] &= ~TS_DEAD;
    }
    return life;
}

static void la_call_effects(TCGContext *s, const TCGOp *op, uint8_t *st)
{
    uint32_t hf = tcg_call_info(op)->flags;

    if (!(hf & TCG_CALL_NO_WRITE_GLOBALS)) {
        la_global_kill(s, st);
    } else if (!(hf & TCG_CALL_NO_READ_GLOBALS)) {
        la_global_sync(s, st);
    }
}

/* Handles one op; returns false when the op was deleted. */
static bool la_op(TCGContext *s, const LaEnds *e, TCGOp *op, uint8_t *st)
{
    uint32_t flags = tcg_op_flags(op);
    unsigned no = tcg_op_nb_oargs(op), ni = tcg_op_nb_iargs(op);
    TCGLifeData life;

    if (op->opc == INDEX_op_discard) {
        st[op->args[0]] = TS_DEAD;
        op->life = 0;
        return true;
    }
    if (flags & TCG_OPF_EXIT) {
        la_func_end(s, e, st);
    } else if (flags & TCG_OPF_BB_END) {
        if (flags & TCG_OPF_COND_BRANCH) {
            la_bb_sync(s, e, st);
        } else {
            la_bb_end(s, e, st);
        }
    }
    if (no && !(flags & TCG_OPF_SIDE_EFFECTS) && la_outputs_dead(op, no, st)) {
        tcg_op_remove(s, op);
        return false;
    }
    life = la_outputs(s, op, no, st);
    if (op->opc == INDEX_op_call) {
        la_call_effects(s, op, st);
    } else if (flags & TCG_OPF_MAY_FAULT) {
        la_global_sync(s, st);
    }
    life |= la_inputs(s, op, no, ni, st);
    op->life = life;
    return true;
}

/* Ops after which the backend keeps no value in a register. */
static bool la_is_region_end(const TCGOp *op)
{
    uint32_t flags = tcg_op_flags(op);

    return (flags & TCG_OPF_BB_END) && !(flags & TCG_OPF_COND_BRANCH);
}

/*
 * Finds the TB temps that never carry a value across a block boundary:
 * they need no memory slot at block ends. A region runs from one label,
 * unconditional branch, goto_tb or exit to the next (conditional branches
 * stay inside it, as for EBB temps); a TB temp keeps its memory only when
 * some region reads it before writing it (the value then comes from
 * another region).
 */
static void la_find_local_temps(TCGContext *s, bool *local)
{
    uint32_t written[TCG_MAX_TEMPS];
    uint32_t region = 1;

    memset(written, 0, s->nb_temps * sizeof(written[0]));
    memset(local, true, s->nb_temps * sizeof(local[0]));
    TCG_FOREACH_OP(s, op) {
        unsigned no = tcg_op_nb_oargs(op), ni = tcg_op_nb_iargs(op);

        for (unsigned i = no; i < no + ni; i++) {
            if (written[op->args[i]] != region) {
                local[op->args[i]] = false;
            }
        }
        for (unsigned i = 0; i < no; i++) {
            written[op->args[i]] = region;
        }
        if (la_is_region_end(op)) {
            region++;
        }
    }
}

void tcg_liveness(TCGContext *s)
{
    uint8_t *st = s->live_state;
    TCGOp *op = s->ops_head.prev;
    bool local[TCG_MAX_TEMPS];
    LaEnds e;

    la_find_local_temps(s, local);
    la_ends_init(s, local, &e);
    la_func_end(s, &e, st);
    while (op != &s->ops_head) {
        TCGOp *prev = op->prev;
        la_op(s, &e, op, st);
        op = prev;
    }
}
