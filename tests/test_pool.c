/* Tests for lib/pool.c: every index once, slots within the thread count,
 * one thread a plain loop in order. */
#include <check.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "lib/pool.h"
#include "lib/util.h"
#include "tests/suites.h"

struct visits {
	atomic_int *count; /* per index */
	int *slot;         /* per index: the slot that ran it */
	size_t *order;     /* with one thread: the order of the calls */
	atomic_size_t calls;
};

static void visit(void *arg, size_t i, int slot)
{
	struct visits *v = arg;
	atomic_fetch_add(&v->count[i], 1);
	v->slot[i] = slot;
	size_t k = atomic_fetch_add(&v->calls, 1);
	v->order[k] = i;
}

START_TEST(test_every_index_once)
{
	const size_t sizes[] = {0, 1, 2, 3, 1000};
	const int threads[] = {-1, 0, 1, 2, 3, 8, 100};
	for (size_t a = 0; a < AG_ARRAY_LEN(sizes); a++) {
		for (size_t b = 0; b < AG_ARRAY_LEN(threads); b++) {
			size_t n = sizes[a];
			struct visits v = {
				.count = ag_calloc(n + 1, sizeof *v.count),
				.slot = ag_calloc(n + 1, sizeof *v.slot),
				.order = ag_calloc(n + 1, sizeof *v.order),
			};
			atomic_init(&v.calls, 0);
			ag_pool_run(n, threads[b], visit, &v);
			ck_assert_uint_eq(atomic_load(&v.calls), n);
			int cap = threads[b] < 1 ? 1
				  : threads[b] > AG_POOL_MAX_THREADS ? AG_POOL_MAX_THREADS
								      : threads[b];
			for (size_t i = 0; i < n; i++) {
				ck_assert_int_eq(atomic_load(&v.count[i]), 1);
				ck_assert_int_ge(v.slot[i], 0);
				ck_assert_int_lt(v.slot[i], cap);
				if (cap == 1) /* one thread: a plain loop, in order */
					ck_assert_uint_eq(v.order[i], i);
			}
			free(v.count);
			free(v.slot);
			free(v.order);
		}
	}
}
END_TEST

START_TEST(test_threads)
{
	int n = ag_pool_threads();
	ck_assert_int_ge(n, 1);
	ck_assert_int_le(n, AG_POOL_MAX_THREADS);
}
END_TEST

Suite *pool_suite(void)
{
	Suite *s = suite_create("pool");
	TCase *tc = tcase_create("run");
	tcase_add_test(tc, test_every_index_once);
	tcase_add_test(tc, test_threads);
	suite_add_tcase(s, tc);
	return s;
}
