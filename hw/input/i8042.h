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

/*
 * A key (Linux input code, KEY_*) went down or up: the keyboard sends its
 * scan codes in the active set, translated when the command byte asks.
 */
void i8042_key_event(Device *dev, unsigned key, bool down);
/*
 * The mouse moved (dx right, dy down, dz wheel steps towards the user
 * positive) with buttons held (left 1, right 2, middle 4): stream mode
 * sends packets (4 bytes once the guest enabled the IntelliMouse wheel),
 * remote mode keeps the movement for the next 0xEB.
 */
void i8042_mouse_event(Device *dev, int dx, int dy, int dz, unsigned buttons);

#endif
