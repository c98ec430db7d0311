/*
 * SMBIOS tables of the pc machine (see smbios.h), after DMTF DSP0134:
 * section 5.2 for the entry points, 6.1 for the structure layout (a
 * formatted area of `length` bytes, then numbered strings, each ended by
 * NUL, and one more NUL; two NULs when there are no strings), section 7
 * for the structure types, in their version 2.8 lengths.
 *
 * The "smbios-tables" device builds them once every other device exists,
 * publishes the fw_cfg files and, for -kernel boots, writes the RAM copy
 * (again on every reset: the guest may have overwritten it). Guest RAM is
 * written through loader_write only.
 */
#include "hw/pc/smbios.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "hw/core/devtypes.h"
#include "hw/pc/fw_cfg.h"
#include "hw/pc/bootparam.h"

#define SMBIOS_MAJOR        2
#define SMBIOS_MINOR        8
#define SMBIOS_STRINGS_MAX  512
#define SMBIOS_HANDLE_NONE  0xfffe     /* "not provided" (type 16/17) */
#define SMBIOS_BIOS_DATE    "01/01/2026"
#define SMBIOS_PRODUCT      "Kite PC (i440FX + PIIX3)"

/* One structure being written: its formatted area goes straight into
 * the table, its strings wait here until smbios_end. */
typedef struct SmbiosWriter {
    SmbiosTables *t;
    size_t start;
    uint8_t length;
    char strings[SMBIOS_STRINGS_MAX];
    size_t slen;
    uint8_t nstrings;
} SmbiosWriter;

static void smbios_begin(SmbiosWriter *w, uint8_t type, uint8_t length,
                         uint16_t handle)
{
    w->start = w->t->data.len;
    w->length = length;
    w->slen = 0;
    w->nstrings = 0;
    bytebuf_put8(&w->t->data, type);
    bytebuf_put8(&w->t->data, length);
    bytebuf_put16(&w->t->data, handle);
}

/* Adds a string and returns its number (0, "none", for ""). */
static uint8_t smbios_str(SmbiosWriter *w, const char *s)
{
    size_t n = strlen(s) + 1;

    if (n == 1) {
        return 0;
    }
    assert(w->slen + n <= sizeof(w->strings));
    memcpy(w->strings + w->slen, s, n);
    w->slen += n;
    return ++w->nstrings;
}

static void smbios_end(SmbiosWriter *w)
{
    SmbiosTables *t = w->t;
    size_t size;

    assert(t->data.len - w->start == w->length);
    bytebuf_put(&t->data, w->strings, w->slen);
    bytebuf_put8(&t->data, 0);
    if (w->slen == 0) {
        bytebuf_put8(&t->data, 0);
    }
    size = t->data.len - w->start;
    t->count++;
    t->max_size = MAX(t->max_size, (uint16_t)size);
}

static void smbios_put_zeros(ByteBuf *b, size_t n)
{
    while (n--) {
        bytebuf_put8(b, 0);
    }
}

/* Type 0: BIOS Information (only when no firmware describes itself). */
static void smbios_type0(SmbiosWriter *w, const SmbiosConfig *c)
{
    ByteBuf *b = &w->t->data;

    smbios_begin(w, 0, 0x18, 0x0000);
    bytebuf_put8(b, smbios_str(w, "Kite"));
    bytebuf_put8(b, smbios_str(w, c->version));
    bytebuf_put16(b, 0xf000);                /* starting segment */
    bytebuf_put8(b, smbios_str(w, SMBIOS_BIOS_DATE));
    bytebuf_put8(b, 0);                      /* ROM size: 64 KiB */
    bytebuf_put64(b, 1u << 3);               /* characteristics unsupported */
    bytebuf_put8(b, 0);
    bytebuf_put8(b, (1u << 4) | (1u << 2));  /* a VM; targeted content */
    bytebuf_put8(b, 0);                      /* BIOS release 0.0 */
    bytebuf_put8(b, 0);
    bytebuf_put8(b, 0xff);                   /* no embedded controller */
    bytebuf_put8(b, 0xff);
    smbios_end(w);
}

/* Type 1: System Information. */
static void smbios_type1(SmbiosWriter *w, const SmbiosConfig *c)
{
    ByteBuf *b = &w->t->data;

    smbios_begin(w, 1, 0x1b, 0x0100);
    bytebuf_put8(b, smbios_str(w, "Kite"));
    bytebuf_put8(b, smbios_str(w, SMBIOS_PRODUCT));
    bytebuf_put8(b, smbios_str(w, c->version));
    bytebuf_put8(b, 0);                      /* serial number */
    smbios_put_zeros(b, 16);                 /* UUID: not set */
    bytebuf_put8(b, 0x06);                   /* woken by the power switch */
    bytebuf_put8(b, 0);                      /* SKU */
    bytebuf_put8(b, smbios_str(w, "Kite"));  /* family */
    smbios_end(w);
}

/* Type 3: System Enclosure. */
static void smbios_type3(SmbiosWriter *w, const SmbiosConfig *c)
{
    ByteBuf *b = &w->t->data;

    smbios_begin(w, 3, 0x16, 0x0300);
    bytebuf_put8(b, smbios_str(w, "Kite"));
    bytebuf_put8(b, 0x01);                   /* type: other */
    bytebuf_put8(b, smbios_str(w, c->version));
    bytebuf_put8(b, 0);                      /* serial number */
    bytebuf_put8(b, 0);                      /* asset tag */
    bytebuf_put8(b, 0x03);                   /* boot-up state: safe */
    bytebuf_put8(b, 0x03);                   /* power supply: safe */
    bytebuf_put8(b, 0x03);                   /* thermal: safe */
    bytebuf_put8(b, 0x02);                   /* security: unknown */
    bytebuf_put32(b, 0);                     /* OEM defined */
    bytebuf_put8(b, 0);                      /* height: unspecified */
    bytebuf_put8(b, 0);                      /* power cords: unspecified */
    bytebuf_put8(b, 0);                      /* no contained elements */
    bytebuf_put8(b, 0);
    bytebuf_put8(b, 0);                      /* SKU */
    smbios_end(w);
}

/* Type 4: Processor Information, one per vCPU (one socket each). */
static void smbios_type4(SmbiosWriter *w, int cpu)
{
    ByteBuf *b = &w->t->data;
    char socket[16];

    snprintf(socket, sizeof(socket), "CPU %d", cpu);
    smbios_begin(w, 4, 0x2a, (uint16_t)(0x0400 + cpu));
    bytebuf_put8(b, smbios_str(w, socket));
    bytebuf_put8(b, 0x03);                   /* central processor */
    bytebuf_put8(b, 0x01);                   /* family: other */
    bytebuf_put8(b, smbios_str(w, "Kite"));
    bytebuf_put64(b, 0);                     /* processor ID */
    bytebuf_put8(b, 0);                      /* version */
    bytebuf_put8(b, 0);                      /* voltage: unknown */
    bytebuf_put16(b, 0);                     /* external clock: unknown */
    bytebuf_put16(b, 2000);                  /* max speed, MHz */
    bytebuf_put16(b, 2000);                  /* current speed, MHz */
    bytebuf_put8(b, 0x41);                   /* populated, enabled */
    bytebuf_put8(b, 0x01);                   /* upgrade: other */
    bytebuf_put16(b, 0xffff);                /* no L1, L2, L3 handles */
    bytebuf_put16(b, 0xffff);
    bytebuf_put16(b, 0xffff);
    bytebuf_put8(b, 0);                      /* serial, asset, part */
    bytebuf_put8(b, 0);
    bytebuf_put8(b, 0);
    bytebuf_put8(b, 1);                      /* cores, enabled, threads */
    bytebuf_put8(b, 1);
    bytebuf_put8(b, 1);
    bytebuf_put16(b, 0x0002);                /* characteristics: unknown */
    bytebuf_put16(b, 0x0001);                /* family 2: other */
    smbios_end(w);
}

static uint64_t smbios_ram_size(const SmbiosConfig *c)
{
    return c->below_4g + c->above_4g;
}

static unsigned smbios_mem_devices(const SmbiosConfig *c)
{
    uint64_t n = (smbios_ram_size(c) + SMBIOS_MEM_DEVICE_SIZE - 1) /
                 SMBIOS_MEM_DEVICE_SIZE;
    return (unsigned)n;
}

/* Type 16: Physical Memory Array. */
static void smbios_type16(SmbiosWriter *w, const SmbiosConfig *c)
{
    ByteBuf *b = &w->t->data;
    uint64_t kib = smbios_ram_size(c) / KiB;

    smbios_begin(w, 16, 0x17, 0x1000);
    bytebuf_put8(b, 0x01);                   /* location: other */
    bytebuf_put8(b, 0x03);                   /* use: system memory */
    bytebuf_put8(b, 0x06);                   /* ECC: multi-bit */
    bytebuf_put32(b, kib < 0x80000000u ? (uint32_t)kib : 0x80000000u);
    bytebuf_put16(b, SMBIOS_HANDLE_NONE);    /* no error information */
    bytebuf_put16(b, (uint16_t)smbios_mem_devices(c));
    bytebuf_put64(b, kib < 0x80000000u ? 0 : kib * KiB);
    smbios_end(w);
}

/* Type 17: Memory Device number i of the array. */
static void smbios_type17(SmbiosWriter *w, const SmbiosConfig *c, unsigned i)
{
    ByteBuf *b = &w->t->data;
    uint64_t left = smbios_ram_size(c) - (uint64_t)i * SMBIOS_MEM_DEVICE_SIZE;
    uint64_t mib = MIN(left, SMBIOS_MEM_DEVICE_SIZE) / MiB;
    char locator[16];

    snprintf(locator, sizeof(locator), "DIMM %u", i);
    smbios_begin(w, 17, 0x28, (uint16_t)(0x1100 + i));
    bytebuf_put16(b, 0x1000);                /* the array */
    bytebuf_put16(b, SMBIOS_HANDLE_NONE);
    bytebuf_put16(b, 0xffff);                /* total width: unknown */
    bytebuf_put16(b, 0xffff);                /* data width: unknown */
    bytebuf_put16(b, mib < 0x7fff ? (uint16_t)mib : 0x7fff);
    bytebuf_put8(b, 0x09);                   /* form factor: DIMM */
    bytebuf_put8(b, 0);                      /* not in a set */
    bytebuf_put8(b, smbios_str(w, locator));
    bytebuf_put8(b, 0);                      /* bank locator */
    bytebuf_put8(b, 0x07);                   /* type: RAM */
    bytebuf_put16(b, 0x0002);                /* type detail: other */
    bytebuf_put16(b, 0);                     /* speed: unknown */
    bytebuf_put8(b, smbios_str(w, "Kite"));
    bytebuf_put8(b, 0);                      /* serial, asset, part */
    bytebuf_put8(b, 0);
    bytebuf_put8(b, 0);
    bytebuf_put8(b, 0);                      /* rank: unknown */
    bytebuf_put32(b, mib < 0x7fff ? 0 : (uint32_t)mib);
    bytebuf_put16(b, 0);                     /* configured speed */
    bytebuf_put16(b, 0);                     /* voltages: unknown */
    bytebuf_put16(b, 0);
    bytebuf_put16(b, 0);
    smbios_end(w);
}

/* Type 19: Memory Array Mapped Address for [start, start + size). */
static void smbios_type19(SmbiosWriter *w, const SmbiosConfig *c,
                          unsigned i, uint64_t start, uint64_t size)
{
    ByteBuf *b = &w->t->data;
    uint64_t first = start / KiB, last = (start + size) / KiB - 1;
    bool ext = last >= 0xffffffffu;

    smbios_begin(w, 19, 0x1f, (uint16_t)(0x1300 + i));
    bytebuf_put32(b, ext ? 0xffffffffu : (uint32_t)first);
    bytebuf_put32(b, ext ? 0xffffffffu : (uint32_t)last);
    bytebuf_put16(b, 0x1000);
    bytebuf_put8(b, (uint8_t)MIN(smbios_mem_devices(c), 255u));
    bytebuf_put64(b, ext ? start : 0);
    bytebuf_put64(b, ext ? start + size - 1 : 0);
    smbios_end(w);
}

/* Type 32: System Boot Information. */
static void smbios_type32(SmbiosWriter *w)
{
    smbios_begin(w, 32, 0x0b, 0x2000);
    smbios_put_zeros(&w->t->data, 6);        /* reserved */
    bytebuf_put8(&w->t->data, 0);            /* no errors detected */
    smbios_end(w);
}

static void smbios_type127(SmbiosWriter *w)
{
    smbios_begin(w, 127, 4, 0x7f00);
    smbios_end(w);
}

void smbios_build(const SmbiosConfig *c, SmbiosTables *t)
{
    SmbiosWriter w = { .t = t };
    unsigned i;

    memset(t, 0, sizeof(*t));
    if (c->bios_info) {
        smbios_type0(&w, c);
    }
    smbios_type1(&w, c);
    smbios_type3(&w, c);
    for (int cpu = 0; cpu < c->ncpus; cpu++) {
        smbios_type4(&w, cpu);
    }
    smbios_type16(&w, c);
    for (i = 0; i < smbios_mem_devices(c); i++) {
        smbios_type17(&w, c, i);
    }
    smbios_type19(&w, c, 0, 0, c->below_4g);
    if (c->above_4g) {
        smbios_type19(&w, c, 1, 4 * GiB, c->above_4g);
    }
    smbios_type32(&w);
    smbios_type127(&w);
}

void smbios_tables_free(SmbiosTables *t)
{
    bytebuf_free(&t->data);
    t->count = t->max_size = 0;
}

static uint8_t smbios_checksum(const uint8_t *p, size_t n)
{
    uint8_t sum = 0;

    while (n--) {
        sum += *p++;
    }
    return (uint8_t)-sum;
}

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
}

void smbios_entry21(const SmbiosTables *t, uint32_t addr,
                    uint8_t ep[SMBIOS_EP21_SIZE])
{
    memset(ep, 0, SMBIOS_EP21_SIZE);
    memcpy(ep, "_SM_", 4);
    ep[5] = SMBIOS_EP21_SIZE;
    ep[6] = SMBIOS_MAJOR;
    ep[7] = SMBIOS_MINOR;
    put_le(ep + 8, t->max_size, 2);
    memcpy(ep + 16, "_DMI_", 5);
    put_le(ep + 22, t->data.len, 2);
    put_le(ep + 24, addr, 4);
    put_le(ep + 28, t->count, 2);
    ep[30] = (SMBIOS_MAJOR << 4) | SMBIOS_MINOR;
    ep[21] = smbios_checksum(ep + 16, SMBIOS_EP21_SIZE - 16);
    ep[4] = smbios_checksum(ep, SMBIOS_EP21_SIZE);
}

void smbios_entry30(const SmbiosTables *t, uint64_t addr,
                    uint8_t ep[SMBIOS_EP30_SIZE])
{
    memset(ep, 0, SMBIOS_EP30_SIZE);
    memcpy(ep, "_SM3_", 5);
    ep[6] = SMBIOS_EP30_SIZE;
    ep[7] = 3;                               /* version 3.0.0 */
    ep[8] = 0;
    ep[9] = 0;
    ep[10] = 1;                              /* entry point revision */
    put_le(ep + 12, t->data.len, 4);
    put_le(ep + 16, addr, 8);
    ep[5] = smbios_checksum(ep, SMBIOS_EP30_SIZE);
}

/* ---- the machine's device ---- */

typedef struct SmbiosPcState {
    Device dev;
    SmbiosTables ram;                /* the -kernel copy, with type 0 */
    bool in_ram;
} SmbiosPcState;

static void smbios_pc_config(Machine *m, SmbiosConfig *c, bool bios_info)
{
    *c = (SmbiosConfig){
        .below_4g = m->below_4g,
        .above_4g = m->above_4g,
        .ncpus = m->cfg.smp > 0 ? m->cfg.smp : 1,
        .bios_info = bios_info,
        .version = KITE_VERSION,
    };
}

static void smbios_pc_publish(Machine *m)
{
    SmbiosConfig c;
    SmbiosTables t;
    uint8_t ep[SMBIOS_EP21_SIZE];

    smbios_pc_config(m, &c, false);
    smbios_build(&c, &t);
    smbios_entry21(&t, 0, ep);
    fw_cfg_add_file(m->fw_cfg, SMBIOS_FILE_TABLES, t.data.data, t.data.len);
    fw_cfg_add_file(m->fw_cfg, SMBIOS_FILE_ANCHOR, ep, sizeof(ep));
    smbios_tables_free(&t);
}

static int smbios_pc_install(SmbiosPcState *s)
{
    Machine *m = s->dev.machine;
    uint8_t ep21[SMBIOS_EP21_SIZE], ep30[SMBIOS_EP30_SIZE];

    smbios_entry21(&s->ram, (uint32_t)SMBIOS_TABLES_ADDR, ep21);
    smbios_entry30(&s->ram, SMBIOS_TABLES_ADDR, ep30);
    if (loader_write(m, SMBIOS_TABLES_ADDR, s->ram.data.data,
                     s->ram.data.len) < 0 ||
        loader_write(m, SMBIOS_EP30_ADDR, ep30, sizeof(ep30)) < 0 ||
        loader_write(m, SMBIOS_EP21_ADDR, ep21, sizeof(ep21)) < 0) {
        return -1;
    }
    return 0;
}

static int smbios_pc_realize(Device *dev, Error *err)
{
    SmbiosPcState *s = (SmbiosPcState *)dev;
    Machine *m = dev->machine;
    SmbiosConfig c;

    if (m->fw_cfg) {
        smbios_pc_publish(m);
    }
    s->in_ram = m->cfg.kernel && !m->cfg.bios;
    if (!s->in_ram) {
        return 0;
    }
    smbios_pc_config(m, &c, true);
    smbios_build(&c, &s->ram);
    if (s->ram.data.len > SMBIOS_TABLES_MAX) {
        error_setg(err, "the SMBIOS tables are too large (%zu bytes)",
                   s->ram.data.len);
    } else if (smbios_pc_install(s) < 0) {
        error_setg(err, "cannot write the SMBIOS tables to guest RAM");
    } else {
        return 0;
    }
    smbios_tables_free(&s->ram);
    return -1;
}

static void smbios_pc_reset(Device *dev)
{
    SmbiosPcState *s = (SmbiosPcState *)dev;

    if (s->in_ram) {
        smbios_pc_install(s);
    }
}

static void smbios_pc_unrealize(Device *dev)
{
    smbios_tables_free(&((SmbiosPcState *)dev)->ram);
}

const DeviceType smbios_tables_type = {
    .name = "smbios-tables",
    .stateless = true,
    .desc = "SMBIOS tables (fw_cfg, and RAM for -kernel boots)",
    .instance_size = sizeof(SmbiosPcState),
    .realize = smbios_pc_realize,
    .unrealize = smbios_pc_unrealize,
    .reset = smbios_pc_reset,
};
