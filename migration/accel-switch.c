/*
 * x-accel-switch: the same machine, inside one process, moves from one
 * accelerator to another (TCG native <-> TCG interpreter, TCG <-> KVM).
 *
 * The vCPUs stop; their state and every device go into a machine state
 * record (stream.h), the same one migration sends; the vCPU threads end
 * and the old accelerator is torn down (its vCPUs, its memory listener);
 * the new one is set up, its vCPUs created, the record loaded back, and
 * the threads start again. Guest RAM stays where it is. If the new
 * accelerator cannot start, the old one is set up again and the guest
 * goes on under it.
 *
 * Devices never change: moving into KVM keeps Kite's own interrupt
 * controllers (kernel-irqchip=off), and a machine that runs on KVM's
 * in-kernel irqchip cannot move to the TCG, whose state Kite does not
 * hold (refused).
 */
#include "migration/migration.h"

#include <string.h>

#include "migration/stream.h"
#include "system/cpus.h"

typedef struct AccelChoice {
    const AccelOps *ops;
    const char *backend;         /* TCG only */
} AccelChoice;

static void accel_teardown(Machine *m)
{
    for (int i = 0; i < m->ncpus; i++) {
        if (m->accel->vcpu_destroy) {
            m->accel->vcpu_destroy(m->cpus[i]);
        }
    }
    if (m->accel->destroy) {
        m->accel->destroy(m);
    }
}

/* Sets up ops and its vCPUs, then loads the state; -1 if any step fails. */
static int accel_bringup(Machine *m, const AccelChoice *c, SaveBuf *state,
                         Error *err)
{
    SaveBuf in;

    m->cfg.accel = c->ops->name;
    if (c->backend) {
        m->cfg.tcg_backend = c->backend;
    }
    m->cfg.kernel_irqchip = 0;
    if (c->ops->probe(err) < 0 || c->ops->init(m, err) < 0) {
        return -1;
    }
    m->accel = c->ops;
    for (int i = 0; i < m->ncpus; i++) {
        if (c->ops->vcpu_init(m->cpus[i], err) < 0) {
            for (int j = 0; j < i; j++) {
                c->ops->vcpu_destroy(m->cpus[j]);
            }
            c->ops->destroy(m);
            return -1;
        }
    }
    savebuf_init_read(&in, state->data, state->len);
    pthread_mutex_lock(&m->lock);
    int r = mig_state_load(m, &in, err);
    pthread_mutex_unlock(&m->lock);
    if (r < 0) {
        accel_teardown(m);
    }
    return r;
}

static int accel_parse(const char *accel, const char *backend,
                       AccelChoice *c, Error *err)
{
    c->ops = accel_find(accel);
    c->backend = NULL;
    if (!c->ops) {
        return error_setg(err, "unknown accelerator '%s' (kvm or tcg)", accel);
    }
    if (backend && strcmp(accel, "tcg")) {
        return error_setg(err, "'backend' is for the tcg accelerator");
    }
    if (backend && strcmp(backend, "native") && strcmp(backend, "interp")) {
        return error_setg(err, "unknown TCG backend '%s' (native or interp)",
                          backend);
    }
    if (!strcmp(accel, "tcg")) {
        c->backend = backend ? backend : "native";
    }
    return 0;
}

/* Stops the vCPU threads with the state taken and saved (lock NOT held). */
static void accel_freeze(Machine *m, SaveBuf *state, bool *was_running)
{
    machine_lock(m);
    *was_running = !m->vm_stopped;
    m->vm_stopped = m->pause_requested = true;
    machine_kick_cpus(m);
    while (m->paused_cpus < m->ncpus && !m->stopping) {
        pthread_cond_wait(&m->cond, &m->lock);
    }
    clock_pause(&m->timers);       /* the TSCs read now stay exact */
    for (int i = 0; i < m->ncpus; i++) {
        m->accel->get_state(m->cpus[i]);
    }
    savebuf_init(state);
    mig_state_save(m, state);
    pthread_mutex_unlock(&m->lock);
    cpus_stop(m);
    machine_lock(m);
    m->stopping = false;
    pthread_mutex_unlock(&m->lock);
}

static void accel_thaw(Machine *m, bool was_running)
{
    Error err = { "" };

    if (cpus_start(m, &err) < 0) {
        error_report("%s", err.msg);
        machine_request_exit(m, 1);
        return;
    }
    machine_lock(m);
    clock_resume(&m->timers);
    if (was_running) {
        m->vm_stopped = m->pause_requested = false;
        pthread_cond_broadcast(&m->cond);
    }
    pthread_mutex_unlock(&m->lock);
}

int migration_accel_switch(Machine *m, const char *accel, const char *backend,
                           Error *err)
{
    AccelChoice want, old = { m->accel, m->cfg.tcg_backend };
    MigrationState *s = migration_get(m);
    SaveBuf state;
    bool was_running;
    int ret;

    if (accel_parse(accel, backend, &want, err) < 0) {
        return -1;
    }
    if (s->status == MIG_SETUP || s->status == MIG_ACTIVE ||
        s->status == MIG_DEVICE || (s->incoming && s->status != MIG_COMPLETED)) {
        return error_setg(err, "a migration is in progress");
    }
    if (m->accel->has_irqchip && m->accel->has_irqchip(m)) {
        return error_setg(err, "this machine uses KVM's in-kernel interrupt "
                          "controllers, whose state Kite does not hold: "
                          "start with -machine kernel-irqchip=off");
    }
    if (want.ops->probe(err) < 0) {
        return -1;
    }
    accel_freeze(m, &state, &was_running);
    accel_teardown(m);
    ret = accel_bringup(m, &want, &state, err);
    if (ret < 0) {
        Error again = { "" };
        if (accel_bringup(m, &old, &state, &again) < 0) {
            error_report("cannot go back to the %s accelerator: %s",
                         old.ops->name, again.msg);
            savebuf_free(&state);
            machine_request_exit(m, 1);
            return -1;
        }
    }
    savebuf_free(&state);
    accel_thaw(m, was_running);
    return ret;
}
