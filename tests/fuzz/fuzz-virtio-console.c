/*
 * libFuzzer entry point for the virtqueue fuzzer (tests/fuzz/
 * virtio-fuzz.h) on virtio-serial-pci: the first input byte picks the queue the
 * program drives (of 4), the rest is the program, run against a fresh
 * device. A failed check aborts, so libFuzzer saves the input.
 *
 * Built with -DFUZZ_STANDALONE it gets a main() instead, which replays
 * the files named on its command line (see README).
 */
#include "tests/fuzz/virtio-fuzz.h"
#include "tests/fuzz/fuzz-main.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    VirtioFuzz f = { .type = "virtio-serial-pci" };

    if (size < 1) {
        return 0;
    }
    f.queue = data[0] % 4;
    if (vfuzz_run_device(&f, data + 1, size - 1) < 0) {
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
