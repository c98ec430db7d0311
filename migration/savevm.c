/*
 * savevm, loadvm, delvm and info snapshots: internal snapshots of the
 * machine in its qcow2 disks, as QEMU keeps them. savevm stops the
 * guest, lets the block I/O in flight complete, writes the machine state
 * (the migration stream, stream.h) into the VM state area of the first
 * writable qcow2 disk, and takes a snapshot of the same name on every
 * writable qcow2 disk (an existing one of that name is replaced). loadvm
 * reverts every such disk and loads the state; delvm deletes the
 * snapshot from every disk. A writable raw disk makes them refuse: its
 * content could not go back with the machine. The disks: virtio-blk
 * and IDE.
 */
#include "system/monitor-int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "block/qcow2.h"
#include "hw/ide/ide.h"
#include "hw/virtio/virtio-blk.h"
#include "migration/migration.h"
#include "migration/stream.h"

#define SV_MAX_DISKS   32
#define SV_CHUNK       (1 * MiB)

typedef struct SvDisks {
    Qcow2 *q[SV_MAX_DISKS];
    const char *file[SV_MAX_DISKS];
    int n;
    const char *raw;             /* a writable disk without snapshots */
    bool drain;
} SvDisks;

static void sv_add(SvDisks *s, BlockBackend *bb)
{
    if (!bb || bb->readonly) {
        return;
    }
    if (!bb->qcow2 || bb->overlay_map) {
        s->raw = bb->filename;
    } else if (s->n < SV_MAX_DISKS) {
        s->file[s->n] = bb->filename;
        s->q[s->n++] = bb->qcow2;
    }
}

/* The writable disks of virtio-blk and IDE (or, drain: their I/O done). */
static void sv_disk_one(Device *d, void *opaque)
{
    SvDisks *s = opaque;

    if (!d->realized) {
        return;
    }
    if (!strcmp(d->type->name, "virtio-blk-pci")) {
        VirtIOBlk *b = (VirtIOBlk *)d;
        if (s->drain) {
            iothread_drain(&b->io);
        } else {
            sv_add(s, b->bb);
        }
    } else if (!strcmp(d->type->name, "piix3-ide")) {
        PIIXIDEState *p = (PIIXIDEState *)d;
        if (s->drain && p->io_started) {
            iothread_drain(&p->io);
        }
        for (int i = 0; i < 4 && !s->drain; i++) {
            sv_add(s, p->bus[i / 2].drive[i % 2].bb);
        }
    }
}

static int sv_disks(Machine *m, SvDisks *s, Error *err)
{
    memset(s, 0, sizeof(*s));
    device_foreach(m->root, sv_disk_one, s);
    if (s->raw) {
        return error_setg(err, "Device '%s' is writable but does not "
                          "support snapshots (not qcow2, or snapshot=on)",
                          s->raw);
    }
    if (!s->n) {
        return error_setg(err, "No block device can accept snapshots "
                          "(give the guest a writable qcow2 disk)");
    }
    return 0;
}

/* Stops the guest with its disks quiet (lock NOT held). */
static void sv_stop(Machine *m, bool *was_running)
{
    SvDisks d = { .drain = true };

    machine_lock(m);
    *was_running = !m->vm_stopped;
    vm_stop_locked(m);
    pthread_mutex_unlock(&m->lock);
    device_foreach(m->root, sv_disk_one, &d);
    machine_lock(m);
    clock_pause(&m->timers);
    pthread_mutex_unlock(&m->lock);
}

static void sv_resume(Machine *m, bool was_running)
{
    machine_lock(m);
    clock_resume(&m->timers);
    if (was_running) {
        vm_start_locked(m);
    }
    pthread_mutex_unlock(&m->lock);
}

static char *sv_tmpfile(Error *err)
{
    const char *dir = getenv("TMPDIR");
    char *path = xasprintf("%s/kite-vmstate-XXXXXX", dir ? dir : "/tmp");
    int fd = mkstemp(path);

    if (fd < 0) {
        error_setg(err, "cannot create a temporary file: %s",
                   strerror(errno));
        free(path);
        return NULL;
    }
    close(fd);
    return path;
}

/* The whole machine as a migration stream, into the file at path. */
static int sv_write_stream(Machine *m, const char *path, Error *err)
{
    unsigned long *bitmap = xmalloc(mig_bitmap_words(m) * sizeof(long));
    char *uri = xasprintf("file:%s", path);
    MigRamStats rs = { 0, 0 };
    MigChannel c;
    SaveBuf state;
    size_t cursor = 0;
    int r;

    memset(bitmap, 0xff, mig_bitmap_words(m) * sizeof(long));
    if (mig_ram_pages(m) % 64) {
        bitmap[mig_bitmap_words(m) - 1] = (1ul << (mig_ram_pages(m) % 64)) - 1;
    }
    r = mig_channel_open_out(&c, uri, err);
    free(uri);
    if (r < 0) {
        free(bitmap);
        return -1;
    }
    mig_save_header(&c, m);
    while (!mig_save_pages(&c, m, bitmap, &cursor, UINT64_MAX, &rs) &&
           !c.error) {
    }
    free(bitmap);
    savebuf_init(&state);
    machine_lock(m);
    for (int i = 0; i < m->ncpus; i++) {
        m->accel->get_state(m->cpus[i]);
    }
    mig_state_save(m, &state);
    pthread_mutex_unlock(&m->lock);
    mig_save_state_record(&c, &state);
    savebuf_free(&state);
    mig_save_end(&c);
    r = c.error ? error_setg(err, "%s", c.msg) : 0;
    if (mig_channel_close(&c) < 0 && !r) {
        r = error_setg(err, "%s", c.msg);
    }
    return r;
}

/* Copies the stream file into the VM state area; its size in *len. */
static int sv_copy_in(Qcow2 *q, const char *path, uint64_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = xmalloc(SV_CHUNK);
    size_t n;
    int r = f ? 0 : -errno;

    *len = 0;
    while (!r && f && (n = fread(buf, 1, SV_CHUNK, f)) > 0) {
        r = qcow2_vmstate_write(q, *len, buf, n);
        *len += n;
    }
    if (f) {
        fclose(f);
    }
    free(buf);
    return r;
}

static int sv_copy_out(Qcow2 *q, const char *name, uint64_t len,
                       const char *path)
{
    FILE *f = fopen(path, "wb");
    uint8_t *buf = xmalloc(SV_CHUNK);
    int r = f ? 0 : -errno;

    for (uint64_t pos = 0; !r && pos < len; pos += SV_CHUNK) {
        uint64_t n = MIN(SV_CHUNK, len - pos);
        r = qcow2_snapshot_read_vmstate(q, name, pos, buf, n);
        if (!r && fwrite(buf, 1, n, f) != n) {
            r = -EIO;
        }
    }
    if (f && fclose(f) && !r) {
        r = -EIO;
    }
    free(buf);
    return r;
}

static void sv_default_name(char *buf, size_t n)
{
    time_t t = time(NULL);
    struct tm tm;

    localtime_r(&t, &tm);
    strftime(buf, n, "vm-%Y%m%d%H%M%S", &tm);
}

static int sv_snapshot_all(Machine *m, SvDisks *d, const char *name,
                           uint64_t vm_len, Error *err)
{
    struct timespec now;
    Qcow2SnapshotInfo info = { .name = name, .vm_state_size = vm_len };
    int r;

    clock_gettime(CLOCK_REALTIME, &now);
    info.date_sec = (uint32_t)now.tv_sec;
    info.date_nsec = (uint32_t)now.tv_nsec;
    info.vm_clock_nsec = (uint64_t)clock_ns(&m->timers);
    for (int i = 0; i < d->n; i++) {
        if (qcow2_snapshot_find(d->q[i], name) >= 0 &&
            (r = qcow2_snapshot_delete(d->q[i], name)) < 0) {
            return error_setg(err, "'%s': cannot replace snapshot '%s': %s",
                              d->file[i], name, strerror(-r));
        }
        if ((r = qcow2_snapshot_create(d->q[i], &info)) < 0) {
            return error_setg(err, "'%s': cannot create snapshot '%s': %s",
                              d->file[i], name, strerror(-r));
        }
        info.vm_state_size = 0;          /* the first disk holds it */
    }
    return 0;
}

int savevm(Machine *m, const char *name, Error *err)
{
    char defname[32], *path;
    uint64_t len = 0;
    bool was_running;
    SvDisks d;
    int r;

    if (sv_disks(m, &d, err) < 0) {
        return -1;
    }
    if (!name || !*name) {
        sv_default_name(defname, sizeof(defname));
        name = defname;
    }
    if (!(path = sv_tmpfile(err))) {
        return -1;
    }
    sv_stop(m, &was_running);
    r = sv_write_stream(m, path, err);
    if (!r && (r = sv_copy_in(d.q[0], path, &len)) < 0) {
        r = error_setg(err, "'%s': cannot write the VM state: %s", d.file[0],
                       strerror(-r));
    }
    unlink(path);
    free(path);
    r = r ? r : sv_snapshot_all(m, &d, name, len, err);
    sv_resume(m, was_running);
    return r;
}

/* Every disk has the snapshot; the first one its VM state. */
static int sv_find_all(SvDisks *d, const char *name, uint64_t *len,
                       Error *err)
{
    for (int i = 0; i < d->n; i++) {
        int k = qcow2_snapshot_find(d->q[i], name);
        if (k < 0) {
            return error_setg(err, "Snapshot '%s' does not exist in device "
                              "'%s'", name, d->file[i]);
        }
        if (i == 0) {
            *len = d->q[0]->snapshots[k].vm_state_size;
        }
    }
    if (!*len) {
        return error_setg(err, "Snapshot '%s' has no VM state in '%s'",
                          name, d->file[0]);
    }
    return 0;
}

static int sv_load_stream(Machine *m, const char *path, Error *err)
{
    char *uri = xasprintf("file:%s", path);
    MigChannel c;
    int r = mig_channel_open_in(&c, uri, err);

    free(uri);
    if (r < 0) {
        return -1;
    }
    r = mig_channel_accept(&c) < 0 ? error_setg(err, "%s", c.msg)
                                   : mig_load_stream(&c, m, err);
    mig_channel_close(&c);
    return r;
}

static int sv_revert_all(SvDisks *d, const char *name, Error *err)
{
    for (int i = 0; i < d->n; i++) {
        int r = qcow2_snapshot_revert(d->q[i], name);
        if (r < 0) {
            return error_setg(err, "'%s': cannot revert to '%s': %s",
                              d->file[i], name, r == -ENOTSUP ?
                              "the disk size changed" : strerror(-r));
        }
    }
    return 0;
}

int loadvm(Machine *m, const char *name, bool running, Error *err)
{
    uint64_t len = 0;
    bool was_running = false;
    SvDisks d;
    char *path;
    int r;

    if (sv_disks(m, &d, err) < 0 || sv_find_all(&d, name, &len, err) < 0 ||
        !(path = sv_tmpfile(err))) {
        return -1;
    }
    if (running) {
        sv_stop(m, &was_running);
    }
    r = sv_copy_out(d.q[0], name, len, path);
    if (r < 0) {
        r = error_setg(err, "'%s': cannot read the VM state of '%s': %s",
                       d.file[0], name, strerror(-r));
    }
    r = r ? r : sv_revert_all(&d, name, err);
    r = r ? r : sv_load_stream(m, path, err);
    unlink(path);
    free(path);
    if (running) {
        sv_resume(m, was_running);
    }
    return r;
}

int delvm(Machine *m, const char *name, Error *err)
{
    SvDisks d;
    int found = 0;

    if (sv_disks(m, &d, err) < 0) {
        return -1;
    }
    for (int i = 0; i < d.n; i++) {
        int r = qcow2_snapshot_delete(d.q[i], name);
        if (r < 0 && r != -ENOENT) {
            return error_setg(err, "'%s': cannot delete '%s': %s", d.file[i],
                              name, strerror(-r));
        }
        found += r == 0;
    }
    return found ? 0 : error_setg(err, "Snapshot '%s' not found", name);
}

/* ---- the monitor ---- */

static const char *sv_arg(const char *args, char *buf, size_t n)
{
    size_t len;

    args += strspn(args, " \t");
    len = strcspn(args, " \t");
    snprintf(buf, n, "%.*s", (int)MIN(len, n - 1), args);
    return buf;
}

/* The command runs with the machine lock held; the work wants it free. */
void hmp_savevm(Monitor *mon, const char *args)
{
    char name[256];
    Error err = { "" };
    Machine *m = mon->m;
    int r;

    sv_arg(args, name, sizeof(name));
    pthread_mutex_unlock(&m->lock);
    r = savevm(m, name, &err);
    machine_lock(m);
    if (r < 0) {
        monitor_printf(mon, "Error: %s\n", err.msg);
    }
}

typedef int (*SvNamedOp)(Machine *m, const char *name, Error *err);

static int sv_loadvm_running(Machine *m, const char *name, Error *err)
{
    return loadvm(m, name, true, err);
}

static void sv_named(Monitor *mon, const char *args, const char *cmd,
                     SvNamedOp op)
{
    char name[256];
    Error err = { "" };
    Machine *m = mon->m;
    int r;

    if (!*sv_arg(args, name, sizeof(name))) {
        monitor_printf(mon, "%s: give the snapshot's name or ID\n", cmd);
        return;
    }
    pthread_mutex_unlock(&m->lock);
    r = op(m, name, &err);
    machine_lock(m);
    if (r < 0) {
        monitor_printf(mon, "Error: %s\n", err.msg);
    }
}

void hmp_loadvm(Monitor *mon, const char *args)
{
    sv_named(mon, args, "loadvm", sv_loadvm_running);
}

void hmp_delvm(Monitor *mon, const char *args)
{
    sv_named(mon, args, "delvm", delvm);
}

static void sv_list(FILE *f, const Qcow2 *q)
{
    fprintf(f, "%-10s%-17s%8s%20s%13s\n", "ID", "TAG", "VM SIZE", "DATE",
            "VM CLOCK");
    for (uint32_t i = 0; i < q->nb_snapshots; i++) {
        const Qcow2Snapshot *s = &q->snapshots[i];
        time_t t = (time_t)s->date_sec;
        uint64_t ms = s->vm_clock_nsec / 1000000, sec = ms / 1000;
        char date[32];
        struct tm tm;
        localtime_r(&t, &tm);
        strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S", &tm);
        fprintf(f, "%-9s %-16s %6llu K %19s %02llu:%02llu:%02llu.%03llu\n",
                s->id, s->name,
                (unsigned long long)(s->vm_state_size + 1023) / 1024, date,
                (unsigned long long)(sec / 3600),
                (unsigned long long)(sec / 60 % 60),
                (unsigned long long)(sec % 60),
                (unsigned long long)(ms % 1000));
    }
}

/* The snapshots of the first writable qcow2 disk (where savevm puts the
 * VM state), as QEMU lists them. */
void hmp_info_snapshots(Monitor *mon, FILE *f)
{
    Error err = { "" };
    SvDisks d;

    if (sv_disks(mon->m, &d, &err) < 0) {
        fprintf(f, "%s\n", err.msg);
        return;
    }
    if (!d.q[0]->nb_snapshots) {
        fprintf(f, "There is no snapshot available.\n");
        return;
    }
    fprintf(f, "List of snapshots present on all disks:\n");
    sv_list(f, d.q[0]);
}
