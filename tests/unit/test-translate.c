/*
 * Unit tests of the x86 translator (cpu/x86/translate*.c), the lazy flags
 * (cc_helper.c) and the translator helpers (int_helper.c).
 *
 * Small instruction sequences run through the harness of
 * test-translate-harness.h. Results are compared against the host CPU
 * running the same operation (inline asm) or against values from the SDM.
 * Segment limit and type checks are in test-translate-seg.c.
 */
#include "test-translate-harness.h"

/* ---- host reference ---- */

static const uint64_t edges[] = {
    0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x7fffffff,
    0x80000000, 0xffffffff, 0x100000000ull, 0x7fffffffffffffffull,
    0x8000000000000000ull, 0xffffffffffffffffull, 0x123456789abcdef0ull,
    0x0f0f0f0f0f0f0f0full, 33, 63, 64, 9, 17,
};

/* host: a = a OP b with flags in/out (only the arithmetic flags) */
#define HOST_BIN(name, insn)                                                 \
    static uint64_t host_##name(int size, uint64_t a, uint64_t b,            \
                                uint64_t *fl)                                \
    {                                                                        \
        uint64_t f = *fl | 0x202;                                            \
        switch (size) {                                                      \
        case 1: asm("sub $128,%%rsp; push %[f]; popfq; " insn "b %b[b],%b[a];" \
                    "pushfq; pop %[f]; add $128,%%rsp"                       \
                    : [a] "+q"(a), [f] "+r"(f) : [b] "q"(b) : "cc"); break;  \
        case 2: asm("sub $128,%%rsp; push %[f]; popfq; " insn "w %w[b],%w[a];" \
                    "pushfq; pop %[f]; add $128,%%rsp"                       \
                    : [a] "+r"(a), [f] "+r"(f) : [b] "r"(b) : "cc"); break;  \
        case 4: asm("sub $128,%%rsp; push %[f]; popfq; " insn "l %k[b],%k[a];" \
                    "pushfq; pop %[f]; add $128,%%rsp"                       \
                    : [a] "+r"(a), [f] "+r"(f) : [b] "r"(b) : "cc"); break;  \
        default: asm("sub $128,%%rsp; push %[f]; popfq; " insn "q %q[b],%q[a];" \
                    "pushfq; pop %[f]; add $128,%%rsp"                       \
                    : [a] "+r"(a), [f] "+r"(f) : [b] "r"(b) : "cc"); break;  \
        }                                                                    \
        *fl = f & RF_ARITH;                                                  \
        return a;                                                            \
    }

/* host: a = a OP cl */
#define HOST_SHIFT(name, insn)                                               \
    static uint64_t host_##name(int size, uint64_t a, uint64_t c,            \
                                uint64_t *fl)                                \
    {                                                                        \
        uint64_t f = *fl | 0x202;                                            \
        switch (size) {                                                      \
        case 1: asm("sub $128,%%rsp; push %[f]; popfq; " insn "b %%cl,%b[a];" \
                    "pushfq; pop %[f]; add $128,%%rsp"                       \
                    : [a] "+q"(a), [f] "+r"(f) : "c"(c) : "cc"); break;      \
        case 2: asm("sub $128,%%rsp; push %[f]; popfq; " insn "w %%cl,%w[a];" \
                    "pushfq; pop %[f]; add $128,%%rsp"                       \
                    : [a] "+r"(a), [f] "+r"(f) : "c"(c) : "cc"); break;      \
        case 4: asm("sub $128,%%rsp; push %[f]; popfq; " insn "l %%cl,%k[a];" \
                    "pushfq; pop %[f]; add $128,%%rsp"                       \
                    : [a] "+r"(a), [f] "+r"(f) : "c"(c) : "cc"); break;      \
        default: asm("sub $128,%%rsp; push %[f]; popfq; " insn "q %%cl,%q[a];" \
                    "pushfq; pop %[f]; add $128,%%rsp"                       \
                    : [a] "+r"(a), [f] "+r"(f) : "c"(c) : "cc"); break;      \
        }                                                                    \
        *fl = f & RF_ARITH;                                                  \
        return a;                                                            \
    }

HOST_BIN(add, "add") HOST_BIN(or, "or") HOST_BIN(adc, "adc")
HOST_BIN(sbb, "sbb") HOST_BIN(and, "and") HOST_BIN(sub, "sub")
HOST_BIN(xor, "xor") HOST_BIN(cmp, "cmp")
HOST_SHIFT(rol, "rol") HOST_SHIFT(ror, "ror") HOST_SHIFT(rcl, "rcl")
HOST_SHIFT(rcr, "rcr") HOST_SHIFT(shl, "shl") HOST_SHIFT(shr, "shr")
HOST_SHIFT(sar, "sar")

typedef uint64_t HostOp(int size, uint64_t a, uint64_t b, uint64_t *fl);

static uint64_t size_mask(int size)
{
    return size == 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

/* Emits "op rAX/AL, rBX/BL" (or op rAX, CL for group 2) for a size. */
static size_t emit_op(uint8_t *c, int size, int opc, int modrm, int mode)
{
    size_t n = 0;

    if (size == 2) {
        c[n++] = 0x66;
    }
    if (size == 8) {
        c[n++] = 0x48;
    }
    c[n++] = size == 1 ? opc - 1 : opc;
    c[n++] = modrm;
    (void)mode;
    return n;
}

/* Runs op on (a, b, flags in) both ways; checks value and flags & mask. */
static void check_one(TestCPU *t, HostOp *host, int size, int opc, int modrm,
                      uint64_t a, uint64_t b, uint64_t fin, uint64_t fmask,
                      bool writes)
{
    uint8_t code[8];
    size_t n = emit_op(code, size, opc, modrm, 64);
    uint64_t hf = fin, hv = host(size, a, b, &hf), gv, gf;

    load(t, 64, code, n);
    R(t, R_EAX) = a;
    R(t, R_EBX) = b;
    R(t, R_ECX) = b;
    t->env.cc_src = fin;
    assert_int_equal(run(t), -1);
    gv = R(t, R_EAX);
    gf = flags(t);
    if (writes) {
        uint64_t exp = size == 4 ? (uint32_t)hv
                       : (a & ~size_mask(size)) | (hv & size_mask(size));
        if (gv != exp) {
            print_error("opc %02x/%02x size %d a %#llx b %#llx: %#llx != %#llx\n",
                        opc, modrm, size, (unsigned long long)a,
                        (unsigned long long)b, (unsigned long long)gv,
                        (unsigned long long)exp);
        }
        assert_int_equal(gv, exp);
    }
    if ((gf & fmask) != (hf & fmask)) {
        print_error("opc %02x/%02x size %d a %#llx b %#llx fin %#llx: flags "
                    "%#llx != %#llx\n", opc, modrm, size, (unsigned long long)a,
                    (unsigned long long)b, (unsigned long long)fin,
                    (unsigned long long)gf, (unsigned long long)hf);
    }
    assert_int_equal(gf & fmask, hf & fmask);
}

static void test_alu_vs_host(void **state)
{
    static const struct { HostOp *h; int opc; uint64_t mask; bool w; } ops[] = {
        { host_add, 0x01, RF_ARITH, true }, { host_or, 0x09, RF_ARITH & ~RF_AF, true },
        { host_adc, 0x11, RF_ARITH, true }, { host_sbb, 0x19, RF_ARITH, true },
        { host_and, 0x21, RF_ARITH & ~RF_AF, true }, { host_sub, 0x29, RF_ARITH, true },
        { host_xor, 0x31, RF_ARITH & ~RF_AF, true }, { host_cmp, 0x39, RF_ARITH, false },
    };
    static const int sizes[] = { 1, 2, 4, 8 };

    for (unsigned o = 0; o < ARRAY_SIZE(ops); o++) {
        for (unsigned si = 0; si < 4; si++) {
            for (unsigned i = 0; i < ARRAY_SIZE(edges); i++) {
                for (unsigned j = 0; j < ARRAY_SIZE(edges); j += 3) {
                    for (uint64_t cf = 0; cf < 2; cf++) {
                        check_one(*state, ops[o].h, sizes[si], ops[o].opc, 0xd8,
                                  edges[i], edges[(j + i) % ARRAY_SIZE(edges)],
                                  cf | RF_ZF, ops[o].mask, ops[o].w);
                    }
                }
            }
        }
    }
}

static void test_shift_vs_host(void **state)
{
    /* D3 /r: rol 0 ror 1 rcl 2 rcr 3 shl 4 shr 5 sar 7 */
    static const struct { HostOp *h; int reg; bool rot; } ops[] = {
        { host_rol, 0, true }, { host_ror, 1, true }, { host_rcl, 2, true },
        { host_rcr, 3, true }, { host_shl, 4, false }, { host_shr, 5, false },
        { host_sar, 7, false },
    };
    static const int sizes[] = { 1, 2, 4, 8 };
    static const uint64_t counts[] = { 0, 1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64 };

    for (unsigned o = 0; o < ARRAY_SIZE(ops); o++) {
        for (unsigned si = 0; si < 4; si++) {
            for (unsigned i = 0; i < ARRAY_SIZE(edges); i++) {
                for (unsigned c = 0; c < ARRAY_SIZE(counts); c++) {
                    uint64_t m = sizes[si] == 8 ? 63 : 31, cnt = counts[c] & m;
                    uint64_t mask = RF_ARITH;
                    if (ops[o].rot) {
                        mask = RF_CF | (cnt == 1 ? RF_OF : 0) |
                               (RF_ARITH & ~(RF_CF | RF_OF));
                    } else if (cnt != 0) {
                        mask &= ~(uint64_t)RF_AF;
                        if (cnt != 1) {
                            mask &= ~(uint64_t)RF_OF;
                        }
                        if (cnt >= 8u * sizes[si]) {
                            mask &= ~(uint64_t)RF_CF;
                        }
                    }
                    for (uint64_t cf = 0; cf < 2; cf++) {
                        check_one(*state, ops[o].h, sizes[si], 0xd3,
                                  0xc0 | (ops[o].reg << 3), edges[i], counts[c],
                                  cf | RF_ZF | RF_PF | RF_AF | RF_OF, mask, true);
                    }
                }
            }
        }
    }
}

/* The SDM's condition table over a flags value. */
static bool cond_of(uint64_t f, int cc)
{
    bool cf = f & RF_CF, zf = f & RF_ZF, sf = f & RF_SF, of = f & RF_OF;
    bool pf = f & RF_PF, r;

    switch (cc >> 1) {
    case 0: r = of; break;
    case 1: r = cf; break;
    case 2: r = zf; break;
    case 3: r = cf || zf; break;
    case 4: r = sf; break;
    case 5: r = pf; break;
    case 6: r = sf != of; break;
    default: r = zf || sf != of; break;
    }
    return (cc & 1) ? !r : r;
}

/* op rAX, rBX then SETcc CL: every condition after each flag producer
   (exercises the cc_op fast paths), against the host flags. */
static void test_setcc_fast_paths(void **state)
{
    TestCPU *t = *state;
    static const struct { HostOp *h; uint8_t op[3]; } prod[] = {
        { host_cmp, { 0x48, 0x39, 0xd8 } }, { host_sub, { 0x48, 0x29, 0xd8 } },
        { host_and, { 0x48, 0x21, 0xd8 } }, { host_add, { 0x48, 0x01, 0xd8 } },
        { host_xor, { 0x48, 0x31, 0xd8 } }, { host_adc, { 0x48, 0x11, 0xd8 } },
    };

    for (unsigned p = 0; p < ARRAY_SIZE(prod); p++) {
        for (unsigned i = 0; i < ARRAY_SIZE(edges); i++) {
            for (unsigned j = 0; j < ARRAY_SIZE(edges); j += 2) {
                for (int cc = 0; cc < 16; cc++) {
                    uint8_t code[6] = { prod[p].op[0], prod[p].op[1],
                                        prod[p].op[2], 0x0f, 0x90 + cc, 0xc1 };
                    uint64_t hf = 0;
                    prod[p].h(8, edges[i], edges[j], &hf);
                    load(t, 64, code, sizeof(code));
                    R(t, R_EAX) = edges[i];
                    R(t, R_EBX) = edges[j];
                    assert_int_equal(run(t), -1);
                    if ((R(t, R_ECX) & 0xff) != cond_of(hf, cc)) {
                        print_error("producer %u a %#llx b %#llx cc %d\n", p,
                                    (unsigned long long)edges[i],
                                    (unsigned long long)edges[j], cc);
                    }
                    assert_int_equal(R(t, R_ECX) & 0xff, cond_of(hf, cc));
                }
            }
        }
    }
}

/* Jcc + LOOP: sum 1..10 with a loop (32-bit code). */
static void test_loop_jcc(void **state)
{
    TestCPU *t = *state;

    /* mov ecx,10; xor eax,eax; l: add eax,ecx; loop l; cmp eax,55; jne bad;
       mov ebx,1; bad: */
    LOAD(t, 32, 0xb9, 10, 0, 0, 0, 0x31, 0xc0, 0x01, 0xc8, 0xe2, 0xfc,
         0x83, 0xf8, 55, 0x75, 0x05, 0xbb, 1, 0, 0, 0);
    assert_int_equal(run(t), -1);
    assert_int_equal(R(t, R_EAX), 55);
    assert_int_equal(R(t, R_EBX), 1);
    assert_int_equal(R(t, R_ECX), 0);
}

/* CALL/RET/PUSH/POP in 64-bit code. */
static void test_call_ret_stack(void **state)
{
    TestCPU *t = *state;

    /* call f; jmp end; f: push rbx; pop rdx; mov eax, 7; ret; end: */
    LOAD(t, 64, 0xe8, 2, 0, 0, 0, 0xeb, 0x08, 0x53, 0x5a, 0xb8, 7, 0, 0, 0,
         0xc3);
    R(t, R_EBX) = 0x1122334455667788ull;
    assert_int_equal(run(t), -1);
    assert_int_equal(R(t, R_EAX), 7);
    assert_int_equal(R(t, R_EDX), 0x1122334455667788ull);
    assert_int_equal(R(t, R_ESP), 0x8000);
    assert_int_equal(t->mem[0x8000 - 8], (CODE_AT + 5) & 0xff);
}

/* MUL/IMUL/DIV/IDIV and #DE. */
static void test_muldiv(void **state)
{
    TestCPU *t = *state;

    LOAD(t, 64, 0x48, 0xf7, 0xe3);          /* mul rbx */
    R(t, R_EAX) = 0xffffffffffffffffull;
    R(t, R_EBX) = 3;
    assert_int_equal(run(t), -1);
    assert_int_equal(R(t, R_EAX), 0xfffffffffffffffdull);
    assert_int_equal(R(t, R_EDX), 2);
    assert_int_equal(flags(t) & (RF_CF | RF_OF), RF_CF | RF_OF);

    LOAD(t, 64, 0x6b, 0xc3, 0xfd);          /* imul eax, ebx, -3 */
    R(t, R_EBX) = 5;
    assert_int_equal(run(t), -1);
    assert_int_equal(R(t, R_EAX), (uint32_t)-15);
    assert_int_equal(flags(t) & (RF_CF | RF_OF), 0);

    LOAD(t, 64, 0xf7, 0xf3);                /* div ebx */
    R(t, R_EAX) = 100;
    R(t, R_EDX) = 1;
    R(t, R_EBX) = 7;
    assert_int_equal(run(t), -1);
    assert_int_equal(R(t, R_EAX), 0x100000064ull / 7);
    assert_int_equal(R(t, R_EDX), 0x100000064ull % 7);

    LOAD(t, 64, 0x48, 0xf7, 0xfb);          /* idiv rbx by 0: #DE */
    R(t, R_EAX) = 5;
    assert_int_equal(run(t), EXCP_DE);
    assert_int_equal(t->env.st.rip, CODE_AT);
    assert_int_equal(R(t, R_EAX), 5);

    LOAD(t, 64, 0xf6, 0xf3);                /* div bl: 0x1000/2 overflows */
    R(t, R_EAX) = 0x1000;
    R(t, R_EBX) = 2;
    assert_int_equal(run(t), EXCP_DE);
}

/* REP MOVSB, REPE CMPSB, REP STOSD, and a fault in the middle of REP. */
static void test_strings(void **state)
{
    TestCPU *t = *state;

    LOAD(t, 64, 0xf3, 0xa4);                /* rep movsb */
    memcpy(t->mem + 0x2000, "hello, world", 12);
    R(t, R_ESI) = 0x2000;
    R(t, R_EDI) = 0x3000;
    R(t, R_ECX) = 12;
    assert_int_equal(run(t), -1);
    assert_memory_equal(t->mem + 0x3000, "hello, world", 12);
    assert_int_equal(R(t, R_ECX), 0);
    assert_int_equal(R(t, R_ESI), 0x200c);

    LOAD(t, 64, 0xf3, 0xa6);                /* repe cmpsb */
    memcpy(t->mem + 0x2000, "abcdef", 6);
    memcpy(t->mem + 0x3000, "abcxef", 6);
    R(t, R_ESI) = 0x2000;
    R(t, R_EDI) = 0x3000;
    R(t, R_ECX) = 6;
    assert_int_equal(run(t), -1);
    assert_int_equal(R(t, R_ECX), 2);
    assert_int_equal(R(t, R_ESI), 0x2004);
    assert_int_equal(flags(t) & (RF_ZF | RF_CF), RF_CF);    /* 'd' < 'x' */

    LOAD(t, 64, 0xfd, 0xf3, 0xab);          /* std; rep stosd */
    R(t, R_EAX) = 0xdeadbeef;
    R(t, R_EDI) = 0x3008;
    R(t, R_ECX) = 3;
    assert_int_equal(run(t), -1);
    assert_int_equal(R(t, R_EDI), 0x2ffc);
    assert_int_equal(t->mem[0x3000], 0xef);
    assert_int_equal(t->env.df, -1);

    /* rep movsb running off the end of memory: #PF with exact registers */
    LOAD(t, 64, 0xf3, 0xa4);
    R(t, R_ESI) = 0x2000;
    R(t, R_EDI) = MEM_SIZE - 3;
    R(t, R_ECX) = 10;
    assert_int_equal(run(t), EXCP_PF);
    assert_int_equal(t->env.st.rip, CODE_AT);
    assert_int_equal(R(t, R_ECX), 7);
    assert_int_equal(R(t, R_EDI), MEM_SIZE);
    assert_int_equal(R(t, R_ESI), 0x2003);
}

/* 16-bit addressing wraps; LEA; ENTER with nesting; BT on memory. */
static void test_addressing_misc(void **state)
{
    TestCPU *t = *state;

    LOAD(t, 16, 0x8d, 0x40, 0x10);          /* lea ax, [bx+si+0x10] */
    R(t, R_EBX) = 0xfff8;
    R(t, R_ESI) = 0x0004;
    assert_int_equal(run(t), -1);
    assert_int_equal(R(t, R_EAX) & 0xffff, 0x000c);

    LOAD(t, 32, 0xc8, 8, 0, 2);             /* enter 8, 2 */
    R(t, R_EBP) = 0x7000;
    t->mem[0x7000 - 4] = 0x44;
    assert_int_equal(run(t), -1);
    assert_int_equal(R(t, R_EBP), 0x8000 - 4);
    assert_int_equal(R(t, R_ESP), 0x8000 - 12 - 8);
    assert_int_equal(t->mem[0x8000 - 8], 0x44);

    LOAD(t, 64, 0x0f, 0xab, 0x03);          /* bts [rbx], eax */
    R(t, R_EBX) = 0x2000;
    R(t, R_EAX) = (uint64_t)-1;             /* bit 31 of the dword at -4 */
    assert_int_equal(run(t), -1);
    assert_int_equal(t->mem[0x2000 - 1], 0x80);
    assert_int_equal(flags(t) & RF_CF, 0);

    LOAD(t, 64, 0x48, 0x0f, 0xbc, 0xc3);    /* bsf rax, rbx */
    R(t, R_EBX) = 0x100;
    assert_int_equal(run(t), -1);
    assert_int_equal(R(t, R_EAX), 8);

    LOAD(t, 64, 0x0f, 0xb1, 0x0b);          /* cmpxchg [rbx], ecx */
    R(t, R_EBX) = 0x2000;
    R(t, R_EAX) = 0;
    R(t, R_ECX) = 0x1234;
    assert_int_equal(run(t), -1);
    assert_int_equal(t->mem[0x2000], 0x34);
    assert_int_equal(flags(t) & RF_ZF, RF_ZF);

    LOAD(t, 32, 0x27);                      /* daa: 0x0f -> 0x15 */
    R(t, R_EAX) = 0x0f;
    assert_int_equal(run(t), -1);
    assert_int_equal(R(t, R_EAX) & 0xff, 0x15);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alu_vs_host),
        cmocka_unit_test(test_shift_vs_host),
        cmocka_unit_test(test_setcc_fast_paths),
        cmocka_unit_test(test_loop_jcc),
        cmocka_unit_test(test_call_ret_stack),
        cmocka_unit_test(test_muldiv),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_addressing_misc),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
