/*
 * qcow2: opening an image (the header checked field by field, the L1 and
 * refcount tables loaded and checked), closing it, and the entry points
 * the block layer calls, each under the image's lock. See qcow2.h.
 */
#include "block/qcow2.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

bool qcow2_probe(const uint8_t *buf, size_t len)
{
    return len >= 4 && ld32be(buf) == QCOW2_MAGIC;
}

static int q_fail(const Qcow2 *q, Error *err, const char *fmt, ...)
    PRINTF_FMT(3, 4);

static int q_fail(const Qcow2 *q, Error *err, const char *fmt, ...)
{
    char msg[400];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return error_setg(err, "disk image '%s': qcow2 %s", q->filename, msg);
}

static bool in_file(uint64_t off, uint64_t len, uint64_t fsize)
{
    return off <= fsize && len <= fsize - off;
}

/* ---- the header ---- */

static void q_parse_fields(Qcow2 *q, const uint8_t *h)
{
    q->version = ld32be(h + 4);
    q->backing_offset = ld64be(h + 8);
    q->backing_len = ld32be(h + 16);
    q->cluster_bits = ld32be(h + 20);
    q->size = ld64be(h + 24);
    q->l1_size = ld32be(h + 36);
    q->l1_offset = ld64be(h + 40);
    q->rt_offset = ld64be(h + 48);
    q->rt_clusters = ld32be(h + 56);
    q->nb_snapshots = ld32be(h + 60);
    q->snapshots_offset = ld64be(h + 64);
    q->refcount_order = 4;
    q->header_length = QCOW2_V2_HEADER;
    if (q->version >= 3) {
        q->incompat = ld64be(h + 72);
        q->compat = ld64be(h + 80);
        q->autoclear = ld64be(h + 88);
        q->refcount_order = ld32be(h + 96);
        q->header_length = ld32be(h + 100);
    }
}

static const char *const incompat_names[] = {
    "the dirty bit (lazy refcounts in use)",
    "the corrupt bit",
    "an external data file",
    "a compression type other than zlib",
    "extended L2 entries",
};

static int q_check_features(Qcow2 *q, Error *err)
{
    for (unsigned i = 0; i < 64; i++) {
        if (!(q->incompat & (1ull << i))) {
            continue;
        }
        if (i < ARRAY_SIZE(incompat_names)) {
            return q_fail(q, err, "image has %s, which Kite does not "
                          "support", incompat_names[i]);
        }
        return q_fail(q, err, "unknown incompatible feature bit %u", i);
    }
    return 0;
}

static int q_check_basic(Qcow2 *q, const uint8_t *h, uint32_t crypt,
                         Error *err)
{
    if (ld32be(h) != QCOW2_MAGIC) {
        return q_fail(q, err, "header: bad magic");
    }
    if (q->version != 2 && q->version != 3) {
        return q_fail(q, err, "version %u is not supported (2 or 3)",
                      q->version);
    }
    if (q->cluster_bits < QCOW2_MIN_CLUSTER_BITS ||
        q->cluster_bits > QCOW2_MAX_CLUSTER_BITS) {
        return q_fail(q, err, "cluster_bits %u out of range (9-21)",
                      q->cluster_bits);
    }
    q->cluster_size = 1ull << q->cluster_bits;
    if (q->version >= 3 && (q->header_length < QCOW2_V3_HEADER ||
                            q->header_length > q->cluster_size ||
                            q->header_length % 8)) {
        return q_fail(q, err, "header length %u is invalid",
                      q->header_length);
    }
    if (crypt) {
        return q_fail(q, err, "encrypted images are not supported");
    }
    if (q->refcount_order > 6) {
        return q_fail(q, err, "refcount order %u is invalid (0-6)",
                      q->refcount_order);
    }
    return q_check_features(q, err);
}

static int q_check_size(Qcow2 *q, Error *err)
{
    uint64_t need;

    q->l2_entries = q->cluster_size / 8;
    q->rb_entries = q->cluster_size * 8 >> q->refcount_order;
    if (q->size > (1ull << 62)) {
        return q_fail(q, err, "virtual size %llu is too large",
                      (unsigned long long)q->size);
    }
    need = (q->size + q->cluster_size * q->l2_entries - 1) /
           (q->cluster_size * q->l2_entries);
    if ((uint64_t)q->l1_size * 8 > QCOW2_MAX_L1_BYTES) {
        return q_fail(q, err, "L1 table of %u entries is too large",
                      q->l1_size);
    }
    if (q->l1_size < need) {
        return q_fail(q, err, "L1 table of %u entries is too small for "
                      "the virtual size", q->l1_size);
    }
    if (!q->rt_clusters ||
        (uint64_t)q->rt_clusters * q->cluster_size > QCOW2_MAX_RT_BYTES) {
        return q_fail(q, err, "refcount table of %u clusters is invalid",
                      q->rt_clusters);
    }
    return 0;
}

/* A table offset: cluster-aligned, the whole table inside the file. */
static int q_check_table(Qcow2 *q, const char *what, uint64_t off,
                         uint64_t bytes, uint64_t fsize, Error *err)
{
    if (off & (q->cluster_size - 1)) {
        return q_fail(q, err, "%s offset %#llx is not cluster-aligned", what,
                      (unsigned long long)off);
    }
    if (bytes && (!off || !in_file(off, bytes, fsize))) {
        return q_fail(q, err, "%s at %#llx is outside the file", what,
                      (unsigned long long)off);
    }
    return 0;
}

/* Reads a table of n big-endian u64 into host order. */
static int q_load_table(Qcow2 *q, uint64_t off, uint64_t n, uint64_t **out)
{
    uint64_t *t = xzalloc(MAX(n, 1) * 8);
    int r = blk_fd_rw(q->fd, off, t, n * 8, false);

    for (uint64_t i = 0; i < n; i++) {
        t[i] = ld64be(&t[i]);
    }
    *out = t;
    return r;
}

/* Every entry of a loaded table points at a cluster inside the file. */
static int q_check_entries(Qcow2 *q, const char *what, const uint64_t *t,
                           uint64_t n, uint64_t mask, uint64_t fsize,
                           Error *err)
{
    for (uint64_t i = 0; i < n; i++) {
        uint64_t off = t[i] & mask;
        if (!off) {
            continue;
        }
        if (off & (q->cluster_size - 1)) {
            return q_fail(q, err, "%s entry %llu is not cluster-aligned",
                          what, (unsigned long long)i);
        }
        if (off >= fsize) {
            return q_fail(q, err, "%s entry %llu points past the end of the "
                          "file", what, (unsigned long long)i);
        }
    }
    return 0;
}

static int q_load_tables(Qcow2 *q, uint64_t fsize, Error *err)
{
    uint64_t rt_n = (uint64_t)q->rt_clusters * q->cluster_size / 8;

    if (q_check_table(q, "L1 table", q->l1_offset, q->l1_size * 8ull, fsize,
                      err) < 0 ||
        q_check_table(q, "refcount table", q->rt_offset,
                      rt_n * 8, fsize, err) < 0) {
        return -1;
    }
    if (q->nb_snapshots &&
        q_check_table(q, "snapshot table", q->snapshots_offset, 1, fsize,
                      err) < 0) {
        return -1;
    }
    if (qcow2_snapshots_load(q, fsize) < 0) {
        return q_fail(q, err, "snapshot table is invalid");
    }
    if (q_load_table(q, q->l1_offset, q->l1_size, &q->l1) < 0 ||
        q_load_table(q, q->rt_offset, rt_n, &q->rt) < 0) {
        return q_fail(q, err, "cannot read the tables: %s", strerror(EIO));
    }
    for (uint64_t i = 0; i < rt_n; i++) {
        q->rt[i] &= ~511ull;                   /* bits 0-8 are reserved */
    }
    return q_check_entries(q, "L1", q->l1, q->l1_size, QCOW2_OFFSET_MASK,
                           fsize, err) < 0 ||
           q_check_entries(q, "refcount table", q->rt, rt_n, ~0ull, fsize,
                           err) < 0 ? -1 : 0;
}

/* ---- header extensions and the backing file ---- */

static int q_ext_backing_fmt(Qcow2 *q, const uint8_t *d, uint32_t len,
                             Error *err)
{
    free(q->backing_fmt);
    q->backing_fmt = xmalloc(len + 1);
    memcpy(q->backing_fmt, d, len);
    q->backing_fmt[len] = '\0';
    if (blk_format_parse(q->backing_fmt) == BLOCK_FORMAT_AUTO) {
        return q_fail(q, err, "backing format '%.40s' is not supported",
                      q->backing_fmt);
    }
    return 0;
}

static int q_read_extensions(Qcow2 *q, const uint8_t *c, uint64_t end,
                             Error *err)
{
    uint64_t at = q->header_length;

    while (at + 8 <= end) {
        uint32_t type = ld32be(c + at), len = ld32be(c + at + 4);
        at += 8;
        if (type == QCOW2_EXT_END) {
            return 0;
        }
        if (len > end - at) {
            return q_fail(q, err, "header extension %#x overruns the header",
                          type);
        }
        if (type == QCOW2_EXT_DATA_FILE) {
            return q_fail(q, err, "external data files are not supported");
        }
        if (type == QCOW2_EXT_BACKING_FMT &&
            q_ext_backing_fmt(q, c + at, len, err) < 0) {
            return -1;
        }
        at += ALIGN_UP((uint64_t)len, 8);
    }
    return 0;
}

static int q_read_backing_name(Qcow2 *q, const uint8_t *c, Error *err)
{
    if (!q->backing_offset) {
        return 0;
    }
    if (!q->backing_len || q->backing_len > QCOW2_MAX_BACKING_NAME ||
        q->backing_offset >= q->cluster_size ||
        q->backing_len > q->cluster_size - q->backing_offset ||
        q->backing_offset < q->header_length) {
        return q_fail(q, err, "backing file name at %#llx (%u bytes) is "
                      "invalid", (unsigned long long)q->backing_offset,
                      q->backing_len);
    }
    q->backing_name = xmalloc(q->backing_len + 1);
    memcpy(q->backing_name, c + q->backing_offset, q->backing_len);
    q->backing_name[q->backing_len] = '\0';
    if (strlen(q->backing_name) != q->backing_len) {
        return q_fail(q, err, "backing file name holds a NUL byte");
    }
    return 0;
}

char *qcow2_backing_path(const char *image, const char *name)
{
    const char *slash = strrchr(image, '/');

    if (name[0] == '/' || !slash) {
        return xstrdup(name);
    }
    return xasprintf("%.*s/%s", (int)(slash - image), image, name);
}

static int q_open_backing(Qcow2 *q, unsigned depth, Error *err)
{
    char *path;
    BlockFormat fmt = BLOCK_FORMAT_AUTO;

    if (!q->backing_name) {
        return 0;
    }
    if (q->backing_fmt) {
        fmt = blk_format_parse(q->backing_fmt);
    }
    path = qcow2_backing_path(q->filename, q->backing_name);
    q->backing = blk_open_backing(path, fmt, depth + 1, err);
    free(path);
    if (!q->backing) {
        if (depth == 0) {        /* the innermost problem, named once */
            error_prepend(err, "backing file of '%s'", q->filename);
        }
        return -1;
    }
    return 0;
}

/* The first cluster: header, extensions, backing file name. */
static int q_read_first_cluster(Qcow2 *q, uint64_t fsize, Error *err)
{
    uint64_t end = MIN(q->cluster_size, fsize);
    uint8_t *c = xzalloc(q->cluster_size);
    int r = blk_fd_rw(q->fd, 0, c, end, false);

    if (r < 0) {
        r = q_fail(q, err, "cannot read the header: %s", strerror(-r));
    } else if (q->backing_offset && q->backing_offset < end) {
        end = q->backing_offset;
    }
    if (!r) {
        r = q_read_extensions(q, c, end, err);
    }
    if (!r) {
        r = q_read_backing_name(q, c, err);
    }
    free(c);
    return r;
}

static int q_parse_header(Qcow2 *q, uint64_t fsize, Error *err)
{
    uint8_t h[QCOW2_V3_HEADER] = { 0 };
    int r;

    if (fsize < QCOW2_V2_HEADER) {
        return q_fail(q, err, "header: file too short");
    }
    if ((r = blk_fd_rw(q->fd, 0, h, MIN(fsize, sizeof(h)), false)) < 0) {
        return q_fail(q, err, "cannot read the header: %s", strerror(-r));
    }
    q_parse_fields(q, h);
    if (q->version >= 3 && fsize < QCOW2_V3_HEADER) {
        return q_fail(q, err, "header: file too short");
    }
    if (q_check_basic(q, h, ld32be(h + 32), err) < 0 ||
        q_check_size(q, err) < 0 ||
        q_read_first_cluster(q, fsize, err) < 0) {
        return -1;
    }
    return q_load_tables(q, fsize, err);
}

/* ---- open and close ---- */

int qcow2_write_header_fields(Qcow2 *q, unsigned off, const void *p,
                              unsigned len)
{
    int r = blk_fd_rw(q->fd, off, (void *)p, len, true);

    return r ? r : (fdatasync(q->fd) < 0 ? -errno : 0);
}

/* Writable: the autoclear bits name features Kite would not keep up. */
static int q_prepare_write(Qcow2 *q, Error *err)
{
    uint8_t zero[8] = { 0 };

    if (q->version >= 3 && q->autoclear &&
        qcow2_write_header_fields(q, 88, zero, 8) < 0) {
        return q_fail(q, err, "cannot update the header");
    }
    q->autoclear = 0;
    return 0;
}

static unsigned q_cache_slots(const Qcow2 *q, uint64_t budget)
{
    return (unsigned)MAX(4, MIN(64, budget / q->cluster_size));
}

Qcow2 *qcow2_open(int fd, const char *filename, bool writable,
                  unsigned depth, Error *err)
{
    Qcow2 *q = xzalloc(sizeof(*q));
    struct stat st;

    q->fd = fd;
    q->filename = xstrdup(filename);
    q->writable = writable;
    pthread_mutex_init(&q->lock, NULL);
    if (fstat(fd, &st) < 0 ||
        q_parse_header(q, (uint64_t)st.st_size, err) < 0 ||
        (writable && q_prepare_write(q, err) < 0) ||
        q_open_backing(q, depth, err) < 0) {
        qcow2_close(q);
        return NULL;
    }
    q->end_cluster = ALIGN_UP((uint64_t)st.st_size, q->cluster_size) >>
                     q->cluster_bits;
    qcow2_cache_init(&q->l2c, q_cache_slots(q, 4 * MiB));
    qcow2_cache_init(&q->rbc, q_cache_slots(q, 1 * MiB));
    return q;
}

int qcow2_close(Qcow2 *q)
{
    int r = 0;

    if (!q) {
        return 0;
    }
    if (q->writable && q->l2c.n) {
        r = qcow2_writeback(q);
    }
    qcow2_cache_free(&q->l2c);
    qcow2_cache_free(&q->rbc);
    blk_close(q->backing);
    pthread_mutex_destroy(&q->lock);
    qcow2_snapshots_free(q);
    free(q->l1);
    free(q->rt);
    free(q->to_free);
    free(q->backing_name);
    free(q->backing_fmt);
    free(q->filename);
    free(q);
    return r;
}

/* ---- I/O, a cluster at a time, under the lock ---- */

typedef int (*Qcow2ClusterOp)(Qcow2 *q, uint64_t off, uint8_t *buf,
                              uint64_t len);

static int q_for_clusters(Qcow2 *q, uint64_t off, uint8_t *buf, uint64_t len,
                          Qcow2ClusterOp op)
{
    int r = 0;

    pthread_mutex_lock(&q->lock);
    while (len && !r) {
        uint64_t n = MIN(len, q->cluster_size - (off & (q->cluster_size - 1)));
        r = op(q, off, buf, n);
        off += n;
        buf = buf ? buf + n : NULL;
        len -= n;
    }
    pthread_mutex_unlock(&q->lock);
    return r;
}

static int q_write_op(Qcow2 *q, uint64_t off, uint8_t *buf, uint64_t len)
{
    return qcow2_write_cluster(q, off, buf, len);
}

static int q_zero_op(Qcow2 *q, uint64_t off, uint8_t *buf, uint64_t len)
{
    return qcow2_zero_cluster(q, off, len);
}

int qcow2_pread(Qcow2 *q, uint64_t off, void *buf, uint64_t len)
{
    return q_for_clusters(q, off, buf, len, qcow2_read_cluster);
}

int qcow2_pwrite(Qcow2 *q, uint64_t off, const void *buf, uint64_t len)
{
    if (!q->writable) {
        return -EROFS;
    }
    return q_for_clusters(q, off, (uint8_t *)buf, len, q_write_op);
}

int qcow2_write_zeroes(Qcow2 *q, uint64_t off, uint64_t len)
{
    if (!q->writable) {
        return -EROFS;
    }
    return q_for_clusters(q, off, NULL, len, q_zero_op);
}

int qcow2_flush(Qcow2 *q)
{
    int r = 0;

    if (!q->writable) {
        return 0;
    }
    pthread_mutex_lock(&q->lock);
    r = qcow2_writeback(q);
    if (!r && fdatasync(q->fd) < 0) {
        r = -errno;
    }
    pthread_mutex_unlock(&q->lock);
    return r;
}
