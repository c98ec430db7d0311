/*
 * x86-64 instruction encoder for the native TCG backend: opcode constants
 * and small inline emitters that write machine code at X64Gen.ptr (the
 * writable view of the code buffer).
 *
 * Encoding follows the Intel SDM vol. 2, chapter 2 (REX prefix, ModRM,
 * SIB, displacements). An opcode value carries its prefixes in high bits
 * (P_*); the low byte is the opcode byte itself.
 */
#ifndef KITE_TCG_X86_64_EMIT_H
#define KITE_TCG_X86_64_EMIT_H

#include <stdint.h>
#include <string.h>

#include "tcg/x86_64/x86_64-int.h"

/* prefix flags carried in an opcode value */
#define P_0F        0x100       /* two-byte opcode 0F xx */
#define P_DATA16    0x200       /* 66: 16-bit operand */
#define P_F3        0x400       /* F3 mandatory prefix */
#define P_REXW      0x800       /* REX.W: 64-bit operand */
#define P_BYTE_R    0x1000      /* reg field is a byte register */
#define P_BYTE_RM   0x2000      /* r/m field is a byte register */

#define OPC_ARITH_EvIz  0x81
#define OPC_ARITH_EvIb  0x83
#define OPC_ARITH_GvEv  0x03    /* + (ext << 3) */
#define OPC_MOVB_EvGv   (0x88 | P_BYTE_R)
#define OPC_MOVL_EvGv   0x89
#define OPC_MOVL_GvEv   0x8b
#define OPC_MOVB_EvIb   0xc6
#define OPC_MOVL_EvIz   0xc7
#define OPC_MOVL_Iv     0xb8
#define OPC_LEA         0x8d
#define OPC_TESTL       0x85
#define OPC_SHIFT_Ib    0xc1
#define OPC_SHIFT_cl    0xd3
#define OPC_GRP3_Ev     0xf7
#define OPC_GRP5        0xff
#define OPC_IMUL_GvEv   (0xaf | P_0F)
#define OPC_IMUL_GvEvIz 0x69
#define OPC_IMUL_GvEvIb 0x6b
#define OPC_MOVZBL      (0xb6 | P_0F | P_BYTE_RM)
#define OPC_MOVZWL      (0xb7 | P_0F)
#define OPC_MOVSBL      (0xbe | P_0F | P_BYTE_RM)
#define OPC_MOVSWL      (0xbf | P_0F)
#define OPC_MOVSLQ      (0x63 | P_REXW)
#define OPC_BSWAP       (0xc8 | P_0F)
#define OPC_CMOVCC      (0x40 | P_0F)
#define OPC_SETCC       (0x90 | P_0F | P_BYTE_RM)
#define OPC_JCC_long    (0x80 | P_0F)
#define OPC_JMP_long    0xe9
#define OPC_CALL_Jz     0xe8
#define OPC_BSF         (0xbc | P_0F)
#define OPC_BSR         (0xbd | P_0F)
#define OPC_TZCNT       (0xbc | P_0F | P_F3)
#define OPC_LZCNT       (0xbd | P_0F | P_F3)
#define OPC_POPCNT      (0xb8 | P_0F | P_F3)
#define OPC_PUSH_r      0x50
#define OPC_POP_r       0x58
#define OPC_RET         0xc3

/* ARITH ops (ModRM reg field of 0x81/0x83, and opcode base for GvEv) */
enum { ARITH_ADD = 0, ARITH_OR = 1, ARITH_AND = 4, ARITH_SUB = 5,
       ARITH_XOR = 6, ARITH_CMP = 7 };
/* shift ops (ModRM reg field of 0xc1/0xd3) */
enum { SHIFT_ROL = 0, SHIFT_ROR = 1, SHIFT_SHL = 4, SHIFT_SHR = 5,
       SHIFT_SAR = 7 };
/* group 3 (0xf7) */
enum { EXT3_NOT = 2, EXT3_NEG = 3, EXT3_MUL = 4, EXT3_IMUL = 5 };
/* group 5 (0xff) */
enum { EXT5_CALLN_Ev = 2, EXT5_JMPN_Ev = 4 };

/* x86 condition codes (low nibble of Jcc/SETcc/CMOVcc) */
enum { JCC_JO = 0, JCC_JB = 2, JCC_JAE = 3, JCC_JE = 4, JCC_JNE = 5,
       JCC_JBE = 6, JCC_JA = 7, JCC_JS = 8, JCC_JL = 0xc, JCC_JGE = 0xd,
       JCC_JLE = 0xe, JCC_JG = 0xf };

static inline void x64_out8(X64Gen *g, uint8_t v)
{
    *g->ptr++ = v;
}

static inline void x64_out32(X64Gen *g, uint32_t v)
{
    memcpy(g->ptr, &v, 4);
    g->ptr += 4;
}

static inline void x64_out64(X64Gen *g, uint64_t v)
{
    memcpy(g->ptr, &v, 8);
    g->ptr += 8;
}

static inline void x64_patch32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4);
}

static inline bool x64_fits_s8(int64_t v)
{
    return v == (int8_t)v;
}

static inline bool x64_fits_s32(int64_t v)
{
    return v == (int32_t)v;
}

/* Prefixes, REX and opcode bytes; r, rm and x are register numbers. */
static inline void x64_opc(X64Gen *g, int opc, int r, int rm, int x)
{
    int rex = 0;

    if (opc & P_DATA16) {
        x64_out8(g, 0x66);
    }
    if (opc & P_F3) {
        x64_out8(g, 0xf3);
    }
    rex |= (opc & P_REXW) ? 8 : 0;
    rex |= (r & 8) >> 1;
    rex |= (x & 8) >> 2;
    rex |= (rm & 8) >> 3;
    /* spl, bpl, sil, dil need a REX prefix to be addressed as bytes */
    if (((opc & P_BYTE_R) && r >= 4) || ((opc & P_BYTE_RM) && rm >= 4)) {
        rex |= 0x40;
    }
    if (rex) {
        x64_out8(g, (uint8_t)(0x40 | rex));
    }
    if (opc & P_0F) {
        x64_out8(g, 0x0f);
    }
    x64_out8(g, (uint8_t)opc);
}

/* register-direct ModRM */
static inline void x64_modrm(X64Gen *g, int opc, int r, int rm)
{
    x64_opc(g, opc, r, rm, 0);
    x64_out8(g, (uint8_t)(0xc0 | ((r & 7) << 3) | (rm & 7)));
}

/*
 * Memory ModRM: [base + index * (1 << shift) + disp]; index < 0 for none.
 * disp must fit in 32 bits (callers check).
 */
static inline void x64_modrm_sib(X64Gen *g, int opc, int r, int base,
                                 int index, int shift, int32_t disp)
{
    int mod = disp == 0 && (base & 7) != X64_RBP ? 0
              : x64_fits_s8(disp) ? 0x40 : 0x80;

    x64_opc(g, opc, r, base, index < 0 ? 0 : index);
    if (index < 0 && (base & 7) != X64_RSP) {
        x64_out8(g, (uint8_t)(mod | ((r & 7) << 3) | (base & 7)));
    } else {
        int idx = index < 0 ? 4 : (index & 7);
        x64_out8(g, (uint8_t)(mod | ((r & 7) << 3) | 4));
        x64_out8(g, (uint8_t)((shift << 6) | (idx << 3) | (base & 7)));
    }
    if (mod == 0x40) {
        x64_out8(g, (uint8_t)disp);
    } else if (mod == 0x80) {
        x64_out32(g, (uint32_t)disp);
    }
}

static inline void x64_modrm_mem(X64Gen *g, int opc, int r, int base,
                                 int32_t disp)
{
    x64_modrm_sib(g, opc, r, base, -1, 0, disp);
}

/* RIP-relative ModRM: operand at absolute position target (write view). */
static inline void x64_modrm_rip(X64Gen *g, int opc, int r,
                                 const uint8_t *target)
{
    x64_opc(g, opc, r, 0, 0);
    x64_out8(g, (uint8_t)(0x05 | ((r & 7) << 3)));
    x64_out32(g, (uint32_t)(target - (g->ptr + 4)));
}

static inline int x64_rexw(bool is64)
{
    return is64 ? P_REXW : 0;
}

static inline void x64_mov_rr(X64Gen *g, bool is64, int dst, int src)
{
    if (dst != src) {
        x64_modrm(g, OPC_MOVL_GvEv | x64_rexw(is64), dst, src);
    }
}

/* Loads a constant without touching the flags. */
static inline void x64_movi(X64Gen *g, int r, uint64_t v)
{
    if (v == (uint32_t)v) {
        x64_opc(g, OPC_MOVL_Iv + (r & 7), 0, r, 0);
        x64_out32(g, (uint32_t)v);
    } else if (x64_fits_s32((int64_t)v)) {
        x64_modrm(g, OPC_MOVL_EvIz | P_REXW, 0, r);
        x64_out32(g, (uint32_t)v);
    } else {
        x64_opc(g, (OPC_MOVL_Iv + (r & 7)) | P_REXW, 0, r, 0);
        x64_out64(g, v);
    }
}

/* arith r, imm (imm fits in a sign-extended 32-bit value) */
static inline void x64_arith_ri(X64Gen *g, bool is64, int ext, int r,
                                int64_t imm)
{
    if (x64_fits_s8(imm)) {
        x64_modrm(g, OPC_ARITH_EvIb | x64_rexw(is64), ext, r);
        x64_out8(g, (uint8_t)imm);
    } else {
        x64_modrm(g, OPC_ARITH_EvIz | x64_rexw(is64), ext, r);
        x64_out32(g, (uint32_t)imm);
    }
}

static inline void x64_arith_rr(X64Gen *g, bool is64, int ext, int dst,
                                int src)
{
    x64_modrm(g, (OPC_ARITH_GvEv + (ext << 3)) | x64_rexw(is64), dst, src);
}

static inline void x64_shift_ri(X64Gen *g, bool is64, int ext, int r,
                                unsigned count)
{
    x64_modrm(g, OPC_SHIFT_Ib | x64_rexw(is64), ext, r);
    x64_out8(g, (uint8_t)count);
}

static inline void x64_push(X64Gen *g, int r)
{
    x64_opc(g, OPC_PUSH_r + (r & 7), 0, r, 0);
}

static inline void x64_pop(X64Gen *g, int r)
{
    x64_opc(g, OPC_POP_r + (r & 7), 0, r, 0);
}

/* jmp/jcc rel32 to an absolute position (write view); cond < 0: jmp */
static inline void x64_jump_to(X64Gen *g, int cond, const uint8_t *target)
{
    if (cond < 0) {
        x64_out8(g, OPC_JMP_long);
    } else {
        x64_opc(g, OPC_JCC_long + cond, 0, 0, 0);
    }
    x64_out32(g, (uint32_t)(target - (g->ptr + 4)));
}

/* jmp/jcc rel32 with the displacement to be patched; returns its place */
static inline uint8_t *x64_jump_fwd(X64Gen *g, int cond)
{
    uint8_t *p;

    if (cond < 0) {
        x64_out8(g, OPC_JMP_long);
    } else {
        x64_opc(g, OPC_JCC_long + cond, 0, 0, 0);
    }
    p = g->ptr;
    x64_out32(g, 0);
    return p;
}

/* Makes the rel32 at p point at the current position. */
static inline void x64_jump_here(X64Gen *g, uint8_t *p)
{
    x64_patch32(p, (uint32_t)(g->ptr - (p + 4)));
}

#endif
