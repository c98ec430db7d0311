/*
 * Character backends for serial ports (and later the monitor), named by
 * -serial style specs: "stdio", "file:PATH", "pty", "tcp:HOST:PORT",
 * "unix:PATH" (both with ",server" and ",nowait"), "null"/"none". A front
 * end (the UART) registers a receiver and writes bytes; the backend
 * delivers host input to the receiver from the main loop.
 *
 * Output never blocks: every fd is non-blocking and what the host cannot
 * take at once waits in a bounded buffer that the main loop flushes when
 * the fd is writable; when that buffer is full, new bytes are dropped
 * (see chardev.c for why).
 *
 * The stdio backend, when stdin is a terminal, puts it in raw mode (ISIG
 * off: Ctrl-C, Ctrl-\ and Ctrl-Z are bytes for the guest) and interprets
 * QEMU's escapes after Ctrl-A: x quits, h prints help, c is reserved for
 * the monitor, Ctrl-A Ctrl-A sends one Ctrl-A. The terminal is restored
 * on exit.
 */
#ifndef KITE_CHARDEV_H
#define KITE_CHARDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <termios.h>

#include "system/util.h"

/* Bytes of output held while the host side cannot take them. */
#define CHARDEV_OUT_BUF (64 * 1024)

typedef struct MainLoop MainLoop;

typedef enum ChardevKind {
    CHARDEV_NULL,
    CHARDEV_STDIO,
    CHARDEV_FILE,
    CHARDEV_PTY,
    CHARDEV_SOCKET,              /* tcp: or unix:, client or server */
} ChardevKind;

typedef struct Chardev {
    ChardevKind kind;
    char label[16];              /* "serial0", as QEMU names it */
    int in_fd, out_fd;           /* -1 if none (sockets: both the conn) */
    /* Fields below are valid only when the flag or kind says so, so a
     * zero-filled Chardev never closes fd 0. */
    bool server;                 /* SOCKET: listen_fd accepts clients */
    int listen_fd;
    bool wait_connect;           /* server: block at open for a client */
    int pty_slave_fd;            /* PTY: kept open so the master never
                                  * reports a hang-up with nobody attached */
    bool out_flags_saved;        /* stdout's flags before O_NONBLOCK */
    int saved_out_flags;
    char *path;                  /* pty name or unix socket to unlink */
    bool unlink_path;
    MainLoop *loop;              /* set by chardev_attach */
    bool out_watched, in_watched, listen_watched;
    int in_watch_fd;
    /* output waiting for the host: a ring of CHARDEV_OUT_BUF bytes */
    uint8_t out_buf[CHARDEV_OUT_BUF];
    size_t out_head, out_len;
    uint64_t out_dropped;        /* bytes lost because out_buf was full */
    bool mux;                    /* Ctrl-A escapes active */
    bool escape_pending;
    bool tty_saved;
    struct termios saved_tio;
    /* Front end: how many bytes it can take now, and the delivery. */
    size_t (*can_receive)(void *opaque);
    void (*receive)(void *opaque, const uint8_t *buf, size_t len);
    void *opaque;
    /* Ctrl-A x: the machine is asked to quit. */
    void (*quit)(void *opaque);
    void *quit_opaque;
    uint8_t pending[64];         /* input read but not yet taken */
    size_t npending;
    /* Ctrl-A b: a break condition for the front end (NULL: ignored). */
    void (*receive_break)(void *opaque);
    /*
     * Called (machine lock held, from the main loop or a vCPU thread)
     * whenever chardev_input_fd()'s answer changes: -1 once input ended
     * (EOF or a read error) or while `pending` is full, the fd again once
     * the front end took some of it. Once attached to a main loop
     * (chardev_attach) the backend updates its watches itself and then
     * calls this hook too. Without a hook or a loop a full
     * `pending` makes chardev_handle_input drop what it reads, so the
     * loop never spins on an fd it cannot drain.
     */
    void (*input_changed)(void *opaque);
    void *input_changed_opaque;
    bool input_ended;            /* stdin hit EOF or an error */
    /* A socket server accepted a client (opaque is the receiver's). */
    void (*connected)(void *opaque);
    /* mon:stdio: Ctrl-A c gives the input to the monitor and back. */
    void (*mon_receive)(void *opaque, const uint8_t *buf, size_t len);
    void (*mon_enter)(void *opaque);
    void *mon_opaque;
    bool mon_focus;
} Chardev;

/*
 * Opens a backend from a -serial style spec: "stdio", "file:PATH"
 * (created or truncated, output only), "null" or "none" (discard).
 * Returns 0 or -1 with err set. A zero-filled Chardev is a null backend.
 */
int chardev_open(Chardev *c, const char *spec, Error *err);
/* The same, naming the backend (messages say "(label serial1)"). */
int chardev_open_named(Chardev *c, const char *spec, const char *label,
                       Error *err);
/*
 * Lets the backend watch its fds in the main loop itself (input, pending
 * output, server sockets waiting for a client). Call with the machine
 * lock held or before the loop runs; the callbacks run with it held.
 */
void chardev_attach(Chardev *c, MainLoop *loop);
/*
 * Gives pending output up to timeout_ms to reach the host (0: one
 * non-blocking attempt). Used on the way out.
 */
void chardev_drain(Chardev *c, int timeout_ms);
/*
 * Restores the terminal (if stdio put it in raw mode) and stdout's flags,
 * makes one non-blocking attempt to write pending output, and closes the
 * backend; safe to call twice. Fatal signals restore the terminal through
 * system/term.h instead (this function is not async-signal-safe).
 */
void chardev_close(Chardev *c);
void chardev_set_receiver(Chardev *c, size_t (*can_receive)(void *),
                          void (*receive)(void *, const uint8_t *, size_t),
                          void *opaque);
/*
 * Queues buf for the host and returns at once: what the fd does not take
 * now waits in out_buf; what does not fit there is dropped and counted.
 * Output errors are ignored (a socket peer that went away disconnects).
 */
void chardev_write(Chardev *c, const uint8_t *buf, size_t len);
/* Writes what out_buf holds until the fd would block (main loop). */
void chardev_flush_output(Chardev *c);
/*
 * The fd the main loop should poll for input, or -1: no input, input
 * ended, or (with an input_changed hook) `pending` is full.
 */
int chardev_input_fd(const Chardev *c);
/*
 * Reads what is available (one read(), so it does not block when the fd
 * polled readable) and hands it to the receiver; called by the main loop
 * when the fd is readable or hung up. On EOF or a read error it stops
 * watching stdin: chardev_input_fd() returns -1 from then on and
 * input_changed is called, so the machine removes the fd.
 */
void chardev_handle_input(Chardev *c);
/* Delivers bytes held back because the receiver was full. */
void chardev_flush_pending(Chardev *c);
/*
 * Feeds bytes as if typed (tests; also used by chardev_handle_input).
 * Ctrl-A escapes are applied when c->mux is set; bytes that neither the
 * receiver nor `pending` can hold are dropped.
 */
void chardev_feed(Chardev *c, const uint8_t *buf, size_t len);
/* Sets the Ctrl-A b break hook (opaque is the receiver's). */
void chardev_set_break_handler(Chardev *c, void (*receive_break)(void *));

/* Shared by chardev.c and chardev-open.c (main-loop callbacks). */
void chardev_input_ready(void *opaque);
void chardev_output_ready(void *opaque);
void chardev_update_input_watch(Chardev *c);
/* Drops a socket's connection; a server listens again for the next one. */
void chardev_disconnect(Chardev *c);

#endif
