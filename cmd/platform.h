/*
 * Heroku Platform API plumbing for commands: the one place in cmd/ that
 * reads HEROKU_API_KEY, HEROKU_API_URL, SSL_CERT_FILE, NOTIFY_URL and the
 * dyno metadata (DYNO, HEROKU_APP_NAME, HEROKU_RELEASE_VERSION,
 * HEROKU_BUILD_COMMIT, HEROKU_SLUG_COMMIT) and hands them to lib/heroku.
 * Used by releases and wait-release, and by check (--notify), release
 * (--on-ahead auto) and every report's release-phase context.
 */
#ifndef AG_CMD_PLATFORM_H
#define AG_CMD_PLATFORM_H

#include "cmd.h"
#include "lib/heroku.h"

struct ag_platform_opts {
	const char *api_url;     /* --api-url; NULL: HEROKU_API_URL, else api.heroku.com */
	long request_timeout_ms; /* --request-timeout; 0: 30 s */
	bool need_token;         /* no HEROKU_API_KEY is a usage error */
	int trace_level;         /* 1: --verbose, 2: --debug (lines on stderr, no secrets) */
};

/* The options every Platform API command takes, rows for its option table:
 * --api-url, --request-timeout, -v/--verbose, --debug. */
enum {
	AG_PLATFORM_OPT_API_URL = 3000,
	AG_PLATFORM_OPT_REQUEST_TIMEOUT,
	AG_PLATFORM_OPT_VERBOSE,
	AG_PLATFORM_OPT_DEBUG
};
#define AG_PLATFORM_OPTIONS                                                                   \
	{AG_PLATFORM_OPT_API_URL, "api-url", 0, "URL",                                        \
	 "else HEROKU_API_URL, else https://api.heroku.com"},                                 \
	    {AG_PLATFORM_OPT_REQUEST_TIMEOUT, "request-timeout", 0, "S",                      \
	     "seconds for one request (default 30)"},                                         \
	    {AG_PLATFORM_OPT_VERBOSE, "verbose", 'v', NULL,                                   \
	     "a line per request (wait-release: and per poll) on stderr"},                     \
	    {AG_PLATFORM_OPT_DEBUG, "debug", 0, NULL, "every HTTP header on stderr (the token masked)"}
/* The environment the Platform API commands read, for their help. */
#define AG_PLATFORM_NOTES "Environment: HEROKU_API_KEY (a read-only token is enough), SSL_CERT_FILE.\n"
/* Handles one of those options into po (and ctx->verbose); 0, or -1 after
 * printing an error, or when o is none of them. */
int ag_platform_opt(struct ag_ctx *ctx, struct ag_platform_opts *po, int o, const char *arg);

/* A client from the options and the environment; NULL with err set
 * (AG_ERR_USAGE without a token when need_token). Free with ag_heroku_free. */
struct ag_heroku *ag_platform_client(struct ag_ctx *ctx, const struct ag_platform_opts *o,
				     struct ag_err *err);

/* The app: opt (--app), else HEROKU_APP, else HEROKU_APP_NAME, else the
 * config's [alembic-guard] heroku.app. NULL when none. Borrowed. */
const char *ag_platform_app(struct ag_ctx *ctx, const char *opt);

/*
 * The release-phase context for reports ("app my-app, release v42, commit
 * 1a2b3c4d5e6f (release phase)") from DYNO and the dyno metadata, or NULL
 * outside Heroku. New (free()). Set it as struct ag_report.context.
 */
char *ag_platform_context(void);

/*
 * check --notify: when r->exit_code is 1 (blocked), POSTs {"text": ...,
 * "report": <the report as --format json>} to url (NULL or "": NOTIFY_URL;
 * neither: nothing to do). Says on stderr that the notice went out, or
 * warns that it failed; the URL shows masked. Never changes the exit code:
 * returns 0 (sent or nothing to do) or -1 (failed, warned).
 */
int ag_platform_notify(struct ag_ctx *ctx, const char *url, const struct ag_report *r);

/*
 * release --on-ahead auto: asks the Platform API whether the release being
 * made (HEROKU_APP_NAME, HEROKU_RELEASE_VERSION; without a version the
 * newest release, which in a release phase is the one being made) is a
 * rollback. Returns 1 only when its description starts with "Rollback to";
 * 0 otherwise, including when it cannot ask (no HEROKU_API_KEY, no dyno
 * metadata, an API error), after saying why on stderr.
 */
int ag_platform_release_is_rollback(struct ag_ctx *ctx);

/* Parses seconds with an optional fraction ("2", "0.5") in [min, max] into
 * milliseconds; -1 after printing an error. */
int ag_platform_parse_seconds(struct ag_ctx *ctx, const char *opt, const char *arg, double min,
			      double max, long *ms);

#endif
