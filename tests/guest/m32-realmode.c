/*
 * m32-realmode.c - real-address mode, entered from 32-bit protected mode
 * the way Intel SDM vol. 3A, 10.9.2 "Switching Back to Real-Address Mode"
 * describes (through a 16-bit protected-mode segment with 64 KiB limits,
 * an IVT at 0, CR0.PE cleared, a far jump), and left again (10.9.1). A
 * 16-bit trampoline copied to 0x8000 (segment 0x0800) checks:
 *  - segment arithmetic: linear = segment * 16 + offset, two different
 *    segment:offset pairs naming the same byte,
 *  - 16-bit effective addresses wrap at 64 KiB (BX + disp mod 0x10000),
 *  - a 32-bit offset above 0xffff is #GP (SDM vol. 3A, 21.1.3), taken
 *    through the IVT,
 *  - INT n through a handler installed in the IVT: pushed FLAGS/CS/IP, IF
 *    cleared in the handler, IRET back,
 *  - the A20 gate through port 0x92 bit 1: with it off, a write to
 *    FFFF:0010 (linear 0x100000) is seen at 0000:0000,
 *  - a trip from real mode into 16-bit protected mode (CS 0x30) and back.
 * The results are stored next to the trampoline and printed from 32-bit
 * protected mode. KVM has no A20 gate (as under QEMU), so the A20 line is
 * printed by m32-a20.c, which includes this file with REALMODE_A20 set
 * and skips KVM.
 */
#include "lib/guest32.h"

#define LOW_BASE 0x8000u
#define LOW_SEG  0x0800u

/* Results, in the trampoline's data area (16-bit words). */
enum {
    R_ALIAS, R_WRAP_DONE, R_GP_COUNT, R_GP_IP, R_INT_COUNT, R_INT_IP,
    R_INT_CS, R_INT_FLAGS, R_INT_CUR_FLAGS, R_INT_AX, R_A20_INITIAL,
    R_A20_ON_READ, R_A20_OFF_READ, R_A20_OFF_PORT, R_A20_FINAL, R_PM16_CS,
    R_PM16_MSW, R_PM16_STORE, R_BACK_CS, R_GP_EXPECT_IP, R_INT_EXPECT_IP,
    R_COUNT
};

extern const uint8_t rm_start[], rm_end[], rm_results[];
void rm_run(void);

#define RM_(l) #l "-rm_start"
#define RM(l) RM_(l)

__asm__(
    "        .code32\n"
    "        .text\n"
    "        .globl rm_run\n"
    "rm_run:\n"
    "        pushal\n"
    "        cli\n"
    "        movl %esp, 0x8000+" RM(rm_saved_esp) "\n"
    "        sidt 0x8000+" RM(rm_saved_idt) "\n"
    "        ljmp $0x30, $0x8000+" RM(pm16_entry) "\n"
    "pm32_back:\n"
    "        movl $0x10, %eax\n"
    "        movl %eax, %ds\n"
    "        movl %eax, %es\n"
    "        movl %eax, %ss\n"
    "        movl %eax, %fs\n"
    "        movl %eax, %gs\n"
    "        movl 0x8000+" RM(rm_saved_esp) ", %esp\n"
    "        lidt 0x8000+" RM(rm_saved_idt) "\n"
    "        popal\n"
    "        ret\n"

    "        .section .rodata.rm16, \"a\"\n"
    "        .globl rm_start, rm_end, rm_results\n"
    "rm_start:\n"
    "        .code16\n"
    /* 16-bit protected mode, CS = 0x30 (base 0): 64 KiB data segments,
     * the real-mode IVT, PE off, far jump into real mode. */
    "pm16_entry:\n"
    "        movw $0x38, %ax\n"
    "        movw %ax, %ds\n"
    "        movw %ax, %es\n"
    "        movw %ax, %ss\n"
    "        movw %ax, %fs\n"
    "        movw %ax, %gs\n"
    "        lidt 0x8000+" RM(rm_ivt_desc) "\n"
    "        movl %cr0, %eax\n"
    "        andl $~1, %eax\n"
    "        movl %eax, %cr0\n"
    "        ljmp $0x0800, $" RM(rm_entry) "\n"
    "rm_entry:\n"
    "        movw $0x0800, %ax\n"
    "        movw %ax, %ds\n"
    "        movw %ax, %ss\n"
    "        movw $" RM(rm_stack_top) ", %sp\n"
    "        xorw %ax, %ax\n"
    "        movw %ax, %es\n"
    /* IVT entries 13 (#GP) and 0x42 point into the trampoline. */
    "        movw $" RM(gp_handler) ", %es:13*4\n"
    "        movw $0x0800, %es:13*4+2\n"
    "        movw $" RM(int42_handler) ", %es:0x42*4\n"
    "        movw $0x0800, %es:0x42*4+2\n"
    /* Segment arithmetic: 1234:5678 and 179B:0008 are linear 0x179b8. */
    "        movw $0x1234, %ax\n"
    "        movw %ax, %es\n"
    "        movb $0xa1, %es:0x5678\n"
    "        movw $0x179b, %ax\n"
    "        movw %ax, %fs\n"
    "        movzbw %fs:0x0008, %ax\n"
    "        movw %ax, " RM(rm_results) "+0\n"
    /* Offset wrap: 2000:(FFF0 + 0x20) is linear 0x20010. */
    "        movw $0x2000, %ax\n"
    "        movw %ax, %es\n"
    "        movw $0xfff0, %bx\n"
    "        movb $0xb2, %es:0x20(%bx)\n"
    "        movw $1, " RM(rm_results) "+2\n"
    /* A 32-bit offset beyond the 64 KiB limit: #GP through the IVT. */
    "        movw $" RM(gp_insn) ", " RM(rm_results) "+38\n"
    "        movl $0x10000, %ebx\n"
    "gp_insn:\n"
    "        addr32 movb (%ebx), %al\n"
    "gp_resume:\n"
    /* INT 0x42 through the IVT, with IF set before it. */
    "        movw $" RM(int42_after) ", " RM(rm_results) "+40\n"
    "        movw $0x1111, %ax\n"
    "        sti\n"
    "        int $0x42\n"
    "int42_after:\n"
    "        cli\n"
    "        movw %ax, " RM(rm_results) "+18\n"
    /* A20 through port 0x92. */
    "        inb $0x92, %al\n"
    "        andw $2, %ax\n"
    "        movw %ax, " RM(rm_results) "+20\n"
    "        xorw %ax, %ax\n"
    "        movw %ax, %es\n"
    "        movw $0xffff, %ax\n"
    "        movw %ax, %fs\n"
    "        movb %es:0, %cl\n"            /* saved bytes */
    "        movb %fs:0x10, %ch\n"
    "        movb $0x11, %es:0\n"
    "        movb $0xc3, %fs:0x10\n"
    "        movzbw %es:0, %ax\n"
    "        movw %ax, " RM(rm_results) "+22\n"
    "        inb $0x92, %al\n"
    "        andb $~2, %al\n"
    "        outb %al, $0x92\n"
    "        movb $0xd4, %fs:0x10\n"
    "        movzbw %es:0, %ax\n"
    "        movw %ax, " RM(rm_results) "+24\n"
    "        inb $0x92, %al\n"
    "        andw $2, %ax\n"
    "        movw %ax, " RM(rm_results) "+26\n"
    "        movb %cl, %es:0\n"            /* the same byte while A20 is off */
    "        inb $0x92, %al\n"
    "        orb $2, %al\n"
    "        outb %al, $0x92\n"
    "        movb %ch, %fs:0x10\n"
    "        inb $0x92, %al\n"
    "        andw $2, %ax\n"
    "        movw %ax, " RM(rm_results) "+28\n"
    /* Into 16-bit protected mode and back. */
    "        movl %cr0, %eax\n"
    "        orl $1, %eax\n"
    "        movl %eax, %cr0\n"
    "        ljmp $0x30, $0x8000+" RM(pm16b) "\n"
    "pm16b:\n"
    "        movw %cs, %ax\n"
    "        movw %ax, " RM(rm_results) "+30\n"   /* DS still base 0x8000 */
    "        smsw %ax\n"
    "        movw %ax, " RM(rm_results) "+32\n"
    "        movw $0x38, %ax\n"
    "        movw %ax, %ds\n"
    "        movw $0x5a5a, 0x8000+" RM(rm_results) "+34\n"
    "        movl %cr0, %eax\n"
    "        andl $~1, %eax\n"
    "        movl %eax, %cr0\n"
    "        ljmp $0x0800, $" RM(rm_back) "\n"
    "rm_back:\n"
    "        movw $0x0800, %ax\n"
    "        movw %ax, %ds\n"
    "        movw %cs, %ax\n"
    "        movw %ax, " RM(rm_results) "+36\n"
    /* Back to 32-bit protected mode. */
    "        movl %cr0, %eax\n"
    "        orl $1, %eax\n"
    "        movl %eax, %cr0\n"
    "        ljmpl $0x08, $pm32_back\n"

    /* #GP handler: count it, record IP, resume after the instruction. */
    "gp_handler:\n"
    "        pushw %bp\n"
    "        movw %sp, %bp\n"
    "        incw " RM(rm_results) "+4\n"
    "        movw 2(%bp), %ax\n"
    "        movw %ax, " RM(rm_results) "+6\n"
    "        movw $" RM(gp_resume) ", 2(%bp)\n"
    "        popw %bp\n"
    "        iret\n"
    /* INT 0x42: record the frame and the flags inside, change AX. */
    "int42_handler:\n"
    "        pushw %bp\n"
    "        movw %sp, %bp\n"
    "        incw " RM(rm_results) "+8\n"
    "        movw 2(%bp), %bx\n"
    "        movw %bx, " RM(rm_results) "+10\n"
    "        movw 4(%bp), %bx\n"
    "        movw %bx, " RM(rm_results) "+12\n"
    "        movw 6(%bp), %bx\n"
    "        movw %bx, " RM(rm_results) "+14\n"
    "        pushfw\n"
    "        popw %bx\n"
    "        movw %bx, " RM(rm_results) "+16\n"
    "        addw $0x2222, %ax\n"
    "        popw %bp\n"
    "        iret\n"

    "        .balign 4\n"
    "rm_saved_esp:\n"
    "        .long 0\n"
    "rm_saved_idt:\n"
    "        .word 0\n"
    "        .long 0\n"
    "rm_ivt_desc:\n"
    "        .word 0x3ff\n"
    "        .long 0\n"
    "        .balign 2\n"
    "rm_results:\n"
    "        .fill 32, 2, 0\n"
    "        .balign 16\n"
    "        .fill 256, 1, 0\n"
    "rm_stack_top:\n"
    "rm_end:\n"
    "        .code32\n"
    "        .text\n");

static volatile uint16_t *low_results(void)
{
    return (volatile uint16_t *)(uintptr_t)(LOW_BASE +
                                            (rm_results - rm_start));
}

int main(const MultibootInfo *mbi)
{
    volatile uint8_t *lin = 0;
    volatile uint16_t *r;
    uint32_t ivt_save[256];

    memcpy(ivt_save, (const void *)0, sizeof(ivt_save));
    memcpy((void *)(uintptr_t)LOW_BASE, rm_start, (size_t)(rm_end - rm_start));
    lin[0x179b8] = 0;
    lin[0x20010] = 0;
    lin[0x30010] = 0;
    rm_run();
    r = low_results();
    printf("back in 32-bit protected mode\n");
#ifdef REALMODE_A20
    printf("A20: port 0x92 bit 1 at start %u; enabled: 0:0 reads 0x%02x "
           "after FFFF:0010 = 0xc3; disabled (bit %u): reads 0x%02x after "
           "FFFF:0010 = 0xd4; re-enabled: bit %u\n",
           r[R_A20_INITIAL] >> 1, r[R_A20_ON_READ], r[R_A20_OFF_PORT] >> 1,
           r[R_A20_OFF_READ], r[R_A20_FINAL] >> 1);
#else
    printf("1234:5678 wrote linear 0x179b8: 0x%02x, read back as "
           "179B:0008: 0x%02x\n", lin[0x179b8], r[R_ALIAS]);
    printf("2000:(FFF0+0x20) wrapped to linear 0x20010: %s "
           "(0x30010 untouched: %s)\n",
           lin[0x20010] == 0xb2 ? "yes" : "no",
           lin[0x30010] == 0 ? "yes" : "no");
    printf("32-bit offset 0x10000: #GP %u, at the faulting IP: %s\n",
           r[R_GP_COUNT], r[R_GP_IP] == r[R_GP_EXPECT_IP] ? "yes" : "no");
    printf("INT 0x42 through the IVT: %u call, return IP %s, CS 0x%04x, "
           "pushed IF %u, IF in handler %u, AX 0x%04x\n", r[R_INT_COUNT],
           r[R_INT_IP] == r[R_INT_EXPECT_IP] ? "right" : "wrong",
           r[R_INT_CS], (r[R_INT_FLAGS] >> 9) & 1,
           (r[R_INT_CUR_FLAGS] >> 9) & 1, r[R_INT_AX]);
    printf("16-bit protected mode from real mode: CS 0x%04x, MSW.PE %u, "
           "store through a base-0 selector: %s; back in real mode with "
           "CS 0x%04x\n", r[R_PM16_CS], r[R_PM16_MSW] & 1,
           r[R_PM16_STORE] == 0x5a5a ? "yes" : "no", r[R_BACK_CS]);
#endif
    memcpy((void *)0, ivt_save, sizeof(ivt_save));
    return check_failures();
}
