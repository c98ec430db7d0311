/*
 * The SDL2 window (-display sdl): shows console 0 scaled to the window
 * (aspect kept), sends keys and the mouse to the guest.
 *
 * Keys are taken as SDL scancodes (the key's position, USB HID usage)
 * and mapped to PS/2 through Linux key codes, so the guest's own layout
 * applies, as on QEMU. Ctrl-Alt-G grabs or releases the mouse, Ctrl-Alt-F
 * toggles full screen; those keys do not reach the guest. With a virtio
 * tablet the pointer is absolute and needs no grab; otherwise a click
 * grabs it and motion goes relative through the PS/2 mouse. Closing the
 * window quits, as QEMU's SDL window does.
 *
 * Runs on the main thread from the display loop, without the machine
 * lock except for the short input hand-overs; a vCPU never waits for it.
 */
#include "ui/display.h"

#include <SDL.h>
#include <stdio.h>
#include <stdlib.h>

#include "hw/pc/pc.h"
#include "ui/console.h"
#include "ui/input.h"

#define SDL_BLANK_W  640
#define SDL_BLANK_H  480

typedef struct SDLDisplay {
    Display *d;
    SDL_Window *win;
    SDL_Renderer *ren;
    SDL_Texture *tex;
    int w, h;                    /* texture size */
    bool dirty;                  /* texture changed since the last present */
    bool grabbed, full_screen, paused_title;
    SDL_Scancode hotkey;         /* a hotkey held: its release is ours too */
    unsigned buttons;
} SDLDisplay;

static void sdl_set_title(SDLDisplay *s)
{
    Machine *m = s->d->m;
    char title[256];

    snprintf(title, sizeof(title), "Kite%s%s%s%s%s",
             m->cfg.name ? " (" : "", m->cfg.name ? m->cfg.name : "",
             m->cfg.name ? ")" : "", s->paused_title ? " [Paused]" : "",
             s->grabbed ? " - Press Ctrl-Alt-G to exit grab" : "");
    SDL_SetWindowTitle(s->win, title);
}

/*
 * A new size for the window, moved first when it would not fit where it
 * is (X11 without a window manager clips a window to the screen).
 */
static void sdl_window_size(SDLDisplay *s, int w, int h)
{
    SDL_Rect b;
    int x, y;

    SDL_GetWindowPosition(s->win, &x, &y);
    if (SDL_GetDisplayBounds(MAX(SDL_GetWindowDisplayIndex(s->win), 0),
                             &b) == 0 &&
        (x + w > b.x + b.w || y + h > b.y + b.h)) {
        SDL_SetWindowPosition(s->win, b.x + MAX(0, (b.w - w) / 2),
                              b.y + MAX(0, (b.h - h) / 2));
    }
    SDL_SetWindowSize(s->win, w, h);
}

static void sdl_resize(void *opaque, Console *con)
{
    SDLDisplay *s = opaque;
    int w = con && console_width(con) ? console_width(con) : SDL_BLANK_W;
    int h = con && console_height(con) ? console_height(con) : SDL_BLANK_H;

    if (s->tex && (w != s->w || h != s->h)) {
        SDL_DestroyTexture(s->tex);
        s->tex = NULL;
    }
    if (!s->tex) {
        s->tex = SDL_CreateTexture(s->ren, SDL_PIXELFORMAT_ARGB8888,
                                   SDL_TEXTUREACCESS_STREAMING, w, h);
        if (!s->full_screen && (w != s->w || h != s->h)) {
            sdl_window_size(s, w, h);
        }
        s->w = w;
        s->h = h;
        SDL_RenderSetLogicalSize(s->ren, w, h);
    }
    if (con && console_width(con)) {
        SDL_UpdateTexture(s->tex, NULL, console_data(con),
                          console_stride(con) * 4);
    } else {
        void *px;
        int pitch;
        if (SDL_LockTexture(s->tex, NULL, &px, &pitch) == 0) {
            memset(px, 0, (size_t)pitch * h);
            SDL_UnlockTexture(s->tex);
        }
    }
    s->dirty = true;
}

static void sdl_update(void *opaque, Console *con, int y0, int y1)
{
    SDLDisplay *s = opaque;
    SDL_Rect r = { 0, y0, s->w, y1 - y0 };

    if (!s->tex || console_width(con) != s->w || console_height(con) != s->h) {
        sdl_resize(s, con);
        return;
    }
    SDL_UpdateTexture(s->tex, &r, console_data(con) + y0 * console_stride(con),
                      console_stride(con) * 4);
    s->dirty = true;
}

static void sdl_grab(SDLDisplay *s, bool on)
{
    s->grabbed = on;
    SDL_SetRelativeMouseMode(on ? SDL_TRUE : SDL_FALSE);
    SDL_SetWindowGrab(s->win, on ? SDL_TRUE : SDL_FALSE);
    sdl_set_title(s);
}

static void sdl_toggle_full_screen(SDLDisplay *s)
{
    s->full_screen = !s->full_screen;
    SDL_SetWindowFullscreen(s->win, s->full_screen ?
                            SDL_WINDOW_FULLSCREEN_DESKTOP : 0);
    s->dirty = true;
}

/* Ctrl-Alt-G and Ctrl-Alt-F; true when the key was one of them. */
static bool sdl_hotkey(SDLDisplay *s, const SDL_KeyboardEvent *k)
{
    SDL_Keymod mod = k->keysym.mod;  /* when the key went down */

    if (k->type == SDL_KEYUP && s->hotkey &&
        k->keysym.scancode == s->hotkey) {
        s->hotkey = 0;
        return true;
    }
    if (k->type != SDL_KEYDOWN || (mod & KMOD_CTRL) == 0 ||
        (mod & KMOD_ALT) == 0) {
        return false;
    }
    if (k->keysym.scancode == SDL_SCANCODE_G ||
        k->keysym.scancode == SDL_SCANCODE_F) {
        s->hotkey = k->keysym.scancode;
    }
    if (k->keysym.scancode == SDL_SCANCODE_G) {
        if (!k->repeat) {
            sdl_grab(s, !s->grabbed);
        }
        return true;
    }
    if (k->keysym.scancode == SDL_SCANCODE_F) {
        if (!k->repeat) {
            sdl_toggle_full_screen(s);
        }
        return true;
    }
    return false;
}

static void sdl_key(SDLDisplay *s, const SDL_KeyboardEvent *k)
{
    unsigned key = keymap_from_usb(k->keysym.scancode);
    Machine *m = s->d->m;

    if (sdl_hotkey(s, k) || !key) {
        return;
    }
    machine_lock(m);
    input_key(m, key, k->type == SDL_KEYDOWN);
    pthread_mutex_unlock(&m->lock);
}

static unsigned sdl_button_bit(uint8_t b)
{
    return b == SDL_BUTTON_LEFT ? INPUT_BUTTON_LEFT :
           b == SDL_BUTTON_RIGHT ? INPUT_BUTTON_RIGHT :
           b == SDL_BUTTON_MIDDLE ? INPUT_BUTTON_MIDDLE : 0;
}

/* Sends the pointer: absolute to a tablet, else relative when grabbed. */
static void sdl_pointer(SDLDisplay *s, int x, int y, int dx, int dy, int dz)
{
    Machine *m = s->d->m;

    machine_lock(m);
    if (input_has_abs(m)) {
        x = MAX(0, MIN(x, s->w - 1));
        y = MAX(0, MIN(y, s->h - 1));
        input_mouse_abs(m, (int)((int64_t)x * INPUT_ABS_MAX / MAX(s->w - 1, 1)),
                        (int)((int64_t)y * INPUT_ABS_MAX / MAX(s->h - 1, 1)),
                        dz, s->buttons);
    } else if (s->grabbed) {
        input_mouse_rel(m, dx, dy, dz, s->buttons);
    }
    pthread_mutex_unlock(&m->lock);
}

static void sdl_mouse_button(SDLDisplay *s, const SDL_MouseButtonEvent *b)
{
    bool abs;
    Machine *m = s->d->m;

    machine_lock(m);
    abs = input_has_abs(m);
    pthread_mutex_unlock(&m->lock);
    if (!abs && !s->grabbed) {
        if (b->type == SDL_MOUSEBUTTONUP && b->button == SDL_BUTTON_LEFT) {
            sdl_grab(s, true);       /* a click grabs, as in QEMU */
        }
        return;
    }
    if (b->type == SDL_MOUSEBUTTONDOWN) {
        s->buttons |= sdl_button_bit(b->button);
    } else {
        s->buttons &= ~sdl_button_bit(b->button);
    }
    sdl_pointer(s, b->x, b->y, 0, 0, 0);
}

static void sdl_event(SDLDisplay *s, const SDL_Event *ev)
{
    switch (ev->type) {
    case SDL_QUIT:
        s->d->m->user_quit = true;
        machine_request_exit(s->d->m, 0);
        break;
    case SDL_KEYDOWN:
    case SDL_KEYUP:
        sdl_key(s, &ev->key);
        break;
    case SDL_MOUSEMOTION:
        sdl_pointer(s, ev->motion.x, ev->motion.y, ev->motion.xrel,
                    ev->motion.yrel, 0);
        break;
    case SDL_MOUSEBUTTONDOWN:
    case SDL_MOUSEBUTTONUP:
        sdl_mouse_button(s, &ev->button);
        break;
    case SDL_MOUSEWHEEL: {
        int x, y;
        SDL_GetMouseState(&x, &y);
        sdl_pointer(s, x, y, 0, 0, ev->wheel.y > 0 ? -1 :
                    ev->wheel.y < 0 ? 1 : 0);
        break;
    }
    case SDL_WINDOWEVENT:
        if (ev->window.event == SDL_WINDOWEVENT_FOCUS_LOST && s->grabbed) {
            sdl_grab(s, false);
        }
        s->dirty = true;
        break;
    }
}

static void sdl_tick(void *opaque)
{
    SDLDisplay *s = opaque;
    SDL_Event ev;
    bool paused = s->d->m->vm_stopped;

    while (SDL_PollEvent(&ev)) {
        sdl_event(s, &ev);
    }
    if (paused != s->paused_title) {
        s->paused_title = paused;
        sdl_set_title(s);
    }
    if (s->dirty && s->tex) {
        SDL_SetRenderDrawColor(s->ren, 0, 0, 0, 255);
        SDL_RenderClear(s->ren);
        SDL_RenderCopy(s->ren, s->tex, NULL, NULL);
        SDL_RenderPresent(s->ren);
        s->dirty = false;
    }
}

static void sdl_destroy(void *opaque)
{
    SDLDisplay *s = opaque;

    if (s->tex) {
        SDL_DestroyTexture(s->tex);
    }
    if (s->ren) {
        SDL_DestroyRenderer(s->ren);
    }
    if (s->win) {
        SDL_DestroyWindow(s->win);
    }
    SDL_QuitSubSystem(SDL_INIT_VIDEO);
    free(s);
}

int sdl_display_init(Display *d, bool full_screen, Error *err)
{
    SDLDisplay *s;
    DisplayFrontend fe = {
        .name = "sdl", .resize = sdl_resize, .update = sdl_update,
        .tick = sdl_tick, .destroy = sdl_destroy,
    };

    /* Kite's signalfd handles the signals; SDL must not take them. */
    SDL_SetHint(SDL_HINT_NO_SIGNAL_HANDLERS, "1");
    SDL_SetHint(SDL_HINT_VIDEO_X11_NET_WM_BYPASS_COMPOSITOR, "0");
    if (SDL_InitSubSystem(SDL_INIT_VIDEO) < 0) {
        return error_setg(err, "cannot open the SDL window: %s",
                          SDL_GetError());
    }
    s = xzalloc(sizeof(*s));
    s->d = d;
    s->full_screen = full_screen;
    s->win = SDL_CreateWindow("Kite", SDL_WINDOWPOS_UNDEFINED,
                              SDL_WINDOWPOS_UNDEFINED, SDL_BLANK_W,
                              SDL_BLANK_H, SDL_WINDOW_RESIZABLE |
                              (full_screen ? SDL_WINDOW_FULLSCREEN_DESKTOP
                                           : 0));
    s->ren = s->win ? SDL_CreateRenderer(s->win, -1, 0) : NULL;
    if (!s->ren) {
        error_setg(err, "cannot open the SDL window: %s", SDL_GetError());
        sdl_destroy(s);
        return -1;
    }
    s->w = SDL_BLANK_W;
    s->h = SDL_BLANK_H;
    sdl_set_title(s);
    fe.opaque = s;
    display_add_frontend(d, &fe);
    return 0;
}
