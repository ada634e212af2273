/*
 * catalog: a model of the live schema, read from pg_catalog for
 * pre-flight (lib/preflight): the schemas on search_path as the database
 * resolves it (current_schemas(false)), tables with their estimated rows
 * (pg_class.reltuples) and columns (format_type, NOT NULL, a default),
 * the other relations by name (indexes with their table, sequences,
 * views: they share the tables' namespace), constraints by table and
 * name, and types (enums, domains, composites) by schema.
 *
 * It is read in ONE query inside the read-only transaction lib/db opened
 * (ag_db_begin_read), for the schemas on search_path and those the caller
 * names (the schema= of pending operations), and only for the object
 * names the caller lists (tables, indexes, constraints, types the pending
 * operations mention: every lookup is by name). Whether a table has rows is
 * asked only for the tables that need it (EXISTS (SELECT 1 FROM t), never
 * a count), and remembered.
 *
 * The model is also what pre-flight replays the pending migrations on: it
 * is mutable through the functions below, and tests build one by hand.
 *
 * Ownership: struct ag_catalog owns every string and array in it;
 * ag_catalog_free accepts a zeroed struct. Lookups return pointers into
 * the model, valid until the next add. Errors come back through struct
 * ag_err (AG_ERR_DB from lib/db: the caller exits 3).
 */
#ifndef AG_CATALOG_H
#define AG_CATALOG_H

#include <stdbool.h>
#include <stddef.h>

#include "db.h"
#include "err.h"
#include "util.h"

struct ag_catalog_column {
	char *name;
	char *type;       /* format_type(): "character varying(36)", "uuid"... */
	bool notnull;
	bool has_default;
	bool dropped;
};

struct ag_catalog_table {
	char *schema, *name;
	double reltuples;  /* the planner's estimate; -1: never analyzed */
	int has_rows;      /* -1 not asked, 0 empty, 1 has rows, 2 cannot be read */
	bool created;      /* by a pending migration: empty when it runs */
	bool dropped;
	struct ag_catalog_column *cols;
	size_t ncols, capcols;
};

/* A relation other than a table (index, sequence, view...), or a type,
 * or a constraint: named objects pre-flight looks up. */
struct ag_catalog_object {
	char *schema, *name;
	char *table;  /* an index's or a constraint's table (in schema); else NULL */
	char kind;    /* relkind ('i', 'S', 'v'...), typtype ('e'...) or contype ('u', 'f'...) */
	bool dropped;
};

struct ag_catalog_objects {
	struct ag_catalog_object *v;
	size_t n, cap;
};

struct ag_catalog {
	struct ag_strv search_path; /* current_schemas(false), in order */
	struct ag_catalog_table *tables;
	size_t ntables, captables;
	struct ag_catalog_objects rels;  /* relations that are not tables */
	struct ag_catalog_objects cons;  /* constraints */
	struct ag_catalog_objects types; /* types that are not arrays or a table's row type */
};

/* What ag_catalog_read reads besides the schemas, relations and columns. */
#define AG_CATALOG_CONSTRAINTS 0x1u /* pg_constraint: cons */
#define AG_CATALOG_TYPES 0x2u       /* pg_type: types (enums, domains...) */

/*
 * Reads the catalog for the schemas on search_path and those in schemas
 * (may be NULL), the objects named in names (may be NULL: none), and of
 * the parts (AG_CATALOG_*) those asked: each costs the backend a few
 * milliseconds the first time (see catalog.c), so the caller asks only
 * for what its lookups need (ag_preflight_parts). db must be inside
 * ag_db_begin_read. Returns 0, or -1 with err (the transaction is then
 * ended).
 */
int ag_catalog_read(struct ag_catalog *c, struct ag_db *db, const struct ag_strv *schemas,
		    const struct ag_strv *names, unsigned parts, struct ag_err *err);
/*
 * Fills c from the rows of the catalog query (as ag_db_select returns
 * them: kind, then seven text columns; see catalog.c). Separate so
 * that tests can feed rows without a database. Rows it does not know are
 * skipped.
 */
void ag_catalog_parse(struct ag_catalog *c, const struct ag_db_result *rows);
/*
 * Whether t has a row: asks the database once (EXISTS (SELECT 1 FROM
 * "schema"."table")) and remembers it. A table created by a pending
 * migration is empty. Returns 0 or 1; 2 when this role may not read the
 * table (asked first, so the transaction goes on); -1 with err.
 */
int ag_catalog_has_rows(struct ag_catalog *c, struct ag_catalog_table *t, struct ag_db *db,
			struct ag_err *err);
void ag_catalog_free(struct ag_catalog *c);

/* ---- the model: lookups and changes ----------------------------------- */

/* The live table schema.name (schema NULL: the first on search_path that
 * has it, as PostgreSQL resolves an unqualified name), or NULL. */
struct ag_catalog_table *ag_catalog_table(struct ag_catalog *c, const char *schema,
					  const char *name);
/* Adds a table (no columns; reltuples 0, has_rows -1). */
struct ag_catalog_table *ag_catalog_add_table(struct ag_catalog *c, const char *schema,
					      const char *name);
struct ag_catalog_column *ag_catalog_column(struct ag_catalog_table *t, const char *name);
struct ag_catalog_column *ag_catalog_add_column(struct ag_catalog_table *t, const char *name,
						const char *type, bool notnull, bool has_default);
/* A live object of objs in schema (NULL: resolved through search_path)
 * named name; table non-NULL: on that table only. */
struct ag_catalog_object *ag_catalog_object(struct ag_catalog *c, struct ag_catalog_objects *objs,
					    const char *schema, const char *table,
					    const char *name);
struct ag_catalog_object *ag_catalog_add_object(struct ag_catalog_objects *objs,
						const char *schema, const char *table,
						const char *name, char kind);
/* The schema CREATE puts an unqualified object in: the first on
 * search_path, or NULL when there is none. */
const char *ag_catalog_create_schema(const struct ag_catalog *c);

#endif
