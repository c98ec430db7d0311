/*
 * The BIOS data area for -kernel boots (see bda.c for the layout).
 */
#ifndef KITE_BDA_H
#define KITE_BDA_H

#include "hw/pc/pc.h"

#define BDA_ADDR         0x400
#define BDA_SIZE         0x100
#define BDA_COM_PORTS    0x400
#define BDA_LPT_PORTS    0x408
#define BDA_EBDA_SEG     0x40e
#define BDA_EQUIPMENT    0x410
#define BDA_BASE_MEM_KB  0x413
#define BDA_EBDA_ADDR    0x9fc00u   /* the e820 map reserves it */
#define BDA_LOW_END      0xa0000u
#define BDA_MAX_SERIAL   4
#define BDA_IVT_SIZE     0x400      /* 256 real-mode vectors at 0 */
#define BDA_IRET_ADDR    (BDA_EBDA_ADDR + 0x10)  /* one IRET, in the EBDA */

typedef struct BdaConfig {
    uint16_t com_port[BDA_MAX_SERIAL];  /* I/O base of COM1-COM4, 0: none */
} BdaConfig;

/* Fills the 256 bytes at BDA_ADDR. */
void bda_build(const BdaConfig *c, uint8_t bda[BDA_SIZE]);

/* Fills the IVT: every vector points at the IRET at BDA_IRET_ADDR. */
void bda_build_ivt(uint8_t ivt[BDA_IVT_SIZE]);

#endif
