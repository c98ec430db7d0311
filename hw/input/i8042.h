/*
 * The i8042 PS/2 controller ("i8042" device, ports 0x60/0x64, IRQ 1 and
 * 12). Input sources (the console, later) push device bytes through these
 * calls; the controller delivers them to the guest when its output buffer
 * is free and the interface is enabled. Call with the machine lock held.
 */
#ifndef KITE_I8042_H
#define KITE_I8042_H

#include "hw/core/qdev.h"

/* Queues a byte from the keyboard (scan code, already in the active set). */
void i8042_put_kbd(Device *dev, uint8_t byte);
/* Queues a byte from the auxiliary (mouse) device. */
void i8042_put_aux(Device *dev, uint8_t byte);

#endif
