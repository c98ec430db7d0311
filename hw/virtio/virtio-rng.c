/*
 * virtio-rng (VIRTIO 1.1, 5.4): one request queue; the device fills each
 * request's writable buffers with bytes from the host's getrandom(2).
 *
 * Work per notification is bounded: at most VIRTIO_RNG_MAX_REQUEST bytes
 * per request (the driver sees the short count in the used length and
 * asks again), and at most the queue size requests, since that is all
 * the ring can hold. No config space, no device features.
 */
#include "hw/core/devtypes.h"
#include "hw/virtio/virtio-pci.h"

#include <errno.h>
#include <sys/random.h>

#define VIRTIO_RNG_MAX_REQUEST 1024
#define VIRTIO_RNG_QUEUE_SIZE  256

/* Fills buf from the host's entropy; returns the bytes obtained. */
static size_t rng_fill(uint8_t *buf, size_t len)
{
    size_t got = 0;

    while (got < len) {
        ssize_t n = getrandom(buf + got, len - got, 0);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        got += (size_t)n;
    }
    return got;
}

static void rng_handle_queue(VirtIODevice *vdev, unsigned n)
{
    VirtQueue *vq = &vdev->vq[n];
    VirtQueueElement e;
    uint8_t buf[VIRTIO_RNG_MAX_REQUEST];
    bool pushed = false;

    while (virtqueue_pop(vdev, vq, &e) == 1) {
        size_t len = rng_fill(buf, MIN(e.in_len, sizeof(buf)));
        int64_t w = virtqueue_elem_write(vdev, &e, 0, buf, len);

        if (w < 0) {
            virtqueue_elem_free(&e);
            return;
        }
        virtqueue_push(vdev, vq, &e, (uint32_t)w);
        pushed = true;
    }
    if (pushed) {
        virtqueue_notify(vdev, vq);
    }
}

static const VirtIODeviceClass virtio_rng_class = {
    .name = "virtio-rng",
    .device_id = VIRTIO_ID_RNG,
    .pci_device_id = 0x1005,
    .pci_class = 0x00ff,           /* unclassified, as QEMU's */
    .nqueues = 1,
    .queue_size = VIRTIO_RNG_QUEUE_SIZE,
    .handle_queue = rng_handle_queue,
};

static int virtio_rng_realize(Device *dev, Error *err)
{
    return virtio_pci_realize(dev, &virtio_rng_class, err);
}

static const PropDef virtio_rng_props[] = { PCI_DEVICE_PROPS, PROP_DEF_END };

const DeviceType virtio_rng_pci_type = {
    .name = "virtio-rng-pci",
    .desc = "virtio entropy source (host getrandom) over PCI",
    .instance_size = sizeof(VirtIOPCIProxy),
    .props = virtio_rng_props,
    .user_creatable = true,
    .realize = virtio_rng_realize,
    .unrealize = pci_device_unrealize,
    .reset = pci_device_reset,
    .save = pci_device_save,
    .load = pci_device_load,
};
