/* Durability of qcow2 metadata: a writer process (the block layer as
 * Kite's I/O thread uses it: random writes, write-zeroes, flushes) is
 * killed with SIGKILL at a random moment, over and over on the same
 * image; after each kill the image must check without corruption (leaked
 * clusters are allowed), what was flushed must read back, and writing
 * must go on. Small clusters make refcount blocks and refcount table
 * growth happen under the kills; qemu-img check agrees where installed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "block/qcow2.h"

#define DISK     (24 * MiB)
#define ROUNDS   8

/* The content of sector s as written in generation g. */
static void fill(uint8_t *p, uint64_t sector, uint32_t gen)
{
    for (unsigned i = 0; i < 512; i += 16) {
        st64le(p + i, sector);
        st32le(p + i + 8, gen);
        st32le(p + i + 12, ~gen);
    }
}

/* Child: writes forever; after each flush reports the flushed sector. */
static void writer(const char *path, uint64_t seed, int report)
{
    BlockOptions o = { .file = path };
    Error err = { "" };
    BlockBackend *bb = blk_open(&o, &err);
    uint8_t *buf = xmalloc(64 * KiB);

    if (!bb) {
        fprintf(stderr, "writer: %s\n", err.msg);
        _exit(1);
    }
    for (uint32_t gen = 1;; gen++) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        uint64_t n = 1 + (seed >> 40) % 128, s = (seed >> 8) % (DISK / 512 -
                                                               n);
        for (uint64_t i = 0; i < n; i++) {
            fill(buf + 512 * i, s + i, gen);
        }
        if (gen % 11 == 0) {
            blk_write_zeroes(bb, s * 512, n * 512);
        } else if (blk_pwrite(bb, s * 512, buf, n * 512) < 0) {
            _exit(2);
        }
        if (gen % 7 == 0 && blk_flush(bb) == 0 && gen % 11) {
            uint64_t msg[2] = { s, gen };
            if (write(report, msg, sizeof(msg)) != sizeof(msg)) {
                _exit(3);
            }
        }
    }
}

/* The last flushed write the child reported (sector, generation). */
static void last_report(int fd, uint64_t *sector, uint64_t *gen)
{
    uint64_t msg[2];

    *gen = 0;
    while (read(fd, msg, sizeof(msg)) == sizeof(msg)) {
        *sector = msg[0];
        *gen = msg[1];
    }
}

static void check_image(const char *path, uint64_t sector, uint64_t gen)
{
    BlockOptions o = { .file = path, .readonly = true };
    Error err = { "" };
    BlockBackend *bb = blk_open(&o, &err);
    Qcow2CheckResult res;
    uint8_t got[512], want[512];
    uint8_t *all = xmalloc(DISK);

    if (!bb) {
        fail_msg("reopen after kill: %s", err.msg);
    }
    assert_int_equal(qcow2_check(bb->qcow2, QCOW2_REPAIR_NONE, &res, NULL),
                     0);
    if (res.corruptions) {
        qcow2_check(bb->qcow2, QCOW2_REPAIR_NONE, &res, stderr);
    }
    assert_int_equal(res.corruptions, 0);
    print_message("after kill: %llu leaked clusters, no corruption\n",
                  (unsigned long long)res.leaks);
    assert_int_equal(blk_pread(bb, 0, all, DISK), 0);   /* all readable */
    if (gen) {
        /* a later write may have covered it: a newer generation, or
         * zeros (write-zeroes) */
        static const uint8_t zero[512];
        assert_int_equal(blk_pread(bb, sector * 512, got, 512), 0);
        fill(want, sector, (uint32_t)gen);
        if (memcmp(got, zero, 512)) {
            assert_int_equal(ld64le(got), sector);
            assert_true(ld32le(got + 8) > gen || !memcmp(got, want, 512));
        }
    }
    blk_close(bb);
    free(all);
}

static void crash_rounds(uint32_t cluster_bits)
{
    char path[64];
    Qcow2CreateOptions co = { .size = DISK, .version = 3,
                              .cluster_bits = cluster_bits };
    Error err = { "" };
    struct timespec ts;

    snprintf(path, sizeof(path), "/tmp/kite-crash-%d.qcow2", (int)getpid());
    assert_int_equal(qcow2_create(path, &co, &err), 0);
    clock_gettime(CLOCK_MONOTONIC, &ts);
    for (int round = 0; round < ROUNDS; round++) {
        int p[2];
        uint64_t sector = 0, gen;
        assert_int_equal(pipe(p), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            close(p[0]);
            writer(path, (uint64_t)ts.tv_nsec + round * 7919u, p[1]);
        }
        close(p[1]);
        usleep(30000 + (unsigned)((ts.tv_nsec / 1000 + round * 37813) %
                                  150000));
        kill(pid, SIGKILL);
        assert_int_equal(waitpid(pid, NULL, 0), pid);
        last_report(p[0], &sector, &gen);
        close(p[0]);
        check_image(path, sector, gen);
    }
    if (system("qemu-img --version >/dev/null 2>&1") == 0) {
        char *cmd = xasprintf("qemu-img check -q %s >/dev/null 2>&1; test $? -ne 2", path);
        assert_int_equal(system(cmd), 0);           /* leaks: status 3 */
        free(cmd);
    } else {
        print_message("SKIP: qemu-img is not installed (qemu-utils)\n");
    }
    unlink(path);
}

static void test_kill_small_clusters(void **state)
{
    crash_rounds(9);
}

static void test_kill_default_clusters(void **state)
{
    crash_rounds(16);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kill_small_clusters),
        cmocka_unit_test(test_kill_default_clusters),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
