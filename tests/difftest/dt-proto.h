/*
 * Differential tester: the fixed memory layout every engine uses, and the
 * request/result records the tester exchanges with the host runners
 * (dt-host, built once as a 64-bit and once as a 32-bit program).
 *
 * This header is shared by 32-bit and 64-bit builds, so the records are
 * packed and made of fixed-width fields only; it includes no Kite header.
 *
 * Layout (virtual addresses, identical on the host and in Kite guests):
 *   DT_LOADER   one page: the host runner's state loader (host only)
 *   DT_CODE     one page: the snippet, ending with UD2 (the terminator)
 *   DT_SCRATCH  DT_SCRATCH_SIZE bytes of data; the upper half is the stack
 * Everything else near them is unmapped on the host and not user-accessible
 * in the guest, so a stray access faults identically on both.
 */
#ifndef KITE_DIFFTEST_PROTO_H
#define KITE_DIFFTEST_PROTO_H

#include <stdint.h>

#define DT_LOADER        0x0fff0000u
#define DT_CODE          0x10000000u
#define DT_CODE_MAX      0x800u
#define DT_SCRATCH       0x10010000u
#define DT_SCRATCH_SIZE  0x4000u
#define DT_DATA_SIZE     0x2000u       /* [0, DT_DATA_SIZE): data */
#define DT_STACK_INIT    (DT_SCRATCH + 0x3000u)

/*
 * 16-bit mode: protected-mode 16-bit segments (D/B = 0, byte-granular
 * limit 0xffff, DPL 3) in the LDT, the same on the host (modify_ldt) and
 * in Kite guests: CS at DT_CODE, DS = ES = SS at DT_SCRATCH, so 16-bit
 * offsets (and SP) address the scratch area. Register values and the
 * tracker's addresses are offsets; DtResult.rip is linear (CS base + IP).
 */
#define DT_SEG16_CODE_BASE DT_CODE
#define DT_SEG16_DATA_BASE DT_SCRATCH
#define DT_SEG16_LIMIT     0xffffu
#define DT_SEG16_CODE_SEL  0x07        /* LDT entry 0, RPL 3 */
#define DT_SEG16_DATA_SEL  0x0f        /* LDT entry 1, RPL 3 */

#define DT_MAGIC         0x4b445431u   /* "1TDK" */
#define DT_VEC_NONE      (-1)          /* ran to the terminator */
#define DT_VEC_ERROR     (-2)          /* the runner itself failed */

enum { DT_OP_RUN = 1, DT_OP_QUIT = 2, DT_OP_PROBE = 3 };

typedef struct __attribute__((packed)) DtRequest {
    uint32_t magic;
    uint32_t op;
    uint32_t mode;          /* 16, 32, 64 */
    uint32_t code_len;
    uint64_t regs[16];
    uint64_t rflags;
    uint64_t mem_seed;
    uint8_t code[DT_CODE_MAX];
} DtRequest;

typedef struct __attribute__((packed)) DtResult {
    uint32_t magic;
    int32_t vector;         /* exception vector, DT_VEC_NONE or DT_VEC_ERROR */
    uint32_t error_code;
    uint32_t pad;
    uint64_t regs[16];
    uint64_t rip;           /* linear: CS base + IP in 16-bit */
    uint64_t rflags;
    char msg[64];           /* why, for DT_VEC_ERROR / DT_OP_PROBE */
    uint8_t mem[DT_SCRATCH_SIZE];
} DtResult;

/* splitmix64: the one PRNG of the tester, shared with the runners. */
static inline uint64_t dt_rand_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* The initial scratch contents for a seed: random, with edge values. */
static inline void dt_fill_scratch(uint8_t *mem, uint64_t seed)
{
    static const uint64_t edge[] = {
        0, 1, ~0ull, 0x7f, 0x80, 0x7fff, 0x8000, 0x7fffffff, 0x80000000u,
        0x7fffffffffffffffull, 0x8000000000000000ull, 0xff, 0xffff,
        0xffffffffu,
    };
    uint64_t s = seed;

    for (uint32_t i = 0; i < DT_SCRATCH_SIZE; i += 8) {
        uint64_t r = dt_rand_next(&s);
        uint64_t v = (r & 3) == 0 ? edge[(r >> 8) % (sizeof(edge) / 8)]
                                  : dt_rand_next(&s);
        for (int b = 0; b < 8; b++) {
            mem[i + b] = (uint8_t)(v >> (8 * b));
        }
    }
}

#endif
