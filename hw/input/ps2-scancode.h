/*
 * PS/2 scan codes: a key, named by its Linux input event code (KEY_*,
 * linux/input-event-codes.h; the code every front end maps to), turned
 * into the bytes a PS/2 keyboard sends in scan code set 1, 2 or 3, and
 * the i8042's translation of set 2 bytes to set 1.
 */
#ifndef KITE_PS2_SCANCODE_H
#define KITE_PS2_SCANCODE_H

#include <stdbool.h>
#include <stdint.h>

#define PS2_SCANCODE_MAX   8         /* longest sequence (Pause in set 2) */

/*
 * Writes the bytes for key (make when down, else break) in set (1-3) to
 * out; with xlate the controller's set 2 -> set 1 translation is applied
 * (what the guest reads when command byte bit 6 is set). Returns the
 * count, 0 for a key the keyboard does not have.
 */
int ps2_scancode(unsigned key, bool down, unsigned set, bool xlate,
                 uint8_t out[PS2_SCANCODE_MAX]);

/* The set 1 code of a key: low byte, 0x100 for an 0xE0 prefix; 0 if none. */
unsigned ps2_key_to_set1(unsigned key);

/*
 * The i8042 translation of one set 2 byte (0xF0, the break prefix, is
 * handled by the caller: it sets bit 7 of the next translated byte).
 */
uint8_t ps2_translate_set2(uint8_t b);

#endif
