/*
 * kernels.h - the CPU-bound workloads of `make bench`, shared by the guest
 * program (a multiboot kernel in long mode) and the native host program.
 *
 * Each kernel is plain freestanding C: it uses only the work area it is
 * given and returns a 32-bit checksum of everything it computed, so a
 * wrong instruction anywhere shows up as a checksum that differs between
 * engines. `scale` is a repetition count; the default scales are chosen so
 * one run takes a few seconds under Kite's native TCG backend.
 */
#ifndef BENCH_KERNELS_H
#define BENCH_KERNELS_H

#include <stddef.h>
#include <stdint.h>

/* Bytes of work area every kernel may use (the largest need). */
#define BENCH_WORK_SIZE (8u << 20)

typedef uint32_t (*BenchKernelFn)(uint8_t *work, size_t size, uint32_t scale);

typedef struct BenchKernel {
    const char *name;
    BenchKernelFn run;          /* NULL for "empty": startup cost only */
    uint32_t default_scale;
    const char *what;
} BenchKernel;

/* The floating-point kernels of fpkernels.c, built once with SSE2 and
   once with x87 arithmetic. */
uint32_t bench_matmul_sse2(uint8_t *work, size_t size, uint32_t scale);
uint32_t bench_matmul_x87(uint8_t *work, size_t size, uint32_t scale);
uint32_t bench_nbody_sse2(uint8_t *work, size_t size, uint32_t scale);
uint32_t bench_nbody_x87(uint8_t *work, size_t size, uint32_t scale);

/* The kernel named `name`, or NULL. */
const BenchKernel *bench_kernel_find(const char *name);

/* The table, for listing; ends with a NULL name. */
const BenchKernel *bench_kernel_table(void);

/* Runs k (or nothing, for "empty") and returns its checksum. */
uint32_t bench_kernel_run(const BenchKernel *k, uint8_t *work, size_t size,
                          uint32_t scale);

#endif
