/*
 * arith.c - integer arithmetic: add/sub/adc/sbb with flags, logic ops,
 * shifts and rotates, mul/imul/div/idiv at 8..64 bits, bit scans, byte
 * swaps, sign/zero extension, and a few long-running mixes. Every result is
 * printed, so an emulator bug shows as a line that differs from the
 * expected file. Only flags the SDM defines for each instruction are
 * printed (Intel SDM vol. 2 instruction pages, "Flags Affected").
 */
#include "lib/guest.h"

#define F_CF 0x001
#define F_PF 0x004
#define F_AF 0x010
#define F_ZF 0x040
#define F_SF 0x080
#define F_OF 0x800
#define F_ARITH (F_CF | F_PF | F_AF | F_ZF | F_SF | F_OF)
#define F_LOGIC (F_CF | F_PF | F_ZF | F_SF | F_OF)

/* Values the compiler cannot fold. */
static volatile uint64_t vals[] = {
    0, 1, 2, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff,
    0x80000000, 0xffffffff, 0x123456789abcdef0, 0x7fffffffffffffff,
    0x8000000000000000, 0xffffffffffffffff,
};
#define NVALS (sizeof(vals) / sizeof(vals[0]))

#define BINOP64(name, insn, mask)                                         \
    static uint64_t name(uint64_t a, uint64_t b, uint64_t *flags)        \
    {                                                                    \
        uint64_t f;                                                      \
        __asm__(insn " %2, %0\n\tpushfq\n\tpopq %1"                      \
                : "+r"(a), "=r"(f) : "r"(b) : "cc");                     \
        *flags = f & (mask);                                             \
        return a;                                                        \
    }

BINOP64(op_add, "addq", F_ARITH)
BINOP64(op_sub, "subq", F_ARITH)
BINOP64(op_and, "andq", F_LOGIC)
BINOP64(op_or, "orq", F_LOGIC)
BINOP64(op_xor, "xorq", F_LOGIC)

static uint64_t op_add32(uint64_t a, uint64_t b, uint64_t *flags)
{
    uint64_t f;
    __asm__("addl %k2, %k0\n\tpushfq\n\tpopq %1"
            : "+r"(a), "=r"(f) : "r"(b) : "cc");
    *flags = f & F_ARITH;
    return a;               /* upper half must be zero */
}

static uint64_t op_sub8(uint64_t a, uint64_t b, uint64_t *flags)
{
    uint64_t f;
    __asm__("subb %b2, %b0\n\tpushfq\n\tpopq %1"
            : "+q"(a), "=r"(f) : "q"(b) : "cc");
    *flags = f & F_ARITH;
    return a;               /* only the low byte changes */
}

static uint64_t op_add16(uint64_t a, uint64_t b, uint64_t *flags)
{
    uint64_t f;
    __asm__("addw %w2, %w0\n\tpushfq\n\tpopq %1"
            : "+r"(a), "=r"(f) : "r"(b) : "cc");
    *flags = f & F_ARITH;
    return a;
}

typedef uint64_t (*BinOp)(uint64_t, uint64_t, uint64_t *);

static void test_binops(void)
{
    static const struct { const char *name; BinOp fn; } ops[] = {
        { "add", op_add }, { "sub", op_sub }, { "and", op_and },
        { "or", op_or }, { "xor", op_xor }, { "add32", op_add32 },
        { "sub8", op_sub8 }, { "add16", op_add16 },
    };
    static const int pairs[][2] = {
        { 1, 1 }, { 5, 1 }, { 4, 4 }, { 7, 11 }, { 9, 10 }, { 10, 9 },
        { 11, 1 }, { 13, 14 }, { 14, 1 }, { 15, 15 }, { 12, 13 }, { 0, 15 },
    };

    for (size_t o = 0; o < sizeof(ops) / sizeof(ops[0]); o++) {
        for (size_t p = 0; p < sizeof(pairs) / sizeof(pairs[0]); p++) {
            uint64_t a = vals[pairs[p][0]], b = vals[pairs[p][1]], f;
            uint64_t r = ops[o].fn(a, b, &f);
            printf("%s %lx %lx = %lx flags %03lx\n", ops[o].name, a, b, r, f);
        }
    }
}

static void test_carry_chain(void)
{
    /* 192-bit add and subtract through adc/sbb. */
    uint64_t a0 = vals[15], a1 = vals[15], a2 = vals[1];
    uint64_t b0 = vals[1], b1 = vals[0], b2 = vals[12];

    __asm__("addq %3, %0\n\tadcq %4, %1\n\tadcq %5, %2"
            : "+r"(a0), "+r"(a1), "+r"(a2)
            : "r"(b0), "r"(b1), "r"(b2) : "cc");
    printf("adc chain = %lx:%lx:%lx\n", a2, a1, a0);
    __asm__("subq %3, %0\n\tsbbq %4, %1\n\tsbbq %5, %2"
            : "+r"(a0), "+r"(a1), "+r"(a2)
            : "r"(b0), "r"(b1), "r"(b2) : "cc");
    printf("sbb chain = %lx:%lx:%lx\n", a2, a1, a0);
}

static void test_unary(void)
{
    for (size_t i = 0; i < NVALS; i += 3) {
        uint64_t v = vals[i], neg = v, not = v, inc = v, dec = v, bs = v;
        uint64_t fneg, finc;
        __asm__("negq %0\n\tpushfq\n\tpopq %1" : "+r"(neg), "=r"(fneg) : : "cc");
        __asm__("notq %0" : "+r"(not));
        __asm__("incq %0\n\tpushfq\n\tpopq %1" : "+r"(inc), "=r"(finc) : : "cc");
        __asm__("decq %0" : "+r"(dec) : : "cc");
        __asm__("bswapq %0" : "+r"(bs));
        printf("unary %lx: neg %lx/%03lx not %lx inc %lx/%03lx dec %lx "
               "bswap %lx\n", v, neg, fneg & F_ARITH, not, inc,
               finc & (F_ARITH & ~F_CF), dec, bs);
    }
}

static uint64_t shift_op(int kind, uint64_t v, uint8_t n, uint64_t *cf)
{
    uint64_t f = 0;
    switch (kind) {
    case 0: __asm__("shlq %%cl, %0\n\tpushfq\n\tpopq %1" : "+r"(v), "=r"(f) : "c"(n) : "cc"); break;
    case 1: __asm__("shrq %%cl, %0\n\tpushfq\n\tpopq %1" : "+r"(v), "=r"(f) : "c"(n) : "cc"); break;
    case 2: __asm__("sarq %%cl, %0\n\tpushfq\n\tpopq %1" : "+r"(v), "=r"(f) : "c"(n) : "cc"); break;
    case 3: __asm__("rolq %%cl, %0\n\tpushfq\n\tpopq %1" : "+r"(v), "=r"(f) : "c"(n) : "cc"); break;
    case 4: __asm__("rorq %%cl, %0\n\tpushfq\n\tpopq %1" : "+r"(v), "=r"(f) : "c"(n) : "cc"); break;
    case 5: __asm__("shll %%cl, %k0\n\tpushfq\n\tpopq %1" : "+r"(v), "=r"(f) : "c"(n) : "cc"); break;
    default: __asm__("sarb %%cl, %b0\n\tpushfq\n\tpopq %1" : "+q"(v), "=r"(f) : "c"(n) : "cc"); break;
    }
    *cf = f & F_CF;
    return v;
}

static void test_shifts(void)
{
    static const char *names[] = { "shl", "shr", "sar", "rol", "ror",
                                   "shl32", "sar8" };
    static const uint8_t counts[] = { 1, 4, 31, 63 };
    uint64_t v = vals[12] ^ vals[14];

    for (int k = 0; k < 7; k++) {
        printf("%s %lx:", names[k], v);
        for (size_t c = 0; c < sizeof(counts); c++) {
            uint64_t cf;
            uint8_t n = counts[c];
            if (k == 6 && n > 7) {
                n = 3;          /* CF is undefined past the operand size */
            }
            uint64_t r = shift_op(k, v, n, &cf);
            printf(" [%u] %lx c%lu", n, r, cf);
        }
        printf("\n");
    }
}

static void test_muldiv(void)
{
    uint64_t a = vals[12], b = vals[13], lo, hi, f;

    __asm__("mulq %3\n\tpushfq\n\tpopq %2"
            : "=a"(lo), "=d"(hi), "=r"(f) : "r"(b), "a"(a) : "cc");
    printf("mul %lx * %lx = %lx:%lx cf/of %03lx\n", a, b, hi, lo,
           f & (F_CF | F_OF));
    __asm__("imulq %3\n\tpushfq\n\tpopq %2"
            : "=a"(lo), "=d"(hi), "=r"(f) : "r"(vals[15]), "a"(a) : "cc");
    printf("imul %lx * -1 = %lx:%lx cf/of %03lx\n", a, hi, lo,
           f & (F_CF | F_OF));
    lo = a;
    __asm__("imulq $-3, %0, %0\n\tpushfq\n\tpopq %1"
            : "+r"(lo), "=r"(f) : : "cc");
    printf("imul3 %lx * -3 = %lx cf/of %03lx\n", a, lo, f & (F_CF | F_OF));
    lo = vals[9];
    __asm__("imull %k2, %k0\n\tpushfq\n\tpopq %1"
            : "+r"(lo), "=r"(f) : "r"(vals[9]) : "cc");
    printf("imul32 7fffffff^2 = %lx cf/of %03lx\n", lo, f & (F_CF | F_OF));

    uint64_t q, r;
    __asm__("divq %4" : "=a"(q), "=d"(r) : "a"(vals[12]), "d"(vals[3]),
            "r"(vals[11]));
    printf("div 7f:%lx / ffffffff = %lx rem %lx\n", vals[12], q, r);
    int64_t sq, sr;
    __asm__("cqto\n\tidivq %3" : "=a"(sq), "=d"(sr) : "a"(-(int64_t)vals[12]),
            "r"((int64_t)7));
    printf("idiv -%lx / 7 = %ld rem %ld\n", vals[12], sq, sr);
    uint32_t q32, r32;
    __asm__("divl %4" : "=a"(q32), "=d"(r32) : "a"((uint32_t)vals[11]),
            "d"(0u), "r"(10u));
    printf("div32 ffffffff / 10 = %u rem %u\n", q32, r32);
    uint16_t ax = 0xff9c;       /* -100 */
    __asm__("idivb %b1" : "+a"(ax) : "q"((uint8_t)7));
    printf("idiv8 -100 / 7 = al %x ah %x\n", ax & 0xff, ax >> 8);
    ax = 200;
    __asm__("mulb %b1" : "+a"(ax) : "q"((uint8_t)vals[5]));
    printf("mul8 200 * 255 = %x\n", ax);
}

static void test_bits(void)
{
    for (size_t i = 1; i < NVALS; i += 2) {
        uint64_t v = vals[i], fwd, rev, bt;
        __asm__("bsfq %1, %0" : "=r"(fwd) : "r"(v) : "cc");
        __asm__("bsrq %1, %0" : "=r"(rev) : "r"(v) : "cc");
        __asm__("btq $7, %1\n\tsetc %b0\n\tmovzbq %b0, %0"
                : "=q"(bt) : "r"(v) : "cc");
        printf("bits %lx: bsf %lu bsr %lu bt7 %lu\n", v, fwd, rev, bt);
    }
    uint64_t z = vals[0], f;
    __asm__("bsfq %1, %1\n\tpushfq\n\tpopq %0" : "=r"(f), "+r"(z) : : "cc");
    printf("bsf 0: zf %lu\n", (f & F_ZF) >> 6);
}

static void test_extend(void)
{
    uint64_t v = vals[12];
    int64_t sb, sw, sd;
    uint64_t zb, zw, cwd;

    __asm__("movsbq %b1, %0" : "=r"(sb) : "q"(vals[4]));
    __asm__("movswq %w1, %0" : "=r"(sw) : "r"(vals[7]));
    __asm__("movslq %k1, %0" : "=r"(sd) : "r"(vals[10]));
    __asm__("movzbq %b1, %0" : "=r"(zb) : "q"(v));
    __asm__("movzwq %w1, %0" : "=r"(zw) : "r"(v));
    __asm__("movl %k1, %k0" : "=r"(cwd) : "r"(vals[15]));
    printf("extend: sb %lx sw %lx sd %lx zb %lx zw %lx movl %lx\n",
           (uint64_t)sb, (uint64_t)sw, (uint64_t)sd, zb, zw, cwd);
    uint64_t cm = 1, cs = 2, setv;
    __asm__("cmpq %2, %3\n\tcmovbq %2, %0\n\tsetl %b1\n\tmovzbq %b1, %1"
            : "+r"(cm), "+q"(cs) : "r"(vals[15]), "r"(vals[1]) : "cc");
    setv = cs;
    printf("cmov/setcc: %lx %lu\n", cm, setv);
    uint64_t lea;
    __asm__("leaq 0x10(%1,%2,8), %0" : "=r"(lea) : "r"(vals[12]), "r"(vals[3]));
    printf("lea: %lx\n", lea);
}

static void test_mixes(void)
{
    /* xorshift64, a multiplicative hash and a bitwise CRC-32. */
    uint64_t x = vals[12], h = 1469598103934665603ull;
    uint32_t crc = 0xffffffffu;

    for (int i = 0; i < 20000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        h = (h ^ (x & 0xff)) * 1099511628211ull;
        crc ^= (uint32_t)x & 0xff;
        for (int b = 0; b < 8; b++) {
            crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
        }
    }
    printf("xorshift %lx fnv %lx crc32 %x\n", x, h, ~crc);
    int64_t acc = 0;
    for (int64_t i = -500; i < 500; i++) {
        acc += (i * 7919) / 13 - (i % 17) + (i << 3) - (i >> 2);
    }
    printf("signed mix %ld\n", acc);
}

int main(const MultibootInfo *mbi)
{
    test_binops();
    test_carry_chain();
    test_unary();
    test_shifts();
    test_muldiv();
    test_bits();
    test_extend();
    test_mixes();
    printf("arith done\n");
    return 0x10;
}
