/*
 * triple-fault.c - a triple fault with -no-reboot ends the emulator with
 * exit status 0, as QEMU does (a shutdown, not a reset). The IDT is
 * loaded with limit 0, so the #UD from UD2 cannot be delivered (#GP),
 * neither can the #GP (#DF), nor the #DF: the processor shuts down
 * (Intel SDM vol. 3A, 6.15 "Interrupt 8 - Double Fault Exception").
 */
#include "lib/guest.h"

int main(const MultibootInfo *mbi)
{
    struct __attribute__((packed)) {
        uint16_t limit;
        uint64_t base;
    } empty = { 0, 0 };

    printf("triple fault next\n");
    __asm__ volatile("cli; lidt %0; ud2" : : "m"(empty));
    printf("FAIL: still running after a triple fault\n");
    return 1;
}
