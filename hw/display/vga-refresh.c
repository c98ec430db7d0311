/*
 * Refreshing a display from a snapshot of the VGA (see vga.h): only the
 * register file is copied under the machine lock; the VRAM the picture
 * shows is compared page by page with the snapshot's copy, changed pages
 * are copied, and only the lines they hold are rendered (DISPI modes;
 * text and the planar modes are small and redrawn whole when anything
 * in their 256 KiB changed). Reading live VRAM while a vCPU writes it is
 * as on real hardware: a frame may show a half-finished update, the next
 * one shows the rest.
 *
 * Why compare instead of reading the memory core's dirty bits: those are
 * migration's, and a page stays writable in the soft TLB (and under KVM)
 * after its bit is set, so later writes would not set it again.
 */
#include "hw/display/vga.h"

#include <stdlib.h>
#include <string.h>

#define VGA_PAGE        4096u
#define VGA_LEGACY_SIZE 0x40000u         /* 4 planes x 64 KiB */

void vga_snapshot_init(VGASnapshot *snap, uint32_t vram_size)
{
    memset(snap, 0, sizeof(*snap));
    snap->vram = xzalloc(vram_size);
    snap->regs.vram_size = vram_size;
}

void vga_snapshot_destroy(VGASnapshot *snap)
{
    free(snap->vram);
    snap->vram = NULL;
}

void vga_snapshot_invalidate(VGASnapshot *snap)
{
    snap->valid = false;
}

void vga_snapshot_regs(VGASnapshot *snap, const VGAState *live, int *w,
                       int *h)
{
    snap->next = *live;
    snap->next.vram = snap->vram;
    snap->next.vram_size = MIN(live->vram_size, snap->regs.vram_size);
    vga_get_resolution(&snap->next, w, h);
}

static bool vga_regs_equal(const VGAState *a, const VGAState *b)
{
    size_t from = offsetof(VGAState, misc), to = offsetof(VGAState, blink_off);

    return !memcmp((const uint8_t *)a + from, (const uint8_t *)b + from,
                   to - from);
}

/* The VRAM bytes the picture reads: [*start, *end). */
static void vga_shown_range(const VGAState *s, int h, uint32_t *start,
                            uint32_t *end)
{
    uint64_t e;

    if (vga_vbe_enabled(s)) {
        *start = MIN(s->vbe_start, s->vram_size);
        e = (uint64_t)s->vbe_start + (uint64_t)h * s->vbe_line;
    } else {
        *start = 0;
        e = VGA_LEGACY_SIZE;
    }
    *end = (uint32_t)MIN(e, (uint64_t)s->vram_size);
}

/*
 * Copies the changed pages of [start, end) into the snapshot (all of
 * them when all is set); returns whether any changed and their span.
 */
static bool vga_copy_changed(VGASnapshot *snap, const uint8_t *live,
                             uint32_t start, uint32_t end, bool all,
                             uint32_t *lo, uint32_t *hi)
{
    bool any = false;

    for (uint32_t off = start & ~(VGA_PAGE - 1); off < end; off += VGA_PAGE) {
        uint32_t a = MAX(off, start), n = MIN(off + VGA_PAGE, end) - a;
        if (!all && !memcmp(snap->vram + a, live + a, n)) {
            continue;
        }
        memcpy(snap->vram + a, live + a, n);
        if (!any) {
            *lo = a;
        }
        *hi = a + n;
        any = true;
    }
    return any;
}

void vga_snapshot_render(VGASnapshot *snap, const uint8_t *live_vram,
                         uint32_t *dst, int stride, int w, int h,
                         uint8_t blink, int *y0, int *y1)
{
    VGAState *s = &snap->next;
    bool all = !snap->valid || !vga_regs_equal(&snap->regs, s);
    uint32_t start, end, lo = 0, hi = 0;
    bool text = !vga_vbe_enabled(s) && !(s->gr[6] & 1);

    *y0 = *y1 = 0;
    if (w <= 0 || h <= 0) {
        snap->regs = *s;
        snap->valid = true;
        return;
    }
    vga_shown_range(s, h, &start, &end);
    bool changed = vga_copy_changed(snap, live_vram, start, end, all, &lo, &hi);
    if (text && blink != snap->blink) {
        changed = all = true;
    }
    snap->blink = blink;
    s->blink_off = blink;
    if (all || !vga_vbe_enabled(s)) {
        *y0 = 0;
        *y1 = h;
    } else if (changed && s->vbe_line) {
        *y0 = (int)((lo - start) / s->vbe_line);
        *y1 = (int)((hi - start + s->vbe_line - 1) / s->vbe_line);
    }
    if (all || changed) {
        vga_render_lines(s, dst, stride, w, h, y0, y1);
    } else {
        *y0 = *y1 = 0;
    }
    snap->regs = *s;
    snap->valid = true;
}
