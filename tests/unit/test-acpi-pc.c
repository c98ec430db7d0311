/*
 * Unit tests for the pc machine's delivery of the ACPI and MP tables
 * (the "acpi-tables" device): for a -kernel boot, the E820_ACPI region
 * at 0xe0000 for 2 MiB and 64 MiB of RAM, the RSDP at 0xf0000 and the MP floating pointer
 * in the BIOS area, the tables linked in guest RAM and describing the
 * devices present (COM2 without COM1 here), fw_cfg's etc/acpi/tables,
 * etc/acpi/rsdp and etc/table-loader, the RAM copies restored on reset;
 * with -bios, nothing written to RAM and the fw_cfg files only.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "hw/acpi/acpi-pc.h"
#include "hw/core/devtypes.h"
#include "hw/pc/fw_cfg.h"

#define RAM (64 * MiB)

static Machine *machine_new_ram(const char *kernel, const char *bios,
                               uint64_t ram)
{
    Machine *m = xzalloc(sizeof(*m));
    Error err = { { 0 } };

    pthread_mutex_init(&m->lock, NULL);
    log_init(&m->log);
    timerlist_init(&m->timers);
    clock_pause(&m->timers);
    m->cfg.smp = 2;
    m->cfg.kernel = kernel;
    m->cfg.bios = bios;
    assert_int_equal(machine_init_memory(m, ram, NULL), 0);
    assert_int_equal(chardev_open(&m->serial_chr, "null", &err), 0);
    m->root = device_new(m, &machine_root_type, NULL, "pc");
    m->root->realized = true;
    assert_non_null(device_create(m, "i440FX", m->root, "", &err));
    assert_non_null(device_create(m, "PIIX3", m->root, "addr=1", &err));
    assert_non_null(device_create(m, "isa-serial", m->root,
                                  "iobase=0x2f8,irq=3", &err));
    assert_non_null(device_create(m, "hpet", m->root, "", &err));
    assert_non_null(device_create(m, "piix4-pm", m->root, "addr=1.3", &err));
    acpi_pc_reserve(m);
    assert_non_null(fw_cfg_init(m, &err));
    if (!device_create(m, "acpi-tables", m->root, "", &err)) {
        fail_msg("acpi-tables: %s", err.msg);
    }
    return m;
}

static Machine *machine_new(const char *kernel, const char *bios)
{
    return machine_new_ram(kernel, bios, RAM);
}

static void machine_free(Machine *m)
{
    device_destroy(m->root);
    chardev_close(&m->serial_chr);
    machine_destroy_memory(m);
    free(m);
}

static const void *ram_at(Machine *m, uint64_t addr, uint64_t len)
{
    const void *p = address_space_get_ptr(&m->mem, addr, len);

    assert_non_null(p);
    return p;
}

/* A table in guest RAM: signature and checksum. */
static const uint8_t *guest_table(Machine *m, uint64_t addr, const char *sig)
{
    const uint8_t *t = ram_at(m, addr, 36);

    assert_memory_equal(t, sig, 4);
    t = ram_at(m, addr, ld32le(t + 4));
    assert_int_equal(acpi_checksum(t, ld32le(t + 4)), 0);
    return t;
}

static int fw_cfg_read_file(Machine *m, const char *name, uint8_t *buf,
                            size_t len)
{
    int key = fw_cfg_file_key(m->fw_cfg, name);

    if (key < 0) {
        return -1;
    }
    address_space_st(&m->io, FW_CFG_IO_BASE, (uint64_t)key, 2);
    for (size_t i = 0; i < len; i++) {
        buf[i] = (uint8_t)address_space_ld(&m->io, FW_CFG_IO_BASE + 1, 1);
    }
    return 0;
}

static void test_kernel_boot(void **state)
{
    Machine *m = machine_new("vmlinuz", NULL);
    const uint8_t *rsdp, *rsdt, *fadt, *dsdt, *fp;
    bool reserved = false;
    uint8_t buf[8];

    assert_int_equal(m->acpi_tables_addr, 0xe0000);
    for (int i = 0; i < m->e820.n; i++) {
        const E820Entry *e = &m->e820.entries[i];
        reserved |= e->type == E820_ACPI && e->addr == 0xe0000 &&
                    e->size == 64 * KiB;
        /* the neighbours are untouched */
        assert_false(e->type == E820_RAM && e->addr < 0xf0000 &&
                     e->addr + e->size > 0xe0000);
    }
    assert_true(reserved);
    assert_int_equal(m->acpi_rsdp_addr, 0xf0000);
    rsdp = ram_at(m, m->acpi_rsdp_addr, 36);
    assert_memory_equal(rsdp, "RSD PTR ", 8);
    assert_int_equal(acpi_checksum(rsdp, 20), 0);
    assert_int_equal(acpi_checksum(rsdp, 36), 0);
    rsdt = guest_table(m, ld32le(rsdp + 16), "RSDT");
    assert_true(ld32le(rsdp + 16) >= m->acpi_tables_addr);
    guest_table(m, ld64le(rsdp + 24), "XSDT");
    fadt = guest_table(m, ld32le(rsdt + 36), "FACP");
    guest_table(m, ld32le(rsdt + 40), "APIC");
    guest_table(m, ld32le(rsdt + 44), "HPET");
    dsdt = guest_table(m, ld32le(fadt + 40), "DSDT");
    assert_non_null(memmem(dsdt, ld32le(dsdt + 4), "COM2", 4));
    assert_null(memmem(dsdt, ld32le(dsdt + 4), "COM1", 4));
    /* the MP floating pointer and its table */
    fp = ram_at(m, 0xf0040, 16);
    assert_memory_equal(fp, "_MP_", 4);
    assert_int_equal(acpi_checksum(fp, 16), 0);
    assert_memory_equal(ram_at(m, ld32le(fp + 4), 4), "PCMP", 4);
    /* fw_cfg carries the same blobs, unlinked, and the script */
    assert_int_equal(fw_cfg_read_file(m, "etc/acpi/rsdp", buf, 8), 0);
    assert_memory_equal(buf, "RSD PTR ", 8);
    assert_int_equal(fw_cfg_read_file(m, "etc/acpi/tables", buf, 4), 0);
    assert_memory_equal(buf, "FACS", 4);
    assert_int_equal(fw_cfg_read_file(m, "etc/table-loader", buf, 4), 0);
    assert_int_equal(ld32le(buf), LINKER_CMD_ALLOCATE);
    /* a guest that scribbled on the tables finds them again after reset */
    address_space_fill(&m->mem, 0xf0000, 0, 36);
    address_space_fill(&m->mem, ld32le(fadt + 40), 0, 4);
    device_reset_tree(m->root);
    assert_memory_equal(ram_at(m, 0xf0000, 8), "RSD PTR ", 8);
    guest_table(m, ld32le(fadt + 40), "DSDT");
    machine_free(m);
}

/* The smallest machine gets its tables at the same place. */
static void test_kernel_boot_2m(void **state)
{
    Machine *m = machine_new_ram("vmlinuz", NULL, 2 * MiB);
    const uint8_t *rsdp = ram_at(m, 0xf0000, 36);

    assert_int_equal(m->acpi_tables_addr, 0xe0000);
    assert_memory_equal(rsdp, "RSD PTR ", 8);
    guest_table(m, ld32le(rsdp + 16), "RSDT");
    assert_int_equal(e820_find_ram_top(&m->e820, 2 * MiB, 4 * KiB),
                     2 * MiB - 4 * KiB);
    machine_free(m);
}

static void test_firmware_boot(void **state)
{
    Machine *m = machine_new(NULL, "bios.bin");
    uint8_t buf[8], area[36];

    assert_int_equal(m->acpi_tables_addr, 0);
    assert_int_equal(m->acpi_rsdp_addr, 0);
    for (int i = 0; i < m->e820.n; i++) {
        assert_int_not_equal(m->e820.entries[i].type, E820_ACPI);
    }
    /* (the PAM registers give that area to the firmware image) */
    address_space_read(&m->mem, 0xf0000, area, sizeof(area));
    assert_memory_not_equal(area, "RSD PTR ", 8);
    assert_int_equal(fw_cfg_read_file(m, "etc/acpi/rsdp", buf, 8), 0);
    assert_memory_equal(buf, "RSD PTR ", 8);
    assert_int_equal(fw_cfg_read_file(m, "etc/table-loader", buf, 4), 0);
    machine_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kernel_boot),
        cmocka_unit_test(test_kernel_boot_2m),
        cmocka_unit_test(test_firmware_boot),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
