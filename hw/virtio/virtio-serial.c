/*
 * virtio-console (VIRTIO 1.1, 5.3), with QEMU's names:
 *
 *   -device virtio-serial-pci[,max_ports=N]    the device (N <= 3 here)
 *   -device virtconsole,chardev=ID[,nr=P][,name=NAME]    a console port
 *   -device virtserialport,chardev=ID[,nr=P][,name=NAME] a plain port
 *
 * With MULTIPORT (always offered) the queues are: port 0 receive and
 * transmit (0, 1), the control pair (2: device to driver, 3: driver to
 * device), then ports 1.. in pairs. Linux's virtio_console binds as:
 * the driver sends DEVICE_READY; the device answers DEVICE_ADD for each
 * port; the driver sends PORT_READY per port; the device tells which is
 * a console (CONSOLE_PORT: hvc0), names the others (PORT_NAME) and says
 * the host side is open (PORT_OPEN); the driver sends PORT_OPEN when the
 * guest opens the port. Without MULTIPORT only port 0 exists, a console.
 *
 * Data: what the guest writes to a port's transmit queue goes to the
 * port's character backend (never blocking: see chardev.h); host input
 * is written into the port's receive buffers and, while the guest has
 * none, waits in the backend (which stops reading when full). Device
 * control messages wait in a bounded queue for control buffers.
 *
 * Control messages from the driver are checked like any guest input: an
 * unknown port or event is logged once and ignored; a chain too short for
 * a message breaks the device.
 */
#include "hw/virtio/virtio-serial.h"

#include <stdlib.h>
#include <string.h>

#include "hw/core/devtypes.h"
#include "hw/pc/pc.h"
#include "system/chardev-opts.h"

#define VSER_QUEUE_SIZE   128
#define VSER_CONFIG_SIZE  12
#define VSER_TX_CHUNK     4096

static VirtIOSerial *ser_of(VirtIODevice *vdev)
{
    return (VirtIOSerial *)((uint8_t *)vdev -
                            offsetof(VirtIOSerial, proxy.vdev));
}

static bool vser_multiport(VirtIOSerial *s)
{
    return virtio_has_feature(&s->proxy.vdev, VIRTIO_CONSOLE_F_MULTIPORT);
}

static bool vser_running(VirtIOSerial *s)
{
    VirtIODevice *vdev = &s->proxy.vdev;
    return (vdev->status & VIRTIO_STATUS_DRIVER_OK) && !vdev->broken;
}

/* ---------------------------------------------------- config */

static void vser_get_config(VirtIODevice *vdev, uint8_t *c)
{
    memset(c, 0, VSER_CONFIG_SIZE);
    st32le(c + 4, ser_of(vdev)->max_ports);     /* max_nr_ports */
}

static void vser_reset(VirtIODevice *vdev)
{
    VirtIOSerial *s = ser_of(vdev);

    s->ctrl_head = s->ctrl_len = 0;
    for (unsigned i = 0; i < VSER_MAX_PORTS; i++) {
        if (s->ports[i]) {
            s->ports[i]->ready = s->ports[i]->guest_open = false;
        }
    }
}

/* ---------------------------------------------------- control queue */

/* Sends waiting control messages while the driver has buffers. */
static void vser_ctrl_flush(VirtIOSerial *s)
{
    VirtIODevice *vdev = &s->proxy.vdev;
    VirtQueue *vq = &vdev->vq[2];
    VirtQueueElement e;
    bool pushed = false;

    while (s->ctrl_len && vser_running(s) && virtqueue_ready(vdev, vq) &&
           virtqueue_pop(vdev, vq, &e) == 1) {
        VSerCtrlMsg *m = &s->ctrl[s->ctrl_head];
        int64_t w = virtqueue_elem_write(vdev, &e, 0, m->data, m->len);

        if (w < 0) {
            virtqueue_elem_free(&e);
            return;
        }
        virtqueue_push(vdev, vq, &e, (uint32_t)w);
        pushed = true;
        s->ctrl_head = (s->ctrl_head + 1) % VSER_CTRL_MAX;
        s->ctrl_len--;
    }
    if (pushed) {
        virtqueue_notify(vdev, vq);
    }
}

static void vser_ctrl_send(VirtIOSerial *s, uint32_t id, uint16_t event,
                           uint16_t value, const char *name)
{
    VSerCtrlMsg *m;
    size_t nlen = name ? MIN(strlen(name), (size_t)VSER_NAME_MAX) : 0;

    if (s->ctrl_len == VSER_CTRL_MAX) {
        s->ctrl_dropped++;
        return;
    }
    m = &s->ctrl[(s->ctrl_head + s->ctrl_len++) % VSER_CTRL_MAX];
    st32le(m->data, id);
    st16le(m->data + 4, event);
    st16le(m->data + 6, value);
    memcpy(m->data + 8, name ? name : "", nlen);
    m->len = (uint16_t)(8 + nlen);
    vser_ctrl_flush(s);
}

static void vser_port_flush_input(VirtSerialPort *p);

/* The driver set port p up: console, name, host side open. */
static void vser_port_ready(VirtIOSerial *s, VirtSerialPort *p)
{
    p->ready = true;
    if (p->console) {
        vser_ctrl_send(s, p->nr, VIRTIO_CONSOLE_CONSOLE_PORT, 1, NULL);
    }
    if (p->name) {
        vser_ctrl_send(s, p->nr, VIRTIO_CONSOLE_PORT_NAME, 1, p->name);
    }
    vser_ctrl_send(s, p->nr, VIRTIO_CONSOLE_PORT_OPEN, 1, NULL);
}

static void vser_ctrl_event(VirtIOSerial *s, uint32_t id, uint16_t event,
                            uint16_t value)
{
    VirtSerialPort *p = id < VSER_MAX_PORTS ? s->ports[id] : NULL;

    if (event == VIRTIO_CONSOLE_DEVICE_READY) {
        for (unsigned i = 0; value == 1 && i < VSER_MAX_PORTS; i++) {
            if (s->ports[i]) {
                vser_ctrl_send(s, i, VIRTIO_CONSOLE_DEVICE_ADD, 1, NULL);
            }
        }
        return;
    }
    if (!p || (event != VIRTIO_CONSOLE_PORT_READY &&
               event != VIRTIO_CONSOLE_PORT_OPEN)) {
        log_mask(s->proxy.vdev.log, LOG_GUEST_ERROR, "virtio-serial: "
                 "control event %u for port %u ignored\n", event, id);
        return;
    }
    if (event == VIRTIO_CONSOLE_PORT_READY && value == 1) {
        vser_port_ready(s, p);
    } else if (event == VIRTIO_CONSOLE_PORT_OPEN) {
        p->guest_open = value != 0;
        vser_port_flush_input(p);
    }
}

static void vser_handle_ctrl(VirtIOSerial *s)
{
    VirtIODevice *vdev = &s->proxy.vdev;
    VirtQueue *vq = &vdev->vq[3];
    VirtQueueElement e;
    uint8_t msg[8];
    bool pushed = false;

    while (virtqueue_pop(vdev, vq, &e) == 1) {
        if (e.out_len < 8 ||
            virtqueue_elem_read(vdev, &e, 0, msg, 8) != 8) {
            virtio_error(vdev, "control message shorter than 8 bytes");
            virtqueue_elem_free(&e);
            return;
        }
        virtqueue_push(vdev, vq, &e, 0);
        pushed = true;
        vser_ctrl_event(s, ld32le(msg), ld16le(msg + 4), ld16le(msg + 6));
    }
    if (pushed) {
        virtqueue_notify(vdev, vq);
    }
}

/* ---------------------------------------------------- port data */

/* The port whose queue n is, or NULL (control queues, no port). */
static VirtSerialPort *vser_port_of_queue(VirtIOSerial *s, unsigned n)
{
    unsigned port = n < 2 ? 0 : n < 4 ? VSER_MAX_PORTS : n / 2 - 1;
    return port < VSER_MAX_PORTS ? s->ports[port] : NULL;
}

static bool vser_port_live(VirtSerialPort *p)
{
    VirtIOSerial *s = p->bus;

    if (!s || !vser_running(s)) {
        return false;
    }
    return !vser_multiport(s) ? p->nr == 0 : p->ready;
}

static void vser_handle_tx(VirtIOSerial *s, unsigned n, VirtSerialPort *p)
{
    VirtIODevice *vdev = &s->proxy.vdev;
    VirtQueue *vq = &vdev->vq[n];
    VirtQueueElement e;
    uint8_t buf[VSER_TX_CHUNK];
    bool pushed = false;

    while (virtqueue_pop(vdev, vq, &e) == 1) {
        for (uint64_t off = 0; off < e.out_len; off += sizeof(buf)) {
            uint64_t len = MIN(e.out_len - off, (uint64_t)sizeof(buf));
            if (virtqueue_elem_read(vdev, &e, off, buf, len) != (int64_t)len) {
                virtqueue_elem_free(&e);
                return;
            }
            if (p && p->chr_open && vser_port_live(p)) {
                chardev_write(&p->chr, buf, (size_t)len);
                p->to_host += len;
            }
        }
        virtqueue_push(vdev, vq, &e, 0);
        pushed = true;
    }
    if (pushed) {
        virtqueue_notify(vdev, vq);
    }
}

/* Chardev: room in the guest's next receive buffer (0: none). */
static size_t vser_can_receive(void *opaque)
{
    VirtSerialPort *p = opaque;
    VirtIODevice *vdev;
    VirtQueue *vq;
    VirtQueueElement e;
    size_t room;

    if (!vser_port_live(p)) {
        return 0;
    }
    vdev = &p->bus->proxy.vdev;
    vq = &vdev->vq[vser_rx_queue(p->nr)];
    if (!virtqueue_ready(vdev, vq) || virtqueue_pop(vdev, vq, &e) != 1) {
        return 0;
    }
    room = (size_t)MIN(e.in_len, (uint64_t)VSER_TX_CHUNK);
    virtqueue_unpop(vq, &e);
    return room;
}

/* Chardev: bytes for the guest (at most what can_receive said). */
static void vser_receive(void *opaque, const uint8_t *buf, size_t len)
{
    VirtSerialPort *p = opaque;
    VirtIODevice *vdev;
    VirtQueue *vq;
    VirtQueueElement e;
    int64_t w;

    if (!vser_port_live(p)) {
        return;                  /* can_receive said 0: not reached */
    }
    vdev = &p->bus->proxy.vdev;
    vq = &vdev->vq[vser_rx_queue(p->nr)];
    if (virtqueue_pop(vdev, vq, &e) != 1) {
        return;
    }
    w = virtqueue_elem_write(vdev, &e, 0, buf, len);
    if (w < 0) {
        virtqueue_elem_free(&e);
        return;
    }
    virtqueue_push(vdev, vq, &e, (uint32_t)w);
    virtqueue_notify(vdev, vq);
    p->to_guest += (uint64_t)w;
}

static void vser_port_flush_input(VirtSerialPort *p)
{
    if (p->chr_open) {
        chardev_flush_pending(&p->chr);
    }
}

static void vser_handle_queue(VirtIODevice *vdev, unsigned n)
{
    VirtIOSerial *s = ser_of(vdev);
    VirtSerialPort *p = vser_port_of_queue(s, n);

    if (n == 2) {
        vser_ctrl_flush(s);
    } else if (n == 3) {
        vser_handle_ctrl(s);
    } else if (n % 2 == 1) {
        vser_handle_tx(s, n, p);
    } else if (p) {
        vser_port_flush_input(p);       /* new receive buffers */
    }
}

/* ---------------------------------------------------- virtio-serial-pci */

static int virtio_serial_realize(Device *dev, Error *err)
{
    VirtIOSerial *s = (VirtIOSerial *)dev;

    if (s->max_ports < 1 || s->max_ports > VSER_MAX_PORTS) {
        return error_setg(err, "max_ports must be 1-%d", VSER_MAX_PORTS);
    }
    s->vc = (VirtIODeviceClass){
        .name = "virtio-serial",
        .device_id = VIRTIO_ID_CONSOLE,
        .pci_device_id = 0x1003,
        .pci_class = 0x0780,       /* simple communication, other */
        .features = 1ull << VIRTIO_CONSOLE_F_MULTIPORT,
        .nqueues = 2 + 2 * s->max_ports,
        .queue_size = VSER_QUEUE_SIZE,
        .config_size = VSER_CONFIG_SIZE,
        .get_config = vser_get_config,
        .reset = vser_reset,
        .handle_queue = vser_handle_queue,
    };
    return virtio_pci_realize(dev, &s->vc, err);
}

static void virtio_serial_unrealize(Device *dev)
{
    VirtIOSerial *s = (VirtIOSerial *)dev;

    for (unsigned i = 0; i < VSER_MAX_PORTS; i++) {
        if (s->ports[i]) {
            s->ports[i]->bus = NULL;
        }
    }
    pci_device_unrealize(dev);
}

/*
 * State beyond the transport's (version 1): each port's ready/open flags
 * and the control messages waiting for buffers, then the PCI/virtio state.
 */
#define VSER_SAVE_VERSION 1

static void virtio_serial_save(Device *dev, SaveBuf *s)
{
    VirtIOSerial *v = (VirtIOSerial *)dev;

    save_u8(s, VSER_SAVE_VERSION);
    for (unsigned i = 0; i < VSER_MAX_PORTS; i++) {
        VirtSerialPort *p = v->ports[i];
        save_u8(s, p ? (uint8_t)(1 | p->ready << 1 | p->guest_open << 2)
                     : 0);
    }
    save_u8(s, (uint8_t)v->ctrl_len);
    for (unsigned i = 0; i < v->ctrl_len; i++) {
        const VSerCtrlMsg *m = &v->ctrl[(v->ctrl_head + i) % VSER_CTRL_MAX];
        save_u8(s, (uint8_t)m->len);
        save_bytes(s, m->data, m->len);
    }
    pci_device_save(dev, s);
}

static int virtio_serial_load(Device *dev, SaveBuf *s, Error *err)
{
    VirtIOSerial *v = (VirtIOSerial *)dev;
    uint8_t version = load_u8(s), flags[VSER_MAX_PORTS], n;
    VSerCtrlMsg *msgs = xzalloc(sizeof(v->ctrl));
    bool ok = version == VSER_SAVE_VERSION;

    for (unsigned i = 0; i < VSER_MAX_PORTS; i++) {
        flags[i] = load_u8(s);
        ok &= flags[i] < 8 && (flags[i] & 1) == (v->ports[i] != NULL);
    }
    n = load_u8(s);
    ok &= n <= VSER_CTRL_MAX;
    for (unsigned i = 0; ok && i < n; i++) {
        msgs[i].len = load_u8(s);
        ok &= msgs[i].len >= 8 && msgs[i].len <= sizeof(msgs[i].data);
        load_bytes(s, msgs[i].data, ok ? msgs[i].len : 0);
    }
    if (s->error || !ok) {
        free(msgs);
        return error_setg(err, "virtio-serial-pci: bad state (version %u)",
                          version);
    }
    if (pci_device_load(dev, s, err) < 0) {
        free(msgs);
        return -1;
    }
    for (unsigned i = 0; i < VSER_MAX_PORTS; i++) {
        if (v->ports[i]) {
            v->ports[i]->ready = (flags[i] >> 1) & 1;
            v->ports[i]->guest_open = (flags[i] >> 2) & 1;
        }
    }
    memcpy(v->ctrl, msgs, sizeof(v->ctrl));
    v->ctrl_head = 0;
    v->ctrl_len = n;
    free(msgs);
    return 0;
}

static const PropDef virtio_serial_props[] = {
    PCI_DEVICE_PROPS,
    PROP_DEF_U32("max_ports", VirtIOSerial, max_ports, VSER_MAX_PORTS,
                 "ports the driver may use (1-3)"),
    PROP_DEF_END,
};

const DeviceType virtio_serial_pci_type = {
    .name = "virtio-serial-pci",
    .desc = "virtio console/serial device over PCI (ports: virtconsole, "
            "virtserialport)",
    .instance_size = sizeof(VirtIOSerial),
    .props = virtio_serial_props,
    .user_creatable = true,
    .realize = virtio_serial_realize,
    .unrealize = virtio_serial_unrealize,
    .reset = pci_device_reset,
    .save = virtio_serial_save,
    .load = virtio_serial_load,
};

/* ---------------------------------------------------- ports */

static VirtIOSerial *vser_find_bus(Device *parent)
{
    Device *d = parent ? device_find_child(parent, "virtio-serial-pci")
                       : NULL;
    return d && d->realized ? (VirtIOSerial *)d : NULL;
}

static bool vser_stdio_taken(Machine *m)
{
    for (unsigned i = 0; i < PC_MAX_SERIAL; i++) {
        if (pc_serial_chardev(m, i)->kind == CHARDEV_STDIO) {
            return true;
        }
    }
    return false;
}

static void vser_quit(void *opaque)
{
    Machine *m = opaque;

    m->user_quit = true;
    machine_request_exit(m, 0);
}

static int vser_port_open_chardev(VirtSerialPort *p, Machine *m, Error *err)
{
    char *spec;
    int r;

    if (!p->chardev) {
        return 0;                /* no backend: output discarded */
    }
    if (!(spec = chardev_find_spec(&m->cfg, p->chardev, err))) {
        return -1;
    }
    if (!strcmp(spec, "stdio") && vser_stdio_taken(m)) {
        free(spec);
        return error_setg(err, "stdio is already a serial port's (add "
                          "-serial none, or -serial another backend)");
    }
    r = chardev_open_named(&p->chr, spec, p->chardev, err);
    free(spec);
    if (r < 0) {
        return -1;
    }
    p->chr_open = true;
    p->chr.quit = vser_quit;
    p->chr.quit_opaque = m;
    chardev_set_receiver(&p->chr, vser_can_receive, vser_receive, p);
    chardev_attach(&p->chr, &m->loop);
    return 0;
}

static int vser_port_realize(Device *dev, bool console, Error *err)
{
    VirtSerialPort *p = (VirtSerialPort *)dev;
    VirtIOSerial *s = vser_find_bus(dev->parent);

    p->console = console;
    if (!s) {
        return error_setg(err, "needs a -device virtio-serial-pci first");
    }
    if (p->nr == UINT32_MAX) {  /* first free: 0 for a console */
        for (p->nr = console ? 0 : 1; p->nr < s->max_ports &&
             s->ports[p->nr]; p->nr++) {
        }
    }
    if (p->nr >= s->max_ports || s->ports[p->nr]) {
        return error_setg(err, "nr=%u: %s", p->nr, p->nr >= s->max_ports ?
                          "beyond max_ports" : "port already in use");
    }
    if (p->nr == 0 && !console) {
        return error_setg(err, "port 0 is for a virtconsole");
    }
    if (p->name && strlen(p->name) > VSER_NAME_MAX) {
        return error_setg(err, "name is longer than %d", VSER_NAME_MAX);
    }
    if (vser_port_open_chardev(p, dev->machine, err) < 0) {
        return -1;
    }
    p->bus = s;
    s->ports[p->nr] = p;
    return 0;
}

static int virtconsole_realize(Device *dev, Error *err)
{
    return vser_port_realize(dev, true, err);
}

static int virtserialport_realize(Device *dev, Error *err)
{
    return vser_port_realize(dev, false, err);
}

static void vser_port_unrealize(Device *dev)
{
    VirtSerialPort *p = (VirtSerialPort *)dev;

    if (p->bus) {
        p->bus->ports[p->nr] = NULL;
    }
    if (p->chr_open) {
        Machine *m = dev->machine;
        chardev_drain(&p->chr, m->user_quit ? 0 : 1000);
        chardev_close(&p->chr);
    }
}

static const PropDef vser_port_props[] = {
    PROP_DEF_STR("chardev", VirtSerialPort, chardev, NULL,
                 "id of the -chardev backend"),
    PROP_DEF_STR("name", VirtSerialPort, name, NULL,
                 "port name (/dev/virtio-ports/NAME in the guest)"),
    PROP_DEF_U32("nr", VirtSerialPort, nr, UINT32_MAX,
                 "port number (default: the first free one)"),
    PROP_DEF_END,
};

const DeviceType virtconsole_type = {
    .name = "virtconsole",
    .desc = "console port of virtio-serial-pci (hvc0 in a Linux guest)",
    .instance_size = sizeof(VirtSerialPort),
    .props = vser_port_props,
    .user_creatable = true,
    .realize = virtconsole_realize,
    .unrealize = vser_port_unrealize,
};

const DeviceType virtserialport_type = {
    .name = "virtserialport",
    .desc = "port of virtio-serial-pci (/dev/vportNpM in a Linux guest)",
    .instance_size = sizeof(VirtSerialPort),
    .props = vser_port_props,
    .user_creatable = true,
    .realize = virtserialport_realize,
    .unrealize = vser_port_unrealize,
};
