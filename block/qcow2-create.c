/*
 * qcow2 images made and grown: kite-img create lays out the header, the
 * refcount table, the refcount blocks that count all of that and an
 * empty L1 table, each on its own clusters; kite-img resize grows the
 * virtual size, moving the L1 table to new clusters when it outgrows
 * its own (new table written and synced before the header points at it).
 */
#include "block/qcow2.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct CreateLayout {
    uint64_t cs, l1_entries, l1c, rtc, rbc, meta;
} CreateLayout;

static void create_layout(const Qcow2CreateOptions *o, CreateLayout *l)
{
    uint64_t per_l1 = (1ull << o->cluster_bits) * ((1ull << o->cluster_bits)
                                                   / 8);
    uint64_t epb = (1ull << o->cluster_bits) * 8 / 16;

    l->cs = 1ull << o->cluster_bits;
    l->l1_entries = (o->size + per_l1 - 1) / per_l1;
    l->l1c = MAX(1, (l->l1_entries * 8 + l->cs - 1) / l->cs);
    l->rtc = 1;
    l->rbc = 1;
    for (;;) {
        uint64_t meta = 1 + l->rtc + l->rbc + l->l1c;
        uint64_t rbc = (meta + epb - 1) / epb;
        uint64_t rtc = (rbc * 8 + l->cs - 1) / l->cs;
        if (rbc <= l->rbc && rtc <= l->rtc) {
            l->meta = meta;
            return;
        }
        l->rbc = MAX(l->rbc, rbc);
        l->rtc = MAX(l->rtc, rtc);
    }
}

/* Header extensions from `at`: backing format, end; returns the end. */
static uint64_t create_extensions(uint8_t *c, uint64_t at,
                                  const Qcow2CreateOptions *o)
{
    if (o->backing_fmt) {
        uint32_t n = (uint32_t)strlen(o->backing_fmt);
        st32be(c + at, QCOW2_EXT_BACKING_FMT);
        st32be(c + at + 4, n);
        memcpy(c + at + 8, o->backing_fmt, n);
        at += 8 + ALIGN_UP((uint64_t)n, 8);
    }
    return at + 8;                       /* the end marker: zeros */
}

static void create_header(uint8_t *c, const Qcow2CreateOptions *o,
                          const CreateLayout *l)
{
    uint32_t hlen = o->version >= 3 ? QCOW2_V3_HEADER : QCOW2_V2_HEADER;
    uint64_t end = create_extensions(c, hlen, o);

    st32be(c, QCOW2_MAGIC);
    st32be(c + 4, o->version);
    if (o->backing) {
        st64be(c + 8, end);
        st32be(c + 16, (uint32_t)strlen(o->backing));
        memcpy(c + end, o->backing, strlen(o->backing));
    }
    st32be(c + 20, o->cluster_bits);
    st64be(c + 24, o->size);
    st32be(c + 36, (uint32_t)l->l1_entries);
    st64be(c + 40, (1 + l->rtc + l->rbc) * l->cs);
    st64be(c + 48, l->cs);
    st32be(c + 56, (uint32_t)l->rtc);
    if (o->version >= 3) {
        st32be(c + 96, 4);               /* 16-bit refcounts */
        st32be(c + 100, hlen);
    }
}

static void create_refcounts(uint8_t *img, const CreateLayout *l)
{
    uint8_t *rt = img + l->cs, *rb = img + (1 + l->rtc) * l->cs;

    for (uint64_t i = 0; i < l->rbc; i++) {
        st64be(rt + 8 * i, (1 + l->rtc + i) * l->cs);
    }
    for (uint64_t c = 0; c < l->meta; c++) {
        st16be(rb + 2 * c, 1);           /* blocks follow each other */
    }
}

static int create_check(const char *filename, const Qcow2CreateOptions *o,
                        Error *err)
{
    if (o->version != 2 && o->version != 3) {
        return error_setg(err, "'%s': qcow2 version must be 2 or 3 (compat="
                          "0.10 or 1.1)", filename);
    }
    if (o->cluster_bits < QCOW2_MIN_CLUSTER_BITS ||
        o->cluster_bits > QCOW2_MAX_CLUSTER_BITS) {
        return error_setg(err, "'%s': cluster size must be a power of two "
                          "from 512 bytes to 2 MiB", filename);
    }
    if (o->size > (1ull << 50)) {
        return error_setg(err, "'%s': size too large for qcow2 (at most "
                          "1 PiB here)", filename);
    }
    if (o->backing && (!*o->backing ||
                       strlen(o->backing) > QCOW2_MAX_BACKING_NAME)) {
        return error_setg(err, "'%s': backing file name empty or longer "
                          "than %d bytes", filename, QCOW2_MAX_BACKING_NAME);
    }
    return 0;
}

static int create_write(int fd, const Qcow2CreateOptions *o)
{
    CreateLayout l;
    uint8_t *img;
    int r;

    create_layout(o, &l);
    if ((l.meta << o->cluster_bits) > 64 * MiB) {
        return -EFBIG;
    }
    img = xzalloc(l.meta * l.cs);
    create_header(img, o, &l);
    create_refcounts(img, &l);
    r = ftruncate(fd, 0) < 0 ? -errno : blk_fd_rw(fd, 0, img, l.meta * l.cs,
                                                  true);
    free(img);
    return r ? r : (fsync(fd) < 0 ? -errno : 0);
}

int qcow2_create(const char *filename, const Qcow2CreateOptions *o,
                 Error *err)
{
    Qcow2CreateOptions oo = *o;
    struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
    int fd, r;

    oo.size = ALIGN_UP(o->size, 512);
    if (create_check(filename, &oo, err) < 0) {
        return -1;
    }
    fd = open(filename, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        return error_setg(err, "cannot create '%s': %s", filename,
                          strerror(errno));
    }
    if (fcntl(fd, F_OFD_SETLK, &fl) < 0) {
        close(fd);
        return error_setg(err, "'%s' is in use by another process",
                          filename);
    }
    r = create_write(fd, &oo);
    close(fd);
    if (r < 0) {
        return error_setg(err, "cannot write '%s': %s", filename,
                          strerror(-r));
    }
    return 0;
}

/* ---- resize ---- */

static int resize_header(Qcow2 *q, uint64_t size, uint32_t l1_size,
                         uint64_t l1_offset)
{
    uint8_t h[24] = { 0 };

    st64be(h, size);                     /* size, crypt_method, L1 */
    st32be(h + 12, l1_size);
    st64be(h + 16, l1_offset);
    return qcow2_write_header_fields(q, 24, h, sizeof(h));
}

/* A larger L1 table on new clusters, synced before the header switch. */
static int resize_move_l1(Qcow2 *q, uint64_t need, uint64_t *off)
{
    uint64_t n = (need * 8 + q->cluster_size - 1) >> q->cluster_bits;
    uint64_t *be = xzalloc(n * q->cluster_size);
    int64_t at = qcow2_alloc_clusters(q, n);
    int r = at < 0 ? (int)at : qcow2_writeback(q);

    for (uint64_t i = 0; !r && i < q->l1_size; i++) {
        st64be(&be[i], q->l1[i]);
    }
    if (!r) {
        r = blk_fd_rw(q->fd, (uint64_t)at, be, n * q->cluster_size, true);
    }
    free(be);
    if (!r && fdatasync(q->fd) < 0) {
        r = -errno;
    }
    *off = (uint64_t)at;
    return r;
}

int qcow2_resize(Qcow2 *q, uint64_t size, Error *err)
{
    uint64_t per = q->cluster_size * q->l2_entries;
    uint64_t need, off = q->l1_offset, have;
    int r;

    size = ALIGN_UP(size, 512);
    if (size < q->size) {
        return error_setg(err, "shrinking a qcow2 image is not supported");
    }
    need = (size + per - 1) / per;
    if (need * 8 > QCOW2_MAX_L1_BYTES || size > (1ull << 50)) {
        return error_setg(err, "size too large for qcow2");
    }
    have = ALIGN_UP((uint64_t)q->l1_size * 8, q->cluster_size) / 8;
    pthread_mutex_lock(&q->lock);
    r = qcow2_writeback(q);
    if (!r && need > have) {
        r = resize_move_l1(q, need, &off);
    }
    if (!r) {
        r = resize_header(q, size, (uint32_t)MAX(need, q->l1_size), off);
    }
    if (!r && off != q->l1_offset) {
        qcow2_free_later(q, q->l1_offset, have * 8 / q->cluster_size);
    }
    if (!r && need > q->l1_size) {
        q->l1 = xrealloc(q->l1, need * 8);
        memset(q->l1 + q->l1_size, 0, (need - q->l1_size) * 8);
        q->l1_size = (uint32_t)need;
    }
    q->l1_offset = off;
    q->size = r ? q->size : size;
    r = r ? r : qcow2_writeback(q);
    pthread_mutex_unlock(&q->lock);
    return r ? error_setg(err, "cannot resize: %s", strerror(-r)) : 0;
}
