/* Unit tests for the e820 table: insertion, carving, limits, default map. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test-machine.h"
#include <stdlib.h>
#include <string.h>

#include "hw/pc/pc.h"


static void check_entry(const E820Table *t, int i, uint64_t addr,
                        uint64_t size, uint32_t type)
{
    assert_true(i < t->n);
    assert_int_equal(t->entries[i].addr, addr);
    assert_int_equal(t->entries[i].size, size);
    assert_int_equal(t->entries[i].type, type);
}

static void test_default_map_64m(void **state)
{
    Machine *m = test_machine(64 * MiB);
    const E820Table *t = &m->e820;

    assert_int_equal(t->n, 6);
    check_entry(t, 0, 0, 0x9fc00, E820_RAM);
    check_entry(t, 1, 0x9fc00, 0x400, E820_RESERVED);
    check_entry(t, 2, 0xf0000, 0x10000, E820_RESERVED);
    check_entry(t, 3, 0x100000, 64 * MiB - 0x100000, E820_RAM);
    check_entry(t, 4, 0xfeffc000, 0x4000, E820_RESERVED);
    check_entry(t, 5, 0xfffc0000, 0x40000, E820_RESERVED);
    test_machine_free(m);
}

static void test_default_map_above_4g(void **state)
{
    Machine *m = test_machine(4 * GiB);
    const E820Table *t = &m->e820;

    assert_int_equal(t->n, 7);
    check_entry(t, 3, 0x100000, PC_LOWMEM_LIMIT - 0x100000, E820_RAM);
    check_entry(t, 4, 0xfeffc000, 0x4000, E820_RESERVED);
    check_entry(t, 5, 0xfffc0000, 0x40000, E820_RESERVED);
    check_entry(t, 6, 4 * GiB, 4 * GiB - PC_LOWMEM_LIMIT, E820_RAM);
    test_machine_free(m);
}

static void test_add_sorted(void **state)
{
    E820Table t;

    e820_init(&t);
    assert_int_equal(e820_add(&t, 0x5000, 0x1000, E820_RAM), 0);
    assert_int_equal(e820_add(&t, 0x1000, 0x1000, E820_NVS), 0);
    assert_int_equal(e820_add(&t, 0x9000, 0x1000, E820_ACPI), 0);
    assert_int_equal(e820_add(&t, 0x3000, 0x1000, E820_RESERVED), 0);
    assert_int_equal(t.n, 4);
    check_entry(&t, 0, 0x1000, 0x1000, E820_NVS);
    check_entry(&t, 1, 0x3000, 0x1000, E820_RESERVED);
    check_entry(&t, 2, 0x5000, 0x1000, E820_RAM);
    check_entry(&t, 3, 0x9000, 0x1000, E820_ACPI);
}

static void test_add_carves_older_entries(void **state)
{
    E820Table t;

    e820_init(&t);
    assert_int_equal(e820_add(&t, 0, 0x100000, E820_RAM), 0);
    /* a hole in the middle splits the RAM entry in two */
    assert_int_equal(e820_add(&t, 0x40000, 0x1000, E820_RESERVED), 0);
    assert_int_equal(t.n, 3);
    check_entry(&t, 0, 0, 0x40000, E820_RAM);
    check_entry(&t, 1, 0x40000, 0x1000, E820_RESERVED);
    check_entry(&t, 2, 0x41000, 0x100000 - 0x41000, E820_RAM);
    /* one range across two entries trims both */
    assert_int_equal(e820_add(&t, 0x3f000, 0x3000, E820_ACPI), 0);
    assert_int_equal(t.n, 3);
    check_entry(&t, 0, 0, 0x3f000, E820_RAM);
    check_entry(&t, 1, 0x3f000, 0x3000, E820_ACPI);
    check_entry(&t, 2, 0x42000, 0x100000 - 0x42000, E820_RAM);
    /* covering everything leaves one entry */
    assert_int_equal(e820_add(&t, 0, 0x200000, E820_RESERVED), 0);
    assert_int_equal(t.n, 1);
    check_entry(&t, 0, 0, 0x200000, E820_RESERVED);
}

static void test_add_rejects(void **state)
{
    E820Table t, copy;

    e820_init(&t);
    assert_int_equal(e820_add(&t, 0x1000, 0, E820_RAM), -1);
    assert_int_equal(e820_add(&t, UINT64_MAX - 0xfff, 0x2000, E820_RAM), -1);
    assert_int_equal(t.n, 0);
    for (int i = 0; i < E820_MAX; i++) {
        assert_int_equal(e820_add(&t, (uint64_t)i * 0x2000, 0x1000,
                                  E820_RAM), 0);
    }
    assert_int_equal(t.n, E820_MAX);
    copy = t;
    assert_int_equal(e820_add(&t, 0x100000, 0x1000, E820_RAM), -1);
    /* splitting an entry needs room too; the table is left as it was */
    assert_int_equal(e820_add(&t, 0x1000 - 0x800, 0x100, E820_RESERVED), -1);
    assert_memory_equal(&t, &copy, sizeof(t));
    /* replacing an entry exactly needs no new slot */
    assert_int_equal(e820_add(&t, 0x2000, 0x1000, E820_RESERVED), 0);
    check_entry(&t, 1, 0x2000, 0x1000, E820_RESERVED);
}

static void test_find_ram_top(void **state)
{
    Machine *m = test_machine(64 * MiB);

    assert_int_equal(e820_find_ram_top(&m->e820, 4 * GiB, 0x1000),
                     64 * MiB - 0x1000);
    assert_int_equal(e820_find_ram_top(&m->e820, 4 * GiB, 0x1800),
                     64 * MiB - 0x2000);
    assert_int_equal(e820_find_ram_top(&m->e820, 32 * MiB + 0x800, 0x1000),
                     32 * MiB - 0x1000);
    /* below 1 MiB only the low RAM entry is left */
    assert_int_equal(e820_find_ram_top(&m->e820, 0x100000, 0x1000),
                     0x9e000);
    assert_int_equal(e820_find_ram_top(&m->e820, 4 * GiB, 64 * MiB), 0);
    assert_int_equal(e820_find_ram_top(&m->e820, 4 * GiB,
                                       64 * MiB - 0x100000), 0x100000);
    test_machine_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_map_64m),
        cmocka_unit_test(test_default_map_above_4g),
        cmocka_unit_test(test_add_sorted),
        cmocka_unit_test(test_add_carves_older_entries),
        cmocka_unit_test(test_add_rejects),
        cmocka_unit_test(test_find_ram_top),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
