/*
 * The boot image fuzzer: kernel images fed to the pc loaders (bzImage,
 * multiboot v1, PVH ELF) on a machine with a small RAM. Shared by the
 * cmocka budget (tests/unit/test-image-fuzz.c), the libFuzzer target
 * (tests/fuzz/fuzz-images.c) and the PVH unit tests, which use its image
 * builders.
 *
 * Every image must be refused with a message and guest RAM untouched, or
 * loaded within bounds: the entry state, the boot information the loader
 * wrote (boot_params, the multiboot info block, the PVH start info and
 * everything it points to) in guest RAM and consistent with what was
 * given (command line, initrd bytes, e820 map). The sanitizers catch a
 * read or write outside the image or the host buffers.
 *
 * Input: IMGFUZZ_HDR bytes of options, then the image.
 *   [0] loader: 0 as -kernel picks it (pc_kernel_kind), 1 linux_load,
 *       2 multiboot_load, 3 pvh_load
 *   [1] guest RAM: imgfuzz_ram[] index
 *   [2] initrd size: 0 none, else n * 4093 bytes (255: 3 MiB); for
 *       multiboot, n % 5 modules from two files (4093 bytes, empty) with
 *       arguments holding ",," (a literal comma)
 *   [3] command line length: 0 empty, else n * 37 bytes (255: 640 KiB)
 *
 * Mutation is structure-aware (imgfuzz_mutate): besides byte noise it
 * rewrites ELF header fields, program headers and notes, the Linux setup
 * header and the multiboot header (with its checksum fixed or not) with
 * values at the edges of RAM, the low-memory boot area, 4 GiB and 2^64.
 */
#ifndef KITE_IMAGE_FUZZ_H
#define KITE_IMAGE_FUZZ_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hw/pc/loader.h"
#include "tests/fuzz/fuzz-machine.h"
#include "tests/fuzz/image-build.h"

#define IMGFUZZ_HDR        4
#define IMGFUZZ_MAX_IMAGE  (256 * 1024)

typedef struct ImgFuzz {
    unsigned runs, loaded, refused;
    unsigned by_kind[4];             /* KernelKind of the loaded images */
    bool trace;
    char fail[512];
} ImgFuzz;

static const uint64_t imgfuzz_ram[] = {
    2 * MiB, 3 * MiB, 4 * MiB, 6 * MiB, 8 * MiB, 17 * MiB,
};

/* --------------------------------------------------------------- seeds */

#define IMGFUZZ_NSEEDS 8

/* Seed i (0..IMGFUZZ_NSEEDS-1) as a fuzzer input: options, then image. */
static ImgBuf imgfuzz_seed(int i)
{
    static const uint8_t opts[IMGFUZZ_NSEEDS][IMGFUZZ_HDR] = {
        { 0, 2, 1, 2 }, { 0, 3, 0, 1 }, { 0, 1, 3, 1 }, { 0, 0, 0, 0 },
        { 0, 2, 3, 1 }, { 0, 2, 4, 0 }, { 0, 4, 2, 3 }, { 3, 0, 1, 1 },
    };
    ImgPvhSpec s;
    ImgBuf img, in;

    switch (i) {
    case 0: s = imgfuzz_pvh_default(true); img = imgfuzz_build_pvh(&s); break;
    case 1: s = imgfuzz_pvh_default(false); img = imgfuzz_build_pvh(&s); break;
    case 2: img = imgfuzz_build_bzimage(true); break;
    case 3: img = imgfuzz_build_bzimage(false); break;
    case 4: img = imgfuzz_build_mb_elf(); break;
    case 5: img = imgfuzz_build_mb_aout(); break;
    case 6:
        s = imgfuzz_pvh_default(true);
        s.note_align = 8;
        s.other_notes = false;
        img = imgfuzz_build_pvh(&s);
        break;
    default:
        s = imgfuzz_pvh_default(false);
        s.entry_size = 0;            /* an ELF that is neither: refused */
        img = imgfuzz_build_pvh(&s);
        break;
    }
    in.len = IMGFUZZ_HDR + img.len;
    in.p = xmalloc(in.len);
    memcpy(in.p, opts[i], IMGFUZZ_HDR);
    memcpy(in.p + IMGFUZZ_HDR, img.p, img.len);
    free(img.p);
    return in;
}

/* ------------------------------------------------------------ mutation */

static uint64_t imgfuzz_rand(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t imgfuzz_interesting(uint64_t *rng, size_t len)
{
    static const uint64_t v[] = {
        0, 1, 2, 3, 4, 7, 8, 0x7f, 0x80, 0xff, 0x100, 0x1ff, 0x200, 0xfff,
        0x1000, 0x1001, 0xffff, 0x10000, 0x10040, 0x20000, 0x9f000,
        0x9fc00, 0xa0000, 0xc0000, 0xfffff, 0x100000, 0x100200, 0x1fffff,
        0x200000, 0x2ff000, 0x300000, 0x3ff000, 0x400000, 0x5ff000,
        0x7fffff, 0x800000, 0x1000000, 0x10ff000, 0x7fffffff, 0x80000000,
        0xc0000000, 0xfffff000, 0xfffffffc, 0xffffffff, 0x100000000ull,
        0x100001000ull, 0xffffffff80000000ull, 0x8000000000000000ull,
        0xfffffffffffff000ull, ~0ull,
    };
    uint64_t r = imgfuzz_rand(rng);

    switch (r % 8) {
    case 0:
        return len + (r >> 8) % 5 - 2;       /* about the image's size */
    case 1:
        return (r >> 8) & 0xffffff;
    default:
        return v[(r >> 8) % ARRAY_SIZE(v)];
    }
}

/* Stores v in width bytes at off if they lie inside the buffer. */
static void imgfuzz_store(uint8_t *p, size_t len, uint64_t off,
                          unsigned width, uint64_t v)
{
    if (off > len || width > len - off) {
        return;
    }
    switch (width) {
    case 1: p[off] = (uint8_t)v; break;
    case 2: st16le(p + off, (uint16_t)v); break;
    case 4: st32le(p + off, (uint32_t)v); break;
    default: st64le(p + off, v); break;
    }
}

/* A value near the field's current one, or an interesting one. */
static uint64_t imgfuzz_field_value(uint64_t *rng, const uint8_t *p,
                                    size_t len, uint64_t off, unsigned width)
{
    uint64_t r = imgfuzz_rand(rng), cur = 0;

    if (off <= len && width <= len - off) {
        cur = width == 1 ? p[off] : width == 2 ? ld16le(p + off) :
              width == 4 ? ld32le(p + off) : ld64le(p + off);
    }
    if (r % 3 == 0) {
        static const int64_t d[] = { -4096, -16, -8, -4, -1, 1, 4, 8, 16, 4096 };
        return cur + (uint64_t)d[(r >> 8) % ARRAY_SIZE(d)];
    }
    return imgfuzz_interesting(rng, len);
}

static void imgfuzz_mutate_field(uint64_t *rng, uint8_t *p, size_t len,
                                 uint64_t off, unsigned width)
{
    imgfuzz_store(p, len, off, width,
                  imgfuzz_field_value(rng, p, len, off, width));
}

/* ELF: header fields, a program header field, or a note. */
static void imgfuzz_mutate_elf(uint64_t *rng, uint8_t *p, size_t len)
{
    bool is64 = len > 4 && p[4] == 2;
    uint64_t r = imgfuzz_rand(rng);
    uint64_t phoff = is64 ? (len >= 40 ? ld64le(p + 32) : 0)
                          : (len >= 32 ? ld32le(p + 28) : 0);
    unsigned phsize = is64 ? 56 : 32, phnum = len >= 58 ?
                      ld16le(p + (is64 ? 56 : 44)) : 0;
    static const uint8_t f64[][2] = {
        { 4, 1 }, { 18, 2 }, { 24, 8 }, { 32, 8 }, { 54, 2 }, { 56, 2 },
    };
    static const uint8_t f32[][2] = {
        { 4, 1 }, { 18, 2 }, { 24, 4 }, { 28, 4 }, { 42, 2 }, { 44, 2 },
    };
    static const uint8_t ph64[][2] = {
        { 0, 4 }, { 8, 8 }, { 24, 8 }, { 32, 8 }, { 40, 8 }, { 48, 8 },
    };
    static const uint8_t ph32[][2] = {
        { 0, 4 }, { 4, 4 }, { 12, 4 }, { 16, 4 }, { 20, 4 }, { 28, 4 },
    };
    unsigned k = (unsigned)(r >> 8) % 6;

    if (r % 4 == 0 || !phnum) {
        const uint8_t *f = is64 ? f64[k] : f32[k];
        imgfuzz_mutate_field(rng, p, len, f[0], f[1]);
    } else if (r % 4 == 1 || r % 4 == 2) {
        uint64_t ph = phoff + (uint64_t)((r >> 16) % phnum) * phsize;
        const uint8_t *f = is64 ? ph64[k] : ph32[k];
        if (f[0] == 0 && (r >> 24) % 2) {
            imgfuzz_store(p, len, ph, 4, (r >> 32) % 2 ? 1 : 4);
        } else {
            imgfuzz_mutate_field(rng, p, len, ph + f[0], f[1]);
        }
    } else {
        /* a note header or value: the notes follow the program headers */
        uint64_t base = phoff + (uint64_t)phnum * phsize;
        uint64_t off = base + 4 * ((r >> 16) % 48);
        imgfuzz_mutate_field(rng, p, len, off, (r >> 32) % 2 ? 4 : 8);
    }
}

/* Linux setup header fields. */
static void imgfuzz_mutate_bzimage(uint64_t *rng, uint8_t *p, size_t len)
{
    static const uint16_t f[][2] = {
        { 0x1f1, 1 }, { 0x201, 1 }, { 0x206, 2 }, { 0x211, 1 },
        { 0x214, 4 }, { 0x22c, 4 }, { 0x230, 4 }, { 0x234, 1 },
        { 0x236, 2 }, { 0x238, 4 }, { 0x258, 8 }, { 0x260, 4 },
        { 0x248, 4 }, { 0x24c, 4 },
    };
    uint64_t r = imgfuzz_rand(rng);

    imgfuzz_mutate_field(rng, p, len, f[r % ARRAY_SIZE(f)][0],
                         f[r % ARRAY_SIZE(f)][1]);
}

/* Multiboot header fields (a.out addresses too), checksum usually fixed. */
static void imgfuzz_mutate_multiboot(uint64_t *rng, uint8_t *p, size_t len,
                                     size_t hdr)
{
    uint64_t r = imgfuzz_rand(rng);

    imgfuzz_mutate_field(rng, p, len, hdr + 4 + 4 * (r % 7), 4);
    if ((r >> 8) % 4 && hdr + 12 <= len) {
        st32le(p + hdr + 8, -(ld32le(p + hdr) + ld32le(p + hdr + 4)));
    }
}

static size_t imgfuzz_find_mb(const uint8_t *p, size_t len)
{
    for (size_t off = 0; off + 12 <= MIN(len, (size_t)8192); off += 4) {
        if (ld32le(p + off) == 0x1badb002) {
            return off;
        }
    }
    return SIZE_MAX;
}

/* Byte noise: flips, random bytes, truncation, growth. */
static size_t imgfuzz_mutate_bytes(uint64_t *rng, uint8_t *p, size_t len,
                                   size_t cap)
{
    uint64_t r = imgfuzz_rand(rng);

    switch (r % 5) {
    case 0:
        if (len) {
            p[(r >> 8) % len] ^= (uint8_t)(1u << ((r >> 40) % 8));
        }
        return len;
    case 1:
        if (len) {
            p[(r >> 8) % len] = (uint8_t)(r >> 40);
        }
        return len;
    case 2:
        if (len) {
            imgfuzz_store(p, len, ((r >> 8) % len) & ~3ull, 4,
                          imgfuzz_interesting(rng, len));
        }
        return len;
    case 3:
        return len ? (r >> 8) % len : 0;               /* truncate */
    default: {
        size_t grow = MIN(cap - len, (size_t)((r >> 8) % 4096));
        memset(p + len, (int)(r >> 40), grow);
        return len + grow;
    }
    }
}

/*
 * Mutates one image in place (capacity cap); returns its new length. The
 * format-aware steps apply when the bytes still look like their format.
 */
static size_t imgfuzz_mutate_image(uint64_t *rng, uint8_t *p, size_t len,
                                   size_t cap)
{
    uint64_t r = imgfuzz_rand(rng);
    size_t mb = imgfuzz_find_mb(p, len);

    if (r % 4 == 0) {
        return imgfuzz_mutate_bytes(rng, p, len, cap);
    }
    if (len >= 4 && !memcmp(p, "\x7f" "ELF", 4) &&
        (mb == SIZE_MAX || r % 3)) {
        imgfuzz_mutate_elf(rng, p, len);
    } else if (mb != SIZE_MAX) {
        imgfuzz_mutate_multiboot(rng, p, len, mb);
    } else if (len >= 0x206 && ld32le(p + 0x202) == 0x53726448) {
        imgfuzz_mutate_bzimage(rng, p, len);
    } else {
        return imgfuzz_mutate_bytes(rng, p, len, cap);
    }
    return len;
}

/* Mutates a whole input (options and image); returns its new length. */
static inline size_t imgfuzz_mutate(uint64_t *rng, uint8_t *in, size_t len,
                                    size_t cap, int steps)
{
    if (len < IMGFUZZ_HDR || cap < IMGFUZZ_HDR) {
        return len;
    }
    for (int i = 0; i < steps; i++) {
        uint64_t r = imgfuzz_rand(rng);
        if (r % 8 == 0) {
            in[(r >> 8) % IMGFUZZ_HDR] = (uint8_t)(r >> 16);
        } else {
            len = IMGFUZZ_HDR + imgfuzz_mutate_image(rng, in + IMGFUZZ_HDR,
                                                     len - IMGFUZZ_HDR,
                                                     cap - IMGFUZZ_HDR);
        }
    }
    return len;
}

/* ------------------------------------------------------------- modules */

/* The module files: [0] 4093 bytes of a pattern, [1] empty. */
#define IMGFUZZ_MOD_SIZE 4093

static char imgfuzz_mod_dir[64], imgfuzz_mod_path[2][96];

/* Removes the module files at exit. */
static void imgfuzz_module_cleanup(void)
{
    for (int k = 0; k < 2; k++) {
        unlink(imgfuzz_mod_path[k]);
    }
    rmdir(imgfuzz_mod_dir);
}

static const char *imgfuzz_module_file(int i)
{
    char *dir = imgfuzz_mod_dir;
    char (*path)[96] = imgfuzz_mod_path;

    if (!dir[0]) {
        uint8_t data[IMGFUZZ_MOD_SIZE];
        FILE *fp;

        snprintf(dir, sizeof(imgfuzz_mod_dir), "/tmp/kite-imgfuzz-XXXXXX");
        if (!mkdtemp(dir)) {
            perror("image fuzz: mkdtemp");
            abort();
        }
        atexit(imgfuzz_module_cleanup);
        for (int k = 0; k < 2; k++) {
            snprintf(path[k], sizeof(imgfuzz_mod_path[k]), "%s/mod%d", dir, k);
            fp = fopen(path[k], "wb");
            for (size_t j = 0; j < sizeof(data); j++) {
                data[j] = (uint8_t)(j * 29 + 5);
            }
            if (!fp || (k == 0 && fwrite(data, 1, sizeof(data), fp) !=
                        sizeof(data)) || fclose(fp) != 0) {
                perror("image fuzz: module file");
                abort();
            }
        }
    }
    return path[i];
}

/* Module i's string as given to -initrd (with ",,") and as loaded. */
static void imgfuzz_module_string(int i, char *given, char *loaded,
                                  size_t len)
{
    const char *file = imgfuzz_module_file(i % 2);

    if (i % 3 == 0) {
        snprintf(given, len, "%s", file);
        snprintf(loaded, len, "%s", file);
    } else {
        snprintf(given, len, "%s arg,,%d", file, i);
        snprintf(loaded, len, "%s arg,%d", file, i);
    }
}

static char *imgfuzz_module_list(int nmod)
{
    char *list = xzalloc(nmod * 256 + 1), given[256], loaded[256];

    for (int i = 0; i < nmod; i++) {
        imgfuzz_module_string(i, given, loaded, sizeof(given));
        if (i) {
            strcat(list, ",");
        }
        strcat(list, given);
    }
    return list;
}

/* --------------------------------------------------------------- checks */

static bool imgfuzz_failf(ImgFuzz *f, const char *fmt, ...) PRINTF_FMT(2, 3);

static bool imgfuzz_failf(ImgFuzz *f, const char *fmt, ...)
{
    va_list ap;

    if (!f->fail[0]) {
        va_start(ap, fmt);
        vsnprintf(f->fail, sizeof(f->fail), fmt, ap);
        va_end(ap);
    }
    return false;
}

/*
 * True if guest RAM is all zeros. RAM is a fresh anonymous mapping, so
 * only the pages the loader touched are resident (mincore): only those
 * are read, which keeps a refused image cheap whatever the RAM size.
 */
static bool imgfuzz_ram_zero(const Machine *m)
{
    static const uint8_t zero[4096];
    size_t pages = (m->ram_size + 4095) / 4096;
    unsigned char *res = xmalloc(pages);
    bool ok = true;

    if (mincore(m->ram.host, m->ram_size, res) < 0) {
        memset(res, 1, pages);
    }
    for (size_t i = 0; i < pages && ok; i++) {
        uint64_t off = (uint64_t)i * 4096;
        ok = !(res[i] & 1) ||
             !memcmp(m->ram.host + off, zero, MIN(4096, m->ram_size - off));
    }
    free(res);
    return ok;
}

/* True if every byte of [addr, addr+len) is guest RAM. */
static bool imgfuzz_ram_ok(Machine *m, uint64_t addr, uint64_t len)
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

/* A copy of guest [addr, addr+len) if it is all RAM, else NULL. */
static uint8_t *imgfuzz_guest(Machine *m, uint64_t addr, uint64_t len)
{
    uint8_t *buf;

    if (len > 64 * MiB || !imgfuzz_ram_ok(m, addr, len ? len : 1)) {
        return NULL;
    }
    buf = xmalloc(len ? len : 1);
    address_space_read(&m->mem, addr, buf, len);
    return buf;
}

static bool imgfuzz_check_string(ImgFuzz *f, Machine *m, uint64_t addr,
                                 const char *s, const char *what)
{
    uint8_t *g = imgfuzz_guest(m, addr, strlen(s) + 1);
    bool ok = g && !memcmp(g, s, strlen(s) + 1);

    free(g);
    return ok || imgfuzz_failf(f, "%s at 0x%llx is not the one given", what,
                               (unsigned long long)addr);
}

static bool imgfuzz_check_blob(ImgFuzz *f, Machine *m, uint64_t addr,
                               const uint8_t *data, uint64_t len,
                               const char *what)
{
    uint8_t *g = imgfuzz_guest(m, addr, len);
    bool ok = g && !memcmp(g, data, len);

    free(g);
    return ok || imgfuzz_failf(f, "%s at 0x%llx (%llu bytes) is not in RAM "
                               "or not the bytes given", what,
                               (unsigned long long)addr,
                               (unsigned long long)len);
}

static bool imgfuzz_check_pvh_info(ImgFuzz *f, Machine *m, const uint8_t *si,
                                   const uint8_t *initrd, size_t isize,
                                   const char *cmdline)
{
    uint64_t map = ld64le(si + 40);
    uint32_t n = ld32le(si + 48);
    uint8_t *mod;
    bool ok;

    if (!imgfuzz_check_string(f, m, ld64le(si + 24), cmdline, "PVH cmdline")) {
        return false;
    }
    if (n != (uint32_t)m->e820.n || !imgfuzz_ram_ok(m, map, 24ull * n)) {
        return imgfuzz_failf(f, "PVH: memory map (%u entries at 0x%llx) "
                             "is not the e820 map", n,
                             (unsigned long long)map);
    }
    if (ld32le(si + 12) != (isize ? 1u : 0u)) {
        return imgfuzz_failf(f, "PVH: %u modules for %zu initrd bytes",
                             ld32le(si + 12), isize);
    }
    if (!isize) {
        return true;
    }
    mod = imgfuzz_guest(m, ld64le(si + 16), 32);
    ok = mod && ld64le(mod + 8) == isize &&
         imgfuzz_check_blob(f, m, ld64le(mod), initrd, isize, "PVH module 0");
    free(mod);
    return ok || imgfuzz_failf(f, "PVH: module list is broken");
}

static bool imgfuzz_check_pvh(ImgFuzz *f, Machine *m, const X86CPUState *cpu,
                              const uint8_t *initrd, size_t isize,
                              const char *cmdline)
{
    uint8_t *si = imgfuzz_guest(m, cpu->regs[R_EBX], 56);
    bool ok;

    if (!si || ld32le(si) != 0x336ec578 || ld32le(si + 4) != 1) {
        free(si);
        return imgfuzz_failf(f, "PVH: no start info at EBX 0x%llx",
                             (unsigned long long)cpu->regs[R_EBX]);
    }
    ok = imgfuzz_check_pvh_info(f, m, si, initrd, isize, cmdline);
    free(si);
    if (ok && !imgfuzz_ram_ok(m, cpu->rip, 1)) {
        return imgfuzz_failf(f, "PVH: entry 0x%llx is not in RAM",
                             (unsigned long long)cpu->rip);
    }
    return ok;
}

static bool imgfuzz_check_linux(ImgFuzz *f, Machine *m,
                                const X86CPUState *cpu, const uint8_t *initrd,
                                size_t isize, const char *cmdline)
{
    /* Protected-mode entries point ESI at boot_params; the real-mode entry
       starts in the setup code, whose segment holds the header. */
    uint64_t at = (cpu->cr0 & CR0_PE) ? cpu->regs[R_ESI]
                                      : cpu->segs[R_DS].base;
    uint8_t *bp = imgfuzz_guest(m, at, 4096);
    bool ok;

    if (!bp) {
        return imgfuzz_failf(f, "linux: boot_params at 0x%llx not in RAM",
                             (unsigned long long)at);
    }
    ok = imgfuzz_check_string(f, m, ld32le(bp + 0x228), cmdline,
                              "linux cmdline") &&
         (!isize || imgfuzz_check_blob(f, m, ld32le(bp + 0x218), initrd,
                                       isize, "linux initrd"));
    free(bp);
    if (ok && (cpu->efer & EFER_LMA) && !imgfuzz_ram_ok(m, cpu->rip, 1)) {
        return imgfuzz_failf(f, "linux: 64-bit entry 0x%llx is not in RAM",
                             (unsigned long long)cpu->rip);
    }
    return ok;
}

/* Module i of the info block: its bytes and its string. */
static bool imgfuzz_check_mb_module(ImgFuzz *f, Machine *m, uint64_t mods,
                                    int i)
{
    static uint8_t want[IMGFUZZ_MOD_SIZE];
    char given[256], loaded[256];
    uint8_t *e = imgfuzz_guest(m, mods + 16 * (uint64_t)i, 16);
    uint32_t start, end, str;
    bool ok;

    if (!e) {
        return imgfuzz_failf(f, "multiboot: module %d entry not in RAM", i);
    }
    start = ld32le(e);
    end = ld32le(e + 4);
    str = ld32le(e + 8);
    free(e);
    for (size_t j = 0; j < sizeof(want); j++) {
        want[j] = (uint8_t)(j * 29 + 5);
    }
    imgfuzz_module_string(i, given, loaded, sizeof(given));
    ok = end >= start &&
         end - start == (i % 2 ? 0u : (uint32_t)IMGFUZZ_MOD_SIZE) &&
         imgfuzz_ram_ok(m, start, 1) &&
         imgfuzz_check_blob(f, m, start, want, end - start, "module") &&
         imgfuzz_check_string(f, m, str, loaded, "module string");
    return ok || imgfuzz_failf(f, "multiboot: module %d is [0x%x, 0x%x)", i,
                               start, end);
}

static bool imgfuzz_check_multiboot(ImgFuzz *f, Machine *m,
                                    const X86CPUState *cpu, int nmod)
{
    uint8_t *info;
    uint32_t count, mods;

    if (cpu->regs[R_EAX] != 0x2badb002 ||
        !(info = imgfuzz_guest(m, cpu->regs[R_EBX], 116))) {
        return imgfuzz_failf(f, "multiboot: no info block at EBX 0x%llx",
                             (unsigned long long)cpu->regs[R_EBX]);
    }
    count = ld32le(info + 20);
    mods = ld32le(info + 24);
    free(info);
    if (count != (uint32_t)nmod) {
        return imgfuzz_failf(f, "multiboot: %u modules, %d given", count,
                             nmod);
    }
    for (int i = 0; i < nmod; i++) {
        if (!imgfuzz_check_mb_module(f, m, mods, i)) {
            return false;
        }
    }
    if (!imgfuzz_ram_ok(m, cpu->rip, 1)) {
        return imgfuzz_failf(f, "multiboot: entry 0x%llx is not in RAM",
                             (unsigned long long)cpu->rip);
    }
    return true;
}

/* ------------------------------------------------------------------ run */

/* A bare machine whose RAM has guard mappings on both sides. */
typedef struct ImgMachine {
    Machine m;
    FuzzGuard guard;
} ImgMachine;

static Machine *imgfuzz_machine(uint64_t ram)
{
    ImgMachine *im = xzalloc(sizeof(*im));
    Error err = { "" };

    pthread_mutex_init(&im->m.lock, NULL);
    log_init(&im->m.log);
    timerlist_init(&im->m.timers);
    im->m.cfg.smp = 1;
    if (machine_init_memory(&im->m, ram, &err) < 0) {
        fprintf(stderr, "image fuzz: %s\n", err.msg);
        abort();
    }
    fuzz_ram_guard(&im->m, &im->guard);
    return &im->m;
}

static void imgfuzz_machine_free(Machine *m)
{
    ImgMachine *im = container_of(m, ImgMachine, m);

    fuzz_ram_unguard(m, &im->guard);
    machine_destroy_memory(m);
    pthread_mutex_destroy(&m->lock);
    free(im);
}

static char *imgfuzz_cmdline(uint8_t n)
{
    size_t len = n == 255 ? 640 * KiB : (size_t)n * 37;
    char *s = xmalloc(len + 1);

    for (size_t i = 0; i < len; i++) {
        s[i] = (char)('a' + i % 26);
    }
    s[len] = 0;
    return s;
}

static int imgfuzz_load(Machine *m, int loader, const uint8_t *img,
                        size_t size, const uint8_t *initrd, size_t isize,
                        const char *cmdline, const char *modules,
                        X86CPUState *cpu, KernelKind *kind, Error *err)
{
    *kind = pc_kernel_kind(img, size);
    if (loader == 1) {
        *kind = KERNEL_BZIMAGE;
    } else if (loader == 2) {
        *kind = KERNEL_MULTIBOOT;
    } else if (loader == 3) {
        *kind = KERNEL_PVH;
    }
    switch (*kind) {
    case KERNEL_MULTIBOOT:
        return multiboot_load(m, img, size, cmdline, modules, cpu, err);
    case KERNEL_PVH:
    case KERNEL_ELF_OTHER:
        return pvh_load(m, img, size, initrd, isize, cmdline, cpu, err);
    default:
        return linux_load(m, img, size, initrd, isize, cmdline, cpu, err);
    }
}

static bool imgfuzz_check_loaded(ImgFuzz *f, Machine *m, KernelKind kind,
                                 const X86CPUState *cpu, const uint8_t *initrd,
                                 size_t isize, const char *cmdline, int nmod)
{
    switch (kind) {
    case KERNEL_MULTIBOOT:
        return imgfuzz_check_multiboot(f, m, cpu, nmod);
    case KERNEL_PVH:
        return imgfuzz_check_pvh(f, m, cpu, initrd, isize, cmdline);
    case KERNEL_ELF_OTHER:
        return imgfuzz_failf(f, "an ELF without a PVH note was loaded");
    default:
        return imgfuzz_check_linux(f, m, cpu, initrd, isize, cmdline);
    }
}

/* Runs one input; 0, or -1 with f->fail set. */
static int imgfuzz_run(ImgFuzz *f, const uint8_t *in, size_t len)
{
    const uint8_t *img = in + IMGFUZZ_HDR;
    size_t size, isize;
    Machine *m;
    uint8_t *initrd;
    char *cmdline, *modules;
    X86CPUState cpu;
    Error err = { "" };
    KernelKind kind;
    int ret, nmod;

    f->fail[0] = 0;
    if (len < IMGFUZZ_HDR || len - IMGFUZZ_HDR > IMGFUZZ_MAX_IMAGE) {
        return 0;
    }
    f->runs++;
    size = len - IMGFUZZ_HDR;
    m = imgfuzz_machine(imgfuzz_ram[in[1] % ARRAY_SIZE(imgfuzz_ram)]);
    isize = in[2] == 255 ? 3 * MiB : (size_t)in[2] * 4093;
    initrd = xmalloc(isize + 1);
    for (size_t i = 0; i < isize; i++) {
        initrd[i] = (uint8_t)(i * 13 + 1);
    }
    cmdline = imgfuzz_cmdline(in[3]);
    nmod = in[2] % 5;
    modules = imgfuzz_module_list(nmod);
    memset(&cpu, 0, sizeof(cpu));
    ret = imgfuzz_load(m, in[0] % 4, img, size, isize ? initrd : NULL, isize,
                       cmdline, nmod ? modules : NULL, &cpu, &kind, &err);
    if (f->trace) {
        fprintf(stderr, "image fuzz: loader %d kind %d ram %llu KiB initrd "
                "%zu: %s\n", in[0] % 4, (int)kind,
                (unsigned long long)(m->ram_size / KiB), isize,
                ret < 0 ? err.msg : "loaded");
    }
    if (ret < 0) {
        f->refused++;
        if (!err.msg[0]) {
            imgfuzz_failf(f, "refused without a message");
        } else if (!imgfuzz_ram_zero(m)) {
            imgfuzz_failf(f, "refused (%s) but guest RAM was written",
                          err.msg);
        }
    } else {
        f->loaded++;
        f->by_kind[kind]++;
        imgfuzz_check_loaded(f, m, kind, &cpu, initrd, isize, cmdline, nmod);
    }
    free(modules);
    free(cmdline);
    free(initrd);
    imgfuzz_machine_free(m);
    return f->fail[0] ? -1 : 0;
}

#endif
