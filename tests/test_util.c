/* Tests for lib/util.c: string vectors, byte buffers, ag_read_file. */
#include <check.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/util.h"
#include "tests/suites.h"

START_TEST(test_strv_core)
{
	struct ag_strv sv = {0};
	ck_assert_uint_eq(sv.n, 0);
	ck_assert(!ag_strv_has(&sv, "a"));
	ag_strv_push(&sv, "pear");
	ag_strv_push(&sv, "apple");
	ag_strv_push_take(&sv, ag_strdup("fig"));
	ag_strv_push(&sv, "apple");
	ck_assert_uint_eq(sv.n, 4);
	ck_assert_ptr_null(sv.v[4]); /* NULL-terminated */
	ck_assert(ag_strv_has(&sv, "fig"));
	ck_assert(!ag_strv_has(&sv, "fi"));

	char *j = ag_strv_join(&sv, ", ");
	ck_assert_str_eq(j, "pear, apple, fig, apple");
	free(j);

	ag_strv_sort(&sv);
	ck_assert_str_eq(sv.v[0], "apple");
	ck_assert_str_eq(sv.v[1], "apple");
	ck_assert_str_eq(sv.v[3], "pear");

	ag_strv_uniq(&sv);
	ck_assert_uint_eq(sv.n, 3);
	ck_assert_str_eq(sv.v[0], "apple");
	ck_assert_str_eq(sv.v[1], "fig");
	ck_assert_str_eq(sv.v[2], "pear");
	ck_assert_ptr_null(sv.v[3]);

	struct ag_strv cp = {0};
	ag_strv_copy(&cp, &sv);
	ck_assert_uint_eq(cp.n, 3);
	ck_assert_ptr_ne(cp.v[0], sv.v[0]); /* a copy, not the same strings */
	ck_assert_str_eq(cp.v[2], "pear");
	ag_strv_free(&cp);

	ag_strv_free(&sv);
	ck_assert_uint_eq(sv.n, 0);
	ck_assert_ptr_null(sv.v);
	ag_strv_free(&sv); /* freeing twice is allowed */
}
END_TEST

START_TEST(test_strv_edges)
{
	struct ag_strv sv = {0};
	char *j = ag_strv_join(&sv, ",");
	ck_assert_str_eq(j, ""); /* never NULL */
	free(j);
	ag_strv_uniq(&sv); /* an empty vector */
	ag_strv_sort(&sv);
	ck_assert_uint_eq(sv.n, 0);

	/* Growth past the first allocation keeps every string. */
	for (int i = 0; i < 1000; i++) {
		char b[16];
		snprintf(b, sizeof b, "%04d", 999 - i);
		ag_strv_push(&sv, b);
	}
	ck_assert_uint_eq(sv.n, 1000);
	ag_strv_sort(&sv);
	ck_assert_str_eq(sv.v[0], "0000");
	ck_assert_str_eq(sv.v[999], "0999");
	ag_strv_push(&sv, "0000");
	ag_strv_uniq(&sv);
	ck_assert_uint_eq(sv.n, 1000);
	ag_strv_free(&sv);

	ag_strv_push(&sv, "");
	ag_strv_push(&sv, "");
	j = ag_strv_join(&sv, "-");
	ck_assert_str_eq(j, "-");
	free(j);
	ag_strv_uniq(&sv);
	ck_assert_uint_eq(sv.n, 1);
	ag_strv_free(&sv);
}
END_TEST

START_TEST(test_buf)
{
	struct ag_buf b = {0};
	char *t = ag_buf_take(&b);
	ck_assert_str_eq(t, ""); /* never NULL, even when nothing was added */
	free(t);

	ag_buf_add(&b, "", 0);
	ck_assert_ptr_nonnull(b.p); /* NUL-terminated once anything is added */
	ck_assert_str_eq(b.p, "");
	ag_buf_adds(&b, "abc");
	ag_buf_addc(&b, '-');
	ag_buf_addf(&b, "%d/%s", 42, "x");
	ag_buf_add(&b, "zz\0yy", 5); /* binary data, length counted */
	ck_assert_uint_eq(b.len, 13);
	ck_assert_str_eq(b.p, "abc-42/xzz");
	ck_assert_int_eq(memcmp(b.p + 10, "\0yy", 3), 0);
	ck_assert_int_eq(b.p[13], '\0');

	t = ag_buf_take(&b);
	ck_assert_ptr_null(b.p);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_str_eq(t, "abc-42/xzz");
	free(t);

	for (int i = 0; i < 10000; i++)
		ag_buf_addc(&b, (char)('a' + i % 26));
	ck_assert_uint_eq(b.len, 10000);
	ck_assert_int_eq(b.p[9999], 'a' + 9999 % 26);
	ck_assert_int_eq(b.p[10000], '\0');
	ag_buf_free(&b);
	ag_buf_free(&b);
	ck_assert_ptr_null(b.p);
}
END_TEST

/* Every length of UTF-8, and what is no scalar value. */
START_TEST(test_buf_utf8)
{
	struct ag_buf b = {0};
	ck_assert_int_eq(ag_buf_add_utf8(&b, 0x41), 0);
	ck_assert_int_eq(ag_buf_add_utf8(&b, 0xe9), 0);
	ck_assert_int_eq(ag_buf_add_utf8(&b, 0x20ac), 0);
	ck_assert_int_eq(ag_buf_add_utf8(&b, 0x1f600), 0);
	ck_assert_int_eq(ag_buf_add_utf8(&b, 0x10ffff), 0);
	ck_assert_str_eq(b.p, "A\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf");
	size_t len = b.len;
	ck_assert_int_eq(ag_buf_add_utf8(&b, 0xd800), -1);
	ck_assert_int_eq(ag_buf_add_utf8(&b, 0xdfff), -1);
	ck_assert_int_eq(ag_buf_add_utf8(&b, 0x110000), -1);
	ck_assert_uint_eq(b.len, len);
	ag_buf_free(&b);
}
END_TEST

START_TEST(test_alloc)
{
	char *s = ag_strndup("abcdef", 3);
	ck_assert_str_eq(s, "abc");
	free(s);
	s = ag_printf("%s=%05.1f", "pi", 3.14159);
	ck_assert_str_eq(s, "pi=003.1");
	free(s);
	/* Zero-size requests still return memory that can be freed. */
	void *p = ag_malloc(0);
	ck_assert_ptr_nonnull(p);
	free(p);
	p = ag_calloc(0, 8);
	ck_assert_ptr_nonnull(p);
	free(p);
	int *v = NULL;
	size_t cap = 0;
	ag_grow((void **)&v, &cap, 3, sizeof *v);
	ck_assert_uint_ge(cap, 3);
	size_t before = cap;
	ag_grow((void **)&v, &cap, 2, sizeof *v); /* no shrink, no change */
	ck_assert_uint_eq(cap, before);
	ag_grow((void **)&v, &cap, 100, sizeof *v);
	ck_assert_uint_ge(cap, 100);
	v[99] = 7;
	free(v);
}
END_TEST

static char *tmp_file(const char *content, size_t len)
{
	char *path = ag_strdup("/tmp/ag-test-util-XXXXXX");
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, content, len), (ssize_t)len);
	close(fd);
	return path;
}

START_TEST(test_read_file)
{
	char *path = tmp_file("hello\0world", 11);
	size_t len = 0;
	char *s = ag_read_file(path, &len);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(len, 11);
	ck_assert_int_eq(memcmp(s, "hello\0world", 11), 0);
	ck_assert_int_eq(s[11], '\0');
	free(s);
	s = ag_read_file(path, NULL); /* len is optional */
	ck_assert_str_eq(s, "hello");
	free(s);
	unlink(path);
	free(path);

	/* An empty file is an empty string, not NULL. */
	path = tmp_file("", 0);
	s = ag_read_file(path, &len);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(len, 0);
	ck_assert_str_eq(s, "");
	free(s);
	unlink(path);
	free(path);

	/* Larger than one read. */
	size_t big = 200000;
	char *data = ag_malloc(big);
	for (size_t i = 0; i < big; i++)
		data[i] = (char)('0' + i % 10);
	path = tmp_file(data, big);
	s = ag_read_file(path, &len);
	ck_assert_uint_eq(len, big);
	ck_assert_int_eq(memcmp(s, data, big), 0);
	free(s);
	free(data);
	unlink(path);
	free(path);
}
END_TEST

START_TEST(test_read_file_errors)
{
	size_t len = 99;
	errno = 0;
	ck_assert_ptr_null(ag_read_file("/nonexistent/ag-test/file", &len));
	ck_assert_int_eq(errno, ENOENT);
	errno = 0;
	ck_assert_ptr_null(ag_read_file("/tmp", &len)); /* a directory: read fails */
	ck_assert_int_eq(errno, EISDIR);
}
END_TEST

static void mask_is(const char *s, const char *secret, const char *want)
{
	char *got = ag_mask_word(s, secret);
	ck_assert_str_eq(got, want);
	free(got);
}

START_TEST(test_mask_word)
{
	/* A short secret never alters another word. */
	mask_is("connection option \"port\"", "o", "connection option \"port\"");
	mask_is("connection option \"port\"", "ort", "connection option \"port\"");
	mask_is("user o and o-o", "o", "user *** and ***-***");
	mask_is("invalid token: \"50%off-S3cr3t\"", "50%off-S3cr3t", "invalid token: \"***\"");
	mask_is("root@agtest:S3cr3t/Pw@host", "S3cr3t/Pw", "root@agtest:***@host");
	/* Punctuation at the secret's edge is its own boundary. */
	mask_is("x%off", "%off", "x***");
	mask_is("p\xc3\xa9o", "o", "p\xc3\xa9o");
	mask_is("secretsecret", "secret", "secretsecret");
	mask_is("a secret", NULL, "a secret");
	mask_is("a secret", "", "a secret");
	mask_is("", "x", "");
}
END_TEST

static jmp_buf oom_jump;
static size_t oom_size;

static void oom_hook(size_t n)
{
	oom_size = n;
	longjmp(oom_jump, 1);
}

/* A failed allocation calls the program's hook (cmd/ exits 4 there)
 * instead of printing from lib/ or returning NULL. */
START_TEST(test_oom_hook)
{
	/* A request past what size_t can count fails before malloc is asked
	 * (so the sanitizer build, whose malloc would abort, tests it too). */
	ag_set_oom_hook(oom_hook);
	oom_size = 0;
	if (setjmp(oom_jump) == 0) {
		void *p = NULL;
		size_t cap = 0;
		ag_grow(&p, &cap, SIZE_MAX / 4, 16);
		free(p);
		ck_abort_msg("ag_grow returned from an impossible request");
	}
	ck_assert_uint_gt(oom_size, 0);
	ag_set_oom_hook(NULL);
}
END_TEST

/* ag_open_regular: a regular file opens; a FIFO (no writer: a blocking
 * open would wait forever), a directory and a device do not, each named. */
START_TEST(test_open_regular)
{
	char d[] = "/tmp/ag-open-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(d));
	char *reg = ag_printf("%s/r.py", d), *fifo = ag_printf("%s/f.py", d);
	FILE *fp = fopen(reg, "w");
	ck_assert_ptr_nonnull(fp);
	fputs("x = 1\n", fp);
	fclose(fp);
	ck_assert_int_eq(mkfifo(fifo, 0644), 0);
	const char *kind = "unset";
	int fd = ag_open_regular(reg, &kind);
	ck_assert_int_ge(fd, 0);
	ck_assert_ptr_null(kind);
	close(fd);
	ck_assert_int_eq(ag_open_regular(fifo, &kind), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_str_eq(kind, "a FIFO");
	ck_assert_int_eq(ag_open_regular(d, &kind), -1);
	ck_assert_str_eq(kind, "a directory");
	ck_assert_int_eq(ag_open_regular("/dev/null", &kind), -1);
	ck_assert_str_eq(kind, "a character device");
	char *missing = ag_printf("%s/none.py", d);
	ck_assert_int_eq(ag_open_regular(missing, &kind), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_ptr_null(kind);
	size_t len = 0;
	ck_assert_ptr_null(ag_read_regular_file(fifo, &len, &kind));
	ck_assert_str_eq(kind, "a FIFO");
	char *t = ag_read_regular_file(reg, &len, &kind);
	ck_assert_str_eq(t, "x = 1\n");
	ck_assert_uint_eq(len, 6);
	free(t);
	free(missing);
	unlink(reg);
	unlink(fifo);
	rmdir(d);
	free(reg);
	free(fifo);
}
END_TEST

Suite *util_suite(void)
{
	Suite *s = suite_create("util");
	TCase *tc = tcase_create("strv");
	tcase_add_test(tc, test_strv_core);
	tcase_add_test(tc, test_strv_edges);
	suite_add_tcase(s, tc);
	tc = tcase_create("buf");
	tcase_add_test(tc, test_buf);
	tcase_add_test(tc, test_buf_utf8);
	tcase_add_test(tc, test_alloc);
	tcase_add_test(tc, test_mask_word);
	suite_add_tcase(s, tc);
	tc = tcase_create("files");
	tcase_add_test(tc, test_read_file);
	tcase_add_test(tc, test_read_file_errors);
	tcase_add_test(tc, test_open_regular);
	suite_add_tcase(s, tc);
	tc = tcase_create("oom");
	tcase_add_test(tc, test_oom_hook);
	suite_add_tcase(s, tc);
	return s;
}
