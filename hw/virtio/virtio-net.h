/*
 * virtio-net-pci: the device state, for tests that look at its filters
 * and counters. See virtio-net.c.
 */
#ifndef KITE_VIRTIO_NET_H
#define KITE_VIRTIO_NET_H

#include "hw/virtio/virtio-pci.h"
#include "net/net.h"

#define VIRTIO_NET_F_CSUM        0
#define VIRTIO_NET_F_GUEST_CSUM  1
#define VIRTIO_NET_F_MAC         5
#define VIRTIO_NET_F_HOST_TSO4   11
#define VIRTIO_NET_F_HOST_TSO6   12
#define VIRTIO_NET_F_MRG_RXBUF   15
#define VIRTIO_NET_F_STATUS      16
#define VIRTIO_NET_F_CTRL_VQ     17
#define VIRTIO_NET_F_CTRL_RX     18

#define VIRTIO_NET_HDR_F_NEEDS_CSUM 1
#define VIRTIO_NET_HDR_GSO_NONE  0
#define VIRTIO_NET_HDR_GSO_TCPV4 1
#define VIRTIO_NET_HDR_GSO_TCPV6 4
#define VIRTIO_NET_HDR_GSO_ECN   0x80

#define VIRTIO_NET_Q_RX   0
#define VIRTIO_NET_Q_TX   1
#define VIRTIO_NET_Q_CTRL 2

#define VIRTIO_NET_CTRL_RX      0
#define VIRTIO_NET_CTRL_MAC     1
#define VIRTIO_NET_CTRL_MAC_TABLE_SET 0
#define VIRTIO_NET_OK  0
#define VIRTIO_NET_ERR 1

#define VIRTIO_NET_MAC_TABLE 64
#define VIRTIO_NET_NO_BOOTINDEX 0xffffffffu

/* Receive modes set through the control queue (VIRTIO_NET_CTRL_RX_*). */
enum {
    VNET_RX_PROMISC, VNET_RX_ALLMULTI, VNET_RX_ALLUNI, VNET_RX_NOMULTI,
    VNET_RX_NOUNI, VNET_RX_NOBCAST, VNET_RX_MODES
};

typedef struct VirtIONet {
    VirtIOPCIProxy proxy;
    char *netdev;                /* property */
    char *mac_prop;              /* property */
    uint32_t bootindex;          /* property; VIRTIO_NET_NO_BOOTINDEX: none */
    uint8_t mac[6];
    NetClient *nc;
    bool rx_mode[VNET_RX_MODES];
    uint8_t mac_table[VIRTIO_NET_MAC_TABLE][6];
    unsigned n_uni, n_multi;     /* unicast entries first */
    uint64_t rx_frames, rx_filtered, rx_dropped, tx_frames, tx_dropped;
    uint8_t *frame;              /* a transmitted frame (NET_MAX_FRAME) */
    uint8_t *seg;                /* one segment of it (TSO) */
    uint64_t tx_segments;        /* frames made by TSO */
    VirtQueueElement *rx_elems;  /* the buffers of one received frame */
} VirtIONet;

#endif
