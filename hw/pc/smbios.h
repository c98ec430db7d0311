/*
 * SMBIOS tables (DMTF DSP0134, structures as in version 2.8) describing
 * the pc machine: BIOS (type 0), system (1), chassis (3), one processor
 * per vCPU (4), the physical memory array (16), its memory devices (17,
 * one per 16 GiB as QEMU does), the mapped address ranges (19, below and
 * above 4 GiB), system boot information (32) and the end-of-table marker
 * (127). Kite names itself as manufacturer and product.
 *
 * Delivered two ways, as the ACPI tables are:
 * - through fw_cfg for firmware, as QEMU gives SeaBIOS:
 *   "etc/smbios/smbios-tables" (no type 0: SeaBIOS adds its own BIOS
 *   information) and "etc/smbios/smbios-anchor" (a 2.1 32-bit entry point
 *   whose table address the firmware fills in);
 * - for -kernel boots, in guest RAM: the tables at SMBIOS_TABLES_ADDR and
 *   both entry points ("_SM3_" 3.0 64-bit, "_SM_" 2.1 32-bit) on 16-byte
 *   boundaries of 0xf0000-0xfffff, where Linux's DMI scan looks for them.
 */
#ifndef KITE_SMBIOS_H
#define KITE_SMBIOS_H

#include "hw/acpi/aml.h"
#include "hw/pc/pc.h"

#define SMBIOS_FILE_TABLES  "etc/smbios/smbios-tables"
#define SMBIOS_FILE_ANCHOR  "etc/smbios/smbios-anchor"

#define SMBIOS_EP21_SIZE    31
#define SMBIOS_EP30_SIZE    24
#define SMBIOS_EP30_ADDR    0xf0060ull   /* after the RSDP and MP pointer */
#define SMBIOS_EP21_ADDR    0xf0080ull
#define SMBIOS_TABLES_ADDR  0xf1000ull   /* after the MP table */
#define SMBIOS_TABLES_MAX   0x7000u      /* up to 0xf8000 */

#define SMBIOS_MEM_DEVICE_SIZE (16 * GiB)   /* one type 17 per 16 GiB */

typedef struct SmbiosConfig {
    uint64_t below_4g, above_4g;     /* RAM below and above 4 GiB */
    int ncpus;
    bool bios_info;                  /* include type 0 (no firmware) */
    const char *version;             /* Kite's version string */
} SmbiosConfig;

typedef struct SmbiosTables {
    ByteBuf data;                    /* the structures, back to back */
    uint16_t count;                  /* number of structures */
    uint16_t max_size;               /* largest, with its strings */
} SmbiosTables;

/* Builds the structure table; free with smbios_tables_free. */
void smbios_build(const SmbiosConfig *c, SmbiosTables *t);
void smbios_tables_free(SmbiosTables *t);
/* The entry points for tables at addr (0 for the fw_cfg anchor). */
void smbios_entry21(const SmbiosTables *t, uint32_t addr,
                    uint8_t ep[SMBIOS_EP21_SIZE]);
void smbios_entry30(const SmbiosTables *t, uint64_t addr,
                    uint8_t ep[SMBIOS_EP30_SIZE]);

#endif
