/*
 * Virtio devices (Virtual I/O Device (VIRTIO) Version 1.1, OASIS): the
 * transport-independent core and split virtqueues.
 *
 * A VirtIODevice holds what every virtio device has: the device status
 * (2.1), the offered and negotiated feature bits (2.2), the queues (2.6)
 * and the device-specific config space (2.4). A device kind (rng, blk)
 * is a VirtIODeviceClass: its device ID, features, config bytes and one
 * handler per queue. A transport (virtio-pci.c) owns the registers the
 * driver reaches and supplies three hooks: DMA into guest memory, raising
 * a queue/config interrupt, and the bus-master check.
 *
 * Everything the driver writes is hostile: ring addresses, indices,
 * descriptor chains, lengths. The virtqueue code (virtqueue.c) checks
 * each against guest RAM (RAM only: a chain pointing at MMIO, ROM or a
 * hole is refused, so a device never re-enters itself through DMA),
 * bounds every walk by the queue size and never keeps a host pointer to
 * guest memory. Nonsense marks the device broken (virtio_error): it logs
 * once, sets NEEDS_RESET, raises the config interrupt and serves no queue
 * until the driver resets it.
 *
 * All of this runs under the machine lock.
 */
#ifndef KITE_VIRTIO_H
#define KITE_VIRTIO_H

#include "hw/core/memory.h"
#include "system/log.h"

/* Device status bits (2.1) */
#define VIRTIO_STATUS_ACKNOWLEDGE  0x01
#define VIRTIO_STATUS_DRIVER       0x02
#define VIRTIO_STATUS_DRIVER_OK    0x04
#define VIRTIO_STATUS_FEATURES_OK  0x08
#define VIRTIO_STATUS_NEEDS_RESET  0x40
#define VIRTIO_STATUS_FAILED       0x80

/* Transport-independent feature bits (6) */
#define VIRTIO_F_RING_INDIRECT_DESC 28
#define VIRTIO_F_RING_EVENT_IDX     29
#define VIRTIO_F_VERSION_1          32

/* Device IDs (5) */
#define VIRTIO_ID_NET      1
#define VIRTIO_ID_BLOCK    2
#define VIRTIO_ID_CONSOLE  3
#define VIRTIO_ID_RNG      4

/* Split ring layout (2.6) */
#define VRING_DESC_F_NEXT      1
#define VRING_DESC_F_WRITE     2
#define VRING_DESC_F_INDIRECT  4
#define VRING_AVAIL_F_NO_INTERRUPT 1
#define VRING_USED_F_NO_NOTIFY 1
#define VRING_DESC_SIZE        16
#define VRING_USED_ELEM_SIZE   8
#define VIRTIO_LEGACY_ALIGN    4096

#define VIRTIO_NO_VECTOR       0xffff
#define VIRTIO_QUEUE_MAX       8      /* queues per device */
#define VIRTQUEUE_MAX_SIZE     1024   /* largest queue size offered */
/* Longest chain, indirect tables included (Linux caps indirect at this). */
#define VIRTQUEUE_MAX_SEGS     1024

/* ISR status bits */
#define VIRTIO_ISR_QUEUE       0x1
#define VIRTIO_ISR_CONFIG      0x2

typedef struct VirtIODevice VirtIODevice;
typedef struct VirtQueue VirtQueue;

/* One guest buffer of a chain: [addr, addr + len) of guest RAM. */
typedef struct VirtIOSeg {
    uint64_t addr;
    uint32_t len;
} VirtIOSeg;

/*
 * A popped request: the chain's device-readable (out) then device-
 * writable (in) segments, each checked to lie in guest RAM when popped.
 */
typedef struct VirtQueueElement {
    uint16_t head;
    unsigned out_num, in_num;
    uint64_t out_len, in_len;    /* total bytes of each side */
    VirtIOSeg *out, *in;
} VirtQueueElement;

struct VirtQueue {
    uint16_t num;                /* size the driver chose (power of two) */
    uint16_t num_max;
    bool enabled;
    uint64_t desc, avail, used;  /* guest physical addresses */
    uint16_t vector;             /* MSI-X vector or VIRTIO_NO_VECTOR */
    uint16_t last_avail;         /* next avail entry the device reads */
    uint16_t used_idx;           /* device's copy of used->idx */
    uint16_t signalled_used;     /* used_idx at the last interrupt */
    bool signalled_valid;
    unsigned inuse;              /* popped, not yet pushed */
};

typedef struct VirtIODeviceClass {
    const char *name;
    uint16_t device_id;
    uint16_t pci_device_id;      /* transitional PCI device ID (0x10xx) */
    uint16_t pci_class;          /* PCI base class << 8 | sub-class */
    uint64_t features;           /* device features; the core adds its own */
    unsigned nqueues;
    uint16_t queue_size;
    size_t config_size;
    /* Fills config (config_size bytes) from the device state. */
    void (*get_config)(VirtIODevice *vdev, uint8_t *config);
    /* The driver wrote config bytes [off, off + len). May be NULL. */
    void (*set_config)(VirtIODevice *vdev, const uint8_t *config,
                       unsigned off, unsigned len);
    void (*reset)(VirtIODevice *vdev);
    /* Queue n was notified (the device is not broken, DRIVER_OK set). */
    void (*handle_queue)(VirtIODevice *vdev, unsigned n);
} VirtIODeviceClass;

/* What the transport provides. */
typedef struct VirtIOTransport {
    /* Guest memory access; -1 on a refused access. */
    int (*dma_rw)(void *opaque, uint64_t addr, void *buf, uint64_t len,
                  bool is_write);
    /* Raises the interrupt of vector (a queue's or the config one). */
    void (*notify)(void *opaque, uint16_t vector, bool config);
    void *opaque;
} VirtIOTransport;

struct VirtIODevice {
    const VirtIODeviceClass *vc;
    VirtIOTransport t;
    AddressSpace *mem;           /* where guest RAM is (range checks) */
    uint8_t status;
    uint8_t isr;
    uint8_t config_generation;
    bool broken;
    bool legacy;                 /* driven through the legacy registers */
    uint64_t host_features;
    uint64_t guest_features;
    uint16_t config_vector;
    VirtQueue vq[VIRTIO_QUEUE_MAX];
    uint8_t *config;             /* config_size bytes */
    char broken_msg[160];        /* why, for logs and tests */
    Log *log;                    /* the machine's (may be NULL) */
};

/* ---- core (virtio.c) ---- */

void virtio_init(VirtIODevice *vdev, const VirtIODeviceClass *vc,
                 VirtIOTransport t, AddressSpace *mem, Log *log);
void virtio_cleanup(VirtIODevice *vdev);
void virtio_reset(VirtIODevice *vdev);
/* Applies a status write; 0 resets the device. */
void virtio_set_status(VirtIODevice *vdev, uint8_t val);
/* Driver features word sel (0/1) as written; ignored after FEATURES_OK. */
void virtio_set_guest_features(VirtIODevice *vdev, unsigned sel,
                               uint32_t val);
static inline bool virtio_has_feature(const VirtIODevice *vdev, unsigned bit)
{
    return (vdev->guest_features >> bit) & 1;
}
/* The driver notified queue n: serve it if it may be served. */
void virtio_queue_notify(VirtIODevice *vdev, unsigned n);
/* Config space access by the driver (bounds-checked, little-endian). */
uint32_t virtio_config_read(VirtIODevice *vdev, uint32_t off, unsigned len);
void virtio_config_write(VirtIODevice *vdev, uint32_t off, uint32_t val,
                         unsigned len);
/* The device changed its config: bump the generation, interrupt. */
void virtio_notify_config(VirtIODevice *vdev);
/* Marks the device broken (once): logs, NEEDS_RESET, config interrupt. */
void virtio_error(VirtIODevice *vdev, const char *fmt, ...) PRINTF_FMT(2, 3);
/* Whether [addr, addr + len) is guest RAM, wholly. */
bool virtio_ram_range(VirtIODevice *vdev, uint64_t addr, uint64_t len);

/* ---- split virtqueues (virtqueue.c) ---- */

void virtqueue_reset(VirtQueue *vq);
/* The legacy layout from a page frame number (4 KiB alignment). */
void virtqueue_set_legacy_pfn(VirtQueue *vq, uint32_t pfn);
/* Whether the queue's rings are set up and it may be served. */
bool virtqueue_ready(const VirtIODevice *vdev, const VirtQueue *vq);
/*
 * Takes the next available chain into elem. Returns 1 when one was
 * taken, 0 when the ring is empty, -1 when the device is (now) broken.
 * virtqueue_push or virtqueue_detach must follow a 1.
 */
int virtqueue_pop(VirtIODevice *vdev, VirtQueue *vq, VirtQueueElement *elem);
/* Returns elem to the used ring with len bytes written; frees its segs. */
void virtqueue_push(VirtIODevice *vdev, VirtQueue *vq, VirtQueueElement *elem,
                    uint32_t len);
void virtqueue_elem_free(VirtQueueElement *elem);
/*
 * Batched return: virtqueue_fill writes the used entry idx places past
 * the device's used index (freeing elem); virtqueue_flush then makes
 * count entries visible to the driver at once (one used->idx store), so a
 * driver never sees part of a batch (a frame over several buffers).
 */
void virtqueue_fill(VirtIODevice *vdev, VirtQueue *vq, VirtQueueElement *elem,
                    uint32_t len, unsigned idx);
void virtqueue_flush(VirtIODevice *vdev, VirtQueue *vq, unsigned count);
/* Gives back the last popped element unused (the next pop takes it). */
void virtqueue_unpop(VirtQueue *vq, VirtQueueElement *elem);
/*
 * The device ran short of buffers: asks the driver (event index) to
 * notify when it makes the next one available.
 */
void virtqueue_want_kick(VirtIODevice *vdev, VirtQueue *vq);
/* Interrupts the driver unless it suppressed it (flags or used_event). */
void virtqueue_notify(VirtIODevice *vdev, VirtQueue *vq);
/*
 * Copies between buf and the element's out (read) or in (write) segments
 * starting at byte off; returns bytes copied (short at the end), -1 when
 * the device is broken by a refused access.
 */
int64_t virtqueue_elem_read(VirtIODevice *vdev, const VirtQueueElement *e,
                            uint64_t off, void *buf, uint64_t len);
int64_t virtqueue_elem_write(VirtIODevice *vdev, const VirtQueueElement *e,
                             uint64_t off, const void *buf, uint64_t len);

#endif
