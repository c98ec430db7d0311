/*
 * Character backends for serial ports (and later the monitor): "stdio",
 * "file:PATH", "null"/"none". A front end (the UART) registers a receiver
 * and writes bytes; the backend delivers host input to the receiver from
 * the main loop.
 *
 * The stdio backend, when stdin is a terminal, puts it in raw mode and
 * interprets QEMU's escapes after Ctrl-A: x quits, h prints help, c is
 * reserved for the monitor, Ctrl-A Ctrl-A sends one Ctrl-A. The terminal
 * is restored on exit.
 */
#ifndef KITE_CHARDEV_H
#define KITE_CHARDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <termios.h>

#include "system/util.h"

typedef enum ChardevKind {
    CHARDEV_NULL,
    CHARDEV_STDIO,
    CHARDEV_FILE,
} ChardevKind;

typedef struct Chardev {
    ChardevKind kind;
    int in_fd, out_fd;           /* -1 if none */
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
     * the front end took some of it. The machine removes or re-adds the
     * fd to its main loop (and wakes it). Without this hook a full
     * `pending` makes chardev_handle_input drop what it reads, so the
     * loop never spins on an fd it cannot drain.
     */
    void (*input_changed)(void *opaque);
    void *input_changed_opaque;
    bool input_ended;            /* stdin hit EOF or an error */
} Chardev;

/*
 * Opens a backend from a -serial style spec: "stdio", "file:PATH"
 * (created or truncated, output only), "null" or "none" (discard).
 * Returns 0 or -1 with err set. A zero-filled Chardev is a null backend.
 */
int chardev_open(Chardev *c, const char *spec, Error *err);
/*
 * Restores the terminal (if stdio put it in raw mode) and closes the
 * backend; safe to call twice. The machine calls it on every exit path,
 * fatal ones included: it only uses tcsetattr() and close(), which are
 * async-signal-safe.
 */
void chardev_close(Chardev *c);
void chardev_set_receiver(Chardev *c, size_t (*can_receive)(void *),
                          void (*receive)(void *, const uint8_t *, size_t),
                          void *opaque);
/* Writes all of buf (blocking); output errors are ignored. */
void chardev_write(Chardev *c, const uint8_t *buf, size_t len);
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

#endif
