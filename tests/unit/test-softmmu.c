/*
 * Unit tests for the TCG soft MMU (accel/tcg/softmmu.c): TLB fill and
 * hit, the dirty-bit rule for read fills, MMIO dispatch to a fake device,
 * ROM writes dropped, page-crossing loads and stores (including a store
 * whose second page faults), #PF/#GP with CR2 and error codes, flushes,
 * the backends' slow paths with sign and byte-order memops, the A20 mask
 * and the MMU index, and the invalidation rules of global and large pages
 * (MOV CR3, CR4.PGE, INVLPG). A fake env and machine; no translator involved.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "accel/tcg/tcg-internal.h"
#include "cpu/x86/sys-helper.h"

#define RAM_SIZE  (8 * MiB)
#define ROM_BASE  0x20000000ull
#define IO_BASE   0x30000000ull

typedef struct FakeDev {
    uint64_t last_off, last_val;
    unsigned last_size, reads, writes;
} FakeDev;

typedef struct Fix {
    Machine *m;
    VCPU *cpu;
    TCGMachine tm;
    TCGVcpu v;
    CPUX86TCG *env;
    MemoryRegion rom, io;
    FakeDev dev;
    uint8_t *ram;
} Fix;

static uint64_t fake_read(void *opaque, uint64_t off, unsigned size)
{
    FakeDev *d = opaque;
    d->reads++;
    d->last_off = off;
    d->last_size = size;
    return 0xa1b2c3d4e5f60718ull & (size == 8 ? ~0ull : (1ull << (8 * size)) - 1);
}

static void fake_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    FakeDev *d = opaque;
    d->writes++;
    d->last_off = off;
    d->last_val = val;
    d->last_size = size;
}

static const MemoryRegionOps fake_ops = {
    .read = fake_read, .write = fake_write, .min_access = 1, .max_access = 8,
};

static int fix_setup(void **state)
{
    Fix *f = xzalloc(sizeof(*f));
    Machine *m = xzalloc(sizeof(*m));

    f->m = m;
    log_init(&m->log);
    pthread_mutex_init(&m->lock, NULL);
    address_space_init(&m->mem, "memory", 1ull << 40);
    memory_region_init_ram(&m->ram, "ram", RAM_SIZE);
    address_space_map_region(&m->mem, 0, &m->ram, 0, RAM_SIZE, 0);
    memory_region_init_rom(&f->rom, "rom", 0x1000);
    memset(f->rom.host, 0xaa, 0x1000);
    address_space_map_region(&m->mem, ROM_BASE, &f->rom, 0, 0x1000, 1);
    memory_region_init_io(&f->io, "dev", 0x1000, &fake_ops, &f->dev);
    address_space_map_region(&m->mem, IO_BASE, &f->io, 0, 0x1000, 2);
    f->ram = m->ram.host;

    f->cpu = xzalloc(sizeof(*f->cpu));
    f->cpu->machine = m;
    f->env = xzalloc(sizeof(*f->env));
    f->env->machine = m;
    f->env->cpu = f->cpu;
    f->env->tcg = &f->v;
    f->env->a20_mask = ~0ull;
    f->env->exception_index = -1;
    f->env->st.cr0 = CR0_PE;
    tb_machine_init(&f->tm, m);
    f->v.cpu = f->cpu;
    f->v.env = f->env;
    tb_vcpu_init(&f->v, &f->tm, 64);
    tcg_tlb_flush(&f->env->tlb);
    *state = f;
    return 0;
}

static int fix_teardown(void **state)
{
    Fix *f = *state;

    tb_vcpu_destroy(&f->v);
    tb_machine_destroy(&f->tm);
    memory_region_destroy(&f->m->ram);
    memory_region_destroy(&f->rom);
    address_space_destroy(&f->m->mem);
    free(f->env);
    free(f->cpu);
    free(f->m);
    free(f);
    return 0;
}

static void w32(Fix *f, uint64_t pa, uint32_t v) { memcpy(f->ram + pa, &v, 4); }
static uint32_t r32(Fix *f, uint64_t pa)
{
    uint32_t v;
    memcpy(&v, f->ram + pa, 4);
    return v;
}

/* 32-bit paging: PD at 0x1000, PT at 0x2000 for va 0x400000.. */
static void setup_paging(Fix *f)
{
    f->env->st.cr0 = CR0_PE | CR0_PG;
    f->env->st.cr3 = 0x1000;
    w32(f, 0x1000 + 1 * 4, 0x2000 | 7);
    w32(f, 0x2000 + 0 * 4, 0x5000 | 7);         /* 0x400000 -> 0x5000 */
    w32(f, 0x2000 + 1 * 4, 0x9000 | 7);         /* 0x401000 -> 0x9000 */
    w32(f, 0x2000 + 2 * 4, 0xa000 | 5);         /* 0x402000 user ro */
    w32(f, 0x2000 + 3 * 4, 0xb000 | 7);         /* 0x403000 */
    x86_update_hflags(f->env);
}

static TCGTLBEntry *entry(Fix *f, int idx, uint64_t va)
{
    return tcg_tlb_entry(&f->env->tlb, (unsigned)idx, va);
}

/* ---- fills and hits ---- */

static void test_ram_fill_and_hit(void **state)
{
    Fix *f = *state;

    x86_st32(f->env, 0x1234, 0xdeadbeef, MMU_KNOSMAP_IDX, 0);
    assert_int_equal(r32(f, 0x1234), 0xdeadbeef);
    assert_int_equal(entry(f, MMU_KNOSMAP_IDX, 0x1234)->addr_write, 0x1000);
    assert_int_equal(entry(f, MMU_KNOSMAP_IDX, 0x1234)->addr_read, 0x1000);
    assert_int_equal(x86_ld32(f->env, 0x1234, MMU_KNOSMAP_IDX, 0), 0xdeadbeef);
    assert_int_equal(x86_ld16(f->env, 0x1236, MMU_KNOSMAP_IDX, 0), 0xdead);
    /* a read fill leaves writes to the slow path */
    f->ram[0x5000] = 0x5a;
    assert_int_equal(x86_ld8(f->env, 0x5000, MMU_KNOSMAP_IDX, 0), 0x5a);
    assert_int_equal(entry(f, MMU_KNOSMAP_IDX, 0x5000)->addr_read, 0x5000);
    assert_true(entry(f, MMU_KNOSMAP_IDX, 0x5000)->addr_write & TLB_INVALID);
    /* the other MMU indexes are separate */
    assert_true(entry(f, MMU_USER_IDX, 0x5000)->addr_read & TLB_INVALID);
}

static void test_read_fill_keeps_dirty_clear(void **state)
{
    Fix *f = *state;

    setup_paging(f);
    assert_int_equal(x86_ld32(f->env, 0x400010, MMU_USER_IDX, 0), 0);
    assert_int_equal(r32(f, 0x2000) & 0x60, 0x20);      /* A, not D */
    assert_true(entry(f, MMU_USER_IDX, 0x400010)->addr_write & TLB_INVALID);
    x86_st8(f->env, 0x400010, 1, MMU_USER_IDX, 0);
    assert_int_equal(r32(f, 0x2000) & 0x60, 0x60);      /* now dirty */
    assert_int_equal(f->ram[0x5010], 1);
}

static void test_mmio_dispatch(void **state)
{
    Fix *f = *state;

    assert_int_equal(x86_ld16(f->env, IO_BASE + 0x10, MMU_KNOSMAP_IDX, 0),
                     0x0718);
    assert_int_equal(f->dev.last_off, 0x10);
    assert_int_equal(f->dev.last_size, 2);
    assert_true(entry(f, MMU_KNOSMAP_IDX, IO_BASE)->addr_read & TLB_MMIO);
    x86_st32(f->env, IO_BASE + 0x24, 0x12345678, MMU_KNOSMAP_IDX, 0);
    assert_int_equal(f->dev.writes, 1);
    assert_int_equal(f->dev.last_off, 0x24);
    assert_int_equal(f->dev.last_val, 0x12345678);
    assert_int_equal(f->dev.last_size, 4);
    /* every access dispatches: no fast path for I/O */
    x86_ld8(f->env, IO_BASE + 0x11, MMU_KNOSMAP_IDX, 0);
    assert_int_equal(f->dev.reads, 2);
    /* unmapped space reads as all-ones, writes vanish */
    assert_int_equal(x86_ld32(f->env, 0x40000000, MMU_KNOSMAP_IDX, 0),
                     0xffffffffu);
    x86_st32(f->env, 0x40000000, 1, MMU_KNOSMAP_IDX, 0);
}

static void test_rom_write_dropped(void **state)
{
    Fix *f = *state;
    TCGTLBEntry *e;

    assert_int_equal(x86_ld8(f->env, ROM_BASE + 5, MMU_KNOSMAP_IDX, 0), 0xaa);
    x86_st8(f->env, ROM_BASE + 5, 0x11, MMU_KNOSMAP_IDX, 0);
    assert_int_equal(f->rom.host[5], 0xaa);
    e = entry(f, MMU_KNOSMAP_IDX, ROM_BASE);
    assert_int_equal(e->addr_read, ROM_BASE);          /* reads hit */
    assert_true(e->addr_write & TLB_MMIO);             /* writes do not */
    assert_int_equal(x86_ld8(f->env, ROM_BASE + 5, MMU_KNOSMAP_IDX, 0), 0xaa);
}

static void test_cross_page(void **state)
{
    Fix *f = *state;

    setup_paging(f);
    x86_st32(f->env, 0x400ffe, 0x44332211, MMU_USER_IDX, 0);
    assert_int_equal(f->ram[0x5ffe], 0x11);
    assert_int_equal(f->ram[0x5fff], 0x22);
    assert_int_equal(f->ram[0x9000], 0x33);
    assert_int_equal(f->ram[0x9001], 0x44);
    assert_int_equal(x86_ld32(f->env, 0x400ffe, MMU_USER_IDX, 0), 0x44332211);
    x86_st64(f->env, 0x400ffd, 0x8877665544332211ull, MMU_USER_IDX, 0);
    assert_int_equal(x86_ld64(f->env, 0x400ffd, MMU_USER_IDX, 0),
                     0x8877665544332211ull);
    assert_int_equal(f->ram[0x9004], 0x88);
}

static void test_cross_page_store_fault(void **state)
{
    Fix *f = *state;
    volatile bool faulted = false;

    setup_paging(f);
    memset(f->ram + 0x9ff0, 0xcc, 0x10);
    if (sigsetjmp(f->env->jmp_env, 0) == 0) {
        x86_st32(f->env, 0x401ffe, 0x11111111, MMU_USER_IDX, 0);
    } else {
        faulted = true;
    }
    assert_true(faulted);
    assert_int_equal(f->env->exception_index, EXCP_PF);
    assert_int_equal(f->env->error_code, 7);           /* P|W|U */
    assert_int_equal(f->env->st.cr2, 0x402000);
    /* nothing of the store reached the first page */
    assert_int_equal(f->ram[0x9ffe], 0xcc);
    assert_int_equal(f->ram[0x9fff], 0xcc);
}

static void test_faults(void **state)
{
    Fix *f = *state;
    volatile int step = 0;

    setup_paging(f);
    if (sigsetjmp(f->env->jmp_env, 0) == 0) {
        x86_ld8(f->env, 0x800123, MMU_KSMAP_IDX, 0);
        fail();
    }
    assert_int_equal(f->env->exception_index, EXCP_PF);
    assert_int_equal(f->env->error_code, 0);
    assert_int_equal(f->env->st.cr2, 0x800123);
    /* user write to a read-only page */
    if (sigsetjmp(f->env->jmp_env, 0) == 0) {
        step = 1;
        x86_st16(f->env, 0x402002, 1, MMU_USER_IDX, 0);
        fail();
    }
    assert_int_equal(step, 1);
    assert_int_equal(f->env->error_code, 7);
    assert_int_equal(f->env->st.cr2, 0x402002);
    /* non-canonical in long mode: #GP(0), CR2 untouched */
    f->env->st.cr4 = CR4_PAE;
    f->env->st.efer = EFER_LME | EFER_LMA;
    f->env->st.cr2 = 0;
    if (sigsetjmp(f->env->jmp_env, 0) == 0) {
        step = 2;
        x86_ld32(f->env, 0x0000800000000000ull, MMU_KSMAP_IDX, 0);
        fail();
    }
    assert_int_equal(step, 2);
    assert_int_equal(f->env->exception_index, EXCP_GP);
    assert_int_equal(f->env->error_code, 0);
    assert_int_equal(f->env->st.cr2, 0);
}

static void test_flushes(void **state)
{
    Fix *f = *state;

    x86_ld8(f->env, 0x3000, MMU_KSMAP_IDX, 0);
    x86_ld8(f->env, 0x3000, MMU_USER_IDX, 0);
    x86_st8(f->env, 0x4000, 0, MMU_KSMAP_IDX, 0);
    x86_tlb_flush_page(f->env, 0x3abc);
    assert_true(entry(f, MMU_KSMAP_IDX, 0x3000)->addr_read & TLB_INVALID);
    assert_true(entry(f, MMU_USER_IDX, 0x3000)->addr_read & TLB_INVALID);
    assert_int_equal(entry(f, MMU_KSMAP_IDX, 0x4000)->addr_write, 0x4000);
    x86_tlb_flush(f->env);
    assert_true(entry(f, MMU_KSMAP_IDX, 0x4000)->addr_write & TLB_INVALID);
    /* a remapped page is seen after the flush */
    setup_paging(f);
    assert_int_equal(x86_ld8(f->env, 0x400000, MMU_USER_IDX, 0), f->ram[0x5000]);
    f->ram[0xb000] = 0x77;
    w32(f, 0x2000, 0xb000 | 7);
    x86_tlb_flush_page(f->env, 0x400000);
    assert_int_equal(x86_ld8(f->env, 0x400000, MMU_USER_IDX, 0), 0x77);
}

static void test_slow_path_memops(void **state)
{
    Fix *f = *state;
    const TCGRuntime *rt = &tcg_x86_runtime;

    memcpy(f->ram + 0x6000, "\x80\x01\x02\x03\x04\x05\x06\x87", 8);
    assert_int_equal(rt->load_slow(f->env, 0x6000, MO_SB, MMU_KSMAP_IDX, 0),
                     0xffffffffffffff80ull);
    assert_int_equal(rt->load_slow(f->env, 0x6000, MO_UB, MMU_KSMAP_IDX, 0),
                     0x80);
    assert_int_equal(rt->load_slow(f->env, 0x6000, MO_BEUL, MMU_KSMAP_IDX, 0),
                     0x80010203);
    assert_int_equal(rt->load_slow(f->env, 0x6004, MO_LESL, MMU_KSMAP_IDX, 0),
                     0xffffffff87060504ull);
    rt->store_slow(f->env, 0x6010, 0x1234, MO_BEUW, MMU_KSMAP_IDX, 0);
    assert_int_equal(f->ram[0x6010], 0x12);
    assert_int_equal(f->ram[0x6011], 0x34);
    /* a page-crossing access through the runtime */
    rt->store_slow(f->env, 0x6ffc, 0x0102030405060708ull, MO_LEUQ,
                   MMU_KSMAP_IDX, 0);
    assert_int_equal(rt->load_slow(f->env, 0x6ffc, MO_LEUQ, MMU_KSMAP_IDX, 0),
                     0x0102030405060708ull);
}

static void test_a20(void **state)
{
    Fix *f = *state;

    f->env->a20_mask = ~(1ull << 20);
    x86_st8(f->env, 0x100010, 0x42, MMU_KSMAP_IDX, 0);
    assert_int_equal(f->ram[0x10], 0x42);
    assert_int_equal(f->ram[0x100010], 0);
}

static void test_mmu_index(void **state)
{
    Fix *f = *state;
    CPUX86TCG *env = f->env;

    env->hflags = 3;
    assert_int_equal(x86_mmu_index(env), MMU_USER_IDX);
    env->hflags = 0;
    assert_int_equal(x86_mmu_index(env), MMU_KNOSMAP_IDX);
    env->st.cr4 = CR4_SMAP;
    assert_int_equal(x86_mmu_index(env), MMU_KSMAP_IDX);
    env->st.rflags = RF_AC;
    assert_int_equal(x86_mmu_index(env), MMU_KNOSMAP_IDX);
}

/* ---- global and large pages (SDM 4.10.4.1) ---- */

#define PG_GLOBAL 0x100u
#define PG_LARGE  0x80u

/*
 * 32-bit paging with CR4.PSE|PGE: 0x400000 -> 0x5000 global, 0x401000 ->
 * 0x9000 not global, 0x800000.. a 4 MiB page at physical 0x400000.
 */
static void setup_global(Fix *f)
{
    setup_paging(f);
    w32(f, 0x2000 + 0 * 4, 0x5000 | 7 | PG_GLOBAL);
    w32(f, 0x1000 + 2 * 4, 0x400000 | 7 | PG_LARGE);
    assert_int_equal(x86_write_cr4(f->env, CR4_PSE | CR4_PGE), 0);
    f->ram[0x5000] = 0x11;
    f->ram[0x9000] = 0x22;
    f->ram[0xa000] = 0x33;
    f->ram[0xb000] = 0x44;
    assert_int_equal(x86_ld8(f->env, 0x400000, MMU_USER_IDX, 0), 0x11);
    assert_int_equal(x86_ld8(f->env, 0x401000, MMU_USER_IDX, 0), 0x22);
    /* remap both without invalidating */
    w32(f, 0x2000 + 0 * 4, 0xa000 | 7 | PG_GLOBAL);
    w32(f, 0x2000 + 1 * 4, 0xb000 | 7);
}

static void test_cr3_keeps_global(void **state)
{
    Fix *f = *state;

    setup_global(f);
    assert_int_equal(x86_write_cr3(f->env, 0x1000), 0);
    /* the global entry survives (a CPU may keep it), the other is walked */
    assert_int_equal(entry(f, MMU_USER_IDX, 0x400000)->addr_read, 0x400000);
    assert_int_equal(x86_ld8(f->env, 0x400000, MMU_USER_IDX, 0), 0x11);
    assert_int_equal(x86_ld8(f->env, 0x401000, MMU_USER_IDX, 0), 0x44);
}

static void test_invlpg_global(void **state)
{
    Fix *f = *state;

    setup_global(f);
    x86_tlb_flush_page(f->env, 0x400123);
    assert_int_equal(x86_ld8(f->env, 0x400000, MMU_USER_IDX, 0), 0x33);
    /* INVLPG removes one page only */
    assert_int_equal(x86_ld8(f->env, 0x401000, MMU_USER_IDX, 0), 0x22);
}

static void test_cr4_pge_flushes_global(void **state)
{
    Fix *f = *state;

    setup_global(f);
    assert_int_equal(x86_write_cr4(f->env, CR4_PSE), 0);
    assert_int_equal(x86_write_cr4(f->env, CR4_PSE | CR4_PGE), 0);
    assert_int_equal(x86_ld8(f->env, 0x400000, MMU_USER_IDX, 0), 0x33);
    assert_int_equal(x86_ld8(f->env, 0x401000, MMU_USER_IDX, 0), 0x44);
}

static void test_cr3_without_pge_flushes_global(void **state)
{
    Fix *f = *state;

    setup_global(f);
    f->env->st.cr4 = CR4_PSE;   /* no flush: the entries stay for now */
    assert_int_equal(x86_write_cr3(f->env, 0x1000), 0);
    assert_int_equal(x86_ld8(f->env, 0x400000, MMU_USER_IDX, 0), 0x33);
}

static void test_global_needs_every_fill_global(void **state)
{
    Fix *f = *state;

    setup_global(f);
    /* a read through a global PTE, then a write through a non-global one
       for the same mapping: the entry is no longer kept by MOV CR3 */
    w32(f, 0x2000 + 0 * 4, 0x5000 | 7);
    x86_st8(f->env, 0x400000, 0x55, MMU_USER_IDX, 0);
    w32(f, 0x2000 + 0 * 4, 0xa000 | 7);
    assert_int_equal(x86_write_cr3(f->env, 0x1000), 0);
    assert_int_equal(x86_ld8(f->env, 0x400000, MMU_USER_IDX, 0), 0x33);
}

static void test_invlpg_large_page(void **state)
{
    Fix *f = *state;

    setup_global(f);
    f->ram[0x400000] = 0x61;
    f->ram[0x7ff000] = 0x62;
    f->ram[0x3ff000] = 0x63;
    assert_int_equal(x86_ld8(f->env, 0x800000, MMU_KSMAP_IDX, 0), 0x61);
    assert_int_equal(x86_ld8(f->env, 0xbff000, MMU_KSMAP_IDX, 0), 0x62);
    /* the 4 MiB page moves to physical 0; INVLPG of its first byte must
       drop every piece of it, not only the entry of that address */
    w32(f, 0x1000 + 2 * 4, 0x000000 | 7 | PG_LARGE);
    x86_tlb_flush_page(f->env, 0x800000);
    assert_int_equal(x86_ld8(f->env, 0xbff000, MMU_KSMAP_IDX, 0), 0x63);
    /* and small pages elsewhere stay */
    assert_int_equal(entry(f, MMU_USER_IDX, 0x401000)->addr_read, 0x401000);
}

/* More entries than the flushes keep a list of: every entry is visited. */
static void test_flush_many_entries(void **state)
{
    Fix *f = *state;
    unsigned n = TLB_FILLED_MAX + 88, kept = 0, left = 0;

    setup_global(f);
    /* pieces of the 4 MiB page in entries 1..n; entry 0 is the global page */
    for (unsigned i = 0; i < n; i++) {
        x86_ld8(f->env, 0x801000 + i * 4096ull, MMU_USER_IDX, 0);
    }
    assert_int_equal(x86_write_cr3(f->env, 0x1000), 0);
    for (unsigned i = 0; i < n; i++) {
        left += !(entry(f, MMU_USER_IDX, 0x801000 + i * 4096ull)->addr_read &
                  TLB_INVALID);
    }
    kept = !(entry(f, MMU_USER_IDX, 0x400000)->addr_read & TLB_INVALID);
    assert_int_equal(left, 0);
    assert_int_equal(kept, 1);
    for (unsigned i = 0; i < n; i++) {
        x86_ld8(f->env, 0x801000 + i * 4096ull, MMU_USER_IDX, 0);
    }
    x86_tlb_flush(f->env);
    for (unsigned i = 0; i < TCG_TLB_ENTRIES; i++) {
        left += !(f->env->tlb.table[MMU_USER_IDX][i].addr_read & TLB_INVALID);
    }
    assert_int_equal(left, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, fix_setup, fix_teardown)
        T(test_ram_fill_and_hit),
        T(test_read_fill_keeps_dirty_clear),
        T(test_mmio_dispatch),
        T(test_rom_write_dropped),
        T(test_cross_page),
        T(test_cross_page_store_fault),
        T(test_faults),
        T(test_flushes),
        T(test_slow_path_memops),
        T(test_a20),
        T(test_mmu_index),
        T(test_cr3_keeps_global),
        T(test_invlpg_global),
        T(test_cr4_pge_flushes_global),
        T(test_cr3_without_pge_flushes_global),
        T(test_global_needs_every_fill_global),
        T(test_invlpg_large_page),
        T(test_flush_many_entries),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
