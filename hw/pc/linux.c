/*
 * Linux bzImage loader, following the x86 boot protocol
 * (Documentation/arch/x86/boot.rst) for protocol 2.06 and later.
 *
 * The image is parsed and everything is placed in a LinuxPlan first; only
 * when every check has passed is guest memory written, so a malformed
 * image leaves the guest untouched. Placement (see bootparam.h for the
 * low-memory map):
 *   - the protected-mode kernel at pref_address (aligned to
 *     kernel_alignment) when the kernel is relocatable and it fits, else
 *     at 1 MiB; init_size bytes from there are kept free for it;
 *   - the initrd page-aligned at the top of RAM below
 *     min(initrd_addr_max + 1, below_4g), above the kernel;
 *   - boot_params at BOOT_ZERO_PAGE_ADDR, the command line at
 *     BOOT_CMDLINE_ADDR, the GDT at BOOT_GDT_ADDR.
 * Entry: with XLF_KERNEL_64, the 64-bit entry point (load address +
 * 0x200) in long mode with the first 4 GiB identity-mapped by 2 MiB
 * pages; otherwise code32_start in flat 32-bit protected mode. In both,
 * RSI holds the address of boot_params and interrupts are off.
 */
#include "hw/pc/bootparam.h"

#include <stdlib.h>
#include <string.h>

typedef struct LinuxPlan {
    uint8_t bp[BP_SIZE];        /* boot_params as it will be written */
    uint16_t version;
    const uint8_t *payload;     /* protected-mode kernel inside the image */
    size_t payload_size;
    uint64_t load_addr, mem_need;
    uint64_t cmdline_len;
    uint64_t initrd_addr;
    bool entry64;
} LinuxPlan;

#define PT_PRESENT_RW  0x003ull
#define PT_LARGE_PAGE  0x080ull
#define PT_TABLES_SIZE (BOOT_PD_ADDR + 4 * 4096 - BOOT_PML4_ADDR)

static bool is_pow2(uint64_t v)
{
    return v && !(v & (v - 1));
}

/* Checks the real-mode header and copies the setup header into plan->bp. */
static int linux_parse_header(const uint8_t *img, size_t size,
                              LinuxPlan *plan, Error *err)
{
    unsigned setup_sects;
    size_t setup_size, hdr_end;

    if (size < SH_VERSION + 2) {
        return error_setg(err, "not a Linux kernel: the image is truncated "
                          "(%zu bytes, too short for a setup header)", size);
    }
    if (ld32le(img + SH_HEADER) != HDRS_MAGIC) {
        return error_setg(err, "not a Linux bzImage or multiboot kernel "
                          "(no \"HdrS\" magic at offset 0x202)");
    }
    plan->version = ld16le(img + SH_VERSION);
    if (plan->version < LINUX_MIN_PROTOCOL) {
        return error_setg(err, "Linux boot protocol %u.%02u is too old "
                          "(kite needs 2.06 or later)",
                          plan->version >> 8, plan->version & 0xff);
    }
    setup_sects = img[SH_SETUP_SECTS] ? img[SH_SETUP_SECTS] : 4;
    setup_size = (size_t)(setup_sects + 1) * 512;
    if (setup_size >= size) {
        return error_setg(err, "Linux image is truncated: %u setup sectors "
                          "but the file has only %zu bytes", setup_sects,
                          size);
    }
    hdr_end = MIN(MIN((size_t)SH_JUMP + 2 + img[SH_JUMP + 1],
                      (size_t)SH_MAX_END), setup_size);
    if (hdr_end < SH_CMDLINE_SIZE + 4) {
        return error_setg(err, "Linux setup header is too short for "
                          "protocol 2.06 (ends at 0x%zx)", hdr_end);
    }
    memset(plan->bp, 0, sizeof(plan->bp));
    memcpy(plan->bp + SH_START, img + SH_START, hdr_end - SH_START);
    if (!(plan->bp[SH_LOADFLAGS] & LF_LOADED_HIGH)) {
        return error_setg(err, "Linux zImage (not loaded high) is not "
                          "supported; use a bzImage");
    }
    plan->payload = img + setup_size;
    plan->payload_size = size - setup_size;
    if (plan->version >= 0x20c) {
        plan->entry64 = ld16le(plan->bp + SH_XLOADFLAGS) & XLF_KERNEL_64;
    }
    return 0;
}

/* Picks the load address: pref_address if relocatable and it fits. */
static int linux_place_kernel(Machine *m, LinuxPlan *plan, Error *err)
{
    const uint8_t *bp = plan->bp;
    uint64_t need = plan->payload_size;
    uint64_t align = ld32le(bp + SH_KERNEL_ALIGNMENT);

    if (plan->version >= 0x20a) {
        need = MAX(need, (uint64_t)ld32le(bp + SH_INIT_SIZE));
    }
    plan->mem_need = need;
    plan->load_addr = LINUX_DEFAULT_LOAD;
    if (plan->version >= 0x20a && bp[SH_RELOCATABLE] && is_pow2(align)) {
        uint64_t pref = ld64le(bp + SH_PREF_ADDRESS);

        if (pref >= LINUX_DEFAULT_LOAD && pref < 4 * GiB) {
            pref = ALIGN_UP(pref, align);
            if (pref + need <= m->below_4g && loader_ram_ok(m, pref, need)) {
                plan->load_addr = pref;
            }
        }
    }
    if (plan->load_addr + need > m->below_4g ||
        !loader_ram_ok(m, plan->load_addr, need)) {
        return error_setg(err, "Linux kernel needs %llu KiB of RAM from "
                          "0x%llx but the guest has %llu KiB below 4 GiB",
                          (unsigned long long)(need / KiB),
                          (unsigned long long)plan->load_addr,
                          (unsigned long long)(m->below_4g / KiB));
    }
    return 0;
}

static int linux_check_cmdline(LinuxPlan *plan, const char *cmdline,
                               Error *err)
{
    uint64_t max = ld32le(plan->bp + SH_CMDLINE_SIZE);

    plan->cmdline_len = strlen(cmdline);
    max = MIN(max, BOOT_AREA_END - BOOT_CMDLINE_ADDR - 1);
    if (plan->cmdline_len > max) {
        return error_setg(err, "kernel command line is %llu bytes; this "
                          "kernel accepts at most %llu",
                          (unsigned long long)plan->cmdline_len,
                          (unsigned long long)max);
    }
    return 0;
}

static int linux_place_initrd(Machine *m, LinuxPlan *plan, size_t isize,
                              Error *err)
{
    uint64_t limit = (uint64_t)ld32le(plan->bp + SH_INITRD_ADDR_MAX) + 1;
    uint64_t kernel_end = plan->load_addr + plan->mem_need;
    uint64_t addr;

    plan->initrd_addr = 0;
    if (!isize) {
        return 0;
    }
    limit = MIN(limit, m->below_4g);
    addr = e820_find_ram_top(&m->e820, limit, isize);
    if (!addr || addr < kernel_end || !loader_ram_ok(m, addr, isize)) {
        return error_setg(err, "initrd (%llu KiB) does not fit in guest RAM "
                          "between the kernel end (0x%llx) and 0x%llx",
                          (unsigned long long)(isize / KiB),
                          (unsigned long long)kernel_end,
                          (unsigned long long)limit);
    }
    plan->initrd_addr = addr;
    return 0;
}

/* Fills the loader-owned fields of boot_params. */
static void linux_fill_boot_params(Machine *m, LinuxPlan *plan, size_t isize)
{
    uint8_t *bp = plan->bp;
    uint32_t code32 = ld32le(bp + SH_CODE32_START);
    int n = MIN(m->e820.n, BP_E820_MAX);

    bp[SH_TYPE_OF_LOADER] = 0xff;
    bp[SH_LOADFLAGS] |= LF_CAN_USE_HEAP;
    st16le(bp + SH_HEAP_END_PTR, 0xfe00);
    st32le(bp + SH_CMD_LINE_PTR, (uint32_t)BOOT_CMDLINE_ADDR);
    st32le(bp + BP_EXT_CMD_LINE_PTR, 0);
    st32le(bp + SH_RAMDISK_IMAGE, (uint32_t)plan->initrd_addr);
    st32le(bp + SH_RAMDISK_SIZE, (uint32_t)isize);
    st32le(bp + BP_EXT_RAMDISK_IMAGE, (uint32_t)(plan->initrd_addr >> 32));
    st32le(bp + BP_EXT_RAMDISK_SIZE, (uint32_t)((uint64_t)isize >> 32));
    /* code32_start follows the kernel if it was not loaded at 1 MiB. */
    st32le(bp + SH_CODE32_START,
           (uint32_t)(code32 + (plan->load_addr - LINUX_DEFAULT_LOAD)));
    bp[BP_E820_ENTRIES] = (uint8_t)n;
    for (int i = 0; i < n; i++) {
        uint8_t *e = bp + BP_E820_TABLE + i * BP_E820_ENTRY_SIZE;
        st64le(e, m->e820.entries[i].addr);
        st64le(e + 8, m->e820.entries[i].size);
        st32le(e + 16, m->e820.entries[i].type);
    }
}

/* PML4 -> PDPT -> 4 page directories of 2 MiB pages covering 0-4 GiB. */
static void linux_build_page_tables(uint8_t *pt)
{
    uint8_t *pml4 = pt;
    uint8_t *pdpt = pt + (BOOT_PDPT_ADDR - BOOT_PML4_ADDR);
    uint8_t *pd = pt + (BOOT_PD_ADDR - BOOT_PML4_ADDR);

    memset(pt, 0, PT_TABLES_SIZE);
    st64le(pml4, BOOT_PDPT_ADDR | PT_PRESENT_RW);
    for (int i = 0; i < 4; i++) {
        st64le(pdpt + 8 * i, (BOOT_PD_ADDR + 4096ull * i) | PT_PRESENT_RW);
    }
    for (int i = 0; i < 4 * 512; i++) {
        st64le(pd + 8 * i, ((uint64_t)i << 21) | PT_PRESENT_RW |
               PT_LARGE_PAGE);
    }
}

static void linux_setup_cpu(const LinuxPlan *plan, X86CPUState *cpu)
{
    loader_cpu_flat32(cpu, BOOT_GDT_ADDR);
    cpu->regs[R_ESI] = BOOT_ZERO_PAGE_ADDR;
    if (!plan->entry64) {
        cpu->rip = ld32le(plan->bp + SH_CODE32_START);
        return;
    }
    cpu->segs[R_CS].flags = (cpu->segs[R_CS].flags & ~SEG_DB) | SEG_L;
    cpu->cr0 = CR0_PE | CR0_PG | CR0_ET;
    cpu->cr3 = BOOT_PML4_ADDR;
    cpu->cr4 = CR4_PAE;
    cpu->efer = EFER_LME | EFER_LMA;
    cpu->rip = plan->load_addr + LINUX_64BIT_ENTRY_OFF;
}

/* Writes everything; every range was checked while planning. */
static int linux_commit(Machine *m, const LinuxPlan *plan,
                        const uint8_t *initrd, size_t isize,
                        const char *cmdline)
{
    uint8_t gdt[BOOT_GDT_SIZE];
    int ret = 0;

    loader_build_gdt(gdt, plan->entry64);
    ret |= loader_write(m, plan->load_addr, plan->payload,
                        plan->payload_size);
    if (isize) {
        ret |= loader_write(m, plan->initrd_addr, initrd, isize);
    }
    ret |= loader_write(m, BOOT_CMDLINE_ADDR, cmdline, plan->cmdline_len + 1);
    ret |= loader_write(m, BOOT_ZERO_PAGE_ADDR, plan->bp, BP_SIZE);
    ret |= loader_write(m, BOOT_GDT_ADDR, gdt, sizeof(gdt));
    if (plan->entry64) {
        uint8_t *pt = xmalloc(PT_TABLES_SIZE);
        linux_build_page_tables(pt);
        ret |= loader_write(m, BOOT_PML4_ADDR, pt, PT_TABLES_SIZE);
        free(pt);
    }
    return ret ? -1 : 0;
}

int linux_load(Machine *m, const uint8_t *kernel, size_t ksize,
               const uint8_t *initrd, size_t isize, const char *cmdline,
               X86CPUState *cpu, Error *err)
{
    LinuxPlan *plan = xzalloc(sizeof(*plan));
    int ret = -1;

    if (!cmdline) {
        cmdline = "";
    }
    if (!initrd) {
        isize = 0;
    }
    if (!loader_ram_ok(m, BOOT_GDT_ADDR, BOOT_AREA_END - BOOT_GDT_ADDR)) {
        error_setg(err, "guest low memory is not RAM; cannot boot Linux");
        goto out;
    }
    if (linux_parse_header(kernel, ksize, plan, err) < 0 ||
        linux_place_kernel(m, plan, err) < 0 ||
        linux_check_cmdline(plan, cmdline, err) < 0) {
        goto out;
    }
    if (linux_place_initrd(m, plan, isize, err) < 0) {
        /* Loading at 1 MiB instead of pref_address may leave room. */
        if (plan->load_addr == LINUX_DEFAULT_LOAD) {
            goto out;
        }
        plan->load_addr = LINUX_DEFAULT_LOAD;
        if (linux_place_initrd(m, plan, isize, err) < 0) {
            goto out;
        }
    }
    linux_fill_boot_params(m, plan, isize);
    if (linux_commit(m, plan, initrd, isize, cmdline) < 0) {
        error_setg(err, "internal error writing the Linux kernel to RAM");
        goto out;
    }
    linux_setup_cpu(plan, cpu);
    ret = 0;
out:
    free(plan);
    return ret;
}
