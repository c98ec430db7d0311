/*
 * qcow2 clusters: finding the L2 entry of a guest offset, reading a
 * cluster (from the image, the backing file, zeros, or a compressed
 * cluster inflated with zlib), and writing one (in place when the image
 * owns it alone, else into a new cluster with the rest copied up). Every
 * call covers one cluster at most; the caller holds the image's lock.
 */
#include "block/qcow2.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static uint64_t l1_index(const Qcow2 *q, uint64_t off)
{
    return off >> (2 * q->cluster_bits - 3);
}

static uint64_t l2_index(const Qcow2 *q, uint64_t off)
{
    return (off >> q->cluster_bits) & (q->l2_entries - 1);
}

static uint64_t in_cluster(const Qcow2 *q, uint64_t off)
{
    return off & (q->cluster_size - 1);
}

static int q_bad_entry(Qcow2 *q, uint64_t off, const char *what)
{
    if (!q->warned) {
        q->warned = true;
        error_report("disk image '%s': qcow2 %s for guest offset %#llx",
                     q->filename, what, (unsigned long long)off);
    }
    return -EIO;
}

void qcow2_compressed_range(const Qcow2 *q, uint64_t entry, uint64_t *off,
                            uint64_t *len)
{
    unsigned x = 62 - (q->cluster_bits - 8);
    uint64_t sectors = ((entry >> x) & ((1ull << (62 - x)) - 1)) + 1;

    *off = entry & ((1ull << x) - 1);
    *len = sectors * 512 - (*off & 511);
}

static Qcow2Kind q_classify(const Qcow2 *q, uint64_t e)
{
    if (e & QCOW2_OFLAG_COMPRESSED) {
        return QCOW2_COMPRESSED;
    }
    if ((e & QCOW2_OFLAG_ZERO) && q->version >= 3) {
        return QCOW2_ZERO;
    }
    return e & QCOW2_OFFSET_MASK ? QCOW2_NORMAL : QCOW2_UNALLOCATED;
}

/* Whether an entry points where the image can hold a cluster. */
static bool q_entry_ok(const Qcow2 *q, uint64_t e, Qcow2Kind kind)
{
    uint64_t host = e & QCOW2_OFFSET_MASK, end = q->end_cluster <<
                                                 q->cluster_bits;
    uint64_t coff, clen;

    if (kind == QCOW2_COMPRESSED) {
        qcow2_compressed_range(q, e, &coff, &clen);
        return coff >= q->cluster_size && coff < end;
    }
    if (!host) {
        return true;
    }
    return !in_cluster(q, host) && host < end;
}

int qcow2_get_entry(Qcow2 *q, uint64_t off, uint64_t *entry,
                    Qcow2Kind *kind)
{
    uint64_t l1i = l1_index(q, off), l2off;
    uint8_t *t;
    int r;

    *entry = 0;
    *kind = QCOW2_UNALLOCATED;
    if (l1i >= q->l1_size || !(l2off = q->l1[l1i] & QCOW2_OFFSET_MASK)) {
        return 0;
    }
    if ((r = qcow2_cache_get(q, &q->l2c, l2off, false, &t)) < 0) {
        return r;
    }
    *entry = ld64be(t + 8 * l2_index(q, off));
    *kind = q_classify(q, *entry);
    if (!q_entry_ok(q, *entry, *kind)) {
        return q_bad_entry(q, off, "L2 entry points outside the image");
    }
    return 0;
}

/* ---- reading ---- */

static int q_read_backing(Qcow2 *q, uint64_t off, uint8_t *buf, uint64_t len)
{
    uint64_t n = 0;

    if (q->backing && off < q->backing->size) {
        n = MIN(len, q->backing->size - off);
        int r = blk_pread(q->backing, off, buf, n);
        if (r < 0) {
            return r;
        }
    }
    memset(buf + n, 0, len - n);
    return 0;
}

static int q_inflate(const uint8_t *in, uint64_t inlen, uint8_t *out,
                     uint64_t outlen)
{
    z_stream z = { 0 };
    int r;

    if (inflateInit2(&z, -15) != Z_OK) {
        return -ENOMEM;
    }
    z.next_in = (uint8_t *)in;
    z.avail_in = (uInt)inlen;
    z.next_out = out;
    z.avail_out = (uInt)outlen;
    r = inflate(&z, Z_FINISH);
    inflateEnd(&z);
    if ((r != Z_STREAM_END && r != Z_BUF_ERROR) || z.avail_out) {
        return -EIO;
    }
    return 0;
}

/* The whole cluster behind a compressed entry, into out. */
static int q_read_compressed(Qcow2 *q, uint64_t goff, uint64_t e,
                             uint8_t *out)
{
    uint64_t off, len;
    uint8_t *in;
    int r;

    qcow2_compressed_range(q, e, &off, &len);
    len = MIN(len, 2 * q->cluster_size);
    in = xmalloc(len);
    r = blk_fd_rw(q->fd, off, in, len, false);
    if (!r && q_inflate(in, len, out, q->cluster_size) < 0) {
        r = q_bad_entry(q, goff, "compressed cluster does not inflate");
    }
    free(in);
    return r;
}

static int q_read_entry(Qcow2 *q, uint64_t off, uint64_t e, Qcow2Kind kind,
                        uint8_t *buf, uint64_t len)
{
    uint8_t *tmp;
    int r;

    switch (kind) {
    case QCOW2_UNALLOCATED:
        return q_read_backing(q, off, buf, len);
    case QCOW2_ZERO:
        memset(buf, 0, len);
        return 0;
    case QCOW2_NORMAL:
        return blk_fd_rw(q->fd, (e & QCOW2_OFFSET_MASK) + in_cluster(q, off),
                        buf, len, false);
    case QCOW2_COMPRESSED:
        tmp = xmalloc(q->cluster_size);
        r = q_read_compressed(q, off, e, tmp);
        if (!r) {
            memcpy(buf, tmp + in_cluster(q, off), len);
        }
        free(tmp);
        return r;
    }
    return -EIO;
}

int qcow2_read_cluster(Qcow2 *q, uint64_t off, uint8_t *buf, uint64_t len)
{
    uint64_t e;
    Qcow2Kind kind;
    int r = qcow2_get_entry(q, off, &e, &kind);

    return r ? r : q_read_entry(q, off, e, kind, buf, len);
}

/* ---- writing ---- */

/* The L2 table for guest offset off, allocated (or copied) if needed. */
static int q_ensure_l2(Qcow2 *q, uint64_t off, uint64_t *l2off)
{
    uint64_t l1i = l1_index(q, off), old = q->l1[l1i] & QCOW2_OFFSET_MASK;
    uint8_t *t, *copy = NULL;
    int64_t n;
    int r;

    if (old && (q->l1[l1i] & QCOW2_OFLAG_COPIED)) {
        *l2off = old;
        return 0;
    }
    if (old) {                           /* shared: copy before writing */
        copy = xmalloc(q->cluster_size);
        if ((r = qcow2_cache_get(q, &q->l2c, old, false, &t)) < 0) {
            free(copy);
            return r;
        }
        memcpy(copy, t, q->cluster_size);
        qcow2_free_later(q, old, 1);
    }
    if ((n = qcow2_alloc_clusters(q, 1)) < 0 ||
        (r = qcow2_cache_get(q, &q->l2c, (uint64_t)n, true, &t)) < 0) {
        free(copy);
        return n < 0 ? (int)n : r;
    }
    if (copy) {
        memcpy(t, copy, q->cluster_size);
        free(copy);
    }
    q->l1[l1i] = (uint64_t)n | QCOW2_OFLAG_COPIED;
    q->l1_dirty = true;
    *l2off = (uint64_t)n;
    return 0;
}

static int q_set_entry(Qcow2 *q, uint64_t off, uint64_t e)
{
    uint64_t l2off = 0;
    uint8_t *t;
    int r;

    if ((r = q_ensure_l2(q, off, &l2off)) < 0 ||
        (r = qcow2_cache_get(q, &q->l2c, l2off, false, &t)) < 0) {
        return r;
    }
    st64be(t + 8 * l2_index(q, off), e);
    qcow2_cache_mark_dirty(&q->l2c, t);
    return 0;
}

/* Drops the image's reference to what an entry pointed at. */
static void q_release(Qcow2 *q, uint64_t e, Qcow2Kind kind)
{
    uint64_t off, len;

    if (kind == QCOW2_COMPRESSED) {
        qcow2_compressed_range(q, e, &off, &len);
        uint64_t first = off >> q->cluster_bits;
        uint64_t last = (off + len - 1) >> q->cluster_bits;
        qcow2_free_later(q, first << q->cluster_bits, last - first + 1);
    } else if ((e & QCOW2_OFFSET_MASK) && !(e & QCOW2_OFLAG_COPIED)) {
        qcow2_free_later(q, e & QCOW2_OFFSET_MASK, 1);
    }
}

/* Whether the image alone owns the cluster of an entry (write in place). */
static bool q_owned(uint64_t e, Qcow2Kind kind)
{
    return (kind == QCOW2_NORMAL || kind == QCOW2_ZERO) &&
           (e & QCOW2_OFFSET_MASK) && (e & QCOW2_OFLAG_COPIED);
}

/* A whole new cluster: old content around the new bytes, then the L2. */
static int q_write_new(Qcow2 *q, uint64_t off, const uint8_t *buf,
                       uint64_t len, uint64_t e, Qcow2Kind kind)
{
    uint64_t start = off - in_cluster(q, off), host = 0;
    uint8_t *tmp = xmalloc(q->cluster_size);
    int64_t n;
    int r = 0;

    if (len < q->cluster_size) {
        r = q_read_entry(q, start, e, kind, tmp, q->cluster_size);
    }
    memcpy(tmp + in_cluster(q, off), buf, len);
    if (q_owned(e, kind)) {
        host = e & QCOW2_OFFSET_MASK;          /* an allocated zero cluster */
    } else if (!r && (n = qcow2_alloc_clusters(q, 1)) < 0) {
        r = (int)n;
    } else if (!r) {
        host = (uint64_t)n;
    }
    r = r ? r : blk_fd_rw(q->fd, host, tmp, q->cluster_size, true);
    free(tmp);
    if (r) {
        return r;
    }
    q->data_dirty = true;
    if (!q_owned(e, kind)) {
        q_release(q, e, kind);
    }
    return q_set_entry(q, start, host | QCOW2_OFLAG_COPIED);
}

int qcow2_write_cluster(Qcow2 *q, uint64_t off, const uint8_t *buf,
                        uint64_t len)
{
    uint64_t e;
    Qcow2Kind kind;
    int r = qcow2_get_entry(q, off, &e, &kind);

    if (r) {
        return r;
    }
    if (kind == QCOW2_NORMAL && q_owned(e, kind)) {
        q->data_dirty = true;
        return blk_fd_rw(q->fd, (e & QCOW2_OFFSET_MASK) + in_cluster(q, off),
                        (void *)buf, len, true);
    }
    return q_write_new(q, off, buf, len, e, kind);
}

int qcow2_zero_cluster(Qcow2 *q, uint64_t off, uint64_t len)
{
    uint64_t e;
    Qcow2Kind kind;
    uint8_t *z;
    int r = qcow2_get_entry(q, off, &e, &kind);

    if (r || kind == QCOW2_ZERO ||
        (kind == QCOW2_UNALLOCATED && !q->backing)) {
        return r;                        /* reads as zeros already */
    }
    if (len == q->cluster_size && q->version >= 3) {
        uint64_t keep = q_owned(e, kind) ? (e & QCOW2_OFFSET_MASK) |
                                           QCOW2_OFLAG_COPIED : 0;
        if (!keep) {
            q_release(q, e, kind);
        }
        return q_set_entry(q, off, keep | QCOW2_OFLAG_ZERO);
    }
    z = xzalloc(len);
    r = qcow2_write_cluster(q, off, z, len);
    free(z);
    return r;
}
