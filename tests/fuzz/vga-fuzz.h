/*
 * The VGA register-file fuzzer: one input is a program of guest actions
 * against a fresh standard VGA (hw/display/vga.c) with a small VRAM:
 * writes and reads of every VGA port (0x3B0-0x3DF: sequencer, CRTC,
 * graphics and attribute controllers, DAC, misc output), the legacy
 * window with its planes and read/write modes, the Bochs DISPI registers
 * with any value (huge and zero resolutions, odd strides and offsets past
 * the framebuffer), direct framebuffer writes, and refreshes. After each
 * refresh the picture kept up to date from snapshots must equal a full
 * render of the live state; the resolution must stay within the DISPI
 * limits. Built with the sanitizers (make fuzz), a render that reads
 * outside VRAM or the picture is a crash.
 *
 * Byte code: each action is an opcode byte (its low 3 bits choose the
 * action) followed by its operands, read little-endian; a program ends
 * with its bytes. Both the libFuzzer target (fuzz-vga.c) and the cmocka
 * budget in make check (tests/unit/test-vga-fuzz.c) run vgafuzz_run.
 */
#ifndef KITE_VGA_FUZZ_H
#define KITE_VGA_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/display/vga.h"

#define VGAFUZZ_VRAM  (1u << 20)
/* refreshes bigger than this are skipped (a budget, not a limit of Kite) */
#define VGAFUZZ_RENDER_BUDGET (1024 * 768)

typedef struct VGAFuzz {
    VGAState s;
    VGASnapshot snap;
    uint32_t *live, *full;
    int w, h;
    const uint8_t *p, *end;
    char fail[160];
} VGAFuzz;

static inline uint32_t vgafuzz_take(VGAFuzz *f, int bytes)
{
    uint32_t v = 0;

    for (int i = 0; i < bytes && f->p < f->end; i++) {
        v |= (uint32_t)*f->p++ << (8 * i);
    }
    return v;
}

/* One refresh as the display loop does it, checked against a full render. */
static inline int vgafuzz_refresh(VGAFuzz *f)
{
    int w, h, y0, y1;

    vga_snapshot_regs(&f->snap, &f->s, &w, &h);
    if (w < 0 || h < 0 || w > VBE_DISPI_MAX_XRES || h > VBE_DISPI_MAX_YRES) {
        snprintf(f->fail, sizeof(f->fail), "resolution %dx%d out of range",
                 w, h);
        return -1;
    }
    if ((size_t)w * h > VGAFUZZ_RENDER_BUDGET) {
        return 0;
    }
    if (w != f->w || h != f->h) {
        f->w = w;
        f->h = h;
        vga_snapshot_invalidate(&f->snap);
    }
    vga_snapshot_render(&f->snap, f->s.vram, f->live, w, w, h, 0, &y0, &y1);
    if (y0 < 0 || y0 > y1 || y1 > h) {
        snprintf(f->fail, sizeof(f->fail), "redrawn lines %d-%d of %d",
                 y0, y1, h);
        return -1;
    }
    memset(f->full, 0, (size_t)w * h * 4);
    vga_render(&f->s, f->full, w, w, h);
    if (memcmp(f->live, f->full, (size_t)w * h * 4)) {
        snprintf(f->fail, sizeof(f->fail), "refreshed picture %dx%d differs "
                 "from a full render", w, h);
        return -1;
    }
    return 0;
}

static inline int vgafuzz_step(VGAFuzz *f)
{
    uint8_t op = (uint8_t)vgafuzz_take(f, 1);
    uint32_t a, v;

    switch (op & 7) {
    case 0:                                     /* port write */
        a = vgafuzz_take(f, 1);
        vga_ioport_write(&f->s, 0x3b0 + a % 0x30, (uint8_t)vgafuzz_take(f, 1));
        return 0;
    case 1:                                     /* port read */
        (void)vga_ioport_read(&f->s, 0x3b0 + vgafuzz_take(f, 1) % 0x30);
        return 0;
    case 2:                                     /* legacy window write */
        a = vgafuzz_take(f, 3);
        vga_mem_writeb(&f->s, a % VGA_PLANE_WINDOW, (uint8_t)vgafuzz_take(f, 1));
        return 0;
    case 3:                                     /* legacy window read */
        (void)vga_mem_readb(&f->s, vgafuzz_take(f, 3) % VGA_PLANE_WINDOW);
        return 0;
    case 4:                                     /* DISPI write, any value */
        a = vgafuzz_take(f, 1);
        v = vgafuzz_take(f, 2);
        vga_vbe_write(&f->s, (uint16_t)(a % (VBE_DISPI_INDEX_NB + 2)),
                      (uint16_t)v);
        return 0;
    case 5:                                     /* DISPI read */
        (void)vga_vbe_read(&f->s, (uint16_t)(vgafuzz_take(f, 1) %
                                             (VBE_DISPI_INDEX_NB + 2)));
        return 0;
    case 6:                                     /* framebuffer, by the CPU */
        a = vgafuzz_take(f, 3);
        v = vgafuzz_take(f, 1);
        for (uint32_t i = 0; i < (op >> 3) + 1u; i++) {
            f->s.vram[(a + i * 61) % VGAFUZZ_VRAM] = (uint8_t)(v + i);
        }
        return 0;
    default:
        return vgafuzz_refresh(f);
    }
}

/* Runs one program; 0, or -1 with f->fail set. */
static inline int vgafuzz_run(VGAFuzz *f, const uint8_t *data, size_t size)
{
    static uint32_t *live, *full;
    int r = 0;

    if (!live) {                 /* the pictures outlive the inputs */
        live = calloc(VGAFUZZ_RENDER_BUDGET, 4);
        full = calloc(VGAFUZZ_RENDER_BUDGET, 4);
        if (!live || !full) {
            abort();
        }
    }
    memset(f, 0, sizeof(*f));
    f->live = live;
    f->full = full;
    f->p = data;
    f->end = data + size;
    vga_init(&f->s, NULL, VGAFUZZ_VRAM);
    vga_snapshot_init(&f->snap, VGAFUZZ_VRAM);
    while (f->p < f->end && r == 0) {
        r = vgafuzz_step(f);
    }
    if (r == 0) {
        r = vgafuzz_refresh(f);
    }
    vga_snapshot_destroy(&f->snap);
    vga_destroy(&f->s);
    return r;
}

#endif
