/*
 * modval: the values side of lib/modexec, shared by its two files and by
 * nothing else. It reads the expressions a migration binds at module level
 * (literals, names bound earlier, defines), keeps the module's names and
 * the final binding of the names Alembic reads, and runs the simple
 * statements (assignments of every form, `+=`); lib/modexec.c runs the
 * compound ones on top of it and decides how sure each block is (run,
 * maybe, skipped).
 *
 * Ownership: an ag_mv parser owns its locals, slots and condition text;
 * values own their strings (ag_mv_val_free). Errors: a tokenizer error is
 * reported once as a parse-error finding on the script and sets p->error.
 */
#ifndef AG_MODVAL_H
#define AG_MODVAL_H

#include <stdbool.h>
#include <stddef.h>

#include "pyscan.h"
#include "script.h"
#include "util.h"

enum ag_mv_kind {
	AG_MV_STR,        /* items.v[0] */
	AG_MV_NONE,       /* None */
	AG_MV_SEQ,        /* tuple or list of str: items */
	AG_MV_OTHER,      /* a known value that is not a str (number, bytes, True, a function...) */
	AG_MV_UNRESOLVED, /* an expression only Python could evaluate: expr */
};

struct ag_mv_val {
	enum ag_mv_kind kind;
	struct ag_strv items;
	char *expr;   /* AG_MV_UNRESOLVED: the name or a short excerpt; AG_MV_OTHER: what it is */
	bool is_name; /* AG_MV_UNRESOLVED: expr is a plain (dotted) name */
	bool list;    /* AG_MV_SEQ: a list (mutable, `+=` takes any iterable), not a tuple */
	char quote;
	char *cond;    /* NULL, or the construct that may or may not have set it */
	int cond_line;
	char *origin;  /* NULL, or what an import bound: "typing", "typing.TYPE_CHECKING" */
};

/* What a display with an element that is not a str is (so: not empty). */
#define AG_MV_NONSTR_SEQ "a sequence with an element that is not a str"
#define AG_MV_NONSTR_TUPLE "a tuple with an element that is not a str"

/* Module-level names bound so far, for names used in later expressions. */
struct ag_mv_local {
	char *name;
	struct ag_mv_val v;
};

/* The names Alembic reads from the module, in this order. */
extern const char *const ag_mv_names[];
enum { AG_MV_SLOTS = 4 };

/* The binding a name Alembic reads has when the module has run. */
struct ag_mv_slot {
	bool bound;
	struct ag_mv_val v;
	int line;
	bool annotated;
};

/* How a block runs: surely, maybe (only Python decides), or not at all. */
enum ag_mv_mode { AG_MV_RUN, AG_MV_MAYBE, AG_MV_SKIP };

struct ag_mv {
	struct ag_pyscan s;
	struct ag_tok tok;
	struct ag_tok prev; /* the token before tok (walrus targets) */
	struct ag_script *sc;
	const struct ag_defines *defs;
	struct ag_mv_local *locals;
	size_t nlocals, caplocals;
	struct ag_mv_slot slots[AG_MV_SLOTS];
	bool error;       /* the file cannot load (a tokenizer error, a failed unpacking): reported */
	enum ag_mv_mode mode;   /* of the block being read */
	char *cond;       /* AG_MV_MAYBE: the construct that decides (malloced), and its line */
	int cond_line;
	bool colon_ends;  /* a header: a ':' outside brackets ends the expression */
	int lambdas;      /* lambdas of the header still waiting for their ':' */
	bool lambda_colon; /* tok is a lambda's ':', not the header's */
	bool raised;      /* a statement read so far may raise (for `try`) */
	bool decorated;   /* the statement before was a decorator */
	unsigned long work; /* tokens read, against LOOP_BUDGET */
	unsigned long loop_mult; /* iterations of the enclosing unrolled loops */
	int global_line[AG_MV_SLOTS]; /* a `global NAME` in a function body */
};


void ag_mv_val_free(struct ag_mv_val *v);
char *ag_mv_ident(const char *name, size_t n);

int ag_mv_slot_of(const char *name);

char *ag_mv_tok_ident(const struct ag_tok *t);

/* NAME is rebound by something only Python evaluates (what, at line). Only
 * names we track matter: the ones Alembic reads, and known locals. */
void ag_mv_taint(struct ag_mv *p, const char *name, const char *what, int line);

void ag_mv_advance(struct ag_mv *p);

bool ag_mv_at_stmt_end(const struct ag_mv *p);

bool ag_mv_at_end(const struct ag_mv *p);

void ag_mv_skip_stmt(struct ag_mv *p);

const struct ag_mv_val *ag_mv_local_get(const struct ag_mv *p, const char *name);

/* value := atom (',' atom)* [','], then the statement must end. */
void ag_mv_parse_value(struct ag_mv *p, struct ag_mv_val *v);

/* The final binding of one of the names Alembic reads, into the script. */
void ag_mv_apply_slot(struct ag_mv *p, int k);

/* A value that may or may not have been set by the construct in p->cond. */
void ag_mv_maybe_val(struct ag_mv_val *v, const char *name, const char *cond, int cond_line);

/* NAME = v, as the current block runs it. */
void ag_mv_bind(struct ag_mv *p, const char *name, const struct ag_mv_val *v, int line, bool annotated);

/* del NAME */
void ag_mv_unbind(struct ag_mv *p, const char *name, int line);

/* True for an augmented assignment operator (+=, -=, ..., not ==/<=). */
bool ag_mv_is_augassign(const struct ag_tok *t);

/* The source from start to the current token, for a message: one line,
 * at most about 60 bytes (cut on a character boundary). */
char *ag_mv_excerpt(const struct ag_mv *p, const char *start);

/*
 * Skips the rest of a statement whose form we do not evaluate (a target
 * with a subscript, an attribute, a star or brackets; an expression): every
 * name that stands before an `=` outside brackets may be rebound, so the
 * tracked ones become unresolved. pre: names already read as targets.
 */
void ag_mv_skip_taint(struct ag_mv *p, const struct ag_strv *pre, const char *start, int line);

/* The characters of s (code points, as Python iterates a str). */
void ag_mv_push_chars(struct ag_strv *out, const char *s);

/* A statement that starts with a name: NAME [: annotation] = value,
 * NAME = NAME = ... = value, NAME, NAME = ..., NAME += value, or any other
 * statement (NAME[0] = ..., NAME.append(...), f(...)). */
void ag_mv_parse_assignment(struct ag_mv *p);

#endif
