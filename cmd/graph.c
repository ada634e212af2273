/* alembic-guard graph: the revision graph as Graphviz DOT (default) or JSON
 * (--format json), with heads, bases, merge and branch points, the
 * database's current rows and the pending upgrade path marked. The
 * database is optional: without a URL the graph is drawn without it (said
 * on stderr); an unreachable one is drawn without it too, and exits 3. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "gate.h"

/* What the picture marks on each revision, and the nodes no file defines. */
struct view {
	const struct ag_graph *g;
	const struct ag_strv *rows;  /* the database's rows (empty without one) */
	int *pending;                /* per node: 1-based position in the upgrade, else 0 */
	size_t npending;
	bool *error;                 /* per node: an error finding names it */
	size_t *order;               /* node indices sorted by id, then file: stable output */
	size_t *rank;                /* rank[node]: its place in order, its DOT name */
	struct ag_strv missing;      /* ids a down_revision/depends_on names, no file defines */
	struct ag_strv orphan_rows;  /* database rows no file defines and no file names */
};

static bool has_error(const struct ag_findings *fs, const char *rev)
{
	for (size_t i = 0; fs && i < fs->n; i++)
		if (fs->v[i].severity == AG_SEV_ERROR && fs->v[i].revision &&
		    strcmp(fs->v[i].revision, rev) == 0)
			return true;
	return false;
}

static int cmp_node(const void *a, const void *b, void *vp)
{
	const struct ag_graph *g = ((const struct view *)vp)->g;
	const struct ag_node *x = &g->v[*(const size_t *)a], *y = &g->v[*(const size_t *)b];
	int c = strcmp(x->id, y->id);
	return c ? c : strcmp(x->script->path, y->script->path);
}

static void view_init(struct view *v, const struct ag_graph *g, const struct ag_gate *gate)
{
	memset(v, 0, sizeof *v);
	v->g = g;
	v->rows = &gate->rows;
	v->pending = ag_calloc(g->n + 1, sizeof *v->pending);
	v->error = ag_calloc(g->n + 1, sizeof *v->error);
	/* Directory order differs between file systems; the picture must not. */
	v->order = ag_calloc(g->n + 1, sizeof *v->order);
	v->rank = ag_calloc(g->n + 1, sizeof *v->rank);
	for (size_t i = 0; i < g->n; i++)
		v->order[i] = i;
	qsort_r(v->order, g->n, sizeof *v->order, cmp_node, v);
	for (size_t i = 0; i < g->n; i++)
		v->rank[v->order[i]] = i;
	if (gate->judged) {
		for (size_t i = 0; i < gate->verdict.npending; i++)
			v->pending[gate->verdict.pending[i]] = (int)i + 1;
		v->npending = gate->verdict.npending;
	}
	for (size_t i = 0; i < g->n; i++)
		v->error[i] = has_error(&gate->all, g->v[i].id);
	for (size_t i = 0; i < g->n; i++) {
		const struct ag_script *sc = g->v[i].script;
		const struct ag_strv *lists[2] = {&sc->down, &sc->depends};
		for (int l = 0; l < 2; l++)
			for (size_t k = 0; k < lists[l]->n; k++) {
				const char *id = lists[l]->v[k];
				/* depends_on may name a branch label */
				if (ag_graph_find(g, id) == AG_NONE &&
				    (l == 0 || ag_graph_find_label(g, id) == AG_NONE) &&
				    !ag_strv_has(&v->missing, id))
					ag_strv_push(&v->missing, id);
			}
	}
	for (size_t i = 0; i < v->rows->n; i++) {
		const char *id = v->rows->v[i];
		if (ag_graph_find(g, id) == AG_NONE && !ag_strv_has(&v->missing, id) &&
		    !ag_strv_has(&v->orphan_rows, id))
			ag_strv_push(&v->orphan_rows, id);
	}
	ag_strv_sort(&v->missing);
	ag_strv_sort(&v->orphan_rows);
}

static void view_free(struct view *v)
{
	free(v->pending);
	free(v->error);
	free(v->order);
	free(v->rank);
	ag_strv_free(&v->missing);
	ag_strv_free(&v->orphan_rows);
}

static bool db_at(const struct view *v, const char *id)
{
	return ag_strv_has(v->rows, id);
}

/* The file name less its id and ".py", underscores as spaces: the message. */
static char *caption(const struct ag_node *nd)
{
	const char *name = nd->script->name;
	size_t n = strlen(name);
	if (n > 3 && strcmp(name + n - 3, ".py") == 0)
		n -= 3;
	size_t il = strlen(nd->id);
	const char *p = name;
	if (n >= il && strncmp(name, nd->id, il) == 0) {
		p += il;
		n -= il;
	}
	while (n && (*p == '_' || *p == '-')) {
		p++;
		n--;
	}
	char *c = ag_strndup(p, n > 40 ? 40 : n);
	for (char *q = c; *q; q++)
		if (*q == '_')
			*q = ' ';
	return c;
}

/* Appends s to a DOT double-quoted string: quotes and backslashes escaped,
 * control characters and bytes that are not UTF-8 replaced. */
static void dot_text(struct ag_buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		unsigned char c = *p;
		size_t n = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3
							: (c & 0xf8) == 0xf0 ? 4 : 0;
		for (size_t k = 1; k < n; k++)
			if ((p[k] & 0xc0) != 0x80)
				n = 0;
		if (n == 0 || (n == 1 && c < 0x20) || c == 0x7f) {
			ag_buf_addc(b, '?');
			p++;
			continue;
		}
		if (c == '"' || c == '\\')
			ag_buf_addc(b, '\\');
		ag_buf_add(b, p, n);
		p += n;
	}
}

static void tag(struct ag_buf *tags, const char *t)
{
	if (tags->len)
		ag_buf_adds(tags, ", ");
	ag_buf_adds(tags, t);
}

static void dot_node(struct ag_buf *b, const struct view *v, size_t i)
{
	const struct ag_node *nd = &v->g->v[i];
	struct ag_buf tags = {0};
	ag_buf_adds(&tags, "");
	if (nd->base)
		tag(&tags, "base");
	if (nd->head)
		tag(&tags, "head");
	if (nd->merge)
		tag(&tags, "merge point");
	if (nd->branch)
		tag(&tags, "branch point");
	if (nd->shadowed)
		tag(&tags, "duplicate id: Alembic uses another file");
	if (!nd->shadowed && db_at(v, nd->id))
		tag(&tags, "database is here");
	if (v->pending[i]) {
		char t[64];
		snprintf(t, sizeof t, "pending %d/%zu", v->pending[i], v->npending);
		tag(&tags, t);
	}
	char *cap = caption(nd);
	ag_buf_addf(b, "  n%zu [label=\"", v->rank[i]);
	dot_text(b, nd->id);
	if (*cap) {
		ag_buf_adds(b, "\\n");
		dot_text(b, cap);
	}
	if (nd->labels.n) {
		char *l = ag_strv_join(&nd->labels, ", ");
		ag_buf_adds(b, "\\n(");
		dot_text(b, l);
		ag_buf_adds(b, ")");
		free(l);
	}
	if (tags.len) {
		ag_buf_adds(b, "\\n[");
		dot_text(b, tags.p);
		ag_buf_adds(b, "]");
	}
	ag_buf_adds(b, "\", tooltip=\"");
	dot_text(b, nd->script->path);
	ag_buf_adds(b, "\"");
	const char *fill = !nd->shadowed && db_at(v, nd->id) ? "gold"
			   : v->pending[i]                   ? "lightblue"
			   : nd->head                        ? "palegreen"
							     : "white";
	ag_buf_addf(b, ", fillcolor=%s", fill);
	if (nd->merge)
		ag_buf_adds(b, ", shape=hexagon");
	else if (nd->branch)
		ag_buf_adds(b, ", shape=house");
	if (v->error[i])
		ag_buf_adds(b, ", color=red, penwidth=2");
	else if (nd->head)
		ag_buf_adds(b, ", color=darkgreen, penwidth=2");
	else if (nd->base)
		ag_buf_adds(b, ", color=navy, penwidth=2");
	if (nd->shadowed)
		ag_buf_adds(b, ", style=\"rounded,filled,dashed\"");
	ag_buf_adds(b, "];\n");
	free(cap);
	ag_buf_free(&tags);
}

/* The DOT name of the node for id: a revision, or a missing id. */
static void dot_ref(struct ag_buf *b, const struct view *v, const char *id, bool label_ok)
{
	size_t k = ag_graph_find(v->g, id);
	if (k == AG_NONE && label_ok)
		k = ag_graph_find_label(v->g, id);
	if (k != AG_NONE) {
		ag_buf_addf(b, "n%zu", v->rank[k]);
		return;
	}
	for (size_t m = 0; m < v->missing.n; m++)
		if (strcmp(v->missing.v[m], id) == 0)
			ag_buf_addf(b, "m%zu", m);
}

static void render_dot(const struct view *v, const struct ag_gate *gate, struct ag_buf *b)
{
	const struct ag_graph *g = v->g;
	char *heads = ag_strv_join(&g->heads, ", ");
	char *rows = gate->rows.n ? ag_strv_join(&gate->rows, ", ") : NULL;
	ag_buf_addf(b, "// alembic-guard graph: %zu revisions; heads: ", g->n);
	dot_text(b, *heads ? heads : "none");
	ag_buf_adds(b, "; database: ");
	if (gate->db_reachable)
		dot_text(b, rows ? rows : (gate->table_exists ? "empty version table" : "no version table"));
	else
		ag_buf_adds(b, "not read");
	ag_buf_adds(b, "\n");
	ag_buf_adds(b, "digraph alembic {\n"
		       "  graph [rankdir=TB, fontname=\"Helvetica\", fontsize=11, labelloc=t, "
		       "label=\"");
	ag_buf_addf(b, "Alembic revisions: %zu; heads: ", g->n);
	dot_text(b, *heads ? heads : "none");
	if (gate->db_reachable) {
		ag_buf_adds(b, "\\ndatabase: ");
		dot_text(b, rows ? rows : (gate->table_exists ? "empty version table" : "no version table"));
		if (v->npending)
			ag_buf_addf(b, "; %zu pending", v->npending);
	}
	ag_buf_adds(b, "\"];\n"
		       "  node [shape=box, style=\"rounded,filled\", fillcolor=white, "
		       "fontname=\"Helvetica\", fontsize=10];\n"
		       "  edge [color=gray40, arrowsize=0.7];\n");
	for (size_t r = 0; r < g->n; r++)
		dot_node(b, v, v->order[r]);
	for (size_t m = 0; m < v->missing.n; m++) {
		ag_buf_addf(b, "  m%zu [label=\"", m);
		dot_text(b, v->missing.v[m]);
		ag_buf_adds(b, "\\n[no file defines it");
		if (db_at(v, v->missing.v[m]))
			ag_buf_adds(b, "; database is here");
		ag_buf_addf(b, "]\", style=\"rounded,filled,dashed\", color=red, fillcolor=%s];\n",
			    db_at(v, v->missing.v[m]) ? "gold" : "mistyrose");
	}
	for (size_t d = 0; d < v->orphan_rows.n; d++) {
		ag_buf_addf(b, "  d%zu [label=\"", d);
		dot_text(b, v->orphan_rows.v[d]);
		ag_buf_adds(b, "\\n[database is here; no file defines it]\", shape=note, "
			       "style=filled, color=red, fillcolor=gold];\n");
	}
	/* Edges: parent -> child. */
	for (size_t r = 0; r < g->n; r++) {
		size_t i = v->order[r];
		const struct ag_script *sc = g->v[i].script;
		for (size_t k = 0; k < sc->down.n; k++) {
			struct ag_buf from = {0};
			ag_buf_adds(&from, "");
			dot_ref(&from, v, sc->down.v[k], false);
			if (!from.len) {
				ag_buf_free(&from);
				continue;
			}
			size_t p = ag_graph_find(g, sc->down.v[k]);
			bool on_path = v->pending[i] &&
				       (p == AG_NONE || v->pending[p] || db_at(v, sc->down.v[k]));
			ag_buf_addf(b, "  %s -> n%zu%s;\n", from.p, r,
				    on_path ? " [color=blue, penwidth=2]" : "");
			ag_buf_free(&from);
		}
		for (size_t k = 0; k < sc->depends.n; k++) {
			struct ag_buf from = {0};
			ag_buf_adds(&from, "");
			dot_ref(&from, v, sc->depends.v[k], true);
			if (from.len)
				ag_buf_addf(b, "  %s -> n%zu [style=dashed, label=\"depends_on\", "
					       "fontsize=9];\n",
					    from.p, r);
			ag_buf_free(&from);
		}
	}
	ag_buf_adds(b, "}\n");
	free(heads);
	free(rows);
}

static json_t *jids(const struct ag_strv *sv)
{
	json_t *a = json_array();
	for (size_t i = 0; i < sv->n; i++)
		json_array_append_new(a, ag_report_jstr(sv->v[i]));
	return a;
}

static json_t *graph_json(const struct view *v)
{
	const struct ag_graph *g = v->g;
	json_t *nodes = json_array(), *edges = json_array();
	for (size_t r = 0; r < g->n; r++) {
		size_t i = v->order[r];
		const struct ag_node *nd = &g->v[i];
		json_t *o = json_object();
		json_object_set_new(o, "revision", ag_report_jstr(nd->id));
		json_object_set_new(o, "file", ag_report_jstr(nd->script->path));
		json_object_set_new(o, "line", json_integer(nd->script->revision_line));
		json_object_set_new(o, "branch_labels", jids(&nd->labels));
		json_object_set_new(o, "head", json_boolean(nd->head));
		json_object_set_new(o, "base", json_boolean(nd->base));
		json_object_set_new(o, "merge_point", json_boolean(nd->merge));
		json_object_set_new(o, "branch_point", json_boolean(nd->branch));
		json_object_set_new(o, "shadowed", json_boolean(nd->shadowed));
		json_object_set_new(o, "missing", json_false());
		json_object_set_new(o, "db_current", json_boolean(!nd->shadowed && db_at(v, nd->id)));
		json_object_set_new(o, "pending", v->pending[i] ? json_integer(v->pending[i]) : json_null());
		json_object_set_new(o, "error", json_boolean(v->error[i]));
		json_array_append_new(nodes, o);
		const struct ag_script *sc = nd->script;
		const struct ag_strv *lists[2] = {&sc->down, &sc->depends};
		for (int l = 0; l < 2; l++) {
			for (size_t k = 0; k < lists[l]->n; k++) {
				json_t *e = json_object();
				json_object_set_new(e, "from", ag_report_jstr(lists[l]->v[k]));
				json_object_set_new(e, "to", ag_report_jstr(nd->id));
				json_object_set_new(e, "kind", json_string(l ? "depends_on" : "down_revision"));
				json_array_append_new(edges, e);
			}
		}
	}
	const struct ag_strv *extra[2] = {&v->missing, &v->orphan_rows};
	for (int x = 0; x < 2; x++) {
		for (size_t i = 0; i < extra[x]->n; i++) {
			json_t *o = json_object();
			json_object_set_new(o, "revision", ag_report_jstr(extra[x]->v[i]));
			json_object_set_new(o, "file", json_null());
			json_object_set_new(o, "line", json_null());
			json_object_set_new(o, "missing", json_true());
			json_object_set_new(o, "db_current", json_boolean(db_at(v, extra[x]->v[i])));
			json_array_append_new(nodes, o);
		}
	}
	json_t *gr = json_object();
	json_object_set_new(gr, "nodes", nodes);
	json_object_set_new(gr, "edges", edges);
	return gr;
}

static void render_json(struct ag_ctx *ctx, const struct view *v, struct ag_gate *gate, int rc,
			struct ag_buf *out)
{
	struct ag_report r;
	ag_gate_report(ctx, gate, "graph", &r);
	r.exit_code = rc;
	r.quiet = ctx->quiet;
	r.strict = ctx->strict;
	struct ag_buf b = {0};
	ag_report_render(&r, AG_FORMAT_JSON, AG_STYLE_LIST, &b);
	json_error_t je;
	json_t *root = b.p ? json_loads(b.p, 0, &je) : NULL;
	ag_buf_free(&b);
	if (!root)
		root = json_object();
	json_object_set_new(root, "graph", graph_json(v));
	char *s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (s) {
		ag_buf_adds(out, s);
		ag_buf_addc(out, '\n');
		free(s);
	}
}

static const struct ag_opt cmd_graph_options[] = {
	AG_CMD_OPT_TARGET("what the pending path leads to (default head)"),
	{0, NULL, 0, NULL, NULL},
};

static const struct ag_cmd_exit cmd_graph_exits[] = {
	{0, "the graph was drawn"},
	AG_CMD_EXIT_USAGE,
	{3, "the database could not be read (the graph is drawn without its rows)"},
	AG_CMD_EXIT_IO,
	AG_CMD_EXIT_END,
};

static int cmd_graph_exec(struct ag_ctx *ctx, void *state, int argc, char **argv)
{
	(void)state;
	(void)argc;
	(void)argv;
	if (ctx->format == AG_FORMAT_GITHUB)
		return ag_cmd_error(ctx, AG_EXIT_USAGE, "usage",
				    "writes Graphviz DOT (the default) or JSON (--format json), not "
				    "github");
	struct ag_err err = {0};
	struct ag_gate gate;
	struct ag_gate_opts go = {.need_db = false};
	if (ag_gate_run(ctx, &go, &gate, &err) < 0) {
		ag_gate_free(&gate);
		return ag_cmd_fail(ctx, "graph", &err);
	}
	int rc = AG_EXIT_OK;
	if (!gate.db_checked) {
		ag_cmd_warn("graph: no database URL (--database-url, DATABASE_URL or sqlalchemy.url): "
			    "drawn without the database's rows and the pending path");
	} else if (!gate.db_reachable) {
		ag_cmd_warn("graph: the database could not be read (%s): drawn without its rows",
			    gate.db_error ? gate.db_error : "unknown error");
		rc = gate.exit_code == AG_EXIT_USAGE ? AG_EXIT_USAGE : AG_EXIT_DB;
	}
	struct view v;
	view_init(&v, ctx->graph, &gate);
	struct ag_buf out = {0};
	if (ctx->format == AG_FORMAT_JSON)
		render_json(ctx, &v, &gate, rc, &out);
	else
		render_dot(&v, &gate, &out);
	if (out.len)
		fwrite(out.p, 1, out.len, ctx->out);
	ag_buf_free(&out);
	view_free(&v);
	ag_gate_free(&gate);
	return rc;
}

const struct ag_cmd_entry ag_cmd_graph = {
	.name = "graph",
	.summary = "the revision graph as Graphviz DOT (or --format json); database optional",
	.options = cmd_graph_options,
	.flags = AG_CMD_NEEDS_REPO,
	.exits = cmd_graph_exits,
	.notes = "DOT goes to stdout: alembic-guard graph | dot -Tsvg -o graph.svg\n"
		 "Without a database URL the graph is drawn without the database's rows.\n",
	.exec = cmd_graph_exec,
};
