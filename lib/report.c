#include "report.h"
#include "quote.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *ag_report_verdict(int exit_code)
{
	return exit_code == 0 ? "ok" : (exit_code == 1 || exit_code == 5) ? "blocked" : "error";
}

int ag_report_parse_format(const char *s, enum ag_format *fmt)
{
	if (strcmp(s, "text") == 0)
		*fmt = AG_FORMAT_TEXT;
	else if (strcmp(s, "json") == 0)
		*fmt = AG_FORMAT_JSON;
	else if (strcmp(s, "github") == 0)
		*fmt = AG_FORMAT_GITHUB;
	else
		return -1;
	return 0;
}

/* ---- JSON ------------------------------------------------------------ */

json_t *ag_report_jstr(const char *s)
{
	if (!s)
		return json_null();
	json_t *j = json_string(s);
	if (j)
		return j;
	struct ag_buf b = {0};
	ag_buf_adds(&b, "");
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		unsigned long cp;
		size_t n = ag_quote_utf8_at(p, &cp);
		if (n) {
			ag_buf_add(&b, p, n);
			p += n;
		} else {
			ag_buf_adds(&b, "\xef\xbf\xbd"); /* U+FFFD */
			p++;
		}
	}
	j = json_string(b.p);
	ag_buf_free(&b);
	return j ? j : json_string("");
}

void ag_report_jset(json_t *obj, const char *key, const char *s)
{
	json_object_set_new(obj, key, ag_report_jstr(s));
	if (s && !ag_quote_is_utf8(s)) {
		char *k = ag_printf("%s_bytes", key);
		char *b = ag_quote_bytes(s);
		json_object_set_new(obj, k, json_string(b));
		free(b);
		free(k);
	}
}

void ag_report_jset_ids(json_t *obj, const char *key, const char *const *v, size_t n)
{
	json_t *a = json_array(), *bytes = NULL;
	for (size_t i = 0; i < n; i++) {
		json_array_append_new(a, ag_report_jstr(v[i]));
		if (!bytes && !ag_quote_is_utf8(v[i])) {
			bytes = json_array();
			for (size_t k = 0; k < i; k++)
				json_array_append_new(bytes, json_null());
		}
		if (bytes) {
			char *b = ag_quote_is_utf8(v[i]) ? NULL : ag_quote_bytes(v[i]);
			json_array_append_new(bytes, b ? json_string(b) : json_null());
			free(b);
		}
	}
	json_object_set_new(obj, key, a);
	if (bytes) {
		char *k = ag_printf("%s_bytes", key);
		json_object_set_new(obj, k, bytes);
		free(k);
	}
}

static void set_strv(json_t *obj, const char *key, const struct ag_strv *sv)
{
	ag_report_jset_ids(obj, key, sv ? (const char *const *)sv->v : NULL, sv ? sv->n : 0);
}

static json_t *finding_json(const struct ag_finding *f)
{
	json_t *o = json_object();
	json_object_set_new(o, "code", json_string(f->code));
	json_object_set_new(o, "severity", json_string(ag_severity_name(f->severity)));
	ag_report_jset(o, "message", f->message);
	ag_report_jset(o, "revision", f->revision);
	ag_report_jset(o, "file", f->file);
	json_object_set_new(o, "line", f->line ? json_integer(f->line) : json_null());
	ag_report_jset(o, "fix", f->fix);
	if (f->cause)
		ag_report_jset(o, "cause", f->cause);
	if (f->detail)
		ag_report_jset(o, "detail", f->detail);
	return o;
}

json_t *ag_report_json(const struct ag_report *r)
{
	json_t *root = json_object();
	json_object_set_new(root, "format_version", json_integer(1));
	json_object_set_new(root, "command", json_string(r->command));
	json_object_set_new(root, "verdict", json_string(ag_report_verdict(r->exit_code)));
	json_object_set_new(root, "exit_code", json_integer(r->exit_code));
	if (r->context)
		ag_report_jset(root, "context", r->context);
	if (r->alembic_version) { /* the Alembic judged as, and why (lib/pins.h) */
		json_t *al = json_object();
		ag_report_jset(al, "version", r->alembic_version);
		ag_report_jset(al, "from", r->alembic_from);
		json_object_set_new(root, "alembic", al);
	}
	if (r->python_version) { /* the grammar the files were judged with (lib/pyver.h) */
		json_t *py = json_object();
		ag_report_jset(py, "version", r->python_version);
		ag_report_jset(py, "from", r->python_from);
		json_object_set_new(root, "python", py);
	}
	const struct ag_graph *g = r->graph;
	if (g) {
		json_t *repo = json_object();
		set_strv(repo, "version_locations", r->locations);
		size_t count = 0;
		for (size_t i = 0; i < g->n; i++)
			count += !g->v[i].shadowed;
		json_object_set_new(repo, "revision_count", json_integer((json_int_t)count));
		set_strv(repo, "heads", &g->heads);
		set_strv(repo, "bases", &g->bases);
		set_strv(repo, "merge_points", &g->merges);
		set_strv(repo, "branch_points", &g->branches);
		if (r->revisions) {
			json_t *revs = json_array();
			for (size_t i = 0; i < g->n; i++) {
				const struct ag_node *nd = &g->v[i];
				const struct ag_script *sc = nd->script;
				json_t *o = json_object();
				ag_report_jset(o, "revision", nd->id);
				set_strv(o, "down_revisions", &sc->down);
				set_strv(o, "depends_on", &sc->depends);
				set_strv(o, "branch_labels", &nd->labels);
				ag_report_jset(o, "file", sc->path);
				json_object_set_new(o, "line", json_integer(sc->revision_line));
				json_object_set_new(o, "head", json_boolean(nd->head));
				json_object_set_new(o, "shadowed", json_boolean(nd->shadowed));
				json_array_append_new(revs, o);
			}
			json_object_set_new(repo, "revisions", revs);
		}
		json_object_set_new(root, "repository", repo);
	} else {
		json_object_set_new(root, "repository", json_null());
	}
	if (r->db_checked) {
		json_t *db = json_object();
		ag_report_jset(db, "table", r->db_table);
		set_strv(db, "revisions", r->db_rows);
		json_object_set_new(db, "reachable", json_boolean(r->db_reachable));
		if (r->db_reachable)
			json_object_set_new(db, "table_exists", json_boolean(r->db_table_exists));
		if (r->db_error)
			ag_report_jset(db, "error", r->db_error);
		json_object_set_new(root, "database", db);
	} else {
		json_object_set_new(root, "database", json_null());
	}
	size_t np = g ? r->npending : 0;
	const char **pend = ag_calloc(np + 1, sizeof *pend);
	for (size_t i = 0; i < np; i++)
		pend[i] = g->v[r->pending[i]].id;
	ag_report_jset_ids(root, "pending", pend, np);
	free(pend);
	json_t *fs = json_array();
	for (size_t i = 0; r->findings && i < r->findings->n; i++)
		json_array_append_new(fs, finding_json(&r->findings->v[i]));
	json_object_set_new(root, "findings", fs);
	return root;
}

void ag_report_dump_json(const json_t *root, struct ag_buf *out)
{
	char *s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (s) {
		ag_buf_adds(out, s);
		ag_buf_addc(out, '\n');
		free(s);
	}
}

static void render_json(const struct ag_report *r, struct ag_buf *out)
{
	json_t *root = ag_report_json(r);
	ag_report_dump_json(root, out);
	json_decref(root);
}

/* ---- the revision graph (graph): DOT and JSON ------------------------ */

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

static void view_init(struct view *v, const struct ag_report *r)
{
	const struct ag_graph *g = r->graph;
	static const struct ag_strv none;
	memset(v, 0, sizeof *v);
	v->g = g;
	v->rows = r->db_rows && r->db_reachable ? r->db_rows : &none;
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
	for (size_t i = 0; r->pending && i < r->npending; i++)
		v->pending[r->pending[i]] = (int)i + 1;
	v->npending = r->pending ? r->npending : 0;
	for (size_t i = 0; i < g->n; i++)
		v->error[i] = has_error(r->findings, g->v[i].id);
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

/* Appends s to a DOT double-quoted string: control characters and bytes
 * that are not UTF-8 as visible escapes (lib/quote), then quotes and
 * backslashes escaped for DOT, so the label shows the escape. */
static void dot_text(struct ag_buf *b, const char *s)
{
	char *v = ag_quote_visible_dup(s);
	for (const char *p = v; *p; p++) {
		if (*p == '"' || *p == '\\')
			ag_buf_addc(b, '\\');
		ag_buf_addc(b, *p);
	}
	free(v);
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

static void render_dot(const struct view *v, const struct ag_report *rep, struct ag_buf *b)
{
	const struct ag_graph *g = v->g;
	char *heads = ag_strv_join(&g->heads, ", ");
	char *rows = v->rows->n ? ag_strv_join(v->rows, ", ") : NULL;
	ag_buf_addf(b, "// alembic-guard graph: %zu revisions; heads: ", g->n);
	dot_text(b, *heads ? heads : "none");
	ag_buf_adds(b, "; database: ");
	if (rep->db_reachable)
		dot_text(b, rows ? rows : (rep->db_table_exists ? "empty version table" : "no version table"));
	else
		ag_buf_adds(b, "not read");
	ag_buf_adds(b, "\n");
	ag_buf_adds(b, "digraph alembic {\n"
		       "  graph [rankdir=TB, fontname=\"Helvetica\", fontsize=11, labelloc=t, "
		       "label=\"");
	ag_buf_addf(b, "Alembic revisions: %zu; heads: ", g->n);
	dot_text(b, *heads ? heads : "none");
	if (rep->db_reachable) {
		ag_buf_adds(b, "\\ndatabase: ");
		dot_text(b, rows ? rows : (rep->db_table_exists ? "empty version table" : "no version table"));
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


static json_t *graph_json(const struct view *v)
{
	const struct ag_graph *g = v->g;
	json_t *nodes = json_array(), *edges = json_array();
	for (size_t r = 0; r < g->n; r++) {
		size_t i = v->order[r];
		const struct ag_node *nd = &g->v[i];
		json_t *o = json_object();
		ag_report_jset(o, "revision", nd->id);
		ag_report_jset(o, "file", nd->script->path);
		json_object_set_new(o, "line", json_integer(nd->script->revision_line));
		set_strv(o, "branch_labels", &nd->labels);
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
				ag_report_jset(e, "from", lists[l]->v[k]);
				ag_report_jset(e, "to", nd->id);
				json_object_set_new(e, "kind", json_string(l ? "depends_on" : "down_revision"));
				json_array_append_new(edges, e);
			}
		}
	}
	const struct ag_strv *extra[2] = {&v->missing, &v->orphan_rows};
	for (int x = 0; x < 2; x++) {
		for (size_t i = 0; i < extra[x]->n; i++) {
			json_t *o = json_object();
			ag_report_jset(o, "revision", extra[x]->v[i]);
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

json_t *ag_report_graph_json(const struct ag_report *r)
{
	json_t *root = ag_report_json(r);
	if (r->graph) {
		struct view v;
		view_init(&v, r);
		json_object_set_new(root, "graph", graph_json(&v));
		view_free(&v);
	}
	return root;
}

void ag_report_graph_dot(const struct ag_report *r, struct ag_buf *out)
{
	if (!r->graph)
		return;
	struct view v;
	view_init(&v, r);
	render_dot(&v, r, out);
	view_free(&v);
}

/* ---- one finding, as text ---------------------------------------------- */

/* Everything from outside (ids, rows, paths, messages that quote them) goes
 * through vis(): no byte of it can start a line or reach the terminal as a
 * control sequence. The code's own text (labels, codes) goes out as is. */
static void vis(struct ag_buf *out, const char *s)
{
	ag_quote_visible(out, s);
}

/* Calls line() for each line of a multi-line text (a fix, a detail). */
static void each_line(const char *text, void (*line)(struct ag_buf *, const char *, size_t, void *),
		      struct ag_buf *out, void *arg)
{
	for (const char *p = text; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		line(out, p, n, arg);
		p += n + (nl ? 1 : 0);
	}
}

static void vis_n(struct ag_buf *out, const char *p, size_t n)
{
	char *s = ag_strndup(p, n);
	vis(out, s);
	free(s);
}

struct indent {
	const char *prefix; /* the first line's */
	bool first;
};

static void indent_line(struct ag_buf *out, const char *p, size_t n, void *arg)
{
	struct indent *in = arg;
	if (in->first)
		ag_buf_adds(out, in->prefix);
	else
		ag_buf_addf(out, "%*s", (int)strlen(in->prefix), "");
	in->first = false;
	vis_n(out, p, n);
	ag_buf_addc(out, '\n');
}

/* prefix on the first line, spaces as wide on the others. */
static void indent_lines(struct ag_buf *out, const char *prefix, const char *text)
{
	struct indent in = {prefix, true};
	each_line(text, indent_line, out, &in);
}

#define C_RED "\033[31m"
#define C_YELLOW "\033[33m"
#define C_GREEN "\033[32m"
#define C_DIM "\033[2m"
#define C_BOLD "\033[1m"
#define C_OFF "\033[0m"

static const char *off(const struct ag_report *r)
{
	return r->color ? C_OFF : "";
}

void ag_report_finding_text(const struct ag_finding *f, bool color, struct ag_buf *out)
{
	/* Where: FILE:LINE, FILE, or the program's name when no file applies
	 * (a database finding), as compilers do for errors with no file. */
	if (f->file) {
		vis(out, f->file);
		if (f->line)
			ag_buf_addf(out, ":%d", f->line);
	} else {
		ag_buf_adds(out, "alembic-guard");
	}
	const char *c = !color ? "" : f->severity == AG_SEV_ERROR ? C_RED
			       : f->severity == AG_SEV_WARNING ? C_YELLOW : C_DIM;
	ag_buf_addf(out, ": %s%s%s: ", c, ag_severity_name(f->severity), color ? C_OFF : "");
	vis(out, f->message);
	ag_buf_adds(out, " [");
	vis(out, f->code);
	ag_buf_adds(out, "]\n");
	if (f->fix)
		indent_lines(out, "  fix: ", f->fix);
}

/* Quiet output keeps what blocks the verdict: errors, and with --strict
 * warnings too. */
static bool hidden(const struct ag_report *r, const struct ag_finding *f)
{
	if (!r->quiet || f->severity == AG_SEV_ERROR)
		return false;
	return f->severity == AG_SEV_INFO || !r->strict;
}

/* ---- GitHub Actions annotations --------------------------------------- */

/* A workflow command's escapes on top of the visible ones: %, CR and LF
 * (none is left after vis, but the escape is the format's rule), and in a
 * property also : and ,. */
static void gh_escape(struct ag_buf *out, const char *s, bool property)
{
	struct ag_buf v = {0};
	ag_buf_adds(&v, "");
	vis(&v, s);
	for (const char *p = v.p; *p; p++) {
		switch (*p) {
		case '%': ag_buf_adds(out, "%25"); break;
		case '\r': ag_buf_adds(out, "%0D"); break;
		case '\n': ag_buf_adds(out, "%0A"); break;
		case ':': if (property) { ag_buf_adds(out, "%3A"); break; } ag_buf_addc(out, *p); break;
		case ',': if (property) { ag_buf_adds(out, "%2C"); break; } ag_buf_addc(out, *p); break;
		default: ag_buf_addc(out, *p);
		}
	}
	ag_buf_free(&v);
}

static void gh_fix_line(struct ag_buf *out, const char *p, size_t n, void *arg)
{
	bool *first = arg;
	/* Part of the annotation: a raw newline would end the workflow
	 * command and print the rest as a log line of its own. */
	ag_buf_adds(out, *first ? "%0AFix: " : "%0A");
	*first = false;
	char *s = ag_strndup(p, n);
	gh_escape(out, s, false);
	free(s);
}

static void render_github(const struct ag_report *r, struct ag_buf *out)
{
	for (size_t i = 0; r->findings && i < r->findings->n; i++) {
		const struct ag_finding *f = &r->findings->v[i];
		const char *kind = f->severity == AG_SEV_ERROR ? "error"
				   : f->severity == AG_SEV_WARNING ? "warning" : "notice";
		if (hidden(r, f))
			continue;
		ag_buf_addf(out, "::%s ", kind);
		if (f->file) {
			ag_buf_adds(out, "file=");
			gh_escape(out, f->file, true);
			if (f->line)
				ag_buf_addf(out, ",line=%d", f->line);
			ag_buf_adds(out, ",");
		}
		ag_buf_adds(out, "title=");
		gh_escape(out, f->code, true);
		ag_buf_adds(out, "::");
		gh_escape(out, f->message, false);
		bool first = true;
		each_line(f->fix, gh_fix_line, out, &first);
		ag_buf_addc(out, '\n');
	}
	ag_buf_addf(out, "alembic-guard %s: %s (exit %d)\n", r->command,
		    ag_report_verdict(r->exit_code), r->exit_code);
}

/* ---- text ------------------------------------------------------------- */

static void render_findings(const struct ag_report *r, struct ag_buf *out)
{
	for (size_t i = 0; r->findings && i < r->findings->n; i++) {
		const struct ag_finding *f = &r->findings->v[i];
		if (!hidden(r, f))
			ag_report_finding_text(f, r->color, out);
	}
}

static void verdict_line(const struct ag_report *r, struct ag_buf *out)
{
	size_t ne = r->findings ? ag_findings_count(r->findings, AG_SEV_ERROR) : 0;
	size_t nw = r->findings ? ag_findings_count(r->findings, AG_SEV_WARNING) : 0;
	const char *v = ag_report_verdict(r->exit_code);
	const char *c = !r->color ? "" : r->exit_code == 0 ? C_GREEN : C_RED;
	if (r->exit_code == 0)
		ag_buf_addf(out, "%s%s%s: %s", c, "OK", off(r),
			    r->db_checked ? "safe to run `alembic upgrade`" : "no blocking findings");
	else if (r->exit_code == 5)
		ag_buf_addf(out, "%sPENDING%s: the database is not at head", c, off(r));
	else if (strcmp(v, "blocked") == 0)
		ag_buf_addf(out, "%sBLOCKED%s: do not run `alembic upgrade` until the errors are fixed",
			    c, off(r));
	else
		ag_buf_addf(out, "%sERROR%s: alembic-guard could not finish (exit %d)", c, off(r),
			    r->exit_code);
	ag_buf_addf(out, " (%zu error%s, %zu warning%s)\n", ne, ne == 1 ? "" : "s", nw,
		    nw == 1 ? "" : "s");
}

static void list_ids(struct ag_buf *out, const char *label, const struct ag_strv *sv)
{
	ag_buf_addf(out, "  %-16s", label);
	if (!sv || !sv->n)
		ag_buf_adds(out, "(none)");
	for (size_t i = 0; sv && i < sv->n; i++) {
		ag_buf_adds(out, i ? ", " : "");
		vis(out, sv->v[i]);
	}
	ag_buf_addc(out, '\n');
}

static void render_story(const struct ag_report *r, struct ag_buf *out)
{
	const struct ag_graph *g = r->graph;
	const char *b = r->color ? C_BOLD : "";
	if (r->context) {
		ag_buf_addf(out, "%sJudging%s ", b, off(r));
		vis(out, r->context);
		ag_buf_adds(out, "\n\n");
	}
	ag_buf_addf(out, "%sRepository%s\n", b, off(r));
	if (g) {
		list_ids(out, "locations:", r->locations);
		if (r->alembic_version) /* which rules, and why */
			ag_buf_addf(out, "  %-16s%s (%s)\n", "judged as:", r->alembic_version,
				    r->alembic_from ? r->alembic_from
						    : "no pin found: the newest Alembic the guard knows");
		if (r->python_version) { /* which grammar, and why (a path: sanitized) */
			ag_buf_addf(out, "  %-16s%s (", "python:", r->python_version);
			if (r->python_from)
				vis(out, r->python_from);
			else
				ag_buf_adds(out, "no version found: the newest Python the guard knows");
			ag_buf_adds(out, ")\n");
		}
		size_t count = 0;
		for (size_t i = 0; i < g->n; i++)
			count += !g->v[i].shadowed;
		ag_buf_addf(out, "  %-16s%zu\n", "revisions:", count);
		list_ids(out, "heads:", &g->heads);
		list_ids(out, "bases:", &g->bases);
		if (g->merges.n)
			list_ids(out, "merge points:", &g->merges);
		if (g->branches.n)
			list_ids(out, "branch points:", &g->branches);
	} else {
		ag_buf_adds(out, "  (not read)\n");
	}
	ag_buf_addf(out, "\n%sDatabase%s\n", b, off(r));
	if (!r->db_checked) {
		ag_buf_adds(out, "  not checked\n");
	} else if (!r->db_reachable) {
		ag_buf_adds(out, "  could not be read");
		if (r->db_target) {
			ag_buf_adds(out, " at ");
			vis(out, r->db_target);
		}
		ag_buf_adds(out, ": ");
		vis(out, r->db_error ? r->db_error : "unknown error");
		ag_buf_adds(out, "\n  (everything below is about the repository alone)\n");
	} else {
		if (r->db_target) {
			ag_buf_addf(out, "  %-16s", "connection:");
			vis(out, r->db_target);
			ag_buf_addc(out, '\n');
		}
		ag_buf_addf(out, "  %-16s", "version table:");
		vis(out, r->db_table ? r->db_table : "?");
		ag_buf_addf(out, "%s\n", r->db_table_exists ? "" : " (does not exist: a fresh database)");
		list_ids(out, "stamped:", r->db_rows);
	}
	if (g && r->db_checked && r->db_reachable) {
		ag_buf_addf(out, "\n%sUpgrade path%s (what `alembic upgrade` would run, in order)\n", b,
			    off(r));
		if (r->path_unknown)
			ag_buf_adds(out, "  unknown: the database is at a revision this code does not define\n");
		else if (!r->npending)
			ag_buf_adds(out, "  nothing to run\n");
		for (size_t i = 0; i < r->npending; i++) {
			const struct ag_node *nd = &g->v[r->pending[i]];
			ag_buf_addf(out, "  %zu. ", i + 1);
			vis(out, nd->id);
			ag_buf_adds(out, "  (");
			vis(out, nd->script->name);
			ag_buf_adds(out, ")\n");
		}
	}
	/* The findings in the one shape every command prints, each followed
	 * by what diagnose adds: the likely cause and the evidence. */
	ag_buf_addf(out, "\n%sFindings%s\n", b, off(r));
	size_t shown = 0;
	for (size_t i = 0; r->findings && i < r->findings->n; i++) {
		const struct ag_finding *f = &r->findings->v[i];
		if (hidden(r, f))
			continue;
		shown++;
		ag_report_finding_text(f, r->color, out);
		if (f->cause) {
			ag_buf_adds(out, "  cause: ");
			vis(out, f->cause);
			ag_buf_addc(out, '\n');
		}
		if (f->detail)
			indent_lines(out, "  seen: ", f->detail);
	}
	if (!shown)
		ag_buf_adds(out, "none\n");
	ag_buf_addc(out, '\n');
	verdict_line(r, out);
}

void ag_report_render(const struct ag_report *r, enum ag_format fmt, enum ag_style style,
		      struct ag_buf *out)
{
	if (fmt == AG_FORMAT_JSON) {
		render_json(r, out);
		return;
	}
	if (fmt == AG_FORMAT_GITHUB) {
		render_github(r, out);
		return;
	}
	switch (style) {
	case AG_STYLE_LIST:
		render_findings(r, out);
		if (!r->quiet || r->exit_code)
			verdict_line(r, out);
		break;
	case AG_STYLE_TERSE:
		render_findings(r, out);
		verdict_line(r, out);
		break;
	case AG_STYLE_STORY:
		render_story(r, out);
		break;
	}
}
