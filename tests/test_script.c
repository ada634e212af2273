/* Tests for lib/script.c: reading one migration file, listing locations. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/alembic.h"
#include "lib/pool.h"
#include "lib/script.h"
#include "lib/util.h"
#include "tests/suites.h"

/* Parses src as the file path, from an exact-size copy. */
static void parse_as(struct ag_script *sc, const char *path, const char *src,
		     const struct ag_defines *defs)
{
	size_t len = strlen(src);
	char *copy = ag_malloc(len);
	memcpy(copy, src, len);
	memset(sc, 0, sizeof *sc);
	ag_script_parse(sc, path, copy, len, defs);
	free(copy);
}

static void parse(struct ag_script *sc, const char *src)
{
	parse_as(sc, "versions/m.py", src, NULL);
}

static const struct ag_finding *finding(const struct ag_script *sc, const char *code)
{
	for (size_t i = 0; i < sc->findings.n; i++)
		if (strcmp(sc->findings.v[i].code, code) == 0)
			return &sc->findings.v[i];
	return NULL;
}

static char *joined(const struct ag_strv *sv)
{
	return ag_strv_join(sv, "|");
}

#define ck_strv(sv, want)                                  \
	do {                                               \
		char *j_ = joined(sv);                     \
		ck_assert_str_eq(j_, (want));              \
		free(j_);                                  \
	} while (0)

/* ---- core ----------------------------------------------------------- */

START_TEST(test_generic)
{
	struct ag_script sc;
	parse(&sc, "\"\"\"add users\n"
		   "\n"
		   "Revision ID: 3fa9c1d2e4b5\n"
		   "Revises: 1a2b3c4d5e6f\n"
		   "Create Date: 2023-04-01 12:00:00\n"
		   "\n"
		   "\"\"\"\n"
		   "from alembic import op\n"
		   "import sqlalchemy as sa\n"
		   "\n"
		   "# revision identifiers, used by Alembic.\n"
		   "revision = '3fa9c1d2e4b5'\n"
		   "down_revision = '1a2b3c4d5e6f'\n"
		   "branch_labels = None\n"
		   "depends_on = None\n"
		   "\n"
		   "\n"
		   "def upgrade():\n"
		   "    op.create_table('users', sa.Column('id', sa.Integer()))\n"
		   "\n"
		   "\n"
		   "def downgrade():\n"
		   "    op.drop_table('users')\n");
	ck_assert_uint_eq(sc.findings.n, 0);
	ck_assert_str_eq(sc.path, "versions/m.py");
	ck_assert_str_eq(sc.name, "m.py");
	ck_assert_str_eq(sc.revision, "3fa9c1d2e4b5");
	ck_assert_int_eq(sc.revision_line, 12);
	ck_assert(sc.has_down);
	ck_assert(sc.down_known);
	ck_strv(&sc.down, "1a2b3c4d5e6f");
	ck_assert_int_eq(sc.down_line, 13);
	ck_assert_uint_eq(sc.labels.n, 0);
	ck_assert_int_eq(sc.labels_line, 14);
	ck_assert_uint_eq(sc.depends.n, 0);
	ck_assert_int_eq(sc.depends_line, 15);
	ck_assert_str_eq(sc.doc.revision, "3fa9c1d2e4b5");
	ck_assert_int_eq(sc.doc.revision_line, 3);
	ck_assert(sc.doc.has_revises);
	ck_strv(&sc.doc.revises, "1a2b3c4d5e6f");
	ck_assert_int_eq(sc.doc.revises_line, 4);
	ck_assert(!sc.annotated);
	ck_assert_int_eq(sc.quote, '\'');
	ag_script_free(&sc);
	ck_assert_ptr_null(sc.path);
	ag_script_free(&sc); /* twice is fine */
	ag_script_free(NULL);
}
END_TEST

START_TEST(test_annotated)
{
	struct ag_script sc;
	parse(&sc, "from typing import Sequence, Union\n"
		   "revision: str = \"ae1027a6acf\"\n"
		   "down_revision: Union[str, None] = None\n"
		   "branch_labels: Union[str, Sequence[str], None] = ('feature',)\n"
		   "depends_on: Union[str, Sequence[str], None] = \"x1\"\n");
	ck_assert_uint_eq(sc.findings.n, 0);
	ck_assert_str_eq(sc.revision, "ae1027a6acf");
	ck_assert(sc.annotated);
	ck_assert_int_eq(sc.quote, '"');
	ck_assert(sc.has_down && sc.down_known);
	ck_assert_uint_eq(sc.down.n, 0);
	ck_strv(&sc.labels, "feature");
	ck_strv(&sc.depends, "x1");
	ag_script_free(&sc);

	/* An annotation without a value binds nothing. */
	parse(&sc, "revision: str\nrevision = 'a'\ndown_revision: str\n");
	ck_assert_str_eq(sc.revision, "a");
	ck_assert(!sc.annotated);
	ck_assert(!sc.has_down);
	ck_assert_ptr_nonnull(finding(&sc, "missing-down-revision"));
	ag_script_free(&sc);
}
END_TEST

START_TEST(test_override)
{
	struct ag_script sc;
	parse(&sc, "revision = 'first'\ndown_revision = 'p1'\nrevision = \"second\"\n"
		   "down_revision = None\n");
	ck_assert_str_eq(sc.revision, "second");
	ck_assert_int_eq(sc.revision_line, 3);
	ck_assert_int_eq(sc.quote, '"');
	ck_assert_uint_eq(sc.down.n, 0);
	ck_assert_int_eq(sc.down_line, 4);
	ag_script_free(&sc);
}
END_TEST

START_TEST(test_module_level_only)
{
	struct ag_script sc;
	parse(&sc, "'''docstring\nrevision = 'in-docstring'\n'''\n"
		   "revision = 'real'\n"
		   "down_revision = None\n"
		   "# revision = 'in-comment'\n"
		   "x = '''\nrevision = 'in-string'\n'''\n"
		   "def upgrade():\n"
		   "    revision = 'in-def'\n"
		   "    down_revision = 'in-def'\n"
		   "class K:\n"
		   "\trevision = 'in-class'\n"
		   "@dec\n"
		   "def f(): revision = 'deco'\n"
		   "f(revision='kwarg')\n"
		   "d = {'revision': 'key'}\n"
		   "op.revision = 'attribute'\n"
		   "x = 1; branch_labels = 'after-semicolon'\n"
		   "import os; depends_on = 'after-import'\n");
	ck_assert_uint_eq(sc.findings.n, 0);
	ck_assert_str_eq(sc.revision, "real");
	ck_assert_int_eq(sc.revision_line, 4);
	ck_assert_uint_eq(sc.down.n, 0);
	ck_strv(&sc.labels, "after-semicolon");
	ck_strv(&sc.depends, "after-import");
	ag_script_free(&sc);
}
END_TEST

/* ---- values --------------------------------------------------------- */

START_TEST(test_values)
{
	static const struct {
		const char *value, *want; /* want: items joined with '|' */
	} cases[] = {
		{"'a'", "a"},
		{"None", ""},
		{"()", ""},
		{"[]", ""},
		{"''", ""},
		{"('a',)", "a"},
		{"['a', 'b']", "a|b"},
		{"('c1', \"c1\")", "c1|c1"}, /* repeats are kept */
		{"('a')", "a"},              /* (x) is x */
		{"(('a'))", "a"},
		{"((('a', 'b')))", "a|b"},
		{"(None)", ""},
		{"'a', 'b'", "a|b"}, /* a bare tuple */
		{"'a',", "a"},
		{"('a'\n 'b',\n 'c')", "ab|c"}, /* implicit concatenation, over lines */
		{"'a' \"b\" '''c'''", "abc"},
		{"'x' \\\n 'y'", "xy"},
		{"u'\\u00e9'", "\xc3\xa9"},
		{"r'\\d'", "\\d"},
		{"f'{{x}}'", "{x}"},
		{"[\n  'a',  # comment\n  'b',\n]", "a|b"},
	};
	for (size_t i = 0; i < AG_ARRAY_LEN(cases); i++) {
		struct ag_script sc;
		char *src = ag_printf("revision = 'r'\ndown_revision = %s\nx = 1\n", cases[i].value);
		parse(&sc, src);
		ck_assert_msg(sc.findings.n == 0, "%s: %s", cases[i].value,
			      sc.findings.n ? sc.findings.v[0].message : "");
		ck_assert(sc.has_down && sc.down_known);
		char *j = joined(&sc.down);
		ck_assert_msg(strcmp(j, cases[i].want) == 0, "%s -> '%s', want '%s'", cases[i].value, j,
			      cases[i].want);
		ck_assert_int_eq(sc.down_line, 2);
		free(j);
		ag_script_free(&sc);
		free(src);
	}
}
END_TEST

START_TEST(test_names)
{
	struct ag_script sc;
	/* Chained assignment. */
	parse(&sc, "revision = down_revision = 'x'\n");
	ck_assert_str_eq(sc.revision, "x");
	ck_strv(&sc.down, "x");
	ag_script_free(&sc);
	parse(&sc, "a = revision = 'x'\ndown_revision = None\n");
	ck_assert_str_eq(sc.revision, "x"); /* `revision` need not come first */
	ck_assert_uint_eq(sc.findings.n, 0);
	ag_script_free(&sc);

	/* Names from earlier module-level assignments. */
	parse(&sc, "BRANCH = \"expand\"\nPARENT = 'p'\nP2 = PARENT\n"
		   "revision = 'r'\ndown_revision = (P2, 'q')\nbranch_labels = (BRANCH,)\n"
		   "depends_on = revision\n");
	ck_assert_uint_eq(sc.findings.n, 0);
	ck_strv(&sc.down, "p|q");
	ck_strv(&sc.labels, "expand");
	ck_strv(&sc.depends, "r");
	ag_script_free(&sc);

	/* A name assigned later, or only inside a function, is unknown. */
	parse(&sc, "def f():\n    B = 'x'\nrevision = 'r'\ndown_revision = None\nbranch_labels = B\n"
		   "B = 'late'\n");
	ck_assert_ptr_nonnull(finding(&sc, "unresolved-value"));
	ag_script_free(&sc);

	/* --define, dotted names included; a define wins over a local. */
	struct ag_defines defs = {0};
	ag_defines_set(&defs, "cli.EXPAND_BRANCH", "expand");
	ag_defines_set(&defs, "PARENT", "wrong");
	ag_defines_set(&defs, "PARENT", "from-define"); /* set again: replaced */
	ck_assert_uint_eq(defs.names.n, 2);
	ck_assert_str_eq(ag_defines_get(&defs, "PARENT"), "from-define");
	ck_assert_ptr_null(ag_defines_get(&defs, "nope"));
	ck_assert_ptr_null(ag_defines_get(NULL, "PARENT"));
	parse_as(&sc, "v/m.py",
		 "import cli\nPARENT = 'local'\nrevision = 'r'\ndown_revision = PARENT\n"
		 "branch_labels = cli.EXPAND_BRANCH\ndepends_on = [cli . EXPAND_BRANCH, 'z']\n",
		 &defs);
	ck_assert_uint_eq(sc.findings.n, 0);
	ck_strv(&sc.down, "from-define");
	ck_strv(&sc.labels, "expand");
	ck_strv(&sc.depends, "expand|z");
	ag_script_free(&sc);
	ag_defines_free(&defs);
	ck_assert_uint_eq(defs.names.n, 0);
}
END_TEST

START_TEST(test_unresolved)
{
	static const struct {
		const char *value, *excerpt;
		bool is_name;
	} cases[] = {
		{"\"g\" + \"1\"", "\"g\" + \"1\"", false},
		{"make_id()", "make_id()", false},
		{"'%s' % x", "'%s' % x", false},
		{"'x'.upper()", "'x'.upper()", false},
		{"f'{base}_2'", "f'{base}_2'", false},
		{"cli.EXPAND_BRANCH", "cli.EXPAND_BRANCH", true},
		{"UNKNOWN", "UNKNOWN", true},
		{"('a', other.NAME)", "other.NAME", true},
		{"('a', 'b' + 'c')", "('a', 'b' + 'c')", false},
		{"('a' + x) + 'b'", "('a' + x) + 'b'", false},
		{"x.y(1)[2]", "x.y(1)[2]", false},
		{"['a', make_id()]", "['a', make_id()]", false},
		{"(NAME)", "NAME", true},
		{"[NAME, 'b']", "NAME", true},
		{"lambda: 'x'", "lambda", false},
		{"'\\N{BULLET}'", "'\\N{BULLET}'", false},
	};
	for (size_t i = 0; i < AG_ARRAY_LEN(cases); i++) {
		struct ag_script sc;
		char *src = ag_printf("revision = 'r'\n\ndown_revision = None\nbranch_labels = %s\n",
				      cases[i].value);
		parse(&sc, src);
		const struct ag_finding *f = finding(&sc, "unresolved-value");
		ck_assert_msg(f != NULL, "%s: no unresolved-value", cases[i].value);
		ck_assert_int_eq(f->severity, AG_SEV_ERROR);
		ck_assert_str_eq(f->file, "versions/m.py");
		ck_assert_int_eq(f->line, 4);
		ck_assert_str_eq(f->revision, "r");
		ck_assert_msg(strstr(f->message, cases[i].excerpt) != NULL, "%s: %s", cases[i].value,
			      f->message);
		ck_assert_ptr_nonnull(strstr(f->message, "branch_labels"));
		ck_assert_ptr_nonnull(f->fix);
		if (cases[i].is_name) {
			char *want = ag_printf("--define %s=VALUE", cases[i].excerpt);
			ck_assert_msg(strstr(f->fix, want) != NULL, "%s", f->fix);
			free(want);
		} else {
			ck_assert_ptr_null(strstr(f->fix, "--define"));
		}
		ag_script_free(&sc);
		free(src);
	}

	/* An unresolved revision or down_revision: the revision is unknown,
	 * but the file is still a migration. */
	struct ag_script sc;
	parse(&sc, "revision = 'g' + '1'\ndown_revision = None\n");
	ck_assert_ptr_null(sc.revision);
	ck_assert_int_eq(sc.revision_line, 1);
	ck_assert_ptr_nonnull(finding(&sc, "unresolved-value"));
	ck_assert_ptr_null(finding(&sc, "not-a-migration"));
	ag_script_free(&sc);
	parse(&sc, "revision = 'r'\ndown_revision = PARENT\n");
	ck_assert(sc.has_down);
	ck_assert(!sc.down_known);
	ck_assert_uint_eq(sc.down.n, 0);
	ck_assert_ptr_nonnull(finding(&sc, "unresolved-value"));
	ck_assert_ptr_null(finding(&sc, "missing-down-revision"));
	ag_script_free(&sc);

	/* A long expression is cut on a character boundary. */
	struct ag_buf src = {0};
	ag_buf_adds(&src, "revision = 'r'\ndown_revision = None\nbranch_labels = 'x' + '");
	for (int i = 0; i < 100; i++)
		ag_buf_adds(&src, "\xc3\xa9");
	ag_buf_adds(&src, "'\n");
	parse(&sc, src.p);
	const struct ag_finding *f = finding(&sc, "unresolved-value");
	ck_assert_ptr_nonnull(f);
	const char *tick = strchr(f->message, '`');
	const char *end = strchr(tick + 1, '`');
	ck_assert_uint_le((size_t)(end - tick - 1), 80);
	ck_assert_int_ne((unsigned char)end[-1], 0xc3); /* no half character */
	ag_script_free(&sc);
	ag_buf_free(&src);
}
END_TEST

START_TEST(test_not_str)
{
	static const char *const values[] = {"42", "1.5", "True", "b'abc'", "rb'x'", "('a', 1)",
					     "['a', None]", "('a', ('b',))", "'\\x4'"};
	for (size_t i = 0; i < AG_ARRAY_LEN(values); i++) {
		struct ag_script sc;
		char *src = ag_printf("revision = 'r'\ndown_revision = %s\n", values[i]);
		parse(&sc, src);
		const struct ag_finding *f = finding(&sc, "parse-error");
		ck_assert_msg(f != NULL, "%s: no parse-error", values[i]);
		ck_assert_int_eq(f->line, 2);
		ck_assert_str_eq(f->file, "versions/m.py");
		ck_assert_ptr_null(finding(&sc, "unresolved-value"));
		ck_assert(!sc.down_known);
		ag_script_free(&sc);
		free(src);
	}
	/* revision must be a str: None and tuples are errors. */
	static const char *const revs[] = {"None", "('a',)", "42"};
	for (size_t i = 0; i < AG_ARRAY_LEN(revs); i++) {
		struct ag_script sc;
		char *src = ag_printf("revision = %s\ndown_revision = None\n", revs[i]);
		parse(&sc, src);
		ck_assert_ptr_null(sc.revision);
		const struct ag_finding *f = finding(&sc, "parse-error");
		ck_assert_msg(f != NULL, "%s", revs[i]);
		ck_assert_int_eq(f->line, 1);
		ck_assert_ptr_null(finding(&sc, "not-a-migration"));
		ag_script_free(&sc);
		free(src);
	}
}
END_TEST

/* ---- docstring, missing values, style ------------------------------- */

START_TEST(test_docstring)
{
	struct ag_script sc;
	parse(&sc, "\"\"\"merge\n\n  Revision ID: m1  \nRevises: a, b,c\n\"\"\"\n"
		   "revision = 'm1'\ndown_revision = ('a', 'b', 'c')\n");
	ck_assert_str_eq(sc.doc.revision, "m1");
	ck_assert_int_eq(sc.doc.revision_line, 3);
	ck_strv(&sc.doc.revises, "a|b|c");
	ck_assert_int_eq(sc.doc.revises_line, 4);
	ag_script_free(&sc);

	/* Empty Revises (a base); a CRLF file; single-quoted docstring. */
	parse(&sc, "'''first\r\n\r\nRevision ID: b1\r\nRevises:\r\n'''\r\n"
		   "revision = 'b1'\r\ndown_revision = None\r\n");
	ck_assert_str_eq(sc.doc.revision, "b1");
	ck_assert(sc.doc.has_revises);
	ck_assert_uint_eq(sc.doc.revises.n, 0);
	ck_assert_int_eq(sc.revision_line, 6);
	ag_script_free(&sc);

	/* Only the module docstring counts: not a later string, not one after
	 * code. */
	parse(&sc, "import x\n\"\"\"Revision ID: late\"\"\"\nrevision = 'r'\ndown_revision = None\n");
	ck_assert_ptr_null(sc.doc.revision);
	ck_assert(!sc.doc.has_revises);
	ag_script_free(&sc);

	/* A docstring that is an f-string with fields is not read. */
	parse(&sc, "f'''Revision ID: {x}'''\nrevision = 'r'\ndown_revision = None\n");
	ck_assert_ptr_null(sc.doc.revision);
	ag_script_free(&sc);

	/* Concatenated docstring pieces. */
	parse(&sc, "('Revision ID: c1\\n'\n 'Revises: c0')\nrevision = 'c1'\ndown_revision = 'c0'\n");
	/* parenthesised: still the module's __doc__ (CPython 3.11 says so) */
	ck_assert_str_eq(sc.doc.revision, "c1");
	ck_assert_int_eq(sc.doc.revises_line, 2);
	ag_script_free(&sc);
	parse(&sc, "'Revision ID: c1\\n' \\\n'Revises: c0'\nrevision = 'c1'\ndown_revision = 'c0'\n");
	ck_assert_str_eq(sc.doc.revision, "c1");
	ck_strv(&sc.doc.revises, "c0");
	ag_script_free(&sc);
}
END_TEST

START_TEST(test_missing)
{
	struct ag_script sc;
	/* No revision in a file whose name is not a hex id. */
	parse_as(&sc, "loc/helpers.py", "import os\n\ndef util():\n    pass\n", NULL);
	ck_assert_ptr_null(sc.revision);
	const struct ag_finding *f = finding(&sc, "not-a-migration");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(f->severity, AG_SEV_ERROR);
	ck_assert_str_eq(f->file, "loc/helpers.py");
	ck_assert_int_eq(f->line, 1);
	ck_assert_ptr_nonnull(strstr(f->message, "Could not determine revision id from filename"));
	ck_assert_ptr_nonnull(f->fix);
	ck_assert_ptr_null(finding(&sc, "missing-down-revision")); /* one finding is enough */
	ag_script_free(&sc);

	/* A hex file name gives the id (Alembic's legacy rule). */
	parse_as(&sc, "loc/3fa9.py", "down_revision = None\n", NULL);
	ck_assert_str_eq(sc.revision, "3fa9");
	ck_assert_int_eq(sc.revision_line, 0);
	ck_assert_uint_eq(sc.findings.n, 0);
	ag_script_free(&sc);
	parse_as(&sc, "loc/3FA9.py", "down_revision = None\n", NULL); /* [a-f0-9] only */
	ck_assert_ptr_nonnull(finding(&sc, "not-a-migration"));
	ag_script_free(&sc);
	parse_as(&sc, "loc/3fa9_x.py", "down_revision = None\n", NULL);
	ck_assert_ptr_nonnull(finding(&sc, "not-a-migration"));
	ag_script_free(&sc);
	parse_as(&sc, "loc/abc.py", "", NULL); /* hex name, no down_revision */
	ck_assert_str_eq(sc.revision, "abc");
	f = finding(&sc, "missing-down-revision");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(f->line, 1);
	ag_script_free(&sc);

	/* revision without down_revision. */
	parse(&sc, "\n\nrevision = 'r1'\nbranch_labels = None\n");
	f = finding(&sc, "missing-down-revision");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(f->severity, AG_SEV_ERROR);
	ck_assert_str_eq(f->revision, "r1");
	ck_assert_int_eq(f->line, 3);
	ck_assert_ptr_nonnull(strstr(f->fix, "down_revision = None"));
	ck_assert(!sc.has_down);
	ag_script_free(&sc);
}
END_TEST

START_TEST(test_style)
{
	struct ag_script sc;
	parse(&sc, "revision: str = 'a'\ndown_revision = None\n");
	ck_assert(sc.annotated);
	ck_assert_int_eq(sc.quote, '\'');
	ag_script_free(&sc);
	parse(&sc, "revision = \"a\"\ndown_revision = None\n");
	ck_assert(!sc.annotated);
	ck_assert_int_eq(sc.quote, '"');
	ag_script_free(&sc);
	parse(&sc, "revision = '''a'''\ndown_revision = None\n");
	ck_assert_int_eq(sc.quote, '\'');
	ag_script_free(&sc);
}
END_TEST

/* ---- errors --------------------------------------------------------- */

/* revision, down_revision = ...: each name gets its element, as Python
 * unpacks; what only running Python can tell stays unresolved. */
START_TEST(test_unpacking)
{
	struct ag_script sc;
	parse(&sc, "revision, down_revision = 'tu1', None\nbranch_labels = depends_on = None\n");
	ck_assert_uint_eq(sc.findings.n, 0);
	ck_assert_str_eq(sc.revision, "tu1");
	ck_assert(sc.has_down && sc.down_known);
	ck_assert_uint_eq(sc.down.n, 0);
	ck_assert_int_eq(sc.down_line, 1);
	ag_script_free(&sc);

	parse(&sc, "revision, down_revision = (\n    'tu2',\n    ('a', 'b'),\n)\n");
	ck_assert_uint_eq(sc.findings.n, 0);
	ck_assert_str_eq(sc.revision, "tu2");
	ck_strv(&sc.down, "a|b");
	ag_script_free(&sc);

	parse(&sc, "x = 'tu3'\nrevision, down_revision = [x, 'tu2']\n");
	ck_assert_str_eq(sc.revision, "tu3");
	ck_strv(&sc.down, "tu2");
	ag_script_free(&sc);

	/* One value for two names, or an expression: only Python knows. */
	parse(&sc, "revision, down_revision = pair\n");
	ck_assert_ptr_nonnull(finding(&sc, "unresolved-value"));
	ag_script_free(&sc);
	parse(&sc, "revision, down_revision = ('a', 'b') + ()\n");
	const struct ag_finding *f = finding(&sc, "unresolved-value");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(strstr(f->message, "`('a', 'b') + ()`"));
	ag_script_free(&sc);

	/* One object, not a display: Python iterates it ("abc" unpacks into
	 * three characters, None not at all), so it is not the value. */
	static const char *const one_object[] = {
		"revision, = 'abc'\ndown_revision = None\n",
		"revision = 'a'\ndown_revision, = None\n",
		"revision, = ('abc')\ndown_revision = None\n",
	};
	for (size_t i = 0; i < AG_ARRAY_LEN(one_object); i++) {
		parse(&sc, one_object[i]);
		ck_assert_msg(finding(&sc, "unresolved-value") != NULL, "%s", one_object[i]);
		ag_script_free(&sc);
	}
	/* A display of one: the element. */
	parse(&sc, "revision, = ('a1',)\ndown_revision, = [None]\n");
	ck_assert_uint_eq(sc.findings.n, 0);
	ck_assert_str_eq(sc.revision, "a1");
	ck_assert(sc.has_down && sc.down.n == 0);
	ag_script_free(&sc);

	/* Too few values: the ValueError Python raises on import, and nothing
	 * else about the file. */
	parse(&sc, "revision, down_revision, x = 'a', None\n");
	ck_assert_uint_eq(sc.findings.n, 1);
	ck_assert_ptr_nonnull(finding(&sc, "parse-error"));
	ag_script_free(&sc);
	parse(&sc, "revision, down_revision = ('a',)\n");
	ck_assert_uint_eq(sc.findings.n, 1);
	f = finding(&sc, "parse-error");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(strstr(f->message, "ValueError"));
	ag_script_free(&sc);

	/* Targets that are not plain names set nothing of ours. */
	parse(&sc, "revision = 'r'\ndown_revision = None\na, b.c = 1, 2\n");
	ck_assert_uint_eq(sc.findings.n, 0);
	ck_assert_str_eq(sc.revision, "r");
	ag_script_free(&sc);
}
END_TEST

/* A stray indented line at module level: Python's IndentationError, which
 * stops Alembic from loading the file. */
START_TEST(test_indentation)
{
	struct ag_script sc;
	parse(&sc, "revision = 'a'\ndown_revision = None\n    branch_labels = None\n");
	ck_assert_uint_eq(sc.findings.n, 1);
	const struct ag_finding *f = finding(&sc, "parse-error");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(f->line, 3);
	ck_assert_ptr_nonnull(strstr(f->message, "unexpected indent"));
	ag_script_free(&sc);
	/* A form feed at the start of a line resets the column. */
	parse(&sc, "revision = 'ff1'\n\014down_revision = None\n");
	ck_assert_uint_eq(sc.findings.n, 0);
	ck_assert(sc.has_down);
	ag_script_free(&sc);
}
END_TEST

START_TEST(test_parse_errors)
{
	static const struct {
		const char *src;
		int line;
	} cases[] = {
		{"revision = 'r'\ndown_revision = 'unterminated\n", 2},
		{"revision = 'r'\ndown_revision = (\n'a',\n", 2},
		{"revision = 'r'\ndown_revision = None\nx = ]\n", 3},
		{"revision = 'r'\n\n\ndown_revision = \"\"\"never\n", 4},
		{"revision = 'r'\ndown_revision = None $\n", 2},
		{"revision = 'r'\ndown_revision = None # \xff\n", 2},
		{"revision = 'r'\ndown_revision = r'\\'\n", 2},
	};
	for (size_t i = 0; i < AG_ARRAY_LEN(cases); i++) {
		struct ag_script sc;
		parse(&sc, cases[i].src);
		/* One parse-error, and nothing that the error makes up. */
		ck_assert_msg(sc.findings.n == 1, "%zu: %zu findings", i, sc.findings.n);
		const struct ag_finding *f = finding(&sc, "parse-error");
		ck_assert_ptr_nonnull(f);
		ck_assert_int_eq(f->line, cases[i].line);
		ck_assert_str_eq(f->file, "versions/m.py");
		ck_assert_ptr_nonnull(strstr(f->message, "column"));
		ag_script_free(&sc);
	}
	/* A NUL byte: the length counts, not the terminator. */
	struct ag_script sc;
	memset(&sc, 0, sizeof sc);
	ag_script_parse(&sc, "v/n.py", "revision = 'r'\0\n", 16, NULL);
	ck_assert_ptr_nonnull(finding(&sc, "parse-error"));
	ag_script_free(&sc);
	/* Regression (fuzz): an expression cut short by an error or the end of
	 * the file inside brackets. The excerpt for the message was measured
	 * up to the error token, whose text is a static message, and read past
	 * the end of the buffer. parse() copies into an exact-size buffer. */
	static const char *const cut[] = {
		"revision = 'r'\ndown_revision = [('a',), ['b' + x",
		"revision = 'r'\ndown_revision = ['a' $",
		"revision = 'r'\ndown_revision = ('a', f(x) 'unterminated",
		"revision = 'r'\ndown_revision = 'a' + (",
		"revision = 'r'\ndown_revision = [[[[[(((\ndef f(a, b=(1,\n 2ase, metaclass=M):\n \x19\x19v}\n",
	};
	for (size_t i = 0; i < AG_ARRAY_LEN(cut); i++) {
		parse(&sc, cut[i]);
		ck_assert_msg(finding(&sc, "parse-error") != NULL, "%s", cut[i]);
		ck_assert_ptr_null(finding(&sc, "unresolved-value"));
		ag_script_free(&sc);
	}
	/* Syntax the value parser does not take. */
	parse(&sc, "revision =\ndown_revision = None\n");
	ck_assert_ptr_nonnull(finding(&sc, "parse-error"));
	ck_assert(sc.has_down); /* the next statement is still read */
	ag_script_free(&sc);
	parse(&sc, "revision = 'r'\ndown_revision = ('a', 'b'\n]\n");
	ck_assert_ptr_nonnull(finding(&sc, "parse-error"));
	ag_script_free(&sc);
	parse(&sc, "revision = 'r'\ndown_revision = 'a' = 'b'\n");
	ck_assert_uint_ge(sc.findings.n, 1);
	ag_script_free(&sc);
	/* Empty and whitespace-only files. */
	parse_as(&sc, "v/empty.py", "", NULL);
	ck_assert_ptr_nonnull(finding(&sc, "not-a-migration"));
	ag_script_free(&sc);
	parse_as(&sc, "v/blank.py", "\n\n  \n", NULL);
	ck_assert_ptr_nonnull(finding(&sc, "not-a-migration"));
	ag_script_free(&sc);
}
END_TEST

/* ---- candidates and loading ----------------------------------------- */

START_TEST(test_candidate)
{
	ck_assert(ag_script_is_candidate("x.py"));
	ck_assert(ag_script_is_candidate("3fa9_add_users.py"));
	ck_assert(ag_script_is_candidate(".hidden.py"));
	ck_assert(ag_script_is_candidate("_init__.py"));
	ck_assert(!ag_script_is_candidate("__init__.py"));
	ck_assert(!ag_script_is_candidate("__init__x.py"));
	ck_assert(!ag_script_is_candidate(".#x.py")); /* an Emacs lock file */
	ck_assert(!ag_script_is_candidate("x.pyc"));
	ck_assert(!ag_script_is_candidate("x.pyo"));
	ck_assert(!ag_script_is_candidate("x.py~"));
	ck_assert(!ag_script_is_candidate("x.PY"));
	ck_assert(!ag_script_is_candidate("x.txt"));
	ck_assert(!ag_script_is_candidate("py"));
	ck_assert(!ag_script_is_candidate(""));
}
END_TEST

static char *tmpdir(void)
{
	char *d = ag_strdup("/tmp/ag-test-script-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(d));
	return d;
}

static void put(const char *dir, const char *name, const char *content)
{
	char *p = ag_printf("%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	ck_assert_msg(f != NULL, "%s: %s", p, strerror(errno));
	fputs(content, f);
	fclose(f);
	free(p);
}

static void sub(const char *dir, const char *name)
{
	char *p = ag_printf("%s/%s", dir, name);
	ck_assert_int_eq(mkdir(p, 0755), 0);
	free(p);
}

static void rm_rf(const char *dir)
{
	char *cmd = ag_printf("rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
}

static const struct ag_script *by_name(const struct ag_scripts *ss, const char *name)
{
	for (size_t i = 0; i < ss->n; i++)
		if (strcmp(ss->v[i].name, name) == 0)
			return &ss->v[i];
	return NULL;
}

#define MIG(rev, down) "revision = '" rev "'\ndown_revision = " down "\n"

START_TEST(test_load)
{
	char *d = tmpdir();
	put(d, "a1_first.py", MIG("a1", "None"));
	put(d, "b2_second.py", MIG("b2", "'a1'"));
	put(d, "__init__.py", "");
	put(d, "README.txt", "not python");
	put(d, "old.pyc", "\x03\xf3");
	put(d, ".#a1_first.py", "lock");
	sub(d, "__pycache__");
	put(d, "__pycache__/c3.py", MIG("c3", "'b2'"));
	sub(d, "sub");
	put(d, "sub/d4.py", MIG("d4", "'b2'"));
	sub(d, "sub/deeper");
	put(d, "sub/deeper/e5.py", MIG("e5", "'d4'"));

	struct ag_strv locs = {0};
	ag_strv_push(&locs, d);
	struct ag_scripts ss = {0};
	struct ag_err err = {0};
	ck_assert_int_eq(ag_scripts_load(&ss, &locs, false, NULL, &err), 0);
	ck_assert_uint_eq(ss.n, 2);
	ck_assert_uint_eq(ss.findings.n, 0);
	const struct ag_script *a = by_name(&ss, "a1_first.py");
	ck_assert_ptr_nonnull(a);
	ck_assert_str_eq(a->revision, "a1");
	ck_assert_uint_eq(a->location, 0);
	char *want = ag_printf("%s/a1_first.py", d);
	ck_assert_str_eq(a->path, want);
	free(want);
	ck_assert_str_eq(by_name(&ss, "b2_second.py")->down.v[0], "a1");
	ag_scripts_free(&ss);
	ck_assert_uint_eq(ss.n, 0);

	/* Recursive: subfolders too, never __pycache__. */
	ck_assert_int_eq(ag_scripts_load(&ss, &locs, true, NULL, &err), 0);
	ck_assert_uint_eq(ss.n, 4);
	ck_assert_ptr_nonnull(by_name(&ss, "d4.py"));
	ck_assert_ptr_nonnull(by_name(&ss, "e5.py"));
	ck_assert_ptr_null(by_name(&ss, "c3.py"));
	ck_assert_str_eq(by_name(&ss, "e5.py")->revision, "e5");
	ag_scripts_free(&ss);
	ag_strv_free(&locs);
	rm_rf(d);
	free(d);
}
END_TEST

START_TEST(test_load_locations)
{
	char *d1 = tmpdir(), *d2 = tmpdir();
	put(d1, "a.py", MIG("a", "None"));
	put(d2, "b.py", MIG("b", "'a'"));
	struct ag_strv locs = {0};
	ag_strv_push(&locs, "/nonexistent/ag-test/versions");
	ag_strv_push(&locs, d1);
	ag_strv_push(&locs, d2);
	ag_strv_push(&locs, d1); /* twice: read once */
	struct ag_scripts ss = {0};
	struct ag_err err = {0};
	ck_assert_int_eq(ag_scripts_load(&ss, &locs, false, NULL, &err), 0);
	ck_assert_uint_eq(ss.n, 2);
	ck_assert_uint_eq(by_name(&ss, "a.py")->location, 1);
	ck_assert_uint_eq(by_name(&ss, "b.py")->location, 2);
	ck_assert_uint_eq(ss.findings.n, 2);
	ck_assert_str_eq(ss.findings.v[0].code, "missing-version-location");
	ck_assert_int_eq(ss.findings.v[0].severity, AG_SEV_WARNING);
	ck_assert_ptr_nonnull(strstr(ss.findings.v[0].message, "/nonexistent/ag-test/versions"));
	ck_assert_ptr_nonnull(strstr(ss.findings.v[1].message, "twice"));
	ag_scripts_free(&ss);
	ag_strv_free(&locs);

	/* No location exists: a configuration error. */
	ag_strv_push(&locs, "/nonexistent/ag-test/one");
	put(d1, "file.txt", "");
	char *file = ag_printf("%s/file.txt", d1);
	ag_strv_push(&locs, file); /* a file is not a directory */
	ck_assert_int_eq(ag_scripts_load(&ss, &locs, false, NULL, &err), -1);
	ck_assert_int_eq(err.kind, AG_ERR_CONFIG);
	ck_assert_ptr_nonnull(strstr(err.msg, "/nonexistent/ag-test/one"));
	ag_scripts_free(&ss);
	ag_strv_free(&locs);
	free(file);

	/* None configured. */
	memset(&err, 0, sizeof err);
	ck_assert_int_eq(ag_scripts_load(&ss, &locs, false, NULL, &err), -1);
	ck_assert_int_eq(err.kind, AG_ERR_CONFIG);
	ck_assert_ptr_nonnull(strstr(err.msg, "none configured"));
	ag_scripts_free(&ss);

	/* An empty location is fine: no scripts. */
	char *d3 = tmpdir();
	ag_strv_push(&locs, d3);
	ck_assert_int_eq(ag_scripts_load(&ss, &locs, true, NULL, &err), 0);
	ck_assert_uint_eq(ss.n, 0);
	ag_scripts_free(&ss);
	ag_strv_free(&locs);
	rm_rf(d1);
	rm_rf(d2);
	rm_rf(d3);
	free(d1);
	free(d2);
	free(d3);
}
END_TEST

START_TEST(test_load_odd_files)
{
	char *d = tmpdir();
	put(d, "a.py", MIG("a", "None"));
	char *p;
	/* A dangling symlink named like a migration: skipped (Alembic would
	 * fail to open it; there is nothing to read). */
	p = ag_printf("%s/dangling.py", d);
	ck_assert_int_eq(symlink("/nonexistent/ag-test/target.py", p), 0);
	free(p);
	/* A FIFO: skipped, never opened (opening it would block). */
	p = ag_printf("%s/fifo.py", d);
	ck_assert_int_eq(mkfifo(p, 0644), 0);
	free(p);
	/* A directory named x.py, without --recursive: skipped. */
	sub(d, "dir.py");
	/* A symlink to a migration elsewhere is read. */
	char *other = tmpdir();
	put(other, "real.py", MIG("linked", "'a'"));
	char *target = ag_printf("%s/real.py", other);
	p = ag_printf("%s/link.py", d);
	ck_assert_int_eq(symlink(target, p), 0);
	free(p);
	free(target);

	struct ag_strv locs = {0};
	ag_strv_push(&locs, d);
	struct ag_scripts ss = {0};
	struct ag_err err = {0};
	ck_assert_int_eq(ag_scripts_load(&ss, &locs, false, NULL, &err), 0);
	ck_assert_uint_eq(ss.n, 2);
	ck_assert_ptr_nonnull(by_name(&ss, "a.py"));
	ck_assert_str_eq(by_name(&ss, "link.py")->revision, "linked");
	ag_scripts_free(&ss);

	/* Recursive: a link to a directory is not followed (os.walk does
	 * not), so a link back up the tree lists nothing twice; a link to a
	 * FIFO is not opened. */
	sub(d, "real");
	put(d, "real/r.py", MIG("r", "'a'"));
	p = ag_printf("%s/loop", d);
	ck_assert_int_eq(symlink(d, p), 0);
	free(p);
	p = ag_printf("%s/other", d);
	ck_assert_int_eq(symlink(other, p), 0);
	free(p);
	target = ag_printf("%s/fifo.py", d);
	p = ag_printf("%s/fifolink.py", d);
	ck_assert_int_eq(symlink(target, p), 0);
	free(p);
	free(target);
	ck_assert_int_eq(ag_scripts_load(&ss, &locs, true, NULL, &err), 0);
	ck_assert_uint_eq(ss.n, 3); /* a.py, link.py, real/r.py */
	ck_assert_ptr_nonnull(by_name(&ss, "r.py"));
	ck_assert_ptr_null(by_name(&ss, "real.py"));
	ag_scripts_free(&ss);
	ag_strv_free(&locs);
	rm_rf(d);
	rm_rf(other);
	free(d);
	free(other);
}
END_TEST

START_TEST(test_load_unreadable)
{
	char *d = tmpdir();
	put(d, "a.py", MIG("a", "None"));
	char *p = ag_printf("%s/b.py", d);
	if (geteuid() == 0) {
		/* Root reads any mode: a file whose read fails (EIO) instead. */
		ck_assert_int_eq(symlink("/proc/self/mem", p), 0);
	} else {
		put(d, "b.py", MIG("b", "'a'"));
		ck_assert_int_eq(chmod(p, 0), 0);
	}
	struct ag_strv locs = {0};
	ag_strv_push(&locs, d);
	struct ag_scripts ss = {0};
	struct ag_err err = {0};
	ck_assert_int_eq(ag_scripts_load(&ss, &locs, false, NULL, &err), -1);
	ck_assert_int_eq(err.kind, AG_ERR_IO);
	ck_assert_ptr_nonnull(strstr(err.msg, "b.py"));
	ag_scripts_free(&ss);

	/* An unreadable version location. */
	if (geteuid() != 0) {
		unlink(p);
		char *s = ag_printf("%s/locked", d);
		ck_assert_int_eq(mkdir(s, 0), 0);
		ag_strv_free(&locs);
		ag_strv_push(&locs, s);
		memset(&err, 0, sizeof err);
		ck_assert_int_eq(ag_scripts_load(&ss, &locs, false, NULL, &err), -1);
		ck_assert_int_eq(err.kind, AG_ERR_IO);
		ag_scripts_free(&ss);
		chmod(s, 0755);
		free(s);
	}
	ag_strv_free(&locs);
	free(p);
	rm_rf(d);
	free(d);
}
END_TEST

/* Everything a load produced, as text: the scripts in order with their
 * values and findings, then the listing's findings. */
static char *snapshot(const struct ag_scripts *ss)
{
	struct ag_buf b = {0};
	for (size_t i = 0; i < ss->n; i++) {
		const struct ag_script *sc = &ss->v[i];
		char *down = joined(&sc->down);
		char *line = ag_printf("%s rev=%s:%d down=%s:%d:%d labels=%zu doc=%s\n", sc->path,
				       sc->revision ? sc->revision : "-", sc->revision_line, down,
				       sc->has_down, sc->down_line, sc->labels.n,
				       sc->doc.revision ? sc->doc.revision : "-");
		ag_buf_adds(&b, line);
		free(line);
		free(down);
		for (size_t k = 0; k < sc->findings.n; k++) {
			const struct ag_finding *f = &sc->findings.v[k];
			line = ag_printf("  %s %d %s | %s\n", f->code, f->line, f->message,
					 f->fix ? f->fix : "-");
			ag_buf_adds(&b, line);
			free(line);
		}
	}
	for (size_t k = 0; k < ss->findings.n; k++) {
		char *line = ag_printf("listing: %s %s\n", ss->findings.v[k].code,
				       ss->findings.v[k].message);
		ag_buf_adds(&b, line);
		free(line);
	}
	ag_buf_add(&b, "", 0);
	return b.p;
}

static char *load_on(const char *dir, int threads, int *rc, char **errmsg)
{
	struct ag_strv locs = {0};
	ag_strv_push(&locs, dir);
	struct ag_scripts ss = {0};
	struct ag_err err = {0};
	struct ag_scripts_opts o = {.threads = threads, .alembic = 0};
	*rc = ag_scripts_read(&ss, &locs, &o, &err);
	*errmsg = ag_strdup(*rc < 0 ? err.msg : "");
	char *snap = snapshot(&ss);
	ag_scripts_free(&ss);
	ag_strv_free(&locs);
	return snap;
}

/* Many threads read and parse exactly what one does: the same scripts in
 * the same order with the same findings, broken files among them. */
START_TEST(test_load_threads)
{
	char *d = tmpdir();
	static const char *const broken[] = {
		"revision = 'x'\ndown_revision = None\ndef f(:\n    pass\n", /* syntax */
		"x = 1\n",                                                   /* no revision */
		"revision = 'y'\n",                                          /* no down_revision */
		"revision = NAME\ndown_revision = None\n",                   /* unresolved */
		"revision = 'z\n",                                           /* unterminated */
		"revision = '\xff'\ndown_revision = None\n",                 /* bad UTF-8 */
		"if True:\nrevision = 'i'\n",                                /* indentation */
		"revision = 's'\ndown_revision = None\nx = = 1\n",          /* grammar */
	};
	char prev[32] = "None";
	for (int i = 0; i < 300; i++) {
		char name[64], rev[32];
		snprintf(name, sizeof name, "r%03d_step.py", i);
		snprintf(rev, sizeof rev, "r%03d", i);
		if (i % 13 == 5) {
			put(d, name, broken[(i / 13) % AG_ARRAY_LEN(broken)]);
			continue;
		}
		char *src = ag_printf("\"\"\"step\n\nRevision ID: %s\nRevises: %s\n\"\"\"\n"
				      "revision = '%s'\ndown_revision = %s%s%s\n"
				      "def upgrade():\n    op.add_column('t', sa.Column('c%d'))\n",
				      rev, prev, rev, i ? "'" : "", prev, i ? "'" : "", i);
		put(d, name, src);
		free(src);
		snprintf(prev, sizeof prev, "%s", rev);
	}
	int rc1;
	char *msg1;
	char *one = load_on(d, 1, &rc1, &msg1);
	ck_assert_int_eq(rc1, 0);
	ck_assert_ptr_nonnull(strstr(one, "parse-error"));
	ck_assert_ptr_nonnull(strstr(one, "syntax-error"));
	ck_assert_ptr_nonnull(strstr(one, "not-a-migration"));
	for (int rep = 0; rep < 3; rep++) {
		for (int t = 2; t <= AG_POOL_MAX_THREADS; t *= 2) {
			int rc;
			char *msg;
			char *many = load_on(d, t, &rc, &msg);
			ck_assert_int_eq(rc, rc1);
			ck_assert_str_eq(many, one);
			free(many);
			free(msg);
		}
	}
	free(one);
	free(msg1);

	/* Files that fail to read: the error names the first in listing
	 * order, on any number of threads. */
	for (int i = 40; i < 300; i += 60) {
		char *p = ag_printf("%s/r%03d_step.py", d, i);
		unlink(p);
		if (geteuid() == 0) {
			ck_assert_int_eq(symlink("/proc/self/mem", p), 0); /* EIO */
		} else {
			put(d, p + strlen(d) + 1, "revision = 'u'\n");
			ck_assert_int_eq(chmod(p, 0), 0);
		}
		free(p);
	}
	one = load_on(d, 1, &rc1, &msg1);
	ck_assert_int_eq(rc1, -1);
	ck_assert_ptr_nonnull(strstr(msg1, "cannot read"));
	for (int rep = 0; rep < 5; rep++) {
		int rc;
		char *msg;
		char *many = load_on(d, 4, &rc, &msg);
		ck_assert_int_eq(rc, -1);
		ck_assert_str_eq(msg, msg1);
		free(many);
		free(msg);
	}
	free(one);
	free(msg1);
	rm_rf(d);
	free(d);
}
END_TEST

START_TEST(test_load_limits)
{
	/* Enough files for the second reader thread. */
	char *d = tmpdir();
	for (int i = 0; i < 300; i++) {
		char name[32], src[128];
		snprintf(name, sizeof name, "r%03d.py", i);
		if (i == 0)
			snprintf(src, sizeof src, "revision = 'r000'\ndown_revision = None\n");
		else
			snprintf(src, sizeof src, "revision = 'r%03d'\ndown_revision = 'r%03d'\n", i, i - 1);
		put(d, name, src);
	}
	/* A file over the size limit: a finding, not a read of 64 MiB+. */
	char *big = ag_printf("%s/huge.py", d);
	int fd = open(big, O_WRONLY | O_CREAT, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, (off_t)(65u << 20)), 0);
	close(fd);
	free(big);

	struct ag_strv locs = {0};
	ag_strv_push(&locs, d);
	struct ag_scripts ss = {0};
	struct ag_err err = {0};
	ck_assert_int_eq(ag_scripts_load(&ss, &locs, false, NULL, &err), 0);
	ck_assert_uint_eq(ss.n, 301);
	size_t ok = 0;
	for (size_t i = 0; i < ss.n; i++) {
		const struct ag_script *sc = &ss.v[i];
		if (strcmp(sc->name, "huge.py") == 0) {
			ck_assert_ptr_null(sc->revision);
			ck_assert_uint_eq(sc->findings.n, 1);
			ck_assert_str_eq(sc->findings.v[0].code, "parse-error");
			ck_assert_ptr_nonnull(strstr(sc->findings.v[0].message, "larger than"));
			continue;
		}
		char want[16];
		snprintf(want, sizeof want, "%.4s", sc->name);
		ck_assert_str_eq(sc->revision, want);
		ck_assert_uint_eq(sc->findings.n, 0);
		ok++;
	}
	ck_assert_uint_eq(ok, 300);
	ag_scripts_free(&ss);
	ag_strv_free(&locs);
	rm_rf(d);
	free(d);
}
END_TEST

/* A FIFO, a socket and a device named *.py: never opened in a way that
 * blocks, each an error finding naming the file; the rest loads. */
START_TEST(test_load_not_regular)
{
	char d[] = "/tmp/ag-fifo-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(d));
	char *p = ag_printf("%s/a1_x.py", d);
	FILE *fp = fopen(p, "w");
	ck_assert_ptr_nonnull(fp);
	fputs("revision = 'a1'\ndown_revision = None\n", fp);
	fclose(fp);
	free(p);
	p = ag_printf("%s/f.py", d);
	ck_assert_int_eq(mkfifo(p, 0644), 0);
	free(p);
	p = ag_printf("%s/null.py", d); /* a link to a character device */
	ck_assert_int_eq(symlink("/dev/null", p), 0);
	free(p);
	p = ag_printf("%s/s.py", d);
	int sfd = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_ge(sfd, 0);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	ck_assert_uint_lt(strlen(p), sizeof sa.sun_path);
	strcpy(sa.sun_path, p);
	ck_assert_int_eq(bind(sfd, (struct sockaddr *)&sa, sizeof sa), 0);
	free(p);
	p = ag_printf("%s/ignored.txt", d); /* not a candidate: no finding */
	ck_assert_int_eq(mkfifo(p, 0644), 0);
	free(p);

	struct ag_strv locs = {0};
	ag_strv_push(&locs, d);
	struct ag_scripts ss = {0};
	struct ag_err err = {0};
	ck_assert_int_eq(ag_scripts_load(&ss, &locs, false, NULL, &err), 0);
	ck_assert_uint_eq(ss.n, 1);
	ck_assert_str_eq(ss.v[0].revision, "a1");
	static const char *const want[][2] = {
	    {"/f.py", "a FIFO"}, {"/null.py", "a character device"}, {"/s.py", "a socket"}};
	ck_assert_uint_eq(ss.findings.n, 3);
	for (size_t k = 0; k < 3; k++) {
		bool found = false;
		for (size_t i = 0; i < ss.findings.n; i++) {
			const struct ag_finding *f = &ss.findings.v[i];
			size_t fl = strlen(f->file), wl = strlen(want[k][0]);
			if (fl < wl || strcmp(f->file + fl - wl, want[k][0]) != 0)
				continue;
			found = true;
			ck_assert_str_eq(f->code, "not-a-regular-file");
			ck_assert_int_eq(f->severity, AG_SEV_ERROR);
			ck_assert_ptr_nonnull(strstr(f->message, want[k][1]));
		}
		ck_assert_msg(found, "no finding for %s", want[k][0]);
	}
	ag_scripts_free(&ss);
	ag_strv_free(&locs);
	close(sfd);
	char *cmd = ag_printf("rm -rf '%s'", d);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
}
END_TEST

static bool has_finding(const struct ag_scripts *ss, const char *code)
{
	for (size_t i = 0; i < ss->findings.n; i++)
		if (strcmp(ss->findings.v[i].code, code) == 0)
			return true;
	return false;
}

/* The listing as each Alembic lists (lib/alembic.h): 1.8 os.listdir with
 * link names and directories as files; 1.10+ sorted os.walk, links under
 * their target's name; 1.16+ a symlink loop fails whatever its name. */
START_TEST(test_load_by_version)
{
	char *root = tmpdir();
	char *d = ag_printf("%s/versions", root);
	ck_assert_int_eq(mkdir(d, 0755), 0);
	put(root, "outside.txt", MIG("lnk", "None"));
	put(d, "b.py", MIG("dup", "None"));
	put(d, "a.py", MIG("dup", "None"));
	char *l = ag_printf("%s/l.py", d);
	ck_assert_int_eq(symlink("../outside.txt", l), 0);
	char *loop = ag_printf("%s/loop", d);
	ck_assert_int_eq(symlink("loop", loop), 0);
	struct ag_strv locs = {0};
	ag_strv_push(&locs, d);
	struct ag_err err;

	/* 1.8.1: the link loads under its own name; no directory yet */
	struct ag_scripts ss = {0};
	struct ag_scripts_opts o = {.alembic = AG_ALEMBIC_VER(1, 8, 1)};
	ck_assert_int_eq(ag_scripts_read(&ss, &locs, &o, &err), 0);
	ck_assert_ptr_nonnull(by_name(&ss, "l.py"));
	ck_assert(!has_finding(&ss, "unloadable-migration")); /* "loop" is no .py */
	ag_scripts_free(&ss);
	/* ... and a directory named x.py fails it */
	sub(d, "pkg.py");
	ck_assert_int_eq(ag_scripts_read(&ss, &locs, &o, &err), 0);
	ck_assert(has_finding(&ss, "unloadable-migration"));
	ag_scripts_free(&ss);

	/* 1.13.2: sorted, so b.py (the last) is the copy used; the link's target
	 * is not named .py: skipped; the directory is no file */
	o.alembic = AG_ALEMBIC_VER(1, 13, 2);
	ck_assert_int_eq(ag_scripts_read(&ss, &locs, &o, &err), 0);
	ck_assert_uint_eq(ss.n, 2);
	ck_assert_str_eq(ss.v[0].name, "a.py");
	ck_assert_str_eq(ss.v[1].name, "b.py");
	ck_assert(!has_finding(&ss, "unloadable-migration"));
	ag_scripts_free(&ss);

	/* 1.18.4: the loop fails (pathlib's resolve raises RuntimeError) */
	o.alembic = AG_ALEMBIC_VER(1, 18, 4);
	ck_assert_int_eq(ag_scripts_read(&ss, &locs, &o, &err), 0);
	ck_assert(has_finding(&ss, "unloadable-migration"));
	ag_scripts_free(&ss);
	unlink(loop);

	/* a link to a .py elsewhere loads under the target's name; a second
	 * name for a file already listed is read once */
	unlink(l);
	put(root, "target_name.py", MIG("lnk", "None"));
	ck_assert_int_eq(symlink("../target_name.py", l), 0);
	char *again = ag_printf("%s/zz.py", d);
	ck_assert_int_eq(symlink("a.py", again), 0);
	ck_assert_int_eq(ag_scripts_read(&ss, &locs, &o, &err), 0);
	ck_assert_ptr_nonnull(by_name(&ss, "target_name.py"));
	ck_assert_ptr_null(by_name(&ss, "l.py"));
	ck_assert_ptr_null(by_name(&ss, "zz.py"));
	ck_assert(has_finding(&ss, "file-loaded-twice"));
	ag_scripts_free(&ss);

	/* a dangling link to x.py fails in every version */
	unlink(l);
	ck_assert_int_eq(symlink("../gone.py", l), 0);
	for (int k = 0; k < 2; k++) {
		o.alembic = k ? AG_ALEMBIC_VER(1, 8, 1) : AG_ALEMBIC_VER(1, 18, 4);
		ck_assert_int_eq(ag_scripts_read(&ss, &locs, &o, &err), 0);
		ck_assert(has_finding(&ss, "unloadable-migration"));
		ag_scripts_free(&ss);
	}

	/* sourceless: a .pyc without its .py is a file the guard cannot read */
	put(d, "c.pyc", "\x01junk");
	o.sourceless = true;
	ck_assert_int_eq(ag_scripts_read(&ss, &locs, &o, &err), 0);
	ck_assert(has_finding(&ss, "sourceless-migration"));
	ag_scripts_free(&ss);

	/* sourceless also loads __pycache__'s bytecode whose stem no entry
	 * of the folder has (Alembic's _list_py_dir); a stem that has its
	 * file is Alembic's own cache and is no finding. */
	char *pyc = ag_printf("%s/c.pyc", d);
	ck_assert_int_eq(unlink(pyc), 0);
	free(pyc);
	char *cache = ag_printf("%s/__pycache__", d);
	ck_assert_int_eq(mkdir(cache, 0755), 0);
	put(cache, "a.cpython-311.pyc", "\x01junk");
	ck_assert_int_eq(ag_scripts_read(&ss, &locs, &o, &err), 0);
	ck_assert(!has_finding(&ss, "sourceless-migration"));
	ag_scripts_free(&ss);
	put(cache, "gone.cpython-311.pyc", "\x01junk");
	ck_assert_int_eq(ag_scripts_read(&ss, &locs, &o, &err), 0);
	ck_assert(has_finding(&ss, "sourceless-migration"));
	ag_scripts_free(&ss);
	/* without sourceless, Alembic reads no bytecode at all */
	o.sourceless = false;
	ck_assert_int_eq(ag_scripts_read(&ss, &locs, &o, &err), 0);
	ck_assert(!has_finding(&ss, "sourceless-migration"));
	ag_scripts_free(&ss);
	free(cache);

	ag_strv_free(&locs);
	free(again);
	free(loop);
	free(l);
	free(d);
	rm_rf(root);
	free(root);
}
END_TEST

Suite *script_suite(void)
{
	Suite *s = suite_create("script");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_generic);
	tcase_add_test(tc, test_annotated);
	tcase_add_test(tc, test_override);
	tcase_add_test(tc, test_module_level_only);
	suite_add_tcase(s, tc);
	tc = tcase_create("values");
	tcase_add_test(tc, test_values);
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_unresolved);
	tcase_add_test(tc, test_not_str);
	suite_add_tcase(s, tc);
	tc = tcase_create("header");
	tcase_add_test(tc, test_docstring);
	tcase_add_test(tc, test_missing);
	tcase_add_test(tc, test_style);
	suite_add_tcase(s, tc);
	tc = tcase_create("errors");
	tcase_add_test(tc, test_parse_errors);
	tcase_add_test(tc, test_unpacking);
	tcase_add_test(tc, test_indentation);
	suite_add_tcase(s, tc);
	tc = tcase_create("load");
	tcase_add_test(tc, test_candidate);
	tcase_add_test(tc, test_load);
	tcase_add_test(tc, test_load_locations);
	tcase_add_test(tc, test_load_odd_files);
	tcase_add_test(tc, test_load_unreadable);
	tcase_add_test(tc, test_load_threads);
	tcase_add_test(tc, test_load_not_regular);
	tcase_add_test(tc, test_load_by_version);
	suite_add_tcase(s, tc);
	tc = tcase_create("limits");
	tcase_add_test(tc, test_load_limits);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return s;
}
