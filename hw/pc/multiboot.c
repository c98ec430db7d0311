/*
 * Multiboot v1 loader (The Multiboot Specification, version 0.6.96).
 *
 * The header (magic 0x1BADB002, flags, checksum) must sit 4-byte aligned
 * in the first 8 KiB. With flag 16 the image is loaded from the header's
 * a.out-kludge address fields; otherwise it must be ELF32 (which covers
 * 64-bit kernels wrapped in ELF32) and its PT_LOAD segments are loaded at
 * their physical addresses with the bss zeroed. Required flags (bits
 * 0-15) other than 0 (page-aligned modules) and 1 (memory information)
 * cannot be satisfied and are refused, as the specification asks.
 *
 * Everything is planned and checked first; guest memory is written only
 * when the whole image, its modules and the info block are known to fit.
 * Layout: the GDT at BOOT_GDT_ADDR; the info block at MB_INFO_ADDR,
 * followed by the memory map, the module list and the strings (command
 * line, boot loader name, module strings), all below BOOT_AREA_END; the
 * modules page-aligned after the kernel's highest byte (and above 1 MiB).
 *
 * Entry: flat 32-bit protected mode, paging off, interrupts off, A20 on,
 * EAX = 0x2BADB002, EBX = the info block, EIP = the entry point.
 */
#include "hw/pc/bootparam.h"

#include <stdlib.h>
#include <string.h>

#define MB_HEADER_MAGIC     0x1badb002u
#define MB_BOOT_MAGIC       0x2badb002u
#define MB_SEARCH_LIMIT     8192
#define MB_FLAG_PAGE_ALIGN  (1u << 0)
#define MB_FLAG_MEMINFO     (1u << 1)
#define MB_FLAG_VIDEO       (1u << 2)
#define MB_FLAG_AOUT_KLUDGE (1u << 16)
#define MB_REQUIRED_MASK    0xffffu

/* info block flags */
#define MBI_MEM             (1u << 0)
#define MBI_CMDLINE         (1u << 2)
#define MBI_MODS            (1u << 3)
#define MBI_MMAP            (1u << 6)
#define MBI_LOADER_NAME     (1u << 9)

/* info block offsets */
#define MBI_FLAGS           0
#define MBI_MEM_LOWER       4
#define MBI_MEM_UPPER       8
#define MBI_CMDLINE_PTR     16
#define MBI_MODS_COUNT      20
#define MBI_MODS_ADDR       24
#define MBI_MMAP_LENGTH     44
#define MBI_MMAP_ADDR       48
#define MBI_LOADER_NAME_PTR 64
#define MBI_SIZE            128     /* room for every v1 field (116 bytes) */
#define MB_MMAP_ENTRY_SIZE  24      /* size field + 20 bytes */
#define MB_MODULE_SIZE      16

#define MB_INFO_ADDR        BOOT_ZERO_PAGE_ADDR
#define MB_MAX_SEGMENTS     32
#define MB_MAX_MODULES      64
#define MB_LOADER_NAME      "kite"

/* ELF32 (System V ABI) */
#define ELF_HDR_SIZE        52
#define ELF_PHDR_SIZE       32
#define ELFCLASS32          1
#define ELFCLASS64          2
#define ELFDATA2LSB         1
#define ET_EXEC             2
#define EM_386              3
#define EM_X86_64           62
#define PT_LOAD             1

typedef struct MbSegment {
    uint64_t addr, memsz;
    const uint8_t *data;
    uint64_t filesz;
} MbSegment;

typedef struct MbModule {
    char *string;               /* "file args" as given */
    uint8_t *data;
    size_t size;
    uint64_t addr;
} MbModule;

typedef struct MbPlan {
    uint32_t header_off, flags;
    MbSegment seg[MB_MAX_SEGMENTS];
    int nseg;
    uint64_t entry, kernel_end;
    MbModule mod[MB_MAX_MODULES];
    int nmod;
    uint8_t *info;              /* info block, mmap, modules, strings */
    uint64_t info_size;
} MbPlan;

/* Offset of the first 4-aligned magic in the first 8 KiB, or -1. */
static int64_t multiboot_find_header(const uint8_t *img, size_t size)
{
    size_t limit = MIN(size, (size_t)MB_SEARCH_LIMIT);

    for (size_t off = 0; off + 12 <= limit; off += 4) {
        if (ld32le(img + off) == MB_HEADER_MAGIC) {
            return (int64_t)off;
        }
    }
    return -1;
}

static bool multiboot_checksum_ok(const uint8_t *img, size_t off)
{
    return (uint32_t)(ld32le(img + off) + ld32le(img + off + 4) +
                      ld32le(img + off + 8)) == 0;
}

bool multiboot_detect(const uint8_t *img, size_t size)
{
    int64_t off = multiboot_find_header(img, size);
    bool linux_magic = size >= SH_HEADER + 4 &&
                       ld32le(img + SH_HEADER) == HDRS_MAGIC;

    if (off < 0) {
        return false;
    }
    /* A stray magic in a bzImage is not a multiboot header. */
    return multiboot_checksum_ok(img, off) || !linux_magic;
}

static int multiboot_parse_header(const uint8_t *img, size_t size,
                                  MbPlan *plan, Error *err)
{
    int64_t off = multiboot_find_header(img, size);
    uint32_t unsupported;

    if (off < 0) {
        return error_setg(err, "no multiboot header in the first 8 KiB");
    }
    if (!multiboot_checksum_ok(img, off)) {
        return error_setg(err, "multiboot header at offset 0x%llx has a bad "
                          "checksum", (unsigned long long)off);
    }
    plan->header_off = (uint32_t)off;
    plan->flags = ld32le(img + off + 4);
    unsupported = plan->flags & MB_REQUIRED_MASK &
                  ~(MB_FLAG_PAGE_ALIGN | MB_FLAG_MEMINFO);
    if (unsupported & MB_FLAG_VIDEO) {
        return error_setg(err, "multiboot kernel requires video mode "
                          "information (flag 2), which kite cannot provide");
    }
    if (unsupported) {
        return error_setg(err, "multiboot kernel requires unknown features "
                          "(flags 0x%04x)", unsupported);
    }
    return 0;
}

static int multiboot_add_segment(MbPlan *plan, uint64_t addr,
                                 const uint8_t *data, uint64_t filesz,
                                 uint64_t memsz, Error *err)
{
    if (plan->nseg >= MB_MAX_SEGMENTS) {
        return error_setg(err, "multiboot image has more than %d loadable "
                          "segments", MB_MAX_SEGMENTS);
    }
    if (addr + memsz > 4 * GiB) {
        return error_setg(err, "multiboot segment at 0x%llx (%llu bytes) "
                          "extends past 4 GiB", (unsigned long long)addr,
                          (unsigned long long)memsz);
    }
    plan->seg[plan->nseg++] = (MbSegment){ .addr = addr, .memsz = memsz,
                                           .data = data, .filesz = filesz };
    plan->kernel_end = MAX(plan->kernel_end, addr + memsz);
    return 0;
}

/* Flag 16: the a.out kludge address fields follow the checksum. */
static int multiboot_parse_aout(const uint8_t *img, size_t size,
                                MbPlan *plan, Error *err)
{
    const uint8_t *h = img + plan->header_off;
    uint64_t header_addr, load_addr, load_end, bss_end, entry, load_off;

    if ((uint64_t)plan->header_off + 32 > size) {
        return error_setg(err, "multiboot header is truncated");
    }
    header_addr = ld32le(h + 12);
    load_addr = ld32le(h + 16);
    load_end = ld32le(h + 20);
    bss_end = ld32le(h + 24);
    entry = ld32le(h + 28);
    if (load_addr > header_addr ||
        header_addr - load_addr > plan->header_off) {
        return error_setg(err, "multiboot a.out kludge: load_addr 0x%llx "
                          "does not fit header_addr 0x%llx",
                          (unsigned long long)load_addr,
                          (unsigned long long)header_addr);
    }
    load_off = plan->header_off - (header_addr - load_addr);
    if (!load_end) {
        load_end = load_addr + (size - load_off);
    }
    if (load_end < load_addr || load_off + (load_end - load_addr) > size) {
        return error_setg(err, "multiboot a.out kludge: load_end_addr 0x%llx "
                          "lies beyond the end of the file",
                          (unsigned long long)load_end);
    }
    if (!bss_end) {
        bss_end = load_end;
    }
    if (bss_end < load_end) {
        return error_setg(err, "multiboot a.out kludge: bss_end_addr 0x%llx "
                          "is below load_end_addr 0x%llx",
                          (unsigned long long)bss_end,
                          (unsigned long long)load_end);
    }
    if (entry < load_addr || entry >= MAX(load_end, load_addr + 1)) {
        return error_setg(err, "multiboot a.out kludge: entry_addr 0x%llx "
                          "is outside the loaded image",
                          (unsigned long long)entry);
    }
    plan->entry = entry;
    return multiboot_add_segment(plan, load_addr, img + load_off,
                                 load_end - load_addr, bss_end - load_addr,
                                 err);
}

static int multiboot_check_elf_header(const uint8_t *img, size_t size,
                                      Error *err)
{
    if (size < 4 || memcmp(img, "\x7f" "ELF", 4) != 0) {
        return error_setg(err, "multiboot image is not ELF and does not use "
                          "the a.out kludge (flag 16)");
    }
    if (size < ELF_HDR_SIZE) {
        return error_setg(err, "ELF image is truncated (%zu bytes)", size);
    }
    if (img[4] == ELFCLASS64) {
        return error_setg(err, "multiboot needs an ELF32 image (this one is "
                          "ELF64)");
    }
    if (img[4] != ELFCLASS32 || img[5] != ELFDATA2LSB) {
        return error_setg(err, "multiboot needs a little-endian ELF32 image");
    }
    if (ld16le(img + 16) != ET_EXEC) {
        return error_setg(err, "multiboot ELF image is not an executable");
    }
    if (ld16le(img + 18) != EM_386 && ld16le(img + 18) != EM_X86_64) {
        return error_setg(err, "multiboot ELF image is not for x86 "
                          "(e_machine %u)", ld16le(img + 18));
    }
    return 0;
}

/* Maps a virtual entry point to a physical one through its segment. */
static uint64_t multiboot_elf_entry(const uint8_t *img, uint64_t phoff,
                                    unsigned phentsize, unsigned phnum,
                                    uint64_t entry)
{
    for (unsigned i = 0; i < phnum; i++) {
        const uint8_t *ph = img + phoff + (uint64_t)i * phentsize;
        uint64_t vaddr = ld32le(ph + 8), memsz = ld32le(ph + 20);

        if (ld32le(ph) == PT_LOAD && entry >= vaddr && entry - vaddr < memsz) {
            return ld32le(ph + 12) + (entry - vaddr);
        }
    }
    return entry;
}

static int multiboot_parse_elf(const uint8_t *img, size_t size,
                               MbPlan *plan, Error *err)
{
    uint64_t phoff, entry;
    unsigned phentsize, phnum;

    if (multiboot_check_elf_header(img, size, err) < 0) {
        return -1;
    }
    entry = ld32le(img + 24);
    phoff = ld32le(img + 28);
    phentsize = ld16le(img + 42);
    phnum = ld16le(img + 44);
    if (phentsize < ELF_PHDR_SIZE || phnum == 0 ||
        phoff + (uint64_t)phnum * phentsize > size) {
        return error_setg(err, "ELF program headers are missing or lie "
                          "beyond the end of the file");
    }
    for (unsigned i = 0; i < phnum; i++) {
        const uint8_t *ph = img + phoff + (uint64_t)i * phentsize;
        uint64_t off = ld32le(ph + 4), paddr = ld32le(ph + 12);
        uint64_t filesz = ld32le(ph + 16), memsz = ld32le(ph + 20);

        if (ld32le(ph) != PT_LOAD || memsz == 0) {
            continue;
        }
        if (filesz > memsz) {
            return error_setg(err, "ELF segment %u has more file bytes "
                              "(%llu) than memory bytes (%llu)", i,
                              (unsigned long long)filesz,
                              (unsigned long long)memsz);
        }
        if (off + filesz > size) {
            return error_setg(err, "ELF segment %u (offset 0x%llx, %llu "
                              "bytes) lies beyond the end of the file", i,
                              (unsigned long long)off,
                              (unsigned long long)filesz);
        }
        if (multiboot_add_segment(plan, paddr, img + off, filesz, memsz,
                                  err) < 0) {
            return -1;
        }
    }
    if (plan->nseg == 0) {
        return error_setg(err, "ELF image has no loadable segment");
    }
    plan->entry = multiboot_elf_entry(img, phoff, phentsize, phnum, entry);
    return 0;
}

static int multiboot_check_entry(const MbPlan *plan, Error *err)
{
    for (int i = 0; i < plan->nseg; i++) {
        const MbSegment *s = &plan->seg[i];
        if (plan->entry >= s->addr && plan->entry - s->addr < s->memsz) {
            return 0;
        }
    }
    return error_setg(err, "multiboot entry point 0x%llx is outside the "
                      "loaded segments", (unsigned long long)plan->entry);
}

/* Splits "f1 args,f2 args" (",," stands for a comma) into module strings. */
static int multiboot_split_modules(MbPlan *plan, const char *list, Error *err)
{
    const char *p = list;

    while (p && *p) {
        char *s = xmalloc(strlen(p) + 1);
        size_t n = 0;

        for (; *p; p++) {
            if (*p == ',' && p[1] == ',') {
                p++;
            } else if (*p == ',') {
                p++;
                break;
            }
            s[n++] = *p;
        }
        s[n] = '\0';
        if (plan->nmod >= MB_MAX_MODULES) {
            free(s);
            return error_setg(err, "more than %d multiboot modules",
                              MB_MAX_MODULES);
        }
        plan->mod[plan->nmod++].string = s;
    }
    return 0;
}

static int multiboot_read_module(Machine *m, MbModule *mod, Error *err)
{
    size_t len = strcspn(mod->string, " ");
    char *path = xmalloc(len + 1);
    int ret;

    memcpy(path, mod->string, len);
    path[len] = '\0';
    if (len == 0) {
        ret = error_setg(err, "empty multiboot module name in '%s'",
                         mod->string);
    } else {
        ret = file_read_all(path, loader_file_limit(m, LOADER_MAX_INITRD),
                            &mod->data, &mod->size, err);
        if (ret < 0) {
            error_prepend(err, "multiboot module");
        }
    }
    free(path);
    return ret;
}

/* Reads each module and places it page-aligned after the kernel. */
static int multiboot_place_modules(Machine *m, MbPlan *plan, Error *err)
{
    uint64_t next = ALIGN_UP(MAX(plan->kernel_end, 1 * MiB), 4 * KiB);

    for (int i = 0; i < plan->nmod; i++) {
        MbModule *mod = &plan->mod[i];

        if (multiboot_read_module(m, mod, err) < 0) {
            return -1;
        }
        if (next + mod->size > m->below_4g ||
            !loader_ram_ok(m, next, mod->size)) {
            return error_setg(err, "multiboot module '%s' (%zu bytes) does "
                              "not fit in guest RAM", mod->string,
                              mod->size);
        }
        mod->addr = next;
        next = ALIGN_UP(next + mod->size + (mod->size == 0), 4 * KiB);
    }
    return 0;
}

/* RAM in KiB of the e820 RAM entry that starts at addr (0 if none). */
static uint32_t multiboot_ram_kib_at(const Machine *m, uint64_t addr)
{
    for (int i = 0; i < m->e820.n; i++) {
        const E820Entry *e = &m->e820.entries[i];
        if (e->addr == addr && e->type == E820_RAM) {
            return (uint32_t)MIN(e->size / KiB, UINT32_MAX);
        }
    }
    return 0;
}

/* Appends a NUL-terminated string to the info area; returns its address. */
static uint32_t multiboot_put_string(MbPlan *plan, uint64_t *pos,
                                     const char *s)
{
    size_t n = strlen(s) + 1;
    uint32_t addr = (uint32_t)(MB_INFO_ADDR + *pos);

    memcpy(plan->info + *pos, s, n);
    *pos += n;
    return addr;
}

static int multiboot_build_info(Machine *m, MbPlan *plan, const char *cmdline,
                                Error *err)
{
    uint64_t mmap_off = MBI_SIZE;
    uint64_t mods_off = mmap_off + (uint64_t)m->e820.n * MB_MMAP_ENTRY_SIZE;
    uint64_t pos = mods_off + (uint64_t)plan->nmod * MB_MODULE_SIZE;
    uint64_t total = pos + strlen(cmdline) + 1 + sizeof(MB_LOADER_NAME);
    uint8_t *info;

    for (int i = 0; i < plan->nmod; i++) {
        total += strlen(plan->mod[i].string) + 1;
    }
    if (total > BOOT_AREA_END - MB_INFO_ADDR) {
        return error_setg(err, "multiboot command line and module strings "
                          "are too long (%llu bytes)",
                          (unsigned long long)total);
    }
    plan->info = info = xzalloc(total);
    plan->info_size = total;
    st32le(info + MBI_FLAGS, MBI_MEM | MBI_CMDLINE | MBI_MODS | MBI_MMAP |
           MBI_LOADER_NAME);
    st32le(info + MBI_MEM_LOWER, multiboot_ram_kib_at(m, 0));
    st32le(info + MBI_MEM_UPPER, multiboot_ram_kib_at(m, 1 * MiB));
    st32le(info + MBI_CMDLINE_PTR, multiboot_put_string(plan, &pos, cmdline));
    st32le(info + MBI_LOADER_NAME_PTR,
           multiboot_put_string(plan, &pos, MB_LOADER_NAME));
    st32le(info + MBI_MODS_COUNT, plan->nmod);
    st32le(info + MBI_MODS_ADDR, (uint32_t)(MB_INFO_ADDR + mods_off));
    for (int i = 0; i < plan->nmod; i++) {
        uint8_t *e = info + mods_off + i * MB_MODULE_SIZE;
        st32le(e, (uint32_t)plan->mod[i].addr);
        st32le(e + 4, (uint32_t)(plan->mod[i].addr + plan->mod[i].size));
        st32le(e + 8, multiboot_put_string(plan, &pos, plan->mod[i].string));
    }
    st32le(info + MBI_MMAP_LENGTH, m->e820.n * MB_MMAP_ENTRY_SIZE);
    st32le(info + MBI_MMAP_ADDR, (uint32_t)(MB_INFO_ADDR + mmap_off));
    for (int i = 0; i < m->e820.n; i++) {
        uint8_t *e = info + mmap_off + i * MB_MMAP_ENTRY_SIZE;
        st32le(e, MB_MMAP_ENTRY_SIZE - 4);
        st64le(e + 4, m->e820.entries[i].addr);
        st64le(e + 12, m->e820.entries[i].size);
        st32le(e + 20, m->e820.entries[i].type);
    }
    return 0;
}

/* Every segment in RAM and clear of the GDT and the info area. */
static int multiboot_check_segments(Machine *m, const MbPlan *plan,
                                    Error *err)
{
    for (int i = 0; i < plan->nseg; i++) {
        const MbSegment *s = &plan->seg[i];

        if (!loader_ram_ok(m, s->addr, s->memsz)) {
            return error_setg(err, "multiboot segment at 0x%llx (%llu bytes) "
                              "is outside guest RAM",
                              (unsigned long long)s->addr,
                              (unsigned long long)s->memsz);
        }
        if (loader_ranges_overlap(s->addr, s->memsz, BOOT_GDT_ADDR,
                                  BOOT_GDT_SIZE) ||
            loader_ranges_overlap(s->addr, s->memsz, MB_INFO_ADDR,
                                  plan->info_size)) {
            return error_setg(err, "multiboot segment at 0x%llx overlaps the "
                              "boot information at 0x%llx-0x%llx",
                              (unsigned long long)s->addr,
                              (unsigned long long)BOOT_GDT_ADDR,
                              (unsigned long long)(MB_INFO_ADDR +
                                                   plan->info_size));
        }
    }
    return 0;
}

static int multiboot_commit(Machine *m, const MbPlan *plan)
{
    uint8_t gdt[BOOT_GDT_SIZE];
    int ret = 0;

    for (int i = 0; i < plan->nseg; i++) {
        const MbSegment *s = &plan->seg[i];
        ret |= loader_write(m, s->addr, s->data, s->filesz);
        ret |= loader_zero(m, s->addr + s->filesz, s->memsz - s->filesz);
    }
    for (int i = 0; i < plan->nmod; i++) {
        ret |= loader_write(m, plan->mod[i].addr, plan->mod[i].data,
                            plan->mod[i].size);
    }
    loader_build_gdt(gdt, false);
    ret |= loader_write(m, BOOT_GDT_ADDR, gdt, sizeof(gdt));
    ret |= loader_write(m, MB_INFO_ADDR, plan->info, plan->info_size);
    return ret ? -1 : 0;
}

static void multiboot_plan_free(MbPlan *plan)
{
    for (int i = 0; i < plan->nmod; i++) {
        free(plan->mod[i].string);
        free(plan->mod[i].data);
    }
    free(plan->info);
    free(plan);
}

static int multiboot_plan(Machine *m, const uint8_t *img, size_t size,
                          const char *cmdline, const char *modules,
                          MbPlan *plan, Error *err)
{
    if (multiboot_parse_header(img, size, plan, err) < 0) {
        return -1;
    }
    if (plan->flags & MB_FLAG_AOUT_KLUDGE) {
        if (multiboot_parse_aout(img, size, plan, err) < 0) {
            return -1;
        }
    } else if (multiboot_parse_elf(img, size, plan, err) < 0) {
        return -1;
    }
    if (multiboot_check_entry(plan, err) < 0 ||
        multiboot_split_modules(plan, modules, err) < 0 ||
        multiboot_place_modules(m, plan, err) < 0 ||
        multiboot_build_info(m, plan, cmdline, err) < 0) {
        return -1;
    }
    return multiboot_check_segments(m, plan, err);
}

int multiboot_load(Machine *m, const uint8_t *img, size_t size,
                   const char *cmdline, const char *modules,
                   X86CPUState *cpu, Error *err)
{
    MbPlan *plan = xzalloc(sizeof(*plan));
    int ret = -1;

    if (!loader_ram_ok(m, BOOT_GDT_ADDR, BOOT_AREA_END - BOOT_GDT_ADDR)) {
        error_setg(err, "guest low memory is not RAM; cannot boot");
        goto out;
    }
    if (multiboot_plan(m, img, size, cmdline ? cmdline : "", modules, plan,
                       err) < 0) {
        goto out;
    }
    if (multiboot_commit(m, plan) < 0) {
        error_setg(err, "internal error writing the multiboot image");
        goto out;
    }
    loader_cpu_flat32(cpu, BOOT_GDT_ADDR);
    cpu->regs[R_EAX] = MB_BOOT_MAGIC;
    cpu->regs[R_EBX] = MB_INFO_ADDR;
    cpu->rip = plan->entry;
    m->a20_enabled = true;
    ret = 0;
out:
    multiboot_plan_free(plan);
    return ret;
}
