/*
 * m32-paging.c - 32-bit paging (non-PAE with PSE 4 MiB pages) and PAE
 * paging with NX (Intel SDM vol. 3A, 4.3 "32-bit Paging", 4.4 "PAE
 * Paging", 4.7 "Page-Fault Exceptions", 4.8 "Accessed and Dirty Flags",
 * 4.10.4 "Invalidation of TLBs"): translations through 4 KiB and large
 * pages, A and D bits set by the CPU, INVLPG and CR3 reloads making a
 * changed mapping visible, CR4.PGE toggling flushing a global entry,
 * CR0.WP, U/S from ring 3, and the #PF error code bits (P, W/R, U/S, RSVD,
 * I/D) with CR2 for each.
 *
 * GUEST-SKIP kvm: this host's KVM triple-faults on 32-bit non-PAE paging and emulates 32-bit code one instruction at a time
 */
#include "lib/guest32.h"

#define P   0x001u
#define W   0x002u
#define U   0x004u
#define A   0x020u
#define D   0x040u
#define PS  0x080u
#define G   0x100u
#define NX  (1ull << 63)

#define FRAME(n)  (0x300000u + (n) * 0x1000u)   /* physical test frames */
#define VBASE     0x400000u                     /* 4 KiB-mapped window */
#define VPAGE(n)  (VBASE + (n) * 0x1000u)
#define VLARGE    0x800000u                     /* large page -> phys 0 */

#define CR0_WP  0x00010000u
#define CR0_PG  0x80000000u
#define CR4_PSE 0x10u
#define CR4_PAE 0x20u
#define CR4_PGE 0x80u
#define MSR_EFER 0xc0000080u
#define EFER_NXE 0x800u

static volatile uint32_t pd[1024] __attribute__((aligned(4096)));
static volatile uint32_t pt[1024] __attribute__((aligned(4096)));
static volatile uint64_t pdpt[4] __attribute__((aligned(32)));
static volatile uint64_t pae_pd[512] __attribute__((aligned(4096)));
static volatile uint64_t pae_pt[512] __attribute__((aligned(4096)));
static uint32_t user_stack[512] __attribute__((aligned(16)));
static int pae;

/* Ring-3 results: error codes and CR2 of the faults it took. */
static volatile uint32_t r3_count, r3_err[4], r3_cr2[4], r3_value;

/* Instruction fetch probe: calls addr; a #PF at addr resumes at
 * fetch_back with the stack restored. */
uint32_t fetch_target;
uint32_t fetch_probe(uint32_t addr);
extern char fetch_back[];
__asm__(".globl fetch_probe\n"
        "fetch_probe:\n\t"
        "pushl %esi\n\t"
        "movl %esp, %esi\n\t"
        "movl 8(%esp), %eax\n\t"
        "movl %eax, fetch_target\n\t"
        "call *%eax\n"
        ".globl fetch_back\n"
        "fetch_back:\n\t"
        "movl %esi, %esp\n\t"
        "popl %esi\n\t"
        "ret\n");

static inline void write_cr0(uint32_t v)
{
    __asm__ volatile("mov %0, %%cr0" : : "r"(v) : "memory");
}

static inline void write_cr3(uint32_t v)
{
    __asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory");
}

static inline void write_cr4(uint32_t v)
{
    __asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory");
}

static inline void invlpg(uint32_t v)
{
    __asm__ volatile("invlpg (%0)" : : "r"(v) : "memory");
}

static inline uint32_t peek(uint32_t v)
{
    return *(volatile uint32_t *)(uintptr_t)v;
}

static inline void poke(uint32_t v, uint32_t x)
{
    *(volatile uint32_t *)(uintptr_t)v = x;
}

static void wrmsr32(uint32_t msr, uint64_t v)
{
    __asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v),
                     "d"((uint32_t)(v >> 32)));
}

/* Sets the PTE for window page n (either format). */
static void map(int n, uint64_t phys_flags)
{
    if (pae) {
        pae_pt[n] = phys_flags;
    } else {
        pt[n] = (uint32_t)phys_flags;
    }
}

static uint64_t pte(int n)
{
    return pae ? pae_pt[n] : pt[n];
}

static int on_fetch_fault(TrapFrame32 *f)
{
    if (f->eip != fetch_target || !fetch_target) {
        return 0;
    }
    trap_clear();
    ((TrapRecord *)trap_last())->count = 1;
    ((TrapRecord *)trap_last())->vector = 14;
    ((TrapRecord *)trap_last())->error = f->error;
    ((TrapRecord *)trap_last())->cr2 = read_cr2_32();
    fetch_target = 0;
    f->eip = (uint32_t)(uintptr_t)fetch_back;
    return 1;
}

static void report_pf(const char *what, uint32_t error, uint32_t cr2)
{
    const TrapRecord *t = trap_last();

    printf("%-30s caught %u, vector %u, error 0x%x, cr2 0x%x\n", what,
           (unsigned)t->count, (unsigned)t->vector, (unsigned)t->error,
           (unsigned)t->cr2);
    check(t->count == 1 && t->vector == 14 && t->error == error &&
          t->cr2 == cr2, what);
    trap_clear();
}

static void fault_read(uint32_t v)
{
    uint32_t x = 0;
    EXPECT_FAULT("movl (%1), %0", : "+r"(x) : "r"(v) : "memory");
}

static void fault_write(uint32_t v)
{
    EXPECT_FAULT("movl $0x77, (%0)", : : "r"(v) : "memory");
}

static void fill_frames(void)
{
    for (int i = 0; i < 3; i++) {
        uint32_t *f = (uint32_t *)(uintptr_t)FRAME(i);
        for (int j = 0; j < 1024; j++) {
            f[j] = 0x11111111u * (i + 1);
        }
    }
    /* FRAME(2) starts with "ret" so a fetch from it returns. */
    *(uint8_t *)(uintptr_t)FRAME(2) = 0xc3;
}

static void test_translation(const char *mode)
{
    map(0, FRAME(0) | P | W);
    invlpg(VPAGE(0));
    printf("%s: read page 0 -> 0x%x\n", mode, peek(VPAGE(0) + 8));
    printf("%s: pte A %u D %u after a read\n", mode,
           (unsigned)!!(pte(0) & A), (unsigned)!!(pte(0) & D));
    poke(VPAGE(0) + 8, 0x11111111u);
    printf("%s: pte A %u D %u after a write\n", mode,
           (unsigned)!!(pte(0) & A), (unsigned)!!(pte(0) & D));
    map(0, FRAME(1) | P | W);
    invlpg(VPAGE(0));
    printf("%s: after remap + invlpg -> 0x%x\n", mode, peek(VPAGE(0)));
    map(0, FRAME(0) | P | W);
    __asm__ volatile("mov %%cr3, %%eax\n\tmov %%eax, %%cr3"
                     : : : "eax", "memory");
    printf("%s: after remap + cr3 reload -> 0x%x\n", mode, peek(VPAGE(0)));

    /* Global page: survives nothing we rely on, but a CR4.PGE toggle
     * must flush it. */
    map(1, FRAME(0) | P | W | G);
    invlpg(VPAGE(1));
    peek(VPAGE(1));
    map(1, FRAME(1) | P | W | G);
    write_cr4(read_cr4_32() & ~CR4_PGE);
    write_cr4(read_cr4_32() | CR4_PGE);
    printf("%s: global remap + pge toggle -> 0x%x\n", mode, peek(VPAGE(1)));
}

static void test_faults(const char *mode)
{
    map(2, 0);
    invlpg(VPAGE(2));
    fault_read(VPAGE(2) + 4);
    report_pf("not present read", 0, VPAGE(2) + 4);
    fault_write(VPAGE(2) + 8);
    report_pf("not present write", 2, VPAGE(2) + 8);
    map(3, FRAME(1) | P);
    invlpg(VPAGE(3));
    fault_write(VPAGE(3) + 12);
    report_pf("write to read-only, WP=1", 3, VPAGE(3) + 12);
    write_cr0(read_cr0_32() & ~CR0_WP);
    fault_write(VPAGE(3) + 12);
    printf("write to read-only, WP=0: faults %u, value 0x%x\n",
           (unsigned)trap_last()->count, peek(VPAGE(3) + 12));
    trap_clear();
    write_cr0(read_cr0_32() | CR0_WP);
    fetch_probe(VPAGE(2));
    report_pf(pae ? "fetch not present (NXE)" : "fetch not present", pae ?
              0x10 : 0, VPAGE(2));
    map(4, FRAME(2) | P);
    invlpg(VPAGE(4));
    fetch_probe(VPAGE(4));
    printf("%s: fetch from an executable page: faults %u\n", mode,
           (unsigned)trap_last()->count);
    trap_clear();
}

static void ring3_body(void)
{
    /* Page 5: supervisor; page 6: user read-only; page 7: user rw. */
    EXPECT_FAULT("movl (%0), %%eax", : : "r"(VPAGE(5)) : "eax", "memory");
    EXPECT_FAULT("movl $1, (%0)", : : "r"(VPAGE(5)) : "memory");
    EXPECT_FAULT("movl $1, 4(%0)", : : "r"(VPAGE(6)) : "memory");
    EXPECT_FAULT("movl (%0), %%eax", : : "r"(VPAGE(9)) : "eax", "memory");
    r3_value = peek(VPAGE(7));
    __asm__ volatile(RING3_EXIT);
}

static int on_ring3_pf(TrapFrame32 *f)
{
    if ((f->cs & 3) == 3 && r3_count < 4) {
        r3_err[r3_count] = f->error;
        r3_cr2[r3_count] = read_cr2_32();
        r3_count++;
    }
    return on_fetch_fault(f);
}

static void test_user(const char *mode)
{
    static const char *what[4] = { "read supervisor", "write supervisor",
                                   "write user read-only",
                                   "read not present" };

    map(5, FRAME(0) | P | W);
    map(6, FRAME(0) | P | U);
    map(7, FRAME(1) | P | W | U);
    map(9, 0);
    for (int i = 5; i <= 9; i++) {
        invlpg(VPAGE(i));
    }
    r3_count = 0;
    trap32_set_handler(14, on_ring3_pf);
    run_ring3(ring3_body, (uint32_t)(uintptr_t)(user_stack + 512));
    trap32_set_handler(14, on_fetch_fault);
    trap_clear();
    for (uint32_t i = 0; i < r3_count; i++) {
        printf("%s: ring 3 %-22s error 0x%x, cr2 0x%x\n", mode, what[i],
               r3_err[i], r3_cr2[i]);
    }
    printf("%s: ring 3 read of a user page -> 0x%x\n", mode, r3_value);
    check(r3_count == 4 && r3_err[0] == 5 && r3_err[1] == 7 &&
          r3_err[2] == 7 && r3_err[3] == 4, "user faults");
}

static void test_nonpae(void)
{
    pd[0] = 0 | P | W | U | PS;                 /* 0..4 MiB identity */
    pd[1] = (uint32_t)(uintptr_t)pt | P | W | U;
    pd[2] = 0 | P | W | PS | G;                 /* 8 MiB -> phys 0 */
    write_cr3((uint32_t)(uintptr_t)pd);
    write_cr4(read_cr4_32() | CR4_PSE | CR4_PGE);
    write_cr0(read_cr0_32() | CR0_PG | CR0_WP);
    printf("non-PAE paging on, cr0 pg %u\n", read_cr0_32() >> 31);

    test_translation("32-bit");
    printf("32-bit: 4 MiB page read -> 0x%x\n", peek(VLARGE + FRAME(1)));
    printf("32-bit: pde A %u D %u after a read\n", !!(pd[2] & A),
           !!(pd[2] & D));
    poke(VLARGE + FRAME(1) + 16, 0x22222222u);
    printf("32-bit: pde A %u D %u after a write\n", !!(pd[2] & A),
           !!(pd[2] & D));
    printf("32-bit: page-table pde A %u\n", !!(pd[1] & A));
    test_faults("32-bit");
    test_user("32-bit");
    write_cr0(read_cr0_32() & ~CR0_PG);
}

static void test_pae(void)
{
    pae = 1;
    for (int i = 0; i < 512; i++) {
        pae_pt[i] = 0;
    }
    pdpt[0] = (uint32_t)(uintptr_t)pae_pd | P;
    pae_pd[0] = 0 | P | W | U | PS;             /* 0..2 MiB */
    pae_pd[1] = 0x200000 | P | W | U | PS;      /* 2..4 MiB */
    pae_pd[2] = (uint32_t)(uintptr_t)pae_pt | P | W | U;
    pae_pd[4] = 0 | P | W | PS;                 /* 8 MiB -> phys 0 */
    pae_pd[5] = 0x200000 | P | W | PS;
    write_cr4(read_cr4_32() | CR4_PAE);
    write_cr3((uint32_t)(uintptr_t)pdpt);
    wrmsr32(MSR_EFER, EFER_NXE);
    write_cr0(read_cr0_32() | CR0_PG);
    printf("PAE paging on\n");

    test_translation("PAE");
    printf("PAE: 2 MiB page read -> 0x%x\n", peek(VLARGE + FRAME(0)));
    test_faults("PAE");

    map(8, FRAME(2) | P | NX);
    invlpg(VPAGE(8));
    fetch_probe(VPAGE(8));
    report_pf("fetch from an NX page", 0x11, VPAGE(8));
    printf("PAE: read of an NX page -> 0x%x\n", peek(VPAGE(8) + 4));
    map(8, FRAME(2) | P | (1ull << 51));
    invlpg(VPAGE(8));
    fault_read(VPAGE(8) + 4);
    report_pf("reserved bit 51", 9, VPAGE(8) + 4);
    map(8, FRAME(2) | P | W | NX);
    invlpg(VPAGE(8));
    wrmsr32(MSR_EFER, 0);
    fault_write(VPAGE(8));
    report_pf("NX bit with EFER.NXE=0", 0xb, VPAGE(8));
    wrmsr32(MSR_EFER, EFER_NXE);
    test_user("PAE");
    write_cr0(read_cr0_32() & ~CR0_PG);
}

int main(const MultibootInfo *mbi)
{
    fill_frames();
    trap32_set_handler(14, on_fetch_fault);
    test_nonpae();
    test_pae();
    printf("m32-paging: %s\n", check_failures() ? "FAILED" : "ok");
    return check_failures() ? 1 : 0x12;
}
