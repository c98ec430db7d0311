/*
 * Differential tester: the 16-bit part of the 32-bit host runner
 * (dt-host16.c, linked into dt-host32 only). 16-bit snippets run in a
 * 16-bit code segment of the process's LDT (modify_ldt(2)); see
 * dt-host16.c for the segment layout.
 */
#ifndef KITE_DIFFTEST_HOST16_H
#define KITE_DIFFTEST_HOST16_H

#include <stddef.h>
#include <ucontext.h>

#include "tests/difftest/dt-proto.h"

/* Installs the 16-bit LDT segments; 0, or -1 and the reason in why. */
int host16_setup(char *why, size_t whylen);
/* Writes the 32-bit loader at DT_LOADER: state, segments, far jump. */
void host16_build_loader(const DtRequest *rq);
/* In a signal handler: DS and ES back to the flat data selector. */
void host16_restore_segs(void);
/* Makes r->rip linear (CS base + IP); -1 if the context is not 16-bit
   snippet code (the fault happened somewhere else). */
int host16_fix_rip(DtResult *r, const ucontext_t *uc);

#endif
