/*
 * preflight: the pending migrations checked against the live schema
 * before they run. Replays each pending file's upgrade() operations (read
 * by lib/schema) in upgrade order over the catalog model (lib/catalog),
 * each operation changing the model as PostgreSQL would, and reports what
 * will fail or lock:
 *
 *   object-exists             error: creating a table, column, index,
 *                             constraint or type that exists
 *   object-missing            error: altering or dropping what is not there
 *   not-null-without-default  error: a NOT NULL column without a
 *                             server_default added to a table with rows
 *   foreign-key-mismatch      error: a key to a missing table or column,
 *                             or between types PostgreSQL cannot compare
 *   lock-risk                 warning: DDL that holds a blocking lock for as
 *                             long as it scans or rewrites a table of at
 *                             least lock_rows estimated rows
 *   not-judged                info: raw SQL, batch operations, operations
 *                             under if/for/try, values only Python knows
 *
 * Never a guess: once an operation it cannot judge may have touched a
 * table (or, for raw SQL or an op call it cannot follow, any table), the
 * later operations on it are replayed but not judged.
 *
 * Each finding names the migration file and the line of the op.* call,
 * the object, the catalog's evidence and a fix.
 *
 * Ownership: files and the catalog are borrowed (the catalog is changed:
 * it is the replay's model); findings are appended to the caller's list.
 * The only error is the caller's has_rows failing: -1, the caller's error
 * kept by the caller.
 */
#ifndef AG_PREFLIGHT_H
#define AG_PREFLIGHT_H

#include <stddef.h>

#include "catalog.h"
#include "finding.h"
#include "schema.h"
#include "util.h"

#define AG_PREFLIGHT_LOCK_ROWS 100000.0

struct ag_preflight_file {
	const struct ag_schema_file *ops; /* NULL: the file could not be read (nothing judged) */
	const char *file, *revision;
};

struct ag_preflight_opts {
	double lock_rows; /* lock-risk from this many estimated rows; <= 0: the default */
	/* Whether table t has a row: 0 or 1, 2 cannot tell (not judged), -1 on
	 * failure (stops the replay).
	 * NULL: never asked (not-null-without-default is then not judged). */
	int (*has_rows)(void *arg, struct ag_catalog_table *t);
	void *arg;
};

/* The schemas the files name (schema=, referent_schema=, Enum schema=),
 * sorted and unique, appended to out: what ag_catalog_read must read
 * besides search_path. */
void ag_preflight_schemas(const struct ag_preflight_file *files, size_t n, struct ag_strv *out);
/* Every object name the files mention (tables as written and referenced,
 * new names, indexes, constraints, Enum types), sorted and unique,
 * appended to out: the names ag_catalog_read must read. */
void ag_preflight_names(const struct ag_preflight_file *files, size_t n, struct ag_strv *out);

/* The parts of the catalog (AG_CATALOG_CONSTRAINTS, AG_CATALOG_TYPES) the
 * files' operations look up: what ag_catalog_read must read besides
 * relations and columns. */
unsigned ag_preflight_parts(const struct ag_preflight_file *files, size_t n);

/* Replays files[0..n) over c; appends findings to out. Returns 0, or -1
 * when has_rows failed. */
int ag_preflight_run(struct ag_catalog *c, const struct ag_preflight_file *files, size_t n,
		     const struct ag_preflight_opts *o, struct ag_findings *out);

#endif
