/*
 * What every x87, MMX and SSE emitter shares (cpu/x86/translate-fpu.c):
 * the availability checks an instruction makes before anything else, and
 * access to MMX registers, XMM registers and their memory operands.
 *
 * Availability (Intel SDM Vol. 3A 2.5 "Control Registers", 13.1, and the
 * "Exceptions" section of each instruction):
 *   x87        CR0.EM or CR0.TS -> #NM
 *   x87 WAIT   CR0.MP and CR0.TS -> #NM (FWAIT only)
 *   MMX        CR0.EM -> #UD; CR0.TS -> #NM
 *   SSE        CR0.EM -> #UD; CR4.OSFXSR = 0 -> #UD; CR0.TS -> #NM
 *   FXSR       CR0.EM or CR0.TS -> #NM (FXSAVE, FXRSTOR)
 *   XSAVE      CR4.OSXSAVE = 0 -> #UD; CR0.TS -> #NM
 *   XCR        CR4.OSXSAVE = 0 -> #UD (XGETBV, XSETBV)
 * and for every kind but the x87 ones, #UD when the TCG does not run the
 * instruction's CPUID feature (x86_tcg_has_feature). MMX and x87 WAIT
 * then deliver a pending unmasked x87 exception (FSW.ES) through the x87
 * unit: #MF, or FERR# with CR0.NE = 0. The CR0/CR4 bits are hflags, so
 * a block is translated for one setting of them; writes to CR0 and CR4
 * end the block.
 *
 * MMX state (SDM Vol. 1 9.5 "Compatibility with x87 FPU Architecture"):
 * MMi is the mantissa of physical x87 register Ri (st.fpregs[i].mant).
 * Every MMX instruction sets TOP to 0 and, except EMMS, every tag to
 * valid (ftw = 0); a write of MMi also sets Ri's sign and exponent to all
 * ones (exp = 0xffff). EMMS sets every tag to empty (ftw = 0xffff). SDM
 * Vol. 1 Table 9-2; checked against processors by the difftest.
 *
 * Operands: an emitter asks for the env offset of a source operand;
 * for a register that is the register itself, for memory the value is
 * first loaded into a scratch slot (CPUX86TCG.simd_tmp) and zero-extended
 * to 16 bytes. The aligned forms (MOVDQA, MOVAPS, every 16-byte operand
 * of a legacy SSE arithmetic instruction) raise #GP(0) on a linear
 * address that is not a multiple of 16.
 */
#ifndef KITE_X86_TRANSLATE_FPU_H
#define KITE_X86_TRANSLATE_FPU_H

#include <stddef.h>

#include "cpu/x86/translate.h"

typedef enum X86FpuKind {
    X86_FPU_X87,
    X86_FPU_X87_WAIT,
    X86_FPU_MMX,
    X86_FPU_SSE,
    X86_FPU_FXSR,
    X86_FPU_XSAVE,
    X86_FPU_XCR,
} X86FpuKind;

/*
 * Emits the availability checks of kind for the instruction being
 * translated. Returns false when the instruction always faults here (the
 * exception is emitted and the block ends): the emitter returns at once.
 */
bool gen_check_fpu(DisasContext *d, X86FpuKind kind);
/* The run-time #MF check alone (FSW.ES), for waiting x87 instructions
   and SSE instructions with an MMX operand. */
void gen_check_fpu_pending(DisasContext *d);

/* Offsets of registers and scratch slots in env. */
static inline int64_t xmm_off(int reg)
{
    return offsetof(CPUX86TCG, st.xmm) + 16 * (int64_t)(reg & 15);
}
static inline int64_t mmx_off(int reg)
{
    return offsetof(CPUX86TCG, st.fpregs) +
           sizeof(FloatX80) * (int64_t)(reg & 7) +
           offsetof(FloatX80, mant);
}
static inline int64_t simd_tmp_off(int slot)
{
    return offsetof(CPUX86TCG, simd_tmp) + 16 * (int64_t)(slot & 1);
}
/* env offset of an MMX or XMM register operand. */
int64_t simd_reg_off(const X86Operand *o);
/* A pointer temp env + off (for helpers); freed with the instruction. */
TCGv_ptr gen_env_ptr(DisasContext *d, int64_t off);

/* The x87 -> MMX transition (TOP = 0, all tags valid). */
void gen_mmx_enter(DisasContext *d);
/* After a write of MMreg: its sign/exponent field becomes 0xffff. */
void gen_mmx_written(DisasContext *d, int reg);

/* #GP(0) unless laddr is a multiple of bytes (a power of two). */
void gen_check_align(DisasContext *d, TCGv_i64 laddr, int bytes);
/*
 * 16-byte guest accesses at laddr as two 64-bit halves: the segment check
 * covers all 16 bytes, a store that crosses a page is probed first, so a
 * fault leaves memory untouched. align: #GP(0) when laddr % 16 != 0.
 */
void gen_ld_mem128(DisasContext *d, TCGv_i64 lo, TCGv_i64 hi,
                   TCGv_i64 laddr, bool align);
void gen_st_mem128(DisasContext *d, TCGv_i64 lo, TCGv_i64 hi,
                   TCGv_i64 laddr, bool align);

/*
 * The env offset of source operand o: an MMX/XMM register, or scratch
 * slot `slot` (0 or 1) loaded with `bytes` bytes (2, 4, 8 or 16) of
 * memory and zero-extended to 16 bytes. align as for gen_ld_mem128.
 */
int64_t gen_simd_src(DisasContext *d, const X86Operand *o, int bytes,
                     bool align, int slot);
/* Stores `bytes` bytes at env + off to memory operand o. */
void gen_simd_st_mem(DisasContext *d, const X86Operand *o, int64_t off,
                     int bytes, bool align);
/* Copies `bytes` bytes (4, 8 or 16) inside env. */
void gen_env_copy(DisasContext *d, int64_t dst, int64_t src, int bytes);

/*
 * For the MMX/SSE emitters (translate-simd-move.c): an instruction with
 * an MMX operand and no XMM operand is checked as MMX, anything else as
 * SSE; gen_simd_commit makes the MMX transition (if it has an MMX
 * operand) and marks an MMX destination, after the last fault.
 */
bool simd_has_mmx(const X86Insn *in);
bool gen_simd_check(DisasContext *d, const X86Insn *in);
void gen_simd_commit(DisasContext *d, const X86Insn *in);
/* d = op(d, s) through helper simd_op, op of cpu/x86/simd-ops.def
   (translate-simd.c; for the forms translate-simd-lane.c leaves). */
void gen_simd_op_call(DisasContext *d, const X86Insn *in, int op);
/* ops[0] <- ops[1], 16 bytes (MOVDQA/MOVAPS...; align: #GP(0) form). */
void gen_mov128(DisasContext *d, const X86Insn *in, bool align);

#endif
