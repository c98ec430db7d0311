/*
 * indirect-branch.c - indirect jumps, calls and returns (Intel SDM vol. 2:
 * JMP, CALL, RET) in the cases a jump cache of translated code must get
 * right: a jump table run many times, an indirect call to code that is
 * rewritten between calls (SDM vol. 3A, 11.6 "Self-Modifying Code"), a
 * return to another address than the call pushed (a patched return
 * address, and __builtin_longjmp out of nested calls), RET imm16, far
 * returns (LRET, LRET imm16) between near ones, an indirect call through
 * a virtual page whose mapping changes (INVLPG, then a CR3 reload), and
 * timer interrupts taken by a loop made of nothing but indirect branches.
 * Runs natively under KVM.
 */
#include "lib/sys64.h"

#define P   0x001ull
#define W   0x002ull

#define VBASE     0x8000000000ull      /* PML4 slot 1: our own tables */
#define FRAME(n)  (0x300000ull + (n) * 0x1000ull)

#define PIT_CH0 0x40
#define PIT_MODE 0x43
#define PIT_COUNT_1KHZ 1193
#define TICKS 20

static volatile uint64_t pdpt_t[512] __attribute__((aligned(4096)));
static volatile uint64_t pd_t[512] __attribute__((aligned(4096)));
static volatile uint64_t pt_t[512] __attribute__((aligned(4096)));
static uint8_t code_page[4096] __attribute__((aligned(4096)));

uint64_t jt_dispatch(uint64_t n, uint64_t x);
uint64_t ret_redirect(void);
uint64_t ret_imm16_call(uint64_t v);
uint64_t far_ret(void);
uint64_t far_ret_imm16(void);
void spin_indirect(void);
void pit_handler(void);
volatile uint32_t ticks, tick_target = TICKS;
volatile uint64_t spins;

__asm__(".pushsection .text\n"
        /* x op n for n in 0..7 through a table of jmp targets */
        "jt_dispatch:\n"
        "    andq $7, %rdi\n"
        "    leaq jt_table(%rip), %rax\n"
        "    jmpq *(%rax,%rdi,8)\n"
        "jt0: leaq 1(%rsi), %rax\n ret\n"
        "jt1: leaq (%rsi,%rsi,2), %rax\n ret\n"
        "jt2: movq %rsi, %rax\n xorq $0x5a5a, %rax\n ret\n"
        "jt3: movq %rsi, %rax\n shlq $3, %rax\n ret\n"
        "jt4: movq %rsi, %rax\n notq %rax\n ret\n"
        "jt5: leaq -7(%rsi), %rax\n ret\n"
        "jt6: movq %rsi, %rax\n rorq $5, %rax\n ret\n"
        "jt7: movq %rsi, %rax\n imulq $1000003, %rax\n ret\n"
        /* the pushed return address replaced: comes back through L1 */
        "ret_redirect:\n"
        "    popq %rcx\n"
        "    leaq 1f(%rip), %rax\n"
        "    pushq %rax\n"
        "    movl $1, %eax\n"
        "    ret\n"
        "    movl $0xbad, %eax\n"          /* where the ret must not go */
        "    ret\n"
        "1:  addl $41, %eax\n"
        "    jmpq *%rcx\n"
        /* ret $16 drops two stack arguments */
        "ret_imm16_call:\n"
        "    movq %rsp, %rdx\n"
        "    pushq %rdi\n"
        "    pushq $7\n"
        "    call ret_imm16\n"
        "    subq %rsp, %rdx\n"          /* 0 when ret $16 popped them */
        "    shlq $32, %rdx\n"
        "    addq %rdx, %rax\n"
        "    ret\n"
        "ret_imm16:\n"
        "    movq 16(%rsp), %rax\n"
        "    addq 8(%rsp), %rax\n"
        "    ret $16\n"
        /* far returns to the same CS, between near calls */
        "far_ret:\n"
        "    movl %cs, %eax\n"
        "    pushq %rax\n"
        "    leaq 1f(%rip), %rax\n"
        "    pushq %rax\n"
        "    lretq\n"
        "    movl $0xbad, %eax\n"
        "    ret\n"
        "1:  movl $0x77, %eax\n"
        "    ret\n"
        "far_ret_imm16:\n"
        "    movq %rsp, %rdx\n"
        "    pushq $0x1111\n"
        "    pushq $0x2222\n"
        "    movl %cs, %eax\n"
        "    pushq %rax\n"
        "    leaq 1f(%rip), %rax\n"
        "    pushq %rax\n"
        "    lretq $16\n"
        "1:  subq %rsp, %rdx\n"
        "    leaq 0x88(%rdx), %rax\n"
        "    ret\n"
        /* a loop of indirect branches only, until TICKS interrupts */
        ".balign 64\n"
        "spin_indirect:\n"
        "    pushq %rbx\n"
        "    leaq 3f(%rip), %rbx\n"
        "    leaq 1f(%rip), %rcx\n"
        "    movb $0xfe, %al\n"
        "    outb %al, $0x21\n"             /* unmask IRQ0 */
        "1:  call *%rbx\n"
        "    movl tick_target(%rip), %eax\n"
        "    cmpl %eax, ticks(%rip)\n"
        "    jae 2f\n"
        "    jmpq *%rcx\n"
        "2:  popq %rbx\n"
        "    ret\n"
        "3:  incq spins(%rip)\n"
        "    ret\n"
        ".balign 64\n"
        "pit_handler:\n"
        "    pushq %rax\n"
        "    incl ticks(%rip)\n"
        "    movl tick_target(%rip), %eax\n"
        "    cmpl %eax, ticks(%rip)\n"
        "    jb 2f\n"
        "    movb $0xff, %al\n"
        "    outb %al, $0x21\n"             /* last tick: mask IRQ0 */
        "2:  movb $0x20, %al\n"
        "    outb %al, $0x20\n"             /* EOI */
        "    popq %rax\n"
        "    iretq\n"
        ".popsection\n"
        ".pushsection .rodata\n"
        ".balign 8\n"
        "jt_table: .quad jt0, jt1, jt2, jt3, jt4, jt5, jt6, jt7\n"
        ".popsection\n");

static uint64_t jt_ref(uint64_t n, uint64_t x)
{
    switch (n & 7) {
    case 0: return x + 1;
    case 1: return x * 3;
    case 2: return x ^ 0x5a5a;
    case 3: return x << 3;
    case 4: return ~x;
    case 5: return x - 7;
    case 6: return (x >> 5) | (x << 59);
    default: return x * 1000003;
    }
}

static void test_jump_table(void)
{
    uint64_t x = 1, ref = 1;

    for (uint64_t i = 0; i < 20000; i++) {
        uint64_t n = (i * 7 + (i >> 3)) & 7;
        x = jt_dispatch(n, x) + i;
        ref = jt_ref(n, ref) + i;
    }
    printf("jump table, 20000 dispatches: %s\n", x == ref ? "ok" : "wrong");
    check(x == ref, "jump table");
}

typedef uint64_t (*Fn)(uint64_t);

/* mov $imm, %eax; add %edi, %eax; ret  (or a longer variant) */
static void emit_fn(uint8_t *p, uint32_t imm, int longer)
{
    uint8_t *q = p;

    if (longer) {
        *q++ = 0x8d; *q++ = 0x47; *q++ = 0x01;   /* lea 1(%rdi), %eax */
        *q++ = 0x05;                             /* add $imm, %eax */
    } else {
        *q++ = 0xb8;                             /* mov $imm, %eax */
    }
    memcpy(q, &imm, 4);
    q += 4;
    if (!longer) {
        *q++ = 0x01; *q++ = 0xf8;                /* add %edi, %eax */
    }
    *q = 0xc3;                                   /* ret */
}

static void test_rewritten_target(void)
{
    Fn volatile f = (Fn)(uintptr_t)code_page;
    uint64_t sum = 0, ref = 0;

    for (uint32_t round = 0; round < 6; round++) {
        emit_fn(code_page, 0x1000 * (round + 1), round & 1);
        for (uint64_t i = 0; i < 200; i++) {
            sum += f(i) & 0xffffffff;
            ref += 0x1000 * (round + 1) + i + (round & 1);
        }
    }
    printf("indirect call to code rewritten between calls: %s\n",
           sum == ref ? "ok" : "wrong");
    check(sum == ref, "rewritten call target");
}

static void *jb[5];

__attribute__((noinline)) static void deep(int n)
{
    if (n == 0) {
        __builtin_longjmp(jb, 1);
    }
    deep(n - 1);
    __asm__ volatile("" : : : "memory");
}

static void test_other_return(void)
{
    uint64_t r = 0;
    volatile int jumps = 0;

    for (int i = 0; i < 1000; i++) {
        r += ret_redirect();
    }
    for (int i = 0; i < 300; i++) {
        if (__builtin_setjmp(jb) == 0) {
            deep(i % 9);
        } else {
            jumps++;
        }
    }
    printf("return elsewhere than pushed: %lu; longjmp out of calls: %d\n",
           r, jumps);
    check(r == 42000, "patched return address");
    check(jumps == 300, "longjmp");
}

static void test_ret_forms(void)
{
    uint64_t a = 0, b = 0, c = 0;

    for (uint64_t i = 0; i < 500; i++) {
        a += ret_imm16_call(i);
        b += far_ret();
        c += far_ret_imm16();
    }
    printf("ret $16: 0x%lx; lret: 0x%lx; lret $16: 0x%lx\n", a, b, c);
    check(a == 500 * 7 + 499 * 500 / 2, "ret imm16");
    check(b == 500 * 0x77, "lret");
    check(c == 500 * 0x88, "lret imm16");
}

static void invlpg(uint64_t v)
{
    __asm__ volatile("invlpg (%0)" : : "r"(v) : "memory");
}

static void test_remapped_target(void)
{
    Fn volatile f = (Fn)(uintptr_t)VBASE;
    volatile uint64_t *pml4;
    uint64_t cr3, r[3] = { 0, 0, 0 };

    __asm__ volatile("movq %%cr3, %0" : "=r"(cr3));
    pml4 = (volatile uint64_t *)(uintptr_t)(cr3 & ~0xfffull);
    pml4[1] = (uint64_t)(uintptr_t)pdpt_t | P | W;
    pdpt_t[0] = (uint64_t)(uintptr_t)pd_t | P | W;
    pd_t[0] = (uint64_t)(uintptr_t)pt_t | P | W;
    emit_fn((uint8_t *)(uintptr_t)FRAME(0), 0x100, 0);
    emit_fn((uint8_t *)(uintptr_t)FRAME(1), 0x200, 0);
    pt_t[0] = FRAME(0) | P;
    __asm__ volatile("movq %0, %%cr3" : : "r"(cr3) : "memory");
    for (int i = 0; i < 100; i++) {
        r[0] += f(1);
    }
    pt_t[0] = FRAME(1) | P;
    invlpg(VBASE);
    for (int i = 0; i < 100; i++) {
        r[1] += f(1);
    }
    pt_t[0] = FRAME(0) | P;
    __asm__ volatile("movq %0, %%cr3" : : "r"(cr3) : "memory");
    for (int i = 0; i < 100; i++) {
        r[2] += f(1);
    }
    printf("call through a remapped page: 0x%lx 0x%lx 0x%lx\n",
           r[0], r[1], r[2]);
    check(r[0] == 100 * 0x101 && r[1] == 100 * 0x201 && r[2] == 100 * 0x101,
          "remapped call target");
}

static void test_interrupts(void)
{
    gate_set(0x20, pit_handler, 0);
    outb(PIT_MODE, 0x34);       /* channel 0, lobyte/hibyte, mode 2 */
    outb(PIT_CH0, PIT_COUNT_1KHZ & 0xff);
    outb(PIT_CH0, PIT_COUNT_1KHZ >> 8);
    spin_indirect();
    outb(PIT_MODE, 0x30);
    outb(PIT_CH0, 0xff);
    outb(PIT_CH0, 0xff);
    printf("%u timer interrupts taken in a loop of indirect branches\n",
           ticks);
    check(ticks == TICKS && spins > 0, "interrupts in an indirect loop");
}

int main(const MultibootInfo *mbi)
{
    test_jump_table();
    test_rewritten_target();
    test_other_return();
    test_ret_forms();
    test_remapped_target();
    test_interrupts();
    printf("indirect-branch: %s\n", check_failures() ? "FAILED" : "ok");
    return check_failures() ? 1 : 0x12;
}
