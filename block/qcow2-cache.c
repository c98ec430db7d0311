/*
 * qcow2 table caches: a few cluster-sized tables (L2 tables, refcount
 * blocks) kept in memory, found by host offset, evicted least recently
 * used. A dirty table is written only by qcow2_cache_write_dirty, which
 * qcow2_writeback calls in the crash-safe order; a cache that needs a
 * slot while every table is dirty asks for a write back first.
 */
#include "block/qcow2.h"

#include <stdlib.h>
#include <string.h>

void qcow2_cache_init(Qcow2Cache *c, unsigned n)
{
    c->n = n;
    c->off = xzalloc(n * sizeof(*c->off));
    c->data = xzalloc(n * sizeof(*c->data));
    c->used = xzalloc(n * sizeof(*c->used));
    c->dirty = xzalloc(n * sizeof(*c->dirty));
    c->tick = 0;
}

void qcow2_cache_free(Qcow2Cache *c)
{
    for (unsigned i = 0; i < c->n; i++) {
        free(c->data[i]);
    }
    free(c->off);
    free(c->data);
    free(c->used);
    free(c->dirty);
    memset(c, 0, sizeof(*c));
}

static int cache_find(const Qcow2Cache *c, uint64_t off)
{
    for (unsigned i = 0; i < c->n; i++) {
        if (c->off[i] == off) {
            return (int)i;
        }
    }
    return -1;
}

/* The least recently used clean slot, or -1 if all are dirty. */
static int cache_victim(const Qcow2Cache *c)
{
    int best = -1;

    for (unsigned i = 0; i < c->n; i++) {
        if (!c->off[i]) {
            return (int)i;
        }
        if (!c->dirty[i] && (best < 0 || c->used[i] < c->used[best])) {
            best = (int)i;
        }
    }
    return best;
}

static int cache_fill(Qcow2 *q, Qcow2Cache *c, unsigned i, uint64_t off,
                      bool fresh)
{
    int r = 0;

    if (!c->data[i]) {
        c->data[i] = xmalloc(q->cluster_size);
    }
    if (fresh) {
        memset(c->data[i], 0, q->cluster_size);
    } else {
        r = blk_fd_rw(q->fd, off, c->data[i], q->cluster_size, false);
    }
    c->off[i] = r ? 0 : off;
    c->dirty[i] = fresh;
    return r;
}

int qcow2_cache_get(Qcow2 *q, Qcow2Cache *c, uint64_t off, bool fresh,
                    uint8_t **table)
{
    int i = cache_find(c, off);
    int r;

    if (i < 0) {
        i = cache_victim(c);
        if (i < 0) {
            if ((r = qcow2_sync_metadata(q)) < 0) {
                return r;
            }
            i = cache_victim(c);
        }
        if ((r = cache_fill(q, c, (unsigned)i, off, fresh)) < 0) {
            return r;
        }
    } else if (fresh) {
        memset(c->data[i], 0, q->cluster_size);
        c->dirty[i] = true;
    }
    c->used[i] = ++c->tick;
    *table = c->data[i];
    return 0;
}

void qcow2_cache_mark_dirty(Qcow2Cache *c, const uint8_t *table)
{
    for (unsigned i = 0; i < c->n; i++) {
        if (c->data[i] == table && c->off[i]) {
            c->dirty[i] = true;
            return;
        }
    }
}

int qcow2_cache_write_dirty(Qcow2 *q, Qcow2Cache *c)
{
    for (unsigned i = 0; i < c->n; i++) {
        int r;
        if (!c->dirty[i]) {
            continue;
        }
        if ((r = blk_fd_rw(q->fd, c->off[i], c->data[i], q->cluster_size,
                          true)) < 0) {
            return r;
        }
        c->dirty[i] = false;
    }
    return 0;
}

void qcow2_cache_drop(Qcow2Cache *c, uint64_t off)
{
    int i = cache_find(c, off);

    if (i >= 0) {
        c->off[i] = 0;
        c->dirty[i] = false;
    }
}
