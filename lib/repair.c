#include "repair.h"
#include "quote.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic.h"
#include "diff.h"
#include "report.h"
#include "template.h"

/* ---- the plan -------------------------------------------------------- */

static void action_free(struct ag_repair_action *a)
{
	free(a->path);
	free(a->new_path);
	free(a->keep);
	free(a->revision);
	free(a->old_text);
	free(a->new_text);
	free(a->why);
}

void ag_repair_free(struct ag_repair *plan)
{
	if (!plan)
		return;
	for (size_t i = 0; i < plan->n; i++)
		action_free(&plan->v[i]);
	free(plan->v);
	ag_strv_free(&plan->sql_old);
	ag_strv_free(&plan->sql_new);
	ag_strv_free(&plan->notes);
	memset(plan, 0, sizeof *plan);
}

struct ag_repair_action *ag_repair_add(struct ag_repair *plan, enum ag_repair_kind kind,
                                       const char *path)
{
	ag_grow((void **)&plan->v, &plan->cap, plan->n + 1, sizeof *plan->v);
	struct ag_repair_action *a = &plan->v[plan->n++];
	memset(a, 0, sizeof *a);
	a->kind = kind;
	a->path = ag_strdup(path);
	return a;
}

static char *memdup0(const char *p, size_t n)
{
	char *s = ag_malloc(n + 1);
	if (n)
		memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

static bool streq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

/*
 * The text of path as the plan so far leaves it. *gone is set when the
 * plan deletes or moves the file away. Returns a new buffer (NUL
 * terminated), or NULL with *gone, or NULL with err on a read error.
 */
char *ag_repair_text_of(const struct ag_repair *plan, const char *path, size_t *len, bool *gone,
                        struct ag_err *err)
{
	*gone = false;
	for (size_t i = plan ? plan->n : 0; i-- > 0;) {
		const struct ag_repair_action *a = &plan->v[i];
		if (a->kind == AG_REPAIR_RENAME && streq(a->new_path, path)) {
			const char *t = a->new_text ? a->new_text : a->old_text;
			size_t n = a->new_text ? a->new_len : a->old_len;
			*len = n;
			return memdup0(t, n);
		}
		if (!streq(a->path, path))
			continue;
		if (a->kind == AG_REPAIR_DELETE || a->kind == AG_REPAIR_RENAME) {
			*gone = true;
			return NULL;
		}
		if (a->kind == AG_REPAIR_CREATE || a->kind == AG_REPAIR_EDIT) {
			*len = a->new_len;
			return memdup0(a->new_text, a->new_len);
		}
	}
	const char *kind = NULL;
	char *t = ag_read_regular_file(path, len, &kind);
	if (!t)
		ag_err_set(err, AG_ERR_IO, "cannot read %s: %s%s", path,
		           kind ? kind : strerror(errno), kind ? ", not a regular file" : "");
	return t;
}

/* True when the plan creates path or moves a file onto it. */
bool ag_repair_claims(const struct ag_repair *plan, const char *path)
{
	for (size_t i = 0; plan && i < plan->n; i++) {
		const struct ag_repair_action *a = &plan->v[i];
		if ((a->kind == AG_REPAIR_CREATE && streq(a->path, path)) ||
		    (a->kind == AG_REPAIR_RENAME && streq(a->new_path, path)))
			return true;
	}
	return false;
}

/* A name is taken when a file is there or the plan puts one there. */
bool ag_repair_name_taken(const struct ag_repair *plan, const char *path)
{
	struct stat st;
	return ag_repair_claims(plan, path) || lstat(path, &st) == 0;
}

char *ag_repair_dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return ag_strdup(".");
	if (slash == path)
		return ag_strdup("/");
	return ag_strndup(path, (size_t)(slash - path));
}

const char *ag_repair_base_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

char *ag_repair_join_path(const char *dir, const char *name)
{
	if (strcmp(dir, ".") == 0)
		return ag_strdup(name);
	size_t n = strlen(dir);
	return ag_printf("%s%s%s", dir, n && dir[n - 1] == '/' ? "" : "/", name);
}

void ag_repair_note(struct ag_repair *plan, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	ag_strv_push_take(&plan->notes, ag_vprintf(fmt, ap));
	va_end(ap);
}

static void strv_cut(struct ag_strv *sv, size_t n)
{
	while (sv->n > n) {
		free(sv->v[--sv->n]);
		sv->v[sv->n] = NULL;
	}
}

void ag_repair_truncate(struct ag_repair *plan, size_t n, size_t nnotes, size_t nsql)
{
	while (plan->n > n)
		action_free(&plan->v[--plan->n]);
	strv_cut(&plan->notes, nnotes);
	strv_cut(&plan->sql_old, nsql);
	strv_cut(&plan->sql_new, nsql);
}

/* ---- ids and SQL ------------------------------------------------------ */

const char *ag_repair_bad_id(const char *id)
{
	if (!id || !*id)
		return "a revision id cannot be empty";
	for (const unsigned char *p = (const unsigned char *)id; *p; p++) {
		if (*p == '-' || *p == '@' || *p == '+')
			return "Alembic refuses revision ids that contain '-', '@' or '+' "
			       "(they mean relative revisions and branch@head)";
	}
	for (const unsigned char *p = (const unsigned char *)id; *p; p++) {
		if (*p <= ' ' || *p == 0x7f || *p == '\'' || *p == '"' || *p == '\\' || *p == ',')
			return "a revision id with a space, a quote, a backslash, a comma or a "
			       "control "
			       "character cannot be written safely into a migration file and its "
			       "Revises: header";
	}
	return NULL;
}

char *ag_repair_sql(const char *table, const char *old_id, const char *new_id)
{
	return ag_quote_sql_update(table ? table : "alembic_version", new_id, old_id);
}

/* ---- files a plan edits ------------------------------------------------ */

struct ag_pyedit_file *ag_repair_file_get(struct ag_pyedit_files *w, const struct ag_repair *plan,
                                          const char *path, struct ag_err *err)
{
	for (size_t i = 0; i < w->n; i++)
		if (strcmp(w->v[i].path, path) == 0)
			return &w->v[i];
	size_t len = 0;
	bool gone = false;
	char *text = ag_repair_text_of(plan, path, &len, &gone, err);
	if (!text) {
		if (gone)
			ag_err_set(err, AG_ERR_USAGE, "%s is already deleted or moved by this plan",
			           path);
		return NULL;
	}
	ag_grow((void **)&w->v, &w->cap, w->n + 1, sizeof *w->v);
	struct ag_pyedit_file *f = &w->v[w->n++];
	memset(f, 0, sizeof *f);
	f->path = ag_strdup(path);
	f->text = text;
	f->len = len;
	return f;
}


void ag_repair_commit_files(struct ag_pyedit_files *w, struct ag_repair *plan)
{
	for (size_t i = 0; i < w->n; i++) {
		struct ag_pyedit_file *f = &w->v[i];
		size_t nlen = 0;
		char *ntext = ag_pyedit_result(f, &nlen);
		bool changed = nlen != f->len || memcmp(ntext, f->text, nlen) != 0;
		if (!changed && !f->new_path) {
			free(ntext);
			continue;
		}
		char *why = ag_strv_join(&f->why, "; ");
		/* A file this plan creates or edits already: change that action. */
		struct ag_repair_action *prev = NULL;
		for (size_t k = 0; k < plan->n; k++)
			if ((plan->v[k].kind == AG_REPAIR_CREATE ||
			     plan->v[k].kind == AG_REPAIR_EDIT) &&
			    streq(plan->v[k].path, f->path))
				prev = &plan->v[k];
		if (prev && !f->new_path) {
			free(prev->new_text);
			prev->new_text = ntext;
			prev->new_len = nlen;
			char *w2 = ag_printf("%s; %s", prev->why, why);
			free(prev->why);
			prev->why = w2;
			free(why);
			continue;
		}
		struct ag_repair_action *a =
		    ag_repair_add(plan, f->new_path ? AG_REPAIR_RENAME : AG_REPAIR_EDIT, f->path);
		a->new_path = f->new_path ? ag_strdup(f->new_path) : NULL;
		a->revision = f->revision ? ag_strdup(f->revision) : NULL;
		a->old_text = memdup0(f->text, f->len);
		a->old_len = f->len;
		if (changed) {
			a->new_text = ntext;
			a->new_len = nlen;
		} else {
			free(ntext);
		}
		a->why = why;
	}
}


/* ---- the repository after the plan -------------------------------------- */

void ag_repair_result_free(struct ag_repair_result *res)
{
	if (!res)
		return;
	ag_graph_free(res->graph);
	ag_scripts_free(&res->scripts);
	memset(res, 0, sizeof *res);
}

static const struct ag_repair_action *moved_from(const struct ag_repair *plan, const char *path)
{
	for (size_t i = plan->n; i-- > 0;)
		if (plan->v[i].kind == AG_REPAIR_RENAME && streq(plan->v[i].path, path))
			return &plan->v[i];
	return NULL;
}

static size_t location_of(const struct ag_repair_opts *ro, const char *path)
{
	for (size_t k = 0; ro->locations && k < ro->locations->n; k++) {
		const char *loc = ro->locations->v[k];
		size_t n = strlen(loc);
		if (strncmp(path, loc, n) == 0 && path[n] == '/')
			return k;
	}
	return 0;
}

int ag_repair_simulate(const struct ag_repair *plan, const struct ag_scripts *base,
                       const struct ag_repair_opts *ro, struct ag_repair_result *res,
                       struct ag_err *err)
{
	memset(res, 0, sizeof *res);
	struct ag_scripts *ss = &res->scripts;
	size_t total = base->n + plan->n + 1;
	ss->v = ag_calloc(total, sizeof *ss->v);
	ss->cap = total;
	for (size_t i = 0; i < base->n; i++) {
		const char *path = base->v[i].path;
		size_t len = 0;
		bool gone = false;
		char *text = ag_repair_text_of(plan, path, &len, &gone, err);
		const char *npath = path;
		if (gone) {
			const struct ag_repair_action *mv = moved_from(plan, path);
			if (!mv)
				continue; /* deleted */
			npath = mv->new_path;
			len = mv->new_text ? mv->new_len : mv->old_len;
			text = memdup0(mv->new_text ? mv->new_text : mv->old_text, len);
		}
		if (!text) {
			ag_repair_result_free(res);
			return -1;
		}
		struct ag_script *sc = &ss->v[ss->n++];
		sc->path = ag_strdup(npath);
		sc->location = base->v[i].location;
		ag_script_parse(sc, sc->path, text, len, ro->defines);
		free(text);
	}
	for (size_t i = 0; i < plan->n; i++) {
		const struct ag_repair_action *a = &plan->v[i];
		if (a->kind != AG_REPAIR_CREATE)
			continue;
		struct ag_script *sc = &ss->v[ss->n++];
		sc->path = ag_strdup(a->path);
		sc->location = location_of(ro, a->path);
		ag_script_parse(sc, sc->path, a->new_text, a->new_len, ro->defines);
	}
	res->graph = ag_graph_build(ss, &ro->graph);
	return 0;
}

/* Distinct heads Alembic would print (a duplicate id counts once). */
void ag_repair_real_heads(const struct ag_graph *g, struct ag_strv *out)
{
	for (size_t i = 0; i < g->n; i++)
		if (g->v[i].head && !g->v[i].shadowed)
			ag_strv_push(out, g->v[i].id);
	ag_strv_uniq(out);
}

/* The error findings of after that before does not have (by code and
 * revision; a revision renamed from[i] -> to[i] counts as the same). */
static void new_errors(const struct ag_graph *before, const struct ag_graph *after,
                       const struct ag_strv *from, const struct ag_strv *to,
                       struct ag_findings *out)
{
	for (size_t i = 0; i < after->findings.n; i++) {
		const struct ag_finding *f = &after->findings.v[i];
		if (f->severity != AG_SEV_ERROR)
			continue;
		const char *rev = f->revision;
		for (size_t k = 0; rev && to && k < to->n; k++)
			if (strcmp(rev, to->v[k]) == 0)
				rev = from->v[k];
		bool seen = false;
		for (size_t k = 0; k < before->findings.n && !seen; k++) {
			const struct ag_finding *b = &before->findings.v[k];
			seen = b->severity == AG_SEV_ERROR && strcmp(b->code, f->code) == 0 &&
			       ((!b->revision && !rev) || streq(b->revision, rev));
		}
		if (!seen) {
			struct ag_finding *c =
			    ag_findings_add(out, f->severity, f->code, f->revision, f->file,
			                    f->line, "%s", f->message);
			if (f->fix)
				ag_finding_fix(c, "%s", f->fix);
		}
	}
}

/* Refuses with the first new error, if any; one about heads only when
 * there is nothing more telling (a cycle also leaves odd heads). */
int ag_repair_refuse_new_errors(const struct ag_graph *before, const struct ag_graph *after,
                                const struct ag_strv *from, const struct ag_strv *to,
                                const char *what, bool skip_heads, struct ag_err *err)
{
	struct ag_findings fs = {0};
	new_errors(before, after, from, to, &fs);
	const struct ag_finding *pick = NULL;
	for (size_t i = 0; i < fs.n && !pick; i++)
		if (strcmp(fs.v[i].code, "multiple-heads") != 0)
			pick = &fs.v[i];
	if (!pick && !skip_heads && fs.n)
		pick = &fs.v[0];
	int rc = 0;
	if (pick)
		rc = ag_err_set(
		    err, AG_ERR_USAGE,
		    "%s would leave the repository with an error it does not have now, so "
		    "nothing is written: %s [%s]%s",
		    what, pick->message, pick->code, fs.n > 1 ? " (and more)" : "");
	ag_findings_free(&fs);
	return rc;
}

/* ---- carrying it out --------------------------------------------------- */

static int delete_copy(const struct ag_repair_action *a, struct ag_err *err)
{
	/* The copy that stays must still be there, and still the same. */
	if (ag_atomic_check(a->keep, a->new_text, a->new_len, err) < 0)
		return -1;
	return ag_atomic_remove(a->path, a->old_text, a->old_len, err);
}

static int do_action(const struct ag_repair_action *a, struct ag_err *err)
{
	switch (a->kind) {
	case AG_REPAIR_CREATE: return ag_atomic_write_new(a->path, a->new_text, a->new_len, err);
	case AG_REPAIR_EDIT:
		return ag_atomic_replace(a->path, a->old_text, a->old_len, a->new_text, a->new_len,
		                         err);
	case AG_REPAIR_RENAME:
		return ag_atomic_move(a->path, a->new_path, a->old_text, a->old_len, a->new_text,
		                      a->new_len, err);
	case AG_REPAIR_DELETE: return delete_copy(a, err);
	case AG_REPAIR_DUPLICATE: return 0;
	}
	return 0;
}

/* The action backwards, each step only while the file holds what the
 * action wrote. */
static int undo_action(const struct ag_repair_action *a, struct ag_err *err)
{
	switch (a->kind) {
	case AG_REPAIR_CREATE: return ag_atomic_remove(a->path, a->new_text, a->new_len, err);
	case AG_REPAIR_EDIT:
		return ag_atomic_replace(a->path, a->new_text, a->new_len, a->old_text, a->old_len,
		                         err);
	case AG_REPAIR_RENAME:
		if (a->new_text)
			return ag_atomic_move(a->new_path, a->path, a->new_text, a->new_len,
			                      a->old_text, a->old_len, err);
		return ag_atomic_move(a->new_path, a->path, a->old_text, a->old_len, NULL, 0, err);
	case AG_REPAIR_DELETE: return ag_atomic_write_new(a->path, a->old_text, a->old_len, err);
	case AG_REPAIR_DUPLICATE: return 0;
	}
	return 0;
}

static const enum ag_repair_kind apply_order[] = {AG_REPAIR_CREATE, AG_REPAIR_EDIT,
                                                  AG_REPAIR_RENAME, AG_REPAIR_DELETE};

bool ag_repair_any_done(const struct ag_repair *plan)
{
	for (size_t i = 0; i < plan->n; i++)
		if (plan->v[i].done)
			return true;
	return false;
}

int ag_repair_revert(struct ag_repair *plan, struct ag_strv *left, struct ag_err *err)
{
	int rc = 0;
	for (size_t o = AG_ARRAY_LEN(apply_order); o-- > 0;) {
		for (size_t i = plan->n; i-- > 0;) {
			struct ag_repair_action *a = &plan->v[i];
			if (a->kind != apply_order[o] || !a->done)
				continue;
			struct ag_err e = {0};
			if (undo_action(a, &e) == 0) {
				a->done = false;
				continue;
			}
			if (rc == 0)
				*err = e;
			rc = -1;
			if (left)
				ag_strv_push(left, a->kind == AG_REPAIR_RENAME ? a->new_path : a->path);
		}
	}
	return rc;
}

/* Python trusts a __pycache__ file while the source's mtime, in whole
 * seconds, and size are the ones it was compiled from: an edit of the same
 * size within the second of the file's last change would leave Alembic
 * running the old text. And with sourceless = true Alembic loads a
 * __pycache__ file whose source is gone, so a renamed file's old bytecode
 * would define the old id again. Both are caches of text this repair
 * replaced, so they go (best effort: Python rewrites them). */
static bool is_bytecode_of(const char *name, const char *stem, size_t slen)
{
	if (strncmp(name, stem, slen) != 0 || name[slen] != '.')
		return false;
	const char *tag = name + slen + 1; /* "cpython-311.pyc", "cpython-311.opt-1.pyc" */
	const char *dot = strchr(tag, '.');
	if (!dot || dot == tag)
		return false;
	if (strcmp(dot, ".pyc") == 0)
		return true;
	return strncmp(dot, ".opt-", 5) == 0 && strchr(dot + 1, '.') &&
	       strcmp(strchr(dot + 1, '.'), ".pyc") == 0;
}

static void drop_bytecode(const char *py)
{
	size_t n = strlen(py);
	if (n < 4 || strcmp(py + n - 3, ".py") != 0)
		return;
	const char *slash = strrchr(py, '/');
	size_t dlen = slash ? (size_t)(slash - py) : 0;
	const char *base = slash ? slash + 1 : py;
	char *stem = ag_strndup(base, strlen(base) - 3);
	char *cache = ag_printf("%.*s%s__pycache__", (int)dlen, py, slash ? "/" : "");
	DIR *d = opendir(cache);
	if (d) {
		struct dirent *e;
		while ((e = readdir(d)) != NULL) {
			if (!is_bytecode_of(e->d_name, stem, strlen(stem)))
				continue;
			char *f = ag_printf("%s/%s", cache, e->d_name);
			(void)unlink(f);
			free(f);
		}
		closedir(d);
	}
	free(cache);
	free(stem);
}

int ag_repair_apply(struct ag_repair *plan, struct ag_err *err)
{
	for (size_t o = 0; o < AG_ARRAY_LEN(apply_order); o++) {
		for (size_t i = 0; i < plan->n; i++) {
			struct ag_repair_action *a = &plan->v[i];
			if (a->kind != apply_order[o] || a->done)
				continue;
			if (do_action(a, err) == 0) {
				a->done = true;
				continue;
			}
			/* The message is copied: ag_err_set writes into err->msg. */
			char *first = ag_strdup(err->msg);
			if (!ag_repair_any_done(plan)) {
				ag_err_set(err, err->kind, "%s; no file was changed", first);
				free(first);
				return -1;
			}
			struct ag_strv left = {0};
			struct ag_err why = {0};
			if (ag_repair_revert(plan, &left, &why) == 0) {
				ag_err_set(err, AG_ERR_IO,
				           "%s; the files changed before it were put back, so no "
				           "file is changed",
				           first);
			} else {
				char *l = ag_strv_join(&left, ", ");
				ag_err_set(err, AG_ERR_IO,
				           "%s; putting back the files changed before it failed too "
				           "(%s), so these are still changed: %s",
				           first, why.msg, l);
				free(l);
			}
			free(first);
			ag_strv_free(&left);
			return -1;
		}
	}
	for (size_t i = 0; i < plan->n; i++) {
		const struct ag_repair_action *a = &plan->v[i];
		if (a->kind == AG_REPAIR_EDIT || a->kind == AG_REPAIR_RENAME ||
		    a->kind == AG_REPAIR_DELETE)
			drop_bytecode(a->path);
	}
	return 0;
}

/* ---- forwarders for lib/lint.c and lib/init.c ---------------------------- */

int ag_repair_write_new(const char *path, const char *data, size_t len, struct ag_err *err)
{
	return ag_atomic_write_new(path, data, len, err);
}

int ag_repair_replace(const char *path, const char *expect, size_t elen, const char *data,
                      size_t len, struct ag_err *err)
{
	return ag_atomic_replace(path, expect, elen, data, len, err);
}

void ag_repair_diff(const char *a_label, const char *a, size_t alen, const char *b_label,
                    const char *b, size_t blen, struct ag_buf *out)
{
	ag_diff_unified(a_label, a, alen, b_label, b, blen, out);
}

/* ---- showing the plan --------------------------------------------------- */

static const char *kind_name(enum ag_repair_kind k)
{
	switch (k) {
	case AG_REPAIR_CREATE: return "create";
	case AG_REPAIR_EDIT: return "edit";
	case AG_REPAIR_RENAME: return "rename";
	case AG_REPAIR_DELETE: return "delete";
	case AG_REPAIR_DUPLICATE: return "duplicate";
	}
	return "?";
}

static void action_diff(const struct ag_repair_action *a, struct ag_buf *out)
{
	switch (a->kind) {
	case AG_REPAIR_CREATE:
		ag_diff_unified(NULL, "", 0, a->path, a->new_text, a->new_len, out);
		break;
	case AG_REPAIR_EDIT:
		ag_diff_unified(a->path, a->old_text, a->old_len, a->path, a->new_text, a->new_len,
		               out);
		break;
	case AG_REPAIR_RENAME:
		if (a->new_text)
			ag_diff_unified(a->path, a->old_text, a->old_len, a->new_path, a->new_text,
			               a->new_len, out);
		break;
	case AG_REPAIR_DELETE: break;
	case AG_REPAIR_DUPLICATE:
		ag_diff_unified(a->keep, a->new_text, a->new_len, a->path, a->old_text, a->old_len,
		               out);
		break;
	}
}

void ag_repair_render_text(const struct ag_repair *plan, const char *table, bool diffs,
                           struct ag_buf *out)
{
	for (size_t i = 0; i < plan->notes.n; i++)
		ag_buf_addf(out, "%s.\n", plan->notes.v[i]);
	if (plan->notes.n)
		ag_buf_addc(out, '\n');
	for (size_t i = 0; i < plan->n; i++) {
		const struct ag_repair_action *a = &plan->v[i];
		/* Paths and diffed lines are outside text: each line of the
		 * action's rendering goes out through the one sanitizer, so a file
		 * name or a file's bytes cannot start a line or send an escape. */
		struct ag_buf raw = {0};
		struct ag_buf *const shown = out;
		out = &raw;
		switch (a->kind) {
		case AG_REPAIR_RENAME:
			ag_buf_addf(out, "rename %s -> %s\n", a->path, a->new_path);
			break;
		case AG_REPAIR_DELETE:
			ag_buf_addf(out, "delete %s (identical to %s)\n", a->path, a->keep);
			break;
		case AG_REPAIR_DUPLICATE:
			ag_buf_addf(out, "duplicate %s (differs from %s; not deleted)\n", a->path,
			            a->keep);
			break;
		default: ag_buf_addf(out, "%s %s\n", kind_name(a->kind), a->path);
		}
		if (a->why)
			ag_buf_addf(out, "  %s\n", a->why);
		if (diffs)
			action_diff(a, out);
		out = shown;
		for (const char *p = raw.p, *e = raw.p ? raw.p + raw.len : NULL; p && p < e;) {
			const char *nl = memchr(p, '\n', (size_t)(e - p));
			size_t n = nl ? (size_t)(nl - p) : (size_t)(e - p);
			char *line = ag_strndup(p, n);
			ag_quote_visible(out, line);
			ag_buf_addc(out, '\n');
			free(line);
			p += n + (nl != NULL);
		}
		ag_buf_free(&raw);
		ag_buf_addc(out, '\n');
	}
	if (plan->sql_old.n) {
		ag_buf_adds(out, "the database's version table:\n");
		for (size_t i = 0; i < plan->sql_old.n; i++) {
			char *sql = ag_repair_sql(table, plan->sql_old.v[i], plan->sql_new.v[i]);
			ag_buf_addf(out, "  %s\n", sql);
			free(sql);
		}
		ag_buf_addc(out, '\n');
	}
}

void ag_repair_render_json(const struct ag_repair *plan, const char *table, const json_t *report,
                           bool written, bool applied, long rows_updated, struct ag_buf *out)
{
	/* A deep copy: the caller's report stays as it was. */
	json_t *root = json_is_object(report) ? json_deep_copy(report) : json_object();
	json_t *r = json_object();
	json_object_set_new(r, "written", json_boolean(written));
	json_object_set_new(r, "applied", json_boolean(applied));
	json_object_set_new(r, "rows_updated",
	                    rows_updated >= 0 ? json_integer(rows_updated) : json_null());
	json_t *acts = json_array();
	for (size_t i = 0; i < plan->n; i++) {
		const struct ag_repair_action *a = &plan->v[i];
		json_t *o = json_object();
		json_object_set_new(o, "action", json_string(kind_name(a->kind)));
		json_object_set_new(o, "file", ag_report_jstr(a->path));
		json_object_set_new(o, "to", ag_report_jstr(a->new_path));
		json_object_set_new(o, "keep", ag_report_jstr(a->keep));
		json_object_set_new(o, "revision", ag_report_jstr(a->revision));
		json_object_set_new(o, "why", ag_report_jstr(a->why));
		struct ag_buf d = {0};
		ag_buf_adds(&d, "");
		action_diff(a, &d);
		json_object_set_new(o, "diff", ag_report_jstr(d.p));
		ag_buf_free(&d);
		json_object_set_new(o, "done", json_boolean(a->done));
		json_array_append_new(acts, o);
	}
	json_object_set_new(r, "actions", acts);
	json_t *sql = json_array();
	for (size_t i = 0; i < plan->sql_old.n; i++) {
		char *s = ag_repair_sql(table, plan->sql_old.v[i], plan->sql_new.v[i]);
		json_array_append_new(sql, ag_report_jstr(s));
		free(s);
	}
	json_object_set_new(r, "sql", sql);
	json_t *notes = json_array();
	for (size_t i = 0; i < plan->notes.n; i++)
		json_array_append_new(notes, ag_report_jstr(plan->notes.v[i]));
	json_object_set_new(r, "notes", notes);
	json_object_set_new(root, "repair", r);
	char *s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (s) {
		ag_buf_adds(out, s);
		ag_buf_addc(out, '\n');
		free(s);
	}
}
