/*
 * The display loop: front ends (the SDL window, the VNC server) show
 * console 0 and feed input back. The main loop calls display_refresh
 * every refresh interval (30 ms) WITHOUT the machine lock, on the main
 * thread (SDL needs that on some hosts): the console redraws what changed
 * from its snapshot, each front end gets the changed band, then polls
 * its events, taking the lock only to hand input to the devices. The
 * interval runs on the host clock: the guest's clock stops with the
 * machine, the window must not.
 */
#ifndef KITE_UI_DISPLAY_H
#define KITE_UI_DISPLAY_H

#include <stdbool.h>
#include <stdint.h>

#include "system/util.h"

typedef struct Machine Machine;
typedef struct Console Console;
typedef struct Display Display;

#define DISPLAY_REFRESH_MS   30
#define DISPLAY_BLINK_MS     267      /* 16 frames of a 60 Hz VGA */
#define DISPLAY_MAX_FE       2

typedef struct DisplayFrontend {
    const char *name;
    /* The surface has a new size (con NULL: no display device). */
    void (*resize)(void *opaque, Console *con);
    /* Lines [y0, y1) of the surface changed. */
    void (*update)(void *opaque, Console *con, int y0, int y1);
    /* Once per refresh, after the updates: events, presenting. */
    void (*tick)(void *opaque);
    void (*destroy)(void *opaque);
    void *opaque;
} DisplayFrontend;

struct Display {
    Machine *m;
    Console *con;                /* console 0, or NULL */
    DisplayFrontend fe[DISPLAY_MAX_FE];
    int nfe;
    bool started;
    uint64_t frames;             /* refreshes that redrew something */
};

/*
 * Sets up the front ends m->cfg asks for (-display, -vnc) after the
 * devices exist; the default with a $DISPLAY or $WAYLAND_DISPLAY is the
 * SDL window (silently none when it cannot open). 0, or -1 with err.
 */
int display_init(Machine *m, Error *err);
void display_destroy(Machine *m);
/* The main loop's periodic call (lock not held). */
void display_refresh(void *opaque);
/* A front end registers itself (from its init). */
void display_add_frontend(Display *d, const DisplayFrontend *fe);

/* Front ends (ui/sdl.c, ui/vnc.c). */
int sdl_display_init(Display *d, bool full_screen, Error *err);
int vnc_display_init(Display *d, const char *spec, Error *err);

#endif
