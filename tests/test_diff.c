#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/diff.h"
#include "tests/repair_fx.h"
#include "tests/suites.h"

START_TEST(test_diff)
{
	struct ag_buf b = {0};
	ag_diff_unified("a", "x\n", 2, "b", "x\n", 2, &b);
	ck_assert_uint_eq(b.len, 0);
	const char *a = "1\n2\n3\n4\n5\n6\n7\n8\n9\n";
	const char *c = "1\n2\n3\n4\nFIVE\n6\n7\n8\n9\n";
	ag_diff_unified("f", a, strlen(a), "f", c, strlen(c), &b);
	ck_assert_str_eq(b.p, "--- f\n+++ f\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+FIVE\n 6\n 7\n 8\n");
	ag_buf_free(&b);
	ag_diff_unified(NULL, "", 0, "new.py", "a\nb\n", 4, &b);
	ck_assert_str_eq(b.p, "--- /dev/null\n+++ new.py\n@@ -0,0 +1,2 @@\n+a\n+b\n");
	ag_buf_free(&b);
	ag_diff_unified("x", "a\nb", 3, "x", "a\nb\n", 4, &b);
	ck_assert_str_eq(b.p, "--- x\n+++ x\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of "
	                      "file\n+b\n");
	ag_buf_free(&b);
	/* Two changes far apart are two hunks. */
	struct ag_buf x = {0}, y = {0};
	for (int i = 0; i < 40; i++) {
		ag_buf_addf(&x, "%d\n", i);
		ag_buf_addf(&y, "%d\n", i == 3 ? 333 : i == 30 ? 3030 : i);
	}
	ag_diff_unified("f", x.p, x.len, "f", y.p, y.len, &b);
	ck_assert_ptr_nonnull(strstr(b.p, "@@ -1,7 +1,7 @@\n"));
	ck_assert_ptr_nonnull(strstr(b.p, "@@ -28,7 +28,7 @@\n"));
	ck_assert_ptr_nonnull(strstr(b.p, "-30\n+3030\n"));
	ag_buf_free(&b);
	ag_buf_free(&x);
	ag_buf_free(&y);
}
END_TEST

/* Bytes that are no text: NULs, CRs, invalid UTF-8, no newline at all;
 * and inputs past the LCS bound, diffed wholesale rather than slowly. */
START_TEST(test_diff_odd_input)
{
	struct ag_buf b = {0};
	const char a[] = "x\0y\r\n\xff\xfe\n";
	const char c[] = "x\0z\r\n\xff\xfe\n";
	ag_diff_unified("a", a, sizeof a - 1, "b", c, sizeof c - 1, &b);
	ck_assert_uint_gt(b.len, 0);
	ck_assert(memmem(b.p, b.len, "-x\0y\r\n+x\0z\r\n", 12) != NULL);
	ag_buf_free(&b);
	ag_diff_unified("a", "no newline", 10, "b", NULL, 0, &b);
	ck_assert_str_eq(b.p, "--- a\n+++ b\n@@ -1,1 +0,0 @@\n-no newline\n\\ No newline at end of "
	                      "file\n");
	ag_buf_free(&b);
	/* 3,000 lines against 3,000 others: 9 million pairs, past the bound. */
	struct ag_buf x = {0}, y = {0};
	for (int i = 0; i < 3000; i++) {
		ag_buf_addf(&x, "a%d\n", i);
		ag_buf_addf(&y, "b%d\n", i);
	}
	ag_diff_unified("f", x.p, x.len, "f", y.p, y.len, &b);
	ck_assert_ptr_nonnull(strstr(b.p, "@@ -1,3000 +1,3000 @@\n-a0\n"));
	ck_assert_ptr_nonnull(strstr(b.p, "-a2999\n+b0\n"));
	ag_buf_free(&b);
	ag_buf_free(&x);
	ag_buf_free(&y);
}
END_TEST

Suite *diff_suite(void)
{
	Suite *s = suite_create("diff");
	TCase *tc0 = tcase_create("core");
	tcase_add_test(tc0, test_diff);
	suite_add_tcase(s, tc0);
	TCase *tc1 = tcase_create("errors");
	tcase_add_test(tc1, test_diff_odd_input);
	suite_add_tcase(s, tc1);
	return s;
}
