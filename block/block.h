/*
 * Host-side block backends: a disk image opened for a guest device, and
 * the I/O thread that runs its requests off the vCPU threads.
 *
 * An image is checked before it is used: a regular file or a block
 * device, readable (and writable unless read-only), not empty, and
 * locked with an open-file-description lock (F_OFD_SETLK) as QEMU does,
 * shared for reading and exclusive for writing, so two Kite processes
 * never write the same image and nobody writes one Kite reads. snapshot=on
 * opens the image read-only and sends writes to an unlinked temporary
 * file (copied up cluster by cluster), dropped at exit.
 *
 * Every operation takes a byte offset and length that the device already
 * checked against the size; they return 0 or -errno. flush is fdatasync
 * (counted in BlockBackend.flushes, for tests); cache=writethrough makes
 * every write a write + fdatasync; cache=none opens with O_DIRECT where
 * the file system allows it (falling back to buffered I/O otherwise), so
 * transfers use blk_buf_alloc buffers and whole 512-byte sectors.
 */
#ifndef KITE_BLOCK_H
#define KITE_BLOCK_H

#include <pthread.h>
#include <stdatomic.h>

#include "system/util.h"

typedef enum BlockCache {
    BLOCK_CACHE_WRITEBACK,
    BLOCK_CACHE_NONE,
    BLOCK_CACHE_WRITETHROUGH,
} BlockCache;

typedef enum BlockFormat {
    BLOCK_FORMAT_AUTO,           /* qcow2 if its magic is there, else raw */
    BLOCK_FORMAT_RAW,
    BLOCK_FORMAT_QCOW2,
} BlockFormat;

typedef struct BlockOptions {
    const char *file;
    BlockFormat format;
    bool readonly;
    bool any_size;               /* kite-img: no minimum size */
    bool snapshot;
    BlockCache cache;
    bool defer_lock;             /* incoming migration: blk_lock_take later */
} BlockOptions;

struct Qcow2;

typedef struct BlockBackend {
    char *filename;
    int fd;
    BlockFormat format;          /* RAW or QCOW2 once open */
    struct Qcow2 *qcow2;         /* the format's state (qcow2) */
    uint64_t size;               /* bytes the guest sees */
    bool readonly;               /* as the guest sees it */
    BlockCache cache;
    bool lock_write;             /* the lock it needs: exclusive or shared */
    bool locked;
    /* snapshot=on: writes go to overlay_fd, per 64 KiB cluster */
    int overlay_fd;
    uint8_t *overlay_map;        /* bit per cluster: in the overlay */
    pthread_mutex_t overlay_lock;
    atomic_ullong flushes, discards, zeroes;   /* for tests */
} BlockBackend;

#define BLOCK_OVERLAY_CLUSTER (64 * KiB)
#define BLOCK_BUF_ALIGN       4096

/* A buffer fit for every cache mode (O_DIRECT wants it aligned). */
void *blk_buf_alloc(uint64_t len, bool zero);

/* Opens and locks an image; NULL with err set ("kite: " added by caller). */
BlockBackend *blk_open(const BlockOptions *o, Error *err);
/* A backing file, read-only; depth counts the chain (loops end there). */
BlockBackend *blk_open_backing(const char *file, BlockFormat format,
                               unsigned depth, Error *err);
/* "raw", "qcow2"; BLOCK_FORMAT_AUTO for a name Kite does not know. */
BlockFormat blk_format_parse(const char *name);
const char *blk_format_name(BlockFormat f);
void blk_close(BlockBackend *bb);
/*
 * Whole transfers on a host file descriptor, restarted after EINTR and
 * short counts; reading past the end gives zeros. 0 or -errno. The raw
 * and qcow2 drivers do all their file I/O through it.
 */
int blk_fd_rw(int fd, uint64_t off, void *buf, uint64_t len, bool is_write);
int blk_pread(BlockBackend *bb, uint64_t off, void *buf, uint64_t len);
int blk_pwrite(BlockBackend *bb, uint64_t off, const void *buf,
               uint64_t len);
int blk_flush(BlockBackend *bb);
/*
 * Migration hands the image over between two processes as QEMU does: the
 * destination opens it without a lock (defer_lock), the source flushes
 * and releases its lock once the guest stopped for good, the destination
 * takes it before its guest starts; a source whose migration failed
 * takes it back. Take returns 0 or -1 with err set.
 */
void blk_lock_release(BlockBackend *bb);
int blk_lock_take(BlockBackend *bb, Error *err);
/* Deallocates [off, off + len); reads of it give zeros afterwards. */
int blk_discard(BlockBackend *bb, uint64_t off, uint64_t len);
int blk_write_zeroes(BlockBackend *bb, uint64_t off, uint64_t len);

/*
 * The I/O thread: runs jobs in order, each job's work without any lock
 * (host I/O), then its completion with the machine lock held (taken
 * through the lock pointer given at start, as the main loop takes it).
 */
typedef struct IOJob IOJob;
struct IOJob {
    void (*work)(IOJob *job);        /* no lock held */
    void (*complete)(IOJob *job);    /* lock held; may free the job */
    IOJob *next;
};

typedef struct IOThread {
    pthread_t thread;
    pthread_mutex_t qlock;
    pthread_cond_t qcond, idle;
    IOJob *head, *tail;
    unsigned busy;                   /* jobs queued or running */
    bool stop, started;
    void (*lock)(void *opaque);      /* takes the machine lock */
    void (*unlock)(void *opaque);
    void *lock_opaque;
} IOThread;

int iothread_start(IOThread *t, void (*lock)(void *), void (*unlock)(void *),
                   void *opaque, Error *err);
/* Queues a job (any thread, any lock). */
void iothread_submit(IOThread *t, IOJob *job);
/*
 * Waits until every queued job completed; the caller must not hold the
 * machine lock (completions need it).
 */
void iothread_drain(IOThread *t);
/* Drains, then ends the thread. */
void iothread_stop(IOThread *t);

#endif
