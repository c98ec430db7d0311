/*
 * qcow2 images, versions 2 and 3 (QEMU's docs/interop/qcow2.txt).
 *
 * All on-disk integers are big-endian. A guest offset is split into an
 * L1 index, an L2 index and an offset in the cluster; the L1 table (held
 * in memory) points at L2 tables (one cluster each, cached), whose
 * entries give the host cluster, a zero flag (v3), or a compressed
 * cluster (raw deflate, read only). Every host cluster in use has a
 * reference count in a refcount block, found through the refcount table
 * (held in memory).
 *
 * Checked at open, each a one-line error: magic, version, cluster_bits
 * (9-21), header length, encryption, incompatible feature bits (none is
 * supported: dirty, corrupt, external data file, compression type,
 * extended L2), refcount order, sizes that overflow, the L1 and refcount
 * tables (aligned, inside the file, and every entry of them), the header
 * extensions, the backing file name. L2 entries are checked when used: a
 * bad one fails that request with -EIO and is logged once.
 *
 * Writes allocate clusters (copying up from the backing file, the zero
 * flag or a compressed cluster for the part of the cluster not written).
 * Metadata is written back in a crash-safe order: the guest data first
 * (fdatasync), then the refcount blocks and table (fdatasync), then the
 * L2 tables, then the L1 entries (fdatasync), then clusters no longer
 * referenced are freed. A crash at any point can leak clusters; it never
 * leaves a reference to a cluster whose refcount says it is free. Write
 * back happens on flush, on close, and when a cache needs a dirty slot.
 * Discard and write-zeroes set the zero flag (v3) on allocated clusters
 * and drop nothing, so no refcount ever goes down on the guest's request.
 *
 * Internal snapshots (qcow2-snapshot.c) are kept in QEMU's layout.
 * Not supported: encryption, external data files, extended L2 entries, zstd.
 */
#ifndef KITE_QCOW2_H
#define KITE_QCOW2_H

#include <pthread.h>
#include <stdio.h>

#include "block/block.h"

#define QCOW2_MAGIC              0x514649fbu
#define QCOW2_MIN_CLUSTER_BITS   9
#define QCOW2_MAX_CLUSTER_BITS   21
#define QCOW2_V2_HEADER          72
#define QCOW2_V3_HEADER          104
#define QCOW2_MAX_L1_BYTES       (32 * MiB)
#define QCOW2_MAX_RT_BYTES       (8 * MiB)
#define QCOW2_MAX_BACKING_NAME   1023
#define QCOW2_MAX_CHAIN          16

#define QCOW2_OFLAG_COPIED       (1ull << 63)
#define QCOW2_OFLAG_COMPRESSED   (1ull << 62)
#define QCOW2_OFLAG_ZERO         1ull
#define QCOW2_OFFSET_MASK        0x00fffffffffffe00ull
#define QCOW2_L1_RESERVED        0x7f000000000001ffull
#define QCOW2_L2_RESERVED        0x3f000000000001feull

#define QCOW2_INCOMPAT_DIRTY     (1ull << 0)
#define QCOW2_INCOMPAT_CORRUPT   (1ull << 1)
#define QCOW2_COMPAT_LAZY        (1ull << 0)

#define QCOW2_EXT_END            0
#define QCOW2_EXT_BACKING_FMT    0xe2792acau
#define QCOW2_EXT_FEATURES       0x6803f857u
#define QCOW2_EXT_BITMAPS        0x23852875u
#define QCOW2_EXT_CRYPTO         0x0537be77u
#define QCOW2_EXT_DATA_FILE      0x44415441u

/* A small cache of cluster-sized tables (L2 tables, refcount blocks). */
typedef struct Qcow2Cache {
    unsigned n;
    uint64_t *off;               /* host offset, 0 when the slot is free */
    uint8_t **data;
    uint64_t *used;              /* LRU tick */
    bool *dirty;
    uint64_t tick;
} Qcow2Cache;

/* One entry of the snapshot table. */
typedef struct Qcow2Snapshot {
    uint64_t l1_offset;
    uint32_t l1_size;
    char *id, *name;
    uint32_t date_sec, date_nsec;
    uint64_t vm_clock_nsec;
    uint64_t vm_state_size;
    uint64_t disk_size;
    uint32_t extra_size;         /* as read (kept: fields Kite ignores) */
    uint8_t *extra;
} Qcow2Snapshot;

typedef struct Qcow2 {
    int fd;
    char *filename;
    bool writable;
    uint32_t version;
    uint32_t cluster_bits;
    uint64_t cluster_size;
    uint64_t size;               /* virtual disk size, bytes */
    uint32_t header_length;
    uint64_t incompat, compat, autoclear;
    uint32_t nb_snapshots;
    uint64_t snapshots_offset;
    uint64_t snapshots_size;     /* bytes of the table */
    Qcow2Snapshot *snapshots;

    uint64_t l2_entries;         /* entries per L2 table */
    uint32_t l1_size;            /* entries */
    uint64_t l1_offset;
    uint64_t *l1;
    bool l1_dirty;

    uint32_t refcount_order;
    uint64_t rb_entries;         /* refcounts per refcount block */
    uint64_t rt_offset;
    uint32_t rt_clusters;
    uint64_t *rt;                /* rt_clusters * cluster_size / 8 entries */
    bool rt_dirty;

    uint64_t backing_offset;
    uint32_t backing_len;
    char *backing_name;          /* as in the header */
    char *backing_fmt;           /* header extension, or NULL */
    BlockBackend *backing;

    Qcow2Cache l2c, rbc;
    uint64_t free_hint;          /* no free cluster below this index */
    uint64_t end_cluster;        /* no cluster in use from this index */
    uint64_t *to_free;           /* host offsets, freed after write back */
    size_t nto_free, cap_free;
    bool data_dirty;             /* guest data written since last sync */
    bool warned;                 /* a bad entry was logged */
    /* kite-img check -r: clusters it found referenced are not free */
    uint32_t *refs;
    uint64_t nrefs;
    pthread_mutex_t lock;
} Qcow2;

static inline uint64_t ld64be(const void *p)
{
    return ((uint64_t)ld32be(p) << 32) | ld32be((const uint8_t *)p + 4);
}

/* ---- qcow2.c: open, close, I/O entry points (lock taken) ---- */
bool qcow2_probe(const uint8_t *buf, size_t len);
/* depth: how deep in a backing chain (0 for the image the guest sees). */
Qcow2 *qcow2_open(int fd, const char *filename, bool writable,
                  unsigned depth, Error *err);
/* Writes back and frees; returns the write back's result. */
int qcow2_close(Qcow2 *q);
int qcow2_pread(Qcow2 *q, uint64_t off, void *buf, uint64_t len);
int qcow2_pwrite(Qcow2 *q, uint64_t off, const void *buf, uint64_t len);
int qcow2_write_zeroes(Qcow2 *q, uint64_t off, uint64_t len);
int qcow2_flush(Qcow2 *q);
int qcow2_write_header_fields(Qcow2 *q, unsigned off, const void *p,
                              unsigned len);
char *qcow2_backing_path(const char *image, const char *name);

/* ---- qcow2-cache.c ---- */
void qcow2_cache_init(Qcow2Cache *c, unsigned n);
void qcow2_cache_free(Qcow2Cache *c);
/* The table at host offset off (read unless fresh: zeroed). */
int qcow2_cache_get(Qcow2 *q, Qcow2Cache *c, uint64_t off, bool fresh,
                    uint8_t **table);
void qcow2_cache_mark_dirty(Qcow2Cache *c, const uint8_t *table);
int qcow2_cache_write_dirty(Qcow2 *q, Qcow2Cache *c);
void qcow2_cache_drop(Qcow2Cache *c, uint64_t off);

/* ---- qcow2-refcount.c ---- */
uint64_t qcow2_refcount_max(const Qcow2 *q);
int qcow2_refcount_get(Qcow2 *q, uint64_t cluster, uint64_t *rc);
int qcow2_refcount_set(Qcow2 *q, uint64_t cluster, uint64_t rc);
/* n contiguous free clusters, each given refcount 1; their host offset. */
int64_t qcow2_alloc_clusters(Qcow2 *q, uint64_t n);
/* Queues clusters to lose a reference after the next write back. */
void qcow2_free_later(Qcow2 *q, uint64_t off, uint64_t nclusters);
/* Data sync, refcounts, sync, L2 tables, sync, L1 (what is dirty). */
int qcow2_sync_metadata(Qcow2 *q);
/* The same, then the deferred frees (sync first, then their refcounts). */
int qcow2_writeback(Qcow2 *q);
uint64_t rb_get(const Qcow2 *q, const uint8_t *block, uint64_t i);
void rb_set(const Qcow2 *q, uint8_t *block, uint64_t i, uint64_t v);

/* ---- qcow2-cluster.c ---- */
typedef enum Qcow2Kind {
    QCOW2_UNALLOCATED,           /* backing file, or zeros */
    QCOW2_ZERO,
    QCOW2_NORMAL,
    QCOW2_COMPRESSED,
} Qcow2Kind;

/* The L2 entry of guest offset off (0 when no L2 table); -EIO if bad. */
int qcow2_get_entry(Qcow2 *q, uint64_t off, uint64_t *entry,
                    Qcow2Kind *kind);
int qcow2_read_cluster(Qcow2 *q, uint64_t off, uint8_t *buf, uint64_t len);
int qcow2_write_cluster(Qcow2 *q, uint64_t off, const uint8_t *buf,
                        uint64_t len);
int qcow2_zero_cluster(Qcow2 *q, uint64_t off, uint64_t len);
/* Host byte offset and length of the compressed data of an entry. */
void qcow2_compressed_range(const Qcow2 *q, uint64_t entry, uint64_t *off,
                            uint64_t *len);

/* ---- qcow2-create.c ---- */
typedef struct Qcow2CreateOptions {
    uint64_t size;
    uint32_t version;            /* 2 or 3 */
    uint32_t cluster_bits;
    const char *backing;         /* name written in the header */
    const char *backing_fmt;     /* "raw", "qcow2" or NULL */
} Qcow2CreateOptions;

int qcow2_create(const char *filename, const Qcow2CreateOptions *o,
                 Error *err);
int qcow2_resize(Qcow2 *q, uint64_t size, Error *err);

/* ---- qcow2-snapshot.c ---- */
typedef struct Qcow2SnapshotInfo {
    const char *name;
    uint32_t date_sec, date_nsec;
    uint64_t vm_clock_nsec;
    uint64_t vm_state_size;
} Qcow2SnapshotInfo;

/* Reads and checks the table named by the header (-EINVAL if bad). */
int qcow2_snapshots_load(Qcow2 *q, uint64_t fsize);
void qcow2_snapshots_free(Qcow2 *q);
/* Index of the snapshot with that id, else that name; -ENOENT. */
int qcow2_snapshot_find(Qcow2 *q, const char *name);
/* Each takes the lock; -EEXIST, -ENOENT, -EROFS, -ENOTSUP (revert to a
 * snapshot of another disk size), or an I/O error. */
int qcow2_snapshot_create(Qcow2 *q, const Qcow2SnapshotInfo *info);
int qcow2_snapshot_delete(Qcow2 *q, const char *name);
int qcow2_snapshot_revert(Qcow2 *q, const char *name);
/*
 * The VM state area: guest offsets from qcow2_vmstate_offset (the first
 * L1 entry past the disk) on, as QEMU lays it out. Written into the
 * active image before qcow2_snapshot_create (info.vm_state_size bytes),
 * which moves it into the snapshot; read back from a snapshot.
 */
uint64_t qcow2_vmstate_offset(const Qcow2 *q);
int qcow2_vmstate_write(Qcow2 *q, uint64_t pos, const void *buf,
                        uint64_t len);
int qcow2_snapshot_read_vmstate(Qcow2 *q, const char *name, uint64_t pos,
                                void *buf, uint64_t len);

/* ---- qcow2-check.c ---- */
typedef struct Qcow2CheckResult {
    uint64_t corruptions, leaks;
    uint64_t corruptions_fixed, leaks_fixed;
    uint64_t allocated, fragmented, compressed, total;
    uint64_t image_end;
} Qcow2CheckResult;

typedef enum Qcow2Repair {
    QCOW2_REPAIR_NONE,
    QCOW2_REPAIR_LEAKS,
    QCOW2_REPAIR_ALL,
} Qcow2Repair;

/* Prints each problem on out (NULL: quiet); -errno if it cannot finish. */
int qcow2_check(Qcow2 *q, Qcow2Repair repair, Qcow2CheckResult *res,
                FILE *out);

#endif
