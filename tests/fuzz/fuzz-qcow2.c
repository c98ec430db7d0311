/*
 * libFuzzer entry point for the qcow2 image fuzzer
 * (tests/fuzz/qcow2-fuzz.h): each input is an image file, opened, served
 * and checked. A failed property aborts, so libFuzzer saves the input;
 * LLVMFuzzerCustomMutator mixes q2fuzz_mutate with libFuzzer's own
 * mutations.
 *
 * Built with -DFUZZ_STANDALONE it gets a main() instead, which replays
 * the files named on its command line, or with --write-seeds DIR writes
 * the seed images.
 */
#include "tests/fuzz/qcow2-fuzz.h"
#include "tests/fuzz/fuzz-main.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static Qcow2Fuzz f;

    if (q2fuzz_run(&f, data, size) < 0) {
        fprintf(stderr, "qcow2 fuzz: %s\n", f.fail);
        abort();
    }
    return 0;
}

#ifndef FUZZ_STANDALONE
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size,
                               unsigned int seed);

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size,
                               unsigned int seed)
{
    uint64_t rng = seed;

    if (seed % 3 == 0 || size < 104) {
        return LLVMFuzzerMutate(data, size, max_size);
    }
    return q2fuzz_mutate(&rng, data, size, max_size, 1 + (int)(seed % 3));
}
#else
static int write_seeds(const char *dir)
{
    for (int i = 0; i < Q2FUZZ_NSEEDS; i++) {
        Q2Buf s = q2fuzz_seed(i);
        char path[4096];

        snprintf(path, sizeof(path), "%s/seed-%d", dir, i);
        if (fuzz_write_file(path, s.p, s.len) < 0) {
            free(s.p);
            return 1;
        }
        free(s.p);
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "--write-seeds")) {
        return write_seeds(argv[2]);
    }
    return fuzz_replay_main(argc, argv, "qcow2 images",
                            LLVMFuzzerTestOneInput);
}
#endif
