#include "report.h"

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

static json_t *strv_json(const struct ag_strv *sv)
{
	json_t *a = json_array();
	for (size_t i = 0; sv && i < sv->n; i++)
		json_array_append_new(a, ag_report_jstr(sv->v[i]));
	return a;
}

static json_t *finding_json(const struct ag_finding *f)
{
	json_t *o = json_object();
	json_object_set_new(o, "code", json_string(f->code));
	json_object_set_new(o, "severity", json_string(ag_severity_name(f->severity)));
	json_object_set_new(o, "message", ag_report_jstr(f->message));
	json_object_set_new(o, "revision", ag_report_jstr(f->revision));
	json_object_set_new(o, "file", ag_report_jstr(f->file));
	json_object_set_new(o, "line", f->line ? json_integer(f->line) : json_null());
	json_object_set_new(o, "fix", ag_report_jstr(f->fix));
	if (f->cause)
		json_object_set_new(o, "cause", ag_report_jstr(f->cause));
	if (f->detail)
		json_object_set_new(o, "detail", ag_report_jstr(f->detail));
	return o;
}

static json_t *ids_json(const struct ag_strv *sv)
{
	json_t *a = json_array();
	for (size_t i = 0; sv && i < sv->n; i++)
		json_array_append_new(a, ag_report_jstr(sv->v[i]));
	return a;
}

json_t *ag_report_json(const struct ag_report *r)
{
	json_t *root = json_object();
	json_object_set_new(root, "format_version", json_integer(1));
	json_object_set_new(root, "command", json_string(r->command));
	json_object_set_new(root, "verdict", json_string(ag_report_verdict(r->exit_code)));
	json_object_set_new(root, "exit_code", json_integer(r->exit_code));
	if (r->context)
		json_object_set_new(root, "context", ag_report_jstr(r->context));
	const struct ag_graph *g = r->graph;
	if (g) {
		json_t *repo = json_object();
		json_object_set_new(repo, "version_locations", strv_json(r->locations));
		size_t count = 0;
		for (size_t i = 0; i < g->n; i++)
			count += !g->v[i].shadowed;
		json_object_set_new(repo, "revision_count", json_integer((json_int_t)count));
		json_object_set_new(repo, "heads", ids_json(&g->heads));
		json_object_set_new(repo, "bases", ids_json(&g->bases));
		json_object_set_new(repo, "merge_points", ids_json(&g->merges));
		json_object_set_new(repo, "branch_points", ids_json(&g->branches));
		if (r->revisions) {
			json_t *revs = json_array();
			for (size_t i = 0; i < g->n; i++) {
				const struct ag_node *nd = &g->v[i];
				const struct ag_script *sc = nd->script;
				json_t *o = json_object();
				json_object_set_new(o, "revision", ag_report_jstr(nd->id));
				json_object_set_new(o, "down_revisions", ids_json(&sc->down));
				json_object_set_new(o, "depends_on", ids_json(&sc->depends));
				json_object_set_new(o, "branch_labels", ids_json(&nd->labels));
				json_object_set_new(o, "file", ag_report_jstr(sc->path));
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
		json_object_set_new(db, "table", ag_report_jstr(r->db_table));
		json_object_set_new(db, "revisions", r->db_rows ? ids_json(r->db_rows) : json_array());
		json_object_set_new(db, "reachable", json_boolean(r->db_reachable));
		if (r->db_reachable)
			json_object_set_new(db, "table_exists", json_boolean(r->db_table_exists));
		if (r->db_error)
			json_object_set_new(db, "error", ag_report_jstr(r->db_error));
		json_object_set_new(root, "database", db);
	} else {
		json_object_set_new(root, "database", json_null());
	}
	json_t *pend = json_array();
	for (size_t i = 0; g && i < r->npending; i++)
		json_array_append_new(pend, ag_report_jstr(g->v[r->pending[i]].id));
	json_object_set_new(root, "pending", pend);
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

/* ---- GitHub Actions annotations --------------------------------------- */

static void gh_escape(struct ag_buf *out, const char *s, bool property)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '%': ag_buf_adds(out, "%25"); break;
		case '\r': ag_buf_adds(out, "%0D"); break;
		case '\n': ag_buf_adds(out, "%0A"); break;
		case ':': if (property) { ag_buf_adds(out, "%3A"); break; } ag_buf_addc(out, *s); break;
		case ',': if (property) { ag_buf_adds(out, "%2C"); break; } ag_buf_addc(out, *s); break;
		default: ag_buf_addc(out, *s);
		}
	}
}

/* Quiet output keeps what blocks the verdict: errors, and with --strict
 * warnings too. */
static bool hidden(const struct ag_report *r, const struct ag_finding *f)
{
	if (!r->quiet || f->severity == AG_SEV_ERROR)
		return false;
	return f->severity == AG_SEV_INFO || !r->strict;
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
		if (f->fix) {
			/* Part of the annotation: a raw newline would end the
			 * workflow command and print the fix, escaped, as a log line. */
			ag_buf_adds(out, "%0AFix: ");
			gh_escape(out, f->fix, false);
		}
		ag_buf_addc(out, '\n');
	}
	ag_buf_addf(out, "alembic-guard %s: %s (exit %d)\n", r->command,
		    ag_report_verdict(r->exit_code), r->exit_code);
}

/* ---- text ------------------------------------------------------------- */

#define C_RED "\033[31m"
#define C_YELLOW "\033[33m"
#define C_GREEN "\033[32m"
#define C_DIM "\033[2m"
#define C_BOLD "\033[1m"
#define C_OFF "\033[0m"

static const char *sev_color(const struct ag_report *r, enum ag_severity s)
{
	if (!r->color)
		return "";
	return s == AG_SEV_ERROR ? C_RED : s == AG_SEV_WARNING ? C_YELLOW : C_DIM;
}

static const char *off(const struct ag_report *r)
{
	return r->color ? C_OFF : "";
}

static void indent_lines(struct ag_buf *out, const char *prefix, const char *text)
{
	const char *p = text;
	bool first = true;
	size_t width = strlen(prefix);
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		if (first)
			ag_buf_adds(out, prefix);
		else
			ag_buf_addf(out, "%*s", (int)width, "");
		ag_buf_add(out, p, n);
		ag_buf_addc(out, '\n');
		first = false;
		p += n + (nl ? 1 : 0);
	}
}

static void where(struct ag_buf *out, const struct ag_finding *f)
{
	if (f->file && f->line)
		ag_buf_addf(out, "%s:%d: ", f->file, f->line);
	else if (f->file)
		ag_buf_addf(out, "%s: ", f->file);
}

static void render_list(const struct ag_report *r, struct ag_buf *out)
{
	for (size_t i = 0; r->findings && i < r->findings->n; i++) {
		const struct ag_finding *f = &r->findings->v[i];
		if (hidden(r, f))
			continue;
		where(out, f);
		ag_buf_addf(out, "%s%s%s: %s [%s]\n", sev_color(r, f->severity),
			    ag_severity_name(f->severity), off(r), f->message, f->code);
		if (f->fix)
			indent_lines(out, "  fix: ", f->fix);
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

static void render_terse(const struct ag_report *r, struct ag_buf *out)
{
	for (size_t i = 0; r->findings && i < r->findings->n; i++) {
		const struct ag_finding *f = &r->findings->v[i];
		if (hidden(r, f))
			continue;
		ag_buf_addf(out, "%s%s%s %s: ", sev_color(r, f->severity), ag_severity_name(f->severity),
			    off(r), f->code);
		where(out, f);
		ag_buf_addf(out, "%s\n", f->message);
		if (f->fix && f->severity == AG_SEV_ERROR)
			indent_lines(out, "  fix: ", f->fix);
	}
	verdict_line(r, out);
}

static void list_ids(struct ag_buf *out, const char *label, const struct ag_strv *sv)
{
	ag_buf_addf(out, "  %-16s", label);
	if (!sv || !sv->n)
		ag_buf_adds(out, "(none)");
	for (size_t i = 0; sv && i < sv->n; i++)
		ag_buf_addf(out, "%s%s", i ? ", " : "", sv->v[i]);
	ag_buf_addc(out, '\n');
}

static void render_story(const struct ag_report *r, struct ag_buf *out)
{
	const struct ag_graph *g = r->graph;
	const char *b = r->color ? C_BOLD : "";
	if (r->context)
		ag_buf_addf(out, "%sJudging%s %s\n\n", b, off(r), r->context);
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
		ag_buf_addf(out, "  could not be read%s%s: %s\n", r->db_target ? " at " : "",
			    r->db_target ? r->db_target : "", r->db_error ? r->db_error : "unknown error");
		ag_buf_adds(out, "  (everything below is about the repository alone)\n");
	} else {
		if (r->db_target)
			ag_buf_addf(out, "  %-16s%s\n", "connection:", r->db_target);
		ag_buf_addf(out, "  %-16s%s%s\n", "version table:", r->db_table ? r->db_table : "?",
			    r->db_table_exists ? "" : " (does not exist: a fresh database)");
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
			ag_buf_addf(out, "  %zu. %s  (%s)\n", i + 1, nd->id, nd->script->name);
		}
	}
	ag_buf_addf(out, "\n%sFindings%s\n", b, off(r));
	size_t shown = 0;
	for (size_t i = 0; r->findings && i < r->findings->n; i++) {
		const struct ag_finding *f = &r->findings->v[i];
		if (hidden(r, f))
			continue;
		shown++;
		ag_buf_addf(out, "\n  %s%s%s %s%s%s\n", sev_color(r, f->severity),
			    ag_severity_name(f->severity), off(r), b, f->code, off(r));
		indent_lines(out, "    what:  ", f->message);
		if (f->file && f->line)
			ag_buf_addf(out, "    where: %s:%d\n", f->file, f->line);
		else if (f->file)
			ag_buf_addf(out, "    where: %s\n", f->file);
		if (f->cause)
			ag_buf_addf(out, "    cause: %s\n", f->cause);
		if (f->detail)
			indent_lines(out, "    seen:  ", f->detail);
		if (f->fix)
			indent_lines(out, "    fix:   ", f->fix);
	}
	if (!shown)
		ag_buf_adds(out, "  none\n");
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
		render_list(r, out);
		if (!r->quiet || r->exit_code)
			verdict_line(r, out);
		break;
	case AG_STYLE_TERSE:
		render_terse(r, out);
		break;
	case AG_STYLE_STORY:
		render_story(r, out);
		break;
	}
}
