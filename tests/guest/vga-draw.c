/*
 * vga-draw.c - the standard VGA from a guest: finds it on the PCI bus
 * (1234:1111), programs 80x25 text mode by hand (registers, a font in
 * plane 2, text and attributes through odd/even at 0xB8000), then a
 * DISPI mode (320x200x32 with the linear framebuffer at BAR 0) and draws
 * into it, checking what reads back.
 *
 * The multiboot command line picks what stays on the screen: "text" or
 * "vbe" stops after that phase with "READY" on COM1 and halts, for
 * tests/display/screendump.sh to take a picture; without it both phases
 * run and the guest exits. With "echo" as well, the guest then turns on
 * the i8042's set 1 translation and the PS/2 mouse and prints every byte
 * it reads ("K 1e" from the keyboard, "M 08" from the mouse) until the
 * key Escape is released (scan code 0x81), then exits. "anim" (for make
 * bench-display) sets 1024x768x32 and redraws the whole frame forever,
 * printing "FRAME n" every 16 frames.
 *
 * GUEST-ARGS -vga std
 */
#include "lib/guest.h"

#define VGA_DEVFN   (2 << 3)
#define LFB_ADDR    0xfd000000u

static uint32_t pci_read(unsigned devfn, unsigned reg)
{
    outl(0xcf8, 0x80000000u | (devfn << 8) | reg);
    return inl(0xcfc);
}

static void pci_write(unsigned devfn, unsigned reg, uint32_t v)
{
    outl(0xcf8, 0x80000000u | (devfn << 8) | reg);
    outl(0xcfc, v);
}

static void seq(uint8_t i, uint8_t v) { outb(0x3c4, i); outb(0x3c5, v); }
static void gfx(uint8_t i, uint8_t v) { outb(0x3ce, i); outb(0x3cf, v); }
static void crtc(uint8_t i, uint8_t v) { outb(0x3d4, i); outb(0x3d5, v); }

static void attr(uint8_t i, uint8_t v)
{
    inb(0x3da);
    outb(0x3c0, i);
    outb(0x3c0, v);
}

static void vbe(uint16_t i, uint16_t v)
{
    outw(0x1ce, i);
    outw(0x1cf, v);
}

static uint16_t vbe_read(uint16_t i)
{
    outw(0x1ce, i);
    return inw(0x1cf);
}

/* A made-up but fixed font: the glyph of c is a pattern from c. */
static uint8_t glyph_row(unsigned c, unsigned y)
{
    uint32_t h = (c + 1) * 0x9e3779b1u;

    if (c == ' ' || y < 2 || y > 13) {
        return 0;
    }
    return (uint8_t)(h >> ((y * 3) & 24)) | 0x81;
}

static void load_font(void)
{
    volatile uint8_t *win = (volatile uint8_t *)0xa0000;

    seq(2, 0x04);                       /* plane 2 only */
    seq(4, 0x06);                       /* planar: no odd/even */
    gfx(1, 0x00);                       /* no set/reset */
    gfx(3, 0x00);                       /* no rotate, no logical op */
    gfx(5, 0x00);                       /* write mode 0 */
    gfx(6, 0x04);                       /* 0xA0000, 64 KiB */
    gfx(8, 0xff);                       /* every bit from the CPU */
    for (unsigned c = 0; c < 256; c++) {
        for (unsigned y = 0; y < 32; y++) {
            win[c * 32 + y] = y < 16 ? glyph_row(c, y) : 0;
        }
    }
    gfx(4, 2);                          /* read plane 2 */
    check(win[('K' * 32) + 5] == glyph_row('K', 5), "font in plane 2");
    gfx(4, 0);
}

static void text_mode(void)
{
    static const uint8_t crt[25] = {
        0x5f, 0x4f, 0x50, 0x82, 0x55, 0x81, 0xbf, 0x1f, 0x00, 0x4f,
        0x0d, 0x0e, 0x00, 0x00, 0x00, 0x00, 0x9c, 0x8e, 0x8f, 0x28,
        0x1f, 0x96, 0xb9, 0xa3, 0xff,
    };
    static const uint8_t pal[16] = {
        0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07,
        0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f,
    };

    outb(0x3c2, 0x67);
    seq(0, 0x03);
    seq(1, 0x00);
    seq(3, 0x00);
    load_font();
    crtc(0x11, 0x00);                   /* unlock CR0-7 */
    for (unsigned i = 0; i < 25; i++) {
        crtc(i, crt[i]);
    }
    for (unsigned i = 0; i < 16; i++) {
        attr(i, pal[i]);
    }
    attr(0x10, 0x0c);
    attr(0x12, 0x0f);
    attr(0x13, 0x08);
    attr(0x14, 0x00);
    outb(0x3c0, 0x20);
    outb(0x3c8, 0);
    for (unsigned i = 0; i < 64; i++) {
        outb(0x3c9, ((i >> 2) & 1) * 42 + ((i >> 5) & 1) * 21);
        outb(0x3c9, ((i >> 1) & 1) * 42 + ((i >> 4) & 1) * 21);
        outb(0x3c9, (i & 1) * 42 + ((i >> 3) & 1) * 21);
    }
    seq(2, 0x03);                       /* text: planes 0 and 1 */
    seq(4, 0x02);                       /* odd/even */
    gfx(5, 0x10);
    gfx(6, 0x0e);                       /* 0xB8000 */
}

static void write_text(void)
{
    static const char msg[] = "Kite VGA text mode: 80x25, 9x16 cells";
    volatile uint8_t *t = (volatile uint8_t *)0xb8000;

    for (unsigned i = 0; i < 80 * 25; i++) {
        t[2 * i] = ' ';
        t[2 * i + 1] = 0x07;
    }
    for (unsigned i = 0; msg[i]; i++) {
        t[2 * i] = msg[i];
        t[2 * i + 1] = 0x1f;
    }
    for (unsigned i = 0; i < 16; i++) {  /* every colour on row 2 */
        t[2 * (160 + 2 * i)] = 0xdb;
        t[2 * (160 + 2 * i) + 1] = (uint8_t)i;
    }
    crtc(0x0e, 0);
    crtc(0x0f, 80 * 3);                 /* cursor at row 3 */
    check(t[1] == 0x1f && t[0] == 'K', "text readback");
    printf("text: '%c' attr %x\n", t[0], t[1]);
}

static uint32_t pattern(unsigned x, unsigned y)
{
    return (x * 255 / 319) << 16 | (y * 255 / 199) << 8 |
           ((x ^ y) & 0x20 ? 0xff : 0);
}

static void vbe_mode(void)
{
    volatile uint32_t *fb = (volatile uint32_t *)(uintptr_t)LFB_ADDR;

    check(vbe_read(0) == 0xb0c5, "DISPI id");
    vbe(4, 0);
    vbe(1, 320);
    vbe(2, 200);
    vbe(3, 32);
    vbe(4, 0x41);                       /* enabled, LFB */
    printf("vbe: %ux%ux%u enable %x\n", vbe_read(1), vbe_read(2),
           vbe_read(3), vbe_read(4));
    for (unsigned y = 0; y < 200; y++) {
        for (unsigned x = 0; x < 320; x++) {
            fb[y * 320 + x] = pattern(x, y);
        }
    }
    check(fb[320 * 100 + 170] == pattern(170, 100) &&
          fb[320 * 100 + 170] == 0x878000, "LFB readback");
    /* absurd requests are clamped, never past the framebuffer */
    vbe(9, 0xffff);
    printf("vbe: y offset 0xffff reads %u\n", vbe_read(9));
    vbe(9, 0);
}

static int has_word(const MultibootInfo *mbi, const char *w)
{
    const char *c = (mbi && (mbi->flags & 4)) ?
                    (const char *)(uintptr_t)mbi->cmdline : "";
    size_t n = 0;

    while (w[n]) {
        n++;
    }
    for (; *c; c++) {
        size_t i = 0;
        while (i < n && c[i] == w[i]) {
            i++;
        }
        if (i == n && (c[n] == ' ' || c[n] == '\0')) {
            return 1;
        }
    }
    return 0;
}

static void kbc_wait_write(void)
{
    while (inb(0x64) & 2) {
        __asm__ volatile("pause");
    }
}

static void kbc_cmd(uint8_t cmd)
{
    kbc_wait_write();
    outb(0x64, cmd);
}

static void kbc_data(uint8_t v)
{
    kbc_wait_write();
    outb(0x60, v);
}

/*
 * Shows a keyboard byte on the screen too (so a display test sees a small
 * change): a block on line 100 of the DISPI mode, or hex on text row 5.
 */
static void show_byte(unsigned n, uint8_t b)
{
    static const char hex[] = "0123456789abcdef";
    volatile uint32_t *fb = (volatile uint32_t *)(uintptr_t)LFB_ADDR;
    volatile uint8_t *t = (volatile uint8_t *)0xb8000;

    if (vbe_read(4) & 1) {
        for (unsigned y = 100; y < 108; y++) {
            for (unsigned x = 0; x < 16; x++) {
                fb[y * 320 + (n % 20) * 16 + x] = b * 0x010101u;
            }
        }
        return;
    }
    t[2 * (5 * 80 + (n % 26) * 3)] = hex[b >> 4];
    t[2 * (5 * 80 + (n % 26) * 3 + 1)] = hex[b & 15];
}

/* Polls the i8042 and prints what arrives, until Escape is released. */
static void echo_input(void)
{
    unsigned nkeys = 0;

    kbc_cmd(0x60);
    kbc_data(0x44);                     /* translate, no interrupts */
    kbc_cmd(0xa8);                      /* aux interface on */
    kbc_cmd(0xd4);
    kbc_data(0xf4);                     /* mouse: enable streaming */
    printf("ECHO\n");
    for (;;) {
        uint8_t st = inb(0x64);
        if (!(st & 1)) {
            __asm__ volatile("pause");
            continue;
        }
        uint8_t b = inb(0x60);
        printf("%c %x\n", (st & 0x20) ? 'M' : 'K', b);
        if (!(st & 0x20)) {
            show_byte(nkeys++, b);
        }
        if (!(st & 0x20) && b == 0x81) {
            guest_exit(0x21);
        }
    }
}


static void ready_and_halt(const MultibootInfo *mbi)
{
    printf("READY\n");
    if (has_word(mbi, "echo")) {
        echo_input();
    }
    for (;;) {
        __asm__ volatile("cli; hlt");
    }
}

/* The benchmark's guest side: full-frame redraws, as fast as it can. */
static void animate(void)
{
    volatile uint32_t *fb = (volatile uint32_t *)(uintptr_t)LFB_ADDR;

    vbe(4, 0);
    vbe(1, 1024);
    vbe(2, 768);
    vbe(3, 32);
    vbe(4, 0x41);
    printf("READY\n");
    for (uint32_t n = 0;; n++) {
        uint32_t c = n * 0x010203u;
        for (unsigned i = 0; i < 1024 * 768; i++) {
            fb[i] = c + i;
        }
        if (n % 16 == 0) {
            printf("FRAME %u\n", n);
        }
    }
}

int main(const MultibootInfo *mbi)
{
    uint32_t id = pci_read(VGA_DEVFN, 0);

    printf("VGA at 00:02.0: %x class %x\n", id, pci_read(VGA_DEVFN, 8) >> 8);
    check(id == 0x11111234, "VGA id");
    pci_write(VGA_DEVFN, 0x10, LFB_ADDR);
    pci_write(VGA_DEVFN, 0x04, 0x0003);
    if (has_word(mbi, "anim")) {
        animate();
    }
    text_mode();
    write_text();
    if (has_word(mbi, "text")) {
        ready_and_halt(mbi);
    }
    vbe_mode();
    if (has_word(mbi, "vbe")) {
        ready_and_halt(mbi);
    }
    printf("done\n");
    return 0x21;
}
