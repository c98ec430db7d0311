/*
 * Linux through the firmware: the fw_cfg items and the option ROM
 * (roms/linuxboot.S) with which SeaBIOS boots a bzImage through its
 * real-mode setup code, as QEMU's pc machine does (see linuxboot.c).
 */
#ifndef KITE_LINUXBOOT_H
#define KITE_LINUXBOOT_H

#include "hw/pc/pc.h"

#define LINUXBOOT_ROM_FILE  "genroms/linuxboot_dma.bin"
#define LINUXBOOT_BOOT_PATH "/rom@" LINUXBOOT_ROM_FILE

/* The ROM as built from roms/linuxboot.S (build/roms/linuxboot-rom.c). */
extern const uint8_t linuxboot_dma_rom[];
extern const size_t linuxboot_dma_rom_size;

/* Whether a bzImage needs its real-mode setup code to run (2.02-2.05,
 * or a code32_start outside the protected-mode part). */
bool linuxboot_needs_realmode(const uint8_t *img, size_t size);

/* The same for a kernel file (its header read); false if unreadable. */
bool linuxboot_wants_firmware(const char *kernel);

/*
 * Publishes the kernel, initrd and command line for the ROM and adds the
 * ROM to fw_cfg. -1 with err set for an image it cannot boot.
 */
int linuxboot_publish(Machine *m, const uint8_t *img, size_t size,
                      const uint8_t *initrd, size_t isize,
                      const char *cmdline, Error *err);

#endif
