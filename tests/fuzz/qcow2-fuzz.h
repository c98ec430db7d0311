/*
 * The qcow2 image fuzzer: an input is a whole image file. It is opened
 * read-only (reads from the start and from offsets taken from the input,
 * then kite-img check's code), then read-write (writes, write-zeroes,
 * flush, check again). Shared by the cmocka budget
 * (tests/unit/test-qcow2-fuzz.c) and the libFuzzer target
 * (tests/fuzz/fuzz-qcow2.c).
 *
 * An image must be refused with one line naming it, or served: every
 * request gives 0 or a clean error (-EIO, -EFBIG, -ERANGE, -ENOSPC), the
 * check finishes, and the file does not grow past a bound. The sanitizers
 * catch a read or write outside the host buffers.
 *
 * Seeds are images made by qcow2_create with a few writes (v2 and v3,
 * several cluster sizes); q2fuzz_mutate rewrites header fields with
 * edge values and table entries with offsets at the edges of the file.
 */
#ifndef KITE_QCOW2_FUZZ_H
#define KITE_QCOW2_FUZZ_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "block/qcow2.h"

#define Q2FUZZ_MAX_IMAGE   (2 * 1024 * 1024)
#define Q2FUZZ_NSEEDS      4
#define Q2FUZZ_GROWTH      (96 * MiB)

typedef struct Qcow2Fuzz {
    unsigned runs, opened, refused;
    char path[64];
    char fail[600];
} Qcow2Fuzz;

typedef struct Q2Buf {
    uint8_t *p;
    size_t len;
} Q2Buf;

static inline uint64_t q2fuzz_rand(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return *s >> 17;
}

static inline int q2fuzz_fail(Qcow2Fuzz *f, const char *what, long v)
{
    snprintf(f->fail, sizeof(f->fail), "%s (%ld)", what, v);
    return -1;
}

static inline void q2fuzz_path(Qcow2Fuzz *f)
{
    if (!f->path[0]) {
        snprintf(f->path, sizeof(f->path), "/tmp/kite-q2fuzz-%d.qcow2",
                 (int)getpid());
    }
}

static inline bool q2fuzz_ok(int r)
{
    return r == 0 || r == -EIO || r == -EFBIG || r == -ERANGE ||
           r == -ENOSPC;
}

/* Reads, writes and checks an opened image; -1 on a failed property. */
static inline int q2fuzz_serve(Qcow2Fuzz *f, BlockBackend *bb,
                               const uint8_t *data, size_t size, bool write)
{
    static uint8_t buf[8192];
    Qcow2CheckResult res;
    uint64_t h = size;
    int r;

    r = blk_pread(bb, 0, buf, MIN(bb->size, sizeof(buf)) & ~511ull);
    for (size_t i = 0; i < size && q2fuzz_ok(r); i += 97) {
        h = h * 31 + data[i];
    }
    for (int i = 0; i < 8 && q2fuzz_ok(r) && bb->size >= 4096; i++) {
        uint64_t off = (q2fuzz_rand(&h) % (bb->size / 512 - 7)) * 512;
        r = blk_pread(bb, off, buf, 4096);
        if (write && q2fuzz_ok(r)) {
            memset(buf, i, 4096);
            r = i % 3 == 2 ? blk_write_zeroes(bb, off, 4096)
                           : blk_pwrite(bb, off, buf, 512 * (1 + i));
        }
    }
    if (!q2fuzz_ok(r)) {
        return q2fuzz_fail(f, "an I/O request failed oddly", r);
    }
    r = write ? blk_flush(bb) : 0;
    if (!q2fuzz_ok(r)) {
        return q2fuzz_fail(f, "flush failed oddly", r);
    }
    r = qcow2_check(bb->qcow2, QCOW2_REPAIR_NONE, &res, NULL);
    return r == 0 || q2fuzz_ok(r) || r == -ENOTSUP ? 0 :
           q2fuzz_fail(f, "check failed oddly", r);
}

static inline int q2fuzz_open(Qcow2Fuzz *f, const uint8_t *data, size_t size,
                              bool write)
{
    BlockOptions o = { .file = f->path, .format = BLOCK_FORMAT_QCOW2,
                       .readonly = !write, .any_size = true };
    Error err = { "" };
    BlockBackend *bb = blk_open(&o, &err);
    int r;

    if (!bb) {
        f->refused++;
        if (!err.msg[0] || strchr(err.msg, '\n')) {
            return q2fuzz_fail(f, "refused without one line", 0);
        }
        return 0;
    }
    f->opened++;
    r = q2fuzz_serve(f, bb, data, size, write);
    blk_close(bb);
    return r;
}

static inline int q2fuzz_write_file(Qcow2Fuzz *f, const uint8_t *data,
                                    size_t size)
{
    int fd = open(f->path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    bool ok = fd >= 0 && write(fd, data, size) == (ssize_t)size;

    if (fd >= 0) {
        close(fd);
    }
    return ok ? 0 : q2fuzz_fail(f, "cannot write the image file", errno);
}

static inline int q2fuzz_run(Qcow2Fuzz *f, const uint8_t *data, size_t size)
{
    struct stat st;

    q2fuzz_path(f);
    f->runs++;
    if (q2fuzz_write_file(f, data, size) < 0 ||
        q2fuzz_open(f, data, size, false) < 0 ||
        q2fuzz_open(f, data, size, true) < 0) {
        return -1;
    }
    if (stat(f->path, &st) == 0 &&
        (uint64_t)st.st_size > size + Q2FUZZ_GROWTH) {
        return q2fuzz_fail(f, "the image grew without bound",
                           (long)st.st_size);
    }
    return 0;
}

/* --------------------------------------------------------------- seeds */

static inline Q2Buf q2fuzz_seed(int i)
{
    static const uint32_t bits[Q2FUZZ_NSEEDS] = { 9, 12, 16, 10 };
    Qcow2CreateOptions co = { .size = (1 + i) * MiB, .version = 2 + (i & 1),
                              .cluster_bits = bits[i] };
    char path[64];
    BlockOptions o = { .file = path };
    Error err = { "" };
    Q2Buf b = { 0 };
    uint8_t sec[512];
    BlockBackend *bb;
    struct stat st;
    int fd;

    snprintf(path, sizeof(path), "/tmp/kite-q2seed-%d.qcow2", (int)getpid());
    if (qcow2_create(path, &co, &err) < 0 || !(bb = blk_open(&o, &err))) {
        abort();
    }
    for (int k = 0; k < 12; k++) {
        memset(sec, k, sizeof(sec));
        blk_pwrite(bb, (uint64_t)k * 37 * 4096 % co.size, sec, 512);
    }
    blk_close(bb);
    fd = open(path, O_RDONLY);
    if (fd < 0 || fstat(fd, &st) < 0) {
        abort();
    }
    b.len = (size_t)st.st_size;
    b.p = xmalloc(b.len);
    if (read(fd, b.p, b.len) != (ssize_t)b.len) {
        abort();
    }
    close(fd);
    unlink(path);
    return b;
}

/* ------------------------------------------------------------ mutation */

static const uint64_t q2fuzz_edges[] = {
    0, 1, 2, 3, 4, 7, 8, 9, 16, 21, 22, 63, 64, 104, 112, 511, 512, 0x10000,
    0x10200, 0x7fffffff, 0x80000000ull, 0xffffffffull, 0x100000000ull,
    1ull << 55, 1ull << 62, 1ull << 63, ~0ull, ~0ull - 511,
};

/* Header fields: offset and width. */
static const uint8_t q2fuzz_fields[][2] = {
    { 4, 4 }, { 8, 8 }, { 16, 4 }, { 20, 4 }, { 24, 8 }, { 32, 4 },
    { 36, 4 }, { 40, 8 }, { 48, 8 }, { 56, 4 }, { 60, 4 }, { 64, 8 },
    { 72, 8 }, { 80, 8 }, { 88, 8 }, { 96, 4 }, { 100, 4 },
};

static inline void q2fuzz_put(uint8_t *p, unsigned width, uint64_t v)
{
    for (unsigned i = 0; i < width; i++) {
        p[i] = (uint8_t)(v >> (8 * (width - 1 - i)));
    }
}

static inline void q2fuzz_mutate_one(uint64_t *rng, uint8_t *d, size_t len)
{
    uint64_t v = q2fuzz_edges[q2fuzz_rand(rng) % ARRAY_SIZE(q2fuzz_edges)];
    unsigned k = (unsigned)(q2fuzz_rand(rng) % 4);

    if (k == 3) {
        v = q2fuzz_rand(rng) % (len + 4096);     /* near the file */
        v &= q2fuzz_rand(rng) & 1 ? ~511ull : ~0ull;
        v |= q2fuzz_rand(rng) & 1 ? 1ull << 63 : 0;
    }
    if (k == 0 && len >= 104) {
        const uint8_t *fl = q2fuzz_fields[q2fuzz_rand(rng) %
                                          ARRAY_SIZE(q2fuzz_fields)];
        q2fuzz_put(d + fl[0], fl[1], v);
    } else if (len >= 8) {                       /* a table entry */
        size_t at = (q2fuzz_rand(rng) % (len / 8)) * 8;
        if (k == 1) {
            d[q2fuzz_rand(rng) % len] ^= (uint8_t)(1u << (q2fuzz_rand(rng)
                                                          % 8));
        } else {
            q2fuzz_put(d + at, k == 2 ? 2 : 8, v);
        }
    }
}

static inline size_t q2fuzz_mutate(uint64_t *rng, uint8_t *d, size_t len,
                                   size_t max, int n)
{
    if (q2fuzz_rand(rng) % 8 == 0 && len > 512) {
        len -= q2fuzz_rand(rng) % (len / 2);     /* truncated */
    } else if (q2fuzz_rand(rng) % 8 == 0 && len + 512 <= max) {
        memset(d + len, 0, 512);
        len += 512;
    }
    for (int i = 0; i < n; i++) {
        q2fuzz_mutate_one(rng, d, len);
    }
    return len;
}

#endif
