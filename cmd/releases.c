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
	OPT_APP = 'a',
	OPT_LIMIT = 2000,
	OPT_SINCE,
	OPT_NO_OUTPUT,
	OPT_OUTPUT_LIMIT,
};

static const struct option opts[] = {
	{"app", required_argument, NULL, OPT_APP},
	{"limit", required_argument, NULL, OPT_LIMIT},
	{"since", required_argument, NULL, OPT_SINCE},
	{"no-output", no_argument, NULL, OPT_NO_OUTPUT},
	{"output-limit", required_argument, NULL, OPT_OUTPUT_LIMIT},
	AG_PLATFORM_OPTIONS,
	{NULL, 0, NULL, 0},
};

struct state {
	const char *app;
	int limit;
	int since;
	bool no_output;
	int output_limit_kib;
	struct ag_platform_opts po;
};

static int opt(struct ag_ctx *ctx, int o, const char *arg, void *sp)
{
	struct state *st = sp;
	switch (o) {
	case OPT_APP:
		st->app = arg;
		return 0;
	case OPT_LIMIT:
		return ag_cmd_parse_int("--limit", arg, 0, 1000000, &st->limit);
	case OPT_SINCE:
		if (ag_heroku_parse_version(arg, &st->since) < 0) {
			ag_cmd_warn("--since wants a release version such as v42, not '%s'", arg);
			return -1;
		}
		return 0;
	case OPT_NO_OUTPUT:
		st->no_output = true;
		return 0;
	case OPT_OUTPUT_LIMIT:
		return ag_cmd_parse_int("--output-limit", arg, 1, 1024 * 1024, &st->output_limit_kib);
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
	ag_audit_render_error("releases", app, rc, err->msg, ctx->format, &b);
	if (b.len)
		fwrite(b.p, 1, b.len, ctx->out);
	ag_buf_free(&b);
	return rc;
}

static int exec(struct ag_ctx *ctx, int argc, char **argv)
{
	struct state st = {.limit = 100};
	int i = ag_cmd_getopt(ctx, &ag_cmd_releases, argc, argv, opts, "a:v", opt, &st);
	if (i < 0)
		return i == -2 ? AG_EXIT_OK : AG_EXIT_USAGE;
	if (i < argc) {
		ag_cmd_warn("releases takes no operands ('%s')", argv[i]);
		return AG_EXIT_USAGE;
	}
	const char *app = ag_platform_app(ctx, st.app);
	if (!app) {
		ag_cmd_warn("releases: which app? pass --app APP (or set HEROKU_APP)");
		return AG_EXIT_USAGE;
	}
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

const struct ag_cmd_entry ag_cmd_releases = {
	.name = "releases",
	.usage = "--app APP [--limit N] [--since vN] [--no-output]",
	.summary = "audit an app's releases and release-phase output (Heroku API)",
	.options = "  -a, --app APP               the Heroku app (else HEROKU_APP, HEROKU_APP_NAME,\n"
		   "                              or heroku.app in the [alembic-guard] settings)\n"
		   "      --limit N               the newest N releases (default 100; 0: all)\n"
		   "      --since vN              only releases from vN on\n"
		   "      --no-output             list releases without reading their output\n"
		   "      --output-limit KIB      keep at most KIB KiB of each output (default 4096);\n"
		   "                              the middle of a longer one is left out\n"
		   "      --api-url URL           else HEROKU_API_URL, else https://api.heroku.com\n"
		   "      --request-timeout S     seconds for one request (default 30)\n"
		   "  -v, --verbose               one line per request on stderr\n"
		   "      --debug                 every HTTP header on stderr (the token masked)\n"
		   "Environment: HEROKU_API_KEY (a read-only token is enough), SSL_CERT_FILE.\n"
		   "Exit 0 when the history was read (1 with --strict when it holds warnings),\n"
		   "2 without an app or a token, 3 when the Platform API failed.\n",
	.exec = exec,
};
