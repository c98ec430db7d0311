/*
 * Unit tests for the Linux bzImage loader and the boot dispatch: fake
 * bzImages built here, checked byte by byte in guest memory and in the
 * CPU state; malformed images must fail cleanly and write nothing.
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

#include "hw/pc/fw_cfg.h"
#include "hw/pc/loader.h"

#define PAYLOAD_SIZE 0x3000


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

typedef struct FakeKernel {
    uint8_t *img;
    size_t size;
} FakeKernel;

/* A bzImage: setup_sects sectors of setup, then PAYLOAD_SIZE bytes. */
static FakeKernel fake_bzimage(unsigned setup_sects, uint16_t version,
                               bool kernel64)
{
    unsigned sects = setup_sects ? setup_sects : 4;
    FakeKernel k;
    uint8_t *h;

    k.size = (sects + 1) * 512 + PAYLOAD_SIZE;
    k.img = calloc(1, k.size);
    h = k.img;
    h[0x1f1] = setup_sects;
    st16le(h + 0x1fe, 0xaa55);
    h[0x200] = 0xeb;
    h[0x201] = 0x6a;                      /* header ends at 0x26c */
    memcpy(h + 0x202, "HdrS", 4);
    st16le(h + 0x206, version);
    h[0x211] = 0x01;                      /* LOADED_HIGH */
    st32le(h + 0x214, 0x100000);
    st32le(h + 0x22c, 0x7fffffff);
    st32le(h + 0x230, 0x200000);
    h[0x234] = 1;
    st16le(h + 0x236, kernel64 ? 0x3 : 0);
    st32le(h + 0x238, 2047);
    st64le(h + 0x258, 0x1000000);
    st32le(h + 0x260, 0x400000);
    for (size_t i = (sects + 1) * 512; i < k.size; i++) {
        h[i] = (uint8_t)(i * 7 + 3);
    }
    return k;
}

static void test_linux_64bit_entry(void **state)
{
    Machine *m = test_machine(64 * MiB);
    FakeKernel k = fake_bzimage(4, 0x020f, true);
    size_t isize = 0x2345;
    uint8_t *initrd = malloc(isize);
    X86CPUState cpu;
    Error err = { "" };
    uint64_t iaddr = ALIGN_DOWN(64 * MiB - isize, 4096);
    const uint8_t *bp, *e;

    memset(initrd, 0x5a, isize);
    assert_int_equal(linux_load(m, k.img, k.size, initrd, isize,
                                "console=ttyS0", &cpu, &err), 0);
    /* kernel at pref_address */
    assert_memory_equal(guest(m, 0x1000000, PAYLOAD_SIZE), k.img + 5 * 512,
                        PAYLOAD_SIZE);
    /* boot_params */
    bp = guest(m, 0x10000, 4096);
    assert_memory_equal(bp + 0x1f1, k.img + 0x1f1, 0x210 - 0x1f1);
    assert_int_equal(bp[0x210], 0xff);
    assert_int_equal(bp[0x211], 0x81);
    assert_int_equal(ld16le(bp + 0x224), 0xfe00);
    assert_int_equal(ld32le(bp + 0x228), 0x20000);
    assert_int_equal(ld32le(bp + 0x214), 0x1000000);
    assert_int_equal(ld32le(bp + 0x218), iaddr);
    assert_int_equal(ld32le(bp + 0x21c), isize);
    assert_int_equal(ld32le(bp + 0x0c0), 0);
    assert_int_equal(ld32le(bp + 0x0c4), 0);
    assert_memory_equal(bp + 0x22c, k.img + 0x22c, 0x26c - 0x22c);
    assert_int_equal(bp[0x1e8], m->e820.n);
    e = bp + 0x2d0 + 3 * 20;
    assert_int_equal(ld64le(e), 0x100000);
    assert_int_equal(ld64le(e + 8), 63 * MiB);
    assert_int_equal(ld32le(e + 16), E820_RAM);
    assert_string_equal((char *)guest(m, 0x20000, 14), "console=ttyS0");
    assert_memory_equal(guest(m, iaddr, isize), initrd, isize);
    /* GDT and identity page tables */
    assert_int_equal(ld64le(guest(m, 0x1010, 8)), 0x00af9b000000ffffull);
    assert_int_equal(ld64le(guest(m, 0x1018, 8)), 0x00cf93000000ffffull);
    assert_int_equal(ld64le(guest(m, 0x2000, 8)), 0x3003);
    assert_int_equal(ld64le(guest(m, 0x3000 + 3 * 8, 8)), 0x7003);
    assert_int_equal(ld64le(guest(m, 0x4000 + 8 * 513, 8)),
                     (1ull << 30) + (2ull << 20) + 0x83);
    assert_int_equal(ld64le(guest(m, 0x7ff8, 8)), 0xffe00083ull);
    /* CPU: long mode at the 64-bit entry */
    assert_int_equal(cpu.rip, 0x1000200);
    assert_int_equal(cpu.regs[R_ESI], 0x10000);
    assert_int_equal(cpu.cr0, CR0_PE | CR0_PG | CR0_ET);
    assert_int_equal(cpu.cr3, 0x2000);
    assert_int_equal(cpu.cr4, CR4_PAE);
    assert_int_equal(cpu.efer, EFER_LME | EFER_LMA);
    assert_int_equal(cpu.segs[R_CS].selector, 0x10);
    assert_true(cpu.segs[R_CS].flags & SEG_L);
    assert_false(cpu.segs[R_CS].flags & SEG_DB);
    assert_int_equal(cpu.segs[R_DS].selector, 0x18);
    assert_int_equal(cpu.segs[R_SS].selector, 0x18);
    assert_int_equal(cpu.segs[R_SS].limit, 0xffffffff);
    assert_int_equal(cpu.gdt.base, 0x1000);
    assert_int_equal(cpu.gdt.limit, 31);
    assert_false(cpu.rflags & RF_IF);
    free(initrd);
    free(k.img);
    test_machine_free(m);
}

static void test_linux_32bit_entry(void **state)
{
    Machine *m = test_machine(64 * MiB);
    FakeKernel k = fake_bzimage(0, 0x0206, false);  /* 0 means 4 */
    size_t isize = 0x1000;
    uint8_t *initrd = calloc(1, isize);
    X86CPUState cpu;
    Error err = { "" };
    const uint8_t *bp;

    st32le(k.img + 0x22c, 32 * MiB - 1);
    assert_int_equal(linux_load(m, k.img, k.size, initrd, isize, NULL, &cpu,
                                &err), 0);
    /* 2.06 has no pref_address: loaded at 1 MiB */
    assert_memory_equal(guest(m, 0x100000, PAYLOAD_SIZE), k.img + 5 * 512,
                        PAYLOAD_SIZE);
    bp = guest(m, 0x10000, 4096);
    assert_int_equal(ld32le(bp + 0x218), 32 * MiB - 0x1000);
    assert_int_equal(bp[0x1f1], 0);
    assert_string_equal((char *)guest(m, 0x20000, 1), "");
    assert_int_equal(cpu.rip, 0x100000);
    assert_int_equal(cpu.regs[R_ESI], 0x10000);
    assert_int_equal(cpu.regs[R_EBX], 0);
    assert_int_equal(cpu.regs[R_EBP], 0);
    assert_int_equal(cpu.regs[R_EDI], 0);
    assert_int_equal(cpu.cr0, CR0_PE | CR0_ET);
    assert_int_equal(cpu.efer, 0);
    assert_true(cpu.segs[R_CS].flags & SEG_DB);
    assert_false(cpu.segs[R_CS].flags & SEG_L);
    assert_int_equal(ld64le(guest(m, 0x1010, 8)), 0x00cf9b000000ffffull);
    /* no page tables written */
    assert_int_equal(ld64le(guest(m, 0x2000, 8)), 0);
    free(initrd);
    free(k.img);
    test_machine_free(m);
}

static void test_linux_pref_address_too_high(void **state)
{
    Machine *m = test_machine(16 * MiB);
    FakeKernel k = fake_bzimage(4, 0x020f, true);
    X86CPUState cpu;
    Error err = { "" };

    assert_int_equal(linux_load(m, k.img, k.size, NULL, 0, "", &cpu, &err),
                     0);
    assert_int_equal(cpu.rip, 0x100200);
    assert_memory_equal(guest(m, 0x100000, PAYLOAD_SIZE), k.img + 5 * 512,
                        PAYLOAD_SIZE);
    assert_int_equal(ld32le(guest(m, 0x10214, 4)), 0x100000);
    free(k.img);
    test_machine_free(m);
}

/* Loads and expects failure with a message containing want, RAM unchanged. */
static void expect_linux_error(const FakeKernel *k, size_t size,
                               const uint8_t *initrd, size_t isize,
                               const char *cmdline, const char *want)
{
    Machine *m = test_machine(64 * MiB);
    X86CPUState cpu;
    Error err = { "" };

    assert_int_equal(linux_load(m, k->img, size, initrd, isize, cmdline,
                                &cpu, &err), -1);
    if (!strstr(err.msg, want)) {
        fail_msg("error '%s' does not mention '%s'", err.msg, want);
    }
    assert_true(ram_is_zero(m));
    test_machine_free(m);
}

static void test_linux_truncated(void **state)
{
    FakeKernel k = fake_bzimage(4, 0x020f, true);

    expect_linux_error(&k, 0x100, NULL, 0, "", "truncated");
    expect_linux_error(&k, 0, NULL, 0, "", "truncated");
    /* the setup sectors eat the whole file */
    expect_linux_error(&k, 5 * 512, NULL, 0, "", "truncated");
    k.img[0x1f1] = 60;
    expect_linux_error(&k, k.size, NULL, 0, "", "60 setup sectors");
    free(k.img);
}

static void test_linux_bad_magic(void **state)
{
    FakeKernel k = fake_bzimage(4, 0x020f, true);

    memcpy(k.img + 0x202, "HdrX", 4);
    expect_linux_error(&k, k.size, NULL, 0, "", "HdrS");
    free(k.img);
}

static void test_linux_old_protocol(void **state)
{
    FakeKernel k = fake_bzimage(4, 0x0201, false);

    expect_linux_error(&k, k.size, NULL, 0, "", "2.01 is too old");
    free(k.img);
}

/* Checks a real-mode entry: setup code at 0x10000, CPU at 0x1020:0000. */
static void expect_realmode_entry(FakeKernel *k)
{
    Machine *m = test_machine(64 * MiB);
    X86CPUState cpu;
    Error err = { "" };
    const uint8_t *setup;

    assert_int_equal(linux_load(m, k->img, k->size, NULL, 0, "rm", &cpu,
                                &err), 0);
    setup = guest(m, 0x10000, 5 * 512);
    assert_memory_equal(setup, k->img, 0x1f1);       /* boot sector */
    assert_memory_equal(setup + 0x26c, k->img + 0x26c, 5 * 512 - 0x26c);
    assert_int_equal(ld32le(setup + 0x228), 0x20000); /* cmd_line_ptr */
    assert_int_equal(setup[0x210], 0xff);
    assert_int_equal(ld16le(setup + 0x224), 0xfe00 - 0x200);
    assert_string_equal((char *)guest(m, 0x20000, 3), "rm");
    assert_memory_equal(guest(m, 0x100000, PAYLOAD_SIZE), k->img + 5 * 512,
                        PAYLOAD_SIZE);
    assert_false(cpu.cr0 & CR0_PE);
    assert_int_equal(cpu.segs[R_CS].selector, 0x1020);
    assert_int_equal(cpu.segs[R_CS].base, 0x10200);
    assert_int_equal(cpu.rip, 0);
    for (int r = 0; r < 6; r++) {
        if (r != R_CS) {
            assert_int_equal(cpu.segs[r].selector, 0x1000);
            assert_int_equal(cpu.segs[r].base, 0x10000);
        }
    }
    assert_int_equal(cpu.regs[R_ESP], 0xfe00);
    /* every vector returns at once: an IRET where the IVT points */
    const uint8_t *ivt = guest(m, 0, 1024);
    uint32_t target = ld16le(ivt + 0x15 * 4 + 2) * 16u + ld16le(ivt + 0x15 * 4);
    assert_int_equal(*guest(m, target, 1), 0xcf);
    test_machine_free(m);
}

/* bzimage-realmode-entry: protocols 2.02-2.05 define only this entry. */
static void test_linux_realmode_old_protocol(void **state)
{
    FakeKernel k = fake_bzimage(4, 0x0204, false);

    expect_realmode_entry(&k);
    free(k.img);
}

/* bzimage-realmode-entry: code32_start 0 (ipxe.lkrn) is no 32-bit entry. */
static void test_linux_realmode_code32_zero(void **state)
{
    FakeKernel k = fake_bzimage(4, 0x0207, false);

    st32le(k.img + 0x214, 0);
    expect_realmode_entry(&k);
    free(k.img);
}

static void test_linux_zimage(void **state)
{
    FakeKernel k = fake_bzimage(4, 0x020f, false);

    k.img[0x211] = 0;
    expect_linux_error(&k, k.size, NULL, 0, "", "zImage");
    free(k.img);
}

static void test_linux_kernel_larger_than_ram(void **state)
{
    FakeKernel k = fake_bzimage(4, 0x020f, true);

    st32le(k.img + 0x260, 64 * MiB);
    expect_linux_error(&k, k.size, NULL, 0, "", "needs 65536 KiB");
    free(k.img);
}

static void test_linux_initrd_larger_than_ram(void **state)
{
    FakeKernel k = fake_bzimage(4, 0x020f, true);
    size_t isize = 62 * MiB;
    uint8_t *initrd = calloc(1, isize);

    expect_linux_error(&k, k.size, initrd, isize, "", "initrd");
    /* fits in RAM but not under initrd_addr_max */
    st32le(k.img + 0x22c, 4 * MiB - 1);
    expect_linux_error(&k, k.size, initrd, 0x10000, "", "initrd");
    free(initrd);
    free(k.img);
}

static void test_linux_initrd_moves_kernel_down(void **state)
{
    Machine *m = test_machine(64 * MiB);
    FakeKernel k = fake_bzimage(4, 0x020f, true);
    size_t isize = 46 * MiB;
    uint8_t *initrd = calloc(1, isize);
    X86CPUState cpu;
    Error err = { "" };

    /* at 16 MiB the kernel would leave no room for 46 MiB of initrd */
    assert_int_equal(linux_load(m, k.img, k.size, initrd, isize, "", &cpu,
                                &err), 0);
    assert_int_equal(cpu.rip, 0x100200);
    assert_int_equal(ld32le(guest(m, 0x10218, 4)), 18 * MiB);
    free(initrd);
    free(k.img);
    test_machine_free(m);
}

static void test_linux_cmdline_too_long(void **state)
{
    FakeKernel k = fake_bzimage(4, 0x020f, true);
    Machine *m = test_machine(64 * MiB);
    X86CPUState cpu;
    Error err = { "" };

    st32le(k.img + 0x238, 16);
    expect_linux_error(&k, k.size, NULL, 0, "0123456789abcdefg",
                       "17 bytes");
    assert_int_equal(linux_load(m, k.img, k.size, NULL, 0,
                                "0123456789abcdef", &cpu, &err), 0);
    assert_string_equal((char *)guest(m, 0x20000, 17), "0123456789abcdef");
    test_machine_free(m);
    free(k.img);
}

static char *write_temp(const void *data, size_t len)
{
    char *path = strdup("/tmp/kite-test-linux-XXXXXX");
    int fd = mkstemp(path);

    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    close(fd);
    return path;
}

static void test_pc_load_boot(void **state)
{
    Machine *m = test_machine(64 * MiB);
    FakeKernel k = fake_bzimage(4, 0x020f, true);
    char *kpath = write_temp(k.img, k.size);
    char *ipath = write_temp("INITRD", 6);
    Error err = { "" };

    assert_int_equal(pc_load_boot(m, &err), -1);
    assert_string_equal(err.msg, "nothing to boot: give -kernel or -bios");
    assert_false(m->have_boot_state);

    m->cfg.kernel = "/nonexistent/kernel";
    assert_int_equal(pc_load_boot(m, &err), -1);
    assert_non_null(strstr(err.msg, "/nonexistent/kernel"));

    m->cfg.kernel = kpath;
    m->cfg.initrd = ipath;
    m->cfg.append = "quiet";
    assert_int_equal(pc_load_boot(m, &err), 0);
    assert_true(m->have_boot_state);
    assert_int_equal(m->boot_state.rip, 0x1000200);
    assert_string_equal((char *)guest(m, 0x20000, 6), "quiet");
    assert_memory_equal(guest(m, 64 * MiB - 4096, 6), "INITRD", 6);

    /* a bad kernel names the file */
    k.img[0x206] = 0;
    unlink(kpath);
    free(kpath);
    kpath = write_temp(k.img, k.size);
    m->cfg.kernel = kpath;
    assert_int_equal(pc_load_boot(m, &err), -1);
    assert_non_null(strstr(err.msg, kpath));
    assert_non_null(strstr(err.msg, "too old"));
    assert_false(m->have_boot_state);

    unlink(kpath);
    unlink(ipath);
    free(kpath);
    free(ipath);
    free(k.img);
    test_machine_free(m);
}

static uint32_t fw_cfg_read32(Machine *m, uint16_t key)
{
    uint8_t b[4];

    address_space_st(&m->io, FW_CFG_IO_BASE, key, 2);
    for (int i = 0; i < 4; i++) {
        b[i] = (uint8_t)address_space_ld(&m->io, FW_CFG_IO_BASE + 1, 1);
    }
    return ld32le(b);
}

static void test_pc_load_boot_fw_cfg(void **state)
{
    Machine *m = test_machine(64 * MiB);
    FakeKernel k = fake_bzimage(4, 0x020f, true);
    char *kpath = write_temp(k.img, k.size);
    char *ipath = write_temp("INITRD", 6);
    char cmd[8] = "";
    Error err = { "" };
    FwCfgState *fw = fw_cfg_init(m, &err);

    assert_non_null(fw);
    m->cfg.kernel = kpath;
    m->cfg.initrd = ipath;
    m->cfg.append = "root=x";
    assert_int_equal(pc_load_boot(m, &err), 0);
    assert_int_equal(fw_cfg_read32(m, FW_CFG_SETUP_SIZE), 5 * 512);
    assert_int_equal(fw_cfg_read32(m, FW_CFG_KERNEL_SIZE), PAYLOAD_SIZE);
    assert_int_equal(fw_cfg_read32(m, FW_CFG_INITRD_SIZE), 6);
    assert_int_equal(fw_cfg_read32(m, FW_CFG_CMDLINE_SIZE), 7);
    address_space_st(&m->io, FW_CFG_IO_BASE, FW_CFG_CMDLINE_DATA, 2);
    for (int i = 0; i < 7; i++) {
        cmd[i] = (char)address_space_ld(&m->io, FW_CFG_IO_BASE + 1, 1);
    }
    assert_string_equal(cmd, "root=x");
    device_destroy(fw_cfg_device(fw));
    unlink(kpath);
    unlink(ipath);
    free(kpath);
    free(ipath);
    free(k.img);
    test_machine_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_linux_64bit_entry),
        cmocka_unit_test(test_linux_32bit_entry),
        cmocka_unit_test(test_linux_pref_address_too_high),
        cmocka_unit_test(test_linux_truncated),
        cmocka_unit_test(test_linux_bad_magic),
        cmocka_unit_test(test_linux_old_protocol),
        cmocka_unit_test(test_linux_realmode_old_protocol),
        cmocka_unit_test(test_linux_realmode_code32_zero),
        cmocka_unit_test(test_linux_zimage),
        cmocka_unit_test(test_linux_kernel_larger_than_ram),
        cmocka_unit_test(test_linux_initrd_larger_than_ram),
        cmocka_unit_test(test_linux_initrd_moves_kernel_down),
        cmocka_unit_test(test_linux_cmdline_too_long),
        cmocka_unit_test(test_pc_load_boot),
        cmocka_unit_test(test_pc_load_boot_fw_cfg),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
