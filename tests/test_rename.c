#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/rename.h"
#include "tests/repair_fx.h"
#include "tests/suites.h"

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
	/* Bytecode of the files the repair rewrites is stale: it goes (Python
	 * would trust a same-size rewrite within the same second). Another
	 * file's, and a name that only starts the same, stay. */
	char *cache = fx_path(&f, "__pycache__");
	ck_assert_int_eq(mkdir(cache, 0777), 0);
	free(cache);
	fx_write(&f, "__pycache__/oldb2_add_things.cpython-311.pyc", "x");
	fx_write(&f, "__pycache__/c3_x.cpython-311.opt-1.pyc", "x");
	fx_write(&f, "__pycache__/a1_x.cpython-311.pyc", "x");
	fx_write(&f, "__pycache__/c3_x2.cpython-311.pyc", "x");
	ck_assert_int_eq(ag_repair_apply(&f.plan, &err), 0);
	ck_assert(!fx_exists(&f, "__pycache__/oldb2_add_things.cpython-311.pyc"));
	ck_assert(!fx_exists(&f, "__pycache__/c3_x.cpython-311.opt-1.pyc"));
	ck_assert(fx_exists(&f, "__pycache__/a1_x.cpython-311.pyc"));
	ck_assert(fx_exists(&f, "__pycache__/c3_x2.cpython-311.pyc"));
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

/* A new id that would give a name Alembic skips: the file keeps its name. */
START_TEST(test_rename_loadable_name)
{
	struct fx f;
	fx_init(&f);
	fx_mig(&f, "a1_x.py", "a1", NULL);
	fx_mig(&f, "b2_x.py", "b2", "a1");
	fx_load(&f);
	struct ag_err err = {0};
	struct ag_rename_opts o = {.old_id = "b2", .new_id = "__init__b"};
	ck_assert_int_eq(ag_rename_plan(&f.plan, &f.ss, &f.ro, &o, &err), 0);
	ck_assert_ptr_null(find_action(&f.plan, AG_REPAIR_RENAME, "b2_x.py"));
	ck_assert_ptr_nonnull(find_action(&f.plan, AG_REPAIR_EDIT, "b2_x.py"));
	bool said = false;
	for (size_t k = 0; k < f.plan.notes.n; k++)
		said |= strstr(f.plan.notes.v[k], "would not load") != NULL;
	ck_assert(said);
	ck_assert_int_eq(ag_repair_apply(&f.plan, &err), 0);
	fx_load(&f);
	ck_assert_uint_ne(ag_graph_find(f.g, "__init__b"), AG_NONE);
	fx_free(&f);
}
END_TEST

/* ---- carrying it out, with faults injected ---------------------------- */

/* A stand-in for ag_db_rename_revisions: records the UPDATEs, writes the
 * files through before_commit, then commits or fails as told. */
struct fake_db {
	int fail;          /* 0: commit; 1: COMMIT fails; 2: the connection dies in COMMIT */
	int calls;
	bool saw_files_written; /* before_commit ran and succeeded */
	struct ag_strv old_ids, new_ids;
};

static struct fake_db fake;

static int fake_rename(struct ag_db *db, const char *schema, const char *table,
                       const struct ag_strv *old_ids, const struct ag_strv *new_ids,
                       int (*before_commit)(void *arg, struct ag_err *err), void *arg,
                       long *updated, enum ag_db_tx *tx, struct ag_err *err)
{
	(void)db;
	(void)schema;
	(void)table;
	fake.calls++;
	ag_strv_copy(&fake.old_ids, old_ids);
	ag_strv_copy(&fake.new_ids, new_ids);
	*updated = 0;
	*tx = AG_DB_TX_ROLLED_BACK;
	if (before_commit && before_commit(arg, err) < 0)
		return -1;
	fake.saw_files_written = before_commit != NULL;
	if (fake.fail == 1)
		return ag_err_set(err, AG_ERR_DB, "the database did not commit: deadlock detected");
	if (fake.fail == 2) {
		*tx = AG_DB_TX_UNKNOWN;
		return ag_err_set(err, AG_ERR_DB, "the database did not commit: server closed the "
		                                  "connection unexpectedly");
	}
	*updated = (long)old_ids->n;
	*tx = AG_DB_TX_COMMITTED;
	return 0;
}

/* a1 <- oldb2 (file oldb2_x.py) <- c3: rename oldb2 -> b2. */
static void fault_fx(struct fx *f, char **before)
{
	fx_init(f);
	fx_mig(f, "a1_x.py", "a1", NULL);
	fx_mig(f, "oldb2_x.py", "oldb2", "a1");
	fx_mig(f, "c3_x.py", "c3", "oldb2");
	fx_load(f);
	before[0] = fx_read(f, "oldb2_x.py");
	before[1] = fx_read(f, "c3_x.py");
	struct ag_err err = {0};
	struct ag_rename_opts o = {.old_id = "oldb2", .new_id = "b2"};
	ck_assert_int_eq(ag_rename_plan(&f->plan, &f->ss, &f->ro, &o, &err), 0);
	memset(&fake, 0, sizeof fake);
}

static void assert_untouched(struct fx *f, char **before)
{
	char *t = fx_read(f, "oldb2_x.py");
	ck_assert_ptr_nonnull(t);
	ck_assert_str_eq(t, before[0]);
	free(t);
	t = fx_read(f, "c3_x.py");
	ck_assert_str_eq(t, before[1]);
	free(t);
	ck_assert(!fx_exists(f, "b2_msg_oldb2.py"));
	char *cmd = ag_printf("test -z \"$(ls -A '%s' | grep ag-)\"", f->dir);
	ck_assert_int_eq(system(cmd), 0); /* no temporary file left */
	free(cmd);
}

static void fault_free(struct fx *f, char **before, struct ag_rename_outcome *out)
{
	ag_rename_outcome_free(out);
	ag_strv_free(&fake.old_ids);
	ag_strv_free(&fake.new_ids);
	free(before[0]);
	free(before[1]);
	fx_free(f);
}

START_TEST(test_apply_together)
{
	struct fx f;
	char *before[2];
	fault_fx(&f, before);
	struct ag_strv rows = {0};
	ag_strv_push(&rows, "oldb2");
	struct ag_rename_apply_opts o = {.write = true, .db_fn = fake_rename, .table = "alembic_version", .rows = &rows};
	struct ag_rename_outcome out;
	struct ag_err err = {0};
	ck_assert_int_eq(ag_rename_apply(&f.plan, &o, &out, &err), 0);
	ck_assert(out.written && out.applied);
	ck_assert_int_eq(out.updated, 1);
	ck_assert_int_eq(fake.calls, 1);
	ck_assert(fake.saw_files_written);
	ck_assert_str_eq(fake.old_ids.v[0], "oldb2");
	ck_assert_str_eq(fake.new_ids.v[0], "b2");
	ck_assert(fx_exists(&f, "b2_msg_oldb2.py"));
	ck_assert(!fx_exists(&f, "oldb2_x.py"));
	ag_strv_free(&rows);
	fault_free(&f, before, &out);
}
END_TEST

/* The files are written, then COMMIT fails: the files are put back. */
START_TEST(test_apply_commit_fails)
{
	struct fx f;
	char *before[2];
	fault_fx(&f, before);
	fake.fail = 1;
	struct ag_strv rows = {0};
	ag_strv_push(&rows, "oldb2");
	struct ag_rename_apply_opts o = {.write = true, .db_fn = fake_rename, .table = "alembic_version", .rows = &rows};
	struct ag_rename_outcome out;
	struct ag_err err = {0};
	ck_assert_int_eq(ag_rename_apply(&f.plan, &o, &out, &err), -1);
	ck_assert(fake.saw_files_written); /* they were written before the COMMIT */
	ck_assert(!out.written && !out.applied && !out.db_unknown);
	ck_assert_int_eq(err.kind, AG_ERR_DB);
	ck_assert_ptr_nonnull(strstr(err.msg, "deadlock detected"));
	ck_assert_ptr_nonnull(strstr(err.msg, "the database was not changed"));
	ck_assert_ptr_nonnull(strstr(err.msg, "the files were put back as they were"));
	ck_assert_uint_eq(out.left.n, 0);
	assert_untouched(&f, before);
	ag_strv_free(&rows);
	fault_free(&f, before, &out);
}
END_TEST

/* The second file's rename fails inside the transaction: the first file
 * is put back, the transaction rolled back. */
START_TEST(test_apply_second_file_fails)
{
	struct fx f;
	char *before[2];
	fault_fx(&f, before);
	fx_write(&f, "b2_msg_oldb2.py", "# in the way\n");
	struct ag_strv rows = {0};
	ag_strv_push(&rows, "oldb2");
	struct ag_rename_apply_opts o = {.write = true, .db_fn = fake_rename, .table = "alembic_version", .rows = &rows};
	struct ag_rename_outcome out;
	struct ag_err err = {0};
	ck_assert_int_eq(ag_rename_apply(&f.plan, &o, &out, &err), -1);
	ck_assert(!fake.saw_files_written);
	ck_assert(!out.written && !out.applied);
	ck_assert_int_eq(err.kind, AG_ERR_IO);
	ck_assert_ptr_nonnull(strstr(err.msg, "not overwritten"));
	ck_assert_ptr_nonnull(strstr(err.msg, "put back"));
	ck_assert_ptr_nonnull(strstr(err.msg, "the database was not changed"));
	char *t = fx_read(&f, "c3_x.py"); /* the edit that ran first */
	ck_assert_str_eq(t, before[1]);
	free(t);
	t = fx_read(&f, "oldb2_x.py");
	ck_assert_str_eq(t, before[0]);
	free(t);
	t = fx_read(&f, "b2_msg_oldb2.py");
	ck_assert_str_eq(t, "# in the way\n");
	free(t);
	ag_strv_free(&rows);
	fault_free(&f, before, &out);
}
END_TEST

/* The connection dies during COMMIT: the state is unknown, and said so. */
START_TEST(test_apply_commit_unknown)
{
	struct fx f;
	char *before[2];
	fault_fx(&f, before);
	fake.fail = 2;
	struct ag_strv rows = {0};
	ag_strv_push(&rows, "oldb2");
	struct ag_rename_apply_opts o = {.write = true, .db_fn = fake_rename, .table = "alembic_version", .rows = &rows};
	struct ag_rename_outcome out;
	struct ag_err err = {0};
	ck_assert_int_eq(ag_rename_apply(&f.plan, &o, &out, &err), -1);
	ck_assert(out.db_unknown);
	ck_assert_ptr_nonnull(strstr(err.msg, "unknown"));
	ck_assert_ptr_nonnull(strstr(err.msg, "put back"));
	assert_untouched(&f, before);
	ag_strv_free(&rows);
	fault_free(&f, before, &out);
}
END_TEST

/* Both rows present: a conflict, and then nothing changes at all. */
START_TEST(test_apply_conflict_changes_nothing)
{
	struct fx f;
	char *before[2];
	fault_fx(&f, before);
	struct ag_strv rows = {0};
	ag_strv_push(&rows, "oldb2");
	ag_strv_push(&rows, "b2");
	struct ag_rename_apply_opts o = {.write = true, .db_fn = fake_rename, .table = "alembic_version", .rows = &rows};
	struct ag_rename_outcome out;
	struct ag_err err = {0};
	ck_assert_int_eq(ag_rename_apply(&f.plan, &o, &out, &err), 0);
	ck_assert_int_eq(fake.calls, 0);
	ck_assert(!out.written && !out.applied);
	ck_assert_uint_eq(out.findings.n, 1);
	ck_assert_str_eq(out.findings.v[0].code, "version-row-conflict");
	assert_untouched(&f, before);
	ag_rename_outcome_free(&out);
	/* Neither row: the files are renamed, the missing row is a finding. */
	ag_strv_free(&rows);
	ag_strv_push(&rows, "a1");
	ck_assert_int_eq(ag_rename_apply(&f.plan, &o, &out, &err), 0);
	ck_assert_int_eq(fake.calls, 0);
	ck_assert(out.written);
	ck_assert_int_eq(out.updated, 0);
	ck_assert_str_eq(out.findings.v[0].code, "version-row-missing");
	ck_assert_int_eq(out.findings.v[0].severity, AG_SEV_ERROR);
	ag_strv_free(&rows);
	fault_free(&f, before, &out);
}
END_TEST





Suite *rename_suite(void)
{
	Suite *s = suite_create("rename");
	TCase *tc0 = tcase_create("core");
	tcase_add_test(tc0, test_rename_loadable_name);
	tcase_add_test(tc0, test_rename_id_everywhere);
	tcase_add_test(tc0, test_rename_finish_half_done);
	tcase_add_test(tc0, test_rename_names);
	tcase_add_test(tc0, test_rename_date_template);
	tcase_add_test(tc0, test_rename_duplicates);
	tcase_add_test(tc0, test_rename_duplicate_old);
	suite_add_tcase(s, tc0);
	TCase *tc1 = tcase_create("errors");
	tcase_add_test(tc1, test_rename_refusals);
	suite_add_tcase(s, tc1);
	TCase *tc_apply = tcase_create("apply");
	tcase_add_test(tc_apply, test_apply_conflict_changes_nothing);
	tcase_add_test(tc_apply, test_apply_commit_unknown);
	tcase_add_test(tc_apply, test_apply_second_file_fails);
	tcase_add_test(tc_apply, test_apply_commit_fails);
	tcase_add_test(tc_apply, test_apply_together);
	suite_add_tcase(s, tc_apply);
	return s;
}
