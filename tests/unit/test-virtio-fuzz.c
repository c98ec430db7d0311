/*
 * The virtqueue fuzzer (tests/fuzz/virtio-fuzz.h) on a fixed-seed budget
 * for `make check`: VFUZZ_N programs (default below) of random bytes from
 * VFUZZ_SEED, stopped early when VFUZZ_SECONDS have passed. Set them in
 * the environment for a longer campaign:
 *   VFUZZ_N=100000 VFUZZ_SECONDS=600 VFUZZ_SEED=3 \
 *       build/tests/unit/test-virtio-fuzz
 * A failing program is printed as hex, ready for tests/fuzz/ (README).
 * virtio-net-pci and virtio-serial-pci get a smaller budget each
 * (VFUZZ_DEV_N programs, VFUZZ_DEV_SECONDS), the program's queue turning
 * over their queues.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <time.h>

#include "tests/fuzz/virtio-fuzz.h"

#define BUDGET_PROGRAMS 20000
#define DEV_PROGRAMS    4000
#define DEV_SECONDS     4
#define BUDGET_SECONDS  10
#define BUDGET_SEED     20261207ull
#define PROGRAM_MIN     16
#define PROGRAM_MAX     1024

static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static size_t gen_program(uint64_t seed, uint64_t i, uint8_t *buf)
{
    uint64_t s = seed * 1000003ull + i;
    size_t len = PROGRAM_MIN + splitmix64(&s) % (PROGRAM_MAX - PROGRAM_MIN);

    for (size_t j = 0; j < len; j += 8) {
        uint64_t r = splitmix64(&s);
        memcpy(buf + j, &r, MIN(8, len - j));
    }
    return len;
}

static uint64_t env_u64(const char *name, uint64_t def)
{
    const char *v = getenv(name);
    return v && *v ? strtoull(v, NULL, 0) : def;
}

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static unsigned long long served, broken;

static void run_program_on(const uint8_t *p, size_t len, const char *name,
                           const char *type, unsigned queue)
{
    VirtioFuzz f = { .type = type, .queue = queue };

    if ((type ? vfuzz_run_device(&f, p, len) : vfuzz_run(&f, p, len)) < 0) {
        for (size_t i = 0; i < len; i++) {
            fprintf(stderr, "%02x%s", p[i], i % 32 == 31 ? "\n" : "");
        }
        fail_msg("%s: %s", name, f.fail);
    }
    served += f.served;
    broken += f.broke;
}

static void run_program(const uint8_t *p, size_t len, const char *name)
{
    run_program_on(p, len, name, NULL, 0);
}

static void test_budget(void **state)
{
    uint64_t n = env_u64("VFUZZ_N", BUDGET_PROGRAMS);
    uint64_t seed = env_u64("VFUZZ_SEED", BUDGET_SEED);
    double end = now_s() + (double)env_u64("VFUZZ_SECONDS", BUDGET_SECONDS);
    uint8_t buf[PROGRAM_MAX];
    uint64_t i;

    for (i = 0; i < n && now_s() < end; i++) {
        size_t len = gen_program(seed, i, buf);
        char name[64];

        snprintf(name, sizeof(name), "program %llu of seed %llu",
                 (unsigned long long)i, (unsigned long long)seed);
        run_program(buf, len, name);
    }
    print_message("%llu programs run, %llu requests served, %llu left the "
                  "device broken\n", (unsigned long long)i, served, broken);
    assert_true(i >= MIN(n, 100));
    assert_true(served > 0 && broken > 0);
}

/* Programs of one repeated byte: each operation's edge values. */
static void test_uniform_programs(void **state)
{
    uint8_t buf[512];

    for (int v = 0; v < 256; v += 5) {
        memset(buf, v, sizeof(buf));
        run_program(buf, sizeof(buf), "uniform");
    }
}

/*
 * Hand-written programs: a request through the fuzzer's own ops must be
 * served (so the budget is not just breaking the device at once).
 */
static void test_program_serves(void **state)
{
    static const uint8_t prog[] = {
        9, 1, 4, 0, 1,            /* start: base features, 16 entries */
        0, 0, 0, 0, 0, 0, 0, 64, 2, 0,  /* desc 0: RAM buffer, 64, WRITE */
        3, 0, 0,                  /* post head 0 */
        5, 0,                     /* notify queue 0 */
    };
    VirtioFuzz f = { 0 };
    Error err = { "" };

    assert_int_equal(vfuzz_run(&f, prog, sizeof(prog)), 0);
    /* replay by hand to look at the ring */
    f = (VirtioFuzz){ .in = prog, .len = sizeof(prog) };
    f.d = vdrv_new("virtio-rng-pci", "", &err);
    vdrv_enable(f.d);
    while (f.pos < f.len) {
        assert_int_equal(vfuzz_op(&f), 0);
    }
    assert_false(f.d->p->vdev.broken);
    assert_int_equal(vdrv_used_idx(f.d, &f.q), 1);
    assert_int_equal(vdrv_used_len(f.d, &f.q, 0), 64);
    vdrv_free(f.d);
}

/* The same budget, smaller, on virtio-net and virtio-console. */
static void budget_on(const char *type, unsigned nqueues)
{
    uint64_t n = env_u64("VFUZZ_DEV_N", DEV_PROGRAMS);
    uint64_t seed = env_u64("VFUZZ_SEED", BUDGET_SEED);
    double end = now_s() + (double)env_u64("VFUZZ_DEV_SECONDS", DEV_SECONDS);
    uint8_t buf[PROGRAM_MAX];
    uint64_t i;

    served = broken = 0;
    for (i = 0; i < n && now_s() < end; i++) {
        size_t len = gen_program(seed, i, buf);
        char name[96];

        snprintf(name, sizeof(name), "%s queue %u, program %llu of seed %llu",
                 type, (unsigned)(i % nqueues), (unsigned long long)i,
                 (unsigned long long)seed);
        run_program_on(buf, len, name, type, (unsigned)(i % nqueues));
    }
    print_message("%s: %llu programs run, %llu requests served, %llu left "
                  "the device broken\n", type, (unsigned long long)i, served,
                  broken);
    assert_true(i >= MIN(n, 100));
    assert_true(served > 0 && broken > 0);
}

static void test_budget_net(void **state)
{
    budget_on("virtio-net-pci", 3);
}

static void test_budget_console(void **state)
{
    budget_on("virtio-serial-pci", 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_program_serves),
        cmocka_unit_test(test_uniform_programs),
        cmocka_unit_test(test_budget),
        cmocka_unit_test(test_budget_net),
        cmocka_unit_test(test_budget_console),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
