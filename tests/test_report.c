/* Tests for lib/report.c: JSON (format_version 1), GitHub annotations and
 * the text styles. */
#include <check.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "lib/graph.h"
#include "lib/report.h"
#include "lib/script.h"
#include "lib/util.h"
#include "tests/suites.h"

struct fixture {
	struct ag_scripts ss;
	struct ag_graph *g;
	struct ag_strv locations, rows;
	struct ag_findings findings;
	size_t pending[3];
	struct ag_report r;
};

static void add(struct ag_scripts *ss, const char *path, const char *src)
{
	ag_grow((void **)&ss->v, &ss->cap, ss->n + 1, sizeof *ss->v);
	memset(&ss->v[ss->n], 0, sizeof ss->v[ss->n]);
	ag_script_parse(&ss->v[ss->n], path, src, strlen(src), NULL);
	ss->n++;
}

/* A repository with two heads (z2 and y1 from base a0, z2 after m1), a
 * duplicate, a database at a0, and a few findings. */
static void setup(struct fixture *f)
{
	memset(f, 0, sizeof *f);
	add(&f->ss, "v/a0.py", "revision = 'a0'\ndown_revision = None\n");
	add(&f->ss, "v/m1.py", "revision = 'm1'\ndown_revision = 'a0'\n");
	add(&f->ss, "v/z2.py", "revision = 'z2'\ndown_revision = 'm1'\n");
	add(&f->ss, "v/y1.py", "revision = 'y1'\ndown_revision = 'a0'\n");
	add(&f->ss, "v/y1_copy.py", "revision = 'y1'\ndown_revision = 'a0'\n");
	struct ag_graph_opts opts = {.heads_ok = true};
	f->g = ag_graph_build(&f->ss, &opts);
	ag_findings_move(&f->findings, &f->g->findings);
	ag_strv_push(&f->locations, "/srv/app/migrations/versions");
	ag_strv_push(&f->rows, "a0");
	/* pending in upgrade order, deliberately not sorted */
	f->pending[0] = ag_graph_find(f->g, "m1");
	f->pending[1] = ag_graph_find(f->g, "z2");
	f->pending[2] = ag_graph_find(f->g, "y1");
	struct ag_finding *x = ag_findings_add(&f->findings, AG_SEV_ERROR, "unknown-db-revision", "dead1",
					       "v/z2.py", 7, "the database is at %s", "dead1");
	ag_finding_fix(x, "UPDATE alembic_version SET version_num = 'a0';");
	ag_finding_cause(x, "renamed");
	ag_finding_detail(x, "seen: dead1");
	ag_findings_add(&f->findings, AG_SEV_INFO, "pending-migrations", NULL, NULL, 0, "3 to run");
	f->r.command = "check";
	f->r.exit_code = 1;
	f->r.locations = &f->locations;
	f->r.graph = f->g;
	f->r.db_checked = true;
	f->r.db_reachable = true;
	f->r.db_table = "public.alembic_version";
	f->r.db_target = "app@db:5432/app";
	f->r.db_rows = &f->rows;
	f->r.db_table_exists = true;
	f->r.pending = f->pending;
	f->r.npending = 3;
	f->r.findings = &f->findings;
}

static void teardown(struct fixture *f)
{
	ag_graph_free(f->g);
	ag_scripts_free(&f->ss);
	ag_strv_free(&f->locations);
	ag_strv_free(&f->rows);
	ag_findings_free(&f->findings);
}

static json_t *render_json(const struct ag_report *r)
{
	struct ag_buf out = {0};
	ag_report_render(r, AG_FORMAT_JSON, AG_STYLE_LIST, &out);
	ck_assert_ptr_nonnull(out.p);
	ck_assert_int_eq(out.p[out.len - 1], '\n');
	json_error_t e;
	json_t *j = json_loads(out.p, 0, &e);
	ck_assert_msg(j != NULL, "invalid JSON (%s) in:\n%s", e.text, out.p);
	ag_buf_free(&out);
	return j;
}

static char *render(const struct ag_report *r, enum ag_format fmt, enum ag_style style)
{
	struct ag_buf out = {0};
	ag_report_render(r, fmt, style, &out);
	return ag_buf_take(&out);
}

static const char *jget_str(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	ck_assert_msg(json_is_string(v), "%s is not a string", key);
	return json_string_value(v);
}

static char *jarray_join(json_t *a)
{
	ck_assert(json_is_array(a));
	struct ag_buf b = {0};
	ag_buf_adds(&b, "");
	for (size_t i = 0; i < json_array_size(a); i++)
		ag_buf_addf(&b, "%s%s", i ? " " : "", json_string_value(json_array_get(a, i)));
	return ag_buf_take(&b);
}

#define ck_jarray(a, want)                             \
	do {                                           \
		char *j_ = jarray_join(a);             \
		ck_assert_str_eq(j_, (want));          \
		free(j_);                              \
	} while (0)

/* ---- json ----------------------------------------------------------- */

START_TEST(test_json_shape)
{
	struct fixture f;
	setup(&f);
	json_t *j = render_json(&f.r);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "format_version")), 1);
	ck_assert_str_eq(jget_str(j, "command"), "check");
	ck_assert_str_eq(jget_str(j, "verdict"), "blocked");
	ck_assert_int_eq(json_integer_value(json_object_get(j, "exit_code")), 1);
	ck_assert_ptr_null(json_object_get(j, "context"));

	json_t *repo = json_object_get(j, "repository");
	ck_assert(json_is_object(repo));
	ck_jarray(json_object_get(repo, "version_locations"), "/srv/app/migrations/versions");
	ck_assert_int_eq(json_integer_value(json_object_get(repo, "revision_count")), 4); /* not the shadowed copy */
	ck_jarray(json_object_get(repo, "heads"), "y1 z2"); /* sorted */
	ck_jarray(json_object_get(repo, "bases"), "a0");
	ck_jarray(json_object_get(repo, "merge_points"), "");
	ck_jarray(json_object_get(repo, "branch_points"), "a0");
	ck_assert_ptr_null(json_object_get(repo, "revisions"));

	json_t *db = json_object_get(j, "database");
	ck_assert(json_is_object(db));
	ck_assert_str_eq(jget_str(db, "table"), "public.alembic_version");
	ck_jarray(json_object_get(db, "revisions"), "a0");
	ck_assert(json_is_true(json_object_get(db, "reachable")));
	ck_assert(json_is_true(json_object_get(db, "table_exists")));
	ck_assert_ptr_null(json_object_get(db, "error"));

	ck_jarray(json_object_get(j, "pending"), "m1 z2 y1"); /* upgrade order kept */

	json_t *fs = json_object_get(j, "findings");
	ck_assert(json_is_array(fs));
	/* the graph's duplicate-revision and multiple-heads (info), then ours */
	json_t *unk = NULL, *pend = NULL;
	for (size_t i = 0; i < json_array_size(fs); i++) {
		json_t *x = json_array_get(fs, i);
		if (strcmp(jget_str(x, "code"), "unknown-db-revision") == 0)
			unk = x;
		if (strcmp(jget_str(x, "code"), "pending-migrations") == 0)
			pend = x;
	}
	ck_assert_ptr_nonnull(unk);
	ck_assert_str_eq(jget_str(unk, "severity"), "error");
	ck_assert_str_eq(jget_str(unk, "message"), "the database is at dead1");
	ck_assert_str_eq(jget_str(unk, "revision"), "dead1");
	ck_assert_str_eq(jget_str(unk, "file"), "v/z2.py");
	ck_assert_int_eq(json_integer_value(json_object_get(unk, "line")), 7);
	ck_assert_str_eq(jget_str(unk, "fix"), "UPDATE alembic_version SET version_num = 'a0';");
	ck_assert_str_eq(jget_str(unk, "cause"), "renamed");
	ck_assert_str_eq(jget_str(unk, "detail"), "seen: dead1");
	ck_assert_ptr_nonnull(pend);
	ck_assert_str_eq(jget_str(pend, "severity"), "info");
	ck_assert(json_is_null(json_object_get(pend, "revision")));
	ck_assert(json_is_null(json_object_get(pend, "file")));
	ck_assert(json_is_null(json_object_get(pend, "line")));
	ck_assert(json_is_null(json_object_get(pend, "fix")));
	ck_assert_ptr_null(json_object_get(pend, "cause"));
	json_decref(j);

	/* Every revision, when asked. */
	f.r.revisions = true;
	j = render_json(&f.r);
	json_t *revs = json_object_get(json_object_get(j, "repository"), "revisions");
	ck_assert_uint_eq(json_array_size(revs), 5); /* listing order, the copy included */
	json_t *z2 = json_array_get(revs, 2);
	ck_assert_str_eq(jget_str(z2, "revision"), "z2");
	ck_jarray(json_object_get(z2, "down_revisions"), "m1");
	ck_assert_str_eq(jget_str(z2, "file"), "v/z2.py");
	ck_assert_int_eq(json_integer_value(json_object_get(z2, "line")), 1);
	ck_assert(json_is_true(json_object_get(z2, "head")));
	ck_assert(json_is_true(json_object_get(json_array_get(revs, 3), "shadowed")));
	json_decref(j);
	teardown(&f);
}
END_TEST

START_TEST(test_json_no_repo_no_db)
{
	struct ag_report r = {0};
	r.command = "lint";
	r.exit_code = 2;
	r.context = "app X, release v12";
	json_t *j = render_json(&r);
	ck_assert_str_eq(jget_str(j, "verdict"), "error");
	ck_assert(json_is_null(json_object_get(j, "repository")));
	ck_assert(json_is_null(json_object_get(j, "database")));
	ck_assert_uint_eq(json_array_size(json_object_get(j, "pending")), 0);
	ck_assert_uint_eq(json_array_size(json_object_get(j, "findings")), 0);
	ck_assert_str_eq(jget_str(j, "context"), "app X, release v12");
	json_decref(j);

	/* An unreachable database. */
	r.db_checked = true;
	r.db_reachable = false;
	r.db_table = "alembic_version";
	r.db_error = "connection refused";
	r.exit_code = 3;
	j = render_json(&r);
	json_t *db = json_object_get(j, "database");
	ck_assert(json_is_false(json_object_get(db, "reachable")));
	ck_assert_ptr_null(json_object_get(db, "table_exists"));
	ck_assert_str_eq(jget_str(db, "error"), "connection refused");
	ck_assert_uint_eq(json_array_size(json_object_get(db, "revisions")), 0);
	json_decref(j);
}
END_TEST

START_TEST(test_json_bad_utf8)
{
	/* Messages, ids and paths come from files: invalid UTF-8 must still
	 * give valid JSON, keeping the valid characters. */
	struct ag_findings fs = {0};
	struct ag_finding *x = ag_findings_add(&fs, AG_SEV_ERROR, "parse-error", "r\xff", "v/caf\xc3\xa9\xfe.py",
					       3, "bad \xc3\x28 byte, good \xc3\xa9, cut \xe2\x82");
	ag_finding_fix(x, "fix \xed\xa0\x80 surrogate");
	struct ag_strv locs = {0};
	ag_strv_push(&locs, "/srv/\xff/versions");
	struct ag_report r = {0};
	r.command = "lint";
	r.exit_code = 1;
	r.findings = &fs;
	r.locations = &locs;
	struct ag_scripts ss = {0};
	struct ag_graph *g = ag_graph_build(&ss, NULL);
	r.graph = g;
	json_t *j = render_json(&r);
	json_t *f0 = json_array_get(json_object_get(j, "findings"), 0);
	ck_assert_str_eq(jget_str(f0, "message"),
			 "bad \xef\xbf\xbd( byte, good \xc3\xa9, cut \xef\xbf\xbd\xef\xbf\xbd");
	ck_assert_str_eq(jget_str(f0, "revision"), "r\xef\xbf\xbd");
	ck_assert_str_eq(jget_str(f0, "file"), "v/caf\xc3\xa9\xef\xbf\xbd.py");
	ck_assert_ptr_nonnull(strstr(jget_str(f0, "fix"), "surrogate"));
	ck_jarray(json_object_get(json_object_get(j, "repository"), "version_locations"),
		  "/srv/\xef\xbf\xbd/versions");
	json_decref(j);
	ag_graph_free(g);
	ag_strv_free(&locs);
	ag_findings_free(&fs);
}
END_TEST

/* ---- github --------------------------------------------------------- */

START_TEST(test_github)
{
	struct ag_findings fs = {0};
	struct ag_finding *x = ag_findings_add(&fs, AG_SEV_ERROR, "dangling-down-revision", "b2",
					       "v/b2,x:y.py", 12, "100%% broken\r\nsecond line: a, b");
	ag_finding_fix(x, "add it\nthen run: alembic-guard lint");
	ag_findings_add(&fs, AG_SEV_WARNING, "multiple-bases", NULL, NULL, 0, "two bases");
	ag_findings_add(&fs, AG_SEV_INFO, "at-head", NULL, "v/a.py", 0, "fine");
	struct ag_report r = {0};
	r.command = "lint";
	r.exit_code = 1;
	r.findings = &fs;
	char *s = render(&r, AG_FORMAT_GITHUB, AG_STYLE_LIST);
	const char *want =
		"::error file=v/b2%2Cx%3Ay.py,line=12,title=dangling-down-revision::100%25 broken\\r\\nsecond "
		"line: a, b%0AFix: add it%0Athen run: alembic-guard lint\n"
		"::warning title=multiple-bases::two bases\n"
		"::notice file=v/a.py,title=at-head::fine\n"
		"alembic-guard lint: blocked (exit 1)\n";
	ck_assert_str_eq(s, want);
	free(s);

	/* Every annotation is one line: no raw newline before the summary. */
	r.quiet = true;
	s = render(&r, AG_FORMAT_GITHUB, AG_STYLE_LIST);
	ck_assert_ptr_null(strstr(s, "::warning"));
	ck_assert_ptr_null(strstr(s, "::notice"));
	ck_assert_ptr_nonnull(strstr(s, "::error"));
	ck_assert_ptr_eq(strchr(s, '\n'), strstr(s, "\nalembic-guard lint"));
	free(s);

	/* Quiet and strict: the warning blocks, so it stays; info still goes. */
	r.strict = true;
	s = render(&r, AG_FORMAT_GITHUB, AG_STYLE_LIST);
	ck_assert_ptr_nonnull(strstr(s, "::warning title=multiple-bases::two bases"));
	ck_assert_ptr_null(strstr(s, "::notice"));
	free(s);
	s = render(&r, AG_FORMAT_TEXT, AG_STYLE_TERSE);
	ck_assert_ptr_nonnull(strstr(s, "alembic-guard: warning: two bases [multiple-bases]\n"));
	ck_assert_ptr_null(strstr(s, "at-head"));
	free(s);
	ag_findings_free(&fs);
}
END_TEST

/* ---- text ----------------------------------------------------------- */

START_TEST(test_text_styles)
{
	struct fixture f;
	setup(&f);

	char *s = render(&f.r, AG_FORMAT_TEXT, AG_STYLE_LIST);
	ck_assert_ptr_nonnull(strstr(s, "v/z2.py:7: error: the database is at dead1 [unknown-db-revision]\n"));
	ck_assert_ptr_nonnull(strstr(s, "  fix: UPDATE alembic_version SET version_num = 'a0';\n"));
	ck_assert_ptr_nonnull(strstr(s, "info: 3 to run [pending-migrations]"));
	ck_assert_ptr_nonnull(strstr(s, "duplicate-revision"));
	ck_assert_ptr_nonnull(strstr(s, "BLOCKED"));
	ck_assert_ptr_null(strstr(s, "\033[")); /* no colour unless asked */
	free(s);

	s = render(&f.r, AG_FORMAT_TEXT, AG_STYLE_TERSE);
	/* One shape in every style. */
	ck_assert_ptr_nonnull(strstr(s, "v/z2.py:7: error: the database is at dead1 [unknown-db-revision]\n"));
	ck_assert_ptr_nonnull(strstr(s, "  fix: UPDATE alembic_version"));
	ck_assert_ptr_nonnull(strstr(s, "alembic-guard: info: 3 to run [pending-migrations]\n"));
	ck_assert_ptr_nonnull(strstr(s, "BLOCKED: do not run `alembic upgrade`"));
	free(s);

	s = render(&f.r, AG_FORMAT_TEXT, AG_STYLE_STORY);
	ck_assert_ptr_nonnull(strstr(s, "Repository\n"));
	ck_assert_ptr_nonnull(strstr(s, "/srv/app/migrations/versions"));
	ck_assert_ptr_nonnull(strstr(s, "heads:          y1, z2\n"));
	ck_assert_ptr_nonnull(strstr(s, "app@db:5432/app"));
	ck_assert_ptr_nonnull(strstr(s, "  1. m1  (m1.py)\n  2. z2  (z2.py)\n  3. y1  ("));
	ck_assert_ptr_nonnull(strstr(s, "unknown-db-revision"));
	ck_assert_ptr_nonnull(strstr(s, "v/z2.py:7: error: the database is at dead1 [unknown-db-revision]\n"
					"  fix: UPDATE alembic_version"));
	ck_assert_ptr_nonnull(strstr(s, "  cause: renamed\n"));
	free(s);

	/* Quiet: only errors, and the verdict. */
	f.r.quiet = true;
	s = render(&f.r, AG_FORMAT_TEXT, AG_STYLE_TERSE);
	ck_assert_ptr_null(strstr(s, "pending-migrations"));
	ck_assert_ptr_nonnull(strstr(s, "unknown-db-revision"));
	free(s);
	f.r.quiet = false;

	/* Colour when asked. */
	f.r.color = true;
	s = render(&f.r, AG_FORMAT_TEXT, AG_STYLE_LIST);
	ck_assert_ptr_nonnull(strstr(s, "\033[31merror\033[0m"));
	free(s);
	teardown(&f);
}
END_TEST

START_TEST(test_text_multiline_fix)
{
	struct ag_findings fs = {0};
	struct ag_finding *x = ag_findings_add(&fs, AG_SEV_ERROR, "cycle", NULL, "v/a.py", 2, "loop");
	ag_finding_fix(x, "first\nsecond\nthird");
	struct ag_report r = {0};
	r.command = "lint";
	r.exit_code = 1;
	r.findings = &fs;
	char *s = render(&r, AG_FORMAT_TEXT, AG_STYLE_LIST);
	ck_assert_ptr_nonnull(strstr(s, "  fix: first\n       second\n       third\n"));
	free(s);
	ag_findings_free(&fs);

	/* No findings at all. */
	r.exit_code = 0;
	r.findings = NULL;
	s = render(&r, AG_FORMAT_TEXT, AG_STYLE_LIST);
	ck_assert_str_eq(s, "OK: no blocking findings (0 errors, 0 warnings)\n");
	free(s);
	s = render(&r, AG_FORMAT_TEXT, AG_STYLE_STORY);
	ck_assert_ptr_nonnull(strstr(s, "(not read)"));
	ck_assert_ptr_nonnull(strstr(s, "not checked"));
	ck_assert_ptr_nonnull(strstr(s, "Findings\nnone\n"));
	free(s);
}
END_TEST

START_TEST(test_verdicts_and_formats)
{
	ck_assert_str_eq(ag_report_verdict(0), "ok");
	ck_assert_str_eq(ag_report_verdict(1), "blocked");
	ck_assert_str_eq(ag_report_verdict(5), "blocked");
	ck_assert_str_eq(ag_report_verdict(2), "error");
	ck_assert_str_eq(ag_report_verdict(3), "error");
	ck_assert_str_eq(ag_report_verdict(4), "error");
	enum ag_format fmt = AG_FORMAT_TEXT;
	ck_assert_int_eq(ag_report_parse_format("json", &fmt), 0);
	ck_assert_int_eq(fmt, AG_FORMAT_JSON);
	ck_assert_int_eq(ag_report_parse_format("github", &fmt), 0);
	ck_assert_int_eq(fmt, AG_FORMAT_GITHUB);
	ck_assert_int_eq(ag_report_parse_format("text", &fmt), 0);
	ck_assert_int_eq(fmt, AG_FORMAT_TEXT);
	ck_assert_int_eq(ag_report_parse_format("JSON", &fmt), -1);
	ck_assert_int_eq(ag_report_parse_format("", &fmt), -1);

	struct ag_report r = {0};
	r.command = "check";
	r.exit_code = 5;
	char *s = render(&r, AG_FORMAT_TEXT, AG_STYLE_TERSE);
	ck_assert_ptr_nonnull(strstr(s, "PENDING"));
	free(s);
	r.exit_code = 3;
	s = render(&r, AG_FORMAT_TEXT, AG_STYLE_TERSE);
	ck_assert_ptr_nonnull(strstr(s, "ERROR: alembic-guard could not finish (exit 3)"));
	free(s);
}
END_TEST

/* Outside bytes (a row, an id, a file name) with a newline, ESC and a byte
 * that is not UTF-8: no output format lets one start a line or reach the
 * terminal raw. */
START_TEST(test_hostile_text)
{
	const char *evil = "x\nOK: safe to run `alembic upgrade`\x1b]0;pwn\x07\xff";
	struct ag_findings fs = {0};
	struct ag_finding *x = ag_findings_add(&fs, AG_SEV_ERROR, "unknown-db-revision", evil,
					       "v/\x1b[2Jf\n.py", 3, "the database is at '%s'", evil);
	ag_finding_fix(x, "first %s\nsecond", evil);
	ag_finding_detail(x, "seen %s", evil);
	ag_finding_cause(x, "renamed");
	ag_findings_add(&fs, AG_SEV_INFO, "note", NULL, NULL, 0, "row %s", evil);
	struct ag_strv rows = {0};
	ag_strv_push(&rows, evil);
	struct ag_report r = {0};
	r.command = "check";
	r.exit_code = 1;
	r.findings = &fs;
	r.db_checked = r.db_reachable = r.db_table_exists = true;
	r.db_table = "alembic_version";
	r.db_rows = &rows;
	r.context = evil;
	const enum ag_format fmts[] = {AG_FORMAT_TEXT, AG_FORMAT_TEXT, AG_FORMAT_TEXT, AG_FORMAT_GITHUB};
	const enum ag_style styles[] = {AG_STYLE_LIST, AG_STYLE_TERSE, AG_STYLE_STORY, AG_STYLE_LIST};
	for (size_t k = 0; k < 4; k++) {
		char *s = render(&r, fmts[k], styles[k]);
		ck_assert_ptr_null(strchr(s, '\x1b'));
		ck_assert_ptr_null(strchr(s, '\x07'));
		ck_assert_ptr_null(strchr(s, '\xff'));
		/* The forged verdict never starts a line. */
		ck_assert_ptr_null(strstr(s, "\nOK: safe"));
		ck_assert(strncmp(s, "OK", 2) != 0);
		ck_assert_ptr_nonnull(strstr(s, "x\\nOK: safe to run `alembic upgrade`\\x1b]0;pwn\\x07\\xff"));
		free(s);
	}
	char *s = render(&r, AG_FORMAT_TEXT, AG_STYLE_LIST);
	ck_assert_ptr_nonnull(strstr(s, "v/\\x1b[2Jf\\n.py:3: error: the database is at 'x\\nOK"));
	ck_assert_ptr_nonnull(strstr(s, "  fix: first x\\nOK"));
	ck_assert_ptr_nonnull(strstr(s, "\n       second\n"));
	ck_assert_ptr_nonnull(strstr(s, "alembic-guard: info: row x\\nOK"));
	free(s);
	ag_strv_free(&rows);
	ag_findings_free(&fs);
}
END_TEST

/* JSON strings are Unicode: a value that is not UTF-8 comes with its exact
 * bytes beside it, in "<key>_bytes". */
START_TEST(test_json_bytes)
{
	struct ag_findings fs = {0};
	ag_findings_add(&fs, AG_SEV_ERROR, "unknown-db-revision", "r\xff\\", "ok.py", 1, "m");
	struct ag_strv rows = {0};
	ag_strv_push(&rows, "a1");
	ag_strv_push(&rows, "b\xfe");
	struct ag_report r = {0};
	r.command = "check";
	r.exit_code = 1;
	r.findings = &fs;
	r.db_checked = r.db_reachable = true;
	r.db_rows = &rows;
	json_t *j = render_json(&r);
	json_t *f0 = json_array_get(json_object_get(j, "findings"), 0);
	ck_assert_str_eq(jget_str(f0, "revision"), "r\xef\xbf\xbd\\");
	ck_assert_str_eq(jget_str(f0, "revision_bytes"), "r\\xff\\\\");
	ck_assert_ptr_null(json_object_get(f0, "file_bytes"));
	ck_assert_ptr_null(json_object_get(f0, "message_bytes"));
	json_t *db = json_object_get(j, "database");
	json_t *b = json_object_get(db, "revisions_bytes");
	ck_assert_uint_eq(json_array_size(b), 2);
	ck_assert(json_is_null(json_array_get(b, 0)));
	ck_assert_str_eq(json_string_value(json_array_get(b, 1)), "b\\xfe");
	ck_assert_ptr_null(json_object_get(j, "pending_bytes"));
	json_decref(j);
	ag_strv_free(&rows);
	ag_findings_free(&fs);
}
END_TEST

Suite *report_suite(void)
{
	Suite *s = suite_create("report");
	TCase *tc = tcase_create("json");
	tcase_add_test(tc, test_json_shape);
	tcase_add_test(tc, test_json_no_repo_no_db);
	suite_add_tcase(s, tc);
	tc = tcase_create("github");
	tcase_add_test(tc, test_github);
	suite_add_tcase(s, tc);
	tc = tcase_create("text");
	tcase_add_test(tc, test_text_styles);
	tcase_add_test(tc, test_text_multiline_fix);
	tcase_add_test(tc, test_verdicts_and_formats);
	suite_add_tcase(s, tc);
	tc = tcase_create("errors");
	tcase_add_test(tc, test_json_bad_utf8);
	tcase_add_test(tc, test_hostile_text);
	tcase_add_test(tc, test_json_bytes);
	suite_add_tcase(s, tc);
	return s;
}
