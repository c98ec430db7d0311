/*
 * -netdev user: user-mode networking through libslirp (the TCP/IP stack
 * QEMU uses). The guest sees a gateway at 10.0.2.2 with DHCP (addresses
 * from 10.0.2.15) and DNS at 10.0.2.3; its connections become host
 * sockets, and hostfwd= rules forward host ports to the guest.
 *
 *   net=A.B.C.D[/N]   the guest network (default 10.0.2.0/24)
 *   host=A.B.C.D      the gateway's address (default .2)
 *   dhcpstart=A.B.C.D first address DHCP hands out (default .15)
 *   dns=A.B.C.D       the DNS forwarder (default .3)
 *   restrict=on|off   isolate the guest (no connections out; hostfwd
 *                     still works)
 *   hostfwd=[tcp|udp]:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT (repeatable)
 *   tftp=DIR, bootfile=FILE, hostname=NAME, ipv6=on|off
 *
 * Slirp runs in Kite's main loop: a main-loop source adds its sockets to
 * the loop's poll() and hands back what poll() saw; its timers are Kite
 * timers on the machine's virtual clock, which is also the clock slirp
 * reads. Every slirp call runs with the machine lock held (see net.h),
 * one frame or one poll round at a time.
 */
#include "net/net.h"

#include <arpa/inet.h>
#include <poll.h>
#include <slirp/libslirp.h>
#include <stdlib.h>
#include <string.h>

#include "hw/pc/pc.h"

#define SLIRP_MAX_FWD 16

typedef struct SlirpFwd {
    bool udp;
    struct in_addr host_addr, guest_addr;
    int host_port, guest_port;
} SlirpFwd;

typedef struct SlirpOpts {
    struct in_addr net, mask, host, dhcp, dns;
    bool restricted, ipv6;
    bool host_set, dhcp_set, dns_set, guest_set[SLIRP_MAX_FWD];
    SlirpFwd fwd[SLIRP_MAX_FWD];
    int nfwd;
    char *tftp, *bootfile, *hostname;
} SlirpOpts;

typedef struct SlirpState {
    Slirp *slirp;
    NetClient *nc;
    Machine *m;
    SlirpOpts o;
    bool guest_error_logged;
    /* during one main-loop round: the entries slirp filled */
    struct pollfd *pfd;
    int npfd, max;
} SlirpState;

typedef struct SlirpTimer {
    Timer t;
    SlirpState *s;
    SlirpTimerId id;
    void *cb_opaque;
} SlirpTimer;

/* ---------------------------------------------------- options */

static void slirp_opts_free(SlirpOpts *o)
{
    free(o->tftp);
    free(o->bootfile);
    free(o->hostname);
}

static int slirp_parse_net(SlirpOpts *o, const char *v, Error *err)
{
    char buf[64];
    char *slash;
    unsigned long bits = 24;

    snprintf(buf, sizeof(buf), "%s", v);
    slash = strchr(buf, '/');
    if (slash) {
        char *end;
        *slash = '\0';
        bits = strtoul(slash + 1, &end, 10);
        if (!slash[1] || *end || bits < 1 || bits > 30) {
            return error_setg(err, "net=%s: the prefix must be /1 to /30",
                              v);
        }
    }
    if (!inet_aton(buf, &o->net)) {
        return error_setg(err, "net=%s: not an IPv4 address", v);
    }
    o->mask.s_addr = htonl(~0u << (32 - bits));
    o->net.s_addr &= o->mask.s_addr;
    return 0;
}

static int slirp_parse_addr(const char *k, const char *v,
                            struct in_addr *a, Error *err)
{
    if (!v || !inet_aton(v, a)) {
        return error_setg(err, "%s=%s: not an IPv4 address", k, v ? v : "");
    }
    return 0;
}

static int slirp_parse_port(const char *s, int *port)
{
    char *end;
    unsigned long p = strtoul(s, &end, 10);

    if (!*s || *end || p > 65535) {
        return -1;
    }
    *port = (int)p;
    return 0;
}

/* "[ADDR]:PORT" into addr (unchanged when empty) and port. */
static int slirp_parse_endpoint(char *s, struct in_addr *addr, bool *set,
                                int *port)
{
    char *colon = strrchr(s, ':');

    if (!colon) {
        return -1;
    }
    *colon = '\0';
    *set = *s != '\0';
    if (*set && !inet_aton(s, addr)) {
        return -1;
    }
    return slirp_parse_port(colon + 1, port);
}

static int slirp_parse_hostfwd(SlirpOpts *o, const char *v, Error *err)
{
    char buf[128], *p = buf, *dash;
    SlirpFwd f = { .udp = false };
    bool hset = false, gset = false;

    if (o->nfwd == SLIRP_MAX_FWD) {
        return error_setg(err, "at most %d hostfwd rules", SLIRP_MAX_FWD);
    }
    snprintf(buf, sizeof(buf), "%s", v ? v : "");
    if (!strncmp(p, "tcp:", 4) || !strncmp(p, "udp:", 4)) {
        f.udp = p[0] == 'u';
        p += 4;
    } else if (*p == ':') {
        p++;                     /* ":HOSTPORT-..." is TCP */
    }
    dash = strchr(p, '-');
    if (!dash) {
        goto bad;
    }
    *dash = '\0';
    if (slirp_parse_endpoint(p, &f.host_addr, &hset, &f.host_port) < 0 ||
        slirp_parse_endpoint(dash + 1, &f.guest_addr, &gset,
                             &f.guest_port) < 0 ||
        f.guest_port == 0) {
        goto bad;
    }
    o->guest_set[o->nfwd] = gset;
    o->fwd[o->nfwd++] = f;
    return 0;
bad:
    return error_setg(err, "hostfwd=%s: expected [tcp|udp]:[HOSTADDR]:"
                      "HOSTPORT-[GUESTADDR]:GUESTPORT", v ? v : "");
}

static int slirp_set_bool(const char *k, const char *v, bool *out,
                          Error *err)
{
    if (parse_bool(v ? v : "on", out) < 0) {
        return error_setg(err, "%s=%s: expected on or off", k, v);
    }
    return 0;
}

static int slirp_set_str(const char *k, const char *v, char **out,
                         Error *err)
{
    if (!v || !*v) {
        return error_setg(err, "%s needs a value", k);
    }
    free(*out);
    *out = xstrdup(v);
    return 0;
}

static int slirp_opt(SlirpOpts *o, const char *k, const char *v, Error *err)
{
    if (!strcmp(k, "net")) {
        return slirp_parse_net(o, v ? v : "", err);
    } else if (!strcmp(k, "host")) {
        o->host_set = true;
        return slirp_parse_addr(k, v, &o->host, err);
    } else if (!strcmp(k, "dhcpstart")) {
        o->dhcp_set = true;
        return slirp_parse_addr(k, v, &o->dhcp, err);
    } else if (!strcmp(k, "dns")) {
        o->dns_set = true;
        return slirp_parse_addr(k, v, &o->dns, err);
    } else if (!strcmp(k, "restrict")) {
        return slirp_set_bool(k, v, &o->restricted, err);
    } else if (!strcmp(k, "ipv6")) {
        return slirp_set_bool(k, v, &o->ipv6, err);
    } else if (!strcmp(k, "ipv4")) {
        bool on;
        return slirp_set_bool(k, v, &on, err) < 0 ? -1 : on ? 0 :
               error_setg(err, "ipv4=off is not supported");
    } else if (!strcmp(k, "hostfwd")) {
        return slirp_parse_hostfwd(o, v, err);
    } else if (!strcmp(k, "tftp")) {
        return slirp_set_str(k, v, &o->tftp, err);
    } else if (!strcmp(k, "bootfile")) {
        return slirp_set_str(k, v, &o->bootfile, err);
    } else if (!strcmp(k, "hostname")) {
        return slirp_set_str(k, v, &o->hostname, err);
    }
    return error_setg(err, "unknown option '%s' for -netdev user", k);
}

/* Host part n of the network, e.g. .2 */
static struct in_addr slirp_host_n(const SlirpOpts *o, uint32_t n)
{
    struct in_addr a = { htonl(ntohl(o->net.s_addr) | n) };
    return a;
}

static bool slirp_in_net(const SlirpOpts *o, struct in_addr a)
{
    return (a.s_addr & o->mask.s_addr) == o->net.s_addr;
}

/* The defaults, then checks that the addresses lie in the network. */
static int slirp_opts_finish(SlirpOpts *o, Error *err)
{
    o->host = o->host_set ? o->host : slirp_host_n(o, 2);
    o->dhcp = o->dhcp_set ? o->dhcp : slirp_host_n(o, 15);
    o->dns = o->dns_set ? o->dns : slirp_host_n(o, 3);
    if (!slirp_in_net(o, o->host) || !slirp_in_net(o, o->dhcp) ||
        !slirp_in_net(o, o->dns)) {
        return error_setg(err, "host, dhcpstart and dns must lie in net=");
    }
    for (int i = 0; i < o->nfwd; i++) {
        if (!o->guest_set[i]) {
            o->fwd[i].guest_addr = o->dhcp;
        }
    }
    if (o->bootfile && !o->tftp) {
        return error_setg(err, "bootfile= needs tftp=DIR");
    }
    return 0;
}

static int slirp_opts_parse(SlirpOpts *o, const char *opts, Error *err)
{
    const char *p = opts;
    char *k, *v;
    int ret = 0;

    memset(o, 0, sizeof(*o));
    inet_aton("10.0.2.0", &o->net);
    inet_aton("255.255.255.0", &o->mask);
    o->ipv6 = true;
    while (ret == 0 && net_opt_next(&p, &k, &v)) {
        ret = slirp_opt(o, k, v, err);
        free(k);
        free(v);
    }
    ret = ret ? ret : slirp_opts_finish(o, err);
    if (ret < 0) {
        slirp_opts_free(o);
    }
    return ret;
}

int net_slirp_check(const char *opts, Error *err)
{
    SlirpOpts o;

    if (slirp_opts_parse(&o, opts, err) < 0) {
        return -1;
    }
    slirp_opts_free(&o);
    return 0;
}

/* ---------------------------------------------------- slirp callbacks */

static ssize_t slirp_cb_send(const void *buf, size_t len, void *opaque)
{
    SlirpState *s = opaque;

    net_send(s->nc, buf, len);
    return (ssize_t)len;
}

static void slirp_cb_guest_error(const char *msg, void *opaque)
{
    SlirpState *s = opaque;

    if (!s->guest_error_logged) {
        s->guest_error_logged = true;
        log_mask(&s->m->log, LOG_GUEST_ERROR, "netdev %s: %s\n", s->nc->id,
                 msg);
    }
}

static int64_t slirp_cb_clock(void *opaque)
{
    return clock_ns(&((SlirpState *)opaque)->m->timers);
}

static void slirp_timer_fire(void *opaque)
{
    SlirpTimer *t = opaque;

    slirp_handle_timer(t->s->slirp, t->id, t->cb_opaque);
}

static void *slirp_cb_timer_new(SlirpTimerId id, void *cb_opaque,
                                void *opaque)
{
    SlirpTimer *t = xzalloc(sizeof(*t));

    t->s = opaque;
    t->id = id;
    t->cb_opaque = cb_opaque;
    timer_init(&t->t, &t->s->m->timers, slirp_timer_fire, t);
    return t;
}

static void slirp_cb_timer_free(void *timer, void *opaque)
{
    SlirpTimer *t = timer;

    timer_del(&t->t);
    free(t);
}

static void slirp_cb_timer_mod(void *timer, int64_t expire_ms, void *opaque)
{
    SlirpTimer *t = timer;

    timer_mod(&t->t, expire_ms * 1000000);
}

static void slirp_cb_fd(int fd, void *opaque)
{
    /* the sockets are polled through the main-loop source */
}

static void slirp_cb_notify(void *opaque)
{
    main_loop_wake(&((SlirpState *)opaque)->m->loop);
}

static const SlirpCb slirp_callbacks = {
    .send_packet = slirp_cb_send,
    .guest_error = slirp_cb_guest_error,
    .clock_get_ns = slirp_cb_clock,
    .timer_free = slirp_cb_timer_free,
    .timer_mod = slirp_cb_timer_mod,
    .register_poll_fd = slirp_cb_fd,
    .unregister_poll_fd = slirp_cb_fd,
    .notify = slirp_cb_notify,
    .timer_new_opaque = slirp_cb_timer_new,
};

/* ---------------------------------------------------- the main loop */

static int slirp_add_poll(int fd, int events, void *opaque)
{
    SlirpState *s = opaque;
    short ev = 0;

    if (s->npfd == s->max) {
        return -1;               /* polled next round */
    }
    ev |= events & SLIRP_POLL_IN ? POLLIN : 0;
    ev |= events & SLIRP_POLL_OUT ? POLLOUT : 0;
    ev |= events & SLIRP_POLL_PRI ? POLLPRI : 0;
    s->pfd[s->npfd] = (struct pollfd){ .fd = fd, .events = ev };
    return s->npfd++;
}

static int slirp_get_revents(int idx, void *opaque)
{
    SlirpState *s = opaque;
    short r;
    int ev = 0;

    if (idx < 0 || idx >= s->npfd) {
        return 0;
    }
    r = s->pfd[idx].revents;
    ev |= r & POLLIN ? SLIRP_POLL_IN : 0;
    ev |= r & POLLOUT ? SLIRP_POLL_OUT : 0;
    ev |= r & POLLPRI ? SLIRP_POLL_PRI : 0;
    ev |= r & (POLLERR | POLLNVAL) ? SLIRP_POLL_ERR : 0;
    ev |= r & POLLHUP ? SLIRP_POLL_HUP : 0;
    return ev;
}

static int slirp_source_fill(void *opaque, struct pollfd *pfd, int max,
                             int *timeout_ms)
{
    SlirpState *s = opaque;
    uint32_t t = *timeout_ms < 0 ? UINT32_MAX : (uint32_t)*timeout_ms;

    s->pfd = pfd;
    s->npfd = 0;
    s->max = MIN(max, MAIN_LOOP_SOURCE_FDS);
    slirp_pollfds_fill(s->slirp, &t, slirp_add_poll, s);
    *timeout_ms = t == UINT32_MAX ? -1 : (int)MIN(t, (uint32_t)INT32_MAX);
    return s->npfd;
}

static void slirp_source_dispatch(void *opaque, struct pollfd *pfd, int n)
{
    SlirpState *s = opaque;

    s->pfd = pfd;
    s->npfd = n;
    slirp_pollfds_poll(s->slirp, 0, slirp_get_revents, s);
    s->npfd = 0;
}

/* ---------------------------------------------------- the client */

static long slirp_receive(NetClient *nc, const uint8_t *buf, size_t len)
{
    SlirpState *s = nc->opaque;

    slirp_input(s->slirp, buf, (int)len);
    return (long)len;
}

static void slirp_client_cleanup(NetClient *nc)
{
    SlirpState *s = nc->opaque;

    main_loop_remove_source(&s->m->loop, s);
    if (s->slirp) {
        slirp_cleanup(s->slirp);
    }
    slirp_opts_free(&s->o);
    free(s);
}

static const NetClientOps slirp_ops = {
    .kind = "user",
    .receive = slirp_receive,
    .cleanup = slirp_client_cleanup,
};

static void slirp_config(const SlirpOpts *o, SlirpConfig *c)
{
    memset(c, 0, sizeof(*c));
    c->version = 4;
    c->restricted = o->restricted;
    c->in_enabled = true;
    c->vnetwork = o->net;
    c->vnetmask = o->mask;
    c->vhost = o->host;
    c->in6_enabled = o->ipv6;
    inet_pton(AF_INET6, "fec0::", &c->vprefix_addr6);
    c->vprefix_len = 64;
    inet_pton(AF_INET6, "fec0::2", &c->vhost6);
    inet_pton(AF_INET6, "fec0::3", &c->vnameserver6);
    c->vhostname = o->hostname;
    c->tftp_path = o->tftp;
    c->bootfile = o->bootfile;
    c->vdhcp_start = o->dhcp;
    c->vnameserver = o->dns;
}

static int slirp_add_forwards(SlirpState *s, Error *err)
{
    for (int i = 0; i < s->o.nfwd; i++) {
        const SlirpFwd *f = &s->o.fwd[i];
        if (slirp_add_hostfwd(s->slirp, f->udp, f->host_addr, f->host_port,
                              f->guest_addr, f->guest_port) < 0) {
            return error_setg(err, "hostfwd: cannot forward host %s port "
                              "%d (in use?)", f->udp ? "UDP" : "TCP",
                              f->host_port);
        }
    }
    return 0;
}

NetClient *net_slirp_new(Machine *m, const char *id, const char *opts,
                         Error *err)
{
    SlirpState *s = xzalloc(sizeof(*s));
    SlirpConfig cfg;

    if (slirp_opts_parse(&s->o, opts, err) < 0) {
        free(s);
        return NULL;
    }
    s->m = m;
    slirp_config(&s->o, &cfg);
    s->slirp = slirp_new(&cfg, &slirp_callbacks, s);
    s->nc = net_client_new(m, &slirp_ops, id, s);
    if (!s->slirp) {
        error_setg(err, "cannot start user-mode networking");
        net_client_free(s->nc);
        return NULL;
    }
    if (slirp_add_forwards(s, err) < 0 ||
        main_loop_add_source(&m->loop, (MainLoopSource){
            slirp_source_fill, slirp_source_dispatch, s }) < 0) {
        if (!err->msg[0]) {
            error_setg(err, "too many user-mode networks");
        }
        net_client_free(s->nc);
        return NULL;
    }
    return s->nc;
}
