/*
 * SSE floating point on the host's own SSE unit when that is exactly the
 * guest's result (see cpu/x86/ssefp-host.h).
 */
#include "cpu/x86/ssefp-host.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/x86/decode.h"
#include "cpu/x86/ssefp-quick.h"

#if defined(__x86_64__)

#define MXCSR_MASKS 0x1f80u
#define MXCSR_DAZ   0x40u

typedef void HostFn(void *d, const void *s);

static inline uint32_t host_mxcsr(void)
{
    uint32_t v;

    __asm__ volatile("stmxcsr %0" : "=m"(v));
    return v;
}

static inline void host_set_mxcsr(uint32_t v)
{
    __asm__ volatile("ldmxcsr %0" : : "m"(v));
}

/* d = d op s on the host under the MXCSR in force. Both operands are read
   before d is written, so d and s may be the same register. */
#define HOST_FN(name, insn)                                                 \
    static void host_##name(void *d, const void *s)                         \
    {                                                                       \
        __asm__ volatile("movdqu %[r], %%xmm0\n\t"                          \
                         "movdqu %[b], %%xmm1\n\t"                          \
                         insn " %%xmm1, %%xmm0\n\t"                         \
                         "movdqu %%xmm0, %[r]"                              \
                         : [r] "+m"(*(XMMReg *)d)                           \
                         : [b] "m"(*(const XMMReg *)s)                      \
                         : "xmm0", "xmm1");                                 \
    }

#define HOST_PSD4(m, insn)                                                  \
    HOST_FN(m##PS, insn "ps") HOST_FN(m##PD, insn "pd")                     \
    HOST_FN(m##SS, insn "ss") HOST_FN(m##SD, insn "sd")

HOST_PSD4(ADD, "add") HOST_PSD4(SUB, "sub") HOST_PSD4(MUL, "mul")
HOST_PSD4(DIV, "div") HOST_PSD4(MIN, "min") HOST_PSD4(MAX, "max")
HOST_PSD4(SQRT, "sqrt")

#define HOST_CASE4(m)                                                       \
    case X86_M_##m##PS: return host_##m##PS;                                \
    case X86_M_##m##PD: return host_##m##PD;                                \
    case X86_M_##m##SS: return host_##m##SS;                                \
    case X86_M_##m##SD: return host_##m##SD;

static HostFn *host_fn(unsigned mnem)
{
    switch (mnem) {
    HOST_CASE4(ADD) HOST_CASE4(SUB) HOST_CASE4(MUL) HOST_CASE4(DIV)
    HOST_CASE4(MIN) HOST_CASE4(MAX) HOST_CASE4(SQRT)
    default:
        return NULL;
    }
}

/* Whether the fast path may run, and whether the host has DAZ. */
bool ssefp_host_enabled;
static bool host_daz;

__attribute__((constructor)) static void host_probe(void)
{
    uint8_t fx[512] __attribute__((aligned(16)));
    const char *soft = getenv("KITE_SSEFP_SOFT");
    uint32_t mask;

    memset(fx, 0, sizeof(fx));
    __asm__ volatile("fxsave %0" : "=m"(fx));
    memcpy(&mask, fx + 28, 4);
    host_daz = mask & MXCSR_DAZ;
    ssefp_host_enabled = !(soft && *soft && strcmp(soft, "0"));
}

/*
 * Quicker still, with no MXCSR access: the quick path of
 * cpu/x86/ssefp-quick.h, when the guest's MXCSR is its steady state.
 * q_decode gives the operation, lane size (4 or 8) and lane count of
 * mnem; false when the quick path does not cover it.
 */
#define Q_CASE4(m, o)                                                       \
    case X86_M_##m##PS: *op = o; *size = 4; *lanes = 4; return true;        \
    case X86_M_##m##PD: *op = o; *size = 8; *lanes = 2; return true;        \
    case X86_M_##m##SS: *op = o; *size = 4; *lanes = 1; return true;        \
    case X86_M_##m##SD: *op = o; *size = 8; *lanes = 1; return true;

static bool q_decode(unsigned mnem, int *op, int *size, int *lanes)
{
    switch (mnem) {
    Q_CASE4(ADD, Q_ADD) Q_CASE4(SUB, Q_SUB) Q_CASE4(MUL, Q_MUL)
    Q_CASE4(DIV, Q_DIV) Q_CASE4(SQRT, Q_SQRT) Q_CASE4(MIN, Q_MIN)
    Q_CASE4(MAX, Q_MAX)
    default:
        return false;
    }
}

static bool ssefp_host_quick(CPUX86TCG *env, void *d, const void *s,
                             unsigned mnem)
{
    int op, size, lanes;

    return ssefp_quick_mxcsr(env->st.mxcsr) &&
           q_decode(mnem, &op, &size, &lanes) &&
           ssefp_quick(op, size, lanes, d, s);
}

/*
 * The host's MXCSR is switched only when it must be. Guest flags are
 * sticky, so when the host's control bits (rounding, FTZ, DAZ, masks) are
 * the guest's and every flag already set in the host's MXCSR is set in
 * the guest's too, running the instruction as it stands and ORing the
 * host's flags afterwards gives the guest exactly its own flags plus what
 * this instruction raised: no LDMXCSR at all (the common case: both at
 * 0x1f80 with PE set). Otherwise the guest's control bits are loaded with
 * the flags clear, and the host's control bits are put back with its
 * flags clear (nothing in Kite reads its own MXCSR flags), so the next
 * operation takes the quick way.
 */
bool ssefp_host_op(CPUX86TCG *env, void *d, const void *s, unsigned mnem)
{
    uint32_t mx = env->st.mxcsr;
    uint32_t host, ctl = mx & 0xffc0u;
    HostFn *fn;
    bool swap;

    if (!ssefp_host_enabled || (mx & MXCSR_MASKS) != MXCSR_MASKS ||
        ((mx & MXCSR_DAZ) && !host_daz) || !(fn = host_fn(mnem))) {
        return false;
    }
    if (ssefp_host_quick(env, d, s, mnem)) {
        return true;
    }
    host = host_mxcsr();
    swap = (host & 0xffc0u) != ctl || (host & 0x3fu & ~mx);
    if (swap) {
        host_set_mxcsr(ctl);
    }
    fn(d, s);
    env->st.mxcsr |= host_mxcsr() & 0x3fu;
    if (swap) {
        host_set_mxcsr(host & ~0x3fu);
    }
    return true;
}

#else

bool ssefp_host_enabled;

bool ssefp_host_op(CPUX86TCG *env, void *d, const void *s, unsigned mnem)
{
    (void)env;
    (void)d;
    (void)s;
    (void)mnem;
    return false;
}

#endif
