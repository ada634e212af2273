/* Tests for lib/procfile.c: the release line found and merged as text. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "lib/procfile.h"
#include "lib/util.h"
#include "tests/suites.h"

static const struct ag_procfile_merge_opts skip = {
    .guard = "bin/alembic-guard",
    .on_ahead = "skip",
    .default_cmd = "alembic upgrade head",
};

static struct ag_procfile_merge_result res;
static struct ag_err err;

/* Merges text with o; checks the change kind; returns the new text. */
static char *merge(const char *text, const struct ag_procfile_merge_opts *o,
                   enum ag_procfile_change want)
{
	ag_procfile_merge_result_free(&res);
	memset(&err, 0, sizeof err);
	size_t len = 0;
	char *out = ag_procfile_merge(text, text ? strlen(text) : 0, o, &res, &len, &err);
	ck_assert_msg(out != NULL, "%s", err.msg);
	ck_assert_uint_eq(strlen(out), len);
	ck_assert_int_eq(res.change, want);
	return out;
}

static void expect(const char *text, const struct ag_procfile_merge_opts *o,
                   enum ag_procfile_change want, const char *result)
{
	char *out = merge(text, o, want);
	ck_assert_str_eq(out, result);
	free(out);
}

START_TEST(test_new_file)
{
	expect(NULL, &skip, AG_PROCFILE_ADD,
	       "release: bin/alembic-guard release --on-ahead skip -- alembic upgrade head\n");
	ck_assert_int_eq(res.line, 1);
	ck_assert_ptr_null(res.old_command);
	ck_assert_str_eq(res.on_ahead, "skip");
	expect("", &skip, AG_PROCFILE_ADD,
	       "release: bin/alembic-guard release --on-ahead skip -- alembic upgrade head\n");
}
END_TEST

START_TEST(test_keeps_other_lines)
{
	expect("web: gunicorn app:app\n# workers\n\nworker: python w.py\n", &skip, AG_PROCFILE_ADD,
	       "web: gunicorn app:app\n# workers\n\nworker: python w.py\n"
	       "release: bin/alembic-guard release --on-ahead skip -- alembic upgrade head\n");
	ck_assert_int_eq(res.line, 5);
	/* No newline at the end: one is added before the new line. */
	expect("web: gunicorn app:app", &skip, AG_PROCFILE_ADD,
	       "web: gunicorn app:app\n"
	       "release: bin/alembic-guard release --on-ahead skip -- alembic upgrade head\n");
	/* CRLF stays CRLF. */
	expect("web: gunicorn app:app\r\n", &skip, AG_PROCFILE_ADD,
	       "web: gunicorn app:app\r\n"
	       "release: bin/alembic-guard release --on-ahead skip -- alembic upgrade head\r\n");
	/* An indented or commented release is not a process line. */
	expect("#release: x\n  release: y\nreleases: z\n", &skip, AG_PROCFILE_ADD,
	       "#release: x\n  release: y\nreleases: z\n"
	       "release: bin/alembic-guard release --on-ahead skip -- alembic upgrade head\n");
}
END_TEST

START_TEST(test_wraps_other_release)
{
	expect("web: gunicorn app:app\r\nrelease:   alembic upgrade head  \r\nworker: w\r\n", &skip,
	       AG_PROCFILE_WRAP,
	       "web: gunicorn app:app\r\nrelease:   bin/alembic-guard release --on-ahead skip -- "
	       "alembic upgrade head  \r\nworker: w\r\n");
	ck_assert_str_eq(res.old_command, "alembic upgrade head");
	ck_assert_int_eq(res.line, 2);
	/* Shell syntax keeps its meaning through sh -c. */
	expect("release: ./tasks.sh && alembic upgrade head; echo \"it's $X\"\n", &skip,
	       AG_PROCFILE_WRAP,
	       "release: bin/alembic-guard release --on-ahead skip -- sh -c './tasks.sh && alembic "
	       "upgrade head; echo \"it'\\''s $X\"'\n");
	/* An empty release line gets the default command. */
	expect("release:\n", &skip, AG_PROCFILE_WRAP,
	       "release: bin/alembic-guard release --on-ahead skip -- alembic upgrade head\n");
	/* Global options for the line. */
	struct ag_procfile_merge_opts g = skip;
	g.globals = "-c 'my dir/alembic.ini'";
	expect("release: alembic upgrade head", &g, AG_PROCFILE_WRAP,
	       "release: bin/alembic-guard -c 'my dir/alembic.ini' release --on-ahead skip -- "
	       "alembic upgrade head");
}
END_TEST

START_TEST(test_guard_line)
{
	/* Already right: nothing changes. */
	const char *same =
	    "release: bin/alembic-guard release --on-ahead skip -- alembic upgrade head\n";
	expect(same, &skip, AG_PROCFILE_SAME, same);
	ck_assert(!res.on_ahead_kept);
	/* Without --on-ahead: added after `release`, the rest kept. */
	expect("release: ./bin/alembic-guard -c a.ini release --lock-timeout 60 -- alembic upgrade "
	       "heads\n",
	       &skip, AG_PROCFILE_UPDATE,
	       "release: ./bin/alembic-guard -c a.ini release --on-ahead skip --lock-timeout 60 -- "
	       "alembic upgrade heads\n");
	/* A different choice is kept unless forced. */
	const char *fail =
	    "release: alembic-guard release --on-ahead fail -- alembic upgrade head\n";
	expect(fail, &skip, AG_PROCFILE_SAME, fail);
	ck_assert(res.on_ahead_kept);
	ck_assert_str_eq(res.on_ahead, "fail");
	struct ag_procfile_merge_opts forced = skip;
	forced.on_ahead_forced = true;
	expect(fail, &forced, AG_PROCFILE_UPDATE,
	       "release: alembic-guard release --on-ahead skip -- alembic upgrade head\n");
	ck_assert_str_eq(res.on_ahead, "skip");
	expect("release: bin/alembic-guard-static release --on-ahead=auto -- x\n", &forced,
	       AG_PROCFILE_UPDATE, "release: bin/alembic-guard-static release --on-ahead=skip -- x\n");
	/* `release` after the -- is the command's word, not the guard's. */
	expect("release: bin/alembic-guard check -- release\n", &skip, AG_PROCFILE_WRAP,
	       "release: bin/alembic-guard release --on-ahead skip -- bin/alembic-guard check -- "
	       "release\n");
}
END_TEST

START_TEST(test_shell_word)
{
	const char *cases[][2] = {
	    {"alembic.ini", "alembic.ini"},
	    {"a b", "'a b'"},
	    {"it's", "'it'\\''s'"},
	    {"", "''"},
	    {"$HOME", "'$HOME'"},
	};
	for (size_t i = 0; i < AG_ARRAY_LEN(cases); i++) {
		char *w = ag_procfile_shell_word(cases[i][0]);
		ck_assert_str_eq(w, cases[i][1]);
		free(w);
	}
}
END_TEST

START_TEST(test_errors)
{
	size_t len = 0;
	memset(&err, 0, sizeof err);
	ck_assert_ptr_null(ag_procfile_merge("release: a\nweb: w\nrelease: b\n", 29, &skip, &res,
	                                     &len, &err));
	ck_assert_int_eq(err.kind, AG_ERR_USAGE);
	ck_assert_ptr_nonnull(strstr(err.msg, "lines 1 and 3"));
	memset(&err, 0, sizeof err);
	ck_assert_ptr_null(ag_procfile_merge("release: a\x01" "b\n", 13, &skip, &res, &len, &err));
	ck_assert_ptr_nonnull(strstr(err.msg, "control character"));
	/* A NUL byte in another line is kept as it is. */
	const char nul[] = "web: a\0b\n";
	memset(&err, 0, sizeof err);
	char *out = ag_procfile_merge(nul, sizeof nul - 1, &skip, &res, &len, &err);
	ck_assert_ptr_nonnull(out);
	ck_assert_uint_eq(len, sizeof nul - 1 + strlen("release: bin/alembic-guard release "
	                                               "--on-ahead skip -- alembic upgrade head\n"));
	ck_assert_mem_eq(out, nul, sizeof nul - 1);
	free(out);
}
END_TEST

/* Any bytes: a result or a clear error, and every other line kept. */
START_TEST(test_malformed)
{
	unsigned seed = 7;
	const char alphabet[] = "release:web \t\r\n#-_\x01\xff\"'$";
	for (int round = 0; round < 2000; round++) {
		char buf[64];
		size_t n = (size_t)(rand_r(&seed) % sizeof buf);
		for (size_t i = 0; i < n; i++)
			buf[i] = alphabet[rand_r(&seed) % (sizeof alphabet - 1)];
		size_t len = 0;
		memset(&err, 0, sizeof err);
		ag_procfile_merge_result_free(&res);
		char *out = ag_procfile_merge(buf, n, &skip, &res, &len, &err);
		if (!out) {
			ck_assert_int_eq(err.kind, AG_ERR_USAGE);
			continue;
		}
		if (res.change == AG_PROCFILE_ADD)
			ck_assert_mem_eq(out, buf, n);
		ck_assert_ptr_nonnull(strstr(out, "release --on-ahead skip -- "));
		free(out);
	}
	ag_procfile_merge_result_free(&res);
}
END_TEST

Suite *procfile_suite(void)
{
	Suite *s = suite_create("procfile");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_new_file);
	tcase_add_test(tc, test_keeps_other_lines);
	tcase_add_test(tc, test_wraps_other_release);
	tcase_add_test(tc, test_guard_line);
	tcase_add_test(tc, test_shell_word);
	suite_add_tcase(s, tc);
	tc = tcase_create("errors");
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_malformed);
	suite_add_tcase(s, tc);
	return s;
}
