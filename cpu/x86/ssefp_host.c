/*
 * SSE floating point on the host's own SSE unit when that is exactly the
 * guest's result (see cpu/x86/ssefp-host.h).
 */
#include "cpu/x86/ssefp-host.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/x86/decode.h"

#if defined(__x86_64__)

#define MXCSR_MASKS 0x1f80u
#define MXCSR_DAZ   0x40u

typedef void HostFn(XMMReg *r, const XMMReg *b, uint32_t *mxcsr);

/* r = r op b under *mxcsr, which then holds the MXCSR after it; the
   host's own MXCSR is put back. */
#define HOST_FN(name, insn)                                                 \
    static void host_##name(XMMReg *r, const XMMReg *b, uint32_t *mxcsr)   \
    {                                                                       \
        uint32_t host;                                                      \
        __asm__ volatile("stmxcsr %[host]\n\t"                              \
                         "ldmxcsr %[mx]\n\t"                                \
                         "movdqu %[r], %%xmm0\n\t"                          \
                         "movdqu %[b], %%xmm1\n\t"                          \
                         insn " %%xmm1, %%xmm0\n\t"                         \
                         "movdqu %%xmm0, %[r]\n\t"                          \
                         "stmxcsr %[mx]\n\t"                                \
                         "ldmxcsr %[host]"                                  \
                         : [r] "+m"(*r), [mx] "+m"(*mxcsr), [host] "=m"(host) \
                         : [b] "m"(*b)                                      \
                         : "xmm0", "xmm1");                                 \
    }

#define HOST_PSD4(m, insn)                                                  \
    HOST_FN(m##PS, insn "ps") HOST_FN(m##PD, insn "pd")                     \
    HOST_FN(m##SS, insn "ss") HOST_FN(m##SD, insn "sd")

HOST_PSD4(ADD, "add") HOST_PSD4(SUB, "sub") HOST_PSD4(MUL, "mul")
HOST_PSD4(DIV, "div") HOST_PSD4(MIN, "min") HOST_PSD4(MAX, "max")
HOST_PSD4(SQRT, "sqrt")

#define HOST_ENTRY4(m)                                                      \
    { X86_M_##m##PS, host_##m##PS }, { X86_M_##m##PD, host_##m##PD },       \
    { X86_M_##m##SS, host_##m##SS }, { X86_M_##m##SD, host_##m##SD }

static const struct {
    uint16_t mnem;
    HostFn *fn;
} host_ops[] = {
    HOST_ENTRY4(ADD), HOST_ENTRY4(SUB), HOST_ENTRY4(MUL), HOST_ENTRY4(DIV),
    HOST_ENTRY4(MIN), HOST_ENTRY4(MAX), HOST_ENTRY4(SQRT),
};

/* Whether the fast path may run, and whether the host has DAZ. */
static bool host_enabled, host_daz;

__attribute__((constructor)) static void host_probe(void)
{
    uint8_t fx[512] __attribute__((aligned(16)));
    const char *soft = getenv("KITE_SSEFP_SOFT");
    uint32_t mask;

    memset(fx, 0, sizeof(fx));
    __asm__ volatile("fxsave %0" : "=m"(fx));
    memcpy(&mask, fx + 28, 4);
    host_daz = mask & MXCSR_DAZ;
    host_enabled = !(soft && *soft && strcmp(soft, "0"));
}

bool ssefp_host_op(CPUX86TCG *env, void *d, const void *s, unsigned mnem)
{
    uint32_t mx = env->st.mxcsr;
    XMMReg r, b;

    if (!host_enabled || (mx & MXCSR_MASKS) != MXCSR_MASKS ||
        ((mx & MXCSR_DAZ) && !host_daz)) {
        return false;
    }
    for (size_t i = 0; i < sizeof(host_ops) / sizeof(host_ops[0]); i++) {
        if (host_ops[i].mnem == mnem) {
            memcpy(&r, d, 16);
            memcpy(&b, s, 16);
            mx &= 0xffffu & ~0x3fu;
            host_ops[i].fn(&r, &b, &mx);
            env->st.mxcsr |= mx & 0x3f;
            memcpy(d, &r, 16);
            return true;
        }
    }
    return false;
}

#else

bool ssefp_host_op(CPUX86TCG *env, void *d, const void *s, unsigned mnem)
{
    (void)env;
    (void)d;
    (void)s;
    (void)mnem;
    return false;
}

#endif
