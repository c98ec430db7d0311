/*
 * m32-traps.c - exceptions that only 32-bit code (or ring 3) can raise,
 * with their vectors, error codes and saved EIPs (Intel SDM vol. 3A,
 * 6.15 "Exception and Interrupt Reference"; vol. 2A BOUND, INTO):
 *  - #BR from BOUND (32- and 16-bit operands; in range and the inclusive
 *    upper bound take none), a fault: EIP points at BOUND,
 *  - #OF from INTO with OF set (none with OF clear), a trap: EIP points
 *    after INTO,
 *  - #TS from an interrupt at CPL 3 whose stack switch finds a bad SS0 in
 *    the TSS (error code: that selector); the #TS handler is reached
 *    through a conforming code segment, so it needs no stack switch,
 *  - #AC(0) at CPL 3 with CR0.AM and EFLAGS.AC set on a misaligned load,
 *    and none with either clear or at CPL 0.
 *
 * GUEST-SKIP kvm: this host's KVM emulates 32-bit code one instruction at a time and cannot emulate INT n, IRET or BOUND
 */
#include "lib/guest32.h"

#define SEL_CONFORM  0x40       /* conforming code, DPL 0 */
#define SEL_BAD_SS   0x20       /* DPL-3 data: not a valid SS0 */
#define CR0_AM       (1u << 18)
#define EFLAGS_AC    (1u << 18)

static uint32_t user_stack[1024] __attribute__((aligned(16)));
static int32_t bounds32[2] = { 10, 20 };
static int16_t bounds16[2] = { -5, 5 };
static uint8_t misaligned[16] __attribute__((aligned(16)));

volatile uint32_t ts_count, ts_error, ts_cs;
volatile uint32_t r3_ac_count, r3_ac_vector, r3_ac_error;
volatile uint32_t r3_ac_off_count, r3_am_off_count;
void ts_handler(void);
void int82_target(void);

__asm__(/* #TS through a conforming segment: runs at CPL 3 on the user
         * stack; records the error code, repairs SS0, skips INT $0x82. */
        ".globl ts_handler\n"
        "ts_handler:\n\t"
        "popl ts_error\n\t"
        "incl ts_count\n\t"
        "movl %cs, %eax\n\t"
        "movl %eax, ts_cs\n\t"
        "movl $0x10, tss32+8\n\t"
        "addl $2, (%esp)\n\t"
        "iretl\n"
        ".globl int82_target\n"
        "int82_target:\n\t"
        "iretl\n");

static void check_trap(const char *what, uint32_t vector, uint32_t rip)
{
    const TrapRecord *t = trap_last();

    printf("%s: %s", what, t->count ? "fault" : "none");
    if (t->count) {
        printf(", vector %u, error %u, EIP %s", (uint32_t)t->vector,
               (uint32_t)t->error,
               (uint32_t)t->rip == rip ? "as expected" : "wrong");
        check(t->vector == vector, what);
    }
    printf("\n");
    trap_clear();
}

static void test_bound(void)
{
    uint32_t at;

    trap_clear();
    EXPECT_FAULT("movl $3f, %0\n\t"
                 "movl $5, %%eax\n"
                 "3:\tboundl %%eax, %1",
                 : "=&r"(at) : "m"(bounds32) : "eax", "memory");
    check_trap("BOUND 5 in [10,20]", 5, at);
    EXPECT_FAULT("movl $20, %%eax\n\tboundl %%eax, %0",
                 : : "m"(bounds32) : "eax", "memory");
    check_trap("BOUND 20 in [10,20]", 5, 0);
    EXPECT_FAULT("movl $3f, %0\n\t"
                 "movl $21, %%eax\n"
                 "3:\tboundl %%eax, %1",
                 : "=&r"(at) : "m"(bounds32) : "eax", "memory");
    check_trap("BOUND 21 in [10,20]", 5, at);
    EXPECT_FAULT("movw $-5, %%ax\n\tboundw %%ax, %0",
                 : : "m"(bounds16) : "eax", "memory");
    check_trap("BOUNDW -5 in [-5,5]", 5, 0);
    EXPECT_FAULT("movl $3f, %0\n\t"
                 "movw $-6, %%ax\n"
                 "3:\tboundw %%ax, %1",
                 : "=&r"(at) : "m"(bounds16) : "eax", "memory");
    check_trap("BOUNDW -6 in [-5,5]", 5, at);
}

static void test_into(void)
{
    uint32_t at;

    trap_clear();
    EXPECT_FAULT("movl $3f, %0\n\t"
                 "movl $0x7fffffff, %%eax\n\t"
                 "addl $1, %%eax\n\t"
                 "into\n"
                 "3:\tnop",
                 : "=&r"(at) : : "eax", "cc");
    check_trap("INTO with OF=1", 4, at);
    EXPECT_FAULT("movl $1, %%eax\n\taddl $1, %%eax\n\tinto\n\tnop",
                 : : : "eax", "cc");
    check_trap("INTO with OF=0", 4, 0);
}

static void ring3_ts(void)
{
    __asm__ volatile("int $0x82\n\t" RING3_EXIT ::: "memory");
}

static void test_ts(void)
{
    gdt32_set(SEL_CONFORM, 0, 0xfffff, 0x9e, 0xc);    /* conforming code */
    idt32_set_raw(10, SEL_CONFORM, (uint32_t)(uintptr_t)ts_handler, 0x8e);
    idt32_set_raw(0x82, SEL_CODE0, (uint32_t)(uintptr_t)int82_target, 0xee);
    tss32.ss0 = SEL_BAD_SS | 3;
    run_ring3(ring3_ts, (uint32_t)(uintptr_t)(user_stack + 1024));
    tss32.ss0 = SEL_DATA0;
    idt32_restore(10);
    idt32_restore(0x82);
    printf("#TS on a stack switch to a DPL-3 SS0: %u, error 0x%x, handler "
           "CS 0x%x (conforming, CPL 3)\n", ts_count, ts_error, ts_cs);
}

/* Ring-3 code: three misaligned loads, only the first with AC set. */
static void ring3_ac(void)
{
    __asm__ volatile(
        "pushfl\n\t"
        "orl $0x40000, (%%esp)\n\t"
        "popfl\n\t"
        "movl (%0), %%eax\n\t"
        "pushfl\n\t"
        "andl $~0x40000, (%%esp)\n\t"
        "popfl\n\t"
        "movl (%0), %%eax\n\t"
        RING3_EXIT
        : : "r"(misaligned + 1) : "eax", "memory");
}

static int ac_handler(TrapFrame32 *f)
{
    r3_ac_count++;
    r3_ac_vector = f->vector;
    r3_ac_error = f->error;
    f->eflags &= ~EFLAGS_AC;    /* retry the load without alignment checks */
    return 1;
}

static void test_ac(void)
{
    uint32_t cr0 = read_cr0_32(), v;

    trap32_set_handler(17, ac_handler);
    __asm__ volatile("mov %0, %%cr0" : : "r"(cr0 | CR0_AM));
    run_ring3(ring3_ac, (uint32_t)(uintptr_t)(user_stack + 1024));
    printf("#AC at CPL 3 (AM=1, AC=1): %u, vector %u, error %u\n",
           r3_ac_count, r3_ac_vector, r3_ac_error);
    /* CPL 0 ignores AC. */
    __asm__ volatile("pushfl\n\t"
                     "orl $0x40000, (%%esp)\n\t"
                     "popfl\n\t"
                     "movl (%1), %0\n\t"
                     "pushfl\n\t"
                     "andl $~0x40000, (%%esp)\n\t"
                     "popfl"
                     : "=r"(v) : "r"(misaligned + 1) : "memory", "cc");
    __asm__ volatile("mov %0, %%cr0" : : "r"(cr0));
    run_ring3(ring3_ac, (uint32_t)(uintptr_t)(user_stack + 1024));
    printf("#AC count after a CPL-0 load with AC=1 and a CPL-3 run with "
           "AM=0: %u\n", r3_ac_count);
    trap32_set_handler(17, 0);
}

int main(const MultibootInfo *mbi)
{
    test_bound();
    test_into();
    test_ts();
    test_ac();
    return check_failures();
}
