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
 *
 * Real-mode entry, for images whose 32-bit entry cannot be trusted:
 * protocols 2.02-2.05 (which only define the real-mode entry) and
 * images whose code32_start lies outside the protected-mode payload
 * (iPXE's ipxe.lkrn leaves it 0 and expects its setup code to run). As
 * QEMU effectively does (its linuxboot option ROM), the setup code is
 * copied to BOOT_ZERO_PAGE_ADDR (segment 0x1000, below 640K) with the
 * loader's header fields, and the CPU starts in real mode at
 * CS = 0x1020, IP = 0, DS = ES = FS = GS = SS = 0x1000, SP at the heap
 * end; the command line pointer is in the header. There is no BIOS, so
 * every IVT vector points at an IRET: a BIOS call returns with nothing
 * done instead of running whatever low memory holds.
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
    bool realmode;              /* enter through the setup code */
    const uint8_t *setup;       /* the real-mode part of the image */
    size_t setup_size, hdr_end;
} LinuxPlan;

/* Real-mode entry (see above). */
#define LINUX_RM_SEG        (BOOT_ZERO_PAGE_ADDR >> 4)
#define LINUX_RM_HEAP_END   0xfe00u        /* SP, and the heap's end */
#define LINUX_RM_IRET_ADDR  BOOT_AREA_END  /* one IRET byte, below the EBDA */
#define LINUX_OLD_PROTOCOL  0x0202         /* cmd_line_ptr, loaded high */
#define LINUX_OLD_CMDLINE_MAX 255
#define LINUX_OLD_INITRD_MAX  0x37ffffffu

#define PT_PRESENT_RW  0x003ull
#define PT_LARGE_PAGE  0x080ull
#define PT_TABLES_SIZE (BOOT_PD_ADDR + 4 * 4096 - BOOT_PML4_ADDR)

static bool is_pow2(uint64_t v)
{
    return v && !(v & (v - 1));
}

/*
 * The 32-bit entry is used only where the protocol defines it (2.06+,
 * as Kite always did) and code32_start points into the payload as
 * loaded at 1 MiB; otherwise the setup code is the way in.
 */
static void linux_choose_realmode(LinuxPlan *plan)
{
    uint32_t code32 = ld32le(plan->bp + SH_CODE32_START);

    if (plan->entry64) {
        return;
    }
    plan->realmode = plan->version < LINUX_MIN_PROTOCOL ||
                     code32 < LINUX_DEFAULT_LOAD ||
                     code32 - LINUX_DEFAULT_LOAD >= plan->payload_size;
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
    if (plan->version < LINUX_OLD_PROTOCOL) {
        return error_setg(err, "Linux boot protocol %u.%02u is too old "
                          "(kite needs 2.02 or later)",
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
    if (hdr_end < (plan->version >= LINUX_MIN_PROTOCOL ? SH_CMDLINE_SIZE + 4
                                                        : SH_CMD_LINE_PTR + 4)) {
        return error_setg(err, "Linux setup header is too short for "
                          "protocol %u.%02u (ends at 0x%zx)",
                          plan->version >> 8, plan->version & 0xff, hdr_end);
    }
    plan->setup = img;
    plan->setup_size = setup_size;
    plan->hdr_end = hdr_end;
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
    linux_choose_realmode(plan);
    if (plan->realmode && setup_size > LINUX_RM_HEAP_END - 0x200) {
        return error_setg(err, "Linux setup code (%zu bytes) leaves no room "
                          "for its heap and stack in one 64 KiB segment",
                          setup_size);
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
    /* the setup code of a real-mode entry expects the kernel at 1 MiB */
    if (!plan->realmode && plan->version >= 0x20a && bp[SH_RELOCATABLE] &&
        is_pow2(align)) {
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
    uint64_t max = plan->version >= LINUX_MIN_PROTOCOL ?
                   ld32le(plan->bp + SH_CMDLINE_SIZE) : LINUX_OLD_CMDLINE_MAX;

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
    uint64_t limit = (uint64_t)(plan->version >= 0x203 ?
                     ld32le(plan->bp + SH_INITRD_ADDR_MAX) :
                     LINUX_OLD_INITRD_MAX) + 1;
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
    st16le(bp + SH_HEAP_END_PTR,
           plan->realmode ? LINUX_RM_HEAP_END - 0x200 : 0xfe00);
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

/* Real mode at the setup code: CS = seg + 0x20, IP = 0, SP = heap end. */
static void linux_setup_cpu_realmode(X86CPUState *cpu)
{
    uint32_t data = SEG_P | SEG_S | SEG_W | SEG_A;
    uint16_t seg = LINUX_RM_SEG;

    x86_cpu_state_reset(cpu);
    cpu->cr0 = CR0_ET;
    for (int i = 0; i < 6; i++) {
        x86_seg_set(&cpu->segs[i], seg, (uint32_t)seg << 4, 0xffff, data);
    }
    x86_seg_set(&cpu->segs[R_CS], seg + 0x20, (uint32_t)(seg + 0x20) << 4,
                0xffff, SEG_P | SEG_S | SEG_CODE | SEG_R | SEG_A);
    cpu->idt.base = 0;
    cpu->idt.limit = 0x3ff;
    cpu->rip = 0;
    cpu->regs[R_ESP] = LINUX_RM_HEAP_END;
}

static void linux_setup_cpu(const LinuxPlan *plan, X86CPUState *cpu)
{
    if (plan->realmode) {
        linux_setup_cpu_realmode(cpu);
        return;
    }
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

/*
 * Real-mode entry: the setup code at segment LINUX_RM_SEG with the
 * loader's setup header over it (the rest of boot_params is the setup
 * code's to fill), and an IVT whose every vector is an IRET.
 */
static int linux_commit_realmode(Machine *m, const LinuxPlan *plan)
{
    uint8_t ivt[256 * 4];
    static const uint8_t iret = 0xcf;
    int ret = 0;

    for (int i = 0; i < 256; i++) {
        st16le(ivt + 4 * i, LINUX_RM_IRET_ADDR & 0xf);
        st16le(ivt + 4 * i + 2, (uint16_t)(LINUX_RM_IRET_ADDR >> 4));
    }
    ret |= loader_write(m, BOOT_ZERO_PAGE_ADDR, plan->setup, plan->setup_size);
    ret |= loader_write(m, BOOT_ZERO_PAGE_ADDR + SH_START, plan->bp + SH_START,
                        plan->hdr_end - SH_START);
    ret |= loader_write(m, 0, ivt, sizeof(ivt));
    ret |= loader_write(m, LINUX_RM_IRET_ADDR, &iret, 1);
    return ret;
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
    if (plan->realmode) {
        return linux_commit_realmode(m, plan) ? -1 : ret ? -1 : 0;
    }
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
