/*
 * pool: a tiny fork-join over an index range, so that reading and parsing
 * the migration files keeps every core busy. ag_pool_run calls
 * fn(arg, i, slot) once for every i in [0, n), on up to `threads` threads
 * (the caller's among them), and returns when all calls have returned.
 * slot (0 to threads - 1) names the thread making the call, so a caller
 * can keep one scratch buffer per thread without locks. Indexes are handed
 * out one at a time from a shared counter, so a slow file does not hold up
 * the others; which thread runs which index is not fixed, so fn must write
 * only to what belongs to index i (results stored per index keep the output
 * identical to a run on one thread).
 *
 * Ownership: nothing is allocated that outlives the call.
 * Errors: none come back. A thread that cannot be started is not an error:
 * the threads that did start (at least the caller's) do all the work, so
 * one thread behaves exactly as a plain loop.
 */
#ifndef AG_POOL_H
#define AG_POOL_H

#include <stddef.h>

#define AG_POOL_MAX_THREADS 8 /* past this, reading files gains nothing */

/* The number of threads worth starting: the online CPUs, 1 to
 * AG_POOL_MAX_THREADS. */
int ag_pool_threads(void);

/* fn(arg, i, slot) for i in [0, n) on up to threads threads (< 1 counts
 * as 1, more than AG_POOL_MAX_THREADS as that many). */
typedef void (*ag_pool_fn)(void *arg, size_t i, int slot);
void ag_pool_run(size_t n, int threads, ag_pool_fn fn, void *arg);

#endif
