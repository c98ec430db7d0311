/*
 * What the fuzz targets share when they are built without libFuzzer (the
 * *_STANDALONE replayers of tests/fuzz/rules.mk): a main() that runs the
 * target on each file named on the command line, and writing seed files.
 */
#ifndef KITE_FUZZ_MAIN_H
#define KITE_FUZZ_MAIN_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "system/util.h"

typedef int (*FuzzTarget)(const uint8_t *data, size_t size);

static inline int fuzz_replay_file(const char *path, FuzzTarget target)
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
    target(buf, len);
    free(buf);
    return 0;
}

static inline int fuzz_replay_main(int argc, char **argv, const char *what,
                                   FuzzTarget target)
{
    int ret = 0;

    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE...  (replays %s)\n", argv[0], what);
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        ret |= fuzz_replay_file(argv[i], target);
    }
    return ret;
}

static inline int fuzz_write_file(const char *path, const void *data,
                                  size_t len)
{
    FILE *fp = fopen(path, "wb");

    if (!fp || fwrite(data, 1, len, fp) != len || fclose(fp) != 0) {
        fprintf(stderr, "%s: cannot write\n", path);
        return -1;
    }
    return 0;
}

#endif
