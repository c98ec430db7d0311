/*
 * x86 segmentation and control transfers between privilege levels:
 * segment register loads, far JMP/CALL/RET through code segments and call
 * gates, IRET, LLDT/LTR, LAR/LSL/VERR/VERW/ARPL, INT n, and the delivery
 * of interrupts and exceptions (x86_do_interrupt) through the real-mode
 * IVT, the 32-bit IDT and the 64-bit IDT.
 *
 * Follows the Intel SDM Vol. 3A chapter 3 (segments, descriptors),
 * chapter 5 (protection: privilege checks, call gates, stack switching),
 * chapter 6 (interrupts and exceptions, table 6-5 for double faults) and
 * the pseudocode of CALL, JMP, RET, IRET, INT n, LAR, LSL, VERR/VERW in
 * Vol. 2.
 *
 * Invariants: a helper that raises does so before it changes any register
 * (memory writes to the new stack may already have happened, as on real
 * hardware); in protected mode CS.RPL == SS.DPL == CPL after every
 * transfer. Task switches (task gates, TSS descriptors in JMP/CALL, IRET
 * with NT) are not supported: they raise #GP and log under LOG_UNIMP.
 */
#include "cpu/x86/sys-helper.h"

#include "hw/pc/pc.h"

#define SEL_ERR(sel) ((uint32_t)(sel) & 0xfffc)

static void __attribute__((noreturn))
seg_fault(CPUX86TCG *env, int vector, uint32_t err)
{
    x86_raise_exception_err(env, vector, err, 0);
}

static void seg_log_unimp(CPUX86TCG *env, const char *what)
{
    if (env->machine) {
        log_mask(&env->machine->log, LOG_UNIMP, "x86: %s not supported\n",
                 what);
    }
}

static int desc_dpl(uint32_t e2)
{
    return (e2 >> SEG_DPL_SHIFT) & 3;
}

static unsigned desc_type(uint32_t e2)
{
    return (e2 >> SEG_TYPE_SHIFT) & 0xf;
}

static bool is_code(uint32_t e2)
{
    return (e2 & (SEG_S | SEG_CODE)) == (SEG_S | SEG_CODE);
}

static bool lma(const CPUX86TCG *env)
{
    return env->hflags & HF_LMA;
}

static bool pe_only(const CPUX86TCG *env)
{
    return (env->hflags & HF_PE) && !(env->hflags & HF_VM);
}

/* Legacy linear addresses wrap at 4 GiB. */
static uint64_t sys_linear(const CPUX86TCG *env, uint64_t a)
{
    return lma(env) ? a : (uint32_t)a;
}

/* ------------------------------------------------------------ flags */

uint64_t x86_sys_get_rflags(CPUX86TCG *env)
{
    return x86_tcg_compute_rflags(env);
}

void x86_sys_set_rflags(CPUX86TCG *env, uint64_t val, uint64_t mask)
{
    x86_tcg_set_rflags(env, val, mask);
}

/* ------------------------------------------------------- descriptors */

uint64_t x86_desc_base(uint32_t e1, uint32_t e2)
{
    return (e1 >> 16) | ((e2 & 0xff) << 16) | (e2 & 0xff000000u);
}

uint32_t x86_desc_limit(uint32_t e1, uint32_t e2)
{
    uint32_t limit = (e1 & 0xffff) | (e2 & 0x000f0000u);

    return (e2 & SEG_G) ? (limit << 12) | 0xfff : limit;
}

void x86_seg_from_desc(SegmentCache *sc, uint16_t sel, uint32_t e1,
                       uint32_t e2)
{
    x86_seg_set(sc, sel, x86_desc_base(e1, e2), x86_desc_limit(e1, e2),
                e2 & SEG_ATTR_MASK);
}

/* Linear address of the 8 bytes at index+off of sel's table, or false. */
static bool desc_addr(CPUX86TCG *env, uint16_t sel, unsigned len,
                      uint64_t *addr)
{
    uint64_t base;
    uint32_t limit, idx = sel & ~7u;

    if (sel & 4) {
        if ((env->st.ldt.selector & 0xfffc) == 0 ||
            !(env->st.ldt.flags & SEG_P)) {
            return false;
        }
        base = env->st.ldt.base;
        limit = env->st.ldt.limit;
    } else {
        base = env->st.gdt.base;
        limit = env->st.gdt.limit;
    }
    if ((uint64_t)idx + len - 1 > limit) {
        return false;
    }
    *addr = sys_linear(env, base + idx);
    return true;
}

bool x86_desc_fetch(CPUX86TCG *env, uint16_t sel, uint32_t *e1, uint32_t *e2)
{
    uint64_t a;

    if (!desc_addr(env, sel, 8, &a)) {
        return false;
    }
    *e1 = x86_ld32(env, a, MMU_KNOSMAP_IDX, 0);
    *e2 = x86_ld32(env, sys_linear(env, a + 4), MMU_KNOSMAP_IDX, 0);
    return true;
}

/* Upper half of a 16-byte system descriptor (long mode); false if outside. */
static bool desc_fetch_high(CPUX86TCG *env, uint16_t sel, uint32_t *e3,
                            uint32_t *e4)
{
    uint64_t a;

    if (!desc_addr(env, sel, 16, &a)) {
        return false;
    }
    *e3 = x86_ld32(env, a + 8, MMU_KNOSMAP_IDX, 0);
    *e4 = x86_ld32(env, a + 12, MMU_KNOSMAP_IDX, 0);
    return true;
}

/* Sets the accessed bit (or another bit of the high dword) in memory. */
static void desc_set_bits(CPUX86TCG *env, uint16_t sel, uint32_t *e2,
                          uint32_t bits)
{
    uint64_t a;

    if ((*e2 & bits) != bits && desc_addr(env, sel, 8, &a)) {
        *e2 |= bits;
        x86_st32(env, sys_linear(env, a + 4), *e2, MMU_KNOSMAP_IDX, 0);
    }
}

static void seg_load_null(SegmentCache *sc, uint16_t sel)
{
    x86_seg_set(sc, sel, 0, 0, 0);
}

/* A null SS in 64-bit mode keeps the privilege level in its DPL. */
static void seg_load_null_ss(SegmentCache *sc, int cpl)
{
    x86_seg_set(sc, (uint16_t)cpl, 0, 0,
                SEG_S | SEG_W | SEG_A | SEG_P | ((uint32_t)cpl << SEG_DPL_SHIFT));
}

static void seg_load_vm86(SegmentCache *sc, uint16_t sel)
{
    x86_seg_set(sc, sel, (uint64_t)sel << 4, 0xffff,
                SEG_P | SEG_S | SEG_W | SEG_A | (3u << SEG_DPL_SHIFT));
}

/* ------------------------------------------------------------ stacks */

typedef struct SysStack {
    CPUX86TCG *env;
    uint64_t base, sp, mask;   /* mask ~0: 64-bit stack, flat */
    int mmu;
} SysStack;

static uint64_t ss_mask(uint32_t flags)
{
    return (flags & SEG_DB) ? 0xffffffffu : 0xffff;
}

static int mmu_for_cpl(int cpl)
{
    return cpl == 3 ? MMU_USER_IDX : MMU_KNOSMAP_IDX;
}

static void stk_init(SysStack *k, CPUX86TCG *env, uint64_t base, uint64_t sp,
                     uint64_t mask, int cpl)
{
    k->env = env;
    k->base = base;
    k->sp = sp;
    k->mask = mask;
    k->mmu = mmu_for_cpl(cpl);
}

/* The current stack (SS:rSP) at the current privilege level. */
static void stk_current(SysStack *k, CPUX86TCG *env)
{
    uint64_t mask = (env->hflags & HF_CODE64) ? ~0ull
                                              : ss_mask(env->st.segs[R_SS].flags);
    uint64_t base = (env->hflags & HF_CODE64) ? 0 : env->st.segs[R_SS].base;

    stk_init(k, env, base, env->st.regs[R_ESP], mask, x86_cpl(env));
    if (!(env->hflags & HF_PE)) {
        k->mmu = MMU_KNOSMAP_IDX;
    }
}

static uint64_t stk_addr(const SysStack *k)
{
    uint64_t a = k->base + (k->sp & k->mask);

    return k->mask == ~0ull ? a : (uint32_t)a;
}

static void stk_push(SysStack *k, uint64_t v, int bytes)
{
    uint64_t a;

    k->sp -= bytes;
    a = stk_addr(k);
    switch (bytes) {
    case 2:
        x86_st16(k->env, a, (uint16_t)v, k->mmu, 0);
        break;
    case 4:
        x86_st32(k->env, a, (uint32_t)v, k->mmu, 0);
        break;
    default:
        x86_st64(k->env, a, v, k->mmu, 0);
        break;
    }
}

static uint64_t stk_pop(SysStack *k, int bytes)
{
    uint64_t a = stk_addr(k), v;

    switch (bytes) {
    case 2:
        v = x86_ld16(k->env, a, k->mmu, 0);
        break;
    case 4:
        v = x86_ld32(k->env, a, k->mmu, 0);
        break;
    default:
        v = x86_ld64(k->env, a, k->mmu, 0);
        break;
    }
    k->sp += bytes;
    return v;
}

static void set_rsp(CPUX86TCG *env, uint64_t sp, uint64_t mask)
{
    if (mask == ~0ull) {
        env->st.regs[R_ESP] = sp;
    } else {
        env->st.regs[R_ESP] = (env->st.regs[R_ESP] & ~mask) | (sp & mask);
    }
}

static void stk_commit(const SysStack *k)
{
    set_rsp(k->env, k->sp, k->mask);
}

static uint64_t rip_mask(int opsize, uint64_t v)
{
    return opsize == 2 ? (v & 0xffff) : opsize == 4 ? (uint32_t)v : v;
}

/* ---------------------------------------------------- TSS stack slots */

/* SS:ESP (legacy) or RSP (long mode; ss = 0) for privilege level dpl. */
static void tss_get_stack(CPUX86TCG *env, int dpl, uint32_t ext,
                          uint16_t *ss, uint64_t *sp)
{
    const SegmentCache *tr = &env->st.tr;
    uint32_t err = SEL_ERR(tr->selector) | ext;
    unsigned type = desc_type(tr->flags);

    if (!(tr->flags & SEG_P)) {
        seg_fault(env, EXCP_TS, err);
    }
    if (lma(env)) {
        uint32_t off = 4 + 8 * dpl;
        if (off + 7 > tr->limit) {
            seg_fault(env, EXCP_TS, err);
        }
        *sp = x86_ld64(env, tr->base + off, MMU_KNOSMAP_IDX, 0);
        *ss = 0;
    } else if (type & 8) {
        uint32_t off = 4 + 8 * dpl;
        if (off + 5 > tr->limit) {
            seg_fault(env, EXCP_TS, err);
        }
        *sp = x86_ld32(env, sys_linear(env, tr->base + off), MMU_KNOSMAP_IDX, 0);
        *ss = x86_ld16(env, sys_linear(env, tr->base + off + 4),
                       MMU_KNOSMAP_IDX, 0);
    } else {
        uint32_t off = 2 + 4 * dpl;
        if (off + 3 > tr->limit) {
            seg_fault(env, EXCP_TS, err);
        }
        *sp = x86_ld16(env, sys_linear(env, tr->base + off), MMU_KNOSMAP_IDX, 0);
        *ss = x86_ld16(env, sys_linear(env, tr->base + off + 2),
                       MMU_KNOSMAP_IDX, 0);
    }
}

static uint64_t tss_get_ist(CPUX86TCG *env, int ist, uint32_t ext)
{
    const SegmentCache *tr = &env->st.tr;
    uint32_t off = 0x24 + 8 * (ist - 1);

    if (!(tr->flags & SEG_P) || off + 7 > tr->limit) {
        seg_fault(env, EXCP_TS, SEL_ERR(tr->selector) | ext);
    }
    return x86_ld64(env, tr->base + off, MMU_KNOSMAP_IDX, 0);
}

/* Checks the SS a stack switch to privilege dpl loads (#TS/#SS). */
static void check_new_ss(CPUX86TCG *env, uint16_t ss, int dpl, uint32_t ext,
                         uint32_t *e1, uint32_t *e2)
{
    uint32_t err = SEL_ERR(ss) | ext;

    if ((ss & 0xfffc) == 0 || (ss & 3) != dpl ||
        !x86_desc_fetch(env, ss, e1, e2)) {
        seg_fault(env, EXCP_TS, err);
    }
    if (desc_dpl(*e2) != dpl || !(*e2 & SEG_S) || (*e2 & SEG_CODE) ||
        !(*e2 & SEG_W)) {
        seg_fault(env, EXCP_TS, err);
    }
    if (!(*e2 & SEG_P)) {
        seg_fault(env, EXCP_SS, err);
    }
}

/* --------------------------------------------------- segment loads */

static void load_seg_prot(CPUX86TCG *env, int seg, uint16_t sel)
{
    int cpl = x86_cpl(env), rpl = sel & 3, dpl;
    uint32_t e1, e2;

    if ((sel & 0xfffc) == 0) {
        if (seg == R_SS) {
            if (!(env->hflags & HF_CODE64) || cpl == 3 || rpl != cpl) {
                seg_fault(env, EXCP_GP, 0);
            }
            seg_load_null_ss(&env->st.segs[R_SS], cpl);
            env->st.segs[R_SS].selector = sel;
            return;
        }
        seg_load_null(&env->st.segs[seg], sel);
        return;
    }
    if (!x86_desc_fetch(env, sel, &e1, &e2) || !(e2 & SEG_S)) {
        seg_fault(env, EXCP_GP, SEL_ERR(sel));
    }
    dpl = desc_dpl(e2);
    if (seg == R_SS) {
        if (rpl != cpl || dpl != cpl || (e2 & SEG_CODE) || !(e2 & SEG_W)) {
            seg_fault(env, EXCP_GP, SEL_ERR(sel));
        }
        if (!(e2 & SEG_P)) {
            seg_fault(env, EXCP_SS, SEL_ERR(sel));
        }
    } else {
        if ((e2 & (SEG_CODE | SEG_R)) == SEG_CODE) {
            seg_fault(env, EXCP_GP, SEL_ERR(sel));   /* execute-only */
        }
        if (!(e2 & SEG_CODE) || !(e2 & SEG_C)) {
            if (dpl < cpl || dpl < rpl) {
                seg_fault(env, EXCP_GP, SEL_ERR(sel));
            }
        }
        if (!(e2 & SEG_P)) {
            seg_fault(env, EXCP_NP, SEL_ERR(sel));
        }
    }
    desc_set_bits(env, sel, &e2, SEG_A);
    x86_seg_from_desc(&env->st.segs[seg], sel, e1, e2);
}

void helper_load_seg(CPUX86TCG *env, uint32_t seg, uint64_t selector)
{
    uint16_t sel = (uint16_t)selector;

    if (seg >= 6 || seg == R_CS) {
        seg_fault(env, EXCP_UD, 0);
    }
    if (pe_only(env)) {
        load_seg_prot(env, (int)seg, sel);
    } else {
        /* real and virtual-8086 mode: selector and base only */
        env->st.segs[seg].selector = sel;
        env->st.segs[seg].base = (uint64_t)sel << 4;
    }
    x86_update_hflags(env);
}

/* ---------------------------------------------- code segment checks */

/* Loads CS from a checked descriptor with RPL = cpl. */
static void load_cs(CPUX86TCG *env, uint16_t sel, uint32_t e1, uint32_t e2,
                    int cpl)
{
    desc_set_bits(env, sel, &e2, SEG_A);
    x86_seg_from_desc(&env->st.segs[R_CS], (uint16_t)((sel & 0xfffc) | cpl),
                      e1, e2);
}

static bool code_is_64(const CPUX86TCG *env, uint32_t e2)
{
    return lma(env) && (e2 & SEG_L);
}

/* Target offset check: limit (legacy) or canonical (64-bit); #GP(0). */
static void check_target(CPUX86TCG *env, uint32_t e1, uint32_t e2,
                         uint64_t off)
{
    if (code_is_64(env, e2) ? !x86_is_canonical(off)
                            : off > x86_desc_limit(e1, e2)) {
        seg_fault(env, EXCP_GP, 0);
    }
}

/*
 * A code segment reached directly by JMP/CALL: conforming needs DPL <=
 * CPL, non-conforming RPL <= CPL and DPL == CPL.
 */
static void check_direct_code(CPUX86TCG *env, uint16_t sel, uint32_t e2)
{
    int cpl = x86_cpl(env), dpl = desc_dpl(e2);

    if (e2 & SEG_C) {
        if (dpl > cpl) {
            seg_fault(env, EXCP_GP, SEL_ERR(sel));
        }
    } else if ((sel & 3) > cpl || dpl != cpl) {
        seg_fault(env, EXCP_GP, SEL_ERR(sel));
    }
    if (lma(env) && (e2 & SEG_L) && (e2 & SEG_DB)) {
        seg_fault(env, EXCP_GP, SEL_ERR(sel));
    }
    if (!(e2 & SEG_P)) {
        seg_fault(env, EXCP_NP, SEL_ERR(sel));
    }
}

typedef struct CallGate {
    uint16_t sel;          /* target code segment */
    uint64_t off;
    int size;              /* 2, 4 or 8: push width */
    int params;            /* 16/32-bit gates: words to copy */
    uint32_t e1, e2;       /* target descriptor */
} CallGate;

/*
 * Checks a call gate descriptor (gate_e1/e2) named by sel and its target
 * code segment. for_call: CALL allows a more privileged non-conforming
 * target (stack switch), JMP only DPL == CPL.
 */
static void check_call_gate(CPUX86TCG *env, uint16_t sel, uint32_t ge1,
                            uint32_t ge2, bool for_call, CallGate *g)
{
    int cpl = x86_cpl(env), dpl;
    unsigned type = desc_type(ge2);

    if (lma(env) ? type != 12 : (type != 4 && type != 12)) {
        seg_fault(env, EXCP_GP, SEL_ERR(sel));
    }
    if (desc_dpl(ge2) < cpl || desc_dpl(ge2) < (sel & 3)) {
        seg_fault(env, EXCP_GP, SEL_ERR(sel));
    }
    if (!(ge2 & SEG_P)) {
        seg_fault(env, EXCP_NP, SEL_ERR(sel));
    }
    g->sel = ge1 >> 16;
    g->off = ge1 & 0xffff;
    g->size = type == 12 ? 4 : 2;
    g->params = ge2 & 0x1f;
    if (type == 12) {
        g->off |= ge2 & 0xffff0000u;
    }
    if (lma(env)) {
        uint32_t e3, e4;
        if (!desc_fetch_high(env, sel, &e3, &e4) || ((e4 >> 8) & 0x1f) != 0) {
            seg_fault(env, EXCP_GP, SEL_ERR(sel));
        }
        g->off |= (uint64_t)e3 << 32;
        g->size = 8;
        g->params = 0;
    }
    if ((g->sel & 0xfffc) == 0) {
        seg_fault(env, EXCP_GP, 0);
    }
    if (!x86_desc_fetch(env, g->sel, &g->e1, &g->e2) || !is_code(g->e2)) {
        seg_fault(env, EXCP_GP, SEL_ERR(g->sel));
    }
    dpl = desc_dpl(g->e2);
    if (dpl > cpl || (!for_call && !(g->e2 & SEG_C) && dpl != cpl)) {
        seg_fault(env, EXCP_GP, SEL_ERR(g->sel));
    }
    if (lma(env) && (!(g->e2 & SEG_L) || (g->e2 & SEG_DB))) {
        seg_fault(env, EXCP_GP, SEL_ERR(g->sel));
    }
    if (!(g->e2 & SEG_P)) {
        seg_fault(env, EXCP_NP, SEL_ERR(g->sel));
    }
}

static void __attribute__((noreturn))
task_switch_unsupported(CPUX86TCG *env, uint16_t sel, const char *what)
{
    seg_log_unimp(env, what);
    seg_fault(env, EXCP_GP, SEL_ERR(sel));
}

/* ---------------------------------------------------------- far JMP */

static void ljmp_prot(CPUX86TCG *env, uint16_t sel, uint64_t off)
{
    uint32_t e1, e2;
    CallGate g;

    if ((sel & 0xfffc) == 0) {
        seg_fault(env, EXCP_GP, 0);
    }
    if (!x86_desc_fetch(env, sel, &e1, &e2)) {
        seg_fault(env, EXCP_GP, SEL_ERR(sel));
    }
    if (e2 & SEG_S) {
        if (!(e2 & SEG_CODE)) {
            seg_fault(env, EXCP_GP, SEL_ERR(sel));
        }
        check_direct_code(env, sel, e2);
        check_target(env, e1, e2, off);
        load_cs(env, sel, e1, e2, x86_cpl(env));
        env->st.rip = off;
        return;
    }
    switch (desc_type(e2)) {
    case 1: case 9: case 5:
        task_switch_unsupported(env, sel, "JMP to a TSS or task gate");
    default:
        break;
    }
    check_call_gate(env, sel, e1, e2, false, &g);
    if (g.size == 2) {
        g.off &= 0xffff;
    }
    check_target(env, g.e1, g.e2, g.off);
    load_cs(env, g.sel, g.e1, g.e2, x86_cpl(env));
    env->st.rip = g.off;
}

void helper_ljmp(CPUX86TCG *env, uint64_t selector, uint64_t off,
                 uint32_t opsize)
{
    uint16_t sel = (uint16_t)selector;

    if (pe_only(env)) {
        ljmp_prot(env, sel, off);
    } else {
        env->st.segs[R_CS].selector = sel;
        env->st.segs[R_CS].base = (uint64_t)sel << 4;
        env->st.rip = rip_mask((int)opsize, off);
    }
    x86_update_hflags(env);
}

/* --------------------------------------------------------- far CALL */

static void lcall_real(CPUX86TCG *env, uint16_t sel, uint64_t off, int opsize,
                       uint64_t next_rip)
{
    SysStack k;

    stk_current(&k, env);
    stk_push(&k, env->st.segs[R_CS].selector, opsize);
    stk_push(&k, next_rip, opsize);
    stk_commit(&k);
    env->st.segs[R_CS].selector = sel;
    env->st.segs[R_CS].base = (uint64_t)sel << 4;
    env->st.rip = rip_mask(opsize, off);
}

/* CALL through a gate to a more privileged level: TSS stack switch. */
static void lcall_gate_inner(CPUX86TCG *env, const CallGate *g,
                             uint64_t next_rip)
{
    int dpl = desc_dpl(g->e2);
    uint16_t new_ss = 0;
    uint64_t new_sp;
    uint32_t se1 = 0, se2 = 0;
    SysStack old, k;

    tss_get_stack(env, dpl, 0, &new_ss, &new_sp);
    stk_current(&old, env);
    if (lma(env)) {
        if (!x86_is_canonical(new_sp)) {
            seg_fault(env, EXCP_SS, 0);
        }
        stk_init(&k, env, 0, new_sp, ~0ull, dpl);
    } else {
        check_new_ss(env, new_ss, dpl, 0, &se1, &se2);
        stk_init(&k, env, x86_desc_base(se1, se2), new_sp, ss_mask(se2), dpl);
    }
    stk_push(&k, env->st.segs[R_SS].selector, g->size);
    stk_push(&k, env->st.regs[R_ESP], g->size);
    for (int i = g->params - 1; i >= 0; i--) {
        SysStack p = old;
        p.sp += (uint64_t)i * g->size;
        stk_push(&k, stk_pop(&p, g->size), g->size);
    }
    stk_push(&k, env->st.segs[R_CS].selector, g->size);
    stk_push(&k, next_rip, g->size);

    if (lma(env)) {
        seg_load_null_ss(&env->st.segs[R_SS], dpl);
    } else {
        desc_set_bits(env, new_ss, &se2, SEG_A);
        x86_seg_from_desc(&env->st.segs[R_SS], new_ss, se1, se2);
    }
    stk_commit(&k);
    load_cs(env, g->sel, g->e1, g->e2, dpl);
    env->st.rip = g->off;
}

static void lcall_gate(CPUX86TCG *env, uint16_t sel, uint32_t e1, uint32_t e2,
                       uint64_t next_rip)
{
    CallGate g;
    SysStack k;
    int cpl = x86_cpl(env);

    check_call_gate(env, sel, e1, e2, true, &g);
    if (g.size == 2) {
        g.off &= 0xffff;
    }
    check_target(env, g.e1, g.e2, g.off);
    if (!(g.e2 & SEG_C) && desc_dpl(g.e2) < cpl) {
        lcall_gate_inner(env, &g, next_rip);
        return;
    }
    stk_current(&k, env);
    stk_push(&k, env->st.segs[R_CS].selector, g.size);
    stk_push(&k, next_rip, g.size);
    stk_commit(&k);
    load_cs(env, g.sel, g.e1, g.e2, cpl);
    env->st.rip = g.off;
}

static void lcall_prot(CPUX86TCG *env, uint16_t sel, uint64_t off, int opsize,
                       uint64_t next_rip)
{
    uint32_t e1, e2;
    SysStack k;

    if ((sel & 0xfffc) == 0) {
        seg_fault(env, EXCP_GP, 0);
    }
    if (!x86_desc_fetch(env, sel, &e1, &e2)) {
        seg_fault(env, EXCP_GP, SEL_ERR(sel));
    }
    if (!(e2 & SEG_S)) {
        switch (desc_type(e2)) {
        case 1: case 9: case 5:
            task_switch_unsupported(env, sel, "CALL to a TSS or task gate");
        default:
            lcall_gate(env, sel, e1, e2, next_rip);
            return;
        }
    }
    if (!(e2 & SEG_CODE)) {
        seg_fault(env, EXCP_GP, SEL_ERR(sel));
    }
    check_direct_code(env, sel, e2);
    check_target(env, e1, e2, off);
    stk_current(&k, env);
    stk_push(&k, env->st.segs[R_CS].selector, opsize);
    stk_push(&k, next_rip, opsize);
    stk_commit(&k);
    load_cs(env, sel, e1, e2, x86_cpl(env));
    env->st.rip = off;
}

void helper_lcall(CPUX86TCG *env, uint64_t selector, uint64_t off,
                  uint32_t opsize, uint64_t next_rip)
{
    uint16_t sel = (uint16_t)selector;

    if (pe_only(env)) {
        lcall_prot(env, sel, off, (int)opsize, next_rip);
    } else {
        lcall_real(env, sel, off, (int)opsize, next_rip);
    }
    x86_update_hflags(env);
}

/* ------------------------------------------------- far RET and IRET */

/* Checks the CS a RET/IRET returns to (RPL >= CPL). */
static void check_return_cs(CPUX86TCG *env, uint16_t sel, uint32_t *e1,
                            uint32_t *e2)
{
    int rpl = sel & 3, dpl;

    if ((sel & 0xfffc) == 0) {
        seg_fault(env, EXCP_GP, 0);
    }
    if (!x86_desc_fetch(env, sel, e1, e2) || !is_code(*e2) ||
        rpl < x86_cpl(env)) {
        seg_fault(env, EXCP_GP, SEL_ERR(sel));
    }
    dpl = desc_dpl(*e2);
    if ((*e2 & SEG_C) ? dpl > rpl : dpl != rpl) {
        seg_fault(env, EXCP_GP, SEL_ERR(sel));
    }
    if (lma(env) && (*e2 & SEG_L) && (*e2 & SEG_DB)) {
        seg_fault(env, EXCP_GP, SEL_ERR(sel));
    }
    if (!(*e2 & SEG_P)) {
        seg_fault(env, EXCP_NP, SEL_ERR(sel));
    }
}

/* Checks the SS popped by a return to privilege rpl; false: null SS ok. */
static bool check_return_ss(CPUX86TCG *env, uint16_t ss, int rpl,
                            bool to64, uint32_t *e1, uint32_t *e2)
{
    if ((ss & 0xfffc) == 0) {
        if (to64 && rpl != 3) {
            return false;
        }
        seg_fault(env, EXCP_GP, 0);
    }
    if ((ss & 3) != rpl || !x86_desc_fetch(env, ss, e1, e2) ||
        !(*e2 & SEG_S) || (*e2 & SEG_CODE) || !(*e2 & SEG_W) ||
        desc_dpl(*e2) != rpl) {
        seg_fault(env, EXCP_GP, SEL_ERR(ss));
    }
    if (!(*e2 & SEG_P)) {
        seg_fault(env, EXCP_SS, SEL_ERR(ss));
    }
    return true;
}

/* After a return to an outer level: data segments above it become null. */
static void nullify_data_segs(CPUX86TCG *env, int cpl)
{
    static const int segs[4] = { R_ES, R_DS, R_FS, R_GS };

    for (int i = 0; i < 4; i++) {
        SegmentCache *sc = &env->st.segs[segs[i]];
        bool conf_code = (sc->flags & SEG_CODE) && (sc->flags & SEG_C);
        if (!conf_code && desc_dpl(sc->flags) < cpl) {
            sc->selector = 0;
            sc->flags = 0;
        }
    }
}

/*
 * Common tail of RET and IRET in protected mode: k is past CS:IP (and
 * the flags); loads CS, and SS:SP if returning to an outer level or from
 * 64-bit mode (always_ss). Returns the new CPL.
 */
static int return_prot(CPUX86TCG *env, SysStack *k, uint16_t cs,
                       uint64_t rip, int opsize, uint32_t imm, bool always_ss)
{
    int cpl = x86_cpl(env), rpl = cs & 3;
    uint32_t e1, e2, se1 = 0, se2 = 0;
    bool to64, ss_desc;
    uint64_t sp;
    uint16_t ss;

    check_return_cs(env, cs, &e1, &e2);
    to64 = code_is_64(env, e2);
    if (!to64) {
        rip = rip_mask(opsize == 8 ? 4 : opsize, rip);
    }
    check_target(env, e1, e2, rip);
    k->sp += imm;
    if (rpl == cpl && !always_ss) {
        stk_commit(k);
        load_cs(env, cs, e1, e2, cpl);
        env->st.rip = rip;
        return cpl;
    }
    sp = stk_pop(k, opsize);
    ss = (uint16_t)stk_pop(k, opsize);
    ss_desc = check_return_ss(env, ss, rpl, to64, &se1, &se2);
    load_cs(env, cs, e1, e2, rpl);
    if (ss_desc) {
        desc_set_bits(env, ss, &se2, SEG_A);
        x86_seg_from_desc(&env->st.segs[R_SS], ss, se1, se2);
    } else {
        seg_load_null_ss(&env->st.segs[R_SS], rpl);
        env->st.segs[R_SS].selector = ss;
    }
    set_rsp(env, sp + imm, to64 ? ~0ull : ss_mask(env->st.segs[R_SS].flags));
    env->st.rip = rip;
    if (rpl > cpl) {
        nullify_data_segs(env, rpl);
    }
    return rpl;
}

void helper_lret(CPUX86TCG *env, uint32_t opsize, uint32_t imm)
{
    SysStack k;
    uint64_t rip;
    uint16_t cs;

    stk_current(&k, env);
    rip = stk_pop(&k, (int)opsize);
    cs = (uint16_t)stk_pop(&k, (int)opsize);
    if (pe_only(env)) {
        return_prot(env, &k, cs, rip, (int)opsize, imm, false);
    } else {
        k.sp += imm;
        stk_commit(&k);
        env->st.segs[R_CS].selector = cs;
        env->st.segs[R_CS].base = (uint64_t)cs << 4;
        env->st.rip = rip_mask((int)opsize, rip);
    }
    x86_update_hflags(env);
}

/* Flags an IRET/POPF at privilege cpl with IOPL iopl may change. */
static uint64_t iret_flags_mask(int cpl, int iopl, int opsize)
{
    uint64_t m = RF_ARITH | RF_TF | RF_DF | RF_NT | RF_RF | RF_AC | RF_ID;

    if (cpl <= iopl) {
        m |= RF_IF;
    }
    if (cpl == 0) {
        m |= RF_IOPL | RF_VIF | RF_VIP;
    }
    return opsize == 2 ? (m & 0xffff) : m;
}

static void iret_real(CPUX86TCG *env, int opsize, bool vm86)
{
    SysStack k;
    uint64_t rip, flags, mask;
    uint16_t cs;

    stk_current(&k, env);
    rip = stk_pop(&k, opsize);
    cs = (uint16_t)stk_pop(&k, opsize);
    flags = stk_pop(&k, opsize);
    mask = RF_ARITH | RF_TF | RF_DF | RF_NT | RF_RF | RF_AC | RF_ID | RF_IF;
    if (!vm86) {
        mask |= RF_IOPL;
    }
    if (opsize == 2) {
        mask &= 0xffff;
    }
    stk_commit(&k);
    env->st.segs[R_CS].selector = cs;
    env->st.segs[R_CS].base = (uint64_t)cs << 4;
    env->st.rip = rip_mask(opsize, rip);
    x86_sys_set_rflags(env, flags, mask);
}

/* IRET from ring 0 to virtual-8086 mode (SDM IRET, RETURN-TO-VIRTUAL-8086-MODE). */
static void iret_to_vm86(CPUX86TCG *env, SysStack *k, uint16_t cs,
                         uint64_t rip, uint64_t flags)
{
    uint32_t esp = (uint32_t)stk_pop(k, 4);
    uint16_t ss = (uint16_t)stk_pop(k, 4);
    uint16_t es = (uint16_t)stk_pop(k, 4);
    uint16_t ds = (uint16_t)stk_pop(k, 4);
    uint16_t fs = (uint16_t)stk_pop(k, 4);
    uint16_t gs = (uint16_t)stk_pop(k, 4);

    x86_sys_set_rflags(env, flags, RF_ARITH | RF_TF | RF_DF | RF_NT | RF_RF |
                       RF_AC | RF_ID | RF_IF | RF_IOPL | RF_VM | RF_VIF |
                       RF_VIP);
    seg_load_vm86(&env->st.segs[R_CS], cs);
    seg_load_vm86(&env->st.segs[R_SS], ss);
    seg_load_vm86(&env->st.segs[R_ES], es);
    seg_load_vm86(&env->st.segs[R_DS], ds);
    seg_load_vm86(&env->st.segs[R_FS], fs);
    seg_load_vm86(&env->st.segs[R_GS], gs);
    env->st.regs[R_ESP] = esp;
    env->st.rip = rip & 0xffff;
}

static void iret_prot(CPUX86TCG *env, int opsize)
{
    int cpl = x86_cpl(env);
    int iopl = (int)((x86_sys_get_rflags(env) & RF_IOPL) >> 12);
    uint64_t rip, flags;
    uint16_t cs;
    SysStack k;

    if (x86_sys_get_rflags(env) & RF_NT) {
        if (!lma(env)) {
            seg_log_unimp(env, "IRET with NT set (task return)");
        }
        seg_fault(env, EXCP_GP, 0);
    }
    stk_current(&k, env);
    rip = stk_pop(&k, opsize);
    cs = (uint16_t)stk_pop(&k, opsize);
    flags = stk_pop(&k, opsize);
    if (opsize == 4 && (flags & RF_VM) && cpl == 0 && !lma(env)) {
        iret_to_vm86(env, &k, cs, rip, flags);
        return;
    }
    return_prot(env, &k, cs, rip, opsize, 0, (env->hflags & HF_CODE64) != 0);
    x86_sys_set_rflags(env, flags, iret_flags_mask(cpl, iopl, opsize));
}

void helper_iret(CPUX86TCG *env, uint32_t opsize)
{
    env->st.nmi_masked = false;
    if (!(env->hflags & HF_PE)) {
        iret_real(env, (int)opsize, false);
    } else if (env->hflags & HF_VM) {
        if (((env->hflags & HF_IOPL_MASK) >> HF_IOPL_SHIFT) != 3) {
            seg_fault(env, EXCP_GP, 0);
        }
        iret_real(env, (int)opsize, true);
    } else {
        iret_prot(env, (int)opsize);
    }
    x86_update_hflags(env);
}

/* ------------------------------------------------------ LLDT and LTR */

static void check_sys_sel(CPUX86TCG *env, uint16_t sel)
{
    if (sel & 4) {
        seg_fault(env, EXCP_GP, SEL_ERR(sel));
    }
}

/* Fills a system segment cache (LDT/TSS), 16-byte in long mode. */
static void load_sys_seg(CPUX86TCG *env, SegmentCache *sc, uint16_t sel,
                         uint32_t e1, uint32_t e2)
{
    x86_seg_from_desc(sc, sel, e1, e2);
    if (lma(env)) {
        uint32_t e3, e4;
        uint64_t base;
        if (!desc_fetch_high(env, sel, &e3, &e4)) {
            seg_fault(env, EXCP_GP, SEL_ERR(sel));
        }
        base = sc->base | ((uint64_t)e3 << 32);
        if (((e4 >> 8) & 0x1f) != 0 || !x86_is_canonical(base)) {
            seg_fault(env, EXCP_GP, SEL_ERR(sel));
        }
        sc->base = base;
    }
}

void helper_lldt(CPUX86TCG *env, uint64_t selector)
{
    uint16_t sel = (uint16_t)selector;
    uint32_t e1, e2;
    SegmentCache sc;

    if ((sel & 0xfffc) == 0) {
        x86_seg_set(&env->st.ldt, sel, 0, 0, 0);
        return;
    }
    check_sys_sel(env, sel);
    if (!x86_desc_fetch(env, sel, &e1, &e2) || (e2 & SEG_S) ||
        desc_type(e2) != 2) {
        seg_fault(env, EXCP_GP, SEL_ERR(sel));
    }
    if (!(e2 & SEG_P)) {
        seg_fault(env, EXCP_NP, SEL_ERR(sel));
    }
    load_sys_seg(env, &sc, sel, e1, e2);
    env->st.ldt = sc;
}

void helper_ltr(CPUX86TCG *env, uint64_t selector)
{
    uint16_t sel = (uint16_t)selector;
    uint32_t e1, e2;
    unsigned type;
    SegmentCache sc;

    if ((sel & 0xfffc) == 0) {
        seg_fault(env, EXCP_GP, 0);
    }
    check_sys_sel(env, sel);
    if (!x86_desc_fetch(env, sel, &e1, &e2) || (e2 & SEG_S)) {
        seg_fault(env, EXCP_GP, SEL_ERR(sel));
    }
    type = desc_type(e2);
    if (type != 9 && (type != 1 || lma(env))) {
        seg_fault(env, EXCP_GP, SEL_ERR(sel));
    }
    if (!(e2 & SEG_P)) {
        seg_fault(env, EXCP_NP, SEL_ERR(sel));
    }
    load_sys_seg(env, &sc, sel, e1, e2);
    desc_set_bits(env, sel, &e2, 2u << SEG_TYPE_SHIFT);   /* busy */
    sc.flags = e2 & SEG_ATTR_MASK;
    env->st.tr = sc;
}

/* ------------------------------------------- LAR LSL VERR VERW ARPL */

static void set_zf(CPUX86TCG *env, bool z)
{
    x86_sys_set_rflags(env, z ? RF_ZF : 0, RF_ZF);
}

/* Visibility of a code/data descriptor to LAR/LSL/VERR/VERW. */
static bool desc_visible(const CPUX86TCG *env, uint16_t sel, uint32_t e2)
{
    int dpl = desc_dpl(e2);

    if (is_code(e2) && (e2 & SEG_C)) {
        return true;
    }
    return dpl >= x86_cpl(env) && dpl >= (sel & 3);
}

static bool lar_lsl_type_ok(const CPUX86TCG *env, uint32_t e2, bool lsl)
{
    unsigned type = desc_type(e2);

    if (e2 & SEG_S) {
        return true;
    }
    if (lma(env)) {
        return type == 2 || type == 9 || type == 11 || (!lsl && type == 12);
    }
    switch (type) {
    case 1: case 2: case 3: case 9: case 11:
        return true;
    case 4: case 5: case 12:
        return !lsl;
    default:
        return false;
    }
}

/* LAR (lsl false) / LSL: returns 1 << 32 | value when ZF is set. */
static uint64_t lar_lsl(CPUX86TCG *env, uint16_t sel, bool lsl)
{
    uint32_t e1, e2;

    if ((sel & 0xfffc) == 0 || !x86_desc_fetch(env, sel, &e1, &e2) ||
        !lar_lsl_type_ok(env, e2, lsl) || !desc_visible(env, sel, e2)) {
        set_zf(env, false);
        return 0;
    }
    set_zf(env, true);
    return (1ull << 32) |
           (lsl ? x86_desc_limit(e1, e2) : (e2 & 0x00f0ff00u));
}

uint64_t helper_lar(CPUX86TCG *env, uint64_t sel)
{
    return lar_lsl(env, (uint16_t)sel, false);
}

uint64_t helper_lsl(CPUX86TCG *env, uint64_t sel)
{
    return lar_lsl(env, (uint16_t)sel, true);
}

static void verr_verw(CPUX86TCG *env, uint16_t sel, bool write)
{
    uint32_t e1, e2;
    bool ok = false;

    if ((sel & 0xfffc) != 0 && x86_desc_fetch(env, sel, &e1, &e2) &&
        (e2 & SEG_S) && desc_visible(env, sel, e2)) {
        if (write) {
            ok = !(e2 & SEG_CODE) && (e2 & SEG_W);
        } else {
            ok = !(e2 & SEG_CODE) || (e2 & SEG_R);
        }
    }
    set_zf(env, ok);
}

void helper_verr(CPUX86TCG *env, uint64_t sel)
{
    verr_verw(env, (uint16_t)sel, false);
}

void helper_verw(CPUX86TCG *env, uint64_t sel)
{
    verr_verw(env, (uint16_t)sel, true);
}

uint64_t helper_arpl(CPUX86TCG *env, uint64_t dst, uint64_t src)
{
    if ((dst & 3) < (src & 3)) {
        set_zf(env, true);
        return (dst & ~3ull) | (src & 3);
    }
    set_zf(env, false);
    return dst;
}

/* ------------------------------------------- software interrupts */

void helper_int_sw(CPUX86TCG *env, uint32_t vector, uint64_t next_rip,
                   uint32_t is_int_n)
{
    if (is_int_n && (env->hflags & HF_VM) &&
        ((env->hflags & HF_IOPL_MASK) >> HF_IOPL_SHIFT) != 3) {
        seg_fault(env, EXCP_GP, 0);
    }
    x86_raise_interrupt(env, (int)(vector & 0xff), next_rip, 0);
}

void helper_into(CPUX86TCG *env, uint64_t next_rip)
{
    if (x86_sys_get_rflags(env) & RF_OF) {
        x86_raise_interrupt(env, EXCP_OF, next_rip, 0);
    }
}

void helper_bound(CPUX86TCG *env, uint64_t index, uint64_t lo, uint64_t hi)
{
    if ((int64_t)index < (int64_t)lo || (int64_t)index > (int64_t)hi) {
        seg_fault(env, EXCP_BR, 0);
    }
}

/* ------------------------------------------- interrupt delivery */

static bool exc_has_error_code(int vector)
{
    switch (vector) {
    case EXCP_DF: case EXCP_TS: case EXCP_NP: case EXCP_SS: case EXCP_GP:
    case EXCP_PF: case EXCP_AC:
        return true;
    default:
        return false;
    }
}

static bool exc_contributory(int vector)
{
    return vector == EXCP_DE || (vector >= EXCP_TS && vector <= EXCP_GP);
}

/*
 * SDM Vol. 3A table 6-5: a second exception while delivering the first.
 * Returns false for a triple fault; may turn the vector into #DF.
 */
static bool exc_combine(CPUX86TCG *env, int *vector, uint32_t *err)
{
    int prev = env->delivering - 1;

    if (prev < 0) {
        return true;
    }
    if (prev == EXCP_DF) {
        return false;
    }
    if ((exc_contributory(prev) && exc_contributory(*vector)) ||
        (prev == EXCP_PF && (exc_contributory(*vector) || *vector == EXCP_PF))) {
        *vector = EXCP_DF;
        *err = 0;
    }
    return true;
}

typedef struct IntEvent {
    int vector;
    bool is_int, is_hw, has_err;
    uint32_t err, ext;
    uint64_t ret_rip;      /* pushed RIP */
} IntEvent;

static void do_int_real(CPUX86TCG *env, const IntEvent *ev)
{
    uint64_t a = env->st.idt.base + (uint64_t)ev->vector * 4;
    uint16_t off, sel;
    SysStack k;

    if ((uint32_t)ev->vector * 4 + 3 > env->st.idt.limit) {
        seg_fault(env, EXCP_GP, (uint32_t)ev->vector * 8 + 2);
    }
    off = x86_ld16(env, (uint32_t)a, MMU_KNOSMAP_IDX, 0);
    sel = x86_ld16(env, (uint32_t)(a + 2), MMU_KNOSMAP_IDX, 0);
    stk_current(&k, env);
    stk_push(&k, x86_sys_get_rflags(env), 2);
    stk_push(&k, env->st.segs[R_CS].selector, 2);
    stk_push(&k, ev->ret_rip, 2);
    stk_commit(&k);
    env->st.segs[R_CS].selector = sel;
    env->st.segs[R_CS].base = (uint64_t)sel << 4;
    env->st.rip = off;
    x86_sys_set_rflags(env, 0, RF_IF | RF_TF | RF_AC | RF_RF);
}

/* Gate checks shared by the 32- and 64-bit IDT: DPL, present. */
static void check_int_gate(CPUX86TCG *env, const IntEvent *ev, uint32_t e2)
{
    uint32_t gerr = (uint32_t)ev->vector * 8 + 2;

    if (ev->is_int && desc_dpl(e2) < x86_cpl(env)) {
        seg_fault(env, EXCP_GP, gerr);
    }
    if (!(e2 & SEG_P)) {
        seg_fault(env, EXCP_NP, gerr | ev->ext);
    }
}

/* Checks the handler's code segment; returns its descriptor. */
static void check_int_cs(CPUX86TCG *env, const IntEvent *ev, uint16_t sel,
                         uint32_t *e1, uint32_t *e2)
{
    if ((sel & 0xfffc) == 0) {
        seg_fault(env, EXCP_GP, ev->ext);
    }
    if (!x86_desc_fetch(env, sel, e1, e2) || !is_code(*e2) ||
        desc_dpl(*e2) > x86_cpl(env)) {
        seg_fault(env, EXCP_GP, SEL_ERR(sel) | ev->ext);
    }
    if (lma(env) && (!(*e2 & SEG_L) || (*e2 & SEG_DB))) {
        seg_fault(env, EXCP_GP, SEL_ERR(sel) | ev->ext);
    }
    if (!(*e2 & SEG_P)) {
        seg_fault(env, EXCP_NP, SEL_ERR(sel) | ev->ext);
    }
}

/* Flags after entering a handler through a gate of the given type. */
static void int_enter_flags(CPUX86TCG *env, unsigned gate_type)
{
    uint64_t clear = RF_TF | RF_NT | RF_RF | RF_VM;

    if (!(gate_type & 1)) {
        clear |= RF_IF;               /* interrupt gate */
    }
    x86_sys_set_rflags(env, 0, clear);
}

static void do_int_prot(CPUX86TCG *env, const IntEvent *ev)
{
    uint32_t gerr = (uint32_t)ev->vector * 8 + 2, e1, e2, ce1, ce2;
    uint32_t se1 = 0, se2 = 0;
    uint64_t a = env->st.idt.base + (uint64_t)ev->vector * 8, off, sp;
    uint64_t rflags = x86_sys_get_rflags(env);
    bool vm = rflags & RF_VM, inner;
    int cpl = x86_cpl(env), dpl, size;
    unsigned type;
    uint16_t sel, ss = 0;
    SysStack k;

    if ((uint32_t)ev->vector * 8 + 7 > env->st.idt.limit) {
        seg_fault(env, EXCP_GP, gerr | ev->ext);
    }
    e1 = x86_ld32(env, (uint32_t)a, MMU_KNOSMAP_IDX, 0);
    e2 = x86_ld32(env, (uint32_t)(a + 4), MMU_KNOSMAP_IDX, 0);
    type = (e2 >> SEG_TYPE_SHIFT) & 0x1f;     /* S bit included */
    if (type == 5) {
        seg_log_unimp(env, "interrupt through a task gate");
        seg_fault(env, EXCP_GP, gerr | ev->ext);
    }
    if (type != 6 && type != 7 && type != 14 && type != 15) {
        seg_fault(env, EXCP_GP, gerr | ev->ext);
    }
    check_int_gate(env, ev, e2);
    sel = e1 >> 16;
    off = (e2 & 0xffff0000u) | (e1 & 0xffff);
    size = (type & 8) ? 4 : 2;
    if (size == 2) {
        off &= 0xffff;
    }
    check_int_cs(env, ev, sel, &ce1, &ce2);
    dpl = desc_dpl(ce2);
    inner = !(ce2 & SEG_C) && dpl < cpl;
    if (!inner && vm) {
        seg_fault(env, EXCP_GP, SEL_ERR(sel) | ev->ext);
    }
    if (inner && vm && dpl != 0) {
        seg_fault(env, EXCP_GP, SEL_ERR(sel) | ev->ext);
    }
    if (off > x86_desc_limit(ce1, ce2)) {
        seg_fault(env, EXCP_GP, ev->ext);
    }
    if (inner) {
        tss_get_stack(env, dpl, ev->ext, &ss, &sp);
        check_new_ss(env, ss, dpl, ev->ext, &se1, &se2);
        stk_init(&k, env, x86_desc_base(se1, se2), sp, ss_mask(se2), dpl);
        if (vm) {
            stk_push(&k, env->st.segs[R_GS].selector, size);
            stk_push(&k, env->st.segs[R_FS].selector, size);
            stk_push(&k, env->st.segs[R_DS].selector, size);
            stk_push(&k, env->st.segs[R_ES].selector, size);
        }
        stk_push(&k, env->st.segs[R_SS].selector, size);
        stk_push(&k, env->st.regs[R_ESP], size);
    } else {
        stk_current(&k, env);
    }
    stk_push(&k, rflags, size);
    stk_push(&k, env->st.segs[R_CS].selector, size);
    stk_push(&k, ev->ret_rip, size);
    if (ev->has_err) {
        stk_push(&k, ev->err, size);
    }

    if (inner) {
        desc_set_bits(env, ss, &se2, SEG_A);
        x86_seg_from_desc(&env->st.segs[R_SS], ss, se1, se2);
        if (vm) {
            seg_load_null(&env->st.segs[R_ES], 0);
            seg_load_null(&env->st.segs[R_DS], 0);
            seg_load_null(&env->st.segs[R_FS], 0);
            seg_load_null(&env->st.segs[R_GS], 0);
        }
    }
    stk_commit(&k);
    load_cs(env, sel, ce1, ce2, inner ? dpl : cpl);
    env->st.rip = off;
    int_enter_flags(env, type);
}

static void do_int_long(CPUX86TCG *env, const IntEvent *ev)
{
    uint32_t gerr = (uint32_t)ev->vector * 8 + 2, e1, e2, e3, ce1, ce2;
    uint64_t a = env->st.idt.base + (uint64_t)ev->vector * 16, off, sp;
    int cpl = x86_cpl(env), dpl, ist, new_cpl;
    unsigned type;
    uint16_t sel;
    bool inner;
    SysStack k;

    if ((uint32_t)ev->vector * 16 + 15 > env->st.idt.limit) {
        seg_fault(env, EXCP_GP, gerr | ev->ext);
    }
    e1 = x86_ld32(env, a, MMU_KNOSMAP_IDX, 0);
    e2 = x86_ld32(env, a + 4, MMU_KNOSMAP_IDX, 0);
    e3 = x86_ld32(env, a + 8, MMU_KNOSMAP_IDX, 0);
    type = (e2 >> SEG_TYPE_SHIFT) & 0x1f;
    if (type != 14 && type != 15) {
        seg_fault(env, EXCP_GP, gerr | ev->ext);
    }
    check_int_gate(env, ev, e2);
    sel = e1 >> 16;
    off = (e2 & 0xffff0000u) | (e1 & 0xffff) | ((uint64_t)e3 << 32);
    ist = e2 & 7;
    check_int_cs(env, ev, sel, &ce1, &ce2);
    dpl = desc_dpl(ce2);
    inner = !(ce2 & SEG_C) && dpl < cpl;
    new_cpl = inner ? dpl : cpl;
    if (!x86_is_canonical(off)) {
        seg_fault(env, EXCP_GP, ev->ext);
    }
    if (ist) {
        sp = tss_get_ist(env, ist, ev->ext);
    } else if (inner) {
        uint16_t unused;
        tss_get_stack(env, dpl, ev->ext, &unused, &sp);
    } else {
        sp = env->st.regs[R_ESP];
    }
    sp &= ~0xfull;
    if (!x86_is_canonical(sp) || !x86_is_canonical(sp - 48)) {
        seg_fault(env, EXCP_SS, ev->ext);
    }
    stk_init(&k, env, 0, sp, ~0ull, new_cpl);
    stk_push(&k, env->st.segs[R_SS].selector, 8);
    stk_push(&k, env->st.regs[R_ESP], 8);
    stk_push(&k, x86_sys_get_rflags(env), 8);
    stk_push(&k, env->st.segs[R_CS].selector, 8);
    stk_push(&k, ev->ret_rip, 8);
    if (ev->has_err) {
        stk_push(&k, ev->err, 8);
    }

    if (inner) {
        seg_load_null_ss(&env->st.segs[R_SS], new_cpl);
    }
    stk_commit(&k);
    load_cs(env, sel, ce1, ce2, new_cpl);
    env->st.rip = off;
    int_enter_flags(env, type);
}

static void log_interrupt(CPUX86TCG *env, const IntEvent *ev)
{
    if (env->machine && log_enabled(&env->machine->log, LOG_INT)) {
        log_printf(&env->machine->log,
                   "x86: %s %#x err=%#x at %04x:%016llx cpl=%d\n",
                   ev->is_hw ? "interrupt" : ev->is_int ? "int" : "exception",
                   ev->vector, ev->err, env->st.segs[R_CS].selector,
                   (unsigned long long)env->st.rip, x86_cpl(env));
    }
}

/*
 * Fault-class exceptions push RFLAGS with RF set, so that IRET resumes the
 * faulting instruction past an instruction breakpoint on it (SDM Vol. 3,
 * 17.3.1.1); the #DB of an instruction breakpoint, traps and interrupts
 * push RF as it is.
 */
static bool exc_is_fault(int vector)
{
    return vector == EXCP_DE || (vector >= EXCP_BR && vector <= EXCP_NM) ||
           (vector >= EXCP_TS && vector <= EXCP_AC && vector != 15) ||
           vector == EXCP_XM;
}

void x86_do_interrupt(CPUX86TCG *env, int vector, bool is_int, bool is_hw,
                      uint32_t error_code, uint64_t next_rip)
{
    IntEvent ev = {
        .vector = vector & 0xff, .is_int = is_int, .is_hw = is_hw,
        .err = error_code, .ext = is_int ? 0 : 1,
        .ret_rip = is_int ? next_rip : env->st.rip,
    };
    bool exception = !is_int && !is_hw;

    if (exception && !exc_combine(env, &ev.vector, &ev.err)) {
        env->delivering = 0;
        env->exception_index = EXCP_TRIPLE_FAULT;
        if (env->machine) {
            log_mask(&env->machine->log, LOG_INT | LOG_GUEST_ERROR,
                     "x86: triple fault\n");
        }
        return;
    }
    if (exception && exc_is_fault(ev.vector)) {
        env->st.rflags |= RF_RF;
    }
    env->delivering = exception ? ev.vector + 1 : 0;
    ev.has_err = exception && exc_has_error_code(ev.vector) &&
                 (env->hflags & HF_PE);
    log_interrupt(env, &ev);
    if (!(env->hflags & HF_PE)) {
        do_int_real(env, &ev);
    } else if (lma(env)) {
        do_int_long(env, &ev);
    } else {
        do_int_prot(env, &ev);
    }
    env->delivering = 0;
    env->st.halted = false;
    x86_update_hflags(env);
}
