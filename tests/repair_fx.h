/*
 * Fixtures shared by the repair suites (test_repair, test_backfill,
 * test_rename, test_atomic): a version directory in a temp dir, loaded
 * as the commands load it. static inline, so a suite that uses only some
 * of them compiles without unused-function warnings.
 */
#ifndef AG_TEST_REPAIR_FX_H
#define AG_TEST_REPAIR_FX_H

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/atomic.h"
#include "lib/backfill.h"
#include "lib/diff.h"
#include "lib/rename.h"
#include "lib/repair.h"
#include "lib/template.h"


struct fx {
	char dir[64];
	struct ag_strv locs;
	struct ag_scripts ss;
	struct ag_graph *g;
	struct ag_defines defs;
	struct ag_repair_opts ro;
	struct ag_repair plan;
};

static inline void fx_init(struct fx *f)
{
	memset(f, 0, sizeof *f);
	strcpy(f->dir, "/tmp/ag-repair-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(f->dir));
	ag_strv_push(&f->locs, f->dir);
	f->ro.locations = &f->locs;
	f->ro.defines = &f->defs;
	f->ro.now = 1790000000; /* fixed, so file names and dates are known */
}

static inline char *fx_path(const struct fx *f, const char *name)
{
	return ag_printf("%s/%s", f->dir, name);
}

static inline void fx_write(const struct fx *f, const char *name, const char *text)
{
	char *p = fx_path(f, name);
	FILE *fp = fopen(p, "w");
	ck_assert_ptr_nonnull(fp);
	fputs(text, fp);
	fclose(fp);
	free(p);
}

static inline char *fx_read(const struct fx *f, const char *name)
{
	char *p = fx_path(f, name);
	size_t n = 0;
	char *t = ag_read_file(p, &n);
	free(p);
	return t;
}

static inline bool fx_exists(const struct fx *f, const char *name)
{
	char *p = fx_path(f, name);
	struct stat st;
	bool e = stat(p, &st) == 0;
	free(p);
	return e;
}

/* A plain migration as Alembic's default template writes it. */
static inline void fx_mig(const struct fx *f, const char *name, const char *rev, const char *down)
{
	char *downlit = down ? ag_printf("'%s'", down) : ag_strdup("None");
	char *t = ag_printf("\"\"\"msg %s\n\nRevision ID: %s\nRevises: %s\nCreate Date: 2026-01-02 "
	                    "03:04:05.000001\n\n\"\"\"\nfrom alembic import op\n\n\n# revision "
	                    "identifiers, used by Alembic.\nrevision = '%s'\ndown_revision = %s\n"
	                    "branch_labels = None\ndepends_on = None\n\n\ndef upgrade():\n    "
	                    "pass\n\n\ndef downgrade():\n    pass\n",
	                    rev, rev, down ? down : "", rev, downlit);
	fx_write(f, name, t);
	free(t);
	free(downlit);
}

static inline void fx_load(struct fx *f)
{
	ag_graph_free(f->g);
	ag_scripts_free(&f->ss);
	struct ag_err err = {0};
	ck_assert_int_eq(ag_scripts_load(&f->ss, &f->locs, false, &f->defs, &err), 0);
	f->g = ag_graph_build(&f->ss, &f->ro.graph);
}

static inline void fx_free(struct fx *f)
{
	ag_repair_free(&f->plan);
	ag_graph_free(f->g);
	ag_scripts_free(&f->ss);
	ag_strv_free(&f->locs);
	ag_defines_free(&f->defs);
	char *cmd = ag_printf("rm -rf '%s'", f->dir);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
}

static inline int fx_backfill(struct fx *f, const char *rev, const char *after, const char *repoint,
                       const struct ag_strv *rows, struct ag_err *err)
{
	struct ag_strv a = {0};
	if (after)
		ag_strv_push(&a, after);
	struct ag_backfill_opts o = {.rev = rev, .after = &a, .repoint = repoint, .db_rows = rows};
	int r = ag_backfill_plan(&f->plan, &f->ss, &f->ro, &o, err);
	ag_strv_free(&a);
	return r;
}

static inline const struct ag_repair_action *find_action(const struct ag_repair *p, enum ag_repair_kind k,
                                                  const char *suffix)
{
	for (size_t i = 0; i < p->n; i++) {
		const char *path = p->v[i].path;
		size_t a = strlen(path), b = strlen(suffix);
		if (p->v[i].kind == k && a >= b && strcmp(path + a - b, suffix) == 0)
			return &p->v[i];
	}
	return NULL;
}


#endif
