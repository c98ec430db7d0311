/*
 * virtio-net (VIRTIO 1.1, 5.1) over a network backend (net/net.h):
 * `-device virtio-net-pci,netdev=ID[,mac=52:54:00:12:34:56][,bootindex=N]`.
 *
 * Network boot: the expansion ROM is iPXE's virtio ROM (package ipxe-qemu,
 * the combined legacy and EFI image QEMU gives this device) when it is
 * installed; romfile= names another, romfile= with no value gives none.
 * SeaBIOS runs it and boots from it by -boot n or by bootindex=
 * (bootorder.c).
 *
 * Queues: 0 receive, 1 transmit, 2 control. Features: MAC, STATUS (the
 * link is always up), MRG_RXBUF (a frame may span several receive
 * buffers; its header says how many), CTRL_VQ with CTRL_RX (receive
 * modes and the MAC filter table), CSUM: a transmitted frame may leave
 * its TCP/UDP checksum to the device, which computes it before the frame
 * reaches the backend, and HOST_TSO4: a TCP/IPv4 segment of up to 64 KiB
 * is cut into MSS-sized frames by the device (net_tso4_segment), so every
 * backend honours both. GUEST_CSUM, the guest TSOs and HOST_TSO6 are not
 * offered: no backend here gives partial checksums or large segments,
 * and IPv6 segmentation is not written.
 *
 * Every frame carries a virtio_net_hdr in front: 12 bytes with VERSION_1
 * or MRG_RXBUF (num_buffers last), 10 bytes otherwise.
 *
 * Transmit (a vCPU's notify): each chain is a header and a frame of at
 * most NET_MAX_FRAME bytes; a chain shorter than the header breaks the
 * device; a frame too short or too long, a bad checksum request or a
 * segmentation request that is not TCP/IPv4 is dropped and counted.
 *
 * Receive (the backend, from the main loop): frames that pass the filter
 * are written into the guest's buffers; a frame the buffers cannot hold
 * yet stays queued at the backend (net_flush_queue runs when the driver
 * adds buffers), never blocking anyone. The buffers of a frame are
 * returned to the driver in one used-index update.
 */
#include "hw/virtio/virtio-net.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hw/core/devtypes.h"
#include "hw/pc/pc.h"

#define VIRTIO_NET_DEFAULT_ROM "/usr/lib/ipxe/qemu/efi-virtio.rom"
#define VIRTIO_NET_QUEUE_SIZE  256
#define VIRTIO_NET_CONFIG_SIZE 10
#define VIRTIO_NET_S_LINK_UP   1
#define ETH_HLEN               14

static VirtIONet *net_of(VirtIODevice *vdev)
{
    return (VirtIONet *)((uint8_t *)vdev - offsetof(VirtIONet, proxy.vdev));
}

static unsigned vnet_hdr_len(VirtIODevice *vdev)
{
    return virtio_has_feature(vdev, VIRTIO_F_VERSION_1) ||
           virtio_has_feature(vdev, VIRTIO_NET_F_MRG_RXBUF) ? 12 : 10;
}

/* ---------------------------------------------------- config */

static void vnet_get_config(VirtIODevice *vdev, uint8_t *c)
{
    VirtIONet *s = net_of(vdev);

    memset(c, 0, VIRTIO_NET_CONFIG_SIZE);
    memcpy(c, s->mac, 6);
    st16le(c + 6, VIRTIO_NET_S_LINK_UP);
}

static void vnet_reset(VirtIODevice *vdev)
{
    VirtIONet *s = net_of(vdev);

    memset(s->rx_mode, 0, sizeof(s->rx_mode));
    s->rx_mode[VNET_RX_PROMISC] = true;   /* until the driver says */
    s->n_uni = s->n_multi = 0;
}

/* ---------------------------------------------------- transmit */

/* Completes a partial checksum as the header asks; false if it cannot. */
static bool vnet_tx_csum(VirtIODevice *vdev, const uint8_t *hdr,
                         uint8_t *frame, size_t len)
{
    uint16_t start = ld16le(hdr + 6), off = ld16le(hdr + 8);
    uint16_t sum;

    if (!(hdr[0] & VIRTIO_NET_HDR_F_NEEDS_CSUM)) {
        return true;
    }
    if (!virtio_has_feature(vdev, VIRTIO_NET_F_CSUM) || start >= len ||
        (size_t)start + off + 2 > len) {
        return false;
    }
    sum = ~net_checksum_add(frame + start, len - start, 0);
    frame[start + off] = sum >> 8;
    frame[start + off + 1] = sum & 0xff;
    return true;
}

static void vnet_tx_emit(void *opaque, const uint8_t *buf, size_t len)
{
    VirtIONet *s = opaque;

    s->tx_segments++;
    if (!s->nc || !net_send(s->nc, buf, len)) {
        s->tx_dropped++;
    }
}

/* A frame the header asks to segment (TSO): false if it cannot be. */
static bool vnet_tx_tso(VirtIONet *s, const uint8_t *hdr, size_t len)
{
    VirtIODevice *vdev = &s->proxy.vdev;
    uint8_t gso = hdr[1] & ~VIRTIO_NET_HDR_GSO_ECN;

    if (gso != VIRTIO_NET_HDR_GSO_TCPV4 ||
        !virtio_has_feature(vdev, VIRTIO_NET_F_HOST_TSO4)) {
        return false;
    }
    return net_tso4_segment(s->frame, len, ld16le(hdr + 4), s->seg,
                            vnet_tx_emit, s) > 0;
}

/* One transmit chain; false when the device broke. */
static bool vnet_tx_one(VirtIONet *s, VirtQueueElement *e)
{
    VirtIODevice *vdev = &s->proxy.vdev;
    unsigned hlen = vnet_hdr_len(vdev);
    uint8_t hdr[12];
    uint64_t len;

    if (e->out_len < hlen ||
        virtqueue_elem_read(vdev, e, 0, hdr, hlen) != (int64_t)hlen) {
        virtio_error(vdev, "transmit chain without a header");
        return false;
    }
    len = e->out_len - hlen;
    if (len < ETH_HLEN || len > NET_MAX_FRAME) {
        s->tx_dropped++;
        return true;
    }
    if (virtqueue_elem_read(vdev, e, hlen, s->frame, len) != (int64_t)len) {
        return false;
    }
    s->tx_frames++;
    if (hdr[1] != VIRTIO_NET_HDR_GSO_NONE) {
        s->tx_dropped += !vnet_tx_tso(s, hdr, len);
        return true;
    }
    if (!vnet_tx_csum(vdev, hdr, s->frame, len)) {
        s->tx_dropped++;
        return true;
    }
    if (!s->nc || !net_send(s->nc, s->frame, len)) {
        s->tx_dropped++;
    }
    return true;
}

static void vnet_handle_tx(VirtIONet *s)
{
    VirtIODevice *vdev = &s->proxy.vdev;
    VirtQueue *vq = &vdev->vq[VIRTIO_NET_Q_TX];
    VirtQueueElement e;
    unsigned n = 0;

    /* at most a ring's worth per notification: the driver may refill */
    while (n < vq->num && virtqueue_pop(vdev, vq, &e) == 1) {
        if (!vnet_tx_one(s, &e)) {
            virtqueue_elem_free(&e);
            return;
        }
        virtqueue_push(vdev, vq, &e, 0);
        n++;
    }
    if (n) {
        virtqueue_notify(vdev, vq);
    }
}

/* ---------------------------------------------------- control queue */

static uint8_t vnet_ctrl_rx(VirtIONet *s, uint8_t cmd, const uint8_t *data,
                            size_t len)
{
    if (cmd >= VNET_RX_MODES || len != 1) {
        return VIRTIO_NET_ERR;
    }
    s->rx_mode[cmd] = data[0] != 0;
    return VIRTIO_NET_OK;
}

/* MAC_TABLE_SET: {u32 n, n MACs} unicast, then the same for multicast. */
static uint8_t vnet_ctrl_mac_table(VirtIONet *s, const uint8_t *d, size_t len)
{
    uint32_t nu, nm;

    if (len < 4 || (nu = ld32le(d)) > VIRTIO_NET_MAC_TABLE ||
        len < 8 + 6ull * nu) {
        return VIRTIO_NET_ERR;
    }
    nm = ld32le(d + 4 + 6 * nu);
    if (nm > VIRTIO_NET_MAC_TABLE - nu || len != 8 + 6ull * (nu + nm)) {
        return VIRTIO_NET_ERR;
    }
    memcpy(s->mac_table, d + 4, 6 * nu);
    memcpy(s->mac_table[nu], d + 8 + 6 * nu, 6 * nm);
    s->n_uni = nu;
    s->n_multi = nm;
    return VIRTIO_NET_OK;
}

static uint8_t vnet_ctrl_cmd(VirtIONet *s, const uint8_t *cmd, size_t len)
{
    if (cmd[0] == VIRTIO_NET_CTRL_RX) {
        return vnet_ctrl_rx(s, cmd[1], cmd + 2, len - 2);
    }
    if (cmd[0] == VIRTIO_NET_CTRL_MAC &&
        cmd[1] == VIRTIO_NET_CTRL_MAC_TABLE_SET) {
        return vnet_ctrl_mac_table(s, cmd + 2, len - 2);
    }
    return VIRTIO_NET_ERR;
}

static void vnet_handle_ctrl(VirtIONet *s)
{
    VirtIODevice *vdev = &s->proxy.vdev;
    VirtQueue *vq = &vdev->vq[VIRTIO_NET_Q_CTRL];
    enum { CMD_MAX = 2 + 8 + 6 * VIRTIO_NET_MAC_TABLE };
    uint8_t cmd[CMD_MAX], ack;
    VirtQueueElement e;
    bool pushed = false;

    while (virtqueue_pop(vdev, vq, &e) == 1) {
        if (e.out_len < 2 || e.in_len < 1) {
            virtio_error(vdev, "control command without class or ack");
            virtqueue_elem_free(&e);
            return;
        }
        ack = VIRTIO_NET_ERR;
        if (e.out_len <= CMD_MAX &&
            virtqueue_elem_read(vdev, &e, 0, cmd, e.out_len) ==
            (int64_t)e.out_len) {
            ack = vnet_ctrl_cmd(s, cmd, e.out_len);
        }
        if (virtqueue_elem_write(vdev, &e, e.in_len - 1, &ack, 1) < 0) {
            virtqueue_elem_free(&e);
            return;
        }
        virtqueue_push(vdev, vq, &e, 1);
        pushed = true;
    }
    if (pushed) {
        virtqueue_notify(vdev, vq);
    }
}

/* ---------------------------------------------------- receive */

static bool vnet_in_table(const VirtIONet *s, const uint8_t *mac,
                          unsigned first, unsigned n)
{
    for (unsigned i = first; i < first + n; i++) {
        if (!memcmp(s->mac_table[i], mac, 6)) {
            return true;
        }
    }
    return false;
}

/* Whether the driver asked for frames sent to dst. */
static bool vnet_filter(const VirtIONet *s, const uint8_t *dst)
{
    static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
    const bool *mode = s->rx_mode;

    if (mode[VNET_RX_PROMISC]) {
        return true;
    }
    if (!memcmp(dst, bcast, 6)) {
        return !mode[VNET_RX_NOBCAST];
    }
    if (dst[0] & 1) {
        return !mode[VNET_RX_NOMULTI] && (mode[VNET_RX_ALLMULTI] ||
               vnet_in_table(s, dst, s->n_uni, s->n_multi));
    }
    return !mode[VNET_RX_NOUNI] &&
           (mode[VNET_RX_ALLUNI] || !memcmp(dst, s->mac, 6) ||
            vnet_in_table(s, dst, 0, s->n_uni));
}

static bool vnet_rx_ready(VirtIONet *s)
{
    VirtIODevice *vdev = &s->proxy.vdev;

    return (vdev->status & VIRTIO_STATUS_DRIVER_OK) && !vdev->broken &&
           virtqueue_ready(vdev, &vdev->vq[VIRTIO_NET_Q_RX]);
}

/*
 * Pops the buffers for need bytes into s->rx_elems: returns how many, 0
 * when there are not enough yet (all given back), -1 when the frame
 * cannot ever fit or the device broke.
 */
static int vnet_rx_take(VirtIONet *s, uint64_t need, bool mergeable)
{
    VirtIODevice *vdev = &s->proxy.vdev;
    VirtQueue *vq = &vdev->vq[VIRTIO_NET_Q_RX];
    uint64_t have = 0;
    int n = 0, r = 1;

    while (have < need && n < vq->num && (mergeable || n == 0)) {
        r = virtqueue_pop(vdev, vq, &s->rx_elems[n]);
        if (r != 1) {
            break;
        }
        have += s->rx_elems[n++].in_len;
    }
    if (have >= need) {
        return n;
    }
    while (n > 0) {
        virtqueue_unpop(vq, &s->rx_elems[--n]);
    }
    if (r == 0) {
        virtqueue_want_kick(vdev, vq);
        return 0;                /* wait for more buffers */
    }
    return -1;                   /* broken, or too small a buffer */
}

/* Writes hdr + frame over the taken buffers and returns them. */
static bool vnet_rx_write(VirtIONet *s, int n, const uint8_t *hdr,
                          unsigned hlen, const uint8_t *buf, size_t len)
{
    VirtIODevice *vdev = &s->proxy.vdev;
    VirtQueue *vq = &vdev->vq[VIRTIO_NET_Q_RX];
    size_t done = 0;

    for (int i = 0; i < n; i++) {
        VirtQueueElement *e = &s->rx_elems[i];
        uint64_t off = i == 0 ? hlen : 0;
        size_t chunk = (size_t)MIN(e->in_len - off, (uint64_t)(len - done));

        if ((i == 0 && virtqueue_elem_write(vdev, e, 0, hdr, hlen) < 0) ||
            virtqueue_elem_write(vdev, e, off, buf + done, chunk) < 0) {
            for (int j = i; j < n; j++) {
                virtqueue_elem_free(&s->rx_elems[j]);
            }
            return false;
        }
        done += chunk;
        virtqueue_fill(vdev, vq, e, (uint32_t)(off + chunk), i);
    }
    virtqueue_flush(vdev, vq, n);
    virtqueue_notify(vdev, vq);
    return true;
}

static long vnet_receive(NetClient *nc, const uint8_t *buf, size_t len)
{
    VirtIONet *s = nc->opaque;
    VirtIODevice *vdev = &s->proxy.vdev;
    bool mergeable = virtio_has_feature(vdev, VIRTIO_NET_F_MRG_RXBUF);
    unsigned hlen = vnet_hdr_len(vdev);
    uint8_t hdr[12] = { 0 };
    int n;

    if (!vnet_rx_ready(s) || len < ETH_HLEN) {
        s->rx_dropped++;
        return -1;
    }
    if (!vnet_filter(s, buf)) {
        s->rx_filtered++;
        return (long)len;        /* taken: not for this NIC */
    }
    n = vnet_rx_take(s, hlen + len, mergeable);
    if (n <= 0) {
        s->rx_dropped += n < 0;
        return n < 0 ? -1 : 0;
    }
    st16le(hdr + 10, (uint16_t)n);      /* num_buffers */
    if (!vnet_rx_write(s, n, hdr, hlen, buf, len)) {
        return -1;
    }
    s->rx_frames++;
    return (long)len;
}

static void vnet_handle_queue(VirtIODevice *vdev, unsigned n)
{
    VirtIONet *s = net_of(vdev);

    switch (n) {
    case VIRTIO_NET_Q_RX:
        if (s->nc) {
            net_flush_queue(s->nc);     /* new buffers: what waited */
        }
        break;
    case VIRTIO_NET_Q_TX:
        vnet_handle_tx(s);
        break;
    default:
        vnet_handle_ctrl(s);
        break;
    }
}

/* ---------------------------------------------------- device */

static const VirtIODeviceClass virtio_net_class = {
    .name = "virtio-net",
    .device_id = VIRTIO_ID_NET,
    .pci_device_id = 0x1000,
    .pci_class = 0x0200,           /* Ethernet controller */
    .features = (1ull << VIRTIO_NET_F_CSUM) |
                (1ull << VIRTIO_NET_F_HOST_TSO4) |
                (1ull << VIRTIO_NET_F_MAC) |
                (1ull << VIRTIO_NET_F_MRG_RXBUF) |
                (1ull << VIRTIO_NET_F_STATUS) |
                (1ull << VIRTIO_NET_F_CTRL_VQ) |
                (1ull << VIRTIO_NET_F_CTRL_RX),
    .nqueues = 3,
    .queue_size = VIRTIO_NET_QUEUE_SIZE,
    .config_size = VIRTIO_NET_CONFIG_SIZE,
    .get_config = vnet_get_config,
    .reset = vnet_reset,
    .handle_queue = vnet_handle_queue,
};

static const NetClientOps vnet_client_ops = {
    .kind = "nic",
    .receive = vnet_receive,
};

static void vnet_count_nics(Device *d, void *opaque)
{
    *(unsigned *)opaque += d->type == &virtio_net_pci_type && d->realized;
}

/* mac= or QEMU's default 52:54:00:12:34:56, + 1 for each earlier NIC. */
static int vnet_set_mac(VirtIONet *s, Device *parent, Error *err)
{
    unsigned b[6], nics = 0;
    char tail;

    if (!s->mac_prop) {
        if (parent) {
            device_foreach(parent, vnet_count_nics, &nics);
        }
        memcpy(s->mac, (const uint8_t[]){ 0x52, 0x54, 0, 0x12, 0x34, 0x56 },
               6);
        s->mac[5] += (uint8_t)nics;
        return 0;
    }
    if (strlen(s->mac_prop) != 17 ||
        sscanf(s->mac_prop, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2],
               &b[3], &b[4], &b[5], &tail) != 6 || (b[0] & 1)) {
        return error_setg(err, "mac=%s: expected a unicast address as "
                          "52:54:00:12:34:56", s->mac_prop);
    }
    for (int i = 0; i < 6; i++) {
        s->mac[i] = (uint8_t)b[i];
    }
    return 0;
}

static int vnet_connect(VirtIONet *s, Machine *m, Error *err)
{
    NetClient *backend;

    s->nc = net_client_new(m, &vnet_client_ops, s->proxy.pci.dev.id, s);
    if (!s->netdev) {
        return 0;                /* a NIC on no network: frames dropped */
    }
    backend = net_client_find(m, s->netdev);
    if (!backend) {
        return error_setg(err, "netdev=%s: no -netdev with that id",
                          s->netdev);
    }
    return net_client_connect(s->nc, backend, err);
}

static void virtio_net_unrealize(Device *dev)
{
    VirtIONet *s = (VirtIONet *)dev;

    if (dev->realized) {
        pci_device_unrealize(dev);
    }
    net_client_free(s->nc);
    s->nc = NULL;
    free(s->frame);
    free(s->seg);
    free(s->rx_elems);
}

static int virtio_net_realize(Device *dev, Error *err)
{
    VirtIONet *s = (VirtIONet *)dev;

    if (vnet_set_mac(s, dev->parent, err) < 0 ||
        vnet_connect(s, dev->machine, err) < 0) {
        net_client_free(s->nc);
        s->nc = NULL;
        return -1;
    }
    s->frame = xmalloc(NET_MAX_FRAME);
    s->seg = xmalloc(NET_MAX_FRAME);
    s->rx_elems = xzalloc(sizeof(*s->rx_elems) * VIRTQUEUE_MAX_SIZE);
    vnet_reset(&s->proxy.vdev);
    if (!s->proxy.pci.romfile && access(VIRTIO_NET_DEFAULT_ROM, R_OK) == 0) {
        s->proxy.pci.romfile = xstrdup(VIRTIO_NET_DEFAULT_ROM);
    }
    if (virtio_pci_realize(dev, &virtio_net_class, err) < 0) {
        virtio_net_unrealize(dev);
        return -1;
    }
    return 0;
}

/*
 * State beyond the transport's (version 1): receive modes and the MAC
 * table, then the PCI/virtio state. Frames queued at the backend are the
 * backend's and are not saved (a guest sees them as lost, as on a wire).
 */
#define VIRTIO_NET_SAVE_VERSION 1

static void virtio_net_save(Device *dev, SaveBuf *s)
{
    VirtIONet *n = (VirtIONet *)dev;
    uint8_t modes = 0;

    for (int i = 0; i < VNET_RX_MODES; i++) {
        modes |= (uint8_t)(n->rx_mode[i] << i);
    }
    save_u8(s, VIRTIO_NET_SAVE_VERSION);
    save_u8(s, modes);
    save_u8(s, (uint8_t)n->n_uni);
    save_u8(s, (uint8_t)n->n_multi);
    save_bytes(s, n->mac_table, sizeof(n->mac_table));
    pci_device_save(dev, s);
}

static int virtio_net_load(Device *dev, SaveBuf *s, Error *err)
{
    VirtIONet *n = (VirtIONet *)dev;
    uint8_t table[VIRTIO_NET_MAC_TABLE][6];
    uint8_t version = load_u8(s), modes = load_u8(s);
    uint8_t nu = load_u8(s), nm = load_u8(s);

    load_bytes(s, table, sizeof(table));
    if (s->error || version != VIRTIO_NET_SAVE_VERSION ||
        modes >> VNET_RX_MODES || nu + nm > VIRTIO_NET_MAC_TABLE) {
        return error_setg(err, "virtio-net-pci: bad state (version %u)",
                          version);
    }
    if (pci_device_load(dev, s, err) < 0) {
        return -1;
    }
    for (int i = 0; i < VNET_RX_MODES; i++) {
        n->rx_mode[i] = (modes >> i) & 1;
    }
    n->n_uni = nu;
    n->n_multi = nm;
    memcpy(n->mac_table, table, sizeof(table));
    return 0;
}

static const PropDef virtio_net_props[] = {
    PCI_DEVICE_PROPS,
    PROP_DEF_STR("netdev", VirtIONet, netdev, NULL,
                 "id of the -netdev backend"),
    PROP_DEF_STR("mac", VirtIONet, mac_prop, NULL,
                 "MAC address (default 52:54:00:12:34:56 + NIC index)"),
    PROP_DEF_U32("bootindex", VirtIONet, bootindex, VIRTIO_NET_NO_BOOTINDEX,
                 "place in the firmware's boot order (network boot)"),
    PROP_DEF_END,
};

const DeviceType virtio_net_pci_type = {
    .name = "virtio-net-pci",
    .desc = "virtio network card over PCI (-netdev user|tap)",
    .instance_size = sizeof(VirtIONet),
    .props = virtio_net_props,
    .user_creatable = true,
    .realize = virtio_net_realize,
    .unrealize = virtio_net_unrealize,
    .reset = pci_device_reset,
    .save = virtio_net_save,
    .load = virtio_net_load,
};
