/*
 * Consoles: one per display device. A console owns a surface (a pixman
 * image of 0x00RRGGBB pixels) that its device fills when asked
 * (console_update). Front ends (a window, a screendump, later the
 * monitor's `screendump` command) read the surface.
 *
 * Locking: console_update and console_screendump are called with the
 * machine lock held (as every main-loop callback and monitor command
 * is); console_screendump drops it around the file write, so no host I/O
 * runs under it.
 */
#ifndef KITE_CONSOLE_H
#define KITE_CONSOLE_H

#include <pixman.h>

#include "system/util.h"

typedef struct Machine Machine;
typedef struct Console Console;

#define CONSOLE_MAX_WIDTH   4096
#define CONSOLE_MAX_HEIGHT  4096
#define CONSOLE_MAX         4     /* consoles per machine */

/* Brings the surface up to date (size and pixels), lock held. */
typedef void (*ConsoleUpdateFn)(void *opaque, Console *con);
/*
 * The display's periodic refresh, called WITHOUT the machine lock (the
 * device takes it briefly itself): resizes and redraws what changed,
 * setting [*y0, *y1) to the lines redrawn (empty: nothing changed).
 * blink is the host's cursor/blink phase (0 or 1).
 */
typedef void (*ConsoleRefreshFn)(void *opaque, Console *con, int blink,
                                 int *y0, int *y1);

/* m may be NULL (unit tests); the console is then not listed anywhere. */
Console *console_register(Machine *m, const char *name, ConsoleUpdateFn fn,
                          void *opaque);
void console_unregister(Machine *m, Console *con);
/* The machine's console number index (0 first), or NULL. */
Console *console_get(Machine *m, int index);
const char *console_name(const Console *con);

/* Device side: sets the surface size (clamped; 0x0 is "no picture"). */
void console_resize(Console *con, int width, int height);
int console_width(const Console *con);
int console_height(const Console *con);
int console_stride(const Console *con);      /* in pixels */
uint32_t *console_data(Console *con);
pixman_image_t *console_image(Console *con); /* NULL while 0x0 */

/* Asks the device for the current picture. */
void console_update(Console *con);

void console_set_refresh(Console *con, ConsoleRefreshFn fn);
/*
 * The refresh (lock NOT held): sets *resized when the size changed
 * (then the whole surface is new) and returns the band of changed lines
 * [*y0, *y1); false when nothing changed. Without a refresh function the
 * device's update runs under the lock and the whole surface is new.
 */
bool console_refresh(Console *con, int blink, bool *resized, int *y0,
                     int *y1);

/*
 * Writes the current picture to path as "png" or "ppm" (NULL: ppm, as
 * QEMU's screendump). The file is written whole or not at all (a
 * temporary file renamed into place). Returns 0, or -1 with err set
 * (unknown format, no picture, a host I/O error).
 */
int console_screendump(Console *con, const char *path, const char *format,
                       Error *err);

/*
 * -display none,screendump=FILE: on SIGUSR2 the main loop writes console
 * 0 to path (PNG if it ends in ".png", else PPM), lock held; a failure
 * is reported on stderr and the machine runs on. Until the monitor's
 * `screendump` command, this is how scripts and tests take a picture.
 */
void console_dump_on_signal(Machine *m, const char *path);

/* FNV-1a over the rows of the surface (tests compare pictures by it). */
uint64_t console_checksum(Console *con);

#endif
