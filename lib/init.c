/* init: the Procfile release line, the rollback choice and the settings
 * block, planned as data and written safely. */
#include "init.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "procfile.h"
#include "repair.h"
#include "report.h"

/* Larger than any real Procfile or settings file by far; a bigger file is
 * not one, and reading it whole would cost memory for nothing. */
#define MAX_FILE (16u << 20)

/* ---- the target --------------------------------------------------------- */

/* A label that can be written into TOML and ini without quoting rules:
 * Alembic accepts any string, but real labels are words. */
static bool simple_label(const char *s)
{
	if (!*s)
		return false;
	for (const char *p = s; *p; p++) {
		char c = *p;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-'))
			return false;
	}
	return true;
}

enum ag_target ag_init_detect_target(const struct ag_graph *g, struct ag_strv *labels,
                                     char **why)
{
	if (!g || g->heads.n <= 1) {
		*why = ag_strdup(g && g->heads.n == 1 ? "the graph has one head"
		                                      : "the repository has no migrations yet");
		return AG_TARGET_HEAD;
	}
	size_t nh = g->heads.n;
	struct ag_strv own = {0};
	for (size_t i = 0; i < nh; i++) {
		size_t h = ag_graph_find(g, g->heads.v[i]);
		const struct ag_strv *ls = h == AG_NONE ? NULL : &g->v[h].labels;
		const char *pick = NULL;
		for (size_t k = 0; ls && k < ls->n && !pick; k++) {
			bool shared = false;
			for (size_t j = 0; j < nh && !shared; j++) {
				size_t o = ag_graph_find(g, g->heads.v[j]);
				shared = j != i && o != AG_NONE && ag_strv_has(&g->v[o].labels, ls->v[k]);
			}
			if (!shared)
				pick = ls->v[k];
		}
		if (!pick) {
			*why = ag_printf("the graph has %zu heads and %s carries no branch label of its "
			                 "own: that looks like an accident (`alembic merge heads` joins "
			                 "them), so the release targets head and blocks until they are "
			                 "merged",
			                 nh, g->heads.v[i]);
			ag_strv_free(&own);
			return AG_TARGET_HEAD;
		}
		ag_strv_push(&own, pick);
	}
	ag_strv_sort(&own);
	char *names = ag_strv_join(&own, ", ");
	*why = ag_printf("the graph has %zu heads, each with a branch label of its own (%s): "
	                 "several heads on purpose, so the release upgrades them all",
	                 nh, names);
	free(names);
	for (size_t i = 0; i < own.n; i++)
		ag_strv_push(labels, own.v[i]);
	ag_strv_free(&own);
	return AG_TARGET_HEADS;
}

/* ---- the settings block ------------------------------------------------- */

char *ag_init_settings_block(bool toml, enum ag_target target, const struct ag_strv *labels)
{
	bool heads = target == AG_TARGET_HEADS;
	bool write_labels = heads && labels && labels->n > 1;
	for (size_t i = 0; write_labels && i < labels->n; i++)
		write_labels = simple_label(labels->v[i]);
	struct ag_buf b = {0};
	const char *q = toml ? "\"" : "";
	ag_buf_addf(&b, "%s\n", toml ? "[tool.alembic-guard]" : "[alembic-guard]");
	ag_buf_adds(&b, "# alembic-guard's settings (written by `alembic-guard init`); every key is\n"
	                "# described in docs/settings.md. Command-line options win over them.\n"
	                "#\n"
	                "# What the release phase upgrades to: head (one head) or heads (several\n"
	                "# heads on purpose, e.g. expand/contract branches).\n");
	ag_buf_addf(&b, "target = %s%s%s\n", q, heads ? "heads" : "head", q);
	ag_buf_adds(&b, "# The heads the project means to have, by revision id or branch label:\n"
	                "# a third head, or one merged away, then blocks the deploy.\n");
	if (write_labels) {
		ag_buf_adds(&b, toml ? "expected_heads = [" : "expected_heads = ");
		for (size_t i = 0; i < labels->n; i++)
			ag_buf_addf(&b, "%s%s%s%s", i ? ", " : "", q, labels->v[i], q);
		ag_buf_adds(&b, toml ? "]\n" : "\n");
	} else {
		ag_buf_adds(&b, toml ? "# expected_heads = [\"expand\", \"contract\"]\n"
		                     : "# expected_heads = expand, contract\n");
	}
	ag_buf_adds(&b, "# Finding codes to drop, each optionally only for files matching a glob\n"
	                "# (docs/findings.md lists the codes).\n");
	ag_buf_adds(&b, toml ? "# ignore = [\"file-name-convention:versions/0*.py\"]\n"
	                     : "# ignore = file-name-convention:versions/0*.py\n");
	ag_buf_adds(&b, "# The project's dialect UUID helper, for the UUID rules (default\n"
	                "# get_uuid_type).\n");
	ag_buf_adds(&b, toml ? "# uuid_helper = \"app.db.types.get_uuid_type\"\n"
	                     : "# uuid_helper = app.db.types.get_uuid_type\n");
	return ag_buf_take(&b);
}

/* A table header's name without blanks and quotes: `[ tool."alembic-guard" ]`
 * is [tool.alembic-guard] to TOML. */
static char *header_name(const char *p, const char *end)
{
	struct ag_buf b = {0};
	ag_buf_adds(&b, "");
	for (; p < end && *p != ']'; p++)
		if (*p != ' ' && *p != '\t' && *p != '"' && *p != '\'')
			ag_buf_addc(&b, *p);
	return ag_buf_take(&b);
}

bool ag_init_has_settings(const char *text, size_t len, bool toml)
{
	for (size_t s = 0; s < len;) {
		const char *nl = memchr(text + s, '\n', len - s);
		size_t e = nl ? (size_t)(nl - text) : len;
		size_t p = s;
		while (p < e && (text[p] == ' ' || text[p] == '\t'))
			p++;
		if (p < e && text[p] == '[' && !(p + 1 < e && text[p + 1] == '[')) {
			char *name = header_name(text + p + 1, text + e);
			bool hit = toml ? strcmp(name, "tool.alembic-guard") == 0 ||
			                      strncmp(name, "tool.alembic-guard.", 19) == 0
			                : strcmp(name, "alembic-guard") == 0;
			free(name);
			if (hit)
				return true;
		}
		s = nl ? e + 1 : len;
	}
	return false;
}

/* ---- planning ----------------------------------------------------------- */

/* Reads path into f; a missing file is not an error (existed false). */
static int read_into(struct ag_init_file *f, const char *path, struct ag_err *err)
{
	f->path = ag_strdup(path);
	struct stat st;
	if (stat(path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		return ag_err_set(err, AG_ERR_IO, "cannot read %s: %s", path, strerror(errno));
	}
	if (!S_ISREG(st.st_mode))
		return ag_err_set(err, AG_ERR_IO, "%s is not a regular file", path);
	if ((unsigned long long)st.st_size > MAX_FILE)
		return ag_err_set(err, AG_ERR_USAGE, "%s is larger than %u MiB; it is not a %s", path,
		                  MAX_FILE >> 20, "file init can edit");
	f->old_text = ag_read_file(path, &f->old_len);
	if (!f->old_text)
		return ag_err_set(err, AG_ERR_IO, "cannot read %s: %s", path, strerror(errno));
	f->existed = true;
	return 0;
}

static const char *choose_on_ahead(const struct ag_init_opts *o, char **why)
{
	if (o->on_ahead) {
		if (strcmp(o->on_ahead, "fail") == 0)
			*why = ag_strdup("chosen with --on-ahead fail: a database ahead of the code blocks "
			                 "the deploy, so every `heroku rollback` across a migration fails "
			                 "its release phase until the database is downgraded by hand");
		else if (strcmp(o->on_ahead, "skip") == 0)
			*why = ag_strdup("chosen with --on-ahead skip: when the database is ahead of the "
			                 "code (a `heroku rollback` across a migration) and nothing else is "
			                 "wrong, the release phase warns and exits 0 without running the "
			                 "upgrade");
		else
			*why = ag_strdup("chosen with --on-ahead auto: the upgrade is skipped only when the "
			                 "Platform API says the release is a rollback; the release dyno "
			                 "needs HEROKU_API_KEY and dyno metadata (heroku labs:enable "
			                 "runtime-dyno-metadata), else auto blocks like fail");
		return o->on_ahead;
	}
	if (o->heroku_key) {
		*why = ag_strdup(
		    "HEROKU_API_KEY is set, so the line uses --on-ahead auto: when the database is "
		    "ahead of the code, the upgrade is skipped only if the Platform API says the "
		    "release is a rollback (`heroku rollback` runs the release phase with the older "
		    "code); a database stamped ahead by hand still blocks. The release dyno needs the "
		    "token too: heroku config:set HEROKU_API_KEY=$(heroku authorizations:create "
		    "--scope read --short) and heroku labs:enable runtime-dyno-metadata; without them "
		    "auto blocks like fail");
		return "auto";
	}
	*why = ag_strdup(
	    "HEROKU_API_KEY is not set, so the guard could not ask the Platform API whether a "
	    "release is a rollback (--on-ahead auto); the line uses --on-ahead skip: when the "
	    "database is ahead of the code (`heroku rollback` across a migration) and nothing else "
	    "is wrong, the release phase warns and exits 0 without running the upgrade, so "
	    "rollbacks work. --on-ahead fail blocks those releases instead; with HEROKU_API_KEY "
	    "set, init chooses auto");
	return "skip";
}

static void plan_procfile(struct ag_init *plan, const struct ag_init_opts *o,
                          const char *on_ahead, struct ag_procfile_merge_result *res,
                          char *text, size_t len)
{
	struct ag_init_file *f = &plan->procfile;
	const char *p = f->path;
	switch (res->change) {
	case AG_PROCFILE_SAME:
		f->what = ag_printf("%s: the release line already runs the guard (line %d); nothing "
		                    "to change",
		                    p, res->line);
		free(text);
		return;
	case AG_PROCFILE_ADD:
		f->what = f->existed ? ag_printf("%s: add the release line (line %d); the other "
		                                 "lines stay as they are",
		                                 p, res->line)
		                     : ag_printf("%s: a new file with the release line", p);
		break;
	case AG_PROCFILE_WRAP:
		f->what = ag_printf("%s: the release line (line %d) runs `%s` without the guard; "
		                    "the guard now runs it",
		                    p, res->line, res->old_command);
		break;
	case AG_PROCFILE_UPDATE:
		f->what = ag_printf("%s: the release line (line %d) runs the guard; set its "
		                    "--on-ahead to %s",
		                    p, res->line, on_ahead);
		break;
	}
	(void)o;
	f->new_text = text;
	f->new_len = len;
}

static int plan_settings(struct ag_init *plan, const struct ag_init_opts *o, struct ag_err *err)
{
	struct ag_init_file *f = &plan->settings;
	if (!o->settings_path) {
		ag_strv_push(&plan->notes,
		             "no alembic.ini or pyproject.toml was read, so no settings were planned; "
		             "the release reads the same options as this run");
		return 0;
	}
	if (read_into(f, o->settings_path, err) < 0)
		return -1;
	const char *table = o->settings_toml ? "[tool.alembic-guard]" : "[alembic-guard]";
	if (!f->existed) {
		f->what = ag_printf("%s: not found; no settings were planned", f->path);
		return 0;
	}
	if (o->settings_present || ag_init_has_settings(f->old_text, f->old_len, o->settings_toml)) {
		f->what = ag_printf("%s: already has %s; left as it is", f->path, table);
		return 0;
	}
	char *block = ag_init_settings_block(o->settings_toml, plan->target, &plan->expected);
	struct ag_buf b = {0};
	ag_buf_add(&b, f->old_text, f->old_len);
	const char *eol = memmem(f->old_text, f->old_len, "\r\n", 2) ? "\r\n" : "\n";
	if (f->old_len && f->old_text[f->old_len - 1] != '\n')
		ag_buf_adds(&b, eol);
	if (f->old_len)
		ag_buf_adds(&b, eol);
	for (const char *p = block; *p; p++) {
		if (*p == '\n')
			ag_buf_adds(&b, eol);
		else
			ag_buf_addc(&b, *p);
	}
	free(block);
	f->new_len = b.len;
	f->new_text = ag_buf_take(&b);
	f->what = ag_printf("%s: add a commented %s (target = %s)", f->path, table,
	                    plan->target == AG_TARGET_HEADS ? "heads" : "head");
	if (!o->settings_toml) {
		/* The guard reads pyproject.toml only when there is no alembic.ini,
		 * so settings there would be ignored. */
		char *dir = ag_strdup(f->path);
		char *slash = strrchr(dir, '/');
		char *pp = slash ? (slash[1] = '\0', ag_printf("%spyproject.toml", dir))
		                 : ag_strdup("pyproject.toml");
		if (access(pp, F_OK) == 0)
			ag_strv_push_take(&plan->notes,
			                  ag_printf("the settings go into %s, not %s: the guard reads its "
			                            "settings from the config it reads, and alembic.ini "
			                            "comes first",
			                            f->path, pp));
		free(pp);
		free(dir);
	}
	return 0;
}

int ag_init_plan(struct ag_init *plan, const struct ag_init_opts *o, struct ag_err *err)
{
	memset(plan, 0, sizeof *plan);
	if (o->target != AG_TARGET_UNSET) {
		char *why = NULL;
		struct ag_strv labels = {0};
		enum ag_target t = ag_init_detect_target(o->graph, &labels, &why);
		free(why);
		plan->target = o->target;
		plan->target_why = ag_printf("set by %s", o->target_from ? o->target_from : "--target");
		if (t == o->target)
			ag_strv_copy(&plan->expected, &labels);
		ag_strv_free(&labels);
	} else {
		plan->target = ag_init_detect_target(o->graph, &plan->expected, &plan->target_why);
	}

	const char *on_ahead = choose_on_ahead(o, &plan->on_ahead_why);
	if (read_into(&plan->procfile, o->procfile, err) < 0)
		goto fail;
	struct ag_procfile_merge_opts mo = {
	    .guard = "bin/alembic-guard",
	    .globals = o->globals,
	    .on_ahead = on_ahead,
	    .on_ahead_forced = o->on_ahead != NULL,
	    .default_cmd = plan->target == AG_TARGET_HEADS ? "alembic upgrade heads"
	                                                   : "alembic upgrade head",
	};
	struct ag_procfile_merge_result res;
	size_t len = 0;
	char *text = ag_procfile_merge(plan->procfile.old_text, plan->procfile.old_len, &mo, &res,
	                               &len, err);
	if (!text) {
		/* The message names lines; the file makes it findable. */
		char msg[sizeof err->msg];
		memcpy(msg, err->msg, sizeof msg);
		ag_err_set(err, err->kind, "%s: %s", plan->procfile.path, msg);
		goto fail;
	}
	plan->on_ahead = ag_strdup(res.on_ahead);
	if (res.on_ahead_kept) {
		free(plan->on_ahead_why);
		plan->on_ahead_why = ag_printf("kept from the Procfile's release line; `alembic-guard "
		                               "init --on-ahead fail|skip|auto` changes it");
	}
	plan_procfile(plan, o, res.on_ahead, &res, text, len);
	if (res.change == AG_PROCFILE_WRAP && strstr(res.old_command, "alembic-guard"))
		ag_strv_push(&plan->notes,
		             "the old release line already ran alembic-guard in some other way; "
		             "check that the new one does not run it twice");
	ag_procfile_merge_result_free(&res);
	if (plan_settings(plan, o, err) < 0)
		goto fail;
	/* With target heads, several heads are what the settings now say. */
	size_t nerr = 0;
	for (size_t i = 0; o->graph && i < o->graph->findings.n; i++) {
		const struct ag_finding *fd = &o->graph->findings.v[i];
		nerr += fd->severity == AG_SEV_ERROR &&
		        !(plan->target == AG_TARGET_HEADS && strcmp(fd->code, "multiple-heads") == 0);
	}
	if (nerr)
		ag_strv_push_take(&plan->notes,
		                  ag_printf("the repository has %zu error finding(s) now (alembic-guard "
		                            "lint lists them); the release phase blocks until they "
		                            "are fixed",
		                            nerr));
	return 0;
fail:
	ag_init_free(plan);
	return -1;
}

/* ---- writing ------------------------------------------------------------ */

static int write_file(struct ag_init_file *f, struct ag_err *err)
{
	if (!f->path || !f->new_text || f->done)
		return 0;
	int rc = f->existed
	             ? ag_repair_replace(f->path, f->old_text, f->old_len, f->new_text, f->new_len,
	                                 err)
	             : ag_repair_write_new(f->path, f->new_text, f->new_len, err);
	if (rc == 0)
		f->done = true;
	return rc;
}

int ag_init_apply(struct ag_init *plan, struct ag_err *err)
{
	if (write_file(&plan->procfile, err) < 0)
		return -1;
	return write_file(&plan->settings, err);
}

/* ---- output ------------------------------------------------------------- */

/* The length of the valid UTF-8 sequence at p (at most n bytes), or 0. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	size_t k;
	unsigned long cp, min;
	if (p[0] < 0x80)
		return 1;
	if ((p[0] & 0xe0) == 0xc0)
		k = 2, cp = p[0] & 0x1fu, min = 0x80;
	else if ((p[0] & 0xf0) == 0xe0)
		k = 3, cp = p[0] & 0x0fu, min = 0x800;
	else if ((p[0] & 0xf8) == 0xf0)
		k = 4, cp = p[0] & 0x07u, min = 0x10000;
	else
		return 0;
	if (k > n)
		return 0;
	for (size_t i = 1; i < k; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3fu);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return k;
}

/* Outside text for a terminal: control characters (but newline and tab)
 * and invalid UTF-8 as \xNN escapes. */
static void add_escaped(struct ag_buf *out, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < n;) {
		size_t k = utf8_len(p + i, n - i);
		if (k == 1 && ((p[i] < 0x20 && p[i] != '\n' && p[i] != '\t') || p[i] == 0x7f))
			k = 0;
		if (k) {
			ag_buf_add(out, p + i, k);
			i += k;
		} else {
			ag_buf_addf(out, "\\x%02x", p[i]);
			i++;
		}
	}
}

static void file_diff(const struct ag_init_file *f, struct ag_buf *out)
{
	if (!f->new_text)
		return;
	ag_repair_diff(f->existed ? f->path : NULL, f->old_text ? f->old_text : "", f->old_len,
	               f->path, f->new_text, f->new_len, out);
}

static void render_file(const struct ag_init_file *f, struct ag_buf *out)
{
	if (!f->what)
		return;
	add_escaped(out, f->what, strlen(f->what));
	ag_buf_adds(out, ".\n");
	struct ag_buf d = {0};
	file_diff(f, &d);
	if (d.len)
		add_escaped(out, d.p, d.len);
	ag_buf_free(&d);
	ag_buf_addc(out, '\n');
}

/* A paragraph of our own sentences, indented and wrapped at 78 columns. */
static void add_wrapped(struct ag_buf *out, const char *s)
{
	const size_t width = 78, indent = 2;
	size_t col = 0;
	while (*s) {
		size_t n = strcspn(s, " ");
		if (col && col + 1 + n > width) {
			ag_buf_addc(out, '\n');
			col = 0;
		}
		if (!col) {
			ag_buf_adds(out, "  ");
			col = indent;
		} else {
			ag_buf_addc(out, ' ');
			col++;
		}
		ag_buf_add(out, s, n);
		col += n;
		s += n;
		while (*s == ' ')
			s++;
	}
	ag_buf_adds(out, ".\n\n");
}

void ag_init_render_text(const struct ag_init *plan, bool write, struct ag_buf *out)
{
	render_file(&plan->procfile, out);
	ag_buf_addf(out, "Rollbacks: --on-ahead %s\n", plan->on_ahead);
	add_wrapped(out, plan->on_ahead_why);
	ag_buf_addf(out, "Target: %s\n", plan->target == AG_TARGET_HEADS ? "heads" : "head");
	add_wrapped(out, plan->target_why);
	render_file(&plan->settings, out);
	for (size_t i = 0; i < plan->notes.n; i++) {
		struct ag_buf e = {0};
		add_escaped(&e, plan->notes.v[i], strlen(plan->notes.v[i]));
		ag_buf_adds(out, "Note\n");
		add_wrapped(out, e.p);
		ag_buf_free(&e);
	}
	const struct ag_init_file *fs[] = {&plan->procfile, &plan->settings};
	struct ag_buf left = {0};
	size_t nchanged = 0, nleft = 0;
	for (size_t i = 0; i < 2; i++) {
		if (!fs[i]->new_text)
			continue;
		nchanged++;
		if (fs[i]->done) {
			ag_buf_addf(out, "%s ", fs[i]->existed ? "edited" : "wrote");
			add_escaped(out, fs[i]->path, strlen(fs[i]->path));
			ag_buf_addc(out, '\n');
		} else {
			ag_buf_adds(&left, nleft++ ? " and " : "");
			add_escaped(&left, fs[i]->path, strlen(fs[i]->path));
		}
	}
	if (!nchanged)
		ag_buf_adds(out, "nothing to change: the project is already set up.\n");
	else if (nleft && !write)
		ag_buf_addf(out, "dry run: nothing was written; run again with --write to write %s.\n",
		            left.p);
	else if (nleft)
		ag_buf_addf(out, "not written: %s.\n", left.p);
	ag_buf_free(&left);
}

static json_t *file_json(const struct ag_init_file *f)
{
	if (!f->path)
		return json_null();
	json_t *o = json_object();
	json_object_set_new(o, "file", ag_report_jstr(f->path));
	json_object_set_new(o, "action", json_string(!f->new_text ? "none"
	                                             : f->existed ? "edit"
	                                                          : "create"));
	json_object_set_new(o, "what", ag_report_jstr(f->what));
	struct ag_buf d = {0};
	file_diff(f, &d);
	json_object_set_new(o, "diff", d.len ? ag_report_jstr(d.p) : json_null());
	ag_buf_free(&d);
	json_object_set_new(o, "done", json_boolean(f->done));
	return o;
}

static const char *err_code(enum ag_err_kind k)
{
	switch (k) {
	case AG_ERR_USAGE: return "usage";
	case AG_ERR_CONFIG: return "config";
	case AG_ERR_IO: return "io";
	default: return "internal";
	}
}

static json_t *json_head(int exit_code, const struct ag_err *err)
{
	json_t *root = json_object();
	json_object_set_new(root, "format_version", json_integer(1));
	json_object_set_new(root, "command", json_string("init"));
	json_object_set_new(root, "verdict", json_string(ag_report_verdict(exit_code)));
	json_object_set_new(root, "exit_code", json_integer(exit_code));
	if (err) {
		json_t *e = json_object();
		json_object_set_new(e, "code", json_string(err_code(err->kind)));
		json_object_set_new(e, "message", ag_report_jstr(err->msg));
		json_object_set_new(root, "error", e);
	}
	return root;
}

static void json_out(json_t *root, struct ag_buf *out)
{
	char *s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (s) {
		ag_buf_adds(out, s);
		ag_buf_addc(out, '\n');
		free(s);
	}
	json_decref(root);
}

void ag_init_render_error(const struct ag_err *err, int exit_code, struct ag_buf *out)
{
	json_out(json_head(exit_code, err), out);
}

void ag_init_render_json(const struct ag_init *plan, bool written, int exit_code,
                         const struct ag_err *err, struct ag_buf *out)
{
	json_t *root = json_head(exit_code, err);
	json_object_set_new(root, "written", json_boolean(written));
	json_t *oa = json_object();
	json_object_set_new(oa, "choice", json_string(plan->on_ahead));
	json_object_set_new(oa, "why", ag_report_jstr(plan->on_ahead_why));
	json_object_set_new(root, "on_ahead", oa);
	json_t *t = json_object();
	json_object_set_new(t, "choice",
	                    json_string(plan->target == AG_TARGET_HEADS ? "heads" : "head"));
	json_object_set_new(t, "why", ag_report_jstr(plan->target_why));
	json_t *labels = json_array();
	for (size_t i = 0; i < plan->expected.n; i++)
		json_array_append_new(labels, ag_report_jstr(plan->expected.v[i]));
	json_object_set_new(t, "expected_heads", labels);
	json_object_set_new(root, "target", t);
	json_object_set_new(root, "procfile", file_json(&plan->procfile));
	json_object_set_new(root, "settings", file_json(&plan->settings));
	json_t *notes = json_array();
	for (size_t i = 0; i < plan->notes.n; i++)
		json_array_append_new(notes, ag_report_jstr(plan->notes.v[i]));
	json_object_set_new(root, "notes", notes);
	json_out(root, out);
}

static void file_free(struct ag_init_file *f)
{
	free(f->path);
	free(f->old_text);
	free(f->new_text);
	free(f->what);
}

void ag_init_free(struct ag_init *plan)
{
	if (!plan)
		return;
	file_free(&plan->procfile);
	file_free(&plan->settings);
	free(plan->on_ahead);
	free(plan->on_ahead_why);
	free(plan->target_why);
	ag_strv_free(&plan->expected);
	ag_strv_free(&plan->notes);
	memset(plan, 0, sizeof *plan);
}
