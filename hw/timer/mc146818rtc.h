/*
 * The MC146818 real-time clock and CMOS memory ("mc146818rtc" device,
 * ports 0x70 index / 0x71 data, IRQ 8). Register numbers and bits follow
 * the Motorola MC146818A data sheet; the CMOS bytes the PC firmware reads
 * (memory sizes, CPU count, equipment) follow QEMU and SeaBIOS.
 */
#ifndef KITE_MC146818RTC_H
#define KITE_MC146818RTC_H

#include "hw/core/qdev.h"

#define RTC_IO_BASE          0x70
#define RTC_ISA_IRQ          8
#define RTC_CMOS_SIZE        128

/* Clock registers. */
#define RTC_SECONDS          0x00
#define RTC_SECONDS_ALARM    0x01
#define RTC_MINUTES          0x02
#define RTC_MINUTES_ALARM    0x03
#define RTC_HOURS            0x04
#define RTC_HOURS_ALARM      0x05
#define RTC_DAY_OF_WEEK      0x06
#define RTC_DAY_OF_MONTH     0x07
#define RTC_MONTH            0x08
#define RTC_YEAR             0x09
#define RTC_REG_A            0x0a
#define RTC_REG_B            0x0b
#define RTC_REG_C            0x0c
#define RTC_REG_D            0x0d
#define RTC_CENTURY          0x32

/* Register A. */
#define RTC_A_UIP            0x80
#define RTC_A_DV_MASK        0x70
#define RTC_A_RS_MASK        0x0f

/* Register B. */
#define RTC_B_SET            0x80
#define RTC_B_PIE            0x40
#define RTC_B_AIE            0x20
#define RTC_B_UIE            0x10
#define RTC_B_SQWE           0x08
#define RTC_B_DM_BINARY      0x04
#define RTC_B_24H            0x02
#define RTC_B_DSE            0x01

/* Register C. */
#define RTC_C_IRQF           0x80
#define RTC_C_PF             0x40
#define RTC_C_AF             0x20
#define RTC_C_UF             0x10

/* Register D. */
#define RTC_D_VRT            0x80

/* CMOS bytes the firmware reads. */
#define CMOS_EQUIPMENT       0x14
#define CMOS_BASE_MEM_LO     0x15
#define CMOS_BASE_MEM_HI     0x16
#define CMOS_EXT_MEM_LO      0x17
#define CMOS_EXT_MEM_HI      0x18
#define CMOS_CHECKSUM_HI     0x2e
#define CMOS_CHECKSUM_LO     0x2f
#define CMOS_EXT_MEM2_LO     0x30
#define CMOS_EXT_MEM2_HI     0x31
#define CMOS_MEM_16M_LO      0x34
#define CMOS_MEM_16M_HI      0x35
#define CMOS_MEM_4G_LO       0x5b    /* 0x5b-0x5d: 64 KiB units above 4 GiB */
#define CMOS_NB_CPUS         0x5f    /* number of CPUs - 1 */

/* Reads or sets a CMOS byte (index masked to 0x7f) from the machine. */
uint8_t rtc_get_cmos(Device *dev, unsigned index);
void rtc_set_cmos(Device *dev, unsigned index, uint8_t value);

#endif
