/* The Check runner: one suite per lib/ module (tests/test_<module>.c), each
 * exporting a `Suite *<module>_suite(void)`. */
#include <check.h>
#include <stdlib.h>

#include "tests/suites.h"

int main(void)
{
	SRunner *sr = srunner_create(NULL);
	for (size_t i = 0; ag_test_suites[i]; i++)
		srunner_add_suite(sr, ag_test_suites[i]());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
