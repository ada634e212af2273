/* Tests for lib/config.c: alembic.ini (configparser semantics) and
 * pyproject.toml [tool.alembic]. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/alembic.h"
#include "lib/config.h"
#include "lib/util.h"
#include "tests/suites.h"

#define INI_PATH "/srv/app/alembic.ini"
#define TOML_PATH "/srv/app/pyproject.toml"

/* Parses text from an exact-size copy; returns the parser's result. */
static int ini(struct ag_config *cfg, const char *text, const char *section, struct ag_err *err)
{
	size_t len = strlen(text);
	char *copy = ag_malloc(len);
	memcpy(copy, text, len);
	memset(cfg, 0, sizeof *cfg);
	memset(err, 0, sizeof *err);
	int r = ag_config_parse_ini(cfg, copy, len, INI_PATH, section, err);
	free(copy);
	return r;
}

static int toml(struct ag_config *cfg, const char *text, struct ag_err *err)
{
	size_t len = strlen(text);
	char *copy = ag_malloc(len);
	memcpy(copy, text, len);
	memset(cfg, 0, sizeof *cfg);
	memset(err, 0, sizeof *err);
	int r = ag_config_parse_toml(cfg, copy, len, TOML_PATH, err);
	free(copy);
	return r;
}

#define ck_locations(cfg, want)                                           \
	do {                                                              \
		char *j_ = ag_strv_join(&(cfg)->version_locations, "|");  \
		ck_assert_str_eq(j_, (want));                             \
		free(j_);                                                 \
	} while (0)

/* ---- ini: core ------------------------------------------------------ */

START_TEST(test_ini_core)
{
	struct ag_config cfg;
	struct ag_err err;
	ck_assert_int_eq(ini(&cfg,
			     "# A generic, single database configuration.\n"
			     "\n"
			     "[alembic]\n"
			     "# path to migration scripts\n"
			     "script_location = %(here)s/migrations\n"
			     "file_template = %%(year)d_%%(rev)s_%%(slug)s\n"
			     "prepend_sys_path = .\n"
			     "sqlalchemy.url = postgresql://u:secret@db/app\n"
			     "\n"
			     "[loggers]\n"
			     "keys = root,sqlalchemy,alembic\n",
			     NULL, &err),
			 0);
	ck_assert_str_eq(cfg.path, INI_PATH);
	ck_assert_str_eq(cfg.here, "/srv/app");
	ck_assert_str_eq(cfg.script_location, "/srv/app/migrations");
	ck_locations(&cfg, "/srv/app/migrations/versions"); /* the default */
	ck_assert_str_eq(cfg.file_template, "%(year)d_%(rev)s_%(slug)s");
	ck_assert_str_eq(cfg.url, "postgresql://u:secret@db/app");
	ck_assert(!cfg.recursive);
	ck_assert_uint_eq(cfg.guard_keys.n, 0);
	ag_config_free(&cfg);
	ck_assert_ptr_null(cfg.path);
	ag_config_free(&cfg); /* a zeroed struct */
	ag_config_free(NULL);

	/* Nothing but the section: no locations, no error. */
	ck_assert_int_eq(ini(&cfg, "[alembic]\nfoo = bar\n", NULL, &err), 0);
	ck_assert_ptr_null(cfg.script_location);
	ck_assert_uint_eq(cfg.version_locations.n, 0);
	ck_assert_ptr_null(cfg.url);
	ck_assert_ptr_null(cfg.file_template);
	ag_config_free(&cfg);

	/* An empty section exists (and sets nothing). */
	ck_assert_int_eq(ini(&cfg, "[other]\nx = 1\n\n  [alembic]\n# nothing\n", NULL, &err), 0);
	ck_assert_ptr_null(cfg.script_location);
	ag_config_free(&cfg);

	/* An empty url counts as none. */
	ck_assert_int_eq(ini(&cfg, "[alembic]\nsqlalchemy.url =\n", NULL, &err), 0);
	ck_assert_ptr_null(cfg.url);
	ag_config_free(&cfg);
}
END_TEST

START_TEST(test_ini_configparser_rules)
{
	struct ag_config cfg;
	struct ag_err err;
	/* Inline ';' and '#' are part of the value (Python 3 configparser);
	 * keys are case-insensitive; ':' separates like '='; whitespace around
	 * the value is stripped. */
	ck_assert_int_eq(ini(&cfg,
			     "[alembic]\n"
			     "Script_Location = a;b # not a comment\n"
			     "SQLALCHEMY.URL: sqlite:///x.db  \n"
			     "; a comment line\n"
			     "# another\n",
			     NULL, &err),
			 0);
	ck_assert_str_eq(cfg.script_location, "a;b # not a comment");
	ck_assert_str_eq(cfg.url, "sqlite:///x.db");
	ag_config_free(&cfg);

	/* Multi-line values: continuation lines are indented. */
	ck_assert_int_eq(ini(&cfg,
			     "[alembic]\n"
			     "script_location = db\n"
			     "version_locations =\n"
			     "    %(here)s/one\n"
			     "    %(here)s/two\n"
			     "path_separator = newline\n",
			     NULL, &err),
			 0);
	ck_locations(&cfg, "/srv/app/one|/srv/app/two");
	ag_config_free(&cfg);

	/* [DEFAULT] supplies keys and interpolation names to every section. */
	ck_assert_int_eq(ini(&cfg,
			     "[DEFAULT]\n"
			     "base = /opt\n"
			     "sqlalchemy.url = sqlite:///default.db\n"
			     "[alembic]\n"
			     "script_location = %(BASE)s/db\n",
			     NULL, &err),
			 0);
	ck_assert_str_eq(cfg.script_location, "/opt/db");
	ck_assert_str_eq(cfg.url, "sqlite:///default.db");
	ag_config_free(&cfg);

	/* A key of the section wins over DEFAULT; `here` may be overridden. */
	ck_assert_int_eq(ini(&cfg,
			     "[DEFAULT]\nbase = /opt\n[alembic]\nbase = /usr\nhere = /h\n"
			     "script_location = %(base)s:%(here)s\n",
			     NULL, &err),
			 0);
	ck_assert_str_eq(cfg.script_location, "/usr:/h");
	ag_config_free(&cfg);

	/* Nested references and %%. */
	ck_assert_int_eq(ini(&cfg,
			     "[alembic]\na = %(b)s/x\nb = %(c)s%%\nc = 100\n"
			     "script_location = %(a)s %%(literal)s\n",
			     NULL, &err),
			 0);
	ck_assert_str_eq(cfg.script_location, "100%/x %(literal)s");
	ag_config_free(&cfg);

	/* A UTF-8 BOM and CRLF line ends. */
	ck_assert_int_eq(ini(&cfg, "\xef\xbb\xbf[alembic]\r\nscript_location = m\r\n", NULL, &err),
			 0);
	ck_assert_str_eq(cfg.script_location, "m");
	ag_config_free(&cfg);
}
END_TEST

START_TEST(test_ini_locations)
{
	static const struct {
		const char *lines, *want;
	} cases[] = {
		/* the legacy split: commas and spaces */
		{"version_locations = a b,c, d  e", "a|b|c|d|e"},
		{"version_locations = a,,b", "a|b"},
		{"version_locations = %(here)s/x %(here)s/y", "/srv/app/x|/srv/app/y"},
		{"version_path_separator = space\nversion_locations = a b  c", "a|b|c"},
		{"version_path_separator = os\nversion_locations = a:b c:d", "a|b c|d"},
		{"version_path_separator = :\nversion_locations = a:b", "a|b"},
		{"version_path_separator = ;\nversion_locations = a;b;;c", "a|b|c"},
		{"version_path_separator = ;\nversion_locations = a, b;c", "a, b|c"},
		{"path_separator = newline\nversion_locations =\n  a b\n  c", "a b|c"},
		/* path_separator (Alembic 1.16) wins over version_path_separator */
		{"path_separator = ;\nversion_path_separator = space\nversion_locations = a b;c", "a b|c"},
		/* an empty value: the default location */
		{"version_locations =", "s/versions"},
	};
	for (size_t i = 0; i < AG_ARRAY_LEN(cases); i++) {
		struct ag_config cfg;
		struct ag_err err;
		char *text = ag_printf("[alembic]\nscript_location = s\n%s\n", cases[i].lines);
		ck_assert_msg(ini(&cfg, text, NULL, &err) == 0, "%s: %s", cases[i].lines, err.msg);
		char *j = ag_strv_join(&cfg.version_locations, "|");
		ck_assert_msg(strcmp(j, cases[i].want) == 0, "%s -> %s", cases[i].lines, j);
		free(j);
		ag_config_free(&cfg);
		free(text);
	}
}
END_TEST

START_TEST(test_ini_settings)
{
	struct ag_config cfg;
	struct ag_err err;
	/* Alembic compares with "true" exactly (script/base.py: `== "true"`):
	 * configparser's other spellings of true are not recursive. */
	static const char *const truthy[] = {"true", "True", "TRUE", "yes", "on", "1"};
	for (size_t i = 0; i < AG_ARRAY_LEN(truthy); i++) {
		char *t = ag_printf("[alembic]\nrecursive_version_locations = %s\n", truthy[i]);
		ck_assert_int_eq(ini(&cfg, t, NULL, &err), 0);
		ck_assert_msg(cfg.recursive == (i == 0), "%s", truthy[i]);
		ag_config_free(&cfg);
		free(t);
	}
	ck_assert_int_eq(ini(&cfg, "[alembic]\nrecursive_version_locations = false\n", NULL, &err), 0);
	ck_assert(!cfg.recursive);
	ag_config_free(&cfg);

	/* The guard's own section: every key, in order, interpolated. */
	ck_assert_int_eq(ini(&cfg,
			     "[alembic]\nscript_location = m\n"
			     "[alembic-guard]\n"
			     "define = cli.EXPAND_BRANCH=expand\n"
			     "Expected_Heads = 2\n"
			     "hook = %(here)s/hook.sh\n",
			     NULL, &err),
			 0);
	ck_assert_uint_eq(cfg.guard_keys.n, 3);
	ck_assert_str_eq(cfg.guard_keys.v[1], "expected_heads");
	ck_assert_str_eq(ag_config_guard(&cfg, "define"), "cli.EXPAND_BRANCH=expand");
	ck_assert_str_eq(ag_config_guard(&cfg, "expected_heads"), "2");
	ck_assert_str_eq(ag_config_guard(&cfg, "hook"), "/srv/app/hook.sh");
	ck_assert_ptr_null(ag_config_guard(&cfg, "missing"));
	ag_config_free(&cfg);

	/* `alembic -n other`: another section. */
	const char *two = "[alembic]\nscript_location = main\n[other]\nscript_location = second\n";
	ck_assert_int_eq(ini(&cfg, two, "other", &err), 0);
	ck_assert_str_eq(cfg.script_location, "second");
	ag_config_free(&cfg);
	ck_assert_int_eq(ini(&cfg, two, NULL, &err), 0);
	ck_assert_str_eq(cfg.script_location, "main");
	ag_config_free(&cfg);
}
END_TEST

START_TEST(test_ini_long_lines)
{
	/* Longer than inih's default limit of 200 bytes. */
	struct ag_buf text = {0};
	ag_buf_adds(&text, "[alembic]\nscript_location = /");
	for (int i = 0; i < 5000; i++)
		ag_buf_addc(&text, (char)('a' + i % 26));
	ag_buf_adds(&text, "\nsqlalchemy.url = sqlite://\n");
	struct ag_config cfg;
	struct ag_err err;
	ck_assert_int_eq(ini(&cfg, text.p, NULL, &err), 0);
	ck_assert_uint_eq(strlen(cfg.script_location), 5001);
	ck_assert_str_eq(cfg.url, "sqlite://");
	ag_config_free(&cfg);
	ag_buf_free(&text);
}
END_TEST

/* ---- ini: errors ---------------------------------------------------- */

static void ini_fails(const char *text, const char *section, int line, const char *needle)
{
	struct ag_config cfg;
	struct ag_err err;
	ck_assert_msg(ini(&cfg, text, section, &err) == -1, "accepted: %s", text);
	ck_assert_int_eq(err.kind, AG_ERR_CONFIG);
	ck_assert_str_eq(err.file, INI_PATH);
	ck_assert_msg(err.line == line, "%s: line %d, want %d", text, err.line, line);
	ck_assert_msg(strstr(err.msg, needle) != NULL, "%s: %s", text, err.msg);
	ag_config_free(&cfg);
}

START_TEST(test_ini_errors)
{
	ini_fails("[loggers]\nkeys = root\n", NULL, 0, "no [alembic] section");
	ini_fails("[alembic]\nscript_location = x\n", "other", 0, "no [other] section");
	ini_fails("", NULL, 0, "no [alembic] section");
	ini_fails("[alembic]\nscript_location = 100%\n", NULL, 0, "'%%'");
	ini_fails("[alembic]\nscript_location = %x\n", NULL, 0, "script_location");
	ini_fails("[alembic]\nscript_location = %(nope)s/x\n", NULL, 0, "nope");
	ini_fails("[alembic]\nscript_location = %(a)s\na = %(b)s\nb = %(a)s\n", NULL, 0, "nested");
	ini_fails("[alembic]\nversion_path_separator = os  # Use os.pathsep.\nversion_locations = a\n",
		  NULL, 0, "os  # Use os.pathsep.");
	ini_fails("[alembic]\nversion_path_separator = comma\nversion_locations = a\n", NULL, 0,
		  "comma");
	ini_fails("[alembic]\nscript_location = x\nnot a key value line\n", NULL, 3, "line");
	ini_fails("[alembic\nscript_location = x\n", NULL, 1, "line");
	ini_fails("[alembic]\na = 1\nb = 2\na = 3\n", NULL, 4, "twice");
	ini_fails("[alembic-guard]\nx = %(nope)s\n[alembic]\n", NULL, 0, "nope");
	ini_fails("[alembicx]\na = 1\n[ alembic ]\nb = 2\n", NULL, 0, "no [alembic] section");

	/* A NUL byte. */
	struct ag_config cfg = {0};
	struct ag_err err = {0};
	ck_assert_int_eq(ag_config_parse_ini(&cfg, "[alembic]\0\nx = 1\n", 16, INI_PATH, NULL, &err), -1);
	ck_assert_int_eq(err.kind, AG_ERR_CONFIG);
	ck_assert_ptr_nonnull(strstr(err.msg, "NUL"));
	ag_config_free(&cfg);
}
END_TEST

START_TEST(test_ini_limits)
{
	/* References that double at every level would take gigabytes. */
	struct ag_buf text = {0};
	ag_buf_adds(&text, "[alembic]\nscript_location = %(k0)s\n");
	for (int i = 0; i < 10; i++)
		ag_buf_addf(&text, "k%d = %%(k%d)s%%(k%d)s%%(k%d)s%%(k%d)s%%(k%d)s%%(k%d)s%%(k%d)s%%(k%d)s\n", i,
			    i + 1, i + 1, i + 1, i + 1, i + 1, i + 1, i + 1, i + 1);
	ag_buf_adds(&text, "k10 = xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n");
	struct ag_config cfg;
	struct ag_err err;
	ck_assert_int_eq(ini(&cfg, text.p, NULL, &err), -1);
	ck_assert_int_eq(err.kind, AG_ERR_CONFIG);
	ag_config_free(&cfg);
	ag_buf_free(&text);

	/* Ten levels are allowed, as configparser allows. */
	ag_buf_adds(&text, "[alembic]\nscript_location = %(k0)s\n");
	for (int i = 0; i < 9; i++)
		ag_buf_addf(&text, "k%d = %%(k%d)s\n", i, i + 1);
	ag_buf_adds(&text, "k9 = deep\n");
	ck_assert_msg(ini(&cfg, text.p, NULL, &err) == 0, "%s", err.msg);
	ck_assert_str_eq(cfg.script_location, "deep");
	ag_config_free(&cfg);
	ag_buf_free(&text);
}
END_TEST

/* A hang fuzz_config times out on (corpus-config/regress_empty_bomb.ini):
 * references whose leaves are empty never grow the value, so MAX_VALUE_LEN
 * never stopped them, and 8^9 expansions took minutes. */
START_TEST(test_ini_regress_empty_bomb)
{
	struct ag_buf text = {0};
	ag_buf_adds(&text, "[alembic]\nscript_location = %(k0)sm\n");
	for (int i = 0; i < 9; i++)
		ag_buf_addf(&text, "k%d = %%(k%d)s%%(k%d)s%%(k%d)s%%(k%d)s%%(k%d)s%%(k%d)s%%(k%d)s%%(k%d)s\n", i,
			    i + 1, i + 1, i + 1, i + 1, i + 1, i + 1, i + 1, i + 1);
	ag_buf_adds(&text, "k9 =\n");
	struct ag_config cfg;
	struct ag_err err;
	ck_assert_int_eq(ini(&cfg, text.p, NULL, &err), -1);
	ck_assert_int_eq(err.kind, AG_ERR_CONFIG);
	ck_assert_ptr_nonnull(strstr(err.msg, "references"));
	ag_config_free(&cfg);
	ag_buf_free(&text);

	/* The same bomb in the guard settings, whose values are all expanded. */
	ag_buf_adds(&text, "[alembic]\nscript_location = m\n[alembic-guard]\n");
	for (int i = 0; i < 9; i++)
		ag_buf_addf(&text, "k%d = %%(k%d)s%%(k%d)s%%(k%d)s%%(k%d)s%%(k%d)s%%(k%d)s%%(k%d)s%%(k%d)s\n", i,
			    i + 1, i + 1, i + 1, i + 1, i + 1, i + 1, i + 1, i + 1);
	ag_buf_adds(&text, "k9 =\n");
	ck_assert_int_eq(ini(&cfg, text.p, NULL, &err), -1);
	ck_assert_int_eq(err.kind, AG_ERR_CONFIG);
	ag_config_free(&cfg);
	ag_buf_free(&text);

	/* Many plain references are still fine. */
	ag_buf_adds(&text, "[alembic]\nscript_location = m\nversion_locations =");
	for (int i = 0; i < 200; i++)
		ag_buf_adds(&text, " %(here)s/v");
	ag_buf_adds(&text, "\n");
	ck_assert_msg(ini(&cfg, text.p, NULL, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(cfg.version_locations.n, 200);
	ag_config_free(&cfg);
	ag_buf_free(&text);
}
END_TEST

/* ---- pyproject.toml ------------------------------------------------- */

START_TEST(test_toml_core)
{
	struct ag_config cfg;
	struct ag_err err;
	ck_assert_int_eq(toml(&cfg,
			      "[project]\n"
			      "name = \"app\"\n"
			      "dependencies = [\"alembic>=1.16\", 'psycopg[binary]']\n"
			      "authors = [{ name = \"A, B\", email = \"a@example.com\" }]\n"
			      "description = \"caf\\u00e9 \\\"quoted\\\" \\U0001F600\"\n"
			      "classifiers = [\n  # comment\n  \"x\",\n]\n"
			      "\n"
			      "[[tool.mypy.overrides]]\n"
			      "module = \"x.*\"\n"
			      "script_location = \"not ours\"\n"
			      "\n"
			      "[tool.alembic]\n"
			      "script_location = \"%(here)s/alembic\"\n"
			      "# comment\n"
			      "version_locations = [\n"
			      "    \"%(here)s/alembic/versions\",  # trailing comment\n"
			      "    'C:\\literal\\path',\n"
			      "]\n"
			      "file_template = \"\"\"%%(rev)s_%%(slug)s\"\"\"\n"
			      "recursive_version_locations = true\n"
			      "\n"
			      "[tool.black]\n"
			      "line-length = 100\n",
			      &err),
			 0);
	ck_assert_str_eq(cfg.path, TOML_PATH);
	ck_assert_str_eq(cfg.here, "/srv/app");
	ck_assert_str_eq(cfg.script_location, "/srv/app/alembic");
	ck_locations(&cfg, "/srv/app/alembic/versions|C:\\literal\\path");
	/* Alembic formats a TOML string with % {"here": ...}: "%%" is '%'. */
	ck_assert_str_eq(cfg.file_template, "%(rev)s_%(slug)s");
	ck_assert(cfg.recursive);
	ag_config_free(&cfg);

	/* Only script_location: the default versions directory. */
	ck_assert_int_eq(toml(&cfg, "[tool.alembic]\nscript_location = 'migrations'\n", &err), 0);
	ck_locations(&cfg, "migrations/versions");
	ag_config_free(&cfg);

	/* Quoted keys and table names, spaces in headers, CRLF. */
	ck_assert_int_eq(toml(&cfg, "[ tool . \"alembic\" ]\r\n\"script_location\" = \"m\"\r\n", &err),
			 0);
	ck_assert_str_eq(cfg.script_location, "m");
	ag_config_free(&cfg);
}
END_TEST

START_TEST(test_toml_strings)
{
	struct ag_config cfg;
	struct ag_err err;
	ck_assert_int_eq(toml(&cfg,
			      "[tool.alembic]\n"
			      "script_location = \"\"\"\n"
			      "multi\\\n"
			      "    line\"\"\"\n"
			      "file_template = '''lit\\eral'''\n"
			      "sqlalchemy_url = \"a\\tb\\\\c\\nd\"\n",
			      &err),
			 0);
	ck_assert_str_eq(cfg.script_location, "multiline");
	ck_assert_str_eq(cfg.file_template, "lit\\eral");
	ck_assert_str_eq(cfg.url, "a\tb\\c\nd");
	ag_config_free(&cfg);

	/* A line-ending backslash with spaces after it, and CRLF. */
	ck_assert_int_eq(toml(&cfg, "[tool.alembic]\r\nscript_location = \"\"\"a \\  \r\n   b\"\"\"\r\n",
			      &err),
			 0);
	ck_assert_str_eq(cfg.script_location, "a b");
	ag_config_free(&cfg);
}
END_TEST

START_TEST(test_toml_guard)
{
	struct ag_config cfg;
	struct ag_err err;
	ck_assert_int_eq(toml(&cfg,
			      "[tool.alembic]\nscript_location = 'm'\n"
			      "[tool.alembic-guard]\n"
			      "expected_heads = 2\n"
			      "define = [\"a=1\", \"b=2\"]\n"
			      "[tool.alembic-guard.heroku]\n"
			      "app = \"my-app\"\n"
			      "[tool.alembic-guardian]\n"
			      "other = 'not ours'\n"
			      "[[tool.alembic-guard.list]]\n"
			      "item = 'not ours either'\n",
			      &err),
			 0);
	ck_assert_uint_eq(cfg.guard_keys.n, 3);
	ck_assert_str_eq(ag_config_guard(&cfg, "expected_heads"), "2");
	ck_assert_str_eq(ag_config_guard(&cfg, "define"), "a=1\nb=2");
	ck_assert_str_eq(ag_config_guard(&cfg, "heroku.app"), "my-app");
	ck_assert_ptr_null(ag_config_guard(&cfg, "other"));
	ag_config_free(&cfg);
}
END_TEST

static void toml_fails(const char *text, int line, const char *needle)
{
	struct ag_config cfg;
	struct ag_err err;
	ck_assert_msg(toml(&cfg, text, &err) == -1, "accepted: %s", text);
	ck_assert_int_eq(err.kind, AG_ERR_CONFIG);
	ck_assert_str_eq(err.file, TOML_PATH);
	ck_assert_msg(err.line == line, "%s: line %d, want %d (%s)", text, err.line, line, err.msg);
	ck_assert_msg(strstr(err.msg, needle) != NULL, "%s: %s", text, err.msg);
	ag_config_free(&cfg);
}

START_TEST(test_toml_errors)
{
	toml_fails("[project]\nname = 'x'\n", 0, "no [tool.alembic] table");
	toml_fails("[[tool.alembic]]\nscript_location = 'x'\n", 0, "no [tool.alembic] table");
	toml_fails("[tool.alembic\nscript_location = 'x'\n", 1, "']'");
	toml_fails("[tool.alembic]\nscript_location = \"x\n", 2, "end of its line");
	toml_fails("[tool.alembic]\n\nscript_location = \"\"\"x\n\n", 5, "never closed");
	toml_fails("[tool.alembic]\nscript_location =\n", 2, "value");
	toml_fails("[tool.alembic]\nscript_location 'x'\n", 2, "'='");
	toml_fails("[tool.alembic]\nversion_locations = ['a' 'b']\n", 2, "','");
	toml_fails("[tool.alembic]\nversion_locations = ['a',\n'b'\n", 4, "never closed");
	toml_fails("[tool.alembic]\nscript_location = 'x' junk\n", 2, "end of the line");
	toml_fails("[tool.alembic]\nscript_location = \"\\q\"\n", 2, "escape");
	toml_fails("[tool.alembic]\nscript_location = \"\\u12\"\n", 2, "hexadecimal");
	toml_fails("[tool.alembic]\nscript_location = \"\\uD800\"\n", 2, "Unicode");
	toml_fails("[tool.alembic]\nscript_location = {a = 1}\n", 2, "inline tables");
	toml_fails("[tool.alembic]\n= 'x'\n", 2, "key");
	toml_fails("[tool.alembic]\n[[x]\n", 2, "']]'");

	struct ag_config cfg = {0};
	struct ag_err err = {0};
	ck_assert_int_eq(ag_config_parse_toml(&cfg, "[tool.alembic]\0", 15, TOML_PATH, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "NUL"));
	ag_config_free(&cfg);
}
END_TEST

START_TEST(test_toml_limits)
{
	struct ag_buf text = {0};
	ag_buf_adds(&text, "[tool.alembic]\nscript_location = 'm'\n[other]\nx = ");
	for (int i = 0; i < 40; i++)
		ag_buf_addc(&text, '[');
	for (int i = 0; i < 40; i++)
		ag_buf_addc(&text, ']');
	ag_buf_adds(&text, "\n");
	struct ag_config cfg;
	struct ag_err err;
	ck_assert_int_eq(toml(&cfg, text.p, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "nested"));
	ag_config_free(&cfg);
	ag_buf_free(&text);
}
END_TEST

/* ---- loading files -------------------------------------------------- */

static char *write_in(const char *dir, const char *name, const char *text)
{
	char *p = ag_printf("%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	return p;
}

START_TEST(test_load)
{
	char dir[] = "/tmp/ag-test-config-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char *cwd = getcwd(NULL, 0);
	ck_assert_int_eq(chdir(dir), 0);

	struct ag_config cfg = {0};
	struct ag_err err = {0};
	/* Nothing here. */
	ck_assert_int_eq(ag_config_load(&cfg, NULL, NULL, true, &err), 0);
	ck_assert_ptr_null(cfg.path);
	ck_assert_int_eq(ag_config_load(&cfg, NULL, NULL, false, &err), -1);
	ck_assert_int_eq(err.kind, AG_ERR_CONFIG);
	memset(&err, 0, sizeof err);
	ck_assert_int_eq(ag_config_load(&cfg, "missing.ini", NULL, true, &err), -1);
	ck_assert_int_eq(err.kind, AG_ERR_CONFIG); /* an explicit file must exist */
	ck_assert_ptr_nonnull(strstr(err.msg, "missing.ini"));

	/* pyproject.toml alone. */
	char *t = write_in(dir, "pyproject.toml", "[tool.alembic]\nscript_location = '%(here)s/t'\n");
	ck_assert_int_eq(ag_config_load(&cfg, NULL, NULL, false, &err), 0);
	ck_assert_str_eq(cfg.path, "pyproject.toml");
	char *want = ag_printf("%s/t", dir);
	ck_assert_str_eq(cfg.script_location, want);
	free(want);
	ag_config_free(&cfg);

	/* alembic.ini comes first. */
	char *i = write_in(dir, "alembic.ini", "[alembic]\nscript_location = i\n[x]\nscript_location = n\n");
	ck_assert_int_eq(ag_config_load(&cfg, NULL, NULL, false, &err), 0);
	ck_assert_str_eq(cfg.path, "alembic.ini");
	ck_assert_str_eq(cfg.script_location, "i");
	ck_assert_str_eq(cfg.here, dir);
	ag_config_free(&cfg);
	ck_assert_int_eq(ag_config_load(&cfg, i, "x", false, &err), 0);
	ck_assert_str_eq(cfg.script_location, "n");
	ag_config_free(&cfg);
	/* The extension picks the parser. */
	ck_assert_int_eq(ag_config_load(&cfg, t, NULL, false, &err), 0);
	ck_assert_ptr_nonnull(strstr(cfg.script_location, "/t"));
	ag_config_free(&cfg);

	/* A directory where a file should be: an I/O error. */
	memset(&err, 0, sizeof err);
	ck_assert_int_eq(ag_config_load(&cfg, dir, NULL, false, &err), -1);
	ck_assert_int_eq(err.kind, AG_ERR_IO);
	ag_config_free(&cfg);

	unlink(t);
	unlink(i);
	free(t);
	free(i);
	ck_assert_int_eq(chdir(cwd), 0);
	free(cwd);
	rmdir(dir);
}
END_TEST


/* Alembic 1.16+ reads alembic.ini and pyproject.toml together, key by key;
 * older releases read no TOML. Read at the tags (alembic/config.py) and
 * measured with 1.13.2 and 1.18.4 (tests/integration/test_differential.py). */
START_TEST(test_load_as_versions)
{
	char dir[] = "/tmp/ag-test-config-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char *cwd = getcwd(NULL, 0);
	ck_assert_int_eq(chdir(dir), 0);
	const unsigned v1313 = AG_ALEMBIC_VER(1, 13, 2), v1163 = AG_ALEMBIC_VER(1, 16, 3),
		       v1184 = AG_ALEMBIC_VER(1, 18, 4);
	struct ag_config cfg = {0};
	struct ag_err err = {0};

	/* `alembic init -t pyproject`: the location only in the TOML */
	char *i = write_in(dir, "alembic.ini", "[alembic]\nsqlalchemy.url = postgresql:///x\n");
	char *t = write_in(dir, "pyproject.toml",
			   "[tool.alembic]\nscript_location = \"%(here)s/m\"\n"
			   "recursive_version_locations = true\n");
	ck_assert_int_eq(ag_config_load_as(&cfg, NULL, NULL, v1184, false, &err), 0);
	char *want = ag_printf("%s/m", dir);
	ck_assert_str_eq(cfg.script_location, want);
	ck_assert_str_eq(cfg.url, "postgresql:///x");
	ck_assert(cfg.recursive);
	ag_config_free(&cfg);
	/* 1.13 reads the ini alone: no script_location */
	ck_assert_int_eq(ag_config_load_as(&cfg, NULL, NULL, v1313, false, &err), 0);
	ck_assert_ptr_null(cfg.script_location);
	ag_config_free(&cfg);
	/* 1.16.0-1.16.3 compared the TOML value with "true": a boolean is not */
	ck_assert_int_eq(ag_config_load_as(&cfg, NULL, NULL, v1163, false, &err), 0);
	ck_assert(!cfg.recursive);
	ag_config_free(&cfg);

	/* the ini wins key by key; `True` is not "true" */
	free(write_in(dir, "alembic.ini",
		      "[alembic]\nscript_location = ini\nrecursive_version_locations = True\n"));
	ck_assert_int_eq(ag_config_load_as(&cfg, NULL, NULL, v1184, false, &err), 0);
	ck_assert_str_eq(cfg.script_location, "ini");
	ck_assert(!cfg.recursive);
	ag_config_free(&cfg);

	/* a TOML string where a boolean belongs: an error from 1.16.4, but only
	 * when Alembic takes the value from the TOML */
	free(write_in(dir, "pyproject.toml",
		      "[tool.alembic]\nscript_location = \"m\"\nrecursive_version_locations = \"true\"\n"));
	ck_assert_int_eq(ag_config_load_as(&cfg, NULL, NULL, v1184, false, &err), 0);
	ck_assert(!cfg.recursive); /* the ini's True shadows it */
	ag_config_free(&cfg);
	unlink(i);
	memset(&err, 0, sizeof err);
	ck_assert_int_eq(ag_config_load_as(&cfg, NULL, NULL, v1184, false, &err), -1);
	ck_assert_int_eq(err.kind, AG_ERR_CONFIG);
	ck_assert_ptr_nonnull(strstr(err.msg, "boolean value expected for TOML parameter"));
	ag_config_free(&cfg);
	ck_assert_int_eq(ag_config_load_as(&cfg, NULL, NULL, v1163, false, &err), 0);
	ck_assert(cfg.recursive); /* 1.16.3: the string "true" counted */
	ag_config_free(&cfg);

	/* ALEMBIC_CONFIG (resolved by cmd/) naming an ini elsewhere; the TOML of
	 * the current directory still completes it */
	ck_assert_int_eq(mkdir("conf", 0700), 0);
	free(write_in(dir, "conf/alembic.ini", "[alembic]\nversion_locations = a\n"));
	free(write_in(dir, "pyproject.toml", "[tool.alembic]\nscript_location = \"m\"\n"));
	ck_assert_int_eq(ag_config_load_as(&cfg, "conf/alembic.ini", NULL, v1184, false, &err), 0);
	ck_assert_str_eq(cfg.script_location, "m");
	ck_assert_uint_eq(cfg.version_locations.n, 1);
	ck_assert_str_eq(cfg.version_locations.v[0], "a");
	ag_config_free(&cfg);
	/* path_separator is 1.16's: 1.13 splits on version_path_separator only */
	free(write_in(dir, "conf/alembic.ini",
		      "[alembic]\nscript_location = s\nversion_locations = a;b c\npath_separator = ;\n"));
	ck_assert_int_eq(ag_config_load_as(&cfg, "conf/alembic.ini", NULL, v1184, false, &err), 0);
	ck_assert_uint_eq(cfg.version_locations.n, 2);
	ag_config_free(&cfg);
	ck_assert_int_eq(ag_config_load_as(&cfg, "conf/alembic.ini", NULL, v1313, false, &err), 0);
	ck_assert_uint_eq(cfg.version_locations.n, 2); /* legacy split: "a;b", "c" */
	ck_assert_str_eq(cfg.version_locations.v[0], "a;b");
	ag_config_free(&cfg);

	/* nothing at all */
	unlink(t);
	free(t);
	free(want);
	free(i);
	ck_assert_int_eq(ag_config_load_as(&cfg, NULL, NULL, v1184, true, &err), 0);
	ck_assert_ptr_null(cfg.path);
	ck_assert_int_eq(ag_config_load_as(&cfg, NULL, NULL, v1184, false, &err), -1);
	ck_assert_int_eq(chdir(cwd), 0);
	free(cwd);
	char *cmd = ag_printf("rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
}
END_TEST

Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("ini");
	tcase_add_test(tc, test_ini_core);
	tcase_add_test(tc, test_ini_configparser_rules);
	tcase_add_test(tc, test_ini_locations);
	tcase_add_test(tc, test_ini_settings);
	tcase_add_test(tc, test_ini_long_lines);
	suite_add_tcase(s, tc);
	tc = tcase_create("toml");
	tcase_add_test(tc, test_toml_core);
	tcase_add_test(tc, test_toml_strings);
	tcase_add_test(tc, test_toml_guard);
	suite_add_tcase(s, tc);
	tc = tcase_create("errors");
	tcase_add_test(tc, test_ini_errors);
	tcase_add_test(tc, test_toml_errors);
	suite_add_tcase(s, tc);
	tc = tcase_create("limits");
	tcase_add_test(tc, test_ini_limits);
	tcase_add_test(tc, test_toml_limits);
	suite_add_tcase(s, tc);
	tc = tcase_create("regress");
	tcase_add_test(tc, test_ini_regress_empty_bomb);
	suite_add_tcase(s, tc);
	tc = tcase_create("load");
	tcase_add_test(tc, test_load);
	tcase_add_test(tc, test_load_as_versions);
	suite_add_tcase(s, tc);
	return s;
}
