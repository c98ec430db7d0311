/*
 * Lockstep over whole guests (issue #4, "Lockstep mode"): the entry
 * point of `lockstep --guest`, and the single-step probe it shares with
 * the sequence mode of lockstep.c.
 */
#ifndef KITE_LOCKSTEP_GUEST_H
#define KITE_LOCKSTEP_GUEST_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Whether ENGINE (kvm, tcg-native, tcg-interp) stops after one instruction
 * when single-stepped on this host; false with the reason in why.
 */
bool lockstep_engine_can_step(const char *engine, char *why, size_t n);

/* `lockstep --guest FILE ...`: returns the process exit status. */
int lockstep_guest_main(int argc, char **argv);

#endif
