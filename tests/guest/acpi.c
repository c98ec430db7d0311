/*
 * acpi.c - the ACPI and MP tables a -kernel boot finds, and the devices
 * they describe. Finds the RSDP in 0xe0000-0xfffff as Linux does, checks
 * its two checksums, walks the RSDT and the XSDT (same tables, each
 * checksummed), reads the FADT's PM block addresses, the MADT's entries,
 * the HPET table and the DSDT's \_S5 package; finds the MP floating
 * pointer and its configuration table. Then enables ACPI through the SMI
 * command port, watches the PM timer and the HPET counter advance, and
 * powers off with SLP_TYP(S5) | SLP_EN: Kite must exit with status 0.
 */
#include "lib/guest.h"

#define PM1_CNT_SCI_EN  0x0001
#define PM1_CNT_SLP_EN  0x2000

static uint32_t ld32(const uint8_t *p)
{
    return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static uint16_t ld16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint8_t sum(const uint8_t *p, uint32_t len)
{
    uint8_t s = 0;
    for (uint32_t i = 0; i < len; i++) {
        s += p[i];
    }
    return s;
}

static const uint8_t *scan(const char *sig, int len, uint64_t from,
                           uint64_t to)
{
    for (uint64_t a = from; a < to; a += 16) {
        if (!memcmp((const void *)a, sig, (size_t)len)) {
            return (const uint8_t *)a;
        }
    }
    return 0;
}

static const uint8_t *table_at(uint64_t addr, const char *sig)
{
    const uint8_t *t = (const uint8_t *)addr;
    char name[5] = { 0 };

    memcpy(name, t, 4);
    if (memcmp(t, sig, 4)) {
        printf("FAIL: %s where %s was expected\n", name, sig);
        check(0, "table signature");
        return 0;
    }
    check(sum(t, ld32(t + 4)) == 0, "table checksum");
    return t;
}

static void print_sig(const uint8_t *t)
{
    char name[5] = { 0 };

    memcpy(name, t, 4);
    printf(" %s", name);
}

static const uint8_t *g_fadt, *g_madt, *g_hpet;

static void walk_sdt(const uint8_t *sdt, int size)
{
    uint32_t n = (ld32(sdt + 4) - 36) / (uint32_t)size;

    print_sig(sdt);
    printf(": %u entries:", n);
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *e = sdt + 36 + i * (uint32_t)size;
        uint64_t addr = ld32(e);
        const uint8_t *t;

        if (size == 8) {
            addr |= (uint64_t)ld32(e + 4) << 32;
        }
        t = (const uint8_t *)addr;
        check(sum(t, ld32(t + 4)) == 0, "table checksum");
        print_sig(t);
        g_fadt = memcmp(t, "FACP", 4) ? g_fadt : t;
        g_madt = memcmp(t, "APIC", 4) ? g_madt : t;
        g_hpet = memcmp(t, "HPET", 4) ? g_hpet : t;
    }
    printf("\n");
}

/* \_S5's first element: NameOp '\' "_S5_" PackageOp PkgLength count. */
static int s5_slp_typ(const uint8_t *dsdt)
{
    uint32_t len = ld32(dsdt + 4);

    for (uint32_t i = 36; i + 9 < len; i++) {
        const uint8_t *p = dsdt + i;
        if (p[0] == 0x08 && !memcmp(p + 1, "\\_S5_", 5) && p[6] == 0x12) {
            return p[9] == 0x0a ? p[10] : p[9];   /* BytePrefix or Zero/One */
        }
    }
    return -1;
}

static void check_fadt(const uint8_t *f)
{
    printf("FADT: SCI %u, SMI_CMD 0x%x, enable 0x%x, PM1a_EVT 0x%x, "
           "PM1a_CNT 0x%x, PM_TMR 0x%x, GPE0 0x%x/%u\n",
           ld16(f + 46), ld32(f + 48), f[52], ld32(f + 56), ld32(f + 64),
           ld32(f + 76), ld32(f + 80), f[92]);
    printf("FADT: flags 0x%x, reset reg %u:0x%x value 0x%x\n", ld32(f + 112),
           f[116], ld32(f + 120), f[128]);
    check(ld32(f + 76) == 0x608 && ld32(f + 64) == 0x604, "PM blocks");
    table_at(ld32(f + 40), "DSDT");
    /* The FACS has no checksum; it is 64 bytes, 64-byte aligned. */
    check(!memcmp((const void *)(uint64_t)ld32(f + 36), "FACS", 4) &&
          ld32((const uint8_t *)(uint64_t)ld32(f + 36) + 4) == 64 &&
          (ld32(f + 36) & 63) == 0, "FACS");
}

static void check_madt(const uint8_t *m)
{
    uint32_t len = ld32(m + 4), cpus = 0, isos = 0, ioapic = 0, nmi = 0;

    for (uint32_t off = 44; off + 2 <= len && m[off + 1]; off += m[off + 1]) {
        const uint8_t *e = m + off;
        cpus += e[0] == 0;
        ioapic = e[0] == 1 ? ld32(e + 4) : ioapic;
        isos += e[0] == 2;
        nmi += e[0] == 4;
        if (e[0] == 2 && e[3] == 0) {
            printf("MADT: IRQ0 -> GSI %u\n", ld32(e + 4));
        }
    }
    printf("MADT: LAPIC 0x%x, %u CPU, IOAPIC 0x%x, %u overrides, %u NMI\n",
           ld32(m + 36), cpus, ioapic, isos, nmi);
}

static void check_mptable(void)
{
    const uint8_t *fp = scan("_MP_", 4, 0xf0000, 0x100000);
    const uint8_t *ct;

    check(fp != 0, "MP floating pointer");
    if (!fp) {
        return;
    }
    check(sum(fp, 16) == 0, "MP floating pointer checksum");
    ct = (const uint8_t *)(uint64_t)ld32(fp + 4);
    check(!memcmp(ct, "PCMP", 4) && sum(ct, ld16(ct + 4)) == 0,
          "MP configuration table");
    printf("MP: spec 1.%u, %u entries, first a processor: %s\n", ct[6],
           ld16(ct + 34), ct[44] == 0 ? "yes" : "no");
}

static void check_timers(void)
{
    volatile uint64_t *hpet = (volatile uint64_t *)0xfed00000ull;
    uint32_t t0 = inl(0x608) & 0xffffff, t1;
    uint64_t c0, c1;

    for (volatile int i = 0; i < 20000; i++) {
    }
    t1 = inl(0x608) & 0xffffff;
    printf("PM timer advances: %s\n", t1 != t0 ? "yes" : "no");
    check(t1 != t0 && (inl(0x608) >> 24) == 0, "PM timer");
    printf("HPET period: %lu fs, %lu timers\n", hpet[0] >> 32,
           ((hpet[0] >> 8) & 0x1f) + 1);
    hpet[2] = 1;                                  /* ENABLE_CNF */
    c0 = hpet[30];
    for (volatile int i = 0; i < 20000; i++) {
    }
    c1 = hpet[30];
    printf("HPET counter advances: %s\n", c1 > c0 ? "yes" : "no");
    check(c1 > c0, "HPET counter");
}

int main(const MultibootInfo *mbi)
{
    const uint8_t *rsdp = scan("RSD PTR ", 8, 0xe0000, 0x100000);
    int slp_typ;

    check(rsdp != 0, "RSDP found");
    if (!rsdp) {
        return 1;
    }
    printf("RSDP: revision %u, checksums %s\n", rsdp[15],
           sum(rsdp, 20) == 0 && sum(rsdp, 36) == 0 ? "ok" : "bad");
    walk_sdt(table_at(ld32(rsdp + 16), "RSDT"), 4);
    walk_sdt(table_at(ld32(rsdp + 24), "XSDT"), 8);
    check(g_fadt && g_madt && g_hpet, "FADT, MADT and HPET listed");
    if (check_failures()) {
        return 1;
    }
    check_fadt(g_fadt);
    check_madt(g_madt);
    printf("HPET table: base 0x%x\n", ld32(g_hpet + 44));
    slp_typ = s5_slp_typ((const uint8_t *)(uint64_t)ld32(g_fadt + 40));
    printf("\\_S5 SLP_TYP: %d\n", slp_typ);
    check_mptable();
    outb(0xb2, 0xf1);                             /* ACPI_ENABLE */
    printf("SCI_EN after ACPI_ENABLE: %u\n", inw(0x604) & PM1_CNT_SCI_EN);
    check_timers();
    if (check_failures() || slp_typ < 0) {
        printf("acpi: FAILED\n");
        return 1;
    }
    printf("acpi: ok, powering off\n");
    outw(0x604, (uint16_t)(slp_typ << 10 | PM1_CNT_SLP_EN | PM1_CNT_SCI_EN));
    for (;;) {
        __asm__ volatile("cli; hlt");
    }
}
