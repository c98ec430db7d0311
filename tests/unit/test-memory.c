/*
 * Unit tests for the memory API: flattening, priorities, dispatch, the
 * one way to write guest memory from outside the CPU (bounds, dirty
 * bits, the written hook) and the rule that an access reaches one
 * region whole.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
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
    assert_null(address_space_get_ptr(&as, 0x10ffe, 4));
    assert_non_null(address_space_get_ptr(&as, 0x1000, 0x10000));
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

/* ---- writes from outside the CPU ---- */

typedef struct WriteLog {
    unsigned n;
    uint64_t addr[8], len[8];
} WriteLog;

static void log_written(void *opaque, AddressSpace *as, uint64_t addr,
                        uint64_t len)
{
    WriteLog *w = opaque;
    if (w->n < 8) {
        w->addr[w->n] = addr;
        w->len[w->n] = len;
    }
    w->n++;
}

static void no_changes(void *opaque, AddressSpace *as)
{
}

typedef struct MemFix {
    AddressSpace as;
    MemoryRegion ram, rom, io;
    FakeDev dev;
    WriteLog log;
} MemFix;

/*
 * RAM 0-0x10000 and 0x20000-0x30000 (one region, the second piece is its
 * offset 0x10000), an MMIO hole at 0x10000-0x10010, nothing up to
 * 0x20000, ROM at 0xf0000 also aliased at 0xff000000.
 */
static int memfix_setup(void **state)
{
    MemFix *f = calloc(1, sizeof(*f));

    address_space_init(&f->as, "test", 1ull << 32);
    memory_region_init_ram(&f->ram, "ram", 0x20000);
    memory_region_init_rom(&f->rom, "rom", 0x2000);
    memory_region_init_io(&f->io, "mmio", 0x10, &fake_ops, &f->dev);
    address_space_map_region(&f->as, 0, &f->ram, 0, 0x10000, 0);
    address_space_map_region(&f->as, 0x20000, &f->ram, 0x10000, 0x10000, 0);
    address_space_map_region(&f->as, 0x10000, &f->io, 0, 0x10, 0);
    address_space_map_region(&f->as, 0xf0000, &f->rom, 0, 0x2000, 0);
    address_space_map_region(&f->as, 0xff000000, &f->rom, 0, 0x2000, 0);
    address_space_add_listener(&f->as, (MemoryListener){
        .changed = no_changes, .written = log_written, .opaque = &f->log });
    *state = f;
    return 0;
}

static int memfix_teardown(void **state)
{
    MemFix *f = *state;

    memory_region_destroy(&f->ram);
    memory_region_destroy(&f->rom);
    address_space_destroy(&f->as);
    free(f);
    return 0;
}

/* Finding: RAM written by a loader or by DMA never dropped stale code. */
static void test_external_write_invalidates(void **state)
{
    MemFix *f = *state;
    uint8_t b[4] = { 1, 2, 3, 4 };

    assert_int_equal(address_space_write(&f->as, 0x1ffe, b, 4), 0);
    assert_int_equal(f->log.n, 1);
    assert_int_equal(f->log.addr[0], 0x1ffe);
    assert_int_equal(f->log.len[0], 4);
    assert_memory_equal(f->ram.host + 0x1ffe, b, 4);
    /* the second window of the same region is told at its own address */
    f->log.n = 0;
    assert_int_equal(address_space_fill(&f->as, 0x20010, 0xcc, 0x20), 0);
    assert_int_equal(f->log.n, 1);
    assert_int_equal(f->log.addr[0], 0x20010);
    assert_int_equal(f->ram.host[0x10010], 0xcc);
    /* a loader writing ROM: both guest addresses of the bytes are told */
    f->log.n = 0;
    assert_int_equal(address_space_write_rom(&f->as, 0xf0100, b, 4), 0);
    assert_int_equal(f->log.n, 2);
    assert_int_equal(f->log.addr[0], 0xf0100);
    assert_int_equal(f->log.addr[1], 0xff000100);
    /* a DMA mapping is told at unmap, for the bytes really written */
    f->log.n = 0;
    uint64_t len = 0x100;
    uint8_t *p = address_space_map(&f->as, 0x3000, &len, true);
    assert_ptr_equal(p, f->ram.host + 0x3000);
    assert_int_equal(len, 0x100);
    p[0] = 9;
    assert_int_equal(f->log.n, 0);
    address_space_unmap(&f->as, 0x3000, 1, true);
    assert_int_equal(f->log.n, 1);
    assert_int_equal(f->log.len[0], 1);
    /* reads, guest-style ROM writes and MMIO never count as RAM writes */
    f->log.n = 0;
    address_space_read(&f->as, 0x1000, b, 4);
    address_space_write(&f->as, 0xf0000, b, 4);
    address_space_write(&f->as, 0x10000, b, 4);
    address_space_unmap(&f->as, 0x1000, 4, false);
    assert_int_equal(f->log.n, 0);
    assert_int_equal(f->dev.writes, 1);
    assert_int_equal(f->rom.host[0], 0xff);
}

static void test_external_write_bounds(void **state)
{
    MemFix *f = *state;
    uint8_t b[0x20];
    uint64_t len;

    memset(b, 0x5a, sizeof(b));
    /* across the end of RAM into the MMIO hole: RAM part, then the device */
    assert_int_equal(address_space_write(&f->as, 0xfff8, b, 0x10), 0);
    assert_int_equal(f->ram.host[0xffff], 0x5a);
    assert_int_equal(f->dev.writes, 2);     /* 8 bytes, 4 at a time */
    /* into unmapped space: -1, the mapped part is still written */
    assert_int_equal(address_space_write(&f->as, 0x1fff0, b, 0x20), -1);
    assert_int_equal(f->ram.host[0x10000], 0x5a);
    /* loaders check everything first and write nothing on failure */
    f->log.n = 0;
    memset(f->ram.host + 0xfff0, 0, 0x10);
    assert_int_equal(address_space_write_rom(&f->as, 0xfff0, b, 0x20), -1);
    assert_int_equal(address_space_fill(&f->as, 0xfff0, 1, 0x20), -1);
    assert_int_equal(address_space_fill(&f->as, 0xf0000, 1, 1), -1);
    assert_int_equal(address_space_write_rom(&f->as, ~0ull - 4, b, 0x10), -1);
    assert_int_equal(f->ram.host[0xfff0], 0);
    assert_int_equal(f->log.n, 0);
    /* a mapping stops at its region's end and never covers MMIO */
    len = 0x100;
    assert_non_null(address_space_map(&f->as, 0xffc0, &len, true));
    assert_int_equal(len, 0x40);
    len = 4;
    assert_null(address_space_map(&f->as, 0x10000, &len, false));
    assert_int_equal(len, 0);
    len = 4;
    assert_null(address_space_map(&f->as, 0x18000, &len, true));
    /* ROM maps for reading only */
    len = 4;
    assert_null(address_space_map(&f->as, 0xf0000, &len, true));
    len = 4;
    assert_non_null(address_space_map(&f->as, 0xf0000, &len, false));
    assert_null(address_space_get_ptr(&f->as, 0xfffc, 8));
}

static void test_external_write_dirty(void **state)
{
    MemFix *f = *state;
    uint8_t b[2] = { 1, 2 };
    uint64_t len = 8;
    void *p;

    memory_region_clear_dirty(&f->ram, 0, f->ram.size);
    assert_false(memory_region_test_dirty(&f->ram, 0, f->ram.size));
    /* two bytes across a page boundary dirty both pages, nothing else */
    address_space_write(&f->as, 0x4fff, b, 2);
    assert_true(memory_region_test_dirty(&f->ram, 0x4000, 1));
    assert_true(memory_region_test_dirty(&f->ram, 0x5000, 1));
    assert_false(memory_region_test_dirty(&f->ram, 0, 0x4000));
    assert_false(memory_region_test_dirty(&f->ram, 0x6000, 0x1a000));
    memory_region_clear_dirty(&f->ram, 0x4000, 0x2000);
    assert_false(memory_region_test_dirty(&f->ram, 0, f->ram.size));
    /* the second window dirties the region's own offsets */
    address_space_write(&f->as, 0x21000, b, 1);
    assert_true(memory_region_test_dirty(&f->ram, 0x11000, 1));
    memory_region_clear_dirty(&f->ram, 0, f->ram.size);
    /* map/unmap */
    p = address_space_map(&f->as, 0x7000, &len, true);
    memset(p, 0, 8);
    assert_false(memory_region_test_dirty(&f->ram, 0x7000, 1));
    address_space_unmap(&f->as, 0x7000, 8, true);
    assert_true(memory_region_test_dirty(&f->ram, 0x7000, 1));
    /* guest-style ROM writes are dropped and dirty nothing; loaders do */
    memory_region_clear_dirty(&f->rom, 0, f->rom.size);
    address_space_write(&f->as, 0xf1000, b, 2);
    assert_false(memory_region_test_dirty(&f->rom, 0, f->rom.size));
    address_space_write_rom(&f->as, 0xff001000, b, 2);
    assert_true(memory_region_test_dirty(&f->rom, 0x1000, 1));
    assert_false(memory_region_test_dirty(&f->rom, 0, 0x1000));
}

/* ---- one access, one region ---- */

typedef struct ByteDev {
    unsigned writes, reads;
    uint64_t off, val;
    unsigned size;
} ByteDev;

static uint64_t bd_read(void *opaque, uint64_t off, unsigned size)
{
    ByteDev *d = opaque;
    d->reads++;
    d->off = off;
    d->size = size;
    return 0xd3c2b1a0 + off;
}

static void bd_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    ByteDev *d = opaque;
    d->writes++;
    d->off = off;
    d->val = val;
    d->size = size;
}

static const MemoryRegionOps byte_ops = {
    .read = bd_read, .write = bd_write, .min_access = 1, .max_access = 1,
};
static const MemoryRegionOps dword_ops = {
    .read = bd_read, .write = bd_write, .min_access = 4, .max_access = 4,
};
static const MemoryRegionOps any_ops = {
    .read = bd_read, .write = bd_write,
};

/*
 * Finding: a 32-bit OUT to 0xCF8 reset the machine. With nothing at
 * 0xCF8, the access was split into bytes and the second one reached the
 * reset register at 0xCF9. It must be dropped whole (and read as ones).
 */
static void test_outl_0xcf8_does_not_reach_0xcf9(void **state)
{
    AddressSpace io;
    MemoryRegion rcr;
    ByteDev d = { 0 };
    uint32_t v = 0x80000000;

    address_space_init(&io, "io", 0x10000);
    memory_region_init_io(&rcr, "reset-control", 1, &byte_ops, &d);
    address_space_map_region(&io, 0xcf9, &rcr, 0, 1, 0);
    address_space_st(&io, 0xcf8, 0x80000000, 4);
    address_space_access(&io, 0xcf8, &v, 4, true);       /* the KVM path */
    address_space_st(&io, 0xcf8, 0x0600, 2);
    assert_int_equal(d.writes, 0);
    assert_int_equal(address_space_ld(&io, 0xcf8, 4), 0xffffffff);
    address_space_access(&io, 0xcf8, &v, 4, false);
    assert_int_equal(v, 0xffffffff);
    assert_int_equal(d.reads, 0);
    /* a byte at 0xcf9 itself still reaches it */
    address_space_st(&io, 0xcf9, 0x06, 1);
    assert_int_equal(d.writes, 1);
    assert_int_equal(d.val, 0x06);
    address_space_destroy(&io);
}

/* Ports: wide, narrow and straddling accesses go to the first byte's region. */
static void test_port_access_sizes(void **state)
{
    AddressSpace io;
    MemoryRegion bytes, dwords, next;
    ByteDev b = { 0 }, w = { 0 }, n = { 0 };
    uint8_t buf[4];

    address_space_init(&io, "io", 0x10000);
    memory_region_init_io(&bytes, "bytes", 2, &byte_ops, &b);
    memory_region_init_io(&dwords, "dwords", 8, &dword_ops, &w);
    memory_region_init_io(&next, "next", 4, &any_ops, &n);
    address_space_map_region(&io, 0x60, &bytes, 0, 2, 0);
    address_space_map_region(&io, 0x62, &next, 0, 4, 0);
    address_space_map_region(&io, 0x70, &dwords, 0, 8, 0);
    /* wide on a byte region: its two bytes, the rest dropped, not 0x62 */
    address_space_st(&io, 0x60, 0x44332211, 4);
    assert_int_equal(b.writes, 2);
    assert_int_equal(b.off, 1);
    assert_int_equal(b.val, 0x22);
    assert_int_equal(n.writes, 0);
    assert_int_equal(address_space_ld(&io, 0x60, 4), 0xffffa1a0);
    assert_int_equal(n.reads, 0);
    /* straddling from the last byte: one byte to it, nothing next door */
    b.writes = 0;
    address_space_st(&io, 0x61, 0xbbaa, 2);
    assert_int_equal(b.writes, 1);
    assert_int_equal(b.val, 0xaa);
    assert_int_equal(n.writes, 0);
    assert_int_equal(address_space_ld(&io, 0x61, 2), 0xffa1);
    /* a region that takes any size gets the access whole */
    address_space_st(&io, 0x62, 0x12345678, 4);
    assert_int_equal(n.writes, 1);
    assert_int_equal(n.size, 4);
    assert_int_equal(n.val, 0x12345678);
    /* ... even unaligned, the region decides (here: as is) */
    address_space_st(&io, 0x63, 0x1234, 2);
    assert_int_equal(n.off, 1);
    assert_int_equal(n.size, 2);
    /* narrow on a dword region: the containing dword, shifted */
    assert_int_equal(address_space_ld(&io, 0x75, 1), 0xb1);
    assert_int_equal(w.off, 4);
    assert_int_equal(w.size, 4);
    address_space_st(&io, 0x72, 0xee, 1);
    assert_int_equal(w.off, 0);
    assert_int_equal(w.val, 0xee0000);
    /* the KVM path is the same access */
    memcpy(buf, "\x11\x22\x33\x44", 4);
    b.writes = 0;
    address_space_access(&io, 0x60, buf, 4, true);
    assert_int_equal(b.writes, 2);
    assert_int_equal(n.writes, 2);
    address_space_destroy(&io);
}

/* MMIO: the same rule; an 8-byte access straddling the region's end. */
static void test_mmio_access_sizes(void **state)
{
    AddressSpace mem;
    MemoryRegion dev, after;
    ByteDev d = { 0 };
    FakeDev fd = { 0 };
    uint64_t v;

    address_space_init(&mem, "mem", 1ull << 32);
    memory_region_init_io(&dev, "dev", 0x10, &dword_ops, &d);
    memory_region_init_io(&after, "after", 0x10, &fake_ops, &fd);
    address_space_map_region(&mem, 0xfed00000, &dev, 0, 0x10, 0);
    address_space_map_region(&mem, 0xfed00010, &after, 0, 0x10, 0);
    /* 8 bytes in the region: two dwords */
    address_space_st(&mem, 0xfed00000, 0x1111111122222222ull, 8);
    assert_int_equal(d.writes, 2);
    assert_int_equal(d.off, 4);
    assert_int_equal(d.val, 0x11111111);
    /* 8 bytes from its last dword: that dword, the rest dropped */
    d.writes = 0;
    address_space_st(&mem, 0xfed0000c, 0x3333333344444444ull, 8);
    assert_int_equal(d.writes, 1);
    assert_int_equal(d.off, 0xc);
    assert_int_equal(d.val, 0x44444444);
    assert_int_equal(fd.writes, 0);
    v = address_space_ld(&mem, 0xfed0000c, 8);
    assert_int_equal(v, 0xffffffffd3c2b1acull);
    assert_int_equal(fd.reads, 0);
    /* 4 bytes from offset 0xe: the dword holding it, bytes past the end
       read as ones */
    v = address_space_ld(&mem, 0xfed0000e, 4);
    assert_int_equal(v & 0xffff0000, 0xffff0000);
    assert_int_equal(fd.reads, 0);
    /* unmapped first byte: all-ones, even though "dev" follows */
    assert_int_equal(address_space_ld(&mem, 0xfecffffc, 8), ~0ull);
    d.writes = 0;
    address_space_st(&mem, 0xfecffffc, 0, 8);
    assert_int_equal(d.writes, 0);
    address_space_destroy(&mem);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ram_and_unmapped),
        cmocka_unit_test(test_priority_overlay),
        cmocka_unit_test(test_io_split),
        cmocka_unit_test(test_listener),
        cmocka_unit_test_setup_teardown(test_external_write_invalidates,
                                        memfix_setup, memfix_teardown),
        cmocka_unit_test_setup_teardown(test_external_write_bounds,
                                        memfix_setup, memfix_teardown),
        cmocka_unit_test_setup_teardown(test_external_write_dirty,
                                        memfix_setup, memfix_teardown),
        cmocka_unit_test(test_outl_0xcf8_does_not_reach_0xcf9),
        cmocka_unit_test(test_port_access_sizes),
        cmocka_unit_test(test_mmio_access_sizes),
    };
    return cmocka_run_group_tests_name("memory", tests, NULL, NULL);
}
