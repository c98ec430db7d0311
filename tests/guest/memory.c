/*
 * memory.c - guest RAM across many pages: the multiboot memory report,
 * address-derived qword patterns, one byte in each 4 KiB page of 32 MiB,
 * unaligned accesses across page boundaries, and the string instructions
 * (rep movs/stos, forwards and backwards). Run with -m 64.
 *
 * The amounts are kept small on purpose: on some KVM hosts every guest
 * instruction is emulated (about a microsecond each), and the suite must
 * stay quick there.
 */
#include "lib/guest.h"

#define MIB (1024ull * 1024)
#define AREA_START (4 * MIB)
#define AREA_END (36 * MIB)
#define PAGE 4096ull

static uint64_t pattern(uint64_t addr, uint64_t seed)
{
    uint64_t x = (addr ^ seed) * 0x9e3779b97f4a7c15ull;
    return x ^ (x >> 29);
}

static void report_multiboot(const MultibootInfo *mbi)
{
    check(mbi != NULL, "multiboot magic in EAX");
    if (!mbi) {
        return;
    }
    printf("multiboot flags.mem: %u\n", mbi->flags & 1);
    /* Firmware may keep a little at the top, so allow 62..63 MiB. */
    printf("multiboot mem_upper between 62 and 63 MiB: %s\n",
           mbi->mem_upper >= 62 * 1024 && mbi->mem_upper <= 63 * 1024 ?
           "yes" : "no");
}

static uint64_t fill_and_verify(uint64_t start, uint64_t size, uint64_t seed)
{
    volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)start;
    volatile uint64_t *end = (volatile uint64_t *)(uintptr_t)(start + size);
    uint64_t errors = 0, sum = 0;

    for (volatile uint64_t *q = p; q < end; q++) {
        *q = pattern((uintptr_t)q, seed);
    }
    for (volatile uint64_t *q = p; q < end; q++) {
        uint64_t v = *q;
        if (v != pattern((uintptr_t)q, seed)) {
            if (errors++ < 4) {
                printf("mismatch at %p: %lx\n", (void *)q, v);
            }
        }
        sum += v;
    }
    printf("qword pattern at %lx+%lx seed %lx: %lu errors, sum %lx\n",
           start, size, seed, errors, sum);
    return errors;
}

static uint64_t touch_pages(void)
{
    volatile uint8_t *base = (volatile uint8_t *)(uintptr_t)AREA_START;
    uint64_t pages = (AREA_END - AREA_START) / PAGE, errors = 0;

    for (uint64_t i = 0; i < pages; i++) {
        base[i * PAGE + (i % PAGE)] = (uint8_t)(i * 7 + 1);
    }
    for (uint64_t i = pages; i-- > 0;) {
        if (base[i * PAGE + (i % PAGE)] != (uint8_t)(i * 7 + 1)) {
            errors++;
        }
    }
    printf("page walk: %lu pages, %lu errors\n", pages, errors);
    return errors;
}

static uint64_t unaligned_accesses(void)
{
    uint8_t *b = (uint8_t *)(uintptr_t)(AREA_START + 16 * PAGE);
    uint64_t errors = 0;

    for (int i = 0; i < 64; i++) {
        b[PAGE - 32 + i] = 0;
    }
    for (int off = 1; off < 8; off++) {
        volatile uint64_t *q = (volatile uint64_t *)(b + PAGE - off);
        volatile uint32_t *d = (volatile uint32_t *)(b + 2 * PAGE - off);
        volatile uint16_t *w = (volatile uint16_t *)(b + 3 * PAGE - 1);
        *q = 0x0102030405060708ull * off;
        *d = 0xa1b2c3d4u ^ off;
        *w = (uint16_t)(0xbeef + off);
        errors += *q != 0x0102030405060708ull * off;
        errors += *d != (0xa1b2c3d4u ^ off);
        errors += *w != (uint16_t)(0xbeef + off);
    }
    printf("last bytes around a page edge: %x %x %x %x\n",
           b[PAGE - 2], b[PAGE - 1], b[PAGE], b[PAGE + 1]);
    printf("unaligned across page edges: %lu errors\n", errors);
    return errors;
}

static uint64_t checksum(const uint8_t *p, uint64_t n)
{
    uint64_t h = 0;
    for (uint64_t i = 0; i < n; i++) {
        h = (h << 5) + h + p[i];
    }
    return h;
}

static void string_ops(void)
{
    uint8_t *src = (uint8_t *)(uintptr_t)(AREA_START);
    uint8_t *dst = (uint8_t *)(uintptr_t)(AREA_START + 8 * MIB + 3);
    uint64_t n = 64 * 1024 + 5;

    void *d = dst, *s = src;
    uint64_t c = n;
    __asm__ volatile("cld; rep movsb" : "+D"(d), "+S"(s), "+c"(c) : : "memory");
    printf("rep movsb 64 KiB: equal %d, dst checksum %lx\n",
           memcmp(dst, src, n) == 0, checksum(dst, n));

    d = dst;
    c = 1024;
    __asm__ volatile("cld; rep stosq" : "+D"(d), "+c"(c)
                     : "a"(0x5a5a5a5a12345678ull) : "memory");
    printf("rep stosq: checksum %lx, rdi advanced %lu\n",
           checksum(dst, 1024 * 8), (uint64_t)((uint8_t *)d - dst));

    /* Overlapping copy upwards by 13 bytes, done backwards with DF=1. */
    for (int i = 0; i < 256; i++) {
        dst[i] = (uint8_t)i;
    }
    d = dst + 13 + 255;
    s = dst + 255;
    c = 256;
    __asm__ volatile("std; rep movsb; cld" : "+D"(d), "+S"(s), "+c"(c)
                     : : "memory");
    printf("backward overlapping movsb: %x %x %x %x, checksum %lx\n",
           dst[0], dst[13], dst[14], dst[268], checksum(dst, 269));
}

int main(const MultibootInfo *mbi)
{
    uint64_t errors = 0;

    report_multiboot(mbi);
    errors += fill_and_verify(AREA_START, 512 * 1024, 0);
    errors += fill_and_verify(AREA_END - 256 * 1024, 256 * 1024,
                              0xfedcba9876543210ull);
    errors += touch_pages();
    errors += unaligned_accesses();
    string_ops();
    printf("memory: %s\n", errors || check_failures() ? "FAILED" : "ok");
    return errors || check_failures() ? 1 : 0x11;
}
