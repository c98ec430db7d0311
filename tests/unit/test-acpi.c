/*
 * Unit tests for the ACPI and MP tables: the AML encoder (PkgLength
 * boundaries, NameStrings, integers, EISA IDs); the tables linked at
 * fixed addresses and parsed back (RSDP both checksums, RSDT and XSDT
 * entries, every FADT field the PM block and the reset register need,
 * the FACS, MADT entries for 1, 4 and 64 vCPUs, the HPET table, the
 * DSDT's devices and \_S5); the linker/loader script against malformed
 * commands; the MP tables; and, where acpica-tools is installed, an
 * `iasl -d` disassembly plus recompilation of every table and an
 * acpixtract round trip of an acpidump-format dump.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hw/acpi/acpi.h"
#include "hw/pc/mptable.h"
#include "hw/timer/hpet.h"

#define TABLES_ADDR 0x07fe0000ull
#define RSDP_ADDR   0x000f0000ull

typedef struct Linked {
    AcpiTables t;
    uint8_t *mem;            /* the tables blob as linked */
    uint8_t rsdp[36];
} Linked;

static AcpiConfig default_config(int ncpus)
{
    return (AcpiConfig){
        .ncpus = ncpus, .ioapic_id = 0, .com1 = true, .com2 = false,
        .hpet = true, .hpet_block_id = HPET_CAP_ID_LOW,
        .pci_mem_start = 0x80000000u,
    };
}

static void link_tables(const AcpiConfig *cfg, Linked *l)
{
    acpi_build(cfg, &l->t);
    l->mem = malloc(l->t.tables.len);
    assert_int_equal(acpi_link(&l->t, TABLES_ADDR, RSDP_ADDR, l->mem,
                               l->rsdp), 0);
}

static void linked_free(Linked *l)
{
    acpi_tables_free(&l->t);
    free(l->mem);
}

/* The table at guest address addr, checked: signature, checksum, bounds. */
static const uint8_t *table(Linked *l, uint64_t addr, const char *sig)
{
    const uint8_t *p;

    assert_true(addr >= TABLES_ADDR);
    assert_true(addr - TABLES_ADDR + 36 <= l->t.tables.len);
    p = l->mem + (addr - TABLES_ADDR);
    assert_memory_equal(p, sig, 4);
    assert_true(addr - TABLES_ADDR + ld32le(p + 4) <= l->t.tables.len);
    assert_int_equal(acpi_checksum(p, ld32le(p + 4)), 0);
    assert_memory_equal(p + 10, "KITE  ", 6);
    return p;
}

/* ---- AML ---- */

static void test_aml_pkglen(void **state)
{
    static const struct { size_t body; uint8_t bytes[4]; int n; } cases[] = {
        { 0, { 0x01 }, 1 },
        { 62, { 0x3f }, 1 },                   /* 63: largest 1-byte */
        { 63, { 0x41, 0x04 }, 2 },             /* 65 = 0x041 */
        { 4093, { 0x4f, 0xff }, 2 },           /* 4095 */
        { 4094, { 0x81, 0x00, 0x01 }, 3 },     /* 4097 = 0x1001 */
        { (1u << 20) - 4, { 0x8f, 0xff, 0xff }, 3 },
        { (1u << 20) - 3, { 0xc1, 0x00, 0x00, 0x01 }, 4 },
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        ByteBuf b = { 0 };
        aml_encode_pkglen(&b, cases[i].body);
        assert_int_equal(b.len, cases[i].n);
        assert_memory_equal(b.data, cases[i].bytes, cases[i].n);
        bytebuf_free(&b);
    }
}

static void expect_aml(Aml *n, const void *bytes, size_t len)
{
    ByteBuf b = { 0 };

    aml_emit(&b, n);
    assert_int_equal(b.len, len);
    assert_memory_equal(b.data, bytes, len);
    bytebuf_free(&b);
}

static void test_aml_encodings(void **state)
{
    expect_aml(aml_name("\\_SB.PCI0"), "\\\x2e_SB_PCI0", 10);
    expect_aml(aml_name("\\_SB.PCI0.ISA"), "\\\x2f\x03_SB_PCI0ISA_", 15);
    expect_aml(aml_name("^LNK"), "^LNK_", 5);
    expect_aml(aml_int(0), "\x00", 1);
    expect_aml(aml_int(1), "\x01", 1);
    expect_aml(aml_int(~0ull), "\xff", 1);
    expect_aml(aml_int(0x80), "\x0a\x80", 2);
    expect_aml(aml_int(0x1234), "\x0b\x34\x12", 3);
    expect_aml(aml_int(0x12345678), "\x0c\x78\x56\x34\x12", 5);
    expect_aml(aml_int(0x100000000ull), "\x0e\x00\x00\x00\x00\x01\x00\x00\x00",
               9);
    expect_aml(aml_eisaid("PNP0A03"), "\x0c\x41\xd0\x0a\x03", 5);
    expect_aml(aml_eisaid("PNP0501"), "\x0c\x41\xd0\x05\x01", 5);
    expect_aml(aml_string("ab"), "\x0d" "ab\x00", 4);
    /* Name(_S5, Package(1) { Zero }) */
    Aml *pkg = aml_package(1);
    aml_append(pkg, aml_int(0));
    expect_aml(aml_name_decl("_S5", pkg), "\x08_S5_\x12\x03\x01\x00", 9);
    /* ResourceTemplate { IRQNoFlags {4} } */
    Aml *rt = aml_resource_template();
    aml_res_irq_noflags(rt, 1u << 4);
    expect_aml(rt, "\x11\x08\x0a\x05\x22\x10\x00\x79\x00", 9);
    /* Method(_STA) { Return(0x0b) } */
    Aml *m = aml_method("_STA", 0, false);
    aml_append(m, aml_return(aml_int(0x0b)));
    expect_aml(m, "\x14\x09_STA\x00\xa4\x0a\x0b", 10);
}

/* ---- the tables ---- */

static void test_rsdp_rsdt_xsdt(void **state)
{
    AcpiConfig cfg = default_config(1);
    Linked l;
    const uint8_t *rsdt, *xsdt;

    link_tables(&cfg, &l);
    assert_memory_equal(l.rsdp, "RSD PTR ", 8);
    assert_int_equal(acpi_checksum(l.rsdp, 20), 0);
    assert_int_equal(acpi_checksum(l.rsdp, 36), 0);
    assert_int_equal(l.rsdp[15], 2);
    assert_int_equal(ld32le(l.rsdp + 20), 36);
    rsdt = table(&l, ld32le(l.rsdp + 16), "RSDT");
    xsdt = table(&l, ld64le(l.rsdp + 24), "XSDT");
    assert_int_equal(ld32le(rsdt + 4), 36 + 3 * 4);
    assert_int_equal(ld32le(xsdt + 4), 36 + 3 * 8);
    static const char *const sigs[] = { "FACP", "APIC", "HPET" };
    for (int i = 0; i < 3; i++) {
        uint32_t a = ld32le(rsdt + 36 + 4 * i);
        assert_int_equal(ld64le(xsdt + 36 + 8 * i), a);
        table(&l, a, sigs[i]);
    }
    linked_free(&l);

    cfg.hpet = false;                          /* no HPET: not listed */
    link_tables(&cfg, &l);
    rsdt = table(&l, ld32le(l.rsdp + 16), "RSDT");
    assert_int_equal(ld32le(rsdt + 4), 36 + 2 * 4);
    linked_free(&l);
}

static void assert_gas(const uint8_t *g, uint8_t space, uint8_t width,
                       uint64_t addr)
{
    assert_int_equal(g[0], space);
    assert_int_equal(g[1], width);
    assert_int_equal(g[2], 0);
    assert_int_equal(ld64le(g + 4), addr);
}

static void test_fadt_facs(void **state)
{
    AcpiConfig cfg = default_config(2);
    Linked l;
    const uint8_t *f, *facs;
    uint32_t flags;

    link_tables(&cfg, &l);
    f = table(&l, TABLES_ADDR + l.t.fadt, "FACP");
    assert_int_equal(ld32le(f + 4), 244);
    assert_int_equal(f[8], 3);
    assert_int_equal(ld16le(f + 46), 9);                    /* SCI_INT */
    assert_int_equal(ld32le(f + 48), 0xb2);                 /* SMI_CMD */
    assert_int_equal(f[52], 0xf1);
    assert_int_equal(f[53], 0xf0);
    assert_int_equal(ld32le(f + 56), 0x600);                /* PM1a_EVT */
    assert_int_equal(ld32le(f + 60), 0);                    /* no PM1b */
    assert_int_equal(ld32le(f + 64), 0x604);                /* PM1a_CNT */
    assert_int_equal(ld32le(f + 76), 0x608);                /* PM_TMR */
    assert_int_equal(ld32le(f + 80), 0xafe0);               /* GPE0 */
    assert_int_equal(f[88], 4);
    assert_int_equal(f[89], 2);
    assert_int_equal(f[91], 4);
    assert_int_equal(f[92], 4);
    flags = ld32le(f + 112);
    assert_true(flags & (1u << 0));                         /* WBINVD */
    assert_true(flags & (1u << 2));                         /* PROC_C1 */
    assert_true(flags & (1u << 5));                         /* SLP_BUTTON */
    assert_true(flags & (1u << 10));                        /* RESET_REG_SUP */
    assert_false(flags & (1u << 8));                        /* 24-bit timer */
    assert_false(flags & (1u << 4));                        /* fixed PWRBTN */
    assert_int_equal(ld16le(f + 109), 0x7);                 /* legacy, 8042, no VGA */
    assert_gas(f + 116, 1, 8, 0xcf9);
    assert_int_equal(f[128], 0x06);
    assert_gas(f + 148, 1, 32, 0x600);
    assert_gas(f + 172, 1, 16, 0x604);
    assert_gas(f + 208, 1, 32, 0x608);
    assert_gas(f + 220, 1, 32, 0xafe0);
    assert_int_equal(ld32le(f + 40), TABLES_ADDR + l.t.dsdt);
    assert_int_equal(ld64le(f + 140), TABLES_ADDR + l.t.dsdt);
    table(&l, ld32le(f + 40), "DSDT");
    facs = l.mem + (ld32le(f + 36) - TABLES_ADDR);
    assert_int_equal(ld32le(f + 36) % 64, 0);
    assert_memory_equal(facs, "FACS", 4);
    assert_int_equal(ld32le(facs + 4), 64);
    linked_free(&l);
}

static void check_madt(int ncpus)
{
    AcpiConfig cfg = default_config(ncpus);
    Linked l;
    const uint8_t *m;
    int cpus = 0, ioapics = 0, nmis = 0;
    bool irq0 = false, sci = false;

    link_tables(&cfg, &l);
    m = table(&l, TABLES_ADDR + l.t.madt, "APIC");
    assert_int_equal(ld32le(m + 36), 0xfee00000);
    assert_int_equal(ld32le(m + 40), 1);                    /* PCAT_COMPAT */
    for (uint32_t off = 44; off < ld32le(m + 4); off += m[off + 1]) {
        const uint8_t *e = m + off;
        assert_true(e[1] >= 2);
        switch (e[0]) {
        case 0:
            assert_int_equal(e[1], 8);
            assert_int_equal(e[2], cpus);                   /* UID */
            assert_int_equal(e[3], cpus);                   /* APIC ID */
            assert_int_equal(ld32le(e + 4), 1);
            cpus++;
            break;
        case 1:
            assert_int_equal(ld32le(e + 4), 0xfec00000);
            assert_int_equal(ld32le(e + 8), 0);
            ioapics++;
            break;
        case 2:
            assert_int_equal(e[2], 0);
            if (e[3] == 0) {
                irq0 = ld32le(e + 4) == 2 && ld16le(e + 8) == 0;
            }
            if (e[3] == 9) {
                sci = ld32le(e + 4) == 9 && ld16le(e + 8) == 0x000d;
            }
            break;
        case 4:
            assert_int_equal(e[2], 0xff);
            assert_int_equal(e[5], 1);                      /* LINT1 */
            nmis++;
            break;
        default:
            fail_msg("unexpected MADT entry type %u", e[0]);
        }
    }
    assert_int_equal(cpus, ncpus);
    assert_int_equal(ioapics, 1);
    assert_int_equal(nmis, 1);
    assert_true(irq0);
    assert_true(sci);
    linked_free(&l);
}

static void test_madt(void **state)
{
    check_madt(1);
    check_madt(4);
    check_madt(64);
}

static void test_hpet_table(void **state)
{
    AcpiConfig cfg = default_config(1);
    Linked l;
    const uint8_t *h;

    link_tables(&cfg, &l);
    h = table(&l, TABLES_ADDR + l.t.hpet, "HPET");
    assert_int_equal(ld32le(h + 4), 56);
    assert_int_equal(ld32le(h + 36), HPET_CAP_ID_LOW);
    assert_int_equal(h[40], 0);                             /* memory */
    assert_int_equal(ld64le(h + 44), 0xfed00000ull);
    linked_free(&l);
}

static bool has_bytes(const uint8_t *p, size_t len, const void *what,
                      size_t n)
{
    return memmem(p, len, what, n) != NULL;
}

static void test_dsdt(void **state)
{
    AcpiConfig cfg = default_config(1);
    Linked l;
    const uint8_t *d;
    size_t len;

    link_tables(&cfg, &l);
    d = table(&l, TABLES_ADDR + l.t.dsdt, "DSDT");
    len = ld32le(d + 4);
    assert_true(has_bytes(d, len, "\x08\\_S5_\x12\x06\x04\x00\x00\x00\x00", 11));
    assert_true(has_bytes(d, len, "\x0c\x41\xd0\x0a\x03", 5));   /* PNP0A03 */
    assert_true(has_bytes(d, len, "COM1", 4));
    assert_false(has_bytes(d, len, "COM2", 4));
    assert_true(has_bytes(d, len, "\x0c\x41\xd0\x01\x03", 5));   /* PNP0103 */
    assert_true(has_bytes(d, len, "_PRT\x12", 5));
    /* PCI_Config region at 0x60, 4 bytes, of the ISA bridge */
    assert_true(has_bytes(d, len, "\x5b\x80P40C\x02\x0a\x60\x0a\x04", 11));
    for (char c = 'A'; c <= 'D'; c++) {
        char name[5] = { 'L', 'N', 'K', c, 0 };
        assert_true(has_bytes(d, len, name, 4));
    }
    linked_free(&l);

    cfg.com2 = true;
    cfg.hpet = false;
    link_tables(&cfg, &l);
    d = table(&l, TABLES_ADDR + l.t.dsdt, "DSDT");
    len = ld32le(d + 4);
    assert_true(has_bytes(d, len, "COM2", 4));
    assert_false(has_bytes(d, len, "\x0c\x41\xd0\x01\x03", 5));
    linked_free(&l);
}

static void test_prt_swizzle(void **state)
{
    /* PIIX3: slot 1 INTA is PIRQA, slot 0 INTA PIRQD, slot 2 INTD PIRQA */
    assert_int_equal(acpi_pirq_of(1, 0), 0);
    assert_int_equal(acpi_pirq_of(0, 0), 3);
    assert_int_equal(acpi_pirq_of(2, 3), 0);
    assert_int_equal(acpi_pirq_of(31, 1), 3);
}

/* ---- the loader script ---- */

static void test_linker_bad_commands(void **state)
{
    AcpiConfig cfg = default_config(1);
    AcpiTables t;
    uint8_t *mem, rsdp[36];
    uint8_t *cmd;

    acpi_build(&cfg, &t);
    mem = malloc(t.tables.len);
    /* the last command is the RSDP's extended checksum: break it in turn */
    cmd = t.loader.data + t.loader.len - LINKER_CMD_SIZE;
    assert_int_equal(ld32le(cmd), LINKER_CMD_ADD_CHECKSUM);
    st32le(cmd + 4 + LINKER_FILE_LEN + 8, 37);              /* length */
    assert_int_equal(acpi_link(&t, TABLES_ADDR, RSDP_ADDR, mem, rsdp), -1);
    st32le(cmd + 4 + LINKER_FILE_LEN + 8, 36);
    st32le(cmd + 4 + LINKER_FILE_LEN, 36);                  /* offset */
    assert_int_equal(acpi_link(&t, TABLES_ADDR, RSDP_ADDR, mem, rsdp), -1);
    st32le(cmd + 4 + LINKER_FILE_LEN, 32);
    memcpy(cmd + 4, "etc/acpi/nothing", 17);               /* file */
    assert_int_equal(acpi_link(&t, TABLES_ADDR, RSDP_ADDR, mem, rsdp), -1);
    memcpy(cmd + 4, ACPI_FILE_RSDP, sizeof(ACPI_FILE_RSDP));
    st32le(cmd, 9);                                         /* command */
    assert_int_equal(acpi_link(&t, TABLES_ADDR, RSDP_ADDR, mem, rsdp), -1);
    st32le(cmd, LINKER_CMD_ADD_CHECKSUM);
    assert_int_equal(acpi_link(&t, TABLES_ADDR, RSDP_ADDR, mem, rsdp), 0);
    /* a pointer past the end of its file, or of a bad size */
    cmd = t.loader.data;
    while (ld32le(cmd) != LINKER_CMD_ADD_POINTER) {
        cmd += LINKER_CMD_SIZE;
        assert_true(cmd < t.loader.data + t.loader.len);
    }
    st32le(cmd + 4 + 2 * LINKER_FILE_LEN, (uint32_t)t.tables.len - 2);
    assert_int_equal(acpi_link(&t, TABLES_ADDR, RSDP_ADDR, mem, rsdp), -1);
    st32le(cmd + 4 + 2 * LINKER_FILE_LEN, 0);
    cmd[4 + 2 * LINKER_FILE_LEN + 4] = 3;
    assert_int_equal(acpi_link(&t, TABLES_ADDR, RSDP_ADDR, mem, rsdp), -1);
    t.loader.len -= 1;                                      /* torn script */
    assert_int_equal(acpi_link(&t, TABLES_ADDR, RSDP_ADDR, mem, rsdp), -1);
    free(mem);
    acpi_tables_free(&t);
}

/* ---- MP tables ---- */

static void test_mptable(void **state)
{
    MPConfig c = { .ncpus = 4, .ioapic_id = 0, .ioapic_version = 0x20,
                   .pci_slot_mask = 1u << 3, .pirq_irq = { 16, 17, 18, 19 } };
    ByteBuf b = { 0 };
    uint8_t fp[MP_FLOATING_SIZE];
    int procs = 0, buses = 0, ioapics = 0, ioints = 0, lints = 0;
    bool irq0_pin2 = false, pci_ok = false;

    mptable_build(&c, 0xf0100, &b, fp);
    assert_memory_equal(fp, "_MP_", 4);
    assert_int_equal(ld32le(fp + 4), 0xf0100);
    assert_int_equal(fp[8], 1);
    assert_int_equal(fp[9], 4);
    assert_int_equal(acpi_checksum(fp, 16), 0);
    assert_memory_equal(b.data, "PCMP", 4);
    assert_int_equal(ld16le(b.data + 4), b.len);
    assert_int_equal(acpi_checksum(b.data, b.len), 0);
    assert_int_equal(ld32le(b.data + 36), 0xfee00000);
    size_t off = 44;
    int last_type = 0;
    for (int i = 0; i < ld16le(b.data + 34); i++) {
        const uint8_t *e = b.data + off;
        assert_true(e[0] >= last_type);                     /* sorted */
        last_type = e[0];
        switch (e[0]) {
        case 0:
            assert_int_equal(e[1], procs);
            assert_int_equal(e[3] & 2, procs == 0 ? 2 : 0); /* BSP */
            procs++;
            off += 20;
            continue;
        case 1: buses++; break;
        case 2: ioapics++; assert_int_equal(ld32le(e + 4), 0xfec00000); break;
        case 3:
            ioints++;
            irq0_pin2 |= e[1] == 0 && e[4] == 1 && e[5] == 0 && e[7] == 2;
            /* slot 3 INTA: PIRQC, IOAPIC input 18 */
            pci_ok |= e[4] == 0 && e[5] == (3 << 2) && e[7] == 18;
            break;
        case 4: lints++; break;
        default: fail();
        }
        off += 8;
    }
    assert_int_equal(off, b.len);
    assert_int_equal(procs, 4);
    assert_int_equal(buses, 2);
    assert_int_equal(ioapics, 1);
    assert_int_equal(ioints, 1 + 15 + 4);
    assert_int_equal(lints, 2);
    assert_true(irq0_pin2);
    assert_true(pci_ok);
    bytebuf_free(&b);
}

/* ---- acpica-tools round trip ---- */

static bool have_tool(const char *name)
{
    char cmd[128];

    snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", name);
    return system(cmd) == 0;
}

static void write_file(const char *path, const uint8_t *p, size_t len)
{
    FILE *f = fopen(path, "wb");

    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, len, f), len);
    fclose(f);
}

/* One table in acpidump's text format, as acpixtract reads it. */
static void dump_table(FILE *f, const char *sig, const uint8_t *p,
                       size_t len)
{
    fprintf(f, "%s @ 0x0000000000000000\n", sig);
    for (size_t i = 0; i < len; i += 16) {
        fprintf(f, "    %04zX:", i);
        for (size_t j = i; j < i + 16 && j < len; j++) {
            fprintf(f, " %02X", p[j]);
        }
        fprintf(f, "\n");
    }
    fprintf(f, "\n");
}

static void test_iasl_round_trip(void **state)
{
    static const char *const names[] = { "dsdt", "facp", "apic", "hpet" };
    AcpiConfig cfg = default_config(4);
    char dir[] = "/tmp/kite-acpi-XXXXXX", cmd[512], path[256];
    uint32_t offs[4];
    Linked l;
    FILE *dump;

    if (!have_tool("iasl") || !have_tool("acpixtract")) {
        printf("SKIP: iasl/acpixtract not installed (acpica-tools)\n");
        skip();
    }
    cfg.com2 = true;
    link_tables(&cfg, &l);
    offs[0] = l.t.dsdt;
    offs[1] = l.t.fadt;
    offs[2] = l.t.madt;
    offs[3] = l.t.hpet;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/acpidump.txt", dir);
    dump = fopen(path, "w");
    assert_non_null(dump);
    for (int i = 0; i < 4; i++) {
        const uint8_t *p = l.mem + offs[i];
        char sig[5] = { 0 };
        memcpy(sig, p, 4);
        snprintf(path, sizeof(path), "%s/%s.dat", dir, names[i]);
        write_file(path, p, ld32le(p + 4));
        dump_table(dump, sig, p, ld32le(p + 4));
    }
    fclose(dump);
    /* disassemble every table, then recompile the results */
    snprintf(cmd, sizeof(cmd),
             "cd %s && iasl -d dsdt.dat facp.dat apic.dat hpet.dat "
             ">log 2>&1 && iasl dsdt.dsl >>log 2>&1 && iasl facp.dsl "
             ">>log 2>&1 && iasl apic.dsl >>log 2>&1", dir);
    if (system(cmd) != 0) {
        snprintf(cmd, sizeof(cmd), "cat %s/log", dir);
        (void)system(cmd);
        fail_msg("iasl round trip failed");
    }
    snprintf(cmd, sizeof(cmd), "cd %s && grep -q 'PNP0A03' dsdt.dsl && "
             "grep -q 'COM2' dsdt.dsl && grep -q '_S5_' dsdt.dsl", dir);
    assert_int_equal(system(cmd), 0);
    /* acpixtract gives back the bytes of the dump */
    snprintf(cmd, sizeof(cmd), "cd %s && mkdir x && cd x && "
             "acpixtract -a ../acpidump.txt >/dev/null 2>&1 && "
             "cmp dsdt.dat ../dsdt.dat && cmp apic.dat ../apic.dat && "
             "cmp hpet.dat ../hpet.dat && cmp facp.dat ../facp.dat", dir);
    assert_int_equal(system(cmd), 0);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    (void)system(cmd);
    linked_free(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_aml_pkglen),
        cmocka_unit_test(test_aml_encodings),
        cmocka_unit_test(test_rsdp_rsdt_xsdt),
        cmocka_unit_test(test_fadt_facs),
        cmocka_unit_test(test_madt),
        cmocka_unit_test(test_hpet_table),
        cmocka_unit_test(test_dsdt),
        cmocka_unit_test(test_prt_swizzle),
        cmocka_unit_test(test_linker_bad_commands),
        cmocka_unit_test(test_mptable),
        cmocka_unit_test(test_iasl_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
