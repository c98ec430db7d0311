/*
 * The emitters of the SIMD families (cpu/x86/translate-simd*.c), one per
 * mnemonic, for X86_GEN_LIST in cpu/x86/translate.h. Kept apart from
 * translate-fpu.h so that translate.h can include it without a cycle.
 */
#ifndef KITE_X86_TRANSLATE_SIMD_H
#define KITE_X86_TRANSLATE_SIMD_H

#define X86_GEN_SIMD_LIST(X)                                                \
    /* moves (translate-simd-move.c) */                                     \
    X(EMMS) X(MOVD) X(MOVQ) X(MOVDQA) X(MOVDQU) X(MOVQ2DQ) X(MOVDQ2Q)       \
    X(MOVNTQ) X(MOVAPS) X(MOVAPD) X(MOVUPS) X(MOVUPD) X(MOVNTDQ)            \
    X(MOVNTPS) X(MOVNTPD) X(MOVNTDQA) X(LDDQU) X(MOVSS) X(MOVSD)            \
    X(MOVLPS) X(MOVLPD) X(MOVHPS) X(MOVHPD) X(MOVHLPS) X(MOVLHPS)           \
    X(PMOVMSKB) X(MOVMSKPS) X(MOVMSKPD) X(PEXTRB) X(PEXTRW) X(PEXTRD)       \
    X(EXTRACTPS) X(PINSRB) X(PINSRW) X(PINSRD) X(MASKMOVQ)                  \
    X(MASKMOVDQU) X(PTEST)                                                  \
    /* lane-wise operations (translate-simd.c) */                           \
    X(PADDB) X(PADDW) X(PADDD) X(PADDQ) X(PSUBB) X(PSUBW) X(PSUBD)          \
    X(PSUBQ) X(PADDSB) X(PADDSW) X(PADDUSB) X(PADDUSW) X(PSUBSB)            \
    X(PSUBSW) X(PSUBUSB) X(PSUBUSW) X(PMULLW) X(PMULHW) X(PMULHUW)          \
    X(PMULUDQ) X(PMADDWD) X(PSADBW) X(PAVGB) X(PAVGW) X(PMINUB)             \
    X(PMAXUB) X(PMINSW) X(PMAXSW) X(PCMPEQB) X(PCMPEQW) X(PCMPEQD)          \
    X(PCMPGTB) X(PCMPGTW) X(PCMPGTD) X(PSLLW) X(PSLLD) X(PSLLQ) X(PSRLW)    \
    X(PSRLD) X(PSRLQ) X(PSRAW) X(PSRAD) X(PSLLDQ) X(PSRLDQ) X(PACKSSWB)     \
    X(PACKSSDW) X(PACKUSWB) X(PACKUSDW) X(PUNPCKLBW) X(PUNPCKLWD)           \
    X(PUNPCKLDQ) X(PUNPCKLQDQ) X(PUNPCKHBW) X(PUNPCKHWD) X(PUNPCKHDQ)       \
    X(PUNPCKHQDQ) X(PSHUFW) X(PSHUFD) X(PSHUFHW) X(PSHUFLW) X(SHUFPS)       \
    X(SHUFPD) X(UNPCKLPS) X(UNPCKHPS) X(UNPCKLPD) X(UNPCKHPD)               \
    X(MOVSLDUP) X(MOVSHDUP) X(MOVDDUP)                                      \
    X(PSHUFB) X(PHADDW) X(PHADDD) X(PHADDSW) X(PHSUBW) X(PHSUBD)            \
    X(PHSUBSW) X(PMADDUBSW) X(PMULHRSW) X(PSIGNB) X(PSIGNW) X(PSIGND)       \
    X(PABSB) X(PABSW) X(PABSD) X(PALIGNR)                                   \
    X(PBLENDW) X(BLENDPS) X(BLENDPD) X(PBLENDVB) X(BLENDVPS) X(BLENDVPD)    \
    X(PMINSB) X(PMAXSB) X(PMINUW) X(PMAXUW) X(PMINSD) X(PMAXSD) X(PMINUD)   \
    X(PMAXUD) X(PMULLD) X(PMULDQ) X(PCMPEQQ) X(PCMPGTQ) X(PMOVSXBW)         \
    X(PMOVSXBD) X(PMOVSXBQ) X(PMOVSXWD) X(PMOVSXWQ) X(PMOVSXDQ)             \
    X(PMOVZXBW) X(PMOVZXBD) X(PMOVZXBQ) X(PMOVZXWD) X(PMOVZXWQ)             \
    X(PMOVZXDQ) X(PHMINPOSUW) X(MPSADBW) X(INSERTPS)                        \
    X(PAND) X(PANDN) X(POR) X(PXOR) X(ANDPS) X(ANDPD) X(ANDNPS) X(ANDNPD)   \
    X(ORPS) X(ORPD) X(XORPS) X(XORPD)                                       \
    /* SSE4.2 strings and CRC32 (translate-simd-str.c) */                   \
    X(PCMPESTRI) X(PCMPESTRM) X(PCMPISTRI) X(PCMPISTRM) X(CRC32)           \
    /* state save and XCR0 (translate-xsave.c) */                          \
    X(LDMXCSR) X(STMXCSR) X(FXSAVE) X(FXRSTOR) X(XSAVE) X(XSAVEOPT)         \
    X(XSAVEC) X(XRSTOR) X(XGETBV) X(XSETBV)

#endif
