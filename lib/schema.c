#include "schema.h"
#include "schemaread.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "pyscan.h"


const char *ag_type_family_name(enum ag_type_family f)
{
	switch (f) {
	case AG_TYPE_UUID:
		return "uuid";
	case AG_TYPE_STRING:
		return "string";
	case AG_TYPE_INTEGER:
		return "integer";
	case AG_TYPE_OTHER:
		return "other";
	case AG_TYPE_HELPER:
		return "helper";
	default:
		return "unknown";
	}
}

static void op_free(struct ag_schema_op *op)
{
	free(op->table);
	free(op->column);
	free(op->new_name);
	ag_schemaread_coltype_free(&op->type);
	free(op->ref_table);
	ag_strv_free(&op->cols);
	ag_strv_free(&op->ref_cols);
	free(op->schema);
	free(op->ref_schema);
	free(op->enum_name);
	free(op->enum_schema);
}

void ag_schema_file_free(struct ag_schema_file *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n; i++)
		op_free(&f->v[i]);
	free(f->v);
	for (size_t i = 0; i < f->nuses; i++)
		ag_schemaread_coltype_free(&f->uses[i].type);
	free(f->uses);
	memset(f, 0, sizeof *f);
}

static char *schema_of(const struct reader *r, const char *name);

/* Appends an operation (only upgrade()'s count); returns it, or NULL. */
static struct ag_schema_op *emit(struct reader *r, enum ag_schema_op_kind kind, const char *table,
				 int line)
{
	if (r->region != R_UPGRADE || !table)
		return NULL;
	struct ag_schema_file *f = r->out;
	ag_grow((void **)&f->v, &f->cap, f->n + 1, sizeof *f->v);
	struct ag_schema_op *op = &f->v[f->n++];
	memset(op, 0, sizeof *op);
	op->kind = kind;
	op->table = ag_strdup(table);
	op->line = line;
	op->schema = schema_of(r, table);
	op->call_line = r->call_line ? r->call_line : line;
	op->conditional = r->cur_cond;
	op->batch = r->cur_batch;
	op->nullable = -1;
	return op;
}

/* "schema.table" when a schema argument is a string. New. */
static char *qualify(struct reader *r, const char *table, const struct arg *schema)
{
	if (!table)
		return NULL;
	char *s = ag_schemaread_arg_str(r, schema);
	char *q = s && *s ? ag_printf("%s.%s", s, table) : ag_strdup(table);
	if (s && *s && !ag_strv_has(&r->qual_names, q)) {
		ag_strv_push(&r->qual_names, q);
		ag_strv_push(&r->qual_schemas, s);
	}
	free(s);
	return q;
}

/* The schema qualify() put in front of name, or NULL. New. */
static char *schema_of(const struct reader *r, const char *name)
{
	for (size_t i = 0; name && i < r->qual_names.n; i++)
		if (strcmp(r->qual_names.v[i], name) == 0)
			return ag_strdup(r->qual_schemas.v[i]);
	return NULL;
}

/* A pending foreign key, emitted once a table's columns are all known. */
struct fk {
	struct ag_strv cols, refs; /* refs: "table.column" (or "schema.table.column") */
	int line;
};

struct fks {
	struct fk *v;
	size_t n, cap;
};

static void fks_free(struct fks *k)
{
	for (size_t i = 0; i < k->n; i++) {
		ag_strv_free(&k->v[i].cols);
		ag_strv_free(&k->v[i].refs);
	}
	free(k->v);
	memset(k, 0, sizeof *k);
}

static struct fk *fk_add(struct fks *k, int line)
{
	ag_grow((void **)&k->v, &k->cap, k->n + 1, sizeof *k->v);
	struct fk *f = &k->v[k->n++];
	memset(f, 0, sizeof *f);
	f->line = line;
	return f;
}

/* Emits the keys of fks on table: each reference "t.c" splits at its last
 * dot, keys naming one table become one operation. */
static void emit_fks(struct reader *r, const char *table, const struct fks *k)
{
	for (size_t i = 0; i < k->n; i++) {
		const struct fk *f = &k->v[i];
		if (!f->cols.n || f->cols.n != f->refs.n)
			continue;
		char *ref_table = NULL;
		struct ag_strv ref_cols = {0};
		bool ok = true;
		for (size_t c = 0; c < f->refs.n && ok; c++) {
			const char *dot = strrchr(f->refs.v[c], '.');
			if (!dot || dot == f->refs.v[c] || !dot[1]) {
				ok = false;
				break;
			}
			char *t = ag_strndup(f->refs.v[c], (size_t)(dot - f->refs.v[c]));
			if (ref_table && strcmp(ref_table, t) != 0)
				ok = false;
			if (!ref_table)
				ref_table = t;
			else
				free(t);
			ag_strv_push(&ref_cols, dot + 1);
		}
		struct ag_schema_op *op = ok ? emit(r, AG_SOP_FOREIGN_KEY, table, f->line) : NULL;
		if (op) {
			op->ref_table = ref_table;
			ref_table = NULL;
			ag_strv_copy(&op->cols, &f->cols);
			op->ref_cols = ref_cols;
			memset(&ref_cols, 0, sizeof ref_cols);
		}
		free(ref_table);
		ag_strv_free(&ref_cols);
	}
}
/* sa.ForeignKey('t.c') inside a Column: its reference (and line), or
 * NULL. New. */
static char *column_fk(const struct reader *r, const struct arg *a, int *line)
{
	size_t open;
	if (a->kw || a->star || !ag_schemaread_callee_is(r, a->a, a->b, "ForeignKey", &open))
		return NULL;
	if (line)
		*line = r->t[a->a].line;
	struct args as = {0};
	ag_schemaread_split_args(r, open, &as);
	char *ref = ag_schemaread_arg_str(r, ag_schemaread_arg_get(&as, 0, "column"));
	free(as.v);
	return ref;
}



/* An op call the reader cannot follow: pre-flight judges nothing it may
 * touch. */
static void unknown_op(struct reader *r, const char *table, const char *method, int line)
{
	struct ag_schema_op *op = emit(r, AG_SOP_UNKNOWN, table ? table : "", line);
	if (op)
		op->column = ag_strdup(method);
}

static const char *const enum_names[] = {"Enum", "ENUM"};

/* The Enum of a column type [a, b) (or of the name it is bound to):
 * its type name, whether SQLAlchemy makes it a native type. */
static void column_enum(const struct reader *r, size_t a, size_t b, struct ag_schema_op *op)
{
	if (b == a + 1 && r->t[a].kind == AG_TOK_NAME) {
		struct ag_buf nm = {0};
		ag_buf_add(&nm, r->t[a].p, r->t[a].len);
		const struct var *v = ag_schemaread_var_get(r, nm.p);
		ag_buf_free(&nm);
		if (!v)
			return;
		a = v->a;
		b = v->b;
	}
	const char *last;
	size_t ll, np, open;
	open = ag_schemaread_callee(r, a, &last, &ll, &np);
	if (open == NONE || r->match[open] != b - 1 || !ag_schemaread_in_list(last, ll, enum_names, AG_ARRAY_LEN(enum_names)))
		return;
	struct args as = {0};
	ag_schemaread_split_args(r, open, &as);
	if (ag_schemaread_arg_bool(r, ag_schemaread_arg_get(&as, -1, "native_enum")) == T_FALSE) {
		free(as.v);
		return;
	}
	const struct arg *nm = ag_schemaread_arg_get(&as, -1, "name");
	op->enum_name = ag_schemaread_arg_str(r, nm);
	op->enum_schema = ag_schemaread_arg_str(r, ag_schemaread_arg_get(&as, -1, "schema"));
	bool strings = true;
	for (size_t i = 0; i < as.n && strings; i++) {
		if (as.v[i].kw)
			continue;
		char *v = ag_schemaread_arg_str(r, &as.v[i]);
		strings = v != NULL;
		free(v);
	}
	/* sa.Enum(MyEnum) is named after the class, a name only Python knows;
	 * a name= that is not a literal likewise. */
	if ((!op->enum_name && (nm || !strings)) || (ag_schemaread_arg_get(&as, -1, "schema") && !op->enum_schema))
		op->enum_opaque = true;
	enum tri ct = ag_schemaread_arg_bool(r, ag_schemaread_arg_get(&as, -1, "create_type"));
	op->enum_creates = r->in_create && op->enum_name && ct != T_FALSE;
	if (ct == T_OTHER)
		op->enum_opaque = true;
	free(as.v);
}

/* nullable, primary_key, server_default and the Enum of a Column. */
static void column_flags(const struct reader *r, const struct args *as, const struct arg *type,
			 struct ag_schema_op *op)
{
	enum tri n = ag_schemaread_arg_bool(r, ag_schemaread_arg_get(as, -1, "nullable"));
	op->nullable = n == T_FALSE ? 0 : n == T_TRUE ? 1 : -1;
	enum tri pk = ag_schemaread_arg_bool(r, ag_schemaread_arg_get(as, -1, "primary_key"));
	op->primary_key = pk == T_TRUE;
	const struct arg *d = ag_schemaread_arg_get(as, -1, "server_default");
	op->has_default = d && !ag_schemaread_arg_none(r, d);
	/* index=True, unique=True: the column brings an index or constraint
	 * whose name the database or SQLAlchemy picks. */
	enum tri ix = ag_schemaread_arg_bool(r, ag_schemaread_arg_get(as, -1, "index"));
	enum tri uq = ag_schemaread_arg_bool(r, ag_schemaread_arg_get(as, -1, "unique"));
	op->unique = (ix != T_ABSENT && ix != T_FALSE) || (uq != T_ABSENT && uq != T_FALSE) ||
		     op->primary_key;
	if (n == T_OTHER || pk == T_OTHER)
		op->opaque = true;
	if (type && !type->star)
		column_enum(r, type->a, type->b, op);
}

/* Column arguments that give the column a value in the database. */
static const char *const column_generated[] = {"Sequence", "Identity", "Computed", "DefaultClause",
					       "FetchedValue"};

/* Names of calls that are a Column's positional arguments but not its type. */
static const char *const column_extras[] = {"ForeignKey", "Sequence", "Identity", "Computed",
					    "CheckConstraint", "DefaultClause", "FetchedValue",
					    "text", "func"};

/*
 * sa.Column(...) whose arguments are [a, b): emits the column on table and
 * collects its foreign keys into k. Returns false when it is not a Column.
 */
static bool read_column(struct reader *r, size_t a, size_t b, const char *table, struct fks *k)
{
	size_t open;
	if (!ag_schemaread_callee_is(r, a, b, "Column", &open))
		return false;
	int line = r->t[a].line;
	struct args as = {0};
	ag_schemaread_split_args(r, open, &as);
	char *name = NULL;
	const struct arg *type = ag_schemaread_arg_get(&as, -1, "type_");
	size_t first = 0;
	if (as.n && !as.v[0].kw && !as.v[0].star) {
		name = ag_schemaread_arg_str(r, &as.v[0]);
		/* Column(name_variable, TYPE): a name only Python knows. */
		if (name || (as.n > 1 && !as.v[1].kw && !as.v[1].star && !column_fk(r, &as.v[0], NULL)))
			first = 1;
	}
	if (!name)
		name = ag_schemaread_arg_str(r, ag_schemaread_arg_get(&as, -1, "name"));
	struct ag_strv refs = {0};
	int *ref_lines = NULL;
	bool generated = false; /* Identity, Sequence...: the database fills it */
	for (size_t i = first; i < as.n; i++) {
		const struct arg *x = &as.v[i];
		if (x->kw || x->star)
			continue;
		int fl = line;
		char *ref = column_fk(r, x, &fl);
		if (ref) {
			ref_lines = ag_realloc(ref_lines, (refs.n + 1) * sizeof *ref_lines);
			ref_lines[refs.n] = fl;
			ag_strv_push_take(&refs, ref);
			continue;
		}
		const char *last;
		size_t ll, np;
		size_t op = ag_schemaread_callee(r, x->a, &last, &ll, &np);
		bool extra = op != NONE && r->match[op] == x->b - 1 &&
			     ag_schemaread_in_list(last, ll, column_extras, AG_ARRAY_LEN(column_extras));
		if (extra && ag_schemaread_in_list(last, ll, column_generated, AG_ARRAY_LEN(column_generated)))
			generated = true;
		if (!extra && !type)
			type = x;
	}
	struct ag_coltype ct = {0};
	if (type)
		ag_schemaread_classify(r, type->a, type->b, &ct);
	ag_schemaread_add_use(r, &ct);
	if (!name && r->region == R_UPGRADE)
		unknown_op(r, table, "Column", line);
	if (name) {
		struct ag_schema_op *op = emit(r, AG_SOP_COLUMN, table, line);
		if (op) {
			op->column = ag_strdup(name);
			ag_schemaread_coltype_copy(&op->type, &ct);
			op->type_from_key = !type && refs.n;
			column_flags(r, &as, type, op);
			op->has_default = op->has_default || generated;
		}
		for (size_t i = 0; i < refs.n; i++) {
			struct fk *f = fk_add(k, ref_lines[i]);
			ag_strv_push(&f->cols, name);
			ag_strv_push(&f->refs, refs.v[i]);
		}
	}
	ag_schemaread_coltype_free(&ct);
	ag_strv_free(&refs);
	free(ref_lines);
	free(name);
	free(as.v);
	return true;
}

/* sa.ForeignKeyConstraint(cols, refcols) in create_table. */
static bool read_fk_constraint(struct reader *r, size_t a, size_t b, struct fks *k)
{
	size_t open;
	if (!ag_schemaread_callee_is(r, a, b, "ForeignKeyConstraint", &open))
		return false;
	struct args as = {0};
	ag_schemaread_split_args(r, open, &as);
	struct fk *f = fk_add(k, r->t[a].line);
	if (!ag_schemaread_arg_strlist(r, ag_schemaread_arg_get(&as, 0, "columns"), &f->cols) ||
	    !ag_schemaread_arg_strlist(r, ag_schemaread_arg_get(&as, 1, "refcolumns"), &f->refs)) {
		ag_strv_free(&f->cols);
		ag_strv_free(&f->refs);
	}
	free(as.v);
	return true;
}

static void op_create_table(struct reader *r, const struct args *as, int line)
{
	const struct arg *ta = ag_schemaread_arg_get(as, 0, "table_name");
	char *t = ag_schemaread_arg_str(r, ta);
	char *table = qualify(r, t, ag_schemaread_arg_get(as, -1, "schema"));
	free(t);
	emit(r, AG_SOP_CREATE_TABLE, table, line);
	struct fks k = {0};
	r->in_create = true;
	for (size_t i = 0; i < as->n; i++) {
		const struct arg *x = &as->v[i];
		if (x == ta || x->kw || x->star)
			continue;
		if (!read_column(r, x->a, x->b, table, &k))
			read_fk_constraint(r, x->a, x->b, &k);
	}
	r->in_create = false;
	if (table)
		emit_fks(r, table, &k);
	fks_free(&k);
	free(table);
}

static void op_add_column(struct reader *r, const struct args *as, const char *batch_table)
{
	const struct arg *c;
	char *table;
	if (batch_table) {
		table = ag_strdup(batch_table);
		c = ag_schemaread_arg_get(as, 0, "column");
	} else {
		char *t = ag_schemaread_arg_str(r, ag_schemaread_arg_get(as, 0, "table_name"));
		table = qualify(r, t, ag_schemaread_arg_get(as, -1, "schema"));
		free(t);
		c = ag_schemaread_arg_get(as, 1, "column");
	}
	struct fks k = {0};
	if (c && !c->star && read_column(r, c->a, c->b, table, &k) && table)
		emit_fks(r, table, &k);

	fks_free(&k);
	free(table);
}

/* The table of an op call: from the batch, or the argument at pos. New. */
static char *table_arg(struct reader *r, const struct args *as, int pos, const char *kw,
		       const char *batch_table)
{
	if (batch_table)
		return ag_strdup(batch_table);
	char *t = ag_schemaread_arg_str(r, ag_schemaread_arg_get(as, pos, kw));
	char *q = qualify(r, t, ag_schemaread_arg_get(as, -1, "schema"));
	free(t);
	return q;
}

static void op_alter_column(struct reader *r, const struct args *as, const char *batch_table,
			    int line)
{
	int shift = batch_table ? 0 : 1;
	char *table = table_arg(r, as, 0, "table_name", batch_table);
	char *col = ag_schemaread_arg_str(r, ag_schemaread_arg_get(as, shift, "column_name"));
	const struct arg *ty = ag_schemaread_arg_get(as, -1, "type_");
	struct ag_coltype ct = {0};
	if (ty && !ty->star) {
		ag_schemaread_classify(r, ty->a, ty->b, &ct);
		ag_schemaread_add_use(r, &ct);
	}
	if (col) {
		struct ag_schema_op *op = emit(r, AG_SOP_ALTER, table, line);
		if (op) {
			op->column = col;
			col = NULL;
			ag_schemaread_coltype_copy(&op->type, &ct);
			op->new_name = ag_schemaread_arg_str(r, ag_schemaread_arg_get(as, -1, "new_column_name"));
			enum tri n = ag_schemaread_arg_bool(r, ag_schemaread_arg_get(as, -1, "nullable"));
			op->nullable = n == T_FALSE ? 0 : n == T_TRUE ? 1 : -1;
			op->has_default = ag_schemaread_arg_get(as, -1, "server_default") != NULL;
			op->opaque = n == T_OTHER ||
				     (ag_schemaread_arg_get(as, -1, "new_column_name") && !op->new_name);
			if (ty && !ty->star)
				column_enum(r, ty->a, ty->b, op);
		}
	}
	ag_schemaread_coltype_free(&ct);
	free(col);
	free(table);
}

static void op_drop_column(struct reader *r, const struct args *as, const char *batch_table,
			   int line)
{
	int shift = batch_table ? 0 : 1;
	char *table = table_arg(r, as, 0, "table_name", batch_table);
	char *col = ag_schemaread_arg_str(r, ag_schemaread_arg_get(as, shift, "column_name"));
	if (col) {
		struct ag_schema_op *op = emit(r, AG_SOP_DROP_COLUMN, table, line);
		if (op) {
			op->column = col;
			col = NULL;
		}
	}
	free(col);
	free(table);
}

static void op_drop_table(struct reader *r, const struct args *as, int line)
{
	char *table = table_arg(r, as, 0, "table_name", NULL);
	emit(r, AG_SOP_DROP_TABLE, table, line);
	free(table);
}

static void op_rename_table(struct reader *r, const struct args *as, int line)
{
	char *table = table_arg(r, as, 0, "old_table_name", NULL);
	char *nw = table_arg(r, as, 1, "new_table_name", NULL);
	if (nw) {
		struct ag_schema_op *op = emit(r, AG_SOP_RENAME_TABLE, table, line);
		if (op) {
			op->new_name = nw;
			nw = NULL;
		}
	}
	free(nw);
	free(table);
}

static void op_create_fk(struct reader *r, const struct args *as, const char *batch_table, int line)
{
	int shift = batch_table ? 1 : 0;
	char *src;
	if (batch_table) {
		src = ag_strdup(batch_table);
	} else {
		char *t = ag_schemaread_arg_str(r, ag_schemaread_arg_get(as, 1, "source_table"));
		src = qualify(r, t, ag_schemaread_arg_get(as, -1, "source_schema"));
		free(t);
	}
	char *rt = ag_schemaread_arg_str(r, ag_schemaread_arg_get(as, 2 - shift, "referent_table"));
	char *ref = qualify(r, rt, ag_schemaread_arg_get(as, -1, "referent_schema"));
	free(rt);
	struct ag_strv cols = {0}, refs = {0};
	if (src && ref && ag_schemaread_arg_strlist(r, ag_schemaread_arg_get(as, 3 - shift, "local_cols"), &cols) &&
	    ag_schemaread_arg_strlist(r, ag_schemaread_arg_get(as, 4 - shift, "remote_cols"), &refs) && cols.n == refs.n &&
	    cols.n) {
		struct ag_schema_op *op = emit(r, AG_SOP_FOREIGN_KEY, src, line);
		if (op) {
			op->ref_schema = schema_of(r, ref);
			op->new_name = ag_schemaread_arg_str(r, ag_schemaread_arg_get(as, 0, "constraint_name"));
			op->contype = 'f'; /* op.create_foreign_key, not a Column's key */
			op->ref_table = ref;
			ref = NULL;
			op->cols = cols;
			op->ref_cols = refs;
			memset(&cols, 0, sizeof cols);
			memset(&refs, 0, sizeof refs);
		}
	}
	ag_strv_free(&cols);
	ag_strv_free(&refs);
	free(src);
	free(ref);
}


/* op.create_index(name, table, columns, schema=, unique=, if_not_exists=,
 * postgresql_concurrently=); batch_op.create_index(name, columns, ...). */
static void op_create_index(struct reader *r, const struct args *as, const char *batch_table,
			    int line)
{
	int shift = batch_table ? 1 : 0;
	char *table = table_arg(r, as, 1, "table_name", batch_table);
	char *name = ag_schemaread_arg_str(r, ag_schemaread_arg_get(as, 0, "index_name"));
	struct ag_schema_op *op = name && table ? emit(r, AG_SOP_CREATE_INDEX, table, line) : NULL;
	if (op) {
		op->new_name = name;
		name = NULL;
		if (!ag_schemaread_arg_strlist(r, ag_schemaread_arg_get(as, 2 - shift, "columns"), &op->cols))
			ag_strv_free(&op->cols); /* expressions: columns unknown */
		enum tri u = ag_schemaread_arg_bool(r, ag_schemaread_arg_get(as, -1, "unique"));
		enum tri c = ag_schemaread_arg_bool(r, ag_schemaread_arg_get(as, -1, "postgresql_concurrently"));
		enum tri e = ag_schemaread_arg_bool(r, ag_schemaread_arg_get(as, -1, "if_not_exists"));
		op->unique = u == T_TRUE;
		op->concurrently = c == T_TRUE;
		op->if_exists = e == T_TRUE;
		op->opaque = u == T_OTHER || c == T_OTHER || e == T_OTHER;
	}
	free(name);
	free(table);
}

/* op.drop_index(name, table_name=None, schema=None, if_exists=). */
static void op_drop_index(struct reader *r, const struct args *as, const char *batch_table,
			  int line)
{
	char *name = ag_schemaread_arg_str(r, ag_schemaread_arg_get(as, 0, "index_name"));
	char *table = batch_table ? NULL : table_arg(r, as, 1, "table_name", NULL);
	char *sch = ag_schemaread_arg_str(r, ag_schemaread_arg_get(as, -1, "schema"));
	const char *t = batch_table ? batch_table : table ? table : "";
	struct ag_schema_op *op = name ? emit(r, AG_SOP_DROP_INDEX, t, line) : NULL;
	if (op) {
		op->new_name = name;
		name = NULL;
		if (!op->schema && sch && *sch) {
			op->schema = sch;
			sch = NULL;
		}
		enum tri e = ag_schemaread_arg_bool(r, ag_schemaread_arg_get(as, -1, "if_exists"));
		enum tri c = ag_schemaread_arg_bool(r, ag_schemaread_arg_get(as, -1, "postgresql_concurrently"));
		op->if_exists = e == T_TRUE;
		op->concurrently = c == T_TRUE;
		op->opaque = e == T_OTHER || c == T_OTHER;
	}
	free(sch);
	free(name);
	free(table);
}

/* create_unique_constraint(name, table, columns) and
 * create_check_constraint(name, table, condition): contype 'u' or 'c'. */
static void op_create_constraint(struct reader *r, const struct args *as, const char *batch_table,
				 int line, char contype)
{
	int shift = batch_table ? 1 : 0;
	char *table = table_arg(r, as, 1, contype == 'u' ? "table_name" : "table_name", batch_table);
	const struct arg *na = ag_schemaread_arg_get(as, 0, "constraint_name");
	char *name = ag_schemaread_arg_str(r, na);
	struct ag_schema_op *op = table && (name || ag_schemaread_arg_none(r, na))
					  ? emit(r, AG_SOP_CREATE_CONSTRAINT, table, line)
					  : NULL;
	if (op) {
		op->new_name = name;
		name = NULL;
		op->contype = contype;
		if (contype == 'u' && !ag_schemaread_arg_strlist(r, ag_schemaread_arg_get(as, 2 - shift, "columns"), &op->cols))
			ag_strv_free(&op->cols);
	}
	free(name);
	free(table);
}

/* drop_constraint(name, table, type_=None, schema=None). */
static void op_drop_constraint(struct reader *r, const struct args *as, const char *batch_table,
			       int line)
{
	char *table = table_arg(r, as, 1, "table_name", batch_table);
	char *name = ag_schemaread_arg_str(r, ag_schemaread_arg_get(as, 0, "constraint_name"));
	struct ag_schema_op *op = table && name ? emit(r, AG_SOP_DROP_CONSTRAINT, table, line) : NULL;
	if (op) {
		op->new_name = name;
		name = NULL;
		char *ty = ag_schemaread_arg_str(r, ag_schemaread_arg_get(as, batch_table ? 1 : 2, "type_"));
		op->contype = !ty                          ? 0
			      : strcmp(ty, "foreignkey") == 0 ? 'f'
			      : strcmp(ty, "unique") == 0     ? 'u'
			      : strcmp(ty, "check") == 0      ? 'c'
			      : strcmp(ty, "primary") == 0    ? 'p'
							      : 0;
		free(ty);
	}
	free(name);
	free(table);
}

/* Raw SQL: every table an ALTER TABLE names has column types we can no
 * longer know (ALTER COLUMN ... TYPE uuid USING ...). Without a literal,
 * nothing is known about it; data migrations are the common case, so the
 * model is left alone then. */
static void op_execute(struct reader *r, const struct args *as, int line)
{
	const struct arg *a = ag_schemaread_arg_get(as, 0, "sqltext");
	if (!a || a->star) {
		emit(r, AG_SOP_EXECUTE, "", line);
		return;
	}
	char *sql = ag_schemaread_arg_str(r, a);
	size_t open;
	if (!sql && (ag_schemaread_callee_is(r, a->a, a->b, "text", &open))) {
		struct args inner = {0};
		ag_schemaread_split_args(r, open, &inner);
		sql = ag_schemaread_arg_str(r, ag_schemaread_arg_get(&inner, 0, "text"));
		free(inner.v);
	}
	struct ag_schema_op *ex = emit(r, AG_SOP_EXECUTE, "", line);
	if (ex && sql)
		ex->column = ag_strdup(sql);
	if (!sql)
		return;
	for (const char *p = sql; (p = strcasestr(p, "alter")) != NULL;) {
		bool word = p == sql || !(p[-1] == '_' || isalnum((unsigned char)p[-1]));
		p += 5;
		const char *q = p;
		while (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r')
			q++;
		if (!word || q == p || strncasecmp(q, "table", 5) != 0 ||
		    !(q[5] == ' ' || q[5] == '\t' || q[5] == '\n' || q[5] == '\r' || q[5] == '"'))
			continue;
		q += 5;
		for (;;) {
			while (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r')
				q++;
			if (strncasecmp(q, "if exists", 9) == 0)
				q += 9;
			else if (strncasecmp(q, "only", 4) == 0 && !(q[4] == '_' || isalnum((unsigned char)q[4])))
				q += 4;
			else
				break;
		}
		/* [schema.]name, each part bare or "quoted" */
		struct ag_buf name = {0};
		ag_buf_adds(&name, "");
		for (;;) {
			if (*q == '"') {
				const char *e = strchr(q + 1, '"');
				if (!e)
					break;
				ag_buf_add(&name, q + 1, (size_t)(e - q - 1));
				q = e + 1;
			} else {
				const char *e = q;
				while (*e == '_' || isalnum((unsigned char)*e) || (unsigned char)*e >= 0x80)
					e++;
				for (const char *c = q; c < e; c++)
					ag_buf_addc(&name, (char)tolower((unsigned char)*c));
				q = e;
			}
			if (*q != '.')
				break;
			ag_buf_addc(&name, '.');
			q++;
		}
		if (name.len) {
			emit(r, AG_SOP_FORGET_TABLE, name.p, line);
			/* public.t is the t that op.create_table('t') made */
			const char *dot = strrchr(name.p, '.');
			if (dot && dot[1])
				emit(r, AG_SOP_FORGET_TABLE, dot + 1, line);
		}
		ag_buf_free(&name);
		p = q;
	}
	free(sql);
}

/* with op.batch_alter_table("t", schema=...) as NAME: */
static void read_with(struct reader *r, size_t i)
{
	struct ag_buf name = {0};
	size_t np = 0;
	size_t k = ag_schemaread_dotted(r, i + 1, &name, &np);
	if (np >= 2 && strcmp(ag_schemaread_last_part(name.p), "batch_alter_table") == 0 && ag_schemaread_is_op(&r->t[k], "(") &&
	    r->match[k] != NONE) {
		size_t close = r->match[k];
		struct args as = {0};
		ag_schemaread_split_args(r, k, &as);
		char *table = table_arg(r, &as, 0, "table_name", NULL);
		if (table && ag_schemaread_is_name(&r->t[close + 1], "as") && r->t[close + 2].kind == AG_TOK_NAME) {
			ag_strv_push_take(&r->batch_names,
					  ag_strndup(r->t[close + 2].p, r->t[close + 2].len));
			ag_strv_push(&r->batch_tables, table);
		}
		free(table);
		free(as.v);
	}
	ag_buf_free(&name);
}

/* The op call whose method is method and whose '(' is at open. */
static void read_op(struct reader *r, const char *method, size_t open, const char *batch_table,
		    int line)
{
	struct args as = {0};
	ag_schemaread_split_args(r, open, &as);
	size_t before = r->out->n;
	if (strcmp(method, "create_index") == 0)
		op_create_index(r, &as, batch_table, line);
	else if (strcmp(method, "drop_index") == 0)
		op_drop_index(r, &as, batch_table, line);
	else if (strcmp(method, "create_unique_constraint") == 0)
		op_create_constraint(r, &as, batch_table, line, 'u');
	else if (strcmp(method, "create_check_constraint") == 0)
		op_create_constraint(r, &as, batch_table, line, 'c');
	else if (strcmp(method, "drop_constraint") == 0)
		op_drop_constraint(r, &as, batch_table, line);
	else if (strcmp(method, "create_table") == 0 && !batch_table)
		op_create_table(r, &as, line);
	else if (strcmp(method, "add_column") == 0)
		op_add_column(r, &as, batch_table);
	else if (strcmp(method, "alter_column") == 0)
		op_alter_column(r, &as, batch_table, line);
	else if (strcmp(method, "drop_column") == 0)
		op_drop_column(r, &as, batch_table, line);
	else if (strcmp(method, "drop_table") == 0 && !batch_table)
		op_drop_table(r, &as, line);
	else if (strcmp(method, "rename_table") == 0 && !batch_table)
		op_rename_table(r, &as, line);
	else if (strcmp(method, "create_foreign_key") == 0)
		op_create_fk(r, &as, batch_table, line);
	else if (strcmp(method, "execute") == 0 && !batch_table)
		op_execute(r, &as, line);
	/* Nothing read: a name only Python knows, or a method not modelled. */
	if (r->out->n == before)
		unknown_op(r, batch_table, method, line);
	/* if_exists= / if_not_exists= (newer Alembic): the call skips what
	 * is (or is not) there. */
	enum tri ie = ag_schemaread_arg_bool(r, ag_schemaread_arg_get(&as, -1, "if_exists"));
	enum tri ine = ag_schemaread_arg_bool(r, ag_schemaread_arg_get(&as, -1, "if_not_exists"));
	for (size_t i = before; r->region == R_UPGRADE && i < r->out->n; i++) {
		struct ag_schema_op *op = &r->out->v[i];
		if (ie == T_TRUE || ine == T_TRUE)
			op->if_exists = true;
		if (ie == T_OTHER || ine == T_OTHER)
			op->opaque = true;
	}
	free(as.v);
}

static const char *const op_methods[] = {"create_table", "add_column", "alter_column",
					 "drop_column",  "drop_table", "rename_table",
					 "create_foreign_key", "execute", "create_index", "drop_index",
					 "create_unique_constraint", "create_check_constraint",
					 "drop_constraint"};
/* Methods of other objects (an Enum, a connection, a MetaData) that run
 * SQL in upgrade(). */
static const char *const side_effects[] = {"create",  "drop",  "create_all", "drop_all",
					   "execute", "exec_driver_sql", "executemany"};
/* op.* calls that change nothing in the database. */
static const char *const op_harmless[] = {"f", "inline_literal", "get_context",
					  "batch_alter_table", "implementation_for"};
/* Statements whose body may not run (or runs when something else calls it). */
static const char *const cond_words[] = {"if", "elif", "else", "for", "while", "try", "except",
					 "finally", "match", "case", "def", "class", "async"};

/* upgrade()'s block structure at statement t: closes the blocks t is not
 * inside, opens the one t starts. */
static void track_blocks(struct reader *r, const struct ag_tok *t)
{
	while (r->nblk && t->indent <= r->blk_indent[r->nblk - 1])
		r->nblk--;
	bool cond = t->kind == AG_TOK_NAME && ag_schemaread_in_list(t->p, t->len, cond_words, AG_ARRAY_LEN(cond_words));
	if (cond || ag_schemaread_is_name(t, "with")) {
		if (r->nblk < (int)AG_ARRAY_LEN(r->blk_indent)) {
			r->blk_indent[r->nblk] = t->indent;
			r->blk_cond[r->nblk++] = cond;
		} else {
			r->blk_cond[r->nblk - 1] = true; /* too deep to follow: may not run */
		}
	}
	r->cur_cond = false;
	for (int i = 0; i < r->nblk; i++)
		r->cur_cond = r->cur_cond || r->blk_cond[i];
}

void ag_schema_read(struct ag_schema_file *out, const char *buf, size_t len,
		    const struct ag_strv *helpers)
{
	ag_schema_read_kept(out, buf, len, helpers, NULL);
}

void ag_schema_read_kept(struct ag_schema_file *out, const char *buf, size_t len,
			 const struct ag_strv *helpers, struct ag_toks *keep)
{
	struct reader r;
	memset(&r, 0, sizeof r);
	r.out = out;
	r.helpers = helpers;
	if (!ag_schemaread_tokenize(&r, buf, len, keep))
		return; /* script.c reports the parse-error */
	out->tokenized = true;
	struct ag_buf name = {0};
	for (size_t i = 0; i + 1 < r.n; i++) {
		const struct ag_tok *t = &r.t[i];
		bool stmt = (t->flags & AG_TOK_STMT) != 0;
		if (stmt && t->indent == 0 && t->depth == 0) {
			r.nblk = 0;
			r.cur_cond = false;
			if (ag_schemaread_is_name(t, "def"))
				r.region = ag_schemaread_is_name(&r.t[i + 1], "upgrade") ? R_UPGRADE : R_OTHER;
			else if (ag_schemaread_is_name(t, "async") || ag_schemaread_is_name(t, "class") || ag_schemaread_is_op(t, "@"))
				r.region = R_OTHER;
			else
				r.region = R_MODULE;
		}
		if (stmt && (ag_schemaread_is_name(t, "import") || ag_schemaread_is_name(t, "from"))) {
			i = ag_schemaread_read_import(&r, i);
			if (i > 0)
				i--;
			continue;
		}
		if (stmt && t->kind == AG_TOK_NAME && !ag_tok_is_keyword(t) && ag_schemaread_is_op(&r.t[i + 1], "="))
			ag_schemaread_read_assignment(&r, i);
		if (stmt && ag_schemaread_is_name(t, "with"))
			read_with(&r, i);
		if (stmt && r.region == R_UPGRADE && t->indent > 0)
			track_blocks(&r, t);
		if (t->kind != AG_TOK_NAME || (i > 0 && ag_schemaread_is_op(&r.t[i - 1], ".")))
			continue;
		const char *last;
		size_t ll, np;
		size_t k = ag_schemaread_callee(&r, i, &last, &ll, &np);
		if (k == NONE || ag_tok_is_keyword(t))
			continue;
		if (ag_schemaread_helper_last(&r, last, ll) && !(i > 0 && ag_schemaread_is_name(&r.t[i - 1], "def")))
			out->calls_helper = true;
		if (np < 2)
			continue;
		const struct ag_tok *m = &r.t[k - 1];
		if (r.region == R_UPGRADE && !ag_schemaread_is_name(&r.t[k - 3], "op") &&
		    ag_schemaread_in_list(m->p, m->len, side_effects, AG_ARRAY_LEN(side_effects))) {
			/* my_enum.create(bind), conn.execute(...): DDL or data the op
			 * calls do not show. */
			char *method = ag_strndup(m->p, m->len);
			unknown_op(&r, NULL, method, t->line);
			free(method);
			continue;
		}
		/* The receiver: `op` (or alembic.op), or a batch_alter_table's
		 * `as` name. */
		char *recv = np == 2 ? ag_strndup(t->p, t->len) : NULL;
		const char *bt = recv ? ag_schemaread_batch_table(&r, recv) : NULL;
		bool known = ag_schemaread_in_list(m->p, m->len, op_methods, AG_ARRAY_LEN(op_methods));
		if ((ag_schemaread_is_name(&r.t[k - 3], "op") || bt) &&
		    (known || !ag_schemaread_in_list(m->p, m->len, op_harmless, AG_ARRAY_LEN(op_harmless)))) {
			char *method = ag_strndup(m->p, m->len);
			r.cur_batch = bt != NULL;
			r.call_line = t->line;
			if (known)
				read_op(&r, method, k, bt, t->line);
			else
				unknown_op(&r, bt, method, t->line);
			r.call_line = 0;
			r.cur_batch = false;
			free(method);
		}
		free(recv);
	}
	ag_buf_free(&name);
	for (size_t i = 0; i < r.nvars; i++) {
		free(r.vars[i].name);
		ag_schemaread_coltype_free(&r.vars[i].type);
	}
	free(r.vars);
	ag_strv_free(&r.alias_names);
	ag_strv_free(&r.alias_paths);
	ag_strv_free(&r.batch_names);
	ag_strv_free(&r.batch_tables);
	ag_strv_free(&r.qual_names);
	ag_strv_free(&r.qual_schemas);
	free(r.match);
	free(r.t);
}

/* ---- the model ------------------------------------------------------- */

struct col {
	char *name;
	struct ag_coltype type;
	const char *file, *rev;
	int line;
	bool dropped;
	size_t *keys; /* indices into the model's keys */
	size_t nkeys;
};

struct table {
	char *name; /* its current name */
	struct col *cols;
	size_t ncols, cap;
	bool dropped;
};

struct key {
	size_t lt, lc, rt, rc; /* local and referenced table and column */
	const char *file, *rev;
	int line;
	bool dead;
};

struct slot {
	char *name; /* NULL: empty */
	size_t table; /* NONE: the name was dropped or renamed away */
};

struct ptype {
	char *path; /* the import path (myapp.types.Uuid) */
	enum ag_type_family family;
	bool resolved;
};

struct ag_schema {
	struct table *tables;
	size_t ntables, captables;
	struct key *keys;
	size_t nkeys, capkeys;
	struct slot *slots; /* open addressing: name -> table */
	size_t nslots, used;
	struct ptype *ptypes; /* the project's own types read so far */
	size_t nptypes, capptypes;
};

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ull;
	}
	return h;
}

static struct slot *slot_find(const struct ag_schema *s, const char *name)
{
	size_t mask = s->nslots - 1;
	for (size_t i = (size_t)hash_str(name) & mask;; i = (i + 1) & mask) {
		struct slot *sl = &s->slots[i];
		if (!sl->name || strcmp(sl->name, name) == 0)
			return sl;
	}
}

static void map_put(struct ag_schema *s, const char *name, size_t table);

static void map_grow(struct ag_schema *s)
{
	struct slot *old = s->slots;
	size_t n = s->nslots;
	s->nslots = n ? n * 2 : 64;
	s->slots = ag_calloc(s->nslots, sizeof *s->slots);
	s->used = 0;
	for (size_t i = 0; i < n; i++) {
		if (old[i].name) {
			map_put(s, old[i].name, old[i].table);
			free(old[i].name);
		}
	}
	free(old);
}

static void map_put(struct ag_schema *s, const char *name, size_t table)
{
	if ((s->used + 1) * 2 > s->nslots)
		map_grow(s);
	struct slot *sl = slot_find(s, name);
	if (!sl->name) {
		sl->name = ag_strdup(name);
		s->used++;
	}
	sl->table = table;
}

static size_t map_get(const struct ag_schema *s, const char *name)
{
	if (!s->nslots || !name)
		return NONE;
	const struct slot *sl = slot_find(s, name);
	return sl->name ? sl->table : NONE;
}

struct ag_schema *ag_schema_new(void)
{
	struct ag_schema *s = ag_calloc(1, sizeof *s);
	map_grow(s);
	return s;
}

void ag_schema_free(struct ag_schema *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->ntables; i++) {
		struct table *t = &s->tables[i];
		for (size_t c = 0; c < t->ncols; c++) {
			free(t->cols[c].name);
			ag_schemaread_coltype_free(&t->cols[c].type);
			free(t->cols[c].keys);
		}
		free(t->cols);
		free(t->name);
	}
	free(s->tables);
	free(s->keys);
	for (size_t i = 0; i < s->nslots; i++)
		free(s->slots[i].name);
	free(s->slots);
	for (size_t i = 0; i < s->nptypes; i++)
		free(s->ptypes[i].path);
	free(s->ptypes);
	free(s);
}

static size_t col_find(const struct table *t, const char *name)
{
	for (size_t i = t->ncols; i-- > 0;)
		if (!t->cols[i].dropped && strcmp(t->cols[i].name, name) == 0)
			return i;
	return NONE;
}

static struct col *col_at(const struct ag_schema *s, size_t t, size_t c)
{
	return &s->tables[t].cols[c];
}

const struct ag_coltype *ag_schema_column_type(const struct ag_schema *s, const char *table,
					       const char *column)
{
	size_t t = map_get(s, table);
	if (t == NONE)
		return NULL;
	size_t c = col_find(&s->tables[t], column);
	return c == NONE ? NULL : &s->tables[t].cols[c].type;
}

static void kill_keys(struct ag_schema *s, const struct col *c);

static size_t table_create(struct ag_schema *s, const char *name)
{
	size_t old = map_get(s, name);
	if (old != NONE) {
		/* Created again: the new one counts, and keys on the old are gone. */
		s->tables[old].dropped = true;
		for (size_t c = 0; c < s->tables[old].ncols; c++)
			kill_keys(s, col_at(s, old, c));
	}
	ag_grow((void **)&s->tables, &s->captables, s->ntables + 1, sizeof *s->tables);
	struct table *t = &s->tables[s->ntables];
	memset(t, 0, sizeof *t);
	t->name = ag_strdup(name);
	map_put(s, name, s->ntables);
	return s->ntables++;
}

static void kill_keys(struct ag_schema *s, const struct col *c)
{
	for (size_t i = 0; i < c->nkeys; i++)
		s->keys[c->keys[i]].dead = true;
}

static void side(const struct ag_schema *s, size_t t, size_t c, struct ag_schema_side *out)
{
	const struct col *cl = col_at(s, t, c);
	out->table = s->tables[t].name;
	out->column = cl->name;
	out->type = &cl->type;
	out->file = cl->file;
	out->revision = cl->rev;
	out->line = cl->line;
}

static bool judgeable(const struct ag_coltype *a, const struct ag_coltype *b)
{
	return a->family != AG_TYPE_UNKNOWN && b->family != AG_TYPE_UNKNOWN;
}

static void judge(const struct ag_schema *s, size_t k, const char *afile, const char *arev,
		  int aline, ag_schema_key_fn fn, void *arg)
{
	const struct key *ky = &s->keys[k];
	struct ag_schema_key out;
	memset(&out, 0, sizeof out);
	side(s, ky->lt, ky->lc, &out.local);
	side(s, ky->rt, ky->rc, &out.ref);
	if (!fn || !judgeable(out.local.type, out.ref.type))
		return;
	out.file = ky->file;
	out.revision = ky->rev;
	out.line = ky->line;
	out.altered_file = afile;
	out.altered_revision = arev;
	out.altered_line = aline;
	fn(arg, &out);
}

static void col_add_key(struct col *c, size_t k)
{
	c->keys = ag_realloc(c->keys, (c->nkeys + 1) * sizeof *c->keys);
	c->keys[c->nkeys++] = k;
}

static void apply_fk(struct ag_schema *s, const struct ag_schema_op *op, const char *file,
		     const char *rev, ag_schema_key_fn fn, void *arg)
{
	size_t lt = map_get(s, op->table), rt = map_get(s, op->ref_table);
	if (lt == NONE || rt == NONE)
		return;
	for (size_t i = 0; i < op->cols.n && i < op->ref_cols.n; i++) {
		size_t lc = col_find(&s->tables[lt], op->cols.v[i]);
		size_t rc = col_find(&s->tables[rt], op->ref_cols.v[i]);
		if (lc == NONE || rc == NONE)
			continue;
		ag_grow((void **)&s->keys, &s->capkeys, s->nkeys + 1, sizeof *s->keys);
		size_t k = s->nkeys++;
		struct key *ky = &s->keys[k];
		memset(ky, 0, sizeof *ky);
		ky->lt = lt;
		ky->lc = lc;
		ky->rt = rt;
		ky->rc = rc;
		ky->file = file;
		ky->rev = rev;
		ky->line = op->line;
		col_add_key(col_at(s, lt, lc), k);
		if (lt != rt || lc != rc)
			col_add_key(col_at(s, rt, rc), k);
		judge(s, k, NULL, NULL, 0, fn, arg);
	}
}

/* Gives t (the model's copy) the family its module defines, or marks it
 * unresolved. file is the migration that wrote it: the search starts in
 * its directory. Each path is read once per model. */
static void resolve_project(struct ag_schema *s, struct ag_coltype *t, const char *file)
{
	struct ptype *pt = NULL;
	for (size_t i = 0; i < s->nptypes && !pt; i++)
		if (strcmp(s->ptypes[i].path, t->project) == 0)
			pt = &s->ptypes[i];
	if (!pt) {
		ag_grow((void **)&s->ptypes, &s->capptypes, s->nptypes + 1, sizeof *s->ptypes);
		pt = &s->ptypes[s->nptypes++];
		memset(pt, 0, sizeof *pt);
		pt->path = ag_strdup(t->project);
		const char *slash = file ? strrchr(file, '/') : NULL;
		char *dir = slash ? ag_strndup(file, (size_t)(slash - file)) : ag_strdup(".");
		pt->resolved = ag_schemaread_class_family(dir, t->project, 0, &pt->family);
		free(dir);
	}
	if (pt->resolved)
		t->family = pt->family;
	else
		t->unresolved = true;
}

void ag_schema_apply(struct ag_schema *s, const struct ag_schema_file *f, const char *file,
		     const char *revision, ag_schema_key_fn fn, void *arg)
{
	for (size_t i = 0; i < f->n; i++) {
		const struct ag_schema_op *op = &f->v[i];
		size_t t = map_get(s, op->table);
		switch (op->kind) {
		case AG_SOP_CREATE_TABLE:
			table_create(s, op->table);
			break;
		case AG_SOP_COLUMN: {
			if (t == NONE)
				t = table_create(s, op->table); /* a table made some other way */
			struct table *tb = &s->tables[t];
			size_t old = col_find(tb, op->column);
			if (old != NONE) {
				kill_keys(s, &tb->cols[old]);
				tb->cols[old].dropped = true;
			}
			ag_grow((void **)&tb->cols, &tb->cap, tb->ncols + 1, sizeof *tb->cols);
			struct col *c = &tb->cols[tb->ncols++];
			memset(c, 0, sizeof *c);
			c->name = ag_strdup(op->column);
			ag_schemaread_coltype_copy(&c->type, &op->type);
			if (c->type.project)
				resolve_project(s, &c->type, file);
			c->file = file;
			c->rev = revision;
			c->line = op->line;
			break;
		}
		case AG_SOP_ALTER: {
			if (t == NONE)
				break;
			size_t c = col_find(&s->tables[t], op->column);
			if (c == NONE)
				break;
			struct col *cl = col_at(s, t, c);
			if (op->new_name) {
				free(cl->name);
				cl->name = ag_strdup(op->new_name);
			}
			if (op->type.line) {
				ag_schemaread_coltype_free(&cl->type);
				ag_schemaread_coltype_copy(&cl->type, &op->type);
				if (cl->type.project)
					resolve_project(s, &cl->type, file);
				cl->file = file;
				cl->rev = revision;
				cl->line = op->line;
				/* Every live key on this column is checked again: PostgreSQL
				 * refuses the ALTER when the key could no longer hold. */
				for (size_t k = 0; k < cl->nkeys; k++) {
					size_t ki = col_at(s, t, c)->keys[k];
					if (!s->keys[ki].dead)
						judge(s, ki, file, revision, op->line, fn, arg);
				}
			}
			break;
		}
		case AG_SOP_DROP_COLUMN: {
			if (t == NONE)
				break;
			size_t c = col_find(&s->tables[t], op->column);
			if (c == NONE)
				break;
			kill_keys(s, col_at(s, t, c));
			col_at(s, t, c)->dropped = true;
			break;
		}
		case AG_SOP_DROP_TABLE:
			if (t == NONE)
				break;
			for (size_t c = 0; c < s->tables[t].ncols; c++)
				kill_keys(s, col_at(s, t, c));
			s->tables[t].dropped = true;
			map_put(s, op->table, NONE);
			break;
		case AG_SOP_RENAME_TABLE:
			if (t == NONE)
				break;
			map_put(s, op->table, NONE);
			{
				size_t other = map_get(s, op->new_name);
				if (other != NONE)
					s->tables[other].dropped = true;
			}
			map_put(s, op->new_name, t);
			free(s->tables[t].name);
			s->tables[t].name = ag_strdup(op->new_name);
			break;
		case AG_SOP_FOREIGN_KEY:
			apply_fk(s, op, file, revision, fn, arg);
			break;
		case AG_SOP_CREATE_INDEX:
		case AG_SOP_DROP_INDEX:
		case AG_SOP_CREATE_CONSTRAINT:
		case AG_SOP_DROP_CONSTRAINT:
		case AG_SOP_EXECUTE:
		case AG_SOP_UNKNOWN:
			break; /* pre-flight's, not this model's */
		case AG_SOP_FORGET_TABLE:
			for (size_t c = 0; t != NONE && c < s->tables[t].ncols; c++) {
				struct col *cl = col_at(s, t, c);
				ag_schemaread_coltype_free(&cl->type);
				cl->file = file;
				cl->rev = revision;
				cl->line = op->line;
			}
			break;
		}
	}
}
