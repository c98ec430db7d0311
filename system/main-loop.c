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

int main_loop_add_source(MainLoop *ml, MainLoopSource src)
{
    if (ml->nsources == (int)ARRAY_SIZE(ml->sources)) {
        return -1;
    }
    ml->sources[ml->nsources++] = src;
    return 0;
}

void main_loop_remove_source(MainLoop *ml, void *opaque)
{
    for (int i = 0; i < ml->nsources; i++) {
        if (ml->sources[i].opaque == opaque) {
            ml->sources[i] = ml->sources[--ml->nsources];
            return;
        }
    }
}

/* Per iteration: which pollfd entries each source filled. */
typedef struct SourcePoll {
    MainLoopSource src;
    int first, n;
} SourcePoll;

/* Lock held: the sources add their descriptors after the fixed ones. */
static int main_loop_fill_sources(MainLoop *ml, SourcePoll *sp,
                                  struct pollfd *pfd, int used, int max,
                                  int *timeout)
{
    for (int i = 0; i < ml->nsources; i++) {
        sp[i].src = ml->sources[i];
        sp[i].first = used;
        sp[i].n = sp[i].src.fill(sp[i].src.opaque, pfd + used, max - used,
                                 timeout);
        used += sp[i].n;
    }
    return used;
}

void main_loop_wait(Machine *m, int max_wait_ms)
{
    MainLoop *ml = &m->loop;
    enum { FIXED = ARRAY_SIZE(ml->fds) + 1 };
    enum { MAXFD = FIXED + ARRAY_SIZE(ml->sources) * MAIN_LOOP_SOURCE_FDS };
    struct pollfd pfd[MAXFD];
    MainLoopFd fds[ARRAY_SIZE(ml->fds)];
    SourcePoll sp[ARRAY_SIZE(ml->sources)];
    int n, nsrc, total, timeout = max_wait_ms;
    bool failed;
    int64_t deadline;

    machine_lock(m);
    deadline = timerlist_deadline(&m->timers);
    n = ml->nfds;
    memcpy(fds, ml->fds, sizeof(fds[0]) * n);
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
    nsrc = ml->nsources;
    total = main_loop_fill_sources(ml, sp, pfd, n + 1, MAXFD, &timeout);
    pthread_mutex_unlock(&m->lock);

    for (int i = 0; i < n; i++) {
        pfd[i] = (struct pollfd){ .fd = fds[i].fd, .events = fds[i].events };
    }
    pfd[n] = (struct pollfd){ .fd = ml->wake_fd, .events = POLLIN };

    failed = poll(pfd, total, timeout) < 0;
    if (failed && errno != EINTR) {
        return;
    }
    if (!failed && (pfd[n].revents & POLLIN)) {
        uint64_t v;
        ssize_t r = read(ml->wake_fd, &v, sizeof(v));
        (void)r;
    }
    machine_lock(m);
    for (int i = 0; i < n && !failed; i++) {
        if (pfd[i].revents & (fds[i].events | POLLHUP | POLLERR | POLLNVAL)) {
            fds[i].cb(fds[i].opaque);
        }
    }
    for (int i = 0; i < nsrc; i++) {
        sp[i].src.dispatch(sp[i].src.opaque, pfd + sp[i].first,
                           failed ? 0 : sp[i].n);
    }
    timerlist_run(&m->timers);
    pthread_mutex_unlock(&m->lock);
    if (ml->idle && host_clock_ns() >= ml->idle_at) {
        ml->idle(ml->idle_opaque);
    }
}
