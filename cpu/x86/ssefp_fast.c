/*
 * The SSE floating-point helpers the translator calls while every MXCSR
 * exception is masked (cpu/x86/translate-ssefp.c checks MXCSR inline and
 * calls the exact helpers of ssefp_helper.c otherwise). With every
 * exception masked nothing can fault, so these read and write no TCG
 * global and need no synced RIP or cc_op. One helper per operation and
 * form (no mnemonic decoded at run time) tries the quick path of
 * ssefp-quick.h and falls back to the full operation, which under these
 * masks only writes the result and sets flags.
 */
#include <string.h>

#include "cpu/x86/cpu.h"
#include "cpu/x86/decode.h"
#include "cpu/x86/ssefp-desc.h"
#include "cpu/x86/ssefp-host.h"
#include "cpu/x86/ssefp-quick.h"
#include "cpu/x86/tcg-cpu.h"

#define TCG_HELPER_ENV_CTYPE struct CPUX86TCG *
#define TCG_HELPER_FILE "cpu/x86/helper.def"
#include "tcg/helper-proto.h"

#define MXCSR_PE 0x20u

static inline bool quick_on(const CPUX86TCG *env)
{
    return ssefp_host_enabled && ssefp_quick_mxcsr(env->st.mxcsr);
}

#define FAST(name, mnem, op, size, lanes)                                   \
    void helper_ssefp_##name(CPUX86TCG *env, void *d, void *s)              \
    {                                                                       \
        if (!quick_on(env) || !ssefp_quick(op, size, lanes, d, s)) {        \
            helper_ssefp_op(env, d, s, SSEFP_DESC(X86_M_##mnem, 0, 0));     \
        }                                                                   \
    }
#define FAST4(n, M, op)                                                     \
    FAST(n##ps, M##PS, op, 4, 4) FAST(n##pd, M##PD, op, 8, 2)               \
    FAST(n##ss, M##SS, op, 4, 1) FAST(n##sd, M##SD, op, 8, 1)

FAST4(add, ADD, Q_ADD) FAST4(sub, SUB, Q_SUB) FAST4(mul, MUL, Q_MUL)
FAST4(div, DIV, Q_DIV) FAST4(sqrt, SQRT, Q_SQRT) FAST4(min, MIN, Q_MIN)
FAST4(max, MAX, Q_MAX)

/* Every other operation of helper ssefp_op, with no TCG global touched. */
void helper_ssefp_op_masked(CPUX86TCG *env, void *d, void *s, uint32_t desc)
{
    helper_ssefp_op(env, d, s, desc);
}

/* COMISx/UCOMISx: of two numbers that are normal or zero nothing is
   signalled (no NaN: no IE; no denormal: no DE), whatever MXCSR says. */
uint64_t helper_ssefp_comi_masked(CPUX86TCG *env, void *a, void *b,
                                  uint32_t desc)
{
    unsigned mnem = SSEFP_DESC_MNEM(desc);

    if (ssefp_host_enabled && (mnem == X86_M_COMISD || mnem == X86_M_UCOMISD)) {
        uint64_t x, y;
        double p, q;
        memcpy(&x, a, 8);
        memcpy(&y, b, 8);
        if (q_ok_in64(x) && q_ok_in64(y)) {
            memcpy(&p, &x, 8);
            memcpy(&q, &y, 8);
            return p < q ? RF_CF : p == q ? RF_ZF : 0;
        }
    } else if (ssefp_host_enabled) {
        uint32_t x, y;
        float p, q;
        memcpy(&x, a, 4);
        memcpy(&y, b, 4);
        if (q_ok_in32(x) && q_ok_in32(y)) {
            memcpy(&p, &x, 4);
            memcpy(&q, &y, 4);
            return p < q ? RF_CF : p == q ? RF_ZF : 0;
        }
    }
    return helper_ssefp_comi(env, a, b, desc);
}

/* CVTTSD2SI of a normal number or zero in range: truncated exactly in C;
   inexact only when PE is set already. */
static bool quick_cvtt64(const CPUX86TCG *env, uint64_t v, bool q,
                         uint64_t *r)
{
    double x;

    memcpy(&x, &v, 8);
    if (!q_ok_in64(v) || (q ? !(x >= -0x1p63 && x < 0x1p63)
                            : !(x > -0x1p31 - 1 && x < 0x1p31))) {
        return false;
    }
    *r = q ? (uint64_t)(int64_t)x : (uint32_t)(int32_t)x;
    return (env->st.mxcsr & MXCSR_PE) || (double)(int64_t)x == x;
}

uint64_t helper_ssefp_cvt2si_masked(CPUX86TCG *env, void *s, uint32_t desc)
{
    uint64_t v, r;

    if (ssefp_host_enabled && SSEFP_DESC_MNEM(desc) == X86_M_CVTTSD2SI) {
        memcpy(&v, s, 8);
        if (quick_cvtt64(env, v, SSEFP_DESC_BYTES(desc) == 8, &r)) {
            return r;
        }
    }
    return helper_ssefp_cvt2si(env, s, desc);
}

/* CVTSI2SD/SS of an integer the format holds exactly: no flag at all. */
void helper_ssefp_cvtsi_masked(CPUX86TCG *env, void *d, uint64_t v,
                               uint32_t desc)
{
    int64_t i = SSEFP_DESC_BYTES(desc) == 8 ? (int64_t)v : (int32_t)v;

    if (ssefp_host_enabled && SSEFP_DESC_MNEM(desc) == X86_M_CVTSI2SD &&
        i >= -(1ll << 53) && i <= (1ll << 53)) {
        double x = (double)i;
        memcpy(d, &x, 8);
        return;
    }
    if (ssefp_host_enabled && SSEFP_DESC_MNEM(desc) == X86_M_CVTSI2SS &&
        i >= -(1ll << 24) && i <= (1ll << 24)) {
        float x = (float)i;
        memcpy(d, &x, 4);
        return;
    }
    helper_ssefp_cvtsi(env, d, v, desc);
}
