/*
 * The host fast path of the SSE floating point (cpu/x86/ssefp_host.c).
 *
 * ADD/SUB/MUL/DIV/MIN/MAX/SQRT PS/PD/SS/SD with every MXCSR exception
 * masked run as the same instruction on an x86-64 host, under the
 * guest's MXCSR (rounding, FTZ, DAZ; flags cleared), and the flags the
 * host sets are ORed into the guest's MXCSR. With every exception masked
 * no exception can be raised and the result and flags are what the
 * architecture defines for that instruction and MXCSR, the very thing
 * the software path computes; unmasked exceptions, other instructions,
 * other hosts and hosts without DAZ take the software path. The
 * environment variable KITE_SSEFP_SOFT=1 turns the fast path off (the
 * difftest runs both).
 */
#ifndef KITE_X86_SSEFP_HOST_H
#define KITE_X86_SSEFP_HOST_H

#include <stdbool.h>

#include "cpu/x86/tcg-cpu.h"

/* false with KITE_SSEFP_SOFT set, or on another host: no fast path,
   quick or not, is taken. */
extern bool ssefp_host_enabled;

/* d = op(d, s) on the host for mnemonic mnem; false if not taken. */
bool ssefp_host_op(CPUX86TCG *env, void *d, const void *s, unsigned mnem);

#endif
