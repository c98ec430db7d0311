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
} Chardev;

/* Opens a backend from a -serial style spec. Returns 0 or -1 with err set. */
int chardev_open(Chardev *c, const char *spec, Error *err);
void chardev_close(Chardev *c);
void chardev_set_receiver(Chardev *c, size_t (*can_receive)(void *),
                          void (*receive)(void *, const uint8_t *, size_t),
                          void *opaque);
/* Writes all of buf (blocking); output errors are ignored. */
void chardev_write(Chardev *c, const uint8_t *buf, size_t len);
/* The fd the main loop should poll for input, or -1. */
int chardev_input_fd(const Chardev *c);
/* Reads available input and hands it to the receiver (main loop). */
void chardev_handle_input(Chardev *c);
/* Delivers bytes held back because the receiver was full. */
void chardev_flush_pending(Chardev *c);
/* Feeds bytes as if typed (tests; also used by chardev_handle_input). */
void chardev_feed(Chardev *c, const uint8_t *buf, size_t len);

#endif
