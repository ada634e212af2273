#include "lint.h"
#include "quote.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "repair.h"
#include "template.h"

#define DEFAULT_HELPER "get_uuid_type"

/* The fix that renames one file: the command quoted as a shell reads it
 * (lib/quote), since a path is outside text and people paste the line. */
static void rename_fix(struct ag_finding *fd, const char *path, const char *want)
{
	char *cmd = ag_quote_commandl("alembic-guard", "rename", "--only", path, "--write",
				      (const char *)NULL);
	ag_finding_fix(fd, "%s   (renames it to %s)", cmd, want);
	free(cmd);
}

/* ---- file-name-convention ------------------------------------------- */

static bool is_alnum(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Where rev sits in name: its first occurrence with no letter or digit
 * on either side (rev "001" in "001_kilo.py", not in "20010101_..."),
 * else its first occurrence at all, else -1. */
static long rev_offset(const char *name, const char *rev)
{
	size_t rl = strlen(rev);
	const char *any = NULL;
	for (const char *p = rl ? strstr(name, rev) : NULL; p; p = strstr(p + 1, rev)) {
		if (!any)
			any = p;
		if ((p == name || !is_alnum(p[-1])) && !is_alnum(p[rl]))
			return (long)(p - name);
	}
	return any ? (long)(any - name) : -1;
}

/* The shape of the n bytes before the id: a run of digits is "9", a run
 * of letters "a", anything else itself. "2023_01_05_1204-" and
 * "2019_11_30_0815-" are one shape ("9_9_9_9-"), so a date prefix that a
 * rebase left older than its Create Date, or a number that grew a digit,
 * still follows the habit. New. */
static char *prefix_shape(const char *s, size_t n)
{
	struct ag_buf b = {0};
	ag_buf_adds(&b, "");
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool digit = c >= '0' && c <= '9';
		bool alpha = is_alnum(c) && !digit;
		char k = digit ? '9' : alpha ? 'a' : c;
		if ((digit || alpha) && b.len && b.p[b.len - 1] == k)
			continue;
		ag_buf_addc(&b, k);
	}
	return ag_buf_take(&b);
}

/* The shape of the names tmpl gives (its last path component: newer
 * Alembics put the rest in subdirectories), or NULL when Alembic could
 * not expand it either (err says why). New. */
static char *template_shape(const char *tmpl, struct ag_err *err)
{
	const char *slash = strrchr(tmpl, '/');
	const char *mark = "REVISIONMARK";
	char *name = ag_template_file_name(slash ? slash + 1 : tmpl, mark, "slug", (time_t)0, err);
	if (!name)
		return NULL;
	const char *at = strstr(name, mark);
	char *shape = at ? prefix_shape(name, (size_t)(at - name)) : NULL;
	if (!at)
		ag_err_set(err, AG_ERR_CONFIG, "the template has no %%(rev)s");
	free(name);
	return shape;
}

/* The name file_template gives the file, or NULL when it cannot say (the
 * template has dates and the docstring no Create Date). New. */
static char *template_name(const char *tmpl, const struct ag_script *sc)
{
	time_t when = 0;
	bool has_date = ag_template_parse_date(sc->doc.create_date, &when);
	const char *slash = strrchr(tmpl, '/');
	const char *base = slash ? slash + 1 : tmpl;
	if (!has_date && ag_template_uses_date(base))
		return NULL;
	struct ag_err e = {0};
	const char *ids[1] = {sc->revision};
	char *slug = ag_template_file_slug(sc->doc.message, sc->name, ids, 1);
	char *want = ag_template_file_name(base, sc->revision, slug, when, &e);
	free(slug);
	return want;
}

struct name_info {
	char *shape; /* NULL: the name does not contain the id */
	size_t pos;  /* place in upgrade order; SIZE_MAX: not on the path */
};

/* Upgrade order of every node (SIZE_MAX for those off the path: shadowed
 * duplicates, parts of a cycle). New. */
static size_t *upgrade_positions(const struct ag_graph *g)
{
	size_t *pos = ag_malloc((g->n + 1) * sizeof *pos);
	for (size_t i = 0; i < g->n; i++)
		pos[i] = SIZE_MAX;
	size_t nh = 0, n = 0;
	size_t *heads = ag_malloc((g->heads.n + 1) * sizeof *heads);
	for (size_t i = 0; i < g->heads.n; i++) {
		size_t k = ag_graph_find(g, g->heads.v[i]);
		if (k != AG_NONE)
			heads[nh++] = k;
	}
	size_t *path = nh && !g->cycle ? ag_graph_upgrade_path(g, NULL, 0, heads, nh, &n) : NULL;
	for (size_t i = 0; i < n; i++)
		pos[path[i]] = i;
	free(path);
	free(heads);
	return pos;
}

/* The first place in upgrade order of a file of shape cur (SIZE_MAX for
 * none): every file before it is of the project's older habit, the names
 * of a file_template it used before it changed it. */
static size_t first_of(const struct name_info *ni, size_t n, const char *cur)
{
	size_t first = SIZE_MAX;
	for (size_t i = 0; i < n; i++)
		if (ni[i].shape && strcmp(ni[i].shape, cur) == 0 && ni[i].pos < first)
			first = ni[i].pos;
	return first;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* How many files have shape s; *example is the newest of them. */
static size_t shape_count(const struct name_info *ni, size_t n, const char *s, size_t *example)
{
	size_t c = 0;
	size_t newest = 0;
	for (size_t i = 0; i < n; i++)
		if (ni[i].shape && strcmp(ni[i].shape, s) == 0) {
			if (example && (!c || (ni[i].pos != SIZE_MAX && ni[i].pos >= newest))) {
				*example = i;
				newest = ni[i].pos == SIZE_MAX ? 0 : ni[i].pos;
			}
			c++;
		}
	return c;
}

void ag_lint_file_names(const struct ag_graph *g,
			const struct ag_lint_opts *o, struct ag_findings *out)
{
	bool configured = o && o->file_template;
	const char *tmpl = configured ? o->file_template : AG_TEMPLATE_DEFAULT;
	struct ag_err e = {0};
	char *tshape = template_shape(tmpl, &e);
	if (!tshape) {
		struct ag_finding *f = ag_findings_add(
			out, AG_SEV_WARNING, "file-name-convention", NULL, NULL, 0,
			"file names are judged by the project's habit only: file_template %s: %s", tmpl,
			e.msg);
		ag_finding_fix(f, "set file_template to a template Alembic can expand, e.g. %s",
			       AG_TEMPLATE_DEFAULT);
	}
	struct name_info *ni = ag_calloc(g->n + 1, sizeof *ni);
	size_t *pos = upgrade_positions(g);
	size_t named = 0;
	for (size_t i = 0; i < g->n; i++) {
		const struct ag_script *sc = g->v[i].script;
		ni[i].pos = pos[i];
		/* A file without `revision` takes its id from its name: that
		 * name is the id, and renaming it would change the id. */
		if (!sc->revision || !*sc->revision || !sc->revision_line)
			continue;
		long at = rev_offset(sc->name, sc->revision);
		if (at < 0) {
			char *want = template_name(tmpl, sc);
			struct ag_finding *fd = ag_findings_add(
				out, AG_SEV_WARNING, "file-name-convention", sc->revision, sc->path,
				sc->revision_line,
				"%s does not contain its revision id %s: whoever looks for the file of "
				"%s (named in alembic_version, a log or a traceback) will not find it",
				sc->name, sc->revision, sc->revision);
			if (want)
				rename_fix(fd, sc->path, want);
			else
				ag_finding_fix(fd, "rename it by hand so that the name starts with %s",
					       sc->revision);
			free(want);
			continue;
		}
		ni[i].shape = prefix_shape(sc->name, (size_t)at);
		named++;
	}
	/* The project's habit: its file_template when most files follow it,
	 * else the shape most names share (counted on the sorted shapes: a
	 * history of ten thousand files stays linear-logarithmic). */
	const char *cur = NULL;
	if (tshape && shape_count(ni, g->n, tshape, NULL) * 2 > named) {
		cur = tshape;
	} else {
		const char **sorted = ag_malloc((named + 1) * sizeof *sorted);
		size_t k = 0;
		for (size_t i = 0; i < g->n; i++)
			if (ni[i].shape)
				sorted[k++] = ni[i].shape;
		qsort(sorted, k, sizeof *sorted, cmp_str);
		size_t best = 0;
		for (size_t i = 0; i < k;) {
			size_t j = i;
			while (j < k && strcmp(sorted[j], sorted[i]) == 0)
				j++;
			size_t c = j - i;
			if (c > best || (c == best && tshape && strcmp(sorted[i], tshape) == 0)) {
				best = c;
				cur = sorted[i];
			}
			i = j;
		}
		free(sorted);
	}
	size_t example = 0;
	size_t ncur = cur ? shape_count(ni, g->n, cur, &example) : 0;
	size_t first_cur = cur ? first_of(ni, g->n, cur) : SIZE_MAX;
	bool by_tmpl = cur && tshape && strcmp(cur, tshape) == 0;
	for (size_t i = 0; cur && i < g->n; i++) {
		const char *s = ni[i].shape;
		if (!s || strcmp(s, cur) == 0)
			continue;
		/* A file that follows the configured template is never wrong;
		 * nor is one of an older habit (the template changed since). */
		if ((configured && tshape && strcmp(s, tshape) == 0) ||
		    (first_cur != SIZE_MAX && ni[i].pos < first_cur))
			continue;
		const struct ag_script *sc = g->v[i].script;
		char *want = by_tmpl ? template_name(tmpl, sc) : NULL;
		struct ag_finding *fd = ag_findings_add(
			out, AG_SEV_WARNING, "file-name-convention", sc->revision, sc->path,
			sc->revision_line,
			"%s is not named like the project's other migrations (%zu of %zu are named "
			"like %s%s%s)",
			sc->name, ncur, named, g->v[example].script->name,
			by_tmpl ? ", as file_template " : "", by_tmpl ? tmpl : "");
		if (want)
			rename_fix(fd, sc->path, want);
		else
			ag_finding_fix(fd, "rename it the way the others are named, e.g. like %s",
				       g->v[example].script->name);
		free(want);
	}
	for (size_t i = 0; i < g->n; i++)
		free(ni[i].shape);
	free(ni);
	free(pos);
	free(tshape);
}

/* ---- docstring-mismatch ---------------------------------------------- */

/* The ids a docstring's Revises: names, as a sorted set: Alembic's
 * templates write a merge as a tuple ("('c3', 'd4')"), a base as nothing,
 * and older ones as "None" or "(none)"; all of those spell the same
 * down_revision as the code's tuple or None. */
static void doc_ids(const struct ag_strv *words, struct ag_strv *ids)
{
	for (size_t i = 0; i < words->n; i++) {
		const char *w = words->v[i];
		size_t n = strlen(w);
		while (n && strchr("()[]'\",", *w)) {
			w++;
			n--;
		}
		while (n && strchr("()[]'\",", w[n - 1]))
			n--;
		if (!n || (n == 4 && (strncmp(w, "None", 4) == 0 || strncmp(w, "none", 4) == 0)))
			continue;
		ag_strv_push_take(ids, ag_strndup(w, n));
	}
	ag_strv_uniq(ids);
}

static bool same_set(const struct ag_strv *a, const struct ag_strv *b)
{
	struct ag_strv x = {0};
	ag_strv_copy(&x, b);
	ag_strv_uniq(&x);
	bool same = a->n == x.n;
	for (size_t i = 0; same && i < x.n; i++)
		same = strcmp(a->v[i], x.v[i]) == 0;
	ag_strv_free(&x);
	return same;
}

/* The first id of ids that no file defines, or NULL: a stale docstring
 * names ids of the project (copied from a neighbour, left after a
 * rebase), which only misleads a reader; an id nobody defines may be one
 * a database was stamped with, which is worth a look. */
static const char *unknown_id(const struct ag_graph *g, const struct ag_strv *ids)
{
	for (size_t i = 0; i < ids->n; i++)
		if (ag_graph_find(g, ids->v[i]) == AG_NONE)
			return ids->v[i];
	return NULL;
}

void ag_lint_docstrings(const struct ag_graph *g, struct ag_findings *out)
{
	for (size_t i = 0; i < g->n; i++) {
		const struct ag_script *sc = g->v[i].script;
		if (!sc->revision)
			continue;
		if (sc->doc.revision && *sc->doc.revision &&
		    strcmp(sc->doc.revision, sc->revision) != 0) {
			bool known = ag_graph_find(g, sc->doc.revision) != AG_NONE;
			struct ag_finding *f = ag_findings_add(
				out, known ? AG_SEV_INFO : AG_SEV_WARNING, "docstring-mismatch",
				sc->revision, sc->path, sc->doc.revision_line,
				"the docstring of %s says Revision ID: %s, but the code says revision = "
				"'%s' (line %d)%s",
				sc->name, sc->doc.revision, sc->revision, sc->revision_line,
				known ? "; a stale header (Alembic never reads it)"
				      : "; no file defines that id, so a database stamped with it "
					"would not be found");
			ag_finding_fix(f, "write `Revision ID: %s` in the docstring (if a database was "
					  "ever stamped with %s, `alembic-guard check` gives the UPDATE "
					  "that moves it)",
				       sc->revision, sc->doc.revision);
		}
		if (!sc->doc.has_revises || !sc->down_known)
			continue;
		struct ag_strv ids = {0};
		doc_ids(&sc->doc.revises, &ids);
		if (!same_set(&ids, &sc->down)) {
			const char *unknown = unknown_id(g, &ids);
			char *doc = ag_strv_join(&ids, ", ");
			char *code = sc->down.n ? ag_strv_join(&sc->down, ", ") : ag_strdup("None");
			struct ag_buf why = {0};
			if (unknown)
				ag_buf_addf(&why, "; no file defines %s", unknown);
			else
				ag_buf_adds(&why, "; a stale header (Alembic never reads it)");
			struct ag_finding *f = ag_findings_add(
				out, unknown ? AG_SEV_WARNING : AG_SEV_INFO, "docstring-mismatch",
				sc->revision, sc->path, sc->doc.revises_line,
				"the docstring of %s says Revises: %s, but the code says down_revision = "
				"%s (line %d)%s",
				sc->name, *doc ? doc : "None", code, sc->down_line, why.p);
			ag_finding_fix(f, "write `Revises: %s` in the docstring",
				       sc->down.n ? code : "");
			ag_buf_free(&why);
			free(doc);
			free(code);
		}
		ag_strv_free(&ids);
	}
}

/* ---- uuid-type-mismatch, uuid-dialect-type ---------------------------- */

struct uuid_ctx {
	struct ag_findings *out;
	const char *helper; /* "get_uuid_type()" */
	bool has_helper;
};

/* PostgreSQL's name for a column type, for its own error message. */
static const char *pg_name(const struct ag_coltype *t)
{
	const char *x = t->text ? t->text : "";
	const char *dot = strrchr(x, '.');
	const char *paren = strchr(x, '(');
	if (dot && paren && dot > paren)
		dot = NULL; /* sa.String(...).with_variant: the first name counts */
	const char *name = dot ? dot + 1 : x;
	switch (t->family) {
	case AG_TYPE_UUID:
	case AG_TYPE_HELPER:
		return "uuid";
	case AG_TYPE_STRING:
		if (strncmp(name, "Text", 4) == 0 || strncmp(name, "TEXT", 4) == 0 ||
		    strncmp(name, "UnicodeText", 11) == 0 || strncmp(name, "CLOB", 4) == 0)
			return "text";
		if (strncmp(name, "CITEXT", 6) == 0)
			return "citext";
		if ((strncmp(name, "CHAR", 4) == 0 || strncmp(name, "NCHAR", 5) == 0) &&
		    !strstr(name, "VARCHAR"))
			return "character";
		return "character varying";
	case AG_TYPE_INTEGER:
		if (strncmp(name, "Big", 3) == 0 || strncmp(name, "BIG", 3) == 0)
			return "bigint";
		if (strncmp(name, "Small", 5) == 0 || strncmp(name, "SMALL", 5) == 0)
			return "smallint";
		return "integer";
	default:
		return NULL;
	}
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

static void on_key(void *arg, const struct ag_schema_key *k)
{
	struct uuid_ctx *c = arg;
	const struct ag_schema_side *l = &k->local, *r = &k->ref;
	enum ag_type_family a = l->type->family, b = r->type->family;
	bool a_uuid = a == AG_TYPE_UUID, b_uuid = b == AG_TYPE_UUID;
	bool a_help = a == AG_TYPE_HELPER, b_help = b == AG_TYPE_HELPER;
	bool a_plain = a == AG_TYPE_STRING || a == AG_TYPE_INTEGER || a == AG_TYPE_OTHER;
	bool b_plain = b == AG_TYPE_STRING || b == AG_TYPE_INTEGER || b == AG_TYPE_OTHER;
	enum ag_severity sev;
	if ((a_uuid && b_plain) || (b_uuid && a_plain))
		sev = AG_SEV_ERROR;
	else if ((a_help && (b == AG_TYPE_INTEGER || b == AG_TYPE_OTHER)) ||
		 (b_help && (a == AG_TYPE_INTEGER || a == AG_TYPE_OTHER)))
		sev = AG_SEV_ERROR; /* the helper gives a UUID or a string, never this */
	else if ((a_help && b == AG_TYPE_STRING) || (b_help && a == AG_TYPE_STRING))
		sev = AG_SEV_WARNING;
	else
		return;
	/* A project's own type under a UUID type's name whose module could
	 * not be read: what PostgreSQL gets is a guess, and a guess never
	 * blocks a deploy. */
	const struct ag_coltype *guess = l->type->unresolved ? l->type
					 : r->type->unresolved ? r->type : NULL;
	if (guess && sev == AG_SEV_ERROR)
		sev = AG_SEV_WARNING;
	/* The referencing column is the one to change (the referenced one is
	 * usually a primary key that other keys use too); after an
	 * alter_column, the column it changed. */
	const struct ag_schema_side *fixme = l, *good = r;
	if (k->altered_file && r->file == k->altered_file && r->line == k->altered_line) {
		fixme = r;
		good = l;
	}
	const char *file = k->altered_file ? k->altered_file : k->file;
	const char *rev = k->altered_file ? k->altered_revision : k->revision;
	int line = k->altered_file ? k->altered_line : k->line;
	struct ag_buf msg = {0};
	if (k->altered_file)
		ag_buf_addf(&msg, "alter_column changes a column of the foreign key %s.%s -> %s.%s: ",
			    l->table, l->column, r->table, r->column);
	else
		ag_buf_addf(&msg, "foreign key %s.%s -> %s.%s: ", l->table, l->column, r->table,
			    r->column);
	ag_buf_addf(&msg, "%s.%s is %s (%s:%d) but %s.%s is %s (%s:%d)", l->table, l->column,
		    l->type->text ? l->type->text : "?", l->file, l->type->line ? l->type->line : l->line,
		    r->table, r->column, r->type->text ? r->type->text : "?", r->file,
		    r->type->line ? r->type->line : r->line);
	const char *pa = pg_name(l->type), *pb = pg_name(r->type);
	if (guess)
		ag_buf_addf(&msg, "; %s is the project's own type, and alembic-guard could not read "
				  "the module that defines it (searched from the migration's directory "
				  "up to the project root): if it is a native UUID on PostgreSQL, the key "
				  "is refused (\"are of incompatible types\") and the upgrade stops there",
			    guess->project);
	else if (sev == AG_SEV_ERROR && pa && pb)
		ag_buf_addf(&msg, "; PostgreSQL refuses the key (\"Key columns \"%s\" and \"%s\" are of "
				  "incompatible types: %s and %s\") and the upgrade stops there",
			    l->column, r->column, pa, pb);
	else if (sev == AG_SEV_ERROR)
		ag_buf_addf(&msg, "; PostgreSQL refuses a key between different types (\"are of "
				  "incompatible types\") and the upgrade stops there");
	else
		ag_buf_addf(&msg, "; wherever %s gives a native UUID (PostgreSQL) the key is refused "
				  "(\"are of incompatible types: character varying and uuid\")",
			    a_help && l->type->project   ? l->type->project
			    : b_help && r->type->project ? r->type->project
							 : c->helper);
	struct ag_finding *f = ag_findings_add(c->out, sev, "uuid-type-mismatch", rev, file, line,
					       "%s", msg.p);
	if (guess)
		ag_finding_fix(f, "if %s is a string type (its impl), nothing to do; if it is a native "
				  "UUID, declare %s.%s and %s.%s with the same type",
			       guess->project, l->table, l->column, r->table, r->column);
	else if (c->has_helper)
		ag_finding_fix(f, "declare both %s.%s (%s:%d) and %s.%s (%s:%d) with %s", l->table,
			       l->column, base_name(l->file), l->line, r->table, r->column,
			       base_name(r->file), r->line, c->helper);
	else if (k->altered_file)
		ag_finding_fix(f, "keep %s.%s as %s, the type of %s.%s, or change %s.%s to the same "
				  "type in this migration (dropping the key first)",
			       fixme->table, fixme->column,
			       good->type->text ? good->type->text : "the same type", good->table,
			       good->column, good->table, good->column);
	else
		ag_finding_fix(f, "declare %s.%s (%s:%d) as %s, the type of %s.%s", fixme->table,
			       fixme->column, base_name(fixme->file), fixme->line,
			       good->type->text ? good->type->text : "the same type", good->table,
			       good->column);
	ag_finding_detail(f, "%s.%s: %s (%s), defined at %s:%d\n%s.%s: %s (%s), defined at %s:%d",
			  l->table, l->column, l->type->text ? l->type->text : "?",
			  ag_type_family_name(a), l->file, l->line, r->table, r->column,
			  r->type->text ? r->type->text : "?", ag_type_family_name(b), r->file, r->line);
	ag_buf_free(&msg);
}

void ag_lint_uuid(const struct ag_graph *g, const struct ag_schema_file *const *files,
		  const struct ag_lint_opts *o, struct ag_findings *out)
{
	const char *hname = o && o->uuid_helpers && o->uuid_helpers->n ? o->uuid_helpers->v[0]
									  : DEFAULT_HELPER;
	const char *dot = strrchr(hname, '.');
	char *helper = ag_printf("%s()", dot ? dot + 1 : hname);
	bool has_helper = o && o->helper_configured;
	for (size_t i = 0; files && i < g->n && !has_helper; i++)
		has_helper = files[i] && files[i]->calls_helper;
	struct uuid_ctx c = {.out = out, .helper = helper, .has_helper = has_helper};

	/* uuid-dialect-type: every file, whatever the graph says of it. */
	for (size_t i = 0; files && has_helper && i < g->n; i++) {
		const struct ag_schema_file *f = files[i];
		const struct ag_script *sc = g->v[i].script;
		for (size_t u = 0; f && u < f->nuses; u++) {
			const struct ag_coltype *t = &f->uses[u].type;
			if (t->family != AG_TYPE_UUID || !t->dialect)
				continue;
			struct ag_finding *fd = ag_findings_add(
				out, AG_SEV_WARNING, "uuid-dialect-type", sc->revision, sc->path, t->line,
				"%s writes %s, a dialect's own UUID type, where the project uses %s: on "
				"other databases (SQLite in tests, say) this column is not the type the "
				"helper's columns get",
				sc->name, t->text ? t->text : "a dialect UUID type", helper);
			ag_finding_fix(fd, "write %s instead of %s", helper,
				       t->text ? t->text : "the dialect type");
		}
	}

	/* uuid-type-mismatch: the schema, replayed in upgrade order. */
	size_t nh = 0;
	size_t *heads = ag_malloc((g->heads.n + 1) * sizeof *heads);
	for (size_t i = 0; i < g->heads.n; i++) {
		size_t k = ag_graph_find(g, g->heads.v[i]);
		if (k != AG_NONE)
			heads[nh++] = k;
	}
	size_t n = 0;
	size_t *path = files && nh ? ag_graph_upgrade_path(g, NULL, 0, heads, nh, &n) : NULL;
	struct ag_schema *s = ag_schema_new();
	for (size_t i = 0; i < n; i++) {
		const struct ag_schema_file *f = files[path[i]];
		const struct ag_node *nd = &g->v[path[i]];
		if (f)
			ag_schema_apply(s, f, nd->script->path, nd->id, on_key, &c);
	}
	ag_schema_free(s);
	free(path);
	free(heads);
	free(helper);
}

/* ---- unexpected-heads ------------------------------------------------ */

static bool head_matches(const struct ag_node *nd, const char *want)
{
	return strcmp(nd->id, want) == 0 || ag_strv_has(&nd->labels, want);
}

void ag_lint_heads(const struct ag_graph *g, const struct ag_lint_opts *o, struct ag_findings *out)
{
	if (!o)
		return;
	const struct ag_strv *want = o->expected_heads;
	char *have = ag_strv_join(&g->heads, ", ");
	if (o->expected_head_count > 0 && (!want || !want->n)) {
		if (g->heads.n != (size_t)o->expected_head_count) {
			struct ag_finding *f = ag_findings_add(
				out, AG_SEV_ERROR, "unexpected-heads", NULL, NULL, 0,
				"the repository has %zu head%s (%s) but expected_heads says %d",
				g->heads.n, g->heads.n == 1 ? "" : "s", *have ? have : "none",
				o->expected_head_count);
			if (g->heads.n > (size_t)o->expected_head_count)
				ag_finding_fix(f, "merge the branch that is not meant to be there "
						  "(alembic merge -m \"merge heads\" REV1 REV2, two of %s), or "
						  "raise expected_heads",
					       have);
			else
				ag_finding_fix(f, "lower expected_heads to %zu", g->heads.n);
		}
		free(have);
		return;
	}
	if (!want || !want->n) {
		free(have);
		return;
	}
	char *wanted = ag_strv_join(want, ", ");
	char *merge = ag_strv_join(&g->heads, " ");
	/* Every head must be one the settings name... */
	for (size_t i = 0; i < g->heads.n; i++) {
		size_t k = ag_graph_find(g, g->heads.v[i]);
		if (k == AG_NONE)
			continue;
		const struct ag_node *nd = &g->v[k];
		bool ok = false;
		for (size_t w = 0; w < want->n && !ok; w++)
			ok = head_matches(nd, want->v[w]);
		if (ok)
			continue;
		struct ag_finding *f = ag_findings_add(
			out, AG_SEV_ERROR, "unexpected-heads", nd->id, nd->script->path,
			nd->script->revision_line,
			"%s is a head, but expected_heads names only %s (the heads are %s)", nd->id,
			wanted, have);
		ag_finding_fix(f, "if %s is a branch by accident, merge it (alembic merge -m \"merge "
				  "heads\" %s); if it is meant, add it (or its branch label) to "
				  "expected_heads",
			       nd->id, merge);
	}
	/* ...and every name must be a head. */
	for (size_t w = 0; w < want->n; w++) {
		bool found = false;
		for (size_t i = 0; i < g->heads.n && !found; i++) {
			size_t k = ag_graph_find(g, g->heads.v[i]);
			found = k != AG_NONE && head_matches(&g->v[k], want->v[w]);
		}
		if (found)
			continue;
		size_t k = ag_graph_find(g, want->v[w]);
		if (k == AG_NONE)
			k = ag_graph_find_label(g, want->v[w]);
		struct ag_finding *f = ag_findings_add(
			out, AG_SEV_ERROR, "unexpected-heads", NULL, NULL, 0,
			"expected_heads names %s, which is %s (the heads are %s)", want->v[w],
			k == AG_NONE ? "no revision or branch label" : "not a head any more",
			*have ? have : "none");
		ag_finding_fix(f, "update expected_heads to the heads the project means to have");
	}
	free(wanted);
	free(merge);
	free(have);
}

/* ---- no-migrations --------------------------------------------------- */

void ag_lint_no_migrations(const struct ag_strv *locs, bool recursive, bool from_cli,
			   const char *config_path, struct ag_findings *out)
{
	char *dirs = ag_strv_join(locs, ", ");
	struct ag_finding *f = ag_findings_add(
		out, AG_SEV_ERROR, "no-migrations", NULL, NULL, 0,
		"no migration file found in %s%s (%s): a check of nothing passes whatever the "
		"real migrations do",
		*dirs ? dirs : "no directory", recursive ? " or its subdirectories" : "",
		from_cli ? "from --versions" : "the version locations of the config");
	if (from_cli)
		ag_finding_fix(f, "pass --versions the directory that holds the migration .py files "
				  "(usually <script_location>/versions)%s",
			       recursive ? "" : ", or add --recursive if they are in subdirectories");
	else
		ag_finding_fix(f, "set script_location (or version_locations) in %s to the directory "
				  "that holds the migration files, or pass --versions DIR",
			       config_path ? config_path : "the config");
	free(dirs);
}

/* ---- all of them ----------------------------------------------------- */

void ag_lint_run(const struct ag_graph *g, const struct ag_lint_opts *o, struct ag_findings *out)
{
	struct ag_lint_opts opts = o ? *o : (struct ag_lint_opts){0};
	const struct ag_schema_file **files = ag_calloc(g->n + 1, sizeof *files);
	for (size_t i = 0; i < g->n; i++)
		files[i] = g->v[i].script ? g->v[i].script->schema : NULL;
	ag_lint_file_names(g, &opts, out);
	ag_lint_docstrings(g, out);
	ag_lint_uuid(g, files, &opts, out);
	ag_lint_heads(g, &opts, out);
	free(files);
}
