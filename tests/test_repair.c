#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "lib/backfill.h"
#include "lib/rename.h"
#include "lib/repair.h"
#include "tests/repair_fx.h"
#include "tests/suites.h"

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

/* The second file action fails: the first is put back, and the message
 * says so. */
START_TEST(test_apply_all_or_nothing)
{
	struct fx f;
	fx_init(&f);
	fx_mig(&f, "a1_x.py", "a1", NULL);
	fx_mig(&f, "b2_x.py", "b2", "a1");
	fx_load(&f);
	char *a1 = fx_read(&f, "a1_x.py"), *b2 = fx_read(&f, "b2_x.py");
	struct ag_err err = {0};
	struct ag_rename_opts o = {.old_id = "a1", .new_id = "a0"};
	ck_assert_int_eq(ag_rename_plan(&f.plan, &f.ss, &f.ro, &o, &err), 0);
	/* Edits run before renames: b2_x.py is edited, then the move of a1_x.py
	 * meets a file that appeared at its new name. */
	ck_assert_ptr_nonnull(find_action(&f.plan, AG_REPAIR_EDIT, "b2_x.py"));
	ck_assert_ptr_nonnull(find_action(&f.plan, AG_REPAIR_RENAME, "a1_x.py"));
	fx_write(&f, "a0_msg_a1.py", "# someone else's\n");
	ck_assert_int_eq(ag_repair_apply(&f.plan, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "not overwritten"));
	ck_assert_ptr_nonnull(strstr(err.msg, "put back"));
	ck_assert(!ag_repair_any_done(&f.plan));
	char *t = fx_read(&f, "b2_x.py");
	ck_assert_str_eq(t, b2);
	free(t);
	t = fx_read(&f, "a1_x.py");
	ck_assert_str_eq(t, a1);
	free(t);
	t = fx_read(&f, "a0_msg_a1.py");
	ck_assert_str_eq(t, "# someone else's\n");
	free(t);
	free(a1);
	free(b2);
	fx_free(&f);
}
END_TEST

/* Every kind of action is undone from the plan's texts. */
START_TEST(test_revert_each_kind)
{
	struct fx f;
	fx_init(&f);
	fx_write(&f, "e.py", "old e\n");
	fx_write(&f, "m.py", "old m\n");
	fx_write(&f, "d.py", "same\n");
	fx_write(&f, "k.py", "same\n");
	struct ag_repair_action *a = ag_repair_add(&f.plan, AG_REPAIR_CREATE, "");
	free(a->path);
	a->path = fx_path(&f, "c.py");
	a->new_text = ag_strdup("new c\n");
	a->new_len = 6;
	a = ag_repair_add(&f.plan, AG_REPAIR_EDIT, "");
	free(a->path);
	a->path = fx_path(&f, "e.py");
	a->old_text = ag_strdup("old e\n");
	a->old_len = 6;
	a->new_text = ag_strdup("new e\n");
	a->new_len = 6;
	a = ag_repair_add(&f.plan, AG_REPAIR_RENAME, "");
	free(a->path);
	a->path = fx_path(&f, "m.py");
	a->new_path = fx_path(&f, "n.py");
	a->old_text = ag_strdup("old m\n");
	a->old_len = 6;
	a->new_text = ag_strdup("new m\n");
	a->new_len = 6;
	a = ag_repair_add(&f.plan, AG_REPAIR_DELETE, "");
	free(a->path);
	a->path = fx_path(&f, "d.py");
	a->keep = fx_path(&f, "k.py");
	a->old_text = ag_strdup("same\n");
	a->old_len = 5;
	a->new_text = ag_strdup("same\n");
	a->new_len = 5;
	struct ag_err err = {0};
	ck_assert_int_eq(ag_repair_apply(&f.plan, &err), 0);
	ck_assert(fx_exists(&f, "c.py") && fx_exists(&f, "n.py"));
	ck_assert(!fx_exists(&f, "m.py") && !fx_exists(&f, "d.py"));
	struct ag_strv left = {0};
	ck_assert_int_eq(ag_repair_revert(&f.plan, &left, &err), 0);
	ck_assert_uint_eq(left.n, 0);
	ck_assert(!ag_repair_any_done(&f.plan));
	ck_assert(!fx_exists(&f, "c.py") && !fx_exists(&f, "n.py"));
	char *t = fx_read(&f, "e.py");
	ck_assert_str_eq(t, "old e\n");
	free(t);
	t = fx_read(&f, "m.py");
	ck_assert_str_eq(t, "old m\n");
	free(t);
	t = fx_read(&f, "d.py");
	ck_assert_str_eq(t, "same\n");
	free(t);
	/* A file changed after the apply is not reverted over: it is left,
	 * and named. */
	ck_assert_int_eq(ag_repair_apply(&f.plan, &err), 0);
	fx_write(&f, "e.py", "a person's edit\n");
	ck_assert_int_eq(ag_repair_revert(&f.plan, &left, &err), -1);
	ck_assert_uint_eq(left.n, 1);
	ck_assert_ptr_nonnull(strstr(left.v[0], "e.py"));
	t = fx_read(&f, "e.py");
	ck_assert_str_eq(t, "a person's edit\n");
	free(t);
	ag_strv_free(&left);
	fx_free(&f);
}
END_TEST


Suite *repair_suite(void)
{
	Suite *s = suite_create("repair");
	TCase *tc0 = tcase_create("core");
	tcase_add_test(tc0, test_bad_id);
	tcase_add_test(tc0, test_sql);
	suite_add_tcase(s, tc0);
	TCase *tc1 = tcase_create("apply");
	tcase_add_test(tc1, test_revert_each_kind);
	tcase_add_test(tc1, test_apply_all_or_nothing);
	tcase_add_test(tc1, test_apply_stale_plan);
	suite_add_tcase(s, tc1);
	TCase *tc2 = tcase_create("errors");
	tcase_add_test(tc2, test_render_json);
	tcase_add_test(tc2, test_render_text);
	tcase_add_test(tc2, test_malformed_files);
	suite_add_tcase(s, tc2);
	return s;
}
