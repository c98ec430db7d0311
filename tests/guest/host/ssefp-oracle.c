/*
 * ssefp-oracle.c - runs the body of the ssefp guest test
 * (tests/guest/ssefp-ops.h) on the host CPU. A faulting instruction
 * (SIGFPE for #XM) is skipped the way the guest runtime does it: the
 * handler finds the EXPECT_FAULT block around it in a table of the
 * blocks' bounds, records the trap number and resumes at the block's
 * end; returning from the handler restores the state at the fault, MXCSR
 * flags included. make check compares the output with the start of
 * tests/guest/ssefp.expected.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>

typedef struct HostTrap {
    uint64_t count;
    uint64_t vector;
} HostTrap;

static HostTrap host_trap;

static const HostTrap *trap_last(void)
{
    return &host_trap;
}

#define EXPECT_FAULT(insns, ...)                                  \
    __asm__ volatile("1:\n\t" insns "\n2:\n\t"                    \
                     ".pushsection ssefp_extable, \"aw\"\n\t"     \
                     ".quad 1b, 2b\n\t"                           \
                     ".popsection"                                \
                     __VA_ARGS__)

extern const uint64_t __start_ssefp_extable[], __stop_ssefp_extable[];

#include "../ssefp-ops.h"

static void on_fault(int sig, siginfo_t *si, void *ctx)
{
    greg_t *g = ((ucontext_t *)ctx)->uc_mcontext.gregs;
    uint64_t rip = (uint64_t)g[REG_RIP];

    (void)si;
    for (const uint64_t *e = __start_ssefp_extable; e < __stop_ssefp_extable;
         e += 2) {
        if (rip >= e[0] && rip < e[1]) {
            host_trap.count++;
            host_trap.vector = (uint64_t)g[REG_TRAPNO];
            g[REG_RIP] = (greg_t)e[1];
            return;
        }
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

int main(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGFPE, &sa, NULL);
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGILL, &sa, NULL);
    ssefp_run();
    return 0;
}
