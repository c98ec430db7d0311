/*
 * Unit tests for the x86 page walk (cpu/x86/mmu.c): every paging mode,
 * every fault type with its exact #PF error code (SDM vol. 3A 4.7),
 * accessed/dirty updates, NX, WP, SMEP, SMAP, large pages, reserved bits,
 * canonical checks and the A20 mask. Page tables are built by hand in a
 * small RAM block; no translator is involved.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/x86/tcg-cpu.h"
#include "hw/pc/pc.h"

#define RAM_SIZE (8 * MiB)
#define F        (1u << 31)     /* fault marker in the return value */

#define P   1ull
#define RW  2ull
#define US  4ull
#define A   0x20ull
#define D   0x40ull
#define PS  0x80ull
#define NX  (1ull << 63)

typedef struct Fix {
    Machine *m;
    CPUX86TCG *env;
    uint8_t *ram;
} Fix;

static int fix_setup(void **state)
{
    Fix *f = xzalloc(sizeof(*f));

    f->m = xzalloc(sizeof(*f->m));
    address_space_init(&f->m->mem, "memory", 1ull << 40);
    memory_region_init_ram(&f->m->ram, "ram", RAM_SIZE);
    address_space_map_region(&f->m->mem, 0, &f->m->ram, 0, RAM_SIZE, 0);
    f->ram = f->m->ram.host;
    f->env = xzalloc(sizeof(*f->env));
    f->env->machine = f->m;
    f->env->a20_mask = ~0ull;
    f->env->st.cr0 = CR0_PE | CR0_PG;
    *state = f;
    return 0;
}

static int fix_teardown(void **state)
{
    Fix *f = *state;

    memory_region_destroy(&f->m->ram);
    address_space_destroy(&f->m->mem);
    free(f->m);
    free(f->env);
    free(f);
    return 0;
}

static void w32(Fix *f, uint64_t pa, uint32_t v) { memcpy(f->ram + pa, &v, 4); }
static void w64(Fix *f, uint64_t pa, uint64_t v) { memcpy(f->ram + pa, &v, 8); }
static uint32_t r32(Fix *f, uint64_t pa)
{
    uint32_t v;
    memcpy(&v, f->ram + pa, 4);
    return v;
}
static uint64_t r64(Fix *f, uint64_t pa)
{
    uint64_t v;
    memcpy(&v, f->ram + pa, 8);
    return v;
}

static int64_t tr(Fix *f, uint64_t va, int acc, int idx, uint64_t *pa)
{
    X86Translation t;
    int64_t r = x86_mmu_translate(f->env, va, acc, idx, &t);

    if (r == 0 && pa) {
        *pa = t.paddr;
    }
    return r;
}

/* ---- paging off ---- */

static void test_paging_off(void **state)
{
    Fix *f = *state;
    uint64_t pa;

    f->env->st.cr0 = CR0_PE;
    assert_int_equal(tr(f, 0x12345678, X86_ACC_WRITE, MMU_USER_IDX, &pa), 0);
    assert_int_equal(pa, 0x12345678);
    /* linear addresses wrap at 4 GiB outside long mode */
    assert_int_equal(tr(f, 0x100001000ull, X86_ACC_READ, MMU_KSMAP_IDX, &pa), 0);
    assert_int_equal(pa, 0x1000);
    /* A20 masked */
    f->env->a20_mask = ~(1ull << 20);
    assert_int_equal(tr(f, 0x10fff0, X86_ACC_FETCH, MMU_KSMAP_IDX, &pa), 0);
    assert_int_equal(pa, 0xfff0);
    /* the physical index ignores paging */
    f->env->a20_mask = ~0ull;
    f->env->st.cr0 = CR0_PE | CR0_PG;
    assert_int_equal(tr(f, 0x2345000, X86_ACC_READ, MMU_PHYS_IDX, &pa), 0);
    assert_int_equal(pa, 0x2345000);
}

/* ---- 32-bit paging ---- */

/* PD at 0x1000, PT at 0x2000 mapping va 0x00400000+ */
static void setup_32(Fix *f)
{
    f->env->st.cr3 = 0x1000;
    w32(f, 0x1000 + 1 * 4, 0x2000 | P | RW | US);     /* va 0x400000 */
    w32(f, 0x2000 + 0 * 4, 0x5000 | P | RW | US);     /* 0x400000: user rw */
    w32(f, 0x2000 + 1 * 4, 0x6000 | P | US);          /* 0x401000: user ro */
    w32(f, 0x2000 + 2 * 4, 0x7000 | P | RW);          /* 0x402000: sup rw */
}

static void test_32_basic_ad(void **state)
{
    Fix *f = *state;
    uint64_t pa;

    setup_32(f);
    assert_int_equal(tr(f, 0x400123, X86_ACC_READ, MMU_USER_IDX, &pa), 0);
    assert_int_equal(pa, 0x5123);
    assert_int_equal(r32(f, 0x1004) & (A | D), A);
    assert_int_equal(r32(f, 0x2000) & (A | D), A);
    assert_int_equal(tr(f, 0x400123, X86_ACC_WRITE, MMU_USER_IDX, &pa), 0);
    assert_int_equal(r32(f, 0x2000) & (A | D), A | D);
    /* D is never set in the directory entry */
    assert_int_equal(r32(f, 0x1004) & D, 0);
}

static void test_32_faults(void **state)
{
    Fix *f = *state;

    setup_32(f);
    /* PDE not present: supervisor read -> 0, user write -> W|U */
    assert_int_equal(tr(f, 0x800000, X86_ACC_READ, MMU_KSMAP_IDX, NULL), F | 0);
    assert_int_equal(tr(f, 0x800000, X86_ACC_WRITE, MMU_USER_IDX, NULL), F | 6);
    /* PTE not present */
    assert_int_equal(tr(f, 0x403000, X86_ACC_READ, MMU_USER_IDX, NULL), F | 4);
    /* user read of a supervisor page: P|U */
    assert_int_equal(tr(f, 0x402000, X86_ACC_READ, MMU_USER_IDX, NULL), F | 5);
    /* user write to a read-only page: P|W|U, and no A/D written */
    assert_int_equal(tr(f, 0x401000, X86_ACC_WRITE, MMU_USER_IDX, NULL), F | 7);
    assert_int_equal(r32(f, 0x2004) & (A | D), 0);
    /* fetch: no NX in 32-bit paging, I/D stays clear without SMEP */
    assert_int_equal(tr(f, 0x403000, X86_ACC_FETCH, MMU_USER_IDX, NULL), F | 4);
    assert_int_equal(tr(f, 0x401000, X86_ACC_FETCH, MMU_USER_IDX, NULL), 0);
}

static void test_32_wp(void **state)
{
    Fix *f = *state;
    uint64_t pa;

    setup_32(f);
    /* supervisor write to a read-only user page: allowed with WP=0 */
    assert_int_equal(tr(f, 0x401004, X86_ACC_WRITE, MMU_KNOSMAP_IDX, &pa), 0);
    assert_int_equal(pa, 0x6004);
    assert_int_equal(r32(f, 0x2004) & (A | D), A | D);
    f->env->st.cr0 |= CR0_WP;
    assert_int_equal(tr(f, 0x401004, X86_ACC_WRITE, MMU_KNOSMAP_IDX, NULL), F | 3);
}

static void test_32_pse(void **state)
{
    Fix *f = *state;
    uint64_t pa;

    f->env->st.cr3 = 0x1000;
    /* 4 MiB page at va 0xc0000000 -> pa 0x3_00400000 (PSE-36 bits 13..) */
    w32(f, 0x1000 + 0x300 * 4, 0x00400000 | (3u << 13) | P | RW | PS);
    f->env->st.cr4 = CR4_PSE;
    assert_int_equal(tr(f, 0xc0123456, X86_ACC_WRITE, MMU_KSMAP_IDX, &pa), 0);
    assert_int_equal(pa, 0x300523456ull);
    assert_int_equal(r32(f, 0x1c00) & (A | D), A | D);
    /* bit 21 is reserved in a 4 MiB PDE */
    w32(f, 0x1000 + 0x301 * 4, 0x00800000 | (1u << 21) | P | RW | PS);
    assert_int_equal(tr(f, 0xc0400000, X86_ACC_READ, MMU_KSMAP_IDX, NULL),
                     F | 9);
    /* without CR4.PSE the PS bit is ignored: the PDE points to a table */
    f->env->st.cr4 = 0;
    w32(f, 0x1000 + 0x302 * 4, 0x3000 | P | RW | PS);
    w32(f, 0x3000 + 5 * 4, 0x9000 | P | RW);
    assert_int_equal(tr(f, 0xc0805010, X86_ACC_READ, MMU_KSMAP_IDX, &pa), 0);
    assert_int_equal(pa, 0x9010);
}

/* ---- PAE ---- */

/* PDPT at 0x1000 (32-aligned), PD at 0x2000, PT at 0x3000 */
static void setup_pae(Fix *f, bool nxe)
{
    f->env->st.cr3 = 0x1000;
    f->env->st.cr4 = CR4_PAE;
    f->env->st.efer = nxe ? EFER_NXE : 0;
    w64(f, 0x1000 + 0 * 8, 0x2000 | P);
    w64(f, 0x2000 + 0 * 8, 0x3000 | P | RW | US);
    w64(f, 0x3000 + 1 * 8, 0x8000 | P | RW | US | NX);      /* va 0x1000 */
    w64(f, 0x3000 + 2 * 8, 0x9000 | P | RW | US);           /* va 0x2000 */
    w64(f, 0x2000 + 1 * 8, 0x600000 | P | RW | PS);         /* va 2M: 2M page */
}

static void test_pae_basic(void **state)
{
    Fix *f = *state;
    uint64_t pa;

    setup_pae(f, true);
    assert_int_equal(tr(f, 0x2abc, X86_ACC_FETCH, MMU_USER_IDX, &pa), 0);
    assert_int_equal(pa, 0x9abc);
    assert_int_equal(tr(f, 0x212345, X86_ACC_WRITE, MMU_KSMAP_IDX, &pa), 0);
    assert_int_equal(pa, 0x612345);
    assert_int_equal(r64(f, 0x2008) & (A | D), A | D);
    /* the PDPTE has no accessed flag in PAE paging */
    assert_int_equal(r64(f, 0x1000), 0x2000 | P);
}

static void test_pae_nx(void **state)
{
    Fix *f = *state;

    setup_pae(f, true);
    /* NX page: reads fine, fetch faults with P|I (|U) */
    assert_int_equal(tr(f, 0x1000, X86_ACC_READ, MMU_USER_IDX, NULL), 0);
    assert_int_equal(tr(f, 0x1000, X86_ACC_FETCH, MMU_USER_IDX, NULL),
                     F | 0x15);
    assert_int_equal(tr(f, 0x1000, X86_ACC_FETCH, MMU_KSMAP_IDX, NULL),
                     F | 0x11);
    /* not-present fetch still reports I/D with NXE */
    assert_int_equal(tr(f, 0x5000, X86_ACC_FETCH, MMU_KSMAP_IDX, NULL),
                     F | 0x10);
    /* with NXE clear, bit 63 is reserved: P|RSVD, and I/D is clear */
    setup_pae(f, false);
    assert_int_equal(tr(f, 0x1000, X86_ACC_READ, MMU_USER_IDX, NULL), F | 0xd);
    assert_int_equal(tr(f, 0x1000, X86_ACC_FETCH, MMU_KSMAP_IDX, NULL), F | 9);
}

static void test_pae_reserved(void **state)
{
    Fix *f = *state;

    setup_pae(f, true);
    /* PDPTE: R/W is a reserved bit in PAE paging */
    w64(f, 0x1008, 0x4000 | P | RW);
    assert_int_equal(tr(f, 0x40000000, X86_ACC_READ, MMU_KSMAP_IDX, NULL),
                     F | 9);
    /* PDPTE not present */
    assert_int_equal(tr(f, 0x80000000, X86_ACC_WRITE, MMU_KSMAP_IDX, NULL),
                     F | 2);
    /* 2 MiB page with bit 13 set */
    w64(f, 0x2010, 0x800000 | (1ull << 13) | P | RW | PS);
    assert_int_equal(tr(f, 0x400000, X86_ACC_READ, MMU_KSMAP_IDX, NULL), F | 9);
    /* address bit above MAXPHYADDR in a PTE */
    w64(f, 0x3018, (1ull << 45) | 0xa000 | P | RW);
    assert_int_equal(tr(f, 0x3000, X86_ACC_READ, MMU_KSMAP_IDX, NULL), F | 9);
    /* a faulting walk leaves the accessed flags alone */
    assert_int_equal(r64(f, 0x2000) & A, 0);
}

/* ---- 4-level paging ---- */

/* PML4 0x1000, PDPT 0x2000, PD 0x3000, PT 0x4000 */
static void setup_long(Fix *f)
{
    f->env->st.cr3 = 0x1000;
    f->env->st.cr4 = CR4_PAE;
    f->env->st.efer = EFER_LME | EFER_LMA | EFER_NXE;
    w64(f, 0x1000 + 0 * 8, 0x2000 | P | RW | US);
    w64(f, 0x1000 + 511 * 8, 0x2000 | P | RW);              /* kernel half */
    w64(f, 0x2000 + 0 * 8, 0x3000 | P | RW | US);
    w64(f, 0x2000 + 1 * 8, 0x40000000ull | P | RW | PS);    /* 1 GiB page */
    w64(f, 0x3000 + 0 * 8, 0x4000 | P | RW | US);
    w64(f, 0x4000 + 1 * 8, 0xb000 | P | RW | US);           /* va 0x1000 */
    w64(f, 0x4000 + 2 * 8, 0xc000 | P | RW);                /* va 0x2000 */
}

static void test_long_basic(void **state)
{
    Fix *f = *state;
    uint64_t pa;

    setup_long(f);
    assert_int_equal(tr(f, 0x1234, X86_ACC_WRITE, MMU_USER_IDX, &pa), 0);
    assert_int_equal(pa, 0xb234);
    assert_int_equal(r64(f, 0x1000) & (A | D), A);
    assert_int_equal(r64(f, 0x2000) & (A | D), A);
    assert_int_equal(r64(f, 0x3000) & (A | D), A);
    assert_int_equal(r64(f, 0x4008) & (A | D), A | D);
    /* 1 GiB page */
    assert_int_equal(tr(f, 0x7fedcba9, X86_ACC_READ, MMU_KSMAP_IDX, &pa), 0);
    assert_int_equal(pa, 0x7fedcba9);
    /* high half through PML4 entry 511 */
    assert_int_equal(tr(f, 0xffffff8000002000ull, X86_ACC_READ, MMU_KSMAP_IDX,
                        &pa), 0);
    assert_int_equal(pa, 0xc000);
    assert_int_equal(tr(f, 0xffffff8000002000ull, X86_ACC_READ, MMU_USER_IDX,
                        NULL), F | 5);
}

static void test_long_noncanonical(void **state)
{
    Fix *f = *state;

    setup_long(f);
    assert_int_equal(tr(f, 0x0000800000000000ull, X86_ACC_READ, MMU_KSMAP_IDX,
                        NULL), -1);
    assert_int_equal(tr(f, 0xffff7fffffffffffull, X86_ACC_FETCH, MMU_USER_IDX,
                        NULL), -1);
}

static void test_long_reserved(void **state)
{
    Fix *f = *state;

    setup_long(f);
    /* PS in a PML4E is reserved */
    w64(f, 0x1008, 0x2000 | P | RW | PS);
    assert_int_equal(tr(f, 0x8000000000ull, X86_ACC_READ, MMU_KSMAP_IDX, NULL),
                     F | 9);
    /* 1 GiB page with bit 13 set */
    w64(f, 0x2010, 0x80000000ull | (1ull << 13) | P | RW | PS);
    assert_int_equal(tr(f, 0x80000000ull, X86_ACC_WRITE, MMU_USER_IDX, NULL),
                     F | 0xf);
    /* PTE with a reserved address bit */
    w64(f, 0x4018, (1ull << 51) | 0xd000 | P | RW | US);
    assert_int_equal(tr(f, 0x3000, X86_ACC_FETCH, MMU_USER_IDX, NULL),
                     F | 0x1d);
}

static void test_long_smep_smap(void **state)
{
    Fix *f = *state;

    setup_long(f);
    /* without SMEP/SMAP the kernel reaches user pages */
    assert_int_equal(tr(f, 0x1000, X86_ACC_FETCH, MMU_KSMAP_IDX, NULL), 0);
    f->env->st.cr4 |= CR4_SMEP | CR4_SMAP;
    assert_int_equal(tr(f, 0x1000, X86_ACC_FETCH, MMU_KSMAP_IDX, NULL),
                     F | 0x11);
    assert_int_equal(tr(f, 0x1000, X86_ACC_READ, MMU_KSMAP_IDX, NULL), F | 1);
    assert_int_equal(tr(f, 0x1000, X86_ACC_WRITE, MMU_KSMAP_IDX, NULL), F | 3);
    /* AC=1 (or implicit supervisor access) index: allowed */
    assert_int_equal(tr(f, 0x1000, X86_ACC_WRITE, MMU_KNOSMAP_IDX, NULL), 0);
    /* SMEP applies to the no-SMAP index as well */
    assert_int_equal(tr(f, 0x1000, X86_ACC_FETCH, MMU_KNOSMAP_IDX, NULL),
                     F | 0x11);
    /* supervisor pages are unaffected */
    assert_int_equal(tr(f, 0x2000, X86_ACC_FETCH, MMU_KSMAP_IDX, NULL), 0);
    /* user fetch of a supervisor page: P|U|I */
    assert_int_equal(tr(f, 0x2000, X86_ACC_FETCH, MMU_USER_IDX, NULL),
                     F | 0x15);
}

static void test_long_nx_levels(void **state)
{
    Fix *f = *state;

    setup_long(f);
    /* NX in an upper level applies to the whole range */
    w64(f, 0x2000, 0x3000 | P | RW | US | NX);
    assert_int_equal(tr(f, 0x1000, X86_ACC_FETCH, MMU_USER_IDX, NULL),
                     F | 0x15);
    assert_int_equal(tr(f, 0x1000, X86_ACC_READ, MMU_USER_IDX, NULL), 0);
    /* R/W clear in an upper level makes the page read-only for users */
    w64(f, 0x2000, 0x3000 | P | US);
    assert_int_equal(tr(f, 0x1000, X86_ACC_WRITE, MMU_USER_IDX, NULL), F | 7);
}

static void test_walk_a20(void **state)
{
    Fix *f = *state;
    uint64_t pa;

    /* page directory at 0x101000 is read at 0x1000 with A20 disabled */
    f->env->st.cr3 = 0x101000;
    w32(f, 0x1000, 0x2000 | P | RW);
    w32(f, 0x2000, 0x100000 | P | RW);
    f->env->a20_mask = ~(1ull << 20);
    assert_int_equal(tr(f, 0x10, X86_ACC_READ, MMU_KSMAP_IDX, &pa), 0);
    assert_int_equal(pa, 0x10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, fix_setup, fix_teardown)
        T(test_paging_off),
        T(test_32_basic_ad),
        T(test_32_faults),
        T(test_32_wp),
        T(test_32_pse),
        T(test_pae_basic),
        T(test_pae_nx),
        T(test_pae_reserved),
        T(test_long_basic),
        T(test_long_noncanonical),
        T(test_long_reserved),
        T(test_long_smep_smap),
        T(test_long_nx_levels),
        T(test_walk_a20),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
