/*
 * pci.c - PCI from the guest's side: enumerates bus 0 through
 * configuration mechanism #1 (dword CONFIG_ADDRESS at 0xCF8, data at
 * 0xCFC), sizes pci-testdev's BARs by writing all-ones, places them,
 * enables decoding and runs the device's memory and port tests; checks
 * the PIIX3 PIRQ route registers, port 0x61's refresh bit and port 0x80.
 *
 * GUEST-ARGS -device pci-testdev,addr=3,membar=0x40000000
 * GUEST-EXTRA-ACCEL kvm,kernel-irqchip=off
 */
#include "lib/guest.h"

#define CFG_ADDR 0xcf8
#define CFG_DATA 0xcfc
#define TESTDEV_MMIO 0xe0000000ul
#define TESTDEV_PIO  0xc000

static uint32_t cfg_addr(int dev, int fn, int reg)
{
    return 0x80000000u | (dev << 11) | (fn << 8) | (reg & 0xfc);
}

static uint32_t cfg_read32(int dev, int fn, int reg)
{
    outl(CFG_ADDR, cfg_addr(dev, fn, reg));
    return inl(CFG_DATA);
}

static uint16_t cfg_read16(int dev, int fn, int reg)
{
    outl(CFG_ADDR, cfg_addr(dev, fn, reg));
    return inw(CFG_DATA + (reg & 2));
}

static uint8_t cfg_read8(int dev, int fn, int reg)
{
    outl(CFG_ADDR, cfg_addr(dev, fn, reg));
    return inb(CFG_DATA + (reg & 3));
}

static void cfg_write32(int dev, int fn, int reg, uint32_t v)
{
    outl(CFG_ADDR, cfg_addr(dev, fn, reg));
    outl(CFG_DATA, v);
}

static void cfg_write16(int dev, int fn, int reg, uint16_t v)
{
    outl(CFG_ADDR, cfg_addr(dev, fn, reg));
    outw(CFG_DATA + (reg & 2), v);
}

static void cfg_write8(int dev, int fn, int reg, uint8_t v)
{
    outl(CFG_ADDR, cfg_addr(dev, fn, reg));
    outb(CFG_DATA + (reg & 3), v);
}

static void print_function(int dev, int fn)
{
    uint32_t id = cfg_read32(dev, fn, 0), cls = cfg_read32(dev, fn, 8);

    printf("00:%02x.%x %04x:%04x rev %02x class %06x hdr %02x pin %u\n",
           dev, fn, id & 0xffff, id >> 16, cls & 0xff, cls >> 8,
           cfg_read8(dev, fn, 0x0e), cfg_read8(dev, fn, 0x3d));
}

static int enumerate(void)
{
    int found = 0;

    for (int dev = 0; dev < 32; dev++) {
        if (cfg_read16(dev, 0, 0) == 0xffff) {
            continue;
        }
        int nfn = (cfg_read8(dev, 0, 0x0e) & 0x80) ? 8 : 1;
        for (int fn = 0; fn < nfn; fn++) {
            if (cfg_read16(dev, fn, 0) != 0xffff) {
                print_function(dev, fn);
                found++;
            }
        }
    }
    return found;
}

/* Size of a BAR by the all-ones write, restoring the register after. */
static uint64_t bar_size(int dev, int reg)
{
    uint32_t old = cfg_read32(dev, 0, reg), lo, hi = 0xffffffff;
    uint64_t mask;

    cfg_write32(dev, 0, reg, 0xffffffff);
    lo = cfg_read32(dev, 0, reg);
    cfg_write32(dev, 0, reg, old);
    if ((old & 7) == 4) {                       /* 64-bit memory BAR */
        uint32_t oldhi = cfg_read32(dev, 0, reg + 4);
        cfg_write32(dev, 0, reg + 4, 0xffffffff);
        hi = cfg_read32(dev, 0, reg + 4);
        cfg_write32(dev, 0, reg + 4, oldhi);
    }
    mask = ((uint64_t)hi << 32) | (lo & ((old & 1) ? ~3u : ~0xfu));
    if (old & 1) {
        mask |= 0xffffffff00000000ull | 0xffff0000u;
    }
    return ~mask + 1;
}

static volatile uint8_t *mmio8(unsigned long a)
{
    return (volatile uint8_t *)a;
}

static uint32_t hdr32(int io, unsigned off)
{
    if (io) {
        return inl(TESTDEV_PIO + off);
    }
    return *(volatile uint32_t *)(TESTDEV_MMIO + off);
}

static uint8_t hdr8(int io, unsigned off)
{
    return io ? inb(TESTDEV_PIO + off) : *mmio8(TESTDEV_MMIO + off);
}

static void run_testdev_test(int io, int t)
{
    char name[40];
    uint32_t off;
    uint8_t data;

    if (io) {
        outb(TESTDEV_PIO, (uint8_t)t);
    } else {
        *mmio8(TESTDEV_MMIO) = (uint8_t)t;
    }
    off = hdr32(io, 4);
    data = hdr8(io, 8);
    for (unsigned i = 0; i < sizeof(name) - 1; i++) {
        name[i] = (char)hdr8(io, 16 + i);
    }
    name[sizeof(name) - 1] = 0;
    if (io) {
        outb(TESTDEV_PIO + off, data);
    } else {
        *mmio8(TESTDEV_MMIO + off) = data;
    }
    printf("test %u %-24s width %u offset %u data %02x count %u\n",
           hdr8(io, 0), name, hdr8(io, 1), off, data, hdr32(io, 12));
    check(hdr32(io, 12) == 1, "one write counted");
}

int main(const MultibootInfo *mbi)
{
    int refresh_changes = 0;
    uint8_t r0;

    check(enumerate() >= 3, "host bridge, ISA bridge and test device");

    /* absent functions and disabled cycles read as all-ones */
    check(cfg_read32(31, 0, 0) == 0xffffffff, "empty slot reads ones");
    outl(CFG_ADDR, 0x00001800);
    check(inl(CFG_DATA) == 0xffffffff, "enable bit off reads ones");
    outl(CFG_ADDR, 0x80001804);
    check(inl(CFG_ADDR) == 0x80001804, "CONFIG_ADDRESS reads back");

    /* PIIX3 PIRQ routes: disabled at reset, then routed to IRQ 11 */
    printf("PIRQ routes %08x\n", cfg_read32(1, 0, 0x60));
    cfg_write8(1, 0, 0x62, 11);
    printf("PIRQC -> %u\n", cfg_read8(1, 0, 0x62));

    /* pci-testdev at 00:03.0: size and place its BARs */
    check(cfg_read32(3, 0, 0) == 0x00051b36, "pci-testdev at 00:03.0");
    printf("BAR0 size %lx BAR1 size %lx BAR2 size %lx (64-bit %s)\n",
           bar_size(3, 0x10), bar_size(3, 0x14), bar_size(3, 0x18),
           (cfg_read32(3, 0, 0x18) & 0xc) == 0xc ? "prefetchable" : "?");
    check(*(volatile uint32_t *)(TESTDEV_MMIO + 4) == 0xffffffff,
          "BAR0 not decoded before it is enabled");
    cfg_write32(3, 0, 0x10, (uint32_t)TESTDEV_MMIO);
    cfg_write32(3, 0, 0x14, TESTDEV_PIO);
    cfg_write16(3, 0, 0x04, 0x0003);
    printf("BAR0 %08x BAR1 %08x command %04x\n", cfg_read32(3, 0, 0x10),
           cfg_read32(3, 0, 0x14), cfg_read16(3, 0, 0x04));
    for (int io = 0; io < 2; io++) {
        for (int t = 0; t < 3; t++) {
            run_testdev_test(io, t);
        }
    }
    /* a test number past the last one reads as "no test" */
    *mmio8(TESTDEV_MMIO) = 3;
    check(hdr8(0, 1) == 0, "no test 3");
    cfg_write16(3, 0, 0x04, 0);
    check(*(volatile uint32_t *)(TESTDEV_MMIO + 4) == 0xffffffff,
          "BAR0 gone once memory decode is off");

    /* port 0x61 bit 4 keeps changing; port 0x80 takes writes quietly */
    r0 = inb(0x61);
    for (int i = 0; i < 200000 && refresh_changes < 4; i++) {
        uint8_t r = inb(0x61);
        refresh_changes += ((r ^ r0) & 0x10) != 0;
        r0 = r;
    }
    check(refresh_changes >= 4, "port 0x61 refresh bit toggles");
    outb(0x80, 0x55);
    printf("port 0x80 reads %02x\n", inb(0x80));
    printf("pci: %s\n", check_failures() ? "FAILED" : "ok");
    return check_failures() ? 1 : 0x10;
}
