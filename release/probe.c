/* release/probe.c: proves the static prefix of release/build-static.sh.
 *
 *   probe-static               print the library versions, self-test inih and jansson
 *   probe-static CONNINFO      ... then connect to PostgreSQL and say whether TLS is in use
 *   probe-static CONNINFO SQL  ... then run SQL and print its rows (tab-separated)
 *   probe-static --get URL     ... then GET URL with libcurl (HTTPS: the CA bundle is
 *                              $SSL_CERT_FILE, else /etc/ssl/certs/ca-certificates.crt,
 *                              as the program sets it) and print the status and TLS
 *
 * Exit: 0 ok, 1 a self-test failed, 3 the connection, the query or the GET failed. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <ini.h>
#include <jansson.h>
#include <libpq-fe.h>

struct ini_seen {
	int entries;
	bool comment_kept;
	size_t long_len;
};

static int on_entry(void *user, const char *section, const char *name, const char *value)
{
	struct ini_seen *s = user;
	s->entries++;
	if (strcmp(section, "alembic") == 0 && strcmp(name, "script_location") == 0)
		s->comment_kept = strcmp(value, "migrations ; not a comment") == 0;
	if (strcmp(name, "long") == 0)
		s->long_len = strlen(value);
	return 1;
}

/* Debian's libinih has run-time settings; the program sets them as here. */
static bool inih_selftest(void)
{
	enum { LONG = 5000 };
	char *text = malloc(LONG + 100);
	if (!text)
		return false;
	int n = snprintf(text, 100, "[alembic]\nscript_location = migrations ; not a comment\nlong = ");
	memset(text + n, 'x', LONG);
	strcpy(text + n + LONG, "\n");
	ini_allow_inline_comments = false;
	ini_use_stack = false;
	ini_allow_realloc = true;
	ini_max_line = 1 << 20;
	struct ini_seen s = {0};
	int r = ini_parse_string(text, on_entry, &s);
	free(text);
	return r == 0 && s.entries == 2 && s.comment_kept && s.long_len == LONG;
}

static bool jansson_selftest(void)
{
	json_t *j = json_pack("{s:s, s:i}", "probe", "static", "n", 1);
	char *out = j ? json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT) : NULL;
	bool ok = out && strcmp(out, "{\"n\":1,\"probe\":\"static\"}") == 0;
	free(out);
	json_decref(j);
	return ok;
}

static size_t discard(char *p, size_t size, size_t n, void *user)
{
	(void)p;
	*(size_t *)user += size * n;
	return size * n;
}

/* GET url; 0 on a 2xx answer, else 3. */
static int http_get(const char *url)
{
	const char *ca = getenv("SSL_CERT_FILE");
	size_t body = 0;
	long status = 0;
	if (!ca || !*ca)
		ca = "/etc/ssl/certs/ca-certificates.crt";
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return 3;
	CURL *c = curl_easy_init();
	if (!c)
		return 3;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CAINFO, ca);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	CURLcode r = curl_easy_perform(c);
	int rc = 3;
	if (r != CURLE_OK) {
		fprintf(stderr, "probe: GET %s failed: %s (%d)\n", url, curl_easy_strerror(r), (int)r);
	} else {
		long ver = 0;
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
		curl_easy_getinfo(c, CURLINFO_HTTP_VERSION, &ver);
		printf("GET %s: HTTP %s %ld, %zu bytes, CA bundle %s\n", url,
		       ver == CURL_HTTP_VERSION_1_0   ? "1.0"
		       : ver == CURL_HTTP_VERSION_1_1 ? "1.1"
		                                      : "other",
		       status, body, ca);
		rc = status >= 200 && status < 300 ? 0 : 3;
	}
	curl_easy_cleanup(c);
	curl_global_cleanup();
	return rc;
}

int main(int argc, char **argv)
{
	const curl_version_info_data *cv = curl_version_info(CURLVERSION_NOW);
	bool ini_ok = inih_selftest(), json_ok = jansson_selftest();
	bool curl_tls = cv->ssl_version && (cv->features & CURL_VERSION_SSL);

	printf("libpq %d\n", PQlibVersion());
	printf("libcurl %s (%s)\n", cv->version, cv->ssl_version ? cv->ssl_version : "no TLS");
	printf("jansson %s: %s\n", jansson_version_str(), json_ok ? "ok" : "FAILED");
	printf("inih runtime settings: %s\n", ini_ok ? "ok" : "FAILED");
	printf("libpq TLS support: %s\n", PQsslAttribute(NULL, "library") ? PQsslAttribute(NULL, "library") : "none");
	int rc = ini_ok && json_ok && curl_tls ? 0 : 1;
	if (argc < 2)
		return rc;
	if (strcmp(argv[1], "--get") == 0) {
		if (argc != 3) {
			fprintf(stderr, "usage: probe-static --get URL\n");
			return 1;
		}
		int g = http_get(argv[2]);
		return g ? g : rc;
	}

	PGconn *c = PQconnectdb(argv[1]);
	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "probe: connection failed: %s", PQerrorMessage(c));
		PQfinish(c);
		return 3;
	}
	printf("ssl in use: %s\n", PQsslInUse(c) ? "yes" : "no");
	if (PQsslInUse(c))
		printf("ssl protocol: %s, cipher: %s\n", PQsslAttribute(c, "protocol"),
		       PQsslAttribute(c, "cipher"));
	if (argc > 2) {
		PGresult *res = PQexec(c, argv[2]);
		if (PQresultStatus(res) != PGRES_TUPLES_OK && PQresultStatus(res) != PGRES_COMMAND_OK) {
			fprintf(stderr, "probe: query failed: %s", PQerrorMessage(c));
			rc = 3;
		} else {
			for (int i = 0; i < PQntuples(res); i++)
				for (int k = 0; k < PQnfields(res); k++)
					printf("%s%s", PQgetvalue(res, i, k), k + 1 < PQnfields(res) ? "\t" : "\n");
		}
		PQclear(res);
	}
	PQfinish(c);
	return rc;
}
