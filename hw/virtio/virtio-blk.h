/*
 * virtio-blk-pci: the device state, for tests that look at its backend
 * and I/O thread. See virtio-blk.c.
 */
#ifndef KITE_VIRTIO_BLK_H
#define KITE_VIRTIO_BLK_H

#include "block/block.h"
#include "hw/virtio/virtio-pci.h"

#define VIRTIO_BLK_NO_BOOTINDEX 0xffffffffu

typedef struct VirtIOBlk {
    VirtIOPCIProxy proxy;
    char *drive;                 /* property */
    uint32_t num_queues;         /* property */
    uint32_t bootindex;          /* property; VIRTIO_BLK_NO_BOOTINDEX: none */
    VirtIODeviceClass vc;        /* the class, with this device's queues */
    BlockBackend *bb;
    IOThread io;
    uint32_t generation;         /* bumped by every reset */
    uint64_t inflight_bytes;     /* bounce buffers handed to the thread */
    uint32_t stalled;            /* queues left unread at the bound */
} VirtIOBlk;

#endif
