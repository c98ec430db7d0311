/*
 * The virtual clock and its timers. Each Machine owns a TimerList; device
 * timers fire from the main loop with the machine lock held. The virtual
 * clock is nanoseconds since the machine started, stopped while the
 * machine is paused.
 */
#ifndef KITE_TIMER_H
#define KITE_TIMER_H

#include <stdbool.h>
#include <stdint.h>

typedef struct TimerList TimerList;

typedef struct Timer {
    int64_t expire_ns;
    bool pending;
    void (*cb)(void *opaque);
    void *opaque;
    TimerList *tl;
    struct Timer *next;
} Timer;

struct TimerList {
    Timer *head;                 /* pending timers, earliest first */
    int64_t start_ns;            /* host monotonic time of clock zero */
    int64_t paused_at;           /* host time when paused, or 0 */
    /* Called when the earliest deadline moved earlier (wake the loop). */
    void (*notify)(void *opaque);
    void *notify_opaque;
};

int64_t host_clock_ns(void);
void timerlist_init(TimerList *tl);
int64_t clock_ns(const TimerList *tl);
void clock_pause(TimerList *tl);
void clock_resume(TimerList *tl);

void timer_init(Timer *t, TimerList *tl, void (*cb)(void *opaque), void *opaque);
/* Arms t to fire when the virtual clock reaches expire_ns. */
void timer_mod(Timer *t, int64_t expire_ns);
void timer_del(Timer *t);
static inline bool timer_pending(const Timer *t) { return t->pending; }

/* Nanoseconds until the next timer (0 if due), or -1 if none. */
int64_t timerlist_deadline(const TimerList *tl);
/* Runs every expired timer. */
void timerlist_run(TimerList *tl);

#endif
