/*
 * -chardev parsing (see chardev-opts.h). Keys other than those listed for
 * a backend are refused, as are server=/wait= values that are not on/off.
 */
#include "system/chardev-opts.h"

#include <stdlib.h>
#include <string.h>

#include "hw/pc/pc.h"
#include "net/net.h"

typedef struct ChardevArg {
    char *kind, *id, *path, *host, *port;
    bool server, nowait;
} ChardevArg;

static void chardev_arg_free(ChardevArg *a)
{
    free(a->kind);
    free(a->id);
    free(a->path);
    free(a->host);
    free(a->port);
}

static int chardev_set_flag(const char *k, const char *v, bool *out,
                            bool invert, Error *err)
{
    bool b;

    if (parse_bool(v ? v : "on", &b) < 0) {
        return error_setg(err, "%s=%s: expected on or off", k, v);
    }
    *out = invert ? !b : b;
    return 0;
}

static int chardev_set(ChardevArg *a, const char *k, char **v, Error *err)
{
    char **slot = !strcmp(k, "id") ? &a->id : !strcmp(k, "path") ? &a->path :
                  !strcmp(k, "host") ? &a->host :
                  !strcmp(k, "port") ? &a->port : NULL;

    if (!strcmp(k, "server")) {
        return chardev_set_flag(k, *v, &a->server, false, err);
    }
    if (!strcmp(k, "wait")) {
        return chardev_set_flag(k, *v, &a->nowait, true, err);
    }
    if (!strcmp(k, "nowait")) {
        a->nowait = true;
        return 0;
    }
    if (!strcmp(k, "signal") || !strcmp(k, "mux")) {
        bool b = false;
        return chardev_set_flag(k, *v, &b, false, err) < 0 ? -1 :
               b && !strcmp(k, "mux") ? error_setg(err, "mux=on is not "
                                                   "supported") : 0;
    }
    if (!slot || !*v || !**v) {
        return error_setg(err, slot ? "%s needs a value" :
                          "unknown option '%s'", k);
    }
    free(*slot);
    *slot = *v;
    *v = NULL;
    return 0;
}

static int chardev_parse(const char *arg, ChardevArg *a, Error *err)
{
    const char *p = arg;
    char *k, *v;
    int ret = 0;

    memset(a, 0, sizeof(*a));
    if (!net_opt_next(&p, &a->kind, &v) || v) {
        free(v);
        return error_setg(err, "'%s': expected a backend first (stdio, "
                          "null, file, pty, socket)", arg);
    }
    while (ret == 0 && net_opt_next(&p, &k, &v)) {
        ret = chardev_set(a, k, &v, err);
        free(k);
        free(v);
    }
    if (ret == 0 && (!a->id || !*a->id)) {
        ret = error_setg(err, "'%s': id=ID is required", arg);
    }
    return ret;
}

static char *chardev_socket_spec(const ChardevArg *a, Error *err)
{
    const char *flags = a->server ? (a->nowait ? ",server,nowait" : ",server")
                                  : "";

    if (a->path && !a->host && !a->port) {
        return xasprintf("unix:%s%s", a->path, flags);
    }
    if (a->port && !a->path) {
        return xasprintf("tcp:%s:%s%s", a->host ? a->host : "127.0.0.1",
                         a->port, flags);
    }
    error_setg(err, "socket needs path=P or port=N (with host=H)");
    return NULL;
}

static char *chardev_spec(const ChardevArg *a, Error *err)
{
    bool no_extra = !a->path && !a->host && !a->port && !a->server;

    if (!strcmp(a->kind, "socket")) {
        return chardev_socket_spec(a, err);
    }
    if (!strcmp(a->kind, "file") && a->path && !a->host && !a->port) {
        return xasprintf("file:%s", a->path);
    }
    if ((!strcmp(a->kind, "stdio") || !strcmp(a->kind, "null") ||
         !strcmp(a->kind, "pty")) && no_extra) {
        return xstrdup(a->kind);
    }
    if (!strcmp(a->kind, "file")) {
        error_setg(err, "file needs path=P (only)");
    } else if (no_extra) {
        error_setg(err, "backend '%s' is not supported (stdio, null, file, "
                   "pty, socket)", a->kind);
    } else {
        error_setg(err, "%s takes no path, host, port or server", a->kind);
    }
    return NULL;
}

int chardev_parse_option(const char *arg, char **id, char **spec,
                         Error *err)
{
    ChardevArg a;
    int ret = chardev_parse(arg, &a, err);

    *id = *spec = NULL;
    if (ret == 0 && !(*spec = chardev_spec(&a, err))) {
        ret = -1;
    }
    if (ret == 0) {
        *id = a.id;
        a.id = NULL;
    }
    chardev_arg_free(&a);
    return ret;
}

char *chardev_find_spec(const MachineConfig *cfg, const char *id,
                        Error *err)
{
    for (int i = 0; id && i < cfg->nchardev_args; i++) {
        char *cid, *spec;
        Error e = { "" };

        if (chardev_parse_option(cfg->chardev_args[i], &cid, &spec, &e) < 0) {
            continue;
        }
        if (!strcmp(cid, id)) {
            free(cid);
            return spec;
        }
        free(cid);
        free(spec);
    }
    error_setg(err, "chardev=%s: no -chardev with that id", id ? id : "");
    return NULL;
}

int chardev_add_option(MachineConfig *cfg, const char *arg, Error *err)
{
    char *id, *spec, *other;
    Error e = { "" };

    if (chardev_parse_option(arg, &id, &spec, err) < 0) {
        return -1;
    }
    other = chardev_find_spec(cfg, id, &e);
    free(spec);
    if (other) {
        free(other);
        error_setg(err, "duplicate id '%s'", id);
        free(id);
        return -1;
    }
    free(id);
    if (cfg->nchardev_args == PC_MAX_CHARDEVS) {
        return error_setg(err, "at most %d character backends",
                          PC_MAX_CHARDEVS);
    }
    cfg->chardev_args[cfg->nchardev_args++] = arg;
    return 0;
}
