/*
 * -netdev and -nic, as QEMU spells them:
 *
 *   -netdev user,id=ID[,net=A.B.C.D/N][,host=..][,hostfwd=..][,restrict=on]
 *   -netdev tap,id=ID,ifname=NAME[,script=no,downscript=no]
 *   -nic user|tap[,id=ID][,model=virtio-net-pci][,mac=MAC][,backend opts]
 *   -nic none
 *
 * Each argument is checked when the command line is read (the backend's
 * own parser, with no side effect) and kept in the config; the backends
 * are opened when the machine is built, before the devices, so that
 * `-device virtio-net-pci,netdev=ID` finds its backend by id. A -nic
 * backend without id= is named "nicN"; its device is added with the
 * other devices.
 */
#include "net/net.h"

#include <stdlib.h>
#include <string.h>

#include "hw/core/qdev.h"
#include "hw/pc/pc.h"

bool net_opt_next(const char **p, char **key, char **val)
{
    const char *s = *p;
    char *out, *o, *eq;

    if (!*s) {
        return false;
    }
    out = o = xmalloc(strlen(s) + 1);
    while (*s) {
        if (*s == ',' && s[1] == ',') {
            *o++ = ',';
            s += 2;
        } else if (*s == ',') {
            s++;
            break;
        } else {
            *o++ = *s++;
        }
    }
    *o = '\0';
    *p = s;
    eq = strchr(out, '=');
    *val = eq ? xstrdup(eq + 1) : NULL;
    if (eq) {
        *eq = '\0';
    }
    *key = out;
    return true;
}

/* One option argument split: the kind, id=, model=, mac= and the rest. */
typedef struct NetArg {
    char *kind, *id, *model, *mac;
    char *rest;                  /* the other "k=v" pairs, commas doubled */
} NetArg;

static void net_arg_free(NetArg *a)
{
    free(a->kind);
    free(a->id);
    free(a->model);
    free(a->mac);
    free(a->rest);
    memset(a, 0, sizeof(*a));
}

/* Appends ",k=v" to rest, doubling commas of v. */
static void net_arg_append(NetArg *a, const char *k, const char *v)
{
    size_t n = strlen(a->rest) + strlen(k) + (v ? 2 * strlen(v) : 0) + 3;
    char *r = xmalloc(n), *o;

    o = r + sprintf(r, "%s%s%s%s", a->rest, *a->rest ? "," : "", k,
                    v ? "=" : "");
    for (const char *s = v; s && *s; s++) {
        *o++ = *s;
        if (*s == ',') {
            *o++ = ',';
        }
    }
    *o = '\0';
    free(a->rest);
    a->rest = r;
}

static int net_arg_parse(const char *arg, bool nic, NetArg *a, Error *err)
{
    const char *p = arg;
    char *k, *v;
    int ret = 0;

    memset(a, 0, sizeof(*a));
    a->rest = xstrdup("");
    if (!net_opt_next(&p, &a->kind, &v) || v) {
        free(v);
        return error_setg(err, "'%s': expected a backend kind first "
                          "(user, tap)", arg);
    }
    while (ret == 0 && net_opt_next(&p, &k, &v)) {
        char **slot = !strcmp(k, "id") ? &a->id :
                      nic && !strcmp(k, "model") ? &a->model :
                      nic && !strcmp(k, "mac") ? &a->mac : NULL;
        if (slot && !v) {
            ret = error_setg(err, "%s needs a value", k);
        } else if (slot) {
            free(*slot);
            *slot = v;
            v = NULL;
        } else {
            net_arg_append(a, k, v);
        }
        free(k);
        free(v);
    }
    return ret;
}

static int net_check_kind(const NetArg *a, Error *err)
{
    if (!strcmp(a->kind, "user")) {
        return net_slirp_check(a->rest, err);
    }
    if (!strcmp(a->kind, "tap")) {
        return net_tap_check(a->rest, err);
    }
    return error_setg(err, "backend '%s' is not supported (user, tap)",
                      a->kind);
}

/* Whether id names a -netdev or a -nic backend of cfg already. */
static bool net_id_taken(const MachineConfig *cfg, const char *id)
{
    for (int i = 0; i < cfg->nnetdev_args + cfg->nnic_args; i++) {
        bool nic = i >= cfg->nnetdev_args;
        const char *arg = nic ? cfg->nic_args[i - cfg->nnetdev_args]
                              : cfg->netdev_args[i];
        NetArg a;
        Error e = { "" };
        bool same = false;

        if (net_arg_parse(arg, nic, &a, &e) == 0) {
            same = a.id && !strcmp(a.id, id);
        }
        net_arg_free(&a);
        if (same) {
            return true;
        }
    }
    return false;
}

int net_add_netdev_option(MachineConfig *cfg, const char *arg, Error *err)
{
    NetArg a;
    int ret = net_arg_parse(arg, false, &a, err);

    if (ret == 0 && (!a.id || !*a.id)) {
        ret = error_setg(err, "'%s': id=ID is required", arg);
    }
    if (ret == 0 && net_id_taken(cfg, a.id)) {
        ret = error_setg(err, "duplicate id '%s'", a.id);
    }
    if (ret == 0) {
        ret = net_check_kind(&a, err);
    }
    if (ret == 0 && cfg->nnetdev_args == PC_MAX_NETDEVS) {
        ret = error_setg(err, "at most %d network backends", PC_MAX_NETDEVS);
    }
    if (ret == 0) {
        cfg->netdev_args[cfg->nnetdev_args++] = arg;
    }
    net_arg_free(&a);
    return ret;
}

static int net_check_mac(const char *mac, Error *err);

int net_add_nic_option(MachineConfig *cfg, const char *arg, Error *err)
{
    NetArg a;
    int ret;

    if (!strcmp(arg, "none")) {
        return 0;                /* no NIC: Kite adds none by default */
    }
    ret = net_arg_parse(arg, true, &a, err);
    if (ret == 0 && a.model && strcmp(a.model, "virtio-net-pci") &&
        strcmp(a.model, "virtio")) {
        ret = error_setg(err, "model=%s is not supported (virtio-net-pci)",
                         a.model);
    }
    if (ret == 0 && a.mac) {
        ret = net_check_mac(a.mac, err);
    }
    if (ret == 0 && a.id && net_id_taken(cfg, a.id)) {
        ret = error_setg(err, "duplicate id '%s'", a.id);
    }
    if (ret == 0) {
        ret = net_check_kind(&a, err);
    }
    if (ret == 0 && cfg->nnic_args == PC_MAX_NETDEVS) {
        ret = error_setg(err, "at most %d NICs", PC_MAX_NETDEVS);
    }
    if (ret == 0) {
        cfg->nic_args[cfg->nnic_args++] = arg;
    }
    net_arg_free(&a);
    return ret;
}

/* MAC: six hex bytes separated by colons; a unicast address. */
static int net_check_mac(const char *mac, Error *err)
{
    unsigned b[6];
    char tail;

    if (sscanf(mac, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3],
               &b[4], &b[5], &tail) != 6 || strlen(mac) != 17) {
        return error_setg(err, "mac=%s: expected six hex bytes as "
                          "52:54:00:12:34:56", mac);
    }
    if (b[0] & 1) {
        return error_setg(err, "mac=%s is a multicast address", mac);
    }
    return 0;
}

static NetClient *net_open(Machine *m, const NetArg *a, const char *id,
                           Error *err)
{
    if (!strcmp(a->kind, "user")) {
        return net_slirp_new(m, id, a->rest, err);
    }
    return net_tap_new(m, id, a->rest, err);
}

/* The id of -nic number i: its id= or "nicI". */
static char *net_nic_id(const NetArg *a, int i)
{
    return a->id ? xstrdup(a->id) : xasprintf("nic%d", i);
}

static int net_open_arg(Machine *m, const char *arg, bool nic, int i,
                        Error *err)
{
    NetArg a;
    char *id = NULL;
    int ret = net_arg_parse(arg, nic, &a, err);

    if (ret == 0) {
        id = nic ? net_nic_id(&a, i) : xstrdup(a.id);
        if (!net_open(m, &a, id, err)) {
            ret = -1;
        }
    }
    if (ret < 0) {
        char msg[sizeof(err->msg)];
        snprintf(msg, sizeof(msg), "%s", err->msg);
        error_setg(err, "%s %s: %s", nic ? "-nic" : "-netdev",
                   id ? id : arg, msg);
    }
    free(id);
    net_arg_free(&a);
    return ret;
}

int net_init_backends(Machine *m, Error *err)
{
    for (int i = 0; i < m->cfg.nnetdev_args; i++) {
        if (net_open_arg(m, m->cfg.netdev_args[i], false, i, err) < 0) {
            return -1;
        }
    }
    for (int i = 0; i < m->cfg.nnic_args; i++) {
        if (net_open_arg(m, m->cfg.nic_args[i], true, i, err) < 0) {
            return -1;
        }
    }
    return 0;
}

int net_create_nics(Machine *m, Error *err)
{
    for (int i = 0; i < m->cfg.nnic_args; i++) {
        NetArg a;
        char *id, *props;
        Device *d;

        if (net_arg_parse(m->cfg.nic_args[i], true, &a, err) < 0) {
            return -1;
        }
        id = net_nic_id(&a, i);
        props = xasprintf("netdev=%s%s%s", id, a.mac ? ",mac=" : "",
                          a.mac ? a.mac : "");
        d = device_create(m, "virtio-net-pci", m->root, props, err);
        free(props);
        free(id);
        net_arg_free(&a);
        if (!d) {
            return -1;
        }
    }
    return 0;
}

void net_cleanup(Machine *m)
{
    while (m->nnetdevs) {
        net_client_free(m->netdevs[m->nnetdevs - 1]);
    }
}
