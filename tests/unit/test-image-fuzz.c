/*
 * The boot image fuzzer (tests/fuzz/image-fuzz.h) on a fixed-seed budget
 * for `make check`: valid bzImage, multiboot and PVH seeds mutated
 * structure-aware, each fed to the loaders with a small RAM; plus the
 * seeds themselves and the inputs that once failed, as named tests.
 *
 *   IMGFUZZ_N=200000 IMGFUZZ_SEED=7 build/tests/unit/test-image-fuzz
 * runs a longer campaign (IMGFUZZ_FIRST=i starts at input i,
 * IMGFUZZ_TRACE=1 prints each load). A failing input is printed as hex.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <unistd.h>

#include "tests/fuzz/image-fuzz.h"

#define BUDGET_INPUTS 20000
#define BUDGET_SEED   20261207ull
#define GROW_ROOM     8192

static uint64_t env_u64(const char *name, uint64_t def)
{
    const char *v = getenv(name);
    return v && *v ? strtoull(v, NULL, 0) : def;
}

static void dump_input(const uint8_t *p, size_t len)
{
    fprintf(stderr, "input (%zu bytes):\n", len);
    for (size_t i = 0; i < len; i++) {
        fprintf(stderr, "%02x%s", p[i], (i % 32 == 31 || i + 1 == len) ? "\n" : "");
    }
}

static void run_input(ImgFuzz *f, const uint8_t *p, size_t len,
                      const char *name)
{
    if (imgfuzz_run(f, p, len) < 0) {
        dump_input(p, len);
        fail_msg("%s: %s", name, f->fail);
    }
}

/* Each seed as it is: the valid ones load, the last one is refused. */
static void test_seeds(void **state)
{
    for (int i = 0; i < IMGFUZZ_NSEEDS; i++) {
        ImgFuzz f = { 0 };
        ImgBuf s = imgfuzz_seed(i);

        run_input(&f, s.p, s.len, "seed");
        assert_int_equal(f.loaded, i == IMGFUZZ_NSEEDS - 1 ? 0 : 1);
        free(s.p);
    }
}

static void test_budget(void **state)
{
    uint64_t n = env_u64("IMGFUZZ_N", BUDGET_INPUTS);
    uint64_t seed = env_u64("IMGFUZZ_SEED", BUDGET_SEED);
    uint64_t first = env_u64("IMGFUZZ_FIRST", 0);
    ImgFuzz f = { .trace = env_u64("IMGFUZZ_TRACE", 0) != 0 };
    ImgBuf seeds[IMGFUZZ_NSEEDS];
    uint8_t *buf = xmalloc(IMGFUZZ_HDR + IMGFUZZ_MAX_IMAGE);

    for (int i = 0; i < IMGFUZZ_NSEEDS; i++) {
        seeds[i] = imgfuzz_seed(i);
    }
    for (uint64_t i = first; i < first + n; i++) {
        uint64_t rng = seed * 1000003ull + i;
        const ImgBuf *s = &seeds[imgfuzz_rand(&rng) % IMGFUZZ_NSEEDS];
        size_t len;

        memcpy(buf, s->p, s->len);
        len = imgfuzz_mutate(&rng, buf, s->len, s->len + GROW_ROOM,
                             1 + (int)(imgfuzz_rand(&rng) % 4));
        if (imgfuzz_run(&f, buf, len) < 0) {
            dump_input(buf, len);
            fail_msg("input %llu of seed %llu: %s", (unsigned long long)i,
                     (unsigned long long)seed, f.fail);
        }
    }
    print_message("%u images: %u loaded (bzImage %u, multiboot %u, PVH %u), "
                  "%u refused\n", f.runs, f.loaded, f.by_kind[KERNEL_BZIMAGE],
                  f.by_kind[KERNEL_MULTIBOOT], f.by_kind[KERNEL_PVH],
                  f.refused);
    /* the mutations must leave many images loadable, and refuse many */
    assert_true(f.loaded > n / 20);
    assert_true(f.refused > n / 20);
    for (int i = 0; i < IMGFUZZ_NSEEDS; i++) {
        free(seeds[i].p);
    }
    free(buf);
}

/* Damages one byte of guest RAM, through the memory core. */
static void flip_guest_byte(Machine *m, uint64_t addr)
{
    uint8_t v;

    assert_int_equal(address_space_read(&m->mem, addr, &v, 1), 0);
    v ^= 1;
    assert_int_equal(address_space_write(&m->mem, addr, &v, 1), 0);
}

/*
 * The checks are not vacuous: after a good PVH load they pass, and a
 * changed command line, initrd byte or start-info magic in guest RAM
 * (injected here) fails them.
 */
static void test_checks_catch_injected_damage(void **state)
{
    ImgPvhSpec s = imgfuzz_pvh_default(true);
    ImgBuf b = imgfuzz_build_pvh(&s);
    uint8_t initrd[5000];
    const char *cmdline = "console=ttyS0";
    static const uint64_t poke[] = { 0, 1, 2 };

    for (size_t i = 0; i < sizeof(initrd); i++) {
        initrd[i] = (uint8_t)i;
    }
    for (size_t k = 0; k < ARRAY_SIZE(poke); k++) {
        Machine *m = imgfuzz_machine(8 * MiB);
        ImgFuzz f = { 0 };
        X86CPUState cpu;
        Error err = { "" };
        const uint8_t *si;

        assert_int_equal(pvh_load(m, b.p, b.len, initrd, sizeof(initrd),
                                  cmdline, &cpu, &err), 0);
        assert_true(imgfuzz_check_pvh(&f, m, &cpu, initrd, sizeof(initrd),
                                      cmdline));
        si = address_space_get_ptr(&m->mem, cpu.regs[R_EBX], 56);
        assert_non_null(si);
        switch (poke[k]) {
        case 0:
            flip_guest_byte(m, ld64le(si + 24) + 3);
            break;
        case 1: {
            const uint8_t *mod = address_space_get_ptr(&m->mem,
                                                       ld64le(si + 16), 32);
            assert_non_null(mod);
            flip_guest_byte(m, ld64le(mod) + 4999);
            break;
        }
        default:
            flip_guest_byte(m, cpu.regs[R_EBX]);
            break;
        }
        assert_false(imgfuzz_check_pvh(&f, m, &cpu, initrd, sizeof(initrd),
                                       cmdline));
        print_message("injected %zu: %s\n", k, f.fail);
        imgfuzz_machine_free(m);
    }
    free(b.p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seeds),
        cmocka_unit_test(test_checks_catch_injected_damage),
        cmocka_unit_test(test_budget),
    };

    alarm(600);                  /* a hang fails the test instead */
    return cmocka_run_group_tests(tests, NULL, NULL);
}
