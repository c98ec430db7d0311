/*
 * dma-stale-code.c - regression test for "stale translations after memory
 * is written from outside the CPU": a function that has run (so the TCG
 * holds a translation of it) is overwritten by fw_cfg DMA (QEMU
 * docs/specs/fw_cfg.rst, "DMA interface") and called again; the new
 * bytes must run, not the old translation.
 *
 * The function sits alone on its page, and the DMA descriptor on another,
 * so no store of the guest itself touches the code page: only the device
 * writes it. The DMA copies fw_cfg items over the function's immediate
 * operand (mov $imm32, %eax; ret): the signature "QEMU", then the
 * interface ID.
 */
#include "lib/guest.h"

#define FW_CFG_DMA_PORT 0x514
#define FW_CFG_SIGNATURE 0x0000
#define FW_CFG_ID 0x0001
#define DMA_CTL_ERROR 0x01
#define DMA_CTL_READ 0x02
#define DMA_CTL_SELECT 0x08

__asm__(".pushsection .text\n"
        ".balign 4096\n"
        "patched_fn:\n"
        "    movl $0x11111111, %eax\n"
        "    ret\n"
        ".balign 4096\n"
        ".popsection\n");
extern uint8_t patched_fn[];

typedef struct DmaAccess {
    uint32_t control, length;
    uint64_t address;
} DmaAccess;

static volatile DmaAccess desc __attribute__((aligned(4096)));

static uint32_t be32(uint32_t v)
{
    return __builtin_bswap32(v);
}

static uint32_t call_patched(void)
{
    uint32_t (*fn)(void) = (uint32_t (*)(void))(uintptr_t)patched_fn;
    __asm__ volatile("" : "+r"(fn));
    return fn();
}

/* Reads len bytes of item key over the immediate of patched_fn. */
static int dma_item_over_code(uint16_t key, uint32_t len)
{
    uint64_t addr = (uint64_t)(uintptr_t)&desc;

    desc.control = be32((uint32_t)key << 16 | DMA_CTL_SELECT | DMA_CTL_READ);
    desc.length = be32(len);
    desc.address = __builtin_bswap64((uint64_t)(uintptr_t)patched_fn + 1);
    outl(FW_CFG_DMA_PORT, be32((uint32_t)(addr >> 32)));
    outl(FW_CFG_DMA_PORT + 4, be32((uint32_t)addr));
    while (be32(desc.control) & ~(uint32_t)DMA_CTL_ERROR) {
        __asm__ volatile("pause");
    }
    return be32(desc.control) & DMA_CTL_ERROR ? -1 : 0;
}

int main(const MultibootInfo *mbi)
{
    uint32_t before, after_sig, after_id;

    before = call_patched();
    before = call_patched();
    printf("before DMA: 0x%x\n", before);
    check(before == 0x11111111, "original code");

    check(dma_item_over_code(FW_CFG_SIGNATURE, 4) == 0, "DMA signature");
    after_sig = call_patched();
    printf("after DMA of the signature: 0x%x\n", after_sig);
    check(after_sig == 0x554d4551, "code written by DMA runs (\"QEMU\")");

    check(dma_item_over_code(FW_CFG_ID, 4) == 0, "DMA id");
    after_id = call_patched();
    printf("after DMA of the interface ID: 0x%x\n", after_id);
    check(after_id == 3, "code written by DMA runs (ID)");

    printf("dma-stale-code: %s\n", check_failures() ? "FAILED" : "ok");
    return check_failures() ? 1 : 0x12;
}
