/*
 * The emitters of the SSE floating-point family (cpu/x86/translate-ssefp.c),
 * one per mnemonic, for X86_GEN_LIST in cpu/x86/translate.h.
 */
#ifndef KITE_X86_TRANSLATE_SSEFP_H
#define KITE_X86_TRANSLATE_SSEFP_H

#define X86_GEN_SSEFP_LIST(X)                                               \
    /* arithmetic */ X(ADDPS) X(ADDPD) X(ADDSS) X(ADDSD) X(SUBPS) X(SUBPD)  \
    X(SUBSS) X(SUBSD) X(MULPS) X(MULPD) X(MULSS) X(MULSD) X(DIVPS) X(DIVPD) \
    X(DIVSS) X(DIVSD) X(MINPS) X(MINPD) X(MINSS) X(MINSD) X(MAXPS) X(MAXPD) \
    X(MAXSS) X(MAXSD) X(SQRTPS) X(SQRTPD) X(SQRTSS) X(SQRTSD) X(RCPPS)      \
    X(RCPSS) X(RSQRTPS) X(RSQRTSS) X(ADDSUBPS) X(ADDSUBPD) X(HADDPS)        \
    X(HADDPD) X(HSUBPS) X(HSUBPD) X(ROUNDPS) X(ROUNDPD) X(ROUNDSS)          \
    X(ROUNDSD) X(DPPS) X(DPPD)                                              \
    /* compare */ X(CMPPS) X(CMPPD) X(CMPSS) X(CMPSD) X(COMISS) X(COMISD)   \
    X(UCOMISS) X(UCOMISD)                                                   \
    /* convert */ X(CVTSI2SS) X(CVTSI2SD) X(CVTSS2SI) X(CVTTSS2SI)          \
    X(CVTSD2SI) X(CVTTSD2SI) X(CVTPS2PD) X(CVTPD2PS) X(CVTDQ2PS)           \
    X(CVTPS2DQ) X(CVTTPS2DQ) X(CVTDQ2PD) X(CVTPD2DQ) X(CVTTPD2DQ)          \
    X(CVTPI2PS) X(CVTPS2PI) X(CVTTPS2PI) X(CVTPI2PD) X(CVTPD2PI)           \
    X(CVTTPD2PI) X(CVTSS2SD) X(CVTSD2SS)

#endif
