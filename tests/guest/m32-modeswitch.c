/*
 * m32-modeswitch.c - the processor-mode switches of Intel SDM vol. 3A,
 * 10.8.5 "Initializing IA-32e Mode" and 10.8.5.4 "Switching Out of IA-32e
 * Mode Operation", 10.9 "Mode Switching": 32-bit protected mode -> long
 * mode (PAE, CR3, EFER.LME, CR0.PG, far jump to a 64-bit segment) -> a
 * compatibility-mode segment (32-bit code under long mode) -> 64-bit
 * again -> back to 32-bit protected mode (paging off from compatibility
 * mode, EFER.LME cleared, PAE off) -> real mode (through a 16-bit
 * segment) -> 32-bit protected mode. In each mode the byte 0x48 tells
 * which mode runs: DEC EAX outside 64-bit mode, a REX.W prefix in it
 * ("mov $5, %eax; .byte 0x48; mov %eax, %ecx" leaves 4 or 5 in ECX).
 */
#include "lib/guest32.h"

#define SEL_CODE64 0x40
#define LOW_BASE 0x8000u

enum {
    R_LM_EFER, R_LM_ECX, R_LM_HIGH, R_CM_ECX, R_CM_EFER, R_LM2_ECX,
    R_PM_EFER, R_PM_ECX, R_PM_CR0, R_COUNT
};

uint64_t ms_pml4[512] __attribute__((aligned(4096)));
uint64_t ms_pdpt[512] __attribute__((aligned(4096)));
uint64_t ms_pd[512] __attribute__((aligned(4096)));
volatile uint32_t ms_res[R_COUNT];
extern const uint8_t rm_start[], rm_end[], rm_results[];
void ms_run(void);

#define RM_(l) #l "-rm_start"
#define RM(l) RM_(l)
#define MODE_PROBE "movl $5, %eax\n\t.byte 0x48\n\tmovl %eax, %ecx\n\t"

__asm__(
    "        .text\n"
    "        .code32\n"
    "        .globl ms_run\n"
    "ms_run:\n\t"
    "pushal\n\t"
    "cli\n\t"
    "movl %esp, 0x8000+" RM(rm_saved_esp) "\n\t"
    "movl %cr4, %eax\n\t"
    "orl $0x20, %eax\n\t"                     /* PAE */
    "movl %eax, %cr4\n\t"
    "movl $ms_pml4, %eax\n\t"
    "movl %eax, %cr3\n\t"
    "movl $0xc0000080, %ecx\n\t"
    "rdmsr\n\t"
    "orl $0x100, %eax\n\t"                    /* EFER.LME */
    "wrmsr\n\t"
    "movl %cr0, %eax\n\t"
    "orl $0x80000000, %eax\n\t"               /* PG: long mode is active */
    "movl %eax, %cr0\n\t"
    "ljmp $0x40, $ms_lm64\n"
    "        .code64\n"
    "ms_lm64:\n\t"
    "movl $ms_res, %ebx\n\t"         /* no 64-bit absolute relocs */
    "movl $0xc0000080, %ecx\n\t"
    "rdmsr\n\t"
    "movl %eax, 0(%rbx)\n\t"
    MODE_PROBE
    "movl %ecx, 4(%rbx)\n\t"
    "movabsq $0x2300000000, %rax\n\t"
    "shrq $32, %rax\n\t"
    "movl %eax, 8(%rbx)\n\t"
    "movl $ms_far_compat, %ebx\n\t"
    "ljmpl *(%rbx)\n"
    "        .code32\n"
    "ms_compat:\n\t"
    MODE_PROBE
    "movl %ecx, ms_res+12\n\t"
    "movl $0xc0000080, %ecx\n\t"
    "rdmsr\n\t"
    "movl %eax, ms_res+16\n\t"
    "ljmp $0x40, $ms_lm64b\n"
    "        .code64\n"
    "ms_lm64b:\n\t"
    MODE_PROBE
    "movl $ms_res, %ebx\n\t"
    "movl %ecx, 20(%rbx)\n\t"
    "movl $ms_far_compat2, %ebx\n\t"
    "ljmpl *(%rbx)\n"
    "        .code32\n"
    "ms_compat2:\n\t"
    "movl %cr0, %eax\n\t"
    "andl $0x7fffffff, %eax\n\t"              /* paging off: LMA clears */
    "movl %eax, %cr0\n\t"
    "movl $0xc0000080, %ecx\n\t"
    "rdmsr\n\t"
    "andl $~0x100, %eax\n\t"
    "wrmsr\n\t"
    "rdmsr\n\t"
    "movl %eax, ms_res+24\n\t"
    "movl %cr4, %eax\n\t"
    "andl $~0x20, %eax\n\t"
    "movl %eax, %cr4\n\t"
    MODE_PROBE
    "movl %ecx, ms_res+28\n\t"
    "movl %cr0, %eax\n\t"
    "movl %eax, ms_res+32\n\t"
    "ljmp $0x30, $0x8000+" RM(rm_pm16) "\n"
    "ms_pm32_back:\n\t"
    "movl $0x10, %eax\n\t"
    "movl %eax, %ds\n\t"
    "movl %eax, %es\n\t"
    "movl %eax, %ss\n\t"
    "movl %eax, %fs\n\t"
    "movl %eax, %gs\n\t"
    "movl 0x8000+" RM(rm_saved_esp) ", %esp\n\t"
    "popal\n\t"
    "ret\n"
    "        .data\n"
    "ms_far_compat:\n\t"
    ".long ms_compat\n\t"
    ".word 0x08\n"
    "ms_far_compat2:\n\t"
    ".long ms_compat2\n\t"
    ".word 0x08\n"

    /* Copied to 0x8000: 16-bit protected mode, then real mode. */
    "        .section .rodata.rm16, \"a\"\n"
    "        .globl rm_start, rm_end, rm_results\n"
    "rm_start:\n"
    "        .code16\n"
    "rm_pm16:\n\t"
    "movw $0x38, %ax\n\t"
    "movw %ax, %ds\n\t"
    "movw %ax, %es\n\t"
    "movw %ax, %ss\n\t"
    "movl %cr0, %eax\n\t"
    "andl $~1, %eax\n\t"
    "movl %eax, %cr0\n\t"
    "ljmp $0x0800, $" RM(rm_real) "\n"
    "rm_real:\n\t"
    "movw $0x0800, %ax\n\t"
    "movw %ax, %ds\n\t"
    "movw %ax, %ss\n\t"
    "movw $" RM(rm_stack_top) ", %sp\n\t"
    "movw %cs, %ax\n\t"
    "movw %ax, " RM(rm_results) "+0\n\t"
    "movw $5, %ax\n\t"
    ".byte 0x48\n\t"
    "movw %ax, %cx\n\t"
    "movw %cx, " RM(rm_results) "+2\n\t"
    "movw %sp, %bx\n\t"
    "pushw %ax\n\t"
    "movw %sp, %dx\n\t"
    "popw %ax\n\t"
    "subw %dx, %bx\n\t"
    "movw %bx, " RM(rm_results) "+4\n\t"
    "movl %cr0, %eax\n\t"
    "movw %ax, " RM(rm_results) "+6\n\t"
    "orl $1, %eax\n\t"
    "movl %eax, %cr0\n\t"
    "ljmpl $0x08, $ms_pm32_back\n"
    "        .balign 4\n"
    "rm_saved_esp:\n\t"
    ".long 0\n"
    "rm_results:\n\t"
    ".fill 8, 2, 0\n\t"
    ".balign 16\n\t"
    ".fill 128, 1, 0\n"
    "rm_stack_top:\n"
    "rm_end:\n"
    "        .code32\n"
    "        .text\n");

int main(const MultibootInfo *mbi)
{
    const volatile uint16_t *rr;

    for (int i = 0; i < 512; i++) {
        ms_pd[i] = ((uint64_t)i << 21) | 0x83;     /* 2 MiB, present, RW */
    }
    ms_pdpt[0] = (uint32_t)(uintptr_t)ms_pd | 0x3;
    ms_pml4[0] = (uint32_t)(uintptr_t)ms_pdpt | 0x3;
    gdt32_set(SEL_CODE64, 0, 0xfffff, 0x9a, 0xa);   /* L = 1 */
    memcpy((void *)(uintptr_t)LOW_BASE, rm_start, (size_t)(rm_end - rm_start));

    ms_run();
    rr = (const volatile uint16_t *)(uintptr_t)(LOW_BASE +
                                                (rm_results - rm_start));
    printf("64-bit mode: EFER.LME %u LMA %u, 0x48 is REX.W (ECX %u), "
           "64-bit shift gives 0x%x\n", (ms_res[R_LM_EFER] >> 8) & 1,
           (ms_res[R_LM_EFER] >> 10) & 1, ms_res[R_LM_ECX],
           ms_res[R_LM_HIGH]);
    printf("compatibility mode: 0x48 is DEC (ECX %u), EFER.LMA %u\n",
           ms_res[R_CM_ECX], (ms_res[R_CM_EFER] >> 10) & 1);
    printf("64-bit mode again: ECX %u\n", ms_res[R_LM2_ECX]);
    printf("32-bit protected mode: EFER.LME %u LMA %u, ECX %u, CR0.PG %u "
           "PE %u\n", (ms_res[R_PM_EFER] >> 8) & 1,
           (ms_res[R_PM_EFER] >> 10) & 1, ms_res[R_PM_ECX],
           ms_res[R_PM_CR0] >> 31, ms_res[R_PM_CR0] & 1);
    printf("real mode: CS 0x%04x, 0x48 is DEC (CX %u), a push moves SP by "
           "%u, CR0.PE %u\n", rr[0], rr[1], rr[2], rr[3] & 1);
    printf("back in 32-bit protected mode\n");
    return check_failures();
}
