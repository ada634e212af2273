#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/backfill.h"
#include "lib/template.h"
#include "tests/repair_fx.h"
#include "tests/suites.h"

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
	ck_assert_str_eq(sc.doc.revision, "gone1");
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

/* Alembic skips names starting with __init__ or .#: a placeholder gets a
 * name it loads, and the guard's own loader finds it. */
START_TEST(test_backfill_loadable_name)
{
	static const char *const cases[][3] = {
	    /* template, rev, the name written */
	    {NULL, "__init__x", "placeholder___init__x_placeholder.py"},
	    {".#%(rev)s", "m1", "placeholder_.#m1.py"},
	    {"__init__%(rev)s", "m1", "placeholder___init__m1.py"},
	};
	for (size_t i = 0; i < AG_ARRAY_LEN(cases); i++) {
		struct fx f;
		fx_init(&f);
		f.ro.file_template = cases[i][0];
		const char *rev = cases[i][1];
		fx_mig(&f, "a1_x.py", "a1", NULL);
		fx_mig(&f, "c3_x.py", "c3", rev);
		fx_load(&f);
		struct ag_err err = {0};
		struct ag_strv rows = {0};
		ag_strv_push(&rows, rev);
		ck_assert_msg(fx_backfill(&f, rev, NULL, NULL, &rows, &err) == 0, "%s", err.msg);
		const struct ag_repair_action *a = find_action(&f.plan, AG_REPAIR_CREATE, ".py");
		ck_assert_ptr_nonnull(a);
		ck_assert_str_eq(ag_repair_base_of(a->path), cases[i][2]);
		ck_assert_ptr_null(ag_template_unloadable(ag_repair_base_of(a->path)));
		bool said = false;
		for (size_t k = 0; k < f.plan.notes.n; k++)
			said |= strstr(f.plan.notes.v[k], "would not load") != NULL;
		ck_assert_msg(said, "no note says why the name differs");
		ck_assert_int_eq(ag_repair_apply(&f.plan, &err), 0);
		/* The guard's loader (Alembic's rule) now finds the revision. */
		fx_load(&f);
		ck_assert_uint_ne(ag_graph_find(f.g, rev), AG_NONE);
		ck_assert_uint_eq(ag_findings_count(&f.g->findings, AG_SEV_ERROR), 0);
		ag_strv_free(&rows);
		fx_free(&f);
	}
}
END_TEST

Suite *backfill_suite(void)
{
	Suite *s = suite_create("backfill");
	TCase *tc0 = tcase_create("core");
	tcase_add_test(tc0, test_backfill_loadable_name);
	tcase_add_test(tc0, test_backfill_incident);
	tcase_add_test(tc0, test_backfill_matches_graph_parents);
	tcase_add_test(tc0, test_backfill_style);
	tcase_add_test(tc0, test_backfill_after_and_merge);
	tcase_add_test(tc0, test_backfill_repoint);
	tcase_add_test(tc0, test_backfill_several);
	tcase_add_test(tc0, test_backfill_merge_crlf);
	suite_add_tcase(s, tc0);
	TCase *tc1 = tcase_create("errors");
	tcase_add_test(tc1, test_backfill_refusals);
	tcase_add_test(tc1, test_backfill_two_candidates);
	tcase_add_test(tc1, test_backfill_refusals_more);
	suite_add_tcase(s, tc1);
	return s;
}
