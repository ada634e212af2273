#include "modexec.h"

#include <stdlib.h>
#include <string.h>

#include "modval.h"

/* Work allowed for unrolled `for` loops, in tokens: a literal sequence of
 * many elements around a long body is run as `maybe` instead. */
#define LOOP_BUDGET 2000000u

/* A place in the file to come back to (a loop body, a lookahead). On the
 * heap: a worker thread's stack is small (musl: 128 KiB) and loops nest 100
 * deep. */
struct mark {
	struct ag_pyscan s;
	struct ag_tok tok, prev;
};

static struct mark *mark_here(const struct ag_mv *p)
{
	struct mark *m = ag_malloc(sizeof *m);
	m->s = p->s;
	m->tok = p->tok;
	m->prev = p->prev;
	return m;
}

static void mark_go(struct ag_mv *p, const struct mark *m)
{
	p->s = m->s;
	p->tok = m->tok;
	p->prev = m->prev;
}

char *ag_modexec_ident(const char *name, size_t n)
{
	return ag_mv_ident(name, n);
}

/* ---- statements --------------------------------------------------------- */

static void exec_stmt(struct ag_mv *p);

/* Truth of a known value: 1, 0, or -1 when only Python knows. */
static int truth(const struct ag_mv *p, const struct ag_mv_val *v)
{
	switch (v->kind) {
	case AG_MV_STR:
		return v->items.v[0][0] != '\0';
	case AG_MV_NONE:
		return 0;
	case AG_MV_SEQ:
		return v->items.n > 0;
	case AG_MV_OTHER:
	case AG_MV_UNRESOLVED:
		break;
	}
	/* TYPE_CHECKING is False when the program runs (typing's docs). */
	if (v->origin && (strcmp(v->origin, "typing.TYPE_CHECKING") == 0 ||
			  strcmp(v->origin, "typing_extensions.TYPE_CHECKING") == 0))
		return 0;
	if (v->kind == AG_MV_UNRESOLVED && v->is_name && v->expr) {
		const char *dot = strrchr(v->expr, '.');
		if (dot && strcmp(dot, ".TYPE_CHECKING") == 0) {
			char *base = ag_strndup(v->expr, (size_t)(dot - v->expr));
			const struct ag_mv_val *m = ag_mv_local_get(p, base);
			free(base);
			if (m && m->origin && (strcmp(m->origin, "typing") == 0 ||
					       strcmp(m->origin, "typing_extensions") == 0))
				return 0;
		}
		return -1;
	}
	if (v->kind != AG_MV_OTHER || !v->expr)
		return -1;
	if (strcmp(v->expr, "True") == 0 || strcmp(v->expr, AG_MV_NONSTR_SEQ) == 0 ||
	    strcmp(v->expr, AG_MV_NONSTR_TUPLE) == 0)
		return 1; /* a display with an element is never empty */
	if (strcmp(v->expr, "False") == 0)
		return 0;
	const char *e = v->expr;
	if (!((e[0] >= '0' && e[0] <= '9') || e[0] == '.'))
		return -1;
	/* A number literal: true unless every digit is 0 (exponent aside). */
	bool hex = e[0] == '0' && (e[1] == 'x' || e[1] == 'X');
	if (e[0] == '0' && e[1] && strchr("xXoObB", e[1]))
		e += 2;
	for (; *e; e++) {
		if (!hex && (*e == 'e' || *e == 'E'))
			break;
		if ((*e >= '1' && *e <= '9') || (hex && strchr("abcdefABCDEF", *e)))
			return 1;
	}
	return 0;
}

/* A header's test, up to its ':' (left on it): 1, 0, or -1 (unknown). */
static int eval_test(struct ag_mv *p)
{
	p->colon_ends = true;
	p->lambdas = 0;
	int nots = 0, signs = 0;
	while (ag_tok_is(&p->tok, "not")) {
		nots++;
		ag_mv_advance(p);
	}
	/* -1, +2: a sign does not change a number's truth */
	while (ag_tok_is(&p->tok, "-") || ag_tok_is(&p->tok, "+")) {
		signs++;
		ag_mv_advance(p);
	}
	struct ag_mv_val v;
	ag_mv_parse_value(p, &v);
	int t = truth(p, &v);
	if (signs && !(v.kind == AG_MV_OTHER && v.expr && ((v.expr[0] >= '0' && v.expr[0] <= '9') ||
						       v.expr[0] == '.')))
		t = -1;
	if (v.kind == AG_MV_UNRESOLVED)
		p->raised = true;
	ag_mv_val_free(&v);
	ag_mv_skip_stmt(p);
	p->colon_ends = false;
	if (t >= 0 && nots % 2)
		t = !t;
	return t;
}

/* Skips a header to its ':' (left on it). */
static void skip_header(struct ag_mv *p)
{
	p->colon_ends = true;
	p->lambdas = 0;
	ag_mv_skip_stmt(p);
	p->colon_ends = false;
}

/* Expects the header's ':' and moves past it. */
static void eat_colon(struct ag_mv *p)
{
	if (ag_tok_is(&p->tok, ":") && p->tok.depth == 0)
		ag_mv_advance(p);
}

/* A `global NAME, ...` in code that does not run now (a function body):
 * a call could rebind the name. */
static void note_global(struct ag_mv *p)
{
	const struct ag_tok *t = &p->tok;
	if (!(t->flags & AG_TOK_STMT) || !ag_tok_is(t, "global"))
		return;
	int line = t->line;
	ag_mv_advance(p);
	while (p->tok.kind == AG_TOK_NAME || ag_tok_is(&p->tok, ",")) {
		if (p->tok.kind == AG_TOK_NAME) {
			char *n = ag_mv_tok_ident(&p->tok);
			int k = ag_mv_slot_of(n);
			if (k >= 0 && !p->global_line[k])
				p->global_line[k] = line;
			free(n);
		}
		ag_mv_advance(p);
	}
}

/*
 * Skips the body of a header whose ':' is behind us (header at column
 * indent), noting `global` statements, break and continue. Returns how many
 * tokens it holds.
 */
static unsigned long skip_body(struct ag_mv *p, int indent, bool *loop_exit)
{
	unsigned long n = 0;
	if (p->tok.kind != AG_TOK_NEWLINE) {
		while (p->tok.kind != AG_TOK_NEWLINE && !ag_mv_at_end(p)) {
			if (loop_exit && (ag_tok_is(&p->tok, "break") || ag_tok_is(&p->tok, "continue")))
				*loop_exit = true;
			ag_mv_advance(p);
			n++;
		}
		if (p->tok.kind == AG_TOK_NEWLINE)
			ag_mv_advance(p);
		return n;
	}
	ag_mv_advance(p);
	while (!ag_mv_at_end(p) && !((p->tok.flags & AG_TOK_STMT) && p->tok.indent <= indent)) {
		if (loop_exit && (p->tok.flags & AG_TOK_STMT) &&
		    (ag_tok_is(&p->tok, "break") || ag_tok_is(&p->tok, "continue")))
			*loop_exit = true;
		if (p->tok.flags & AG_TOK_STMT)
			note_global(p);
		if (!ag_mv_at_end(p) && !((p->tok.flags & AG_TOK_STMT) && p->tok.indent <= indent)) {
			ag_mv_advance(p);
			n++;
		}
	}
	return n;
}

/* Runs (or skips) the body of a header whose ':' is behind us, as mode
 * says within the enclosing block's mode. */
static void exec_body(struct ag_mv *p, int indent, enum ag_mv_mode mode)
{
	enum ag_mv_mode outer = p->mode;
	if (outer == AG_MV_SKIP || mode == AG_MV_SKIP) {
		p->mode = AG_MV_SKIP;
		skip_body(p, indent, NULL);
		p->mode = outer;
		return;
	}
	p->mode = outer == AG_MV_MAYBE || mode == AG_MV_MAYBE ? AG_MV_MAYBE : AG_MV_RUN;
	if (p->tok.kind != AG_TOK_NEWLINE) {
		/* `if x: a = 1; b = 2`: simple statements on the header's line */
		while (p->tok.kind != AG_TOK_NEWLINE && !ag_mv_at_end(p))
			exec_stmt(p);
		if (p->tok.kind == AG_TOK_NEWLINE)
			ag_mv_advance(p);
	} else {
		ag_mv_advance(p);
		for (;;) {
			while (p->tok.kind == AG_TOK_NEWLINE)
				ag_mv_advance(p);
			if (ag_mv_at_end(p) || p->tok.indent <= indent)
				break;
			exec_stmt(p);
		}
	}
	p->mode = outer;
}

/* Enters `maybe` for the construct starting at start (line): the old
 * condition comes back through *saved. */
static void push_cond(struct ag_mv *p, const char *start, int line, char **saved, int *saved_line)
{
	*saved = p->cond;
	*saved_line = p->cond_line;
	p->cond = ag_mv_excerpt(p, start);
	p->cond_line = line;
}

static void pop_cond(struct ag_mv *p, char *saved, int saved_line)
{
	free(p->cond);
	p->cond = saved;
	p->cond_line = saved_line;
}

/* The next clause of a compound statement: `kw` at the header's column. */
static bool clause(const struct ag_mv *p, int indent, const char *kw)
{
	return (p->tok.flags & AG_TOK_STMT) && p->tok.indent == indent && ag_tok_is(&p->tok, kw);
}

/* A body run as mode, in `maybe` for the construct of the header at hs. */
static void run_clause(struct ag_mv *p, int indent, enum ag_mv_mode mode, const char *hs, int line)
{
	char *sc;
	int sl;
	push_cond(p, hs, line, &sc, &sl);
	eat_colon(p);
	exec_body(p, indent, mode);
	pop_cond(p, sc, sl);
}

static void exec_if(struct ag_mv *p)
{
	int indent = p->tok.indent;
	bool decided = false, uncertain = false;
	enum ag_mv_mode outer = p->mode;
	do {
		const char *hs = p->tok.p;
		int line = p->tok.line;
		ag_mv_advance(p); /* if, elif */
		int t = -1;
		if (decided || outer == AG_MV_SKIP) {
			p->mode = AG_MV_SKIP; /* Python never evaluates it */
			skip_header(p);
			p->mode = outer;
		} else {
			t = eval_test(p);
		}
		enum ag_mv_mode m;
		if (decided || t == 0) {
			m = AG_MV_SKIP;
		} else if (t == 1) {
			m = uncertain ? AG_MV_MAYBE : AG_MV_RUN;
			decided = true;
		} else {
			m = AG_MV_MAYBE;
			uncertain = true;
		}
		run_clause(p, indent, m, hs, line);
	} while (clause(p, indent, "elif"));
	if (clause(p, indent, "else")) {
		const char *hs = p->tok.p;
		int line = p->tok.line;
		ag_mv_advance(p);
		run_clause(p, indent, decided ? AG_MV_SKIP : uncertain ? AG_MV_MAYBE : AG_MV_RUN, hs, line);
	}
}

static void exec_else(struct ag_mv *p, int indent, enum ag_mv_mode m)
{
	if (!clause(p, indent, "else"))
		return;
	const char *hs = p->tok.p;
	int line = p->tok.line;
	ag_mv_advance(p);
	run_clause(p, indent, m, hs, line);
}

static void exec_while(struct ag_mv *p)
{
	int indent = p->tok.indent;
	const char *hs = p->tok.p;
	int line = p->tok.line;
	ag_mv_advance(p);
	int t = p->mode == AG_MV_SKIP ? 0 : eval_test(p);
	if (p->mode == AG_MV_SKIP)
		skip_header(p);
	/* while False: the body never runs, the else always does. Any other
	 * loop runs as many times as only Python knows. */
	run_clause(p, indent, t == 0 ? AG_MV_SKIP : AG_MV_MAYBE, hs, line);
	exec_else(p, indent, t == 0 ? AG_MV_RUN : AG_MV_MAYBE);
}

/* Names bound by a target we do not evaluate (`for a, b in`, `as (a, b)`),
 * up to the stop word or ':' (p->tok left there): all become unknown. */
static void taint_target(struct ag_mv *p, const char *stop, const char *what, int line)
{
	while (!ag_mv_at_stmt_end(p) && !(p->tok.depth == 0 && ag_tok_is(&p->tok, stop))) {
		if (p->tok.kind == AG_TOK_NAME && !ag_tok_is(&p->prev, ".")) {
			char *n = ag_mv_tok_ident(&p->tok);
			ag_mv_taint(p, n, what, line);
			free(n);
		}
		ag_mv_advance(p);
	}
}

static void exec_for(struct ag_mv *p)
{
	int indent = p->tok.indent;
	const char *hs = p->tok.p;
	int line = p->tok.line;
	enum ag_mv_mode outer = p->mode;
	ag_mv_advance(p); /* for */
	if (outer == AG_MV_SKIP) {
		skip_header(p);
		eat_colon(p);
		exec_body(p, indent, AG_MV_SKIP);
		exec_else(p, indent, AG_MV_SKIP);
		return;
	}
	p->colon_ends = true;
	p->lambdas = 0;
	char *var = NULL;
	struct mark *target = mark_here(p);
	if (p->tok.kind == AG_TOK_NAME && !ag_tok_is_keyword(&p->tok)) {
		var = ag_mv_tok_ident(&p->tok);
		ag_mv_advance(p);
		if (!ag_tok_is(&p->tok, "in")) {
			free(var);
			var = NULL;
		}
	}
	if (!var) {
		/* for a, b in ...: read the target again below, as unknown */
		mark_go(p, target);
		while (!ag_mv_at_stmt_end(p) && !(p->tok.depth == 0 && ag_tok_is(&p->tok, "in")))
			ag_mv_advance(p);
	}
	if (ag_tok_is(&p->tok, "in"))
		ag_mv_advance(p);
	struct ag_mv_val seq;
	ag_mv_parse_value(p, &seq);
	ag_mv_skip_stmt(p);
	p->colon_ends = false;
	char *cond = ag_mv_excerpt(p, hs);
	eat_colon(p);

	/* Look at the body once: its size, and whether it may leave early. */
	struct mark *body = mark_here(p);
	bool exits = false;
	p->mode = AG_MV_SKIP;
	unsigned long size = skip_body(p, indent, &exits) + 1;
	p->mode = outer;
	struct mark *after = mark_here(p);

	/* The elements: the sequence's own, or a str's characters (split only
	 * once the loop is known to be unrolled: no copy of a large literal). */
	struct ag_strv elems = {0};
	bool known = var && !exits && (seq.kind == AG_MV_SEQ || seq.kind == AG_MV_STR);
	size_t count = seq.kind == AG_MV_SEQ ? seq.items.n : 0;
	if (known && seq.kind == AG_MV_STR)
		for (const char *c = seq.items.v[0]; *c; c++)
			count += ((unsigned char)*c & 0xc0) != 0x80;
	unsigned long mult = p->loop_mult ? p->loop_mult : 1;
	if (known && count && (p->work > LOOP_BUDGET || size > LOOP_BUDGET / count / mult))
		known = false;
	if (known && seq.kind == AG_MV_SEQ)
		elems = seq.items; /* borrowed: seq outlives the loop */
	else if (known)
		ag_mv_push_chars(&elems, seq.items.v[0]);
	char *sc;
	int sl;
	push_cond(p, hs, line, &sc, &sl);
	free(p->cond);
	p->cond = cond;
	if (known && elems.n == 0) {
		/* nothing to iterate: the body never runs, the else does */
		mark_go(p, after);
	} else if (known) {
		unsigned long saved_mult = p->loop_mult;
		p->loop_mult = mult * elems.n;
		for (size_t i = 0; i < elems.n && !p->error; i++) {
			mark_go(p, body);
			struct ag_mv_val e = {0};
			e.kind = AG_MV_STR;
			e.quote = seq.quote;
			ag_strv_push(&e.items, elems.v[i]);
			ag_mv_bind(p, var, &e, line, false);
			ag_mv_val_free(&e);
			exec_body(p, indent, AG_MV_RUN);
		}
		p->loop_mult = saved_mult;
	} else {
		/* Only Python knows how often the body runs, with what. */
		if (var) {
			ag_mv_taint(p, var, cond, line);
		} else {
			struct mark *cur = mark_here(p);
			mark_go(p, target);
			taint_target(p, "in", cond, line);
			mark_go(p, cur);
			free(cur);
		}
		mark_go(p, body);
		exec_body(p, indent, AG_MV_MAYBE);
		p->raised = true;
	}
	pop_cond(p, sc, sl);
	exec_else(p, indent, known ? AG_MV_RUN : AG_MV_MAYBE);
	if (seq.kind != AG_MV_SEQ)
		ag_strv_free(&elems);
	ag_mv_val_free(&seq);
	free(var);
	free(target);
	free(body);
	free(after);
}

static void exec_try(struct ag_mv *p)
{
	int indent = p->tok.indent;
	bool outer_raised = p->raised;
	ag_mv_advance(p); /* try */
	eat_colon(p);
	p->raised = false;
	exec_body(p, indent, AG_MV_RUN);
	/* As if nothing raises: a handler runs only when a statement of the
	 * body may raise, and then the else may not run. */
	bool raised = p->raised;
	while (clause(p, indent, "except")) {
		const char *hs = p->tok.p;
		int line = p->tok.line;
		enum ag_mv_mode m = raised ? AG_MV_MAYBE : AG_MV_SKIP;
		char *sc;
		int sl;
		ag_mv_advance(p);
		enum ag_mv_mode outer = p->mode;
		if (m == AG_MV_SKIP)
			p->mode = AG_MV_SKIP;
		/* except E as NAME: NAME is bound, then deleted, if it runs */
		p->colon_ends = true;
		p->lambdas = 0;
		while (!ag_mv_at_stmt_end(p) && !(ag_tok_is(&p->tok, "as") && p->tok.depth == 0))
			ag_mv_advance(p);
		char *what = ag_mv_excerpt(p, hs);
		if (ag_tok_is(&p->tok, "as")) {
			ag_mv_advance(p);
			taint_target(p, ":", what, line);
		}
		free(what);
		p->colon_ends = false;
		p->mode = outer;
		push_cond(p, hs, line, &sc, &sl);
		eat_colon(p);
		exec_body(p, indent, m);
		pop_cond(p, sc, sl);
	}
	exec_else(p, indent, raised ? AG_MV_MAYBE : AG_MV_RUN);
	if (clause(p, indent, "finally")) {
		const char *hs = p->tok.p;
		int line = p->tok.line;
		ag_mv_advance(p);
		run_clause(p, indent, AG_MV_RUN, hs, line);
	}
	p->raised = outer_raised || raised;
}

static void exec_with(struct ag_mv *p)
{
	int indent = p->tok.indent;
	const char *hs = p->tok.p;
	int line = p->tok.line;
	ag_mv_advance(p); /* with */
	p->colon_ends = true;
	p->lambdas = 0;
	/* with x as NAME: NAME is what x.__enter__() returns */
	struct ag_strv bound = {0};
	while (!ag_mv_at_stmt_end(p)) {
		if (ag_tok_is(&p->tok, "as")) {
			ag_mv_advance(p);
			int d = p->tok.depth;
			bool open = ag_tok_is(&p->tok, "(") || ag_tok_is(&p->tok, "[");
			do {
				if (p->tok.kind == AG_TOK_NAME && !ag_tok_is(&p->prev, "."))
					ag_strv_push_take(&bound, ag_mv_tok_ident(&p->tok));
				ag_mv_advance(p);
			} while (open && !ag_mv_at_stmt_end(p) && p->tok.depth > d);
			continue;
		}
		ag_mv_advance(p);
	}
	p->colon_ends = false;
	char *what = ag_mv_excerpt(p, hs);
	for (size_t i = 0; i < bound.n; i++)
		ag_mv_taint(p, bound.v[i], what, line);
	free(what);
	ag_strv_free(&bound);
	p->raised = true;
	eat_colon(p);
	exec_body(p, indent, AG_MV_RUN);
}

/* def NAME / async def NAME / class NAME: binds NAME; the body does not
 * run now (a class body does, but binds into the class). */
static void exec_def(struct ag_mv *p)
{
	int indent = p->tok.indent;
	int line = p->tok.line;
	bool decorated = p->decorated;
	if (ag_tok_is(&p->tok, "async"))
		ag_mv_advance(p);
	bool cls = ag_tok_is(&p->tok, "class");
	ag_mv_advance(p);
	char *name = p->tok.kind == AG_TOK_NAME ? ag_mv_tok_ident(&p->tok) : NULL;
	skip_header(p);
	if (name) {
		if (decorated) {
			/* what the decorator returns: only Python knows */
			char *what = ag_printf("@... %s %s", cls ? "class" : "def", name);
			ag_mv_taint(p, name, what, line);
			free(what);
		} else {
			struct ag_mv_val v = {0};
			v.kind = AG_MV_OTHER;
			v.expr = ag_printf("a %s (`%s %s` at line %d)", cls ? "class" : "function",
					   cls ? "class" : "def", name, line);
			ag_mv_bind(p, name, &v, line, false);
			ag_mv_val_free(&v);
		}
	}
	free(name);
	p->raised = true;
	eat_colon(p);
	enum ag_mv_mode outer = p->mode;
	p->mode = AG_MV_SKIP;
	skip_body(p, indent, NULL);
	p->mode = outer;
}

static void bind_import(struct ag_mv *p, const char *name, const char *origin, bool module,
			int line)
{
	struct ag_mv_val v = {0};
	if (module) {
		v.kind = AG_MV_OTHER;
		v.expr = ag_printf("the module %s", origin);
	} else {
		v.kind = AG_MV_UNRESOLVED;
		v.expr = ag_printf("%s (imported)", origin);
	}
	v.origin = ag_strdup(origin);
	ag_mv_bind(p, name, &v, line, false);
	ag_mv_val_free(&v);
}

/* A dotted module name at p->tok (relative dots too), NFKC'd. */
static char *dotted(struct ag_mv *p)
{
	struct ag_buf b = {0};
	ag_buf_adds(&b, "");
	while (p->tok.kind == AG_TOK_NAME || ag_tok_is(&p->tok, ".") || ag_tok_is(&p->tok, "...")) {
		if (ag_tok_is(&p->tok, "import") || ag_tok_is(&p->tok, "as"))
			break;
		char *n = p->tok.kind == AG_TOK_NAME ? ag_mv_tok_ident(&p->tok) : ag_strndup(p->tok.p, p->tok.len);
		ag_buf_adds(&b, n);
		free(n);
		ag_mv_advance(p);
	}
	return ag_buf_take(&b);
}

static void exec_import(struct ag_mv *p)
{
	int line = p->tok.line;
	const char *hs = p->tok.p;
	p->raised = true;
	if (ag_tok_is(&p->tok, "import")) {
		ag_mv_advance(p);
		while (!ag_mv_at_stmt_end(p)) {
			char *mod = dotted(p);
			if (ag_tok_is(&p->tok, "as")) {
				ag_mv_advance(p);
				if (p->tok.kind == AG_TOK_NAME) {
					char *n = ag_mv_tok_ident(&p->tok);
					bind_import(p, n, mod, true, line);
					free(n);
					ag_mv_advance(p);
				}
			} else if (mod[0]) {
				/* import a.b binds a */
				char *first = ag_strndup(mod, strcspn(mod, "."));
				bind_import(p, first, first, true, line);
				free(first);
			}
			free(mod);
			if (!ag_tok_is(&p->tok, ","))
				break;
			ag_mv_advance(p);
		}
		ag_mv_skip_stmt(p);
		return;
	}
	ag_mv_advance(p); /* from */
	char *mod = dotted(p);
	if (ag_tok_is(&p->tok, "import"))
		ag_mv_advance(p);
	if (ag_tok_is(&p->tok, "*")) {
		ag_mv_advance(p);
		/* Only Python knows what it binds: whatever was bound before may be
		 * rebound. (A module is assumed not to export Alembic's names
		 * that the file does not set itself.) */
		char *what = ag_mv_excerpt(p, hs);
		for (int k = 0; k < AG_MV_SLOTS; k++)
			if (p->slots[k].bound)
				ag_mv_taint(p, ag_mv_names[k], what, line);
		for (size_t i = 0; i < p->nlocals; i++)
			if (ag_mv_slot_of(p->locals[i].name) < 0) {
				struct ag_mv_val m;
				ag_mv_maybe_val(&m, p->locals[i].name, what, line);
				ag_mv_val_free(&p->locals[i].v);
				p->locals[i].v = m;
			}
		free(what);
	}
	while (!ag_mv_at_stmt_end(p)) {
		if (p->tok.kind == AG_TOK_NAME && !ag_tok_is(&p->tok, "as")) {
			char *n = ag_mv_tok_ident(&p->tok);
			char *origin = ag_printf("%s.%s", mod, n);
			ag_mv_advance(p);
			if (ag_tok_is(&p->tok, "as")) {
				ag_mv_advance(p);
				if (p->tok.kind == AG_TOK_NAME) {
					free(n);
					n = ag_mv_tok_ident(&p->tok);
					ag_mv_advance(p);
				}
			}
			bind_import(p, n, origin, false, line);
			free(n);
			free(origin);
			continue;
		}
		ag_mv_advance(p);
	}
	free(mod);
}

static void exec_del(struct ag_mv *p)
{
	int line = p->tok.line;
	const char *hs = p->tok.p;
	ag_mv_advance(p);
	struct ag_strv plain = {0}, other = {0};
	while (!ag_mv_at_stmt_end(p)) {
		/* a target that is one name: unbound; any other (x[0], x.y,
		 * (a, b)): its names become unknown */
		bool alone = p->tok.kind == AG_TOK_NAME && p->tok.depth == 0;
		char *n = p->tok.kind == AG_TOK_NAME ? ag_mv_tok_ident(&p->tok) : NULL;
		ag_mv_advance(p);
		if (n && alone && (ag_mv_at_stmt_end(p) || (ag_tok_is(&p->tok, ",") && p->tok.depth == 0)))
			ag_strv_push_take(&plain, n);
		else if (n)
			ag_strv_push_take(&other, n);
		else
			free(n);
		while (!ag_mv_at_stmt_end(p) && !(p->tok.depth == 0 && ag_tok_is(&p->tok, ","))) {
			if (p->tok.kind == AG_TOK_NAME && !ag_tok_is(&p->prev, "."))
				ag_strv_push_take(&other, ag_mv_tok_ident(&p->tok));
			ag_mv_advance(p);
		}
		if (ag_tok_is(&p->tok, ","))
			ag_mv_advance(p);
	}
	char *what = ag_mv_excerpt(p, hs);
	for (size_t i = 0; i < other.n; i++)
		ag_mv_taint(p, other.v[i], what, line);
	free(what);
	for (size_t i = 0; i < plain.n; i++)
		ag_mv_unbind(p, plain.v[i], line);
	ag_strv_free(&plain);
	ag_strv_free(&other);
	p->raised = true;
}

/* `match x:` (a soft keyword): true when the statement at p->tok is one. */
static bool is_match(struct ag_mv *p)
{
	if (!ag_tok_is(&p->tok, "match"))
		return false;
	struct mark *save = mark_here(p);
	enum ag_mv_mode m = p->mode;
	p->mode = AG_MV_SKIP;
	ag_mv_advance(p);
	bool r = !(p->tok.kind == AG_TOK_OP && (ag_tok_is(&p->tok, "=") || ag_tok_is(&p->tok, ".") ||
						 ag_tok_is(&p->tok, ",") || ag_tok_is(&p->tok, ":") ||
						 ag_mv_is_augassign(&p->tok))) &&
		 !ag_mv_at_stmt_end(p);
	bool colon = false;
	while (r && p->tok.kind != AG_TOK_NEWLINE && !ag_mv_at_end(p)) {
		colon = ag_tok_is(&p->tok, ":") && p->tok.depth == 0;
		ag_mv_advance(p);
	}
	bool err = p->error;
	mark_go(p, save);
	free(save);
	p->mode = m;
	p->error = err;
	return r && colon;
}

static void exec_match(struct ag_mv *p)
{
	int indent = p->tok.indent;
	int line = p->tok.line;
	const char *hs = p->tok.p;
	ag_mv_advance(p);
	skip_header(p);
	char *what = ag_mv_excerpt(p, hs);
	eat_colon(p);
	if (p->tok.kind == AG_TOK_NEWLINE)
		ag_mv_advance(p);
	char *sc;
	int sl;
	push_cond(p, hs, line, &sc, &sl);
	while (!ag_mv_at_end(p) && p->tok.indent > indent) {
		int cindent = p->tok.indent;
		ag_mv_advance(p); /* case */
		/* capture patterns bind names */
		p->colon_ends = true;
		p->lambdas = 0;
		while (!ag_mv_at_stmt_end(p)) {
			if (p->tok.kind == AG_TOK_NAME && !ag_tok_is(&p->prev, ".") && !ag_tok_is_keyword(&p->tok)) {
				char *n = ag_mv_tok_ident(&p->tok);
				ag_mv_taint(p, n, what, line);
				free(n);
			}
			ag_mv_advance(p);
		}
		p->colon_ends = false;
		eat_colon(p);
		exec_body(p, cindent, AG_MV_MAYBE);
	}
	pop_cond(p, sc, sl);
	free(what);
	p->raised = true;
}

/* `type X = ...` (3.12, a soft keyword): binds X to a TypeAliasType. */
static bool is_type_alias(struct ag_mv *p)
{
	if (!ag_tok_is(&p->tok, "type"))
		return false;
	struct mark *save = mark_here(p);
	enum ag_mv_mode m = p->mode;
	p->mode = AG_MV_SKIP;
	ag_mv_advance(p);
	bool r = p->tok.kind == AG_TOK_NAME && !ag_tok_is_keyword(&p->tok);
	if (r) {
		ag_mv_advance(p);
		r = ag_tok_is(&p->tok, "=") || ag_tok_is(&p->tok, "[");
	}
	bool err = p->error;
	mark_go(p, save);
	free(save);
	p->mode = m;
	p->error = err;
	return r;
}

/* One statement (p->tok on its first token), the ';' or NEWLINE after a
 * simple one included. */
static void exec_stmt(struct ag_mv *p)
{
	const struct ag_tok *t = &p->tok;
	bool decorated = p->decorated;
	p->decorated = false;
	if (ag_tok_is(t, "if")) {
		exec_if(p);
		return;
	} else if (ag_tok_is(t, "while")) {
		exec_while(p);
		return;
	} else if (ag_tok_is(t, "for")) {
		exec_for(p);
		return;
	} else if (ag_tok_is(t, "try")) {
		exec_try(p);
		return;
	} else if (ag_tok_is(t, "with")) {
		exec_with(p);
		return;
	} else if (ag_tok_is(t, "def") || ag_tok_is(t, "class") || ag_tok_is(t, "async")) {
		p->decorated = decorated;
		exec_def(p);
		p->decorated = false;
		return;
	} else if (ag_tok_is(t, "@")) {
		ag_mv_skip_stmt(p);
		p->decorated = true;
		p->raised = true;
	} else if (ag_tok_is(t, "import") || ag_tok_is(t, "from")) {
		exec_import(p);
	} else if (ag_tok_is(t, "del")) {
		exec_del(p);
	} else if (is_match(p)) {
		exec_match(p);
		return;
	} else if (is_type_alias(p)) {
		int line = t->line;
		ag_mv_advance(p);
		char *n = ag_mv_tok_ident(&p->tok);
		struct ag_mv_val v = {0};
		v.kind = AG_MV_OTHER;
		v.expr = ag_printf("a type alias (`type %s` at line %d)", n, line);
		ag_mv_bind(p, n, &v, line, false);
		ag_mv_val_free(&v);
		free(n);
		ag_mv_skip_stmt(p);
	} else if (ag_tok_is(t, "pass") || ag_tok_is(t, "global") || ag_tok_is(t, "nonlocal")) {
		ag_mv_skip_stmt(p);
	} else if (t->kind == AG_TOK_NAME && !ag_tok_is_keyword(t)) {
		ag_mv_parse_assignment(p);
	} else if (t->kind == AG_TOK_STRING || t->kind == AG_TOK_NUMBER) {
		ag_mv_skip_stmt(p); /* a constant: nothing happens */
	} else {
		/* [a, b] = ..., *a, b = ..., (a) = ..., raise, assert, an
		 * expression: names before an '=' become unknown */
		ag_mv_skip_taint(p, NULL, t->p, t->line);
	}
	/* the NEWLINE is left to the block (a one-line body ends there) */
	ag_mv_skip_stmt(p);
	if (ag_tok_is(&p->tok, ";"))
		ag_mv_advance(p);
}

bool ag_modexec_run(struct ag_script *sc, const char *buf, size_t len,
		    const struct ag_defines *defs)
{
	struct ag_mv p;
	memset(&p, 0, sizeof p);
	p.sc = sc;
	p.defs = defs;
	ag_pyscan_init(&p.s, buf, len);
	ag_mv_advance(&p);
	/* The docstring is a string statement like any (lib/doc reads it). */
	while (!ag_mv_at_end(&p)) {
		if (p.tok.kind == AG_TOK_NEWLINE) {
			ag_mv_advance(&p);
			continue;
		}
		exec_stmt(&p);
	}
	/* A function that declares one of Alembic's names global can rebind
	 * it when called (at import, or never): only Python knows. */
	for (int k = 0; k < AG_MV_SLOTS; k++) {
		if (!p.global_line[k])
			continue;
		char *what = ag_printf("global %s", ag_mv_names[k]);
		ag_mv_taint(&p, ag_mv_names[k], what, p.global_line[k]);
		free(what);
	}
	/* After an error, what was bound before it (repair edits such files
	 * too; the error itself is the finding that blocks). */
	for (int k = 0; k < AG_MV_SLOTS; k++)
		ag_mv_apply_slot(&p, k);
	for (int k = 0; k < AG_MV_SLOTS; k++)
		ag_mv_val_free(&p.slots[k].v);
	for (size_t i = 0; i < p.nlocals; i++) {
		free(p.locals[i].name);
		ag_mv_val_free(&p.locals[i].v);
	}
	free(p.locals);
	free(p.cond);
	return !p.error;
}
