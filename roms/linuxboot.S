/*
 * linuxboot: an option ROM that boots the Linux kernel the machine put in
 * fw_cfg, through the kernel's real-mode setup code (Documentation/arch/
 * x86/boot.rst), for a BIOS that runs ROMs from fw_cfg "genroms/" files
 * (SeaBIOS on Kite's and QEMU's pc machines).
 *
 * The machine prepares everything (hw/pc/linuxboot.c): the setup code with
 * the loader's header fields filled in, the protected-mode kernel, the
 * initrd and the command line, each as fw_cfg items with their load
 * address, size and data (FW_CFG_SETUP_*, KERNEL_*, INITRD_*, CMDLINE_*).
 * This ROM only moves them: it reads each address and size through the
 * fw_cfg I/O ports and each item's data with one fw_cfg DMA transfer
 * (which reaches any physical address from real mode), then jumps to the
 * setup code at (setup address / 16 + 0x20):0 with DS = ES = FS = GS =
 * SS = setup address / 16 and SP below the command line, interrupts off.
 *
 * The image: the option ROM header (55 AA, size in 512-byte blocks, an
 * init entry at offset 3 that only returns), a PnP expansion header at
 * 0x20 (BIOS Boot Specification) whose bootstrap entry vector (BEV) is
 * the boot code below, so the BIOS lists the ROM as a boot device. The
 * size byte, the PnP header checksum and the ROM checksum (all bytes sum
 * to 0) are filled after linking by roms/romsum.c.
 *
 * Assembled as 16-bit code by GNU as (.code16), linked at 0 and copied out
 * as a flat binary.
 */
#define FW_CFG_PORT_SEL     0x510
#define FW_CFG_PORT_DATA    0x511
#define FW_CFG_PORT_DMA_HI  0x514
#define FW_CFG_PORT_DMA_LO  0x518

#define FW_CFG_KERNEL_ADDR  0x07
#define FW_CFG_KERNEL_SIZE  0x08
#define FW_CFG_INITRD_ADDR  0x0a
#define FW_CFG_INITRD_SIZE  0x0b
#define FW_CFG_KERNEL_DATA  0x11
#define FW_CFG_INITRD_DATA  0x12
#define FW_CFG_CMDLINE_ADDR 0x13
#define FW_CFG_CMDLINE_SIZE 0x14
#define FW_CFG_CMDLINE_DATA 0x15
#define FW_CFG_SETUP_ADDR   0x16
#define FW_CFG_SETUP_SIZE   0x17
#define FW_CFG_SETUP_DATA   0x18

/* FWCfgDmaAccess.control: select the key in bits 31:16, then read */
#define DMA_CTL_ERROR       0x01
#define DMA_CTL_READ        0x02
#define DMA_CTL_SELECT      0x08

    .code16
    .text
    .globl _start
_start:
    .byte 0x55, 0xaa
    .byte 0                     /* size / 512: romsum */
    lret                        /* init (offset 3): nothing to set up */

    .org 0x18
    .word 0                     /* no PCI data structure */
    .word pnp_header

    .org 0x20
pnp_header:
    .ascii "$PnP"
    .byte 0x01                  /* structure revision */
    .byte 0x02                  /* length: 2 * 16 bytes */
    .word 0x0000                /* no next header */
    .byte 0x00                  /* reserved */
    .byte 0x00                  /* checksum of the 32 bytes: romsum */
    .long 0x00000000            /* device identifier */
    .word manufacturer
    .word product
    .byte 0x00, 0x00, 0x00      /* device type: none given */
    .byte 0x00                  /* device indicators */
    .word 0x0000                /* boot connection vector: none */
    .word 0x0000                /* disconnect vector: none */
    .word boot                  /* bootstrap entry vector */
    .word 0x0000                /* reserved */
    .word 0x0000                /* static resource information: none */

manufacturer:
    .asciz "Kite"
product:
    .asciz "Linux loader (fw_cfg DMA)"

/*
 * cfg_read32: %ax = key; returns the item's first 4 bytes (little-endian)
 * in %ebx. Clobbers %eax, %cx, %dx.
 */
cfg_read32:
    movw $FW_CFG_PORT_SEL, %dx
    outw %ax, %dx
    movw $FW_CFG_PORT_DATA, %dx
    xorl %ebx, %ebx
    movw $4, %cx
1:  inb %dx, %al
    shrl $8, %ebx
    movzbl %al, %eax
    shll $24, %eax
    orl %eax, %ebx
    loop 1b
    ret

/*
 * cfg_dma_read: %ax = key, %edi = physical destination, %ecx = length.
 * One FWCfgDmaAccess on the stack (big-endian fields), its physical
 * address to the DMA ports; waits until the device clears the control
 * word. Clobbers %eax, %ebx, %ecx, %edx, %bp.
 */
cfg_dma_read:
    jecxz 3f
    subw $16, %sp
    movw %sp, %bp
    movzwl %ax, %eax
    shll $16, %eax
    orl $(DMA_CTL_SELECT | DMA_CTL_READ), %eax
    bswapl %eax
    movl %eax, 0(%bp)
    bswapl %ecx
    movl %ecx, 4(%bp)
    movl $0, 8(%bp)
    movl %edi, %eax
    bswapl %eax
    movl %eax, 12(%bp)
    movw %ss, %ax               /* physical address of the structure */
    movzwl %ax, %ebx
    shll $4, %ebx
    movzwl %bp, %eax
    addl %eax, %ebx
    bswapl %ebx
    movw $FW_CFG_PORT_DMA_HI, %dx
    xorl %eax, %eax
    outl %eax, %dx
    movw $FW_CFG_PORT_DMA_LO, %dx
    movl %ebx, %eax
    outl %eax, %dx              /* starts the transfer */
2:  movl 0(%bp), %eax
    bswapl %eax
    andl $~DMA_CTL_ERROR, %eax
    jnz 2b
    addw $16, %sp
3:  ret

/* load_item: reads an item's address and size, then DMAs its data there */
.macro load_item addr_key, size_key, data_key
    movw $\addr_key, %ax
    call cfg_read32
    pushl %ebx
    movw $\size_key, %ax
    call cfg_read32
    movl %ebx, %ecx
    popl %edi
    movw $\data_key, %ax
    call cfg_dma_read
.endm

/* The bootstrap entry: load everything, enter the setup code. */
boot:
    cli
    cld
    load_item FW_CFG_SETUP_ADDR, FW_CFG_SETUP_SIZE, FW_CFG_SETUP_DATA
    load_item FW_CFG_KERNEL_ADDR, FW_CFG_KERNEL_SIZE, FW_CFG_KERNEL_DATA
    load_item FW_CFG_INITRD_ADDR, FW_CFG_INITRD_SIZE, FW_CFG_INITRD_DATA
    load_item FW_CFG_CMDLINE_ADDR, FW_CFG_CMDLINE_SIZE, FW_CFG_CMDLINE_DATA

    /* stack: up to 16 bytes below the command line, in the segment */
    movw $FW_CFG_CMDLINE_ADDR, %ax
    call cfg_read32
    movl %ebx, %esi
    movw $FW_CFG_SETUP_ADDR, %ax
    call cfg_read32
    subl %ebx, %esi
    subl $16, %esi
    cmpl $0xfff0, %esi
    jbe 4f
    movl $0xfff0, %esi
4:  shrl $4, %ebx
    movw %bx, %ds
    movw %bx, %es
    movw %bx, %fs
    movw %bx, %gs
    movw %bx, %ss
    movw %si, %sp
    addw $0x20, %bx
    pushw %bx
    pushw $0
    lret

    .skip 1, 0                  /* at least one byte for the checksum */
    .balign 512, 0

