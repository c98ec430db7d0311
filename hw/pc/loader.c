/*
 * Boot dispatch of the pc machine (-bios, -kernel, -initrd, -append) and
 * the helpers the loaders share.
 *
 * -bios wins: the firmware starts at the reset vector and finds any
 * -kernel through fw_cfg. Otherwise the contents of -kernel decide: an
 * ELF with a PVH entry note boots through PVH (-initrd is module 0); an
 * image with a multiboot header in its first 8 KiB boots as multiboot
 * v1 (-initrd is the module list); any other ELF is refused (neither
 * multiboot nor PVH); the rest must be a Linux bzImage. Every write to the
 * guest goes through loader_write/loader_zero, which refuse anything but
 * RAM and write through the memory core's one guest-memory API.
 *
 * fw_cfg (when the machine has one) gets the kernel, initrd and command
 * line sizes and the command line, as QEMU publishes them; with -bios it
 * also gets the setup, kernel and initrd data so firmware can load them.
 *
 * A reset loads everything again into RAM the guest has run from; the
 * memory core's write API drops the translated code of every page it
 * writes, so the reloaded kernel is what runs.
 */
#include "hw/pc/bootparam.h"
#include "hw/pc/fw_cfg.h"
#include "hw/pc/linuxboot.h"

#include <stdlib.h>
#include <string.h>

bool loader_ram_ok(Machine *m, uint64_t addr, uint64_t len)
{
    if (addr + len < addr) {
        return false;
    }
    while (len) {
        const FlatRange *fr = address_space_lookup(&m->mem, addr);
        uint64_t n;

        if (!fr || fr->mr->kind != MR_RAM) {
            return false;
        }
        n = MIN(len, fr->size - (addr - fr->base));
        addr += n;
        len -= n;
    }
    return true;
}

/*
 * Guest RAM is written only through the memory core's API (memory.h:
 * bounds-checked, marks pages dirty, drops translated code there).
 */
int loader_write(Machine *m, uint64_t addr, const void *buf, uint64_t len)
{
    if (!loader_ram_ok(m, addr, len)) {
        return -1;
    }
    return address_space_write_rom(&m->mem, addr, buf, len);
}

int loader_zero(Machine *m, uint64_t addr, uint64_t len)
{
    return address_space_fill(&m->mem, addr, 0, len);
}

void loader_build_gdt(uint8_t gdt[BOOT_GDT_SIZE], bool long_mode)
{
    /* base 0, limit 0xfffff pages; P, S, DPL 0, G; code also L or D. */
    uint64_t code = long_mode ? 0x00af9b000000ffffull : 0x00cf9b000000ffffull;
    uint64_t data = 0x00cf93000000ffffull;

    memset(gdt, 0, BOOT_GDT_SIZE);
    st64le(gdt + BOOT_CS, code);
    st64le(gdt + BOOT_DS, data);
}

void loader_cpu_flat32(X86CPUState *cpu, uint64_t gdt_addr)
{
    uint32_t code = SEG_P | SEG_S | SEG_CODE | SEG_R | SEG_A | SEG_DB | SEG_G;
    uint32_t data = SEG_P | SEG_S | SEG_W | SEG_A | SEG_DB | SEG_G;

    x86_cpu_state_reset(cpu);
    x86_seg_set(&cpu->segs[R_CS], BOOT_CS, 0, 0xffffffff, code);
    for (int i = 0; i < 6; i++) {
        if (i != R_CS) {
            x86_seg_set(&cpu->segs[i], BOOT_DS, 0, 0xffffffff, data);
        }
    }
    cpu->gdt.base = gdt_addr;
    cpu->gdt.limit = BOOT_GDT_SIZE - 1;
    cpu->idt.base = 0;
    cpu->idt.limit = 0;
    cpu->cr0 = CR0_PE | CR0_ET;
    cpu->rflags = RF_FIXED;
    cpu->regs[R_EDX] = 0;
    cpu->regs[R_ESP] = BOOT_STACK_TOP;
}

/* "kernel" + " " + append, as QEMU builds a multiboot command line. */
static char *loader_multiboot_cmdline(const char *kernel, const char *append)
{
    if (append && *append) {
        return xasprintf("%s %s", kernel, append);
    }
    return xstrdup(kernel);
}

/* Size of a bzImage's real-mode part, or 0 if img is not a bzImage. */
static size_t loader_setup_size(const uint8_t *img, size_t size)
{
    size_t setup;

    if (size < SH_HEADER + 4 || ld32le(img + SH_HEADER) != HDRS_MAGIC) {
        return 0;
    }
    setup = ((size_t)(img[SH_SETUP_SECTS] ? img[SH_SETUP_SECTS] : 4) + 1) *
            512;
    return setup < size ? setup : 0;
}

static void loader_publish_fw_cfg(Machine *m, const uint8_t *kernel,
                                  size_t ksize, const uint8_t *initrd,
                                  size_t isize, const char *cmdline,
                                  bool with_data)
{
    FwCfgState *s = m->fw_cfg;
    size_t setup = loader_setup_size(kernel, ksize);

    if (!s) {
        return;
    }
    fw_cfg_add_i32(s, FW_CFG_SETUP_SIZE, (uint32_t)setup);
    fw_cfg_add_i32(s, FW_CFG_KERNEL_SIZE, (uint32_t)(ksize - setup));
    fw_cfg_add_i32(s, FW_CFG_INITRD_SIZE, (uint32_t)isize);
    fw_cfg_add_i32(s, FW_CFG_CMDLINE_SIZE, (uint32_t)(strlen(cmdline) + 1));
    fw_cfg_add_string(s, FW_CFG_CMDLINE_DATA, cmdline);
    if (with_data) {
        fw_cfg_add_bytes(s, FW_CFG_SETUP_DATA, kernel, setup);
        fw_cfg_add_bytes(s, FW_CFG_KERNEL_DATA, kernel + setup, ksize - setup);
        fw_cfg_add_bytes(s, FW_CFG_INITRD_DATA, initrd, isize);
    }
}

uint64_t loader_file_limit(const Machine *m, uint64_t cap)
{
    return MIN(cap, m->ram_size);
}

/* Reads -initrd as one file (Linux boot), or nothing if absent. */
static int loader_read_initrd(Machine *m, uint8_t **initrd, size_t *isize,
                              Error *err)
{
    *initrd = NULL;
    *isize = 0;
    if (m->cfg.initrd &&
        file_read_all(m->cfg.initrd, loader_file_limit(m, LOADER_MAX_INITRD),
                      initrd, isize,
                      err) < 0) {
        error_prepend(err, "-initrd");
        return -1;
    }
    return 0;
}

/* -bios with -kernel: the firmware loads the kernel through fw_cfg. */
static int loader_publish_kernel(Machine *m, Error *err)
{
    uint8_t *img = NULL, *initrd = NULL;
    size_t size = 0, isize = 0;
    int ret = 0;

    if (!m->cfg.kernel || !m->fw_cfg) {
        return 0;
    }
    if (file_read_all(m->cfg.kernel, loader_file_limit(m, LOADER_MAX_KERNEL),
                      &img, &size,
                      err) < 0) {
        error_prepend(err, "-kernel");
        return -1;
    }
    if (loader_read_initrd(m, &initrd, &isize, err) < 0) {
        free(img);
        return -1;
    }
    if (loader_setup_size(img, size)) {
        /* a bzImage: for roms/linuxboot.S, as QEMU lays it out */
        ret = linuxboot_publish(m, img, size, initrd, isize,
                                m->cfg.append ? m->cfg.append : "", err);
    } else {
        loader_publish_fw_cfg(m, img, size, initrd, isize,
                              m->cfg.append ? m->cfg.append : "", true);
    }
    free(img);
    free(initrd);
    if (ret < 0) {
        error_prepend(err, "-kernel '%s'", m->cfg.kernel);
    }
    return ret;
}

static int loader_boot_bios(Machine *m, Error *err)
{
    uint8_t *img = NULL;
    size_t size = 0;
    int ret;

    if (file_read_all(m->cfg.bios, BIOS_MAX_SIZE, &img, &size, err) < 0) {
        error_prepend(err, "-bios");
        return -1;
    }
    ret = bios_load(m, img, size, &m->boot_state, err);
    free(img);
    if (ret < 0) {
        error_prepend(err, "-bios '%s'", m->cfg.bios);
        return -1;
    }
    return loader_publish_kernel(m, err);
}

/* bzImage (pvh false) or PVH ELF: both take -initrd as one file. */
static int loader_boot_linux(Machine *m, const uint8_t *img, size_t size,
                             bool pvh, Error *err)
{
    const char *cmdline = m->cfg.append ? m->cfg.append : "";
    uint8_t *initrd = NULL;
    size_t isize = 0;
    int ret;

    if (loader_read_initrd(m, &initrd, &isize, err) < 0) {
        return -1;
    }
    if (pvh) {
        ret = pvh_load(m, img, size, initrd, isize, cmdline, &m->boot_state,
                       err);
    } else {
        ret = linux_load(m, img, size, initrd, isize, cmdline,
                         &m->boot_state, err);
    }
    if (ret == 0) {
        loader_publish_fw_cfg(m, img, size, initrd, isize, cmdline, false);
    }
    free(initrd);
    return ret;
}

KernelKind pc_kernel_kind(const uint8_t *img, size_t size)
{
    if (pvh_detect(img, size)) {
        return KERNEL_PVH;
    }
    if (multiboot_detect(img, size)) {
        return KERNEL_MULTIBOOT;
    }
    if (size >= 4 && memcmp(img, "\x7f" "ELF", 4) == 0) {
        return KERNEL_ELF_OTHER;
    }
    return KERNEL_BZIMAGE;
}

static int loader_boot_multiboot(Machine *m, const uint8_t *img, size_t size,
                                 Error *err)
{
    char *cmdline = loader_multiboot_cmdline(m->cfg.kernel, m->cfg.append);
    int ret = multiboot_load(m, img, size, cmdline, m->cfg.initrd,
                             &m->boot_state, err);

    if (ret == 0) {
        loader_publish_fw_cfg(m, img, size, NULL, 0, cmdline, false);
    }
    free(cmdline);
    return ret;
}

static int loader_boot_kernel(Machine *m, Error *err)
{
    uint8_t *img = NULL;
    size_t size = 0;
    int ret;

    if (file_read_all(m->cfg.kernel, loader_file_limit(m, LOADER_MAX_KERNEL),
                      &img, &size,
                      err) < 0) {
        error_prepend(err, "-kernel");
        return -1;
    }
    switch (pc_kernel_kind(img, size)) {
    case KERNEL_MULTIBOOT:
        ret = loader_boot_multiboot(m, img, size, err);
        break;
    case KERNEL_PVH:
    case KERNEL_ELF_OTHER:      /* pvh_load names the missing note */
        ret = loader_boot_linux(m, img, size, true, err);
        break;
    default:
        ret = loader_boot_linux(m, img, size, false, err);
        break;
    }
    free(img);
    if (ret < 0) {
        error_prepend(err, "-kernel '%s'", m->cfg.kernel);
    }
    return ret;
}

int pc_load_boot(Machine *m, Error *err)
{
    int ret;

    m->have_boot_state = false;
    if (m->cfg.bios) {
        ret = loader_boot_bios(m, err);
    } else if (m->cfg.kernel) {
        ret = loader_boot_kernel(m, err);
    } else {
        return error_setg(err, "nothing to boot: give -kernel or -bios");
    }
    if (ret < 0) {
        return -1;
    }
    m->have_boot_state = true;
    return 0;
}
