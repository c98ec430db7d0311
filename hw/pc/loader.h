/*
 * Boot loaders of the pc machine: Linux bzImage (x86 boot protocol),
 * multiboot v1, and raw firmware images for -bios. Each parses an image
 * held in host memory, writes it into guest memory, and describes the
 * CPU state to start from. Malformed images give a clear error; nothing
 * is written outside guest RAM.
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

int linux_load(Machine *m, const uint8_t *kernel, size_t ksize,
               const uint8_t *initrd, size_t isize, const char *cmdline,
               X86CPUState *cpu, Error *err);
/* True if the image carries a multiboot v1 header in its first 8 KiB. */
bool multiboot_detect(const uint8_t *img, size_t size);
/* modules: "-initrd" style list "file1 args,file2 args" (may be NULL). */
int multiboot_load(Machine *m, const uint8_t *img, size_t size,
                   const char *cmdline, const char *modules,
                   X86CPUState *cpu, Error *err);
int bios_load(Machine *m, const uint8_t *img, size_t size, X86CPUState *cpu,
              Error *err);

#endif
