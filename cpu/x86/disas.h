/*
 * Disassembly for the -d in_asm / out_asm logs: guest x86 code in 16, 32
 * or 64-bit mode and host x86-64 code, printed one instruction per line
 * with its address. A thin wrapper over capstone; the handles live in the
 * X86Disas struct its owner keeps (no globals).
 */
#ifndef KITE_X86_DISAS_H
#define KITE_X86_DISAS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct X86Disas {
    size_t handle[4];   /* capstone handles: 16, 32, 64-bit guest, host */
    bool open[4];
} X86Disas;

/* Opens the capstone handles; returns 0, or -1 if none could be opened. */
int x86_disas_init(X86Disas *d);
void x86_disas_destroy(X86Disas *d);

/*
 * Prints guest code at guest address pc ("0x%016lx:  bytes  insn").
 * Bytes capstone cannot decode are shown as ".byte" and skipped one by one.
 */
void x86_disas_guest(X86Disas *d, FILE *f, const uint8_t *code, size_t size,
                     uint64_t pc, int mode);
/* Prints host x86-64 code found at code (its address is used as pc). */
void x86_disas_host(X86Disas *d, FILE *f, const void *code, size_t size);

#endif
