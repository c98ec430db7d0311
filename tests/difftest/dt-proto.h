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

/*
 * The x87, MMX and SSE state of a run: set before the snippet (the host
 * runner loads it with FXRSTOR) and read after it (from the FXSAVE image
 * the kernel puts in the signal context). Fields as FXSAVE stores them
 * (SDM Vol. 1, 10.5.1): ftw is the abridged tag (bit i set: physical
 * register i is in use), st[i] is ST(i) in stack order (64-bit
 * significand, then sign and exponent). MM0-7 are the significands of the
 * physical registers. XMM8-15 exist in 64-bit mode only.
 */
typedef struct __attribute__((packed)) DtFpu {
    uint16_t fcw, fsw;
    uint8_t ftw;
    uint8_t pad[3];
    uint32_t mxcsr;
    uint8_t st[8][10];
    uint8_t xmm[16][16];
} DtFpu;

#define DT_FX_FCW    0
#define DT_FX_FSW    2
#define DT_FX_FTW    4
#define DT_FX_MXCSR  24
#define DT_FX_ST     32
#define DT_FX_XMM    160
#define DT_FX_SIZE   512

/* FNINIT state with MXCSR at its reset value */
static inline void dt_fpu_default(DtFpu *f)
{
    uint8_t *p = (uint8_t *)f;

    for (unsigned i = 0; i < sizeof(*f); i++) {
        p[i] = 0;
    }
    f->fcw = 0x37f;
    f->mxcsr = 0x1f80;
}

static inline void dt_fpu_to_fxsave(const DtFpu *f, uint8_t *fx)
{
    for (unsigned i = 0; i < DT_FX_SIZE; i++) {
        fx[i] = 0;
    }
    fx[DT_FX_FCW] = (uint8_t)f->fcw;
    fx[DT_FX_FCW + 1] = (uint8_t)(f->fcw >> 8);
    fx[DT_FX_FSW] = (uint8_t)f->fsw;
    fx[DT_FX_FSW + 1] = (uint8_t)(f->fsw >> 8);
    fx[DT_FX_FTW] = f->ftw;
    for (int b = 0; b < 4; b++) {
        fx[DT_FX_MXCSR + b] = (uint8_t)(f->mxcsr >> (8 * b));
    }
    for (int i = 0; i < 8; i++) {
        for (int b = 0; b < 10; b++) {
            fx[DT_FX_ST + 16 * i + b] = f->st[i][b];
        }
    }
    for (int i = 0; i < 16; i++) {
        for (int b = 0; b < 16; b++) {
            fx[DT_FX_XMM + 16 * i + b] = f->xmm[i][b];
        }
    }
}

static inline void dt_fpu_from_fxsave(DtFpu *f, const uint8_t *fx)
{
    dt_fpu_default(f);
    f->fcw = (uint16_t)(fx[DT_FX_FCW] | fx[DT_FX_FCW + 1] << 8);
    f->fsw = (uint16_t)(fx[DT_FX_FSW] | fx[DT_FX_FSW + 1] << 8);
    f->ftw = fx[DT_FX_FTW];
    f->mxcsr = 0;
    for (int b = 0; b < 4; b++) {
        f->mxcsr |= (uint32_t)fx[DT_FX_MXCSR + b] << (8 * b);
    }
    for (int i = 0; i < 8; i++) {
        for (int b = 0; b < 10; b++) {
            f->st[i][b] = fx[DT_FX_ST + 16 * i + b];
        }
    }
    for (int i = 0; i < 16; i++) {
        for (int b = 0; b < 16; b++) {
            f->xmm[i][b] = fx[DT_FX_XMM + 16 * i + b];
        }
    }
}

typedef struct __attribute__((packed)) DtRequest {
    uint32_t magic;
    uint32_t op;
    uint32_t mode;          /* 16, 32, 64 */
    uint32_t code_len;
    uint64_t regs[16];
    uint64_t rflags;
    uint64_t mem_seed;
    uint32_t fill;          /* dt_fill_scratch variant */
    DtFpu fpu;              /* x87/MMX/SSE state before the snippet */
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
    DtFpu fpu;              /* x87/MMX/SSE state where the snippet stopped */
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

/*
 * Edge values of the floating-point formats, as bit patterns: signed
 * zeros, denormals, the smallest and largest normals, infinities, quiet
 * and signalling NaNs with payloads, the default NaN, 1.0 and its
 * neighbours, halves (ties for the round-to-nearest conversions) and the
 * limits of the integer conversions. dt_fp_edge() perturbs them by one
 * ulp either way, for the values on each side of a rounding boundary.
 */
static const uint32_t dt_f32_edge[] = {
    0x00000000, 0x80000000, 0x00000001, 0x807fffff, 0x00800000, 0x80800000,
    0x7f7fffff, 0xff7fffff, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000,
    0x7f800001, 0xffa5a5a5, 0x7fc12345, 0x3f800000, 0xbf800000, 0x3f000000,
    0x3fc00000, 0x40200000, 0xbfc00000, 0x4f000000, 0xcf000000, 0x4effffff,
    0x5f000000, 0xdf000000, 0x4b000000, 0x4b400000, 0x33800000, 0x0d800000,
    0x3f7fffff, 0x477fe000, 0x34000000, 0x00400000,
};
static const uint64_t dt_f64_edge[] = {
    0x0000000000000000ull, 0x8000000000000000ull, 0x0000000000000001ull,
    0x800fffffffffffffull, 0x0010000000000000ull, 0x7fefffffffffffffull,
    0xffefffffffffffffull, 0x7ff0000000000000ull, 0xfff0000000000000ull,
    0x7ff8000000000000ull, 0xfff8000000000000ull, 0x7ff0000000000001ull,
    0xfff4000000000abcull, 0x7ffc0000deadbeefull, 0x3ff0000000000000ull,
    0xbff0000000000000ull, 0x3fe0000000000000ull, 0x3ff8000000000000ull,
    0x4004000000000000ull, 0x41e0000000000000ull, 0xc1e0000000000000ull,
    0x41dfffffffc00000ull, 0xc1e0000000200000ull, 0x43e0000000000000ull,
    0xc3e0000000000000ull, 0x4330000000000000ull, 0x3ff0000010000000ull,
    0x47efffffe0000000ull, 0x36a0000000000000ull, 0x3810000000000000ull,
    0x380fffffe0000000ull, 0x36a0000010000000ull, 0x4338000000000000ull,
};
/* 80-bit: {significand, sign and exponent}; pseudo-denormals (exponent 0,
   integer bit set), unnormals, pseudo-infinities and pseudo-NaNs too */
static const uint64_t dt_f80_edge[][2] = {
    { 0, 0 }, { 0, 0x8000 }, { 1, 0 }, { 0x7fffffffffffffffull, 0x8000 },
    { 0x8000000000000000ull, 0 }, { 0x8000000000000001ull, 0x8000 },
    { 0x8000000000000000ull, 1 }, { 0xffffffffffffffffull, 0x7ffe },
    { 0x8000000000000000ull, 0x7fff }, { 0x8000000000000000ull, 0xffff },
    { 0xc000000000000000ull, 0xffff }, { 0xc000000000001234ull, 0x7fff },
    { 0xa000000000000000ull, 0x7fff }, { 0x8000000000000001ull, 0xffff },
    { 0, 0x7fff }, { 0x4000000000000000ull, 0x7fff },
    { 0x4000000000000000ull, 0x3fff }, { 0x8000000000000000ull, 0x3fff },
    { 0x8000000000000000ull, 0xbfff }, { 0xc000000000000000ull, 0x3ffe },
    { 0x8000000000000400ull, 0x3fff }, { 0x8000008000000000ull, 0x3fff },
    { 0x8000000000000000ull, 0x403e }, { 0xffffffffffffffffull, 0x403d },
    { 0x8000000000000000ull, 0xc03e }, { 0x8000000000000000ull, 0x401e },
    { 0xc90fdaa22168c235ull, 0x4000 }, { 0x8000000000000000ull, 0x3c01 },
    { 0x8000000000000000ull, 0x3f81 }, { 0xfffffffffffff800ull, 0x43fe },
};

#define DT_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* 64 bits of floating-point edge material: one double, two floats or an
   integer edge, sometimes one ulp off. */
static inline uint64_t dt_fp_edge(uint64_t *s)
{
    uint64_t r = dt_rand_next(s), v;

    switch (r & 3) {
    case 0:
        v = dt_f64_edge[(r >> 8) % DT_ARRAY_LEN(dt_f64_edge)];
        break;
    case 1:
        v = dt_f32_edge[(r >> 8) % DT_ARRAY_LEN(dt_f32_edge)] |
            (uint64_t)dt_f32_edge[(r >> 16) % DT_ARRAY_LEN(dt_f32_edge)] << 32;
        break;
    case 2:
        v = dt_f32_edge[(r >> 8) % DT_ARRAY_LEN(dt_f32_edge)] |
            (dt_rand_next(s) & ~0xffffffffull);
        break;
    default:
        v = dt_rand_next(s);
        break;
    }
    if ((r >> 32) % 4 == 0) {
        v += (r >> 40) & 1 ? 1 : (uint64_t)-1;
    }
    if ((r >> 48) % 4 == 0) {
        v ^= (r >> 56) & 1 ? 0x8000000000000000ull : 0x80000000ull;
    }
    return v;
}

/*
 * The initial scratch contents for a seed: random, with edge values.
 * fill 1 (cases of the floating-point families) also plants
 * floating-point edges, and 80-bit ones at 16-byte boundaries.
 */
static inline void dt_fill_scratch(uint8_t *mem, uint64_t seed, uint32_t fill)
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
        if (fill == 1 && (r & 3) != 0 && (r >> 4) % 3 != 0) {
            v = dt_fp_edge(&s);
        }
        if (fill == 1 && i % 16 == 0 && (r >> 12) % 8 == 0) {
            const uint64_t *e = dt_f80_edge[(r >> 16) %
                                            DT_ARRAY_LEN(dt_f80_edge)];
            for (int b = 0; b < 8; b++) {
                mem[i + b] = (uint8_t)(e[0] >> (8 * b));
            }
            mem[i + 8] = (uint8_t)e[1];
            mem[i + 9] = (uint8_t)(e[1] >> 8);
            for (int b = 10; b < 16; b++) {
                mem[i + b] = (uint8_t)dt_rand_next(&s);
            }
            i += 8;
            continue;
        }
        for (int b = 0; b < 8; b++) {
            mem[i + b] = (uint8_t)(v >> (8 * b));
        }
    }
}

#endif
