/*
 * Machine basics shared by the full machine and the unit tests: guest RAM
 * and the PC memory layout (see pc.h), the port space, the requests
 * (reset, exit) that devices make of the machine, and deferred device
 * work.
 *
 * Rule enforced here: no long work under the machine lock. A device's
 * long job runs as bounded steps (machine_run_work), each under the lock,
 * with the lock given up between steps and handed over (condition
 * variable) to a main loop waiting in machine_lock, and it stops at once
 * for a request, a pause or a stop, so a stop request takes effect within
 * one step.
 */
#include "hw/pc/pc.h"

#include <string.h>

int machine_init_memory(Machine *m, uint64_t ram_size, Error *err)
{
    if (ram_size < PC_MIN_RAM) {
        return error_setg(err, "RAM size %llu bytes is too small (at least %llu MiB)",
                          (unsigned long long)ram_size,
                          (unsigned long long)(PC_MIN_RAM / MiB));
    }
    if (ram_size > PC_MAX_RAM) {
        return error_setg(err, "RAM size %llu MiB is too large (at most %llu GiB)",
                          (unsigned long long)(ram_size / MiB),
                          (unsigned long long)(PC_MAX_RAM / GiB));
    }
    if (ram_size & 0xfff) {
        return error_setg(err, "RAM size must be a multiple of 4 KiB");
    }
    m->ram_size = ram_size;
    m->below_4g = MIN(ram_size, PC_LOWMEM_LIMIT);
    m->above_4g = ram_size - m->below_4g;
    m->a20_enabled = true;

    address_space_init(&m->mem, "memory", 1ull << 52);
    address_space_init(&m->io, "I/O", 0x10000);
    memory_region_init_ram(&m->ram, "pc.ram", ram_size);

    address_space_map_region(&m->mem, 0, &m->ram, 0, MIN(m->below_4g, 0xa0000),
                             PRIO_RAM);
    if (m->below_4g > 0xc0000) {
        /* RAM under the option ROM / BIOS area, for firmware shadowing. */
        address_space_map_region(&m->mem, 0xc0000, &m->ram, 0xc0000,
                                 MIN(m->below_4g, 0x100000) - 0xc0000, PRIO_RAM);
    }
    if (m->below_4g > 0x100000) {
        address_space_map_region(&m->mem, 0x100000, &m->ram, 0x100000,
                                 m->below_4g - 0x100000, PRIO_RAM);
    }
    if (m->above_4g) {
        address_space_map_region(&m->mem, 4 * GiB, &m->ram, m->below_4g,
                                 m->above_4g, PRIO_RAM);
    }
    pc_build_e820(m);
    return 0;
}

void machine_destroy_memory(Machine *m)
{
    address_space_destroy(&m->mem);
    address_space_destroy(&m->io);
    memory_region_destroy(&m->ram);
    memory_region_destroy(&m->bios);
}

int machine_map_ports(Machine *m, uint16_t base, MemoryRegion *mr)
{
    return address_space_map_region(&m->io, base, mr, 0, mr->size, PRIO_IO);
}

void machine_kick_cpus(Machine *m)
{
    for (int i = 0; i < m->ncpus; i++) {
        VCPU *cpu = m->cpus[i];
        atomic_fetch_or(&cpu->interrupt_request, CPU_INTERRUPT_EXIT);
        atomic_store(&cpu->exit_request, true);
        if (m->accel && m->accel->vcpu_kick) {
            m->accel->vcpu_kick(cpu);
        }
    }
    pthread_cond_broadcast(&m->cond);
    if (m->loop.wake_fd > 0) {
        main_loop_wake(&m->loop);
    }
}

/* ---- deferred device work ---- */

void machine_defer_work(Machine *m, MachineWorkStep step, void *opaque)
{
    m->work_step = step;
    m->work_opaque = opaque;
    machine_kick_cpus(m);       /* the vCPU returns to its loop to run it */
}

void machine_cancel_work(Machine *m, void *opaque)
{
    if (m->work_step && m->work_opaque == opaque) {
        m->work_step = NULL;
        m->work_opaque = NULL;
    }
}

static bool machine_work_interrupted(Machine *m)
{
    return m->stopping || m->pause_requested || atomic_load(&m->requests);
}

/*
 * With the lock held: while a main-loop thread waits for the lock, give it
 * up (machine_lock wakes us once it has it), so that a step finishing and
 * the next one starting cannot keep it from the lock.
 */
static void machine_let_main_loop_in(Machine *m)
{
    while (atomic_load(&m->lock_waiters) && !machine_work_interrupted(m)) {
        pthread_cond_wait(&m->cond, &m->lock);
    }
}

bool machine_run_work(Machine *m)
{
    for (;;) {
        bool pending, stop;

        pthread_mutex_lock(&m->lock);
        machine_let_main_loop_in(m);
        pending = m->work_step != NULL;
        stop = machine_work_interrupted(m);
        if (pending && !stop && m->work_step(m->work_opaque)) {
            m->work_step = NULL;
            m->work_opaque = NULL;
            pending = false;
        }
        pthread_mutex_unlock(&m->lock);
        if (!pending || stop) {
            return !pending;
        }
    }
}

void machine_lock(Machine *m)
{
    atomic_fetch_add(&m->lock_waiters, 1);
    pthread_mutex_lock(&m->lock);
    atomic_fetch_sub(&m->lock_waiters, 1);
    pthread_cond_broadcast(&m->cond);   /* deferred work may go on after us */
}

void machine_request_reset(Machine *m)
{
    if (m->cfg.no_reboot) {
        machine_request_exit(m, 0);   /* -no-reboot: a reset ends the run */
        return;
    }
    atomic_fetch_or(&m->requests, MACHINE_REQ_RESET);
    machine_kick_cpus(m);
}

void machine_request_exit(Machine *m, int status)
{
    if (!(atomic_load(&m->requests) & MACHINE_REQ_EXIT)) {
        m->exit_status = status;
    }
    atomic_fetch_or(&m->requests, MACHINE_REQ_EXIT);
    machine_kick_cpus(m);
}
