/*
 * virtio-keyboard-pci and virtio-tablet-pci as a driver sees them: PCI
 * IDs, the config space (select/subsel: name, IDs, event bitmaps, axis
 * ranges, unknown selects), key and pointer events in the buffers the
 * driver posts (events wait while none is posted, the oldest dropped
 * when too many), the status queue, nothing before DRIVER_OK, and the
 * routing of ui/input.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/fuzz/virtio-driver.h"
#include "hw/input/virtio-input.h"
#include "ui/input.h"

#define CFG(off) (VIRTIO_PCI_DEVICE_OFF + (off))

static VDrv *start(const char *type, VDrvQueue *q0, VDrvQueue *q1)
{
    Error err = { "" };
    VDrv *d = vdrv_new(type, "", &err);

    assert_non_null(d->p);
    d->m.root = d->root;             /* ui/input.c looks devices up there */
    vdrv_enable(d);
    assert_true(vdrv_negotiate(d, VDRV_F(VIRTIO_F_VERSION_1)) &
                VIRTIO_STATUS_FEATURES_OK);
    vdrv_queue_setup(d, q0, 0, 16, VIRTIO_NO_VECTOR);
    vdrv_queue_setup(d, q1, 1, 16, VIRTIO_NO_VECTOR);
    return d;
}

/* Posts n event buffers of 8 bytes (buffer i at VDRV_BUF_BASE + 8 i). */
static void post_buffers(VDrv *d, VDrvQueue *q, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        unsigned slot = (q->avail_idx) % q->num;
        vdrv_desc(d, q->desc, slot, VDRV_BUF_BASE + 8 * slot, 8,
                  VRING_DESC_F_WRITE, 0);
        vdrv_post(d, q, (uint16_t)slot);
    }
    vdrv_notify(d, q->index);
}

/* The next used event: type, code, value. */
static void next_event(VDrv *d, VDrvQueue *q, uint16_t *type, uint16_t *code,
                       uint32_t *value)
{
    assert_true(vdrv_used_idx(d, q) != q->used_seen);
    uint32_t id = vdrv_used_id(d, q, q->used_seen);
    assert_int_equal(vdrv_used_len(d, q, q->used_seen), 8);
    q->used_seen++;
    uint64_t a = VDRV_BUF_BASE + 8 * id;
    *type = (uint16_t)vdrv_peek(d, a, 2);
    *code = (uint16_t)vdrv_peek(d, a + 2, 2);
    *value = (uint32_t)vdrv_peek(d, a + 4, 4);
}

static void expect_event(VDrv *d, VDrvQueue *q, uint16_t type, uint16_t code,
                         uint32_t value)
{
    uint16_t t, c;
    uint32_t v;

    next_event(d, q, &t, &c, &v);
    assert_int_equal(t, type);
    assert_int_equal(c, code);
    assert_int_equal(v, value);
}

static uint8_t cfg_select(VDrv *d, uint8_t sel, uint8_t sub)
{
    vdrv_wr(d, CFG(0), sel, 1);
    vdrv_wr(d, CFG(1), sub, 1);
    return (uint8_t)vdrv_rd(d, CFG(2), 1);
}

static void test_ids_and_config(void **state)
{
    VDrvQueue q0, q1;
    VDrv *d = start("virtio-tablet-pci", &q0, &q1);
    char name[32] = { 0 };

    assert_int_equal(vdrv_cfg_read(d, 0, 4), 0x10521af4);
    assert_int_equal(vdrv_cfg_read(d, 8, 1), 1);            /* revision */
    assert_int_equal(vdrv_cfg_read(d, 0x0a, 2), 0x0980);     /* input */
    assert_int_equal(vdrv_cfg_read(d, 0x2e, 2), 18);         /* subsystem */
    uint8_t n = cfg_select(d, 0x01, 0);
    assert_int_equal(n, 18);
    for (unsigned i = 0; i < n; i++) {
        name[i] = (char)vdrv_rd(d, CFG(8 + i), 1);
    }
    assert_string_equal(name, "Kite Virtio Tablet");
    assert_int_equal(cfg_select(d, 0x03, 0), 8);             /* devids */
    assert_int_equal(vdrv_rd(d, CFG(8), 2), 0x06);
    assert_int_equal(vdrv_rd(d, CFG(12), 2), 0x0003);
    assert_int_equal(cfg_select(d, 0x11, 0x03), 1);          /* EV_ABS */
    assert_int_equal(vdrv_rd(d, CFG(8), 1), 0x03);           /* X and Y */
    assert_int_equal(cfg_select(d, 0x11, 0x01), 0x23);       /* EV_KEY */
    assert_int_equal(vdrv_rd(d, CFG(8 + 0x22), 1), 0x07);    /* BTN_* */
    assert_int_equal(cfg_select(d, 0x12, 0x01), 20);         /* ABS_Y */
    assert_int_equal(vdrv_rd(d, CFG(8), 4), 0);
    assert_int_equal(vdrv_rd(d, CFG(12), 4), 0x7fff);
    /* nothing for what the device does not have */
    assert_int_equal(cfg_select(d, 0x12, 0x05), 0);
    assert_int_equal(cfg_select(d, 0x11, 0x05), 0);
    assert_int_equal(cfg_select(d, 0x7f, 0xff), 0);
    assert_int_equal(cfg_select(d, 0x00, 0x00), 0);
    /* reads past the config space are harmless */
    assert_int_equal(vdrv_rd(d, CFG(200), 4), 0);
    vdrv_free(d);
}

static void test_keyboard_events(void **state)
{
    VDrvQueue q0, q1;
    VDrv *d = start("virtio-keyboard-pci", &q0, &q1);
    Device *dev = &d->p->pci.dev;

    assert_int_equal(cfg_select(d, 0x11, 0x01), 16);
    assert_int_equal(vdrv_rd(d, CFG(8 + 3), 1) & 0x40, 0x40);  /* KEY_A */
    virtio_input_key(dev, 30, true);             /* before DRIVER_OK */
    assert_false(virtio_input_active(dev));
    vdrv_driver_ok(d);
    assert_true(virtio_input_active(dev));
    virtio_input_key(dev, 30, true);             /* no buffer yet: waits */
    virtio_input_key(dev, 30, false);
    assert_int_equal(vdrv_used_idx(d, &q0), 0);
    post_buffers(d, &q0, 8);
    expect_event(d, &q0, 1, 30, 1);
    expect_event(d, &q0, 0, 0, 0);
    expect_event(d, &q0, 1, 30, 0);
    expect_event(d, &q0, 0, 0, 0);
    assert_int_equal(vdrv_used_idx(d, &q0), q0.used_seen);
    virtio_input_key(dev, 0, true);              /* not keys: ignored */
    virtio_input_key(dev, 0x300, true);
    assert_int_equal(vdrv_used_idx(d, &q0), q0.used_seen);
    /* routing: a keyboard the guest drives takes the keys */
    input_key(&d->m, 44, true);
    expect_event(d, &q0, 1, 44, 1);
    expect_event(d, &q0, 0, 0, 0);
    assert_false(input_has_abs(&d->m));
    /* the status queue (LEDs) is consumed */
    vdrv_desc(d, q1.desc, 0, VDRV_BUF_BASE + 0x1000, 8, 0, 0);
    vdrv_post(d, &q1, 0);
    vdrv_notify(d, 1);
    assert_int_equal(vdrv_used_idx(d, &q1), 1);
    vdrv_free(d);
}

static void test_tablet_events(void **state)
{
    VDrvQueue q0, q1;
    VDrv *d = start("virtio-tablet-pci", &q0, &q1);
    Device *dev = &d->p->pci.dev;

    vdrv_driver_ok(d);
    post_buffers(d, &q0, 16);
    assert_true(input_has_abs(&d->m));
    input_mouse_abs(&d->m, 100, 0x7fff, 0, INPUT_BUTTON_LEFT);
    expect_event(d, &q0, 3, 0, 100);
    expect_event(d, &q0, 3, 1, 0x7fff);
    expect_event(d, &q0, 1, 0x110, 1);
    expect_event(d, &q0, 0, 0, 0);
    virtio_input_abs(dev, -5, 99999, 1, 0);      /* clamped; wheel down */
    expect_event(d, &q0, 3, 0, 0);
    expect_event(d, &q0, 3, 1, 0x7fff);
    expect_event(d, &q0, 1, 0x110, 0);
    expect_event(d, &q0, 2, 8, 0xffffffff);
    expect_event(d, &q0, 0, 0, 0);
    vdrv_free(d);
}

/* Far more events than buffers: the newest are kept, in order. */
static void test_overflow(void **state)
{
    VDrvQueue q0, q1;
    VDrv *d = start("virtio-keyboard-pci", &q0, &q1);
    Device *dev = &d->p->pci.dev;

    vdrv_driver_ok(d);
    for (unsigned i = 0; i < 1000; i++) {
        virtio_input_key(dev, 1 + i % 100, true);
    }
    post_buffers(d, &q0, 16);
    uint16_t t, c;
    uint32_t v;
    next_event(d, &q0, &t, &c, &v);
    assert_int_equal(t, 1);
    /* 256 kept = the last 128 keys: key events for i = 872 onwards */
    assert_int_equal(c, 1 + 872 % 100);
    /* a reset forgets what waited */
    vdrv_set_status(d, 0);
    assert_false(virtio_input_active(dev));
    vdrv_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ids_and_config),
        cmocka_unit_test(test_keyboard_events),
        cmocka_unit_test(test_tablet_events),
        cmocka_unit_test(test_overflow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
