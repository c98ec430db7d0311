/*
 * The TCG interpreter backend ("tci"): bytecode format shared by the
 * encoder (tci-gen.c) and the interpreter loop (tci-exec.c).
 *
 * A TB is an array of 64-bit words, starting with movi instructions that
 * load the TB's constants into their frame slots, then one instruction per
 * op. The machine is a register machine over a frame of 64-bit slots, one
 * per temp (slot n = temp index n; slot 0 holds env). i32 values live
 * zero-extended in their slots.
 *
 * Instruction word:
 *   bits  0..7   opcode (TCGOpcode)
 *   bits  8..15  aux: condition, MemOp, bit position, call arg count
 *   bits 16..31  slot a      bits 32..47 slot b      bits 48..63 slot c
 * followed, for some ops, by extra words:
 *   movi         value
 *   movcond      slots d (bits 0..15), e (16..31); cond in aux
 *   brcond       branch displacement in words from the instruction
 *   br           displacement in bits 32..63 of the instruction word
 *   ld, st       offset from the base slot pointer
 *   muls2/mulu2  slot d
 *   deposit      len (pos in aux); extract/sextract: pos in aux, len in c
 *   qemu_ld/st   memop in aux, mmu index in c
 *   call         TCIHelper pointer, then the argument slots, 4 per word;
 *                arg count in aux, result slot in a (TCI_NO_SLOT if void)
 *   goto_tb      target TB code pointer, 0 while unchained (patched)
 *   exit_tb      the value to return
 */
#ifndef KITE_TCG_TCI_H
#define KITE_TCG_TCI_H

#include <ffi.h>

#include "tcg/tcg.h"

#define TCI_NO_SLOT 0xffffu

typedef struct TCIHelper {
    ffi_cif cif;
    ffi_type *args[TCG_HELPER_MAX_ARGS];
    const TCGHelperInfo *info;
} TCIHelper;

static inline uint64_t tci_insn(unsigned opc, unsigned aux, unsigned a,
                                unsigned b, unsigned c)
{
    return (uint64_t)opc | ((uint64_t)aux << 8) | ((uint64_t)a << 16) |
           ((uint64_t)b << 32) | ((uint64_t)c << 48);
}

uintptr_t tci_exec(TCGContext *s, void *env, const void *code);

#endif
