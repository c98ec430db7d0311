/*
 * The virtual clock and its timers. Each Machine owns a TimerList; device
 * timers fire from the main loop with the machine lock held. The virtual
 * clock is nanoseconds since the machine started, stopped while the
 * machine is paused.
 *
 * A TimerList can instead run on a manual, instruction-driven clock
 * (clock_set_manual): host time is then ignored and the clock moves only
 * when its driver calls clock_advance(), e.g. by a fixed number of
 * nanoseconds per executed guest instruction. Two machines driven this
 * way see the same time at the same instruction, which the lockstep
 * runner (tests/difftest) needs to compare them.
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
    /* instruction-driven clock: clock_ns() is manual_ns while set */
    bool manual;
    int64_t manual_ns;
};

int64_t host_clock_ns(void);
void timerlist_init(TimerList *tl);
/*
 * Initializes tl directly on the manual clock, reading now_ns: it never
 * follows host time, not even before its first clock_advance(), so lists made at different host times (two
 * machines built one after the other, however loaded the host) agree on
 * the time and on every deadline armed from it.
 */
void timerlist_init_manual(TimerList *tl, int64_t now_ns);
int64_t clock_ns(const TimerList *tl);
void clock_pause(TimerList *tl);
void clock_resume(TimerList *tl);
/*
 * Switches tl to the manual clock, reading now_ns from then on (raised to
 * the current time if earlier, so the clock never goes back). Pending
 * timers keep their deadlines. Pause and resume have no effect on it.
 */
void clock_set_manual(TimerList *tl, int64_t now_ns);
/*
 * Makes the clock read now_ns from here on (an incoming migration: the
 * guest's time continues from where the source stopped it). A paused
 * clock stays paused at now_ns.
 */
void clock_set(TimerList *tl, int64_t now_ns);
/* Moves a manual clock forward by ns (ignored if negative or not manual). */
void clock_advance(TimerList *tl, int64_t ns);

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
