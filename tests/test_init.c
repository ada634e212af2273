/* Tests for lib/init.c: the target, the settings block, the whole plan. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/config.h"
#include "lib/graph.h"
#include "lib/init.h"
#include "lib/script.h"
#include "lib/settings.h"
#include "lib/util.h"
#include "tests/suites.h"

/* A file "revision = ID, down_revision = DOWN, branch_labels = (LABELS)". */
static void add(struct ag_scripts *ss, const char *id, const char *down, const char *labels)
{
	char *src = ag_printf("revision = '%s'\ndown_revision = %s\nbranch_labels = (%s)\n", id,
	                      down, labels);
	ag_grow((void **)&ss->v, &ss->cap, ss->n + 1, sizeof *ss->v);
	struct ag_script *sc = &ss->v[ss->n];
	memset(sc, 0, sizeof *sc);
	char *path = ag_printf("v/%s.py", id);
	ag_script_parse(sc, path, src, strlen(src), NULL);
	ss->n++;
	free(path);
	free(src);
}

static enum ag_target detect(struct ag_scripts *ss, struct ag_strv *labels, char **why)
{
	struct ag_graph_opts go = {0};
	struct ag_graph *g = ag_graph_build(ss, &go);
	enum ag_target t = ag_init_detect_target(g, labels, why);
	ag_graph_free(g);
	ag_scripts_free(ss);
	memset(ss, 0, sizeof *ss);
	return t;
}

START_TEST(test_detect_target)
{
	struct ag_scripts ss = {0};
	struct ag_strv labels = {0};
	char *why = NULL;
	ck_assert_int_eq(ag_init_detect_target(NULL, &labels, &why), AG_TARGET_HEAD);
	free(why);
	/* One head. */
	add(&ss, "a", "None", "");
	add(&ss, "b", "'a'", "");
	ck_assert_int_eq(detect(&ss, &labels, &why), AG_TARGET_HEAD);
	ck_assert_ptr_nonnull(strstr(why, "one head"));
	free(why);
	/* Expand/contract: each head with its own label. */
	add(&ss, "a", "None", "");
	add(&ss, "e1", "'a'", "'expand',");
	add(&ss, "e2", "'e1'", "");
	add(&ss, "c1", "'a'", "'contract',");
	ck_assert_int_eq(detect(&ss, &labels, &why), AG_TARGET_HEADS);
	ck_assert_uint_eq(labels.n, 2);
	ck_assert_str_eq(labels.v[0], "contract");
	ck_assert_str_eq(labels.v[1], "expand");
	ck_assert_ptr_nonnull(strstr(why, "contract, expand"));
	free(why);
	ag_strv_free(&labels);
	/* Two heads, one without a label: an accident. */
	add(&ss, "a", "None", "");
	add(&ss, "e1", "'a'", "'expand',");
	add(&ss, "x", "'a'", "");
	ck_assert_int_eq(detect(&ss, &labels, &why), AG_TARGET_HEAD);
	ck_assert_uint_eq(labels.n, 0);
	ck_assert_ptr_nonnull(strstr(why, "x carries no branch label"));
	free(why);
	/* Two bases with one label on the root of each: still each its own. */
	add(&ss, "p", "None", "'left',");
	add(&ss, "q", "None", "'right',");
	ck_assert_int_eq(detect(&ss, &labels, &why), AG_TARGET_HEADS);
	free(why);
	ag_strv_free(&labels);
}
END_TEST

/* The block, appended to a config, must read back as the settings it says. */
static void round_trip(bool toml, enum ag_target t, const struct ag_strv *labels,
                       size_t want_expected)
{
	char *block = ag_init_settings_block(toml, t, labels);
	char *text = ag_printf(toml ? "[tool.alembic]\nscript_location = \"m\"\n\n%s"
	                            : "[alembic]\nscript_location = m\n\n%s",
	                       block);
	struct ag_config cfg = {0};
	struct ag_settings st = {0};
	struct ag_err err = {0};
	int rc = toml ? ag_config_parse_toml(&cfg, text, strlen(text), "/p/pyproject.toml", &err)
	              : ag_config_parse_ini(&cfg, text, strlen(text), "/p/alembic.ini", NULL, &err);
	ck_assert_msg(rc == 0, "%s", err.msg);
	ck_assert_msg(ag_settings_parse(&st, &cfg, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(st.target, t);
	ck_assert_uint_eq(st.expected_heads.n, want_expected);
	ck_assert(ag_init_has_settings(text, strlen(text), toml));
	ck_assert(!ag_init_has_settings(text, strlen(text), !toml));
	ag_settings_free(&st);
	ag_config_free(&cfg);
	free(text);
	free(block);
}

START_TEST(test_settings_block)
{
	struct ag_strv labels = {0};
	round_trip(true, AG_TARGET_HEAD, &labels, 0);
	round_trip(false, AG_TARGET_HEAD, &labels, 0);
	ag_strv_push(&labels, "contract");
	ag_strv_push(&labels, "expand");
	round_trip(true, AG_TARGET_HEADS, &labels, 2);
	round_trip(false, AG_TARGET_HEADS, &labels, 2);
	/* A label that needs quoting is not written, only the target. */
	ag_strv_push(&labels, "a b\"");
	round_trip(true, AG_TARGET_HEADS, &labels, 0);
	ag_strv_free(&labels);
}
END_TEST

START_TEST(test_has_settings)
{
	const char *toml_yes[] = {"[tool.alembic-guard]\n", "  [ tool.\"alembic-guard\" ]\n",
	                          "x = 1\n[tool.alembic-guard.define]\nA = \"b\"\n"};
	const char *toml_no[] = {"[tool.alembic]\n", "# [tool.alembic-guard]\n",
	                         "[[tool.alembic-guard]]\n", "[tool.alembic-guardian]\n", ""};
	for (size_t i = 0; i < AG_ARRAY_LEN(toml_yes); i++)
		ck_assert_msg(ag_init_has_settings(toml_yes[i], strlen(toml_yes[i]), true), "%s",
		              toml_yes[i]);
	for (size_t i = 0; i < AG_ARRAY_LEN(toml_no); i++)
		ck_assert_msg(!ag_init_has_settings(toml_no[i], strlen(toml_no[i]), true), "%s",
		              toml_no[i]);
	ck_assert(ag_init_has_settings("[alembic]\r\n[alembic-guard]\r\n", 29, false));
	ck_assert(!ag_init_has_settings("[alembic]\n; [alembic-guard]\n", 28, false));
	/* Bytes of any kind: an answer, no crash. */
	const char junk[] = "[\0\xff[tool.alembic-guard\n]";
	ck_assert(!ag_init_has_settings(junk, sizeof junk - 1, true));
}
END_TEST

/* The plan on real files in a temp dir: dry run, write, second run. */
START_TEST(test_plan_files)
{
	char dir[] = "/tmp/ag-init-test.XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char *procfile = ag_printf("%s/Procfile", dir);
	char *ini = ag_printf("%s/alembic.ini", dir);
	FILE *f = fopen(ini, "w");
	ck_assert_ptr_nonnull(f);
	fputs("[alembic]\nscript_location = m", f); /* no newline at the end */
	fclose(f);
	struct ag_init_opts o = {.procfile = procfile, .settings_path = ini};
	struct ag_init plan;
	struct ag_err err = {0};
	ck_assert_msg(ag_init_plan(&plan, &o, &err) == 0, "%s", err.msg);
	ck_assert_str_eq(plan.on_ahead, "skip");
	ck_assert(!plan.procfile.existed);
	ck_assert_ptr_nonnull(plan.procfile.new_text);
	ck_assert_ptr_nonnull(plan.settings.new_text);
	ck_assert_ptr_nonnull(strstr(plan.settings.new_text, "m\n\n[alembic-guard]\n"));
	ck_assert_int_eq(access(procfile, F_OK), -1); /* a dry run writes nothing */
	struct ag_buf b = {0};
	ag_init_render_text(&plan, false, &b);
	ck_assert_ptr_nonnull(strstr(b.p, "--- /dev/null\n+++ "));
	ck_assert_ptr_nonnull(strstr(b.p, "dry run: nothing was written"));
	ag_buf_free(&b);
	ck_assert_msg(ag_init_apply(&plan, &err) == 0, "%s", err.msg);
	ck_assert(plan.procfile.done && plan.settings.done);
	ag_init_render_json(&plan, true, 0, NULL, &b);
	ck_assert_ptr_nonnull(strstr(b.p, "\"written\": true"));
	ck_assert_ptr_nonnull(strstr(b.p, "\"choice\": \"skip\""));
	ag_buf_free(&b);
	ag_init_free(&plan);

	/* Second run: the key is set now, but the line's choice is kept. */
	o.heroku_key = true;
	o.settings_present = false; /* found in the text */
	ck_assert_msg(ag_init_plan(&plan, &o, &err) == 0, "%s", err.msg);
	ck_assert_ptr_null(plan.procfile.new_text);
	ck_assert_ptr_null(plan.settings.new_text);
	ck_assert_str_eq(plan.on_ahead, "skip");
	ck_assert_ptr_nonnull(strstr(plan.on_ahead_why, "kept"));
	ag_init_render_text(&plan, false, &b);
	ck_assert_ptr_nonnull(strstr(b.p, "nothing to change"));
	ag_buf_free(&b);
	/* A change made after the plan is not overwritten. */
	ag_init_free(&plan);
	o.on_ahead = "fail";
	ck_assert_msg(ag_init_plan(&plan, &o, &err) == 0, "%s", err.msg);
	ck_assert_ptr_nonnull(plan.procfile.new_text);
	f = fopen(procfile, "a");
	fputs("web: x\n", f);
	fclose(f);
	ck_assert_int_eq(ag_init_apply(&plan, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "changed after the plan"));
	ck_assert(!plan.procfile.done);
	ag_init_render_text(&plan, true, &b);
	ck_assert_ptr_nonnull(strstr(b.p, "not written: "));
	ck_assert_ptr_null(strstr(b.p, "dry run"));
	ag_buf_free(&b);
	ag_init_free(&plan);

	/* A directory where the Procfile should be: a clear error. */
	unlink(procfile);
	ck_assert_int_eq(mkdir(procfile, 0700), 0);
	ck_assert_int_eq(ag_init_plan(&plan, &o, &err), -1);
	ck_assert_int_eq(err.kind, AG_ERR_IO);
	rmdir(procfile);
	unlink(ini);
	rmdir(dir);
	free(procfile);
	free(ini);
}
END_TEST

Suite *init_suite(void)
{
	Suite *s = suite_create("init");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_detect_target);
	tcase_add_test(tc, test_settings_block);
	tcase_add_test(tc, test_plan_files);
	suite_add_tcase(s, tc);
	tc = tcase_create("errors");
	tcase_add_test(tc, test_has_settings);
	suite_add_tcase(s, tc);
	return s;
}
