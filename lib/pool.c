#include "pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

struct pool_job {
	size_t n;
	atomic_size_t next;
	ag_pool_fn fn;
	void *arg;
};

struct pool_thread {
	struct pool_job *job;
	int slot;
};

static void *pool_worker(void *arg)
{
	struct pool_thread *t = arg;
	struct pool_job *j = t->job;
	for (;;) {
		size_t i = atomic_fetch_add(&j->next, 1);
		if (i >= j->n)
			break;
		j->fn(j->arg, i, t->slot);
	}
	return NULL;
}

int ag_pool_threads(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1)
		return 1;
	return n > AG_POOL_MAX_THREADS ? AG_POOL_MAX_THREADS : (int)n;
}

void ag_pool_run(size_t n, int threads, ag_pool_fn fn, void *arg)
{
	struct pool_job j = {.n = n, .fn = fn, .arg = arg};
	atomic_init(&j.next, 0);
	if (threads > AG_POOL_MAX_THREADS)
		threads = AG_POOL_MAX_THREADS;
	/* No more threads than indexes: a thread with nothing to do costs
	 * its start-up and nothing else. */
	if (threads < 1 || n < 2)
		threads = 1;
	else if ((size_t)threads > n)
		threads = (int)n;
	pthread_t th[AG_POOL_MAX_THREADS];
	struct pool_thread slots[AG_POOL_MAX_THREADS];
	int started = 0;
	for (int t = 1; t < threads; t++) {
		slots[t] = (struct pool_thread){.job = &j, .slot = t};
		if (pthread_create(&th[started], NULL, pool_worker, &slots[t]) != 0)
			break; /* the threads that did start do the rest */
		started++;
	}
	slots[0] = (struct pool_thread){.job = &j, .slot = 0};
	pool_worker(&slots[0]);
	for (int t = 0; t < started; t++)
		pthread_join(th[t], NULL);
}
