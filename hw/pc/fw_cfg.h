/*
 * QEMU's firmware configuration interface (fw_cfg), I/O port variant.
 *
 * The guest selects an item by writing its 16-bit key to the selector
 * port (0x510) and reads the item's bytes one at a time from the data port
 * (0x511), or asks for a whole transfer with a FWCfgDmaAccess structure
 * whose guest-physical address it writes, big-endian, to 0x514 (high 32
 * bits) and 0x518 (low 32 bits; this write starts the transfer). Items are
 * read-only byte blobs: fixed keys below 0x20, named files from 0x20 up
 * listed in a sorted directory at key 0x19, and a few x86-specific keys
 * from 0x8000.
 *
 * The machine and the loaders fill it through the functions below; every
 * blob is copied, so callers keep ownership of their buffers. Keys and
 * layouts follow QEMU's docs/specs/fw_cfg.txt so SeaBIOS and Linux's
 * fw_cfg driver work unchanged.
 */
#ifndef KITE_FW_CFG_H
#define KITE_FW_CFG_H

#include "hw/pc/pc.h"

#define FW_CFG_IO_BASE        0x510
#define FW_CFG_DMA_IO_BASE    0x514

/* Fixed keys. */
#define FW_CFG_SIGNATURE      0x00
#define FW_CFG_ID             0x01
#define FW_CFG_UUID           0x02
#define FW_CFG_RAM_SIZE       0x03
#define FW_CFG_NOGRAPHIC      0x04
#define FW_CFG_NB_CPUS        0x05
#define FW_CFG_MACHINE_ID     0x06
#define FW_CFG_KERNEL_ADDR    0x07
#define FW_CFG_KERNEL_SIZE    0x08
#define FW_CFG_KERNEL_CMDLINE 0x09
#define FW_CFG_INITRD_ADDR    0x0a
#define FW_CFG_INITRD_SIZE    0x0b
#define FW_CFG_BOOT_DEVICE    0x0c
#define FW_CFG_NUMA           0x0d
#define FW_CFG_BOOT_MENU      0x0e
#define FW_CFG_MAX_CPUS       0x0f
#define FW_CFG_KERNEL_ENTRY   0x10
#define FW_CFG_KERNEL_DATA    0x11
#define FW_CFG_INITRD_DATA    0x12
#define FW_CFG_CMDLINE_ADDR   0x13
#define FW_CFG_CMDLINE_SIZE   0x14
#define FW_CFG_CMDLINE_DATA   0x15
#define FW_CFG_SETUP_ADDR     0x16
#define FW_CFG_SETUP_SIZE     0x17
#define FW_CFG_SETUP_DATA     0x18
#define FW_CFG_FILE_DIR       0x19
#define FW_CFG_FILE_FIRST     0x20
#define FW_CFG_FILE_SLOTS     0x40           /* files from 0x20 to 0x5f */
#define FW_CFG_WRITE_CHANNEL  0x4000         /* selector bit, ignored */
#define FW_CFG_ARCH_LOCAL     0x8000
#define FW_CFG_ARCH_SLOTS     0x10           /* 0x8000 to 0x800f */

/* x86-specific keys (FW_CFG_ARCH_LOCAL + n), as QEMU's pc machine. */
#define FW_CFG_ACPI_TABLES    (FW_CFG_ARCH_LOCAL + 0)
#define FW_CFG_SMBIOS_ENTRIES (FW_CFG_ARCH_LOCAL + 1)
#define FW_CFG_IRQ0_OVERRIDE  (FW_CFG_ARCH_LOCAL + 2)
#define FW_CFG_E820_TABLE     (FW_CFG_ARCH_LOCAL + 3)
#define FW_CFG_HPET           (FW_CFG_ARCH_LOCAL + 4)

/* FW_CFG_ID bits. */
#define FW_CFG_VERSION        0x01
#define FW_CFG_VERSION_DMA    0x02

/* FWCfgDmaAccess.control bits. */
#define FW_CFG_DMA_CTL_ERROR  0x01
#define FW_CFG_DMA_CTL_READ   0x02
#define FW_CFG_DMA_CTL_SKIP   0x04
#define FW_CFG_DMA_CTL_SELECT 0x08
#define FW_CFG_DMA_CTL_WRITE  0x10

/* "QEMU CFG" read as a big-endian 64-bit value from the DMA port. */
#define FW_CFG_DMA_SIGNATURE  0x51454d5520434647ull

#define FW_CFG_MAX_FILE_NAME  56
#define FW_CFG_MAX_ITEM_SIZE  (1ull << 31)   /* larger blobs are refused */

/*
 * Creates the "fw_cfg_io" device under m->root, maps its ports, fills the
 * signature, ID, UUID, RAM size, CPU counts and "etc/e820", and sets
 * m->fw_cfg. Returns NULL with err set on failure.
 */
FwCfgState *fw_cfg_init(Machine *m, Error *err);
Device *fw_cfg_device(FwCfgState *s);

/*
 * Sets (or replaces) a fixed key (below FW_CFG_FILE_FIRST, not the
 * directory) or an arch-local key. The data is copied. Returns 0, or -1 if
 * the key cannot be set or the blob is too large.
 */
int fw_cfg_add_bytes(FwCfgState *s, uint16_t key, const void *data,
                     size_t len);
/* Little-endian integers, as QEMU stores them. */
int fw_cfg_add_i16(FwCfgState *s, uint16_t key, uint16_t v);
int fw_cfg_add_i32(FwCfgState *s, uint16_t key, uint32_t v);
int fw_cfg_add_i64(FwCfgState *s, uint16_t key, uint64_t v);
/* The string with its terminating NUL. */
int fw_cfg_add_string(FwCfgState *s, uint16_t key, const char *str);

/*
 * Adds a named file ("etc/e820", "genroms/linuxboot.bin"). The directory
 * is kept sorted by name, so a file's key is only final once every file
 * has been added. Returns 0, or -1 for an empty, too long or duplicate
 * name, a full directory or a too large blob.
 */
int fw_cfg_add_file(FwCfgState *s, const char *name, const void *data,
                    size_t len);
/* Key of a file, or -1 if there is none of that name. */
int fw_cfg_file_key(FwCfgState *s, const char *name);

#endif
