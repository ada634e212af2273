#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/template.h"
#include "tests/repair_fx.h"
#include "tests/suites.h"

START_TEST(test_slug)
{
	/* The values Alembic 1.8's _rev_path computes for these messages. */
	static const char *const cases[][2] = {
	    {"add votes", "add_votes"},
	    {"Add Votes!", "add_votes"},
	    {"  guest--vote  lockout.  ", "guest_vote_lockout"},
	    {"", ""},
	    {"???", ""},
	    {"placeholder", "placeholder"},
	    {"a very long message that goes on and on beyond forty characters",
	     "a_very_long_message_that_goes_on_and_on_"},
	    {"abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz",
	     "abcdefghijklmnopqrstuvwxyzabcdefghijklmn_"},
	    {"add_column user.email", "add_column_user_email"},
	};
	for (size_t i = 0; i < AG_ARRAY_LEN(cases); i++) {
		char *s = ag_template_slug(cases[i][0], 0);
		ck_assert_msg(strcmp(s, cases[i][1]) == 0, "slug(%s) = %s, want %s", cases[i][0], s,
		              cases[i][1]);
		free(s);
	}
	char *s = ag_template_slug("one two three", 7);
	ck_assert_str_eq(s, "one_");
	free(s);
}
END_TEST

START_TEST(test_file_name)
{
	struct ag_err err = {0};
	setenv("TZ", "UTC", 1);
	tzset();
	time_t t = 1790000000; /* 2026-09-21 14:13:20 UTC */
	char *n = ag_template_file_name(NULL, "abc", "add_votes", t, &err);
	ck_assert_str_eq(n, "abc_add_votes.py");
	free(n);
	n = ag_template_file_name(
	    "%(year)d_%(month).2d_%(day).2d_%(hour).2d%(minute).2d-%(rev)s_%(slug)s", "abc", "x", t,
	    &err);
	ck_assert_str_eq(n, "2026_09_21_1413-abc_x.py");
	free(n);
	n = ag_template_file_name("%(epoch)s_%(rev)s", "r1", "", t, &err);
	ck_assert_str_eq(n, "1790000000_r1.py");
	free(n);
	n = ag_template_file_name("%(rev)5s|%(rev)-5s|%(slug).2s|%%|%(day)03d", "ab", "xyz", t, &err);
	ck_assert_str_eq(n, "   ab|ab   |xy|%|021.py");
	free(n);
	/* Templates Alembic could not expand either. */
	ck_assert_ptr_null(ag_template_file_name("%(nope)s", "a", "b", t, &err));
	ck_assert_int_eq(err.kind, AG_ERR_CONFIG);
	ck_assert_ptr_nonnull(strstr(err.msg, "nope"));
	ck_assert_ptr_null(ag_template_file_name("%s_%(rev)s", "a", "b", t, &err));
	ck_assert_ptr_null(ag_template_file_name("%(rev)d", "a", "b", t, &err));
	ck_assert_ptr_null(ag_template_file_name("%(rev", "a", "b", t, &err));
	ck_assert_ptr_null(ag_template_file_name("%(rev)q", "a", "b", t, &err));
}
END_TEST

START_TEST(test_name_conforms)
{
	ck_assert(ag_template_name_conforms(NULL, "abc_add_votes.py", "abc", false, 0));
	ck_assert(ag_template_name_conforms(NULL, "abc_.py", "abc", false, 0));
	ck_assert(!ag_template_name_conforms(NULL, "add_votes.py", "abc", false, 0));
	ck_assert(!ag_template_name_conforms(NULL, "abcd_add.py", "abc", false, 0));
	ck_assert(!ag_template_name_conforms(NULL, "abc_Add-Votes.py", "abc", false, 0));
	ck_assert(!ag_template_name_conforms(NULL, "abc_add.txt", "abc", false, 0));
	const char *tmpl = "%(year)d_%(month).2d_%(day).2d-%(rev)s_%(slug)s";
	setenv("TZ", "UTC", 1);
	tzset();
	ck_assert(ag_template_name_conforms(tmpl, "2026_09_21-r1_x.py", "r1", true, 1790000000));
	ck_assert(!ag_template_name_conforms(tmpl, "2026_09_22-r1_x.py", "r1", true, 1790000000));
	/* Without a known date, any digits do. */
	ck_assert(ag_template_name_conforms(tmpl, "2026_09_22-r1_x.py", "r1", false, 0));
	ck_assert(!ag_template_name_conforms(tmpl, "r1_x.py", "r1", false, 0));
}
END_TEST

Suite *template_suite(void)
{
	Suite *s = suite_create("template");
	TCase *tc0 = tcase_create("core");
	tcase_add_test(tc0, test_slug);
	tcase_add_test(tc0, test_file_name);
	tcase_add_test(tc0, test_name_conforms);
	suite_add_tcase(s, tc0);
	return s;
}
