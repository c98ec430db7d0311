/*
 * The x87 unit under the TCG: what the translator (translate-x87.c) and
 * the helpers (fpu_helper.c, fpu_env.c, fpu_trans.c) share.
 *
 * Every x87 instruction is one helper call, helper_x87_mem (memory
 * operand, at the linear address the translator formed) or helper_x87_reg
 * (register and implicit operands), with a 64-bit descriptor saying
 * which instruction it is. The helper first delivers a pending unmasked
 * exception for a waiting instruction (#MF with CR0.NE=1, FERR#/IRQ 13
 * with CR0.NE=0), then checks a memory operand against its segment
 * (#GP/#SS come after #MF), records FOP/FIP/FCS and
 * FDP/FDS for a non-control instruction, then runs the instruction on
 * X86CPUState's fpregs/fcw/fsw/ftw: through the fast path of x87-host.h
 * when its operands and FCW allow, else with the softfloat library.
 *
 * The stack: ST(i) is fpregs[(TOP + i) & 7], TOP is FSW bits 11..13; ftw
 * is the full tag word (2 bits per physical register: 0 valid, 1 zero,
 * 2 special, 3 empty), kept up to date on every register write.
 */
#ifndef KITE_X86_X87_H
#define KITE_X86_X87_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/x86/softfloat.h"
#include "cpu/x86/tcg-cpu.h"

/* Descriptor fields. */
#define X87_D_MNEM(d)   ((unsigned)((d) & 0xffff))       /* X86_M_* */
#define X87_D_SIZE(d)   ((unsigned)(((d) >> 16) & 0xff)) /* memory bytes */
#define X87_D_FOP(d)    ((unsigned)(((d) >> 24) & 0x7ff))
#define X87_D_SEG(d)    ((unsigned)(((d) >> 35) & 7))    /* R_* of memory */
#define X87_D_ASIZE(d)  ((unsigned)(((d) >> 38) & 0xf))  /* 2, 4, 8 */
#define X87_D_DST(d)    ((unsigned)(((d) >> 42) & 7))    /* ST(i) operands */
#define X87_D_SRC(d)    ((unsigned)(((d) >> 45) & 7))
#define X87_D_OP32      (1ull << 48)    /* 32-bit operand size (env layout) */
#define X87_D_LONG      (1ull << 49)    /* 64-bit mode: no address wrap */
#define X87_D_REAL      (1ull << 50)    /* real or virtual-8086 mode */
/* The translator has checked for a pending exception and the segment,
   and loaded the memory operand (2, 4 or 8 bytes, zero-extended) into
   env->simd_tmp[0].q[0]: the helper reads it there. */
#define X87_D_PRE       (1ull << 51)

static inline uint64_t x87_desc(unsigned mnem, unsigned size, unsigned fop,
                                unsigned seg, unsigned asize, unsigned dst,
                                unsigned src)
{
    return mnem | (uint64_t)size << 16 | (uint64_t)(fop & 0x7ff) << 24 |
           (uint64_t)(seg & 7) << 35 | (uint64_t)asize << 38 |
           (uint64_t)(dst & 7) << 42 | (uint64_t)(src & 7) << 45;
}

/* FSW bits */
#define FSW_IE  0x0001
#define FSW_DE  0x0002
#define FSW_ZE  0x0004
#define FSW_OE  0x0008
#define FSW_UE  0x0010
#define FSW_PE  0x0020
#define FSW_SF  0x0040
#define FSW_ES  0x0080
#define FSW_C0  0x0100
#define FSW_C1  0x0200
#define FSW_C2  0x0400
#define FSW_TOP_SHIFT 11
#define FSW_TOP 0x3800
#define FSW_C3  0x4000
#define FSW_B   0x8000
#define FSW_CC  (FSW_C0 | FSW_C1 | FSW_C2 | FSW_C3)

#define X87_TAG_VALID   0
#define X87_TAG_ZERO    1
#define X87_TAG_SPECIAL 2
#define X87_TAG_EMPTY   3

/* ---- fpu_helper.c: the register stack and exception bookkeeping ---- */

int x87_top(const X86CPUState *s);
void x87_set_top(X86CPUState *s, int top);
bool x87_is_empty(const X86CPUState *s, int i);
Float80 x87_get(const X86CPUState *s, int i);
void x87_set(X86CPUState *s, int i, Float80 v);
void x87_set_empty(X86CPUState *s, int i);
/* Tag of a value by its encoding (valid, zero or special). */
unsigned x87_tag_of(Float80 v);
void x87_pop(X86CPUState *s);
void x87_set_cc(X86CPUState *s, unsigned cc);    /* FSW_C* bits */
/* A status for an operation under the current FCW. */
SfStatus x87_sf(const X86CPUState *s);
/*
 * Records exception flags (and SF, C1 for stack faults) in FSW, with ES
 * and B when one is unmasked. Returns true when an unmasked invalid,
 * denormal or zero-divide exception means the result must not be
 * written.
 */
bool x87_raise(CPUX86TCG *env, unsigned flags);
/* Stack underflow (reading an empty register): IE + SF, C1 = 0;
   returns true if unmasked (nothing may be written). */
bool x87_underflow(CPUX86TCG *env);
/* Writes an arithmetic result to ST(i) with its flags and C1 (rounded
   up); false when an unmasked exception suppressed it. */
bool x87_result(CPUX86TCG *env, int i, Float80 r, const SfStatus *st);
/* ES changed: FERR# follows it (CR0.NE=0 systems). */
void x87_update_ferr(CPUX86TCG *env);
/* A control word as loaded (FLDCW, FLDENV, FRSTOR, FXRSTOR, XRSTOR):
   reserved bits 7, 13-15 read 0, bit 6 reads 1. */
uint16_t x87_fcw_value(uint16_t v);
/* ES and B from the exception flags and masks after a load of FCW or
   FSW (FLDCW, FLDENV, FRSTOR, FXRSTOR, XRSTOR); FERR# follows. */
void x87_recompute_es(CPUX86TCG *env);
/* Guest memory at laddr + off (wrapped to 32 bits outside 64-bit mode). */
uint64_t x87_mload(CPUX86TCG *env, uint64_t desc, uint64_t laddr,
                   unsigned off, unsigned bytes);
void x87_mstore(CPUX86TCG *env, uint64_t desc, uint64_t laddr, unsigned off,
                unsigned bytes, uint64_t v);
void x87_load_reg(CPUX86TCG *env, uint64_t desc, uint64_t laddr,
                  unsigned off, Float80 *v);
void x87_store_reg(CPUX86TCG *env, uint64_t desc, uint64_t laddr,
                   unsigned off, Float80 v);
/* Whether helper_x87_mem / helper_x87_reg implement a mnemonic. */
bool x87_knows(unsigned mnem, bool mem);

/* ---- fpu_env.c: control instructions, environment, save/restore ---- */

void x87_finit(X86CPUState *s);
/* FLDCW, FNSTCW, FNSTSW m16, FLDENV, FNSTENV, FRSTOR, FNSAVE */
void x87_env_mem(CPUX86TCG *env, uint64_t desc, uint64_t laddr);

/* ---- fpu_trans.c: transcendental and other ST(0)/ST(1) operations ---- */

/* Returns false for a mnemonic it does not know. */
bool x87_trans(CPUX86TCG *env, unsigned mnem);

/* ---- fpu_math.c: F2XM1, FYL2X, FYL2XP1, FPTAN, FPATAN, FSIN, FCOS,
   FSINCOS ---- */
bool x87_math(CPUX86TCG *env, unsigned mnem);

#endif
