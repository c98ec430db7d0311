/*
 * Segment limit and type checks for data accesses of the TCG CPU in real,
 * virtual-8086, 16/32-bit protected and compatibility mode (Intel SDM
 * Vol. 3A 5.3 "Limit checking", 5.4 "Type checking"; the #GP/#SS lists of
 * each instruction in Vol. 2). 64-bit mode has no limit checks.
 *
 * Two levels:
 *   - x86_seg_update_checks(), run with every hflags update, decides per
 *     segment whether accesses need a check at all (HF_SEGCHK bits: clear
 *     for the flat read/write 4 GiB segments every modern OS uses) and
 *     fills env->seg_end[][] so that generated code can accept the common
 *     expand-up case with one compare;
 *   - x86_seg_check() is the exact rule, run by helper_seg_check() when
 *     that compare fails: null selector, execute-only code read, write to
 *     code or to read-only data -> #GP(0); outside the limit (expand-up:
 *     off..off+n-1 <= limit; expand-down: limit < off and off+n-1 <=
 *     0xffff or 0xffffffff by the B bit) -> #SS(0) through SS, else
 *     #GP(0).
 * Real and virtual-8086 mode check the limit only (the cached attributes
 * do not apply there).
 */
#include "cpu/x86/tcg-cpu.h"
#include "cpu/x86/translate.h"

/* Protected-mode segmentation rules apply (not real or v86 mode). */
static bool seg_prot(const CPUX86TCG *env)
{
    return (env->st.cr0 & CR0_PE) && !(env->st.rflags & RF_VM);
}

/* Whether the attribute word lets an access of kind acc in at all. */
static bool seg_type_ok(uint32_t f, unsigned acc)
{
    if (!(f & SEG_P) || !(f & SEG_S)) {
        return false;                       /* null (unusable) or system */
    }
    if (f & SEG_CODE) {
        if (acc == X86_SEGACC_WRITE) {
            return false;
        }
        return (f & SEG_R) || acc == X86_SEGACC_PROBE;
    }
    return acc != X86_SEGACC_WRITE || (f & SEG_W);
}

int x86_seg_check(const CPUX86TCG *env, int seg, uint64_t off,
                  unsigned size, unsigned acc)
{
    const SegmentCache *sc = &env->st.segs[seg];
    int vec = seg == R_SS ? EXCP_SS : EXCP_GP;
    uint64_t last = off + (size ? size : 1) - 1;

    if (seg_prot(env)) {
        uint32_t f = sc->flags;

        if (!seg_type_ok(f, acc)) {
            return EXCP_GP;
        }
        if (!(f & SEG_CODE) && (f & SEG_E)) {
            uint64_t upper = (f & SEG_DB) ? 0xffffffffu : 0xffffu;
            return off > sc->limit && last <= upper ? 0 : vec;
        }
    }
    return last <= sc->limit ? 0 : vec;
}

/* One past the last offset the fast compare accepts for acc, or 0. */
static uint64_t seg_fast_end(const CPUX86TCG *env, int seg, unsigned acc)
{
    const SegmentCache *sc = &env->st.segs[seg];
    uint32_t f = sc->flags;

    if (seg_prot(env) &&
        (!seg_type_ok(f, acc) || (!(f & SEG_CODE) && (f & SEG_E)))) {
        return 0;
    }
    return (uint64_t)sc->limit + 1;
}

uint32_t x86_seg_update_checks(CPUX86TCG *env)
{
    uint32_t hf = 0;

    for (int seg = 0; seg < 6; seg++) {
        uint64_t rd = seg_fast_end(env, seg, X86_SEGACC_READ);
        uint64_t wr = seg_fast_end(env, seg, X86_SEGACC_WRITE);

        env->seg_end[0][seg] = rd;
        env->seg_end[1][seg] = wr;
        if (rd != 1ull << 32 || wr != 1ull << 32) {
            hf |= HF_SEGCHK(seg);
        }
    }
    return hf;
}

void helper_seg_check(CPUX86TCG *env, uint32_t info, uint64_t off)
{
    int seg = info & 7;
    unsigned acc = (info >> 3) & 3, size = info >> 8;
    int vec;

    if (seg >= 6) {
        return;
    }
    vec = x86_seg_check(env, seg, off, size, acc);
    if (vec) {
        x86_raise_exception_err(env, vec, 0, 0);
    }
}
