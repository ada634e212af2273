#include "catalog.h"
#include "quote.h"

#include <stdlib.h>
#include <string.h>

/*
 * One round trip: every row is (kind, schema, name, a, b, c, d, e) as text.
 *   S  schema, position on search_path
 *   R  schema, relname, relkind, reltuples, the index's table (NULL): a
 *      relation that is not a table, or a table without columns
 *   C  schema, table, column, format_type, attnotnull, atthasdef,
 *      reltuples: a table's column (the table comes with its first one)
 *   K  schema, table, conname, contype        (AG_CATALOG_CONSTRAINTS)
 *   T  schema, typname, typtype               (AG_CATALOG_TYPES)
 * Only the schemas on search_path and those in $1 (a text[]) are read,
 * and only the objects named in $2 (a name[]: every table, index,
 * constraint and type name the pending migrations mention), so that a
 * database of thousands of tables costs what a small one does: pre-flight
 * looks everything up by name. Row types of tables are left out (the
 * table stands for them; a standalone composite type is its pg_class row,
 * relkind 'c'), and so are array types.
 *
 * Why it is shaped so: on the backend a check opens, the query's cost is
 * not its rows but the backend's cold caches. Every catalog the plan
 * touches is loaded (its relcache entry, its indexes' operator classes,
 * its statistics) on first use, a few milliseconds each on loopback, ten
 * times what the rows cost. So relations and columns come from one join,
 * and pg_constraint and pg_type are read only when a pending operation
 * needs them (ag_preflight_parts).
 */
static const char sql_head[] =
	"WITH s AS (SELECT n.oid, n.nspname FROM pg_catalog.pg_namespace n"
	" WHERE n.nspname = ANY (pg_catalog.current_schemas(false)) OR n.nspname = ANY ($1::text[]))"
	" SELECT 'S'::text, x.n::text, x.i::text, NULL::text, NULL::text, NULL::text, NULL::text,"
	" NULL::text"
	" FROM unnest(pg_catalog.current_schemas(false)) WITH ORDINALITY AS x(n, i)"
	" UNION ALL"
	" SELECT CASE WHEN a.attname IS NULL THEN 'R' ELSE 'C' END, s.nspname::text, c.relname::text,"
	" COALESCE(a.attname::text, c.relkind::text),"
	" CASE WHEN a.attname IS NULL THEN c.reltuples::text"
	" ELSE pg_catalog.format_type(a.atttypid, a.atttypmod) END,"
	" CASE WHEN a.attname IS NOT NULL THEN a.attnotnull::text"
	" WHEN c.relkind IN ('i', 'I') THEN (SELECT t.relname::text FROM pg_catalog.pg_index ix"
	" JOIN pg_catalog.pg_class t ON t.oid = ix.indrelid WHERE ix.indexrelid = c.oid) END,"
	" a.atthasdef::text, c.reltuples::text"
	" FROM pg_catalog.pg_class c JOIN s ON s.oid = c.relnamespace"
	" LEFT JOIN pg_catalog.pg_attribute a ON c.relkind IN ('r', 'p') AND a.attrelid = c.oid"
	" AND a.attnum > 0 AND NOT a.attisdropped"
	" WHERE c.relkind IN ('r', 'p', 'i', 'I', 'S', 'v', 'm', 'f', 'c')"
	" AND c.relname = ANY ($2::name[])";

static const char sql_constraints[] =
	" UNION ALL"
	" SELECT 'K', s.nspname::text, c.relname::text, k.conname::text, k.contype::text, NULL, NULL,"
	" NULL"
	" FROM pg_catalog.pg_constraint k JOIN pg_catalog.pg_class c ON c.oid = k.conrelid"
	" JOIN s ON s.oid = c.relnamespace WHERE c.relname = ANY ($2::name[])";

static const char sql_types[] =
	" UNION ALL"
	" SELECT 'T', s.nspname::text, t.typname::text, t.typtype::text, NULL, NULL, NULL, NULL"
	" FROM pg_catalog.pg_type t JOIN s ON s.oid = t.typnamespace"
	" WHERE t.typname = ANY ($2::name[]) AND t.typcategory <> 'A' AND t.typrelid = 0";

#define NCOLS 8

static void objects_free(struct ag_catalog_objects *o)
{
	for (size_t i = 0; i < o->n; i++) {
		free(o->v[i].schema);
		free(o->v[i].name);
		free(o->v[i].table);
	}
	free(o->v);
	memset(o, 0, sizeof *o);
}

void ag_catalog_free(struct ag_catalog *c)
{
	if (!c)
		return;
	ag_strv_free(&c->search_path);
	for (size_t i = 0; i < c->ntables; i++) {
		struct ag_catalog_table *t = &c->tables[i];
		for (size_t k = 0; k < t->ncols; k++) {
			free(t->cols[k].name);
			free(t->cols[k].type);
		}
		free(t->cols);
		free(t->schema);
		free(t->name);
	}
	free(c->tables);
	objects_free(&c->rels);
	objects_free(&c->cons);
	objects_free(&c->types);
	memset(c, 0, sizeof *c);
}

static bool eq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

/* PostgreSQL keeps the first 63 bytes of an identifier (NAMEDATALEN - 1),
 * cut at a character boundary: a longer name in a migration is the
 * truncated one in the catalog. */
static size_t clipped(const char *s)
{
	size_t n = strlen(s);
	if (n <= 63)
		return n;
	n = 63;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return n;
}

/* Two identifiers as PostgreSQL compares them. */
static bool name_eq(const char *a, const char *b)
{
	if (!a || !b)
		return false;
	size_t na = clipped(a), nb = clipped(b);
	return na == nb && memcmp(a, b, na) == 0;
}

const char *ag_catalog_create_schema(const struct ag_catalog *c)
{
	return c->search_path.n ? c->search_path.v[0] : NULL;
}

static struct ag_catalog_table *table_in(struct ag_catalog *c, const char *schema,
					 const char *name)
{
	for (size_t i = c->ntables; i-- > 0;) {
		struct ag_catalog_table *t = &c->tables[i];
		if (!t->dropped && name_eq(t->name, name) && name_eq(t->schema, schema))
			return t;
	}
	return NULL;
}

struct ag_catalog_table *ag_catalog_table(struct ag_catalog *c, const char *schema,
					  const char *name)
{
	if (schema)
		return table_in(c, schema, name);
	for (size_t i = 0; i < c->search_path.n; i++) {
		struct ag_catalog_table *t = table_in(c, c->search_path.v[i], name);
		if (t)
			return t;
	}
	return NULL;
}

struct ag_catalog_table *ag_catalog_add_table(struct ag_catalog *c, const char *schema,
					      const char *name)
{
	ag_grow((void **)&c->tables, &c->captables, c->ntables + 1, sizeof *c->tables);
	struct ag_catalog_table *t = &c->tables[c->ntables++];
	memset(t, 0, sizeof *t);
	t->schema = ag_strdup(schema ? schema : "");
	t->name = ag_strdup(name);
	t->has_rows = -1;
	return t;
}

struct ag_catalog_column *ag_catalog_column(struct ag_catalog_table *t, const char *name)
{
	for (size_t i = t->ncols; i-- > 0;)
		if (!t->cols[i].dropped && name_eq(t->cols[i].name, name))
			return &t->cols[i];
	return NULL;
}

struct ag_catalog_column *ag_catalog_add_column(struct ag_catalog_table *t, const char *name,
						const char *type, bool notnull, bool has_default)
{
	ag_grow((void **)&t->cols, &t->capcols, t->ncols + 1, sizeof *t->cols);
	struct ag_catalog_column *col = &t->cols[t->ncols++];
	memset(col, 0, sizeof *col);
	col->name = ag_strdup(name);
	col->type = type ? ag_strdup(type) : NULL;
	col->notnull = notnull;
	col->has_default = has_default;
	return col;
}

static struct ag_catalog_object *object_in(struct ag_catalog_objects *objs, const char *schema,
					   const char *table, const char *name)
{
	for (size_t i = objs->n; i-- > 0;) {
		struct ag_catalog_object *o = &objs->v[i];
		if (!o->dropped && name_eq(o->name, name) && name_eq(o->schema, schema) &&
		    (!table || name_eq(o->table, table)))
			return o;
	}
	return NULL;
}

struct ag_catalog_object *ag_catalog_object(struct ag_catalog *c, struct ag_catalog_objects *objs,
					    const char *schema, const char *table,
					    const char *name)
{
	if (schema)
		return object_in(objs, schema, table, name);
	for (size_t i = 0; i < c->search_path.n; i++) {
		struct ag_catalog_object *o = object_in(objs, c->search_path.v[i], table, name);
		if (o)
			return o;
	}
	return NULL;
}

struct ag_catalog_object *ag_catalog_add_object(struct ag_catalog_objects *objs,
						const char *schema, const char *table,
						const char *name, char kind)
{
	ag_grow((void **)&objs->v, &objs->cap, objs->n + 1, sizeof *objs->v);
	struct ag_catalog_object *o = &objs->v[objs->n++];
	memset(o, 0, sizeof *o);
	o->schema = ag_strdup(schema ? schema : "");
	o->name = ag_strdup(name);
	o->table = table ? ag_strdup(table) : NULL;
	o->kind = kind;
	return o;
}

struct sp_entry {
	long pos;
	const char *name;
};

static int cmp_sp(const void *a, const void *b)
{
	const struct sp_entry *x = a, *y = b;
	return (x->pos > y->pos) - (x->pos < y->pos);
}

void ag_catalog_parse(struct ag_catalog *c, const struct ag_db_result *rows)
{
	if (!rows || rows->ncols != NCOLS)
		return;
	struct sp_entry *sp = ag_calloc(rows->nrows + 1, sizeof *sp);
	size_t nsp = 0;
	struct ag_catalog_table *last = NULL; /* columns of one table come together */
	for (size_t i = 0; i < rows->nrows; i++) {
		char *const *v = rows->v + i * NCOLS;
		const char *k = v[0];
		if (!k || !v[1] || !v[2])
			continue;
		if (strcmp(k, "S") == 0) {
			sp[nsp].pos = strtol(v[2], NULL, 10);
			sp[nsp++].name = v[1];
		} else if (strcmp(k, "R") == 0 && v[3] && v[3][0]) {
			char kind = v[3][0];
			if (kind == 'r' || kind == 'p') {
				struct ag_catalog_table *t = ag_catalog_add_table(c, v[1], v[2]);
				t->reltuples = v[4] ? strtod(v[4], NULL) : -1;
			} else {
				ag_catalog_add_object(&c->rels, v[1], v[5], v[2], kind);
			}
		} else if (strcmp(k, "C") == 0 && v[3]) {
			if (!last || !eq(last->name, v[2]) || !eq(last->schema, v[1]))
				last = table_in(c, v[1], v[2]);
			if (!last) {
				last = ag_catalog_add_table(c, v[1], v[2]);
				last->reltuples = v[7] ? strtod(v[7], NULL) : -1;
			}
			ag_catalog_add_column(last, v[3], v[4], eq(v[5], "true") || eq(v[5], "t"),
					      eq(v[6], "true") || eq(v[6], "t"));
		} else if (strcmp(k, "K") == 0 && v[3] && v[4] && v[4][0]) {
			ag_catalog_add_object(&c->cons, v[1], v[2], v[3], v[4][0]);
		} else if (strcmp(k, "T") == 0 && v[3] && v[3][0]) {
			ag_catalog_add_object(&c->types, v[1], NULL, v[2], v[3][0]);
		}
	}
	qsort(sp, nsp, sizeof *sp, cmp_sp);
	for (size_t i = 0; i < nsp; i++)
		ag_strv_push(&c->search_path, sp[i].name);
	free(sp);
}

/* A text[] literal of schemas: {"a","b"}, each element quoted. New. */
static char *array_literal(const struct ag_strv *v)
{
	struct ag_buf b = {0};
	ag_buf_addc(&b, '{');
	for (size_t i = 0; v && i < v->n; i++) {
		if (i)
			ag_buf_addc(&b, ',');
		ag_buf_addc(&b, '"');
		for (const char *p = v->v[i]; *p; p++) {
			if (*p == '"' || *p == '\\')
				ag_buf_addc(&b, '\\');
			ag_buf_addc(&b, *p);
		}
		ag_buf_addc(&b, '"');
	}
	ag_buf_addc(&b, '}');
	return ag_buf_take(&b);
}

int ag_catalog_read(struct ag_catalog *c, struct ag_db *db, const struct ag_strv *schemas,
		    const struct ag_strv *names, unsigned parts, struct ag_err *err)
{
	char *arr = array_literal(schemas);
	char *nm = array_literal(names);
	const char *params[2] = {arr, nm};
	struct ag_buf sql = {0};
	ag_buf_adds(&sql, sql_head);
	if (parts & AG_CATALOG_CONSTRAINTS)
		ag_buf_adds(&sql, sql_constraints);
	if (parts & AG_CATALOG_TYPES)
		ag_buf_adds(&sql, sql_types);
	struct ag_db_result rows;
	int rc = ag_db_select(db, "the catalog", sql.p, 2, params, &rows, err);
	free(sql.p);
	free(arr);
	free(nm);
	if (rc < 0)
		return -1;
	ag_catalog_parse(c, &rows);
	ag_db_result_free(&rows);
	return 0;
}

int ag_catalog_has_rows(struct ag_catalog *c, struct ag_catalog_table *t, struct ag_db *db,
			struct ag_err *err)
{
	(void)c;
	if (t->created)
		return 0;
	if (t->has_rows >= 0)
		return t->has_rows;
	char *q = ag_quote_sql_table(t->schema, t->name);
	/* A table this role cannot read is not a reason to fail the check:
	 * asked first, so that the transaction never sees the error. */
	const char *params[1] = {q};
	struct ag_db_result rows;
	int rc = ag_db_select(db, "the privileges on a table",
			      "SELECT pg_catalog.has_table_privilege($1, 'SELECT')", 1, params, &rows,
			      err);
	bool readable = rc == 0 && rows.nrows == 1 && rows.ncols == 1 && eq(rows.v[0], "t");
	if (rc == 0)
		ag_db_result_free(&rows);
	if (rc < 0 || !readable) {
		free(q);
		if (rc == 0)
			t->has_rows = 2;
		return rc < 0 ? -1 : 2;
	}
	char *sql = ag_printf("SELECT EXISTS (SELECT 1 FROM %s)", q);
	free(q);
	rc = ag_db_select(db, "whether a table has rows", sql, 0, NULL, &rows, err);
	free(sql);
	if (rc < 0)
		return -1;
	t->has_rows = rows.nrows == 1 && rows.ncols == 1 && eq(rows.v[0], "t");
	ag_db_result_free(&rows);
	return t->has_rows;
}
