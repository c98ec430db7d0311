/*
 * The fixture shared by the unit tests of the x86 system helpers
 * (test-seg.c, test-sysinsn.c): a CPUX86TCG with no TCG vCPU, 1 MiB of
 * guest memory mapped 1:1 into every soft-TLB index so x86_ld/x86_st always
 * hit, a GDT/IDT/TSS/LDT at fixed addresses, and guest exceptions caught
 * through env->jmp_env.
 */
#ifndef KITE_TEST_X86_FIXTURE_H
#define KITE_TEST_X86_FIXTURE_H

#define MEM_SIZE (1u << 20)
#define GDT_BASE 0x1000u
#define IDT_BASE 0x2000u
#define TSS_BASE 0x3000u
#define LDT_BASE 0x4000u

/* GDT selectors */
enum {
    SEL_CODE0 = 0x08, SEL_DATA0 = 0x10, SEL_CODE3 = 0x1b, SEL_DATA3 = 0x23,
    SEL_TSS = 0x28, SEL_CODE64 = 0x30, SEL_GATE = 0x3b, SEL_CONF0 = 0x40,
    SEL_CODE64_3 = 0x4b, SEL_NP = 0x50, SEL_LDT = 0x58, SEL_XO = 0x60,
    SEL_TSS64 = 0x68,
};

typedef struct Fixture {
    CPUX86TCG env;
    uint8_t *mem;
} Fixture;

static inline void map_memory(Fixture *f)
{
    for (unsigned m = 0; m < MMU_NB_MODES; m++) {
        for (unsigned i = 0; i < TCG_TLB_ENTRIES; i++) {
            TCGTLBEntry *e = &f->env.tlb.table[m][i];
            uint64_t page = (uint64_t)i << TCG_PAGE_BITS;
            e->addr_read = e->addr_write = e->addr_code = page;
            e->addend = (uint64_t)(uintptr_t)f->mem;
        }
    }
}

static inline uint32_t rd32(Fixture *f, uint32_t a)
{
    uint32_t v;
    memcpy(&v, f->mem + a, 4);
    return v;
}

static inline uint64_t rd64(Fixture *f, uint32_t a)
{
    uint64_t v;
    memcpy(&v, f->mem + a, 8);
    return v;
}

static inline uint16_t rd16(Fixture *f, uint32_t a)
{
    uint16_t v;
    memcpy(&v, f->mem + a, 2);
    return v;
}

static inline void wr32(Fixture *f, uint32_t a, uint32_t v)
{
    memcpy(f->mem + a, &v, 4);
}

static inline void wr64(Fixture *f, uint32_t a, uint64_t v)
{
    memcpy(f->mem + a, &v, 8);
}

static inline void wr16(Fixture *f, uint32_t a, uint16_t v)
{
    memcpy(f->mem + a, &v, 2);
}

static inline void set_desc(Fixture *f, uint32_t table, unsigned idx, uint32_t base,
                     uint32_t limit, uint32_t flags)
{
    uint32_t e1 = (limit & 0xffff) | (base << 16);
    uint32_t e2 = ((base >> 16) & 0xff) | (limit & 0xf0000) | flags |
                  (base & 0xff000000u);
    wr32(f, table + idx * 8, e1);
    wr32(f, table + idx * 8 + 4, e2);
}

static inline uint32_t gate_flags(unsigned type, int dpl)
{
    return SEG_P | ((uint32_t)dpl << SEG_DPL_SHIFT) | (type << SEG_TYPE_SHIFT);
}

static inline void set_gate(Fixture *f, uint32_t addr, uint16_t sel, uint64_t off,
                     unsigned type, int dpl, unsigned extra)
{
    wr32(f, addr, (uint32_t)(off & 0xffff) | ((uint32_t)sel << 16));
    wr32(f, addr + 4, ((uint32_t)off & 0xffff0000u) | gate_flags(type, dpl) |
                      extra);
}

#define CODE32 (SEG_P | SEG_S | SEG_CODE | SEG_R | SEG_DB | SEG_G)
#define DATA32 (SEG_P | SEG_S | SEG_W | SEG_DB | SEG_G)
#define DPL(n) ((uint32_t)(n) << SEG_DPL_SHIFT)

static inline void build_gdt(Fixture *f)
{
    set_desc(f, GDT_BASE, 1, 0, 0xfffff, CODE32);
    set_desc(f, GDT_BASE, 2, 0, 0xfffff, DATA32);
    set_desc(f, GDT_BASE, 3, 0, 0xfffff, CODE32 | DPL(3));
    set_desc(f, GDT_BASE, 4, 0, 0xfffff, DATA32 | DPL(3));
    set_desc(f, GDT_BASE, 5, TSS_BASE, 0x67 + 0x2000 / 8 + 1,
             SEG_P | (9u << SEG_TYPE_SHIFT));
    set_desc(f, GDT_BASE, 6, 0, 0xfffff,
             SEG_P | SEG_S | SEG_CODE | SEG_R | SEG_L | SEG_G);
    /* call gate to SEL_CODE0:0x5000, DPL 3, two parameters */
    set_gate(f, GDT_BASE + 7 * 8, SEL_CODE0, 0x5000, 12, 3, 2);
    set_desc(f, GDT_BASE, 8, 0, 0xfffff, CODE32 | SEG_C);
    set_desc(f, GDT_BASE, 9, 0, 0xfffff,
             SEG_P | SEG_S | SEG_CODE | SEG_R | SEG_L | SEG_G | DPL(3));
    set_desc(f, GDT_BASE, 10, 0, 0xfffff, DATA32 & ~SEG_P);
    set_desc(f, GDT_BASE, 11, LDT_BASE, 0xff, SEG_P | (2u << SEG_TYPE_SHIFT));
    set_desc(f, GDT_BASE, 12, 0, 0xfffff, SEG_P | SEG_S | SEG_CODE | SEG_G);
    /* 64-bit TSS: 16 bytes, upper half zero */
    set_desc(f, GDT_BASE, 13, TSS_BASE, 0x67, SEG_P | (9u << SEG_TYPE_SHIFT));
    wr64(f, GDT_BASE + 14 * 8, 0);
}

static inline int setup(void **state)
{
    Fixture *f = calloc(1, sizeof(*f));

    f->mem = aligned_alloc(4096, MEM_SIZE);
    memset(f->mem, 0, MEM_SIZE);
    x86_cpu_state_reset(&f->env.st);
    x86_tcg_sync_from_arch(&f->env);
    f->env.exception_index = -1;
    f->env.a20_mask = ~0ull;
    map_memory(f);
    build_gdt(f);
    x86_update_hflags(&f->env);
    *state = f;
    return 0;
}

static inline int teardown(void **state)
{
    Fixture *f = *state;

    free(f->mem);
    free(f);
    return 0;
}

/* Flat 32-bit protected mode at CPL cpl, GDT/IDT/TSS as above. */
static inline void enter_prot(Fixture *f, int cpl)
{
    X86CPUState *st = &f->env.st;

    st->cr0 |= CR0_PE;
    st->gdt.base = GDT_BASE;
    st->gdt.limit = 16 * 8 - 1;
    st->idt.base = IDT_BASE;
    st->idt.limit = 256 * 8 - 1;
    x86_seg_set(&st->tr, SEL_TSS, TSS_BASE, 0x67 + 0x2000 / 8 + 1,
                SEG_P | (11u << SEG_TYPE_SHIFT));
    x86_seg_set(&st->segs[R_CS], cpl ? SEL_CODE3 : SEL_CODE0, 0, 0xffffffff,
                CODE32 | DPL(cpl) | SEG_A);
    for (int s = 0; s < 6; s++) {
        if (s != R_CS) {
            x86_seg_set(&st->segs[s], cpl ? SEL_DATA3 : SEL_DATA0, 0,
                        0xffffffff, DATA32 | DPL(cpl) | SEG_A);
        }
    }
    /* ring-0 stack in the 32-bit TSS */
    wr32(f, TSS_BASE + 4, 0x9000);
    wr16(f, TSS_BASE + 8, SEL_DATA0);
    x86_update_hflags(&f->env);
}

/* Long mode (64-bit code) at CPL cpl with a 64-bit TSS. */
static inline void enter_long(Fixture *f, int cpl)
{
    X86CPUState *st = &f->env.st;

    enter_prot(f, cpl);
    st->cr0 |= CR0_PG;
    st->cr4 |= CR4_PAE;
    st->efer |= EFER_LME | EFER_LMA;
    st->idt.limit = 256 * 16 - 1;
    x86_seg_set(&st->segs[R_CS], cpl ? SEL_CODE64_3 : SEL_CODE64, 0,
                0xffffffff, SEG_P | SEG_S | SEG_CODE | SEG_R | SEG_L | DPL(cpl));
    x86_seg_set(&st->tr, SEL_TSS64, TSS_BASE, 0x67,
                SEG_P | (11u << SEG_TYPE_SHIFT));
    wr64(f, TSS_BASE + 4, 0x9000);            /* RSP0 */
    wr64(f, TSS_BASE + 0x24, 0xa008);         /* IST1, misaligned on purpose */
    x86_update_hflags(&f->env);
}

/* Runs stmt; returns the vector it raised, or -1. */
#define CATCH(f, stmt)                                                      \
    __extension__({                                                         \
        volatile int r_ = -1;                                               \
        (f)->env.exception_index = -1;                                      \
        if (sigsetjmp((f)->env.jmp_env, 0) == 0) {                          \
            stmt;                                                           \
        } else {                                                            \
            r_ = (f)->env.exception_index;                                  \
        }                                                                   \
        r_;                                                                 \
    })

static inline uint64_t rflags(Fixture *f)
{
    return x86_tcg_compute_rflags(&f->env);
}

#endif
