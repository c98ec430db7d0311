/*
 * dirtier.c - the migration benchmark's guest: writes one word in each of
 * RATE pages of a 256 MiB area (from 16 MiB up) every 10 ms of guest TSC
 * time, round-robin, so it dirties RATE * 100 pages per second whatever
 * the emulator's speed; "rate=0" on the command line (-append) makes it
 * idle (halted with interrupts off). Prints "dirtier: rate N" once and
 * "tick N" every second. Needs -m 512 or more.
 */
#include "lib/guest.h"

#define AREA_BASE   (16ull << 20)
#define AREA_PAGES  ((256ull << 20) / 4096)
#define STEP_TSC    20000000ull     /* 10 ms at Kite's and QEMU's 2 GHz */

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return lo | ((uint64_t)hi << 32);
}

static unsigned parse_rate(const MultibootInfo *mbi)
{
    const char *s = mbi && (mbi->flags & 4) ?
                    (const char *)(uintptr_t)mbi->cmdline : "";
    unsigned v = 0;

    for (; *s; s++) {
        if (s[0] == 'r' && s[1] == 'a' && s[2] == 't' && s[3] == 'e' &&
            s[4] == '=') {
            for (s += 5; *s >= '0' && *s <= '9'; s++) {
                v = v * 10 + (unsigned)(*s - '0');
            }
            break;
        }
    }
    return v;
}

int main(const MultibootInfo *mbi)
{
    unsigned rate = parse_rate(mbi);
    uint64_t page = 0, next = rdtsc(), steps = 0;

    printf("dirtier: rate %u\n", rate);
    if (!rate) {
        for (;;) {
            __asm__ volatile("cli; hlt");
        }
    }
    for (;;) {
        for (unsigned i = 0; i < rate; i++) {
            volatile uint64_t *w = (volatile uint64_t *)(uintptr_t)
                (AREA_BASE + page * 4096);
            *w = steps + 1;
            page = (page + 1) % AREA_PAGES;
        }
        next += STEP_TSC;
        while (rdtsc() < next) {
        }
        if (++steps % 100 == 0) {
            printf("tick %lu\n", (unsigned long)(steps / 100));
        }
    }
}
