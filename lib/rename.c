#include "rename.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistr.h>
#include <sys/stat.h>

#include "pyedit.h"
#include "template.h"

static bool streq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

static char *memdup0(const char *p, size_t n)
{
	char *s = ag_malloc(n + 1);
	if (n)
		memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

/* ---- planning ----------------------------------------------------------- */

/*
 * The name the template gives this file (revision rev), strictly: the slug
 * from the docstring's message, or, without a message, from the old name
 * less the id it starts with (hint: an old id). NULL when the template
 * needs a date the file does not carry.
 */
static char *expected_name(const struct ag_repair_opts *ro, const char *name, const char *rev,
                           const struct ag_doc *d, const char *hint)
{
	time_t when = 0;
	bool has_date = ag_template_parse_date(d->create_date, &when);
	if (!has_date && ag_template_uses_date(ro->file_template))
		return NULL;
	const char *ids[2] = {hint, rev};
	char *slug = ag_template_file_slug(d->message, name, ids, 2);
	struct ag_err err = {0};
	char *out = ag_template_file_name(ro->file_template, rev, slug, when, &err);
	free(slug);
	return out;
}

static bool conforms(const struct ag_repair_opts *ro, const char *name, const char *rev,
                     const struct ag_doc *d)
{
	time_t when = 0;
	bool has_date = ag_template_parse_date(d->create_date, &when);
	return ag_template_name_conforms(ro->file_template, name, rev, has_date, when);
}

static bool only_matches(const char *only, const struct ag_script *sc)
{
	if (!only)
		return true;
	if (strcmp(only, sc->path) == 0 || strcmp(only, sc->name) == 0)
		return true;
	char *a = realpath(only, NULL), *b = realpath(sc->path, NULL);
	bool same = a && b && strcmp(a, b) == 0;
	free(a);
	free(b);
	return same;
}

/* A target name is free when no file is there and the plan puts none there. */
static bool target_free(const struct ag_repair *plan, const struct ag_pyedit_files *w, const char *path)
{
	struct stat st;
	if (ag_repair_claims(plan, path) || lstat(path, &st) == 0)
		return false;
	for (size_t i = 0; i < w->n; i++)
		if (streq(w->v[i].new_path, path))
			return false;
	return true;
}

/* Plans the move of f to the template's name for rev; 0 also when the name
 * is right already or cannot be known (noted). */
static int plan_name(struct ag_repair *plan, struct ag_pyedit_files *w, struct ag_pyedit_file *f,
                     const struct ag_repair_opts *ro, const char *rev, const char *hint,
                     struct ag_err *err)
{
	if (f->new_path)
		return 0;
	struct ag_doc d;
	ag_doc_read(&d, f->text, f->len);
	const char *name = ag_repair_base_of(f->path);
	int rc = 0;
	if (conforms(ro, name, rev, &d)) {
		ag_doc_free(&d);
		return 0;
	}
	char *target = expected_name(ro, name, rev, &d, hint);
	if (!target) {
		ag_repair_note(plan,
		     "%s does not follow file_template, but it has no Create Date for the "
		     "template's date fields: rename it by hand",
		     f->path);
	} else if (strchr(target, '/')) {
		ag_repair_note(plan, "file_template gives %s a name with a directory (%s): rename it by hand",
		     f->path, target);
	} else if (ag_template_unloadable(target)) {
		/* A repair only ever writes a file Alembic loads: the file keeps
		 * a name it loads. */
		ag_repair_note(plan,
		               "file_template gives %s the name %s, which Alembic would not load "
		               "(%s): it keeps its name",
		               f->path, target, ag_template_unloadable(target));
	} else if (strcmp(target, name) != 0) {
		char *dir = ag_repair_dir_of(f->path);
		char *np = ag_repair_join_path(dir, target);
		free(dir);
		if (!target_free(plan, w, np)) {
			rc = ag_err_set(
			    err, AG_ERR_USAGE,
			    "cannot rename %s to %s: that name is taken, and rename never "
			    "overwrites a file",
			    f->path, np);
			free(np);
		} else {
			f->new_path = np;
			const char *tmpl = ro->file_template ? ro->file_template : AG_TEMPLATE_DEFAULT;
			char *why =
			    hint ? ag_printf("the name follows file_template (%s) with the new id",
			                     tmpl)
			         : ag_printf("the name does not follow file_template (%s)", tmpl);
			ag_pyedit_why(f, why);
			free(why);
		}
	}
	free(target);
	ag_doc_free(&d);
	return rc;
}

static size_t count_defs(const struct ag_scripts *ss, const char *id, size_t *first)
{
	size_t n = 0;
	for (size_t i = 0; i < ss->n; i++)
		if (streq(ss->v[i].revision, id)) {
			if (!n)
				*first = i;
			n++;
		}
	return n;
}

/*
 * Whether old -> new_id can be planned: a legal new id of a length the
 * version table takes, exactly one of the two defined (the old one: a
 * rename; the new one: a rename left half done), not a label. Sets *def
 * to the defining script and *nold to how many define old. 0 or -1 with
 * err.
 */
static int check_id_change(const struct ag_repair_result *cur, const struct ag_repair_opts *ro,
                           const char *old, const char *new_id,
                           const struct ag_script **def, size_t *nold_out, struct ag_err *err)
{
	const char *bad = ag_repair_bad_id(new_id);
	if (bad)
		return ag_err_set(err, AG_ERR_USAGE, "cannot rename %s to '%s': %s", old, new_id,
		                  bad);
	if (strcmp(old, new_id) == 0)
		return ag_err_set(err, AG_ERR_USAGE, "cannot rename %s to itself", old);
	int max_len = ro->graph.max_id_len ? ro->graph.max_id_len : 32;
	/* characters, as PostgreSQL's VARCHAR counts (a malformed id: bytes) */
	size_t chars = u8_check((const uint8_t *)new_id, strlen(new_id))
			       ? strlen(new_id)
			       : u8_mbsnlen((const uint8_t *)new_id, strlen(new_id));
	if (chars > (size_t)max_len)
		return ag_err_set(err, AG_ERR_USAGE,
		                  "cannot rename %s to %s: it is %zu characters, and "
		                  "alembic_version.version_num is VARCHAR(%d) by default",
		                  old, new_id, chars, max_len);
	const struct ag_scripts *ss = &cur->scripts;
	const struct ag_graph *g = cur->graph;
	size_t io = 0, in = 0;
	size_t nold = count_defs(ss, old, &io), nnew = count_defs(ss, new_id, &in);
	if (nold && nnew)
		return ag_err_set(err, AG_ERR_USAGE,
		                  "cannot rename %s to %s: %s defines %s and %s defines %s; two "
		                  "revisions cannot share an id",
		                  old, new_id, ss->v[io].path, old, ss->v[in].path, new_id);
	if (!nold && !nnew)
		return ag_err_set(err, AG_ERR_USAGE,
		                  "cannot rename %s to %s: no file defines either id", old, new_id);
	if (nold > 1 || nnew > 1)
		return ag_err_set(
		    err, AG_ERR_USAGE,
		    "cannot rename %s: %zu files define %s; settle the duplicates first "
		    "(alembic-guard rename shows them and the difference between them)",
		    nold ? old : new_id, nold ? nold : nnew, nold ? old : new_id);
	size_t lab = ag_graph_find_label(g, new_id);
	if (lab != AG_NONE)
		return ag_err_set(err, AG_ERR_USAGE,
		                  "cannot rename %s to %s: %s is a branch label of %s", old, new_id,
		                  new_id, g->v[lab].id);
	const struct ag_script *t = &ss->v[nold ? io : in];
	if (nold && t->revision_line == 0)
		return ag_err_set(err, AG_ERR_USAGE,
		                  "cannot rename %s: %s sets no `revision` and takes its id from "
		                  "its file name; add `revision = '%s'` to it by hand",
		                  old, t->path, new_id);
	*def = t;
	*nold_out = nold;
	return 0;
}

/* Records why on f, formatted. */
static void why(struct ag_pyedit_file *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void why(struct ag_pyedit_file *f, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = ag_vprintf(fmt, ap);
	va_end(ap);
	ag_pyedit_why(f, s);
	free(s);
}

/* The defining file: its revision (when it still says old), its
 * docstring's Revision ID, its name. */
static int edit_definer(struct ag_repair *plan, struct ag_pyedit_files *w,
                        const struct ag_repair_opts *ro, const struct ag_script *t, bool has_old,
                        const char *old, const char *new_id, struct ag_err *err)
{
	struct ag_pyedit_file *f = ag_repair_file_get(w, plan, t->path, err);
	if (!f)
		return -1;
	f->revision = ag_strdup(new_id);
	if (has_old) {
		if (ag_pyedit_replace_in_assign(f, "revision", t->revision_line, old, new_id) < 1)
			return ag_err_set(err, AG_ERR_USAGE,
			                  "cannot rename %s: the revision at %s:%d is not a plain "
			                  "string; edit it by hand",
			                  old, t->path, t->revision_line);
		why(f, "revision %s -> %s", old, new_id);
	}
	struct ag_doc d;
	ag_doc_read(&d, f->text, f->len);
	if (streq(t->doc.revision, old) &&
	    ag_pyedit_replace_in_doc_line(f, &d, t->doc.revision_line, "Revision ID:", old,
	                                  new_id) > 0)
		why(f, "docstring Revision ID: %s -> %s", old, new_id);
	ag_doc_free(&d);
	return plan_name(plan, w, f, ro, new_id, old, err);
}

/* A file that names old: its down_revision, depends_on, Revises:. */
static int edit_namer(struct ag_repair *plan, struct ag_pyedit_files *w,
                      const struct ag_script *sc, const char *old, const char *new_id,
                      struct ag_err *err)
{
	bool want[2] = {ag_strv_has(&sc->down, old), ag_strv_has(&sc->depends, old)};
	bool in_doc = sc->doc.has_revises && ag_strv_has(&sc->doc.revises, old);
	if (!want[0] && !want[1] && !in_doc)
		return 0;
	struct ag_pyedit_file *c = ag_repair_file_get(w, plan, sc->path, err);
	if (!c)
		return -1;
	if (!c->revision && sc->revision)
		c->revision = ag_strdup(sc->revision);
	const char *vars[2] = {"down_revision", "depends_on"};
	int lines[2] = {sc->down_line, sc->depends_line};
	for (int k = 0; k < 2; k++) {
		if (!want[k])
			continue;
		if (ag_pyedit_replace_in_assign(c, vars[k], lines[k], old, new_id) < 1)
			return ag_err_set(err, AG_ERR_USAGE,
			                  "cannot rename %s: %s in %s:%d names it in a form "
			                  "alembic-guard cannot edit; change it by hand",
			                  old, vars[k], sc->path, lines[k]);
		why(c, "%s: %s -> %s", vars[k], old, new_id);
	}
	if (in_doc) {
		struct ag_doc cd;
		ag_doc_read(&cd, c->text, c->len);
		if (ag_pyedit_replace_in_doc_line(c, &cd, sc->doc.revises_line, "Revises:", old,
		                                  new_id) > 0)
			why(c, "docstring Revises: %s -> %s", old, new_id);
		ag_doc_free(&cd);
	}
	return 0;
}

/* The id change old -> new_id in every place it is written, and its
 * UPDATE. */
static int plan_id_change(struct ag_repair *plan, struct ag_pyedit_files *w,
                          const struct ag_repair_result *cur, const struct ag_repair_opts *ro,
                          const char *old, const char *new_id, struct ag_err *err)
{
	const struct ag_script *t = NULL;
	size_t nold = 0;
	if (check_id_change(cur, ro, old, new_id, &t, &nold, err) < 0 ||
	    edit_definer(plan, w, ro, t, nold > 0, old, new_id, err) < 0)
		return -1;
	for (size_t i = 0; i < cur->scripts.n; i++)
		if (edit_namer(plan, w, &cur->scripts.v[i], old, new_id, err) < 0)
			return -1;
	ag_strv_push(&plan->sql_old, old);
	ag_strv_push(&plan->sql_new, new_id);
	if (!nold)
		ag_repair_note(plan,
		               "%s already defines %s: finishing a rename from %s that was left half "
		               "done",
		               t->path, new_id, old);
	return 0;
}

/* A row no file defines, whose file still carries it: the id it has now. */
static const char *renamed_to(const struct ag_repair_result *cur, const char *row,
                              const char **file)
{
	const struct ag_graph *g = cur->graph;
	const char *found = NULL;
	size_t n = strlen(row);
	for (size_t i = 0; i < g->n; i++) {
		const struct ag_node *nd = &g->v[i];
		const struct ag_script *sc = nd->script;
		if (nd->shadowed || strcmp(nd->id, row) == 0)
			continue;
		bool doc = streq(sc->doc.revision, row);
		bool name =
		    strncmp(sc->name, row, n) == 0 && (sc->name[n] == '_' || sc->name[n] == '.');
		if (!doc && !name)
			continue;
		if (found && strcmp(found, nd->id) != 0)
			return NULL; /* two candidates: a person must say which */
		found = nd->id;
		*file = sc->path;
	}
	return found;
}

struct dup {
	size_t idx;
	char *text;
	size_t len;
	int score;
};

/* Duplicate files: the one to keep, the copies to delete or to show. */
static int plan_duplicates(struct ag_repair *plan, const struct ag_repair_result *cur,
                           const struct ag_repair_opts *ro, const char *only, struct ag_err *err)
{
	const struct ag_scripts *ss = &cur->scripts;
	const struct ag_graph *g = cur->graph;
	bool *done = ag_calloc(ss->n + 1, sizeof(bool));
	int rc = 0;
	for (size_t i = 0; i < ss->n && rc == 0; i++) {
		const char *id = ss->v[i].revision;
		if (!id || done[i])
			continue;
		struct dup *ds = NULL;
		size_t nd = 0;
		bool wanted = false;
		for (size_t k = i; k < ss->n; k++) {
			if (!streq(ss->v[k].revision, id))
				continue;
			done[k] = true;
			ds = ag_realloc(ds, (nd + 1) * sizeof *ds);
			ds[nd++] = (struct dup){k, NULL, 0, 0};
			wanted |= only_matches(only, &ss->v[k]);
		}
		if (nd < 2 || !wanted) {
			free(ds);
			continue;
		}
		size_t eff = ag_graph_find(g, id);
		const char *eff_path = eff != AG_NONE ? g->v[eff].script->path : NULL;
		size_t best = 0;
		for (size_t k = 0; k < nd && rc == 0; k++) {
			const struct ag_script *sc = &ss->v[ds[k].idx];
			bool gone = false;
			ds[k].text = ag_repair_text_of(plan, sc->path, &ds[k].len, &gone, err);
			if (!ds[k].text) {
				rc = -1;
				break;
			}
			struct ag_doc d;
			ag_doc_read(&d, ds[k].text, ds[k].len);
			char *exp = expected_name(ro, sc->name, id, &d, NULL);
			ds[k].score =
			    exp && strcmp(exp, sc->name) == 0 ? 2 : conforms(ro, sc->name, id, &d);
			free(exp);
			ag_doc_free(&d);
			const struct dup *b = &ds[best];
			if (ds[k].score > b->score ||
			    (ds[k].score == b->score && streq(sc->path, eff_path) &&
			     !streq(ss->v[b->idx].path, eff_path)))
				best = k;
		}
		for (size_t k = 0; k < nd && rc == 0; k++) {
			if (k == best)
				continue;
			const struct ag_script *keep = &ss->v[ds[best].idx],
			                       *sc = &ss->v[ds[k].idx];
			bool same = ds[k].len == ds[best].len &&
			            memcmp(ds[k].text, ds[best].text, ds[k].len) == 0;
			struct ag_repair_action *a = ag_repair_add(
			    plan, same ? AG_REPAIR_DELETE : AG_REPAIR_DUPLICATE, sc->path);
			a->keep = ag_strdup(keep->path);
			a->revision = ag_strdup(id);
			a->old_text = memdup0(ds[k].text, ds[k].len);
			a->old_len = ds[k].len;
			a->new_text = memdup0(ds[best].text, ds[best].len);
			a->new_len = ds[best].len;
			const char *whykeep =
			    ds[best].score == 2           ? "its name follows file_template"
			    : ds[best].score == 1         ? "its name follows file_template"
			    : streq(keep->path, eff_path) ? "it is the file Alembic uses now"
			                                  : "it comes first";
			a->why =
			    same ? ag_printf("a byte-for-byte copy of %s (revision %s), left by a "
			                     "rename; %s stays because %s",
			                     keep->path, id, keep->path, whykeep)
			         : ag_printf(
			               "defines revision %s like %s but differs from it; %s is "
			               "the one to delete (%s stays because %s), but only an "
			               "identical copy is deleted: check the diff, then delete it "
			               "by hand",
			               id, keep->path, sc->path, keep->path, whykeep);
		}
		for (size_t k = 0; k < nd; k++)
			free(ds[k].text);
		free(ds);
	}
	free(done);
	return rc;
}

/* A copy the plan deletes, or shows as a duplicate for a person to settle:
 * either way not a file to rename. */
static bool plan_drops(const struct ag_repair *plan, const char *path)
{
	for (size_t i = 0; i < plan->n; i++)
		if ((plan->v[i].kind == AG_REPAIR_DELETE ||
		     plan->v[i].kind == AG_REPAIR_DUPLICATE) &&
		    streq(plan->v[i].path, path))
			return true;
	return false;
}

int ag_rename_plan(struct ag_repair *plan, const struct ag_scripts *base,
                     const struct ag_repair_opts *ro, const struct ag_rename_opts *o,
                     struct ag_err *err)
{
	if ((o->old_id == NULL) != (o->new_id == NULL))
		return ag_err_set(err, AG_ERR_USAGE, "--id needs the old and the new id");
	size_t n0 = plan->n, notes0 = plan->notes.n, sql0 = plan->sql_old.n;
	struct ag_repair_result cur = {0}, after = {0};
	struct ag_pyedit_files w = {0};
	struct ag_strv from = {0}, to = {0};
	int rc = -1;
	if (ag_repair_simulate(plan, base, ro, &cur, err) < 0)
		goto out;
	if (o->old_id) {
		ag_strv_push(&from, o->old_id);
		ag_strv_push(&to, o->new_id);
	} else if (o->db_rows) {
		for (size_t i = 0; i < o->db_rows->n; i++) {
			const char *row = o->db_rows->v[i];
			size_t first = 0;
			if (count_defs(&cur.scripts, row, &first) || ag_strv_has(&from, row))
				continue;
			const char *file = NULL;
			const char *now = renamed_to(&cur, row, &file);
			if (!now)
				continue;
			ag_repair_note(plan,
			     "the database holds %s, which no file defines; %s still carries that "
			     "id but defines %s: the revision was renamed, and the rename is "
			     "finished here",
			     row, file, now);
			ag_strv_push(&from, row);
			ag_strv_push(&to, now);
		}
	}
	for (size_t i = 0; i < from.n; i++)
		if (plan_id_change(plan, &w, &cur, ro, from.v[i], to.v[i], err) < 0)
			goto out;
	if (!o->old_id) {
		if (plan_duplicates(plan, &cur, ro, o->only, err) < 0)
			goto out;
		bool matched = false;
		for (size_t i = 0; i < cur.scripts.n; i++) {
			const struct ag_script *sc = &cur.scripts.v[i];
			if (!only_matches(o->only, sc))
				continue;
			matched = true;
			if (!sc->revision || sc->revision_line == 0 || plan_drops(plan, sc->path))
				continue;
			struct ag_pyedit_file *f = ag_repair_file_get(&w, plan, sc->path, err);
			if (!f)
				goto out;
			if (plan_name(plan, &w, f, ro, sc->revision, NULL, err) < 0)
				goto out;
			if (!f->new_path && o->only)
				ag_repair_note(plan, "%s already follows file_template", sc->path);
		}
		if (o->only && !matched) {
			ag_err_set(
			    err, AG_ERR_USAGE,
			    "--only %s: no migration file of that name in the version locations",
			    o->only);
			goto out;
		}
	}
	ag_repair_commit_files(&w, plan);
	if (ag_repair_simulate(plan, base, ro, &after, err) < 0)
		goto out;
	if (ag_repair_refuse_new_errors(cur.graph, after.graph, &from, &to, "this rename", false, err) < 0)
		goto out;
	rc = 0;
out:
	if (rc < 0) {
		ag_repair_truncate(plan, n0, notes0, sql0);
	}
	ag_repair_result_free(&cur);
	ag_repair_result_free(&after);
	ag_pyedit_files_free(&w);
	ag_strv_free(&from);
	ag_strv_free(&to);
	return rc;
}


/* ---- carrying it out ---------------------------------------------------- */

void ag_rename_outcome_free(struct ag_rename_outcome *out)
{
	if (!out)
		return;
	ag_findings_free(&out->findings);
	ag_strv_free(&out->left);
	memset(out, 0, sizeof *out);
}

/*
 * Sorts the plan's renames against the rows as read: those to run go to
 * run_old/run_new; the rest become findings. Returns the number of
 * conflicts (old and new rows both present).
 */
static size_t sort_pairs(const struct ag_repair *plan, const struct ag_rename_apply_opts *o,
                         struct ag_strv *run_old, struct ag_strv *run_new,
                         struct ag_findings *fs)
{
	size_t conflicts = 0;
	const char *table = o->table_shown ? o->table_shown : o->table;
	for (size_t i = 0; i < plan->sql_old.n; i++) {
		const char *old = plan->sql_old.v[i], *nw = plan->sql_new.v[i];
		bool has_old = o->rows && ag_strv_has(o->rows, old),
		     has_new = o->rows && ag_strv_has(o->rows, nw);
		if (has_old && has_new) {
			conflicts++;
			struct ag_finding *f =
			    ag_findings_add(fs, AG_SEV_ERROR, "version-row-conflict", old, NULL, 0,
			                    "the version table holds both %s and %s; renaming the "
			                    "row would leave two rows for one revision, so nothing "
			                    "was changed (no file, no row)",
			                    old, nw);
			ag_finding_fix(
			    f,
			    "DELETE FROM %s WHERE version_num = '%s'; (after checking which "
			    "one the schema is at)",
			    table, old);
		} else if (has_old) {
			ag_strv_push(run_old, old);
			ag_strv_push(run_new, nw);
		} else if (has_new) {
			ag_findings_add(
			    fs, AG_SEV_INFO, "version-row-missing", old, NULL, 0,
			    "the version table holds no row '%s' but already holds '%s': the "
			    "UPDATE ran before, so 0 rows were updated",
			    old, nw);
		} else {
			char *all = o->rows ? ag_strv_join(o->rows, ", ") : ag_strdup("");
			struct ag_finding *f =
			    ag_findings_add(fs, AG_SEV_ERROR, "version-row-missing", old, NULL, 0,
			                    "the version table holds no row '%s' (it holds: %s): 0 "
			                    "rows were updated",
			                    old, o->rows && o->rows->n ? all : "nothing");
			ag_finding_fix(
			    f,
			    "check the database URL and --version-table; if the database "
			    "never ran %s, no UPDATE is needed",
			    old);
			free(all);
		}
	}
	return conflicts;
}

struct writing {
	struct ag_repair *plan;
	bool failed; /* ag_repair_apply failed: its message says what the files are */
};

/* Called by the database step between the UPDATEs and COMMIT. */
static int write_files(void *arg, struct ag_err *err)
{
	struct writing *w = arg;
	if (ag_repair_apply(w->plan, err) == 0)
		return 0;
	w->failed = true;
	return -1;
}

/* err's message, then what state things are in after a failed apply. */
static int failed(struct ag_repair *plan, struct ag_rename_outcome *out, bool files_said,
                  enum ag_db_tx tx, struct ag_err *err)
{
	char *why = ag_strdup(err->msg);
	enum ag_err_kind kind = err->kind;
	const char *db_state = tx == AG_DB_TX_UNKNOWN
	                           ? "the connection failed during COMMIT, so whether the "
	                             "database changed is unknown"
	                           : "the database was not changed";
	const char *files_state = "no file was changed";
	char *files_buf = NULL;
	if (ag_repair_any_done(plan)) {
		struct ag_err e2 = {0};
		if (ag_repair_revert(plan, &out->left, &e2) == 0) {
			files_state = "the files were put back as they were";
		} else {
			char *l = ag_strv_join(&out->left, ", ");
			files_buf = ag_printf("the files could not all be put back (%s): still "
			                      "changed: %s",
			                      e2.msg, l);
			free(l);
			files_state = files_buf;
		}
	}
	/* ag_repair_apply's message already says what it did to the files. */
	if (files_said && !files_buf)
		ag_err_set(err, kind, "%s; %s", why, db_state);
	else
		ag_err_set(err, kind, "%s; %s; %s", why, db_state, files_state);
	out->db_unknown = tx == AG_DB_TX_UNKNOWN;
	out->written = false;
	free(files_buf);
	free(why);
	return -1;
}

int ag_rename_apply(struct ag_repair *plan, const struct ag_rename_apply_opts *o,
                    struct ag_rename_outcome *out, struct ag_err *err)
{
	memset(out, 0, sizeof *out);
	out->updated = -1;
	struct ag_strv run_old = {0}, run_new = {0};
	int rc = 0;
	size_t conflicts = 0;
	if (o->db_fn)
		conflicts = sort_pairs(plan, o, &run_old, &run_new, &out->findings);
	if (conflicts) {
		/* Together or not at all: a row that cannot be renamed keeps
		 * the files as they are too. */
		out->updated = 0;
		goto done;
	}
	if (!o->db_fn || !run_old.n) {
		if (o->write && ag_repair_apply(plan, err) < 0) {
			rc = failed(plan, out, true, AG_DB_TX_ROLLED_BACK, err);
			goto done;
		}
		out->written = o->write;
		if (o->db_fn) {
			/* No row to rename: the findings say why. */
			out->applied = true;
			out->updated = 0;
		}
		goto done;
	}
	long updated = 0;
	enum ag_db_tx tx = AG_DB_TX_ROLLED_BACK;
	struct writing w = {plan, false};
	if (o->db_fn(o->db, o->schema, o->table, &run_old, &run_new, o->write ? write_files : NULL,
	             &w, &updated, &tx, err) < 0) {
		rc = failed(plan, out, w.failed, tx, err);
		goto done;
	}
	out->written = o->write;
	out->applied = true;
	out->updated = updated;
done:
	ag_strv_free(&run_old);
	ag_strv_free(&run_new);
	return rc;
}
