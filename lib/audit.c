#include "audit.h"
#include "quote.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* Matches shown per release in text; JSON has them all. */
#define SHOWN_MATCHES 8

static struct ag_audit_release *new_release(struct ag_audit *a, struct ag_heroku_release *rel)
{
	ag_grow((void **)&a->v, &a->cap, a->n + 1, sizeof *a->v);
	struct ag_audit_release *ar = &a->v[a->n++];
	memset(ar, 0, sizeof *ar);
	ar->rel = *rel;
	memset(rel, 0, sizeof *rel);
	ar->release_phase = ar->rel.output_stream_url != NULL;
	return ar;
}

void ag_audit_add(struct ag_audit *a, struct ag_heroku_release *rel, const char *output, size_t len)
{
	struct ag_audit_release *ar = new_release(a, rel);
	if (output) {
		ar->release_phase = true;
		ar->fetched = true;
		ar->output_bytes = len;
		ag_outscan_scan(&ar->scan, output, len);
	}
}

int ag_audit_run(struct ag_heroku *h, const struct ag_audit_opts *o, struct ag_audit *a,
		 struct ag_err *err)
{
	memset(a, 0, sizeof *a);
	struct ag_heroku_list_opts lo = {.limit = o->limit, .since = o->since};
	struct ag_heroku_releases rs;
	if (ag_heroku_list_releases(h, o->app, &lo, &rs, err) < 0)
		return -1;
	a->app = ag_strdup(o->app);
	a->complete = rs.complete;
	a->note = rs.note;
	rs.note = NULL;
	a->pages = rs.pages;
	for (size_t i = 0; i < rs.n; i++) {
		struct ag_audit_release *ar = new_release(a, &rs.v[i]);
		if (!ar->release_phase || o->no_output)
			continue;
		if (strcmp(ar->rel.status, "pending") == 0) {
			ar->output_error = ag_strdup("the release phase is still running");
			continue;
		}
		if (o->progress)
			o->progress(o->progress_arg, &ar->rel);
		struct ag_heroku_output out;
		struct ag_err oerr = {0};
		if (ag_heroku_fetch_output(h, ar->rel.output_stream_url, o->output_cap, &out, &oerr) < 0) {
			ar->output_error = ag_strdup(oerr.msg);
			continue;
		}
		ar->fetched = true;
		ar->output_bytes = out.received;
		ar->truncated = out.truncated;
		ar->incomplete = out.incomplete;
		ag_outscan_scan(&ar->scan, out.text, out.len);
		ag_heroku_output_free(&out);
	}
	ag_heroku_releases_free(&rs);
	return 0;
}

/* The id is a file's id, or from 4 characters on the unique prefix of one. */
static bool defined(const struct ag_graph *g, const char *id)
{
	if (ag_graph_find(g, id) != AG_NONE)
		return true;
	size_t n = strlen(id);
	if (n < 4)
		return false;
	const char *hit = NULL;
	for (size_t i = 0; i < g->n; i++) {
		if (g->v[i].shadowed || strncmp(g->v[i].id, id, n) != 0)
			continue;
		if (hit && strcmp(hit, g->v[i].id) != 0)
			return false;
		hit = g->v[i].id;
	}
	return hit != NULL;
}

static struct ag_audit_id *find_id(struct ag_audit *a, const char *id)
{
	for (size_t i = 0; i < a->nunknown; i++)
		if (strcmp(a->unknown[i].id, id) == 0)
			return &a->unknown[i];
	return NULL;
}

static int cmp_id(const void *x, const void *y)
{
	return strcmp(((const struct ag_audit_id *)x)->id, ((const struct ag_audit_id *)y)->id);
}

/* "v6", "v6 and v4", "v6, v4 and v2" */
static char *versions_text(const int *v, size_t n)
{
	struct ag_buf b = {0};
	for (size_t i = 0; i < n; i++)
		ag_buf_addf(&b, "%sv%d", i == 0 ? "" : i + 1 == n ? " and " : ", ", v[i]);
	if (!b.p)
		ag_buf_adds(&b, "");
	return ag_buf_take(&b);
}

static const struct ag_outscan_match *first_failure(const struct ag_outscan *s)
{
	for (size_t i = 0; i < s->n; i++)
		if (ag_outscan_kind_is_failure(s->v[i].kind) && s->v[i].kind != AG_OUT_ERROR)
			return &s->v[i];
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].kind == AG_OUT_ERROR)
			return &s->v[i];
	return NULL;
}

void ag_audit_summarise(struct ag_audit *a, const struct ag_graph *g)
{
	/* Start over: summarising twice gives the same answer. */
	for (size_t i = 0; i < a->nunknown; i++) {
		free(a->unknown[i].id);
		free(a->unknown[i].versions);
	}
	free(a->unknown);
	free(a->failed);
	a->unknown = NULL;
	a->failed = NULL;
	a->nunknown = a->nfailed = 0;
	ag_findings_free(&a->findings);
	a->repo_read = g != NULL;
	size_t ucap = 0;
	for (size_t r = 0; r < a->n; r++) {
		const struct ag_audit_release *ar = &a->v[r];
		for (size_t m = 0; m < ar->scan.n; m++) {
			const struct ag_outscan_match *mt = &ar->scan.v[m];
			for (size_t k = 0; k < mt->revisions.n; k++) {
				const char *id = mt->revisions.v[k];
				if (g && defined(g, id))
					continue;
				struct ag_audit_id *u = find_id(a, id);
				if (!u) {
					ag_grow((void **)&a->unknown, &ucap, a->nunknown + 1, sizeof *a->unknown);
					u = &a->unknown[a->nunknown++];
					memset(u, 0, sizeof *u);
					u->id = ag_strdup(id);
				}
				if (!u->n || u->versions[u->n - 1] != ar->rel.version) {
					u->versions = ag_realloc(u->versions, (u->n + 1) * sizeof *u->versions);
					u->versions[u->n++] = ar->rel.version;
				}
				if (mt->kind == AG_OUT_STAMP)
					u->stamped = true;
			}
		}
	}
	if (a->nunknown)
		qsort(a->unknown, a->nunknown, sizeof *a->unknown, cmp_id);
	/* Without a checkout nothing is known to be missing: the ids are
	 * listed in the summary, but are no findings. */
	for (size_t i = 0; g && i < a->nunknown; i++) {
		const struct ag_audit_id *u = &a->unknown[i];
		char *vs = versions_text(u->versions, u->n);
		struct ag_finding *f = ag_findings_add(
			&a->findings, AG_SEV_WARNING, "production-revision-unknown", u->id, NULL, 0,
			"the release output of %s names revision '%s'%s, which no file in this checkout "
			"defines",
			vs, u->id, u->stamped ? " (stamped by hand)" : "");
		char *cmd = ag_quote_commandl("alembic-guard", "backfill", u->id, (const char *)NULL);
		ag_finding_fix(f,
			       "if production's version table holds it (alembic-guard diagnose), write a "
			       "placeholder for it: %s (a dry run; add --write); "
			       "otherwise find the branch that added it and merge it",
			       cmd);
		free(cmd);
		free(vs);
	}
	for (size_t r = 0; r < a->n; r++) {
		const struct ag_audit_release *ar = &a->v[r];
		if (strcmp(ar->rel.status, "failed") == 0) {
			a->failed = ag_realloc(a->failed, (a->nfailed + 1) * sizeof *a->failed);
			a->failed[a->nfailed++] = ar->rel.version;
			const struct ag_outscan_match *why = first_failure(&ar->scan);
			/* The newest release failing means the app runs older code
			 * than was pushed; older failures are history. */
			struct ag_finding *f = ag_findings_add(
				&a->findings, r == 0 ? AG_SEV_WARNING : AG_SEV_INFO, "release-phase-failed",
				NULL, NULL, 0, "release v%d%s%s failed in its release phase%s%s",
				ar->rel.version, ar->rel.created_at ? " of " : "",
				ar->rel.created_at ? ar->rel.created_at : "", why ? ": " : "",
				why ? why->text : "");
			if (r == 0)
				ag_finding_fix(f, "the app still runs the release before v%d; fix what the "
						  "output says and deploy again (alembic-guard diagnose)",
					       ar->rel.version);
		}
		for (size_t m = 0; m < ar->scan.n; m++) {
			const struct ag_outscan_match *mt = &ar->scan.v[m];
			if (mt->kind != AG_OUT_STAMP)
				continue;
			struct ag_finding *f = ag_findings_add(
				&a->findings, AG_SEV_WARNING, "manual-stamp",
				mt->revisions.n ? mt->revisions.v[0] : NULL, NULL, 0,
				"the release phase of v%d stamped the version table (line %zu: %s)",
				ar->rel.version, mt->line, mt->text);
			ag_finding_fix(f, "a stamp moves the version table without running migrations: "
					  "compare the schema with the files (alembic-guard diagnose) before "
					  "trusting it");
			break; /* one per release is enough to look */
		}
	}
	ag_findings_sort(&a->findings);
}

void ag_audit_free(struct ag_audit *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->n; i++) {
		ag_heroku_release_free(&a->v[i].rel);
		free(a->v[i].output_error);
		ag_outscan_free(&a->v[i].scan);
	}
	free(a->v);
	free(a->app);
	free(a->note);
	for (size_t i = 0; i < a->nunknown; i++) {
		free(a->unknown[i].id);
		free(a->unknown[i].versions);
	}
	free(a->unknown);
	free(a->failed);
	ag_findings_free(&a->findings);
	memset(a, 0, sizeof *a);
}

/* --- Rendering ----------------------------------------------------------- */

static json_t *findings_json(const struct ag_findings *fs)
{
	json_t *a = json_array();
	for (size_t i = 0; i < fs->n; i++) {
		const struct ag_finding *f = &fs->v[i];
		json_t *o = json_object();
		json_object_set_new(o, "code", json_string(f->code));
		json_object_set_new(o, "severity", json_string(ag_severity_name(f->severity)));
		json_object_set_new(o, "message", ag_report_jstr(f->message));
		json_object_set_new(o, "revision", ag_report_jstr(f->revision));
		json_object_set_new(o, "file", ag_report_jstr(f->file));
		json_object_set_new(o, "line", f->line ? json_integer(f->line) : json_null());
		json_object_set_new(o, "fix", ag_report_jstr(f->fix));
		json_array_append_new(a, o);
	}
	return a;
}

static json_t *strv_json(const struct ag_strv *sv)
{
	json_t *a = json_array();
	for (size_t i = 0; i < sv->n; i++)
		json_array_append_new(a, ag_report_jstr(sv->v[i]));
	return a;
}

static json_t *scan_json(const struct ag_outscan *s)
{
	json_t *a = json_array();
	for (size_t i = 0; i < s->n; i++) {
		const struct ag_outscan_match *m = &s->v[i];
		json_t *o = json_object();
		json_object_set_new(o, "line", json_integer((json_int_t)m->line));
		json_object_set_new(o, "kind", json_string(ag_outscan_kind_name(m->kind)));
		json_object_set_new(o, "text", ag_report_jstr(m->text));
		json_object_set_new(o, "revisions", strv_json(&m->revisions));
		json_array_append_new(a, o);
	}
	return a;
}

static json_t *release_json(const struct ag_heroku_release *r)
{
	json_t *o = json_object();
	json_object_set_new(o, "version", json_integer(r->version));
	json_object_set_new(o, "status", ag_report_jstr(r->status));
	json_object_set_new(o, "created_at", ag_report_jstr(r->created_at));
	json_object_set_new(o, "description", ag_report_jstr(r->description));
	json_object_set_new(o, "user", ag_report_jstr(r->user));
	json_object_set_new(o, "current", json_boolean(r->current));
	return o;
}

static void dump(json_t *root, struct ag_buf *out)
{
	char *s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (s) {
		ag_buf_adds(out, s);
		ag_buf_addc(out, '\n');
		free(s);
	}
	json_decref(root);
}

static void render_json(const struct ag_audit *a, int exit_code, struct ag_buf *out)
{
	json_t *root = json_object();
	json_object_set_new(root, "format_version", json_integer(1));
	json_object_set_new(root, "command", json_string("releases"));
	json_object_set_new(root, "verdict", json_string(ag_report_verdict(exit_code)));
	json_object_set_new(root, "exit_code", json_integer(exit_code));
	json_object_set_new(root, "app", ag_report_jstr(a->app));
	json_object_set_new(root, "complete", json_boolean(a->complete));
	json_object_set_new(root, "note", ag_report_jstr(a->note));
	json_t *rels = json_array();
	for (size_t i = 0; i < a->n; i++) {
		const struct ag_audit_release *ar = &a->v[i];
		json_t *o = release_json(&ar->rel);
		json_object_set_new(o, "release_phase", json_boolean(ar->release_phase));
		if (ar->release_phase) {
			json_t *op = json_object();
			json_object_set_new(op, "fetched", json_boolean(ar->fetched));
			json_object_set_new(op, "bytes", json_integer((json_int_t)ar->output_bytes));
			json_object_set_new(op, "truncated", json_boolean(ar->truncated));
			json_object_set_new(op, "incomplete", json_boolean(ar->incomplete));
			json_object_set_new(op, "error", ag_report_jstr(ar->output_error));
			json_object_set_new(op, "matches", scan_json(&ar->scan));
			json_object_set_new(op, "revisions", strv_json(&ar->scan.revisions));
			json_object_set_new(o, "output", op);
		} else {
			json_object_set_new(o, "output", json_null());
		}
		json_array_append_new(rels, o);
	}
	json_object_set_new(root, "releases", rels);
	json_t *sum = json_object();
	json_object_set_new(sum, "repository_read", json_boolean(a->repo_read));
	json_t *unk = json_array();
	for (size_t i = 0; i < a->nunknown; i++) {
		json_t *o = json_object();
		json_object_set_new(o, "id", ag_report_jstr(a->unknown[i].id));
		json_t *vs = json_array();
		for (size_t k = 0; k < a->unknown[i].n; k++)
			json_array_append_new(vs, json_integer(a->unknown[i].versions[k]));
		json_object_set_new(o, "releases", vs);
		json_object_set_new(o, "stamped", json_boolean(a->unknown[i].stamped));
		json_array_append_new(unk, o);
	}
	json_object_set_new(sum, "unknown_revisions", unk);
	json_t *failed = json_array();
	for (size_t i = 0; i < a->nfailed; i++)
		json_array_append_new(failed, json_integer(a->failed[i]));
	json_object_set_new(sum, "failed_releases", failed);
	json_object_set_new(root, "summary", sum);
	json_object_set_new(root, "findings", findings_json(&a->findings));
	dump(root, out);
}

/* A value on one line, at most max bytes (cut on a UTF-8 boundary). */
static void add_clipped(struct ag_buf *out, const char *s, size_t max)
{
	if (!s) {
		ag_buf_adds(out, "-");
		return;
	}
	size_t n = 0, shown = 0;
	for (const char *p = s; *p && shown < max; p++, n++) {
		unsigned char c = (unsigned char)*p;
		if ((c & 0xC0) != 0x80)
			shown++;
	}
	bool cut = s[n] != '\0';
	while (cut && n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	/* Server text: shown with visible escapes (lib/quote). */
	char *part = ag_strndup(s, n);
	ag_quote_visible(out, part);
	free(part);
	if (cut)
		ag_buf_adds(out, "...");
}

static int digits(int v)
{
	int d = 1;
	while (v >= 10) {
		v /= 10;
		d++;
	}
	return d;
}

static void render_matches(const struct ag_outscan *s, const char *indent, struct ag_buf *out)
{
	/* Failures and stamps first, then what ran; repeated lines once. */
	size_t shown = 0, hidden = 0;
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < s->n; i++) {
			const struct ag_outscan_match *m = &s->v[i];
			if ((m->kind == AG_OUT_MIGRATE) != (pass == 1))
				continue;
			bool repeat = false;
			for (size_t k = 0; k < i && !repeat; k++)
				repeat = s->v[k].kind == m->kind && strcmp(s->v[k].text, m->text) == 0;
			if (repeat)
				continue;
			if (shown == SHOWN_MATCHES) {
				hidden++;
				continue;
			}
			ag_buf_addf(out, "%sline %-5zu %-16s ", indent, m->line,
				    ag_outscan_kind_name(m->kind));
			add_clipped(out, m->text, 160);
			ag_buf_addc(out, '\n');
			shown++;
		}
	}
	hidden += s->dropped;
	if (hidden)
		ag_buf_addf(out, "%s(%zu more; --format json lists them all)\n", indent, hidden);
}

static void render_text(const struct ag_audit *a, enum ag_format fmt, int exit_code,
			struct ag_buf *out)
{
	ag_buf_adds(out, "Releases of ");
	ag_quote_visible(out, a->app ? a->app : "?");
	ag_buf_addf(out, " (%zu, newest first)\n", a->n);
	if (!a->n)
		ag_buf_adds(out, "  none\n");
	int vw = 2;
	for (size_t i = 0; i < a->n; i++)
		if (digits(a->v[i].rel.version) + 1 > vw)
			vw = digits(a->v[i].rel.version) + 1;
	for (size_t i = 0; i < a->n; i++) {
		const struct ag_audit_release *ar = &a->v[i];
		char ver[16];
		snprintf(ver, sizeof ver, "v%d", ar->rel.version);
		/* Server text, all of it, with visible escapes (lib/quote). */
		char *st = ag_quote_visible_dup(ar->rel.status);
		char *at = ag_quote_visible_dup(ar->rel.created_at ? ar->rel.created_at : "-");
		ag_buf_addf(out, "  %-*s  %-9s  %-20s  ", vw, ver, st, at);
		free(st);
		free(at);
		add_clipped(out, ar->rel.user, 40);
		ag_buf_adds(out, "  ");
		add_clipped(out, ar->rel.description, 72);
		if (ar->rel.current)
			ag_buf_adds(out, "  (current)");
		ag_buf_addc(out, '\n');
		const char *ind = "        ";
		if (ar->output_error) {
			ag_buf_addf(out, "%srelease output not read: ", ind);
			add_clipped(out, ar->output_error, 200);
			ag_buf_addc(out, '\n');
		} else if (ar->fetched && (ar->scan.n || strcmp(ar->rel.status, "failed") == 0 ||
					   ar->truncated || ar->incomplete)) {
			ag_buf_addf(out, "%srelease output: %zu bytes%s%s%s\n", ind, ar->output_bytes,
				    ar->truncated ? ", the middle left out" : "",
				    ar->incomplete ? ", cut off before its end" : "",
				    ar->scan.n ? "" : ", nothing alembic-guard recognises");
			render_matches(&ar->scan, "          ", out);
		}
	}
	if (!a->complete)
		ag_buf_addf(out, "\nIncomplete: %s\n", a->note ? a->note : "the list stopped early");
	ag_buf_adds(out, "\nSummary\n");
	if (a->nunknown) {
		ag_buf_addf(out, "  revisions named in production output that %s:\n",
			    a->repo_read ? "no file in this checkout defines (candidates for "
					   "`alembic-guard backfill`)"
					 : "could not be compared with a checkout (none was read)");
		for (size_t i = 0; i < a->nunknown; i++) {
			char *vs = versions_text(a->unknown[i].versions, a->unknown[i].n);
			char *id = ag_quote_visible_dup(a->unknown[i].id);
			ag_buf_addf(out, "    %-34s named by %s%s\n", id, vs,
				    a->unknown[i].stamped ? " (stamped by hand)" : "");
			free(id);
			free(vs);
		}
	} else {
		ag_buf_addf(out, "  revisions named in production output that no file defines: %s\n",
			    a->repo_read ? "none" : "none found (no checkout was read)");
	}
	ag_buf_adds(out, "  releases whose release phase failed: ");
	if (!a->nfailed)
		ag_buf_adds(out, "none");
	for (size_t i = 0; i < a->nfailed; i++)
		ag_buf_addf(out, "%sv%d", i ? ", " : "", a->failed[i]);
	ag_buf_addc(out, '\n');
	size_t shown = 0;
	for (size_t i = 0; i < a->findings.n; i++) {
		const struct ag_finding *f = &a->findings.v[i];
		if (f->severity == AG_SEV_INFO)
			continue;
		if (!shown++)
			ag_buf_adds(out, "\n");
		/* The one shape every command prints a finding in. */
		ag_report_finding_text(f, false, out);
	}
	if (fmt == AG_FORMAT_GITHUB) {
		for (size_t i = 0; i < a->findings.n; i++) {
			const struct ag_finding *f = &a->findings.v[i];
			char *msg = ag_quote_visible_dup(f->message);
			ag_buf_addf(out, "::%s title=alembic-guard %s::",
				    f->severity == AG_SEV_ERROR     ? "error"
				    : f->severity == AG_SEV_WARNING ? "warning"
								    : "notice",
				    f->code);
			for (const char *p = msg; *p; p++) {
				if (*p == '%')
					ag_buf_adds(out, "%25");
				else
					ag_buf_addc(out, *p);
			}
			ag_buf_addc(out, '\n');
			free(msg);
		}
	}
	(void)exit_code;
}

void ag_audit_render(const struct ag_audit *a, enum ag_format fmt, int exit_code, struct ag_buf *out)
{
	if (fmt == AG_FORMAT_JSON)
		render_json(a, exit_code, out);
	else
		render_text(a, fmt, exit_code, out);
}

static void render_wait_text(const struct ag_audit_wait *w, const char *app, const char *status,
			     struct ag_buf *out);

void ag_audit_render_wait(const struct ag_audit_wait *w, enum ag_format fmt, struct ag_buf *out)
{
	const struct ag_heroku_release *r = w->release;
	if (fmt == AG_FORMAT_JSON) {
		json_t *root = json_object();
		json_object_set_new(root, "format_version", json_integer(1));
		json_object_set_new(root, "command", json_string("wait-release"));
		json_object_set_new(root, "verdict", json_string(ag_report_verdict(w->exit_code)));
		json_object_set_new(root, "exit_code", json_integer(w->exit_code));
		json_object_set_new(root, "app", ag_report_jstr(w->app));
		json_object_set_new(root, "release", r ? release_json(r) : json_null());
		json_object_set_new(root, "timed_out", json_boolean(w->timed_out));
		json_object_set_new(root, "waited_seconds", json_real((double)w->waited_ms / 1000.0));
		if (w->output || w->output_error) {
			json_t *op = json_object();
			json_object_set_new(op, "text", w->output ? ag_report_jstr(w->output->text) : json_null());
			json_object_set_new(op, "bytes",
					    json_integer(w->output ? (json_int_t)w->output->received : 0));
			json_object_set_new(op, "truncated", json_boolean(w->output && w->output->truncated));
			json_object_set_new(op, "incomplete",
					    json_boolean(w->output && w->output->incomplete));
			json_object_set_new(op, "error", ag_report_jstr(w->output_error));
			json_object_set_new(op, "matches", w->scan ? scan_json(w->scan) : json_array());
			json_object_set_new(root, "output", op);
		} else {
			json_object_set_new(root, "output", json_null());
		}
		dump(root, out);
		return;
	}
	/* The app's name is the user's, the status the server's: both shown
	 * with visible escapes. */
	char *app = ag_quote_visible_dup(w->app ? w->app : "?");
	char *status = ag_quote_visible_dup(r && r->status ? r->status : "?");
	render_wait_text(w, app, status, out);
	free(app);
	free(status);
}

static void render_wait_text(const struct ag_audit_wait *w, const char *app, const char *status,
			     struct ag_buf *out)
{
	const struct ag_heroku_release *r = w->release;
	long ws = (w->waited_ms + 500) / 1000;
	if (!r) {
		ag_buf_addf(out, "No release of %s was read\n", app);
		return;
	}
	if (w->timed_out) {
		ag_buf_addf(out,
			    "TIMEOUT: release v%d of %s is still %s after %ld s (--timeout %ld); the "
			    "release phase has not finished: not treating this deploy as done\n",
			    r->version, app, status, ws, (w->timeout_ms + 999) / 1000);
		return;
	}
	if (strcmp(r->status, "succeeded") == 0) {
		ag_buf_addf(out, "OK: release v%d of %s succeeded", r->version, app);
		if (r->description) {
			ag_buf_adds(out, " (");
			add_clipped(out, r->description, 72);
			ag_buf_adds(out, ")");
		}
		ag_buf_addf(out, " after %ld s\n", ws);
		return;
	}
	ag_buf_addf(out, "FAILED: release v%d of %s %s", r->version, app,
		    strcmp(r->status, "failed") == 0 ? "failed" : status);
	if (r->description) {
		ag_buf_adds(out, " (");
		add_clipped(out, r->description, 72);
		ag_buf_adds(out, ")");
	}
	ag_buf_addf(out, "; the release phase failed, so Heroku kept the previous release running\n");
	if (w->output) {
		ag_buf_addf(out, "\n--- release output (%zu bytes%s%s) ---\n", w->output->received,
			    w->output->truncated ? ", the middle left out" : "",
			    w->output->incomplete ? ", cut off before its end" : "");
		/* Line by line, each behind "| " and with visible escapes: a
		 * line of the release's output can neither pass for one of
		 * ours ("OK: ...") nor send a terminal sequence. A NUL would
		 * cut the text short: it shows as \x00. */
		const char *t = w->output->text;
		size_t n = w->output->len;
		for (size_t i = 0; i < n;) {
			const char *nl = memchr(t + i, '\n', n - i);
			size_t k = nl ? (size_t)(nl - (t + i)) : n - i;
			ag_buf_adds(out, "| ");
			for (size_t j = 0; j < k;) {
				const char *nul = memchr(t + i + j, '\0', k - j);
				size_t m = nul ? (size_t)(nul - (t + i + j)) : k - j;
				char *part = ag_strndup(t + i + j, m);
				ag_quote_visible(out, part);
				free(part);
				j += m;
				if (nul) {
					ag_buf_adds(out, "\\x00");
					j++;
				}
			}
			ag_buf_addc(out, '\n');
			i += k + (nl ? 1 : 0);
		}
		ag_buf_adds(out, "--- end of release output ---\n");
	} else if (w->output_error) {
		ag_buf_adds(out, "\nThe release output could not be read: ");
		ag_quote_visible(out, w->output_error);
		ag_buf_addc(out, '\n');
	} else {
		ag_buf_adds(out, "\nThe release has no output stream.\n");
	}
	if (w->scan && w->scan->n) {
		ag_buf_adds(out, "\nWhat alembic-guard recognises in it:\n");
		render_matches(w->scan, "  ", out);
		if (w->scan->revisions.n) {
			char *ids = ag_strv_join(&w->scan->revisions, ", ");
			ag_buf_adds(out, "  revisions named: ");
			ag_quote_visible(out, ids);
			ag_buf_addc(out, '\n');
			free(ids);
		}
		if (ag_outscan_has(w->scan, AG_OUT_CANT_LOCATE))
			ag_buf_adds(out, "  next: `heroku run alembic-guard diagnose` says why the "
					 "database holds an id this code lacks, and the fix\n");
	}
}

void ag_audit_render_error(const char *command, const char *app, int exit_code, const char *code,
			   const char *message, enum ag_format fmt, struct ag_buf *out)
{
	if (fmt != AG_FORMAT_JSON)
		return;
	json_t *root = json_object();
	json_object_set_new(root, "format_version", json_integer(1));
	json_object_set_new(root, "command", ag_report_jstr(command));
	json_object_set_new(root, "verdict", json_string(ag_report_verdict(exit_code)));
	json_object_set_new(root, "exit_code", json_integer(exit_code));
	json_object_set_new(root, "app", ag_report_jstr(app));
	json_t *e = json_object();
	json_object_set_new(e, "code", ag_report_jstr(code));
	json_object_set_new(e, "message", ag_report_jstr(message));
	json_object_set_new(root, "error", e);
	dump(root, out);
}
