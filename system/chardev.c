/*
 * Character backends (see chardev.h): the part every backend shares.
 * Opening (stdio, file, pty, sockets) is in chardev-open.c.
 *
 * Host input flows chardev_handle_input -> chardev_feed (Ctrl-A escapes,
 * as in QEMU's -nographic multiplexer) -> the front end's receive hook,
 * or `pending` when the front end cannot take it yet. `pending` is
 * emptied by chardev_flush_pending, which the front end calls when it has
 * room again.
 *
 * Output policy: drop when full. chardev_write runs in a device register
 * handler, on a vCPU thread holding the machine lock, so it must never
 * wait for the host: fds are non-blocking, what the fd does not take goes
 * to a 64 KiB ring flushed by the main loop when the fd is writable, and
 * bytes that do not fit in the ring are dropped (and counted), as QEMU's
 * non-blocking chardevs drop when the reader stalls. Stalling the UART
 * instead (THRE held clear until the host drains) would keep every byte
 * but lets a stuck reader (a pipe nobody reads, a suspended terminal)
 * stop the guest for good; a serial line loses characters when nobody
 * listens, so the guest keeps running and the stop requests, which the
 * main loop serves, stay prompt. 64 KiB absorbs a burst (a kernel's boot
 * log) while a terminal or pipe catches up.
 */
#include "system/chardev.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "system/main-loop.h"

#define CTRL_A 0x01

static const char chardev_help_text[] =
    "\r\n"
    "C-a h    print this help\r\n"
    "C-a x    exit emulator\r\n"
    "C-a b    send break\r\n"
    "C-a c    switch between the console and the monitor\r\n"
    "C-a C-a  sends C-a\r\n";

void chardev_set_receiver(Chardev *c, size_t (*can_receive)(void *),
                          void (*receive)(void *, const uint8_t *, size_t),
                          void *opaque)
{
    c->can_receive = can_receive;
    c->receive = receive;
    c->opaque = opaque;
    c->receive_break = NULL;
    chardev_flush_pending(c);
}

void chardev_set_break_handler(Chardev *c, void (*receive_break)(void *))
{
    c->receive_break = receive_break;
}

/* ---- output ---- */

static void chardev_watch_output(Chardev *c, bool on)
{
    if (!c->loop || c->out_fd < 0 || on == c->out_watched) {
        return;
    }
    if (on) {
        main_loop_watch_out(c->loop, c->out_fd, chardev_output_ready, c);
        main_loop_wake(c->loop);
    } else {
        main_loop_unwatch_out(c->loop, c->out_fd);
    }
    c->out_watched = on;
}

/* One non-blocking write: bytes taken, 0 if the fd is full, -1 on error. */
static ssize_t chardev_try_write(Chardev *c, const uint8_t *buf, size_t len)
{
    for (;;) {
        ssize_t n = c->kind == CHARDEV_SOCKET ?
                    send(c->out_fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL) :
                    write(c->out_fd, buf, len);
        if (n >= 0) {
            return n;
        }
        if (errno == EINTR) {
            continue;
        }
        return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
    }
}

/*
 * The host side failed for good: a socket disconnects, a file is closed,
 * stdout and a pty stop being written (their fds stay for input).
 */
static void chardev_output_failed(Chardev *c)
{
    chardev_watch_output(c, false);
    c->out_len = 0;
    if (c->kind == CHARDEV_SOCKET) {
        chardev_disconnect(c);
        return;
    }
    if (c->kind == CHARDEV_FILE) {
        close(c->out_fd);
    }
    c->out_fd = -1;
}

static void chardev_queue(Chardev *c, const uint8_t *buf, size_t len)
{
    size_t room = sizeof(c->out_buf) - c->out_len;
    size_t take = MIN(len, room);

    c->out_dropped += len - take;
    for (size_t i = 0; i < take; i++) {
        c->out_buf[(c->out_head + c->out_len + i) % sizeof(c->out_buf)] = buf[i];
    }
    c->out_len += take;
}

void chardev_write(Chardev *c, const uint8_t *buf, size_t len)
{
    if (c->kind == CHARDEV_NULL || c->out_fd < 0 || !len) {
        return;
    }
    if (c->out_len == 0) {
        ssize_t n = chardev_try_write(c, buf, len);
        if (n < 0) {
            chardev_output_failed(c);
            return;
        }
        buf += n;
        len -= (size_t)n;
    }
    if (len) {
        chardev_queue(c, buf, len);
        chardev_watch_output(c, true);
    }
}

void chardev_flush_output(Chardev *c)
{
    while (c->out_len > 0 && c->out_fd >= 0) {
        size_t run = MIN(c->out_len, sizeof(c->out_buf) - c->out_head);
        ssize_t n = chardev_try_write(c, c->out_buf + c->out_head, run);
        if (n < 0) {
            chardev_output_failed(c);
            return;
        }
        if (n == 0) {
            return;              /* still full: keep watching */
        }
        c->out_head = (c->out_head + (size_t)n) % sizeof(c->out_buf);
        c->out_len -= (size_t)n;
    }
    c->out_head = 0;
    chardev_watch_output(c, false);
}

void chardev_output_ready(void *opaque)
{
    Chardev *c = opaque;

    chardev_flush_output(c);
    if (c->npending) {
        chardev_flush_pending(c);   /* a receiver that waited for room */
    }
}

static int64_t chardev_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void chardev_drain(Chardev *c, int timeout_ms)
{
    int64_t end = chardev_now_ms() + timeout_ms;

    chardev_flush_output(c);
    while (c->out_len > 0 && c->out_fd >= 0) {
        int64_t left = end - chardev_now_ms();
        struct pollfd p = { .fd = c->out_fd, .events = POLLOUT };
        if (left <= 0 || poll(&p, 1, (int)left) <= 0) {
            return;
        }
        chardev_flush_output(c);
    }
}

static void chardev_print(Chardev *c, const char *s)
{
    chardev_write(c, (const uint8_t *)s, strlen(s));
}

static bool chardev_throttled(const Chardev *c)
{
    return (c->input_changed || c->loop) && c->npending == sizeof(c->pending);
}

int chardev_input_fd(const Chardev *c)
{
    if (c->kind == CHARDEV_NULL || c->kind == CHARDEV_FILE || c->in_fd < 0 ||
        c->input_ended || chardev_throttled(c)) {
        return -1;
    }
    return c->in_fd;
}

/* Watches chardev_input_fd() in the attached loop, whatever it is now. */
void chardev_update_input_watch(Chardev *c)
{
    int fd = chardev_input_fd(c);

    if (!c->loop || (c->in_watched && fd == c->in_watch_fd)) {
        return;
    }
    if (c->in_watched) {
        main_loop_remove_fd(c->loop, c->in_watch_fd);
        c->in_watched = false;
    }
    if (fd >= 0 && main_loop_add_fd(c->loop, fd, chardev_input_ready, c) == 0) {
        c->in_watched = true;
        c->in_watch_fd = fd;
    }
    main_loop_wake(c->loop);
}

static void chardev_notify_input(Chardev *c)
{
    chardev_update_input_watch(c);
    if (c->input_changed) {
        c->input_changed(c->input_changed_opaque);
    }
}

/* Hands bytes to the receiver, keeping in `pending` what it cannot take. */
static void chardev_deliver(Chardev *c, const uint8_t *buf, size_t len)
{
    if (c->mon_focus) {
        c->mon_receive(c->mon_opaque, buf, len);
        return;
    }
    if (c->npending == 0 && c->receive && c->can_receive) {
        size_t n = MIN(c->can_receive(c->opaque), len);
        if (n > 0) {
            c->receive(c->opaque, buf, n);
            buf += n;
            len -= n;
        }
    }
    len = MIN(len, sizeof(c->pending) - c->npending);
    memcpy(c->pending + c->npending, buf, len);
    c->npending += len;
}

void chardev_flush_pending(Chardev *c)
{
    bool was_throttled = chardev_throttled(c);

    while (c->npending > 0 && c->receive && c->can_receive) {
        uint8_t tmp[sizeof(c->pending)];
        size_t n = MIN(c->can_receive(c->opaque), c->npending);
        if (n == 0) {
            break;
        }
        /* Take the bytes out first: receive may feed more. */
        memcpy(tmp, c->pending, n);
        c->npending -= n;
        memmove(c->pending, c->pending + n, c->npending);
        c->receive(c->opaque, tmp, n);
    }
    if (was_throttled && !chardev_throttled(c)) {
        chardev_notify_input(c);
    }
}

/* The byte after Ctrl-A. */
static void chardev_escape(Chardev *c, uint8_t ch)
{
    switch (ch) {
    case 'x':
        chardev_print(c, "\r\nkite: terminated\r\n");
        if (c->quit) {
            c->quit(c->quit_opaque);
        }
        break;
    case 'h':
    case '?':
        chardev_print(c, chardev_help_text);
        break;
    case 'c':
        if (!c->mon_receive) {
            chardev_print(c, "\r\nkite: no monitor on this terminal "
                          "(use -serial mon:stdio)\r\n");
        } else if ((c->mon_focus = !c->mon_focus)) {
            chardev_print(c, "\r\n");
            c->mon_enter(c->mon_opaque);
        } else {
            chardev_print(c, "\r\n");
        }
        break;
    case 'b':
        if (c->receive_break) {
            c->receive_break(c->opaque);
        }
        break;
    case CTRL_A:
        chardev_deliver(c, &ch, 1);
        break;
    default:
        break;                   /* unknown escapes are ignored */
    }
}

void chardev_feed(Chardev *c, const uint8_t *buf, size_t len)
{
    size_t start = 0;

    if (!c->mux) {
        chardev_deliver(c, buf, len);
        return;
    }
    for (size_t i = 0; i < len; i++) {
        if (c->escape_pending) {
            c->escape_pending = false;
            chardev_escape(c, buf[i]);
            start = i + 1;
        } else if (buf[i] == CTRL_A) {
            chardev_deliver(c, buf + start, i - start);
            c->escape_pending = true;
            start = i + 1;
        }
    }
    chardev_deliver(c, buf + start, len - start);
}

static void chardev_end_input(Chardev *c)
{
    if (c->kind == CHARDEV_SOCKET) {
        chardev_disconnect(c);   /* a server waits for the next client */
        return;
    }
    c->input_ended = true;
    chardev_notify_input(c);
}

void chardev_handle_input(Chardev *c)
{
    uint8_t buf[sizeof(c->pending)];
    size_t room = sizeof(c->pending) - c->npending;
    ssize_t n;

    if (chardev_input_fd(c) < 0) {
        return;
    }
    if (room == 0) {
        room = sizeof(buf);      /* no hook to pause us: read and drop */
    }
    n = read(c->in_fd, buf, room);
    if (n > 0) {
        chardev_feed(c, buf, (size_t)n);
        if (chardev_throttled(c)) {
            chardev_notify_input(c);
        }
    } else if (n == 0 || (errno != EINTR && errno != EAGAIN &&
                          errno != EWOULDBLOCK)) {
        chardev_end_input(c);
    }
}

void chardev_input_ready(void *opaque)
{
    chardev_handle_input(opaque);
}
