/*
 * PVH boot of an uncompressed ELF kernel (Linux's vmlinux): the x86 PVH
 * boot ABI of Xen (docs/misc/pvh.pandoc and public/arch-x86/hvm/
 * start_info.h in the Xen tree), as QEMU and Firecracker also use it to
 * start a kernel without a bzImage or firmware.
 *
 * The kernel says it can be entered this way with an ELF note named "Xen"
 * of type XEN_ELFNOTE_PHYS32_ENTRY (18) whose 4- or 8-byte descriptor is
 * the 32-bit physical entry point. Its PT_LOAD segments are loaded at
 * their physical addresses (p_paddr) with the bss zeroed; each must lie in
 * guest RAM below 4 GiB, clear of the other segments, of the boot GDT and
 * of the start info area.
 *
 * Everything is planned and checked first; guest memory is written only
 * when the kernel, the initrd and the start info are known to fit (as in
 * linux.c and multiboot.c). Layout (see bootparam.h for low memory):
 *   BOOT_GDT_ADDR   the boot GDT (flat 32-bit code and data)
 *   PVH_INFO_ADDR   struct hvm_start_info (version 1), then the module
 *                   list (the initrd is module 0), the memory map (the
 *                   machine's e820 table) and the command line
 *   the initrd      page-aligned at the top of RAM below 4 GiB, above the
 *                   kernel's highest byte
 *
 * Entry (the ABI's "Entry state"): 32-bit protected mode, paging off,
 * interrupts off, CS a flat 4 GiB 32-bit code segment, DS/ES/SS (and
 * FS/GS) flat 4 GiB data segments, TR a busy 32-bit TSS, EBX the address
 * of the start info, EIP the note's entry point, A20 on.
 */
#include "hw/pc/bootparam.h"

#include <stdlib.h>
#include <string.h>

/* ELF (System V ABI), both classes, little-endian */
#define ELFCLASS32              1
#define ELFCLASS64              2
#define ELFDATA2LSB             1
#define EM_386                  3
#define EM_X86_64               62
#define PT_LOAD                 1
#define PT_NOTE                 4
#define ELF_NOTE_HDR            12

#define XEN_ELFNOTE_PHYS32_ENTRY 18

/* struct hvm_start_info */
#define HVM_START_MAGIC         0x336ec578u
#define HVM_START_VERSION       1
#define HSI_MAGIC               0
#define HSI_VERSION             4
#define HSI_FLAGS               8
#define HSI_NR_MODULES          12
#define HSI_MODLIST_PADDR       16
#define HSI_CMDLINE_PADDR       24
#define HSI_RSDP_PADDR          32
#define HSI_MEMMAP_PADDR        40
#define HSI_MEMMAP_ENTRIES      48
#define HSI_SIZE                56
#define HSI_ROOM                64      /* the module list starts here */
#define HVM_MODLIST_ENTRY_SIZE  32      /* paddr, size, cmdline_paddr, rsvd */
#define HVM_MEMMAP_ENTRY_SIZE   24      /* addr, size, type, reserved */

#define PVH_INFO_ADDR           BOOT_ZERO_PAGE_ADDR
#define PVH_MAX_SEGMENTS        32
#define PVH_ADDR_LIMIT          (4ull * GiB)

typedef struct PvhSegment {
    uint64_t addr, memsz;
    const uint8_t *data;
    uint64_t filesz;
} PvhSegment;

typedef struct PvhElf {
    const uint8_t *img;
    size_t size;
    bool is64;
    uint64_t phoff;
    unsigned phentsize, phnum;
} PvhElf;

typedef struct PvhPhdr {
    uint32_t type;
    uint64_t offset, paddr, filesz, memsz, align;
} PvhPhdr;

typedef struct PvhPlan {
    PvhSegment seg[PVH_MAX_SEGMENTS];
    int nseg;
    uint64_t entry, kernel_end;
    uint64_t initrd_addr;
    uint8_t *info;              /* start info, modules, memmap, cmdline */
    uint64_t info_size;
} PvhPlan;

/*
 * Where the ACPI RSDP is for the start info's rsdp_paddr: the pc machine's
 * tables are installed (device reset) before the boot images are loaded.
 * 0 when the machine has no ACPI tables; the ABI then lets the kernel
 * search for the RSDP itself (the BIOS area scan).
 */
static uint64_t pvh_rsdp_paddr(const Machine *m)
{
    return m->acpi_rsdp_addr;
}

/* ------------------------------------------------------------ ELF */

static bool pvh_is_elf(const uint8_t *img, size_t size)
{
    return size >= 6 && memcmp(img, "\x7f" "ELF", 4) == 0;
}

/* Checks the ELF header; fills e. */
static int pvh_elf_open(PvhElf *e, const uint8_t *img, size_t size,
                        Error *err)
{
    unsigned min_ph;

    memset(e, 0, sizeof(*e));
    e->img = img;
    e->size = size;
    if (!pvh_is_elf(img, size)) {
        return error_setg(err, "not an ELF image");
    }
    if ((img[4] != ELFCLASS32 && img[4] != ELFCLASS64) ||
        img[5] != ELFDATA2LSB) {
        return error_setg(err, "PVH kernel must be a little-endian ELF32 or "
                          "ELF64 image");
    }
    e->is64 = img[4] == ELFCLASS64;
    if (size < (e->is64 ? 64u : 52u)) {
        return error_setg(err, "ELF image is truncated (%zu bytes)", size);
    }
    if (ld16le(img + 18) != EM_386 && ld16le(img + 18) != EM_X86_64) {
        return error_setg(err, "ELF image is not for x86 (e_machine %u)",
                          ld16le(img + 18));
    }
    e->phoff = e->is64 ? ld64le(img + 32) : ld32le(img + 28);
    e->phentsize = ld16le(img + (e->is64 ? 54 : 42));
    e->phnum = ld16le(img + (e->is64 ? 56 : 44));
    min_ph = e->is64 ? 56 : 32;
    if (e->phnum == 0 || e->phentsize < min_ph || e->phoff > size ||
        (uint64_t)e->phnum * e->phentsize > size - e->phoff) {
        return error_setg(err, "ELF program headers are missing or lie "
                          "beyond the end of the file");
    }
    return 0;
}

static void pvh_elf_phdr(const PvhElf *e, unsigned i, PvhPhdr *ph)
{
    const uint8_t *p = e->img + e->phoff + (uint64_t)i * e->phentsize;

    ph->type = ld32le(p);
    if (e->is64) {
        ph->offset = ld64le(p + 8);
        ph->paddr = ld64le(p + 24);
        ph->filesz = ld64le(p + 32);
        ph->memsz = ld64le(p + 40);
        ph->align = ld64le(p + 48);
    } else {
        ph->offset = ld32le(p + 4);
        ph->paddr = ld32le(p + 12);
        ph->filesz = ld32le(p + 16);
        ph->memsz = ld32le(p + 20);
        ph->align = ld32le(p + 28);
    }
}

/* True if [off, off + len) lies inside the file. */
static bool pvh_in_file(const PvhElf *e, uint64_t off, uint64_t len)
{
    return off <= e->size && len <= e->size - off;
}

/*
 * Walks the notes of one PT_NOTE segment for the PVH entry note.
 * Returns 1 found (*entry set), 0 not there, -1 malformed (err set).
 */
static int pvh_scan_notes(const PvhElf *e, const PvhPhdr *ph, unsigned idx,
                          uint64_t *entry, Error *err)
{
    uint64_t align = ph->align == 8 ? 8 : 4;
    const uint8_t *p = e->img + ph->offset;
    uint64_t left = ph->filesz;

    while (left >= ELF_NOTE_HDR) {
        uint64_t namesz = ld32le(p), descsz = ld32le(p + 4);
        uint32_t type = ld32le(p + 8);
        uint64_t name_room = ALIGN_UP(namesz, align);
        uint64_t desc_room = ALIGN_UP(descsz, align);
        const uint8_t *desc;

        if (name_room > left - ELF_NOTE_HDR ||
            desc_room > left - ELF_NOTE_HDR - name_room) {
            return error_setg(err, "ELF note segment %u is malformed (a note "
                              "runs past its end)", idx);
        }
        desc = p + ELF_NOTE_HDR + name_room;
        if (namesz == 4 && !memcmp(p + ELF_NOTE_HDR, "Xen", 4) &&
            type == XEN_ELFNOTE_PHYS32_ENTRY) {
            if (descsz != 4 && descsz != 8) {
                return error_setg(err, "PVH entry note has a %llu-byte "
                                  "value (expected 4 or 8)",
                                  (unsigned long long)descsz);
            }
            *entry = descsz == 4 ? ld32le(desc) : ld64le(desc);
            return 1;
        }
        p = desc + desc_room;
        left -= ELF_NOTE_HDR + name_room + desc_room;
    }
    return 0;
}

/* Finds the PVH entry: 1 found, 0 no such note, -1 malformed. */
static int pvh_find_entry(const PvhElf *e, uint64_t *entry, Error *err)
{
    for (unsigned i = 0; i < e->phnum; i++) {
        PvhPhdr ph;
        int r;

        pvh_elf_phdr(e, i, &ph);
        if (ph.type != PT_NOTE) {
            continue;
        }
        if (!pvh_in_file(e, ph.offset, ph.filesz)) {
            return error_setg(err, "ELF note segment %u lies beyond the end "
                              "of the file", i);
        }
        r = pvh_scan_notes(e, &ph, i, entry, err);
        if (r != 0) {
            return r;
        }
    }
    return 0;
}

bool pvh_detect(const uint8_t *img, size_t size)
{
    Error err = { "" };
    uint64_t entry;
    PvhElf e;

    return pvh_elf_open(&e, img, size, &err) == 0 &&
           pvh_find_entry(&e, &entry, &err) == 1;
}

/* ------------------------------------------------------------ plan */

static int pvh_add_segment(PvhPlan *plan, const PvhElf *e, unsigned i,
                           const PvhPhdr *ph, Error *err)
{
    PvhSegment *s;

    if (ph->filesz > ph->memsz) {
        return error_setg(err, "ELF segment %u has more file bytes (%llu) "
                          "than memory bytes (%llu)", i,
                          (unsigned long long)ph->filesz,
                          (unsigned long long)ph->memsz);
    }
    if (!pvh_in_file(e, ph->offset, ph->filesz)) {
        return error_setg(err, "ELF segment %u (offset 0x%llx, %llu bytes) "
                          "lies beyond the end of the file", i,
                          (unsigned long long)ph->offset,
                          (unsigned long long)ph->filesz);
    }
    if (ph->paddr >= PVH_ADDR_LIMIT ||
        ph->memsz > PVH_ADDR_LIMIT - ph->paddr) {
        return error_setg(err, "ELF segment %u (physical 0x%llx, %llu bytes) "
                          "does not end below 4 GiB", i,
                          (unsigned long long)ph->paddr,
                          (unsigned long long)ph->memsz);
    }
    if (plan->nseg == PVH_MAX_SEGMENTS) {
        return error_setg(err, "ELF image has more than %d loadable "
                          "segments", PVH_MAX_SEGMENTS);
    }
    s = &plan->seg[plan->nseg++];
    s->addr = ph->paddr;
    s->memsz = ph->memsz;
    s->data = e->img + ph->offset;
    s->filesz = ph->filesz;
    plan->kernel_end = MAX(plan->kernel_end, s->addr + s->memsz);
    return 0;
}

static int pvh_parse_segments(const PvhElf *e, PvhPlan *plan, Error *err)
{
    for (unsigned i = 0; i < e->phnum; i++) {
        PvhPhdr ph;

        pvh_elf_phdr(e, i, &ph);
        if (ph.type == PT_LOAD && ph.memsz &&
            pvh_add_segment(plan, e, i, &ph, err) < 0) {
            return -1;
        }
    }
    if (plan->nseg == 0) {
        return error_setg(err, "ELF image has no loadable segment");
    }
    return 0;
}

static int pvh_check_entry(const PvhPlan *plan, Error *err)
{
    for (int i = 0; i < plan->nseg; i++) {
        const PvhSegment *s = &plan->seg[i];
        if (plan->entry >= s->addr && plan->entry - s->addr < s->memsz) {
            return 0;
        }
    }
    return error_setg(err, "PVH entry point 0x%llx is outside the loaded "
                      "segments", (unsigned long long)plan->entry);
}

static int pvh_place_initrd(Machine *m, PvhPlan *plan, size_t isize,
                            Error *err)
{
    uint64_t limit = MIN(m->below_4g, PVH_ADDR_LIMIT);
    uint64_t low = MAX(plan->kernel_end, BOOT_AREA_END);
    uint64_t addr;

    plan->initrd_addr = 0;
    if (!isize) {
        return 0;
    }
    addr = e820_find_ram_top(&m->e820, limit, isize);
    if (!addr || addr < low || !loader_ram_ok(m, addr, isize)) {
        return error_setg(err, "initrd (%llu KiB) does not fit in guest RAM "
                          "between the kernel end (0x%llx) and 0x%llx",
                          (unsigned long long)(isize / KiB),
                          (unsigned long long)low,
                          (unsigned long long)limit);
    }
    plan->initrd_addr = addr;
    return 0;
}

/* Start info, module list, memory map and command line, in one block. */
static int pvh_build_info(Machine *m, PvhPlan *plan, size_t isize,
                          const char *cmdline, Error *err)
{
    uint32_t nmod = isize ? 1 : 0;
    uint64_t mod_off = HSI_ROOM;
    uint64_t map_off = mod_off + nmod * HVM_MODLIST_ENTRY_SIZE;
    uint64_t cmd_off = map_off + (uint64_t)m->e820.n * HVM_MEMMAP_ENTRY_SIZE;
    uint64_t cmd_len = strlen(cmdline) + 1;
    uint8_t *info;

    if (cmd_len > BOOT_AREA_END - PVH_INFO_ADDR - cmd_off) {
        return error_setg(err, "kernel command line is too long (%llu "
                          "bytes)", (unsigned long long)(cmd_len - 1));
    }
    plan->info_size = cmd_off + cmd_len;
    plan->info = info = xzalloc(plan->info_size);
    st32le(info + HSI_MAGIC, HVM_START_MAGIC);
    st32le(info + HSI_VERSION, HVM_START_VERSION);
    st32le(info + HSI_FLAGS, 0);
    st32le(info + HSI_NR_MODULES, nmod);
    st64le(info + HSI_MODLIST_PADDR, nmod ? PVH_INFO_ADDR + mod_off : 0);
    st64le(info + HSI_CMDLINE_PADDR, PVH_INFO_ADDR + cmd_off);
    st64le(info + HSI_RSDP_PADDR, pvh_rsdp_paddr(m));
    st64le(info + HSI_MEMMAP_PADDR, PVH_INFO_ADDR + map_off);
    st32le(info + HSI_MEMMAP_ENTRIES, (uint32_t)m->e820.n);
    if (nmod) {
        st64le(info + mod_off, plan->initrd_addr);
        st64le(info + mod_off + 8, isize);
    }
    for (int i = 0; i < m->e820.n; i++) {
        uint8_t *e = info + map_off + (uint64_t)i * HVM_MEMMAP_ENTRY_SIZE;
        st64le(e, m->e820.entries[i].addr);
        st64le(e + 8, m->e820.entries[i].size);
        st32le(e + 16, m->e820.entries[i].type);
    }
    memcpy(info + cmd_off, cmdline, cmd_len);
    return 0;
}

/* Every segment in RAM, clear of the others and of the boot data. */
static int pvh_check_segments(Machine *m, const PvhPlan *plan, Error *err)
{
    for (int i = 0; i < plan->nseg; i++) {
        const PvhSegment *s = &plan->seg[i];

        if (!loader_ram_ok(m, s->addr, s->memsz)) {
            return error_setg(err, "ELF segment at 0x%llx (%llu bytes) is "
                              "outside guest RAM",
                              (unsigned long long)s->addr,
                              (unsigned long long)s->memsz);
        }
        if (loader_ranges_overlap(s->addr, s->memsz, BOOT_GDT_ADDR,
                                  BOOT_GDT_SIZE) ||
            loader_ranges_overlap(s->addr, s->memsz, PVH_INFO_ADDR,
                                  plan->info_size)) {
            return error_setg(err, "ELF segment at 0x%llx overlaps the PVH "
                              "start info at 0x%llx-0x%llx",
                              (unsigned long long)s->addr,
                              (unsigned long long)BOOT_GDT_ADDR,
                              (unsigned long long)(PVH_INFO_ADDR +
                                                   plan->info_size));
        }
        for (int j = 0; j < i; j++) {
            if (loader_ranges_overlap(s->addr, s->memsz, plan->seg[j].addr,
                                      plan->seg[j].memsz)) {
                return error_setg(err, "ELF segments at 0x%llx and 0x%llx "
                                  "overlap", (unsigned long long)s->addr,
                                  (unsigned long long)plan->seg[j].addr);
            }
        }
    }
    return 0;
}

static int pvh_plan(Machine *m, const uint8_t *img, size_t size,
                    size_t isize, const char *cmdline, PvhPlan *plan,
                    Error *err)
{
    PvhElf e;
    int r;

    if (pvh_elf_open(&e, img, size, err) < 0) {
        return -1;
    }
    r = pvh_find_entry(&e, &plan->entry, err);
    if (r < 0) {
        return -1;
    }
    if (r == 0) {
        return error_setg(err, "ELF kernel has neither a multiboot header "
                          "nor a PVH entry note (\"Xen\" note type 18, "
                          "XEN_ELFNOTE_PHYS32_ENTRY)");
    }
    if (pvh_parse_segments(&e, plan, err) < 0 ||
        pvh_check_entry(plan, err) < 0 ||
        pvh_place_initrd(m, plan, isize, err) < 0 ||
        pvh_build_info(m, plan, isize, cmdline, err) < 0) {
        return -1;
    }
    return pvh_check_segments(m, plan, err);
}

static int pvh_commit(Machine *m, const PvhPlan *plan, const uint8_t *initrd,
                      size_t isize)
{
    uint8_t gdt[BOOT_GDT_SIZE];
    int ret = 0;

    for (int i = 0; i < plan->nseg; i++) {
        const PvhSegment *s = &plan->seg[i];
        ret |= loader_write(m, s->addr, s->data, s->filesz);
        ret |= loader_zero(m, s->addr + s->filesz, s->memsz - s->filesz);
    }
    if (isize) {
        ret |= loader_write(m, plan->initrd_addr, initrd, isize);
    }
    loader_build_gdt(gdt, false);
    ret |= loader_write(m, BOOT_GDT_ADDR, gdt, sizeof(gdt));
    ret |= loader_write(m, PVH_INFO_ADDR, plan->info, plan->info_size);
    return ret ? -1 : 0;
}

static void pvh_setup_cpu(const PvhPlan *plan, X86CPUState *cpu)
{
    loader_cpu_flat32(cpu, BOOT_GDT_ADDR);
    /* the ABI asks for a busy 32-bit TSS in TR; base and limit are free */
    x86_seg_set(&cpu->tr, 0, 0, 0x67, SEG_P | (11u << SEG_TYPE_SHIFT));
    cpu->regs[R_EBX] = PVH_INFO_ADDR;
    cpu->rip = plan->entry;
}

int pvh_load(Machine *m, const uint8_t *img, size_t size,
             const uint8_t *initrd, size_t isize, const char *cmdline,
             X86CPUState *cpu, Error *err)
{
    PvhPlan *plan = xzalloc(sizeof(*plan));
    int ret = -1;

    if (!initrd) {
        isize = 0;
    }
    if (!loader_ram_ok(m, BOOT_GDT_ADDR, BOOT_AREA_END - BOOT_GDT_ADDR)) {
        error_setg(err, "guest low memory is not RAM; cannot boot");
        goto out;
    }
    if (pvh_plan(m, img, size, isize, cmdline ? cmdline : "", plan,
                 err) < 0) {
        goto out;
    }
    if (pvh_commit(m, plan, initrd, isize) < 0) {
        error_setg(err, "internal error writing the PVH kernel to RAM");
        goto out;
    }
    pvh_setup_cpu(plan, cpu);
    m->a20_enabled = true;
    ret = 0;
out:
    free(plan->info);
    free(plan);
    return ret;
}
