/* Tests for lib/outscan.c: what matters in a release phase's output. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/outscan.h"
#include "lib/util.h"
#include "tests/suites.h"

/* Scans one text and returns the scan (caller frees). */
static struct ag_outscan scan(const char *text)
{
	struct ag_outscan s = {0};
	ag_outscan_scan(&s, text, strlen(text));
	return s;
}

/* The ids of match i joined with commas ("" for none). */
static char *ids(const struct ag_outscan *s, size_t i)
{
	ck_assert_uint_lt(i, s->n);
	if (!s->v[i].revisions.n)
		return ag_strdup("");
	return ag_strv_join(&s->v[i].revisions, ",");
}

/* Asserts that text yields exactly one match of kind with these ids. */
static void one(const char *text, enum ag_outscan_kind kind, const char *want_ids)
{
	struct ag_outscan s = scan(text);
	ck_assert_msg(s.n == 1, "%zu matches in: %s", s.n, text);
	ck_assert_msg(s.v[0].kind == kind, "kind %s, not %s, in: %s", ag_outscan_kind_name(s.v[0].kind),
		      ag_outscan_kind_name(kind), text);
	char *got = ids(&s, 0);
	ck_assert_msg(strcmp(got, want_ids) == 0, "ids '%s', not '%s', in: %s", got, want_ids, text);
	free(got);
	ag_outscan_free(&s);
}

static void none(const char *text)
{
	struct ag_outscan s = scan(text);
	ck_assert_msg(s.n == 0, "matched (%s) in: %s", s.n ? ag_outscan_kind_name(s.v[0].kind) : "", text);
	ag_outscan_free(&s);
}

START_TEST(test_alembic_errors)
{
	one("FAILED: Can't locate revision identified by 'deadbeef0001'", AG_OUT_CANT_LOCATE,
	    "deadbeef0001");
	one("alembic.util.exc.CommandError: Can't locate revision identified by 'guest_lockout_001'",
	    AG_OUT_CANT_LOCATE, "guest_lockout_001");
	one("Can't locate revision identified by \"it's\"", AG_OUT_CANT_LOCATE, "");
	one("Can't locate revision identified by 'a-b'", AG_OUT_CANT_LOCATE, "");
	one("FAILED: Multiple head revisions are present for given argument 'head'; please specify a "
	    "specific target revision, '<branchname>@head' to narrow to a specific head, or 'heads' for "
	    "all heads",
	    AG_OUT_MULTIPLE_HEADS, "");
	one("Requested revision a1b2 overlaps with other requested revisions c3d4, e5f6",
	    AG_OUT_OVERLAP, "a1b2,c3d4,e5f6");
	one("UserWarning: Revision zz99 referenced from zz99 -> yy88 (head), add is not present",
	    AG_OUT_NOT_PRESENT, "zz99");
	one("Revision abc123 is present more than once", AG_OUT_DUPLICATE, "abc123");
	one("FAILED: No such revision or branch 'beef'", AG_OUT_NO_SUCH_REVISION, "beef");
	one("KeyError: 'dangling01'", AG_OUT_ERROR, "dangling01");
	one("sqlalchemy.exc.DataError: (psycopg2.errors.StringDataRightTruncation) value too long",
	    AG_OUT_ERROR, "");
	one("FAILED: Target database is not up to date.", AG_OUT_ERROR, "");
}
END_TEST

START_TEST(test_stamps)
{
	one("+ alembic stamp abc123", AG_OUT_STAMP, "abc123");
	one("release: alembic -c alembic.ini stamp head && alembic upgrade head", AG_OUT_STAMP, "");
	one("/app/.heroku/python/bin/alembic stamp --purge 'abc1'", AG_OUT_STAMP, "abc1");
	one("python -m alembic stamp abc2; alembic upgrade f00d", AG_OUT_STAMP, "abc2");
	one("$ alembic stamp a1 b2 && echo done", AG_OUT_STAMP, "a1,b2");
	one("INFO  [alembic.runtime.migration] Running stamp_revision  -> abc4", AG_OUT_STAMP, "abc4");
	one("INFO  [alembic.runtime.migration] Running stamp_revision abc5 -> abc6", AG_OUT_STAMP,
	    "abc5,abc6");
	/* alembic-guard named on the line does not hide the stamp. */
	one("+ bin/alembic-guard release -- alembic stamp f1f1", AG_OUT_STAMP, "f1f1");
	none("the stamp collection of alembic fans");
	none("stamp alembic abc");
}
END_TEST

START_TEST(test_migrations)
{
	one("INFO  [alembic.runtime.migration] Running upgrade  -> a1, init", AG_OUT_MIGRATE, "a1");
	/* The message after the comma is not an id. */
	one("INFO  [alembic.runtime.migration] Running upgrade a1 -> b2, initial", AG_OUT_MIGRATE, "a1,b2");
	one("Running upgrade a1, b2 -> c3, merge", AG_OUT_MIGRATE, "a1,b2,c3");
	one("Running downgrade c3 -> b2", AG_OUT_MIGRATE, "c3,b2");
	one("Running upgrade abc -> def-ghi, x", AG_OUT_MIGRATE, "abc");
	none("INFO  [alembic.runtime.migration] Will assume transactional DDL.");
	none("Running migrations");
}
END_TEST

START_TEST(test_guard_lines)
{
	one("error unknown-db-revision: the database is at 'feed0003', which no file defines: Alembic "
	    "stops with \"Can't locate revision identified by 'feed0003'\"",
	    AG_OUT_GUARD, "feed0003");
	one("*** alembic-guard release: WARNING: the database is at a1, b2, which this code does not "
	    "define. ***",
	    AG_OUT_GUARD, "a1,b2");
	one("BLOCKED: do not run `alembic upgrade` until the errors are fixed (1 error, 0 warnings)",
	    AG_OUT_GUARD, "");
	one("versions/x.py:3: error: revisions form a cycle [cycle]", AG_OUT_GUARD, "");
	one("warning multiple-bases: two bases 'b1' and 'b2'", AG_OUT_GUARD, "b1,b2");
	one("alembic-guard check: no database to check", AG_OUT_GUARD, "");
	none("error: something else entirely");
	none("warning - it is raining");
}
END_TEST

START_TEST(test_lines_and_cleaning)
{
	const char text[] = "line one\r\n"
			    "\x1b[1;31mFAILED:\x1b[0m Can't locate revision identified by 'c0c0'\r\n"
			    "\tRunning upgrade  -> a1\x1b]0;title\a, init\n"
			    "\n"
			    "no newline at the end: Revision zz is present more than once";
	struct ag_outscan s = {0};
	ag_outscan_scan(&s, text, sizeof text - 1);
	ck_assert_uint_eq(s.lines, 5);
	ck_assert_uint_eq(s.n, 3);
	ck_assert_uint_eq(s.v[0].line, 2);
	ck_assert_str_eq(s.v[0].text, "FAILED: Can't locate revision identified by 'c0c0'");
	ck_assert_uint_eq(s.v[1].line, 3);
	ck_assert_str_eq(s.v[1].text, "Running upgrade  -> a1, init");
	ck_assert_int_eq(s.v[2].kind, AG_OUT_DUPLICATE);
	ck_assert_uint_eq(s.v[2].line, 5);
	ck_assert_uint_eq(s.revisions.n, 3);
	ck_assert_str_eq(s.revisions.v[0], "a1");
	ck_assert_str_eq(s.revisions.v[1], "c0c0");
	ck_assert_str_eq(s.revisions.v[2], "zz");
	/* A second text adds to the scan; lines add up. */
	ag_outscan_scan(&s, "Revision a1 is present more than once\n", 38);
	ck_assert_uint_eq(s.n, 4);
	ck_assert_uint_eq(s.v[3].line, 1);
	ck_assert_uint_eq(s.lines, 6);
	ck_assert_uint_eq(s.revisions.n, 3);
	ck_assert(ag_outscan_has(&s, AG_OUT_DUPLICATE));
	ck_assert(!ag_outscan_has(&s, AG_OUT_STAMP));
	ag_outscan_free(&s);
	ck_assert_uint_eq(s.n, 0);
	ag_outscan_free(&s); /* twice is fine */

	/* NULs inside a line are spaces, not the end of the text. */
	const char nul[] = "junk\0junk FAILED: Can't locate revision identified by 'n0'\n";
	ag_outscan_scan(&s, nul, sizeof nul - 1);
	ck_assert_uint_eq(s.n, 1);
	ck_assert_str_eq(s.v[0].revisions.v[0], "n0");
	ck_assert_str_eq(s.v[0].text, "junk junk FAILED: Can't locate revision identified by 'n0'");
	ag_outscan_free(&s);

	ag_outscan_scan(&s, NULL, 0);
	ag_outscan_scan(&s, "", 0);
	ck_assert_uint_eq(s.n, 0);
	ck_assert_uint_eq(s.lines, 0);
	ag_outscan_free(&s);
}
END_TEST

START_TEST(test_long_lines)
{
	struct ag_buf b = {0};
	ag_buf_adds(&b, "FAILED: Can't locate revision identified by 'long01' ");
	while (b.len < AG_OUTSCAN_TEXT_MAX - 1)
		ag_buf_addc(&b, 'x');
	/* A two-byte character straddles the cut. */
	ag_buf_adds(&b, "\xc3\xa9\xc3\xa9 and more text after the cut");
	struct ag_outscan s = scan(b.p);
	ck_assert_uint_eq(s.n, 1);
	size_t n = strlen(s.v[0].text);
	ck_assert_uint_le(n, AG_OUTSCAN_TEXT_MAX + 3);
	ck_assert_str_eq(s.v[0].text + n - 3, "...");
	/* The byte before "..." ends a whole character. */
	ck_assert_int_eq(s.v[0].text[n - 4], 'x');
	ck_assert_str_eq(s.v[0].revisions.v[0], "long01");
	ag_outscan_free(&s);
	ag_buf_free(&b);
}
END_TEST

START_TEST(test_limits)
{
	struct ag_buf b = {0};
	for (int i = 0; i < AG_OUTSCAN_MAX_MATCHES + 500; i++)
		ag_buf_addf(&b, "Running upgrade r%05d -> r%05d, step\n", i, i + 1);
	struct ag_outscan s = {0};
	ag_outscan_scan(&s, b.p, b.len);
	ck_assert_uint_eq(s.n, AG_OUTSCAN_MAX_MATCHES);
	ck_assert_uint_eq(s.dropped, 500);
	ck_assert_uint_eq(s.lines, AG_OUTSCAN_MAX_MATCHES + 500);
	/* Ids come from the kept matches only, sorted. */
	ck_assert_uint_eq(s.revisions.n, AG_OUTSCAN_MAX_MATCHES + 1);
	ck_assert_str_eq(s.revisions.v[0], "r00000");
	ag_outscan_free(&s);
	ag_buf_free(&b);
}
END_TEST

START_TEST(test_is_revision)
{
	ck_assert(ag_outscan_is_revision("abc", 3));
	ck_assert(ag_outscan_is_revision("guest_lockout_001", 17));
	ck_assert(ag_outscan_is_revision("kilo", 4));
	ck_assert(!ag_outscan_is_revision("head", 4));
	ck_assert(!ag_outscan_is_revision("heads", 5));
	ck_assert(!ag_outscan_is_revision("base", 4));
	ck_assert(ag_outscan_is_revision("heady", 5));
	ck_assert(!ag_outscan_is_revision("a-b", 3));
	ck_assert(!ag_outscan_is_revision("x@head", 6));
	ck_assert(!ag_outscan_is_revision("", 0));
	ck_assert(!ag_outscan_is_revision(NULL, 3));
	char id[70];
	memset(id, 'a', sizeof id);
	ck_assert(ag_outscan_is_revision(id, 64));
	ck_assert(!ag_outscan_is_revision(id, 65));
	ck_assert_str_eq(ag_outscan_kind_name(AG_OUT_CANT_LOCATE), "cant-locate");
	ck_assert_str_eq(ag_outscan_kind_name(AG_OUT_ERROR), "error");
	ck_assert_str_eq(ag_outscan_kind_name((enum ag_outscan_kind)99), "unknown");
	ck_assert(ag_outscan_kind_is_failure(AG_OUT_CANT_LOCATE));
	ck_assert(ag_outscan_kind_is_failure(AG_OUT_GUARD));
	ck_assert(!ag_outscan_kind_is_failure(AG_OUT_MIGRATE));
	ck_assert(!ag_outscan_kind_is_failure(AG_OUT_STAMP));
}
END_TEST

/* Any bytes at all: no crash, no read past the end (ASan checks), every
 * match's text is NUL-free and short, every id valid. */
START_TEST(test_malformed_input)
{
	unsigned x = 12345;
	static const char *const seeds[] = {
		"Can't locate revision identified by '", "Running upgrade ", " -> ", "alembic stamp ",
		"Requested revision ", " overlaps with other requested revisions ", "\x1b[", "\x1b]",
		"error a-b: '", "Revision ", " is present more than once", "'", "\"", "\n", "\r",
	};
	for (int round = 0; round < 300; round++) {
		size_t len = 1 + (x % 700);
		char *buf = ag_malloc(len);
		for (size_t i = 0; i < len; i++) {
			x = x * 1103515245u + 12345u;
			buf[i] = (char)(x >> 16);
			if ((x >> 8) % 11 == 0) {
				const char *sd = seeds[(x >> 4) % AG_ARRAY_LEN(seeds)];
				size_t k = strlen(sd);
				if (i + k <= len) {
					memcpy(buf + i, sd, k);
					i += k - 1;
				}
			}
		}
		struct ag_outscan s = {0};
		ag_outscan_scan(&s, buf, len);
		for (size_t i = 0; i < s.n; i++) {
			ck_assert_uint_le(strlen(s.v[i].text), AG_OUTSCAN_TEXT_MAX + 3);
			for (size_t k = 0; k < s.v[i].revisions.n; k++)
				ck_assert(ag_outscan_is_revision(s.v[i].revisions.v[k],
								 strlen(s.v[i].revisions.v[k])));
		}
		ag_outscan_free(&s);
		free(buf);
	}
	/* An escape at the very end, an unterminated quote. */
	none("\x1b");
	none("\x1b[");
	one("Can't locate revision identified by 'abc", AG_OUT_CANT_LOCATE, "");
}
END_TEST

Suite *outscan_suite(void)
{
	Suite *s = suite_create("outscan");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_alembic_errors);
	tcase_add_test(tc, test_stamps);
	tcase_add_test(tc, test_migrations);
	tcase_add_test(tc, test_guard_lines);
	tcase_add_test(tc, test_lines_and_cleaning);
	tcase_add_test(tc, test_is_revision);
	suite_add_tcase(s, tc);
	tc = tcase_create("limits");
	tcase_add_test(tc, test_long_lines);
	tcase_add_test(tc, test_limits);
	suite_add_tcase(s, tc);
	tc = tcase_create("malformed");
	tcase_add_test(tc, test_malformed_input);
	suite_add_tcase(s, tc);
	return s;
}
