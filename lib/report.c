#include "report.h"
#include "quote.h"

#include <jansson.h>
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

/* Length of the valid UTF-8 sequence at p (NUL-terminated), or 0. */
static size_t utf8_seq(const unsigned char *p)
{
	unsigned cp, min;
	size_t n;
	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		n = 2; cp = p[0] & 0x1fu; min = 0x80;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3; cp = p[0] & 0x0fu; min = 0x800;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4; cp = p[0] & 0x07u; min = 0x10000;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80) /* also stops at the NUL */
			return 0;
		cp = (cp << 6) | (p[i] & 0x3fu);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

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
		size_t n = utf8_seq(p);
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
