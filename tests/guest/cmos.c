/*
 * cmos.c - the MC146818 RTC/CMOS at ports 0x70 (index) and 0x71 (data).
 * Prints the memory-size bytes, which depend only on -m (the layout
 * firmware and QEMU use: 0x15/0x16 base memory in KiB, 0x17/0x18 and
 * 0x30/0x31 memory above 1 MiB in KiB capped at 0xffff, 0x34/0x35 memory
 * above 16 MiB in 64 KiB units, 0x5b..0x5d memory above 4 GiB in 64 KiB
 * units), and checks that the clock registers hold a valid time in the
 * format status register B selects (MC146818A data sheet).
 */
#include "lib/guest.h"

#define CMOS_INDEX 0x70
#define CMOS_DATA 0x71

static uint8_t cmos_read(uint8_t reg)
{
    outb(CMOS_INDEX, reg);
    return inb(CMOS_DATA);
}

static uint32_t cmos_read16(uint8_t lo)
{
    return cmos_read(lo) | (uint32_t)cmos_read(lo + 1) << 8;
}

static int bcd_valid(uint8_t v)
{
    return (v & 0x0f) <= 9 && (v >> 4) <= 9;
}

static uint8_t clock_value(uint8_t raw, int binary, int *ok)
{
    if (binary) {
        return raw;
    }
    if (!bcd_valid(raw)) {
        *ok = 0;
    }
    return (uint8_t)((raw >> 4) * 10 + (raw & 0x0f));
}

static void check_clock(void)
{
    uint8_t b = cmos_read(0x0b);
    int binary = (b & 0x04) != 0, ok = 1;
    uint8_t hour_raw = cmos_read(0x04);

    if (!(b & 0x02)) {          /* 12-hour mode: bit 7 of the hour is PM */
        hour_raw &= 0x7f;
    }
    uint8_t sec = clock_value(cmos_read(0x00), binary, &ok);
    uint8_t min = clock_value(cmos_read(0x02), binary, &ok);
    uint8_t hour = clock_value(hour_raw, binary, &ok);
    uint8_t day = clock_value(cmos_read(0x07), binary, &ok);
    uint8_t month = clock_value(cmos_read(0x08), binary, &ok);

    ok = ok && sec < 60 && min < 60 && day >= 1 && day <= 31 &&
         month >= 1 && month <= 12;
    ok = ok && ((b & 0x02) ? hour < 24 : (hour >= 1 && hour <= 12));
    printf("clock registers hold a valid date and time: %s\n",
           ok ? "yes" : "no");
    check(ok, "valid clock");
}

int main(const MultibootInfo *mbi)
{
    printf("base memory (0x15): %u KiB\n", cmos_read16(0x15));
    printf("extended memory (0x17): %u KiB\n", cmos_read16(0x17));
    printf("extended memory (0x30): %u KiB\n", cmos_read16(0x30));
    printf("memory above 16 MiB (0x34): %u x 64 KiB\n", cmos_read16(0x34));
    printf("memory above 4 GiB (0x5b): %u x 64 KiB\n",
           cmos_read16(0x5b) | (uint32_t)cmos_read(0x5d) << 16);
    check_clock();
    printf("cmos: %s\n", check_failures() ? "FAILED" : "ok");
    return check_failures() ? 1 : 0x14;
}
