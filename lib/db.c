#include "db.h"

#include <libpq-fe.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct ag_db {
	PGconn *conn;
	char *target;   /* user@host:port/db */
	char *password; /* NULL or malloced: to scrub from messages */
	int statement_ms, lock_ms; /* the guard's time limits */
	bool in_tx;     /* ag_db_begin_read opened a read-only transaction */
};

const char *ag_db_lib_version(void)
{
	static char buf[32];
	int v = PQlibVersion();
	snprintf(buf, sizeof buf, "%d.%d", v / 10000, v % 10000);
	return buf;
}

char *ag_db_table_name(const char *schema, const char *table)
{
	return schema && *schema ? ag_printf("%s.%s", schema, table) : ag_strdup(table);
}

/* Folds a libpq message onto one line and masks the password in it, as
 * a last line of defence: the connection parameters never reach a
 * message, but a server or library could still echo one. New. */
static char *scrub(const char *msg, const char *secret)
{
	struct ag_buf b = {0};
	ag_buf_adds(&b, "");
	for (const char *p = msg; *p; p++) {
		char c = (*p == '\n' || *p == '\r' || *p == '\t') ? ' ' : *p;
		if (c != ' ' || (b.len && b.p[b.len - 1] != ' '))
			ag_buf_addc(&b, c);
	}
	/* libpq ends messages with a newline; trim the trailing spaces it left. */
	while (b.len && b.p[b.len - 1] == ' ')
		b.p[--b.len] = '\0';
	char *one = ag_buf_take(&b);
	char *masked = ag_mask_word(one, secret);
	free(one);
	return masked;
}

/* libpq's message without repeated lines: with sslmode=prefer it tries
 * TLS, then plain, and says the same failure once for each. New (free()). */
static char *unique_lines(const char *msg)
{
	struct ag_buf b = {0};
	ag_buf_adds(&b, "");
	for (const char *p = msg; *p;) {
		size_t n = strcspn(p, "\n");
		bool seen = false;
		for (const char *q = b.p; !seen && q < b.p + b.len;) {
			size_t k = strcspn(q, "\n");
			seen = k == n && memcmp(q, p, n) == 0;
			q += k + (q[k] == '\n');
		}
		if (!seen && n) {
			ag_buf_add(&b, p, n);
			ag_buf_addc(&b, '\n');
		}
		p += n + (p[n] == '\n');
	}
	return ag_buf_take(&b);
}

static int db_fail(struct ag_db *db, struct ag_err *err, const char *what, const char *pqmsg)
{
	char *once = unique_lines(pqmsg ? pqmsg : "unknown error");
	char *m = scrub(once, db ? db->password : NULL);
	free(once);
	ag_err_set(err, AG_ERR_DB, "%s: %s", what, m);
	free(m);
	return -1;
}

/* --- Parsing the URL ----------------------------------------------------
 * libpq's own parser quotes the string it fails on, and splits the user
 * info at the first '/' or '@', so a password that is not (or wrongly)
 * percent-encoded ends up in a host name or an error message. The URL is
 * split here instead, as SQLAlchemy does (the password runs to the last
 * '@'), percent-decoded leniently as Python's unquote does (a '%' not
 * followed by two hex digits is kept), and handed to libpq as separate
 * keywords with expand_dbname off, so libpq parses nothing of it. No
 * message below quotes a value: only keywords, which are checked against
 * libpq's list before they are shown. */

struct params {
	struct ag_strv keys, vals;
};

static void params_set(struct params *p, const char *key, char *val)
{
	for (size_t i = 0; i < p->keys.n; i++) {
		if (strcmp(p->keys.v[i], key) == 0) {
			free(p->vals.v[i]);
			p->vals.v[i] = val;
			return;
		}
	}
	ag_strv_push(&p->keys, key);
	ag_strv_push_take(&p->vals, val);
}

static const char *params_get(const struct params *p, const char *key)
{
	for (size_t i = 0; i < p->keys.n; i++)
		if (strcmp(p->keys.v[i], key) == 0)
			return p->vals.v[i];
	return NULL;
}

static void params_free(struct params *p)
{
	for (size_t i = 0; i < p->vals.n; i++)
		explicit_bzero(p->vals.v[i], strlen(p->vals.v[i]));
	ag_strv_free(&p->keys);
	ag_strv_free(&p->vals);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* s[0..n) percent-decoded into *out (new); -1 when it decodes to a NUL
 * byte, which no C string (and no libpq keyword) can carry. */
static int pct_decode(const char *s, size_t n, char **out)
{
	struct ag_buf b = {0};
	ag_buf_adds(&b, "");
	for (size_t i = 0; i < n; i++) {
		int hi, lo;
		if (s[i] == '%' && i + 2 < n && (hi = hexval(s[i + 1])) >= 0 &&
		    (lo = hexval(s[i + 2])) >= 0) {
			if (hi == 0 && lo == 0) {
				explicit_bzero(b.p, b.len);
				ag_buf_free(&b);
				return -1;
			}
			ag_buf_addc(&b, (char)(hi * 16 + lo));
			i += 2;
		} else {
			ag_buf_addc(&b, s[i]);
		}
	}
	*out = ag_buf_take(&b);
	return 0;
}

/* Whether libpq knows key as a connection keyword. */
static bool known_keyword(const PQconninfoOption *defs, const char *key)
{
	for (const PQconninfoOption *o = defs; o && o->keyword; o++)
		if (strcmp(o->keyword, key) == 0)
			return true;
	return false;
}

/* key as it may be shown: printable ASCII, at most 40 bytes; else NULL. */
static bool showable(const char *key)
{
	size_t n = strlen(key);
	if (n == 0 || n > 40)
		return false;
	for (const char *p = key; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == '_' || *p == '-' || *p == '.'))
			return false;
	return true;
}

static int add_param(struct params *p, const PQconninfoOption *defs, const char *what,
		     const char *key, char *val, struct ag_err *err)
{
	if (!known_keyword(defs, key)) {
		explicit_bzero(val, strlen(val));
		free(val);
		if (showable(key))
			return ag_err_set(err, AG_ERR_USAGE,
					  "the database %s has the parameter '%s', which libpq does not "
					  "know (see the connection parameters in PostgreSQL's libpq "
					  "documentation)",
					  what, key);
		return ag_err_set(err, AG_ERR_USAGE,
				  "the database %s has a parameter name that libpq does not know", what);
	}
	params_set(p, key, val);
	return 0;
}

/* One decoded URL component into *out; -1 with err naming the part. */
static int url_part(const char *s, size_t n, const char *part, char **out, struct ag_err *err)
{
	if (pct_decode(s, n, out) < 0)
		return ag_err_set(err, AG_ERR_USAGE,
				  "the database URL's %s contains %%00, which libpq cannot pass on", part);
	return 0;
}

/* host1[:port1],[v6]:port2,... into the "host" and "port" lists libpq
 * takes for several hosts. */
static int url_hosts(const char *s, size_t n, struct params *p, struct ag_err *err)
{
	struct ag_buf hosts = {0}, ports = {0};
	ag_buf_adds(&hosts, "");
	ag_buf_adds(&ports, "");
	bool any_host = false, any_port = false;
	const char *end = s + n;
	for (const char *e = s; e <= end;) {
		const char *comma = memchr(e, ',', (size_t)(end - e));
		const char *ee = comma ? comma : end;
		const char *h = e, *he, *port = NULL;
		if (e < ee && *e == '[') {
			const char *rb = memchr(e, ']', (size_t)(ee - e));
			if (!rb) {
				ag_buf_free(&hosts);
				ag_buf_free(&ports);
				return ag_err_set(err, AG_ERR_USAGE,
						  "the database URL has an IPv6 host without its closing ']'");
			}
			h = e + 1;
			he = rb;
			if (rb + 1 < ee && rb[1] == ':')
				port = rb + 2;
			else if (rb + 1 < ee) {
				ag_buf_free(&hosts);
				ag_buf_free(&ports);
				return ag_err_set(err, AG_ERR_USAGE,
						  "the database URL has text after an IPv6 host's ']' that "
						  "is not ':PORT'");
			}
		} else {
			const char *colon = memchr(e, ':', (size_t)(ee - e));
			he = colon ? colon : ee;
			port = colon ? colon + 1 : NULL;
		}
		char *hv = NULL, *pv = NULL;
		if (url_part(h, (size_t)(he - h), "host", &hv, err) < 0 ||
		    (port && url_part(port, (size_t)(ee - port), "port", &pv, err) < 0)) {
			free(hv);
			ag_buf_free(&hosts);
			ag_buf_free(&ports);
			return -1;
		}
		any_host |= *hv != '\0';
		any_port |= pv && *pv;
		ag_buf_addf(&hosts, "%s%s", e == s ? "" : ",", hv);
		ag_buf_addf(&ports, "%s%s", e == s ? "" : ",", pv ? pv : "");
		free(hv);
		free(pv);
		if (!comma)
			break;
		e = comma + 1;
	}
	if (any_host)
		params_set(p, "host", ag_buf_take(&hosts));
	if (any_port)
		params_set(p, "port", ag_buf_take(&ports));
	ag_buf_free(&hosts);
	ag_buf_free(&ports);
	return 0;
}

static int parse_url(const char *rest, const PQconninfoOption *defs, struct params *p,
		     struct ag_err *err)
{
	/* The user info runs to the last '@': a password may hold '/', '?',
	 * '#', ':' or '@' unencoded, and is never split at them. */
	const char *at = strrchr(rest, '@');
	const char *host = rest;
	if (at) {
		const char *colon = memchr(rest, ':', (size_t)(at - rest));
		const char *ue = colon ? colon : at;
		char *v;
		if (url_part(rest, (size_t)(ue - rest), "user name", &v, err) < 0)
			return -1;
		if (*v)
			params_set(p, "user", v);
		else
			free(v);
		if (colon) {
			if (pct_decode(colon + 1, (size_t)(at - colon - 1), &v) < 0)
				return ag_err_set(err, AG_ERR_USAGE,
						  "the database URL's password contains %%00, which libpq "
						  "cannot pass on");
			params_set(p, "password", v);
		}
		host = at + 1;
	}
	size_t hn = strcspn(host, "/?");
	if (url_hosts(host, hn, p, err) < 0)
		return -1;
	const char *s = host + hn;
	if (*s == '/') {
		s++;
		size_t dn = strcspn(s, "?");
		char *v;
		if (url_part(s, dn, "database name", &v, err) < 0)
			return -1;
		if (*v)
			params_set(p, "dbname", v);
		else
			free(v);
		s += dn;
	}
	if (*s != '?')
		return 0;
	for (s++; *s;) {
		size_t n = strcspn(s, "&");
		const char *eq = memchr(s, '=', n);
		if (n && !eq)
			return ag_err_set(err, AG_ERR_USAGE,
					  "the database URL has a parameter without '=' (write "
					  "?name=value&name=value; percent-encode '&' and '=' in values)");
		if (n) {
			char *k, *v;
			if (url_part(s, (size_t)(eq - s), "parameter name", &k, err) < 0)
				return -1;
			if (url_part(eq + 1, (size_t)(s + n - eq - 1), "parameter value", &v, err) < 0) {
				free(k);
				return -1;
			}
			/* libpq's URI form takes ssl=true for JDBC's sake. */
			if (strcmp(k, "ssl") == 0 && strcmp(v, "true") == 0) {
				free(k);
				free(v);
				k = ag_strdup("sslmode");
				v = ag_strdup("require");
			}
			int rc = add_param(p, defs, "URL", k, v, err);
			free(k);
			if (rc < 0)
				return -1;
		}
		s += n;
		if (*s == '&')
			s++;
	}
	return 0;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* key=value key='quoted value' ..., as libpq reads it (backslash escapes
 * the next byte, in quotes and out). */
static int parse_conninfo(const char *s, const PQconninfoOption *defs, struct params *p,
			  struct ag_err *err)
{
	for (;;) {
		while (is_space(*s))
			s++;
		if (!*s)
			return 0;
		const char *k = s;
		while (*s && *s != '=' && !is_space(*s))
			s++;
		const char *ke = s;
		while (is_space(*s))
			s++;
		if (*s != '=')
			return ag_err_set(err, AG_ERR_USAGE,
					  "the database connection string has a word without '=' after "
					  "it (write name=value pairs; quote values with spaces as "
					  "name='a value')");
		s++;
		while (is_space(*s))
			s++;
		struct ag_buf v = {0};
		ag_buf_adds(&v, "");
		if (*s == '\'') {
			for (s++; *s && *s != '\''; s++) {
				if (*s == '\\' && s[1])
					s++;
				ag_buf_addc(&v, *s);
			}
			if (*s != '\'') {
				explicit_bzero(v.p, v.len);
				ag_buf_free(&v);
				return ag_err_set(err, AG_ERR_USAGE,
						  "the database connection string has a quoted value "
						  "without its closing quote");
			}
			s++;
		} else {
			for (; *s && !is_space(*s); s++) {
				if (*s == '\\' && s[1])
					s++;
				ag_buf_addc(&v, *s);
			}
		}
		char *key = ag_strndup(k, (size_t)(ke - k));
		int rc = add_param(p, defs, "connection string", key, ag_buf_take(&v), err);
		free(key);
		if (rc < 0)
			return -1;
	}
}

int ag_db_parse_url(const char *url, struct ag_strv *keys, struct ag_strv *vals,
		    struct ag_err *err)
{
	if (!url || !*url)
		return ag_err_set(err, AG_ERR_USAGE,
				  "no database URL: pass --database-url, set DATABASE_URL, or set "
				  "sqlalchemy.url in alembic.ini");
	/* libpq's keywords, without PQconndefaults' look at the environment
	 * and the password database: parsing the empty string lists them. */
	PQconninfoOption *defs = PQconninfoParse("", NULL);
	if (!defs)
		return ag_err_set(err, AG_ERR_INTERNAL, "libpq is out of memory");
	struct params p = {0};
	int rc;
	const char *sep = strstr(url, "://");
	size_t sl = sep ? (size_t)(sep - url) : 0;
	/* SQLAlchemy's postgresql+psycopg2:// and friends name a driver. */
	if (sep && ((sl == 10 && strncmp(url, "postgresql", 10) == 0) ||
		    (sl == 8 && strncmp(url, "postgres", 8) == 0) ||
		    strncmp(url, "postgresql+", 11) == 0 || strncmp(url, "postgres+", 9) == 0)) {
		rc = parse_url(sep + 3, defs, &p, err);
	} else if (sep) {
		/* The scheme is shown only when it looks like one. */
		bool plain = sl > 0 && sl <= 40;
		for (size_t i = 0; plain && i < sl; i++)
			plain = (url[i] >= 'a' && url[i] <= 'z') || (url[i] >= 'A' && url[i] <= 'Z') ||
				(url[i] >= '0' && url[i] <= '9') || url[i] == '+' || url[i] == '.' ||
				url[i] == '-';
		if (plain)
			rc = ag_err_set(err, AG_ERR_USAGE,
					"the database URL has the scheme '%.*s'; alembic-guard reads "
					"PostgreSQL only (postgres:// or postgresql://)",
					(int)sl, url);
		else
			rc = ag_err_set(err, AG_ERR_USAGE,
					"the database URL does not start with postgres:// or "
					"postgresql://");
	} else if (strchr(url, '=')) {
		rc = parse_conninfo(url, defs, &p, err);
	} else {
		rc = ag_err_set(err, AG_ERR_USAGE,
				"the database URL is neither a postgresql:// URL nor name=value "
				"connection parameters");
	}
	PQconninfoFree(defs);
	/* A parameter name that happens to be the password is still masked. */
	const char *pw = params_get(&p, "password");
	if (rc < 0 && err && pw && *pw) {
		char *m = ag_mask_word(err->msg, pw);
		snprintf(err->msg, sizeof err->msg, "%s", m);
		free(m);
	}
	if (rc == 0) {
		for (size_t i = 0; i < p.keys.n; i++) {
			ag_strv_push(keys, p.keys.v[i]);
			ag_strv_push(vals, p.vals.v[i]);
		}
	}
	params_free(&p);
	return rc;
}

static bool is_local_host(const char *h)
{
	return !h || !*h || h[0] == '/' || h[0] == '@' || strcmp(h, "localhost") == 0 ||
	       strncmp(h, "127.", 4) == 0 || strcmp(h, "::1") == 0;
}

/* Whether every host of a comma-separated list is this machine. */
static bool all_local(const char *hosts)
{
	if (!hosts || !*hosts)
		return true;
	bool local = true;
	char *copy = ag_strdup(hosts);
	for (char *save = NULL, *h = strtok_r(copy, ",", &save); h; h = strtok_r(NULL, ",", &save))
		local &= is_local_host(h);
	free(copy);
	return local;
}

/* A configuration mistake that libpq would only find while connecting
 * (and report as a connection failure): checked here so it is exit 2.
 * from: where the value came from, for the message. */
static int check_values(const char *sslmode, const char *sslfrom, const char *port,
			const char *portfrom, struct ag_err *err)
{
	static const char *const modes[] = {"disable", "allow",     "prefer",
					    "require", "verify-ca", "verify-full"};
	if (sslmode) {
		bool ok = false;
		for (size_t i = 0; i < AG_ARRAY_LEN(modes); i++)
			ok |= strcmp(sslmode, modes[i]) == 0;
		if (!ok)
			return ag_err_set(err, AG_ERR_USAGE,
					  "the sslmode in %s is not one of disable, allow, prefer, "
					  "require, verify-ca, verify-full",
					  sslfrom);
	}
	for (const char *s = port; s && *s;) {
		size_t n = strcspn(s, ",");
		long v = 0;
		bool ok = n <= 5;
		for (size_t i = 0; ok && i < n; i++) {
			ok = s[i] >= '0' && s[i] <= '9';
			v = v * 10 + (s[i] - '0');
		}
		/* An empty entry in a list means the default port. */
		if (!ok || (n && (v < 1 || v > 65535)))
			return ag_err_set(err, AG_ERR_USAGE,
					  "the port in %s is not a number from 1 to 65535", portfrom);
		s += n;
		if (*s == ',')
			s++;
	}
	return 0;
}

/* An environment value libpq will use (PGHOST, PGPORT, PGSSLMODE), as
 * PQconndefaults reports it; NULL when none. envvar names it. */
static const char *env_default(const PQconninfoOption *defs, const char *key, const char **envvar)
{
	for (const PQconninfoOption *o = defs; o && o->keyword; o++) {
		if (strcmp(o->keyword, key) != 0)
			continue;
		*envvar = o->envvar ? o->envvar : key;
		/* The compiled default is no choice of the user's. */
		if (!o->val || (o->compiled && strcmp(o->val, o->compiled) == 0))
			return NULL;
		return o->val;
	}
	return NULL;
}

struct ag_db *ag_db_connect(const struct ag_db_opts *opts, struct ag_err *err)
{
	struct ag_strv keys = {0}, vals = {0};
	if (ag_db_parse_url(opts->url, &keys, &vals, err) < 0)
		return NULL;
	struct params p = {.keys = keys, .vals = vals};
	PQconninfoOption *defs = PQconndefaults();
	if (!defs) {
		params_free(&p);
		ag_err_set(err, AG_ERR_INTERNAL, "libpq is out of memory");
		return NULL;
	}
	const char *envhost, *envport, *envssl, *v;
	const char *dhost = env_default(defs, "host", &envhost);
	const char *dhostaddr = env_default(defs, "hostaddr", &envhost);
	(void)envhost;
	const char *dport = env_default(defs, "port", &envport);
	const char *dssl = env_default(defs, "sslmode", &envssl);
	char portfrom[32], sslfrom[32];
	snprintf(portfrom, sizeof portfrom, "%s", params_get(&p, "port") ? "the URL" : envport);
	snprintf(sslfrom, sizeof sslfrom, "%s", params_get(&p, "sslmode") ? "the URL" : envssl);
	const char *sslmode = (v = params_get(&p, "sslmode")) ? v : dssl;
	const char *port = (v = params_get(&p, "port")) ? v : dport;
	int bad = check_values(sslmode, sslfrom, port, portfrom, err);
	/* Heroku Postgres refuses plain connections: require TLS for remote
	 * hosts unless the user chose a mode, wherever the host came from (the
	 * URL, PGHOST or PGHOSTADDR). */
	const char *host = (v = params_get(&p, "host")) ? v : dhost;
	const char *hostaddr = (v = params_get(&p, "hostaddr")) ? v : dhostaddr;
	bool remote = !all_local(host) || (hostaddr && !all_local(hostaddr));
	if (!sslmode && !opts->sslmode_from_env && remote)
		params_set(&p, "sslmode", ag_strdup("require"));
	if (bad < 0) {
		PQconninfoFree(defs);
		params_free(&p);
		return NULL;
	}
	if (!params_get(&p, "connect_timeout"))
		params_set(&p, "connect_timeout",
			   ag_printf("%d", opts->connect_timeout > 0 ? opts->connect_timeout : 10));
	if (!params_get(&p, "application_name"))
		params_set(&p, "application_name",
			   ag_strdup(opts->application_name ? opts->application_name : "alembic-guard"));

	struct ag_db *db = ag_calloc(1, sizeof *db);
	const char *pw = params_get(&p, "password");
	db->password = pw && *pw ? ag_strdup(pw) : NULL;
	/* expand_dbname 0: a dbname is a name, never parsed as a URL again. */
	db->conn = PQconnectdbParams((const char *const *)p.keys.v, (const char *const *)p.vals.v, 0);
	const char *user = params_get(&p, "user"), *dbname = params_get(&p, "dbname");
	if (!db->conn) {
		PQconninfoFree(defs);
		params_free(&p);
		ag_db_close(db);
		ag_err_set(err, AG_ERR_INTERNAL, "cannot connect: libpq is out of memory");
		return NULL;
	}
	const char *h = PQhost(db->conn);
	const char *u = PQuser(db->conn);
	const char *pt = PQport(db->conn);
	const char *d = PQdb(db->conn);
	db->target = ag_printf("%s@%s:%s/%s", u && *u ? u : (user ? user : "?"),
			       h && *h ? h : (host ? host : "local socket"),
			       pt && *pt ? pt : (port && *port ? port : "5432"),
			       d && *d ? d : (dbname ? dbname : "?"));
	/* The target is shown; it holds no password, but mask it all the same. */
	char *t = ag_mask_word(db->target, db->password);
	free(db->target);
	db->target = t;
	/* host and port may point into defs or p: freed only now. */
	PQconninfoFree(defs);
	params_free(&p);
	if (PQstatus(db->conn) != CONNECTION_OK) {
		char *what = ag_printf("cannot connect to %s", db->target);
		db_fail(db, err, what, PQerrorMessage(db->conn));
		free(what);
		ag_db_close(db);
		return NULL;
	}
	/* The guard's own time limits, set in the session after connecting:
	 * options in the URL or PGOPTIONS stay the user's and cannot remove
	 * them (a locked version table must not hang the release phase). */
	db->statement_ms = opts->statement_timeout_ms > 0 ? opts->statement_timeout_ms : 30000;
	db->lock_ms = opts->lock_timeout_ms > 0 ? opts->lock_timeout_ms : 10000;
	char *set = ag_printf("SET statement_timeout = %d; SET lock_timeout = %d", db->statement_ms,
			      db->lock_ms);
	PGresult *r = PQexec(db->conn, set);
	free(set);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		char *what = ag_printf("cannot set the time limits on %s", db->target);
		db_fail(db, err, what, PQresultErrorMessage(r));
		free(what);
		PQclear(r);
		ag_db_close(db);
		return NULL;
	}
	PQclear(r);
	return db;
}

void ag_db_close(struct ag_db *db)
{
	if (!db)
		return;
	if (db->conn)
		PQfinish(db->conn);
	free(db->target);
	if (db->password) {
		memset(db->password, 0, strlen(db->password));
		free(db->password);
	}
	free(db);
}

const char *ag_db_target(const struct ag_db *db)
{
	return db->target;
}

/* Runs a command that returns no rows; -1 with err set on failure. */
static int exec_ok(struct ag_db *db, const char *sql, struct ag_err *err)
{
	PGresult *r = PQexec(db->conn, sql);
	ExecStatusType st = PQresultStatus(r);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		db_fail(db, err, "query failed", PQresultErrorMessage(r));
		PQclear(r);
		return -1;
	}
	PQclear(r);
	return 0;
}

static char *quote_ident(struct ag_db *db, const char *name)
{
	char *q = PQescapeIdentifier(db->conn, name, strlen(name));
	if (!q)
		return NULL;
	char *c = ag_strdup(q);
	PQfreemem(q);
	return c;
}

/* "schema"."table" or "table", quoted; NULL with err set. */
static char *qualified(struct ag_db *db, const char *schema, const char *table, struct ag_err *err)
{
	char *t = quote_ident(db, table);
	char *s = schema && *schema ? quote_ident(db, schema) : NULL;
	if (!t || (schema && *schema && !s)) {
		free(t);
		free(s);
		db_fail(db, err, "cannot quote the version table name", PQerrorMessage(db->conn));
		return NULL;
	}
	char *q = s ? ag_printf("%s.%s", s, t) : ag_strdup(t);
	free(t);
	free(s);
	return q;
}

/* Whether the schema exists; -1 with err set when the query fails. */
static int schema_exists(struct ag_db *db, const char *schema, struct ag_err *err)
{
	const char *params[1] = {schema};
	PGresult *r = PQexecParams(db->conn, "SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1",
				   1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		db_fail(db, err, "cannot look for the version table's schema", PQresultErrorMessage(r));
		PQclear(r);
		return -1;
	}
	int n = PQntuples(r);
	PQclear(r);
	return n > 0;
}

/* Reads the rows of the table q (quoted); -1 with err set. */
static int read_rows(struct ag_db *db, const char *q, struct ag_strv *rows, struct ag_err *err)
{
	char *sql = ag_printf("SELECT version_num FROM %s", q);
	PGresult *r = PQexec(db->conn, sql);
	free(sql);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		db_fail(db, err, "cannot read the version table", PQresultErrorMessage(r));
		PQclear(r);
		return -1;
	}
	int rc = 0;
	for (int i = 0; i < PQntuples(r); i++) {
		/* Alembic reads NULL as no revision and would run every migration
		 * again on top of the schema; an empty table it is not. */
		if (PQgetisnull(r, i, 0)) {
			rc = ag_err_set(err, AG_ERR_DB,
					"the version table %s has a row whose version_num is NULL, which "
					"names no revision; remove it once you know which revision the "
					"schema is at: DELETE FROM %s WHERE version_num IS NULL;",
					q, q);
			break;
		}
		ag_strv_push(rows, PQgetvalue(r, i, 0));
	}
	PQclear(r);
	return rc;
}

/* Ends a failed read-only transaction: nothing was written, so a
 * ROLLBACK loses nothing. */
static void abort_tx(struct ag_db *db)
{
	PQclear(PQexec(db->conn, "ROLLBACK"));
	db->in_tx = false;
}

int ag_db_begin_read(struct ag_db *db, struct ag_err *err)
{
	if (db->in_tx)
		return 0;
	if (exec_ok(db, "BEGIN TRANSACTION READ ONLY", err) < 0)
		return -1;
	db->in_tx = true;
	/* Again in the transaction: behind a pooler in transaction mode the
	 * session's settings may belong to another server connection. */
	char *set = ag_printf("SET LOCAL statement_timeout = %d; SET LOCAL lock_timeout = %d",
			      db->statement_ms, db->lock_ms);
	int rc = exec_ok(db, set, err);
	free(set);
	if (rc < 0)
		abort_tx(db);
	return rc;
}

int ag_db_end_read(struct ag_db *db, struct ag_err *err)
{
	if (!db || !db->in_tx)
		return 0;
	db->in_tx = false;
	return exec_ok(db, "COMMIT", err);
}

void ag_db_result_free(struct ag_db_result *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nrows * r->ncols; i++)
		free(r->v[i]);
	free(r->v);
	memset(r, 0, sizeof *r);
}

int ag_db_select(struct ag_db *db, const char *what, const char *sql, int nparams,
		 const char *const *params, struct ag_db_result *out, struct ag_err *err)
{
	memset(out, 0, sizeof *out);
	if (!db->in_tx)
		return ag_err_set(err, AG_ERR_INTERNAL, "%s: not in a read-only transaction", what);
	PGresult *r = PQexecParams(db->conn, sql, nparams, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		char *w = ag_printf("cannot read %s", what);
		db_fail(db, err, w, PQresultErrorMessage(r));
		free(w);
		PQclear(r);
		abort_tx(db);
		return -1;
	}
	out->nrows = (size_t)PQntuples(r);
	out->ncols = (size_t)PQnfields(r);
	out->v = ag_calloc(out->nrows * out->ncols + 1, sizeof *out->v);
	for (size_t i = 0; i < out->nrows; i++)
		for (size_t c = 0; c < out->ncols; c++)
			if (!PQgetisnull(r, (int)i, (int)c))
				out->v[i * out->ncols + c] = ag_strdup(PQgetvalue(r, (int)i, (int)c));
	PQclear(r);
	return 0;
}

int ag_db_read_versions(struct ag_db *db, const char *schema, const char *table, bool *exists,
			struct ag_strv *rows, struct ag_err *err)
{
	*exists = false;
	/* Inside the caller's transaction (pre-flight reads the catalog in
	 * the same snapshot), else in one of its own. */
	bool outer = db->in_tx;
	if (!outer && ag_db_begin_read(db, err) < 0)
		return -1;
	int rc = 0;
	/* A schema that is not there (a typo in --version-table-schema) would
	 * look like a fresh database; Alembic would then fail creating its
	 * table in it. */
	if (schema && *schema) {
		int se = schema_exists(db, schema, err);
		if (se == 0)
			ag_err_set(err, AG_ERR_USAGE,
				   "the schema '%s' (--version-table-schema) does not exist in this "
				   "database; check its spelling, or create it before Alembic runs",
				   schema);
		if (se <= 0) {
			abort_tx(db);
			return -1;
		}
	}
	/* to_regclass resolves the name as PostgreSQL would, search_path included. */
	char *q = qualified(db, schema, table, err);
	if (!q) {
		abort_tx(db);
		return -1;
	}
	const char *params[1] = {q};
	PGresult *r = PQexecParams(db->conn, "SELECT to_regclass($1) IS NOT NULL", 1, NULL, params, NULL,
				   NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		db_fail(db, err, "cannot look for the version table", PQresultErrorMessage(r));
		PQclear(r);
		free(q);
		abort_tx(db);
		return -1;
	}
	*exists = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	PQclear(r);
	if (*exists)
		rc = read_rows(db, q, rows, err);
	free(q);
	if (rc == 0 && !outer)
		rc = ag_db_end_read(db, err);
	else if (rc != 0)
		abort_tx(db);
	return rc;
}

long long ag_db_lock_key(const char *schema, const char *table)
{
	/* FNV-1a of "alembic-guard:schema.table", folded to a signed bigint. */
	uint64_t h = 1469598103934665603ull;
	char *name = ag_printf("alembic-guard:%s.%s", schema && *schema ? schema : "", table);
	for (const char *p = name; *p; p++) {
		h ^= (unsigned char)*p;
		h *= 1099511628211ull;
	}
	free(name);
	return (long long)(h & 0x7fffffffffffffffull);
}

static long elapsed_ms(const struct timespec *start)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long)(now.tv_sec - start->tv_sec) * 1000 + (now.tv_nsec - start->tv_nsec) / 1000000;
}

int ag_db_lock(struct ag_db *db, const char *schema, const char *table, long timeout_ms,
	       struct ag_err *err)
{
	char key[32];
	snprintf(key, sizeof key, "%lld", ag_db_lock_key(schema, table));
	const char *params[1] = {key};
	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		PGresult *r = PQexecParams(db->conn, "SELECT pg_try_advisory_lock($1::bigint)", 1, NULL,
					   params, NULL, NULL, 0);
		if (PQresultStatus(r) != PGRES_TUPLES_OK) {
			db_fail(db, err, "cannot take the advisory lock", PQresultErrorMessage(r));
			PQclear(r);
			return -1;
		}
		bool got = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
		PQclear(r);
		if (got)
			return 1;
		long left = timeout_ms - elapsed_ms(&start);
		if (left <= 0)
			return 0;
		/* Polling keeps statement_timeout meaningful and lets signals in;
		 * the last pause ends at the deadline, not after it. */
		long ms = left < 200 ? left : 200;
		struct timespec pause = {0, ms * 1000 * 1000};
		nanosleep(&pause, NULL);
	}
}

int ag_db_unlock(struct ag_db *db, const char *schema, const char *table, struct ag_err *err)
{
	char key[32];
	snprintf(key, sizeof key, "%lld", ag_db_lock_key(schema, table));
	const char *params[1] = {key};
	PGresult *r = PQexecParams(db->conn, "SELECT pg_advisory_unlock($1::bigint)", 1, NULL, params,
				   NULL, NULL, 0);
	int rc = PQresultStatus(r) == PGRES_TUPLES_OK ? 0
		 : db_fail(db, err, "cannot release the advisory lock", PQresultErrorMessage(r));
	PQclear(r);
	return rc;
}

/* Rolls back the open transaction; a failure leaves the connection to
 * end it (a closed connection's transaction never commits). */
static void rollback(struct ag_db *db)
{
	PQclear(PQexec(db->conn, "ROLLBACK"));
}

int ag_db_rename_revisions(struct ag_db *db, const char *schema, const char *table,
			   const struct ag_strv *old_ids, const struct ag_strv *new_ids,
			   int (*before_commit)(void *arg, struct ag_err *err), void *arg,
			   long *updated, enum ag_db_tx *tx, struct ag_err *err)
{
	*updated = 0;
	*tx = AG_DB_TX_ROLLED_BACK;
	char *q = qualified(db, schema, table, err);
	if (!q)
		return -1;
	if (exec_ok(db, "BEGIN", err) < 0) {
		free(q);
		return -1;
	}
	char *sql = ag_printf("UPDATE %s SET version_num = $2 WHERE version_num = $1", q);
	free(q);
	long total = 0;
	int rc = 0;
	for (size_t i = 0; i < old_ids->n && rc == 0; i++) {
		const char *params[2] = {old_ids->v[i], new_ids->v[i]};
		PGresult *r = PQexecParams(db->conn, sql, 2, NULL, params, NULL, NULL, 0);
		if (PQresultStatus(r) != PGRES_COMMAND_OK) {
			rc = db_fail(db, err, "cannot update the version table", PQresultErrorMessage(r));
		} else {
			long n = strtol(PQcmdTuples(r), NULL, 10);
			if (n < 1)
				rc = ag_err_set(err, AG_ERR_DB,
						"the version table no longer holds the row being "
						"renamed; it changed since it was read");
			total += n;
		}
		PQclear(r);
	}
	free(sql);
	if (rc == 0 && before_commit)
		rc = before_commit(arg, err);
	if (rc < 0) {
		rollback(db);
		return -1;
	}
	PGresult *r = PQexec(db->conn, "COMMIT");
	ExecStatusType st = PQresultStatus(r);
	/* COMMIT of a failed transaction answers ROLLBACK with COMMAND_OK. */
	bool ok = st == PGRES_COMMAND_OK && strcmp(PQcmdStatus(r), "COMMIT") == 0;
	if (!ok) {
		if (PQstatus(db->conn) != CONNECTION_OK)
			*tx = AG_DB_TX_UNKNOWN;
		db_fail(db, err, "the database did not commit",
			st == PGRES_COMMAND_OK ? "the transaction was rolled back"
					       : PQresultErrorMessage(r));
		PQclear(r);
		return -1;
	}
	PQclear(r);
	*updated = total;
	*tx = AG_DB_TX_COMMITTED;
	return 0;
}
