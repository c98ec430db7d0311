/*
 * Migration channels: where a machine state stream goes to or comes from.
 *
 *   exec:CMD        a shell command; its stdin (outgoing) or stdout
 *                   (incoming) is the stream ("exec:cat > FILE")
 *   file:PATH       a file, created (or truncated) or read
 *   tcp:HOST:PORT   outgoing: connect; incoming: listen, accept one client
 *
 * A channel is buffered in both directions, counts its bytes, keeps a
 * running CRC-32C of every byte of the stream (the end marker carries it),
 * and can limit its outgoing rate. The first error sticks: later calls do
 * nothing and the message says what went wrong. mig_channel_abort(),
 * callable from any thread, makes a blocked read or write fail at once.
 */
#ifndef KITE_MIGRATION_CHANNEL_H
#define KITE_MIGRATION_CHANNEL_H

#include <stdatomic.h>
#include <sys/types.h>

#include "system/util.h"

typedef struct MigChannel {
    int fd;
    int listen_fd;               /* incoming tcp: until a client came */
    pid_t child;                 /* exec: the command, or 0 */
    bool is_socket;
    uint8_t *buf;
    size_t len, pos;             /* write: len bytes queued; read: [pos, len) */
    uint32_t crc;                /* of every byte put or got */
    uint64_t bytes;              /* put or got */
    uint64_t max_bps;            /* 0: no limit */
    int64_t rate_start_ns;
    uint64_t rate_bytes;
    atomic_bool aborted;
    bool error;
    char msg[256];
} MigChannel;

/* Opens an outgoing channel; -1 with err set (connect, fork, open). */
int mig_channel_open_out(MigChannel *c, const char *uri, Error *err);
/*
 * Opens an incoming channel. For tcp: only binds and listens (so the
 * port is ready once this returns); mig_channel_accept waits for the
 * client.
 */
int mig_channel_open_in(MigChannel *c, const char *uri, Error *err);
int mig_channel_accept(MigChannel *c);
/* Flushes (outgoing), closes, reaps the exec command: -1 if it failed. */
int mig_channel_close(MigChannel *c);
void mig_channel_abort(MigChannel *c);

void mig_put_bytes(MigChannel *c, const void *p, size_t n);
void mig_put_u8(MigChannel *c, uint8_t v);
void mig_put_u32(MigChannel *c, uint32_t v);
void mig_put_u64(MigChannel *c, uint64_t v);
/* Writes the buffer out (also honours the rate limit). */
void mig_flush(MigChannel *c);

/* Reads exactly n bytes; on end of stream sets the error "truncated". */
void mig_get_bytes(MigChannel *c, void *p, size_t n);
uint8_t mig_get_u8(MigChannel *c);
uint32_t mig_get_u32(MigChannel *c);
uint64_t mig_get_u64(MigChannel *c);

/* Sets the sticky error (first one wins). */
void mig_channel_fail(MigChannel *c, const char *fmt, ...) PRINTF_FMT(2, 3);

/* CRC-32C (Castagnoli, as iSCSI and ext4) of n bytes continued from crc. */
uint32_t mig_crc32(uint32_t crc, const void *p, size_t n);
/* The same without the host's CRC instruction (tests compare the two). */
uint32_t mig_crc32_soft(uint32_t crc, const void *p, size_t n);

#endif
