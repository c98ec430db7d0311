/*
 * What every signal means, and the terminal put back whatever happens.
 *
 *   SIGTERM, SIGINT, SIGHUP   clean shutdown: blocked in every thread and
 *                             read by the main loop through a signalfd
 *   SIGTSTP                   the main loop restores the terminal, stops
 *                             Kite, and puts the terminal back in raw mode
 *                             when it continues
 *   SIGPIPE                   ignored (a closed pipe is a write error)
 *   SIGUSR2                   with -display none,screendump=FILE: read by
 *                             the main loop, writes the screen to FILE
 *                             (ui/console.h); fatal otherwise
 *   SIGQUIT, SIGUSR1/2, SIGALRM, SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT,
 *   SIGTRAP, SIGSYS, SIGXCPU, SIGXFSZ, SIGVTALRM, SIGPROF
 *                             fatal: the terminal and stdout's flags are
 *                             restored, then the signal's previous action
 *                             (the default, or a sanitizer's handler) runs
 *
 * Under -nographic the terminal has ISIG off, so Ctrl-C, Ctrl-\ and
 * Ctrl-Z are bytes for the guest and only kill(1) sends these signals.
 * Under KVM, SIGUSR1 is the vCPU kick (accel/kvm): its empty handler
 * replaces the fatal one, so a SIGUSR1 from outside is ignored there.
 */
#ifndef KITE_TERM_H
#define KITE_TERM_H

#include <signal.h>
#include <termios.h>

/* The signals the main loop reads (SIGINT, SIGTERM, SIGHUP, SIGTSTP). */
void term_stop_signals(sigset_t *set);
/*
 * Called first in main(), before any thread exists: ignores SIGPIPE,
 * installs the fatal-signal handlers and blocks term_stop_signals(), so
 * a stop request during startup waits for the main loop instead of
 * killing Kite with the terminal raw.
 */
void term_init_signals(void);
/* Records the terminal settings to restore (saved) and re-apply (raw). */
void term_remember_tty(int fd, const struct termios *saved,
                       const struct termios *raw);
void term_forget_tty(void);
/* Records flags to put back on fd (stdout made non-blocking). */
void term_remember_fd_flags(int fd, int flags);
void term_forget_fd_flags(void);
/* Puts the terminal and fd flags back (async-signal-safe). */
void term_restore(void);
/* SIGTSTP: restore, stop until SIGCONT, then raw mode again. */
void term_suspend(void);

#endif
