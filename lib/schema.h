/*
 * schema: the tables and columns that the migrations build, read from the
 * op.* calls of their upgrade() functions without running Python, far
 * enough to know each column's type family (a native UUID, a string, an
 * integer...) and every foreign key.
 *
 * Two halves (the Python-reading machinery they share is lib/schemaread,
 * internal to this module):
 *
 *   ag_schema_read   one file's buffer -> the list of schema operations
 *                    its upgrade() performs (op.create_table with its
 *                    sa.Column and sa.ForeignKeyConstraint arguments,
 *                    op.add_column, op.alter_column, op.drop_column,
 *                    op.drop_table, op.rename_table, op.create_foreign_key,
 *                    and the same through `with op.batch_alter_table(...)
 *                    as batch_op`; op.execute of a literal "ALTER TABLE t"
 *                    makes t's column types unknown, since the SQL may
 *                    change them), plus every column type written in the
 *                    file (the docstring is lib/doc's).
 *                    For pre-flight (lib/preflight) each operation also
 *                    carries its op.* call's line, schema=, nullable,
 *                    server_default, an Enum's type, whether it is a batch
 *                    operation or under if/for/while/try, and the reader
 *                    adds create_index/drop_index, unique and check
 *                    constraints, drop_constraint, op.execute, and the op
 *                    calls it cannot follow (AG_SOP_UNKNOWN);
 *   ag_schema_apply  replays files in upgrade order on a model of the
 *                    database and hands every foreign key whose two column
 *                    types are known to a callback, at the moment the key
 *                    is created and again when alter_column changes the
 *                    type of one of its columns.
 *
 * Types are recognised by name, through the file's imports: `sa.String`,
 * `sqlalchemy.String`, `String` after `from sqlalchemy import String`, an
 * alias (`from sqlalchemy.dialects.postgresql import UUID as PGUUID`),
 * names bound to a type earlier in the file (`uuid_t = postgresql.UUID()`),
 * and `X.with_variant(Y, "postgresql")` (Y is what PostgreSQL gets). A call
 * of the project's UUID helper (default get_uuid_type()) has its own family.
 * A type the project imports from its own package under a UUID type's name
 * (`from myapp.types import Uuid`) is resolved when the model replays it:
 * ag_schema_apply looks for the module (myapp/types.py or
 * myapp/types/__init__.py) in the migration's directory and each of its
 * ancestors, up to the first that looks like a project root (.git,
 * pyproject.toml, setup.py, setup.cfg) or 12 levels, and reads the class's
 * `impl` (a class with load_dialect_impl is a UUID or a string by dialect:
 * the helper family). Anything else (another custom TypeDecorator, an
 * expression) is unknown, and a key with an unknown side is never judged.
 *
 * Ownership: struct ag_schema_file owns its operations and strings
 * (ag_schema_file_free accepts a zeroed struct). ag_schema_new returns a
 * new model, freed with ag_schema_free (accepts NULL); it copies what it
 * keeps, except the file and revision strings passed to ag_schema_apply,
 * which it borrows: they must outlive the model.
 */
#ifndef AG_SCHEMA_H
#define AG_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

struct ag_toks; /* lib/pyscan.h */

enum ag_type_family {
	AG_TYPE_UNKNOWN = 0, /* not written, or not a type alembic-guard knows */
	AG_TYPE_UUID,        /* a native UUID on PostgreSQL: postgresql.UUID, sa.Uuid, UUIDType */
	AG_TYPE_STRING,      /* String, VARCHAR, CHAR, Text, Unicode...: varchar/char/text */
	AG_TYPE_INTEGER,     /* Integer, BigInteger, SmallInteger... */
	AG_TYPE_OTHER,       /* another type SQLAlchemy defines (DateTime, Boolean, JSON...) */
	AG_TYPE_HELPER,      /* the project's dialect helper: a UUID or a string by dialect */
};

/* "uuid", "string", ... for messages and JSON. Static. */
const char *ag_type_family_name(enum ag_type_family f);

struct ag_coltype {
	enum ag_type_family family;
	char *text;   /* NULL or malloced: the type as written, on one line, shortened */
	bool dialect; /* a dialect module's UUID type (postgresql.UUID, mssql.UNIQUEIDENTIFIER) */
	int line;     /* where the type is written; 0 when it is not */
	/* NULL or malloced: the import path of the project's own type named
	 * like a UUID type (myapp.types.Uuid after `from myapp.types import
	 * Uuid`). ag_schema_read gives it family UUID, a guess; ag_schema_apply
	 * reads the module that defines it and takes the family of its impl
	 * (String(36): a string), or sets unresolved when it cannot. */
	char *project;
	bool unresolved; /* project's module or class could not be read: the family is a guess */
};

enum ag_schema_op_kind {
	AG_SOP_CREATE_TABLE, /* table */
	AG_SOP_COLUMN,       /* table.column gets type (create_table or add_column) */
	AG_SOP_ALTER,        /* table.column: type (family UNKNOWN: unchanged), new_name */
	AG_SOP_DROP_COLUMN,  /* table.column */
	AG_SOP_DROP_TABLE,   /* table */
	AG_SOP_RENAME_TABLE, /* table -> new_name */
	AG_SOP_FOREIGN_KEY,  /* table(cols) -> ref_table(ref_cols) */
	AG_SOP_FORGET_TABLE, /* op.execute("ALTER TABLE t ..."): t's column types are unknown now */
	/* Read for pre-flight (lib/preflight); ag_schema_apply ignores them. */
	AG_SOP_CREATE_INDEX,  /* new_name on table(cols): unique, concurrently, if_exists */
	AG_SOP_DROP_INDEX,    /* new_name; table "" when not given: if_exists */
	AG_SOP_CREATE_CONSTRAINT, /* new_name (NULL: the database names it) on table:
				   * contype 'u' (cols) or 'c' */
	AG_SOP_DROP_CONSTRAINT,   /* new_name on table; contype from type_ ('f','u','c','p'), 0 */
	AG_SOP_EXECUTE,       /* op.execute: column holds the SQL when it is a literal, else NULL */
	AG_SOP_UNKNOWN,       /* an op call the reader cannot follow: column holds the method;
			       * table is "" unless a batch names it */
};

struct ag_schema_op {
	enum ag_schema_op_kind kind;
	char *table;     /* malloced; "schema.table" when a schema is given */
	char *column;    /* NULL or malloced: COLUMN, ALTER, DROP_COLUMN */
	char *new_name;  /* NULL or malloced: ALTER's new_column_name, RENAME_TABLE's new name */
	struct ag_coltype type; /* COLUMN, ALTER */
	bool type_from_key;     /* COLUMN: no type written, only a ForeignKey (in a migration,
				 * SQLAlchemy cannot copy the referenced type: NullType) */
	char *ref_table;        /* NULL or malloced: FOREIGN_KEY */
	struct ag_strv cols, ref_cols; /* FOREIGN_KEY: the same number of each */
	int line;               /* the call (COLUMN: the sa.Column; FOREIGN_KEY: the key) */
	/* For pre-flight. schema: the schema= argument when table is
	 * "schema.table" (table then starts with it and a dot), else NULL;
	 * ref_schema likewise for ref_table. */
	char *schema, *ref_schema;
	int call_line;     /* the op.* call's line (COLUMN: the add_column/create_table) */
	bool batch;        /* through batch_alter_table */
	bool conditional;  /* under if/for/while/try in upgrade(): it may not run */
	bool opaque;       /* an argument only Python knows (a name, an expression) */
	int nullable;      /* COLUMN, ALTER: -1 not written, 0 nullable=False, 1 True */
	bool primary_key;  /* COLUMN: primary_key=True (NOT NULL) */
	bool has_default;  /* COLUMN: a server_default that is not None (ALTER: written) */
	bool unique, concurrently, if_exists; /* indexes; if_exists: if_not_exists too */
	char contype;      /* CREATE_/DROP_CONSTRAINT */
	char *enum_name;   /* COLUMN, ALTER: a native Enum's type name, or NULL */
	char *enum_schema; /* NULL, or the Enum's schema= */
	bool enum_creates; /* COLUMN in create_table: SQLAlchemy emits CREATE TYPE */
	bool enum_opaque;  /* an Enum whose name only Python knows (sa.Enum(MyEnum)) */
};

/* A column type written anywhere in the file's op calls (upgrade() or not). */
struct ag_schema_use {
	struct ag_coltype type;
	bool in_upgrade;
};

struct ag_schema_file {
	struct ag_schema_op *v; /* NULL or malloced: upgrade()'s operations, in order */
	size_t n, cap;
	struct ag_schema_use *uses; /* NULL or malloced: every column type written */
	size_t nuses, capuses;
	bool calls_helper;  /* the UUID helper is called somewhere in the file */
	bool tokenized;     /* false: the file is not Python pyscan can read, or has
			     * more than AG_SCHEMA_MAX_TOKENS tokens (no ops) */
};

/* The most tokens of one file the reader keeps (about 56 MiB): a real
 * migration has a few thousand; a file past it (a multi-megabyte literal)
 * is not modelled, so that memory stays bounded whatever the file. */
#define AG_SCHEMA_MAX_TOKENS ((size_t)1 << 20)

/*
 * Reads buf (len bytes, need not be NUL-terminated) into out (zeroed by
 * the caller). helpers are the names of the project's UUID helper
 * functions ("get_uuid_type", or dotted "app.types.get_uuid_type": the
 * last part is what a call must end with); NULL means none. Never fails:
 * a file pyscan cannot read, or one over AG_SCHEMA_MAX_TOKENS tokens, gives no
 * operations (tokenized false).
 */
void ag_schema_read(struct ag_schema_file *out, const char *buf, size_t len,
		    const struct ag_strv *helpers);
/* The same from the tokens lib/pyparse kept while checking buf (keep:
 * taken, and emptied, when it holds the whole file; else, or NULL, buf
 * is scanned here), so that a file is not tokenized twice. */
void ag_schema_read_kept(struct ag_schema_file *out, const char *buf, size_t len,
			 const struct ag_strv *helpers, struct ag_toks *keep);
void ag_schema_file_free(struct ag_schema_file *f);

/* ---- the model ------------------------------------------------------- */

struct ag_schema;

/* One side of a foreign key, as the model knows it when the key is judged. */
struct ag_schema_side {
	const char *table, *column;    /* borrowed from the model */
	const struct ag_coltype *type; /* borrowed from the model */
	const char *file, *revision;   /* where the column got its type (borrowed) */
	int line;
};

struct ag_schema_key {
	struct ag_schema_side local, ref;
	const char *file, *revision; /* where the key is declared (borrowed) */
	int line;
	/* Non-NULL: the key existed already and this alter_column (file,
	 * revision and line) changed the type of one of its columns. */
	const char *altered_file, *altered_revision;
	int altered_line;
};

/* Called for every key whose two sides have a known type family. */
typedef void (*ag_schema_key_fn)(void *arg, const struct ag_schema_key *key);

struct ag_schema *ag_schema_new(void);
void ag_schema_free(struct ag_schema *s);
/*
 * Replays f's operations on the model. file and revision name f in what
 * the callback receives (borrowed: they must outlive the model). Reads
 * the modules that define the project's own types (above), each once per
 * model; a module that cannot be read leaves the type unresolved. Keys whose
 * tables or columns the model does not know (created by op.execute, say)
 * are remembered but never judged.
 */
void ag_schema_apply(struct ag_schema *s, const struct ag_schema_file *f, const char *file,
		     const char *revision, ag_schema_key_fn fn, void *arg);
/* The type of table.column now, or NULL when the model does not know it. */
const struct ag_coltype *ag_schema_column_type(const struct ag_schema *s, const char *table,
					       const char *column);

#endif
