/*
 * The machine state stream (see stream.h): writing and checking the
 * header, RAM pages, the machine state record and the end marker.
 */
#include "migration/stream.h"

#include <stdlib.h>
#include <string.h>

#include "hw/intc/intc.h"

/* ---- header: the configuration the stream needs ---- */

typedef struct DevList {
    const char *names[512];
    unsigned n;
    bool overflow;
} DevList;

static void devlist_add(Device *d, void *opaque)
{
    DevList *l = opaque;

    if (!d->realized || !d->type->save) {
        return;
    }
    if (l->n == ARRAY_SIZE(l->names)) {
        l->overflow = true;
        return;
    }
    l->names[l->n++] = d->type->name;
}

void mig_save_header(MigChannel *c, Machine *m)
{
    DevList l = { .n = 0 };

    device_foreach(m->root, devlist_add, &l);
    mig_put_bytes(c, MIG_MAGIC, 8);
    mig_put_u32(c, MIG_STREAM_VERSION);
    mig_put_u64(c, m->ram_size);
    mig_put_u32(c, (uint32_t)m->ncpus);
    mig_put_u32(c, l.n);
    for (unsigned i = 0; i < l.n; i++) {
        size_t n = strlen(l.names[i]);
        mig_put_u32(c, (uint32_t)n);
        mig_put_bytes(c, l.names[i], n);
    }
}

static int load_devices(MigChannel *c, Machine *m, Error *err)
{
    DevList l = { .n = 0 };
    uint32_t n = mig_get_u32(c);
    char name[128];

    device_foreach(m->root, devlist_add, &l);
    if (!c->error && n != l.n) {
        return error_setg(err, "the stream's machine has %u devices with "
                          "state, this one %u (start the destination with "
                          "the same devices)", n, l.n);
    }
    for (uint32_t i = 0; i < n && !c->error; i++) {
        uint32_t len = mig_get_u32(c);
        if (len >= sizeof(name)) {
            return error_setg(err, "corrupt stream: device name of %u bytes",
                              len);
        }
        mig_get_bytes(c, name, len);
        name[len] = '\0';
        if (!c->error && strcmp(name, l.names[i])) {
            return error_setg(err, "device %u is '%s' in the stream but "
                              "'%s' here (start the destination with the "
                              "same devices)", i, name, l.names[i]);
        }
    }
    return 0;
}

static int load_header(MigChannel *c, Machine *m, Error *err)
{
    char magic[8];
    uint32_t version, ncpus;
    uint64_t ram;

    mig_get_bytes(c, magic, 8);
    if (c->error) {
        return -1;
    }
    if (memcmp(magic, MIG_MAGIC, 8)) {
        return error_setg(err, "not a Kite machine state stream (bad magic)");
    }
    version = mig_get_u32(c);
    if (!c->error && version != MIG_STREAM_VERSION) {
        return error_setg(err, "stream version %u is not supported (this "
                          "Kite reads version %u)", version,
                          MIG_STREAM_VERSION);
    }
    ram = mig_get_u64(c);
    if (!c->error && ram != m->ram_size) {
        return error_setg(err, "the stream's machine has %llu MiB of RAM, "
                          "this one %llu MiB (give the same -m)",
                          (unsigned long long)(ram / MiB),
                          (unsigned long long)(m->ram_size / MiB));
    }
    ncpus = mig_get_u32(c);
    if (!c->error && ncpus != (uint32_t)m->ncpus) {
        return error_setg(err, "the stream's machine has %u vCPUs, this one "
                          "%d (give the same -smp)", ncpus, m->ncpus);
    }
    return load_devices(c, m, err);
}

/* ---- RAM ---- */

static bool page_is_zero(const uint8_t *p)
{
    const uint64_t *w = (const uint64_t *)p;

    for (size_t i = 0; i < MIG_PAGE_SIZE / 8; i += 4) {
        if (w[i] | w[i + 1] | w[i + 2] | w[i + 3]) {
            return false;
        }
    }
    return true;
}

/* One record with the pages of one bitmap word. */
static void save_word(MigChannel *c, Machine *m, size_t wi, unsigned long w,
                      MigRamStats *st)
{
    mig_put_u8(c, MIG_REC_RAM);
    mig_put_u32(c, (uint32_t)__builtin_popcountl(w));
    while (w) {
        unsigned bit = (unsigned)__builtin_ctzl(w);
        uint64_t off = ((uint64_t)wi * 64 + bit) * MIG_PAGE_SIZE;
        const uint8_t *p = m->ram.host + off;

        w &= w - 1;
        if (page_is_zero(p)) {
            mig_put_u64(c, off | MIG_PAGE_ZERO);
            st->zero++;
        } else {
            mig_put_u64(c, off | MIG_PAGE_DATA);
            mig_put_bytes(c, p, MIG_PAGE_SIZE);
            st->normal++;
        }
    }
}

bool mig_save_pages(MigChannel *c, Machine *m, unsigned long *bitmap,
                    size_t *cursor, uint64_t budget, MigRamStats *st)
{
    size_t words = mig_bitmap_words(m);
    uint64_t start = c->bytes;

    for (; *cursor < words && !c->error; (*cursor)++) {
        unsigned long w = bitmap[*cursor];
        if (!w) {
            continue;
        }
        bitmap[*cursor] = 0;
        save_word(c, m, *cursor, w, st);
        if (c->bytes - start >= budget) {
            (*cursor)++;
            break;
        }
    }
    for (size_t i = *cursor; i < words; i++) {
        if (bitmap[i]) {
            return false;
        }
    }
    return true;
}

static int load_page(MigChannel *c, Machine *m, uint8_t *page, Error *err)
{
    static const uint8_t zero[MIG_PAGE_SIZE];
    uint64_t e = mig_get_u64(c), flags = e & (MIG_PAGE_SIZE - 1);
    uint64_t off = e & ~(MIG_PAGE_SIZE - 1);

    if (c->error) {
        return -1;
    }
    if (off >= m->ram_size || (flags != MIG_PAGE_ZERO &&
                               flags != MIG_PAGE_DATA)) {
        return error_setg(err, "corrupt stream: bad RAM page entry 0x%llx at "
                          "byte %llu", (unsigned long long)e,
                          (unsigned long long)c->bytes - 8);
    }
    if (flags == MIG_PAGE_DATA) {
        mig_get_bytes(c, page, MIG_PAGE_SIZE);
        if (c->error) {
            return -1;
        }
        return memory_region_write(&m->mem, &m->ram, off, page, MIG_PAGE_SIZE);
    }
    if (page_is_zero(m->ram.host + off)) {
        return 0;       /* leave untouched pages unallocated */
    }
    return memory_region_write(&m->mem, &m->ram, off, zero, MIG_PAGE_SIZE);
}

static int load_ram_record(MigChannel *c, Machine *m, uint8_t *page,
                           Error *err)
{
    uint32_t n = mig_get_u32(c);

    if (!c->error && n > 64) {
        return error_setg(err, "corrupt stream: RAM record of %u pages", n);
    }
    for (uint32_t i = 0; i < n && !c->error; i++) {
        if (load_page(c, m, page, err) < 0) {
            return -1;
        }
    }
    return 0;
}

/* ---- the machine state record ---- */

void mig_state_save(Machine *m, SaveBuf *s)
{
    save_u32(s, MIG_STATE_VERSION);
    save_u64(s, (uint64_t)clock_ns(&m->timers));
    save_u8(s, m->a20_enabled);
    save_u32(s, (uint32_t)m->ncpus);
    for (int i = 0; i < m->ncpus; i++) {
        x86_cpu_state_save(&m->cpus[i]->env, s);
    }
    device_tree_save(m->root, s);
}

/*
 * The stream carries each vCPU's TSC as the guest read it when it was
 * saved. The TCG derives the TSC from the virtual clock plus
 * IA32_TSC_ADJUST; a TSC from elsewhere (KVM's, the host's) is kept as a
 * guest write of the TSC would keep it, through TSC_ADJUST. From a TCG
 * source the clock is restored to the same time and nothing changes.
 */
static void tsc_to_tcg(Machine *m, X86CPUState *env, int64_t clock)
{
    uint64_t raw = muldiv64((uint64_t)clock, PC_TSC_HZ, 1000000000ull);

    if (strcmp(m->accel->name, "tcg") || !env->tsc) {
        return;
    }
    env->tsc_adjust = env->tsc - raw;
}

int mig_state_load(Machine *m, SaveBuf *s, Error *err)
{
    X86CPUState *env = xzalloc(sizeof(*env) * (size_t)m->ncpus);
    uint32_t version = load_u32(s);
    int64_t clock;
    int ret = -1;
    bool a20;

    if (version != MIG_STATE_VERSION) {
        error_setg(err, "machine state version %u is not supported (this "
                   "Kite reads version %u)", version, MIG_STATE_VERSION);
        goto out;
    }
    clock = (int64_t)load_u64(s);
    a20 = load_u8(s) != 0;
    if (load_u32(s) != (uint32_t)m->ncpus || s->error || clock < 0) {
        error_setg(err, "corrupt machine state (clock or vCPU count)");
        goto out;
    }
    for (int i = 0; i < m->ncpus; i++) {
        if (x86_cpu_state_load(&env[i], s) < 0) {
            error_setg(err, "the state of vCPU %d is invalid", i);
            goto out;
        }
    }
    /* the clock first: devices re-arm their timers from it */
    clock_set(&m->timers, clock);
    m->a20_enabled = a20;
    if (device_tree_load(m->root, s, err) < 0) {
        error_prepend(err, "device state");
        goto out;
    }
    if (s->pos != s->len) {
        error_setg(err, "corrupt machine state (%zu bytes left over)",
                   s->len - s->pos);
        goto out;
    }
    for (int i = 0; i < m->ncpus; i++) {
        tsc_to_tcg(m, &env[i], clock);
        m->cpus[i]->env = env[i];
        if (m->accel->set_state(m->cpus[i]) < 0) {
            error_setg(err, "the accelerator refused the state of vCPU %d", i);
            goto out;
        }
        /* DR0-DR7 came with the state: the TCG rebuilds its breakpoints */
        atomic_store(&m->cpus[i]->debug_dirty, true);
    }
    ret = 0;
out:
    free(env);
    return ret;
}

void mig_save_state_record(MigChannel *c, const SaveBuf *state)
{
    mig_put_u8(c, MIG_REC_STATE);
    mig_put_u32(c, (uint32_t)state->len);
    mig_put_bytes(c, state->data, state->len);
}

void mig_save_end(MigChannel *c)
{
    mig_put_u8(c, MIG_REC_END);
    mig_put_u32(c, c->crc);
    mig_flush(c);
}

/* ---- loading a whole stream ---- */

static int load_state_record(MigChannel *c, SaveBuf *state, Error *err)
{
    uint32_t len = mig_get_u32(c);

    if (c->error) {
        return -1;
    }
    if (state->data) {
        return error_setg(err, "corrupt stream: two machine state records");
    }
    if (len > MIG_STATE_MAX) {
        return error_setg(err, "corrupt stream: machine state of %u bytes",
                          len);
    }
    savebuf_init(state);
    state->data = xmalloc(len ? len : 1);
    state->cap = len ? len : 1;
    state->len = len;
    mig_get_bytes(c, state->data, len);
    return c->error ? -1 : 0;
}

static int load_end(MigChannel *c, const SaveBuf *state, Error *err)
{
    uint32_t want = c->crc, got = mig_get_u32(c);

    if (c->error) {
        return -1;
    }
    if (got != want) {
        return error_setg(err, "the stream is corrupt (checksum 0x%08x, "
                          "computed 0x%08x)", got, want);
    }
    if (!state->data) {
        return error_setg(err, "the stream has no machine state");
    }
    return 0;
}

static int load_records(MigChannel *c, Machine *m, SaveBuf *state,
                        Error *err)
{
    uint8_t *page = xmalloc(MIG_PAGE_SIZE);
    int ret = -1;

    for (;;) {
        uint64_t at = c->bytes;
        uint8_t tag = mig_get_u8(c);

        if (c->error) {
            break;
        }
        if (tag == MIG_REC_RAM) {
            if (load_ram_record(c, m, page, err) < 0) {
                break;
            }
        } else if (tag == MIG_REC_STATE) {
            if (load_state_record(c, state, err) < 0) {
                break;
            }
        } else if (tag == MIG_REC_END) {
            ret = load_end(c, state, err);
            break;
        } else {
            error_setg(err, "corrupt stream: unknown record 0x%02x at byte "
                       "%llu", tag, (unsigned long long)at);
            break;
        }
        if (c->error) {
            break;
        }
    }
    free(page);
    return ret;
}

int mig_load_stream(MigChannel *c, Machine *m, Error *err)
{
    SaveBuf state = { 0 };
    int ret;

    err->msg[0] = '\0';
    ret = load_header(c, m, err);
    if (ret == 0 && !c->error) {
        ret = load_records(c, m, &state, err);
    }
    if (c->error && !err->msg[0]) {
        error_setg(err, "%s", c->msg);
        ret = -1;
    }
    if (ret == 0) {
        machine_lock(m);
        ret = mig_state_load(m, &state, err);
        pthread_mutex_unlock(&m->lock);
    }
    savebuf_free(&state);
    return ret < 0 || c->error ? -1 : 0;
}
