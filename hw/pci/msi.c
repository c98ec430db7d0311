/*
 * MSI and MSI-X (see msi.h).
 */
#include "hw/pci/msi.h"

#include <stdlib.h>
#include <string.h>

#include "hw/intc/intc.h"

struct MSIXState {
    unsigned n;                 /* vectors */
    int bar;
    uint64_t bar_size;
    uint32_t pba_off;
    uint8_t *table;             /* n * 16 bytes */
    uint8_t pba[PCI_MSIX_MAX_VECTORS / 8];
    MemoryRegion mr;
};

void msi_deliver(Machine *m, uint64_t addr, uint32_t data)
{
    uint32_t dest = (addr >> 12) & 0xff;
    int dest_mode = (addr >> 2) & 1;
    int dm = (data >> 8) & 7;
    int trigger = (data >> 15) & 1;

    if (m->accel && m->accel->send_msi && m->accel->has_irqchip &&
        m->accel->has_irqchip(m)) {
        m->accel->send_msi(m, addr, data);
        return;
    }
    if (dm == 3 || dm == 6) {
        return;                 /* reserved delivery modes */
    }
    apic_deliver(m, dest, dest_mode, dm, (uint8_t)data, trigger);
}

/* A dword memory write by the function: bus mastering gates it. */
static void msi_send(PCIDevice *d, uint64_t addr, uint32_t data)
{
    uint8_t buf[4];

    st32le(buf, data);
    pci_dma_write(d, addr, buf, 4);
}

/* ------------------------------------------------------------- MSI */

static uint16_t msi_flags(const PCIDevice *d)
{
    return pci_get_word(d->config + d->msi_cap + PCI_MSI_FLAGS);
}

static unsigned msi_data_off(const PCIDevice *d)
{
    return (msi_flags(d) & PCI_MSI_FLAGS_64BIT) ? 12 : 8;
}

static unsigned msi_mask_off(const PCIDevice *d)
{
    return msi_data_off(d) + 4;
}

int msi_init(PCIDevice *d, uint8_t offset, unsigned nvectors, bool is64,
             bool maskable, Error *err)
{
    unsigned log2n = 0, size = 10 + (is64 ? 4 : 0) + (maskable ? 10 : 0);
    uint8_t *c, *w;
    int cap;

    while ((1u << log2n) < nvectors) {
        log2n++;
    }
    if (!nvectors || nvectors > 32 || (1u << log2n) != nvectors || d->msi_cap) {
        return error_setg(err, "MSI: %u vectors (a power of two, 1-32, once)",
                          nvectors);
    }
    if ((cap = pci_add_capability(d, PCI_CAP_ID_MSI, offset,
                                  (uint8_t)ALIGN_UP(size, 4u), err)) < 0) {
        return -1;
    }
    d->msi_cap = (uint8_t)cap;
    c = d->config + cap;
    w = d->wmask + cap;
    pci_set_word(c + PCI_MSI_FLAGS, (uint16_t)((log2n << 1) |
                 (is64 ? PCI_MSI_FLAGS_64BIT : 0) |
                 (maskable ? PCI_MSI_FLAGS_MASKBIT : 0)));
    pci_set_word(w + PCI_MSI_FLAGS, PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE);
    pci_set_long(w + PCI_MSI_ADDRESS_LO, 0xfffffffc);
    if (is64) {
        pci_set_long(w + PCI_MSI_ADDRESS_HI, 0xffffffff);
    }
    pci_set_word(w + msi_data_off(d), 0xffff);
    if (maskable) {
        pci_set_long(w + msi_mask_off(d), (uint32_t)((1ull << nvectors) - 1));
    }
    return 0;
}

bool msi_enabled(const PCIDevice *d)
{
    return d->msi_cap && (msi_flags(d) & PCI_MSI_FLAGS_ENABLE);
}

static unsigned msi_vectors_enabled(const PCIDevice *d)
{
    uint16_t f = msi_flags(d);
    unsigned cap = (f & PCI_MSI_FLAGS_QMASK) >> 1;
    unsigned en = (f & PCI_MSI_FLAGS_QSIZE) >> 4;

    return 1u << MIN(cap, en);
}

static void msi_send_vector(PCIDevice *d, unsigned vector)
{
    const uint8_t *c = d->config + d->msi_cap;
    uint64_t addr = pci_get_long(c + PCI_MSI_ADDRESS_LO);
    uint32_t data = pci_get_word(c + msi_data_off(d));
    unsigned n = msi_vectors_enabled(d);

    if (msi_flags(d) & PCI_MSI_FLAGS_64BIT) {
        addr |= (uint64_t)pci_get_long(c + PCI_MSI_ADDRESS_HI) << 32;
    }
    msi_send(d, addr, (data & ~(n - 1)) | vector);
}

void msi_notify(PCIDevice *d, unsigned vector)
{
    uint8_t *c = d->config + d->msi_cap;

    if (!msi_enabled(d) || vector >= msi_vectors_enabled(d)) {
        return;
    }
    if (msi_flags(d) & PCI_MSI_FLAGS_MASKBIT) {
        uint32_t mask = pci_get_long(c + msi_mask_off(d));
        if (mask & (1u << vector)) {
            uint32_t pend = pci_get_long(c + msi_mask_off(d) + 4);
            pci_set_long(c + msi_mask_off(d) + 4, pend | (1u << vector));
            return;
        }
    }
    msi_send_vector(d, vector);
}

/* Sends the pending vectors the guest unmasked. */
void msi_config_write(PCIDevice *d, uint32_t addr, unsigned len)
{
    uint8_t *c = d->config + d->msi_cap;
    uint32_t mask, pend;

    if (!msi_enabled(d) || !(msi_flags(d) & PCI_MSI_FLAGS_MASKBIT)) {
        return;
    }
    mask = pci_get_long(c + msi_mask_off(d));
    pend = pci_get_long(c + msi_mask_off(d) + 4);
    for (unsigned v = 0; v < msi_vectors_enabled(d); v++) {
        if ((pend & (1u << v)) && !(mask & (1u << v))) {
            pend &= ~(1u << v);
            pci_set_long(c + msi_mask_off(d) + 4, pend);
            msi_send_vector(d, v);
        }
    }
}

void msi_state_mask(const PCIDevice *d, uint8_t mask[PCI_CONFIG_SIZE])
{
    memset(mask, 0, PCI_CONFIG_SIZE);
    if (d->msi_cap && (msi_flags(d) & PCI_MSI_FLAGS_MASKBIT)) {
        memset(mask + d->msi_cap + msi_mask_off(d) + 4, 0xff, 4);
    }
}

/* ----------------------------------------------------------- MSI-X */

static uint16_t msix_flags(const PCIDevice *d)
{
    return pci_get_word(d->config + d->msix_cap + PCI_MSIX_FLAGS);
}

bool msix_enabled(const PCIDevice *d)
{
    return d->msix && (msix_flags(d) & PCI_MSIX_FLAGS_ENABLE);
}

bool msix_is_masked(const PCIDevice *d, unsigned vector)
{
    const MSIXState *x = d->msix;

    if (!x || vector >= x->n) {
        return true;
    }
    return (msix_flags(d) & PCI_MSIX_FLAGS_MASKALL) ||
           (x->table[vector * PCI_MSIX_ENTRY_SIZE + PCI_MSIX_ENTRY_CTRL] &
            PCI_MSIX_ENTRY_MASKED);
}

bool msix_is_pending(const PCIDevice *d, unsigned vector)
{
    return d->msix && vector < d->msix->n &&
           (d->msix->pba[vector / 8] & (1u << (vector % 8)));
}

static void msix_send_vector(PCIDevice *d, unsigned vector)
{
    const uint8_t *e = d->msix->table + vector * PCI_MSIX_ENTRY_SIZE;

    msi_send(d, ld64le(e), ld32le(e + PCI_MSIX_ENTRY_DATA));
}

void msix_notify(PCIDevice *d, unsigned vector)
{
    if (!msix_enabled(d) || vector >= d->msix->n) {
        return;
    }
    if (msix_is_masked(d, vector)) {
        d->msix->pba[vector / 8] |= 1u << (vector % 8);
        return;
    }
    msix_send_vector(d, vector);
}

/* Sends every pending vector that is no longer masked. */
static void msix_flush_pending(PCIDevice *d)
{
    if (!msix_enabled(d)) {
        return;
    }
    for (unsigned v = 0; v < d->msix->n; v++) {
        if (msix_is_pending(d, v) && !msix_is_masked(d, v)) {
            d->msix->pba[v / 8] &= ~(1u << (v % 8));
            msix_send_vector(d, v);
        }
    }
}

void msix_config_write(PCIDevice *d, uint32_t addr, unsigned len)
{
    uint32_t flags = d->msix_cap + PCI_MSIX_FLAGS;

    if (addr < flags + 2 && flags < addr + len) {
        msix_flush_pending(d);
    }
}

static uint64_t msix_mmio_read(void *opaque, uint64_t off, unsigned size)
{
    PCIDevice *d = opaque;
    MSIXState *x = d->msix;
    uint64_t v = 0;

    if (off + size <= x->n * PCI_MSIX_ENTRY_SIZE) {
        memcpy(&v, x->table + off, size);
    } else if (off >= x->pba_off && off + size - x->pba_off <= sizeof(x->pba)) {
        memcpy(&v, x->pba + (off - x->pba_off), size);
    }
    return v;
}

static void msix_mmio_write(void *opaque, uint64_t off, uint64_t val,
                            unsigned size)
{
    PCIDevice *d = opaque;
    MSIXState *x = d->msix;

    if (off + size > x->n * PCI_MSIX_ENTRY_SIZE) {
        return;                 /* the PBA is read-only */
    }
    memcpy(x->table + off, &val, size);
    if ((off % PCI_MSIX_ENTRY_SIZE) + size > PCI_MSIX_ENTRY_CTRL) {
        msix_flush_pending(d);
    }
}

static const MemoryRegionOps msix_mmio_ops = {
    .read = msix_mmio_read, .write = msix_mmio_write,
    .min_access = 1, .max_access = 8,
};

int msix_init_exclusive_bar(PCIDevice *d, unsigned nvectors, int bar,
                            Error *err)
{
    MSIXState *x;
    uint64_t size = 4096;
    int cap;

    if (!nvectors || nvectors > PCI_MSIX_MAX_VECTORS || d->msix) {
        return error_setg(err, "MSI-X: %u vectors (1-%d, once)", nvectors,
                          PCI_MSIX_MAX_VECTORS);
    }
    while (size / 2 < nvectors * PCI_MSIX_ENTRY_SIZE) {
        size <<= 1;
    }
    if ((cap = pci_add_capability(d, PCI_CAP_ID_MSIX, 0, 12, err)) < 0) {
        return -1;
    }
    x = d->msix = xzalloc(sizeof(*x));
    x->n = nvectors;
    x->bar = bar;
    x->bar_size = size;
    x->pba_off = (uint32_t)(size / 2);
    x->table = xzalloc(nvectors * PCI_MSIX_ENTRY_SIZE);
    d->msix_cap = (uint8_t)cap;
    pci_set_word(d->config + cap + PCI_MSIX_FLAGS, (uint16_t)(nvectors - 1));
    pci_set_word(d->wmask + cap + PCI_MSIX_FLAGS,
                 PCI_MSIX_FLAGS_MASKALL | PCI_MSIX_FLAGS_ENABLE);
    pci_set_long(d->config + cap + PCI_MSIX_TABLE, (uint32_t)bar);
    pci_set_long(d->config + cap + PCI_MSIX_PBA, x->pba_off | (uint32_t)bar);
    memory_region_init_io(&x->mr, "msix", size, &msix_mmio_ops, d);
    msix_reset(d);
    return pci_register_bar(d, bar, PCI_BAR_MEM32, size, &x->mr, err);
}

void msix_reset(PCIDevice *d)
{
    MSIXState *x = d->msix;

    if (!x) {
        return;
    }
    memset(x->table, 0, x->n * PCI_MSIX_ENTRY_SIZE);
    for (unsigned v = 0; v < x->n; v++) {
        x->table[v * PCI_MSIX_ENTRY_SIZE + PCI_MSIX_ENTRY_CTRL] =
            PCI_MSIX_ENTRY_MASKED;
    }
    memset(x->pba, 0, sizeof(x->pba));
}

void msix_save(PCIDevice *d, SaveBuf *s)
{
    MSIXState *x = d->msix;

    save_u32(s, x ? x->n : 0);
    if (x) {
        save_bytes(s, x->table, x->n * PCI_MSIX_ENTRY_SIZE);
        save_bytes(s, x->pba, (x->n + 7) / 8);
    }
}

int msix_load(PCIDevice *d, SaveBuf *s, Error *err)
{
    MSIXState *x = d->msix;
    uint32_t n = load_u32(s);

    if (n != (x ? x->n : 0)) {
        return error_setg(err, "%s: MSI-X state for %u vectors, device has %u",
                          d->dev.type->name, n, x ? x->n : 0);
    }
    if (x) {
        load_bytes(s, x->table, n * PCI_MSIX_ENTRY_SIZE);
        memset(x->pba, 0, sizeof(x->pba));
        load_bytes(s, x->pba, (n + 7) / 8);
    }
    return s->error ? error_setg(err, "%s: truncated MSI-X state",
                                 d->dev.type->name) : 0;
}

void msix_uninit(PCIDevice *d)
{
    if (d->msix) {
        free(d->msix->table);
        free(d->msix);
        d->msix = NULL;
        d->msix_cap = 0;
    }
}
