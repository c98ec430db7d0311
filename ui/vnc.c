/*
 * The VNC server (-vnc) through libvncserver: console 0 as the remote
 * framebuffer, with the lines the display loop reports as changed marked
 * modified (so clients get only those), a desktop-size change when the
 * guest changes mode, and the client's keys and pointer sent to the
 * guest. Keys arrive as keysyms already resolved by the client's layout
 * and go through a US table; the pointer is absolute through a virtio
 * tablet when there is one, else relative through the PS/2 mouse.
 *
 * -vnc :N listens on TCP port 5900+N on every interface, -vnc HOST:N on
 * HOST only, -vnc unix:PATH on a Unix socket (accepted here and handed
 * to the library). Everything runs in the display loop on the main
 * thread, without the machine lock except around input.
 */
#include "ui/display.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <rfb/rfb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "hw/pc/pc.h"
#include "ui/console.h"
#include "ui/input.h"

#define VNC_BLANK_W   640
#define VNC_BLANK_H   480
#define VNC_BASE_PORT 5900

typedef struct VNCDisplay {
    Display *d;
    rfbScreenInfoPtr scr;
    uint32_t *fb;
    int w, h;
    int unix_fd;                 /* -vnc unix:PATH listener, else -1 */
    char *unix_path;
    char name[128];
    int last_x, last_y;          /* relative pointer: the last position */
    bool have_last;
} VNCDisplay;

static void vnc_set_format(rfbScreenInfoPtr scr)
{
    /* the console's pixels are 0x00RRGGBB words */
    scr->serverFormat.redShift = 16;
    scr->serverFormat.greenShift = 8;
    scr->serverFormat.blueShift = 0;
}

static void vnc_copy_lines(VNCDisplay *s, Console *con, int y0, int y1)
{
    for (int y = y0; y < y1; y++) {
        memcpy(s->fb + (size_t)y * s->w,
               console_data(con) + (size_t)y * console_stride(con),
               (size_t)s->w * 4);
    }
}

static void vnc_resize(void *opaque, Console *con)
{
    VNCDisplay *s = opaque;
    bool shown = con && console_width(con);
    int w = shown ? console_width(con) : VNC_BLANK_W;
    int h = shown ? console_height(con) : VNC_BLANK_H;
    uint32_t *old = s->fb;

    s->fb = xzalloc((size_t)w * h * 4);
    s->w = w;
    s->h = h;
    if (shown) {
        vnc_copy_lines(s, con, 0, h);
    }
    rfbNewFramebuffer(s->scr, (char *)s->fb, w, h, 8, 3, 4);
    vnc_set_format(s->scr);
    free(old);
    rfbMarkRectAsModified(s->scr, 0, 0, w, h);
}

static void vnc_update(void *opaque, Console *con, int y0, int y1)
{
    VNCDisplay *s = opaque;

    if (console_width(con) != s->w || console_height(con) != s->h) {
        vnc_resize(s, con);
        return;
    }
    vnc_copy_lines(s, con, y0, y1);
    rfbMarkRectAsModified(s->scr, 0, y0, s->w, y1);
}

static void vnc_key(rfbBool down, rfbKeySym sym, rfbClientPtr cl)
{
    VNCDisplay *s = cl->screen->screenData;
    unsigned key = keymap_from_keysym(sym);
    Machine *m = s->d->m;

    if (key) {
        machine_lock(m);
        input_key(m, key, down);
        pthread_mutex_unlock(&m->lock);
    }
}

static void vnc_pointer(int mask, int x, int y, rfbClientPtr cl)
{
    VNCDisplay *s = cl->screen->screenData;
    Machine *m = s->d->m;
    /* RFB: 1 left, 2 middle, 4 right, 8 wheel up, 16 wheel down */
    unsigned buttons = (mask & 1 ? INPUT_BUTTON_LEFT : 0) |
                       (mask & 2 ? INPUT_BUTTON_MIDDLE : 0) |
                       (mask & 4 ? INPUT_BUTTON_RIGHT : 0);
    int dz = (mask & 8) ? -1 : (mask & 16) ? 1 : 0;

    x = MAX(0, MIN(x, s->w - 1));
    y = MAX(0, MIN(y, s->h - 1));
    machine_lock(m);
    if (input_has_abs(m)) {
        input_mouse_abs(m, (int)((int64_t)x * INPUT_ABS_MAX / MAX(s->w - 1, 1)),
                        (int)((int64_t)y * INPUT_ABS_MAX / MAX(s->h - 1, 1)),
                        dz, buttons);
    } else {
        input_mouse_rel(m, s->have_last ? x - s->last_x : 0,
                        s->have_last ? y - s->last_y : 0, dz, buttons);
    }
    s->last_x = x;
    s->last_y = y;
    s->have_last = true;
    pthread_mutex_unlock(&m->lock);
}

static enum rfbNewClientAction vnc_new_client(rfbClientPtr cl)
{
    VNCDisplay *s = cl->screen->screenData;

    s->have_last = false;
    return RFB_CLIENT_ACCEPT;
}

static void vnc_accept_unix(VNCDisplay *s)
{
    int fd;

    while ((fd = accept4(s->unix_fd, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
        rfbNewClient(s->scr, fd);
    }
}

static void vnc_tick(void *opaque)
{
    VNCDisplay *s = opaque;

    if (s->unix_fd >= 0) {
        vnc_accept_unix(s);
    }
    /* new clients, their messages and the pending updates (bounded) */
    for (int i = 0; i < 8 && rfbProcessEvents(s->scr, 0); i++) {
    }
}

static void vnc_destroy(void *opaque)
{
    VNCDisplay *s = opaque;

    if (s->scr) {
        rfbShutdownServer(s->scr, TRUE);
        rfbScreenCleanup(s->scr);
    }
    if (s->unix_fd >= 0) {
        close(s->unix_fd);
        unlink(s->unix_path);
    }
    free(s->unix_path);
    free(s->fb);
    free(s);
}

static int vnc_listen_unix(VNCDisplay *s, const char *path, Error *err)
{
    struct sockaddr_un a = { .sun_family = AF_UNIX };

    if (strlen(path) >= sizeof(a.sun_path)) {
        return error_setg(err, "-vnc unix:%s: path too long", path);
    }
    strcpy(a.sun_path, path);
    s->unix_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
                        0);
    unlink(path);
    if (s->unix_fd < 0 || bind(s->unix_fd, (struct sockaddr *)&a,
                               sizeof(a)) < 0 ||
        listen(s->unix_fd, 4) < 0) {
        return error_setg(err, "-vnc unix:%s: %s", path, strerror(errno));
    }
    s->unix_path = xstrdup(path);
    return 0;
}

/* ":N", "HOST:N", "unix:PATH": sets the listener up before rfbInitServer. */
static int vnc_parse(VNCDisplay *s, const char *spec, Error *err)
{
    const char *colon = strrchr(spec, ':');
    char host[64];
    char *end;
    long n;

    if (!strncmp(spec, "unix:", 5)) {
        s->scr->port = s->scr->ipv6port = 0;
        return vnc_listen_unix(s, spec + 5, err);
    }
    n = colon ? strtol(colon + 1, &end, 10) : -1;
    if (!colon || colon[1] == '\0' || *end || n < 0 ||
        n > 65535 - VNC_BASE_PORT || (size_t)(colon - spec) >= sizeof(host)) {
        return error_setg(err, "-vnc '%s': expected :N, HOST:N, unix:PATH "
                          "or none", spec);
    }
    snprintf(host, sizeof(host), "%.*s", (int)(colon - spec), spec);
    s->scr->port = VNC_BASE_PORT + (int)n;
    s->scr->ipv6port = 0;
    if (*host && inet_pton(AF_INET, !strcmp(host, "localhost") ? "127.0.0.1"
                           : host, &s->scr->listenInterface) != 1) {
        return error_setg(err, "-vnc '%s': '%s' is not an IPv4 address",
                          spec, host);
    }
    return 0;
}

int vnc_display_init(Display *d, const char *spec, Error *err)
{
    VNCDisplay *s = xzalloc(sizeof(*s));
    Machine *m = d->m;
    DisplayFrontend fe = {
        .name = "vnc", .resize = vnc_resize, .update = vnc_update,
        .tick = vnc_tick, .destroy = vnc_destroy, .opaque = s,
    };
    int argc = 0;

    s->d = d;
    s->unix_fd = -1;
    s->w = VNC_BLANK_W;
    s->h = VNC_BLANK_H;
    s->fb = xzalloc((size_t)s->w * s->h * 4);
    rfbLogEnable(0);
    s->scr = rfbGetScreen(&argc, NULL, s->w, s->h, 8, 3, 4);
    if (!s->scr) {
        vnc_destroy(s);
        return error_setg(err, "cannot create the VNC server");
    }
    s->scr->frameBuffer = (char *)s->fb;
    vnc_set_format(s->scr);
    s->scr->screenData = s;
    s->scr->autoPort = FALSE;
    s->scr->alwaysShared = TRUE;
    s->scr->kbdAddEvent = vnc_key;
    s->scr->ptrAddEvent = vnc_pointer;
    s->scr->newClientHook = vnc_new_client;
    s->scr->deferUpdateTime = 0;     /* the display loop already batches */
    s->scr->cursor = NULL;           /* the guest draws its own pointer */
    snprintf(s->name, sizeof(s->name), "Kite%s%s%s", m->cfg.name ? " (" : "",
             m->cfg.name ? m->cfg.name : "", m->cfg.name ? ")" : "");
    s->scr->desktopName = s->name;
    if (vnc_parse(s, spec, err) < 0) {
        vnc_destroy(s);
        return -1;
    }
    rfbInitServer(s->scr);
    if (s->scr->port > 0 && s->scr->listenSock == RFB_INVALID_SOCKET) {
        error_setg(err, "-vnc %s: cannot listen on port %d", spec,
                   s->scr->port);
        vnc_destroy(s);
        return -1;
    }
    display_add_frontend(d, &fe);
    return 0;
}
