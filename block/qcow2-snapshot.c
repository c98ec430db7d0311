/*
 * qcow2 internal snapshots, in QEMU's layout (docs/interop/qcow2.txt):
 * a table of entries (contiguous clusters named by the header's
 * snapshots_offset and nb_snapshots), each naming a copy of the L1 table
 * taken when the snapshot was made. Every L2 table and data cluster a
 * snapshot's L1 reaches holds one reference for it, so the active image
 * writes to it through copy-on-write (the COPIED flag is clear on the
 * active entries of clusters whose refcount is above 1).
 *
 * Crash-consistent order, as for guest writes: references are added
 * (and COPIED cleared) and written back before anything points at the
 * new state; the table and header are switched last; references a
 * change drops are removed after the switch is on disk. A crash can
 * leak clusters, never free one still referenced.
 */
#include "block/qcow2.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SN_FIXED        40          /* bytes before the extra data */
#define SN_EXTRA_V3     16          /* vm_state_size_large, disk_size */
#define SN_MAX          65536

/* ---- the table on disk ---- */

static void sn_clear(Qcow2Snapshot *s)
{
    free(s->id);
    free(s->name);
    free(s->extra);
    memset(s, 0, sizeof(*s));
}

void qcow2_snapshots_free(Qcow2 *q)
{
    for (uint32_t i = 0; i < q->nb_snapshots && q->snapshots; i++) {
        sn_clear(&q->snapshots[i]);
    }
    free(q->snapshots);
    q->snapshots = NULL;
}

static char *sn_str(const uint8_t *p, uint32_t len)
{
    char *s = xmalloc(len + 1);

    memcpy(s, p, len);
    s[len] = '\0';
    return s;
}

/* One entry at t + *at (of tlen bytes); -EINVAL if it overruns. */
static int sn_parse(Qcow2 *q, const uint8_t *t, uint64_t tlen, uint64_t *at,
                    Qcow2Snapshot *s)
{
    const uint8_t *p = t + *at;
    uint32_t idl, nml, extra;

    if (tlen - *at < SN_FIXED) {
        return -EINVAL;
    }
    idl = ld16be(p + 12);
    nml = ld16be(p + 14);
    extra = ld32be(p + 36);
    if (extra > 1024 || tlen - *at < SN_FIXED + (uint64_t)extra + idl + nml) {
        return -EINVAL;
    }
    s->l1_offset = ld64be(p);
    s->l1_size = ld32be(p + 8);
    s->date_sec = ld32be(p + 16);
    s->date_nsec = ld32be(p + 20);
    s->vm_clock_nsec = ld64be(p + 24);
    s->vm_state_size = ld32be(p + 32);
    s->disk_size = q->size;
    s->extra_size = extra;
    s->extra = xzalloc(MAX(extra, SN_EXTRA_V3));
    memcpy(s->extra, p + SN_FIXED, extra);
    if (extra >= 8) {
        s->vm_state_size = ld64be(p + SN_FIXED);
    }
    if (extra >= 16) {
        s->disk_size = ld64be(p + SN_FIXED + 8);
    }
    s->id = sn_str(p + SN_FIXED + extra, idl);
    s->name = sn_str(p + SN_FIXED + extra + idl, nml);
    *at += ALIGN_UP(SN_FIXED + (uint64_t)extra + idl + nml, 8);
    return 0;
}

static int sn_check_entry(Qcow2 *q, const Qcow2Snapshot *s, uint64_t fsize)
{
    if ((s->l1_offset & (q->cluster_size - 1)) ||
        (uint64_t)s->l1_size * 8 > QCOW2_MAX_L1_BYTES ||
        s->l1_offset > fsize || (uint64_t)s->l1_size * 8 >
                                 fsize - s->l1_offset) {
        return -EINVAL;
    }
    return 0;
}

int qcow2_snapshots_load(Qcow2 *q, uint64_t fsize)
{
    uint64_t tlen = 0, at = 0;
    uint8_t *t;
    int r = 0;

    if (q->nb_snapshots > SN_MAX) {
        return -EINVAL;
    }
    q->snapshots = xzalloc(MAX(q->nb_snapshots, 1) * sizeof(Qcow2Snapshot));
    q->snapshots_size = 0;
    if (!q->nb_snapshots) {
        return 0;
    }
    tlen = MIN(fsize - MIN(fsize, q->snapshots_offset),
               (uint64_t)q->nb_snapshots * (SN_FIXED + 1024 + 2 * 65536));
    t = xmalloc(MAX(tlen, 1));
    r = blk_fd_rw(q->fd, q->snapshots_offset, t, tlen, false);
    for (uint32_t i = 0; i < q->nb_snapshots && !r; i++) {
        r = sn_parse(q, t, tlen, &at, &q->snapshots[i]);
        r = r ? r : sn_check_entry(q, &q->snapshots[i], fsize);
    }
    free(t);
    q->snapshots_size = at;
    return r ? -EINVAL : 0;
}

static uint64_t sn_entry_bytes(const Qcow2Snapshot *s)
{
    uint32_t extra = MAX(s->extra_size, SN_EXTRA_V3);

    return ALIGN_UP(SN_FIXED + (uint64_t)extra + strlen(s->id) +
                    strlen(s->name), 8);
}

static void sn_emit(const Qcow2Snapshot *s, uint8_t *p)
{
    uint32_t extra = MAX(s->extra_size, SN_EXTRA_V3);
    size_t idl = strlen(s->id), nml = strlen(s->name);

    st64be(p, s->l1_offset);
    st32be(p + 8, s->l1_size);
    st16be(p + 12, (uint16_t)idl);
    st16be(p + 14, (uint16_t)nml);
    st32be(p + 16, s->date_sec);
    st32be(p + 20, s->date_nsec);
    st64be(p + 24, s->vm_clock_nsec);
    st32be(p + 32, (uint32_t)MIN(s->vm_state_size, UINT32_MAX));
    st32be(p + 36, extra);
    memcpy(p + SN_FIXED, s->extra, s->extra_size);
    st64be(p + SN_FIXED, s->vm_state_size);
    st64be(p + SN_FIXED + 8, s->disk_size);
    memcpy(p + SN_FIXED + extra, s->id, idl);
    memcpy(p + SN_FIXED + extra + idl, s->name, nml);
}

/* Writes the table (n entries of list) anew, then switches the header
 * to it; the old table's clusters are freed on the next write back. */
static int sn_write_table(Qcow2 *q, const Qcow2Snapshot *list, uint32_t n)
{
    uint64_t bytes = 0, at = 0, off = 0, old = q->snapshots_offset;
    uint64_t old_clusters = ALIGN_UP(q->snapshots_size, q->cluster_size) >>
                            q->cluster_bits;
    uint8_t *t, h[12];
    int64_t a = 0;
    int r = 0;

    for (uint32_t i = 0; i < n; i++) {
        bytes += sn_entry_bytes(&list[i]);
    }
    t = xzalloc(MAX(bytes, 1));
    for (uint32_t i = 0; i < n; i++) {
        sn_emit(&list[i], t + at);
        at += sn_entry_bytes(&list[i]);
    }
    if (n && (a = qcow2_alloc_clusters(q, ALIGN_UP(bytes, q->cluster_size) >>
                                       q->cluster_bits)) < 0) {
        r = (int)a;
    }
    off = n ? (uint64_t)a : 0;
    r = r ? r : (n ? blk_fd_rw(q->fd, off, t, bytes, true) : 0);
    free(t);
    r = r ? r : qcow2_sync_metadata(q);
    r = r ? r : (fdatasync(q->fd) < 0 ? -errno : 0);
    if (r) {
        return r;
    }
    st32be(h, n);
    st64be(h + 4, off);
    if ((r = qcow2_write_header_fields(q, 60, h, sizeof(h))) < 0) {
        return r;
    }
    if (q->nb_snapshots && old) {
        qcow2_free_later(q, old, MAX(old_clusters, 1));
    }
    q->snapshots_offset = off;
    q->snapshots_size = bytes;
    return 0;
}

/* ---- walking a tree of tables: references and COPIED flags ---- */

static int sn_add(Qcow2 *q, uint64_t off, int addend, uint64_t *rc)
{
    uint64_t c = off >> q->cluster_bits;
    int r = qcow2_refcount_get(q, c, rc);

    if (r || !addend) {
        return r;
    }
    if (addend < 0 && !*rc) {
        return -EIO;
    }
    if (addend > 0 && *rc == qcow2_refcount_max(q)) {
        return -ERANGE;
    }
    *rc += (uint64_t)(int64_t)addend;
    return qcow2_refcount_set(q, c, *rc);
}

static uint64_t sn_flag(uint64_t e, uint64_t rc, bool active)
{
    if (!active) {
        return e;
    }
    return rc == 1 ? e | QCOW2_OFLAG_COPIED : e & ~QCOW2_OFLAG_COPIED;
}

static int sn_l2_entry(Qcow2 *q, uint64_t e, int addend, bool active,
                       uint64_t *out)
{
    uint64_t off, len, rc = 0;
    int r = 0;

    *out = e;
    if (e & QCOW2_OFLAG_COMPRESSED) {
        qcow2_compressed_range(q, e, &off, &len);
        for (uint64_t c = off >> q->cluster_bits;
             addend && !r && c <= (off + len - 1) >> q->cluster_bits; c++) {
            r = sn_add(q, c << q->cluster_bits, addend, &rc);
        }
        return r;
    }
    if (!(e & QCOW2_OFFSET_MASK)) {
        return 0;
    }
    r = sn_add(q, e & QCOW2_OFFSET_MASK, addend, &rc);
    *out = sn_flag(e, rc, active);
    return r;
}

static int sn_l2(Qcow2 *q, uint64_t l2off, int addend, bool active)
{
    uint8_t *t;
    int r = qcow2_cache_get(q, &q->l2c, l2off, false, &t);

    for (uint64_t i = 0; !r && i < q->l2_entries; i++) {
        uint64_t e = ld64be(t + 8 * i), ne;
        r = sn_l2_entry(q, e, addend, active, &ne);
        if (!r && ne != e) {
            st64be(t + 8 * i, ne);
            qcow2_cache_mark_dirty(&q->l2c, t);
        }
    }
    return r;
}

/* Adds addend to every cluster an L1 table reaches; a data cluster
 * holds one reference per L1 table that reaches it (QEMU's rule), so
 * every L2 table is walked even when shared. active: sets the COPIED
 * flags of l1 and its L2 tables from the refcounts. */
static int sn_update_refs(Qcow2 *q, uint64_t *l1, uint32_t n, int addend,
                          bool active)
{
    int r = 0;

    for (uint32_t i = 0; i < n && !r; i++) {
        uint64_t l2 = l1[i] & QCOW2_OFFSET_MASK, rc = 0;
        if (!l2) {
            continue;
        }
        if (l2 & (q->cluster_size - 1)) {
            return -EIO;
        }
        r = sn_l2(q, l2, addend, active);
        r = r ? r : sn_add(q, l2, addend, &rc);
        if (!r && !rc) {
            qcow2_cache_drop(&q->l2c, l2);
        }
        if (!r && active) {
            l1[i] = sn_flag(l1[i], rc, true);
            q->l1_dirty = true;
        }
    }
    return r;
}

/* ---- L1 tables ---- */

static int sn_read_l1(Qcow2 *q, const Qcow2Snapshot *s, uint64_t **l1)
{
    uint64_t *t = xzalloc(MAX((uint64_t)s->l1_size, 1) * 8);
    int r = blk_fd_rw(q->fd, s->l1_offset, t, (uint64_t)s->l1_size * 8, false);

    for (uint32_t i = 0; i < s->l1_size; i++) {
        t[i] = ld64be(&t[i]);
    }
    *l1 = t;
    return r;
}

static int64_t sn_write_l1(Qcow2 *q, const uint64_t *l1, uint32_t n)
{
    uint64_t bytes = MAX((uint64_t)n * 8, 8);
    int64_t a = qcow2_alloc_clusters(q, ALIGN_UP(bytes, q->cluster_size) >>
                                     q->cluster_bits);
    uint64_t *be;
    int r;

    if (a < 0) {
        return a;
    }
    be = xzalloc(bytes);
    for (uint32_t i = 0; i < n; i++) {
        st64be(&be[i], l1[i]);
    }
    r = blk_fd_rw(q->fd, (uint64_t)a, be, bytes, true);
    free(be);
    return r ? r : a;
}

static uint64_t l1_clusters(const Qcow2 *q, uint32_t n)
{
    return MAX(ALIGN_UP((uint64_t)n * 8, q->cluster_size) >> q->cluster_bits,
               1);
}

/* ---- the VM state area (QEMU's: from the first L1 entry past the
 * virtual disk) ---- */

static uint32_t vm_index(const Qcow2 *q)
{
    uint64_t per = q->cluster_size * q->l2_entries;

    return (uint32_t)((q->size + per - 1) / per);
}

uint64_t qcow2_vmstate_offset(const Qcow2 *q)
{
    return (uint64_t)vm_index(q) * q->cluster_size * q->l2_entries;
}

/* A larger active L1 table (n entries), written before the header. */
static int sn_grow_l1(Qcow2 *q, uint32_t n)
{
    uint64_t *l1 = xzalloc((uint64_t)n * 8), old = q->l1_offset;
    uint32_t old_n = q->l1_size;
    uint8_t h[12];
    int64_t a;
    int r;

    memcpy(l1, q->l1, (uint64_t)q->l1_size * 8);
    if ((r = qcow2_sync_metadata(q)) < 0 ||
        (a = sn_write_l1(q, l1, n)) < 0 ||
        (r = qcow2_sync_metadata(q)) < 0 ||
        (r = (fdatasync(q->fd) < 0 ? -errno : 0)) < 0) {
        free(l1);
        return r ? r : (int)a;
    }
    st32be(h, n);
    st64be(h + 4, (uint64_t)a);
    if ((r = qcow2_write_header_fields(q, 36, h, sizeof(h))) < 0) {
        free(l1);
        return r;
    }
    free(q->l1);
    q->l1 = l1;
    q->l1_size = n;
    q->l1_offset = (uint64_t)a;
    qcow2_free_later(q, old, l1_clusters(q, old_n));
    return 0;
}

int qcow2_vmstate_write(Qcow2 *q, uint64_t pos, const void *buf,
                        uint64_t len)
{
    uint64_t end = qcow2_vmstate_offset(q) + pos + len;
    uint64_t per = q->cluster_size * q->l2_entries;
    uint32_t need = (uint32_t)((end + per - 1) / per);
    int r = 0;

    if (!q->writable) {
        return -EROFS;
    }
    if (end / per > QCOW2_MAX_L1_BYTES / 8) {
        return -EFBIG;
    }
    pthread_mutex_lock(&q->lock);
    if (need > q->l1_size) {
        r = sn_grow_l1(q, need);
    }
    pthread_mutex_unlock(&q->lock);
    return r ? r : qcow2_pwrite(q, qcow2_vmstate_offset(q) + pos, buf, len);
}

/* Drops the active image's VM state area (after a snapshot took it). */
static int sn_drop_vmstate(Qcow2 *q)
{
    uint32_t first = vm_index(q), n = q->l1_size - MIN(first, q->l1_size);
    uint64_t *gone;
    bool any = false;
    int r;

    gone = xzalloc(MAX((uint64_t)n, 1) * 8);
    for (uint32_t i = 0; i < n; i++) {
        gone[i] = q->l1[first + i];
        any |= gone[i] != 0;
        q->l1[first + i] = 0;
    }
    if (!any) {
        free(gone);
        return 0;
    }
    q->l1_dirty = true;
    r = qcow2_sync_metadata(q);
    r = r ? r : (fdatasync(q->fd) < 0 ? -errno : 0);
    r = r ? r : sn_update_refs(q, gone, n, -1, false);
    free(gone);
    return r ? r : qcow2_writeback(q);
}

/* Reads through a snapshot's L1 table, put in place of the active one
 * for the time of the reads (the lock held: nobody else sees it). */
static int sn_read_vmstate(Qcow2 *q, const Qcow2Snapshot *s, uint64_t pos,
                           uint8_t *buf, uint64_t len)
{
    uint64_t *l1 = NULL, *active = q->l1, off = qcow2_vmstate_offset(q) + pos;
    uint32_t active_n = q->l1_size;
    int r = sn_read_l1(q, s, &l1);

    q->l1 = l1;
    q->l1_size = s->l1_size;
    while (!r && len) {
        uint64_t n = MIN(len, q->cluster_size - (off & (q->cluster_size - 1)));
        r = qcow2_read_cluster(q, off, buf, n);
        off += n;
        buf += n;
        len -= n;
    }
    q->l1 = active;
    q->l1_size = active_n;
    free(l1);
    return r;
}

int qcow2_snapshot_read_vmstate(Qcow2 *q, const char *name, uint64_t pos,
                                void *buf, uint64_t len)
{
    int r;

    pthread_mutex_lock(&q->lock);
    r = qcow2_snapshot_find(q, name);
    if (r >= 0) {
        const Qcow2Snapshot *s = &q->snapshots[r];
        r = pos > s->vm_state_size || len > s->vm_state_size - pos ? -EINVAL
            : sn_read_vmstate(q, s, pos, buf, len);
    }
    pthread_mutex_unlock(&q->lock);
    return r;
}

/* ---- the operations ---- */

int qcow2_snapshot_find(Qcow2 *q, const char *name)
{
    for (uint32_t i = 0; i < q->nb_snapshots; i++) {
        if (!strcmp(q->snapshots[i].id, name)) {
            return (int)i;
        }
    }
    for (uint32_t i = 0; i < q->nb_snapshots; i++) {
        if (!strcmp(q->snapshots[i].name, name)) {
            return (int)i;
        }
    }
    return -ENOENT;
}

static char *sn_next_id(const Qcow2 *q)
{
    unsigned long max = 0;

    for (uint32_t i = 0; i < q->nb_snapshots; i++) {
        unsigned long v = strtoul(q->snapshots[i].id, NULL, 10);
        max = MAX(max, v);
    }
    return xasprintf("%lu", max + 1);
}

static int sn_create_locked(Qcow2 *q, const Qcow2SnapshotInfo *info)
{
    Qcow2Snapshot *list, *s;
    int64_t l1off;
    int r;

    if ((r = qcow2_writeback(q)) < 0 ||
        (r = sn_update_refs(q, q->l1, q->l1_size, 1, true)) < 0 ||
        (r = qcow2_sync_metadata(q)) < 0) {
        return r;
    }
    if ((l1off = sn_write_l1(q, q->l1, q->l1_size)) < 0) {
        return (int)l1off;
    }
    list = xzalloc((q->nb_snapshots + 1) * sizeof(*list));
    memcpy(list, q->snapshots, q->nb_snapshots * sizeof(*list));
    s = &list[q->nb_snapshots];
    s->id = sn_next_id(q);
    s->name = xstrdup(info->name);
    s->l1_offset = (uint64_t)l1off;
    s->l1_size = q->l1_size;
    s->date_sec = info->date_sec;
    s->date_nsec = info->date_nsec;
    s->vm_clock_nsec = info->vm_clock_nsec;
    s->vm_state_size = info->vm_state_size;
    s->disk_size = q->size;
    s->extra = xzalloc(SN_EXTRA_V3);
    s->extra_size = SN_EXTRA_V3;
    if ((r = sn_write_table(q, list, q->nb_snapshots + 1)) < 0) {
        sn_clear(s);
        free(list);
        return r;
    }
    free(q->snapshots);
    q->snapshots = list;
    q->nb_snapshots++;
    r = qcow2_writeback(q);
    return r ? r : sn_drop_vmstate(q);
}

static int sn_delete_locked(Qcow2 *q, uint32_t i)
{
    Qcow2Snapshot gone = q->snapshots[i];
    uint64_t *l1 = NULL;
    int r;

    if ((r = qcow2_writeback(q)) < 0 || (r = sn_read_l1(q, &gone, &l1)) < 0) {
        free(l1);
        return r;
    }
    memmove(&q->snapshots[i], &q->snapshots[i + 1],
            (q->nb_snapshots - i - 1) * sizeof(gone));
    if ((r = sn_write_table(q, q->snapshots, q->nb_snapshots - 1)) < 0) {
        memmove(&q->snapshots[i + 1], &q->snapshots[i],
                (q->nb_snapshots - i - 1) * sizeof(gone));
        q->snapshots[i] = gone;
        free(l1);
        return r;
    }
    q->nb_snapshots--;
    r = sn_update_refs(q, l1, gone.l1_size, -1, false);
    free(l1);
    qcow2_free_later(q, gone.l1_offset, l1_clusters(q, gone.l1_size));
    sn_clear(&gone);
    r = r ? r : qcow2_writeback(q);
    r = r ? r : sn_update_refs(q, q->l1, q->l1_size, 0, true);
    return r ? r : qcow2_writeback(q);
}

static int sn_revert_locked(Qcow2 *q, const Qcow2Snapshot *s)
{
    uint64_t *l1 = NULL, *old;
    int r;

    if (MIN(s->l1_size, vm_index(q)) > q->l1_size ||
        s->disk_size != q->size) {
        return -ENOTSUP;
    }
    if ((r = qcow2_writeback(q)) < 0 || (r = sn_read_l1(q, s, &l1)) < 0 ||
        (r = sn_update_refs(q, l1, MIN(s->l1_size, vm_index(q)), 1,
                            false)) < 0 ||
        (r = qcow2_sync_metadata(q)) < 0) {
        free(l1);
        return r;
    }
    old = q->l1;
    q->l1 = xzalloc((uint64_t)q->l1_size * 8);
    memcpy(q->l1, l1, (uint64_t)MIN(s->l1_size, vm_index(q)) * 8);
    free(l1);
    for (uint32_t i = 0; i < q->l1_size; i++) {
        q->l1[i] &= ~QCOW2_OFLAG_COPIED;
    }
    q->l1_dirty = true;
    if ((r = qcow2_sync_metadata(q)) < 0 ||
        (r = (fdatasync(q->fd) < 0 ? -errno : 0)) < 0) {
        free(old);
        return r;
    }
    r = sn_update_refs(q, old, q->l1_size, -1, false);
    free(old);
    r = r ? r : qcow2_writeback(q);
    r = r ? r : sn_update_refs(q, q->l1, q->l1_size, 0, true);
    return r ? r : qcow2_writeback(q);
}

int qcow2_snapshot_create(Qcow2 *q, const Qcow2SnapshotInfo *info)
{
    int r;

    if (!q->writable) {
        return -EROFS;
    }
    if (!info->name || strlen(info->name) > 65535) {
        return -EINVAL;
    }
    pthread_mutex_lock(&q->lock);
    r = q->nb_snapshots >= SN_MAX ? -EFBIG :
        qcow2_snapshot_find(q, info->name) >= 0 ? -EEXIST :
        sn_create_locked(q, info);
    pthread_mutex_unlock(&q->lock);
    return r;
}

int qcow2_snapshot_delete(Qcow2 *q, const char *name)
{
    int r;

    if (!q->writable) {
        return -EROFS;
    }
    pthread_mutex_lock(&q->lock);
    r = qcow2_snapshot_find(q, name);
    r = r < 0 ? r : sn_delete_locked(q, (uint32_t)r);
    pthread_mutex_unlock(&q->lock);
    return r;
}

int qcow2_snapshot_revert(Qcow2 *q, const char *name)
{
    int r;

    if (!q->writable) {
        return -EROFS;
    }
    pthread_mutex_lock(&q->lock);
    r = qcow2_snapshot_find(q, name);
    r = r < 0 ? r : sn_revert_locked(q, &q->snapshots[r]);
    pthread_mutex_unlock(&q->lock);
    return r;
}
