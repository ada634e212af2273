/* Tests for lib/modval.c: the values side of module-level execution (the
 * statements that use it are tested in tests/test_modexec.c). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "lib/modval.h"
#include "lib/util.h"
#include "tests/suites.h"

START_TEST(test_ident_nfkc)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{"revision", "revision"},
		{"\xef\xbd\x92" "evision", "revision"},   /* fullwidth r */
		{"\xef\xac\x81x", "fix"},                 /* the fi ligature */
		{"x\xe2\x82\x82", "x2"},                  /* subscript two */
		{"\xe2\x84\x8c", "H"},                    /* black-letter H */
		{"r\xc3\xa9vision", "r\xc3\xa9vision"},   /* é stays é (NFC already) */
		{"re\xcc\x81vision", "r\xc3\xa9vision"},  /* e + combining acute composes */
	};
	for (size_t i = 0; i < AG_ARRAY_LEN(cases); i++) {
		char *n = ag_mv_ident(cases[i].in, strlen(cases[i].in));
		ck_assert_str_eq(n, cases[i].want);
		free(n);
	}
	/* the length bounds it: no NUL needed */
	char *n = ag_mv_ident("abc", 2);
	ck_assert_str_eq(n, "ab");
	free(n);
}
END_TEST

START_TEST(test_slots)
{
	ck_assert_int_eq(ag_mv_slot_of("revision"), 0);
	ck_assert_int_eq(ag_mv_slot_of("down_revision"), 1);
	ck_assert_int_eq(ag_mv_slot_of("branch_labels"), 2);
	ck_assert_int_eq(ag_mv_slot_of("depends_on"), 3);
	ck_assert_int_eq(ag_mv_slot_of("revisions"), -1);
	ck_assert_str_eq(ag_mv_names[1], "down_revision");
}
END_TEST

START_TEST(test_push_chars)
{
	struct ag_strv v = {0};
	ag_mv_push_chars(&v, "a\xc3\xa9\xe2\x82\xac");
	ck_assert_uint_eq(v.n, 3);
	ck_assert_str_eq(v.v[1], "\xc3\xa9");
	ck_assert_str_eq(v.v[2], "\xe2\x82\xac");
	ag_strv_free(&v);
}
END_TEST

Suite *modval_suite(void)
{
	Suite *s = suite_create("modval");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_ident_nfkc);
	tcase_add_test(tc, test_slots);
	tcase_add_test(tc, test_push_chars);
	suite_add_tcase(s, tc);
	return s;
}
