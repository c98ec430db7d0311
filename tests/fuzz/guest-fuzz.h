/*
 * The guest-code fuzzer: random code run by the TCG in every x86 mode on
 * a bare machine (tests/fuzz/fuzz-machine.h), once with the native
 * backend and once with the interpreter. Shared by the cmocka budget
 * (tests/unit/test-guest-fuzz.c) and the libFuzzer target
 * (tests/fuzz/fuzz-guest.c).
 *
 * An input is a sequence of chunks. Each chunk names a mode, RFLAGS bits,
 * register values and up to GF_CODE_MAX bytes of code. Both machines
 * start every chunk from the same RAM image (the template below), so a
 * chunk can be replayed on its own; the chunk's code is copied to
 * GF_CODE, the rest of its page holds HLT.
 *
 * The template's tables catch whatever the code does: every vector of the
 * real-mode IVT, the 32-bit IDT and the 64-bit IDT leads to its own stub
 * (HLT) at GF_STUBS + 16 * vector, and a call gate leads to one more, so
 * an exception ends the chunk with the vector known from where the vCPU
 * halted, and the harness goes on with the next chunk on the same
 * machines. Stacks, the TSSs (ring-0 stacks for CPL 3 code and v8086
 * mode), an LDT and identity page tables (32-bit, PAE, 4-level; user
 * pages for CPL 3) are in place for each mode:
 *
 *   real     real mode, CS:IP = 1000:0000, DS/ES/SS = 2000
 *   pm16     16-bit protected mode, CPL 0, paging off
 *   pm32     32-bit protected mode, CPL 0, paging off
 *   pm32pg   the same with 32-bit paging (4 MiB pages)
 *   pm32u    CPL 3, 32-bit paging, user pages
 *   pae      CPL 0, PAE paging
 *   v86      virtual-8086 mode (CPL 3, IOPL from the chunk)
 *   long64   64-bit mode, CPL 0
 *   long64u  64-bit mode, CPL 3
 *   compat32 long mode with a 32-bit code segment
 *   compat16 long mode with a 16-bit code segment
 *
 * Checks, after every chunk: both backends stop for the same reason (HLT,
 * the handler stub of the same vector, triple fault, error) with the same
 * architectural state (tests/difftest/cpu-diff.h) and the same RAM; and
 * no run hangs. A chunk runs free (chained TBs) until it stops or until
 * GF_FREE_NS pass; a watchdog thread then kicks the vCPU. A chunk that
 * needed the kick on either machine (an endless loop, a long REP) runs
 * again on both, one instruction at a time, for at most GF_STEPS
 * instructions, which makes the comparison exact (except for a step that
 * never ends, see gf_run_steps). A vCPU that does not
 * return within GF_HANG_NS of a kick is a hang: the fuzzer reports the
 * chunk and aborts. The sanitizers (ASan/UBSan builds) catch any access
 * outside guest RAM or the host's own buffers.
 */
#ifndef KITE_GUEST_FUZZ_H
#define KITE_GUEST_FUZZ_H

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "accel/tcg/tcg-accel.h"
#include "cpu/x86/decode.h"
#include "tests/difftest/cpu-diff.h"
#include "tests/fuzz/fuzz-machine.h"

#define GF_RAM          (2 * MiB)
#define GF_IVT          0x0000
#define GF_GDT          0x1000
#define GF_IDT32        0x2000
#define GF_IDT64        0x3000
#define GF_TSS32        0x4000
#define GF_TSS64        0x4100
#define GF_LDT          0x4800
#define GF_PML4         0x5000
#define GF_PDPT         0x6000
#define GF_PD           0x7000        /* 2 MiB pages: 4-level and PAE */
#define GF_PD32         0x8000        /* 4 MiB pages */
#define GF_PDPT_PAE     0x9000
#define GF_STUBS        0xa000        /* 16 bytes per vector */
#define GF_GATE_STUB    0xb000        /* the call gate's target */
#define GF_STACK        0xe000        /* CPL 0 chunks */
#define GF_KSTACK       0xf000        /* TSS ring-0 stacks */
#define GF_CODE         0x10000
#define GF_DATA         0x20000
#define GF_DATA_SIZE    0x10000
#define GF_NVEC         256
#define GF_VEC_GATE     256           /* "vector" of the call gate stub */
#define GF_CODE_MAX     96
#define GF_MAX_CHUNKS   64
#define GF_FREE_NS      (5 * 1000000ll)
#define GF_STEP_NS      (100 * 1000000ll)   /* one single step, first try */
#define GF_HANG_NS      (10 * 1000000000ll)
#define GF_STEPS        200

/* GDT selectors */
#define GF_SEL_CODE64   0x08
#define GF_SEL_DATA     0x10
#define GF_SEL_CODE32   0x18
#define GF_SEL_CODE16   0x20
#define GF_SEL_DATA16   0x28
#define GF_SEL_UCODE64  0x33
#define GF_SEL_UDATA    0x3b
#define GF_SEL_UCODE32  0x43
#define GF_SEL_TSS32    0x48
#define GF_SEL_TSS64    0x50          /* two entries */
#define GF_SEL_LDT      0x60
#define GF_SEL_GATE     0x6b          /* call gate, DPL 3 */
#define GF_SEL_NP       0x70          /* not present */
#define GF_SEL_EXPDOWN  0x78          /* expand-down data */
#define GF_GDT_ENTRIES  16

typedef enum GfMode {
    GF_REAL, GF_PM16, GF_PM32, GF_PM32_PG, GF_PM32_USER, GF_PAE, GF_V86,
    GF_LONG64, GF_LONG64_USER, GF_COMPAT32, GF_COMPAT16, GF_NMODES,
} GfMode;

static const char *const gf_mode_names[GF_NMODES] = {
    "real", "pm16", "pm32", "pm32pg", "pm32u", "pae", "v86", "long64",
    "long64u", "compat32", "compat16",
};

/* How a run of one chunk ended. */
typedef enum GfEnd {
    GF_END_HLT,            /* HLT outside the stubs */
    GF_END_VECTOR,         /* a handler stub: vector in GfOutcome */
    GF_END_SHUTDOWN,       /* triple fault */
    GF_END_ERROR,          /* the accelerator gave up */
    GF_END_STEPS,          /* GF_STEPS instructions without stopping */
    GF_END_KICKED,         /* free run stopped by the watchdog */
    GF_END_STUCK,          /* one single step never ended (see below) */
} GfEnd;

typedef struct GfOutcome {
    GfEnd end;
    int vector;
    uint64_t steps;
} GfOutcome;

typedef struct GfChunk {
    GfMode mode;
    uint8_t flags;         /* bit 0 IF, 1 DF, 2 AC, 3 TF, 4-5 IOPL, 6 NT,
                              7 code across a page boundary */
    uint64_t regs[16];
    uint8_t code[GF_CODE_MAX];
    unsigned len;
} GfChunk;

typedef struct GfWatchdog {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    FuzzMachine *target;   /* armed while non-NULL */
    int64_t deadline, kicked_at;
    int64_t wake_at;       /* when the thread wakes up next */
    int64_t max_latency;   /* longest kick-to-return seen, ns */
    bool kicked, quit, started;
    const char *what;      /* names the chunk, for a hang report */
} GfWatchdog;

typedef struct GuestFuzz {
    FuzzMachine e[2];      /* [0] native, [1] interp */
    uint8_t *template;     /* RAM every chunk starts from */
    GfWatchdog wd;
    bool live, trace;
    char what[256];
    /* statistics */
    unsigned long long chunks, stepped, by_mode[GF_NMODES];
    unsigned long long by_vector[GF_NVEC + 1], by_end[GF_END_STUCK + 1];
    char fail[3072];
} GuestFuzz;

/* ------------------------------------------------------------ template */

static uint64_t gf_desc(uint32_t base, uint32_t limit, uint32_t attr)
{
    return (limit & 0xffffull) | ((uint64_t)(base & 0xffffff) << 16) |
           ((uint64_t)(attr & 0xf0ff) << 40) |
           ((uint64_t)((limit >> 16) & 0xf) << 48) |
           ((uint64_t)(base >> 24) << 56);
}

static void gf_build_gdt(uint8_t *r)
{
    uint64_t gate = (GF_GATE_STUB & 0xffff) | ((uint64_t)GF_SEL_CODE32 << 16) |
                    ((uint64_t)0xec << 40) |       /* 32-bit call gate DPL 3 */
                    ((uint64_t)(GF_GATE_STUB >> 16) << 48);
    uint64_t *g = (uint64_t *)(r + GF_GDT);

    g[1] = gf_desc(0, 0xfffff, 0xa09b);             /* code64 */
    g[2] = gf_desc(0, 0xfffff, 0xc093);             /* data */
    g[3] = gf_desc(0, 0xfffff, 0xc09b);             /* code32 */
    g[4] = gf_desc(GF_CODE, 0xffff, 0x009b);        /* code16 */
    g[5] = gf_desc(GF_DATA, 0xffff, 0x0093);        /* data16 */
    g[6] = gf_desc(0, 0xfffff, 0xa0fb);             /* user code64 */
    g[7] = gf_desc(0, 0xfffff, 0xc0f3);             /* user data */
    g[8] = gf_desc(0, 0xfffff, 0xc0fb);             /* user code32 */
    g[9] = gf_desc(GF_TSS32, 0x67, 0x0089);
    g[10] = gf_desc(GF_TSS64, 0x67, 0x0089);
    g[11] = 0;                                      /* TSS64 high half */
    g[12] = gf_desc(GF_LDT, 4 * 8 - 1, 0x0082);
    g[13] = gate;
    g[14] = gf_desc(GF_DATA, 0xffff, 0x0013);       /* not present */
    g[15] = gf_desc(GF_DATA, 0xfff, 0x4097);        /* expand-down */
    /* LDT: user code32, user data, a 16-bit user code, a conforming code */
    st64le(r + GF_LDT, gf_desc(0, 0xfffff, 0xc0fb));
    st64le(r + GF_LDT + 8, gf_desc(0, 0xfffff, 0xc0f3));
    st64le(r + GF_LDT + 16, gf_desc(GF_CODE, 0xffff, 0x00fb));
    st64le(r + GF_LDT + 24, gf_desc(0, 0xfffff, 0xc09f));
}

static void gf_build_idts(uint8_t *r)
{
    for (int v = 0; v < GF_NVEC; v++) {
        uint32_t stub = GF_STUBS + 16 * v;
        /* odd vectors above the exceptions are DPL 0: INT n from CPL 3
           gets #GP there */
        uint64_t dpl = (v >= 32 && (v & 1)) ? 0 : 3;
        uint64_t lo = (stub & 0xffff) | ((uint64_t)(stub >> 16) << 48) |
                      ((uint64_t)(0x8e | dpl << 5) << 40);

        r[stub] = 0xf4;                             /* hlt */
        r[stub + 1] = 0xeb;                         /* jmp back to it */
        r[stub + 2] = 0xfd;
        st32le(r + GF_IVT + 4 * v, (uint32_t)(GF_STUBS >> 4) << 16 | 16 * v);
        st64le(r + GF_IDT32 + 8 * v, lo | ((uint64_t)GF_SEL_CODE32 << 16));
        st64le(r + GF_IDT64 + 16 * v, lo | ((uint64_t)GF_SEL_CODE64 << 16));
    }
    r[GF_GATE_STUB] = 0xf4;
    r[GF_GATE_STUB + 1] = 0xeb;
    r[GF_GATE_STUB + 2] = 0xfd;
}

/* Identity maps: 4-level and PAE (2 MiB pages), 32-bit (4 MiB pages). */
static void gf_build_paging(uint8_t *r)
{
    const uint64_t f = 0x7;                          /* P, RW, US */

    st64le(r + GF_PML4, GF_PDPT | f);
    for (int i = 0; i < 4; i++) {
        st64le(r + GF_PDPT + 8 * i, GF_PD | f);
        st64le(r + GF_PDPT_PAE + 8 * i, GF_PD | 1);
    }
    for (int i = 0; i < 512; i++) {
        st64le(r + GF_PD + 8 * i, ((uint64_t)i << 21) | 0x80 | f);
    }
    for (int i = 0; i < 1024; i++) {
        st32le(r + GF_PD32 + 4 * i, ((uint32_t)i << 22) | 0x80 | f);
    }
}

static void gf_build_template(uint8_t *r)
{
    uint64_t s = 0x5eed;

    memset(r, 0, GF_RAM);
    gf_build_gdt(r);
    gf_build_idts(r);
    gf_build_paging(r);
    st32le(r + GF_TSS32 + 4, GF_KSTACK);            /* esp0 */
    st32le(r + GF_TSS32 + 8, GF_SEL_DATA);          /* ss0 */
    st16le(r + GF_TSS32 + 0x66, 0x68);              /* no I/O bitmap */
    st64le(r + GF_TSS64 + 4, GF_KSTACK);            /* rsp0 */
    st64le(r + GF_TSS64 + 0x24, GF_KSTACK - 0x800); /* IST1 */
    st16le(r + GF_TSS64 + 0x66, 0x68);
    memset(r + GF_CODE, 0xf4, 0x2000);
    for (int i = 0; i < GF_DATA_SIZE; i += 8) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        st64le(r + GF_DATA + i, s ^ (s >> 29));
    }
}

/* ------------------------------------------------------------ CPU state */

/* A segment cache as the CPU loads it from GDT entry sel (or LDT). */
static void gf_seg_from(SegmentCache *seg, const uint8_t *r, uint16_t sel)
{
    const uint8_t *table = (sel & 4) ? r + GF_LDT : r + GF_GDT;
    uint64_t d = ld64le(table + (sel & ~7));
    uint32_t limit = (uint32_t)((d & 0xffff) | ((d >> 32) & 0xf0000));
    uint32_t flags = (uint32_t)(d >> 32) & SEG_ATTR_MASK;
    uint32_t base = (uint32_t)(((d >> 16) & 0xffffff) | ((d >> 32) & 0xff000000));

    if (flags & SEG_G) {
        limit = (limit << 12) | 0xfff;
    }
    x86_seg_set(seg, sel, base, limit, flags);
}

static void gf_segs_flat(X86CPUState *st, const uint8_t *r, uint16_t cs,
                         uint16_t ds)
{
    gf_seg_from(&st->segs[R_CS], r, cs);
    for (int i = 0; i < 6; i++) {
        if (i != R_CS) {
            gf_seg_from(&st->segs[i], r, ds);
        }
    }
}

static void gf_segs_real(X86CPUState *st, uint32_t flags_extra)
{
    uint32_t data = SEG_P | SEG_S | SEG_W | SEG_A | flags_extra;

    x86_seg_set(&st->segs[R_CS], GF_CODE >> 4, GF_CODE, 0xffff,
                SEG_P | SEG_S | SEG_CODE | SEG_R | SEG_A | flags_extra);
    for (int i = 0; i < 6; i++) {
        if (i != R_CS) {
            x86_seg_set(&st->segs[i], GF_DATA >> 4, GF_DATA, 0xffff, data);
        }
    }
}

static void gf_mode_protected(X86CPUState *st, const uint8_t *r, GfMode mode)
{
    st->cr0 = CR0_PE | CR0_ET | CR0_NE | CR0_WP | CR0_AM;
    st->idt.base = GF_IDT32;
    st->idt.limit = 8 * GF_NVEC - 1;
    gf_seg_from(&st->tr, r, GF_SEL_TSS32);
    st->tr.flags |= 2u << SEG_TYPE_SHIFT;           /* busy */
    gf_seg_from(&st->ldt, r, GF_SEL_LDT);
    st->rip = GF_CODE;
    switch (mode) {
    case GF_PM16:
        gf_seg_from(&st->segs[R_CS], r, GF_SEL_CODE16);
        for (int i = 0; i < 6; i++) {
            if (i != R_CS) {
                gf_seg_from(&st->segs[i], r, GF_SEL_DATA16);
            }
        }
        st->rip = 0;
        break;
    case GF_PM32_USER:
        gf_segs_flat(st, r, GF_SEL_UCODE32, GF_SEL_UDATA);
        st->cr0 |= CR0_PG;
        st->cr3 = GF_PD32;
        st->cr4 = CR4_PSE;
        break;
    case GF_PM32_PG:
        gf_segs_flat(st, r, GF_SEL_CODE32, GF_SEL_DATA);
        st->cr0 |= CR0_PG;
        st->cr3 = GF_PD32;
        st->cr4 = CR4_PSE;
        break;
    case GF_PAE:
        gf_segs_flat(st, r, GF_SEL_CODE32, GF_SEL_DATA);
        st->cr0 |= CR0_PG;
        st->cr3 = GF_PDPT_PAE;
        st->cr4 = CR4_PAE;
        break;
    case GF_V86:
        gf_segs_real(st, 3u << SEG_DPL_SHIFT);
        st->rflags |= RF_VM;
        st->rip = 0;
        break;
    default:
        gf_segs_flat(st, r, GF_SEL_CODE32, GF_SEL_DATA);
        break;
    }
}

static void gf_mode_long(X86CPUState *st, const uint8_t *r, GfMode mode)
{
    static const uint16_t cs[] = {
        [GF_LONG64] = GF_SEL_CODE64, [GF_LONG64_USER] = GF_SEL_UCODE64,
        [GF_COMPAT32] = GF_SEL_CODE32, [GF_COMPAT16] = GF_SEL_CODE16,
    };

    st->cr0 = CR0_PE | CR0_ET | CR0_NE | CR0_WP | CR0_AM | CR0_PG;
    st->cr3 = GF_PML4;
    st->cr4 = CR4_PAE;
    st->efer = EFER_LME | EFER_LMA | EFER_SCE | EFER_NXE;
    st->idt.base = GF_IDT64;
    st->idt.limit = 16 * GF_NVEC - 1;
    gf_seg_from(&st->tr, r, GF_SEL_TSS64);
    st->tr.flags |= 2u << SEG_TYPE_SHIFT;
    gf_seg_from(&st->ldt, r, GF_SEL_LDT);
    gf_segs_flat(st, r, cs[mode],
                 mode == GF_LONG64_USER ? GF_SEL_UDATA : GF_SEL_DATA);
    st->rip = mode == GF_COMPAT16 ? 0 : GF_CODE;
    st->star = ((uint64_t)(GF_SEL_UCODE32 & ~3) << 48) |
               ((uint64_t)GF_SEL_CODE64 << 32);
    st->lstar = GF_STUBS + 16 * 0xfe;
    st->cstar = GF_STUBS + 16 * 0xfc;
    st->fmask = RF_IF | RF_TF;
}

/* Where a chunk's code starts, from GF_CODE (and its 16-bit CS base). */
static uint32_t gf_code_offset(const GfChunk *c)
{
    return (c->flags & 0x80) ? 0x1000 + 8 - c->len : 0;
}

/* The state a chunk starts from. */
static void gf_chunk_state(const GfChunk *c, const uint8_t *r, X86CPUState *st)
{
    bool wide = c->mode >= GF_LONG64;

    x86_cpu_state_reset(st);
    st->cr0 = CR0_ET;
    st->gdt.base = GF_GDT;
    st->gdt.limit = 8 * GF_GDT_ENTRIES - 1;
    st->rflags = RF_FIXED | ((c->flags & 1) ? RF_IF : 0) |
                 ((c->flags & 2) ? RF_DF : 0) | ((c->flags & 4) ? RF_AC : 0) |
                 ((c->flags & 8) ? RF_TF : 0) |
                 ((uint64_t)((c->flags >> 4) & 3) << 12) |
                 ((c->flags & 64) ? RF_NT : 0);
    st->sysenter_cs = GF_SEL_CODE32;
    st->sysenter_esp = GF_KSTACK;
    st->sysenter_eip = GF_STUBS + 16 * 0xfa;
    if (c->mode == GF_REAL) {
        gf_segs_real(st, 0);
        st->idt.limit = 4 * GF_NVEC - 1;
        st->rip = 0;
    } else if (wide) {
        gf_mode_long(st, r, c->mode);
    } else {
        gf_mode_protected(st, r, c->mode);
    }
    for (int i = 0; i < 16; i++) {
        st->regs[i] = wide ? c->regs[i] : (i < 8 ? (uint32_t)c->regs[i] : 0);
    }
    st->rip += gf_code_offset(c);
}

/* ------------------------------------------------------------- watchdog */

static int64_t gf_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

static void gf_hang(GfWatchdog *w)
{
    fprintf(stderr, "guest fuzz: HANG: the vCPU did not return %lld s after "
            "a kick, in %s\n", (long long)(GF_HANG_NS / 1000000000ll),
            w->what ? w->what : "?");
    abort();
}

static void *gf_watchdog_main(void *opaque)
{
    GfWatchdog *w = opaque;

    pthread_mutex_lock(&w->lock);
    while (!w->quit) {
        int64_t now = gf_now_ns(), wait_until;
        struct timespec ts;

        if (w->target && !w->kicked && now >= w->deadline) {
            w->kicked = true;
            w->kicked_at = now;
            w->target->ops->vcpu_kick(&w->target->cpu);
        }
        if (w->target && w->kicked && now - w->kicked_at >= GF_HANG_NS) {
            gf_hang(w);
        }
        wait_until = !w->target ? now + 1000000000ll :
                     w->kicked ? w->kicked_at + GF_HANG_NS : w->deadline;
        w->wake_at = wait_until;
        clock_gettime(CLOCK_REALTIME, &ts);
        wait_until = ts.tv_sec * 1000000000ll + ts.tv_nsec + (wait_until - now);
        ts.tv_sec = wait_until / 1000000000ll;
        ts.tv_nsec = wait_until % 1000000000ll;
        pthread_cond_timedwait(&w->cond, &w->lock, &ts);
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

/*
 * Arms (or moves) the deadline. The thread is woken only when it would
 * sleep past the new deadline, so arming once per single step is cheap.
 */
static void gf_watchdog_arm(GfWatchdog *w, FuzzMachine *t, int64_t ns)
{
    pthread_mutex_lock(&w->lock);
    w->target = t;
    w->deadline = gf_now_ns() + ns;
    w->kicked = false;
    if (w->deadline < w->wake_at) {
        w->wake_at = w->deadline;
        pthread_cond_signal(&w->cond);
    }
    pthread_mutex_unlock(&w->lock);
}

/* Disarms; true if the vCPU was kicked. */
static bool gf_watchdog_disarm(GfWatchdog *w)
{
    bool kicked;

    pthread_mutex_lock(&w->lock);
    w->target = NULL;
    kicked = w->kicked;
    if (kicked) {
        w->max_latency = MAX(w->max_latency, gf_now_ns() - w->kicked_at);
    }
    w->kicked = false;
    pthread_mutex_unlock(&w->lock);
    return kicked;
}

/* ----------------------------------------------------------------- runs */

static bool gf_failf(GuestFuzz *g, const char *fmt, ...) PRINTF_FMT(2, 3);

static bool gf_failf(GuestFuzz *g, const char *fmt, ...)
{
    va_list ap;

    if (!g->fail[0]) {
        va_start(ap, fmt);
        vsnprintf(g->fail, sizeof(g->fail), fmt, ap);
        va_end(ap);
    }
    return false;
}

/* Fresh RAM, the chunk's code, its start state. */
static void gf_load(GuestFuzz *g, FuzzMachine *e, const GfChunk *c)
{
    /* Through the memory core, which drops stale translations. */
    address_space_write(&e->m.mem, 0, g->template, GF_RAM);
    address_space_write(&e->m.mem, GF_CODE + gf_code_offset(c), c->code,
                        c->len);
    gf_chunk_state(c, g->template, &e->cpu.env);
    atomic_store(&e->cpu.exit_request, false);
    atomic_store(&e->cpu.interrupt_request, 0);
    e->cpu.singlestep = false;
    e->ops->set_state(&e->cpu);
}

/* Where the vCPU stopped, from its state and the exit. */
static GfOutcome gf_outcome(FuzzMachine *e, VcpuExit why, uint64_t steps)
{
    X86CPUState *st = &e->cpu.env;
    uint64_t lin = st->segs[R_CS].base + st->rip;
    GfOutcome o = { GF_END_ERROR, -1, steps };

    if (why == VCPU_EXIT_NONE) {
        o.end = GF_END_KICKED;
    } else if (why == VCPU_EXIT_SHUTDOWN) {
        o.end = GF_END_SHUTDOWN;
    } else if (why == VCPU_EXIT_DEBUG) {
        o.end = GF_END_STEPS;
    } else if (why == VCPU_EXIT_HALT && lin > GF_STUBS &&
               lin <= GF_STUBS + 16 * GF_NVEC && (lin - GF_STUBS) % 16 == 1) {
        o.end = GF_END_VECTOR;
        o.vector = (int)((lin - GF_STUBS) / 16);
    } else if (why == VCPU_EXIT_HALT && lin == GF_GATE_STUB + 1) {
        o.end = GF_END_VECTOR;
        o.vector = GF_VEC_GATE;
    } else if (why == VCPU_EXIT_HALT) {
        o.end = GF_END_HLT;
    }
    return o;
}

/* Runs free until the vCPU stops or the watchdog kicks it. */
static GfOutcome gf_run_free(GuestFuzz *g, FuzzMachine *e, const GfChunk *c)
{
    VcpuExit why = VCPU_EXIT_NONE;

    gf_load(g, e, c);
    gf_watchdog_arm(&g->wd, e, GF_FREE_NS);
    do {
        why = e->ops->vcpu_run(&e->cpu);
    } while (why == VCPU_EXIT_NONE && !atomic_load(&e->cpu.exit_request));
    gf_watchdog_disarm(&g->wd);
    e->ops->get_state(&e->cpu);
    /* nothing but the watchdog's kick ends a run with VCPU_EXIT_NONE */
    return gf_outcome(e, why, 0);
}

/*
 * Runs at most GF_STEPS instructions, one at a time. A step that needs
 * the watchdog is stuck: with VCPU.singlestep the TCG does not stop after
 * delivering an exception, so code whose handler faults again at once
 * (an exception loop, which the free run survives only by the kick)
 * never completes a step. Such a chunk ends GF_END_STUCK; its state is
 * wherever the kick found it, so only the step count is compared.
 */
static GfOutcome gf_run_steps(GuestFuzz *g, FuzzMachine *e, const GfChunk *c)
{
    VcpuExit why = VCPU_EXIT_DEBUG;
    GfOutcome o;
    uint64_t n = 0;

    gf_load(g, e, c);
    e->cpu.singlestep = true;
    while (why == VCPU_EXIT_DEBUG && n < GF_STEPS) {
        /* a kicked step resumes where it stopped; a slow host (the
           thread descheduled) does not look stuck three times running */
        for (int t = 0; t < 3; t++) {
            atomic_store(&e->cpu.exit_request, false);
            gf_watchdog_arm(&g->wd, e, GF_STEP_NS << t);
            why = e->ops->vcpu_run(&e->cpu);
            gf_watchdog_disarm(&g->wd);
            if (why != VCPU_EXIT_NONE) {
                break;
            }
        }
        n++;
    }
    e->cpu.singlestep = false;
    e->ops->get_state(&e->cpu);
    o = gf_outcome(e, why, n);
    if (o.end == GF_END_KICKED) {
        o.end = GF_END_STUCK;
    }
    return o;
}

static const char *gf_end_name(GfEnd end)
{
    static const char *const n[] = {
        "hlt", "vector", "triple fault", "error", "step budget", "kicked",
        "stuck in one step",
    };
    return n[end];
}

static bool gf_compare(GuestFuzz *g, const GfOutcome *o)
{
    CpuDiff d = { .n = 0 };
    const uint8_t *x = g->e[0].m.ram.host, *y = g->e[1].m.ram.host;

    if (o[0].end != o[1].end || o[0].vector != o[1].vector ||
        o[0].steps != o[1].steps) {
        return gf_failf(g, "native stopped by %s (vector %d, %llu steps), "
                        "interp by %s (vector %d, %llu steps)",
                        gf_end_name(o[0].end), o[0].vector,
                        (unsigned long long)o[0].steps, gf_end_name(o[1].end),
                        o[1].vector, (unsigned long long)o[1].steps);
    }
    if (o[0].end == GF_END_STUCK) {
        return true;
    }
    cpu_diff_state(&d, &g->e[0].cpu.env, &g->e[1].cpu.env, ~0ull);
    if (d.n) {
        return gf_failf(g, "state differs (native/interp):%s", d.text);
    }
    for (uint64_t off = 0; off < GF_RAM; off += 4096) {
        if (memcmp(x + off, y + off, 4096)) {
            uint64_t i = off;
            while (x[i] == y[i]) {
                i++;
            }
            return gf_failf(g, "RAM differs at %#llx: native %#x, interp %#x",
                            (unsigned long long)i, x[i], y[i]);
        }
    }
    return true;
}

static void gf_describe(GuestFuzz *g, const GfChunk *c, unsigned idx)
{
    int n = snprintf(g->what, sizeof(g->what), "chunk %u mode %s flags %#x "
                     "code", idx, gf_mode_names[c->mode], c->flags);

    for (unsigned i = 0; i < c->len && n < (int)sizeof(g->what) - 4; i++) {
        n += snprintf(g->what + n, sizeof(g->what) - n, " %02x", c->code[i]);
    }
    g->wd.what = g->what;
}

/* One machine's run: free, or single-stepped if it needed the kick. */
static inline GfOutcome gf_run_one(GuestFuzz *g, FuzzMachine *e,
                                   const GfChunk *c)
{
    GfOutcome o = gf_run_free(g, e, c);

    return o.end == GF_END_KICKED ? gf_run_steps(g, e, c) : o;
}

/* Runs one chunk on both machines; false with g->fail set on a mismatch. */
static bool gf_run_chunk(GuestFuzz *g, const GfChunk *c, unsigned idx)
{
    GfOutcome o[2];

    gf_describe(g, c, idx);
    g->chunks++;
    g->by_mode[c->mode]++;
    for (int i = 0; i < 2; i++) {
        o[i] = gf_run_free(g, &g->e[i], c);
    }
    if (o[0].end == GF_END_KICKED || o[1].end == GF_END_KICKED) {
        g->stepped++;
        for (int i = 0; i < 2; i++) {
            o[i] = gf_run_steps(g, &g->e[i], c);
        }
    }
    g->by_end[o[0].end]++;
    if (o[0].vector >= 0) {
        g->by_vector[o[0].vector]++;
    }
    if (g->trace) {
        fprintf(stderr, "guest fuzz: %s: %s %d\n", g->what,
                gf_end_name(o[0].end), o[0].vector);
    }
    return gf_compare(g, o);
}

/* ---------------------------------------------------------------- input */

typedef struct GfReader {
    const uint8_t *p;
    size_t len, pos;
} GfReader;

static uint8_t gf_byte(GfReader *r)
{
    return r->pos < r->len ? r->p[r->pos++] : 0;
}

static uint64_t gf_bytes(GfReader *r, int n)
{
    uint64_t v = 0;

    for (int i = 0; i < n; i++) {
        v |= (uint64_t)gf_byte(r) << (8 * i);
    }
    return v;
}

/* A register value: the class in the low 3 bits of the first byte. */
static uint64_t gf_reg_value(GfReader *r, int i)
{
    uint8_t b = gf_byte(r);
    uint64_t stack = i == R_ESP ? 0 : 0x100;

    switch (b & 7) {
    case 0: return (uint64_t)(b >> 3);
    case 1: return GF_DATA + (uint64_t)(b >> 3) * 0x100;      /* flat data */
    case 2:
        if (b & 8) {
            return GF_CODE + (uint64_t)(b >> 4) * 4;         /* the code */
        }
        return (uint64_t)(b >> 4) * 0x200;                    /* 16-bit data */
    case 3: return GF_STACK - stack - (b >> 3) * 4;
    case 4: return ~0ull << (b >> 3);
    case 5: return gf_bytes(r, 2);
    case 6: return gf_bytes(r, 4);
    default: return gf_bytes(r, 8);
    }
}

/*
 * One chunk: mode, flags, a mask of the registers given (two bytes; the
 * others keep their defaults: ESP a valid stack, ECX a short count, the
 * rest pointers into the data area), their values, a code length and the
 * code.
 */
static bool gf_read_chunk(GfReader *r, GfChunk *c)
{
    uint16_t given;

    if (r->pos >= r->len) {
        return false;
    }
    memset(c, 0, sizeof(*c));
    c->mode = (GfMode)(gf_byte(r) % GF_NMODES);
    c->flags = gf_byte(r);
    given = (uint16_t)gf_bytes(r, 2);
    for (int i = 0; i < 16; i++) {
        c->regs[i] = i == R_ESP ? GF_STACK : GF_DATA + 0x800 * i;
        if (c->mode == GF_REAL || c->mode == GF_PM16 || c->mode == GF_V86 ||
            c->mode == GF_COMPAT16) {
            c->regs[i] = i == R_ESP ? 0xfff0 : 0x800 * i; /* 64 KiB segments */
        }
    }
    c->regs[R_ECX] = 0x40;                      /* a short REP count */
    for (int i = 0; i < 16; i++) {
        if (given & (1u << i)) {
            c->regs[i] = gf_reg_value(r, i);
        }
    }
    c->len = gf_byte(r) % (GF_CODE_MAX + 1);
    for (unsigned i = 0; i < c->len; i++) {
        c->code[i] = gf_byte(r);
    }
    return true;
}

/* ------------------------------------------------------------ life cycle */

static int gf_init(GuestFuzz *g, char *why, size_t whylen)
{
    static const char *const backends[2] = { "native", "interp" };

    memset(g, 0, sizeof(*g));
    g->template = xmalloc(GF_RAM);
    gf_build_template(g->template);
    for (int i = 0; i < 2; i++) {
        if (fuzz_machine_start(&g->e[i], GF_RAM, backends[i], why,
                               whylen) < 0) {
            return -1;
        }
    }
    pthread_mutex_init(&g->wd.lock, NULL);
    pthread_cond_init(&g->wd.cond, NULL);
    if (pthread_create(&g->wd.thread, NULL, gf_watchdog_main, &g->wd)) {
        snprintf(why, whylen, "cannot start the watchdog thread");
        return -1;
    }
    g->wd.started = true;
    g->live = true;
    return 0;
}

static void gf_destroy(GuestFuzz *g)
{
    if (g->wd.started) {
        pthread_mutex_lock(&g->wd.lock);
        g->wd.quit = true;
        pthread_cond_signal(&g->wd.cond);
        pthread_mutex_unlock(&g->wd.lock);
        pthread_join(g->wd.thread, NULL);
        pthread_cond_destroy(&g->wd.cond);
        pthread_mutex_destroy(&g->wd.lock);
    }
    for (int i = 0; i < 2; i++) {
        fuzz_machine_stop(&g->e[i]);
    }
    free(g->template);
    g->live = false;
}

/* Runs every chunk of one input; 0, or -1 with g->fail set. */
static int gf_run_input(GuestFuzz *g, const uint8_t *data, size_t len)
{
    GfReader r = { data, len, 0 };
    GfChunk c;

    g->fail[0] = 0;
    for (unsigned i = 0; i < GF_MAX_CHUNKS && gf_read_chunk(&r, &c); i++) {
        if (!gf_run_chunk(g, &c, i)) {
            size_t n = strlen(g->fail);
            snprintf(g->fail + n, sizeof(g->fail) - n, "\n  in %s", g->what);
            return -1;
        }
    }
    return 0;
}

/* --------------------------------------------------------- generation */

/*
 * Encodings that reach the system paths (valid in most modes; in 16-bit
 * code some decode differently, which is fine): interrupts and returns,
 * control and debug registers, descriptor tables, MSRs, ports, mode
 * switches, string instructions, and loads of values they use.
 */
static const struct {
    uint8_t len, b[7];
} gf_snippets[] = {
    { 1, { 0xcc } }, { 2, { 0xcd, 0x80 } }, { 1, { 0xce } }, { 1, { 0xf1 } },
    { 2, { 0x0f, 0x0b } }, { 1, { 0xf4 } }, { 1, { 0xfa } }, { 1, { 0xfb } },
    { 1, { 0x9c } }, { 1, { 0x9d } }, { 1, { 0xcf } }, { 2, { 0x48, 0xcf } },
    { 2, { 0x66, 0xcf } }, { 1, { 0xcb } }, { 2, { 0x48, 0xcb } },
    { 1, { 0xc3 } }, { 3, { 0x0f, 0x01, 0xf8 } }, { 2, { 0x0f, 0x05 } },
    { 2, { 0x0f, 0x07 } }, { 3, { 0x48, 0x0f, 0x07 } }, { 2, { 0x0f, 0x34 } },
    { 2, { 0x0f, 0x35 } }, { 2, { 0x0f, 0x32 } }, { 2, { 0x0f, 0x30 } },
    { 2, { 0x0f, 0x31 } }, { 2, { 0x0f, 0xa2 } }, { 3, { 0x0f, 0x20, 0xc0 } },
    { 3, { 0x0f, 0x22, 0xc0 } }, { 3, { 0x0f, 0x22, 0xd8 } },
    { 3, { 0x0f, 0x22, 0xe0 } }, { 3, { 0x0f, 0x20, 0xe0 } },
    { 3, { 0x0f, 0x00, 0xd8 } }, { 3, { 0x0f, 0x00, 0xd0 } },
    { 2, { 0x8e, 0xd8 } }, { 2, { 0x8e, 0xd0 } }, { 2, { 0x8e, 0xe0 } },
    { 2, { 0x8e, 0xc0 } }, { 3, { 0x0f, 0x01, 0x10 } },
    { 3, { 0x0f, 0x01, 0x18 } }, { 2, { 0xff, 0x28 } }, { 2, { 0xff, 0x18 } },
    { 2, { 0xe4, 0x60 } }, { 2, { 0xe6, 0x80 } }, { 1, { 0xed } },
    { 1, { 0xef } }, { 2, { 0xf3, 0xa4 } }, { 2, { 0xf3, 0xab } },
    { 2, { 0xf3, 0xa6 } }, { 2, { 0xf3, 0x6c } }, { 2, { 0xf3, 0x6f } },
    { 3, { 0x0f, 0x01, 0xd0 } }, { 3, { 0x0f, 0x01, 0xd1 } },
    { 2, { 0x0f, 0x09 } }, { 3, { 0x0f, 0x01, 0x38 } }, { 2, { 0x0f, 0x06 } },
    { 3, { 0x0f, 0x23, 0xf8 } }, { 3, { 0x0f, 0x21, 0xf8 } },
    { 3, { 0x0f, 0x23, 0xc0 } }, { 3, { 0x0f, 0x00, 0x00 } },
    { 3, { 0x0f, 0x02, 0xc0 } }, { 3, { 0x0f, 0x03, 0xc0 } },
    { 3, { 0x0f, 0x00, 0xe0 } }, { 3, { 0x0f, 0x00, 0xe8 } },
    { 3, { 0x0f, 0xb2, 0x20 } }, { 2, { 0xc4, 0x00 } }, { 2, { 0xc5, 0x00 } },
    { 2, { 0x8c, 0xd8 } }, { 2, { 0x0f, 0xaa } }, { 3, { 0x0f, 0x01, 0xf9 } },
    { 3, { 0x0f, 0xc7, 0xf0 } }, { 4, { 0xc8, 0x10, 0x00, 0x03 } },
    { 1, { 0xc9 } }, { 2, { 0x62, 0x00 } }, { 1, { 0x27 } }, { 1, { 0xd7 } },
    { 3, { 0x0f, 0x01, 0xc8 } }, { 2, { 0xf0, 0x90 } }, { 1, { 0x17 } },
    { 1, { 0x1f } }, { 2, { 0x0f, 0xa1 } }, { 2, { 0x0f, 0xa9 } },
    { 3, { 0x0f, 0x01, 0x00 } }, { 3, { 0x0f, 0x01, 0x08 } },
    { 3, { 0x0f, 0x01, 0xe0 } }, { 3, { 0x0f, 0x01, 0xf0 } },
    { 3, { 0x0f, 0xae, 0x38 } }, { 3, { 0x0f, 0x1f, 0x00 } },
    { 2, { 0xe2, 0xfe } }, { 2, { 0xeb, 0xfe } }, { 2, { 0xe3, 0x02 } },
    { 7, { 0xea, 0x00, 0xa0, 0x00, 0x00, 0x6b, 0x00 } },
    { 7, { 0x9a, 0x00, 0x00, 0x00, 0x00, 0x6b, 0x00 } },
    { 7, { 0xea, 0x10, 0x00, 0x01, 0x00, 0x18, 0x00 } },
    /* self-modifying code: 32-bit absolute, 64-bit RIP-relative (the
       next instruction's first byte), 16-bit through CS */
    { 7, { 0xc6, 0x05, 0x20, 0x00, 0x01, 0x00, 0xcc } },
    { 7, { 0xc6, 0x05, 0x00, 0x00, 0x00, 0x00, 0x90 } },
    { 7, { 0xc6, 0x05, 0x01, 0x00, 0x00, 0x00, 0xf4 } },
    { 6, { 0x2e, 0xc6, 0x06, 0x10, 0x00, 0xcc } },
    { 6, { 0x2e, 0xc7, 0x06, 0x08, 0x00, 0x90 } },
    { 6, { 0x89, 0x05, 0x0c, 0x00, 0x01, 0x00 } },
    { 5, { 0xea, 0x00, 0x00, 0x20, 0x00 } },
};

/* mov eax/ecx, imm32 with a value the system instructions care about. */
static const uint32_t gf_values[] = {
    0, 1, 0x11, 0x31, 0x33, 0x80000011, 0x80000001, 0x60000011, 0x80050033,
    0x08, 0x10, 0x18, 0x20, 0x28, 0x3b, 0x43, 0x48, 0x50, 0x60, 0x6b, 0x70,
    0x78, 0x7f, 0x0c, 0x1b, 0x10, 0x174, 0x175, 0x176, 0x277, 0x2ff, 0xfe,
    0xc0000080, 0xc0000081, 0xc0000082, 0xc0000084, 0xc0000100, 0xc0000101,
    0xc0000102, 0xc0000103, 0x6e0, 0x802, 0x808, 0x80b, 0x830, 0x838, 0x3a,
    0x20, 0xb0, 0x1000, 0x5000, 0x8000, 0x9000, 0x20000, 0xfee00000,
    0xfec00000, 0xffffffff, 0x400, 0x600, 0x6f0, 0x20 | 0x80000000,
};

static uint64_t gf_rand(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* The decoder's mode (16, 32, 64) of a chunk mode's code segment. */
static int gf_code_bits(GfMode mode)
{
    switch (mode) {
    case GF_REAL: case GF_PM16: case GF_V86: case GF_COMPAT16:
        return 16;
    case GF_LONG64: case GF_LONG64_USER:
        return 64;
    default:
        return 32;
    }
}

/* One random instruction the decoder accepts in that mode (length). */
static unsigned gf_gen_insn(uint64_t *rng, uint8_t *out, int bits)
{
    uint8_t b[16];
    X86Insn in;

    for (int t = 0; t < 16; t++) {
        int len;

        st64le(b, gf_rand(rng));
        st64le(b + 8, gf_rand(rng));
        len = x86_decode(&in, b, 15, bits);
        if (len > 0) {
            memcpy(out, b, (size_t)len);
            return (unsigned)len;
        }
    }
    return 0;
}

/*
 * Random code for a mode: whole instructions the decoder accepts, system
 * snippets, value loads and raw bytes, up to max bytes.
 */
static unsigned gf_gen_code(uint64_t *rng, uint8_t *code, unsigned max,
                            GfMode mode)
{
    unsigned len = 0, want = 1 + (unsigned)(gf_rand(rng) % max);

    while (len < want) {
        uint64_t r = gf_rand(rng);
        uint8_t tmp[16];
        unsigned n;

        if (r % 8 >= 5 && r % 8 < 7) {
            n = gf_gen_insn(rng, tmp, gf_code_bits(mode));
        } else if (r % 8 < 3) {
            unsigned k = (unsigned)((r >> 8) % ARRAY_SIZE(gf_snippets));
            n = gf_snippets[k].len;
            memcpy(tmp, gf_snippets[k].b, n);
        } else if (r % 8 < 5) {
            tmp[0] = (r >> 8) % 2 ? 0xb8 : 0xb9;
            st32le(tmp + 1, gf_values[(r >> 16) % ARRAY_SIZE(gf_values)]);
            n = 5;
        } else {
            n = 1 + (unsigned)((r >> 8) % 6);
            st64le(tmp, gf_rand(rng));
        }
        n = MIN(n, max - len);
        memcpy(code + len, tmp, n);
        len += n;
    }
    return len;
}

/* An input of nchunks generated chunks into buf; returns its length. */
static size_t gf_gen_input(uint64_t *rng, uint8_t *buf, size_t cap,
                           unsigned nchunks)
{
    size_t len = 0;

    for (unsigned i = 0; i < nchunks; i++) {
        uint64_t r = gf_rand(rng);
        uint8_t code[GF_CODE_MAX];
        unsigned n = gf_gen_code(rng, code, 48, (GfMode)(r % GF_NMODES));
        uint16_t given = (r >> 16) % 4 ? 0 :
                         (uint16_t)(r >> 32) & ~(1u << R_ESP);
        uint8_t flags = (uint8_t)((r >> 8) & 0xf7) |
                        ((r >> 56) % 16 ? 0 : 8);       /* TF: rarely */
        uint8_t hdr[4] = { (uint8_t)(r % GF_NMODES), flags, (uint8_t)given,
                           (uint8_t)(given >> 8) };
        if (len + sizeof(hdr) + 16 * 9 + 1 + n > cap) {
            break;
        }
        memcpy(buf + len, hdr, sizeof(hdr));
        len += sizeof(hdr);
        for (int k = 0; k < 16; k++) {
            if (given & (1u << k)) {
                uint64_t v = gf_rand(rng);
                uint8_t b = (uint8_t)v;
                buf[len++] = b;
                /* the value bytes the class reads */
                int extra = (b & 7) == 5 ? 2 : (b & 7) == 6 ? 4 :
                            (b & 7) == 7 ? 8 : 0;

                for (int j = 0; j < extra; j++) {
                    buf[len++] = (uint8_t)(v >> (8 + 8 * (j % 7)));
                }
            }
        }
        buf[len++] = (uint8_t)n;
        memcpy(buf + len, code, n);
        len += n;
    }
    return len;
}

#endif
