/*
 * VGA registers, the legacy memory window and the Bochs VBE (DISPI)
 * registers, as in IBM's VGA technical reference and the Bochs/QEMU
 * DISPI interface. See vga.h for the VRAM layout and invariants.
 *
 * Legacy window writes go through the memory core (memory_region_write),
 * so the framebuffer's dirty bits and translated code stay right.
 */
#include "hw/display/vga.h"

#include <string.h>

#include "hw/core/savestate.h"

/* Each bit of a 4-bit plane mask widened to a byte of a 32-bit word. */
static uint32_t vga_mask16(unsigned v)
{
    uint32_t r = 0;

    for (int p = 0; p < 4; p++) {
        if (v & (1u << p)) {
            r |= 0xffu << (8 * p);
        }
    }
    return r;
}

static void vga_vram_store(VGAState *s, uint32_t off, const void *buf,
                           uint32_t len)
{
    if (off >= s->vram_size || len > s->vram_size - off) {
        return;
    }
    if (s->as) {
        memory_region_write(s->as, &s->vram_mr, off, buf, len);
    } else {
        memcpy(s->vram + off, buf, len);
    }
    s->plane_dirty = 1;
}

void vga_init(VGAState *s, AddressSpace *as, uint32_t vram_size)
{
    memset(s, 0, sizeof(*s));
    s->as = as;
    s->vram_size = MIN(vram_size, VGA_VRAM_SIZE);
    memory_region_init_ram(&s->vram_mr, "vga.vram", s->vram_size);
    s->vram = s->vram_mr.host;
    vga_reset(s);
}

void vga_destroy(VGAState *s)
{
    memory_region_destroy(&s->vram_mr);
    s->vram = NULL;
}

void vga_reset(VGAState *s)
{
    memset(&s->misc, 0, sizeof(*s) - offsetof(VGAState, misc));
    s->pel_mask = 0xff;
    s->vbe_regs[VBE_DISPI_INDEX_ID] = VBE_DISPI_ID5;
    s->vbe_regs[VBE_DISPI_INDEX_VIDEO_MEMORY_64K] = s->vram_size >> 16;
}

/* ---- ports ---- */

/* A CRTC or input-status port that the misc output's colour bit disowns. */
static bool vga_port_ignored(const VGAState *s, uint32_t port)
{
    bool mono = (port >= 0x3b0 && port <= 0x3bf);
    bool colour = (port >= 0x3d0 && port <= 0x3df);

    return (mono && (s->misc & 1)) || (colour && !(s->misc & 1));
}

static uint8_t vga_dac_read(VGAState *s)
{
    uint8_t v = s->palette[s->dac_read_index * 3 + s->dac_sub];

    if (++s->dac_sub == 3) {
        s->dac_sub = 0;
        s->dac_read_index++;
    }
    return v;
}

static void vga_dac_write(VGAState *s, uint8_t val)
{
    s->dac_cache[s->dac_sub] = val & 0x3f;
    if (++s->dac_sub == 3) {
        memcpy(&s->palette[s->dac_write_index * 3], s->dac_cache, 3);
        s->dac_sub = 0;
        s->dac_write_index++;
    }
}

uint8_t vga_ioport_read(VGAState *s, uint32_t port)
{
    if (vga_port_ignored(s, port)) {
        return 0xff;
    }
    switch (port) {
    case 0x3c0: return s->ar_flip ? 0 : s->ar_index;
    case 0x3c1: return s->ar[s->ar_index & 0x1f];
    case 0x3c2: return 0;                    /* input status 0 */
    case 0x3c4: return s->sr_index;
    case 0x3c5: return s->sr[s->sr_index & 7];
    case 0x3c6: return s->pel_mask;
    case 0x3c7: return s->dac_state;
    case 0x3c8: return s->dac_write_index;
    case 0x3c9: return vga_dac_read(s);
    case 0x3cc: return s->misc;
    case 0x3ce: return s->gr_index;
    case 0x3cf: return s->gr[s->gr_index & 0xf];
    case 0x3b4: case 0x3d4: return s->cr_index;
    case 0x3b5: case 0x3d5: return s->cr[s->cr_index];
    case 0x3ba: case 0x3da:
        /* Display enable and vertical retrace toggle so polls finish. */
        s->st01 ^= 0x09;
        s->ar_flip = 0;
        return s->st01;
    default: return 0xff;
    }
}

static void vga_ar_write(VGAState *s, uint8_t val)
{
    if (!s->ar_flip) {
        s->ar_index = val & 0x3f;
    } else if ((s->ar_index & 0x1f) < 0x15) {
        s->ar[s->ar_index & 0x1f] = val;
    }
    s->ar_flip = !s->ar_flip;
}

static void vga_cr_write(VGAState *s, uint8_t val)
{
    /* CR11 bit 7 protects CR0-CR7, except CR7's line compare bit. */
    if ((s->cr[0x11] & 0x80) && s->cr_index <= 7) {
        if (s->cr_index == 7) {
            s->cr[7] = (s->cr[7] & ~0x10) | (val & 0x10);
        }
        return;
    }
    s->cr[s->cr_index] = val;
}

void vga_ioport_write(VGAState *s, uint32_t port, uint8_t val)
{
    if (vga_port_ignored(s, port)) {
        return;
    }
    s->plane_dirty = 1;
    switch (port) {
    case 0x3c0: vga_ar_write(s, val); break;
    case 0x3c2: s->misc = val; break;
    case 0x3c4: s->sr_index = val & 7; break;
    case 0x3c5: s->sr[s->sr_index] = val; break;
    case 0x3c6: s->pel_mask = val; break;
    case 0x3c7:
        s->dac_read_index = val;
        s->dac_sub = 0;
        s->dac_state = 3;
        break;
    case 0x3c8:
        s->dac_write_index = val;
        s->dac_sub = 0;
        s->dac_state = 0;
        break;
    case 0x3c9: vga_dac_write(s, val); break;
    case 0x3ce: s->gr_index = val & 0xf; break;
    case 0x3cf: s->gr[s->gr_index] = val; break;
    case 0x3b4: case 0x3d4: s->cr_index = val; break;
    case 0x3b5: case 0x3d5: vga_cr_write(s, val); break;
    default: break;
    }
}

/* ---- the legacy window ---- */

/* Offset inside the window the graphics controller decodes, or -1. */
static int64_t vga_window_offset(const VGAState *s, uint32_t addr)
{
    static const uint32_t base[4] = { 0, 0, 0x10000, 0x18000 };
    static const uint32_t size[4] = { 0x20000, 0x10000, 0x8000, 0x8000 };
    unsigned map = (s->gr[6] >> 2) & 3;

    if (addr < base[map] || addr - base[map] >= size[map]) {
        return -1;
    }
    return addr - base[map];
}

/* The VBE banked window: 64 KiB of VRAM at BANK * 64 KiB. */
static uint32_t vga_bank_offset(const VGAState *s, uint32_t addr)
{
    return ((uint32_t)s->vbe_regs[VBE_DISPI_INDEX_BANK] << 16) + addr;
}

static bool vga_odd_even(const VGAState *s)
{
    return !(s->sr[4] & 0x04);
}

uint8_t vga_mem_readb(VGAState *s, uint32_t addr)
{
    int64_t off;
    uint32_t a, ret;

    if (vga_vbe_enabled(s)) {
        a = vga_bank_offset(s, addr & 0xffff);
        return a < s->vram_size ? s->vram[a] : 0xff;
    }
    if ((off = vga_window_offset(s, addr)) < 0) {
        return 0xff;
    }
    a = (uint32_t)off;
    if (s->sr[4] & 0x08) {                       /* chain 4 */
        return s->vram[a];
    }
    if (vga_odd_even(s)) {
        return s->vram[((a >> 1) << 2) | (s->gr[4] & 2) | (a & 1)];
    }
    s->latch = ld32le(s->vram + (a << 2));
    if (!(s->gr[5] & 0x08)) {                    /* read mode 0 */
        return (uint8_t)(s->latch >> ((s->gr[4] & 3) * 8));
    }
    /* Read mode 1: colour compare against GR2, planes chosen by GR7. */
    ret = (s->latch ^ vga_mask16(s->gr[2])) & vga_mask16(s->gr[7]);
    ret |= ret >> 16;
    ret |= ret >> 8;
    return (uint8_t)~ret;
}

static uint8_t vga_rotate(const VGAState *s, uint8_t v)
{
    unsigned r = s->gr[3] & 7;

    return (uint8_t)((v >> r) | (v << ((8 - r) & 7)));
}

/* Write modes 0-3 of a planar write; returns the four plane bytes. */
static uint32_t vga_planar_value(VGAState *s, uint8_t val)
{
    uint8_t bit_mask = s->gr[8];
    uint32_t v, bm;

    switch (s->gr[5] & 3) {
    case 1:
        return s->latch;
    case 2:
        v = vga_mask16(val & 0xf);
        break;
    case 3:
        bit_mask &= vga_rotate(s, val);
        v = vga_mask16(s->gr[0]);
        break;
    default:
        v = vga_rotate(s, val) * 0x01010101u;
        v = (v & ~vga_mask16(s->gr[1])) |
            (vga_mask16(s->gr[0]) & vga_mask16(s->gr[1]));
        break;
    }
    switch ((s->gr[3] >> 3) & 3) {
    case 1: v &= s->latch; break;
    case 2: v |= s->latch; break;
    case 3: v ^= s->latch; break;
    default: break;
    }
    bm = bit_mask * 0x01010101u;
    return (v & bm) | (s->latch & ~bm);
}

static void vga_write_plane_byte(VGAState *s, uint32_t a, unsigned plane,
                                 uint8_t val)
{
    if (s->sr[2] & (1u << plane)) {
        vga_vram_store(s, a, &val, 1);
    }
}

void vga_mem_writeb(VGAState *s, uint32_t addr, uint8_t val)
{
    int64_t off;
    uint32_t a, pm, old, v;
    uint8_t buf[4];

    if (vga_vbe_enabled(s)) {
        vga_vram_store(s, vga_bank_offset(s, addr & 0xffff), &val, 1);
        return;
    }
    if ((off = vga_window_offset(s, addr)) < 0) {
        return;
    }
    a = (uint32_t)off;
    if (s->sr[4] & 0x08) {
        vga_write_plane_byte(s, a, a & 3, val);
        return;
    }
    if (vga_odd_even(s)) {
        unsigned plane = (s->gr[4] & 2) | (a & 1);
        vga_write_plane_byte(s, ((a >> 1) << 2) | plane, plane, val);
        return;
    }
    v = vga_planar_value(s, val);
    pm = vga_mask16(s->sr[2] & 0xf);
    old = ld32le(s->vram + (a << 2));
    st32le(buf, (old & ~pm) | (v & pm));
    vga_vram_store(s, a << 2, buf, 4);
}

/* ---- DISPI ---- */

bool vga_vbe_enabled(const VGAState *s)
{
    return s->vbe_regs[VBE_DISPI_INDEX_ENABLE] & VBE_DISPI_ENABLED;
}

static unsigned vga_vbe_bytes_pp(unsigned bpp)
{
    return (bpp + 7) / 8;
}

/*
 * Makes the DISPI registers describe a mode that fits in VRAM: a known
 * depth, sizes within limits, the virtual screen at least the visible
 * one, and offsets that keep the visible area inside VRAM.
 */
static void vga_vbe_fixup(VGAState *s)
{
    uint16_t *r = s->vbe_regs;
    unsigned bpp = r[VBE_DISPI_INDEX_BPP], bytes, maxy;

    if (bpp != 4 && bpp != 8 && bpp != 15 && bpp != 16 && bpp != 24 &&
        bpp != 32) {
        bpp = r[VBE_DISPI_INDEX_BPP] = 8;
    }
    bytes = bpp == 4 ? 1 : vga_vbe_bytes_pp(bpp);
    r[VBE_DISPI_INDEX_XRES] = MAX(MIN(r[VBE_DISPI_INDEX_XRES],
                                      VBE_DISPI_MAX_XRES) & ~7u, 8);
    r[VBE_DISPI_INDEX_YRES] = MAX(MIN(r[VBE_DISPI_INDEX_YRES],
                                      VBE_DISPI_MAX_YRES), 1);
    r[VBE_DISPI_INDEX_VIRT_WIDTH] = MAX(MIN(r[VBE_DISPI_INDEX_VIRT_WIDTH],
                                            VBE_DISPI_MAX_XRES),
                                        r[VBE_DISPI_INDEX_XRES]);
    s->vbe_line = r[VBE_DISPI_INDEX_VIRT_WIDTH] * bytes;
    maxy = s->vram_size / s->vbe_line;
    if (r[VBE_DISPI_INDEX_YRES] > maxy) {
        r[VBE_DISPI_INDEX_YRES] = (uint16_t)maxy;
    }
    r[VBE_DISPI_INDEX_VIRT_HEIGHT] = (uint16_t)MIN(maxy, 0xffff);
    r[VBE_DISPI_INDEX_X_OFFSET] = MIN(r[VBE_DISPI_INDEX_X_OFFSET],
                                      r[VBE_DISPI_INDEX_VIRT_WIDTH] -
                                      r[VBE_DISPI_INDEX_XRES]);
    r[VBE_DISPI_INDEX_Y_OFFSET] = MIN(r[VBE_DISPI_INDEX_Y_OFFSET],
                                      r[VBE_DISPI_INDEX_VIRT_HEIGHT] -
                                      r[VBE_DISPI_INDEX_YRES]);
    s->vbe_start = r[VBE_DISPI_INDEX_Y_OFFSET] * s->vbe_line +
                   r[VBE_DISPI_INDEX_X_OFFSET] * bytes;
}

static void vga_vbe_clear(VGAState *s)
{
    static const uint8_t zero[4096];
    uint32_t len = s->vbe_regs[VBE_DISPI_INDEX_YRES] * s->vbe_line;

    for (uint32_t off = 0; off < len; off += sizeof(zero)) {
        vga_vram_store(s, off, zero, MIN(len - off, (uint32_t)sizeof(zero)));
    }
}

static void vga_vbe_enable(VGAState *s, uint16_t val)
{
    uint16_t *r = s->vbe_regs;
    bool was = vga_vbe_enabled(s);

    r[VBE_DISPI_INDEX_ENABLE] = val & (VBE_DISPI_ENABLED | VBE_DISPI_GETCAPS |
                                       VBE_DISPI_8BIT_DAC |
                                       VBE_DISPI_LFB_ENABLED |
                                       VBE_DISPI_NOCLEARMEM);
    if (!(val & VBE_DISPI_ENABLED) || was) {
        return;
    }
    r[VBE_DISPI_INDEX_VIRT_WIDTH] = r[VBE_DISPI_INDEX_XRES];
    r[VBE_DISPI_INDEX_X_OFFSET] = r[VBE_DISPI_INDEX_Y_OFFSET] = 0;
    vga_vbe_fixup(s);
    if (!(val & VBE_DISPI_NOCLEARMEM)) {
        vga_vbe_clear(s);
    }
    /* Graphics mode, chain-4, the 64 KiB window at 0xA0000 (as QEMU). */
    s->gr[6] = (s->gr[6] & ~0x0c) | 0x05;
    s->sr[4] |= 0x08;
    s->sr[2] = 0x0f;
}

uint16_t vga_vbe_read(VGAState *s, uint16_t index)
{
    if (index >= VBE_DISPI_INDEX_NB) {
        return 0;
    }
    if (s->vbe_regs[VBE_DISPI_INDEX_ENABLE] & VBE_DISPI_GETCAPS) {
        switch (index) {
        case VBE_DISPI_INDEX_XRES: return VBE_DISPI_MAX_XRES;
        case VBE_DISPI_INDEX_YRES: return VBE_DISPI_MAX_YRES;
        case VBE_DISPI_INDEX_BPP: return VBE_DISPI_MAX_BPP;
        default: break;
        }
    }
    return s->vbe_regs[index];
}

void vga_vbe_write(VGAState *s, uint16_t index, uint16_t val)
{
    uint16_t *r = s->vbe_regs;

    s->plane_dirty = 1;
    switch (index) {
    case VBE_DISPI_INDEX_ID:
        if (val >= VBE_DISPI_ID0 && val <= VBE_DISPI_ID5) {
            r[index] = val;
        }
        return;
    case VBE_DISPI_INDEX_XRES: case VBE_DISPI_INDEX_YRES:
    case VBE_DISPI_INDEX_BPP:
        /* Mode geometry changes only while the mode is off (as QEMU). */
        if (!vga_vbe_enabled(s)) {
            r[index] = val;
        }
        return;
    case VBE_DISPI_INDEX_ENABLE:
        vga_vbe_enable(s, val);
        return;
    case VBE_DISPI_INDEX_BANK:
        r[index] = val < (s->vram_size >> 16) ? val : r[index];
        return;
    case VBE_DISPI_INDEX_VIRT_WIDTH: case VBE_DISPI_INDEX_X_OFFSET:
    case VBE_DISPI_INDEX_Y_OFFSET:
        r[index] = val;
        if (vga_vbe_enabled(s)) {
            vga_vbe_fixup(s);
        }
        return;
    default:
        return;                              /* read-only or unknown */
    }
}

/* ---- region ops ---- */

static uint64_t vga_ioport_mr_read(void *opaque, uint64_t off, unsigned size)
{
    return vga_ioport_read(opaque, 0x3b0 + (uint32_t)off);
}

static void vga_ioport_mr_write(void *opaque, uint64_t off, uint64_t val,
                                unsigned size)
{
    vga_ioport_write(opaque, 0x3b0 + (uint32_t)off, (uint8_t)val);
}

const MemoryRegionOps vga_ioport_ops = {
    .read = vga_ioport_mr_read, .write = vga_ioport_mr_write,
    .min_access = 1, .max_access = 1,
};

static uint64_t vga_lowmem_read(void *opaque, uint64_t off, unsigned size)
{
    return vga_mem_readb(opaque, (uint32_t)off & (VGA_PLANE_WINDOW - 1));
}

static void vga_lowmem_write(void *opaque, uint64_t off, uint64_t val,
                             unsigned size)
{
    vga_mem_writeb(opaque, (uint32_t)off & (VGA_PLANE_WINDOW - 1),
                   (uint8_t)val);
}

const MemoryRegionOps vga_lowmem_ops = {
    .read = vga_lowmem_read, .write = vga_lowmem_write,
    .min_access = 1, .max_access = 1,
};

/*
 * Port 0x1CE: the index (16-bit); 0x1CF: the data (16-bit, so its high
 * byte is port 0x1D0, which QEMU also decodes as the data register).
 */
static uint64_t vga_vbe_port_read(void *opaque, uint64_t off, unsigned size)
{
    VGAState *s = opaque;

    return off == 0 ? s->vbe_index : vga_vbe_read(s, s->vbe_index);
}

static void vga_vbe_port_write(void *opaque, uint64_t off, uint64_t val,
                               unsigned size)
{
    VGAState *s = opaque;

    if (off == 0) {
        s->vbe_index = (uint16_t)val;
    } else {
        vga_vbe_write(s, s->vbe_index, (uint16_t)val);
    }
}

const MemoryRegionOps vga_vbe_port_ops = {
    .read = vga_vbe_port_read, .write = vga_vbe_port_write,
    .min_access = 1, .max_access = 2,
};

/* ---- state ---- */

#define VGA_SAVE_VERSION 1

typedef struct VGABytes {
    size_t offset, len;
} VGABytes;

/* The register file, in save order (derived fields are recomputed). */
static const VGABytes vga_saved_fields[] = {
#define F(field) { offsetof(VGAState, field), sizeof(((VGAState *)0)->field) }
    F(misc), F(sr_index), F(sr), F(gr_index), F(gr), F(ar_index), F(ar),
    F(ar_flip), F(cr_index), F(cr), F(st01), F(pel_mask),
    F(dac_read_index), F(dac_write_index), F(dac_sub), F(dac_state),
    F(dac_cache), F(palette), F(latch), F(vbe_index), F(vbe_regs),
    F(blink_off),
#undef F
};

void vga_save(const VGAState *s, SaveBuf *sb)
{
    save_u8(sb, VGA_SAVE_VERSION);
    save_u32(sb, s->vram_size);
    for (size_t i = 0; i < ARRAY_SIZE(vga_saved_fields); i++) {
        save_bytes(sb, (const uint8_t *)s + vga_saved_fields[i].offset,
                   vga_saved_fields[i].len);
    }
    save_bytes(sb, s->vram, s->vram_size);
}

int vga_load(VGAState *s, SaveBuf *sb, Error *err)
{
    VGAState t = *s;
    uint8_t version = load_u8(sb);
    uint32_t size = load_u32(sb);

    for (size_t i = 0; i < ARRAY_SIZE(vga_saved_fields); i++) {
        load_bytes(sb, (uint8_t *)&t + vga_saved_fields[i].offset,
                   vga_saved_fields[i].len);
    }
    if (sb->error || version != VGA_SAVE_VERSION || size != s->vram_size ||
        sb->len - sb->pos < size ||
        t.dac_sub > 2 || t.ar_flip > 1 || t.blink_off > 1 ||
        t.vbe_regs[VBE_DISPI_INDEX_BANK] >= (s->vram_size >> 16)) {
        return error_setg(err, "VGA: bad state");
    }
    /* The VRAM goes through the memory core (dirty pages, code). */
    for (uint32_t off = 0; off < size; off += 4096) {
        uint8_t page[4096];
        load_bytes(sb, page, sizeof(page));
        vga_vram_store(s, off, page, sizeof(page));
    }
    t.vbe_regs[VBE_DISPI_INDEX_ID] = MAX(MIN(t.vbe_regs[VBE_DISPI_INDEX_ID],
                                             VBE_DISPI_ID5), VBE_DISPI_ID0);
    t.vbe_regs[VBE_DISPI_INDEX_VIDEO_MEMORY_64K] = s->vram_size >> 16;
    if (vga_vbe_enabled(&t)) {
        vga_vbe_fixup(&t);
    }
    *s = t;
    return 0;
}
