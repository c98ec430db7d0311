/*
 * Memory regions and address spaces.
 *
 * A MemoryRegion is something that can be mapped: host-backed RAM, ROM
 * (host-backed, guest writes ignored) or I/O (callbacks). An AddressSpace
 * maps regions at guest addresses; the system memory space and the x86
 * port space are both AddressSpaces, so TCG's slow path, KVM's MMIO/IO
 * exits and device DMA all dispatch through the same code.
 *
 * Mappings may overlap; the one with the higher priority wins (equal
 * priorities: the later mapping wins). After every change the space is
 * re-flattened into a sorted array of non-overlapping FlatRanges and each
 * listener is told, so KVM can update its memory slots and TCG can flush
 * its soft TLB.
 *
 * Two rules hold here for the whole of Kite:
 *
 *   One way to write guest memory from outside the CPU. Loaders, device
 *   DMA, the debugger, migration and snapshot load write guest RAM (and
 *   ROM contents) only through address_space_write/write_rom/fill and
 *   the address_space_map/unmap pair below. Every such write is bounds-
 *   checked against the flat view, marks the pages it touched dirty in
 *   the region's bitmap (migration) and tells each listener's `written`
 *   hook, through which the TCG drops translated code on those pages
 *   (KVM needs nothing). The only direct host pointers handed out are
 *   read-only (address_space_get_ptr) or bracketed by map/unmap.
 *
 *   An access reaches one region, whole. A CPU access (address_space_ld/
 *   st/access: port I/O, MMIO from the TCG slow path and from KVM exits)
 *   goes to the region holding its first byte with its full size; that
 *   region's ops decide what a wide, narrow or unaligned access means.
 *   An access whose first byte is unmapped reads as all-ones and its
 *   write is dropped, whatever lies after it.
 *
 * Invariants: every access is bounds-checked against the flat view; an
 * access to an unmapped address reads as all-ones and its write is
 * dropped; I/O callbacks see offsets relative to their region, sizes of 1,
 * 2, 4 or 8, and never an access that crosses the region's end (the part
 * of an access beyond its region's end reads as all-ones and its write is
 * dropped).
 */
#ifndef KITE_MEMORY_H
#define KITE_MEMORY_H

#include "system/util.h"

typedef struct MemoryRegionOps {
    uint64_t (*read)(void *opaque, uint64_t offset, unsigned size);
    void (*write)(void *opaque, uint64_t offset, uint64_t value, unsigned size);
    /* Access sizes the device handles; others are split (0 = 1..8). */
    unsigned min_access, max_access;
} MemoryRegionOps;

typedef enum MemoryRegionKind {
    MR_RAM,
    MR_ROM,
    MR_IO,
} MemoryRegionKind;

#define MEMORY_PAGE_BITS 12
#define MEMORY_PAGE_SIZE (1ull << MEMORY_PAGE_BITS)

typedef struct MemoryRegion {
    const char *name;
    MemoryRegionKind kind;
    uint64_t size;
    uint8_t *host;               /* RAM and ROM backing store */
    unsigned long *dirty;        /* RAM and ROM: one bit per page */
    const MemoryRegionOps *ops;  /* I/O regions */
    void *opaque;
} MemoryRegion;

typedef struct FlatRange {
    uint64_t base, size;
    MemoryRegion *mr;
    uint64_t offset;             /* offset of base inside mr */
} FlatRange;

typedef struct AddressSpace AddressSpace;

typedef struct MemoryListener {
    void (*changed)(void *opaque, AddressSpace *as);
    void *opaque;
    /*
     * Optional: guest bytes [addr, addr + len) of RAM or ROM were written
     * from outside the CPU (called once per mapping of the bytes).
     */
    void (*written)(void *opaque, AddressSpace *as, uint64_t addr,
                    uint64_t len);
} MemoryListener;

typedef struct MemoryMapping {
    uint64_t base, size, offset;
    MemoryRegion *mr;
    int priority;
    unsigned seq;
} MemoryMapping;

struct AddressSpace {
    const char *name;
    uint64_t size;               /* addresses >= size are unmapped */
    MemoryMapping *maps;
    size_t nmaps, maps_cap;
    unsigned seq;
    FlatRange *flat;
    size_t nflat;
    uint64_t generation;         /* bumped on every change */
    MemoryListener listeners[4];
    size_t nlisteners;
    /* Optional: sees every access of up to 8 bytes (-d ioport). */
    void (*trace)(void *opaque, uint64_t addr, uint64_t val, unsigned size,
                  bool is_write);
    void *trace_opaque;
};

void memory_region_init_ram(MemoryRegion *mr, const char *name, uint64_t size);
void memory_region_init_rom(MemoryRegion *mr, const char *name, uint64_t size);
void memory_region_init_io(MemoryRegion *mr, const char *name, uint64_t size,
                           const MemoryRegionOps *ops, void *opaque);
/* Frees RAM/ROM backing (mmap'd, page aligned). */
void memory_region_destroy(MemoryRegion *mr);

void address_space_init(AddressSpace *as, const char *name, uint64_t size);
void address_space_destroy(AddressSpace *as);
/* Maps [offset, offset+size) of mr at base. Returns 0 or -1 (out of range). */
int address_space_map_region(AddressSpace *as, uint64_t base, MemoryRegion *mr,
                             uint64_t offset, uint64_t size, int priority);
/* Removes every mapping of mr. */
void address_space_unmap_region(AddressSpace *as, MemoryRegion *mr);
void address_space_add_listener(AddressSpace *as, MemoryListener l);

/*
 * Finds the flat range holding addr, or NULL if unmapped.
 */
const FlatRange *address_space_lookup(const AddressSpace *as, uint64_t addr);

/*
 * Copies len bytes between buf and the space (DMA). Unmapped bytes read as
 * 0xff and their writes are dropped; ROM ignores writes; I/O is split into
 * naturally sized accesses. Writes to RAM mark pages dirty and notify the
 * listeners. Returns 0 if every byte was mapped, else -1.
 */
int address_space_rw(AddressSpace *as, uint64_t addr, void *buf, uint64_t len,
                     bool is_write);
static inline int address_space_read(AddressSpace *as, uint64_t addr,
                                     void *buf, uint64_t len)
{
    return address_space_rw(as, addr, buf, len, false);
}
static inline int address_space_write(AddressSpace *as, uint64_t addr,
                                      const void *buf, uint64_t len)
{
    return address_space_rw(as, addr, (void *)buf, len, true);
}

/*
 * One CPU access of 1, 2, 4 or 8 bytes, little-endian: it reaches the
 * region holding addr whole (see the rule above). RAM and ROM behave as
 * memory (an access running past their end continues in what follows).
 */
uint64_t address_space_ld(AddressSpace *as, uint64_t addr, unsigned size);
void address_space_st(AddressSpace *as, uint64_t addr, uint64_t val,
                      unsigned size);
/* The same access with its data in buf (KVM's I/O and MMIO exits). */
void address_space_access(AddressSpace *as, uint64_t addr, void *buf,
                          unsigned size, bool is_write);

/*
 * Read-only host pointer to [addr, addr+len) if the whole range is RAM or
 * ROM in one flat range, else NULL (page walks, code fetch).
 */
const void *address_space_get_ptr(AddressSpace *as, uint64_t addr,
                                  uint64_t len);

/*
 * Loaders: writes len bytes into RAM or ROM backing (firmware images).
 * Checks the whole range first: returns -1, writing nothing, if any byte
 * is unmapped or I/O.
 */
int address_space_write_rom(AddressSpace *as, uint64_t addr, const void *buf,
                            uint64_t len);
/* Fills len bytes of RAM with c; -1, writing nothing, unless all is RAM. */
int address_space_fill(AddressSpace *as, uint64_t addr, int c, uint64_t len);

/*
 * Writes len bytes at offset off of the RAM region mr itself, wherever
 * (and whether) it is mapped in as: for views that sit over RAM and pass
 * writes to it (the chipset's shadow-RAM control). Dirty bits and the
 * listeners are told as for any other write. -1, writing nothing, if mr
 * is not RAM or the range leaves it.
 */
int memory_region_write(AddressSpace *as, MemoryRegion *mr, uint64_t off,
                        const void *buf, uint64_t len);

/*
 * DMA mapping. Returns a host pointer to guest memory at addr and sets
 * *len to how many bytes (at most the requested *len) it covers: RAM for
 * a write, RAM or ROM for a read. NULL (and *len 0) when addr is not such
 * memory; the caller then falls back to address_space_rw. A mapping for
 * writing must be closed by address_space_unmap with the number of bytes
 * actually written, which marks them dirty and notifies the listeners.
 */
void *address_space_map(AddressSpace *as, uint64_t addr, uint64_t *len,
                        bool is_write);
void address_space_unmap(AddressSpace *as, uint64_t addr, uint64_t access_len,
                         bool is_write);

/*
 * Dirty tracking for migration: whether a page of mr in [offset,
 * offset+len) was written through this API since the last clear, and
 * clearing it.
 */
bool memory_region_test_dirty(const MemoryRegion *mr, uint64_t offset,
                              uint64_t len);
void memory_region_clear_dirty(MemoryRegion *mr, uint64_t offset,
                               uint64_t len);
/*
 * Marks [offset, offset+len) of mr dirty without telling the listeners:
 * for writes the CPU itself makes (the TCG's soft TLB on a write fill).
 */
void memory_region_set_dirty(MemoryRegion *mr, uint64_t offset, uint64_t len);
/*
 * Moves mr's dirty bits into out (ORed in, one bit per page as in
 * mr->dirty) and clears them, word by word atomically; returns how many
 * bits were set.
 */
uint64_t memory_region_take_dirty(MemoryRegion *mr, unsigned long *out);
/* Removes the listeners whose opaque is opaque (accelerator teardown). */
void address_space_remove_listener(AddressSpace *as, void *opaque);

#endif
