/*
 * Unit tests for -bios: the raw image as ROM at the top of 4 GiB and its
 * last 128 KiB below 1 MiB, the reset state, and images of bad size.
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


static bool ram_is_zero(const Machine *m)
{
    for (uint64_t i = 0; i < m->ram_size; i++) {
        if (m->ram.host[i]) {
            return false;
        }
    }
    return true;
}

/* Whether [addr, addr+len) is RAM a DMA mapping for writing covers. */
static bool ram_writable(Machine *m, uint64_t addr, uint64_t len)
{
    uint64_t n = len;
    bool ok = address_space_map(&m->mem, addr, &n, true) && n == len;

    address_space_unmap(&m->mem, addr, 0, true);
    return ok;
}

static uint8_t *fake_bios(size_t size, uint8_t seed)
{
    uint8_t *img = malloc(size);

    for (size_t i = 0; i < size; i++) {
        img[i] = (uint8_t)(i / 4096 + i * 3 + seed);
    }
    return img;
}

static void read_guest(Machine *m, uint64_t addr, void *buf, size_t len)
{
    assert_int_equal(address_space_read(&m->mem, addr, buf, len), 0);
}

static void test_bios_64k(void **state)
{
    Machine *m = test_machine(64 * MiB);
    size_t size = 64 * KiB;
    uint8_t *img = fake_bios(size, 1);
    uint8_t *buf = malloc(size);
    X86CPUState cpu;
    Error err = { "" };

    assert_int_equal(bios_load(m, img, size, &cpu, &err), 0);
    read_guest(m, 4 * GiB - size, buf, size);
    assert_memory_equal(buf, img, size);
    /* the whole (small) image also shows at 0xf0000-0xfffff */
    read_guest(m, 0xf0000, buf, size);
    assert_memory_equal(buf, img, size);
    /* below it, RAM is still RAM */
    assert_true(ram_writable(m, 0xe0000, 0x10000));
    assert_false(ram_writable(m, 0xf0000, 1));
    /* ROM ignores writes */
    address_space_write(&m->mem, 0xfffffff0, "XXXX", 4);
    address_space_write(&m->mem, 0xffff0, "XXXX", 4);
    read_guest(m, 0xfffffff0, buf, 16);
    assert_memory_equal(buf, img + size - 16, 16);
    read_guest(m, 0xffff0, buf, 16);
    assert_memory_equal(buf, img + size - 16, 16);
    /* reset state: F000:FFF0 */
    assert_int_equal(cpu.rip, 0xfff0);
    assert_int_equal(cpu.segs[R_CS].selector, 0xf000);
    assert_int_equal(cpu.segs[R_CS].base, 0xffff0000);
    assert_false(cpu.cr0 & CR0_PE);
    assert_true(ram_is_zero(m));
    free(buf);
    free(img);
    test_machine_free(m);
}

static void test_bios_256k_and_reload(void **state)
{
    Machine *m = test_machine(64 * MiB);
    size_t size = 256 * KiB;
    uint8_t *img = fake_bios(size, 2), *img2 = fake_bios(size, 9);
    uint8_t *small = fake_bios(128 * KiB, 5);
    uint8_t *buf = malloc(size);
    X86CPUState cpu;
    Error err = { "" };

    assert_int_equal(bios_load(m, img, size, &cpu, &err), 0);
    read_guest(m, 4 * GiB - size, buf, size);
    assert_memory_equal(buf, img, size);
    /* only the last 128 KiB at 0xe0000 */
    read_guest(m, 0xe0000, buf, 128 * KiB);
    assert_memory_equal(buf, img + size - 128 * KiB, 128 * KiB);
    assert_true(ram_writable(m, 0xd0000, 0x10000));

    /* loading again (reset) replaces the contents */
    assert_int_equal(bios_load(m, img2, size, &cpu, &err), 0);
    read_guest(m, 4 * GiB - size, buf, size);
    assert_memory_equal(buf, img2, size);

    /* a smaller image: the old mapping is gone */
    assert_int_equal(bios_load(m, small, 128 * KiB, &cpu, &err), 0);
    read_guest(m, 4 * GiB - 128 * KiB, buf, 128 * KiB);
    assert_memory_equal(buf, small, 128 * KiB);
    assert_null(address_space_lookup(&m->mem, 4 * GiB - size));
    assert_int_equal(address_space_read(&m->mem, 4 * GiB - size, buf, 4), -1);
    free(buf);
    free(small);
    free(img2);
    free(img);
    test_machine_free(m);
}

static void test_bios_bad_size(void **state)
{
    static const size_t sizes[] = {
        0, 1000, 64 * KiB + 1, 64 * KiB - 512, 32 * MiB, 16 * MiB + 64 * KiB,
    };
    uint8_t *img = fake_bios(32 * MiB, 3);

    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        Machine *m = test_machine(64 * MiB);
        X86CPUState cpu;
        Error err = { "" };
        uint8_t buf[4];

        assert_int_equal(bios_load(m, img, sizes[i], &cpu, &err), -1);
        assert_non_null(strstr(err.msg, "multiple of 64 KiB"));
        assert_null(address_space_lookup(&m->mem, 0xfffffff0));
        assert_int_equal(address_space_read(&m->mem, 0xfffffff0, buf, 4), -1);
        assert_null(m->bios.host);
        assert_true(ram_is_zero(m));
        test_machine_free(m);
    }
    free(img);
}

static void test_bios_max_size(void **state)
{
    Machine *m = test_machine(64 * MiB);
    uint8_t *img = fake_bios(16 * MiB, 4);
    uint8_t buf[16];
    X86CPUState cpu;
    Error err = { "" };

    assert_int_equal(bios_load(m, img, 16 * MiB, &cpu, &err), 0);
    read_guest(m, 0xff000000, buf, 16);
    assert_memory_equal(buf, img, 16);
    free(img);
    test_machine_free(m);
}

static char *write_temp(const void *data, size_t len)
{
    char *path = strdup("/tmp/kite-test-bios-XXXXXX");
    int fd = mkstemp(path);

    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    close(fd);
    return path;
}

static void test_pc_load_boot_bios(void **state)
{
    Machine *m = test_machine(64 * MiB);
    uint8_t *img = fake_bios(64 * KiB, 7);
    char *good = write_temp(img, 64 * KiB);
    char *bad = write_temp(img, 1000);
    Error err = { "" };

    m->cfg.bios = bad;
    assert_int_equal(pc_load_boot(m, &err), -1);
    assert_non_null(strstr(err.msg, bad));
    assert_non_null(strstr(err.msg, "multiple of 64 KiB"));
    assert_false(m->have_boot_state);

    m->cfg.bios = "/nonexistent/bios.bin";
    assert_int_equal(pc_load_boot(m, &err), -1);
    assert_non_null(strstr(err.msg, "/nonexistent/bios.bin"));

    /* -bios wins over -kernel (which firmware would read from fw_cfg) */
    m->cfg.bios = good;
    m->cfg.kernel = "/nonexistent/kernel";
    assert_int_equal(pc_load_boot(m, &err), 0);
    assert_true(m->have_boot_state);
    assert_int_equal(m->boot_state.rip, 0xfff0);
    assert_int_equal(m->boot_state.segs[R_CS].base, 0xffff0000);

    unlink(good);
    unlink(bad);
    free(good);
    free(bad);
    free(img);
    test_machine_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bios_64k),
        cmocka_unit_test(test_bios_256k_and_reload),
        cmocka_unit_test(test_bios_bad_size),
        cmocka_unit_test(test_bios_max_size),
        cmocka_unit_test(test_pc_load_boot_bios),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
