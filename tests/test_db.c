/* Tests for lib/db.c without a server: splitting URLs and connection
 * strings into libpq keywords, and that no error message quotes a value.
 * The connection itself is tested against PostgreSQL in
 * tests/integration/test_db_faults.py. */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/db.h"
#include "tests/suites.h"

struct parsed {
	struct ag_strv keys, vals;
	struct ag_err err;
	int rc;
};

static void parse(struct parsed *p, const char *url)
{
	memset(p, 0, sizeof *p);
	p->rc = ag_db_parse_url(url, &p->keys, &p->vals, &p->err);
}

static const char *get(const struct parsed *p, const char *key)
{
	for (size_t i = 0; i < p->keys.n; i++)
		if (strcmp(p->keys.v[i], key) == 0)
			return p->vals.v[i];
	return NULL;
}

static void done(struct parsed *p)
{
	ag_strv_free(&p->keys);
	ag_strv_free(&p->vals);
}

static void has(const struct parsed *p, const char *key, const char *want)
{
	const char *v = get(p, key);
	ck_assert_msg(v != NULL, "no %s", key);
	ck_assert_str_eq(v, want);
}

START_TEST(test_url_parts)
{
	struct parsed p;
	parse(&p, "postgresql://agtest:50%off-S3cr3t@127.0.0.1:54329/db");
	ck_assert_int_eq(p.rc, 0);
	has(&p, "user", "agtest");
	has(&p, "password", "50%off-S3cr3t");
	has(&p, "host", "127.0.0.1");
	has(&p, "port", "54329");
	has(&p, "dbname", "db");
	done(&p);

	parse(&p, "postgres+psycopg2://u%40x:p%40ss%2Fw@db.example.com/my%20db?sslmode=verify-full&"
		  "options=-c%20search_path%3Dpublic");
	ck_assert_int_eq(p.rc, 0);
	has(&p, "user", "u@x");
	has(&p, "password", "p@ss/w");
	has(&p, "dbname", "my db");
	has(&p, "sslmode", "verify-full");
	has(&p, "options", "-c search_path=public");
	done(&p);

	parse(&p, "postgresql://h1:1,[::1]:2,h3/db?ssl=true");
	ck_assert_int_eq(p.rc, 0);
	has(&p, "host", "h1,::1,h3");
	has(&p, "port", "1,2,");
	has(&p, "sslmode", "require");
	ck_assert_ptr_null(get(&p, "user"));
	done(&p);

	parse(&p, "postgresql:///db?host=%2Fvar%2Frun%2Fpostgresql");
	ck_assert_int_eq(p.rc, 0);
	has(&p, "host", "/var/run/postgresql");
	done(&p);
}
END_TEST

START_TEST(test_url_password_is_never_split)
{
	/* Unencoded '/', '?', '#', ':' and '@' stay in the password: it runs
	 * to the last '@', as in SQLAlchemy. */
	static const char *const pws[] = {"S3cr3t/Pw", "a@b", "a?b=c&d", "x#y", "p:q", "o", "%", "@@", ""};
	for (size_t i = 0; i < sizeof pws / sizeof pws[0]; i++) {
		char *url = ag_printf("postgresql://agtest:%s@127.0.0.1:5432/db", pws[i]);
		struct parsed p;
		parse(&p, url);
		ck_assert_msg(p.rc == 0, "%s: %s", url, p.err.msg);
		has(&p, "password", pws[i]);
		has(&p, "host", "127.0.0.1");
		has(&p, "dbname", "db");
		done(&p);
		free(url);
	}
}
END_TEST

START_TEST(test_conninfo)
{
	struct parsed p;
	parse(&p, "host=h port = 5 password='a b\\'c' dbname=x\\ y");
	ck_assert_msg(p.rc == 0, "%s", p.err.msg);
	has(&p, "host", "h");
	has(&p, "port", "5");
	has(&p, "password", "a b'c");
	has(&p, "dbname", "x y");
	done(&p);
}
END_TEST

/* Each bad input is a usage error whose message holds no part of it. */
static void refused(const char *url, const char *secret, const char *want)
{
	struct parsed p;
	parse(&p, url);
	ck_assert_msg(p.rc == -1, "%s was accepted", url);
	ck_assert_int_eq(p.err.kind, AG_ERR_USAGE);
	ck_assert_msg(!strstr(p.err.msg, secret), "%s: %s", url, p.err.msg);
	ck_assert_msg(strstr(p.err.msg, want), "%s: %s", url, p.err.msg);
	ck_assert_uint_eq(p.keys.n, 0);
	done(&p);
}

START_TEST(test_errors_quote_nothing)
{
	refused("postgresql://u:S3cr3t@h/db?sslmdoe=require", "S3cr3t", "'sslmdoe'");
	refused("postgresql://u:S3cr3t@h/db?S3cr3t=x", "S3cr3t", "'***'");
	refused("postgresql://u:S3cr3t@h/db?x%00y=1", "S3cr3t", "%00");
	refused("postgresql://u:S3%00cr3t@h/db", "cr3t", "password contains %00");
	refused("postgresql://u:S3cr3t@h/db?sslmode", "S3cr3t", "without '='");
	refused("postgresql://u:S3cr3t@[::1/db", "S3cr3t", "IPv6");
	refused("password=my S3cr3t", "S3cr3t", "without '='");
	refused("password='S3cr3t", "S3cr3t", "closing quote");
	refused("password=x S3cr3t=y", "zzz", "'S3cr3t'");
	refused("mysql://u:S3cr3t@h/db", "S3cr3t", "'mysql'");
	refused("\x1b[2J://u:S3cr3t@h/db", "\x1b", "does not start with");
	refused("S3cr3t", "S3cr3t", "neither");
	refused("", "zzz", "no database URL");
}
END_TEST

/* Mutated URLs and connection strings: every one is split or refused with
 * a reason, never a crash (run under the sanitizers by make sanitize). */
START_TEST(test_mutations)
{
	static const char *const seeds[] = {
		"postgresql://u:p@h:5/db?sslmode=require&options=-c%20x%3Dy",
		"postgres+psycopg2://u:p%40@[::1]:5,h2/db",
		"host=h port=5 password='a\\'b' dbname=x",
	};
	static const char alphabet[] = ":/@?#&=%[]', \\\"x0\x01\xff";
	unsigned long long x = 88172645463325252ull;
	for (int it = 0; it < 6000; it++) {
		char buf[160];
		snprintf(buf, sizeof buf, "%s", seeds[it % 3]);
		for (int m = 0; m < 1 + it % 5; m++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			size_t len = strlen(buf), at = (size_t)(x % (len + 1));
			char c = alphabet[(x >> 20) % (sizeof alphabet - 1)];
			if ((x >> 40) % 3 == 0 && len < sizeof buf - 1) {
				memmove(buf + at + 1, buf + at, len - at + 1);
				buf[at] = c;
			} else if ((x >> 40) % 3 == 1 && at < len) {
				memmove(buf + at, buf + at + 1, len - at);
			} else if (at < len) {
				buf[at] = c;
			}
		}
		struct parsed p;
		parse(&p, buf);
		/* Check's assertions write a record each: test, then assert once. */
		bool ok = p.rc < 0 ? p.err.kind != AG_ERR_NONE && p.err.msg[0] && p.keys.n == 0
				   : p.rc == 0 && p.keys.n == p.vals.n;
		done(&p);
		if (!ok)
			ck_abort_msg("%s: rc %d, %s", buf, p.rc, p.err.msg);
	}
}
END_TEST

Suite *db_suite(void)
{
	Suite *s = suite_create("db");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_url_parts);
	tcase_add_test(tc, test_url_password_is_never_split);
	tcase_add_test(tc, test_conninfo);
	suite_add_tcase(s, tc);
	tc = tcase_create("errors");
	tcase_add_test(tc, test_errors_quote_nothing);
	suite_add_tcase(s, tc);
	/* A few thousand inputs: room for the sanitizers on a busy machine. */
	tc = tcase_create("limits");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_mutations);
	suite_add_tcase(s, tc);
	return s;
}
