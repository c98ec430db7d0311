/*
 * The display refresh against a full render (hw/display/vga-refresh.c):
 * after any VGA traffic, the picture kept up to date through snapshots
 * (only changed pages copied, only their lines rendered) must equal a
 * fresh render of the live state, pixel for pixel. Random traffic covers
 * the ports, the legacy window, direct framebuffer writes and the DISPI
 * registers with absurd values (huge, zero, odd strides, offsets past the
 * end); with the sanitizers this also proves no read outside VRAM. Plus
 * the refresh's bookkeeping: nothing changed means nothing redrawn, a
 * framebuffer write redraws only its lines.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "hw/display/vga.h"

#define VRAM      (1u << 20)
#define MAX_W     VBE_DISPI_MAX_XRES
#define MAX_H     VBE_DISPI_MAX_YRES

typedef struct Pic {
    uint32_t *px;
    int w, h;
} Pic;

typedef struct RefreshTest {
    VGAState s;
    VGASnapshot snap;
    Pic live, full;
    uint64_t rng;
} RefreshTest;

static uint32_t rnd(RefreshTest *t)
{
    t->rng = t->rng * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(t->rng >> 33);
}

static int setup(void **state)
{
    RefreshTest *t = xzalloc(sizeof(*t));

    vga_init(&t->s, NULL, VRAM);
    vga_snapshot_init(&t->snap, VRAM);
    t->live.px = xzalloc((size_t)MAX_W * MAX_H * 4);
    t->full.px = xzalloc((size_t)MAX_W * MAX_H * 4);
    t->rng = 12345;
    *state = t;
    return 0;
}

static int teardown(void **state)
{
    RefreshTest *t = *state;

    vga_snapshot_destroy(&t->snap);
    vga_destroy(&t->s);
    free(t->live.px);
    free(t->full.px);
    free(t);
    return 0;
}

/* One refresh as the display loop does it; returns the lines redrawn. */
static int refresh(RefreshTest *t)
{
    int w, h, y0, y1;

    vga_snapshot_regs(&t->snap, &t->s, &w, &h);
    assert_true(w >= 0 && w <= MAX_W && h >= 0 && h <= MAX_H);
    if (w != t->live.w || h != t->live.h) {
        t->live.w = w;
        t->live.h = h;
        memset(t->live.px, 0x5a, (size_t)MAX_W * MAX_H * 4);
        vga_snapshot_invalidate(&t->snap);
    }
    vga_snapshot_render(&t->snap, t->s.vram, t->live.px, w, w, h, 0,
                        &y0, &y1);
    assert_true(y0 >= 0 && y0 <= y1 && y1 <= h);
    return y1 - y0;
}

static void assert_same_picture(RefreshTest *t, int step)
{
    int w, h;

    vga_get_resolution(&t->s, &w, &h);
    assert_int_equal(w, t->live.w);
    assert_int_equal(h, t->live.h);
    memset(t->full.px, 0, (size_t)w * h * 4);
    vga_render(&t->s, t->full.px, w, w, h);
    if (memcmp(t->live.px, t->full.px, (size_t)w * h * 4)) {
        fail_msg("step %d: the refreshed picture (%dx%d) differs from a "
                 "full render", step, w, h);
    }
}

/* A DISPI mode: 320x200x32 with the LFB. */
static void vbe_mode(VGAState *s, uint16_t xres, uint16_t yres, uint16_t bpp)
{
    vga_vbe_write(s, VBE_DISPI_INDEX_ENABLE, 0);
    vga_vbe_write(s, VBE_DISPI_INDEX_XRES, xres);
    vga_vbe_write(s, VBE_DISPI_INDEX_YRES, yres);
    vga_vbe_write(s, VBE_DISPI_INDEX_BPP, bpp);
    vga_vbe_write(s, VBE_DISPI_INDEX_ENABLE, VBE_DISPI_ENABLED |
                  VBE_DISPI_LFB_ENABLED);
}

static void test_idle_and_lines(void **state)
{
    RefreshTest *t = *state;

    vbe_mode(&t->s, 320, 200, 32);
    assert_int_equal(refresh(t), 200);           /* first frame: all */
    assert_int_equal(refresh(t), 0);             /* nothing changed */
    assert_int_equal(refresh(t), 0);
    /* a pixel on line 150: only the lines of its page */
    ((uint32_t *)t->s.vram)[150 * 320 + 7] = 0x123456;
    int n = refresh(t);
    assert_true(n >= 1 && n <= 4096 / (320 * 4) + 2);
    assert_int_equal(t->live.px[150 * 320 + 7], 0x123456);
    assert_same_picture(t, 0);
    /* a palette change (8 bpp) redraws everything */
    vbe_mode(&t->s, 320, 200, 8);
    refresh(t);
    vga_ioport_write(&t->s, 0x3c8, 0);
    vga_ioport_write(&t->s, 0x3c9, 63);
    vga_ioport_write(&t->s, 0x3c9, 0);
    vga_ioport_write(&t->s, 0x3c9, 0);
    assert_int_equal(refresh(t), 200);
    assert_same_picture(t, 1);
}

static void random_op(RefreshTest *t)
{
    uint32_t r = rnd(t), v = rnd(t);
    static const uint16_t sane[][3] = {
        { 320, 200, 32 }, { 640, 480, 8 }, { 64, 48, 16 }, { 80, 60, 15 },
        { 120, 40, 24 }, { 72, 33, 4 },
    };

    switch (r % 8) {
    case 0:
        vga_ioport_write(&t->s, 0x3b0 + (v % 0x30), (uint8_t)(v >> 8));
        break;
    case 1:
        vga_mem_writeb(&t->s, (v >> 4) % VGA_PLANE_WINDOW, (uint8_t)v);
        break;
    case 2:
    case 3:                                    /* the LFB, by the CPU */
        for (unsigned i = 0; i < (r >> 8) % 64; i++) {
            t->s.vram[(v + i * 97) % VRAM] = (uint8_t)(rnd(t));
        }
        break;
    case 4: {
        const uint16_t *m = sane[(v >> 3) % ARRAY_SIZE(sane)];
        vbe_mode(&t->s, m[0], m[1], m[2]);
        break;
    }
    case 5:                                    /* anything, absurd too */
        vga_vbe_write(&t->s, (uint16_t)(v % VBE_DISPI_INDEX_NB),
                      (uint16_t)(v >> 12 & 1 ? v >> 16 : (v >> 16) % 700));
        break;
    case 6:
        vga_vbe_write(&t->s, VBE_DISPI_INDEX_ENABLE,
                      (uint16_t)(v & 1 ? 0 : VBE_DISPI_ENABLED |
                                 VBE_DISPI_LFB_ENABLED | (v & 0x20)));
        break;
    default:
        (void)vga_ioport_read(&t->s, 0x3b0 + (v % 0x30));
        break;
    }
}

static void test_random_traffic(void **state)
{
    RefreshTest *t = *state;
    int frames = 0;

    for (int step = 0; step < 12000; step++) {
        random_op(t);
        if (rnd(t) % 8 == 0) {
            int w, h;
            vga_get_resolution(&t->s, &w, &h);
            if ((int64_t)w * h > 700 * 500) {
                vbe_mode(&t->s, 320, 200, 32);   /* keep the budget small */
            }
            refresh(t);
            assert_same_picture(t, step);
            frames++;
        }
    }
    assert_true(frames > 700);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_idle_and_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_random_traffic, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
