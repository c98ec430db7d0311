/*
 * libFuzzer entry point for the virtqueue fuzzer (tests/fuzz/
 * virtio-fuzz.h): each input is one program of driver operations against
 * a fresh virtio-rng-pci. A failed check aborts, so libFuzzer saves the
 * input as a crash file.
 *
 * Built with -DFUZZ_STANDALONE it gets a main() instead, which replays
 * the files named on its command line with any compiler (see README).
 */
#include "tests/fuzz/virtio-fuzz.h"
#include "tests/fuzz/fuzz-main.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    VirtioFuzz f = { 0 };

    if (vfuzz_run(&f, data, size) < 0) {
        fprintf(stderr, "virtio fuzz: %s\n", f.fail);
        abort();
    }
    return 0;
}

#ifdef FUZZ_STANDALONE
int main(int argc, char **argv)
{
    return fuzz_replay_main(argc, argv, "virtqueue fuzzer inputs",
                            LLVMFuzzerTestOneInput);
}
#endif
