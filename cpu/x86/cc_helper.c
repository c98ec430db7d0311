/*
 * Lazy x86 condition codes: computing the arithmetic flags from cc_op and
 * its operands (cpu/x86/cc.h), and moving RFLAGS between the
 * architectural state and the TCG CPU's split form (cpu/x86/tcg-cpu.h).
 *
 * Follows the "Flags Affected" rules of the Intel SDM Vol. 2 for ADD, ADC,
 * SUB, SBB, AND/OR/XOR/TEST, INC, DEC, SHL/SHR/SAR and MUL/IMUL; AF is bit
 * 4 of (a ^ b ^ result) for additions and subtractions, PF is the even
 * parity of the low result byte.
 */
#include "cpu/x86/cc.h"
#include "cpu/x86/translate.h"

static const uint8_t cc_uses_table[] = {
    [CC_OP_EFLAGS] = CC_USE_SRC,
    [CC_OP_CLR] = 0,
#define SIZED(name, uses) [CC_OP_##name##B] = (uses), [CC_OP_##name##W] = (uses), \
                          [CC_OP_##name##L] = (uses), [CC_OP_##name##Q] = (uses),
    SIZED(ADD, CC_USE_DST | CC_USE_SRC)
    SIZED(ADC, CC_USE_DST | CC_USE_SRC | CC_USE_SRC2)
    SIZED(SUB, CC_USE_DST | CC_USE_SRC)
    SIZED(SBB, CC_USE_DST | CC_USE_SRC | CC_USE_SRC2)
    SIZED(LOGIC, CC_USE_DST)
    SIZED(INC, CC_USE_DST | CC_USE_SRC)
    SIZED(DEC, CC_USE_DST | CC_USE_SRC)
    SIZED(SHL, CC_USE_DST | CC_USE_SRC)
    SIZED(SAR, CC_USE_DST | CC_USE_SRC)
    SIZED(MUL, CC_USE_DST | CC_USE_SRC)
#undef SIZED
};

unsigned cc_op_uses(uint32_t op)
{
    return op < CC_OP_NB ? cc_uses_table[op] : 0;
}

static uint64_t cc_mask(unsigned ot)
{
    return ot == 3 ? ~0ull : (1ull << (8u << ot)) - 1;
}

static uint64_t cc_sign(unsigned ot)
{
    return 1ull << ((8u << ot) - 1);
}

static uint64_t cc_parity(uint64_t v)
{
    return (__builtin_popcount((unsigned)(v & 0xff)) & 1) ? 0 : RF_PF;
}

/* ZF, SF and PF of a result. */
static uint64_t cc_szp(uint64_t res, unsigned ot)
{
    res &= cc_mask(ot);
    return (res == 0 ? RF_ZF : 0) | ((res & cc_sign(ot)) ? RF_SF : 0) |
           cc_parity(res);
}

static uint64_t cc_add(uint64_t dst, uint64_t src, uint64_t cin, unsigned ot)
{
    uint64_t m = cc_mask(ot), sb = cc_sign(ot);
    uint64_t res = dst & m, b = src & m, a = (res - b - cin) & m;
    uint64_t f = cc_szp(res, ot);

    if (cin ? res <= a : res < a) {
        f |= RF_CF;
    }
    if ((a ^ res) & (b ^ res) & sb) {
        f |= RF_OF;
    }
    return f | ((a ^ b ^ res) & RF_AF);
}

static uint64_t cc_sub(uint64_t dst, uint64_t src, uint64_t bin, unsigned ot)
{
    uint64_t m = cc_mask(ot), sb = cc_sign(ot);
    uint64_t res = dst & m, b = src & m, a = (res + b + bin) & m;
    uint64_t f = cc_szp(res, ot);

    if (bin ? a <= b : a < b) {
        f |= RF_CF;
    }
    if ((a ^ b) & (a ^ res) & sb) {
        f |= RF_OF;
    }
    return f | ((a ^ b ^ res) & RF_AF);
}

uint64_t cc_compute_all(uint32_t op, uint64_t dst, uint64_t src,
                        uint64_t src2)
{
    unsigned ot = cc_op_ot(op);
    uint64_t m = cc_mask(ot), sb = cc_sign(ot), res = dst & m, f;

    switch (cc_op_kind(op)) {
    case CC_OP_EFLAGS:
        return src & RF_ARITH;
    case CC_OP_CLR:
        return RF_ZF | RF_PF;
    case CC_OP_ADDB:
        return cc_add(dst, src, 0, ot);
    case CC_OP_ADCB:
        return cc_add(dst, src, src2 & 1, ot);
    case CC_OP_SUBB:
        return cc_sub(dst, src, 0, ot);
    case CC_OP_SBBB:
        return cc_sub(dst, src, src2 & 1, ot);
    case CC_OP_LOGICB:
        return cc_szp(res, ot);
    case CC_OP_INCB:
        f = cc_add(dst, 1, 0, ot) & ~(uint64_t)RF_CF;
        return f | (src & 1 ? RF_CF : 0);
    case CC_OP_DECB:
        f = cc_sub(dst, 1, 0, ot) & ~(uint64_t)RF_CF;
        return f | (src & 1 ? RF_CF : 0);
    case CC_OP_SHLB:
        f = cc_szp(res, ot) | ((src & sb) ? RF_CF : 0);
        return f | ((((res ^ src) & sb) != 0) ? RF_OF : 0);
    case CC_OP_SARB:
        f = cc_szp(res, ot) | ((src & 1) ? RF_CF : 0);
        return f | ((((res ^ src) & sb) != 0) ? RF_OF : 0);
    case CC_OP_MULB:
        return cc_szp(res, ot) | (src ? RF_CF | RF_OF : 0);
    default:
        return 0;
    }
}

/* CF alone, without the ZF/SF/PF/AF/OF work of cc_compute_all. */
uint64_t cc_compute_c(uint32_t op, uint64_t dst, uint64_t src, uint64_t src2)
{
    unsigned ot = cc_op_ot(op);
    uint64_t m = cc_mask(ot), res = dst & m, b = src & m, a;

    switch (cc_op_kind(op)) {
    case CC_OP_EFLAGS:
        return src & RF_CF;
    case CC_OP_ADDB:
        return res < b;
    case CC_OP_ADCB:
        a = (res - b - (src2 & 1)) & m;
        return (src2 & 1) ? res <= a : res < a;
    case CC_OP_SUBB:
        return ((res + b) & m) < b;
    case CC_OP_SBBB:
        a = (res + b + (src2 & 1)) & m;
        return (src2 & 1) ? a <= b : a < b;
    case CC_OP_INCB:
    case CC_OP_DECB:
    case CC_OP_SARB:
        return src & 1;
    case CC_OP_SHLB:
        return (src & cc_sign(ot)) != 0;
    case CC_OP_MULB:
        return src != 0;
    default:
        return 0;           /* CLR, LOGIC */
    }
}

uint64_t helper_cc_compute_all(uint64_t dst, uint64_t src, uint64_t src2,
                               uint32_t op)
{
    return cc_compute_all(op, dst, src, src2);
}

uint64_t helper_cc_compute_c(uint64_t dst, uint64_t src, uint64_t src2,
                             uint32_t op)
{
    return cc_compute_c(op, dst, src, src2);
}

/* ---- RFLAGS in the TCG CPU ---- */

uint64_t x86_tcg_compute_rflags(CPUX86TCG *env)
{
    uint64_t f = env->st.rflags & ~(uint64_t)(RF_ARITH | RF_DF);

    f |= cc_compute_all(env->cc_op, env->cc_dst, env->cc_src, env->cc_src2);
    if (env->df < 0) {
        f |= RF_DF;
    }
    return f | RF_FIXED;
}

void x86_tcg_set_rflags(CPUX86TCG *env, uint64_t rflags, uint64_t mask)
{
    uint64_t cur = x86_tcg_compute_rflags(env);
    uint64_t f = (cur & ~mask) | (rflags & mask);

    env->cc_src = f & RF_ARITH;
    env->cc_op = CC_OP_EFLAGS;
    env->df = (f & RF_DF) ? -1 : 1;
    env->st.rflags = (f & ~(uint64_t)(RF_ARITH | RF_DF)) | RF_FIXED;
}

void x86_tcg_sync_to_arch(CPUX86TCG *env)
{
    env->st.rflags = x86_tcg_compute_rflags(env);
}

void x86_tcg_sync_from_arch(CPUX86TCG *env)
{
    uint64_t f = env->st.rflags;

    env->cc_src = f & RF_ARITH;
    env->cc_dst = env->cc_src2 = 0;
    env->cc_op = CC_OP_EFLAGS;
    env->df = (f & RF_DF) ? -1 : 1;
    env->st.rflags = (f & ~(uint64_t)(RF_ARITH | RF_DF)) | RF_FIXED;
}
