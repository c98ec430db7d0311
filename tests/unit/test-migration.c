/*
 * The machine state stream (migration/stream.h) between two whole
 * machines in one process: a round trip of RAM, the vCPU state (GPRs,
 * segments, x87, SSE, MSRs, pending events) and every device, and a
 * table of damaged streams, each of which must be refused with a message
 * naming the problem before any machine state is applied.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "migration/stream.h"

#define IMG_SIZE (64 * 1024)

static char bios_path[] = "/tmp/kite-test-mig-bios-XXXXXX";
static char stream_path[] = "/tmp/kite-test-mig-XXXXXX";

static int setup(void **state)
{
    uint8_t *img = malloc(IMG_SIZE);
    int fd = mkstemp(bios_path);

    memset(img, 0xf4, IMG_SIZE);
    assert_int_equal(write(fd, img, IMG_SIZE), IMG_SIZE);
    close(fd);
    free(img);
    fd = mkstemp(stream_path);
    close(fd);
    return 0;
}

static int teardown(void **state)
{
    unlink(bios_path);
    unlink(stream_path);
    return 0;
}

static Machine *new_machine(uint64_t ram, const char *dev)
{
    MachineConfig cfg = {
        .ram_size = ram, .smp = 1, .bios = bios_path,
        .accel = "tcg", .tcg_backend = "interp", .kernel_irqchip = -1,
        .nographic = true, .serial = "null",
        .manual_clock = true,    /* device timers compare exactly */
    };
    Error err = { "" };
    Machine *m;

    if (dev) {
        cfg.device_args[cfg.ndevice_args++] = dev;
    }
    m = machine_create(&cfg, &err);
    if (!m) {
        fail_msg("machine_create: %s", err.msg);
    }
    return m;
}

/* Gives machine a a state worth checking: RAM patterns, registers. */
static void dirty_machine(Machine *m)
{
    X86CPUState *st = &m->cpus[0]->env;
    uint8_t page[4096];

    for (uint64_t off = 0x200000; off < 0x400000; off += 0x3000) {
        memset(page, (int)(off >> 12), sizeof(page));
        memcpy(page, &off, sizeof(off));
        assert_int_equal(memory_region_write(&m->mem, &m->ram, off, page,
                                             sizeof(page)), 0);
    }
    for (int i = 0; i < 16; i++) {
        st->regs[i] = 0x1111111111111111ull * (uint64_t)(i + 1);
        st->xmm[i].q[0] = ~(uint64_t)i;
        st->xmm[i].q[1] = (uint64_t)i << 40;
    }
    st->rip = 0x123456;
    st->fpregs[3].mant = 0xc000000000000000ull;
    st->fpregs[3].exp = 0x3fff;
    st->fcw = 0x27f;
    st->mxcsr = 0x1fa0;
    st->lstar = 0xffffffff81000000ull;
    st->nmi_pending = true;
    st->interrupt_shadow = 1;
    st->tsc_adjust = 12345;
    assert_int_equal(m->accel->set_state(m->cpus[0]), 0);
}

static void state_bytes(Machine *m, SaveBuf *s)
{
    savebuf_init(s);
    m->accel->get_state(m->cpus[0]);
    x86_cpu_state_save(&m->cpus[0]->env, s);
    device_tree_save(m->root, s);
}

/* Writes m's whole stream to stream_path; returns its bytes. */
static uint8_t *write_stream(Machine *m, size_t *len, const SaveBuf *state)
{
    MigChannel c;
    Error err = { "" };
    unsigned long *bm = calloc(mig_bitmap_words(m), sizeof(long));
    size_t cursor = 0;
    MigRamStats rs = { 0, 0 };
    SaveBuf own;
    uint8_t *data;

    assert_int_equal(mig_channel_open_out(&c, "file:/dev/null", &err), 0);
    mig_channel_close(&c);
    assert_int_equal(mig_channel_open_out(&c, "file:/dev/null", &err), 0);
    mig_channel_close(&c);
    {
        char uri[64];
        snprintf(uri, sizeof(uri), "file:%s", stream_path);
        assert_int_equal(mig_channel_open_out(&c, uri, &err), 0);
    }
    for (uint64_t p = 0; p < mig_ram_pages(m); p++) {
        bm[p / 64] |= 1ul << (p % 64);
    }
    mig_save_header(&c, m);
    assert_true(mig_save_pages(&c, m, bm, &cursor, UINT64_MAX, &rs));
    assert_int_equal(rs.normal + rs.zero, mig_ram_pages(m));
    if (!state) {
        savebuf_init(&own);
        m->accel->get_state(m->cpus[0]);
        mig_state_save(m, &own);
        mig_save_state_record(&c, &own);
        savebuf_free(&own);
    } else {
        mig_save_state_record(&c, state);
    }
    mig_save_end(&c);
    assert_int_equal(mig_channel_close(&c), 0);
    free(bm);
    assert_int_equal(file_read_all(stream_path, 1 * GiB, &data, len, &err), 0);
    return data;
}

static int load_bytes_into(Machine *m, const uint8_t *data, size_t len,
                           Error *err)
{
    FILE *f = fopen(stream_path, "wb");
    char uri[64];
    MigChannel c;
    int r;

    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    fclose(f);
    snprintf(uri, sizeof(uri), "file:%s", stream_path);
    assert_int_equal(mig_channel_open_in(&c, uri, err), 0);
    r = mig_load_stream(&c, m, err);
    mig_channel_close(&c);
    return r;
}

static void test_round_trip(void **unused)
{
    Machine *a = new_machine(32 * MiB, "virtio-rng-pci");
    Machine *b = new_machine(32 * MiB, "virtio-rng-pci");
    Error err = { "" };
    SaveBuf sa, sb;
    size_t len;
    uint8_t *data;

    dirty_machine(a);
    clock_advance(&a->timers, 123456789);   /* b continues from a's time */
    /* b's RAM differs where a's is zero: the load must clear it */
    assert_int_equal(address_space_fill(&b->mem, 0x600000, 0x5a, 0x10000), 0);
    data = write_stream(a, &len, NULL);
    assert_int_equal(load_bytes_into(b, data, len, &err), 0);
    assert_memory_equal(a->ram.host, b->ram.host, a->ram_size);
    /* the vCPU exactly as it was */
    savebuf_init(&sa);
    savebuf_init(&sb);
    a->accel->get_state(a->cpus[0]);
    b->accel->get_state(b->cpus[0]);
    x86_cpu_state_save(&a->cpus[0]->env, &sa);
    x86_cpu_state_save(&b->cpus[0]->env, &sb);
    assert_int_equal(sa.len, sb.len);
    assert_memory_equal(sa.data, sb.data, sa.len);
    savebuf_free(&sa);
    savebuf_free(&sb);
    /*
     * Every device: a loaded into itself and b loaded from the stream end
     * in the same state (loading re-raises what was pending, so compare
     * loaded with loaded).
     */
    assert_int_equal(load_bytes_into(a, data, len, &err), 0);
    state_bytes(a, &sa);
    state_bytes(b, &sb);
    assert_int_equal(sa.len, sb.len);
    assert_memory_equal(sa.data, sb.data, sa.len);
    assert_true(b->cpus[0]->env.nmi_pending);
    assert_int_equal(b->cpus[0]->env.xmm[7].q[0], ~7ull);
    assert_int_equal(clock_ns(&b->timers), clock_ns(&a->timers));
    savebuf_free(&sa);
    savebuf_free(&sb);
    free(data);
    machine_destroy(a);
    machine_destroy(b);
}

typedef struct Damage {
    const char *name;
    size_t at;                   /* byte to change, or the length kept */
    int kind;                    /* 0 truncate, 1 xor, 2 set */
    uint8_t v;
    const char *expect;
} Damage;

/* Header: magic 8, version 4, RAM 8, vCPUs 4, device count 4, names. */
static void test_damaged(void **unused)
{
    Machine *a = new_machine(32 * MiB, NULL);
    size_t len, hdr = 8 + 4 + 8 + 4 + 4;
    uint8_t *good;
    uint32_t n0;

    dirty_machine(a);
    good = write_stream(a, &len, NULL);
    n0 = ld32le(good + hdr);                     /* first name's length */
    size_t first_rec = hdr;
    for (uint32_t i = 0, n = ld32le(good + hdr - 4); i < n; i++) {
        first_rec += 4 + ld32le(good + first_rec);
    }
    assert_int_equal(good[first_rec], MIG_REC_RAM);
    const Damage table[] = {
        { "empty", 0, 0, 0, "truncated" },
        { "magic only", 8, 0, 0, "truncated" },
        { "cut in the header", hdr + 2, 0, 0, "truncated" },
        { "cut in RAM", len / 3, 0, 0, "truncated" },
        { "cut before the end", len - 5, 0, 0, "truncated" },
        { "cut in the checksum", len - 2, 0, 0, "truncated" },
        { "bad magic", 0, 1, 0x20, "bad magic" },
        { "version 2", 8, 2, 2, "version 2" },
        { "version 0", 8, 2, 0, "version 0" },
        { "RAM size", 8 + 4 + 3, 1, 1, "RAM" },
        { "vCPU count", 8 + 4 + 8, 2, 2, "vCPUs" },
        { "device count", hdr - 4, 1, 1, "devices" },
        { "device name length", hdr + 1, 2, 0x7f, "device name" },
        { "device name", hdr + 4, 1, 0x01, "in the stream" },
        { "RAM record tag", first_rec, 2, 'Q', "unknown record" },
        { "RAM record count", first_rec + 1, 2, 65, "RAM record of" },
        { "page flags", first_rec + 5, 2, 3, "bad RAM page entry" },
        { "page flags zero", first_rec + 5, 2, 0, "bad RAM page entry" },
        { "page beyond RAM", first_rec + 5 + 4, 2, 0x40, "bad RAM page entry" },
        { "page data", len / 2, 1, 0x80, "" },
        { "state length", len - 5 - 1, 1, 0x01, "" },
        { "checksum", len - 1, 1, 0x01, "checksum" },
        { "end tag", len - 5, 2, 'S', "" },
    };
    (void)n0;
    for (size_t i = 0; i < ARRAY_SIZE(table); i++) {
        const Damage *d = &table[i];
        Machine *b = new_machine(32 * MiB, NULL);
        uint8_t *bad = malloc(len);
        size_t blen = len;
        Error err = { "" };
        X86CPUState before = b->cpus[0]->env;

        memcpy(bad, good, len);
        if (d->kind == 0) {
            blen = d->at;
        } else if (d->kind == 1) {
            bad[d->at] ^= d->v;
        } else {
            bad[d->at] = d->v;
        }
        if (load_bytes_into(b, bad, blen, &err) != -1 ||
            !strstr(err.msg, d->expect) || !err.msg[0]) {
            fail_msg("damage '%s': got '%s', expected '%s'", d->name, err.msg,
                     d->expect);
        }
        /* nothing of the state was applied */
        assert_memory_equal(&before, &b->cpus[0]->env, sizeof(before));
        print_message("refused '%s': %s\n", d->name, err.msg);
        free(bad);
        machine_destroy(b);
    }
    free(good);
    machine_destroy(a);
}

/* A state record that checks out as bytes but not as a machine state. */
static void test_bad_state(void **unused)
{
    Machine *a = new_machine(16 * MiB, NULL);
    static const struct {
        const char *name;
        size_t at;
        uint8_t v;
        const char *expect;
    } table[] = {
        { "state version", 0, 9, "machine state version" },
        { "vCPU count", 4 + 8 + 1, 3, "vCPU count" },
        { "vCPU state version", 4 + 8 + 1 + 4, 7, "vCPU 0" },
    };

    for (size_t i = 0; i < ARRAY_SIZE(table); i++) {
        Machine *b = new_machine(16 * MiB, NULL);
        SaveBuf st;
        size_t len;
        uint8_t *data;
        Error err = { "" };

        savebuf_init(&st);
        a->accel->get_state(a->cpus[0]);
        mig_state_save(a, &st);
        st.data[table[i].at] = table[i].v;
        data = write_stream(a, &len, &st);
        assert_int_equal(load_bytes_into(b, data, len, &err), -1);
        if (!strstr(err.msg, table[i].expect)) {
            fail_msg("'%s': got '%s'", table[i].name, err.msg);
        }
        savebuf_free(&st);
        free(data);
        machine_destroy(b);
    }
    /* a device the destination lacks */
    {
        Machine *b = new_machine(16 * MiB, "virtio-rng-pci");
        size_t len;
        uint8_t *data = write_stream(a, &len, NULL);
        Error err = { "" };
        assert_int_equal(load_bytes_into(b, data, len, &err), -1);
        assert_non_null(strstr(err.msg, "devices"));
        free(data);
        machine_destroy(b);
    }
    machine_destroy(a);
}

static void test_crc(void **unused)
{
    static const char text[] = "The quick brown fox jumps over the lazy dog";

    /* the standard check value of CRC-32C */
    assert_int_equal(mig_crc32(0, "123456789", 9), 0xe3069283u);
    /* in pieces as in one go, at every split */
    for (size_t i = 0; i <= sizeof(text) - 1; i++) {
        assert_int_equal(mig_crc32(mig_crc32(0, text, i), text + i,
                                   sizeof(text) - 1 - i),
                         mig_crc32(0, text, sizeof(text) - 1));
    }
    assert_int_equal(mig_crc32(0, "", 0), 0);
    assert_int_equal(mig_crc32_soft(0, "123456789", 9), 0xe3069283u);
    for (size_t i = 0; i <= sizeof(text) - 1; i++) {
        assert_int_equal(mig_crc32_soft(0x1234, text + i, sizeof(text) - 1 - i),
                         mig_crc32(0x1234, text + i, sizeof(text) - 1 - i));
    }
}

static void test_bad_uris(void **unused)
{
    MigChannel c;
    Error err = { "" };

    assert_int_equal(mig_channel_open_out(&c, "ftp:x", &err), -1);
    assert_non_null(strstr(err.msg, "unknown migration URI"));
    assert_int_equal(mig_channel_open_out(&c, "tcp:nocolon", &err), -1);
    assert_int_equal(mig_channel_open_in(&c, "file:/nonexistent/x", &err), -1);
    assert_int_equal(mig_channel_open_in(&c, "file:/tmp", &err), -1);
    assert_non_null(strstr(err.msg, "directory"));
    assert_int_equal(mig_channel_open_out(&c, "exec:", &err), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc),
        cmocka_unit_test(test_bad_uris),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_damaged),
        cmocka_unit_test(test_bad_state),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
