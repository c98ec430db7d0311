/*
 * PS/2 scan codes (see ps2-scancode.h). Keys are Linux input codes; set 1
 * codes follow from them (KEY_ESC..KEY_F12 are the set 1 codes
 * themselves, the navigation and right-hand keys carry an 0xE0 prefix);
 * set 2 codes come from set 1 through the table below, which is also the
 * inverse of the i8042's translation; set 3 differs from set 2 for the
 * function, modifier, navigation and keypad keys and has no prefixes.
 *
 * Sources: the IBM PS/2 keyboard technical reference's scan code
 * tables, summarised in the usual set 1/2/3 charts.
 */
#include "hw/input/ps2-scancode.h"

#include <stddef.h>

#define E0 0x100

/* Linux input codes of the keys with a special set 1 code. */
enum {
    KEY_KPENTER = 96, KEY_RIGHTCTRL = 97, KEY_KPSLASH = 98, KEY_SYSRQ = 99,
    KEY_RIGHTALT = 100, KEY_HOME = 102, KEY_UP = 103, KEY_PAGEUP = 104,
    KEY_LEFT = 105, KEY_RIGHT = 106, KEY_END = 107, KEY_DOWN = 108,
    KEY_PAGEDOWN = 109, KEY_INSERT = 110, KEY_DELETE = 111, KEY_PAUSE = 119,
    KEY_LEFTMETA = 125, KEY_RIGHTMETA = 126, KEY_COMPOSE = 127,
};

/* set 1 code (index, below 0x60) -> set 2 code; 0: no such key */
static const uint8_t set1_to_set2[0x60] = {
    [0x01] = 0x76, [0x02] = 0x16, [0x03] = 0x1e, [0x04] = 0x26,
    [0x05] = 0x25, [0x06] = 0x2e, [0x07] = 0x36, [0x08] = 0x3d,
    [0x09] = 0x3e, [0x0a] = 0x46, [0x0b] = 0x45, [0x0c] = 0x4e,
    [0x0d] = 0x55, [0x0e] = 0x66, [0x0f] = 0x0d, [0x10] = 0x15,
    [0x11] = 0x1d, [0x12] = 0x24, [0x13] = 0x2d, [0x14] = 0x2c,
    [0x15] = 0x35, [0x16] = 0x3c, [0x17] = 0x43, [0x18] = 0x44,
    [0x19] = 0x4d, [0x1a] = 0x54, [0x1b] = 0x5b, [0x1c] = 0x5a,
    [0x1d] = 0x14, [0x1e] = 0x1c, [0x1f] = 0x1b, [0x20] = 0x23,
    [0x21] = 0x2b, [0x22] = 0x34, [0x23] = 0x33, [0x24] = 0x3b,
    [0x25] = 0x42, [0x26] = 0x4b, [0x27] = 0x4c, [0x28] = 0x52,
    [0x29] = 0x0e, [0x2a] = 0x12, [0x2b] = 0x5d, [0x2c] = 0x1a,
    [0x2d] = 0x22, [0x2e] = 0x21, [0x2f] = 0x2a, [0x30] = 0x32,
    [0x31] = 0x31, [0x32] = 0x3a, [0x33] = 0x41, [0x34] = 0x49,
    [0x35] = 0x4a, [0x36] = 0x59, [0x37] = 0x7c, [0x38] = 0x11,
    [0x39] = 0x29, [0x3a] = 0x58, [0x3b] = 0x05, [0x3c] = 0x06,
    [0x3d] = 0x04, [0x3e] = 0x0c, [0x3f] = 0x03, [0x40] = 0x0b,
    [0x41] = 0x83, [0x42] = 0x0a, [0x43] = 0x01, [0x44] = 0x09,
    [0x45] = 0x77, [0x46] = 0x7e, [0x47] = 0x6c, [0x48] = 0x75,
    [0x49] = 0x7d, [0x4a] = 0x7b, [0x4b] = 0x6b, [0x4c] = 0x73,
    [0x4d] = 0x74, [0x4e] = 0x79, [0x4f] = 0x69, [0x50] = 0x72,
    [0x51] = 0x7a, [0x52] = 0x70, [0x53] = 0x71, [0x54] = 0x84,
    [0x56] = 0x61, [0x57] = 0x78, [0x58] = 0x07, [0x5b] = 0x1f,
    [0x5c] = 0x27, [0x5d] = 0x2f,
};

/* Linux code -> set 1 for the keys whose code is not their set 1 code. */
static const struct { uint16_t key, set1; } key_set1_special[] = {
    { KEY_KPENTER, E0 | 0x1c }, { KEY_RIGHTCTRL, E0 | 0x1d },
    { KEY_KPSLASH, E0 | 0x35 }, { KEY_SYSRQ, E0 | 0x37 },
    { KEY_RIGHTALT, E0 | 0x38 }, { KEY_HOME, E0 | 0x47 },
    { KEY_UP, E0 | 0x48 }, { KEY_PAGEUP, E0 | 0x49 },
    { KEY_LEFT, E0 | 0x4b }, { KEY_RIGHT, E0 | 0x4d },
    { KEY_END, E0 | 0x4f }, { KEY_DOWN, E0 | 0x50 },
    { KEY_PAGEDOWN, E0 | 0x51 }, { KEY_INSERT, E0 | 0x52 },
    { KEY_DELETE, E0 | 0x53 }, { KEY_LEFTMETA, E0 | 0x5b },
    { KEY_RIGHTMETA, E0 | 0x5c }, { KEY_COMPOSE, E0 | 0x5d },
};

/* set 1 code (with E0) -> set 3 code, where set 3 is not set 2's code */
static const struct { uint16_t set1; uint8_t set3; } set3_special[] = {
    { 0x01, 0x08 }, { 0x3b, 0x07 }, { 0x3c, 0x0f }, { 0x3d, 0x17 },
    { 0x3e, 0x1f }, { 0x3f, 0x27 }, { 0x40, 0x2f }, { 0x41, 0x37 },
    { 0x42, 0x3f }, { 0x43, 0x47 }, { 0x44, 0x4f }, { 0x57, 0x56 },
    { 0x58, 0x5e }, { E0 | 0x37, 0x57 }, { 0x46, 0x5f }, { 0x2b, 0x5c },
    { 0x3a, 0x14 }, { 0x1d, 0x11 }, { 0x38, 0x19 }, { E0 | 0x1d, 0x58 },
    { E0 | 0x38, 0x39 }, { E0 | 0x5b, 0x8b }, { E0 | 0x5c, 0x8c },
    { E0 | 0x5d, 0x8d }, { E0 | 0x52, 0x67 }, { E0 | 0x47, 0x6e },
    { E0 | 0x49, 0x6f }, { E0 | 0x53, 0x64 }, { E0 | 0x4f, 0x65 },
    { E0 | 0x51, 0x6d }, { E0 | 0x48, 0x63 }, { E0 | 0x4b, 0x61 },
    { E0 | 0x50, 0x60 }, { E0 | 0x4d, 0x6a }, { 0x45, 0x76 },
    { E0 | 0x35, 0x77 }, { 0x37, 0x7e }, { 0x4a, 0x84 }, { 0x4e, 0x7c },
    { E0 | 0x1c, 0x79 }, { 0x56, 0x13 },
};

unsigned ps2_key_to_set1(unsigned key)
{
    if (key >= 1 && key <= 0x58 && key != 0x55 && set1_to_set2[key]) {
        return key;
    }
    for (size_t i = 0; i < sizeof(key_set1_special) /
                           sizeof(key_set1_special[0]); i++) {
        if (key_set1_special[i].key == key) {
            return key_set1_special[i].set1;
        }
    }
    return 0;
}

uint8_t ps2_translate_set2(uint8_t b)
{
    for (unsigned i = 1; i < sizeof(set1_to_set2); i++) {
        if (set1_to_set2[i] == b) {
            return (uint8_t)i;
        }
    }
    return b;                        /* no key sends it: passed on */
}

static int scancode_pause(bool down, unsigned set, bool xlate, uint8_t *out)
{
    static const uint8_t set1[6] = { 0xe1, 0x1d, 0x45, 0xe1, 0x9d, 0xc5 };
    static const uint8_t set2[8] = { 0xe1, 0x14, 0x77, 0xe1, 0xf0, 0x14,
                                     0xf0, 0x77 };
    const uint8_t *src = (set == 1 || (set == 2 && xlate)) ? set1 : set2;
    int n = src == set1 ? 6 : 8;

    if (!down) {
        return 0;                    /* Pause has no break code */
    }
    if (set == 3) {
        out[0] = xlate ? ps2_translate_set2(0x62) : 0x62;
        return 1;
    }
    for (int i = 0; i < n; i++) {
        out[i] = src[i];
    }
    return n;
}

static uint8_t set3_code(unsigned set1)
{
    for (size_t i = 0; i < sizeof(set3_special) / sizeof(set3_special[0]);
         i++) {
        if (set3_special[i].set1 == set1) {
            return set3_special[i].set3;
        }
    }
    return set1_to_set2[set1 & 0x7f];
}

int ps2_scancode(unsigned key, bool down, unsigned set, bool xlate,
                 uint8_t out[PS2_SCANCODE_MAX])
{
    unsigned s1 = key == KEY_PAUSE ? 0 : ps2_key_to_set1(key);
    int n = 0;

    if (key == KEY_PAUSE) {
        return scancode_pause(down, set, xlate, out);
    }
    if (!s1 || set < 1 || set > 3) {
        return 0;
    }
    if (set == 1 || (set == 2 && xlate)) {
        if (s1 & E0) {
            out[n++] = 0xe0;
        }
        out[n++] = (uint8_t)((s1 & 0x7f) | (down ? 0 : 0x80));
        return n;
    }
    if (set == 2 && (s1 & E0)) {
        out[n++] = 0xe0;
    }
    uint8_t code = set == 3 ? set3_code(s1) : set1_to_set2[s1 & 0x7f];
    if (xlate) {                     /* set 3 through the translator */
        out[n++] = (uint8_t)(ps2_translate_set2(code) | (down ? 0 : 0x80));
        return n;
    }
    if (!down) {
        out[n++] = 0xf0;
    }
    out[n++] = code;
    return n;
}
