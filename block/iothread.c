/*
 * The I/O thread of a block device: a FIFO of jobs served by one host
 * thread. A job's work (host I/O) runs with no lock held, so a vCPU never
 * waits for the disk; its completion (copying into guest memory, the used
 * ring, the interrupt) runs with the machine lock, taken the way the main
 * loop takes it. See block.h.
 */
#include "block/block.h"

#include <string.h>

static IOJob *iothread_next(IOThread *t)
{
    IOJob *job;

    pthread_mutex_lock(&t->qlock);
    while (!t->head && !t->stop) {
        pthread_cond_wait(&t->qcond, &t->qlock);
    }
    job = t->head;
    if (job) {
        t->head = job->next;
        if (!t->head) {
            t->tail = NULL;
        }
    }
    pthread_mutex_unlock(&t->qlock);
    return job;
}

static void iothread_done(IOThread *t)
{
    pthread_mutex_lock(&t->qlock);
    if (--t->busy == 0) {
        pthread_cond_broadcast(&t->idle);
    }
    pthread_mutex_unlock(&t->qlock);
}

static void *iothread_main(void *opaque)
{
    IOThread *t = opaque;
    IOJob *job;

    while ((job = iothread_next(t))) {
        job->work(job);
        t->lock(t->lock_opaque);
        job->complete(job);
        t->unlock(t->lock_opaque);
        iothread_done(t);
    }
    return NULL;
}

int iothread_start(IOThread *t, void (*lock)(void *), void (*unlock)(void *),
                   void *opaque, Error *err)
{
    int r;

    memset(t, 0, sizeof(*t));
    pthread_mutex_init(&t->qlock, NULL);
    pthread_cond_init(&t->qcond, NULL);
    pthread_cond_init(&t->idle, NULL);
    t->lock = lock;
    t->unlock = unlock;
    t->lock_opaque = opaque;
    if ((r = pthread_create(&t->thread, NULL, iothread_main, t)) != 0) {
        return error_setg(err, "cannot start an I/O thread: %s", strerror(r));
    }
    t->started = true;
    return 0;
}

void iothread_submit(IOThread *t, IOJob *job)
{
    job->next = NULL;
    pthread_mutex_lock(&t->qlock);
    if (t->tail) {
        t->tail->next = job;
    } else {
        t->head = job;
    }
    t->tail = job;
    t->busy++;
    pthread_cond_signal(&t->qcond);
    pthread_mutex_unlock(&t->qlock);
}

void iothread_drain(IOThread *t)
{
    pthread_mutex_lock(&t->qlock);
    while (t->busy) {
        pthread_cond_wait(&t->idle, &t->qlock);
    }
    pthread_mutex_unlock(&t->qlock);
}

void iothread_stop(IOThread *t)
{
    if (!t->started) {
        return;
    }
    iothread_drain(t);
    pthread_mutex_lock(&t->qlock);
    t->stop = true;
    pthread_cond_signal(&t->qcond);
    pthread_mutex_unlock(&t->qlock);
    pthread_join(t->thread, NULL);
    t->started = false;
    pthread_mutex_destroy(&t->qlock);
    pthread_cond_destroy(&t->qcond);
    pthread_cond_destroy(&t->idle);
}
