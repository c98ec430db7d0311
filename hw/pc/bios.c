/*
 * Raw firmware images for -bios (SeaBIOS-style): the whole image is a ROM
 * ending at 4 GiB, so its last bytes hold the reset vector at
 * 0xfffffff0, and its last 128 KiB (or all of it, if smaller) also show
 * at 0xe0000-0xfffff below 1 MiB, where real-mode code runs after the
 * reset jump. Like QEMU, the size must be a non-zero multiple of 64 KiB;
 * kite also caps it at 16 MiB. The CPU starts in the power-on state.
 * The image reaches the ROM through address_space_write_rom only, so a
 * reload at reset drops code translated from the old image.
 */
#include "hw/pc/bootparam.h"

#include <string.h>

static int bios_check_size(size_t size, Error *err)
{
    if (size == 0 || size % BIOS_SIZE_UNIT || size > BIOS_MAX_SIZE) {
        return error_setg(err, "firmware image is %zu bytes; it must be a "
                          "non-zero multiple of 64 KiB, at most %llu MiB",
                          size, (unsigned long long)(BIOS_MAX_SIZE / MiB));
    }
    return 0;
}

int bios_load(Machine *m, const uint8_t *img, size_t size, X86CPUState *cpu,
              Error *err)
{
    uint64_t low = MIN((uint64_t)size, BIOS_LOW_ALIAS_MAX);

    if (bios_check_size(size, err) < 0) {
        return -1;
    }
    if (m->bios.host && m->bios.size == size) {
        /* Reloaded at reset: same mappings, fresh contents. */
        address_space_write_rom(&m->mem, 4 * GiB - size, img, size);
        x86_cpu_state_reset(cpu);
        return 0;
    }
    if (m->bios.host) {
        /* A different image: replace it. */
        address_space_unmap_region(&m->mem, &m->bios);
        memory_region_destroy(&m->bios);
    }
    memory_region_init_rom(&m->bios, "pc.bios", size);
    if (address_space_map_region(&m->mem, 4 * GiB - size, &m->bios, 0, size,
                                 PRIO_ROM) < 0 ||
        address_space_map_region(&m->mem, 1 * MiB - low, &m->bios,
                                 size - low, low, PRIO_ROM) < 0 ||
        address_space_write_rom(&m->mem, 4 * GiB - size, img, size) < 0) {
        address_space_unmap_region(&m->mem, &m->bios);
        memory_region_destroy(&m->bios);
        return error_setg(err, "cannot map the firmware image");
    }
    x86_cpu_state_reset(cpu);
    return 0;
}
