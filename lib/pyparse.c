/* pyparse: see pyparse.h. Rule names follow Grammar/python.gram. */
#include "pyparse.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

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
};

static void fail(struct pp *p, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void fail(struct pp *p, int line, int col, const char *fmt, ...)
{
	if (p->failed)
		return;
	p->failed = true;
	if (p->fstring) {
		line = p->line0;
		col = p->col0;
	}
	p->err->line = line;
	p->err->col = col;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->err->msg, sizeof p->err->msg, fmt, ap);
	va_end(ap);
}

/* At the end of the file, CPython points just past the last token. */
static void fail_tok(struct pp *p, const char *msg)
{
	if (p->t.kind == AG_TOK_EOF && p->last_line)
		fail(p, p->last_line, p->last_col, "%s", msg);
	else
		fail(p, p->t.line, p->t.col, "%s", msg);
}

/* ---- tokens ---------------------------------------------------------- */

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_idstart(char c)
{
	unsigned char u = (unsigned char)c;
	return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || u == '_' || u >= 0x80;
}

static bool is_idch(char c)
{
	return is_idstart(c) || is_digit(c);
}

static bool digit_of(char c, int base)
{
	if (base == 16)
		return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
	if (base == 8)
		return c >= '0' && c <= '7';
	if (base == 2)
		return c == '0' || c == '1';
	return is_digit(c);
}

/* Digits with single underscores between them, from q; NULL when an
 * underscore is not followed by a digit. */
static const char *digits(const char *q, const char *e, int base)
{
	while (q < e && digit_of(*q, base)) {
		q++;
		if (q < e && *q == '_') {
			if (q + 1 >= e || !digit_of(q[1], base))
				return NULL;
			q++;
		}
	}
	return q;
}

/* The keywords CPython lets follow a number directly (`1if x else y`,
 * with a warning): verify_end_of_number in Parser/tokenizer.c. */
static bool keyword_follows(const char *q, const char *e)
{
	static const char *const kw[] = {"and", "else", "for", "if", "in", "is", "not", "or"};
	for (size_t i = 0; i < sizeof kw / sizeof kw[0]; i++) {
		size_t n = strlen(kw[i]);
		if ((size_t)(e - q) >= n && memcmp(q, kw[i], n) == 0)
			return true;
	}
	return false;
}

/* The length of the number at s (which pyscan ended greedily at e), or 0
 * with *msg set when it is not a valid literal. */
static size_t number_len(const char *s, const char *e, const char **msg)
{
	const char *q = s;
	const char *what = "decimal";
	*msg = NULL;
	if (e - s >= 2 && s[0] == '0' && strchr("xXoObB", s[1])) {
		int base = (s[1] == 'x' || s[1] == 'X') ? 16 : (s[1] == 'o' || s[1] == 'O') ? 8 : 2;
		what = base == 16 ? "hexadecimal" : base == 8 ? "octal" : "binary";
		q = s + 2;
		if (q < e && *q == '_')
			q++;
		if (q >= e || !digit_of(*q, base)) {
			*msg = base == 16 ? "invalid hexadecimal literal" : base == 8 ? "invalid octal literal"
										     : "invalid binary literal";
			return 0;
		}
		q = digits(q, e, base);
		if (!q) {
			*msg = base == 16 ? "invalid hexadecimal literal" : base == 8 ? "invalid octal literal"
										     : "invalid binary literal";
			return 0;
		}
	} else {
		bool is_int = true;
		if (q < e && is_digit(*q)) {
			q = digits(q, e, 10);
			if (!q) {
				*msg = "invalid decimal literal";
				return 0;
			}
		}
		const char *int_end = q;
		if (q < e && *q == '.') {
			is_int = false;
			q++;
			if (q < e && is_digit(*q)) {
				q = digits(q, e, 10);
				if (!q) {
					*msg = "invalid decimal literal";
					return 0;
				}
			}
		}
		if (q < e && (*q == 'e' || *q == 'E')) {
			const char *r = q + 1;
			if (r < e && (*r == '+' || *r == '-'))
				r++;
			if (r < e && is_digit(*r)) {
				q = digits(r, e, 10);
				if (!q) {
					*msg = "invalid decimal literal";
					return 0;
				}
				is_int = false;
			}
		}
		if (q < e && (*q == 'j' || *q == 'J')) {
			q++;
			is_int = false;
		}
		if (is_int && s[0] == '0') {
			for (const char *r = s; r < int_end; r++)
				if (*r != '0' && *r != '_') {
					*msg = "leading zeros in decimal integer literals are not permitted; "
					       "use an 0o prefix for octal integers";
					return 0;
				}
		}
	}
	if (q < e && (is_idstart(*q) || is_digit(*q)) && !(is_idstart(*q) && keyword_follows(q, e))) {
		*msg = strcmp(what, "hexadecimal") == 0 ? "invalid hexadecimal literal"
		       : strcmp(what, "octal") == 0     ? "invalid octal literal"
		       : strcmp(what, "binary") == 0    ? "invalid binary literal"
							: "invalid decimal literal";
		return 0;
	}
	return (size_t)(q - s);
}

static void check_number(struct pp *p)
{
	const char *msg;
	const char *s = p->t.p, *e = p->t.p + p->t.len;
	size_t n = number_len(s, e, &msg);
	if (msg) {
		fail_tok(p, msg);
		p->t.kind = AG_TOK_EOF;
		return;
	}
	if (s + n < e) {
		p->split = p->t;
		p->sp = s + n;
		p->se = e;
		p->t.len = n;
	}
}

/* The next piece of a split NUMBER token (`1.0.real`, `1if`). */
static void next_split(struct pp *p)
{
	const char *q = p->sp, *e = p->se;
	struct ag_tok t = p->split;
	t.flags = 0;
	t.p = q;
	t.col = p->split.col + (int)(q - p->split.p);
	if (*q == '.' && !(q + 1 < e && is_digit(q[1]))) {
		t.kind = AG_TOK_OP;
		t.len = 1;
	} else if (is_idstart(*q)) {
		const char *r = q;
		while (r < e && is_idch(*r))
			r++;
		t.kind = AG_TOK_NAME;
		t.len = (size_t)(r - q);
	} else if (is_digit(*q) || *q == '.') {
		t.kind = AG_TOK_NUMBER;
		t.len = (size_t)(e - q);
	} else {
		t.kind = AG_TOK_OP;
		t.len = 1;
	}
	p->sp = q + t.len;
	p->t = t;
	if (t.kind == AG_TOK_NUMBER) {
		p->sp = p->se; /* check_number splits it again if need be */
		check_number(p);
	}
}

static void next(struct pp *p)
{
	if (p->failed) {
		p->t.kind = AG_TOK_EOF;
		return;
	}
	if (p->t.kind != AG_TOK_NEWLINE && p->t.kind != AG_TOK_EOF && p->t.len) {
		p->last_line = p->t.line;
		p->last_col = p->t.col + (int)p->t.len;
		for (size_t i = 0; i < p->t.len; i++) /* a literal over several lines */
			if (p->t.p[i] == '\n') {
				p->last_line++;
				p->last_col = (int)(p->t.len - i);
			}
	}
	if (p->sp < p->se) {
		next_split(p);
		return;
	}
	ag_pyscan_next(&p->s, &p->t);
	if (p->t.kind == AG_TOK_ERROR) {
		fail(p, p->t.line, p->t.col, "%.*s", (int)p->t.len, p->t.p);
		p->t.kind = AG_TOK_EOF;
	} else if (p->t.kind == AG_TOK_NUMBER) {
		check_number(p);
	}
}

static bool tok_eq(const struct ag_tok *t, const char *s)
{
	size_t n = strlen(s);
	return t->len == n && memcmp(t->p, s, n) == 0;
}

static bool op(const struct pp *p, const char *s)
{
	return p->t.kind == AG_TOK_OP && tok_eq(&p->t, s);
}

static bool kw(const struct pp *p, const char *s)
{
	return p->t.kind == AG_TOK_NAME && tok_eq(&p->t, s);
}

static bool is_keyword_tok(const struct ag_tok *t)
{
	static const char *const kws[] = {
		"False", "None", "True", "and", "as", "assert", "async", "await", "break",
		"class", "continue", "def", "del", "elif", "else", "except", "finally", "for",
		"from", "global", "if", "import", "in", "is", "lambda", "nonlocal", "not", "or",
		"pass", "raise", "return", "try", "while", "with", "yield"};
	if (t->kind != AG_TOK_NAME)
		return false;
	for (size_t i = 0; i < sizeof kws / sizeof kws[0]; i++)
		if (tok_eq(t, kws[i]))
			return true;
	return false;
}

/* A plain identifier (soft keywords included). */
static bool ident(const struct pp *p)
{
	return p->t.kind == AG_TOK_NAME && !is_keyword_tok(&p->t);
}

static bool at_end(const struct pp *p)
{
	return p->t.kind == AG_TOK_NEWLINE || p->t.kind == AG_TOK_EOF;
}

static void invalid(struct pp *p)
{
	fail_tok(p, "invalid syntax");
}

static bool expect_op(struct pp *p, const char *s, const char *msg)
{
	if (op(p, s)) {
		next(p);
		return true;
	}
	if (msg)
		fail_tok(p, msg);
	else
		invalid(p);
	return false;
}

static bool expect_name(struct pp *p)
{
	if (ident(p)) {
		next(p);
		return true;
	}
	invalid(p);
	return false;
}

/* A copy of the scanner, to look ahead without consuming. */
struct peek {
	struct ag_pyscan s;
	struct ag_tok t;
};

static void peek_init(struct peek *k, const struct pp *p)
{
	k->s = p->s;
	k->t = p->t;
}

static const struct ag_tok *peek_next(struct peek *k)
{
	if (k->t.kind != AG_TOK_EOF && k->t.kind != AG_TOK_ERROR)
		ag_pyscan_next(&k->s, &k->t);
	return &k->t;
}

/* Whether an expression can start at the current token. */
static bool starts_expr(const struct pp *p)
{
	const struct ag_tok *t = &p->t;
	if (t->kind == AG_TOK_NUMBER || t->kind == AG_TOK_STRING)
		return true;
	if (t->kind == AG_TOK_NAME)
		return !is_keyword_tok(t) || tok_eq(t, "None") || tok_eq(t, "True") ||
		       tok_eq(t, "False") || tok_eq(t, "not") || tok_eq(t, "lambda") ||
		       tok_eq(t, "await");
	return op(p, "(") || op(p, "[") || op(p, "{") || op(p, "-") || op(p, "+") || op(p, "~") ||
	       op(p, "...");
}

/* ---- expressions ----------------------------------------------------- */

static struct ex expression(struct pp *p);
static struct ex named_expression(struct pp *p);
static struct ex star_expressions(struct pp *p);
static struct ex bitwise_or(struct pp *p);
static struct ex yield_expr(struct pp *p);
static void arguments(struct pp *p, const char *close);
static bool params(struct pp *p, const char *close, bool annotations);

static struct ex mk(const struct pp *p, enum xk k, const char *bad)
{
	struct ex x;
	memset(&x, 0, sizeof x);
	x.k = k;
	x.bad = bad;
	x.line = p->t.line;
	x.col = p->t.col;
	return x;
}

static struct ex other(struct ex x, const char *bad)
{
	x.k = X_OTHER;
	x.bad = bad;
	x.paren = false;
	return x;
}

static bool is_fstring(const struct ag_tok *t)
{
	for (size_t i = 0; i < t->len && t->p[i] != '\'' && t->p[i] != '"'; i++)
		if (t->p[i] == 'f' || t->p[i] == 'F')
			return true;
	return false;
}

static bool is_bytes(const struct ag_tok *t)
{
	for (size_t i = 0; i < t->len && t->p[i] != '\'' && t->p[i] != '"'; i++)
		if (t->p[i] == 'b' || t->p[i] == 'B')
			return true;
	return false;
}

static void fstring_fields(struct pp *p, const struct ag_tok *t);

/* strings: STRING+ (bytes and str do not mix). */
static struct ex strings(struct pp *p)
{
	struct ex x = mk(p, X_OTHER, "literal");
	bool bytes = is_bytes(&p->t), mixed = false, f = false;
	int line = p->t.line, col = p->t.col;
	while (p->t.kind == AG_TOK_STRING) {
		if (is_bytes(&p->t) != bytes)
			mixed = true;
		if (is_fstring(&p->t)) {
			f = true;
			fstring_fields(p, &p->t);
		}
		next(p);
	}
	if (mixed)
		fail(p, line, col, "cannot mix bytes and nonbytes literals");
	if (f)
		x.bad = "f-string expression";
	return x;
}

/* for_if_clauses: (['async'] 'for' star_targets 'in' disjunction ('if' disjunction)*)+ */
static struct ex disjunction(struct pp *p);
static void check_target(struct pp *p, const struct ex *x, int how);
enum { T_ASSIGN, T_DEL, T_FOR, T_AS };
static struct ex star_targets(struct pp *p);

static void for_if_clauses(struct pp *p)
{
	bool first = true;
	while (!p->failed && (kw(p, "for") || kw(p, "async"))) {
		if (kw(p, "async")) {
			next(p);
			if (!kw(p, "for")) {
				invalid(p);
				return;
			}
		}
		next(p);
		struct ex tg = star_targets(p);
		check_target(p, &tg, T_FOR);
		if (!kw(p, "in")) {
			invalid(p);
			return;
		}
		next(p);
		/* The first iterable is evaluated in the enclosing scope:
		 * `[x for x in (yield)]` is a yield of the function. */
		if (first)
			p->comp--;
		(void)disjunction(p);
		if (first)
			p->comp++;
		first = false;
		while (!p->failed && kw(p, "if")) {
			next(p);
			(void)disjunction(p);
		}
	}
}

/* The body of a comprehension: yield is not allowed inside. */
static void comprehension(struct pp *p)
{
	p->comp++;
	for_if_clauses(p);
	p->comp--;
}

/* (...): a group, a tuple or a generator expression. */
static struct ex paren_atom(struct pp *p)
{
	struct ex x = mk(p, X_TUPLE, NULL);
	next(p);
	if (op(p, ")")) {
		next(p);
		x.paren = true;
		return x; /* (): a target too, `() = []` and `del ()` */
	}
	struct ex first;
	if (kw(p, "yield")) {
		first = yield_expr(p);
		if (!expect_op(p, ")", NULL))
			return x;
		first.paren = true;
		return first;
	}
	if (op(p, "*")) {
		int l = p->t.line, c = p->t.col;
		next(p);
		struct ex in = bitwise_or(p);
		first = mk(p, X_STAR, in.bad);
		first.line = l;
		first.col = c;
	} else {
		first = named_expression(p);
	}
	if (kw(p, "for") || kw(p, "async")) {
		if (first.k == X_STAR) {
			fail(p, first.line, first.col, "iterable unpacking cannot be used in comprehension");
			return x;
		}
		comprehension(p);
		expect_op(p, ")", NULL);
		return other(x, "generator expression");
	}
	if (op(p, ")")) {
		next(p);
		if (first.k == X_STAR) {
			fail(p, first.line, first.col, "cannot use starred expression here");
			return x;
		}
		first.paren = true;
		return first;
	}
	/* A tuple. */
	x.bad = first.bad;
	x.nstar = first.k == X_STAR;
	while (!p->failed && op(p, ",")) {
		next(p);
		if (op(p, ")"))
			break;
		struct ex e;
		if (op(p, "*")) {
			next(p);
			e = bitwise_or(p);
			x.nstar++;
		} else {
			e = named_expression(p);
		}
		if (!x.bad && e.bad)
			x.bad = e.bad;
	}
	expect_op(p, ")", NULL);
	x.paren = true;
	return x;
}

/* [...]: a list or a list comprehension. */
static struct ex list_atom(struct pp *p)
{
	struct ex x = mk(p, X_LIST, NULL);
	next(p);
	bool first = true;
	while (!p->failed && !op(p, "]")) {
		struct ex e;
		bool star = false;
		if (op(p, "*")) {
			next(p);
			e = bitwise_or(p);
			star = true;
			x.nstar++;
		} else {
			e = named_expression(p);
		}
		if (!x.bad && e.bad)
			x.bad = e.bad;
		if (first && (kw(p, "for") || kw(p, "async"))) {
			if (star) {
				fail(p, x.line, x.col, "iterable unpacking cannot be used in comprehension");
				return x;
			}
			comprehension(p);
			expect_op(p, "]", NULL);
			return other(x, "list comprehension");
		}
		first = false;
		if (!op(p, ","))
			break;
		next(p);
	}
	expect_op(p, "]", NULL);
	return x;
}

/* {...}: dict, set, or their comprehensions. */
static struct ex brace_atom(struct pp *p)
{
	struct ex x = mk(p, X_OTHER, "dict literal");
	next(p);
	if (op(p, "}")) {
		next(p);
		return x;
	}
	bool dict;
	if (op(p, "**")) {
		next(p);
		(void)bitwise_or(p);
		dict = true;
	} else if (op(p, "*")) {
		next(p);
		(void)bitwise_or(p);
		dict = false;
	} else {
		struct ex k = named_expression(p);
		dict = op(p, ":");
		if (dict) {
			if (k.k == X_OTHER && k.bad && strcmp(k.bad, "named expression") == 0 && !k.paren) {
				invalid(p);
				return x;
			}
			next(p);
			(void)expression(p);
		}
		if (kw(p, "for") || kw(p, "async")) {
			comprehension(p);
			expect_op(p, "}", NULL);
			return other(x, dict ? "dict comprehension" : "set comprehension");
		}
	}
	x.bad = dict ? "dict literal" : "set display";
	while (!p->failed && op(p, ",")) {
		next(p);
		if (op(p, "}"))
			break;
		if (dict) {
			if (op(p, "**")) {
				next(p);
				(void)bitwise_or(p);
			} else {
				(void)expression(p);
				if (!expect_op(p, ":", op(p, ",") || op(p, "}") ? "':' expected after dictionary key"
										: NULL))
					return x;
				(void)expression(p);
			}
		} else {
			if (op(p, "*")) {
				next(p);
				(void)bitwise_or(p);
			} else {
				(void)named_expression(p);
			}
		}
	}
	expect_op(p, "}", NULL);
	return x;
}

static struct ex atom(struct pp *p)
{
	const struct ag_tok *t = &p->t;
	struct ex x = mk(p, X_OTHER, "literal");
	if (t->kind == AG_TOK_NAME) {
		if (tok_eq(t, "True") || tok_eq(t, "False") || tok_eq(t, "None")) {
			x.bad = tok_eq(t, "True") ? "True" : tok_eq(t, "False") ? "False" : "None";
			next(p);
			return x;
		}
		if (is_keyword_tok(t)) {
			invalid(p);
			return x;
		}
		x.k = X_NAME;
		x.bad = tok_eq(t, "__debug__") ? "__debug__" : NULL;
		x.name = t->p;
		x.namelen = t->len;
		next(p);
		return x;
	}
	if (t->kind == AG_TOK_NUMBER) {
		next(p);
		return x;
	}
	if (t->kind == AG_TOK_STRING)
		return strings(p);
	if (op(p, "("))
		return paren_atom(p);
	if (op(p, "["))
		return list_atom(p);
	if (op(p, "{"))
		return brace_atom(p);
	if (op(p, "...")) {
		next(p);
		x.bad = "ellipsis";
		return x;
	}
	invalid(p);
	return x;
}

/* slices: slice | ','.(slice | starred_expression)+ [','] */
static void slices(struct pp *p)
{
	for (;;) {
		if (op(p, "*")) {
			next(p);
			(void)bitwise_or(p);
		} else {
			if (!op(p, ":"))
				(void)named_expression(p);
			if (op(p, ":")) {
				next(p);
				if (!op(p, ":") && !op(p, ",") && !op(p, "]"))
					(void)expression(p);
				if (op(p, ":")) {
					next(p);
					if (!op(p, ",") && !op(p, "]"))
						(void)expression(p);
				}
			}
		}
		if (p->failed || !op(p, ","))
			break;
		next(p);
		if (op(p, "]"))
			break;
	}
	expect_op(p, "]", NULL);
}

/* primary: atom ('.' NAME | '(' arguments ')' | '[' slices ']')* */
static struct ex primary(struct pp *p)
{
	struct ex x = atom(p);
	while (!p->failed) {
		if (op(p, ".")) {
			next(p);
			if (!expect_name(p))
				return x;
			x.k = X_ATTR;
			x.bad = NULL;
			x.paren = false;
		} else if (op(p, "(")) {
			next(p);
			arguments(p, ")");
			x = other(x, "function call");
		} else if (op(p, "[")) {
			next(p);
			slices(p);
			x.k = X_ATTR;
			x.bad = NULL;
			x.paren = false;
		} else {
			break;
		}
	}
	return x;
}

/* factor: ('+'|'-'|'~')* power; power: ['await'] primary ['**' factor].
 * The prefix operators are counted in a loop, not recursed on. */
static struct ex factor(struct pp *p)
{
	int n = 0;
	struct ex start = mk(p, X_OTHER, "expression");
	while (op(p, "-") || op(p, "+") || op(p, "~")) {
		if (++n > MAX_CHAIN) {
			fail_tok(p, "too many nested expressions (Python stops with a RecursionError)");
			return start;
		}
		next(p);
	}
	bool await = false;
	if (kw(p, "await")) {
		/* Only outside brackets: inside them the await may belong
		 * to a generator expression, which may be asynchronous. */
		if (p->t.depth == 0 && !p->fstring && !p->in_class && !p->in_func)
			fail_tok(p, "'await' outside function");
		else if (p->t.depth == 0 && !p->fstring && p->in_func && !p->in_async)
			fail_tok(p, "'await' outside async function");
		next(p);
		await = true;
	}
	struct ex x = primary(p);
	if (await)
		x = other(x, "await expression");
	if (op(p, "**")) {
		next(p);
		(void)factor(p);
		x = other(x, "expression");
	}
	if (n) {
		x = other(x, "expression");
		x.line = start.line;
		x.col = start.col;
	}
	return x;
}

/* The binary operators from term up to bitwise_or, by precedence. */
static int binop_level(const struct pp *p)
{
	if (p->t.kind != AG_TOK_OP)
		return 0;
	if (op(p, "|"))
		return 1;
	if (op(p, "^"))
		return 2;
	if (op(p, "&"))
		return 3;
	if (op(p, "<<") || op(p, ">>"))
		return 4;
	if (op(p, "+") || op(p, "-"))
		return 5;
	if (op(p, "*") || op(p, "/") || op(p, "//") || op(p, "%") || op(p, "@"))
		return 6;
	return 0;
}

static struct ex binary(struct pp *p, int level)
{
	if (level > 6)
		return factor(p);
	struct ex x = binary(p, level + 1);
	while (!p->failed && binop_level(p) == level) {
		next(p);
		(void)binary(p, level + 1);
		x = other(x, "expression");
	}
	return x;
}

static struct ex bitwise_or(struct pp *p)
{
	return binary(p, 1);
}

/* comparison: bitwise_or (compare_op bitwise_or)* */
static struct ex comparison(struct pp *p)
{
	struct ex x = bitwise_or(p);
	for (;;) {
		if (p->failed)
			return x;
		if (op(p, "==") || op(p, "!=") || op(p, "<=") || op(p, ">=") || op(p, ">") ||
		    kw(p, "in")) {
			next(p);
		} else if (op(p, "<")) {
			next(p);
			/* barry_as_FLUFL spells != as <> (two tokens here) */
			if (p->flufl && op(p, ">"))
				next(p);
		} else if (kw(p, "not")) {
			next(p);
			if (!kw(p, "in")) {
				invalid(p);
				return x;
			}
			next(p);
		} else if (kw(p, "is")) {
			next(p);
			if (kw(p, "not"))
				next(p);
		} else {
			return x;
		}
		(void)bitwise_or(p);
		x = other(x, "comparison");
	}
}

/* inversion: 'not'* comparison (a loop, counted). */
static struct ex inversion(struct pp *p)
{
	int n = 0;
	struct ex start = mk(p, X_OTHER, "expression");
	while (kw(p, "not")) {
		if (++n > MAX_CHAIN) {
			fail_tok(p, "too many nested expressions (Python stops with a RecursionError)");
			return start;
		}
		next(p);
	}
	struct ex x = comparison(p);
	if (n) {
		x = other(x, "expression");
		x.line = start.line;
		x.col = start.col;
	}
	return x;
}

static struct ex disjunction(struct pp *p)
{
	struct ex x = inversion(p);
	bool any = false;
	while (!p->failed && (kw(p, "and") || kw(p, "or"))) {
		next(p);
		(void)inversion(p);
		any = true;
	}
	return any ? other(x, "expression") : x;
}

/* lambdef: 'lambda' [lambda_params] ':' expression; the body is its own
 * function. */
static void lambda_head(struct pp *p)
{
	next(p);
	if (!op(p, ":"))
		params(p, ":", false);
	expect_op(p, ":", NULL);
}

/* expression: disjunction ['if' disjunction 'else' expression] | lambdef.
 * Chains of `else` and lambda bodies are followed in a loop. */
static struct ex expression(struct pp *p)
{
	struct ex result = mk(p, X_OTHER, "expression");
	bool first = true;
	int n = 0;
	bool saved_func = p->in_func, saved_async = p->in_async, saved_class = p->in_class;
	int saved_comp = p->comp;
	while (!p->failed) {
		if (++n > MAX_CHAIN) {
			fail_tok(p, "too many nested expressions (Python stops with a RecursionError)");
			break;
		}
		if (kw(p, "lambda")) {
			lambda_head(p);
			p->in_func = true;
			p->in_async = false;
			p->in_class = false;
			p->comp = 0;
			if (first)
				result = mk(p, X_OTHER, "lambda");
			first = false;
			continue;
		}
		struct ex x = disjunction(p);
		if (first)
			result = x;
		first = false;
		if (!kw(p, "if"))
			break;
		next(p);
		(void)disjunction(p);
		if (!kw(p, "else")) {
			if (!p->failed)
				fail_tok(p, "expected 'else' after 'if' expression");
			break;
		}
		next(p);
		result = other(result, "conditional expression");
	}
	p->in_func = saved_func;
	p->in_async = saved_async;
	p->in_class = saved_class;
	p->comp = saved_comp;
	return result;
}

/* named_expression: NAME ':=' expression | expression !':=' */
static struct ex named_expression(struct pp *p)
{
	struct ex x = expression(p);
	if (op(p, ":=")) {
		if (x.k != X_NAME || x.paren) {
			fail(p, x.line, x.col, "cannot use assignment expressions with %s",
			     x.k == X_ATTR ? "subscript" : x.bad ? x.bad : "expression");
			return x;
		}
		if (x.bad) {
			fail(p, x.line, x.col, "cannot use assignment expressions with %s", x.bad);
			return x;
		}
		if (p->minor < 8)
			fail_tok(p, "assignment expressions need Python 3.8");
		next(p);
		(void)expression(p);
		x = other(x, "named expression");
	}
	return x;
}

/* star_expressions: ','.(star_expression)+ [','], a tuple when there is a
 * comma; star_expression: '*' bitwise_or | expression. With walrus: the
 * subject of `match` and the elements of a list use named expressions. */
static struct ex star_list(struct pp *p, bool named)
{
	struct ex first = mk(p, X_TUPLE, NULL);
	struct ex x = first;
	int nstar = 0;
	bool tuple = false;
	const char *bad = NULL;
	for (;;) {
		struct ex e;
		if (op(p, "*")) {
			int l = p->t.line, c = p->t.col;
			next(p);
			struct ex in = bitwise_or(p);
			e = mk(p, X_STAR, in.bad);
			e.line = l;
			e.col = c;
			nstar++;
		} else {
			e = named ? named_expression(p) : expression(p);
		}
		if (!tuple)
			x = e;
		if (!bad && e.bad)
			bad = e.bad;
		if (p->failed || !op(p, ","))
			break;
		tuple = true;
		next(p);
		if (!starts_expr(p) && !op(p, "*"))
			break;
	}
	if (!tuple)
		return x;
	first.nstar = nstar;
	first.bad = bad;
	return first;
}

static struct ex star_expressions(struct pp *p)
{
	return star_list(p, false);
}

/* yield_expr: 'yield' 'from' expression | 'yield' [star_expressions] */
static struct ex yield_expr(struct pp *p)
{
	struct ex x = mk(p, X_OTHER, "yield expression");
	if (p->comp)
		fail_tok(p, "'yield' inside list comprehension");
	else if (!p->in_func && !p->fstring)
		fail_tok(p, "'yield' outside function");
	next(p);
	if (kw(p, "from")) {
		next(p);
		(void)expression(p);
	} else if (starts_expr(p) || op(p, "*")) {
		struct ex v = star_expressions(p);
		if (v.k == X_STAR)
			fail(p, v.line, v.col, "cannot use starred expression here");
	}
	return x;
}

/* star_targets: parsed as an expression, checked by check_target. */
static struct ex star_targets(struct pp *p)
{
	/* In `for x in y` the target stops before `in`: parse at the level
	 * of bitwise_or, as star_target does. */
	struct ex first = mk(p, X_TUPLE, NULL);
	struct ex x = first;
	bool tuple = false;
	const char *bad = NULL;
	int nstar = 0;
	for (;;) {
		struct ex e;
		if (op(p, "*")) {
			int l = p->t.line, c = p->t.col;
			next(p);
			struct ex in = bitwise_or(p);
			e = mk(p, X_STAR, in.bad);
			if (in.k == X_STAR)
				e.bad = "starred";
			e.line = l;
			e.col = c;
			nstar++;
		} else {
			e = bitwise_or(p);
		}
		if (!tuple)
			x = e;
		if (!bad && e.bad)
			bad = e.bad;
		if (p->failed || !op(p, ","))
			break;
		tuple = true;
		next(p);
		if (!starts_expr(p) && !op(p, "*"))
			break;
	}
	if (!tuple)
		return x;
	first.nstar = nstar;
	first.bad = bad;
	return first;
}

static void check_target(struct pp *p, const struct ex *x, int how)
{
	if (p->failed)
		return;
	if (how == T_DEL) {
		if (x->k == X_STAR)
			fail(p, x->line, x->col, "cannot delete starred");
		else if (x->bad)
			fail(p, x->line, x->col, "cannot delete %s", x->bad);
		return;
	}
	if (x->k == X_STAR && !x->bad) {
		fail(p, x->line, x->col, "starred assignment target must be in a list or tuple");
		return;
	}
	if (x->bad) {
		fail(p, x->line, x->col, "cannot assign to %s", x->bad);
		return;
	}
	if ((x->k == X_TUPLE || x->k == X_LIST) && x->nstar > 1)
		fail(p, x->line, x->col, "multiple starred expressions in assignment");
}

/* arguments: positional, then keywords; f(x for x in y) alone. */
static void arguments(struct pp *p, const char *close)
{
	const char *kwname[64];
	size_t kwlen[64];
	size_t nkw = 0;
	int state = 0; /* 1: after keyword=, 2: after ** */
	int nargs = 0;
	bool genexp = false;
	while (!p->failed && !op(p, close)) {
		int l = p->t.line, c = p->t.col;
		if (genexp) {
			fail(p, l, c, "Generator expression must be parenthesized");
			return;
		}
		nargs++;
		if (op(p, "**")) {
			next(p);
			(void)expression(p);
			state = 2;
		} else if (op(p, "*")) {
			if (state == 2) {
				fail(p, l, c, "iterable argument unpacking follows keyword argument unpacking");
				return;
			}
			next(p);
			(void)expression(p);
		} else {
			struct ex e = named_expression(p);
			if (op(p, "=")) {
				if (e.k != X_NAME || e.paren) {
					if (e.k == X_OTHER && e.bad && e.bad[0] >= 'A' && e.bad[0] <= 'Z')
						fail(p, e.line, e.col, "cannot assign to %s", e.bad);
					else
						fail(p, e.line, e.col, "expression cannot contain assignment, "
								       "perhaps you meant \"==\"?");
					return;
				}
				if (e.bad) {
					fail(p, e.line, e.col, "cannot assign to %s", e.bad);
					return;
				}
				for (size_t i = 0; i < nkw; i++)
					if (kwlen[i] == e.namelen && memcmp(kwname[i], e.name, e.namelen) == 0) {
						fail(p, e.line, e.col, "keyword argument repeated: %.*s",
						     (int)e.namelen, e.name);
						return;
					}
				if (nkw < 64) {
					kwname[nkw] = e.name;
					kwlen[nkw++] = e.namelen;
				}
				next(p);
				(void)expression(p);
				if (state == 0)
					state = 1;
			} else if (kw(p, "for") || kw(p, "async")) {
				if (nargs > 1) {
					fail(p, e.line, e.col, "Generator expression must be parenthesized");
					return;
				}
				comprehension(p);
				genexp = true;
				if (op(p, ",")) {
					next(p);
					if (!op(p, close)) {
						fail(p, e.line, e.col, "Generator expression must be parenthesized");
						return;
					}
				}
				continue;
			} else {
				if (state == 1) {
					fail(p, e.line, e.col, "positional argument follows keyword argument");
					return;
				}
				if (state == 2) {
					fail(p, e.line, e.col,
					     "positional argument follows keyword argument unpacking");
					return;
				}
			}
		}
		if (!op(p, ","))
			break;
		next(p);
	}
	if (!p->failed && !op(p, close)) {
		/* `f(a b)`: CPython suggests the comma. */
		if (starts_expr(p))
			fail_tok(p, "invalid syntax. Perhaps you forgot a comma?");
		else
			invalid(p);
		return;
	}
	next(p);
}

/* parameters (def, annotations) and lambda_params (close ':'). */
static bool params(struct pp *p, const char *close, bool annotations)
{
	const char *name[255];
	size_t len[255];
	size_t n = 0;
	bool slash = false, star = false, dstar = false, dflt = false;
	bool bare_star = false;
	int nposonly_params = 0;
	while (!p->failed && !op(p, close)) {
		int l = p->t.line, c = p->t.col;
		if (dstar) {
			fail(p, l, c, "arguments cannot follow var-keyword argument");
			return false;
		}
		if (op(p, "/")) {
			if (slash) {
				fail(p, l, c, "/ may appear only once");
				return false;
			}
			if (star) {
				fail(p, l, c, "/ must be ahead of *");
				return false;
			}
			if (!nposonly_params) {
				fail(p, l, c, "at least one argument must precede /");
				return false;
			}
			if (p->minor < 8) {
				fail(p, l, c, "positional-only parameters need Python 3.8");
				return false;
			}
			slash = true;
			next(p);
		} else {
			bool is_star = false, is_dstar = false;
			if (op(p, "*")) {
				if (star) {
					fail(p, l, c, "* argument may appear only once");
					return false;
				}
				star = is_star = true;
				next(p);
				if (op(p, ",") || op(p, close)) {
					bare_star = true;
					goto sep;
				}
			} else if (op(p, "**")) {
				dstar = is_dstar = true;
				next(p);
			}
			if (!ident(p)) {
				invalid(p);
				return false;
			}
			if (tok_eq(&p->t, "__debug__")) {
				fail_tok(p, "cannot assign to __debug__");
				return false;
			}
			for (size_t i = 0; i < n; i++)
				if (len[i] == p->t.len && memcmp(name[i], p->t.p, len[i]) == 0) {
					fail(p, p->t.line, p->t.col,
					     "duplicate argument '%.*s' in function definition", (int)len[i],
					     name[i]);
					return false;
				}
			if (n < 255) {
				name[n] = p->t.p;
				len[n++] = p->t.len;
			}
			next(p);
			if (!star || is_star)
				nposonly_params++;
			bare_star = false;
			if (annotations && op(p, ":")) {
				next(p);
				if (is_star && op(p, "*")) { /* *args: *Ts (3.11) */
					next(p);
					(void)expression(p);
				} else {
					(void)expression(p);
				}
			}
			if (op(p, "=")) {
				if (is_star || is_dstar) {
					fail_tok(p, is_star ? "var-positional argument cannot have default value"
							    : "var-keyword argument cannot have default value");
					return false;
				}
				next(p);
				(void)expression(p);
				if (!star)
					dflt = true;
			} else if (!star && !is_star && !is_dstar && dflt) {
				fail(p, l, c, "non-default argument follows default argument");
				return false;
			}
		}
	sep:
		if (!op(p, ","))
			break;
		next(p);
		if (bare_star && (op(p, close) || op(p, "**"))) {
			fail(p, l, c, "named arguments must follow bare *");
			return false;
		}
	}
	if (bare_star && !p->failed) {
		fail_tok(p, "named arguments must follow bare *");
		return false;
	}
	if (!p->failed && !op(p, close)) {
		invalid(p);
		return false;
	}
	return !p->failed;
}

/* ---- f-strings ------------------------------------------------------- */

static bool parse_fragment(struct pp *outer, const char *src, size_t len);

/* The expressions of an f-string's replacement fields, each parsed as
 * `(expr)` as CPython 3.11 does. Anything unusual is accepted. */
static void fstring_fields(struct pp *p, const struct ag_tok *t)
{
	const char *s = t->p, *e = t->p + t->len;
	while (s < e && *s != '\'' && *s != '"')
		s++;
	if (s >= e)
		return;
	char q = *s;
	size_t qn = (e - s >= 6 && s[1] == q && s[2] == q) ? 3 : 1;
	s += qn;
	e -= qn;
	if (e < s)
		return;
	bool raw = false;
	for (const char *r = t->p; *r != '\'' && *r != '"'; r++)
		if (*r == 'r' || *r == 'R')
			raw = true;
	int level = 0; /* nested fields inside a format spec */
	while (s < e && !p->failed) {
		if (*s == '\\' && !raw) {
			/* \N{NAME} is not a field */
			if (e - s > 2 && s[1] == 'N' && s[2] == '{') {
				while (s < e && *s != '}')
					s++;
				s++;
			} else {
				s += 2;
			}
			continue;
		}
		if (*s == '{' && level == 0) {
			if (s + 1 < e && s[1] == '{') {
				s += 2;
				continue;
			}
			/* Find the end of the expression: a top-level '}', '!'
			 * (not !=), ':' or '=' (not ==, >=, <=, !=). */
			const char *x = s + 1, *r = x;
			int depth = 0;
			char inq = 0;
			while (r < e) {
				char c = *r;
				if (inq) {
					if (c == inq)
						inq = 0;
				} else if (c == '\'' || c == '"') {
					inq = c;
				} else if (c == '(' || c == '[' || c == '{') {
					depth++;
				} else if (c == ')' || c == ']' || c == '}') {
					if (depth == 0)
						break;
					depth--;
				} else if (depth == 0 && c == '!' && !(r + 1 < e && r[1] == '=')) {
					break;
				} else if (depth == 0 && c == ':') {
					break;
				} else if (depth == 0 && c == '=' && !(r + 1 < e && r[1] == '=') &&
					   !(r > x && strchr("=!<>", r[-1]))) {
					break;
				} else if (c == '#' || c == '\\') {
					return; /* errors CPython has its own words for: leave them */
				}
				r++;
			}
			if (r >= e || inq) {
				/* A field the string ends in: since 3.12 (PEP 701) a
				 * field may hold the string's own quote, which the
				 * tokenizer reads the 3.11 way (the string ends
				 * there). The tokens that follow cannot be judged:
				 * accept the file rather than block a valid one. */
				if (p->minor >= 12 && !p->fstring) {
					p->giveup = true;
					p->failed = true;
				}
				return;
			}
			if (!parse_fragment(p, x, (size_t)(r - x)))
				return;
			/* Skip the rest of the field: conversion and spec. */
			level = 0;
			while (r < e) {
				if (*r == '{')
					level++;
				else if (*r == '}') {
					if (level == 0)
						break;
					level--;
				}
				r++;
			}
			s = r + 1;
			continue;
		}
		s++;
	}
}

/* ---- statements ------------------------------------------------------ */

static void statement(struct pp *p);
static void simple_stmts(struct pp *p);

/* block: NEWLINE INDENT statements DEDENT | simple_stmts */
static void block(struct pp *p, const char *what, int line, int indent)
{
	if (p->failed)
		return;
	p->future_ok = false;
	if (p->t.kind != AG_TOK_NEWLINE) {
		simple_stmts(p);
		return;
	}
	next(p);
	if (p->failed)
		return;
	if (p->t.kind == AG_TOK_EOF || p->t.indent <= indent) {
		/* At the end of the file CPython points at the header. */
		fail(p, p->t.kind == AG_TOK_EOF ? line : p->t.line,
		     p->t.kind == AG_TOK_EOF ? 1 : p->t.col,
		     "expected an indented block after %s on line %d", what, line);
		return;
	}
	int in = p->t.indent;
	while (!p->failed && p->t.kind != AG_TOK_EOF && p->t.indent == in)
		statement(p);
	if (!p->failed && p->t.kind != AG_TOK_EOF && p->t.indent > in)
		fail_tok(p, "unexpected indent");
}

/* A clause that continues a compound statement (else, elif, except...). */
static bool clause(const struct pp *p, const char *word, int indent)
{
	return !p->failed && (p->t.flags & AG_TOK_STMT) && p->t.indent == indent && kw(p, word);
}

static void colon(struct pp *p)
{
	expect_op(p, ":", "expected ':'");
}

static void else_block(struct pp *p, int indent)
{
	if (clause(p, "else", indent)) {
		int l = p->t.line;
		next(p);
		colon(p);
		block(p, "'else' statement", l, indent);
	}
}

/* The body of a loop; the else clause is not part of the loop. */
static void loop_body(struct pp *p, const char *what, int line, int indent)
{
	bool saved = p->in_loop;
	p->in_loop = true;
	block(p, what, line, indent);
	p->in_loop = saved;
	else_block(p, indent);
}

/* type_params (3.12): '[' ','.type_param+ [','] ']' */
static void type_params(struct pp *p)
{
	if (p->minor < 12) {
		fail_tok(p, "type parameter lists need Python 3.12");
		return;
	}
	next(p);
	while (!p->failed && !op(p, "]")) {
		bool star = false;
		if (op(p, "*") || op(p, "**")) {
			star = true;
			next(p);
		}
		if (!expect_name(p))
			return;
		if (!star && op(p, ":")) {
			next(p);
			(void)expression(p);
		}
		if (op(p, "=")) {
			if (p->minor < 13) {
				fail_tok(p, "type parameter defaults need Python 3.13");
				return;
			}
			next(p);
			if (op(p, "*")) {
				next(p);
				(void)bitwise_or(p);
			} else {
				(void)expression(p);
			}
		}
		if (!op(p, ","))
			break;
		next(p);
	}
	expect_op(p, "]", NULL);
}

static void funcdef(struct pp *p, bool async, int indent)
{
	int line = p->t.line;
	next(p);
	if (!expect_name(p))
		return;
	if (op(p, "["))
		type_params(p);
	if (!expect_op(p, "(", "expected '('"))
		return;
	if (!params(p, ")", true))
		return;
	next(p);
	if (op(p, "->")) {
		next(p);
		(void)expression(p);
	}
	colon(p);
	bool sf = p->in_func, sa = p->in_async, sl = p->in_loop, sc = p->in_class;
	int scomp = p->comp;
	p->in_func = true;
	p->in_async = async;
	p->in_loop = false;
	p->in_class = false;
	p->comp = 0;
	p->funcs++;
	block(p, "function definition", line, indent);
	p->funcs--;
	p->in_func = sf;
	p->in_async = sa;
	p->in_loop = sl;
	p->in_class = sc;
	p->comp = scomp;
}

static void classdef(struct pp *p, int indent)
{
	int line = p->t.line;
	next(p);
	if (!expect_name(p))
		return;
	if (op(p, "["))
		type_params(p);
	if (op(p, "(")) {
		next(p);
		arguments(p, ")");
	}
	colon(p);
	bool sf = p->in_func, sa = p->in_async, sl = p->in_loop, sc = p->in_class;
	int scomp = p->comp;
	p->in_func = false;
	p->in_async = false;
	p->in_loop = false;
	p->in_class = true;
	p->comp = 0;
	block(p, "class definition", line, indent);
	p->in_func = sf;
	p->in_async = sa;
	p->in_loop = sl;
	p->in_class = sc;
	p->comp = scomp;
}

static void with_item(struct pp *p)
{
	(void)expression(p);
	if (kw(p, "as")) {
		next(p);
		/* star_target: one target, then ',' ':' or ')' must follow. */
		struct ex x = bitwise_or(p);
		if (!p->failed && !op(p, ",") && !op(p, ":") && !op(p, ")")) {
			invalid(p);
			return;
		}
		check_target(p, &x, T_AS);
	}
}

static void with_stmt(struct pp *p, int indent)
{
	int line = p->t.line;
	next(p);
	/* '(' ','.with_item+ [','] ')' ':' when the ')' matching the '(' is
	 * followed by ':'; otherwise the '(' starts an expression. */
	bool grouped = false;
	if (op(p, "(")) {
		struct peek k;
		peek_init(&k, p);
		int d = p->t.depth;
		const struct ag_tok *t;
		do
			t = peek_next(&k);
		while (t->kind != AG_TOK_EOF && t->kind != AG_TOK_ERROR &&
		       !(t->kind == AG_TOK_OP && t->depth == d + 1 && tok_eq(t, ")")));
		if (t->kind == AG_TOK_OP) {
			t = peek_next(&k);
			grouped = t->kind == AG_TOK_OP && tok_eq(t, ":");
		}
	}
	if (grouped) {
		next(p);
		while (!p->failed && !op(p, ")")) {
			with_item(p);
			if (!op(p, ","))
				break;
			next(p);
		}
		expect_op(p, ")", NULL);
	} else {
		for (;;) {
			with_item(p);
			if (p->failed || !op(p, ","))
				break;
			next(p);
		}
	}
	colon(p);
	block(p, "'with' statement", line, indent);
}

static void try_stmt(struct pp *p, int indent)
{
	int line = p->t.line;
	next(p);
	colon(p);
	block(p, "'try' statement", line, indent);
	int kind = 0; /* 1 except, 2 except* */
	bool bare = false, any = false;
	int bare_line = 0, bare_col = 0;
	while (clause(p, "except", indent)) {
		int l = p->t.line, c = p->t.col;
		if (bare) {
			fail(p, bare_line, bare_col, "default 'except:' must be last");
			return;
		}
		any = true;
		next(p);
		int k = 1;
		if (op(p, "*")) {
			if (p->minor < 11) {
				fail_tok(p, "except* needs Python 3.11");
				return;
			}
			k = 2;
			next(p);
			if (op(p, ":")) {
				fail_tok(p, "expected one or more exception types");
				return;
			}
		}
		if (kind && kind != k) {
			fail(p, l, c, "cannot have both 'except' and 'except*' on the same 'try'");
			return;
		}
		kind = k;
		if (op(p, ":")) {
			bare = true;
			bare_line = l;
			bare_col = c;
		} else {
			struct ex x = expression(p);
			(void)x;
			if (op(p, ",")) {
				fail(p, x.line, x.col, "multiple exception types must be parenthesized");
				return;
			}
			if (kw(p, "as")) {
				next(p);
				if (!expect_name(p))
					return;
			}
		}
		colon(p);
		block(p, k == 2 ? "'except*' statement" : "'except' statement", l, indent);
	}
	if (any)
		else_block(p, indent);
	if (clause(p, "finally", indent)) {
		int l = p->t.line;
		next(p);
		colon(p);
		block(p, "'finally' statement", l, indent);
	} else if (!any && !p->failed) {
		fail_tok(p, "expected 'except' or 'finally' block");
	}
}

/* ---- match (3.10) ---------------------------------------------------- */

static void pattern(struct pp *p);

/* A literal or value in a pattern: signed numbers, complex, strings,
 * None/True/False, dotted names. */
static void closed_pattern(struct pp *p)
{
	if (op(p, "-") || p->t.kind == AG_TOK_NUMBER) {
		if (op(p, "-"))
			next(p);
		if (p->t.kind != AG_TOK_NUMBER) {
			invalid(p);
			return;
		}
		next(p);
		if (op(p, "+") || op(p, "-")) {
			next(p);
			if (p->t.kind != AG_TOK_NUMBER) {
				invalid(p);
				return;
			}
			next(p);
		}
		return;
	}
	if (p->t.kind == AG_TOK_STRING) {
		while (p->t.kind == AG_TOK_STRING) {
			if (is_fstring(&p->t)) {
				fail_tok(p, "patterns may only match literals and attribute lookups");
				return;
			}
			next(p);
		}
		return;
	}
	if (kw(p, "None") || kw(p, "True") || kw(p, "False")) {
		next(p);
		return;
	}
	if (op(p, "(") || op(p, "[")) {
		const char *close = op(p, "(") ? ")" : "]";
		next(p);
		while (!p->failed && !op(p, close)) {
			if (op(p, "*")) {
				next(p);
				if (!expect_name(p))
					return;
			} else {
				pattern(p);
			}
			if (!op(p, ","))
				break;
			next(p);
		}
		expect_op(p, close, NULL);
		return;
	}
	if (op(p, "{")) {
		next(p);
		while (!p->failed && !op(p, "}")) {
			if (op(p, "**")) {
				next(p);
				if (!expect_name(p))
					return;
			} else {
				if (p->t.kind == AG_TOK_NAME && !kw(p, "None") && !kw(p, "True") &&
				    !kw(p, "False")) {
					/* a value pattern: a dotted name */
					if (!expect_name(p))
						return;
					if (!op(p, ".")) {
						invalid(p);
						return;
					}
					while (op(p, ".")) {
						next(p);
						if (!expect_name(p))
							return;
					}
				} else {
					closed_pattern(p);
				}
				if (!expect_op(p, ":", NULL))
					return;
				pattern(p);
			}
			if (!op(p, ","))
				break;
			next(p);
		}
		expect_op(p, "}", NULL);
		return;
	}
	if (ident(p)) {
		next(p);
		while (op(p, ".")) {
			next(p);
			if (!expect_name(p))
				return;
		}
		if (op(p, "(")) { /* class pattern */
			next(p);
			bool keyword = false;
			while (!p->failed && !op(p, ")")) {
				struct peek k;
				peek_init(&k, p);
				const struct ag_tok *t = peek_next(&k);
				if (ident(p) && t->kind == AG_TOK_OP && tok_eq(t, "=")) {
					next(p);
					next(p);
					keyword = true;
					pattern(p);
				} else {
					if (keyword) {
						fail_tok(p, "positional patterns follow keyword patterns");
						return;
					}
					pattern(p);
				}
				if (!op(p, ","))
					break;
				next(p);
			}
			expect_op(p, ")", NULL);
		}
		return;
	}
	invalid(p);
}

/* pattern: or_pattern ['as' NAME] */
static void pattern(struct pp *p)
{
	closed_pattern(p);
	while (!p->failed && op(p, "|")) {
		next(p);
		closed_pattern(p);
	}
	if (!p->failed && kw(p, "as")) {
		next(p);
		if (tok_eq(&p->t, "_")) {
			fail_tok(p, "cannot use '_' as a target");
			return;
		}
		expect_name(p);
	}
}

/* Whether `match` at the start of a statement begins a match statement:
 * its logical line ends with ':' at bracket depth 0 (a simple statement
 * never does), and the next token cannot continue an expression statement
 * that uses `match` as a name. */
static bool is_match_stmt(const struct pp *p)
{
	struct peek k;
	peek_init(&k, p);
	const struct ag_tok *t = peek_next(&k);
	if (t->kind == AG_TOK_NEWLINE || t->kind == AG_TOK_EOF ||
	    (t->kind == AG_TOK_OP && (tok_eq(t, "=") || tok_eq(t, ":") || tok_eq(t, ".") ||
				      tok_eq(t, ",") || tok_eq(t, ";") || tok_eq(t, ")"))))
		return false;
	bool colon_last = false;
	while (t->kind != AG_TOK_NEWLINE && t->kind != AG_TOK_EOF && t->kind != AG_TOK_ERROR) {
		colon_last = t->kind == AG_TOK_OP && t->depth == 0 && tok_eq(t, ":");
		t = peek_next(&k);
	}
	return colon_last;
}

static void match_stmt(struct pp *p, int indent)
{
	int line = p->t.line;
	if (p->minor < 10) {
		fail_tok(p, "match statements need Python 3.10");
		return;
	}
	next(p);
	struct ex x = star_list(p, true);
	if (x.k == X_STAR) {
		fail(p, x.line, x.col, "cannot use starred expression here");
		return;
	}
	colon(p);
	if (p->failed)
		return;
	if (p->t.kind != AG_TOK_NEWLINE) {
		invalid(p);
		return;
	}
	next(p);
	if (p->t.kind == AG_TOK_EOF || p->t.indent <= indent) {
		fail(p, p->t.line, p->t.col ? p->t.col : 1,
		     "expected an indented block after 'match' statement on line %d", line);
		return;
	}
	int in = p->t.indent;
	while (!p->failed && p->t.kind != AG_TOK_EOF && p->t.indent == in) {
		if (!kw(p, "case")) {
			invalid(p);
			return;
		}
		int l = p->t.line;
		next(p);
		/* patterns: open_sequence_pattern | pattern */
		for (;;) {
			if (op(p, "*")) {
				next(p);
				if (!expect_name(p))
					return;
			} else {
				pattern(p);
			}
			if (p->failed || !op(p, ","))
				break;
			next(p);
			if (op(p, ":") || kw(p, "if"))
				break;
		}
		if (kw(p, "if")) {
			next(p);
			(void)named_expression(p);
		}
		colon(p);
		block(p, "'case' statement", l, in);
	}
}

/* ---- simple statements ----------------------------------------------- */

static void dotted_name(struct pp *p)
{
	if (!expect_name(p))
		return;
	while (!p->failed && op(p, ".")) {
		next(p);
		expect_name(p);
	}
}

static bool future_feature_ok(const struct ag_tok *t)
{
	static const char *const f[] = {"nested_scopes", "generators", "division",
					"absolute_import", "with_statement", "print_function",
					"unicode_literals", "barry_as_FLUFL", "generator_stop",
					"annotations"};
	for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
		if (tok_eq(t, f[i]))
			return true;
	return false;
}

static void import_from(struct pp *p, bool *future)
{
	int line = p->t.line, col = p->t.col;
	next(p);
	bool dots = false;
	while (op(p, ".") || op(p, "...")) {
		dots = true;
		next(p);
	}
	*future = false;
	if (!dots && kw(p, "import")) {
		invalid(p);
		return;
	}
	if (!kw(p, "import")) {
		if (!dots && tok_eq(&p->t, "__future__")) {
			struct peek k;
			peek_init(&k, p);
			const struct ag_tok *t = peek_next(&k);
			*future = t->kind == AG_TOK_NAME && tok_eq(t, "import");
		}
		dotted_name(p);
	}
	if (*future && !p->future_ok) {
		fail(p, line, col, "from __future__ imports must occur at the beginning of the file");
		return;
	}
	if (!kw(p, "import")) {
		invalid(p);
		return;
	}
	next(p);
	if (op(p, "*")) {
		if (*future) {
			fail_tok(p, "future feature * is not defined");
			return;
		}
		if (p->in_func)
			fail_tok(p, "import * only allowed at module level");
		next(p);
		return;
	}
	bool paren = op(p, "(");
	if (paren)
		next(p);
	for (;;) {
		if (*future && p->t.kind == AG_TOK_NAME) {
			if (tok_eq(&p->t, "braces")) {
				fail_tok(p, "not a chance");
				return;
			}
			if (!future_feature_ok(&p->t)) {
				fail(p, p->t.line, p->t.col, "future feature %.*s is not defined",
				     (int)p->t.len, p->t.p);
				return;
			}
			if (tok_eq(&p->t, "barry_as_FLUFL"))
				p->flufl = true;
		}
		if (!expect_name(p))
			return;
		if (kw(p, "as")) {
			next(p);
			if (!expect_name(p))
				return;
		}
		if (!op(p, ","))
			break;
		next(p);
		if (paren && op(p, ")"))
			break;
		if (!paren && !ident(p)) {
			fail_tok(p, "trailing comma not allowed without surrounding parentheses");
			return;
		}
	}
	if (paren)
		expect_op(p, ")", NULL);
}

static bool aug_op(const struct pp *p)
{
	static const char *const ops[] = {"+=", "-=", "*=", "/=", "//=", "%=", "@=",
					  "&=", "|=", "^=", "<<=", ">>=", "**="};
	if (p->t.kind != AG_TOK_OP)
		return false;
	for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
		if (tok_eq(&p->t, ops[i]))
			return true;
	return false;
}

/* The right side of '=': yield_expr | star_expressions (a lone *x not). */
static struct ex rhs(struct pp *p)
{
	if (kw(p, "yield"))
		return yield_expr(p);
	struct ex x = star_expressions(p);
	if (x.k == X_STAR && !p->failed)
		fail(p, x.line, x.col, "can't use starred expression here");
	return x;
}

static void expr_stmt(struct pp *p)
{
	struct ex x;
	if (kw(p, "yield"))
		x = yield_expr(p);
	else
		x = star_expressions(p);
	if (p->failed)
		return;
	if (op(p, "=")) {
		while (!p->failed && op(p, "=")) {
			if (x.bad && strcmp(x.bad, "yield expression") == 0) {
				fail(p, x.line, x.col, "assignment to yield expression not possible");
				return;
			}
			check_target(p, &x, T_ASSIGN);
			next(p);
			x = rhs(p);
		}
		return;
	}
	if (op(p, ":")) {
		if (x.k == X_TUPLE || x.k == X_LIST) {
			fail(p, x.line, x.col, "only single target (not %s) can be annotated",
			     x.k == X_TUPLE ? "tuple" : "list");
			return;
		}
		if ((x.k != X_NAME && x.k != X_ATTR) || x.bad) {
			fail(p, x.line, x.col, "illegal target for annotation");
			return;
		}
		next(p);
		(void)expression(p);
		if (op(p, "=")) {
			next(p);
			(void)rhs(p);
		}
		return;
	}
	if (aug_op(p)) {
		if ((x.k != X_NAME && x.k != X_ATTR) || x.bad) {
			fail(p, x.line, x.col, "'%s' is an illegal expression for augmented assignment",
			     x.k == X_TUPLE ? "tuple" : x.k == X_LIST ? "list" : x.bad ? x.bad : "expression");
			return;
		}
		next(p);
		(void)rhs(p);
		return;
	}
	if (x.k == X_STAR) {
		fail(p, x.line, x.col, "can't use starred expression here");
		return;
	}
	if (!at_end(p) && !op(p, ";")) {
		if (x.k == X_NAME && !x.paren &&
		    ((x.namelen == 5 && memcmp(x.name, "print", 5) == 0) ||
		     (x.namelen == 4 && memcmp(x.name, "exec", 4) == 0)) &&
		    starts_expr(p)) {
			fail(p, x.line, x.col, "Missing parentheses in call to '%.*s'. Did you mean %.*s(...)?",
			     (int)x.namelen, x.name, (int)x.namelen, x.name);
			return;
		}
		invalid(p);
	}
}

static void name_list(struct pp *p)
{
	for (;;) {
		if (!expect_name(p))
			return;
		if (!op(p, ","))
			return;
		next(p);
	}
}

/* One simple statement; returns whether it was a __future__ import or a
 * docstring (which keep later __future__ imports allowed). */
static bool simple_stmt(struct pp *p)
{
	const struct ag_tok *t = &p->t;
	if (t->kind == AG_TOK_STRING) {
		/* The docstring keeps __future__ imports allowed: a first
		 * statement that starts with a string does here (accepting more). */
		bool first = !p->seen_stmt;
		expr_stmt(p);
		return first;
	}
	if (t->kind == AG_TOK_NAME) {
		if (tok_eq(t, "pass")) {
			next(p);
			return false;
		}
		if (tok_eq(t, "break") || tok_eq(t, "continue")) {
			bool brk = tok_eq(t, "break");
			if (!p->in_loop)
				fail_tok(p, brk ? "'break' outside loop" : "'continue' not properly in loop");
			next(p);
			return false;
		}
		if (tok_eq(t, "return")) {
			if (!p->in_func)
				fail_tok(p, "'return' outside function");
			next(p);
			if (!at_end(p) && !op(p, ";")) {
				struct ex x = star_expressions(p);
				if (x.k == X_STAR && !p->failed)
					fail(p, x.line, x.col, "can't use starred expression here");
			}
			return false;
		}
		if (tok_eq(t, "raise")) {
			next(p);
			if (!at_end(p) && !op(p, ";")) {
				(void)expression(p);
				if (kw(p, "from")) {
					next(p);
					(void)expression(p);
				}
			}
			return false;
		}
		if (tok_eq(t, "global") || tok_eq(t, "nonlocal")) {
			if (tok_eq(t, "nonlocal") && !p->funcs) {
				fail_tok(p, "nonlocal declaration not allowed at module level");
				return false;
			}
			next(p);
			name_list(p);
			return false;
		}
		if (tok_eq(t, "del")) {
			next(p);
			struct ex x = star_targets(p);
			check_target(p, &x, T_DEL);
			return false;
		}
		if (tok_eq(t, "assert")) {
			next(p);
			(void)expression(p);
			if (op(p, ",")) {
				next(p);
				(void)expression(p);
			}
			return false;
		}
		if (tok_eq(t, "import")) {
			next(p);
			for (;;) {
				dotted_name(p);
				if (kw(p, "as")) {
					next(p);
					expect_name(p);
				}
				if (p->failed || !op(p, ","))
					break;
				next(p);
			}
			return false;
		}
		if (tok_eq(t, "from")) {
			bool future;
			import_from(p, &future);
			return future;
		}
		if (tok_eq(t, "type") && p->minor >= 12) {
			struct peek k;
			peek_init(&k, p);
			const struct ag_tok *n1 = peek_next(&k);
			if (n1->kind == AG_TOK_NAME && !is_keyword_tok(n1)) {
				const struct ag_tok *n2 = peek_next(&k);
				if (n2->kind == AG_TOK_OP && (tok_eq(n2, "=") || tok_eq(n2, "["))) {
					next(p);
					next(p);
					if (op(p, "["))
						type_params(p);
					if (expect_op(p, "=", NULL))
						(void)expression(p);
					return false;
				}
			}
		}
	}
	expr_stmt(p);
	return false;
}

/* simple_stmts: simple_stmt (';' simple_stmt)* [';'] NEWLINE */
static void simple_stmts(struct pp *p)
{
	for (;;) {
		bool keeps = simple_stmt(p);
		if (!keeps)
			p->future_ok = false;
		p->seen_stmt = true;
		if (p->failed)
			return;
		if (!op(p, ";"))
			break;
		next(p);
		if (at_end(p))
			break;
	}
	if (p->t.kind == AG_TOK_NEWLINE) {
		next(p);
	} else if (p->t.kind != AG_TOK_EOF) {
		invalid(p);
	}
}

static void statement(struct pp *p)
{
	const struct ag_tok *t = &p->t;
	int indent = t->indent;
	if (t->kind == AG_TOK_NAME) {
		bool compound = true;
		if (tok_eq(t, "if")) {
			int l = t->line;
			next(p);
			(void)named_expression(p);
			colon(p);
			block(p, "'if' statement", l, indent);
			while (clause(p, "elif", indent)) {
				l = p->t.line;
				next(p);
				(void)named_expression(p);
				colon(p);
				block(p, "'elif' statement", l, indent);
			}
			else_block(p, indent);
		} else if (tok_eq(t, "while")) {
			int l = t->line;
			next(p);
			(void)named_expression(p);
			colon(p);
			loop_body(p, "'while' statement", l, indent);
		} else if (tok_eq(t, "for") || tok_eq(t, "async")) {
			int l = t->line;
			if (tok_eq(t, "async")) {
				struct peek k;
				peek_init(&k, p);
				const struct ag_tok *n = peek_next(&k);
				bool ok = n->kind == AG_TOK_NAME &&
					  (tok_eq(n, "def") || tok_eq(n, "for") || tok_eq(n, "with"));
				if (!ok) {
					next(p);
					invalid(p);
					return;
				}
				if (!tok_eq(n, "def") && !p->in_async) {
					fail_tok(p, tok_eq(n, "for") ? "'async for' outside async function"
								    : "'async with' outside async function");
					return;
				}
				next(p);
				if (kw(p, "def")) {
					funcdef(p, true, indent);
					p->future_ok = false;
					return;
				}
				if (kw(p, "with")) {
					with_stmt(p, indent);
					p->future_ok = false;
					return;
				}
			}
			next(p);
			struct ex tg = star_targets(p);
			check_target(p, &tg, T_FOR);
			if (!p->failed && !kw(p, "in")) {
				invalid(p);
				return;
			}
			next(p);
			(void)star_expressions(p);
			colon(p);
			loop_body(p, "'for' statement", l, indent);
		} else if (tok_eq(t, "def")) {
			funcdef(p, false, indent);
		} else if (tok_eq(t, "class")) {
			classdef(p, indent);
		} else if (tok_eq(t, "with")) {
			with_stmt(p, indent);
		} else if (tok_eq(t, "try")) {
			try_stmt(p, indent);
		} else if (tok_eq(t, "match") && is_match_stmt(p)) {
			match_stmt(p, indent);
		} else if (tok_eq(t, "elif") || tok_eq(t, "else") || tok_eq(t, "except") ||
			   tok_eq(t, "finally")) {
			invalid(p);
		} else {
			compound = false;
		}
		if (compound) {
			p->future_ok = false;
			return;
		}
	} else if (t->kind == AG_TOK_OP && tok_eq(t, "@")) {
		while (!p->failed && op(p, "@")) {
			next(p);
			(void)named_expression(p);
			if (p->failed)
				return;
			if (p->t.kind != AG_TOK_NEWLINE) {
				invalid(p);
				return;
			}
			next(p);
			if (p->t.indent != indent) {
				invalid(p);
				return;
			}
		}
		if (kw(p, "def")) {
			funcdef(p, false, indent);
		} else if (kw(p, "class")) {
			classdef(p, indent);
		} else if (kw(p, "async")) {
			next(p);
			if (kw(p, "def"))
				funcdef(p, true, indent);
			else
				invalid(p);
		} else {
			invalid(p);
		}
		p->future_ok = false;
		return;
	}
	simple_stmts(p);
}

static void pp_init(struct pp *p, const char *buf, size_t len, int minor,
		    struct ag_pyparse_err *err)
{
	memset(p, 0, sizeof *p);
	ag_pyscan_init(&p->s, buf, len);
	p->minor = minor;
	p->err = err;
	p->future_ok = true;
}

/* An f-string field: `(expr)` in its own parser, with the outer one's
 * context (await, yield). Returns false when it cannot be checked here. */
static bool parse_fragment(struct pp *outer, const char *src, size_t len)
{
	char buf[1024];
	size_t i = 0;
	while (i < len && (src[i] == ' ' || src[i] == '\t'))
		i++;
	if (i == len) {
		fail(outer, outer->t.line, outer->t.col, "f-string: empty expression not allowed");
		return false;
	}
	if (len + 2 > sizeof buf || outer->fstring)
		return false;
	buf[0] = '(';
	memcpy(buf + 1, src, len);
	buf[len + 1] = ')';
	struct ag_pyparse_err e;
	struct pp *p = outer; /* the context, then a fresh scanner */
	struct pp sub;
	memset(&sub, 0, sizeof sub);
	pp_init(&sub, buf, len + 2, p->minor, &e);
	sub.in_func = p->in_func;
	sub.in_async = p->in_async;
	sub.in_class = p->in_class;
	sub.comp = p->comp;
	sub.fstring = true;
	sub.line0 = outer->t.line;
	sub.col0 = outer->t.col;
	next(&sub);
	if (kw(&sub, "yield") || op(&sub, "*"))
		return false; /* rare forms: accept */
	(void)star_expressions(&sub);
	if (!sub.failed && !at_end(&sub))
		fail_tok(&sub, "invalid syntax");
	if (sub.failed) {
		fail(outer, outer->t.line, outer->t.col, "f-string: %s", e.msg);
		return false;
	}
	return true;
}

bool ag_pyparse(const char *buf, size_t len, int major, int minor, struct ag_pyparse_err *err)
{
	struct pp p;
	if (major == 0 && minor == 0)
		minor = AG_PYPARSE_MAX_MINOR;
	if (major != 3 || minor > AG_PYPARSE_MAX_MINOR)
		minor = AG_PYPARSE_MAX_MINOR;
	if (minor < AG_PYPARSE_MIN_MINOR)
		minor = AG_PYPARSE_MIN_MINOR;
	memset(err, 0, sizeof *err);
	pp_init(&p, buf, len, minor, err);
	next(&p);
	while (!p.failed && p.t.kind != AG_TOK_EOF) {
		if (p.t.kind == AG_TOK_NEWLINE) {
			next(&p);
			continue;
		}
		statement(&p);
	}
	return !p.failed || p.giveup;
}
