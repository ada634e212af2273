/*
 * db: the only module that talks to PostgreSQL (libpq). It opens one
 * connection with the timeouts the release phase needs, reads the version
 * table in a read-only transaction, takes the advisory lock that
 * serialises release phases, and applies a revision rename only when asked.
 * Table and schema names come from the command line: they are always
 * quoted with PQescapeIdentifier, never pasted into SQL.
 *
 * Secrets: a URL may carry a password. The URL is split into libpq's
 * keywords here (ag_db_parse_url), never by libpq, so no message quotes
 * it or any part of it; messages from the server are masked as a last
 * line of defence. Nothing this module returns (error messages,
 * descriptions) contains the password.
 *
 * Time limits: statement_timeout and lock_timeout are set in the session
 * after connecting, so the URL's options and PGOPTIONS cannot remove them
 * (and are kept as the user wrote them).
 *
 * Ownership: ag_db_connect returns a new handle, closed with ag_db_close
 * (accepts NULL). Errors come back through struct ag_err as AG_ERR_DB with
 * libpq's reason in one line (or AG_ERR_USAGE for a malformed URL).
 */
#ifndef AG_DB_H
#define AG_DB_H

#include <stdbool.h>

#include "err.h"
#include "util.h"

struct ag_db;

struct ag_db_opts {
	const char *url;          /* postgres://, postgresql://, postgresql+driver://, or key=value */
	int connect_timeout;      /* seconds; 0 means 10 */
	int statement_timeout_ms; /* 0 means 30000 */
	int lock_timeout_ms;      /* 0 means 10000 */
	bool sslmode_from_env;    /* PGSSLMODE is set: do not add sslmode=require */
	const char *application_name; /* NULL means "alembic-guard" */
};

struct ag_db *ag_db_connect(const struct ag_db_opts *opts, struct ag_err *err);
void ag_db_close(struct ag_db *db);

/* "user@host:port/dbname" without the password; borrowed from db. */
const char *ag_db_target(const struct ag_db *db);

/*
 * Splits a database URL (postgres://, postgresql://, postgresql+driver://,
 * SQLAlchemy's form: the user info runs to the last '@', components are
 * percent-decoded leniently) or a key=value connection string into libpq
 * keywords and values, appended to keys and vals (parallel). Every keyword
 * is one libpq knows. Returns 0, or -1 with err (AG_ERR_USAGE) whose
 * message quotes no value and no part of url.
 */
int ag_db_parse_url(const char *url, struct ag_strv *keys, struct ag_strv *vals,
		    struct ag_err *err);

/* "schema.table" or "table", as displayed; new. schema may be NULL. */
char *ag_db_table_name(const char *schema, const char *table);

/*
 * Reads version_num from the version table. *exists is false (and rows
 * empty) when the table does not exist. rows gets every row, in the
 * table's order (duplicates kept). A read-only transaction. A schema that
 * does not exist is an error naming it (AG_ERR_USAGE: Alembic could not
 * create its table there either); a NULL version_num is an error
 * (AG_ERR_DB) with the DELETE that removes it, never an empty table.
 */
int ag_db_read_versions(struct ag_db *db, const char *schema, const char *table, bool *exists,
			struct ag_strv *rows, struct ag_err *err);

/*
 * The advisory lock that serialises release phases against one database:
 * the key is derived from "schema.table", so two apps sharing a database
 * but not a version table do not block each other. Waits up to timeout_ms
 * milliseconds (0: do not wait). Returns 1 when taken, 0 on timeout, -1 on
 * error.
 */
int ag_db_lock(struct ag_db *db, const char *schema, const char *table, long timeout_ms,
	       struct ag_err *err);
int ag_db_unlock(struct ag_db *db, const char *schema, const char *table, struct ag_err *err);
/* The 64-bit key ag_db_lock uses (for messages and tests). */
long long ag_db_lock_key(const char *schema, const char *table);

/*
 * One read-only transaction for several reads (the version table, then
 * pre-flight's catalog): ag_db_begin_read opens it (BEGIN READ ONLY, the
 * time limits again with SET LOCAL), ag_db_read_versions and ag_db_select
 * run inside it, ag_db_end_read commits it (nothing was written). A failed
 * query ends it (ROLLBACK). Both return 0, or -1 with err (AG_ERR_DB).
 */
int ag_db_begin_read(struct ag_db *db, struct ag_err *err);
int ag_db_end_read(struct ag_db *db, struct ag_err *err);

/* A query's rows as text: v[row * ncols + col], NULL for SQL NULL.
 * Owned by the struct; ag_db_result_free accepts a zeroed one. */
struct ag_db_result {
	char **v;
	size_t nrows, ncols;
};
void ag_db_result_free(struct ag_db_result *r);
/*
 * Runs sql with text params ($1...) inside the transaction of
 * ag_db_begin_read (refused outside one: reads only). what names the
 * read in messages ("the catalog"). Returns 0, or -1 with err (AG_ERR_DB,
 * the server's reason, no secrets) and the transaction ended.
 */
int ag_db_select(struct ag_db *db, const char *what, const char *sql, int nparams,
		 const char *const *params, struct ag_db_result *out, struct ag_err *err);

/* libpq's version, e.g. "15.20"; static. */
const char *ag_db_lib_version(void);

/*
 * How a transaction ended: committed; rolled back (nothing changed); or
 * unknown, when the connection failed during COMMIT and the server may or
 * may not have committed.
 */
enum ag_db_tx { AG_DB_TX_COMMITTED, AG_DB_TX_ROLLED_BACK, AG_DB_TX_UNKNOWN };

/*
 * Renames revisions in ONE transaction: BEGIN, then for each i
 * UPDATE ... SET version_num = new_ids[i] WHERE version_num = old_ids[i]
 * (each must update at least one row: a row that is gone means the table
 * changed since it was read, and the transaction is rolled back), then
 * before_commit (NULL: none; -1 from it rolls back, its err kept), then
 * COMMIT. *updated gets the rows updated when committed, else 0; *tx how
 * the transaction ended. Returns 0 when committed, else -1 with err.
 * Written so that the files a rename changes (before_commit) and the
 * database change together: see lib/rename.
 */
int ag_db_rename_revisions(struct ag_db *db, const char *schema, const char *table,
			   const struct ag_strv *old_ids, const struct ag_strv *new_ids,
			   int (*before_commit)(void *arg, struct ag_err *err), void *arg,
			   long *updated, enum ag_db_tx *tx, struct ag_err *err);

#endif
