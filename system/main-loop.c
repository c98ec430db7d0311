/*
 * The main loop (see main-loop.h): poll() over registered descriptors and
 * an eventfd for wake-ups, with a timeout set by the next timer deadline.
 * It takes the machine lock through machine_lock(), so deferred device
 * work running in bounded steps yields the lock to it between steps.
 */
#include "system/main-loop.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "hw/pc/pc.h"

int main_loop_init(MainLoop *ml)
{
    memset(ml, 0, sizeof(*ml));
    ml->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    return ml->wake_fd < 0 ? -errno : 0;
}

void main_loop_destroy(MainLoop *ml)
{
    if (ml->wake_fd > 0) {
        close(ml->wake_fd);
    }
    ml->wake_fd = -1;
    ml->nfds = 0;
}

static int main_loop_find(const MainLoop *ml, int fd, short events)
{
    for (int i = 0; i < ml->nfds; i++) {
        if (ml->fds[i].fd == fd && ml->fds[i].events == events) {
            return i;
        }
    }
    return -1;
}

static int main_loop_watch(MainLoop *ml, int fd, short events,
                           void (*cb)(void *), void *opaque)
{
    if (ml->nfds == (int)ARRAY_SIZE(ml->fds)) {
        return -1;
    }
    ml->fds[ml->nfds++] = (MainLoopFd){ .fd = fd, .events = events,
                                        .cb = cb, .opaque = opaque };
    return 0;
}

static void main_loop_unwatch(MainLoop *ml, int fd, short events)
{
    int i = main_loop_find(ml, fd, events);

    if (i >= 0) {
        ml->fds[i] = ml->fds[--ml->nfds];
    }
}

int main_loop_add_fd(MainLoop *ml, int fd, void (*cb)(void *), void *opaque)
{
    return main_loop_watch(ml, fd, POLLIN, cb, opaque);
}

void main_loop_remove_fd(MainLoop *ml, int fd)
{
    main_loop_unwatch(ml, fd, POLLIN);
}

int main_loop_watch_out(MainLoop *ml, int fd, void (*cb)(void *), void *opaque)
{
    if (main_loop_find(ml, fd, POLLOUT) >= 0) {
        return 0;
    }
    return main_loop_watch(ml, fd, POLLOUT, cb, opaque);
}

void main_loop_unwatch_out(MainLoop *ml, int fd)
{
    main_loop_unwatch(ml, fd, POLLOUT);
}

void main_loop_wake(MainLoop *ml)
{
    uint64_t one = 1;
    ssize_t r = write(ml->wake_fd, &one, sizeof(one));
    (void)r;
}

void main_loop_wait(Machine *m, int max_wait_ms)
{
    MainLoop *ml = &m->loop;
    struct pollfd pfd[ARRAY_SIZE(ml->fds) + 1];
    MainLoopFd fds[ARRAY_SIZE(ml->fds)];
    int n, timeout = max_wait_ms;
    int64_t deadline;

    machine_lock(m);
    deadline = timerlist_deadline(&m->timers);
    n = ml->nfds;
    memcpy(fds, ml->fds, sizeof(fds[0]) * n);
    pthread_mutex_unlock(&m->lock);

    if (deadline >= 0) {
        int ms = (int)((deadline + 999999) / 1000000);
        if (timeout < 0 || ms < timeout) {
            timeout = ms;
        }
    }
    if (ml->idle) {
        int64_t left = ml->idle_at - host_clock_ns();
        int ms = left <= 0 ? 0 : (int)((left + 999999) / 1000000);
        if (timeout < 0 || ms < timeout) {
            timeout = ms;
        }
    }
    for (int i = 0; i < n; i++) {
        pfd[i] = (struct pollfd){ .fd = fds[i].fd, .events = fds[i].events };
    }
    pfd[n] = (struct pollfd){ .fd = ml->wake_fd, .events = POLLIN };

    if (poll(pfd, n + 1, timeout) < 0 && errno != EINTR) {
        return;
    }
    if (pfd[n].revents & POLLIN) {
        uint64_t v;
        ssize_t r = read(ml->wake_fd, &v, sizeof(v));
        (void)r;
    }
    machine_lock(m);
    for (int i = 0; i < n; i++) {
        if (pfd[i].revents & (fds[i].events | POLLHUP | POLLERR | POLLNVAL)) {
            fds[i].cb(fds[i].opaque);
        }
    }
    timerlist_run(&m->timers);
    pthread_mutex_unlock(&m->lock);
    if (ml->idle && host_clock_ns() >= ml->idle_at) {
        ml->idle(ml->idle_opaque);
    }
}
