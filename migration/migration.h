/*
 * Migration: moving a running machine to another Kite process (or a file)
 * and receiving one, with QEMU's commands and semantics.
 *
 * Outgoing (migrate URI): a migration thread sends the stream
 * (stream.h) while the guest runs. Pre-copy: every page of RAM, then
 * rounds of the pages the guest wrote meanwhile (dirty tracking: the
 * memory core's bitmaps, filled by the TCG's soft TLB or KVM's dirty log
 * through AccelOps.dirty_sync), until what is left would go in less
 * than downtime-limit at the bandwidth measured so far; auto-converge
 * throttles the vCPUs when the rounds do not shrink. Then stop and copy:
 * the vCPUs stop, block I/O in flight completes (virtio-blk's I/O
 * threads drain), the clock stops, the last pages and the machine state
 * go out. Over TCP the destination answers one byte once it loaded the
 * stream; a failure before that (the destination refused the stream,
 * died, or the connection broke) resumes the source. max-bandwidth
 * limits the rate. The thread takes the machine lock only for short
 * moments (pausing the vCPUs for a dirty sync, saving device state).
 *
 * Incoming (-incoming URI, or -incoming defer + migrate-incoming): the
 * machine is built as given on the command line and stays stopped; a
 * thread reads the stream; once all of it checked out and loaded, the
 * guest starts (unless -S). A bad stream is one clear `kite:` line and
 * exit status 1: the guest never runs.
 *
 * Status changes are MIGRATION events on QMP; query-migrate reports
 * status, times, downtime, bytes and the dirty rate.
 */
#ifndef KITE_MIGRATION_H
#define KITE_MIGRATION_H

#include <jansson.h>

#include "hw/pc/pc.h"
#include "migration/channel.h"

typedef enum MigStatus {
    MIG_NONE, MIG_SETUP, MIG_ACTIVE, MIG_DEVICE, MIG_COMPLETED, MIG_FAILED,
    MIG_CANCELLING, MIG_CANCELLED,
} MigStatus;

typedef struct MigParams {
    uint64_t max_bandwidth;      /* bytes per second, 0: unlimited */
    uint64_t downtime_limit_ms;
    bool auto_converge;
    uint32_t throttle_initial, throttle_increment;   /* percent */
    uint32_t max_rounds;         /* then stop and copy whatever is left */
} MigParams;

typedef struct MigrationState {
    Machine *m;
    MigParams params;
    pthread_mutex_t lock;        /* status, error and statistics */
    MigStatus status;
    char error[512];
    bool incoming;
    bool incoming_deferred;      /* -incoming defer: waits for the URI */
    bool autostart;              /* incoming: run the guest once loaded */
    pthread_t thread, throttle_thread;
    bool thread_started, throttle_started;
    MigChannel ch;
    atomic_bool cancel;
    atomic_uint throttle_pct;
    /* statistics (ms since the start unless said) */
    int64_t start_ns, setup_ms, total_ms, downtime_ms, expected_downtime_ms;
    uint64_t transferred, normal, zero, remaining_pages, dirty_rate, rounds;
    double mbps;
} MigrationState;

/* The machine's migration state (created on first use). */
MigrationState *migration_get(Machine *m);
/* Cancels a running migration and joins its threads (machine teardown). */
void migration_cleanup(Machine *m);

/* Starts an outgoing migration (lock held: monitor command). */
int migration_start(Machine *m, const char *uri, Error *err);
void migration_cancel(Machine *m);
/* -incoming URI ("defer": wait for migrate-incoming); before machine_run. */
int migration_incoming(Machine *m, const char *uri, Error *err);
/* migrate-incoming (lock held). */
int migration_incoming_uri(Machine *m, const char *uri, Error *err);

const char *migration_status_name(MigStatus s);
/*
 * QEMU's run state while the vCPUs are stopped for migration:
 * "inmigrate" (waiting for or loading a stream), "postmigrate" (sent);
 * NULL otherwise.
 */
const char *migration_run_state(Machine *m);
json_t *migration_query(Machine *m);
json_t *migration_query_params(Machine *m);
/* Sets one parameter by its QMP name; -1 with err on a bad name/value. */
int migration_set_param(Machine *m, const char *name, json_t *value,
                        Error *err);

/* Pauses/resumes the vCPUs without changing the run state (lock NOT held). */
void migration_pause_cpus(Machine *m);
void migration_resume_cpus(Machine *m);

/*
 * x-accel-switch: saves the machine state, replaces the accelerator
 * ("tcg", "tcg:native", "tcg:interp", "kvm") and resumes the same machine
 * under it. Lock NOT held.
 */
int migration_accel_switch(Machine *m, const char *accel, const char *backend,
                           Error *err);

/* Monitor commands (system/monitor-cmds.def). */
typedef struct Monitor Monitor;
typedef struct QmpError QmpError;
json_t *qmp_migrate(Monitor *mon, json_t *args, QmpError *e);
json_t *qmp_migrate_incoming(Monitor *mon, json_t *args, QmpError *e);
json_t *qmp_migrate_cancel(Monitor *mon, json_t *args, QmpError *e);
json_t *qmp_query_migrate(Monitor *mon, json_t *args, QmpError *e);
json_t *qmp_migrate_set_parameters(Monitor *mon, json_t *args, QmpError *e);
json_t *qmp_query_migrate_parameters(Monitor *mon, json_t *args, QmpError *e);
json_t *qmp_migrate_set_capabilities(Monitor *mon, json_t *args, QmpError *e);
json_t *qmp_x_accel_switch(Monitor *mon, json_t *args, QmpError *e);
void hmp_migrate(Monitor *mon, const char *args);
void hmp_migrate_set_parameter(Monitor *mon, const char *args);
void hmp_migrate_set_capability(Monitor *mon, const char *args);
void hmp_info_migrate(Monitor *mon, FILE *f);

/*
 * Internal snapshots (savevm.c), lock NOT held: the machine state in the
 * first writable qcow2 disk, a snapshot of every writable qcow2 disk.
 * loadvm with running false: before machine_run (-loadvm).
 */
int savevm(Machine *m, const char *name, Error *err);
int loadvm(Machine *m, const char *name, bool running, Error *err);
int delvm(Machine *m, const char *name, Error *err);
void hmp_savevm(Monitor *mon, const char *args);
void hmp_loadvm(Monitor *mon, const char *args);
void hmp_delvm(Monitor *mon, const char *args);
void hmp_info_snapshots(Monitor *mon, FILE *f);

#endif
