/*
 * crt32.S - entry code for Kite's 32-bit guest test programs (the ones
 * named m32-*.c). Like crt0.S this is a multiboot v1 kernel (Multiboot
 * Specification 0.6.96, 3.1), but it stays in 32-bit protected mode with
 * paging off: it loads its own GDT (writable, so tests can add
 * descriptors), flat segments and a stack, clears .bss and calls
 * guest_start32(magic, info) in runtime32.c.
 *
 * GDT layout (selectors), shared with guest32.h:
 *   0x08 32-bit code DPL 0     0x10 data DPL 0
 *   0x18 32-bit code DPL 3     0x20 data DPL 3
 *   0x28 32-bit TSS            0x30 16-bit code DPL 0 (base 0, 64 KiB)
 *   0x38 16-bit data DPL 0     0x40..0x78 free for tests
 */

#define MB_MAGIC        0x1BADB002
#define MB_FLAGS        0x00000003

        .section .multiboot, "a"
        .align 4
        .long MB_MAGIC
        .long MB_FLAGS
        .long -(MB_MAGIC + MB_FLAGS)

        .text
        .code32
        .globl _start
_start:
        cli
        movl %eax, %edi
        movl %ebx, %esi
        lgdt gdt32_desc
        ljmp $0x08, $1f
1:      movl $0x10, %eax
        movl %eax, %ds
        movl %eax, %es
        movl %eax, %ss
        movl %eax, %fs
        movl %eax, %gs
        movl $stack32_top, %esp
        pushl %edi
        movl $__bss_start, %edi
        movl $__bss_end, %ecx
        subl %edi, %ecx
        xorl %eax, %eax
        cld
        rep stosb
        popl %edi
        pushl %esi
        pushl %edi
        xorl %ebp, %ebp
        call guest_start32
1:      hlt
        jmp 1b

/*
 * Interrupt stubs, 16 bytes apart (stub N at isr32_stubs + 16 * N). A zero
 * error code is pushed for vectors where the CPU pushes none (SDM vol. 3A,
 * 6.13), so every frame has the layout of TrapFrame32.
 */
        .align 16
        .globl isr32_stubs
isr32_stubs:
        .set vec, 0
        .rept 256
        .align 16
        .if (vec == 8) || ((vec >= 10) && (vec <= 14)) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
        .else
        pushl $0
        .endif
        pushl $vec
        jmp isr32_common
        .set vec, vec + 1
        .endr

isr32_common:
        pushl %ds
        pushl %es
        pushl %fs
        pushl %gs
        pushal
        movl $0x10, %eax
        movl %eax, %ds
        movl %eax, %es
        movl %esp, %eax
        pushl %eax
        cld
        call trap_dispatch32
        addl $4, %esp
        popal
        popl %gs
        popl %fs
        popl %es
        popl %ds
        addl $8, %esp
        iret

        .data
        .align 16
        .globl gdt32
gdt32:
        .quad 0
        .quad 0x00CF9A000000FFFF        /* 0x08 code, DPL 0 */
        .quad 0x00CF92000000FFFF        /* 0x10 data, DPL 0 */
        .quad 0x00CFFA000000FFFF        /* 0x18 code, DPL 3 */
        .quad 0x00CFF2000000FFFF        /* 0x20 data, DPL 3 */
        .quad 0                         /* 0x28 TSS, set by runtime32.c */
        .quad 0x00009A000000FFFF        /* 0x30 16-bit code */
        .quad 0x000092000000FFFF        /* 0x38 16-bit data */
        .fill 8, 8, 0                   /* 0x40..0x78 */
gdt32_end:
        .align 4
        .word 0
        .globl gdt32_desc
gdt32_desc:
        .word gdt32_end - gdt32 - 1
        .long gdt32

        .bss
        .align 16
stack32:
        .skip 16384
        .globl stack32_top
stack32_top:

        .section .note.GNU-stack, "", @progbits
