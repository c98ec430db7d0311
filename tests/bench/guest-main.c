/*
 * guest-main.c - the guest side of `make bench`: a multiboot kernel (the
 * runtime of tests/guest/lib enters long mode) that runs one kernel from
 * kernels.c and prints its checksum on COM1.
 *
 * The kernel is chosen at build time (BENCH_KERNEL, one ELF per kernel,
 * so no engine depends on command-line passing); "empty" measures boot
 * and exit alone. A multiboot command line containing "scale=N" overrides
 * the repetition count (for short profiling runs). The work area is the
 * identity-mapped RAM from 16 MiB up, so the benchmark needs -m 32 or
 * more; nothing large lives in .bss, which the runtime clears at boot.
 */
#include "lib/guest.h"
#include "kernels.h"

#ifndef BENCH_KERNEL
#error "BENCH_KERNEL must name the kernel to run"
#endif

#define BENCH_WORK_BASE (16u << 20)
#define MB_FLAG_CMDLINE (1u << 2)
#define BENCH_MIN_MEM_KIB ((BENCH_WORK_BASE + BENCH_WORK_SIZE) / 1024)

extern char __bss_end[];

/* The floating-point kernels need what an OS gives a process: the x87
   (CR0.MP and NE set, EM and TS clear) and SSE (CR4.OSFXSR, OSXMMEXCPT);
   the runtime sets up general registers only. */
static void bench_enable_fpu(void)
{
    set_cr0((get_cr0() & ~(uint64_t)0xc) | 0x22);
    set_cr4(get_cr4() | 0x600);
    __asm__ volatile("fninit");
}

/* The value after "scale=" in the command line, or dflt. */
static uint32_t cmdline_scale(const MultibootInfo *mbi, uint32_t dflt)
{
    static const char key[] = "scale=";
    const char *s;
    uint32_t v = 0;

    if (!mbi || !(mbi->flags & MB_FLAG_CMDLINE) || !mbi->cmdline) {
        return dflt;
    }
    for (s = (const char *)(uintptr_t)mbi->cmdline; *s; s++) {
        size_t i = 0;
        while (key[i] && s[i] == key[i]) {
            i++;
        }
        if (!key[i]) {
            s += i;
            while (*s >= '0' && *s <= '9' && v < 100000000u) {
                v = v * 10 + (uint32_t)(*s++ - '0');
            }
            return v ? v : dflt;
        }
    }
    return dflt;
}

int main(const MultibootInfo *mbi)
{
    const BenchKernel *k = bench_kernel_find(BENCH_KERNEL);
    uint32_t scale;
    uint32_t sum;

    if (!k) {
        printf("bench: unknown kernel %s\n", BENCH_KERNEL);
        return 2;
    }
    if ((uintptr_t)__bss_end > BENCH_WORK_BASE) {
        printf("bench: image overlaps the work area\n");
        return 3;
    }
    if (k->run && mbi && (mbi->flags & 1) &&
        mbi->mem_upper + 1024 < BENCH_MIN_MEM_KIB) {
        printf("bench: needs %u KiB of RAM\n", BENCH_MIN_MEM_KIB);
        return 4;
    }
    bench_enable_fpu();
    scale = cmdline_scale(mbi, k->default_scale);
    sum = bench_kernel_run(k, (uint8_t *)(uintptr_t)BENCH_WORK_BASE,
                           BENCH_WORK_SIZE, scale);
    printf("bench %s scale=%u checksum=%08x\n", k->name, scale, sum);
    return 0;
}
