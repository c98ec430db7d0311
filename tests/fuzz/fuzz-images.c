/*
 * libFuzzer entry point for the boot image fuzzer (tests/fuzz/image-fuzz.h):
 * each input is loader options and one kernel image, loaded into a fresh
 * small machine. A failed check aborts, so libFuzzer saves the input.
 * LLVMFuzzerCustomMutator mixes the structure-aware mutations of
 * image-fuzz.h (ELF headers, program headers, notes, the Linux setup
 * header, the multiboot header) with libFuzzer's own byte mutations.
 *
 * Built with -DFUZZ_STANDALONE it gets a main() instead, which replays
 * the files named on its command line with any compiler, or with
 * --write-seeds DIR writes the seed corpus (tests/fuzz/corpus/images).
 */
#include <errno.h>

#include "tests/fuzz/image-fuzz.h"
#include "tests/fuzz/fuzz-main.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ImgFuzz f = { .trace = getenv("IMGFUZZ_TRACE") != NULL };

    if (imgfuzz_run(&f, data, size) < 0) {
        fprintf(stderr, "image fuzz: %s\n", f.fail);
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

    if (seed % 3 == 0 || size < IMGFUZZ_HDR) {
        return LLVMFuzzerMutate(data, size, max_size);
    }
    return imgfuzz_mutate(&rng, data, size, max_size, 1 + (int)(seed % 4));
}
#else
static int write_seeds(const char *dir)
{
    for (int i = 0; i < IMGFUZZ_NSEEDS; i++) {
        ImgBuf s = imgfuzz_seed(i);
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
    return fuzz_replay_main(argc, argv, "boot image fuzzer inputs",
                            LLVMFuzzerTestOneInput);
}
#endif
