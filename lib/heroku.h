/*
 * heroku: a small Heroku Platform API client (libcurl + jansson), the only
 * module that includes curl. It lists an app's releases, reads one
 * release, waits for a release to leave `pending`, fetches a release
 * phase's output stream, and POSTs webhook notices.
 *
 * Every API request carries `Accept: application/vnd.heroku+json;
 * version=3`, `Authorization: Bearer TOKEN` and a User-Agent naming
 * alembic-guard and its version. Lists are paged with `Range` and
 * `Next-Range` (206 Partial Content). 429 and 5xx answers, refused and
 * dropped connections are retried with exponential backoff, honouring
 * Retry-After; RateLimit-Remaining is watched and the client stops early,
 * saying so, when it falls under a floor. Connect and total timeouts bound
 * every request.
 *
 * Secrets: the token is sent only to the API base URL (never to output
 * streams, which are pre-signed URLs on other hosts, nor to webhooks), only
 * over https unless the host is the local machine, is never put into an
 * error message or a trace line (Authorization lines are shown as
 * "Bearer ***", and any copy of the token is replaced by ***), and its
 * memory is wiped when the client is freed. Webhook URLs are secrets too:
 * messages show them through ag_heroku_mask_url.
 *
 * lib/ never reads the environment: the caller passes the token, the API
 * URL (HEROKU_API_URL), the CA bundle (SSL_CERT_FILE) and the dyno
 * metadata in.
 *
 * Errors: struct ag_err with AG_ERR_HTTP for network and API failures
 * (exit 3), AG_ERR_USAGE for a bad URL, token or app name, AG_ERR_CONFIG for
 * a missing CA bundle. API errors ({"id": ..., "message": ...}) become one
 * line: "Heroku API: HTTP 401 unauthorized: Invalid credentials provided."
 *
 * Ownership: the client is opaque (ag_heroku_new / ag_heroku_free, which
 * accepts NULL). Structs filled by the client own their strings; each has
 * a _free that accepts a zeroed struct. Option structs are borrowed for the
 * duration of the call (ag_heroku_new copies what it keeps).
 */
#ifndef AG_HEROKU_H
#define AG_HEROKU_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "err.h"
#include "finding.h"

#define AG_HEROKU_API_URL "https://api.heroku.com"
#define AG_HEROKU_CA_FILE "/etc/ssl/certs/ca-certificates.crt"
/* Default cap on a release output kept in memory (bytes). */
#define AG_HEROKU_OUTPUT_CAP (4u << 20)

/* "libcurl 7.88.1 (OpenSSL/3.0.x)"; static. */
const char *ag_heroku_lib_version(void);

/* A trace line (no newline, no secrets); level 1 is one line per request
 * and answer (--verbose), level 2 adds every header (--debug). */
typedef void (*ag_heroku_trace_fn)(void *arg, int level, const char *line);

struct ag_heroku_opts {
	const char *api_url;     /* NULL or "": AG_HEROKU_API_URL; http only for local hosts */
	const char *token;       /* NULL or "": no Authorization (webhooks only); a secret */
	const char *ca_file;     /* NULL or "": AG_HEROKU_CA_FILE; needed for https */
	const char *version;     /* alembic-guard's version for the User-Agent; NULL: "unknown" */
	long connect_timeout_ms; /* 0: 10000 */
	long timeout_ms;         /* total per request, retries not counted; 0: 30000 */
	int retries;             /* after the first attempt; 0: 3; negative: none */
	long backoff_ms;         /* first backoff, doubling; 0: 1000 */
	long max_wait_ms;        /* longest wait before a retry (Retry-After included); 0: 60000 */
	long ratelimit_floor;    /* stop when RateLimit-Remaining is below; 0: 20; negative: never */
	int trace_level;         /* 0 none, 1 requests, 2 headers too */
	ag_heroku_trace_fn trace; /* NULL: no trace */
	void *trace_arg;
};

struct ag_heroku;

/*
 * A new client (free with ag_heroku_free). Fails with AG_ERR_USAGE when
 * api_url is not http(s), when it is plain http to a host other than
 * localhost/127.0.0.1/::1 while a token is set, or when the token holds
 * whitespace or control characters; with AG_ERR_CONFIG when api_url is
 * https and the CA bundle does not exist.
 */
struct ag_heroku *ag_heroku_new(const struct ag_heroku_opts *o, struct ag_err *err);
void ag_heroku_free(struct ag_heroku *h);
/* Whether a token was given. */
bool ag_heroku_has_token(const struct ag_heroku *h);
/* The last RateLimit-Remaining seen, or -1. */
long ag_heroku_ratelimit_remaining(const struct ag_heroku *h);
/* True once a request was refused because RateLimit-Remaining fell below
 * the floor: the caller stopped early and should say so. */
bool ag_heroku_rate_stopped(const struct ag_heroku *h);

/* --- Releases --------------------------------------------------------- */

struct ag_heroku_release {
	int version;
	char *id;                /* NULL or malloced */
	char *status;            /* malloced: "pending", "succeeded", "failed", ... */
	char *created_at;        /* NULL or malloced, as the API says (ISO 8601) */
	char *description;       /* NULL or malloced */
	char *user;              /* NULL or malloced: the user's email */
	char *output_stream_url; /* NULL or malloced: set when a release phase ran; a secret
				  * (pre-signed): never print it */
	bool current;
};

struct ag_heroku_releases {
	struct ag_heroku_release *v; /* NULL or malloced; newest first from the list call */
	size_t n, cap;
	bool complete;               /* false: stopped early; note says why */
	char *note;                  /* NULL or malloced */
	int pages;                   /* requests it took */
};

struct ag_heroku_list_opts {
	int limit;     /* at most this many releases; 0: all */
	int since;     /* only versions >= since; 0: all */
	int page_size; /* Range max; 0: 200 (the API allows 1000) */
};

/*
 * Lists releases of app, newest first, following Next-Range across pages
 * until limit or since is reached. When the rate limit floor stops it after
 * at least one page, returns 0 with complete false and note set. Returns 0,
 * or -1 with err set (out then holds nothing).
 */
int ag_heroku_list_releases(struct ag_heroku *h, const char *app, const struct ag_heroku_list_opts *lo,
			    struct ag_heroku_releases *out, struct ag_err *err);
/* One release: version > 0 by number, version 0 the newest. Returns 0 or
 * -1 with err set (a missing release is AG_ERR_HTTP, "HTTP 404"). */
int ag_heroku_get_release(struct ag_heroku *h, const char *app, int version,
			  struct ag_heroku_release *out, struct ag_err *err);
void ag_heroku_release_free(struct ag_heroku_release *r);
void ag_heroku_releases_free(struct ag_heroku_releases *rs);

/* Parses a release list (a JSON array) and appends to out; or one release
 * (a JSON object) into *one. Returns 0 or -1 (AG_ERR_HTTP: "malformed
 * ..."). Pure: used by the client and by tests. */
int ag_heroku_parse_releases(const char *text, size_t len, struct ag_heroku_releases *out,
			     struct ag_err *err);
int ag_heroku_parse_release(const char *text, size_t len, struct ag_heroku_release *one,
			    struct ag_err *err);

/* Called after each poll of ag_heroku_wait_release. */
typedef void (*ag_heroku_wait_fn)(void *arg, const struct ag_heroku_release *r, long waited_ms);

struct ag_heroku_wait_opts {
	int version;             /* 0: the newest release */
	long timeout_ms;         /* give up after this long; 0: 600000 */
	long interval_ms;        /* first wait between polls, growing by half; 0: 2000 */
	long max_interval_ms;    /* 0: 15000 */
	ag_heroku_wait_fn progress; /* NULL or called after every poll */
	void *progress_arg;
};

/*
 * Polls the release until its status is no longer "pending". Returns 1 when
 * it left pending (out holds it: check out->status), 0 on timeout (out holds
 * the last answer, still pending), -1 on error (err set). *waited_ms (may be
 * NULL) is the time spent.
 */
int ag_heroku_wait_release(struct ag_heroku *h, const char *app, const struct ag_heroku_wait_opts *wo,
			   struct ag_heroku_release *out, long *waited_ms, struct ag_err *err);

/* --- Output streams ---------------------------------------------------- */

struct ag_heroku_output {
	char *text;      /* malloced, NUL-terminated; may contain other NULs */
	size_t len;
	size_t received; /* bytes the server sent */
	bool truncated;  /* over the cap: the middle was left out (head and tail kept) */
	bool incomplete; /* the stream ended before the server said it would */
};

/*
 * Fetches a release's output_stream_url (without the token), keeping at
 * most cap bytes (0: AG_HEROKU_OUTPUT_CAP): the first quarter and the last
 * three quarters, joined by a "[... N bytes left out ...]" line, since what
 * matters (Alembic's error) is usually at the end. A stream cut off after
 * some bytes is not an error: incomplete is set. Returns 0 or -1 (err set;
 * an expired stream is "HTTP 404").
 */
int ag_heroku_fetch_output(struct ag_heroku *h, const char *url, size_t cap,
			   struct ag_heroku_output *out, struct ag_err *err);
void ag_heroku_output_free(struct ag_heroku_output *o);

/* --- Webhooks ------------------------------------------------------------ */

/*
 * The notice body: {"text": text, "report": report} (report: the object
 * lib/report builds, borrowed and copied; null when NULL). Slack, Mattermost
 * and most chat webhooks show "text". New (free()).
 */
char *ag_heroku_notice_json(const char *text, const json_t *report);
/*
 * The notice's text: "alembic-guard check blocked the release [app X,
 * release v12, commit abc]: 2 errors, 0 warnings" and one line per error finding
 * ("• code: message", at most 10). context and fs may be NULL. New.
 */
char *ag_heroku_notice_text(const char *command, const char *context, int exit_code,
			    const struct ag_findings *fs);
/*
 * POSTs the notice to url (http or https; never with the API token). 2xx is
 * success; anything else is -1 with err (AG_ERR_HTTP) naming the masked URL.
 * One retry on 429 honouring Retry-After; 5xx is not retried, so a hook
 * that failed after acting does not post twice.
 */
int ag_heroku_notify(struct ag_heroku *h, const char *url, const char *text, const json_t *report,
		     struct ag_err *err);

/* --- Rollbacks and release-phase context -------------------------------- */

/* True when a release description says it is a rollback: Heroku writes
 * "Rollback to v41" (leading spaces ignored). */
bool ag_heroku_description_is_rollback(const char *description);
/*
 * Asks the API whether release `version` of app (0: the newest) is a
 * rollback. Returns 1 (rollback) or 0 (not one), with *what (when not
 * NULL) set to a new string naming the release: v42 ("Rollback to v40");
 * -1 on error (*what NULL).
 */
int ag_heroku_is_rollback(struct ag_heroku *h, const char *app, int version, char **what,
			  struct ag_err *err);

/* What the environment says about the dyno, passed in by cmd/. Any field
 * may be NULL or empty. */
struct ag_heroku_env {
	const char *dyno;            /* DYNO: "release.1234", "web.1", "run.42" */
	const char *app_name;        /* HEROKU_APP_NAME (dyno metadata) */
	const char *release_version; /* HEROKU_RELEASE_VERSION: "v42" */
	const char *build_commit;    /* HEROKU_BUILD_COMMIT */
	const char *slug_commit;     /* HEROKU_SLUG_COMMIT (older name of the same) */
};

/*
 * "app my-app, release v42, commit 1a2b3c4d5e6f (release phase)" when DYNO
 * starts with "release." or dyno metadata is present; NULL otherwise. In a
 * release dyno without metadata it says how to turn metadata on. New.
 */
char *ag_heroku_context(const struct ag_heroku_env *env);
/* True when DYNO names a release-phase dyno. */
bool ag_heroku_in_release_phase(const struct ag_heroku_env *env);

/* --- Small pure helpers (exported for tests) ----------------------------- */

/* "v42" or "42" -> 42. Returns 0, or -1 when s is not a positive version. */
int ag_heroku_parse_version(const char *s, int *out);
/* The Range header value for a list: "version ..; max=200, order=desc".
 * New. max 0 leaves max out. */
char *ag_heroku_range(const char *field, int max, bool desc);
/*
 * Milliseconds a Retry-After value asks for: delta-seconds ("120", "1.5")
 * or an HTTP-date compared with now. Returns -1 when value is NULL or not
 * understood; 0 for a date in the past.
 */
long ag_heroku_retry_after(const char *value, time_t now);
/*
 * A URL with its secret parts masked, for messages: the user info, every
 * path segment after the first (or a lone first segment), the query and
 * the fragment become three asterisks: Slack's hook URL shows as
 * https://hooks.slack.com/services followed by "/" and the asterisks.
 * New. Never NULL.
 */
char *ag_heroku_mask_url(const char *url);
/*
 * The one-line message for a failed API answer into buf: "HTTP 401
 * unauthorized: Invalid credentials provided." from {"id", "message"}, or
 * the status alone when the body is not such JSON. Newlines and control
 * characters become spaces.
 */
void ag_heroku_api_error(long status, const char *body, size_t len, char *buf, size_t n);
/* True for app names the API accepts as a path segment (letters, digits,
 * '-', '_', '.', at most 100 bytes), such as names and UUIDs. */
bool ag_heroku_valid_app(const char *app);

#endif
