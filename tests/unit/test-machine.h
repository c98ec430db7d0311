/*
 * A bare Machine for unit tests: memory and the PC layout, a lock, logs
 * and timers, no devices, no accelerator. Include after cmocka.h.
 */
#ifndef KITE_TEST_MACHINE_H
#define KITE_TEST_MACHINE_H

#include <stdlib.h>

#include "hw/pc/pc.h"

static inline Machine *test_machine(uint64_t ram)
{
    Machine *m = calloc(1, sizeof(*m));

    assert_non_null(m);
    pthread_mutex_init(&m->lock, NULL);
    log_init(&m->log);
    timerlist_init(&m->timers);
    m->cfg.smp = 1;
    assert_int_equal(machine_init_memory(m, ram, NULL), 0);
    return m;
}

static inline void test_machine_free(Machine *m)
{
    machine_destroy_memory(m);
    free(m);
}

#endif
