/*
 * counter.c - the migration tests' guest: counts to COUNTER_END, printing
 * "count N" per step, and checks at every step that nothing it holds was
 * lost or changed underneath it: a 1 MiB buffer whose pages carry the
 * previous step's number, the same counter kept in XMM7 and in ST(0)
 * (FPU/SSE state), and a TSC that never goes back or jumps ahead by more
 * than MAX_TSC_STEP cycles. A step lasts STEP_TSC cycles of the TSC
 * (about 10 ms), so a run takes about 4 s whatever the TCG backend; the
 * guest waits for it halted, woken by the local APIC timer every 1 ms
 * (so the timer must go on after a restore, or the guest hangs). Any problem is printed as "BAD ..." and the
 * exit value becomes 0x13; a clean run leaves with 0x10 (status 33).
 * Saved and restored (or migrated) mid-run, its output must read like a
 * single run.
 */
#include "lib/sys64.h"

#define COUNTER_END   400
#define BUF_PAGES     256
/* a step every 10 ms of guest time (Kite's and QEMU's TSC: 2 GHz or so) */
#define STEP_TSC      20000000ull
/* 30 s between two steps is a jump of the clock, not a slow host */
#define MAX_TSC_STEP  60000000000ull

static uint8_t buf[BUF_PAGES * 4096] __attribute__((aligned(4096)));
static int bad;

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return lo | ((uint64_t)hi << 32);
}

#define LAPIC_BASE       0xfee00000ull
#define LAPIC_EOI        0x0b0
#define LAPIC_SVR        0x0f0
#define LAPIC_LVT_TIMER  0x320
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_DIV  0x3e0
#define VEC_TICK         0x50

static volatile uint32_t ticks;

static void lapic_set(uint32_t reg, uint32_t v)
{
    *(volatile uint32_t *)(uintptr_t)(LAPIC_BASE + reg) = v;
}

void tick_handle(void);
void tick_handle(void)
{
    ticks++;
    lapic_set(LAPIC_EOI, 0);
}

__asm__(".globl tick_stub\n"
        "tick_stub:\n\t"
        "pushq %rax; pushq %rcx; pushq %rdx; pushq %rsi; pushq %rdi\n\t"
        "pushq %r8; pushq %r9; pushq %r10; pushq %r11\n\t"
        "cld\n\t"
        "call tick_handle\n\t"
        "popq %r11; popq %r10; popq %r9; popq %r8\n\t"
        "popq %rdi; popq %rsi; popq %rdx; popq %rcx; popq %rax\n\t"
        "iretq\n");
void tick_stub(void);

/* The local APIC timer, periodic, about every millisecond. */
static void tick_setup(void)
{
    gate_set(VEC_TICK, tick_stub, 0);
    lapic_set(LAPIC_SVR, 0x1ff);
    lapic_set(LAPIC_TIMER_DIV, 0x0b);                   /* divide by 1 */
    lapic_set(LAPIC_LVT_TIMER, (1u << 17) | VEC_TICK);  /* periodic */
    lapic_set(LAPIC_TIMER_INIT, 1000000);
}

static void fpu_setup(void)
{
    set_cr0((get_cr0() & ~(1ull << 2)) | (1ull << 1));  /* MP, no EM */
    set_cr4(get_cr4() | (1ull << 9) | (1ull << 10));      /* OSFXSR */
    __asm__ volatile("fninit; fldz; pxor %%xmm7, %%xmm7" ::: "memory");
}

/* ST(0) += 1, XMM7 += 1; returns both for comparison. */
static void regs_step(uint64_t *x, uint64_t *f)
{
    static const uint64_t one[2] __attribute__((aligned(16))) = { 1, 0 };
    uint64_t fv;

    __asm__ volatile("paddq %1, %%xmm7; movq %%xmm7, %0"
                     : "=r"(*x) : "m"(one) : "memory");
    __asm__ volatile("fld1; faddp; fld %%st(0); fistpll %0" : "=m"(fv)
                     :: "memory");
    *f = fv;
}

static void check_buf(unsigned n)
{
    for (unsigned p = 0; p < BUF_PAGES; p++) {
        volatile uint32_t *w = (volatile uint32_t *)(buf + p * 4096);
        if (n && (w[0] != n - 1 || w[1023] != ~(n - 1))) {
            printf("BAD page %u at step %u: %x %x\n", p, n, w[0], w[1023]);
            bad = 1;
        }
        w[0] = n;
        w[1023] = ~n;
    }
}

/* "nofpu" on the command line: no x87/SSE (for KVMs that cannot). */
static int want_fpu(const MultibootInfo *mbi)
{
    const char *s = mbi && (mbi->flags & 4) ?
                    (const char *)(uintptr_t)mbi->cmdline : "";

    for (; *s; s++) {
        if (!memcmp(s, "nofpu", 5)) {
            return 0;
        }
    }
    return 1;
}

int main(const MultibootInfo *mbi)
{
    uint64_t last = rdtsc();
    int fpu = want_fpu(mbi);

    if (fpu) {
        fpu_setup();
    }
    tick_setup();
    printf("counter: start\n");
    for (unsigned n = 0; n < COUNTER_END; n++) {
        uint64_t x, f, t;

        check_buf(n);
        x = f = n + 1;
        if (fpu) {
            regs_step(&x, &f);
        }
        if (x != n + 1 || f != n + 1) {
            printf("BAD registers at step %u: xmm7 %lu st0 %lu\n", n,
                   (unsigned long)x, (unsigned long)f);
            bad = 1;
        }
        while ((t = rdtsc()) - last < STEP_TSC && t >= last) {
            __asm__ volatile("sti; hlt; cli" ::: "memory");
        }
        if (t < last || t - last > MAX_TSC_STEP) {
            printf("BAD tsc at step %u: %lu after %lu\n", n,
                   (unsigned long)t, (unsigned long)last);
            bad = 1;
        }
        last = t;
        printf("count %u\n", n);
    }
    lapic_set(LAPIC_TIMER_INIT, 0);
    if (ticks < COUNTER_END) {
        printf("BAD: only %u timer ticks\n", ticks);
        bad = 1;
    }
    printf("counter: done\n");
    return bad ? 0x13 : 0x10;
}
