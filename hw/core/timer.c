/* Virtual clock and timer list (see timer.h). */
#include "hw/core/timer.h"

#include <time.h>

int64_t host_clock_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void timerlist_init(TimerList *tl)
{
    tl->head = 0;
    tl->start_ns = host_clock_ns();
    tl->paused_at = 0;
    tl->notify = 0;
    tl->notify_opaque = 0;
    tl->manual = false;
    tl->manual_ns = 0;
}

void timerlist_init_manual(TimerList *tl, int64_t now_ns)
{
    timerlist_init(tl);
    tl->manual = true;
    tl->manual_ns = now_ns;
}

int64_t clock_ns(const TimerList *tl)
{
    int64_t now;

    if (tl->manual) {
        return tl->manual_ns;
    }
    now = tl->paused_at ? tl->paused_at : host_clock_ns();
    return now - tl->start_ns;
}

void clock_pause(TimerList *tl)
{
    if (!tl->paused_at) {
        tl->paused_at = host_clock_ns();
    }
}

void clock_resume(TimerList *tl)
{
    if (tl->paused_at) {
        tl->start_ns += host_clock_ns() - tl->paused_at;
        tl->paused_at = 0;
    }
}

void clock_set(TimerList *tl, int64_t now_ns)
{
    if (tl->manual) {
        tl->manual_ns = now_ns;
        return;
    }
    tl->start_ns = (tl->paused_at ? tl->paused_at : host_clock_ns()) - now_ns;
}

void clock_set_manual(TimerList *tl, int64_t now_ns)
{
    int64_t cur = clock_ns(tl);

    tl->manual_ns = now_ns > cur ? now_ns : cur;
    tl->manual = true;
}

void clock_advance(TimerList *tl, int64_t ns)
{
    if (tl->manual && ns > 0) {
        tl->manual_ns += ns;
    }
}

void timer_init(Timer *t, TimerList *tl, void (*cb)(void *opaque), void *opaque)
{
    t->expire_ns = 0;
    t->pending = false;
    t->cb = cb;
    t->opaque = opaque;
    t->tl = tl;
    t->next = 0;
}

void timer_del(Timer *t)
{
    Timer **pp;

    if (!t->pending) {
        return;
    }
    for (pp = &t->tl->head; *pp; pp = &(*pp)->next) {
        if (*pp == t) {
            *pp = t->next;
            break;
        }
    }
    t->pending = false;
    t->next = 0;
}

void timer_mod(Timer *t, int64_t expire_ns)
{
    Timer **pp;

    timer_del(t);
    t->expire_ns = expire_ns;
    for (pp = &t->tl->head; *pp && (*pp)->expire_ns <= expire_ns;
         pp = &(*pp)->next) {
    }
    t->next = *pp;
    *pp = t;
    t->pending = true;
    if (t->tl->head == t && t->tl->notify) {
        t->tl->notify(t->tl->notify_opaque);
    }
}

int64_t timerlist_deadline(const TimerList *tl)
{
    int64_t d;

    if (!tl->head) {
        return -1;
    }
    d = tl->head->expire_ns - clock_ns(tl);
    return d > 0 ? d : 0;
}

void timerlist_run(TimerList *tl)
{
    int64_t now = clock_ns(tl);

    while (tl->head && tl->head->expire_ns <= now) {
        Timer *t = tl->head;
        tl->head = t->next;
        t->pending = false;
        t->next = 0;
        t->cb(t->opaque);
    }
}
