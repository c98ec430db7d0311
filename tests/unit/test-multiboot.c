/*
 * Unit tests for the multiboot v1 loader: ELF32 and a.out-kludge images
 * built here, the info block (memory, command line, modules, memory map)
 * and the entry state; malformed images fail cleanly and write nothing.
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
#include <unistd.h>

#include "hw/pc/loader.h"

#define MB_MAGIC 0x1badb002u
#define ELF_SIZE 0x1900


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

static void put_mb_header(uint8_t *img, size_t off, uint32_t flags)
{
    st32le(img + off, MB_MAGIC);
    st32le(img + off + 4, flags);
    st32le(img + off + 8, -(MB_MAGIC + flags));
}

static void put_phdr(uint8_t *ph, uint32_t off, uint32_t vaddr,
                     uint32_t paddr, uint32_t filesz, uint32_t memsz)
{
    st32le(ph, 1);                   /* PT_LOAD */
    st32le(ph + 4, off);
    st32le(ph + 8, vaddr);
    st32le(ph + 12, paddr);
    st32le(ph + 16, filesz);
    st32le(ph + 20, memsz);
    st32le(ph + 24, 7);
    st32le(ph + 28, 0x1000);
}

/*
 * A higher-half ELF32 kernel: segment 0 from file 0x1000 (0x800 bytes,
 * 0x2000 in memory) at physical 0x100000, virtual 0xc0100000; segment 1
 * from file 0x1800 (0x100 bytes) at 0x200000. Entry 0xc0100010.
 */
static uint8_t *fake_elf(void)
{
    uint8_t *img = calloc(1, ELF_SIZE);

    memcpy(img, "\x7f" "ELF", 4);
    img[4] = 1;                      /* ELFCLASS32 */
    img[5] = 1;                      /* little-endian */
    img[6] = 1;
    st16le(img + 16, 2);             /* ET_EXEC */
    st16le(img + 18, 3);             /* EM_386 */
    st32le(img + 20, 1);
    st32le(img + 24, 0xc0100010);
    st32le(img + 28, 52);
    st16le(img + 40, 52);
    st16le(img + 42, 32);
    st16le(img + 44, 2);
    put_phdr(img + 52, 0x1000, 0xc0100000, 0x100000, 0x800, 0x2000);
    put_phdr(img + 84, 0x1800, 0x200000, 0x200000, 0x100, 0x100);
    put_mb_header(img, 0x100, 0x3);
    for (size_t i = 0x1000; i < ELF_SIZE; i++) {
        img[i] = (uint8_t)(i * 13 + 1);
    }
    return img;
}

static char *write_temp(const void *data, size_t len)
{
    char *path = strdup("/tmp/kite-test-mb-XXXXXX");
    int fd = mkstemp(path);

    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    close(fd);
    return path;
}

static void check_flat32(const X86CPUState *cpu, uint64_t entry)
{
    assert_int_equal(cpu->regs[R_EAX], 0x2badb002);
    assert_int_equal(cpu->regs[R_EBX], 0x10000);
    assert_int_equal(cpu->rip, entry);
    assert_int_equal(cpu->cr0, CR0_PE | CR0_ET);
    assert_int_equal(cpu->efer, 0);
    assert_false(cpu->rflags & RF_IF);
    assert_int_equal(cpu->segs[R_CS].selector, 0x10);
    assert_int_equal(cpu->segs[R_CS].base, 0);
    assert_int_equal(cpu->segs[R_CS].limit, 0xffffffff);
    assert_true(cpu->segs[R_CS].flags & SEG_DB);
    assert_true(cpu->segs[R_CS].flags & SEG_CODE);
    assert_int_equal(cpu->segs[R_DS].selector, 0x18);
    assert_int_equal(cpu->segs[R_SS].limit, 0xffffffff);
}

static void test_multiboot_elf(void **state)
{
    Machine *m = test_machine(64 * MiB);
    uint8_t *img = fake_elf();
    char *mod1 = write_temp("first module", 12);
    char *mod2 = write_temp("2", 1);
    char *mods = NULL;
    const uint8_t *info, *mmap, *ml;
    X86CPUState cpu;
    Error err = { "" };

    assert_true(multiboot_detect(img, ELF_SIZE));
    assert_true(asprintf(&mods, "%s arg1 a,,b,%s", mod1, mod2) > 0);
    assert_int_equal(address_space_fill(&m->mem, 0x100800, 0xaa, 0x1800), 0);
    assert_int_equal(multiboot_load(m, img, ELF_SIZE, "kernel.elf x=1", mods,
                                    &cpu, &err), 0);
    check_flat32(&cpu, 0x100010);
    assert_true(m->a20_enabled);
    /* segments and bss */
    assert_memory_equal(guest(m, 0x100000, 0x800), img + 0x1000, 0x800);
    for (int i = 0x800; i < 0x2000; i++) {
        assert_int_equal(guest(m, 0x100000, 0x2000)[i], 0);
    }
    assert_memory_equal(guest(m, 0x200000, 0x100), img + 0x1800, 0x100);
    /* info block */
    info = guest(m, 0x10000, 128);
    assert_int_equal(ld32le(info), 0x24d);
    assert_int_equal(ld32le(info + 4), 639);
    assert_int_equal(ld32le(info + 8), 63 * 1024);
    assert_string_equal((char *)guest(m, ld32le(info + 16), 15),
                        "kernel.elf x=1");
    assert_string_equal((char *)guest(m, ld32le(info + 64), 5), "kite");
    assert_int_equal(ld32le(info + 44), m->e820.n * 24);
    mmap = guest(m, ld32le(info + 48), ld32le(info + 44));
    assert_int_equal(ld32le(mmap), 20);
    assert_int_equal(ld64le(mmap + 4), 0);
    assert_int_equal(ld64le(mmap + 12), 0x9fc00);
    assert_int_equal(ld32le(mmap + 20), 1);
    assert_int_equal(ld64le(mmap + 3 * 24 + 4), 0x100000);
    assert_int_equal(ld32le(mmap + 3 * 24 + 20), 1);
    /* modules page-aligned after the kernel (which ends at 0x200100) */
    assert_int_equal(ld32le(info + 20), 2);
    ml = guest(m, ld32le(info + 24), 32);
    assert_int_equal(ld32le(ml), 0x201000);
    assert_int_equal(ld32le(ml + 4), 0x201000 + 12);
    assert_memory_equal(guest(m, 0x201000, 12), "first module", 12);
    free(mods);
    assert_true(asprintf(&mods, "%s arg1 a,b", mod1) > 0);
    assert_string_equal((char *)guest(m, ld32le(ml + 8), 1), mods);
    assert_int_equal(ld32le(ml + 16), 0x202000);
    assert_int_equal(ld32le(ml + 20), 0x202001);
    assert_string_equal((char *)guest(m, ld32le(ml + 24), 1), mod2);
    assert_int_equal(*guest(m, 0x202000, 1), '2');
    /* GDT */
    assert_int_equal(ld64le(guest(m, 0x1010, 8)), 0x00cf9b000000ffffull);
    unlink(mod1);
    unlink(mod2);
    free(mod1);
    free(mod2);
    free(mods);
    free(img);
    test_machine_free(m);
}

/* A flat binary: header at 0x40, loaded at 0x100000, bss to 0x105000. */
static uint8_t *fake_aout(size_t size, uint32_t load_end, uint32_t bss_end,
                          uint32_t entry)
{
    uint8_t *img = calloc(1, size);

    for (size_t i = 0; i < size; i++) {
        img[i] = (uint8_t)(i + 0x11);
    }
    put_mb_header(img, 0x40, 0x10002);
    st32le(img + 0x4c, 0x100040);
    st32le(img + 0x50, 0x100000);
    st32le(img + 0x54, load_end);
    st32le(img + 0x58, bss_end);
    st32le(img + 0x5c, entry);
    return img;
}

static void test_multiboot_aout(void **state)
{
    Machine *m = test_machine(64 * MiB);
    uint8_t *img = fake_aout(0x200, 0, 0x105000, 0x100080);
    X86CPUState cpu;
    Error err = { "" };

    assert_int_equal(address_space_fill(&m->mem, 0x100200, 0xcc, 16), 0);
    assert_int_equal(multiboot_load(m, img, 0x200, NULL, NULL, &cpu, &err),
                     0);
    check_flat32(&cpu, 0x100080);
    assert_memory_equal(guest(m, 0x100000, 0x200), img, 0x200);
    assert_int_equal(*guest(m, 0x100200, 1), 0);
    assert_int_equal(*guest(m, 0x104fff, 1), 0);
    assert_int_equal(ld32le(guest(m, 0x10000 + 20, 4)), 0);   /* no mods */
    assert_string_equal((char *)guest(m, ld32le(guest(m, 0x10010, 4)), 1),
                        "");
    free(img);

    /* an explicit load_end_addr loads only that much */
    img = fake_aout(0x200, 0x100100, 0, 0x100080);
    assert_int_equal(address_space_fill(&m->mem, 0x100000, 0, 0x200), 0);
    assert_int_equal(multiboot_load(m, img, 0x200, "k", NULL, &cpu, &err), 0);
    assert_memory_equal(guest(m, 0x100000, 0x100), img, 0x100);
    assert_int_equal(*guest(m, 0x100100, 1), 0);
    free(img);
    test_machine_free(m);
}

static void expect_mb_error(const uint8_t *img, size_t size,
                            const char *modules, const char *want)
{
    Machine *m = test_machine(64 * MiB);
    X86CPUState cpu;
    Error err = { "" };

    assert_int_equal(multiboot_load(m, img, size, "k", modules, &cpu, &err),
                     -1);
    if (!strstr(err.msg, want)) {
        fail_msg("error '%s' does not mention '%s'", err.msg, want);
    }
    assert_true(ram_is_zero(m));
    test_machine_free(m);
}

static void test_multiboot_bad_header(void **state)
{
    uint8_t *img = fake_elf();
    uint8_t *big = calloc(1, 0x3000);

    st32le(img + 0x108, 0x12345678);
    assert_true(multiboot_detect(img, ELF_SIZE));
    expect_mb_error(img, ELF_SIZE, NULL, "bad checksum");
    /* header beyond 8 KiB */
    put_mb_header(big, 8192, 0x3);
    assert_false(multiboot_detect(big, 0x3000));
    expect_mb_error(big, 0x3000, NULL, "first 8 KiB");
    /* truncated: the header's last field lies past the end */
    free(img);
    img = fake_elf();
    expect_mb_error(img, 0x108, NULL, "first 8 KiB");
    /* required flags kite cannot satisfy */
    put_mb_header(img, 0x100, 0x7);
    expect_mb_error(img, ELF_SIZE, NULL, "video");
    put_mb_header(img, 0x100, 0x23);
    expect_mb_error(img, ELF_SIZE, NULL, "unknown");
    /* optional flags (16 and up, other than the kludge) are fine */
    put_mb_header(img, 0x100, 0x00f00003);
    {
        Machine *m = test_machine(64 * MiB);
        X86CPUState cpu;
        Error err = { "" };
        assert_int_equal(multiboot_load(m, img, ELF_SIZE, "", NULL, &cpu,
                                        &err), 0);
        test_machine_free(m);
    }
    free(big);
    free(img);
}

static void test_multiboot_bad_elf(void **state)
{
    uint8_t *img = fake_elf();

    img[4] = 2;
    expect_mb_error(img, ELF_SIZE, NULL, "ELF32");
    img[4] = 1;
    memcpy(img, "\x7f" "ELG", 4);
    expect_mb_error(img, ELF_SIZE, NULL, "not ELF");
    memcpy(img, "\x7f" "ELF", 4);
    st16le(img + 18, 40);
    expect_mb_error(img, ELF_SIZE, NULL, "not for x86");
    st16le(img + 18, 3);
    /* program headers beyond the end of the file */
    st32le(img + 28, ELF_SIZE - 40);
    expect_mb_error(img, ELF_SIZE, NULL, "program headers");
    st32le(img + 28, 52);
    /* a segment overlapping the file end */
    put_phdr(img + 84, 0x1800, 0x200000, 0x200000, 0x200, 0x200);
    expect_mb_error(img, ELF_SIZE, NULL, "beyond the end of the file");
    /* filesz > memsz */
    put_phdr(img + 84, 0x1800, 0x200000, 0x200000, 0x100, 0x80);
    expect_mb_error(img, ELF_SIZE, NULL, "more file bytes");
    /* a segment outside RAM, and one crossing 4 GiB */
    put_phdr(img + 84, 0x1800, 0x200000, 0x4000000, 0x100, 0x100);
    expect_mb_error(img, ELF_SIZE, NULL, "outside guest RAM");
    put_phdr(img + 84, 0x1800, 0x200000, 0xffffff00, 0x100, 0x200);
    expect_mb_error(img, ELF_SIZE, NULL, "past 4 GiB");
    put_phdr(img + 84, 0x1800, 0xa0000, 0xa0000, 0x100, 0x100);
    expect_mb_error(img, ELF_SIZE, NULL, "outside guest RAM");
    /* over the boot information */
    put_phdr(img + 84, 0x1800, 0x10000, 0x10000, 0x100, 0x100);
    expect_mb_error(img, ELF_SIZE, NULL, "boot information");
    put_phdr(img + 84, 0x1800, 0x200000, 0x200000, 0x100, 0x100);
    /* entry outside every segment */
    st32le(img + 24, 0x300000);
    expect_mb_error(img, ELF_SIZE, NULL, "entry point");
    st32le(img + 24, 0xc0100010);
    /* truncated ELF header */
    expect_mb_error(img, 0x30, NULL, "first 8 KiB");
    free(img);
}

static void test_multiboot_bad_aout(void **state)
{
    uint8_t *img = fake_aout(0x200, 0x100400, 0, 0x100080);

    expect_mb_error(img, 0x200, NULL, "beyond the end of the file");
    free(img);
    img = fake_aout(0x200, 0x100100, 0x100080, 0x100080);
    expect_mb_error(img, 0x200, NULL, "bss_end_addr");
    free(img);
    img = fake_aout(0x200, 0, 0, 0x100300);
    expect_mb_error(img, 0x200, NULL, "entry_addr");
    free(img);
    img = fake_aout(0x200, 0, 0, 0x100080);
    st32le(img + 0x50, 0x100041);       /* load_addr above header_addr */
    put_mb_header(img, 0x40, 0x10002);
    expect_mb_error(img, 0x200, NULL, "load_addr");
    st32le(img + 0x50, 0xf0000);        /* header would be before the file */
    expect_mb_error(img, 0x200, NULL, "load_addr");
    free(img);
    img = fake_aout(0x200, 0, 0x8000000, 0x100080);
    expect_mb_error(img, 0x200, NULL, "outside guest RAM");
    free(img);
    img = fake_aout(0x200, 0, 0, 0x100080);
    expect_mb_error(img, 0x50, NULL, "truncated");
    free(img);
}

static void test_multiboot_bad_module(void **state)
{
    uint8_t *img = fake_elf();
    char *big = write_temp("x", 1);

    expect_mb_error(img, ELF_SIZE, "/nonexistent/module arg",
                    "/nonexistent/module");
    expect_mb_error(img, ELF_SIZE, " arg", "empty multiboot module name");
    /* a module that does not fit in RAM */
    assert_int_equal(truncate(big, 63 * MiB), 0);
    expect_mb_error(img, ELF_SIZE, big, "does not fit");
    unlink(big);
    free(big);
    free(img);
}

static void test_multiboot_detect(void **state)
{
    uint8_t *img = calloc(1, 0x4000);

    assert_false(multiboot_detect(img, 0x4000));
    assert_false(multiboot_detect(img, 0));
    /* a bzImage with a stray magic (bad checksum) stays a bzImage */
    memcpy(img + 0x202, "HdrS", 4);
    st32le(img + 0x400, MB_MAGIC);
    assert_false(multiboot_detect(img, 0x4000));
    /* a valid header wins */
    put_mb_header(img, 0x400, 0x10000);
    assert_true(multiboot_detect(img, 0x4000));
    /* not 4-byte aligned: not a header */
    memset(img + 0x400, 0, 12);
    put_mb_header(img, 0x402, 0x10000);
    assert_false(multiboot_detect(img, 0x4000));
    /* without HdrS even a broken header is multiboot (to report it) */
    memset(img + 0x202, 0, 4);
    put_mb_header(img, 0x400, 0x10000);
    st32le(img + 0x408, 1);
    assert_true(multiboot_detect(img, 0x4000));
    free(img);
}

static void test_pc_load_boot_multiboot(void **state)
{
    Machine *m = test_machine(64 * MiB);
    uint8_t *img = fake_elf();
    char *path = write_temp(img, ELF_SIZE);
    char *want = NULL;
    Error err = { "" };

    m->cfg.kernel = path;
    m->cfg.append = "console=ttyS0";
    assert_int_equal(pc_load_boot(m, &err), 0);
    assert_true(m->have_boot_state);
    assert_int_equal(m->boot_state.rip, 0x100010);
    assert_true(asprintf(&want, "%s console=ttyS0", path) > 0);
    assert_string_equal((char *)guest(m, ld32le(guest(m, 0x10010, 4)), 1),
                        want);
    unlink(path);
    free(path);
    free(want);
    free(img);
    test_machine_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_multiboot_elf),
        cmocka_unit_test(test_multiboot_aout),
        cmocka_unit_test(test_multiboot_bad_header),
        cmocka_unit_test(test_multiboot_bad_elf),
        cmocka_unit_test(test_multiboot_bad_aout),
        cmocka_unit_test(test_multiboot_bad_module),
        cmocka_unit_test(test_multiboot_detect),
        cmocka_unit_test(test_pc_load_boot_multiboot),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
