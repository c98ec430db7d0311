/*
 * QMP and the human monitor. Each -qmp or -monitor option opens one
 * character backend (a unix or tcp server socket, or stdio) watched by the
 * main loop; `-serial mon:stdio` shares COM1's backend, and Ctrl-A c moves
 * the terminal's input between the guest and the monitor. Input is read in
 * lines of at most MONITOR_LINE_MAX bytes and every command runs in the
 * main loop with the machine lock held. Output goes through the backend's
 * bounded buffer, so a client that stops reading never stalls the machine.
 *
 * Both monitors dispatch through one command table (monitor-cmds.def);
 * QMP speaks JSON through jansson.
 */
#ifndef KITE_MONITOR_H
#define KITE_MONITOR_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

#include "system/util.h"

#define MONITOR_MAX       8
#define MONITOR_LINE_MAX  (64 * 1024)

typedef struct Machine Machine;
typedef struct Monitor Monitor;

/* Opens a -qmp (qmp true) or -monitor backend from its spec. */
int monitor_open(Machine *m, const char *spec, bool qmp, Error *err);
/* -serial mon:stdio: the human monitor shares COM1's backend. */
int monitor_open_mux(Machine *m, Error *err);
/* Watches every monitor in the main loop; greets connected clients. */
void monitor_attach_all(Machine *m);
/* Flushes what is pending (bounded wait) and closes every monitor. */
void monitor_close_all(Machine *m);

/* Sends an event with a timestamp to every QMP client (lock held). */
void monitor_event(Machine *m, const char *name, json_t *data);
/* The machine reset (guest true: the guest asked for it). */
void monitor_reset_event(Machine *m);
/* The run ends: SHUTDOWN, from the guest or the host (lock held). */
void monitor_shutdown_event(Machine *m);

/* Stop and start the vCPUs (lock held; stop waits until they park). */
void vm_stop_locked(Machine *m);
void vm_start_locked(Machine *m);

#endif
