/* Tests for lib/opts.c: the help rendered from an option table, the usage
 * line, the edit distance and the "did you mean" suggestion. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "lib/opts.h"
#include "tests/suites.h"

static const struct ag_opt table[] = {
	{2000, "config", 'c', "FILE", "alembic.ini or pyproject.toml"},
	{2001, "strict", 0, NULL, "warnings count as errors"},
	{2002, "version-table-schema", 0, "NAME",
	 "the schema of the version table, which is a long help text that must be wrapped "
	 "onto a second line"},
	{2003, "quiet", 'q', NULL, NULL},
	{0, NULL, 0, NULL, NULL},
};

START_TEST(test_lookup)
{
	ck_assert_uint_eq(ag_opts_count(table), 4);
	ck_assert_uint_eq(ag_opts_count(NULL), 0);
	ck_assert_int_eq(ag_opts_find(table, "strict")->id, 2001);
	ck_assert_ptr_null(ag_opts_find(table, "stric"));
	ck_assert_int_eq(ag_opts_find_short(table, 'q')->id, 2003);
	ck_assert_ptr_null(ag_opts_find_short(table, 'x'));
	ck_assert_ptr_null(ag_opts_find_short(table, 0)); /* no short name is not a match */
	ck_assert_str_eq(ag_opts_find_id(table, 2002)->name, "version-table-schema");
	ck_assert_ptr_null(ag_opts_find_id(table, 7));
}
END_TEST

START_TEST(test_help)
{
	struct ag_buf b = {0};
	ag_opts_help(table, &b);
	ck_assert_str_eq(b.p,
			 "  -c, --config FILE           alembic.ini or pyproject.toml\n"
			 "      --strict                warnings count as errors\n"
			 "      --version-table-schema NAME\n"
			 "                              the schema of the version table, which is a long\n"
			 "                              help text that must be wrapped onto a second line\n"
			 "  -q, --quiet\n");
	/* every line fits 80 columns */
	for (char *line = b.p; *line;) {
		size_t n = strcspn(line, "\n");
		ck_assert_uint_le(n, 80);
		line += n + 1;
	}
	ag_buf_free(&b);
}
END_TEST

START_TEST(test_row)
{
	struct ag_buf b = {0};
	ag_opts_row("  3", "the Platform API failed\nsecond line", 8, &b);
	ck_assert_str_eq(b.p, "  3     the Platform API failed\n        second line\n");
	ag_buf_free(&b);
	/* no left part: the text starts at the column */
	ag_opts_row("", "word", 0, &b);
	ck_assert_str_eq(b.p, "word\n");
	ag_buf_free(&b);
	/* a word longer than the line is kept whole */
	char longw[100];
	memset(longw, 'x', 99);
	longw[99] = '\0';
	ag_opts_row("", longw, 0, &b);
	ck_assert_uint_eq(b.len, 100);
	ag_buf_free(&b);
}
END_TEST

START_TEST(test_usage)
{
	struct ag_buf b = {0};
	ag_buf_adds(&b, "usage: alembic-guard check");
	ag_opts_usage(table, b.len, 27, &b);
	ck_assert_str_eq(b.p, "usage: alembic-guard check [-c|--config FILE] [--strict]\n"
			      "                           [--version-table-schema NAME] [-q|--quiet]");
	ag_buf_free(&b);
	ag_opts_usage(NULL, 0, 0, &b);
	ck_assert_uint_eq(b.len, 0);
}
END_TEST

START_TEST(test_distance)
{
	ck_assert_uint_eq(ag_opts_distance("", ""), 0);
	ck_assert_uint_eq(ag_opts_distance("check", "check"), 0);
	ck_assert_uint_eq(ag_opts_distance("chek", "check"), 1);    /* deletion */
	ck_assert_uint_eq(ag_opts_distance("chekc", "check"), 1);   /* transposition */
	ck_assert_uint_eq(ag_opts_distance("checx", "check"), 1);   /* substitution */
	ck_assert_uint_eq(ag_opts_distance("checks", "check"), 1);  /* insertion */
	ck_assert_uint_eq(ag_opts_distance("", "lint"), 4);
	ck_assert_uint_eq(ag_opts_distance("kitten", "sitting"), 3);
	/* past 64 bytes: unrelated, more than either length */
	char a[80];
	memset(a, 'a', 79);
	a[79] = '\0';
	ck_assert_uint_gt(ag_opts_distance(a, a), 79);
}
END_TEST

static const char *const commands[] = {"backfill", "check", "diagnose", "graph", "heads",
				       "lint", "release", "releases", "rename", "wait-release"};

START_TEST(test_suggest)
{
	size_t n = sizeof commands / sizeof *commands;
	ck_assert_str_eq(ag_opts_suggest("chek", commands, n), "check");
	ck_assert_str_eq(ag_opts_suggest("lnit", commands, n), "lint");
	ck_assert_str_eq(ag_opts_suggest("wait-relase", commands, n), "wait-release");
	ck_assert_str_eq(ag_opts_suggest("releas", commands, n), "release"); /* tie: the first */
	ck_assert_str_eq(ag_opts_suggest("diag", commands, n), "diagnose"); /* the one prefix */
	ck_assert_ptr_null(ag_opts_suggest("frobnicate", commands, n));
	ck_assert_ptr_null(ag_opts_suggest("", commands, n));
	ck_assert_ptr_null(ag_opts_suggest("x", commands, 0));
	/* short words need a close match: "ab" is not "heads" */
	ck_assert_ptr_null(ag_opts_suggest("ab", commands, n));
	static const char *const opts[] = {"require-at-head", "notify", "target", "format"};
	ck_assert_str_eq(ag_opts_suggest("requre-at-head", opts, 4), "require-at-head");
	ck_assert_str_eq(ag_opts_suggest("fromat", opts, 4), "format");
	/* any bytes: no crash, no match */
	ck_assert_ptr_null(ag_opts_suggest("\xff\xfe\x01", opts, 4));
}
END_TEST

Suite *opts_suite(void)
{
	Suite *s = suite_create("opts");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_lookup);
	tcase_add_test(tc, test_help);
	tcase_add_test(tc, test_row);
	tcase_add_test(tc, test_usage);
	suite_add_tcase(s, tc);
	tc = tcase_create("suggest");
	tcase_add_test(tc, test_distance);
	tcase_add_test(tc, test_suggest);
	suite_add_tcase(s, tc);
	return s;
}
