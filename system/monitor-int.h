/*
 * Inside the monitor: the Monitor object, the command table shared by QMP
 * and the human monitor, and the helpers both use.
 */
#ifndef KITE_MONITOR_INT_H
#define KITE_MONITOR_INT_H

#include "hw/pc/pc.h"
#include "system/monitor.h"

struct Monitor {
    Machine *m;
    Chardev own;                 /* the backend, unless it is shared */
    Chardev *chr;
    bool qmp;
    bool mux;                    /* shares COM1's backend (mon:stdio) */
    bool tty;                    /* a raw terminal: Kite echoes input */
    bool negotiated;             /* QMP: qmp_capabilities done */
    char *line;                  /* MONITOR_LINE_MAX bytes */
    size_t len;
    bool overlong;               /* dropping the rest of a too-long line */
    FILE *capture;               /* human-monitor-command's output */
    uint64_t dropped;            /* QMP messages the client did not take */
};

/* A QMP error: the class QEMU gives and a description. */
typedef struct QmpError {
    const char *cls;
    char desc[256];
} QmpError;

json_t *qmp_error(QmpError *e, const char *cls, const char *fmt, ...)
    PRINTF_FMT(3, 4);

typedef json_t *(*QmpHandler)(Monitor *mon, json_t *args, QmpError *e);
typedef void (*HmpHandler)(Monitor *mon, const char *args);

/*
 * One command. args: the QMP arguments as "name:T" with T s (string),
 * i (integer), b (boolean) or a (array), "?" after T when optional,
 * separated by commas. hmp_name NULL: QMP only; qmp NULL: human only.
 * A human command without its own handler calls the QMP one.
 */
typedef struct MonitorCmd {
    const char *name;
    const char *hmp_name;
    const char *args;
    QmpHandler qmp;
    HmpHandler hmp;
    const char *help;
} MonitorCmd;

extern const MonitorCmd monitor_cmds[];
extern const size_t monitor_ncmds;
const MonitorCmd *monitor_find_qmp(const char *name);
const MonitorCmd *monitor_find_hmp(const char *name);

/* Output to the client (or to human-monitor-command's capture). */
void monitor_printf(Monitor *mon, const char *fmt, ...) PRINTF_FMT(2, 3);
void monitor_write(Monitor *mon, const char *buf, size_t len);
/* The human monitor's line handler and prompt. */
void hmp_handle_line(Monitor *mon, const char *line);
void hmp_prompt(Monitor *mon);
/* Runs a human command with its output returned (malloc'd). */
char *hmp_run_captured(Monitor *mon, const char *line);
/* The QMP line handler and greeting. */
void qmp_handle_line(Monitor *mon, const char *line);
void qmp_greet(Monitor *mon);

/* The block commands (monitor-block.c). */
json_t *qmp_query_block(Monitor *mon, json_t *args, QmpError *e);
json_t *qmp_eject(Monitor *mon, json_t *args, QmpError *e);
json_t *qmp_blockdev_change_medium(Monitor *mon, json_t *args, QmpError *e);
void hmp_eject(Monitor *mon, const char *args);
void hmp_change(Monitor *mon, const char *args);
void hmp_info_block(Monitor *mon, FILE *f);
/* info network (monitor-net.c). */
void hmp_info_network(Monitor *mon, FILE *f);

/* The state of vCPU 0 brought up to date (lock held); NULL if none. */
X86CPUState *monitor_cpu_state(Machine *m);

#endif
