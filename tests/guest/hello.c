/*
 * hello.c - the smallest guest test: print to COM1 and leave through
 * isa-debug-exit with a chosen value (exit status (0x21 << 1) | 1 = 67).
 */
#include "lib/guest.h"

int main(const MultibootInfo *mbi)
{
    printf("Hello from a Kite guest\n");
    printf("multiboot info: %s\n", mbi ? "present" : "missing");
    printf("printf: %d %u %x %lx %s %c %5d|%-5d|%05x\n",
           -42, 42u, 0xbeefu, 0x123456789abcdefUL, "str", 'c', 7, 7, 0xab);
    printf("goodbye, exit value 0x21\n");
    return 0x21;
}
