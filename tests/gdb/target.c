/*
 * target.c - the guest the gdb test drives (tests/gdb/test_gdb.py):
 * calls bp_func three times (gdb breaks there and changes its argument
 * register), stores 42 to watched_var (a hardware watchpoint), then spins
 * until gdb sets go_on (after interrupting it with Ctrl-C) and prints what
 * gdb changed before exiting.
 */
#include "lib/guest.h"

volatile uint64_t sum, watched_var, spins, magic;
volatile int go_on;

__attribute__((noinline)) void bp_func(uint64_t x)
{
    sum += x;
}

int main(const MultibootInfo *mbi)
{
    printf("gdb target: start\n");
    for (int i = 0; i < 3; i++) {
        bp_func((uint64_t)i);
    }
    watched_var = 42;
    printf("gdb target: spinning\n");
    while (!go_on) {
        spins++;
    }
    printf("gdb target: sum %lu, watched %lu, magic %lx\n", sum, watched_var,
           magic);
    return 0;
}
