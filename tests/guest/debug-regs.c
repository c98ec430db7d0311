/*
 * debug-regs.c - the debug registers as a guest sees them (Intel SDM
 * vol. 3B, 17.2 "Debug Registers", 17.3 "Debug Exceptions"; vol. 2B MOV
 * DR):
 *  - MOV to/from DR0-DR7: read-back, DR6/DR7 fixed bits, DR4/DR5 aliasing
 *    DR6/DR7 with CR4.DE clear and #UD with it set, #GP for a DR7 value
 *    with bits 63:32 set, DR7.GD (#DB fault with DR6.BD, GD cleared),
 *  - execute breakpoints: a #DB fault before the instruction (B0, pushed
 *    RF clear, RIP on it), the handler's RF lets it run once, enabled
 *    only by L0/G0, and hit again once RF was cleared,
 *  - RF set in the frame of other faults (#UD),
 *  - data breakpoints of each length, write-only and read/write: a #DB
 *    trap after the instruction (RIP past it), address aligned down to
 *    the length, neighbours outside the range not hit,
 *  - I/O breakpoints (CR4.DE, RW=10) on OUT and IN,
 *  - single step (TF): DR6.BS, the MOV SS shadow delays the trap by one
 *    instruction.
 *
 * GUEST-SKIP kvm: this host's KVM (nested) delivers no data or I/O breakpoint #DB to the guest
 */
#include "lib/sys64.h"

#define DR7_L(n)       (1ull << (2 * (n)))
#define DR7_RW(n, rw)  ((uint64_t)(rw) << (16 + 4 * (n)))
#define DR7_LEN(n, l)  ((uint64_t)(l) << (18 + 4 * (n)))
#define DR7_GD         (1ull << 13)
#define RW_EXEC 0
#define RW_WRITE 1
#define RW_IO 2
#define RW_RW 3
#define CR4_DE         (1ull << 3)
#define RFLAGS_RF      (1ull << 16)

volatile uint64_t db_count, db_dr6, db_rip, db_rflags, db_dr7;
volatile uint64_t db_set_rf, db_clear_tf_after;
volatile uint64_t ud_count, ud_rflags;
void db_handler(void);
void ud_handler(void);

/* #DB: records DR6, the frame's RIP and RFLAGS and DR7; resets DR6;
 * sets RF in the frame when db_set_rf; clears TF once db_count reaches
 * db_clear_tf_after. */
__asm__(".globl db_handler\n"
        "db_handler:\n\t"
        "pushq %rax\n\t"
        "movq %dr6, %rax\n\t"
        "movq %rax, db_dr6(%rip)\n\t"
        "movq %dr7, %rax\n\t"
        "movq %rax, db_dr7(%rip)\n\t"
        "movq 8(%rsp), %rax\n\t"
        "movq %rax, db_rip(%rip)\n\t"
        "movq 24(%rsp), %rax\n\t"
        "movq %rax, db_rflags(%rip)\n\t"
        "movl $0xffff0ff0, %eax\n\t"
        "movq %rax, %dr6\n\t"
        "incq db_count(%rip)\n\t"
        "cmpq $0, db_set_rf(%rip)\n\t"
        "je 1f\n\t"
        "orq $0x10000, 24(%rsp)\n"
        "1:\n\t"
        "movq db_count(%rip), %rax\n\t"
        "cmpq db_clear_tf_after(%rip), %rax\n\t"
        "jb 2f\n\t"
        "andq $~0x100, 24(%rsp)\n"
        "2:\n\t"
        "popq %rax\n\t"
        "iretq\n"
        /* #UD: records the frame's RFLAGS, skips the 2-byte UD2 */
        ".globl ud_handler\n"
        "ud_handler:\n\t"
        "pushq %rax\n\t"
        "movq 24(%rsp), %rax\n\t"
        "movq %rax, ud_rflags(%rip)\n\t"
        "incq ud_count(%rip)\n\t"
        "addq $2, 8(%rsp)\n\t"
        "popq %rax\n\t"
        "iretq\n");

static inline void set_dr(int n, uint64_t v)
{
    switch (n) {
    case 0: __asm__ volatile("movq %0, %%dr0" : : "r"(v)); break;
    case 1: __asm__ volatile("movq %0, %%dr1" : : "r"(v)); break;
    case 2: __asm__ volatile("movq %0, %%dr2" : : "r"(v)); break;
    case 3: __asm__ volatile("movq %0, %%dr3" : : "r"(v)); break;
    case 6: __asm__ volatile("movq %0, %%dr6" : : "r"(v)); break;
    default: __asm__ volatile("movq %0, %%dr7" : : "r"(v)); break;
    }
}

static inline uint64_t get_dr(int n)
{
    uint64_t v;

    switch (n) {
    case 0: __asm__ volatile("movq %%dr0, %0" : "=r"(v)); break;
    case 1: __asm__ volatile("movq %%dr1, %0" : "=r"(v)); break;
    case 2: __asm__ volatile("movq %%dr2, %0" : "=r"(v)); break;
    case 3: __asm__ volatile("movq %%dr3, %0" : "=r"(v)); break;
    case 6: __asm__ volatile("movq %%dr6, %0" : "=r"(v)); break;
    default: __asm__ volatile("movq %%dr7, %0" : "=r"(v)); break;
    }
    return v;
}

static void db_reset(void)
{
    db_count = db_dr6 = db_rip = db_rflags = 0;
    db_set_rf = 0;
    db_clear_tf_after = ~0ull;
}

static void report_db(const char *what, uint64_t count, uint64_t rip)
{
    printf("%-34s #DB %lu, DR6 %lx, RIP %s, RF %lu\n", what, db_count,
           db_count ? db_dr6 : 0, !db_count ? "-" :
           db_rip == rip ? "as expected" : "wrong",
           (db_rflags >> 16) & 1);
    check(db_count == count, what);
    check(!db_count || db_rip == rip, what);
}

static void report_len(int len, const char *what, uint64_t count,
                       uint64_t rip)
{
    printf("len %d ", len);
    report_db(what, count, rip);
}

static void test_mov_dr(void)
{
    uint64_t v;

    for (int n = 0; n < 4; n++) {
        set_dr(n, 0x1000ull * (n + 1) + 0xffff800000000000ull);
    }
    printf("DR0-DR3 read back: %lx %lx %lx %lx\n", get_dr(0), get_dr(1),
           get_dr(2), get_dr(3));
    set_dr(6, 0);
    set_dr(7, 0);
    printf("DR6 after 0: %lx, DR7 after 0: %lx\n", get_dr(6), get_dr(7));
    set_dr(6, ~0ull >> 32);
    printf("DR6 after ffffffff: %lx\n", get_dr(6));
    __asm__ volatile("movq %%dr4, %0" : "=r"(v));
    printf("DR4 (alias of DR6, CR4.DE=0): %lx\n", v);
    __asm__ volatile("movq %0, %%dr5" : : "r"(DR7_L(3)));
    printf("DR7 after a write to DR5: %lx\n", get_dr(7));
    set_dr(7, 0);
    set_cr4(get_cr4() | CR4_DE);
    trap_clear();
    EXPECT_FAULT("movq %%dr4, %%rax", : : : "rax", "memory");
    printf("DR4 with CR4.DE=1: vector %lu\n", trap_last()->vector);
    check(trap_last()->count == 1 && trap_last()->vector == 6, "dr4 de");
    trap_clear();
    set_cr4(get_cr4() & ~CR4_DE);
    EXPECT_FAULT("movq %0, %%dr7", : : "r"(1ull << 32) : "memory");
    printf("DR7 bit 32: vector %lu\n", trap_last()->vector);
    check(trap_last()->count == 1 && trap_last()->vector == 13, "dr7 hi");
    trap_clear();
}

static void test_gd(void)
{
    uint64_t at;

    db_reset();
    set_dr(7, DR7_GD);
    __asm__ volatile("leaq 1f(%%rip), %0\n"
                     "1:\tmovq %%dr0, %%rax"
                     : "=&r"(at) : : "rax", "memory");
    report_db("DR7.GD: MOV from DR0", 1, at);
    printf("  BD %lu, GD in the handler %lu, GD after %lu\n",
           (db_dr6 >> 13) & 1, (db_dr7 >> 13) & 1, (get_dr(7) >> 13) & 1);
    check((db_dr6 >> 13) & 1, "dr6.bd");
}

void exec_target(void);
__asm__(".globl exec_target\n"
        "exec_target:\n\t"
        "addq $1, %rax\n\t"
        "ret\n");

static void test_exec(void)
{
    uint64_t at = (uint64_t)(uintptr_t)exec_target, rax = 0;

    db_reset();
    db_set_rf = 1;
    set_dr(0, at);
    set_dr(7, DR7_L(0));
    __asm__ volatile("call exec_target" : "+a"(rax) : : "memory");
    report_db("execute breakpoint (L0)", 1, at);
    printf("  instruction ran %lu time(s), pushed RF %lu\n", rax,
           (db_rflags >> 16) & 1);
    check(rax == 1, "exec ran once");
    /* RF was cleared after one instruction: the next call hits again */
    __asm__ volatile("call exec_target\n\tcall exec_target"
                     : "+a"(rax) : : "memory");
    report_db("execute breakpoint, twice more", 3, at);
    set_dr(7, DR7_RW(0, RW_EXEC));      /* L0/G0 clear: disabled */
    __asm__ volatile("call exec_target" : "+a"(rax) : : "memory");
    report_db("execute breakpoint disabled", 3, at);
    set_dr(7, 2);                       /* G0 */
    __asm__ volatile("call exec_target" : "+a"(rax) : : "memory");
    report_db("execute breakpoint (G0)", 4, at);
    set_dr(7, 0);
}

static void test_fault_rf(void)
{
    ud_count = 0;
    gate_set(6, ud_handler, 0);
    __asm__ volatile("ud2" : : : "memory");
    gate_restore(6);
    printf("#UD frame: %lu caught, RF %lu\n", ud_count,
           (ud_rflags >> 16) & 1);
    check(ud_count == 1 && (ud_rflags & RFLAGS_RF), "rf in fault frame");
}

static volatile uint64_t watched[4] __attribute__((aligned(64)));

static uint64_t store_at(volatile void *p, int size)
{
    uint64_t at;

    switch (size) {
    case 1:
        __asm__ volatile("movb $1, (%1)\n1:\tleaq 1b(%%rip), %0"
                         : "=r"(at) : "r"(p) : "memory");
        break;
    case 2:
        __asm__ volatile("movw $1, (%1)\n1:\tleaq 1b(%%rip), %0"
                         : "=r"(at) : "r"(p) : "memory");
        break;
    case 4:
        __asm__ volatile("movl $1, (%1)\n1:\tleaq 1b(%%rip), %0"
                         : "=r"(at) : "r"(p) : "memory");
        break;
    default:
        __asm__ volatile("movq $1, (%1)\n1:\tleaq 1b(%%rip), %0"
                         : "=r"(at) : "r"(p) : "memory");
        break;
    }
    return at;      /* the lea: the instruction after the store */
}

static uint64_t load_at(volatile void *p)
{
    uint64_t at, v;

    __asm__ volatile("movb (%2), %b1\n1:\tleaq 1b(%%rip), %0"
                     : "=r"(at), "=q"(v) : "r"(p) : "memory");
    return at;
}

static void test_data(void)
{
    static const int lens[4] = { 1, 2, 4, 8 };
    static const int code[4] = { 0, 1, 3, 2 };
    volatile uint8_t *base = (volatile uint8_t *)&watched[1];

    for (int i = 0; i < 4; i++) {
        int len = lens[i];
        uint64_t at;

        db_reset();
        /* the address is aligned down to the length */
        set_dr(1, (uint64_t)(uintptr_t)base + (len > 1 ? 1 : 0));
        set_dr(7, DR7_L(1) | DR7_RW(1, RW_WRITE) | DR7_LEN(1, code[i]));
        at = store_at(base + len - 1, 1);
        report_len(len, "write, last byte", 1, at);
        store_at(base + len, 1);
        report_len(len, "write, byte after", 1, at);
        store_at(base - 1, 1);
        report_len(len, "write, byte before", 1, at);
        at = store_at(base - 1, 2);
        report_len(len, "write overlapping start", 2, at);
        load_at(base);
        report_len(len, "read (RW=01)", 2, at);
        set_dr(7, DR7_L(1) | DR7_RW(1, RW_RW) | DR7_LEN(1, code[i]));
        at = load_at(base + len - 1);
        report_len(len, "read (RW=11)", 3, at);
        at = store_at(base, 8);
        report_len(len, "qword write (RW=11)", 4, at);
    }
    set_dr(7, 0);
}

static void test_io(void)
{
    uint64_t at;

    db_reset();
    set_cr4(get_cr4() | CR4_DE);
    set_dr(2, 0x80);
    set_dr(7, DR7_L(2) | DR7_RW(2, RW_IO));
    __asm__ volatile("outb %%al, $0x80\n1:\tleaq 1b(%%rip), %0"
                     : "=r"(at) : "a"(0) : "memory");
    report_db("I/O breakpoint: OUT 0x80", 1, at);
    __asm__ volatile("inb $0x80, %%al\n1:\tleaq 1b(%%rip), %0"
                     : "=r"(at) : : "rax", "memory");
    report_db("I/O breakpoint: IN 0x80", 2, at);
    __asm__ volatile("outb %%al, $0x81" : : "a"(0) : "memory");
    report_db("I/O breakpoint: OUT 0x81", 2, at);
    set_dr(7, DR7_L(2) | DR7_RW(2, RW_IO) | DR7_LEN(2, 3));
    __asm__ volatile("movw $0x83, %%dx\n\toutb %%al, %%dx\n\t"
                     "1:\tleaq 1b(%%rip), %0"
                     : "=r"(at) : "a"(0) : "rdx", "memory");
    report_db("I/O breakpoint len 4: OUT 0x83", 3, at);
    set_dr(7, 0);
    set_cr4(get_cr4() & ~CR4_DE);
}

static void test_single_step(void)
{
    uint64_t at;

    db_reset();
    db_clear_tf_after = 2;
    /* TF from POPF: the trap follows the instruction after POPF */
    __asm__ volatile("pushfq\n\t"
                     "orq $0x100, (%%rsp)\n\t"
                     "popfq\n\t"
                     "nop\n\t"
                     "nop\n"
                     "1:\tleaq 1b(%%rip), %0\n\t"
                     : "=r"(at) : : "memory", "cc");
    printf("single step: %lu #DB, BS %lu, last RIP %s\n", db_count,
           (db_dr6 >> 14) & 1, db_rip == at ? "as expected" : "wrong");
    check(db_count == 2 && db_rip == at, "single step");
    /* MOV SS holds the trap off until after the next instruction */
    db_reset();
    db_clear_tf_after = 3;
    __asm__ volatile("pushfq\n\t"
                     "orq $0x100, (%%rsp)\n\t"
                     "popfq\n\t"
                     "nop\n\t"
                     "movw %%ss, %%ax\n\t"
                     "movw %%ax, %%ss\n\t"
                     "nop\n"
                     "1:\tleaq 1b(%%rip), %0\n\t"
                     : "=r"(at) : : "rax", "memory", "cc");
    printf("single step over MOV SS: %lu #DB, last RIP %s\n", db_count,
           db_rip == at ? "after the next instruction" : "wrong");
    check(db_count == 3 && db_rip == at, "mov ss shadow");
}

int main(const MultibootInfo *mbi)
{
    sys64_init();
    gate_set(1, db_handler, 0);
    test_mov_dr();
    test_gd();
    test_exec();
    test_fault_rf();
    test_data();
    test_io();
    test_single_step();
    set_dr(7, 0);
    gate_restore(1);
    printf("debug-regs: %d failure(s)\n", check_failures());
    return check_failures() ? 1 : 0;
}
