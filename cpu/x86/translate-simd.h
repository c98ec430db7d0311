/*
 * The emitters of the SIMD families (cpu/x86/translate-simd*.c), one per
 * mnemonic, for X86_GEN_LIST in cpu/x86/translate.h. Kept apart from
 * translate-fpu.h so that translate.h can include it without a cycle.
 */
#ifndef KITE_X86_TRANSLATE_SIMD_H
#define KITE_X86_TRANSLATE_SIMD_H

#define X86_GEN_SIMD_LIST(X)                                                \
    /* moves */ X(EMMS) X(MOVD) X(MOVQ) X(MOVDQA) X(MOVDQU)

#endif
