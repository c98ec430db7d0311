/* -d/-D debug logs (see log.h). */
#include "system/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name;
    unsigned mask;
    const char *help;
} log_items[] = {
    { "in_asm", LOG_IN_ASM, "show guest code of each new translation block" },
    { "op", LOG_OP, "show IR as generated" },
    { "op_opt", LOG_OP_OPT, "show IR after optimization" },
    { "out_asm", LOG_OUT_ASM, "show generated host code" },
    { "int", LOG_INT, "show interrupts and exceptions" },
    { "exec", LOG_EXEC, "show each translation block executed" },
    { "cpu", LOG_CPU, "show CPU registers before each block" },
    { "guest_errors", LOG_GUEST_ERROR, "log invalid guest device accesses" },
    { "unimp", LOG_UNIMP, "log unimplemented device features" },
    { "ioport", LOG_IOPORT, "log every port I/O access" },
    { "kvm", LOG_KVM, "log KVM exits" },
};

void log_init(Log *log)
{
    memset(log, 0, sizeof(*log));
    pthread_mutex_init(&log->lock, NULL);
}

void log_print_items(FILE *f)
{
    fprintf(f, "Log items (comma separated):\n");
    for (size_t i = 0; i < ARRAY_SIZE(log_items); i++) {
        fprintf(f, "%-13s %s\n", log_items[i].name, log_items[i].help);
    }
}

int log_parse_items(const char *items, unsigned *mask, Error *err)
{
    char *copy = xstrdup(items), *save = NULL;
    size_t len = strlen(items);
    unsigned m = 0;

    /* strtok_r would skip them: ",", "a,,b", a trailing comma */
    if (!len || items[0] == ',' || items[len - 1] == ',' || strstr(items, ",,")) {
        free(copy);
        return error_setg(err, "empty item in '%s' (try -d help)", items);
    }
    for (char *tok = strtok_r(copy, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        size_t i;
        for (i = 0; i < ARRAY_SIZE(log_items); i++) {
            if (!strcmp(tok, log_items[i].name)) {
                m |= log_items[i].mask;
                break;
            }
        }
        if (i == ARRAY_SIZE(log_items)) {
            error_setg(err, "unknown log item '%s' (try -d help)", tok);
            free(copy);
            return -1;
        }
    }
    free(copy);
    *mask = m;
    return 0;
}

int log_set_file(Log *log, const char *path, Error *err)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        return error_setg(err, "cannot open log file '%s': %s", path,
                          strerror(errno));
    }
    setvbuf(f, NULL, _IOLBF, 0);
    log->file = f;
    return 0;
}

void log_close(Log *log)
{
    if (log->file) {
        fclose(log->file);
        log->file = NULL;
    }
}

void log_printf(Log *log, const char *fmt, ...)
{
    va_list ap;
    pthread_mutex_lock(&log->lock);
    va_start(ap, fmt);
    vfprintf(log->file ? log->file : stderr, fmt, ap);
    va_end(ap);
    pthread_mutex_unlock(&log->lock);
}
