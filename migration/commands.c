/*
 * The monitor's migration commands (system/monitor-cmds.def): migrate,
 * migrate-incoming, migrate_cancel, query-migrate, the parameters and
 * capabilities, x-accel-switch, and their human forms (migrate,
 * migrate_set_parameter, migrate_set_capability, info migrate). savevm,
 * loadvm, delvm and info snapshots are in savevm.c.
 */
#include "system/monitor-int.h"

#include <stdlib.h>
#include <string.h>

#include "migration/migration.h"

json_t *qmp_migrate(Monitor *mon, json_t *args, QmpError *e)
{
    const char *uri = json_string_value(json_object_get(args, "uri"));
    Error err = { "" };

    if (json_is_true(json_object_get(args, "blk")) ||
        json_is_true(json_object_get(args, "inc")) ||
        json_is_true(json_object_get(args, "resume"))) {
        return qmp_error(e, "GenericError", "block migration and resume are "
                         "not supported (share the disk images)");
    }
    if (migration_start(mon->m, uri, &err) < 0) {
        return qmp_error(e, "GenericError", "%s", err.msg);
    }
    return json_object();
}

json_t *qmp_migrate_incoming(Monitor *mon, json_t *args, QmpError *e)
{
    const char *uri = json_string_value(json_object_get(args, "uri"));
    Error err = { "" };

    if (migration_incoming_uri(mon->m, uri, &err) < 0) {
        return qmp_error(e, "GenericError", "%s", err.msg);
    }
    return json_object();
}

json_t *qmp_migrate_cancel(Monitor *mon, json_t *args, QmpError *e)
{
    migration_cancel(mon->m);
    return json_object();
}

json_t *qmp_query_migrate(Monitor *mon, json_t *args, QmpError *e)
{
    return migration_query(mon->m);
}

json_t *qmp_query_migrate_parameters(Monitor *mon, json_t *args, QmpError *e)
{
    return migration_query_params(mon->m);
}

json_t *qmp_migrate_set_parameters(Monitor *mon, json_t *args, QmpError *e)
{
    const char *key;
    json_t *v;
    Error err = { "" };

    json_object_foreach(args, key, v) {
        if (migration_set_param(mon->m, key, v, &err) < 0) {
            return qmp_error(e, "GenericError", "%s", err.msg);
        }
    }
    return json_object();
}

/* [{"capability": "auto-converge", "state": true}, ...] */
json_t *qmp_migrate_set_capabilities(Monitor *mon, json_t *args, QmpError *e)
{
    json_t *caps = json_object_get(args, "capabilities"), *c;
    size_t i;
    Error err = { "" };

    json_array_foreach(caps, i, c) {
        const char *name = json_string_value(json_object_get(c, "capability"));
        json_t *state = json_object_get(c, "state");
        if (!name || !json_is_boolean(state)) {
            return qmp_error(e, "GenericError", "a capability is "
                             "{\"capability\": NAME, \"state\": BOOL}");
        }
        if (strcmp(name, "auto-converge")) {
            return qmp_error(e, "GenericError", "capability '%s' is not "
                             "supported (auto-converge is)", name);
        }
        migration_set_param(mon->m, name, state, &err);
    }
    return json_object();
}

/*
 * Runs in the main loop with the machine lock held, like every command;
 * the switch joins and restarts the vCPU threads, which need the lock,
 * so it is given up meanwhile.
 */
json_t *qmp_x_accel_switch(Monitor *mon, json_t *args, QmpError *e)
{
    const char *accel = json_string_value(json_object_get(args, "accel"));
    const char *backend = json_string_value(json_object_get(args, "backend"));
    Machine *m = mon->m;
    Error err = { "" };
    int r;

    pthread_mutex_unlock(&m->lock);
    r = migration_accel_switch(m, accel, backend, &err);
    machine_lock(m);
    if (r < 0) {
        return qmp_error(e, "GenericError", "%s", err.msg);
    }
    return json_object();
}

/* ---- the human forms ---- */

void hmp_migrate(Monitor *mon, const char *args)
{
    Error err = { "" };
    bool detach = !strncmp(args, "-d ", 3);

    args += detach ? 3 : 0;
    args += strspn(args, " \t");
    if (!*args) {
        monitor_printf(mon, "migrate: give a URI (exec:CMD, file:PATH, "
                       "tcp:HOST:PORT)\n");
        return;
    }
    if (migration_start(mon->m, args, &err) < 0) {
        monitor_printf(mon, "Error: %s\n", err.msg);
    }
}

/* "NAME VALUE" with NAME in QEMU's spelling (max-bandwidth, ...). */
void hmp_migrate_set_parameter(Monitor *mon, const char *args)
{
    char name[64];
    const char *val;
    uint64_t v;
    Error err = { "" };
    json_t *j;
    int n = (int)strcspn(args, " \t");

    snprintf(name, sizeof(name), "%.*s", MIN(n, 63), args);
    val = args + n + strspn(args + n, " \t");
    if (!strcmp(name, "x-auto-converge")) {
        bool b;
        j = parse_bool(val, &b) < 0 ? NULL : json_boolean(b);
    } else {
        /* max-bandwidth takes sizes (64M); the others plain numbers */
        int r = !strcmp(name, "max-bandwidth") ? parse_size(val, 1, &v)
                                               : parse_uint(val, &v);
        j = r < 0 || v > (uint64_t)INT64_MAX ? NULL
                                             : json_integer((json_int_t)v);
    }
    if (!j) {
        monitor_printf(mon, "migrate_set_parameter: bad value '%s'\n", val);
        return;
    }
    if (migration_set_param(mon->m, name, j, &err) < 0) {
        monitor_printf(mon, "Error: %s\n", err.msg);
    }
    json_decref(j);
}

void hmp_migrate_set_capability(Monitor *mon, const char *args)
{
    char name[64];
    bool b;
    Error err = { "" };
    int n = (int)strcspn(args, " \t");
    const char *val = args + n + strspn(args + n, " \t");

    snprintf(name, sizeof(name), "%.*s", MIN(n, 63), args);
    if (strcmp(name, "auto-converge") || parse_bool(val, &b) < 0) {
        monitor_printf(mon, "migrate_set_capability: auto-converge on|off\n");
        return;
    }
    json_t *j = json_boolean(b);
    migration_set_param(mon->m, name, j, &err);
    json_decref(j);
}

static void print_ram(FILE *f, json_t *ram)
{
    fprintf(f, "transferred ram: %lld kbytes\n",
            (long long)json_integer_value(json_object_get(ram, "transferred"))
            / 1024);
    fprintf(f, "remaining ram: %lld kbytes\n",
            (long long)json_integer_value(json_object_get(ram, "remaining"))
            / 1024);
    fprintf(f, "total ram: %lld kbytes\n",
            (long long)json_integer_value(json_object_get(ram, "total")) / 1024);
    fprintf(f, "duplicate: %lld pages\nnormal: %lld pages\n",
            (long long)json_integer_value(json_object_get(ram, "duplicate")),
            (long long)json_integer_value(json_object_get(ram, "normal")));
    fprintf(f, "dirty pages rate: %lld pages\n",
            (long long)json_integer_value(
                json_object_get(ram, "dirty-pages-rate")));
    fprintf(f, "dirty sync count: %lld\n",
            (long long)json_integer_value(
                json_object_get(ram, "dirty-sync-count")));
}

void hmp_info_migrate(Monitor *mon, FILE *f)
{
    json_t *q = migration_query(mon->m), *p = migration_query_params(mon->m);
    const char *key;
    json_t *v;

    fprintf(f, "parameters:");
    json_object_foreach(p, key, v) {
        if (json_is_boolean(v)) {
            fprintf(f, " %s: %s", key, json_is_true(v) ? "on" : "off");
        } else {
            fprintf(f, " %s: %lld", key, (long long)json_integer_value(v));
        }
    }
    fprintf(f, "\n");
    if (json_object_get(q, "status")) {
        fprintf(f, "Migration status: %s\n",
                json_string_value(json_object_get(q, "status")));
    }
    static const char *const times[] = { "total-time", "setup-time",
                                         "downtime", "expected-downtime" };
    for (size_t i = 0; i < ARRAY_SIZE(times); i++) {
        if ((v = json_object_get(q, times[i]))) {
            fprintf(f, "%s: %lld ms\n", times[i],
                    (long long)json_integer_value(v));
        }
    }
    if ((v = json_object_get(q, "ram"))) {
        print_ram(f, v);
    }
    if ((v = json_object_get(q, "error-desc"))) {
        fprintf(f, "error: %s\n", json_string_value(v));
    }
    json_decref(q);
    json_decref(p);
}
