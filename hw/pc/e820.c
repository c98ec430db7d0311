/*
 * The e820 memory map of the pc machine: the table handed to Linux in
 * boot_params, to multiboot kernels as the info block's mmap, and to
 * firmware through fw_cfg.
 *
 * Invariants of an E820Table: entries are sorted by address, none is
 * empty, none overlaps another, none wraps past 2^64, and there are at
 * most E820_MAX of them. e820_add keeps them: a new range replaces
 * whatever part of older entries it covers (the later call wins).
 *
 * The default map follows QEMU's for direct kernel boot:
 *   [0, 0x9fc00)                 RAM
 *   [0x9fc00, 0xa0000)           reserved (EBDA)
 *   [0xf0000, 0x100000)          reserved (BIOS area)
 *   [0x100000, below_4g)         RAM
 *   [0xfeffc000, 0xff000000)     reserved (KVM's TSS and identity map)
 *   [0xfffc0000, 4 GiB)          reserved (BIOS ROM at the top of 4 GiB)
 *   [4 GiB, 4 GiB + above_4g)    RAM
 */
#include "hw/pc/pc.h"

#include <string.h>

#define E820_EBDA_START   0x9fc00ull
#define E820_LOW_END      0xa0000ull
#define E820_BIOS_START   0xf0000ull
#define E820_HIGH_START   0x100000ull
#define E820_ROM_RESERVED 0xfffc0000ull
#define E820_KVM_RESERVED 0xfeffc000ull

void e820_init(E820Table *t)
{
    memset(t, 0, sizeof(*t));
}

/* Appends an entry to out unless it is empty; false if out is full. */
static bool e820_push(E820Table *out, uint64_t addr, uint64_t end,
                      uint32_t type)
{
    if (end <= addr) {
        return true;
    }
    if (out->n >= E820_MAX) {
        return false;
    }
    out->entries[out->n++] = (E820Entry){ .addr = addr, .size = end - addr,
                                          .type = type };
    return true;
}

int e820_add(E820Table *t, uint64_t addr, uint64_t size, uint32_t type)
{
    E820Table out;
    uint64_t end = addr + size;
    bool placed = false;

    if (size == 0 || end < addr || t->n < 0 || t->n > E820_MAX) {
        return -1;
    }
    e820_init(&out);
    for (int i = 0; i < t->n; i++) {
        const E820Entry *e = &t->entries[i];
        uint64_t e_end = e->addr + e->size;

        if (!placed && e->addr >= addr) {
            if (!e820_push(&out, addr, end, type)) {
                return -1;
            }
            placed = true;
        }
        /* The parts of e outside [addr, end) survive. */
        if (!e820_push(&out, e->addr, MIN(e_end, addr), e->type)) {
            return -1;
        }
        if (!placed && e_end > addr) {
            if (!e820_push(&out, addr, end, type)) {
                return -1;
            }
            placed = true;
        }
        if (!e820_push(&out, MAX(e->addr, end), e_end, e->type)) {
            return -1;
        }
    }
    if (!placed && !e820_push(&out, addr, end, type)) {
        return -1;
    }
    *t = out;
    return 0;
}

void pc_build_e820(Machine *m)
{
    E820Table *t = &m->e820;
    uint64_t low_end = MIN(m->below_4g, E820_EBDA_START);

    e820_init(t);
    e820_add(t, 0, low_end, E820_RAM);
    if (m->below_4g >= E820_LOW_END) {
        e820_add(t, E820_EBDA_START, E820_LOW_END - E820_EBDA_START,
                 E820_RESERVED);
    }
    e820_add(t, E820_BIOS_START, E820_HIGH_START - E820_BIOS_START,
             E820_RESERVED);
    if (m->below_4g > E820_HIGH_START) {
        e820_add(t, E820_HIGH_START, m->below_4g - E820_HIGH_START, E820_RAM);
    }
    /* KVM's TSS and identity-map pages on VT-x hosts (accel/kvm). */
    e820_add(t, E820_KVM_RESERVED, 0x4000, E820_RESERVED);
    e820_add(t, E820_ROM_RESERVED, 4 * GiB - E820_ROM_RESERVED, E820_RESERVED);
    if (m->above_4g) {
        e820_add(t, 4 * GiB, m->above_4g, E820_RAM);
    }
}

/*
 * Returns the highest 4 KiB-aligned address a such that [a, a + size) lies
 * inside one RAM entry and a + size <= limit; 0 if there is none (address
 * 0 is never handed out, it holds the real-mode interrupt table).
 */
uint64_t e820_find_ram_top(const E820Table *t, uint64_t limit, uint64_t size)
{
    uint64_t best = 0;

    if (size == 0) {
        size = 1;
    }
    for (int i = 0; i < t->n && i < E820_MAX; i++) {
        const E820Entry *e = &t->entries[i];
        uint64_t top, a;

        if (e->type != E820_RAM) {
            continue;
        }
        top = MIN(e->addr + e->size, limit);
        if (top < e->addr || top - e->addr < size) {
            continue;
        }
        a = ALIGN_DOWN(top - size, 4 * KiB);
        if (a >= e->addr && a > best) {
            best = a;
        }
    }
    return best;
}
