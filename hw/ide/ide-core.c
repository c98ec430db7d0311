/*
 * The IDE task file and the ATA command set (ATA/ATAPI-7 volume 1 for the
 * commands, volume 2 for the PIO and DMA protocols). See ide.h for the
 * model; atapi.c has the PACKET commands, piix-ide.c the bus master.
 *
 * Sector commands check LBA + count against the disk before anything
 * moves (IDNF otherwise). PIO reads fill buf with up to 256 sectors per
 * host request and hand them out one DRQ block (1 sector, or the
 * multiple count) at a time; PIO writes collect one block, write it,
 * then ask for the next; DMA moves up to IDE_BUF_SIZE per request.
 */
#include "hw/ide/ide.h"

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "hw/core/devtypes.h"
#include "hw/pci/i440fx.h"
#include "system/log.h"

typedef struct IDEReq {
    IOJob job;
    IDEDrive *d;
    uint32_t generation;
    IDEIo io;
    uint64_t off;
    uint32_t len;
    uint8_t *buf;
    int ret;
} IDEReq;

static Machine *ide_machine(IDEDrive *d)
{
    return d->bus->ctrl->pci.dev.machine;
}

static uint32_t ide_unit_size(const IDEDrive *d)
{
    return d->kind == IDE_CD ? ATAPI_SECTOR : IDE_SECTOR;
}

void ide_put_string(uint8_t *dst, const char *src, unsigned len)
{
    size_t n = strlen(src);

    for (unsigned i = 0; i < len; i++) {
        dst[i ^ 1] = i < n ? (uint8_t)src[i] : ' ';
    }
}

/* ------------------------------------------------------------ interrupts */

/* IRQ 14 or 15, ORed in the PIIX3 with the PIRQs routed there. */
void ide_set_isa_irq(PIIXIDEState *s, int irq, int level)
{
    Machine *m = s->pci.dev.machine;
    PCIDevice *isa = m->pci_bus ? pci_bus_find(m->pci_bus, PCI_DEVFN(1, 0))
                                : NULL;

    if (isa && isa->dev.type == &piix3_type) {
        piix3_set_isa_irq((PIIX3State *)isa, irq, level);
    } else {
        irq_set(&m->gsi[irq], level);
    }
}

void ide_update_irq(IDEBus *bus)
{
    bool level = bus->irq && !(bus->devctl & IDE_CTL_NIEN);

    if (level != bus->irq_out) {
        bus->irq_out = level;
        ide_set_isa_irq(bus->ctrl, 14 + bus->index, level);
    }
}

void ide_raise_irq(IDEDrive *d)
{
    IDEBus *bus = d->bus;

    bus->irq = true;
    bus->bm.status |= 0x04;          /* the bus master sees it too */
    ide_update_irq(bus);
}

static void ide_lower_irq(IDEBus *bus)
{
    bus->irq = false;
    ide_update_irq(bus);
}

/* ------------------------------------------------------------ transfers */

static void ide_end_transfer(IDEDrive *d)
{
    d->step = STEP_NONE;
    d->dma = d->dma_running = false;
    d->data_pos = d->data_end = d->buf_fill = 0;
}

void ide_cmd_done(IDEDrive *d)
{
    ide_end_transfer(d);
    d->status = IDE_ST_DRDY | IDE_ST_DSC;
    ide_raise_irq(d);
}

void ide_cmd_abort(IDEDrive *d, uint8_t err)
{
    ide_end_transfer(d);
    d->error = err;
    d->status = IDE_ST_DRDY | IDE_ST_ERR;
    ide_raise_irq(d);
}

void ide_pio_start(IDEDrive *d, uint32_t len, IDEStep step, bool irq)
{
    d->data_pos = 0;
    d->data_end = MIN(len, IDE_BUF_SIZE);
    d->step = step;
    d->status = IDE_ST_DRDY | IDE_ST_DSC | IDE_ST_DRQ;
    if (irq) {
        ide_raise_irq(d);
    }
}

/* Opens the window [at, at + len) of buf. */
static void ide_window(IDEDrive *d, uint32_t at, uint32_t len, bool irq)
{
    ide_pio_start(d, at + len, d->step, irq);
    d->data_pos = MIN(at, d->data_end);
}

/* ------------------------------------------------------------ host I/O */

static void ide_req_work(IOJob *job)
{
    IDEReq *r = (IDEReq *)job;
    BlockBackend *bb = r->d->bb;

    switch (r->io) {
    case IO_READ: r->ret = blk_pread(bb, r->off, r->buf, r->len); break;
    case IO_WRITE: r->ret = blk_pwrite(bb, r->off, r->buf, r->len); break;
    case IO_FLUSH: r->ret = blk_flush(bb); break;
    case IO_NONE: break;
    }
}

static void ide_req_complete(IOJob *job)
{
    IDEReq *r = (IDEReq *)job;
    IDEDrive *d = r->d;

    d->bus->ctrl->inflight--;
    if (r->generation == d->generation && d->io == r->io) {
        if (r->io == IO_READ && !r->ret) {
            memcpy(d->buf, r->buf, r->len);
        }
        d->io = IO_NONE;
        ide_continue(d, r->ret);
    }
    free(r->buf);
    free(r);
}

void ide_submit(IDEDrive *d, IDEIo io, uint64_t off, uint32_t len)
{
    IDEReq *r;

    if (len > IDE_BUF_SIZE || !d->bb || off > d->bb->size ||
        len > d->bb->size - off || !piix_ide_start_io(d->bus->ctrl)) {
        ide_cmd_abort(d, IDE_ERR_ABRT);      /* only a loaded state can */
        return;
    }
    r = xzalloc(sizeof(*r));
    d->io = io;
    d->io_off = off;
    d->io_len = len;
    d->status = IDE_ST_BSY;
    r->job.work = ide_req_work;
    r->job.complete = ide_req_complete;
    r->d = d;
    r->generation = d->generation;
    r->io = io;
    r->off = off;
    r->len = len;
    r->buf = blk_buf_alloc(len ? len : IDE_SECTOR, false);
    if (io == IO_WRITE) {
        memcpy(r->buf, d->buf, len);
    }
    d->bus->ctrl->inflight++;
    iothread_submit(&d->bus->ctrl->io, &r->job);
}

void ide_resubmit(IDEDrive *d)
{
    if (d->io != IO_NONE) {
        ide_submit(d, d->io, d->io_off, d->io_len);
    }
}

/* ------------------------------------------------------------ sectors */

/* Sectors of the next host request of a sector command. */
static uint32_t ide_chunk(const IDEDrive *d)
{
    return MIN(d->remaining, IDE_BUF_SIZE / ide_unit_size(d));
}

static void ide_read_next_chunk(IDEDrive *d)
{
    uint32_t unit = ide_unit_size(d), n = ide_chunk(d);

    ide_submit(d, IO_READ, d->lba * unit, n * unit);
}

/* The DRQ block at the start of a freshly read buffer (or the next). */
static void ide_read_window(IDEDrive *d, uint32_t at)
{
    uint32_t n = MIN(MAX(d->block, 1u), d->remaining);

    ide_window(d, at, MIN(n * IDE_SECTOR, d->buf_fill - at), true);
}

static void ide_read_drained(IDEDrive *d)
{
    uint32_t done = MIN(d->remaining, MAX(d->block, 1u));

    d->lba += done;
    d->remaining -= done;
    if (!d->remaining) {
        ide_end_transfer(d);
        d->status = IDE_ST_DRDY | IDE_ST_DSC;
    } else if (d->data_end < d->buf_fill) {
        ide_read_window(d, d->data_end);
    } else {
        d->status = IDE_ST_BSY;
        ide_read_next_chunk(d);
    }
}

static void ide_write_drained(IDEDrive *d)
{
    ide_submit(d, IO_WRITE, d->lba * IDE_SECTOR, d->data_end);
}

static void ide_write_done(IDEDrive *d)
{
    uint32_t n = d->io_len / IDE_SECTOR;

    d->lba += n;
    d->remaining -= n;
    if (!d->remaining) {
        ide_cmd_done(d);
        return;
    }
    ide_pio_start(d, MIN(MAX(d->block, 1u), d->remaining) * IDE_SECTOR,
                  STEP_WRITE_BLOCK, true);
}

/* ------------------------------------------------------------ DMA */

static void ide_dma_chunk(IDEDrive *d)
{
    IDEBus *bus = d->bus;
    uint32_t unit = ide_unit_size(d), n = ide_chunk(d);

    if (!d->remaining) {             /* an ATAPI reply in buf */
        int64_t moved = bmdma_rw(bus, d->buf, d->atapi_total, true);
        (void)moved;
        atapi_dma_done(d);
        return;
    }
    if (!d->dma_write) {
        ide_submit(d, IO_READ, d->lba * unit, n * unit);
        return;
    }
    if (bmdma_rw(bus, d->buf, n * unit, false) != (int64_t)n * unit) {
        ide_cmd_abort(d, IDE_ERR_ABRT);
        bmdma_end(bus, true);
        return;
    }
    ide_submit(d, IO_WRITE, d->lba * unit, n * unit);
}

void ide_dma_start(IDEDrive *d)
{
    if (d->step != STEP_DMA || d->io != IO_NONE || d->dma_running) {
        return;
    }
    d->dma_running = true;
    d->status = IDE_ST_BSY | IDE_ST_DRDY;
    ide_dma_chunk(d);
}

static void ide_dma_finish(IDEDrive *d)
{
    IDEBus *bus = d->bus;

    if (d->kind == IDE_CD) {
        atapi_dma_done(d);
        return;
    }
    ide_cmd_done(d);
    bmdma_end(bus, false);
}

static void ide_dma_done(IDEDrive *d)
{
    IDEBus *bus = d->bus;
    uint32_t unit = ide_unit_size(d), n = d->io_len / unit;

    if (!d->dma_write &&
        bmdma_rw(bus, d->buf, d->io_len, true) != (int64_t)d->io_len) {
        ide_cmd_abort(d, IDE_ERR_ABRT);      /* the PRD table ran out */
        bmdma_end(bus, true);
        return;
    }
    d->lba += n;
    d->remaining -= n;
    if (d->remaining) {
        ide_dma_chunk(d);
    } else {
        ide_dma_finish(d);
    }
}

/* ------------------------------------------------------------ steps */

static void ide_io_failed(IDEDrive *d)
{
    log_mask(&ide_machine(d)->log, LOG_GUEST_ERROR,
             "ide: host I/O error at byte %llu\n",
             (unsigned long long)d->io_off);
    if (d->kind == IDE_CD) {
        atapi_read_done(d, -1);
        return;
    }
    if (d->dma) {
        bmdma_end(d->bus, true);
    }
    ide_cmd_abort(d, IDE_ERR_UNC);
}

void ide_continue(IDEDrive *d, int ret)
{
    if (ret < 0) {
        ide_io_failed(d);
        return;
    }
    switch (d->step) {
    case STEP_READ_NEXT:
        d->buf_fill = d->io_len;
        ide_read_window(d, 0);
        break;
    case STEP_WRITE_BLOCK: ide_write_done(d); break;
    case STEP_DMA: ide_dma_done(d); break;
    case STEP_ATAPI_NEXT: atapi_read_done(d, ret); break;
    default: ide_cmd_done(d); break;       /* FLUSH */
    }
}

/* The PIO window is empty (reads) or full (writes). */
static void ide_drained(IDEDrive *d)
{
    d->status &= ~IDE_ST_DRQ;
    switch (d->step) {
    case STEP_READ_NEXT: ide_read_drained(d); break;
    case STEP_WRITE_BLOCK: ide_write_drained(d); break;
    case STEP_PACKET: atapi_packet(d); break;
    case STEP_ATAPI_NEXT: atapi_drained(d); break;
    default:
        ide_end_transfer(d);
        d->status = IDE_ST_DRDY | IDE_ST_DSC;
        break;
    }
}

/* ------------------------------------------------------------ address */

static bool ide_lba48(uint8_t cmd)
{
    switch (cmd) {
    case 0x24: case 0x25: case 0x29: case 0x34: case 0x35: case 0x39:
    case 0x42: case 0xea:
        return true;
    }
    return false;
}

/* The command's first sector, or ~0 for a bad CHS address. */
static uint64_t ide_get_lba(const IDEDrive *d, bool lba48)
{
    if (lba48) {
        return (uint64_t)d->hob_hcyl << 40 | (uint64_t)d->hob_lcyl << 32 |
               (uint64_t)d->hob_sector << 24 | (uint64_t)d->hcyl << 16 |
               (uint64_t)d->lcyl << 8 | d->sector;
    }
    if (d->select & 0x40) {
        return (uint64_t)(d->select & 0x0f) << 24 | (uint64_t)d->hcyl << 16 |
               (uint64_t)d->lcyl << 8 | d->sector;
    }
    unsigned cyl = (unsigned)d->hcyl << 8 | d->lcyl, head = d->select & 0x0f;
    if (!d->sector || d->sector > d->cur_secs || head >= d->cur_heads) {
        return ~0ull;
    }
    return ((uint64_t)cyl * d->cur_heads + head) * d->cur_secs +
           d->sector - 1;
}

static uint32_t ide_get_count(const IDEDrive *d, bool lba48)
{
    uint32_t n = lba48 ? (uint32_t)d->hob_nsector << 8 | d->nsector
                       : d->nsector;

    return n ? n : (lba48 ? 65536 : 256);
}

/* Sets lba and remaining; false (IDNF raised) when out of the disk. */
static bool ide_setup_range(IDEDrive *d)
{
    bool lba48 = ide_lba48(d->cmd);
    uint64_t lba = ide_get_lba(d, lba48);
    uint32_t n = ide_get_count(d, lba48);

    if (lba > d->nsectors || n > d->nsectors - lba) {
        log_mask(&ide_machine(d)->log, LOG_GUEST_ERROR,
                 "ide: sectors %llu+%u beyond the disk's %llu\n",
                 (unsigned long long)lba, n,
                 (unsigned long long)d->nsectors);
        ide_cmd_abort(d, IDE_ERR_IDNF | IDE_ERR_ABRT);
        return false;
    }
    d->lba = lba;
    d->remaining = n;
    return true;
}

/* ------------------------------------------------------------ commands */

static void ide_identify(IDEDrive *d)
{
    uint16_t w[256] = { 0 };
    uint64_t lba28 = MIN(d->nsectors, 0x0fffffffull);
    uint32_t cur = (uint32_t)d->cyls * d->cur_heads * d->cur_secs;

    w[0] = 0x0040;
    w[1] = d->cyls; w[3] = d->heads; w[6] = d->secs;
    w[4] = (uint16_t)(IDE_SECTOR * d->secs); w[5] = IDE_SECTOR;
    w[20] = 3; w[21] = IDE_BUF_SIZE / IDE_SECTOR; w[22] = 4;
    w[47] = 0x8000 | IDE_MAX_MULT;
    w[49] = (1 << 11) | (1 << 9) | (1 << 8);     /* IORDY, LBA, DMA */
    w[50] = 0x4000;
    w[51] = w[52] = 0x200;
    w[53] = 7;
    w[54] = d->cyls; w[55] = d->cur_heads; w[56] = d->cur_secs;
    w[57] = (uint16_t)cur; w[58] = (uint16_t)(cur >> 16);
    w[59] = d->mult_sectors ? 0x100 | d->mult_sectors : 0;
    w[60] = (uint16_t)lba28; w[61] = (uint16_t)(lba28 >> 16);
    w[63] = 0x07 | ((d->xfer_mode >> 3) == 4 ? 0x100 << (d->xfer_mode & 7)
                                              : 0);
    w[64] = 0x03;
    w[65] = w[66] = w[67] = w[68] = 120;
    w[80] = 0xf0; w[81] = 0x16;
    w[82] = (1 << 14) | (1 << 5) | (1 << 3);     /* NOP, cache, PM */
    w[83] = (1 << 14) | (1 << 13) | (1 << 12) | (1 << 10);
    w[84] = 1 << 14;
    w[85] = (1 << 14) | (d->write_cache ? 1 << 5 : 0) | (1 << 3);
    w[86] = (1 << 13) | (1 << 12) | (1 << 10);
    w[87] = 1 << 14;
    w[88] = 0x3f | ((d->xfer_mode >> 3) == 8 ? 0x100 << (d->xfer_mode & 7)
                                             : 0);
    w[93] = 1 | (1 << 14) | 0x2000;
    for (int i = 0; i < 4; i++) {
        w[100 + i] = (uint16_t)(d->nsectors >> (16 * i));
    }
    for (int i = 0; i < 256; i++) {
        st16le(d->buf + 2 * i, w[i]);
    }
    ide_put_string(d->buf + 20, d->serial, 20);
    ide_put_string(d->buf + 46, KITE_VERSION, 8);
    ide_put_string(d->buf + 54, d->model, 40);
    ide_pio_start(d, IDE_SECTOR, STEP_PIO_DONE, true);
}

static void cmd_identify(IDEDrive *d)
{
    if (d->kind == IDE_CD) {
        ide_set_signature(d);    /* tells the host to use IDENTIFY PACKET */
        ide_cmd_abort(d, IDE_ERR_ABRT);
        return;
    }
    ide_identify(d);
}

static void cmd_read_pio(IDEDrive *d)
{
    bool multiple = d->cmd == 0xc4 || d->cmd == 0x29;

    if (multiple && !d->mult_sectors) {
        ide_cmd_abort(d, IDE_ERR_ABRT);
        return;
    }
    if (!ide_setup_range(d)) {
        return;
    }
    d->block = multiple ? d->mult_sectors : 1;
    d->step = STEP_READ_NEXT;
    ide_read_next_chunk(d);
}

static void cmd_write_pio(IDEDrive *d)
{
    bool multiple = d->cmd == 0xc5 || d->cmd == 0x39;

    if ((multiple && !d->mult_sectors) || d->bb->readonly) {
        ide_cmd_abort(d, IDE_ERR_ABRT);
        return;
    }
    if (!ide_setup_range(d)) {
        return;
    }
    d->block = multiple ? d->mult_sectors : 1;
    ide_pio_start(d, MIN(d->block, d->remaining) * IDE_SECTOR,
                  STEP_WRITE_BLOCK, false);
}

static void cmd_dma(IDEDrive *d)
{
    bool write = d->cmd == 0xca || d->cmd == 0xcb || d->cmd == 0x35;

    if (write && d->bb->readonly) {
        ide_cmd_abort(d, IDE_ERR_ABRT);
        return;
    }
    if (!ide_setup_range(d)) {
        return;
    }
    d->dma = true;
    d->dma_write = write;
    d->step = STEP_DMA;
    d->status = IDE_ST_DRDY | IDE_ST_DSC | IDE_ST_DRQ;
    bmdma_kick(d->bus);
}

static void cmd_verify(IDEDrive *d)
{
    if (ide_setup_range(d)) {
        ide_cmd_done(d);
    }
}

static void cmd_seek(IDEDrive *d)
{
    uint64_t lba = ide_get_lba(d, false);

    if (lba >= d->nsectors) {
        ide_cmd_abort(d, IDE_ERR_IDNF);
        return;
    }
    ide_cmd_done(d);
}

static void cmd_flush(IDEDrive *d)
{
    d->step = STEP_NONE;
    ide_submit(d, IO_FLUSH, 0, 0);
}

static void cmd_set_multiple(IDEDrive *d)
{
    uint8_t n = d->nsector;

    if (n > IDE_MAX_MULT || (n & (n - 1))) {
        ide_cmd_abort(d, IDE_ERR_ABRT);
        return;
    }
    d->mult_sectors = n;
    ide_cmd_done(d);
}

static void cmd_init_params(IDEDrive *d)
{
    if (!d->nsector) {
        ide_cmd_abort(d, IDE_ERR_ABRT);
        return;
    }
    d->cur_heads = (d->select & 0x0f) + 1;
    d->cur_secs = d->nsector;
    ide_cmd_done(d);
}

static void cmd_set_features(IDEDrive *d)
{
    switch (d->feature) {
    case 0x02: d->write_cache = true; break;
    case 0x82: d->write_cache = false; break;
    case 0x03: {
        uint8_t cls = d->nsector >> 3, mode = d->nsector & 7;
        if ((cls > 1 && cls != 4 && cls != 8) || (cls == 1 && mode > 4) ||
            (cls == 4 && mode > 2) || (cls == 8 && mode > 5)) {
            ide_cmd_abort(d, IDE_ERR_ABRT);
            return;
        }
        d->xfer_mode = d->nsector;
        break;
    }
    case 0x55: case 0xaa: case 0x66: case 0xcc: case 0x05: case 0x85:
        break;                       /* look-ahead, defaults, APM */
    default:
        log_mask(&ide_machine(d)->log, LOG_UNIMP,
                 "ide: SET FEATURES %#x not supported\n", d->feature);
        ide_cmd_abort(d, IDE_ERR_ABRT);
        return;
    }
    ide_cmd_done(d);
}

static void cmd_power(IDEDrive *d)
{
    if (d->cmd == 0xe5) {
        d->nsector = 0xff;           /* active or idle */
    }
    ide_cmd_done(d);
}

static void cmd_diagnose(IDEDrive *d)
{
    IDEBus *bus = d->bus;

    for (int i = 0; i < 2; i++) {
        ide_set_signature(&bus->drive[i]);
        bus->drive[i].error = 0x01;
    }
    d->status = d->kind == IDE_CD ? 0 : IDE_ST_DRDY | IDE_ST_DSC;
    ide_raise_irq(d);
}

static void cmd_device_reset(IDEDrive *d)
{
    ide_drive_reset(d, false);
    ide_set_signature(d);
    d->error = 0x01;
    d->status = 0;
}

static void cmd_recalibrate(IDEDrive *d)
{
    ide_cmd_done(d);
}

enum { ON_HD = 1, ON_CD = 2, ON_BOTH = 3 };

static const struct IDECmd {
    uint8_t op, on;
    void (*fn)(IDEDrive *d);
} ide_cmds[] = {
    { 0x08, ON_CD, cmd_device_reset },
    { 0x10, ON_HD, cmd_recalibrate },
    { 0x20, ON_HD, cmd_read_pio }, { 0x21, ON_HD, cmd_read_pio },
    { 0x24, ON_HD, cmd_read_pio }, { 0x29, ON_HD, cmd_read_pio },
    { 0xc4, ON_HD, cmd_read_pio },
    { 0x30, ON_HD, cmd_write_pio }, { 0x31, ON_HD, cmd_write_pio },
    { 0x34, ON_HD, cmd_write_pio }, { 0x39, ON_HD, cmd_write_pio },
    { 0xc5, ON_HD, cmd_write_pio },
    { 0xc8, ON_HD, cmd_dma }, { 0xc9, ON_HD, cmd_dma },
    { 0x25, ON_HD, cmd_dma }, { 0xca, ON_HD, cmd_dma },
    { 0xcb, ON_HD, cmd_dma }, { 0x35, ON_HD, cmd_dma },
    { 0x40, ON_HD, cmd_verify }, { 0x41, ON_HD, cmd_verify },
    { 0x42, ON_HD, cmd_verify },
    { 0x70, ON_HD, cmd_seek },
    { 0x90, ON_BOTH, cmd_diagnose },
    { 0x91, ON_HD, cmd_init_params },
    { 0xa0, ON_CD, atapi_packet_start },
    { 0xa1, ON_CD, atapi_identify },
    { 0xc6, ON_HD, cmd_set_multiple },
    { 0xe0, ON_BOTH, cmd_power }, { 0xe1, ON_BOTH, cmd_power },
    { 0xe2, ON_BOTH, cmd_power }, { 0xe3, ON_BOTH, cmd_power },
    { 0xe5, ON_BOTH, cmd_power }, { 0xe6, ON_BOTH, cmd_power },
    { 0xe7, ON_HD, cmd_flush }, { 0xea, ON_HD, cmd_flush },
    { 0xec, ON_BOTH, cmd_identify },
    { 0xef, ON_BOTH, cmd_set_features },
};

static void ide_exec(IDEDrive *d, uint8_t op)
{
    unsigned on = d->kind == IDE_CD ? ON_CD : ON_HD;

    if (op >= 0x10 && op <= 0x1f) {
        op = 0x10;                   /* RECALIBRATE's aliases */
    }
    d->cmd = op;
    d->error = 0;
    d->dma = false;
    for (size_t i = 0; i < ARRAY_SIZE(ide_cmds); i++) {
        if (ide_cmds[i].op == op && (ide_cmds[i].on & on)) {
            ide_cmds[i].fn(d);
            return;
        }
    }
    if (op != 0xa0 && op != 0xa1) {      /* probes that find a disk */
        log_mask(&ide_machine(d)->log, LOG_UNIMP,
                 "ide: command %#x not supported on a %s\n", op,
                 d->kind == IDE_CD ? "CD-ROM" : "disk");
    }
    if (d->kind == IDE_CD) {
        ide_set_signature(d);
    }
    ide_cmd_abort(d, IDE_ERR_ABRT);
}

/* ------------------------------------------------------------ registers */

static IDEDrive *ide_cur(IDEBus *bus)
{
    return &bus->drive[bus->unit];
}

static bool ide_bus_empty(const IDEBus *bus)
{
    return bus->drive[0].kind == IDE_NONE && bus->drive[1].kind == IDE_NONE;
}

static uint32_t ide_data_read(IDEDrive *d, unsigned size)
{
    uint32_t v = 0;

    if (!(d->status & IDE_ST_DRQ) || d->step == STEP_WRITE_BLOCK ||
        d->step == STEP_PACKET || d->data_pos >= d->data_end) {
        return size == 4 ? ~0u : 0xffff;
    }
    for (unsigned i = 0; i < size && d->data_pos < d->data_end; i++) {
        v |= (uint32_t)d->buf[d->data_pos++] << (8 * i);
    }
    if (d->data_pos >= d->data_end) {
        ide_drained(d);
    }
    return v;
}

static void ide_data_write(IDEDrive *d, uint32_t v, unsigned size)
{
    if (!(d->status & IDE_ST_DRQ) ||
        (d->step != STEP_WRITE_BLOCK && d->step != STEP_PACKET) ||
        d->data_pos >= d->data_end) {
        return;
    }
    for (unsigned i = 0; i < size && d->data_pos < d->data_end; i++) {
        d->buf[d->data_pos++] = (uint8_t)(v >> (8 * i));
    }
    if (d->data_pos >= d->data_end) {
        ide_drained(d);
    }
}

static uint8_t ide_reg_read(IDEBus *bus, unsigned reg)
{
    IDEDrive *d = ide_cur(bus);
    bool hob = bus->devctl & IDE_CTL_HOB;

    if (ide_bus_empty(bus) && reg != 6) {
        return 0;
    }
    switch (reg) {
    case 1: return hob ? d->hob_feature : d->error;
    case 2: return hob ? d->hob_nsector : d->nsector;
    case 3: return hob ? d->hob_sector : d->sector;
    case 4: return hob ? d->hob_lcyl : d->lcyl;
    case 5: return hob ? d->hob_hcyl : d->hcyl;
    case 6: return d->select;
    default:
        if (d->kind == IDE_NONE) {
            return 0;
        }
        ide_lower_irq(bus);
        return d->status;
    }
}

uint64_t ide_cmd_read(void *opaque, uint64_t off, unsigned size)
{
    IDEBus *bus = opaque;

    if (off == 0) {
        IDEDrive *d = ide_cur(bus);
        return d->kind == IDE_NONE ? (size == 4 ? ~0u : 0xffff)
                                   : ide_data_read(d, size == 4 ? 4 : 2);
    }
    return ide_reg_read(bus, (unsigned)off & 7);
}

/* A task-file byte reaches both drives; the old value goes to HOB. */
static void ide_tf_write(IDEDrive *d, unsigned reg, uint8_t v)
{
    switch (reg) {
    case 1: d->hob_feature = d->feature; d->feature = v; break;
    case 2: d->hob_nsector = d->nsector; d->nsector = v; break;
    case 3: d->hob_sector = d->sector; d->sector = v; break;
    case 4: d->hob_lcyl = d->lcyl; d->lcyl = v; break;
    case 5: d->hob_hcyl = d->hcyl; d->hcyl = v; break;
    case 6: d->select = v | 0xa0; break;
    }
}

static void ide_command(IDEBus *bus, uint8_t op)
{
    IDEDrive *d = ide_cur(bus);

    if (d->kind == IDE_NONE) {
        return;                      /* nobody answers */
    }
    if ((d->status & IDE_ST_BSY) || d->io != IO_NONE) {
        return;                      /* ignored while busy */
    }
    if (op == 0x90) {                /* both drives run the diagnostic */
        ide_end_transfer(&bus->drive[0]);
        ide_end_transfer(&bus->drive[1]);
    }
    ide_lower_irq(bus);
    ide_end_transfer(d);
    ide_exec(d, op);
}

void ide_cmd_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    IDEBus *bus = opaque;
    unsigned reg = (unsigned)off & 7;

    if (reg == 0) {
        ide_data_write(ide_cur(bus), (uint32_t)val, size == 4 ? 4 : 2);
        return;
    }
    if (reg == 7) {
        ide_command(bus, (uint8_t)val);
        return;
    }
    bus->devctl &= ~IDE_CTL_HOB;
    for (int i = 0; i < 2; i++) {
        ide_tf_write(&bus->drive[i], reg, (uint8_t)val);
    }
    if (reg == 6) {
        bus->unit = (val >> 4) & 1;
    }
}

uint64_t ide_ctl_read(void *opaque, uint64_t off, unsigned size)
{
    IDEBus *bus = opaque;
    IDEDrive *d = ide_cur(bus);

    if (ide_bus_empty(bus) || d->kind == IDE_NONE) {
        return 0;
    }
    return d->status;                /* alternate status: no side effect */
}

void ide_ctl_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    IDEBus *bus = opaque;
    uint8_t old = bus->devctl, v = (uint8_t)val;

    bus->devctl = v;
    if (!(old & IDE_CTL_SRST) && (v & IDE_CTL_SRST)) {
        for (int i = 0; i < 2; i++) {
            ide_drive_reset(&bus->drive[i], true);
            bus->drive[i].status = IDE_ST_BSY | IDE_ST_DSC;
        }
    } else if ((old & IDE_CTL_SRST) && !(v & IDE_CTL_SRST)) {
        for (int i = 0; i < 2; i++) {
            IDEDrive *d = &bus->drive[i];
            ide_set_signature(d);
            d->error = 0x01;
            d->status = d->kind == IDE_CD ? 0 : IDE_ST_DRDY | IDE_ST_DSC;
        }
        bus->unit = 0;
    }
    ide_update_irq(bus);
}

/* ------------------------------------------------------------ reset */

void ide_set_signature(IDEDrive *d)
{
    d->select &= 0xf0;
    d->nsector = 1;
    d->sector = 1;
    if (d->kind == IDE_CD) {
        d->lcyl = 0x14;
        d->hcyl = 0xeb;
    } else {
        d->lcyl = 0;
        d->hcyl = 0;
    }
}

/* Cancels what the drive was doing; srst keeps the feature settings. */
void ide_drive_reset(IDEDrive *d, bool srst)
{
    d->generation++;
    d->io = IO_NONE;
    ide_end_transfer(d);
    d->cmd = 0;
    d->feature = d->hob_feature = 0;
    d->hob_nsector = d->hob_sector = d->hob_lcyl = d->hob_hcyl = 0;
    d->select = 0xa0;
    d->error = 0x01;
    d->mult_sectors = IDE_MAX_MULT;
    if (!srst) {
        d->cur_heads = d->heads;
        d->cur_secs = d->secs;
        d->write_cache = true;
        d->xfer_mode = 0;
        d->sense_key = d->asc = 0;
        d->cd_locked = false;
    }
    ide_set_signature(d);
    d->status = d->kind == IDE_CD ? 0 : IDE_ST_DRDY | IDE_ST_DSC;
}

void ide_bus_reset(IDEBus *bus)
{
    for (int i = 0; i < 2; i++) {
        ide_drive_reset(&bus->drive[i], false);
    }
    bus->unit = 0;
    bus->devctl = 0;
    bus->irq = false;
    memset(&bus->bm, 0, sizeof(bus->bm));
    ide_update_irq(bus);
}

void ide_bus_init(IDEBus *bus, PIIXIDEState *ctrl, int index)
{
    bus->ctrl = ctrl;
    bus->index = index;
    for (int i = 0; i < 2; i++) {
        IDEDrive *d = &bus->drive[i];
        d->bus = bus;
        d->unit = i;
        d->bootindex = -1;
        d->buf = xzalloc(IDE_BUF_SIZE);
        ide_drive_reset(d, false);
    }
}

/* Default CHS geometry of a disk of n sectors (16 heads, 63 sectors). */
static void ide_geometry(IDEDrive *d)
{
    uint64_t cyls = d->nsectors / (16 * 63);

    d->heads = 16;
    d->secs = 63;
    d->cyls = (uint16_t)MAX(1, MIN(cyls, 16383));
}

void ide_drive_attach(IDEDrive *d, IDEKind kind, BlockBackend *bb,
                      int bootindex)
{
    d->kind = kind;
    d->bb = bb;
    d->bootindex = bootindex;
    d->nsectors = bb ? bb->size / IDE_SECTOR : 0;
    snprintf(d->serial, sizeof(d->serial), "KT%05d",
             d->bus->index * 2 + d->unit + 1);
    snprintf(d->model, sizeof(d->model), "%s",
             kind == IDE_CD ? "KITE DVD-ROM" : "KITE HARDDISK");
    ide_geometry(d);
    d->cd_changed = kind == IDE_CD && bb;
    d->cd_new_media = d->cd_changed;
    ide_drive_reset(d, false);
}

void ide_drive_detach(IDEDrive *d)
{
    blk_close(d->bb);
    d->bb = NULL;
    free(d->buf);
    d->buf = NULL;
}

/* ------------------------------------------------------------ state */

#define IDE_DRIVE_SAVE_VERSION 1

/* The bytes of buf a transfer may still use (the rest is not saved). */
static uint32_t ide_buf_live(const IDEDrive *d)
{
    uint32_t n = MAX(d->data_end, d->buf_fill);

    if (d->io == IO_WRITE) {
        n = MAX(n, d->io_len);
    }
    if (d->step == STEP_DMA) {
        n = MAX(n, d->atapi_total);
    }
    return MIN(n, IDE_BUF_SIZE);
}

void ide_save_drive(IDEDrive *d, SaveBuf *s)
{
    uint8_t regs[] = {
        d->feature, d->nsector, d->sector, d->lcyl, d->hcyl, d->select,
        d->hob_feature, d->hob_nsector, d->hob_sector, d->hob_lcyl,
        d->hob_hcyl, d->status, d->error, d->mult_sectors, d->xfer_mode,
        d->write_cache, d->cmd, d->step, d->dma, d->dma_write,
        d->dma_running, d->io, d->sense_key, d->asc, d->cd_changed,
        d->cd_new_media, d->cd_locked,
    };

    save_u8(s, IDE_DRIVE_SAVE_VERSION);
    save_bytes(s, regs, sizeof(regs));
    save_u16(s, d->cur_heads);
    save_u16(s, d->cur_secs);
    save_u64(s, d->lba);
    save_u32(s, d->remaining);
    save_u32(s, d->block);
    save_u32(s, d->data_pos);
    save_u32(s, d->data_end);
    save_u32(s, d->buf_fill);
    save_u64(s, d->io_off);
    save_u32(s, d->io_len);
    save_bytes(s, d->cdb, sizeof(d->cdb));
    save_u16(s, d->byte_limit);
    save_u32(s, d->atapi_total);
    save_u32(s, ide_buf_live(d));
    save_bytes(s, d->buf, ide_buf_live(d));
}

/* Whether the loaded transfer state is one this drive could be in. */
static bool ide_load_valid(const IDEDrive *d, const uint8_t *r,
                           uint64_t lba, uint32_t rem, uint32_t block,
                           const uint32_t *win, uint64_t io_off,
                           uint32_t io_len)
{
    uint32_t unit = ide_unit_size(d);
    uint64_t units = d->kind == IDE_CD ? d->nsectors / 4 : d->nsectors;

    return r[17] <= STEP_DMA && r[21] <= IO_FLUSH &&
           r[13] <= IDE_MAX_MULT && block <= IDE_MAX_MULT &&
           win[0] <= win[1] && win[1] <= IDE_BUF_SIZE &&
           win[2] <= IDE_BUF_SIZE && io_len <= IDE_BUF_SIZE &&
           io_len % IDE_SECTOR == 0 &&
           (r[21] == IO_NONE ||
            (d->bb && io_off <= d->bb->size - io_len)) &&
           lba <= units && rem <= units - lba && unit;
}

int ide_load_drive(IDEDrive *d, SaveBuf *s, Error *err)
{
    uint8_t r[27], cdb[12];
    uint16_t heads, secs, limit;
    uint64_t lba, io_off;
    uint32_t rem, block, win[3], io_len, total, live;

    if (load_u8(s) != IDE_DRIVE_SAVE_VERSION) {
        return error_setg(err, "ide: bad drive state version");
    }
    load_bytes(s, r, sizeof(r));
    heads = load_u16(s);
    secs = load_u16(s);
    lba = load_u64(s);
    rem = load_u32(s);
    block = load_u32(s);
    win[0] = load_u32(s);
    win[1] = load_u32(s);
    win[2] = load_u32(s);
    io_off = load_u64(s);
    io_len = load_u32(s);
    load_bytes(s, cdb, sizeof(cdb));
    limit = load_u16(s);
    total = load_u32(s);
    live = load_u32(s);
    if (s->error || live > IDE_BUF_SIZE || s->pos + live > s->len ||
        !ide_load_valid(d, r, lba, rem, block, win, io_off, io_len) ||
        total > IDE_BUF_SIZE || heads > 16 || secs > 255 ||
        (d->kind == IDE_NONE && (r[17] || r[21]))) {
        return error_setg(err, "ide: drive %d.%d state is invalid",
                          d->bus->index, d->unit);
    }
    d->feature = r[0]; d->nsector = r[1]; d->sector = r[2];
    d->lcyl = r[3]; d->hcyl = r[4]; d->select = r[5];
    d->hob_feature = r[6]; d->hob_nsector = r[7]; d->hob_sector = r[8];
    d->hob_lcyl = r[9]; d->hob_hcyl = r[10];
    d->status = r[11]; d->error = r[12]; d->mult_sectors = r[13];
    d->xfer_mode = r[14]; d->write_cache = r[15]; d->cmd = r[16];
    d->step = (IDEStep)r[17]; d->dma = r[18]; d->dma_write = r[19];
    d->dma_running = r[20]; d->io = (IDEIo)r[21];
    d->sense_key = r[22]; d->asc = r[23]; d->cd_changed = r[24];
    d->cd_new_media = r[25]; d->cd_locked = r[26];
    d->cur_heads = heads; d->cur_secs = secs;
    d->lba = lba; d->remaining = rem; d->block = block;
    d->data_pos = win[0]; d->data_end = win[1]; d->buf_fill = win[2];
    d->io_off = io_off; d->io_len = io_len;
    memcpy(d->cdb, cdb, sizeof(cdb));
    d->byte_limit = limit;
    d->atapi_total = total;
    d->load_data = xmalloc(MAX(live, 1u));
    d->load_len = live;
    load_bytes(s, d->load_data, live);
    if (ide_buf_live(d) != live) {
        return error_setg(err, "ide: drive %d.%d buffer length is invalid",
                          d->bus->index, d->unit);
    }
    d->generation++;                 /* requests from before are stale */
    return 0;
}
