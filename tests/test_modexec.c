/* Tests for lib/modexec.c: module-level statements run as far as Python's
 * meaning is certain, read through ag_script_parse as Alembic reads a file. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "lib/modexec.h"
#include "lib/script.h"
#include "lib/util.h"
#include "tests/suites.h"

/* Parses src (from an exact-size copy, so nothing reads past it). */
static void parse(struct ag_script *sc, const char *src)
{
	size_t len = strlen(src);
	char *copy = ag_malloc(len ? len : 1);
	memcpy(copy, src, len);
	memset(sc, 0, sizeof *sc);
	ag_script_parse(sc, "versions/m.py", copy, len, NULL);
	free(copy);
}

static const struct ag_finding *finding(const struct ag_script *sc, const char *code)
{
	for (size_t i = 0; i < sc->findings.n; i++)
		if (strcmp(sc->findings.v[i].code, code) == 0)
			return &sc->findings.v[i];
	return NULL;
}

#define ck_strv(sv, want)                                  \
	do {                                               \
		char *j_ = ag_strv_join((sv), "|");        \
		ck_assert_str_eq(j_, (want));              \
		free(j_);                                  \
	} while (0)

/* src must load with no finding, revision rev and down_revision down. */
static void ck_clean(const char *src, const char *rev, const char *down)
{
	struct ag_script sc;
	parse(&sc, src);
	if (sc.findings.n)
		ck_abort_msg("%s: unexpected %s: %s", src, sc.findings.v[0].code,
			     sc.findings.v[0].message);
	ck_assert_msg(sc.revision && strcmp(sc.revision, rev) == 0, "%s: revision %s, want %s", src,
		      sc.revision ? sc.revision : "(none)", rev);
	char *d = ag_strv_join(&sc.down, "|");
	ck_assert_msg(strcmp(d, down) == 0, "%s: down %s, want %s", src, d, down);
	free(d);
	ag_script_free(&sc);
}

/* src must give a finding code (at line, when line > 0) whose message
 * holds want (when non-NULL). */
static void ck_finds(const char *src, const char *code, int line, const char *want)
{
	struct ag_script sc;
	parse(&sc, src);
	const struct ag_finding *f = finding(&sc, code);
	ck_assert_msg(f != NULL, "%s: no %s (%zu findings%s%s)", src, code, sc.findings.n,
		      sc.findings.n ? ": " : "", sc.findings.n ? sc.findings.v[0].message : "");
	if (line > 0)
		ck_assert_msg(f->line == line, "%s: %s at line %d, want %d", src, code, f->line, line);
	if (want)
		ck_assert_msg(strstr(f->message, want) != NULL, "%s: %s says %s", src, code,
			      f->message);
	ag_script_free(&sc);
}

START_TEST(test_if_constants)
{
	ck_clean("revision = 'a'\ndown_revision = None\nif True:\n    down_revision = 'b'\n", "a", "b");
	ck_clean("revision = 'a'\ndown_revision = None\nif False:\n    down_revision = 'b'\n", "a", "");
	ck_clean("revision = 'a'\ndown_revision = None\nif None:\n    down_revision = 'b'\n", "a", "");
	ck_clean("revision = 'a'\ndown_revision = None\nif 0:\n    down_revision = 'b'\n", "a", "");
	ck_clean("revision = 'a'\ndown_revision = None\nif 0x0:\n    down_revision = 'b'\n", "a", "");
	ck_clean("revision = 'a'\ndown_revision = None\nif 0.0e5:\n    down_revision = 'b'\n", "a", "");
	ck_clean("revision = 'a'\ndown_revision = None\nif 2:\n    down_revision = 'b'\n", "a", "b");
	ck_clean("revision = 'a'\ndown_revision = None\nif '':\n    down_revision = 'b'\n", "a", "");
	ck_clean("revision = 'a'\ndown_revision = None\nif 'x':\n    down_revision = 'b'\n", "a", "b");
	ck_clean("revision = 'a'\ndown_revision = None\nif ():\n    down_revision = 'b'\n", "a", "");
	ck_clean("revision = 'a'\ndown_revision = None\nif not False:\n    down_revision = 'b'\n",
		 "a", "b");
	ck_clean("revision = 'a'\ndown_revision = None\nif not not 0:\n    down_revision = 'b'\n",
		 "a", "");
	ck_clean("revision = 'a'\ndown_revision = None\nif (True):\n    down_revision = 'b'\n", "a",
		 "b");
	/* a name bound to a constant */
	ck_clean("DEBUG = False\nrevision = 'a'\ndown_revision = None\nif DEBUG:\n"
		 "    down_revision = 'b'\n", "a", "");
	/* elif / else */
	ck_clean("revision = 'a'\nif False:\n    down_revision = 'x'\nelif 1:\n    down_revision = 'y'\n"
		 "elif True:\n    down_revision = 'z'\nelse:\n    down_revision = 'w'\n", "a", "y");
	ck_clean("revision = 'a'\nif False:\n    down_revision = 'x'\nelif 0:\n    down_revision = 'y'\n"
		 "else:\n    down_revision = 'w'\n", "a", "w");
	/* one-line forms, several statements */
	ck_clean("revision = 'a'\nif True: down_revision = 'b'; branch_labels = None\n", "a", "b");
	ck_clean("if True: revision = 'a'\nelse: revision = 'z'\ndown_revision = None\n", "a", "");
	/* nested */
	ck_clean("revision = 'a'\nif True:\n    if False:\n        down_revision = 'x'\n    else:\n"
		 "        down_revision = 'y'\n", "a", "y");
	/* re-pointed at a missing id: the value Alembic reads */
	ck_clean("revision = 'a'\ndown_revision = 'p'\nif True:\n    down_revision = 'missing'\n", "a",
		 "missing");
}
END_TEST

START_TEST(test_if_not_constant)
{
	/* a test only Python evaluates, around a name Alembic reads */
	ck_finds("import os\nrevision = 'a'\ndown_revision = None\nif os.environ.get('X'):\n"
		 "    down_revision = 'b'\n", "unresolved-value", 4, "if os.environ.get('X')");
	ck_finds("revision = 'a'\ndown_revision = None\nif x == 1: down_revision = 'b'\n",
		 "unresolved-value", 3, "down_revision");
	/* the else of an unknown test */
	ck_finds("revision = 'a'\nif x:\n    pass\nelse:\n    down_revision = 'b'\n",
		 "unresolved-value", 4, NULL);
	/* an elif after an unknown test, even a true one */
	ck_finds("revision = 'a'\nif x:\n    pass\nelif True:\n    down_revision = 'b'\n",
		 "unresolved-value", 4, NULL);
	/* near miss: an unknown test around other names is no finding */
	ck_clean("import os\nrevision = 'a'\ndown_revision = None\nif os.environ.get('X'):\n"
		 "    url = 'b'\n", "a", "");
	/* a later plain assignment decides */
	ck_clean("revision = 'a'\nif x:\n    down_revision = 'b'\ndown_revision = 'c'\n", "a", "c");
	/* a name bound inside the unknown branch is unknown after it */
	ck_finds("revision = 'a'\nP = 'p'\nif x:\n    P = 'q'\ndown_revision = P\n",
		 "unresolved-value", 3, NULL);
}
END_TEST

START_TEST(test_type_checking)
{
	ck_clean("from typing import TYPE_CHECKING\nrevision = 'a'\ndown_revision = None\n"
		 "if TYPE_CHECKING:\n    down_revision = 'b'\n", "a", "");
	ck_clean("import typing\nrevision = 'a'\ndown_revision = None\n"
		 "if typing.TYPE_CHECKING:\n    down_revision = 'b'\n", "a", "");
	ck_clean("import typing as t\nrevision = 'a'\ndown_revision = None\n"
		 "if not t.TYPE_CHECKING:\n    down_revision = 'b'\n", "a", "b");
	ck_clean("from typing import TYPE_CHECKING as TC\nrevision = 'a'\ndown_revision = None\n"
		 "if TC:\n    down_revision = 'b'\nelse:\n    down_revision = 'c'\n", "a", "c");
	/* near misses: not imported from typing (a NameError, or any value) */
	ck_finds("revision = 'a'\ndown_revision = None\nif TYPE_CHECKING:\n    down_revision = 'b'\n",
		 "unresolved-value", 3, NULL);
	ck_finds("from mylib import TYPE_CHECKING\nrevision = 'a'\ndown_revision = None\n"
		 "if TYPE_CHECKING:\n    down_revision = 'b'\n", "unresolved-value", 4, NULL);
}
END_TEST

START_TEST(test_try)
{
	/* nothing in the body can raise: the handler never runs, else does */
	ck_clean("revision = 'a'\ntry:\n    down_revision = 'b'\nexcept Exception:\n"
		 "    down_revision = 'x'\nelse:\n    branch_labels = None\nfinally:\n"
		 "    depends_on = None\n", "a", "b");
	ck_clean("revision = 'a'\ntry:\n    down_revision = 'b'\nfinally:\n    down_revision = 'c'\n",
		 "a", "c");
	ck_clean("try: revision = 'a'\nexcept: revision = 'e'\ndown_revision = None\n", "a", "");
	/* the body may raise (an import): the handler may run */
	ck_finds("revision = 'a'\ntry:\n    import foo\n    down_revision = 'b'\nexcept ImportError:\n"
		 "    down_revision = 'c'\n", "unresolved-value", 5, "except ImportError");
	ck_finds("revision = 'a'\ndown_revision = None\ntry:\n    import foo\nexcept ImportError:\n"
		 "    pass\nelse:\n    down_revision = 'c'\n", "unresolved-value", 7, NULL);
	/* near miss: a handler that may run but sets nothing Alembic reads */
	ck_clean("revision = 'a'\ndown_revision = None\ntry:\n    import foo\nexcept ImportError:\n"
		 "    foo = None\n", "a", "");
	/* except ... as NAME binds (and unbinds) NAME */
	ck_finds("revision = 'a'\ndown_revision = None\ntry:\n    import foo\nexcept Exception as "
		 "down_revision:\n    pass\n", "unresolved-value", 5, NULL);
}
END_TEST

START_TEST(test_with)
{
	ck_clean("revision = 'a'\nwith open('x') as f:\n    down_revision = 'b'\n", "a", "b");
	ck_clean("revision = 'a'\nwith a, b: down_revision = 'b'\n", "a", "b");
	ck_finds("revision = 'a'\ndown_revision = None\nwith open('x') as down_revision:\n    pass\n",
		 "unresolved-value", 3, "with open('x') as down_revision");
	ck_finds("revision = 'a'\ndown_revision = None\nwith (a as b, c as (d, branch_labels)):\n"
		 "    pass\n", "unresolved-value", 3, NULL);
}
END_TEST

START_TEST(test_for)
{
	ck_clean("revision = 'a'\ndown_revision = ()\nfor x in ('p', 'q'):\n"
		 "    down_revision += (x,)\n", "a", "p|q");
	ck_clean("revision = 'a'\ndown_revision = []\nfor x in ['p', 'q']: down_revision += [x]\n",
		 "a", "p|q");
	ck_clean("revision = 'a'\nfor x in 'pq':\n    down_revision = x\n", "a", "q");
	ck_clean("revision = 'a'\nfor down_revision in 'p', 'q':\n    pass\n", "a", "q");
	/* empty: the body never runs, the else does */
	ck_clean("revision = 'a'\ndown_revision = 'z'\nfor x in ():\n    down_revision = x\nelse:\n"
		 "    branch_labels = None\n", "a", "z");
	ck_clean("revision = 'a'\nfor x in ('p',):\n    pass\nelse:\n    down_revision = 'e'\n", "a",
		 "e");
	/* nested loops */
	ck_clean("revision = 'a'\ndown_revision = ''\nfor x in 'ab':\n    for y in 'cd':\n"
		 "        down_revision += x\n        down_revision += y\n", "a", "acadbcbd");
}
END_TEST

START_TEST(test_for_unknown)
{
	ck_finds("revision = 'a'\nfor x in range(2):\n    down_revision = 'b'\n", "unresolved-value",
		 2, "for x in range(2)");
	ck_finds("revision = 'a'\nfor down_revision in ids():\n    pass\n", "unresolved-value", 2,
		 NULL);
	ck_finds("revision = 'a'\nfor down_revision, y in (('a', 'b'),):\n    pass\n",
		 "unresolved-value", 2, NULL);
	/* break: how often the body runs is Python's business */
	ck_finds("revision = 'a'\ndown_revision = None\nfor x in 'ab':\n    if x:\n        break\n"
		 "    down_revision = x\n", "unresolved-value", 3, NULL);
	/* near miss: an unknown loop around other names */
	ck_clean("revision = 'a'\ndown_revision = None\nfor t in tables():\n    print(t)\n", "a", "");
	/* a long literal around a long body: run as unknown, not unrolled */
	struct ag_buf b = {0};
	ag_buf_adds(&b, "revision = 'a'\nfor x in (");
	for (int i = 0; i < 3000; i++)
		ag_buf_addf(&b, "'x%d', ", i);
	ag_buf_adds(&b, "):\n");
	for (int i = 0; i < 1000; i++)
		ag_buf_addf(&b, "    y%d = x\n", i);
	ag_buf_adds(&b, "    down_revision = x\n");
	ck_finds(b.p, "unresolved-value", 2, NULL);
	ag_buf_free(&b);
	/* 95 nested loops of two: 2^95 runs of the body if unrolled; the
	 * budget stops unrolling (and the saved places are on the heap, not on
	 * a worker thread's small stack) */
	ag_buf_adds(&b, "revision = 'a'\n");
	for (int i = 0; i < 95; i++) {
		for (int k = 0; k < i; k++)
			ag_buf_adds(&b, " ");
		ag_buf_addf(&b, "for x%d in 'ab':\n", i);
	}
	for (int k = 0; k < 95; k++)
		ag_buf_adds(&b, " ");
	ag_buf_adds(&b, "down_revision = x0\n");
	ck_finds(b.p, "unresolved-value", 0, NULL);
	ag_buf_free(&b);
}
END_TEST

START_TEST(test_while)
{
	ck_clean("revision = 'a'\ndown_revision = None\nwhile 0:\n    down_revision = 'b'\nelse:\n"
		 "    branch_labels = None\n", "a", "");
	ck_clean("revision = 'a'\nwhile False: down_revision = 'b'\nelse: down_revision = 'c'\n", "a",
		 "c");
	ck_finds("revision = 'a'\ndown_revision = None\nwhile True:\n    down_revision = 'b'\n"
		 "    break\n", "unresolved-value", 3, "while True");
}
END_TEST

START_TEST(test_augmented)
{
	ck_clean("revision = 'a'\ndown_revision = ('p',)\ndown_revision += ('q',)\n", "a", "p|q");
	ck_clean("revision = 'a'\ndown_revision = ['p']\ndown_revision += ('q', 'r')\n", "a", "p|q|r");
	ck_clean("revision = 'a'\ndown_revision = ['p']\ndown_revision += 'qr'\n", "a", "p|q|r");
	ck_clean("revision = 'a'\nrevision += 'b'\ndown_revision = None\n", "ab", "");
	ck_clean("P = 'x'\nP += 'y'\nrevision = P\ndown_revision = None\n", "xy", "");
	/* TypeError in Python: not a value Alembic can use */
	ck_finds("revision = 'a'\ndown_revision = ('p',)\ndown_revision += ['q']\n", "parse-error", 3,
		 "TypeError");
	ck_finds("revision = 'a'\ndown_revision = 'p'\ndown_revision += ('q',)\n", "parse-error", 3,
		 NULL);
	ck_finds("revision = 'a'\ndown_revision = None\ndown_revision += 'q'\n", "parse-error", 3,
		 NULL);
	/* only Python knows */
	ck_finds("revision = 'a'\ndown_revision = ('p',)\ndown_revision *= 2\n", "unresolved-value",
		 3, NULL);
	ck_finds("revision = 'a'\ndown_revision = ('p',)\ndown_revision += extra\n",
		 "unresolved-value", 3, NULL);
	ck_finds("revision = 'a'\ndown_revision += ('q',)\n", "unresolved-value", 2, NULL);
}
END_TEST

START_TEST(test_del)
{
	ck_finds("revision = 'a'\ndown_revision = None\ndel revision\n", "not-a-migration", 0, NULL);
	ck_finds("revision = 'a'\ndown_revision = None\ndel down_revision\n",
		 "missing-down-revision", 0, NULL);
	struct ag_script sc;
	parse(&sc, "revision = 'a'\ndown_revision = None\nbranch_labels = ('x',)\n"
		   "del branch_labels, y\n");
	ck_assert_uint_eq(sc.findings.n, 0);
	ck_assert_uint_eq(sc.labels.n, 0);
	ag_script_free(&sc);
	/* deleted, then set again */
	ck_clean("revision = 'a'\ndown_revision = 'x'\ndel down_revision\ndown_revision = 'y'\n", "a",
		 "y");
	/* a list changed in place */
	ck_finds("revision = 'a'\ndown_revision = ['p', 'q']\ndel down_revision[0]\n",
		 "unresolved-value", 3, NULL);
	ck_finds("revision = 'a'\ndown_revision = ['p']\ndown_revision.append('q')\n",
		 "unresolved-value", 3, NULL);
	ck_finds("revision = 'a'\ndown_revision = ['p']\ndown_revision[0] = 'q'\n",
		 "unresolved-value", 3, NULL);
	/* del in a branch only Python decides */
	ck_finds("revision = 'a'\ndown_revision = None\nif x:\n    del down_revision\n",
		 "unresolved-value", 3, NULL);
}
END_TEST

START_TEST(test_rebinding)
{
	/* def/class/import make a name Alembic reads something that is not a
	 * str: Alembic fails (TypeError) */
	ck_finds("def revision():\n    pass\ndown_revision = None\n", "parse-error", 1, "function");
	ck_finds("revision = 'a'\nclass down_revision:\n    pass\n", "parse-error", 2, "class");
	ck_finds("revision = 'a'\nasync def down_revision(): pass\n", "parse-error", 2, NULL);
	ck_finds("revision = 'a'\nimport os as down_revision\n", "parse-error", 2, "module os");
	ck_finds("revision = 'a'\ndown_revision = None\ndef depends_on(): pass\n", "parse-error", 3,
		 NULL);
	/* a value from elsewhere: only Python knows */
	ck_finds("revision = 'a'\nfrom ids import down_revision\n", "unresolved-value", 2, NULL);
	ck_finds("revision = 'a'\n@decorate\ndef down_revision(): pass\n", "unresolved-value", 3,
		 NULL);
	/* then set again: the last binding counts */
	ck_clean("def revision(): pass\nrevision = 'a'\ndown_revision = None\n", "a", "");
	/* near miss: a function named otherwise */
	ck_clean("revision = 'a'\ndown_revision = None\ndef upgrade():\n    pass\n", "a", "");
	/* a type alias (3.12) */
	ck_finds("revision = 'a'\ntype down_revision = int\n", "parse-error", 2, "type alias");
}
END_TEST

START_TEST(test_only_python_knows)
{
	/* walrus, at module level or in an expression */
	ck_finds("revision = 'a'\ndown_revision = None\n(down_revision := 'b')\n", "unresolved-value",
		 3, ":=");
	ck_finds("revision = 'a'\ndown_revision = None\nprint([down_revision := 'b'])\n",
		 "unresolved-value", 3, NULL);
	/* a function that declares the name global */
	ck_finds("revision = 'a'\ndown_revision = None\ndef f():\n    global down_revision\n"
		 "    down_revision = 'x'\n", "unresolved-value", 4, "global down_revision");
	/* match binds capture names */
	ck_finds("revision = 'a'\ndown_revision = None\nmatch x:\n    case down_revision:\n"
		 "        pass\n", "unresolved-value", 3, NULL);
	ck_finds("revision = 'a'\ndown_revision = None\nmatch x:\n    case 1:\n"
		 "        down_revision = 'b'\n", "unresolved-value", 3, NULL);
	/* near miss: match as a name */
	ck_clean("match = 1\nrevision = 'a'\ndown_revision = None\n", "a", "");
	/* star import: what it binds, only Python knows */
	ck_finds("revision = 'a'\ndown_revision = None\nfrom ids import *\n", "unresolved-value", 3,
		 NULL);
	ck_clean("from sqlalchemy import *\nrevision = 'a'\ndown_revision = None\n", "a", "");
	/* targets only Python evaluates */
	ck_finds("revision = 'a'\n[down_revision] = ['b']\n", "unresolved-value", 2, NULL);
	ck_finds("revision = 'a'\n*x, down_revision = 'a', 'b'\n", "unresolved-value", 2, NULL);
	ck_finds("revision = 'a'\nx, down_revision[0] = 'a', 'b'\n", "unresolved-value", 2, NULL);
}
END_TEST

START_TEST(test_nfkc)
{
	/* fullwidth letters: Python binds the NFKC form */
	ck_clean("\xef\xbd\x92" "evision = 'a'\ndown_revision = None\n", "a", "");
	ck_clean("revision = 'a'\ndown_\xef\xbd\x92" "evision = 'p'\n", "a", "p");
	/* a ligature: fi (U+FB01) */
	char *n = ag_modexec_ident("\xef\xac\x81x", 4);
	ck_assert_str_eq(n, "fix");
	free(n);
	n = ag_modexec_ident("plain", 5);
	ck_assert_str_eq(n, "plain");
	free(n);
	/* near miss: a different letter is a different name */
	ck_finds("r\xc3\xa9vision = 'a'\ndown_revision = None\n", "not-a-migration", 0, NULL);
}
END_TEST

START_TEST(test_coding)
{
	/* PEP 263: a latin-1 file loads, its strings decoded */
	struct ag_script sc;
	parse(&sc, "# -*- coding: latin-1 -*-\nrevision = '\xe9t\xe9'\ndown_revision = None\n");
	ck_assert_uint_eq(sc.findings.n, 0);
	ck_assert_str_eq(sc.revision, "\xc3\xa9t\xc3\xa9");
	ag_script_free(&sc);
	/* on line 2 after a comment */
	parse(&sc, "#!/usr/bin/env python\n# vim: set fileencoding=cp1252 :\nrevision = '\x80'\n"
		   "down_revision = None\n");
	ck_assert_uint_eq(sc.findings.n, 0);
	ck_assert_str_eq(sc.revision, "\xe2\x82\xac");
	ag_script_free(&sc);
	ck_finds("\xef\xbb\xbf# coding: latin-1\nrevision = 'a'\ndown_revision = None\n",
		 "parse-error", 1, "encoding problem: iso-8859-1 with BOM");
	ck_finds("# coding: klingon\nrevision = 'a'\ndown_revision = None\n", "parse-error", 1,
		 "unknown encoding: klingon");
	ck_finds("# coding: cp1252\nrevision = '\x81'\ndown_revision = None\n", "parse-error", 2,
		 "can't decode byte 0x81");
	/* near miss: a declaration on line 2 after code does not count */
	ck_finds("revision = 'a'\n# coding: latin-1\ndown_revision = '\xe9'\n", "parse-error", 3,
		 "UTF-8");
}
END_TEST

Suite *modexec_suite(void)
{
	Suite *s = suite_create("modexec");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_if_constants);
	tcase_add_test(tc, test_if_not_constant);
	tcase_add_test(tc, test_type_checking);
	tcase_add_test(tc, test_try);
	tcase_add_test(tc, test_with);
	tcase_add_test(tc, test_for);
	tcase_add_test(tc, test_for_unknown);
	tcase_add_test(tc, test_while);
	tcase_add_test(tc, test_augmented);
	tcase_add_test(tc, test_del);
	tcase_add_test(tc, test_rebinding);
	tcase_add_test(tc, test_only_python_knows);
	tcase_add_test(tc, test_nfkc);
	tcase_add_test(tc, test_coding);
	suite_add_tcase(s, tc);
	return s;
}
