/* pyparse: see pyparse.h. Rule names follow Grammar/python.gram. This
 * half: tokens, statements, match patterns and the entry point; the
 * expressions are in pyparse_expr.c (what they share: pyparse_int.h). */
#include "pyparse.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "pyparse_int.h"
#include "pyscan.h"

void ag_pyparse_fail(struct pp *p, int line, int col, const char *fmt, ...)
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
void ag_pyparse_fail_tok(struct pp *p, const char *msg)
{
	if (p->t.kind == AG_TOK_EOF && p->last_line)
		ag_pyparse_fail(p, p->last_line, p->last_col, "%s", msg);
	else
		ag_pyparse_fail(p, p->t.line, p->t.col, "%s", msg);
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
		ag_pyparse_fail_tok(p, msg);
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

void ag_pyparse_next(struct pp *p)
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
	if (p->keep)
		ag_toks_keep(p->keep, &p->t);
	if (p->t.kind == AG_TOK_ERROR) {
		ag_pyparse_fail(p, p->t.line, p->t.col, "%.*s", (int)p->t.len, p->t.p);
		p->t.kind = AG_TOK_EOF;
	} else if (p->t.kind == AG_TOK_NUMBER) {
		check_number(p);
	}
}

static bool at_end(const struct pp *p)
{
	return p->t.kind == AG_TOK_NEWLINE || p->t.kind == AG_TOK_EOF;
}

void ag_pyparse_invalid(struct pp *p)
{
	ag_pyparse_fail_tok(p, "invalid syntax");
}

bool ag_pyparse_expect_op(struct pp *p, const char *s, const char *msg)
{
	if (op(p, s)) {
		ag_pyparse_next(p);
		return true;
	}
	if (msg)
		ag_pyparse_fail_tok(p, msg);
	else
		ag_pyparse_invalid(p);
	return false;
}

bool ag_pyparse_expect_name(struct pp *p)
{
	if (ident(p)) {
		ag_pyparse_next(p);
		return true;
	}
	ag_pyparse_invalid(p);
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
bool ag_pyparse_starts_expr(const struct pp *p)
{
	const struct ag_tok *t = &p->t;
	if (t->kind == AG_TOK_NUMBER || t->kind == AG_TOK_STRING)
		return true;
	if (t->kind == AG_TOK_NAME)
		return !ag_tok_is_keyword(t) || tok_eq(t, "None") || tok_eq(t, "True") ||
		       tok_eq(t, "False") || tok_eq(t, "not") || tok_eq(t, "lambda") ||
		       tok_eq(t, "await");
	return op(p, "(") || op(p, "[") || op(p, "{") || op(p, "-") || op(p, "+") || op(p, "~") ||
	       op(p, "...");
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
	ag_pyparse_next(p);
	if (p->failed)
		return;
	if (p->t.kind == AG_TOK_EOF || p->t.indent <= indent) {
		/* At the end of the file CPython points at the header. */
		ag_pyparse_fail(p, p->t.kind == AG_TOK_EOF ? line : p->t.line,
		     p->t.kind == AG_TOK_EOF ? 1 : p->t.col,
		     "expected an indented block after %s on line %d", what, line);
		return;
	}
	int in = p->t.indent;
	while (!p->failed && p->t.kind != AG_TOK_EOF && p->t.indent == in)
		statement(p);
	if (!p->failed && p->t.kind != AG_TOK_EOF && p->t.indent > in)
		ag_pyparse_fail_tok(p, "unexpected indent");
}

/* A clause that continues a compound statement (else, elif, except...). */
static bool clause(const struct pp *p, const char *word, int indent)
{
	return !p->failed && (p->t.flags & AG_TOK_STMT) && p->t.indent == indent && kw(p, word);
}

static void colon(struct pp *p)
{
	ag_pyparse_expect_op(p, ":", "expected ':'");
}

static void else_block(struct pp *p, int indent)
{
	if (clause(p, "else", indent)) {
		int l = p->t.line;
		ag_pyparse_next(p);
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
		ag_pyparse_fail_tok(p, "type parameter lists need Python 3.12");
		return;
	}
	ag_pyparse_next(p);
	while (!p->failed && !op(p, "]")) {
		bool star = false;
		if (op(p, "*") || op(p, "**")) {
			star = true;
			ag_pyparse_next(p);
		}
		if (!ag_pyparse_expect_name(p))
			return;
		if (!star && op(p, ":")) {
			ag_pyparse_next(p);
			(void)ag_pyparse_expression(p);
		}
		if (op(p, "=")) {
			if (p->minor < 13) {
				ag_pyparse_fail_tok(p, "type parameter defaults need Python 3.13");
				return;
			}
			ag_pyparse_next(p);
			if (op(p, "*")) {
				ag_pyparse_next(p);
				(void)ag_pyparse_bitwise_or(p);
			} else {
				(void)ag_pyparse_expression(p);
			}
		}
		if (!op(p, ","))
			break;
		ag_pyparse_next(p);
	}
	ag_pyparse_expect_op(p, "]", NULL);
}

static void funcdef(struct pp *p, bool async, int indent)
{
	int line = p->t.line;
	ag_pyparse_next(p);
	if (!ag_pyparse_expect_name(p))
		return;
	if (op(p, "["))
		type_params(p);
	if (!ag_pyparse_expect_op(p, "(", "expected '('"))
		return;
	if (!ag_pyparse_params(p, ")", true))
		return;
	ag_pyparse_next(p);
	if (op(p, "->")) {
		ag_pyparse_next(p);
		(void)ag_pyparse_expression(p);
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
	ag_pyparse_next(p);
	if (!ag_pyparse_expect_name(p))
		return;
	if (op(p, "["))
		type_params(p);
	if (op(p, "(")) {
		ag_pyparse_next(p);
		ag_pyparse_arguments(p, ")");
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

/* Returns whether the item has `as`. */
static bool with_item(struct pp *p)
{
	(void)ag_pyparse_expression(p);
	if (kw(p, "as")) {
		ag_pyparse_next(p);
		/* star_target: one target, then ',' ':' or ')' must follow. */
		struct ex x = ag_pyparse_bitwise_or(p);
		if (!p->failed && !op(p, ",") && !op(p, ":") && !op(p, ")")) {
			ag_pyparse_invalid(p);
			return true;
		}
		ag_pyparse_check_target(p, &x, T_AS);
		return true;
	}
	return false;
}

/*
 * '(' ','.with_item+ [','] ')' as CPython's PEG parser tries it first:
 * when it fails, the '(' starts an expression instead (`with (yield):`,
 * `with (a, *b):`, `with (x := f()):`, `with (f(x) for x in y):`). The
 * parser's state is saved in this frame only, not across the block.
 * Returns false (p restored) when the group does not parse.
 */
static bool with_group(struct pp *p)
{
	struct pp save = *p;
	ag_pyparse_next(p);
	while (!p->failed && !op(p, ")")) {
		int l = p->t.line, c = p->t.col;
		/* 3.8 read `(a, b)` as one tuple: `as` inside the parentheses
		 * came with the PEG parser of 3.9. */
		if (with_item(p) && p->minor < 9 && !p->failed) {
			ag_pyparse_fail(p, l, c, "parenthesized context managers need Python 3.9");
			break;
		}
		if (!op(p, ","))
			break;
		ag_pyparse_next(p);
	}
	if (!p->failed)
		ag_pyparse_expect_op(p, ")", NULL);
	if (p->failed && !p->giveup) {
		*p = save;
		return false;
	}
	return true;
}

static void with_stmt(struct pp *p, int indent)
{
	int line = p->t.line;
	ag_pyparse_next(p);
	/* A group when the ')' matching the '(' is followed by ':'. */
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
	if (!grouped || !with_group(p)) {
		for (;;) {
			with_item(p);
			if (p->failed || !op(p, ","))
				break;
			ag_pyparse_next(p);
		}
	}
	colon(p);
	block(p, "'with' statement", line, indent);
}

static void try_stmt(struct pp *p, int indent)
{
	int line = p->t.line;
	ag_pyparse_next(p);
	colon(p);
	block(p, "'try' statement", line, indent);
	int kind = 0; /* 1 except, 2 except* */
	bool bare = false, any = false;
	int bare_line = 0, bare_col = 0;
	while (clause(p, "except", indent)) {
		int l = p->t.line, c = p->t.col;
		if (bare) {
			ag_pyparse_fail(p, bare_line, bare_col, "default 'except:' must be last");
			return;
		}
		any = true;
		ag_pyparse_next(p);
		int k = 1;
		if (op(p, "*")) {
			if (p->minor < 11) {
				ag_pyparse_fail_tok(p, "except* needs Python 3.11");
				return;
			}
			k = 2;
			ag_pyparse_next(p);
			if (op(p, ":")) {
				ag_pyparse_fail_tok(p, "expected one or more exception types");
				return;
			}
		}
		if (kind && kind != k) {
			ag_pyparse_fail(p, l, c, "cannot have both 'except' and 'except*' on the same 'try'");
			return;
		}
		kind = k;
		if (op(p, ":")) {
			bare = true;
			bare_line = l;
			bare_col = c;
		} else {
			struct ex x = ag_pyparse_expression(p);
			(void)x;
			if (op(p, ",")) {
				ag_pyparse_fail(p, x.line, x.col, "multiple exception types must be parenthesized");
				return;
			}
			if (kw(p, "as")) {
				ag_pyparse_next(p);
				if (!ag_pyparse_expect_name(p))
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
		ag_pyparse_next(p);
		colon(p);
		block(p, "'finally' statement", l, indent);
	} else if (!any && !p->failed) {
		ag_pyparse_fail_tok(p, "expected 'except' or 'finally' block");
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
			ag_pyparse_next(p);
		if (p->t.kind != AG_TOK_NUMBER) {
			ag_pyparse_invalid(p);
			return;
		}
		ag_pyparse_next(p);
		if (op(p, "+") || op(p, "-")) {
			ag_pyparse_next(p);
			if (p->t.kind != AG_TOK_NUMBER) {
				ag_pyparse_invalid(p);
				return;
			}
			ag_pyparse_next(p);
		}
		return;
	}
	if (p->t.kind == AG_TOK_STRING) {
		while (p->t.kind == AG_TOK_STRING) {
			if (ag_pyparse_is_fstring(&p->t)) {
				ag_pyparse_fail_tok(p, "patterns may only match literals and attribute lookups");
				return;
			}
			ag_pyparse_next(p);
		}
		return;
	}
	if (kw(p, "None") || kw(p, "True") || kw(p, "False")) {
		ag_pyparse_next(p);
		return;
	}
	if (op(p, "(") || op(p, "[")) {
		const char *close = op(p, "(") ? ")" : "]";
		ag_pyparse_next(p);
		while (!p->failed && !op(p, close)) {
			if (op(p, "*")) {
				ag_pyparse_next(p);
				if (!ag_pyparse_expect_name(p))
					return;
			} else {
				pattern(p);
			}
			if (!op(p, ","))
				break;
			ag_pyparse_next(p);
		}
		ag_pyparse_expect_op(p, close, NULL);
		return;
	}
	if (op(p, "{")) {
		ag_pyparse_next(p);
		while (!p->failed && !op(p, "}")) {
			if (op(p, "**")) {
				ag_pyparse_next(p);
				if (!ag_pyparse_expect_name(p))
					return;
			} else {
				if (p->t.kind == AG_TOK_NAME && !kw(p, "None") && !kw(p, "True") &&
				    !kw(p, "False")) {
					/* a value pattern: a dotted name */
					if (!ag_pyparse_expect_name(p))
						return;
					if (!op(p, ".")) {
						ag_pyparse_invalid(p);
						return;
					}
					while (op(p, ".")) {
						ag_pyparse_next(p);
						if (!ag_pyparse_expect_name(p))
							return;
					}
				} else {
					closed_pattern(p);
				}
				if (!ag_pyparse_expect_op(p, ":", NULL))
					return;
				pattern(p);
			}
			if (!op(p, ","))
				break;
			ag_pyparse_next(p);
		}
		ag_pyparse_expect_op(p, "}", NULL);
		return;
	}
	if (ident(p)) {
		ag_pyparse_next(p);
		while (op(p, ".")) {
			ag_pyparse_next(p);
			if (!ag_pyparse_expect_name(p))
				return;
		}
		if (op(p, "(")) { /* class pattern */
			ag_pyparse_next(p);
			bool keyword = false;
			while (!p->failed && !op(p, ")")) {
				struct peek k;
				peek_init(&k, p);
				const struct ag_tok *t = peek_next(&k);
				if (ident(p) && t->kind == AG_TOK_OP && tok_eq(t, "=")) {
					ag_pyparse_next(p);
					ag_pyparse_next(p);
					keyword = true;
					pattern(p);
				} else {
					if (keyword) {
						ag_pyparse_fail_tok(p, "positional patterns follow keyword patterns");
						return;
					}
					pattern(p);
				}
				if (!op(p, ","))
					break;
				ag_pyparse_next(p);
			}
			ag_pyparse_expect_op(p, ")", NULL);
		}
		return;
	}
	ag_pyparse_invalid(p);
}

/* pattern: or_pattern ['as' NAME] */
static void pattern(struct pp *p)
{
	closed_pattern(p);
	while (!p->failed && op(p, "|")) {
		ag_pyparse_next(p);
		closed_pattern(p);
	}
	if (!p->failed && kw(p, "as")) {
		ag_pyparse_next(p);
		if (tok_eq(&p->t, "_")) {
			ag_pyparse_fail_tok(p, "cannot use '_' as a target");
			return;
		}
		ag_pyparse_expect_name(p);
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
		ag_pyparse_fail_tok(p, "match statements need Python 3.10");
		return;
	}
	ag_pyparse_next(p);
	struct ex x = ag_pyparse_star_list(p, true);
	if (x.k == X_STAR) {
		ag_pyparse_fail(p, x.line, x.col, "cannot use starred expression here");
		return;
	}
	colon(p);
	if (p->failed)
		return;
	if (p->t.kind != AG_TOK_NEWLINE) {
		ag_pyparse_invalid(p);
		return;
	}
	ag_pyparse_next(p);
	if (p->t.kind == AG_TOK_EOF || p->t.indent <= indent) {
		ag_pyparse_fail(p, p->t.line, p->t.col ? p->t.col : 1,
		     "expected an indented block after 'match' statement on line %d", line);
		return;
	}
	int in = p->t.indent;
	while (!p->failed && p->t.kind != AG_TOK_EOF && p->t.indent == in) {
		if (!kw(p, "case")) {
			ag_pyparse_invalid(p);
			return;
		}
		int l = p->t.line;
		ag_pyparse_next(p);
		/* patterns: open_sequence_pattern | pattern */
		for (;;) {
			if (op(p, "*")) {
				ag_pyparse_next(p);
				if (!ag_pyparse_expect_name(p))
					return;
			} else {
				pattern(p);
			}
			if (p->failed || !op(p, ","))
				break;
			ag_pyparse_next(p);
			if (op(p, ":") || kw(p, "if"))
				break;
		}
		if (kw(p, "if")) {
			ag_pyparse_next(p);
			(void)ag_pyparse_named_expression(p);
		}
		colon(p);
		block(p, "'case' statement", l, in);
	}
}

/* ---- simple statements ----------------------------------------------- */

static void dotted_name(struct pp *p)
{
	if (!ag_pyparse_expect_name(p))
		return;
	while (!p->failed && op(p, ".")) {
		ag_pyparse_next(p);
		ag_pyparse_expect_name(p);
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
	ag_pyparse_next(p);
	bool dots = false;
	while (op(p, ".") || op(p, "...")) {
		dots = true;
		ag_pyparse_next(p);
	}
	*future = false;
	if (!dots && kw(p, "import")) {
		ag_pyparse_invalid(p);
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
		ag_pyparse_fail(p, line, col, "from __future__ imports must occur at the beginning of the file");
		return;
	}
	if (!kw(p, "import")) {
		ag_pyparse_invalid(p);
		return;
	}
	ag_pyparse_next(p);
	if (op(p, "*")) {
		if (*future) {
			ag_pyparse_fail_tok(p, "future feature * is not defined");
			return;
		}
		if (p->in_func)
			ag_pyparse_fail_tok(p, "import * only allowed at module level");
		ag_pyparse_next(p);
		return;
	}
	bool paren = op(p, "(");
	if (paren)
		ag_pyparse_next(p);
	for (;;) {
		if (*future && p->t.kind == AG_TOK_NAME) {
			if (tok_eq(&p->t, "braces")) {
				ag_pyparse_fail_tok(p, "not a chance");
				return;
			}
			if (!future_feature_ok(&p->t)) {
				ag_pyparse_fail(p, p->t.line, p->t.col, "future feature %.*s is not defined",
				     (int)p->t.len, p->t.p);
				return;
			}
			if (tok_eq(&p->t, "barry_as_FLUFL"))
				p->flufl = true;
		}
		if (!ag_pyparse_expect_name(p))
			return;
		if (kw(p, "as")) {
			ag_pyparse_next(p);
			if (!ag_pyparse_expect_name(p))
				return;
		}
		if (!op(p, ","))
			break;
		ag_pyparse_next(p);
		if (paren && op(p, ")"))
			break;
		if (!paren && !ident(p)) {
			ag_pyparse_fail_tok(p, "trailing comma not allowed without surrounding parentheses");
			return;
		}
	}
	if (paren)
		ag_pyparse_expect_op(p, ")", NULL);
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
		return ag_pyparse_yield_expr(p);
	struct ex x = ag_pyparse_star_expressions(p);
	if (x.k == X_STAR && !p->failed)
		ag_pyparse_fail(p, x.line, x.col, "can't use starred expression here");
	return x;
}

static void expr_stmt(struct pp *p)
{
	struct ex x;
	if (kw(p, "yield"))
		x = ag_pyparse_yield_expr(p);
	else
		x = ag_pyparse_star_expressions(p);
	if (p->failed)
		return;
	if (op(p, "=")) {
		while (!p->failed && op(p, "=")) {
			if (x.bad && strcmp(x.bad, "yield expression") == 0) {
				ag_pyparse_fail(p, x.line, x.col, "assignment to yield expression not possible");
				return;
			}
			ag_pyparse_check_target(p, &x, T_ASSIGN);
			ag_pyparse_next(p);
			x = rhs(p);
		}
		return;
	}
	if (op(p, ":")) {
		if (x.k == X_TUPLE || x.k == X_LIST) {
			ag_pyparse_fail(p, x.line, x.col, "only single target (not %s) can be annotated",
			     x.k == X_TUPLE ? "tuple" : "list");
			return;
		}
		if ((x.k != X_NAME && x.k != X_ATTR) || x.bad) {
			ag_pyparse_fail(p, x.line, x.col, "illegal target for annotation");
			return;
		}
		ag_pyparse_next(p);
		(void)ag_pyparse_expression(p);
		if (op(p, "=")) {
			ag_pyparse_next(p);
			(void)rhs(p);
		}
		return;
	}
	if (aug_op(p)) {
		if ((x.k != X_NAME && x.k != X_ATTR) || x.bad) {
			ag_pyparse_fail(p, x.line, x.col, "'%s' is an illegal expression for augmented assignment",
			     x.k == X_TUPLE ? "tuple" : x.k == X_LIST ? "list" : x.bad ? x.bad : "expression");
			return;
		}
		ag_pyparse_next(p);
		(void)rhs(p);
		return;
	}
	if (x.k == X_STAR) {
		ag_pyparse_fail(p, x.line, x.col, "can't use starred expression here");
		return;
	}
	if (!at_end(p) && !op(p, ";")) {
		if (x.k == X_NAME && !x.paren &&
		    ((x.namelen == 5 && memcmp(x.name, "print", 5) == 0) ||
		     (x.namelen == 4 && memcmp(x.name, "exec", 4) == 0)) &&
		    ag_pyparse_starts_expr(p)) {
			ag_pyparse_fail(p, x.line, x.col, "Missing parentheses in call to '%.*s'. Did you mean %.*s(...)?",
			     (int)x.namelen, x.name, (int)x.namelen, x.name);
			return;
		}
		ag_pyparse_invalid(p);
	}
}

static void name_list(struct pp *p)
{
	for (;;) {
		if (!ag_pyparse_expect_name(p))
			return;
		if (!op(p, ","))
			return;
		ag_pyparse_next(p);
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
			ag_pyparse_next(p);
			return false;
		}
		if (tok_eq(t, "break") || tok_eq(t, "continue")) {
			bool brk = tok_eq(t, "break");
			if (!p->in_loop)
				ag_pyparse_fail_tok(p, brk ? "'break' outside loop" : "'continue' not properly in loop");
			ag_pyparse_next(p);
			return false;
		}
		if (tok_eq(t, "return")) {
			if (!p->in_func)
				ag_pyparse_fail_tok(p, "'return' outside function");
			ag_pyparse_next(p);
			if (!at_end(p) && !op(p, ";")) {
				struct ex x = ag_pyparse_star_expressions(p);
				if (x.k == X_STAR && !p->failed)
					ag_pyparse_fail(p, x.line, x.col, "can't use starred expression here");
			}
			return false;
		}
		if (tok_eq(t, "raise")) {
			ag_pyparse_next(p);
			if (!at_end(p) && !op(p, ";")) {
				(void)ag_pyparse_expression(p);
				if (kw(p, "from")) {
					ag_pyparse_next(p);
					(void)ag_pyparse_expression(p);
				}
			}
			return false;
		}
		if (tok_eq(t, "global") || tok_eq(t, "nonlocal")) {
			if (tok_eq(t, "nonlocal") && !p->funcs) {
				ag_pyparse_fail_tok(p, "nonlocal declaration not allowed at module level");
				return false;
			}
			ag_pyparse_next(p);
			name_list(p);
			return false;
		}
		if (tok_eq(t, "del")) {
			ag_pyparse_next(p);
			struct ex x = ag_pyparse_star_targets(p);
			ag_pyparse_check_target(p, &x, T_DEL);
			return false;
		}
		if (tok_eq(t, "assert")) {
			ag_pyparse_next(p);
			(void)ag_pyparse_expression(p);
			if (op(p, ",")) {
				ag_pyparse_next(p);
				(void)ag_pyparse_expression(p);
			}
			return false;
		}
		if (tok_eq(t, "import")) {
			ag_pyparse_next(p);
			for (;;) {
				dotted_name(p);
				if (kw(p, "as")) {
					ag_pyparse_next(p);
					ag_pyparse_expect_name(p);
				}
				if (p->failed || !op(p, ","))
					break;
				ag_pyparse_next(p);
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
			if (n1->kind == AG_TOK_NAME && !ag_tok_is_keyword(n1)) {
				const struct ag_tok *n2 = peek_next(&k);
				if (n2->kind == AG_TOK_OP && (tok_eq(n2, "=") || tok_eq(n2, "["))) {
					ag_pyparse_next(p);
					ag_pyparse_next(p);
					if (op(p, "["))
						type_params(p);
					if (ag_pyparse_expect_op(p, "=", NULL))
						(void)ag_pyparse_expression(p);
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
		ag_pyparse_next(p);
		if (at_end(p))
			break;
	}
	if (p->t.kind == AG_TOK_NEWLINE) {
		ag_pyparse_next(p);
	} else if (p->t.kind != AG_TOK_EOF) {
		ag_pyparse_invalid(p);
	}
}

/* 3.8's decorator: dotted_name [ '(' [arglist] ')' ] NEWLINE (PEP 614
 * allowed any expression in 3.9). Looks ahead without consuming. */
static bool decorator_38(const struct pp *p)
{
	struct peek k;
	peek_init(&k, p);
	const struct ag_tok *t = &k.t;
	for (;;) {
		if (t->kind != AG_TOK_NAME || ag_tok_is_keyword(t))
			return false;
		t = peek_next(&k);
		if (!(t->kind == AG_TOK_OP && tok_eq(t, ".")))
			break;
		t = peek_next(&k);
	}
	if (t->kind == AG_TOK_OP && tok_eq(t, "(")) {
		int d = t->depth;
		do
			t = peek_next(&k);
		while (t->kind != AG_TOK_EOF && t->kind != AG_TOK_ERROR &&
		       !(t->kind == AG_TOK_OP && t->depth == d + 1 && tok_eq(t, ")")));
		if (t->kind != AG_TOK_OP)
			return true; /* the parser reports what is wrong there */
		t = peek_next(&k);
	}
	return t->kind == AG_TOK_NEWLINE;
}

static void statement(struct pp *p)
{
	const struct ag_tok *t = &p->t;
	int indent = t->indent;
	if (t->kind == AG_TOK_NAME) {
		bool compound = true;
		if (tok_eq(t, "if")) {
			int l = t->line;
			ag_pyparse_next(p);
			(void)ag_pyparse_named_expression(p);
			colon(p);
			block(p, "'if' statement", l, indent);
			while (clause(p, "elif", indent)) {
				l = p->t.line;
				ag_pyparse_next(p);
				(void)ag_pyparse_named_expression(p);
				colon(p);
				block(p, "'elif' statement", l, indent);
			}
			else_block(p, indent);
		} else if (tok_eq(t, "while")) {
			int l = t->line;
			ag_pyparse_next(p);
			(void)ag_pyparse_named_expression(p);
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
					ag_pyparse_next(p);
					ag_pyparse_invalid(p);
					return;
				}
				if (!tok_eq(n, "def") && !p->in_async) {
					ag_pyparse_fail_tok(p, tok_eq(n, "for") ? "'async for' outside async function"
								    : "'async with' outside async function");
					return;
				}
				ag_pyparse_next(p);
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
			ag_pyparse_next(p);
			struct ex tg = ag_pyparse_star_targets(p);
			ag_pyparse_check_target(p, &tg, T_FOR);
			if (!p->failed && !kw(p, "in")) {
				ag_pyparse_invalid(p);
				return;
			}
			ag_pyparse_next(p);
			struct ex it = ag_pyparse_star_expressions(p);
			if (!p->failed && it.k == X_STAR) {
				ag_pyparse_fail(p, it.line, it.col, "can't use starred expression here");
				return;
			}
			/* `for x in *a, *b:` came with 3.9's PEG parser (3.8's
			 * testlist had no star). */
			if (!p->failed && it.k == X_TUPLE && it.nstar && !it.paren && p->minor < 9) {
				ag_pyparse_fail(p, it.line, it.col,
						"starred expressions in a for loop's iterable need Python 3.9");
				return;
			}
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
			ag_pyparse_invalid(p);
		} else {
			compound = false;
		}
		if (compound) {
			p->future_ok = false;
			return;
		}
	} else if (t->kind == AG_TOK_OP && tok_eq(t, "@")) {
		while (!p->failed && op(p, "@")) {
			ag_pyparse_next(p);
			if (p->minor < 9 && !decorator_38(p)) {
				ag_pyparse_fail_tok(p, "decorators other than a dotted name with arguments "
						       "need Python 3.9");
				return;
			}
			(void)ag_pyparse_named_expression(p);
			if (p->failed)
				return;
			if (p->t.kind != AG_TOK_NEWLINE) {
				ag_pyparse_invalid(p);
				return;
			}
			ag_pyparse_next(p);
			if (p->t.indent != indent) {
				ag_pyparse_invalid(p);
				return;
			}
		}
		if (kw(p, "def")) {
			funcdef(p, false, indent);
		} else if (kw(p, "class")) {
			classdef(p, indent);
		} else if (kw(p, "async")) {
			ag_pyparse_next(p);
			if (kw(p, "def"))
				funcdef(p, true, indent);
			else
				ag_pyparse_invalid(p);
		} else {
			ag_pyparse_invalid(p);
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
bool ag_pyparse_fragment(struct pp *outer, const char *src, size_t len)
{
	char buf[1024];
	size_t i = 0;
	while (i < len && (src[i] == ' ' || src[i] == '\t'))
		i++;
	if (i == len) {
		ag_pyparse_fail(outer, outer->t.line, outer->t.col, "f-string: empty expression not allowed");
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
	ag_pyparse_next(&sub);
	if (kw(&sub, "yield") || op(&sub, "*"))
		return false; /* rare forms: accept */
	(void)ag_pyparse_star_expressions(&sub);
	if (!sub.failed && !at_end(&sub))
		ag_pyparse_fail_tok(&sub, "invalid syntax");
	if (sub.failed) {
		ag_pyparse_fail(outer, outer->t.line, outer->t.col, "f-string: %s", e.msg);
		return false;
	}
	return true;
}

bool ag_pyparse(const char *buf, size_t len, int major, int minor, struct ag_pyparse_err *err)
{
	return ag_pyparse_keep(buf, len, major, minor, err, NULL);
}

bool ag_pyparse_keep(const char *buf, size_t len, int major, int minor,
		     struct ag_pyparse_err *err, struct ag_toks *keep)
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
	p.keep = keep;
	ag_pyparse_next(&p);
	while (!p.failed && p.t.kind != AG_TOK_EOF) {
		if (p.t.kind == AG_TOK_NEWLINE) {
			ag_pyparse_next(&p);
			continue;
		}
		statement(&p);
	}
	return !p.failed || p.giveup;
}
