/*
 * xclose WINDOW-ID: asks an X window to close the way a window manager's
 * close button does (a WM_DELETE_WINDOW client message), for the test
 * that closing Kite's window quits Kite. Exit status 0 when sent.
 */
#include <X11/Xlib.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    Display *dpy = XOpenDisplay(NULL);
    XEvent ev = { 0 };

    if (argc != 2 || !dpy) {
        fprintf(stderr, "usage: xclose WINDOW-ID (with $DISPLAY set)\n");
        return 2;
    }
    ev.xclient.type = ClientMessage;
    ev.xclient.window = (Window)strtoul(argv[1], NULL, 0);
    ev.xclient.message_type = XInternAtom(dpy, "WM_PROTOCOLS", False);
    ev.xclient.format = 32;
    ev.xclient.data.l[0] = (long)XInternAtom(dpy, "WM_DELETE_WINDOW", False);
    ev.xclient.data.l[1] = CurrentTime;
    XSendEvent(dpy, ev.xclient.window, False, NoEventMask, &ev);
    XSync(dpy, False);
    XCloseDisplay(dpy);
    return 0;
}
