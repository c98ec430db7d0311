/*
 * Private to the pc loaders: byte offsets of the Linux x86 boot protocol
 * (Documentation/arch/x86/boot.rst, "The real-mode kernel header", and
 * zero-page.rst), the low-memory layout the loaders use, and the helpers
 * they share (bounds-checked writes to guest RAM, flat-mode CPU setup).
 *
 * Offsets are from the start of the image, which is also the start of
 * boot_params (the "zero page"): the setup header sits at 0x1f1 in both.
 */
#ifndef KITE_BOOTPARAM_H
#define KITE_BOOTPARAM_H

#include "hw/pc/loader.h"

/* boot_params fields outside the setup header */
#define BP_EXT_RAMDISK_IMAGE  0x0c0
#define BP_EXT_RAMDISK_SIZE   0x0c4
#define BP_EXT_CMD_LINE_PTR   0x0c8
#define BP_E820_ENTRIES       0x1e8
#define BP_E820_TABLE         0x2d0
#define BP_E820_MAX           128
#define BP_E820_ENTRY_SIZE    20
#define BP_SIZE               4096

/* setup header fields (protocol version that introduced them) */
#define SH_START              0x1f1
#define SH_SETUP_SECTS        0x1f1
#define SH_VID_MODE           0x1fa
#define SH_BOOT_FLAG          0x1fe
#define SH_JUMP               0x200   /* its second byte: header length */
#define SH_HEADER             0x202   /* "HdrS" */
#define SH_VERSION            0x206
#define SH_TYPE_OF_LOADER     0x210
#define SH_LOADFLAGS          0x211
#define SH_CODE32_START       0x214
#define SH_RAMDISK_IMAGE      0x218
#define SH_RAMDISK_SIZE       0x21c
#define SH_HEAP_END_PTR       0x224   /* 2.01 */
#define SH_CMD_LINE_PTR       0x228   /* 2.02 */
#define SH_INITRD_ADDR_MAX    0x22c   /* 2.03 */
#define SH_KERNEL_ALIGNMENT   0x230   /* 2.05 */
#define SH_RELOCATABLE        0x234   /* 2.05 */
#define SH_XLOADFLAGS         0x236   /* 2.12 */
#define SH_CMDLINE_SIZE       0x238   /* 2.06 */
#define SH_PREF_ADDRESS       0x258   /* 2.10 */
#define SH_INIT_SIZE          0x260   /* 2.10 */
#define SH_MAX_END            0x290   /* where the header's room ends */

#define HDRS_MAGIC            0x53726448u  /* "HdrS" little-endian */
#define LF_LOADED_HIGH        0x01
#define LF_CAN_USE_HEAP       0x80
#define XLF_KERNEL_64         0x0001
#define LINUX_MIN_PROTOCOL    0x0206
#define LINUX_DEFAULT_LOAD    0x100000ull
#define LINUX_64BIT_ENTRY_OFF 0x200

/*
 * Low memory used by the loaders (all below the EBDA at 0x9fc00, the
 * first page and the real-mode IVT/BDA area left alone):
 *   0x01000  GDT: null, null, 0x10 code, 0x18 data (32 bytes)
 *   0x02000  PML4           (64-bit Linux entry only)
 *   0x03000  PDPT
 *   0x04000  4 page directories mapping 0-4 GiB with 2 MiB pages
 *   0x08000  .. 0x10000: stack for the boot CPU (grows down from 0x10000)
 *   0x10000  Linux boot_params (zero page) / multiboot info area start
 *   0x20000  Linux command line, up to BOOT_AREA_END
 *   0x9f000  BOOT_AREA_END
 */
#define BOOT_GDT_ADDR         0x1000ull
#define BOOT_GDT_SIZE         32
#define BOOT_PML4_ADDR        0x2000ull
#define BOOT_PDPT_ADDR        0x3000ull
#define BOOT_PD_ADDR          0x4000ull
#define BOOT_STACK_TOP        0x10000ull
#define BOOT_ZERO_PAGE_ADDR   0x10000ull
#define BOOT_CMDLINE_ADDR     0x20000ull
#define BOOT_AREA_END         0x9f000ull
#define BOOT_CS               0x10
#define BOOT_DS               0x18

/* Caps on files read from the host. */
#define LOADER_MAX_KERNEL     (1ull * GiB)
#define LOADER_MAX_INITRD     (4ull * GiB)
#define BIOS_MAX_SIZE         (16ull * MiB)
#define BIOS_SIZE_UNIT        (64ull * KiB)
#define BIOS_LOW_ALIAS_MAX    (128ull * KiB)  /* shown at 0xe0000-0xfffff */

/* True if [a, a+alen) and [b, b+blen) share a byte (no wrap assumed). */
static inline bool loader_ranges_overlap(uint64_t a, uint64_t alen,
                                         uint64_t b, uint64_t blen)
{
    return alen && blen && a < b + blen && b < a + alen;
}

/* What a file read for the guest may weigh: cap, and never more than RAM. */
uint64_t loader_file_limit(const Machine *m, uint64_t cap);
/* True if every byte of [addr, addr+len) is guest RAM (not ROM, not I/O). */
bool loader_ram_ok(Machine *m, uint64_t addr, uint64_t len);
/* Copies into guest RAM; -1 (nothing written) if any byte is not RAM. */
int loader_write(Machine *m, uint64_t addr, const void *buf, uint64_t len);
/* Zero-fills guest RAM; -1 (nothing written) if any byte is not RAM. */
int loader_zero(Machine *m, uint64_t addr, uint64_t len);

/* Fills the 4-entry boot GDT (64-bit code segment at 0x10 if long_mode). */
void loader_build_gdt(uint8_t gdt[BOOT_GDT_SIZE], bool long_mode);
/*
 * Puts cpu in flat 32-bit protected mode, paging off, interrupts off:
 * CS = BOOT_CS (base 0, 4 GiB, 32-bit), DS/ES/SS/FS/GS = BOOT_DS, GDTR at
 * gdt_addr. The caller sets the entry point and registers.
 */
void loader_cpu_flat32(X86CPUState *cpu, uint64_t gdt_addr);

#endif
