/*
 * The BIOS data area (0x400-0x4ff) and the first byte of the extended
 * BIOS data area, for -kernel boots, where no firmware fills them: the
 * fields kernels read before they probe anything themselves (Xen's
 * multiboot entry takes the EBDA segment and the base memory size from
 * here; Linux's early code reads the EBDA segment and the COM ports).
 *
 * Layout (IBM PC/AT BIOS technical reference, as SeaBIOS fills it):
 *   0x400  u16[4]  I/O base of COM1-COM4 (0: absent)
 *   0x408  u16[3]  I/O base of LPT1-LPT3 (0: absent; Kite has none)
 *   0x40e  u16     EBDA segment
 *   0x410  u16     equipment word: bit 1 x87 present, bits 9-11 the
 *                  number of serial ports (no floppy, no printer;
 *                  video bits 00: a VGA-class adapter or none)
 *   0x413  u16     base memory below the EBDA, in KiB
 *   EBDA byte 0    the EBDA's size in KiB
 * The EBDA is the reserved [0x9fc00, 0xa0000) of the e820 map.
 *
 * There is no BIOS behind them, so the IVT (0x0-0x3ff) sends every vector
 * to one IRET byte in the EBDA: a BIOS call (Xen's real-mode trampoline
 * asks int 10h and int 13h for video and disk data) returns with nothing
 * done and the caller's flags, instead of running whatever low memory
 * holds (zeros up to the boot GDT at 0x1000).
 *
 * The "bios-data-area" device writes them at realize and on every reset,
 * before the kernel loader runs, through loader_write only.
 */
#include "hw/pc/bda.h"

#include <string.h>

#include "hw/char/serial.h"
#include "hw/core/devtypes.h"
#include "hw/pc/bootparam.h"

#define EQUIP_X87          (1u << 1)
#define EQUIP_SERIAL_SHIFT 9

static void st16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

void bda_build(const BdaConfig *c, uint8_t bda[BDA_SIZE])
{
    unsigned nserial = 0;

    memset(bda, 0, BDA_SIZE);
    for (int i = 0; i < BDA_MAX_SERIAL; i++) {
        st16(bda + BDA_COM_PORTS - BDA_ADDR + 2 * i, c->com_port[i]);
        nserial += c->com_port[i] != 0;
    }
    st16(bda + BDA_EBDA_SEG - BDA_ADDR, (uint16_t)(BDA_EBDA_ADDR >> 4));
    st16(bda + BDA_EQUIPMENT - BDA_ADDR,
         (uint16_t)(EQUIP_X87 | nserial << EQUIP_SERIAL_SHIFT));
    st16(bda + BDA_BASE_MEM_KB - BDA_ADDR, (uint16_t)(BDA_EBDA_ADDR / KiB));
}

void bda_build_ivt(uint8_t ivt[BDA_IVT_SIZE])
{
    for (int i = 0; i < BDA_IVT_SIZE / 4; i++) {
        st16(ivt + 4 * i, (uint16_t)(BDA_IRET_ADDR & 0xf));
        st16(ivt + 4 * i + 2, (uint16_t)(BDA_IRET_ADDR >> 4));
    }
}

/* ---- the machine's device ---- */

typedef struct BdaState {
    Device dev;
    uint8_t bda[BDA_SIZE];
    uint8_t ivt[BDA_IVT_SIZE];
    bool in_ram;
} BdaState;

static void bda_find_uarts(Device *d, void *opaque)
{
    BdaConfig *c = opaque;

    if (d->type == &serial_isa_type) {
        const SerialState *s = (const SerialState *)d;
        if (s->index < BDA_MAX_SERIAL) {
            c->com_port[s->index] = (uint16_t)s->iobase;
        }
    }
}

static int bda_install(BdaState *s)
{
    Machine *m = s->dev.machine;
    uint8_t ebda_kib = (uint8_t)((BDA_LOW_END - BDA_EBDA_ADDR) / KiB);
    static const uint8_t iret = 0xcf;

    if (loader_write(m, BDA_ADDR, s->bda, sizeof(s->bda)) < 0 ||
        loader_write(m, 0, s->ivt, sizeof(s->ivt)) < 0 ||
        loader_write(m, BDA_IRET_ADDR, &iret, 1) < 0 ||
        loader_write(m, BDA_EBDA_ADDR, &ebda_kib, 1) < 0) {
        return -1;
    }
    return 0;
}

static int bda_realize(Device *dev, Error *err)
{
    BdaState *s = (BdaState *)dev;
    Machine *m = dev->machine;
    BdaConfig c = { { 0 } };

    s->in_ram = m->cfg.kernel && !m->cfg.bios;
    if (!s->in_ram) {
        return 0;
    }
    device_foreach(m->root, bda_find_uarts, &c);
    bda_build(&c, s->bda);
    bda_build_ivt(s->ivt);
    if (bda_install(s) < 0) {
        return error_setg(err, "cannot write the BIOS data area");
    }
    return 0;
}

static void bda_reset(Device *dev)
{
    BdaState *s = (BdaState *)dev;

    if (s->in_ram) {
        bda_install(s);
    }
}

const DeviceType bios_data_area_type = {
    .name = "bios-data-area",
    .stateless = true,
    .desc = "BIOS data area for -kernel boots (COM ports, EBDA, memory)",
    .instance_size = sizeof(BdaState),
    .realize = bda_realize,
    .reset = bda_reset,
};
