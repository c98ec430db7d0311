/*
 * The guest-code fuzzer (tests/fuzz/guest-fuzz.h) on a fixed-seed budget
 * for `make check`: generated chunks in every mode, run by the TCG with
 * the native backend and the interpreter, which must agree; plus the
 * chunks that once failed, as named regression tests.
 *
 *   GUESTFUZZ_N=100000 GUESTFUZZ_SEED=7 build/tests/unit/test-guest-fuzz
 * runs a longer campaign (GUESTFUZZ_FIRST=i starts at input i,
 * GUESTFUZZ_TRACE=1 prints every chunk). A failing chunk is printed with
 * its mode, flags and code; the input is printed as hex, ready to be
 * saved as a file for build/tests/fuzz/fuzz-guest-replay.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <unistd.h>

#include "tests/fuzz/guest-fuzz.h"

#define BUDGET_INPUTS 250
#define BUDGET_CHUNKS 8          /* per input */
#define BUDGET_SEED   20261207ull
#define INPUT_MAX     (BUDGET_CHUNKS * 256)

static GuestFuzz *fuzz;

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

static int setup(void **state)
{
    char why[256];

    fuzz = xzalloc(sizeof(*fuzz));
    if (gf_init(fuzz, why, sizeof(why)) < 0) {
        fprintf(stderr, "guest fuzz: %s\n", why);
        return -1;
    }
    fuzz->trace = env_u64("GUESTFUZZ_TRACE", 0) != 0;
    return 0;
}

static int teardown(void **state)
{
    gf_destroy(fuzz);
    free(fuzz);
    return 0;
}

static void run_input(const uint8_t *p, size_t len, const char *name)
{
    if (gf_run_input(fuzz, p, len) < 0) {
        dump_input(p, len);
        fail_msg("%s: %s", name, fuzz->fail);
    }
}

static void test_budget(void **state)
{
    uint64_t n = env_u64("GUESTFUZZ_N", BUDGET_INPUTS);
    uint64_t seed = env_u64("GUESTFUZZ_SEED", BUDGET_SEED);
    uint64_t first = env_u64("GUESTFUZZ_FIRST", 0);
    uint8_t *buf = xmalloc(INPUT_MAX);
    GuestFuzz *g = fuzz;
    GuestFuzz *before = xmalloc(sizeof(*before));
    unsigned long long vectors = 0;

    memcpy(before, g, sizeof(*g));

    for (uint64_t i = first; i < first + n; i++) {
        uint64_t rng = seed * 1000003ull + i;
        size_t len = gf_gen_input(&rng, buf, INPUT_MAX, BUDGET_CHUNKS);
        char name[64];

        snprintf(name, sizeof(name), "input %llu of seed %llu",
                 (unsigned long long)i, (unsigned long long)seed);
        run_input(buf, len, name);
    }
    for (int v = 0; v <= GF_NVEC; v++) {
        vectors += g->by_vector[v] != before->by_vector[v];
    }
    print_message("%llu chunks (%llu single-stepped): %llu hlt, %llu "
                  "exceptions (%llu vectors), %llu triple faults, %llu at the "
                  "step budget, %llu stuck in a step\n",
                  g->chunks - before->chunks, g->stepped - before->stepped,
                  g->by_end[GF_END_HLT] - before->by_end[GF_END_HLT],
                  g->by_end[GF_END_VECTOR] - before->by_end[GF_END_VECTOR],
                  vectors,
                  g->by_end[GF_END_SHUTDOWN] - before->by_end[GF_END_SHUTDOWN],
                  g->by_end[GF_END_STEPS] - before->by_end[GF_END_STEPS],
                  g->by_end[GF_END_STUCK] - before->by_end[GF_END_STUCK]);
    print_message("longest time from a kick to the vCPU's return: %.1f ms\n",
                  g->wd.max_latency / 1e6);
    for (int m = 0; m < GF_NMODES; m++) {
        unsigned long long k = g->by_mode[m] - before->by_mode[m];
        print_message("  %-9s %llu chunks\n", gf_mode_names[m], k);
        /* the generator must reach every mode */
        assert_true(k > 0 || n < 100);
    }
    /* ... and the handlers catch the common faults in many vectors */
    if (n >= 100) {
        assert_true(vectors >= 8);
        assert_true(g->by_vector[EXCP_UD] > before->by_vector[EXCP_UD] &&
                    g->by_vector[EXCP_GP] > before->by_vector[EXCP_GP] &&
                    g->by_vector[EXCP_BP] > before->by_vector[EXCP_BP]);
    }
    free(before);
    free(buf);
}

/*
 * Each mode's start state is valid: a NOP then HLT ends in HLT, or in #GP
 * at the HLT where it runs at CPL 3.
 */
static void test_modes_start(void **state)
{
    for (int m = 0; m < GF_NMODES; m++) {
        uint8_t in[] = { (uint8_t)m, 0, 0, 0, 2, 0x90, 0xf4 };
        GfOutcome o;
        GfChunk c;
        GfReader r = { in, sizeof(in), 0 };

        assert_true(gf_read_chunk(&r, &c));
        run_input(in, sizeof(in), gf_mode_names[m]);
        o = gf_run_one(fuzz, &fuzz->e[0], &c);
        if (m == GF_PM32_USER || m == GF_V86 || m == GF_LONG64_USER) {
            assert_int_equal(o.vector, EXCP_GP);
            continue;
        }
        assert_int_equal(o.end, GF_END_HLT);
        assert_int_equal(fuzz->e[0].cpu.env.segs[R_CS].base +
                         fuzz->e[0].cpu.env.rip, GF_CODE + 2);
    }
}

/* INT3 in every mode reaches the stub of vector 3. */
static void test_modes_breakpoint(void **state)
{
    for (int m = 0; m < GF_NMODES; m++) {
        uint8_t in[] = { (uint8_t)m, 0, 0, 0, 1, 0xcc };
        GfChunk c;
        GfReader r = { in, sizeof(in), 0 };
        GfOutcome o;

        assert_true(gf_read_chunk(&r, &c));
        o = gf_run_one(fuzz, &fuzz->e[1], &c);
        assert_int_equal(o.end, GF_END_VECTOR);
        assert_int_equal(o.vector, EXCP_BP);
    }
}

/* An endless loop is kicked, then single-stepped to the step budget. */
static void test_endless_loop(void **state)
{
    uint8_t in[] = { GF_PM32, 0, 0, 0, 2, 0xeb, 0xfe };
    unsigned long long stepped = fuzz->stepped;

    run_input(in, sizeof(in), "jmp $");
    assert_int_equal(fuzz->stepped, stepped + 1);
    assert_int_equal(fuzz->e[0].cpu.env.rip, GF_CODE);
}

/*
 * The comparison is not vacuous: a register, a RAM byte or the vector
 * changed on one side after identical runs is reported (injected here).
 */
static void test_compare_catches_injected_differences(void **state)
{
    uint8_t in[] = { GF_LONG64, 0, 0, 0, 3, 0x48, 0xff, 0xc0 };  /* inc rax */
    GfReader r = { in, sizeof(in), 0 };
    GfOutcome o[2];
    GfChunk c;

    assert_true(gf_read_chunk(&r, &c));
    for (int k = 0; k < 4; k++) {
        for (int i = 0; i < 2; i++) {
            o[i] = gf_run_one(fuzz, &fuzz->e[i], &c);
        }
        fuzz->fail[0] = 0;
        assert_true(gf_compare(fuzz, o));
        switch (k) {
        case 0: fuzz->e[1].cpu.env.regs[R_EAX] ^= 1; break;
        case 1: fuzz->e[1].cpu.env.rflags ^= RF_CF; break;
        case 2: fuzz->e[0].m.ram.host[GF_DATA + 77] ^= 0x40; break;
        default: o[1].vector = EXCP_GP; break;
        }
        assert_false(gf_compare(fuzz, o));
        print_message("injected %d: %s\n", k, fuzz->fail);
    }
    fuzz->fail[0] = 0;
}

/*
 * An exception loop (real mode, IVT[6] pointing at a UD2) keeps the vCPU
 * busy without completing an instruction: the free run needs the kick,
 * and under VCPU.singlestep the step that enters the loop never returns
 * (the TCG does not stop a step after delivering an exception). The
 * fuzzer must still finish the chunk, on both backends alike.
 */
static void test_exception_loop_is_bounded(void **state)
{
    static const uint8_t in[] = {
        GF_REAL, 0, 0, 0, 24,
        0x31, 0xc0,                             /* xor ax, ax */
        0x8e, 0xd8,                             /* mov ds, ax */
        0xc7, 0x06, 0x18, 0x00, 0x00, 0x7c,     /* IVT[6] = 0000:7c00 */
        0xc7, 0x06, 0x1a, 0x00, 0x00, 0x00,
        0xc7, 0x06, 0x00, 0x7c, 0x0f, 0x0b,     /* ud2 at 0000:7c00 */
        0x0f, 0x0b,                             /* ud2 */
    };
    unsigned long long stepped = fuzz->stepped;
    unsigned long long stuck = fuzz->by_end[GF_END_STUCK];
    unsigned long long steps = fuzz->by_end[GF_END_STEPS];

    run_input(in, sizeof(in), "exception loop");
    assert_int_equal(fuzz->stepped, stepped + 1);
    assert_int_equal(fuzz->by_end[GF_END_STUCK] + fuzz->by_end[GF_END_STEPS],
                     stuck + steps + 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_modes_start),
        cmocka_unit_test(test_modes_breakpoint),
        cmocka_unit_test(test_endless_loop),
        cmocka_unit_test(test_exception_loop_is_bounded),
        cmocka_unit_test(test_compare_catches_injected_differences),
        cmocka_unit_test(test_budget),
    };

    alarm(600);                  /* a hang fails the test instead */
    return cmocka_run_group_tests(tests, setup, teardown);
}
