/*
 * simd-oracle.c - runs the instruction tables of the SIMD guest tests on
 * the host CPU, which prints what the guests must print under every
 * accelerator (make check compares it with their .expected files).
 *
 * Usage: simd-oracle TEST   (TEST: simd-int or simd-state; built -m32
 * it runs simd-state only, for the 32-bit guest m32-simd-state)
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#ifdef __x86_64__
#include "../simd-int-ops.h"
#endif
#include "../simd-state-ops.h"

int main(int argc, char **argv)
{
#ifdef __x86_64__
    if (argc == 2 && strcmp(argv[1], "simd-int") == 0) {
        simd_int_run();
        return 0;
    }
#endif
    if (argc == 2 && strcmp(argv[1], "simd-state") == 0) {
        simd_state_run();
        return 0;
    }
    fprintf(stderr, "usage: simd-oracle simd-int|simd-state\n");
    return 2;
}
