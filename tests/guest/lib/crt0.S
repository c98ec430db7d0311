/*
 * crt0.S - entry code for Kite's guest test programs.
 *
 * The image is a multiboot v1 kernel (Multiboot Specification 0.6.96,
 * section 3.1: header magic, flags, checksum in the first 8 KiB). The
 * loader enters _start in 32-bit protected mode with paging off, EAX =
 * 0x2BADB002 and EBX = the multiboot information block.
 *
 * The 32-bit part is as short as possible (some hosts emulate 32-bit guest
 * code one instruction at a time): the identity page tables are static
 * data, so the entry only loads CR3, turns on PAE, EFER.LME and paging
 * (Intel SDM vol. 3A, 10.8.5 "Initializing IA-32e Mode"), loads a GDT and
 * jumps to 64-bit code. The 64-bit part clears .bss, sets up segments and
 * the stack and calls guest_start(magic, info) in runtime.c.
 */

#define MB_MAGIC        0x1BADB002
#define MB_FLAGS        0x00000003      /* align modules, give memory info */

#define CR0_PE          0x00000001
#define CR0_MP          0x00000002
#define CR0_EM          0x00000004
#define CR0_PG          0x80000000
#define CR4_PAE         0x00000020
#define CR4_OSFXSR      0x00000200
#define CR4_OSXMMEXCPT  0x00000400
#define MSR_EFER        0xC0000080
#define EFER_LME        0x00000100

#define SEL_CODE64      0x08
#define SEL_DATA        0x10

#define PTE_PRESENT     0x001
#define PTE_WRITE       0x002
#define PTE_LARGE       0x080

        .section .multiboot, "a"
        .align 4
        .long MB_MAGIC
        .long MB_FLAGS
        .long -(MB_MAGIC + MB_FLAGS)

        .section .text.entry32, "ax"
        .code32
        .globl _start
_start:
        cli
        movl %eax, %edi                 /* kept for guest_start */
        movl %ebx, %esi
        lgdt gdt_desc
        movl $pml4, %eax
        movl %eax, %cr3
        movl %cr4, %eax
        orl $CR4_PAE, %eax             /* guests use general registers only */
        movl %eax, %cr4
        movl $MSR_EFER, %ecx
        rdmsr
        orl $EFER_LME, %eax
        wrmsr
        movl %cr0, %eax
        andl $~CR0_EM, %eax
        orl $(CR0_PE | CR0_MP | CR0_PG), %eax
        movl %eax, %cr0
        ljmp $SEL_CODE64, $entry64

        .text
        .code64
entry64:
        movl $SEL_DATA, %eax
        movl %eax, %ds
        movl %eax, %es
        movl %eax, %ss
        movl %eax, %fs
        movl %eax, %gs
        movl %edi, %r12d                /* multiboot magic, zero-extended */
        movl %esi, %r13d                /* multiboot info address */
        movq $__bss_start, %rdi
        movq $__bss_end, %rcx
        subq %rdi, %rcx
        xorl %eax, %eax
        cld
        rep stosb
        movq $stack_top, %rsp
        xorl %ebp, %ebp
        movq %r12, %rdi
        movq %r13, %rsi
        call guest_start
1:      hlt
        jmp 1b

/*
 * Interrupt stubs: 256 of them, 16 bytes apart, so runtime.c finds stub N
 * at isr_stubs + 16 * N. Vectors where the CPU pushes no error code get a
 * zero pushed instead, so every frame has the same layout (SDM vol. 3A,
 * 6.13 "Error Code").
 */
        .align 16
        .globl isr_stubs
isr_stubs:
        .set vec, 0
        .rept 256
        .align 16
        .if (vec == 8) || ((vec >= 10) && (vec <= 14)) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
        .else
        pushq $0
        .endif
        pushq $vec
        jmp isr_common
        .set vec, vec + 1
        .endr

isr_common:
        pushq %rax
        pushq %rcx
        pushq %rdx
        pushq %rbx
        pushq %rbp
        pushq %rsi
        pushq %rdi
        pushq %r8
        pushq %r9
        pushq %r10
        pushq %r11
        pushq %r12
        pushq %r13
        pushq %r14
        pushq %r15
        movq %rsp, %rdi
        cld
        call trap_dispatch
        popq %r15
        popq %r14
        popq %r13
        popq %r12
        popq %r11
        popq %r10
        popq %r9
        popq %r8
        popq %rdi
        popq %rsi
        popq %rbp
        popq %rbx
        popq %rdx
        popq %rcx
        popq %rax
        addq $16, %rsp                  /* vector and error code */
        iretq

        .section .rodata
        .align 16
gdt:
        .quad 0                         /* null */
        .quad 0x00AF9A000000FFFF        /* 0x08: 64-bit code, DPL 0 */
        .quad 0x00CF92000000FFFF        /* 0x10: flat data, DPL 0 */
gdt_end:
        .align 4
        .word 0
gdt_desc:
        .word gdt_end - gdt - 1
        .long gdt

/*
 * Identity map of the first 4 GiB with 2 MiB pages: one PML4 entry, four
 * PDPT entries, four page directories of 512 entries each.
 */
        .section .data.pagetables, "aw"
        .align 4096
pml4:
        .quad pdpt + (PTE_PRESENT | PTE_WRITE)
        .fill 511, 8, 0
pdpt:
        .quad pd + 0x0000 + (PTE_PRESENT | PTE_WRITE)
        .quad pd + 0x1000 + (PTE_PRESENT | PTE_WRITE)
        .quad pd + 0x2000 + (PTE_PRESENT | PTE_WRITE)
        .quad pd + 0x3000 + (PTE_PRESENT | PTE_WRITE)
        .fill 508, 8, 0
pd:
        .set page, 0
        .rept 2048
        .quad (page << 21) + (PTE_PRESENT | PTE_WRITE | PTE_LARGE)
        .set page, page + 1
        .endr

        .bss
        .align 16
stack:
        .skip 32768
stack_top:

        .section .note.GNU-stack, "", @progbits
