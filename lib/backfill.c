#include "backfill.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pyedit.h"
#include "template.h"

#define PLACEHOLDER_MESSAGE "placeholder"

static bool streq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

/* ---- the placeholder ------------------------------------------------- */

enum { V_REV, V_DOWN, V_LABELS, V_DEPENDS };
static const char *const var_names[] = {"revision", "down_revision", "branch_labels", "depends_on"};

/* How the project's newest migration is written. */
struct style {
	bool annotated;
	bool has[4];
	char *ann[4]; /* NULL or malloced: annotation text */
	char quote;
	char docq[4];
	bool id_comment;
	bool returns_none;
	bool crlf;
	struct ag_strv imports; /* typing imports the annotations need */
	char *from;             /* NULL or malloced: the file it was learned from */
};

static void style_free(struct style *st)
{
	for (int i = 0; i < 4; i++)
		free(st->ann[i]);
	ag_strv_free(&st->imports);
	free(st->from);
	memset(st, 0, sizeof *st);
}

static void style_default(struct style *st)
{
	memset(st, 0, sizeof *st);
	st->has[V_REV] = st->has[V_DOWN] = st->has[V_LABELS] = st->has[V_DEPENDS] = true;
	st->quote = '\'';
	strcpy(st->docq, "\"\"\"");
	st->id_comment = true;
}

static void imports_fn(const struct ag_pyedit_stmt *s, const char *text, void *arg)
{
	struct ag_strv *out = arg;
	const struct ag_tok *t = s->t;
	if (s->n < 2)
		return;
	static const char *const mods[] = {"typing", "__future__", "typing_extensions",
	                                   "collections"};
	bool want = false;
	if (ag_tok_is(&t[0], "from") || ag_tok_is(&t[0], "import"))
		for (size_t i = 0; i < AG_ARRAY_LEN(mods); i++)
			want |= ag_tok_is(&t[1], mods[i]);
	if (!want)
		return;
	size_t off = ag_pyedit_off(text, &t[0]);
	size_t end = ag_pyedit_off(text, &t[s->n - 1]) + t[s->n - 1].len;
	ag_strv_push_take(out, ag_strndup(text + off, end - off));
}

static void style_from(struct style *st, const char *path, const char *text, size_t len)
{
	style_default(st);
	st->from = ag_strdup(path);
	for (int v = 0; v < 4; v++) {
		struct ag_pyedit_assign as;
		ag_pyedit_find_assign(text, len, var_names[v], 0, &as);
		st->has[v] = as.found || v <= V_DOWN;
		if (as.found && as.ann_len) {
			st->annotated = true;
			st->ann[v] = ag_strndup(text + as.ann_off, as.ann_len);
		}
		if (v == V_REV && as.natoms)
			st->quote = as.atoms[0].quote == '"' ? '"' : '\'';
		ag_pyedit_assign_free(&as);
	}
	struct ag_doc d;
	ag_doc_read(&d, text, len);
	if (d.has && strlen(d.quote) == 3)
		strcpy(st->docq, d.quote);
	ag_doc_free(&d);
	st->id_comment = strstr(text, "# revision identifiers, used by Alembic") != NULL;
	st->returns_none = strstr(text, "def upgrade() -> None:") != NULL;
	st->crlf = memmem(text, len, "\r\n", 2) != NULL;
	if (st->annotated)
		ag_pyedit_each_statement(text, len, imports_fn, &st->imports);
}

/* The newest migration: the latest Create Date; without dates, the last
 * revision in upgrade order. */
static int newest_style(const struct ag_repair *plan, const struct ag_repair_result *cur,
                        struct style *st, struct ag_err *err)
{
	const struct ag_graph *g = cur->graph;
	const char *best = NULL;
	char *best_date = NULL;
	for (size_t i = 0; i < g->n; i++) {
		const struct ag_script *sc = g->v[i].script;
		size_t len = 0;
		bool gone = false;
		char *text = ag_repair_text_of(plan, sc->path, &len, &gone, err);
		if (!text) {
			if (gone)
				continue;
			free(best_date);
			return -1;
		}
		struct ag_doc d;
		ag_doc_read(&d, text, len);
		if (d.create_date && (!best_date || strcmp(d.create_date, best_date) > 0)) {
			free(best_date);
			best_date = d.create_date;
			d.create_date = NULL;
			best = sc->path;
		}
		ag_doc_free(&d);
		free(text);
	}
	free(best_date);
	if (!best && g->n) {
		size_t *heads = ag_malloc((g->n + 1) * sizeof *heads), nh = 0, np = 0;
		for (size_t i = 0; i < g->n; i++)
			if (g->v[i].head && !g->v[i].shadowed)
				heads[nh++] = i;
		size_t *order = ag_graph_upgrade_path(g, NULL, 0, heads, nh, &np);
		best = np ? g->v[order[np - 1]].script->path : g->v[g->n - 1].script->path;
		free(order);
		free(heads);
	}
	if (!best) {
		style_default(st);
		return 0;
	}
	size_t len = 0;
	bool gone = false;
	char *text = ag_repair_text_of(plan, best, &len, &gone, err);
	if (!text)
		return -1;
	style_from(st, best, text, len);
	free(text);
	return 0;
}

/* Appends words of text wrapped at width columns. */
static void wrap(struct ag_buf *out, const char *text, size_t width)
{
	size_t col = 0;
	const char *p = text;
	while (*p) {
		while (*p == ' ')
			p++;
		const char *e = p;
		while (*e && *e != ' ')
			e++;
		size_t n = (size_t)(e - p);
		if (!n)
			break;
		if (col && col + 1 + n > width) {
			ag_buf_addc(out, '\n');
			col = 0;
		} else if (col) {
			ag_buf_addc(out, ' ');
			col++;
		}
		for (size_t i = 0; i < n; i++)
			ag_buf_addc(out, p[i] == '\x01' ? ' ' : p[i]);
		col += n;
		p = e;
	}
	if (col)
		ag_buf_addc(out, '\n');
}

static char *down_literal(const struct ag_strv *parents, char q)
{
	if (!parents->n)
		return ag_strdup("None");
	if (parents->n == 1)
		return ag_pyedit_literal(parents->v[0], q);
	struct ag_buf b = {0};
	ag_buf_addc(&b, '(');
	for (size_t i = 0; i < parents->n; i++) {
		char *l = ag_pyedit_literal(parents->v[i], q);
		ag_buf_addf(&b, "%s%s", i ? ", " : "", l);
		free(l);
	}
	ag_buf_addc(&b, ')');
	return ag_buf_take(&b);
}

static char *placeholder_text(const struct style *st, const char *rev,
                              const struct ag_strv *parents, const char *reason, const char *date,
                              size_t *len)
{
	struct ag_buf b = {0};
	const char *q = st->docq;
	ag_buf_addf(&b, "%s%s\n\n", q, PLACEHOLDER_MESSAGE);
	/* \x01 is a space the wrapping must not break at. */
	char *para =
	    ag_printf("A no-op placeholder for revision %s, written by alembic-guard\x01"
	              "backfill. %s Whatever the original migration did is already in the "
	              "database, so upgrade() and downgrade() do nothing: this file only gives "
	              "Alembic the id back. Do not add schema changes to it.",
	              rev, reason);
	wrap(&b, para, 72);
	free(para);
	char *revises = ag_strv_join(parents, ", ");
	ag_buf_addf(&b, "\nRevision ID: %s\nRevises:%s%s\nCreate Date: %s\n\n%s\n", rev,
	            parents->n ? " " : "", revises, date, q);
	free(revises);
	for (size_t i = 0; i < st->imports.n; i++)
		ag_buf_addf(&b, "%s\n", st->imports.v[i]);
	ag_buf_adds(&b, "\n\n");
	if (st->id_comment)
		ag_buf_adds(&b, "# revision identifiers, used by Alembic.\n");
	for (int v = 0; v < 4; v++) {
		if (!st->has[v])
			continue;
		char *val = v == V_REV    ? ag_pyedit_literal(rev, st->quote)
		            : v == V_DOWN ? down_literal(parents, st->quote)
		                          : ag_strdup("None");
		if (st->ann[v])
			ag_buf_addf(&b, "%s: %s = %s\n", var_names[v], st->ann[v], val);
		else
			ag_buf_addf(&b, "%s = %s\n", var_names[v], val);
		free(val);
	}
	const char *ret = st->returns_none ? " -> None" : "";
	ag_buf_addf(&b, "\n\ndef upgrade()%s:\n    pass\n\n\ndef downgrade()%s:\n    pass\n", ret,
	            ret);
	if (st->crlf) {
		struct ag_buf c = {0};
		for (size_t i = 0; i < b.len; i++) {
			if (b.p[i] == '\n')
				ag_buf_addc(&c, '\r');
			ag_buf_addc(&c, b.p[i]);
		}
		ag_buf_free(&b);
		b = c;
	}
	*len = b.len;
	return ag_buf_take(&b);
}


/* ---- planning --------------------------------------------------------- */

/* Marks in mark[] the nodes in from[] and everything that descends from
 * them (through down_revision and depends_on). */
static void mark_descendants(const struct ag_graph *g, const size_t *from, size_t n, bool *mark)
{
	size_t *stack = ag_malloc((g->n + 1) * sizeof *stack);
	size_t top = 0;
	for (size_t i = 0; i < n; i++)
		if (from[i] < g->n && !mark[from[i]]) {
			mark[from[i]] = true;
			stack[top++] = from[i];
		}
	while (top) {
		const struct ag_node *nd = &g->v[stack[--top]];
		for (size_t k = 0; k < nd->nnext + nd->ndnext; k++) {
			size_t c = k < nd->nnext ? nd->next[k] : nd->dnext[k - nd->nnext];
			if (!mark[c]) {
				mark[c] = true;
				stack[top++] = c;
			}
		}
	}
	free(stack);
}

/* The heads of the graph left after removing the children (and all that
 * descends from them): where a line that broke off at a missing revision
 * joined the rest. As ag_graph_placeholder_parents, with extra children. */
static void rest_heads(const struct ag_graph *g, const size_t *kids, size_t nk,
                       struct ag_strv *heads)
{
	bool *gone = ag_calloc(g->n + 1, sizeof(bool));
	mark_descendants(g, kids, nk, gone);
	for (size_t i = 0; i < g->n; i++) {
		const struct ag_node *nd = &g->v[i];
		if (gone[i] || nd->shadowed)
			continue;
		bool has_child = false;
		for (size_t k = 0; k < nd->nnext; k++)
			has_child |= !gone[nd->next[k]];
		if (!has_child)
			ag_strv_push(heads, nd->id);
	}
	ag_strv_uniq(heads);
	free(gone);
}

/* Up to three ids of nodes, "a, b, c and 2 more". New. */
static char *list_nodes(const struct ag_graph *g, const size_t *v, size_t n)
{
	struct ag_buf b = {0};
	ag_buf_adds(&b, "");
	for (size_t i = 0; i < n && i < 3; i++)
		ag_buf_addf(&b, "%s%s", i ? (i + 1 == n ? " and " : ", ") : "", g->v[v[i]].id);
	if (n > 3)
		ag_buf_addf(&b, " and %zu more", n - 3);
	return ag_buf_take(&b);
}

/* Is dir one of the version locations (or, with recursive, inside one)? */
static bool is_location(const struct ag_repair_opts *ro, const char *dir)
{
	char *rd = realpath(dir, NULL);
	if (!rd)
		return false;
	bool ok = false;
	for (size_t k = 0; ro->locations && k < ro->locations->n && !ok; k++) {
		char *rl = realpath(ro->locations->v[k], NULL);
		if (!rl)
			continue;
		size_t n = strlen(rl);
		ok = strcmp(rd, rl) == 0 || (ro->recursive && strncmp(rd, rl, n) == 0 &&
		                             rd[n] == '/' && !strstr(rd + n, "/__pycache__"));
		free(rl);
	}
	free(rd);
	return ok;
}

static const char *first_location(const struct ag_repair_opts *ro)
{
	for (size_t k = 0; ro->locations && k < ro->locations->n; k++) {
		struct stat st;
		if (stat(ro->locations->v[k], &st) == 0 && S_ISDIR(st.st_mode))
			return ro->locations->v[k];
	}
	return NULL;
}

/* What planning one placeholder works on, step by step. */
struct bf {
	struct ag_repair *plan;
	const struct ag_scripts *base;
	const struct ag_repair_opts *ro;
	const struct ag_backfill_opts *o;
	const char *rev;
	struct ag_repair_result cur;   /* the repository as the plan so far leaves it */
	const struct ag_graph *g;      /* cur's graph */
	size_t *kids, nk;              /* the files that name rev as down_revision */
	bool in_db;                    /* the version table holds rev */
	size_t rp;                     /* --repoint's node, or AG_NONE */
	const char *rp_old;            /* its down_revision before, or NULL */
	struct ag_strv parents;        /* the placeholder's down_revision */
	char *how;                     /* where it goes, for the notes; malloced */
	char *kidlist;                 /* NULL or malloced: kids, for messages */
	char *path;                    /* the file to create; malloced */
	char *renamed;                 /* NULL or malloced: why path is not the template's name */
	struct style st;
};

static void bf_free(struct bf *b)
{
	ag_repair_result_free(&b->cur);
	free(b->kids);
	ag_strv_free(&b->parents);
	free(b->how);
	free(b->kidlist);
	free(b->path);
	free(b->renamed);
	style_free(&b->st);
}

/* rev must be new, not a label, and wanted by the database or a file. */
static int check_rev(struct bf *b, struct ag_err *err)
{
	const char *rev = b->rev;
	for (size_t i = 0; i < b->cur.scripts.n; i++)
		if (streq(b->cur.scripts.v[i].revision, rev))
			return ag_err_set(err, AG_ERR_USAGE,
			                  "cannot backfill %s: %s already defines it; backfill writes "
			                  "placeholders only for ids that no file defines",
			                  rev, b->cur.scripts.v[i].path);
	size_t lab = ag_graph_find_label(b->g, rev);
	if (lab != AG_NONE)
		return ag_err_set(
		    err, AG_ERR_USAGE,
		    "cannot backfill %s: it is a branch label of %s, and a revision id equal to "
		    "a label makes Alembic stop",
		    rev, b->g->v[lab].id);
	b->kids = ag_graph_children_naming(b->g, rev, &b->nk);
	b->in_db = b->o->db_rows && ag_strv_has(b->o->db_rows, rev);
	if (b->o->db_rows && !b->in_db && !b->nk) {
		char *rows = ag_strv_join(b->o->db_rows, ", ");
		ag_err_set(
		    err, AG_ERR_USAGE,
		    "cannot backfill %s: the database's version table does not hold it (it "
		    "holds: %s) and no migration names it, so a placeholder would change nothing",
		    rev, b->o->db_rows->n ? rows : "no rows");
		free(rows);
		return -1;
	}
	return 0;
}

/* --repoint CHILD: a file whose single down_revision can move onto rev. */
static int check_repoint(struct bf *b, struct ag_err *err)
{
	const char *child = b->o->repoint, *rev = b->rev;
	b->rp = AG_NONE;
	if (!child)
		return 0;
	size_t rp = ag_graph_find(b->g, child);
	if (rp == AG_NONE)
		return ag_err_set(err, AG_ERR_USAGE, "--repoint %s: no file defines revision %s",
		                  child, child);
	const struct ag_script *sc = b->g->v[rp].script;
	if (ag_strv_has(&sc->down, rev)) {
		ag_repair_note(b->plan, "%s already names %s as its down_revision: nothing to re-point",
		               child, rev);
		return 0;
	}
	if (!sc->down_known)
		return ag_err_set(err, AG_ERR_USAGE,
		                  "--repoint %s: its down_revision (%s:%d) is an expression; set it "
		                  "to '%s' by hand",
		                  child, sc->path, sc->down_line, rev);
	if (sc->down.n > 1)
		return ag_err_set(err, AG_ERR_USAGE,
		                  "--repoint %s: it is a merge of %zu revisions; which parent the "
		                  "placeholder replaces is for a person to decide: edit %s:%d by "
		                  "hand",
		                  child, sc->down.n, sc->path, sc->down_line);
	b->rp = rp;
	b->rp_old = sc->down.n ? sc->down.v[0] : NULL;
	return 0;
}

/* The parents --after names: revision ids, each once. */
static int parents_from_after(struct bf *b, struct ag_err *err)
{
	const struct ag_strv *after = b->o->after;
	if (after->n == 1 && strcmp(after->v[0], "base") == 0) {
		b->how = ag_printf("as a base (--after base)");
		return 0;
	}
	for (size_t i = 0; i < after->n; i++) {
		const char *a = after->v[i];
		if (ag_graph_find(b->g, a) == AG_NONE) {
			size_t lab = ag_graph_find_label(b->g, a);
			if (lab != AG_NONE)
				return ag_err_set(err, AG_ERR_USAGE,
				                  "--after %s: that is a branch label; a down_revision "
				                  "must name a revision id (here %s)",
				                  a, b->g->v[lab].id);
			return ag_err_set(err, AG_ERR_USAGE, "--after %s: no file defines revision %s",
			                  a, a);
		}
		if (ag_strv_has(&b->parents, a))
			return ag_err_set(err, AG_ERR_USAGE, "--after %s is given twice", a);
		ag_strv_push(&b->parents, a);
	}
	char *l = ag_strv_join(&b->parents, ", ");
	b->how = ag_printf("after %s, as --after says", l);
	free(l);
	return 0;
}

/* The parents the graph leaves: the head of the rest of the graph once
 * the children (and the re-pointed file) are taken away. */
static int parents_from_graph(struct bf *b, struct ag_err *err)
{
	const char *rev = b->rev;
	if (!b->nk && b->rp == AG_NONE)
		return ag_err_set(
		    err, AG_ERR_USAGE,
		    "cannot place %s: no file names it as its down_revision, so the graph "
		    "cannot say where it belongs. Pass --after REVISION: the revision production "
		    "ran just before %s. Choose with care: placing %s after a revision the "
		    "database never ran makes Alembic skip that revision forever. If newer "
		    "migrations exist that production has not run, also pass --repoint with the "
		    "first of them, so it runs after the placeholder",
		    rev, rev, rev);
	size_t *all = ag_malloc((b->nk + 1) * sizeof *all);
	if (b->nk)
		memcpy(all, b->kids, b->nk * sizeof *b->kids);
	size_t na = b->nk;
	if (b->rp != AG_NONE)
		all[na++] = b->rp;
	struct ag_strv cands = {0};
	rest_heads(b->g, all, na, &cands);
	free(all);
	if (cands.n > 1) {
		char *l = ag_strv_join(&cands, ", ");
		ag_err_set(err, AG_ERR_USAGE,
		           "cannot place %s: the graph leaves %zu candidates for its parent (%s). "
		           "Pass --after REVISION: the one production ran just before %s. Choose "
		           "with care: placing %s after a revision the database never ran makes "
		           "Alembic skip that revision forever",
		           rev, cands.n, l, rev, rev);
		free(l);
		ag_strv_free(&cands);
		return -1;
	}
	if (cands.n == 1) {
		ag_strv_push(&b->parents, cands.v[0]);
		b->how = b->nk ? ag_printf("after %s, the head of the rest of the graph, where the "
		                           "line of %s broke off",
		                           cands.v[0], b->kidlist)
		               : ag_printf("after %s, the head of the rest of the graph, where %s "
		                           "is re-pointed",
		                           cands.v[0], b->o->repoint);
	} else {
		b->how = ag_printf("as a base: every revision descends from %s",
		                   b->nk ? b->kidlist : b->o->repoint);
	}
	ag_strv_free(&cands);
	return 0;
}

/*
 * The placeholder's path: the name file_template gives, in --dir or the
 * first version location. A name Alembic would skip (it starts with
 * __init__ or .#) gets a "placeholder_" prefix instead, said in a note:
 * a repair only ever writes a file Alembic loads.
 */
static int choose_path(struct bf *b, struct ag_err *err)
{
	const struct ag_repair_opts *ro = b->ro;
	const char *dir = b->o->dir ? b->o->dir : first_location(ro);
	if (!dir)
		return ag_err_set(err, AG_ERR_CONFIG, "no version location exists to write %s into",
		                  b->rev);
	if (b->o->dir && !is_location(ro, b->o->dir))
		return ag_err_set(err, AG_ERR_USAGE,
		                  "--dir %s is not one of the version locations%s, so Alembic would "
		                  "never load a file written there",
		                  b->o->dir, ro->recursive ? " or a folder inside one" : "");
	char *name = ag_template_file_name(ro->file_template, b->rev, PLACEHOLDER_MESSAGE, ro->now,
	                                   err);
	if (!name)
		return -1;
	if (strchr(name, '/')) {
		ag_err_set(err, AG_ERR_USAGE,
		           "file_template gives '%s', a name with a directory; write %s by hand",
		           name, b->rev);
		free(name);
		return -1;
	}
	const char *why = ag_template_unloadable(name);
	if (why) {
		char *alt = ag_printf("placeholder_%s", name);
		if (ag_template_unloadable(alt)) {
			ag_err_set(err, AG_ERR_USAGE,
			           "file_template gives '%s', a name Alembic would not load (%s); "
			           "write %s by hand under a name ending in .py",
			           name, why, b->rev);
			free(alt);
			free(name);
			return -1;
		}
		b->renamed = ag_printf("file_template gives %s, a name Alembic would not load "
		                       "(%s), so the placeholder is %s",
		                       name, why, alt);
		free(name);
		name = alt;
	}
	b->path = ag_repair_join_path(dir, name);
	free(name);
	/* A file of this name in another version location would be fine for
	 * Alembic, but confusing; only the target path must be free. */
	if (ag_repair_name_taken(b->plan, b->path))
		return ag_err_set(err, AG_ERR_USAGE, "%s exists; backfill never overwrites a file",
		                  b->path);
	return 0;
}

/* The paragraph of the placeholder's docstring that says why it exists.
 * New. */
static char *reason_text(const struct bf *b)
{
	struct ag_buf why = {0};
	const char *rev = b->rev;
	if (b->in_db)
		ag_buf_adds(&why, "The database's version table holds this id");
	if (b->nk)
		ag_buf_addf(&why, "%s%s name%s it as down_revision", b->in_db ? " and " : "",
		            b->kidlist, b->nk == 1 ? "s" : "");
	if (!b->in_db && !b->nk)
		ag_buf_adds(&why, "Production ran this revision");
	if (b->in_db || !b->nk)
		ag_buf_addf(&why,
		            ", but no migration file defined it, so Alembic stopped with \"Can't "
		            "locate revision identified by '%s'\".",
		            rev);
	else
		ag_buf_addf(&why,
		            ", but no migration file defined it, so Alembic stopped with \"Revision "
		            "%s referenced from %s is not present\".",
		            rev, b->g->v[b->kids[0]].id);
	if (b->rp != AG_NONE)
		ag_buf_addf(&why, " %s, which came after %s, now comes after it.", b->o->repoint,
		            b->rp_old ? b->rp_old : "nothing (a base)");
	return ag_buf_take(&why);
}

static void add_placeholder(struct bf *b)
{
	char date[48];
	ag_template_format_date(b->ro->now, b->ro->now_usec, date, sizeof date);
	char *reason = reason_text(b);
	size_t tlen = 0;
	char *text = placeholder_text(&b->st, b->rev, &b->parents, reason, date, &tlen);
	free(reason);
	struct ag_repair_action *a = ag_repair_add(b->plan, AG_REPAIR_CREATE, b->path);
	a->revision = ag_strdup(b->rev);
	a->new_text = text;
	a->new_len = tlen;
	a->why = ag_printf("a no-op placeholder for %s, %s", b->rev, b->how);
	ag_repair_note(b->plan, "%s goes %s%s%s", b->rev, b->how,
	               b->st.from ? "; written in the style of " : "", b->st.from ? b->st.from : "");
	if (b->renamed)
		ag_repair_note(b->plan, "%s", b->renamed);
}

/* --repoint: the child's down_revision (and Revises:) becomes rev. */
static int repoint_child(struct bf *b, struct ag_err *err)
{
	const struct ag_script *sc = b->g->v[b->rp].script;
	struct ag_pyedit_files w = {0};
	int rc = -1;
	struct ag_pyedit_file *f = ag_repair_file_get(&w, b->plan, sc->path, err);
	if (!f)
		goto out;
	struct ag_pyedit_assign as;
	ag_pyedit_find_assign(f->text, f->len, "down_revision", sc->down_line, &as);
	if (!as.found || !(as.is_none || (as.natoms == 1 && as.plain))) {
		ag_err_set(err, AG_ERR_USAGE,
		           "--repoint %s: cannot find its down_revision in %s:%d as a plain "
		           "string or None; set it to '%s' by hand",
		           b->o->repoint, sc->path, sc->down_line, b->rev);
		ag_pyedit_assign_free(&as);
		goto out;
	}
	char *lit = ag_pyedit_literal(b->rev, as.natoms ? as.atoms[0].quote : b->st.quote);
	ag_pyedit_edit(f, as.val_off, as.val_len, lit);
	free(lit);
	ag_pyedit_assign_free(&as);
	if (sc->doc.has_revises) {
		struct ag_doc d;
		ag_doc_read(&d, f->text, f->len);
		ag_pyedit_set_doc_line(f, &d, sc->doc.revises_line, "Revises:", b->rev);
		ag_doc_free(&d);
	}
	f->revision = ag_strdup(sc->revision);
	char *why = ag_printf("re-point %s at the placeholder %s (its down_revision was %s)",
	                      b->o->repoint, b->rev, b->rp_old ? b->rp_old : "None");
	ag_pyedit_why(f, why);
	free(why);
	ag_repair_commit_files(&w, b->plan);
	rc = 0;
out:
	ag_pyedit_files_free(&w);
	return rc;
}

/* The proof: the repository as it would be has no new error and no more
 * heads than it may have. */
static int prove(struct bf *b, struct ag_err *err)
{
	struct ag_repair_result after = {0};
	if (ag_repair_simulate(b->plan, b->base, b->ro, &after, err) < 0)
		return -1;
	char *what = ag_printf("backfilling %s", b->rev);
	int rc = ag_repair_refuse_new_errors(b->g, after.graph, NULL, NULL, what, true, err);
	free(what);
	struct ag_strv hb = {0}, ha = {0};
	ag_repair_real_heads(b->g, &hb);
	ag_repair_real_heads(after.graph, &ha);
	bool too_many = b->ro->graph.heads_ok ? ha.n > hb.n : ha.n > 1;
	if (rc == 0 && too_many) {
		char *l = ag_strv_join(&ha, ", ");
		rc = ag_err_set(
		    err, AG_ERR_USAGE,
		    "cannot backfill %s there: the result would have %zu heads (%s), and `alembic "
		    "upgrade head` stops at \"Multiple head revisions are present\". Pass --after "
		    "with the revision production ran just before %s%s",
		    b->rev, ha.n, l, b->rev,
		    b->nk ? "" : ", and --repoint with the first newer migration production has not run");
		free(l);
	}
	ag_strv_free(&hb);
	ag_strv_free(&ha);
	ag_repair_result_free(&after);
	return rc;
}

int ag_backfill_plan(struct ag_repair *plan, const struct ag_scripts *base,
                     const struct ag_repair_opts *ro, const struct ag_backfill_opts *o,
                     struct ag_err *err)
{
	const char *bad = ag_repair_bad_id(o->rev);
	if (bad)
		return ag_err_set(err, AG_ERR_USAGE, "cannot backfill '%s': %s", o->rev ? o->rev : "",
		                  bad);
	size_t n0 = plan->n, notes0 = plan->notes.n, sql0 = plan->sql_old.n;
	struct bf b = {.plan = plan, .base = base, .ro = ro, .o = o, .rev = o->rev, .rp = AG_NONE};
	int rc = -1;
	if (ag_repair_simulate(plan, base, ro, &b.cur, err) < 0)
		goto out;
	b.g = b.cur.graph;
	if (check_rev(&b, err) < 0 || check_repoint(&b, err) < 0)
		goto out;
	b.kidlist = list_nodes(b.g, b.kids, b.nk);
	if (o->after && o->after->n ? parents_from_after(&b, err) < 0
	                            : parents_from_graph(&b, err) < 0)
		goto out;
	if (choose_path(&b, err) < 0 || newest_style(plan, &b.cur, &b.st, err) < 0)
		goto out;
	add_placeholder(&b);
	if (b.rp != AG_NONE && repoint_child(&b, err) < 0)
		goto out;
	rc = prove(&b, err);
out:
	if (rc < 0)
		ag_repair_truncate(plan, n0, notes0, sql0);
	bf_free(&b);
	return rc;
}
