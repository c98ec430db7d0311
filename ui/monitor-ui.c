/*
 * The display and input commands of the monitor: screendump (QMP and
 * human) and send-key / sendkey. Listed in system/monitor-cmds.def.
 */
#include "system/monitor-int.h"

#include <string.h>

#include "ui/console.h"
#include "ui/input.h"
#include "ui/monitor-ui.h"

#define SENDKEY_MAX  16

static int monitor_screendump(Monitor *mon, const char *file,
                              const char *format, QmpError *e)
{
    Console *con = console_get(mon->m, 0);
    Error err = { "" };

    if (!con) {
        qmp_error(e, "GenericError", "this machine has no display device");
        return -1;
    }
    if (console_screendump(con, file, format, &err) < 0) {
        qmp_error(e, "GenericError", "%s", err.msg);
        return -1;
    }
    return 0;
}

json_t *qmp_screendump(Monitor *mon, json_t *args, QmpError *e)
{
    const char *file = json_string_value(json_object_get(args, "filename"));
    const char *format = json_string_value(json_object_get(args, "format"));
    const char *device = json_string_value(json_object_get(args, "device"));
    json_t *head = json_object_get(args, "head");

    if (device && (!console_get(mon->m, 0) ||
                   strcmp(device, console_name(console_get(mon->m, 0))))) {
        return qmp_error(e, "DeviceNotFound", "no display device '%s'",
                         device);
    }
    if (head && json_integer_value(head) != 0) {
        return qmp_error(e, "GenericError", "the display has one head (0)");
    }
    if (monitor_screendump(mon, file, format, e) < 0) {
        return NULL;
    }
    return json_object();
}

/* screendump [-f png|ppm] FILENAME */
void hmp_screendump(Monitor *mon, const char *args)
{
    char format[8] = "", file[4096];
    QmpError e = { NULL, "" };
    int n = 0;

    if (sscanf(args, "-f %7s %n", format, &n) == 1) {
        args += n;
    }
    if (sscanf(args, "%4095s", file) != 1) {
        monitor_printf(mon, "usage: screendump [-f png|ppm] FILENAME\n");
        return;
    }
    if (monitor_screendump(mon, file, *format ? format : NULL, &e) < 0) {
        monitor_printf(mon, "Error: %s\n", e.desc);
    }
}

/* Presses the keys in order and releases them in reverse. */
static void monitor_send_keys(Machine *m, const unsigned *keys, int n)
{
    for (int i = 0; i < n; i++) {
        input_key(m, keys[i], true);
    }
    for (int i = n - 1; i >= 0; i--) {
        input_key(m, keys[i], false);
    }
}

static unsigned qmp_key_value(json_t *kv)
{
    const char *type = json_string_value(json_object_get(kv, "type"));
    json_t *data = json_object_get(kv, "data");

    if (type && !strcmp(type, "qcode") && json_is_string(data)) {
        return keymap_from_name(json_string_value(data));
    }
    if (type && !strcmp(type, "number") && json_is_integer(data) &&
        json_integer_value(data) > 0 && json_integer_value(data) < 0x300) {
        return (unsigned)json_integer_value(data);
    }
    return 0;
}

json_t *qmp_send_key(Monitor *mon, json_t *args, QmpError *e)
{
    json_t *list = json_object_get(args, "keys");
    unsigned keys[SENDKEY_MAX];
    size_t n = json_array_size(list);

    if (n == 0 || n > SENDKEY_MAX) {
        return qmp_error(e, "GenericError", "send-key takes 1 to %d keys",
                         SENDKEY_MAX);
    }
    for (size_t i = 0; i < n; i++) {
        keys[i] = qmp_key_value(json_array_get(list, i));
        if (!keys[i]) {
            return qmp_error(e, "GenericError", "key %zu is not a known "
                             "qcode or number", i);
        }
    }
    monitor_send_keys(mon->m, keys, (int)n);
    return json_object();
}

/* sendkey KEYS: names joined by '-', as QEMU's (ctrl-alt-delete). */
void hmp_sendkey(Monitor *mon, const char *args)
{
    unsigned keys[SENDKEY_MAX];
    char combo[256];
    const char *bad;
    int bad_len, n;

    if (sscanf(args, "%255s", combo) != 1) {
        monitor_printf(mon, "usage: sendkey KEYS (for example ctrl-alt-f1)\n");
        return;
    }
    n = keymap_parse_combo(combo, keys, SENDKEY_MAX, &bad, &bad_len);
    if (n < 0) {
        monitor_printf(mon, "invalid parameter: %.*s\n", bad_len, bad);
        return;
    }
    monitor_send_keys(mon->m, keys, n);
}
