/*
 * vCPU threads: one per vCPU, each looping on the accelerator's vcpu_run
 * and acting on why it returned (halt, shutdown, error). The main thread
 * can pause all vCPUs (for reset, and later snapshots and the monitor)
 * and stop them.
 */
#ifndef KITE_CPUS_H
#define KITE_CPUS_H

#include "hw/pc/pc.h"

int cpus_start(Machine *m, Error *err);
/* Blocks until every vCPU is parked outside vcpu_run. Lock NOT held. */
void cpus_pause(Machine *m);
void cpus_resume(Machine *m);
/* Stops and joins every vCPU thread. */
void cpus_stop(Machine *m);

#endif
