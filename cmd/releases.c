/* alembic-guard releases: an app's release history read for its
 * migrations. Lists the releases, reads each release phase's output, and
 * sums up the revision ids production named that no file here defines and
 * the release phases that failed. */
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "lib/audit.h"
#include "platform.h"

enum {
	OPT_APP = 2000,
	OPT_LIMIT,
	OPT_SINCE,
	OPT_NO_OUTPUT,
	OPT_OUTPUT_LIMIT,
};

static const struct ag_opt cmd_releases_options[] = {
	{OPT_APP, "app", 'a', "APP",
	 "the Heroku app (else HEROKU_APP, HEROKU_APP_NAME, or heroku.app in the "
	 "[alembic-guard] settings)"},
	{OPT_LIMIT, "limit", 0, "N", "the newest N releases (default 100; 0: all)"},
	{OPT_SINCE, "since", 0, "vN", "only releases from vN on"},
	{OPT_NO_OUTPUT, "no-output", 0, NULL, "list releases without reading their output"},
	{OPT_OUTPUT_LIMIT, "output-limit", 0, "KIB",
	 "keep at most KIB KiB of each output (default 4096); the middle of a longer one is "
	 "left out"},
	AG_PLATFORM_OPTIONS,
	{0, NULL, 0, NULL, NULL},
};

static const struct ag_cmd_exit cmd_releases_exits[] = {
	{0, "the history was read (with --strict: and holds no warning)"},
	{1, "with --strict: the history holds a warning"},
	{2, "usage or configuration error (no app, no HEROKU_API_KEY, a bad option)"},
	{3, "the Platform API failed (unreachable, refused the token, an HTTP error)"},
	AG_CMD_EXIT_IO,
	AG_CMD_EXIT_END,
};

struct state {
	const char *app;
	int limit;
	int since;
	bool no_output;
	int output_limit_kib;
	struct ag_platform_opts po;
};

static int cmd_releases_opt(struct ag_ctx *ctx, int o, const char *arg, void *sp)
{
	struct state *st = sp;
	switch (o) {
	case OPT_APP:
		st->app = arg;
		return 0;
	case OPT_LIMIT:
		return ag_cmd_parse_int(ctx, "--limit", arg, 0, 1000000, &st->limit);
	case OPT_SINCE:
		if (ag_heroku_parse_version(arg, &st->since) < 0) {
			ag_cmd_error(ctx, AG_EXIT_USAGE, "usage",
				     "--since wants a release version such as v42, not '%s'", arg);
			return -1;
		}
		return 0;
	case OPT_NO_OUTPUT:
		st->no_output = true;
		return 0;
	case OPT_OUTPUT_LIMIT:
		return ag_cmd_parse_int(ctx, "--output-limit", arg, 1, 1024 * 1024,
					&st->output_limit_kib);
	default:
		return ag_platform_opt(ctx, &st->po, o, arg);
	}
}

static void progress(void *arg, const struct ag_heroku_release *r)
{
	(void)arg;
	ag_cmd_warn("releases: reading the release output of v%d", r->version);
}

/* Fails with err: the one-line message on stderr and, with --format json,
 * an "error" verdict on stdout for pipelines. */
static int fail(struct ag_ctx *ctx, const char *app, const struct ag_err *err)
{
	int rc = ag_cmd_fail(ctx, "releases", err);
	struct ag_buf b = {0};
	ag_audit_render_error("releases", app, rc, ag_cmd_error_code(err->kind), ctx->error_msg,
			      ctx->format, &b);
	if (b.len)
		fwrite(b.p, 1, b.len, ctx->out);
	ag_buf_free(&b);
	return rc;
}

static int cmd_releases_exec(struct ag_ctx *ctx, void *sp, int argc, char **argv)
{
	struct state st = *(struct state *)sp;
	(void)argc;
	(void)argv;
	const char *app = ag_platform_app(ctx, st.app);
	if (!app)
		return ag_cmd_error(ctx, AG_EXIT_USAGE, "usage",
				    "which app? pass --app APP (or set HEROKU_APP)");
	struct ag_err err = {0};
	st.po.need_token = true;
	struct ag_heroku *h = ag_platform_client(ctx, &st.po, &err);
	if (!h)
		return fail(ctx, app, &err);
	struct ag_audit_opts ao = {
		.app = app,
		.limit = st.limit,
		.since = st.since,
		.no_output = st.no_output,
		.output_cap = (size_t)st.output_limit_kib * 1024,
		.progress = ctx->verbose ? progress : NULL,
	};
	struct ag_audit a;
	if (ag_audit_run(h, &ao, &a, &err) < 0) {
		ag_heroku_free(h);
		return fail(ctx, app, &err);
	}
	/* The checkout only sharpens the summary: without one the audit still
	 * runs and says it could not compare. */
	const struct ag_graph *g = NULL;
	struct ag_err rerr = {0};
	if (ag_ctx_load_repo(ctx, &rerr) == 0)
		g = ctx->graph;
	else if (!ctx->quiet)
		ag_cmd_warn("releases: no migrations read (%s); revision ids in the output are listed "
			    "without comparing them with this checkout",
			    rerr.msg);
	ag_audit_summarise(&a, g);
	if (!a.complete)
		ag_cmd_warn("releases: %s", a.note ? a.note : "the list stopped early");
	int rc = ag_cmd_findings_exit(ctx, &a.findings);
	struct ag_buf b = {0};
	ag_audit_render(&a, ctx->format, rc, &b);
	if (b.len)
		fwrite(b.p, 1, b.len, ctx->out);
	ag_buf_free(&b);
	ag_audit_free(&a);
	ag_heroku_free(h);
	return rc;
}

static const struct state cmd_releases_defaults = {.limit = 100};

const struct ag_cmd_entry ag_cmd_releases = {
	.name = "releases",
	.summary = "audit an app's releases and release-phase output (Heroku API)",
	.options = cmd_releases_options,
	.exits = cmd_releases_exits,
	.notes = AG_PLATFORM_NOTES,
	.state_size = sizeof(struct state),
	.defaults = &cmd_releases_defaults,
	.opt = cmd_releases_opt,
	.exec = cmd_releases_exec,
};
