/*
 * The main loop: one thread that polls host file descriptors (serial
 * input, later the monitor and network) and runs expired timers, holding
 * the machine lock while it calls into devices. vCPU threads run guest
 * code and take the same lock for device accesses.
 */
#ifndef KITE_MAIN_LOOP_H
#define KITE_MAIN_LOOP_H

#include <stdbool.h>
#include <stdint.h>

struct pollfd;

typedef struct Machine Machine;

typedef struct MainLoopFd {
    int fd;
    short events;                /* POLLIN or POLLOUT */
    void (*cb)(void *opaque);
    void *opaque;
} MainLoopFd;

/*
 * A source with a changing set of descriptors (the user-mode network
 * stack): before each poll() `fill` adds up to max entries to pfd and may
 * lower *timeout_ms; after it `dispatch` sees the same entries with their
 * revents (n of them; n is 0 when poll() failed). Both run with the
 * machine lock held, in the main loop's thread.
 */
#define MAIN_LOOP_SOURCE_FDS 256
typedef struct MainLoopSource {
    int (*fill)(void *opaque, struct pollfd *pfd, int max, int *timeout_ms);
    void (*dispatch)(void *opaque, struct pollfd *pfd, int n);
    void *opaque;
} MainLoopSource;

typedef struct MainLoop {
    MainLoopFd fds[32];
    int nfds;
    int wake_fd;                 /* eventfd: wakes poll() */
    /* a periodic job run WITHOUT the lock once host_clock_ns() reaches
     * idle_at (the display refresh, ui/display.h); it sets the next */
    void (*idle)(void *opaque);
    void *idle_opaque;
    int64_t idle_at;
    MainLoopSource sources[4];
    int nsources;
} MainLoop;

int main_loop_init(MainLoop *ml);
void main_loop_destroy(MainLoop *ml);
/* Watches fd for input; cb runs with the machine lock held. */
int main_loop_add_fd(MainLoop *ml, int fd, void (*cb)(void *), void *opaque);
void main_loop_remove_fd(MainLoop *ml, int fd);
/*
 * Watches fd for room to write (POLLOUT; errors and hang-ups also call
 * cb). Watching an fd already watched for output does nothing. Character
 * backends use it to flush what they buffered without blocking a vCPU.
 */
int main_loop_watch_out(MainLoop *ml, int fd, void (*cb)(void *), void *opaque);
void main_loop_unwatch_out(MainLoop *ml, int fd);
/* Adds a source (lock held, or before the loop runs); -1 when full. */
int main_loop_add_source(MainLoop *ml, MainLoopSource src);
void main_loop_remove_source(MainLoop *ml, void *opaque);
/* Wakes the loop from another thread (a new timer deadline, a request). */
void main_loop_wake(MainLoop *ml);
/*
 * Runs one iteration: waits for input, a timer or a wake-up (at most
 * max_wait_ms), then dispatches. Called with the machine lock NOT held.
 */
void main_loop_wait(Machine *m, int max_wait_ms);

#endif
