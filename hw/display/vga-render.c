/*
 * Turning VGA state into pixels: text modes (font from plane 2, 8- or
 * 9-dot cells, cursor, blink), the 16-colour planar modes, the 256-colour
 * chain-4 mode (13h) and the DISPI linear modes. Every VRAM read is
 * masked or bounds-checked, whatever the registers say.
 */
#include "hw/display/vga.h"

#define VGA_MAX_TEXT_COLS  132
#define VGA_MAX_TEXT_ROWS  100

/*
 * A 6-bit DAC value widened to 8 bits: shifted up, the low bit copied into
 * the two new ones (0 -> 0, 63 -> 255), the rule QEMU's VGA uses, so the
 * same screen gives the same pixels in both.
 */
static uint8_t vga_dac_6to8(uint8_t v)
{
    v &= 0x3f;
    return (uint8_t)((v << 2) | ((v & 1) * 3));
}

static uint32_t vga_dac_rgb(const VGAState *s, uint8_t index)
{
    const uint8_t *c = &s->palette[(index & s->pel_mask) * 3];
    bool eight = s->vbe_regs[VBE_DISPI_INDEX_ENABLE] & VBE_DISPI_8BIT_DAC;

    if (eight && vga_vbe_enabled(s)) {
        return (uint32_t)c[0] << 16 | c[1] << 8 | c[2];
    }
    return (uint32_t)vga_dac_6to8(c[0]) << 16 | vga_dac_6to8(c[1]) << 8 |
           vga_dac_6to8(c[2]);
}

/* A 4-bit attribute colour through the attribute palette to the DAC. */
static uint32_t vga_attr_rgb(const VGAState *s, unsigned colour)
{
    uint8_t p = s->ar[colour & 0xf], idx;

    if (s->ar[0x10] & 0x80) {
        idx = (p & 0x0f) | ((s->ar[0x14] & 0x0f) << 4);
    } else {
        idx = (p & 0x3f) | ((s->ar[0x14] & 0x0c) << 4);
    }
    return vga_dac_rgb(s, idx);
}

static uint8_t vga_plane(const VGAState *s, uint32_t a, unsigned p)
{
    return s->vram[(((a & 0xffff) << 2) | p) % s->vram_size];
}

static unsigned vga_scanlines(const VGAState *s)
{
    return (s->cr[0x12] | ((s->cr[7] & 0x02) << 7) |
            ((s->cr[7] & 0x40) << 3)) + 1;
}

static unsigned vga_char_height(const VGAState *s)
{
    return (s->cr[9] & 0x1f) + 1;
}

static unsigned vga_cell_width(const VGAState *s)
{
    return (s->sr[1] & 1) ? 8 : 9;
}

static bool vga_is_text(const VGAState *s)
{
    return !(s->gr[6] & 1);
}

static void vga_text_geometry(const VGAState *s, int *cols, int *rows)
{
    *cols = MIN(s->cr[1] + 1, VGA_MAX_TEXT_COLS);
    *rows = MIN(vga_scanlines(s) / vga_char_height(s), VGA_MAX_TEXT_ROWS);
}

void vga_get_resolution(const VGAState *s, int *w, int *h)
{
    int cols, rows;
    unsigned lines = vga_scanlines(s);

    if (vga_vbe_enabled(s)) {
        *w = s->vbe_regs[VBE_DISPI_INDEX_XRES];
        *h = s->vbe_regs[VBE_DISPI_INDEX_YRES];
    } else if (!(s->ar_index & 0x20) && !(s->ar[0x10] | s->cr[1])) {
        *w = *h = 0;                    /* never programmed */
    } else if (vga_is_text(s)) {
        vga_text_geometry(s, &cols, &rows);
        *w = cols * (int)vga_cell_width(s);
        *h = rows * (int)vga_char_height(s);
    } else {
        if (s->cr[9] & 0x80) {
            lines /= 2;
        }
        lines /= vga_char_height(s);
        *w = (s->cr[1] + 1) * ((s->gr[5] & 0x40) ? 4 : 8);
        *h = (int)lines;
    }
}

/* ---- text ---- */

static uint32_t vga_font_base(const VGAState *s, uint8_t attr)
{
    static const uint16_t map_base[8] = {
        0x0000, 0x4000, 0x8000, 0xc000, 0x2000, 0x6000, 0xa000, 0xe000,
    };
    uint8_t sr3 = s->sr[3];
    unsigned a = ((sr3 >> 2) & 3) | ((sr3 >> 3) & 4);
    unsigned b = (sr3 & 3) | ((sr3 >> 2) & 4);

    return map_base[(attr & 0x08) ? b : a];
}

static bool vga_cursor_at(const VGAState *s, uint32_t addr, unsigned line)
{
    uint32_t pos = (uint32_t)s->cr[0x0e] << 8 | s->cr[0x0f];
    unsigned start = s->cr[0x0a] & 0x1f, end = s->cr[0x0b] & 0x1f;

    return !(s->cr[0x0a] & 0x20) && !s->blink_off && addr == pos &&
           line >= start && line <= end;
}

static void vga_draw_cell(VGAState *s, uint32_t addr, uint32_t *dst,
                          int stride)
{
    uint8_t ch = vga_plane(s, addr, 0), attr = vga_plane(s, addr, 1);
    bool blink = s->ar[0x10] & 0x08;
    uint32_t fg = vga_attr_rgb(s, attr & 0xf);
    uint32_t bg = vga_attr_rgb(s, (attr >> 4) & (blink ? 7 : 0xf));
    uint32_t font = vga_font_base(s, attr) + ch * 32u;
    unsigned cw = vga_cell_width(s), chh = vga_char_height(s);
    bool dup9 = (s->ar[0x10] & 0x04) && ch >= 0xc0 && ch <= 0xdf;
    bool hidden = blink && (attr & 0x80) && s->blink_off;

    for (unsigned y = 0; y < chh; y++) {
        uint8_t bits = hidden ? 0 : vga_plane(s, font + y, 2);
        bool cursor = vga_cursor_at(s, addr, y);
        if (cursor) {
            bits = 0xff;             /* the cursor covers all 9 dots */
        }
        for (unsigned x = 0; x < 8; x++) {
            dst[y * stride + x] = (bits & (0x80 >> x)) ? fg : bg;
        }
        if (cw == 9) {
            dst[y * stride + 8] = ((dup9 || cursor) && (bits & 1)) ? fg : bg;
        }
    }
}

static void vga_render_text(VGAState *s, uint32_t *dst, int stride,
                            int max_w, int max_h)
{
    int cols, rows;
    unsigned cw = vga_cell_width(s), chh = vga_char_height(s);
    uint32_t start = (uint32_t)s->cr[0x0c] << 8 | s->cr[0x0d];
    uint32_t pitch = s->cr[0x13] * 2u;

    vga_text_geometry(s, &cols, &rows);
    for (int r = 0; r < rows && (r + 1) * (int)chh <= max_h; r++) {
        for (int c = 0; c < cols && (c + 1) * (int)cw <= max_w; c++) {
            vga_draw_cell(s, start + r * pitch + c,
                          dst + r * chh * stride + c * cw, stride);
        }
    }
}

/* ---- graphics ---- */

static uint32_t vga_planar_pixel(const VGAState *s, uint32_t a, unsigned x)
{
    unsigned bit = 7 - (x & 7), colour = 0;

    for (unsigned p = 0; p < 4; p++) {
        colour |= ((vga_plane(s, a, p) >> bit) & 1) << p;
    }
    return vga_attr_rgb(s, colour & s->ar[0x12] & 0xf);
}

static void vga_render_planar(VGAState *s, uint32_t *dst, int stride,
                              int w, int h)
{
    uint32_t start = (uint32_t)s->cr[0x0c] << 8 | s->cr[0x0d];
    uint32_t pitch = s->cr[0x13] * 2u;
    bool chain4 = s->gr[5] & 0x40;

    for (int y = 0; y < h; y++) {
        uint32_t line = start + y * pitch;
        for (int x = 0; x < w; x++) {
            if (chain4) {
                uint32_t a = line + x / 4;
                dst[y * stride + x] = vga_dac_rgb(s, vga_plane(s, a, x & 3));
            } else {
                dst[y * stride + x] = vga_planar_pixel(s, line + x / 8, x);
            }
        }
    }
}

static uint32_t vga_vbe_pixel(const VGAState *s, const uint8_t *p,
                              unsigned bpp)
{
    uint16_t v;

    switch (bpp) {
    case 8:
        return vga_dac_rgb(s, p[0]);
    case 15:
        v = ld16le(p);
        return ((v >> 10) & 0x1f) * 255 / 31 << 16 |
               ((v >> 5) & 0x1f) * 255 / 31 << 8 | (v & 0x1f) * 255 / 31;
    case 16:
        v = ld16le(p);
        return ((v >> 11) & 0x1f) * 255 / 31 << 16 |
               ((v >> 5) & 0x3f) * 255 / 63 << 8 | (v & 0x1f) * 255 / 31;
    case 24:
        return (uint32_t)p[2] << 16 | p[1] << 8 | p[0];
    default:
        return ld32le(p) & 0xffffff;
    }
}

static void vga_render_vbe(VGAState *s, uint32_t *dst, int stride,
                           int w, int y0, int y1)
{
    unsigned bpp = s->vbe_regs[VBE_DISPI_INDEX_BPP];
    unsigned bytes = bpp == 4 ? 1 : (bpp + 7) / 8;

    for (int y = y0; y < y1; y++) {
        uint64_t line = s->vbe_start + (uint64_t)y * s->vbe_line;
        for (int x = 0; x < w; x++) {
            uint64_t off = line + (uint64_t)x * bytes;
            dst[y * stride + x] = off + bytes <= s->vram_size ?
                vga_vbe_pixel(s, s->vram + off, bpp == 4 ? 8 : bpp) : 0;
        }
    }
}

void vga_render_lines(VGAState *s, uint32_t *dst, int stride, int max_w,
                      int max_h, int *y0, int *y1)
{
    int w, h;

    vga_get_resolution(s, &w, &h);
    w = MIN(w, max_w);
    h = MIN(h, max_h);
    if (w <= 0 || h <= 0) {
        *y0 = *y1 = 0;
        return;
    }
    if (vga_vbe_enabled(s)) {
        *y0 = MAX(*y0, 0);
        *y1 = MIN(*y1, h);
        vga_render_vbe(s, dst, stride, w, *y0, *y1);
        return;
    }
    *y0 = 0;
    *y1 = h;
    if (vga_is_text(s)) {
        vga_render_text(s, dst, stride, w, h);
    } else {
        vga_render_planar(s, dst, stride, w, h);
    }
}

void vga_render(VGAState *s, uint32_t *dst, int stride, int max_w, int max_h)
{
    int y0 = 0, y1 = max_h;

    vga_render_lines(s, dst, stride, max_w, max_h, &y0, &y1);
    s->plane_dirty = 0;
}
