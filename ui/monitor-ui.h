/* The monitor's display and input commands (ui/monitor-ui.c). */
#ifndef KITE_UI_MONITOR_UI_H
#define KITE_UI_MONITOR_UI_H

#include "system/monitor-int.h"

json_t *qmp_screendump(Monitor *mon, json_t *args, QmpError *e);
void hmp_screendump(Monitor *mon, const char *args);
json_t *qmp_send_key(Monitor *mon, json_t *args, QmpError *e);
void hmp_sendkey(Monitor *mon, const char *args);

#endif
