/*
 * The display loop (see ui/display.h).
 */
#include "ui/display.h"

#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "hw/pc/pc.h"
#include "ui/console.h"

void display_add_frontend(Display *d, const DisplayFrontend *fe)
{
    if (d->nfe < DISPLAY_MAX_FE) {
        d->fe[d->nfe++] = *fe;
    }
}

/* Which window: "sdl", or NULL for none; *dflt when not asked for. */
static const char *display_window(const MachineConfig *cfg, bool *dflt)
{
    *dflt = false;
    if (cfg->display) {
        return strcmp(cfg->display, "none") ? cfg->display : NULL;
    }
    if (cfg->nographic || cfg->vnc) {
        return NULL;                 /* as QEMU: -vnc means no window */
    }
#ifdef CONFIG_SDL
    if ((getenv("DISPLAY") && *getenv("DISPLAY")) ||
        (getenv("WAYLAND_DISPLAY") && *getenv("WAYLAND_DISPLAY"))) {
        *dflt = true;
        return "sdl";
    }
#endif
    return NULL;
}

static int display_open_window(Display *d, const char *kind, bool dflt,
                               Error *err)
{
#ifdef CONFIG_SDL
    Error e2 = { "" };

    if (!strcmp(kind, "sdl")) {
        if (sdl_display_init(d, d->m->cfg.full_screen, dflt ? &e2 : err) < 0) {
            return dflt ? 0 : -1;    /* the default falls back to none */
        }
        return 0;
    }
#endif
    (void)dflt;
    return error_setg(err, "display '%s' is not available in this build",
                      kind);
}

static int display_open_vnc(Display *d, const char *spec, Error *err)
{
#ifdef CONFIG_VNC
    return vnc_display_init(d, spec, err);
#else
    return error_setg(err, "-vnc: this build has no VNC server (configure "
                      "found no libvncserver)");
#endif
}

int display_init(Machine *m, Error *err)
{
    Display *d = xzalloc(sizeof(*d));
    bool dflt;
    const char *kind = display_window(&m->cfg, &dflt);

    d->m = m;
    d->con = console_get(m, 0);
    m->display = d;
    if ((kind && display_open_window(d, kind, dflt, err) < 0) ||
        (m->cfg.vnc && strcmp(m->cfg.vnc, "none") &&
         display_open_vnc(d, m->cfg.vnc, err) < 0)) {
        display_destroy(m);
        return -1;
    }
    if (d->nfe == 0) {
        display_destroy(m);          /* nothing to show: no refresh */
        return 0;
    }
    m->loop.idle = display_refresh;
    m->loop.idle_opaque = d;
    m->loop.idle_at = host_clock_ns();
    return 0;
}

void display_destroy(Machine *m)
{
    Display *d = m->display;

    if (!d) {
        return;
    }
    for (int i = 0; i < d->nfe; i++) {
        d->fe[i].destroy(d->fe[i].opaque);
    }
    if (m->loop.idle_opaque == d) {
        m->loop.idle = NULL;
        m->loop.idle_opaque = NULL;
    }
    m->display = NULL;
    free(d);
}

void display_refresh(void *opaque)
{
    Display *d = opaque;
    int64_t now = host_clock_ns();
    int blink = (int)((now / (DISPLAY_BLINK_MS * 1000000LL)) & 1);
    bool resized = !d->started;
    int y0 = 0, y1 = 0;

    d->m->loop.idle_at = now + DISPLAY_REFRESH_MS * 1000000LL;
    if (d->con && console_refresh(d->con, blink, &resized, &y0, &y1)) {
        d->frames++;
    }
    if (!d->started) {
        resized = true;
        d->started = true;
    }
    for (int i = 0; i < d->nfe; i++) {
        if (resized) {
            d->fe[i].resize(d->fe[i].opaque, d->con);
        } else if (y1 > y0) {
            d->fe[i].update(d->fe[i].opaque, d->con, y0, y1);
        }
        d->fe[i].tick(d->fe[i].opaque);
    }
}
