/*
 * Monitors: backends, line framing, the QMP protocol and events (see
 * monitor.h). The commands are in monitor-cmds.c, the human monitor's
 * parsing in monitor-hmp.c.
 */
#include "system/monitor-int.h"

#include <stdarg.h>
#include <string.h>
#include <sys/time.h>

#include "config.h"
#include "system/cpus.h"

json_t *qmp_error(QmpError *e, const char *cls, const char *fmt, ...)
{
    va_list ap;

    e->cls = cls;
    va_start(ap, fmt);
    vsnprintf(e->desc, sizeof(e->desc), fmt, ap);
    va_end(ap);
    return NULL;
}

/* ---- output ---- */

void monitor_write(Monitor *mon, const char *buf, size_t len)
{
    if (mon->capture) {
        fwrite(buf, 1, len, mon->capture);
    } else {
        /* a raw terminal keeps output processing: \n still becomes \r\n */
        chardev_write(mon->chr, (const uint8_t *)buf, len);
    }
}

void monitor_printf(Monitor *mon, const char *fmt, ...)
{
    char stackbuf[512], *buf = stackbuf;
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(stackbuf, sizeof(stackbuf), fmt, ap);
    va_end(ap);
    if (n < 0) {
        return;
    }
    if ((size_t)n >= sizeof(stackbuf)) {
        buf = xmalloc(n + 1);
        va_start(ap, fmt);
        vsnprintf(buf, n + 1, fmt, ap);
        va_end(ap);
    }
    monitor_write(mon, buf, n);
    if (buf != stackbuf) {
        free(buf);
    }
}

/*
 * Sends one JSON line, whole or not at all: a message that does not fit
 * in what the client left unread is dropped (a client that stops reading
 * loses events, never the machine's time).
 */
static void qmp_send(Monitor *mon, json_t *obj)
{
    char *s = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);

    if (s && strlen(s) + 2 > CHARDEV_OUT_BUF - mon->chr->out_len) {
        mon->dropped++;
    } else if (s) {
        chardev_write(mon->chr, (const uint8_t *)s, strlen(s));
        chardev_write(mon->chr, (const uint8_t *)"\r\n", 2);
        free(s);
    }
    json_decref(obj);
}

/* ---- the QMP protocol ---- */

void qmp_greet(Monitor *mon)
{
    int major = 0, minor = 0, micro = 0;

    sscanf(KITE_VERSION, "%d.%d.%d", &major, &minor, &micro);
    qmp_send(mon, json_pack("{s:{s:{s:{s:i,s:i,s:i},s:s},s:[]}}",
                            "QMP", "version", "qemu", "micro", micro,
                            "minor", minor, "major", major,
                            "package", "Kite " KITE_VERSION,
                            "capabilities"));
}

static const char *qmp_type_name(char t)
{
    switch (t) {
    case 's': return "string";
    case 'i': return "int";
    case 'b': return "bool";
    default:  return "array";
    }
}

static bool qmp_type_ok(char t, const json_t *v)
{
    switch (t) {
    case 's': return json_is_string(v);
    case 'i': return json_is_integer(v);
    case 'b': return json_is_boolean(v);
    default:  return json_is_array(v);
    }
}

/* Finds name in a spec like "a:s,b:i?"; its type char, or 0. */
static char qmp_spec_find(const char *spec, const char *name, bool *optional)
{
    size_t n = strlen(name);

    for (const char *p = spec; *p; ) {
        const char *comma = strchr(p, ',');
        if (!strncmp(p, name, n) && p[n] == ':') {
            *optional = p[n + 2] == '?';
            return p[n + 1];
        }
        p = comma ? comma + 1 : p + strlen(p);
    }
    return 0;
}

static bool qmp_check_args(const MonitorCmd *cmd, json_t *args, QmpError *e)
{
    const char *key, *spec = cmd->args ? cmd->args : "";
    json_t *v;
    bool opt;

    json_object_foreach(args, key, v) {
        char t = qmp_spec_find(spec, key, &opt);
        if (!t) {
            qmp_error(e, "GenericError", "Parameter '%s' is unexpected", key);
            return false;
        }
        if (!qmp_type_ok(t, v)) {
            qmp_error(e, "GenericError", "Invalid parameter type for '%s', "
                      "expected: %s", key, qmp_type_name(t));
            return false;
        }
    }
    for (const char *p = spec; *p; ) {
        const char *colon = strchr(p, ':'), *comma = strchr(p, ',');
        char name[64];
        snprintf(name, sizeof(name), "%.*s", (int)(colon - p), p);
        if (colon[2] != '?' && !json_object_get(args, name)) {
            qmp_error(e, "GenericError", "Parameter '%s' is missing", name);
            return false;
        }
        p = comma ? comma + 1 : p + strlen(p);
    }
    return true;
}

/* The request's shape; the command name, or NULL with e set. */
static const char *qmp_check_request(json_t *req, json_t **args, QmpError *e)
{
    const char *key;
    json_t *v, *exec;

    if (!json_is_object(req)) {
        qmp_error(e, "GenericError", "QMP input must be a JSON object");
        return NULL;
    }
    json_object_foreach(req, key, v) {
        if (strcmp(key, "execute") && strcmp(key, "arguments") &&
            strcmp(key, "id")) {
            qmp_error(e, "GenericError", "QMP input member '%s' is "
                      "unexpected", key);
            return NULL;
        }
    }
    exec = json_object_get(req, "execute");
    if (!exec) {
        qmp_error(e, "GenericError", "QMP input lacks member 'execute'");
        return NULL;
    }
    if (!json_is_string(exec)) {
        qmp_error(e, "GenericError", "QMP input member 'execute' must be a "
                  "string");
        return NULL;
    }
    *args = json_object_get(req, "arguments");
    if (*args && !json_is_object(*args)) {
        qmp_error(e, "GenericError", "QMP input member 'arguments' must be "
                  "an object");
        return NULL;
    }
    return json_string_value(exec);
}

static json_t *qmp_dispatch(Monitor *mon, json_t *req, QmpError *e)
{
    json_t *args = NULL, *ret;
    const char *name = qmp_check_request(req, &args, e);
    const MonitorCmd *cmd;

    if (!name) {
        return NULL;
    }
    cmd = monitor_find_qmp(name);
    if (!mon->negotiated && strcmp(name, "qmp_capabilities")) {
        return qmp_error(e, "CommandNotFound", "Expecting capabilities "
                         "negotiation with 'qmp_capabilities'");
    }
    if (mon->negotiated && !strcmp(name, "qmp_capabilities")) {
        return qmp_error(e, "CommandNotFound", "Capabilities negotiation is "
                         "already complete, command ignored");
    }
    if (!cmd) {
        return qmp_error(e, "CommandNotFound", "The command %s has not been "
                         "found", name);
    }
    args = args ? json_incref(args) : json_object();
    ret = qmp_check_args(cmd, args, e) ? cmd->qmp(mon, args, e) : NULL;
    json_decref(args);
    return ret;
}

/* Whether a reply could never reach the client whole (see qmp_send). */
static bool qmp_too_big(Monitor *mon, const json_t *ret)
{
    char *s = json_dumps(ret, JSON_COMPACT | JSON_ENCODE_ANY);
    bool big = !s || strlen(s) + 64 > CHARDEV_OUT_BUF / 2;

    free(s);
    return big;
}

void qmp_handle_line(Monitor *mon, const char *line)
{
    json_error_t je;
    json_t *req, *ret, *reply, *id = NULL;
    QmpError e = { NULL, "" };

    if (!line[strspn(line, " \t\r")]) {
        return;                              /* an empty line */
    }
    req = json_loads(line, 0, &je);
    if (!req) {
        qmp_error(&e, "GenericError", "JSON parse error, %s", je.text);
        ret = NULL;
    } else {
        id = json_is_object(req) ? json_object_get(req, "id") : NULL;
        ret = qmp_dispatch(mon, req, &e);
    }
    if (ret && qmp_too_big(mon, ret)) {
        json_decref(ret);
        ret = qmp_error(&e, "GenericError", "the reply does not fit in the "
                        "%d KiB output buffer", CHARDEV_OUT_BUF / 1024);
    }
    reply = ret ? json_pack("{s:o}", "return", ret)
                : json_pack("{s:{s:s,s:s}}", "error", "class", e.cls,
                            "desc", e.desc);
    if (id) {
        json_object_set(reply, "id", id);
    }
    qmp_send(mon, reply);
    json_decref(req);
}

void monitor_event(Machine *m, const char *name, json_t *data)
{
    struct timeval tv;

    gettimeofday(&tv, NULL);
    for (int i = 0; i < m->nmonitors; i++) {
        Monitor *mon = m->monitors[i];
        json_t *ev;
        if (!mon->qmp || !mon->negotiated) {
            continue;
        }
        ev = json_pack("{s:s}", "event", name);
        if (data) {
            json_object_set(ev, "data", data);
        }
        json_object_set_new(ev, "timestamp",
                            json_pack("{s:I,s:I}", "seconds",
                                      (json_int_t)tv.tv_sec, "microseconds",
                                      (json_int_t)tv.tv_usec));
        qmp_send(mon, ev);
    }
    json_decref(data);
}

void monitor_reset_event(Machine *m)
{
    bool guest = !m->reset_by_monitor;

    m->reset_by_monitor = false;
    monitor_event(m, "RESET", json_pack("{s:b,s:s}", "guest", guest,
                                        "reason", guest ? "guest-reset"
                                                        : "host-qmp-system-reset"));
}

void monitor_shutdown_event(Machine *m)
{
    const char *reason = m->quit_reason ? m->quit_reason :
                         m->user_quit ? "host-signal" : "guest-shutdown";

    monitor_event(m, "SHUTDOWN", json_pack("{s:b,s:s}", "guest",
                                           !m->user_quit, "reason", reason));
}

/* ---- stop and start ---- */

void vm_stop_locked(Machine *m)
{
    if (m->vm_stopped) {
        return;
    }
    m->vm_stopped = true;
    m->pause_requested = true;
    machine_kick_cpus(m);
    while (m->paused_cpus < m->ncpus && !m->stopping) {
        pthread_cond_wait(&m->cond, &m->lock);
    }
    monitor_event(m, "STOP", NULL);
}

void vm_start_locked(Machine *m)
{
    if (!m->vm_stopped) {
        return;
    }
    m->vm_stopped = false;
    m->pause_requested = false;
    pthread_cond_broadcast(&m->cond);
    monitor_event(m, "RESUME", NULL);
}

/* ---- input framing ---- */

/*
 * A client with more than half the output buffer unread gets no more
 * commands run until it reads: its input waits in the socket.
 */
static size_t monitor_can_receive(void *opaque)
{
    Monitor *mon = opaque;

    return mon->chr->out_len > CHARDEV_OUT_BUF / 2 ? 0 : 256;
}

static void monitor_line(Monitor *mon)
{
    mon->line[mon->len] = '\0';
    if (mon->len && mon->line[mon->len - 1] == '\r') {
        mon->line[--mon->len] = '\0';
    }
    if (mon->qmp) {
        qmp_handle_line(mon, mon->line);
    } else {
        hmp_handle_line(mon, mon->line);
    }
}

static void monitor_overlong(Monitor *mon)
{
    if (mon->qmp) {
        qmp_send(mon, json_pack("{s:{s:s,s:s}}", "error", "class",
                                "GenericError", "desc",
                                "JSON parse error, input line too long"));
    } else {
        monitor_printf(mon, "line too long (at most %d bytes)\n",
                       MONITOR_LINE_MAX - 1);
        hmp_prompt(mon);
    }
}

static void monitor_receive(void *opaque, const uint8_t *buf, size_t len)
{
    Monitor *mon = opaque;

    for (size_t i = 0; i < len; i++) {
        char ch = (char)buf[i];
        if (ch == '\n' || (mon->tty && ch == '\r')) {
            if (mon->tty) {
                monitor_write(mon, "\n", 1);
            }
            if (!mon->overlong) {
                monitor_line(mon);
            }
            mon->len = 0;
            mon->overlong = false;
        } else if (mon->overlong) {
            continue;
        } else if (mon->len == MONITOR_LINE_MAX - 1) {
            mon->overlong = true;
            monitor_overlong(mon);
        } else {
            mon->line[mon->len++] = ch;
            if (mon->tty) {
                monitor_write(mon, &ch, 1);     /* echo on a raw terminal */
            }
        }
    }
}

static void monitor_connected(void *opaque)
{
    Monitor *mon = opaque;

    mon->len = 0;
    mon->overlong = false;
    mon->negotiated = false;
    if (mon->qmp) {
        qmp_greet(mon);
    } else {
        monitor_printf(mon, "Kite %s monitor - type 'help' for more "
                       "information\n", KITE_VERSION);
        hmp_prompt(mon);
    }
}

static Monitor *monitor_new(Machine *m, bool qmp, Error *err)
{
    Monitor *mon;

    if (m->nmonitors == MONITOR_MAX) {
        error_setg(err, "at most %d monitors", MONITOR_MAX);
        return NULL;
    }
    mon = xzalloc(sizeof(*mon));
    mon->m = m;
    mon->qmp = qmp;
    mon->line = xmalloc(MONITOR_LINE_MAX);
    m->monitors[m->nmonitors++] = mon;
    return mon;
}

int monitor_open(Machine *m, const char *spec, bool qmp, Error *err)
{
    char label[16];
    Monitor *mon = monitor_new(m, qmp, err);

    if (!mon) {
        return -1;
    }
    snprintf(label, sizeof(label), "compat_monitor%d", m->nmonitors - 1);
    mon->chr = &mon->own;
    if (chardev_open_named(&mon->own, spec, label, err) < 0) {
        error_prepend(err, "%s '%s'", qmp ? "-qmp" : "-monitor", spec);
        return -1;
    }
    chardev_set_receiver(mon->chr, monitor_can_receive, monitor_receive, mon);
    mon->tty = mon->own.tty_saved;       /* stdio on a raw terminal */
    mon->chr->connected = monitor_connected;
    return 0;
}

int monitor_open_mux(Machine *m, Error *err)
{
    Monitor *mon = monitor_new(m, false, err);

    if (!mon) {
        return -1;
    }
    mon->mux = mon->tty = true;
    mon->chr = &m->serial_chr;
    mon->chr->mon_receive = monitor_receive;
    mon->chr->mon_opaque = mon;
    mon->chr->mon_enter = monitor_connected;
    return 0;
}

void monitor_attach_all(Machine *m)
{
    for (int i = 0; i < m->nmonitors; i++) {
        Monitor *mon = m->monitors[i];
        if (mon->mux) {
            continue;
        }
        chardev_attach(mon->chr, &m->loop);
        if (mon->chr->in_fd >= 0 || mon->chr->kind == CHARDEV_STDIO) {
            monitor_connected(mon);      /* connected at open (wait=on) */
        }
    }
}

void monitor_close_all(Machine *m)
{
    for (int i = 0; i < m->nmonitors; i++) {
        Monitor *mon = m->monitors[i];
        if (!mon->mux) {
            chardev_drain(mon->chr, 200);
            chardev_close(mon->chr);
        }
        free(mon->line);
        free(mon);
        m->monitors[i] = NULL;
    }
    m->nmonitors = 0;
}
