/*
 * core/threads.h - --threads N: a worker serving on N OS threads, each
 * with its own event loop and cores (core/threads.c).
 *
 * The core's per-loop state (the event base, the cores, the connections,
 * the FIFO, the access-log buffer, scratch buffers...) is thread-local:
 * every file-scope variable the serving path writes is declared WEFT_TLS.
 * Configuration read after start-up stays shared.  Without --threads the
 * worker's one thread is thread 0 and nothing else changes.
 */
#ifndef WEFT_CORE_THREADS_H
#define WEFT_CORE_THREADS_H

#include <stdint.h>

#include "conf.h"

/* Per-thread state of the serving path (cheap in the executable: the
 * local-exec model, one %fs-relative access). */
#define WEFT_TLS __thread

/* This thread's index in its worker: 0 for the worker's first thread (the
 * one that handles signals; under --threads it serves nothing), 1 .. N for
 * the serving threads of --threads N. */
extern WEFT_TLS unsigned weft_thread_index;

/* Nonzero when the worker serves on more than one thread. */
#define weft_threads_on() (weft_conf_threads() > 1)

/*
 * At start-up, before the master forks: refuse what --threads cannot run
 * with (--async above 1, a suspend or loop engine, a language without
 * thread_init, a stack size below the system's minimum), logging why.
 * WEFT_OK without --threads.
 */
int  weft_threads_check(void);

/* On thread 0, its loop set up, before it runs: start serving threads
 * 1 .. N, each running weft_worker_thread_main(), and wait until each has
 * run its languages' thread_init().  WEFT_ERROR, logged. */
int  weft_threads_start(void);

/* On any thread, with its loop set up: watch this thread's control eventfd
 * (stop requests, and on thread 0 the others finishing). */
int  weft_threads_watch(void);

/* Ask every other serving thread to stop (graceful: drain first). */
void weft_threads_stop_others(int graceful);

/* Serving threads whose loop is not over yet. */
unsigned weft_threads_running(void);

/* On a serving thread, once, before it serves: its thread_init() calls
 * went well (ok) or not.  weft_threads_start() waits for every thread's. */
void weft_threads_ready(int ok);

/* On a serving thread, its loop over: count it out and tell thread 0. */
void weft_threads_done(void);

/* On thread 0 after its loop: wait until every serving thread's loop is
 * over (a hard stop ends each at its next turn).  WEFT_ERROR when one of
 * them could not start serving; WEFT_AGAIN when, after a hard stop, some
 * are still inside a request after a couple of seconds. */
int  weft_threads_wait(void);

/* --max-requests across the worker's threads: count one request, return
 * the worker's total so far. */
uint64_t weft_threads_count_request(void);

#endif
