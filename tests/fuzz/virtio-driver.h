/*
 * A virtio driver for tests: a small machine (RAM, i440FX, PIIX3, one
 * virtio PCI function at slot 3) with its BARs placed and bus mastering
 * on, and the driver's side of the transport (modern and legacy
 * registers, split rings in guest RAM). Shared by the unit tests
 * (tests/unit/test-virtio*.c) and the virtqueue fuzzer (virtio-fuzz.h).
 *
 * Everything the driver puts in guest memory goes through the memory
 * core (address_space_write), as a guest's stores would. MSI-X vectors
 * are aimed at RAM (VDRV_MSI_BASE + 4 * vector, data 0x100 + vector), so
 * a test sees which message was sent by reading RAM; INTA# of slot 3
 * reaches GSI 18 (PIRQC, routes disabled), recorded in level[].
 */
#ifndef KITE_VIRTIO_DRIVER_H
#define KITE_VIRTIO_DRIVER_H

#include <stdlib.h>
#include <string.h>

#include "hw/core/devtypes.h"
#include "hw/pc/pc.h"
#include "hw/pci/msi.h"
#include "hw/virtio/virtio-pci.h"

#define VDRV_RAM        (16 * MiB)
#define VDRV_SLOT       3
#define VDRV_GSI        18
#define VDRV_IO_BASE    0xc000
#define VDRV_MODERN     0xe0000000ull
#define VDRV_MSIX       0xe0100000ull
#define VDRV_MSI_BASE   0x8000ull    /* MSI-X messages land here (RAM) */
#define VDRV_RING_BASE  0x10000ull   /* queue n: desc, avail, used pages */
#define VDRV_BUF_BASE   0x100000ull

typedef struct VDrv {
    Machine m;
    Device *root;
    VirtIOPCIProxy *p;
    int devfn;
    int level[PC_NUM_GSI];
} VDrv;

static inline void vdrv_irq(void *opaque, int n, int level)
{
    ((VDrv *)opaque)->level[n] = level;
}

static inline void vdrv_cfg_write(VDrv *d, unsigned reg, uint32_t v,
                                  unsigned size)
{
    address_space_st(&d->m.io, 0xcf8, 0x80000000u | (d->devfn << 8) |
                     (reg & 0xfc), 4);
    address_space_st(&d->m.io, 0xcfc + (reg & 3), v, size);
}

static inline uint32_t vdrv_cfg_read(VDrv *d, unsigned reg, unsigned size)
{
    address_space_st(&d->m.io, 0xcf8, 0x80000000u | (d->devfn << 8) |
                     (reg & 0xfc), 4);
    return (uint32_t)address_space_ld(&d->m.io, 0xcfc + (reg & 3), size);
}

/* The test machine without the device; drive, if not NULL, is its one
 * -drive argument. */
static inline VDrv *vdrv_machine_new(const char *drive, Error *err)
{
    VDrv *d = xzalloc(sizeof(*d));

    pthread_mutex_init(&d->m.lock, NULL);
    log_init(&d->m.log);
    timerlist_init(&d->m.timers);
    d->m.cfg.smp = 1;
    if (drive) {
        d->m.cfg.drive_args[d->m.cfg.ndrive_args++] = drive;
    }
    if (machine_init_memory(&d->m, VDRV_RAM, err) < 0) {
        abort();
    }
    for (int i = 0; i < PC_NUM_GSI; i++) {
        d->m.gsi[i] = (IrqLine){ vdrv_irq, d, i };
    }
    d->root = device_new(&d->m, &machine_root_type, NULL, "pc");
    d->root->realized = true;
    if (!device_create(&d->m, "i440FX", d->root, "", err) ||
        !device_create(&d->m, "PIIX3", d->root, "addr=1", err)) {
        abort();
    }
    d->devfn = PCI_DEVFN(VDRV_SLOT, 0);
    return d;
}

/* Adds `type` (and its props) at slot 3; d->p NULL if it failed. */
static inline void vdrv_add_device(VDrv *d, const char *type,
                                   const char *props, Error *err)
{
    char *all = xasprintf("addr=%x%s%s", VDRV_SLOT, *props ? "," : "", props);

    d->p = (VirtIOPCIProxy *)device_create(&d->m, type, d->root, all, err);
    free(all);
}

/*
 * A machine with `type` (and its props) at slot 3 (d->p NULL if it
 * failed); drive, if not NULL, is the machine's one -drive argument.
 */
static inline VDrv *vdrv_new_drive(const char *type, const char *props,
                                   const char *drive, Error *err)
{
    VDrv *d = vdrv_machine_new(drive, err);

    vdrv_add_device(d, type, props, err);
    return d;
}

static inline VDrv *vdrv_new(const char *type, const char *props, Error *err)
{
    return vdrv_new_drive(type, props, NULL, err);
}

static inline void vdrv_free(VDrv *d)
{
    device_destroy(d->root);
    machine_destroy_memory(&d->m);
    free(d);
}

/* BARs at their places, I/O, memory and bus mastering on. */
static inline void vdrv_enable(VDrv *d)
{
    vdrv_cfg_write(d, PCI_BASE_ADDRESS_0, VDRV_IO_BASE, 4);
    vdrv_cfg_write(d, PCI_BASE_ADDRESS_0 + 4, (uint32_t)VDRV_MSIX, 4);
    vdrv_cfg_write(d, PCI_BASE_ADDRESS_0 + 16, (uint32_t)VDRV_MODERN, 4);
    vdrv_cfg_write(d, PCI_BASE_ADDRESS_0 + 20, 0, 4);
    vdrv_cfg_write(d, PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEMORY |
                   PCI_COMMAND_MASTER, 2);
}

/* ---- registers ---- */

static inline uint64_t vdrv_rd(VDrv *d, uint64_t off, unsigned size)
{
    return address_space_ld(&d->m.mem, VDRV_MODERN + off, size);
}

static inline void vdrv_wr(VDrv *d, uint64_t off, uint64_t v, unsigned size)
{
    address_space_st(&d->m.mem, VDRV_MODERN + off, v, size);
}

static inline uint64_t vdrv_common_rd(VDrv *d, unsigned off, unsigned size)
{
    return vdrv_rd(d, VIRTIO_PCI_COMMON_OFF + off, size);
}

static inline void vdrv_common_wr(VDrv *d, unsigned off, uint64_t v,
                                  unsigned size)
{
    vdrv_wr(d, VIRTIO_PCI_COMMON_OFF + off, v, size);
}

static inline uint32_t vdrv_legacy_rd(VDrv *d, unsigned off, unsigned size)
{
    return (uint32_t)address_space_ld(&d->m.io, VDRV_IO_BASE + off, size);
}

static inline void vdrv_legacy_wr(VDrv *d, unsigned off, uint32_t v,
                                  unsigned size)
{
    address_space_st(&d->m.io, VDRV_IO_BASE + off, v, size);
}

static inline uint8_t vdrv_status(VDrv *d)
{
    return (uint8_t)vdrv_common_rd(d, VIRTIO_PCI_COMMON_STATUS, 1);
}

static inline void vdrv_set_status(VDrv *d, uint8_t s)
{
    vdrv_common_wr(d, VIRTIO_PCI_COMMON_STATUS, s, 1);
}

static inline void vdrv_notify(VDrv *d, unsigned q)
{
    vdrv_wr(d, VIRTIO_PCI_NOTIFY_OFF + q * VIRTIO_PCI_NOTIFY_MULT, q, 2);
}

static inline uint8_t vdrv_isr(VDrv *d)
{
    return (uint8_t)vdrv_rd(d, VIRTIO_PCI_ISR_OFF, 1);
}

/* ---- MSI-X: vector v sends data 0x100 + v to VDRV_MSI_BASE + 4 * v ---- */

static inline void vdrv_msix_enable(VDrv *d, unsigned nvec)
{
    uint8_t cap = d->p->pci.msix_cap;

    for (unsigned v = 0; v < nvec; v++) {
        uint64_t e = VDRV_MSIX + v * PCI_MSIX_ENTRY_SIZE;
        address_space_st(&d->m.mem, e, VDRV_MSI_BASE + 4 * v, 4);
        address_space_st(&d->m.mem, e + 4, 0, 4);
        address_space_st(&d->m.mem, e + 8, 0x100 + v, 4);
        address_space_st(&d->m.mem, e + 12, 0, 4);
    }
    vdrv_cfg_write(d, cap + PCI_MSIX_FLAGS, PCI_MSIX_FLAGS_ENABLE, 2);
}

/* Whether vector v was sent since the last call (clears the mark). */
static inline bool vdrv_msi_seen(VDrv *d, unsigned v)
{
    uint64_t a = VDRV_MSI_BASE + 4 * v;
    bool seen = address_space_ld(&d->m.mem, a, 4) == 0x100 + v;

    address_space_st(&d->m.mem, a, 0, 4);
    return seen;
}

/* ---- guest RAM ---- */

static inline void vdrv_poke(VDrv *d, uint64_t a, uint64_t v, unsigned size)
{
    uint8_t b[8];

    st64le(b, v);
    address_space_write(&d->m.mem, a, b, size);
}

static inline uint64_t vdrv_peek(VDrv *d, uint64_t a, unsigned size)
{
    uint8_t b[8] = { 0 };

    address_space_read(&d->m.mem, a, b, size);
    return ld64le(b);
}

/* ---- split rings ---- */

typedef struct VDrvQueue {
    unsigned index, num;
    uint64_t desc, avail, used;
    uint16_t avail_idx, used_seen;
} VDrvQueue;

static inline void vdrv_desc(VDrv *d, uint64_t table, unsigned i,
                             uint64_t addr, uint32_t len, uint16_t flags,
                             uint16_t next)
{
    uint8_t b[VRING_DESC_SIZE];

    st64le(b, addr);
    st32le(b + 8, len);
    st16le(b + 12, flags);
    st16le(b + 14, next);
    address_space_write(&d->m.mem, table + 16ull * i, b, sizeof(b));
}

/* Makes head available and moves avail->idx on (does not notify). */
static inline void vdrv_post(VDrv *d, VDrvQueue *q, uint16_t head)
{
    vdrv_poke(d, q->avail + 4 + 2 * (q->avail_idx % q->num), head, 2);
    q->avail_idx++;
    vdrv_poke(d, q->avail + 2, q->avail_idx, 2);
}

static inline uint16_t vdrv_used_idx(VDrv *d, const VDrvQueue *q)
{
    return (uint16_t)vdrv_peek(d, q->used + 2, 2);
}

/* Used element i: id and len. */
static inline uint32_t vdrv_used_id(VDrv *d, const VDrvQueue *q, unsigned i)
{
    return (uint32_t)vdrv_peek(d, q->used + 4 + 8 * (i % q->num), 4);
}

static inline uint32_t vdrv_used_len(VDrv *d, const VDrvQueue *q, unsigned i)
{
    return (uint32_t)vdrv_peek(d, q->used + 8 + 8 * (i % q->num), 4);
}

/* Queue n through the common config: size num, rings at fixed pages. */
static inline void vdrv_queue_setup(VDrv *d, VDrvQueue *q, unsigned n,
                                    unsigned num, uint16_t vector)
{
    memset(q, 0, sizeof(*q));
    q->index = n;
    q->num = num;
    q->desc = VDRV_RING_BASE + n * 0x10000ull;
    q->avail = q->desc + 0x4000;
    q->used = q->desc + 0x8000;
    address_space_fill(&d->m.mem, q->desc, 0, 0x10000);
    vdrv_common_wr(d, VIRTIO_PCI_COMMON_Q_SELECT, n, 2);
    vdrv_common_wr(d, VIRTIO_PCI_COMMON_Q_SIZE, num, 2);
    vdrv_common_wr(d, VIRTIO_PCI_COMMON_Q_DESCLO, q->desc, 4);
    vdrv_common_wr(d, VIRTIO_PCI_COMMON_Q_DESCHI, 0, 4);
    vdrv_common_wr(d, VIRTIO_PCI_COMMON_Q_AVAILLO, q->avail, 4);
    vdrv_common_wr(d, VIRTIO_PCI_COMMON_Q_AVAILHI, 0, 4);
    vdrv_common_wr(d, VIRTIO_PCI_COMMON_Q_USEDLO, q->used, 8);
    vdrv_common_wr(d, VIRTIO_PCI_COMMON_Q_MSIX, vector, 2);
    vdrv_common_wr(d, VIRTIO_PCI_COMMON_Q_ENABLE, 1, 2);
}

/*
 * The modern driver's start (3.1.1) with the given features; returns the
 * status read back after FEATURES_OK (without FEATURES_OK: refused).
 */
static inline uint8_t vdrv_negotiate(VDrv *d, uint64_t features)
{
    vdrv_set_status(d, 0);
    vdrv_set_status(d, VIRTIO_STATUS_ACKNOWLEDGE);
    vdrv_set_status(d, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
    vdrv_common_wr(d, VIRTIO_PCI_COMMON_GFSELECT, 0, 4);
    vdrv_common_wr(d, VIRTIO_PCI_COMMON_GF, (uint32_t)features, 4);
    vdrv_common_wr(d, VIRTIO_PCI_COMMON_GFSELECT, 1, 4);
    vdrv_common_wr(d, VIRTIO_PCI_COMMON_GF, (uint32_t)(features >> 32), 4);
    vdrv_set_status(d, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
                    VIRTIO_STATUS_FEATURES_OK);
    return vdrv_status(d);
}

static inline void vdrv_driver_ok(VDrv *d)
{
    vdrv_set_status(d, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
                    VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
}

#define VDRV_F(bit) (1ull << (bit))
#define VDRV_BASE_FEATURES (VDRV_F(VIRTIO_F_VERSION_1) | \
                            VDRV_F(VIRTIO_F_RING_INDIRECT_DESC) | \
                            VDRV_F(VIRTIO_F_RING_EVENT_IDX))

#endif
