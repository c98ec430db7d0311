/*
 * The pc machine's ACPI tables, built from its configuration (see
 * acpi.h). Layouts follow the ACPI 6.x specification: RSDP 5.2.5, RSDT
 * 5.2.7, XSDT 5.2.8, FADT 5.2.9 (written as revision 3, the ACPI 2.0
 * layout of 244 bytes that QEMU's pc machine uses), FACS 5.2.10, MADT
 * 5.2.12; the HPET table follows Intel's IA-PC HPET specification 1.0a.
 *
 * The DSDT is AML generated in C (hw/acpi/aml.c) rather than ASL
 * compiled with iasl at build time: its contents depend on the machine
 * (which UARTs exist, whether there is an HPET, where the PCI window
 * starts), as QEMU's do, and generating it here keeps the build free of
 * a compiler for another language. iasl, where installed, is only used
 * by the tests to disassemble and recompile what Kite produces.
 *
 * Invariant: every pointer field holds an offset into "etc/acpi/tables"
 * and has an ADD_POINTER command; every table's checksum byte is 0 in
 * the blob and has an ADD_CHECKSUM command emitted after the pointers
 * inside that table, so the loader can patch then sum.
 */
#include "hw/acpi/acpi.h"

#include <string.h>

#include "system/util.h"

#define ACPI_HDR_SIZE   36
#define ACPI_OEM_ID     "KITE  "
#define ACPI_OEM_TABLE  "KITEPC  "
#define ACPI_CREATOR    "KITE"

/* FADT flags (ACPI 6.x table 5-10). */
#define FADT_F_WBINVD        (1u << 0)
#define FADT_F_PROC_C1       (1u << 2)
#define FADT_F_SLP_BUTTON    (1u << 5)   /* no fixed sleep button */
#define FADT_F_FIX_RTC       (1u << 6)   /* no RTC_STS wake */
#define FADT_F_RESET_REG_SUP (1u << 10)
/* IAPC_BOOT_ARCH. */
#define FADT_BOOT_LEGACY     (1u << 0)   /* ISA devices the OS must find */
#define FADT_BOOT_8042       (1u << 1)
#define FADT_BOOT_NO_VGA     (1u << 2)

enum { GAS_MEMORY = 0, GAS_IO = 1 };

uint8_t acpi_checksum(const uint8_t *p, size_t len)
{
    uint8_t sum = 0;

    for (size_t i = 0; i < len; i++) {
        sum += p[i];
    }
    return sum;
}

/* ---- table helpers ---- */

static uint8_t *acpi_at(AcpiTables *t, size_t off)
{
    return t->tables.data + off;
}

static size_t acpi_table_begin(AcpiTables *t, const char *sig, uint8_t rev)
{
    size_t start = bytebuf_reserve(&t->tables, ACPI_HDR_SIZE);
    uint8_t *h = acpi_at(t, start);

    memcpy(h, sig, 4);
    h[8] = rev;
    memcpy(h + 10, ACPI_OEM_ID, 6);
    memcpy(h + 16, ACPI_OEM_TABLE, 8);
    st32le(h + 24, 1);                         /* OEM revision */
    memcpy(h + 28, ACPI_CREATOR, 4);
    st32le(h + 32, 1);                         /* creator revision */
    return start;
}

static void acpi_table_end(AcpiTables *t, size_t start)
{
    uint32_t len = (uint32_t)(t->tables.len - start);

    st32le(acpi_at(t, start + 4), len);
    linker_add_checksum(&t->loader, ACPI_FILE_TABLES, (uint32_t)start + 9,
                        (uint32_t)start, len);
}

/* A pointer field of size bytes at dst (in tables) to table offset target. */
static void acpi_set_ptr(AcpiTables *t, size_t dst, uint8_t size,
                         uint32_t target)
{
    if (size == 4) {
        st32le(acpi_at(t, dst), target);
    } else {
        st64le(acpi_at(t, dst), target);
    }
    linker_add_pointer(&t->loader, ACPI_FILE_TABLES, (uint32_t)dst, size,
                       ACPI_FILE_TABLES);
}

/* A Generic Address Structure (ACPI 5.2.3.2) at p. */
static void acpi_gas(uint8_t *p, uint8_t space, uint8_t width, uint8_t access,
                     uint64_t addr)
{
    p[0] = space;
    p[1] = width;
    p[2] = 0;
    p[3] = access;
    st64le(p + 4, addr);
}

/* ---- FACS, FADT ---- */

static void acpi_build_facs(AcpiTables *t)
{
    size_t at = bytebuf_reserve(&t->tables, 64);
    uint8_t *p = acpi_at(t, at);

    memcpy(p, "FACS", 4);
    st32le(p + 4, 64);
    p[32] = 1;                                 /* version (ACPI 2.0+) */
    t->facs = (uint32_t)at;
}

static void acpi_fadt_blocks(uint8_t *f)
{
    st16le(f + 46, ACPI_SCI_IRQ);
    st32le(f + 48, ACPI_SMI_CMD_PORT);
    f[52] = ACPI_ENABLE_CMD;
    f[53] = ACPI_DISABLE_CMD;
    st32le(f + 56, ACPI_PM_BASE + ACPI_PM1_EVT_OFF);
    st32le(f + 64, ACPI_PM_BASE + ACPI_PM1_CNT_OFF);
    st32le(f + 76, ACPI_PM_BASE + ACPI_PM_TMR_OFF);
    st32le(f + 80, ACPI_GPE0_BASE);
    f[88] = 4;                                 /* PM1_EVT_LEN */
    f[89] = 2;                                 /* PM1_CNT_LEN */
    f[91] = 4;                                 /* PM_TMR_LEN */
    f[92] = ACPI_GPE0_LEN;
    st16le(f + 96, 0xfff);                     /* no C2 */
    st16le(f + 98, 0xffff);                    /* no C3 */
    f[108] = 0x32;                             /* CMOS century register */
    acpi_gas(f + 148, GAS_IO, 32, 2, ACPI_PM_BASE + ACPI_PM1_EVT_OFF);
    acpi_gas(f + 172, GAS_IO, 16, 2, ACPI_PM_BASE + ACPI_PM1_CNT_OFF);
    acpi_gas(f + 208, GAS_IO, 32, 3, ACPI_PM_BASE + ACPI_PM_TMR_OFF);
    acpi_gas(f + 220, GAS_IO, ACPI_GPE0_LEN * 8, 1, ACPI_GPE0_BASE);
}

static void acpi_build_fadt(AcpiTables *t)
{
    size_t start = acpi_table_begin(t, "FACP", 3);
    uint8_t *f;

    bytebuf_reserve(&t->tables, 244 - ACPI_HDR_SIZE);
    f = acpi_at(t, start);
    acpi_fadt_blocks(f);
    /* The 24-bit PM timer: TMR_VAL_EXT stays clear. */
    st32le(f + 112, FADT_F_WBINVD | FADT_F_PROC_C1 | FADT_F_SLP_BUTTON |
                    FADT_F_FIX_RTC | FADT_F_RESET_REG_SUP);
    /* There are ISA devices and an i8042; there is no VGA (yet). */
    st16le(f + 109, FADT_BOOT_LEGACY | FADT_BOOT_8042 | FADT_BOOT_NO_VGA);
    acpi_gas(f + 116, GAS_IO, 8, 1, ACPI_RESET_PORT);
    f[128] = ACPI_RESET_VALUE;
    acpi_set_ptr(t, start + 36, 4, t->facs);   /* FIRMWARE_CTRL */
    acpi_set_ptr(t, start + 40, 4, t->dsdt);   /* DSDT */
    acpi_set_ptr(t, start + 140, 8, t->dsdt);  /* X_DSDT */
    t->fadt = (uint32_t)start;
    acpi_table_end(t, start);
}

/* ---- MADT ---- */

static void madt_iso(ByteBuf *b, uint8_t irq, uint32_t gsi, uint16_t flags)
{
    bytebuf_put8(b, 2);                        /* interrupt source override */
    bytebuf_put8(b, 10);
    bytebuf_put8(b, 0);                        /* ISA */
    bytebuf_put8(b, irq);
    bytebuf_put32(b, gsi);
    bytebuf_put16(b, flags);
}

static void acpi_build_madt(AcpiTables *t, const AcpiConfig *cfg)
{
    static const uint8_t level_irqs[] = { 5, ACPI_SCI_IRQ, 10, 11 };
    size_t start = acpi_table_begin(t, "APIC", 3);
    ByteBuf *b = &t->tables;

    bytebuf_put32(b, ACPI_LAPIC_BASE);
    bytebuf_put32(b, 1);                       /* PCAT_COMPAT: 8259s too */
    for (int i = 0; i < cfg->ncpus; i++) {
        bytebuf_put8(b, 0);                    /* processor local APIC */
        bytebuf_put8(b, 8);
        bytebuf_put8(b, (uint8_t)i);           /* ACPI processor UID */
        bytebuf_put8(b, (uint8_t)i);           /* APIC ID */
        bytebuf_put32(b, 1);                   /* enabled */
    }
    bytebuf_put8(b, 1);                        /* I/O APIC */
    bytebuf_put8(b, 12);
    bytebuf_put8(b, cfg->ioapic_id);
    bytebuf_put8(b, 0);
    bytebuf_put32(b, ACPI_IOAPIC_BASE);
    bytebuf_put32(b, 0);                       /* GSI base */
    madt_iso(b, 0, 2, 0);                      /* the PIT on pin 2 */
    for (size_t i = 0; i < ARRAY_SIZE(level_irqs); i++) {
        /* PCI links and the SCI: level-triggered, active high */
        madt_iso(b, level_irqs[i], level_irqs[i], 0x000d);
    }
    bytebuf_put8(b, 4);                        /* local APIC NMI */
    bytebuf_put8(b, 6);
    bytebuf_put8(b, 0xff);                     /* every processor */
    bytebuf_put16(b, 0);
    bytebuf_put8(b, 1);                        /* LINT1 */
    t->madt = (uint32_t)start;
    acpi_table_end(t, start);
}

/* ---- HPET, DSDT, RSDT, XSDT, RSDP ---- */

static void acpi_build_hpet(AcpiTables *t, const AcpiConfig *cfg)
{
    size_t start = acpi_table_begin(t, "HPET", 1);
    size_t at = bytebuf_reserve(&t->tables, 20);
    uint8_t *p = acpi_at(t, at);

    st32le(p, cfg->hpet_block_id);
    acpi_gas(p + 4, GAS_MEMORY, 64, 0, HPET_BASE);
    p[16] = 0;                                 /* HPET number */
    st16le(p + 17, 128);                       /* minimum periodic tick */
    p[19] = 0;                                 /* no page protection */
    t->hpet = (uint32_t)start;
    acpi_table_end(t, start);
}

static void acpi_build_dsdt(AcpiTables *t, const AcpiConfig *cfg)
{
    size_t start = acpi_table_begin(t, "DSDT", 2);
    ByteBuf aml = { 0 };

    acpi_build_dsdt_aml(cfg, &aml);
    bytebuf_put(&t->tables, aml.data, aml.len);
    bytebuf_free(&aml);
    t->dsdt = (uint32_t)start;
    acpi_table_end(t, start);
}

static void acpi_build_sdt(AcpiTables *t, const char *sig, uint8_t size,
                           const uint32_t *entries, int n)
{
    size_t start = acpi_table_begin(t, sig, 1);
    size_t at = bytebuf_reserve(&t->tables, (size_t)size * n);

    for (int i = 0; i < n; i++) {
        acpi_set_ptr(t, at + (size_t)size * i, size, entries[i]);
    }
    if (size == 4) {
        t->rsdt = (uint32_t)start;
    } else {
        t->xsdt = (uint32_t)start;
    }
    acpi_table_end(t, start);
}

static void acpi_build_rsdp(AcpiTables *t)
{
    uint8_t *p;

    bytebuf_reserve(&t->rsdp, 36);
    p = t->rsdp.data;
    memcpy(p, "RSD PTR ", 8);
    memcpy(p + 9, ACPI_OEM_ID, 6);
    p[15] = 2;                                 /* ACPI 2.0+: has XSDT */
    st32le(p + 16, t->rsdt);
    st32le(p + 20, 36);
    st64le(p + 24, t->xsdt);
    linker_add_pointer(&t->loader, ACPI_FILE_RSDP, 16, 4, ACPI_FILE_TABLES);
    linker_add_pointer(&t->loader, ACPI_FILE_RSDP, 24, 8, ACPI_FILE_TABLES);
    linker_add_checksum(&t->loader, ACPI_FILE_RSDP, 8, 0, 20);
    linker_add_checksum(&t->loader, ACPI_FILE_RSDP, 32, 0, 36);
}

void acpi_build(const AcpiConfig *cfg, AcpiTables *t)
{
    uint32_t entries[3];
    int n = 0;

    memset(t, 0, sizeof(*t));
    linker_allocate(&t->loader, ACPI_FILE_RSDP, 16, LINKER_ZONE_FSEG);
    linker_allocate(&t->loader, ACPI_FILE_TABLES, 64, LINKER_ZONE_HIGH);
    acpi_build_facs(t);
    acpi_build_dsdt(t, cfg);
    acpi_build_fadt(t);
    acpi_build_madt(t, cfg);
    entries[n++] = t->fadt;
    entries[n++] = t->madt;
    if (cfg->hpet) {
        acpi_build_hpet(t, cfg);
        entries[n++] = t->hpet;
    }
    acpi_build_sdt(t, "RSDT", 4, entries, n);
    acpi_build_sdt(t, "XSDT", 8, entries, n);
    acpi_build_rsdp(t);
}

void acpi_tables_free(AcpiTables *t)
{
    bytebuf_free(&t->tables);
    bytebuf_free(&t->rsdp);
    bytebuf_free(&t->loader);
}
