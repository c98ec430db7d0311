/*
 * virtio-input devices (VIRTIO 1.1, 5.8): a keyboard and a tablet (an
 * absolute pointer, so the guest's pointer follows the host's without a
 * grab). Events are Linux input events (type, code, value); the driver
 * learns what the device sends from the config space: it writes select
 * and subsel, the device answers with size and the union (name, serial,
 * IDs, event-type bitmaps, axis ranges).
 *
 * Queue 0 (events): the driver posts writable 8-byte buffers, the device
 * fills one per event; events that find no buffer wait in a bounded
 * queue (oldest dropped when full) until the driver posts more. Queue 1
 * (status: LEDs) is consumed and acknowledged. Pending events are not
 * part of the saved state (like a key pressed during a snapshot).
 */
#include "hw/input/virtio-input.h"

#include <string.h>

#include "hw/core/devtypes.h"
#include "hw/virtio/virtio-pci.h"

#define VIRTIO_ID_INPUT        18
#define VINPUT_QUEUE_SIZE      64
#define VINPUT_PENDING         256
#define VINPUT_CONFIG_SIZE     136

/* config select values */
#define VIRTIO_INPUT_CFG_UNSET     0x00
#define VIRTIO_INPUT_CFG_ID_NAME   0x01
#define VIRTIO_INPUT_CFG_ID_SERIAL 0x02
#define VIRTIO_INPUT_CFG_ID_DEVIDS 0x03
#define VIRTIO_INPUT_CFG_PROP_BITS 0x10
#define VIRTIO_INPUT_CFG_EV_BITS   0x11
#define VIRTIO_INPUT_CFG_ABS_INFO  0x12

/* Linux input event types and codes */
#define EV_SYN      0x00
#define EV_KEY      0x01
#define EV_REL      0x02
#define EV_ABS      0x03
#define EV_REP      0x14
#define SYN_REPORT  0
#define REL_WHEEL   0x08
#define ABS_X       0x00
#define ABS_Y       0x01
#define BTN_LEFT    0x110
#define BTN_RIGHT   0x111
#define BTN_MIDDLE  0x112
#define KEY_MAX_KBD 0x2ff

typedef struct VInputEvent {
    uint16_t type, code;
    uint32_t value;
} VInputEvent;

typedef struct VirtIOInput {
    VirtIOPCIProxy proxy;
    bool tablet;
    uint8_t select, subsel;
    VInputEvent pending[VINPUT_PENDING];
    unsigned head, count;
    int last_x, last_y;
    unsigned buttons;
} VirtIOInput;

static VirtIOInput *vinput_of(VirtIODevice *vdev)
{
    return (VirtIOInput *)((uint8_t *)vdev -
                           offsetof(VirtIOInput, proxy.vdev));
}

static void bitmap_set(uint8_t *bm, unsigned bit)
{
    bm[bit / 8] |= (uint8_t)(1u << (bit % 8));
}

/* Fills the union for an event-type bitmap; returns its size. */
static uint8_t vinput_ev_bits(const VirtIOInput *s, uint8_t type, uint8_t *u)
{
    unsigned size = 0;

    if (!s->tablet && type == EV_KEY) {
        for (unsigned k = 1; k < 128; k++) {
            bitmap_set(u, k);
        }
        size = 16;
    } else if (!s->tablet && type == EV_REP) {
        size = 1;                    /* the driver repeats keys itself */
    } else if (s->tablet && type == EV_KEY) {
        bitmap_set(u, BTN_LEFT);
        bitmap_set(u, BTN_RIGHT);
        bitmap_set(u, BTN_MIDDLE);
        size = BTN_MIDDLE / 8 + 1;
    } else if (s->tablet && type == EV_ABS) {
        bitmap_set(u, ABS_X);
        bitmap_set(u, ABS_Y);
        size = 1;
    } else if (s->tablet && type == EV_REL) {
        bitmap_set(u, REL_WHEEL);
        size = 2;
    }
    return (uint8_t)size;
}

static uint8_t vinput_string(uint8_t *u, const char *str)
{
    size_t n = strlen(str);

    memcpy(u, str, n);
    return (uint8_t)n;
}

static void vinput_get_config(VirtIODevice *vdev, uint8_t *config)
{
    VirtIOInput *s = vinput_of(vdev);
    uint8_t *u = config + 8, size = 0;

    memset(config, 0, VINPUT_CONFIG_SIZE);
    config[0] = s->select;
    config[1] = s->subsel;
    switch (s->select) {
    case VIRTIO_INPUT_CFG_ID_NAME:
        size = vinput_string(u, s->tablet ? "Kite Virtio Tablet"
                                          : "Kite Virtio Keyboard");
        break;
    case VIRTIO_INPUT_CFG_ID_SERIAL:
        size = vinput_string(u, "0");
        break;
    case VIRTIO_INPUT_CFG_ID_DEVIDS:
        st16le(u, 0x06);             /* BUS_VIRTUAL */
        st16le(u + 2, 0x0627);
        st16le(u + 4, s->tablet ? 0x0003 : 0x0001);
        st16le(u + 6, 0x0001);
        size = 8;
        break;
    case VIRTIO_INPUT_CFG_EV_BITS:
        size = vinput_ev_bits(s, s->subsel, u);
        break;
    case VIRTIO_INPUT_CFG_ABS_INFO:
        if (s->tablet && s->subsel <= ABS_Y) {
            st32le(u + 4, 0x7fff);   /* min 0, max, fuzz 0, flat 0, res 0 */
            size = 20;
        }
        break;
    }
    config[2] = size;
}

static void vinput_set_config(VirtIODevice *vdev, const uint8_t *config,
                              unsigned off, unsigned len)
{
    VirtIOInput *s = vinput_of(vdev);

    if (off == 0) {
        s->select = config[0];
    }
    if (off <= 1 && off + len > 1) {
        s->subsel = config[1];
    }
}

/* Moves pending events into the buffers the driver posted. */
static void vinput_flush(VirtIOInput *s)
{
    VirtIODevice *vdev = &s->proxy.vdev;
    VirtQueue *vq = &vdev->vq[0];
    VirtQueueElement e;
    bool pushed = false;

    if (vdev->broken || !(vdev->status & VIRTIO_STATUS_DRIVER_OK) ||
        !virtqueue_ready(vdev, vq)) {
        return;
    }
    while (s->count && virtqueue_pop(vdev, vq, &e) == 1) {
        const VInputEvent *ev = &s->pending[s->head];
        uint8_t buf[8];
        st16le(buf, ev->type);
        st16le(buf + 2, ev->code);
        st32le(buf + 4, ev->value);
        int64_t w = virtqueue_elem_write(vdev, &e, 0, buf, sizeof(buf));
        if (w < 0) {
            virtqueue_elem_free(&e);
            return;
        }
        virtqueue_push(vdev, vq, &e, (uint32_t)w);
        s->head = (s->head + 1) % VINPUT_PENDING;
        s->count--;
        pushed = true;
    }
    if (pushed) {
        virtqueue_notify(vdev, vq);
    }
}

static void vinput_push(VirtIOInput *s, uint16_t type, uint16_t code,
                        uint32_t value)
{
    if (s->count == VINPUT_PENDING) {          /* drop the oldest */
        s->head = (s->head + 1) % VINPUT_PENDING;
        s->count--;
    }
    s->pending[(s->head + s->count) % VINPUT_PENDING] =
        (VInputEvent){ type, code, value };
    s->count++;
}

static void vinput_handle_queue(VirtIODevice *vdev, unsigned n)
{
    VirtIOInput *s = vinput_of(vdev);
    VirtQueueElement e;
    bool pushed = false;

    if (n == 0) {
        vinput_flush(s);
        return;
    }
    while (virtqueue_pop(vdev, &vdev->vq[n], &e) == 1) {   /* status: LEDs */
        virtqueue_push(vdev, &vdev->vq[n], &e, 0);
        pushed = true;
    }
    if (pushed) {
        virtqueue_notify(vdev, &vdev->vq[n]);
    }
}

static void vinput_reset(VirtIODevice *vdev)
{
    VirtIOInput *s = vinput_of(vdev);

    s->select = s->subsel = 0;
    s->head = s->count = 0;
    s->buttons = 0;
}

bool virtio_input_active(Device *dev)
{
    VirtIOInput *s = (VirtIOInput *)dev;

    return (s->proxy.vdev.status & VIRTIO_STATUS_DRIVER_OK) &&
           !s->proxy.vdev.broken;
}

void virtio_input_key(Device *dev, unsigned key, bool down)
{
    VirtIOInput *s = (VirtIOInput *)dev;

    if (!key || key > KEY_MAX_KBD || !virtio_input_active(dev)) {
        return;
    }
    vinput_push(s, EV_KEY, (uint16_t)key, down);
    vinput_push(s, EV_SYN, SYN_REPORT, 0);
    vinput_flush(s);
}

void virtio_input_abs(Device *dev, int x, int y, int dz, unsigned buttons)
{
    static const uint16_t btn[3] = { BTN_LEFT, BTN_RIGHT, BTN_MIDDLE };
    VirtIOInput *s = (VirtIOInput *)dev;

    if (!virtio_input_active(dev)) {
        return;
    }
    vinput_push(s, EV_ABS, ABS_X, (uint32_t)MAX(0, MIN(x, 0x7fff)));
    vinput_push(s, EV_ABS, ABS_Y, (uint32_t)MAX(0, MIN(y, 0x7fff)));
    for (int i = 0; i < 3; i++) {
        if (((buttons ^ s->buttons) >> i) & 1) {
            vinput_push(s, EV_KEY, btn[i], (buttons >> i) & 1);
        }
    }
    if (dz) {
        vinput_push(s, EV_REL, REL_WHEEL, (uint32_t)-dz);  /* up is + */
    }
    vinput_push(s, EV_SYN, SYN_REPORT, 0);
    s->buttons = buttons & 7;
    vinput_flush(s);
}

#define VINPUT_CLASS(cname)                                             \
    {                                                                   \
        .name = cname,                                                  \
        .device_id = VIRTIO_ID_INPUT,                                   \
        .pci_device_id = 0x1040 + VIRTIO_ID_INPUT,                      \
        .pci_class = 0x0980,         /* input, other */                 \
        .nqueues = 2,                                                   \
        .queue_size = VINPUT_QUEUE_SIZE,                                \
        .config_size = VINPUT_CONFIG_SIZE,                              \
        .get_config = vinput_get_config,                                \
        .set_config = vinput_set_config,                                \
        .reset = vinput_reset,                                          \
        .handle_queue = vinput_handle_queue,                            \
    }

static const VirtIODeviceClass vkbd_class = VINPUT_CLASS("virtio-keyboard");
static const VirtIODeviceClass vtablet_class = VINPUT_CLASS("virtio-tablet");

static int vkbd_realize(Device *dev, Error *err)
{
    ((VirtIOInput *)dev)->tablet = false;
    return virtio_pci_realize(dev, &vkbd_class, err);
}

static int vtablet_realize(Device *dev, Error *err)
{
    ((VirtIOInput *)dev)->tablet = true;
    return virtio_pci_realize(dev, &vtablet_class, err);
}

static const PropDef vinput_props[] = { PCI_DEVICE_PROPS, PROP_DEF_END };

const DeviceType virtio_keyboard_pci_type = {
    .name = "virtio-keyboard-pci",
    .desc = "virtio keyboard (virtio-input) over PCI",
    .instance_size = sizeof(VirtIOInput),
    .props = vinput_props,
    .user_creatable = true,
    .realize = vkbd_realize,
    .unrealize = pci_device_unrealize,
    .reset = pci_device_reset,
    .save = pci_device_save,
    .load = pci_device_load,
};

const DeviceType virtio_tablet_pci_type = {
    .name = "virtio-tablet-pci",
    .desc = "virtio tablet (absolute pointer, virtio-input) over PCI",
    .instance_size = sizeof(VirtIOInput),
    .props = vinput_props,
    .user_creatable = true,
    .realize = vtablet_realize,
    .unrealize = pci_device_unrealize,
    .reset = pci_device_reset,
    .save = pci_device_save,
    .load = pci_device_load,
};
