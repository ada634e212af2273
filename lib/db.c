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

/* Replaces every occurrence of secret in msg with ***, and folds the
 * message onto one line. New. */
static char *scrub(const char *msg, const char *secret)
{
	struct ag_buf b = {0};
	ag_buf_adds(&b, "");
	size_t sl = secret ? strlen(secret) : 0;
	for (const char *p = msg; *p;) {
		if (sl >= 1 && strncmp(p, secret, sl) == 0) {
			ag_buf_adds(&b, "***");
			p += sl;
			continue;
		}
		char c = (*p == '\n' || *p == '\r' || *p == '\t') ? ' ' : *p;
		if (c != ' ' || (b.len && b.p[b.len - 1] != ' '))
			ag_buf_addc(&b, c);
		p++;
	}
	/* libpq ends messages with a newline; trim the trailing spaces it left. */
	while (b.len && b.p[b.len - 1] == ' ')
		b.p[--b.len] = '\0';
	return ag_buf_take(&b);
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

char *ag_db_mask_url(const char *url)
{
	if (!url)
		return ag_strdup("");
	struct ag_buf b = {0};
	ag_buf_adds(&b, "");
	const char *scheme = strstr(url, "://");
	if (scheme) {
		/* scheme://user:password@host... : mask between the first ':' of
		 * the userinfo and its '@' */
		const char *auth = scheme + 3;
		const char *slash = auth + strcspn(auth, "/?#");
		const char *at = NULL;
		for (const char *p = auth; p < slash; p++)
			if (*p == '@')
				at = p; /* the last '@' before the path ends the userinfo */
		const char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
		if (colon) {
			ag_buf_add(&b, url, (size_t)(colon - url) + 1);
			ag_buf_adds(&b, "***");
			url = at;
		}
		/* ...?password=... in the query */
		const char *q = strchr(url, '?');
		if (q) {
			ag_buf_add(&b, url, (size_t)(q - url));
			url = q;
			while (*url) {
				const char *amp = url + 1 + strcspn(url + 1, "&");
				if (strncmp(url + 1, "password=", 9) == 0) {
					ag_buf_add(&b, url, 10);
					ag_buf_adds(&b, "***");
				} else {
					ag_buf_add(&b, url, (size_t)(amp - url));
				}
				url = amp;
			}
		}
		ag_buf_adds(&b, url);
		return ag_buf_take(&b);
	}
	/* key=value conninfo: mask password=... (quoted or not) */
	const char *p = url;
	while (*p) {
		const char *kw = strstr(p, "password");
		if (!kw) {
			ag_buf_adds(&b, p);
			break;
		}
		const char *eq = kw + 8;
		while (*eq == ' ')
			eq++;
		bool word_start = kw == url || kw[-1] == ' ' || kw[-1] == '\t';
		if (*eq != '=' || !word_start) {
			ag_buf_add(&b, p, (size_t)(eq - p));
			p = eq;
			continue;
		}
		eq++;
		while (*eq == ' ')
			eq++;
		ag_buf_add(&b, p, (size_t)(eq - p));
		ag_buf_adds(&b, "***");
		if (*eq == '\'') {
			eq++;
			while (*eq && *eq != '\'') {
				if (*eq == '\\' && eq[1])
					eq++;
				eq++;
			}
			if (*eq)
				eq++;
		} else {
			while (*eq && *eq != ' ')
				eq++;
		}
		p = eq;
	}
	return ag_buf_take(&b);
}

static bool is_local_host(const char *h)
{
	return !h || !*h || h[0] == '/' || h[0] == '@' || strcmp(h, "localhost") == 0 ||
	       strncmp(h, "127.", 4) == 0 || strcmp(h, "::1") == 0;
}

struct ag_db *ag_db_connect(const struct ag_db_opts *opts, struct ag_err *err)
{
	const char *url = opts->url;
	if (!url || !*url) {
		ag_err_set(err, AG_ERR_USAGE, "no database URL: pass --database-url, set DATABASE_URL, "
					      "or set sqlalchemy.url in alembic.ini");
		return NULL;
	}
	/* SQLAlchemy's postgresql+psycopg2:// and friends: libpq knows only the
	 * plain scheme. */
	char *conninfo;
	const char *plus = strstr(url, "://");
	if (strncmp(url, "postgresql+", 11) == 0 && plus)
		conninfo = ag_printf("postgresql%s", plus);
	else if (strncmp(url, "postgres+", 9) == 0 && plus)
		conninfo = ag_printf("postgres%s", plus);
	else if (plus && strncmp(url, "postgres://", 11) != 0 && strncmp(url, "postgresql://", 13) != 0) {
		size_t n = (size_t)(plus - url);
		ag_err_set(err, AG_ERR_USAGE, "the database URL has the scheme '%.*s'; alembic-guard "
					      "reads PostgreSQL only (postgres:// or postgresql://)",
			   (int)(n > 40 ? 40 : n), url);
		return NULL;
	} else
		conninfo = ag_strdup(url);

	char *perr = NULL;
	PQconninfoOption *parsed = PQconninfoParse(conninfo, &perr);
	free(conninfo);
	if (!parsed) {
		char *m = perr ? scrub(perr, NULL) : ag_strdup("out of memory");
		/* The parse error may quote the URL; never show it unmasked. */
		char *masked = ag_db_mask_url(url);
		ag_err_set(err, AG_ERR_USAGE, "the database URL is not valid (%s): %s", masked, m);
		free(masked);
		free(m);
		PQfreemem(perr);
		return NULL;
	}
	const char *keys[64];
	const char *vals[64];
	size_t n = 0;
	const char *host = NULL, *sslmode = NULL, *password = NULL, *user = NULL, *dbname = NULL,
		   *port = NULL;
	bool has_timeout = false, has_app = false;
	for (PQconninfoOption *o = parsed; o->keyword && n < 48; o++) {
		if (!o->val)
			continue;
		if (strcmp(o->keyword, "host") == 0)
			host = o->val;
		else if (strcmp(o->keyword, "sslmode") == 0)
			sslmode = o->val;
		else if (strcmp(o->keyword, "password") == 0)
			password = o->val;
		else if (strcmp(o->keyword, "user") == 0)
			user = o->val;
		else if (strcmp(o->keyword, "dbname") == 0)
			dbname = o->val;
		else if (strcmp(o->keyword, "port") == 0)
			port = o->val;
		else if (strcmp(o->keyword, "connect_timeout") == 0)
			has_timeout = true;
		else if (strcmp(o->keyword, "application_name") == 0)
			has_app = true;
		keys[n] = o->keyword;
		vals[n] = o->val;
		n++;
	}
	char timeout[16];
	snprintf(timeout, sizeof timeout, "%d", opts->connect_timeout > 0 ? opts->connect_timeout : 10);
	if (!has_timeout) {
		keys[n] = "connect_timeout";
		vals[n++] = timeout;
	}
	if (!has_app) {
		keys[n] = "application_name";
		vals[n++] = opts->application_name ? opts->application_name : "alembic-guard";
	}
	/* Heroku Postgres refuses plain connections: require TLS for remote
	 * hosts unless the user chose a mode. */
	if (!sslmode && !opts->sslmode_from_env && !is_local_host(host)) {
		keys[n] = "sslmode";
		vals[n++] = "require";
	}
	char options[128];
	snprintf(options, sizeof options, "-c statement_timeout=%d -c lock_timeout=%d",
		 opts->statement_timeout_ms > 0 ? opts->statement_timeout_ms : 30000,
		 opts->lock_timeout_ms > 0 ? opts->lock_timeout_ms : 10000);
	bool has_options = false;
	for (size_t i = 0; i < n; i++)
		has_options |= strcmp(keys[i], "options") == 0;
	if (!has_options) {
		keys[n] = "options";
		vals[n++] = options;
	}
	keys[n] = NULL;
	vals[n] = NULL;

	struct ag_db *db = ag_calloc(1, sizeof *db);
	db->password = password ? ag_strdup(password) : NULL;
	db->conn = PQconnectdbParams(keys, vals, 0);
	if (!db->conn) {
		PQconninfoFree(parsed);
		ag_db_close(db);
		ag_err_set(err, AG_ERR_DB, "cannot connect: out of memory");
		return NULL;
	}
	const char *h = PQhost(db->conn);
	const char *u = PQuser(db->conn);
	db->target = ag_printf("%s@%s:%s/%s", u && *u ? u : (user ? user : "?"),
			       h && *h ? h : (host ? host : "local socket"),
			       PQport(db->conn) && *PQport(db->conn) ? PQport(db->conn) : (port ? port : "5432"),
			       PQdb(db->conn) && *PQdb(db->conn) ? PQdb(db->conn) : (dbname ? dbname : "?"));
	PQconninfoFree(parsed);
	if (PQstatus(db->conn) != CONNECTION_OK) {
		char *what = ag_printf("cannot connect to %s", db->target);
		db_fail(db, err, what, PQerrorMessage(db->conn));
		free(what);
		ag_db_close(db);
		return NULL;
	}
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

int ag_db_read_versions(struct ag_db *db, const char *schema, const char *table, bool *exists,
			struct ag_strv *rows, struct ag_err *err)
{
	*exists = false;
	if (exec_ok(db, "BEGIN TRANSACTION READ ONLY", err) < 0)
		return -1;
	/* to_regclass resolves the name as PostgreSQL would, search_path included. */
	char *q = qualified(db, schema, table, err);
	if (!q) {
		PQclear(PQexec(db->conn, "ROLLBACK"));
		return -1;
	}
	const char *params[1] = {q};
	PGresult *r = PQexecParams(db->conn, "SELECT to_regclass($1) IS NOT NULL", 1, NULL, params, NULL,
				   NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		db_fail(db, err, "cannot look for the version table", PQresultErrorMessage(r));
		PQclear(r);
		free(q);
		PQclear(PQexec(db->conn, "ROLLBACK"));
		return -1;
	}
	*exists = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	PQclear(r);
	int rc = 0;
	if (*exists) {
		char *sql = ag_printf("SELECT version_num FROM %s", q);
		r = PQexec(db->conn, sql);
		free(sql);
		if (PQresultStatus(r) != PGRES_TUPLES_OK) {
			rc = db_fail(db, err, "cannot read the version table", PQresultErrorMessage(r));
		} else {
			for (int i = 0; i < PQntuples(r); i++)
				if (!PQgetisnull(r, i, 0))
					ag_strv_push(rows, PQgetvalue(r, i, 0));
		}
		PQclear(r);
	}
	free(q);
	if (rc == 0)
		rc = exec_ok(db, "COMMIT", err);
	else
		PQclear(PQexec(db->conn, "ROLLBACK"));
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

int ag_db_lock(struct ag_db *db, const char *schema, const char *table, int timeout_s,
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
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec >= timeout_s)
			return 0;
		/* Polling keeps statement_timeout meaningful and lets signals in. */
		struct timespec pause = {0, 200 * 1000 * 1000};
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

int ag_db_rename_revision(struct ag_db *db, const char *schema, const char *table,
			  const char *old_id, const char *new_id, long *changed, struct ag_err *err)
{
	*changed = 0;
	char *q = qualified(db, schema, table, err);
	if (!q)
		return -1;
	if (exec_ok(db, "BEGIN", err) < 0) {
		free(q);
		return -1;
	}
	char *sql = ag_printf("UPDATE %s SET version_num = $2 WHERE version_num = $1", q);
	free(q);
	const char *params[2] = {old_id, new_id};
	PGresult *r = PQexecParams(db->conn, sql, 2, NULL, params, NULL, NULL, 0);
	free(sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		db_fail(db, err, "cannot update the version table", PQresultErrorMessage(r));
		PQclear(r);
		PQclear(PQexec(db->conn, "ROLLBACK"));
		return -1;
	}
	*changed = strtol(PQcmdTuples(r), NULL, 10);
	PQclear(r);
	return exec_ok(db, *changed ? "COMMIT" : "ROLLBACK", err);
}
