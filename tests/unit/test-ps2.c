/*
 * PS/2 input: scan code sets 1-3 and the i8042's translation, the key
 * maps the front ends use (USB HID usages, keysyms, sendkey names), the
 * keyboard's key events through the controller, and the mouse protocol
 * (stream and remote modes, buttons, large moves split into packets, the
 * IntelliMouse wheel knock 200/100/80), with bad input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "hw/core/savestate.h"
#include "hw/input/i8042.h"
#include "hw/input/ps2-scancode.h"
#include "test-machine.h"
#include "ui/input.h"

#define KEY_ESC        1
#define KEY_A          30
#define KEY_LEFTCTRL   29
#define KEY_F7         65
#define KEY_KPENTER    96
#define KEY_RIGHTALT   100
#define KEY_UP         103
#define KEY_DELETE     111
#define KEY_PAUSE      119
#define KEY_LEFTMETA   125

static int codes(unsigned key, bool down, unsigned set, bool xlate,
                 uint8_t *out)
{
    memset(out, 0xcc, PS2_SCANCODE_MAX);
    return ps2_scancode(key, down, set, xlate, out);
}

static void expect(const uint8_t *got, int n, const uint8_t *want, int wn)
{
    assert_int_equal(n, wn);
    assert_memory_equal(got, want, (size_t)wn);
}

#define EXPECT(key, down, set, xlate, ...) do {                         \
        uint8_t b_[PS2_SCANCODE_MAX];                                   \
        static const uint8_t w_[] = { __VA_ARGS__ };                    \
        expect(b_, codes(key, down, set, xlate, b_), w_, sizeof(w_));   \
    } while (0)

static void test_set1(void **state)
{
    EXPECT(KEY_A, true, 1, false, 0x1e);
    EXPECT(KEY_A, false, 1, false, 0x9e);
    EXPECT(KEY_UP, true, 1, false, 0xe0, 0x48);
    EXPECT(KEY_UP, false, 1, false, 0xe0, 0xc8);
    EXPECT(KEY_RIGHTALT, true, 1, false, 0xe0, 0x38);
    EXPECT(KEY_LEFTMETA, true, 1, false, 0xe0, 0x5b);
    EXPECT(KEY_PAUSE, true, 1, false, 0xe1, 0x1d, 0x45, 0xe1, 0x9d, 0xc5);
}

static void test_set2(void **state)
{
    EXPECT(KEY_A, true, 2, false, 0x1c);
    EXPECT(KEY_A, false, 2, false, 0xf0, 0x1c);
    EXPECT(KEY_ESC, true, 2, false, 0x76);
    EXPECT(KEY_F7, true, 2, false, 0x83);
    EXPECT(KEY_KPENTER, true, 2, false, 0xe0, 0x5a);
    EXPECT(KEY_DELETE, false, 2, false, 0xe0, 0xf0, 0x71);
    EXPECT(KEY_LEFTMETA, true, 2, false, 0xe0, 0x1f);
    EXPECT(KEY_PAUSE, true, 2, false, 0xe1, 0x14, 0x77, 0xe1, 0xf0, 0x14,
           0xf0, 0x77);
}

/* Set 2 through the controller's translator reads as set 1. */
static void test_set2_translated(void **state)
{
    static const unsigned keys[] = { KEY_A, KEY_ESC, KEY_F7, KEY_UP,
                                     KEY_KPENTER, KEY_LEFTCTRL, KEY_DELETE };

    for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
        for (int down = 0; down < 2; down++) {
            uint8_t a[PS2_SCANCODE_MAX], b[PS2_SCANCODE_MAX];
            int na = codes(keys[i], down, 2, true, a);
            int nb = codes(keys[i], down, 1, false, b);
            expect(a, na, b, nb);
        }
    }
    /* the translator's table itself: set 2 byte -> set 1 byte */
    assert_int_equal(ps2_translate_set2(0x1c), 0x1e);
    assert_int_equal(ps2_translate_set2(0x76), 0x01);
    assert_int_equal(ps2_translate_set2(0x83), 0x41);
    assert_int_equal(ps2_translate_set2(0x5a), 0x1c);
}

static void test_set3(void **state)
{
    EXPECT(KEY_A, true, 3, false, 0x1c);          /* as set 2 */
    EXPECT(KEY_A, false, 3, false, 0xf0, 0x1c);
    EXPECT(KEY_ESC, true, 3, false, 0x08);
    EXPECT(KEY_LEFTCTRL, true, 3, false, 0x11);
    EXPECT(KEY_UP, true, 3, false, 0x63);         /* no 0xE0 prefix */
    EXPECT(KEY_UP, false, 3, false, 0xf0, 0x63);
    EXPECT(KEY_PAUSE, true, 3, false, 0x62);
}

static void test_scancode_bad(void **state)
{
    uint8_t b[PS2_SCANCODE_MAX];

    assert_int_equal(codes(0, true, 2, false, b), 0);
    assert_int_equal(codes(0x55, true, 2, false, b), 0);   /* no such key */
    assert_int_equal(codes(0xffff, true, 2, false, b), 0);
    assert_int_equal(codes(KEY_A, true, 0, false, b), 0);  /* no set 0 */
    assert_int_equal(codes(KEY_A, true, 4, false, b), 0);
    assert_int_equal(codes(KEY_PAUSE, false, 2, false, b), 0);  /* no break */
    assert_int_equal(ps2_key_to_set1(KEY_UP), 0x148);
    assert_int_equal(ps2_key_to_set1(KEY_A), 0x1e);
    assert_int_equal(ps2_key_to_set1(500), 0);
}

static void test_keymaps(void **state)
{
    assert_int_equal(keymap_from_usb(0x04), KEY_A);         /* A */
    assert_int_equal(keymap_from_usb(0x29), KEY_ESC);
    assert_int_equal(keymap_from_usb(0x52), KEY_UP);
    assert_int_equal(keymap_from_usb(0xe0), KEY_LEFTCTRL);
    assert_int_equal(keymap_from_usb(0xe6), KEY_RIGHTALT);
    assert_int_equal(keymap_from_usb(0x64), 86);            /* ISO \ key */
    assert_int_equal(keymap_from_usb(0), 0);
    assert_int_equal(keymap_from_usb(0x1000), 0);
    assert_int_equal(keymap_from_keysym('a'), KEY_A);
    assert_int_equal(keymap_from_keysym('A'), KEY_A);
    assert_int_equal(keymap_from_keysym('!'), 2);
    assert_int_equal(keymap_from_keysym('"'), 40);
    assert_int_equal(keymap_from_keysym(' '), 57);
    assert_int_equal(keymap_from_keysym(0xff0d), 28);       /* Return */
    assert_int_equal(keymap_from_keysym(0xffbe), 59);       /* F1 */
    assert_int_equal(keymap_from_keysym(0xffc9), 88);       /* F12 */
    assert_int_equal(keymap_from_keysym(0xffb5), 76);       /* KP_5 */
    assert_int_equal(keymap_from_keysym(0x20ac), 0);        /* euro */
    assert_int_equal(keymap_from_name("a"), KEY_A);
    assert_int_equal(keymap_from_name("esc"), KEY_ESC);
    assert_int_equal(keymap_from_name("f1"), 59);
    assert_int_equal(keymap_from_name("f10"), 68);
    assert_int_equal(keymap_from_name("f12"), 88);
    assert_int_equal(keymap_from_name("0x1e"), 0x1e);
    assert_int_equal(keymap_from_name("0x"), 0);
    assert_int_equal(keymap_from_name("0xzz"), 0);
    assert_int_equal(keymap_from_name("nosuchkey"), 0);
    assert_int_equal(keymap_from_name("f0"), 0);
}

static void test_combo(void **state)
{
    unsigned k[4];
    const char *bad;
    int len;

    assert_int_equal(keymap_parse_combo("ctrl-alt-delete", k, 4, &bad, &len),
                     3);
    assert_int_equal(k[0], KEY_LEFTCTRL);
    assert_int_equal(k[1], 56);
    assert_int_equal(k[2], KEY_DELETE);
    assert_int_equal(keymap_parse_combo("ctrl-alt-bogus", k, 4, &bad, &len),
                     -1);
    assert_int_equal(len, 5);
    assert_memory_equal(bad, "bogus", 5);
    assert_int_equal(keymap_parse_combo("a-b-c-d-e", k, 4, &bad, &len), -1);
    assert_int_equal(keymap_parse_combo("", k, 4, &bad, &len), 0);
}

/* ---- through the controller ---- */

typedef struct PS2Test {
    Machine *m;
    Device *d;
} PS2Test;

static int setup(void **state)
{
    PS2Test *t = xzalloc(sizeof(*t));
    Error err = { "" };

    t->m = test_machine(16 << 20);
    t->d = device_create(t->m, "i8042", NULL, NULL, &err);
    assert_non_null(t->d);
    *state = t;
    return 0;
}

static int teardown(void **state)
{
    PS2Test *t = *state;

    device_destroy(t->d);
    test_machine_free(t->m);
    free(t);
    return 0;
}

static uint8_t status(PS2Test *t)
{
    return (uint8_t)address_space_ld(&t->m->io, 0x64, 1);
}

static void cmd(PS2Test *t, uint8_t v)
{
    address_space_st(&t->m->io, 0x64, v, 1);
}

static void data(PS2Test *t, uint8_t v)
{
    address_space_st(&t->m->io, 0x60, v, 1);
}

/* Reads one byte, checking it came from the keyboard (aux false) or mouse. */
static uint8_t rd(PS2Test *t, bool aux)
{
    uint8_t st = status(t);

    assert_true(st & 1);
    assert_int_equal(!!(st & 0x20), aux);
    return (uint8_t)address_space_ld(&t->m->io, 0x60, 1);
}

static void assert_empty(PS2Test *t)
{
    assert_int_equal(status(t) & 1, 0);
}

static void aux_cmd(PS2Test *t, uint8_t v)
{
    cmd(t, 0xd4);
    data(t, v);
    assert_int_equal(rd(t, true), 0xfa);
}

static void test_kbd_events(void **state)
{
    PS2Test *t = *state;

    i8042_key_event(t->d, KEY_A, true);            /* set 2, no xlate */
    assert_int_equal(rd(t, false), 0x1c);
    i8042_key_event(t->d, KEY_A, false);
    assert_int_equal(rd(t, false), 0xf0);
    assert_int_equal(rd(t, false), 0x1c);
    cmd(t, 0x60);
    data(t, 0x44);                                 /* translate */
    i8042_key_event(t->d, KEY_UP, false);
    assert_int_equal(rd(t, false), 0xe0);
    assert_int_equal(rd(t, false), 0xc8);
    /* set 3 selected by the guest */
    cmd(t, 0x60);
    data(t, 0x04);
    data(t, 0xf0);
    assert_int_equal(rd(t, false), 0xfa);
    data(t, 0x03);
    assert_int_equal(rd(t, false), 0xfa);
    i8042_key_event(t->d, KEY_ESC, true);
    assert_int_equal(rd(t, false), 0x08);
    /* scanning disabled: nothing */
    data(t, 0xf5);
    assert_int_equal(rd(t, false), 0xfa);
    i8042_key_event(t->d, KEY_A, true);
    assert_empty(t);
    /* a full queue takes a sequence whole or not at all */
    data(t, 0xf4);
    assert_int_equal(rd(t, false), 0xfa);
    data(t, 0xf0);
    rd(t, false);
    data(t, 0x02);
    rd(t, false);
    for (int i = 0; i < 100; i++) {
        i8042_key_event(t->d, KEY_PAUSE, true);
    }
    static const uint8_t pause2[8] = { 0xe1, 0x14, 0x77, 0xe1, 0xf0, 0x14,
                                       0xf0, 0x77 };
    int n = 0;
    while (status(t) & 1) {
        assert_int_equal(rd(t, false), pause2[n % 8]);
        n++;
    }
    assert_int_equal(n % 8, 0);
    assert_true(n >= 8);
}

static void test_mouse_stream(void **state)
{
    PS2Test *t = *state;

    cmd(t, 0xa8);
    i8042_mouse_event(t->d, 5, 5, 0, 0);           /* not enabled yet */
    assert_empty(t);
    aux_cmd(t, 0xf4);
    i8042_mouse_event(t->d, 3, -2, 0, INPUT_BUTTON_LEFT);
    assert_int_equal(rd(t, true), 0x09);           /* left, no signs */
    assert_int_equal(rd(t, true), 3);
    assert_int_equal(rd(t, true), 2);              /* y up */
    assert_empty(t);
    i8042_mouse_event(t->d, -1, 1, 0, INPUT_BUTTON_RIGHT);
    assert_int_equal(rd(t, true), 0x08 | 0x02 | 0x10 | 0x20);
    assert_int_equal(rd(t, true), 0xff);
    assert_int_equal(rd(t, true), 0xff);
    /* a big move is split into packets of at most 255 */
    i8042_mouse_event(t->d, 600, 0, 0, 0);
    int sum = 0;
    while (status(t) & 1) {
        uint8_t b0 = rd(t, true);
        assert_int_equal(b0 & 0x08, 0x08);
        sum += rd(t, true);
        rd(t, true);
    }
    assert_int_equal(sum, 600);
    /* no wheel byte before the knock */
    i8042_mouse_event(t->d, 0, 0, 1, 0);
    assert_empty(t);                               /* dz alone: no packet */
}

static void test_mouse_wheel(void **state)
{
    PS2Test *t = *state;
    static const uint8_t knock[3] = { 200, 100, 80 };

    cmd(t, 0xa8);
    aux_cmd(t, 0xf2);
    assert_int_equal(rd(t, true), 0x00);
    for (int i = 0; i < 3; i++) {
        aux_cmd(t, 0xf3);
        cmd(t, 0xd4);
        data(t, knock[i]);
        assert_int_equal(rd(t, true), 0xfa);
    }
    aux_cmd(t, 0xf2);
    assert_int_equal(rd(t, true), 0x03);           /* IntelliMouse */
    aux_cmd(t, 0xf4);
    i8042_mouse_event(t->d, 1, 0, -2, 0);
    assert_int_equal(rd(t, true), 0x08);
    assert_int_equal(rd(t, true), 1);
    assert_int_equal(rd(t, true), 0);
    assert_int_equal(rd(t, true), 0x0e);           /* -2 in 4 bits */
    /* reset forgets the wheel */
    aux_cmd(t, 0xff);
    assert_int_equal(rd(t, true), 0xaa);
    assert_int_equal(rd(t, true), 0x00);
    aux_cmd(t, 0xf2);
    assert_int_equal(rd(t, true), 0x00);
}

static void test_mouse_remote(void **state)
{
    PS2Test *t = *state;

    cmd(t, 0xa8);
    aux_cmd(t, 0xf4);
    aux_cmd(t, 0xf0);                              /* remote mode */
    i8042_mouse_event(t->d, 7, 0, 0, INPUT_BUTTON_MIDDLE);
    i8042_mouse_event(t->d, 3, 0, 0, INPUT_BUTTON_MIDDLE);
    assert_empty(t);
    aux_cmd(t, 0xe9);                              /* status */
    assert_int_equal(rd(t, true), 0x40 | 0x20 | 0x02);
    assert_int_equal(rd(t, true), 2);              /* resolution */
    assert_int_equal(rd(t, true), 100);            /* rate */
    aux_cmd(t, 0xeb);                              /* read data */
    assert_int_equal(rd(t, true), 0x0c);
    assert_int_equal(rd(t, true), 10);
    assert_int_equal(rd(t, true), 0);
    aux_cmd(t, 0xeb);                              /* nothing moved since */
    assert_int_equal(rd(t, true), 0x0c);
    assert_int_equal(rd(t, true), 0);
    assert_int_equal(rd(t, true), 0);
    aux_cmd(t, 0xea);                              /* back to stream */
    i8042_mouse_event(t->d, 1, 0, 0, 0);
    assert_int_equal(rd(t, true), 0x08);
    assert_int_equal(rd(t, true), 1);
    assert_int_equal(rd(t, true), 0);
    /* a sample rate above 200 is not a rate: the mouse asks again */
    aux_cmd(t, 0xf3);
    cmd(t, 0xd4);
    data(t, 201);
    assert_int_equal(rd(t, true), 0xfe);
}

static void test_save_load(void **state)
{
    PS2Test *t = *state;
    SaveBuf sb = { 0 };
    Error err = { "" };

    cmd(t, 0xa8);
    aux_cmd(t, 0xf4);
    aux_cmd(t, 0xf0);
    i8042_mouse_event(t->d, 9, -4, 0, INPUT_BUTTON_LEFT);
    t->d->type->save(t->d, &sb);
    device_reset_tree(t->d);
    sb.pos = 0;
    assert_int_equal(t->d->type->load(t->d, &sb, &err), 0);
    aux_cmd(t, 0xeb);
    assert_int_equal(rd(t, true), 0x09);
    assert_int_equal(rd(t, true), 9);
    assert_int_equal(rd(t, true), 4);
    /* a stream with absurd motion is refused */
    sb.data[sb.len - 5] = 0x7f;
    sb.pos = 0;
    assert_int_equal(t->d->type->load(t->d, &sb, &err), -1);
    free(sb.data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_set1),
        cmocka_unit_test(test_set2),
        cmocka_unit_test(test_set2_translated),
        cmocka_unit_test(test_set3),
        cmocka_unit_test(test_scancode_bad),
        cmocka_unit_test(test_keymaps),
        cmocka_unit_test(test_combo),
        cmocka_unit_test_setup_teardown(test_kbd_events, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mouse_stream, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mouse_wheel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mouse_remote, setup, teardown),
        cmocka_unit_test_setup_teardown(test_save_load, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
