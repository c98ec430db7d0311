/*
 * Unit tests for the SMBIOS tables (hw/pc/smbios.c), parsed back as a
 * guest's DMI scanner would: every structure's formatted length for its
 * type, strings ended by NUL and the set by a second NUL, unique handles,
 * the entry points' counts, sizes and checksums; the values the machine's
 * configuration gives (RAM in types 16, 17 and 19, one type 4 per vCPU,
 * extended fields past the 2.1 limits); Kite's name in types 0, 1 and 3.
 * Then the "smbios-tables" device: the RAM copy and both entry points in
 * the F-segment for a -kernel boot (restored on reset), the fw_cfg files
 * without type 0 for a firmware boot.
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
#include "hw/pc/smbios.h"

#define MAX_STRUCTS 512

typedef struct Parsed {
    const uint8_t *s[MAX_STRUCTS];   /* each structure's header */
    size_t size[MAX_STRUCTS];        /* with its strings */
    int n;
    size_t max_size;
} Parsed;

static uint32_t rd(const uint8_t *p, unsigned n)
{
    uint32_t v = 0;

    for (unsigned i = 0; i < n; i++) {
        v |= (uint32_t)p[i] << (8 * i);
    }
    return v;
}

static uint64_t rd64(const uint8_t *p)
{
    return rd(p, 4) | (uint64_t)rd(p + 4, 4) << 32;
}

static uint8_t sum8(const uint8_t *p, size_t n)
{
    uint8_t s = 0;

    while (n--) {
        s += *p++;
    }
    return s;
}

/* Formatted-area length DSP0134 2.8 gives each type Kite builds. */
static unsigned expected_length(uint8_t type)
{
    switch (type) {
    case 0: return 0x18;
    case 1: return 0x1b;
    case 3: return 0x16;
    case 4: return 0x2a;
    case 16: return 0x17;
    case 17: return 0x28;
    case 19: return 0x1f;
    case 32: return 0x0b;
    case 127: return 4;
    }
    fail_msg("unexpected structure type %u", type);
    return 0;
}

/* Walks the table; checks lengths, string sets and unique handles. */
static void parse(const uint8_t *p, size_t len, Parsed *out)
{
    size_t off = 0;

    memset(out, 0, sizeof(*out));
    while (off < len) {
        const uint8_t *h = p + off;
        size_t end;

        assert_true(off + 4 <= len);
        assert_int_equal(h[1], expected_length(h[0]));
        end = off + h[1];
        /* strings: scan to the double NUL, within the table */
        while (end + 1 < len && (p[end] || p[end + 1])) {
            end++;
        }
        assert_true(end + 1 < len);
        end += 2;
        for (int i = 0; i < out->n; i++) {
            assert_int_not_equal(rd(out->s[i] + 2, 2), rd(h + 2, 2));
        }
        assert_true(out->n < MAX_STRUCTS);
        out->s[out->n] = h;
        out->size[out->n] = end - off;
        out->max_size = MAX(out->max_size, end - off);
        out->n++;
        off = end;
    }
    assert_int_equal(off, len);
    assert_int_equal(out->s[out->n - 1][0], 127);
}

/* String number idx (1-based) of structure h, or NULL. */
static const char *str(const uint8_t *h, uint8_t idx)
{
    const char *s = (const char *)h + h[1];

    if (idx == 0) {
        return NULL;
    }
    while (--idx) {
        assert_true(*s);
        s += strlen(s) + 1;
    }
    return s;
}

static int count_type(const Parsed *p, uint8_t type)
{
    int n = 0;

    for (int i = 0; i < p->n; i++) {
        n += p->s[i][0] == type;
    }
    return n;
}

static const uint8_t *find_type(const Parsed *p, uint8_t type, int nth)
{
    for (int i = 0; i < p->n; i++) {
        if (p->s[i][0] == type && nth-- == 0) {
            return p->s[i];
        }
    }
    fail_msg("no structure %d of type %u", nth, type);
    return NULL;
}

static void build(SmbiosTables *t, Parsed *p, uint64_t below, uint64_t above,
                  int ncpus, bool bios_info)
{
    SmbiosConfig c = { below, above, ncpus, bios_info, "1.2.3" };

    smbios_build(&c, t);
    parse(t->data.data, t->data.len, p);
    assert_int_equal(t->count, p->n);
    assert_int_equal(t->max_size, p->max_size);
}

static void test_types_and_strings(void **state)
{
    SmbiosTables t;
    Parsed p;
    const uint8_t *h;

    build(&t, &p, 128 * MiB, 0, 2, true);
    assert_int_equal(p.n, 10);
    static const uint8_t order[] = { 0, 1, 3, 4, 4, 16, 17, 19, 32, 127 };
    for (int i = 0; i < p.n; i++) {
        assert_int_equal(p.s[i][0], order[i]);
    }
    h = find_type(&p, 0, 0);
    assert_string_equal(str(h, h[4]), "Kite");
    assert_string_equal(str(h, h[5]), "1.2.3");
    assert_string_equal(str(h, h[8]), "01/01/2026");
    h = find_type(&p, 1, 0);
    assert_string_equal(str(h, h[4]), "Kite");
    assert_non_null(strstr(str(h, h[5]), "Kite"));
    assert_string_equal(str(h, h[6]), "1.2.3");
    assert_null(str(h, h[7]));                 /* no serial number */
    h = find_type(&p, 3, 0);
    assert_string_equal(str(h, h[4]), "Kite");
    assert_string_equal(str(find_type(&p, 4, 0), find_type(&p, 4, 0)[4]),
                        "CPU 0");
    assert_string_equal(str(find_type(&p, 4, 1), find_type(&p, 4, 1)[4]),
                        "CPU 1");
    assert_int_equal(find_type(&p, 4, 1)[24], 0x41);   /* populated, enabled */
    /* type 32 has no strings: its set is two NULs */
    h = find_type(&p, 32, 0);
    assert_int_equal(h[h[1]], 0);
    assert_int_equal(h[h[1] + 1], 0);
    smbios_tables_free(&t);
}

static void test_memory_128m(void **state)
{
    SmbiosTables t;
    Parsed p;
    const uint8_t *h;

    build(&t, &p, 128 * MiB, 0, 1, false);
    assert_int_equal(count_type(&p, 0), 0);     /* firmware adds its own */
    h = find_type(&p, 16, 0);
    assert_int_equal(rd(h + 7, 4), 128 * 1024);        /* KiB */
    assert_int_equal(rd(h + 13, 2), 1);                /* devices */
    h = find_type(&p, 17, 0);
    assert_int_equal(rd(h + 4, 2), rd(find_type(&p, 16, 0) + 2, 2));
    assert_int_equal(rd(h + 12, 2), 128);              /* MiB */
    assert_string_equal(str(h, h[16]), "DIMM 0");
    h = find_type(&p, 19, 0);
    assert_int_equal(rd(h + 4, 4), 0);
    assert_int_equal(rd(h + 8, 4), 128 * 1024 - 1);
    assert_int_equal(count_type(&p, 19), 1);
    smbios_tables_free(&t);
}

/* 3 GiB below 4 GiB and 37 GiB above: three DIMMs, two ranges. */
static void test_memory_40g(void **state)
{
    SmbiosTables t;
    Parsed p;
    const uint8_t *h;

    build(&t, &p, 3 * GiB, 37 * GiB, 4, true);
    assert_int_equal(count_type(&p, 4), 4);
    assert_int_equal(count_type(&p, 17), 3);
    assert_int_equal(rd(find_type(&p, 17, 0) + 12, 2), 16384);
    assert_int_equal(rd(find_type(&p, 17, 2) + 12, 2), 8192);
    assert_int_equal(rd(find_type(&p, 16, 0) + 13, 2), 3);
    h = find_type(&p, 19, 1);
    assert_int_equal(rd(h + 4, 4), 4 * GiB / KiB);
    assert_int_equal(rd(h + 8, 4), (4 * GiB + 37 * GiB) / KiB - 1);
    assert_int_equal(h[14], 3);
    smbios_tables_free(&t);
}

/* Past the 2.1 fields: 4 TiB and more uses the extended ones. */
static void test_memory_extended(void **state)
{
    SmbiosTables t;
    Parsed p;
    const uint8_t *h;
    uint64_t above = 5000 * GiB;

    build(&t, &p, 3 * GiB, above, 1, false);
    h = find_type(&p, 16, 0);
    assert_int_equal(rd(h + 7, 4), 0x80000000u);
    assert_true(rd64(h + 15) == 3 * GiB + above);
    h = find_type(&p, 19, 1);
    assert_int_equal(rd(h + 4, 4), 0xffffffffu);
    assert_int_equal(rd(h + 8, 4), 0xffffffffu);
    assert_true(rd64(h + 15) == 4 * GiB);
    assert_true(rd64(h + 23) == 4 * GiB + above - 1);
    /* the range below 4 GiB keeps the 32-bit fields */
    assert_int_equal(rd(find_type(&p, 19, 0) + 8, 4), 3 * GiB / KiB - 1);
    smbios_tables_free(&t);
}

static void test_entry_points(void **state)
{
    SmbiosTables t;
    Parsed p;
    uint8_t ep21[SMBIOS_EP21_SIZE], ep30[SMBIOS_EP30_SIZE];

    build(&t, &p, 64 * MiB, 0, 3, true);
    smbios_entry21(&t, 0xf1000, ep21);
    assert_memory_equal(ep21, "_SM_", 4);
    assert_int_equal(ep21[5], 31);
    assert_int_equal(sum8(ep21, 31), 0);
    assert_memory_equal(ep21 + 16, "_DMI_", 5);
    assert_int_equal(sum8(ep21 + 16, 15), 0);
    assert_int_equal(ep21[6], 2);
    assert_int_equal(ep21[7], 8);
    assert_int_equal(rd(ep21 + 8, 2), p.max_size);
    assert_int_equal(rd(ep21 + 22, 2), t.data.len);
    assert_int_equal(rd(ep21 + 24, 4), 0xf1000);
    assert_int_equal(rd(ep21 + 28, 2), p.n);
    assert_int_equal(ep21[30], 0x28);
    smbios_entry30(&t, 0x123456789ull, ep30);
    assert_memory_equal(ep30, "_SM3_", 5);
    assert_int_equal(ep30[6], 24);
    assert_int_equal(sum8(ep30, 24), 0);
    assert_int_equal(ep30[7], 3);
    assert_int_equal(rd(ep30 + 12, 4), t.data.len);
    assert_true(rd64(ep30 + 16) == 0x123456789ull);
    smbios_tables_free(&t);
}

/* ---- the device in a machine ---- */

static Machine *machine_new(const char *kernel, const char *bios)
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
    assert_int_equal(machine_init_memory(m, 256 * MiB, NULL), 0);
    m->root = device_new(m, &machine_root_type, NULL, "pc");
    m->root->realized = true;
    assert_non_null(device_create(m, "i440FX", m->root, "", &err));
    assert_non_null(fw_cfg_init(m, &err));
    if (!device_create(m, "smbios-tables", m->root, "", &err)) {
        fail_msg("smbios-tables: %s", err.msg);
    }
    return m;
}

static void machine_free(Machine *m)
{
    device_destroy(m->root);
    machine_destroy_memory(m);
    free(m);
}

static const uint8_t *ram_at(Machine *m, uint64_t addr, uint64_t len)
{
    const uint8_t *p = address_space_get_ptr(&m->mem, addr, len);

    assert_non_null(p);
    return p;
}

static size_t fw_cfg_read_file(Machine *m, const char *name, uint8_t *buf,
                               size_t len)
{
    int key = fw_cfg_file_key(m->fw_cfg, name);
    size_t n = 0;

    assert_true(key >= 0);
    address_space_st(&m->io, FW_CFG_IO_BASE, (uint64_t)key, 2);
    for (n = 0; n < len; n++) {
        buf[n] = (uint8_t)address_space_ld(&m->io, FW_CFG_IO_BASE + 1, 1);
    }
    return n;
}

static void test_kernel_boot(void **state)
{
    Machine *m = machine_new("vmlinuz", NULL);
    const uint8_t *ep30 = ram_at(m, SMBIOS_EP30_ADDR, SMBIOS_EP30_SIZE);
    const uint8_t *ep21 = ram_at(m, SMBIOS_EP21_ADDR, SMBIOS_EP21_SIZE);
    const uint8_t *h;
    Parsed p;

    assert_int_equal(SMBIOS_EP30_ADDR % 16, 0);
    assert_int_equal(SMBIOS_EP21_ADDR % 16, 0);
    assert_memory_equal(ep30, "_SM3_", 5);
    assert_int_equal(sum8(ep30, SMBIOS_EP30_SIZE), 0);
    assert_memory_equal(ep21, "_SM_", 4);
    assert_int_equal(sum8(ep21, SMBIOS_EP21_SIZE), 0);
    assert_true(rd64(ep30 + 16) == SMBIOS_TABLES_ADDR);
    assert_int_equal(rd(ep21 + 24, 4), SMBIOS_TABLES_ADDR);
    parse(ram_at(m, SMBIOS_TABLES_ADDR, rd(ep21 + 22, 2)), rd(ep21 + 22, 2),
          &p);
    assert_int_equal(p.n, rd(ep21 + 28, 2));
    assert_int_equal(count_type(&p, 4), 2);
    h = find_type(&p, 0, 0);
    assert_string_equal(str(h, h[4]), "Kite");
    assert_int_equal(rd(find_type(&p, 16, 0) + 7, 4), 256 * 1024);
    /* a guest that wiped them finds them again after a reset */
    address_space_fill(&m->mem, 0xf0000, 0, 0x8000);
    device_reset_tree(m->root);
    assert_memory_equal(ram_at(m, SMBIOS_EP21_ADDR, 4), "_SM_", 4);
    assert_int_equal(ram_at(m, SMBIOS_TABLES_ADDR, 2)[1], 0x18);
    machine_free(m);
}

static void test_firmware_boot(void **state)
{
    Machine *m = machine_new(NULL, "bios.bin");
    uint8_t ep[SMBIOS_EP21_SIZE], tables[4096];
    size_t len;
    Parsed p;

    assert_int_equal(fw_cfg_read_file(m, SMBIOS_FILE_ANCHOR, ep, sizeof(ep)),
                     sizeof(ep));
    assert_memory_equal(ep, "_SM_", 4);
    assert_int_equal(sum8(ep, sizeof(ep)), 0);
    assert_int_equal(rd(ep + 24, 4), 0);       /* the firmware places it */
    len = rd(ep + 22, 2);
    assert_true(len <= sizeof(tables));
    fw_cfg_read_file(m, SMBIOS_FILE_TABLES, tables, len);
    parse(tables, len, &p);
    assert_int_equal(p.n, rd(ep + 28, 2));
    assert_int_equal(count_type(&p, 0), 0);
    assert_int_equal(count_type(&p, 1), 1);
    machine_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_types_and_strings),
        cmocka_unit_test(test_memory_128m),
        cmocka_unit_test(test_memory_40g),
        cmocka_unit_test(test_memory_extended),
        cmocka_unit_test(test_entry_points),
        cmocka_unit_test(test_kernel_boot),
        cmocka_unit_test(test_firmware_boot),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
