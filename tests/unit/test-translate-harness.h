/*
 * The test harness of the x86 translator unit tests (test-translate*.c):
 * small instruction sequences are translated and run on the interpreter
 * backend with a fake CPU. Guest memory is a flat buffer (linear ==
 * physical) reached through the runtime slow paths (the soft TLB stays
 * empty); code comes through the translator's fetch hook. Helpers that
 * raise exceptions use accel/tcg's x86_raise_exception, which with no
 * vCPU attached just leaves through env->jmp_env.
 *
 * load() puts the CPU in real mode (16), flat 32-bit protected mode (32)
 * or 64-bit mode (64) with segment caches to match and hflags computed by
 * x86_update_hflags(); set_seg() + refresh() change a segment afterwards.
 */
#ifndef KITE_TEST_TRANSLATE_HARNESS_H
#define KITE_TEST_TRANSLATE_HARNESS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cpu/x86/translate.h"
#include "tcg/backend.h"

#define MEM_SIZE (1u << 20)
#define CODE_AT 0x1000u
#define WEAK __attribute__((weak))

typedef struct TestCPU {
    CPUX86TCG env;
    uint8_t *mem;
    TCGContext *s;
    X86TCGGlobals *g;
    TCGCodeInfo info;
    uint64_t end;
} TestCPU;

static TestCPU *cur;    /* the CPU the weak runtime entry points act on */

/* ---- the fake runtime ---- */

static inline void restore_from_ra(CPUX86TCG *env, uintptr_t ra)
{
    uint64_t data[TCG_INSN_START_WORDS];
    uintptr_t code = (uintptr_t)cur->info.code;

    if (ra && tcg_insn_data_find(&cur->info, ra - 1 - code, data) >= 0) {
        env->st.rip = data[0];
        if (data[1] != X86_CC_OP_DYNAMIC) {
            env->cc_op = (uint32_t)data[1];
        }
    }
}

/* A guest fault in the slow paths: rebuild the state, leave the TB. */
static inline void __attribute__((noreturn)) test_fault(CPUX86TCG *env, int vector,
                                                 uint32_t err, uintptr_t ra)
{
    restore_from_ra(env, ra);
    env->exception_index = vector;
    env->error_code = err;
    siglongjmp(env->jmp_env, 1);
}

static inline bool mem_ok(uint64_t a, unsigned n)
{
    return a < MEM_SIZE && a + n <= MEM_SIZE;
}

static inline uint64_t mem_read(CPUX86TCG *env, uint64_t a, unsigned n, uintptr_t ra)
{
    uint64_t v = 0;

    if (!mem_ok(a, n)) {
        env->st.cr2 = a;
        test_fault(env, EXCP_PF, 0, ra);
    }
    for (unsigned i = 0; i < n; i++) {
        v |= (uint64_t)cur->mem[a + i] << (8 * i);
    }
    return v;
}

static inline void mem_write(CPUX86TCG *env, uint64_t a, uint64_t v, unsigned n,
                      uintptr_t ra)
{
    if (!mem_ok(a, n)) {
        env->st.cr2 = a;
        test_fault(env, EXCP_PF, 2, ra);
    }
    for (unsigned i = 0; i < n; i++) {
        cur->mem[a + i] = v >> (8 * i);
    }
}

static inline uint64_t slow_load(void *env, uint64_t vaddr, MemOp mo, unsigned idx,
                          uintptr_t ra)
{
    unsigned n = 1u << (mo & MO_SIZE);
    uint64_t v = mem_read(env, vaddr, n, ra);

    if (mo & MO_BE) {
        v = __builtin_bswap64(v) >> (64 - 8 * n);
    }
    if ((mo & MO_SIGN) && n < 8) {
        v = (uint64_t)((int64_t)(v << (64 - 8 * n)) >> (64 - 8 * n));
    }
    return v;
}

static inline void slow_store(void *env, uint64_t vaddr, uint64_t v, MemOp mo,
                       unsigned idx, uintptr_t ra)
{
    unsigned n = 1u << (mo & MO_SIZE);

    if (mo & MO_BE) {
        v = __builtin_bswap64(v) >> (64 - 8 * n);
    }
    mem_write(env, vaddr, v, n, ra);
}

static inline size_t test_fetch(CPUX86TCG *env, uint64_t pc, uint8_t *buf,
                           size_t len, bool first)
{
    size_t n = 0;

    while (n < len && mem_ok(pc + n, 1)) {
        buf[n] = cur->mem[pc + n];
        n++;
    }
    if (n == 0 && first) {
        test_fault(env, EXCP_PF, 0x10, 0);
    }
    return n;
}

WEAK bool x86_gen_sys(DisasContext *d, const X86Insn *in)
{
    return false;
}

/* ---- running guest code ---- */

static const X86GenHooks test_hooks = { .fetch = test_fetch,
                                        .no_lookup = true };
static const TCGRuntime test_runtime = { slow_load, slow_store };

static inline int setup(void **state)
{
    TestCPU *t = calloc(1, sizeof(*t));
    TCGContextConfig cfg = { .code_size = 4 << 20,
                             .tlb_offset = offsetof(CPUX86TCG, tlb),
                             .runtime = test_runtime };

    t->mem = calloc(1, MEM_SIZE);
    t->s = tcg_context_new(&cfg, NULL);
    assert_non_null(t->s);
    t->g = x86_tcg_init_globals(t->s);
    *state = t;
    return 0;
}

static inline int teardown(void **state)
{
    TestCPU *t = *state;
    x86_tcg_free_globals(t->g);
    tcg_context_free(t->s);
    free(t->mem);
    free(t);
    return 0;
}

#define TEST_CODE32 (SEG_P | SEG_S | SEG_CODE | SEG_R | SEG_A | SEG_DB | SEG_G)
#define TEST_DATA32 (SEG_P | SEG_S | SEG_W | SEG_A | SEG_DB | SEG_G)
#define TEST_DATA16 (SEG_P | SEG_S | SEG_W | SEG_A)

static inline void set_seg(TestCPU *t, int seg, uint16_t sel, uint64_t base,
                           uint32_t limit, uint32_t flags)
{
    x86_seg_set(&t->env.st.segs[seg], sel, base, limit, flags);
}

/* Recomputes hflags (and the segment-check state) after a change. */
static inline void refresh(TestCPU *t)
{
    x86_update_hflags(&t->env);
}

/* Segment caches, control registers and hflags of `mode`. */
static inline void load_segments(TestCPU *t, int mode)
{
    X86CPUState *st = &t->env.st;

    for (int i = 0; i < 6; i++) {
        if (mode == 16) {
            set_seg(t, i, 0, 0, 0xffff,
                    i == R_CS ? SEG_P | SEG_S | SEG_CODE | SEG_R | SEG_A
                              : TEST_DATA16);
        } else {
            set_seg(t, i, i == R_CS ? 0x08 : 0x10, 0, 0xffffffff,
                    i == R_CS ? TEST_CODE32 : TEST_DATA32);
        }
    }
    st->rflags = RF_FIXED;
    if (mode != 16) {
        st->cr0 = CR0_PE;
    }
    if (mode == 64) {
        st->efer = EFER_LME | EFER_LMA;
        st->segs[R_CS].flags = (TEST_CODE32 & ~SEG_DB) | SEG_L;
    }
    refresh(t);
}

/* Resets the CPU to `mode` (16, 32, 64) with the given code at CODE_AT. */
static inline void load(TestCPU *t, int mode, const uint8_t *code, size_t len)
{
    memset(&t->env, 0, offsetof(CPUX86TCG, tlb));
    tcg_tlb_flush(&t->env.tlb);
    memset(t->mem, 0, MEM_SIZE);
    memcpy(t->mem + CODE_AT, code, len);
    /* jmp $+2: ends the block so nothing after the code is translated */
    t->mem[CODE_AT + len] = 0xeb;
    t->mem[CODE_AT + len + 1] = 0x00;
    t->env.st.rip = CODE_AT;
    t->env.st.regs[R_ESP] = 0x8000;
    t->env.cc_op = CC_OP_EFLAGS;
    t->env.df = 1;
    t->env.exception_index = -1;
    t->env.a20_mask = ~0ull;
    load_segments(t, mode);
    t->end = CODE_AT + len + 2;
    cur = t;
}

/* Runs until RIP reaches end; returns the exception vector or -1. */
static inline int run(TestCPU *t)
{
    uint64_t end = t->end;

    if (sigsetjmp(t->env.jmp_env, 0)) {
        return t->env.exception_index;
    }
    for (int n = 0; n < 100000 && t->env.st.rip != end; n++) {
        X86TBDesc tb = { .pc = t->env.st.rip, .flags = t->env.hflags };
        int rc;

        assert_int_equal(x86_gen_tb_hooks(t->s, t->g, &t->env, &tb,
                                          &test_hooks), 0);
        rc = tcg_gen_code(t->s, &t->info);
        if (rc == -1) {
            tcg_code_flush(t->s);
            assert_int_equal(x86_gen_tb_hooks(t->s, t->g, &t->env, &tb,
                                          &test_hooks), 0);
            rc = tcg_gen_code(t->s, &t->info);
        }
        assert_int_equal(rc, 0);
        tcg_exec_tb(t->s, &t->env, t->info.code);
    }
    assert_int_equal(t->env.st.rip, end);
    return -1;
}

static inline uint64_t flags(TestCPU *t)
{
    return x86_tcg_compute_rflags(&t->env) & RF_ARITH;
}

#define R(t, r) ((t)->env.st.regs[r])
#define CODE(...) ((const uint8_t[]){ __VA_ARGS__ })
#define LOAD(t, mode, ...)                                                  \
    load(t, mode, CODE(__VA_ARGS__), sizeof(CODE(__VA_ARGS__)))


#endif
