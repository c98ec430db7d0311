/*
 * libFuzzer entry point for the VGA register-file fuzzer (tests/fuzz/
 * vga-fuzz.h): each input is one program of port, window, DISPI and
 * framebuffer actions against a fresh standard VGA. A failed check aborts,
 * so libFuzzer saves the input as a crash file.
 *
 * Built with -DFUZZ_STANDALONE it gets a main() instead, which replays
 * the files named on its command line with any compiler (see README).
 */
#include "tests/fuzz/vga-fuzz.h"
#include "tests/fuzz/fuzz-main.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    VGAFuzz f;

    if (vgafuzz_run(&f, data, size) < 0) {
        fprintf(stderr, "vga fuzz: %s\n", f.fail);
        abort();
    }
    return 0;
}

#ifdef FUZZ_STANDALONE
int main(int argc, char **argv)
{
    return fuzz_replay_main(argc, argv, "VGA fuzzer inputs",
                            LLVMFuzzerTestOneInput);
}
#endif
