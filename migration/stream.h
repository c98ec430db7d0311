/*
 * The machine state stream: one versioned, accelerator-neutral format for
 * snapshot files, live migration and accelerator switches.
 *
 *   header   "KITE-MIG" (8 bytes), u32 version (MIG_STREAM_VERSION), the
 *            configuration the destination must match: u64 RAM size,
 *            u32 vCPUs, u32 device count, each device's type name
 *            (u16 length + bytes) in tree order
 *   records  u8 tag, then:
 *     'R'    RAM pages: u32 n, n entries of u64 (offset in guest RAM |
 *            MIG_PAGE_ZERO or MIG_PAGE_DATA), DATA followed by the 4 KiB
 *            page. A page may come several times (live migration sends
 *            it again when the guest wrote it); the last copy counts.
 *     'S'    the machine state, once: u32 length, then (SaveBuf layout)
 *            u32 state version, u64 virtual clock (ns), u8 A20, u32 vCPUs,
 *            each vCPU's architectural state (x86_cpu_state_save: GPRs,
 *            segments, CRs, DRs, MSRs, x87/SSE, XCR0, pending events,
 *            TSC adjust), then every device (device_tree_save)
 *   end      'E', u32 CRC-32C of every byte before it (tag included)
 * Integers are little-endian. The guest's TSC and every device timer are
 * functions of the virtual clock, so restoring the clock makes them
 * continue where they were.
 *
 * Loading checks everything before the machine state is applied: magic,
 * version, configuration, every RAM entry, the checksum; RAM is written
 * as it arrives (the destination's guest does not run until the whole
 * stream loaded), the state is applied only after the end marker.
 */
#ifndef KITE_MIGRATION_STREAM_H
#define KITE_MIGRATION_STREAM_H

#include "hw/pc/pc.h"
#include "migration/channel.h"

#define MIG_MAGIC            "KITE-MIG"
#define MIG_STREAM_VERSION   1
#define MIG_STATE_VERSION    1
#define MIG_PAGE_SIZE        4096ull
#define MIG_PAGE_ZERO        1ull
#define MIG_PAGE_DATA        2ull
#define MIG_REC_RAM          'R'
#define MIG_REC_STATE        'S'
#define MIG_REC_END          'E'
#define MIG_STATE_MAX        (512 * MiB)

typedef struct MigRamStats {
    uint64_t normal, zero;       /* pages sent with data, as zero */
} MigRamStats;

/* Pages of guest RAM, and the bitmap words covering them. */
static inline uint64_t mig_ram_pages(const Machine *m)
{
    return m->ram_size / MIG_PAGE_SIZE;
}
static inline size_t mig_bitmap_words(const Machine *m)
{
    return (size_t)((mig_ram_pages(m) + 63) / 64);
}

void mig_save_header(MigChannel *c, Machine *m);
/*
 * Sends the pages whose bits are set in bitmap (one bit per page, as
 * unsigned long words) from word *cursor on, clearing them, until done or
 * until budget bytes went out; returns true when the bitmap is empty.
 */
bool mig_save_pages(MigChannel *c, Machine *m, unsigned long *bitmap,
                    size_t *cursor, uint64_t budget, MigRamStats *st);
/* The state record: vCPU states must be current (get_state); lock held. */
void mig_state_save(Machine *m, SaveBuf *s);
void mig_save_state_record(MigChannel *c, const SaveBuf *state);
void mig_save_end(MigChannel *c);

/*
 * Reads a whole stream into m: RAM as it comes, then (lock taken here)
 * the machine state. -1 with a message naming the problem.
 */
int mig_load_stream(MigChannel *c, Machine *m, Error *err);
/* Applies a state record (lock held): -1, vCPUs untouched, if invalid. */
int mig_state_load(Machine *m, SaveBuf *s, Error *err);

#endif
