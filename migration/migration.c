/*
 * Migration: the state machine, the outgoing thread (pre-copy, then stop
 * and copy), the incoming thread, auto-converge and the statistics. See
 * migration.h.
 */
#include "migration/migration.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hw/virtio/virtio-blk.h"
#include "migration/stream.h"

#define MIG_ACK_OK      'K'
#define MIG_ACK_FAIL    'F'
#define MIG_ACK_WAIT_MS 60000
#define MIG_ROUND_BUDGET (8 * MiB)   /* bytes between progress updates */

static const char *const status_names[] = {
    [MIG_NONE] = "none", [MIG_SETUP] = "setup", [MIG_ACTIVE] = "active",
    [MIG_DEVICE] = "device", [MIG_COMPLETED] = "completed",
    [MIG_FAILED] = "failed", [MIG_CANCELLING] = "cancelling",
    [MIG_CANCELLED] = "cancelled",
};

const char *migration_status_name(MigStatus s)
{
    return status_names[s];
}

const char *migration_run_state(Machine *m)
{
    MigrationState *s = m->migration;

    if (!s || !m->vm_stopped) {
        return NULL;
    }
    if (s->incoming && s->status != MIG_COMPLETED) {
        return "inmigrate";
    }
    return !s->incoming && s->status == MIG_COMPLETED ? "postmigrate" : NULL;
}

MigrationState *migration_get(Machine *m)
{
    MigrationState *s = m->migration;

    if (s) {
        return s;
    }
    s = xzalloc(sizeof(*s));
    s->m = m;
    pthread_mutex_init(&s->lock, NULL);
    s->params = (MigParams){
        .max_bandwidth = 128 * MiB,      /* QEMU's defaults */
        .downtime_limit_ms = 300,
        .throttle_initial = 20,
        .throttle_increment = 10,
        .max_rounds = 30,
    };
    s->ch.fd = s->ch.listen_fd = -1;
    m->migration = s;
    return s;
}

static int64_t ms_since(int64_t ns)
{
    return (host_clock_ns() - ns) / 1000000;
}

/* Sets the status and sends the MIGRATION event. Lock NOT held. */
static void mig_set_status(MigrationState *s, MigStatus st)
{
    Machine *m = s->m;

    pthread_mutex_lock(&s->lock);
    s->status = st;
    pthread_mutex_unlock(&s->lock);
    machine_lock(m);
    monitor_event(m, "MIGRATION", json_pack("{s:s}", "status",
                                            migration_status_name(st)));
    pthread_mutex_unlock(&m->lock);
}

static bool mig_is_active(const MigrationState *s)
{
    return s->status == MIG_SETUP || s->status == MIG_ACTIVE ||
           s->status == MIG_DEVICE || s->status == MIG_CANCELLING;
}

/* ---- pausing the vCPUs without touching the run state ---- */

void migration_pause_cpus(Machine *m)
{
    machine_lock(m);
    m->pause_requested = true;
    machine_kick_cpus(m);
    while (m->paused_cpus < m->ncpus && !m->stopping) {
        pthread_cond_wait(&m->cond, &m->lock);
    }
    pthread_mutex_unlock(&m->lock);
}

void migration_resume_cpus(Machine *m)
{
    machine_lock(m);
    if (!m->vm_stopped) {
        m->pause_requested = false;
        pthread_cond_broadcast(&m->cond);
    }
    pthread_mutex_unlock(&m->lock);
}

/* ---- dirty pages ---- */

/* Moves every page written since the last call into bitmap (vCPUs paused). */
static uint64_t mig_sync_dirty(Machine *m, unsigned long *bitmap)
{
    if (m->accel->dirty_sync) {
        m->accel->dirty_sync(m);
    }
    return memory_region_take_dirty(&m->ram, bitmap);
}

static void mig_dirty_log(Machine *m, bool on)
{
    if (m->accel->dirty_log) {
        migration_pause_cpus(m);
        m->accel->dirty_log(m, on);
        migration_resume_cpus(m);
    }
}

/* ---- auto-converge: the vCPUs sleep throttle_pct % of each 10 ms ---- */

static void sleep_ms(double ms)
{
    struct timespec ts = { (time_t)(ms / 1000),
                           (long)((ms - (time_t)(ms / 1000) * 1000) * 1e6) };
    nanosleep(&ts, NULL);
}

static void *mig_throttle_thread(void *opaque)
{
    MigrationState *s = opaque;
    unsigned pct;

    while ((pct = atomic_load(&s->throttle_pct)) != 0 &&
           !atomic_load(&s->cancel)) {
        migration_pause_cpus(s->m);
        sleep_ms(pct / 10.0);
        migration_resume_cpus(s->m);
        sleep_ms((100 - pct) / 10.0);
    }
    return NULL;
}

static void mig_throttle_up(MigrationState *s)
{
    unsigned pct = atomic_load(&s->throttle_pct);

    pct = pct ? MIN(99u, pct + s->params.throttle_increment)
              : MIN(99u, s->params.throttle_initial);
    atomic_store(&s->throttle_pct, pct);
    if (!s->throttle_started &&
        pthread_create(&s->throttle_thread, NULL, mig_throttle_thread, s) == 0) {
        s->throttle_started = true;
    }
}

static void mig_throttle_stop(MigrationState *s)
{
    atomic_store(&s->throttle_pct, 0);
    if (s->throttle_started) {
        pthread_join(s->throttle_thread, NULL);
        s->throttle_started = false;
    }
}

/* ---- outgoing ---- */

static void mig_update_stats(MigrationState *s, const MigRamStats *rs)
{
    pthread_mutex_lock(&s->lock);
    s->transferred = s->ch.bytes;
    s->normal = rs->normal;
    s->zero = rs->zero;
    s->total_ms = ms_since(s->start_ns);
    pthread_mutex_unlock(&s->lock);
}

/* Every virtio-blk request in flight completes (lock NOT held). */
static void mig_drain_one(Device *d, void *opaque)
{
    if (d->realized && !strcmp(d->type->name, "virtio-blk-pci")) {
        iothread_drain(&((VirtIOBlk *)d)->io);
    }
}

/* The disks' locks pass to the destination and back (block.h). */
typedef struct DiskLocks {
    bool take;
    Error *err;
    int ret;
} DiskLocks;

static void mig_disk_lock_one(Device *d, void *opaque)
{
    DiskLocks *l = opaque;
    VirtIOBlk *b = (VirtIOBlk *)d;

    if (!d->realized || strcmp(d->type->name, "virtio-blk-pci") || !b->bb) {
        return;
    }
    if (!l->take) {
        blk_lock_release(b->bb);
    } else if (l->ret == 0 && blk_lock_take(b->bb, l->err) < 0) {
        l->ret = -1;
    }
}

static int mig_disk_locks(Machine *m, bool take, Error *err)
{
    DiskLocks l = { take, err, 0 };

    device_foreach(m->root, mig_disk_lock_one, &l);
    return l.ret;
}

/*
 * One pre-copy round: sends what bitmap holds, then takes the pages the
 * guest wrote meanwhile. Returns the bytes sent.
 */
static uint64_t mig_round(MigrationState *s, unsigned long *bitmap,
                          MigRamStats *rs, uint64_t *dirtied)
{
    uint64_t start = s->ch.bytes;
    size_t cursor = 0;

    while (!mig_save_pages(&s->ch, s->m, bitmap, &cursor, MIG_ROUND_BUDGET,
                           rs) && !s->ch.error) {
        mig_update_stats(s, rs);
        if (atomic_load(&s->cancel)) {
            mig_channel_fail(&s->ch, "migration cancelled");
        }
    }
    mig_flush(&s->ch);
    migration_pause_cpus(s->m);
    *dirtied = mig_sync_dirty(s->m, bitmap);
    migration_resume_cpus(s->m);
    return s->ch.bytes - start;
}

/* Pre-copy until the rest fits the downtime limit; false on error. */
static bool mig_precopy(MigrationState *s, unsigned long *bitmap,
                        MigRamStats *rs)
{
    uint64_t prev_dirty = UINT64_MAX;
    double bps = 0;

    for (uint32_t round = 1; !s->ch.error; round++) {
        int64_t t0 = host_clock_ns(), dt;
        uint64_t dirtied, sent = mig_round(s, bitmap, rs, &dirtied);
        double expected;

        dt = MAX(host_clock_ns() - t0, 1);
        /*
         * The best rate seen, but never above the limit: a round of zero
         * pages (8 bytes each) says nothing of the rate of real pages.
         */
        bps = MAX(bps, sent * 1e9 / (double)dt);
        if (s->params.max_bandwidth) {
            bps = MIN(bps, (double)s->params.max_bandwidth);
        }
        expected = bps > 0 ? dirtied * (double)MIG_PAGE_SIZE * 1000.0 / bps
                           : 0;
        pthread_mutex_lock(&s->lock);
        s->rounds = round;
        s->remaining_pages = dirtied;
        s->dirty_rate = (uint64_t)(dirtied * 1e9 / (double)dt);
        s->mbps = bps * 8 / 1e6;
        s->expected_downtime_ms = (int64_t)expected;
        pthread_mutex_unlock(&s->lock);
        mig_update_stats(s, rs);
        if (expected <= (double)s->params.downtime_limit_ms ||
            round >= s->params.max_rounds) {
            break;
        }
        if (s->params.auto_converge && round >= 2 &&
            dirtied * 2 > prev_dirty) {
            mig_throttle_up(s);
        }
        prev_dirty = dirtied;
    }
    return !s->ch.error;
}

/* Waits for the destination's answer (sockets only). */
static int mig_wait_ack(MigrationState *s, Error *err)
{
    struct pollfd p = { .fd = s->ch.fd, .events = POLLIN };
    uint8_t ack = 0;
    int r;

    if (!s->ch.is_socket) {
        return 0;
    }
    do {
        r = poll(&p, 1, MIG_ACK_WAIT_MS);
    } while (r < 0 && errno == EINTR);
    if (r <= 0 || read(s->ch.fd, &ack, 1) != 1) {
        return error_setg(err, "the destination did not confirm the "
                          "migration (it failed or the connection broke)");
    }
    if (ack != MIG_ACK_OK) {
        return error_setg(err, "the destination refused the migration "
                          "stream (see its error output)");
    }
    return 0;
}

/* Stops the guest and sends the rest; the machine stays stopped if ok. */
static int mig_complete(MigrationState *s, unsigned long *bitmap,
                        MigRamStats *rs, bool *was_running, Error *err)
{
    Machine *m = s->m;
    int64_t stop_ns;
    size_t cursor = 0;
    SaveBuf state;

    mig_throttle_stop(s);
    machine_lock(m);
    *was_running = !m->vm_stopped;
    vm_stop_locked(m);
    pthread_mutex_unlock(&m->lock);
    stop_ns = host_clock_ns();
    mig_set_status(s, MIG_DEVICE);
    device_foreach(m->root, mig_drain_one, NULL);

    machine_lock(m);
    clock_pause(&m->timers);
    pthread_mutex_unlock(&m->lock);
    mig_sync_dirty(m, bitmap);
    while (!mig_save_pages(&s->ch, m, bitmap, &cursor, UINT64_MAX, rs) &&
           !s->ch.error) {
    }
    savebuf_init(&state);
    machine_lock(m);
    for (int i = 0; i < m->ncpus; i++) {
        m->accel->get_state(m->cpus[i]);
    }
    mig_state_save(m, &state);
    pthread_mutex_unlock(&m->lock);
    mig_save_state_record(&s->ch, &state);
    savebuf_free(&state);
    mig_disk_locks(m, false, NULL);     /* flushed: the destination's now */
    mig_save_end(&s->ch);
    if (s->ch.error) {
        return error_setg(err, "%s", s->ch.msg);
    }
    if (mig_wait_ack(s, err) < 0) {
        return -1;
    }
    pthread_mutex_lock(&s->lock);
    s->downtime_ms = ms_since(stop_ns);
    pthread_mutex_unlock(&s->lock);
    mig_update_stats(s, rs);
    return 0;
}

/* The source carries on after a failure (lock NOT held). */
static void mig_recover(MigrationState *s, bool stopped, bool was_running)
{
    Machine *m = s->m;

    Error err = { "" };

    if (!stopped) {
        return;
    }
    if (mig_disk_locks(m, true, &err) < 0) {
        error_report("migration failed and the disk cannot be taken back "
                     "(%s): the guest stays stopped", err.msg);
        return;
    }
    machine_lock(m);
    clock_resume(&m->timers);
    if (was_running) {
        vm_start_locked(m);
    }
    pthread_mutex_unlock(&m->lock);
}

static void mig_finish(MigrationState *s, int ret, const char *msg)
{
    MigStatus st = ret == 0 ? MIG_COMPLETED :
                   atomic_load(&s->cancel) ? MIG_CANCELLED : MIG_FAILED;

    pthread_mutex_lock(&s->lock);
    s->total_ms = ms_since(s->start_ns);
    if (ret < 0) {
        snprintf(s->error, sizeof(s->error), "%s", msg);
    }
    pthread_mutex_unlock(&s->lock);
    if (ret < 0 && st == MIG_FAILED) {
        error_report("migration failed: %s", msg);
    }
    mig_set_status(s, st);
}

static void *mig_out_thread(void *opaque)
{
    MigrationState *s = opaque;
    Machine *m = s->m;
    unsigned long *bitmap = xzalloc(mig_bitmap_words(m) * sizeof(long));
    MigRamStats rs = { 0, 0 };
    bool stopped = false, was_running = false;
    Error err = { "" };
    int ret = -1;

    mig_dirty_log(m, true);
    memset(bitmap, 0xff, mig_bitmap_words(m) * sizeof(long));
    if (mig_ram_pages(m) % 64) {
        bitmap[mig_bitmap_words(m) - 1] = (1ul << (mig_ram_pages(m) % 64)) - 1;
    }
    migration_pause_cpus(m);
    mig_sync_dirty(m, bitmap);         /* from here on writes are seen */
    migration_resume_cpus(m);
    mig_save_header(&s->ch, m);
    pthread_mutex_lock(&s->lock);
    s->setup_ms = ms_since(s->start_ns);
    pthread_mutex_unlock(&s->lock);
    mig_set_status(s, MIG_ACTIVE);
    if (mig_precopy(s, bitmap, &rs)) {
        stopped = true;
        ret = mig_complete(s, bitmap, &rs, &was_running, &err);
    } else {
        error_setg(&err, "%s", s->ch.msg);
    }
    mig_throttle_stop(s);
    mig_dirty_log(m, false);
    if (mig_channel_close(&s->ch) < 0 && ret == 0) {
        ret = error_setg(&err, "%s", s->ch.msg);
    }
    if (ret < 0) {
        mig_recover(s, stopped, was_running);
    }
    mig_finish(s, ret, err.msg);
    free(bitmap);
    return NULL;
}

static void mig_join(MigrationState *s)
{
    if (s->thread_started) {
        pthread_join(s->thread, NULL);
        s->thread_started = false;
    }
}

static void find_unmigratable(Device *d, void *opaque)
{
    const char **found = opaque;

    if (*found || !d->realized || !d->parent || d->type->save ||
        d->type->stateless) {
        return;
    }
    *found = d->type->name;
}

/* What keeps this machine from being migrated, or NULL (QEMU's blockers). */
static int migration_blocked(Machine *m, Error *err)
{
    const char *dev = NULL;

    if (m->accel->has_irqchip && m->accel->has_irqchip(m)) {
        return error_setg(err, "the machine state is in KVM's in-kernel "
                          "interrupt controllers, which Kite does not migrate: "
                          "start with -machine kernel-irqchip=off");
    }
    device_foreach(m->root, find_unmigratable, &dev);
    if (dev) {
        return error_setg(err, "device '%s' cannot be migrated (its state is "
                          "not saved yet)", dev);
    }
    return 0;
}

int migration_start(Machine *m, const char *uri, Error *err)
{
    MigrationState *s = migration_get(m);

    if (mig_is_active(s)) {
        return error_setg(err, "a migration is already in progress");
    }
    if (s->incoming && s->status != MIG_COMPLETED) {
        return error_setg(err, "this machine is waiting for an incoming "
                          "migration");
    }
    if (migration_blocked(m, err) < 0) {
        return -1;
    }
    mig_join(s);
    if (mig_channel_open_out(&s->ch, uri, err) < 0) {
        return -1;
    }
    s->ch.max_bps = s->params.max_bandwidth;
    atomic_store(&s->cancel, false);
    s->start_ns = host_clock_ns();
    s->error[0] = '\0';
    s->setup_ms = s->total_ms = s->downtime_ms = s->expected_downtime_ms = 0;
    s->transferred = s->normal = s->zero = s->remaining_pages = 0;
    s->dirty_rate = s->rounds = 0;
    s->mbps = 0;
    s->incoming = false;
    s->status = MIG_SETUP;
    monitor_event(m, "MIGRATION", json_pack("{s:s}", "status", "setup"));
    if (pthread_create(&s->thread, NULL, mig_out_thread, s)) {
        mig_channel_close(&s->ch);
        s->status = MIG_FAILED;
        return error_setg(err, "cannot start the migration thread");
    }
    s->thread_started = true;
    return 0;
}

void migration_cancel(Machine *m)
{
    MigrationState *s = m->migration;

    if (s && mig_is_active(s) && !s->incoming) {
        atomic_store(&s->cancel, true);
        mig_channel_abort(&s->ch);
    }
}

/* ---- incoming ---- */

static void mig_send_ack(MigrationState *s, bool ok)
{
    uint8_t b = ok ? MIG_ACK_OK : MIG_ACK_FAIL;

    if (s->ch.is_socket && s->ch.fd >= 0 &&
        write(s->ch.fd, &b, 1) != 1) {
        error_report("migration: cannot confirm to the source: %s",
                     strerror(errno));
    }
}

static void *mig_in_thread(void *opaque)
{
    MigrationState *s = opaque;
    Machine *m = s->m;
    Error err = { "" };
    int ret = mig_channel_accept(&s->ch);

    if (ret == 0) {
        mig_set_status(s, MIG_ACTIVE);
        ret = mig_load_stream(&s->ch, m, &err);
        if (ret == 0) {
            ret = mig_disk_locks(m, true, &err);
        }
    } else {
        error_setg(&err, "%s", s->ch.msg);
    }
    mig_send_ack(s, ret == 0);
    pthread_mutex_lock(&s->lock);
    s->transferred = s->ch.bytes;
    s->total_ms = ms_since(s->start_ns);
    if (ret < 0) {
        snprintf(s->error, sizeof(s->error), "%s", err.msg);
    }
    pthread_mutex_unlock(&s->lock);
    mig_channel_close(&s->ch);
    mig_set_status(s, ret == 0 ? MIG_COMPLETED : MIG_FAILED);
    machine_lock(m);
    if (ret < 0) {
        if (!atomic_load(&s->cancel)) {
            error_report("migration: %s; the guest is not started",
                         err.msg);
        }
        machine_request_exit(m, 1);
    } else if (s->autostart) {
        vm_start_locked(m);
    }
    pthread_mutex_unlock(&m->lock);
    return NULL;
}

int migration_incoming_uri(Machine *m, const char *uri, Error *err)
{
    MigrationState *s = migration_get(m);

    if (!s->incoming || !s->incoming_deferred || s->thread_started) {
        return error_setg(err, "migrate-incoming needs -incoming defer and "
                          "may be given once");
    }
    if (mig_channel_open_in(&s->ch, uri, err) < 0) {
        return -1;
    }
    s->start_ns = host_clock_ns();
    s->status = MIG_SETUP;
    if (pthread_create(&s->thread, NULL, mig_in_thread, s)) {
        mig_channel_close(&s->ch);
        return error_setg(err, "cannot start the migration thread");
    }
    s->thread_started = true;
    return 0;
}

int migration_incoming(Machine *m, const char *uri, Error *err)
{
    MigrationState *s = migration_get(m);

    s->incoming = true;
    s->autostart = !m->cfg.start_stopped;
    m->vm_stopped = m->pause_requested = true;
    if (!strcmp(uri, "defer")) {
        s->incoming_deferred = true;
        return 0;
    }
    s->incoming_deferred = true;
    if (migration_incoming_uri(m, uri, err) < 0) {
        return -1;
    }
    s->incoming_deferred = false;
    return 0;
}

void migration_cleanup(Machine *m)
{
    MigrationState *s = m->migration;

    if (!s) {
        return;
    }
    if (s->thread_started) {
        atomic_store(&s->cancel, true);
        mig_channel_abort(&s->ch);
        pthread_join(s->thread, NULL);
    }
    mig_throttle_stop(s);
    free(s);
    m->migration = NULL;
}

/* ---- query and parameters ---- */

static json_t *mig_ram_json(const MigrationState *s)
{
    uint64_t total = s->m->ram_size;

    return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:f,s:I}",
                     "transferred", (json_int_t)s->transferred,
                     "remaining", (json_int_t)(s->remaining_pages * MIG_PAGE_SIZE),
                     "total", (json_int_t)total,
                     "duplicate", (json_int_t)s->zero,
                     "normal", (json_int_t)s->normal,
                     "normal-bytes", (json_int_t)(s->normal * MIG_PAGE_SIZE),
                     "dirty-pages-rate", (json_int_t)s->dirty_rate,
                     "dirty-sync-count", (json_int_t)s->rounds,
                     "mbps", s->mbps,
                     "page-size", (json_int_t)MIG_PAGE_SIZE);
}

json_t *migration_query(Machine *m)
{
    MigrationState *s = m->migration;
    json_t *r;

    if (!s || s->status == MIG_NONE) {
        return json_object();
    }
    pthread_mutex_lock(&s->lock);
    r = json_pack("{s:s}", "status", migration_status_name(s->status));
    if (!s->incoming) {
        json_object_set_new(r, "total-time", json_integer(
            mig_is_active(s) ? ms_since(s->start_ns) : s->total_ms));
        json_object_set_new(r, "setup-time", json_integer(s->setup_ms));
        json_object_set_new(r, "ram", mig_ram_json(s));
        if (s->status == MIG_COMPLETED) {
            json_object_set_new(r, "downtime", json_integer(s->downtime_ms));
        } else {
            json_object_set_new(r, "expected-downtime",
                                json_integer(s->expected_downtime_ms));
        }
        if (atomic_load(&s->throttle_pct)) {
            json_object_set_new(r, "cpu-throttle-percentage",
                                json_integer(atomic_load(&s->throttle_pct)));
        }
    }
    if (s->error[0]) {
        json_object_set_new(r, "error-desc", json_string(s->error));
    }
    pthread_mutex_unlock(&s->lock);
    return r;
}

json_t *migration_query_params(Machine *m)
{
    const MigParams *p = &migration_get(m)->params;

    return json_pack("{s:I,s:I,s:I,s:I,s:b,s:I}",
                     "max-bandwidth", (json_int_t)p->max_bandwidth,
                     "downtime-limit", (json_int_t)p->downtime_limit_ms,
                     "cpu-throttle-initial", (json_int_t)p->throttle_initial,
                     "cpu-throttle-increment",
                     (json_int_t)p->throttle_increment,
                     "x-auto-converge", p->auto_converge,
                     "x-max-rounds", (json_int_t)p->max_rounds);
}

typedef struct ParamDef {
    const char *name;
    size_t offset;               /* in MigParams */
    int width;                   /* 64, 32 or 1 (bool) */
    uint64_t min, max;
} ParamDef;

static const ParamDef param_defs[] = {
    { "max-bandwidth", offsetof(MigParams, max_bandwidth), 64, 0,
      UINT64_MAX / 2 },
    { "downtime-limit", offsetof(MigParams, downtime_limit_ms), 64, 0,
      2000000 },
    { "cpu-throttle-initial", offsetof(MigParams, throttle_initial), 32, 1,
      99 },
    { "cpu-throttle-increment", offsetof(MigParams, throttle_increment), 32,
      1, 99 },
    { "x-max-rounds", offsetof(MigParams, max_rounds), 32, 1, 10000 },
    { "x-auto-converge", offsetof(MigParams, auto_converge), 1, 0, 1 },
    { "auto-converge", offsetof(MigParams, auto_converge), 1, 0, 1 },
};

int migration_set_param(Machine *m, const char *name, json_t *value,
                        Error *err)
{
    MigrationState *s = migration_get(m);
    uint8_t *base = (uint8_t *)&s->params;

    for (size_t i = 0; i < ARRAY_SIZE(param_defs); i++) {
        const ParamDef *d = &param_defs[i];
        json_int_t v;
        if (strcmp(d->name, name)) {
            continue;
        }
        if (d->width == 1) {
            if (!json_is_boolean(value)) {
                return error_setg(err, "Parameter '%s' expects a boolean", name);
            }
            *(bool *)(base + d->offset) = json_is_true(value);
            return 0;
        }
        v = json_is_integer(value) ? json_integer_value(value) : -1;
        if (v < (json_int_t)d->min || (uint64_t)v > d->max) {
            return error_setg(err, "Parameter '%s' expects an integer from "
                              "%llu to %llu", name, (unsigned long long)d->min,
                              (unsigned long long)d->max);
        }
        if (d->width == 64) {
            *(uint64_t *)(base + d->offset) = (uint64_t)v;
        } else {
            *(uint32_t *)(base + d->offset) = (uint32_t)v;
        }
        if (!strcmp(name, "max-bandwidth") && mig_is_active(s)) {
            s->ch.max_bps = (uint64_t)v;
        }
        return 0;
    }
    return error_setg(err, "unknown migration parameter '%s'", name);
}
