/* Unit tests for the network layer and virtio-net-pci with the test as
 * the driver and a fake backend: config and features, transmit (frames
 * reach the backend whole; the checksum offload; dropped segmentation
 * requests), receive (one buffer, mergeable buffers returned in one used
 * index update, frames waiting at the backend until the driver adds
 * buffers, the bounded backend queue), the control queue (receive modes,
 * the MAC table), hostile chains, the -netdev/-nic option checks, the
 * PCI configuration access window and the expansion ROM (romfile=, the
 * device id set in a ROM made for another id). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>
#include <cmocka.h>

#include "hw/virtio/virtio-net.h"
#include "tests/fuzz/virtio-driver.h"

#define HDR      12
#define RXQ      0
#define TXQ      1
#define CTRLQ    2
#define RX_BUFS  (VDRV_BUF_BASE + 0x40000)
#define TX_BUF   (VDRV_BUF_BASE + 0x80000)
#define CTRL_BUF (VDRV_BUF_BASE + 0xc0000)

static const uint8_t our_mac[6] = { 0x52, 0x54, 0x00, 0xaa, 0xbb, 0xcc };

typedef struct Fake {
    NetClient *nc;
    uint8_t last[NET_MAX_FRAME];
    size_t last_len;
    unsigned got;
} Fake;

typedef struct Fx {
    VDrv *d;
    Fake fake;
    VDrvQueue rx, tx, ctrl;
    uint64_t features;
} Fx;

static long fake_receive(NetClient *nc, const uint8_t *buf, size_t len)
{
    Fake *f = nc->opaque;

    memcpy(f->last, buf, len);
    f->last_len = len;
    f->got++;
    return (long)len;
}

static const NetClientOps fake_ops = { .kind = "test",
                                       .receive = fake_receive };

static VirtIONet *vnet(Fx *f)
{
    return (VirtIONet *)f->d->p;
}

/* A machine with a fake backend "fake" and virtio-net-pci on it. */
static Fx *fx_new(const char *props)
{
    Fx *f = xzalloc(sizeof(*f));
    Error err = { "" };
    char *all = xasprintf("netdev=fake%s%s", *props ? "," : "", props);

    f->d = vdrv_machine_new(NULL, &err);
    f->fake.nc = net_client_new(&f->d->m, &fake_ops, "fake", &f->fake);
    vdrv_add_device(f->d, "virtio-net-pci", all, &err);
    free(all);
    assert_non_null(f->d->p);
    vdrv_enable(f->d);
    return f;
}

static void fx_start(Fx *f, uint64_t features)
{
    f->features = features;
    assert_true(vdrv_negotiate(f->d, features) & VIRTIO_STATUS_FEATURES_OK);
    vdrv_queue_setup(f->d, &f->rx, RXQ, 64, 0xffff);
    vdrv_queue_setup(f->d, &f->tx, TXQ, 64, 0xffff);
    vdrv_queue_setup(f->d, &f->ctrl, CTRLQ, 16, 0xffff);
    vdrv_driver_ok(f->d);
}

static int setup(void **state)
{
    Fx *f = fx_new("mac=52:54:00:aa:bb:cc");

    fx_start(f, VDRV_BASE_FEATURES | VDRV_F(VIRTIO_NET_F_MAC) |
             VDRV_F(VIRTIO_NET_F_CSUM) | VDRV_F(VIRTIO_NET_F_MRG_RXBUF) |
             VDRV_F(VIRTIO_NET_F_HOST_TSO4) |
             VDRV_F(VIRTIO_NET_F_STATUS) | VDRV_F(VIRTIO_NET_F_CTRL_VQ) |
             VDRV_F(VIRTIO_NET_F_CTRL_RX));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    Fx *f = *state;

    net_client_free(f->fake.nc);
    vdrv_free(f->d);
    free(f);
    return 0;
}

/* ---- helpers ---- */

static void make_frame(uint8_t *b, size_t len, const uint8_t *dst)
{
    for (size_t i = 0; i < len; i++) {
        b[i] = (uint8_t)(i * 7 + 3);
    }
    memcpy(b, dst, 6);
    memcpy(b + 6, (const uint8_t[]){ 0x52, 0x55, 10, 0, 2, 2 }, 6);
    b[12] = 0x08;
    b[13] = 0x00;
}

/* Transmits hdr + frame as one readable buffer; returns the used len. */
static void tx_frame(Fx *f, const uint8_t *hdr, const uint8_t *frame,
                     size_t len)
{
    address_space_write(&f->d->m.mem, TX_BUF, hdr, HDR);
    address_space_write(&f->d->m.mem, TX_BUF + HDR, frame, len);
    vdrv_desc(f->d, f->tx.desc, 0, TX_BUF, HDR + len, 0, 0);
    vdrv_post(f->d, &f->tx, 0);
    vdrv_notify(f->d, TXQ);
}

/* n receive buffers of size bytes each, descriptors first..first+n-1. */
static void rx_post(Fx *f, unsigned first, unsigned n, uint32_t size)
{
    for (unsigned i = first; i < first + n; i++) {
        vdrv_desc(f->d, f->rx.desc, i, RX_BUFS + 0x1000ull * i, size,
                  VRING_DESC_F_WRITE, 0);
        vdrv_post(f->d, &f->rx, (uint16_t)i);
    }
    vdrv_notify(f->d, RXQ);
}

static uint8_t ctrl_cmd(Fx *f, uint8_t cls, uint8_t cmd, const void *data,
                        size_t len)
{
    uint8_t hdr[2] = { cls, cmd };
    unsigned used = vdrv_used_idx(f->d, &f->ctrl);

    address_space_write(&f->d->m.mem, CTRL_BUF, hdr, 2);
    address_space_write(&f->d->m.mem, CTRL_BUF + 2, data, len);
    vdrv_poke(f->d, CTRL_BUF + 0x800, 0xee, 1);
    vdrv_desc(f->d, f->ctrl.desc, 0, CTRL_BUF, 2 + len, VRING_DESC_F_NEXT, 1);
    vdrv_desc(f->d, f->ctrl.desc, 1, CTRL_BUF + 0x800, 1, VRING_DESC_F_WRITE,
              0);
    vdrv_post(f->d, &f->ctrl, 0);
    vdrv_notify(f->d, CTRLQ);
    assert_int_equal(vdrv_used_idx(f->d, &f->ctrl), (uint16_t)(used + 1));
    return (uint8_t)vdrv_peek(f->d, CTRL_BUF + 0x800, 1);
}

/* ---- config ---- */

static void test_config(void **state)
{
    Fx *f = *state;
    uint8_t mac[6];
    uint64_t feat;

    for (int i = 0; i < 6; i++) {
        mac[i] = (uint8_t)vdrv_rd(f->d, VIRTIO_PCI_DEVICE_OFF + i, 1);
    }
    assert_memory_equal(mac, our_mac, 6);
    assert_int_equal(vdrv_rd(f->d, VIRTIO_PCI_DEVICE_OFF + 6, 2), 1);
    vdrv_common_wr(f->d, VIRTIO_PCI_COMMON_DFSELECT, 0, 4);
    feat = vdrv_common_rd(f->d, VIRTIO_PCI_COMMON_DF, 4);
    assert_true(feat & (1u << VIRTIO_NET_F_MRG_RXBUF));
    assert_true(feat & (1u << VIRTIO_NET_F_CSUM));
    assert_true(feat & (1u << VIRTIO_NET_F_HOST_TSO4));
    /* not honoured, so not offered */
    assert_false(feat & (1u << VIRTIO_NET_F_HOST_TSO6));
    assert_false(feat & (1u << VIRTIO_NET_F_GUEST_CSUM));
}

static void test_default_mac_and_bad_mac(void **state)
{
    Error err = { "" };
    VDrv *d = vdrv_new("virtio-net-pci", "", &err);

    assert_non_null(d->p);
    assert_int_equal(((VirtIONet *)d->p)->mac[5], 0x56);
    assert_null(((VirtIONet *)d->p)->nc->peer);      /* no netdev= */
    vdrv_free(d);
    d = vdrv_new("virtio-net-pci", "mac=01:00:00:00:00:01", &err);
    assert_null(d->p);
    assert_non_null(strstr(err.msg, "unicast"));
    vdrv_free(d);
    d = vdrv_new("virtio-net-pci", "netdev=nothere", &err);
    assert_null(d->p);
    assert_non_null(strstr(err.msg, "no -netdev"));
    vdrv_free(d);
}

/* ---- transmit ---- */

static void test_tx_frame(void **state)
{
    Fx *f = *state;
    uint8_t hdr[HDR] = { 0 }, frame[200];

    make_frame(frame, sizeof(frame), (const uint8_t[]){ 0x52, 0x55, 10, 0,
                                                        2, 2 });
    tx_frame(f, hdr, frame, sizeof(frame));
    assert_int_equal(vdrv_used_idx(f->d, &f->tx), 1);
    assert_int_equal(f->fake.got, 1);
    assert_int_equal(f->fake.last_len, sizeof(frame));
    assert_memory_equal(f->fake.last, frame, sizeof(frame));
    assert_int_equal(vnet(f)->tx_frames, 1);
}

/* A UDP/IPv4 frame whose checksum the driver left to the device. */
static void test_tx_checksum_offload(void **state)
{
    Fx *f = *state;
    uint8_t hdr[HDR] = { VIRTIO_NET_HDR_F_NEEDS_CSUM }, frame[14 + 20 + 8 + 33];
    uint8_t *ip = frame + 14, *udp = ip + 20;
    uint32_t pseudo;
    uint16_t ulen = 8 + 33;

    make_frame(frame, sizeof(frame), our_mac);
    memset(ip, 0, 20);
    ip[9] = 17;                                  /* UDP */
    memcpy(ip + 12, (const uint8_t[]){ 10, 0, 2, 15, 10, 0, 2, 2 }, 8);
    udp[4] = ulen >> 8;
    udp[5] = ulen & 0xff;
    /* the driver puts the pseudo-header sum in the checksum field */
    pseudo = 0x0a00 + 0x020f + 0x0a00 + 0x0202 + 17 + ulen;
    pseudo = (pseudo & 0xffff) + (pseudo >> 16);
    udp[6] = pseudo >> 8;
    udp[7] = pseudo & 0xff;
    st16le(hdr + 6, 34);                         /* csum_start */
    st16le(hdr + 8, 6);                          /* csum_offset */
    tx_frame(f, hdr, frame, sizeof(frame));
    assert_int_equal(f->fake.got, 1);
    /* over pseudo-header + UDP the sum of a good datagram is 0xffff */
    {
        uint32_t s = net_checksum_add(f->fake.last + 34, ulen, 0);
        s += 0x0a00 + 0x020f + 0x0a00 + 0x0202 + 17 + ulen;
        while (s >> 16) {
            s = (s & 0xffff) + (s >> 16);
        }
        assert_int_equal(s, 0xffff);
    }
    /* the rest of the frame unchanged */
    assert_memory_equal(f->fake.last, frame, 34 + 6);
}

static void test_tx_drops(void **state)
{
    Fx *f = *state;
    uint8_t hdr[HDR] = { 0 }, frame[100];

    make_frame(frame, sizeof(frame), our_mac);
    hdr[1] = VIRTIO_NET_HDR_GSO_TCPV6;           /* TSO6: not offered */
    tx_frame(f, hdr, frame, sizeof(frame));
    hdr[1] = 0;
    hdr[0] = VIRTIO_NET_HDR_F_NEEDS_CSUM;
    st16le(hdr + 6, 98);                         /* start + 2 > len */
    st16le(hdr + 8, 6);
    tx_frame(f, hdr, frame, sizeof(frame));
    memset(hdr, 0, sizeof(hdr));
    tx_frame(f, hdr, frame, 10);                 /* shorter than Ethernet */
    assert_int_equal(vdrv_used_idx(f->d, &f->tx), 3);
    assert_int_equal(f->fake.got, 0);
    assert_int_equal(vnet(f)->tx_dropped, 3);
    assert_false(f->d->p->vdev.broken);
}

static void test_tx_chain_without_header_breaks(void **state)
{
    Fx *f = *state;

    vdrv_desc(f->d, f->tx.desc, 0, TX_BUF, 6, 0, 0);
    vdrv_post(f->d, &f->tx, 0);
    vdrv_notify(f->d, TXQ);
    assert_true(f->d->p->vdev.broken);
    assert_true(vdrv_status(f->d) & VIRTIO_STATUS_NEEDS_RESET);
    assert_int_equal(f->fake.got, 0);
}

/* ---- receive ---- */

static void test_rx_one_buffer(void **state)
{
    Fx *f = *state;
    uint8_t frame[300], got[300];

    make_frame(frame, sizeof(frame), our_mac);
    rx_post(f, 0, 4, 2048);
    assert_true(net_send(f->fake.nc, frame, sizeof(frame)));
    assert_int_equal(vdrv_used_idx(f->d, &f->rx), 1);
    assert_int_equal(vdrv_used_len(f->d, &f->rx, 0), HDR + sizeof(frame));
    assert_int_equal(vdrv_peek(f->d, RX_BUFS + 10, 2), 1);   /* num_buffers */
    assert_int_equal(vdrv_peek(f->d, RX_BUFS, 2), 0);        /* flags, gso */
    address_space_read(&f->d->m.mem, RX_BUFS + HDR, got, sizeof(got));
    assert_memory_equal(got, frame, sizeof(frame));
}

static void test_rx_mergeable(void **state)
{
    Fx *f = *state;
    uint8_t frame[3000], got[3000];
    uint32_t l0, l1, l2;

    make_frame(frame, sizeof(frame), our_mac);
    rx_post(f, 0, 8, 1500);
    assert_true(net_send(f->fake.nc, frame, sizeof(frame)));
    assert_int_equal(vdrv_used_idx(f->d, &f->rx), 3);
    assert_int_equal(vdrv_peek(f->d, RX_BUFS + 10, 2), 3);
    l0 = vdrv_used_len(f->d, &f->rx, 0);
    l1 = vdrv_used_len(f->d, &f->rx, 1);
    l2 = vdrv_used_len(f->d, &f->rx, 2);
    assert_int_equal(l0, 1500);
    assert_int_equal(l1, 1500);
    assert_int_equal(l2, HDR + sizeof(frame) - 3000);
    address_space_read(&f->d->m.mem, RX_BUFS + HDR, got, 1500 - HDR);
    address_space_read(&f->d->m.mem, RX_BUFS + 0x1000, got + 1500 - HDR,
                       1500);
    address_space_read(&f->d->m.mem, RX_BUFS + 0x2000, got + 3000 - HDR,
                       HDR);
    assert_memory_equal(got, frame, sizeof(frame));
}

/* A frame the buffers cannot hold waits at the backend, in order. */
static void test_rx_waits_for_buffers(void **state)
{
    Fx *f = *state;
    uint8_t a[1400], b[1400];

    make_frame(a, sizeof(a), our_mac);
    make_frame(b, sizeof(b), our_mac);
    b[20] = 0x42;
    rx_post(f, 0, 1, 1000);                     /* not enough for a */
    assert_true(net_send(f->fake.nc, a, sizeof(a)));
    assert_true(net_send(f->fake.nc, b, sizeof(b)));
    assert_int_equal(vdrv_used_idx(f->d, &f->rx), 0);
    assert_int_equal(f->fake.nc->q_len, 2);
    assert_int_equal(f->d->p->vdev.vq[RXQ].inuse, 0);   /* given back */
    rx_post(f, 1, 3, 1000);                     /* now 4 x 1000 */
    assert_int_equal(f->fake.nc->q_len, 0);
    assert_int_equal(vdrv_used_idx(f->d, &f->rx), 4);
    /* b starts in the third buffer */
    assert_int_equal(vdrv_peek(f->d, RX_BUFS + 0x2000 + HDR + 20, 1), 0x42);
}

static void test_rx_queue_bounded(void **state)
{
    Fx *f = *state;
    uint8_t a[100];

    make_frame(a, sizeof(a), our_mac);
    for (unsigned i = 0; i < NET_QUEUE_MAX + 10; i++) {
        net_send(f->fake.nc, a, sizeof(a));
    }
    assert_int_equal(f->fake.nc->q_len, NET_QUEUE_MAX);
    assert_int_equal(f->fake.nc->dropped, 10);
    rx_post(f, 0, 64, 256);
    assert_int_equal(vdrv_used_idx(f->d, &f->rx), 64);
    assert_int_equal(f->fake.nc->q_len, NET_QUEUE_MAX - 64);
}

static void test_rx_before_driver_ok_dropped(void **state)
{
    Fx *f = fx_new("");
    uint8_t a[100];

    make_frame(a, sizeof(a), our_mac);
    assert_false(net_send(f->fake.nc, a, sizeof(a)));
    assert_int_equal(f->fake.nc->q_len, 0);
    assert_int_equal(vnet(f)->rx_dropped, 1);
    *state = f;
}

/* A receive buffer outside guest RAM breaks the device, nothing more. */
static void test_rx_hostile_buffer(void **state)
{
    Fx *f = *state;
    uint8_t a[100];

    make_frame(a, sizeof(a), our_mac);
    vdrv_desc(f->d, f->rx.desc, 0, VDRV_RAM - 16, 4096, VRING_DESC_F_WRITE,
              0);
    vdrv_post(f->d, &f->rx, 0);
    vdrv_notify(f->d, RXQ);
    assert_false(net_send(f->fake.nc, a, sizeof(a)));
    assert_true(f->d->p->vdev.broken);
    assert_int_equal(vdrv_used_idx(f->d, &f->rx), 0);
    /* a reset device serves again */
    fx_start(f, f->features);
    rx_post(f, 0, 1, 2048);
    assert_true(net_send(f->fake.nc, a, sizeof(a)));
    assert_int_equal(vdrv_used_idx(f->d, &f->rx), 1);
}

/* Without MRG_RXBUF a frame must fit one chain; a long chain is fine. */
static void test_rx_without_mergeable(void **state)
{
    Fx *f = *state;
    uint8_t a[1000], big[2000];

    fx_start(f, VDRV_BASE_FEATURES | VDRV_F(VIRTIO_NET_F_MAC));
    make_frame(a, sizeof(a), our_mac);
    make_frame(big, sizeof(big), our_mac);
    vdrv_desc(f->d, f->rx.desc, 0, RX_BUFS, 600,
              VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
    vdrv_desc(f->d, f->rx.desc, 1, RX_BUFS + 0x1000, 600, VRING_DESC_F_WRITE,
              0);
    vdrv_post(f->d, &f->rx, 0);
    vdrv_notify(f->d, RXQ);
    assert_false(net_send(f->fake.nc, big, sizeof(big)));   /* dropped */
    assert_int_equal(f->d->p->vdev.vq[RXQ].inuse, 0);
    assert_true(net_send(f->fake.nc, a, sizeof(a)));
    assert_int_equal(vdrv_used_idx(f->d, &f->rx), 1);
    assert_int_equal(vdrv_used_len(f->d, &f->rx, 0), HDR + sizeof(a));
    assert_int_equal(vdrv_peek(f->d, RX_BUFS + 0x1000 + 12, 1),
                     a[600 - HDR + 12]);
}

/* ---- segmentation (TSO) ---- */

typedef struct Segs {
    unsigned n;
    uint8_t data[8][2048];
    size_t len[8];
} Segs;

static void collect(void *opaque, const uint8_t *buf, size_t len)
{
    Segs *c = opaque;

    assert_true(c->n < 8 && len <= sizeof(c->data[0]));
    memcpy(c->data[c->n], buf, len);
    c->len[c->n++] = len;
}

/* A TCP/IPv4 frame: 20-byte IP and TCP headers, payload bytes i & 0xff. */
static size_t make_tcp(uint8_t *f, size_t payload, uint8_t tcp_flags)
{
    uint8_t *ip = f + 14, *tcp = ip + 20;

    make_frame(f, 14, our_mac);
    memset(ip, 0, 40);
    ip[0] = 0x45;
    st16be(ip + 4, 0x1000);                      /* id */
    ip[8] = 64;
    ip[9] = 6;
    memcpy(ip + 12, (const uint8_t[]){ 10, 0, 2, 15, 10, 0, 2, 2 }, 8);
    st32be(tcp + 4, 0xfffffc00u);                /* seq: wraps */
    tcp[12] = 5 << 4;
    tcp[13] = tcp_flags;
    for (size_t i = 0; i < payload; i++) {
        f[54 + i] = (uint8_t)i;
    }
    return 54 + payload;
}

static void check_segment(const uint8_t *s, size_t len, size_t payload)
{
    const uint8_t *ip = s + 14, *tcp = ip + 20;
    uint32_t pseudo = net_checksum_add(ip + 12, 8, 0) + 6 + 20 + payload;

    assert_int_equal(len, 54 + payload);
    assert_int_equal(ld16be(ip + 2), 40 + payload);
    assert_int_equal(net_checksum_add(ip, 20, 0), 0xffff);
    assert_int_equal(net_checksum_add(tcp, 20 + payload, pseudo), 0xffff);
}

static void test_tso_segment(void **state)
{
    uint8_t f[54 + 2500], seg[sizeof(f)];
    Segs *c = xzalloc(sizeof(*c));
    size_t len = make_tcp(f, 2500, 0x18 | 0x80 | 0x01);   /* PSH ACK CWR FIN */

    assert_int_equal(net_tso4_segment(f, len, 1000, seg, collect, c), 3);
    for (unsigned i = 0; i < 3; i++) {
        size_t pl = i < 2 ? 1000 : 500;
        const uint8_t *tcp = c->data[i] + 34;

        check_segment(c->data[i], c->len[i], pl);
        assert_int_equal(ld16be(c->data[i] + 18), 0x1000 + i);
        assert_int_equal(ld32be(tcp + 4), (uint32_t)(0xfffffc00u + 1000 * i));
        assert_int_equal(tcp[13], i == 0 ? 0x90 : i == 1 ? 0x10 : 0x19);
        assert_int_equal(c->data[i][54], (uint8_t)(1000 * i));
        assert_int_equal(c->data[i][54 + pl - 1], (uint8_t)(1000 * i + pl - 1));
    }
    /* refused: not TCP, a tiny MSS, a short header; nothing emitted */
    c->n = 0;
    assert_int_equal(net_tso4_segment(f, len, 2, seg, collect, c), -1);
    f[23] = 17;
    assert_int_equal(net_tso4_segment(f, len, 1000, seg, collect, c), -1);
    f[23] = 6;
    f[46] = 2 << 4;                              /* TCP data offset 8 */
    assert_int_equal(net_tso4_segment(f, len, 1000, seg, collect, c), -1);
    assert_int_equal(net_tso4_segment(f, 40, 1000, seg, collect, c), -1);
    assert_int_equal(c->n, 0);
    free(c);
}

static void test_tx_tso(void **state)
{
    Fx *f = *state;
    uint8_t hdr[HDR] = { VIRTIO_NET_HDR_F_NEEDS_CSUM,
                         VIRTIO_NET_HDR_GSO_TCPV4 }, frame[54 + 4000];
    size_t len = make_tcp(frame, 4000, 0x18);

    st16le(hdr + 2, 54);                         /* hdr_len */
    st16le(hdr + 4, 1460);                       /* gso_size */
    st16le(hdr + 6, 34);
    st16le(hdr + 8, 16);
    tx_frame(f, hdr, frame, len);
    assert_int_equal(vnet(f)->tx_segments, 3);
    assert_int_equal(f->fake.got, 3);
    check_segment(f->fake.last, f->fake.last_len, 4000 - 2 * 1460);
    /* without HOST_TSO4 negotiated, the same frame is dropped */
    fx_start(f, VDRV_BASE_FEATURES | VDRV_F(VIRTIO_NET_F_CSUM));
    tx_frame(f, hdr, frame, len);
    assert_int_equal(f->fake.got, 3);
    assert_int_equal(vnet(f)->tx_dropped, 1);
}

/* ---- control queue ---- */

static void test_ctrl_rx_modes(void **state)
{
    Fx *f = *state;
    uint8_t off = 0, on = 1, a[100];
    const uint8_t other[6] = { 0x52, 0x54, 0, 1, 2, 3 };
    uint8_t table[4 + 6 + 4 + 6] = { 1, 0, 0, 0 };

    rx_post(f, 0, 16, 2048);
    assert_int_equal(ctrl_cmd(f, VIRTIO_NET_CTRL_RX, VNET_RX_PROMISC, &off,
                              1), VIRTIO_NET_OK);
    make_frame(a, sizeof(a), other);
    assert_true(net_send(f->fake.nc, a, sizeof(a)));   /* taken, filtered */
    assert_int_equal(vdrv_used_idx(f->d, &f->rx), 0);
    make_frame(a, sizeof(a), our_mac);
    net_send(f->fake.nc, a, sizeof(a));
    make_frame(a, sizeof(a), (const uint8_t[]){ 0xff, 0xff, 0xff, 0xff,
                                                 0xff, 0xff });
    net_send(f->fake.nc, a, sizeof(a));
    assert_int_equal(vdrv_used_idx(f->d, &f->rx), 2);
    /* unicast table entry for `other`, one multicast entry */
    memcpy(table + 4, other, 6);
    table[10] = 1;
    memcpy(table + 14, (const uint8_t[]){ 0x01, 0, 0x5e, 0, 0, 1 }, 6);
    assert_int_equal(ctrl_cmd(f, VIRTIO_NET_CTRL_MAC,
                              VIRTIO_NET_CTRL_MAC_TABLE_SET, table,
                              sizeof(table)), VIRTIO_NET_OK);
    make_frame(a, sizeof(a), other);
    net_send(f->fake.nc, a, sizeof(a));
    assert_int_equal(vdrv_used_idx(f->d, &f->rx), 3);
    assert_int_equal(ctrl_cmd(f, VIRTIO_NET_CTRL_RX, VNET_RX_NOBCAST, &on,
                              1), VIRTIO_NET_OK);
    make_frame(a, sizeof(a), (const uint8_t[]){ 0xff, 0xff, 0xff, 0xff,
                                                 0xff, 0xff });
    net_send(f->fake.nc, a, sizeof(a));
    assert_int_equal(vdrv_used_idx(f->d, &f->rx), 3);
    assert_int_equal(vnet(f)->rx_filtered, 2);
}

static void test_ctrl_bad_commands(void **state)
{
    Fx *f = *state;
    uint8_t two[2] = { 1, 1 }, table[8] = { 0xff, 0, 0, 0 };

    assert_int_equal(ctrl_cmd(f, 9, 0, two, 1), VIRTIO_NET_ERR);
    assert_int_equal(ctrl_cmd(f, VIRTIO_NET_CTRL_RX, 77, two, 1),
                     VIRTIO_NET_ERR);
    assert_int_equal(ctrl_cmd(f, VIRTIO_NET_CTRL_RX, VNET_RX_PROMISC, two,
                              2), VIRTIO_NET_ERR);
    assert_int_equal(ctrl_cmd(f, VIRTIO_NET_CTRL_MAC,
                              VIRTIO_NET_CTRL_MAC_TABLE_SET, table, 8),
                     VIRTIO_NET_ERR);
    assert_false(f->d->p->vdev.broken);
    /* a command with no ack byte breaks the device */
    vdrv_desc(f->d, f->ctrl.desc, 0, CTRL_BUF, 3, 0, 0);
    vdrv_post(f->d, &f->ctrl, 0);
    vdrv_notify(f->d, CTRLQ);
    assert_true(f->d->p->vdev.broken);
}

/* ---- save/load ---- */

static void test_save_load(void **state)
{
    Fx *f = *state;
    Device *dev = &f->d->p->pci.dev;
    uint8_t off = 0, table[4 + 6 + 4] = { 1, 0, 0, 0, 0x52, 0x54, 0, 9, 9,
                                           9, 0, 0, 0, 0 };
    SaveBuf a, r;
    Error err = { "" };

    ctrl_cmd(f, VIRTIO_NET_CTRL_RX, VNET_RX_PROMISC, &off, 1);
    ctrl_cmd(f, VIRTIO_NET_CTRL_MAC, VIRTIO_NET_CTRL_MAC_TABLE_SET, table,
             sizeof(table));
    savebuf_init(&a);
    dev->type->save(dev, &a);
    vnet(f)->rx_mode[VNET_RX_PROMISC] = true;
    vnet(f)->n_uni = 0;
    savebuf_init_read(&r, a.data, a.len);
    assert_int_equal(dev->type->load(dev, &r, &err), 0);
    assert_false(vnet(f)->rx_mode[VNET_RX_PROMISC]);
    assert_int_equal(vnet(f)->n_uni, 1);
    assert_int_equal(vnet(f)->mac_table[0][5], 9);
    /* a table larger than 64 entries is refused, nothing changed */
    a.data[2] = 60;
    a.data[3] = 5;
    savebuf_init_read(&r, a.data, a.len);
    assert_int_equal(dev->type->load(dev, &r, &err), -1);
    assert_int_equal(vnet(f)->n_uni, 1);
    savebuf_free(&a);
}

/* ---- options ---- */

static void test_options(void **state)
{
    MachineConfig cfg;
    Error err = { "" };

    memset(&cfg, 0, sizeof(cfg));
    assert_int_equal(net_add_netdev_option(&cfg, "user,id=a,hostfwd=tcp::"
                                           "5555-:22,net=10.1.0.0/16,"
                                           "restrict=on", &err), 0);
    assert_int_equal(net_add_netdev_option(&cfg, "user,id=a", &err), -1);
    assert_non_null(strstr(err.msg, "duplicate"));
    assert_int_equal(net_add_netdev_option(&cfg, "user", &err), -1);
    assert_non_null(strstr(err.msg, "id="));
    assert_int_equal(net_add_netdev_option(&cfg, "socket,id=b", &err), -1);
    assert_int_equal(net_add_netdev_option(&cfg, "user,id=b,hostfwd=tcp::x-:"
                                           "22", &err), -1);
    assert_int_equal(net_add_netdev_option(&cfg, "user,id=b,net=1.2.3.4/31",
                                           &err), -1);
    assert_int_equal(net_add_netdev_option(&cfg, "user,id=b,net=10.0.2.0/24,"
                                           "host=10.0.3.2", &err), -1);
    assert_int_equal(net_add_netdev_option(&cfg, "user,id=b,bogus=1", &err),
                     -1);
    assert_int_equal(net_add_netdev_option(&cfg, "tap,id=b", &err), -1);
    assert_non_null(strstr(err.msg, "ifname"));
    assert_int_equal(net_add_netdev_option(&cfg, "tap,id=b,ifname=t0,"
                                           "script=/etc/qemu-ifup", &err), -1);
    assert_int_equal(net_add_netdev_option(&cfg, "tap,id=b,ifname=t0,"
                                           "script=no,downscript=no", &err),
                     0);
    assert_int_equal(net_add_nic_option(&cfg, "user,model=e1000", &err), -1);
    assert_int_equal(net_add_nic_option(&cfg, "user,mac=52:54:00:1", &err),
                     -1);
    assert_int_equal(net_add_nic_option(&cfg, "user,model=virtio-net-pci,"
                                        "mac=52:54:00:12:34:57", &err), 0);
    assert_int_equal(net_add_nic_option(&cfg, "none", &err), 0);
    assert_int_equal(cfg.nnetdev_args, 2);
    assert_int_equal(cfg.nnic_args, 1);
}

/* A TAP that cannot be opened is one clear error. */
static void test_tap_open_error(void **state)
{
    Error err = { "" };
    VDrv *d = vdrv_machine_new(NULL, &err);
    char name[64];

    snprintf(name, sizeof(name), "ifname=%s", "kite-no/such");
    assert_null(net_tap_new(&d->m, "t", name, &err));
    assert_non_null(strstr(err.msg, "tap: "));
    vdrv_free(d);
}

/* ---- the PCI configuration access window (4.1.4.7) ---- */

static uint8_t find_cfg_cap(PCIDevice *d)
{
    for (uint8_t c = d->config[PCI_CAPABILITY_LIST]; c; c = d->config[c + 1]) {
        if (d->config[c] == PCI_CAP_ID_VNDR &&
            d->config[c + 3] == VIRTIO_PCI_CAP_PCI_CFG) {
            return c;
        }
    }
    return 0;
}

static void window_set(PCIDevice *d, uint8_t c, uint8_t bar, uint32_t off,
                       uint32_t len)
{
    pci_config_write(d, c + 4, bar, 1);
    pci_config_write(d, c + 8, off, 4);
    pci_config_write(d, c + 12, len, 4);
}

static void test_cfg_window(void **state)
{
    Fx *f = *state;
    PCIDevice *d = &vnet(f)->proxy.pci;
    uint8_t c = find_cfg_cap(d);

    assert_int_not_equal(c, 0);
    assert_int_equal(d->config[c + 2], 20);
    /* a byte of the device config: the MAC */
    window_set(d, c, VIRTIO_PCI_MODERN_BAR, VIRTIO_PCI_DEVICE_OFF + 1, 1);
    assert_int_equal(pci_config_read(d, c + 16, 4), 0x54);
    window_set(d, c, VIRTIO_PCI_MODERN_BAR, VIRTIO_PCI_DEVICE_OFF + 4, 2);
    assert_int_equal(pci_config_read(d, c + 16, 4), 0xccbb);
    /* a write through the window reaches the common config */
    window_set(d, c, VIRTIO_PCI_MODERN_BAR, VIRTIO_PCI_COMMON_Q_SELECT, 2);
    pci_config_write(d, c + 16, 0xffff0002, 4);
    assert_int_equal(vnet(f)->proxy.queue_sel, 2);
    assert_int_equal(pci_config_read(d, c + 16, 2), 2);
    /* another BAR, a bad width, a misaligned or out-of-BAR offset: 0 */
    window_set(d, c, VIRTIO_PCI_LEGACY_BAR, VIRTIO_PCI_DEVICE_OFF, 1);
    assert_int_equal(pci_config_read(d, c + 16, 4), 0);
    window_set(d, c, VIRTIO_PCI_MODERN_BAR, VIRTIO_PCI_DEVICE_OFF, 3);
    assert_int_equal(pci_config_read(d, c + 16, 4), 0);
    window_set(d, c, VIRTIO_PCI_MODERN_BAR, VIRTIO_PCI_DEVICE_OFF + 1, 2);
    assert_int_equal(pci_config_read(d, c + 16, 4), 0);
    window_set(d, c, VIRTIO_PCI_MODERN_BAR, 0xfffffffe, 2);
    assert_int_equal(pci_config_read(d, c + 16, 4), 0);
    window_set(d, c, VIRTIO_PCI_MODERN_BAR, VIRTIO_PCI_COMMON_Q_SELECT, 4);
    pci_config_write(d, c + 16, 1, 4);           /* misaligned: ignored */
    assert_int_equal(vnet(f)->proxy.queue_sel, 2);
}

/* ---- the expansion ROM ---- */

static uint8_t rom_sum(const uint8_t *b, size_t n)
{
    uint8_t s = 0;

    for (size_t i = 0; i < n; i++) {
        s = (uint8_t)(s + b[i]);
    }
    return s;
}

/* A 2 KiB image whose PCI data names 1af4:1041 and sums to zero. */
static char *write_rom(uint16_t vendor)
{
    static uint8_t rom[2048];
    char *path = xstrdup("/tmp/kite-vnet-rom.XXXXXX");
    int fd = mkstemp(path);

    memset(rom, 0, sizeof(rom));
    rom[0] = 0x55;
    rom[1] = 0xaa;
    rom[2] = 4;
    rom[0x18] = 0x40;
    memcpy(rom + 0x40, "PCIR", 4);
    st16le(rom + 0x44, vendor);
    st16le(rom + 0x46, 0x1041);
    rom[0x55] = 0x80;
    rom[6] = (uint8_t)-rom_sum(rom, sizeof(rom));
    assert_true(fd >= 0);
    assert_int_equal(write(fd, rom, sizeof(rom)), (ssize_t)sizeof(rom));
    close(fd);
    return path;
}

static void test_rom(void **state)
{
    char *path = write_rom(0x1af4), *props = xasprintf("romfile=%s", path);
    Fx *f = fx_new(props);
    uint8_t *rom = vnet(f)->proxy.pci.rom.host;

    (void)state;
    assert_non_null(rom);
    assert_int_equal(ld16le(rom + 0x46), 0x1000);     /* the card's id */
    assert_int_equal(rom_sum(rom, 2048), 0);
    teardown((void **)&f);
    unlink(path);
    free(path);
    free(props);

    path = write_rom(0x8086);                         /* another vendor */
    props = xasprintf("romfile=%s", path);
    f = fx_new(props);
    rom = vnet(f)->proxy.pci.rom.host;
    assert_int_equal(ld16le(rom + 0x46), 0x1041);
    teardown((void **)&f);
    unlink(path);
    free(path);
    free(props);

    f = fx_new("romfile=");                           /* none */
    assert_null(vnet(f)->proxy.pci.rom.host);
    assert_int_equal(vnet(f)->proxy.pci.bars[PCI_ROM_SLOT].size, 0);
    teardown((void **)&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_config, setup, teardown),
        cmocka_unit_test(test_default_mac_and_bad_mac),
        cmocka_unit_test_setup_teardown(test_tx_frame, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tx_checksum_offload, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_tx_drops, setup, teardown),
        cmocka_unit_test(test_tso_segment),
        cmocka_unit_test_setup_teardown(test_tx_tso, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tx_chain_without_header_breaks,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_rx_one_buffer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rx_mergeable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rx_waits_for_buffers, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_rx_queue_bounded, setup,
                                        teardown),
        cmocka_unit_test_teardown(test_rx_before_driver_ok_dropped, teardown),
        cmocka_unit_test_setup_teardown(test_rx_hostile_buffer, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_rx_without_mergeable, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_ctrl_rx_modes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ctrl_bad_commands, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_save_load, setup, teardown),
        cmocka_unit_test(test_options),
        cmocka_unit_test(test_tap_open_error),
        cmocka_unit_test_setup_teardown(test_cfg_window, setup, teardown),
        cmocka_unit_test(test_rom),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
