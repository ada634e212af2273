/* Tests for lib/verdict.c: the release gate's decision, on in-memory
 * repositories and version-table rows, without a database. */
#include <check.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "lib/graph.h"
#include "lib/script.h"
#include "lib/settings.h"
#include "lib/util.h"
#include "lib/verdict.h"
#include "tests/suites.h"

struct vx {
	struct ag_scripts ss;
	struct ag_graph *g;
	struct ag_strv rows;
	struct ag_verdict v;
	struct ag_verdict_opts o;
};

/*
 * Adds a migration file named name with revision rev, down_revision down
 * (NULL: a base; "a b": a merge) and, when doc is given, a docstring whose
 * Revision ID is doc.
 */
static void add(struct vx *x, const char *name, const char *rev, const char *down, const char *doc)
{
	struct ag_buf d = {0};
	if (!down) {
		ag_buf_adds(&d, "None");
	} else {
		char *copy = ag_strdup(down), *save = NULL;
		ag_buf_adds(&d, "(");
		for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save))
			ag_buf_addf(&d, "'%s', ", w);
		ag_buf_adds(&d, ")");
		free(copy);
	}
	char *docs = doc ? ag_printf("\"\"\"m\n\nRevision ID: %s\n\"\"\"\n", doc) : ag_strdup("");
	char *src = ag_printf("%srevision = '%s'\ndown_revision = %s\n", docs, rev, d.p);
	ag_grow((void **)&x->ss.v, &x->ss.cap, x->ss.n + 1, sizeof *x->ss.v);
	struct ag_script *sc = &x->ss.v[x->ss.n++];
	memset(sc, 0, sizeof *sc);
	char *path = ag_printf("v/%s", name);
	ag_script_parse(sc, path, src, strlen(src), NULL);
	ck_assert_msg(sc->findings.n == 0, "%s does not parse", name);
	free(path);
	free(src);
	free(docs);
	ag_buf_free(&d);
}

/* a1 <- b2 <- c3: one line of three. */
static void line3(struct vx *x)
{
	memset(x, 0, sizeof *x);
	add(x, "a1_x.py", "a1", NULL, NULL);
	add(x, "b2_x.py", "b2", "a1", NULL);
	add(x, "c3_x.py", "c3", "b2", NULL);
}

static void judge(struct vx *x, int table_exists, ...)
{
	va_list ap;
	va_start(ap, table_exists);
	for (const char *r; (r = va_arg(ap, const char *));)
		ag_strv_push(&x->rows, r);
	va_end(ap);
	struct ag_graph_opts go = {.heads_ok = x->o.target_heads};
	if (!x->g)
		x->g = ag_graph_build(&x->ss, &go);
	ag_verdict_judge(&x->v, x->g, table_exists != 0, &x->rows, &x->o);
}

static void vx_free(struct vx *x)
{
	ag_verdict_free(&x->v);
	ag_graph_free(x->g);
	ag_scripts_free(&x->ss);
	ag_strv_free(&x->rows);
}

static const struct ag_finding *find(const struct vx *x, const char *code)
{
	for (size_t i = 0; i < x->v.findings.n; i++)
		if (strcmp(x->v.findings.v[i].code, code) == 0)
			return &x->v.findings.v[i];
	return NULL;
}

START_TEST(test_fresh)
{
	struct vx x;
	line3(&x);
	judge(&x, false, NULL);
	ck_assert(x.v.fresh);
	ck_assert(!x.v.at_head);
	ck_assert_int_eq(x.v.exit_code, 0);
	ck_assert_ptr_nonnull(find(&x, "fresh-database"));
	ck_assert_ptr_nonnull(strstr(find(&x, "fresh-database")->message, "no version table"));
	ck_assert_uint_eq(x.v.npending, 3);
	vx_free(&x);
	/* An empty table is fresh too, said so. */
	line3(&x);
	judge(&x, true, NULL);
	ck_assert(x.v.fresh);
	ck_assert_ptr_nonnull(strstr(find(&x, "fresh-database")->message, "empty"));
	vx_free(&x);
}
END_TEST

START_TEST(test_at_head)
{
	struct vx x;
	line3(&x);
	judge(&x, true, "c3", NULL);
	ck_assert(x.v.at_head);
	ck_assert_uint_eq(x.v.npending, 0);
	ck_assert_int_eq(x.v.exit_code, 0);
	ck_assert_ptr_nonnull(find(&x, "at-head"));
	ck_assert_ptr_null(find(&x, "pending-migrations"));
	vx_free(&x);
}
END_TEST

START_TEST(test_behind)
{
	struct vx x;
	line3(&x);
	judge(&x, true, "a1", NULL);
	ck_assert(!x.v.at_head);
	ck_assert_int_eq(x.v.exit_code, 0);
	ck_assert_uint_eq(x.v.npending, 2);
	ck_assert_str_eq(x.g->v[x.v.pending[0]].id, "b2");
	ck_assert_str_eq(x.g->v[x.v.pending[1]].id, "c3");
	const struct ag_finding *f = find(&x, "pending-migrations");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(strstr(f->message, "b2 -> c3"));
	ck_assert_str_eq(f->fix, "alembic upgrade head");
	vx_free(&x);
	/* --require-at-head: pending alone exits 5. */
	line3(&x);
	x.o.require_at_head = true;
	judge(&x, true, "b2", NULL);
	ck_assert_int_eq(x.v.exit_code, 5);
	vx_free(&x);
	/* ... but an error still exits 1. */
	line3(&x);
	x.o.require_at_head = true;
	judge(&x, true, "b2", "zz", NULL);
	ck_assert_int_eq(x.v.exit_code, 1);
	vx_free(&x);
}
END_TEST

START_TEST(test_unknown_renamed)
{
	struct vx x;
	memset(&x, 0, sizeof x);
	add(&x, "a1_x.py", "a1", NULL, NULL);
	/* The docstring and the name still say old1; the code says b2. */
	add(&x, "old1_x.py", "b2", "a1", "old1");
	x.o.table = "app.versions";
	x.o.table_schema = "app";
	x.o.table_name = "versions";
	judge(&x, true, "old1", NULL);
	ck_assert_int_eq(x.v.exit_code, 1);
	const struct ag_finding *f = find(&x, "unknown-db-revision");
	ck_assert_ptr_nonnull(f);
	ck_assert_str_eq(f->cause, "renamed");
	ck_assert_str_eq(f->fix,
	                 "UPDATE app.versions SET version_num = 'b2' WHERE version_num = 'old1';");
	ck_assert_uint_eq(x.v.unknown.n, 1);
	ck_assert_str_eq(x.v.unknown.v[0], "old1");
	/* No row no file defines can start an upgrade: no path. */
	ck_assert_uint_eq(x.v.npending, 0);
	ck_assert(!x.v.at_head);
	vx_free(&x);
}
END_TEST

START_TEST(test_unknown_placeholder)
{
	struct vx x;
	memset(&x, 0, sizeof x);
	add(&x, "a1_x.py", "a1", NULL, NULL);
	add(&x, "c3_x.py", "c3", "m2", NULL); /* m2: no file defines it */
	judge(&x, true, "m2", NULL);
	ck_assert_int_eq(x.v.exit_code, 1);
	const struct ag_finding *f = find(&x, "unknown-db-revision");
	ck_assert_ptr_nonnull(f);
	ck_assert_str_eq(f->cause, "placeholder-needed");
	ck_assert_ptr_nonnull(strstr(f->fix, "alembic-guard backfill m2 --write"));
	ck_assert_ptr_nonnull(strstr(f->fix, "down_revision = 'a1'"));
	ck_assert_ptr_nonnull(f->detail);
	ck_assert_ptr_nonnull(strstr(f->detail, "c3"));
	vx_free(&x);
}
END_TEST

START_TEST(test_unknown_ahead)
{
	struct vx x;
	line3(&x);
	judge(&x, true, "ffff9999", NULL);
	ck_assert_int_eq(x.v.exit_code, 1);
	const struct ag_finding *f = find(&x, "unknown-db-revision");
	ck_assert_ptr_nonnull(f);
	ck_assert_str_eq(f->cause, "db-ahead-of-slug");
	ck_assert_ptr_nonnull(strstr(f->fix, "--on-ahead skip"));
	vx_free(&x);
}
END_TEST

START_TEST(test_overlapping)
{
	struct vx x;
	line3(&x);
	judge(&x, true, "a1", "c3", NULL);
	ck_assert_int_eq(x.v.exit_code, 1);
	const struct ag_finding *f = find(&x, "overlapping-db-revisions");
	ck_assert_ptr_nonnull(f);
	ck_assert_str_eq(f->revision, "c3");
	ck_assert_str_eq(f->fix, "DELETE FROM alembic_version WHERE version_num = 'a1';");
	ck_assert_ptr_null(find(&x, "at-head"));
	vx_free(&x);
}
END_TEST

START_TEST(test_duplicate_rows)
{
	struct vx x;
	line3(&x);
	judge(&x, true, "c3", "c3", NULL);
	ck_assert_int_eq(x.v.exit_code, 1);
	const struct ag_finding *f = find(&x, "duplicate-db-rows");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(strstr(f->fix, "OFFSET 1"));
	ck_assert_ptr_null(find(&x, "overlapping-db-revisions")); /* one row, counted once */
	vx_free(&x);
}
END_TEST

START_TEST(test_partial)
{
	struct vx x;
	memset(&x, 0, sizeof x);
	add(&x, "abcdef12_x.py", "abcdef12", NULL, NULL);
	judge(&x, true, "abcd", NULL);
	ck_assert_int_eq(x.v.exit_code, 1);
	const struct ag_finding *f = find(&x, "partial-db-revision");
	ck_assert_ptr_nonnull(f);
	ck_assert_str_eq(f->cause, "partial-id");
	ck_assert_ptr_nonnull(strstr(f->fix, "SET version_num = 'abcdef12' WHERE version_num = 'abcd'"));
	vx_free(&x);
}
END_TEST

START_TEST(test_strict_and_settings)
{
	/* Two bases: a warning in the graph; blocking only with --strict. */
	struct vx x;
	memset(&x, 0, sizeof x);
	add(&x, "a1_x.py", "a1", NULL, NULL);
	add(&x, "b1_x.py", "b1", NULL, NULL);
	add(&x, "m2_x.py", "m2", "a1 b1", NULL);
	judge(&x, true, "m2", NULL);
	ck_assert_uint_gt(ag_findings_count(&x.g->findings, AG_SEV_WARNING), 0);
	ck_assert_int_eq(x.v.exit_code, 0);
	ag_verdict_free(&x.v);
	x.o.strict = true;
	ag_verdict_judge(&x.v, x.g, true, &x.rows, &x.o);
	ck_assert_int_eq(x.v.exit_code, 1);
	vx_free(&x);

	/* ignore: a database error the project chose to ignore does not block. */
	struct ag_settings s;
	memset(&s, 0, sizeof s);
	ag_strv_push(&s.ignore_codes, "duplicate-db-rows");
	ag_strv_push(&s.ignore_globs, "");
	line3(&x);
	x.o.settings = &s;
	judge(&x, true, "c3", "c3", NULL);
	ck_assert_ptr_null(find(&x, "duplicate-db-rows"));
	ck_assert_int_eq(x.v.exit_code, 0);
	vx_free(&x);
	ag_settings_free(&s);

	/* severity: an error lowered to a warning blocks only with --strict. */
	memset(&s, 0, sizeof s);
	ag_strv_push(&s.severity_codes, "overlapping-db-revisions");
	s.severity_levels = ag_malloc(sizeof *s.severity_levels);
	s.severity_levels[0] = AG_SEV_WARNING;
	line3(&x);
	x.o.settings = &s;
	judge(&x, true, "a1", "c3", NULL);
	ck_assert_ptr_nonnull(find(&x, "overlapping-db-revisions"));
	ck_assert_int_eq(find(&x, "overlapping-db-revisions")->severity, AG_SEV_WARNING);
	ck_assert_int_eq(x.v.exit_code, 0);
	ag_verdict_free(&x.v);
	x.o.strict = true;
	ag_verdict_judge(&x.v, x.g, true, &x.rows, &x.o);
	ck_assert_int_eq(x.v.exit_code, 1);
	vx_free(&x);
	ag_settings_free(&s);
}
END_TEST

START_TEST(test_heads_target)
{
	/* Two heads, --target heads: both are upgrade targets. */
	struct vx x;
	memset(&x, 0, sizeof x);
	add(&x, "a1_x.py", "a1", NULL, NULL);
	add(&x, "b2_x.py", "b2", "a1", NULL);
	add(&x, "c2_x.py", "c2", "a1", NULL);
	x.o.target_heads = true;
	judge(&x, true, "a1", NULL);
	ck_assert_uint_eq(x.v.npending, 2);
	ck_assert_str_eq(find(&x, "pending-migrations")->fix, "alembic upgrade heads");
	vx_free(&x);
	/* Both heads in the table: at head. */
	memset(&x, 0, sizeof x);
	add(&x, "a1_x.py", "a1", NULL, NULL);
	add(&x, "b2_x.py", "b2", "a1", NULL);
	add(&x, "c2_x.py", "c2", "a1", NULL);
	x.o.target_heads = true;
	judge(&x, true, "b2", "c2", NULL);
	ck_assert(x.v.at_head);
	ck_assert_int_eq(x.v.exit_code, 0);
	vx_free(&x);
}
END_TEST

/* Rows that are no id at all: judged, never a crash. */
START_TEST(test_malformed_rows)
{
	static const char *const rows[] = {"", "x'; DROP TABLE users; --", "\n\x1b[2J",
	                                   "\xff\xfe", "a1 ", "%s%n"};
	for (size_t i = 0; i < AG_ARRAY_LEN(rows); i++) {
		struct vx x;
		line3(&x);
		judge(&x, true, rows[i], NULL);
		ck_assert_int_eq(x.v.exit_code, 1);
		ck_assert_uint_eq(x.v.unknown.n, 1);
		const struct ag_finding *f = find(&x, "unknown-db-revision");
		if (!f)
			f = find(&x, "partial-db-revision");
		ck_assert_msg(f != NULL, "row %zu: no finding", i);
		vx_free(&x);
	}
	/* A quote in a row is doubled in the fix. */
	struct vx x;
	memset(&x, 0, sizeof x);
	add(&x, "a1_x.py", "a1", NULL, NULL);
	add(&x, "c3_x.py", "c3", "a1", NULL);
	judge(&x, true, "c3", "a1", NULL);
	ck_assert_ptr_nonnull(find(&x, "overlapping-db-revisions"));
	vx_free(&x);
}
END_TEST

Suite *verdict_suite(void)
{
	Suite *s = suite_create("verdict");
	TCase *core = tcase_create("core");
	tcase_add_test(core, test_fresh);
	tcase_add_test(core, test_at_head);
	tcase_add_test(core, test_behind);
	tcase_add_test(core, test_heads_target);
	suite_add_tcase(s, core);
	TCase *db = tcase_create("database findings");
	tcase_add_test(db, test_unknown_renamed);
	tcase_add_test(db, test_unknown_placeholder);
	tcase_add_test(db, test_unknown_ahead);
	tcase_add_test(db, test_overlapping);
	tcase_add_test(db, test_duplicate_rows);
	tcase_add_test(db, test_partial);
	suite_add_tcase(s, db);
	TCase *opts = tcase_create("options");
	tcase_add_test(opts, test_strict_and_settings);
	suite_add_tcase(s, opts);
	TCase *bad = tcase_create("errors");
	tcase_add_test(bad, test_malformed_rows);
	suite_add_tcase(s, bad);
	return s;
}
