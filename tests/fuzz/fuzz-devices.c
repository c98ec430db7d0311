/*
 * libFuzzer entry point for the generic device fuzzer
 * (tests/fuzz/device-fuzz.h): each input is one program of guest
 * operations run on two fresh pc machines. A failed check aborts, so
 * libFuzzer saves the input as a crash file.
 *
 * Built with -DDEVFUZZ_STANDALONE it gets a main() instead, which replays
 * the files named on its command line with any compiler (see README).
 */
#include "tests/fuzz/device-fuzz.h"

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

#ifdef DEVFUZZ_STANDALONE
static int replay_file(const char *path)
{
    FILE *fp = fopen(path, "rb");
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0, n;

    if (!fp) {
        fprintf(stderr, "%s: cannot open\n", path);
        return 1;
    }
    do {
        if (len == cap) {
            cap = cap ? cap * 2 : 4096;
            buf = xrealloc(buf, cap);
        }
        n = fread(buf + len, 1, cap - len, fp);
        len += n;
    } while (n > 0);
    fclose(fp);
    fprintf(stderr, "%s: %zu bytes\n", path, len);
    LLVMFuzzerTestOneInput(buf, len);
    free(buf);
    return 0;
}

int main(int argc, char **argv)
{
    int ret = 0;

    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE...  (replays device fuzzer inputs)\n",
                argv[0]);
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        ret |= replay_file(argv[i]);
    }
    return ret;
}
#endif
