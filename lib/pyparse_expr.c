/* pyparse_expr: the expression half of lib/pyparse (see pyparse.h for
 * what the parser is, pyparse_int.h for how the halves meet): expressions,
 * targets, call arguments, parameters and f-string fields. Rule names
 * follow Grammar/python.gram. */
#include "pyparse_int.h"

#include <string.h>

/* ---- expressions ----------------------------------------------------- */

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

bool ag_pyparse_is_fstring(const struct ag_tok *t)
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
struct ex ag_pyparse_strings(struct pp *p)
{
	struct ex x = mk(p, X_OTHER, "literal");
	bool bytes = is_bytes(&p->t), mixed = false, f = false;
	int line = p->t.line, col = p->t.col;
	while (p->t.kind == AG_TOK_STRING) {
		if (is_bytes(&p->t) != bytes)
			mixed = true;
		if (ag_pyparse_is_fstring(&p->t)) {
			f = true;
			fstring_fields(p, &p->t);
		}
		ag_pyparse_next(p);
	}
	if (mixed)
		ag_pyparse_fail(p, line, col, "cannot mix bytes and nonbytes literals");
	if (f)
		x.bad = "f-string expression";
	return x;
}

/* for_if_clauses: (['async'] 'for' star_targets 'in' disjunction ('if' disjunction)*)+ */
static struct ex disjunction(struct pp *p);

static void for_if_clauses(struct pp *p)
{
	bool first = true;
	while (!p->failed && (kw(p, "for") || kw(p, "async"))) {
		if (kw(p, "async")) {
			ag_pyparse_next(p);
			if (!kw(p, "for")) {
				ag_pyparse_invalid(p);
				return;
			}
		}
		ag_pyparse_next(p);
		struct ex tg = ag_pyparse_star_targets(p);
		ag_pyparse_check_target(p, &tg, T_FOR);
		if (!kw(p, "in")) {
			ag_pyparse_invalid(p);
			return;
		}
		ag_pyparse_next(p);
		/* The first iterable is evaluated in the enclosing scope:
		 * `[x for x in (yield)]` is a yield of the function. */
		if (first)
			p->comp--;
		(void)disjunction(p);
		if (first)
			p->comp++;
		first = false;
		while (!p->failed && kw(p, "if")) {
			ag_pyparse_next(p);
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
	ag_pyparse_next(p);
	if (op(p, ")")) {
		ag_pyparse_next(p);
		x.paren = true;
		return x; /* (): a target too, `() = []` and `del ()` */
	}
	struct ex first;
	if (kw(p, "yield")) {
		first = ag_pyparse_yield_expr(p);
		if (!ag_pyparse_expect_op(p, ")", NULL))
			return x;
		first.paren = true;
		return first;
	}
	if (op(p, "*")) {
		int l = p->t.line, c = p->t.col;
		ag_pyparse_next(p);
		struct ex in = ag_pyparse_bitwise_or(p);
		first = mk(p, X_STAR, in.bad);
		first.line = l;
		first.col = c;
	} else {
		first = ag_pyparse_named_expression(p);
	}
	if (kw(p, "for") || kw(p, "async")) {
		if (first.k == X_STAR) {
			ag_pyparse_fail(p, first.line, first.col, "iterable unpacking cannot be used in comprehension");
			return x;
		}
		comprehension(p);
		ag_pyparse_expect_op(p, ")", NULL);
		return other(x, "generator expression");
	}
	if (op(p, ")")) {
		ag_pyparse_next(p);
		if (first.k == X_STAR) {
			ag_pyparse_fail(p, first.line, first.col, "cannot use starred expression here");
			return x;
		}
		first.paren = true;
		return first;
	}
	/* A tuple. */
	x.bad = first.bad;
	x.nstar = first.k == X_STAR;
	while (!p->failed && op(p, ",")) {
		ag_pyparse_next(p);
		if (op(p, ")"))
			break;
		struct ex e;
		if (op(p, "*")) {
			ag_pyparse_next(p);
			e = ag_pyparse_bitwise_or(p);
			x.nstar++;
		} else {
			e = ag_pyparse_named_expression(p);
		}
		if (!x.bad && e.bad)
			x.bad = e.bad;
	}
	ag_pyparse_expect_op(p, ")", NULL);
	x.paren = true;
	return x;
}

/* [...]: a list or a list comprehension. */
static struct ex list_atom(struct pp *p)
{
	struct ex x = mk(p, X_LIST, NULL);
	ag_pyparse_next(p);
	bool first = true;
	while (!p->failed && !op(p, "]")) {
		struct ex e;
		bool star = false;
		if (op(p, "*")) {
			ag_pyparse_next(p);
			e = ag_pyparse_bitwise_or(p);
			star = true;
			x.nstar++;
		} else {
			e = ag_pyparse_named_expression(p);
		}
		if (!x.bad && e.bad)
			x.bad = e.bad;
		if (first && (kw(p, "for") || kw(p, "async"))) {
			if (star) {
				ag_pyparse_fail(p, x.line, x.col, "iterable unpacking cannot be used in comprehension");
				return x;
			}
			comprehension(p);
			ag_pyparse_expect_op(p, "]", NULL);
			return other(x, "list comprehension");
		}
		first = false;
		if (!op(p, ","))
			break;
		ag_pyparse_next(p);
	}
	ag_pyparse_expect_op(p, "]", NULL);
	return x;
}

/* {...}: dict, set, or their comprehensions. */
/* An unparenthesized `x := v` where 3.8 and 3.9 wanted parentheses (in a
 * set display, a set comprehension or a subscript: 3.10 allowed it). */
static void bare_walrus_310(struct pp *p, const struct ex *x)
{
	if (p->minor < 10 && !p->failed && x->k == X_OTHER && x->bad &&
	    strcmp(x->bad, "named expression") == 0 && !x->paren)
		ag_pyparse_fail(p, x->line, x->col,
				"unparenthesized assignment expressions here need Python 3.10");
}

static struct ex brace_atom(struct pp *p)
{
	struct ex x = mk(p, X_OTHER, "dict literal");
	ag_pyparse_next(p);
	if (op(p, "}")) {
		ag_pyparse_next(p);
		return x;
	}
	bool dict;
	if (op(p, "**")) {
		ag_pyparse_next(p);
		(void)ag_pyparse_bitwise_or(p);
		dict = true;
	} else if (op(p, "*")) {
		ag_pyparse_next(p);
		(void)ag_pyparse_bitwise_or(p);
		dict = false;
	} else {
		struct ex k = ag_pyparse_named_expression(p);
		dict = op(p, ":");
		if (!dict)
			bare_walrus_310(p, &k);
		if (dict) {
			if (k.k == X_OTHER && k.bad && strcmp(k.bad, "named expression") == 0 && !k.paren) {
				ag_pyparse_invalid(p);
				return x;
			}
			ag_pyparse_next(p);
			(void)ag_pyparse_expression(p);
		}
		if (kw(p, "for") || kw(p, "async")) {
			comprehension(p);
			ag_pyparse_expect_op(p, "}", NULL);
			return other(x, dict ? "dict comprehension" : "set comprehension");
		}
	}
	x.bad = dict ? "dict literal" : "set display";
	while (!p->failed && op(p, ",")) {
		ag_pyparse_next(p);
		if (op(p, "}"))
			break;
		if (dict) {
			if (op(p, "**")) {
				ag_pyparse_next(p);
				(void)ag_pyparse_bitwise_or(p);
			} else {
				(void)ag_pyparse_expression(p);
				if (!ag_pyparse_expect_op(p, ":", op(p, ",") || op(p, "}") ? "':' expected after dictionary key"
										: NULL))
					return x;
				(void)ag_pyparse_expression(p);
			}
		} else {
			if (op(p, "*")) {
				ag_pyparse_next(p);
				(void)ag_pyparse_bitwise_or(p);
			} else {
				struct ex el = ag_pyparse_named_expression(p);
				bare_walrus_310(p, &el);
			}
		}
	}
	ag_pyparse_expect_op(p, "}", NULL);
	return x;
}

static struct ex atom(struct pp *p)
{
	const struct ag_tok *t = &p->t;
	struct ex x = mk(p, X_OTHER, "literal");
	if (t->kind == AG_TOK_NAME) {
		if (tok_eq(t, "True") || tok_eq(t, "False") || tok_eq(t, "None")) {
			x.bad = tok_eq(t, "True") ? "True" : tok_eq(t, "False") ? "False" : "None";
			ag_pyparse_next(p);
			return x;
		}
		if (ag_tok_is_keyword(t)) {
			ag_pyparse_invalid(p);
			return x;
		}
		x.k = X_NAME;
		x.bad = tok_eq(t, "__debug__") ? "__debug__" : NULL;
		x.name = t->p;
		x.namelen = t->len;
		ag_pyparse_next(p);
		return x;
	}
	if (t->kind == AG_TOK_NUMBER) {
		ag_pyparse_next(p);
		return x;
	}
	if (t->kind == AG_TOK_STRING)
		return ag_pyparse_strings(p);
	if (op(p, "("))
		return paren_atom(p);
	if (op(p, "["))
		return list_atom(p);
	if (op(p, "{"))
		return brace_atom(p);
	if (op(p, "...")) {
		ag_pyparse_next(p);
		x.bad = "ellipsis";
		return x;
	}
	ag_pyparse_invalid(p);
	return x;
}

/* slices: slice | ','.(slice | starred_expression)+ [','] */
static void slices(struct pp *p)
{
	for (;;) {
		if (op(p, "*")) {
			if (p->minor < 11) { /* PEP 646 */
				ag_pyparse_fail_tok(p, "starred expressions in subscripts need Python 3.11");
				return;
			}
			ag_pyparse_next(p);
			(void)ag_pyparse_bitwise_or(p);
		} else {
			if (!op(p, ":")) {
				struct ex ix = ag_pyparse_named_expression(p);
				bare_walrus_310(p, &ix);
			}
			if (op(p, ":")) {
				ag_pyparse_next(p);
				if (!op(p, ":") && !op(p, ",") && !op(p, "]"))
					(void)ag_pyparse_expression(p);
				if (op(p, ":")) {
					ag_pyparse_next(p);
					if (!op(p, ",") && !op(p, "]"))
						(void)ag_pyparse_expression(p);
				}
			}
		}
		if (p->failed || !op(p, ","))
			break;
		ag_pyparse_next(p);
		if (op(p, "]"))
			break;
	}
	ag_pyparse_expect_op(p, "]", NULL);
}

/* primary: atom ('.' NAME | '(' arguments ')' | '[' slices ']')* */
static struct ex primary(struct pp *p)
{
	struct ex x = atom(p);
	while (!p->failed) {
		if (op(p, ".")) {
			ag_pyparse_next(p);
			if (!ag_pyparse_expect_name(p))
				return x;
			x.k = X_ATTR;
			x.bad = NULL;
			x.paren = false;
		} else if (op(p, "(")) {
			ag_pyparse_next(p);
			ag_pyparse_arguments(p, ")");
			x = other(x, "function call");
		} else if (op(p, "[")) {
			ag_pyparse_next(p);
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
			ag_pyparse_fail_tok(p, "too many nested expressions (Python stops with a RecursionError)");
			return start;
		}
		ag_pyparse_next(p);
	}
	bool await = false;
	if (kw(p, "await")) {
		/* Only outside brackets: inside them the await may belong
		 * to a generator expression, which may be asynchronous. */
		if (p->t.depth == 0 && !p->fstring && !p->in_class && !p->in_func)
			ag_pyparse_fail_tok(p, "'await' outside function");
		else if (p->t.depth == 0 && !p->fstring && p->in_func && !p->in_async)
			ag_pyparse_fail_tok(p, "'await' outside async function");
		ag_pyparse_next(p);
		await = true;
	}
	struct ex x = primary(p);
	if (await)
		x = other(x, "await expression");
	if (op(p, "**")) {
		ag_pyparse_next(p);
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
		ag_pyparse_next(p);
		(void)binary(p, level + 1);
		x = other(x, "expression");
	}
	return x;
}

struct ex ag_pyparse_bitwise_or(struct pp *p)
{
	return binary(p, 1);
}

/* comparison: bitwise_or (compare_op bitwise_or)* */
static struct ex comparison(struct pp *p)
{
	struct ex x = ag_pyparse_bitwise_or(p);
	for (;;) {
		if (p->failed)
			return x;
		if (op(p, "==") || op(p, "!=") || op(p, "<=") || op(p, ">=") || op(p, ">") ||
		    kw(p, "in")) {
			ag_pyparse_next(p);
		} else if (op(p, "<")) {
			ag_pyparse_next(p);
			/* barry_as_FLUFL spells != as <> (two tokens here) */
			if (p->flufl && op(p, ">"))
				ag_pyparse_next(p);
		} else if (kw(p, "not")) {
			ag_pyparse_next(p);
			if (!kw(p, "in")) {
				ag_pyparse_invalid(p);
				return x;
			}
			ag_pyparse_next(p);
		} else if (kw(p, "is")) {
			ag_pyparse_next(p);
			if (kw(p, "not"))
				ag_pyparse_next(p);
		} else {
			return x;
		}
		(void)ag_pyparse_bitwise_or(p);
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
			ag_pyparse_fail_tok(p, "too many nested expressions (Python stops with a RecursionError)");
			return start;
		}
		ag_pyparse_next(p);
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
		ag_pyparse_next(p);
		(void)inversion(p);
		any = true;
	}
	return any ? other(x, "expression") : x;
}

/* lambdef: 'lambda' [lambda_params] ':' expression; the body is its own
 * function. */
static void lambda_head(struct pp *p)
{
	ag_pyparse_next(p);
	if (!op(p, ":"))
		ag_pyparse_params(p, ":", false);
	ag_pyparse_expect_op(p, ":", NULL);
}

/* expression: disjunction ['if' disjunction 'else' expression] | lambdef.
 * Chains of `else` and lambda bodies are followed in a loop. */
struct ex ag_pyparse_expression(struct pp *p)
{
	struct ex result = mk(p, X_OTHER, "expression");
	bool first = true;
	int n = 0;
	bool saved_func = p->in_func, saved_async = p->in_async, saved_class = p->in_class;
	int saved_comp = p->comp;
	while (!p->failed) {
		if (++n > MAX_CHAIN) {
			ag_pyparse_fail_tok(p, "too many nested expressions (Python stops with a RecursionError)");
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
		ag_pyparse_next(p);
		(void)disjunction(p);
		if (!kw(p, "else")) {
			if (!p->failed)
				ag_pyparse_fail_tok(p, "expected 'else' after 'if' expression");
			break;
		}
		ag_pyparse_next(p);
		result = other(result, "conditional expression");
	}
	p->in_func = saved_func;
	p->in_async = saved_async;
	p->in_class = saved_class;
	p->comp = saved_comp;
	return result;
}

/* named_expression: NAME ':=' expression | expression !':=' */
struct ex ag_pyparse_named_expression(struct pp *p)
{
	struct ex x = ag_pyparse_expression(p);
	if (op(p, ":=")) {
		if (x.k != X_NAME || x.paren) {
			ag_pyparse_fail(p, x.line, x.col, "cannot use assignment expressions with %s",
			     x.k == X_ATTR ? "subscript" : x.bad ? x.bad : "expression");
			return x;
		}
		if (x.bad) {
			ag_pyparse_fail(p, x.line, x.col, "cannot use assignment expressions with %s", x.bad);
			return x;
		}
		if (p->minor < 8)
			ag_pyparse_fail_tok(p, "assignment expressions need Python 3.8");
		ag_pyparse_next(p);
		(void)ag_pyparse_expression(p);
		x = other(x, "named expression");
	}
	return x;
}

/* What one element of a comma-separated sequence is. */
enum seq_elem {
	SEQ_EXPR,   /* star_expression: '*' bitwise_or | expression */
	SEQ_NAMED,  /* the same with walrus: `match`'s subject, a list's elements */
	SEQ_TARGET, /* star_target: at the level of bitwise_or, so that `for x in y`
		     * stops before `in`; `*` inside `*` is not a target */
};

/* ','.(element)+ [',']: a tuple when there is a comma, else the element. */
static struct ex star_seq(struct pp *p, enum seq_elem el)
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
			ag_pyparse_next(p);
			struct ex in = ag_pyparse_bitwise_or(p);
			e = mk(p, X_STAR, in.bad);
			if (el == SEQ_TARGET && in.k == X_STAR)
				e.bad = "starred";
			e.line = l;
			e.col = c;
			nstar++;
		} else {
			e = el == SEQ_NAMED    ? ag_pyparse_named_expression(p)
			    : el == SEQ_TARGET ? ag_pyparse_bitwise_or(p)
					       : ag_pyparse_expression(p);
		}
		if (!tuple)
			x = e;
		if (!bad && e.bad)
			bad = e.bad;
		if (p->failed || !op(p, ","))
			break;
		tuple = true;
		ag_pyparse_next(p);
		if (!ag_pyparse_starts_expr(p) && !op(p, "*"))
			break;
	}
	if (!tuple)
		return x;
	first.nstar = nstar;
	first.bad = bad;
	return first;
}

/* star_expressions; named: with walrus (the subject of `match`, the
 * elements of a list). */
struct ex ag_pyparse_star_list(struct pp *p, bool named)
{
	return star_seq(p, named ? SEQ_NAMED : SEQ_EXPR);
}

struct ex ag_pyparse_star_expressions(struct pp *p)
{
	return ag_pyparse_star_list(p, false);
}

/* yield_expr: 'yield' 'from' expression | 'yield' [star_expressions] */
struct ex ag_pyparse_yield_expr(struct pp *p)
{
	struct ex x = mk(p, X_OTHER, "yield expression");
	if (p->comp)
		ag_pyparse_fail_tok(p, "'yield' inside list comprehension");
	else if (!p->in_func && !p->fstring)
		ag_pyparse_fail_tok(p, "'yield' outside function");
	ag_pyparse_next(p);
	if (kw(p, "from")) {
		ag_pyparse_next(p);
		(void)ag_pyparse_expression(p);
	} else if (ag_pyparse_starts_expr(p) || op(p, "*")) {
		struct ex v = ag_pyparse_star_expressions(p);
		if (v.k == X_STAR)
			ag_pyparse_fail(p, v.line, v.col, "cannot use starred expression here");
	}
	return x;
}

/* star_targets: parsed as an expression, checked by check_target. */
struct ex ag_pyparse_star_targets(struct pp *p)
{
	return star_seq(p, SEQ_TARGET);
}

void ag_pyparse_check_target(struct pp *p, const struct ex *x, int how)
{
	if (p->failed)
		return;
	if (how == T_DEL) {
		/* a star at this level, alone or in the tuple or list (a
		 * nested one is not seen: accepted) */
		if (x->k == X_STAR || ((x->k == X_TUPLE || x->k == X_LIST) && x->nstar))
			ag_pyparse_fail(p, x->line, x->col, "cannot delete starred");
		else if (x->bad)
			ag_pyparse_fail(p, x->line, x->col, "cannot delete %s", x->bad);
		return;
	}
	if (x->k == X_STAR && !x->bad) {
		ag_pyparse_fail(p, x->line, x->col, "starred assignment target must be in a list or tuple");
		return;
	}
	if (x->bad) {
		ag_pyparse_fail(p, x->line, x->col, "cannot assign to %s", x->bad);
		return;
	}
	if ((x->k == X_TUPLE || x->k == X_LIST) && x->nstar > 1)
		ag_pyparse_fail(p, x->line, x->col, "multiple starred expressions in assignment");
}

/* arguments: positional, then keywords; f(x for x in y) alone. */
void ag_pyparse_arguments(struct pp *p, const char *close)
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
			ag_pyparse_fail(p, l, c, "Generator expression must be parenthesized");
			return;
		}
		nargs++;
		if (op(p, "**")) {
			ag_pyparse_next(p);
			(void)ag_pyparse_expression(p);
			state = 2;
		} else if (op(p, "*")) {
			if (state == 2) {
				ag_pyparse_fail(p, l, c, "iterable argument unpacking follows keyword argument unpacking");
				return;
			}
			ag_pyparse_next(p);
			(void)ag_pyparse_expression(p);
		} else {
			struct ex e = ag_pyparse_named_expression(p);
			if (op(p, "=")) {
				if (e.k != X_NAME || e.paren) {
					if (e.k == X_OTHER && e.bad && e.bad[0] >= 'A' && e.bad[0] <= 'Z')
						ag_pyparse_fail(p, e.line, e.col, "cannot assign to %s", e.bad);
					else
						ag_pyparse_fail(p, e.line, e.col, "expression cannot contain assignment, "
								       "perhaps you meant \"==\"?");
					return;
				}
				if (e.bad) {
					ag_pyparse_fail(p, e.line, e.col, "cannot assign to %s", e.bad);
					return;
				}
				for (size_t i = 0; i < nkw; i++)
					if (kwlen[i] == e.namelen && memcmp(kwname[i], e.name, e.namelen) == 0) {
						ag_pyparse_fail(p, e.line, e.col, "keyword argument repeated: %.*s",
						     (int)e.namelen, e.name);
						return;
					}
				if (nkw < 64) {
					kwname[nkw] = e.name;
					kwlen[nkw++] = e.namelen;
				}
				ag_pyparse_next(p);
				(void)ag_pyparse_expression(p);
				if (state == 0)
					state = 1;
			} else if (kw(p, "for") || kw(p, "async")) {
				if (nargs > 1) {
					ag_pyparse_fail(p, e.line, e.col, "Generator expression must be parenthesized");
					return;
				}
				comprehension(p);
				genexp = true;
				if (op(p, ",")) {
					ag_pyparse_next(p);
					if (!op(p, close)) {
						ag_pyparse_fail(p, e.line, e.col, "Generator expression must be parenthesized");
						return;
					}
				}
				continue;
			} else {
				if (state == 1) {
					ag_pyparse_fail(p, e.line, e.col, "positional argument follows keyword argument");
					return;
				}
				if (state == 2) {
					ag_pyparse_fail(p, e.line, e.col,
					     "positional argument follows keyword argument unpacking");
					return;
				}
			}
		}
		if (!op(p, ","))
			break;
		ag_pyparse_next(p);
	}
	if (!p->failed && !op(p, close)) {
		/* `f(a b)`: CPython suggests the comma. */
		if (ag_pyparse_starts_expr(p))
			ag_pyparse_fail_tok(p, "invalid syntax. Perhaps you forgot a comma?");
		else
			ag_pyparse_invalid(p);
		return;
	}
	ag_pyparse_next(p);
}

/* parameters (def, annotations) and lambda_params (close ':'). */
bool ag_pyparse_params(struct pp *p, const char *close, bool annotations)
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
			ag_pyparse_fail(p, l, c, "arguments cannot follow var-keyword argument");
			return false;
		}
		if (op(p, "/")) {
			if (slash) {
				ag_pyparse_fail(p, l, c, "/ may appear only once");
				return false;
			}
			if (star) {
				ag_pyparse_fail(p, l, c, "/ must be ahead of *");
				return false;
			}
			if (!nposonly_params) {
				ag_pyparse_fail(p, l, c, "at least one argument must precede /");
				return false;
			}
			if (p->minor < 8) {
				ag_pyparse_fail(p, l, c, "positional-only parameters need Python 3.8");
				return false;
			}
			slash = true;
			ag_pyparse_next(p);
		} else {
			bool is_star = false, is_dstar = false;
			if (op(p, "*")) {
				if (star) {
					ag_pyparse_fail(p, l, c, "* argument may appear only once");
					return false;
				}
				star = is_star = true;
				ag_pyparse_next(p);
				if (op(p, ",") || op(p, close)) {
					bare_star = true;
					goto sep;
				}
			} else if (op(p, "**")) {
				dstar = is_dstar = true;
				ag_pyparse_next(p);
			}
			if (!ident(p)) {
				ag_pyparse_invalid(p);
				return false;
			}
			if (tok_eq(&p->t, "__debug__")) {
				ag_pyparse_fail_tok(p, "cannot assign to __debug__");
				return false;
			}
			for (size_t i = 0; i < n; i++)
				if (len[i] == p->t.len && memcmp(name[i], p->t.p, len[i]) == 0) {
					ag_pyparse_fail(p, p->t.line, p->t.col,
					     "duplicate argument '%.*s' in function definition", (int)len[i],
					     name[i]);
					return false;
				}
			if (n < 255) {
				name[n] = p->t.p;
				len[n++] = p->t.len;
			}
			ag_pyparse_next(p);
			if (!star || is_star)
				nposonly_params++;
			bare_star = false;
			if (annotations && op(p, ":")) {
				ag_pyparse_next(p);
				if (is_star && op(p, "*")) { /* *args: *Ts (3.11) */
					if (p->minor < 11) { /* PEP 646 */
						ag_pyparse_fail_tok(p, "starred annotations need Python 3.11");
						return false;
					}
					ag_pyparse_next(p);
					(void)ag_pyparse_expression(p);
				} else {
					(void)ag_pyparse_expression(p);
				}
			}
			if (op(p, "=")) {
				if (is_star || is_dstar) {
					ag_pyparse_fail_tok(p, is_star ? "var-positional argument cannot have default value"
							    : "var-keyword argument cannot have default value");
					return false;
				}
				ag_pyparse_next(p);
				(void)ag_pyparse_expression(p);
				if (!star)
					dflt = true;
			} else if (!star && !is_star && !is_dstar && dflt) {
				ag_pyparse_fail(p, l, c, "non-default argument follows default argument");
				return false;
			}
		}
	sep:
		if (!op(p, ","))
			break;
		ag_pyparse_next(p);
		if (bare_star && (op(p, close) || op(p, "**"))) {
			ag_pyparse_fail(p, l, c, "named arguments must follow bare *");
			return false;
		}
	}
	if (bare_star && !p->failed) {
		ag_pyparse_fail_tok(p, "named arguments must follow bare *");
		return false;
	}
	if (!p->failed && !op(p, close)) {
		ag_pyparse_invalid(p);
		return false;
	}
	return !p->failed;
}

/* ---- f-strings ------------------------------------------------------- */

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
				/* Before 3.12 (PEP 701) the expression part could
				 * hold no backslash, even in a nested string, and no
				 * '#'; CPython's own words. */
				if (p->minor < 12 && (c == '\\' || (c == '#' && !inq))) {
					ag_pyparse_fail(p, t->line, t->col,
							"f-string expression part cannot include %s",
							c == '#' ? "'#'" : "a backslash");
					return;
				}
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
			if (!ag_pyparse_fragment(p, x, (size_t)(r - x)))
				return;
			/* Skip the rest of the field: conversion and spec. */
			level = 0;
			while (r < e) {
				/* A field nested in the spec is an expression part
				 * too (3.11 refuses `{x:{'\\t'}}`). */
				if (*r == '\\' && level > 0 && p->minor < 12) {
					ag_pyparse_fail(p, t->line, t->col,
							"f-string expression part cannot include a backslash");
					return;
				}
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
