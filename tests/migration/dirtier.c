/*
 * dirtier.c - the migration benchmark's and auto-converge test's guest:
 * writes one word in each page of an area from 16 MiB up, round-robin.
 * Command line (-append): "rate=N" writes N pages every 10 ms of guest
 * TSC time, so it dirties N * 100 pages per second whatever the
 * emulator's speed; "rate=max" writes without pause (CPU-bound, so
 * throttling the vCPU slows it); "rate=0" (the default) is idle (halted
 * with interrupts off). "pages=N" sets the area (default 65536 pages,
 * 256 MiB; the guest needs 16 MiB more RAM than the area). Prints
 * "dirtier: rate N pages M" once and "tick N" every second when paced.
 */
#include "lib/guest.h"

#define AREA_BASE   (16ull << 20)
#define STEP_TSC    20000000ull     /* 10 ms at Kite's and QEMU's 2 GHz */
#define RATE_MAX    0xffffffffu

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return lo | ((uint64_t)hi << 32);
}

/* The value of "key=" on the command line: a number or "max". */
static unsigned opt(const MultibootInfo *mbi, const char *key, unsigned def)
{
    const char *s = mbi && (mbi->flags & 4) ?
                    (const char *)(uintptr_t)mbi->cmdline : "";
    size_t k = strlen(key);

    for (; *s; s++) {
        unsigned v = 0;
        if (memcmp(s, key, k) || s[k] != '=') {
            continue;
        }
        s += k + 1;
        if (!memcmp(s, "max", 3)) {
            return RATE_MAX;
        }
        for (; *s >= '0' && *s <= '9'; s++) {
            v = v * 10 + (unsigned)(*s - '0');
        }
        return v;
    }
    return def;
}

static void dirty_max(uint64_t pages)
{
    for (uint64_t n = 1;; n++) {
        for (uint64_t p = 0; p < pages; p++) {
            *(volatile uint64_t *)(uintptr_t)(AREA_BASE + p * 4096) = n;
        }
    }
}

int main(const MultibootInfo *mbi)
{
    unsigned rate = opt(mbi, "rate", 0);
    uint64_t pages = opt(mbi, "pages", 65536);
    uint64_t page = 0, next = rdtsc(), steps = 0;

    printf("dirtier: rate %u pages %lu\n", rate, (unsigned long)pages);
    if (!rate || !pages) {
        for (;;) {
            __asm__ volatile("cli; hlt");
        }
    }
    if (rate == RATE_MAX) {
        dirty_max(pages);
    }
    for (;;) {
        for (unsigned i = 0; i < rate; i++) {
            volatile uint64_t *w = (volatile uint64_t *)(uintptr_t)
                (AREA_BASE + page * 4096);
            *w = steps + 1;
            page = (page + 1) % pages;
        }
        next += STEP_TSC;
        while (rdtsc() < next) {
        }
        if (++steps % 100 == 0) {
            printf("tick %lu\n", (unsigned long)(steps / 100));
        }
    }
}
