/*
 * Opening and closing character backends (see chardev.h): stdio, file,
 * pty, tcp and unix sockets (client, or server with optional wait), null.
 *
 * Every fd is non-blocking once open (stdout's previous flags are put
 * back on close). A socket server accepts one client at a time from the
 * main loop; when the client goes, output is dropped until the next one
 * connects. A client socket that loses its peer stays quiet.
 * Only the open itself may wait: a server without "nowait" waits for its
 * first client before the guest starts, checking every 100 ms whether a
 * stop signal (SIGINT, SIGTERM, SIGHUP) is pending.
 */
#include "system/chardev.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "system/main-loop.h"
#include "system/term.h"

static void chardev_reset_fields(Chardev *c)
{
    memset(c, 0, sizeof(*c));
    c->kind = CHARDEV_NULL;
    c->in_fd = -1;
    c->out_fd = -1;
    c->listen_fd = -1;
    c->pty_slave_fd = -1;
}

static int set_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/*
 * Raw input (no echo, no line editing, no CR/LF mapping), output
 * post-processing kept. With signals off (-nographic, mon:stdio) ISIG is
 * cleared too, so Ctrl-C, Ctrl-\ and Ctrl-Z reach the guest as bytes.
 */
static void chardev_set_raw(Chardev *c, bool signals)
{
    struct termios tio;

    if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &c->saved_tio) < 0) {
        return;
    }
    tio = c->saved_tio;
    tio.c_iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR |
                     ICRNL | IXON);
    tio.c_oflag |= OPOST;
    tio.c_lflag &= ~(ECHO | ECHONL | ICANON | IEXTEN);
    if (!signals) {
        tio.c_lflag &= ~ISIG;
    }
    tio.c_cflag &= ~(CSIZE | PARENB);
    tio.c_cflag |= CS8;
    tio.c_cc[VMIN] = 1;
    tio.c_cc[VTIME] = 0;
    /* recorded first, so a signal between the two calls still restores */
    term_remember_tty(STDIN_FILENO, &c->saved_tio, &tio);
    if (tcsetattr(STDIN_FILENO, TCSANOW, &tio) == 0) {
        c->tty_saved = true;
    } else {
        term_forget_tty();
    }
}

static void chardev_open_stdio(Chardev *c, bool signals)
{
    int fl = fcntl(STDOUT_FILENO, F_GETFL);

    c->kind = CHARDEV_STDIO;
    c->in_fd = STDIN_FILENO;
    c->out_fd = STDOUT_FILENO;
    c->mux = true;
    chardev_set_raw(c, signals);
    if (fl >= 0 && !(fl & O_NONBLOCK)) {
        c->saved_out_flags = fl;
        c->out_flags_saved = true;
        term_remember_fd_flags(STDOUT_FILENO, fl);
        fcntl(STDOUT_FILENO, F_SETFL, fl | O_NONBLOCK);
    }
}

static int chardev_open_file(Chardev *c, const char *path, Error *err)
{
    int fd;

    if (!*path) {
        return error_setg(err, "serial: 'file:' needs a path");
    }
    /* O_NONBLOCK: a FIFO without a reader fails instead of blocking */
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NONBLOCK,
              0666);
    if (fd < 0) {
        return error_setg(err, "serial: cannot open '%s': %s", path,
                          strerror(errno));
    }
    c->kind = CHARDEV_FILE;
    c->out_fd = fd;
    return 0;
}

static int chardev_open_pty(Chardev *c, Error *err)
{
    int fd = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
    struct termios tio;
    const char *name;

    if (fd < 0 || grantpt(fd) < 0 || unlockpt(fd) < 0 ||
        !(name = ptsname(fd))) {
        if (fd >= 0) {
            close(fd);
        }
        return error_setg(err, "serial: cannot create a pty: %s",
                          strerror(errno));
    }
    c->kind = CHARDEV_PTY;
    c->in_fd = c->out_fd = fd;
    c->path = xstrdup(name);
    c->pty_slave_fd = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (tcgetattr(fd, &tio) == 0) {
        cfmakeraw(&tio);
        tcsetattr(fd, TCSANOW, &tio);
    }
    fprintf(stderr, "char device redirected to %s (label %s)\n", c->path,
            c->label);
    return 0;
}

/* ---- sockets ---- */

typedef struct SocketSpec {
    bool is_unix, server, wait;
    const char *host;            /* in the spec copy, or a literal */
    char *port, *path;
} SocketSpec;

static int socket_parse_opts(SocketSpec *s, char *opts, Error *err)
{
    char *save = NULL;

    s->wait = true;
    if (!opts) {
        return 0;
    }
    for (char *o = strtok_r(opts, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
        bool on = true;
        char *eq = strchr(o, '=');

        if (eq) {
            *eq = '\0';
            if (parse_bool(eq + 1, &on) < 0) {
                return error_setg(err, "serial: '%s' takes on or off, not '%s'",
                                  o, eq + 1);
            }
        }
        if (!strcmp(o, "server")) {
            s->server = on;
        } else if (!strcmp(o, "nowait")) {
            s->wait = false;
        } else if (!strcmp(o, "wait")) {
            s->wait = on;
        } else if (strcmp(o, "nodelay")) {
            return error_setg(err, "serial: unsupported socket option '%s' "
                              "(server, nowait, wait=on|off, nodelay)", o);
        }
    }
    return 0;
}

/* "HOST:PORT,opts" or "PATH,opts" in copy (modified in place). */
static int socket_parse(SocketSpec *s, char *copy, bool is_unix, Error *err)
{
    char *comma = strchr(copy, ',');

    memset(s, 0, sizeof(*s));
    s->is_unix = is_unix;
    if (comma) {
        *comma++ = '\0';
    }
    if (socket_parse_opts(s, comma, err) < 0) {
        return -1;
    }
    if (is_unix) {
        s->path = copy;
        if (!*copy || strlen(copy) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
            return error_setg(err, "serial: bad unix socket path '%s'", copy);
        }
        return 0;
    }
    char *colon = strrchr(copy, ':');
    if (!colon || !colon[1]) {
        return error_setg(err, "serial: 'tcp:%s' needs HOST:PORT", copy);
    }
    *colon = '\0';
    s->host = *copy ? copy : (s->server ? "0.0.0.0" : "127.0.0.1");
    s->port = colon + 1;
    return 0;
}

static int socket_open_unix(const SocketSpec *s, Error *err)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", s->path);
    if (fd < 0) {
        return error_setg(err, "serial: socket: %s", strerror(errno));
    }
    if (s->server) {
        unlink(s->path);
    }
    if (s->server ? bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
                    listen(fd, 1) < 0
                  : connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        int e = errno;
        close(fd);
        return error_setg(err, "serial: unix:%s: %s", s->path, strerror(e));
    }
    return fd;
}

static int socket_open_tcp(const SocketSpec *s, Error *err)
{
    struct addrinfo hints = { .ai_family = AF_UNSPEC,
                              .ai_socktype = SOCK_STREAM,
                              .ai_flags = s->server ? AI_PASSIVE : 0 };
    struct addrinfo *res, *ai;
    int fd = -1, e = 0, r = getaddrinfo(s->host, s->port, &hints, &res);

    if (r) {
        return error_setg(err, "serial: tcp:%s:%s: %s", s->host, s->port,
                          gai_strerror(r));
    }
    for (ai = res; ai && fd < 0; ai = ai->ai_next) {
        int one = 1;
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            e = errno;
            continue;
        }
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (s->server ? bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 ||
                        listen(fd, 1) < 0
                      : connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
            e = errno;
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    if (fd < 0) {
        return error_setg(err, "serial: tcp:%s:%s: %s", s->host, s->port,
                          strerror(e));
    }
    return fd;
}

static void chardev_set_conn(Chardev *c, int fd)
{
    set_nonblock(fd);
    c->in_fd = c->out_fd = fd;
    c->input_ended = false;
    chardev_update_input_watch(c);
    if (c->connected) {
        c->connected(c->opaque);
    }
}

static void chardev_watch_listen(Chardev *c, bool on);

static void chardev_accept(void *opaque)
{
    Chardev *c = opaque;
    int fd;

    if (c->in_fd >= 0) {
        return;                  /* one client at a time */
    }
    fd = accept4(c->listen_fd, NULL, NULL, SOCK_CLOEXEC);
    if (fd >= 0) {
        chardev_watch_listen(c, false);
        chardev_set_conn(c, fd);
    }
}

static void chardev_watch_listen(Chardev *c, bool on)
{
    if (!c->loop || !c->server || on == c->listen_watched) {
        return;
    }
    if (on) {
        main_loop_add_fd(c->loop, c->listen_fd, chardev_accept, c);
    } else {
        main_loop_remove_fd(c->loop, c->listen_fd);
    }
    c->listen_watched = on;
}

void chardev_disconnect(Chardev *c)
{
    int fd = c->in_fd;

    if (c->kind != CHARDEV_SOCKET || fd < 0) {
        return;
    }
    if (c->out_watched && c->loop) {
        main_loop_unwatch_out(c->loop, fd);
        c->out_watched = false;
    }
    c->in_fd = c->out_fd = -1;
    c->out_len = 0;
    chardev_update_input_watch(c);
    close(fd);
    chardev_watch_listen(c, true);
}

static bool chardev_stop_pending(void)
{
    sigset_t set;

    return sigpending(&set) == 0 && (sigismember(&set, SIGINT) == 1 ||
                                     sigismember(&set, SIGTERM) == 1 ||
                                     sigismember(&set, SIGHUP) == 1);
}

/* A server without nowait: the first client, before the guest starts. */
static int chardev_wait_client(Chardev *c, const char *spec, Error *err)
{
    fprintf(stderr, "kite: waiting for connection on %s\n", spec);
    for (;;) {
        struct pollfd p = { .fd = c->listen_fd, .events = POLLIN };
        if (poll(&p, 1, 100) > 0) {
            chardev_accept(c);
            if (c->in_fd >= 0) {
                return 0;
            }
        }
        if (chardev_stop_pending()) {
            return error_setg(err, "serial: stopped while waiting for a "
                              "connection on %s", spec);
        }
    }
}

static int chardev_open_socket(Chardev *c, const char *spec, bool is_unix,
                               Error *err)
{
    char *copy = xstrdup(spec + (is_unix ? 5 : 4));
    SocketSpec s;
    int fd, ret = -1;

    if (socket_parse(&s, copy, is_unix, err) < 0) {
        goto out;
    }
    fd = is_unix ? socket_open_unix(&s, err) : socket_open_tcp(&s, err);
    if (fd < 0) {
        goto out;
    }
    c->kind = CHARDEV_SOCKET;
    if (!s.server) {
        chardev_set_conn(c, fd);
        ret = 0;
        goto out;
    }
    c->server = true;
    c->listen_fd = fd;
    set_nonblock(fd);
    if (is_unix) {
        c->path = xstrdup(s.path);
        c->unlink_path = true;
    }
    ret = s.wait ? chardev_wait_client(c, spec, err) : 0;
out:
    free(copy);
    return ret;
}

int chardev_open_named(Chardev *c, const char *spec, const char *label,
                       Error *err)
{
    int ret = 0;

    chardev_reset_fields(c);
    snprintf(c->label, sizeof(c->label), "%s", label ? label : "serial0");
    if (!spec) {
        return error_setg(err, "serial: no backend given");
    }
    if (!strcmp(spec, "none") || !strcmp(spec, "null")) {
        return 0;
    } else if (!strcmp(spec, "stdio") || !strcmp(spec, "mon:stdio")) {
        chardev_open_stdio(c, !strcmp(spec, "stdio"));
    } else if (!strncmp(spec, "file:", 5)) {
        ret = chardev_open_file(c, spec + 5, err);
    } else if (!strcmp(spec, "pty")) {
        ret = chardev_open_pty(c, err);
    } else if (!strncmp(spec, "tcp:", 4) || !strncmp(spec, "unix:", 5)) {
        ret = chardev_open_socket(c, spec, spec[0] == 'u', err);
    } else {
        return error_setg(err, "serial: unknown backend '%s' (use stdio, "
                          "file:PATH, pty, tcp:HOST:PORT, unix:PATH, null "
                          "or none)", spec);
    }
    if (ret < 0) {
        chardev_close(c);
    }
    return ret;
}

int chardev_open(Chardev *c, const char *spec, Error *err)
{
    return chardev_open_named(c, spec, "serial0", err);
}

void chardev_attach(Chardev *c, MainLoop *loop)
{
    c->loop = loop;
    chardev_update_input_watch(c);
    chardev_watch_listen(c, c->server && c->in_fd < 0);
    if (c->out_len) {
        chardev_flush_output(c);
    }
}

static void chardev_detach(Chardev *c)
{
    if (!c->loop) {
        return;
    }
    if (c->in_watched) {
        main_loop_remove_fd(c->loop, c->in_watch_fd);
    }
    if (c->out_watched && c->out_fd >= 0) {
        main_loop_unwatch_out(c->loop, c->out_fd);
    }
    chardev_watch_listen(c, false);
    c->in_watched = c->out_watched = false;
    c->loop = NULL;
}

void chardev_close(Chardev *c)
{
    chardev_detach(c);
    chardev_flush_output(c);
    if (c->tty_saved) {
        tcsetattr(STDIN_FILENO, TCSANOW, &c->saved_tio);
        c->tty_saved = false;
        term_forget_tty();
    }
    if (c->out_flags_saved) {
        fcntl(STDOUT_FILENO, F_SETFL, c->saved_out_flags);
        c->out_flags_saved = false;
        term_forget_fd_flags();
    }
    if (c->kind == CHARDEV_FILE && c->out_fd >= 0) {
        close(c->out_fd);
    } else if ((c->kind == CHARDEV_PTY || c->kind == CHARDEV_SOCKET) &&
               c->in_fd >= 0) {
        close(c->in_fd);         /* the one fd for both directions */
    }
    if (c->kind == CHARDEV_PTY && c->pty_slave_fd >= 0) {
        close(c->pty_slave_fd);
    }
    if (c->server) {
        close(c->listen_fd);
        c->server = false;
    }
    if (c->unlink_path && c->path) {
        unlink(c->path);
    }
    free(c->path);
    c->path = NULL;
    c->kind = CHARDEV_NULL;
    c->in_fd = -1;
    c->out_fd = -1;
    c->npending = 0;
    c->out_len = 0;
}
