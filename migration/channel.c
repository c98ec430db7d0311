/*
 * Migration channels (see channel.h): exec:, file: and tcp: transports
 * under one buffered reader/writer with a running CRC-32C.
 */
#include "migration/channel.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hw/core/timer.h"

#define MIG_BUF_SIZE (256 * KiB)

/* ---- CRC-32C: the SSE4.2 instruction where the host has it ---- */

#define CRC32C_POLY 0x82f63b78u     /* Castagnoli, reflected */

static uint32_t crc_table[8][256];
static bool crc_hw;
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void crc_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) {
            c = (c >> 1) ^ (CRC32C_POLY & -(c & 1));
        }
        crc_table[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; i++) {
        for (int t = 1; t < 8; t++) {
            uint32_t c = crc_table[t - 1][i];
            crc_table[t][i] = (c >> 8) ^ crc_table[0][c & 0xff];
        }
    }
#if defined(__x86_64__)
    __builtin_cpu_init();
    crc_hw = __builtin_cpu_supports("sse4.2");
#endif
}

/* Slicing by 8 (any host). crc is the inverted running value. */
static uint32_t crc_sw(uint32_t crc, const uint8_t *b, size_t n)
{
    while (n >= 8) {
        uint32_t lo = crc ^ ld32le(b), hi = ld32le(b + 4);
        crc = crc_table[7][lo & 0xff] ^ crc_table[6][(lo >> 8) & 0xff] ^
              crc_table[5][(lo >> 16) & 0xff] ^ crc_table[4][lo >> 24] ^
              crc_table[3][hi & 0xff] ^ crc_table[2][(hi >> 8) & 0xff] ^
              crc_table[1][(hi >> 16) & 0xff] ^ crc_table[0][hi >> 24];
        b += 8;
        n -= 8;
    }
    while (n--) {
        crc = (crc >> 8) ^ crc_table[0][(crc ^ *b++) & 0xff];
    }
    return crc;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2")))
static uint32_t crc_hw_run(uint32_t crc, const uint8_t *b, size_t n)
{
    uint64_t c = crc;

    while (n >= 8) {
        uint64_t w;
        memcpy(&w, b, 8);
        c = __builtin_ia32_crc32di(c, w);
        b += 8;
        n -= 8;
    }
    while (n--) {
        c = __builtin_ia32_crc32qi((uint32_t)c, *b++);
    }
    return (uint32_t)c;
}
#endif

uint32_t mig_crc32_soft(uint32_t crc, const void *p, size_t n)
{
    pthread_once(&crc_once, crc_init);
    return ~crc_sw(~crc, p, n);
}

uint32_t mig_crc32(uint32_t crc, const void *p, size_t n)
{
    pthread_once(&crc_once, crc_init);
#if defined(__x86_64__)
    if (crc_hw) {
        return ~crc_hw_run(~crc, p, n);
    }
#endif
    return ~crc_sw(~crc, p, n);
}

/* ---- errors ---- */

void mig_channel_fail(MigChannel *c, const char *fmt, ...)
{
    va_list ap;

    if (c->error) {
        return;
    }
    c->error = true;
    va_start(ap, fmt);
    vsnprintf(c->msg, sizeof(c->msg), fmt, ap);
    va_end(ap);
}

void mig_channel_abort(MigChannel *c)
{
    atomic_store(&c->aborted, true);
    if (c->fd >= 0 && c->is_socket) {
        shutdown(c->fd, SHUT_RDWR);
    }
    if (c->listen_fd >= 0) {
        shutdown(c->listen_fd, SHUT_RDWR);
    }
}

/* ---- opening ---- */

static void channel_init(MigChannel *c)
{
    memset(c, 0, sizeof(*c));
    c->fd = c->listen_fd = -1;
    c->buf = xmalloc(MIG_BUF_SIZE);
}

/* The command gets the pipe as stdin (out) or stdout (in), signals as usual. */
static int channel_exec(MigChannel *c, const char *cmd, bool out, Error *err)
{
    int p[2];
    sigset_t none;
    pid_t pid;

    if (pipe2(p, O_CLOEXEC) < 0) {
        return error_setg(err, "cannot create a pipe: %s", strerror(errno));
    }
    pid = fork();
    if (pid < 0) {
        close(p[0]);
        close(p[1]);
        return error_setg(err, "cannot start '%s': %s", cmd, strerror(errno));
    }
    if (pid == 0) {
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        signal(SIGPIPE, SIG_DFL);
        dup2(out ? p[0] : p[1], out ? 0 : 1);
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    close(out ? p[0] : p[1]);
    c->fd = out ? p[1] : p[0];
    c->child = pid;
    return 0;
}

/* Splits "HOST:PORT" (HOST may be empty or [v6]); false if malformed. */
static bool split_host_port(const char *s, char *host, size_t hn, char *port,
                            size_t pn)
{
    const char *colon = strrchr(s, ':');
    size_t l;

    if (!colon || !colon[1] || strlen(colon + 1) >= pn) {
        return false;
    }
    l = (size_t)(colon - s);
    if (l >= 2 && s[0] == '[' && s[l - 1] == ']') {
        s++;
        l -= 2;
    }
    if (l >= hn) {
        return false;
    }
    memcpy(host, s, l);
    host[l] = '\0';
    strcpy(port, colon + 1);
    return true;
}

static int channel_tcp(MigChannel *c, const char *spec, bool listening,
                       Error *err)
{
    struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
    char host[256], port[32];
    int fd = -1, e = 0, one = 1, r;

    if (!split_host_port(spec, host, sizeof(host), port, sizeof(port))) {
        return error_setg(err, "'tcp:%s' is not tcp:HOST:PORT", spec);
    }
    hints.ai_flags = listening ? AI_PASSIVE : 0;
    r = getaddrinfo(host[0] && strcmp(host, "0") ? host : NULL, port, &hints,
                    &res);
    if (r) {
        return error_setg(err, "tcp:%s: %s", spec, gai_strerror(r));
    }
    for (ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            e = errno;
            continue;
        }
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (listening ? (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
                         listen(fd, 1) == 0)
                      : connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
            break;
        }
        e = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0) {
        return error_setg(err, "cannot %s tcp:%s: %s",
                          listening ? "listen on" : "connect to", spec,
                          strerror(e));
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    c->is_socket = true;
    if (listening) {
        c->listen_fd = fd;
    } else {
        c->fd = fd;
    }
    return 0;
}

static int channel_file(MigChannel *c, const char *path, bool out, Error *err)
{
    struct stat st;

    c->fd = out ? open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)
                : open(path, O_RDONLY | O_CLOEXEC);
    if (c->fd < 0) {
        return error_setg(err, "cannot open '%s': %s", path, strerror(errno));
    }
    if (!out && (fstat(c->fd, &st) < 0 || S_ISDIR(st.st_mode))) {
        return error_setg(err, "'%s' is a directory", path);
    }
    return 0;
}

static int channel_open(MigChannel *c, const char *uri, bool out, Error *err)
{
    int r;

    channel_init(c);
    if (!strncmp(uri, "exec:", 5) && uri[5]) {
        r = channel_exec(c, uri + 5, out, err);
    } else if (!strncmp(uri, "file:", 5) && uri[5]) {
        r = channel_file(c, uri + 5, out, err);
    } else if (!strncmp(uri, "tcp:", 4)) {
        r = channel_tcp(c, uri + 4, !out, err);
    } else {
        r = error_setg(err, "unknown migration URI '%s' (exec:CMD, "
                       "file:PATH or tcp:HOST:PORT)", uri);
    }
    if (r < 0) {
        mig_channel_close(c);
    }
    return r;
}

int mig_channel_open_out(MigChannel *c, const char *uri, Error *err)
{
    if (channel_open(c, uri, true, err) < 0) {
        return -1;
    }
    c->rate_start_ns = host_clock_ns();
    return 0;
}

int mig_channel_open_in(MigChannel *c, const char *uri, Error *err)
{
    return channel_open(c, uri, false, err);
}

int mig_channel_accept(MigChannel *c)
{
    int fd, one = 1;

    if (c->listen_fd < 0) {
        return 0;
    }
    do {
        fd = accept4(c->listen_fd, NULL, NULL, SOCK_CLOEXEC);
    } while (fd < 0 && errno == EINTR && !atomic_load(&c->aborted));
    if (fd < 0) {
        mig_channel_fail(c, "accept: %s", strerror(errno));
        return -1;
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    close(c->listen_fd);
    c->listen_fd = -1;
    c->fd = fd;
    return 0;
}

int mig_channel_close(MigChannel *c)
{
    int status, ret = c->error ? -1 : 0;

    if (c->fd >= 0) {
        close(c->fd);
    }
    if (c->listen_fd >= 0) {
        close(c->listen_fd);
    }
    c->fd = c->listen_fd = -1;
    if (c->child > 0) {
        while (waitpid(c->child, &status, 0) < 0 && errno == EINTR) {
        }
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            mig_channel_fail(c, "the exec: command failed (status 0x%x)",
                             status);
            ret = -1;
        }
        c->child = 0;
    }
    free(c->buf);
    c->buf = NULL;
    return ret;
}

/* ---- writing ---- */

static void channel_rate_limit(MigChannel *c, size_t n)
{
    int64_t due, now;

    if (!c->max_bps) {
        return;
    }
    c->rate_bytes += n;
    now = host_clock_ns();
    due = c->rate_start_ns + (int64_t)(c->rate_bytes * 1000000000.0 /
                                       (double)c->max_bps);
    if (due > now) {
        struct timespec ts = { (due - now) / 1000000000,
                               (due - now) % 1000000000 };
        nanosleep(&ts, NULL);
    }
    if (now - c->rate_start_ns > 1000000000) {   /* a fresh 1 s window */
        c->rate_start_ns = now;
        c->rate_bytes = 0;
    }
}

void mig_flush(MigChannel *c)
{
    size_t done = 0;

    while (!c->error && done < c->len) {
        ssize_t w;
        if (atomic_load(&c->aborted)) {
            mig_channel_fail(c, "migration cancelled");
            break;
        }
        w = write(c->fd, c->buf + done, c->len - done);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            mig_channel_fail(c, "write: %s", w < 0 ? strerror(errno)
                                                   : "nothing written");
            break;
        }
        done += (size_t)w;
    }
    channel_rate_limit(c, c->len);
    c->len = 0;
}

void mig_put_bytes(MigChannel *c, const void *p, size_t n)
{
    const uint8_t *b = p;

    if (c->error) {
        return;
    }
    c->bytes += n;
    while (n) {
        size_t k = MIN(n, MIG_BUF_SIZE - c->len);
        /* the copy is summed: guest RAM may change under the source */
        memcpy(c->buf + c->len, b, k);
        c->crc = mig_crc32(c->crc, c->buf + c->len, k);
        c->len += k;
        b += k;
        n -= k;
        if (c->len == MIG_BUF_SIZE) {
            mig_flush(c);
        }
    }
}

void mig_put_u8(MigChannel *c, uint8_t v)
{
    mig_put_bytes(c, &v, 1);
}

void mig_put_u32(MigChannel *c, uint32_t v)
{
    uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
                     (uint8_t)(v >> 24) };
    mig_put_bytes(c, b, 4);
}

void mig_put_u64(MigChannel *c, uint64_t v)
{
    mig_put_u32(c, (uint32_t)v);
    mig_put_u32(c, (uint32_t)(v >> 32));
}

/* ---- reading ---- */

static bool channel_fill(MigChannel *c)
{
    for (;;) {
        ssize_t r;
        if (atomic_load(&c->aborted)) {
            mig_channel_fail(c, "migration cancelled");
            return false;
        }
        r = read(c->fd, c->buf, MIG_BUF_SIZE);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r < 0) {
            mig_channel_fail(c, "read: %s", strerror(errno));
            return false;
        }
        if (r == 0) {
            mig_channel_fail(c, "the stream is truncated (it ends after %llu "
                             "bytes)", (unsigned long long)c->bytes);
            return false;
        }
        c->pos = 0;
        c->len = (size_t)r;
        return true;
    }
}

void mig_get_bytes(MigChannel *c, void *p, size_t n)
{
    uint8_t *b = p;
    size_t want = n;

    while (n && !c->error) {
        size_t k;
        if (c->pos == c->len && !channel_fill(c)) {
            break;
        }
        k = MIN(n, c->len - c->pos);
        memcpy(b, c->buf + c->pos, k);
        c->pos += k;
        b += k;
        n -= k;
    }
    if (c->error) {
        memset(p, 0, want);
        return;
    }
    c->crc = mig_crc32(c->crc, p, want);
    c->bytes += want;
}

uint8_t mig_get_u8(MigChannel *c)
{
    uint8_t v;
    mig_get_bytes(c, &v, 1);
    return v;
}

uint32_t mig_get_u32(MigChannel *c)
{
    uint8_t b[4];
    mig_get_bytes(c, b, 4);
    return ld32le(b);
}

uint64_t mig_get_u64(MigChannel *c)
{
    uint64_t lo = mig_get_u32(c);
    return lo | ((uint64_t)mig_get_u32(c) << 32);
}
