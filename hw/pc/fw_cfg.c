/*
 * fw_cfg, QEMU's firmware configuration interface, on I/O ports (see
 * fw_cfg.h). Follows QEMU's docs/specs/fw_cfg.txt: the selector and data
 * ports, the DMA interface and its FWCfgDmaAccess structure, the file
 * directory layout.
 *
 * Invariants: every item is a heap blob of at most FW_CFG_MAX_ITEM_SIZE
 * bytes owned by the device; the current offset never exceeds the current
 * item's length; DMA touches guest memory only through address_space_read
 * and address_space_write on m->mem, in bounded chunks, so no guest
 * address or length can reach outside guest RAM or allocate host memory.
 *
 * Rule: bounded work under the machine lock. A DMA read may ask for 4 GiB;
 * the port write does at most FW_CFG_DMA_STEP bytes and leaves the rest to
 * machine_defer_work(), whose steps (as bounded) the vCPU runs with the
 * lock given up between them before it returns to the guest. The guest
 * thus sees the transfer complete with its OUT, as with QEMU, while a stop
 * request gets through within one step. A transfer in progress is part of
 * the saved state (version 2), and a reset cancels it.
 */
#include "hw/pc/fw_cfg.h"

#include <stdlib.h>
#include <string.h>

#include "hw/core/devtypes.h"

#define FW_CFG_DIR_ENTRY_SIZE 64     /* be32 size, be16 select, be16, name */
#define FW_CFG_DMA_CHUNK      4096
#define FW_CFG_DMA_STEP       (256u * 1024)  /* bytes per step under the lock */
#define FW_CFG_KEY_MASK       0x3fff  /* key without the channel bits */
#define FW_CFG_SAVE_VERSION   2

typedef struct FwCfgItem {
    uint8_t *data;
    uint32_t len;
} FwCfgItem;

/* A DMA read in progress: what is left of it. */
typedef struct FwCfgDma {
    bool active;
    uint64_t desc_addr;          /* where the result goes */
    uint32_t control;            /* as the guest wrote it, for the log */
    uint32_t length;             /* as asked */
    uint32_t left;
    uint64_t daddr;              /* next guest address to write */
} FwCfgDma;

struct FwCfgState {
    Device dev;
    bool dma_enabled;                /* property */

    MemoryRegion ctl_mr, dma_mr;
    FwCfgItem fixed[FW_CFG_FILE_FIRST];
    FwCfgItem files[FW_CFG_FILE_SLOTS];
    char names[FW_CFG_FILE_SLOTS][FW_CFG_MAX_FILE_NAME];
    int nfiles;
    FwCfgItem arch[FW_CFG_ARCH_SLOTS];

    /* guest-visible state */
    uint16_t cur_key;
    uint32_t cur_offset;
    uint64_t dma_addr;               /* high half latched at 0x514 */
    FwCfgDma dma;
};

static Log *fw_cfg_log(FwCfgState *s)
{
    return &s->dev.machine->log;
}

/* The item a key names, or NULL for an unknown key. */
static FwCfgItem *fw_cfg_item(FwCfgState *s, uint16_t key)
{
    unsigned idx = key & FW_CFG_KEY_MASK;

    if (key & FW_CFG_ARCH_LOCAL) {
        return idx < FW_CFG_ARCH_SLOTS ? &s->arch[idx] : NULL;
    }
    if (idx < FW_CFG_FILE_FIRST) {
        return &s->fixed[idx];
    }
    idx -= FW_CFG_FILE_FIRST;
    return idx < (unsigned)s->nfiles ? &s->files[idx] : NULL;
}

static void fw_cfg_item_set(FwCfgItem *it, const void *data, size_t len)
{
    free(it->data);
    it->data = len ? xmalloc(len) : NULL;
    if (len) {
        memcpy(it->data, data, len);
    }
    it->len = (uint32_t)len;
}

static void fw_cfg_select(FwCfgState *s, uint16_t key)
{
    s->cur_key = key;
    s->cur_offset = 0;
}

/* ---- guest interface: selector and data ports ---- */

static uint8_t fw_cfg_read_byte(FwCfgState *s)
{
    FwCfgItem *it = fw_cfg_item(s, s->cur_key);

    if (!it || s->cur_offset >= it->len) {
        return 0;
    }
    return it->data[s->cur_offset++];
}

static uint64_t fw_cfg_ctl_read(void *opaque, uint64_t offset, unsigned size)
{
    FwCfgState *s = opaque;
    uint64_t v = 0;

    if (offset == 0) {
        return 0;               /* the selector is write-only */
    }
    for (unsigned i = 0; i < size; i++) {
        v |= (uint64_t)fw_cfg_read_byte(s) << (8 * i);
    }
    return v;
}

static void fw_cfg_ctl_write(void *opaque, uint64_t offset, uint64_t value,
                             unsigned size)
{
    FwCfgState *s = opaque;

    if (offset == 0 && size == 2) {
        fw_cfg_select(s, (uint16_t)value);
        return;
    }
    /* The data port is read-only since QEMU 2.4; writes are dropped. */
    log_mask(fw_cfg_log(s), LOG_GUEST_ERROR,
             "fw_cfg: ignored %u-byte write 0x%llx at port 0x%llx\n", size,
             (unsigned long long)value,
             (unsigned long long)(FW_CFG_IO_BASE + offset));
}

static const MemoryRegionOps fw_cfg_ctl_ops = {
    .read = fw_cfg_ctl_read,
    .write = fw_cfg_ctl_write,
    .min_access = 1,
    .max_access = 2,
};

/* ---- guest interface: DMA ---- */

/* Skips up to length bytes of the current item. */
static void fw_cfg_dma_skip(FwCfgState *s, uint32_t length)
{
    FwCfgItem *it = fw_cfg_item(s, s->cur_key);
    uint32_t avail = it && s->cur_offset < it->len ?
                     it->len - s->cur_offset : 0;

    s->cur_offset += MIN(length, avail);
}

/*
 * Copies one chunk of the current item (zeros past its end) to the next
 * guest address of the DMA in progress; returns 0 or -1.
 */
static int fw_cfg_dma_chunk(FwCfgState *s)
{
    AddressSpace *as = &s->dev.machine->mem;
    FwCfgDma *d = &s->dma;
    FwCfgItem *it = fw_cfg_item(s, s->cur_key);
    uint32_t avail = it && s->cur_offset < it->len ?
                     it->len - s->cur_offset : 0;
    uint32_t n = MIN(d->left, (uint32_t)FW_CFG_DMA_CHUNK);
    uint32_t from_item = MIN(n, avail);
    uint8_t buf[FW_CFG_DMA_CHUNK];

    if (d->daddr > UINT64_MAX - n) {
        return -1;
    }
    if (from_item) {
        memcpy(buf, it->data + s->cur_offset, from_item);
    }
    memset(buf + from_item, 0, n - from_item);  /* past the end: zeros */
    if (address_space_write(as, d->daddr, buf, n) < 0) {
        return -1;
    }
    s->cur_offset += from_item;
    d->daddr += n;
    d->left -= n;
    return 0;
}

/* Writes the result of a transfer into the guest's control field. */
static void fw_cfg_dma_finish(FwCfgState *s, uint64_t desc_addr, int ret)
{
    uint8_t result[4];

    st32be(result, ret < 0 ? FW_CFG_DMA_CTL_ERROR : 0);
    if (desc_addr <= UINT64_MAX - sizeof(result)) {
        address_space_write(&s->dev.machine->mem, desc_addr, result,
                            sizeof(result));
    }
}

static void fw_cfg_dma_log_failure(FwCfgState *s, uint32_t control,
                                   uint32_t length, uint64_t daddr)
{
    log_mask(fw_cfg_log(s), LOG_GUEST_ERROR,
             "fw_cfg: DMA control 0x%x length %u address 0x%llx failed\n",
             control, length, (unsigned long long)daddr);
}

/*
 * One step of the DMA read in progress: at most FW_CFG_DMA_STEP bytes.
 * Returns true when it is over (result written, or cancelled).
 */
static bool fw_cfg_dma_step(void *opaque)
{
    FwCfgState *s = opaque;
    FwCfgDma *d = &s->dma;
    uint32_t budget = FW_CFG_DMA_STEP;
    uint64_t start = d->daddr - (d->length - d->left);

    if (!d->active) {
        return true;
    }
    while (d->left && budget) {
        uint32_t before = d->left;
        if (fw_cfg_dma_chunk(s) < 0) {
            d->active = false;
            fw_cfg_dma_log_failure(s, d->control, d->length, start);
            fw_cfg_dma_finish(s, d->desc_addr, -1);
            return true;
        }
        budget -= MIN(budget, before - d->left);
    }
    if (d->left) {
        return false;
    }
    d->active = false;
    fw_cfg_dma_finish(s, d->desc_addr, 0);
    return true;
}

/* Starts a DMA read: a first step now, the rest deferred. */
static void fw_cfg_dma_start_read(FwCfgState *s, uint64_t desc_addr,
                                  uint32_t control, uint32_t length,
                                  uint64_t daddr)
{
    s->dma = (FwCfgDma){
        .active = true, .desc_addr = desc_addr, .control = control,
        .length = length, .left = length, .daddr = daddr,
    };
    if (!fw_cfg_dma_step(s)) {
        machine_defer_work(s->dev.machine, fw_cfg_dma_step, s);
    }
}

static void fw_cfg_dma_transfer(FwCfgState *s, uint64_t desc_addr)
{
    AddressSpace *as = &s->dev.machine->mem;
    uint8_t desc[16];
    uint32_t control, length;
    uint64_t daddr;
    int ret = -1;

    if (s->dma.active) {
        log_mask(fw_cfg_log(s), LOG_GUEST_ERROR,
                 "fw_cfg: DMA started while one is in progress; ignored\n");
        return;
    }
    if (desc_addr > UINT64_MAX - sizeof(desc) ||
        address_space_read(as, desc_addr, desc, sizeof(desc)) < 0) {
        log_mask(fw_cfg_log(s), LOG_GUEST_ERROR,
                 "fw_cfg: DMA descriptor at 0x%llx is not in memory\n",
                 (unsigned long long)desc_addr);
        fw_cfg_dma_finish(s, desc_addr, -1);
        return;
    }
    control = ld32be(desc);
    length = ld32be(desc + 4);
    daddr = ((uint64_t)ld32be(desc + 8) << 32) | ld32be(desc + 12);
    if (control & FW_CFG_DMA_CTL_SELECT) {
        fw_cfg_select(s, (uint16_t)(control >> 16));
    }
    if (control & FW_CFG_DMA_CTL_READ) {
        fw_cfg_dma_start_read(s, desc_addr, control, length, daddr);
        return;
    }
    if (control & FW_CFG_DMA_CTL_WRITE) {
        ret = -1;                         /* every item is read-only */
    } else if (control & FW_CFG_DMA_CTL_SKIP) {
        fw_cfg_dma_skip(s, length);
        ret = 0;
    } else {
        ret = 0;
    }
    if (ret < 0) {
        fw_cfg_dma_log_failure(s, control, length, daddr);
    }
    fw_cfg_dma_finish(s, desc_addr, ret);
}

static uint64_t fw_cfg_dma_port_read(void *opaque, uint64_t offset,
                                     unsigned size)
{
    uint64_t v = 0;

    /* The signature's bytes in order: "QEMU CFG". */
    for (unsigned i = 0; i < size && offset + i < 8; i++) {
        uint8_t b = (uint8_t)(FW_CFG_DMA_SIGNATURE >> (8 * (7 - offset - i)));
        v |= (uint64_t)b << (8 * i);
    }
    return v;
}

static uint32_t fw_cfg_bswap32(uint32_t v)
{
    return __builtin_bswap32(v);
}

static void fw_cfg_dma_port_write(void *opaque, uint64_t offset,
                                  uint64_t value, unsigned size)
{
    FwCfgState *s = opaque;
    uint64_t addr;

    /* The guest writes big-endian values through little-endian ports. */
    if (size == 4 && offset == 0) {
        s->dma_addr = (uint64_t)fw_cfg_bswap32((uint32_t)value) << 32;
    } else if (size == 4 && offset == 4) {
        addr = s->dma_addr | fw_cfg_bswap32((uint32_t)value);
        s->dma_addr = 0;
        fw_cfg_dma_transfer(s, addr);
    } else if (size == 8 && offset == 0) {
        s->dma_addr = 0;
        fw_cfg_dma_transfer(s, __builtin_bswap64(value));
    } else {
        log_mask(fw_cfg_log(s), LOG_GUEST_ERROR,
                 "fw_cfg: ignored %u-byte DMA port write at offset %llu\n",
                 size, (unsigned long long)offset);
    }
}

static const MemoryRegionOps fw_cfg_dma_ops = {
    .read = fw_cfg_dma_port_read,
    .write = fw_cfg_dma_port_write,
    .min_access = 1,
    .max_access = 8,
};

/* ---- API for the machine and the loaders ---- */

Device *fw_cfg_device(FwCfgState *s)
{
    return &s->dev;
}

int fw_cfg_add_bytes(FwCfgState *s, uint16_t key, const void *data,
                     size_t len)
{
    unsigned idx = key & FW_CFG_KEY_MASK;
    FwCfgItem *it;

    if (len > FW_CFG_MAX_ITEM_SIZE || (key & FW_CFG_WRITE_CHANNEL)) {
        return -1;
    }
    if (key & FW_CFG_ARCH_LOCAL) {
        if (idx >= FW_CFG_ARCH_SLOTS) {
            return -1;
        }
        it = &s->arch[idx];
    } else if (idx < FW_CFG_FILE_FIRST && idx != FW_CFG_FILE_DIR) {
        it = &s->fixed[idx];
    } else {
        return -1;
    }
    fw_cfg_item_set(it, data, len);
    return 0;
}

int fw_cfg_add_i16(FwCfgState *s, uint16_t key, uint16_t v)
{
    uint8_t b[2];
    st16le(b, v);
    return fw_cfg_add_bytes(s, key, b, sizeof(b));
}

int fw_cfg_add_i32(FwCfgState *s, uint16_t key, uint32_t v)
{
    uint8_t b[4];
    st32le(b, v);
    return fw_cfg_add_bytes(s, key, b, sizeof(b));
}

int fw_cfg_add_i64(FwCfgState *s, uint16_t key, uint64_t v)
{
    uint8_t b[8];
    st64le(b, v);
    return fw_cfg_add_bytes(s, key, b, sizeof(b));
}

int fw_cfg_add_string(FwCfgState *s, uint16_t key, const char *str)
{
    return fw_cfg_add_bytes(s, key, str, strlen(str) + 1);
}

/* Rebuilds the FW_CFG_FILE_DIR blob from the sorted file table. */
static void fw_cfg_rebuild_dir(FwCfgState *s)
{
    size_t len = 4 + (size_t)s->nfiles * FW_CFG_DIR_ENTRY_SIZE;
    uint8_t *dir = xzalloc(len);

    st32be(dir, (uint32_t)s->nfiles);
    for (int i = 0; i < s->nfiles; i++) {
        uint8_t *e = dir + 4 + (size_t)i * FW_CFG_DIR_ENTRY_SIZE;
        st32be(e, s->files[i].len);
        st16be(e + 4, (uint16_t)(FW_CFG_FILE_FIRST + i));
        memcpy(e + 8, s->names[i], FW_CFG_MAX_FILE_NAME);
    }
    free(s->fixed[FW_CFG_FILE_DIR].data);
    s->fixed[FW_CFG_FILE_DIR].data = dir;
    s->fixed[FW_CFG_FILE_DIR].len = (uint32_t)len;
}

int fw_cfg_add_file(FwCfgState *s, const char *name, const void *data,
                    size_t len)
{
    size_t nlen = strlen(name);
    int pos = 0;

    if (nlen == 0 || nlen >= FW_CFG_MAX_FILE_NAME ||
        len > FW_CFG_MAX_ITEM_SIZE || s->nfiles >= FW_CFG_FILE_SLOTS) {
        return -1;
    }
    while (pos < s->nfiles && strcmp(s->names[pos], name) < 0) {
        pos++;
    }
    if (pos < s->nfiles && !strcmp(s->names[pos], name)) {
        return -1;
    }
    memmove(&s->files[pos + 1], &s->files[pos],
            (size_t)(s->nfiles - pos) * sizeof(s->files[0]));
    memmove(s->names[pos + 1], s->names[pos],
            (size_t)(s->nfiles - pos) * sizeof(s->names[0]));
    s->nfiles++;
    memset(s->names[pos], 0, sizeof(s->names[pos]));
    memcpy(s->names[pos], name, nlen);
    s->files[pos].data = NULL;
    s->files[pos].len = 0;
    fw_cfg_item_set(&s->files[pos], data, len);
    fw_cfg_rebuild_dir(s);
    return 0;
}

int fw_cfg_file_key(FwCfgState *s, const char *name)
{
    for (int i = 0; i < s->nfiles; i++) {
        if (!strcmp(s->names[i], name)) {
            return FW_CFG_FILE_FIRST + i;
        }
    }
    return -1;
}

/* ---- device lifecycle ---- */

static void fw_cfg_add_e820(FwCfgState *s, const E820Table *t)
{
    uint8_t buf[E820_MAX * 20];
    int n = MIN(MAX(t->n, 0), E820_MAX);

    for (int i = 0; i < n; i++) {
        st64le(buf + i * 20, t->entries[i].addr);
        st64le(buf + i * 20 + 8, t->entries[i].size);
        st32le(buf + i * 20 + 16, t->entries[i].type);
    }
    fw_cfg_add_file(s, "etc/e820", buf, (size_t)n * 20);
}

static void fw_cfg_fill_machine(FwCfgState *s, Machine *m)
{
    static const uint8_t uuid[16];
    int smp = m->cfg.smp > 0 ? m->cfg.smp : 1;

    fw_cfg_add_bytes(s, FW_CFG_SIGNATURE, "QEMU", 4);
    fw_cfg_add_i32(s, FW_CFG_ID, FW_CFG_VERSION |
                   (s->dma_enabled ? FW_CFG_VERSION_DMA : 0));
    fw_cfg_add_bytes(s, FW_CFG_UUID, uuid, sizeof(uuid));
    fw_cfg_add_i64(s, FW_CFG_RAM_SIZE, m->ram_size);
    fw_cfg_add_i16(s, FW_CFG_NOGRAPHIC, 0);
    fw_cfg_add_i16(s, FW_CFG_NB_CPUS, (uint16_t)smp);
    fw_cfg_add_i16(s, FW_CFG_MAX_CPUS, (uint16_t)smp);
    fw_cfg_rebuild_dir(s);
    fw_cfg_add_e820(s, &m->e820);
}

static int fw_cfg_realize(Device *dev, Error *err)
{
    FwCfgState *s = (FwCfgState *)dev;
    Machine *m = dev->machine;

    if (m->fw_cfg) {
        return error_setg(err, "the machine already has a fw_cfg device");
    }
    memory_region_init_io(&s->ctl_mr, "fw_cfg", 2, &fw_cfg_ctl_ops, s);
    if (machine_map_ports(m, FW_CFG_IO_BASE, &s->ctl_mr) < 0) {
        return error_setg(err, "cannot map ports 0x%x-0x%x",
                          FW_CFG_IO_BASE, FW_CFG_IO_BASE + 1);
    }
    if (s->dma_enabled) {
        memory_region_init_io(&s->dma_mr, "fw_cfg dma", 8, &fw_cfg_dma_ops, s);
        if (machine_map_ports(m, FW_CFG_DMA_IO_BASE, &s->dma_mr) < 0) {
            address_space_unmap_region(&m->io, &s->ctl_mr);
            return error_setg(err, "cannot map ports 0x%x-0x%x",
                              FW_CFG_DMA_IO_BASE, FW_CFG_DMA_IO_BASE + 7);
        }
    }
    fw_cfg_fill_machine(s, m);
    m->fw_cfg = s;
    return 0;
}

static void fw_cfg_free_items(FwCfgItem *items, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(items[i].data);
        items[i].data = NULL;
        items[i].len = 0;
    }
}

static void fw_cfg_unrealize(Device *dev)
{
    FwCfgState *s = (FwCfgState *)dev;
    Machine *m = dev->machine;

    address_space_unmap_region(&m->io, &s->ctl_mr);
    if (s->dma_enabled) {
        address_space_unmap_region(&m->io, &s->dma_mr);
    }
    s->dma.active = false;
    machine_cancel_work(m, s);
    fw_cfg_free_items(s->fixed, ARRAY_SIZE(s->fixed));
    fw_cfg_free_items(s->files, ARRAY_SIZE(s->files));
    fw_cfg_free_items(s->arch, ARRAY_SIZE(s->arch));
    s->nfiles = 0;
    if (m->fw_cfg == s) {
        m->fw_cfg = NULL;
    }
}

static void fw_cfg_reset(Device *dev)
{
    FwCfgState *s = (FwCfgState *)dev;

    fw_cfg_select(s, FW_CFG_SIGNATURE);
    s->dma_addr = 0;
    s->dma.active = false;
    machine_cancel_work(dev->machine, s);
}

static void fw_cfg_save(Device *dev, SaveBuf *b)
{
    FwCfgState *s = (FwCfgState *)dev;

    save_u8(b, FW_CFG_SAVE_VERSION);
    save_u16(b, s->cur_key);
    save_u32(b, s->cur_offset);
    save_u64(b, s->dma_addr);
    /* version 2: a DMA read in progress */
    save_u8(b, s->dma.active);
    save_u64(b, s->dma.desc_addr);
    save_u32(b, s->dma.control);
    save_u32(b, s->dma.length);
    save_u32(b, s->dma.left);
    save_u64(b, s->dma.daddr);
}

/* The DMA part of a version 2 stream; checked before anything is set. */
static int fw_cfg_load_dma(SaveBuf *b, FwCfgDma *d, Error *err)
{
    d->active = load_u8(b);
    d->desc_addr = load_u64(b);
    d->control = load_u32(b);
    d->length = load_u32(b);
    d->left = load_u32(b);
    d->daddr = load_u64(b);
    if (!b->error && d->left > d->length) {
        return error_setg(err, "fw_cfg: DMA has %u of %u bytes left", d->left,
                          d->length);
    }
    return 0;
}

static int fw_cfg_load(Device *dev, SaveBuf *b, Error *err)
{
    FwCfgState *s = (FwCfgState *)dev;
    uint8_t version = load_u8(b);
    uint16_t key = load_u16(b);
    uint32_t offset = load_u32(b);
    uint64_t dma_addr = load_u64(b);
    FwCfgItem *it = fw_cfg_item(s, key);
    FwCfgDma dma = { 0 };

    if (version == 2 && fw_cfg_load_dma(b, &dma, err) < 0) {
        return -1;
    }
    if (b->error || version < 1 || version > FW_CFG_SAVE_VERSION) {
        return error_setg(err, "fw_cfg: bad state (version %u)", version);
    }
    if (offset > (it ? it->len : 0)) {
        return error_setg(err, "fw_cfg: offset %u beyond item 0x%x", offset,
                          key);
    }
    s->cur_key = key;
    s->cur_offset = offset;
    s->dma_addr = dma_addr;
    s->dma = dma;
    machine_cancel_work(dev->machine, s);
    if (s->dma.active) {
        machine_defer_work(dev->machine, fw_cfg_dma_step, s);
    }
    return 0;
}

FwCfgState *fw_cfg_init(Machine *m, Error *err)
{
    if (!device_create(m, "fw_cfg_io", m->root, NULL, err)) {
        return NULL;
    }
    return m->fw_cfg;
}

static const PropDef fw_cfg_props[] = {
    PROP_DEF_BOOL("dma_enabled", FwCfgState, dma_enabled, true,
                  "offer the DMA interface at 0x514"),
    PROP_DEF_END,
};

const DeviceType fw_cfg_io_type = {
    .name = "fw_cfg_io",
    .desc = "QEMU firmware configuration interface (I/O ports)",
    .instance_size = sizeof(FwCfgState),
    .props = fw_cfg_props,
    .realize = fw_cfg_realize,
    .unrealize = fw_cfg_unrealize,
    .reset = fw_cfg_reset,
    .save = fw_cfg_save,
    .load = fw_cfg_load,
};
