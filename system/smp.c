/*
 * -smp [cpus=]N[,maxcpus=M][,sockets=S][,dies=D][,cores=C][,threads=T],
 * with QEMU's rules (hw/core/machine-smp.c, machines since 6.2): an
 * omitted value is computed from the others, preferring cores over
 * sockets; sockets * dies * cores * threads must equal maxcpus, and
 * maxcpus must be at least cpus. Zero is refused, as in current QEMU.
 */
#include "system/smp.h"

#include <stdlib.h>
#include <string.h>

static const char *const smp_keys[] = {
    "cpus", "maxcpus", "sockets", "dies", "cores", "threads",
};

/* Stores one key=value (or a bare count) into v[] by smp_keys order. */
static int smp_parse_item(char *item, bool first, uint64_t v[6], Error *err)
{
    char *eq = strchr(item, '=');
    const char *key = "cpus", *val = item;
    uint64_t n;
    size_t k;

    if (eq) {
        *eq = '\0';
        key = item;
        val = eq + 1;
    } else if (!first) {
        return error_setg(err, "expected key=value, got '%s'", item);
    }
    for (k = 0; k < ARRAY_SIZE(smp_keys) && strcmp(key, smp_keys[k]); k++) {
    }
    if (k == ARRAY_SIZE(smp_keys)) {
        return error_setg(err, "unknown topology parameter '%s' (cpus, "
                          "maxcpus, sockets, dies, cores, threads)", key);
    }
    if (parse_uint(val, &n) < 0 || n > 4096) {
        return error_setg(err, "%s: bad value '%s'", key, val);
    }
    if (n == 0) {
        return error_setg(err, "CPU topology parameters must be greater "
                          "than zero (%s=0)", key);
    }
    v[k] = n;
    return 0;
}

/* QEMU's computation of omitted values, then its consistency checks. */
static int smp_resolve(uint64_t cpus, uint64_t maxcpus, SmpConfig *s,
                       Error *err)
{
    uint64_t total;

    if (cpus == 0 && maxcpus == 0) {
        s->sockets = s->sockets ? s->sockets : 1;
        s->cores = s->cores ? s->cores : 1;
        s->threads = s->threads ? s->threads : 1;
    } else {
        maxcpus = maxcpus ? maxcpus : cpus;
        if (s->cores == 0) {
            s->sockets = s->sockets ? s->sockets : 1;
            s->threads = s->threads ? s->threads : 1;
            s->cores = maxcpus / (s->sockets * s->dies * s->threads);
        } else if (s->sockets == 0) {
            s->threads = s->threads ? s->threads : 1;
            s->sockets = maxcpus / (s->dies * s->cores * s->threads);
        }
        if (s->threads == 0) {
            s->threads = maxcpus / (s->sockets * s->dies * s->cores);
        }
    }
    total = s->sockets * s->dies * s->cores * s->threads;
    s->maxcpus = maxcpus ? maxcpus : total;
    s->cpus = cpus ? cpus : s->maxcpus;
    if (total != s->maxcpus) {
        return error_setg(err, "Invalid CPU topology: product of the hierarchy "
                          "must match maxcpus: sockets (%llu) * dies (%llu) * "
                          "cores (%llu) * threads (%llu) != maxcpus (%llu)",
                          (unsigned long long)s->sockets,
                          (unsigned long long)s->dies,
                          (unsigned long long)s->cores,
                          (unsigned long long)s->threads,
                          (unsigned long long)s->maxcpus);
    }
    if (s->maxcpus < s->cpus) {
        return error_setg(err, "Invalid CPU topology: maxcpus (%llu) must be "
                          "equal to or greater than cpus (%llu)",
                          (unsigned long long)s->maxcpus,
                          (unsigned long long)s->cpus);
    }
    return 0;
}

int smp_parse(const char *arg, SmpConfig *s, Error *err)
{
    char *copy = xstrdup(arg), *save = NULL;
    uint64_t v[6] = { 0 };
    int ret = 0;
    bool first = true;

    memset(s, 0, sizeof(*s));
    if (!*arg || arg[0] == ',' || arg[strlen(arg) - 1] == ',' ||
        strstr(arg, ",,")) {
        ret = error_setg(err, "empty item in '%s'", arg);
    }
    for (char *it = strtok_r(copy, ",", &save); it && ret == 0;
         it = strtok_r(NULL, ",", &save), first = false) {
        ret = smp_parse_item(it, first, v, err);
    }
    free(copy);
    if (ret < 0) {
        return -1;
    }
    s->sockets = v[2];
    s->dies = v[3] ? v[3] : 1;
    s->cores = v[4];
    s->threads = v[5];
    return smp_resolve(v[0], v[1], s, err);
}
