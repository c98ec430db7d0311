/*
 * rep-bulk.c - REP MOVS / REP STOS where Kite's TCG copies or fills a
 * page at a time in host memory (cpu/x86/string_helper.c), against an
 * element-by-element model: forward copies whose destination overlaps
 * the source from above (the element order shows: a pattern repeats),
 * overlaps inside one element, fills with patterns that are not one byte
 * repeated, elements across page edges, 32-bit address size with high
 * register bits set, a #PF in the middle of a copy (rCX/rSI/rDI at the
 * faulting element, CR2, the bytes before it written), and copies over
 * code that already ran (the new code runs).
 */
#include "lib/guest.h"

#define P   0x001ull
#define W   0x002ull

#define VBASE     0x8000000000ull      /* PML4 slot 1: our own tables */
#define VPAGE(n)  (VBASE + (n) * 0x1000ull)
#define FRAME(n)  (0x3800000ull + (n) * 0x1000ull)

#define AREA      ((uint8_t *)(uintptr_t)0x2800000)
#define MODEL     ((uint8_t *)(uintptr_t)0x3000000)
#define LEN       10500

static volatile uint64_t pdpt_t[512] __attribute__((aligned(4096)));
static volatile uint64_t pd_t[512] __attribute__((aligned(4096)));
static volatile uint64_t pt_t[512] __attribute__((aligned(4096)));
static uint8_t code[8192] __attribute__((aligned(4096)));

static void seed(uint8_t *p, unsigned n, unsigned k)
{
    volatile uint8_t *v = p;
    for (unsigned i = 0; i < n; i++) {
        v[i] = (uint8_t)(i * 7 + k + (i >> 8));
    }
}

static uint64_t checksum(const uint8_t *p, unsigned n)
{
    uint64_t h = 1469598103934665603ull;
    for (unsigned i = 0; i < n; i++) {
        h = (h ^ p[i]) * 1099511628211ull;
    }
    return h;
}

/* The model: element by element, each one loaded then stored. */
static void model_movs(uint8_t *d, const uint8_t *s, unsigned size,
                       unsigned count)
{
    volatile uint8_t *vd = d;
    const volatile uint8_t *vs = s;
    uint8_t e[8];

    for (unsigned i = 0; i < count; i++) {
        for (unsigned b = 0; b < size; b++) {
            e[b] = vs[i * size + b];
        }
        for (unsigned b = 0; b < size; b++) {
            vd[i * size + b] = e[b];
        }
    }
}

static void rep_movs(unsigned size, void *d, const void *s, uint64_t c)
{
    switch (size) {
    case 1: __asm__ volatile("cld; rep movsb" : "+D"(d), "+S"(s), "+c"(c)
                             : : "memory"); break;
    case 2: __asm__ volatile("cld; rep movsw" : "+D"(d), "+S"(s), "+c"(c)
                             : : "memory"); break;
    case 4: __asm__ volatile("cld; rep movsl" : "+D"(d), "+S"(s), "+c"(c)
                             : : "memory"); break;
    default: __asm__ volatile("cld; rep movsq" : "+D"(d), "+S"(s), "+c"(c)
                              : : "memory"); break;
    }
}

/* Copies inside AREA at (src, dst) offsets, checked against the model. */
static void movs_case(unsigned size, unsigned soff, unsigned doff,
                      unsigned count)
{
    int same;

    seed(AREA, LEN, size + soff);
    seed(MODEL, LEN, size + soff);
    rep_movs(size, AREA + doff, AREA + soff, count);
    model_movs(MODEL + doff, MODEL + soff, size, count);
    same = memcmp(AREA, MODEL, LEN) == 0;
    printf("movs%u src +%u dst +%u count %u: as the model %d, checksum %lx\n",
           size, soff, doff, count, same, checksum(AREA, LEN));
    check(same, "rep movs against the model");
}

static void stos_case(unsigned doff, uint64_t val)
{
    uint8_t *d = AREA + doff;
    uint64_t c = 2500;

    memset(AREA, 0xee, LEN);
    __asm__ volatile("cld; rep stosw" : "+D"(d), "+c"(c) : "a"(val)
                     : "memory");
    printf("stosw %lx at +%u: rcx %lu, rdi +%lu, checksum %lx\n",
           val & 0xffff, doff, c, (uint64_t)(d - AREA), checksum(AREA, LEN));
    d = AREA + doff;
    c = 800;
    __asm__ volatile("cld; rep stosq" : "+D"(d), "+c"(c) : "a"(val)
                     : "memory");
    printf("stosq %lx at +%u: rdi +%lu, checksum %lx\n", val, doff,
           (uint64_t)(d - AREA), checksum(AREA, LEN));
}

/* addr32: only ESI/EDI/ECX count, and the writes clear the high halves. */
static void addr32_case(void)
{
    uint64_t d = 0xabcd000000000000ull | (uintptr_t)(AREA + 8192 + 3);
    uint64_t s = 0x1234000000000000ull | (uintptr_t)(AREA + 100);
    uint64_t c = 0x5555000000000000ull | 2000;

    seed(AREA, LEN, 9);
    __asm__ volatile("cld; addr32 rep movsb" : "+D"(d), "+S"(s), "+c"(c)
                     : : "memory");
    printf("addr32 movsb: rcx %lx rsi %lx rdi %lx, copied %d\n", c,
           s - (uintptr_t)AREA, d - (uintptr_t)AREA,
           memcmp(AREA + 8192 + 3, AREA + 100, 2000) == 0);
}

static void paging_init(void)
{
    uint64_t cr3;
    volatile uint64_t *pml4;

    __asm__ volatile("movq %%cr3, %0" : "=r"(cr3));
    pml4 = (volatile uint64_t *)(uintptr_t)(cr3 & ~0xfffull);
    pml4[1] = (uint64_t)(uintptr_t)pdpt_t | P | W;
    pdpt_t[0] = (uint64_t)(uintptr_t)pd_t | P | W;
    pd_t[0] = (uint64_t)(uintptr_t)pt_t | P | W;
    pt_t[0] = FRAME(0) | P | W;
    pt_t[1] = 0;                                /* not present */
    pt_t[2] = FRAME(2) | P | W;
    __asm__ volatile("movq %%cr3, %%rax\n\tmovq %%rax, %%cr3"
                     : : : "rax", "memory");
}

/* movsq into VPAGE(0) up to the absent VPAGE(1): two elements land. */
static void fault_case(void)
{
    uint64_t d = VPAGE(1) - 16, s = (uintptr_t)AREA, c = 10;
    const TrapRecord *t;

    paging_init();
    seed(AREA, 256, 3);
    memset((void *)(uintptr_t)FRAME(0), 0, 4096);
    trap_clear();
    EXPECT_FAULT("cld; rep movsq", : "+D"(d), "+S"(s), "+c"(c) : : "memory");
    t = trap_last();
    printf("#PF mid-copy: vector %lu error %lx cr2 %lx, rcx %lu, "
           "rsi +%lu, rdi %lx, copied %d\n", t->vector, t->error, t->cr2, c,
           s - (uintptr_t)AREA, d,
           memcmp((void *)(uintptr_t)(FRAME(0) + 4080), AREA, 16) == 0);
}

/* Code copied with rep movsb over code that ran: the new code runs. */
static void smc_case(void)
{
    static const uint8_t one[] = { 0xb8, 1, 0, 0, 0, 0xc3 };   /* mov eax,1; ret */
    static const uint8_t two[] = { 0xb8, 2, 0, 0, 0, 0xc3 };
    int (*fn)(void) = (int (*)(void))(uintptr_t)(code + 4090);
    int a, b;

    rep_movs(1, code + 4090, one, sizeof(one));
    a = fn();
    rep_movs(1, code + 4090, two, sizeof(two));
    b = fn();
    printf("code rewritten by rep movsb: %d then %d\n", a, b);
}

int main(const MultibootInfo *mbi)
{
    (void)mbi;
    movs_case(1, 100, 101, 5000);       /* the first byte repeats */
    movs_case(1, 0, 4000, 6000);        /* repeats with period 4000 */
    movs_case(8, 0, 3, 2000);           /* overlap inside an element */
    movs_case(8, 5, 4090, 700);         /* elements across page edges */
    movs_case(4, 4096, 2, 1500);        /* downward overlap */
    movs_case(2, 1, 1, 3000);           /* onto itself */
    movs_case(8, 8192, 0, 1024);        /* no overlap, page aligned */
    stos_case(4095, 0x1234);
    stos_case(8, 0);
    stos_case(3, 0x0102030405060708ull);
    addr32_case();
    fault_case();
    smc_case();
    return check_failures() ? EXIT_CHECK_FAILED : 0x23;
}
