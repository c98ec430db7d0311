/*
 * Input from the front ends (the window, VNC, the monitor's sendkey) to
 * the guest's devices. Keys are Linux input codes (KEY_*), which every
 * front end maps to: SDL scancodes (USB HID usages, independent of the
 * host layout, so the guest's layout decides as on QEMU), X keysyms (VNC
 * sends characters already resolved by the client's layout: a US table),
 * and QEMU's key names for sendkey. Keys go to the virtio keyboard when
 * the guest drives one, else to the PS/2 keyboard; relative motion goes
 * to the PS/2 mouse, absolute positions to a virtio tablet when present.
 *
 * Call with the machine lock held.
 */
#ifndef KITE_UI_INPUT_H
#define KITE_UI_INPUT_H

#include <stdbool.h>
#include <stdint.h>

typedef struct Machine Machine;

#define INPUT_BUTTON_LEFT    1u
#define INPUT_BUTTON_RIGHT   2u
#define INPUT_BUTTON_MIDDLE  4u

/* Absolute positions are scaled to 0..INPUT_ABS_MAX on both axes. */
#define INPUT_ABS_MAX        0x7fff

void input_key(Machine *m, unsigned key, bool down);
void input_mouse_rel(Machine *m, int dx, int dy, int dz, unsigned buttons);
/* Whether an absolute pointer (virtio-tablet) exists. */
bool input_has_abs(Machine *m);
/* x, y in 0..INPUT_ABS_MAX; dz wheel steps (towards the user positive). */
void input_mouse_abs(Machine *m, int x, int y, int dz, unsigned buttons);

/* Key maps (ui/keymap.c); 0 where the source key has no Linux code. */
unsigned keymap_from_usb(unsigned usage);         /* SDL scancodes */
unsigned keymap_from_keysym(uint32_t keysym);     /* X11 / RFB keysyms */
unsigned keymap_from_name(const char *name);      /* sendkey names, 0xNN */

/*
 * Parses a sendkey combination ("ctrl-alt-delete") into keys; returns
 * how many (at most max), or -1 naming the bad part in *bad.
 */
int keymap_parse_combo(const char *combo, unsigned *keys, int max,
                       const char **bad, int *bad_len);

#endif
