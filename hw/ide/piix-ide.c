/*
 * The PIIX3's IDE function (00:01.1, 8086:7010; Intel 82371SB data sheet
 * section 2.3 and the SFF-8038i bus master programming interface).
 *
 * Both channels run in compatibility mode: the primary at 0x1F0-0x1F7 /
 * 0x3F6 on ISA IRQ 14, the secondary at 0x170-0x177 / 0x376 on IRQ 15;
 * the function has no PCI interrupt pin, and the PIIX3 ORs the channels'
 * lines with the PIRQs the guest may have routed to the same IRQs. BAR4 (16 I/O ports) is the bus
 * master: per channel a command register (start, direction), a status
 * register (active, error and interrupt, write-1-to-clear; the two
 * "drive DMA capable" bits) and the physical address of the PRD table.
 * IDETIM (0x40-0x43) is read/write storage; its decode-enable bits start
 * set, so a kernel booted without firmware finds both channels.
 *
 * A PRD entry is {base, byte count (0 = 64 KiB), end-of-table bit}; the
 * walk reads at most IDE_MAX_PRD entries per command, and every byte of
 * guest memory goes through pci_dma_rw (refused without bus mastering).
 * A table that ends before the transfer aborts the command with the
 * error bit set; an address outside RAM ends it the same way.
 *
 * Drives come from -drive if=ide (and -hda..-hdd, -cdrom): index N is
 * channel N / 2, unit N % 2. Host I/O runs on the function's I/O thread,
 * started by the first request.
 */
#include "hw/ide/ide.h"

#include <stdlib.h>
#include <string.h>

#include "block/drive.h"
#include "hw/core/devtypes.h"
#include "system/log.h"

#define PIIX_IDE_SAVE_VERSION 1

#define BM_CMD_START   0x01
#define BM_CMD_WRITE   0x08            /* to memory */
#define BM_ST_ACTIVE   0x01
#define BM_ST_ERROR    0x02
#define BM_ST_INT      0x04
#define BM_ST_CAPABLE  0x60

static const uint16_t ide_cmd_base[2] = { 0x1f0, 0x170 };
static const uint16_t ide_ctl_base[2] = { 0x3f6, 0x376 };

/* ------------------------------------------------------------ bus master */

static PCIDevice *bm_pci(IDEBus *bus)
{
    return &bus->ctrl->pci;
}

/* Reads the next PRD entry; false at the end of the table or on error. */
static bool bmdma_next_prd(IDEBus *bus)
{
    BMDMAState *bm = &bus->bm;
    uint8_t e[8];
    uint32_t count;

    if (bm->prd_eot || bm->prd_count >= IDE_MAX_PRD ||
        pci_dma_read(bm_pci(bus), bm->prd_cur, e, sizeof(e)) < 0) {
        return false;
    }
    count = ld16le(e + 4) & 0xfffe;
    bm->prd_phys = ld32le(e) & ~1u;
    bm->prd_left = count ? count : 0x10000;
    bm->prd_eot = e[7] & 0x80;
    bm->prd_cur += 8;
    bm->prd_count++;
    return true;
}

int64_t bmdma_rw(IDEBus *bus, uint8_t *buf, uint32_t len, bool to_mem)
{
    BMDMAState *bm = &bus->bm;
    uint32_t moved = 0;

    while (moved < len) {
        uint32_t n;
        if (!bm->prd_left && !bmdma_next_prd(bus)) {
            break;
        }
        n = MIN(bm->prd_left, len - moved);
        if (pci_dma_rw(bm_pci(bus), bm->prd_phys, buf + moved, n,
                       to_mem) < 0) {
            log_mask(&bus->ctrl->pci.dev.machine->log, LOG_GUEST_ERROR,
                     "ide: DMA to unmapped address %#x\n", bm->prd_phys);
            break;
        }
        moved += n;
        bm->prd_left -= n;
        bm->prd_phys += n;
    }
    return moved;
}

void bmdma_end(IDEBus *bus, bool error)
{
    bus->bm.status &= ~BM_ST_ACTIVE;
    bus->bm.status |= BM_ST_INT | (error ? BM_ST_ERROR : 0);
}

void bmdma_kick(IDEBus *bus)
{
    if (bus->bm.cmd & BM_CMD_START) {
        ide_dma_start(&bus->drive[bus->unit]);
    }
}

static void bmdma_start(IDEBus *bus)
{
    BMDMAState *bm = &bus->bm;

    bm->status |= BM_ST_ACTIVE;
    bm->prd_cur = bm->prd_addr;
    bm->prd_left = bm->prd_count = 0;
    bm->prd_eot = false;
    bmdma_kick(bus);
}

/* The engine stopped under a running command: the command is dropped. */
static void bmdma_stop(IDEBus *bus)
{
    bus->bm.status &= ~BM_ST_ACTIVE;
    for (int i = 0; i < 2; i++) {
        IDEDrive *d = &bus->drive[i];
        if (d->dma_running) {
            d->generation++;
            d->io = IO_NONE;
            d->step = STEP_NONE;
            d->dma = d->dma_running = false;
            d->status = IDE_ST_DRDY | IDE_ST_ERR;
            d->error = IDE_ERR_ABRT;
        }
    }
}

static uint64_t bm_read(void *opaque, uint64_t off, unsigned size)
{
    PIIXIDEState *s = opaque;
    IDEBus *bus = &s->bus[(off >> 3) & 1];
    unsigned reg = off & 7;

    if (reg >= 4) {
        return (bus->bm.prd_addr >> (8 * (reg - 4))) &
               (~0ull >> (64 - 8 * size));
    }
    switch (reg) {
    case 0: return bus->bm.cmd;
    case 2: return bus->bm.status;
    default: return 0;
    }
}

static void bm_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    PIIXIDEState *s = opaque;
    IDEBus *bus = &s->bus[(off >> 3) & 1];
    BMDMAState *bm = &bus->bm;
    unsigned reg = off & 7;

    if (reg >= 4) {
        unsigned sh = 8 * (reg - 4);
        uint32_t mask = (uint32_t)(~0ull >> (64 - 8 * MIN(size, 4 - (reg - 4))))
                        << sh;
        bm->prd_addr = ((bm->prd_addr & ~mask) | ((uint32_t)val << sh & mask))
                       & ~3u;
        return;
    }
    if (reg == 0) {
        uint8_t old = bm->cmd;
        bm->cmd = (uint8_t)val & (BM_CMD_START | BM_CMD_WRITE);
        if (!(old & BM_CMD_START) && (val & BM_CMD_START)) {
            bmdma_start(bus);
        } else if ((old & BM_CMD_START) && !(val & BM_CMD_START)) {
            bmdma_stop(bus);
        }
    } else if (reg == 2) {
        bm->status = (uint8_t)((bm->status & ~BM_ST_CAPABLE) |
                               (val & BM_ST_CAPABLE));
        bm->status &= ~(val & (BM_ST_ERROR | BM_ST_INT));
    }
}

static const MemoryRegionOps bm_ops = {
    .read = bm_read, .write = bm_write, .min_access = 1, .max_access = 4,
};

static const MemoryRegionOps ide_cmd_ops = {
    .read = ide_cmd_read, .write = ide_cmd_write,
    .min_access = 1, .max_access = 4,
};

static const MemoryRegionOps ide_ctl_ops = {
    .read = ide_ctl_read, .write = ide_ctl_write,
    .min_access = 1, .max_access = 1,
};

/* ------------------------------------------------------------ drives */

static void piix_ide_lock(void *opaque)
{
    machine_lock(opaque);
}

static void piix_ide_unlock(void *opaque)
{
    pthread_mutex_unlock(&((Machine *)opaque)->lock);
}

bool piix_ide_start_io(PIIXIDEState *s)
{
    Machine *m = s->pci.dev.machine;
    Error err = { "" };

    if (!s->io_started &&
        iothread_start(&s->io, piix_ide_lock, piix_ide_unlock, m, &err) == 0) {
        s->io_started = true;
    }
    if (!s->io_started) {
        log_mask(&m->log, LOG_GUEST_ERROR, "ide: %s\n", err.msg);
    }
    return s->io_started;
}

static int piix_ide_attach(PIIXIDEState *s, DriveSpec *d, bool *used,
                           Error *err)
{
    int index = d->index;
    BlockBackend *bb;

    if (index < 0) {
        for (index = 0; index < 4 && used[index]; index++) {
        }
    }
    if (index >= 4) {
        return error_setg(err, "-drive %s: no free IDE place (index 0-3)",
                          d->id);
    }
    if (used[index]) {
        return error_setg(err, "-drive %s: IDE index %d is taken", d->id,
                          index);
    }
    if (d->cdrom) {
        d->opts.readonly = true;
    }
    d->opts.snapshot |= s->pci.dev.machine->cfg.snapshot;     /* -snapshot */
    bb = blk_open(&d->opts, err);
    if (!bb) {
        return -1;
    }
    used[index] = true;
    ide_drive_attach(&s->bus[index / 2].drive[index % 2],
                     d->cdrom ? IDE_CD : IDE_HD, bb, d->bootindex);
    snprintf(s->bus[index / 2].drive[index % 2].drive_id,
             sizeof(s->bus[0].drive[0].drive_id), "%s", d->id);
    return 0;
}

static int piix_ide_attach_all(PIIXIDEState *s, Error *err)
{
    const MachineConfig *cfg = &s->pci.dev.machine->cfg;
    bool used[4] = { false };

    for (int pass = 0; pass < 2; pass++) {   /* fixed indexes first */
        for (int i = 0; i < cfg->ndrive_args; i++) {
            DriveSpec d;
            int r = 0;
            if (drive_parse(cfg->drive_args[i], i, &d, err) < 0) {
                return -1;
            }
            if (d.iface == DRIVE_IF_IDE && (d.index >= 0) == (pass == 0)) {
                r = piix_ide_attach(s, &d, used, err);
            }
            drive_spec_free(&d);
            if (r < 0) {
                return -1;
            }
        }
    }
    return 0;
}

int piix_ide_boot_entries(Device *dev, PiixIdeBootEntry *out, int max)
{
    PIIXIDEState *s = (PIIXIDEState *)dev;
    int n = 0;

    for (int b = 0; b < 2; b++) {
        for (int u = 0; u < 2; u++) {
            IDEDrive *d = &s->bus[b].drive[u];
            if (d->kind == IDE_NONE || d->bootindex < 0 || n >= max) {
                continue;
            }
            out[n].bootindex = d->bootindex;
            snprintf(out[n].path, sizeof(out[n].path),
                     "/pci@i0cf8/ide@%x,%x/drive@%x/disk@%x",
                     PCI_SLOT(s->pci.devfn), PCI_FUNC(s->pci.devfn), b, u);
            n++;
        }
    }
    return n;
}

/* ------------------------------------------------------------ PCI */

static int piix_ide_init(PCIDevice *pd, Error *err)
{
    PIIXIDEState *s = (PIIXIDEState *)pd;
    Machine *m = pd->dev.machine;

    for (int reg = 0x40; reg < 0x48; reg++) {
        pd->wmask[reg] = 0xff;
    }
    pd->config[0x41] = pd->config[0x43] = 0x80;   /* IDE decode enable */
    pci_set_word(pd->config + PCI_STATUS, PCI_STATUS_DEVSEL_MEDIUM |
                 PCI_STATUS_FAST_BACK);
    memory_region_init_io(&s->bm_mr, "piix-bmdma", 16, &bm_ops, s);
    if (pci_register_bar(pd, 4, PCI_BAR_IO, 16, &s->bm_mr, err) < 0) {
        return -1;
    }
    for (int i = 0; i < 2; i++) {
        IDEBus *bus = &s->bus[i];
        ide_bus_init(bus, s, i);
        memory_region_init_io(&bus->cmd_mr, "ide", 8, &ide_cmd_ops, bus);
        memory_region_init_io(&bus->ctl_mr, "ide-ctl", 1, &ide_ctl_ops, bus);
        if (machine_map_ports(m, ide_cmd_base[i], &bus->cmd_mr) < 0 ||
            machine_map_ports(m, ide_ctl_base[i], &bus->ctl_mr) < 0) {
            return error_setg(err, "cannot map the IDE ports");
        }
    }
    return piix_ide_attach_all(s, err);
}

static void piix_ide_exit(PCIDevice *pd)
{
    PIIXIDEState *s = (PIIXIDEState *)pd;
    Machine *m = pd->dev.machine;

    if (s->io_started) {
        iothread_stop(&s->io);       /* every request completed first */
        s->io_started = false;
    }
    for (int i = 0; i < 2; i++) {
        address_space_unmap_region(&m->io, &s->bus[i].cmd_mr);
        address_space_unmap_region(&m->io, &s->bus[i].ctl_mr);
        for (int u = 0; u < 2; u++) {
            ide_drive_detach(&s->bus[i].drive[u]);
        }
    }
}

static void piix_ide_reset(PCIDevice *pd)
{
    PIIXIDEState *s = (PIIXIDEState *)pd;

    for (int i = 0; i < 2; i++) {
        ide_bus_reset(&s->bus[i]);
    }
}

static void piix_ide_save(PCIDevice *pd, SaveBuf *sb)
{
    PIIXIDEState *s = (PIIXIDEState *)pd;

    save_u8(sb, PIIX_IDE_SAVE_VERSION);
    for (int i = 0; i < 2; i++) {
        IDEBus *bus = &s->bus[i];
        BMDMAState *bm = &bus->bm;
        save_u8(sb, bus->unit);
        save_u8(sb, bus->devctl);
        save_u8(sb, bus->irq);
        save_u8(sb, bm->cmd);
        save_u8(sb, bm->status);
        save_u8(sb, bm->prd_eot);
        save_u32(sb, bm->prd_addr);
        save_u32(sb, bm->prd_cur);
        save_u32(sb, bm->prd_left);
        save_u32(sb, bm->prd_phys);
        save_u32(sb, bm->prd_count);
        for (int u = 0; u < 2; u++) {
            ide_save_drive(&bus->drive[u], sb);
        }
    }
}

static int piix_ide_load_bus(IDEBus *bus, IDEBus *tmp, SaveBuf *sb,
                             Error *err)
{
    BMDMAState *bm = &tmp->bm;

    *tmp = *bus;
    tmp->unit = load_u8(sb);
    tmp->devctl = load_u8(sb);
    tmp->irq = load_u8(sb);
    bm->cmd = load_u8(sb);
    bm->status = load_u8(sb);
    bm->prd_eot = load_u8(sb);
    bm->prd_addr = load_u32(sb);
    bm->prd_cur = load_u32(sb);
    bm->prd_left = load_u32(sb);
    bm->prd_phys = load_u32(sb);
    bm->prd_count = load_u32(sb);
    if (sb->error || tmp->unit > 1 || bm->prd_left > 0x10000 ||
        bm->prd_count > IDE_MAX_PRD) {
        return error_setg(err, "ide: channel %d state is invalid",
                          bus->index);
    }
    for (int u = 0; u < 2; u++) {
        if (ide_load_drive(&tmp->drive[u], sb, err) < 0) {
            return -1;
        }
    }
    return 0;
}

/* Everything is checked into copies; the device changes only if all is. */
static int piix_ide_load(PCIDevice *pd, SaveBuf *sb, Error *err)
{
    PIIXIDEState *s = (PIIXIDEState *)pd;
    IDEBus tmp[2];
    int r = 0;

    if (load_u8(sb) != PIIX_IDE_SAVE_VERSION) {
        return error_setg(err, "ide: bad state version");
    }
    memset(tmp, 0, sizeof(tmp));
    for (int i = 0; i < 2 && !r; i++) {
        r = piix_ide_load_bus(&s->bus[i], &tmp[i], sb, err);
    }
    for (int i = 0; i < 2; i++) {
        IDEBus *bus = &s->bus[i];
        for (int u = 0; u < 2; u++) {
            IDEDrive *t = &tmp[i].drive[u];
            if (!r) {
                memcpy(t->buf, t->load_data, t->load_len);
            }
            free(t->load_data);
            t->load_data = NULL;
            if (!r) {
                bus->drive[u] = *t;
            }
        }
        if (!r) {
            bus->unit = tmp[i].unit;
            bus->devctl = tmp[i].devctl;
            bus->irq = tmp[i].irq;
            bus->bm = tmp[i].bm;
        }
    }
    return r;
}

/*
 * Every device is loaded: the lines go to the PIIX3 (which ORs them with
 * the PIRQs routed to IRQ 14 and 15), and the host requests that were in
 * flight are issued again.
 */
static void piix_ide_post_load(Device *dev)
{
    PIIXIDEState *s = (PIIXIDEState *)dev;

    for (int i = 0; i < 2; i++) {
        IDEBus *bus = &s->bus[i];
        bus->irq_out = bus->irq && !(bus->devctl & IDE_CTL_NIEN);
        ide_set_isa_irq(s, 14 + i, bus->irq_out);
        for (int u = 0; u < 2; u++) {
            ide_resubmit(&bus->drive[u]);
        }
    }
}

static const PCIDeviceInfo piix_ide_info = {
    .vendor_id = 0x8086, .device_id = 0x7010, .revision = 0x00,
    .class_code = 0x010180,          /* IDE, bus master, legacy channels */
    .init = piix_ide_init,
    .exit = piix_ide_exit,
    .reset = piix_ide_reset,
    .save = piix_ide_save,
    .load = piix_ide_load,
};

static int piix_ide_realize(Device *dev, Error *err)
{
    return pci_device_realize(dev, &piix_ide_info, err);
}

static const PropDef piix_ide_props[] = {
    PCI_DEVICE_PROPS,
    PROP_DEF_END,
};

const DeviceType piix3_ide_type = {
    .name = "piix3-ide",
    .desc = "PIIX3 IDE controller (two channels, bus master DMA)",
    .instance_size = sizeof(PIIXIDEState),
    .props = piix_ide_props,
    .realize = piix_ide_realize,
    .unrealize = pci_device_unrealize,
    .reset = pci_device_reset,
    .save = pci_device_save,
    .load = pci_device_load,
    .post_load = piix_ide_post_load,
};
