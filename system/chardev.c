/*
 * Character backends (see chardev.h): stdio, file and null.
 *
 * Host input flows chardev_handle_input -> chardev_feed (Ctrl-A escapes,
 * as in QEMU's -nographic multiplexer) -> the front end's receive hook,
 * or `pending` when the front end cannot take it yet. `pending` is
 * emptied by chardev_flush_pending, which the front end calls when it has
 * room again. Output is written fully, retrying on EINTR and EAGAIN.
 *
 * The terminal is put in raw mode only when stdin is a tty, and the
 * saved settings are restored by chardev_close.
 */
#include "system/chardev.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#define CTRL_A 0x01

static const char chardev_help_text[] =
    "\r\n"
    "C-a h    print this help\r\n"
    "C-a x    exit emulator\r\n"
    "C-a b    send break\r\n"
    "C-a c    switch to the monitor (not available yet)\r\n"
    "C-a C-a  sends C-a\r\n";

static void chardev_reset_fields(Chardev *c)
{
    memset(c, 0, sizeof(*c));
    c->kind = CHARDEV_NULL;
    c->in_fd = -1;
    c->out_fd = -1;
}

/* Raw input (no echo, no line editing, no CR/LF mapping); Ctrl-C still
 * signals the process, output post-processing stays on. */
static void chardev_set_raw(Chardev *c)
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
    tio.c_cflag &= ~(CSIZE | PARENB);
    tio.c_cflag |= CS8;
    tio.c_cc[VMIN] = 1;
    tio.c_cc[VTIME] = 0;
    if (tcsetattr(STDIN_FILENO, TCSANOW, &tio) == 0) {
        c->tty_saved = true;
    }
}

static int chardev_open_file(Chardev *c, const char *path, Error *err)
{
    int fd;

    if (!*path) {
        return error_setg(err, "serial: 'file:' needs a path");
    }
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) {
        return error_setg(err, "serial: cannot open '%s': %s", path,
                          strerror(errno));
    }
    c->kind = CHARDEV_FILE;
    c->out_fd = fd;
    return 0;
}

int chardev_open(Chardev *c, const char *spec, Error *err)
{
    chardev_reset_fields(c);
    if (!spec) {
        return error_setg(err, "serial: no backend given");
    }
    if (!strcmp(spec, "none") || !strcmp(spec, "null")) {
        return 0;
    }
    if (!strcmp(spec, "stdio")) {
        c->kind = CHARDEV_STDIO;
        c->in_fd = STDIN_FILENO;
        c->out_fd = STDOUT_FILENO;
        c->mux = true;
        chardev_set_raw(c);
        return 0;
    }
    if (!strncmp(spec, "file:", 5)) {
        return chardev_open_file(c, spec + 5, err);
    }
    return error_setg(err, "serial: unknown backend '%s' "
                      "(use stdio, file:PATH, null or none)", spec);
}

void chardev_close(Chardev *c)
{
    if (c->tty_saved) {
        tcsetattr(STDIN_FILENO, TCSANOW, &c->saved_tio);
        c->tty_saved = false;
    }
    if (c->kind == CHARDEV_FILE && c->out_fd >= 0) {
        close(c->out_fd);
    }
    c->kind = CHARDEV_NULL;
    c->in_fd = -1;
    c->out_fd = -1;
    c->npending = 0;
}

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

static void chardev_wait_writable(int fd)
{
    struct pollfd p = { .fd = fd, .events = POLLOUT };
    poll(&p, 1, 100);
}

void chardev_write(Chardev *c, const uint8_t *buf, size_t len)
{
    if (c->kind == CHARDEV_NULL || c->out_fd < 0) {
        return;
    }
    while (len > 0) {
        ssize_t n = write(c->out_fd, buf, len);
        if (n > 0) {
            buf += n;
            len -= (size_t)n;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            chardev_wait_writable(c->out_fd);
        } else {
            return;              /* output errors are ignored */
        }
    }
}

static void chardev_print(Chardev *c, const char *s)
{
    chardev_write(c, (const uint8_t *)s, strlen(s));
}

static bool chardev_throttled(const Chardev *c)
{
    return c->input_changed && c->npending == sizeof(c->pending);
}

int chardev_input_fd(const Chardev *c)
{
    if (c->kind != CHARDEV_STDIO || c->input_ended || chardev_throttled(c)) {
        return -1;
    }
    return c->in_fd;
}

static void chardev_notify_input(Chardev *c)
{
    if (c->input_changed) {
        c->input_changed(c->input_changed_opaque);
    }
}

/* Hands bytes to the receiver, keeping in `pending` what it cannot take. */
static void chardev_deliver(Chardev *c, const uint8_t *buf, size_t len)
{
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
        chardev_print(c, "\r\nkite: the monitor is not available yet\r\n");
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
