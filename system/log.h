/*
 * Debug logs selected with -d (comma-separated items) and sent to stderr
 * or the -D file. Each Machine owns one Log; nothing here is global.
 */
#ifndef KITE_LOG_H
#define KITE_LOG_H

#include <pthread.h>
#include <stdio.h>

#include "system/util.h"

enum {
    LOG_IN_ASM      = 1u << 0,  /* guest code of each new translation block */
    LOG_OP          = 1u << 1,  /* IR as generated */
    LOG_OP_OPT      = 1u << 2,  /* IR after the optimizer */
    LOG_OUT_ASM     = 1u << 3,  /* host code */
    LOG_INT         = 1u << 4,  /* interrupts and exceptions */
    LOG_EXEC        = 1u << 5,  /* each translation block executed */
    LOG_CPU         = 1u << 6,  /* CPU state before each block */
    LOG_GUEST_ERROR = 1u << 7,  /* guest did something invalid to a device */
    LOG_UNIMP       = 1u << 8,  /* unimplemented device features */
    LOG_IOPORT      = 1u << 9,  /* every port access */
    LOG_KVM         = 1u << 10, /* KVM exits */
};

typedef struct Log {
    unsigned mask;
    FILE *file;            /* NULL: stderr */
    pthread_mutex_t lock;
} Log;

void log_init(Log *log);
/* Parses a -d list ("in_asm,int"); "help" lists items. Returns 0 or -1. */
int log_parse_items(const char *items, unsigned *mask, Error *err);
void log_print_items(FILE *f);
/* Opens the -D file. */
int log_set_file(Log *log, const char *path, Error *err);
void log_close(Log *log);

static inline bool log_enabled(const Log *log, unsigned mask)
{
    return log && (log->mask & mask);
}
void log_printf(Log *log, const char *fmt, ...) PRINTF_FMT(2, 3);
#define log_mask(log, m, ...)                     \
    do {                                          \
        if (log_enabled((log), (m))) {            \
            log_printf((log), __VA_ARGS__);       \
        }                                         \
    } while (0)

#endif
