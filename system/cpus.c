/*
 * vCPU threads (see cpus.h).
 *
 * Parking protocol: a vCPU parks (waits on m->cond with m->lock held) when
 * m->pause_requested or m->stopping is set, or forever after an
 * unrecoverable error. While parked it counts in m->paused_cpus, so
 * cpus_pause() knows when no vCPU is inside vcpu_run. A halted vCPU waits
 * on the same condition variable for an interrupt, a request or a kick.
 * Before entering the guest a vCPU runs any deferred device work in
 * bounded steps (machine_run_work), so a long device job never holds the
 * machine lock for long and a request interrupts it.
 */
#include "system/cpus.h"
#include "system/gdbstub.h"

#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static bool cpu_has_work(VCPU *cpu)
{
    unsigned req = atomic_load(&cpu->interrupt_request);
    return (req & (CPU_INTERRUPT_NMI | CPU_INTERRUPT_INIT |
                   CPU_INTERRUPT_SIPI | CPU_INTERRUPT_EXIT)) ||
           ((req & CPU_INTERRUPT_HARD) && (cpu->env.rflags & RF_IF));
}

/* Called with m->lock held. Returns false when the thread should end. */
static bool vcpu_wait_runnable(VCPU *cpu, bool dead)
{
    Machine *m = cpu->machine;

    /*
     * A pending machine request (reset, exit) is acted on by the main
     * thread, which then pauses or stops us: wait for that instead of
     * re-entering the guest.
     */
    while (m->pause_requested || m->stopping || dead ||
           atomic_load(&m->requests)) {
        if (m->stopping) {
            return false;
        }
        m->paused_cpus++;
        pthread_cond_broadcast(&m->cond);
        pthread_cond_wait(&m->cond, &m->lock);
        m->paused_cpus--;
    }
    return true;
}

static void vcpu_wait_halted(VCPU *cpu)
{
    Machine *m = cpu->machine;

    pthread_mutex_lock(&m->lock);
    while (!cpu_has_work(cpu) && !atomic_load(&m->requests) &&
           !m->pause_requested && !m->stopping) {
        pthread_cond_wait(&m->cond, &m->lock);
    }
    pthread_mutex_unlock(&m->lock);
}

static void *vcpu_thread(void *opaque)
{
    VCPU *cpu = opaque;
    Machine *m = cpu->machine;
    bool dead = false;

    atomic_store(&cpu->host_tid, (int)syscall(SYS_gettid));

    for (;;) {
        VcpuExit r;

        pthread_mutex_lock(&m->lock);
        if (!vcpu_wait_runnable(cpu, dead)) {
            pthread_mutex_unlock(&m->lock);
            break;
        }
        pthread_mutex_unlock(&m->lock);
        /* a device's long job (fw_cfg DMA) ends before the guest runs on */
        if (!machine_run_work(m)) {
            continue;
        }

        atomic_store(&cpu->exit_request, false);
        atomic_fetch_and(&cpu->interrupt_request, ~(unsigned)CPU_INTERRUPT_EXIT);
        r = m->accel->vcpu_run(cpu);
        switch (r) {
        case VCPU_EXIT_NONE:
            break;
        case VCPU_EXIT_DEBUG:
            gdbstub_vcpu_stopped(cpu);
            break;
        case VCPU_EXIT_HALT:
            vcpu_wait_halted(cpu);
            break;
        case VCPU_EXIT_SHUTDOWN:
            log_mask(&m->log, LOG_INT, "vCPU %d: triple fault\n", cpu->index);
            if (m->cfg.no_reboot) {
                error_report("vCPU %d: triple fault; exiting because of "
                             "-no-reboot (-d int shows the exceptions)",
                             cpu->index);
            }
            machine_request_reset(m);
            break;
        case VCPU_EXIT_ERROR:
            machine_request_exit(m, 1);
            dead = true;
            break;
        }
    }
    return NULL;
}

int cpus_start(Machine *m, Error *err)
{
    for (int i = 0; i < m->ncpus; i++) {
        int r = pthread_create(&m->cpus[i]->thread, NULL, vcpu_thread,
                               m->cpus[i]);
        if (r) {
            return error_setg(err, "cannot start vCPU thread: %s", strerror(r));
        }
    }
    return 0;
}

void cpus_pause(Machine *m)
{
    pthread_mutex_lock(&m->lock);
    m->pause_requested = true;
    pthread_mutex_unlock(&m->lock);
    machine_kick_cpus(m);
    pthread_mutex_lock(&m->lock);
    while (m->paused_cpus < m->ncpus) {
        pthread_cond_wait(&m->cond, &m->lock);
    }
    pthread_mutex_unlock(&m->lock);
}

void cpus_resume(Machine *m)
{
    pthread_mutex_lock(&m->lock);
    m->pause_requested = false;
    pthread_cond_broadcast(&m->cond);
    pthread_mutex_unlock(&m->lock);
}

void cpus_stop(Machine *m)
{
    pthread_mutex_lock(&m->lock);
    m->stopping = true;
    pthread_cond_broadcast(&m->cond);
    pthread_mutex_unlock(&m->lock);
    machine_kick_cpus(m);
    for (int i = 0; i < m->ncpus; i++) {
        pthread_join(m->cpus[i]->thread, NULL);
    }
}
