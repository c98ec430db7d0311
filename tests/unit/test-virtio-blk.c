/* Unit tests for the raw block backend (opening checks, OFD locks
 * between two opens, read-only, flush through fdatasync, discard,
 * write-zeroes, snapshot=on), -drive parsing, and virtio-blk-pci with
 * the test as the driver: config, read/write against the image file,
 * flush, discard, write-zeroes, get-id, bad requests, two queues,
 * completion on the I/O thread, and a reset with requests in flight. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "block/drive.h"
#include "hw/virtio/virtio-blk.h"
#include "tests/fuzz/virtio-driver.h"

#define IMG_SIZE   (1 * MiB)
#define SECTORS    (IMG_SIZE / 512)

#define T_IN 0
#define T_OUT 1
#define T_FLUSH 4
#define T_GET_ID 8
#define T_DISCARD 11
#define T_WZ 13

typedef struct Fx {
    char path[64];
    char drive[128];
    VDrv *d;
    VDrvQueue q;
} Fx;

static void make_image(Fx *f)
{
    int fd;
    uint8_t sec[512];

    snprintf(f->path, sizeof(f->path), "/tmp/kite-blk-test-%d.img",
             (int)getpid());
    fd = open(f->path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    for (unsigned i = 0; i < SECTORS; i++) {
        memset(sec, (uint8_t)(i + 1), sizeof(sec));     /* sector i: i+1 */
        assert_int_equal(pwrite(fd, sec, 512, i * 512ull), 512);
    }
    close(fd);
}

static uint8_t file_byte(Fx *f, uint64_t off)
{
    int fd = open(f->path, O_RDONLY);
    uint8_t b = 0xee;

    assert_int_equal(pread(fd, &b, 1, (off_t)off), 1);
    close(fd);
    return b;
}

static int setup_backend(void **state)
{
    Fx *f = xzalloc(sizeof(*f));

    make_image(f);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    Fx *f = *state;

    if (f->d) {
        vdrv_free(f->d);
    }
    unlink(f->path);
    free(f);
    return 0;
}

static BlockBackend *open_img(Fx *f, bool ro, bool snap, Error *err)
{
    BlockOptions o = { .file = f->path, .readonly = ro, .snapshot = snap };
    return blk_open(&o, err);
}

/* ---- backend ---- */

static void test_backend_rw_flush(void **state)
{
    Fx *f = *state;
    Error err = { "" };
    BlockBackend *bb = open_img(f, false, false, &err);
    uint8_t *buf = blk_buf_alloc(1024, false);

    assert_non_null(bb);
    assert_int_equal(bb->size, IMG_SIZE);
    assert_int_equal(blk_pread(bb, 512, buf, 1024), 0);
    assert_int_equal(buf[0], 2);
    assert_int_equal(buf[1023], 3);
    memset(buf, 0xab, 512);
    assert_int_equal(blk_pwrite(bb, 4096, buf, 512), 0);
    assert_int_equal(file_byte(f, 4096), 0xab);
    assert_int_equal(blk_pread(bb, IMG_SIZE - 512, buf, 1024), -EINVAL);
    assert_int_equal(blk_pwrite(bb, ~0ull - 10, buf, 512), -EINVAL);
    assert_int_equal(bb->flushes, 0);
    assert_int_equal(blk_flush(bb), 0);
    assert_int_equal(blk_flush(bb), 0);
    assert_int_equal(bb->flushes, 2);
    free(buf);
    blk_close(bb);
}

static void test_backend_discard_zeroes(void **state)
{
    Fx *f = *state;
    Error err = { "" };
    BlockBackend *bb = open_img(f, false, false, &err);
    struct stat st;

    assert_non_null(bb);
    assert_int_equal(blk_discard(bb, 64 * KiB, 128 * KiB), 0);
    assert_int_equal(file_byte(f, 64 * KiB), 0);
    assert_int_equal(file_byte(f, 192 * KiB - 1), 0);
    assert_int_equal(file_byte(f, 192 * KiB), (192 * KiB / 512 + 1) & 0xff);
    assert_int_equal(stat(f->path, &st), 0);
    assert_int_equal(st.st_size, IMG_SIZE);        /* the size stays */
    assert_int_equal(blk_write_zeroes(bb, 512, 512), 0);
    assert_int_equal(file_byte(f, 512), 0);
    assert_int_equal(file_byte(f, 1024), 3);
    assert_int_equal(bb->discards, 1);
    assert_int_equal(bb->zeroes, 1);
    assert_int_equal(blk_discard(bb, IMG_SIZE, 512), -EINVAL);
    blk_close(bb);
}

static void test_backend_locking(void **state)
{
    Fx *f = *state;
    Error err = { "" };
    BlockBackend *w = open_img(f, false, false, &err), *x;

    assert_non_null(w);
    /* a writer excludes every other open, reader or writer */
    assert_null(open_img(f, false, false, &err));
    assert_non_null(strstr(err.msg, "in use by another process"));
    assert_null(open_img(f, true, false, &err));
    assert_null(open_img(f, false, true, &err));
    blk_close(w);
    /* readers share; a writer waits for them to go */
    w = open_img(f, true, false, &err);
    x = open_img(f, true, false, &err);
    assert_non_null(w);
    assert_non_null(x);
    assert_null(open_img(f, false, false, &err));
    blk_close(w);
    blk_close(x);
    x = open_img(f, false, false, &err);
    assert_non_null(x);
    blk_close(x);
}

static void test_backend_readonly(void **state)
{
    Fx *f = *state;
    Error err = { "" };
    BlockBackend *bb = open_img(f, true, false, &err);
    uint8_t *buf = blk_buf_alloc(512, true);

    assert_non_null(bb);
    assert_int_equal(blk_pwrite(bb, 0, buf, 512), -EROFS);
    assert_int_equal(blk_discard(bb, 0, 512), -EROFS);
    assert_int_equal(blk_write_zeroes(bb, 0, 512), -EROFS);
    assert_int_equal(file_byte(f, 0), 1);
    free(buf);
    blk_close(bb);
    /* a read-only file can only be opened read-only */
    chmod(f->path, 0400);
    if (geteuid() != 0) {
        assert_null(open_img(f, false, false, &err));
        assert_non_null(strstr(err.msg, "cannot open"));
    }
    bb = open_img(f, true, false, &err);
    assert_non_null(bb);
    blk_close(bb);
}

static void test_backend_snapshot(void **state)
{
    Fx *f = *state;
    Error err = { "" };
    BlockBackend *bb = open_img(f, false, true, &err);
    uint8_t *buf = blk_buf_alloc(BLOCK_OVERLAY_CLUSTER * 2, false);

    assert_non_null(bb);
    memset(buf, 0x5a, 512);
    /* a write straddling two clusters copies both up */
    assert_int_equal(blk_pwrite(bb, BLOCK_OVERLAY_CLUSTER - 256, buf, 512),
                     0);
    assert_int_equal(blk_pread(bb, BLOCK_OVERLAY_CLUSTER - 512, buf, 1024),
                     0);
    assert_int_equal(buf[0], (BLOCK_OVERLAY_CLUSTER / 512) & 0xff);
    assert_int_equal(buf[256], 0x5a);
    assert_int_equal(buf[767], 0x5a);
    assert_int_equal(buf[768], (BLOCK_OVERLAY_CLUSTER / 512 + 1) & 0xff);
    assert_int_equal(blk_discard(bb, 0, 512), 0);
    assert_int_equal(blk_pread(bb, 0, buf, 512), 0);
    assert_int_equal(buf[0], 0);
    /* the image is untouched, and another reader may share it */
    assert_int_equal(file_byte(f, BLOCK_OVERLAY_CLUSTER),
                     (BLOCK_OVERLAY_CLUSTER / 512 + 1) & 0xff);
    assert_int_equal(file_byte(f, 0), 1);
    blk_close(open_img(f, true, false, &err));
    free(buf);
    blk_close(bb);
}

static void test_backend_bad_files(void **state)
{
    Fx *f = *state;
    Error err = { "" };
    BlockOptions o = { .file = "/nonexistent/kite.img" };
    char fifo[sizeof(f->path) + 8];

    assert_null(blk_open(&o, &err));
    assert_non_null(strstr(err.msg, "cannot open"));
    o.file = "/tmp";
    o.readonly = true;
    assert_null(blk_open(&o, &err));
    assert_non_null(strstr(err.msg, "not a regular file"));
    snprintf(fifo, sizeof(fifo), "%s.fifo", f->path);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    o.file = fifo;                   /* must not hang waiting for a writer */
    assert_null(blk_open(&o, &err));
    unlink(fifo);
    assert_int_equal(truncate(f->path, 100), 0);
    assert_null(open_img(f, false, false, &err));
    assert_non_null(strstr(err.msg, "smaller than"));
}

static void test_drive_options(void **state)
{
    MachineConfig cfg = { 0 };
    Error err = { "" };
    DriveSpec d;

    assert_int_equal(drive_parse("file=a,,b.img,if=none,id=x,readonly=on,"
                                 "cache=none,snapshot=off,format=raw", 0, &d,
                                 &err), 0);
    assert_string_equal(d.file, "a,b.img");
    assert_string_equal(d.id, "x");
    assert_int_equal(d.iface, DRIVE_IF_NONE);
    assert_true(d.opts.readonly);
    assert_int_equal(d.opts.cache, BLOCK_CACHE_NONE);
    drive_spec_free(&d);
    assert_int_equal(drive_parse("file=b", 3, &d, &err), 0);
    assert_string_equal(d.id, "drive3");
    assert_int_equal(d.iface, DRIVE_IF_IDE);       /* QEMU's pc default */
    assert_int_equal(d.index, -1);
    assert_false(d.cdrom);
    drive_spec_free(&d);
    assert_int_equal(drive_parse("file=c.iso,if=ide,index=3,media=cdrom,"
                                 "bootindex=7", 0, &d, &err), 0);
    assert_int_equal(d.index, 3);
    assert_true(d.cdrom);
    assert_int_equal(d.bootindex, 7);
    drive_spec_free(&d);
    assert_int_equal(drive_parse("file=v,if=virtio", 0, &d, &err), 0);
    assert_int_equal(d.iface, DRIVE_IF_VIRTIO);
    drive_spec_free(&d);
    static const char *const bad[] = {
        "", "if=none", "file=", "file=a,format=vmdk", "file=a,if=scsi",
        "file=a,index=4", "file=a,index=-1", "file=a,media=floppy",
        "file=a,if=virtio,media=cdrom", "file=a,bootindex=x",
        "file=a,cache=unsafe", "file=a,readonly=maybe", "file=a,bogus=1",
        "file=a,id=", "file=a,noequals",
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        err.msg[0] = '\0';
        assert_int_equal(drive_parse(bad[i], 0, &d, &err), -1);
        assert_true(err.msg[0]);
    }
    assert_int_equal(drive_add_option(&cfg, "file=a,id=x", &err), 0);
    assert_int_equal(drive_add_option(&cfg, "file=b,id=x", &err), -1);
    assert_int_equal(drive_add_option(&cfg, "file=b", &err), 0);
    assert_int_equal(drive_find(&cfg, "drive1", &d, &err), 0);
    assert_string_equal(d.file, "b");
    drive_spec_free(&d);
    assert_int_equal(drive_find(&cfg, "y", &d, &err), -1);
}

/* ---- virtio-blk-pci ---- */

static void lock(Fx *f)
{
    pthread_mutex_lock(&f->d->m.lock);
}

static void unlock(Fx *f)
{
    pthread_mutex_unlock(&f->d->m.lock);
}

static void blk_start(Fx *f, const char *drive_opts, const char *props)
{
    Error err = { "" };

    snprintf(f->drive, sizeof(f->drive), "file=%s,if=none,id=d0%s", f->path,
             drive_opts);
    char *all = xasprintf("drive=d0%s%s", *props ? "," : "", props);

    f->d = vdrv_new_drive("virtio-blk-pci", all, f->drive, &err);
    free(all);
    if (!f->d->p) {
        fail_msg("%s", err.msg);
    }
    vdrv_enable(f->d);
    vdrv_msix_enable(f->d, 3);
    assert_true(vdrv_negotiate(f->d, VDRV_BASE_FEATURES | VDRV_F(9) |
                               VDRV_F(13) | VDRV_F(14)) &
                VIRTIO_STATUS_FEATURES_OK);
    vdrv_common_wr(f->d, VIRTIO_PCI_COMMON_MSIX, 1, 2);   /* config */
    vdrv_queue_setup(f->d, &f->q, 0, 16, 0);
    vdrv_driver_ok(f->d);
}

static int setup_blk(void **state)
{
    setup_backend(state);
    return 0;
}

/* Waits (lock not held) until the used ring reaches idx; false on timeout. */
static bool wait_used(Fx *f, VDrvQueue *q, uint16_t idx)
{
    for (int i = 0; i < 5000; i++) {
        uint16_t u;
        lock(f);
        u = vdrv_used_idx(f->d, q);
        unlock(f);
        if (u == idx) {
            return true;
        }
        usleep(1000);
    }
    return false;
}

#define HDR   (VDRV_BUF_BASE)
#define DATA  (VDRV_BUF_BASE + 0x1000)
#define STAT  (VDRV_BUF_BASE + 0x100)

/*
 * Posts header(type, sector) + data (len bytes at DATA, readable for
 * OUT-like requests, writable for IN-like ones) + status; returns the
 * status byte once completed (0xff: never completed).
 */
static uint8_t request_on(Fx *f, VDrvQueue *q, uint32_t type,
                          uint64_t sector, uint32_t len, bool data_in)
{
    uint16_t want = vdrv_used_idx(f->d, q) + 1;
    uint16_t d = 0;

    lock(f);
    vdrv_poke(f->d, HDR, type, 4);
    vdrv_poke(f->d, HDR + 4, 0, 4);
    vdrv_poke(f->d, HDR + 8, sector, 8);
    vdrv_poke(f->d, STAT, 0xff, 1);
    vdrv_desc(f->d, q->desc, 0, HDR, 16, VRING_DESC_F_NEXT, 1);
    if (len) {
        d = 1;
        vdrv_desc(f->d, q->desc, 1, DATA, len,
                  VRING_DESC_F_NEXT | (data_in ? VRING_DESC_F_WRITE : 0), 2);
    }
    vdrv_desc(f->d, q->desc, d + 1, STAT, 1, VRING_DESC_F_WRITE, 0);
    vdrv_post(f->d, q, 0);
    vdrv_notify(f->d, q->index);
    unlock(f);
    if (!wait_used(f, q, want)) {
        return 0xff;
    }
    return (uint8_t)vdrv_peek(f->d, STAT, 1);
}

static uint8_t request(Fx *f, uint32_t type, uint64_t sector, uint32_t len,
                       bool data_in)
{
    return request_on(f, &f->q, type, sector, len, data_in);
}

static void test_blk_config(void **state)
{
    Fx *f = *state;
    uint64_t dev = VIRTIO_PCI_DEVICE_OFF;

    blk_start(f, "", "");
    assert_int_equal(vdrv_cfg_read(f->d, PCI_VENDOR_ID, 4), 0x10011af4);
    assert_int_equal(vdrv_cfg_read(f->d, PCI_SUBSYSTEM_ID, 2), 2);
    assert_int_equal(vdrv_cfg_read(f->d, PCI_CLASS_DEVICE, 2), 0x0100);
    assert_int_equal(vdrv_rd(f->d, dev + 0, 4), SECTORS);
    assert_int_equal(vdrv_rd(f->d, dev + 4, 4), 0);
    assert_int_equal(vdrv_rd(f->d, dev + 8, 4), 64 * KiB);   /* size_max */
    assert_int_equal(vdrv_rd(f->d, dev + 12, 4), 126);       /* seg_max */
    assert_int_equal(vdrv_rd(f->d, dev + 20, 4), 512);       /* blk_size */
    assert_int_equal(vdrv_rd(f->d, dev + 34, 2), 1);         /* queues */
    assert_int_equal(vdrv_rd(f->d, dev + 60, 4), 0);         /* past end */
    vdrv_common_wr(f->d, VIRTIO_PCI_COMMON_DFSELECT, 0, 4);
    uint32_t feat = (uint32_t)vdrv_common_rd(f->d, VIRTIO_PCI_COMMON_DF, 4);
    assert_int_equal(feat & 0x7246, 0x7246);  /* SIZE/SEG_MAX BLK_SIZE FLUSH
                                                 MQ DISCARD WRITE_ZEROES */
    assert_false(feat & (1u << 5));           /* not read-only */
    /* the legacy window shows the same config after its registers */
    assert_int_equal(vdrv_legacy_rd(f->d, 24, 4), SECTORS);
}

static void test_blk_read_write(void **state)
{
    Fx *f = *state;

    blk_start(f, "", "");
    assert_int_equal(request(f, T_IN, 3, 1024, true), 0);
    assert_int_equal(vdrv_peek(f->d, DATA, 1), 4);
    assert_int_equal(vdrv_peek(f->d, DATA + 1023, 1), 5);
    assert_int_equal(vdrv_used_len(f->d, &f->q, 0), 1025);
    address_space_fill(&f->d->m.mem, DATA, 0xc3, 1024);
    assert_int_equal(request(f, T_OUT, 10, 1024, false), 0);
    assert_int_equal(vdrv_used_len(f->d, &f->q, 1), 1);
    assert_int_equal(file_byte(f, 10 * 512), 0xc3);
    assert_int_equal(file_byte(f, 12 * 512 - 1), 0xc3);
    assert_int_equal(file_byte(f, 12 * 512), 13);
    /* the last sector, and one past it */
    assert_int_equal(request(f, T_IN, SECTORS - 1, 512, true), 0);
    assert_int_equal(request(f, T_IN, SECTORS, 512, true), 1);
    assert_int_equal(request(f, T_OUT, SECTORS - 1, 1024, false), 1);
    assert_int_equal(request(f, T_IN, ~0ull / 256, 512, true), 1);
    /* not whole sectors; more than seg_max * size_max */
    assert_int_equal(request(f, T_IN, 0, 100, true), 1);
    assert_int_equal(request(f, T_OUT, 0, 513, false), 1);
    assert_int_equal(request(f, T_IN, 0, 126 * 64 * 1024 + 512, true), 1);
    assert_int_equal(request(f, 77, 0, 0, false), 2);        /* UNSUPP */
    assert_false(f->d->p->vdev.broken);
}

static void test_blk_flush_discard_zeroes(void **state)
{
    Fx *f = *state;
    BlockBackend *bb;

    blk_start(f, "", "");
    bb = ((VirtIOBlk *)f->d->p)->bb;
    assert_int_equal(bb->flushes, 0);
    assert_int_equal(request(f, T_FLUSH, 0, 0, false), 0);
    assert_int_equal(bb->flushes, 1);
    /* discard sectors 8-15: one segment {sector, num, flags} */
    vdrv_poke(f->d, DATA, 8, 8);
    vdrv_poke(f->d, DATA + 8, 8, 4);
    vdrv_poke(f->d, DATA + 12, 0, 4);
    assert_int_equal(request(f, T_DISCARD, 0, 16, false), 0);
    assert_int_equal(bb->discards, 1);
    assert_int_equal(file_byte(f, 8 * 512), 0);
    assert_int_equal(file_byte(f, 16 * 512 - 1), 0);
    assert_int_equal(file_byte(f, 16 * 512), 17);
    /* discard has no flags; write-zeroes may unmap */
    vdrv_poke(f->d, DATA + 12, 1, 4);
    assert_int_equal(request(f, T_DISCARD, 0, 16, false), 2);
    vdrv_poke(f->d, DATA, 20, 8);
    vdrv_poke(f->d, DATA + 8, 1, 4);
    assert_int_equal(request(f, T_WZ, 0, 16, false), 0);
    assert_int_equal(bb->zeroes, 1);
    assert_int_equal(file_byte(f, 20 * 512), 0);
    assert_int_equal(file_byte(f, 21 * 512), 22);
    /* past the end; two segments */
    vdrv_poke(f->d, DATA, SECTORS - 1, 8);
    vdrv_poke(f->d, DATA + 8, 2, 4);
    vdrv_poke(f->d, DATA + 12, 0, 4);
    assert_int_equal(request(f, T_WZ, 0, 16, false), 1);
    assert_int_equal(request(f, T_DISCARD, 0, 32, false), 2);
    assert_int_equal(file_byte(f, IMG_SIZE - 1), (SECTORS) & 0xff);
}

static void test_blk_get_id(void **state)
{
    Fx *f = *state;

    blk_start(f, "", "");
    address_space_fill(&f->d->m.mem, DATA, 0xee, 64);
    assert_int_equal(request(f, T_GET_ID, 0, 20, true), 0);
    assert_int_equal(vdrv_peek(f->d, DATA, 2), 0x3064);     /* "d0" */
    assert_int_equal(vdrv_peek(f->d, DATA + 2, 8), 0);
    assert_int_equal(vdrv_peek(f->d, DATA + 20, 1), 0xee);
    assert_int_equal(vdrv_used_len(f->d, &f->q, 0), 21);
}

static void test_blk_readonly(void **state)
{
    Fx *f = *state;

    blk_start(f, ",readonly=on", "");
    vdrv_common_wr(f->d, VIRTIO_PCI_COMMON_DFSELECT, 0, 4);
    assert_true(vdrv_common_rd(f->d, VIRTIO_PCI_COMMON_DF, 4) & (1u << 5));
    address_space_fill(&f->d->m.mem, DATA, 0xc3, 512);
    assert_int_equal(request(f, T_OUT, 0, 512, false), 1);
    assert_int_equal(file_byte(f, 0), 1);
    assert_int_equal(request(f, T_IN, 0, 512, true), 0);
    assert_int_equal(request(f, T_FLUSH, 0, 0, false), 0);
}

static void test_blk_bad_chain_breaks(void **state)
{
    Fx *f = *state;

    blk_start(f, "", "");
    /* a header of 8 bytes and no status */
    lock(f);
    vdrv_desc(f->d, f->q.desc, 0, HDR, 8, 0, 0);
    vdrv_post(f->d, &f->q, 0);
    vdrv_notify(f->d, 0);
    unlock(f);
    assert_true(f->d->p->vdev.broken);
    assert_true(vdrv_status(f->d) & VIRTIO_STATUS_NEEDS_RESET);
    assert_true(vdrv_msi_seen(f->d, 1));
    assert_false(vdrv_msi_seen(f->d, 0));
}

static void test_blk_two_queues(void **state)
{
    Fx *f = *state;
    VDrvQueue q1;

    blk_start(f, "", "num-queues=2");
    assert_int_equal(vdrv_common_rd(f->d, VIRTIO_PCI_COMMON_NUMQ, 2), 2);
    assert_int_equal(vdrv_rd(f->d, VIRTIO_PCI_DEVICE_OFF + 34, 2), 2);
    vdrv_set_status(f->d, 0);
    assert_true(vdrv_negotiate(f->d, VDRV_BASE_FEATURES) &
                VIRTIO_STATUS_FEATURES_OK);
    vdrv_queue_setup(f->d, &f->q, 0, 16, 0);
    vdrv_queue_setup(f->d, &q1, 1, 16, 1);
    vdrv_driver_ok(f->d);
    vdrv_msi_seen(f->d, 0);
    assert_int_equal(request_on(f, &q1, T_IN, 5, 512, true), 0);
    assert_int_equal(vdrv_peek(f->d, DATA, 1), 6);
    assert_int_equal(vdrv_used_idx(f->d, &f->q), 0);
    lock(f);
    assert_true(vdrv_msi_seen(f->d, 1));
    assert_false(vdrv_msi_seen(f->d, 0));
    unlock(f);
}

/* Completion is the I/O thread's: with the lock held, nothing completes. */
static void test_blk_completes_off_vcpu(void **state)
{
    Fx *f = *state;

    blk_start(f, "", "");
    lock(f);
    vdrv_poke(f->d, HDR, T_IN, 4);
    vdrv_poke(f->d, HDR + 8, 0, 8);
    vdrv_desc(f->d, f->q.desc, 0, HDR, 16, VRING_DESC_F_NEXT, 1);
    vdrv_desc(f->d, f->q.desc, 1, DATA, 512,
              VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 2);
    vdrv_desc(f->d, f->q.desc, 2, STAT, 1, VRING_DESC_F_WRITE, 0);
    vdrv_post(f->d, &f->q, 0);
    vdrv_notify(f->d, 0);
    usleep(20000);
    assert_int_equal(vdrv_used_idx(f->d, &f->q), 0);
    unlock(f);
    assert_true(wait_used(f, &f->q, 1));
    assert_true(vdrv_msi_seen(f->d, 0));
}

/* Requests in flight at a reset write nothing to guest memory after it. */
static void test_blk_reset_in_flight(void **state)
{
    Fx *f = *state;

    blk_start(f, "", "");
    lock(f);
    for (int i = 0; i < 8; i++) {
        vdrv_desc(f->d, f->q.desc, 3 * i, HDR, 16, VRING_DESC_F_NEXT,
                  3 * i + 1);
        vdrv_desc(f->d, f->q.desc, 3 * i + 1, DATA + 512 * i, 512,
                  VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 3 * i + 2);
        vdrv_desc(f->d, f->q.desc, 3 * i + 2, STAT + i, 1,
                  VRING_DESC_F_WRITE, 0);
        vdrv_post(f->d, &f->q, 3 * i);
    }
    vdrv_poke(f->d, HDR, T_IN, 4);
    vdrv_poke(f->d, HDR + 8, 0, 8);
    vdrv_notify(f->d, 0);
    vdrv_set_status(f->d, 0);
    address_space_fill(&f->d->m.mem, f->q.used, 0, 0x1000);
    address_space_fill(&f->d->m.mem, DATA, 0x77, 8 * 512);
    vdrv_msi_seen(f->d, 0);
    unlock(f);
    iothread_drain(&((VirtIOBlk *)f->d->p)->io);
    assert_int_equal(vdrv_used_idx(f->d, &f->q), 0);
    assert_int_equal(vdrv_peek(f->d, DATA, 8), 0x7777777777777777ull);
    assert_false(vdrv_msi_seen(f->d, 0));
}

/* A guest cannot make Kite hold more than 64 MiB of bounce buffers. */
static void test_blk_inflight_bound(void **state)
{
    Fx *f = *state;
    VirtIOBlk *s;

    assert_int_equal(truncate(f->path, 8 * MiB), 0);
    blk_start(f, "", "");
    s = (VirtIOBlk *)f->d->p;
    lock(f);
    vdrv_poke(f->d, HDR, T_IN, 4);
    vdrv_poke(f->d, HDR + 8, 0, 8);
    for (int i = 0; i < 20; i++) {       /* 20 reads of 4 MiB, one buffer */
        vdrv_desc(f->d, f->q.desc, 3 * i, HDR, 16, VRING_DESC_F_NEXT,
                  3 * i + 1);
        vdrv_desc(f->d, f->q.desc, 3 * i + 1, DATA, 4 * MiB,
                  VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 3 * i + 2);
        vdrv_desc(f->d, f->q.desc, 3 * i + 2, STAT + i, 1,
                  VRING_DESC_F_WRITE, 0);
    }
    f->q.num = 64;
    vdrv_set_status(f->d, 0);
    assert_true(vdrv_negotiate(f->d, VDRV_BASE_FEATURES) &
                VIRTIO_STATUS_FEATURES_OK);
    vdrv_common_wr(f->d, VIRTIO_PCI_COMMON_Q_SELECT, 0, 2);
    vdrv_common_wr(f->d, VIRTIO_PCI_COMMON_Q_SIZE, 64, 2);
    vdrv_common_wr(f->d, VIRTIO_PCI_COMMON_Q_DESCLO, f->q.desc, 8);
    vdrv_common_wr(f->d, VIRTIO_PCI_COMMON_Q_AVAILLO, f->q.avail, 8);
    vdrv_common_wr(f->d, VIRTIO_PCI_COMMON_Q_USEDLO, f->q.used, 8);
    vdrv_common_wr(f->d, VIRTIO_PCI_COMMON_Q_ENABLE, 1, 2);
    vdrv_driver_ok(f->d);
    for (int i = 0; i < 20; i++) {
        vdrv_post(f->d, &f->q, (uint16_t)(3 * i));
    }
    vdrv_notify(f->d, 0);
    assert_int_equal(s->proxy.vdev.vq[0].last_avail, 16);
    assert_int_equal(s->inflight_bytes, 64 * MiB);
    assert_int_equal(s->stalled, 1);
    unlock(f);
    assert_true(wait_used(f, &f->q, 20));
    assert_int_equal(s->inflight_bytes, 0);
    for (int i = 0; i < 20; i++) {
        assert_int_equal(vdrv_peek(f->d, STAT + i, 1), 0);
    }
}

static void test_blk_needs_drive(void **state)
{
    Fx *f = *state;
    Error err = { "" };
    VDrv *d = vdrv_new("virtio-blk-pci", "", &err);

    assert_null(d->p);
    assert_non_null(strstr(err.msg, "drive=ID"));
    vdrv_free(d);
    d = vdrv_new_drive("virtio-blk-pci", "drive=d0,num-queues=9",
                       "file=/x,id=d0", &err);
    assert_null(d->p);
    vdrv_free(d);
    snprintf(f->drive, sizeof(f->drive), "file=%s,id=d0", f->path);
    d = vdrv_new_drive("virtio-blk-pci", "drive=d1", f->drive, &err);
    assert_null(d->p);
    assert_non_null(strstr(err.msg, "no -drive with id 'd1'"));
    vdrv_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define B(f) cmocka_unit_test_setup_teardown(f, setup_backend, teardown)
#define V(f) cmocka_unit_test_setup_teardown(f, setup_blk, teardown)
        B(test_backend_rw_flush),
        B(test_backend_discard_zeroes),
        B(test_backend_locking),
        B(test_backend_readonly),
        B(test_backend_snapshot),
        B(test_backend_bad_files),
        cmocka_unit_test(test_drive_options),
        V(test_blk_config),
        V(test_blk_read_write),
        V(test_blk_flush_discard_zeroes),
        V(test_blk_get_id),
        V(test_blk_readonly),
        V(test_blk_bad_chain_breaks),
        V(test_blk_two_queues),
        V(test_blk_completes_off_vcpu),
        V(test_blk_reset_in_flight),
        V(test_blk_inflight_bound),
        V(test_blk_needs_drive),
#undef B
#undef V
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
