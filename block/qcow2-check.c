/*
 * kite-img check for qcow2: every reference the metadata makes (header,
 * L1 table, L2 tables, data and compressed clusters, refcount table and
 * blocks) is counted into an array, one count per host cluster, then
 * compared with the stored refcounts. A stored count above the
 * references is a leak (space lost, data safe); below, a corruption (a
 * cluster in use that an allocation could hand out again). Pointers that
 * are not cluster-aligned or point past the end of the file, and COPIED
 * flags that disagree with the refcount, are corruptions too. With
 * repair, the stored counts are set to the references (leaks only, or
 * all); the refcount blocks this needs avoid every referenced cluster.
 * Snapshots' tables and trees are counted too (a data cluster holds one
 * reference per L1 table reaching it); COPIED is checked on the active
 * tables only.
 */
#include "block/qcow2.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct CheckState {
    Qcow2 *q;
    uint32_t *refs;
    uint64_t nclusters;          /* clusters in the file */
    Qcow2CheckResult *res;
    FILE *out;
    uint64_t last_host;          /* for fragmentation */
} CheckState;

static void ck_say(CheckState *s, const char *fmt, ...) PRINTF_FMT(2, 3);

static void ck_say(CheckState *s, const char *fmt, ...)
{
    va_list ap;

    if (!s->out) {
        return;
    }
    va_start(ap, fmt);
    vfprintf(s->out, fmt, ap);
    va_end(ap);
}

/* One reference to each cluster of [off, off + len). */
static void ck_ref(CheckState *s, uint64_t off, uint64_t len)
{
    Qcow2 *q = s->q;
    uint64_t first = off >> q->cluster_bits;
    uint64_t last = (off + len - 1) >> q->cluster_bits;

    for (uint64_t c = first; len && c <= last; c++) {
        if (c >= s->nclusters) {
            ck_say(s, "ERROR: cluster %llu is past the end of the file\n",
                   (unsigned long long)c);
            s->res->corruptions++;
            return;
        }
        s->refs[c]++;
    }
}

static bool ck_aligned(CheckState *s, uint64_t off, const char *what)
{
    if (off & (s->q->cluster_size - 1)) {
        ck_say(s, "ERROR: %s offset %#llx is not cluster-aligned\n", what,
               (unsigned long long)off);
        s->res->corruptions++;
        return false;
    }
    return true;
}

static void ck_copied(CheckState *s, uint64_t e, const char *what)
{
    uint64_t rc = 0;

    qcow2_refcount_get(s->q, (e & QCOW2_OFFSET_MASK) >> s->q->cluster_bits,
                       &rc);
    if ((rc == 1) != !!(e & QCOW2_OFLAG_COPIED)) {
        ck_say(s, "ERROR OFLAG_COPIED %s: entry=%#llx refcount=%llu\n", what,
               (unsigned long long)e, (unsigned long long)rc);
        s->res->corruptions++;
    }
}

static void ck_l2_entry(CheckState *s, uint64_t e, bool active)
{
    Qcow2 *q = s->q;
    uint64_t host = e & QCOW2_OFFSET_MASK, off, len;

    if (e & QCOW2_OFLAG_COMPRESSED) {
        qcow2_compressed_range(q, e, &off, &len);
        ck_ref(s, off, len);
        if (!active) {
            return;
        }
        s->res->allocated++;
        s->res->compressed++;
        return;
    }
    if (!host || !ck_aligned(s, host, "data cluster")) {
        return;
    }
    ck_ref(s, host, q->cluster_size);
    if (!active) {
        return;                          /* a snapshot's: counted only */
    }
    ck_copied(s, e, "data cluster");
    if (!(e & QCOW2_OFLAG_ZERO) || q->version < 3) {
        s->res->allocated++;
        s->res->fragmented += s->last_host && host != s->last_host +
                                                      q->cluster_size;
        s->last_host = host;
    }
}

static int ck_l2(CheckState *s, uint64_t l2off, bool active)
{
    Qcow2 *q = s->q;
    uint8_t *t;
    int r = qcow2_cache_get(q, &q->l2c, l2off, false, &t);

    for (uint64_t i = 0; !r && i < q->l2_entries; i++) {
        ck_l2_entry(s, ld64be(t + 8 * i), active);
        /* ck_copied may have evicted t: take it again */
        r = qcow2_cache_get(q, &q->l2c, l2off, false, &t);
    }
    return r;
}

/* An L1 table and what it reaches; active: the image's own (COPIED
 * flags checked), else a snapshot's. */
static int ck_l1(CheckState *s, const uint64_t *l1, uint32_t n, bool active)
{
    Qcow2 *q = s->q;
    int r = 0;

    for (uint64_t i = 0; i < n && !r; i++) {
        uint64_t l2 = l1[i] & QCOW2_OFFSET_MASK;
        if (!l2 || !ck_aligned(s, l2, "L2 table")) {
            continue;
        }
        if ((l2 >> q->cluster_bits) >= s->nclusters) {
            ck_ref(s, l2, q->cluster_size);      /* reports it */
            continue;
        }
        ck_ref(s, l2, q->cluster_size);
        if (active) {
            ck_copied(s, l1[i], "L2 cluster");
        }
        r = ck_l2(s, l2, active);
    }
    return r;
}

/* The snapshot table, each snapshot's L1 table and its tree. */
static int ck_snapshots(CheckState *s)
{
    Qcow2 *q = s->q;
    int r = 0;

    if (q->nb_snapshots) {
        ck_ref(s, q->snapshots_offset, q->snapshots_size);
    }
    for (uint32_t i = 0; i < q->nb_snapshots && !r; i++) {
        const Qcow2Snapshot *sn = &q->snapshots[i];
        uint64_t n = sn->l1_size, *l1 = xzalloc(MAX(n, 1) * 8);
        ck_ref(s, sn->l1_offset, n * 8);
        r = blk_fd_rw(q->fd, sn->l1_offset, l1, n * 8, false);
        for (uint64_t j = 0; j < n; j++) {
            l1[j] = ld64be(&l1[j]);
        }
        r = r ? r : ck_l1(s, l1, sn->l1_size, false);
        free(l1);
    }
    return r;
}

static int ck_tables(CheckState *s)
{
    Qcow2 *q = s->q;
    uint64_t rt_n = (uint64_t)q->rt_clusters * q->cluster_size / 8;
    int r;

    ck_ref(s, 0, q->cluster_size);
    ck_ref(s, q->l1_offset, (uint64_t)q->l1_size * 8);
    ck_ref(s, q->rt_offset, (uint64_t)q->rt_clusters * q->cluster_size);
    for (uint64_t i = 0; i < rt_n; i++) {
        if (q->rt[i] && ck_aligned(s, q->rt[i], "refcount block")) {
            ck_ref(s, q->rt[i], q->cluster_size);
        }
    }
    r = ck_snapshots(s);
    return r ? r : ck_l1(s, q->l1, q->l1_size, true);
}

static void ck_report(CheckState *s, uint64_t c, uint64_t rc, uint64_t ref,
                      bool fix)
{
    ck_say(s, "%s cluster %llu refcount=%llu reference=%llu\n",
           fix ? "Repairing" : rc < ref ? "ERROR" : "Leaked",
           (unsigned long long)c, (unsigned long long)rc,
           (unsigned long long)ref);
}

/* Clusters to compare: the file, and all that refcount blocks cover. */
static uint64_t ck_span(const CheckState *s)
{
    const Qcow2 *q = s->q;
    uint64_t n = (uint64_t)q->rt_clusters * q->cluster_size / 8;

    while (n && !q->rt[n - 1]) {
        n--;
    }
    return MAX(s->nclusters, n * q->rb_entries);
}

static int ck_compare(CheckState *s, Qcow2Repair repair)
{
    Qcow2 *q = s->q;
    uint64_t span = ck_span(s);
    int r = 0;

    for (uint64_t c = 0; c < span && !r; c++) {
        uint64_t rc, ref = c < s->nclusters ? s->refs[c] : 0;
        bool leak, fix;
        if ((r = qcow2_refcount_get(q, c, &rc)) < 0) {
            break;
        }
        if (rc) {
            s->res->image_end = (c + 1) << q->cluster_bits;
        }
        if (rc == ref) {
            continue;
        }
        leak = rc > ref;
        fix = repair == QCOW2_REPAIR_ALL ||
              (leak && repair == QCOW2_REPAIR_LEAKS);
        ck_report(s, c, rc, ref, fix);
        if (fix && (r = qcow2_refcount_set(q, c, ref)) == 0) {
            leak ? s->res->leaks_fixed++ : s->res->corruptions_fixed++;
        }
        leak ? s->res->leaks++ : s->res->corruptions++;
    }
    return r;
}

int qcow2_check(Qcow2 *q, Qcow2Repair repair, Qcow2CheckResult *res,
                FILE *out)
{
    CheckState s = { .q = q, .res = res, .out = out };
    struct stat st;
    int r;

    memset(res, 0, sizeof(*res));
    if (fstat(q->fd, &st) < 0) {
        return -errno;
    }
    pthread_mutex_lock(&q->lock);
    s.nclusters = ALIGN_UP((uint64_t)st.st_size, q->cluster_size) >>
                  q->cluster_bits;
    s.refs = xzalloc(MAX(s.nclusters, 1) * sizeof(*s.refs));
    res->total = (q->size + q->cluster_size - 1) >> q->cluster_bits;
    r = ck_tables(&s);
    q->refs = s.refs;                    /* repairs allocate around them */
    q->nrefs = s.nclusters;
    if (!r) {
        r = ck_compare(&s, repair);
    }
    if (!r && repair != QCOW2_REPAIR_NONE) {
        r = qcow2_writeback(q);
    }
    q->refs = NULL;
    pthread_mutex_unlock(&q->lock);
    free(s.refs);
    return r;
}
