/* Unit tests for qcow2 (block/qcow2*.c) through the block layer:
 * images made by qcow2_create (kite-img create) and, where qemu-img is
 * installed, by qemu-img. Random writes against a shadow copy (v2 and
 * v3, cluster sizes 512 B to 2 MiB, refcount table growth), reopen,
 * backing files (raw and qcow2, COW of partial clusters), zero clusters,
 * compressed clusters, resize, snapshot=on, check and repair of leaks
 * and corruptions, qemu-img check and compare on what Kite wrote, and
 * malformed headers and tables (table-driven: one clean line each). The
 * kill -9 durability test is test-qcow2-crash.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "block/qcow2.h"

typedef struct Fx {
    char dir[64];
    char path[128];
    uint64_t rng;
} Fx;

static int setup(void **state)
{
    Fx *f = xzalloc(sizeof(*f));

    snprintf(f->dir, sizeof(f->dir), "/tmp/kite-qcow2-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof(f->path), "%s/a.qcow2", f->dir);
    f->rng = 0x9e3779b97f4a7c15ull;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    Fx *f = *state;
    char *cmd = xasprintf("rm -rf %s", f->dir);

    assert_int_equal(system(cmd), 0);
    free(cmd);
    free(f);
    return 0;
}

static uint64_t rnd(Fx *f)
{
    f->rng ^= f->rng << 13;
    f->rng ^= f->rng >> 7;
    f->rng ^= f->rng << 17;
    return f->rng;
}

static char *fx_file(Fx *f, const char *name)
{
    return xasprintf("%s/%s", f->dir, name);
}

static bool have_qemu_img(void)
{
    static int have = -1;

    if (have < 0) {
        have = system("qemu-img --version >/dev/null 2>&1") == 0;
        if (!have) {
            print_message("SKIP: qemu-img is not installed (qemu-utils)\n");
        }
    }
    return have;
}

static int run(const char *fmt, ...) PRINTF_FMT(1, 2);

static int run(const char *fmt, ...)
{
    char cmd[1024];
    va_list ap;
    int r;

    va_start(ap, fmt);
    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    r = system(cmd);
    return WIFEXITED(r) ? WEXITSTATUS(r) : -1;
}

static void make(const char *path, uint64_t size, uint32_t version,
                 uint32_t cbits, const char *backing, const char *bfmt)
{
    Qcow2CreateOptions o = {
        .size = size, .version = version, .cluster_bits = cbits,
        .backing = backing, .backing_fmt = bfmt,
    };
    Error err = { "" };

    if (qcow2_create(path, &o, &err) < 0) {
        fail_msg("create %s: %s", path, err.msg);
    }
}

static BlockBackend *open_img(const char *path, bool ro, bool snap)
{
    BlockOptions o = { .file = path, .readonly = ro, .snapshot = snap };
    Error err = { "" };
    BlockBackend *bb = blk_open(&o, &err);

    if (!bb) {
        fail_msg("open %s: %s", path, err.msg);
    }
    return bb;
}

static void expect_same(BlockBackend *bb, const uint8_t *shadow,
                        uint64_t size)
{
    uint8_t *buf = xmalloc(size);

    assert_int_equal(blk_pread(bb, 0, buf, size), 0);
    assert_memory_equal(buf, shadow, size);
    free(buf);
}

/* Random writes and zeroings of random lengths, mirrored in shadow. */
static void random_ops(Fx *f, BlockBackend *bb, uint8_t *shadow, unsigned n,
                       uint64_t maxlen)
{
    uint8_t *buf = xmalloc(maxlen);

    for (unsigned i = 0; i < n; i++) {
        uint64_t len = 512 * (1 + rnd(f) % (maxlen / 512));
        uint64_t off = 512 * (rnd(f) % ((bb->size - len) / 512 + 1));
        if (rnd(f) % 8 == 0) {
            assert_int_equal(blk_write_zeroes(bb, off, len), 0);
            memset(shadow + off, 0, len);
        } else {
            for (uint64_t k = 0; k < len; k++) {
                buf[k] = (uint8_t)(rnd(f) >> 7);
            }
            assert_int_equal(blk_pwrite(bb, off, buf, len), 0);
            memcpy(shadow + off, buf, len);
        }
        if (rnd(f) % 16 == 0) {
            assert_int_equal(blk_flush(bb), 0);
        }
    }
    free(buf);
}

static void expect_clean(BlockBackend *bb)
{
    Qcow2CheckResult res;

    assert_int_equal(qcow2_check(bb->qcow2, QCOW2_REPAIR_NONE, &res, stderr),
                     0);
    assert_int_equal(res.corruptions, 0);
    assert_int_equal(res.leaks, 0);
}

static void bb_check_file(const char *path)
{
    BlockBackend *bb = open_img(path, true, false);

    expect_clean(bb);
    blk_close(bb);
}

static void expect_qemu_clean(const char *path)
{
    if (have_qemu_img()) {
        assert_int_equal(run("qemu-img check -q %s", path), 0);
    }
}

/* Writes, reopens, reads back, checks with both tools. */
static void roundtrip(Fx *f, uint32_t version, uint32_t cbits, uint64_t size,
                      unsigned nops)
{
    uint8_t *shadow = xzalloc(size);
    BlockBackend *bb;

    make(f->path, size, version, cbits, NULL, NULL);
    bb = open_img(f->path, false, false);
    assert_int_equal(bb->format, BLOCK_FORMAT_QCOW2);
    assert_int_equal(bb->size, size);
    expect_same(bb, shadow, size);
    random_ops(f, bb, shadow, nops, 96 * KiB);
    expect_same(bb, shadow, size);
    blk_close(bb);
    bb = open_img(f->path, true, false);
    expect_same(bb, shadow, size);
    expect_clean(bb);
    blk_close(bb);
    expect_qemu_clean(f->path);
    free(shadow);
}

static void test_roundtrip_v3(void **state)
{
    roundtrip(*state, 3, 16, 8 * MiB, 300);
}

static void test_roundtrip_v2(void **state)
{
    roundtrip(*state, 2, 12, 4 * MiB, 300);
}

/* 512-byte clusters: a refcount block covers 128 KiB, the table 8 MiB. */
static void test_roundtrip_refcount_growth(void **state)
{
    roundtrip(*state, 3, 9, 12 * MiB, 400);
}

static void test_roundtrip_big_clusters(void **state)
{
    roundtrip(*state, 3, 21, 8 * MiB, 60);
}

/* The guest's data in sequence: every cluster allocated, then rewritten. */
static void test_sequential_fill(void **state)
{
    Fx *f = *state;
    uint64_t size = 16 * MiB;
    uint8_t *shadow = xmalloc(size);
    BlockBackend *bb;

    for (uint64_t i = 0; i < size; i++) {
        shadow[i] = (uint8_t)(i * 7 + (i >> 12));
    }
    make(f->path, size, 3, 16, NULL, NULL);
    bb = open_img(f->path, false, false);
    for (uint64_t off = 0; off < size; off += 192 * KiB) {
        assert_int_equal(blk_pwrite(bb, off, shadow + off,
                                    MIN(192 * KiB, size - off)), 0);
    }
    assert_int_equal(blk_flush(bb), 0);
    expect_same(bb, shadow, size);
    expect_clean(bb);
    blk_close(bb);
    expect_qemu_clean(f->path);
    free(shadow);
}

/* ---- backing files ---- */

static void write_raw(const char *path, const uint8_t *data, uint64_t size)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, size), (ssize_t)size);
    close(fd);
}

static void test_backing_raw(void **state)
{
    Fx *f = *state;
    uint64_t size = 3 * MiB + 4096;      /* not whole clusters */
    uint8_t *base = xmalloc(size), *shadow = xmalloc(size);
    char *bpath = fx_file(f, "base.raw"), *copy = fx_file(f, "copy.raw");
    BlockBackend *bb;

    for (uint64_t i = 0; i < size; i++) {
        base[i] = (uint8_t)(rnd(f) >> 3);
    }
    write_raw(bpath, base, size);
    memcpy(shadow, base, size);
    make(f->path, size, 3, 16, "base.raw", "raw");   /* relative name */
    bb = open_img(f->path, false, false);
    assert_non_null(bb->qcow2->backing);
    expect_same(bb, shadow, size);
    random_ops(f, bb, shadow, 200, 20 * KiB);        /* partial clusters */
    expect_same(bb, shadow, size);
    blk_close(bb);
    bb = open_img(bpath, true, false);
    expect_same(bb, base, size);                     /* never written */
    blk_close(bb);
    expect_qemu_clean(f->path);
    if (have_qemu_img()) {
        write_raw(copy, shadow, size);
        assert_int_equal(run("qemu-img compare -q %s %s", copy, f->path), 0);
    }
    free(bpath);
    free(copy);
    free(base);
    free(shadow);
}

/* raw <- qcow2 <- qcow2 (format probed: no backing format extension) */
static void test_backing_chain(void **state)
{
    Fx *f = *state;
    uint64_t size = 2 * MiB;
    uint8_t *shadow = xmalloc(size);
    char *mid = fx_file(f, "mid.qcow2"), *raw = fx_file(f, "b.raw");
    BlockBackend *bb;

    memset(shadow, 0x5a, size);
    write_raw(raw, shadow, size);
    make(mid, size, 2, 16, "b.raw", "raw");
    bb = open_img(mid, false, false);
    random_ops(f, bb, shadow, 50, 64 * KiB);
    blk_close(bb);
    make(f->path, size, 3, 12, mid, NULL);           /* absolute name */
    bb = open_img(f->path, false, false);
    expect_same(bb, shadow, size);
    random_ops(f, bb, shadow, 100, 32 * KiB);
    expect_same(bb, shadow, size);
    expect_clean(bb);
    blk_close(bb);
    free(mid);
    free(raw);
    free(shadow);
}

static void test_backing_loop(void **state)
{
    Fx *f = *state;
    char *b = fx_file(f, "b.qcow2");
    BlockOptions o = { .file = f->path, .readonly = true };
    Error err = { "" };

    make(f->path, MiB, 3, 16, "b.qcow2", "qcow2");
    make(b, MiB, 3, 16, "a.qcow2", "qcow2");
    assert_null(blk_open(&o, &err));
    assert_non_null(strstr(err.msg, "a loop?"));
    assert_null(strchr(err.msg, '\n'));
    free(b);
}

/* ---- zero clusters, compressed clusters, snapshot, resize ---- */

static void test_zero_clusters(void **state)
{
    Fx *f = *state;
    uint64_t size = MiB;
    uint8_t *shadow = xmalloc(size);
    char *raw = fx_file(f, "b.raw");
    BlockBackend *bb;
    uint64_t e;
    Qcow2Kind kind;

    memset(shadow, 0xa5, size);
    write_raw(raw, shadow, size);
    make(f->path, size, 3, 16, "b.raw", "raw");
    bb = open_img(f->path, false, false);
    /* over the backing file: a whole cluster becomes a zero cluster */
    assert_int_equal(blk_write_zeroes(bb, 64 * KiB, 64 * KiB), 0);
    assert_int_equal(qcow2_get_entry(bb->qcow2, 64 * KiB, &e, &kind), 0);
    assert_int_equal(kind, QCOW2_ZERO);
    memset(shadow + 64 * KiB, 0, 64 * KiB);
    /* an allocated cluster keeps its host cluster */
    assert_int_equal(blk_pwrite(bb, 256 * KiB, shadow, 4096), 0);
    assert_int_equal(blk_discard(bb, 256 * KiB, 64 * KiB), 0);
    memset(shadow + 256 * KiB, 0, 64 * KiB);
    assert_int_equal(qcow2_get_entry(bb->qcow2, 256 * KiB, &e, &kind), 0);
    assert_int_equal(kind, QCOW2_ZERO);
    assert_true(e & QCOW2_OFFSET_MASK);
    /* a write into it: the rest of the cluster stays zero */
    memset(shadow + 300 * KiB, 0x11, 512);
    assert_int_equal(blk_pwrite(bb, 300 * KiB, shadow + 300 * KiB, 512), 0);
    expect_same(bb, shadow, size);
    expect_clean(bb);
    blk_close(bb);
    expect_qemu_clean(f->path);
    free(raw);
    free(shadow);
}

static void test_compressed_from_qemu(void **state)
{
    Fx *f = *state;
    uint64_t size = 2 * MiB;
    uint8_t *data = xmalloc(size);
    char *raw = fx_file(f, "c.raw");
    BlockBackend *bb;
    Qcow2CheckResult res;

    if (!have_qemu_img()) {
        skip();
    }
    for (uint64_t i = 0; i < size; i++) {
        data[i] = (uint8_t)("kite compresses well "[i % 21] + (i >> 16));
    }
    write_raw(raw, data, size);
    assert_int_equal(run("qemu-img convert -c -O qcow2 %s %s", raw, f->path),
                     0);
    bb = open_img(f->path, false, false);
    expect_same(bb, data, size);
    assert_int_equal(qcow2_check(bb->qcow2, QCOW2_REPAIR_NONE, &res, NULL),
                     0);
    assert_true(res.compressed > 0);
    /* a write into a compressed cluster copies it up */
    memset(data + 100000, 0x77, 3000);
    assert_int_equal(blk_pwrite(bb, 100000 & ~511ull, data +
                                (100000 & ~511ull), 4096), 0);
    expect_same(bb, data, size);
    blk_close(bb);
    expect_qemu_clean(f->path);
    free(raw);
    free(data);
}

static void test_qemu_made_image(void **state)
{
    Fx *f = *state;
    uint64_t size = 4 * MiB;
    uint8_t *shadow = xmalloc(size);
    char *raw = fx_file(f, "q.raw");
    BlockBackend *bb;

    if (!have_qemu_img()) {
        skip();
    }
    for (uint64_t i = 0; i < size; i++) {
        shadow[i] = i % 3 ? (uint8_t)(i >> 9) : 0;
    }
    write_raw(raw, shadow, size);
    assert_int_equal(run("qemu-img convert -O qcow2 -o cluster_size=4096 "
                         "%s %s", raw, f->path), 0);
    bb = open_img(f->path, false, false);
    expect_same(bb, shadow, size);
    random_ops(f, bb, shadow, 200, 48 * KiB);
    blk_close(bb);
    expect_qemu_clean(f->path);
    write_raw(raw, shadow, size);
    assert_int_equal(run("qemu-img compare -q %s %s", raw, f->path), 0);
    free(raw);
    free(shadow);
}

static void test_snapshot_on(void **state)
{
    Fx *f = *state;
    uint64_t size = MiB;
    uint8_t *shadow = xzalloc(size);
    BlockBackend *bb;

    make(f->path, size, 3, 16, NULL, NULL);
    bb = open_img(f->path, false, true);
    random_ops(f, bb, shadow, 50, 16 * KiB);
    expect_same(bb, shadow, size);
    blk_close(bb);
    memset(shadow, 0, size);
    bb = open_img(f->path, true, false);
    expect_same(bb, shadow, size);                   /* untouched */
    blk_close(bb);
    free(shadow);
}

static void test_resize(void **state)
{
    Fx *f = *state;
    uint64_t size = MiB, big = 40 * MiB;
    uint8_t *shadow = xzalloc(big);
    BlockBackend *bb;
    Error err = { "" };

    /* 512-byte clusters: an L1 cluster maps 2 MiB, so the L1 moves */
    make(f->path, size, 3, 9, NULL, NULL);
    bb = open_img(f->path, false, false);
    random_ops(f, bb, shadow, 40, 8 * KiB);
    assert_int_equal(qcow2_resize(bb->qcow2, big, &err), 0);
    assert_int_equal(qcow2_resize(bb->qcow2, size, &err), -1);
    assert_non_null(strstr(err.msg, "shrinking"));
    blk_close(bb);
    bb = open_img(f->path, false, false);
    assert_int_equal(bb->size, big);
    random_ops(f, bb, shadow, 100, 8 * KiB);
    expect_same(bb, shadow, big);
    blk_close(bb);
    bb = open_img(f->path, true, false);
    expect_clean(bb);
    blk_close(bb);
    expect_qemu_clean(f->path);
    free(shadow);
}

/* ---- check and repair ---- */

static void poke_refcount(const char *path, uint64_t cluster, uint64_t rc)
{
    BlockBackend *bb = open_img(path, false, false);

    assert_int_equal(qcow2_refcount_set(bb->qcow2, cluster, rc), 0);
    blk_close(bb);
}

static void test_check_leak_repair(void **state)
{
    Fx *f = *state;
    BlockBackend *bb;
    Qcow2CheckResult res;
    uint8_t buf[512] = { 1 };

    make(f->path, 4 * MiB, 3, 16, NULL, NULL);
    bb = open_img(f->path, false, false);
    assert_int_equal(blk_pwrite(bb, 0, buf, 512), 0);
    blk_close(bb);
    poke_refcount(f->path, 40, 1);                   /* nothing there */
    bb = open_img(f->path, false, false);
    assert_int_equal(qcow2_check(bb->qcow2, QCOW2_REPAIR_NONE, &res, NULL),
                     0);
    assert_int_equal(res.leaks, 1);
    assert_int_equal(res.corruptions, 0);
    assert_int_equal(qcow2_check(bb->qcow2, QCOW2_REPAIR_LEAKS, &res, NULL),
                     0);
    assert_int_equal(res.leaks_fixed, 1);
    expect_clean(bb);
    blk_close(bb);
    expect_qemu_clean(f->path);
}

static void test_check_corruption(void **state)
{
    Fx *f = *state;
    BlockBackend *bb;
    Qcow2CheckResult res;
    uint8_t buf[512] = { 1 };
    uint64_t data;

    make(f->path, 4 * MiB, 3, 16, NULL, NULL);
    bb = open_img(f->path, false, false);
    assert_int_equal(blk_pwrite(bb, MiB, buf, 512), 0);
    blk_close(bb);
    bb = open_img(f->path, true, false);
    qcow2_get_entry(bb->qcow2, MiB, &data, &(Qcow2Kind){ 0 });
    blk_close(bb);
    poke_refcount(f->path, (data & QCOW2_OFFSET_MASK) >> 16, 0);
    assert_int_equal(run("build/kite-img check -q %s", f->path), 2);
    bb = open_img(f->path, false, false);
    assert_int_equal(qcow2_check(bb->qcow2, QCOW2_REPAIR_ALL, &res, NULL),
                     0);
    assert_true(res.corruptions >= 1);
    assert_true(res.corruptions_fixed >= 1);
    blk_close(bb);
    assert_int_equal(run("build/kite-img check -q %s", f->path), 0);
    expect_qemu_clean(f->path);
}

/* ---- malformed images: one clean line each ---- */

typedef struct Corruption {
    const char *name;
    unsigned off, width;         /* header field: big-endian */
    uint64_t value;
    const char *expect;          /* in the message */
} Corruption;

static const Corruption corruptions[] = {
    { "magic", 0, 4, 0x514649fa, "bad magic" },
    { "version 1", 4, 4, 1, "version 1" },
    { "version 4", 4, 4, 4, "version 4" },
    { "cluster_bits 8", 20, 4, 8, "cluster_bits 8" },
    { "cluster_bits 22", 20, 4, 22, "cluster_bits 22" },
    { "cluster_bits huge", 20, 4, 0xffffffff, "cluster_bits" },
    { "encrypted", 32, 4, 1, "encrypted" },
    { "size overflow", 24, 8, 0xfffffffffffffe00ull, "too large" },
    { "L1 too small", 36, 4, 0, "too small" },
    { "L1 too large", 36, 4, 0x10000000, "too large" },
    { "L1 unaligned", 40, 8, 0x30200, "not cluster-aligned" },
    { "L1 past the end", 40, 8, 0x7fff0000ull, "outside the file" },
    { "L1 offset wraps", 40, 8, 0xffffffffffff0000ull, "outside the file" },
    { "refcount table unaligned", 48, 8, 0x10008, "not cluster-aligned" },
    { "refcount table past end", 48, 8, 0x100000000ull, "outside" },
    { "refcount table empty", 56, 4, 0, "refcount table" },
    { "refcount table huge", 56, 4, 0x1000000, "refcount table" },
    { "dirty bit", 72, 8, 1, "dirty" },
    { "corrupt bit", 72, 8, 2, "corrupt" },
    { "external data", 72, 8, 4, "external data" },
    { "zstd", 72, 8, 8, "compression type" },
    { "extended L2", 72, 8, 16, "extended L2" },
    { "unknown incompat", 72, 8, 1ull << 40, "bit 40" },
    { "refcount order", 96, 4, 7, "refcount order 7" },
    { "header length short", 100, 4, 96, "header length" },
    { "header length huge", 100, 4, 0x20000, "header length" },
    { "backing name too long", 16, 4, 4000, "backing file name" },
    { "backing name past cluster", 8, 8, 0xfff0, "backing file name" },
    { "snapshots unaligned", 60, 4, 1, "snapshot table" },
};

static void poke(const char *path, unsigned off, unsigned width, uint64_t v)
{
    uint8_t b[8];
    int fd = open(path, O_WRONLY);

    st64be(b, v << (64 - 8 * width));
    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, b, width, off), (ssize_t)width);
    close(fd);
}

static void test_malformed_headers(void **state)
{
    Fx *f = *state;

    for (size_t i = 0; i < ARRAY_SIZE(corruptions); i++) {
        const Corruption *c = &corruptions[i];
        BlockOptions o = { .file = f->path, .format = BLOCK_FORMAT_QCOW2 };
        Error err = { "" };
        BlockBackend *bb;

        make(f->path, 4 * MiB, 3, 16, "base", NULL);
        if (c->off == 60) {
            poke(f->path, 64, 8, 0x10001);       /* and a bad offset */
        }
        poke(f->path, c->off, c->width, c->value);
        bb = blk_open(&o, &err);
        if (bb || !strstr(err.msg, c->expect) || strchr(err.msg, '\n')) {
            fail_msg("%s: got '%s'", c->name, bb ? "(opened)" : err.msg);
        }
    }
}

/* Tables that point outside the file or at unaligned clusters. */
static void test_malformed_tables(void **state)
{
    Fx *f = *state;
    static const struct {
        unsigned cluster;            /* 1: refcount table, 3: L1 */
        uint64_t value;
        const char *expect;
    } cases[] = {
        { 3, 0x8000000000012345ull, "L1 entry 0 is not cluster-aligned" },
        { 3, 0x8000000070000000ull, "L1 entry 0 points past the end" },
        { 1, 0x70000000ull, "refcount table entry 0 points past" },
        { 1, 0x10200ull, "refcount table entry 0 is not cluster-aligned" },
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        BlockOptions o = { .file = f->path, .readonly = true };
        Error err = { "" };

        make(f->path, 4 * MiB, 3, 16, NULL, NULL);
        poke(f->path, cases[i].cluster * 65536, 8, cases[i].value);
        assert_null(blk_open(&o, &err));
        if (!strstr(err.msg, cases[i].expect)) {
            fail_msg("case %zu: got '%s'", i, err.msg);
        }
    }
}

/* A bad L2 entry fails the request, not Kite. */
static void test_bad_l2_entry(void **state)
{
    Fx *f = *state;
    uint8_t buf[512] = { 0 };
    BlockBackend *bb;
    uint64_t l2;

    make(f->path, 4 * MiB, 3, 16, NULL, NULL);
    bb = open_img(f->path, false, false);
    assert_int_equal(blk_pwrite(bb, 0, buf, 512), 0);
    blk_close(bb);
    bb = open_img(f->path, true, false);
    l2 = bb->qcow2->l1[0] & QCOW2_OFFSET_MASK;
    blk_close(bb);
    poke(f->path, (unsigned)l2, 8, 0x8000007000000000ull);
    bb = open_img(f->path, false, false);
    assert_int_equal(blk_pread(bb, 0, buf, 512), -EIO);
    assert_int_equal(blk_pwrite(bb, 0, buf, 512), -EIO);
    assert_int_equal(blk_pread(bb, 2 * MiB, buf, 512), 0);
    blk_close(bb);
}

/* Migration's hand-over: the taker sees what the releaser wrote. */
static void test_lock_handover(void **state)
{
    Fx *f = *state;
    BlockOptions o = { .file = f->path, .defer_lock = true };
    uint64_t size = 2 * MiB;
    uint8_t *shadow = xzalloc(size);
    Error err = { "" };
    BlockBackend *src, *dst;

    make(f->path, size, 3, 12, NULL, NULL);
    src = open_img(f->path, false, false);
    dst = blk_open(&o, &err);                    /* no lock yet */
    assert_non_null(dst);
    random_ops(f, src, shadow, 60, 16 * KiB);    /* allocates clusters */
    blk_lock_release(src);
    assert_int_equal(blk_lock_take(dst, &err), 0);
    expect_same(dst, shadow, size);
    random_ops(f, dst, shadow, 30, 16 * KiB);
    blk_close(dst);
    blk_close(src);
    bb_check_file(f->path);
    free(shadow);
}

static void test_probe_and_format(void **state)
{
    Fx *f = *state;
    BlockOptions o = { .file = f->path, .format = BLOCK_FORMAT_RAW,
                       .readonly = true };
    Error err = { "" };
    BlockBackend *bb;

    make(f->path, 4 * MiB, 3, 16, NULL, NULL);
    bb = blk_open(&o, &err);                 /* format=raw: the file */
    assert_non_null(bb);
    assert_int_equal(bb->format, BLOCK_FORMAT_RAW);
    assert_true(bb->size < 4 * MiB);
    blk_close(bb);
    o.format = BLOCK_FORMAT_AUTO;
    bb = blk_open(&o, &err);
    assert_int_equal(bb->format, BLOCK_FORMAT_QCOW2);
    assert_int_equal(bb->size, 4 * MiB);
    blk_close(bb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_roundtrip_v3, setup, teardown),
        cmocka_unit_test_setup_teardown(test_roundtrip_v2, setup, teardown),
        cmocka_unit_test_setup_teardown(test_roundtrip_refcount_growth,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_roundtrip_big_clusters, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_sequential_fill, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_backing_raw, setup, teardown),
        cmocka_unit_test_setup_teardown(test_backing_chain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_backing_loop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_zero_clusters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_compressed_from_qemu, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_qemu_made_image, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_snapshot_on, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resize, setup, teardown),
        cmocka_unit_test_setup_teardown(test_check_leak_repair, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_check_corruption, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_malformed_headers, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_malformed_tables, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_bad_l2_entry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lock_handover, setup, teardown),
        cmocka_unit_test_setup_teardown(test_probe_and_format, setup,
                                        teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
