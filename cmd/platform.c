/* Platform API plumbing for commands: environment in, lib/heroku out. */
#include "platform.h"
#include "lib/quote.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *env(const char *name)
{
	const char *v = getenv(name);
	return v && *v ? v : NULL;
}

static void trace_line(void *arg, int level, const char *line)
{
	(void)arg;
	(void)level;
	/* Server headers are outside text: the one sanitizer, like every
	 * other line the guard prints. */
	char *shown = ag_quote_visible_dup(line);
	fprintf(stderr, "alembic-guard: http: %s\n", shown);
	free(shown);
}

struct ag_heroku *ag_platform_client(struct ag_ctx *ctx, const struct ag_platform_opts *o,
				     struct ag_err *err)
{
	const char *token = env("HEROKU_API_KEY");
	if (o->need_token && !token)
		return ag_err_set(err, AG_ERR_USAGE,
				  "set HEROKU_API_KEY to a Platform API token; a read-only one is "
				  "enough: heroku authorizations:create --scope read --description "
				  "alembic-guard"),
		       NULL;
	struct ag_heroku_opts ho = {
		.api_url = o->api_url ? o->api_url : env("HEROKU_API_URL"),
		.token = token,
		.ca_file = env("SSL_CERT_FILE"),
		.version = AG_VERSION,
		.connect_timeout_ms = (long)ctx->connect_timeout * 1000,
		.timeout_ms = o->request_timeout_ms,
		.trace_level = o->trace_level,
		.trace = o->trace_level ? trace_line : NULL,
	};
	return ag_heroku_new(&ho, err);
}

const char *ag_platform_app(struct ag_ctx *ctx, const char *opt)
{
	if (opt && *opt)
		return opt;
	const char *v = env("HEROKU_APP");
	if (!v)
		v = env("HEROKU_APP_NAME");
	if (v)
		return v;
	struct ag_err err = {0};
	if (ag_ctx_load_config(ctx, true, &err) == 0)
		v = ag_config_guard(&ctx->config, "heroku.app");
	return v && *v ? v : NULL;
}

static void dyno_env(struct ag_heroku_env *e)
{
	e->dyno = env("DYNO");
	e->app_name = env("HEROKU_APP_NAME");
	e->release_version = env("HEROKU_RELEASE_VERSION");
	e->build_commit = env("HEROKU_BUILD_COMMIT");
	e->slug_commit = env("HEROKU_SLUG_COMMIT");
}

char *ag_platform_context(void)
{
	struct ag_heroku_env e;
	dyno_env(&e);
	return ag_heroku_context(&e);
}

int ag_platform_notify(struct ag_ctx *ctx, const char *url, const struct ag_report *r)
{
	if (!url || !*url)
		url = env("NOTIFY_URL");
	if (!url || r->exit_code != AG_EXIT_BLOCKED)
		return 0;
	char *shown = ag_heroku_mask_url(url);
	json_t *json = ag_report_json(r);
	char *text = ag_heroku_notice_text(r->command, r->context, r->exit_code, r->findings);
	/* A notice must not hold the release up: short timeouts, one retry. */
	struct ag_heroku_opts ho = {
		.ca_file = env("SSL_CERT_FILE"),
		.version = AG_VERSION,
		.connect_timeout_ms = 5000,
		.timeout_ms = 10000,
		.retries = 1,
		.max_wait_ms = 5000,
	};
	struct ag_err err = {0};
	struct ag_heroku *h = ag_heroku_new(&ho, &err);
	int rc = h ? ag_heroku_notify(h, url, text, json, &err) : -1;
	if (rc < 0)
		ag_cmd_warn("warning: %s: the notice to %s was not sent (%s); the verdict stands",
			    r->command, shown, err.msg);
	else if (!ctx->quiet)
		ag_cmd_warn("%s: notice sent to %s", r->command, shown);
	ag_heroku_free(h);
	free(text);
	json_decref(json);
	free(shown);
	return rc < 0 ? -1 : 0;
}

int ag_platform_release_is_rollback(struct ag_ctx *ctx)
{
	const char *token = env("HEROKU_API_KEY");
	const char *app = env("HEROKU_APP_NAME");
	if (!app)
		app = env("HEROKU_APP");
	if (!token) {
		ag_cmd_warn("release: --on-ahead auto: no HEROKU_API_KEY, so the Platform API cannot "
			    "say whether this release is a rollback; treating it as not one");
		return 0;
	}
	if (!app) {
		ag_cmd_warn("release: --on-ahead auto: no HEROKU_APP_NAME; turn on dyno metadata "
			    "(heroku labs:enable runtime-dyno-metadata); treating this release as not "
			    "a rollback");
		return 0;
	}
	int version = 0;
	const char *rv = env("HEROKU_RELEASE_VERSION");
	if (rv && ag_heroku_parse_version(rv, &version) < 0) {
		ag_cmd_warn("release: --on-ahead auto: HEROKU_RELEASE_VERSION '%s' is not a version; "
			    "asking about the newest release",
			    rv);
		version = 0;
	}
	struct ag_platform_opts po = {.need_token = true, .request_timeout_ms = 15000};
	struct ag_err err = {0};
	struct ag_heroku *h = ag_platform_client(ctx, &po, &err);
	char *what = NULL;
	int rc = h ? ag_heroku_is_rollback(h, app, version, &what, &err) : -1;
	if (rc < 0)
		ag_cmd_warn("release: --on-ahead auto: could not ask the Platform API (%s); treating "
			    "this release as not a rollback",
			    err.msg);
	else if (rc == 1)
		ag_cmd_warn("release: --on-ahead auto: the Platform API says release %s is a rollback",
			    what);
	else
		ag_cmd_warn("release: --on-ahead auto: release %s is not a rollback", what);
	free(what);
	ag_heroku_free(h);
	return rc == 1 ? 1 : 0;
}

int ag_platform_opt(struct ag_ctx *ctx, struct ag_platform_opts *po, int o, const char *arg)
{
	switch (o) {
	case AG_PLATFORM_OPT_API_URL:
		po->api_url = arg;
		return 0;
	case AG_PLATFORM_OPT_REQUEST_TIMEOUT:
		return ag_platform_parse_seconds(ctx, "--request-timeout", arg, 0.1, 3600,
						 &po->request_timeout_ms);
	case AG_PLATFORM_OPT_VERBOSE:
		ctx->verbose = true;
		if (po->trace_level < 1)
			po->trace_level = 1;
		return 0;
	case AG_PLATFORM_OPT_DEBUG:
		po->trace_level = 2;
		return 0;
	default:
		return -1;
	}
}

int ag_platform_parse_seconds(struct ag_ctx *ctx, const char *opt, const char *arg, double min,
			      double max, long *ms)
{
	char *end;
	errno = 0;
	double v = strtod(arg, &end);
	if (errno || end == arg || *end || !isfinite(v) || v < min || v > max) {
		ag_cmd_error(ctx, AG_EXIT_USAGE, "usage", "%s wants seconds from %g to %g, not '%s'",
			     opt, min, max, arg);
		return -1;
	}
	*ms = (long)(v * 1000.0 + 0.5);
	return 0;
}
