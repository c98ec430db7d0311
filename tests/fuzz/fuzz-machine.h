/*
 * A bare machine with one TCG vCPU for fuzzers and unit tests: memory and
 * the PC layout (machine_init_memory), a manual virtual clock so that the
 * TSC and timers are the same on every run, no devices, and the "tcg"
 * accelerator with the backend asked for ("native" or "interp"). The
 * caller writes guest RAM, fills cpu.env, calls ops->set_state and runs
 * ops->vcpu_run, as the difftest engines (tests/difftest/dt-kite.c) do.
 *
 * Guest RAM is moved, before anything uses it, into a mapping with an
 * inaccessible guard on both sides, so that a host access just outside
 * it faults at once even without the sanitizers (heap redzones do not
 * cover RAM, which is mmap'd). Only its host address changes: regions
 * and flat views refer to the MemoryRegion, not to the pointer.
 */
#ifndef KITE_FUZZ_MACHINE_H
#define KITE_FUZZ_MACHINE_H

#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "accel/accel.h"
#include "hw/pc/pc.h"

#define FUZZ_MACHINE_CLOCK_NS 1000000000ll
#define FUZZ_MACHINE_GUARD    (1 * MiB)


/* Guest RAM between two guard mappings (fuzz_ram_guard). */
typedef struct FuzzGuard {
    uint8_t *base;         /* guard, RAM, guard */
    size_t len;
} FuzzGuard;

typedef struct FuzzMachine {
    Machine m;
    VCPU cpu;
    const AccelOps *ops;
    char backend[16];
    bool live;
    FuzzGuard guard;
} FuzzMachine;

/*
 * Moves m's fresh (all-zero) RAM between two guard mappings; call right
 * after machine_init_memory, and fuzz_ram_unguard before
 * machine_destroy_memory. Without a mapping it leaves RAM where it was.
 */
static inline void fuzz_ram_guard(Machine *m, FuzzGuard *g)
{
    size_t ram = ALIGN_UP(m->ram.size, 4096);
    size_t len = ram + 2 * FUZZ_MACHINE_GUARD;
    uint8_t *p = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
                      -1, 0);

    g->base = NULL;
    if (p == MAP_FAILED) {
        return;
    }
    if (mprotect(p + FUZZ_MACHINE_GUARD, ram, PROT_READ | PROT_WRITE) < 0) {
        munmap(p, len);
        return;
    }
    munmap(m->ram.host, ram);
    m->ram.host = p + FUZZ_MACHINE_GUARD;
    g->base = p;
    g->len = len;
}

static inline void fuzz_ram_unguard(Machine *m, FuzzGuard *g)
{
    if (g->base) {
        munmap(g->base, g->len);
        m->ram.host = NULL;         /* memory_region_destroy: nothing left */
        g->base = NULL;
    }
}

/* 0, or -1 with the reason in why. */
static inline int fuzz_machine_start(FuzzMachine *f, uint64_t ram,
                                     const char *backend, char *why,
                                     size_t whylen)
{
    Error err = { "" };

    memset(f, 0, sizeof(*f));
    snprintf(f->backend, sizeof(f->backend), "%s", backend);
    f->ops = accel_find("tcg");
    if (!f->ops) {
        snprintf(why, whylen, "the tcg accelerator is not built in");
        return -1;
    }
    pthread_mutex_init(&f->m.lock, NULL);
    pthread_cond_init(&f->m.cond, NULL);
    log_init(&f->m.log);
    timerlist_init(&f->m.timers);
    clock_set_manual(&f->m.timers, FUZZ_MACHINE_CLOCK_NS);
    f->m.signal_fd = -1;
    f->m.cfg.smp = 1;
    f->m.cfg.kernel_irqchip = 0;
    f->m.cfg.accel = "tcg";
    f->m.cfg.tcg_backend = f->backend;
    if (machine_init_memory(&f->m, ram, &err) < 0) {
        snprintf(why, whylen, "%s", err.msg);
        return -1;
    }
    fuzz_ram_guard(&f->m, &f->guard);
    if (f->ops->init(&f->m, &err) < 0) {
        snprintf(why, whylen, "%s", err.msg);
        return -1;
    }
    f->m.accel = f->ops;
    f->cpu.machine = &f->m;
    f->cpu.thread = pthread_self();
    x86_cpu_state_reset(&f->cpu.env);
    if (f->ops->vcpu_init(&f->cpu, &err) < 0) {
        snprintf(why, whylen, "%s", err.msg);
        f->ops->destroy(&f->m);
        return -1;
    }
    f->m.cpus[0] = &f->cpu;
    f->m.ncpus = 1;
    f->live = true;
    return 0;
}

static inline void fuzz_machine_stop(FuzzMachine *f)
{
    if (f->live) {
        f->ops->vcpu_destroy(&f->cpu);
        f->ops->destroy(&f->m);
        f->live = false;
    }
    fuzz_ram_unguard(&f->m, &f->guard);
    machine_destroy_memory(&f->m);
    log_close(&f->m.log);
    pthread_cond_destroy(&f->m.cond);
    pthread_mutex_destroy(&f->m.lock);
}

#endif
