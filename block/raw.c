/*
 * Opening an image (raw or qcow2) and raw disk images: the image file is
 * the disk, byte for byte. qcow2 images go through block/qcow2*.c; this
 * file does the checks made at open, the locking and snapshot=on for
 * both formats (see block.h).
 */
#include "block/block.h"
#include "block/qcow2.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

/* An OFD lock over the whole file: shared to read, exclusive to write. */
static int blk_lock(int fd, bool write)
{
    struct flock fl = {
        .l_type = write ? F_WRLCK : F_RDLCK,
        .l_whence = SEEK_SET,
    };

    return fcntl(fd, F_OFD_SETLK, &fl) < 0 ? -errno : 0;
}

static int blk_size_of(int fd, const struct stat *st, uint64_t *size)
{
    if (S_ISREG(st->st_mode)) {
        *size = (uint64_t)st->st_size;
        return 0;
    }
    if (S_ISBLK(st->st_mode)) {
        return ioctl(fd, BLKGETSIZE64, size) < 0 ? -errno : 0;
    }
    return -EINVAL;
}

static int blk_open_fd(const BlockOptions *o, bool write, Error *err)
{
    /* O_NONBLOCK: a FIFO must not hang the open; cleared once checked */
    int flags = (write ? O_RDWR : O_RDONLY) | O_CLOEXEC | O_NONBLOCK;
    int fd = -1;

    if (o->cache == BLOCK_CACHE_NONE) {
        fd = open(o->file, flags | O_DIRECT);
    }
    if (fd < 0) {
        fd = open(o->file, flags);
    }
    if (fd < 0) {
        error_setg(err, "cannot open disk image '%s': %s", o->file,
                   strerror(errno));
    }
    return fd;
}

/* An unlinked file beside nothing: the overlay of snapshot=on. */
static int blk_overlay_open(BlockBackend *bb, Error *err)
{
    const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    uint64_t clusters = (bb->size + BLOCK_OVERLAY_CLUSTER - 1) /
                        BLOCK_OVERLAY_CLUSTER;

    bb->overlay_fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (bb->overlay_fd < 0 || ftruncate(bb->overlay_fd, (off_t)bb->size) < 0) {
        return error_setg(err, "snapshot=on: cannot create a temporary file "
                          "in %s: %s", dir, strerror(errno));
    }
    bb->overlay_map = xzalloc(clusters / 8 + 1);
    return 0;
}

static int blk_check(BlockBackend *bb, const BlockOptions *o, bool write,
                     Error *err)
{
    struct stat st;
    int r;

    if (fstat(bb->fd, &st) < 0 || blk_size_of(bb->fd, &st, &bb->size) < 0) {
        return error_setg(err, "disk image '%s' is not a regular file or a "
                          "block device", o->file);
    }
    fcntl(bb->fd, F_SETFL, fcntl(bb->fd, F_GETFL) & ~O_NONBLOCK);
    bb->lock_write = write;
    if (o->defer_lock) {
        return 0;
    }
    bb->locked = true;
    if ((r = blk_lock(bb->fd, write)) < 0) {
        return error_setg(err, "disk image '%s' is in use by another process "
                          "(%s lock refused: %s)", o->file,
                          write ? "write" : "read", strerror(-r));
    }
    return 0;
}

void blk_lock_release(BlockBackend *bb)
{
    struct flock fl = { .l_type = F_UNLCK, .l_whence = SEEK_SET };

    if (bb->locked) {
        if (bb->qcow2) {
            qcow2_flush(bb->qcow2);      /* metadata too, for the taker */
        }
        fdatasync(bb->fd);
        fcntl(bb->fd, F_OFD_SETLK, &fl);
        bb->locked = false;
    }
}

/* The other process may have changed the metadata: read it again. */
static int blk_qcow2_reload(BlockBackend *bb, Error *err)
{
    Qcow2 *q = qcow2_open(bb->fd, bb->filename, bb->lock_write, 0, err);

    if (!q) {
        return -1;
    }
    qcow2_close(bb->qcow2);          /* nothing of it is dirty */
    bb->qcow2 = q;
    bb->size = q->size;
    return 0;
}

int blk_lock_take(BlockBackend *bb, Error *err)
{
    int r;

    if (bb->locked) {
        return 0;
    }
    if ((r = blk_lock(bb->fd, bb->lock_write)) < 0) {
        return error_setg(err, "disk image '%s' is in use by another process "
                          "(%s lock refused: %s)", bb->filename,
                          bb->lock_write ? "write" : "read", strerror(-r));
    }
    bb->locked = true;
    return bb->qcow2 ? blk_qcow2_reload(bb, err) : 0;
}

/* The format: as asked, or qcow2 if the file starts with its magic. */
static int blk_open_format(BlockBackend *bb, const BlockOptions *o,
                           bool write, unsigned depth, Error *err)
{
    uint8_t magic[4] = { 0 };

    bb->format = o->format;
    if (bb->format == BLOCK_FORMAT_AUTO) {
        bool q = pread(bb->fd, magic, 4, 0) == 4 && qcow2_probe(magic, 4);
        bb->format = q ? BLOCK_FORMAT_QCOW2 : BLOCK_FORMAT_RAW;
    }
    if (bb->format == BLOCK_FORMAT_QCOW2) {
        /* metadata I/O is not sector-aligned: no O_DIRECT for qcow2 */
        fcntl(bb->fd, F_SETFL, fcntl(bb->fd, F_GETFL) & ~O_DIRECT);
        bb->qcow2 = qcow2_open(bb->fd, o->file, write, depth, err);
        if (!bb->qcow2) {
            return -1;
        }
        bb->size = bb->qcow2->size;
    }
    if (bb->size < 512 && !o->any_size) {
        return error_setg(err, "disk image '%s' is smaller than one 512-byte "
                          "sector", o->file);
    }
    return 0;
}

static BlockBackend *blk_open_at(const BlockOptions *o, unsigned depth,
                                 Error *err)
{
    BlockBackend *bb = xzalloc(sizeof(*bb));
    bool write = !o->readonly && !o->snapshot;

    bb->filename = xstrdup(o->file);
    bb->readonly = o->readonly;
    bb->cache = o->cache;
    bb->overlay_fd = -1;
    pthread_mutex_init(&bb->overlay_lock, NULL);
    if ((bb->fd = blk_open_fd(o, write, err)) < 0 ||
        blk_check(bb, o, write, err) < 0 ||
        blk_open_format(bb, o, write, depth, err) < 0 ||
        (o->snapshot && !o->readonly && blk_overlay_open(bb, err) < 0)) {
        blk_close(bb);
        return NULL;
    }
    return bb;
}

BlockBackend *blk_open(const BlockOptions *o, Error *err)
{
    return blk_open_at(o, 0, err);
}

BlockBackend *blk_open_backing(const char *file, BlockFormat format,
                               unsigned depth, Error *err)
{
    BlockOptions o = {
        .file = file, .format = format, .readonly = true, .any_size = true,
    };

    if (depth > QCOW2_MAX_CHAIN) {
        error_setg(err, "backing chain longer than %d images (a loop?)",
                   QCOW2_MAX_CHAIN);
        return NULL;
    }
    return blk_open_at(&o, depth, err);
}

BlockFormat blk_format_parse(const char *name)
{
    if (!strcmp(name, "raw")) {
        return BLOCK_FORMAT_RAW;
    }
    return strcmp(name, "qcow2") ? BLOCK_FORMAT_AUTO : BLOCK_FORMAT_QCOW2;
}

const char *blk_format_name(BlockFormat f)
{
    return f == BLOCK_FORMAT_QCOW2 ? "qcow2" : "raw";
}

void blk_close(BlockBackend *bb)
{
    if (!bb) {
        return;
    }
    qcow2_close(bb->qcow2);
    if (bb->fd >= 0) {
        close(bb->fd);           /* drops the OFD lock */
    }
    if (bb->overlay_fd >= 0) {
        close(bb->overlay_fd);
    }
    pthread_mutex_destroy(&bb->overlay_lock);
    free(bb->overlay_map);
    free(bb->filename);
    free(bb);
}

void *blk_buf_alloc(uint64_t len, bool zero)
{
    void *p = NULL;
    size_t n = (size_t)((len + BLOCK_BUF_ALIGN - 1) & ~(BLOCK_BUF_ALIGN - 1));

    if (posix_memalign(&p, BLOCK_BUF_ALIGN, n ? n : BLOCK_BUF_ALIGN)) {
        abort();
    }
    if (zero) {
        memset(p, 0, n);
    }
    return p;
}

/* ---- whole transfers, restarted after EINTR and short counts ---- */

int blk_fd_rw(int fd, uint64_t off, void *buf, uint64_t len, bool is_write)
{
    uint8_t *p = buf;

    while (len) {
        ssize_t n = is_write ? pwrite(fd, p, len, (off_t)off)
                             : pread(fd, p, len, (off_t)off);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return -errno;
        }
        if (n == 0) {
            if (is_write) {
                return -EIO;
            }
            memset(p, 0, len);     /* a block device shorter than said */
            return 0;
        }
        p += n;
        off += (uint64_t)n;
        len -= (uint64_t)n;
    }
    return 0;
}

/* Reads the image itself (not the overlay of snapshot=on). */
static int blk_base_read(BlockBackend *bb, uint64_t off, void *buf,
                         uint64_t len)
{
    if (bb->qcow2) {
        return qcow2_pread(bb->qcow2, off, buf, len);
    }
    return blk_fd_rw(bb->fd, off, buf, len, false);
}

/* ---- snapshot=on: clusters copied up into the overlay ---- */

static bool ov_has(const BlockBackend *bb, uint64_t c)
{
    return bb->overlay_map[c / 8] & (1u << (c % 8));
}

static int ov_copy_up(BlockBackend *bb, uint64_t c)
{
    uint64_t off = c * BLOCK_OVERLAY_CLUSTER;
    uint64_t n = MIN(BLOCK_OVERLAY_CLUSTER, bb->size - off);
    uint8_t *tmp;
    int r;

    if (ov_has(bb, c)) {
        return 0;
    }
    tmp = blk_buf_alloc(n, false);
    r = blk_base_read(bb, off, tmp, n);
    r = r ? r : blk_fd_rw(bb->overlay_fd, off, tmp, n, true);
    free(tmp);
    if (!r) {
        bb->overlay_map[c / 8] |= 1u << (c % 8);
    }
    return r;
}

/* Reads or writes through the overlay, a cluster piece at a time. */
static int ov_rw(BlockBackend *bb, uint64_t off, uint8_t *buf, uint64_t len,
                 bool is_write)
{
    int r = 0;

    pthread_mutex_lock(&bb->overlay_lock);
    while (len && !r) {
        uint64_t c = off / BLOCK_OVERLAY_CLUSTER;
        uint64_t n = MIN(len, (c + 1) * BLOCK_OVERLAY_CLUSTER - off);

        if (is_write) {
            r = ov_copy_up(bb, c);
            r = r ? r : blk_fd_rw(bb->overlay_fd, off, buf, n, true);
        } else if (ov_has(bb, c)) {
            r = blk_fd_rw(bb->overlay_fd, off, buf, n, false);
        } else {
            r = blk_base_read(bb, off, buf, n);
        }
        off += n;
        buf += n;
        len -= n;
    }
    pthread_mutex_unlock(&bb->overlay_lock);
    return r;
}

/* ---- operations ---- */

static bool blk_in_range(const BlockBackend *bb, uint64_t off, uint64_t len)
{
    return off <= bb->size && len <= bb->size - off;
}

int blk_pread(BlockBackend *bb, uint64_t off, void *buf, uint64_t len)
{
    if (!blk_in_range(bb, off, len)) {
        return -EINVAL;
    }
    if (bb->overlay_fd >= 0) {
        return ov_rw(bb, off, buf, len, false);
    }
    return blk_base_read(bb, off, buf, len);
}

int blk_pwrite(BlockBackend *bb, uint64_t off, const void *buf, uint64_t len)
{
    int r;

    if (bb->readonly) {
        return -EROFS;
    }
    if (!blk_in_range(bb, off, len)) {
        return -EINVAL;
    }
    if (bb->overlay_fd >= 0) {
        return ov_rw(bb, off, (uint8_t *)buf, len, true);
    }
    if (bb->qcow2) {
        r = qcow2_pwrite(bb->qcow2, off, buf, len);
    } else {
        r = blk_fd_rw(bb->fd, off, (void *)buf, len, true);
    }
    if (!r && bb->cache == BLOCK_CACHE_WRITETHROUGH) {
        r = blk_flush(bb);
    }
    return r;
}

int blk_flush(BlockBackend *bb)
{
    if (bb->readonly || bb->overlay_fd >= 0) {
        return 0;                /* nothing of ours reaches the image */
    }
    atomic_fetch_add(&bb->flushes, 1);
    if (bb->qcow2) {
        return qcow2_flush(bb->qcow2);
    }
    return fdatasync(bb->fd) < 0 ? -errno : 0;
}

/* Writes zeros the slow way (file systems without fallocate modes). */
static int blk_zero_fill(BlockBackend *bb, uint64_t off, uint64_t len)
{
    uint64_t chunk = MIN(len, (uint64_t)MiB);
    uint8_t *z = blk_buf_alloc(chunk, true);
    int r = 0;

    while (len && !r) {
        uint64_t n = MIN(len, chunk);
        r = blk_fd_rw(bb->fd, off, z, n, true);
        off += n;
        len -= n;
    }
    free(z);
    return r;
}

static int blk_fallocate(BlockBackend *bb, int mode, uint64_t off,
                         uint64_t len)
{
    if (bb->readonly) {
        return -EROFS;
    }
    if (!blk_in_range(bb, off, len)) {
        return -EINVAL;
    }
    if (bb->overlay_fd >= 0) {
        uint8_t *z = blk_buf_alloc(len, true);
        int r = ov_rw(bb, off, z, len, true);
        free(z);
        return r;
    }
    if (bb->qcow2) {
        return qcow2_write_zeroes(bb->qcow2, off, len);
    }
    if (fallocate(bb->fd, mode, (off_t)off, (off_t)len) == 0) {
        return 0;
    }
    if (errno != EOPNOTSUPP && errno != ENOSYS && errno != EINVAL) {
        return -errno;
    }
    return blk_zero_fill(bb, off, len);
}

int blk_discard(BlockBackend *bb, uint64_t off, uint64_t len)
{
    atomic_fetch_add(&bb->discards, 1);
    return blk_fallocate(bb, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off,
                         len);
}

int blk_write_zeroes(BlockBackend *bb, uint64_t off, uint64_t len)
{
    atomic_fetch_add(&bb->zeroes, 1);
    return blk_fallocate(bb, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, off,
                         len);
}
