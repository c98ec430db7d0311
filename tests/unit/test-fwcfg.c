/*
 * Unit tests for fw_cfg: fixed keys through the data port, the sorted
 * file directory, files read through the data port and through DMA, DMA
 * with bad addresses, huge lengths and unsupported operations, long DMA
 * in bounded steps (stop, reset, save/load in the middle), unknown keys,
 * save/load, and garbage written to every port.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "hw/pc/fw_cfg.h"

#define DESC_ADDR 0x1000
#define BUF_ADDR  0x2000

typedef struct TestMachine {
    Machine m;
    FwCfgState *fw;
} TestMachine;

static int setup_ram(void **state, uint64_t ram)
{
    TestMachine *t = xzalloc(sizeof(*t));
    Machine *m = &t->m;
    Error err = { { 0 } };

    pthread_mutex_init(&m->lock, NULL);
    log_init(&m->log);
    timerlist_init(&m->timers);
    m->cfg.smp = 2;
    assert_int_equal(machine_init_memory(m, ram, NULL), 0);
    t->fw = fw_cfg_init(m, &err);
    if (!t->fw) {
        fail_msg("fw_cfg_init: %s", err.msg);
    }
    assert_ptr_equal(m->fw_cfg, t->fw);
    *state = t;
    return 0;
}

static int setup(void **state)
{
    return setup_ram(state, 64 << 20);
}

static int teardown(void **state)
{
    TestMachine *t = *state;

    device_destroy(fw_cfg_device(t->fw));
    assert_null(t->m.fw_cfg);
    machine_destroy_memory(&t->m);
    free(t);
    return 0;
}

static void select_key(TestMachine *t, uint16_t key)
{
    address_space_st(&t->m.io, FW_CFG_IO_BASE, key, 2);
}

static void read_data(TestMachine *t, void *buf, size_t len)
{
    uint8_t *p = buf;

    for (size_t i = 0; i < len; i++) {
        p[i] = (uint8_t)address_space_ld(&t->m.io, FW_CFG_IO_BASE + 1, 1);
    }
}

static void read_key(TestMachine *t, uint16_t key, void *buf, size_t len)
{
    select_key(t, key);
    read_data(t, buf, len);
}

/* Writes a FWCfgDmaAccess at DESC_ADDR and starts it; returns control. */
static uint32_t dma_at(TestMachine *t, uint64_t desc, uint32_t control,
                       uint32_t len, uint64_t addr)
{
    uint8_t d[16];

    st32be(d, control);
    st32be(d + 4, len);
    st64be(d + 8, addr);
    address_space_write(&t->m.mem, desc, d, sizeof(d));
    address_space_st(&t->m.io, FW_CFG_DMA_IO_BASE,
                     __builtin_bswap32((uint32_t)(desc >> 32)), 4);
    address_space_st(&t->m.io, FW_CFG_DMA_IO_BASE + 4,
                     __builtin_bswap32((uint32_t)desc), 4);
    /* the vCPU runs the rest of a long transfer before it goes on */
    assert_true(machine_run_work(&t->m));
    address_space_read(&t->m.mem, desc, d, 4);
    return ld32be(d);
}

static uint32_t dma(TestMachine *t, uint32_t control, uint32_t len,
                    uint64_t addr)
{
    return dma_at(t, DESC_ADDR, control, len, addr);
}

static void test_fixed_keys(void **state)
{
    TestMachine *t = *state;
    uint8_t b[8];

    read_key(t, FW_CFG_SIGNATURE, b, 5);
    assert_memory_equal(b, "QEMU\0", 5);             /* past the end: 0 */
    read_key(t, FW_CFG_ID, b, 4);
    assert_int_equal(ld32le(b), 3);
    read_key(t, FW_CFG_RAM_SIZE, b, 8);
    assert_int_equal(ld64le(b), 64 << 20);
    read_key(t, FW_CFG_NB_CPUS, b, 2);
    assert_int_equal(ld16le(b), 2);
    read_key(t, FW_CFG_MAX_CPUS, b, 2);
    assert_int_equal(ld16le(b), 2);
    read_key(t, FW_CFG_UUID, b, 8);
    assert_memory_equal(b, "\0\0\0\0\0\0\0\0", 8);
    /* the selector resets the offset */
    read_key(t, FW_CFG_SIGNATURE, b, 2);
    read_key(t, FW_CFG_SIGNATURE, b, 4);
    assert_memory_equal(b, "QEMU", 4);
    /* the selector port reads as 0; a 16-bit read of data is 2 bytes */
    assert_int_equal(address_space_ld(&t->m.io, FW_CFG_IO_BASE, 1), 0);
}

static void test_add_api(void **state)
{
    TestMachine *t = *state;
    char longname[80];
    uint8_t b[16];

    assert_int_equal(fw_cfg_add_i16(t->fw, FW_CFG_BOOT_MENU, 0x1234), 0);
    assert_int_equal(fw_cfg_add_i32(t->fw, FW_CFG_KERNEL_SIZE, 0xdeadbeef), 0);
    assert_int_equal(fw_cfg_add_i64(t->fw, FW_CFG_E820_TABLE,
                                    0x0102030405060708ull), 0);
    assert_int_equal(fw_cfg_add_string(t->fw, FW_CFG_CMDLINE_DATA, "quiet"), 0);
    read_key(t, FW_CFG_BOOT_MENU, b, 2);
    assert_int_equal(ld16le(b), 0x1234);
    read_key(t, FW_CFG_KERNEL_SIZE, b, 4);
    assert_int_equal(ld32le(b), 0xdeadbeef);
    read_key(t, FW_CFG_E820_TABLE, b, 8);
    assert_int_equal(ld64le(b), 0x0102030405060708ull);
    read_key(t, FW_CFG_CMDLINE_DATA, b, 7);
    assert_memory_equal(b, "quiet\0\0", 7);
    /* replacing a key */
    assert_int_equal(fw_cfg_add_string(t->fw, FW_CFG_CMDLINE_DATA, "x"), 0);
    read_key(t, FW_CFG_CMDLINE_DATA, b, 3);
    assert_memory_equal(b, "x\0\0", 3);
    /* keys that cannot be set this way */
    assert_int_equal(fw_cfg_add_i16(t->fw, FW_CFG_FILE_DIR, 1), -1);
    assert_int_equal(fw_cfg_add_i16(t->fw, FW_CFG_FILE_FIRST, 1), -1);
    assert_int_equal(fw_cfg_add_i16(t->fw, FW_CFG_ARCH_LOCAL + 0x100, 1), -1);
    assert_int_equal(fw_cfg_add_i16(t->fw, FW_CFG_WRITE_CHANNEL | 1, 1), -1);
    /* file names */
    memset(longname, 'a', sizeof(longname));
    longname[FW_CFG_MAX_FILE_NAME] = '\0';
    assert_int_equal(fw_cfg_add_file(t->fw, longname, "x", 1), -1);
    longname[FW_CFG_MAX_FILE_NAME - 1] = '\0';
    assert_int_equal(fw_cfg_add_file(t->fw, longname, "x", 1), 0);
    assert_int_equal(fw_cfg_add_file(t->fw, "", "x", 1), -1);
    assert_int_equal(fw_cfg_add_file(t->fw, "etc/e820", "x", 1), -1);
    assert_int_equal(fw_cfg_file_key(t->fw, "nope"), -1);
}

static void test_file_dir(void **state)
{
    TestMachine *t = *state;
    static const char *const names[] = { "etc/zzz", "bootorder", "etc/aaa",
                                         "genroms/x.bin" };
    static const char *const sorted[] = { "bootorder", "etc/aaa", "etc/e820",
                                          "etc/zzz", "genroms/x.bin" };
    uint8_t dir[4 + 5 * 64];

    for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
        assert_int_equal(fw_cfg_add_file(t->fw, names[i], names[i],
                                         strlen(names[i])), 0);
    }
    read_key(t, FW_CFG_FILE_DIR, dir, sizeof(dir));
    assert_int_equal(ld32be(dir), 5);
    for (int i = 0; i < 5; i++) {
        const uint8_t *e = dir + 4 + i * 64;
        char content[64] = { 0 };
        assert_string_equal((const char *)e + 8, sorted[i]);
        assert_int_equal(ld16be(e + 4), FW_CFG_FILE_FIRST + i);
        assert_int_equal(ld16be(e + 6), 0);
        assert_int_equal(fw_cfg_file_key(t->fw, sorted[i]), FW_CFG_FILE_FIRST + i);
        if (strcmp(sorted[i], "etc/e820")) {
            assert_int_equal(ld32be(e), strlen(sorted[i]));
            read_key(t, ld16be(e + 4), content, ld32be(e));
            assert_string_equal(content, sorted[i]);
        }
    }
}

static void test_e820_file(void **state)
{
    TestMachine *t = *state;
    const E820Table *e = &t->m.e820;
    int key = fw_cfg_file_key(t->fw, "etc/e820");
    uint8_t buf[E820_MAX * 20];

    assert_true(key >= FW_CFG_FILE_FIRST);
    assert_true(e->n > 0);
    read_key(t, (uint16_t)key, buf, (size_t)e->n * 20 + 1);
    for (int i = 0; i < e->n; i++) {
        assert_int_equal(ld64le(buf + i * 20), e->entries[i].addr);
        assert_int_equal(ld64le(buf + i * 20 + 8), e->entries[i].size);
        assert_int_equal(ld32le(buf + i * 20 + 16), e->entries[i].type);
    }
    assert_int_equal(buf[e->n * 20], 0);
}

static void test_dma_signature(void **state)
{
    TestMachine *t = *state;
    uint8_t b[8];

    address_space_read(&t->m.io, FW_CFG_DMA_IO_BASE, b, 8);
    assert_memory_equal(b, "QEMU CFG", 8);
    assert_int_equal(address_space_ld(&t->m.io, FW_CFG_DMA_IO_BASE, 4),
                     ld32le("QEMU"));
    assert_int_equal(address_space_ld(&t->m.io, FW_CFG_DMA_IO_BASE + 4, 4),
                     ld32le(" CFG"));
    assert_int_equal(address_space_ld(&t->m.io, FW_CFG_DMA_IO_BASE + 7, 1), 'G');
}

static void test_dma_read(void **state)
{
    TestMachine *t = *state;
    uint8_t data[10000], out[10016];
    int key;

    for (size_t i = 0; i < sizeof(data); i++) {
        data[i] = (uint8_t)(i * 7 + 3);
    }
    assert_int_equal(fw_cfg_add_file(t->fw, "etc/blob", data, sizeof(data)), 0);
    key = fw_cfg_file_key(t->fw, "etc/blob");
    /* select + read of the whole file */
    memset(out, 0xee, sizeof(out));
    address_space_write(&t->m.mem, BUF_ADDR, out, sizeof(out));
    assert_int_equal(dma(t, ((uint32_t)key << 16) | FW_CFG_DMA_CTL_SELECT |
                         FW_CFG_DMA_CTL_READ, sizeof(data), BUF_ADDR), 0);
    address_space_read(&t->m.mem, BUF_ADDR, out, sizeof(out));
    assert_memory_equal(out, data, sizeof(data));
    assert_int_equal(out[sizeof(data)], 0xee);
    /* skip, then read on: the data port continues where DMA stopped */
    assert_int_equal(dma(t, ((uint32_t)key << 16) | FW_CFG_DMA_CTL_SELECT |
                         FW_CFG_DMA_CTL_SKIP, 100, 0), 0);
    assert_int_equal(dma(t, FW_CFG_DMA_CTL_READ, 16, BUF_ADDR), 0);
    address_space_read(&t->m.mem, BUF_ADDR, out, 16);
    assert_memory_equal(out, data + 100, 16);
    read_data(t, out, 4);
    assert_memory_equal(out, data + 116, 4);
    /* past the end: zero filled */
    assert_int_equal(dma(t, ((uint32_t)key << 16) | FW_CFG_DMA_CTL_SELECT |
                         FW_CFG_DMA_CTL_SKIP, 9990, 0), 0);
    assert_int_equal(dma(t, FW_CFG_DMA_CTL_READ, 16, BUF_ADDR), 0);
    address_space_read(&t->m.mem, BUF_ADDR, out, 16);
    assert_memory_equal(out, data + 9990, 10);
    assert_memory_equal(out + 10, "\0\0\0\0\0\0", 6);
    /* a 64-bit write of the address also starts a transfer */
    {
        uint8_t d[16];
        st32be(d, (FW_CFG_SIGNATURE << 16) | FW_CFG_DMA_CTL_SELECT |
               FW_CFG_DMA_CTL_READ);
        st32be(d + 4, 4);
        st64be(d + 8, BUF_ADDR);
        address_space_write(&t->m.mem, DESC_ADDR, d, 16);
        address_space_st(&t->m.io, FW_CFG_DMA_IO_BASE,
                         __builtin_bswap64(DESC_ADDR), 8);
        address_space_read(&t->m.mem, DESC_ADDR, d, 4);
        assert_int_equal(ld32be(d), 0);
        address_space_read(&t->m.mem, BUF_ADDR, out, 4);
        assert_memory_equal(out, "QEMU", 4);
    }
    /* no operation bits: nothing happens, no error */
    assert_int_equal(dma(t, 0, 100, BUF_ADDR), 0);
}

/* Starts a DMA without running its deferred part; returns control. */
static uint32_t dma_start(TestMachine *t, uint32_t control, uint32_t len,
                          uint64_t addr)
{
    uint8_t d[16];

    st32be(d, control);
    st32be(d + 4, len);
    st64be(d + 8, addr);
    address_space_write(&t->m.mem, DESC_ADDR, d, sizeof(d));
    address_space_st(&t->m.io, FW_CFG_DMA_IO_BASE, 0, 4);
    address_space_st(&t->m.io, FW_CFG_DMA_IO_BASE + 4,
                     __builtin_bswap32(DESC_ADDR), 4);
    address_space_read(&t->m.mem, DESC_ADDR, d, 4);
    return ld32be(d);
}

static bool ram_is(TestMachine *t, uint64_t addr, uint8_t v)
{
    return t->m.ram.host[addr] == v;
}

/*
 * Finding: a guest held the machine for seconds. A DMA read of 4 GiB was
 * copied in one go under the machine lock. Now the port write does one
 * bounded step and the rest runs in bounded steps that a request (stop,
 * reset, pause) interrupts at once and that resume afterwards.
 */
static void test_dma_4gib_bounded_under_lock(void **state)
{
    TestMachine *t = *state;
    Machine *m = &t->m;
    uint32_t sel = (FW_CFG_SIGNATURE << 16) | FW_CFG_DMA_CTL_SELECT |
                   FW_CFG_DMA_CTL_READ;
    uint32_t ctl;
    int steps = 1;

    memset(m->ram.host + 0x100000, 0xaa, (64 << 20) - 0x100000);
    ctl = dma_start(t, sel, 0xffffffff, 0x100000);
    /* one step done, the rest pending: the control field still says so */
    assert_int_equal(ctl, sel);
    assert_non_null(m->work_step);
    assert_true(ram_is(t, 0x100004, 0));
    assert_true(ram_is(t, 0x100000 + (1 << 20), 0xaa));
    /* a stop request interrupts it between steps */
    atomic_fetch_or(&m->requests, MACHINE_REQ_EXIT);
    assert_false(machine_run_work(m));
    assert_non_null(m->work_step);
    atomic_fetch_and(&m->requests, ~(unsigned)MACHINE_REQ_EXIT);
    /* step by step: each bounded, many of them for 63 MiB */
    pthread_mutex_lock(&m->lock);
    while (!m->work_step(m->work_opaque)) {
        steps++;
    }
    m->work_step = NULL;
    pthread_mutex_unlock(&m->lock);
    assert_true(steps >= (63 << 20) / (1 << 20));
    /* it ran to the end of RAM, then failed at the first unmapped byte */
    assert_true(ram_is(t, (64 << 20) - 1, 0));
    address_space_read(&m->mem, DESC_ADDR, &ctl, 4);
    assert_int_equal(ld32be((uint8_t *)&ctl), FW_CFG_DMA_CTL_ERROR);
    /* and the device serves the next transfer */
    assert_int_equal(dma(t, sel, 4, BUF_ADDR), 0);
}

/* A reset cancels a transfer in progress; save/load carries it over. */
static void test_dma_in_progress_reset_save_load(void **state)
{
    TestMachine *t = *state;
    Machine *m = &t->m;
    Device *d = fw_cfg_device(t->fw);
    uint32_t sel = (FW_CFG_SIGNATURE << 16) | FW_CFG_DMA_CTL_SELECT |
                   FW_CFG_DMA_CTL_READ;
    uint32_t len = 4 << 20;
    Error err = { { 0 } };
    SaveBuf sb, rb;
    uint8_t res[4];

    memset(m->ram.host + 0x200000, 0xaa, len);
    assert_int_equal(dma_start(t, sel, len, 0x200000), sel);
    savebuf_init(&sb);
    d->type->save(d, &sb);
    device_reset_tree(d);
    assert_null(m->work_step);
    assert_true(machine_run_work(m));
    assert_true(ram_is(t, 0x200000 + len - 1, 0xaa));
    /* the saved transfer resumes where it was */
    savebuf_init_read(&rb, sb.data, sb.len);
    assert_int_equal(d->type->load(d, &rb, &err), 0);
    assert_non_null(m->work_step);
    assert_true(machine_run_work(m));
    assert_true(ram_is(t, 0x200000 + len - 1, 0));
    assert_memory_equal(m->ram.host + 0x200000, "QEMU", 4);
    address_space_read(&m->mem, DESC_ADDR, res, 4);
    assert_int_equal(ld32be(res), 0);
    /* a stream whose DMA claims more left than asked is refused */
    sb.data[sb.len - 9] = 0xff;        /* left, high byte */
    savebuf_init_read(&rb, sb.data, sb.len);
    assert_int_equal(d->type->load(d, &rb, &err), -1);
    savebuf_free(&sb);
}

static void test_dma_errors(void **state)
{
    TestMachine *t = *state;
    uint32_t sel = (FW_CFG_SIGNATURE << 16) | FW_CFG_DMA_CTL_SELECT |
                   FW_CFG_DMA_CTL_READ;

    /* beyond RAM, in the PCI hole, at the top of the address space */
    assert_int_equal(dma(t, sel, 4, 64 << 20) & FW_CFG_DMA_CTL_ERROR, 1);
    assert_int_equal(dma(t, sel, 4, 0xfee00000) & FW_CFG_DMA_CTL_ERROR, 1);
    assert_int_equal(dma(t, sel, 4, UINT64_MAX - 1) & FW_CFG_DMA_CTL_ERROR, 1);
    assert_int_equal(dma(t, sel, 4, 1ull << 60) & FW_CFG_DMA_CTL_ERROR, 1);
    /* straddling the end of RAM */
    assert_int_equal(dma(t, sel, 8, (64 << 20) - 4) & FW_CFG_DMA_CTL_ERROR, 1);
    /* huge length: stops at the first unmapped byte */
    assert_int_equal(dma(t, sel, 0xffffffff, 0x100000) & FW_CFG_DMA_CTL_ERROR, 1);
    assert_int_equal(dma(t, sel, 0xffffffff, 0) & FW_CFG_DMA_CTL_ERROR, 1);
    /* huge skip is fine */
    assert_int_equal(dma(t, (FW_CFG_SIGNATURE << 16) | FW_CFG_DMA_CTL_SELECT |
                         FW_CFG_DMA_CTL_SKIP, 0xffffffff, 0), 0);
    /* writes: every item is read-only */
    assert_int_equal(dma(t, (FW_CFG_SIGNATURE << 16) | FW_CFG_DMA_CTL_SELECT |
                         FW_CFG_DMA_CTL_WRITE, 4, BUF_ADDR) &
                     FW_CFG_DMA_CTL_ERROR, 1);
    /* descriptor itself outside RAM: nothing to report into, no crash */
    dma_at(t, 0xfffffff0ull, sel, 4, BUF_ADDR);
    dma_at(t, UINT64_MAX - 8, sel, 4, BUF_ADDR);
    dma_at(t, (64 << 20) - 8, sel, 4, BUF_ADDR);
    /* still works */
    assert_int_equal(dma(t, sel, 4, BUF_ADDR), 0);
}

static void test_unknown_keys(void **state)
{
    TestMachine *t = *state;
    static const uint16_t keys[] = { 0x001a, 0x001f, 0x0020 + 10, 0x005f,
                                     0x0060, 0x1234, 0x3fff, 0x7fff, 0x8005,
                                     0x800f, 0x8010, 0xbfff, 0xffff };
    uint8_t b[4];

    for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
        read_key(t, keys[i], b, 4);
        assert_memory_equal(b, "\0\0\0\0", 4);
        assert_int_equal(dma(t, ((uint32_t)keys[i] << 16) |
                             FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ,
                             4, BUF_ADDR), 0);
        address_space_read(&t->m.mem, BUF_ADDR, b, 4);
        assert_memory_equal(b, "\0\0\0\0", 4);
    }
    /* the write-channel bit is ignored in the selector */
    read_key(t, FW_CFG_WRITE_CHANNEL | FW_CFG_SIGNATURE, b, 4);
    assert_memory_equal(b, "QEMU", 4);
}

static void test_save_load(void **state)
{
    TestMachine *t = *state;
    Device *d = fw_cfg_device(t->fw);
    SaveBuf sb, rb;
    Error err = { { 0 } };
    uint8_t b[2], *copy;

    read_key(t, FW_CFG_SIGNATURE, b, 2);
    savebuf_init(&sb);
    d->type->save(d, &sb);
    read_key(t, FW_CFG_ID, b, 2);
    savebuf_init_read(&rb, sb.data, sb.len);
    assert_int_equal(d->type->load(d, &rb, &err), 0);
    read_data(t, b, 2);
    assert_memory_equal(b, "MU", 2);
    /* an offset beyond the item, a bad version, a short stream */
    copy = xmalloc(sb.len);
    memcpy(copy, sb.data, sb.len);
    st32le(copy + 3, 5);
    savebuf_init_read(&rb, copy, sb.len);
    assert_int_equal(d->type->load(d, &rb, &err), -1);
    memcpy(copy, sb.data, sb.len);
    copy[0] = 9;
    savebuf_init_read(&rb, copy, sb.len);
    assert_int_equal(d->type->load(d, &rb, &err), -1);
    savebuf_init_read(&rb, sb.data, sb.len - 1);
    assert_int_equal(d->type->load(d, &rb, &err), -1);
    free(copy);
    savebuf_free(&sb);
    /* reset selects the signature */
    device_reset_tree(d);
    read_data(t, b, 2);
    assert_memory_equal(b, "QE", 2);
}

static void test_second_instance(void **state)
{
    TestMachine *t = *state;
    Error err = { { 0 } };

    assert_null(fw_cfg_init(&t->m, &err));
    assert_true(err.msg[0] != '\0');
    assert_ptr_equal(t->m.fw_cfg, t->fw);
}

static void test_garbage(void **state)
{
    TestMachine *t = *state;
    uint32_t x = 777;
    uint8_t b[4];

    /* random descriptors in RAM so started transfers do something */
    for (int i = 0; i < 20000; i++) {
        x = x * 1103515245 + 12345;
        uint16_t port = FW_CFG_IO_BASE + (x >> 8) % 12;
        unsigned size = 1u << ((x >> 12) & 3);
        uint64_t v = (uint64_t)x * 0x9e3779b97f4a7c15ull;
        if (i % 64 == 0) {
            uint8_t d[16];
            for (int j = 0; j < 16; j++) {
                d[j] = (uint8_t)(v >> (j * 4));
            }
            st32be(d + 4, ld32be(d + 4) & 0xffff);   /* keep it quick */
            address_space_write(&t->m.mem, DESC_ADDR, d, 16);
        }
        if ((x >> 20) & 1) {
            if ((x >> 21) & 1) {
                v = __builtin_bswap32(DESC_ADDR);
            }
            address_space_st(&t->m.io, port, v, size);
        } else {
            address_space_ld(&t->m.io, port, size);
        }
    }
    read_key(t, FW_CFG_SIGNATURE, b, 4);
    assert_memory_equal(b, "QEMU", 4);
}

static int setup_8g(void **state)
{
    return setup_ram(state, 8 * GiB);
}

static void test_ram_size_8g(void **state)
{
    TestMachine *t = *state;
    uint8_t b[8];

    read_key(t, FW_CFG_RAM_SIZE, b, 8);
    assert_int_equal(ld64le(b), 8 * GiB);
    /* DMA into RAM above 4 GiB works, into the hole does not */
    assert_int_equal(dma(t, (FW_CFG_SIGNATURE << 16) | FW_CFG_DMA_CTL_SELECT |
                         FW_CFG_DMA_CTL_READ, 4, 5 * GiB), 0);
    address_space_read(&t->m.mem, 5 * GiB, b, 4);
    assert_memory_equal(b, "QEMU", 4);
    assert_int_equal(dma(t, (FW_CFG_SIGNATURE << 16) | FW_CFG_DMA_CTL_SELECT |
                         FW_CFG_DMA_CTL_READ, 4, 3 * GiB + 16) &
                     FW_CFG_DMA_CTL_ERROR, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_fixed_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_add_api, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_dir, setup, teardown),
        cmocka_unit_test_setup_teardown(test_e820_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dma_signature, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dma_read, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dma_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dma_4gib_bounded_under_lock,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_dma_in_progress_reset_save_load,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_save_load, setup, teardown),
        cmocka_unit_test_setup_teardown(test_second_instance, setup, teardown),
        cmocka_unit_test_setup_teardown(test_garbage, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ram_size_8g, setup_8g, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
