/* Unit tests for the memory API: flattening, priorities, dispatch. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "hw/core/memory.h"

typedef struct FakeDev {
    uint64_t last_off, last_val;
    unsigned last_size, reads, writes;
} FakeDev;

static uint64_t fake_read(void *opaque, uint64_t off, unsigned size)
{
    FakeDev *d = opaque;
    d->reads++;
    d->last_off = off;
    d->last_size = size;
    return 0x1122334455667788ull >> (64 - 8 * size);
}

static void fake_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    FakeDev *d = opaque;
    d->writes++;
    d->last_off = off;
    d->last_val = val;
    d->last_size = size;
}

static const MemoryRegionOps fake_ops = {
    .read = fake_read, .write = fake_write, .min_access = 1, .max_access = 4,
};

static void test_ram_and_unmapped(void **state)
{
    AddressSpace as;
    MemoryRegion ram;
    uint8_t buf[8];

    address_space_init(&as, "test", 1ull << 32);
    memory_region_init_ram(&ram, "ram", 0x10000);
    assert_int_equal(address_space_map_region(&as, 0x1000, &ram, 0, 0x10000, 0), 0);
    assert_int_equal(address_space_write(&as, 0x1000, "abcd", 4), 0);
    assert_memory_equal(ram.host, "abcd", 4);
    /* straddles the end of RAM: the unmapped part reads as 0xff */
    memcpy(ram.host + 0xfffe, "xy", 2);
    assert_int_equal(address_space_read(&as, 0x10ffe, buf, 4), -1);
    assert_memory_equal(buf, "xy\xff\xff", 4);
    /* out of the space entirely */
    assert_int_equal(address_space_map_region(&as, 0xfffff000, &ram, 0, 0x2000, 0), -1);
    assert_int_equal(address_space_map_region(&as, 0, &ram, 0xf000, 0x2000, 0), -1);
    assert_null(address_space_get_ptr(&as, 0x10ffe, 4, false));
    assert_non_null(address_space_get_ptr(&as, 0x1000, 0x10000, true));
    memory_region_destroy(&ram);
    address_space_destroy(&as);
}

static void test_priority_overlay(void **state)
{
    AddressSpace as;
    MemoryRegion ram, rom;
    const FlatRange *fr;

    address_space_init(&as, "test", 1ull << 32);
    memory_region_init_ram(&ram, "ram", 0x100000);
    memory_region_init_rom(&rom, "rom", 0x20000);
    address_space_map_region(&as, 0, &ram, 0, 0x100000, 0);
    address_space_map_region(&as, 0xe0000, &rom, 0, 0x20000, 1);
    assert_int_equal(as.nflat, 2);
    fr = address_space_lookup(&as, 0xe0000);
    assert_ptr_equal(fr->mr, &rom);
    /* writes to ROM are dropped */
    address_space_st(&as, 0xe0000, 0x42, 1);
    assert_int_equal(rom.host[0], 0xff);
    assert_int_equal(address_space_write_rom(&as, 0xe0000, "\x42", 1), 0);
    assert_int_equal(address_space_ld(&as, 0xe0000, 1), 0x42);
    address_space_unmap_region(&as, &rom);
    assert_int_equal(as.nflat, 1);
    fr = address_space_lookup(&as, 0xe0000);
    assert_ptr_equal(fr->mr, &ram);
    memory_region_destroy(&ram);
    memory_region_destroy(&rom);
    address_space_destroy(&as);
}

static void test_io_split(void **state)
{
    AddressSpace as;
    MemoryRegion io;
    FakeDev d = { 0 };

    address_space_init(&as, "io", 0x10000);
    memory_region_init_io(&io, "fake", 8, &fake_ops, &d);
    address_space_map_region(&as, 0x3f8, &io, 0, 8, 0);
    address_space_st(&as, 0x3f9, 0xab, 1);
    assert_int_equal(d.last_off, 1);
    assert_int_equal(d.last_val, 0xab);
    /* 8-byte access to a 4-byte-max device becomes two accesses */
    address_space_st(&as, 0x3f8, 0x1111111122222222ull, 8);
    assert_int_equal(d.writes, 3);
    assert_int_equal(d.last_off, 4);
    assert_int_equal(d.last_val, 0x11111111);
    /* unmapped port reads all-ones */
    assert_int_equal(address_space_ld(&as, 0x80, 2), 0xffff);
    assert_int_equal(address_space_ld(&as, 0x3f8, 1), 0x11);
    address_space_destroy(&as);
}

static int listener_calls;
static void count_changes(void *opaque, AddressSpace *as)
{
    listener_calls++;
}

static void test_listener(void **state)
{
    AddressSpace as;
    MemoryRegion ram;

    listener_calls = 0;
    address_space_init(&as, "test", 1ull << 32);
    memory_region_init_ram(&ram, "ram", 0x1000);
    address_space_add_listener(&as, (MemoryListener){ count_changes, NULL });
    address_space_map_region(&as, 0, &ram, 0, 0x1000, 0);
    assert_int_equal(listener_calls, 2);
    memory_region_destroy(&ram);
    address_space_destroy(&as);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ram_and_unmapped),
        cmocka_unit_test(test_priority_overlay),
        cmocka_unit_test(test_io_split),
        cmocka_unit_test(test_listener),
    };
    return cmocka_run_group_tests_name("memory", tests, NULL, NULL);
}
