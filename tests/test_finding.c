#include <check.h>
#include <stdio.h>
#include <string.h>

#include "lib/finding.h"
#include "tests/suites.h"

START_TEST(test_add_and_sort)
{
	struct ag_findings fs = {0};
	ag_findings_add(&fs, AG_SEV_INFO, "at-head", NULL, NULL, 0, "info %d", 1);
	ag_findings_add(&fs, AG_SEV_WARNING, "multiple-bases", NULL, "b.py", 3, "warn");
	struct ag_finding *f = ag_findings_add(&fs, AG_SEV_ERROR, "cycle", "r1", "a.py", 7, "err");
	ag_finding_fix(f, "fix %s", "it");
	ck_assert_uint_eq(fs.n, 3);
	ag_findings_sort(&fs);
	ck_assert_str_eq(fs.v[0].code, "cycle");
	ck_assert_str_eq(fs.v[0].fix, "fix it");
	ck_assert_str_eq(fs.v[1].code, "multiple-bases");
	ck_assert_str_eq(fs.v[2].message, "info 1");
	ck_assert_uint_eq(ag_findings_count(&fs, AG_SEV_ERROR), 1);
	ck_assert(ag_findings_has(&fs, "at-head"));
	ck_assert(!ag_findings_has(&fs, "nope"));
	ag_findings_free(&fs);
	ck_assert_uint_eq(fs.n, 0);
}
END_TEST

START_TEST(test_sort_is_stable)
{
	struct ag_findings fs = {0};
	for (int i = 0; i < 50; i++)
		ag_findings_add(&fs, AG_SEV_ERROR, "x", NULL, "f.py", 1, "%d", i);
	ag_findings_sort(&fs);
	for (int i = 0; i < 50; i++) {
		char want[8];
		snprintf(want, sizeof want, "%d", i);
		ck_assert_str_eq(fs.v[i].message, want);
	}
	ag_findings_free(&fs);
}
END_TEST

START_TEST(test_move)
{
	struct ag_findings a = {0}, b = {0};
	ag_findings_add(&a, AG_SEV_ERROR, "x", NULL, NULL, 0, "a");
	ag_findings_add(&b, AG_SEV_ERROR, "y", NULL, NULL, 0, "b");
	ag_findings_move(&a, &b);
	ck_assert_uint_eq(a.n, 2);
	ck_assert_uint_eq(b.n, 0);
	ck_assert_str_eq(a.v[1].code, "y");
	ag_findings_free(&a);
	ag_findings_free(&b);
}
END_TEST

/* A fix's own newlines are lines; a newline or ESC in an argument (an id
 * from a row or a file) is shown escaped, and numbers format as printf's. */
START_TEST(test_fix_quotes_arguments)
{
	struct ag_findings fs = {0};
	struct ag_finding *f = ag_findings_add(&fs, AG_SEV_ERROR, "x", NULL, NULL, 0, "m");
	ag_finding_fix(f, "move %s to %.3s (%d, %zu, %ld, %5s|%-3s|%*d, 100%%)\nthen %c",
		       "a\nOK\x1b", "abcdef", -4, (size_t)7, 9L, "ab", "c", 4, 12, 'z');
	ck_assert_str_eq(f->fix, "move a\\nOK\\x1b to abc (-4, 7, 9,    ab|c  |  12, 100%)\nthen z");
	ag_finding_detail(f, "named by %s (%s:%d)", "k\xff", "p\n.py", 3);
	ck_assert_str_eq(f->detail, "named by k\\xff (p\\n.py:3)");
	/* "%s" alone: a prepared text, its lines kept. */
	ag_finding_fix(f, "%s", "UPDATE t;\nDELETE;");
	ck_assert_str_eq(f->fix, "UPDATE t;\nDELETE;");
	ag_findings_free(&fs);
}
END_TEST

Suite *finding_suite(void)
{
	Suite *s = suite_create("finding");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_add_and_sort);
	tcase_add_test(tc, test_fix_quotes_arguments);
	tcase_add_test(tc, test_sort_is_stable);
	tcase_add_test(tc, test_move);
	suite_add_tcase(s, tc);
	return s;
}
