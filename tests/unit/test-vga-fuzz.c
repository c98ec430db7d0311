/*
 * The bounded budget of the VGA register-file fuzzer (tests/fuzz/
 * vga-fuzz.h) in make check: random programs, and programs that set
 * absurd DISPI modes (huge, zero, odd strides, offsets past the end of
 * VRAM) before they draw and refresh. `make fuzz FUZZ_TARGETS=vga` runs
 * the same code under libFuzzer and the sanitizers for as long as asked.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/fuzz/vga-fuzz.h"

static uint64_t rng = 0x6b697465;

static uint8_t rnd8(void)
{
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    return (uint8_t)(rng >> 56);
}

static void run_or_fail(const uint8_t *prog, size_t len, int n)
{
    VGAFuzz f;

    if (vgafuzz_run(&f, prog, len) < 0) {
        fail_msg("program %d: %s", n, f.fail);
    }
}

static void test_random_programs(void **state)
{
    uint8_t prog[768];

    for (int n = 0; n < 400; n++) {
        for (size_t i = 0; i < sizeof(prog); i++) {
            prog[i] = rnd8();
        }
        run_or_fail(prog, sizeof(prog), n);
    }
}

/* DISPI register values that break emulators, then drawing and refresh. */
static void test_absurd_modes(void **state)
{
    static const uint16_t vals[] = {
        0, 1, 2, 3, 7, 8, 15, 16, 24, 32, 33, 0x7fff, 0x8000, 0xffff,
        2560, 2561, 1600, 1601, 4096,
    };
    int n = 0;

    for (unsigned idx = 1; idx < VBE_DISPI_INDEX_NB + 2; idx++) {
        for (size_t k = 0; k < sizeof(vals) / sizeof(vals[0]); k++) {
            uint8_t prog[64], *p = prog;
            /* a sane 32 bpp mode, one register absurd, enable, draw, refresh */
            static const uint16_t mode[][2] = {
                { 4, 0 }, { 1, 320 }, { 2, 200 }, { 3, 32 },
            };
            for (unsigned m = 0; m < 4; m++) {
                *p++ = 4; *p++ = (uint8_t)mode[m][0];
                *p++ = (uint8_t)mode[m][1]; *p++ = (uint8_t)(mode[m][1] >> 8);
            }
            *p++ = 4; *p++ = (uint8_t)idx;
            *p++ = (uint8_t)vals[k]; *p++ = (uint8_t)(vals[k] >> 8);
            *p++ = 4; *p++ = 4; *p++ = 0x41; *p++ = 0;   /* enabled, LFB */
            *p++ = 6 | (31 << 3); *p++ = 0xff; *p++ = 0xff; *p++ = 0x0f;
            *p++ = 0x5a;
            *p++ = 7;
            run_or_fail(prog, (size_t)(p - prog), n++);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_programs),
        cmocka_unit_test(test_absurd_modes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
