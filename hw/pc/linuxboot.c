/*
 * Linux through the firmware (-kernel with -bios, -machine
 * firmware-boot=on, and kernels that need their real-mode setup code):
 * the host side of roms/linuxboot.S, laid out as QEMU lays it out.
 *
 *   0x10000   the setup code (setup_sects + 1 sectors, at most 32 KiB),
 *             its header filled in as a boot loader does: type_of_loader
 *             0xb0, CAN_USE_HEAP with heap_end_ptr just below the command
 *             line, cmd_line_ptr, ramdisk_image and ramdisk_size, and
 *             vid_mode from a vga= on the command line (as QEMU does);
 *   0x20000   the command line (NUL included);
 *   1 MiB     the protected-mode kernel;
 *   initrd    page-aligned below min(initrd_addr_max + 1, the top of RAM
 *             below 4 GiB less 1 MiB that SeaBIOS keeps for its tables).
 *
 * Each goes to fw_cfg as ADDR, SIZE and DATA items; the ROM is the file
 * "genroms/linuxboot_dma.bin", first in "bootorder" (bootorder.c). Every
 * header field is checked before anything is published.
 */
#include "hw/pc/linuxboot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/pc/bootparam.h"
#include "hw/pc/fw_cfg.h"

#define LB_SETUP_ADDR     0x10000u
#define LB_CMDLINE_ADDR   0x20000u
#define LB_SETUP_MAX      0x8000u      /* real-mode code: 32 KiB at most */
#define LB_CMDLINE_MAX    0x10000u
#define LB_OLD_PROTOCOL   0x0202
#define LB_OLD_INITRD_MAX 0x37ffffffu
#define LB_FIRMWARE_TOP   (1 * MiB)    /* SeaBIOS's tables, top of RAM */
#define LB_LOADER_TYPE    0xb0

typedef struct LbImage {
    uint16_t version;
    size_t setup_size;
    uint32_t initrd_addr;
} LbImage;

static size_t lb_setup_size(const uint8_t *img, size_t size)
{
    return ((size_t)(img[SH_SETUP_SECTS] ? img[SH_SETUP_SECTS] : 4) + 1) *
           512;
}

static int lb_parse(const uint8_t *img, size_t size, LbImage *li,
                    Error *err)
{
    if (size < SH_INITRD_ADDR_MAX + 4 ||
        ld32le(img + SH_HEADER) != HDRS_MAGIC) {
        return error_setg(err, "not a Linux bzImage (no \"HdrS\" header)");
    }
    li->version = ld16le(img + SH_VERSION);
    li->setup_size = lb_setup_size(img, size);
    if (li->version < LB_OLD_PROTOCOL) {
        return error_setg(err, "Linux boot protocol %u.%02u is too old "
                          "(2.02 or later)", li->version >> 8,
                          li->version & 0xff);
    }
    if (li->setup_size >= size || li->setup_size > LB_SETUP_MAX) {
        return error_setg(err, "Linux setup code of %zu bytes (the image "
                          "has %zu; 32 KiB at most)", li->setup_size, size);
    }
    if (!(img[SH_LOADFLAGS] & LF_LOADED_HIGH)) {
        return error_setg(err, "Linux zImage (not loaded high) is not "
                          "supported; use a bzImage");
    }
    return 0;
}

bool linuxboot_wants_firmware(const char *kernel)
{
    uint8_t hdr[SH_MAX_END];
    FILE *f = fopen(kernel, "rb");
    size_t n;
    long size;

    if (!f) {
        return false;
    }
    n = fread(hdr, 1, sizeof(hdr), f);
    size = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    fclose(f);
    if (n < sizeof(hdr) || size <= 0) {
        return false;
    }
    return linuxboot_needs_realmode(hdr, (size_t)size);
}

bool linuxboot_needs_realmode(const uint8_t *img, size_t size)
{
    LbImage li;
    Error err = { "" };
    uint32_t code32;

    if (lb_parse(img, size, &li, &err) < 0) {
        return false;
    }
    code32 = ld32le(img + SH_CODE32_START);
    if (li.version >= 0x20c && (ld16le(img + SH_XLOADFLAGS) & 1)) {
        return false;                /* a 64-bit entry Kite can use */
    }
    return li.version < LINUX_MIN_PROTOCOL || code32 < LINUX_DEFAULT_LOAD ||
           code32 - LINUX_DEFAULT_LOAD >= size - li.setup_size;
}

static int lb_place_initrd(Machine *m, const uint8_t *img, size_t ksize,
                           size_t isize, LbImage *li, Error *err)
{
    uint64_t max = li->version >= 0x203 ? ld32le(img + SH_INITRD_ADDR_MAX)
                                        : LB_OLD_INITRD_MAX;
    uint64_t top = MIN(max + 1, m->below_4g - LB_FIRMWARE_TOP);
    uint64_t kernel_end = LINUX_DEFAULT_LOAD + (ksize - li->setup_size);

    li->initrd_addr = 0;
    if (!isize) {
        return 0;
    }
    if (m->below_4g < LB_FIRMWARE_TOP || top < isize ||
        ((top - isize) & ~4095ull) < kernel_end) {
        return error_setg(err, "initrd (%zu KiB) does not fit in guest RAM "
                          "between the kernel and 0x%llx", isize / 1024,
                          (unsigned long long)top);
    }
    li->initrd_addr = (uint32_t)((top - isize) & ~4095ull);
    return 0;
}

/*
 * The video mode the command line asks for with vga=, as boot loaders
 * hand it to the setup code (which sets it through the VGA BIOS):
 * normal, ext, ask or a mode number. Returns false when there is none.
 */
static bool lb_vid_mode(const char *cmdline, uint16_t *mode)
{
    static const struct { const char *name; uint16_t mode; } named[] = {
        { "normal", 0xffff }, { "ext", 0xfffe }, { "ask", 0xfffd },
    };
    const char *v = NULL;
    char *end;
    unsigned long n;

    for (const char *p = cmdline; (p = strstr(p, "vga=")); p += 4) {
        if (p == cmdline || p[-1] == ' ') {
            v = p + 4;                  /* the last one counts */
        }
    }
    if (!v) {
        return false;
    }
    for (size_t i = 0; i < ARRAY_SIZE(named); i++) {
        size_t l = strlen(named[i].name);
        if (!strncmp(v, named[i].name, l) && (v[l] == ' ' || !v[l])) {
            *mode = named[i].mode;
            return true;
        }
    }
    n = strtoul(v, &end, 0);
    if (end == v || (*end && *end != ' ') || n > 0xffff) {
        return false;
    }
    *mode = (uint16_t)n;
    return true;
}

/* The setup code with the loader's header fields. */
static uint8_t *lb_setup_data(const uint8_t *img, const LbImage *li,
                              size_t isize, const char *cmdline)
{
    uint8_t *s = xmalloc(li->setup_size);
    uint16_t mode;

    memcpy(s, img, li->setup_size);
    s[SH_TYPE_OF_LOADER] = LB_LOADER_TYPE;
    s[SH_LOADFLAGS] |= LF_CAN_USE_HEAP;
    st16le(s + SH_HEAP_END_PTR, LB_CMDLINE_ADDR - LB_SETUP_ADDR - 0x200);
    st32le(s + SH_CMD_LINE_PTR, LB_CMDLINE_ADDR);
    st32le(s + SH_RAMDISK_IMAGE, li->initrd_addr);
    st32le(s + SH_RAMDISK_SIZE, (uint32_t)isize);
    if (lb_vid_mode(cmdline, &mode)) {
        st16le(s + SH_VID_MODE, mode);
    }
    return s;
}

static void lb_item(FwCfgState *s, uint16_t addr_key, uint32_t addr,
                    uint16_t size_key, uint16_t data_key, const void *data,
                    size_t len)
{
    fw_cfg_add_i32(s, addr_key, addr);
    fw_cfg_add_i32(s, size_key, (uint32_t)len);
    fw_cfg_add_bytes(s, data_key, data, len);
}

int linuxboot_publish(Machine *m, const uint8_t *img, size_t size,
                      const uint8_t *initrd, size_t isize,
                      const char *cmdline, Error *err)
{
    FwCfgState *s = m->fw_cfg;
    size_t clen = strlen(cmdline) + 1;
    uint64_t cmax;
    LbImage li;
    uint8_t *setup;

    if (!s) {
        return error_setg(err, "no fw_cfg device to hand the kernel over");
    }
    if (lb_parse(img, size, &li, err) < 0 ||
        lb_place_initrd(m, img, size, isize, &li, err) < 0) {
        return -1;
    }
    cmax = li.version >= LINUX_MIN_PROTOCOL ? ld32le(img + SH_CMDLINE_SIZE)
                                            : 255;
    if (clen - 1 > MIN(cmax, (uint64_t)LB_CMDLINE_MAX - 1)) {
        return error_setg(err, "kernel command line is %zu bytes; this "
                          "kernel accepts at most %llu", clen - 1,
                          (unsigned long long)cmax);
    }
    setup = lb_setup_data(img, &li, isize, cmdline);
    lb_item(s, FW_CFG_SETUP_ADDR, LB_SETUP_ADDR, FW_CFG_SETUP_SIZE,
            FW_CFG_SETUP_DATA, setup, li.setup_size);
    lb_item(s, FW_CFG_KERNEL_ADDR, (uint32_t)LINUX_DEFAULT_LOAD,
            FW_CFG_KERNEL_SIZE, FW_CFG_KERNEL_DATA, img + li.setup_size,
            size - li.setup_size);
    lb_item(s, FW_CFG_INITRD_ADDR, li.initrd_addr, FW_CFG_INITRD_SIZE,
            FW_CFG_INITRD_DATA, isize ? (const void *)initrd : "", isize);
    lb_item(s, FW_CFG_CMDLINE_ADDR, LB_CMDLINE_ADDR, FW_CFG_CMDLINE_SIZE,
            FW_CFG_CMDLINE_DATA, cmdline, clen);
    free(setup);
    if (fw_cfg_file_key(s, LINUXBOOT_ROM_FILE) < 0 &&
        fw_cfg_add_file(s, LINUXBOOT_ROM_FILE, linuxboot_dma_rom,
                        linuxboot_dma_rom_size) < 0) {
        return error_setg(err, "cannot add the Linux boot ROM to fw_cfg");
    }
    return 0;
}
