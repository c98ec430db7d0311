/*
 * The virtio PCI transport: legacy I/O registers, modern capabilities in
 * a memory BAR, MSI-X or INTx. Layout and IDs in virtio-pci.h.
 *
 * Registers are accessed at their own width (a 64-bit queue address as
 * two dwords, or one qword); anything else reads 0 and is ignored. Queue
 * fields of a queue that does not exist read 0 (queue_size 0 says so).
 * A queue's size and addresses are fixed once it is enabled; a vector the
 * MSI-X table does not have is stored as VIRTIO_NO_VECTOR, which the
 * driver reads back as the refusal (4.1.5.1.2).
 *
 * The PCI configuration access capability (4.1.4.7) is a window on the
 * modern BAR through config space: the driver sets bar, offset and
 * length (1, 2 or 4) in it, then pci_cfg_data reads or writes there. A
 * window on another BAR, or not inside the BAR, reads 0 and is ignored.
 * iPXE's virtio driver wants the capability present.
 */
#include "hw/virtio/virtio-pci.h"

#include <string.h>

#include "hw/pci/msi.h"

#define VIRTIO_PCI_SAVE_VERSION 1

static VirtIOPCIProxy *vpci_of(PCIDevice *d)
{
    return (VirtIOPCIProxy *)d;
}

/* ---------------------------------------------------- transport hooks */

static int vpci_dma_rw(void *opaque, uint64_t addr, void *buf, uint64_t len,
                       bool is_write)
{
    return pci_dma_rw(opaque, addr, buf, len, is_write);
}

static void vpci_notify(void *opaque, uint16_t vector, bool config)
{
    PCIDevice *d = opaque;

    if (msix_enabled(d)) {
        if (vector != VIRTIO_NO_VECTOR) {
            msix_notify(d, vector);
        }
        return;
    }
    pci_set_irq(d, 1);
}

static VirtQueue *vpci_queue(VirtIOPCIProxy *p)
{
    return p->queue_sel < p->vdev.vc->nqueues ? &p->vdev.vq[p->queue_sel]
                                              : NULL;
}

static uint16_t vpci_vector(VirtIOPCIProxy *p, uint16_t v)
{
    return v < p->nvectors ? v : VIRTIO_NO_VECTOR;
}

static void vpci_set_status(VirtIOPCIProxy *p, uint8_t val)
{
    virtio_set_status(&p->vdev, val);
    if (val == 0) {
        pci_set_irq(&p->pci, 0);
    }
}

static uint8_t vpci_read_isr(VirtIOPCIProxy *p)
{
    uint8_t isr = p->vdev.isr;

    p->vdev.isr = 0;
    pci_set_irq(&p->pci, 0);
    return isr;
}

static void vpci_queue_notify(VirtIOPCIProxy *p, unsigned n)
{
    if (!(pci_get_word(p->pci.config + PCI_COMMAND) & PCI_COMMAND_MASTER)) {
        log_mask(p->vdev.log, LOG_GUEST_ERROR, "%s: queue %u notified "
                 "without bus mastering\n", p->vdev.vc->name, n);
        return;
    }
    virtio_queue_notify(&p->vdev, n);
}

/* ---------------------------------------------------- common config */

static void vpci_common_fill(VirtIOPCIProxy *p, uint8_t *b)
{
    VirtIODevice *v = &p->vdev;
    VirtQueue *q = vpci_queue(p);
    uint64_t df = p->dfselect < 2 ? v->host_features >> (32 * p->dfselect)
                                  : 0;
    uint64_t gf = p->gfselect < 2 ? v->guest_features >> (32 * p->gfselect)
                                  : 0;

    memset(b, 0, VIRTIO_PCI_COMMON_SIZE);
    st32le(b + VIRTIO_PCI_COMMON_DFSELECT, p->dfselect);
    st32le(b + VIRTIO_PCI_COMMON_DF, (uint32_t)df);
    st32le(b + VIRTIO_PCI_COMMON_GFSELECT, p->gfselect);
    st32le(b + VIRTIO_PCI_COMMON_GF, (uint32_t)gf);
    st16le(b + VIRTIO_PCI_COMMON_MSIX, v->config_vector);
    st16le(b + VIRTIO_PCI_COMMON_NUMQ, (uint16_t)v->vc->nqueues);
    b[VIRTIO_PCI_COMMON_STATUS] = v->status;
    b[VIRTIO_PCI_COMMON_CFGGEN] = v->config_generation;
    st16le(b + VIRTIO_PCI_COMMON_Q_SELECT, p->queue_sel);
    if (!q) {
        return;
    }
    st16le(b + VIRTIO_PCI_COMMON_Q_SIZE, q->num);
    st16le(b + VIRTIO_PCI_COMMON_Q_MSIX, q->vector);
    st16le(b + VIRTIO_PCI_COMMON_Q_ENABLE, q->enabled);
    st16le(b + VIRTIO_PCI_COMMON_Q_NOFF, p->queue_sel);
    st64le(b + VIRTIO_PCI_COMMON_Q_DESCLO, q->desc);
    st64le(b + VIRTIO_PCI_COMMON_Q_AVAILLO, q->avail);
    st64le(b + VIRTIO_PCI_COMMON_Q_USEDLO, q->used);
}

static uint64_t vpci_common_read(VirtIOPCIProxy *p, uint64_t off,
                                 unsigned size)
{
    uint8_t b[VIRTIO_PCI_COMMON_SIZE + 8];
    uint64_t v = 0;

    if (off >= VIRTIO_PCI_COMMON_SIZE) {
        return 0;
    }
    vpci_common_fill(p, b);
    memset(b + VIRTIO_PCI_COMMON_SIZE, 0, 8);
    memcpy(&v, b + off, size);
    return v;
}

/* A queue's size or ring address, while the queue is not enabled. */
static void vpci_queue_write(VirtIOPCIProxy *p, VirtQueue *q, uint64_t off,
                             uint64_t val, unsigned size)
{
    uint64_t *a;

    if (q->enabled) {
        return;
    }
    if (off == VIRTIO_PCI_COMMON_Q_SIZE) {
        if (val && val <= q->num_max && !(val & (val - 1))) {
            q->num = (uint16_t)val;
        }
        return;
    }
    a = off < VIRTIO_PCI_COMMON_Q_AVAILLO ? &q->desc :
        off < VIRTIO_PCI_COMMON_Q_USEDLO ? &q->avail : &q->used;
    if (size == 8) {
        *a = val;
    } else if (off & 4) {
        *a = (*a & 0xffffffffull) | val << 32;
    } else {
        *a = (*a & ~0xffffffffull) | (uint32_t)val;
    }
}

/* Width each common-config field is written with (0: read-only). */
static unsigned vpci_common_width(uint64_t off)
{
    switch (off) {
    case VIRTIO_PCI_COMMON_DFSELECT: case VIRTIO_PCI_COMMON_GFSELECT:
    case VIRTIO_PCI_COMMON_GF:
        return 4;
    case VIRTIO_PCI_COMMON_MSIX: case VIRTIO_PCI_COMMON_Q_SELECT:
    case VIRTIO_PCI_COMMON_Q_SIZE: case VIRTIO_PCI_COMMON_Q_MSIX:
    case VIRTIO_PCI_COMMON_Q_ENABLE:
        return 2;
    case VIRTIO_PCI_COMMON_STATUS:
        return 1;
    }
    if (off >= VIRTIO_PCI_COMMON_Q_DESCLO && off < VIRTIO_PCI_COMMON_SIZE) {
        return (off & 7) ? 4 : 8;    /* dword halves or a whole qword */
    }
    return 0;
}

static void vpci_common_write(VirtIOPCIProxy *p, uint64_t off, uint64_t val,
                              unsigned size)
{
    unsigned w = vpci_common_width(off);
    VirtQueue *q = vpci_queue(p);

    if (!w || (size != w && !(w == 8 && size == 4))) {
        log_mask(p->vdev.log, LOG_GUEST_ERROR, "%s: common config write of "
                 "%u bytes at %#llx ignored\n", p->vdev.vc->name, size,
                 (unsigned long long)off);
        return;
    }
    switch (off) {
    case VIRTIO_PCI_COMMON_DFSELECT: p->dfselect = (uint32_t)val; return;
    case VIRTIO_PCI_COMMON_GFSELECT: p->gfselect = (uint32_t)val; return;
    case VIRTIO_PCI_COMMON_GF:
        virtio_set_guest_features(&p->vdev, p->gfselect, (uint32_t)val);
        return;
    case VIRTIO_PCI_COMMON_MSIX:
        p->vdev.config_vector = vpci_vector(p, (uint16_t)val);
        return;
    case VIRTIO_PCI_COMMON_STATUS: vpci_set_status(p, (uint8_t)val); return;
    case VIRTIO_PCI_COMMON_Q_SELECT: p->queue_sel = (uint16_t)val; return;
    }
    if (!q) {
        return;
    }
    if (off == VIRTIO_PCI_COMMON_Q_MSIX) {
        q->vector = vpci_vector(p, (uint16_t)val);
    } else if (off == VIRTIO_PCI_COMMON_Q_ENABLE) {
        q->enabled |= val == 1;
    } else {
        vpci_queue_write(p, q, off, val, size);
    }
}

/* ---------------------------------------------------- the modern BAR */

static uint64_t vpci_modern_read(void *opaque, uint64_t off, unsigned size)
{
    VirtIOPCIProxy *p = opaque;
    uint64_t rel = off % VIRTIO_PCI_REGION_SIZE;

    switch (off / VIRTIO_PCI_REGION_SIZE) {
    case VIRTIO_PCI_COMMON_OFF / VIRTIO_PCI_REGION_SIZE:
        return vpci_common_read(p, rel, size);
    case VIRTIO_PCI_ISR_OFF / VIRTIO_PCI_REGION_SIZE:
        return rel == 0 ? vpci_read_isr(p) : 0;
    case VIRTIO_PCI_DEVICE_OFF / VIRTIO_PCI_REGION_SIZE:
        return size <= 4 ? virtio_config_read(&p->vdev, (uint32_t)rel, size)
                         : 0;
    }
    return 0;
}

static void vpci_modern_write(void *opaque, uint64_t off, uint64_t val,
                              unsigned size)
{
    VirtIOPCIProxy *p = opaque;
    uint64_t rel = off % VIRTIO_PCI_REGION_SIZE;

    switch (off / VIRTIO_PCI_REGION_SIZE) {
    case VIRTIO_PCI_COMMON_OFF / VIRTIO_PCI_REGION_SIZE:
        vpci_common_write(p, rel, val, size);
        break;
    case VIRTIO_PCI_DEVICE_OFF / VIRTIO_PCI_REGION_SIZE:
        if (size <= 4) {
            virtio_config_write(&p->vdev, (uint32_t)rel, (uint32_t)val, size);
        }
        break;
    case VIRTIO_PCI_NOTIFY_OFF / VIRTIO_PCI_REGION_SIZE:
        if (rel % VIRTIO_PCI_NOTIFY_MULT == 0) {
            vpci_queue_notify(p, (unsigned)(rel / VIRTIO_PCI_NOTIFY_MULT));
        }
        break;
    }
}

static const MemoryRegionOps vpci_modern_ops = {
    .read = vpci_modern_read, .write = vpci_modern_write,
    .min_access = 1, .max_access = 8,
};

/* ---------------------------------------------------- the legacy BAR */

static uint32_t vpci_legacy_reg(VirtIOPCIProxy *p, uint64_t off)
{
    VirtQueue *q = vpci_queue(p);

    switch (off) {
    case VIRTIO_PCI_HOST_FEATURES: return (uint32_t)p->vdev.host_features;
    case VIRTIO_PCI_GUEST_FEATURES: return (uint32_t)p->vdev.guest_features;
    case VIRTIO_PCI_QUEUE_PFN:
        return q ? (uint32_t)(q->desc / VIRTIO_LEGACY_ALIGN) : 0;
    case VIRTIO_PCI_QUEUE_NUM: return q ? q->num : 0;
    case VIRTIO_PCI_QUEUE_SEL: return p->queue_sel;
    case VIRTIO_PCI_STATUS: return p->vdev.status;
    case VIRTIO_PCI_ISR: return vpci_read_isr(p);
    case VIRTIO_MSI_CONFIG_VECTOR: return p->vdev.config_vector;
    case VIRTIO_MSI_QUEUE_VECTOR: return q ? q->vector : VIRTIO_NO_VECTOR;
    }
    return 0;
}

/* Width of each legacy register (0: none there). */
static unsigned vpci_legacy_width(uint64_t off, bool msix)
{
    switch (off) {
    case VIRTIO_PCI_HOST_FEATURES: case VIRTIO_PCI_GUEST_FEATURES:
    case VIRTIO_PCI_QUEUE_PFN:
        return 4;
    case VIRTIO_PCI_QUEUE_NUM: case VIRTIO_PCI_QUEUE_SEL:
    case VIRTIO_PCI_QUEUE_NOTIFY:
        return 2;
    case VIRTIO_PCI_STATUS: case VIRTIO_PCI_ISR:
        return 1;
    case VIRTIO_MSI_CONFIG_VECTOR: case VIRTIO_MSI_QUEUE_VECTOR:
        return msix ? 2 : 0;
    }
    return 0;
}

static uint64_t vpci_legacy_read(void *opaque, uint64_t off, unsigned size)
{
    VirtIOPCIProxy *p = opaque;
    bool msix = msix_enabled(&p->pci);
    unsigned cfg = VIRTIO_PCI_CONFIG_OFF(msix);

    if (off >= cfg) {
        return virtio_config_read(&p->vdev, (uint32_t)(off - cfg), size);
    }
    if (vpci_legacy_width(off, msix) != size) {
        return 0;
    }
    return vpci_legacy_reg(p, off);
}

static void vpci_legacy_reg_write(VirtIOPCIProxy *p, uint64_t off,
                                  uint32_t val)
{
    VirtQueue *q = vpci_queue(p);

    switch (off) {
    case VIRTIO_PCI_GUEST_FEATURES:
        virtio_set_guest_features(&p->vdev, 0, val);
        return;
    case VIRTIO_PCI_QUEUE_SEL: p->queue_sel = (uint16_t)val; return;
    case VIRTIO_PCI_QUEUE_NOTIFY: vpci_queue_notify(p, val & 0xffff); return;
    case VIRTIO_PCI_STATUS: vpci_set_status(p, (uint8_t)val); return;
    case VIRTIO_MSI_CONFIG_VECTOR:
        p->vdev.config_vector = vpci_vector(p, (uint16_t)val);
        return;
    }
    if (q && off == VIRTIO_PCI_QUEUE_PFN) {
        virtqueue_set_legacy_pfn(q, val);
    } else if (q && off == VIRTIO_MSI_QUEUE_VECTOR) {
        q->vector = vpci_vector(p, (uint16_t)val);
    }
}

static void vpci_legacy_write(void *opaque, uint64_t off, uint64_t val,
                              unsigned size)
{
    VirtIOPCIProxy *p = opaque;
    bool msix = msix_enabled(&p->pci);
    unsigned cfg = VIRTIO_PCI_CONFIG_OFF(msix);

    if (off >= cfg) {
        virtio_config_write(&p->vdev, (uint32_t)(off - cfg), (uint32_t)val,
                            size);
        return;
    }
    if (vpci_legacy_width(off, msix) != size) {
        return;
    }
    if (!(p->vdev.status & VIRTIO_STATUS_FEATURES_OK)) {
        p->vdev.legacy = true;      /* a 0.9.5 driver is at work */
    }
    vpci_legacy_reg_write(p, off, (uint32_t)val);
}

static const MemoryRegionOps vpci_legacy_ops = {
    .read = vpci_legacy_read, .write = vpci_legacy_write,
    .min_access = 1, .max_access = 4,
};

/* ---------------------------------------------------- config window */

#define VPCI_CFG_DATA 16         /* pci_cfg_data in the capability */

/* The window's BAR offset and width, or false when it is not usable. */
static bool vpci_cfg_window(VirtIOPCIProxy *p, uint32_t *off, unsigned *len)
{
    const uint8_t *c = p->pci.config + p->cfg_cap;

    *off = pci_get_long(c + 8);
    *len = pci_get_long(c + 12);
    return c[4] == VIRTIO_PCI_MODERN_BAR &&
           (*len == 1 || *len == 2 || *len == 4) &&
           *off % *len == 0 && *off <= VIRTIO_PCI_MODERN_SIZE - *len;
}

static bool vpci_cfg_data_hit(VirtIOPCIProxy *p, uint32_t addr, unsigned len)
{
    uint32_t data = p->cfg_cap + VPCI_CFG_DATA;

    return p->cfg_cap && addr < data + 4 && data < addr + len;
}

static void vpci_config_read(PCIDevice *d, uint32_t addr, unsigned len)
{
    VirtIOPCIProxy *p = vpci_of(d);
    uint32_t off, v = 0;
    unsigned n;

    if (!vpci_cfg_data_hit(p, addr, len)) {
        return;
    }
    if (vpci_cfg_window(p, &off, &n)) {
        v = (uint32_t)vpci_modern_read(p, off, n);
    }
    pci_set_long(d->config + p->cfg_cap + VPCI_CFG_DATA, v);
}

static void vpci_config_write(PCIDevice *d, uint32_t addr, uint32_t val,
                              unsigned len)
{
    VirtIOPCIProxy *p = vpci_of(d);
    uint32_t off;
    unsigned n;

    (void)val;
    if (vpci_cfg_data_hit(p, addr, len) && vpci_cfg_window(p, &off, &n)) {
        uint32_t data = pci_get_long(d->config + p->cfg_cap + VPCI_CFG_DATA);
        vpci_modern_write(p, off, data & (0xffffffffu >> (32 - 8 * n)), n);
    }
}

/* bar, offset, length and data are the driver's to write. */
static int vpci_add_cfg_cap(VirtIOPCIProxy *p, Error *err)
{
    PCIDevice *d = &p->pci;
    int c = pci_add_capability(d, PCI_CAP_ID_VNDR, 0, 20, err);

    if (c < 0) {
        return -1;
    }
    d->config[c + 2] = 20;
    d->config[c + 3] = VIRTIO_PCI_CAP_PCI_CFG;
    d->wmask[c + 4] = 0xff;
    memset(d->wmask + c + 8, 0xff, 12);
    p->cfg_cap = (uint8_t)c;
    return 0;
}

/* ---------------------------------------------------- PCI function */

static int vpci_add_cap(PCIDevice *d, uint8_t type, uint32_t off,
                        uint32_t len, Error *err)
{
    uint8_t size = type == VIRTIO_PCI_CAP_NOTIFY_CFG ? 20 : 16;
    int c = pci_add_capability(d, PCI_CAP_ID_VNDR, 0, size, err);

    if (c < 0) {
        return -1;
    }
    d->config[c + 2] = size;                    /* cap_len */
    d->config[c + 3] = type;                    /* cfg_type */
    d->config[c + 4] = VIRTIO_PCI_MODERN_BAR;   /* bar */
    pci_set_long(d->config + c + 8, off);
    pci_set_long(d->config + c + 12, len);
    if (type == VIRTIO_PCI_CAP_NOTIFY_CFG) {
        pci_set_long(d->config + c + 16, VIRTIO_PCI_NOTIFY_MULT);
    }
    return 0;
}

static uint64_t vpci_legacy_size(const VirtIOPCIProxy *p)
{
    uint64_t need = VIRTIO_PCI_CONFIG_OFF(true) + p->vdev.vc->config_size;
    uint64_t size = 4;

    while (size < need) {
        size <<= 1;
    }
    return size;
}

static int vpci_init(PCIDevice *d, Error *err)
{
    VirtIOPCIProxy *p = vpci_of(d);
    uint32_t notify_len = p->vdev.vc->nqueues * VIRTIO_PCI_NOTIFY_MULT;
    uint64_t lsize = vpci_legacy_size(p);

    memory_region_init_io(&p->legacy_io, "virtio-pci-legacy", lsize,
                          &vpci_legacy_ops, p);
    memory_region_init_io(&p->modern, "virtio-pci-modern",
                          VIRTIO_PCI_MODERN_SIZE, &vpci_modern_ops, p);
    if (pci_register_bar(d, VIRTIO_PCI_LEGACY_BAR, PCI_BAR_IO, lsize,
                         &p->legacy_io, err) < 0 ||
        msix_init_exclusive_bar(d, p->nvectors, VIRTIO_PCI_MSIX_BAR,
                                err) < 0 ||
        pci_register_bar(d, VIRTIO_PCI_MODERN_BAR,
                         PCI_BAR_MEM64 | PCI_BAR_PREFETCH,
                         VIRTIO_PCI_MODERN_SIZE, &p->modern, err) < 0) {
        return -1;
    }
    if (vpci_add_cap(d, VIRTIO_PCI_CAP_COMMON_CFG, VIRTIO_PCI_COMMON_OFF,
                     VIRTIO_PCI_REGION_SIZE, err) < 0 ||
        vpci_add_cap(d, VIRTIO_PCI_CAP_ISR_CFG, VIRTIO_PCI_ISR_OFF,
                     VIRTIO_PCI_REGION_SIZE, err) < 0 ||
        vpci_add_cap(d, VIRTIO_PCI_CAP_DEVICE_CFG, VIRTIO_PCI_DEVICE_OFF,
                     VIRTIO_PCI_REGION_SIZE, err) < 0 ||
        vpci_add_cap(d, VIRTIO_PCI_CAP_NOTIFY_CFG, VIRTIO_PCI_NOTIFY_OFF,
                     notify_len, err) < 0 ||
        vpci_add_cfg_cap(p, err) < 0) {
        return -1;
    }
    return 0;
}

static void vpci_exit(PCIDevice *d)
{
    virtio_cleanup(&vpci_of(d)->vdev);
}

static void vpci_reset(PCIDevice *d)
{
    VirtIOPCIProxy *p = vpci_of(d);

    virtio_reset(&p->vdev);
    p->dfselect = p->gfselect = 0;
    p->queue_sel = 0;
    pci_set_irq(d, 0);
}

/* ---------------------------------------------------- save/load */

static void vpci_save(PCIDevice *d, SaveBuf *s)
{
    VirtIOPCIProxy *p = vpci_of(d);
    VirtIODevice *v = &p->vdev;

    save_u8(s, VIRTIO_PCI_SAVE_VERSION);
    save_u8(s, v->status);
    save_u8(s, v->isr);
    save_u8(s, v->config_generation);
    save_u8(s, (uint8_t)(v->broken | v->legacy << 1));
    save_u64(s, v->guest_features);
    save_u16(s, v->config_vector);
    save_u32(s, p->dfselect);
    save_u32(s, p->gfselect);
    save_u16(s, p->queue_sel);
    for (unsigned i = 0; i < v->vc->nqueues; i++) {
        const VirtQueue *q = &v->vq[i];
        save_u16(s, q->num);
        save_u8(s, (uint8_t)(q->enabled | q->signalled_valid << 1));
        save_u64(s, q->desc);
        save_u64(s, q->avail);
        save_u64(s, q->used);
        save_u16(s, q->vector);
        save_u16(s, q->last_avail);
        save_u16(s, q->used_idx);
        save_u16(s, q->signalled_used);
    }
}

static bool vpci_queue_state_ok(const VirtIOPCIProxy *p, const VirtQueue *q,
                                uint8_t flags)
{
    return q->num && q->num <= q->num_max && !(q->num & (q->num - 1)) &&
           flags < 4 && (q->vector == VIRTIO_NO_VECTOR ||
                         q->vector < p->nvectors);
}

static int vpci_load(PCIDevice *d, SaveBuf *s, Error *err)
{
    VirtIOPCIProxy *p = vpci_of(d);
    VirtIODevice *v = &p->vdev, n = *v;
    VirtIOPCIProxy np = *p;
    uint8_t version = load_u8(s), flags;
    bool ok = version == VIRTIO_PCI_SAVE_VERSION;

    n.status = load_u8(s);
    n.isr = load_u8(s) & 3;
    n.config_generation = load_u8(s);
    flags = load_u8(s);
    n.broken = flags & 1;
    n.legacy = (flags >> 1) & 1;
    n.guest_features = load_u64(s);
    n.config_vector = load_u16(s);
    np.dfselect = load_u32(s);
    np.gfselect = load_u32(s);
    np.queue_sel = load_u16(s);
    ok &= flags < 4 && (!(n.status & VIRTIO_STATUS_FEATURES_OK) ||
                        !(n.guest_features & ~v->host_features)) &&
          (n.config_vector == VIRTIO_NO_VECTOR ||
           n.config_vector < p->nvectors);
    for (unsigned i = 0; i < v->vc->nqueues; i++) {
        VirtQueue *q = &n.vq[i];
        q->num = load_u16(s);
        flags = load_u8(s);
        q->enabled = flags & 1;
        q->signalled_valid = (flags >> 1) & 1;
        q->desc = load_u64(s);
        q->avail = load_u64(s);
        q->used = load_u64(s);
        q->vector = load_u16(s);
        q->last_avail = load_u16(s);
        q->used_idx = load_u16(s);
        q->signalled_used = load_u16(s);
        q->inuse = 0;
        ok &= vpci_queue_state_ok(p, q, flags);
    }
    if (s->error || !ok) {
        return error_setg(err, "%s: bad state", v->vc->name);
    }
    *v = n;
    p->dfselect = np.dfselect;
    p->gfselect = np.gfselect;
    p->queue_sel = np.queue_sel;
    return 0;
}

/* ---------------------------------------------------- realize */

int virtio_pci_realize(Device *dev, const VirtIODeviceClass *vc, Error *err)
{
    VirtIOPCIProxy *p = (VirtIOPCIProxy *)dev;
    Machine *m = dev->machine;
    VirtIOTransport t = { vpci_dma_rw, vpci_notify, &p->pci };

    p->nvectors = vc->nqueues + 1;
    p->info = (PCIDeviceInfo){
        .vendor_id = VIRTIO_PCI_VENDOR,
        .device_id = vc->pci_device_id,
        .revision = vc->pci_device_id >= 0x1040 ? 1 : 0,  /* modern only */
        .subsystem_vendor_id = VIRTIO_PCI_VENDOR,
        .subsystem_id = vc->device_id,
        .class_code = (uint32_t)vc->pci_class << 8,
        .interrupt_pin = 1,
        .init = vpci_init, .exit = vpci_exit, .reset = vpci_reset,
        .config_read = vpci_config_read, .config_write = vpci_config_write,
        .save = vpci_save, .load = vpci_load,
    };
    virtio_init(&p->vdev, vc, t, &m->mem, &m->log);
    if (pci_device_realize(dev, &p->info, err) < 0) {
        virtio_cleanup(&p->vdev);
        return -1;
    }
    return 0;
}
