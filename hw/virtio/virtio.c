/*
 * The transport-independent virtio core (VIRTIO 1.1, 2 and 3): device
 * status, feature negotiation, reset, device config space, the broken
 * state and interrupts through the transport. See virtio.h.
 *
 * Feature negotiation: the driver's feature words are taken as written
 * until it sets FEATURES_OK; a set that asks for a feature the device did
 * not offer (or, on the modern interface, lacks VERSION_1) leaves
 * FEATURES_OK clear, which the driver reads back as a refusal (3.1.1).
 * A legacy driver never sets FEATURES_OK: its word is masked with what
 * was offered. Status bits only accumulate; writing 0 resets.
 */
#include "hw/virtio/virtio.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VIRTIO_CORE_FEATURES ((1ull << VIRTIO_F_RING_INDIRECT_DESC) | \
                              (1ull << VIRTIO_F_RING_EVENT_IDX) |     \
                              (1ull << VIRTIO_F_VERSION_1))

void virtio_init(VirtIODevice *vdev, const VirtIODeviceClass *vc,
                 VirtIOTransport t, AddressSpace *mem, Log *log)
{
    vdev->vc = vc;
    vdev->t = t;
    vdev->mem = mem;
    vdev->log = log;
    vdev->host_features = vc->features | VIRTIO_CORE_FEATURES;
    vdev->config = xzalloc(vc->config_size ? vc->config_size : 1);
    for (unsigned i = 0; i < VIRTIO_QUEUE_MAX; i++) {
        vdev->vq[i].num_max = i < vc->nqueues ? vc->queue_size : 0;
    }
    virtio_reset(vdev);
}

void virtio_cleanup(VirtIODevice *vdev)
{
    free(vdev->config);
    vdev->config = NULL;
}

void virtio_reset(VirtIODevice *vdev)
{
    vdev->status = 0;
    vdev->isr = 0;
    vdev->broken = false;
    vdev->legacy = false;
    vdev->broken_msg[0] = '\0';
    vdev->guest_features = 0;
    vdev->config_vector = VIRTIO_NO_VECTOR;
    for (unsigned i = 0; i < VIRTIO_QUEUE_MAX; i++) {
        virtqueue_reset(&vdev->vq[i]);
    }
    if (vdev->vc->reset) {
        vdev->vc->reset(vdev);
    }
}

/* Whether the driver's features may be accepted (3.1.1 step 5). */
static bool virtio_features_ok(const VirtIODevice *vdev)
{
    if (vdev->guest_features & ~vdev->host_features) {
        return false;
    }
    return vdev->legacy || virtio_has_feature(vdev, VIRTIO_F_VERSION_1);
}

void virtio_set_status(VirtIODevice *vdev, uint8_t val)
{
    if (val == 0) {
        virtio_reset(vdev);
        return;
    }
    if ((val & VIRTIO_STATUS_FEATURES_OK) &&
        !(vdev->status & VIRTIO_STATUS_FEATURES_OK) &&
        !virtio_features_ok(vdev)) {
        log_mask(vdev->log, LOG_GUEST_ERROR, "%s: features %#llx refused "
                 "(offered %#llx)\n", vdev->vc->name,
                 (unsigned long long)vdev->guest_features,
                 (unsigned long long)vdev->host_features);
        val &= ~VIRTIO_STATUS_FEATURES_OK;
    }
    vdev->status = val | (vdev->status & VIRTIO_STATUS_NEEDS_RESET);
}

void virtio_set_guest_features(VirtIODevice *vdev, unsigned sel,
                               uint32_t val)
{
    uint64_t f = vdev->guest_features;

    if ((vdev->status & VIRTIO_STATUS_FEATURES_OK) || sel > 1) {
        return;
    }
    if (sel) {
        f = (f & 0xffffffffull) | (uint64_t)val << 32;
    } else {
        f = (f & ~0xffffffffull) | val;
    }
    if (vdev->legacy) {
        f &= vdev->host_features & 0xffffffffull;
    }
    vdev->guest_features = f;
}

void virtio_queue_notify(VirtIODevice *vdev, unsigned n)
{
    if (n >= vdev->vc->nqueues || vdev->broken ||
        !(vdev->status & VIRTIO_STATUS_DRIVER_OK) ||
        !virtqueue_ready(vdev, &vdev->vq[n])) {
        return;
    }
    vdev->vc->handle_queue(vdev, n);
}

uint32_t virtio_config_read(VirtIODevice *vdev, uint32_t off, unsigned len)
{
    size_t size = vdev->vc->config_size;
    uint32_t v = 0;

    if (vdev->vc->get_config) {
        vdev->vc->get_config(vdev, vdev->config);
    }
    for (unsigned i = 0; i < len && i < 4; i++) {
        uint8_t b = off + i < size ? vdev->config[off + i] : 0;
        v |= (uint32_t)b << (8 * i);
    }
    return v;
}

void virtio_config_write(VirtIODevice *vdev, uint32_t off, uint32_t val,
                         unsigned len)
{
    size_t size = vdev->vc->config_size;

    if (!vdev->vc->set_config || len > 4 || off >= size ||
        len > size - off) {
        return;
    }
    vdev->vc->get_config(vdev, vdev->config);
    for (unsigned i = 0; i < len; i++) {
        vdev->config[off + i] = (uint8_t)(val >> (8 * i));
    }
    vdev->vc->set_config(vdev, vdev->config, off, len);
}

void virtio_notify_config(VirtIODevice *vdev)
{
    vdev->config_generation++;
    if (!(vdev->status & VIRTIO_STATUS_DRIVER_OK)) {
        return;
    }
    vdev->isr |= VIRTIO_ISR_CONFIG;
    vdev->t.notify(vdev->t.opaque, vdev->config_vector, true);
}

void virtio_error(VirtIODevice *vdev, const char *fmt, ...)
{
    va_list ap;

    if (vdev->broken) {
        return;
    }
    vdev->broken = true;
    va_start(ap, fmt);
    vsnprintf(vdev->broken_msg, sizeof(vdev->broken_msg), fmt, ap);
    va_end(ap);
    log_mask(vdev->log, LOG_GUEST_ERROR, "%s: %s; device needs reset\n",
             vdev->vc->name, vdev->broken_msg);
    vdev->status |= VIRTIO_STATUS_NEEDS_RESET;
    virtio_notify_config(vdev);
}

bool virtio_ram_range(VirtIODevice *vdev, uint64_t addr, uint64_t len)
{
    if (addr + len < addr) {
        return false;
    }
    while (len) {
        const FlatRange *fr = address_space_lookup(vdev->mem, addr);
        uint64_t n;

        if (!fr || fr->mr->kind != MR_RAM) {
            return false;
        }
        n = MIN(len, fr->base + fr->size - addr);
        addr += n;
        len -= n;
    }
    return true;
}
