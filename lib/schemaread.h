/*
 * schemaread: the half of lib/schema that reads Python: tokens and their
 * brackets, a call's arguments, string literals, imports and the names
 * bound to types, the type classification (ag_schema_read's families),
 * the module docstring, and the project's own type modules that the model
 * resolves. lib/schema.c turns the op.* calls into operations with these.
 *
 * Internal to lib/schema*.c: nothing else includes it. struct reader is
 * filled and freed by ag_schema_read (schema.c); what these functions
 * return is new (malloced) where they say so, else borrowed from the
 * reader's tokens. None fails: what cannot be read is NULL or unknown.
 */
#ifndef AG_SCHEMAREAD_H
#define AG_SCHEMAREAD_H

#include <stdbool.h>
#include <stddef.h>

#include "pyscan.h"
#include "schema.h"
#include "util.h"

#define NONE ((size_t)-1)

enum region { R_MODULE, R_UPGRADE, R_OTHER };

struct var {
	char *name;
	struct ag_coltype type;
	size_t a, b; /* the value's tokens: an Enum bound to a name is read there */
};

struct reader {
	struct ag_tok *t; /* every token of the file, EOF last */
	size_t n;
	size_t *match;    /* match[i]: the closing bracket of an opening one, else NONE */
	struct ag_schema_file *out;
	const struct ag_strv *helpers;
	struct ag_strv alias_names, alias_paths; /* imports: local name -> dotted path */
	struct var *vars;                        /* names bound to a type */
	size_t nvars, capvars;
	struct ag_strv batch_names, batch_tables; /* `as batch_op` -> its table */
	enum region region;
	/* "schema.table" names qualify() built -> their schema, so that an
	 * operation knows its schema= apart from its table. */
	struct ag_strv qual_names, qual_schemas;
	/* upgrade()'s open compound statements: their indent and whether
	 * what runs under them may not run (if, for, while, try). */
	int blk_indent[64];
	bool blk_cond[64];
	int nblk;
	bool cur_cond, cur_batch; /* the op call being read */
	bool in_create;           /* reading create_table's columns (it creates their Enums) */
	int call_line;
};

struct arg {
	const char *kw; /* NULL for a positional argument */
	size_t kwlen;
	size_t a, b; /* the value's tokens: [a, b) */
	bool star;   /* *args or **kwargs: nothing is known */
};

struct args {
	struct arg *v;
	size_t n, cap;
};

/* True, False, absent or something only Python knows. */
enum tri { T_ABSENT, T_FALSE, T_TRUE, T_OTHER };

void ag_schemaread_coltype_copy(struct ag_coltype *dst, const struct ag_coltype *src);
void ag_schemaread_coltype_free(struct ag_coltype *t);
bool ag_schemaread_in_list(const char *s, size_t n, const char *const *list, size_t nlist);
bool ag_schemaread_is_op(const struct ag_tok *t, const char *s);
bool ag_schemaread_is_name(const struct ag_tok *t, const char *s);
void ag_schemaread_split_args(const struct reader *r, size_t open, struct args *out);
const struct arg *ag_schemaread_arg_get(const struct args *as, int pos, const char *kw);
char *ag_schemaread_arg_str(const struct reader *r, const struct arg *a);
bool ag_schemaread_arg_strlist(const struct reader *r, const struct arg *a, struct ag_strv *out);
const struct var *ag_schemaread_var_get(const struct reader *r, const char *name);
void ag_schemaread_classify(struct reader *r, size_t a, size_t b, struct ag_coltype *ct);
void ag_schemaread_add_use(struct reader *r, const struct ag_coltype *ct);
size_t ag_schemaread_callee(const struct reader *r, size_t a, const char **last, size_t *lastlen,
		     size_t *nparts);
bool ag_schemaread_callee_is(const struct reader *r, size_t a, size_t b, const char *name, size_t *open);
bool ag_schemaread_helper_last(const struct reader *r, const char *last, size_t n);
enum tri ag_schemaread_arg_bool(const struct reader *r, const struct arg *a);
bool ag_schemaread_arg_none(const struct reader *r, const struct arg *a);
size_t ag_schemaread_read_import(struct reader *r, size_t i);
void ag_schemaread_read_assignment(struct reader *r, size_t i);
const char *ag_schemaread_batch_table(const struct reader *r, const char *name);
bool ag_schemaread_tokenize(struct reader *r, const char *buf, size_t len, struct ag_toks *keep);
bool ag_schemaread_class_family(const char *dir, const char *path, int depth, enum ag_type_family *fam);
size_t ag_schemaread_dotted(const struct reader *r, size_t i, struct ag_buf *name, size_t *nparts);
const char *ag_schemaread_last_part(const char *dotted);
/* Frees what a reader holds (not its output). */
void ag_schemaread_free(struct reader *r);

#endif
