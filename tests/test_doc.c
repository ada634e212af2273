#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/doc.h"
#include "tests/suites.h"

static void read_text(struct ag_doc *d, const char *text)
{
	ag_doc_read(d, text, strlen(text));
}

/* The file Alembic's script.py.mako writes: every field, with its line. */
START_TEST(test_alembic_template)
{
	const char *src = "\"\"\"add votes\n"
			  "\n"
			  "Revision ID: a1b2\n"
			  "Revises: c3d4, e5f6\n"
			  "Create Date: 2024-01-05 11:00:00.123456\n"
			  "\n"
			  "\"\"\"\n"
			  "from alembic import op\n";
	struct ag_doc d;
	read_text(&d, src);
	ck_assert(d.has);
	ck_assert_uint_eq(d.off, 0);
	ck_assert_uint_eq(d.len, strlen("\"\"\"add votes\n\nRevision ID: a1b2\nRevises: c3d4, "
					"e5f6\nCreate Date: 2024-01-05 11:00:00.123456\n\n\"\"\""));
	ck_assert_int_eq(d.line, 1);
	ck_assert_str_eq(d.quote, "\"\"\"");
	ck_assert_str_eq(d.message, "add votes");
	ck_assert_str_eq(d.revision, "a1b2");
	ck_assert_int_eq(d.revision_line, 3);
	ck_assert(d.has_revises);
	ck_assert_uint_eq(d.revises.n, 2);
	ck_assert_str_eq(d.revises.v[0], "c3d4");
	ck_assert_str_eq(d.revises.v[1], "e5f6");
	ck_assert_int_eq(d.revises_line, 4);
	ck_assert_str_eq(d.create_date, "2024-01-05 11:00:00.123456");
	ag_doc_free(&d);
	ag_doc_free(&d); /* zeroed: fine */
	ag_doc_free(NULL);
}
END_TEST

/* The message is Alembic's Script.doc: the stripped docstring up to its
 * first blank line; none when that is the header, or "empty message"
 * (what `alembic revision` without -m writes, with an empty slug: seen
 * with Debian's 1.8.1, and in 1.13.2's and 1.18.4's script/base.py), or
 * "None". */
START_TEST(test_message)
{
	static const char *const cases[][2] = {
	    {"'''\n\n  two lines\nof message\n\nRevision ID: x\n'''\n", "two lines\nof message"},
	    {"\"\"\"\nRevision ID: x\nRevises:\n\"\"\"\n", NULL},
	    {"\"\"\"None\n\nRevision ID: x\n\"\"\"\n", NULL},
	    {"\"\"\"None of it\n\nRevision ID: x\n\"\"\"\n", "None of it"},
	    {"\"\"\"empty message\n\nRevision ID: x\n\"\"\"\n", NULL},
	    {"\"\"\"empty messages\n\nRevision ID: x\n\"\"\"\n", "empty messages"},
	    {"\"\"\"   \n\n\"\"\"\n", NULL},
	    /* a line of blanks is not a paragraph break (re.split("\n\n")) */
	    {"'''a\n  \nb\n\nc'''\n", "a\n  \nb"},
	    {"'one line'\n", "one line"},
	};
	for (size_t i = 0; i < AG_ARRAY_LEN(cases); i++) {
		struct ag_doc d;
		read_text(&d, cases[i][0]);
		ck_assert_msg(d.has, "case %zu", i);
		if (!cases[i][1])
			ck_assert_msg(!d.message, "case %zu: %s", i, d.message);
		else
			ck_assert_msg(d.message && strcmp(d.message, cases[i][1]) == 0, "case %zu: %s",
				      i, d.message ? d.message : "(null)");
		ag_doc_free(&d);
	}
}
END_TEST

/* Header lines as Alembic's template writes them: blanks around them
 * ignored, spaces after the colon skipped, the first of each kept. */
START_TEST(test_headers)
{
	static const char *const cases[][2] = {
	    {"x\n\t  Create Date:   2024-01-05 11:00:00 \t\r\n", "2024-01-05 11:00:00"},
	    {"Create Date: one\nCreate Date: two", "one"},
	    {"Create Date:", ""},
	    {"Create Date:\t2024", "\t2024"}, /* only spaces are skipped */
	    {"x Create Date: 2024", NULL},   /* not at the start of a line */
	    {"create date: 2024", NULL},
	    {"", NULL},
	};
	for (size_t i = 0; i < AG_ARRAY_LEN(cases); i++) {
		char src[256];
		snprintf(src, sizeof src, "\"\"\"%s\"\"\"\n", cases[i][0]);
		struct ag_doc d;
		read_text(&d, src);
		ck_assert(d.has);
		if (!cases[i][1])
			ck_assert_msg(!d.create_date, "case %zu: %s", i, d.create_date);
		else
			ck_assert_msg(d.create_date && strcmp(d.create_date, cases[i][1]) == 0,
				      "case %zu: %s", i, d.create_date ? d.create_date : "(null)");
		ag_doc_free(&d);
	}
	struct ag_doc d;
	read_text(&d, "\"\"\"m\nRevises:\nRevision ID: a\nRevision ID: b\nRevises: c\"\"\"\n");
	ck_assert(d.has_revises);
	ck_assert_uint_eq(d.revises.n, 0); /* the first Revises: is empty: a base */
	ck_assert_int_eq(d.revises_line, 2);
	ck_assert_str_eq(d.revision, "a");
	ck_assert_int_eq(d.revision_line, 3);
	ag_doc_free(&d);
}
END_TEST

/* Lines count in the source: implicitly concatenated literals on several
 * lines, a docstring after comments and a coding line. */
START_TEST(test_lines)
{
	struct ag_doc d;
	read_text(&d, "# -*- coding: utf-8 -*-\n"
		      "# a comment\n"
		      "\n"
		      "(\n"
		      "\"add x\\n\\n\"\n"
		      "'Revision ID: r1\\n'\n"
		      "\n"
		      "\"Revises: r0\\n\")\n");
	/* parenthesized: Python's docstring too (its __doc__ is that) */
	ck_assert(d.has);
	ck_assert_int_eq(d.line, 5); /* the literal's line; the span is the literals' */
	ck_assert_str_eq(d.revision, "r1");
	ck_assert_int_eq(d.revision_line, 6);
	ck_assert_int_eq(d.revises_line, 8);
	ag_doc_free(&d);
	read_text(&d, "((('''Revision ID: x''')))\n");
	ck_assert_str_eq(d.revision, "x");
	ag_doc_free(&d);
	read_text(&d, "# c\n\n\"add x\\n\\n\" \\\n'Revision ID: r1\\n' \\\n\"Revises: r0\\n\"\n");
	ck_assert(d.has);
	ck_assert_int_eq(d.line, 3);
	ck_assert_str_eq(d.quote, "\"");
	ck_assert_str_eq(d.message, "add x");
	ck_assert_str_eq(d.revision, "r1");
	ck_assert_int_eq(d.revision_line, 4);
	ck_assert_str_eq(d.revises.v[0], "r0");
	ck_assert_int_eq(d.revises_line, 5);
	ag_doc_free(&d);
}
END_TEST

/* What Python does not make __doc__ of. */
START_TEST(test_not_a_docstring)
{
	static const char *const cases[] = {
	    "b'''Revision ID: x'''\n",
	    "f'''Revision ID: {x}'''\n",
	    "'a' f'{b}'\n",
	    "'''Revision ID: x'''.strip()\n",
	    "'''Revision ID: x''' + y\n",
	    "x = 1\n'''Revision ID: x'''\n",
	    "'''unterminated\n",
	    "",
	    "'bad \\N{NO SUCH NAME}'\n",
	    "('''Revision ID: x'''\n",
	    "('''Revision ID: x''', 1)\n",
	    "('''Revision ID: x'''))\n",
	};
	for (size_t i = 0; i < AG_ARRAY_LEN(cases); i++) {
		struct ag_doc d;
		read_text(&d, cases[i]);
		ck_assert_msg(!d.has, "case %zu", i);
		ck_assert_ptr_null(d.revision);
		ck_assert_ptr_null(d.message);
		ag_doc_free(&d);
	}
	struct ag_doc d;
	read_text(&d, "'''Revision ID: x'''; revision = 'x'\n");
	ck_assert(d.has);
	ck_assert_str_eq(d.revision, "x");
	ag_doc_free(&d);
}
END_TEST

/* The buffer need not end in a NUL (files are read as bytes): the
 * quote is looked at within the literal only (found by fuzzing; ASan in
 * `make sanitize` sees a read past these exact-size copies). */
START_TEST(test_unterminated_buffers)
{
	/* source, its opening quote ("" : not a docstring) */
	static const char *const cases[][2] = {
	    {"\"\"", "\""}, {"''", "'"}, {"r''", "'"}, {"'x'", "'"},
	    {"\"\"\"\"\"\"", "\"\"\""}, {"b''", ""},
	};
	for (size_t i = 0; i < AG_ARRAY_LEN(cases); i++) {
		size_t n = strlen(cases[i][0]);
		char *copy = malloc(n);
		memcpy(copy, cases[i][0], n);
		struct ag_doc d;
		ag_doc_read(&d, copy, n);
		ck_assert_msg(d.has == (cases[i][1][0] != '\0'), "case %zu", i);
		if (d.has)
			ck_assert_str_eq(d.quote, cases[i][1]);
		ag_doc_free(&d);
		free(copy);
	}
}
END_TEST

Suite *doc_suite(void)
{
	Suite *s = suite_create("doc");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_alembic_template);
	tcase_add_test(tc, test_message);
	tcase_add_test(tc, test_headers);
	tcase_add_test(tc, test_lines);
	tcase_add_test(tc, test_not_a_docstring);
	tcase_add_test(tc, test_unterminated_buffers);
	suite_add_tcase(s, tc);
	return s;
}
