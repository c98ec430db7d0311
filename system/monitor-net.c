/*
 * The human monitor's info network: every NIC with its backend (QEMU's
 * layout: the NIC, then " \ " and its peer), then the backends no NIC
 * uses, each with the frames it sent and dropped.
 */
#include "system/monitor-int.h"

#include <string.h>

#include "hw/virtio/virtio-net.h"
#include "net/net.h"

typedef struct NetWalk {
    FILE *f;
    int nics;
} NetWalk;

static void net_print_client(FILE *f, const NetClient *nc, int index)
{
    fprintf(f, "%s: index=%d,type=%s,sent=%llu,dropped=%llu\n", nc->id,
            index, nc->ops->kind, (unsigned long long)nc->sent,
            (unsigned long long)nc->dropped);
}

static void net_print_nic(Device *dev, void *opaque)
{
    NetWalk *w = opaque;
    VirtIONet *n = (VirtIONet *)dev;
    const uint8_t *a = n->mac;

    if (strcmp(dev->type->name, "virtio-net-pci")) {
        return;
    }
    if (dev->id) {
        fprintf(w->f, "%s: ", dev->id);
    } else {
        fprintf(w->f, "virtio-net-pci.%d: ", w->nics);
    }
    fprintf(w->f, "index=%d,type=nic,model=virtio-net-pci,"
            "macaddr=%02x:%02x:%02x:%02x:%02x:%02x,rx=%llu,tx=%llu\n",
            w->nics++, a[0], a[1], a[2], a[3], a[4], a[5],
            (unsigned long long)n->rx_frames,
            (unsigned long long)n->tx_frames);
    if (n->nc && n->nc->peer) {
        fprintf(w->f, " \\ ");
        net_print_client(w->f, n->nc->peer, 0);
    }
}

void hmp_info_network(Monitor *mon, FILE *f)
{
    NetWalk w = { f, 0 };
    Machine *m = mon->m;
    int alone = 0;

    device_foreach(m->root, net_print_nic, &w);
    for (int i = 0; i < m->nnetdevs; i++) {
        const NetClient *nc = m->netdevs[i];
        if (nc && !nc->peer && strcmp(nc->ops->kind, "nic")) {
            net_print_client(f, nc, alone++);
        }
    }
    if (!w.nics && !alone) {
        fprintf(f, "(no network devices)\n");
    }
}
