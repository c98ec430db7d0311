/* Unit tests for virtio-serial-pci with virtconsole/virtserialport, the
 * test as the driver: the multiport handshake Linux's virtio_console
 * does (DEVICE_READY -> DEVICE_ADD, PORT_READY -> CONSOLE_PORT, PORT_NAME,
 * PORT_OPEN), output to a file backend, input fed to the backend reaching
 * the guest's buffers (and waiting while there are none), the single-port
 * mode without MULTIPORT, hostile control messages, -chardev parsing and
 * the port devices' refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <unistd.h>

#include "hw/virtio/virtio-serial.h"
#include "system/chardev-opts.h"
#include "tests/fuzz/virtio-driver.h"

#define CIN_BUFS  (VDRV_BUF_BASE + 0x10000)   /* control buffers, 64 B */
#define COUT_BUF  (VDRV_BUF_BASE + 0x20000)
#define P0_IN     (VDRV_BUF_BASE + 0x30000)
#define P0_OUT    (VDRV_BUF_BASE + 0x40000)

typedef struct Fx {
    VDrv *d;
    char path[64], chardev[128];
    VDrvQueue q[8];
    VirtSerialPort *con, *port;
    unsigned cin_seen;
} Fx;

static VirtIOSerial *ser(Fx *f)
{
    return (VirtIOSerial *)f->d->p;
}

static Fx *fx_new(void)
{
    Fx *f = xzalloc(sizeof(*f));
    Error err = { "" };

    snprintf(f->path, sizeof(f->path), "/tmp/kite-vser-test-%d.out",
             (int)getpid());
    snprintf(f->chardev, sizeof(f->chardev), "file,id=c0,path=%s", f->path);
    f->d = vdrv_machine_new(NULL, &err);
    f->d->m.cfg.chardev_args[f->d->m.cfg.nchardev_args++] = f->chardev;
    vdrv_add_device(f->d, "virtio-serial-pci", "", &err);
    assert_non_null(f->d->p);
    f->con = (VirtSerialPort *)device_create(&f->d->m, "virtconsole",
                                             f->d->root, "chardev=c0", &err);
    assert_non_null(f->con);
    f->port = (VirtSerialPort *)device_create(&f->d->m, "virtserialport",
                                              f->d->root, "name=org.kite.t",
                                              &err);
    assert_non_null(f->port);
    vdrv_enable(f->d);
    return f;
}

static void fx_start(Fx *f, bool multiport)
{
    uint64_t feat = VDRV_BASE_FEATURES |
                    (multiport ? VDRV_F(VIRTIO_CONSOLE_F_MULTIPORT) : 0);

    assert_true(vdrv_negotiate(f->d, feat) & VIRTIO_STATUS_FEATURES_OK);
    for (unsigned i = 0; i < (multiport ? 8 : 2); i++) {
        vdrv_queue_setup(f->d, &f->q[i], i, 16, 0xffff);
    }
    vdrv_driver_ok(f->d);
}

static int setup(void **state)
{
    Fx *f = fx_new();

    fx_start(f, true);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    Fx *f = *state;

    vdrv_free(f->d);
    unlink(f->path);
    free(f);
    return 0;
}

/* Gives the device n control buffers (queue 2). */
static void cin_post(Fx *f, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        vdrv_desc(f->d, f->q[2].desc, i, CIN_BUFS + 128 * i, 128,
                  VRING_DESC_F_WRITE, 0);
        vdrv_post(f->d, &f->q[2], (uint16_t)i);
    }
    vdrv_notify(f->d, 2);
}

static void ctrl_send(Fx *f, uint32_t id, uint16_t event, uint16_t value)
{
    uint8_t m[8];

    st32le(m, id);
    st16le(m + 4, event);
    st16le(m + 6, value);
    address_space_write(&f->d->m.mem, COUT_BUF, m, 8);
    vdrv_desc(f->d, f->q[3].desc, 0, COUT_BUF, 8, 0, 0);
    vdrv_post(f->d, &f->q[3], 0);
    vdrv_notify(f->d, 3);
}

/* The next control message from the device: id, event, value. */
static bool ctrl_next(Fx *f, uint32_t *id, uint16_t *event, uint16_t *value,
                      char *name)
{
    uint8_t m[8 + 64];
    uint32_t len, head;

    if (vdrv_used_idx(f->d, &f->q[2]) == (uint16_t)f->cin_seen) {
        return false;
    }
    head = vdrv_used_id(f->d, &f->q[2], f->cin_seen);
    len = vdrv_used_len(f->d, &f->q[2], f->cin_seen++);
    assert_true(len >= 8 && len <= sizeof(m));
    address_space_read(&f->d->m.mem, CIN_BUFS + 128 * head, m, len);
    *id = ld32le(m);
    *event = ld16le(m + 4);
    *value = ld16le(m + 6);
    if (name) {
        memcpy(name, m + 8, len - 8);
        name[len - 8] = '\0';
    }
    return true;
}

static void expect_msg(Fx *f, uint32_t id, uint16_t event, uint16_t value)
{
    uint32_t i;
    uint16_t e, v;

    assert_true(ctrl_next(f, &i, &e, &v, NULL));
    assert_int_equal(i, id);
    assert_int_equal(e, event);
    assert_int_equal(v, value);
}

/* Linux's order: DEVICE_READY, then PORT_READY for each added port. */
static void handshake(Fx *f)
{
    char name[80];
    uint32_t i;
    uint16_t e, v;

    cin_post(f, 16);
    ctrl_send(f, 0, VIRTIO_CONSOLE_DEVICE_READY, 1);
    expect_msg(f, 0, VIRTIO_CONSOLE_DEVICE_ADD, 1);
    expect_msg(f, 1, VIRTIO_CONSOLE_DEVICE_ADD, 1);
    ctrl_send(f, 0, VIRTIO_CONSOLE_PORT_READY, 1);
    expect_msg(f, 0, VIRTIO_CONSOLE_CONSOLE_PORT, 1);
    expect_msg(f, 0, VIRTIO_CONSOLE_PORT_OPEN, 1);
    ctrl_send(f, 1, VIRTIO_CONSOLE_PORT_READY, 1);
    assert_true(ctrl_next(f, &i, &e, &v, name));
    assert_int_equal(e, VIRTIO_CONSOLE_PORT_NAME);
    assert_string_equal(name, "org.kite.t");
    expect_msg(f, 1, VIRTIO_CONSOLE_PORT_OPEN, 1);
    assert_false(ctrl_next(f, &i, &e, &v, NULL));
}

static void test_config_and_handshake(void **state)
{
    Fx *f = *state;

    assert_int_equal(vdrv_rd(f->d, VIRTIO_PCI_DEVICE_OFF + 4, 4),
                     VSER_MAX_PORTS);
    assert_int_equal(f->con->nr, 0);
    assert_int_equal(f->port->nr, 1);
    handshake(f);
    assert_true(f->con->ready && f->port->ready);
    ctrl_send(f, 0, VIRTIO_CONSOLE_PORT_OPEN, 1);
    assert_true(f->con->guest_open);
}

/* Messages wait for control buffers; none is lost. */
static void test_ctrl_waits_for_buffers(void **state)
{
    Fx *f = *state;

    ctrl_send(f, 0, VIRTIO_CONSOLE_DEVICE_READY, 1);
    assert_int_equal(ser(f)->ctrl_len, 2);
    cin_post(f, 1);
    expect_msg(f, 0, VIRTIO_CONSOLE_DEVICE_ADD, 1);
    assert_int_equal(ser(f)->ctrl_len, 1);
}

static size_t file_contents(Fx *f, char *buf, size_t max)
{
    FILE *fp;
    size_t n;

    chardev_drain(&f->con->chr, 1000);
    fp = fopen(f->path, "rb");
    assert_non_null(fp);
    n = fread(buf, 1, max, fp);
    fclose(fp);
    return n;
}

static void test_output_to_backend(void **state)
{
    Fx *f = *state;
    char got[64];

    handshake(f);
    address_space_write(&f->d->m.mem, P0_OUT, "hello hvc0\n", 11);
    vdrv_desc(f->d, f->q[1].desc, 0, P0_OUT, 6, VRING_DESC_F_NEXT, 1);
    vdrv_desc(f->d, f->q[1].desc, 1, P0_OUT + 6, 5, 0, 0);
    vdrv_post(f->d, &f->q[1], 0);
    vdrv_notify(f->d, 1);
    assert_int_equal(vdrv_used_idx(f->d, &f->q[1]), 1);
    assert_int_equal(file_contents(f, got, sizeof(got)), 11);
    assert_memory_equal(got, "hello hvc0\n", 11);
    assert_int_equal(f->con->to_host, 11);
}

/* Input waits in the backend until the guest gives buffers. */
static void test_input_to_guest(void **state)
{
    Fx *f = *state;
    char got[16] = { 0 };

    handshake(f);
    chardev_feed(&f->con->chr, (const uint8_t *)"ls\r", 3);
    assert_int_equal(f->con->to_guest, 0);
    assert_int_equal(f->con->chr.npending, 3);
    vdrv_desc(f->d, f->q[0].desc, 0, P0_IN, 2, VRING_DESC_F_WRITE, 0);
    vdrv_desc(f->d, f->q[0].desc, 1, P0_IN + 16, 8, VRING_DESC_F_WRITE, 0);
    vdrv_post(f->d, &f->q[0], 0);
    vdrv_post(f->d, &f->q[0], 1);
    vdrv_notify(f->d, 0);
    assert_int_equal(vdrv_used_idx(f->d, &f->q[0]), 2);
    assert_int_equal(vdrv_used_len(f->d, &f->q[0], 0), 2);
    assert_int_equal(vdrv_used_len(f->d, &f->q[0], 1), 1);
    address_space_read(&f->d->m.mem, P0_IN, got, 2);
    address_space_read(&f->d->m.mem, P0_IN + 16, got + 2, 1);
    assert_string_equal(got, "ls\r");
    assert_int_equal(f->con->to_guest, 3);
}

/* Without MULTIPORT, port 0 is the console at once (queues 0 and 1). */
static void test_single_port(void **state)
{
    Fx *f = fx_new();
    char got[16];

    *state = f;
    fx_start(f, false);
    address_space_write(&f->d->m.mem, P0_OUT, "early", 5);
    vdrv_desc(f->d, f->q[1].desc, 0, P0_OUT, 5, 0, 0);
    vdrv_post(f->d, &f->q[1], 0);
    vdrv_notify(f->d, 1);
    assert_int_equal(file_contents(f, got, sizeof(got)), 5);
    assert_memory_equal(got, "early", 5);
}

static void test_hostile_control(void **state)
{
    Fx *f = *state;

    cin_post(f, 4);
    ctrl_send(f, 99, VIRTIO_CONSOLE_PORT_READY, 1);     /* no such port */
    ctrl_send(f, 0, 1234, 1);                           /* no such event */
    assert_false(f->d->p->vdev.broken);
    assert_false(f->con->ready);
    vdrv_desc(f->d, f->q[3].desc, 0, COUT_BUF, 4, 0, 0);     /* too short */
    vdrv_post(f->d, &f->q[3], 0);
    vdrv_notify(f->d, 3);
    assert_true(f->d->p->vdev.broken);
    assert_true(vdrv_status(f->d) & VIRTIO_STATUS_NEEDS_RESET);
    /* a reset and the handshake again */
    fx_start(f, true);
    f->cin_seen = 0;
    handshake(f);
}

/* Output before PORT_READY (a guest writing too early) is discarded. */
static void test_output_before_ready(void **state)
{
    Fx *f = *state;
    char got[16];

    address_space_write(&f->d->m.mem, P0_OUT, "x", 1);
    vdrv_desc(f->d, f->q[1].desc, 0, P0_OUT, 1, 0, 0);
    vdrv_post(f->d, &f->q[1], 0);
    vdrv_notify(f->d, 1);
    assert_int_equal(vdrv_used_idx(f->d, &f->q[1]), 1);
    assert_int_equal(file_contents(f, got, sizeof(got)), 0);
}

/* Port flags and waiting control messages survive save/load. */
static void test_save_load(void **state)
{
    Fx *f = *state;
    Device *dev = &f->d->p->pci.dev;
    SaveBuf a, r;
    Error err = { "" };

    handshake(f);
    ctrl_send(f, 0, VIRTIO_CONSOLE_PORT_OPEN, 1);
    ctrl_send(f, 0, VIRTIO_CONSOLE_DEVICE_READY, 1);    /* 2 messages */
    assert_int_equal(ser(f)->ctrl_len, 0);              /* buffers left */
    savebuf_init(&a);
    dev->type->save(dev, &a);
    f->con->ready = f->con->guest_open = false;
    savebuf_init_read(&r, a.data, a.len);
    assert_int_equal(dev->type->load(dev, &r, &err), 0);
    assert_true(f->con->ready && f->con->guest_open);
    a.data[1 + VSER_MAX_PORTS] = 200;                   /* ctrl_len */
    savebuf_init_read(&r, a.data, a.len);
    assert_int_equal(dev->type->load(dev, &r, &err), -1);
    savebuf_free(&a);
}

static void test_port_refusals(void **state)
{
    Error err = { "" };
    VDrv *d = vdrv_machine_new(NULL, &err);
    char cd[] = "null,id=n";

    assert_null(device_create(&d->m, "virtconsole", d->root, "", &err));
    assert_non_null(strstr(err.msg, "virtio-serial-pci"));
    d->m.cfg.chardev_args[d->m.cfg.nchardev_args++] = cd;
    vdrv_add_device(d, "virtio-serial-pci", "max_ports=2", &err);
    assert_non_null(d->p);
    assert_null(device_create(&d->m, "virtconsole", d->root, "chardev=zz",
                              &err));
    assert_non_null(strstr(err.msg, "no -chardev"));
    assert_null(device_create(&d->m, "virtserialport", d->root, "nr=0",
                              &err));
    assert_non_null(device_create(&d->m, "virtconsole", d->root,
                                  "chardev=n", &err));
    assert_non_null(device_create(&d->m, "virtconsole", d->root, "", &err));
    assert_null(device_create(&d->m, "virtserialport", d->root, "", &err));
    assert_non_null(strstr(err.msg, "max_ports"));
    vdrv_free(d);
    d = vdrv_new("virtio-serial-pci", "max_ports=4", &err);
    assert_null(d->p);
    vdrv_free(d);
}

static void test_chardev_options(void **state)
{
    MachineConfig cfg;
    Error err = { "" };
    char *spec;

    memset(&cfg, 0, sizeof(cfg));
    assert_int_equal(chardev_add_option(&cfg, "socket,id=a,path=/tmp/s,"
                                        "server=on,wait=off", &err), 0);
    assert_int_equal(chardev_add_option(&cfg, "socket,id=b,host=127.0.0.1,"
                                        "port=4444,server=on", &err), 0);
    assert_int_equal(chardev_add_option(&cfg, "stdio,id=c,signal=off", &err),
                     0);
    assert_int_equal(chardev_add_option(&cfg, "file,id=d,path=/tmp/x,,y",
                                        &err), 0);
    assert_int_equal(chardev_add_option(&cfg, "pty,id=a", &err), -1);
    assert_non_null(strstr(err.msg, "duplicate"));
    assert_int_equal(chardev_add_option(&cfg, "file,id=e", &err), -1);
    assert_int_equal(chardev_add_option(&cfg, "spice,id=e", &err), -1);
    assert_int_equal(chardev_add_option(&cfg, "null", &err), -1);
    assert_int_equal(chardev_add_option(&cfg, "null,id=e,bogus=1", &err), -1);
    assert_int_equal(chardev_add_option(&cfg, "socket,id=e", &err), -1);
    assert_int_equal(chardev_add_option(&cfg, "stdio,id=e,mux=on", &err), -1);
    spec = chardev_find_spec(&cfg, "a", &err);
    assert_string_equal(spec, "unix:/tmp/s,server,nowait");
    free(spec);
    spec = chardev_find_spec(&cfg, "b", &err);
    assert_string_equal(spec, "tcp:127.0.0.1:4444,server");
    free(spec);
    spec = chardev_find_spec(&cfg, "d", &err);
    assert_string_equal(spec, "file:/tmp/x,y");
    free(spec);
    assert_null(chardev_find_spec(&cfg, "zz", &err));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_config_and_handshake, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_ctrl_waits_for_buffers, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_output_to_backend, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_input_to_guest, setup, teardown),
        cmocka_unit_test_teardown(test_single_port, teardown),
        cmocka_unit_test_setup_teardown(test_hostile_control, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_output_before_ready, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_save_load, setup, teardown),
        cmocka_unit_test(test_port_refusals),
        cmocka_unit_test(test_chardev_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
