/*
 * Message-signalled interrupts of PCI functions (PCI Local Bus
 * Specification 3.0, 6.8): the MSI capability (32- or 64-bit address,
 * 1-32 vectors, optional per-vector masking) and MSI-X (a table of
 * address/data/mask entries and a pending-bit array in a memory BAR, a
 * function mask and an enable bit in the capability).
 *
 * A message is a dword memory write by the function, so it needs bus
 * mastering and goes through pci_dma_rw(); a write that lands in the
 * 0xFEExxxxx window is decoded by msi_deliver() (Intel SDM Vol. 3A
 * 11.11: destination ID in address bits 19:12, destination mode bit 2,
 * vector, delivery mode and trigger mode in the data) and sent to the
 * local APICs. A masked vector sets its pending bit instead and is sent
 * when it is unmasked.
 */
#ifndef KITE_PCI_MSI_H
#define KITE_PCI_MSI_H

#include "hw/pci/pci.h"

#define MSI_WINDOW_BASE 0xfee00000ull
#define MSI_WINDOW_SIZE 0x100000ull

/* MSI capability, offsets from its start */
#define PCI_MSI_FLAGS         2
#define PCI_MSI_FLAGS_ENABLE  0x0001
#define PCI_MSI_FLAGS_QMASK   0x000e   /* log2(vectors capable) << 1 */
#define PCI_MSI_FLAGS_QSIZE   0x0070   /* log2(vectors enabled) << 4 */
#define PCI_MSI_FLAGS_64BIT   0x0080
#define PCI_MSI_FLAGS_MASKBIT 0x0100
#define PCI_MSI_ADDRESS_LO    4
#define PCI_MSI_ADDRESS_HI    8        /* 64-bit only */

/* MSI-X capability, offsets from its start */
#define PCI_MSIX_FLAGS        2
#define PCI_MSIX_FLAGS_QSIZE  0x07ff   /* table size - 1 */
#define PCI_MSIX_FLAGS_MASKALL 0x4000
#define PCI_MSIX_FLAGS_ENABLE 0x8000
#define PCI_MSIX_TABLE        4        /* offset | BIR */
#define PCI_MSIX_PBA          8
#define PCI_MSIX_ENTRY_SIZE   16
#define PCI_MSIX_ENTRY_DATA   8
#define PCI_MSIX_ENTRY_CTRL   12
#define PCI_MSIX_ENTRY_MASKED 0x1
#define PCI_MSIX_MAX_VECTORS  2048

/* Sends an interrupt message to the local APICs (or the in-kernel ones). */
void msi_deliver(Machine *m, uint64_t addr, uint32_t data);

/*
 * Adds an MSI capability at offset (0: anywhere) for nvectors (a power
 * of two, 1-32). Returns 0 or -1 with err set.
 */
int msi_init(PCIDevice *d, uint8_t offset, unsigned nvectors, bool is64,
             bool maskable, Error *err);
bool msi_enabled(const PCIDevice *d);
/* Signals vector (below the number the guest enabled). */
void msi_notify(PCIDevice *d, unsigned vector);

/*
 * MSI-X with its table (at 0) and PBA in a BAR of their own (QEMU's
 * layout: PBA at half the BAR). Returns 0 or -1 with err set.
 */
int msix_init_exclusive_bar(PCIDevice *d, unsigned nvectors, int bar,
                            Error *err);
bool msix_enabled(const PCIDevice *d);
bool msix_is_masked(const PCIDevice *d, unsigned vector);
bool msix_is_pending(const PCIDevice *d, unsigned vector);
void msix_notify(PCIDevice *d, unsigned vector);

/* For pci.c: config writes, reset, save/load, teardown. */
void msi_config_write(PCIDevice *d, uint32_t addr, unsigned len);
void msix_config_write(PCIDevice *d, uint32_t addr, unsigned len);
/* Marks the read-only config bits the device changes (pending bits). */
void msi_state_mask(const PCIDevice *d, uint8_t mask[PCI_CONFIG_SIZE]);
void msix_reset(PCIDevice *d);
void msix_save(PCIDevice *d, SaveBuf *s);
int msix_load(PCIDevice *d, SaveBuf *s, Error *err);
void msix_uninit(PCIDevice *d);

#endif
