/*
 * spin.c - the monitor tests' guest: prints a line, then calls spin_tick()
 * until something outside the guest (a debugger) sets exit_request, and
 * leaves through isa-debug-exit with 0x2a (exit status 85).
 */
#include "lib/guest.h"

volatile unsigned long ticks;
volatile int exit_request;

__attribute__((noinline)) void spin_tick(void)
{
    ticks++;
}

int main(const MultibootInfo *mbi)
{
    printf("spin: ready\n");
    while (!exit_request) {
        spin_tick();
    }
    printf("spin: done after %lu ticks\n", ticks);
    return 0x2a;
}
