/*
 * Memory regions, address spaces, flattening and access dispatch (see
 * memory.h for the model and its invariants).
 *
 * Rules enforced here: one way to write guest memory from outside the
 * CPU (every RAM/ROM write of this file ends in as_note_write(), which
 * marks the pages dirty and tells the listeners, so the TCG drops stale
 * translations), and an access reaches one region, whole (a CPU access
 * is dispatched to the region holding its first byte with its full size;
 * io_read/io_write adapt it to what the region's ops accept).
 */
#include "hw/core/memory.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static uint8_t *alloc_backing(uint64_t size)
{
    void *p = mmap(NULL, size ? size : 1, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) {
        error_report("cannot allocate %llu bytes of guest memory",
                     (unsigned long long)size);
        exit(1);
    }
#ifdef MADV_HUGEPAGE
    /* fewer faults and TLB misses, and a quick exit with much RAM touched */
    madvise(p, size ? size : 1, MADV_HUGEPAGE);
#endif
    return p;
}

#define BITS_PER_ULONG (8 * sizeof(unsigned long))

static uint64_t dirty_pages(uint64_t size)
{
    return (size + MEMORY_PAGE_SIZE - 1) >> MEMORY_PAGE_BITS;
}

void memory_region_init_ram(MemoryRegion *mr, const char *name, uint64_t size)
{
    uint64_t words = (dirty_pages(size) + BITS_PER_ULONG - 1) / BITS_PER_ULONG;

    memset(mr, 0, sizeof(*mr));
    mr->name = name;
    mr->kind = MR_RAM;
    mr->size = size;
    mr->host = alloc_backing(size);
    mr->dirty = xzalloc((words ? words : 1) * sizeof(unsigned long));
}

void memory_region_init_rom(MemoryRegion *mr, const char *name, uint64_t size)
{
    memory_region_init_ram(mr, name, size);
    mr->kind = MR_ROM;
    memset(mr->host, 0xff, size);
}

void memory_region_init_io(MemoryRegion *mr, const char *name, uint64_t size,
                           const MemoryRegionOps *ops, void *opaque)
{
    memset(mr, 0, sizeof(*mr));
    mr->name = name;
    mr->kind = MR_IO;
    mr->size = size;
    mr->ops = ops;
    mr->opaque = opaque;
}

void memory_region_destroy(MemoryRegion *mr)
{
    if (mr->host) {
        munmap(mr->host, mr->size ? mr->size : 1);
        mr->host = NULL;
    }
    free(mr->dirty);
    mr->dirty = NULL;
}

void address_space_init(AddressSpace *as, const char *name, uint64_t size)
{
    memset(as, 0, sizeof(*as));
    as->name = name;
    as->size = size;
}

void address_space_destroy(AddressSpace *as)
{
    free(as->maps);
    free(as->flat);
    memset(as, 0, sizeof(*as));
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The mapping visible at addr: highest priority, then the latest added. */
static const MemoryMapping *winner_at(const AddressSpace *as, uint64_t addr)
{
    const MemoryMapping *best = NULL;
    for (size_t i = 0; i < as->nmaps; i++) {
        const MemoryMapping *m = &as->maps[i];
        if (addr < m->base || addr - m->base >= m->size) {
            continue;
        }
        if (!best || m->priority > best->priority ||
            (m->priority == best->priority && m->seq > best->seq)) {
            best = m;
        }
    }
    return best;
}

static void address_space_flatten(AddressSpace *as)
{
    size_t npts = 0;
    uint64_t *pts = xmalloc(sizeof(*pts) * (as->nmaps * 2 + 1));

    for (size_t i = 0; i < as->nmaps; i++) {
        pts[npts++] = as->maps[i].base;
        pts[npts++] = as->maps[i].base + as->maps[i].size;
    }
    qsort(pts, npts, sizeof(*pts), cmp_u64);

    free(as->flat);
    as->flat = xmalloc(sizeof(FlatRange) * (npts + 1));
    as->nflat = 0;
    for (size_t i = 0; i + 1 < npts; i++) {
        uint64_t lo = pts[i], hi = pts[i + 1];
        const MemoryMapping *m;
        FlatRange *prev;

        if (lo == hi || !(m = winner_at(as, lo))) {
            continue;
        }
        prev = as->nflat ? &as->flat[as->nflat - 1] : NULL;
        if (prev && prev->mr == m->mr && prev->base + prev->size == lo &&
            prev->offset + prev->size == m->offset + (lo - m->base)) {
            prev->size += hi - lo;
            continue;
        }
        as->flat[as->nflat++] = (FlatRange){
            .base = lo, .size = hi - lo, .mr = m->mr,
            .offset = m->offset + (lo - m->base),
        };
    }
    free(pts);
    as->generation++;
    for (size_t i = 0; i < as->nlisteners; i++) {
        as->listeners[i].changed(as->listeners[i].opaque, as);
    }
}

int address_space_map_region(AddressSpace *as, uint64_t base, MemoryRegion *mr,
                             uint64_t offset, uint64_t size, int priority)
{
    if (!size || base + size < base || base + size > as->size ||
        offset + size < offset || offset + size > mr->size) {
        return -1;
    }
    if (as->nmaps == as->maps_cap) {
        as->maps_cap = as->maps_cap ? as->maps_cap * 2 : 16;
        as->maps = xrealloc(as->maps, sizeof(*as->maps) * as->maps_cap);
    }
    as->maps[as->nmaps++] = (MemoryMapping){
        .base = base, .size = size, .offset = offset, .mr = mr,
        .priority = priority, .seq = ++as->seq,
    };
    address_space_flatten(as);
    return 0;
}

void address_space_unmap_region(AddressSpace *as, MemoryRegion *mr)
{
    size_t j = 0;
    for (size_t i = 0; i < as->nmaps; i++) {
        if (as->maps[i].mr != mr) {
            as->maps[j++] = as->maps[i];
        }
    }
    if (j != as->nmaps) {
        as->nmaps = j;
        address_space_flatten(as);
    }
}

void address_space_add_listener(AddressSpace *as, MemoryListener l)
{
    if (as->nlisteners < ARRAY_SIZE(as->listeners)) {
        as->listeners[as->nlisteners++] = l;
        l.changed(l.opaque, as);
    }
}

void address_space_remove_listener(AddressSpace *as, void *opaque)
{
    size_t j = 0;

    for (size_t i = 0; i < as->nlisteners; i++) {
        if (as->listeners[i].opaque != opaque) {
            as->listeners[j++] = as->listeners[i];
        }
    }
    as->nlisteners = j;
}

const FlatRange *address_space_lookup(const AddressSpace *as, uint64_t addr)
{
    size_t lo = 0, hi = as->nflat;

    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const FlatRange *fr = &as->flat[mid];
        if (addr < fr->base) {
            hi = mid;
        } else if (addr - fr->base >= fr->size) {
            lo = mid + 1;
        } else {
            return fr;
        }
    }
    return NULL;
}

/* ---- dirty pages and write notification ---- */

/* Sets or clears the dirty bit of each page [offset, offset+len) covers. */
static void dirty_for_each(const MemoryRegion *mr, uint64_t offset,
                           uint64_t len, bool set)
{
    uint64_t first, last;

    if (!mr->dirty || !len || offset >= mr->size) {
        return;
    }
    len = MIN(len, mr->size - offset);
    first = offset >> MEMORY_PAGE_BITS;
    last = (offset + len - 1) >> MEMORY_PAGE_BITS;
    for (uint64_t pg = first; pg <= last; pg++) {
        unsigned long bit = 1ul << (pg % BITS_PER_ULONG);
        unsigned long *w = &mr->dirty[pg / BITS_PER_ULONG];
        if (set) {
            __atomic_fetch_or(w, bit, __ATOMIC_RELAXED);
        } else {
            __atomic_fetch_and(w, ~bit, __ATOMIC_RELAXED);
        }
    }
}

bool memory_region_test_dirty(const MemoryRegion *mr, uint64_t offset,
                              uint64_t len)
{
    uint64_t first, last;

    if (!mr->dirty || !len || offset >= mr->size) {
        return false;
    }
    len = MIN(len, mr->size - offset);
    first = offset >> MEMORY_PAGE_BITS;
    last = (offset + len - 1) >> MEMORY_PAGE_BITS;
    for (uint64_t pg = first; pg <= last; pg++) {
        unsigned long w = __atomic_load_n(&mr->dirty[pg / BITS_PER_ULONG],
                                          __ATOMIC_RELAXED);
        if (w & (1ul << (pg % BITS_PER_ULONG))) {
            return true;
        }
    }
    return false;
}

void memory_region_clear_dirty(MemoryRegion *mr, uint64_t offset,
                               uint64_t len)
{
    dirty_for_each(mr, offset, len, false);
}

void memory_region_set_dirty(MemoryRegion *mr, uint64_t offset, uint64_t len)
{
    dirty_for_each(mr, offset, len, true);
}

uint64_t memory_region_take_dirty(MemoryRegion *mr, unsigned long *out)
{
    uint64_t words, n = 0;

    if (!mr->dirty) {
        return 0;
    }
    words = (dirty_pages(mr->size) + BITS_PER_ULONG - 1) / BITS_PER_ULONG;
    for (uint64_t i = 0; i < words; i++) {
        unsigned long w;
        if (!__atomic_load_n(&mr->dirty[i], __ATOMIC_RELAXED)) {
            continue;
        }
        w = __atomic_exchange_n(&mr->dirty[i], 0ul, __ATOMIC_ACQ_REL);
        out[i] |= w;
        n += (uint64_t)__builtin_popcountl(w);
    }
    return n;
}

/*
 * Bytes [off, off+len) of mr's backing were written: mark them dirty and
 * tell the listeners at every guest address mr shows them (aliases too).
 */
static void as_note_write(AddressSpace *as, MemoryRegion *mr, uint64_t off,
                          uint64_t len)
{
    dirty_for_each(mr, off, len, true);
    for (size_t i = 0; i < as->nmaps; i++) {
        const MemoryMapping *mp = &as->maps[i];
        uint64_t lo = MAX(off, mp->offset);
        uint64_t hi = MIN(off + len, mp->offset + mp->size);

        if (mp->mr != mr || lo >= hi) {
            continue;
        }
        for (size_t l = 0; l < as->nlisteners; l++) {
            const MemoryListener *ml = &as->listeners[l];
            if (ml->written) {
                ml->written(ml->opaque, as, mp->base + (lo - mp->offset),
                            hi - lo);
            }
        }
    }
}

int memory_region_write(AddressSpace *as, MemoryRegion *mr, uint64_t off,
                        const void *buf, uint64_t len)
{
    if (mr->kind != MR_RAM || off > mr->size || len > mr->size - off) {
        return -1;
    }
    memcpy(mr->host + off, buf, len);
    as_note_write(as, mr, off, len);
    return 0;
}

/* ---- I/O dispatch: the region decides ---- */

static uint64_t ones(unsigned size)
{
    return ~0ULL >> (64 - 8 * size);
}

static unsigned io_min(const MemoryRegion *mr)
{
    return mr->ops->min_access ? mr->ops->min_access : 1;
}

static unsigned io_max(const MemoryRegion *mr)
{
    return mr->ops->max_access ? mr->ops->max_access : 8;
}

/*
 * One access of size bytes at off inside mr. Sizes the ops take, inside
 * the region, go through as they are; a narrower one reads the containing
 * unit; a wider one, or one running past the region's end, is cut into
 * halves (or the ops' largest size) until the pieces fit, and pieces
 * beyond the end read as all-ones.
 */
static uint64_t io_read(MemoryRegion *mr, uint64_t off, unsigned size)
{
    unsigned min = io_min(mr), max = io_max(mr), unit;
    uint64_t v = 0;

    if (!mr->ops->read || off >= mr->size) {
        return ones(size);
    }
    if (size < min) {
        uint64_t base = ALIGN_DOWN(off, (uint64_t)min);
        if (base + min > mr->size) {
            return ones(size);
        }
        v = mr->ops->read(mr->opaque, base, min) >> (8 * (off - base));
        return v & ones(size);
    }
    if (size <= max && size <= mr->size - off) {
        return mr->ops->read(mr->opaque, off, size) & ones(size);
    }
    unit = size > max ? max : size / 2;
    for (unsigned i = 0; i < size; i += unit) {
        v |= io_read(mr, off + i, unit) << (8 * i);
    }
    return v;
}

static void io_write(MemoryRegion *mr, uint64_t off, uint64_t val,
                     unsigned size)
{
    unsigned min = io_min(mr), max = io_max(mr), unit;

    if (!mr->ops->write || off >= mr->size) {
        return;
    }
    if (size < min) {
        /* Narrower than the device allows: widen with zero bits. */
        uint64_t base = ALIGN_DOWN(off, (uint64_t)min);
        if (base + min <= mr->size) {
            mr->ops->write(mr->opaque, base, (val & ones(size))
                           << (8 * (off - base)), min);
        }
        return;
    }
    if (size <= max && size <= mr->size - off) {
        mr->ops->write(mr->opaque, off, val & ones(size), size);
        return;
    }
    unit = size > max ? max : size / 2;
    for (unsigned i = 0; i < size; i += unit) {
        io_write(mr, off + i, val >> (8 * i), unit);
    }
}

/* Largest power-of-two access (<= 8) that fits len and alignment. */
static unsigned io_chunk(uint64_t addr, uint64_t len)
{
    unsigned s = 8;
    while (s > 1 && (s > len || (addr & (s - 1)))) {
        s >>= 1;
    }
    return s;
}

/* ---- bulk access (DMA) ---- */

/* Bytes from addr to the next mapped range (or len). */
static uint64_t as_unmapped_run(const AddressSpace *as, uint64_t addr,
                                uint64_t len)
{
    for (size_t i = 0; i < as->nflat; i++) {
        if (as->flat[i].base > addr) {
            return MIN(len, as->flat[i].base - addr);
        }
    }
    return len;
}

static void as_io_piece(const FlatRange *fr, uint64_t off, uint8_t *p,
                        unsigned s, bool is_write)
{
    uint64_t v = 0;

    if (is_write) {
        memcpy(&v, p, s);
        io_write(fr->mr, off, v, s);
    } else {
        v = io_read(fr->mr, off, s);
        memcpy(p, &v, s);
    }
}

int address_space_rw(AddressSpace *as, uint64_t addr, void *buf, uint64_t len,
                     bool is_write)
{
    uint8_t *p = buf;
    int ret = 0;

    while (len) {
        const FlatRange *fr = address_space_lookup(as, addr);
        uint64_t n, off;

        if (!fr) {
            n = as_unmapped_run(as, addr, len);
            if (!is_write) {
                memset(p, 0xff, n);
            }
            ret = -1;
            p += n, addr += n, len -= n;
            continue;
        }
        off = fr->offset + (addr - fr->base);
        n = MIN(len, fr->size - (addr - fr->base));
        if (fr->mr->kind == MR_IO) {
            n = io_chunk(addr, n);
            as_io_piece(fr, off, p, (unsigned)n, is_write);
        } else if (!is_write) {
            memcpy(p, fr->mr->host + off, n);
        } else if (fr->mr->kind == MR_RAM) {
            memcpy(fr->mr->host + off, p, n);
            as_note_write(as, fr->mr, off, n);
        }
        p += n, addr += n, len -= n;
    }
    return ret;
}

/* ---- CPU accesses: one region, whole ---- */

static void address_space_access_untraced(AddressSpace *as, uint64_t addr,
                                          void *buf, unsigned size,
                                          bool is_write);

/* The -d ioport hook: every CPU access, with the value as seen. */
void address_space_access(AddressSpace *as, uint64_t addr, void *buf,
                          unsigned size, bool is_write)
{
    uint64_t v = 0;

    address_space_access_untraced(as, addr, buf, size, is_write);
    if (as->trace && size <= sizeof(v)) {
        memcpy(&v, buf, size);
        as->trace(as->trace_opaque, addr, v, size, is_write);
    }
}

static void address_space_access_untraced(AddressSpace *as, uint64_t addr,
                                          void *buf, unsigned size,
                                          bool is_write)
{
    const FlatRange *fr = address_space_lookup(as, addr);
    uint8_t *p = buf;

    if (fr && fr->mr->kind != MR_IO) {
        address_space_rw(as, addr, buf, size, is_write);
        return;
    }
    if (!fr) {
        if (!is_write) {
            memset(buf, 0xff, size);
        }
        return;
    }
    for (unsigned i = 0; i < size;) {
        unsigned s = io_chunk(i, size - i);
        as_io_piece(fr, fr->offset + (addr - fr->base) + i, p + i, s,
                    is_write);
        i += s;
    }
}

uint64_t address_space_ld(AddressSpace *as, uint64_t addr, unsigned size)
{
    uint64_t v = 0;

    address_space_access(as, addr, &v, MIN(size, 8u), false);
    return v;
}

void address_space_st(AddressSpace *as, uint64_t addr, uint64_t val,
                      unsigned size)
{
    address_space_access(as, addr, &val, MIN(size, 8u), true);
}

/* ---- host pointers and loaders ---- */

const void *address_space_get_ptr(AddressSpace *as, uint64_t addr,
                                  uint64_t len)
{
    const FlatRange *fr = address_space_lookup(as, addr);

    if (!fr || fr->mr->kind == MR_IO ||
        len > fr->size - (addr - fr->base)) {
        return NULL;
    }
    return fr->mr->host + fr->offset + (addr - fr->base);
}

/* True if every byte of [addr, addr+len) is backed (RAM, or ROM too). */
static bool as_range_backed(const AddressSpace *as, uint64_t addr,
                            uint64_t len, bool rom_ok)
{
    if (addr + len < addr) {
        return false;
    }
    while (len) {
        const FlatRange *fr = address_space_lookup(as, addr);
        uint64_t n;

        if (!fr || fr->mr->kind == MR_IO ||
            (!rom_ok && fr->mr->kind != MR_RAM)) {
            return false;
        }
        n = MIN(len, fr->size - (addr - fr->base));
        addr += n, len -= n;
    }
    return true;
}

/* Copies buf (or fills with c when buf is NULL) into checked backing. */
static void as_store_backed(AddressSpace *as, uint64_t addr,
                            const uint8_t *buf, int c, uint64_t len)
{
    while (len) {
        const FlatRange *fr = address_space_lookup(as, addr);
        uint64_t off = fr->offset + (addr - fr->base);
        uint64_t n = MIN(len, fr->size - (addr - fr->base));

        if (buf) {
            memcpy(fr->mr->host + off, buf, n);
            buf += n;
        } else {
            memset(fr->mr->host + off, c, n);
        }
        as_note_write(as, fr->mr, off, n);
        addr += n, len -= n;
    }
}

int address_space_write_rom(AddressSpace *as, uint64_t addr, const void *buf,
                            uint64_t len)
{
    if (!as_range_backed(as, addr, len, true)) {
        return -1;
    }
    as_store_backed(as, addr, buf, 0, len);
    return 0;
}

int address_space_fill(AddressSpace *as, uint64_t addr, int c, uint64_t len)
{
    if (!as_range_backed(as, addr, len, false)) {
        return -1;
    }
    as_store_backed(as, addr, NULL, c, len);
    return 0;
}

/* ---- DMA mapping ---- */

void *address_space_map(AddressSpace *as, uint64_t addr, uint64_t *len,
                        bool is_write)
{
    const FlatRange *fr = address_space_lookup(as, addr);

    if (!fr || fr->mr->kind == MR_IO ||
        (is_write && fr->mr->kind != MR_RAM)) {
        *len = 0;
        return NULL;
    }
    *len = MIN(*len, fr->size - (addr - fr->base));
    return fr->mr->host + fr->offset + (addr - fr->base);
}

void address_space_unmap(AddressSpace *as, uint64_t addr, uint64_t access_len,
                         bool is_write)
{
    while (is_write && access_len) {
        const FlatRange *fr = address_space_lookup(as, addr);
        uint64_t n;

        if (!fr || fr->mr->kind != MR_RAM) {
            return;     /* not what address_space_map handed out */
        }
        n = MIN(access_len, fr->size - (addr - fr->base));
        as_note_write(as, fr->mr, fr->offset + (addr - fr->base), n);
        addr += n, access_len -= n;
    }
}
