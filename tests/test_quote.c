#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "lib/quote.h"
#include "tests/suites.h"

static void vis_eq(const char *in, const char *want)
{
	char *s = ag_quote_visible_dup(in);
	ck_assert_str_eq(s, want);
	free(s);
}

START_TEST(test_visible)
{
	vis_eq("abc_1", "abc_1");
	vis_eq("a\nOK: safe", "a\\nOK: safe");
	vis_eq("\x1b]0;title\x07", "\\x1b]0;title\\x07");
	vis_eq("r\r\t\x7f", "r\\r\\t\\x7f");
	vis_eq("\xff\xfe", "\\xff\\xfe");
	vis_eq("caf\xc3\xa9", "caf\xc3\xa9");          /* valid UTF-8 kept */
	vis_eq("c1\xc2\x9b" "31m", "c1\\u009b31m");    /* C1 CSI */
	vis_eq("\xe2\x80\xae" "evil", "\\u202eevil");  /* bidi override */
	vis_eq("\xc0\x80", "\\xc0\\x80");              /* overlong NUL */
	vis_eq("\xed\xa0\x80", "\\xed\\xa0\\x80");     /* surrogate */
	vis_eq("\xe2\x82", "\\xe2\\x82");              /* truncated */
	vis_eq(NULL, "");
	ck_assert(ag_quote_is_clean("plain caf\xc3\xa9"));
	ck_assert(!ag_quote_is_clean("a\nb"));
	ck_assert(ag_quote_is_utf8("a\nb"));
	ck_assert(!ag_quote_is_utf8("a\xff"));
	char *b = ag_quote_bytes("a\\b\xff\xc3\xa9\n");
	ck_assert_str_eq(b, "a\\\\b\\xff\xc3\xa9\n");
	free(b);
}
END_TEST

static void lit_eq(const char *in, const char *want)
{
	struct ag_buf b = {0};
	ag_quote_sql_literal(&b, in);
	ck_assert_str_eq(b.p, want);
	ag_buf_free(&b);
}

static void ident_eq(const char *in, const char *want)
{
	struct ag_buf b = {0};
	ag_quote_sql_ident(&b, in);
	ck_assert_str_eq(b.p, want);
	ag_buf_free(&b);
}

START_TEST(test_sql)
{
	lit_eq("abc", "'abc'");
	lit_eq("x'; DROP TABLE users; --", "'x''; DROP TABLE users; --'");
	lit_eq("back\\slash", "'back\\slash'");
	lit_eq("a\nb", "E'a\\x0ab'");
	lit_eq("q'\\\x1b", "E'q''\\\\\\x1b'");
	lit_eq("\xff", "E'\\xff'");
	lit_eq("\xc2\x85", "E'\\xc2\\x85'");
	lit_eq("", "''");
	ident_eq("alembic_version", "alembic_version");
	ident_eq("AlembicVersion", "\"AlembicVersion\"");
	ident_eq("user", "\"user\"");
	ident_eq("a\"b", "\"a\"\"b\"");
	ident_eq("9x", "\"9x\"");
	ident_eq("a\nb", "U&\"a\\000ab\"");
	ident_eq("a\\b\x1b", "U&\"a\\\\b\\001b\"");
	char *t = ag_quote_sql_table("Ops", "AlembicVersion");
	ck_assert_str_eq(t, "\"Ops\".\"AlembicVersion\"");
	free(t);
	t = ag_quote_sql_table(NULL, NULL);
	ck_assert_str_eq(t, "alembic_version");
	char *s = ag_quote_sql_update(t, "new", "o'ld");
	ck_assert_str_eq(s, "UPDATE alembic_version SET version_num = 'new' WHERE version_num = 'o''ld';");
	free(s);
	s = ag_quote_sql_delete(t, "x\xff");
	ck_assert_str_eq(s, "DELETE FROM alembic_version WHERE version_num = E'x\\xff';");
	free(s);
	s = ag_quote_sql_delete_extra(t, "d");
	ck_assert_str_eq(s, "DELETE FROM alembic_version WHERE ctid IN (SELECT ctid FROM "
			    "alembic_version WHERE version_num = 'd' OFFSET 1);");
	free(s);
	free(t);
}
END_TEST

static void word_eq(const char *in, const char *want)
{
	struct ag_buf b = {0};
	ag_buf_adds(&b, "");
	ag_quote_shell_word(&b, in);
	ck_assert_str_eq(b.p, want);
	ag_buf_free(&b);
}

START_TEST(test_shell)
{
	word_eq("abc123", "abc123");
	word_eq("--after=x", "--after=x");
	word_eq("", "''");
	word_eq("x'; rm -rf /", "'x'\\''; rm -rf /'");
	word_eq("$(id)", "'$(id)'");
	word_eq("a b", "'a b'");
	word_eq("a\nb", "\"$(printf 'a\\012b')\"");
	word_eq("%\\'\xff", "\"$(printf '%%\\\\'\\''\\377')\"");
	word_eq("a\n", "\"$(printf 'a')$ag_nl\"");
	char *c = ag_quote_commandl("alembic", "stamp", "x y", (const char *)NULL);
	ck_assert_str_eq(c, "alembic stamp 'x y'");
	free(c);
	c = ag_quote_commandl("alembic", "stamp", "x\n", (const char *)NULL);
	ck_assert_str_eq(c, "ag_nl=$(printf '\\nx'); ag_nl=${ag_nl%x}; alembic stamp \"$(printf 'x')$ag_nl\"");
	ck_assert_ptr_null(strchr(c, '\n'));
	free(c);
}
END_TEST

static void mask_eq(const char *in, const char *secret, const char *want)
{
	char *t = strdup(in);
	size_t n = ag_quote_mask(t, strlen(t), secret);
	ck_assert_uint_eq(n, strlen(want));
	ck_assert_str_eq(t, want);
	free(t);
}

START_TEST(test_mask)
{
	const char *tok = "HRKU-1234abcd-5678";
	mask_eq("token HRKU-1234abcd-5678 leaked", tok, "token *** leaked");
	mask_eq("HRKU-1234abcd-5678", tok, "***");
	mask_eq("a=HRKU-1234abcd-5678;b=HRKU-1234abcd-5678\n", tok, "a=***;b=***\n");
	/* Never another word: a longer word that holds the token stays. */
	mask_eq("xHRKU-1234abcd-5678 HRKU-1234abcd-56789", tok, "xHRKU-1234abcd-5678 HRKU-1234abcd-56789");
	mask_eq("connection option port", "o", "connection option port");
	mask_eq("key abc in abcdef", "abc", "key *** in abcdef");
	mask_eq("nothing", NULL, "nothing");
	mask_eq("nothing", "", "nothing");
}
END_TEST

Suite *quote_suite(void)
{
	Suite *s = suite_create("quote");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_visible);
	tcase_add_test(tc, test_sql);
	tcase_add_test(tc, test_shell);
	tcase_add_test(tc, test_mask);
	suite_add_tcase(s, tc);
	return s;
}
