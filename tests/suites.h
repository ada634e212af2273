/* Every Check suite; add one line per tests/test_<module>.c. */
#ifndef AG_TEST_SUITES_H
#define AG_TEST_SUITES_H

#include <check.h>
#include <stddef.h>

Suite *finding_suite(void);

static Suite *(*const ag_test_suites[])(void) = {
	finding_suite,
	NULL,
};

#endif
