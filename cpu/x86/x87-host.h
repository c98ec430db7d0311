/*
 * The fast path of the x87 unit (cpu/x86/x87_host.c), tried by
 * helper_x87_reg and helper_x87_mem after the instruction's entry work
 * (pending #MF, segment check, FOP/FIP/FDP) and before the software
 * path. Each function either completes the instruction, with the very
 * registers, tags, status word, EFLAGS and memory the software path
 * gives, or changes nothing and returns false.
 *
 * On any host, in C: loads of single, double and extended reals and of
 * integers, FLD ST(i), FST(P) ST(i), FXCH, FCHS, FABS, FLD1, FLDZ, and
 * the compares (FCOM, FUCOM, FCOMI, FUCOMI, FICOM, FTST and their
 * popping forms) when every operand is a normal number or zero (no flag
 * can then be raised) and no stack fault occurs.
 *
 * On an x86-64 host, with every exception masked in FCW: FADD, FSUB,
 * FSUBR, FMUL, FDIV, FDIVR (register, real and integer memory forms),
 * FSQRT, FST(P) m32/m64, FIST(P) and FISTTP run as the same instruction
 * on the host's x87 unit under the guest's FCW (precision and rounding
 * control), and the host's status word says which flags the operation
 * raised and, in C1, whether it rounded up. Only a result that raised
 * nothing but PE is taken (and, for a register result, one that is not
 * a NaN or an infinity); anything else (invalid, denormal operand, zero
 * divide, overflow, underflow) goes to the software path. The
 * environment variable KITE_X87_SOFT=1 turns the whole fast path off.
 */
#ifndef KITE_X86_X87_HOST_H
#define KITE_X86_X87_HOST_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/x86/decode.h"
#include "cpu/x86/tcg-cpu.h"

/* A register-only instruction (helper_x87_reg's arguments). */
bool x87_host_reg(CPUX86TCG *env, uint64_t desc);
/* An instruction with a memory operand at laddr. */
bool x87_host_mem(CPUX86TCG *env, uint64_t desc, uint64_t laddr);
/* Turns the fast path on or off (at start: off when KITE_X87_SOFT is set
   and not 0); returns the previous setting. For tests. */
bool x87_host_set_enabled(bool on);

/* How many registers an FCOM/FUCOM/FICOM/FCOMI form pops: 0, 1 or 2. */
static inline int x87_compare_pops(unsigned mnem)
{
    switch (mnem) {
    case X86_M_FCOMP: case X86_M_FUCOMP: case X86_M_FICOMP:
    case X86_M_FCOMIP: case X86_M_FUCOMIP:
        return 1;
    case X86_M_FCOMPP: case X86_M_FUCOMPP:
        return 2;
    default:
        return 0;
    }
}

#endif
