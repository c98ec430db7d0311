/*
 * Differential tester: runs a case on a Kite accelerator (KVM now, TCG
 * with either backend as soon as accel_find("tcg") returns it), through
 * AccelOps only: set_state, vcpu_run until the guest stops, get_state.
 *
 * The guest mirrors the host runner's process: the snippet runs at CPL 3
 * with the same selectors Linux gives a process (64-bit: CS 0x33, SS
 * 0x2b; 32-bit: CS 0x23, SS/DS/ES 0x2b), CR0.AM set (so AC works as in
 * user space), and paging maps DT_CODE and DT_SCRATCH at the host's
 * virtual addresses (user pages); nothing else is user-accessible. Each
 * exception vector has a ring-0 stub that executes HLT; the vector is
 * found from where the guest halted and the faulting RIP, RFLAGS and RSP
 * from the exception frame on the ring-0 stack (SDM Vol. 3, 6.12 and
 * 6.14). The terminator UD2 at the end of the snippet gives #UD at a
 * known address, which means "ran to the end". CR0.NE is set and CR4 has
 * OSFXSR and OSXMMEXCPT, as Linux runs processes: x87 errors raise #MF,
 * unmasked SIMD exceptions #XM. The x87/MMX/SSE state goes in and out
 * through X86CPUState (DtFpu: FXSAVE fields; the full tag word is made
 * from the abridged one and the register contents).
 *
 * 16-bit code runs like 32-bit code (32-bit paging, 32-bit IDT and TSS)
 * but in the host runner's 16-bit LDT segments (dt-proto.h): an LDT at
 * G_LDT holds a 16-bit code segment based at DT_CODE and a 16-bit data
 * segment based at DT_SCRATCH (DS, ES, SS), with the host's selectors.
 * RIP is reported linear (CS base + IP), as the host runner does.
 *
 * Guest physical layout (RAM 16 MiB):
 *   0x1000 PML4  0x2000 PDPT  0x3000 PD  0x4000 PT (4-level paging)
 *   0x5000 GDT   0x6000 TSS64 0x7000 IDT64  0x8000 stubs  ..0xf000 stack
 *   0x10000 PD32 0x11000 PT32 0x12000 IDT32 0x13000 TSS32 (32-bit paging)
 *   0x14000 LDT (16-bit segments)
 *   0x100000 + 4 KiB * slot: code pages   0x200000: scratch pages
 * Under engines other than KVM the code page rotates through CODE_SLOTS
 * physical pages and the engine is rebuilt every CODE_SLOTS runs, so a
 * translator never sees stale code at a physical address it has
 * translated before without relying on self-modifying-code detection of
 * host-side writes (set_state reloads CR3, which flushes a soft TLB).
 * KVM keeps one code page: rewriting it is coherent, while changing the
 * PTE would need a guest TLB flush that set_state does not promise.
 */
#include <stdlib.h>
#include <string.h>

#include "accel/accel.h"
#include "hw/pc/pc.h"
#include "tests/difftest/dt.h"

#define RAM_SIZE    (16 * MiB)
#define G_PML4      0x1000
#define G_PDPT      0x2000
#define G_PD        0x3000
#define G_PT        0x4000
#define G_GDT       0x5000
#define G_TSS64     0x6000
#define G_IDT64     0x7000
#define G_STUBS     0x8000
#define G_KSTACK    0xf000
#define G_PD32      0x10000
#define G_PT32      0x11000
#define G_IDT32     0x12000
#define G_TSS32     0x13000
#define G_LDT       0x14000
#define G_CODE      0x100000
#define G_SCRATCH   0x200000
#define CODE_SLOTS  64
#define STUB_SIZE   16
#define NVEC        32

#define SEL_KCODE64 0x08
#define SEL_KDATA   0x10
#define SEL_KCODE32 0x18
#define SEL_UCODE32 0x23
#define SEL_UDATA   0x2b
#define SEL_UCODE64 0x33
#define SEL_TSS64   0x40
#define SEL_TSS32   0x50
#define SEL_LDT     0x58
#define GDT_ENTRIES 12

struct DtEngine {
    Machine m;
    VCPU cpu;
    const AccelOps *ops;
    char accel[16], backend[16], name[32];
    bool live;
    unsigned runs;
    uint32_t code_len;
};

static uint8_t *ram(DtEngine *e)
{
    return e->m.ram.host;
}

/* ---- guest tables ---- */

static uint64_t gdt_entry(uint32_t base, uint32_t limit, uint32_t attr)
{
    return (limit & 0xffffull) | ((uint64_t)(base & 0xffffff) << 16) |
           ((uint64_t)(attr & 0xf0ff) << 40) |
           ((uint64_t)((limit >> 16) & 0xf) << 48) |
           ((uint64_t)(base >> 24) << 56);
}

static void build_tables(DtEngine *e)
{
    uint8_t *r = ram(e);
    uint64_t *gdt = (uint64_t *)(r + G_GDT);

    memset(r, 0, 0x20000);
    /* 4-level paging: 2 MiB identity page for the kernel, a PT for DT_* */
    st64le(r + G_PML4, G_PDPT | 7);
    st64le(r + G_PDPT, G_PD | 7);
    st64le(r + G_PD, 0x83);
    st64le(r + G_PD + 8 * (DT_CODE >> 21), G_PT | 7);
    /* 32-bit paging: 4 MiB identity page for the kernel, a PT for DT_* */
    st32le(r + G_PD32, 0x83);
    st32le(r + G_PD32 + 4 * (DT_CODE >> 22), G_PT32 | 7);
    for (uint32_t i = 0; i < DT_SCRATCH_SIZE / 0x1000; i++) {
        uint32_t va = DT_SCRATCH + i * 0x1000, pa = G_SCRATCH + i * 0x1000;
        st64le(r + G_PT + 8 * ((va >> 12) & 511), pa | 7);
        st32le(r + G_PT32 + 4 * ((va >> 12) & 1023), pa | 7);
    }
    gdt[0] = 0;
    gdt[1] = gdt_entry(0, 0xfffff, 0xa09b);     /* kernel code64 */
    gdt[2] = gdt_entry(0, 0xfffff, 0xc093);     /* kernel data */
    gdt[3] = gdt_entry(0, 0xfffff, 0xc09b);     /* kernel code32 */
    gdt[4] = gdt_entry(0, 0xfffff, 0xc0fb);     /* user code32 */
    gdt[5] = gdt_entry(0, 0xfffff, 0xc0f3);     /* user data */
    gdt[6] = gdt_entry(0, 0xfffff, 0xa0fb);     /* user code64 */
    gdt[8] = gdt_entry(G_TSS64, 0x67, 0x0089);  /* TSS64 (high half 0) */
    gdt[9] = 0;
    gdt[10] = gdt_entry(G_TSS32, 0x67, 0x0089); /* TSS32 */
    gdt[11] = gdt_entry(G_LDT, 15, 0x0082);     /* LDT: two entries */
    st64le(r + G_LDT + (DT_SEG16_CODE_SEL & ~7),
           gdt_entry(DT_SEG16_CODE_BASE, DT_SEG16_LIMIT, 0x00fb));
    st64le(r + G_LDT + (DT_SEG16_DATA_SEL & ~7),
           gdt_entry(DT_SEG16_DATA_BASE, DT_SEG16_LIMIT, 0x00f3));
    st64le(r + G_TSS64 + 4, G_KSTACK);
    st32le(r + G_TSS32 + 4, G_KSTACK);
    st32le(r + G_TSS32 + 8, SEL_KDATA);
    for (int v = 0; v < NVEC; v++) {
        uint32_t stub = G_STUBS + v * STUB_SIZE;
        uint32_t dpl = (v == EXCP_BP || v == EXCP_OF) ? 3 : 0;
        uint64_t lo = (stub & 0xffff) | ((uint64_t)stub >> 16 << 48);
        r[stub] = 0xf4;                         /* hlt */
        r[stub + 1] = 0xeb;                     /* jmp back to it */
        r[stub + 2] = 0xfd;
        st64le(r + G_IDT64 + 16 * v, lo | ((uint64_t)SEL_KCODE64 << 16) |
               ((uint64_t)(0x8e | dpl << 5) << 40));
        st64le(r + G_IDT32 + 8 * v, lo | ((uint64_t)SEL_KCODE32 << 16) |
               ((uint64_t)(0x8e | dpl << 5) << 40));
    }
}

static void set_code_page(DtEngine *e, uint32_t pa)
{
    st64le(ram(e) + G_PT + 8 * ((DT_CODE >> 12) & 511), pa | 7);
    st32le(ram(e) + G_PT32 + 4 * ((DT_CODE >> 12) & 1023), pa | 7);
}

/* ---- CPU state ---- */

static void set_user_segs(X86CPUState *env, int mode)
{
    uint32_t data = SEG_P | SEG_S | SEG_W | SEG_A | SEG_DB | SEG_G |
                    (3u << SEG_DPL_SHIFT);
    uint32_t code = SEG_P | SEG_S | SEG_CODE | SEG_R | SEG_A | SEG_G |
                    (3u << SEG_DPL_SHIFT);

    if (mode == 16) {
        /* the 16-bit LDT segments: byte-granular, D/B clear */
        code &= ~SEG_G;
        data &= ~(SEG_G | SEG_DB);
        x86_seg_set(&env->segs[R_CS], DT_SEG16_CODE_SEL, DT_SEG16_CODE_BASE,
                    DT_SEG16_LIMIT, code);
        for (int i = 0; i < 6; i++) {
            if (i != R_CS) {
                x86_seg_set(&env->segs[i], DT_SEG16_DATA_SEL,
                            DT_SEG16_DATA_BASE, DT_SEG16_LIMIT, data);
            }
        }
        return;
    }
    if (mode == 64) {
        x86_seg_set(&env->segs[R_CS], SEL_UCODE64, 0, 0xffffffff, code | SEG_L);
    } else {
        x86_seg_set(&env->segs[R_CS], SEL_UCODE32, 0, 0xffffffff, code | SEG_DB);
    }
    for (int i = 0; i < 6; i++) {
        if (i != R_CS) {
            x86_seg_set(&env->segs[i], SEL_UDATA, 0, 0xffffffff, data);
        }
    }
}

/* The full tag of a physical register in use (SDM Vol. 1, 8.1.7). */
static unsigned fp_tag(const FloatX80 *r)
{
    unsigned exp = r->exp & 0x7fff;

    if (exp == 0x7fff) {
        return 2;
    }
    if (exp == 0) {
        return r->mant ? 2 : 1;
    }
    return r->mant >> 63 ? 0 : 2;
}

static void set_fpu_state(X86CPUState *env, const DtFpu *f)
{
    unsigned top = (f->fsw >> 11) & 7;

    env->fcw = f->fcw;
    env->fsw = f->fsw;
    env->mxcsr = f->mxcsr;
    env->fop = 0;
    env->fip = env->fdp = 0;
    env->fcs = env->fds = 0;
    for (int i = 0; i < 8; i++) {
        FloatX80 *r = &env->fpregs[(top + i) & 7];
        r->mant = ld64le(f->st[i]);
        r->exp = ld16le(f->st[i] + 8);
    }
    env->ftw = 0;
    for (int i = 0; i < 8; i++) {
        unsigned tag = (f->ftw >> i) & 1 ? fp_tag(&env->fpregs[i]) : 3;
        env->ftw |= (uint16_t)(tag << (2 * i));
    }
    for (int i = 0; i < 16; i++) {
        memcpy(env->xmm[i].b, f->xmm[i], 16);
    }
}

static void get_fpu_state(const X86CPUState *env, DtFpu *f)
{
    unsigned top = (env->fsw >> 11) & 7;

    dt_fpu_default(f);
    f->fcw = env->fcw;
    f->fsw = env->fsw;
    f->mxcsr = env->mxcsr;
    f->ftw = 0;
    for (int i = 0; i < 8; i++) {
        const FloatX80 *r = &env->fpregs[(top + i) & 7];
        st64le(f->st[i], r->mant);
        st16le(f->st[i] + 8, r->exp);
        if (((env->ftw >> (2 * i)) & 3) != 3) {
            f->ftw |= (uint8_t)(1u << i);
        }
    }
    for (int i = 0; i < 16; i++) {
        memcpy(f->xmm[i], env->xmm[i].b, 16);
    }
}

static void set_cpu_state(DtEngine *e, const DtCase *c)
{
    X86CPUState *env = &e->cpu.env;
    int mode = c->seq.mode;

    x86_cpu_state_reset(env);
    env->cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_AM | CR0_PG;
    if (mode == 64) {
        env->cr4 = CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT;
        env->cr3 = G_PML4;
        env->efer = EFER_LME | EFER_LMA;
        x86_seg_set(&env->tr, SEL_TSS64, G_TSS64, 0x67,
                    SEG_P | (11u << SEG_TYPE_SHIFT));
        env->idt.base = G_IDT64;
        env->idt.limit = 16 * NVEC - 1;
    } else {
        env->cr4 = CR4_PSE | CR4_OSFXSR | CR4_OSXMMEXCPT;
        env->cr3 = G_PD32;
        env->efer = 0;
        x86_seg_set(&env->tr, SEL_TSS32, G_TSS32, 0x67,
                    SEG_P | (11u << SEG_TYPE_SHIFT));
        env->idt.base = G_IDT32;
        env->idt.limit = 8 * NVEC - 1;
    }
    set_user_segs(env, mode);
    if (mode == 16) {
        x86_seg_set(&env->ldt, SEL_LDT, G_LDT, 15,
                    SEG_P | (2u << SEG_TYPE_SHIFT));
    } else {
        x86_seg_set(&env->ldt, 0, 0, 0, 0);
    }
    env->gdt.base = G_GDT;
    env->gdt.limit = GDT_ENTRIES * 8 - 1;
    for (int r = 0; r < 16; r++) {
        env->regs[r] = mode == 64 ? c->regs[r] : (r < 8 ? (uint32_t)c->regs[r] : 0);
    }
    env->rip = mode == 16 ? DT_CODE - DT_SEG16_CODE_BASE : DT_CODE;
    env->rflags = c->rflags | RF_FIXED;
    set_fpu_state(env, &c->fpu);
}

/* ---- engine life cycle ---- */

static int engine_start(DtEngine *e, char *why, size_t whylen)
{
    Error err = { { 0 } };

    memset(&e->m, 0, sizeof(e->m));
    memset(&e->cpu, 0, sizeof(e->cpu));
    pthread_mutex_init(&e->m.lock, NULL);
    log_init(&e->m.log);
    timerlist_init(&e->m.timers);
    e->m.cfg.smp = 1;
    e->m.cfg.kernel_irqchip = 0;
    e->m.cfg.accel = e->accel;
    e->m.cfg.tcg_backend = *e->backend ? e->backend : NULL;
    if (machine_init_memory(&e->m, RAM_SIZE, &err) < 0) {
        snprintf(why, whylen, "%s", err.msg);
        return -1;
    }
    if (e->ops->init(&e->m, &err) < 0) {
        snprintf(why, whylen, "%s", err.msg);
        machine_destroy_memory(&e->m);
        return -1;
    }
    e->m.accel = e->ops;
    e->cpu.index = 0;
    e->cpu.machine = &e->m;
    e->cpu.thread = pthread_self();
    if (e->ops->vcpu_init(&e->cpu, &err) < 0) {
        snprintf(why, whylen, "%s", err.msg);
        e->ops->destroy(&e->m);
        machine_destroy_memory(&e->m);
        return -1;
    }
    e->m.cpus[0] = &e->cpu;
    e->m.ncpus = 1;
    build_tables(e);
    e->live = true;
    return 0;
}

static void engine_stop(DtEngine *e)
{
    if (!e->live) {
        return;
    }
    e->ops->vcpu_destroy(&e->cpu);
    e->ops->destroy(&e->m);
    machine_destroy_memory(&e->m);
    pthread_mutex_destroy(&e->m.lock);
    e->live = false;
}

DtEngine *dt_engine_new(const char *accel, const char *backend, char *why,
                        size_t whylen)
{
    const AccelOps *ops = accel_find(accel);
    Error err = { { 0 } };
    DtEngine *e;

    if (!ops) {
        snprintf(why, whylen, "not available (accelerator \"%s\" is not "
                 "built into this Kite)", accel);
        return NULL;
    }
    if (ops->probe && ops->probe(&err) < 0) {
        snprintf(why, whylen, "not available (%s)", err.msg);
        return NULL;
    }
    e = xzalloc(sizeof(*e));
    e->ops = ops;
    snprintf(e->accel, sizeof(e->accel), "%s", accel);
    snprintf(e->backend, sizeof(e->backend), "%s", backend ? backend : "");
    snprintf(e->name, sizeof(e->name), "%s%s%s", accel, backend ? "-" : "",
             backend ? backend : "");
    if (engine_start(e, why, whylen) < 0) {
        free(e);
        return NULL;
    }
    return e;
}

void dt_engine_free(DtEngine *e)
{
    if (e) {
        engine_stop(e);
        free(e);
    }
}

const char *dt_engine_name(const DtEngine *e)
{
    return e->name;
}

/* ---- a run ---- */

static bool vec_has_error_code(int v)
{
    return v == EXCP_DF || (v >= EXCP_TS && v <= EXCP_PF) || v == EXCP_AC ||
           v == 21;
}

static void read_frame(DtEngine *e, const DtCase *c, int vec, DtResult *r)
{
    X86CPUState *env = &e->cpu.env;
    uint64_t sp = env->regs[R_ESP];
    unsigned w = c->seq.mode == 64 ? 8 : 4;
    uint8_t *p;

    if (sp < 0x9000 || sp + 5 * w > G_KSTACK) {
        r->vector = DT_VEC_ERROR;
        snprintf(r->msg, sizeof(r->msg), "exception frame out of place");
        return;
    }
    p = ram(e) + sp;
    if (vec_has_error_code(vec)) {
        r->error_code = ld32le(p);
        p += w;
    }
    r->rip = w == 8 ? ld64le(p) : ld32le(p);
    r->rflags = w == 8 ? ld64le(p + 2 * w) : ld32le(p + 2 * w);
    r->regs[R_ESP] = w == 8 ? ld64le(p + 3 * w) : ld32le(p + 3 * w);
}

int dt_engine_load(DtEngine *e, const DtCase *c, DtResult *r)
{
    DtRequest rq;
    uint32_t slot_pa;
    char err[128];

    memset(r, 0, sizeof(*r));
    r->magic = DT_MAGIC;
    if (strcmp(e->accel, "kvm") && e->runs && e->runs % CODE_SLOTS == 0) {
        engine_stop(e);
        if (engine_start(e, err, sizeof(err)) < 0) {
            r->vector = DT_VEC_ERROR;
            snprintf(r->msg, sizeof(r->msg), "restart: %.50s", err);
            return -1;
        }
    }
    if (!e->live) {
        r->vector = DT_VEC_ERROR;
        snprintf(r->msg, sizeof(r->msg), "engine not running");
        return -1;
    }
    dt_case_request(c, &rq);
    /* KVM: one page (a changed PTE would need a guest TLB flush) */
    slot_pa = G_CODE;
    if (strcmp(e->accel, "kvm")) {
        slot_pa += 0x1000 * (e->runs % CODE_SLOTS);
    }
    e->runs++;
    e->code_len = rq.code_len;
    memset(ram(e) + slot_pa, 0xcc, 0x1000);
    memcpy(ram(e) + slot_pa, rq.code, rq.code_len);
    ram(e)[slot_pa + rq.code_len] = 0x0f;
    ram(e)[slot_pa + rq.code_len + 1] = 0x0b;
    set_code_page(e, slot_pa);
    dt_fill_scratch(ram(e) + G_SCRATCH, c->mem_seed, c->fill);

    set_cpu_state(e, c);
    if (e->ops->set_state(&e->cpu) < 0) {
        r->vector = DT_VEC_ERROR;
        snprintf(r->msg, sizeof(r->msg), "set_state failed");
        return -1;
    }
    return 0;
}

VCPU *dt_engine_vcpu(DtEngine *e)
{
    return &e->cpu;
}

const AccelOps *dt_engine_ops(DtEngine *e)
{
    return e->ops;
}

bool dt_engine_in_stub(DtEngine *e, uint64_t rip)
{
    (void)e;
    return rip >= G_STUBS && rip < G_STUBS + NVEC * STUB_SIZE;
}

void dt_engine_collect(DtEngine *e, const DtCase *c, VcpuExit why, DtResult *r)
{
    X86CPUState *env = &e->cpu.env;

    memcpy(r->regs, env->regs, sizeof(r->regs));
    r->rip = env->rip;
    r->rflags = env->rflags;
    get_fpu_state(env, &r->fpu);
    memcpy(r->mem, ram(e) + G_SCRATCH, DT_SCRATCH_SIZE);
    if (why != VCPU_EXIT_HALT || env->rip < G_STUBS + 1 ||
        env->rip >= G_STUBS + NVEC * STUB_SIZE ||
        (env->rip - G_STUBS) % STUB_SIZE != 1) {
        r->vector = DT_VEC_ERROR;
        snprintf(r->msg, sizeof(r->msg), "guest stopped: exit %d at %#llx",
                 (int)why, (unsigned long long)env->rip);
        return;
    }
    r->vector = (int)((env->rip - G_STUBS) / STUB_SIZE);
    read_frame(e, c, r->vector, r);
    if (c->seq.mode == 16 && r->vector != DT_VEC_ERROR) {
        r->rip += DT_SEG16_CODE_BASE;   /* the frame holds IP */
    }
    if (c->seq.mode != 64) {
        for (int i = 8; i < 16; i++) {
            r->regs[i] = 0;
        }
    }
    if (r->vector == EXCP_UD && r->rip == DT_CODE + e->code_len) {
        r->vector = DT_VEC_NONE;
    }
}

void dt_engine_run(DtEngine *e, const DtCase *c, DtResult *r)
{
    VcpuExit why = VCPU_EXIT_NONE;

    if (dt_engine_load(e, c, r) < 0) {
        return;
    }
    for (int i = 0; i < 100 && why == VCPU_EXIT_NONE; i++) {
        why = e->ops->vcpu_run(&e->cpu);
    }
    if (e->ops->get_state(&e->cpu) < 0) {
        r->vector = DT_VEC_ERROR;
        snprintf(r->msg, sizeof(r->msg), "get_state failed");
        return;
    }
    dt_engine_collect(e, c, why, r);
}
