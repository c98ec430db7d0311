/*
 * dma-loop-stop.c - the largest fw_cfg DMA a guest can ask for (QEMU
 * docs/specs/fw_cfg.rst, "DMA interface"): a read of 4 GiB - 1 bytes of
 * an item, which fills RAM with zeros from 16 MiB up to the first
 * unmapped byte, where it fails with the error bit. Regression guest for
 * "a guest holds the machine for seconds": Kite must do such a transfer
 * in bounded steps under the machine lock.
 *
 * On its own it does the transfer three times and checks the result.
 * With "loop" on the command line (-append loop) it prints "looping" and
 * repeats it forever; tests/guest/stop-latency.sh then sends SIGTERM and
 * measures how long Kite takes to exit.
 */
#include "lib/guest.h"

#define FW_CFG_DMA_PORT 0x514
#define FW_CFG_SIGNATURE 0x0000
#define DMA_CTL_ERROR 0x01
#define DMA_CTL_READ 0x02
#define DMA_CTL_SELECT 0x08
#define DEST (16u << 20)
#define MBI_CMDLINE (1u << 2)

typedef struct DmaAccess {
    uint32_t control, length;
    uint64_t address;
} DmaAccess;

static volatile DmaAccess desc __attribute__((aligned(16)));

static uint32_t be32(uint32_t v)
{
    return __builtin_bswap32(v);
}

/* One read of 4 GiB - 1 bytes to DEST; returns the final control field. */
static uint32_t dma_largest(void)
{
    uint64_t addr = (uint64_t)(uintptr_t)&desc;

    desc.control = be32((uint32_t)FW_CFG_SIGNATURE << 16 | DMA_CTL_SELECT |
                        DMA_CTL_READ);
    desc.length = be32(0xffffffffu);
    desc.address = __builtin_bswap64(DEST);
    outl(FW_CFG_DMA_PORT, be32((uint32_t)(addr >> 32)));
    outl(FW_CFG_DMA_PORT + 4, be32((uint32_t)addr));
    while (be32(desc.control) & ~(uint32_t)DMA_CTL_ERROR) {
        __asm__ volatile("pause");
    }
    return be32(desc.control);
}

static int cmdline_has_loop(const MultibootInfo *mbi)
{
    const char *s;

    if (!mbi || !(mbi->flags & MBI_CMDLINE) || !mbi->cmdline) {
        return 0;
    }
    /* the command line is the kernel's path, then the -append words */
    for (s = (const char *)(uintptr_t)mbi->cmdline; *s; s++) {
        if (s[0] == ' ' && s[1] == 'l' && s[2] == 'o' && s[3] == 'o' &&
            s[4] == 'p' && (s[5] == ' ' || s[5] == 0)) {
            return 1;
        }
    }
    return 0;
}

int main(const MultibootInfo *mbi)
{
    volatile uint8_t *dest = (volatile uint8_t *)(uintptr_t)DEST;

    if (cmdline_has_loop(mbi)) {
        printf("looping\n");
        for (;;) {
            dma_largest();
        }
    }
    for (int i = 0; i < 3; i++) {
        dest[4] = 0xaa;
        uint32_t ctl = dma_largest();
        check(ctl == DMA_CTL_ERROR, "ends with the error bit");
        check(dest[0] == 'Q' && dest[3] == 'U' && dest[4] == 0,
              "item, then zeros");
    }
    printf("largest fw_cfg DMA, three times: signature then zeros up to the "
           "end of RAM, error bit at the first unmapped byte\n");
    return check_failures() ? 1 : 0x12;
}
