/* -smp topology parsing with QEMU's rules (see smp.c). */
#ifndef KITE_SMP_H
#define KITE_SMP_H

#include <stdint.h>

#include "system/util.h"

typedef struct SmpConfig {
    uint64_t cpus, maxcpus, sockets, dies, cores, threads;
} SmpConfig;

/* Parses and resolves -smp's argument. 0, or -1 with err set. */
int smp_parse(const char *arg, SmpConfig *s, Error *err);

#endif
