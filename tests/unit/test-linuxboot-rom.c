/*
 * The Linux boot option ROM (roms/linuxboot.S) as linked into Kite: the
 * option ROM header, the PnP expansion header and both checksums, the
 * init entry and the bootstrap entry vector; and hw/pc/linuxboot.c's
 * fw_cfg items for a synthetic bzImage (header fields a loader fills,
 * placement, refusals).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "hw/pc/bootparam.h"
#include "hw/pc/linuxboot.h"

static uint8_t rom_sum(const uint8_t *p, size_t n)
{
    uint8_t s = 0;

    for (size_t i = 0; i < n; i++) {
        s += p[i];
    }
    return s;
}

static void test_rom_header(void **state)
{
    const uint8_t *r = linuxboot_dma_rom;
    size_t n = linuxboot_dma_rom_size;

    assert_true(n >= 512 && n % 512 == 0);
    assert_int_equal(r[0], 0x55);
    assert_int_equal(r[1], 0xaa);
    assert_int_equal(r[2] * 512, n);
    assert_int_equal(r[3], 0xcb);                /* init: lret */
    assert_int_equal(rom_sum(r, n), 0);
    assert_int_equal(ld16le(r + 0x18), 0);       /* no PCI data */
}

static void test_pnp_header(void **state)
{
    const uint8_t *r = linuxboot_dma_rom;
    size_t n = linuxboot_dma_rom_size;
    unsigned pnp = ld16le(r + 0x1a), bev, len;

    assert_true(pnp >= 0x1c && pnp + 32 <= n);
    assert_memory_equal(r + pnp, "$PnP", 4);
    assert_int_equal(r[pnp + 4], 1);             /* revision */
    len = r[pnp + 5] * 16u;
    assert_int_equal(len, 32);
    assert_int_equal(rom_sum(r + pnp, len), 0);
    assert_int_equal(ld16le(r + pnp + 6), 0);    /* no next header */
    assert_string_equal((const char *)r + ld16le(r + pnp + 14), "Kite");
    assert_non_null(strstr((const char *)r + ld16le(r + pnp + 16),
                           "Linux"));
    assert_int_equal(ld16le(r + pnp + 22), 0);   /* no BCV */
    bev = ld16le(r + pnp + 26);
    assert_true(bev > pnp + 32 && bev < n);
    assert_int_equal(r[bev], 0xfa);              /* cli */
}

/* A bzImage header: protocol, setup sectors, code32_start. */
static uint8_t *fake_bzimage(size_t size, uint16_t version, uint8_t sects,
                             uint32_t code32)
{
    uint8_t *img = xzalloc(size);

    img[SH_SETUP_SECTS] = sects;
    img[SH_JUMP + 1] = 0x70;
    st32le(img + SH_HEADER, HDRS_MAGIC);
    st16le(img + SH_VERSION, version);
    img[SH_LOADFLAGS] = LF_LOADED_HIGH;
    st32le(img + SH_CODE32_START, code32);
    st32le(img + SH_INITRD_ADDR_MAX, 0x37ffffff);
    st32le(img + SH_CMDLINE_SIZE, 2047);
    return img;
}

static void test_needs_realmode(void **state)
{
    uint8_t *modern = fake_bzimage(64 * 1024, 0x20f, 4, 0x100000);
    uint8_t *memdisk = fake_bzimage(64 * 1024, 0x203, 4, 0x100000);
    uint8_t *lkrn = fake_bzimage(64 * 1024, 0x206, 4, 0);
    uint8_t *past = fake_bzimage(64 * 1024, 0x20a, 4, 0x200000);

    assert_false(linuxboot_needs_realmode(modern, 64 * 1024));
    assert_true(linuxboot_needs_realmode(memdisk, 64 * 1024));
    assert_true(linuxboot_needs_realmode(lkrn, 64 * 1024));
    assert_true(linuxboot_needs_realmode(past, 64 * 1024));
    memdisk[SH_HEADER] = 0;                     /* not a bzImage */
    assert_false(linuxboot_needs_realmode(memdisk, 64 * 1024));
    free(modern);
    free(memdisk);
    free(lkrn);
    free(past);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rom_header),
        cmocka_unit_test(test_pnp_header),
        cmocka_unit_test(test_needs_realmode),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
