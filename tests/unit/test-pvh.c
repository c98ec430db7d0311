/*
 * Unit tests for the PVH loader (hw/pc/pvh.c): synthetic ELF32 and ELF64
 * kernels with a XEN_ELFNOTE_PHYS32_ENTRY note (tests/fuzz/image-build.h).
 * A good kernel is loaded with its segments, bss, start info, module list,
 * memory map and command line, and the entry state is the ABI's; a tiny
 * kernel then runs under the TCG and checks that state from the inside.
 * Malformed notes, segments outside RAM or over the start info, and the
 * other bad images are refused with a message and RAM untouched. The
 * -kernel dispatch picks PVH, multiboot or bzImage from the contents.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test-machine.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "hw/pc/loader.h"
#include "tests/fuzz/fuzz-machine.h"
#include "tests/fuzz/image-build.h"

#define START_INFO 0x10000

static bool ram_is_zero(const Machine *m)
{
    for (uint64_t i = 0; i < m->ram_size; i++) {
        if (m->ram.host[i]) {
            return false;
        }
    }
    return true;
}

static const uint8_t *guest(Machine *m, uint64_t addr, uint64_t len)
{
    const uint8_t *p = address_space_get_ptr(&m->mem, addr, len);
    assert_non_null(p);
    return p;
}

/* Loads spec's image into a fresh machine; returns the load's result. */
static int load(Machine *m, const ImgPvhSpec *spec, const uint8_t *initrd,
                size_t isize, const char *cmdline, X86CPUState *cpu,
                Error *err)
{
    ImgBuf b = imgfuzz_build_pvh(spec);
    int ret = pvh_load(m, b.p, b.len, initrd, isize, cmdline, cpu, err);

    free(b.p);
    return ret;
}

static void check_segments(Machine *m, const ImgPvhSpec *s)
{
    for (int i = 0; i < s->nseg; i++) {
        const uint8_t *g = guest(m, s->seg[i].paddr, s->seg[i].memsz);
        for (uint64_t j = 0; j < s->seg[i].memsz; j++) {
            uint8_t want = j < s->seg[i].filesz ? (uint8_t)(0x40 + i + j * 3)
                                                : 0;
            assert_int_equal(g[j], want);
        }
    }
}

static void test_pvh_elf64(void **state)
{
    Machine *m = test_machine(32 * MiB);
    ImgPvhSpec s = imgfuzz_pvh_default(true);
    size_t isize = 0x1234;
    uint8_t *initrd = malloc(isize);
    X86CPUState cpu;
    Error err = { "" };
    const uint8_t *si, *mod, *map;
    uint64_t iaddr = ALIGN_DOWN(32 * MiB - isize, 4096);

    memset(initrd, 0x77, isize);
    /* bss must be zeroed even over old contents */
    address_space_fill(&m->mem, 0x180000, 0xee, 0x8000);
    assert_int_equal(load(m, &s, initrd, isize, "console=ttyS0", &cpu, &err),
                     0);
    check_segments(m, &s);
    si = guest(m, START_INFO, 56);
    assert_int_equal(ld32le(si), 0x336ec578);
    assert_int_equal(ld32le(si + 4), 1);                /* version */
    assert_int_equal(ld32le(si + 8), 0);                /* flags */
    assert_int_equal(ld32le(si + 12), 1);               /* nr_modules */
    assert_int_equal(ld64le(si + 32), 0);               /* rsdp: no ACPI yet */
    assert_string_equal((char *)guest(m, ld64le(si + 24), 14),
                        "console=ttyS0");
    mod = guest(m, ld64le(si + 16), 32);
    assert_int_equal(ld64le(mod), iaddr);
    assert_int_equal(ld64le(mod + 8), isize);
    assert_int_equal(ld64le(mod + 16), 0);
    assert_memory_equal(guest(m, iaddr, isize), initrd, isize);
    assert_int_equal(ld32le(si + 48), m->e820.n);
    map = guest(m, ld64le(si + 40), 24 * m->e820.n);
    for (int i = 0; i < m->e820.n; i++) {
        assert_int_equal(ld64le(map + 24 * i), m->e820.entries[i].addr);
        assert_int_equal(ld64le(map + 24 * i + 8), m->e820.entries[i].size);
        assert_int_equal(ld32le(map + 24 * i + 16), m->e820.entries[i].type);
    }
    /* entry: flat 32-bit protected mode, paging off, EBX = start info */
    assert_int_equal(cpu.rip, 0x100040);
    assert_int_equal(cpu.regs[R_EBX], START_INFO);
    assert_int_equal(cpu.cr0 & (CR0_PE | CR0_PG), CR0_PE);
    assert_int_equal(cpu.cr4, 0);
    assert_int_equal(cpu.efer, 0);
    assert_false(cpu.rflags & RF_IF);
    for (int i = 0; i < 6; i++) {
        assert_int_equal(cpu.segs[i].base, 0);
        assert_int_equal(cpu.segs[i].limit, 0xffffffff);
        assert_true(cpu.segs[i].flags & SEG_DB);
    }
    assert_true(cpu.segs[R_CS].flags & SEG_CODE);
    assert_true(cpu.segs[R_DS].flags & SEG_W);
    assert_int_equal((cpu.tr.flags & SEG_TYPE_MASK) >> SEG_TYPE_SHIFT, 11);
    assert_true(m->a20_enabled);
    free(initrd);
    test_machine_free(m);
}

/* ELF32 with a 4-byte entry, no initrd, 8-byte note alignment. */
static void test_pvh_elf32_no_initrd(void **state)
{
    Machine *m = test_machine(8 * MiB);
    ImgPvhSpec s = imgfuzz_pvh_default(false);
    X86CPUState cpu;
    Error err = { "" };
    const uint8_t *si;

    s.note_align = 8;
    assert_int_equal(load(m, &s, NULL, 0, NULL, &cpu, &err), 0);
    check_segments(m, &s);
    si = guest(m, START_INFO, 56);
    assert_int_equal(ld32le(si + 12), 0);
    assert_int_equal(ld64le(si + 16), 0);
    assert_string_equal((char *)guest(m, ld64le(si + 24), 1), "");
    assert_int_equal(cpu.rip, 0x100040);
    test_machine_free(m);
}

/* Each spec must be refused with a message containing want, RAM intact. */
static void expect_refused(const ImgPvhSpec *s, uint64_t ram, size_t isize,
                           const char *cmdline, const char *want)
{
    Machine *m = test_machine(ram);
    uint8_t *initrd = isize ? calloc(1, isize) : NULL;
    X86CPUState cpu;
    Error err = { "" };

    assert_int_equal(load(m, s, initrd, isize, cmdline, &cpu, &err), -1);
    if (!strstr(err.msg, want)) {
        fail_msg("error \"%s\" does not mention \"%s\"", err.msg, want);
    }
    assert_true(ram_is_zero(m));
    free(initrd);
    test_machine_free(m);
}

static void test_pvh_bad_notes(void **state)
{
    ImgPvhSpec s = imgfuzz_pvh_default(true);

    s.entry_size = 2;
    expect_refused(&s, 8 * MiB, 0, "", "2-byte value");
    s.entry_size = 16;
    expect_refused(&s, 8 * MiB, 0, "", "16-byte value");
    s.entry_size = 0;
    expect_refused(&s, 8 * MiB, 0, "", "neither a multiboot header nor a "
                   "PVH entry note");
    s = imgfuzz_pvh_default(true);
    s.entry = 0x500000;                       /* outside the segments */
    expect_refused(&s, 8 * MiB, 0, "", "outside the loaded segments");
    s.entry = 0x1ffff0000ull;                 /* 8-byte value above 4 GiB */
    expect_refused(&s, 8 * MiB, 0, "", "outside the loaded segments");
}

/* A note whose sizes run past the end of its segment. */
static void test_pvh_truncated_note(void **state)
{
    ImgPvhSpec s = imgfuzz_pvh_default(true);
    ImgBuf b = imgfuzz_build_pvh(&s);
    Machine *m = test_machine(8 * MiB);
    X86CPUState cpu;
    Error err = { "" };
    uint64_t note_off = ld64le(b.p + 64 + 8);

    st32le(b.p + note_off + 4, 0xfffffffe);   /* first note's descsz */
    assert_false(pvh_detect(b.p, b.len));
    assert_int_equal(pvh_load(m, b.p, b.len, NULL, 0, "", &cpu, &err), -1);
    assert_non_null(strstr(err.msg, "malformed"));
    st32le(b.p + note_off + 4, 6);
    st64le(b.p + 64 + 8, b.len - 8);          /* PT_NOTE past the end */
    assert_int_equal(pvh_load(m, b.p, b.len, NULL, 0, "", &cpu, &err), -1);
    assert_non_null(strstr(err.msg, "beyond the end"));
    assert_true(ram_is_zero(m));
    free(b.p);
    test_machine_free(m);
}

static void test_pvh_bad_segments(void **state)
{
    ImgPvhSpec s = imgfuzz_pvh_default(true);

    s.seg[1].paddr = 8 * MiB - 0x1000;        /* bss crosses the RAM end */
    expect_refused(&s, 8 * MiB, 0, "", "outside guest RAM");
    s.seg[1].paddr = 0xffffc000;              /* crosses 4 GiB */
    expect_refused(&s, 8 * MiB, 0, "", "below 4 GiB");
    s.seg[1].paddr = 0xa0000;                 /* the legacy hole */
    expect_refused(&s, 8 * MiB, 0, "", "outside guest RAM");
    s.seg[1].paddr = START_INFO - 0x100;      /* over the start info */
    expect_refused(&s, 8 * MiB, 0, "", "overlaps the PVH start info");
    s.seg[1].paddr = 0x1000;                  /* over the GDT */
    expect_refused(&s, 8 * MiB, 0, "", "overlaps the PVH start info");
    s.seg[1].paddr = 0x100800;                /* over segment 0 */
    expect_refused(&s, 8 * MiB, 0, "", "overlap");
    s = imgfuzz_pvh_default(true);
    s.seg[1].filesz = 0x9000;                 /* more file than memory */
    s.seg[1].memsz = 0x8000;
    expect_refused(&s, 8 * MiB, 0, "", "more file bytes");
    s = imgfuzz_pvh_default(false);
    s.nseg = 0;
    expect_refused(&s, 8 * MiB, 0, "", "no loadable segment");
}

static void test_pvh_bad_file(void **state)
{
    ImgPvhSpec s = imgfuzz_pvh_default(true);
    ImgBuf b = imgfuzz_build_pvh(&s);
    Machine *m = test_machine(8 * MiB);
    X86CPUState cpu;
    Error err = { "" };
    uint64_t seg_off = ld64le(b.p + 64 + 56 + 8);

    /* a segment's file bytes past the end */
    st64le(b.p + 64 + 56 + 8, b.len - 0x10);
    assert_int_equal(pvh_load(m, b.p, b.len, NULL, 0, "", &cpu, &err), -1);
    assert_non_null(strstr(err.msg, "beyond the end of the file"));
    st64le(b.p + 64 + 56 + 8, seg_off);
    /* program headers past the end, then a truncated header */
    st16le(b.p + 56, 0xffff);
    assert_int_equal(pvh_load(m, b.p, b.len, NULL, 0, "", &cpu, &err), -1);
    assert_non_null(strstr(err.msg, "program headers"));
    assert_int_equal(pvh_load(m, b.p, 40, NULL, 0, "", &cpu, &err), -1);
    assert_non_null(strstr(err.msg, "truncated"));
    st16le(b.p + 56, 3);
    b.p[5] = 2;                               /* big-endian */
    assert_int_equal(pvh_load(m, b.p, b.len, NULL, 0, "", &cpu, &err), -1);
    assert_non_null(strstr(err.msg, "little-endian"));
    b.p[5] = 1;
    st16le(b.p + 18, 40);                     /* ARM */
    assert_int_equal(pvh_load(m, b.p, b.len, NULL, 0, "", &cpu, &err), -1);
    assert_non_null(strstr(err.msg, "not for x86"));
    assert_true(ram_is_zero(m));
    free(b.p);
    test_machine_free(m);
}

static void test_pvh_initrd_and_cmdline_too_big(void **state)
{
    ImgPvhSpec s = imgfuzz_pvh_default(true);
    char *cmdline = malloc(700 * 1024);

    expect_refused(&s, 4 * MiB, 3 * MiB, "", "initrd");
    memset(cmdline, 'x', 700 * 1024 - 1);
    cmdline[700 * 1024 - 1] = 0;
    expect_refused(&s, 4 * MiB, 0, cmdline, "command line is too long");
    free(cmdline);
}

static void test_kernel_kind(void **state)
{
    ImgPvhSpec s = imgfuzz_pvh_default(true);
    ImgBuf pvh = imgfuzz_build_pvh(&s);
    ImgBuf mb = imgfuzz_build_mb_elf();
    ImgBuf aout = imgfuzz_build_mb_aout();
    ImgBuf bz = imgfuzz_build_bzimage(true);
    ImgBuf plain;

    s.entry_size = 0;
    plain = imgfuzz_build_pvh(&s);
    assert_int_equal(pc_kernel_kind(pvh.p, pvh.len), KERNEL_PVH);
    assert_int_equal(pc_kernel_kind(mb.p, mb.len), KERNEL_MULTIBOOT);
    assert_int_equal(pc_kernel_kind(aout.p, aout.len), KERNEL_MULTIBOOT);
    assert_int_equal(pc_kernel_kind(bz.p, bz.len), KERNEL_BZIMAGE);
    assert_int_equal(pc_kernel_kind(plain.p, plain.len), KERNEL_ELF_OTHER);
    /* a PVH note wins over a multiboot header, as in QEMU */
    pvh.p = realloc(pvh.p, pvh.len + 0x100);
    memcpy(pvh.p + pvh.len, mb.p + 0x60, 12);
    assert_int_equal(pc_kernel_kind(pvh.p, pvh.len + 12), KERNEL_PVH);
    free(pvh.p);
    free(mb.p);
    free(aout.p);
    free(bz.p);
    free(plain.p);
}

/* -kernel with an ELF that is neither multiboot nor PVH: one clear error. */
static void test_boot_elf_without_note(void **state)
{
    ImgPvhSpec s = imgfuzz_pvh_default(false);
    Machine *m = test_machine(8 * MiB);
    char path[] = "/tmp/kite-test-pvh-XXXXXX";
    int fd = mkstemp(path);
    Error err = { "" };
    ImgBuf b;

    s.entry_size = 0;
    b = imgfuzz_build_pvh(&s);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, b.p, b.len), (ssize_t)b.len);
    close(fd);
    m->cfg.kernel = path;
    assert_int_equal(pc_load_boot(m, &err), -1);
    assert_non_null(strstr(err.msg, "-kernel"));
    assert_non_null(strstr(err.msg, "neither a multiboot header nor a PVH"));
    assert_false(m->have_boot_state);
    /* with the note the same file boots through PVH */
    free(b.p);
    s.entry_size = 4;
    b = imgfuzz_build_pvh(&s);
    fd = open(path, O_WRONLY | O_TRUNC);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, b.p, b.len), (ssize_t)b.len);
    close(fd);
    assert_int_equal(pc_load_boot(m, &err), 0);
    assert_true(m->have_boot_state);
    assert_int_equal(m->boot_state.regs[R_EBX], START_INFO);
    unlink(path);
    free(b.p);
    test_machine_free(m);
}

/*
 * The entry state seen from inside under the TCG: the code checks the
 * start info's magic through EBX, paging off and protected mode on in
 * CR0, reads the command line through DS, writes a result through ES and
 * SS (a push), then halts. 32-bit code: decoded as 16-bit it would not
 * reach the HLT at the right place.
 */
static void test_pvh_entry_runs(void **state)
{
    static const uint8_t code[] = {
        0x81, 0x3b, 0x78, 0xc5, 0x6e, 0x33,     /* cmp dword [ebx], magic */
        0x75, 0x2a,                             /* jne bad */
        0x0f, 0x20, 0xc0,                       /* mov eax, cr0 */
        0x25, 0x01, 0x00, 0x00, 0x80,           /* and eax, PG | PE */
        0x83, 0xf8, 0x01,                       /* cmp eax, 1 */
        0x75, 0x1d,                             /* jne bad */
        0x8b, 0x4b, 0x18,                       /* mov ecx, [ebx + 24] */
        0x8b, 0x01,                             /* mov eax, [ecx] */
        0x26, 0xa3, 0x00, 0x05, 0x00, 0x00,     /* mov es:[0x500], eax */
        0xbc, 0x08, 0x05, 0x00, 0x00,           /* mov esp, 0x508 */
        0x68, 0x0d, 0x60, 0x00, 0x00,           /* push 0x600d */
        0xf4,                                   /* hlt */
        0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90,
        0xc7, 0x05, 0x04, 0x05, 0x00, 0x00,     /* bad: mov [0x504], 0xbad */
        0xad, 0x0b, 0x00, 0x00,
        0xf4,
    };
    ImgPvhSpec s = imgfuzz_pvh_default(true);
    static const char *const backends[] = { "native", "interp" };

    s.code = code;
    s.code_len = sizeof(code);
    s.entry = s.seg[0].paddr;
    for (int i = 0; i < 2; i++) {
        FuzzMachine *f = calloc(1, sizeof(*f));
        Error err = { "" };
        char why[256];
        VcpuExit r = VCPU_EXIT_NONE;
        const uint8_t *low;

        if (fuzz_machine_start(f, 16 * MiB, backends[i], why,
                               sizeof(why)) < 0) {
            fail_msg("%s", why);
        }
        assert_int_equal(load(&f->m, &s, NULL, 0, "kite pvh", &f->cpu.env,
                              &err), 0);
        f->ops->set_state(&f->cpu);
        for (int n = 0; n < 100 && r == VCPU_EXIT_NONE; n++) {
            r = f->ops->vcpu_run(&f->cpu);
        }
        assert_int_equal(r, VCPU_EXIT_HALT);
        f->ops->get_state(&f->cpu);
        low = guest(&f->m, 0x500, 8);
        assert_memory_equal(low, "kite", 4);
        assert_int_equal(ld32le(low + 4), 0x600d);
        assert_int_equal(f->cpu.env.rip, s.entry + 43);
        fuzz_machine_stop(f);
        free(f);
    }
}

/*
 * A kernel loaded again into RAM that the TCG has run code from (what a
 * reset does: pc_reset calls pc_load_boot) must run as loaded: the
 * loaders' writes bypass the soft TLB, so they invalidate the translated
 * code of the pages they write. Before, the second run executed the
 * first image's translation (EAX 0x11111111).
 */
static void test_reload_invalidates_translated_code(void **state)
{
    uint8_t code[] = { 0xb8, 0x11, 0x11, 0x11, 0x11, 0xf4 }; /* mov eax; hlt */
    ImgPvhSpec s = imgfuzz_pvh_default(false);
    FuzzMachine *f = calloc(1, sizeof(*f));
    char why[256];

    s.code = code;
    s.code_len = sizeof(code);
    s.entry = s.seg[0].paddr;
    if (fuzz_machine_start(f, 16 * MiB, "native", why, sizeof(why)) < 0) {
        fail_msg("%s", why);
    }
    for (int run = 0; run < 2; run++) {
        Error err = { "" };

        memset(code + 1, run ? 0x22 : 0x11, 4);
        assert_int_equal(load(&f->m, &s, NULL, 0, "", &f->cpu.env, &err), 0);
        f->ops->set_state(&f->cpu);
        assert_int_equal(f->ops->vcpu_run(&f->cpu), VCPU_EXIT_HALT);
        f->ops->get_state(&f->cpu);
        assert_int_equal(f->cpu.env.regs[R_EAX], run ? 0x22222222 : 0x11111111);
    }
    fuzz_machine_stop(f);
    free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pvh_elf64),
        cmocka_unit_test(test_pvh_elf32_no_initrd),
        cmocka_unit_test(test_pvh_bad_notes),
        cmocka_unit_test(test_pvh_truncated_note),
        cmocka_unit_test(test_pvh_bad_segments),
        cmocka_unit_test(test_pvh_bad_file),
        cmocka_unit_test(test_pvh_initrd_and_cmdline_too_big),
        cmocka_unit_test(test_kernel_kind),
        cmocka_unit_test(test_boot_elf_without_note),
        cmocka_unit_test(test_pvh_entry_runs),
        cmocka_unit_test(test_reload_invalidates_translated_code),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
