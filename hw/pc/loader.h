/*
 * Boot loaders of the pc machine: Linux bzImage (x86 boot protocol),
 * multiboot v1, PVH ELF kernels, and raw firmware images for -bios. Each
 * parses an image held in host memory, writes it into guest memory, and
 * describes the CPU state to start from. Malformed images give a clear
 * error; nothing is written outside guest RAM.
 */
#ifndef KITE_LOADER_H
#define KITE_LOADER_H

#include "hw/pc/pc.h"

/*
 * Loads whatever the configuration names (-bios, or -kernel with -initrd
 * and -append), filling m->boot_state and setting m->have_boot_state.
 * Returns 0, or -1 with err set.
 */
int pc_load_boot(Machine *m, Error *err);

/*
 * What -kernel holds, from its contents: an ELF with a PVH entry note
 * (PVH wins over a multiboot header, as in QEMU), a multiboot v1 image,
 * another ELF (refused: neither multiboot nor PVH), else a bzImage.
 */
typedef enum KernelKind {
    KERNEL_BZIMAGE,
    KERNEL_MULTIBOOT,
    KERNEL_PVH,
    KERNEL_ELF_OTHER,
} KernelKind;
KernelKind pc_kernel_kind(const uint8_t *img, size_t size);

/*
 * Loads a bzImage (boot protocol 2.06+) with an optional initrd (NULL or
 * isize 0: none) and command line (NULL: empty) into guest RAM, and sets
 * cpu to its 64-bit entry (XLF_KERNEL_64) or its 32-bit one. Returns 0,
 * or -1 with err set and guest memory untouched.
 */
int linux_load(Machine *m, const uint8_t *kernel, size_t ksize,
               const uint8_t *initrd, size_t isize, const char *cmdline,
               X86CPUState *cpu, Error *err);
/*
 * True if the image carries a multiboot v1 header (4-byte aligned, in its
 * first 8 KiB) with a valid checksum, or any such magic when the image is
 * not a bzImage (so a broken header gets a multiboot error message).
 */
bool multiboot_detect(const uint8_t *img, size_t size);
/*
 * cmdline: the kernel's command line (NULL: empty). modules: "-initrd"
 * style list "file1 args,file2 args" (",," is a literal comma; NULL: no
 * modules); the module files are read here. Returns 0, or -1 with err set
 * and guest memory untouched.
 */
int multiboot_load(Machine *m, const uint8_t *img, size_t size,
                   const char *cmdline, const char *modules,
                   X86CPUState *cpu, Error *err);
/*
 * True if img is an ELF image with a PVH entry note ("Xen" note of type
 * XEN_ELFNOTE_PHYS32_ENTRY) in a PT_NOTE segment.
 */
bool pvh_detect(const uint8_t *img, size_t size);
/*
 * Loads an ELF kernel through the PVH boot ABI: PT_LOAD segments at their
 * physical addresses, the initrd (NULL or isize 0: none) as module 0, an
 * hvm_start_info with the command line (NULL: empty) and the e820 map;
 * cpu gets the 32-bit PVH entry state. An ELF without the note gets an
 * error naming both multiboot and PVH. Returns 0, or -1 with err set and
 * guest memory untouched.
 */
int pvh_load(Machine *m, const uint8_t *img, size_t size,
             const uint8_t *initrd, size_t isize, const char *cmdline,
             X86CPUState *cpu, Error *err);
/*
 * Maps a raw firmware image (non-zero multiple of 64 KiB, at most 16 MiB)
 * as m->bios at the top of 4 GiB and its last 128 KiB below 1 MiB; cpu
 * gets the reset state. Loading again replaces the image.
 */
int bios_load(Machine *m, const uint8_t *img, size_t size, X86CPUState *cpu,
              Error *err);

#endif
