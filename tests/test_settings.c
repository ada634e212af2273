#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "lib/config.h"
#include "lib/settings.h"
#include "tests/suites.h"

static struct ag_config cfg;
static struct ag_settings st;
static struct ag_err err;

static int from_ini(const char *guard)
{
	ag_config_free(&cfg);
	ag_settings_free(&st);
	memset(&err, 0, sizeof err);
	char *text = ag_printf("[alembic]\nscript_location = m\n\n[alembic-guard]\n%s", guard);
	int rc = ag_config_parse_ini(&cfg, text, strlen(text), "/p/alembic.ini", NULL, &err);
	free(text);
	ck_assert_msg(rc == 0, "%s", err.msg);
	return ag_settings_parse(&st, &cfg, &err);
}

static int from_toml(const char *guard)
{
	ag_config_free(&cfg);
	ag_settings_free(&st);
	memset(&err, 0, sizeof err);
	char *text = ag_printf("[tool.alembic]\nscript_location = \"m\"\n\n%s", guard);
	int rc = ag_config_parse_toml(&cfg, text, strlen(text), "/p/pyproject.toml", &err);
	free(text);
	ck_assert_msg(rc == 0, "%s", err.msg);
	return ag_settings_parse(&st, &cfg, &err);
}

static void teardown(void)
{
	ag_config_free(&cfg);
	ag_settings_free(&st);
}

/* ---- parsing ----------------------------------------------------------- */

START_TEST(test_defaults)
{
	ck_assert_int_eq(from_ini(""), 0);
	ck_assert_int_eq(st.target, AG_TARGET_UNSET);
	ck_assert_uint_eq(st.uuid_helpers.n, 1);
	ck_assert_str_eq(st.uuid_helpers.v[0], "get_uuid_type");
	ck_assert(!st.uuid_helper_set);
	ck_assert_uint_eq(st.expected_heads.n, 0);
	ck_assert_int_eq(st.expected_head_count, 0);
	ck_assert_uint_eq(st.replaces_old.n, 0);
	ck_assert_str_eq(st.source, "/p/alembic.ini");
	/* No config file at all: the defaults too. */
	struct ag_config none = {0};
	ag_settings_free(&st);
	ck_assert_int_eq(ag_settings_parse(&st, &none, &err), 0);
	ck_assert_str_eq(st.uuid_helpers.v[0], "get_uuid_type");
	ck_assert_ptr_null(st.source);
}
END_TEST

START_TEST(test_ini_every_key)
{
	ck_assert_int_eq(from_ini("target = heads\n"
				  "expected_heads = expand, contract\n"
				  "uuid_helper = app.types.guid()\n"
				  "ignore =\n"
				  "    file-name-convention:versions/0*.py\n"
				  "    docstring-mismatch\n"
				  "define =\n"
				  "    EXPAND_BRANCH = expand\n"
				  "    cli.CONTRACT=contract\n"
				  "severity = multiple-bases=error, docstring-mismatch = info\n"
				  "replaces =\n"
				  "    old1 = base01\n"
				  "    old2=base01\n"
				  "heroku.app = my-app\n"),
			 0);
	ck_assert_int_eq(st.target, AG_TARGET_HEADS);
	ck_assert_uint_eq(st.expected_heads.n, 2);
	ck_assert_str_eq(st.expected_heads.v[1], "contract");
	ck_assert(st.uuid_helper_set);
	ck_assert_str_eq(st.uuid_helpers.v[0], "app.types.guid");
	ck_assert_uint_eq(st.ignore_codes.n, 2);
	ck_assert_str_eq(st.ignore_codes.v[0], "file-name-convention");
	ck_assert_str_eq(st.ignore_globs.v[0], "versions/0*.py");
	ck_assert_str_eq(st.ignore_globs.v[1], "");
	ck_assert_str_eq(ag_defines_get(&st.defines, "EXPAND_BRANCH"), "expand");
	ck_assert_str_eq(ag_defines_get(&st.defines, "cli.CONTRACT"), "contract");
	ck_assert_uint_eq(st.severity_codes.n, 2);
	ck_assert_int_eq(st.severity_levels[0], AG_SEV_ERROR);
	ck_assert_int_eq(st.severity_levels[1], AG_SEV_INFO);
	ck_assert_uint_eq(st.replaces_old.n, 2);
	ck_assert_str_eq(st.replaces_old.v[1], "old2");
	ck_assert_str_eq(st.replaces_new.v[1], "base01");
}
END_TEST

START_TEST(test_toml_every_key)
{
	ck_assert_int_eq(from_toml("[tool.alembic-guard]\n"
				   "target = \"heads\"\n"
				   "expected_heads = 2\n"
				   "uuid_helper = [\"guid\", \"other.guid2\"]\n"
				   "ignore = [\"file-name-convention:versions/0*.py\"]\n"
				   "define = [\"A=1\"]\n"
				   "\n"
				   "[tool.alembic-guard.define]\n"
				   "EXPAND_BRANCH = \"expand\"\n"
				   "\"cli.X\" = \"y\"\n"
				   "\n"
				   "[tool.alembic-guard.severity]\n"
				   "multiple-bases = \"error\"\n"
				   "\n"
				   "[tool.alembic-guard.replaces]\n"
				   "Old_1 = \"base01\"\n"
				   "\n"
				   "[tool.alembic-guard.heroku]\n"
				   "app = \"my-app\"\n"),
			 0);
	ck_assert_int_eq(st.target, AG_TARGET_HEADS);
	ck_assert_int_eq(st.expected_head_count, 2);
	ck_assert_uint_eq(st.uuid_helpers.n, 2);
	ck_assert_str_eq(st.uuid_helpers.v[1], "other.guid2");
	ck_assert_str_eq(st.ignore_globs.v[0], "versions/0*.py");
	ck_assert_str_eq(ag_defines_get(&st.defines, "A"), "1");
	/* TOML keeps the case that configparser would lose. */
	ck_assert_str_eq(ag_defines_get(&st.defines, "EXPAND_BRANCH"), "expand");
	ck_assert_str_eq(ag_defines_get(&st.defines, "cli.X"), "y");
	ck_assert_str_eq(st.severity_codes.v[0], "multiple-bases");
	ck_assert_str_eq(st.replaces_old.v[0], "Old_1");
	ck_assert_str_eq(st.replaces_new.v[0], "base01");
}
END_TEST

START_TEST(test_later_entries_win)
{
	ck_assert_int_eq(from_ini("severity = x-y=error, x-y=info\nreplaces = a=b, a=c\n"), 0);
	ck_assert_uint_eq(st.severity_codes.n, 1);
	ck_assert_int_eq(st.severity_levels[0], AG_SEV_INFO);
	ck_assert_uint_eq(st.replaces_old.n, 1);
	ck_assert_str_eq(st.replaces_new.v[0], "c");
}
END_TEST

/* ---- errors ------------------------------------------------------------ */

static void refused(int rc, const char *want)
{
	ck_assert_int_eq(rc, -1);
	ck_assert_int_eq(err.kind, AG_ERR_CONFIG);
	ck_assert_msg(strstr(err.msg, want) != NULL, "'%s' not in '%s'", want, err.msg);
	/* Refused settings are left empty. */
	ck_assert_uint_eq(st.uuid_helpers.n, 0);
}

START_TEST(test_errors)
{
	refused(from_ini("frobnicate = 1\n"), "unknown key 'frobnicate'");
	ck_assert(strstr(err.msg, "/p/alembic.ini [alembic-guard]") != NULL);
	refused(from_toml("[tool.alembic-guard]\ntargets = \"heads\"\n"), "unknown key 'targets'");
	ck_assert(strstr(err.msg, "[tool.alembic-guard]") != NULL);
	refused(from_toml("[tool.alembic-guard.nope]\nx = \"1\"\n"), "unknown key 'nope.x'");
	refused(from_ini("target = sideways\n"), "target: wants head or heads, not 'sideways'");
	refused(from_ini("expected_heads = 0\n"), "expected_heads: wants at least one head");
	refused(from_ini("expected_heads = a, a\n"), "'a' is listed twice");
	refused(from_ini("expected_heads = a-b\n"), "'a-b' is not a revision id");
	refused(from_ini("target = head\nexpected_heads = a, b\n"), "target = head");
	refused(from_ini("uuid_helper = 1abc\n"), "'1abc' is not a function name");
	refused(from_ini("uuid_helper =\n"), "uuid_helper: is empty");
	refused(from_ini("ignore = Bad Code\n"), "'Bad Code' is not a finding code");
	refused(from_ini("ignore = multiple-bases:\n"), "has an empty file glob");
	refused(from_ini("define = NOVALUE\n"), "'NOVALUE' is not NAME=VALUE");
	refused(from_ini("define = 1x=2\n"), "'1x' is not a Python name");
	refused(from_ini("severity = multiple-bases=fatal\n"), "must be error, warning or info");
	refused(from_ini("severity = Multiple=error\n"), "'Multiple' is not a finding code");
	refused(from_ini("replaces = a=a\n"), "a replaces itself");
	refused(from_ini("replaces = a-1=b\n"), "both sides must be revision ids");
	refused(from_ini("replaces = a='b'\n"), "both sides must be revision ids");
	/* configparser lowercases keys: a dotted define would lose its case. */
	refused(from_ini("define.EXPAND = x\n"), "alembic.ini lowercases keys; write `define = NAME=VALUE`");
	/* ...but a severity's code is lowercase anyway. */
	ck_assert_int_eq(from_ini("severity.multiple-bases = error\n"), 0);
	ck_assert_str_eq(st.severity_codes.v[0], "multiple-bases");
	/* A value without '=' in a NAME=VALUE list is refused, not ignored
	 * (config.c itself refuses inline tables). */
	refused(from_toml("[tool.alembic-guard]\nreplaces = [\"new\"]\n"), "'new' is not NAME=VALUE");
}
END_TEST

/* ---- applying ----------------------------------------------------------- */

static struct ag_findings sample(void)
{
	struct ag_findings fs = {0};
	ag_findings_add(&fs, AG_SEV_WARNING, "file-name-convention", "r1",
			"migrations/versions/001_init.py", 8, "a");
	ag_findings_add(&fs, AG_SEV_WARNING, "file-name-convention", "r2",
			"migrations/versions/abc_x.py", 8, "b");
	ag_findings_add(&fs, AG_SEV_WARNING, "multiple-bases", NULL, NULL, 0, "c");
	struct ag_finding *f = ag_findings_add(&fs, AG_SEV_WARNING, "docstring-mismatch", "r3",
					       "migrations/versions/def_y.py", 3, "d");
	ag_finding_fix(f, "fix");
	ag_finding_detail(f, "detail");
	ag_finding_cause(f, "cause");
	ag_findings_add(&fs, AG_SEV_ERROR, "uuid-type-mismatch", "r4", "migrations/versions/0x.py", 4,
			"e");
	return fs;
}

START_TEST(test_apply)
{
	ck_assert_int_eq(from_ini("ignore = file-name-convention:versions/0*.py, docstring-mismatch\n"
				  "severity = multiple-bases=error, uuid-type-mismatch=warning,\n"
				  "    docstring-mismatch=error\n"),
			 0);
	struct ag_findings fs = sample();
	ag_settings_apply(&st, &fs);
	ck_assert_uint_eq(fs.n, 3);
	/* 001_init.py's name is ignored, abc_x.py's is not; the glob is for
	 * file-name-convention only, so 0x.py's mismatch stays. */
	ck_assert_str_eq(fs.v[0].message, "b");
	ck_assert_str_eq(fs.v[1].code, "multiple-bases");
	ck_assert_int_eq(fs.v[1].severity, AG_SEV_ERROR);
	ck_assert_str_eq(fs.v[2].code, "uuid-type-mismatch");
	ck_assert_int_eq(fs.v[2].severity, AG_SEV_WARNING);
	ag_findings_free(&fs);
	/* Nothing to apply, or no settings at all: unchanged. */
	ck_assert_int_eq(from_ini(""), 0);
	fs = sample();
	ag_settings_apply(&st, &fs);
	ag_settings_apply(NULL, &fs);
	ck_assert_uint_eq(fs.n, 5);
	ck_assert_int_eq(fs.v[4].severity, AG_SEV_ERROR);
	ag_findings_free(&fs);
	/* A glob-qualified ignore never matches a finding without a file. */
	ck_assert_int_eq(from_ini("ignore = multiple-bases:*\n"), 0);
	fs = sample();
	ag_settings_apply(&st, &fs);
	ck_assert(ag_findings_has(&fs, "multiple-bases"));
	ag_findings_free(&fs);
}
END_TEST

START_TEST(test_glob)
{
	ck_assert(ag_settings_glob_match("versions/0*.py", "migrations/versions/001_init.py"));
	ck_assert(ag_settings_glob_match("0*.py", "migrations/versions/001_init.py"));
	ck_assert(ag_settings_glob_match("./migrations/versions/*.py", "migrations/versions/a.py"));
	ck_assert(ag_settings_glob_match("migrations/versions/*.py", "./migrations/versions/a.py"));
	ck_assert(ag_settings_glob_match("/srv/app/v/*.py", "/srv/app/v/a.py"));
	ck_assert(!ag_settings_glob_match("/app/v/*.py", "/srv/app/v/a.py"));
	ck_assert(!ag_settings_glob_match("versions/0*.py", "migrations/versions/101_x.py"));
	ck_assert(!ag_settings_glob_match("*.py", "migrations/versions/x.pyc"));
	/* '*' does not cross a '/'. */
	ck_assert(!ag_settings_glob_match("migrations/*.py", "migrations/versions/a.py"));
	ck_assert(ag_settings_glob_match("migrations/*/a.py", "migrations/versions/a.py"));
	ck_assert(!ag_settings_glob_match("ersions/a.py", "migrations/versions/a.py"));
	ck_assert(!ag_settings_glob_match(NULL, "a"));
	ck_assert(!ag_settings_glob_match("a", NULL));
}
END_TEST

START_TEST(test_defines_command_line_wins)
{
	ck_assert_int_eq(from_ini("define = A=file, B=file\n"), 0);
	struct ag_defines d = {0};
	ag_defines_set(&d, "A", "cli");
	ag_settings_merge_defines(&st, &d);
	ck_assert_str_eq(ag_defines_get(&d, "A"), "cli");
	ck_assert_str_eq(ag_defines_get(&d, "B"), "file");
	ag_settings_merge_defines(NULL, &d);
	ck_assert_uint_eq(d.names.n, 2);
	ag_defines_free(&d);
}
END_TEST

Suite *settings_suite(void)
{
	Suite *s = suite_create("settings");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_ini_every_key);
	tcase_add_test(tc, test_toml_every_key);
	tcase_add_test(tc, test_later_entries_win);
	tcase_add_test(tc, test_apply);
	tcase_add_test(tc, test_glob);
	tcase_add_test(tc, test_defines_command_line_wins);
	suite_add_tcase(s, tc);
	tc = tcase_create("errors");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_errors);
	suite_add_tcase(s, tc);
	return s;
}
