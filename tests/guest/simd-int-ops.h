/*
 * simd-int-ops.h - the lane-wise MMX, SSE2, SSSE3 and SSE4.1/4.2 integer
 * instructions (Intel SDM vol. 2) and the bitwise/shuffle SSE forms, each
 * in its register and memory form, over vectors of edge values: every
 * result is folded into one FNV-1a hash per instruction form and printed.
 *
 * Built twice: as the guest tests/guest/simd-int.c, and as a host program
 * (tests/guest/host/simd-oracle.c) whose output on the host CPU must equal
 * tests/guest/simd-int.expected. One small function per form below, made
 * from a table.
 */
#define NVEC 12

typedef struct TestOp {
    const char *name;
    void (*fn)(const void *a, const void *b, void *r);
} TestOp;

/* Input vectors: a[i] with b[i]; 32 bytes each so that PBLENDV's second
   source (a + 16) and PMOVSX's 8-byte offset stay inside. */
static uint8_t vec[NVEC + 1][32] __attribute__((aligned(16)));

static uint64_t lcg = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
    lcg = lcg * 6364136223846793005ull + 1442695040888963407ull;
    return lcg >> 16 ^ lcg << 24;
}

static const uint64_t edges[] = {
    0, ~0ull, 0x8000800080008000ull, 0x7fff7fff7fff7fffull,
    0x8080808080808080ull, 0x7f7f7f7f7f7f7f7full, 0x0001000100010001ull,
    0x8000000080000000ull, 0x7fffffff7fffffffull, 0x00ff00ff00ff00ffull,
    0x0123456789abcdefull, 0xfedcba9876543210ull,
};

static void fill(void)
{
    for (int i = 0; i <= NVEC; i++) {
        uint64_t *q = (uint64_t *)vec[i];
        for (int j = 0; j < 4; j++) {
            q[j] = (i + j) % 3 == 0 ? rnd()
                 : edges[(i * 5 + j * 7) % (sizeof(edges) / sizeof(edges[0]))];
        }
    }
    /* small shift counts in the low qword of some sources */
    ((uint64_t *)vec[3])[0] = 3;
    ((uint64_t *)vec[5])[0] = 17;
    ((uint64_t *)vec[7])[0] = 64;
}

#include "simd-int-table.h"

static uint64_t fnv(uint64_t h, const uint8_t *p, int n)
{
    for (int i = 0; i < n; i++) {
        h = (h ^ p[i]) * 0x100000001b3ull;
    }
    return h;
}

/* Prints one hash line per form, then "simd-int done". */
static void simd_int_run(void)
{
    uint8_t r[16] __attribute__((aligned(16)));

    fill();
    for (unsigned k = 0; k < sizeof(ops) / sizeof(ops[0]); k++) {
        uint64_t h = 0xcbf29ce484222325ull;
        for (int i = 0; i < NVEC; i++) {
            memset(r, 0x5a, sizeof(r));
            ops[k].fn(vec[i], vec[(i * 7 + 3) % NVEC], r);
            h = fnv(h, r, 16);
        }
        printf("%-18s %016lx\n", ops[k].name, (unsigned long)h);
    }
    printf("simd-int done\n");
}
