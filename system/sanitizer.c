/*
 * Linked into the kite binary of sanitizer builds only (configure
 * --enable-sanitizers). LeakSanitizer checks the whole process at exit,
 * libraries included, and the window system's libraries keep a few
 * allocations for the life of the process: libdbus (through SDL's
 * screensaver inhibition) and Mesa's drivers (SDL's renderer). Those are
 * not Kite's leaks and are suppressed here by library, so a sanitizer run
 * of the display tests reports only Kite's own.
 *
 * Mesa's drivers are loaded with dlopen and closed again at SDL_Quit; a
 * report of memory allocated in a library that is no longer mapped shows
 * "<unknown module>" and no suppression can name it. This dlclose keeps
 * every library mapped (it is what the dynamic linker would do for an
 * RTLD_NODELETE library): the process is exiting when SDL closes them.
 */
#include <stddef.h>

int dlclose(void *handle);

int dlclose(void *handle)
{
    (void)handle;
    return 0;
}

const char *__lsan_default_suppressions(void);

const char *__lsan_default_suppressions(void)
{
    return "leak:libdbus-1.so\n"
           "leak:/dri/\n"
           "leak:libGLX\n"
           "leak:libGL.so\n"
           "leak:libEGL\n"
           "leak:libX11.so\n";
}

const char *__lsan_default_options(void);

const char *__lsan_default_options(void)
{
    return "print_suppressions=0";
}
