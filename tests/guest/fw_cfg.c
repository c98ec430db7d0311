/*
 * fw_cfg.c - QEMU's firmware configuration interface through its I/O
 * ports (QEMU docs/specs/fw_cfg.rst): a 16-bit selector written to 0x510,
 * data read a byte at a time from 0x511. Reads the signature ("QEMU"),
 * the interface ID, the RAM size, the CPU count, and walks the file
 * directory (big-endian count, then 64-byte entries).
 */
#include "lib/guest.h"

#define FW_CFG_PORT_SEL 0x510
#define FW_CFG_PORT_DATA 0x511
#define FW_CFG_SIGNATURE 0x0000
#define FW_CFG_ID 0x0001
#define FW_CFG_RAM_SIZE 0x0003
#define FW_CFG_NB_CPUS 0x0005
#define FW_CFG_FILE_DIR 0x0019

static void fw_cfg_select(uint16_t key)
{
    outw(FW_CFG_PORT_SEL, key);
}

static void fw_cfg_read(void *buf, size_t n)
{
    uint8_t *p = buf;
    for (size_t i = 0; i < n; i++) {
        p[i] = inb(FW_CFG_PORT_DATA);
    }
}

static uint64_t fw_cfg_read_le(uint16_t key, size_t n)
{
    uint8_t b[8] = { 0 };
    uint64_t v = 0;

    fw_cfg_select(key);
    fw_cfg_read(b, n);
    for (size_t i = n; i-- > 0;) {
        v = v << 8 | b[i];
    }
    return v;
}

static uint32_t be32(const uint8_t *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
           (uint32_t)b[2] << 8 | b[3];
}

static void walk_directory(void)
{
    uint8_t count_be[4], entry[64];
    uint32_t count, sane = 1;

    fw_cfg_select(FW_CFG_FILE_DIR);
    fw_cfg_read(count_be, 4);
    count = be32(count_be);
    for (uint32_t i = 0; i < count && i < 256; i++) {
        fw_cfg_read(entry, sizeof(entry));
        uint16_t sel = (uint16_t)(entry[4] << 8 | entry[5]);
        int terminated = 0;
        for (int c = 8; c < 64; c++) {
            terminated |= entry[c] == 0;
        }
        sane &= sel >= 0x0020 && terminated && entry[8] != 0;
    }
    printf("file directory readable, entries well formed: %s\n",
           count < 256 && sane ? "yes" : "no");
    check(count < 256 && sane, "file directory");
}

int main(const MultibootInfo *mbi)
{
    char sig[5] = { 0 };

    fw_cfg_select(FW_CFG_SIGNATURE);
    fw_cfg_read(sig, 4);
    printf("signature: %s\n", sig);
    check(memcmp(sig, "QEMU", 4) == 0, "signature");
    printf("id bit 0 (traditional interface): %lu\n",
           fw_cfg_read_le(FW_CFG_ID, 4) & 1);
    printf("ram size: 0x%lx\n", fw_cfg_read_le(FW_CFG_RAM_SIZE, 8));
    printf("cpus: %lu\n", fw_cfg_read_le(FW_CFG_NB_CPUS, 2));
    walk_directory();
    /* An unknown key reads as zeros in QEMU; only check nothing breaks. */
    fw_cfg_select(0x7fff);
    (void)inb(FW_CFG_PORT_DATA);
    printf("fw_cfg: %s\n", check_failures() ? "FAILED" : "ok");
    return check_failures() ? 1 : 0x16;
}
