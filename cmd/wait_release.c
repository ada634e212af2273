/* alembic-guard wait-release: the pipeline gate after `git push heroku`.
 * Waits for the newest release (or --version vN) to leave `pending`; exit
 * 0 when it succeeded, 1 when it failed (with its release output) or the
 * wait timed out. */
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "lib/audit.h"
#include "platform.h"
#include "lib/quote.h"

enum {
	OPT_APP = 'a',
	OPT_VERSION_OPT = 2000,
	OPT_TIMEOUT,
	OPT_INTERVAL,
};

static const struct option opts[] = {
	{"app", required_argument, NULL, OPT_APP},
	{"version", required_argument, NULL, OPT_VERSION_OPT},
	{"timeout", required_argument, NULL, OPT_TIMEOUT},
	{"interval", required_argument, NULL, OPT_INTERVAL},
	AG_PLATFORM_OPTIONS,
	{NULL, 0, NULL, 0},
};

struct state {
	const char *app;
	int version;
	long timeout_ms;
	long interval_ms;
	struct ag_platform_opts po;
};

static int opt(struct ag_ctx *ctx, int o, const char *arg, void *sp)
{
	struct state *st = sp;
	switch (o) {
	case OPT_APP:
		st->app = arg;
		return 0;
	case OPT_VERSION_OPT:
		if (ag_heroku_parse_version(arg, &st->version) < 0) {
			ag_cmd_warn("--version wants a release version such as v42, not '%s'", arg);
			return -1;
		}
		return 0;
	case OPT_TIMEOUT:
		return ag_platform_parse_seconds("--timeout", arg, 0.1, 86400, &st->timeout_ms);
	case OPT_INTERVAL:
		return ag_platform_parse_seconds("--interval", arg, 0.1, 300, &st->interval_ms);
	default:
		return ag_platform_opt(ctx, &st->po, o, arg);
	}
}

struct progress {
	const struct ag_ctx *ctx;
	const char *app;
	const char *last; /* status last reported */
	char buf[32];
};

static void progress(void *arg, const struct ag_heroku_release *r, long waited_ms)
{
	struct progress *p = arg;
	if (p->ctx->quiet || p->ctx->format == AG_FORMAT_JSON)
		return;
	/* One line when the status changes, and one per poll with --verbose. */
	if (p->last && strcmp(p->last, r->status) == 0 && !p->ctx->verbose)
		return;
	snprintf(p->buf, sizeof p->buf, "%s", r->status);
	p->last = p->buf;
	ag_cmd_warn("wait-release: v%d of %s: %s (%ld s)", r->version, p->app, r->status,
		    (waited_ms + 500) / 1000);
}

/* Fails with err: the one-line message on stderr and, with --format json,
 * an "error" verdict on stdout for pipelines. */
static int fail(struct ag_ctx *ctx, const char *app, const struct ag_err *err)
{
	int rc = ag_cmd_fail(ctx, "wait-release", err);
	struct ag_buf b = {0};
	ag_audit_render_error("wait-release", app, rc, err->msg, ctx->format, &b);
	if (b.len)
		fwrite(b.p, 1, b.len, ctx->out);
	ag_buf_free(&b);
	return rc;
}

static int exec(struct ag_ctx *ctx, int argc, char **argv)
{
	struct state st = {.timeout_ms = 1200000, .interval_ms = 2000};
	int i = ag_cmd_getopt(ctx, &ag_cmd_wait_release, argc, argv, opts, "a:v", opt, &st);
	if (i < 0)
		return i == -2 ? AG_EXIT_OK : AG_EXIT_USAGE;
	if (i < argc) {
		ag_cmd_warn("wait-release takes no operands ('%s')", argv[i]);
		return AG_EXIT_USAGE;
	}
	const char *app = ag_platform_app(ctx, st.app);
	if (!app) {
		ag_cmd_warn("wait-release: which app? pass --app APP (or set HEROKU_APP)");
		return AG_EXIT_USAGE;
	}
	struct ag_err err = {0};
	st.po.need_token = true;
	struct ag_heroku *h = ag_platform_client(ctx, &st.po, &err);
	if (!h)
		return fail(ctx, app, &err);
	struct progress pr = {.ctx = ctx, .app = app};
	struct ag_heroku_wait_opts wo = {
		.version = st.version,
		.timeout_ms = st.timeout_ms,
		.interval_ms = st.interval_ms,
		.progress = progress,
		.progress_arg = &pr,
	};
	struct ag_heroku_release rel;
	long waited = 0;
	int got = ag_heroku_wait_release(h, app, &wo, &rel, &waited, &err);
	if (got < 0) {
		ag_heroku_free(h);
		return fail(ctx, app, &err);
	}
	struct ag_audit_wait w = {
		.app = app,
		.release = &rel,
		.timed_out = got == 0,
		.waited_ms = waited,
		.timeout_ms = st.timeout_ms,
	};
	int rc = got == 1 && strcmp(rel.status, "succeeded") == 0 ? AG_EXIT_OK : AG_EXIT_BLOCKED;
	struct ag_heroku_output out = {0};
	struct ag_outscan scan = {0};
	struct ag_err oerr = {0};
	if (got == 1 && rc != AG_EXIT_OK && rel.output_stream_url) {
		if (ag_heroku_fetch_output(h, rel.output_stream_url, 0, &out, &oerr) == 0) {
			/* The release's output may echo our own token (a
			 * build script printing its environment): masked
			 * before anything reads it, in every format. */
			out.len = ag_quote_mask(out.text, out.len, getenv("HEROKU_API_KEY"));
			w.output = &out;
			ag_outscan_scan(&scan, out.text, out.len);
			w.scan = &scan;
		} else {
			w.output_error = oerr.msg;
		}
	}
	w.exit_code = rc;
	struct ag_buf b = {0};
	ag_audit_render_wait(&w, ctx->format, &b);
	if (b.len)
		fwrite(b.p, 1, b.len, ctx->out);
	ag_buf_free(&b);
	ag_outscan_free(&scan);
	ag_heroku_output_free(&out);
	ag_heroku_release_free(&rel);
	ag_heroku_free(h);
	return rc;
}

const struct ag_cmd_entry ag_cmd_wait_release = {
	.name = "wait-release",
	.usage = "--app APP [--version vN] [--timeout S]",
	.summary = "wait for the newest release: exit 0 succeeded, 1 failed (Heroku API)",
	.options = "  -a, --app APP               the Heroku app (else HEROKU_APP, HEROKU_APP_NAME,\n"
		   "                              or heroku.app in the [alembic-guard] settings)\n"
		   "      --version vN            wait for release vN (default: the newest)\n"
		   "      --timeout S             give up after S seconds, exit 1 (default 1200)\n"
		   "      --interval S            first pause between polls, growing to 15 s (default 2)\n"
		   "      --api-url URL           else HEROKU_API_URL, else https://api.heroku.com\n"
		   "      --request-timeout S     seconds for one request (default 30)\n"
		   "  -v, --verbose               a line per poll and per request on stderr\n"
		   "      --debug                 every HTTP header on stderr (the token masked)\n"
		   "Environment: HEROKU_API_KEY (a read-only token is enough), SSL_CERT_FILE.\n"
		   "Exit 0 when the release succeeded; 1 when it failed (its release output is\n"
		   "printed) or the wait timed out; 2 without an app or a token; 3 when the\n"
		   "Platform API failed.\n",
	.exec = exec,
};
