/*
 * The qcow2 image fuzzer (tests/fuzz/qcow2-fuzz.h) on a fixed-seed budget
 * for `make check`: images made by qcow2_create, mutated (header fields,
 * table entries, truncation), each opened read-only and read-write,
 * served and checked; plus the seeds themselves.
 *
 *   Q2FUZZ_N=20000 Q2FUZZ_SEED=7 build/tests/unit/test-qcow2-fuzz
 * runs a longer campaign. A failing input is written to
 * /tmp/kite-q2fuzz-fail.qcow2.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/fuzz/qcow2-fuzz.h"

#define BUDGET_INPUTS 150
#define BUDGET_SEED   20261207ull

static uint64_t env_u64(const char *name, uint64_t def)
{
    const char *v = getenv(name);
    return v && *v ? strtoull(v, NULL, 0) : def;
}

static void run_input(Qcow2Fuzz *f, const uint8_t *p, size_t len,
                      uint64_t i)
{
    if (q2fuzz_run(f, p, len) < 0) {
        FILE *fp = fopen("/tmp/kite-q2fuzz-fail.qcow2", "wb");
        if (fp) {
            fwrite(p, 1, len, fp);
            fclose(fp);
        }
        fail_msg("input %llu: %s", (unsigned long long)i, f->fail);
    }
}

static void test_seeds(void **state)
{
    Qcow2Fuzz f = { 0 };

    for (int i = 0; i < Q2FUZZ_NSEEDS; i++) {
        Q2Buf s = q2fuzz_seed(i);
        run_input(&f, s.p, s.len, (uint64_t)i);
        free(s.p);
    }
    assert_int_equal(f.opened, 2 * Q2FUZZ_NSEEDS);      /* all valid */
    unlink(f.path);
}

static void test_budget(void **state)
{
    uint64_t n = env_u64("Q2FUZZ_N", BUDGET_INPUTS);
    uint64_t seed = env_u64("Q2FUZZ_SEED", BUDGET_SEED);
    Qcow2Fuzz f = { 0 };
    Q2Buf seeds[Q2FUZZ_NSEEDS];
    size_t max = 0;
    uint8_t *buf;

    for (int i = 0; i < Q2FUZZ_NSEEDS; i++) {
        seeds[i] = q2fuzz_seed(i);
        max = MAX(max, seeds[i].len);
    }
    buf = xmalloc(max + 4096);
    for (uint64_t i = 0; i < n; i++) {
        uint64_t rng = seed * 1000003ull + i;
        const Q2Buf *s = &seeds[q2fuzz_rand(&rng) % Q2FUZZ_NSEEDS];
        size_t len;

        memcpy(buf, s->p, s->len);
        len = q2fuzz_mutate(&rng, buf, s->len, s->len + 4096,
                            1 + (int)(q2fuzz_rand(&rng) % 3));
        run_input(&f, buf, len, i);
    }
    print_message("%u images: %u opens served, %u refused with one line\n",
                  f.runs, f.opened, f.refused);
    assert_true(f.opened > 0 && f.refused > 0);
    for (int i = 0; i < Q2FUZZ_NSEEDS; i++) {
        free(seeds[i].p);
    }
    free(buf);
    unlink(f.path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seeds),
        cmocka_unit_test(test_budget),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
