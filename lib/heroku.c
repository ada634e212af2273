#include "heroku.h"

#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "report.h"
#include "util.h"

/* An API answer larger than this is refused: release lists are a few
 * hundred kilobytes at most. */
#define API_BODY_MAX (32u << 20)

struct ag_heroku {
	char *api;        /* malloced, no trailing slash */
	char *token;      /* NULL or malloced; a secret, wiped on free */
	char *auth;       /* NULL or malloced: the Authorization header; wiped on free */
	char *ca_file;    /* malloced */
	char *user_agent; /* malloced */
	long connect_ms, timeout_ms, backoff_ms, max_wait_ms, floor;
	int retries;
	long remaining;   /* last RateLimit-Remaining, -1 unknown */
	bool rate_stopped;
	int trace_level;
	ag_heroku_trace_fn trace;
	void *trace_arg;
	const char *secret; /* NULL, or borrowed during a request: the path and query of a
			     * secret URL (webhook, pre-signed stream), masked in messages */
	CURL *curl;       /* one handle: its connection cache keeps the API connection */
	char errbuf[CURL_ERROR_SIZE];
};

const char *ag_heroku_lib_version(void)
{
	static char buf[128];
	const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
	snprintf(buf, sizeof buf, "libcurl %s (%s)", v->version, v->ssl_version ? v->ssl_version : "no TLS");
	return buf;
}

/* --- Secrets ----------------------------------------------------------- */

/* Replaces every whole-word copy of secret in s with asterisks, in place
 * (s never grows): as ag_mask_word, a short secret must not alter other
 * words of the message. */
static void replace_secret(char *s, const char *secret)
{
	size_t tl = strlen(secret);
	if (!tl)
		return;
	char *m = ag_mask_word(s, secret);
	if (tl >= 3) {
		memcpy(s, m, strlen(m) + 1);
	} else {
		/* "***" would be longer than the secret: asterisks of its length. */
		char *p = s, *q = m;
		while (*q) {
			if (strncmp(q, "***", 3) == 0 && strncmp(p, secret, tl) == 0) {
				memset(p, '*', tl);
				p += tl;
				q += 3;
			} else {
				*p++ = *q++;
			}
		}
		*p = '\0';
	}
	free(m);
}

/* Masks the token and the current secret URL part in s: the whole path
 * and query, and each part of it that ag_heroku_mask_url hides (a hook's
 * answer may echo one part of its own URL). */
static void scrub(const struct ag_heroku *h, char *s)
{
	if (!h || !s)
		return;
	if (h->token)
		replace_secret(s, h->token);
	if (!h->secret || strlen(h->secret) < 4)
		return;
	replace_secret(s, h->secret);
	const char *p = h->secret;
	bool several = strchr(p + 1, '/') != NULL;
	bool first = true;
	while (*p) {
		size_t n = strcspn(p, "/?&=#");
		bool path = p > h->secret && p[-1] == '/';
		if (n >= 6 && !(first && path && several)) {
			char *part = ag_strndup(p, n);
			replace_secret(s, part);
			free(part);
		}
		if (path)
			first = false;
		p += n;
		if (*p)
			p++;
	}
}

/* The path and query of url: what makes a webhook or a pre-signed URL a
 * secret. NULL when there is none worth hiding. Borrowed from url. */
static const char *secret_part(const char *url)
{
	const char *p = url ? strstr(url, "://") : NULL;
	if (!p)
		return NULL;
	p += 3;
	p += strcspn(p, "/?#");
	return strlen(p) > 1 ? p : NULL;
}

static bool word_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
	       c >= 0x80;
}

/* replace_secret for bytes that may hold NULs (release output): each
 * whole-word copy of secret becomes "***", in place. */
static void mask_bytes(struct ag_buf *b, const char *secret)
{
	size_t tl = strlen(secret);
	if (!tl || !b->p)
		return;
	size_t at = 0;
	char *q;
	while (at < b->len && (q = memmem(b->p + at, b->len - at, secret, tl))) {
		size_t i = (size_t)(q - b->p);
		bool whole = (i == 0 || !word_byte((unsigned char)b->p[i - 1]) ||
			      !word_byte((unsigned char)secret[0])) &&
			     (i + tl >= b->len || !word_byte((unsigned char)b->p[i + tl]) ||
			      !word_byte((unsigned char)secret[tl - 1]));
		if (!whole) {
			at = i + 1;
			continue;
		}
		size_t put = tl < 3 ? tl : 3;
		memset(q, '*', put);
		memmove(q + put, q + tl, b->len - i - tl + 1);
		b->len -= tl - put;
		at = i + put;
	}
}

static void wipe_free(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

static int herr(const struct ag_heroku *h, struct ag_err *err, enum ag_err_kind kind, const char *fmt,
		...) __attribute__((format(printf, 4, 5)));

static int herr(const struct ag_heroku *h, struct ag_err *err, enum ag_err_kind kind, const char *fmt,
		...)
{
	char msg[sizeof err->msg];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	scrub(h, msg);
	return ag_err_set(err, kind, "%s", msg);
}

static void tracef(const struct ag_heroku *h, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void tracef(const struct ag_heroku *h, int level, const char *fmt, ...)
{
	if (!h->trace || h->trace_level < level)
		return;
	va_list ap;
	va_start(ap, fmt);
	char *line = ag_vprintf(fmt, ap);
	va_end(ap);
	scrub(h, line);
	h->trace(h->trace_arg, level, line);
	free(line);
}

/* --- Pure helpers ------------------------------------------------------- */

int ag_heroku_parse_version(const char *s, int *out)
{
	if (!s)
		return -1;
	if (*s == 'v' || *s == 'V')
		s++;
	if (!*s)
		return -1;
	long v = 0;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (*p - '0');
		if (v > INT_MAX)
			return -1;
	}
	if (v <= 0)
		return -1;
	*out = (int)v;
	return 0;
}

char *ag_heroku_range(const char *field, int max, bool desc)
{
	struct ag_buf b = {0};
	ag_buf_addf(&b, "%s ..", field && *field ? field : "version");
	if (max > 0 || desc) {
		ag_buf_adds(&b, "; ");
		if (max > 0)
			ag_buf_addf(&b, "max=%d", max);
		if (desc)
			ag_buf_addf(&b, "%sorder=desc", max > 0 ? ", " : "");
	}
	return ag_buf_take(&b);
}

long ag_heroku_retry_after(const char *value, time_t now)
{
	if (!value)
		return -1;
	while (*value == ' ' || *value == '\t')
		value++;
	if (!*value)
		return -1;
	if (*value >= '0' && *value <= '9') {
		char *end;
		errno = 0;
		double s = strtod(value, &end);
		while (*end == ' ' || *end == '\t')
			end++;
		if (errno || *end || !(s >= 0) || s > 86400.0 * 365)
			return -1;
		return (long)(s * 1000.0 + 0.5);
	}
	time_t t = curl_getdate(value, NULL);
	if (t == (time_t)-1)
		return -1;
	if (t <= now)
		return 0;
	double d = difftime(t, now);
	if (d > 86400.0 * 365)
		return -1;
	return (long)d * 1000;
}

char *ag_heroku_mask_url(const char *url)
{
	if (!url)
		return ag_strdup("(none)");
	const char *sep = strstr(url, "://");
	if (!sep)
		return ag_strdup("***");
	struct ag_buf b = {0};
	ag_buf_add(&b, url, (size_t)(sep - url) + 3);
	const char *auth = sep + 3;
	const char *auth_end = auth + strcspn(auth, "/?#");
	const char *at = NULL;
	for (const char *p = auth; p < auth_end; p++)
		if (*p == '@')
			at = p;
	if (at) {
		ag_buf_adds(&b, "***@");
		auth = at + 1;
	}
	ag_buf_add(&b, auth, (size_t)(auth_end - auth));
	const char *p = auth_end;
	if (*p == '/') {
		const char *seg = p + 1;
		const char *seg_end = seg + strcspn(seg, "/?#");
		bool more = *seg_end == '/' && seg_end[1] && seg_end[1] != '?' && seg_end[1] != '#';
		if (seg_end == seg) {
			ag_buf_addc(&b, '/');
		} else if (more) {
			/* /services/T0/B0/XXXX: the first segment says what it is,
			 * the rest is the secret. */
			ag_buf_add(&b, p, (size_t)(seg_end - p));
			ag_buf_adds(&b, "/***");
		} else {
			/* A single segment may itself be the secret. */
			ag_buf_adds(&b, "/***");
		}
		p = seg_end + strcspn(seg_end, "?#");
	}
	if (*p == '?') {
		ag_buf_adds(&b, "?***");
		p += strcspn(p, "#");
	}
	if (*p == '#')
		ag_buf_adds(&b, "#***");
	return ag_buf_take(&b);
}

/* Copies s (n bytes) into buf with control characters as single spaces. */
static void one_line(char *buf, size_t bufn, const char *s, size_t n)
{
	size_t o = 0;
	for (size_t i = 0; i < n && o + 1 < bufn; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f) {
			if (o && buf[o - 1] != ' ')
				buf[o++] = ' ';
			continue;
		}
		buf[o++] = (char)c;
	}
	while (o && buf[o - 1] == ' ')
		o--;
	if (bufn)
		buf[o] = '\0';
}

void ag_heroku_api_error(long status, const char *body, size_t len, char *buf, size_t n)
{
	json_error_t je;
	json_t *j = body && len ? json_loadb(body, len, 0, &je) : NULL;
	const char *id = NULL, *message = NULL;
	if (json_is_object(j)) {
		id = json_string_value(json_object_get(j, "id"));
		message = json_string_value(json_object_get(j, "message"));
	}
	char tmp[600];
	if (message)
		snprintf(tmp, sizeof tmp, "HTTP %ld%s%s: %s", status, id ? " " : "", id ? id : "", message);
	else if (body && len)
		snprintf(tmp, sizeof tmp, "HTTP %ld: %.*s%s", status, (int)(len > 120 ? 120 : len), body,
			 len > 120 ? "..." : "");
	else
		snprintf(tmp, sizeof tmp, "HTTP %ld (no body)", status);
	one_line(buf, n, tmp, strlen(tmp));
	json_decref(j);
}

bool ag_heroku_valid_app(const char *app)
{
	if (!app || !*app || strlen(app) > 100 || strcmp(app, ".") == 0 || strcmp(app, "..") == 0)
		return false;
	for (const char *p = app; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == '-' || *p == '_' || *p == '.'))
			return false;
	return true;
}

bool ag_heroku_description_is_rollback(const char *description)
{
	if (!description)
		return false;
	while (*description == ' ' || *description == '\t')
		description++;
	return strncmp(description, "Rollback to", 11) == 0;
}

static bool empty(const char *s)
{
	return !s || !*s;
}

bool ag_heroku_in_release_phase(const struct ag_heroku_env *env)
{
	return env && env->dyno && strncmp(env->dyno, "release.", 8) == 0;
}

char *ag_heroku_context(const struct ag_heroku_env *env)
{
	if (!env)
		return NULL;
	bool rel = ag_heroku_in_release_phase(env);
	const char *commit = !empty(env->build_commit) ? env->build_commit : env->slug_commit;
	bool meta = !empty(env->app_name) || !empty(env->release_version) || !empty(commit);
	if (!rel && !meta)
		return NULL;
	if (!meta)
		return ag_printf("the release phase (dyno %s); app, release and commit unknown: "
				 "turn on dyno metadata with `heroku labs:enable runtime-dyno-metadata`",
				 env->dyno);
	struct ag_buf b = {0};
	if (!empty(env->app_name))
		ag_buf_addf(&b, "app %s", env->app_name);
	if (!empty(env->release_version))
		ag_buf_addf(&b, "%srelease %s%s", b.len ? ", " : "",
			    (env->release_version[0] == 'v' || env->release_version[0] == 'V') ? "" : "v",
			    env->release_version);
	if (!empty(commit))
		ag_buf_addf(&b, "%scommit %.12s", b.len ? ", " : "", commit);
	if (rel)
		ag_buf_adds(&b, " (release phase)");
	return ag_buf_take(&b);
}

char *ag_heroku_notice_json(const char *text, const json_t *report)
{
	json_t *root = json_object();
	json_object_set_new(root, "text", ag_report_jstr(text ? text : ""));
	/* A deep copy: the caller keeps its report, and jansson's set takes a
	 * non-const reference. */
	json_t *rep = report ? json_deep_copy(report) : NULL;
	json_object_set_new(root, "report", rep ? rep : json_null());
	char *s = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	char *out = ag_strdup(s ? s : "{}");
	free(s);
	return out;
}

char *ag_heroku_notice_text(const char *command, const char *context, int exit_code,
			    const struct ag_findings *fs)
{
	struct ag_buf b = {0};
	const char *what = exit_code == 0   ? "let the release go on"
			   : exit_code == 1 ? "blocked the release"
			   : exit_code == 5 ? "found migrations pending"
					    : "could not judge the release";
	ag_buf_addf(&b, "alembic-guard %s %s", command ? command : "check", what);
	if (context)
		ag_buf_addf(&b, " [%s]", context);
	size_t ne = fs ? ag_findings_count(fs, AG_SEV_ERROR) : 0;
	size_t nw = fs ? ag_findings_count(fs, AG_SEV_WARNING) : 0;
	ag_buf_addf(&b, ": %zu error%s, %zu warning%s", ne, ne == 1 ? "" : "s", nw, nw == 1 ? "" : "s");
	if (exit_code != 0 && exit_code != 1 && exit_code != 5)
		ag_buf_addf(&b, " (exit %d)", exit_code);
	size_t shown = 0;
	for (size_t i = 0; fs && i < fs->n; i++) {
		const struct ag_finding *f = &fs->v[i];
		if (f->severity != AG_SEV_ERROR)
			continue;
		if (shown == 10) {
			ag_buf_addf(&b, "\n… and %zu more", ne - shown);
			break;
		}
		ag_buf_addf(&b, "\n• %s: %s", f->code, f->message);
		shown++;
	}
	return ag_buf_take(&b);
}

/* --- Releases from JSON ------------------------------------------------- */

static char *jdup(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? ag_strdup(s) : NULL;
}

static int release_from_json(json_t *o, struct ag_heroku_release *r, struct ag_err *err)
{
	memset(r, 0, sizeof *r);
	if (!json_is_object(o))
		return ag_err_set(err, AG_ERR_HTTP, "malformed answer from the Platform API: a release is "
						    "not a JSON object");
	json_t *v = json_object_get(o, "version");
	const char *status = json_string_value(json_object_get(o, "status"));
	if (!json_is_integer(v) || json_integer_value(v) <= 0 || json_integer_value(v) > INT_MAX ||
	    !status)
		return ag_err_set(err, AG_ERR_HTTP, "malformed answer from the Platform API: a release "
						    "without a version or a status");
	r->version = (int)json_integer_value(v);
	r->status = ag_strdup(status);
	r->id = jdup(o, "id");
	r->created_at = jdup(o, "created_at");
	r->description = jdup(o, "description");
	r->output_stream_url = jdup(o, "output_stream_url");
	json_t *user = json_object_get(o, "user");
	if (json_is_object(user))
		r->user = jdup(user, "email");
	r->current = json_is_true(json_object_get(o, "current"));
	return 0;
}

static json_t *load(const char *text, size_t len, struct ag_err *err)
{
	json_error_t je;
	json_t *j = text ? json_loadb(text, len, 0, &je) : NULL;
	if (!j) {
		char snip[64];
		one_line(snip, sizeof snip, text ? text : "", text ? (len < 40 ? len : 40) : 0);
		ag_err_set(err, AG_ERR_HTTP,
			   "malformed answer from the Platform API: not JSON (%s at byte %d; it began "
			   "'%s')",
			   text ? je.text : "empty", text ? je.position : 0, snip);
	}
	return j;
}

int ag_heroku_parse_releases(const char *text, size_t len, struct ag_heroku_releases *out,
			     struct ag_err *err)
{
	json_t *j = load(text, len, err);
	if (!j)
		return -1;
	if (!json_is_array(j)) {
		json_decref(j);
		return ag_err_set(err, AG_ERR_HTTP,
				  "malformed answer from the Platform API: a release list is not a JSON array");
	}
	size_t n0 = out->n;
	for (size_t i = 0; i < json_array_size(j); i++) {
		struct ag_heroku_release r;
		if (release_from_json(json_array_get(j, i), &r, err) < 0) {
			ag_heroku_release_free(&r);
			while (out->n > n0)
				ag_heroku_release_free(&out->v[--out->n]);
			json_decref(j);
			return -1;
		}
		ag_grow((void **)&out->v, &out->cap, out->n + 1, sizeof *out->v);
		out->v[out->n++] = r;
	}
	json_decref(j);
	return 0;
}

int ag_heroku_parse_release(const char *text, size_t len, struct ag_heroku_release *one,
			    struct ag_err *err)
{
	memset(one, 0, sizeof *one);
	json_t *j = load(text, len, err);
	if (!j)
		return -1;
	int rc = release_from_json(j, one, err);
	if (rc < 0)
		ag_heroku_release_free(one);
	json_decref(j);
	return rc;
}

void ag_heroku_release_free(struct ag_heroku_release *r)
{
	if (!r)
		return;
	free(r->id);
	free(r->status);
	free(r->created_at);
	free(r->description);
	free(r->user);
	free(r->output_stream_url);
	memset(r, 0, sizeof *r);
}

void ag_heroku_releases_free(struct ag_heroku_releases *rs)
{
	if (!rs)
		return;
	for (size_t i = 0; i < rs->n; i++)
		ag_heroku_release_free(&rs->v[i]);
	free(rs->v);
	free(rs->note);
	memset(rs, 0, sizeof *rs);
}

void ag_heroku_output_free(struct ag_heroku_output *o)
{
	if (!o)
		return;
	free(o->text);
	memset(o, 0, sizeof *o);
}

/* --- The client ---------------------------------------------------------- */

static bool is_https(const char *url)
{
	return strncasecmp(url, "https://", 8) == 0;
}

static bool is_http(const char *url)
{
	return strncasecmp(url, "http://", 7) == 0;
}

/* The host of an http(s) URL is this machine. */
static bool local_host(const char *url)
{
	const char *h = strstr(url, "://");
	if (!h)
		return false;
	h += 3;
	size_t an = strcspn(h, "/?#");
	const char *at = memchr(h, '@', an);
	if (at) {
		an -= (size_t)(at + 1 - h);
		h = at + 1;
	}
	size_t hn;
	if (*h == '[') {
		const char *close = memchr(h, ']', an);
		if (!close)
			return false;
		hn = (size_t)(close + 1 - h);
	} else {
		hn = strcspn(h, ":/?#");
	}
	static const char *const names[] = {"localhost", "127.0.0.1", "[::1]"};
	for (size_t i = 0; i < AG_ARRAY_LEN(names); i++)
		if (strlen(names[i]) == hn && strncasecmp(h, names[i], hn) == 0)
			return true;
	return hn > 4 && strncmp(h, "127.", 4) == 0;
}

struct ag_heroku *ag_heroku_new(const struct ag_heroku_opts *o, struct ag_err *err)
{
	struct ag_heroku_opts none = {0};
	if (!o)
		o = &none;
	const char *api = !empty(o->api_url) ? o->api_url : AG_HEROKU_API_URL;
	if (!is_https(api) && !is_http(api))
		return ag_err_set(err, AG_ERR_USAGE, "the API URL must start with https:// (or http:// "
						     "for a local test server)"),
		       NULL;
	if (!empty(o->token)) {
		for (const char *p = o->token; *p; p++)
			if ((unsigned char)*p <= 0x20 || *p == 0x7f)
				return ag_err_set(err, AG_ERR_USAGE,
						  "the Heroku API token holds a space or a control "
						  "character; copy it again (heroku authorizations:create)"),
				       NULL;
		if (is_http(api) && !local_host(api)) {
			char *m = ag_heroku_mask_url(api);
			ag_err_set(err, AG_ERR_USAGE,
				   "refusing to send the Heroku API token over plain http to %s; use https", m);
			free(m);
			return NULL;
		}
	}
	const char *ca = !empty(o->ca_file) ? o->ca_file : AG_HEROKU_CA_FILE;
	if (is_https(api) && access(ca, R_OK) != 0)
		return ag_err_set(err, AG_ERR_CONFIG,
				  "the CA bundle %s cannot be read (%s): install ca-certificates or set "
				  "SSL_CERT_FILE to a bundle",
				  ca, strerror(errno)),
		       NULL;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return ag_err_set(err, AG_ERR_INTERNAL, "libcurl could not be initialised"), NULL;
	struct ag_heroku *h = ag_calloc(1, sizeof *h);
	h->curl = curl_easy_init();
	if (!h->curl) {
		free(h);
		curl_global_cleanup();
		return ag_err_set(err, AG_ERR_INTERNAL, "libcurl could not create a handle"), NULL;
	}
	h->api = ag_strdup(api);
	size_t al = strlen(h->api);
	while (al > 0 && h->api[al - 1] == '/')
		h->api[--al] = '\0';
	if (!empty(o->token)) {
		h->token = ag_strdup(o->token);
		h->auth = ag_printf("Authorization: Bearer %s", o->token);
	}
	h->ca_file = ag_strdup(ca);
	h->user_agent = ag_printf("alembic-guard/%s libcurl/%s", o->version ? o->version : "unknown",
				  curl_version_info(CURLVERSION_NOW)->version);
	h->connect_ms = o->connect_timeout_ms > 0 ? o->connect_timeout_ms : 10000;
	h->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 30000;
	h->retries = o->retries > 0 ? o->retries : o->retries < 0 ? 0 : 3;
	h->backoff_ms = o->backoff_ms > 0 ? o->backoff_ms : 1000;
	h->max_wait_ms = o->max_wait_ms > 0 ? o->max_wait_ms : 60000;
	h->floor = o->ratelimit_floor > 0 ? o->ratelimit_floor : o->ratelimit_floor < 0 ? -1 : 20;
	h->remaining = -1;
	h->trace_level = o->trace ? o->trace_level : 0;
	h->trace = o->trace;
	h->trace_arg = o->trace_arg;
	return h;
}

void ag_heroku_free(struct ag_heroku *h)
{
	if (!h)
		return;
	curl_easy_cleanup(h->curl);
	curl_global_cleanup();
	free(h->api);
	wipe_free(h->token);
	wipe_free(h->auth);
	free(h->ca_file);
	free(h->user_agent);
	free(h);
}

bool ag_heroku_has_token(const struct ag_heroku *h)
{
	return h && h->token;
}

long ag_heroku_ratelimit_remaining(const struct ag_heroku *h)
{
	return h ? h->remaining : -1;
}

bool ag_heroku_rate_stopped(const struct ag_heroku *h)
{
	return h && h->rate_stopped;
}

/* --- One request --------------------------------------------------------- */

struct req {
	const char *method; /* "GET" or "POST" */
	const char *url;
	const char *what;   /* for messages: "listing releases of my-app" */
	const char *shown;  /* the URL as traces show it (masked when secret) */
	bool api;           /* send the token; count against the rate limit */
	const char *range;  /* NULL or the Range value */
	const char *body;   /* POST: the JSON body */
	bool output;        /* keep head and tail up to cap; a cut-off stream is not an error */
	size_t cap;
	int retries;
	bool retry_5xx;
	long timeout_ms;    /* 0: the client's */
};

struct resp {
	const struct ag_heroku *h;
	long status;
	struct ag_buf body;  /* the whole body, or (output) its head */
	size_t headcap;
	char *ring;          /* output: the last tailcap bytes */
	size_t tailcap, ringpos, ringlen;
	size_t received;
	bool too_big;
	bool incomplete;
	char *next_range;    /* NULL or malloced */
	char *retry_after;   /* NULL or malloced */
	long remaining;      /* RateLimit-Remaining of this answer, or -1 */
	int attempts;
};

static void resp_reset(struct resp *rs)
{
	ag_buf_free(&rs->body);
	free(rs->ring);
	free(rs->next_range);
	free(rs->retry_after);
	const struct ag_heroku *h = rs->h;
	size_t headcap = rs->headcap, tailcap = rs->tailcap;
	int attempts = rs->attempts;
	memset(rs, 0, sizeof *rs);
	rs->h = h;
	rs->headcap = headcap;
	rs->tailcap = tailcap;
	rs->attempts = attempts;
	rs->remaining = -1;
}

static void resp_free(struct resp *rs)
{
	ag_buf_free(&rs->body);
	free(rs->ring);
	free(rs->next_range);
	free(rs->retry_after);
	memset(rs, 0, sizeof *rs);
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct resp *rs = arg;
	size_t n = size * nmemb;
	rs->received += n;
	if (!rs->tailcap) {
		if (rs->body.len + n > API_BODY_MAX) {
			rs->too_big = true;
			return 0; /* aborts the transfer */
		}
		ag_buf_add(&rs->body, data, n);
		return n;
	}
	size_t total = n;
	if (rs->body.len < rs->headcap) {
		size_t k = rs->headcap - rs->body.len;
		if (k > n)
			k = n;
		ag_buf_add(&rs->body, data, k);
		data += k;
		n -= k;
	}
	if (!n)
		return total;
	if (!rs->ring)
		rs->ring = ag_malloc(rs->tailcap);
	if (n >= rs->tailcap) {
		memcpy(rs->ring, data + n - rs->tailcap, rs->tailcap);
		rs->ringpos = 0;
		rs->ringlen = rs->tailcap;
		return total;
	}
	size_t first = rs->tailcap - rs->ringpos;
	if (first > n)
		first = n;
	memcpy(rs->ring + rs->ringpos, data, first);
	memcpy(rs->ring, data + first, n - first);
	rs->ringpos = (rs->ringpos + n) % rs->tailcap;
	rs->ringlen = rs->ringlen + n > rs->tailcap ? rs->tailcap : rs->ringlen + n;
	return total;
}

/* The value of header `name` in a raw header line, or NULL. New. */
static char *header_value(const char *line, size_t n, const char *name)
{
	size_t nl = strlen(name);
	if (n <= nl || strncasecmp(line, name, nl) != 0 || line[nl] != ':')
		return NULL;
	const char *v = line + nl + 1;
	const char *end = line + n;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
		end--;
	return ag_strndup(v, (size_t)(end - v));
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *arg)
{
	struct resp *rs = arg;
	size_t n = size * nmemb;
	if (n >= 5 && strncmp(data, "HTTP/", 5) == 0) {
		/* A new answer (after a redirect or 100 Continue): forget the last. */
		free(rs->next_range);
		free(rs->retry_after);
		rs->next_range = rs->retry_after = NULL;
		rs->remaining = -1;
		return n;
	}
	char *v;
	if ((v = header_value(data, n, "Next-Range"))) {
		free(rs->next_range);
		rs->next_range = v;
	} else if ((v = header_value(data, n, "Retry-After"))) {
		free(rs->retry_after);
		rs->retry_after = v;
	} else if ((v = header_value(data, n, "RateLimit-Remaining"))) {
		char *end;
		long r = strtol(v, &end, 10);
		if (end != v && r >= 0)
			rs->remaining = r;
		free(v);
	}
	return n;
}

/* --debug: every header line curl sends and receives, the Authorization
 * header masked. */
static int on_debug(CURL *c, curl_infotype type, char *data, size_t size, void *arg)
{
	(void)c;
	const struct ag_heroku *h = arg;
	const char *prefix;
	switch (type) {
	case CURLINFO_TEXT: prefix = "* "; break;
	case CURLINFO_HEADER_IN: prefix = "< "; break;
	case CURLINFO_HEADER_OUT: prefix = "> "; break;
	default: return 0;
	}
	const char *p = data, *end = data + size;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		size_t n = (size_t)(e - p);
		if (n && p[n - 1] == '\r')
			n--;
		if (n) {
			if (n >= 14 && strncasecmp(p, "Authorization:", 14) == 0)
				tracef(h, 2, "%sAuthorization: Bearer ***", prefix);
			else
				tracef(h, 2, "%s%.*s", prefix, (int)n, p);
		}
		p = nl ? nl + 1 : end;
	}
	return 0;
}

static CURLcode once(struct ag_heroku *h, const struct req *rq, struct resp *rs)
{
	CURL *c = h->curl;
	curl_easy_reset(c);
	h->errbuf[0] = '\0';
	curl_easy_setopt(c, CURLOPT_URL, rq->url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, h->connect_ms);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, rq->timeout_ms > 0 ? rq->timeout_ms : h->timeout_ms);
	curl_easy_setopt(c, CURLOPT_USERAGENT, h->user_agent);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, h->errbuf);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, rs);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, rs);
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	if (is_https(rq->url))
		curl_easy_setopt(c, CURLOPT_CAINFO, h->ca_file);
	/* libcurl honours http_proxy and friends; this machine is never
	 * reached through a proxy (a CI runner's proxy cannot see it). */
	if (local_host(rq->url))
		curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	/* Output streams may redirect to storage; API calls never follow a
	 * redirect, so the token cannot travel to another host. */
	if (rq->output) {
		curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
		curl_easy_setopt(c, CURLOPT_MAXREDIRS, 3L);
	}
	struct curl_slist *hdrs = NULL;
	if (rq->api) {
		hdrs = curl_slist_append(hdrs, "Accept: application/vnd.heroku+json; version=3");
		if (h->auth)
			hdrs = curl_slist_append(hdrs, h->auth);
	}
	char *range = NULL;
	if (rq->range) {
		range = ag_printf("Range: %s", rq->range);
		hdrs = curl_slist_append(hdrs, range);
	}
	if (rq->body) {
		hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
		hdrs = curl_slist_append(hdrs, "Expect:");
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, rq->body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(rq->body));
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	if (h->trace_level >= 2) {
		curl_easy_setopt(c, CURLOPT_VERBOSE, 1L);
		curl_easy_setopt(c, CURLOPT_DEBUGFUNCTION, on_debug);
		curl_easy_setopt(c, CURLOPT_DEBUGDATA, h);
	}
	tracef(h, 1, "%s %s%s%s%s", rq->method, rq->shown, rq->range ? " (Range: " : "",
	       rq->range ? rq->range : "", rq->range ? ")" : "");
	CURLcode rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &rs->status);
	/* The slist copied the Authorization line: wipe it before it goes. */
	for (struct curl_slist *s = hdrs; s; s = s->next)
		if (strncasecmp(s->data, "Authorization:", 14) == 0)
			explicit_bzero(s->data, strlen(s->data));
	curl_slist_free_all(hdrs);
	free(range);
	if (rc == CURLE_OK && rs->remaining >= 0)
		tracef(h, 1, "  -> HTTP %ld, %zu bytes, RateLimit-Remaining %ld", rs->status,
		       rs->received, rs->remaining);
	else if (rc == CURLE_OK)
		tracef(h, 1, "  -> HTTP %ld, %zu bytes", rs->status, rs->received);
	else
		tracef(h, 1, "  -> %s", h->errbuf[0] ? h->errbuf : curl_easy_strerror(rc));
	return rc;
}

static void sleep_ms(long ms)
{
	if (ms <= 0)
		return;
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool retryable(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_GOT_NOTHING:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_PARTIAL_FILE:
		return true;
	default:
		return false;
	}
}

/*
 * Runs a request with retries. Returns 0 when an HTTP answer arrived (any
 * status: the caller judges it; rs->status) or, for output, when a stream
 * was cut off after some bytes; -1 with err set otherwise.
 */
static int perform(struct ag_heroku *h, const struct req *rq, struct resp *rs, struct ag_err *err)
{
	long backoff = h->backoff_ms;
	rs->h = h;
	for (int attempt = 0;; attempt++) {
		resp_reset(rs);
		rs->attempts = attempt + 1;
		if (rq->api && h->floor >= 0 && h->remaining >= 0 && h->remaining < h->floor) {
			h->rate_stopped = true;
			return herr(h, err, AG_ERR_HTTP,
				    "stopped early: the Heroku API rate limit allows only %ld more "
				    "request%s (RateLimit-Remaining), under the %ld alembic-guard keeps in "
				    "reserve; try again later",
				    h->remaining, h->remaining == 1 ? "" : "s", h->floor);
		}
		CURLcode rc = once(h, rq, rs);
		char why[200];
		long wait = -1;
		if (rc != CURLE_OK) {
			if (rq->output && rs->received > 0 &&
			    (rc == CURLE_PARTIAL_FILE || rc == CURLE_RECV_ERROR ||
			     rc == CURLE_OPERATION_TIMEDOUT)) {
				rs->incomplete = true;
				return 0;
			}
			if (rs->too_big)
				return herr(h, err, AG_ERR_HTTP, "%s: the answer is larger than %u MiB",
					    rq->what, API_BODY_MAX >> 20);
			if (rc == CURLE_OPERATION_TIMEDOUT) {
				long t = rq->timeout_ms > 0 ? rq->timeout_ms : h->timeout_ms;
				return herr(h, err, AG_ERR_HTTP, "%s: timed out after %ld.%01ld s (%s)",
					    rq->what, t / 1000, (t % 1000) / 100,
					    h->errbuf[0] ? h->errbuf : curl_easy_strerror(rc));
			}
			if (!retryable(rc) || attempt >= rq->retries)
				return herr(h, err, AG_ERR_HTTP, "%s: %s%s", rq->what,
					    h->errbuf[0] ? h->errbuf : curl_easy_strerror(rc),
					    attempt ? " (after retries)" : "");
			snprintf(why, sizeof why, "%s", curl_easy_strerror(rc));
		} else {
			if (rq->api && rs->remaining >= 0)
				h->remaining = rs->remaining;
			long s = rs->status;
			bool again = s == 429 || (rq->retry_5xx && s >= 500 && s <= 599);
			if (!again || attempt >= rq->retries)
				return 0;
			snprintf(why, sizeof why, "HTTP %ld", s);
			wait = ag_heroku_retry_after(rs->retry_after, time(NULL));
			if (wait > h->max_wait_ms)
				return herr(h, err, AG_ERR_HTTP,
					    "%s: HTTP %ld, and Retry-After asks to wait %ld s, longer than "
					    "the %ld s alembic-guard waits; try again later",
					    rq->what, s, (wait + 999) / 1000, h->max_wait_ms / 1000);
		}
		if (wait < 0)
			wait = backoff;
		if (wait > h->max_wait_ms)
			wait = h->max_wait_ms;
		tracef(h, 1, "  %s; retrying in %ld.%03ld s (retry %d of %d)", why, wait / 1000,
		       wait % 1000, attempt + 1, rq->retries);
		sleep_ms(wait);
		backoff = backoff > h->max_wait_ms / 2 ? h->max_wait_ms : backoff * 2;
	}
}

/* Turns a non-2xx API answer into err. */
static int api_fail(const struct ag_heroku *h, const struct req *rq, const struct resp *rs,
		    struct ag_err *err)
{
	char line[700];
	ag_heroku_api_error(rs->status, rs->body.p, rs->body.len, line, sizeof line);
	const char *hint = "";
	if (rs->status == 401)
		hint = " (check HEROKU_API_KEY: `heroku authorizations:create --scope read`)";
	else if (rs->status == 403)
		hint = " (the token may lack access to this app)";
	if (rs->attempts > 1)
		return herr(h, err, AG_ERR_HTTP, "Heroku API: %s: %s (after %d attempts)%s", rq->what,
			    line, rs->attempts, hint);
	return herr(h, err, AG_ERR_HTTP, "Heroku API: %s: %s%s", rq->what, line, hint);
}

static bool header_safe(const char *v)
{
	if (!v || !*v || strlen(v) > 512)
		return false;
	for (const char *p = v; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

static int check_app(const struct ag_heroku *h, const char *app, struct ag_err *err)
{
	if (!ag_heroku_valid_app(app))
		return herr(h, err, AG_ERR_USAGE,
			    "'%.100s' is not a Heroku app name (letters, digits and dashes)", app ? app : "");
	if (!h->token)
		return herr(h, err, AG_ERR_USAGE, "no Heroku API token: set HEROKU_API_KEY");
	return 0;
}

int ag_heroku_list_releases(struct ag_heroku *h, const char *app, const struct ag_heroku_list_opts *lo,
			    struct ag_heroku_releases *out, struct ag_err *err)
{
	struct ag_err local;
	if (!err)
		err = &local;
	memset(out, 0, sizeof *out);
	if (check_app(h, app, err) < 0)
		return -1;
	struct ag_heroku_list_opts none = {0};
	if (!lo)
		lo = &none;
	int page = lo->page_size > 0 ? lo->page_size : 200;
	if (page > 1000)
		page = 1000;
	if (lo->limit > 0 && lo->limit < page)
		page = lo->limit;
	char *url = ag_printf("%s/apps/%s/releases", h->api, app);
	char *what = ag_printf("listing the releases of %s", app);
	char *range = ag_heroku_range("version", page, true);
	struct resp rs = {0};
	int rc = 0;
	out->complete = true;
	for (;;) {
		struct req rq = {.method = "GET", .url = url, .what = what, .shown = url, .api = true,
				 .range = range, .retries = h->retries, .retry_5xx = true};
		if (perform(h, &rq, &rs, err) < 0) {
			if (h->rate_stopped && out->n) {
				out->complete = false;
				out->note = ag_strdup(err->msg);
				break;
			}
			rc = -1;
			break;
		}
		if (rs.status != 200 && rs.status != 206) {
			rc = api_fail(h, &rq, &rs, err);
			break;
		}
		out->pages++;
		size_t n0 = out->n;
		if (ag_heroku_parse_releases(rs.body.p, rs.body.len, out, err) < 0) {
			char *m = ag_printf("Heroku API: %s: %s", what, err->msg);
			herr(h, err, AG_ERR_HTTP, "%s", m);
			free(m);
			rc = -1;
			break;
		}
		bool done = false;
		/* Newest first: stop at the first version under since, and at the
		 * limit. */
		for (size_t i = n0; i < out->n; i++) {
			if ((lo->since > 0 && out->v[i].version < lo->since) ||
			    (lo->limit > 0 && i >= (size_t)lo->limit)) {
				while (out->n > i)
					ag_heroku_release_free(&out->v[--out->n]);
				done = true;
				break;
			}
		}
		/* Versions only go down from here: having reached since, the
		 * next page could hold nothing wanted. */
		if (lo->since > 0 && out->n && out->v[out->n - 1].version <= lo->since)
			done = true;
		if (done || rs.status != 206 || out->n == n0)
			break;
		if (!header_safe(rs.next_range) || strcmp(rs.next_range, range) == 0) {
			/* A 206 without a usable Next-Range: what we have is all we
			 * can get, and saying so beats looping. */
			out->complete = false;
			free(out->note);
			out->note = ag_strdup("the API answered 206 without a usable Next-Range; the list "
					      "may be incomplete");
			break;
		}
		if (out->pages >= 10000) {
			out->complete = false;
			out->note = ag_strdup("stopped after 10000 pages");
			break;
		}
		free(range);
		range = rs.next_range;
		rs.next_range = NULL;
	}
	if (rc < 0)
		ag_heroku_releases_free(out);
	resp_free(&rs);
	free(range);
	free(what);
	free(url);
	return rc;
}

static int get_release(struct ag_heroku *h, const char *app, int version, long timeout_ms,
		       struct ag_heroku_release *out, struct ag_err *err)
{
	struct ag_err local;
	if (!err)
		err = &local;
	memset(out, 0, sizeof *out);
	if (check_app(h, app, err) < 0)
		return -1;
	char *url, *what;
	char *range = NULL;
	if (version > 0) {
		url = ag_printf("%s/apps/%s/releases/%d", h->api, app, version);
		what = ag_printf("reading release v%d of %s", version, app);
	} else {
		url = ag_printf("%s/apps/%s/releases", h->api, app);
		what = ag_printf("reading the newest release of %s", app);
		range = ag_heroku_range("version", 1, true);
	}
	struct req rq = {.method = "GET", .url = url, .what = what, .shown = url, .api = true,
			 .range = range, .retries = h->retries, .retry_5xx = true,
			 .timeout_ms = timeout_ms};
	struct resp rs = {0};
	int rc = perform(h, &rq, &rs, err);
	if (rc == 0 && rs.status != 200 && rs.status != 206)
		rc = api_fail(h, &rq, &rs, err);
	if (rc == 0 && version > 0) {
		rc = ag_heroku_parse_release(rs.body.p, rs.body.len, out, err);
	} else if (rc == 0) {
		struct ag_heroku_releases list = {0};
		rc = ag_heroku_parse_releases(rs.body.p, rs.body.len, &list, err);
		if (rc == 0 && !list.n)
			rc = herr(h, err, AG_ERR_HTTP, "Heroku API: %s: the app has no releases", what);
		if (rc == 0) {
			/* The API is asked for newest first; take the highest
			 * version anyway in case it ignored the order. */
			size_t best = 0;
			for (size_t i = 1; i < list.n; i++)
				if (list.v[i].version > list.v[best].version)
					best = i;
			*out = list.v[best];
			memset(&list.v[best], 0, sizeof list.v[best]);
		}
		ag_heroku_releases_free(&list);
	}
	if (rc < 0 && strncmp(err->msg, "malformed", 9) == 0) {
		char *m = ag_printf("Heroku API: %s: %s", what, err->msg);
		herr(h, err, AG_ERR_HTTP, "%s", m);
		free(m);
	}
	resp_free(&rs);
	free(range);
	free(what);
	free(url);
	return rc;
}

int ag_heroku_get_release(struct ag_heroku *h, const char *app, int version,
			  struct ag_heroku_release *out, struct ag_err *err)
{
	return get_release(h, app, version, 0, out, err);
}

int ag_heroku_wait_release(struct ag_heroku *h, const char *app, const struct ag_heroku_wait_opts *wo,
			   struct ag_heroku_release *out, long *waited_ms, struct ag_err *err)
{
	struct ag_heroku_wait_opts none = {0};
	if (!wo)
		wo = &none;
	long timeout = wo->timeout_ms > 0 ? wo->timeout_ms : 600000;
	long interval = wo->interval_ms > 0 ? wo->interval_ms : 2000;
	long maxi = wo->max_interval_ms > 0 ? wo->max_interval_ms : 15000;
	if (interval > maxi)
		maxi = interval;
	int version = wo->version;
	long t0 = now_ms();
	memset(out, 0, sizeof *out);
	for (;;) {
		long left = timeout - (now_ms() - t0);
		/* One request may not outlast the wait, but gets a second at least. */
		long rt = left < 1000 ? 1000 : left;
		if (rt > h->timeout_ms)
			rt = h->timeout_ms;
		struct ag_heroku_release r;
		if (get_release(h, app, version, rt, &r, err) < 0) {
			if (waited_ms)
				*waited_ms = now_ms() - t0;
			return -1;
		}
		/* Follow the release seen first, even if a newer one appears. */
		version = r.version;
		long waited = now_ms() - t0;
		if (wo->progress)
			wo->progress(wo->progress_arg, &r, waited);
		ag_heroku_release_free(out);
		*out = r;
		if (waited_ms)
			*waited_ms = waited;
		if (strcmp(r.status, "pending") != 0)
			return 1;
		if (waited >= timeout)
			return 0;
		long nap = interval < timeout - waited ? interval : timeout - waited;
		sleep_ms(nap);
		interval = interval + interval / 2 > maxi ? maxi : interval + interval / 2;
	}
}

int ag_heroku_is_rollback(struct ag_heroku *h, const char *app, int version, char **what,
			  struct ag_err *err)
{
	if (what)
		*what = NULL;
	struct ag_heroku_release r;
	if (ag_heroku_get_release(h, app, version, &r, err) < 0)
		return -1;
	int yes = ag_heroku_description_is_rollback(r.description);
	if (what && r.description)
		*what = ag_printf("v%d (\"%s\")", r.version, r.description);
	else if (what)
		*what = ag_printf("v%d (no description)", r.version);
	ag_heroku_release_free(&r);
	return yes;
}

int ag_heroku_fetch_output(struct ag_heroku *h, const char *url, size_t cap,
			   struct ag_heroku_output *out, struct ag_err *err)
{
	memset(out, 0, sizeof *out);
	if (!url || (!is_https(url) && !is_http(url)))
		return herr(h, err, AG_ERR_HTTP, "the release output URL is not an http(s) URL");
	if (is_https(url) && access(h->ca_file, R_OK) != 0)
		return herr(h, err, AG_ERR_CONFIG,
			    "the CA bundle %s cannot be read: install ca-certificates or set SSL_CERT_FILE",
			    h->ca_file);
	if (cap == 0)
		cap = AG_HEROKU_OUTPUT_CAP;
	if (cap < 64)
		cap = 64;
	char *shown = ag_heroku_mask_url(url);
	struct req rq = {.method = "GET", .url = url, .what = "fetching the release output",
			 .shown = shown, .output = true, .cap = cap, .retries = h->retries,
			 .retry_5xx = true};
	struct resp rs = {.headcap = cap / 4, .tailcap = cap - cap / 4};
	h->secret = secret_part(url);
	int rc = perform(h, &rq, &rs, err);
	if (rc == 0 && (rs.status < 200 || rs.status > 299)) {
		char line[300];
		ag_heroku_api_error(rs.status, NULL, 0, line, sizeof line);
		rc = herr(h, err, AG_ERR_HTTP, "fetching the release output: %s%s", line,
			  rs.status == 404 || rs.status == 410 || rs.status == 403
				  ? " (the output is no longer available)"
				  : "");
	}
	h->secret = NULL;
	if (rc == 0) {
		struct ag_buf b = {0};
		ag_buf_add(&b, rs.body.p ? rs.body.p : "", rs.body.len);
		size_t left_out = rs.received - rs.body.len - rs.ringlen;
		if (rs.ringlen) {
			size_t start = rs.ringlen < rs.tailcap ? 0 : rs.ringpos;
			char *tail = ag_malloc(rs.ringlen);
			size_t first = rs.ringlen - start;
			if (start + rs.ringlen > rs.tailcap)
				first = rs.tailcap - start;
			memcpy(tail, rs.ring + start, first);
			memcpy(tail + first, rs.ring, rs.ringlen - first);
			size_t skip = 0;
			if (left_out) {
				/* Start the tail on a whole line. */
				const char *nl = memchr(tail, '\n', rs.ringlen);
				if (nl && (size_t)(nl - tail) < 4096)
					skip = (size_t)(nl - tail) + 1;
				left_out += skip;
				if (b.len && b.p[b.len - 1] != '\n')
					ag_buf_addc(&b, '\n');
				ag_buf_addf(&b, "[... %zu bytes left out by alembic-guard ...]\n", left_out);
				out->truncated = true;
			}
			ag_buf_add(&b, tail + skip, rs.ringlen - skip);
			free(tail);
		}
		if (!b.p)
			ag_buf_adds(&b, "");
		/* A release phase that printed the environment printed the token
		 * this guard holds; it must not pass on through the guard. */
		if (h->token)
			mask_bytes(&b, h->token);
		out->len = b.len;
		out->text = ag_buf_take(&b);
		out->received = rs.received;
		out->incomplete = rs.incomplete;
	}
	resp_free(&rs);
	free(shown);
	return rc;
}

int ag_heroku_notify(struct ag_heroku *h, const char *url, const char *text, const json_t *report,
		     struct ag_err *err)
{
	char *shown = ag_heroku_mask_url(url);
	if (!url || (!is_https(url) && !is_http(url))) {
		int rc = herr(h, err, AG_ERR_USAGE, "the notify URL %s is not an http(s) URL", shown);
		free(shown);
		return rc;
	}
	if (is_https(url) && access(h->ca_file, R_OK) != 0) {
		int rc = herr(h, err, AG_ERR_CONFIG,
			      "the CA bundle %s cannot be read: install ca-certificates or set "
			      "SSL_CERT_FILE",
			      h->ca_file);
		free(shown);
		return rc;
	}
	char *body = ag_heroku_notice_json(text, report);
	char *what = ag_printf("posting the notice to %s", shown);
	h->secret = secret_part(url);
	struct req rq = {.method = "POST", .url = url, .what = what, .shown = shown, .body = body,
			 .retries = h->retries > 0 ? 1 : 0, .retry_5xx = false};
	struct resp rs = {0};
	int rc = perform(h, &rq, &rs, err);
	if (rc == 0 && (rs.status < 200 || rs.status > 299)) {
		char line[300];
		ag_heroku_api_error(rs.status, rs.body.p, rs.body.len, line, sizeof line);
		rc = herr(h, err, AG_ERR_HTTP, "%s: %s", what, line);
	}
	h->secret = NULL;
	resp_free(&rs);
	free(what);
	free(body);
	free(shown);
	return rc;
}
