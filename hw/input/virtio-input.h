/*
 * virtio-input (VIRTIO 1.1, 5.8): virtio-keyboard-pci and
 * virtio-tablet-pci. Input sources (ui/input.c) hand events over with
 * the machine lock held.
 */
#ifndef KITE_VIRTIO_INPUT_H
#define KITE_VIRTIO_INPUT_H

#include <stdbool.h>

#include "hw/core/qdev.h"

/* Whether the guest's driver is running the device (DRIVER_OK). */
bool virtio_input_active(Device *dev);
/* Keyboard: a key (Linux input code) went down or up. */
void virtio_input_key(Device *dev, unsigned key, bool down);
/*
 * Tablet: the pointer is at x, y (0..0x7fff), buttons held (left 1,
 * right 2, middle 4), dz wheel steps towards the user.
 */
void virtio_input_abs(Device *dev, int x, int y, int dz, unsigned buttons);

#endif
