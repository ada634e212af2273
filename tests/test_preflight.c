#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/preflight.h"
#include "tests/suites.h"

/* ---- helpers: a hand-built catalog, migrations from source ------------- */

static struct ag_catalog cat;
static struct ag_findings out;
static struct ag_schema_file files[4];
static int nfiles;

static void setup(void)
{
	memset(&cat, 0, sizeof cat);
	memset(&out, 0, sizeof out);
	memset(files, 0, sizeof files);
	nfiles = 0;
	ag_strv_push(&cat.search_path, "public");
}

static void teardown(void)
{
	ag_catalog_free(&cat);
	ag_findings_free(&out);
	for (int i = 0; i < nfiles; i++)
		ag_schema_file_free(&files[i]);
}

static struct ag_catalog_table *table(const char *schema, const char *name, double rows)
{
	struct ag_catalog_table *t = ag_catalog_add_table(&cat, schema, name);
	t->reltuples = rows;
	t->has_rows = rows > 0;
	return t;
}

static int has_rows(void *arg, struct ag_catalog_table *t)
{
	(void)arg;
	return t->has_rows < 0 ? 0 : t->has_rows;
}

/* Adds a pending migration whose upgrade() body is body (lines indented
 * by four spaces); its op lines start at line 5. */
static void pending(const char *body)
{
	char src[4096];
	snprintf(src, sizeof src,
		 "from alembic import op\nimport sqlalchemy as sa\n"
		 "from sqlalchemy.dialects import postgresql\ndef upgrade():\n%s",
		 body);
	ag_schema_read(&files[nfiles++], src, strlen(src), NULL);
}

static void run_with(double lock_rows)
{
	struct ag_preflight_file pf[4];
	static const char *const names[] = {"versions/a.py", "versions/b.py", "versions/c.py",
					    "versions/d.py"};
	static const char *const revs[] = {"a", "b", "c", "d"};
	for (int i = 0; i < nfiles; i++) {
		pf[i].ops = &files[i];
		pf[i].file = names[i];
		pf[i].revision = revs[i];
	}
	struct ag_preflight_opts o = {.lock_rows = lock_rows, .has_rows = has_rows};
	ck_assert_int_eq(ag_preflight_run(&cat, pf, (size_t)nfiles, &o, &out), 0);
}

static void run(void)
{
	run_with(0);
}

/* The only finding with code, or NULL; fails when there are several. */
static const struct ag_finding *only(const char *code)
{
	const struct ag_finding *f = NULL;
	for (size_t i = 0; i < out.n; i++)
		if (strcmp(out.v[i].code, code) == 0) {
			ck_assert_msg(!f, "two %s findings", code);
			f = &out.v[i];
		}
	return f;
}

static size_t count(const char *code)
{
	size_t n = 0;
	for (size_t i = 0; i < out.n; i++)
		n += strcmp(out.v[i].code, code) == 0;
	return n;
}

/* ---- object-exists ------------------------------------------------------- */

START_TEST(test_column_exists)
{
	struct ag_catalog_table *t = table("public", "guests", 10);
	ag_catalog_add_column(t, "vote_locked_until", "timestamp without time zone", false, false);
	table("public", "hosts", 10);
	pending("    op.add_column('guests',\n"
		"        sa.Column('vote_locked_until', sa.DateTime()))\n"
		"    op.add_column('hosts', sa.Column('vote_locked_until', sa.DateTime()))\n");
	run();
	const struct ag_finding *f = only("object-exists");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(f->severity, AG_SEV_ERROR);
	ck_assert_int_eq(f->line, 5);
	ck_assert_str_eq(f->file, "versions/a.py");
	ck_assert_str_eq(f->revision, "a");
	ck_assert_ptr_nonnull(strstr(f->message, "table guests already has column vote_locked_until "
						 "(timestamp without time zone)"));
	ck_assert_ptr_nonnull(f->fix);
	ck_assert_uint_eq(out.n, 1); /* hosts: the near miss */
}
END_TEST

START_TEST(test_table_exists_by_schema)
{
	table("public", "rooms", 0);
	table("other", "halls", 0); /* not on search_path */
	pending("    op.create_table('rooms', sa.Column('id', sa.Integer))\n"
		"    op.create_table('halls', sa.Column('id', sa.Integer))\n"
		"    op.create_table('halls', sa.Column('id', sa.Integer), schema='other')\n");
	run();
	ck_assert_uint_eq(count("object-exists"), 2);
	ck_assert_int_eq(out.v[0].line, 5);
	ck_assert_int_eq(out.v[1].line, 7);
	ck_assert_ptr_nonnull(strstr(out.v[1].message, "schema other"));
}
END_TEST

START_TEST(test_names_are_case_sensitive)
{
	table("public", "Guests", 0);
	pending("    op.add_column('guests', sa.Column('x', sa.Integer()))\n"
		"    op.add_column('Guests', sa.Column('x', sa.Integer()))\n");
	run();
	const struct ag_finding *f = only("object-missing");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(f->line, 5);
	ck_assert_uint_eq(out.n, 1);
}
END_TEST

START_TEST(test_enum_types)
{
	ag_catalog_add_object(&cat.types, "public", NULL, "status", 'e');
	ag_catalog_add_object(&cat.types, "other", NULL, "mood", 'e');
	pending("    op.create_table('a', sa.Column('s', sa.Enum('x', name='status')),\n"
		"        sa.Column('s2', sa.Enum('x', name='status')))\n"
		"    op.create_table('b', sa.Column('s', postgresql.ENUM('x', name='status', "
		"create_type=False)))\n"
		"    op.create_table('c', sa.Column('m', sa.Enum('x', name='mood')))\n"
		"    op.add_column('b', sa.Column('m2', sa.Enum('x', name='nope')))\n"
		"    op.add_column('b', sa.Column('m3', sa.Enum('x', name='status')))\n");
	run();
	const struct ag_finding *f = only("object-exists");
	ck_assert_ptr_nonnull(f); /* once per table, not for create_type=False or mood */
	ck_assert_int_eq(f->line, 5);
	ck_assert_ptr_nonnull(strstr(f->message, "already exists"));
	const struct ag_finding *m = only("object-missing");
	ck_assert_ptr_nonnull(m); /* add_column does not create its Enum */
	ck_assert_int_eq(m->line, 9);
	ck_assert_uint_eq(out.n, 2);
}
END_TEST

START_TEST(test_index_and_constraint_exist)
{
	struct ag_catalog_table *t = table("public", "g", 0);
	ag_catalog_add_column(t, "n", "integer", false, false);
	ag_catalog_add_object(&cat.rels, "public", "g", "ix_g_n", 'i');
	ag_catalog_add_object(&cat.cons, "public", "g", "ck_g", 'c');
	pending("    op.create_index('ix_g_n', 'g', ['n'])\n"
		"    op.create_index('ix_g_n', 'g', ['n'], if_not_exists=True)\n"
		"    op.create_check_constraint('ck_g', 'g', 'n > 0')\n"
		"    op.create_index('ix_g_m', 'g', ['m'])\n"
		"    op.create_unique_constraint(None, 'g', ['n'])\n"
		"    op.drop_index('ix_auto')\n"
		"    op.create_index('ix_g_n', 'g', ['n'])\n");
	run();
	ck_assert_uint_eq(count("object-exists"), 2);
	ck_assert_int_eq(out.v[0].line, 5);
	ck_assert_int_eq(out.v[1].line, 7);
	const struct ag_finding *m = only("object-missing");
	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(m->line, 8); /* no column m */
	/* After an index the database named, no judgement on g's indexes. */
	ck_assert_uint_eq(out.n, 3);
}
END_TEST

/* A dropped column takes its indexes with it, by names the replay does not
 * know: on such a table a name is not judged, a column still is (the
 * replay follows columns exactly). */
START_TEST(test_loose_table_columns_still_judged)
{
	struct ag_catalog_table *t = table("public", "g", 0);
	ag_catalog_add_column(t, "a", "integer", false, false);
	ag_catalog_add_column(t, "note", "text", false, false);
	ag_catalog_add_object(&cat.rels, "public", "g", "ix_g_note", 'i');
	pending("    op.drop_column('g', 'note')\n"
		"    op.create_index('ix_g_note', 'g', ['a'])\n"
		"    op.create_index('ix_g_x', 'g', ['note'])\n"
		"    op.create_unique_constraint('uq_g_note', 'g', ['note'])\n"
		"    op.create_unique_constraint('ix_g_note', 'g', ['a'])\n");
	run();
	ck_assert_uint_eq(count("object-exists"), 0);
	ck_assert_uint_eq(count("object-missing"), 2);
	ck_assert_int_eq(out.v[0].line, 7);
	ck_assert_int_eq(out.v[1].line, 8);
	ck_assert_uint_eq(out.n, 2);
}
END_TEST

/* ---- object-missing ------------------------------------------------------- */

START_TEST(test_missing_objects)
{
	struct ag_catalog_table *t = table("public", "g", 0);
	ag_catalog_add_column(t, "a", "integer", false, false);
	ag_catalog_add_object(&cat.rels, "public", "g", "ix_a", 'i');
	pending("    op.drop_constraint('fk_x', 'g', type_='foreignkey')\n"
		"    op.drop_column('g', 'b')\n"
		"    op.alter_column('g', 'b', nullable=True)\n"
		"    op.drop_table('nope')\n"
		"    op.drop_index('ix_b')\n"
		"    op.drop_index('ix_b', if_exists=True)\n"
		"    op.drop_index('ix_a')\n"
		"    op.drop_column('g', 'a')\n"
		"    op.rename_table('nope2', 'yes')\n");
	run();
	ck_assert_uint_eq(count("object-missing"), 6);
	int want[] = {5, 6, 7, 8, 9, 13};
	for (size_t i = 0; i < 6; i++)
		ck_assert_int_eq(out.v[i].line, want[i]);
}
END_TEST

/* ---- the replay ------------------------------------------------------------ */

START_TEST(test_replay_in_order)
{
	table("public", "old", 5);
	pending("    op.create_table('rooms', sa.Column('id', sa.Integer, primary_key=True))\n");
	pending("    op.add_column('rooms', sa.Column('size', sa.Integer(), nullable=False))\n"
		"    op.rename_table('old', 'new')\n"
		"    op.add_column('new', sa.Column('c', sa.Integer()))\n"
		"    op.drop_table('rooms')\n"
		"    op.create_table('rooms', sa.Column('id', sa.Integer))\n");
	pending("    op.add_column('rooms', sa.Column('id', sa.Integer()))\n");
	run();
	const struct ag_finding *f = only("object-exists");
	ck_assert_ptr_nonnull(f); /* only the last: rooms was created again with id */
	ck_assert_str_eq(f->revision, "c");
	ck_assert_uint_eq(out.n, 1);
}
END_TEST

/* ---- not-null-without-default ------------------------------------------------ */

START_TEST(test_not_null)
{
	table("public", "full_t", 3);
	struct ag_catalog_table *e = table("public", "empty_t", 0);
	e->has_rows = 0;
	pending("    op.add_column('full_t', sa.Column('a', sa.Integer(), nullable=False))\n"
		"    op.add_column('empty_t', sa.Column('a', sa.Integer(), nullable=False))\n"
		"    op.add_column('full_t', sa.Column('b', sa.Integer(), nullable=False, "
		"server_default='0'))\n"
		"    op.add_column('full_t', sa.Column('c', sa.Integer(), nullable=True))\n"
		"    op.add_column('full_t', sa.Column('d', sa.Integer(), nullable=False, "
		"server_default=None))\n"
		"    op.add_column('full_t', sa.Column('e', sa.Integer(), sa.Identity(), "
		"nullable=False))\n");
	run();
	ck_assert_uint_eq(count("not-null-without-default"), 2);
	ck_assert_int_eq(out.v[0].line, 5);
	ck_assert_int_eq(out.v[1].line, 9);
}
END_TEST

START_TEST(test_not_null_after_delete_not_judged)
{
	table("public", "full_t", 3);
	pending("    op.execute('DELETE FROM full_t')\n"
		"    op.add_column('full_t', sa.Column('a', sa.Integer(), nullable=False))\n");
	run();
	/* Only the DELETE is named: the NOT NULL rule is off for the table. */
	ck_assert_uint_eq(out.n, 1);
	ck_assert_str_eq(out.v[0].code, "not-judged");
	ck_assert_ptr_nonnull(strstr(out.v[0].message, "may remove rows"));
}
END_TEST

/* ---- foreign-key-mismatch --------------------------------------------------- */

START_TEST(test_foreign_keys)
{
	struct ag_catalog_table *u = table("public", "users", 0);
	ag_catalog_add_column(u, "id", "uuid", true, false);
	ag_catalog_add_column(u, "n", "bigint", true, false);
	struct ag_catalog_table *g = table("public", "guests", 0);
	ag_catalog_add_column(g, "user_id", "character varying(36)", false, false);
	ag_catalog_add_column(g, "n", "integer", false, false);
	pending("    op.create_foreign_key('f1', 'guests', 'users', ['user_id'], ['id'])\n"
		"    op.create_foreign_key('f2', 'guests', 'users', ['n'], ['n'])\n"
		"    op.create_foreign_key('f3', 'guests', 'nope', ['n'], ['id'])\n"
		"    op.create_foreign_key('f4', 'guests', 'users', ['zz'], ['id'])\n"
		"    op.create_foreign_key('f2', 'guests', 'users', ['n'], ['n'])\n");
	run();
	ck_assert_uint_eq(count("foreign-key-mismatch"), 3);
	ck_assert_int_eq(out.v[0].line, 5);
	ck_assert_ptr_nonnull(strstr(out.v[0].message, "incompatible types"));
	ck_assert_ptr_nonnull(strstr(out.v[0].message, "uuid"));
	ck_assert_int_eq(out.v[1].line, 7);
	ck_assert_int_eq(out.v[2].line, 8);
	const struct ag_finding *f = only("object-exists"); /* f2 twice */
	ck_assert_int_eq(f->line, 9);
}
END_TEST

/* ---- lock-risk ----------------------------------------------------------------- */

START_TEST(test_lock_risk)
{
	struct ag_catalog_table *b = table("public", "big", 150000);
	ag_catalog_add_column(b, "n", "integer", false, false);
	ag_catalog_add_column(b, "s", "character varying(10)", false, false);
	struct ag_catalog_table *s = table("public", "small", 10);
	ag_catalog_add_column(s, "n", "integer", false, false);
	pending("    op.create_index('ix1', 'big', ['n'])\n"
		"    op.create_index('ix2', 'big', ['n'], postgresql_concurrently=True)\n"
		"    op.create_index('ix3', 'small', ['n'])\n"
		"    op.alter_column('big', 'n', type_=sa.BigInteger())\n"
		"    op.alter_column('big', 's', type_=sa.String(20))\n"
		"    op.create_foreign_key('fk', 'big', 'small', ['n'], ['n'])\n"
		"    op.alter_column('big', 's', nullable=False)\n");
	run();
	ck_assert_uint_eq(count("lock-risk"), 4);
	int want[] = {5, 8, 10, 11};
	for (size_t i = 0; i < 4; i++) {
		ck_assert_int_eq(out.v[i].line, want[i]);
		ck_assert_int_eq(out.v[i].severity, AG_SEV_WARNING);
		ck_assert_ptr_nonnull(strstr(out.v[i].message, "150000 rows"));
		ck_assert_ptr_nonnull(out.v[i].fix);
	}
}
END_TEST

START_TEST(test_lock_risk_threshold)
{
	struct ag_catalog_table *b = table("public", "mid", 600);
	ag_catalog_add_column(b, "n", "integer", false, false);
	pending("    op.create_index('ix1', 'mid', ['n'])\n");
	run();
	ck_assert_uint_eq(out.n, 0);
	teardown(); /* again, on a fresh model, with the setting */
	setup();
	b = table("public", "mid", 600);
	ag_catalog_add_column(b, "n", "integer", false, false);
	pending("    op.create_index('ix1', 'mid', ['n'])\n");
	run_with(500);
	ck_assert_uint_eq(count("lock-risk"), 1);
}
END_TEST

/* ---- not-judged ---------------------------------------------------------------- */

START_TEST(test_raw_sql_stops_judging)
{
	struct ag_catalog_table *t = table("public", "g", 0);
	ag_catalog_add_column(t, "x", "integer", false, false);
	pending("    op.execute('UPDATE g SET x = 1')\n"
		"    op.add_column('g', sa.Column('x', sa.Integer()))\n"
		"    op.execute('ALTER TABLE g DROP COLUMN x')\n"
		"    op.add_column('g', sa.Column('x', sa.Integer()))\n");
	pending("    op.drop_table('nope')\n");
	run();
	ck_assert_ptr_nonnull(only("object-exists")); /* the UPDATE changes no schema */
	/* Both statements are named; only the ALTER stops the judging. */
	ck_assert_uint_eq(count("not-judged"), 2);
	const struct ag_finding *n = NULL;
	for (size_t i = 0; i < out.n; i++)
		if (strcmp(out.v[i].code, "not-judged") == 0 && out.v[i].line == 7)
			n = &out.v[i];
	ck_assert_ptr_nonnull(n);
	ck_assert_int_eq(n->severity, AG_SEV_INFO);
	ck_assert_ptr_nonnull(strstr(n->message, "after it in the pending"));
	ck_assert_uint_eq(out.n, 3);
}
END_TEST

START_TEST(test_batch_and_conditions_taint_their_table)
{
	struct ag_catalog_table *t = table("public", "g", 0);
	ag_catalog_add_column(t, "x", "integer", false, false);
	struct ag_catalog_table *h = table("public", "h", 0);
	ag_catalog_add_column(h, "x", "integer", false, false);
	pending("    with op.batch_alter_table('g') as b:\n"
		"        b.drop_column('x')\n"
		"    op.add_column('g', sa.Column('x', sa.Integer()))\n"
		"    try:\n"
		"        op.drop_column('h', 'x')\n"
		"    except Exception:\n"
		"        pass\n"
		"    op.drop_column('h', 'x')\n"
		"    op.drop_table('nope')\n");
	run();
	ck_assert_uint_eq(count("not-judged"), 2);
	const struct ag_finding *m = only("object-missing");
	ck_assert_ptr_nonnull(m); /* the untouched table is still judged */
	ck_assert_int_eq(m->line, 13);
	ck_assert_uint_eq(out.n, 3);
}
END_TEST

START_TEST(test_python_values_stop_judging)
{
	table("public", "g", 0);
	pending("    op.add_column(name, sa.Column('x', sa.Integer()))\n"
		"    op.drop_table('nope')\n");
	run();
	const struct ag_finding *n = only("not-judged");
	ck_assert_ptr_nonnull(n);
	ck_assert_int_eq(n->line, 5);
	ck_assert_uint_eq(out.n, 1);
}
END_TEST

START_TEST(test_enum_created_by_hand_is_not_guessed)
{
	table("public", "g", 0);
	pending("    status = postgresql.ENUM('a', name='status')\n"
		"    status.create(op.get_bind(), checkfirst=True)\n"
		"    op.add_column('g', sa.Column('s', status))\n"
		"    op.drop_table('nope')\n");
	run();
	const struct ag_finding *n = only("not-judged");
	ck_assert_ptr_nonnull(n);
	ck_assert_int_eq(n->line, 6);
	ck_assert_uint_eq(out.n, 1);
}
END_TEST

START_TEST(test_column_key_reported_once)
{
	struct ag_catalog_table *u = table("public", "users", 0);
	ag_catalog_add_column(u, "id", "uuid", true, false);
	pending("    op.add_column('nope', sa.Column('u', sa.Integer, sa.ForeignKey('users.id')))\n"
		"    op.create_table('t', sa.Column('u', sa.Integer, sa.ForeignKey('missing.id')))\n");
	run();
	ck_assert_ptr_nonnull(only("object-missing"));
	const struct ag_finding *f = only("foreign-key-mismatch");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(f->line, 6);
	ck_assert_uint_eq(out.n, 2);
}
END_TEST

START_TEST(test_enum_once_per_run_and_if_exists)
{
	pending("    op.create_table('a', sa.Column('s', sa.Enum('x', name='st')))\n");
	pending("    op.create_table('b', sa.Column('s', sa.Enum('x', name='st')))\n"
		"    op.drop_table('nope', if_exists=True)\n"
		"    op.create_table('a', sa.Column('id', sa.Integer), if_not_exists=True)\n"
		"    op.drop_column('a', 'nope', if_exists=flag)\n");
	run();
	/* SQLAlchemy remembers the type for the whole run: no CREATE TYPE twice. */
	ck_assert_uint_eq(count("object-exists"), 0);
	ck_assert_uint_eq(count("object-missing"), 0);
	ck_assert_uint_eq(count("not-judged"), 1); /* if_exists=flag: only Python knows */
}
END_TEST

/* The parts of the catalog a run needs read: pg_constraint and pg_type cost
 * a cold backend milliseconds each, so they are read only when an
 * operation looks them up. */
static unsigned parts_of(const char *body)
{
	struct ag_schema_file f = {0};
	char src[2048];
	snprintf(src, sizeof src, "from alembic import op\nimport sqlalchemy as sa\ndef upgrade():\n%s",
		 body);
	ag_schema_read(&f, src, strlen(src), NULL);
	struct ag_preflight_file pf = {&f, "a.py", "a"};
	unsigned parts = ag_preflight_parts(&pf, 1);
	ag_schema_file_free(&f);
	return parts;
}

START_TEST(test_catalog_parts)
{
	const unsigned K = AG_CATALOG_CONSTRAINTS, T = AG_CATALOG_TYPES;
	ck_assert_uint_eq(parts_of("    op.add_column('t', sa.Column('x', sa.Integer()))\n"
				   "    op.create_index('ix', 't', ['x'])\n"
				   "    op.drop_column('t', 'y')\n"
				   "    op.create_foreign_key(None, 't', 'u', ['x'], ['id'])\n"),
			  0);
	ck_assert_uint_eq(parts_of("    op.create_foreign_key('fk', 't', 'u', ['x'], ['id'])\n"), K);
	ck_assert_uint_eq(parts_of("    op.create_unique_constraint('uq', 't', ['x'])\n"), K);
	ck_assert_uint_eq(parts_of("    op.drop_constraint('uq', 't')\n"), K);
	ck_assert_uint_eq(parts_of("    op.create_table('t', sa.Column('id', sa.Integer))\n"), T);
	ck_assert_uint_eq(parts_of("    op.rename_table('t', 'u')\n"), T);
	ck_assert_uint_eq(parts_of("    op.add_column('t', sa.Column('s', sa.Enum('a', name='st')))\n"), T);
	ck_assert_uint_eq(parts_of("    op.create_table('t', sa.Column('id', sa.Integer))\n"
				   "    op.drop_constraint('uq', 't')\n"),
			  K | T);
	ck_assert_uint_eq(ag_preflight_parts(NULL, 0), 0);
}
END_TEST

START_TEST(test_schemas_named)
{
	pending("    op.add_column('t', sa.Column('x', sa.Integer()), schema='b')\n"
		"    op.create_foreign_key('f', 't', 'u', ['x'], ['id'], referent_schema='a')\n"
		"    op.create_table('v', sa.Column('u', sa.Integer, sa.ForeignKey('c.u.id')))\n");
	struct ag_preflight_file pf = {&files[0], "a.py", "a"};
	struct ag_strv s = {0};
	ag_preflight_schemas(&pf, 1, &s);
	ck_assert_uint_eq(s.n, 3);
	ck_assert_str_eq(s.v[0], "a");
	ck_assert_str_eq(s.v[1], "b");
	ck_assert_str_eq(s.v[2], "c");
	ag_strv_free(&s);
	/* The names the catalog query reads: every lookup is by one of them. */
	ag_preflight_names(&pf, 1, &s);
	const char *want[] = {"f", "t", "u", "v"};
	ck_assert_uint_eq(s.n, AG_ARRAY_LEN(want));
	for (size_t i = 0; i < s.n; i++)
		ck_assert_str_eq(s.v[i], want[i]);
	ag_strv_free(&s);
}
END_TEST

Suite *preflight_suite(void)
{
	Suite *s = suite_create("preflight");
	TCase *tc = tcase_create("rules");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_column_exists);
	tcase_add_test(tc, test_table_exists_by_schema);
	tcase_add_test(tc, test_names_are_case_sensitive);
	tcase_add_test(tc, test_enum_types);
	tcase_add_test(tc, test_index_and_constraint_exist);
	tcase_add_test(tc, test_missing_objects);
	tcase_add_test(tc, test_replay_in_order);
	tcase_add_test(tc, test_not_null);
	tcase_add_test(tc, test_not_null_after_delete_not_judged);
	tcase_add_test(tc, test_foreign_keys);
	tcase_add_test(tc, test_lock_risk);
	tcase_add_test(tc, test_lock_risk_threshold);
	suite_add_tcase(s, tc);
	tc = tcase_create("not-judged");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_raw_sql_stops_judging);
	tcase_add_test(tc, test_batch_and_conditions_taint_their_table);
	tcase_add_test(tc, test_python_values_stop_judging);
	tcase_add_test(tc, test_enum_created_by_hand_is_not_guessed);
	tcase_add_test(tc, test_column_key_reported_once);
	tcase_add_test(tc, test_enum_once_per_run_and_if_exists);
	tcase_add_test(tc, test_schemas_named);
	tcase_add_test(tc, test_catalog_parts);
	tcase_add_test(tc, test_loose_table_columns_still_judged);
	suite_add_tcase(s, tc);
	return s;
}
