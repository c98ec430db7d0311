/*
 * libFuzzer entry point for the guest-code fuzzer (tests/fuzz/guest-fuzz.h):
 * each input is a sequence of chunks (mode, flags, registers, code) run
 * under the TCG with the native backend and the interpreter, which must
 * agree. The two machines and the watchdog thread live for the whole
 * process; every chunk starts from the same RAM image. A mismatch aborts,
 * so libFuzzer saves the input; a hang aborts from the watchdog.
 *
 * Built with -DFUZZ_STANDALONE it gets a main() instead, which replays
 * the files named on its command line (GUESTFUZZ_TRACE=1 prints each
 * chunk), or with --write-seeds DIR writes the seed corpus
 * (tests/fuzz/corpus/guest): generated inputs of a few chunks.
 */
#include "tests/fuzz/guest-fuzz.h"
#include "tests/fuzz/fuzz-main.h"

#define SEED_FILES  16
#define SEED_CHUNKS 6

static GuestFuzz *guest_fuzz;

static GuestFuzz *guest_fuzz_get(void)
{
    char why[256];

    if (!guest_fuzz) {
        guest_fuzz = xzalloc(sizeof(*guest_fuzz));
        if (gf_init(guest_fuzz, why, sizeof(why)) < 0) {
            fprintf(stderr, "guest fuzz: %s\n", why);
            abort();
        }
        guest_fuzz->trace = getenv("GUESTFUZZ_TRACE") != NULL;
    }
    return guest_fuzz;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    GuestFuzz *g = guest_fuzz_get();

    if (gf_run_input(g, data, size) < 0) {
        fprintf(stderr, "guest fuzz: %s\n", g->fail);
        abort();
    }
    return 0;
}

#ifdef FUZZ_STANDALONE
static int write_seeds(const char *dir)
{
    uint8_t buf[SEED_CHUNKS * 256];

    for (int i = 0; i < SEED_FILES; i++) {
        uint64_t rng = 0x6b697465ull + (uint64_t)i;
        size_t len = gf_gen_input(&rng, buf, sizeof(buf), SEED_CHUNKS);
        char path[4096];

        snprintf(path, sizeof(path), "%s/seed-%02d", dir, i);
        if (fuzz_write_file(path, buf, len) < 0) {
            return 1;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    int ret;

    if (argc == 3 && !strcmp(argv[1], "--write-seeds")) {
        return write_seeds(argv[2]);
    }
    ret = fuzz_replay_main(argc, argv, "guest-code fuzzer inputs",
                           LLVMFuzzerTestOneInput);
    if (guest_fuzz) {
        gf_destroy(guest_fuzz);
        free(guest_fuzz);
    }
    return ret;
}
#endif
