/* Tests for lib/pyver.c: which Python the app runs, read as Heroku's
 * buildpack reads runtime.txt, .python-version and Pipfile.lock, plus
 * requires-python; the buildpack's order; clamping; malformed files. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/pins.h"
#include "lib/pyparse.h"
#include "lib/pyver.h"
#include "lib/util.h"
#include "tests/suites.h"

/* "M.m@line", "none" or "error@line: why" for text read as name. */
static char *scan(const char *name, const char *text, size_t len)
{
	int major = -1, minor = -1, line = -1;
	char *why = NULL;
	int r = ag_pyver_scan(name, text, len, &major, &minor, &line, &why);
	char *s = r > 0 ? ag_printf("%d.%d@%d", major, minor, line)
		: r == 0 ? ag_strdup("none")
			 : ag_printf("error@%d: %s", line, why ? why : "(no reason)");
	if (r < 0)
		ck_assert_ptr_nonnull(why);
	else
		ck_assert_ptr_null(why);
	free(why);
	return s;
}

#define SCAN_EQ(name, text, want)                                                          \
	do {                                                                               \
		char *got_ = scan(name, text, strlen(text));                              \
		ck_assert_msg(strncmp(got_, want, strlen(want)) == 0, "%s %s: got '%s', want '%s'", \
			      name, #text, got_, want);                                    \
		free(got_);                                                                \
	} while (0)

START_TEST(test_parse)
{
	int a, b;
	ck_assert_int_eq(ag_pyver_parse("3.12", &a, &b), 0);
	ck_assert(a == 3 && b == 12);
	ck_assert_int_eq(ag_pyver_parse("3.11.9", &a, &b), 0);
	ck_assert(a == 3 && b == 11);
	ck_assert_int_eq(ag_pyver_parse("3.0", &a, &b), 0);
	ck_assert(a == 3 && b == 0);
	/* the buildpack's N.N[.N]: no leading zeros, no suffixes, nothing else */
	static const char *const bad[] = {"3",      "3.",      "3.12.",  "3.012", "03.12",
					  "3.12.4.1", "3.12rc1", "v3.12",  " 3.12", "3.*",
					  "python-3.12", "",     "3.12 ", "3..12"};
	for (size_t i = 0; i < AG_ARRAY_LEN(bad); i++)
		ck_assert_msg(ag_pyver_parse(bad[i], &a, &b) == -1, "accepted '%s'", bad[i]);
	/* digits without end saturate, never overflow */
	ck_assert_int_eq(ag_pyver_parse("3.99999999999999999999", &a, &b), 0);
	ck_assert(a == 3 && b == 999);
}
END_TEST

START_TEST(test_python_version_file)
{
	SCAN_EQ(".python-version", "3.12\n", "3.12@1");
	SCAN_EQ(".python-version", "3.12.4", "3.12@1");
	/* comments and blank lines are skipped; whitespace around is allowed */
	SCAN_EQ(".python-version", "# the app's Python\n\n  \t3.11  \r\n# end\n", "3.11@3");
	SCAN_EQ(".python-version", "   # indented comment\n3.10\n", "3.10@2");
	/* what the buildpack refuses */
	SCAN_EQ(".python-version", "", "error@0: holds no version");
	SCAN_EQ(".python-version", "# only a comment\n\n", "error@0: holds no version");
	SCAN_EQ(".python-version", "3.12\n3.11\n", "error@2: holds a second version");
	SCAN_EQ(".python-version", "python-3.12\n", "error@1: is not X.Y");
	SCAN_EQ(".python-version", "3.12 # trailing comment\n", "error@1: is not X.Y");
	SCAN_EQ(".python-version", "\"3.12\"\n", "error@1: is not X.Y");
	SCAN_EQ(".python-version", "3\n", "error@1: is not X.Y");
	SCAN_EQ(".python-version", "3.12.*\n", "error@1: is not X.Y");
	/* pyenv's names are not versions either */
	SCAN_EQ(".python-version", "pypy3.10\n", "error@1: is not X.Y");
}
END_TEST

START_TEST(test_runtime_txt)
{
	SCAN_EQ("runtime.txt", "python-3.11.9\n", "3.11@1");
	SCAN_EQ("runtime.txt", "python-3.12", "3.12@1");
	SCAN_EQ("runtime.txt", "\n\n  python-3.10.14  \n\n", "3.10@3");
	SCAN_EQ("runtime.txt", "python-2.7.18\n", "2.7@1");
	SCAN_EQ("runtime.txt", "", "error@0: is empty");
	SCAN_EQ("runtime.txt", "3.11.9\n", "error@1: is not python-X.Y");
	SCAN_EQ("runtime.txt", "python-3.11.9\n# comment\n", "error@1: is not python-X.Y");
	SCAN_EQ("runtime.txt", "python 3.11\n", "error@1: is not python-X.Y");
	SCAN_EQ("runtime.txt", "pypy3.10-7.3.16\n", "error@1: is not python-X.Y");
}
END_TEST

START_TEST(test_pipfile_lock)
{
	SCAN_EQ("Pipfile.lock",
		"{\n  \"_meta\": {\n    \"requires\": {\n      \"python_version\": \"3.11\",\n"
		"      \"python_full_version\": \"3.12.1\"\n    }\n  }\n}\n",
		"3.12@5"); /* python_full_version wins, as pipenv and the buildpack read it */
	SCAN_EQ("Pipfile.lock", "{\"_meta\": {\"requires\": {\"python_version\": \"3.10\"}}}",
		"3.10@1");
	SCAN_EQ("Pipfile.lock", "{\"_meta\": {\"hash\": {}}, \"default\": {}}", "none");
	SCAN_EQ("Pipfile.lock", "{\"_meta\": {\"requires\": {\"python_version\": \"3\"}}}",
		"error@1: _meta.requires.python_version is not X.Y");
	SCAN_EQ("Pipfile.lock", "{\"_meta\": {\"requires\": {\"python_version\": 3.1}}}",
		"error@1: _meta.requires.python_version is not X.Y");
	SCAN_EQ("Pipfile.lock", "{\"_meta\": ", "error@1: is not JSON");
}
END_TEST

/* requires-python: the oldest 3.x a specifier admits. */
START_TEST(test_requires_python)
{
	SCAN_EQ("pyproject.toml", "[project]\nname = \"app\"\nrequires-python = \">=3.10\"\n",
		"3.10@3");
	SCAN_EQ("pyproject.toml", "[project]\nrequires-python = \">=3.9,<3.13\"\n", "3.9@2");
	SCAN_EQ("pyproject.toml", "[project]\nrequires-python = \"~=3.11\"\n", "3.11@2");
	SCAN_EQ("pyproject.toml", "[project]\nrequires-python = \"==3.12.*\"\n", "3.12@2");
	SCAN_EQ("pyproject.toml", "[project]\nrequires-python = \"==3.12.4\"\n", "3.12@2");
	SCAN_EQ("pyproject.toml", "[project]\nrequires-python = \">3.10\"\n", "3.10@2");
	SCAN_EQ("pyproject.toml", "[project]\nrequires-python = \">=3.10,!=3.10.*\"\n", "3.11@2");
	SCAN_EQ("pyproject.toml", "[project]\nrequires-python = \">=3.8, <4\"\n", "3.8@2");
	SCAN_EQ("pyproject.toml", "[project]\nrequires-python = \">=2.7\"\n", "3.0@2");
	SCAN_EQ("pyproject.toml", "[project]\nrequires-python = \"\"\n", "3.0@2");
	/* no requires-python, or one in another table: no Python named */
	SCAN_EQ("pyproject.toml", "[project]\nname = \"app\"\n", "none");
	SCAN_EQ("pyproject.toml", "[tool.x]\nrequires-python = \">=3.10\"\n", "none");
	SCAN_EQ("pyproject.toml", "[project]\nrequires-python = \">=4\"\n",
		"error@2: requires-python admits no Python 3");
	SCAN_EQ("pyproject.toml", "[project]\nrequires-python = \"<3.0\"\n",
		"error@2: requires-python admits no Python 3");
	SCAN_EQ("pyproject.toml", "[project]\nrequires-python = \">=banana\"\n",
		"error@2: requires-python is not a version specifier");
	/* ag_pins_admits, which reads it */
	ck_assert_int_eq(ag_pins_admits(">=3.10", 3, 10, 0), 1);
	ck_assert_int_eq(ag_pins_admits(">=3.10", 3, 9, 99), 0);
	ck_assert_int_eq(ag_pins_admits(">=3.9,<3.12 || ==3.13.*", 3, 12, 0), 0);
	ck_assert_int_eq(ag_pins_admits(">=3.9,<3.12 || ==3.13.*", 3, 13, 2), 1);
	ck_assert_int_eq(ag_pins_admits("", 3, 1, 0), 1);
	ck_assert_int_eq(ag_pins_admits("==", 3, 1, 0), -1);
}
END_TEST

START_TEST(test_set_clamps)
{
	struct ag_pyver pv = {0};
	ag_pyver_set(&pv, 3, 11, ".python-version:1");
	ck_assert_int_eq(pv.minor, 11);
	ck_assert_str_eq(pv.text, "3.11");
	ck_assert_str_eq(pv.from, ".python-version:1");
	ck_assert_ptr_null(pv.warning);
	/* newer: the newest grammar, and a warning (it may refuse valid syntax) */
	ag_pyver_set(&pv, 3, 14, "runtime.txt:1");
	ck_assert_int_eq(pv.minor, AG_PYPARSE_MAX_MINOR);
	ck_assert_ptr_nonnull(pv.warning);
	ck_assert(pv.warn_newer);
	ck_assert_msg(strstr(pv.warning, "runtime.txt:1: Python 3.14 is newer") &&
			      strstr(pv.warning, "judging with 3.13's"),
		      "%s", pv.warning);
	ag_pyver_set(&pv, 4, 0, NULL);
	ck_assert_int_eq(pv.minor, AG_PYPARSE_MAX_MINOR);
	ck_assert(pv.warn_newer);
	/* older: the oldest grammar, and a note */
	ag_pyver_set(&pv, 2, 7, "runtime.txt:1");
	ck_assert_int_eq(pv.minor, AG_PYPARSE_MIN_MINOR);
	ck_assert_str_eq(pv.text, "3.8");
	ck_assert(!pv.warn_newer);
	ck_assert_msg(strstr(pv.warning, "Python 2.7 is older"), "%s", pv.warning);
	ag_pyver_set(&pv, 3, 7, "x");
	ck_assert_int_eq(pv.minor, AG_PYPARSE_MIN_MINOR);
	ag_pyver_free(&pv);
	ag_pyver_free(&pv); /* zeroed: fine */
	ag_pyver_free(NULL);
}
END_TEST

static void put(const char *dir, const char *name, const char *text)
{
	char *p = ag_printf("%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	free(p);
}

static void rm(const char *dir, const char *name)
{
	char *p = ag_printf("%s/%s", dir, name);
	ck_assert_int_eq(unlink(p), 0);
	free(p);
}

/* The buildpack's order: runtime.txt, .python-version, Pipfile.lock; then
 * requires-python; the first file present decides, even unreadable. */
START_TEST(test_find)
{
	char tmpl[] = "/tmp/ag-pyver.XXXXXX";
	char *dir = mkdtemp(tmpl);
	ck_assert_ptr_nonnull(dir);
	struct ag_pyver pv = {0};
	struct ag_err err;
	ck_assert_int_eq(ag_pyver_find(&pv, dir, &err), 0);
	ck_assert_int_eq(pv.minor, AG_PYPARSE_MAX_MINOR); /* nothing: the newest */
	ck_assert_str_eq(pv.text, "3.13");
	ck_assert_ptr_null(pv.from);
	ck_assert_ptr_null(pv.warning);
	put(dir, "pyproject.toml", "[project]\nname = \"app\"\nrequires-python = \">=3.9\"\n");
	ck_assert_int_eq(ag_pyver_find(&pv, dir, &err), 0);
	ck_assert_int_eq(pv.minor, 9);
	ck_assert_str_eq(pv.from, "pyproject.toml:3");
	put(dir, "Pipfile.lock", "{\"_meta\": {\"requires\": {\"python_version\": \"3.10\"}}}");
	ck_assert_int_eq(ag_pyver_find(&pv, dir, &err), 0);
	ck_assert_int_eq(pv.minor, 10);
	ck_assert_str_eq(pv.from, "Pipfile.lock:1");
	put(dir, ".python-version", "# pinned\n3.11\n");
	ck_assert_int_eq(ag_pyver_find(&pv, dir, &err), 0);
	ck_assert_int_eq(pv.minor, 11);
	ck_assert_str_eq(pv.from, ".python-version:2");
	/* runtime.txt is deprecated by Heroku, but its buildpack still reads
	 * it first */
	put(dir, "runtime.txt", "python-3.12.4\n");
	ck_assert_int_eq(ag_pyver_find(&pv, dir, &err), 0);
	ck_assert_int_eq(pv.minor, 12);
	ck_assert_str_eq(pv.from, "runtime.txt:1");
	ck_assert_ptr_null(pv.warning);
	/* a malformed first file decides (Heroku stops there too): the newest
	 * grammar, with a warning naming file and line */
	put(dir, "runtime.txt", "python-3.12.4 # prod\n");
	ck_assert_int_eq(ag_pyver_find(&pv, dir, &err), 0);
	ck_assert_int_eq(pv.minor, AG_PYPARSE_MAX_MINOR);
	ck_assert_str_eq(pv.from, "runtime.txt:1");
	ck_assert(pv.warn_newer);
	ck_assert_msg(strstr(pv.warning, "runtime.txt:1 is not python-X.Y") &&
			      strstr(pv.warning, "judging with Python 3.13's grammar"),
		      "%s", pv.warning);
	rm(dir, "runtime.txt");
	put(dir, ".python-version", "3.12\n3.13\n");
	ck_assert_int_eq(ag_pyver_find(&pv, dir, &err), 0);
	ck_assert_str_eq(pv.from, ".python-version:2");
	ck_assert_ptr_nonnull(pv.warning);
	/* a directory where a file was looked for is no version file (the
	 * buildpack's `-f`) */
	rm(dir, ".python-version");
	char *sub = ag_printf("%s/.python-version", dir);
	ck_assert_int_eq(mkdir(sub, 0700), 0);
	ck_assert_int_eq(ag_pyver_find(&pv, dir, &err), 0);
	ck_assert_str_eq(pv.from, "Pipfile.lock:1");
	ck_assert_int_eq(rmdir(sub), 0);
	free(sub);
	/* out of range: clamped, said */
	put(dir, ".python-version", "3.14\n");
	ck_assert_int_eq(ag_pyver_find(&pv, dir, &err), 0);
	ck_assert_int_eq(pv.minor, AG_PYPARSE_MAX_MINOR);
	ck_assert_ptr_nonnull(pv.warning);
	ag_pyver_free(&pv);
	char *cmd = ag_printf("rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
}
END_TEST

/* Any bytes in any of the files: an answer, no crash. */
START_TEST(test_malformed)
{
	static const char *const names[] = {"runtime.txt", ".python-version", "Pipfile.lock",
					    "pyproject.toml"};
	static const char texts[][24] = {"python-3.\0\n12",  "\xff\xfe\0003.12", "3.12\0",
					 "[project\nrequires-", "{\"_meta\":[1,2]}",  "\n\n\n\n",
					 "python-",            "3.12\r3.11",         "\"\"\""};
	static const size_t lens[] = {14, 7, 5, 18, 15, 4, 7, 9, 3};
	for (size_t i = 0; i < AG_ARRAY_LEN(names); i++)
		for (size_t k = 0; k < AG_ARRAY_LEN(texts); k++) {
			char *s = scan(names[i], texts[k], lens[k]);
			ck_assert_msg(strncmp(s, "error@", 6) == 0 || strcmp(s, "none") == 0 ||
					      strchr(s, '.'),
				      "%s", s);
			free(s);
		}
	/* a NUL inside the line is no version */
	char *s = scan(".python-version", "3.12\0", 5);
	ck_assert_msg(strncmp(s, "error@1", 7) == 0, "%s", s);
	free(s);
}
END_TEST

Suite *pyver_suite(void)
{
	Suite *s = suite_create("pyver");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_parse);
	tcase_add_test(tc, test_python_version_file);
	tcase_add_test(tc, test_runtime_txt);
	tcase_add_test(tc, test_pipfile_lock);
	tcase_add_test(tc, test_requires_python);
	tcase_add_test(tc, test_set_clamps);
	tcase_add_test(tc, test_find);
	suite_add_tcase(s, tc);
	TCase *tm = tcase_create("malformed");
	tcase_add_test(tm, test_malformed);
	suite_add_tcase(s, tm);
	return s;
}
