#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "lib/pyedit.h"
#include "tests/suites.h"

START_TEST(test_find_assign)
{
	const char *t = "\"\"\"msg\n\nRevision ID: a1\nCreate Date: 2026-01-02 03:04:05\n\"\"\"\n"
	                "revision: str = 'a1'\n"
	                "down_revision = ('b' 'c', \"d\")\n"
	                "if x:\n    revision = 'inner'\n";
	struct ag_pyedit_assign as;
	ag_pyedit_find_assign(t, strlen(t), "revision", 0, &as);
	ck_assert(as.found);
	ck_assert_int_eq(as.line, 6);
	ck_assert_uint_eq(as.natoms, 1);
	ck_assert_str_eq(as.atoms[0].value, "a1");
	ck_assert_int_eq(as.atoms[0].quote, '\'');
	ck_assert_uint_eq(as.ann_len, 3); /* "str" */
	ag_pyedit_assign_free(&as);
	ag_pyedit_find_assign(t, strlen(t), "down_revision", 0, &as);
	ck_assert(as.found && as.plain);
	ck_assert_uint_eq(as.natoms, 2);
	ck_assert_str_eq(as.atoms[0].value, "bc"); /* adjacent literals are one */
	ck_assert_str_eq(as.atoms[1].value, "d");
	ag_pyedit_assign_free(&as);
	ag_pyedit_find_assign(t, strlen(t), "branch_labels", 0, &as);
	ck_assert(!as.found);
	ag_pyedit_assign_free(&as);

	struct ag_doc d;
	ag_doc_read(&d, t, strlen(t));
	ck_assert(d.has);
	ck_assert_str_eq(d.message, "msg");
	ck_assert_str_eq(d.create_date, "2026-01-02 03:04:05");
	ck_assert_str_eq(d.quote, "\"\"\"");
	ag_doc_free(&d);
}
END_TEST

START_TEST(test_edits)
{
	const char *t = "\"\"\"m\n\nRevision ID: a1\nRevises: a0\n\"\"\"\nrevision = 'a1'\n"
	                "down_revision = \"a0\"\n";
	struct ag_pyedit_files w = {0};
	struct ag_pyedit_file *f = ag_pyedit_files_add(&w, "x.py", strdup(t), strlen(t));
	ck_assert_int_eq(ag_pyedit_replace_in_assign(f, "revision", 0, "a1", "b1"), 1);
	ck_assert_int_eq(ag_pyedit_replace_in_assign(f, "nothing", 0, "a1", "b1"), -1);
	ck_assert_int_eq(ag_pyedit_replace_in_assign(f, "down_revision", 0, "a0", "b0"), 1);
	struct ag_doc d;
	ag_doc_read(&d, f->text, f->len);
	ck_assert_int_eq(ag_pyedit_replace_in_doc_line(f, &d, 3, "Revision ID:", "a1", "b1"), 1);
	ck_assert(ag_pyedit_set_doc_line(f, &d, 4, "Revises:", "b0"));
	ag_doc_free(&d);
	/* An overlapping edit of another span is refused. */
	ck_assert_uint_eq(f->ne, 4);
	ck_assert_int_eq(ag_pyedit_edit(f, f->e[0].off + 1, f->e[0].len, "x"), -1);
	ck_assert_uint_eq(f->ne, 4);
	ag_pyedit_why(f, "one");
	ag_pyedit_why(f, "one");
	ck_assert_uint_eq(f->why.n, 1);
	size_t n = 0;
	char *r = ag_pyedit_result(f, &n);
	ck_assert_str_eq(r, "\"\"\"m\n\nRevision ID: b1\nRevises: b0\n\"\"\"\nrevision = 'b1'\n"
	                    "down_revision = \"b0\"\n");
	ck_assert_uint_eq(n, strlen(r));
	free(r);
	ag_pyedit_files_free(&w);
}
END_TEST

/* Text Python cannot tokenize yields nothing to edit, and no crash. */
START_TEST(test_malformed)
{
	static const char *const bad[] = {
	    "revision = 'a1\n", "revision = ('a1'\n", "\xff\xfe revision = 'x'\n",
	    "revision = \"\"\"a\n", "", "\"\"\"doc", "revision =\n",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		struct ag_pyedit_assign as;
		ag_pyedit_find_assign(bad[i], strlen(bad[i]), "revision", 0, &as);
		ck_assert_msg(!as.found || as.natoms == 0 || as.atoms[0].value,
		              "case %zu: a literal found without a value", i);
		ag_pyedit_assign_free(&as);
		struct ag_doc d;
		ag_doc_read(&d, bad[i], strlen(bad[i]));
		ck_assert_msg(!d.has || d.message, "case %zu", i);
		ag_doc_free(&d);
	}
	/* Unterminated: nothing found at all. */
	struct ag_pyedit_assign as;
	ag_pyedit_find_assign("revision = 'a1\n", 15, "revision", 0, &as);
	ck_assert(!as.found);
	ag_pyedit_assign_free(&as);
}
END_TEST

Suite *pyedit_suite(void)
{
	Suite *s = suite_create("pyedit");
	TCase *core = tcase_create("core");
	tcase_add_test(core, test_find_assign);
	tcase_add_test(core, test_edits);
	suite_add_tcase(s, core);
	TCase *bad = tcase_create("errors");
	tcase_add_test(bad, test_malformed);
	suite_add_tcase(s, bad);
	return s;
}
