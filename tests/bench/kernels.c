/*
 * kernels.c - the four CPU-bound workloads of `make bench`, compiled twice
 * from this one file: once as part of a long-mode guest kernel, once for
 * the host (same compiler flags where it matters, see rules.mk), so that
 * "native" runs the very same instruction mix the emulators translate.
 *
 *   sieve     sieve of Eratosthenes over 4 Mi one-byte flags: byte loads
 *             and stores with strides, a data-dependent branch per number;
 *             touches 1024 4-KiB pages (soft-TLB pressure).
 *   sort      quicksort of 128 Ki eight-byte records whose comparison
 *             function is called through a pointer (like qsort): indirect
 *             calls and returns, a call per comparison.
 *   bytecode  a register-machine interpreter with switch dispatch running
 *             a Fibonacci-and-hash program: indirect jumps through a jump
 *             table, short blocks, loads and stores of VM state.
 *   crc32     bitwise (table-free) CRC-32, polynomial 0xEDB88320 (the
 *             reflected IEEE 802.3 polynomial), over 64 KiB: shifts, ands,
 *             xors and flags in a tight loop.
 *
 * Freestanding: no library calls, all memory comes from the work area.
 * The functions that must stay opaque to the optimizer (the sort, the VM)
 * are marked noipa so the comparison stays an indirect call and the
 * bytecode is not folded into the interpreter.
 */
#include "kernels.h"

#define NOIPA __attribute__((noipa))

#define HASH_BASIS 0x811c9dc5u
#define HASH_PRIME 0x01000193u

static uint32_t hash_mix(uint32_t h, uint32_t v)
{
    h ^= v;
    h *= HASH_PRIME;
    h ^= h >> 15;
    return h;
}

static uint32_t xorshift32(uint32_t *state)
{
    uint32_t x = *state;

    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *state = x;
    return x;
}

static int bench_streq(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

/* ---- sieve ----------------------------------------------------------- */

#define SIEVE_LIMIT (4u << 20)

static void sieve_fill(uint8_t *flags, uint32_t n)
{
    uint64_t *words = (uint64_t *)flags;
    uint32_t i;

    for (i = 0; i < n / 8; i++) {
        words[i] = 0x0101010101010101ull;
    }
    for (i *= 8; i < n; i++) {
        flags[i] = 1;
    }
}

static uint32_t sieve_once(uint8_t *flags, uint32_t n)
{
    uint32_t count = 0;
    uint32_t sum = 0;

    sieve_fill(flags, n);
    flags[0] = 0;
    flags[1] = 0;
    for (uint32_t p = 2; p * p < n; p++) {
        if (!flags[p]) {
            continue;
        }
        for (uint32_t q = p * p; q < n; q += p) {
            flags[q] = 0;
        }
    }
    for (uint32_t i = 0; i < n; i++) {
        if (flags[i]) {
            count++;
            sum += i;
        }
    }
    return hash_mix(count, sum);
}

static uint32_t kernel_sieve(uint8_t *work, size_t size, uint32_t scale)
{
    uint32_t limit = size < SIEVE_LIMIT ? (uint32_t)size : SIEVE_LIMIT;
    uint32_t h = HASH_BASIS;

    for (uint32_t rep = 0; rep < scale; rep++) {
        /* A slightly different bound each time: nothing loop-invariant. */
        h = hash_mix(h, sieve_once(work, limit - (rep & 0xff)));
    }
    return h;
}

/* ---- sort through a comparison function ------------------------------ */

#define SORT_RECORDS (128u << 10)
#define SORT_SMALL 12

typedef struct Record {
    uint32_t key;
    uint32_t id;
} Record;

typedef int (*RecordCmp)(const Record *a, const Record *b);

NOIPA static int record_cmp(const Record *a, const Record *b)
{
    if (a->key != b->key) {
        return a->key < b->key ? -1 : 1;
    }
    return (a->id > b->id) - (a->id < b->id);
}

static void record_swap(Record *a, Record *b)
{
    Record t = *a;

    *a = *b;
    *b = t;
}

static void sort_insertion(Record *a, size_t n, RecordCmp cmp)
{
    for (size_t i = 1; i < n; i++) {
        Record t = a[i];
        size_t j = i;
        while (j > 0 && cmp(&t, &a[j - 1]) < 0) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = t;
    }
}

/* Hoare partition around the median of three; returns the last index of
 * the left part (both parts are non-empty). */
static size_t sort_partition(Record *a, size_t n, RecordCmp cmp)
{
    size_t mid = (n - 1) / 2;
    Record pivot;
    size_t i = 0;
    size_t j = n - 1;

    if (cmp(&a[mid], &a[0]) < 0) {
        record_swap(&a[mid], &a[0]);
    }
    if (cmp(&a[n - 1], &a[0]) < 0) {
        record_swap(&a[n - 1], &a[0]);
    }
    if (cmp(&a[n - 1], &a[mid]) < 0) {
        record_swap(&a[n - 1], &a[mid]);
    }
    pivot = a[mid];
    for (;;) {
        while (cmp(&a[i], &pivot) < 0) {
            i++;
        }
        while (cmp(&pivot, &a[j]) < 0) {
            j--;
        }
        if (i >= j) {
            return j;
        }
        record_swap(&a[i], &a[j]);
        i++;
        j--;
    }
}

/* Quicksort: recurse into the smaller part, loop on the larger, so the
 * stack stays O(log n). */
NOIPA static void sort_records(Record *a, size_t n, RecordCmp cmp)
{
    while (n > SORT_SMALL) {
        size_t left = sort_partition(a, n, cmp) + 1;
        if (left < n - left) {
            sort_records(a, left, cmp);
            a += left;
            n -= left;
        } else {
            sort_records(a + left, n - left, cmp);
            n = left;
        }
    }
    sort_insertion(a, n, cmp);
}

static uint32_t sort_once(Record *a, uint32_t n, uint32_t seed)
{
    uint32_t state = seed * 2654435761u + 1;
    uint32_t h = HASH_BASIS;
    uint32_t unsorted = 0;

    for (uint32_t i = 0; i < n; i++) {
        /* Narrow keys so equal keys (and the id tie-break) occur. */
        a[i].key = xorshift32(&state) & 0xfffff;
        a[i].id = i;
    }
    sort_records(a, n, record_cmp);
    for (uint32_t i = 0; i < n; i++) {
        if (i > 0 && record_cmp(&a[i - 1], &a[i]) >= 0) {
            unsorted++;
        }
        h = hash_mix(h, a[i].id);
    }
    return hash_mix(h, unsorted);
}

static uint32_t kernel_sort(uint8_t *work, size_t size, uint32_t scale)
{
    uint32_t n = SORT_RECORDS;
    uint32_t h = HASH_BASIS;

    if (n > size / sizeof(Record)) {
        n = (uint32_t)(size / sizeof(Record));
    }
    for (uint32_t rep = 0; rep < scale; rep++) {
        h = hash_mix(h, sort_once((Record *)work, n, rep));
    }
    return h;
}

/* ---- bytecode interpreter -------------------------------------------- */

/* A register machine: 16 registers, 256 words of memory, one 32-bit word
 * per instruction (op, a, b, c bytes), immediates in the following word. */
enum {
    VM_HALT,
    VM_LI,          /* r[a] = imm */
    VM_MOV,         /* r[a] = r[b] */
    VM_ADD,         /* r[a] = r[b] + r[c] */
    VM_SUB,
    VM_MUL,
    VM_XOR,
    VM_AND,
    VM_SHL,         /* r[a] = r[b] << (r[c] & 31) */
    VM_SHR,
    VM_ADDI,        /* r[a] = r[b] + imm */
    VM_LD,          /* r[a] = mem[r[b] & 255] */
    VM_ST,          /* mem[r[b] & 255] = r[a] */
    VM_JNZ,         /* if (r[a]) pc = imm */
    VM_JLT,         /* if (r[a] < r[b]) pc = imm */
    VM_JMP,         /* pc = imm */
};

#define VM_MAX_CODE 64
#define VM_FIB_STEPS 40

typedef struct VmCode {
    uint32_t words[VM_MAX_CODE];
    uint32_t len;
} VmCode;

static uint32_t vm_emit(VmCode *c, uint32_t op, uint32_t a, uint32_t b,
                        uint32_t d)
{
    uint32_t at = c->len;

    if (c->len < VM_MAX_CODE) {
        c->words[c->len++] = op | a << 8 | b << 16 | d << 24;
    }
    return at;
}

static void vm_imm(VmCode *c, uint32_t imm)
{
    if (c->len < VM_MAX_CODE) {
        c->words[c->len++] = imm;
    }
}

/*
 * The program: for each of `outer` rounds, run VM_FIB_STEPS Fibonacci
 * steps from (0, round), storing every term in memory, then fold the
 * stored terms into an FNV-style hash in r0 and stir it with a shift.
 */
static void vm_build(VmCode *c, uint32_t outer)
{
    uint32_t loop, inner, fold;

    c->len = 0;
    vm_emit(c, VM_LI, 1, 0, 0);   vm_imm(c, outer);
    vm_emit(c, VM_LI, 0, 0, 0);   vm_imm(c, HASH_BASIS);
    vm_emit(c, VM_LI, 7, 0, 0);   vm_imm(c, HASH_PRIME);
    vm_emit(c, VM_LI, 8, 0, 0);   vm_imm(c, 15);
    loop = vm_emit(c, VM_LI, 2, 0, 0);   vm_imm(c, 0);
    vm_emit(c, VM_MOV, 3, 1, 0);
    vm_emit(c, VM_LI, 4, 0, 0);   vm_imm(c, VM_FIB_STEPS);
    inner = vm_emit(c, VM_ADD, 5, 2, 3);
    vm_emit(c, VM_MOV, 2, 3, 0);
    vm_emit(c, VM_MOV, 3, 5, 0);
    vm_emit(c, VM_ST, 5, 4, 0);
    vm_emit(c, VM_ADDI, 4, 4, 0); vm_imm(c, (uint32_t)-1);
    vm_emit(c, VM_JNZ, 4, 0, 0);  vm_imm(c, inner);
    vm_emit(c, VM_LI, 4, 0, 0);   vm_imm(c, VM_FIB_STEPS);
    fold = vm_emit(c, VM_LD, 6, 4, 0);
    vm_emit(c, VM_XOR, 0, 0, 6);
    vm_emit(c, VM_MUL, 0, 0, 7);
    vm_emit(c, VM_SHR, 6, 0, 8);
    vm_emit(c, VM_XOR, 0, 0, 6);
    vm_emit(c, VM_ADDI, 4, 4, 0); vm_imm(c, (uint32_t)-1);
    vm_emit(c, VM_JNZ, 4, 0, 0);  vm_imm(c, fold);
    vm_emit(c, VM_ADDI, 1, 1, 0); vm_imm(c, (uint32_t)-1);
    vm_emit(c, VM_JNZ, 1, 0, 0);  vm_imm(c, loop);
    vm_emit(c, VM_HALT, 0, 0, 0);
}

static uint32_t vm_fetch_imm(const uint32_t *code, uint32_t len,
                             uint32_t *pc)
{
    uint32_t v = *pc < len ? code[*pc] : 0;

    (*pc)++;
    return v;
}

/* Runs until HALT, a pc outside the code, or max_steps instructions;
 * returns the number of instructions executed. */
NOIPA static uint64_t vm_run(const uint32_t *code, uint32_t len,
                             uint32_t *r, uint32_t *mem, uint64_t max_steps)
{
    uint32_t pc = 0;
    uint64_t steps = 0;

    while (pc < len && steps < max_steps) {
        uint32_t w = code[pc++];
        uint32_t a = (w >> 8) & 15, b = (w >> 16) & 15, c = (w >> 24) & 15;
        uint32_t imm;

        steps++;
        switch (w & 0xff) {
        case VM_HALT:
            return steps;
        case VM_LI:
            r[a] = vm_fetch_imm(code, len, &pc);
            break;
        case VM_MOV:
            r[a] = r[b];
            break;
        case VM_ADD:
            r[a] = r[b] + r[c];
            break;
        case VM_SUB:
            r[a] = r[b] - r[c];
            break;
        case VM_MUL:
            r[a] = r[b] * r[c];
            break;
        case VM_XOR:
            r[a] = r[b] ^ r[c];
            break;
        case VM_AND:
            r[a] = r[b] & r[c];
            break;
        case VM_SHL:
            r[a] = r[b] << (r[c] & 31);
            break;
        case VM_SHR:
            r[a] = r[b] >> (r[c] & 31);
            break;
        case VM_ADDI:
            r[a] = r[b] + vm_fetch_imm(code, len, &pc);
            break;
        case VM_LD:
            r[a] = mem[r[b] & 255];
            break;
        case VM_ST:
            mem[r[b] & 255] = r[a];
            break;
        case VM_JNZ:
            imm = vm_fetch_imm(code, len, &pc);
            if (r[a]) {
                pc = imm;
            }
            break;
        case VM_JLT:
            imm = vm_fetch_imm(code, len, &pc);
            if (r[a] < r[b]) {
                pc = imm;
            }
            break;
        case VM_JMP:
            pc = vm_fetch_imm(code, len, &pc);
            break;
        default:
            return steps;       /* undefined opcode: stop */
        }
    }
    return steps;
}

static uint32_t kernel_bytecode(uint8_t *work, size_t size, uint32_t scale)
{
    VmCode code;
    uint32_t regs[16] = { 0 };
    uint32_t *mem = (uint32_t *)work;
    uint64_t steps;
    uint32_t h;

    if (size < 256 * sizeof(uint32_t)) {
        return 0;
    }
    for (uint32_t i = 0; i < 256; i++) {
        mem[i] = i;
    }
    vm_build(&code, scale * 1000u);
    steps = vm_run(code.words, code.len, regs, mem, ~0ull);
    h = hash_mix(HASH_BASIS, regs[0]);
    h = hash_mix(h, (uint32_t)steps);
    return hash_mix(h, (uint32_t)(steps >> 32));
}

/* ---- bitwise CRC-32 -------------------------------------------------- */

#define CRC_BYTES (64u << 10)
#define CRC_POLY 0xedb88320u

NOIPA static uint32_t crc32_bitwise(uint32_t crc, const uint8_t *p, size_t n)
{
    crc = ~crc;
    while (n--) {
        crc ^= *p++;
        for (int k = 0; k < 8; k++) {
            crc = (crc >> 1) ^ (CRC_POLY & -(crc & 1));
        }
    }
    return ~crc;
}

static uint32_t kernel_crc32(uint8_t *work, size_t size, uint32_t scale)
{
    static const uint8_t check[] = "123456789";
    uint32_t n = size < CRC_BYTES ? (uint32_t)size : CRC_BYTES;
    uint32_t state = 0x12345678;
    uint32_t h;

    /* The standard check value of CRC-32 is 0xCBF43926. */
    h = hash_mix(HASH_BASIS, crc32_bitwise(0, check, 9) ^ 0xcbf43926u);
    for (uint32_t i = 0; i < n; i++) {
        work[i] = (uint8_t)xorshift32(&state);
    }
    for (uint32_t rep = 0; rep < scale; rep++) {
        work[rep % n] ^= (uint8_t)(rep | 1);
        h = hash_mix(h, crc32_bitwise(rep, work, n));
    }
    return h;
}

/* ---- table ----------------------------------------------------------- */

static const BenchKernel bench_kernels[] = {
    { "empty", NULL, 0, "no work: boot and exit (startup cost)" },
    { "sieve", kernel_sieve, 3, "sieve of Eratosthenes, 4 Mi flags" },
    { "sort", kernel_sort, 2, "quicksort of 128 Ki records via cmp pointer" },
    { "bytecode", kernel_bytecode, 12, "switch-dispatch VM: fib + hash" },
    { "crc32", kernel_crc32, 48, "bitwise CRC-32 over 64 KiB" },
    { "matmul-sse2", bench_matmul_sse2, 40, "96x96 matrix product, SSE2" },
    { "matmul-x87", bench_matmul_x87, 10, "96x96 matrix product, x87" },
    { "nbody-sse2", bench_nbody_sse2, 400, "5-body simulation, SSE2" },
    { "nbody-x87", bench_nbody_x87, 50, "5-body simulation, x87" },
    { NULL, NULL, 0, NULL },
};

const BenchKernel *bench_kernel_table(void)
{
    return bench_kernels;
}

const BenchKernel *bench_kernel_find(const char *name)
{
    for (const BenchKernel *k = bench_kernels; k->name; k++) {
        if (bench_streq(k->name, name)) {
            return k;
        }
    }
    return NULL;
}

uint32_t bench_kernel_run(const BenchKernel *k, uint8_t *work, size_t size,
                          uint32_t scale)
{
    if (!k->run) {
        return 0;
    }
    return k->run(work, size, scale);
}
