/*
 * qcow2 reference counts: reading and setting them (refcounts of 1 to 64
 * bits), allocating clusters, creating refcount blocks and growing the
 * refcount table, and the ordered write back of metadata. See qcow2.h.
 *
 * A missing refcount block means "every cluster it would cover is free",
 * so a new block is placed on the first cluster of its own range and
 * counts itself. A refcount table too small for a cluster is replaced by
 * a larger one written past everything the old table covers, together
 * with the refcount blocks that cover it (they count the new table and
 * themselves), then the header is switched to it; the old table is freed
 * after the next write back.
 */
#include "block/qcow2.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static uint64_t rt_entries(const Qcow2 *q)
{
    return (uint64_t)q->rt_clusters * q->cluster_size / 8;
}

uint64_t qcow2_refcount_max(const Qcow2 *q)
{
    unsigned bits = 1u << q->refcount_order;

    return bits == 64 ? ~0ull : (1ull << bits) - 1;
}

uint64_t rb_get(const Qcow2 *q, const uint8_t *block, uint64_t i)
{
    unsigned bits = 1u << q->refcount_order;

    switch (bits) {
    case 64: return ld64be(block + i * 8);
    case 32: return ld32be(block + i * 4);
    case 16: return ld16be(block + i * 2);
    case 8: return block[i];
    }
    return (block[i * bits / 8] >> (i * bits % 8)) & ((1u << bits) - 1);
}

void rb_set(const Qcow2 *q, uint8_t *block, uint64_t i, uint64_t v)
{
    unsigned bits = 1u << q->refcount_order;
    unsigned shift = (unsigned)(i * bits % 8), mask = (1u << bits) - 1;

    switch (bits) {
    case 64: st64be(block + i * 8, v); return;
    case 32: st32be(block + i * 4, (uint32_t)v); return;
    case 16: st16be(block + i * 2, (uint16_t)v); return;
    case 8: block[i] = (uint8_t)v; return;
    }
    block[i * bits / 8] = (uint8_t)((block[i * bits / 8] & ~(mask << shift)) |
                                    ((v & mask) << shift));
}

int qcow2_refcount_get(Qcow2 *q, uint64_t cluster, uint64_t *rc)
{
    uint64_t ri = cluster / q->rb_entries;
    uint8_t *block;
    int r;

    *rc = 0;
    if (ri >= rt_entries(q) || !q->rt[ri]) {
        return 0;
    }
    if ((r = qcow2_cache_get(q, &q->rbc, q->rt[ri], false, &block)) < 0) {
        return r;
    }
    *rc = rb_get(q, block, cluster % q->rb_entries);
    return 0;
}

/* Whether cluster c may be handed out (kite-img check -r: not referenced). */
static bool q_usable(const Qcow2 *q, uint64_t c)
{
    return c && (!q->refs || c >= q->nrefs || !q->refs[c]);
}

/* ---- a larger refcount table ---- */

/* Clusters of the new table (tc) and of the blocks covering it (nb). */
static void rt_grow_layout(const Qcow2 *q, uint64_t start, uint64_t need,
                           uint64_t *tc, uint64_t *nb)
{
    uint64_t epb = q->rb_entries, per = q->cluster_size / 8;

    *tc = (MAX(rt_entries(q) * 2, need + 1) + per - 1) / per;
    *nb = 1;
    for (;;) {
        uint64_t end = start + *tc + *nb;
        uint64_t entries = MAX(*tc * per, (end - 1) / epb + 1);
        uint64_t tc2 = (entries + per - 1) / per;
        uint64_t nb2 = (end - 1) / epb - start / epb + 1;
        if (tc2 <= *tc && nb2 <= *nb) {
            return;
        }
        *tc = MAX(*tc, tc2);
        *nb = MAX(*nb, nb2);
    }
}

/* Writes the blocks covering [start, end) with refcount 1 for each. */
static int rt_grow_blocks(Qcow2 *q, uint64_t *nrt, uint64_t start,
                          uint64_t tc, uint64_t nb)
{
    uint64_t epb = q->rb_entries, end = start + tc + nb;
    uint8_t *blk = xmalloc(q->cluster_size);
    int r = 0;

    for (uint64_t b = 0; b < nb && !r; b++) {
        uint64_t ri = start / epb + b, at = start + tc + b;
        memset(blk, 0, q->cluster_size);
        for (uint64_t x = MAX(start, ri * epb); x < end && x / epb == ri;
             x++) {
            rb_set(q, blk, x % epb, 1);
        }
        nrt[ri] = at << q->cluster_bits;
        r = blk_fd_rw(q->fd, at << q->cluster_bits, blk, q->cluster_size,
                     true);
    }
    free(blk);
    return r;
}

static int rt_grow_switch(Qcow2 *q, uint64_t *nrt, uint64_t start,
                          uint64_t tc)
{
    uint64_t n = tc * q->cluster_size / 8;
    uint64_t *be = xmalloc(n * 8);
    uint8_t h[12];
    int r;

    for (uint64_t i = 0; i < n; i++) {
        st64be(&be[i], nrt[i]);
    }
    r = blk_fd_rw(q->fd, start << q->cluster_bits, be, n * 8, true);
    free(be);
    if (r || fdatasync(q->fd) < 0) {
        return r ? r : -errno;
    }
    st64be(h, start << q->cluster_bits);
    st32be(h + 8, (uint32_t)tc);
    return qcow2_write_header_fields(q, 48, h, sizeof(h));
}

static int rt_grow(Qcow2 *q, uint64_t need)
{
    struct stat st;
    uint64_t start, tc, nb, old_off = q->rt_offset, old_tc = q->rt_clusters;
    uint64_t *nrt;
    int r;

    if ((r = qcow2_sync_metadata(q)) < 0) {
        return r;
    }
    if (fstat(q->fd, &st) < 0) {
        return -errno;
    }
    start = MAX(rt_entries(q) * q->rb_entries,
                MAX(q->end_cluster, ALIGN_UP((uint64_t)st.st_size,
                    q->cluster_size) >> q->cluster_bits));
    rt_grow_layout(q, start, need, &tc, &nb);
    if (tc * q->cluster_size > QCOW2_MAX_RT_BYTES) {
        return -EFBIG;
    }
    nrt = xzalloc(tc * q->cluster_size);
    memcpy(nrt, q->rt, rt_entries(q) * 8);
    if ((r = rt_grow_blocks(q, nrt, start, tc, nb)) < 0 ||
        (r = rt_grow_switch(q, nrt, start, tc)) < 0) {
        free(nrt);
        return r;
    }
    free(q->rt);
    q->rt = nrt;
    q->rt_offset = start << q->cluster_bits;
    q->rt_clusters = (uint32_t)tc;
    q->end_cluster = start + tc + nb;
    qcow2_free_later(q, old_off, old_tc);
    return 0;
}

/* ---- refcount blocks ---- */

/* A new refcount block for index ri, on a cluster of its own range. */
static int rb_create(Qcow2 *q, uint64_t ri)
{
    uint64_t c = ri * q->rb_entries;
    uint8_t *block;
    int r;

    while (!q_usable(q, c)) {
        c++;
    }
    if ((r = qcow2_cache_get(q, &q->rbc, c << q->cluster_bits, true,
                             &block)) < 0) {
        return r;
    }
    rb_set(q, block, c % q->rb_entries, 1);
    if (q->refs && c < q->nrefs) {
        q->refs[c]++;                    /* check -r: now referenced */
    }
    q->rt[ri] = c << q->cluster_bits;
    q->rt_dirty = true;
    q->end_cluster = MAX(q->end_cluster, c + 1);
    return 0;
}

/* Makes sure cluster c has a refcount block; *created if one was made. */
static int rb_ensure(Qcow2 *q, uint64_t c, bool *created)
{
    uint64_t ri = c / q->rb_entries;
    int r;

    if (ri >= rt_entries(q)) {
        if ((r = rt_grow(q, ri)) < 0) {
            return r;
        }
        *created = true;
    }
    if (!q->rt[ri]) {
        *created = true;
        return rb_create(q, ri);
    }
    return 0;
}

int qcow2_refcount_set(Qcow2 *q, uint64_t cluster, uint64_t rc)
{
    bool created = false;
    uint8_t *block;
    int r;

    if (rc > qcow2_refcount_max(q)) {
        return -ERANGE;
    }
    if ((r = rb_ensure(q, cluster, &created)) < 0 ||
        (r = qcow2_cache_get(q, &q->rbc, q->rt[cluster / q->rb_entries],
                             false, &block)) < 0) {
        return r;
    }
    rb_set(q, block, cluster % q->rb_entries, rc);
    qcow2_cache_mark_dirty(&q->rbc, block);
    if (!rc && cluster < q->free_hint) {
        q->free_hint = cluster;
    }
    return 0;
}

/* ---- allocation ---- */

/* The first run of n free clusters from the hint; *first: first free. */
static int find_free_run(Qcow2 *q, uint64_t n, uint64_t *start,
                         uint64_t *first)
{
    uint64_t run = 0, rc;
    int r;

    *first = UINT64_MAX;
    for (uint64_t c = MAX(q->free_hint, 1);; c++) {
        if ((r = qcow2_refcount_get(q, c, &rc)) < 0) {
            return r;
        }
        if (rc || !q_usable(q, c)) {
            run = 0;
            continue;
        }
        *first = MIN(*first, c);
        if (++run == n) {
            *start = c + 1 - n;
            return 0;
        }
    }
}

int64_t qcow2_alloc_clusters(Qcow2 *q, uint64_t n)
{
    uint64_t s, first;
    bool created;
    int r;

    do {
        created = false;
        if ((r = find_free_run(q, n, &s, &first)) < 0) {
            return r;
        }
        for (uint64_t x = s; x < s + n && !r; x++) {
            r = rb_ensure(q, x, &created);
        }
        if (r < 0) {
            return r;
        }
    } while (created);
    for (uint64_t x = s; x < s + n; x++) {
        if ((r = qcow2_refcount_set(q, x, 1)) < 0) {
            return r;
        }
    }
    q->free_hint = first == s ? s + n : first;
    q->end_cluster = MAX(q->end_cluster, s + n);
    return (int64_t)(s << q->cluster_bits);
}

void qcow2_free_later(Qcow2 *q, uint64_t off, uint64_t nclusters)
{
    for (uint64_t i = 0; i < nclusters; i++) {
        if (q->nto_free == q->cap_free) {
            q->cap_free = q->cap_free ? q->cap_free * 2 : 16;
            q->to_free = xrealloc(q->to_free, q->cap_free * 8);
        }
        q->to_free[q->nto_free++] = off + (i << q->cluster_bits);
    }
}

/* ---- write back ---- */

static bool cache_dirty(const Qcow2Cache *c)
{
    for (unsigned i = 0; i < c->n; i++) {
        if (c->dirty[i]) {
            return true;
        }
    }
    return false;
}

static int q_write_table(Qcow2 *q, uint64_t off, const uint64_t *t,
                         uint64_t n)
{
    uint64_t *be = xmalloc(MAX(n, 1) * 8);
    int r;

    for (uint64_t i = 0; i < n; i++) {
        st64be(&be[i], t[i]);
    }
    r = blk_fd_rw(q->fd, off, be, n * 8, true);
    free(be);
    return r;
}

static int q_sync(Qcow2 *q)
{
    return fdatasync(q->fd) < 0 ? -errno : 0;
}

int qcow2_sync_metadata(Qcow2 *q)
{
    bool refs = cache_dirty(&q->rbc) || q->rt_dirty;
    bool l2 = cache_dirty(&q->l2c);
    int r;

    if (!refs && !l2 && !q->l1_dirty) {
        return 0;
    }
    if ((r = q_sync(q)) < 0 ||                              /* the data */
        (r = qcow2_cache_write_dirty(q, &q->rbc)) < 0 ||
        (q->rt_dirty &&
         (r = q_write_table(q, q->rt_offset, q->rt, rt_entries(q))) < 0) ||
        (refs && (r = q_sync(q)) < 0) ||
        (r = qcow2_cache_write_dirty(q, &q->l2c)) < 0) {
        return r;
    }
    q->rt_dirty = false;
    if (q->l1_dirty) {
        if ((l2 && (r = q_sync(q)) < 0) ||
            (r = q_write_table(q, q->l1_offset, q->l1, q->l1_size)) < 0) {
            return r;
        }
        q->l1_dirty = false;
    }
    return 0;
}

int qcow2_writeback(Qcow2 *q)
{
    int r = qcow2_sync_metadata(q);

    if (r || !q->nto_free) {
        return r;
    }
    if ((r = q_sync(q)) < 0) {          /* no reference left on disk first */
        return r;
    }
    for (size_t i = 0; i < q->nto_free && !r; i++) {
        uint64_t c = q->to_free[i] >> q->cluster_bits, rc;
        r = qcow2_refcount_get(q, c, &rc);
        if (!r && rc) {
            r = qcow2_refcount_set(q, c, rc - 1);
        }
    }
    q->nto_free = 0;
    return r ? r : qcow2_sync_metadata(q);
}
