#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/atomic.h"
#include "tests/repair_fx.h"
#include "tests/suites.h"

START_TEST(test_writer_never_overwrites)
{
	struct fx f;
	fx_init(&f);
	fx_write(&f, "x.py", "mine\n");
	char *p = fx_path(&f, "x.py"), *q = fx_path(&f, "y.py");
	struct ag_err err = {0};
	ck_assert_int_eq(ag_atomic_write_new(p, "theirs\n", 7, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "not overwritten"));
	char *t = fx_read(&f, "x.py");
	ck_assert_str_eq(t, "mine\n");
	free(t);
	ck_assert_int_eq(ag_atomic_write_new(q, "new\n", 4, &err), 0);
	t = fx_read(&f, "y.py");
	ck_assert_str_eq(t, "new\n");
	free(t);
	/* replace only while the text is what the plan saw */
	ck_assert_int_eq(ag_atomic_replace(p, "other\n", 6, "z\n", 2, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "changed after the plan"));
	chmod(p, 0640);
	ck_assert_int_eq(ag_atomic_replace(p, "mine\n", 5, "z\n", 2, &err), 0);
	struct stat st;
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0640);
	/* move never onto an existing name */
	ck_assert_int_eq(ag_atomic_move(p, q, "z\n", 2, NULL, 0, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "not overwritten"));
	t = fx_read(&f, "y.py");
	ck_assert_str_eq(t, "new\n");
	free(t);
	char *r = fx_path(&f, "r.py");
	ck_assert_int_eq(ag_atomic_move(p, r, "z\n", 2, "edited\n", 7, &err), 0);
	ck_assert(!fx_exists(&f, "x.py"));
	t = fx_read(&f, "r.py");
	ck_assert_str_eq(t, "edited\n");
	free(t);
	/* no temporary file is left behind */
	char *cmd = ag_printf("test -z \"$(ls -A '%s' | grep ag-)\"", f.dir);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
	free(p);
	free(q);
	free(r);
	fx_free(&f);
}
END_TEST

START_TEST(test_remove_and_check)
{
	struct fx f;
	fx_init(&f);
	fx_write(&f, "x.py", "mine\n");
	char *p = fx_path(&f, "x.py");
	struct ag_err err = {0};
	ck_assert_int_eq(ag_atomic_check(p, "mine\n", 5, &err), 0);
	ck_assert_int_eq(ag_atomic_check(p, "mine", 4, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "changed after the plan"));
	/* remove only while it holds what the caller expects */
	ck_assert_int_eq(ag_atomic_remove(p, "theirs\n", 7, &err), -1);
	ck_assert(fx_exists(&f, "x.py"));
	ck_assert_int_eq(ag_atomic_remove(p, "mine\n", 5, &err), 0);
	ck_assert(!fx_exists(&f, "x.py"));
	ck_assert_int_eq(ag_atomic_remove(p, "mine\n", 5, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "cannot read"));
	/* a FIFO in the way is never read (it would block) */
	ck_assert_int_eq(mkfifo(p, 0644), 0);
	ck_assert_int_eq(ag_atomic_check(p, "mine\n", 5, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "a FIFO, not a regular file"));
	ck_assert_int_eq(ag_atomic_replace(p, "mine\n", 5, "x\n", 2, &err), -1);
	free(p);
	fx_free(&f);
}
END_TEST

Suite *atomic_suite(void)
{
	Suite *s = suite_create("atomic");
	TCase *tc0 = tcase_create("core");
	tcase_add_test(tc0, test_remove_and_check);
	tcase_add_test(tc0, test_writer_never_overwrites);
	suite_add_tcase(s, tc0);
	return s;
}
