/*
 * The virtqueue fuzzer: input bytes are a program of driver operations
 * against a virtio PCI function (virtio-driver.h's machine): descriptors
 * with addresses from a menu of good and bad places (RAM, the last bytes
 * of RAM, the device's own BARs, the LAPIC page, holes, any 64 bits),
 * lengths from tiny to 4 GiB, any flags and next index; avail ring
 * entries and indices; ring fields (flags, used_event); queue setup with
 * any size and ring addresses; raw common-config, legacy and notify
 * writes; status and feature writes; MSI-X and bus-master toggles; ISR
 * and config reads; save/load round trips.
 *
 * Checks, besides the sanitizers: a broken device shows NEEDS_RESET;
 * no queue has more requests in flight than its size; save -> load ->
 * save gives the same bytes; and at the end the device still works: a
 * reset and one good request must complete. A failed check stops the
 * program with a message in VirtioFuzz.fail.
 *
 * Program format: opcode byte, then its arguments; reading past the end
 * yields zeros and ends the run. Shared by tests/unit/test-virtio-fuzz.c
 * (a fixed-seed budget in `make check`) and tests/fuzz/fuzz-virtio*.c.
 *
 * The device is virtio-rng-pci unless the program is run with
 * vfuzz_run_device: virtio-net-pci (on a backend that takes every frame
 * and, through opcode 15, sends frames of any length to the guest) or
 * virtio-serial-pci with a virtconsole; the queue under the program is
 * chosen with it (the receive, transmit or control queue), and the other
 * queues are set up with good rings so that both directions move.
 */
#ifndef KITE_VIRTIO_FUZZ_H
#define KITE_VIRTIO_FUZZ_H

#include <stdio.h>

#include "hw/virtio/virtio-net.h"
#include "tests/fuzz/virtio-driver.h"

#define VFUZZ_MAX_OPS   512
#define VFUZZ_FRAME_MAX 4096

typedef struct VirtioFuzz {
    VDrv *d;
    VDrvQueue q;
    VDrvQueue other[3];          /* the device's other queues */
    const char *type;            /* NULL: virtio-rng-pci */
    unsigned queue;              /* the queue the program drives */
    NetClient *backend;          /* virtio-net: the frames' source */
    const uint8_t *in;
    size_t len, pos;
    unsigned served;             /* requests completed by the program */
    bool broke;                  /* whether it left the device broken */
    char fail[256];
} VirtioFuzz;

static inline uint64_t vfuzz_get(VirtioFuzz *f, unsigned n)
{
    uint64_t v = 0;

    for (unsigned i = 0; i < n; i++) {
        v |= (uint64_t)(f->pos < f->len ? f->in[f->pos] : 0) << (8 * i);
        f->pos++;
    }
    return v;
}

/* A guest address: mostly plausible, often hostile. */
static inline uint64_t vfuzz_addr(VirtioFuzz *f)
{
    uint8_t kind = (uint8_t)vfuzz_get(f, 1);
    uint64_t off = vfuzz_get(f, 2);

    switch (kind % 10) {
    case 0: case 1: case 2: return VDRV_BUF_BASE + off * 8;
    case 3: return f->q.desc + (off & 0xfff0);   /* the rings themselves */
    case 4: return VDRV_RAM - (off & 0xff);      /* the end of RAM */
    case 5: return VDRV_MODERN + (off & 0x3fff); /* the device's own BAR */
    case 6: return VDRV_MSIX + (off & 0xfff);
    case 7: return 0xfee00000ull + (off & 0xfff);
    case 8: return 0xa0000ull + off;             /* legacy hole, ROM */
    default: return vfuzz_get(f, 8);
    }
}

static inline uint32_t vfuzz_length(VirtioFuzz *f)
{
    uint8_t kind = (uint8_t)vfuzz_get(f, 1);

    switch (kind % 4) {
    case 0: case 1: return (uint32_t)vfuzz_get(f, 1);
    case 2: return (uint32_t)vfuzz_get(f, 2);
    default: return (uint32_t)vfuzz_get(f, 4);
    }
}

static inline void vfuzz_desc(VirtioFuzz *f)
{
    bool in_table = vfuzz_get(f, 1) & 1;
    uint64_t table = in_table ? VDRV_BUF_BASE + 0x10000 : f->q.desc;
    unsigned i = (unsigned)vfuzz_get(f, 1) % 64;
    uint64_t addr = vfuzz_addr(f);
    uint32_t len = vfuzz_length(f);
    uint16_t flags = (uint16_t)vfuzz_get(f, 1) & 7;
    uint16_t next = (uint16_t)vfuzz_get(f, 1);

    if (flags & VRING_DESC_F_INDIRECT && vfuzz_get(f, 1) & 1) {
        addr = VDRV_BUF_BASE + 0x10000;          /* the table above */
        len = 16 * ((unsigned)vfuzz_get(f, 1) % 70);
    }
    vdrv_desc(f->d, table, i, addr, len, flags, next);
}

/* Whether queue n is one the device writes (receive) or reads. */
static inline bool vfuzz_queue_writable(const VirtioFuzz *f, unsigned n)
{
    return !f->type || n % 2 == 0;
}

/* Good descriptors everywhere, so random heads get served. */
static inline void vfuzz_fill_table(VirtioFuzz *f)
{
    uint16_t flags = vfuzz_queue_writable(f, f->queue) ? VRING_DESC_F_WRITE
                                                       : 0;

    for (unsigned i = 0; i < MIN(f->q.num, 64); i++) {
        vdrv_desc(f->d, f->q.desc, i, VDRV_BUF_BASE + 64 * i, 64, flags, 0);
    }
}

static inline void vfuzz_queue_setup(VirtioFuzz *f)
{
    unsigned num = 1u << (vfuzz_get(f, 1) % 10);
    uint16_t vector = (uint16_t)vfuzz_get(f, 1) % 4;

    vdrv_queue_setup(f->d, &f->q, f->queue, num,
                     vector == 3 ? 0xffff : vector);
    vfuzz_fill_table(f);
    if (vfuzz_get(f, 1) % 4 == 0) {
        /* then move a ring somewhere else (ignored: already enabled) */
        vdrv_common_wr(f->d, VIRTIO_PCI_COMMON_Q_AVAILLO, vfuzz_addr(f), 8);
    }
}

static inline void vfuzz_start(VirtioFuzz *f)
{
    uint64_t features = vfuzz_get(f, 1) & 1 ? VDRV_BASE_FEATURES
                                            : vfuzz_get(f, 8);

    vdrv_negotiate(f->d, features);
    vdrv_common_wr(f->d, VIRTIO_PCI_COMMON_MSIX, 1, 2);
    vfuzz_queue_setup(f);
    vdrv_driver_ok(f->d);
}

static inline void vfuzz_raw_write(VirtioFuzz *f, uint8_t which)
{
    unsigned size = 1u << (vfuzz_get(f, 1) % 4);
    uint64_t off = vfuzz_get(f, 2), v = vfuzz_get(f, 8);

    switch (which % 3) {
    case 0: vdrv_wr(f->d, off % VIRTIO_PCI_MODERN_SIZE, v, size); break;
    case 1: vdrv_legacy_wr(f->d, off % 64, (uint32_t)v, MIN(size, 4)); break;
    default:
        vdrv_cfg_write(f->d, (unsigned)(off % 256), (uint32_t)v,
                       MIN(size, 4));
        vdrv_enable(f->d);        /* keep the BARs where the driver is */
        break;
    }
}

static inline void vfuzz_reads(VirtioFuzz *f)
{
    uint64_t off = vfuzz_get(f, 2) % VIRTIO_PCI_MODERN_SIZE;

    (void)vdrv_rd(f->d, off, 1u << (vfuzz_get(f, 1) % 4));
    (void)vdrv_legacy_rd(f->d, (unsigned)off % 64, 1);
    (void)vdrv_isr(f->d);
}

static inline int vfuzz_failf(VirtioFuzz *f, const char *msg)
{
    snprintf(f->fail, sizeof(f->fail), "%s (op at byte %zu)", msg, f->pos);
    return -1;
}

/* save -> load -> save must give the same bytes. */
static inline int vfuzz_save_load(VirtioFuzz *f)
{
    Device *dev = &f->d->p->pci.dev;
    SaveBuf a, b, r;
    Error err = { "" };
    int ret = 0;

    savebuf_init(&a);
    savebuf_init(&b);
    dev->type->save(dev, &a);
    savebuf_init_read(&r, a.data, a.len);
    if (dev->type->load(dev, &r, &err) < 0) {
        ret = vfuzz_failf(f, "load of a saved state failed");
    } else {
        dev->type->save(dev, &b);
        if (a.len != b.len || memcmp(a.data, b.data, a.len)) {
            ret = vfuzz_failf(f, "save/load changed the state");
        }
    }
    savebuf_free(&a);
    savebuf_free(&b);
    return ret;
}

/* virtio-net: the backend sends a frame of any length to the guest. */
static inline void vfuzz_frame(VirtioFuzz *f)
{
    uint8_t frame[VFUZZ_FRAME_MAX];
    size_t len = (size_t)vfuzz_get(f, 2) % VFUZZ_FRAME_MAX;

    for (size_t i = 0; i < len; i++) {
        frame[i] = (uint8_t)(i ^ f->pos);
    }
    if (vfuzz_get(f, 1) & 1) {
        memset(frame, 0xff, MIN(len, (size_t)6));   /* broadcast */
    }
    net_send(f->backend, frame, len);
}

static inline int vfuzz_op(VirtioFuzz *f)
{
    uint8_t op = (uint8_t)vfuzz_get(f, 1);

    switch (op % 16) {
    case 0: case 1: case 2: vfuzz_desc(f); break;
    case 3: case 4:
        vdrv_post(f->d, &f->q, (uint16_t)(vfuzz_get(f, 1) % 4 == 3 ?
                                          vfuzz_get(f, 2) :
                                          vfuzz_get(f, 1) % f->q.num));
        break;
    case 5: case 6:
        vdrv_notify(f->d, (unsigned)vfuzz_get(f, 1) % (f->type ? 5 : 3));
        break;
    case 7: vdrv_poke(f->d, f->q.avail + 2, vfuzz_get(f, 2), 2); break;
    case 8:     /* avail flags, used_event, used flags, avail_event */
        vdrv_poke(f->d, vfuzz_get(f, 1) & 1 ? f->q.avail :
                  f->q.avail + 4 + 2 * f->q.num, vfuzz_get(f, 2), 2);
        break;
    case 9: vfuzz_start(f); break;
    case 10: vfuzz_raw_write(f, (uint8_t)vfuzz_get(f, 1)); break;
    case 11: vdrv_set_status(f->d, (uint8_t)vfuzz_get(f, 1)); break;
    case 12: vfuzz_reads(f); break;
    case 13: return vfuzz_save_load(f);
    case 14:
        if (vfuzz_get(f, 1) & 1) {
            vdrv_msix_enable(f->d, 2);
        } else {
            vdrv_cfg_write(f->d, f->d->p->pci.msix_cap + PCI_MSIX_FLAGS, 0,
                           2);
        }
        break;
    default:
        if (f->backend && vfuzz_get(f, 1) & 1) {
            vfuzz_frame(f);
        } else {
            vfuzz_queue_setup(f);
        }
        break;
    }
    return 0;
}

static inline int vfuzz_check(VirtioFuzz *f)
{
    const VirtIODevice *v = &f->d->p->vdev;

    if (v->broken && !(v->status & VIRTIO_STATUS_NEEDS_RESET)) {
        return vfuzz_failf(f, "broken without NEEDS_RESET");
    }
    for (unsigned i = 0; i < v->vc->nqueues; i++) {
        if (v->vq[i].inuse > v->vq[i].num) {
            return vfuzz_failf(f, "more requests in flight than queue size");
        }
    }
    return 0;
}

/* After the program: a reset device serves a good request. */
static inline int vfuzz_still_works(VirtioFuzz *f)
{
    VDrv *d = f->d;
    VDrvQueue q;
    /* rng: a buffer to fill; net and console: a frame/bytes to send */
    unsigned n = f->type ? 1 : 0;

    vdrv_enable(d);
    vdrv_set_status(d, 0);
    vdrv_negotiate(d, VDRV_BASE_FEATURES);
    vdrv_queue_setup(d, &q, n, 16, 0);
    vdrv_driver_ok(d);
    vdrv_poke(d, VDRV_BUF_BASE, 0, 8);
    vdrv_poke(d, VDRV_BUF_BASE + 8, 0, 8);
    vdrv_desc(d, q.desc, 0, VDRV_BUF_BASE, f->type ? 80 : 16,
              f->type ? 0 : VRING_DESC_F_WRITE, 0);
    vdrv_post(d, &q, 0);
    vdrv_notify(d, n);
    if (vdrv_used_idx(d, &q) != 1 || d->p->vdev.broken) {
        return vfuzz_failf(f, "device does not work after a reset");
    }
    return 0;
}

static long vfuzz_backend_receive(NetClient *nc, const uint8_t *buf,
                                  size_t len)
{
    return (long)len;
}

static const NetClientOps vfuzz_backend_ops = {
    .kind = "test", .receive = vfuzz_backend_receive,
};

/* The device under test (and what it needs) at slot 3. */
static inline int vfuzz_make_device(VirtioFuzz *f)
{
    Error err = { "" };
    bool net = f->type && !strcmp(f->type, "virtio-net-pci");

    f->d = vdrv_machine_new(NULL, &err);
    if (net) {
        f->backend = net_client_new(&f->d->m, &vfuzz_backend_ops, "fz", f);
    }
    vdrv_add_device(f->d, f->type ? f->type : "virtio-rng-pci",
                    net ? "netdev=fz" : "", &err);
    if (f->d->p && f->type && !strcmp(f->type, "virtio-serial-pci") &&
        !device_create(&f->d->m, "virtconsole", f->d->root, "", &err)) {
        f->d->p = NULL;
    }
    if (!f->d->p) {
        snprintf(f->fail, sizeof(f->fail), "setup: %s", err.msg);
        return -1;
    }
    return 0;
}

static inline void vfuzz_free_device(VirtioFuzz *f)
{
    net_client_free(f->backend);
    f->backend = NULL;
    vdrv_free(f->d);
}

/* The queues the program does not drive, with good rings. */
static inline void vfuzz_other_queues(VirtioFuzz *f)
{
    unsigned k = 0;

    for (unsigned n = 0; f->type && n < 4 && k < 3; n++) {
        if (n != f->queue) {
            vdrv_queue_setup(f->d, &f->other[k++], n, 16, 1);
        }
    }
}

/* Runs one program on f->type's queue f->queue; 0, or -1 with f->fail. */
static inline int vfuzz_run_device(VirtioFuzz *f, const uint8_t *data,
                                   size_t len)
{
    int ret = 0;

    f->in = data;
    f->len = len;
    f->pos = 0;
    if (vfuzz_make_device(f) < 0) {
        vfuzz_free_device(f);
        return -1;
    }
    vdrv_enable(f->d);
    vdrv_msix_enable(f->d, 2);
    vdrv_negotiate(f->d, VDRV_BASE_FEATURES);
    vfuzz_other_queues(f);
    vdrv_queue_setup(f->d, &f->q, f->queue, 16, 0);
    vfuzz_fill_table(f);
    vdrv_driver_ok(f->d);
    for (int n = 0; n < VFUZZ_MAX_OPS && f->pos < f->len && !ret; n++) {
        ret = vfuzz_op(f);
        ret = ret ? ret : vfuzz_check(f);
    }
    f->served = f->d->p->vdev.vq[f->queue].used_idx;
    f->broke = f->d->p->vdev.broken;
    ret = ret ? ret : vfuzz_still_works(f);
    vfuzz_free_device(f);
    return ret;
}

/* Runs one program against virtio-rng-pci; 0, or -1 with f->fail set. */
static inline int vfuzz_run(VirtioFuzz *f, const uint8_t *data, size_t len)
{
    f->type = NULL;
    f->queue = 0;
    return vfuzz_run_device(f, data, len);
}

#endif
