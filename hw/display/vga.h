/*
 * The VGA core (IBM VGA register set and memory model) with the Bochs
 * VBE "DISPI" extension, shared by the PCI standard VGA (vga-pci.c).
 *
 * VRAM holds the four planes interleaved: plane address a of plane p is
 * byte 4 * a + p, so chain-4 (mode 13h) addresses are plain byte offsets
 * and a 32-bit load of plane address a is the four latches. The legacy
 * window (0xA0000-0xBFFFF) reaches it through the graphics controller's
 * read/write modes; the linear framebuffer maps the same bytes directly.
 *
 * Invariants: every VRAM index the guest can influence is masked or
 * clamped below vram_size; the DISPI registers always hold a mode that
 * fits in VRAM (vga_vbe_fixup), so rendering never reads past its end.
 */
#ifndef KITE_VGA_H
#define KITE_VGA_H

#include "hw/core/memory.h"

#define VGA_VRAM_SIZE        (16u << 20)
#define VGA_PLANE_WINDOW     0x20000u     /* 0xA0000-0xBFFFF */

/* Bochs VBE DISPI interface (ports 0x1CE/0x1CF) */
#define VBE_DISPI_INDEX_ID           0x0
#define VBE_DISPI_INDEX_XRES         0x1
#define VBE_DISPI_INDEX_YRES         0x2
#define VBE_DISPI_INDEX_BPP          0x3
#define VBE_DISPI_INDEX_ENABLE       0x4
#define VBE_DISPI_INDEX_BANK         0x5
#define VBE_DISPI_INDEX_VIRT_WIDTH   0x6
#define VBE_DISPI_INDEX_VIRT_HEIGHT  0x7
#define VBE_DISPI_INDEX_X_OFFSET     0x8
#define VBE_DISPI_INDEX_Y_OFFSET     0x9
#define VBE_DISPI_INDEX_VIDEO_MEMORY_64K 0xa
#define VBE_DISPI_INDEX_NB           0xb

#define VBE_DISPI_ID0                0xb0c0
#define VBE_DISPI_ID5                0xb0c5
#define VBE_DISPI_MAX_XRES           2560
#define VBE_DISPI_MAX_YRES           1600
#define VBE_DISPI_MAX_BPP            32

#define VBE_DISPI_ENABLED            0x01
#define VBE_DISPI_GETCAPS            0x02
#define VBE_DISPI_8BIT_DAC           0x20
#define VBE_DISPI_LFB_ENABLED        0x40
#define VBE_DISPI_NOCLEARMEM         0x80

typedef struct VGAState {
    AddressSpace *as;            /* where vram_mr is written (dirty, TBs) */
    MemoryRegion vram_mr;        /* RAM: the framebuffer BAR */
    uint8_t *vram;               /* vram_mr.host */
    uint32_t vram_size;

    uint8_t misc;                /* misc output */
    uint8_t sr_index, sr[8];
    uint8_t gr_index, gr[16];
    uint8_t ar_index, ar[32];
    uint8_t ar_flip;             /* 0: next 0x3C0 write is an index */
    uint8_t cr_index, cr[256];
    uint8_t st01;                /* input status 1 (toggled on reads) */
    uint8_t pel_mask;
    uint8_t dac_read_index, dac_write_index, dac_sub, dac_state;
    uint8_t dac_cache[3];
    uint8_t palette[768];
    uint32_t latch;

    uint16_t vbe_index;
    uint16_t vbe_regs[VBE_DISPI_INDEX_NB];
    uint32_t vbe_start;          /* byte offset of the visible origin */
    uint32_t vbe_line;           /* bytes per line */

    uint8_t blink_off;           /* 1: blinking text hidden (phase) */
    uint32_t plane_dirty;        /* legacy-window writes since last render */
} VGAState;

/* Sets up VRAM (vram_size bytes, at most VGA_VRAM_SIZE) and resets. */
void vga_init(VGAState *s, AddressSpace *as, uint32_t vram_size);
void vga_destroy(VGAState *s);
void vga_reset(VGAState *s);

/* The VGA ports 0x3B0-0x3DF, by port number. */
uint8_t vga_ioport_read(VGAState *s, uint32_t port);
void vga_ioport_write(VGAState *s, uint32_t port, uint8_t val);
/* The legacy window, by offset from 0xA0000 (below VGA_PLANE_WINDOW). */
uint8_t vga_mem_readb(VGAState *s, uint32_t addr);
void vga_mem_writeb(VGAState *s, uint32_t addr, uint8_t val);
/* DISPI: index register and data register. */
uint16_t vga_vbe_read(VGAState *s, uint16_t index);
void vga_vbe_write(VGAState *s, uint16_t index, uint16_t val);
bool vga_vbe_enabled(const VGAState *s);

/*
 * State: registers and VRAM. load checks everything (a VRAM of another
 * size, a short stream) before it changes anything.
 */
typedef struct SaveBuf SaveBuf;
void vga_save(const VGAState *s, SaveBuf *sb);
int vga_load(VGAState *s, SaveBuf *sb, Error *err);

/* Port I/O and MMIO ops the devices map. */
extern const MemoryRegionOps vga_ioport_ops;   /* base 0x3B0, 0x30 bytes */
extern const MemoryRegionOps vga_lowmem_ops;   /* 0xA0000, 0x20000 bytes */
extern const MemoryRegionOps vga_vbe_port_ops; /* 0x1CE, 3 ports */

/*
 * Rendering (vga-render.c): the current picture as 0x00RRGGBB pixels.
 * vga_get_resolution gives its size (0x0 when nothing is displayed);
 * vga_render writes at most max_w x max_h pixels, stride in pixels.
 */
void vga_get_resolution(const VGAState *s, int *w, int *h);
void vga_render(VGAState *s, uint32_t *dst, int stride, int max_w, int max_h);
/*
 * Renders lines [*y0, *y1) of a DISPI mode, or the whole picture of the
 * other modes; sets *y0, *y1 to the lines actually written.
 */
void vga_render_lines(VGAState *s, uint32_t *dst, int stride, int max_w,
                      int max_h, int *y0, int *y1);

/*
 * Refreshing a window from a snapshot (vga-refresh.c). The register copy
 * is taken under the machine lock (a few microseconds); VRAM pages that
 * changed since the last refresh are found by comparing with the
 * snapshot's copy and copied, and the picture is rendered from the
 * snapshot with the lock released, so a vCPU never waits for a frame.
 */
typedef struct VGASnapshot {
    VGAState regs;               /* registers of the last frame */
    VGAState next;               /* registers of the frame being made */
    uint8_t *vram;               /* copy of the live VRAM (vram_size) */
    bool valid;                  /* regs and vram hold the last frame */
    uint8_t blink;               /* cursor/blink phase of the last frame */
} VGASnapshot;

void vga_snapshot_init(VGASnapshot *snap, uint32_t vram_size);
void vga_snapshot_destroy(VGASnapshot *snap);
/* The next refresh redraws everything (after a surface resize). */
void vga_snapshot_invalidate(VGASnapshot *snap);
/*
 * Takes the register copy from live (call with the lock held) and sets
 * *w, *h to the picture size.
 */
void vga_snapshot_regs(VGASnapshot *snap, const VGAState *live, int *w,
                       int *h);
/*
 * Without the lock: updates the VRAM copy from live->vram and renders
 * what changed into dst. Returns the band [*y0, *y1) redrawn (empty when
 * nothing changed). blink is the host's blink phase (0 or 1).
 */
void vga_snapshot_render(VGASnapshot *snap, const uint8_t *live_vram,
                         uint32_t *dst, int stride, int w, int h,
                         uint8_t blink, int *y0, int *y1);

#endif
