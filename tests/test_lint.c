#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/lint.h"
#include "lib/script.h"
#include "tests/suites.h"

/* ---- fixtures: tests/fixtures/uuid/<dir> as a version location -------- */

static struct ag_scripts ss;
static struct ag_graph *g;
static struct ag_findings fs;

/* tests/fixtures/uuid/name: next to this file as it was compiled (from
 * the top of the tree), else next to the runner (build/check-unit), so
 * the suite runs from any directory. New. */
static char *fixture(const char *name)
{
	const char *slash = strrchr(__FILE__, '/');
	int n = slash ? (int)(slash - __FILE__) : 0;
	char *p = ag_printf("%.*s%sfixtures/uuid/%s", n, __FILE__, n ? "/" : "", name);
	if (access(p, F_OK) == 0)
		return p;
	free(p);
	char exe[4096];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
	ck_assert_int_gt(len, 0);
	exe[len] = '\0';
	char *dir = strrchr(exe, '/');
	ck_assert_ptr_nonnull(dir);
	*dir = '\0';
	return ag_printf("%s/../tests/fixtures/uuid/%s", exe, name);
}

static void load(const char *name, const struct ag_lint_opts *o)
{
	char *dir = fixture(name);
	struct ag_strv locs = {0};
	ag_strv_push(&locs, dir);
	struct ag_err err = {0};
	struct ag_strv helpers = {0};
	if (o && o->uuid_helpers && o->uuid_helpers->n)
		ag_strv_copy(&helpers, o->uuid_helpers);
	else
		ag_strv_push(&helpers, "get_uuid_type");
	struct ag_scripts_opts so = {.schema_helpers = &helpers};
	ck_assert_msg(ag_scripts_read(&ss, &locs, &so, &err) == 0, "%s", err.msg);
	ag_strv_free(&helpers);
	struct ag_graph_opts go = {0};
	g = ag_graph_build(&ss, &go);
	ag_lint_run(g, o, &fs);
	ag_strv_free(&locs);
	free(dir);
}

static void unload(void)
{
	ag_findings_free(&fs);
	ag_graph_free(g);
	g = NULL;
	ag_scripts_free(&ss);
}

static size_t count(const char *code)
{
	size_t n = 0;
	for (size_t i = 0; i < fs.n; i++)
		n += strcmp(fs.v[i].code, code) == 0;
	return n;
}

/* The finding with code in the file whose name is base, at line. */
static const struct ag_finding *at(const char *code, const char *base, int line)
{
	for (size_t i = 0; i < fs.n; i++) {
		const struct ag_finding *f = &fs.v[i];
		const char *s = f->file ? strrchr(f->file, '/') : NULL;
		const char *b = s ? s + 1 : f->file;
		if (strcmp(f->code, code) == 0 && b && strcmp(b, base) == 0 && f->line == line)
			return f;
	}
	return NULL;
}

#define ck_finding(code, base, line, sev)                                                       \
	do {                                                                                     \
		const struct ag_finding *f_ = at(code, base, line);                              \
		ck_assert_msg(f_ != NULL, "no %s at %s:%d", code, base, line);                   \
		ck_assert_int_eq(f_->severity, sev);                                             \
	} while (0)

/* ---- uuid-type-mismatch ----------------------------------------------- */

START_TEST(test_uuid_every_form)
{
	load("forms", NULL);
	/* One per op form; every one of them is refused by PostgreSQL. */
	ck_assert_uint_eq(count("uuid-type-mismatch"), 6);
	ck_finding("uuid-type-mismatch", "b2_constraint.py", 23, AG_SEV_ERROR); /* ForeignKeyConstraint */
	ck_finding("uuid-type-mismatch", "c3_create_fk.py", 20, AG_SEV_ERROR);  /* create_foreign_key */
	ck_finding("uuid-type-mismatch", "c3_create_fk.py", 22, AG_SEV_ERROR);  /* ... by keyword */
	ck_finding("uuid-type-mismatch", "d4_add_column.py", 24, AG_SEV_ERROR); /* add_column + ForeignKey */
	ck_finding("uuid-type-mismatch", "e5_alter.py", 19, AG_SEV_ERROR);      /* alter_column type_ */
	ck_finding("uuid-type-mismatch", "f6_batch.py", 20, AG_SEV_ERROR);      /* batch_op */
	/* The message names both sides with file and line. */
	const struct ag_finding *f = at("uuid-type-mismatch", "b2_constraint.py", 23);
	ck_assert_str_eq(f->revision, "b2");
	ck_assert_msg(strstr(f->message, "memberships.user_id is sa.String(length=36)") &&
			      strstr(f->message, "b2_constraint.py:21") &&
			      strstr(f->message, "users.id is UUID(as_uuid=True)") &&
			      strstr(f->message, "a1_base.py:20"),
		      "%s", f->message);
	ck_assert(strstr(f->message, "incompatible types: character varying and uuid") != NULL);
	ck_assert_str_eq(f->fix, "declare memberships.user_id (b2_constraint.py:21) as "
				 "UUID(as_uuid=True), the type of users.id");
	f = at("uuid-type-mismatch", "c3_create_fk.py", 20);
	ck_assert(strstr(f->message, "character and uuid") != NULL); /* CHAR(36) */
	f = at("uuid-type-mismatch", "c3_create_fk.py", 22);
	ck_assert(strstr(f->message, "uuid and integer") != NULL);
	f = at("uuid-type-mismatch", "d4_add_column.py", 24);
	ck_assert_msg(strstr(f->message, "orgs.creator_id is pg.UUID(as_uuid=True) "
					 "(") && strstr(f->message, "d4_add_column.py:23"),
		      "%s", f->message);
	f = at("uuid-type-mismatch", "e5_alter.py", 19);
	ck_assert_str_eq(f->revision, "e5");
	ck_assert(strncmp(f->message, "alter_column changes a column of the foreign key "
				      "memberships.org_id -> orgs.id",
			  60) == 0);
	ck_assert(strstr(f->fix, "keep memberships.org_id as String(36)") != NULL);
	f = at("uuid-type-mismatch", "f6_batch.py", 20);
	ck_assert(strstr(f->message, "text and uuid") != NULL);
	ck_assert(strstr(f->detail, "teams.lead_id: sa.Text() (string)") != NULL);
	/* No helper in this project: no uuid-dialect-type. */
	ck_assert_uint_eq(count("uuid-dialect-type"), 0);
	unload();
}
END_TEST

START_TEST(test_uuid_clean_forms)
{
	/* Matching types through rename, drop, re-create, alter and batch;
	 * downgrade() is not replayed. Checked against PostgreSQL too
	 * (tests/integration/test_uuid_pg.py). */
	load("clean", NULL);
	for (size_t i = 0; i < fs.n; i++)
		ck_abort_msg("unexpected %s at %s:%d: %s", fs.v[i].code, fs.v[i].file, fs.v[i].line,
			     fs.v[i].message);
	ck_assert_uint_eq(g->findings.n, 0);
	unload();
}
END_TEST

START_TEST(test_uuid_helper)
{
	load("helper", NULL);
	/* helper vs native UUID: fine; vs a string: a warning; vs an integer:
	 * an error (the helper is a UUID or a string, never an integer). */
	ck_assert_uint_eq(count("uuid-type-mismatch"), 2);
	ck_finding("uuid-type-mismatch", "c3_comments.py", 21, AG_SEV_WARNING);
	ck_finding("uuid-type-mismatch", "d4_tags.py", 22, AG_SEV_ERROR);
	const struct ag_finding *f = at("uuid-type-mismatch", "d4_tags.py", 22);
	ck_assert_str_eq(f->fix, "declare both tags.owner_id (d4_tags.py:22) and users.id "
				 "(a1_users.py:20) with get_uuid_type()");
	/* The helper is used, so dialect types written directly are flagged;
	 * with_variant (line 24) is the portable spelling and is not. */
	ck_assert_uint_eq(count("uuid-dialect-type"), 2);
	ck_finding("uuid-dialect-type", "b2_posts.py", 22, AG_SEV_WARNING);
	ck_finding("uuid-dialect-type", "d4_tags.py", 25, AG_SEV_WARNING);
	f = at("uuid-dialect-type", "b2_posts.py", 22);
	ck_assert_str_eq(f->fix, "write get_uuid_type() instead of postgresql.UUID(as_uuid=True)");
	ck_assert_str_eq(at("uuid-dialect-type", "d4_tags.py", 25)->fix,
			 "write get_uuid_type() instead of PGUUID(as_uuid=True)");
	unload();
}
END_TEST

START_TEST(test_uuid_helper_configured)
{
	/* A helper named in the settings exists even where no migration calls
	 * it yet: every dialect UUID in forms/ is flagged, fixes name it. */
	struct ag_strv h = {0};
	ag_strv_push(&h, "app.db.new_uuid_column");
	struct ag_lint_opts o = {.uuid_helpers = &h, .helper_configured = true};
	load("forms", &o);
	ck_assert_uint_eq(count("uuid-dialect-type"), 4);
	ck_finding("uuid-dialect-type", "a1_base.py", 20, AG_SEV_WARNING);
	ck_finding("uuid-dialect-type", "c3_create_fk.py", 21, AG_SEV_WARNING);
	ck_finding("uuid-dialect-type", "d4_add_column.py", 23, AG_SEV_WARNING);
	ck_finding("uuid-dialect-type", "e5_alter.py", 21, AG_SEV_WARNING);
	ck_assert_str_eq(at("uuid-dialect-type", "a1_base.py", 20)->fix,
			 "write new_uuid_column() instead of UUID(as_uuid=True)");
	ck_assert(strstr(at("uuid-type-mismatch", "b2_constraint.py", 23)->fix, "new_uuid_column()"));
	unload();
	/* Under another name, get_uuid_type() is just an unknown type: its
	 * keys are not judged. */
	load("helper", &o);
	ck_assert_uint_eq(count("uuid-type-mismatch"), 0);
	ck_assert_uint_eq(count("uuid-dialect-type"), 2);
	unload();
	ag_strv_free(&h);
}
END_TEST

START_TEST(test_uuid_project_types)
{
	/* tests/fixtures/uuid/project: the project's own types, read from
	 * myapp/db/types.py (found from the migrations' directory up). */
	load("project/myapp/migrations/versions", NULL);
	ck_assert_uint_eq(count("uuid-type-mismatch"), 4);
	/* Uuid with impl = String(36) against String(36): nothing (a1, b2);
	 * the same through a re-exporting package (f6, line 21): nothing. */
	ck_assert_ptr_null(at("uuid-type-mismatch", "b2_posts.py", 20));
	ck_assert_ptr_null(at("uuid-type-mismatch", "f6_reexport.py", 21));
	/* impl = postgresql.UUID, and a package re-exporting PostgreSQL's
	 * UUID: native UUIDs, errors as before. */
	ck_finding("uuid-type-mismatch", "c3_native.py", 20, AG_SEV_ERROR);
	ck_finding("uuid-type-mismatch", "f6_reexport.py", 23, AG_SEV_ERROR);
	/* load_dialect_impl: a UUID or a string by dialect, as a helper. */
	ck_finding("uuid-type-mismatch", "d4_guid.py", 20, AG_SEV_WARNING);
	ck_assert(strstr(at("uuid-type-mismatch", "d4_guid.py", 20)->message,
			 "wherever myapp.db.types.UUIDType gives a native UUID"));
	/* A module that is nowhere: a warning that says so, never an error. */
	ck_finding("uuid-type-mismatch", "e5_unknown.py", 20, AG_SEV_WARNING);
	const struct ag_finding *f = at("uuid-type-mismatch", "e5_unknown.py", 20);
	ck_assert_msg(strstr(f->message, "otherapp.types.Uuid is the project's own type, and "
					 "alembic-guard could not read the module that defines it"),
		      "%s", f->message);
	ck_assert(strstr(f->fix, "if otherapp.types.Uuid is a string type (its impl), nothing to do"));
	/* The project's types are no dialect types written directly. */
	ck_assert_uint_eq(count("uuid-dialect-type"), 0);
	unload();
}
END_TEST

/* ---- conventions ------------------------------------------------------ */

START_TEST(test_file_names)
{
	load("conventions", NULL);
	/* The one name without its id (the seed incident); f6a1b2c3d4e5.py
	 * (no slug) is as findable as the others. */
	ck_assert_uint_eq(count("file-name-convention"), 1);
	ck_finding("file-name-convention", "001_add_email.py", 8, AG_SEV_WARNING);
	const struct ag_finding *f = at("file-name-convention", "001_add_email.py", 8);
	ck_assert_str_eq(f->revision, "b2c3d4e5f6a1");
	ck_assert_msg(strstr(f->message, "001_add_email.py does not contain its revision id "
					 "b2c3d4e5f6a1"),
		      "%s", f->message);
	/* The slug from the message, as Alembic makes it. */
	ck_assert(strstr(f->fix, "alembic-guard rename --only "));
	ck_assert_msg(strstr(f->fix, "001_add_email.py --write   (renames it to "
				     "b2c3d4e5f6a1_add_e_mail_to_users.py)"),
		      "%s", f->fix);
	unload();
}
END_TEST

START_TEST(test_file_names_dated)
{
	/* The template as Alembic formats it (lib/config removed the ini's or
	 * the TOML's %% escapes). The second file's date prefix is a month off
	 * its Create Date (a rebase): still the habit. The newest file breaks
	 * it. */
	struct ag_lint_opts o = {.file_template = "%(year)d_%(month).2d_%(day).2d_%(rev)s_%(slug)s"};
	load("dated", &o);
	ck_assert_uint_eq(count("file-name-convention"), 1);
	ck_finding("file-name-convention", "cc33_third.py", 6, AG_SEV_WARNING);
	const struct ag_finding *f = at("file-name-convention", "cc33_third.py", 6);
	ck_assert_msg(strstr(f->message, "cc33_third.py is not named like the project's other "
					 "migrations (2 of 3 are named like 2024_02_02_bb22_second.py, "
					 "as file_template %(year)d_%(month).2d_%(day).2d_%(rev)s_%(slug)s)"),
		      "%s", f->message);
	ck_assert_str_eq(f->fix, "rename it the way the others are named, e.g. like "
				 "2024_02_02_bb22_second.py");
	unload();
	/* Without a file_template the dominant shape is the habit: the same. */
	load("dated", NULL);
	ck_assert_uint_eq(count("file-name-convention"), 1);
	ck_finding("file-name-convention", "cc33_third.py", 6, AG_SEV_WARNING);
	unload();
}
END_TEST

START_TEST(test_file_names_bad_template)
{
	struct ag_lint_opts o = {.file_template = "%(rev)s_%(nope)s"};
	load("dated", &o);
	ck_assert_uint_eq(count("file-name-convention"), 2);
	const struct ag_finding *f = &fs.v[0];
	ck_assert_str_eq(f->code, "file-name-convention");
	ck_assert_ptr_null(f->file);
	ck_assert(strstr(f->message, "judged by the project's habit only") != NULL);
	ck_finding("file-name-convention", "cc33_third.py", 6, AG_SEV_WARNING);
	unload();
	/* A template with a directory: its last component is the name. */
	struct ag_lint_opts o2 = {.file_template = "%(year)d/%(month).2d_%(rev)s_%(slug)s"};
	load("dated", &o2);
	ck_assert_uint_eq(count("file-name-convention"), 1);
	ck_finding("file-name-convention", "cc33_third.py", 6, AG_SEV_WARNING);
	unload();
}
END_TEST

/* ---- the project's habit, with the shapes of real projects ------------- */

static void parse_into(struct ag_scripts *s, const char *path, const char *src)
{
	ag_grow((void **)&s->v, &s->cap, s->n + 1, sizeof *s->v);
	struct ag_script *sc = &s->v[s->n++];
	memset(sc, 0, sizeof *sc);
	ag_script_parse(sc, path, src, strlen(src), NULL);
}

/* A linear history: names[i] is the file of revision ids[i], which
 * revises ids[i - 1]. */
static void history(const char *const *names, const char *const *ids, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char *path = ag_printf("v/%s", names[i]);
		char *src = ag_printf("revision = '%s'\ndown_revision = %s%s%s\n", ids[i],
				      i ? "'" : "None", i ? ids[i - 1] : "", i ? "'" : "");
		parse_into(&ss, path, src);
		free(src);
		free(path);
	}
	struct ag_graph_opts go = {0};
	g = ag_graph_build(&ss, &go);
}

static void names_with(const char *tmpl)
{
	struct ag_lint_opts o = {.file_template = tmpl};
	ag_lint_file_names(g, tmpl ? &o : NULL, &fs);
}

START_TEST(test_names_numbered)
{
	/* A project that numbers its files (default template): its habit. */
	static const char *const names[] = {
		"001_103676e0a497_create_existing_tables.py", "002_5ab1c2d3e4f5_add_users.py",
		"003_9f8e7d6c5b4a_add_posts.py", "004_0a1b2c3d4e5f_add_tags.py"};
	static const char *const ids[] = {"103676e0a497", "5ab1c2d3e4f5", "9f8e7d6c5b4a",
					  "0a1b2c3d4e5f"};
	history(names, ids, 4);
	names_with(NULL);
	ck_assert_uint_eq(fs.n, 0);
	unload();
	/* One file in the middle named otherwise breaks the habit. */
	static const char *const odd[] = {
		"001_103676e0a497_create_existing_tables.py", "5ab1c2d3e4f5_add_users.py",
		"003_9f8e7d6c5b4a_add_posts.py", "004_0a1b2c3d4e5f_add_tags.py"};
	history(odd, ids, 4);
	names_with(NULL);
	ck_assert_uint_eq(fs.n, 1);
	ck_finding("file-name-convention", "5ab1c2d3e4f5_add_users.py", 1, AG_SEV_WARNING);
	ck_assert(strstr(fs.v[0].message, "3 of 4 are named like "
					  "004_0a1b2c3d4e5f_add_tags.py)"));
	unload();
	/* Numbered ids (mistral: 001_kilo.py is revision '001'). */
	static const char *const mn[] = {"001_kilo.py", "002_kilo.py", "003_liberty.py"};
	static const char *const mi[] = {"001", "002", "003"};
	history(mn, mi, 3);
	names_with(NULL);
	ck_assert_uint_eq(fs.n, 0);
	unload();
}
END_TEST

START_TEST(test_names_dated)
{
	/* flaskbb: YYYYMMDDHHMM_rev_slug, no file_template in sight. */
	static const char *const fb[] = {"201501082314_8ad96e49dc6_init.py",
					 "201503222157_514ca0a3282c_private_messages.py",
					 "201504082225_127be3fb000_added_m2m_forumgroups_table.py"};
	static const char *const fi[] = {"8ad96e49dc6", "514ca0a3282c", "127be3fb000"};
	history(fb, fi, 3);
	names_with(NULL);
	ck_assert_uint_eq(fs.n, 0);
	unload();
	/* Alembic's dated template; a rebase left one date older than its
	 * neighbours: same shape, no finding. */
	static const char *const dn[] = {"2023_01_05_1204-abc123_x.py", "2023_03_01_0900-bcd234_y.py",
					 "2022_12_31_2359-cde345_z.py"};
	static const char *const di[] = {"abc123", "bcd234", "cde345"};
	history(dn, di, 3);
	names_with("%(year)d_%(month).2d_%(day).2d_%(hour).2d%(minute).2d-%(rev)s_%(slug)s");
	ck_assert_uint_eq(fs.n, 0);
	unload();
	/* buildbot: revision first, then a version, where the template has a
	 * date: the id leads the name as the template has it. */
	static const char *const bb[] = {"059_v3.4_alembic_initial.py", "060_v3.9_add_builder_projects.py"};
	static const char *const bi[] = {"059", "060"};
	history(bb, bi, 2);
	names_with("%(rev)s_%(year)d-%(month).2d-%(day).2d_%(slug)s");
	ck_assert_uint_eq(fs.n, 0);
	unload();
}
END_TEST

START_TEST(test_names_changed_template)
{
	/* Plain names until the project set a dated file_template: the older
	 * files follow the habit of their time, whichever is the majority. */
	static const char *const tmpl =
		"%(year)d_%(month).2d_%(day).2d_%(hour).2d%(minute).2d-%(rev)s_%(slug)s";
	static const char *const a[] = {"aa01_one.py", "aa02_two.py", "aa03_three.py",
					"aa04_four.py", "2024_05_01_1000-aa05_five.py",
					"2024_06_01_1000-aa06_six.py"};
	static const char *const ids[] = {"aa01", "aa02", "aa03", "aa04", "aa05", "aa06"};
	history(a, ids, 6);
	names_with(tmpl);
	ck_assert_uint_eq(fs.n, 0);
	unload();
	static const char *const b[] = {"aa01_one.py", "aa02_two.py",
					"2024_04_01_1000-aa03_three.py", "2024_04_02_1000-aa04_four.py",
					"2024_05_01_1000-aa05_five.py", "2024_06_01_1000-aa06_six.py"};
	history(b, ids, 6);
	names_with(tmpl);
	ck_assert_uint_eq(fs.n, 0);
	unload();
	/* A plain name after the change is no older habit: flagged, with the
	 * rename to the template (no Create Date here: no name to give). */
	static const char *const c[] = {"aa01_one.py", "2024_04_01_1000-aa02_two.py",
					"2024_04_02_1000-aa03_three.py", "aa04_four.py",
					"2024_05_01_1000-aa05_five.py", "2024_06_01_1000-aa06_six.py"};
	history(c, ids, 6);
	names_with(tmpl);
	ck_assert_uint_eq(fs.n, 1);
	ck_finding("file-name-convention", "aa04_four.py", 1, AG_SEV_WARNING);
	unload();
}
END_TEST

START_TEST(test_names_without_id)
{
	/* tracim: two files whose ids were swapped; each name carries the
	 * other's id, so each is the wrong file to look in. */
	parse_into(&ss, "v/1af756c610d8_remove.py",
		   "revision = '622464216ab7'\ndown_revision = None\n");
	parse_into(&ss, "v/622464216ab7_convert.py",
		   "revision = '1af756c610d8'\ndown_revision = '622464216ab7'\n");
	parse_into(&ss, "v/initial.py", "revision = 'c0ffee'\ndown_revision = '1af756c610d8'\n");
	struct ag_graph_opts go = {0};
	g = ag_graph_build(&ss, &go);
	names_with(NULL);
	ck_assert_uint_eq(fs.n, 3);
	ck_finding("file-name-convention", "1af756c610d8_remove.py", 1, AG_SEV_WARNING);
	ck_finding("file-name-convention", "622464216ab7_convert.py", 1, AG_SEV_WARNING);
	ck_finding("file-name-convention", "initial.py", 1, AG_SEV_WARNING);
	const struct ag_finding *f = at("file-name-convention", "initial.py", 1);
	ck_assert(strstr(f->message, "initial.py does not contain its revision id c0ffee"));
	ck_assert_str_eq(f->fix, "alembic-guard rename --only v/initial.py --write   (renames it "
				 "to c0ffee_initial.py)");
	unload();
}
END_TEST

START_TEST(test_docstrings)
{
	load("conventions", NULL);
	ck_assert_uint_eq(count("docstring-mismatch"), 2);
	/* c3d4e5f6a1b0 is no file's id: worth a look. */
	ck_finding("docstring-mismatch", "c3d4e5f6a1b2_rename_thing.py", 3, AG_SEV_WARNING);
	/* c3d4e5f6a1b2 is another file's: a stale header, info. */
	ck_finding("docstring-mismatch", "e5f6a1b2c3d4_revises_wrong.py", 4, AG_SEV_INFO);
	const struct ag_finding *f = at("docstring-mismatch", "c3d4e5f6a1b2_rename_thing.py", 3);
	ck_assert(strstr(f->message, "says Revision ID: c3d4e5f6a1b0, but the code says revision = "
				     "'c3d4e5f6a1b2' (line 8); no file defines that id"));
	ck_assert(strncmp(f->fix, "write `Revision ID: c3d4e5f6a1b2`", 33) == 0);
	f = at("docstring-mismatch", "e5f6a1b2c3d4_revises_wrong.py", 4);
	ck_assert(strstr(f->message, "says Revises: c3d4e5f6a1b2, but the code says down_revision = "
				     "d4e5f6a1b2c3 (line 9); a stale header (Alembic never reads it)"));
	ck_assert_str_eq(f->fix, "write `Revises: d4e5f6a1b2c3` in the docstring");
	/* The merge lists its parents in another order: the same set. An
	 * empty Revises: is down_revision = None. */
	ck_assert_ptr_null(at("docstring-mismatch", "d4e5f6a1b2c3_merge.py", 4));
	ck_assert_ptr_null(at("docstring-mismatch", "a1b2c3d4e5f6_create_users.py", 4));
	unload();
}
END_TEST

/* The spellings real projects' docstrings use for the same thing. */
START_TEST(test_docstring_spellings)
{
	parse_into(&ss, "v/a1_init.py",
		   "\"\"\"init\n\nRevision ID: a1\nRevises: None\n\"\"\"\nrevision = 'a1'\n"
		   "down_revision = None\n");
	parse_into(&ss, "v/b2_x.py",
		   "\"\"\"x\n\nRevision ID: b2\nRevises: (none)\n\"\"\"\nrevision = 'b2'\n"
		   "down_revision = None\nbranch_labels = ('other',)\n");
	parse_into(&ss, "v/c3_x.py",
		   "\"\"\"x\n\nRevision ID: c3\nRevises: a1\n\"\"\"\nrevision = 'c3'\n"
		   "down_revision = 'a1'\n");
	parse_into(&ss, "v/d4_merge.py",
		   "\"\"\"merge\n\nRevision ID: d4\nRevises: ('c3', 'b2')\n\"\"\"\nrevision = 'd4'\n"
		   "down_revision = ('b2', 'c3')\n");
	parse_into(&ss, "v/e5_x.py",
		   "\"\"\"x\n\nRevision ID: e5\nRevises: ['d4']\n\"\"\"\nrevision = 'e5'\n"
		   "down_revision = 'd4'\n");
	/* Copied from a neighbour: names ids that exist. */
	parse_into(&ss, "v/f6_x.py",
		   "\"\"\"x\n\nRevision ID: c3\nRevises: a1\n\"\"\"\nrevision = 'f6'\n"
		   "down_revision = 'e5'\n");
	/* A squashed history: the docstring names the id before the squash. */
	parse_into(&ss, "v/g7_x.py",
		   "\"\"\"x\n\nRevision ID: g7\nRevises: 0ld1d\n\"\"\"\nrevision = 'g7'\n"
		   "down_revision = 'f6'\n");
	struct ag_graph_opts go = {0};
	g = ag_graph_build(&ss, &go);
	ag_lint_docstrings(g, &fs);
	ck_assert_uint_eq(fs.n, 3);
	ck_finding("docstring-mismatch", "f6_x.py", 3, AG_SEV_INFO);
	ck_finding("docstring-mismatch", "f6_x.py", 4, AG_SEV_INFO);
	ck_finding("docstring-mismatch", "g7_x.py", 4, AG_SEV_WARNING);
	ck_assert(strstr(at("docstring-mismatch", "g7_x.py", 4)->message, "no file defines 0ld1d"));
	/* Labelled bases are independent branches on purpose: info. */
	bool seen = false;
	for (size_t i = 0; i < g->findings.n; i++)
		if (strcmp(g->findings.v[i].code, "multiple-bases") == 0) {
			ck_assert_int_eq(g->findings.v[i].severity, AG_SEV_INFO);
			seen = true;
		}
	ck_assert(seen);
	unload();
}
END_TEST

START_TEST(test_bases_unlabelled)
{
	/* Two bases without a label (beside a labelled one): a second
	 * history by accident. */
	parse_into(&ss, "v/a1_x.py", "revision = 'a1'\ndown_revision = None\n");
	parse_into(&ss, "v/c3_x.py", "revision = 'c3'\ndown_revision = None\n");
	parse_into(&ss, "v/b2_x.py",
		   "revision = 'b2'\ndown_revision = None\nbranch_labels = ('b',)\n");
	struct ag_graph_opts go = {.heads_ok = true};
	g = ag_graph_build(&ss, &go);
	size_t n = 0;
	for (size_t i = 0; i < g->findings.n; i++)
		if (strcmp(g->findings.v[i].code, "multiple-bases") == 0) {
			ck_assert_int_eq(g->findings.v[i].severity, AG_SEV_WARNING);
			n++;
		}
	ck_assert_uint_eq(n, 1);
	unload();
}
END_TEST

/* ---- expected heads ---------------------------------------------------- */


/* base -> expand1 (label expand), base -> contract1 (label contract). */
static void branches(void)
{
	parse_into(&ss, "v/base_x.py", "revision = 'base'\ndown_revision = None\n");
	parse_into(&ss, "v/e1_x.py",
		   "revision = 'e1'\ndown_revision = 'base'\nbranch_labels = ('expand',)\n");
	parse_into(&ss, "v/c1_x.py",
		   "revision = 'c1'\ndown_revision = 'base'\nbranch_labels = ('contract',)\n");
	struct ag_graph_opts go = {.heads_ok = true};
	g = ag_graph_build(&ss, &go);
}

START_TEST(test_expected_heads)
{
	branches();
	struct ag_strv want = {0};
	ag_strv_push(&want, "expand");
	ag_strv_push(&want, "c1");
	struct ag_lint_opts o = {.expected_heads = &want};
	ag_lint_heads(g, &o, &fs);
	ck_assert_uint_eq(fs.n, 0); /* a label and an id, both heads */
	ag_strv_free(&want);
	/* A third, accidental head is named with its file and line. */
	parse_into(&ss, "v/x9_x.py", "revision = 'x9'\ndown_revision = 'base'\n");
	ag_graph_free(g);
	struct ag_graph_opts go = {.heads_ok = true};
	g = ag_graph_build(&ss, &go);
	ag_strv_push(&want, "expand");
	ag_strv_push(&want, "contract");
	ag_lint_heads(g, &o, &fs);
	ck_assert_uint_eq(fs.n, 1);
	ck_finding("unexpected-heads", "x9_x.py", 1, AG_SEV_ERROR);
	ck_assert(strstr(fs.v[0].message, "x9 is a head, but expected_heads names only expand, contract"));
	ck_assert(strstr(fs.v[0].fix, "alembic merge -m \"merge heads\" c1 e1 x9") != NULL);
	ag_findings_free(&fs);
	/* A name that is no head. */
	ag_strv_push(&want, "gone");
	ag_lint_heads(g, &o, &fs);
	ck_assert_uint_eq(count("unexpected-heads"), 2);
	ck_assert_ptr_null(fs.v[1].file);
	ck_assert(strstr(fs.v[1].message, "expected_heads names gone, which is no revision or branch label"));
	ag_findings_free(&fs);
	ag_strv_free(&want);
	ag_strv_push(&want, "base");
	ag_lint_heads(g, &o, &fs);
	ck_assert(strstr(fs.v[fs.n - 1].message, "base, which is not a head any more"));
	ag_findings_free(&fs);
	ag_strv_free(&want);
	/* By number. */
	struct ag_lint_opts n3 = {.expected_head_count = 3};
	ag_lint_heads(g, &n3, &fs);
	ck_assert_uint_eq(fs.n, 0);
	struct ag_lint_opts n2 = {.expected_head_count = 2};
	ag_lint_heads(g, &n2, &fs);
	ck_assert_uint_eq(fs.n, 1);
	ck_assert(strstr(fs.v[0].message, "has 3 heads (c1, e1, x9) but expected_heads says 2"));
	ag_findings_free(&fs);
	struct ag_lint_opts n5 = {.expected_head_count = 5};
	ag_lint_heads(g, &n5, &fs);
	ck_assert_str_eq(fs.v[0].fix, "lower expected_heads to 3");
	/* Not set: nothing to check. */
	ag_findings_free(&fs);
	ag_lint_heads(g, NULL, &fs);
	struct ag_lint_opts none = {0};
	ag_lint_heads(g, &none, &fs);
	ck_assert_uint_eq(fs.n, 0);
	unload();
}
END_TEST

/* ---- pieces ------------------------------------------------------------ */

static void put(const char *dir, const char *name, const char *text)
{
	char *path = ag_printf("%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	free(path);
}

static const char *const uuid_a1 =
	"revision = 'a1'\ndown_revision = None\n"
	"import sqlalchemy as sa\nfrom sqlalchemy.dialects import postgresql\n"
	"def upgrade():\n"
	"    op.create_table('users', sa.Column('id', postgresql.UUID(), primary_key=True))\n";
static const char *const uuid_b2 =
	"revision = 'b2'\ndown_revision = 'a1'\nimport sqlalchemy as sa\n"
	"def upgrade():\n"
	"    op.create_table('posts', sa.Column('user_id', sa.String(36),\n"
	"                    sa.ForeignKey('users.id')))\n";

/* The schema comes from the buffer the ids came from: lint reads no file
 * (here they are gone by the time it runs), and without schema_helpers the
 * UUID rules have nothing to judge. */
START_TEST(test_run_reads_nothing)
{
	char dir[] = "/tmp/ag-lint.XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	put(dir, "a1_users.py", uuid_a1);
	put(dir, "b2_posts.py", uuid_b2);
	struct ag_strv locs = {0}, helpers = {0};
	ag_strv_push(&locs, dir);
	ag_strv_push(&helpers, "get_uuid_type");
	struct ag_err err = {0};
	struct ag_scripts_opts so = {.schema_helpers = &helpers};
	ck_assert_int_eq(ag_scripts_read(&ss, &locs, &so, &err), 0);
	for (size_t i = 0; i < ss.n; i++) {
		ck_assert_ptr_nonnull(ss.v[i].schema);
		unlink(ss.v[i].path);
	}
	rmdir(dir);
	struct ag_graph_opts go = {0};
	g = ag_graph_build(&ss, &go);
	ag_lint_run(g, NULL, &fs);
	ck_assert_uint_eq(count("uuid-type-mismatch"), 1);
	ck_assert_ptr_nonnull(at("uuid-type-mismatch", "b2_posts.py", 6));
	unload();

	/* Loaded without schema_helpers: no schema, so no UUID finding. */
	ck_assert_ptr_nonnull(mkdtemp(strcpy(dir, "/tmp/ag-lint.XXXXXX")));
	put(dir, "a1_users.py", uuid_a1);
	put(dir, "b2_posts.py", uuid_b2);
	ag_strv_free(&locs);
	ag_strv_push(&locs, dir);
	ck_assert_int_eq(ag_scripts_load(&ss, &locs, false, NULL, &err), 0);
	ck_assert_ptr_null(ss.v[0].schema);
	g = ag_graph_build(&ss, &go);
	ag_lint_run(g, NULL, &fs);
	ck_assert_uint_eq(count("uuid-type-mismatch"), 0);
	for (size_t i = 0; i < ss.n; i++)
		unlink(ss.v[i].path);
	rmdir(dir);
	unload();
	ag_strv_free(&locs);
	ag_strv_free(&helpers);
}
END_TEST

START_TEST(test_no_migrations)
{
	struct ag_strv locs = {0};
	ag_strv_push(&locs, "alembic");
	ag_strv_push(&locs, "other/versions");
	ag_lint_no_migrations(&locs, false, true, NULL, &fs);
	ck_assert_uint_eq(fs.n, 1);
	ck_assert_str_eq(fs.v[0].code, "no-migrations");
	ck_assert_int_eq(fs.v[0].severity, AG_SEV_ERROR);
	ck_assert(strstr(fs.v[0].message, "no migration file found in alembic, other/versions "
					  "(from --versions)"));
	ck_assert(strstr(fs.v[0].fix, "or add --recursive"));
	ag_findings_free(&fs);
	ag_lint_no_migrations(&locs, true, false, "deploy/alembic.ini", &fs);
	ck_assert(strstr(fs.v[0].message, "other/versions or its subdirectories (the version "
					  "locations of the config)"));
	ck_assert(strstr(fs.v[0].fix, "in deploy/alembic.ini"));
	ck_assert(!strstr(fs.v[0].fix, "--recursive"));
	ag_findings_free(&fs);
	ag_strv_free(&locs);
}
END_TEST

Suite *lint_suite(void)
{
	Suite *s = suite_create("lint");
	TCase *tc = tcase_create("uuid");
	tcase_add_test(tc, test_uuid_every_form);
	tcase_add_test(tc, test_uuid_clean_forms);
	tcase_add_test(tc, test_uuid_helper);
	tcase_add_test(tc, test_uuid_helper_configured);
	tcase_add_test(tc, test_uuid_project_types);
	suite_add_tcase(s, tc);
	tc = tcase_create("conventions");
	tcase_add_test(tc, test_file_names);
	tcase_add_test(tc, test_file_names_dated);
	tcase_add_test(tc, test_file_names_bad_template);
	tcase_add_test(tc, test_names_numbered);
	tcase_add_test(tc, test_names_dated);
	tcase_add_test(tc, test_names_changed_template);
	tcase_add_test(tc, test_names_without_id);
	tcase_add_test(tc, test_docstrings);
	tcase_add_test(tc, test_docstring_spellings);
	tcase_add_test(tc, test_bases_unlabelled);
	tcase_add_test(tc, test_expected_heads);
	suite_add_tcase(s, tc);
	tc = tcase_create("errors");
	tcase_add_test(tc, test_run_reads_nothing);
	tcase_add_test(tc, test_no_migrations);
	suite_add_tcase(s, tc);
	return s;
}
