/*
 * The TCG exec loop of one vCPU: deliver a pending exception, take an
 * interrupt at a block boundary (INIT, SIPI, NMI, then maskable ones
 * through pc_cpu_get_interrupt() with RFLAGS.IF=1 and no interrupt
 * shadow), stop when kicked, halted or when the machine has a request,
 * else find the next TB (jump cache, then the hash table by physical pc,
 * else translate), chain the previous TB to it, and run it.
 *
 * Exceptions and exits from generated code come back through
 * siglongjmp(env->jmp_env) (accel/tcg/excp.c); everything the loop needs
 * after that lives in TCGVcpu, never in locals.
 *
 * Chaining rule: the previous TB's slot is patched to the next TB only
 * when the loop went straight from one to the other: the previous TB left
 * through that slot, the next TB starts exactly where the slot leads
 * (CS:RIP, cs_base, hflags as they were when it left) and nothing changed
 * the flow in between. Every event that moves the CPU elsewhere between
 * blocks (an interrupt, NMI, INIT, SIPI or exception delivered, a helper
 * leaving through siglongjmp, a halt, a single step, re-entry from the
 * vCPU thread) forgets the previous TB (exec_forget_last), and so does a
 * TLB flush (map_gen); otherwise the slot would be patched to, say, an
 * interrupt handler and later enter it with no interrupt. Both TBs must
 * also start in the same virtual page, so a change of mapping (which
 * flushes the TLB) can never be bypassed by a stale direct jump (a TB that
 * runs on into a second page is the exception: a TLB flush unchains the
 * jumps that lead to such TBs, see tlb_flush_jumps); self-modifying code
 * unchains through invalidation. A direct jump to another page looks the
 * target up (lookup_tb_ptr) instead of leaving generated code.
 *
 * The jump cache is keyed by linear pc and survives TLB flushes: a hit
 * counts only when the soft TLB maps the TB's pages where they were
 * translated (tb_mapped), so after a CR3 write the blocks of the kernel
 * and of the process switched to are found again without a hash lookup.
 *
 * A kick sets env->tb_exit_req; every TB tests it on entry and leaves
 * before its first instruction, so even a guest spinning in a loop of
 * chained TBs comes back to the loop at once, and no chain is undone.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "accel/tcg/tcg-internal.h"
#include "hw/intc/intc.h"

#define EXEC_CONTINUE ((VcpuExit)-1)

/* ---- logging ---- */

static FILE *exec_log_file(Log *log)
{
    return log->file ? log->file : stderr;
}

static void exec_log_in_asm(TCGVcpu *v, const TranslationBlock *tb)
{
    Log *log = &v->cpu->machine->log;
    int mode = (tb->flags & HF_CODE64) ? 64 : (tb->flags & HF_CS32) ? 32 : 16;
    FILE *f;

    if (!log_enabled(log, LOG_IN_ASM) || !v->disas_ok) {
        return;
    }
    pthread_mutex_lock(&log->lock);
    f = exec_log_file(log);
    fprintf(f, "----------------\nIN: (vCPU %d)\n", v->cpu->index);
    x86_disas_guest(&v->disas, f, v->gen.bytes, MIN(tb->size, TB_GEN_BYTES),
                    tb->pc, mode);
    fprintf(f, "\n");
    fflush(f);
    pthread_mutex_unlock(&log->lock);
}

static void exec_log_tb(TCGVcpu *v, const TranslationBlock *tb)
{
    Log *log = &v->cpu->machine->log;
    CPUX86TCG *env = v->env;

    if (log_enabled(log, LOG_CPU)) {
        X86CPUState st;
        x86_tcg_sync_to_arch(env);
        st = env->st;
        pthread_mutex_lock(&log->lock);
        x86_cpu_state_dump(&st, exec_log_file(log));
        pthread_mutex_unlock(&log->lock);
    }
    log_mask(log, LOG_EXEC, "Trace %d: %p [%016" PRIx64 "/%016" PRIx64
             "/%08x]\n", v->cpu->index, tb->code.code, tb->pc, tb->cs_base,
             tb->flags);
}

/* ---- translation ---- */

static uint64_t exec_tb_pc(const CPUX86TCG *env, uint64_t *cs_base)
{
    if (env->hflags & HF_CODE64) {
        *cs_base = 0;
        return env->st.rip;
    }
    *cs_base = env->st.segs[R_CS].base;
    return (uint32_t)(*cs_base + env->st.rip);
}

/* Sets the physical pages and byte ranges of a freshly translated TB. */
static void tb_set_pages(TCGVcpu *v, TranslationBlock *tb)
{
    uint64_t off = tb->pc & ~TCG_PAGE_MASK;
    uint64_t size = tb->size ? tb->size : 1;

    tb->page_addr[0] = v->gen.ppage[0];
    tb->phys_pc = v->gen.ppage[0] | off;
    tb->page_start[0] = tb->phys_pc;
    tb->page_end[0] = tb->page_addr[0] + MIN(TCG_PAGE_SIZE, off + size);
    if (off + size > TCG_PAGE_SIZE && v->gen.npages > 1) {
        tb->page_addr[1] = v->gen.ppage[1];
        tb->page_start[1] = tb->page_addr[1];
        tb->page_end[1] = tb->page_addr[1] + (off + size - TCG_PAGE_SIZE);
    }
}

/* Translates one TB; NULL (reported) if it cannot be done at all. */
static TranslationBlock *tb_gen_code(TCGVcpu *v, uint64_t pc, uint64_t cs_base,
                                     uint32_t flags, bool oneshot)
{
    unsigned max_insns = oneshot ? 1 : TCG_MAX_INSNS;
    bool flushed = false;

    for (;;) {
        TranslationBlock *tb = tb_reserve(v);
        X86TBDesc d;
        int r;

        if (!tb) {
            tb_flush(v);
            flushed = true;
            continue;
        }
        d = (X86TBDesc){ .tb = tb, .pc = pc, .cs_base = cs_base,
                         .flags = flags, .max_insns = max_insns };
        v->gen.active = true;
        v->gen.pc = pc;
        v->gen.npages = 0;
        x86_gen_tb(v->s, v->g, v->env, &d);
        v->gen.active = false;
        r = tcg_gen_code(v->s, &tb->code);
        if (r == -1 && !flushed) {
            tb_flush(v);
            flushed = true;
            continue;
        }
        if (r == -2 && max_insns > 1) {
            max_insns = d.icount > 2 ? d.icount / 2 : 1;
            continue;
        }
        if (r < 0 || v->gen.npages == 0) {
            error_report("tcg: cannot translate the code at %#" PRIx64
                         " (vCPU %d)", pc, v->cpu->index);
            return NULL;
        }
        tb->pc = pc;
        tb->cs_base = cs_base;
        tb->flags = flags;
        tb->size = d.size;
        tb->icount = d.icount;
        tb_set_pages(v, tb);
        tb_commit(v, tb);
        exec_log_in_asm(v, tb);
        if (oneshot) {
            tb->cflags = CF_ONESHOT;
            atomic_store(&tb->invalid, true);   /* never cached or chained */
        } else {
            tb_link(v, tb);
        }
        return tb;
    }
}

/* The second page of a cached TB must still map where it did. */
static bool tb_pages_match(TCGVcpu *v, const TranslationBlock *tb)
{
    uint64_t paddr;

    if (tb->page_addr[1] == TB_NO_PAGE) {
        return true;
    }
    if (tlb_code_phys(v, (tb->pc & TCG_PAGE_MASK) + TCG_PAGE_SIZE, false,
                      &paddr)) {
        return false;
    }
    return (paddr & TCG_PAGE_MASK) == tb->page_addr[1];
}

static bool tb_matches(const TranslationBlock *tb, uint64_t pc,
                       uint64_t cs_base, uint32_t flags)
{
    return tb && tb->pc == pc && tb->cs_base == cs_base && tb->flags == flags &&
           !atomic_load_explicit(&tb->invalid, memory_order_acquire);
}

/*
 * Whether tb's code pages are where the soft TLB maps tb->pc now, without
 * a page walk: the jump cache is keyed by linear address and survives TLB
 * flushes (a CR3 write), so each hit is checked here, once per TB between
 * two flushes (tb->mapped_gen).
 */
bool tb_mapped(TCGVcpu *v, TranslationBlock *tb)
{
    uint64_t ppage;

    if (tb->mapped_gen == v->map_gen) {
        return true;    /* checked since the last TLB flush */
    }
    if (!tlb_code_probe(v, tb->pc, &ppage) || ppage != tb->page_addr[0]) {
        return false;
    }
    if (tb->page_addr[1] != TB_NO_PAGE &&
        (!tlb_code_probe(v, (tb->pc & TCG_PAGE_MASK) + TCG_PAGE_SIZE,
                         &ppage) || ppage != tb->page_addr[1])) {
        return false;
    }
    tb->mapped_gen = v->map_gen;
    return true;
}

/* The jump cache's TB for (pc, cs_base, flags) if it is mapped now. */
static TranslationBlock *tb_jc_lookup(TCGVcpu *v, uint64_t pc,
                                      uint64_t cs_base, uint32_t flags)
{
    TranslationBlock *tb = tb_jc_get(v, pc);

    if (!tb_matches(tb, pc, cs_base, flags) || !tb_mapped(v, tb)) {
        return NULL;
    }
    tb_jc_set(v, tb);   /* generated code takes it again after a flush */
    return tb;
}

static TranslationBlock *tb_lookup(TCGVcpu *v, uint64_t pc, uint64_t cs_base,
                                   uint32_t flags)
{
    TranslationBlock *tb = tb_jc_lookup(v, pc, cs_base, flags);
    uint64_t phys;

    if (tb) {
        return tb;
    }
    tlb_code_phys(v, pc, true, &phys);
    tb = tb_htable_lookup(v, phys, pc, cs_base, flags);
    if (!tb || !tb_pages_match(v, tb)) {
        tb = tb_gen_code(v, pc, cs_base, flags, false);
        if (!tb) {
            return NULL;
        }
    }
    tb->mapped_gen = v->map_gen;    /* its pages were just looked up */
    tb_jc_set(v, tb);
    return tb;
}

/*
 * The lookup generated code can do itself: the jump cache, else the hash
 * table when the soft TLB already maps pc (no walk, no fault); NULL sends
 * it back to the loop.
 */
static TranslationBlock *tb_lookup_fast(TCGVcpu *v, uint64_t pc,
                                        uint64_t cs_base, uint32_t flags)
{
    TranslationBlock *tb = tb_jc_lookup(v, pc, cs_base, flags);
    uint64_t ppage;

    if (tb) {
        return tb;
    }
    if (!tlb_code_probe(v, pc, &ppage)) {
        return NULL;
    }
    tb = tb_htable_lookup(v, ppage | (pc & ~TCG_PAGE_MASK), pc, cs_base,
                          flags);
    if (!tb || !tb_mapped(v, tb)) {
        return NULL;
    }
    tb_jc_set(v, tb);
    return tb;
}

void *helper_lookup_tb_ptr(CPUX86TCG *env)
{
    TCGVcpu *v = tcg_vcpu(env);
    VCPU *cpu = v->cpu;
    unsigned req = atomic_load(&cpu->interrupt_request);
    uint64_t pc, cs_base;
    TranslationBlock *tb;

    if (atomic_load(&cpu->exit_request) || (req & ~CPU_INTERRUPT_HARD) ||
        ((req & CPU_INTERRUPT_HARD) && (env->st.rflags & RF_IF))) {
        return NULL;
    }
    if (v->log_tbs) {
        return NULL;    /* with logging on, let the loop log every TB */
    }
    pc = exec_tb_pc(env, &cs_base);
    tb = tb_lookup_fast(v, pc, cs_base, env->hflags);
    return tb ? (void *)tb->code.code : NULL;
}

/* ---- events ---- */

/* Control went somewhere the previous TB's slot does not lead: no chain. */
static void exec_forget_last(TCGVcpu *v)
{
    v->last_tb = NULL;
}

static VcpuExit exec_deliver_exception(TCGVcpu *v)
{
    CPUX86TCG *env = v->env;
    int vec = env->exception_index;

    if (vec < 0) {
        return EXEC_CONTINUE;
    }
    env->exception_index = -1;
    exec_forget_last(v);
    if (vec == EXCP_TRIPLE) {
        return VCPU_EXIT_SHUTDOWN;
    }
    if (vec == EXCP_DEBUG) {
        return VCPU_EXIT_DEBUG;     /* at a debugger's breakpoint */
    }
    log_mask(&v->cpu->machine->log, LOG_INT,
             "vCPU %d: exception %d error %#x at %04x:%016" PRIx64 "%s\n",
             v->cpu->index, vec, env->error_code, env->st.segs[R_CS].selector,
             env->st.rip, env->exception_is_int ? " (software)" : "");
    x86_do_interrupt(env, vec, env->exception_is_int, false, env->error_code,
                     env->exception_next_rip);
    env->exception_is_int = false;
    if (env->exception_index == EXCP_TRIPLE) {
        env->exception_index = -1;
        return VCPU_EXIT_SHUTDOWN;
    }
    if (v->cpu->singlestep && v->cpu->step_noirq) {
        /* the debugger's step ends at the handler's first instruction */
        v->cpu->debug_stop = DEBUG_STOP_STEP;
        return VCPU_EXIT_DEBUG;
    }
    return EXEC_CONTINUE;
}

static void exec_do_init(TCGVcpu *v)
{
    CPUX86TCG *env = v->env;
    Machine *m = v->cpu->machine;
    uint64_t apic_base = env->st.apic_base;
    APICState *apic;

    x86_cpu_state_reset(&env->st);
    env->st.apic_base = apic_base;
    x86_tcg_sync_from_arch(env);
    x86_update_hflags(env);
    x86_tlb_flush(env);
    pthread_mutex_lock(&m->lock);
    apic = apic_of_cpu(v->cpu);
    if (apic) {
        apic_init_reset(apic);
    }
    pthread_mutex_unlock(&m->lock);
    v->wait_sipi = true;
    env->st.halted = true;
}

static void exec_do_sipi(TCGVcpu *v)
{
    CPUX86TCG *env = v->env;
    Machine *m = v->cpu->machine;
    APICState *apic;
    unsigned vec = 0;

    pthread_mutex_lock(&m->lock);
    apic = apic_of_cpu(v->cpu);
    if (apic) {
        vec = apic_sipi_vector(apic);
    }
    pthread_mutex_unlock(&m->lock);
    env->st.segs[R_CS].selector = (uint16_t)(vec << 8);
    env->st.segs[R_CS].base = (uint64_t)vec << 12;
    env->st.rip = 0;
    env->st.halted = false;
    v->wait_sipi = false;
    x86_update_hflags(env);
}

static int exec_get_hw_vector(VCPU *cpu)
{
    Machine *m = cpu->machine;
    int vec;

    pthread_mutex_lock(&m->lock);
    vec = pc_cpu_get_interrupt(cpu);
    pthread_mutex_unlock(&m->lock);
    return vec;
}

static VcpuExit exec_handle_interrupts(TCGVcpu *v)
{
    VCPU *cpu = v->cpu;
    CPUX86TCG *env = v->env;
    unsigned req = atomic_load(&cpu->interrupt_request);
    bool shadow = env->hflags & HF_INHIBIT_IRQ;

    if (req & CPU_INTERRUPT_INIT) {
        atomic_fetch_and(&cpu->interrupt_request, ~(unsigned)CPU_INTERRUPT_INIT);
        exec_forget_last(v);
        exec_do_init(v);
    }
    if (req & CPU_INTERRUPT_SIPI) {
        atomic_fetch_and(&cpu->interrupt_request, ~(unsigned)CPU_INTERRUPT_SIPI);
        if (v->wait_sipi) {
            exec_forget_last(v);
            exec_do_sipi(v);
        }
    }
    if (v->wait_sipi) {
        return VCPU_EXIT_HALT;
    }
    if (v->inject_vector >= 0) {
        int vec = v->inject_vector;
        v->inject_vector = -1;
        env->st.halted = false;
        exec_forget_last(v);
        x86_do_interrupt(env, vec, false, true, 0, 0);
        return EXEC_CONTINUE;
    }
    if (v->oneshot_next || shadow || (cpu->singlestep && cpu->step_noirq)) {
        return EXEC_CONTINUE;   /* the debugger steps with interrupts held */
    }
    if (((req & CPU_INTERRUPT_NMI) || env->st.nmi_pending) &&
        !env->st.nmi_masked) {
        atomic_fetch_and(&cpu->interrupt_request, ~(unsigned)CPU_INTERRUPT_NMI);
        env->st.nmi_pending = false;
        env->st.nmi_masked = true;
        env->st.halted = false;
        log_mask(&cpu->machine->log, LOG_INT, "vCPU %d: NMI\n", cpu->index);
        exec_forget_last(v);
        x86_do_interrupt(env, EXCP_NMI, false, true, 0, 0);
        return EXEC_CONTINUE;
    }
    if ((req & CPU_INTERRUPT_HARD) && (env->st.rflags & RF_IF)) {
        int vec = exec_get_hw_vector(cpu);
        if (vec >= 0) {
            env->st.halted = false;
            log_mask(&cpu->machine->log, LOG_INT,
                     "vCPU %d: hardware interrupt %#x\n", cpu->index, vec);
            exec_forget_last(v);
            x86_do_interrupt(env, vec, false, true, 0, 0);
        }
    }
    return EXEC_CONTINUE;
}

/* Housekeeping before each TB: A20 changes, TLB flushes from elsewhere. */
static void exec_sync_machine(TCGVcpu *v)
{
    CPUX86TCG *env = v->env;
    Machine *m = v->cpu->machine;
    uint64_t mask = m->a20_enabled ? ~0ull : ~(1ull << 20);

    if (mask != env->a20_mask) {
        env->a20_mask = mask;
        x86_tlb_flush(env);
    }
    /* a plain load first: the locked exchange only when one is asked */
    if (atomic_load_explicit(&v->tlb_flush_pending, memory_order_relaxed) &&
        atomic_exchange(&v->tlb_flush_pending, false)) {
        x86_tlb_flush(env);
    }
}

/*
 * lookup_tb_ptr returns to the loop while a maskable interrupt is pending
 * and allowed; the inline jump-cache test of generated code does not look
 * at requests, so it is turned off (odd jc_gen) while the loop left one
 * pending with IF=1 (no vector yet); a new request kicks the vCPU.
 */
static void exec_sync_irq_hold(TCGVcpu *v)
{
    unsigned req = atomic_load(&v->cpu->interrupt_request);
    bool hold = (req & CPU_INTERRUPT_HARD) && (v->env->st.rflags & RF_IF);

    if (hold != v->irq_hold) {
        v->irq_hold = hold;
        tb_jc_update_gen(v);
    }
}

static bool exec_should_stop(TCGVcpu *v)
{
    VCPU *cpu = v->cpu;

    return atomic_load(&cpu->exit_request) ||
           (atomic_load(&cpu->interrupt_request) & CPU_INTERRUPT_EXIT) ||
           atomic_load(&cpu->machine->requests);
}

/* ---- the loop ---- */

/*
 * Runs tb; remembers the TB that left through a direct-jump slot and
 * where that slot leads, unless the mapping changed while it ran.
 * Returns true when tb itself left at its entry check (a kick) without
 * running an instruction.
 */
static bool exec_run_tb(TCGVcpu *v, TranslationBlock *tb)
{
    uint64_t map_gen = v->map_gen;
    uintptr_t ret;
    TranslationBlock *last;

    if (v->log_tbs) {
        exec_log_tb(v, tb);
    }
    ret = tcg_exec_tb(v->s, v->env, tb->code.code);
    last = (TranslationBlock *)(ret & ~(uintptr_t)TB_EXIT_MASK);
    exec_forget_last(v);
    if ((ret & TB_EXIT_MASK) == TB_EXIT_REQUESTED) {
        return last == tb;      /* left at its entry: nothing ran */
    }
    if (last && (ret & TB_EXIT_MASK) < 2 && v->map_gen == map_gen) {
        v->last_tb = last;
        v->last_exit = (int)(ret & TB_EXIT_MASK);
        v->last_pc = exec_tb_pc(v->env, &v->last_cs_base);
        v->last_flags = v->env->hflags;
        v->last_map_gen = map_gen;
    }
    return false;
}

/* Whether the loop went straight from the previous TB's slot to tb. */
static bool exec_can_chain(const TCGVcpu *v, const TranslationBlock *last,
                           const TranslationBlock *tb)
{
    return last && !((last->cflags | tb->cflags) & CF_ONESHOT) &&
           !((last->pc ^ tb->pc) & TCG_PAGE_MASK) &&
           tb->pc == v->last_pc && tb->cs_base == v->last_cs_base &&
           tb->flags == v->last_flags && v->map_gen == v->last_map_gen;
}

static void exec_chain(TCGVcpu *v, TranslationBlock *tb)
{
    TranslationBlock *last = v->last_tb;

    exec_forget_last(v);
    if (exec_can_chain(v, last, tb)) {
        tb_add_jump(v, last, v->last_exit, tb);
    }
}

static VcpuExit exec_step(TCGVcpu *v)
{
    VCPU *cpu = v->cpu;
    CPUX86TCG *env = v->env;
    bool smc_oneshot = v->oneshot_next;
    bool oneshot = smc_oneshot || cpu->singlestep;
    uint64_t pc, cs_base;
    TranslationBlock *tb;

    pc = exec_tb_pc(env, &cs_base);
    if (oneshot) {
        exec_forget_last(v);
        tb = tb_gen_code(v, pc, cs_base, env->hflags, true);
        v->oneshot_next = false;
        v->dbg.replay = v->dbg.replay_next;    /* a watchpoint's re-run */
        v->dbg.replay_next = false;
    } else {
        tb = tb_lookup(v, pc, cs_base, env->hflags);
    }
    if (!tb) {
        return VCPU_EXIT_ERROR;
    }
    exec_chain(v, tb);
    if (exec_run_tb(v, tb)) {
        v->oneshot_next = smc_oneshot;
        if (oneshot) {
            v->dbg.replay_next = v->dbg.replay;     /* not run yet */
            v->dbg.replay = false;
        }
        return EXEC_CONTINUE;   /* the one instruction is still to run */
    }
    if (oneshot) {
        v->dbg.replay = false;
    }
    if (cpu->singlestep && !v->dbg.pending) {
        cpu->debug_stop = DEBUG_STOP_STEP;
        return VCPU_EXIT_DEBUG;
    }
    return EXEC_CONTINUE;
}

VcpuExit tcg_cpu_exec(VCPU *cpu)
{
    TCGVcpu *v = cpu->accel;
    CPUX86TCG *env = v->env;
    VcpuExit r;

    v->log_tbs = log_enabled(&cpu->machine->log, LOG_EXEC | LOG_CPU);
    tb_jc_update_gen(v);    /* logging: no inline jump-cache hits */
    /* between two calls the state may have been set from outside */
    exec_forget_last(v);
    tcg_debug_sync(v);
    if (sigsetjmp(env->jmp_env, 0)) {
        v->gen.active = false;
        exec_forget_last(v);
        tcg_debug_replay_abort(v);
    }
    for (;;) {
        /* before the requests are read: a kick after this is seen */
        atomic_store(&env->tb_exit_req, 0);
        exec_sync_machine(v);
        if (unlikely(v->dbg.pending) && tcg_debug_deliver(v)) {
            return VCPU_EXIT_DEBUG;     /* after a debugger's watchpoint */
        }
        r = exec_deliver_exception(v);
        if (r != EXEC_CONTINUE) {
            return r;
        }
        r = exec_handle_interrupts(v);
        if (r != EXEC_CONTINUE) {
            return r;
        }
        exec_sync_irq_hold(v);
        if (exec_should_stop(v)) {
            return VCPU_EXIT_NONE;
        }
        if (env->st.halted) {
            exec_forget_last(v);
            return VCPU_EXIT_HALT;
        }
        r = exec_step(v);
        if (r != EXEC_CONTINUE) {
            return r;
        }
    }
}
