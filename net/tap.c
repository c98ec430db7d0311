/*
 * -netdev tap,id=ID,ifname=NAME[,script=no][,downscript=no]: frames go to
 * and come from a host TAP interface (/dev/net/tun, IFF_TAP | IFF_NO_PI).
 * Kite runs no scripts: script= and downscript= are accepted only as
 * "no" (or empty), and the interface is configured by whoever made it
 * (ip tuntap add ... / ip link set ... up). Opening it needs the rights
 * to (CAP_NET_ADMIN, or an interface made for the user running Kite).
 *
 * The fd is non-blocking: input is read in the main loop, at most
 * TAP_READ_BURST frames per round; a frame the host cannot take at once
 * is dropped (TCP sends it again), so a vCPU never waits for the host.
 */
#include "net/net.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "hw/pc/pc.h"

#define TAP_READ_BURST 64

typedef struct TapState {
    NetClient *nc;
    Machine *m;
    int fd;
    char ifname[IFNAMSIZ];
    uint8_t buf[NET_MAX_FRAME];
} TapState;

typedef struct TapOpts {
    char ifname[IFNAMSIZ];
} TapOpts;

static int tap_no_script(const char *k, const char *v, Error *err)
{
    if (v && *v && strcmp(v, "no")) {
        return error_setg(err, "%s=%s: Kite runs no scripts (use %s=no and "
                          "set the interface up beforehand)", k, v, k);
    }
    return 0;
}

static int tap_opt(TapOpts *o, const char *k, const char *v, Error *err)
{
    if (!strcmp(k, "ifname")) {
        if (!v || !*v || strlen(v) >= IFNAMSIZ) {
            return error_setg(err, "ifname=%s: expected a name of 1-%d "
                              "characters", v ? v : "", IFNAMSIZ - 1);
        }
        snprintf(o->ifname, sizeof(o->ifname), "%s", v);
        return 0;
    }
    if (!strcmp(k, "script") || !strcmp(k, "downscript")) {
        return tap_no_script(k, v, err);
    }
    return error_setg(err, "unknown option '%s' for -netdev tap", k);
}

static int tap_opts_parse(TapOpts *o, const char *opts, Error *err)
{
    const char *p = opts;
    char *k, *v;
    int ret = 0;

    memset(o, 0, sizeof(*o));
    while (ret == 0 && net_opt_next(&p, &k, &v)) {
        ret = tap_opt(o, k, v, err);
        free(k);
        free(v);
    }
    if (ret == 0 && !o->ifname[0]) {
        ret = error_setg(err, "-netdev tap needs ifname=NAME");
    }
    return ret;
}

int net_tap_check(const char *opts, Error *err)
{
    TapOpts o;
    return tap_opts_parse(&o, opts, err);
}

/* Opens the TAP interface name; the fd or -1 with err set. */
static int tap_open(const char *name, Error *err)
{
    struct ifreq ifr;
    int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);

    if (fd < 0) {
        error_setg(err, "tap: cannot open /dev/net/tun: %s", strerror(errno));
        return -1;
    }
    memset(&ifr, 0, sizeof(ifr));
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        error_setg(err, "tap: cannot attach to interface '%s': %s%s", name,
                   strerror(errno), errno == EPERM ?
                   " (needs CAP_NET_ADMIN or an interface owned by this "
                   "user)" : "");
        close(fd);
        return -1;
    }
    return fd;
}

static void tap_readable(void *opaque)
{
    TapState *s = opaque;

    for (int i = 0; i < TAP_READ_BURST; i++) {
        ssize_t n = read(s->fd, s->buf, sizeof(s->buf));
        if (n <= 0) {
            break;               /* EAGAIN, or the interface went away */
        }
        net_send(s->nc, s->buf, (size_t)n);
    }
}

static long tap_receive(NetClient *nc, const uint8_t *buf, size_t len)
{
    TapState *s = nc->opaque;
    ssize_t n;

    do {
        n = write(s->fd, buf, len);
    } while (n < 0 && errno == EINTR);
    return n == (ssize_t)len ? (long)len : -1;
}

static void tap_cleanup(NetClient *nc)
{
    TapState *s = nc->opaque;

    main_loop_remove_fd(&s->m->loop, s->fd);
    close(s->fd);
    free(s);
}

static const NetClientOps tap_ops = {
    .kind = "tap",
    .receive = tap_receive,
    .cleanup = tap_cleanup,
};

NetClient *net_tap_new(Machine *m, const char *id, const char *opts,
                       Error *err)
{
    TapOpts o;
    TapState *s;
    int fd;

    if (tap_opts_parse(&o, opts, err) < 0 ||
        (fd = tap_open(o.ifname, err)) < 0) {
        return NULL;
    }
    s = xzalloc(sizeof(*s));
    s->m = m;
    s->fd = fd;
    snprintf(s->ifname, sizeof(s->ifname), "%s", o.ifname);
    s->nc = net_client_new(m, &tap_ops, id, s);
    if (main_loop_add_fd(&m->loop, fd, tap_readable, s) < 0) {
        error_setg(err, "tap: too many descriptors in the main loop");
        net_client_free(s->nc);
        return NULL;
    }
    return s->nc;
}
