/*
 * Shared pieces of the TCG unit tests: edge values, C reference
 * implementations of the ops (written independently of tcg/eval.h, bit by
 * bit where that is clearer), a table of the unary/binary ops, and a small
 * test CPU state with a soft TLB.
 */
#ifndef TEST_TCG_COMMON_H
#define TEST_TCG_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tcg/backend.h"
#include "tcg/tcg-op.h"
#include "tcg/tlb.h"

#define UNUSED_FN __attribute__((unused))

static const uint64_t edge32[] = {
    0, 1, 2, 3, 7, 8, 15, 16, 31, 32, 33, 63, 64, 0x7f, 0x80, 0xff, 0x100,
    0x7fff, 0x8000, 0xffff, 0x10000, 0x12345678, 0x7fffffff, 0x80000000,
    0x80000001, 0xfffffffe, 0xffffffff, 0xdeadbeef,
};

static const uint64_t edge64[] = {
    0, 1, 2, 3, 31, 32, 33, 63, 64, 65, 0x7f, 0x80, 0xff, 0x7fff, 0x8000,
    0xffff, 0x7fffffff, 0x80000000, 0xffffffff, 0x100000000ull,
    0x123456789abcdef0ull, 0x7fffffffffffffffull, 0x8000000000000000ull,
    0x8000000000000001ull, 0xfffffffffffffffeull, 0xffffffffffffffffull,
    0xfedcba9876543210ull,
};

/* --- reference semantics --- */

static uint64_t ref_rotl(uint64_t x, unsigned n, unsigned w)
{
    uint64_t m = w == 64 ? ~0ull : (1ull << w) - 1;
    x &= m;
    for (unsigned i = 0; i < n % w; i++) {
        x = ((x << 1) | (x >> (w - 1))) & m;
    }
    return x;
}

static uint64_t ref_clz(uint64_t x, uint64_t z, unsigned w)
{
    for (unsigned i = 0; i < w; i++) {
        if (x & (1ull << (w - 1 - i))) {
            return i;
        }
    }
    return z;
}

static uint64_t ref_ctz(uint64_t x, uint64_t z, unsigned w)
{
    for (unsigned i = 0; i < w; i++) {
        if (x & (1ull << i)) {
            return i;
        }
    }
    return z;
}

static uint64_t ref_ctpop(uint64_t x)
{
    unsigned n = 0;
    for (; x; x >>= 1) {
        n += x & 1;
    }
    return n;
}

static uint64_t ref_bswap(uint64_t x, unsigned bytes)
{
    uint64_t r = 0;
    for (unsigned i = 0; i < bytes; i++) {
        r = (r << 8) | ((x >> (8 * i)) & 0xff);
    }
    return r;
}

static uint64_t ref_sext(uint64_t x, unsigned bits)
{
    uint64_t sign = 1ull << (bits - 1);
    x &= bits == 64 ? ~0ull : (1ull << bits) - 1;
    return (x ^ sign) - sign;
}

#define M32(x) ((uint64_t)(uint32_t)(x))
#define REF(name, expr) \
    static uint64_t name(uint64_t a, uint64_t b) { (void)b; return (expr); }

REF(r_add32, M32(a + b)) REF(r_add64, a + b)
REF(r_sub32, M32(a - b)) REF(r_sub64, a - b)
REF(r_mul32, M32(a * b)) REF(r_mul64, a * b)
REF(r_and, a & b) REF(r_or, a | b) REF(r_xor, a ^ b)
REF(r_andc32, M32(a & ~b)) REF(r_andc64, a & ~b)
REF(r_not32, M32(~a)) REF(r_not64, ~a)
REF(r_neg32, M32(0 - a)) REF(r_neg64, 0 - a)
REF(r_shl32, M32(a << (b % 32))) REF(r_shl64, a << (b % 64))
REF(r_shr32, M32(a) >> (b % 32)) REF(r_shr64, a >> (b % 64))
REF(r_sar32, M32((int64_t)ref_sext(a, 32) >> (b % 32)))
REF(r_sar64, (uint64_t)((int64_t)a >> (b % 64)))
REF(r_rotl32, ref_rotl(a, b % 32, 32)) REF(r_rotl64, ref_rotl(a, b % 64, 64))
REF(r_rotr32, ref_rotl(a, (32 - b % 32) % 32, 32))
REF(r_rotr64, ref_rotl(a, (64 - b % 64) % 64, 64))
REF(r_ext8s32, M32(ref_sext(a, 8))) REF(r_ext8s64, ref_sext(a, 8))
REF(r_ext8u, a & 0xff)
REF(r_ext16s32, M32(ref_sext(a, 16))) REF(r_ext16s64, ref_sext(a, 16))
REF(r_ext16u, a & 0xffff)
REF(r_ext32s64, ref_sext(a, 32)) REF(r_ext32u64, a & 0xffffffff)
REF(r_bswap16, ref_bswap(a, 2)) REF(r_bswap32, ref_bswap(a, 4))
REF(r_bswap64, ref_bswap(a, 8))
REF(r_clz32, M32(ref_clz(M32(a), b, 32))) REF(r_clz64, ref_clz(a, b, 64))
REF(r_ctz32, M32(ref_ctz(M32(a), b, 32))) REF(r_ctz64, ref_ctz(a, b, 64))
REF(r_ctpop32, ref_ctpop(M32(a))) REF(r_ctpop64, ref_ctpop(a))
REF(r_extrl, M32(a)) REF(r_extrh, a >> 32)

typedef struct RefOp {
    TCGOpcode opc;
    unsigned nin;
    TCGType out, in;
    uint64_t (*ref)(uint64_t a, uint64_t b);
} RefOp;

#define I32 TCG_TYPE_I32
#define I64 TCG_TYPE_I64
#define RB(op, f32, f64) \
    { INDEX_op_##op##_i32, 2, I32, I32, f32 }, { INDEX_op_##op##_i64, 2, I64, I64, f64 }
#define RU(op, f32, f64) \
    { INDEX_op_##op##_i32, 1, I32, I32, f32 }, { INDEX_op_##op##_i64, 1, I64, I64, f64 }

static const RefOp ref_ops[] = {
    RB(add, r_add32, r_add64), RB(sub, r_sub32, r_sub64),
    RB(mul, r_mul32, r_mul64), RB(and, r_and, r_and), RB(or, r_or, r_or),
    RB(xor, r_xor, r_xor), RB(andc, r_andc32, r_andc64),
    RB(shl, r_shl32, r_shl64), RB(shr, r_shr32, r_shr64),
    RB(sar, r_sar32, r_sar64), RB(rotl, r_rotl32, r_rotl64),
    RB(rotr, r_rotr32, r_rotr64), RB(clz, r_clz32, r_clz64),
    RB(ctz, r_ctz32, r_ctz64),
    RU(not, r_not32, r_not64), RU(neg, r_neg32, r_neg64),
    RU(ext8s, r_ext8s32, r_ext8s64), RU(ext8u, r_ext8u, r_ext8u),
    RU(ext16s, r_ext16s32, r_ext16s64), RU(ext16u, r_ext16u, r_ext16u),
    RU(bswap16, r_bswap16, r_bswap16), RU(bswap32, r_bswap32, r_bswap32),
    RU(ctpop, r_ctpop32, r_ctpop64),
    { INDEX_op_ext32s_i64, 1, I64, I64, r_ext32s64 },
    { INDEX_op_ext32u_i64, 1, I64, I64, r_ext32u64 },
    { INDEX_op_bswap64_i64, 1, I64, I64, r_bswap64 },
    { INDEX_op_extu_i32_i64, 1, I64, I32, r_ext32u64 },
    { INDEX_op_exts_i32_i64, 1, I64, I32, r_ext32s64 },
    { INDEX_op_extrl_i64_i32, 1, I32, I64, r_extrl },
    { INDEX_op_extrh_i64_i32, 1, I32, I64, r_extrh },
};

static UNUSED_FN const uint64_t *edges_for(TCGType t, size_t *n)
{
    *n = t == I32 ? ARRAY_SIZE(edge32) : ARRAY_SIZE(edge64);
    return t == I32 ? edge32 : edge64;
}

static UNUSED_FN uint64_t ref_cond(TCGCond c, uint64_t a, uint64_t b,
                                   TCGType t)
{
    int64_t sa = t == I32 ? (int64_t)ref_sext(a, 32) : (int64_t)a;
    int64_t sb = t == I32 ? (int64_t)ref_sext(b, 32) : (int64_t)b;

    switch (c) {
    case TCG_COND_EQ: return a == b;
    case TCG_COND_NE: return a != b;
    case TCG_COND_LT: return sa < sb;
    case TCG_COND_GE: return sa >= sb;
    case TCG_COND_LE: return sa <= sb;
    case TCG_COND_GT: return sa > sb;
    case TCG_COND_LTU: return a < b;
    case TCG_COND_GEU: return a >= b;
    case TCG_COND_LEU: return a <= b;
    case TCG_COND_GTU: return a > b;
    case TCG_COND_TSTEQ: return (a & b) == 0;
    case TCG_COND_TSTNE: return (a & b) != 0;
    case TCG_COND_ALWAYS: return 1;
    default: return 0;
    }
}

static const TCGCond all_conds[] = {
    TCG_COND_EQ, TCG_COND_NE, TCG_COND_LT, TCG_COND_GE, TCG_COND_LE,
    TCG_COND_GT, TCG_COND_LTU, TCG_COND_GEU, TCG_COND_LEU, TCG_COND_GTU,
    TCG_COND_TSTEQ, TCG_COND_TSTNE,
};

/* --- a test CPU state --- */

typedef struct TestEnv {
    uint64_t in[8];
    uint64_t out[8];
    uint32_t g32[4];
    uint64_t g64[4];
    uint64_t slow_loads, slow_stores;
    uint64_t last_ra;
    TCGTLB tlb;
} TestEnv;

static UNUSED_FN TCGContext *test_ctx_new(const TCGRuntime *rt)
{
    TCGContextConfig cfg = {
        .backend = &tcg_backend_tci,
        .code_size = 1 * MiB,
        .tlb_offset = offsetof(TestEnv, tlb),
    };
    if (rt) {
        cfg.runtime = *rt;
    }
    return tcg_context_new(&cfg, NULL);
}

static UNUSED_FN TCGTemp *test_new_temp(TCGContext *s, TCGType t)
{
    return tcg_temp_new_internal(s, t, TEMP_TB);
}

/* emits "ld t, env, offsetof(in[i])" for either width */
static UNUSED_FN void test_ld_in(TCGContext *s, TCGTemp *t, unsigned i)
{
    tcg_gen_op3(s, t->type == I32 ? INDEX_op_ld_i32 : INDEX_op_ld_i64,
                temp_arg(t), tcgv_ptr_arg(tcg_env(s)),
                offsetof(TestEnv, in) + 8 * i);
}

static UNUSED_FN void test_st_out(TCGContext *s, TCGTemp *t, unsigned i)
{
    tcg_gen_op3(s, t->type == I32 ? INDEX_op_st_i32 : INDEX_op_st_i64,
                temp_arg(t), tcgv_ptr_arg(tcg_env(s)),
                offsetof(TestEnv, out) + 8 * i);
}

static UNUSED_FN void test_emit_op(TCGContext *s, TCGOpcode opc, TCGTemp *r,
                                   TCGTemp *a, TCGTemp *b)
{
    TCGOp *op = tcg_emit_op(s, opc);
    op->args[0] = temp_arg(r);
    op->args[1] = temp_arg(a);
    if (b) {
        op->args[2] = temp_arg(b);
    }
}

static UNUSED_FN unsigned test_count_ops(TCGContext *s)
{
    unsigned n = 0;
    TCG_FOREACH_OP(s, op) {
        n++;
    }
    return n;
}

static UNUSED_FN unsigned test_count_opc(TCGContext *s, TCGOpcode opc)
{
    unsigned n = 0;
    TCG_FOREACH_OP(s, op) {
        n += op->opc == opc;
    }
    return n;
}

/* Prints the op list into a malloc'd string. */
static UNUSED_FN char *test_dump(TCGContext *s, bool life)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    tcg_dump_ops(s, f, life);
    fclose(f);
    return buf;
}

#endif
