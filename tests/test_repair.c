#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/atomic.h"
#include "lib/backfill.h"
#include "lib/diff.h"
#include "lib/rename.h"
#include "lib/repair.h"
#include "lib/template.h"
#include "tests/suites.h"

/* ---- fixtures: a version directory in a temp dir ------------------------ */

struct fx {
	char dir[64];
	struct ag_strv locs;
	struct ag_scripts ss;
	struct ag_graph *g;
	struct ag_defines defs;
	struct ag_repair_opts ro;
	struct ag_repair plan;
};

static void fx_init(struct fx *f)
{
	memset(f, 0, sizeof *f);
	strcpy(f->dir, "/tmp/ag-repair-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(f->dir));
	ag_strv_push(&f->locs, f->dir);
	f->ro.locations = &f->locs;
	f->ro.defines = &f->defs;
	f->ro.now = 1790000000; /* fixed, so file names and dates are known */
}

static char *fx_path(const struct fx *f, const char *name)
{
	return ag_printf("%s/%s", f->dir, name);
}

static void fx_write(const struct fx *f, const char *name, const char *text)
{
	char *p = fx_path(f, name);
	FILE *fp = fopen(p, "w");
	ck_assert_ptr_nonnull(fp);
	fputs(text, fp);
	fclose(fp);
	free(p);
}

static char *fx_read(const struct fx *f, const char *name)
{
	char *p = fx_path(f, name);
	size_t n = 0;
	char *t = ag_read_file(p, &n);
	free(p);
	return t;
}

static bool fx_exists(const struct fx *f, const char *name)
{
	char *p = fx_path(f, name);
	struct stat st;
	bool e = stat(p, &st) == 0;
	free(p);
	return e;
}

/* A plain migration as Alembic's default template writes it. */
static void fx_mig(const struct fx *f, const char *name, const char *rev, const char *down)
{
	char *downlit = down ? ag_printf("'%s'", down) : ag_strdup("None");
	char *t = ag_printf("\"\"\"msg %s\n\nRevision ID: %s\nRevises: %s\nCreate Date: 2026-01-02 "
	                    "03:04:05.000001\n\n\"\"\"\nfrom alembic import op\n\n\n# revision "
	                    "identifiers, used by Alembic.\nrevision = '%s'\ndown_revision = %s\n"
	                    "branch_labels = None\ndepends_on = None\n\n\ndef upgrade():\n    "
	                    "pass\n\n\ndef downgrade():\n    pass\n",
	                    rev, rev, down ? down : "", rev, downlit);
	fx_write(f, name, t);
	free(t);
	free(downlit);
}

static void fx_load(struct fx *f)
{
	ag_graph_free(f->g);
	ag_scripts_free(&f->ss);
	struct ag_err err = {0};
	ck_assert_int_eq(ag_scripts_load(&f->ss, &f->locs, false, &f->defs, &err), 0);
	f->g = ag_graph_build(&f->ss, &f->ro.graph);
}

static void fx_free(struct fx *f)
{
	ag_repair_free(&f->plan);
	ag_graph_free(f->g);
	ag_scripts_free(&f->ss);
	ag_strv_free(&f->locs);
	ag_defines_free(&f->defs);
	char *cmd = ag_printf("rm -rf '%s'", f->dir);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
}

static int fx_backfill(struct fx *f, const char *rev, const char *after, const char *repoint,
                       const struct ag_strv *rows, struct ag_err *err)
{
	struct ag_strv a = {0};
	if (after)
		ag_strv_push(&a, after);
	struct ag_backfill_opts o = {.rev = rev, .after = &a, .repoint = repoint, .db_rows = rows};
	int r = ag_backfill_plan(&f->plan, &f->ss, &f->ro, &o, err);
	ag_strv_free(&a);
	return r;
}

static const struct ag_repair_action *find_action(const struct ag_repair *p, enum ag_repair_kind k,
                                                  const char *suffix)
{
	for (size_t i = 0; i < p->n; i++) {
		const char *path = p->v[i].path;
		size_t a = strlen(path), b = strlen(suffix);
		if (p->v[i].kind == k && a >= b && strcmp(path + a - b, suffix) == 0)
			return &p->v[i];
	}
	return NULL;
}

/* ---- ids, slugs, names -------------------------------------------------- */

START_TEST(test_bad_id)
{
	ck_assert_ptr_null(ag_repair_bad_id("guest_lockout_001"));
	ck_assert_ptr_null(ag_repair_bad_id("4f2e9c1a7b3d"));
	ck_assert_ptr_null(ag_repair_bad_id("kilo"));
	ck_assert_ptr_nonnull(strstr(ag_repair_bad_id("a-b"), "'-', '@' or '+'"));
	ck_assert_ptr_nonnull(strstr(ag_repair_bad_id("a@b"), "Alembic refuses"));
	ck_assert_ptr_nonnull(ag_repair_bad_id("a+b"));
	ck_assert_ptr_nonnull(ag_repair_bad_id(""));
	ck_assert_ptr_nonnull(ag_repair_bad_id(NULL));
	ck_assert_ptr_nonnull(ag_repair_bad_id("a b"));
	ck_assert_ptr_nonnull(ag_repair_bad_id("a'b"));
	ck_assert_ptr_nonnull(ag_repair_bad_id("a\"b"));
	ck_assert_ptr_nonnull(ag_repair_bad_id("a,b"));
	ck_assert_ptr_nonnull(ag_repair_bad_id("a\nb"));
}
END_TEST

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

START_TEST(test_sql)
{
	char *s = ag_repair_sql("alembic_version", "old", "new");
	ck_assert_str_eq(
	    s, "UPDATE alembic_version SET version_num = 'new' WHERE version_num = 'old';");
	free(s);
	s = ag_repair_sql("app.versions", "o'x", "n");
	ck_assert_str_eq(s,
	                 "UPDATE app.versions SET version_num = 'n' WHERE version_num = 'o''x';");
	free(s);
}
END_TEST

/* ---- diffs --------------------------------------------------------------- */

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

/* ---- backfill ------------------------------------------------------------ */

START_TEST(test_backfill_incident)
{
	struct fx f;
	fx_init(&f);
	fx_mig(&f, "a1_create.py", "a1", NULL);
	fx_mig(&f, "b2_votes.py", "b2", "a1");
	fx_mig(&f, "c3_lockout.py", "c3", "guest_lockout_001");
	fx_load(&f);
	struct ag_err err = {0};
	struct ag_strv rows = {0};
	ag_strv_push(&rows, "guest_lockout_001");
	ck_assert_int_eq(fx_backfill(&f, "guest_lockout_001", NULL, NULL, &rows, &err), 0);
	ck_assert_uint_eq(f.plan.n, 1);
	const struct ag_repair_action *a = &f.plan.v[0];
	ck_assert_int_eq(a->kind, AG_REPAIR_CREATE);
	char *want = fx_path(&f, "guest_lockout_001_placeholder.py");
	ck_assert_str_eq(a->path, want);
	free(want);
	ck_assert_ptr_nonnull(strstr(a->new_text, "revision = 'guest_lockout_001'\n"));
	ck_assert_ptr_nonnull(strstr(a->new_text, "down_revision = 'b2'\n"));
	ck_assert_ptr_nonnull(strstr(a->new_text, "branch_labels = None\ndepends_on = None\n"));
	ck_assert_ptr_nonnull(strstr(a->new_text, "Revision ID: guest_lockout_001\nRevises: b2\n"));
	ck_assert_ptr_nonnull(strstr(a->new_text, "def upgrade():\n    pass\n"));
	ck_assert_ptr_nonnull(strstr(a->new_text, "version table holds this id"));
	/* The result: one head, no error. */
	struct ag_repair_result res;
	ck_assert_int_eq(ag_repair_simulate(&f.plan, &f.ss, &f.ro, &res, &err), 0);
	ck_assert_uint_eq(res.graph->heads.n, 1);
	ck_assert_str_eq(res.graph->heads.v[0], "c3");
	ck_assert_uint_eq(ag_findings_count(&res.graph->findings, AG_SEV_ERROR), 0);
	ag_repair_result_free(&res);
	/* Written, it is on disk exactly as planned. */
	ck_assert_int_eq(ag_repair_apply(&f.plan, &err), 0);
	ck_assert(f.plan.v[0].done);
	char *t = fx_read(&f, "guest_lockout_001_placeholder.py");
	ck_assert_str_eq(t, f.plan.v[0].new_text);
	free(t);
	fx_load(&f);
	ck_assert_uint_eq(ag_findings_count(&f.g->findings, AG_SEV_ERROR), 0);
	ag_strv_free(&rows);
	fx_free(&f);
}
END_TEST

/* The placeholder agrees with the graph's own answer. */
START_TEST(test_backfill_matches_graph_parents)
{
	struct fx f;
	fx_init(&f);
	fx_mig(&f, "a1_x.py", "a1", NULL);
	fx_mig(&f, "b2_x.py", "b2", "a1");
	fx_mig(&f, "c3_x.py", "c3", "b2");
	fx_mig(&f, "d4_x.py", "d4", "m1");
	fx_mig(&f, "e5_x.py", "e5", "d4");
	fx_load(&f);
	struct ag_strv parents = {0};
	ag_graph_placeholder_parents(f.g, "m1", &parents);
	ck_assert_uint_eq(parents.n, 1);
	struct ag_err err = {0};
	ck_assert_int_eq(fx_backfill(&f, "m1", NULL, NULL, NULL, &err), 0);
	char *want = ag_printf("down_revision = '%s'\n", parents.v[0]);
	ck_assert_ptr_nonnull(strstr(f.plan.v[0].new_text, want));
	ck_assert_str_eq(parents.v[0], "c3");
	free(want);
	ag_strv_free(&parents);
	fx_free(&f);
}
END_TEST

START_TEST(test_backfill_style)
{
	struct fx f;
	fx_init(&f);
	/* The older file is plain; the newest (by Create Date) is annotated
	 * with double quotes and no depends_on line. */
	fx_mig(&f, "a1_x.py", "a1", NULL);
	fx_write(
	    &f, "b2_x.py",
	    "\"\"\"b2\n\nRevision ID: b2\nRevises: a1\nCreate Date: 2027-01-01 00:00:00\n\n\"\"\"\n"
	    "from typing import Sequence, Union\n\nfrom alembic import op\n\n"
	    "revision: str = \"b2\"\ndown_revision: Union[str, None] = \"a1\"\n"
	    "branch_labels: Union[str, Sequence[str], None] = None\n\n\n"
	    "def upgrade() -> None:\n    pass\n\n\ndef downgrade() -> None:\n    pass\n");
	fx_mig(&f, "c3_x.py", "c3", "gone1");
	fx_load(&f);
	struct ag_err err = {0};
	ck_assert_int_eq(fx_backfill(&f, "gone1", NULL, NULL, NULL, &err), 0);
	const char *t = f.plan.v[0].new_text;
	ck_assert_ptr_nonnull(strstr(t, "from typing import Sequence, Union\n"));
	ck_assert_ptr_nonnull(strstr(t, "revision: str = \"gone1\"\n"));
	ck_assert_ptr_nonnull(strstr(t, "down_revision: Union[str, None] = \"b2\"\n"));
	ck_assert_ptr_nonnull(strstr(t, "branch_labels: Union[str, Sequence[str], None] = None\n"));
	ck_assert_ptr_null(strstr(t, "depends_on"));
	ck_assert_ptr_nonnull(strstr(t, "def upgrade() -> None:\n"));
	ck_assert_ptr_null(strstr(t, "# revision identifiers"));
	/* It parses back to what was meant. */
	struct ag_script sc = {0};
	ag_script_parse(&sc, "x.py", t, f.plan.v[0].new_len, NULL);
	ck_assert_str_eq(sc.revision, "gone1");
	ck_assert_uint_eq(sc.down.n, 1);
	ck_assert_str_eq(sc.down.v[0], "b2");
	ck_assert(sc.annotated);
	ck_assert_int_eq(sc.quote, '"');
	ck_assert_str_eq(sc.doc_revision, "gone1");
	ck_assert_uint_eq(sc.findings.n, 0);
	ag_script_free(&sc);
	fx_free(&f);
}
END_TEST

START_TEST(test_backfill_after_and_merge)
{
	struct fx f;
	fx_init(&f);
	fx_mig(&f, "a1_x.py", "a1", NULL);
	fx_mig(&f, "b2_x.py", "b2", "a1");
	fx_load(&f);
	struct ag_err err = {0};
	struct ag_strv rows = {0};
	ag_strv_push(&rows, "ahead9");
	ck_assert_int_eq(fx_backfill(&f, "ahead9", "b2", NULL, &rows, &err), 0);
	ck_assert_ptr_nonnull(strstr(f.plan.v[0].new_text, "down_revision = 'b2'\n"));
	ag_repair_free(&f.plan);
	/* --after base: a base */
	ck_assert_int_eq(fx_backfill(&f, "ahead9", "base", NULL, NULL, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "heads")); /* b2 and ahead9 */
	ag_strv_free(&rows);
	fx_free(&f);
}
END_TEST

START_TEST(test_backfill_repoint)
{
	struct fx f;
	fx_init(&f);
	fx_mig(&f, "a1_x.py", "a1", NULL);
	fx_mig(&f, "b2_x.py", "b2", "a1");
	fx_mig(&f, "c3_lock.py", "c3",
	       "b2"); /* written on top of b2, not on the id production has */
	fx_load(&f);
	struct ag_err err = {0};
	struct ag_strv rows = {0};
	ag_strv_push(&rows, "guest_lockout_001");
	/* Without a child naming it and without --after, there is no answer. */
	ck_assert_int_eq(fx_backfill(&f, "guest_lockout_001", NULL, NULL, &rows, &err), -1);
	ck_assert_int_eq(err.kind, AG_ERR_USAGE);
	ck_assert_ptr_nonnull(strstr(err.msg, "--after"));
	ck_assert_ptr_nonnull(strstr(err.msg, "skip that revision forever"));
	ck_assert_uint_eq(f.plan.n, 0);
	/* After b2 alone: two heads. */
	ck_assert_int_eq(fx_backfill(&f, "guest_lockout_001", "b2", NULL, &rows, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "2 heads"));
	ck_assert_uint_eq(f.plan.n, 0);
	/* --repoint c3: c3 follows the placeholder, which follows b2. */
	ck_assert_int_eq(fx_backfill(&f, "guest_lockout_001", NULL, "c3", &rows, &err), 0);
	ck_assert_uint_eq(f.plan.n, 2);
	const struct ag_repair_action *cr =
	    find_action(&f.plan, AG_REPAIR_CREATE, "_placeholder.py");
	const struct ag_repair_action *ed = find_action(&f.plan, AG_REPAIR_EDIT, "c3_lock.py");
	ck_assert_ptr_nonnull(cr);
	ck_assert_ptr_nonnull(ed);
	ck_assert_ptr_nonnull(strstr(cr->new_text, "down_revision = 'b2'\n"));
	/* Only the literal and the Revises: line change. */
	char *want = ag_strdup(ed->old_text);
	char *p = strstr(want, "down_revision = 'b2'");
	ck_assert_ptr_nonnull(p);
	struct ag_buf b = {0};
	ag_buf_add(&b, want, (size_t)(p - want));
	ag_buf_adds(&b, "down_revision = 'guest_lockout_001'");
	ag_buf_adds(&b, p + strlen("down_revision = 'b2'"));
	char *w2 = ag_buf_take(&b);
	char *r = strstr(w2, "Revises: b2\n");
	ck_assert_ptr_nonnull(r);
	ag_buf_add(&b, w2, (size_t)(r - w2));
	ag_buf_adds(&b, "Revises: guest_lockout_001\n");
	ag_buf_adds(&b, r + strlen("Revises: b2\n"));
	char *w3 = ag_buf_take(&b);
	ck_assert_str_eq(ed->new_text, w3);
	free(want);
	free(w2);
	free(w3);
	ck_assert_int_eq(ag_repair_apply(&f.plan, &err), 0);
	fx_load(&f);
	ck_assert_uint_eq(ag_findings_count(&f.g->findings, AG_SEV_ERROR), 0);
	ck_assert_uint_eq(f.g->heads.n, 1);
	ck_assert_str_eq(f.g->heads.v[0], "c3");
	ag_strv_free(&rows);
	fx_free(&f);
}
END_TEST

/* Every refusal: exit 2 material, with a message that says why. */
START_TEST(test_backfill_refusals)
{
	struct fx f;
	fx_init(&f);
	fx_mig(&f, "a1_x.py", "a1", NULL);
	fx_mig(&f, "b2_x.py", "b2", "a1");
	fx_mig(&f, "c3_x.py", "c3", "a1"); /* a branch: b2 and c3 are both heads of the rest */
	fx_mig(&f, "d4_x.py", "d4", "miss");
	fx_write(&f, "m5_x.py", "revision = 'm5'\ndown_revision = ('b2', 'c3')\n");
	fx_load(&f);
	struct ag_err err = {0};
	struct ag_strv rows = {0};
	ag_strv_push(&rows, "miss");
	struct {
		const char *rev, *after, *repoint;
		const struct ag_strv *rows;
		const char *want;
	} cases[] = {
	    {"b2", NULL, NULL, NULL, "already defines it"},
	    {"bad-id", NULL, NULL, NULL, "Alembic refuses"},
	    {"bad@id", NULL, NULL, NULL, "Alembic refuses"},
	    {"bad+id", NULL, NULL, NULL, "Alembic refuses"},
	    {"has space", NULL, NULL, NULL, "space"},
	    {"nowhere", NULL, NULL, &rows, "does not hold it"},
	    {"nowhere", NULL, NULL, NULL, "--after"},
	    {"miss", "nosuch", NULL, NULL, "no file defines revision nosuch"},
	    {"miss", NULL, "nosuch", NULL, "--repoint nosuch"},
	    {"miss", NULL, "m5", NULL, "merge"},
	    {"miss", "a1", NULL, NULL, "heads"},
	};
	for (size_t i = 0; i < AG_ARRAY_LEN(cases); i++) {
		memset(&err, 0, sizeof err);
		int r = fx_backfill(&f, cases[i].rev, cases[i].after, cases[i].repoint,
		                    cases[i].rows, &err);
		ck_assert_msg(r == -1, "case %zu (%s) was not refused", i, cases[i].rev);
		ck_assert_int_eq(err.kind, AG_ERR_USAGE);
		ck_assert_msg(strstr(err.msg, cases[i].want), "case %zu: '%s' lacks '%s'", i,
		              err.msg, cases[i].want);
		ck_assert_uint_eq(f.plan.n, 0);
	}
	/* The rest of the graph ends in two heads (m5 merges b2 and c3, but d4's
	 * line is all that names miss): here it leaves one answer, m5. */
	ck_assert_int_eq(fx_backfill(&f, "miss", NULL, NULL, NULL, &err), 0);
	ck_assert_ptr_nonnull(strstr(f.plan.v[0].new_text, "down_revision = 'm5'"));
	ag_repair_free(&f.plan);
	/* The file name is taken. */
	fx_write(&f, "miss_placeholder.py", "# not a migration\n");
	ck_assert_int_eq(fx_backfill(&f, "miss", NULL, NULL, NULL, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "never overwrites"));
	ag_strv_free(&rows);
	fx_free(&f);
}
END_TEST

START_TEST(test_backfill_two_candidates)
{
	struct fx f;
	fx_init(&f);
	fx_mig(&f, "a1_x.py", "a1", NULL);
	fx_mig(&f, "b2_x.py", "b2", "a1");
	fx_mig(&f, "c3_x.py", "c3", "a1");
	fx_mig(&f, "d4_x.py", "d4", "miss");
	fx_load(&f);
	struct ag_err err = {0};
	ck_assert_int_eq(fx_backfill(&f, "miss", NULL, NULL, NULL, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "2 candidates for its parent (b2, c3)"));
	/* --dir must be a version location. */
	struct ag_strv a = {0};
	ag_strv_push(&a, "b2");
	struct ag_backfill_opts o = {.rev = "miss", .after = &a, .dir = "/tmp"};
	ck_assert_int_eq(ag_backfill_plan(&f.plan, &f.ss, &f.ro, &o, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "not one of the version locations"));
	/* --after b2 with c3 still a head: two heads. */
	o.dir = NULL;
	ck_assert_int_eq(ag_backfill_plan(&f.plan, &f.ss, &f.ro, &o, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "2 heads"));
	/* With --target heads semantics, it does not add a head: accepted. */
	f.ro.graph.heads_ok = true;
	ck_assert_int_eq(ag_backfill_plan(&f.plan, &f.ss, &f.ro, &o, &err), 0);
	ag_strv_free(&a);
	fx_free(&f);
}
END_TEST

/* Two missing ids in one plan: the second sees the first. */
START_TEST(test_backfill_several)
{
	struct fx f;
	fx_init(&f);
	fx_mig(&f, "a1_x.py", "a1", "m1");
	fx_mig(&f, "b2_x.py", "b2", "a1");
	fx_load(&f);
	struct ag_err err = {0};
	ck_assert_int_eq(fx_backfill(&f, "m1", NULL, NULL, NULL, &err), 0);
	ck_assert_ptr_nonnull(strstr(f.plan.v[0].new_text, "down_revision = None"));
	/* m1 is defined now (by the plan). */
	ck_assert_int_eq(fx_backfill(&f, "m1", NULL, NULL, NULL, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "already defines it"));
	ck_assert_uint_eq(f.plan.n, 1);
	fx_free(&f);
}
END_TEST

START_TEST(test_backfill_merge_crlf)
{
	struct fx f;
	fx_init(&f);
	/* The newest file has CRLF line ends: the placeholder too. */
	fx_write(&f, "a1_x.py", "revision = 'a1'\r\ndown_revision = None\r\n");
	fx_write(&f, "b2_x.py", "revision = 'b2'\r\ndown_revision = 'a1'\r\n");
	fx_write(&f, "c3_x.py", "revision = 'c3'\r\ndown_revision = 'a1'\r\n");
	fx_write(&f, "d4_x.py", "revision = 'd4'\r\ndown_revision = 'm9'\r\n");
	fx_load(&f);
	struct ag_err err = {0};
	struct ag_strv after = {0};
	ag_strv_push(&after, "b2");
	ag_strv_push(&after, "c3");
	struct ag_backfill_opts o = {.rev = "m9", .after = &after};
	ck_assert_int_eq(ag_backfill_plan(&f.plan, &f.ss, &f.ro, &o, &err), 0);
	const char *t = f.plan.v[0].new_text;
	ck_assert_ptr_nonnull(strstr(t, "down_revision = ('b2', 'c3')\r\n"));
	ck_assert_ptr_nonnull(strstr(t, "Revises: b2, c3\r\n"));
	for (const char *p = strchr(t, '\n'); p; p = strchr(p + 1, '\n'))
		ck_assert_int_eq(p[-1], '\r');
	/* Without the branch/label lines the newest file lacks. */
	ck_assert_ptr_null(strstr(t, "branch_labels"));
	struct ag_repair_result res;
	ck_assert_int_eq(ag_repair_simulate(&f.plan, &f.ss, &f.ro, &res, &err), 0);
	ck_assert_uint_eq(res.graph->heads.n, 1);
	ck_assert_uint_eq(res.graph->merges.n, 1);
	ck_assert_str_eq(res.graph->merges.v[0], "m9");
	ag_repair_result_free(&res);
	/* --after twice the same */
	ag_repair_free(&f.plan);
	ag_strv_push(&after, "b2");
	ck_assert_int_eq(ag_backfill_plan(&f.plan, &f.ss, &f.ro, &o, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "given twice"));
	ag_strv_free(&after);
	fx_free(&f);
}
END_TEST

START_TEST(test_render_text)
{
	struct fx f;
	fx_init(&f);
	fx_mig(&f, "a1_x.py", "a1", NULL);
	fx_mig(&f, "b2_x.py", "b2", "a1");
	fx_load(&f);
	struct ag_err err = {0};
	struct ag_rename_opts o = {.old_id = "b2", .new_id = "b3"};
	ck_assert_int_eq(ag_rename_plan(&f.plan, &f.ss, &f.ro, &o, &err), 0);
	struct ag_buf b = {0};
	ag_repair_render_text(&f.plan, "app.versions", true, &b);
	ck_assert_ptr_nonnull(strstr(b.p, "rename "));
	ck_assert_ptr_nonnull(strstr(b.p, "/b2_x.py -> "));
	ck_assert_ptr_nonnull(strstr(b.p, "/b3_msg_b2.py\n"));
	ck_assert_ptr_nonnull(strstr(b.p, "-revision = 'b2'\n+revision = 'b3'\n"));
	ck_assert_ptr_nonnull(strstr(b.p, "  UPDATE app.versions SET version_num = 'b3' WHERE "
	                                  "version_num = 'b2';\n"));
	ag_buf_free(&b);
	/* without diffs: one line per action */
	ag_repair_render_text(&f.plan, NULL, false, &b);
	ck_assert_ptr_null(strstr(b.p, "@@"));
	ck_assert_ptr_nonnull(strstr(b.p, "UPDATE alembic_version"));
	ag_buf_free(&b);
	fx_free(&f);
}
END_TEST

START_TEST(test_backfill_refusals_more)
{
	struct fx f;
	fx_init(&f);
	fx_write(&f, "a1_x.py",
	         "revision = 'a1'\ndown_revision = None\nbranch_labels = ('lab',)\n");
	fx_mig(&f, "b2_x.py", "b2", "miss");
	fx_mig(&f, "c3_x.py", "c3", "b2");
	fx_write(&f, "d4_x.py", "P = 'c3'\nrevision = 'd4'\ndown_revision = P\n");
	fx_load(&f);
	struct ag_err err = {0};
	/* a branch label is no place to put a revision, nor an id to take */
	ck_assert_int_eq(fx_backfill(&f, "miss", "lab", NULL, NULL, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "branch label"));
	ck_assert_int_eq(fx_backfill(&f, "lab", "a1", NULL, NULL, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "branch label of a1"));
	/* after its own descendant: a cycle, refused as a new error */
	ck_assert_int_eq(fx_backfill(&f, "miss", "c3", NULL, NULL, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "nothing is written"));
	ck_assert_ptr_nonnull(strstr(err.msg, "cycle"));
	/* --repoint of a child whose down_revision is a name */
	ck_assert_int_eq(fx_backfill(&f, "miss", NULL, "d4", NULL, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "by hand"));
	ck_assert_uint_eq(f.plan.n, 0);
	/* and the right answer is still there */
	ck_assert_int_eq(fx_backfill(&f, "miss", NULL, NULL, NULL, &err), 0);
	ck_assert_ptr_nonnull(strstr(f.plan.v[0].new_text, "down_revision = 'a1'"));
	fx_free(&f);
}
END_TEST

START_TEST(test_rename_duplicate_old)
{
	struct fx f;
	fx_init(&f);
	fx_mig(&f, "a1_x.py", "a1", NULL);
	fx_mig(&f, "b2_x.py", "b2", "a1");
	fx_mig(&f, "b2_copy.py", "b2", "a1");
	fx_load(&f);
	struct ag_err err = {0};
	struct ag_rename_opts o = {.old_id = "b2", .new_id = "b3"};
	ck_assert_int_eq(ag_rename_plan(&f.plan, &f.ss, &f.ro, &o, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "settle the duplicates first"));
	ck_assert_uint_eq(f.plan.n, 0);
	fx_free(&f);
}
END_TEST

/* ---- rename -------------------------------------------------------------- */

START_TEST(test_rename_id_everywhere)
{
	struct fx f;
	fx_init(&f);
	fx_mig(&f, "a1_x.py", "a1", NULL);
	/* Odd but legal spellings: comments, double quotes, a tuple, depends_on. */
	const char *b2 = "\"\"\"add things\n\nRevision ID: oldb2\nRevises: a1\n\"\"\"\n"
	                 "revision = \"oldb2\"  # keep this comment\n"
	                 "down_revision = 'a1'\n";
	fx_write(&f, "oldb2_add_things.py", b2);
	const char *c3 = "\"\"\"c3\n\nRevision ID: c3\nRevises: oldb2, a1\n\"\"\"\n"
	                 "revision = 'c3'\ndown_revision = ( 'oldb2' ,\n    'a1')\n"
	                 "depends_on = ['oldb2']\n";
	fx_write(&f, "c3_x.py", c3);
	fx_load(&f);
	struct ag_err err = {0};
	struct ag_rename_opts o = {.old_id = "oldb2", .new_id = "b2"};
	ck_assert_int_eq(ag_rename_plan(&f.plan, &f.ss, &f.ro, &o, &err), 0);
	ck_assert_uint_eq(f.plan.sql_old.n, 1);
	ck_assert_str_eq(f.plan.sql_old.v[0], "oldb2");
	ck_assert_str_eq(f.plan.sql_new.v[0], "b2");
	const struct ag_repair_action *mv =
	    find_action(&f.plan, AG_REPAIR_RENAME, "oldb2_add_things.py");
	ck_assert_ptr_nonnull(mv);
	char *want_path = fx_path(&f, "b2_add_things.py");
	ck_assert_str_eq(mv->new_path, want_path);
	free(want_path);
	ck_assert_str_eq(mv->new_text, "\"\"\"add things\n\nRevision ID: b2\nRevises: a1\n\"\"\"\n"
	                               "revision = \"b2\"  # keep this comment\n"
	                               "down_revision = 'a1'\n");
	const struct ag_repair_action *ed = find_action(&f.plan, AG_REPAIR_EDIT, "c3_x.py");
	ck_assert_ptr_nonnull(ed);
	ck_assert_str_eq(ed->new_text, "\"\"\"c3\n\nRevision ID: c3\nRevises: b2, a1\n\"\"\"\n"
	                               "revision = 'c3'\ndown_revision = ( 'b2' ,\n    'a1')\n"
	                               "depends_on = ['b2']\n");
	ck_assert_int_eq(ag_repair_apply(&f.plan, &err), 0);
	ck_assert(!fx_exists(&f, "oldb2_add_things.py"));
	ck_assert(fx_exists(&f, "b2_add_things.py"));
	fx_load(&f);
	ck_assert_uint_eq(ag_findings_count(&f.g->findings, AG_SEV_ERROR), 0);
	ck_assert_uint_eq(ag_graph_find(f.g, "oldb2"), AG_NONE);
	ck_assert_uint_ne(ag_graph_find(f.g, "b2"), AG_NONE);
	fx_free(&f);
}
END_TEST

/* The file says NEW already; the database and the docstring still say OLD. */
START_TEST(test_rename_finish_half_done)
{
	struct fx f;
	fx_init(&f);
	fx_mig(&f, "a1_x.py", "a1", NULL);
	fx_write(&f, "oldb2_x.py",
	         "\"\"\"x\n\nRevision ID: oldb2\nRevises: a1\n\"\"\"\n"
	         "revision = 'b2'\ndown_revision = 'a1'\n");
	fx_mig(&f, "c3_x.py", "c3", "b2");
	fx_load(&f);
	struct ag_err err = {0};
	struct ag_strv rows = {0};
	ag_strv_push(&rows, "oldb2");
	struct ag_rename_opts o = {.db_rows = &rows};
	ck_assert_int_eq(ag_rename_plan(&f.plan, &f.ss, &f.ro, &o, &err), 0);
	ck_assert_uint_eq(f.plan.sql_old.n, 1);
	ck_assert_str_eq(f.plan.sql_old.v[0], "oldb2");
	ck_assert_str_eq(f.plan.sql_new.v[0], "b2");
	const struct ag_repair_action *mv = find_action(&f.plan, AG_REPAIR_RENAME, "oldb2_x.py");
	ck_assert_ptr_nonnull(mv);
	ck_assert_ptr_nonnull(strstr(mv->new_path, "/b2_x.py"));
	ck_assert_ptr_nonnull(strstr(mv->new_text, "Revision ID: b2\n"));
	ck_assert_ptr_nonnull(strstr(f.plan.notes.v[0], "renamed"));
	ag_repair_free(&f.plan);
	/* The same with --id. */
	struct ag_rename_opts o2 = {.old_id = "oldb2", .new_id = "b2"};
	ck_assert_int_eq(ag_rename_plan(&f.plan, &f.ss, &f.ro, &o2, &err), 0);
	ck_assert_uint_eq(f.plan.sql_old.n, 1);
	ck_assert_ptr_nonnull(find_action(&f.plan, AG_REPAIR_RENAME, "oldb2_x.py"));
	ag_strv_free(&rows);
	fx_free(&f);
}
END_TEST

START_TEST(test_rename_refusals)
{
	struct fx f;
	fx_init(&f);
	fx_mig(&f, "a1_x.py", "a1", NULL);
	fx_mig(&f, "b2_x.py", "b2", "a1");
	fx_write(&f, "c3_x.py",
	         "revision = 'c3'\ndown_revision = 'b2'\nbranch_labels = ('lab',)\n");
	fx_write(&f, "abcdef12.py", "down_revision = 'c3'\n"); /* id from the file name */
	fx_load(&f);
	struct {
		const char *old, *nw, *want;
	} cases[] = {
	    {"b2", "b-2", "Alembic refuses"},
	    {"b2", "b2", "to itself"},
	    {"b2", "a1", "two revisions cannot share an id"},
	    {"zz", "yy", "no file defines either id"},
	    {"b2", "lab", "branch label"},
	    {"b2", "x123456789012345678901234567890123", "VARCHAR(32)"},
	    {"abcdef12", "newid", "takes its id from its file name"},
	};
	struct ag_err err = {0};
	for (size_t i = 0; i < AG_ARRAY_LEN(cases); i++) {
		struct ag_rename_opts o = {.old_id = cases[i].old, .new_id = cases[i].nw};
		memset(&err, 0, sizeof err);
		ck_assert_msg(ag_rename_plan(&f.plan, &f.ss, &f.ro, &o, &err) == -1, "case %zu",
		              i);
		ck_assert_int_eq(err.kind, AG_ERR_USAGE);
		ck_assert_msg(strstr(err.msg, cases[i].want), "case %zu: %s", i, err.msg);
		ck_assert_uint_eq(f.plan.n, 0);
		ck_assert_uint_eq(f.plan.sql_old.n, 0);
	}
	/* A target name that is taken. */
	fx_write(&f, "odd_name.py", "\"\"\"x\"\"\"\nrevision = 'd4'\ndown_revision = 'c3'\n");
	fx_write(&f, "d4_x.py", "# something else\n");
	fx_load(&f);
	struct ag_rename_opts o = {.only = "odd_name.py"};
	ck_assert_int_eq(ag_rename_plan(&f.plan, &f.ss, &f.ro, &o, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "never overwrites"));
	struct ag_rename_opts o2 = {.only = "nonexistent.py"};
	ck_assert_int_eq(ag_rename_plan(&f.plan, &f.ss, &f.ro, &o2, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "no migration file"));
	fx_free(&f);
}
END_TEST

START_TEST(test_rename_names)
{
	struct fx f;
	fx_init(&f);
	fx_mig(&f, "a1_x.py", "a1", NULL);
	fx_mig(&f, "votes.py", "b2", "a1"); /* -> b2_msg_b2.py (the message) */
	fx_write(&f, "c3.py", "revision = 'c3'\ndown_revision = 'b2'\n"); /* no message */
	fx_write(&f, "deadbeef.py", "down_revision = 'c3'\n");            /* legacy: left alone */
	fx_load(&f);
	struct ag_err err = {0};
	struct ag_rename_opts o = {0};
	ck_assert_int_eq(ag_rename_plan(&f.plan, &f.ss, &f.ro, &o, &err), 0);
	const struct ag_repair_action *a = find_action(&f.plan, AG_REPAIR_RENAME, "/votes.py");
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(strstr(a->new_path, "/b2_msg_b2.py"));
	ck_assert_ptr_null(a->new_text); /* contents unchanged */
	a = find_action(&f.plan, AG_REPAIR_RENAME, "/c3.py");
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(strstr(a->new_path, "/c3_.py"));
	ck_assert_ptr_null(find_action(&f.plan, AG_REPAIR_RENAME, "deadbeef.py"));
	ck_assert_ptr_null(find_action(&f.plan, AG_REPAIR_RENAME, "a1_x.py"));
	ck_assert_uint_eq(f.plan.n, 2);
	ck_assert_int_eq(ag_repair_apply(&f.plan, &err), 0);
	ck_assert(fx_exists(&f, "b2_msg_b2.py"));
	ck_assert(!fx_exists(&f, "votes.py"));
	/* Run again: nothing left to do. */
	ag_repair_free(&f.plan);
	fx_load(&f);
	ck_assert_int_eq(ag_rename_plan(&f.plan, &f.ss, &f.ro, &o, &err), 0);
	ck_assert_uint_eq(f.plan.n, 0);
	/* --only one file */
	fx_mig(&f, "e5.py", "e5", "deadbeef");
	fx_mig(&f, "f6.py", "f6", "e5");
	fx_load(&f);
	struct ag_rename_opts o2 = {.only = "e5.py"};
	ck_assert_int_eq(ag_rename_plan(&f.plan, &f.ss, &f.ro, &o2, &err), 0);
	ck_assert_uint_eq(f.plan.n, 1);
	ck_assert_ptr_nonnull(find_action(&f.plan, AG_REPAIR_RENAME, "/e5.py"));
	fx_free(&f);
}
END_TEST

START_TEST(test_rename_date_template)
{
	struct fx f;
	fx_init(&f);
	setenv("TZ", "UTC", 1);
	tzset();
	f.ro.file_template = "%(year)d_%(month).2d_%(day).2d-%(rev)s_%(slug)s";
	fx_mig(&f, "a1_x.py", "a1", NULL); /* Create Date 2026-01-02 */
	fx_write(&f, "b2_y.py", "revision = 'b2'\ndown_revision = 'a1'\n"); /* no date */
	fx_load(&f);
	struct ag_err err = {0};
	struct ag_rename_opts o = {0};
	ck_assert_int_eq(ag_rename_plan(&f.plan, &f.ss, &f.ro, &o, &err), 0);
	const struct ag_repair_action *a = find_action(&f.plan, AG_REPAIR_RENAME, "/a1_x.py");
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(strstr(a->new_path, "/2026_01_02-a1_msg_a1.py"));
	ck_assert_uint_eq(f.plan.n, 1);
	ck_assert_uint_eq(f.plan.notes.n, 1);
	ck_assert_ptr_nonnull(strstr(f.plan.notes.v[0], "no Create Date"));
	fx_free(&f);
}
END_TEST

START_TEST(test_rename_duplicates)
{
	struct fx f;
	fx_init(&f);
	fx_mig(&f, "a1_x.py", "a1", NULL);
	fx_mig(&f, "b2_msg_b2.py", "b2", "a1");
	fx_mig(&f, "c3_msg_c3.py", "c3", "b2");
	/* A rename that copied instead of moving: identical copy. */
	char *t = fx_read(&f, "b2_msg_b2.py");
	fx_write(&f, "old_votes.py", t);
	free(t);
	/* A copy that differs. */
	t = fx_read(&f, "c3_msg_c3.py");
	char *t2 = ag_printf("# edited by hand\n%s", t);
	fx_write(&f, "c3_copy.py", t2);
	free(t);
	free(t2);
	fx_load(&f);
	ck_assert(ag_findings_has(&f.g->findings, "duplicate-revision"));
	struct ag_err err = {0};
	struct ag_rename_opts o = {0};
	ck_assert_int_eq(ag_rename_plan(&f.plan, &f.ss, &f.ro, &o, &err), 0);
	const struct ag_repair_action *del =
	    find_action(&f.plan, AG_REPAIR_DELETE, "/old_votes.py");
	ck_assert_ptr_nonnull(del);
	ck_assert_ptr_nonnull(strstr(del->keep, "/b2_msg_b2.py"));
	const struct ag_repair_action *dup =
	    find_action(&f.plan, AG_REPAIR_DUPLICATE, "/c3_copy.py");
	ck_assert_ptr_nonnull(dup);
	ck_assert_ptr_nonnull(strstr(dup->keep, "/c3_msg_c3.py"));
	struct ag_buf b = {0};
	ag_repair_render_text(&f.plan, "alembic_version", true, &b);
	ck_assert_ptr_nonnull(strstr(b.p, "+# edited by hand\n"));
	ck_assert_ptr_nonnull(strstr(b.p, "not deleted"));
	ag_buf_free(&b);
	/* The differing copy is neither deleted nor renamed. */
	ck_assert_ptr_null(find_action(&f.plan, AG_REPAIR_RENAME, "/c3_copy.py"));
	ck_assert_int_eq(ag_repair_apply(&f.plan, &err), 0);
	ck_assert(!fx_exists(&f, "old_votes.py"));
	ck_assert(fx_exists(&f, "c3_copy.py"));
	ck_assert(fx_exists(&f, "b2_msg_b2.py"));
	fx_load(&f);
	ck_assert_uint_eq(ag_findings_count(&f.g->findings, AG_SEV_ERROR), 1); /* c3 still twice */
	fx_free(&f);
}
END_TEST

/* ---- the safe writer ----------------------------------------------------- */

START_TEST(test_writer_never_overwrites)
{
	struct fx f;
	fx_init(&f);
	fx_write(&f, "x.py", "mine\n");
	char *p = fx_path(&f, "x.py"), *q = fx_path(&f, "y.py");
	struct ag_err err = {0};
	ck_assert_int_eq(ag_atomic_write_new(p, "theirs\n", 7, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "not overwritten"));
	char *t = fx_read(&f, "x.py");
	ck_assert_str_eq(t, "mine\n");
	free(t);
	ck_assert_int_eq(ag_atomic_write_new(q, "new\n", 4, &err), 0);
	t = fx_read(&f, "y.py");
	ck_assert_str_eq(t, "new\n");
	free(t);
	/* replace only while the text is what the plan saw */
	ck_assert_int_eq(ag_atomic_replace(p, "other\n", 6, "z\n", 2, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "changed after the plan"));
	chmod(p, 0640);
	ck_assert_int_eq(ag_atomic_replace(p, "mine\n", 5, "z\n", 2, &err), 0);
	struct stat st;
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0640);
	/* move never onto an existing name */
	ck_assert_int_eq(ag_atomic_move(p, q, "z\n", 2, NULL, 0, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "not overwritten"));
	t = fx_read(&f, "y.py");
	ck_assert_str_eq(t, "new\n");
	free(t);
	char *r = fx_path(&f, "r.py");
	ck_assert_int_eq(ag_atomic_move(p, r, "z\n", 2, "edited\n", 7, &err), 0);
	ck_assert(!fx_exists(&f, "x.py"));
	t = fx_read(&f, "r.py");
	ck_assert_str_eq(t, "edited\n");
	free(t);
	/* no temporary file is left behind */
	char *cmd = ag_printf("test -z \"$(ls -A '%s' | grep ag-)\"", f.dir);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
	free(p);
	free(q);
	free(r);
	fx_free(&f);
}
END_TEST

/* A file changed between plan and write is left alone. */
START_TEST(test_apply_stale_plan)
{
	struct fx f;
	fx_init(&f);
	fx_mig(&f, "a1_x.py", "a1", NULL);
	fx_mig(&f, "b2_x.py", "b2", "a1");
	fx_load(&f);
	struct ag_err err = {0};
	struct ag_rename_opts o = {.old_id = "a1", .new_id = "a0"};
	ck_assert_int_eq(ag_rename_plan(&f.plan, &f.ss, &f.ro, &o, &err), 0);
	fx_write(&f, "b2_x.py", "# changed meanwhile\n");
	ck_assert_int_eq(ag_repair_apply(&f.plan, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "changed after the plan"));
	char *t = fx_read(&f, "b2_x.py");
	ck_assert_str_eq(t, "# changed meanwhile\n");
	free(t);
	fx_free(&f);
}
END_TEST

/* ---- output and malformed input ----------------------------------------- */

START_TEST(test_render_json)
{
	struct fx f;
	fx_init(&f);
	fx_mig(&f, "a1_x.py", "a1", NULL);
	fx_mig(&f, "b2_x.py", "b2", "m1");
	fx_load(&f);
	struct ag_err err = {0};
	ck_assert_int_eq(fx_backfill(&f, "m1", NULL, NULL, NULL, &err), 0);
	struct ag_buf b = {0};
	json_t *rep = json_pack("{s:s}", "command", "backfill");
	ag_repair_render_json(&f.plan, "alembic_version", rep, false, false, -1, &b);
	/* The caller's report is borrowed, not changed. */
	ck_assert_ptr_null(json_object_get(rep, "repair"));
	json_decref(rep);
	ck_assert_ptr_nonnull(strstr(b.p, "\"command\": \"backfill\""));
	ck_assert_ptr_nonnull(strstr(b.p, "\"repair\": {"));
	ck_assert_ptr_nonnull(strstr(b.p, "\"action\": \"create\""));
	ck_assert_ptr_nonnull(strstr(b.p, "\"rows_updated\": null"));
	ck_assert_ptr_nonnull(strstr(b.p, "+revision = 'm1'\\n"));
	ag_buf_free(&b);
	/* Not an object in: still one object out. */
	json_t *arr = json_array();
	ag_repair_render_json(&f.plan, NULL, arr, true, false, 3, &b);
	json_decref(arr);
	ck_assert_int_eq(b.p[0], '{');
	ag_buf_free(&b);
	ag_repair_render_json(&f.plan, NULL, NULL, true, false, 3, &b);
	ck_assert_int_eq(b.p[0], '{');
	ck_assert_ptr_nonnull(strstr(b.p, "\"rows_updated\": 3"));
	ag_buf_free(&b);
	fx_free(&f);
}
END_TEST

START_TEST(test_malformed_files)
{
	struct fx f;
	fx_init(&f);
	fx_mig(&f, "a1_x.py", "a1", NULL);
	/* Python cannot read this file (the string never ends), but the
	 * assignments before the error are tokens like any other: only the
	 * literal changes, and the error stays. */
	const char *b2 = "revision = 'b2'\ndown_revision = 'a1'\nx = '''unterminated\n";
	fx_write(&f, "b2_x.py", b2);
	/* Implicit concatenation: one value, written as two literals. */
	fx_write(&f, "c3_x.py", "revision = 'c3'\ndown_revision = 'a' \"1\"  # split\n");
	fx_load(&f);
	struct ag_err err = {0};
	struct ag_rename_opts o = {.old_id = "a1", .new_id = "a0"};
	ck_assert_int_eq(ag_rename_plan(&f.plan, &f.ss, &f.ro, &o, &err), 0);
	const struct ag_repair_action *e = find_action(&f.plan, AG_REPAIR_EDIT, "b2_x.py");
	ck_assert_ptr_nonnull(e);
	ck_assert_str_eq(e->new_text,
	                 "revision = 'b2'\ndown_revision = 'a0'\nx = '''unterminated\n");
	e = find_action(&f.plan, AG_REPAIR_EDIT, "c3_x.py");
	ck_assert_ptr_nonnull(e);
	ck_assert_str_eq(e->new_text, "revision = 'c3'\ndown_revision = 'a0'  # split\n");
	ag_repair_free(&f.plan);
	/* A value that names a variable: refused, not guessed. */
	fx_write(&f, "d4_x.py", "PARENT = 'a1'\nrevision = 'd4'\ndown_revision = PARENT\n");
	fx_load(&f);
	ck_assert_int_eq(ag_rename_plan(&f.plan, &f.ss, &f.ro, &o, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "cannot edit"));
	ck_assert_uint_eq(f.plan.n, 0);
	/* Backfill: a new head is refused even when the graph has errors already. */
	ck_assert_int_eq(fx_backfill(&f, "gone", "a1", NULL, NULL, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "heads"));
	fx_free(&f);
}
END_TEST

Suite *repair_suite(void)
{
	Suite *s = suite_create("repair");
	TCase *core = tcase_create("core");
	tcase_add_test(core, test_bad_id);
	tcase_add_test(core, test_slug);
	tcase_add_test(core, test_file_name);
	tcase_add_test(core, test_name_conforms);
	tcase_add_test(core, test_sql);
	tcase_add_test(core, test_diff);
	suite_add_tcase(s, core);
	TCase *bf = tcase_create("backfill");
	tcase_add_test(bf, test_backfill_incident);
	tcase_add_test(bf, test_backfill_matches_graph_parents);
	tcase_add_test(bf, test_backfill_style);
	tcase_add_test(bf, test_backfill_after_and_merge);
	tcase_add_test(bf, test_backfill_repoint);
	tcase_add_test(bf, test_backfill_refusals);
	tcase_add_test(bf, test_backfill_two_candidates);
	tcase_add_test(bf, test_backfill_several);
	tcase_add_test(bf, test_backfill_merge_crlf);
	tcase_add_test(bf, test_backfill_refusals_more);
	suite_add_tcase(s, bf);
	TCase *rn = tcase_create("rename");
	tcase_add_test(rn, test_rename_id_everywhere);
	tcase_add_test(rn, test_rename_finish_half_done);
	tcase_add_test(rn, test_rename_refusals);
	tcase_add_test(rn, test_rename_names);
	tcase_add_test(rn, test_rename_date_template);
	tcase_add_test(rn, test_rename_duplicates);
	tcase_add_test(rn, test_rename_duplicate_old);
	suite_add_tcase(s, rn);
	TCase *io = tcase_create("writer");
	tcase_add_test(io, test_writer_never_overwrites);
	tcase_add_test(io, test_apply_stale_plan);
	suite_add_tcase(s, io);
	TCase *bad = tcase_create("errors");
	tcase_add_test(bad, test_render_json);
	tcase_add_test(bad, test_render_text);
	tcase_add_test(bad, test_malformed_files);
	suite_add_tcase(s, bad);
	return s;
}
