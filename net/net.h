/*
 * The network layer: a NIC (virtio-net) and a backend (user-mode
 * networking through libslirp, or a TAP interface) are two NetClients,
 * each the other's peer. A client sends an Ethernet frame with net_send();
 * the peer's receive hook takes it at once, or the frame waits in the
 * sender's queue (bounded: NET_QUEUE_MAX frames; past that it is dropped
 * and counted) until the receiver asks for it with net_flush_queue().
 * Nothing here blocks: a NIC without receive buffers leaves frames in the
 * backend's queue, a backend that cannot write drops.
 *
 * Threads: every call runs with the machine lock held, on the main loop's
 * thread (backend input: slirp's sockets, the TAP fd, slirp's timers) or
 * on a vCPU thread (the guest's transmit queue). The lock is the hand-off
 * between them; each call does bounded work (one frame, or one queue).
 *
 * Backends are made from -netdev (and -nic) when the machine is built,
 * before the devices, and found by id by the NIC that names them.
 */
#ifndef KITE_NET_H
#define KITE_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "system/util.h"

#define NET_MAX_FRAME   (65535 + 18)   /* largest frame handed around */
#define NET_QUEUE_MAX   1024           /* frames waiting for a receiver */
#define NET_MAX_CLIENTS 16

typedef struct Machine Machine;
typedef struct MachineConfig MachineConfig;
typedef struct NetClient NetClient;

typedef struct NetClientOps {
    const char *kind;            /* "user", "tap", "nic", "test" */
    /*
     * Whether a frame sent now would be taken (NULL: always). A NIC says
     * no while the guest has no receive buffers.
     */
    bool (*can_receive)(NetClient *nc);
    /*
     * Takes one frame; returns len, or 0 when it cannot now (the frame
     * stays queued at the sender). A negative value drops the frame.
     */
    long (*receive)(NetClient *nc, const uint8_t *buf, size_t len);
    void (*cleanup)(NetClient *nc);
} NetClientOps;

typedef struct NetPacket {
    struct NetPacket *next;
    size_t len;
    uint8_t data[];
} NetPacket;

struct NetClient {
    const NetClientOps *ops;
    char *id;
    Machine *m;
    NetClient *peer;
    /* frames sent by this client that its peer has not taken yet */
    NetPacket *q_head, *q_tail;
    unsigned q_len;
    uint64_t sent, dropped;
    void *opaque;                /* the owner's state */
};

/* Makes a client of the given kind; registers it in m (may be NULL). */
NetClient *net_client_new(Machine *m, const NetClientOps *ops,
                          const char *id, void *opaque);
/* Unlinks the peer, drops the queue, calls cleanup, frees. */
void net_client_free(NetClient *nc);
/* The backend registered as id in m, or NULL. */
NetClient *net_client_find(Machine *m, const char *id);
/* Joins a NIC to a backend; -1 with err set if the backend has one. */
int net_client_connect(NetClient *nic, NetClient *backend, Error *err);
/*
 * Sends one frame to nc's peer: delivered, queued or dropped (no peer,
 * the queue full, the peer refusing). Returns true if delivered or queued.
 */
bool net_send(NetClient *nc, const uint8_t *buf, size_t len);
/*
 * Delivers what nc's peer queued for nc while nc could not take it, in
 * order, until nc refuses one. Called by a NIC when it gets buffers.
 */
void net_flush_queue(NetClient *nc);

/* ---- options and machine creation (net/netdev.c) ---- */

/* -netdev ARG: checked, kept in the config. */
int net_add_netdev_option(MachineConfig *cfg, const char *arg, Error *err);
/* -nic ARG: a backend and its virtio-net-pci. */
int net_add_nic_option(MachineConfig *cfg, const char *arg, Error *err);
/* Opens every backend of the config (before the devices). */
int net_init_backends(Machine *m, Error *err);
/* Adds the NICs -nic asked for (with the devices). */
int net_create_nics(Machine *m, Error *err);
/* Frees every backend (machine destruction, after the devices). */
void net_cleanup(Machine *m);

/*
 * Backends. Each parses its own options ("key=value,...": id= and the
 * kind already taken out) and returns a client, or NULL with err set.
 */
NetClient *net_slirp_new(Machine *m, const char *id, const char *opts,
                         Error *err);
NetClient *net_tap_new(Machine *m, const char *id, const char *opts,
                       Error *err);
/* Whether opts parse for the kind (command-line checks, no side effect). */
int net_slirp_check(const char *opts, Error *err);
int net_tap_check(const char *opts, Error *err);

/* ---- checksums and segmentation (net/checksum.c) ---- */

/* The Internet checksum of buf added to sum, folded, not complemented. */
uint16_t net_checksum_add(const uint8_t *buf, size_t len, uint32_t sum);

#define NET_TSO_MAX_SEGS 1024
typedef void (*net_tso_emit)(void *opaque, const uint8_t *buf, size_t len);
/*
 * Splits a TCP/IPv4 frame into frames of at most mss payload bytes, each
 * with its headers fixed and both checksums computed, built in seg (at
 * least len bytes) and passed to emit in order. Returns the number of
 * frames, or -1 (nothing emitted) when the frame is not TCP over IPv4 or
 * would make more than NET_TSO_MAX_SEGS frames.
 */
int net_tso4_segment(const uint8_t *frame, size_t len, uint16_t mss,
                     uint8_t *seg, net_tso_emit emit, void *opaque);

/* ---- option strings (net/netdev.c) ---- */

/*
 * Walks "k=v,k=v" (",," stands for a comma in a value): returns the next
 * key and value (both freshly allocated) and advances *p; false at the
 * end. A bare word is a key with an empty value (NULL *val).
 */
bool net_opt_next(const char **p, char **key, char **val);

#endif
