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

/* A file that still carries the old id in its name or docstring, while
 * its code says another id: the mark of a rename. */
static size_t find_renamed(const struct ag_graph *g, const char *old)
{
	for (size_t i = 0; i < g->n; i++) {
		const struct ag_node *nd = &g->v[i];
		if (nd->shadowed || strcmp(nd->id, old) == 0)
			continue;
		const struct ag_script *sc = nd->script;
		if (sc->doc_revision && strcmp(sc->doc_revision, old) == 0)
			return i;
		size_t n = strlen(old);
		if (strncmp(sc->name, old, n) == 0 && (sc->name[n] == '_' || sc->name[n] == '.'))
			return i;
	}
	return AG_NONE;
}

static void unknown_row_fix(struct ag_verdict *v, const struct ag_graph *g, const char *row,
			    const struct ag_verdict_opts *o, const char *table);

static void unknown_row(struct ag_verdict *v, const struct ag_graph *g, const char *row,
			const struct ag_verdict_opts *o)
{
	char *table = table_sql_of(o);
	unknown_row_fix(v, g, row, o, table);
	free(table);
}

static void unknown_row_fix(struct ag_verdict *v, const struct ag_graph *g, const char *row,
			    const struct ag_verdict_opts *o, const char *table)
{
	ag_strv_push(&v->unknown, row);
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
	for (size_t i = 0; i < g->n; i++) {
		/* Alembic's partial lookup only considers ids longer than 3. */
		if (!g->v[i].shadowed && strlen(g->v[i].id) > 3 && strncmp(g->v[i].id, row, rl) == 0) {
			match = i;
			nmatch++;
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
	size_t renamed = find_renamed(g, row);
	if (renamed != AG_NONE) {
		const struct ag_node *nd = &g->v[renamed];
		f = ag_findings_add(&v->findings, AG_SEV_ERROR, "unknown-db-revision", row,
				    nd->script->path, nd->script->revision_line,
				    "the database is at '%s', which no file defines: Alembic stops with "
				    "\"Can't locate revision identified by '%s'\"; %s still carries that "
				    "id in its %s but its code says %s, so the revision was renamed",
				    row, row, nd->script->name,
				    nd->script->doc_revision && strcmp(nd->script->doc_revision, row) == 0
					    ? "docstring" : "file name",
				    nd->id);
		ag_finding_cause(f, "renamed");
		fix_update(f, table, nd->id, row);
		return;
	}
	size_t nk = 0;
	size_t *kids = ag_graph_children_naming(g, row, &nk);
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

void ag_verdict_judge(struct ag_verdict *v, const struct ag_graph *g, bool table_exists,
		      const struct ag_strv *rows, const struct ag_verdict_opts *opts)
{
	memset(v, 0, sizeof *v);
	char *table_sql = table_sql_of(opts);
	size_t *current = ag_malloc((rows->n + 1) * sizeof *current);
	size_t ncur = 0;
	struct ag_strv seen = {0};
	for (size_t i = 0; i < rows->n; i++) {
		const char *row = rows->v[i];
		if (ag_strv_has(&seen, row)) {
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
		ag_strv_push(&seen, row);
		size_t k = ag_graph_find(g, row);
		if (k == AG_NONE)
			unknown_row(v, g, row, opts);
		else
			current[ncur++] = k;
	}
	ag_strv_free(&seen);
	v->fresh = !table_exists || rows->n == 0;

	/* Rows where one is an ancestor of another. */
	for (size_t a = 0; a < ncur; a++) {
		for (size_t b = 0; b < ncur; b++) {
			if (a == b || !ag_graph_is_ancestor(g, current[a], current[b]))
				continue;
			const char *anc = g->v[current[a]].id, *desc = g->v[current[b]].id;
			struct ag_finding *f = ag_findings_add(
				&v->findings, AG_SEV_ERROR, "overlapping-db-revisions", desc, NULL, 0,
				"the version table holds both %s and its ancestor %s; Alembic stops with "
				"\"Requested revision %s overlaps with other requested revisions %s\"",
				desc, anc, desc, anc);
			char *del = ag_quote_sql_delete(table_sql, anc);
			ag_finding_fix(f, "%s", del);
			free(del);
		}
	}

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
