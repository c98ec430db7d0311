/*
 * Split virtqueues (VIRTIO 1.1, 2.6): descriptor table, available ring
 * and used ring in guest memory, with indirect descriptors (2.6.5.3) and
 * event-index notification suppression (2.6.7, 2.6.8).
 *
 * The driver owns every byte read here, so:
 *   - rings and buffers must lie wholly in guest RAM (virtio_ram_range)
 *     and are reached only through the transport's DMA, one copy at a
 *     time: no host pointer outlives the call that made it;
 *   - avail->idx may run at most the queue size ahead of the device;
 *     a head or a next index must lie inside its table;
 *   - a chain is at most as long as its table (so a loop is caught
 *     after that many steps) and at most VIRTQUEUE_MAX_SEGS buffers;
 *     an indirect table is a non-empty multiple of 16 bytes of at most
 *     VIRTQUEUE_MAX_SEGS entries, only at the head of a chain, never
 *     inside another; device-writable buffers follow readable ones.
 * Any breach marks the device broken (virtio_error) and nothing more is
 * served until the driver resets it.
 */
#include "hw/virtio/virtio.h"

#include <stdlib.h>
#include <string.h>

typedef struct VirtIODesc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags, next;
} VirtIODesc;

void virtqueue_reset(VirtQueue *vq)
{
    uint16_t max = vq->num_max;

    memset(vq, 0, sizeof(*vq));
    vq->num_max = max;
    vq->num = max;
    vq->vector = VIRTIO_NO_VECTOR;
}

void virtqueue_set_legacy_pfn(VirtQueue *vq, uint32_t pfn)
{
    uint64_t avail_end;

    if (!pfn || !vq->num) {
        vq->desc = vq->avail = vq->used = 0;
        vq->enabled = false;
        return;
    }
    vq->desc = (uint64_t)pfn * VIRTIO_LEGACY_ALIGN;
    vq->avail = vq->desc + (uint64_t)vq->num * VRING_DESC_SIZE;
    avail_end = vq->avail + 6 + 2ull * vq->num;
    vq->used = (avail_end + VIRTIO_LEGACY_ALIGN - 1) &
               ~(uint64_t)(VIRTIO_LEGACY_ALIGN - 1);
    vq->enabled = true;
}

bool virtqueue_ready(const VirtIODevice *vdev, const VirtQueue *vq)
{
    return vq->enabled && vq->num && vq->desc && vq->avail && vq->used;
}

/* One ring or table access: RAM only, through the transport. */
static int vq_dma(VirtIODevice *vdev, uint64_t addr, void *buf, uint64_t len,
                  bool is_write)
{
    if (!virtio_ram_range(vdev, addr, len) ||
        vdev->t.dma_rw(vdev->t.opaque, addr, buf, len, is_write) < 0) {
        virtio_error(vdev, "access to %#llx+%llu is not guest RAM",
                     (unsigned long long)addr, (unsigned long long)len);
        return -1;
    }
    return 0;
}

static int vq_ld16(VirtIODevice *vdev, uint64_t addr, uint16_t *v)
{
    uint8_t b[2];

    if (vq_dma(vdev, addr, b, 2, false) < 0) {
        return -1;
    }
    *v = ld16le(b);
    return 0;
}

static int vq_st16(VirtIODevice *vdev, uint64_t addr, uint16_t v)
{
    uint8_t b[2];

    st16le(b, v);
    return vq_dma(vdev, addr, b, 2, true);
}

static int vq_read_desc(VirtIODevice *vdev, uint64_t table, unsigned i,
                        VirtIODesc *d)
{
    uint8_t b[VRING_DESC_SIZE];

    if (vq_dma(vdev, table + (uint64_t)i * VRING_DESC_SIZE, b, sizeof(b),
               false) < 0) {
        return -1;
    }
    d->addr = ld64le(b);
    d->len = ld32le(b + 8);
    d->flags = ld16le(b + 12);
    d->next = ld16le(b + 14);
    return 0;
}

static int vq_check_layout(VirtIODevice *vdev, const VirtQueue *vq)
{
    if ((vq->desc & 15) || (vq->avail & 1) || (vq->used & 3)) {
        virtio_error(vdev, "misaligned rings (desc %#llx avail %#llx used "
                     "%#llx)", (unsigned long long)vq->desc,
                     (unsigned long long)vq->avail,
                     (unsigned long long)vq->used);
        return -1;
    }
    return 0;
}

static int vq_add_seg(VirtIODevice *vdev, VirtQueueElement *e,
                      const VirtIODesc *d)
{
    unsigned n = e->out_num + e->in_num;
    bool w = d->flags & VRING_DESC_F_WRITE;

    if (!w && e->in_num) {
        virtio_error(vdev, "readable buffer after a writable one");
        return -1;
    }
    if (n >= VIRTQUEUE_MAX_SEGS) {
        virtio_error(vdev, "chain of more than %d buffers",
                     VIRTQUEUE_MAX_SEGS);
        return -1;
    }
    if (!virtio_ram_range(vdev, d->addr, d->len)) {
        virtio_error(vdev, "buffer %#llx+%u is not guest RAM",
                     (unsigned long long)d->addr, d->len);
        return -1;
    }
    if (n == 0 || (n >= 4 && !(n & (n - 1)))) {   /* full: grow */
        e->out = xrealloc(e->out, (n ? 2 * n : 4) * sizeof(VirtIOSeg));
    }
    e->out[n] = (VirtIOSeg){ d->addr, d->len };
    if (w) {
        e->in_num++;
        e->in_len += d->len;
    } else {
        e->out_num++;
        e->out_len += d->len;
    }
    return 0;
}

/* Checks an indirect descriptor met at step `steps` of a chain. */
static int vq_check_indirect(VirtIODevice *vdev, const VirtIODesc *d,
                             bool in_table, unsigned steps)
{
    const char *why = NULL;

    if (!virtio_has_feature(vdev, VIRTIO_F_RING_INDIRECT_DESC)) {
        why = "indirect descriptor not negotiated";
    } else if (in_table) {
        why = "indirect descriptor inside an indirect table";
    } else if (steps || (d->flags & VRING_DESC_F_NEXT)) {
        why = "indirect descriptor not alone in its chain";
    } else if (!d->len || d->len % VRING_DESC_SIZE ||
               d->len / VRING_DESC_SIZE > VIRTQUEUE_MAX_SEGS) {
        why = "indirect table of a bad length";
    }
    if (why) {
        virtio_error(vdev, "%s (len %u)", why, d->len);
        return -1;
    }
    return 0;
}

/* Follows the chain at head into e. */
static int vq_walk(VirtIODevice *vdev, const VirtQueue *vq, uint16_t head,
                   VirtQueueElement *e)
{
    uint64_t table = vq->desc;
    unsigned size = vq->num, i = head, steps = 0;
    bool in_table = false;
    VirtIODesc d;

    for (;;) {
        if (vq_read_desc(vdev, table, i, &d) < 0) {
            return -1;
        }
        if (d.flags & VRING_DESC_F_INDIRECT) {
            if (vq_check_indirect(vdev, &d, in_table, steps) < 0) {
                return -1;
            }
            table = d.addr;
            size = d.len / VRING_DESC_SIZE;
            i = 0;
            in_table = true;
            continue;
        }
        if (vq_add_seg(vdev, e, &d) < 0) {
            return -1;
        }
        if (!(d.flags & VRING_DESC_F_NEXT)) {
            return 0;
        }
        if (++steps >= size || d.next >= size) {
            virtio_error(vdev, "chain loops or leaves its table of %u "
                         "(next %u)", size, d.next);
            return -1;
        }
        i = d.next;
    }
}

void virtqueue_elem_free(VirtQueueElement *e)
{
    free(e->out);
    memset(e, 0, sizeof(*e));
}

int virtqueue_pop(VirtIODevice *vdev, VirtQueue *vq, VirtQueueElement *e)
{
    uint16_t avail_idx, head, pending;

    memset(e, 0, sizeof(*e));
    if (vdev->broken || vq_check_layout(vdev, vq) < 0 ||
        vq_ld16(vdev, vq->avail + 2, &avail_idx) < 0) {
        return -1;
    }
    pending = (uint16_t)(avail_idx - vq->last_avail);
    if (pending > vq->num) {
        virtio_error(vdev, "avail index %u runs %u ahead of %u (queue size "
                     "%u)", avail_idx, pending, vq->last_avail, vq->num);
        return -1;
    }
    if (!pending) {
        return 0;
    }
    if (vq_ld16(vdev, vq->avail + 4 + 2ull * (vq->last_avail % vq->num),
                &head) < 0) {
        return -1;
    }
    if (head >= vq->num) {
        virtio_error(vdev, "head %u beyond queue size %u", head, vq->num);
        return -1;
    }
    e->head = head;
    if (vq_walk(vdev, vq, head, e) < 0) {
        virtqueue_elem_free(e);
        return -1;
    }
    e->in = e->out + e->out_num;
    vq->last_avail++;
    vq->inuse++;
    if (virtio_has_feature(vdev, VIRTIO_F_RING_EVENT_IDX)) {
        /* avail_event: notify me when the driver passes this index */
        vq_st16(vdev, vq->used + 4 + 8ull * vq->num, vq->last_avail);
    }
    return vdev->broken ? -1 : 1;
}

void virtqueue_fill(VirtIODevice *vdev, VirtQueue *vq, VirtQueueElement *e,
                    uint32_t len, unsigned idx)
{
    uint8_t ent[VRING_USED_ELEM_SIZE];

    st32le(ent, e->head);
    st32le(ent + 4, (uint32_t)MIN((uint64_t)len, e->in_len));
    virtqueue_elem_free(e);
    if (vq->inuse) {
        vq->inuse--;
    }
    if (!vdev->broken) {
        vq_dma(vdev, vq->used + 4 + 8ull * ((uint16_t)(vq->used_idx + idx) %
                                             vq->num), ent, sizeof(ent), true);
    }
}

void virtqueue_flush(VirtIODevice *vdev, VirtQueue *vq, unsigned count)
{
    if (vdev->broken) {
        return;
    }
    vq->used_idx += (uint16_t)count;
    vq_st16(vdev, vq->used + 2, vq->used_idx);
}

void virtqueue_push(VirtIODevice *vdev, VirtQueue *vq, VirtQueueElement *e,
                    uint32_t len)
{
    virtqueue_fill(vdev, vq, e, len, 0);
    virtqueue_flush(vdev, vq, 1);
}

void virtqueue_unpop(VirtQueue *vq, VirtQueueElement *e)
{
    virtqueue_elem_free(e);
    vq->last_avail--;
    if (vq->inuse) {
        vq->inuse--;
    }
}

void virtqueue_want_kick(VirtIODevice *vdev, VirtQueue *vq)
{
    uint16_t avail_idx;

    if (vdev->broken || !virtio_has_feature(vdev, VIRTIO_F_RING_EVENT_IDX) ||
        vq_ld16(vdev, vq->avail + 2, &avail_idx) < 0) {
        return;
    }
    vq_st16(vdev, vq->used + 4 + 8ull * vq->num, avail_idx);
}

static bool vq_need_event(uint16_t event, uint16_t new_idx, uint16_t old)
{
    return (uint16_t)(new_idx - event - 1) < (uint16_t)(new_idx - old);
}

static bool vq_should_notify(VirtIODevice *vdev, VirtQueue *vq)
{
    uint16_t v, old = vq->signalled_used;
    bool valid = vq->signalled_valid;

    if (!virtio_has_feature(vdev, VIRTIO_F_RING_EVENT_IDX)) {
        return vq_ld16(vdev, vq->avail, &v) == 0 &&
               !(v & VRING_AVAIL_F_NO_INTERRUPT);
    }
    if (vq_ld16(vdev, vq->avail + 4 + 2ull * vq->num, &v) < 0) {
        return false;
    }
    vq->signalled_used = vq->used_idx;
    vq->signalled_valid = true;
    return !valid || vq_need_event(v, vq->used_idx, old);
}

void virtqueue_notify(VirtIODevice *vdev, VirtQueue *vq)
{
    if (vdev->broken || !vq_should_notify(vdev, vq)) {
        return;
    }
    vdev->isr |= VIRTIO_ISR_QUEUE;
    vdev->t.notify(vdev->t.opaque, vq->vector, false);
}

static int64_t vq_elem_copy(VirtIODevice *vdev, const VirtIOSeg *segs,
                            unsigned n, uint64_t off, uint8_t *buf,
                            uint64_t len, bool is_write)
{
    uint64_t done = 0;

    for (unsigned i = 0; i < n && done < len; i++) {
        uint64_t chunk;

        if (off >= segs[i].len) {
            off -= segs[i].len;
            continue;
        }
        chunk = MIN(segs[i].len - off, len - done);
        if (vq_dma(vdev, segs[i].addr + off, buf + done, chunk,
                   is_write) < 0) {
            return -1;
        }
        done += chunk;
        off = 0;
    }
    return (int64_t)done;
}

int64_t virtqueue_elem_read(VirtIODevice *vdev, const VirtQueueElement *e,
                            uint64_t off, void *buf, uint64_t len)
{
    return vq_elem_copy(vdev, e->out, e->out_num, off, buf, len, false);
}

int64_t virtqueue_elem_write(VirtIODevice *vdev, const VirtQueueElement *e,
                             uint64_t off, const void *buf, uint64_t len)
{
    return vq_elem_copy(vdev, e->in, e->in_num, off, (uint8_t *)buf, len,
                        true);
}
