/*
 * Constants of the x87/SSE state save area and XCR0 (Intel SDM Vol. 1
 * ch. 13), shared by the translator (translate-xsave.c), its helpers
 * (xsave_helper.c) and the CPUID model (leaf 0Dh).
 */
#ifndef KITE_X86_XSAVE_H
#define KITE_X86_XSAVE_H

#define X86_XCR0_X87 1ull
#define X86_XCR0_SSE 2ull
#define X86_XCR0_SUPPORTED (X86_XCR0_X87 | X86_XCR0_SSE)
#define X86_XSAVE_SIZE 576u             /* legacy region + header */
#define X86_XCOMP_COMPACT (1ull << 63)  /* XCOMP_BV: compacted form */
/* MXCSR bits that may be set (DAZ included); the rest raise #GP */
#define X86_MXCSR_MASK 0xffffu

/* mode argument of the save/restore helpers */
#define X86_XS_CODE64  1u       /* 64-bit mode: XMM8-15, no 4 GiB wrap */
#define X86_XS_REXW    2u       /* 64-bit FIP/FDP layout */
#define X86_XS_OPT     4u       /* XSAVEOPT */
#define X86_XS_COMPACT 8u       /* XSAVEC */

#endif
