#include "preflight.h"
#include "quote.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* The rules: each code in one place (docs/findings.md lists them). */
struct rule {
	const char *code;
	enum ag_severity sev;
};

static const struct rule EXISTS = {.code = "object-exists", .sev = AG_SEV_ERROR};
static const struct rule MISSING = {.code = "object-missing", .sev = AG_SEV_ERROR};
static const struct rule NOT_NULL = {.code = "not-null-without-default", .sev = AG_SEV_ERROR};
static const struct rule FK_MISMATCH = {.code = "foreign-key-mismatch", .sev = AG_SEV_ERROR};
static const struct rule LOCK_RISK = {.code = "lock-risk", .sev = AG_SEV_WARNING};
static const struct rule NOT_JUDGED = {.code = "not-judged", .sev = AG_SEV_INFO};

struct run {
	struct ag_catalog *c;
	const struct ag_preflight_opts *o;
	struct ag_findings *out;
	const struct ag_preflight_file *f; /* the file being replayed */
	double lock_rows;
	bool all_tainted;       /* raw SQL or an unknown call: nothing after it is judged */
	bool rows_unknown;      /* raw SQL deleted rows: emptiness is not known */
	bool unnamed;           /* pending DDL made indexes or constraints with names not known */
	struct ag_strv tainted; /* tables (bare names) not judged any more */
	struct ag_strv loose;   /* tables whose indexes and constraints may have gone */
	/* The create_table being replayed: its columns are part of it. */
	const char *create_table;
	int create_line;
	/* Enum types a pending create_table made: SQLAlchemy remembers them
	 * for the whole run (the memo of Alembic's DDL runner) and never
	 * creates one twice, so a second table using it is not an error. */
	struct ag_strv create_enums;
	int failed;
};

static bool eq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

/* The table name without the schema= prefix. */
static const char *bare(const char *table, const char *schema)
{
	size_t n = schema ? strlen(schema) : 0;
	if (n && strncmp(table, schema, n) == 0 && table[n] == '.')
		return table + n + 1;
	return table;
}

/* A referent "schema.table" written in a ForeignKey("s.t.c"): split at
 * the first dot when no schema= said it. */
static void ref_split(const struct ag_schema_op *op, char **schema, char **name)
{
	if (op->ref_schema) {
		*schema = ag_strdup(op->ref_schema);
		*name = ag_strdup(bare(op->ref_table, op->ref_schema));
		return;
	}
	const char *dot = strchr(op->ref_table, '.');
	*schema = dot ? ag_strndup(op->ref_table, (size_t)(dot - op->ref_table)) : NULL;
	*name = ag_strdup(dot ? dot + 1 : op->ref_table);
}

static bool tainted(const struct run *r, const char *name)
{
	return r->all_tainted || (name && ag_strv_has(&r->tainted, name));
}

static void taint(struct run *r, const char *name)
{
	if (name && *name && !ag_strv_has(&r->tainted, name))
		ag_strv_push(&r->tainted, name);
}

static struct ag_finding *add(struct run *r, const struct rule *f, const struct ag_schema_op *op,
			      const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static struct ag_finding *add(struct run *r, const struct rule *f, const struct ag_schema_op *op,
			      const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = ag_vprintf(fmt, ap);
	va_end(ap);
	struct ag_finding *fd = ag_findings_add(r->out, f->sev, f->code, r->f->revision, r->f->file,
						op->call_line ? op->call_line : op->line, "%s", msg);
	free(msg);
	return fd;
}

/* schema.table as SQL names it (lib/quote). New. */
static char *sql_table(const char *schema, const char *name)
{
	return ag_quote_sql_table(schema && *schema ? schema : NULL, name);
}


/* "table t" as the migration wrote it. */
static const char *shown(const struct ag_schema_op *op)
{
	return op->table;
}

static const char *search_path_text(struct run *r, struct ag_buf *b)
{
	b->len = 0;
	ag_buf_adds(b, "");
	for (size_t i = 0; i < r->c->search_path.n; i++)
		ag_buf_addf(b, "%s%s", i ? ", " : "", r->c->search_path.v[i]);
	if (!r->c->search_path.n)
		ag_buf_adds(b, "none");
	return b->p;
}

static void missing_table(struct run *r, const struct ag_schema_op *op, const char *what)
{
	struct ag_buf b = {0};
	struct ag_finding *fd = add(r, &MISSING, op, "%s: table %s does not exist%s%s%s", what,
		shown(op), op->schema ? "" : " (search_path: ", op->schema ? "" : search_path_text(r, &b),
		op->schema ? "" : ")");
	ag_finding_fix(fd, "the table is not there: check the name and schema, or the migration "
			   "that should have created it (was it applied to another schema, or "
			   "dropped by hand?)");
	ag_buf_free(&b);
}

/* The live table op names, or NULL. */
static struct ag_catalog_table *find(struct run *r, const struct ag_schema_op *op)
{
	return ag_catalog_table(r->c, op->schema, bare(op->table, op->schema));
}

/* The schema an unqualified CREATE puts things in. */
static const char *create_schema(struct run *r, const char *schema)
{
	if (schema)
		return schema;
	const char *s = ag_catalog_create_schema(r->c);
	return s ? s : "public";
}

/* A relation or type named name in schema: what CREATE TABLE or CREATE
 * INDEX would collide with. Writes what it is into what. */
static bool name_taken(struct run *r, const char *schema, const char *name, bool types,
		       const char **what)
{
	if (ag_catalog_table(r->c, schema, name)) {
		*what = "a table";
		return true;
	}
	struct ag_catalog_object *o = ag_catalog_object(r->c, &r->c->rels, schema, NULL, name);
	if (o) {
		*what = o->kind == 'i' || o->kind == 'I' ? "an index"
			: o->kind == 'S'                 ? "a sequence"
			: o->kind == 'v'                 ? "a view"
			: o->kind == 'm'                 ? "a materialized view"
			: o->kind == 'c'                 ? "a composite type"
							 : "a relation";
		return true;
	}
	if (types && ag_catalog_object(r->c, &r->c->types, schema, NULL, name)) {
		*what = "a type";
		return true;
	}
	return false;
}

/* ---- type compatibility for foreign keys --------------------------------- */

enum tcat { TC_UNKNOWN, TC_INT, TC_STR, TC_UUID, TC_BOOL };

static enum tcat cat_of(const char *t)
{
	if (!t)
		return TC_UNKNOWN;
	if (eq(t, "integer") || eq(t, "bigint") || eq(t, "smallint"))
		return TC_INT;
	if (strncmp(t, "character varying", 17) == 0 || eq(t, "text") || strncmp(t, "character", 9) == 0)
		return TC_STR;
	if (eq(t, "uuid"))
		return TC_UUID;
	if (eq(t, "boolean"))
		return TC_BOOL;
	return TC_UNKNOWN;
}

/* What PostgreSQL makes of a type a migration writes, when that is sure
 * enough to compare; else NULL. Static. */
static const char *pg_type_of(const struct ag_coltype *t)
{
	if (!t->text || t->unresolved || t->project)
		return NULL;
	switch (t->family) {
	case AG_TYPE_UUID:
		return "uuid";
	case AG_TYPE_STRING:
		return strncmp(t->text, "sa.Text", 7) == 0 || strstr(t->text, "Text") ? "text"
										  : "character varying";
	case AG_TYPE_INTEGER:
		return strstr(t->text, "Big") || strstr(t->text, "BIG") ? "bigint"
			: strstr(t->text, "Small") || strstr(t->text, "SMALL") ? "smallint"
									     : "integer";
	case AG_TYPE_OTHER:
		return strstr(t->text, "Boolean") || strstr(t->text, "BOOLEAN") ? "boolean" : NULL;
	default:
		return NULL;
	}
}

/* ---- the rules ------------------------------------------------------------ */

static void not_judged(struct run *r, const struct ag_schema_op *op, const char *why,
		       const char *scope)
{
	struct ag_finding *fd = add(r, &NOT_JUDGED, op, "%s: %s; %s", op->table[0] ? op->table : "op", why, scope);
	ag_finding_fix(fd, "check this operation against the database by hand before the release");
}

static void op_create_table(struct run *r, const struct ag_schema_op *op)
{
	const char *name = bare(op->table, op->schema);
	const char *schema = create_schema(r, op->schema);
	const char *what = NULL;
	if (!tainted(r, name) && !op->if_exists && name_taken(r, schema, name, true, &what)) {
		struct ag_finding *fd = add(r, &EXISTS, op,
					    "op.create_table(%s) will fail: %s named %s already exists in "
					    "schema %s",
					    shown(op), what, name, schema);
		char *q = sql_table(schema, name);
		ag_finding_fix(fd, "the table exists already: if it was created by hand or by a "
				   "migration that half-ran, make this migration skip it (create it "
				   "only if missing) or drop it first (DROP TABLE %s;) once its data is "
				   "not needed",
			       q);
		free(q);
	}
	struct ag_catalog_table *t = ag_catalog_add_table(r->c, schema, name);
	t->created = true;
	/* Its indexes and constraints (index=True, a primary key, a Column's
	 * ForeignKey) get names the replay does not know. */
	if (!ag_strv_has(&r->loose, name))
		ag_strv_push(&r->loose, name);
	r->unnamed = true;
	t->has_rows = 0;
	r->create_table = op->table;
	r->create_line = op->call_line;
}

/* The Enum type a column needs: CREATE TYPE in create_table, or there
 * already for add_column and alter_column. */
static void check_enum(struct run *r, const struct ag_schema_op *op, const char *table_schema,
		       bool creates)
{
	if (!op->enum_name || op->enum_opaque || tainted(r, bare(op->table, op->schema)))
		return;
	(void)table_schema;
	if (creates) {
		char *key = ag_printf("%s.%s", op->enum_schema ? op->enum_schema : "", op->enum_name);
		bool seen = ag_strv_has(&r->create_enums, key);
		if (!seen)
			ag_strv_push(&r->create_enums, key);
		free(key);
		if (seen)
			return; /* created once per upgrade run */
		const char *schema = create_schema(r, op->enum_schema);
		const char *what = NULL;
		bool taken = ag_catalog_object(r->c, &r->c->types, schema, NULL, op->enum_name) != NULL;
		if (taken)
			what = "a type";
		else
			taken = name_taken(r, schema, op->enum_name, false, &what);
		if (taken) {
			struct ag_finding *fd = add(r, &EXISTS, op,
				"op.create_table(%s) will fail creating the enum type %s: %s named %s "
				"already exists in schema %s (DuplicateObject: type \"%s\" already exists)",
				shown(op), op->enum_name, what, op->enum_name, schema, op->enum_name);
			ag_finding_fix(fd, "the type exists already: declare the column's type with "
					   "postgresql.ENUM(..., name=\"%s\", create_type=False) so that "
					   "create_table uses it instead of creating it",
				       op->enum_name);
		}
		ag_catalog_add_object(&r->c->types, schema, NULL, op->enum_name, 'e');
		return;
	}
	if (!ag_catalog_object(r->c, &r->c->types, op->enum_schema, NULL, op->enum_name)) {
		struct ag_buf b = {0};
		struct ag_finding *fd = add(r, &MISSING, op,
					    "%s.%s will fail: the type %s does not exist (%s%s)",
					    shown(op), op->column, op->enum_name,
					    op->enum_schema ? "schema " : "search_path: ",
					    op->enum_schema ? op->enum_schema : search_path_text(r, &b));
		ag_finding_fix(fd, "add_column and alter_column do not create an Enum's type: create "
				   "it first in this migration (sa.Enum(..., name=\"%s\").create(op.get_bind(), "
				   "checkfirst=True))",
			       op->enum_name);
		ag_buf_free(&b);
	}
}

static int op_column(struct run *r, const struct ag_schema_op *op)
{
	const char *name = bare(op->table, op->schema);
	bool in_create = eq(r->create_table, op->table) && op->call_line == r->create_line;
	struct ag_catalog_table *t = find(r, op);
	if (in_create) {
		if (t)
			ag_catalog_add_column(t, op->column, pg_type_of(&op->type),
					      op->nullable == 0 || op->primary_key, op->has_default);
		check_enum(r, op, t ? t->schema : NULL, op->enum_creates);
		return 0;
	}
	if (tainted(r, name)) {
		if (t && !ag_catalog_column(t, op->column))
			ag_catalog_add_column(t, op->column, NULL, false, true);
		return 0;
	}
	if (!t) {
		missing_table(r, op, "op.add_column");
		return 0;
	}
	struct ag_catalog_column *col = ag_catalog_column(t, op->column);
	if (col && op->if_exists)
		return 0;
	if (col) {
		struct ag_finding *fd = add(r, &EXISTS, op,
					    "op.add_column(%s, %s) will fail: table %s already has column "
					    "%s (%s)",
					    shown(op), op->column, name, op->column,
					    col->type ? col->type : "type unknown");
		ag_finding_fix(fd, "the column exists already: if the earlier change was applied by "
				   "hand, make this migration skip it (op.add_column only if missing) "
				   "or drop the column first");
		return 0;
	}
	check_enum(r, op, t->schema, false);
	if (op->nullable == 0 && !op->primary_key && !op->has_default && !r->rows_unknown &&
	    r->o->has_rows) {
		int rows = t->created ? 0 : r->o->has_rows(r->o->arg, t);
		if (rows < 0)
			return -1;
		/* 2: the table cannot be read (no privilege): not judged. */
		if (rows == 1) {
			struct ag_finding *fd = add(r, &NOT_NULL, op,
				"op.add_column(%s, %s) will fail: the column is NOT NULL without a "
				"server_default and table %s has rows (NotNullViolation: column \"%s\" "
				"contains null values)",
				shown(op), op->column, name, op->column);
			ag_finding_fix(fd, "add the column with nullable=True, fill it (UPDATE), then "
					   "alter it to nullable=False; or give it a server_default");
		}
	}
	ag_catalog_add_column(t, op->column, pg_type_of(&op->type), op->nullable == 0,
			      op->has_default);
	if (op->unique && !ag_strv_has(&r->loose, name)) {
		ag_strv_push(&r->loose, name);
		r->unnamed = true;
	}
	return 0;
}

static bool big(struct run *r, const struct ag_catalog_table *t)
{
	return t && !t->created && t->reltuples >= r->lock_rows;
}

static void lock_risk(struct run *r, const struct ag_schema_op *op, const struct ag_catalog_table *t,
		      const char *what, const char *fix)
{
	struct ag_finding *fd = add(r, &LOCK_RISK, op,
				    "%s on table %s (about %.0f rows, pg_class.reltuples) %s", what,
				    t->name, t->reltuples, "blocks its writes until it finishes");
	ag_finding_fix(fd, "%s", fix);
}

static void op_alter(struct run *r, const struct ag_schema_op *op)
{
	const char *name = bare(op->table, op->schema);
	struct ag_catalog_table *t = find(r, op);
	struct ag_catalog_column *col = t ? ag_catalog_column(t, op->column) : NULL;
	if (!tainted(r, name)) {
		if (!t) {
			missing_table(r, op, "op.alter_column");
			return;
		}
		if (!col) {
			struct ag_finding *fd = add(r, &MISSING, op,
						    "op.alter_column(%s, %s) will fail: table %s has no "
						    "column %s",
						    shown(op), op->column, name, op->column);
			ag_finding_fix(fd, "check the column's name (was it renamed or dropped by "
					   "hand?), or the migration that should have added it");
			return;
		}
		if (op->new_name && ag_catalog_column(t, op->new_name)) {
			struct ag_finding *fd = add(r, &EXISTS, op,
						    "op.alter_column(%s, %s, new_column_name=%s) will "
						    "fail: table %s already has column %s",
						    shown(op), op->column, op->new_name, name, op->new_name);
			ag_finding_fix(fd, "the new name is taken: if the rename was applied by hand, "
					   "make this migration skip it");
		}
		check_enum(r, op, t->schema, false);
		if (big(r, t) && op->type.line) {
			const char *nt = pg_type_of(&op->type);
			bool same_family = cat_of(col->type) == TC_STR && nt && cat_of(nt) == TC_STR;
			if (!same_family)
				lock_risk(r, op, t, "changing the column's type rewrites the table under "
						    "an ACCESS EXCLUSIVE lock:",
					  "add a new column, fill it in batches, then swap them; or run "
					  "this migration when the table can be locked for the rewrite");
		}
		if (big(r, t) && op->nullable == 0 && !col->notnull)
			lock_risk(r, op, t, "SET NOT NULL scans the whole table under an ACCESS "
					    "EXCLUSIVE lock:",
				  "add a CHECK (col IS NOT NULL) NOT VALID constraint, VALIDATE it, then "
				  "SET NOT NULL (PostgreSQL 12+ uses the constraint instead of a scan)");
	}
	if (!col)
		return;
	if (op->new_name) {
		free(col->name);
		col->name = ag_strdup(op->new_name);
	}
	if (op->type.line) {
		free(col->type);
		const char *nt = pg_type_of(&op->type);
		col->type = nt ? ag_strdup(nt) : NULL;
	}
	if (op->nullable >= 0)
		col->notnull = op->nullable == 0;
}

static void op_drop_column(struct run *r, const struct ag_schema_op *op)
{
	const char *name = bare(op->table, op->schema);
	struct ag_catalog_table *t = find(r, op);
	struct ag_catalog_column *col = t ? ag_catalog_column(t, op->column) : NULL;
	if (!tainted(r, name) && !op->if_exists) {
		if (!t) {
			missing_table(r, op, "op.drop_column");
		} else if (!col) {
			struct ag_finding *fd = add(r, &MISSING, op,
						    "op.drop_column(%s, %s) will fail: table %s has no "
						    "column %s",
						    shown(op), op->column, name, op->column);
			ag_finding_fix(fd, "the column is gone already: if it was dropped by hand, "
					   "make this migration skip it (drop it only if present)");
		}
	}
	if (col)
		col->dropped = true;
	/* Indexes and constraints on it went with it: not known which. */
	if (!ag_strv_has(&r->loose, name))
		ag_strv_push(&r->loose, name);
}

static void drop_objects_of(struct run *r, const struct ag_catalog_table *t)
{
	struct ag_catalog_objects *lists[] = {&r->c->rels, &r->c->cons};
	for (size_t l = 0; l < 2; l++)
		for (size_t i = 0; i < lists[l]->n; i++) {
			struct ag_catalog_object *o = &lists[l]->v[i];
			if (eq(o->schema, t->schema) && eq(o->table, t->name))
				o->dropped = true;
		}
}

static void op_drop_table(struct run *r, const struct ag_schema_op *op)
{
	const char *name = bare(op->table, op->schema);
	struct ag_catalog_table *t = find(r, op);
	if (!t && !tainted(r, name) && !op->if_exists)
		missing_table(r, op, "op.drop_table");
	if (t) {
		drop_objects_of(r, t);
		t->dropped = true;
	}
}

static void op_rename_table(struct run *r, const struct ag_schema_op *op)
{
	const char *name = bare(op->table, op->schema);
	const char *nw = bare(op->new_name, op->schema);
	struct ag_catalog_table *t = find(r, op);
	if (!tainted(r, name) && !tainted(r, nw)) {
		const char *what = NULL;
		if (!t)
			missing_table(r, op, "op.rename_table");
		else if (name_taken(r, t->schema, nw, true, &what)) {
			struct ag_finding *fd = add(r, &EXISTS, op,
						    "op.rename_table(%s, %s) will fail: %s named %s "
						    "already exists in schema %s",
						    shown(op), nw, what, nw, t->schema);
			ag_finding_fix(fd, "the new name is taken: if the rename was applied by hand, "
					   "make this migration skip it");
		}
	}
	if (!t)
		return;
	for (size_t l = 0; l < 2; l++) {
		struct ag_catalog_objects *o = l ? &r->c->cons : &r->c->rels;
		for (size_t i = 0; i < o->n; i++)
			if (eq(o->v[i].schema, t->schema) && eq(o->v[i].table, t->name)) {
				free(o->v[i].table);
				o->v[i].table = ag_strdup(nw);
			}
	}
	free(t->name);
	t->name = ag_strdup(nw);
	if (ag_strv_has(&r->tainted, name))
		taint(r, nw);
	if (ag_strv_has(&r->loose, name) && !ag_strv_has(&r->loose, nw))
		ag_strv_push(&r->loose, nw);
}

static void fk_bad(struct run *r, const struct ag_schema_op *op, const char *from, const char *to,
		   const char *why)
{
	struct ag_finding *fd = add(r, &FK_MISMATCH, op,
				    "the foreign key from %s to %s will fail: %s", from, to, why);
	ag_finding_fix(fd, "make the key's columns exist with the same type on both sides (or "
			   "alter one side first in this migration)");
}

static void op_fk(struct run *r, const struct ag_schema_op *op)
{
	const char *name = bare(op->table, op->schema);
	char *rs = NULL, *rn = NULL;
	ref_split(op, &rs, &rn);
	struct ag_catalog_table *t = find(r, op);
	struct ag_catalog_table *rt = ag_catalog_table(r->c, rs, rn);
	/* op.create_foreign_key; a Column's key is part of create_table or
	 * add_column, which judged the table already. */
	bool standalone = op->contype == 'f';
	if (tainted(r, name) || tainted(r, rn))
		goto out;
	if (!t) {
		if (standalone)
			missing_table(r, op, "op.create_foreign_key");
		goto out;
	}
	if (!rt) {
		char *why = ag_printf("table %s does not exist%s", op->ref_table,
				      rs ? "" : " on search_path");
		fk_bad(r, op, shown(op), op->ref_table, why);
		free(why);
		goto out;
	}
	if (standalone && op->new_name &&
	    ag_catalog_object(r->c, &r->c->cons, t->schema, t->name, op->new_name)) {
		struct ag_finding *fd = add(r, &EXISTS, op,
					    "op.create_foreign_key(%s) will fail: table %s already "
					    "has a constraint named %s",
					    op->new_name, name, op->new_name);
		ag_finding_fix(fd, "the constraint exists already: if it was added by hand, make "
				   "this migration skip it, or drop it first");
		goto out;
	}
	for (size_t i = 0; i < op->cols.n && i < op->ref_cols.n; i++) {
		struct ag_catalog_column *lc = ag_catalog_column(t, op->cols.v[i]);
		struct ag_catalog_column *rc = ag_catalog_column(rt, op->ref_cols.v[i]);
		if (!lc || !rc) {
			char *why = ag_printf("table %s has no column %s", lc ? rn : name,
					      lc ? op->ref_cols.v[i] : op->cols.v[i]);
			fk_bad(r, op, shown(op), op->ref_table, why);
			free(why);
			goto out;
		}
		enum tcat a = cat_of(lc->type), b = cat_of(rc->type);
		if (a != TC_UNKNOWN && b != TC_UNKNOWN && a != b) {
			char *lt = ag_printf("%s.%s", name, lc->name);
			char *rty = ag_printf("%s.%s", rn, rc->name);
			char *why = ag_printf("%s and %s are incompatible types (%s and %s)", lt, rty,
					      lc->type, rc->type);
			fk_bad(r, op, lt, rty, why);
			free(why);
			free(lt);
			free(rty);
			goto out;
		}
	}
	if (standalone && big(r, t))
		lock_risk(r, op, t, "op.create_foreign_key validates every row while holding a SHARE "
				    "ROW EXCLUSIVE lock:",
			  "create the constraint NOT VALID in raw SQL (op.execute(\"ALTER TABLE ... ADD "
			  "CONSTRAINT ... NOT VALID\")), then VALIDATE CONSTRAINT in a later migration");
out:
	if (t && standalone && op->new_name)
		ag_catalog_add_object(&r->c->cons, t->schema, t->name, op->new_name, 'f');
	if (t && !op->new_name && !ag_strv_has(&r->loose, t->name)) {
		ag_strv_push(&r->loose, t->name); /* named by the database */
		r->unnamed = true;
	}
	free(rs);
	free(rn);
}

static void op_create_index(struct run *r, const struct ag_schema_op *op)
{
	const char *name = bare(op->table, op->schema);
	struct ag_catalog_table *t = find(r, op);
	if (!tainted(r, name)) {
		const char *what = NULL;
		if (!t) {
			missing_table(r, op, "op.create_index");
			return;
		}
		/* On a loose table an index of that name may have gone with a
		 * column: only its columns, which the replay follows exactly,
		 * are judged. */
		if (!op->if_exists && !ag_strv_has(&r->loose, name) &&
		    name_taken(r, t->schema, op->new_name, false, &what)) {
			struct ag_finding *fd = add(r, &EXISTS, op,
						    "op.create_index(%s) will fail: %s named %s already "
						    "exists in schema %s",
						    op->new_name, what, op->new_name, t->schema);
			ag_finding_fix(fd, "the index exists already: if it was created by hand, pass "
					   "if_not_exists=True (Alembic 1.12+) or drop it first");
		}
		for (size_t i = 0; i < op->cols.n; i++)
			if (!ag_catalog_column(t, op->cols.v[i])) {
				struct ag_finding *fd = add(r, &MISSING, op,
							    "op.create_index(%s) will fail: table %s has no "
							    "column %s",
							    op->new_name, name, op->cols.v[i]);
				ag_finding_fix(fd, "check the column's name, or add the column first");
				break;
			}
		if (!op->concurrently && big(r, t))
			lock_risk(r, op, t, "op.create_index without postgresql_concurrently=True",
				  "pass postgresql_concurrently=True and run it outside the migration's "
				  "transaction (with op.get_context().autocommit_block():)");
	}
	if (t)
		ag_catalog_add_object(&r->c->rels, t->schema, t->name, op->new_name, 'i');
}

static void op_drop_index(struct run *r, const struct ag_schema_op *op)
{
	struct ag_catalog_object *o =
		ag_catalog_object(r->c, &r->c->rels, op->schema, NULL, op->new_name);
	if (o && !(o->kind == 'i' || o->kind == 'I'))
		o = NULL;
	const char *tname = op->table[0] ? bare(op->table, op->schema) : o ? o->table : NULL;
	bool judge = !r->all_tainted && !tainted(r, tname) &&
		     !(tname && ag_strv_has(&r->loose, tname)) &&
		     !(!o && r->unnamed && !op->table[0]); /* maybe an index the replay cannot name */
	if (judge && !o && !op->if_exists) {
		struct ag_buf b = {0};
		struct ag_finding *fd = add(r, &MISSING, op,
					    "op.drop_index(%s) will fail: no index %s %s%s", op->new_name,
					    op->new_name, op->schema ? "in schema " : "on search_path: ",
					    op->schema ? op->schema : search_path_text(r, &b));
		ag_finding_fix(fd, "the index is gone already: if it was dropped by hand, pass "
				   "if_exists=True (Alembic 1.12+) or make this migration skip it");
		ag_buf_free(&b);
	}
	if (o)
		o->dropped = true;
}

static void op_create_constraint(struct run *r, const struct ag_schema_op *op)
{
	const char *name = bare(op->table, op->schema);
	struct ag_catalog_table *t = find(r, op);
	if (!tainted(r, name)) {
		const char *what = NULL;
		if (!t) {
			missing_table(r, op, op->contype == 'u' ? "op.create_unique_constraint"
								: "op.create_check_constraint");
			return;
		}
		/* As for an index: on a loose table only the columns are sure. */
		bool taken = !ag_strv_has(&r->loose, name) && op->new_name &&
			     ag_catalog_object(r->c, &r->c->cons, t->schema, t->name, op->new_name);
		if (taken)
			what = "a constraint";
		else if (op->new_name && op->contype == 'u' && !ag_strv_has(&r->loose, name))
			taken = name_taken(r, t->schema, op->new_name, false, &what);
		if (taken) {
			struct ag_finding *fd = add(r, &EXISTS, op,
						    "the constraint %s on %s will fail: %s named %s "
						    "already exists%s",
						    op->new_name, name, what, op->new_name,
						    what[2] == 'c' ? " on the table" : " in the schema");
			ag_finding_fix(fd, "the constraint exists already: if it was added by hand, "
					   "make this migration skip it, or drop it first");
		}
		for (size_t i = 0; i < op->cols.n; i++)
			if (!ag_catalog_column(t, op->cols.v[i])) {
				struct ag_finding *fd = add(r, &MISSING, op,
							    "the unique constraint on %s will fail: table "
							    "%s has no column %s",
							    name, name, op->cols.v[i]);
				ag_finding_fix(fd, "check the column's name, or add the column first");
				break;
			}
		if (big(r, t))
			lock_risk(r, op, t,
				  op->contype == 'u' ? "a unique constraint builds its index while "
						       "holding an ACCESS EXCLUSIVE lock:"
						     : "a check constraint scans every row while "
						       "holding an ACCESS EXCLUSIVE lock:",
				  op->contype == 'u'
					  ? "build a unique index CONCURRENTLY first, then add the "
					    "constraint USING INDEX (op.execute)"
					  : "add it NOT VALID in raw SQL, then VALIDATE CONSTRAINT in a "
					    "later migration");
	}
	if (t && !op->new_name && !ag_strv_has(&r->loose, t->name)) {
		ag_strv_push(&r->loose, t->name); /* named by the database */
		r->unnamed = true;
	}
	if (t && op->new_name) {
		ag_catalog_add_object(&r->c->cons, t->schema, t->name, op->new_name, op->contype);
		if (op->contype == 'u')
			ag_catalog_add_object(&r->c->rels, t->schema, t->name, op->new_name, 'i');
	}
}

static void op_drop_constraint(struct run *r, const struct ag_schema_op *op)
{
	const char *name = bare(op->table, op->schema);
	struct ag_catalog_table *t = find(r, op);
	struct ag_catalog_object *o =
		t ? ag_catalog_object(r->c, &r->c->cons, t->schema, t->name, op->new_name) : NULL;
	if (!tainted(r, name) && !ag_strv_has(&r->loose, name) && !op->if_exists) {
		if (!t) {
			missing_table(r, op, "op.drop_constraint");
		} else if (!o) {
			struct ag_finding *fd = add(r, &MISSING, op,
						    "op.drop_constraint(%s, %s) will fail: table %s has "
						    "no constraint %s",
						    op->new_name, shown(op), name, op->new_name);
			ag_finding_fix(fd, "the constraint is gone or named otherwise: check its name "
					   "in the database (\\d %s in psql)",
				       name);
		}
	}
	if (o) {
		o->dropped = true;
		struct ag_catalog_object *ix =
			ag_catalog_object(r->c, &r->c->rels, t->schema, t->name, op->new_name);
		if (ix)
			ix->dropped = true;
	}
}

/* Raw SQL: what it may change. A literal without DDL or row-removing
 * words changes nothing the replay models. */
static void op_execute(struct run *r, const struct ag_schema_op *op)
{
	static const char *const ddl[] = {"create", "alter",  "drop",    "rename", "do",
					  "call",   "execute", "perform", "import", "grant",
					  "revoke", "reindex", "cluster", "security"};
	static const char *const removes[] = {"delete", "truncate", "merge"};
	const char *sql = op->column;
	bool any_ddl = !sql, removes_rows = false;
	for (const char *p = sql; p && *p;) {
		while (*p && !(isalpha((unsigned char)*p) || *p == '_'))
			p++;
		const char *s = p;
		while (*p && (isalnum((unsigned char)*p) || *p == '_'))
			p++;
		size_t n = (size_t)(p - s);
		char w[16];
		if (!n || n >= sizeof w)
			continue;
		for (size_t i = 0; i < n; i++)
			w[i] = (char)tolower((unsigned char)s[i]);
		w[n] = '\0';
		for (size_t i = 0; i < AG_ARRAY_LEN(ddl); i++)
			any_ddl = any_ddl || strcmp(w, ddl[i]) == 0;
		for (size_t i = 0; i < AG_ARRAY_LEN(removes); i++)
			removes_rows = removes_rows || strcmp(w, removes[i]) == 0;
	}
	if (any_ddl && !r->all_tainted) {
		struct ag_finding *fd = add(r, &NOT_JUDGED, op,
			"op.execute: %s is not judged, and the operations after it in the pending "
			"migrations are not judged either (it may change any table)",
			sql ? "raw SQL" : "SQL only Python knows");
		ag_finding_fix(fd, "check this statement against the database by hand before the "
				   "release");
		r->all_tainted = true;
	} else if (!any_ddl) {
		/* Named all the same: the issue counts every raw statement as
		 * unknown, and a DELETE here silently turns the NOT NULL rule off. */
		struct ag_finding *fd = add(r, &NOT_JUDGED, op,
			"op.execute: raw SQL is not judged (no DDL in it, so the operations after "
			"it are still judged%s)",
			removes_rows ? "; it may remove rows, so no table counts as holding rows "
				       "after it" : "");
		ag_finding_fix(fd, "check this statement against the database by hand before the "
				   "release");
	}
	if (removes_rows)
		r->rows_unknown = true;
}

static int replay_op(struct run *r, const struct ag_schema_op *op)
{
	const char *name = op->table[0] ? bare(op->table, op->schema) : NULL;
	if (op->kind != AG_SOP_COLUMN && op->kind != AG_SOP_FOREIGN_KEY) {
		r->create_table = NULL;
		r->create_line = 0;
	}
	if (op->kind == AG_SOP_UNKNOWN) {
		if (!name) {
			if (!r->all_tainted) {
				struct ag_finding *fd = add(r, &NOT_JUDGED, op,
					"op.%s: not judged (an argument only Python knows, or an "
					"operation pre-flight does not model); the operations after it "
					"are not judged either",
					op->column ? op->column : "call");
				ag_finding_fix(fd, "check this operation against the database by hand "
						   "before the release");
			}
			r->all_tainted = true;
		} else {
			if (!tainted(r, name))
				not_judged(r, op, op->batch ? "batch operation not judged" : "operation not judged",
					   "later operations on this table are not judged");
			taint(r, name);
		}
		return 0;
	}
	if (op->kind == AG_SOP_EXECUTE) {
		op_execute(r, op);
		return 0;
	}
	if (op->kind == AG_SOP_FORGET_TABLE)
		return 0;
	if (op->conditional || op->batch || op->opaque) {
		if (name && !tainted(r, name))
			not_judged(r, op,
				   op->conditional ? "under if/for/while/try: it may not run"
				   : op->batch     ? "batch operation (batch_alter_table) not judged"
						   : "an argument only Python knows",
				   "later operations on this table are not judged");
		taint(r, name);
		if (op->kind == AG_SOP_RENAME_TABLE && op->new_name)
			taint(r, bare(op->new_name, op->schema));
		/* Still replayed, so that the model keeps what probably happened;
		 * nothing on this table is judged from here on. */
	}
	switch (op->kind) {
	case AG_SOP_CREATE_TABLE:
		op_create_table(r, op);
		break;
	case AG_SOP_COLUMN:
		return op_column(r, op);
	case AG_SOP_ALTER:
		op_alter(r, op);
		break;
	case AG_SOP_DROP_COLUMN:
		op_drop_column(r, op);
		break;
	case AG_SOP_DROP_TABLE:
		op_drop_table(r, op);
		break;
	case AG_SOP_RENAME_TABLE:
		op_rename_table(r, op);
		break;
	case AG_SOP_FOREIGN_KEY:
		op_fk(r, op);
		break;
	case AG_SOP_CREATE_INDEX:
		op_create_index(r, op);
		break;
	case AG_SOP_DROP_INDEX:
		op_drop_index(r, op);
		break;
	case AG_SOP_CREATE_CONSTRAINT:
		op_create_constraint(r, op);
		break;
	case AG_SOP_DROP_CONSTRAINT:
		op_drop_constraint(r, op);
		break;
	default:
		break;
	}
	return 0;
}

void ag_preflight_schemas(const struct ag_preflight_file *files, size_t n, struct ag_strv *out)
{
	for (size_t i = 0; i < n; i++) {
		const struct ag_schema_file *f = files[i].ops;
		for (size_t k = 0; f && k < f->n; k++) {
			const struct ag_schema_op *op = &f->v[k];
			if (op->schema)
				ag_strv_push(out, op->schema);
			if (op->enum_schema)
				ag_strv_push(out, op->enum_schema);
			if (op->ref_table) {
				char *rs = NULL, *rn = NULL;
				ref_split(op, &rs, &rn);
				if (rs)
					ag_strv_push_take(out, rs);
				free(rn);
			}
		}
	}
	ag_strv_uniq(out);
}

void ag_preflight_names(const struct ag_preflight_file *files, size_t n, struct ag_strv *out)
{
	for (size_t i = 0; i < n; i++) {
		const struct ag_schema_file *f = files[i].ops;
		for (size_t k = 0; f && k < f->n; k++) {
			const struct ag_schema_op *op = &f->v[k];
			if (op->table[0])
				ag_strv_push(out, bare(op->table, op->schema));
			if (op->new_name)
				ag_strv_push(out, op->kind == AG_SOP_RENAME_TABLE
							  ? bare(op->new_name, op->schema)
							  : op->new_name);
			if (op->enum_name)
				ag_strv_push(out, op->enum_name);
			if (op->ref_table) {
				char *rs = NULL, *rn = NULL;
				ref_split(op, &rs, &rn);
				ag_strv_push_take(out, rn);
				free(rs);
			}
		}
	}
	ag_strv_uniq(out);
}

unsigned ag_preflight_parts(const struct ag_preflight_file *files, size_t n)
{
	unsigned parts = 0;
	for (size_t i = 0; i < n; i++) {
		const struct ag_schema_file *f = files[i].ops;
		for (size_t k = 0; f && k < f->n; k++) {
			const struct ag_schema_op *op = &f->v[k];
			/* Constraints are looked up by name: a named foreign key or
			 * constraint to create, one to drop. */
			if (op->kind == AG_SOP_CREATE_CONSTRAINT || op->kind == AG_SOP_DROP_CONSTRAINT ||
			    (op->kind == AG_SOP_FOREIGN_KEY && op->new_name))
				parts |= AG_CATALOG_CONSTRAINTS;
			/* A table's name is a type's too (its row type): creating
			 * or renaming a table collides with an enum or a domain. */
			if (op->kind == AG_SOP_CREATE_TABLE || op->kind == AG_SOP_RENAME_TABLE ||
			    op->enum_name)
				parts |= AG_CATALOG_TYPES;
		}
	}
	return parts;
}

int ag_preflight_run(struct ag_catalog *c, const struct ag_preflight_file *files, size_t n,
		     const struct ag_preflight_opts *o, struct ag_findings *out)
{
	static const struct ag_preflight_opts none = {0};
	struct run r;
	memset(&r, 0, sizeof r);
	r.c = c;
	r.o = o ? o : &none;
	r.out = out;
	r.lock_rows = r.o->lock_rows > 0 ? r.o->lock_rows : AG_PREFLIGHT_LOCK_ROWS;
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		r.f = &files[i];
		r.create_table = NULL;
		const struct ag_schema_file *f = files[i].ops;
		if (!f || !f->tokenized) {
			/* script.c reports why it could not be read; nothing after it
			 * can be judged. */
			r.all_tainted = true;
			continue;
		}
		for (size_t k = 0; k < f->n && rc == 0; k++)
			rc = replay_op(&r, &f->v[k]);
	}
	ag_strv_free(&r.tainted);
	ag_strv_free(&r.loose);
	ag_strv_free(&r.create_enums);
	return rc;
}
