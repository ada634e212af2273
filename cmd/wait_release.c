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
	OPT_APP = 2000,
	OPT_VERSION_OPT,
	OPT_TIMEOUT,
	OPT_INTERVAL,
};

static const struct ag_opt cmd_wait_release_options[] = {
	{OPT_APP, "app", 'a', "APP",
	 "the Heroku app (else HEROKU_APP, HEROKU_APP_NAME, or heroku.app in the "
	 "[alembic-guard] settings)"},
	{OPT_VERSION_OPT, "version", 0, "vN", "wait for release vN (default: the newest)"},
	{OPT_TIMEOUT, "timeout", 0, "S", "give up after S seconds, exit 1 (default 1200)"},
	{OPT_INTERVAL, "interval", 0, "S",
	 "first pause between polls, growing to 15 s (default 2)"},
	AG_PLATFORM_OPTIONS,
	{0, NULL, 0, NULL, NULL},
};

static const struct ag_cmd_exit cmd_wait_release_exits[] = {
	{0, "the release succeeded"},
	{1, "the release failed (its release output is printed) or the wait timed out"},
	{2, "usage or configuration error (no app, no HEROKU_API_KEY, a bad option)"},
	{3, "the Platform API failed (unreachable, refused the token, an HTTP error)"},
	AG_CMD_EXIT_IO,
	AG_CMD_EXIT_END,
};

struct state {
	const char *app;
	int version;
	long timeout_ms;
	long interval_ms;
	struct ag_platform_opts po;
};

static int cmd_wait_release_opt(struct ag_ctx *ctx, int o, const char *arg, void *sp)
{
	struct state *st = sp;
	switch (o) {
	case OPT_APP:
		st->app = arg;
		return 0;
	case OPT_VERSION_OPT:
		if (ag_heroku_parse_version(arg, &st->version) < 0) {
			ag_cmd_error(ctx, AG_EXIT_USAGE, "usage",
				     "--version wants a release version such as v42, not '%s'", arg);
			return -1;
		}
		return 0;
	case OPT_TIMEOUT:
		return ag_platform_parse_seconds(ctx, "--timeout", arg, 0.1, 86400, &st->timeout_ms);
	case OPT_INTERVAL:
		return ag_platform_parse_seconds(ctx, "--interval", arg, 0.1, 300, &st->interval_ms);
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
	ag_audit_render_error("wait-release", app, rc, ag_cmd_error_code(err->kind), ctx->error_msg,
			      ctx->format, &b);
	if (b.len)
		fwrite(b.p, 1, b.len, ctx->out);
	ag_buf_free(&b);
	return rc;
}

static int cmd_wait_release_exec(struct ag_ctx *ctx, void *sp, int argc, char **argv)
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

static const struct state cmd_wait_release_defaults = {.timeout_ms = 1200000,
							 .interval_ms = 2000};

const struct ag_cmd_entry ag_cmd_wait_release = {
	.name = "wait-release",
	.summary = "wait for the newest release: exit 0 succeeded, 1 failed (Heroku API)",
	.options = cmd_wait_release_options,
	.exits = cmd_wait_release_exits,
	.notes = AG_PLATFORM_NOTES,
	.state_size = sizeof(struct state),
	.defaults = &cmd_wait_release_defaults,
	.opt = cmd_wait_release_opt,
	.exec = cmd_wait_release_exec,
};
