/*
 * libFuzzer entry point for the generic device fuzzer
 * (tests/fuzz/device-fuzz.h): each input is one program of guest
 * operations run on two fresh pc machines. A failed check aborts, so
 * libFuzzer saves the input as a crash file.
 *
 * Built with -DFUZZ_STANDALONE it gets a main() instead, which replays
 * the files named on its command line with any compiler (see README).
 */
#include "tests/fuzz/device-fuzz.h"
#include "tests/fuzz/fuzz-main.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    DevFuzz *f = xzalloc(sizeof(*f));

    f->trace = getenv("DEVFUZZ_TRACE") != NULL;
    if (devfuzz_run(f, data, size) < 0) {
        fprintf(stderr, "device fuzz: %s\n", f->fail);
        abort();
    }
    free(f);
    return 0;
}

#ifdef FUZZ_STANDALONE
int main(int argc, char **argv)
{
    return fuzz_replay_main(argc, argv, "device fuzzer inputs",
                            LLVMFuzzerTestOneInput);
}
#endif
