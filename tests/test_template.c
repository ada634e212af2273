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

/* A file without a message: the slug is in its name, after the id and
 * the template's '_' (which Alembic's \\w+ would keep as a word). */
START_TEST(test_file_slug)
{
	static const char *const cases[][3] = {
	    {"a1b2c3_add_users.py", "a1b2c3", "add_users"},
	    {"a1b2c3_.py", "a1b2c3", ""},          /* alembic revision without -m */
	    {"a1b2c3__private.py", "a1b2c3", "_private"}, /* -m _private */
	    {"a1b2c3.py", "a1b2c3", ""},
	    {"x_add_users.py", "x", "add_users"},
	    {"xy_add.py", "x", "xy_add"},          /* an id is a whole word */
	    {"0123abcd_old_name.py", "new", "old_name"}, /* looks like an id */
	    {"0123_old_name.py", "new", "0123_old_name"}, /* too short to be one */
	    {"Add Users.py", NULL, "add_users"},
	};
	for (size_t i = 0; i < AG_ARRAY_LEN(cases); i++) {
		const char *ids[2] = {NULL, cases[i][1]};
		char *s = ag_template_file_slug(NULL, cases[i][0], ids, 2);
		ck_assert_msg(strcmp(s, cases[i][2]) == 0, "file_slug(%s) = %s, want %s",
			      cases[i][0], s, cases[i][2]);
		free(s);
	}
	/* the first id that matches wins (an old id, then the new one) */
	const char *ids[2] = {"abc", "abc_d"};
	char *s = ag_template_file_slug(NULL, "abc_d_e.py", ids, 2);
	ck_assert_str_eq(s, "d_e");
	free(s);
	/* a message wins over the name; an empty one does not */
	s = ag_template_file_slug("Add Votes!", "abc_d_e.py", ids, 2);
	ck_assert_str_eq(s, "add_votes");
	free(s);
	s = ag_template_file_slug("", "abc_d_e.py", ids, 2);
	ck_assert_str_eq(s, "d_e");
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

START_TEST(test_uses_date)
{
	ck_assert(!ag_template_uses_date(NULL));
	ck_assert(!ag_template_uses_date("%(rev)s_%(slug)s"));
	ck_assert(!ag_template_uses_date("%%(year)d_%(rev)s")); /* an escaped %, not a field */
	ck_assert(ag_template_uses_date("%(year)d_%(rev)s"));
	ck_assert(ag_template_uses_date("%(epoch)s_%(rev)s"));
	ck_assert(ag_template_uses_date("%(rev)s_%(second)02d"));
	ck_assert(!ag_template_uses_date("%(nope)s")); /* cannot be expanded at all */
}
END_TEST

START_TEST(test_dates)
{
	setenv("TZ", "UTC", 1);
	tzset();
	time_t t = 0;
	ck_assert(ag_template_parse_date("2026-09-21 14:13:20.550912", &t));
	ck_assert_int_eq((long long)t, 1790000000LL);
	ck_assert(ag_template_parse_date("2026-09-21 14:13:20", &t));
	ck_assert_int_eq((long long)t, 1790000000LL);
	ck_assert(!ag_template_parse_date(NULL, &t));
	ck_assert(!ag_template_parse_date("", &t));
	ck_assert(!ag_template_parse_date("yesterday", &t));
	ck_assert(!ag_template_parse_date("2026-13-45", &t));
	char buf[48];
	ag_template_format_date(1790000000, 550912, buf, sizeof buf);
	ck_assert_str_eq(buf, "2026-09-21 14:13:20.550912");
	ag_template_format_date(1790000000, 0, buf, sizeof buf);
	ck_assert_str_eq(buf, "2026-09-21 14:13:20");
	/* What format_date writes, parse_date reads back. */
	ag_template_format_date(1790000000, 7, buf, sizeof buf);
	ck_assert(ag_template_parse_date(buf, &t));
	ck_assert_int_eq((long long)t, 1790000000LL);
}
END_TEST

/* Every name Alembic 1.8 skips, against what the templates can produce. */
START_TEST(test_unloadable)
{
	ck_assert_ptr_null(ag_template_unloadable("a1_add.py"));
	ck_assert_ptr_null(ag_template_unloadable(".hidden.py"));   /* Alembic loads it */
	ck_assert_ptr_null(ag_template_unloadable("_init__.py"));
	ck_assert_ptr_null(ag_template_unloadable("x__init__.py"));
	ck_assert_ptr_nonnull(strstr(ag_template_unloadable("__init__.py"), "__init__"));
	ck_assert_ptr_nonnull(strstr(ag_template_unloadable("__init__x_placeholder.py"), "__init__"));
	ck_assert_ptr_nonnull(strstr(ag_template_unloadable(".#a1.py"), ".#"));
	ck_assert_ptr_nonnull(strstr(ag_template_unloadable("a1.pyc"), ".py"));
	ck_assert_ptr_nonnull(ag_template_unloadable("a1.py.txt"));
	ck_assert_ptr_nonnull(ag_template_unloadable("a1"));
	ck_assert_ptr_nonnull(ag_template_unloadable(""));
	ck_assert_ptr_nonnull(ag_template_unloadable(NULL));
	ck_assert_ptr_nonnull(strstr(ag_template_unloadable("sub/a1.py"), "directory"));
	ck_assert_ptr_nonnull(ag_template_unloadable("a\n.py"));
	/* What templates give for ids no file may start with. */
	struct ag_err err = {0};
	static const char *const cases[][3] = {
	    {NULL, "__init__x", "__init__x_s.py"},
	    {"%(rev)s", "__init__", "__init__.py"},
	    {".#%(rev)s", "a1", ".#a1.py"},
	    {"%(slug)s", "a1", "__init__.py"}, /* slug "__init__" */
	};
	for (size_t i = 0; i < AG_ARRAY_LEN(cases); i++) {
		const char *slug = i == 3 ? "__init__" : "s";
		char *n = ag_template_file_name(cases[i][0], cases[i][1], slug, 0, &err);
		ck_assert_str_eq(n, cases[i][2]);
		ck_assert_msg(ag_template_unloadable(n) != NULL, "%s should be unloadable", n);
		free(n);
	}
	/* Every name a template gives ends in .py. */
	char *n = ag_template_file_name("%(rev)s.txt", "a1", "s", 0, &err);
	ck_assert_str_eq(n, "a1.txt.py");
	ck_assert_ptr_null(ag_template_unloadable(n));
	free(n);
}
END_TEST

/*
 * Where lint's own copies and this module disagreed. lint unescaped "%%("
 * in every template, rename and backfill in none: a pyproject.toml
 * template ("%%(year)d_%%(rev)s") was a date field to lint and literal
 * text to rename. Alembic formats a TOML string with % {"here": ...} and
 * configparser removes an ini's escapes, so lib/config now hands every
 * module the template _rev_path formats, and in that template "%%" is a
 * literal '%'.
 */
START_TEST(test_escapes)
{
	static const char *const cases[][2] = {
	    {"%%(year)d_%%(rev)s_%%(slug)s", "%(year)d_%(rev)s_%(slug)s"},
	    {"%(rev)s_%(slug)s", "%(rev)s_%(slug)s"}, /* Alembic would stop: kept */
	    {"100%%%%_%%(rev)s", "100%%_%(rev)s"},
	    {"%(here)s/%%(rev)s", "/srv/app/%(rev)s"},
	    {"%%(here)s", "%(here)s"}, /* an escaped %, not the directory */
	    {"", ""},
	};
	for (size_t i = 0; i < AG_ARRAY_LEN(cases); i++) {
		char *t = ag_template_from_toml(cases[i][0], "/srv/app");
		ck_assert_msg(strcmp(t, cases[i][1]) == 0, "from_toml(%s) = %s, want %s", cases[i][0],
		              t, cases[i][1]);
		free(t);
	}
	char *t = ag_template_from_toml(NULL, NULL);
	ck_assert_str_eq(t, "");
	free(t);
	/* After the config's escapes, "%%" is literal text in the name. */
	struct ag_err err = {0};
	char *n = ag_template_file_name("%%(year)d_%(rev)s", "r1", "s", 0, &err);
	ck_assert_str_eq(n, "%(year)d_r1.py");
	free(n);
	ck_assert(ag_template_name_conforms("%%(year)d_%(rev)s", "%(year)d_r1.py", "r1", false, 0));
	ck_assert(!ag_template_name_conforms("%%(year)d_%(rev)s", "2026_r1.py", "r1", false, 0));
	ck_assert(!ag_template_uses_date("%%(year)d_%(rev)s"));
	t = ag_template_from_toml("%%(year)d_%%(rev)s", "/x");
	ck_assert(ag_template_uses_date(t));
	free(t);
}
END_TEST

/*
 * lint asked "does the name change with the date?" (two expansions
 * compared), rename "is there a date field?": they disagreed on a field
 * cut to nothing. Alembic's _rev_path writes "%(year).0s" as "" for every
 * date, so the name does not depend on it: no Create Date is needed.
 */
START_TEST(test_blank_date_field)
{
	const char *tmpl = "%(rev)s_%(slug)s%(year).0s";
	ck_assert(!ag_template_uses_date(tmpl));
	ck_assert(ag_template_uses_date("%(rev)s_%(slug)s%(year).1s"));
	ck_assert(ag_template_uses_date("%(rev)s_%(year).0d")); /* "%.0d" % 2026 is "2026" */
	ck_assert(!ag_template_uses_date("%(rev)s%(epoch).0r"));
	struct ag_err err = {0};
	char *n = ag_template_file_name(tmpl, "r1", "x", 1790000000, &err);
	ck_assert_str_eq(n, "r1_x.py");
	free(n);
	n = ag_template_file_name("%(rev)s%(year)3.0s", "r1", "x", 1790000000, &err);
	ck_assert_str_eq(n, "r1   .py"); /* only the padding */
	free(n);
	ck_assert(ag_template_name_conforms(tmpl, "r1_x.py", "r1", false, 0));
	ck_assert(ag_template_name_conforms(tmpl, "r1_x.py", "r1", true, 1790000000));
}
END_TEST

/* What lint's own date parser did, kept: the fraction and anything after
 * the seconds are not read, the wall clock is local time. */
START_TEST(test_dates_lint)
{
	setenv("TZ", "UTC", 1);
	tzset();
	time_t a = 0, b = 0;
	ck_assert(ag_template_parse_date("2024-01-05 11:00:00.000000", &a));
	ck_assert(ag_template_parse_date("2024-01-05 11:00:01", &b));
	ck_assert_int_eq((long long)(b - a), 1);
	/* Alembic's `timezone` setting writes an offset: the fields are read. */
	ck_assert(ag_template_parse_date("2024-01-05 11:00:01.5+05:00", &b));
	ck_assert_int_eq((long long)(b - a), 1);
	setenv("TZ", "Europe/Berlin", 1);
	tzset();
	ck_assert(ag_template_parse_date("2024-07-05 11:00:00", &b));
	ck_assert_int_eq((long long)b, 1720170000LL); /* 09:00 UTC: summer time */
	struct ag_err err = {0};
	char *n = ag_template_file_name("%(year)d_%(month).2d_%(day).2d_%(hour).2d-%(rev)s", "r", "",
	                                b, &err);
	ck_assert_str_eq(n, "2024_07_05_11-r.py"); /* the Create Date's own fields */
	free(n);
	ck_assert(!ag_template_parse_date("2024-01-05", &b));
	setenv("TZ", "UTC", 1);
	tzset();
}
END_TEST

Suite *template_suite(void)
{
	Suite *s = suite_create("template");
	TCase *tc0 = tcase_create("core");
	tcase_add_test(tc0, test_uses_date);
	tcase_add_test(tc0, test_dates);
	tcase_add_test(tc0, test_unloadable);
	tcase_add_test(tc0, test_slug);
	tcase_add_test(tc0, test_file_slug);
	tcase_add_test(tc0, test_file_name);
	tcase_add_test(tc0, test_name_conforms);
	tcase_add_test(tc0, test_escapes);
	tcase_add_test(tc0, test_blank_date_field);
	tcase_add_test(tc0, test_dates_lint);
	suite_add_tcase(s, tc0);
	return s;
}
