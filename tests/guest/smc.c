/*
 * smc.c - self-modifying code (Intel SDM vol. 3A, 11.6 "Self-Modifying
 * Code": a write to a code location takes effect for instructions fetched
 * after it, including the next instruction of the same basic block):
 * a store that patches the immediate of the very next instruction, a
 * store into a function that has already run (its translation must be
 * dropped), code copied to a fresh page and run, rewritten and run again,
 * and data writes that share a page with code without changing it.
 */
#include "lib/guest.h"

uint64_t smc_next_insn(void);
uint64_t smc_target(void);
extern uint8_t smc_target_imm[];
extern uint8_t smc_next_imm[];

__asm__(".pushsection .text.smc, \"ax\"\n"
        ".align 4096\n"
        /* Patches the imm32 of the mov right after the store. */
        ".globl smc_next_insn\n"
        "smc_next_insn:\n\t"
        "movl $0x22222222, %ecx\n\t"
        "movl %ecx, smc_next_imm(%rip)\n\t"
        ".byte 0xb8\n"                  /* mov $imm32, %eax */
        ".globl smc_next_imm\n"
        "smc_next_imm: .long 0x11111111\n\t"
        "ret\n"
        ".align 64\n"
        ".globl smc_target\n"
        "smc_target:\n\t"
        ".byte 0xb8\n"
        ".globl smc_target_imm\n"
        "smc_target_imm: .long 0xaaaa0001\n\t"
        "ret\n"
        ".align 64\n"
        "smc_data: .quad 0\n"
        ".popsection\n");

static uint8_t code_page[8192] __attribute__((aligned(4096)));

typedef uint64_t (*Fn)(void);

static void test_next_insn(void)
{
    uint64_t a = smc_next_insn();
    uint64_t b = smc_next_insn();
    printf("store into the next instruction: first 0x%lx, second 0x%lx\n",
           a & 0xffffffff, b & 0xffffffff);
    check((a & 0xffffffff) == 0x22222222, "store into next instruction");
}

static void test_other_block(void)
{
    uint64_t sum = 0;

    for (int i = 0; i < 5; i++) {
        sum += smc_target() & 0xffffffff;
        *(volatile uint32_t *)smc_target_imm = 0xaaaa0002 + i;
    }
    printf("patched function between calls: sum 0x%lx\n", sum);
    check(sum == 0xaaaa0001ull + 0xaaaa0002 + 0xaaaa0003 + 0xaaaa0004 +
          0xaaaa0005, "patched function");
}

static void emit_mov_ret(uint8_t *p, uint32_t imm)
{
    p[0] = 0xb8;                        /* mov $imm, %eax */
    memcpy(p + 1, &imm, 4);
    p[5] = 0xc3;                        /* ret */
}

static void test_copied_code(void)
{
    Fn f = (Fn)(uintptr_t)code_page;
    Fn g = (Fn)(uintptr_t)(code_page + 4096 - 3);
    uint64_t r1, r2, r3, r4;

    emit_mov_ret(code_page, 0x1234);
    r1 = f();
    emit_mov_ret(code_page, 0x5678);
    r2 = f();
    /* Data next to the code in the same page: must not change it. */
    for (int i = 0; i < 64; i++) {
        code_page[2048 + i] = (uint8_t)i;
    }
    r3 = f();
    /* An instruction that straddles two pages; rewrite its second half. */
    emit_mov_ret(code_page + 4096 - 3, 0x0a0b0c0d);
    r4 = g();
    code_page[4096] = 0x0e;             /* third immediate byte */
    r4 = (r4 << 32) | (uint32_t)g();
    printf("copied code: 0x%lx 0x%lx 0x%lx; straddling page 0x%lx\n",
           r1 & 0xffffffff, r2 & 0xffffffff, r3 & 0xffffffff, r4);
    check((r2 & 0xffffffff) == 0x5678, "rewritten code");
    check(r4 == 0x0a0b0c0d0a0e0c0dull, "straddling instruction");
}

static void test_loop_rewrite(void)
{
    /* A loop body rewritten by the loop itself: add $1 -> add $2. */
    static const uint8_t body[] = {
        0x48, 0x83, 0xc0, 0x01,         /* add $1, %rax */
        0xc6, 0x47, 0x03, 0x02,         /* movb $2, 3(%rdi) */
        0xff, 0xc9,                     /* dec %ecx */
        0x75, 0xf4,                     /* jnz body */
        0xc3,                           /* ret */
    };
    uint8_t *p = code_page + 1024;
    uint64_t rax = 0;

    memcpy(p, body, sizeof(body));
    __asm__ volatile("call *%3"
                     : "+a"(rax)
                     : "D"(p), "c"(10), "r"(p)
                     : "memory", "cc");
    printf("loop that rewrites its own body: rax %lu\n", rax);
    check(rax == 1 + 9 * 2, "self-rewriting loop");
}

int main(const MultibootInfo *mbi)
{
    test_next_insn();
    test_other_block();
    test_copied_code();
    test_loop_rewrite();
    printf("smc: %s\n", check_failures() ? "FAILED" : "ok");
    return check_failures() ? 1 : 0x12;
}
