/*
 * virtio-blk (VIRTIO 1.1, 5.2) over a block backend (block/block.h).
 *
 * A request is a header (type, reserved, sector: 16 readable bytes), its
 * data and a status byte (the last writable byte). Types: IN, OUT, FLUSH
 * (fdatasync before the request completes), GET_ID (the drive id, 20
 * bytes at most), DISCARD (punches a hole) and WRITE_ZEROES, each with one
 * 16-byte segment {sector, num_sectors, flags}.
 *
 * The vCPU that notifies only parses: it pops each chain, reads the
 * header (and, for OUT, copies the data into a bounce buffer of at most
 * seg_max * size_max bytes), and hands the request to the device's I/O
 * thread (at most VIRTIO_BLK_MAX_INFLIGHT bytes of bounce buffers at a
 * time: past that, the queue is read again as requests complete). That
 * thread does the host I/O with no lock held, then takes
 * the machine lock to copy read data into guest memory, write the status,
 * return the chain and raise the interrupt. A device reset bumps the
 * generation: completions of requests from before it touch nothing.
 *
 * Bad requests: a chain without a 16-byte header or a status byte breaks
 * the device (virtio_error); a transfer that is not whole sectors, runs
 * past the end of the disk or exceeds the limits completes with IOERR;
 * a write to a read-only disk with IOERR; an unknown type with UNSUPP.
 */
#include "block/drive.h"
#include "hw/core/devtypes.h"
#include "hw/virtio/virtio-blk.h"

#include <stdlib.h>
#include <string.h>

#define VIRTIO_BLK_F_SIZE_MAX     1
#define VIRTIO_BLK_F_SEG_MAX      2
#define VIRTIO_BLK_F_RO           5
#define VIRTIO_BLK_F_BLK_SIZE     6
#define VIRTIO_BLK_F_FLUSH        9
#define VIRTIO_BLK_F_MQ           12
#define VIRTIO_BLK_F_DISCARD      13
#define VIRTIO_BLK_F_WRITE_ZEROES 14

#define VIRTIO_BLK_T_IN           0
#define VIRTIO_BLK_T_OUT          1
#define VIRTIO_BLK_T_FLUSH        4
#define VIRTIO_BLK_T_GET_ID       8
#define VIRTIO_BLK_T_DISCARD      11
#define VIRTIO_BLK_T_WRITE_ZEROES 13

#define VIRTIO_BLK_S_OK           0
#define VIRTIO_BLK_S_IOERR        1
#define VIRTIO_BLK_S_UNSUPP       2

#define VIRTIO_BLK_WZ_UNMAP       1
#define VIRTIO_BLK_ID_BYTES       20
#define VIRTIO_BLK_SECTOR         512ull
#define VIRTIO_BLK_SEG_MAX        126
#define VIRTIO_BLK_SIZE_MAX       (64 * KiB)
#define VIRTIO_BLK_MAX_XFER       (VIRTIO_BLK_SEG_MAX * VIRTIO_BLK_SIZE_MAX)
#define VIRTIO_BLK_MAX_DISCARD    (1u << 22)        /* sectors: 2 GiB */
#define VIRTIO_BLK_QUEUE_SIZE     256
/* Bounce buffers in flight; beyond, the queues wait for completions. */
#define VIRTIO_BLK_MAX_INFLIGHT   (64 * MiB)
#define VIRTIO_BLK_CONFIG_SIZE    60

typedef struct BlkReq {
    IOJob job;
    VirtIOBlk *s;
    unsigned queue;
    uint32_t generation;
    VirtQueueElement e;
    uint32_t type;
    uint64_t off, len;           /* bytes on the disk */
    uint8_t *buf;                /* IN/OUT data, GET_ID */
    uint8_t status;
    uint32_t in_written;         /* data bytes for the guest */
} BlkReq;

static VirtIOBlk *blk_of(VirtIODevice *vdev)
{
    return (VirtIOBlk *)((uint8_t *)vdev - offsetof(VirtIOBlk, proxy.vdev));
}

/* ---------------------------------------------------- config */

static void blk_get_config(VirtIODevice *vdev, uint8_t *c)
{
    VirtIOBlk *s = blk_of(vdev);

    memset(c, 0, VIRTIO_BLK_CONFIG_SIZE);
    st64le(c + 0, s->bb->size / VIRTIO_BLK_SECTOR);      /* capacity */
    st32le(c + 8, VIRTIO_BLK_SIZE_MAX);
    st32le(c + 12, VIRTIO_BLK_SEG_MAX);
    st32le(c + 20, VIRTIO_BLK_SECTOR);                   /* blk_size */
    st16le(c + 34, (uint16_t)s->num_queues);
    st32le(c + 36, VIRTIO_BLK_MAX_DISCARD);
    st32le(c + 40, 1);                                   /* discard segs */
    st32le(c + 44, 1);                                   /* alignment */
    st32le(c + 48, VIRTIO_BLK_MAX_DISCARD);
    st32le(c + 52, 1);
    c[56] = 1;                                           /* may unmap */
}

static void blk_reset(VirtIODevice *vdev)
{
    blk_of(vdev)->generation++;
}

/* ---------------------------------------------------- the I/O thread */

static void blk_req_free(BlkReq *r)
{
    virtqueue_elem_free(&r->e);
    free(r->buf);
    free(r);
}

static void blk_work(IOJob *job)
{
    BlkReq *r = (BlkReq *)job;
    BlockBackend *bb = r->s->bb;
    int ret = 0;

    switch (r->type) {
    case VIRTIO_BLK_T_IN: ret = blk_pread(bb, r->off, r->buf, r->len); break;
    case VIRTIO_BLK_T_OUT: ret = blk_pwrite(bb, r->off, r->buf, r->len); break;
    case VIRTIO_BLK_T_FLUSH: ret = blk_flush(bb); break;
    case VIRTIO_BLK_T_DISCARD: ret = blk_discard(bb, r->off, r->len); break;
    case VIRTIO_BLK_T_WRITE_ZEROES:
        ret = blk_write_zeroes(bb, r->off, r->len);
        break;
    }
    r->status = ret ? VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_OK;
    r->in_written = !ret && r->type == VIRTIO_BLK_T_IN ? (uint32_t)r->len : 0;
}

/* Lock held: data and status to the guest, chain back, interrupt. */
static void blk_handle_queue(VirtIODevice *vdev, unsigned n);

/* Returns the request's buffer to the bound; reads stalled queues. */
static void blk_req_done(VirtIOBlk *s, BlkReq *r)
{
    uint32_t stalled;

    s->inflight_bytes -= r->buf ? r->len : 0;
    blk_req_free(r);
    stalled = s->stalled;
    s->stalled = 0;
    for (unsigned n = 0; stalled; n++, stalled >>= 1) {
        if (stalled & 1) {
            virtio_queue_notify(&s->proxy.vdev, n);
        }
    }
}

static void blk_complete(IOJob *job)
{
    BlkReq *r = (BlkReq *)job;
    VirtIOBlk *s = r->s;
    VirtIODevice *vdev = &s->proxy.vdev;
    VirtQueue *vq = &vdev->vq[r->queue];
    uint64_t status_at = r->e.in_len - 1;

    if (r->generation != s->generation || vdev->broken) {
        blk_req_done(s, r);      /* reset since: the rings are not ours */
        return;
    }
    if ((r->in_written &&
         virtqueue_elem_write(vdev, &r->e, 0, r->buf, r->in_written) < 0) ||
        virtqueue_elem_write(vdev, &r->e, status_at, &r->status, 1) < 0) {
        blk_req_done(s, r);
        return;
    }
    virtqueue_push(vdev, vq, &r->e, r->in_written + 1);
    virtqueue_notify(vdev, vq);
    blk_req_done(s, r);
}

static void blk_lock_machine(void *opaque)
{
    machine_lock(opaque);
}

static void blk_unlock_machine(void *opaque)
{
    pthread_mutex_unlock(&((Machine *)opaque)->lock);
}

/* ---------------------------------------------------- parsing */

/* Whether [sector, + len bytes) is whole sectors on the disk. */
static bool blk_range_ok(const VirtIOBlk *s, uint64_t sector, uint64_t len)
{
    uint64_t sectors = s->bb->size / VIRTIO_BLK_SECTOR;

    return len % VIRTIO_BLK_SECTOR == 0 && sector <= sectors &&
           len / VIRTIO_BLK_SECTOR <= sectors - sector;
}

/* Sets up IN or OUT: bounds, bounce buffer, the data of a write. */
static uint8_t blk_parse_rw(VirtIOBlk *s, BlkReq *r, uint64_t sector)
{
    VirtIODevice *vdev = &s->proxy.vdev;
    bool in = r->type == VIRTIO_BLK_T_IN;

    r->len = in ? r->e.in_len - 1 : r->e.out_len - 16;
    if (r->len > VIRTIO_BLK_MAX_XFER || !blk_range_ok(s, sector, r->len)) {
        return VIRTIO_BLK_S_IOERR;
    }
    if (!in && s->bb->readonly) {
        return VIRTIO_BLK_S_IOERR;
    }
    r->off = sector * VIRTIO_BLK_SECTOR;
    r->buf = blk_buf_alloc(r->len, false);
    s->inflight_bytes += r->len;
    if (!in && virtqueue_elem_read(vdev, &r->e, 16, r->buf, r->len) !=
               (int64_t)r->len) {
        return VIRTIO_BLK_S_IOERR;
    }
    return VIRTIO_BLK_S_OK;
}

/* DISCARD and WRITE_ZEROES: one segment {sector, num_sectors, flags}. */
static uint8_t blk_parse_range(VirtIOBlk *s, BlkReq *r)
{
    uint8_t seg[16];
    uint64_t sector;
    uint32_t num, flags;
    uint32_t allowed = r->type == VIRTIO_BLK_T_WRITE_ZEROES ?
                       VIRTIO_BLK_WZ_UNMAP : 0;

    if (r->e.out_len != 16 + sizeof(seg) ||
        virtqueue_elem_read(&s->proxy.vdev, &r->e, 16, seg, 16) != 16) {
        return VIRTIO_BLK_S_UNSUPP;       /* one segment only */
    }
    sector = ld64le(seg);
    num = ld32le(seg + 8);
    flags = ld32le(seg + 12);
    if (flags & ~allowed) {
        return VIRTIO_BLK_S_UNSUPP;
    }
    if (num > VIRTIO_BLK_MAX_DISCARD || s->bb->readonly ||
        !blk_range_ok(s, sector, (uint64_t)num * VIRTIO_BLK_SECTOR)) {
        return VIRTIO_BLK_S_IOERR;
    }
    r->off = sector * VIRTIO_BLK_SECTOR;
    r->len = (uint64_t)num * VIRTIO_BLK_SECTOR;
    return VIRTIO_BLK_S_OK;
}

static uint8_t blk_parse_get_id(VirtIOBlk *s, BlkReq *r)
{
    size_t n = MIN(strlen(s->drive), VIRTIO_BLK_ID_BYTES);

    r->in_written = (uint32_t)MIN((uint64_t)VIRTIO_BLK_ID_BYTES,
                                  r->e.in_len - 1);
    r->len = VIRTIO_BLK_ID_BYTES;
    r->buf = xzalloc(VIRTIO_BLK_ID_BYTES);
    s->inflight_bytes += r->len;
    memcpy(r->buf, s->drive, n);
    return VIRTIO_BLK_S_OK;
}

/* Status of a request that needs no host I/O, or OK to queue it. */
static uint8_t blk_parse(VirtIOBlk *s, BlkReq *r, uint64_t sector)
{
    switch (r->type) {
    case VIRTIO_BLK_T_IN: case VIRTIO_BLK_T_OUT:
        return blk_parse_rw(s, r, sector);
    case VIRTIO_BLK_T_FLUSH:
        return VIRTIO_BLK_S_OK;
    case VIRTIO_BLK_T_GET_ID:
        return blk_parse_get_id(s, r);
    case VIRTIO_BLK_T_DISCARD: case VIRTIO_BLK_T_WRITE_ZEROES:
        return blk_parse_range(s, r);
    }
    return VIRTIO_BLK_S_UNSUPP;
}

/* One popped chain: refuse, answer at once, or send to the I/O thread. */
static void blk_request(VirtIOBlk *s, unsigned n, BlkReq *r)
{
    VirtIODevice *vdev = &s->proxy.vdev;
    uint8_t hdr[16];

    r->s = s;
    if (r->e.out_len < 16 || r->e.in_len < 1 ||
        virtqueue_elem_read(vdev, &r->e, 0, hdr, 16) != 16) {
        virtio_error(vdev, "request without a header or a status byte");
        blk_req_free(r);
        return;
    }
    r->queue = n;
    r->generation = s->generation;
    r->type = ld32le(hdr);
    r->status = blk_parse(s, r, ld64le(hdr + 8));
    r->job.work = blk_work;
    r->job.complete = blk_complete;
    if (r->status != VIRTIO_BLK_S_OK || r->type == VIRTIO_BLK_T_GET_ID) {
        blk_complete(&r->job);   /* nothing for the disk to do */
        return;
    }
    iothread_submit(&s->io, &r->job);
}

static void blk_handle_queue(VirtIODevice *vdev, unsigned n)
{
    VirtIOBlk *s = blk_of(vdev);

    for (;;) {
        BlkReq *r;
        if (s->inflight_bytes >= VIRTIO_BLK_MAX_INFLIGHT) {
            s->stalled |= 1u << n;
            return;
        }
        r = xzalloc(sizeof(*r));
        if (virtqueue_pop(vdev, &vdev->vq[n], &r->e) != 1) {
            free(r);
            return;
        }
        blk_request(s, n, r);
    }
}

/* ---------------------------------------------------- device */

static const VirtIODeviceClass virtio_blk_class = {
    .name = "virtio-blk",
    .device_id = VIRTIO_ID_BLOCK,
    .pci_device_id = 0x1001,
    .pci_class = 0x0100,           /* SCSI storage, as QEMU's */
    .features = (1ull << VIRTIO_BLK_F_SIZE_MAX) |
                (1ull << VIRTIO_BLK_F_SEG_MAX) |
                (1ull << VIRTIO_BLK_F_BLK_SIZE) |
                (1ull << VIRTIO_BLK_F_FLUSH) |
                (1ull << VIRTIO_BLK_F_MQ) |
                (1ull << VIRTIO_BLK_F_DISCARD) |
                (1ull << VIRTIO_BLK_F_WRITE_ZEROES),
    .queue_size = VIRTIO_BLK_QUEUE_SIZE,
    .config_size = VIRTIO_BLK_CONFIG_SIZE,
    .get_config = blk_get_config,
    .reset = blk_reset,
    .handle_queue = blk_handle_queue,
};

static int virtio_blk_open(VirtIOBlk *s, Machine *m, Error *err)
{
    DriveSpec d;

    if (!s->drive) {
        return error_setg(err, "drive=ID is required");
    }
    if (s->num_queues < 1 || s->num_queues > VIRTIO_QUEUE_MAX) {
        return error_setg(err, "num-queues must be 1-%d",
                          VIRTIO_QUEUE_MAX);
    }
    if (drive_find(&m->cfg, s->drive, &d, err) < 0) {
        return -1;
    }
    d.opts.defer_lock = m->cfg.incoming;   /* the source holds it */
    s->bb = blk_open(&d.opts, err);
    drive_spec_free(&d);
    return s->bb ? 0 : -1;
}

static int virtio_blk_realize(Device *dev, Error *err)
{
    VirtIOBlk *s = (VirtIOBlk *)dev;

    if (virtio_blk_open(s, dev->machine, err) < 0) {
        return -1;
    }
    s->vc = virtio_blk_class;
    s->vc.nqueues = s->num_queues;
    if (s->bb->readonly) {
        s->vc.features |= 1ull << VIRTIO_BLK_F_RO;
    }
    if (iothread_start(&s->io, blk_lock_machine, blk_unlock_machine,
                       dev->machine, err) < 0 ||
        virtio_pci_realize(dev, &s->vc, err) < 0) {
        iothread_stop(&s->io);
        blk_close(s->bb);
        s->bb = NULL;
        return -1;
    }
    return 0;
}

static void virtio_blk_unrealize(Device *dev)
{
    VirtIOBlk *s = (VirtIOBlk *)dev;

    iothread_stop(&s->io);       /* every request completed first */
    pci_device_unrealize(dev);
    blk_close(s->bb);
}

static const PropDef virtio_blk_props[] = {
    PCI_DEVICE_PROPS,
    PROP_DEF_STR("drive", VirtIOBlk, drive, NULL,
                 "id of the -drive holding the disk image"),
    PROP_DEF_U32("num-queues", VirtIOBlk, num_queues, 1,
                 "request queues (1-8)"),
    PROP_DEF_U32("bootindex", VirtIOBlk, bootindex, VIRTIO_BLK_NO_BOOTINDEX,
                 "place in the firmware's boot order"),
    PROP_DEF_END,
};

const DeviceType virtio_blk_pci_type = {
    .name = "virtio-blk-pci",
    .desc = "virtio block device over PCI (raw or qcow2 images, -drive)",
    .instance_size = sizeof(VirtIOBlk),
    .props = virtio_blk_props,
    .user_creatable = true,
    .realize = virtio_blk_realize,
    .unrealize = virtio_blk_unrealize,
    .reset = pci_device_reset,
    .save = pci_device_save,
    .load = pci_device_load,
};
