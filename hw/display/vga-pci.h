/*
 * The standard VGA on PCI (vga-pci.c).
 */
#ifndef KITE_VGA_PCI_H
#define KITE_VGA_PCI_H

#include "hw/display/vga.h"
#include "hw/pci/pci.h"
#include "ui/console.h"

typedef struct VGAPCIState {
    PCIDevice pci;
    VGAState vga;
    MemoryRegion mmio, lowmem, ioports, vbe_ports;
    Console *con;
    VGASnapshot snap;            /* the window's copy (vga-refresh.c) */
    uint32_t vgamem_mb;          /* property */
} VGAPCIState;

/* The VGA state of a "VGA" device, or NULL if dev is something else. */
VGAState *vga_pci_state(Device *dev);

#endif
