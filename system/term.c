/*
 * Signals and terminal restoration (see term.h).
 *
 * The saved terminal state lives in file-scope variables because a
 * signal handler has no other way to reach it; they are written only
 * before the raw settings are applied and read by async-signal-safe code.
 */
#include "system/term.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "system/util.h"

static volatile sig_atomic_t term_tty_valid, term_flags_valid;
static int term_tty_fd = -1, term_flags_fd = -1, term_flags;
static struct termios term_saved, term_raw;

static const int term_fatal_signals[] = {
    SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM, SIGSEGV, SIGBUS, SIGILL, SIGFPE,
    SIGABRT, SIGTRAP, SIGSYS, SIGXCPU, SIGXFSZ, SIGVTALRM, SIGPROF,
};
static struct sigaction term_old_actions[ARRAY_SIZE(term_fatal_signals)];

void term_stop_signals(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGHUP);
    sigaddset(set, SIGTSTP);
}

void term_restore(void)
{
    if (term_tty_valid) {
        tcsetattr(term_tty_fd, TCSANOW, &term_saved);
    }
    if (term_flags_valid) {
        fcntl(term_flags_fd, F_SETFL, term_flags);
    }
}

/*
 * Restores the terminal, then lets the previous action handle the signal:
 * a fault re-executes and reaches it, anything else is raised again.
 */
static void term_fatal_handler(int sig, siginfo_t *info, void *uc)
{
    term_restore();
    for (size_t i = 0; i < ARRAY_SIZE(term_fatal_signals); i++) {
        if (term_fatal_signals[i] == sig) {
            sigaction(sig, &term_old_actions[i], NULL);
        }
    }
    /* a fault (si_code > 0) re-executes into the old action; sent ones
     * (kill, raise, abort) are raised again */
    if (info->si_code <= 0 || (sig != SIGSEGV && sig != SIGBUS &&
                               sig != SIGILL && sig != SIGFPE)) {
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, sig);
        pthread_sigmask(SIG_UNBLOCK, &set, NULL);
        raise(sig);
    }
}

void term_init_signals(void)
{
    struct sigaction sa;
    sigset_t stop;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
    sa.sa_sigaction = term_fatal_handler;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_SIGINFO | SA_RESETHAND | SA_NODEFER;
    for (size_t i = 0; i < ARRAY_SIZE(term_fatal_signals); i++) {
        sigaction(term_fatal_signals[i], &sa, &term_old_actions[i]);
    }
    term_stop_signals(&stop);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
}

void term_remember_tty(int fd, const struct termios *saved,
                       const struct termios *raw)
{
    term_tty_valid = 0;
    term_tty_fd = fd;
    term_saved = *saved;
    term_raw = *raw;
    term_tty_valid = 1;
}

void term_forget_tty(void)
{
    term_tty_valid = 0;
}

void term_remember_fd_flags(int fd, int flags)
{
    term_flags_valid = 0;
    term_flags_fd = fd;
    term_flags = flags;
    term_flags_valid = 1;
}

void term_forget_fd_flags(void)
{
    term_flags_valid = 0;
}

void term_suspend(void)
{
    term_restore();
    kill(getpid(), SIGSTOP);     /* returns once continued */
    if (term_tty_valid) {
        tcsetattr(term_tty_fd, TCSANOW, &term_raw);
    }
    if (term_flags_valid) {
        fcntl(term_flags_fd, F_SETFL, term_flags | O_NONBLOCK);
    }
}
