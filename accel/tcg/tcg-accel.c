/*
 * The "tcg" accelerator (accel/accel.h): runs guest code through Kite's
 * own translator on any host. Per machine it keeps the code-page table
 * (TCGMachine); per vCPU a CPUX86TCG (the env generated code sees), a
 * TCGContext with its code buffer, the translator's globals and the TB
 * store (TCGVcpu).
 *
 * Backends: MachineConfig.tcg_backend "native" selects tcg/x86_64 on an
 * x86-64 host, else the interpreter with a one-time note; "interp" forces
 * the interpreter.
 *
 * The interrupt controllers are the userspace models of hw/intc; the
 * exec loop asks them for vectors (pc_cpu_get_interrupt).
 *
 * Guest memory written from outside the CPU (loaders, DMA: the memory
 * core's one write API) reaches the TBs through the `written` listener
 * registered here, which invalidates the translations on those bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "accel/tcg/tcg-internal.h"
#include "cpu/x86/sys-helper.h"
#include "tcg/backend.h"
#include "tcg/x86_64/backend-x86_64.h"


static int tcg_probe(Error *err)
{
    return 0;
}

static void tcg_flush_all_tlbs(TCGMachine *tm)
{
    pthread_mutex_lock(&tm->lock);
    for (int i = 0; i < tm->nvcpus; i++) {
        atomic_store(&tm->vcpus[i]->tlb_flush_pending, true);
    }
    pthread_mutex_unlock(&tm->lock);
}

static void tcg_memory_changed(void *opaque, AddressSpace *as)
{
    tcg_flush_all_tlbs(opaque);
}

/*
 * A write fill of the soft TLB marks its page dirty (softmmu.c), so the
 * bitmaps already hold every page written through an entry filled since
 * the last flush: flushing makes the next write to any page fill again.
 * The vCPUs are paused and flush before they run again, so the flush
 * takes effect after migration took the bitmaps.
 */
static void tcg_dirty_sync(Machine *m)
{
    tcg_flush_all_tlbs(m->accel_state);
}

/* Guest RAM written from outside the CPU (memory.h): drop its code. */
static void tcg_memory_written(void *opaque, AddressSpace *as, uint64_t addr,
                               uint64_t len)
{
    tb_invalidate_phys_range(opaque, addr, len, NULL, NULL);
}

static int tcg_init(Machine *m, Error *err)
{
    TCGMachine *tm = xzalloc(sizeof(*tm));

    tb_machine_init(tm, m);
    m->accel_state = tm;
    address_space_add_listener(&m->mem, (MemoryListener){
        .changed = tcg_memory_changed, .written = tcg_memory_written,
        .opaque = tm });
    return 0;
}

static void tcg_destroy(Machine *m)
{
    TCGMachine *tm = m->accel_state;

    if (!tm) {
        return;
    }
    address_space_remove_listener(&m->mem, tm);
    tb_machine_destroy(tm);
    free(tm);
    m->accel_state = NULL;
}

static const TCGBackend *tcg_pick_backend(Machine *m)
{
    TCGMachine *tm = m->accel_state;
    const char *want = m->cfg.tcg_backend ? m->cfg.tcg_backend : "native";

    if (!strcmp(want, "interp")) {
        return &tcg_backend_tci;
    }
#if defined(__x86_64__)
    return &tcg_backend_x86_64;
#endif
    if (!atomic_exchange(&tm->native_note, true)) {
        error_report("note: the native TCG backend is not available in this "
                     "build; using the interpreter");
    }
    return &tcg_backend_tci;
}

static void tcg_vcpu_free(TCGVcpu *v)
{
    if (v->g) {
        x86_tcg_free_globals(v->g);
    }
    tb_vcpu_destroy(v);
    tcg_context_free(v->s);
    if (v->disas_ok) {
        x86_disas_destroy(&v->disas);
    }
    free(v->env);
    free(v);
}

static int tcg_vcpu_init(VCPU *cpu, Error *err)
{
    Machine *m = cpu->machine;
    TCGMachine *tm = m->accel_state;
    TCGVcpu *v = xzalloc(sizeof(*v));
    CPUX86TCG *env = xzalloc(sizeof(*env));
    TCGContextConfig cfg = {
        .backend = tcg_pick_backend(m),
        .tlb_offset = offsetof(CPUX86TCG, tlb),
        .runtime = tcg_x86_runtime,
        .jc = { .table_offset = offsetof(CPUX86TCG, jmp_cache),
                .key_offset = offsetof(CPUX86TCG, hflags) },
        .log = &m->log,
    };

    env->cpu = cpu;
    env->machine = m;
    env->tcg = v;
    env->exception_index = -1;
    env->a20_mask = m->a20_enabled ? ~0ull : ~(1ull << 20);
    env->st = cpu->env;
    v->cpu = cpu;
    v->env = env;
    v->wait_sipi = cpu->index != 0;
    v->inject_vector = -1;
    tb_vcpu_init(v, tm, tm->max_tbs);
    tcg_tlb_flush(&env->tlb);
    v->s = tcg_context_new(&cfg, err);
    if (!v->s) {
        tcg_vcpu_free(v);
        return -1;
    }
    v->g = x86_tcg_init_globals(v->s);
    v->disas_ok = x86_disas_init(&v->disas) == 0;
    cpu->accel = v;
    return 0;
}

static void tcg_vcpu_destroy(VCPU *cpu)
{
    TCGVcpu *v = cpu->accel;

    if (v) {
        tcg_vcpu_free(v);
        cpu->accel = NULL;
    }
}

static void tcg_vcpu_kick(VCPU *cpu)
{
    TCGVcpu *v = cpu->accel;

    atomic_store(&cpu->exit_request, true);
    if (v) {
        atomic_store(&v->env->tb_exit_req, 1);  /* after the request */
    }
}

static int tcg_get_state(VCPU *cpu)
{
    TCGVcpu *v = cpu->accel;
    CPUX86TCG *env = v->env;

    x86_tcg_sync_to_arch(env);
    if (!(env->hflags & HF_INHIBIT_IRQ)) {
        env->st.interrupt_shadow = 0;
    }
    cpu->env = env->st;
    /* the TSC as the guest reads it now: what KVM is given (MSR) */
    cpu->env.tsc = x86_get_tsc(env);
    cpu->env.interrupt_vector = v->inject_vector;
    cpu->env.exception_vector = env->exception_index >= 0 &&
                                env->exception_index < 32 ?
                                env->exception_index : -1;
    cpu->env.exception_error_code = env->error_code;
    cpu->env.exception_has_error_code = cpu->env.exception_vector >= 0;
    if (v->wait_sipi) {
        cpu->env.halted = true;
    }
    return 0;
}

static int tcg_set_state(VCPU *cpu)
{
    TCGVcpu *v = cpu->accel;
    CPUX86TCG *env = v->env;

    env->st = cpu->env;
    /*
     * Events another accelerator (KVM) held: an exception to deliver and
     * an acknowledged interrupt to inject, before the next instruction.
     */
    v->inject_vector = cpu->env.interrupt_vector;
    if (cpu->env.exception_vector >= 0) {
        env->exception_index = cpu->env.exception_vector;
        env->error_code = cpu->env.exception_has_error_code ?
                          cpu->env.exception_error_code : 0;
        env->exception_is_int = false;
    }
    env->st.interrupt_vector = env->st.exception_vector = -1;
    x86_tcg_sync_from_arch(env);
    x86_update_hflags(env);
    x86_tlb_flush(env);
    atomic_store(&cpu->debug_dirty, true);     /* DR0-DR7 may have changed */
    return 0;
}

/*
 * The vCPU thread decides whether a halted vCPU has work from cpu->env
 * (cpus.c: a hard interrupt counts only with RFLAGS.IF set), so a HLT
 * publishes the live IF there; otherwise "sti; hlt" would sleep forever
 * on the IF of the last get_state.
 */
static VcpuExit tcg_vcpu_run(VCPU *cpu)
{
    TCGVcpu *v = cpu->accel;
    VcpuExit r = tcg_cpu_exec(cpu);

    if (r == VCPU_EXIT_HALT) {
        cpu->env.rflags = (cpu->env.rflags & ~(uint64_t)RF_IF) |
                          (v->env->st.rflags & RF_IF);
    }
    return r;
}

static bool tcg_has_irqchip(Machine *m)
{
    return false;
}

const AccelOps accel_tcg_ops = {
    .name = "tcg",
    .probe = tcg_probe,
    .init = tcg_init,
    .destroy = tcg_destroy,
    .vcpu_init = tcg_vcpu_init,
    .vcpu_destroy = tcg_vcpu_destroy,
    .vcpu_run = tcg_vcpu_run,
    .vcpu_kick = tcg_vcpu_kick,
    .get_state = tcg_get_state,
    .set_state = tcg_set_state,
    .set_irq = NULL,
    .has_irqchip = tcg_has_irqchip,
    .dirty_sync = tcg_dirty_sync,
};
