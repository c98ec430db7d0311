/*
 * Small kernel images built in memory for the loader tests and the image
 * fuzzer's seeds (tests/fuzz/image-fuzz.h): PVH ELF kernels (ELF32 or
 * ELF64, notes, segments and code of the caller's choice), multiboot v1
 * images (ELF32 and a.out kludge) and bzImages (boot protocol 2.15).
 */
#ifndef KITE_IMAGE_BUILD_H
#define KITE_IMAGE_BUILD_H

#include <string.h>

#include "system/util.h"

typedef struct ImgBuf {
    uint8_t *p;
    size_t len;
} ImgBuf;


/* PVH ELF kernels */
typedef struct ImgPvhSeg {
    uint64_t paddr, filesz, memsz;
} ImgPvhSeg;

typedef struct ImgPvhSpec {
    bool is64;
    int nseg;
    ImgPvhSeg seg[4];
    uint64_t entry;
    unsigned entry_size;          /* descsz of the Xen note (at most 16,
                                     the entry in the first 8 bytes); 0:
                                     no note */
    bool other_notes;             /* Xen and Linux notes before it */
    unsigned note_align;          /* PT_NOTE p_align: 4 (default) or 8 */
    const uint8_t *code;          /* copied to the start of segment 0 */
    size_t code_len;
} ImgPvhSpec;

static inline size_t imgfuzz_put_note(uint8_t *p, const char *name,
                                      uint32_t type, const void *desc,
                                      uint32_t descsz, unsigned align)
{
    uint32_t namesz = (uint32_t)strlen(name) + 1;
    size_t n = 12;

    st32le(p, namesz);
    st32le(p + 4, descsz);
    st32le(p + 8, type);
    memcpy(p + n, name, namesz);
    n += ALIGN_UP(namesz, align);
    memcpy(p + n, desc, descsz);
    return n + ALIGN_UP(descsz, align);
}

static inline size_t imgfuzz_pvh_notes(const ImgPvhSpec *s, uint8_t *p)
{
    unsigned a = s->note_align ? s->note_align : 4;
    uint8_t entry[16] = { 0 };
    size_t n = 0;

    if (s->other_notes) {
        n += imgfuzz_put_note(p + n, "Xen", 6, "linux", 6, a);
        n += imgfuzz_put_note(p + n, "GNU", 3, "0123456789abcdefghij", 20, a);
        n += imgfuzz_put_note(p + n, "Linux", 256, "6.1.0-kite", 11, a);
    }
    if (s->entry_size) {
        st64le(entry, s->entry);
        n += imgfuzz_put_note(p + n, "Xen", 18, entry,
                              MIN(s->entry_size, (unsigned)sizeof(entry)), a);
    }
    return n;
}

static inline void imgfuzz_put_phdr(uint8_t *ph, bool is64, uint32_t type,
                                    uint64_t off, uint64_t paddr,
                                    uint64_t filesz, uint64_t memsz,
                                    uint64_t align)
{
    st32le(ph, type);
    if (is64) {
        st32le(ph + 4, 7);
        st64le(ph + 8, off);
        st64le(ph + 16, paddr + 0xffffffff80000000ull);
        st64le(ph + 24, paddr);
        st64le(ph + 32, filesz);
        st64le(ph + 40, memsz);
        st64le(ph + 48, align);
    } else {
        st32le(ph + 4, (uint32_t)off);
        st32le(ph + 8, (uint32_t)paddr);
        st32le(ph + 12, (uint32_t)paddr);
        st32le(ph + 16, (uint32_t)filesz);
        st32le(ph + 20, (uint32_t)memsz);
        st32le(ph + 24, 7);
        st32le(ph + 28, (uint32_t)align);
    }
}

/*
 * ELF header, PT_NOTE, the PT_LOADs, the notes, then each segment's file
 * bytes (a pattern of its index and offset, code at segment 0's start).
 */
static inline ImgBuf imgfuzz_build_pvh(const ImgPvhSpec *s)
{
    unsigned ehsize = s->is64 ? 64 : 52, phsize = s->is64 ? 56 : 32;
    unsigned phnum = 1 + (unsigned)s->nseg;
    uint8_t notes[256] = { 0 };
    size_t nlen = imgfuzz_pvh_notes(s, notes);
    size_t note_off = ehsize + phnum * phsize, off;
    ImgBuf b;

    off = ALIGN_UP(note_off + nlen, 16);
    b.len = off;
    for (int i = 0; i < s->nseg; i++) {
        b.len += ALIGN_UP(s->seg[i].filesz, 16);
    }
    b.p = xzalloc(b.len);
    memcpy(b.p, "\x7f" "ELF", 4);
    b.p[4] = s->is64 ? 2 : 1;
    b.p[5] = 1;
    b.p[6] = 1;
    st16le(b.p + 16, 2);                          /* ET_EXEC */
    st16le(b.p + 18, s->is64 ? 62 : 3);
    st32le(b.p + 20, 1);
    if (s->is64) {
        st64le(b.p + 24, s->entry + 0xffffffff80000000ull);
        st64le(b.p + 32, ehsize);
        st16le(b.p + 52, ehsize);
        st16le(b.p + 54, phsize);
        st16le(b.p + 56, phnum);
    } else {
        st32le(b.p + 24, (uint32_t)s->entry);
        st32le(b.p + 28, ehsize);
        st16le(b.p + 40, ehsize);
        st16le(b.p + 42, phsize);
        st16le(b.p + 44, phnum);
    }
    imgfuzz_put_phdr(b.p + ehsize, s->is64, 4, note_off, 0, nlen, nlen,
                     s->note_align ? s->note_align : 4);
    memcpy(b.p + note_off, notes, nlen);
    for (int i = 0; i < s->nseg; i++) {
        const ImgPvhSeg *g = &s->seg[i];
        imgfuzz_put_phdr(b.p + ehsize + (1 + i) * phsize, s->is64, 1, off,
                         g->paddr, g->filesz, g->memsz, 0x1000);
        for (uint64_t j = 0; j < g->filesz; j++) {
            b.p[off + j] = (uint8_t)(0x40 + i + j * 3);
        }
        if (i == 0 && s->code) {
            memcpy(b.p + off, s->code, MIN(s->code_len, g->filesz));
        }
        off += ALIGN_UP(g->filesz, 16);
    }
    return b;
}

/* The PVH seed: like vmlinux, a text segment at 1 MiB and a bss. */
static inline ImgPvhSpec imgfuzz_pvh_default(bool is64)
{
    ImgPvhSpec s = {
        .is64 = is64, .nseg = 2,
        .seg = { { 0x100000, 0x300, 0x1000 }, { 0x180000, 0x80, 0x8000 } },
        .entry = 0x100040, .entry_size = is64 ? 8 : 4, .other_notes = true,
    };
    return s;
}

/* Multiboot v1 ELF32: one segment at 1 MiB, header right after the phdr. */
static inline ImgBuf imgfuzz_build_mb_elf(void)
{
    ImgBuf b = { xzalloc(0x200), 0x200 };
    uint32_t flags = 0x3;

    memcpy(b.p, "\x7f" "ELF", 4);
    b.p[4] = 1;
    b.p[5] = 1;
    b.p[6] = 1;
    st16le(b.p + 16, 2);
    st16le(b.p + 18, 3);
    st32le(b.p + 20, 1);
    st32le(b.p + 24, 0x100010);
    st32le(b.p + 28, 52);
    st16le(b.p + 40, 52);
    st16le(b.p + 42, 32);
    st16le(b.p + 44, 1);
    imgfuzz_put_phdr(b.p + 52, false, 1, 0x100, 0x100000, 0x100, 0x2000,
                     0x1000);
    st32le(b.p + 0x60, 0x1badb002);
    st32le(b.p + 0x64, flags);
    st32le(b.p + 0x68, -(0x1badb002u + flags));
    for (int i = 0x100; i < 0x200; i++) {
        b.p[i] = (uint8_t)(i * 5);
    }
    return b;
}

/* Multiboot v1 with the a.out kludge: the file loaded at 1 MiB. */
static inline ImgBuf imgfuzz_build_mb_aout(void)
{
    ImgBuf b = { xzalloc(0x400), 0x400 };
    uint32_t flags = 0x10002;
    uint8_t *h = b.p + 0x20;

    st32le(h, 0x1badb002);
    st32le(h + 4, flags);
    st32le(h + 8, -(0x1badb002u + flags));
    st32le(h + 12, 0x100020);                     /* header_addr */
    st32le(h + 16, 0x100000);                     /* load_addr */
    st32le(h + 20, 0x100400);                     /* load_end_addr */
    st32le(h + 24, 0x104000);                     /* bss_end_addr */
    st32le(h + 28, 0x100100);                     /* entry_addr */
    for (int i = 0x100; i < 0x400; i++) {
        b.p[i] = (uint8_t)(i * 11);
    }
    return b;
}

/* A bzImage (protocol 2.15): 2 setup sectors, then a small payload. */
static inline ImgBuf imgfuzz_build_bzimage(bool kernel64)
{
    ImgBuf b = { xzalloc(3 * 512 + 0x600), 3 * 512 + 0x600 };
    uint8_t *h = b.p;

    h[0x1f1] = 2;
    st16le(h + 0x1fe, 0xaa55);
    h[0x200] = 0xeb;
    h[0x201] = 0x6a;
    memcpy(h + 0x202, "HdrS", 4);
    st16le(h + 0x206, 0x020f);
    h[0x211] = 0x01;
    st32le(h + 0x214, 0x100000);
    st32le(h + 0x22c, 0x7fffffff);
    st32le(h + 0x230, 0x100000);
    h[0x234] = 1;
    st16le(h + 0x236, kernel64 ? 0x3 : 0);
    st32le(h + 0x238, 2047);
    st64le(h + 0x258, 0x100000);
    st32le(h + 0x260, 0x10000);
    for (size_t i = 3 * 512; i < b.len; i++) {
        h[i] = (uint8_t)(i * 7 + 3);
    }
    return b;
}

#endif
