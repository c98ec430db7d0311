/*
 * triple-reset.c - without -no-reboot a triple fault resets the machine
 * and the guest boots again (Intel SDM vol. 3A, 6.15: shutdown; the PC
 * chipset answers the shutdown cycle with a reset). CMOS RAM survives a
 * reset (MC146818A data sheet: RESET clears only interrupt enables and
 * flags), so the guest counts its boots in CMOS byte 0x40 and stops at
 * the second.
 *
 * GUEST-ALLOW-REBOOT
 */
#include "lib/guest.h"

#define CMOS_INDEX 0x70
#define CMOS_DATA 0x71
#define CMOS_BOOTS 0x40

static uint8_t cmos_read(uint8_t reg)
{
    outb(CMOS_INDEX, reg);
    return inb(CMOS_DATA);
}

static void cmos_write(uint8_t reg, uint8_t v)
{
    outb(CMOS_INDEX, reg);
    outb(CMOS_DATA, v);
}

int main(const MultibootInfo *mbi)
{
    struct __attribute__((packed)) {
        uint16_t limit;
        uint64_t base;
    } empty = { 0, 0 };
    uint8_t boots = (uint8_t)(cmos_read(CMOS_BOOTS) + 1);

    cmos_write(CMOS_BOOTS, boots);
    printf("boot %u, CMOS reads back %u\n", boots, cmos_read(CMOS_BOOTS));
    if (boots >= 2) {
        return check_failures();
    }
    printf("triple fault next\n");
    __asm__ volatile("cli; lidt %0; ud2" : : "m"(empty));
    printf("FAIL: still running after a triple fault\n");
    return 1;
}
