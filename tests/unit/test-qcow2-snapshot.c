/* Unit tests for qcow2 internal snapshots (block/qcow2-snapshot.c):
 * create, list, revert and delete through the image; refcounts and the
 * COPIED flags of shared clusters; copy-on-write of shared L2 tables and
 * data clusters; random writes between snapshots against shadow copies
 * (v2 and v3, 512 B and 64 KiB clusters); check clean after each step;
 * kite-img snapshot; bad input (duplicate and unknown names, read-only,
 * a corrupt table). Where qemu-img is installed: qemu-img check and
 * `qemu-img snapshot -l` on Kite's snapshots, and a snapshot made by
 * qemu-img listed, reverted and deleted by Kite. */
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
#include <sys/wait.h>
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

    snprintf(f->dir, sizeof(f->dir), "/tmp/kite-qsnap-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof(f->path), "%s/a.qcow2", f->dir);
    f->rng = 0x2545f4914f6cdd1dull;
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
                 uint32_t cbits)
{
    Qcow2CreateOptions o = {
        .size = size, .version = version, .cluster_bits = cbits,
    };
    Error err = { "" };

    if (qcow2_create(path, &o, &err) < 0) {
        fail_msg("create %s: %s", path, err.msg);
    }
}

static BlockBackend *open_img(const char *path, bool ro)
{
    BlockOptions o = { .file = path, .readonly = ro };
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

static void expect_clean(BlockBackend *bb)
{
    Qcow2CheckResult res;

    assert_int_equal(blk_flush(bb), 0);          /* the deferred frees */
    assert_int_equal(qcow2_check(bb->qcow2, QCOW2_REPAIR_NONE, &res, stderr),
                     0);
    assert_int_equal(res.corruptions, 0);
    assert_int_equal(res.leaks, 0);
}

static void expect_qemu_clean(const char *path)
{
    if (have_qemu_img()) {
        assert_int_equal(run("qemu-img check -q %s", path), 0);
    }
}

static void fill(BlockBackend *bb, uint8_t *shadow, uint64_t off,
                 uint64_t len, uint8_t v)
{
    uint8_t *buf = xmalloc(len);

    memset(buf, v, len);
    assert_int_equal(blk_pwrite(bb, off, buf, len), 0);
    memcpy(shadow + off, buf, len);
    free(buf);
}

static void random_ops(Fx *f, BlockBackend *bb, uint8_t *shadow, unsigned n)
{
    uint8_t *buf = xmalloc(64 * KiB);

    for (unsigned i = 0; i < n; i++) {
        uint64_t len = 512 * (1 + rnd(f) % 128);
        uint64_t off = 512 * (rnd(f) % ((bb->size - len) / 512 + 1));
        if (rnd(f) % 8 == 0) {
            assert_int_equal(blk_write_zeroes(bb, off, len), 0);
            memset(shadow + off, 0, len);
            continue;
        }
        for (uint64_t k = 0; k < len; k++) {
            buf[k] = (uint8_t)(rnd(f) >> 9);
        }
        assert_int_equal(blk_pwrite(bb, off, buf, len), 0);
        memcpy(shadow + off, buf, len);
    }
    free(buf);
}

static int snap(BlockBackend *bb, const char *name)
{
    Qcow2SnapshotInfo info = { .name = name, .date_sec = 1700000000,
                               .vm_clock_nsec = 1234567890 };

    return qcow2_snapshot_create(bb->qcow2, &info);
}

static uint64_t refcount_of(BlockBackend *bb, uint64_t guest_off,
                            uint64_t *entry)
{
    Qcow2 *q = bb->qcow2;
    Qcow2Kind kind;
    uint64_t rc = 0;

    assert_int_equal(qcow2_get_entry(q, guest_off, entry, &kind), 0);
    assert_int_equal(kind, QCOW2_NORMAL);
    assert_int_equal(qcow2_refcount_get(q, (*entry & QCOW2_OFFSET_MASK) >>
                                        q->cluster_bits, &rc), 0);
    return rc;
}

/* ---- the operations ---- */

static void test_create_revert_delete(void **state)
{
    Fx *f = *state;
    uint64_t size = 4 * MiB;
    uint8_t *a = xzalloc(size), *b;
    BlockBackend *bb;

    make(f->path, size, 3, 16);
    bb = open_img(f->path, false);
    fill(bb, a, 0, 2 * MiB, 0x11);
    assert_int_equal(snap(bb, "A"), 0);
    b = xmalloc(size);
    memcpy(b, a, size);
    fill(bb, b, 1000, 5000, 0x22);               /* part of a cluster */
    fill(bb, b, 3 * MiB, 64 * KiB, 0x33);        /* unallocated before */
    expect_same(bb, b, size);
    expect_clean(bb);
    blk_close(bb);

    bb = open_img(f->path, false);               /* the table persists */
    assert_int_equal(bb->qcow2->nb_snapshots, 1);
    assert_string_equal(bb->qcow2->snapshots[0].name, "A");
    assert_string_equal(bb->qcow2->snapshots[0].id, "1");
    assert_int_equal(bb->qcow2->snapshots[0].vm_clock_nsec, 1234567890);
    assert_int_equal(bb->qcow2->snapshots[0].disk_size, size);
    assert_int_equal(qcow2_snapshot_revert(bb->qcow2, "A"), 0);
    expect_same(bb, a, size);
    expect_clean(bb);
    fill(bb, a, 0, 4096, 0x44);                  /* COW again after revert */
    assert_int_equal(qcow2_snapshot_revert(bb->qcow2, "1"), 0);  /* by id */
    fill(bb, a, 0, 4096, 0x11);
    expect_same(bb, a, size);
    assert_int_equal(qcow2_snapshot_delete(bb->qcow2, "A"), 0);
    assert_int_equal(bb->qcow2->nb_snapshots, 0);
    expect_same(bb, a, size);
    expect_clean(bb);
    blk_close(bb);
    expect_qemu_clean(f->path);
    free(a);
    free(b);
}

static void test_refcounts_and_cow(void **state)
{
    Fx *f = *state;
    uint64_t size = 2 * MiB, e, e2, old;
    uint8_t *s = xzalloc(size);
    BlockBackend *bb;

    make(f->path, size, 3, 16);
    bb = open_img(f->path, false);
    fill(bb, s, 0, 128 * KiB, 0x55);
    assert_int_equal(refcount_of(bb, 0, &e), 1);
    assert_true(e & QCOW2_OFLAG_COPIED);
    assert_true(bb->qcow2->l1[0] & QCOW2_OFLAG_COPIED);
    assert_int_equal(snap(bb, "s"), 0);
    assert_int_equal(refcount_of(bb, 0, &e), 2);  /* shared: no COPIED */
    assert_false(e & QCOW2_OFLAG_COPIED);
    assert_false(bb->qcow2->l1[0] & QCOW2_OFLAG_COPIED);
    old = e & QCOW2_OFFSET_MASK;
    fill(bb, s, 512, 512, 0x66);                 /* copy-on-write */
    assert_int_equal(refcount_of(bb, 0, &e2), 1);
    assert_true(e2 & QCOW2_OFLAG_COPIED);
    assert_true((e2 & QCOW2_OFFSET_MASK) != old);
    assert_true(bb->qcow2->l1[0] & QCOW2_OFLAG_COPIED);  /* L2 copied */
    assert_int_equal(blk_flush(bb), 0);
    assert_int_equal(qcow2_refcount_get(bb->qcow2, old >>
                                        bb->qcow2->cluster_bits, &e), 0);
    assert_int_equal(e, 1);                      /* the snapshot's only */
    assert_int_equal(refcount_of(bb, 64 * KiB, &e), 2);  /* still shared */
    expect_same(bb, s, size);
    expect_clean(bb);
    assert_int_equal(qcow2_snapshot_delete(bb->qcow2, "s"), 0);
    assert_int_equal(refcount_of(bb, 64 * KiB, &e), 1);  /* COPIED back */
    assert_true(e & QCOW2_OFLAG_COPIED);
    assert_int_equal(qcow2_refcount_get(bb->qcow2, old >>
                                        bb->qcow2->cluster_bits, &e), 0);
    assert_int_equal(e, 0);                      /* freed */
    expect_clean(bb);
    blk_close(bb);
    expect_qemu_clean(f->path);
    free(s);
}

/* Several snapshots between random writes; each reverted to in turn. */
static void random_snapshots(Fx *f, uint32_t version, uint32_t cbits)
{
    enum { N = 4 };
    uint64_t size = 1 * MiB;
    uint8_t *cur = xzalloc(size), *saved[N];
    char name[8];
    BlockBackend *bb;

    make(f->path, size, version, cbits);
    bb = open_img(f->path, false);
    for (unsigned i = 0; i < N; i++) {
        random_ops(f, bb, cur, 60);
        snprintf(name, sizeof(name), "s%u", i);
        assert_int_equal(snap(bb, name), 0);
        saved[i] = xmalloc(size);
        memcpy(saved[i], cur, size);
    }
    random_ops(f, bb, cur, 60);
    expect_clean(bb);
    for (unsigned k = 0; k < 2 * N; k++) {
        unsigned i = (unsigned)(rnd(f) % N);
        snprintf(name, sizeof(name), "s%u", i);
        assert_int_equal(qcow2_snapshot_revert(bb->qcow2, name), 0);
        expect_same(bb, saved[i], size);
        memcpy(cur, saved[i], size);
        random_ops(f, bb, cur, 20);              /* diverge again */
        expect_clean(bb);
    }
    for (unsigned i = 0; i < N; i += 2) {
        snprintf(name, sizeof(name), "s%u", i);
        assert_int_equal(qcow2_snapshot_delete(bb->qcow2, name), 0);
        expect_same(bb, cur, size);
        expect_clean(bb);
    }
    assert_int_equal(qcow2_snapshot_revert(bb->qcow2, "s3"), 0);
    expect_same(bb, saved[3], size);
    blk_close(bb);
    expect_qemu_clean(f->path);
    for (unsigned i = 0; i < N; i++) {
        free(saved[i]);
    }
    free(cur);
}

static void test_random_v3(void **state)
{
    random_snapshots(*state, 3, 16);
}

static void test_random_v2_small_clusters(void **state)
{
    random_snapshots(*state, 2, 9);
}

/* ---- the VM state area ---- */

static void vmstate_roundtrip(Fx *f, uint32_t version, uint32_t cbits)
{
    uint64_t size = 1 * MiB + 4096, len = 300 * KiB + 123;
    uint8_t *st = xmalloc(len), *back = xmalloc(len), *disk = xzalloc(size);
    uint8_t *scratch;
    char *out = xasprintf("%s/list", f->dir);
    Qcow2SnapshotInfo info = { .name = "vm", .vm_state_size = len };
    BlockBackend *bb;
    Qcow2 *q;

    make(f->path, size, version, cbits);
    bb = open_img(f->path, false);
    q = bb->qcow2;
    random_ops(f, bb, disk, 40);
    for (uint64_t i = 0; i < len; i++) {
        st[i] = (uint8_t)(rnd(f) >> 11);
    }
    assert_true(qcow2_vmstate_offset(q) >= size);
    assert_int_equal(qcow2_vmstate_write(q, 0, st, len / 2), 0);
    assert_int_equal(qcow2_vmstate_write(q, len / 2, st + len / 2,
                                         len - len / 2), 0);
    assert_int_equal(qcow2_snapshot_create(q, &info), 0);
    /* the active image no longer holds it */
    assert_int_equal(qcow2_pread(q, qcow2_vmstate_offset(q), back, 4096), 0);
    for (unsigned i = 0; i < 4096; i++) {
        assert_int_equal(back[i], 0);
    }
    expect_clean(bb);
    blk_close(bb);
    bb = open_img(f->path, false);
    q = bb->qcow2;
    assert_int_equal(q->snapshots[0].vm_state_size, len);
    assert_int_equal(qcow2_snapshot_read_vmstate(q, "vm", 0, back, len), 0);
    assert_memory_equal(back, st, len);
    assert_int_equal(qcow2_snapshot_read_vmstate(q, "vm", 1, back, len),
                     -EINVAL);
    scratch = xzalloc(size);
    random_ops(f, bb, scratch, 40);
    free(scratch);
    assert_int_equal(qcow2_snapshot_revert(q, "vm"), 0);
    expect_same(bb, disk, size);
    expect_clean(bb);
    blk_close(bb);
    if (have_qemu_img()) {
        assert_int_equal(run("qemu-img check -q %s", f->path), 0);
        assert_int_equal(run("qemu-img snapshot -l %s > %s", f->path, out),
                         0);
        assert_int_equal(run("grep -q ' vm .* 300 KiB ' %s", out), 0);
    }
    free(out);
    free(st);
    free(back);
    free(disk);
}

static void test_vmstate_v3(void **state)
{
    vmstate_roundtrip(*state, 3, 16);
}

static void test_vmstate_v2_small_clusters(void **state)
{
    vmstate_roundtrip(*state, 2, 12);
}

/* ---- bad input ---- */

static void test_bad_requests(void **state)
{
    Fx *f = *state;
    BlockBackend *bb;

    make(f->path, 1 * MiB, 3, 16);
    bb = open_img(f->path, false);
    assert_int_equal(snap(bb, "x"), 0);
    assert_int_equal(snap(bb, "x"), -EEXIST);
    assert_int_equal(qcow2_snapshot_delete(bb->qcow2, "nope"), -ENOENT);
    assert_int_equal(qcow2_snapshot_revert(bb->qcow2, "nope"), -ENOENT);
    blk_close(bb);
    bb = open_img(f->path, true);
    assert_int_equal(qcow2_snapshot_revert(bb->qcow2, "x"), -EROFS);
    assert_int_equal(snap(bb, "y"), -EROFS);
    assert_int_equal(bb->qcow2->nb_snapshots, 1);
    blk_close(bb);
}

static void test_corrupt_table(void **state)
{
    Fx *f = *state;
    BlockOptions o = { .file = f->path, .readonly = true };
    Error err = { "" };
    BlockBackend *bb;
    uint8_t junk[8] = { 0, 0, 0, 0, 0, 0, 0x10, 1 };  /* unaligned L1 */
    int fd;

    make(f->path, 1 * MiB, 3, 16);
    bb = open_img(f->path, false);
    assert_int_equal(snap(bb, "x"), 0);
    blk_close(bb);
    bb = open_img(f->path, true);
    uint64_t at = bb->qcow2->snapshots_offset;
    blk_close(bb);
    fd = open(f->path, O_WRONLY);
    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, junk, 8, (off_t)at), 8);
    close(fd);
    assert_null(blk_open(&o, &err));
    assert_non_null(strstr(err.msg, "snapshot table is invalid"));
}

/* ---- with qemu-img ---- */

static void test_qemu_lists_kite_snapshot(void **state)
{
    Fx *f = *state;
    char *out = xasprintf("%s/list", f->dir);
    uint8_t *s = xzalloc(1 * MiB);
    BlockBackend *bb;

    if (!have_qemu_img()) {
        free(out);
        free(s);
        skip();
    }
    make(f->path, 1 * MiB, 3, 16);
    bb = open_img(f->path, false);
    fill(bb, s, 0, 200 * KiB, 0x77);
    assert_int_equal(snap(bb, "kite-snap"), 0);
    fill(bb, s, 0, 100 * KiB, 0x78);
    blk_close(bb);
    assert_int_equal(run("qemu-img check -q %s", f->path), 0);
    assert_int_equal(run("qemu-img snapshot -l %s > %s", f->path, out), 0);
    assert_int_equal(run("grep -q 'kite-snap' %s", out), 0);
    assert_int_equal(run("qemu-img snapshot -a kite-snap %s", f->path), 0);
    assert_int_equal(run("qemu-io -c 'read -P 0x77 0 200k' %s | "
                         "grep -q 'read 204800'", f->path), 0);
    assert_int_equal(run("qemu-img check -q %s", f->path), 0);
    free(out);
    free(s);
}

static void test_kite_reverts_qemu_snapshot(void **state)
{
    Fx *f = *state;
    uint8_t *s = xzalloc(1 * MiB), *scratch = xzalloc(1 * MiB);
    BlockBackend *bb;

    if (!have_qemu_img()) {
        free(s);
        free(scratch);
        skip();
    }
    make(f->path, 1 * MiB, 2, 16);
    bb = open_img(f->path, false);
    fill(bb, s, 4096, 300 * KiB, 0x99);
    blk_close(bb);
    assert_int_equal(run("qemu-img snapshot -c from-qemu %s", f->path), 0);
    bb = open_img(f->path, false);
    assert_int_equal(bb->qcow2->nb_snapshots, 1);
    assert_string_equal(bb->qcow2->snapshots[0].name, "from-qemu");
    expect_clean(bb);
    fill(bb, scratch, 0, 600 * KiB, 0x12);       /* dropped by the revert */
    assert_int_equal(qcow2_snapshot_revert(bb->qcow2, "from-qemu"), 0);
    expect_same(bb, s, 1 * MiB);
    expect_clean(bb);
    assert_int_equal(qcow2_snapshot_delete(bb->qcow2, "from-qemu"), 0);
    expect_clean(bb);
    blk_close(bb);
    assert_int_equal(run("qemu-img check -q %s", f->path), 0);
    free(s);
    free(scratch);
}

static void test_kite_img_snapshot(void **state)
{
    Fx *f = *state;
    char *out = xasprintf("%s/list", f->dir);
    const char *img = "build/kite-img";

    if (access(img, X_OK)) {
        free(out);
        print_message("SKIP: %s is not built\n", img);
        skip();
    }
    make(f->path, 1 * MiB, 3, 16);
    assert_int_equal(run("%s snapshot -c one %s", img, f->path), 0);
    assert_int_equal(run("%s snapshot -c two %s", img, f->path), 0);
    assert_int_equal(run("%s snapshot -c two %s 2>/dev/null", img, f->path),
                     1);
    assert_int_equal(run("%s snapshot -l %s > %s", img, f->path, out), 0);
    assert_int_equal(run("grep -q '^1 *one ' %s && grep -q '^2 *two ' %s",
                         out, out), 0);
    assert_int_equal(run("%s snapshot -a one %s", img, f->path), 0);
    assert_int_equal(run("%s snapshot -d one %s", img, f->path), 0);
    assert_int_equal(run("%s snapshot -d one %s 2>/dev/null", img, f->path),
                     1);
    assert_int_equal(run("%s check -q %s", img, f->path), 0);
    assert_int_equal(run("%s snapshot -l %s > %s", img, f->path, out), 0);
    assert_int_equal(run("grep -q ' one ' %s", out), 1);
    expect_qemu_clean(f->path);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_revert_delete, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_refcounts_and_cow, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_random_v3, setup, teardown),
        cmocka_unit_test_setup_teardown(test_random_v2_small_clusters, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_vmstate_v3, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vmstate_v2_small_clusters, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_bad_requests, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corrupt_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_qemu_lists_kite_snapshot, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_kite_reverts_qemu_snapshot,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_kite_img_snapshot, setup,
                                        teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
