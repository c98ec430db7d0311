/*
 * Routing host input to the guest's input devices (see ui/input.h): keys
 * to a virtio keyboard the guest drives, else to the PS/2 keyboard; the
 * pointer absolute to a virtio tablet when there is one, else relative to
 * the PS/2 mouse.
 */
#include "ui/input.h"

#include "hw/input/i8042.h"
#include "hw/input/virtio-input.h"
#include "hw/pc/pc.h"

void input_key(Machine *m, unsigned key, bool down)
{
    Device *vkbd = device_find_child(m->root, "virtio-keyboard-pci");
    Device *kbd;

    if (!key) {
        return;
    }
    if (vkbd && virtio_input_active(vkbd)) {
        virtio_input_key(vkbd, key, down);
    } else if ((kbd = device_find_child(m->root, "i8042"))) {
        i8042_key_event(kbd, key, down);
    }
}

void input_mouse_rel(Machine *m, int dx, int dy, int dz, unsigned buttons)
{
    Device *ps2 = device_find_child(m->root, "i8042");

    if (ps2) {
        i8042_mouse_event(ps2, dx, dy, dz, buttons);
    }
}

bool input_has_abs(Machine *m)
{
    return device_find_child(m->root, "virtio-tablet-pci") != NULL;
}

void input_mouse_abs(Machine *m, int x, int y, int dz, unsigned buttons)
{
    Device *tablet = device_find_child(m->root, "virtio-tablet-pci");

    if (tablet) {
        virtio_input_abs(tablet, x, y, dz, buttons);
    }
}
