/*
 * The standard VGA on PCI ("VGA", as QEMU's -vga std): vendor 1234,
 * device 1111, class 0300. BAR 0 is the 16 MiB prefetchable linear
 * framebuffer (the VRAM itself, a RAM region); BAR 2 is 4 KiB of MMIO
 * with the VGA ports 0x3C0-0x3DF at 0x400 and the DISPI registers at
 * 0x500 (register n at 0x500 + 2n, 16 bits). The legacy ports
 * (0x3B0-0x3DF, DISPI at 0x1CE/0x1CF) and the window 0xA0000-0xBFFFF
 * are decoded as well, as on any VGA. The expansion ROM is SeaBIOS's
 * VGA BIOS for this device when it is installed (romfile= overrides).
 *
 * The device registers a console (ui/console.h) whose pictures are
 * rendered from the VGA state on demand.
 */
#include "hw/display/vga-pci.h"

#include <stdlib.h>
#include <unistd.h>

#include "hw/core/devtypes.h"

#define VGA_PCI_MMIO_SIZE   0x1000
#define VGA_PCI_MMIO_IO     0x400
#define VGA_PCI_MMIO_VBE    0x500
#define VGA_DEFAULT_ROM     "/usr/share/seabios/vgabios-stdvga.bin"

static uint64_t vga_mmio_read(void *opaque, uint64_t off, unsigned size)
{
    VGAPCIState *s = opaque;

    if (off >= VGA_PCI_MMIO_IO && off < VGA_PCI_MMIO_IO + 0x20) {
        uint64_t v = 0;
        for (unsigned i = 0; i < size && off + i < VGA_PCI_MMIO_IO + 0x20; i++) {
            uint32_t port = 0x3c0 + (uint32_t)(off + i - VGA_PCI_MMIO_IO);
            v |= (uint64_t)vga_ioport_read(&s->vga, port) << (8 * i);
        }
        return v;
    }
    if (off >= VGA_PCI_MMIO_VBE && off < VGA_PCI_MMIO_VBE + 2 * VBE_DISPI_INDEX_NB) {
        return vga_vbe_read(&s->vga, (uint16_t)((off - VGA_PCI_MMIO_VBE) / 2));
    }
    return 0;
}

static void vga_mmio_write(void *opaque, uint64_t off, uint64_t val,
                           unsigned size)
{
    VGAPCIState *s = opaque;

    if (off >= VGA_PCI_MMIO_IO && off < VGA_PCI_MMIO_IO + 0x20) {
        for (unsigned i = 0; i < size && off + i < VGA_PCI_MMIO_IO + 0x20; i++) {
            uint32_t port = 0x3c0 + (uint32_t)(off + i - VGA_PCI_MMIO_IO);
            vga_ioport_write(&s->vga, port, (uint8_t)(val >> (8 * i)));
        }
    } else if (off >= VGA_PCI_MMIO_VBE &&
               off < VGA_PCI_MMIO_VBE + 2 * VBE_DISPI_INDEX_NB) {
        vga_vbe_write(&s->vga, (uint16_t)((off - VGA_PCI_MMIO_VBE) / 2),
                      (uint16_t)val);
    }
}

static const MemoryRegionOps vga_mmio_ops = {
    .read = vga_mmio_read, .write = vga_mmio_write,
    .min_access = 1, .max_access = 2,
};

static void vga_pci_console_update(void *opaque, Console *con)
{
    VGAPCIState *s = opaque;
    int w, h;

    vga_get_resolution(&s->vga, &w, &h);
    console_resize(con, w, h);
    if (console_width(con) > 0) {
        vga_render(&s->vga, console_data(con), console_stride(con),
                   console_width(con), console_height(con));
    }
}

static void vga_pci_console_refresh(void *opaque, Console *con, int blink,
                                    int *y0, int *y1)
{
    VGAPCIState *s = opaque;
    Machine *m = s->pci.dev.machine;
    int w, h;

    machine_lock(m);
    vga_snapshot_regs(&s->snap, &s->vga, &w, &h);
    pthread_mutex_unlock(&m->lock);
    if (w != console_width(con) || h != console_height(con)) {
        console_resize(con, w, h);
        vga_snapshot_invalidate(&s->snap);
    }
    vga_snapshot_render(&s->snap, s->vga.vram, console_data(con),
                        console_stride(con), console_width(con),
                        console_height(con), (uint8_t)blink, y0, y1);
}

static void vga_pci_map_legacy(VGAPCIState *s, Machine *m)
{
    memory_region_init_io(&s->lowmem, "vga-lowmem", VGA_PLANE_WINDOW,
                          &vga_lowmem_ops, &s->vga);
    memory_region_init_io(&s->ioports, "vga", 0x30, &vga_ioport_ops, &s->vga);
    memory_region_init_io(&s->vbe_ports, "vbe", 3, &vga_vbe_port_ops, &s->vga);
    address_space_map_region(&m->mem, 0xa0000, &s->lowmem, 0, VGA_PLANE_WINDOW,
                             PRIO_IO);
    machine_map_ports(m, 0x3b0, &s->ioports);
    machine_map_ports(m, 0x1ce, &s->vbe_ports);
}

static int vga_pci_init(PCIDevice *d, Error *err)
{
    VGAPCIState *s = (VGAPCIState *)d;
    Machine *m = d->dev.machine;

    uint32_t mb = s->vgamem_mb;

    if (mb < 1 || mb > VGA_VRAM_SIZE >> 20 || (mb & (mb - 1))) {
        return error_setg(err, "vgamem_mb must be 1, 2, 4, 8 or 16");
    }
    vga_init(&s->vga, &m->mem, mb << 20);
    memory_region_init_io(&s->mmio, "vga.mmio", VGA_PCI_MMIO_SIZE,
                          &vga_mmio_ops, s);
    if (pci_register_bar(d, 0, PCI_BAR_MEM32 | PCI_BAR_PREFETCH,
                         mb << 20, &s->vga.vram_mr, err) < 0 ||
        pci_register_bar(d, 2, PCI_BAR_MEM32, VGA_PCI_MMIO_SIZE, &s->mmio,
                         err) < 0) {
        vga_destroy(&s->vga);
        return -1;
    }
    vga_pci_map_legacy(s, m);
    if (!d->romfile && access(VGA_DEFAULT_ROM, R_OK) == 0) {
        d->romfile = xstrdup(VGA_DEFAULT_ROM);
    }
    s->con = console_register(m, "VGA", vga_pci_console_update, s);
    vga_snapshot_init(&s->snap, s->vga.vram_size);
    console_set_refresh(s->con, vga_pci_console_refresh);
    return 0;
}

static void vga_pci_exit(PCIDevice *d)
{
    VGAPCIState *s = (VGAPCIState *)d;
    Machine *m = d->dev.machine;

    console_unregister(m, s->con);
    s->con = NULL;
    vga_snapshot_destroy(&s->snap);
    address_space_unmap_region(&m->mem, &s->lowmem);
    address_space_unmap_region(&m->io, &s->ioports);
    address_space_unmap_region(&m->io, &s->vbe_ports);
    address_space_unmap_region(&m->mem, &s->vga.vram_mr);
    vga_destroy(&s->vga);
}

static void vga_pci_reset(PCIDevice *d)
{
    vga_reset(&((VGAPCIState *)d)->vga);
}

static void vga_pci_save(PCIDevice *d, SaveBuf *sb)
{
    vga_save(&((VGAPCIState *)d)->vga, sb);
}

static int vga_pci_load(PCIDevice *d, SaveBuf *sb, Error *err)
{
    return vga_load(&((VGAPCIState *)d)->vga, sb, err);
}

static const PCIDeviceInfo vga_pci_info = {
    .vendor_id = 0x1234, .device_id = 0x1111, .revision = 0x02,
    .subsystem_vendor_id = 0x1af4, .subsystem_id = 0x1100,
    .class_code = 0x030000,
    .init = vga_pci_init,
    .exit = vga_pci_exit,
    .reset = vga_pci_reset,
    .save = vga_pci_save,
    .load = vga_pci_load,
};

static int vga_pci_realize(Device *dev, Error *err)
{
    return pci_device_realize(dev, &vga_pci_info, err);
}

static const PropDef vga_pci_props[] = {
    PCI_DEVICE_PROPS,
    PROP_DEF_U32("vgamem_mb", VGAPCIState, vgamem_mb, 16,
                 "video memory in MiB (1, 2, 4, 8 or 16)"),
    PROP_DEF_END,
};

const DeviceType vga_pci_type = {
    .name = "VGA",
    .desc = "standard VGA with Bochs VBE extensions (1234:1111)",
    .instance_size = sizeof(VGAPCIState),
    .props = vga_pci_props,
    .user_creatable = true,
    .realize = vga_pci_realize,
    .unrealize = pci_device_unrealize,
    .reset = pci_device_reset,
    .save = pci_device_save,
    .load = pci_device_load,
};

VGAState *vga_pci_state(Device *dev)
{
    return dev && dev->type == &vga_pci_type ? &((VGAPCIState *)dev)->vga
                                              : NULL;
}
