/*
 * Key maps into Linux input codes (see ui/input.h): USB HID usages (what
 * SDL calls scancodes), X11 keysyms (RFB key events) for a US layout,
 * and QEMU's sendkey key names.
 */
#include "ui/input.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "system/util.h"

/* USB HID usage (keyboard page) -> Linux code, for usages 0x04-0x65. */
static const uint8_t usb_to_key[0x66] = {
    [0x04] = 30, 48, 46, 32, 18, 33, 34, 35, 23, 36, 37, 38, 50, 49, 24, 25,
    [0x14] = 16, 19, 31, 20, 22, 47, 17, 45, 21, 44,
    [0x1e] = 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
    [0x28] = 28, 1, 14, 15, 57, 12, 13, 26, 27, 43, 43, 39, 40, 41, 51, 52,
    [0x38] = 53, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 87, 88,
    [0x46] = 99, 70, 119, 110, 102, 104, 111, 107, 109, 106, 105, 108, 103,
    [0x53] = 69, 98, 55, 74, 78, 96, 79, 80, 81, 75, 76, 77, 71, 72, 73, 82,
    [0x63] = 83, 86, 127,
};

/* usages 0xE0-0xE7: left ctrl, shift, alt, gui, right ctrl, shift, alt, gui */
static const uint8_t usb_mod_to_key[8] = { 29, 42, 56, 125, 97, 54, 100, 126 };

unsigned keymap_from_usb(unsigned usage)
{
    if (usage < ARRAY_SIZE(usb_to_key)) {
        return usb_to_key[usage];
    }
    if (usage >= 0xe0 && usage <= 0xe7) {
        return usb_mod_to_key[usage - 0xe0];
    }
    return 0;
}

/* Printable ASCII (US layout): the key, whichever shift state made it. */
static unsigned ascii_to_key(unsigned c)
{
    static const char rows[4][14] = {
        "1234567890-=", "qwertyuiop[]", "asdfghjkl;'", "zxcvbnm,./",
    };
    static const char shifted[4][14] = {
        "!@#$%^&*()_+", "QWERTYUIOP{}", "ASDFGHJKL:\"", "ZXCVBNM<>?",
    };
    static const uint8_t first[4] = { 2, 16, 30, 44 };

    for (int r = 0; r < 4; r++) {
        const char *p = c ? strchr(rows[r], (int)c) : NULL;
        const char *q = c ? strchr(shifted[r], (int)c) : NULL;
        if (p) {
            return first[r] + (unsigned)(p - rows[r]);
        }
        if (q) {
            return first[r] + (unsigned)(q - shifted[r]);
        }
    }
    switch (c) {
    case ' ': return 57;
    case '`': case '~': return 41;
    case '\\': case '|': return 43;
    }
    return 0;
}

static const struct { uint16_t sym; uint8_t key; } keysym_special[] = {
    { 0xff08, 14 }, { 0xff09, 15 }, { 0xff0d, 28 }, { 0xff1b, 1 },
    { 0xffff, 111 }, { 0xff50, 102 }, { 0xff51, 105 }, { 0xff52, 103 },
    { 0xff53, 106 }, { 0xff54, 108 }, { 0xff55, 104 }, { 0xff56, 109 },
    { 0xff57, 107 }, { 0xff63, 110 }, { 0xffe1, 42 }, { 0xffe2, 54 },
    { 0xffe3, 29 }, { 0xffe4, 97 }, { 0xffe5, 58 }, { 0xffe9, 56 },
    { 0xffea, 100 }, { 0xffe7, 125 }, { 0xffe8, 126 }, { 0xffeb, 125 },
    { 0xffec, 126 }, { 0xff67, 127 }, { 0xff13, 119 }, { 0xff61, 99 },
    { 0xff14, 70 }, { 0xff7f, 69 }, { 0xff8d, 96 }, { 0xffaa, 55 },
    { 0xffab, 78 }, { 0xffad, 74 }, { 0xffae, 83 }, { 0xffaf, 98 },
    { 0xfe03, 100 }, { 0xff9f, 83 }, { 0xff95, 71 }, { 0xff96, 75 },
    { 0xff97, 72 }, { 0xff98, 77 }, { 0xff99, 80 }, { 0xff9a, 73 },
    { 0xff9b, 81 }, { 0xff9c, 79 }, { 0xff9d, 76 }, { 0xff9e, 82 },
};

unsigned keymap_from_keysym(uint32_t keysym)
{
    static const uint8_t kp_digit[10] = { 82, 79, 80, 81, 75, 76, 77, 71,
                                          72, 73 };

    if (keysym >= 0x20 && keysym < 0x7f) {
        return ascii_to_key(keysym);
    }
    if (keysym >= 0xffbe && keysym <= 0xffc7) {       /* F1-F10 */
        return 59 + (keysym - 0xffbe);
    }
    if (keysym == 0xffc8 || keysym == 0xffc9) {       /* F11, F12 */
        return 87 + (keysym - 0xffc8);
    }
    if (keysym >= 0xffb0 && keysym <= 0xffb9) {       /* keypad digits */
        return kp_digit[keysym - 0xffb0];
    }
    for (size_t i = 0; i < ARRAY_SIZE(keysym_special); i++) {
        if (keysym_special[i].sym == keysym) {
            return keysym_special[i].key;
        }
    }
    return 0;
}

/* QEMU's key names (the sendkey command), beyond letters and digits. */
static const struct { const char *name; uint8_t key; } key_names[] = {
    { "shift", 42 }, { "shift_r", 54 }, { "alt", 56 }, { "alt_r", 100 },
    { "altgr", 100 }, { "altgr_r", 100 }, { "ctrl", 29 }, { "ctrl_r", 97 },
    { "menu", 127 }, { "esc", 1 }, { "minus", 12 }, { "equal", 13 },
    { "backspace", 14 }, { "tab", 15 }, { "bracket_left", 26 },
    { "bracket_right", 27 }, { "ret", 28 }, { "semicolon", 39 },
    { "apostrophe", 40 }, { "grave_accent", 41 }, { "backslash", 43 },
    { "comma", 51 }, { "dot", 52 }, { "slash", 53 }, { "asterisk", 55 },
    { "spc", 57 }, { "caps_lock", 58 }, { "num_lock", 69 },
    { "scroll_lock", 70 }, { "kp_divide", 98 }, { "kp_multiply", 55 },
    { "kp_subtract", 74 }, { "kp_add", 78 }, { "kp_enter", 96 },
    { "kp_decimal", 83 }, { "sysrq", 99 }, { "print", 99 }, { "kp_0", 82 },
    { "kp_1", 79 }, { "kp_2", 80 }, { "kp_3", 81 }, { "kp_4", 75 },
    { "kp_5", 76 }, { "kp_6", 77 }, { "kp_7", 71 }, { "kp_8", 72 },
    { "kp_9", 73 }, { "less", 86 }, { "home", 102 }, { "pgup", 104 },
    { "pgdn", 109 }, { "end", 107 }, { "left", 105 }, { "up", 103 },
    { "down", 108 }, { "right", 106 }, { "insert", 110 }, { "delete", 111 },
    { "meta_l", 125 }, { "meta_r", 126 }, { "pause", 119 },
    { "f11", 87 }, { "f12", 88 },
};

unsigned keymap_from_name(const char *name)
{
    char *end;

    if (!strncasecmp(name, "0x", 2) && name[2]) {
        unsigned long v = strtoul(name + 2, &end, 16);
        return *end || v == 0 || v > 0x2ff ? 0 : (unsigned)v;
    }
    if (strlen(name) == 1 && (name[0] != '-')) {
        unsigned k = ascii_to_key((unsigned char)name[0]);
        if (k && ((name[0] >= 'a' && name[0] <= 'z') ||
                  (name[0] >= '0' && name[0] <= '9'))) {
            return k;
        }
    }
    if ((name[0] == 'f' || name[0] == 'F') && name[1] >= '1' &&
        name[1] <= '9' && (!name[2] || (name[1] == '1' && name[2] == '0' &&
                                        !name[3]))) {
        return name[2] ? 68 : 58 + (unsigned)(name[1] - '0');
    }
    for (size_t i = 0; i < ARRAY_SIZE(key_names); i++) {
        if (!strcasecmp(key_names[i].name, name)) {
            return key_names[i].key;
        }
    }
    return 0;
}

int keymap_parse_combo(const char *combo, unsigned *keys, int max,
                       const char **bad, int *bad_len)
{
    int n = 0;
    const char *p = combo;

    while (*p) {
        const char *dash = strchr(p, '-');
        size_t len = dash ? (size_t)(dash - p) : strlen(p);
        char name[32];

        if (len == 0 && dash) {      /* "ctrl--": the minus key */
            len = 1;
            dash = p[1] ? p + 1 : NULL;
        }
        snprintf(name, sizeof(name), "%.*s", (int)MIN(len, 31), p);
        unsigned k = len < 32 ? keymap_from_name(name) : 0;
        if (!k || n == max) {
            *bad = p;
            *bad_len = (int)len;
            return -1;
        }
        keys[n++] = k;
        p = dash ? dash + 1 : p + len;
    }
    return n;
}
