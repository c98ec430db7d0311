/*
 * Memory regions, address spaces, flattening and access dispatch
 * (see memory.h for the model and its invariants).
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
    return p;
}

void memory_region_init_ram(MemoryRegion *mr, const char *name, uint64_t size)
{
    memset(mr, 0, sizeof(*mr));
    mr->name = name;
    mr->kind = MR_RAM;
    mr->size = size;
    mr->host = alloc_backing(size);
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

static uint64_t io_read(MemoryRegion *mr, uint64_t off, unsigned size)
{
    unsigned max = mr->ops->max_access ? mr->ops->max_access : 8;
    unsigned min = mr->ops->min_access ? mr->ops->min_access : 1;
    uint64_t v = 0;

    if (!mr->ops->read) {
        return ~0ULL >> (64 - 8 * size);
    }
    if (size >= min && size <= max) {
        return mr->ops->read(mr->opaque, off, size);
    }
    if (size > max) {
        for (unsigned i = 0; i < size; i += max) {
            v |= mr->ops->read(mr->opaque, off + i, max) << (8 * i);
        }
        return v;
    }
    /* Narrower than the device allows: read the containing unit. */
    uint64_t base = ALIGN_DOWN(off, (uint64_t)min);
    if (base + min > mr->size) {
        return ~0ULL >> (64 - 8 * size);
    }
    v = mr->ops->read(mr->opaque, base, min) >> (8 * (off - base));
    return v & (~0ULL >> (64 - 8 * size));
}

static void io_write(MemoryRegion *mr, uint64_t off, uint64_t val,
                     unsigned size)
{
    unsigned max = mr->ops->max_access ? mr->ops->max_access : 8;
    unsigned min = mr->ops->min_access ? mr->ops->min_access : 1;

    if (!mr->ops->write) {
        return;
    }
    if (size >= min && size <= max) {
        mr->ops->write(mr->opaque, off, val, size);
    } else if (size > max) {
        for (unsigned i = 0; i < size; i += max) {
            mr->ops->write(mr->opaque, off + i, val >> (8 * i), max);
        }
    } else {
        /* Narrower than the device allows: widen with zero bits. */
        uint64_t base = ALIGN_DOWN(off, (uint64_t)min);
        if (base + min <= mr->size) {
            mr->ops->write(mr->opaque, base, val << (8 * (off - base)), min);
        }
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

static int address_space_rw_untraced(AddressSpace *as, uint64_t addr,
                                     void *buf, uint64_t len, bool is_write);

/* The -d ioport hook: every access through ld/st/rw, value as seen. */
static void address_space_trace(AddressSpace *as, uint64_t addr,
                                 const void *buf, uint64_t len, bool is_write)
{
    uint64_t v = 0;

    if (as->trace && len <= sizeof(v)) {
        memcpy(&v, buf, len);
        as->trace(as->trace_opaque, addr, v, (unsigned)len, is_write);
    }
}

int address_space_rw(AddressSpace *as, uint64_t addr, void *buf, uint64_t len,
                     bool is_write)
{
    int ret = address_space_rw_untraced(as, addr, buf, len, is_write);

    address_space_trace(as, addr, buf, len, is_write);
    return ret;
}

static int address_space_rw_untraced(AddressSpace *as, uint64_t addr,
                                     void *buf, uint64_t len, bool is_write)
{
    uint8_t *p = buf;
    int ret = 0;

    while (len) {
        const FlatRange *fr = address_space_lookup(as, addr);
        uint64_t n, off;

        if (!fr) {
            /* Unmapped: skip to the next mapped range, or the end. */
            n = len;
            for (size_t i = 0; i < as->nflat; i++) {
                if (as->flat[i].base > addr) {
                    n = MIN(len, as->flat[i].base - addr);
                    break;
                }
            }
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
            unsigned s = io_chunk(addr, n);
            n = s;
            if (is_write) {
                uint64_t v = 0;
                memcpy(&v, p, s);
                io_write(fr->mr, off, v, s);
            } else {
                uint64_t v = io_read(fr->mr, off, s);
                memcpy(p, &v, s);
            }
        } else if (is_write) {
            if (fr->mr->kind == MR_RAM) {
                memcpy(fr->mr->host + off, p, n);
            }
        } else {
            memcpy(p, fr->mr->host + off, n);
        }
        p += n, addr += n, len -= n;
    }
    return ret;
}

uint64_t address_space_ld(AddressSpace *as, uint64_t addr, unsigned size)
{
    const FlatRange *fr = address_space_lookup(as, addr);
    uint64_t v = 0;

    if (fr && fr->mr->kind == MR_IO && addr - fr->base + size <= fr->size) {
        v = io_read(fr->mr, fr->offset + (addr - fr->base), size);
        address_space_trace(as, addr, &v, size, false);
        return v;
    }
    address_space_rw(as, addr, &v, size, false);
    return v;
}

void address_space_st(AddressSpace *as, uint64_t addr, uint64_t val,
                      unsigned size)
{
    const FlatRange *fr = address_space_lookup(as, addr);

    if (fr && fr->mr->kind == MR_IO && addr - fr->base + size <= fr->size) {
        io_write(fr->mr, fr->offset + (addr - fr->base), val, size);
        address_space_trace(as, addr, &val, size, true);
        return;
    }
    address_space_rw(as, addr, &val, size, true);
}

void *address_space_get_ptr(AddressSpace *as, uint64_t addr, uint64_t len,
                            bool for_write)
{
    const FlatRange *fr = address_space_lookup(as, addr);

    if (!fr || fr->mr->kind == MR_IO ||
        (for_write && fr->mr->kind != MR_RAM)) {
        return NULL;
    }
    if (len > fr->size - (addr - fr->base)) {
        return NULL;
    }
    return fr->mr->host + fr->offset + (addr - fr->base);
}

int address_space_write_rom(AddressSpace *as, uint64_t addr, const void *buf,
                            uint64_t len)
{
    const uint8_t *p = buf;

    while (len) {
        const FlatRange *fr = address_space_lookup(as, addr);
        uint64_t n;
        if (!fr || fr->mr->kind == MR_IO) {
            return -1;
        }
        n = MIN(len, fr->size - (addr - fr->base));
        memcpy(fr->mr->host + fr->offset + (addr - fr->base), p, n);
        p += n, addr += n, len -= n;
    }
    return 0;
}
