/*
 * host-main.c - the native reference of `make bench`: runs the kernels of
 * kernels.c (compiled from the same source as the guest's) on the host
 * and prints the same "bench NAME scale=N checksum=X" line the guest
 * prints, so the runner can compare checksums across engines.
 *
 * Usage: bench-host [--scale N] KERNEL|all
 *        bench-host --list      (name, default scale, description)
 *
 * The kernel's own run time (C11 timespec_get, or the POSIX monotonic
 * clock where there is one) goes to stderr as "time NAME SECONDS"; the
 * runner times the whole process like every other engine.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kernels.h"

static double host_seconds(void)
{
    struct timespec ts;

#if defined(CLOCK_MONOTONIC)
    if (clock_gettime(CLOCK_MONOTONIC, &ts) == 0) {
        return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
    }
#endif
    if (timespec_get(&ts, TIME_UTC) != TIME_UTC) {
        return 0.0;
    }
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void host_run(const BenchKernel *k, uint8_t *work, long scale)
{
    uint32_t n = scale > 0 ? (uint32_t)scale : k->default_scale;
    double t0 = host_seconds();
    uint32_t sum = bench_kernel_run(k, work, BENCH_WORK_SIZE, n);
    double t1 = host_seconds();

    printf("bench %s scale=%u checksum=%08x\n", k->name, n, (unsigned)sum);
    fflush(stdout);
    fprintf(stderr, "time %s %.6f\n", k->name, t1 - t0);
}

static int host_list(void)
{
    for (const BenchKernel *k = bench_kernel_table(); k->name; k++) {
        printf("%s %u %s\n", k->name, (unsigned)k->default_scale, k->what);
    }
    return 0;
}

static int usage(void)
{
    fprintf(stderr, "usage: bench-host [--scale N] KERNEL|all, or --list\nkernels:");
    for (const BenchKernel *k = bench_kernel_table(); k->name; k++) {
        fprintf(stderr, " %s", k->name);
    }
    fprintf(stderr, "\n");
    return 2;
}

int main(int argc, char **argv)
{
    const char *name = NULL;
    long scale = 0;
    uint8_t *work;

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--list")) {
            return host_list();
        }
        if (!strcmp(argv[i], "--scale") && i + 1 < argc) {
            char *end;
            scale = strtol(argv[++i], &end, 10);
            if (*end || scale <= 0 || scale > 100000000L) {
                fprintf(stderr, "bench-host: bad scale %s\n", argv[i]);
                return 2;
            }
        } else if (argv[i][0] == '-' || name) {
            return usage();
        } else {
            name = argv[i];
        }
    }
    if (!name) {
        return usage();
    }
    work = calloc(1, BENCH_WORK_SIZE);
    if (!work) {
        fprintf(stderr, "bench-host: out of memory\n");
        return 1;
    }
    if (!strcmp(name, "all")) {
        for (const BenchKernel *k = bench_kernel_table(); k->name; k++) {
            host_run(k, work, scale);
        }
    } else if (bench_kernel_find(name)) {
        host_run(bench_kernel_find(name), work, scale);
    } else {
        free(work);
        return usage();
    }
    free(work);
    return 0;
}
