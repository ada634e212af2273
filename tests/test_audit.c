/* Tests for lib/audit.c: the release history's summary and renderings,
 * from releases and outputs built in memory. */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/audit.h"
#include "lib/graph.h"
#include "lib/script.h"
#include "lib/util.h"
#include "tests/suites.h"

struct repo {
	struct ag_scripts ss;
	struct ag_graph *g;
};

/* A straight chain of revisions from ids (NULL-terminated). */
static void repo_build(struct repo *r, const char *const *ids)
{
	memset(r, 0, sizeof *r);
	const char *prev = NULL;
	for (size_t i = 0; ids[i]; i++) {
		char *src = prev ? ag_printf("revision = '%s'\ndown_revision = '%s'\n", ids[i], prev)
				 : ag_printf("revision = '%s'\ndown_revision = None\n", ids[i]);
		char *path = ag_printf("v/%s_m.py", ids[i]);
		ag_grow((void **)&r->ss.v, &r->ss.cap, r->ss.n + 1, sizeof *r->ss.v);
		struct ag_script *sc = &r->ss.v[r->ss.n++];
		memset(sc, 0, sizeof *sc);
		ag_script_parse(sc, path, src, strlen(src), NULL);
		free(path);
		free(src);
		prev = ids[i];
	}
	r->g = ag_graph_build(&r->ss, NULL);
}

static void repo_free(struct repo *r)
{
	ag_graph_free(r->g);
	ag_scripts_free(&r->ss);
}

static void add(struct ag_audit *a, int version, const char *status, const char *output)
{
	struct ag_heroku_release rel = {.version = version, .status = ag_strdup(status)};
	rel.created_at = ag_printf("2024-05-%02dT10:00:00Z", version);
	rel.description = ag_printf("Deploy %d", version);
	rel.user = ag_strdup("dev@example.com");
	if (output)
		rel.output_stream_url = ag_strdup("https://busl.example/streams/secret");
	ag_audit_add(a, &rel, output, output ? strlen(output) : 0);
	ck_assert_ptr_null(rel.status); /* stolen */
}

/* Newest first, as the API lists them. */
static void history(struct ag_audit *a)
{
	memset(a, 0, sizeof *a);
	a->app = ag_strdup("guestbook");
	a->complete = true;
	add(a, 6, "failed", "FAILED: Can't locate revision identified by 'dead01'\n");
	add(a, 5, "succeeded", "+ alembic stamp cafe02\nRunning stamp_revision  -> cafe02\n");
	add(a, 4, "failed", "FAILED: Multiple head revisions are present for given argument 'head'\n");
	add(a, 3, "succeeded", "Running upgrade aaa1 -> bbb2, add\n");
	add(a, 2, "succeeded", NULL);
	add(a, 1, "succeeded", "Running upgrade  -> aaa1, init\nCan't locate revision identified by 'dead01'\n");
}

START_TEST(test_summary_against_a_checkout)
{
	static const char *const ids[] = {"aaa1", "bbb2", NULL};
	struct repo r;
	repo_build(&r, ids);
	struct ag_audit a;
	history(&a);
	ag_audit_summarise(&a, r.g);
	ck_assert(a.repo_read);
	ck_assert_uint_eq(a.nunknown, 2);
	ck_assert_str_eq(a.unknown[0].id, "cafe02");
	ck_assert(a.unknown[0].stamped);
	ck_assert_uint_eq(a.unknown[0].n, 1);
	ck_assert_int_eq(a.unknown[0].versions[0], 5);
	ck_assert_str_eq(a.unknown[1].id, "dead01");
	ck_assert(!a.unknown[1].stamped);
	ck_assert_uint_eq(a.unknown[1].n, 2);
	ck_assert_int_eq(a.unknown[1].versions[0], 6);
	ck_assert_int_eq(a.unknown[1].versions[1], 1);
	ck_assert_uint_eq(a.nfailed, 2);
	ck_assert_int_eq(a.failed[0], 6);
	ck_assert_int_eq(a.failed[1], 4);
	/* Findings: 2 unknown ids and the newest failure warn; 1 stamp warns;
	 * the older failure is information. */
	ck_assert_uint_eq(ag_findings_count(&a.findings, AG_SEV_WARNING), 4);
	ck_assert_uint_eq(ag_findings_count(&a.findings, AG_SEV_INFO), 1);
	ck_assert_uint_eq(ag_findings_count(&a.findings, AG_SEV_ERROR), 0);
	bool saw_fix = false;
	for (size_t i = 0; i < a.findings.n; i++) {
		const struct ag_finding *f = &a.findings.v[i];
		if (strcmp(f->code, "production-revision-unknown") == 0 && strcmp(f->revision, "dead01") == 0) {
			ck_assert_ptr_nonnull(strstr(f->message, "v6 and v1"));
			ck_assert_ptr_nonnull(strstr(f->fix, "alembic-guard backfill dead01"));
			saw_fix = true;
		}
		if (strcmp(f->code, "release-phase-failed") == 0 && f->severity == AG_SEV_WARNING)
			ck_assert_ptr_nonnull(strstr(f->message, "release v6 of 2024-05-06T10:00:00Z failed "
								  "in its release phase: FAILED: Can't locate"));
	}
	ck_assert(saw_fix);
	/* Summarising again gives the same answer. */
	ag_audit_summarise(&a, r.g);
	ck_assert_uint_eq(a.nunknown, 2);
	ck_assert_uint_eq(a.findings.n, 5);
	ag_audit_free(&a);
	ag_audit_free(&a);
	repo_free(&r);
}
END_TEST

START_TEST(test_prefixes_count_as_defined)
{
	static const char *const ids[] = {"ae1027a6acf0", "ae10ffff0000", "1975ea83b712", NULL};
	struct repo r;
	repo_build(&r, ids);
	struct ag_audit a = {0};
	add(&a, 2, "succeeded", "alembic stamp 1975ea\nalembic stamp ae10\nalembic stamp 197\n");
	ag_audit_summarise(&a, r.g);
	/* 1975ea: a unique prefix; ae10: two files start so; 197: too short. */
	ck_assert_uint_eq(a.nunknown, 2);
	ck_assert_str_eq(a.unknown[0].id, "197");
	ck_assert_str_eq(a.unknown[1].id, "ae10");
	ag_audit_free(&a);
	repo_free(&r);
}
END_TEST

START_TEST(test_without_checkout)
{
	struct ag_audit a;
	history(&a);
	ag_audit_summarise(&a, NULL);
	ck_assert(!a.repo_read);
	ck_assert_uint_eq(a.nunknown, 4); /* aaa1 bbb2 cafe02 dead01 */
	ck_assert(!ag_findings_has(&a.findings, "production-revision-unknown"));
	ck_assert(ag_findings_has(&a.findings, "manual-stamp"));
	struct ag_buf b = {0};
	ag_audit_render(&a, AG_FORMAT_TEXT, 0, &b);
	ck_assert_ptr_nonnull(strstr(b.p, "could not be compared with a checkout"));
	ag_buf_free(&b);
	ag_audit_free(&a);
}
END_TEST

START_TEST(test_render_text)
{
	static const char *const ids[] = {"aaa1", "bbb2", NULL};
	struct repo r;
	repo_build(&r, ids);
	struct ag_audit a;
	history(&a);
	a.complete = false;
	a.note = ag_strdup("stopped early: test");
	ag_audit_summarise(&a, r.g);
	struct ag_buf b = {0};
	ag_audit_render(&a, AG_FORMAT_TEXT, 0, &b);
	ck_assert_ptr_nonnull(strstr(b.p, "Releases of guestbook (6, newest first)\n"));
	ck_assert_ptr_nonnull(
		strstr(b.p, "  v6  failed     2024-05-06T10:00:00Z  dev@example.com  Deploy 6\n"));
	ck_assert_ptr_nonnull(strstr(b.p, "line 1     cant-locate      FAILED: Can't locate"));
	ck_assert_ptr_nonnull(strstr(b.p, "\nIncomplete: stopped early: test\n"));
	ck_assert_ptr_nonnull(strstr(b.p, "    dead01                             named by v6 and v1\n"));
	ck_assert_ptr_nonnull(strstr(b.p, "releases whose release phase failed: v6, v4\n"));
	ck_assert_ptr_nonnull(strstr(b.p, "alembic-guard: warning: the release phase of v"));
	ck_assert_ptr_nonnull(strstr(b.p, "[manual-stamp]\n"));
	ck_assert_ptr_null(strstr(b.p, "busl.example")); /* pre-signed URLs stay secret */
	ck_assert_ptr_null(strstr(b.p, "::warning"));
	b.len = 0;
	ag_audit_render(&a, AG_FORMAT_GITHUB, 0, &b);
	ck_assert_ptr_nonnull(strstr(b.p, "::warning title=alembic-guard production-revision-unknown::"));
	ck_assert_ptr_nonnull(strstr(b.p, "::notice title=alembic-guard release-phase-failed::"));
	ag_buf_free(&b);
	ag_audit_free(&a);
	repo_free(&r);
}
END_TEST

START_TEST(test_render_json)
{
	static const char *const ids[] = {"aaa1", "bbb2", NULL};
	struct repo r;
	repo_build(&r, ids);
	struct ag_audit a;
	history(&a);
	ag_audit_summarise(&a, r.g);
	struct ag_buf b = {0};
	ag_audit_render(&a, AG_FORMAT_JSON, 1, &b);
	json_error_t je;
	json_t *j = json_loads(b.p, 0, &je);
	ck_assert_msg(j != NULL, "%s", je.text);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "format_version")), 1);
	ck_assert_str_eq(json_string_value(json_object_get(j, "command")), "releases");
	ck_assert_str_eq(json_string_value(json_object_get(j, "verdict")), "blocked");
	json_t *rels = json_object_get(j, "releases");
	ck_assert_uint_eq(json_array_size(rels), 6);
	json_t *v2 = json_array_get(rels, 4);
	ck_assert_int_eq(json_integer_value(json_object_get(v2, "version")), 2);
	ck_assert(json_is_null(json_object_get(v2, "output")));
	json_t *v1out = json_object_get(json_array_get(rels, 5), "output");
	ck_assert_uint_eq(json_array_size(json_object_get(v1out, "matches")), 2);
	ck_assert_uint_eq(json_array_size(json_object_get(v1out, "revisions")), 2);
	json_t *sum = json_object_get(j, "summary");
	ck_assert_uint_eq(json_array_size(json_object_get(sum, "unknown_revisions")), 2);
	ck_assert_uint_eq(json_array_size(json_object_get(sum, "failed_releases")), 2);
	ck_assert_uint_eq(json_array_size(json_object_get(j, "findings")), 5);
	json_decref(j);
	ag_buf_free(&b);
	ag_audit_free(&a);
	repo_free(&r);
}
END_TEST

START_TEST(test_render_wait)
{
	char failed[] = "failed", succeeded[] = "succeeded", pending[] = "pending";
	char desc[] = "Deploy 9";
	struct ag_heroku_release rel = {.version = 9, .status = failed, .description = desc};
	char text[] = "Running\0stuff\nFAILED: Can't locate revision identified by 'x9'";
	struct ag_heroku_output out = {.text = text, .len = sizeof text - 1,
				       .received = sizeof text - 1};
	struct ag_outscan sc = {0};
	ag_outscan_scan(&sc, text, sizeof text - 1);
	struct ag_audit_wait w = {.app = "guestbook", .release = &rel, .output = &out, .scan = &sc,
				  .exit_code = 1, .waited_ms = 4200};
	struct ag_buf b = {0};
	ag_audit_render_wait(&w, AG_FORMAT_TEXT, &b);
	ck_assert_ptr_nonnull(strstr(b.p, "FAILED: release v9 of guestbook failed (Deploy 9)"));
	/* Each output line behind "| ", the NUL shown, so no line of it
	 * passes for one of ours. */
	ck_assert_ptr_nonnull(strstr(b.p, "| Running\\x00stuff\n| FAILED: Can't locate revision identified by 'x9'\n"
					  "--- end of release output ---"));
	ck_assert_ptr_nonnull(strstr(b.p, "revisions named: x9\n"));
	ck_assert_ptr_nonnull(strstr(b.p, "alembic-guard diagnose"));
	b.len = 0;
	ag_audit_render_wait(&w, AG_FORMAT_JSON, &b);
	json_error_t je;
	json_t *j = json_loads(b.p, 0, &je);
	ck_assert_msg(j != NULL, "%s", je.text);
	ck_assert_str_eq(json_string_value(json_object_get(j, "verdict")), "blocked");
	ck_assert(json_real_value(json_object_get(j, "waited_seconds")) > 4.1);
	ck_assert_uint_eq(json_array_size(json_object_get(json_object_get(j, "output"), "matches")), 1);
	json_decref(j);
	/* Success, timeout, and no release at all. */
	rel.status = succeeded;
	struct ag_audit_wait ok = {.app = "guestbook", .release = &rel, .waited_ms = 61000};
	b.len = 0;
	ag_audit_render_wait(&ok, AG_FORMAT_TEXT, &b);
	ck_assert_str_eq(b.p, "OK: release v9 of guestbook succeeded (Deploy 9) after 61 s\n");
	rel.status = pending;
	struct ag_audit_wait late = {.app = "guestbook", .release = &rel, .timed_out = true,
				     .waited_ms = 30000, .timeout_ms = 30000, .exit_code = 1};
	b.len = 0;
	ag_audit_render_wait(&late, AG_FORMAT_TEXT, &b);
	ck_assert_ptr_nonnull(strstr(b.p, "TIMEOUT: release v9 of guestbook is still pending after 30 s "
					  "(--timeout 30)"));
	struct ag_audit_wait nothing = {.app = "guestbook"};
	b.len = 0;
	ag_audit_render_wait(&nothing, AG_FORMAT_TEXT, &b);
	ck_assert_str_eq(b.p, "No release of guestbook was read\n");
	b.len = 0;
	ag_audit_render_error("wait-release", "guestbook", 3, "platform-api", "Heroku API: HTTP 500",
			      AG_FORMAT_TEXT, &b);
	ck_assert_uint_eq(b.len, 0);
	ag_audit_render_error("wait-release", "guestbook", 3, "platform-api", "Heroku API: HTTP 500",
			      AG_FORMAT_JSON, &b);
	j = json_loads(b.p, 0, &je);
	ck_assert_msg(j != NULL, "%s", je.text);
	ck_assert_str_eq(json_string_value(json_object_get(j, "verdict")), "error");
	ck_assert_int_eq(json_integer_value(json_object_get(j, "exit_code")), 3);
	json_t *e = json_object_get(j, "error");
	ck_assert_str_eq(json_string_value(json_object_get(e, "code")), "platform-api");
	ck_assert_str_eq(json_string_value(json_object_get(e, "message")), "Heroku API: HTTP 500");
	json_decref(j);
	ag_buf_free(&b);
	ag_outscan_free(&sc);
}
END_TEST

START_TEST(test_malformed_strings)
{
	/* Invalid UTF-8 and control characters in API strings and output:
	 * text stays on one line, JSON stays valid. */
	struct ag_audit a = {0};
	a.app = ag_strdup("guestbook");
	struct ag_heroku_release rel = {.version = 1, .status = ag_strdup("failed")};
	rel.description = ag_strdup("bad \xff\xfe bytes\nand a newline");
	rel.user = ag_strdup("\x1b[31mred\x1b[0m");
	rel.output_stream_url = ag_strdup("https://x/y");
	const char out[] = "FAILED: Can't locate revision identified by 'ab\xff' \xc3\x28\n";
	ag_audit_add(&a, &rel, out, sizeof out - 1);
	ag_audit_summarise(&a, NULL);
	struct ag_buf b = {0};
	ag_audit_render(&a, AG_FORMAT_TEXT, 0, &b);
	/* Server text: visible escapes, nothing raw (lib/quote). */
	ck_assert_ptr_nonnull(strstr(b.p, "bad \\xff\\xfe bytes\\nand a newline"));
	ck_assert_ptr_null(strchr(b.p, '\xff'));
	ck_assert_ptr_null(strstr(b.p, "\x1b"));
	b.len = 0;
	ag_audit_render(&a, AG_FORMAT_JSON, 0, &b);
	json_error_t je;
	json_t *j = json_loads(b.p, 0, &je);
	ck_assert_msg(j != NULL, "%s", je.text);
	json_decref(j);
	ag_buf_free(&b);
	ag_audit_free(&a);
}
END_TEST

Suite *audit_suite(void)
{
	Suite *s = suite_create("audit");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_summary_against_a_checkout);
	tcase_add_test(tc, test_prefixes_count_as_defined);
	tcase_add_test(tc, test_without_checkout);
	tcase_add_test(tc, test_render_text);
	tcase_add_test(tc, test_render_json);
	tcase_add_test(tc, test_render_wait);
	suite_add_tcase(s, tc);
	tc = tcase_create("malformed");
	tcase_add_test(tc, test_malformed_strings);
	suite_add_tcase(s, tc);
	return s;
}
