/*
 * ATAPI CD-ROM: the PACKET command (ATA/ATAPI-7 volume 2, the packet
 * protocol) and the MMC-5 / SPC-3 commands that Linux's sr driver,
 * SeaBIOS's El Torito boot and installers send.
 *
 * A CDB arrives through the PIO window (12 bytes); its reply is built in
 * the drive's buffer and moves by PIO in chunks of at most the byte count
 * limit the host put in the cylinder registers (each chunk one DRQ and
 * one interrupt, the interrupt reason in the sector count register) or
 * by the bus master when the PACKET command asked for DMA. READ(10)/(12)
 * read up to 64 blocks of 2048 bytes per host request.
 *
 * Every field of a CDB is checked: LBA + count against the medium,
 * allocation lengths cap replies, unknown opcodes and fields are
 * ILLEGAL REQUEST. A new medium gives one UNIT ATTENTION (MEDIUM MAY
 * HAVE CHANGED) to the next command that is not INQUIRY, REQUEST SENSE,
 * GET CONFIGURATION or GET EVENT STATUS NOTIFICATION, and a NEW MEDIA
 * event to GET EVENT STATUS NOTIFICATION. START STOP UNIT never opens
 * the tray (the image stays), PREVENT ALLOW MEDIUM REMOVAL is recorded.
 */
#include "hw/ide/ide.h"

#include "config.h"

#include <string.h>

#define CD_MAX_BLOCKS    (80 * 60 * 75)     /* beyond: a DVD */
#define MMC_PROFILE_CD   0x0008
#define MMC_PROFILE_DVD  0x0010

enum { NEED_MEDIUM = 1, NO_UA = 2 };

static uint64_t atapi_blocks(const IDEDrive *d)
{
    return d->bb ? d->bb->size / ATAPI_SECTOR : 0;
}

static uint16_t atapi_byte_limit(const IDEDrive *d)
{
    uint16_t l = d->byte_limit & ~1u;

    return l ? l : 0xfffe;
}

static void atapi_end_status(IDEDrive *d, uint8_t status)
{
    d->step = STEP_NONE;
    d->dma = d->dma_running = false;
    d->data_pos = d->data_end = d->buf_fill = 0;
    d->status = status;
    d->nsector = (d->nsector & ~7) | ATAPI_IR_IO | ATAPI_IR_COD;
    ide_raise_irq(d);
}

static void atapi_ok(IDEDrive *d)
{
    d->error = 0;
    atapi_end_status(d, IDE_ST_DRDY | IDE_ST_DSC);
}

static void atapi_error(IDEDrive *d, uint8_t key, uint8_t asc)
{
    d->sense_key = key;
    d->asc = asc;
    d->error = (uint8_t)(key << 4);
    atapi_end_status(d, IDE_ST_DRDY | IDE_ST_ERR);
}

/* The next PIO chunk of buf[data_end, buf_fill). */
static void atapi_window(IDEDrive *d)
{
    uint32_t at = d->data_end;
    uint32_t n = MIN((uint32_t)atapi_byte_limit(d), d->buf_fill - at);

    d->lcyl = (uint8_t)n;
    d->hcyl = (uint8_t)(n >> 8);
    d->nsector = (d->nsector & ~7) | ATAPI_IR_IO;
    d->step = STEP_ATAPI_NEXT;
    ide_pio_start(d, at + n, STEP_ATAPI_NEXT, true);
    d->data_pos = MIN(at, d->data_end);
}

/* Sends len bytes of buf, cut to the allocation length alloc. */
static void atapi_reply(IDEDrive *d, uint32_t len, uint32_t alloc)
{
    uint32_t total = MIN(len, alloc);

    d->remaining = 0;
    if (!total) {
        atapi_ok(d);
        return;
    }
    d->atapi_total = total;
    if (d->dma) {
        d->step = STEP_DMA;
        d->status = IDE_ST_DRDY | IDE_ST_DSC | IDE_ST_DRQ;
        bmdma_kick(d->bus);
        return;
    }
    d->buf_fill = total;
    d->data_end = 0;
    atapi_window(d);
}

void atapi_drained(IDEDrive *d)
{
    if (d->data_end < d->buf_fill) {
        atapi_window(d);
    } else if (d->remaining) {
        uint32_t n = MIN(d->remaining, IDE_BUF_SIZE / ATAPI_SECTOR);
        ide_submit(d, IO_READ, d->lba * ATAPI_SECTOR, n * ATAPI_SECTOR);
    } else {
        atapi_ok(d);
    }
}

void atapi_read_done(IDEDrive *d, int ret)
{
    uint32_t n = d->io_len / ATAPI_SECTOR;

    if (ret < 0) {
        if (d->dma) {
            bmdma_end(d->bus, true);
        }
        atapi_error(d, 0x03, 0x11);  /* medium error: unrecovered read */
        return;
    }
    d->lba += n;
    d->remaining -= n;
    d->buf_fill = d->io_len;
    d->data_end = 0;
    atapi_window(d);
}

void atapi_dma_done(IDEDrive *d)
{
    bmdma_end(d->bus, false);
    atapi_ok(d);
}

/* ------------------------------------------------------------ commands */

static void mmc_test_unit_ready(IDEDrive *d)
{
    atapi_ok(d);
}

static void mmc_request_sense(IDEDrive *d)
{
    uint8_t *b = d->buf;

    memset(b, 0, 18);
    b[0] = 0xf0;
    b[2] = d->sense_key;
    b[7] = 10;
    b[12] = d->asc;
    d->sense_key = d->asc = 0;
    atapi_reply(d, 18, d->cdb[4]);
}

static void mmc_inquiry(IDEDrive *d)
{
    uint8_t *b = d->buf;

    if (d->cdb[1] & 1) {             /* no vital product data pages */
        atapi_error(d, SENSE_ILLEGAL_REQUEST, ASC_INVALID_FIELD);
        return;
    }
    memset(b, 0, 36);
    b[0] = 0x05;                     /* CD/DVD device */
    b[1] = 0x80;                     /* removable */
    b[3] = 0x21;
    b[4] = 31;
    memcpy(b + 8, "KITE    ", 8);
    memcpy(b + 16, "KITE DVD-ROM    ", 16);
    memset(b + 32, ' ', 4);
    memcpy(b + 32, KITE_VERSION, MIN(strlen(KITE_VERSION), 4));
    atapi_reply(d, 36, ld16be(d->cdb + 3));
}

static void mmc_read_capacity(IDEDrive *d)
{
    st32be(d->buf, (uint32_t)MIN(atapi_blocks(d) - 1, 0xffffffffull));
    st32be(d->buf + 4, ATAPI_SECTOR);
    atapi_reply(d, 8, 8);
}

static void mmc_read(IDEDrive *d)
{
    bool r12 = d->cdb[0] == 0xa8;
    uint64_t lba = ld32be(d->cdb + 2);
    uint32_t n = r12 ? ld32be(d->cdb + 6) : ld16be(d->cdb + 7);
    uint64_t blocks = atapi_blocks(d);

    if (lba > blocks || n > blocks - lba) {
        atapi_error(d, SENSE_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE);
        return;
    }
    if (!n) {
        atapi_ok(d);
        return;
    }
    d->lba = lba;
    d->remaining = n;
    d->atapi_total = 0;
    if (d->dma) {
        d->dma_write = false;
        d->step = STEP_DMA;
        d->status = IDE_ST_DRDY | IDE_ST_DSC | IDE_ST_DRQ;
        bmdma_kick(d->bus);
        return;
    }
    d->step = STEP_ATAPI_NEXT;
    ide_submit(d, IO_READ, lba * ATAPI_SECTOR,
               MIN(n, IDE_BUF_SIZE / ATAPI_SECTOR) * ATAPI_SECTOR);
}

static void mmc_seek(IDEDrive *d)
{
    if (ld32be(d->cdb + 2) >= atapi_blocks(d)) {
        atapi_error(d, SENSE_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE);
        return;
    }
    atapi_ok(d);
}

/* An address in a TOC: LBA, or MSF (the 2-second lead-in added). */
static void toc_addr(uint8_t *p, uint64_t lba, bool msf)
{
    if (!msf) {
        st32be(p, (uint32_t)lba);
        return;
    }
    lba += 150;
    p[0] = 0;
    p[1] = (uint8_t)MIN(lba / (60 * 75), 255);
    p[2] = (uint8_t)(lba / 75 % 60);
    p[3] = (uint8_t)(lba % 75);
}

static uint32_t toc_track(uint8_t *p, uint8_t track, uint64_t lba, bool msf)
{
    memset(p, 0, 8);
    p[1] = 0x14;                     /* ADR 1, data track */
    p[2] = track;
    toc_addr(p + 4, lba, msf);
    return 8;
}

static void mmc_read_toc(IDEDrive *d)
{
    uint8_t *b = d->buf;
    bool msf = d->cdb[1] & 2;
    unsigned format = d->cdb[2] & 0x0f, track = d->cdb[6];
    uint32_t len = 4;

    if (!format) {
        format = d->cdb[9] >> 6;     /* the older place of the field */
    }
    b[2] = b[3] = 1;                 /* first and last track or session */
    if (format == 0 && (track <= 1 || track == 0xaa)) {
        if (track <= 1) {
            len += toc_track(b + len, 1, 0, msf);
        }
        len += toc_track(b + len, 0xaa, atapi_blocks(d), msf);
    } else if (format == 1) {
        len += toc_track(b + len, 1, 0, msf);
    } else {
        atapi_error(d, SENSE_ILLEGAL_REQUEST, ASC_INVALID_FIELD);
        return;
    }
    st16be(b, (uint16_t)(len - 2));
    atapi_reply(d, len, ld16be(d->cdb + 7));
}

static uint32_t mode_page(IDEDrive *d, uint8_t *p, unsigned page)
{
    if (page == 0x01) {              /* read error recovery */
        memset(p, 0, 8);
        p[0] = 0x01;
        p[1] = 6;
        p[3] = 5;                    /* read retry count */
        return 8;
    }
    memset(p, 0, 22);                /* 0x2a: capabilities */
    p[0] = 0x2a;
    p[1] = 20;
    p[2] = 0x3b;                     /* reads CD-R/RW, DVD-ROM/R/RAM */
    p[4] = 0x71;                     /* audio play, mode 2 forms, multi */
    p[5] = 0xff;
    p[6] = 0x2d | (d->cd_locked ? 0x02 : 0);   /* tray, eject, lock */
    st16be(p + 8, 706);              /* max read speed, kB/s */
    st16be(p + 10, 2);
    st16be(p + 12, 512);
    st16be(p + 14, 706);
    return 22;
}

static void mmc_mode_sense(IDEDrive *d)
{
    uint8_t *b = d->buf;
    unsigned page = d->cdb[2] & 0x3f, pc = d->cdb[2] >> 6;
    uint32_t len = 8;

    if (pc == 3) {
        atapi_error(d, SENSE_ILLEGAL_REQUEST, ASC_SAVING_NOT_SUPPORTED);
        return;
    }
    if (page != 0x01 && page != 0x2a && page != 0x3f) {
        atapi_error(d, SENSE_ILLEGAL_REQUEST, ASC_INVALID_FIELD);
        return;
    }
    memset(b, 0, 8);
    b[2] = 0x70;                     /* medium type: 120 mm, door closed */
    if (page == 0x01 || page == 0x3f) {
        len += mode_page(d, b + len, 0x01);
    }
    if (page == 0x2a || page == 0x3f) {
        len += mode_page(d, b + len, 0x2a);
    }
    st16be(b, (uint16_t)(len - 2));
    atapi_reply(d, len, ld16be(d->cdb + 7));
}

static uint16_t mmc_profile(const IDEDrive *d)
{
    uint64_t blocks = atapi_blocks(d);

    if (!blocks) {
        return 0;
    }
    return blocks > CD_MAX_BLOCKS ? MMC_PROFILE_DVD : MMC_PROFILE_CD;
}

/* Feature descriptor n of GET CONFIGURATION at p; its length. */
static uint32_t mmc_feature(IDEDrive *d, uint8_t *p, unsigned n)
{
    uint16_t cur = mmc_profile(d);

    memset(p, 0, 12);
    st16be(p, (uint16_t)n);
    switch (n) {
    case 0:                          /* profile list */
        p[2] = 0x03;
        p[3] = 8;
        st16be(p + 4, MMC_PROFILE_DVD);
        p[6] = cur == MMC_PROFILE_DVD;
        st16be(p + 8, MMC_PROFILE_CD);
        p[10] = cur == MMC_PROFILE_CD;
        return 12;
    case 1:                          /* core: ATAPI */
        p[2] = 0x0b;
        p[3] = 8;
        st32be(p + 4, 2);
        p[8] = 1;
        return 12;
    default:                         /* 3: removable medium */
        p[2] = 0x03;
        p[3] = 4;
        p[4] = 0x29 | (d->cd_locked ? 0x04 : 0);
        return 8;
    }
}

static void mmc_get_configuration(IDEDrive *d)
{
    static const unsigned features[] = { 0, 1, 3 };
    uint8_t *b = d->buf;
    unsigned rt = d->cdb[1] & 3, start = ld16be(d->cdb + 2);
    uint32_t len = 8;

    if (rt == 3) {
        atapi_error(d, SENSE_ILLEGAL_REQUEST, ASC_INVALID_FIELD);
        return;
    }
    memset(b, 0, 8);
    st16be(b + 6, mmc_profile(d));
    for (size_t i = 0; i < ARRAY_SIZE(features); i++) {
        if (features[i] >= start && (rt != 2 || features[i] == start)) {
            len += mmc_feature(d, b + len, features[i]);
        }
    }
    st32be(b, len - 4);
    atapi_reply(d, len, ld16be(d->cdb + 7));
}

static void mmc_get_event_status(IDEDrive *d)
{
    uint8_t *b = d->buf;
    uint32_t len = 4;

    if (!(d->cdb[1] & 1)) {          /* asynchronous: not supported */
        atapi_error(d, SENSE_ILLEGAL_REQUEST, ASC_INVALID_FIELD);
        return;
    }
    memset(b, 0, 8);
    b[3] = 0x10;                     /* supported classes: media */
    if (d->cdb[4] & 0x10) {
        b[2] = 4;
        b[4] = d->cd_new_media ? 2 : 0;
        b[5] = d->bb ? 0x02 : 0;     /* media present, door closed */
        d->cd_new_media = false;
        len = 8;
    } else {
        b[2] = 0x80;                 /* no event available */
    }
    st16be(b, (uint16_t)(len - 2));
    atapi_reply(d, len, ld16be(d->cdb + 7));
}

static void mmc_start_stop(IDEDrive *d)
{
    bool eject = (d->cdb[4] & 3) == 2;

    if (eject && d->cd_locked) {
        atapi_error(d, SENSE_ILLEGAL_REQUEST, 0x53);   /* removal prevented */
        return;
    }
    atapi_ok(d);
}

static void mmc_prevent_allow(IDEDrive *d)
{
    d->cd_locked = d->cdb[4] & 1;
    atapi_ok(d);
}

static void mmc_read_disc_info(IDEDrive *d)
{
    uint8_t *b = d->buf;

    if (d->cdb[1] & 7) {
        atapi_error(d, SENSE_ILLEGAL_REQUEST, ASC_INVALID_FIELD);
        return;
    }
    memset(b, 0, 34);
    st16be(b, 32);
    b[2] = 0x0e;                     /* finalized, last session complete */
    b[3] = 1;                        /* first track */
    b[4] = 1;                        /* sessions */
    b[5] = 1;                        /* first track of the last session */
    b[6] = 1;                        /* its last track */
    atapi_reply(d, 34, ld16be(d->cdb + 7));
}

static const struct MMCCmd {
    uint8_t op, flags;
    void (*fn)(IDEDrive *d);
} mmc_cmds[] = {
    { 0x00, NEED_MEDIUM, mmc_test_unit_ready },
    { 0x03, NO_UA, mmc_request_sense },
    { 0x12, NO_UA, mmc_inquiry },
    { 0x1b, 0, mmc_start_stop },
    { 0x1e, 0, mmc_prevent_allow },
    { 0x25, NEED_MEDIUM, mmc_read_capacity },
    { 0x28, NEED_MEDIUM, mmc_read },
    { 0xa8, NEED_MEDIUM, mmc_read },
    { 0x2b, NEED_MEDIUM, mmc_seek },
    { 0x43, NEED_MEDIUM, mmc_read_toc },
    { 0x46, NO_UA, mmc_get_configuration },
    { 0x4a, NO_UA, mmc_get_event_status },
    { 0x51, NEED_MEDIUM, mmc_read_disc_info },
    { 0x5a, 0, mmc_mode_sense },
    { 0xbb, 0, mmc_test_unit_ready },          /* SET CD SPEED */
};

void atapi_packet(IDEDrive *d)
{
    const struct MMCCmd *c = NULL;

    memcpy(d->cdb, d->buf, sizeof(d->cdb));
    d->status = IDE_ST_BSY;
    for (size_t i = 0; i < ARRAY_SIZE(mmc_cmds); i++) {
        if (mmc_cmds[i].op == d->cdb[0]) {
            c = &mmc_cmds[i];
        }
    }
    if (!c) {
        atapi_error(d, SENSE_ILLEGAL_REQUEST, ASC_INVALID_OPCODE);
        return;
    }
    if (d->cd_changed && !(c->flags & NO_UA)) {
        d->cd_changed = false;
        atapi_error(d, SENSE_UNIT_ATTENTION, ASC_MEDIUM_MAY_HAVE_CHANGED);
        return;
    }
    if ((c->flags & NEED_MEDIUM) && !d->bb) {
        atapi_error(d, SENSE_NOT_READY, ASC_MEDIUM_NOT_PRESENT);
        return;
    }
    c->fn(d);
}

void atapi_packet_start(IDEDrive *d)
{
    d->dma = d->feature & 1;
    d->dma_write = false;
    d->byte_limit = (uint16_t)(d->hcyl << 8 | d->lcyl);
    d->nsector = (d->nsector & ~7) | ATAPI_IR_COD;
    ide_pio_start(d, sizeof(d->cdb), STEP_PACKET, false);
}

void atapi_identify(IDEDrive *d)
{
    uint16_t w[256] = { 0 };

    w[0] = 0x85c0;                   /* ATAPI, CD-ROM, removable, 12 bytes */
    w[20] = 3; w[21] = 512;
    w[49] = (1 << 11) | (1 << 9) | (1 << 8);
    w[53] = 7;
    w[62] = 7;
    w[63] = 0x07 | ((d->xfer_mode >> 3) == 4 ? 0x100 << (d->xfer_mode & 7)
                                              : 0);
    w[64] = 3;
    w[65] = w[66] = w[67] = w[68] = 120;
    w[71] = 30; w[72] = 30;
    w[80] = 0x1e;
    w[88] = 0x3f | ((d->xfer_mode >> 3) == 8 ? 0x100 << (d->xfer_mode & 7)
                                             : 0);
    for (int i = 0; i < 256; i++) {
        st16le(d->buf + 2 * i, w[i]);
    }
    ide_put_string(d->buf + 20, d->serial, 20);
    ide_put_string(d->buf + 46, KITE_VERSION, 8);
    ide_put_string(d->buf + 54, d->model, 40);
    ide_pio_start(d, IDE_SECTOR, STEP_PIO_DONE, true);
}

void ide_cd_change(IDEDrive *d, BlockBackend *bb)
{
    if (d->bb) {
        blk_close(d->bb);
    }
    d->bb = bb;
    d->nsectors = bb ? bb->size / IDE_SECTOR : 0;
    d->cd_changed = true;
    d->cd_new_media = bb != NULL;
}
