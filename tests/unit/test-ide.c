/*
 * Unit tests for the PIIX3 IDE function (hw/ide/): the task file, ATA
 * commands over PIO and bus-master DMA (LBA28, LBA48, CHS, multiple
 * mode), interrupts and nIEN, SRST signatures, the ATAPI commands of a
 * CD-ROM with media change, save/load in the middle of a transfer, and
 * hostile input (out-of-range sectors, short or unmapped PRD tables,
 * bad CDB fields, corrupt state streams).
 *
 * The machine: i440FX, PIIX3 and piix3-ide at 00:01.1 with a 4 MiB disk
 * at index 0 and a 1 MiB CD at index 2, both temporary files whose byte
 * at offset o is (o / 512 + o % 251) & 0xff. Port accesses hold the
 * machine lock as a vCPU does; a test waits for the I/O thread with
 * iothread_drain.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "block/drive.h"
#include "hw/core/devtypes.h"
#include "hw/ide/ide.h"
#include "system/monitor-int.h"

#define RAM        (16 * MiB)
#define HD_SIZE    (4 * MiB)
#define CD_SIZE    (1 * MiB)
#define BM_BASE    0xc000
#define PRD_TABLE  0x1000
#define DATA       0x100000
#define P          0x1f0        /* primary channel */
#define S          0x170        /* secondary */

typedef struct Fx {
    Machine m;
    Device *root;
    PIIXIDEState *ide;
    int level[PC_NUM_GSI];
    char hd[64], cd[64], cd2[64];
    char *args[2];
} Fx;

static uint8_t pattern(uint64_t o)
{
    return (uint8_t)(o / 512 + o % 251);
}

static void make_file(const char *path, uint64_t size)
{
    FILE *f = fopen(path, "wb");

    assert_non_null(f);
    for (uint64_t o = 0; o < size; o++) {
        fputc(pattern(o), f);
    }
    fclose(f);
}

static void fx_irq(void *opaque, int n, int level)
{
    ((Fx *)opaque)->level[n] = level;
}

static int setup(void **state)
{
    Fx *f = xzalloc(sizeof(*f));
    Error err = { "" };

    snprintf(f->hd, sizeof(f->hd), "/tmp/kite-ide-hd-%d.img", (int)getpid());
    snprintf(f->cd, sizeof(f->cd), "/tmp/kite-ide-cd-%d.iso", (int)getpid());
    snprintf(f->cd2, sizeof(f->cd2), "/tmp/kite-ide-cd2-%d.iso",
             (int)getpid());
    make_file(f->hd, HD_SIZE);
    make_file(f->cd, CD_SIZE);
    make_file(f->cd2, 2 * CD_SIZE);
    f->args[0] = xasprintf("file=%s,if=ide,index=0", f->hd);
    f->args[1] = xasprintf("file=%s,media=cdrom,index=2", f->cd);
    pthread_mutex_init(&f->m.lock, NULL);
    log_init(&f->m.log);
    timerlist_init(&f->m.timers);
    f->m.cfg.smp = 1;
    f->m.cfg.drive_args[0] = f->args[0];
    f->m.cfg.drive_args[1] = f->args[1];
    f->m.cfg.ndrive_args = 2;
    assert_int_equal(machine_init_memory(&f->m, RAM, &err), 0);
    for (int i = 0; i < PC_NUM_GSI; i++) {
        f->m.gsi[i] = (IrqLine){ fx_irq, f, i };
    }
    f->root = device_new(&f->m, &machine_root_type, NULL, "pc");
    f->root->realized = true;
    assert_non_null(device_create(&f->m, "i440FX", f->root, "", &err));
    assert_non_null(device_create(&f->m, "PIIX3", f->root, "addr=1", &err));
    f->ide = (PIIXIDEState *)device_create(&f->m, "piix3-ide", f->root,
                                           "addr=1.1", &err);
    if (!f->ide) {
        fail_msg("piix3-ide: %s", err.msg);
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    Fx *f = *state;

    device_destroy(f->root);
    machine_destroy_memory(&f->m);
    unlink(f->hd);
    unlink(f->cd);
    unlink(f->cd2);
    free(f->args[0]);
    free(f->args[1]);
    free(f);
    return 0;
}

/* ------------------------------------------------------------ helpers */

static void outp(Fx *f, uint16_t port, uint32_t v, unsigned size)
{
    pthread_mutex_lock(&f->m.lock);
    address_space_st(&f->m.io, port, v, size);
    pthread_mutex_unlock(&f->m.lock);
}

static uint32_t inp(Fx *f, uint16_t port, unsigned size)
{
    uint32_t v;

    pthread_mutex_lock(&f->m.lock);
    v = (uint32_t)address_space_ld(&f->m.io, port, size);
    pthread_mutex_unlock(&f->m.lock);
    return v;
}

static void drain(Fx *f)
{
    if (f->ide->io_started) {
        iothread_drain(&f->ide->io);
    }
}

static void cfg_write(Fx *f, unsigned reg, uint32_t v, unsigned size)
{
    outp(f, 0xcf8, 0x80000000u | (PCI_DEVFN(1, 1) << 8) | (reg & 0xfc), 4);
    outp(f, 0xcfc + (reg & 3), v, size);
}

static uint32_t cfg_read(Fx *f, unsigned reg, unsigned size)
{
    outp(f, 0xcf8, 0x80000000u | (PCI_DEVFN(1, 1) << 8) | (reg & 0xfc), 4);
    return inp(f, 0xcfc + (reg & 3), size);
}

static void bm_enable(Fx *f)
{
    cfg_write(f, 0x20, BM_BASE, 4);
    cfg_write(f, PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MASTER, 2);
}

/* Issues cmd with an LBA28 address (device bits 3:0 from lba 27:24). */
static void ata_cmd28(Fx *f, uint16_t base, int dev, uint8_t cmd,
                      uint32_t lba, uint8_t count)
{
    outp(f, base + 6, 0xe0 | (dev << 4) | ((lba >> 24) & 0xf), 1);
    outp(f, base + 2, count, 1);
    outp(f, base + 3, lba & 0xff, 1);
    outp(f, base + 4, (lba >> 8) & 0xff, 1);
    outp(f, base + 5, (lba >> 16) & 0xff, 1);
    outp(f, base + 7, cmd, 1);
    drain(f);
}

static void ata_cmd48(Fx *f, uint8_t cmd, uint64_t lba, uint16_t count)
{
    outp(f, P + 6, 0x40, 1);
    outp(f, P + 2, count >> 8, 1);
    outp(f, P + 3, (lba >> 24) & 0xff, 1);
    outp(f, P + 4, (lba >> 32) & 0xff, 1);
    outp(f, P + 5, (lba >> 40) & 0xff, 1);
    outp(f, P + 2, count & 0xff, 1);
    outp(f, P + 3, lba & 0xff, 1);
    outp(f, P + 4, (lba >> 8) & 0xff, 1);
    outp(f, P + 5, (lba >> 16) & 0xff, 1);
    outp(f, P + 7, cmd, 1);
    drain(f);
}

/* Reads n bytes of PIO data, 16 bits at a time, draining as it goes. */
static void pio_read(Fx *f, uint16_t base, uint8_t *buf, uint32_t n)
{
    for (uint32_t i = 0; i < n; i += 2) {
        uint16_t w;
        if (!(inp(f, base + 0x206, 1) & IDE_ST_DRQ)) {
            drain(f);
        }
        assert_true(inp(f, base + 0x206, 1) & IDE_ST_DRQ);
        w = (uint16_t)inp(f, base, 2);
        buf[i] = (uint8_t)w;
        buf[i + 1] = (uint8_t)(w >> 8);
    }
    drain(f);
}

static void check_pattern(const uint8_t *buf, uint64_t off, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        if (buf[i] != pattern(off + i)) {
            fail_msg("byte %llu: %#x, expected %#x",
                     (unsigned long long)(off + i), buf[i],
                     pattern(off + i));
        }
    }
}

static uint8_t status(Fx *f, uint16_t base)
{
    return (uint8_t)inp(f, base + 7, 1);
}

/* ------------------------------------------------------------ ATA */

static void test_identify(void **state)
{
    Fx *f = *state;
    uint8_t id[512];

    assert_int_equal(cfg_read(f, PCI_VENDOR_ID, 4), 0x70108086);
    assert_int_equal(cfg_read(f, PCI_CLASS_PROG, 1), 0x80);
    ata_cmd28(f, P, 0, 0xec, 0, 0);
    assert_int_equal(f->level[14], 1);
    pio_read(f, P, id, sizeof(id));
    assert_int_equal(ld16le(id + 2 * 60) | ld16le(id + 2 * 61) << 16,
                     HD_SIZE / 512);
    assert_int_equal(ld32le(id + 2 * 100), HD_SIZE / 512);
    assert_true(ld16le(id + 2 * 83) & (1 << 10));           /* LBA48 */
    assert_memory_equal(id + 54, "IKETH RADDSI K", 14);     /* swapped */
    assert_int_equal(status(f, P), IDE_ST_DRDY | IDE_ST_DSC);
    assert_int_equal(f->level[14], 0);        /* status read cleared it */
}

static void test_pio_read_write(void **state)
{
    Fx *f = *state;
    uint8_t buf[6 * 512], host[512];
    FILE *img;

    ata_cmd28(f, P, 0, 0x20, 5, 3);
    pio_read(f, P, buf, 3 * 512);
    check_pattern(buf, 5 * 512, 3 * 512);
    assert_int_equal(status(f, P) & (IDE_ST_DRQ | IDE_ST_ERR), 0);
    /* READ MULTIPLE: refused with multiple mode off; blocks of 4, 2 */
    ata_cmd28(f, P, 0, 0xc6, 0, 0);
    ata_cmd28(f, P, 0, 0xc4, 0, 6);
    assert_true(status(f, P) & IDE_ST_ERR);
    ata_cmd28(f, P, 0, 0xc6, 0, 3);               /* not a power of two */
    assert_true(status(f, P) & IDE_ST_ERR);
    ata_cmd28(f, P, 0, 0xc6, 0, 4);
    assert_false(status(f, P) & IDE_ST_ERR);
    ata_cmd28(f, P, 0, 0xc4, 100, 6);
    pio_read(f, P, buf, 6 * 512);
    check_pattern(buf, 100 * 512, 6 * 512);
    /* LBA48: the last sector */
    ata_cmd48(f, 0x24, HD_SIZE / 512 - 1, 1);
    pio_read(f, P, buf, 512);
    check_pattern(buf, HD_SIZE - 512, 512);
    /* WRITE SECTORS: the first block needs no interrupt */
    ata_cmd28(f, P, 0, 0x30, 7, 1);
    assert_true(status(f, P) & IDE_ST_DRQ);
    for (int i = 0; i < 256; i++) {
        outp(f, P, 0xa55a, 2);
    }
    drain(f);
    assert_int_equal(status(f, P), IDE_ST_DRDY | IDE_ST_DSC);
    ata_cmd28(f, P, 0, 0xe7, 0, 0);                   /* FLUSH CACHE */
    assert_int_equal(status(f, P), IDE_ST_DRDY | IDE_ST_DSC);
    img = fopen(f->hd, "rb");
    assert_non_null(img);
    assert_int_equal(fseek(img, 7 * 512, SEEK_SET), 0);
    assert_int_equal(fread(host, 1, 512, img), 512);
    fclose(img);
    assert_int_equal(host[0], 0x5a);
    assert_int_equal(host[511], 0xa5);
}

static void test_chs_and_misc(void **state)
{
    Fx *f = *state;
    uint8_t buf[512];

    /* INITIALIZE DEVICE PARAMETERS: 4 heads, 17 sectors per track */
    outp(f, P + 6, 0xa3, 1);
    outp(f, P + 2, 17, 1);
    outp(f, P + 7, 0x91, 1);
    drain(f);
    assert_false(status(f, P) & IDE_ST_ERR);
    /* cylinder 1, head 2, sector 3: LBA (1 * 4 + 2) * 17 + 2 = 104 */
    outp(f, P + 6, 0xa2, 1);
    outp(f, P + 2, 1, 1);
    outp(f, P + 3, 3, 1);
    outp(f, P + 4, 1, 1);
    outp(f, P + 5, 0, 1);
    outp(f, P + 7, 0x20, 1);
    drain(f);
    pio_read(f, P, buf, 512);
    check_pattern(buf, 104 * 512, 512);
    /* sector 0 is not a CHS sector */
    outp(f, P + 3, 0, 1);
    outp(f, P + 7, 0x20, 1);
    drain(f);
    assert_true(status(f, P) & IDE_ST_ERR);
    ata_cmd28(f, P, 0, 0x40, 10, 4);                  /* READ VERIFY */
    assert_false(status(f, P) & IDE_ST_ERR);
    ata_cmd28(f, P, 0, 0xe5, 0, 0);                   /* CHECK POWER MODE */
    assert_int_equal(inp(f, P + 2, 1), 0xff);
    outp(f, P + 1, 0x03, 1);                          /* SET FEATURES */
    ata_cmd28(f, P, 0, 0xef, 0, 0x22);                /* MWDMA2 */
    assert_false(status(f, P) & IDE_ST_ERR);
    outp(f, P + 1, 0x77, 1);
    ata_cmd28(f, P, 0, 0xef, 0, 0);
    assert_true(status(f, P) & IDE_ST_ERR);
    assert_int_equal(inp(f, P + 1, 1), IDE_ERR_ABRT);
}

static void test_out_of_range(void **state)
{
    Fx *f = *state;

    ata_cmd28(f, P, 0, 0x20, HD_SIZE / 512 - 1, 2);
    assert_true(status(f, P) & IDE_ST_ERR);
    assert_true(inp(f, P + 1, 1) & IDE_ERR_IDNF);
    assert_false(status(f, P) & IDE_ST_DRQ);
    ata_cmd48(f, 0x25, 0xffffffffffffull, 0);         /* 65536 sectors */
    assert_true(status(f, P) & IDE_ST_ERR);
    ata_cmd28(f, P, 0, 0x70, 0x0fffffff, 0);          /* SEEK */
    assert_true(status(f, P) & IDE_ST_ERR);
    /* no drive at the primary slave: commands vanish, status reads 0 */
    ata_cmd28(f, P, 1, 0xec, 0, 0);
    assert_int_equal(status(f, P), 0);
    assert_int_equal(f->level[14], 0);
    /* data port without DRQ */
    ata_cmd28(f, P, 0, 0xe7, 0, 0);
    assert_int_equal(inp(f, P, 2), 0xffff);
}

static void test_nien_and_srst(void **state)
{
    Fx *f = *state;

    outp(f, P + 0x206, IDE_CTL_NIEN, 1);
    ata_cmd28(f, P, 0, 0xe5, 0, 0);
    assert_int_equal(f->level[14], 0);
    outp(f, P + 0x206, 0, 1);                 /* pending INTRQ shows now */
    assert_int_equal(f->level[14], 1);
    status(f, P);
    assert_int_equal(f->level[14], 0);
    /* SRST: BSY, then the signatures: disk 00/00, CD-ROM 14/EB */
    outp(f, P + 0x206, IDE_CTL_SRST, 1);
    assert_true(inp(f, P + 0x206, 1) & IDE_ST_BSY);
    outp(f, P + 0x206, 0, 1);
    assert_int_equal(inp(f, P + 2, 1), 1);
    assert_int_equal(inp(f, P + 4, 1), 0);
    assert_int_equal(inp(f, P + 5, 1), 0);
    assert_int_equal(inp(f, P + 1, 1), 1);
    outp(f, S + 0x206, IDE_CTL_SRST, 1);
    outp(f, S + 0x206, 0, 1);
    assert_int_equal(inp(f, S + 4, 1), 0x14);
    assert_int_equal(inp(f, S + 5, 1), 0xeb);
    /* SRST brings the default multiple count back (as QEMU) */
    ata_cmd28(f, P, 0, 0xc6, 0, 8);
    outp(f, P + 0x206, IDE_CTL_SRST, 1);
    outp(f, P + 0x206, 0, 1);
    assert_int_equal(f->ide->bus[0].drive[0].mult_sectors, IDE_MAX_MULT);
}

/* ------------------------------------------------------------ DMA */

static void prd(Fx *f, int i, uint32_t addr, uint32_t len, bool eot)
{
    uint8_t e[8];

    st32le(e, addr);
    st32le(e + 4, (len & 0xffff) | (eot ? 0x80000000u : 0));
    address_space_write(&f->m.mem, PRD_TABLE + 8 * i, e, 8);
}

static void bm_go(Fx *f, bool to_mem)
{
    outp(f, BM_BASE + 4, PRD_TABLE, 4);
    outp(f, BM_BASE + 2, 0x06, 1);                    /* clear INT, ERR */
    outp(f, BM_BASE, 0x01 | (to_mem ? 0x08 : 0), 1);
    drain(f);
}

static void test_dma(void **state)
{
    Fx *f = *state;
    uint8_t buf[3 * 512];

    bm_enable(f);
    prd(f, 0, DATA, 512, false);
    prd(f, 1, DATA + 0x10000, 1024, true);
    ata_cmd28(f, P, 0, 0xc8, 20, 3);                  /* READ DMA */
    assert_true(status(f, P) & IDE_ST_DRQ);           /* waits for the BM */
    bm_go(f, true);
    assert_int_equal(inp(f, BM_BASE + 2, 1) & 7, 0x04);   /* INT, !ACTIVE */
    assert_int_equal(f->level[14], 1);
    assert_int_equal(status(f, P), IDE_ST_DRDY | IDE_ST_DSC);
    address_space_read(&f->m.mem, DATA, buf, 512);
    address_space_read(&f->m.mem, DATA + 0x10000, buf + 512, 1024);
    check_pattern(buf, 20 * 512, 3 * 512);
    outp(f, BM_BASE, 0, 1);
    /* WRITE DMA EXT with the engine started first, then READ it back */
    memset(buf, 0x3c, sizeof(buf));
    address_space_write(&f->m.mem, DATA, buf, 512);
    prd(f, 0, DATA, 512, true);
    bm_go(f, false);
    ata_cmd48(f, 0x35, 30, 1);
    assert_int_equal(status(f, P), IDE_ST_DRDY | IDE_ST_DSC);
    outp(f, BM_BASE, 0, 1);
    ata_cmd28(f, P, 0, 0x20, 30, 1);
    pio_read(f, P, buf, 512);
    assert_int_equal(buf[0], 0x3c);
    assert_int_equal(buf[511], 0x3c);
}

static void test_dma_hostile(void **state)
{
    Fx *f = *state;

    bm_enable(f);
    /* a table shorter than the transfer: error, not a hang */
    prd(f, 0, DATA, 512, true);
    ata_cmd28(f, P, 0, 0xc8, 0, 4);
    bm_go(f, true);
    assert_true(inp(f, BM_BASE + 2, 1) & 0x02);
    assert_true(status(f, P) & IDE_ST_ERR);
    outp(f, BM_BASE, 0, 1);
    /* an entry outside RAM */
    prd(f, 0, 0xfffff000, 0, true);                   /* 0: 64 KiB */
    ata_cmd28(f, P, 0, 0xc8, 0, 1);
    bm_go(f, true);
    assert_true(inp(f, BM_BASE + 2, 1) & 0x02);
    outp(f, BM_BASE, 0, 1);
    /* a table with no end: bounded by IDE_MAX_PRD entries of 2 bytes */
    for (int i = 0; i < IDE_MAX_PRD + 8; i++) {
        uint8_t e[8] = { 0, 0, 0x10, 0, 2, 0, 0, 0 };   /* DATA, 2 bytes */
        address_space_write(&f->m.mem, 0x200000 + 8 * i, e, 8);
    }
    ata_cmd28(f, P, 0, 0xc8, 0, 255);
    outp(f, BM_BASE + 2, 0x06, 1);
    outp(f, BM_BASE + 4, 0x200000, 4);
    outp(f, BM_BASE, 0x09, 1);
    drain(f);
    assert_true(inp(f, BM_BASE + 2, 1) & 0x02);
    outp(f, BM_BASE, 0, 1);
    /* without bus mastering nothing reaches memory */
    cfg_write(f, PCI_COMMAND, PCI_COMMAND_IO, 2);
    prd(f, 0, DATA, 512, true);
    ata_cmd28(f, P, 0, 0xc8, 0, 1);
    bm_go(f, true);
    assert_true(status(f, P) & IDE_ST_ERR);
    /* the engine stopped mid-command drops the command */
    bm_enable(f);
    outp(f, BM_BASE, 0, 1);
    ata_cmd28(f, P, 0, 0xc8, 0, 1);
    outp(f, BM_BASE, 0, 1);
    assert_true(status(f, P) & IDE_ST_DRQ);
}

/* ------------------------------------------------------------ ATAPI */

/* Sends a PACKET command; returns bytes of reply read into buf. */
static uint32_t packet(Fx *f, const uint8_t *cdb, uint16_t limit,
                       uint8_t *buf, uint32_t max)
{
    uint32_t got = 0;

    outp(f, S + 6, 0xa0, 1);
    outp(f, S + 1, 0, 1);
    outp(f, S + 4, limit & 0xff, 1);
    outp(f, S + 5, limit >> 8, 1);
    outp(f, S + 7, 0xa0, 1);
    assert_true(status(f, S) & IDE_ST_DRQ);
    assert_int_equal(inp(f, S + 2, 1) & 3, ATAPI_IR_COD);
    for (int i = 0; i < 12; i += 2) {
        outp(f, S, cdb[i] | cdb[i + 1] << 8, 2);
    }
    drain(f);
    while (status(f, S) & IDE_ST_DRQ) {
        uint32_t n = inp(f, S + 4, 1) | inp(f, S + 5, 1) << 8;
        assert_int_equal(inp(f, S + 2, 1) & 3, ATAPI_IR_IO);
        assert_true(n <= (limit ? limit : 0xfffe));
        for (uint32_t i = 0; i < n; i += 2) {
            uint16_t w = (uint16_t)inp(f, S, 2);
            if (got + 1 < max) {
                buf[got] = (uint8_t)w;
                buf[got + 1] = (uint8_t)(w >> 8);
            }
            got += 2;
        }
        drain(f);
    }
    assert_int_equal(inp(f, S + 2, 1) & 3, ATAPI_IR_IO | ATAPI_IR_COD);
    return got;
}

static uint8_t sense_key(Fx *f)
{
    return status(f, S) & IDE_ST_ERR ? inp(f, S + 1, 1) >> 4 : 0;
}

static void test_atapi_identify(void **state)
{
    Fx *f = *state;
    uint8_t id[512];

    ata_cmd28(f, S, 0, 0xec, 0, 0);                   /* aborts, signature */
    assert_true(status(f, S) & IDE_ST_ERR);
    assert_int_equal(inp(f, S + 4, 1), 0x14);
    assert_int_equal(inp(f, S + 5, 1), 0xeb);
    ata_cmd28(f, S, 0, 0xa1, 0, 0);
    pio_read(f, S, id, sizeof(id));
    assert_int_equal(ld16le(id), 0x85c0);
    assert_memory_equal(id + 54, "IKETD DVR-MO", 12);
    ata_cmd28(f, S, 0, 0x20, 0, 1);                   /* not on a CD */
    assert_true(status(f, S) & IDE_ST_ERR);
}

static void test_atapi_commands(void **state)
{
    Fx *f = *state;
    uint8_t buf[8192];
    uint8_t tur[12] = { 0x00 }, sense[12] = { 0x03, 0, 0, 0, 18 };
    uint8_t inq[12] = { 0x12, 0, 0, 0, 36 }, cap[12] = { 0x25 };
    uint8_t rd[12] = { 0x28, 0, 0, 0, 0, 3, 0, 0, 2 };
    uint8_t toc[12] = { 0x43, 2, 0, 0, 0, 0, 0, 0, 100 };
    uint8_t gc[12] = { 0x46, 0, 0, 0, 0, 0, 0, 0, 100 };
    uint8_t gesn[12] = { 0x4a, 1, 0, 0, 0x10, 0, 0, 0, 8 };
    uint8_t ms[12] = { 0x5a, 0, 0x2a, 0, 0, 0, 0, 0, 100 };
    uint8_t rdi[12] = { 0x51, 0, 0, 0, 0, 0, 0, 0, 34 };
    uint32_t n;

    /* the first command after the medium arrived: UNIT ATTENTION */
    packet(f, tur, 0, buf, sizeof(buf));
    assert_int_equal(sense_key(f), SENSE_UNIT_ATTENTION);
    n = packet(f, sense, 0, buf, sizeof(buf));
    assert_int_equal(n, 18);
    assert_int_equal(buf[2], SENSE_UNIT_ATTENTION);
    assert_int_equal(buf[12], ASC_MEDIUM_MAY_HAVE_CHANGED);
    packet(f, tur, 0, buf, sizeof(buf));
    assert_int_equal(sense_key(f), 0);
    n = packet(f, inq, 0, buf, sizeof(buf));
    assert_int_equal(n, 36);
    assert_int_equal(buf[0], 5);
    assert_memory_equal(buf + 16, "KITE DVD-ROM", 12);
    packet(f, cap, 0, buf, sizeof(buf));
    assert_int_equal(ld32be(buf), CD_SIZE / 2048 - 1);
    assert_int_equal(ld32be(buf + 4), 2048);
    /* READ(10) of blocks 3-4 in DRQ chunks of at most 2048 bytes */
    n = packet(f, rd, 2048, buf, sizeof(buf));
    assert_int_equal(n, 4096);
    check_pattern(buf, 3 * 2048, 4096);
    /* an odd byte count limit is rounded down */
    n = packet(f, rd, 1001, buf, sizeof(buf));
    check_pattern(buf, 3 * 2048, 4096);
    /* READ TOC format 0 in MSF: track 1 at 00:02:00, lead-out */
    n = packet(f, toc, 0, buf, sizeof(buf));
    assert_int_equal(n, 20);
    assert_int_equal(buf[6], 1);
    assert_int_equal(buf[10], 2);                     /* seconds */
    assert_int_equal(buf[14], 0xaa);
    toc[1] = 0;
    toc[2] = 1;                                       /* format 1, LBA */
    n = packet(f, toc, 0, buf, sizeof(buf));
    assert_int_equal(n, 12);
    toc[2] = 5;                                       /* not supported */
    packet(f, toc, 0, buf, sizeof(buf));
    assert_int_equal(sense_key(f), SENSE_ILLEGAL_REQUEST);
    packet(f, gc, 0, buf, sizeof(buf));
    assert_int_equal(ld16be(buf + 6), 0x0008);        /* CD-ROM profile */
    n = packet(f, gesn, 0, buf, sizeof(buf));
    assert_int_equal(n, 8);
    assert_int_equal(buf[4], 2);                      /* new media */
    packet(f, gesn, 0, buf, sizeof(buf));
    assert_int_equal(buf[4], 0);                      /* reported once */
    assert_int_equal(buf[5], 2);                      /* media present */
    n = packet(f, ms, 0, buf, sizeof(buf));
    assert_int_equal(buf[8], 0x2a);
    assert_int_equal(n, 30);
    n = packet(f, rdi, 0, buf, sizeof(buf));
    assert_int_equal(n, 34);
    assert_int_equal(buf[2], 0x0e);
}

static void test_atapi_hostile(void **state)
{
    Fx *f = *state;
    uint8_t buf[64], cdb[12] = { 0x28 };

    f->ide->bus[1].drive[0].cd_changed = false;
    st32be(cdb + 2, CD_SIZE / 2048 - 1);              /* 2 blocks at end */
    st16be(cdb + 7, 2);
    packet(f, cdb, 0, buf, sizeof(buf));
    assert_int_equal(sense_key(f), SENSE_ILLEGAL_REQUEST);
    assert_int_equal(f->ide->bus[1].drive[0].asc, ASC_LBA_OUT_OF_RANGE);
    cdb[0] = 0xa8;                                    /* READ(12) */
    st32be(cdb + 2, 0);
    st32be(cdb + 6, 0xffffffff);
    packet(f, cdb, 0, buf, sizeof(buf));
    assert_int_equal(sense_key(f), SENSE_ILLEGAL_REQUEST);
    memset(cdb, 0, sizeof(cdb));
    cdb[0] = 0xff;                                    /* unknown opcode */
    packet(f, cdb, 0, buf, sizeof(buf));
    assert_int_equal(f->ide->bus[1].drive[0].asc, ASC_INVALID_OPCODE);
    cdb[0] = 0x5a;                                    /* saved values */
    cdb[2] = 0xc0 | 0x2a;
    packet(f, cdb, 0, buf, sizeof(buf));
    assert_int_equal(f->ide->bus[1].drive[0].asc, ASC_SAVING_NOT_SUPPORTED);
    cdb[0] = 0x4a;                                    /* not polled */
    cdb[1] = 0;
    packet(f, cdb, 0, buf, sizeof(buf));
    assert_int_equal(f->ide->bus[1].drive[0].asc, ASC_INVALID_FIELD);
    /* locked tray: eject refused */
    memset(cdb, 0, sizeof(cdb));
    cdb[0] = 0x1e;
    cdb[4] = 1;
    packet(f, cdb, 0, buf, sizeof(buf));
    assert_int_equal(sense_key(f), 0);
    cdb[0] = 0x1b;
    cdb[4] = 2;
    packet(f, cdb, 0, buf, sizeof(buf));
    assert_int_equal(sense_key(f), SENSE_ILLEGAL_REQUEST);
}

static void test_atapi_dma_and_change(void **state)
{
    Fx *f = *state;
    uint8_t cdb[12] = { 0x28 }, buf[2048], tur[12] = { 0 };
    BlockOptions o = { .file = f->cd2, .readonly = true };
    Error err = { "" };
    BlockBackend *bb;

    f->ide->bus[1].drive[0].cd_changed = false;
    bm_enable(f);
    prd(f, 0, DATA, 2048, true);
    st32be(cdb + 2, 7);
    st16be(cdb + 7, 1);
    outp(f, BM_BASE + 8 + 4, PRD_TABLE, 4);
    outp(f, BM_BASE + 8, 0x09, 1);
    outp(f, S + 6, 0xa0, 1);
    outp(f, S + 1, 1, 1);                             /* DMA */
    outp(f, S + 7, 0xa0, 1);
    for (int i = 0; i < 12; i += 2) {
        outp(f, S, cdb[i] | cdb[i + 1] << 8, 2);
    }
    drain(f);
    assert_int_equal(status(f, S) & (IDE_ST_DRQ | IDE_ST_ERR), 0);
    assert_int_equal(inp(f, BM_BASE + 8 + 2, 1) & 7, 0x04);
    assert_int_equal(f->level[15], 0);               /* status read */
    address_space_read(&f->m.mem, DATA, buf, sizeof(buf));
    check_pattern(buf, 7 * 2048, 2048);
    outp(f, BM_BASE + 8, 0, 1);
    /* a new medium: UNIT ATTENTION, then the new capacity */
    bb = blk_open(&o, &err);
    assert_non_null(bb);
    pthread_mutex_lock(&f->m.lock);
    ide_cd_change(&f->ide->bus[1].drive[0], bb);
    pthread_mutex_unlock(&f->m.lock);
    packet(f, tur, 0, buf, sizeof(buf));
    assert_int_equal(sense_key(f), SENSE_UNIT_ATTENTION);
    cdb[0] = 0x25;
    packet(f, cdb, 0, buf, sizeof(buf));
    assert_int_equal(ld32be(buf), 2 * CD_SIZE / 2048 - 1);
    /* no medium: NOT READY */
    pthread_mutex_lock(&f->m.lock);
    ide_cd_change(&f->ide->bus[1].drive[0], NULL);
    f->ide->bus[1].drive[0].cd_changed = false;
    pthread_mutex_unlock(&f->m.lock);
    packet(f, tur, 0, buf, sizeof(buf));
    assert_int_equal(sense_key(f), SENSE_NOT_READY);
}

/* The monitor's eject and blockdev-change-medium, as the guest sees them. */
static json_t *mon_call(Fx *f, json_t *(*fn)(Monitor *, json_t *, QmpError *),
                        json_t *args, QmpError *e)
{
    Monitor mon = { .m = &f->m };
    json_t *r;

    f->m.root = f->root;
    pthread_mutex_lock(&f->m.lock);
    r = fn(&mon, args, e);
    pthread_mutex_unlock(&f->m.lock);
    json_decref(args);
    if (r) {
        json_decref(r);
    }
    return r;
}

static void test_monitor_media_change(void **state)
{
    Fx *f = *state;
    uint8_t buf[64], tur[12] = { 0 }, cap[12] = { 0x25 };
    uint8_t lock[12] = { 0x1e, 0, 0, 0, 1 };
    QmpError e = { NULL, "" };
    IDEDrive *cd = &f->ide->bus[1].drive[0];

    assert_null(mon_call(f, qmp_eject, json_pack("{s:s}", "id", "drive0"),
                         &e));
    assert_non_null(strstr(e.desc, "not removable"));
    assert_non_null(f->ide->bus[0].drive[0].bb);
    assert_null(mon_call(f, qmp_eject, json_pack("{s:s}", "id", "drive9"),
                         &e));
    assert_string_equal(e.cls, "DeviceNotFound");
    cd->cd_changed = false;
    assert_non_null(mon_call(f, qmp_blockdev_change_medium, json_pack(
        "{s:s,s:s}", "id", "drive1", "filename", f->cd2), &e));
    packet(f, tur, 0, buf, sizeof(buf));
    assert_int_equal(sense_key(f), SENSE_UNIT_ATTENTION);
    packet(f, cap, 0, buf, sizeof(buf));
    assert_int_equal(ld32be(buf), 2 * CD_SIZE / 2048 - 1);
    /* the guest locks the door: eject needs force */
    packet(f, lock, 0, buf, sizeof(buf));
    assert_true(cd->cd_locked);
    assert_null(mon_call(f, qmp_eject, json_pack("{s:s}", "id", "drive1"),
                         &e));
    assert_non_null(cd->bb);
    assert_non_null(mon_call(f, qmp_eject, json_pack(
        "{s:s,s:b}", "device", "drive1", "force", 1), &e));
    assert_null(cd->bb);
    packet(f, tur, 0, buf, sizeof(buf));
    assert_int_equal(sense_key(f), SENSE_UNIT_ATTENTION);
    packet(f, tur, 0, buf, sizeof(buf));
    assert_int_equal(sense_key(f), SENSE_NOT_READY);
}

/* ------------------------------------------------------------ state */

static void test_save_load(void **state)
{
    Fx *f = *state;
    uint8_t buf[1024];
    SaveBuf sb, bad;
    Error err = { "" };
    Device *dev = &f->ide->pci.dev;

    ata_cmd28(f, P, 0, 0x20, 40, 2);
    pio_read(f, P, buf, 300);
    savebuf_init(&sb);
    pthread_mutex_lock(&f->m.lock);
    dev->type->save(dev, &sb);
    pthread_mutex_unlock(&f->m.lock);
    pio_read(f, P, buf + 300, 1024 - 300);            /* finish, then undo */
    /* a corrupt stream is refused and changes nothing */
    savebuf_init_read(&bad, sb.data, sb.len);
    bad.data = xmalloc(sb.len);
    memcpy(bad.data, sb.data, sb.len);
    bad.len = sb.len - 100;                           /* cut short */
    pthread_mutex_lock(&f->m.lock);
    assert_int_equal(dev->type->load(dev, &bad, &err), -1);
    pthread_mutex_unlock(&f->m.lock);
    free(bad.data);
    assert_int_equal(status(f, P), IDE_ST_DRDY | IDE_ST_DSC);
    /* the saved state resumes the transfer at byte 300 */
    savebuf_init_read(&bad, sb.data, sb.len);
    pthread_mutex_lock(&f->m.lock);
    assert_int_equal(dev->type->load(dev, &bad, &err), 0);
    dev->type->post_load(dev);
    pthread_mutex_unlock(&f->m.lock);
    pio_read(f, P, buf + 300, 1024 - 300);
    check_pattern(buf, 40 * 512, 1024);
    savebuf_free(&sb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_identify, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pio_read_write, setup, teardown),
        cmocka_unit_test_setup_teardown(test_chs_and_misc, setup, teardown),
        cmocka_unit_test_setup_teardown(test_out_of_range, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nien_and_srst, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dma, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dma_hostile, setup, teardown),
        cmocka_unit_test_setup_teardown(test_atapi_identify, setup, teardown),
        cmocka_unit_test_setup_teardown(test_atapi_commands, setup, teardown),
        cmocka_unit_test_setup_teardown(test_atapi_hostile, setup, teardown),
        cmocka_unit_test_setup_teardown(test_atapi_dma_and_change, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_monitor_media_change, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_save_load, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
