/*
 * The PC's numeric error logic (hw/misc/ferr.c): the x87's FERR# output
 * becomes IRQ 13, and a write to port 0xF0 asserts IGNNE#, which drops
 * IRQ 13 until FERR# goes away. Used by guests that run with CR0.NE=0.
 */
#ifndef KITE_FERR_H
#define KITE_FERR_H

#include <stdbool.h>

#include "hw/pc/pc.h"

/* FERR# from the CPU (an unmasked x87 exception is pending or not).
   Takes the machine lock; does nothing on a machine without the device.
   Returns true when this assertion raised IRQ 13. */
bool ferr_set(Machine *m, bool asserted);

#endif
