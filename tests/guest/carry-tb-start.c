/*
 * carry-tb-start.c - CF read by the first instruction after a taken or
 * not-taken JE (SDM vol. 1, 3.4.3.1 "Status Flags"), where the TCG starts
 * a new block whose flags are still those of the instruction before the
 * JE: SBB, ADC, SETB and JB after CMP/SUB of 32 and 64 bits (computed
 * inline) and after 8-bit CMP, ADD, NEG and SHL (through the helper), on
 * operands that do and do not borrow or carry. Runs natively under KVM.
 */
#include "lib/guest.h"

/* rdi, rsi: operands; returns the four CF readings as bits 0-3 */
#define CARRY_FN(name, op)                                               \
    uint64_t name(uint64_t a, uint64_t b);                               \
    __asm__(".pushsection .text\n"                                       \
            #name ":\n"                                                  \
            "    xorl %ecx, %ecx\n"                                      \
            "    " op "\n"                                               \
            "    je 1f\n"                                                \
            "1:  sbbl %eax, %eax\n"             /* -CF */                \
            "    andl $1, %eax\n"                                        \
            "    " op "\n"                                               \
            "    je 2f\n"                                                \
            "2:  adcl $0, %ecx\n"               /* CF */                 \
            "    leal (%rax,%rcx,2), %eax\n"                             \
            "    " op "\n"                                               \
            "    je 3f\n"                                                \
            "3:  setb %cl\n"                                             \
            "    movzbl %cl, %ecx\n"                                     \
            "    leal (%rax,%rcx,4), %eax\n"                             \
            "    " op "\n"                                               \
            "    je 4f\n"                                                \
            "4:  jb 5f\n"                                                \
            "    ret\n"                                                  \
            "5:  orl $8, %eax\n"                                         \
            "    ret\n"                                                  \
            ".popsection\n")

CARRY_FN(c_cmpl, "movq %rdi, %r8\n cmpl %esi, %r8d");
CARRY_FN(c_cmpq, "movq %rdi, %r8\n cmpq %rsi, %r8");
CARRY_FN(c_subl, "movq %rdi, %r8\n subl %esi, %r8d");
CARRY_FN(c_subq, "movq %rdi, %r8\n subq %rsi, %r8");
CARRY_FN(c_cmpb, "movq %rdi, %r8\n cmpb %sil, %r8b");
CARRY_FN(c_addl, "movq %rdi, %r8\n addl %esi, %r8d");
CARRY_FN(c_negq, "movq %rdi, %r8\n negq %r8");
CARRY_FN(c_shlq, "movq %rdi, %r8\n shlq $1, %r8");

typedef uint64_t CarryFn(uint64_t, uint64_t);

static const struct {
    const char *name;
    CarryFn *fn;
} fns[] = {
    { "cmpl", c_cmpl }, { "cmpq", c_cmpq }, { "subl", c_subl },
    { "subq", c_subq }, { "cmpb", c_cmpb }, { "addl", c_addl },
    { "negq", c_negq }, { "shlq", c_shlq },
};

static const uint64_t vals[] = {
    0, 1, 2, 0x7fffffff, 0x80000000, 0xffffffff, 0x100000000ull,
    0xffffffff00000001ull, 0x8000000000000000ull, ~0ull,
};
#define NVALS (sizeof(vals) / sizeof(vals[0]))

static int carry_of(int f, uint64_t a, uint64_t b)
{
    switch (f) {
    case 0: case 2: return (uint32_t)a < (uint32_t)b;
    case 1: case 3: return a < b;
    case 4: return (uint8_t)a < (uint8_t)b;
    case 5: return (uint64_t)(uint32_t)a + (uint32_t)b > 0xffffffffull;
    case 6: return a != 0;
    default: return (a >> 63) & 1;
    }
}

int main(const MultibootInfo *mbi)
{
    unsigned ones[8] = { 0 };
    int bad = 0;

    for (int f = 0; f < 8; f++) {
        for (unsigned i = 0; i < NVALS; i++) {
            for (unsigned j = 0; j < NVALS; j++) {
                uint64_t r = fns[f].fn(vals[i], vals[j]);
                uint64_t want = carry_of(f, vals[i], vals[j]) ? 15 : 0;
                if (r != want && bad++ < 8) {
                    printf("%s 0x%lx, 0x%lx: CF readings 0x%lx, want 0x%lx\n",
                           fns[f].name, vals[i], vals[j], r, want);
                }
                ones[f] += r == 15;
            }
        }
        printf("%s: CF set in %u of %u\n", fns[f].name, ones[f],
               (unsigned)(NVALS * NVALS));
    }
    check(bad == 0, "CF at a block start");
    printf("carry-tb-start: %s\n", check_failures() ? "FAILED" : "ok");
    return check_failures() ? 1 : 0x12;
}
