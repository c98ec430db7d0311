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
 * Invariants: every access is bounds-checked against the flat view; an
 * access to an unmapped address reads as all-ones and its write is
 * dropped; I/O callbacks see offsets relative to their region, sizes of 1,
 * 2, 4 or 8, and never an access that crosses the region's end.
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

typedef struct MemoryRegion {
    const char *name;
    MemoryRegionKind kind;
    uint64_t size;
    uint8_t *host;               /* RAM and ROM backing store */
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
 * Finds the flat range holding addr, or NULL if unmapped. *avail is set to
 * the number of bytes from addr to the end of that range.
 */
const FlatRange *address_space_lookup(const AddressSpace *as, uint64_t addr);

/*
 * Copies len bytes between buf and the space. Unmapped bytes read as 0xff
 * and their writes are dropped; ROM ignores writes; I/O is split into
 * naturally sized accesses. Returns 0 if every byte was mapped, else -1.
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

/* Single little-endian access of 1, 2, 4 or 8 bytes. */
uint64_t address_space_ld(AddressSpace *as, uint64_t addr, unsigned size);
void address_space_st(AddressSpace *as, uint64_t addr, uint64_t val,
                      unsigned size);

/*
 * Returns a host pointer to [addr, addr+len) if the whole range is RAM (or
 * ROM when !for_write) in one region, else NULL. Used by loaders and DMA.
 */
void *address_space_get_ptr(AddressSpace *as, uint64_t addr, uint64_t len,
                            bool for_write);

/* Writes len bytes into RAM or ROM backing (loaders writing firmware). */
int address_space_write_rom(AddressSpace *as, uint64_t addr, const void *buf,
                            uint64_t len);

#endif
