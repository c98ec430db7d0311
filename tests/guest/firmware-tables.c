/*
 * firmware-tables.c - what a -kernel boot finds where a BIOS would have
 * left it: the BIOS data area (COM1's port at 0x400, the EBDA segment at
 * 0x40e and its size byte, the equipment word at 0x410, the base memory
 * size at 0x413), as Xen's multiboot entry reads it; the SMBIOS entry
 * points in 0xf0000-0xfffff found as Linux's DMI scan finds them (16-byte
 * steps, "_SM3_" then "_SM_"), their checksums, and the structure table
 * walked to the end marker with Kite's name in the system information;
 * and the debug console port, whose read returns 0xe9.
 *
 * GUEST-ARGS -debugcon null
 */
#include "lib/guest.h"

static uint16_t ld16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t ld32(const uint8_t *p)
{
    return ld16(p) | (uint32_t)ld16(p + 2) << 16;
}

static uint8_t sum(const uint8_t *p, uint32_t len)
{
    uint8_t s = 0;

    for (uint32_t i = 0; i < len; i++) {
        s += p[i];
    }
    return s;
}

static const uint8_t *scan(const char *sig, size_t len)
{
    for (uint64_t a = 0xf0000; a < 0x100000; a += 16) {
        if (!memcmp((const void *)a, sig, len)) {
            return (const uint8_t *)a;
        }
    }
    return 0;
}

/* A pointer to low memory the compiler cannot see through (a constant
 * address near 0 looks like an out-of-bounds access to it). */
static const uint8_t *phys(uint64_t addr)
{
    __asm__("" : "+r"(addr));
    return (const uint8_t *)addr;
}

static void check_bda(void)
{
    const uint8_t *bda = phys(0x400);
    uint16_t ebda = ld16(bda + 0x0e), equip = ld16(bda + 0x10);

    printf("BDA: COM1 0x%x, COM2 0x%x, LPT1 0x%x\n", ld16(bda),
           ld16(bda + 2), ld16(bda + 8));
    printf("BDA: EBDA segment 0x%x (%u KiB), base memory %u KiB\n", ebda,
           *phys((uint64_t)ebda << 4), ld16(bda + 0x13));
    printf("BDA: equipment: x87 %u, serial ports %u\n", (equip >> 1) & 1,
           (equip >> 9) & 7);
    check(ebda && ((uint32_t)ebda << 4) == ld16(bda + 0x13) * 1024u,
          "EBDA right after base memory");
}

/* The string number idx of structure h. */
static const char *smbios_str(const uint8_t *h, uint8_t idx)
{
    const char *s = (const char *)h + h[1];

    if (!idx) {
        return "";
    }
    while (--idx && *s) {
        s += strlen(s) + 1;
    }
    return s;
}

static void check_smbios(void)
{
    const uint8_t *ep3 = scan("_SM3_", 5), *ep2 = scan("_SM_", 4);
    const uint8_t *p, *end;
    unsigned n = 0, seen = 0;

    check(ep3 && ep2, "SMBIOS entry points");
    if (!ep3 || !ep2) {
        return;
    }
    printf("SMBIOS 3.0 entry: checksum %s, version %u.%u\n",
           sum(ep3, ep3[6]) ? "bad" : "ok", ep3[7], ep3[8]);
    printf("SMBIOS 2.1 entry: checksums %s, version %u.%u, %u structures\n",
           sum(ep2, ep2[5]) || sum(ep2 + 16, 15) ? "bad" : "ok", ep2[6],
           ep2[7], ld16(ep2 + 28));
    check(ld32(ep3 + 16) == ld32(ep2 + 24), "both entries, one table");
    p = (const uint8_t *)(uint64_t)ld32(ep2 + 24);
    end = p + ld16(ep2 + 22);
    while (p < end) {
        const uint8_t *s = p + p[1];

        if (p[0] == 1) {
            printf("system: %s, %s\n", smbios_str(p, p[4]),
                   smbios_str(p, p[5]));
        }
        if (p[0] < 32) {
            seen |= 1u << p[0];
        }
        n++;
        while (s[0] || s[1]) {
            s++;
        }
        if (p[0] == 127) {
            break;
        }
        p = s + 2;
    }
    printf("walked %u structures; types 0 1 3 4 16 17 19: %s\n", n,
           seen == 0xb001bu ? "present" : "missing");
    check(n == ld16(ep2 + 28), "structure count");
}

int main(const MultibootInfo *mbi)
{
    check_bda();
    check_smbios();
    printf("debugcon readback: 0x%x\n", inb(0xe9));
    printf("firmware-tables: %s\n", check_failures() ? "FAILED" : "ok");
    return check_failures() ? 1 : 0x17;
}
