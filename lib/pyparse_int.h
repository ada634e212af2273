/*
 * pyparse_int: what the two halves of lib/pyparse share, and no other
 * module may include. lib/pyparse.c holds the token layer (the scanner
 * wrapped with NUMBER splitting and error reporting), the statements and
 * the entry point; lib/pyparse_expr.c the expressions, targets, call
 * arguments, parameters and f-string fields. Statements call into
 * expressions through the ag_pyparse_ functions below, expressions call
 * back only for an f-string field (ag_pyparse_fragment).
 *
 * Ownership: as pyparse.h: nothing is allocated; struct pp borrows the
 * buffer. Errors: the first one is recorded in p->err by ag_pyparse_fail
 * and p->failed set; every rule returns early once it is.
 */
#ifndef AG_PYPARSE_INT_H
#define AG_PYPARSE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "pyparse.h"
#include "pyscan.h"

/* CPython fails with RecursionError/MemoryError well before this many
 * nested prefix operators, conditional expressions or lambdas (it accepts
 * 2,900 unary minuses and 2,000 conditionals, refuses 4,000-5,000), so a
 * chain this long is rejected without ever rejecting a file it compiles. */
#define MAX_CHAIN 5000

/* What an expression is, as far as targets and messages need to know. */
enum xk {
	X_NAME,  /* a bare name */
	X_ATTR,  /* attribute or subscript */
	X_STAR,  /* *expr */
	X_TUPLE, /* a, b or (a, b) */
	X_LIST,  /* [a, b] */
	X_OTHER, /* everything else: `bad` says what it is */
};

struct ex {
	enum xk k;
	bool paren;        /* wrapped in parentheses (a group, not a tuple) */
	int nstar;         /* tuple/list: starred elements at this level */
	const char *bad;   /* NULL when assignable, else what it is ("literal") */
	int line, col;     /* where the expression starts */
	const char *name;  /* X_NAME: the name */
	size_t namelen;
};

struct pp {
	struct ag_pyscan s;
	struct ag_tok t;
	const char *sp, *se; /* the part of a NUMBER token still to hand out */
	struct ag_tok split; /* the NUMBER token being split */
	int minor;
	bool failed;
	struct ag_pyparse_err *err;
	/* Context for the compiler's checks. */
	bool in_func, in_async, in_loop, in_class;
	int comp;        /* comprehension nesting within the current function */
	bool future_ok;  /* only __future__ imports and a docstring so far */
	bool seen_stmt;  /* a statement has been parsed (the docstring is the first) */
	int funcs;       /* enclosing def statements, through classes too */
	bool flufl;      /* from __future__ import barry_as_FLUFL: `<>` */
	bool fstring;    /* parsing an f-string replacement field */
	int line0, col0; /* f-string field: where its string starts */
	int last_line, last_col; /* the end of the last real token */
	bool giveup;     /* the rest cannot be judged: accept the file */
	struct ag_toks *keep; /* NULL, or where the scanner's tokens are kept */
};

/* How ag_pyparse_check_target is to judge an expression. */
enum { T_ASSIGN, T_DEL, T_FOR, T_AS };

/* ---- tokens (lib/pyparse.c) ------------------------------------------ */

/* The first error wins; inside an f-string field it is placed at the
 * string. */
void ag_pyparse_fail(struct pp *p, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void ag_pyparse_fail_tok(struct pp *p, const char *msg);
void ag_pyparse_invalid(struct pp *p);
void ag_pyparse_next(struct pp *p);
bool ag_pyparse_expect_op(struct pp *p, const char *s, const char *msg);
bool ag_pyparse_expect_name(struct pp *p);
bool ag_pyparse_starts_expr(const struct pp *p);
/* An f-string field's expression in a parser of its own. */
bool ag_pyparse_fragment(struct pp *outer, const char *src, size_t len);

/* Called on every token by both halves: inline, as they were static. */
static inline bool tok_eq(const struct ag_tok *t, const char *s)
{
	size_t n = strlen(s);
	return t->len == n && memcmp(t->p, s, n) == 0;
}

static inline bool op(const struct pp *p, const char *s)
{
	return p->t.kind == AG_TOK_OP && tok_eq(&p->t, s);
}

static inline bool kw(const struct pp *p, const char *s)
{
	return p->t.kind == AG_TOK_NAME && tok_eq(&p->t, s);
}

/* A plain identifier (soft keywords included). */
static inline bool ident(const struct pp *p)
{
	return p->t.kind == AG_TOK_NAME && !ag_tok_is_keyword(&p->t);
}

/* ---- expressions (lib/pyparse_expr.c) -------------------------------- */

bool ag_pyparse_is_fstring(const struct ag_tok *t);
struct ex ag_pyparse_strings(struct pp *p);
struct ex ag_pyparse_bitwise_or(struct pp *p);
struct ex ag_pyparse_expression(struct pp *p);
struct ex ag_pyparse_named_expression(struct pp *p);
struct ex ag_pyparse_star_list(struct pp *p, bool named);
struct ex ag_pyparse_star_expressions(struct pp *p);
struct ex ag_pyparse_yield_expr(struct pp *p);
struct ex ag_pyparse_star_targets(struct pp *p);
void ag_pyparse_check_target(struct pp *p, const struct ex *x, int how);
void ag_pyparse_arguments(struct pp *p, const char *close);
bool ag_pyparse_params(struct pp *p, const char *close, bool annotations);

#endif
