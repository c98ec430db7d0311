/*
 * outl-cf8-no-reset.c - regression test for "a 32-bit OUT to 0xCF8 resets
 * the machine". 0xCF8 is the PCI configuration address register and 0xCF9
 * the reset control register; a 32-bit OUT to 0xCF8 reaches the region
 * holding 0xCF8 as one access (or nothing, when no such region exists), and
 * never the byte register at 0xCF9. The runner boots with -no-reboot, so
 * a reset would end the run with the wrong status and no output.
 */
#include "lib/guest.h"

int main(const MultibootInfo *mbi)
{
    /* a configuration address with bits 1-2 set in its second byte: the
       reset register would take 0x06 as "hard reset now" */
    outl(0xcf8, 0x80000600);
    outl(0xcf8, 0x80000000);
    outw(0xcf8, 0x0600);
    (void)inl(0xcf8);
    printf("outl to 0xcf8: still running\n");
    return 0x12;
}
