/*
 * exceptions64.c - exceptions in 64-bit mode with their exact vectors,
 * error codes and CR2 (Intel SDM vol. 3A, 6.15 "Exception and Interrupt
 * Reference", 4.7 "Page-Fault Exceptions", 6.14.5 "Interrupt Stack
 * Table"): #DB from TF single-stepping (count and DR6.BS), #UD (LOCK NOP,
 * INTO, MOV CR1), #GP (bad MSR, reserved CR4 bit, null LTR, selector
 * error codes), #NP (selector), #DF (a #GP whose gate is not present) on
 * an IST stack, and 4-level paging: every #PF error code bit that ring 0
 * can produce (P, W/R, RSVD in a PTE and in a PML4E, I/D with NX), A/D
 * bits, CR0.WP and INVLPG after a remap. Runs natively under KVM.
 */
#include "lib/sys64.h"

#define P   0x001ull
#define W   0x002ull
#define A   0x020ull
#define D   0x040ull
#define PS  0x080ull
#define NX  (1ull << 63)

#define VBASE     0x8000000000ull      /* PML4 slot 1: our own tables */
#define VPAGE(n)  (VBASE + (n) * 0x1000ull)
#define FRAME(n)  (0x300000ull + (n) * 0x1000ull)

static volatile uint64_t pdpt_t[512] __attribute__((aligned(4096)));
static volatile uint64_t pd_t[512] __attribute__((aligned(4096)));
static volatile uint64_t pt_t[512] __attribute__((aligned(4096)));

/* Written by the assembly handlers below. */
volatile uint64_t db_count, db_dr6, df_count, df_err, df_rsp;
volatile uint64_t fetch_err, fetch_cr2, fetch_count;
void db_stub(void);
void df_stub(void);
void pf_fetch_stub(void);
uint64_t fetch_probe(uint64_t addr);

__asm__(".globl db_stub\n"
        "db_stub:\n\t"
        "pushq %rax\n\t"
        "incq db_count(%rip)\n\t"
        "movq %dr6, %rax\n\t"
        "movq %rax, db_dr6(%rip)\n\t"
        "movl $0xffff0ff0, %eax\n\t"
        "movq %rax, %dr6\n\t"
        "popq %rax\n\t"
        "iretq\n"
        /* #DF: record the error code and the stack, resume at df_resume. */
        ".globl df_stub\n"
        "df_stub:\n\t"
        "incq df_count(%rip)\n\t"
        "movq %rsp, df_rsp(%rip)\n\t"
        "popq df_err(%rip)\n\t"
        "movq $df_resume, (%rsp)\n\t"
        "iretq\n"
        /* uint64_t fetch_probe(addr): calls addr; a #PF there comes back
         * through pf_fetch_stub to fetch_back with the stack restored. */
        ".globl fetch_probe\n"
        "fetch_probe:\n\t"
        "pushq %rbx\n\t"
        "movq %rsp, %rbx\n\t"
        "call *%rdi\n"
        "fetch_back:\n\t"
        "movq %rbx, %rsp\n\t"
        "popq %rbx\n\t"
        "ret\n"
        ".globl pf_fetch_stub\n"
        "pf_fetch_stub:\n\t"
        "pushq %rax\n\t"
        "incq fetch_count(%rip)\n\t"
        "movq 8(%rsp), %rax\n\t"
        "movq %rax, fetch_err(%rip)\n\t"
        "movq %cr2, %rax\n\t"
        "movq %rax, fetch_cr2(%rip)\n\t"
        "popq %rax\n\t"
        "addq $8, %rsp\n\t"
        "movq $fetch_back, (%rsp)\n\t"
        "iretq\n");

static void report(const char *what, uint64_t vector, uint64_t error)
{
    const TrapRecord *t = trap_last();

    printf("%-30s caught %lu, vector %lu, error 0x%lx", what, t->count,
           t->vector, t->error);
    if (t->vector == 14) {
        printf(", cr2 0x%lx", t->cr2);
    }
    printf("\n");
    check(t->count == 1 && t->vector == vector && t->error == error, what);
    trap_clear();
}

static void test_single_step(void)
{
    gate_set(1, db_stub, 0);
    db_count = 0;
    __asm__ volatile("pushfq\n\t"
                     "orq $0x100, (%%rsp)\n\t"
                     "popfq\n\t"
                     "nop\n\t"
                     "movl $3, %%eax\n\t"
                     "addl %%eax, %%eax\n\t"
                     "pushfq\n\t"
                     "andq $~0x100, (%%rsp)\n\t"
                     "popfq\n\t"
                     "nop\n\t"
                     : : : "rax", "memory", "cc");
    gate_restore(1);
    printf("single-step: %lu #DB, DR6.BS %lu\n", db_count,
           (db_dr6 >> 14) & 1);
    check(db_count == 6, "single-step count");
}

static void test_simple_faults(void)
{
    uint32_t lo = 0, hi = 0;

    EXPECT_FAULT(".byte 0xf0, 0x90", : : : "memory");
    report("#UD lock nop", 6, 0);
    EXPECT_FAULT(".byte 0xce", : : : "memory");
    report("#UD into in 64-bit mode", 6, 0);
    EXPECT_FAULT(".byte 0x0f, 0x22, 0xc8", : : : "memory");
    report("#UD mov to cr1", 6, 0);
    EXPECT_FAULT("wrmsr", : : "c"(0x12345678), "a"(lo), "d"(hi) : "memory");
    report("#GP wrmsr to a bad MSR", 13, 0);
    EXPECT_FAULT("movq %%cr4, %%rax\n\tbtsq $15, %%rax\n\tmovq %%rax, %%cr4",
                 : : : "rax", "memory");
    report("#GP reserved CR4 bit", 13, 0);
    EXPECT_FAULT("ltr %w0", : : "r"(0) : "memory");
    report("#GP ltr null", 13, 0);
    EXPECT_FAULT("movw %w0, %%ds", : : "r"(SEL_ABSENT) : "memory");
    report("#NP ds not present", 11, SEL_ABSENT);
    EXPECT_FAULT("movw %w0, %%ds", : : "r"(SEL_XONLY) : "memory");
    report("#GP ds execute-only", 13, SEL_XONLY);
    EXPECT_FAULT("movw %w0, %%ss", : : "r"(SEL_TSS) : "memory");
    report("#GP ss system segment", 13, SEL_TSS);
    __asm__ volatile("movw %w0, %%ds" : : "r"(SEL_DATA));
}

__attribute__((noinline)) static void double_fault(void)
{
    __asm__ volatile("movw $0x1230, %%ax\n\t"
                     "movw %%ax, %%fs\n"
                     ".globl df_resume\n"
                     "df_resume:\n\t"
                     : : : "rax", "memory");
}

static void test_double_fault_and_ist(void)
{
    IdtGate64 *idt = idt_base();
    uint64_t top1 = tss64.ist[0];

    gate_set(8, df_stub, 1);
    idt[13].type &= 0x7f;                       /* #GP gate not present */
    double_fault();
    idt[13].type |= 0x80;
    gate_restore(8);
    printf("#DF: count %lu, error 0x%lx, on IST1 at top - 48: %u\n",
           df_count, df_err, df_rsp == top1 - 48);
    check(df_count == 1 && df_err == 0 && df_rsp == top1 - 48, "#DF");
}

static void invlpg(uint64_t v)
{
    __asm__ volatile("invlpg (%0)" : : "r"(v) : "memory");
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
    for (int i = 0; i < 4; i++) {
        volatile uint32_t *f = (volatile uint32_t *)(uintptr_t)FRAME(i);
        for (int j = 0; j < 1024; j++) {
            f[j] = 0x11111111u * (i + 1);
        }
    }
    *(volatile uint8_t *)(uintptr_t)FRAME(2) = 0xc3;   /* ret */
    __asm__ volatile("movq %%cr3, %%rax\n\tmovq %%rax, %%cr3"
                     : : : "rax", "memory");
    /* EFER.NXE */
    __asm__ volatile("rdmsr\n\tbtsl $11, %%eax\n\twrmsr"
                     : : "c"(0xc0000080) : "rax", "rdx", "memory");
}

static void map(int n, uint64_t pte)
{
    pt_t[n] = pte;
    invlpg(VPAGE(n));
}

static uint64_t peek(uint64_t v)
{
    return *(volatile uint32_t *)(uintptr_t)v;
}

static void fault_read(uint64_t v)
{
    uint64_t x = 0;
    EXPECT_FAULT("movq (%1), %0", : "+r"(x) : "r"(v) : "memory");
}

static void fault_write(uint64_t v)
{
    EXPECT_FAULT("movl $0x77, (%0)", : : "r"(v) : "memory");
}

static void report_fetch(const char *what, uint64_t error, uint64_t cr2)
{
    printf("%-30s caught %lu, error 0x%lx, cr2 0x%lx\n", what, fetch_count,
           fetch_err, fetch_cr2);
    check(fetch_count == 1 && fetch_err == error && fetch_cr2 == cr2, what);
    fetch_count = 0;
}

static void test_paging(void)
{
    volatile uint64_t *pml4;
    uint64_t cr3, v;

    paging_init();
    __asm__ volatile("movq %%cr0, %%rax\n\tbtsq $16, %%rax\n\t"
                     "movq %%rax, %%cr0" : : : "rax");          /* WP */
    map(0, FRAME(0) | P | W);
    v = peek(VPAGE(0) + 8);
    printf("4-level read -> 0x%lx, pte A %u D %u\n", v, !!(pt_t[0] & A),
           !!(pt_t[0] & D));
    *(volatile uint32_t *)(uintptr_t)VPAGE(0) = 0x11111111u;
    printf("after a write: pte A %u D %u, pde A %u, pdpte A %u\n",
           !!(pt_t[0] & A), !!(pt_t[0] & D), !!(pd_t[0] & A),
           !!(pdpt_t[0] & A));
    map(0, FRAME(1) | P | W);
    printf("remap + invlpg -> 0x%lx\n", peek(VPAGE(0)));

    fault_read(VPAGE(1) + 0x10);
    report("#PF not present read", 14, 0);
    fault_write(VPAGE(1) + 0x18);
    report("#PF not present write", 14, 2);
    map(2, FRAME(1) | P);
    fault_write(VPAGE(2) + 0x20);
    report("#PF write read-only", 14, 3);
    __asm__ volatile("movq %%cr0, %%rax\n\tbtrq $16, %%rax\n\t"
                     "movq %%rax, %%cr0" : : : "rax");
    fault_write(VPAGE(2) + 0x20);
    __asm__ volatile("movq %%cr0, %%rax\n\tbtsq $16, %%rax\n\t"
                     "movq %%rax, %%cr0" : : : "rax");
    printf("write read-only with WP=0: faults %lu, value 0x%lx\n",
           trap_last()->count, peek(VPAGE(2) + 0x20));
    trap_clear();
    map(3, FRAME(1) | P | (1ull << 51));
    fault_read(VPAGE(3) + 0x28);
    report("#PF reserved PTE bit 51", 14, 9);
    fault_write(VPAGE(3) + 0x28);
    report("#PF reserved bit, write", 14, 0xb);

    gate_set(14, pf_fetch_stub, 0);
    map(4, FRAME(2) | P | NX);
    fetch_probe(VPAGE(4));
    report_fetch("#PF fetch from NX page", 0x11, VPAGE(4));
    map(5, 0);
    fetch_probe(VPAGE(5));
    report_fetch("#PF fetch not present", 0x10, VPAGE(5));
    map(6, FRAME(2) | P);
    fetch_probe(VPAGE(6));
    printf("fetch from an executable page: faults %lu\n", fetch_count);
    gate_restore(14);

    __asm__ volatile("movq %%cr3, %0" : "=r"(cr3));
    pml4 = (volatile uint64_t *)(uintptr_t)(cr3 & ~0xfffull);
    pml4[1] |= PS;
    __asm__ volatile("movq %%cr3, %%rax\n\tmovq %%rax, %%cr3"
                     : : : "rax", "memory");
    fault_read(VPAGE(0));
    report("#PF PS bit in a PML4E", 14, 9);
    pml4[1] = 0;
    __asm__ volatile("movq %%cr3, %%rax\n\tmovq %%rax, %%cr3"
                     : : : "rax", "memory");
}

int main(const MultibootInfo *mbi)
{
    sys64_init();
    test_single_step();
    test_simple_faults();
    test_double_fault_and_ist();
    test_paging();
    printf("exceptions64: %s\n", check_failures() ? "FAILED" : "ok");
    return check_failures() ? 1 : 0x12;
}
