#include "verdict.h"
#include "quote.h"

#include <stdlib.h>
#include <string.h>

static bool blocking(const struct ag_findings *fs, bool strict)
{
	return ag_findings_count(fs, AG_SEV_ERROR) || (strict && ag_findings_count(fs, AG_SEV_WARNING));
}

int ag_verdict_repo_exit(const struct ag_graph *g, const struct ag_verdict_opts *opts)
{
	return blocking(&g->findings, opts && opts->strict) ? 1 : 0;
}

/* Ids come from files and databases, and users paste these statements
 * and commands: lib/quote builds every one. */

/* Sets f's fix to the UPDATE that moves the row old to new. */
static void fix_update(struct ag_finding *f, const char *table_sql, const char *nw,
		       const char *old)
{
	char *s = ag_quote_sql_update(table_sql, nw, old);
	ag_finding_fix(f, "%s", s);
	free(s);
}

/* The version table as SQL names it. New. */
static char *table_sql_of(const struct ag_verdict_opts *o)
{
	return ag_quote_sql_table(o ? o->table_schema : NULL, o ? o->table_name : NULL);
}

/* Lookups built once per judgement, so that each row costs a binary search
 * instead of a walk over every file: a version table of 10,000 rows against
 * 10,000 files stays well under a second. */
struct index {
	const struct ag_graph *g;
	size_t *by_id;        /* effective nodes sorted by id */
	size_t nid;
	size_t *by_name;      /* effective nodes sorted by file name */
	size_t nname;
	size_t *by_doc;       /* effective nodes with a docstring id, sorted by it */
	size_t ndoc;
	struct ag_strv named; /* every id a down_revision or depends_on names, sorted */
};

static int cmp_id(const void *a, const void *b, void *arg)
{
	const struct ag_graph *g = ((const struct index *)arg)->g;
	return strcmp(g->v[*(const size_t *)a].id, g->v[*(const size_t *)b].id);
}

static int cmp_name(const void *a, const void *b, void *arg)
{
	const struct ag_graph *g = ((const struct index *)arg)->g;
	return strcmp(g->v[*(const size_t *)a].script->name, g->v[*(const size_t *)b].script->name);
}

static int cmp_doc(const void *a, const void *b, void *arg)
{
	const struct ag_graph *g = ((const struct index *)arg)->g;
	return strcmp(g->v[*(const size_t *)a].script->doc.revision,
		      g->v[*(const size_t *)b].script->doc.revision);
}

static void index_build(struct index *ix, const struct ag_graph *g)
{
	memset(ix, 0, sizeof *ix);
	ix->g = g;
	ix->by_id = ag_malloc((g->n + 1) * sizeof *ix->by_id);
	ix->by_name = ag_malloc((g->n + 1) * sizeof *ix->by_name);
	ix->by_doc = ag_malloc((g->n + 1) * sizeof *ix->by_doc);
	for (size_t i = 0; i < g->n; i++) {
		if (g->v[i].shadowed)
			continue;
		const struct ag_script *sc = g->v[i].script;
		ix->by_id[ix->nid++] = i;
		ix->by_name[ix->nname++] = i;
		if (sc->doc.revision)
			ix->by_doc[ix->ndoc++] = i;
		for (size_t k = 0; k < sc->down.n; k++)
			ag_strv_push(&ix->named, sc->down.v[k]);
		for (size_t k = 0; k < sc->depends.n; k++)
			ag_strv_push(&ix->named, sc->depends.v[k]);
	}
	qsort_r(ix->by_id, ix->nid, sizeof *ix->by_id, cmp_id, ix);
	qsort_r(ix->by_name, ix->nname, sizeof *ix->by_name, cmp_name, ix);
	qsort_r(ix->by_doc, ix->ndoc, sizeof *ix->by_doc, cmp_doc, ix);
	ag_strv_uniq(&ix->named);
}

static void index_free(struct index *ix)
{
	free(ix->by_id);
	free(ix->by_name);
	free(ix->by_doc);
	ag_strv_free(&ix->named);
}

/* The first position in v[0..n) whose key is not below s (prefix order). */
static size_t lower(const struct ag_graph *g, const size_t *v, size_t n, const char *s,
		    const char *(*key)(const struct ag_graph *, size_t))
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(key(g, v[mid]), s) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static const char *key_id(const struct ag_graph *g, size_t i)
{
	return g->v[i].id;
}

static const char *key_name(const struct ag_graph *g, size_t i)
{
	return g->v[i].script->name;
}

static const char *key_doc(const struct ag_graph *g, size_t i)
{
	return g->v[i].script->doc.revision;
}

static bool named_by_a_file(const struct index *ix, const char *id)
{
	size_t lo = 0, hi = ix->named.n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(ix->named.v[mid], id);
		if (c == 0)
			return true;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/* A file that still carries the old id in its name or docstring, while
 * its code says another id: the mark of a rename. The first such file in
 * listing order. */
static size_t find_renamed(const struct index *ix, const char *old)
{
	const struct ag_graph *g = ix->g;
	size_t best = AG_NONE, n = strlen(old);
	for (size_t k = lower(g, ix->by_doc, ix->ndoc, old, key_doc);
	     k < ix->ndoc && strcmp(key_doc(g, ix->by_doc[k]), old) == 0; k++)
		if (strcmp(g->v[ix->by_doc[k]].id, old) != 0 && ix->by_doc[k] < best)
			best = ix->by_doc[k];
	/* Names starting with old sort together, right from old on. */
	for (size_t k = lower(g, ix->by_name, ix->nname, old, key_name);
	     k < ix->nname && strncmp(key_name(g, ix->by_name[k]), old, n) == 0; k++) {
		const struct ag_node *nd = &g->v[ix->by_name[k]];
		const char *nm = nd->script->name;
		if ((nm[n] == '_' || nm[n] == '.') && strcmp(nd->id, old) != 0 && ix->by_name[k] < best)
			best = ix->by_name[k];
	}
	return best;
}

/* table: the version table as SQL names it (table_sql_of). */
static void unknown_row(struct ag_verdict *v, const struct index *ix, const char *row,
			const struct ag_verdict_opts *o, const char *table)
{
	const struct ag_graph *g = ix->g;
	ag_strv_push(&v->unknown, row);
	/* With no file at all the repository is what is wrong (no-migrations
	 * says where it looked), not the database. */
	if (g->n == 0) {
		struct ag_finding *f = ag_findings_add(
			&v->findings, AG_SEV_ERROR, "unknown-db-revision", row, NULL, 0,
			"the database is at '%s', but the repository has no migration file at all: "
			"the versions directory is wrong or empty, not the database",
			row);
		ag_finding_cause(f, "no-migrations");
		ag_finding_fix(f, "point the guard (--versions or the config) at the directory "
				  "with the migration files, then run it again");
		return;
	}
	/* A squashed history the settings know about. */
	for (size_t i = 0; o && o->replaces_old && i < o->replaces_old->n; i++) {
		if (strcmp(o->replaces_old->v[i], row) != 0)
			continue;
		const char *nw = o->replaces_new->v[i];
		struct ag_finding *f = ag_findings_add(
			&v->findings, AG_SEV_ERROR, "replaced-db-revision", row, NULL, 0,
			"the database is at %s, which the squashed history replaced with %s; Alembic "
			"would stop with \"Can't locate revision identified by '%s'\"",
			row, nw, row);
		ag_finding_cause(f, "replaced");
		fix_update(f, table, nw, row);
		return;
	}
	/* Only a prefix of a file's id: Alembic resolves it, then adds a row. */
	size_t match = AG_NONE, nmatch = 0, rl = strlen(row);
	for (size_t k = lower(g, ix->by_id, ix->nid, row, key_id);
	     k < ix->nid && strncmp(key_id(g, ix->by_id[k]), row, rl) == 0; k++) {
		/* Alembic's partial lookup only considers ids longer than 3. */
		if (strlen(g->v[ix->by_id[k]].id) > 3) {
			match = ix->by_id[k];
			/* Two matches are as ambiguous as two hundred. */
			if (++nmatch > 1)
				break;
		}
	}
	if (nmatch == 1 && rl > 0) {
		const struct ag_node *nd = &g->v[match];
		struct ag_finding *f = ag_findings_add(
			&v->findings, AG_SEV_ERROR, "partial-db-revision", row, nd->script->path,
			nd->script->revision_line,
			"the database holds '%s', only the beginning of revision %s; Alembic accepts it "
			"once, then writes a second row on upgrade and breaks the next one",
			row, nd->id);
		ag_finding_cause(f, "partial-id");
		fix_update(f, table, nd->id, row);
		return;
	}
	struct ag_finding *f;
	size_t renamed = find_renamed(ix, row);
	if (renamed != AG_NONE) {
		const struct ag_node *nd = &g->v[renamed];
		f = ag_findings_add(&v->findings, AG_SEV_ERROR, "unknown-db-revision", row,
				    nd->script->path, nd->script->revision_line,
				    "the database is at '%s', which no file defines: Alembic stops with "
				    "\"Can't locate revision identified by '%s'\"; %s still carries that "
				    "id in its %s but its code says %s, so the revision was renamed",
				    row, row, nd->script->name,
				    nd->script->doc.revision && strcmp(nd->script->doc.revision, row) == 0
					    ? "docstring" : "file name",
				    nd->id);
		ag_finding_cause(f, "renamed");
		fix_update(f, table, nd->id, row);
		return;
	}
	size_t nk = 0;
	size_t *kids = named_by_a_file(ix, row) ? ag_graph_children_naming(g, row, &nk) : NULL;
	if (nk) {
		const struct ag_node *kid = &g->v[kids[0]];
		struct ag_strv parents = {0};
		ag_graph_placeholder_parents(g, row, &parents);
		f = ag_findings_add(&v->findings, AG_SEV_ERROR, "unknown-db-revision", row,
				    kid->script->path, kid->script->down_line,
				    "the database is at '%s', which no file defines: Alembic stops with "
				    "\"Can't locate revision identified by '%s'\"; %s names it as its "
				    "parent, so the migration file for it is missing",
				    row, row, kid->script->name);
		ag_finding_cause(f, "placeholder-needed");
		if (parents.n == 1) {
			char *cmd = ag_quote_commandl("alembic-guard", "backfill", row, "--write",
						      (const char *)NULL);
			ag_finding_fix(f,
				       "add a no-op placeholder migration %s_placeholder.py with revision = "
				       "'%s' and down_revision = '%s' (the head of the rest of the "
				       "graph); %s already names it as down_revision.\n"
				       "%s   (writes exactly that file)",
				       row, row, parents.v[0], kid->id, cmd);
			free(cmd);
		} else {
			char *list = ag_strv_join(&parents, ", ");
			char *cmd = ag_quote_commandl("alembic-guard", "backfill", row, "--after",
						      "REVISION", "--write", (const char *)NULL);
			ag_finding_fix(f,
				       "add a no-op placeholder migration with revision = '%s' after the "
				       "revision production ran before it; the graph leaves %zu "
				       "candidates (%s), so choose with care: placing it after a revision "
				       "the database never ran makes Alembic skip that one forever.\n"
				       "%s",
				       row, parents.n, parents.n ? list : "none", cmd);
			free(cmd);
			free(list);
		}
		struct ag_buf d = {0};
		ag_buf_adds(&d, "named by: ");
		for (size_t i = 0; i < nk; i++) {
			ag_buf_adds(&d, i ? ", " : "");
			ag_quote_visible(&d, g->v[kids[i]].id);
			ag_buf_adds(&d, " (");
			ag_quote_visible(&d, g->v[kids[i]].script->path);
			ag_buf_addf(&d, ":%d)", g->v[kids[i]].script->down_line);
		}
		ag_finding_detail(f, "%s", d.p);
		ag_buf_free(&d);
		ag_strv_free(&parents);
		free(kids);
		return;
	}
	free(kids);
	f = ag_findings_add(&v->findings, AG_SEV_ERROR, "unknown-db-revision", row, NULL, 0,
			    "the database is at '%s', which no file in this code defines and none "
			    "refers to: Alembic stops with \"Can't locate revision identified by '%s'\"; "
			    "the database is ahead of this code",
			    row, row);
	ag_finding_cause(f, "db-ahead-of-slug");
	char *stamp = ag_quote_commandl("alembic", "stamp", row, (const char *)NULL);
	char *upd = ag_quote_sql_update(table, "<that revision>", row);
	char *bf = ag_quote_commandl("alembic-guard", "backfill", row, "--after", "REVISION",
				     "--write", (const char *)NULL);
	ag_finding_fix(
		f,
		"if this release is a rollback (heroku rollback) to code older than the database: "
		"deploy the newer code again, or let the release phase skip the upgrade with "
		"`alembic-guard release --on-ahead skip -- alembic upgrade head`.\n"
		"if someone ran `%s` by hand: find the revision the schema really is "
		"at and run %s "
		"(or restore the missing migration file, e.g. with %s).",
		stamp, upd, bf);
	free(stamp);
	free(upd);
	free(bf);
}

/* repeat[i] is true when rows->v[i] already appeared before i. New. */
struct rows_arg {
	const struct ag_strv *rows;
};

static int cmp_row(const void *a, const void *b, void *arg)
{
	const struct ag_strv *rows = ((const struct rows_arg *)arg)->rows;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	int c = strcmp(rows->v[x], rows->v[y]);
	return c ? c : (x > y) - (x < y);
}

static bool *repeats(const struct ag_strv *rows)
{
	bool *rep = ag_calloc(rows->n + 1, sizeof *rep);
	size_t *order = ag_malloc((rows->n + 1) * sizeof *order);
	for (size_t i = 0; i < rows->n; i++)
		order[i] = i;
	struct rows_arg arg = {rows};
	qsort_r(order, rows->n, sizeof *order, cmp_row, &arg);
	for (size_t i = 1; i < rows->n; i++)
		rep[order[i]] = strcmp(rows->v[order[i]], rows->v[order[i - 1]]) == 0;
	free(order);
	return rep;
}

/*
 * For each node, a current node that descends from it (strictly), or
 * AG_NONE: one walk up from the parents of every current node, each node
 * taking the first descendant that reaches it. Linear in the graph, where
 * asking is_ancestor for every pair of rows was quadratic in the rows
 * times the graph. New, g->n entries.
 */
static size_t *overlaps(const struct ag_graph *g, const size_t *current, size_t ncur)
{
	size_t *desc = ag_malloc((g->n + 1) * sizeof *desc);
	for (size_t i = 0; i < g->n; i++)
		desc[i] = AG_NONE;
	size_t *queue = ag_malloc((g->n + 1) * sizeof *queue);
	size_t qh = 0, qt = 0;
	for (size_t c = 0; c <= ncur; c++) {
		/* Seeds first (c < ncur), then the walk; each node enters once. */
		const struct ag_node *nd = c < ncur ? &g->v[current[c]] : NULL;
		for (size_t k = 0; nd && k < nd->ndown + nd->ndeps; k++) {
			size_t p = k < nd->ndown ? nd->down[k] : nd->deps[k - nd->ndown];
			if (desc[p] == AG_NONE) {
				desc[p] = current[c];
				queue[qt++] = p;
			}
		}
	}
	while (qh < qt) {
		size_t x = queue[qh++];
		const struct ag_node *nd = &g->v[x];
		for (size_t k = 0; k < nd->ndown + nd->ndeps; k++) {
			size_t p = k < nd->ndown ? nd->down[k] : nd->deps[k - nd->ndown];
			if (desc[p] == AG_NONE) {
				desc[p] = desc[x];
				queue[qt++] = p;
			}
		}
	}
	free(queue);
	return desc;
}

void ag_verdict_judge(struct ag_verdict *v, const struct ag_graph *g, bool table_exists,
		      const struct ag_strv *rows, const struct ag_verdict_opts *opts)
{
	memset(v, 0, sizeof *v);
	char *table_sql = table_sql_of(opts);
	size_t *current = ag_malloc((rows->n + 1) * sizeof *current);
	size_t ncur = 0;
	struct index ix;
	index_build(&ix, g);
	bool *repeat = repeats(rows);
	for (size_t i = 0; i < rows->n; i++) {
		const char *row = rows->v[i];
		if (repeat[i]) {
			struct ag_finding *f = ag_findings_add(
				&v->findings, AG_SEV_ERROR, "duplicate-db-rows", row, NULL, 0,
				"the version table holds '%s' more than once; Alembic's next upgrade stops "
				"with \"Online migration expected to match one row when updating '%s' ...\"",
				row, row);
			char *del = ag_quote_sql_delete_extra(table_sql, row);
			ag_finding_fix(f, "%s", del);
			free(del);
			continue;
		}
		size_t k = ag_graph_find(g, row);
		if (k == AG_NONE)
			unknown_row(v, &ix, row, opts, table_sql);
		else
			current[ncur++] = k;
	}
	free(repeat);
	index_free(&ix);
	v->fresh = !table_exists || rows->n == 0;

	/* Rows where one is an ancestor of another: one finding per ancestor
	 * row (the row to delete), naming a row that descends from it. */
	size_t *desc = overlaps(g, current, ncur);
	for (size_t a = 0; a < ncur; a++) {
		if (desc[current[a]] == AG_NONE)
			continue;
		const char *anc = g->v[current[a]].id, *d = g->v[desc[current[a]]].id;
		struct ag_finding *f = ag_findings_add(
			&v->findings, AG_SEV_ERROR, "overlapping-db-revisions", d, NULL, 0,
			"the version table holds both %s and its ancestor %s; Alembic stops with "
			"\"Requested revision %s overlaps with other requested revisions %s\"",
			d, anc, d, anc);
		char *del = ag_quote_sql_delete(table_sql, anc);
		ag_finding_fix(f, "%s", del);
		free(del);
	}
	free(desc);

	/* The path to the heads. */
	size_t *targets = ag_malloc((g->heads.n + 1) * sizeof *targets);
	size_t nt = 0;
	for (size_t i = 0; i < g->heads.n; i++) {
		size_t k = ag_graph_find(g, g->heads.v[i]);
		if (k != AG_NONE)
			targets[nt++] = k;
	}
	/* With a row no file defines, Alembic cannot start: there is no path. */
	if (v->unknown.n == 0)
		v->pending = ag_graph_upgrade_path(g, current, ncur, targets, nt, &v->npending);
	free(targets);
	free(current);
	free(table_sql);

	bool db_errors = ag_findings_count(&v->findings, AG_SEV_ERROR) > 0;
	if (v->fresh) {
		struct ag_finding *f = ag_findings_add(
			&v->findings, AG_SEV_INFO, "fresh-database", NULL, NULL, 0,
			"%s: `alembic upgrade` will create the schema from the first migration",
			table_exists ? "the version table is empty" : "the database has no version table");
		(void)f;
	}
	if (!db_errors && v->npending) {
		/* Say what matters first: a database thousands of migrations
		 * behind gets the count, the first and the last few; the whole
		 * list is the report's "pending" (JSON) and diagnose's path. */
		struct ag_buf b = {0};
		size_t np = v->npending, edge = 3;
		for (size_t i = 0; i < np; i++) {
			if (np > 2 * edge + 2 && i == edge) {
				ag_buf_addf(&b, " -> ... (%zu more) ...", np - 2 * edge);
				i = np - edge - 1;
				continue;
			}
			ag_buf_addf(&b, "%s%s", i ? " -> " : "", g->v[v->pending[i]].id);
		}
		struct ag_finding *f = ag_findings_add(
			&v->findings, AG_SEV_INFO, "pending-migrations", NULL, NULL, 0,
			"%zu migration%s to apply, in this order: %s", v->npending,
			v->npending == 1 ? "" : "s", b.p);
		ag_finding_fix(f, "alembic upgrade %s", opts && opts->target_heads ? "heads" : "head");
		ag_buf_free(&b);
	}
	/* At head only when every row is a head: with a cycle or a broken
	 * graph there is no path, and that is not the same thing. */
	bool rows_are_heads = rows->n > 0 && !g->cycle;
	for (size_t i = 0; rows_are_heads && i < rows->n; i++)
		rows_are_heads = ag_strv_has(&g->heads, rows->v[i]);
	if (!db_errors && !v->npending && !v->fresh && rows_are_heads) {
		v->at_head = true;
		char *at = ag_strv_join(rows, ", ");
		ag_findings_add(&v->findings, AG_SEV_INFO, "at-head", NULL, NULL, 0,
				"the database is at the head%s (%s): nothing to upgrade",
				g->heads.n == 1 ? "" : "s", at);
		free(at);
	}
	if (opts)
		ag_settings_apply(opts->settings, &v->findings);
	bool strict = opts && opts->strict;
	if (blocking(&g->findings, strict) || blocking(&v->findings, strict))
		v->exit_code = 1;
	else if (opts && opts->require_at_head && v->npending)
		v->exit_code = 5;
	else
		v->exit_code = 0;
	/* A blocked release runs nothing: "alembic upgrade head" would be
	 * advice to do what the gate forbids. */
	for (size_t i = 0; v->exit_code == 1 && i < v->findings.n; i++) {
		struct ag_finding *f = &v->findings.v[i];
		if (strcmp(f->code, "pending-migrations") == 0) {
			free(f->fix);
			f->fix = NULL;
		}
	}
}

void ag_verdict_free(struct ag_verdict *v)
{
	if (!v)
		return;
	ag_findings_free(&v->findings);
	free(v->pending);
	ag_strv_free(&v->unknown);
	memset(v, 0, sizeof *v);
}
