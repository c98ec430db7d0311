/*
 * NetClients, peers and the queue of frames a receiver could not take
 * yet (see net.h). Every function runs with the machine lock held.
 */
#include "net/net.h"

#include <stdlib.h>
#include <string.h>

#include "hw/pc/pc.h"

NetClient *net_client_new(Machine *m, const NetClientOps *ops,
                          const char *id, void *opaque)
{
    NetClient *nc = xzalloc(sizeof(*nc));

    nc->ops = ops;
    nc->id = xstrdup(id ? id : "");
    nc->m = m;
    nc->opaque = opaque;
    if (m && m->nnetdevs < (int)ARRAY_SIZE(m->netdevs) &&
        strcmp(ops->kind, "nic")) {
        m->netdevs[m->nnetdevs++] = nc;
    }
    return nc;
}

static void net_queue_purge(NetClient *nc)
{
    while (nc->q_head) {
        NetPacket *p = nc->q_head;
        nc->q_head = p->next;
        free(p);
    }
    nc->q_tail = NULL;
    nc->q_len = 0;
}

static void net_client_unregister(NetClient *nc)
{
    Machine *m = nc->m;

    for (int i = 0; m && i < m->nnetdevs; i++) {
        if (m->netdevs[i] == nc) {
            m->netdevs[i] = m->netdevs[--m->nnetdevs];
            return;
        }
    }
}

void net_client_free(NetClient *nc)
{
    if (!nc) {
        return;
    }
    if (nc->peer) {
        net_queue_purge(nc->peer);    /* frames for nc */
        nc->peer->peer = NULL;
    }
    net_queue_purge(nc);
    net_client_unregister(nc);
    if (nc->ops->cleanup) {
        nc->ops->cleanup(nc);
    }
    free(nc->id);
    free(nc);
}

NetClient *net_client_find(Machine *m, const char *id)
{
    for (int i = 0; m && id && i < m->nnetdevs; i++) {
        if (!strcmp(m->netdevs[i]->id, id)) {
            return m->netdevs[i];
        }
    }
    return NULL;
}

int net_client_connect(NetClient *nic, NetClient *backend, Error *err)
{
    if (backend->peer) {
        return error_setg(err, "netdev '%s' is already in use by another "
                          "NIC", backend->id);
    }
    nic->peer = backend;
    backend->peer = nic;
    return 0;
}

static bool net_peer_ready(NetClient *peer)
{
    return !peer->ops->can_receive || peer->ops->can_receive(peer);
}

static bool net_enqueue(NetClient *nc, const uint8_t *buf, size_t len)
{
    NetPacket *p;

    if (nc->q_len >= NET_QUEUE_MAX) {
        nc->dropped++;
        return false;
    }
    p = xmalloc(sizeof(*p) + len);
    p->next = NULL;
    p->len = len;
    memcpy(p->data, buf, len);
    if (nc->q_tail) {
        nc->q_tail->next = p;
    } else {
        nc->q_head = p;
    }
    nc->q_tail = p;
    nc->q_len++;
    return true;
}

bool net_send(NetClient *nc, const uint8_t *buf, size_t len)
{
    NetClient *peer = nc->peer;
    long r;

    if (!peer || len == 0 || len > NET_MAX_FRAME) {
        nc->dropped++;
        return false;
    }
    if (nc->q_head || !net_peer_ready(peer)) {
        return net_enqueue(nc, buf, len);   /* keep the order */
    }
    r = peer->ops->receive(peer, buf, len);
    if (r == 0) {
        return net_enqueue(nc, buf, len);
    }
    if (r < 0) {
        nc->dropped++;
        return false;
    }
    nc->sent++;
    return true;
}

void net_flush_queue(NetClient *nc)
{
    NetClient *from = nc->peer;

    while (from && from->q_head && net_peer_ready(nc)) {
        NetPacket *p = from->q_head;
        long r = nc->ops->receive(nc, p->data, p->len);

        if (r == 0) {
            break;
        }
        from->q_head = p->next;
        if (!from->q_head) {
            from->q_tail = NULL;
        }
        from->q_len--;
        if (r < 0) {
            from->dropped++;
        } else {
            from->sent++;
        }
        free(p);
    }
}
