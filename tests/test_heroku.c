/*
 * Tests for lib/heroku.c. The pure parts (Range headers, Retry-After, URL
 * masking, API error lines, release JSON, versions, rollbacks, the
 * release-phase context, notices) directly; the client's requests against
 * a tiny HTTP responder on 127.0.0.1 that runs in a thread of the test:
 * webhook POSTs (no token sent, failures masked, 429 retried), rollback
 * detection, the output cap, refusals made before any connection. The
 * paging, retries and timeouts of the API are tested end to end by
 * tests/integration/test_heroku.py.
 */
#include <arpa/inet.h>
#include <check.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/heroku.h"
#include "lib/util.h"
#include "tests/suites.h"

/* --- pure helpers ------------------------------------------------------- */

static void range_is(const char *field, int max, bool desc, const char *want)
{
	char *got = ag_heroku_range(field, max, desc);
	ck_assert_str_eq(got, want);
	free(got);
}

START_TEST(test_range)
{
	range_is("version", 200, true, "version ..; max=200, order=desc");
	range_is("version", 1, true, "version ..; max=1, order=desc");
	range_is(NULL, 0, false, "version ..");
	range_is("id", 0, true, "id ..; order=desc");
	range_is("version", 5, false, "version ..; max=5");
}
END_TEST

START_TEST(test_retry_after)
{
	ck_assert_int_eq(ag_heroku_retry_after("120", 0), 120000);
	ck_assert_int_eq(ag_heroku_retry_after(" 1.5 ", 0), 1500);
	ck_assert_int_eq(ag_heroku_retry_after("0", 0), 0);
	ck_assert_int_eq(ag_heroku_retry_after("-1", 0), -1);
	ck_assert_int_eq(ag_heroku_retry_after("12x", 0), -1);
	ck_assert_int_eq(ag_heroku_retry_after("soon", 0), -1);
	ck_assert_int_eq(ag_heroku_retry_after("", 0), -1);
	ck_assert_int_eq(ag_heroku_retry_after(NULL, 0), -1);
	ck_assert_int_eq(ag_heroku_retry_after("99999999999", 0), -1);
	/* 2015-10-21 07:28:00 UTC is 1445412480. */
	ck_assert_int_eq(ag_heroku_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", 1445412450), 30000);
	ck_assert_int_eq(ag_heroku_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", 1445412490), 0);
}
END_TEST

static void mask_is(const char *url, const char *want)
{
	char *got = ag_heroku_mask_url(url);
	ck_assert_str_eq(got, want);
	free(got);
}

START_TEST(test_mask_url)
{
	mask_is("https://hooks.slack.com/services/T0001/B0002/XXXXXXXXXXXXXXXX",
		"https://hooks.slack.com/services/***");
	mask_is("https://discord.com/api/webhooks/123/tok", "https://discord.com/api/***");
	mask_is("https://user:pw@example.com/hook?token=abc#frag", "https://***@example.com/***?***#***");
	mask_is("https://example.com", "https://example.com");
	mask_is("https://example.com/", "https://example.com/");
	mask_is("http://127.0.0.1:8080/secret", "http://127.0.0.1:8080/***");
	mask_is("http://h/a/", "http://h/***");
	mask_is("https://h?key=1", "https://h?***");
	mask_is("not a url", "***");
	mask_is(NULL, "(none)");
}
END_TEST

static void api_error_is(long status, const char *body, const char *want)
{
	char buf[300];
	ag_heroku_api_error(status, body, body ? strlen(body) : 0, buf, sizeof buf);
	ck_assert_str_eq(buf, want);
}

START_TEST(test_api_error)
{
	api_error_is(401, "{\"id\": \"unauthorized\", \"message\": \"Invalid credentials provided.\"}",
		     "HTTP 401 unauthorized: Invalid credentials provided.");
	api_error_is(429, "{\"message\": \"Slow\\ndown.\\r\\n\"}", "HTTP 429: Slow down.");
	api_error_is(502, "<html>\n<b>Bad</b>\n</html>", "HTTP 502: <html> <b>Bad</b> </html>");
	api_error_is(500, "", "HTTP 500 (no body)");
	api_error_is(500, NULL, "HTTP 500 (no body)");
	api_error_is(400, "{\"id\": 7}", "HTTP 400: {\"id\": 7}");
	char small[12];
	ag_heroku_api_error(404, "{\"message\": \"Couldn't find that app.\"}", 38, small, sizeof small);
	ck_assert_str_eq(small, "HTTP 404: C");
}
END_TEST

START_TEST(test_parse_releases)
{
	const char *json =
		"[{\"version\": 7, \"status\": \"failed\", \"id\": \"r7\", \"created_at\": "
		"\"2024-05-01T10:00:00Z\", \"description\": \"Deploy abc\", \"user\": {\"email\": "
		"\"a@b.c\"}, \"output_stream_url\": \"https://busl.example/streams/x\", \"current\": false},"
		" {\"version\": 6, \"status\": \"succeeded\", \"user\": null, \"output_stream_url\": null,"
		" \"current\": true, \"extra\": [1, 2]}]";
	struct ag_heroku_releases rs = {0};
	struct ag_err err = {0};
	ck_assert_int_eq(ag_heroku_parse_releases(json, strlen(json), &rs, &err), 0);
	ck_assert_uint_eq(rs.n, 2);
	ck_assert_int_eq(rs.v[0].version, 7);
	ck_assert_str_eq(rs.v[0].status, "failed");
	ck_assert_str_eq(rs.v[0].id, "r7");
	ck_assert_str_eq(rs.v[0].created_at, "2024-05-01T10:00:00Z");
	ck_assert_str_eq(rs.v[0].description, "Deploy abc");
	ck_assert_str_eq(rs.v[0].user, "a@b.c");
	ck_assert_str_eq(rs.v[0].output_stream_url, "https://busl.example/streams/x");
	ck_assert(!rs.v[0].current);
	ck_assert_ptr_null(rs.v[1].user);
	ck_assert_ptr_null(rs.v[1].output_stream_url);
	ck_assert_ptr_null(rs.v[1].description);
	ck_assert(rs.v[1].current);
	/* Appends: a second page adds to the list. */
	ck_assert_int_eq(ag_heroku_parse_releases("[{\"version\": 5, \"status\": \"pending\"}]", 37, &rs,
						  &err),
			 0);
	ck_assert_uint_eq(rs.n, 3);
	ag_heroku_releases_free(&rs);
	ck_assert_uint_eq(rs.n, 0);
	ag_heroku_releases_free(&rs);

	struct ag_heroku_release one;
	const char *obj = "{\"version\": 42, \"status\": \"pending\", \"description\": \"Rollback to v41\"}";
	ck_assert_int_eq(ag_heroku_parse_release(obj, strlen(obj), &one, &err), 0);
	ck_assert_int_eq(one.version, 42);
	ck_assert(ag_heroku_description_is_rollback(one.description));
	ag_heroku_release_free(&one);
}
END_TEST

static void parse_fails(const char *json, const char *needle)
{
	struct ag_heroku_releases rs = {0};
	struct ag_err err = {0};
	ck_assert_int_eq(ag_heroku_parse_releases(json, strlen(json), &rs, &err), -1);
	ck_assert_int_eq(err.kind, AG_ERR_HTTP);
	ck_assert_msg(strstr(err.msg, needle), "'%s' lacks '%s'", err.msg, needle);
	ck_assert_uint_eq(rs.n, 0);
	ag_heroku_releases_free(&rs);
}

START_TEST(test_parse_malformed)
{
	parse_fails("[{\"version\": 1, \"status\": \"succ", "not JSON");
	parse_fails("", "not JSON");
	parse_fails("{\"version\": 1}", "not a JSON array");
	parse_fails("[1]", "not a JSON object");
	parse_fails("[{\"version\": 1}]", "without a version or a status");
	parse_fails("[{\"version\": \"1\", \"status\": \"x\"}]", "without a version or a status");
	parse_fails("[{\"version\": 0, \"status\": \"x\"}]", "without a version or a status");
	parse_fails("[{\"version\": 99999999999, \"status\": \"x\"}]", "without a version");
	/* A bad element after good ones leaves nothing behind. */
	parse_fails("[{\"version\": 2, \"status\": \"x\"}, {\"status\": \"y\"}]", "without a version");
	struct ag_heroku_release one;
	struct ag_err err = {0};
	ck_assert_int_eq(ag_heroku_parse_release("[]", 2, &one, &err), -1);
	ck_assert_int_eq(ag_heroku_parse_release(NULL, 0, &one, &err), -1);
	ck_assert_ptr_null(one.status);
}
END_TEST

START_TEST(test_versions_and_apps)
{
	int v = 0;
	ck_assert_int_eq(ag_heroku_parse_version("v42", &v), 0);
	ck_assert_int_eq(v, 42);
	ck_assert_int_eq(ag_heroku_parse_version("7", &v), 0);
	ck_assert_int_eq(v, 7);
	ck_assert_int_eq(ag_heroku_parse_version("V3", &v), 0);
	ck_assert_int_eq(v, 3);
	ck_assert_int_eq(ag_heroku_parse_version("v0", &v), -1);
	ck_assert_int_eq(ag_heroku_parse_version("v", &v), -1);
	ck_assert_int_eq(ag_heroku_parse_version("", &v), -1);
	ck_assert_int_eq(ag_heroku_parse_version("4a", &v), -1);
	ck_assert_int_eq(ag_heroku_parse_version("-4", &v), -1);
	ck_assert_int_eq(ag_heroku_parse_version("99999999999", &v), -1);
	ck_assert_int_eq(ag_heroku_parse_version(NULL, &v), -1);
	ck_assert_int_eq(v, 3);
	ck_assert(ag_heroku_valid_app("guestbook-prod"));
	ck_assert(ag_heroku_valid_app("01234567-89ab-cdef-0123-456789abcdef"));
	ck_assert(!ag_heroku_valid_app("../etc"));
	ck_assert(!ag_heroku_valid_app("a b"));
	ck_assert(!ag_heroku_valid_app("a?b"));
	ck_assert(!ag_heroku_valid_app(".."));
	ck_assert(!ag_heroku_valid_app(""));
	ck_assert(!ag_heroku_valid_app(NULL));
	ck_assert(ag_heroku_description_is_rollback("Rollback to v41"));
	ck_assert(ag_heroku_description_is_rollback("  Rollback to v3"));
	ck_assert(!ag_heroku_description_is_rollback("Deploy 1a2b3c4d"));
	ck_assert(!ag_heroku_description_is_rollback("rollback to v3"));
	ck_assert(!ag_heroku_description_is_rollback("Rollback"));
	ck_assert(!ag_heroku_description_is_rollback(NULL));
}
END_TEST

static void context_is(const struct ag_heroku_env *e, const char *want)
{
	char *got = ag_heroku_context(e);
	if (!want) {
		ck_assert_ptr_null(got);
		return;
	}
	ck_assert_ptr_nonnull(got);
	ck_assert_str_eq(got, want);
	free(got);
}

START_TEST(test_context)
{
	struct ag_heroku_env e = {.dyno = "release.1234",
				  .app_name = "guestbook",
				  .release_version = "v42",
				  .build_commit = "0123456789abcdef0123456789abcdef01234567"};
	ck_assert(ag_heroku_in_release_phase(&e));
	context_is(&e, "app guestbook, release v42, commit 0123456789ab (release phase)");
	e.release_version = "42";
	e.build_commit = NULL;
	e.slug_commit = "fedcba9876543210";
	context_is(&e, "app guestbook, release v42, commit fedcba987654 (release phase)");
	e.dyno = "web.1";
	ck_assert(!ag_heroku_in_release_phase(&e));
	context_is(&e, "app guestbook, release v42, commit fedcba987654");
	struct ag_heroku_env bare = {.dyno = "release.9"};
	char *c = ag_heroku_context(&bare);
	ck_assert_ptr_nonnull(c);
	ck_assert_ptr_nonnull(strstr(c, "dyno release.9"));
	ck_assert_ptr_nonnull(strstr(c, "heroku labs:enable runtime-dyno-metadata"));
	free(c);
	struct ag_heroku_env web = {.dyno = "web.1", .app_name = ""};
	context_is(&web, NULL);
	context_is(NULL, NULL);
	struct ag_heroku_env only = {.release_version = "v5"};
	context_is(&only, "release v5");
}
END_TEST

START_TEST(test_notice)
{
	json_t *rep = json_pack("{s:s, s:i}", "verdict", "blocked", "exit_code", 1);
	char *body = ag_heroku_notice_json("blocked", rep);
	json_decref(rep);
	json_error_t je;
	json_t *j = json_loads(body, 0, &je);
	ck_assert_ptr_nonnull(j);
	ck_assert_str_eq(json_string_value(json_object_get(j, "text")), "blocked");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "report"), "verdict")),
			 "blocked");
	json_decref(j);
	free(body);
	/* Text that is not UTF-8 still gives JSON. */
	body = ag_heroku_notice_json("t\xff", NULL);
	j = json_loads(body, 0, &je);
	ck_assert_str_eq(json_string_value(json_object_get(j, "text")), "t\xef\xbf\xbd");
	json_decref(j);
	free(body);
	body = ag_heroku_notice_json(NULL, NULL);
	ck_assert_str_eq(body, "{\"text\":\"\",\"report\":null}");
	free(body);

	struct ag_findings fs = {0};
	ag_findings_add(&fs, AG_SEV_ERROR, "unknown-db-revision", "x1", NULL, 0, "the database is at 'x1'");
	ag_findings_add(&fs, AG_SEV_WARNING, "multiple-bases", NULL, NULL, 0, "two bases");
	ag_findings_add(&fs, AG_SEV_ERROR, "cycle", NULL, NULL, 0, "a cycle");
	char *t = ag_heroku_notice_text("check", "app guestbook, release v42", 1, &fs);
	ck_assert_str_eq(t, "alembic-guard check blocked the release [app guestbook, release v42]: "
			    "2 errors, 1 warning\n"
			    "• unknown-db-revision: the database is at 'x1'\n"
			    "• cycle: a cycle");
	free(t);
	for (int i = 0; i < 11; i++)
		ag_findings_add(&fs, AG_SEV_ERROR, "cycle", NULL, NULL, 0, "more %d", i);
	t = ag_heroku_notice_text(NULL, NULL, 1, &fs);
	ck_assert_ptr_nonnull(strstr(t, "alembic-guard check blocked the release: 13 errors"));
	ck_assert_ptr_nonnull(strstr(t, "\n… and 3 more"));
	free(t);
	t = ag_heroku_notice_text("check", NULL, 3, NULL);
	ck_assert_str_eq(t, "alembic-guard check could not judge the release: 0 errors, 0 warnings (exit 3)");
	free(t);
	ag_findings_free(&fs);
}
END_TEST

/* --- the client against a responder on 127.0.0.1 ------------------------- */

#define MAX_EXCHANGES 8

/* Answers up to n connections, one canned answer each, and keeps what
 * each request said. */
struct responder {
	int fd, port;
	pthread_t thread;
	const char *answers[MAX_EXCHANGES]; /* raw HTTP answers */
	size_t n;
	char *requests[MAX_EXCHANGES];      /* malloced: headers and body */
	size_t got;
};

static char *read_request(int c)
{
	struct ag_buf b = {0};
	char chunk[4096];
	size_t need = 0;
	for (;;) {
		struct pollfd p = {.fd = c, .events = POLLIN};
		if (poll(&p, 1, 3000) <= 0)
			break;
		ssize_t k = recv(c, chunk, sizeof chunk, 0);
		if (k <= 0)
			break;
		ag_buf_add(&b, chunk, (size_t)k);
		char *end = strstr(b.p, "\r\n\r\n");
		if (end && !need) {
			size_t head = (size_t)(end + 4 - b.p);
			const char *cl = strcasestr(b.p, "\r\nContent-Length:");
			need = head + (cl && cl < end ? (size_t)strtoul(cl + 17, NULL, 10) : 0);
		}
		if (need && b.len >= need)
			break;
	}
	if (!b.p)
		ag_buf_adds(&b, "");
	return ag_buf_take(&b);
}

static void *respond(void *arg)
{
	struct responder *r = arg;
	for (size_t i = 0; i < r->n; i++) {
		struct pollfd p = {.fd = r->fd, .events = POLLIN};
		if (poll(&p, 1, 5000) <= 0)
			break;
		int c = accept(r->fd, NULL, NULL);
		if (c < 0)
			break;
		r->requests[r->got++] = read_request(c);
		size_t len = strlen(r->answers[i]);
		for (size_t off = 0; off < len;) {
			ssize_t k = send(c, r->answers[i] + off, len - off, MSG_NOSIGNAL);
			if (k <= 0)
				break;
			off += (size_t)k;
		}
		close(c);
	}
	return NULL;
}

static void responder_start(struct responder *r)
{
	r->fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(r->fd, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(r->fd, (struct sockaddr *)&a, sizeof a), 0);
	ck_assert_int_eq(listen(r->fd, 8), 0);
	socklen_t al = sizeof a;
	ck_assert_int_eq(getsockname(r->fd, (struct sockaddr *)&a, &al), 0);
	r->port = ntohs(a.sin_port);
	ck_assert_int_eq(pthread_create(&r->thread, NULL, respond, r), 0);
}

/* Waits for the thread; the requests stay for the test to read. */
static void responder_stop(struct responder *r)
{
	pthread_join(r->thread, NULL);
	close(r->fd);
}

static void responder_free(struct responder *r)
{
	for (size_t i = 0; i < r->got; i++)
		free(r->requests[i]);
}

static struct ag_heroku *client(int port, const char *token)
{
	char *api = ag_printf("http://127.0.0.1:%d", port);
	struct ag_heroku_opts o = {.api_url = api, .token = token, .version = "9.9.9",
				   .timeout_ms = 5000, .backoff_ms = 10};
	struct ag_err err = {0};
	struct ag_heroku *h = ag_heroku_new(&o, &err);
	ck_assert_msg(h != NULL, "%s", err.msg);
	free(api);
	return h;
}

#define OK_TEXT "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"

START_TEST(test_notify_posts_without_the_token)
{
	struct responder r = {.answers = {OK_TEXT}, .n = 1};
	responder_start(&r);
	struct ag_heroku *h = client(r.port, "tok-SECRET-1");
	char *url = ag_printf("http://127.0.0.1:%d/hooks/T1/B2/SECRETPART", r.port);
	struct ag_err err = {0};
	json_t *rep = json_pack("{s:i}", "exit_code", 1);
	ck_assert_int_eq(ag_heroku_notify(h, url, "blocked!", rep, &err), 0);
	json_decref(rep);
	ag_heroku_free(h);
	responder_stop(&r);
	ck_assert_uint_eq(r.got, 1);
	const char *req = r.requests[0];
	ck_assert_ptr_nonnull(strstr(req, "POST /hooks/T1/B2/SECRETPART HTTP/1.1\r\n"));
	ck_assert_ptr_nonnull(strcasestr(req, "\r\nContent-Type: application/json\r\n"));
	ck_assert_ptr_nonnull(strcasestr(req, "\r\nUser-Agent: alembic-guard/9.9.9 "));
	ck_assert_ptr_null(strcasestr(req, "Authorization"));
	ck_assert_ptr_null(strstr(req, "tok-SECRET-1"));
	const char *body = strstr(req, "\r\n\r\n") + 4;
	json_error_t je;
	json_t *j = json_loads(body, 0, &je);
	ck_assert_msg(j != NULL, "body: %s", body);
	ck_assert_str_eq(json_string_value(json_object_get(j, "text")), "blocked!");
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(j, "report"), "exit_code")), 1);
	json_decref(j);
	free(url);
	responder_free(&r);
}
END_TEST

START_TEST(test_notify_failure_is_masked)
{
	struct responder r = {.answers = {"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 23\r\n"
					  "Connection: close\r\n\r\nno_service SECRETPART x"},
			      .n = 1};
	responder_start(&r);
	struct ag_heroku *h = client(r.port, NULL);
	char *url = ag_printf("http://127.0.0.1:%d/hooks/T1/B2/SECRETPART", r.port);
	struct ag_err err = {0};
	ck_assert_int_eq(ag_heroku_notify(h, url, "x", NULL, &err), -1);
	ck_assert_int_eq(err.kind, AG_ERR_HTTP);
	ck_assert_ptr_nonnull(strstr(err.msg, "/hooks/***"));
	ck_assert_msg(strstr(err.msg, "HTTP 500") != NULL, "%s", err.msg);
	ck_assert_ptr_null(strstr(err.msg, "SECRETPART"));
	ag_heroku_free(h);
	responder_stop(&r);
	ck_assert_uint_eq(r.got, 1); /* 5xx is not retried: the hook may have acted */
	free(url);
	responder_free(&r);
}
END_TEST

START_TEST(test_notify_429_is_retried)
{
	struct responder r = {.answers = {"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 0\r\n"
					  "Content-Length: 0\r\nConnection: close\r\n\r\n",
					  OK_TEXT},
			      .n = 2};
	responder_start(&r);
	struct ag_heroku *h = client(r.port, NULL);
	char *url = ag_printf("http://127.0.0.1:%d/hook", r.port);
	struct ag_err err = {0};
	ck_assert_int_eq(ag_heroku_notify(h, url, "x", NULL, &err), 0);
	ag_heroku_free(h);
	responder_stop(&r);
	ck_assert_uint_eq(r.got, 2);
	free(url);
	responder_free(&r);
}
END_TEST

static char *json_answer(const char *json)
{
	return ag_printf("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nRateLimit-Remaining: "
			 "4321\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%s",
			 strlen(json), json);
}

START_TEST(test_is_rollback)
{
	char *a1 = json_answer("[{\"version\": 42, \"status\": \"pending\", \"description\": "
			       "\"Rollback to v40\"}]");
	char *a2 = json_answer("{\"version\": 7, \"status\": \"pending\", \"description\": "
			       "\"Deploy 1a2b3c4\"}");
	struct responder r = {.answers = {a1, a2}, .n = 2};
	responder_start(&r);
	struct ag_heroku *h = client(r.port, "tok-SECRET-2");
	struct ag_err err = {0};
	char *what = NULL;
	ck_assert_int_eq(ag_heroku_is_rollback(h, "guestbook", 0, &what, &err), 1);
	ck_assert_str_eq(what, "v42 (\"Rollback to v40\")");
	free(what);
	ck_assert_int_eq(ag_heroku_ratelimit_remaining(h), 4321);
	ck_assert_int_eq(ag_heroku_is_rollback(h, "guestbook", 7, &what, &err), 0);
	ck_assert_str_eq(what, "v7 (\"Deploy 1a2b3c4\")");
	free(what);
	ag_heroku_free(h);
	responder_stop(&r);
	ck_assert_uint_eq(r.got, 2);
	ck_assert_ptr_nonnull(strstr(r.requests[0], "GET /apps/guestbook/releases HTTP/1.1\r\n"));
	ck_assert_ptr_nonnull(strstr(r.requests[0], "\r\nRange: version ..; max=1, order=desc\r\n"));
	ck_assert_ptr_nonnull(
		strstr(r.requests[0], "\r\nAccept: application/vnd.heroku+json; version=3\r\n"));
	ck_assert_ptr_nonnull(strstr(r.requests[0], "\r\nAuthorization: Bearer tok-SECRET-2\r\n"));
	ck_assert_ptr_nonnull(strstr(r.requests[1], "GET /apps/guestbook/releases/7 HTTP/1.1\r\n"));
	free(a1);
	free(a2);
	responder_free(&r);
}
END_TEST

START_TEST(test_output_cap_keeps_head_and_tail)
{
	struct ag_buf body = {0};
	for (int i = 0; i < 500; i++)
		ag_buf_addf(&body, "line %04d of the release output\n", i); /* 32 bytes a line */
	ag_buf_adds(&body, "FAILED: the end\n");
	char *a1 = ag_printf("HTTP/1.1 200 OK\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%s",
			     body.len, body.p);
	struct responder r = {.answers = {a1, a1}, .n = 2};
	responder_start(&r);
	struct ag_heroku *h = client(r.port, "tok-SECRET-3");
	char *url = ag_printf("http://127.0.0.1:%d/streams/abc?sig=SECRETSIG", r.port);
	struct ag_heroku_output out;
	struct ag_err err = {0};
	ck_assert_int_eq(ag_heroku_fetch_output(h, url, 4000, &out, &err), 0);
	ck_assert(out.truncated);
	ck_assert(!out.incomplete);
	ck_assert_uint_eq(out.received, body.len);
	ck_assert_uint_le(out.len, 4000 + 100);
	ck_assert_uint_eq(strlen(out.text), out.len);
	ck_assert_int_eq(strncmp(out.text, "line 0000 of", 12), 0);
	ck_assert_ptr_nonnull(strstr(out.text, "bytes left out by alembic-guard ...]\nline "));
	ck_assert_str_eq(out.text + out.len - 16, "FAILED: the end\n");
	ag_heroku_output_free(&out);
	/* Big enough: the text comes back whole. */
	ck_assert_int_eq(ag_heroku_fetch_output(h, url, body.len, &out, &err), 0);
	ck_assert(!out.truncated);
	ck_assert_uint_eq(out.len, body.len);
	ck_assert_str_eq(out.text, body.p);
	ag_heroku_output_free(&out);
	ag_heroku_free(h);
	responder_stop(&r);
	ck_assert_ptr_null(strcasestr(r.requests[0], "Authorization"));
	ck_assert_ptr_null(strstr(r.requests[0], "tok-SECRET-3"));
	ck_assert_ptr_nonnull(strstr(r.requests[0], "GET /streams/abc?sig=SECRETSIG HTTP/1.1\r\n"));
	free(url);
	free(a1);
	responder_free(&r);
	ag_buf_free(&body);
}
END_TEST

START_TEST(test_output_masks_the_token)
{
	/* A release phase that printed its environment. */
	static const char body[] = "HEROKU_API_KEY=tok-SECRET-4\ntok-SECRET-4 xtok-SECRET-4y stok\n";
	char *a1 = ag_printf("HTTP/1.1 200 OK\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%s",
			     strlen(body), body);
	struct responder r = {.answers = {a1}, .n = 1};
	responder_start(&r);
	struct ag_heroku *h = client(r.port, "tok-SECRET-4");
	char *url = ag_printf("http://127.0.0.1:%d/streams/abc", r.port);
	struct ag_heroku_output out;
	struct ag_err err = {0};
	ck_assert_int_eq(ag_heroku_fetch_output(h, url, 0, &out, &err), 0);
	/* Whole words only: a longer word that contains it is another word. */
	ck_assert_str_eq(out.text, "HEROKU_API_KEY=***\n*** xtok-SECRET-4y stok\n");
	ck_assert_uint_eq(out.len, strlen(out.text));
	ag_heroku_output_free(&out);
	ag_heroku_free(h);
	responder_stop(&r);
	free(url);
	free(a1);
	responder_free(&r);
}
END_TEST

START_TEST(test_refusals)
{
	struct ag_err err = {0};
	struct ag_heroku_opts o = {.api_url = "ftp://x", .token = "t"};
	ck_assert_ptr_null(ag_heroku_new(&o, &err));
	ck_assert_int_eq(err.kind, AG_ERR_USAGE);
	o.api_url = "http://api.example.invalid";
	ck_assert_ptr_null(ag_heroku_new(&o, &err));
	ck_assert_ptr_nonnull(strstr(err.msg, "refusing to send the Heroku API token over plain http"));
	o.api_url = "http://[::1]:5000";
	struct ag_heroku *h = ag_heroku_new(&o, &err);
	ck_assert_ptr_nonnull(h);
	ck_assert(ag_heroku_has_token(h));
	ck_assert_int_eq(ag_heroku_ratelimit_remaining(h), -1);
	ck_assert(!ag_heroku_rate_stopped(h));
	ag_heroku_free(h);
	o.api_url = "http://localhost.example.com";
	ck_assert_ptr_null(ag_heroku_new(&o, &err));
	o.api_url = "http://127.0.0.1:1";
	o.token = "has space";
	ck_assert_ptr_null(ag_heroku_new(&o, &err));
	ck_assert_ptr_null(strstr(err.msg, "has space"));
	o.token = NULL;
	o.api_url = "https://api.heroku.com";
	o.ca_file = "/nonexistent/ca.pem";
	ck_assert_ptr_null(ag_heroku_new(&o, &err));
	ck_assert_int_eq(err.kind, AG_ERR_CONFIG);
	ck_assert_ptr_nonnull(strstr(err.msg, "/nonexistent/ca.pem"));
	ck_assert_ptr_nonnull(strstr(err.msg, "SSL_CERT_FILE"));
	ag_heroku_free(NULL);

	/* Without a token, API calls are refused before any connection. */
	o.api_url = "http://127.0.0.1:1";
	o.ca_file = NULL;
	h = ag_heroku_new(&o, &err);
	ck_assert_ptr_nonnull(h);
	struct ag_heroku_releases rs;
	ck_assert_int_eq(ag_heroku_list_releases(h, "guestbook", NULL, &rs, &err), -1);
	ck_assert_int_eq(err.kind, AG_ERR_USAGE);
	ck_assert_ptr_nonnull(strstr(err.msg, "HEROKU_API_KEY"));
	/* A webhook to an https URL needs the bundle too; a bad scheme is refused. */
	ck_assert_int_eq(ag_heroku_notify(h, "mailto:x@y", "t", NULL, &err), -1);
	ck_assert_int_eq(err.kind, AG_ERR_USAGE);
	ag_heroku_free(h);
}
END_TEST

START_TEST(test_connection_refused)
{
	/* A port that was free a moment ago: nothing listens there. */
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(fd, (struct sockaddr *)&a, sizeof a);
	socklen_t al = sizeof a;
	getsockname(fd, (struct sockaddr *)&a, &al);
	int port = ntohs(a.sin_port);
	close(fd);
	char *api = ag_printf("http://127.0.0.1:%d", port);
	struct ag_heroku_opts o = {.api_url = api, .token = "tok-SECRET-4", .retries = -1};
	struct ag_err err = {0};
	struct ag_heroku *h = ag_heroku_new(&o, &err);
	ck_assert_ptr_nonnull(h);
	struct ag_heroku_release rel;
	ck_assert_int_eq(ag_heroku_get_release(h, "guestbook", 3, &rel, &err), -1);
	ck_assert_int_eq(err.kind, AG_ERR_HTTP);
	ck_assert_ptr_nonnull(strstr(err.msg, "reading release v3 of guestbook"));
	ck_assert_ptr_null(strstr(err.msg, "tok-SECRET-4"));
	ag_heroku_free(h);
	free(api);
}
END_TEST

Suite *heroku_suite(void)
{
	Suite *s = suite_create("heroku");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_range);
	tcase_add_test(tc, test_retry_after);
	tcase_add_test(tc, test_mask_url);
	tcase_add_test(tc, test_api_error);
	tcase_add_test(tc, test_parse_releases);
	tcase_add_test(tc, test_versions_and_apps);
	tcase_add_test(tc, test_context);
	tcase_add_test(tc, test_notice);
	suite_add_tcase(s, tc);
	tc = tcase_create("errors");
	tcase_add_test(tc, test_parse_malformed);
	tcase_add_test(tc, test_refusals);
	suite_add_tcase(s, tc);
	tc = tcase_create("client");
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_notify_posts_without_the_token);
	tcase_add_test(tc, test_notify_failure_is_masked);
	tcase_add_test(tc, test_notify_429_is_retried);
	tcase_add_test(tc, test_is_rollback);
	tcase_add_test(tc, test_output_cap_keeps_head_and_tail);
	tcase_add_test(tc, test_output_masks_the_token);
	tcase_add_test(tc, test_connection_refused);
	suite_add_tcase(s, tc);
	return s;
}
