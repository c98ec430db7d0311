/*
 * Virtio over PCI (VIRTIO 1.1, 4.1) as a transitional device, laid out as
 * QEMU lays it out on the pc machine, so legacy (0.9.5) and modern (1.x)
 * drivers both bind:
 *
 *   BAR0  I/O, the legacy register block (4.1.4.8) and device config
 *   BAR1  MSI-X table and PBA: one vector per queue plus the config one
 *   BAR4  64-bit prefetchable memory, 16 KiB: common config at 0x0000,
 *         ISR at 0x1000, device config at 0x2000, notifications at 0x3000
 *         (queue n at n * 4), each named by a vendor capability
 *
 * IDs: vendor 0x1af4, the transitional device ID of the kind (0x1000
 * net, 0x1001 block, 0x1003 console, 0x1005 rng), subsystem
 * vendor 0x1af4 and subsystem ID = the virtio device ID.
 *
 * Interrupts: with MSI-X enabled, each queue and the config change use
 * the vector the driver assigned (none: no interrupt); otherwise INTA#
 * is asserted with the ISR bit and deasserted when the driver reads ISR.
 *
 * A device kind is a struct starting with VirtIOPCIProxy, a
 * VirtIODeviceClass, and a DeviceType whose realize calls
 * virtio_pci_realize and whose other hooks are the generic PCI ones.
 */
#ifndef KITE_VIRTIO_PCI_H
#define KITE_VIRTIO_PCI_H

#include "hw/pci/pci.h"
#include "hw/virtio/virtio.h"

#define VIRTIO_PCI_VENDOR        0x1af4
#define VIRTIO_PCI_LEGACY_BAR    0
#define VIRTIO_PCI_MSIX_BAR      1
#define VIRTIO_PCI_MODERN_BAR    4
#define VIRTIO_PCI_MODERN_SIZE   0x4000
#define VIRTIO_PCI_COMMON_OFF    0x0000
#define VIRTIO_PCI_ISR_OFF       0x1000
#define VIRTIO_PCI_DEVICE_OFF    0x2000
#define VIRTIO_PCI_NOTIFY_OFF    0x3000
#define VIRTIO_PCI_REGION_SIZE   0x1000
#define VIRTIO_PCI_NOTIFY_MULT   4

/* Vendor capability cfg_type (4.1.4) */
#define VIRTIO_PCI_CAP_COMMON_CFG 1
#define VIRTIO_PCI_CAP_NOTIFY_CFG 2
#define VIRTIO_PCI_CAP_ISR_CFG    3
#define VIRTIO_PCI_CAP_DEVICE_CFG 4
#define VIRTIO_PCI_CAP_PCI_CFG    5

/* Common configuration structure (4.1.4.3) */
#define VIRTIO_PCI_COMMON_DFSELECT  0x00
#define VIRTIO_PCI_COMMON_DF        0x04
#define VIRTIO_PCI_COMMON_GFSELECT  0x08
#define VIRTIO_PCI_COMMON_GF        0x0c
#define VIRTIO_PCI_COMMON_MSIX      0x10
#define VIRTIO_PCI_COMMON_NUMQ      0x12
#define VIRTIO_PCI_COMMON_STATUS    0x14
#define VIRTIO_PCI_COMMON_CFGGEN    0x15
#define VIRTIO_PCI_COMMON_Q_SELECT  0x16
#define VIRTIO_PCI_COMMON_Q_SIZE    0x18
#define VIRTIO_PCI_COMMON_Q_MSIX    0x1a
#define VIRTIO_PCI_COMMON_Q_ENABLE  0x1c
#define VIRTIO_PCI_COMMON_Q_NOFF    0x1e
#define VIRTIO_PCI_COMMON_Q_DESCLO  0x20
#define VIRTIO_PCI_COMMON_Q_DESCHI  0x24
#define VIRTIO_PCI_COMMON_Q_AVAILLO 0x28
#define VIRTIO_PCI_COMMON_Q_AVAILHI 0x2c
#define VIRTIO_PCI_COMMON_Q_USEDLO  0x30
#define VIRTIO_PCI_COMMON_Q_USEDHI  0x34
#define VIRTIO_PCI_COMMON_SIZE      0x38

/* Legacy register block (4.1.4.8) */
#define VIRTIO_PCI_HOST_FEATURES  0
#define VIRTIO_PCI_GUEST_FEATURES 4
#define VIRTIO_PCI_QUEUE_PFN      8
#define VIRTIO_PCI_QUEUE_NUM      12
#define VIRTIO_PCI_QUEUE_SEL      14
#define VIRTIO_PCI_QUEUE_NOTIFY   16
#define VIRTIO_PCI_STATUS         18
#define VIRTIO_PCI_ISR            19
#define VIRTIO_MSI_CONFIG_VECTOR  20
#define VIRTIO_MSI_QUEUE_VECTOR   22
#define VIRTIO_PCI_CONFIG_OFF(msix) ((msix) ? 24 : 20)

typedef struct VirtIOPCIProxy {
    PCIDevice pci;
    VirtIODevice vdev;
    PCIDeviceInfo info;          /* built from the class at realize */
    MemoryRegion legacy_io, modern;
    uint32_t dfselect, gfselect;
    uint16_t queue_sel;
    unsigned nvectors;
    uint8_t cfg_cap;             /* the PCI_CFG capability's offset */
} VirtIOPCIProxy;

/* The realize of every virtio-*-pci type. */
int virtio_pci_realize(Device *dev, const VirtIODeviceClass *vc, Error *err);

#endif
