/*
 * The VGA core: planes and the graphics controller's read/write modes,
 * chain-4 and odd/even, text rendering into pixels (font from plane 2,
 * 9-dot cells, cursor, blink), the DISPI registers and their clamping,
 * and the PCI device with its BARs, console and screendumps.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hw/core/devtypes.h"
#include "hw/core/savestate.h"
#include "hw/display/vga-pci.h"
#include "test-machine.h"

static VGAState *vga_new(void)
{
    VGAState *s = xzalloc(sizeof(*s));

    vga_init(s, NULL, 1u << 20);
    return s;
}

static void vga_free(VGAState *s)
{
    vga_destroy(s);
    free(s);
}

static void sr(VGAState *s, uint8_t i, uint8_t v)
{
    vga_ioport_write(s, 0x3c4, i);
    vga_ioport_write(s, 0x3c5, v);
}

static void gr(VGAState *s, uint8_t i, uint8_t v)
{
    vga_ioport_write(s, 0x3ce, i);
    vga_ioport_write(s, 0x3cf, v);
}

static void cr(VGAState *s, uint8_t i, uint8_t v)
{
    vga_ioport_write(s, 0x3d4, i);
    vga_ioport_write(s, 0x3d5, v);
}

static void ar(VGAState *s, uint8_t i, uint8_t v)
{
    vga_ioport_read(s, 0x3da);               /* flip-flop to index */
    vga_ioport_write(s, 0x3c0, i);
    vga_ioport_write(s, 0x3c0, v);
}

static uint8_t plane(VGAState *s, uint32_t a, unsigned p)
{
    return s->vram[a * 4 + p];
}

/* Planar graphics: 64 KiB window at 0xA0000, no chain-4 or odd/even. */
static void planar(VGAState *s)
{
    vga_ioport_write(s, 0x3c2, 0x63);
    sr(s, 2, 0x0f);
    sr(s, 4, 0x06);
    gr(s, 5, 0x00);
    gr(s, 6, 0x05);
    gr(s, 8, 0xff);
}

static void fill_planes(VGAState *s, uint32_t a, uint8_t p0, uint8_t p1,
                        uint8_t p2, uint8_t p3)
{
    s->vram[a * 4] = p0;
    s->vram[a * 4 + 1] = p1;
    s->vram[a * 4 + 2] = p2;
    s->vram[a * 4 + 3] = p3;
}

static void test_write_mode0_map_mask(void **state)
{
    VGAState *s = vga_new();

    planar(s);
    sr(s, 2, 0x05);
    vga_mem_writeb(s, 0, 0xab);
    assert_int_equal(plane(s, 0, 0), 0xab);
    assert_int_equal(plane(s, 0, 1), 0x00);
    assert_int_equal(plane(s, 0, 2), 0xab);
    assert_int_equal(plane(s, 0, 3), 0x00);
    /* set/reset: GR1 enables it on every plane, GR0 gives the value */
    sr(s, 2, 0x0f);
    gr(s, 1, 0x0f);
    gr(s, 0, 0x0a);
    vga_mem_writeb(s, 1, 0x55);
    assert_int_equal(plane(s, 1, 0), 0x00);
    assert_int_equal(plane(s, 1, 1), 0xff);
    assert_int_equal(plane(s, 1, 2), 0x00);
    assert_int_equal(plane(s, 1, 3), 0xff);
    /* rotate right by one */
    gr(s, 1, 0);
    gr(s, 3, 0x01);
    vga_mem_writeb(s, 2, 0x01);
    assert_int_equal(plane(s, 2, 0), 0x80);
    vga_free(s);
}

static void test_bit_mask_and_logical_ops(void **state)
{
    VGAState *s = vga_new();

    planar(s);
    fill_planes(s, 3, 0xf0, 0xf0, 0xf0, 0xf0);
    vga_mem_readb(s, 3);                         /* load the latches */
    gr(s, 8, 0x0f);
    vga_mem_writeb(s, 3, 0xff);
    assert_int_equal(plane(s, 3, 0), 0xff);      /* 0x0f new | 0xf0 latch */
    fill_planes(s, 4, 0x00, 0x00, 0x00, 0x00);
    vga_mem_readb(s, 4);
    vga_mem_writeb(s, 4, 0xff);
    assert_int_equal(plane(s, 4, 2), 0x0f);
    /* XOR with the latches */
    gr(s, 8, 0xff);
    gr(s, 3, 0x18);
    fill_planes(s, 5, 0xf0, 0x0f, 0xff, 0x00);
    vga_mem_readb(s, 5);
    vga_mem_writeb(s, 5, 0xff);
    assert_int_equal(plane(s, 5, 0), 0x0f);
    assert_int_equal(plane(s, 5, 1), 0xf0);
    assert_int_equal(plane(s, 5, 2), 0x00);
    assert_int_equal(plane(s, 5, 3), 0xff);
    /* AND, OR */
    gr(s, 3, 0x08);
    vga_mem_readb(s, 5);
    vga_mem_writeb(s, 5, 0x3c);
    assert_int_equal(plane(s, 5, 0), 0x0c);
    gr(s, 3, 0x10);
    vga_mem_readb(s, 5);
    vga_mem_writeb(s, 5, 0x30);
    assert_int_equal(plane(s, 5, 0), 0x3c);
    vga_free(s);
}

static void test_write_modes_1_2_3(void **state)
{
    VGAState *s = vga_new();

    planar(s);
    fill_planes(s, 10, 0x12, 0x34, 0x56, 0x78);
    gr(s, 5, 0x01);                              /* copy the latches */
    vga_mem_readb(s, 10);
    vga_mem_writeb(s, 11, 0x00);
    assert_memory_equal(&s->vram[44], &s->vram[40], 4);
    gr(s, 5, 0x02);                              /* colour to every bit */
    vga_mem_readb(s, 12);
    vga_mem_writeb(s, 12, 0x05);
    assert_int_equal(plane(s, 12, 0), 0xff);
    assert_int_equal(plane(s, 12, 1), 0x00);
    assert_int_equal(plane(s, 12, 2), 0xff);
    assert_int_equal(plane(s, 12, 3), 0x00);
    gr(s, 5, 0x03);                              /* set/reset, masked */
    gr(s, 0, 0x0c);
    fill_planes(s, 13, 0xa0, 0xa0, 0xa0, 0xa0);
    vga_mem_readb(s, 13);
    vga_mem_writeb(s, 13, 0x0f);
    assert_int_equal(plane(s, 13, 0), 0xa0);
    assert_int_equal(plane(s, 13, 1), 0xa0);
    assert_int_equal(plane(s, 13, 2), 0xaf);
    assert_int_equal(plane(s, 13, 3), 0xaf);
    vga_free(s);
}

static void test_read_modes(void **state)
{
    VGAState *s = vga_new();

    planar(s);
    fill_planes(s, 7, 0xff, 0x00, 0xff, 0x0f);
    gr(s, 4, 2);
    assert_int_equal(vga_mem_readb(s, 7), 0xff);
    gr(s, 4, 3);
    assert_int_equal(vga_mem_readb(s, 7), 0x0f);
    gr(s, 5, 0x08);                              /* colour compare */
    gr(s, 2, 0x05);
    gr(s, 7, 0x0f);
    assert_int_equal(vga_mem_readb(s, 7), 0xf0);
    gr(s, 7, 0x00);                              /* no plane cares */
    assert_int_equal(vga_mem_readb(s, 7), 0xff);
    vga_free(s);
}

static void test_chain4_odd_even_and_windows(void **state)
{
    VGAState *s = vga_new();

    planar(s);
    sr(s, 4, 0x0e);                              /* chain 4 */
    vga_mem_writeb(s, 5, 0x77);
    assert_int_equal(s->vram[5], 0x77);
    assert_int_equal(vga_mem_readb(s, 5), 0x77);
    sr(s, 2, 0x0e);                              /* plane 1 only */
    vga_mem_writeb(s, 4, 0x99);                  /* plane 0: masked */
    assert_int_equal(s->vram[4], 0x00);
    /* odd/even text at 0xB8000 */
    sr(s, 2, 0x03);
    sr(s, 4, 0x02);
    gr(s, 6, 0x0e);
    vga_mem_writeb(s, 0x18000, 'H');
    vga_mem_writeb(s, 0x18001, 0x1f);
    vga_mem_writeb(s, 0x18002, 'i');
    assert_int_equal(plane(s, 0, 0), 'H');
    assert_int_equal(plane(s, 0, 1), 0x1f);
    assert_int_equal(plane(s, 1, 0), 'i');
    assert_int_equal(vga_mem_readb(s, 0x18001), 0x1f);
    /* outside the selected window: dropped, reads all-ones */
    vga_mem_writeb(s, 0x100, 0x55);
    assert_int_equal(vga_mem_readb(s, 0x100), 0xff);
    assert_int_equal(plane(s, 0x80, 0), 0);
    vga_free(s);
}

static void test_ports(void **state)
{
    VGAState *s = vga_new();

    /* mono misc output: CRTC at 0x3B4, not 0x3D4 */
    vga_ioport_write(s, 0x3c2, 0x62);
    assert_int_equal(vga_ioport_read(s, 0x3cc), 0x62);
    vga_ioport_write(s, 0x3b4, 0x0e);
    vga_ioport_write(s, 0x3b5, 0x12);
    assert_int_equal(s->cr[0x0e], 0x12);
    vga_ioport_write(s, 0x3d4, 0x0f);
    assert_int_equal(vga_ioport_read(s, 0x3d5), 0xff);
    vga_ioport_write(s, 0x3c2, 0x63);
    cr(s, 0x0f, 0x34);
    assert_int_equal(vga_ioport_read(s, 0x3d5), 0x34);
    /* CR11 bit 7 protects CR0-7 */
    cr(s, 0x11, 0x80);
    cr(s, 0x01, 0x4f);
    assert_int_equal(s->cr[1], 0);
    /* attribute flip-flop: reset by reading input status 1 */
    vga_ioport_write(s, 0x3c0, 0x12);
    vga_ioport_write(s, 0x3c0, 0x0f);
    assert_int_equal(s->ar[0x12], 0x0f);
    vga_ioport_write(s, 0x3c0, 0x05);            /* an index again */
    vga_ioport_read(s, 0x3da);
    vga_ioport_write(s, 0x3c0, 0x13);
    vga_ioport_write(s, 0x3c0, 0x08);
    assert_int_equal(s->ar[0x13], 0x08);
    assert_int_equal(s->ar[0x05], 0);
    /* DAC: write index, three components, auto-increment, read back */
    vga_ioport_write(s, 0x3c8, 7);
    for (int i = 0; i < 6; i++) {
        vga_ioport_write(s, 0x3c9, 0x40 | i);    /* masked to 6 bits */
    }
    vga_ioport_write(s, 0x3c7, 8);
    assert_int_equal(vga_ioport_read(s, 0x3c9), 3);
    assert_int_equal(vga_ioport_read(s, 0x3c9), 4);
    assert_int_equal(vga_ioport_read(s, 0x3c9), 5);
    assert_int_equal(s->palette[7 * 3], 0);
    vga_free(s);
}

/* ---- text rendering ---- */

static const uint8_t ega_ar[16] = {
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07,
    0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f,
};

static void load_ega_dac(VGAState *s)
{
    vga_ioport_write(s, 0x3c8, 0);
    for (int i = 0; i < 64; i++) {
        /* EGA 6-bit colour rgbRGB: each channel 2/3 high + 1/3 low bit */
        int r = ((i >> 2) & 1) * 42 + ((i >> 5) & 1) * 21;
        int g = ((i >> 1) & 1) * 42 + ((i >> 4) & 1) * 21;
        int b = (i & 1) * 42 + ((i >> 3) & 1) * 21;
        vga_ioport_write(s, 0x3c9, r);
        vga_ioport_write(s, 0x3c9, g);
        vga_ioport_write(s, 0x3c9, b);
    }
}

/* Mode 3 as the BIOS sets it (80x25, 9x16 cells), with a test font. */
static void text_mode(VGAState *s)
{
    planar(s);
    sr(s, 1, 0x00);
    sr(s, 3, 0x00);
    for (int c = 0; c < 256; c++) {              /* font: plane 2 */
        for (int y = 0; y < 16; y++) {
            uint8_t bits = c == 'A' ? (y == 2 ? 0xff : 0x81) :
                           c == 0xc4 ? (y == 8 ? 0xff : 0x00) : 0;
            s->vram[(c * 32 + y) * 4 + 2] = bits;
        }
    }
    sr(s, 4, 0x02);
    gr(s, 5, 0x10);
    gr(s, 6, 0x0e);
    cr(s, 0x01, 0x4f);
    cr(s, 0x07, 0x1f);
    cr(s, 0x09, 0x4f);
    cr(s, 0x0a, 0x0e);
    cr(s, 0x0b, 0x0f);
    cr(s, 0x12, 0x8f);
    cr(s, 0x13, 0x28);
    for (int i = 0; i < 16; i++) {
        ar(s, i, ega_ar[i]);
    }
    ar(s, 0x10, 0x0c);
    ar(s, 0x12, 0x0f);
    ar(s, 0x14, 0x00);
    vga_ioport_write(s, 0x3c0, 0x20);            /* palette to the screen */
    load_ega_dac(s);
    sr(s, 2, 0x03);
}

static void put_char(VGAState *s, int pos, uint8_t ch, uint8_t attr)
{
    vga_mem_writeb(s, 0x18000 + pos * 2, ch);
    vga_mem_writeb(s, 0x18000 + pos * 2 + 1, attr);
}

/* DAC 42 widens to 0xa8 (low bit copied, as QEMU), 63 to 0xff */
#define WHITE 0xffffff
#define BLUE  0x0000a8
#define RED   0xa80000
#define BLACK 0x000000

static void test_text_render(void **state)
{
    VGAState *s = vga_new();
    int w, h;
    uint32_t *px = xzalloc(720 * 400 * 4);

    text_mode(s);
    vga_get_resolution(s, &w, &h);
    assert_int_equal(w, 720);
    assert_int_equal(h, 400);
    put_char(s, 0, 'A', 0x1f);                   /* white on blue */
    put_char(s, 1, 0xc4, 0x04);                  /* line graphics, red */
    put_char(s, 2, 'A', 0x04);
    put_char(s, 80, 'A', 0x9f);                  /* blinking, row 1 */
    cr(s, 0x0e, 0);
    cr(s, 0x0f, 2);                              /* cursor on cell 2 */
    vga_render(s, px, 720, 720, 400);
    assert_int_equal(px[0], WHITE);              /* 'A' row 0: 0x81 */
    assert_int_equal(px[1], BLUE);
    assert_int_equal(px[7], WHITE);
    assert_int_equal(px[8], BLUE);               /* 9th dot: background */
    assert_int_equal(px[2 * 720 + 4], WHITE);    /* row 2: 0xff */
    /* 0xC4: the 9th dot repeats the 8th */
    assert_int_equal(px[8 * 720 + 9 + 7], RED);
    assert_int_equal(px[8 * 720 + 9 + 8], RED);
    assert_int_equal(px[7 * 720 + 9 + 8], BLACK);
    /* cursor: lines 14-15 of cell 2 in the foreground */
    assert_int_equal(px[13 * 720 + 18 + 3], BLACK);
    assert_int_equal(px[14 * 720 + 18 + 3], RED);
    assert_int_equal(px[15 * 720 + 18 + 3], RED);
    /* blink attribute: background from bits 4-6 only */
    assert_int_equal(px[16 * 720 + 1], BLUE);
    assert_int_equal(px[16 * 720 + 0], WHITE);
    s->blink_off = true;
    vga_render(s, px, 720, 720, 400);
    assert_int_equal(px[16 * 720 + 0], BLUE);    /* hidden */
    assert_int_equal(px[0], WHITE);              /* not blinking */
    assert_int_equal(px[14 * 720 + 18 + 3], BLACK); /* cursor off phase */
    /* 8-dot cells */
    sr(s, 1, 0x01);
    vga_get_resolution(s, &w, &h);
    assert_int_equal(w, 640);
    free(px);
    vga_free(s);
}

static void test_mode13_and_planar_render(void **state)
{
    VGAState *s = vga_new();
    int w, h;
    uint32_t *px = xzalloc(640 * 480 * 4);

    text_mode(s);
    /* mode 13h: 320x200, chain-4, double-scanned 400 lines */
    sr(s, 4, 0x0e);
    sr(s, 2, 0x0f);
    gr(s, 5, 0x40);
    gr(s, 6, 0x05);
    cr(s, 0x01, 0x4f);
    cr(s, 0x09, 0x41);
    ar(s, 0x10, 0x41);
    vga_ioport_write(s, 0x3c0, 0x20);
    vga_get_resolution(s, &w, &h);
    assert_int_equal(w, 320);
    assert_int_equal(h, 200);
    vga_mem_writeb(s, 321, 4);                   /* (1,1) red */
    vga_render(s, px, 320, 320, 200);
    assert_int_equal(px[321], RED);
    assert_int_equal(px[320], BLACK);
    /* mode 12h-like: 640x480 16 colours planar */
    sr(s, 4, 0x06);
    gr(s, 5, 0x00);
    cr(s, 0x09, 0x40);
    cr(s, 0x12, 0xdf);
    cr(s, 0x07, 0x3e);
    vga_get_resolution(s, &w, &h);
    assert_int_equal(w, 640);
    assert_int_equal(h, 480);
    sr(s, 2, 0x01);                              /* blue plane */
    vga_mem_writeb(s, 80, 0x80);                 /* (0,1) */
    vga_render(s, px, 640, 640, 480);
    assert_int_equal(px[640], BLUE);
    assert_int_equal(px[641], BLACK);
    /* the colour plane enable hides it */
    ar(s, 0x12, 0x0e);
    vga_ioport_write(s, 0x3c0, 0x20);
    vga_render(s, px, 640, 640, 480);
    assert_int_equal(px[640], BLACK);
    free(px);
    vga_free(s);
}

/* ---- DISPI ---- */

static void vbe(VGAState *s, uint16_t i, uint16_t v)
{
    vga_vbe_write(s, i, v);
}

static void vbe_mode(VGAState *s, int w, int h, int bpp, uint16_t flags)
{
    vbe(s, VBE_DISPI_INDEX_ENABLE, 0);
    vbe(s, VBE_DISPI_INDEX_XRES, w);
    vbe(s, VBE_DISPI_INDEX_YRES, h);
    vbe(s, VBE_DISPI_INDEX_BPP, bpp);
    vbe(s, VBE_DISPI_INDEX_ENABLE, VBE_DISPI_ENABLED | flags);
}

static void assert_mode_fits(VGAState *s)
{
    uint16_t *r = s->vbe_regs;
    unsigned bytes = (r[VBE_DISPI_INDEX_BPP] + 7) / 8;

    assert_true((uint64_t)s->vbe_start +
                (uint64_t)(r[VBE_DISPI_INDEX_YRES] - 1) * s->vbe_line +
                (uint64_t)r[VBE_DISPI_INDEX_XRES] * bytes <= s->vram_size);
    assert_true(r[VBE_DISPI_INDEX_XRES] >= 8);
    assert_true(r[VBE_DISPI_INDEX_YRES] >= 1);
}

static void test_dispi_registers(void **state)
{
    VGAState *s = vga_new();
    uint32_t px[64 * 4];
    int w, h;

    assert_int_equal(vga_vbe_read(s, VBE_DISPI_INDEX_ID), VBE_DISPI_ID5);
    vbe(s, VBE_DISPI_INDEX_ID, 0x1234);
    assert_int_equal(vga_vbe_read(s, VBE_DISPI_INDEX_ID), VBE_DISPI_ID5);
    vbe(s, VBE_DISPI_INDEX_ID, VBE_DISPI_ID0);
    assert_int_equal(vga_vbe_read(s, VBE_DISPI_INDEX_ID), VBE_DISPI_ID0);
    assert_int_equal(vga_vbe_read(s, VBE_DISPI_INDEX_VIDEO_MEMORY_64K), 16);
    vbe(s, VBE_DISPI_INDEX_ENABLE, VBE_DISPI_GETCAPS);
    assert_int_equal(vga_vbe_read(s, VBE_DISPI_INDEX_XRES), VBE_DISPI_MAX_XRES);
    assert_int_equal(vga_vbe_read(s, VBE_DISPI_INDEX_BPP), 32);
    memset(s->vram, 0x5a, 4096);
    vbe_mode(s, 64, 4, 32, VBE_DISPI_LFB_ENABLED);
    assert_int_equal(s->vram[0], 0);             /* cleared */
    vga_get_resolution(s, &w, &h);
    assert_int_equal(w, 64);
    assert_int_equal(h, 4);
    assert_int_equal(vga_vbe_read(s, VBE_DISPI_INDEX_VIRT_WIDTH), 64);
    st32le(s->vram + (64 * 1 + 3) * 4, 0x123456);
    vga_render(s, px, 64, 64, 4);
    assert_int_equal(px[64 + 3], 0x123456);
    /* geometry is fixed while enabled; the offset moves the view */
    vbe(s, VBE_DISPI_INDEX_XRES, 800);
    assert_int_equal(vga_vbe_read(s, VBE_DISPI_INDEX_XRES), 64);
    vbe(s, VBE_DISPI_INDEX_Y_OFFSET, 1);
    vga_render(s, px, 64, 64, 4);
    assert_int_equal(px[3], 0x123456);
    /* banked window: bank 1 is VRAM 64 KiB on */
    vbe(s, VBE_DISPI_INDEX_BANK, 1);
    vga_mem_writeb(s, 0x10, 0xab);
    assert_int_equal(s->vram[0x10010], 0xab);
    assert_int_equal(vga_mem_readb(s, 0x10), 0xab);
    vbe(s, VBE_DISPI_INDEX_BANK, 9999);          /* past VRAM: ignored */
    assert_int_equal(vga_vbe_read(s, VBE_DISPI_INDEX_BANK), 1);
    /* NOCLEARMEM keeps the contents; 16 bpp */
    vbe_mode(s, 64, 4, 16, VBE_DISPI_NOCLEARMEM);
    st16le(s->vram + 2, 0xf800);
    vga_render(s, px, 64, 64, 4);
    assert_int_equal(px[1], 0xff0000);
    vga_free(s);
}

static void test_dispi_clamps_absurd_modes(void **state)
{
    VGAState *s = vga_new();
    static uint32_t px[VBE_DISPI_MAX_XRES * 8];

    vbe_mode(s, 0xffff, 0xffff, 7, 0);           /* bad depth: 8 bpp */
    assert_int_equal(vga_vbe_read(s, VBE_DISPI_INDEX_BPP), 8);
    assert_int_equal(vga_vbe_read(s, VBE_DISPI_INDEX_XRES), VBE_DISPI_MAX_XRES);
    assert_true(vga_vbe_read(s, VBE_DISPI_INDEX_YRES) <= VBE_DISPI_MAX_YRES);
    assert_mode_fits(s);
    vbe_mode(s, 0, 0, 32, 0);                    /* zero sizes */
    assert_int_equal(vga_vbe_read(s, VBE_DISPI_INDEX_XRES), 8);
    assert_int_equal(vga_vbe_read(s, VBE_DISPI_INDEX_YRES), 1);
    vbe_mode(s, 13, 7, 24, 0);                   /* odd width */
    assert_int_equal(vga_vbe_read(s, VBE_DISPI_INDEX_XRES), 8);
    /* a 1 MiB VRAM cannot hold 2560x1600x32: the height shrinks */
    vbe_mode(s, 2560, 1600, 32, VBE_DISPI_NOCLEARMEM);
    assert_mode_fits(s);
    assert_int_equal(vga_vbe_read(s, VBE_DISPI_INDEX_YRES), (1 << 20) / 10240);
    /* offsets and virtual sizes past the framebuffer */
    vbe(s, VBE_DISPI_INDEX_Y_OFFSET, 0xffff);
    vbe(s, VBE_DISPI_INDEX_X_OFFSET, 0xffff);
    assert_mode_fits(s);
    vbe(s, VBE_DISPI_INDEX_VIRT_WIDTH, 0xffff);
    assert_mode_fits(s);
    vbe(s, VBE_DISPI_INDEX_VIRT_WIDTH, 1);       /* below xres: raised */
    assert_int_equal(vga_vbe_read(s, VBE_DISPI_INDEX_VIRT_WIDTH), 2560);
    assert_mode_fits(s);
    vga_render(s, px, VBE_DISPI_MAX_XRES, VBE_DISPI_MAX_XRES, 8);
    /* unknown registers */
    vbe(s, 0x77, 1);
    assert_int_equal(vga_vbe_read(s, 0x77), 0);
    vga_free(s);
}

/* Random register, port and memory traffic never leaves VRAM. */
static void test_random_traffic(void **state)
{
    VGAState *s = vga_new();
    uint32_t *px = xzalloc(4096 * 512 * 4);
    uint32_t seed = 12345;

    for (int i = 0; i < 200000; i++) {
        seed = seed * 1103515245u + 12345u;
        uint32_t r = seed >> 8;
        switch (r & 3) {
        case 0: vga_ioport_write(s, 0x3b0 + (r >> 2) % 0x30, r >> 16); break;
        case 1: vga_vbe_write(s, (r >> 2) % 12, (uint16_t)(r >> 8)); break;
        case 2: vga_mem_writeb(s, (r >> 2) % VGA_PLANE_WINDOW, r >> 20); break;
        default: vga_mem_readb(s, (r >> 2) % VGA_PLANE_WINDOW); break;
        }
        if (i % 5000 == 0) {
            int w, h;
            vga_get_resolution(s, &w, &h);
            assert_true(w >= 0 && h >= 0);
            vga_render(s, px, 4096, 4096, 512);
        }
    }
    free(px);
    vga_free(s);
}

/* ---- the PCI device, its console and screendumps ---- */

typedef struct Fx {
    Machine *m;
    Device *root;
    VGAPCIState *vga;
} Fx;

static int fx_setup(void **state)
{
    Fx *f = xzalloc(sizeof(*f));
    Error err = { "" };

    f->m = test_machine(16 << 20);
    f->root = device_new(f->m, &machine_root_type, NULL, "pc");
    f->root->realized = true;
    assert_non_null(device_create(f->m, "i440FX", f->root, "", &err));
    assert_non_null(device_create(f->m, "PIIX3", f->root, "addr=1", &err));
    f->vga = (VGAPCIState *)device_create(f->m, "VGA", f->root, "addr=2", &err);
    assert_non_null(f->vga);
    pthread_mutex_lock(&f->m->lock);
    *state = f;
    return 0;
}

static int fx_teardown(void **state)
{
    Fx *f = *state;

    pthread_mutex_unlock(&f->m->lock);
    device_destroy(f->root);
    assert_null(f->m->consoles[0]);
    test_machine_free(f->m);
    free(f);
    return 0;
}

static uint32_t cfg_rw(Fx *f, unsigned reg, uint32_t v, bool write)
{
    address_space_st(&f->m->io, 0xcf8, 0x80000000u | (PCI_DEVFN(2, 0) << 8) |
                     reg, 4);
    if (write) {
        address_space_st(&f->m->io, 0xcfc, v, 4);
    }
    return (uint32_t)address_space_ld(&f->m->io, 0xcfc, 4);
}

static void test_pci_device(void **state)
{
    Fx *f = *state;
    AddressSpace *io = &f->m->io, *mem = &f->m->mem;

    assert_int_equal(cfg_rw(f, 0, 0, false), 0x11111234);
    assert_int_equal(cfg_rw(f, 8, 0, false) >> 8, 0x030000);
    /* BAR 0: 16 MiB prefetchable; BAR 2: 4 KiB MMIO */
    assert_int_equal(cfg_rw(f, 0x10, 0xffffffff, true), 0xff000008);
    assert_int_equal(cfg_rw(f, 0x18, 0xffffffff, true), 0xfffff000);
    cfg_rw(f, 0x10, 0xfd000000, true);
    cfg_rw(f, 0x18, 0xfebf0000, true);
    cfg_rw(f, 4, PCI_COMMAND_MEMORY | PCI_COMMAND_IO, true);
    /* DISPI through the ports and through BAR 2 */
    address_space_st(io, 0x1ce, VBE_DISPI_INDEX_ID, 2);
    assert_int_equal(address_space_ld(io, 0x1cf, 2), VBE_DISPI_ID5);
    address_space_st(mem, 0xfebf0500 + 2 * VBE_DISPI_INDEX_XRES, 32, 2);
    address_space_st(mem, 0xfebf0500 + 2 * VBE_DISPI_INDEX_YRES, 16, 2);
    address_space_st(mem, 0xfebf0500 + 2 * VBE_DISPI_INDEX_BPP, 32, 2);
    address_space_st(mem, 0xfebf0500 + 2 * VBE_DISPI_INDEX_ENABLE,
                     VBE_DISPI_ENABLED | VBE_DISPI_LFB_ENABLED, 2);
    address_space_st(io, 0x1ce, VBE_DISPI_INDEX_XRES, 2);
    assert_int_equal(address_space_ld(io, 0x1cf, 2), 32);
    /* the LFB is the VRAM, and so is the banked window */
    address_space_st(mem, 0xfd000000 + 4 * 33, 0x00ff8000, 4);
    assert_int_equal(ld32le(f->vga->vga.vram + 4 * 33), 0x00ff8000);
    address_space_st(mem, 0xa0000 + 4 * 34, 0x11, 1);
    assert_int_equal(address_space_ld(mem, 0xfd000000 + 4 * 34, 1), 0x11);
    /* VGA ports through BAR 2: misc output at 0x3C2 (0x402) reads at 0x3CC */
    address_space_st(mem, 0xfebf0402, 0x63, 1);
    assert_int_equal(address_space_ld(io, 0x3cc, 1), 0x63);
    /* the console sees the mode */
    Console *con = console_get(f->m, 0);
    assert_non_null(con);
    console_update(con);
    assert_int_equal(console_width(con), 32);
    assert_int_equal(console_height(con), 16);
    assert_int_equal(console_data(con)[33], 0x00ff8000);
}

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    uint8_t *buf = xzalloc(1 << 20);

    assert_non_null(fp);
    *len = fread(buf, 1, 1 << 20, fp);
    fclose(fp);
    return buf;
}

static void test_screendump(void **state)
{
    Fx *f = *state;
    VGAState *s = &f->vga->vga;
    Console *con = console_get(f->m, 0);
    Error err = { "" };
    char dir[] = "/tmp/kite-vga-XXXXXX", *ppm, *png, *bad;
    uint8_t *data;
    size_t len;

    assert_non_null(mkdtemp(dir));
    ppm = xasprintf("%s/a.ppm", dir);
    png = xasprintf("%s/a.png", dir);
    bad = xasprintf("%s/missing/a.ppm", dir);
    /* nothing programmed yet: no picture, no file */
    assert_int_equal(console_screendump(con, ppm, NULL, &err), -1);
    assert_int_not_equal(access(ppm, F_OK), 0);
    vbe_mode(s, 8, 2, 32, 0);
    st32le(s->vram + 4 * 9, 0x00102030);
    assert_int_equal(console_screendump(con, ppm, "ppm", &err), 0);
    data = read_file(ppm, &len);
    assert_int_equal(len, 11 + 8 * 2 * 3);
    assert_memory_equal(data, "P6\n8 2\n255\n", 11);
    assert_memory_equal(data + 11 + 9 * 3, "\x10\x20\x30", 3);
    assert_memory_equal(data + 11 + 8 * 3, "\0\0\0", 3);
    free(data);
    assert_int_equal(console_screendump(con, png, "png", &err), 0);
    data = read_file(png, &len);
    assert_true(len > 8);
    assert_memory_equal(data, "\x89PNG\r\n\x1a\n", 8);
    free(data);
    /* bad format, unwritable path: an error, no file left behind */
    assert_int_equal(console_screendump(con, ppm, "bmp", &err), -1);
    assert_non_null(strstr(err.msg, "bmp"));
    assert_int_equal(console_screendump(con, bad, "ppm", &err), -1);
    assert_int_not_equal(access(bad, F_OK), 0);
    /* the pixel checksum follows the picture */
    console_update(con);
    uint64_t before = console_checksum(con);
    s->vram[0] = 1;
    console_update(con);
    assert_true(console_checksum(con) != before);
    unlink(ppm);
    unlink(png);
    rmdir(dir);
    free(ppm);
    free(png);
    free(bad);
}

static void test_save_load(void **state)
{
    VGAState *a = vga_new(), *b = vga_new(), *c = xzalloc(sizeof(*c));
    SaveBuf sa, sb;
    Error err = { "" };
    uint32_t pa[720 * 400], pb[720 * 400];

    text_mode(a);
    put_char(a, 0, 'A', 0x1f);
    vga_ioport_write(a, 0x3c8, 5);
    vga_ioport_write(a, 0x3c9, 1);               /* DAC mid-triple */
    savebuf_init(&sa);
    vga_save(a, &sa);
    SaveBuf rd;
    savebuf_init_read(&rd, sa.data, sa.len);
    assert_int_equal(vga_load(b, &rd, &err), 0);
    vga_render(a, pa, 720, 720, 400);
    vga_render(b, pb, 720, 720, 400);
    assert_memory_equal(pa, pb, sizeof(pa));
    savebuf_init(&sb);
    vga_save(b, &sb);
    assert_int_equal(sa.len, sb.len);
    assert_memory_equal(sa.data, sb.data, sa.len);
    /* refused: truncated, another VRAM size, a DAC step out of range */
    savebuf_init_read(&rd, sa.data, sa.len - 1);
    assert_int_equal(vga_load(b, &rd, &err), -1);
    vga_init(c, NULL, 2u << 20);
    savebuf_init_read(&rd, sa.data, sa.len);
    assert_int_equal(vga_load(c, &rd, &err), -1);
    size_t sub = 1 + 4 + 1 + 1 + 8 + 1 + 16 + 1 + 32 + 1 + 1 + 256 + 1 + 1 + 1 + 1;
    assert_int_equal(sa.data[sub], 1);           /* dac_sub */
    sa.data[sub] = 3;
    savebuf_init_read(&rd, sa.data, sa.len);
    assert_int_equal(vga_load(b, &rd, &err), -1);
    vga_render(b, pb, 720, 720, 400);            /* b is unchanged */
    assert_memory_equal(pa, pb, sizeof(pa));
    savebuf_free(&sa);
    savebuf_free(&sb);
    vga_destroy(c);
    free(c);
    vga_free(a);
    vga_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_write_mode0_map_mask),
        cmocka_unit_test(test_bit_mask_and_logical_ops),
        cmocka_unit_test(test_write_modes_1_2_3),
        cmocka_unit_test(test_read_modes),
        cmocka_unit_test(test_chain4_odd_even_and_windows),
        cmocka_unit_test(test_ports),
        cmocka_unit_test(test_text_render),
        cmocka_unit_test(test_mode13_and_planar_render),
        cmocka_unit_test(test_dispi_registers),
        cmocka_unit_test(test_dispi_clamps_absurd_modes),
        cmocka_unit_test(test_random_traffic),
        cmocka_unit_test(test_save_load),
        cmocka_unit_test_setup_teardown(test_pci_device, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_screendump, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
