#include "modexec.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <uninorm.h>

#include "pyscan.h"

/* ---- values ---------------------------------------------------------- */

enum vkind {
	V_STR,        /* items.v[0] */
	V_NONE,       /* None */
	V_SEQ,        /* tuple or list of str: items */
	V_OTHER,      /* a known value that is not a str (number, bytes, True, a function...) */
	V_UNRESOLVED, /* an expression only Python could evaluate: expr */
};

struct val {
	enum vkind kind;
	struct ag_strv items;
	char *expr;   /* V_UNRESOLVED: the name or a short excerpt; V_OTHER: what it is */
	bool is_name; /* V_UNRESOLVED: expr is a plain (dotted) name */
	bool list;    /* V_SEQ: a list (mutable, `+=` takes any iterable), not a tuple */
	char quote;
	char *cond;    /* NULL, or the construct that may or may not have set it */
	int cond_line;
	char *origin;  /* NULL, or what an import bound: "typing", "typing.TYPE_CHECKING" */
};

static void val_free(struct val *v)
{
	ag_strv_free(&v->items);
	free(v->expr);
	free(v->cond);
	free(v->origin);
	memset(v, 0, sizeof *v);
}

static void val_copy(struct val *dst, const struct val *src)
{
	memset(dst, 0, sizeof *dst);
	dst->kind = src->kind;
	ag_strv_copy(&dst->items, &src->items);
	dst->expr = src->expr ? ag_strdup(src->expr) : NULL;
	dst->is_name = src->is_name;
	dst->list = src->list;
	dst->quote = src->quote;
	dst->cond = src->cond ? ag_strdup(src->cond) : NULL;
	dst->cond_line = src->cond_line;
	dst->origin = src->origin ? ag_strdup(src->origin) : NULL;
}

/* What a display with an element that is not a str is (so: not empty). */
#define NONSTR_SEQ "a sequence with an element that is not a str"
#define NONSTR_TUPLE "a tuple with an element that is not a str"

/* Module-level names bound so far, for names used in later expressions. */
struct local {
	char *name;
	struct val v;
};

/* The names Alembic reads from the module, in this order. */
static const char *const ALEMBIC_NAMES[] = {"revision", "down_revision", "branch_labels",
					    "depends_on"};
enum { N_SLOTS = 4 };

/* The binding a name Alembic reads has when the module has run. */
struct slot {
	bool bound;
	struct val v;
	int line;
	bool annotated;
};

/* How a block runs: surely, maybe (only Python decides), or not at all. */
enum mode { M_RUN, M_MAYBE, M_SKIP };

/* Work allowed for unrolled `for` loops, in tokens: a literal sequence of
 * many elements around a long body is run as `maybe` instead. */
#define LOOP_BUDGET 2000000u

struct parser {
	struct ag_pyscan s;
	struct ag_tok tok;
	struct ag_tok prev; /* the token before tok (walrus targets) */
	struct ag_script *sc;
	const struct ag_defines *defs;
	struct local *locals;
	size_t nlocals, caplocals;
	struct slot slots[N_SLOTS];
	bool error;       /* the file cannot load (a tokenizer error, a failed unpacking): reported */
	enum mode mode;   /* of the block being read */
	char *cond;       /* M_MAYBE: the construct that decides (malloced), and its line */
	int cond_line;
	bool colon_ends;  /* a header: a ':' outside brackets ends the expression */
	int lambdas;      /* lambdas of the header still waiting for their ':' */
	bool lambda_colon; /* tok is a lambda's ':', not the header's */
	bool raised;      /* a statement read so far may raise (for `try`) */
	bool decorated;   /* the statement before was a decorator */
	unsigned long work; /* tokens read, against LOOP_BUDGET */
	unsigned long loop_mult; /* iterations of the enclosing unrolled loops */
	int global_line[N_SLOTS]; /* a `global NAME` in a function body */
};

static int slot_of(const char *name)
{
	for (int i = 0; i < N_SLOTS; i++)
		if (strcmp(ALEMBIC_NAMES[i], name) == 0)
			return i;
	return -1;
}

char *ag_modexec_ident(const char *name, size_t n)
{
	bool ascii = true;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)name[i] >= 0x80)
			ascii = false;
	if (ascii)
		return ag_strndup(name, n);
	/* Python: unicodedata.normalize("NFKC", name) for every non-ASCII
	 * identifier (PEP 3131). The tokenizer has checked the UTF-8. */
	size_t outlen = 0;
	uint8_t *out = u8_normalize(UNINORM_NFKC, (const uint8_t *)name, n, NULL, &outlen);
	if (!out)
		return ag_strndup(name, n);
	char *r = ag_strndup((const char *)out, outlen);
	free(out);
	return r;
}

static char *tok_ident(const struct ag_tok *t)
{
	return ag_modexec_ident(t->p, t->len);
}

static void taint(struct parser *p, const char *name, const char *what, int line);

static void advance(struct parser *p)
{
	p->prev = p->tok;
	ag_pyscan_next(&p->s, &p->tok);
	p->work++;
	p->lambda_colon = false;
	if (p->tok.kind == AG_TOK_ERROR && !p->error) {
		p->error = true;
		ag_findings_add(&p->sc->findings, AG_SEV_ERROR, "parse-error", NULL, p->sc->path,
				p->tok.line, "%s: %.*s (column %d); Python, and so Alembic, cannot load this file",
				p->sc->name, (int)p->tok.len, p->tok.p, p->tok.col);
		return;
	}
	if (p->colon_ends && p->tok.depth == 0 && p->tok.kind == AG_TOK_NAME &&
	    ag_tok_is(&p->tok, "lambda"))
		p->lambdas++;
	if (p->colon_ends && p->tok.depth == 0 && ag_tok_is(&p->tok, ":") && p->lambdas > 0) {
		p->lambdas--;
		p->lambda_colon = true;
	}
	/* NAME := value binds NAME in the module, wherever it stands (but in
	 * a comprehension's own scope... which at module level is the module). */
	if (ag_tok_is(&p->tok, ":=") && p->prev.kind == AG_TOK_NAME && p->mode != M_SKIP) {
		char *n = tok_ident(&p->prev);
		char *what = ag_printf("%s := ...", n);
		taint(p, n, what, p->tok.line);
		free(what);
		free(n);
	}
}

static bool at_stmt_end(const struct parser *p)
{
	const struct ag_tok *t = &p->tok;
	return t->kind == AG_TOK_NEWLINE || t->kind == AG_TOK_EOF || t->kind == AG_TOK_ERROR ||
	       (t->kind == AG_TOK_OP && t->depth == 0 && ag_tok_is(t, ";")) ||
	       (p->colon_ends && t->kind == AG_TOK_OP && t->depth == 0 && ag_tok_is(t, ":") &&
		!p->lambda_colon);
}

static bool at_end(const struct parser *p)
{
	return p->tok.kind == AG_TOK_EOF || p->tok.kind == AG_TOK_ERROR;
}

static void skip_stmt(struct parser *p)
{
	while (!at_stmt_end(p))
		advance(p);
}

static struct local *local_find(const struct parser *p, const char *name)
{
	for (size_t i = p->nlocals; i-- > 0;)
		if (strcmp(p->locals[i].name, name) == 0)
			return &p->locals[i];
	return NULL;
}

static const struct val *local_get(const struct parser *p, const char *name)
{
	struct local *l = local_find(p, name);
	return l ? &l->v : NULL;
}

static void local_set(struct parser *p, const char *name, const struct val *v)
{
	struct local *l = local_find(p, name);
	if (l) {
		val_free(&l->v);
		val_copy(&l->v, v);
		return;
	}
	ag_grow((void **)&p->locals, &p->caplocals, p->nlocals + 1, sizeof *p->locals);
	p->locals[p->nlocals].name = ag_strdup(name);
	val_copy(&p->locals[p->nlocals].v, v);
	p->nlocals++;
}

static void local_del(struct parser *p, const char *name)
{
	struct local *l = local_find(p, name);
	if (!l)
		return;
	free(l->name);
	val_free(&l->v);
	*l = p->locals[--p->nlocals];
}

static bool is_keyword(const struct ag_tok *t)
{
	static const char *const kw[] = {"False", "None", "True", "and", "as", "assert", "async",
					 "await", "break", "class", "continue", "def", "del", "elif",
					 "else", "except", "finally", "for", "from", "global", "if",
					 "import", "in", "is", "lambda", "nonlocal", "not", "or", "pass",
					 "raise", "return", "try", "while", "with", "yield"};
	for (size_t i = 0; i < AG_ARRAY_LEN(kw); i++)
		if (ag_tok_is(t, kw[i]))
			return true;
	return false;
}

static void unresolved(struct val *v, const char *text, size_t len, bool is_name)
{
	val_free(v);
	v->kind = V_UNRESOLVED;
	if (len > 80) {
		/* Cut on a character boundary: the excerpt goes into messages
		 * and JSON, and the tokenizer has checked the source is UTF-8. */
		len = 80;
		while (len > 0 && ((unsigned char)text[len] & 0xc0) == 0x80)
			len--;
	}
	v->expr = ag_strndup(text, len);
	for (char *c = v->expr; *c; c++)
		if (*c == '\n' || *c == '\r' || *c == '\t')
			*c = ' ';
	v->is_name = is_name;
}

/* True for a b'' literal (any prefix with a 'b'). */
static bool is_bytes(const struct ag_tok *t)
{
	for (size_t i = 0; i < t->len && t->p[i] != '\'' && t->p[i] != '"'; i++)
		if ((t->p[i] | 0x20) == 'b')
			return true;
	return false;
}

/*
 * The source text from start to the end of the current token, for an
 * excerpt. Error tokens point at a static message and EOF at the end, so
 * the scanner's position bounds the excerpt instead: it never leaves the
 * buffer.
 */
static size_t span_to_tok(const struct parser *p, const char *start)
{
	const struct ag_tok *t = &p->tok;
	const char *end = p->s.cur;
	if (t->kind != AG_TOK_ERROR && t->kind != AG_TOK_EOF && t->p >= p->s.buf &&
	    t->p + t->len <= p->s.end)
		end = t->p + t->len;
	if (!start || start < p->s.buf || end < start)
		return 0;
	return (size_t)(end - start);
}

/* One element: a str literal (implicitly concatenated), None, a name, or
 * anything else (which makes the value unresolved). Leaves p->tok on the
 * first token after the element. */
static void parse_atom(struct parser *p, struct val *v)
{
	memset(v, 0, sizeof *v);
	struct ag_tok first = p->tok;
	if (at_stmt_end(p)) {
		/* `revision =` and nothing: Python refuses the file. */
		v->kind = V_OTHER;
		v->expr = ag_strdup("nothing");
		return;
	}
	if (first.kind == AG_TOK_STRING) {
		struct ag_buf b = {0};
		int ok = 1;
		v->quote = first.p[first.len - 1];
		while (p->tok.kind == AG_TOK_STRING) {
			int r = ag_pyscan_string(&p->tok, &b);
			if (r < 1)
				ok = r;
			advance(p);
		}
		if (ok == 1) {
			v->kind = V_STR;
			ag_strv_push_take(&v->items, ag_buf_take(&b));
		} else if (ok == 0 && is_bytes(&first)) {
			/* A known value, but bytes: Alembic needs a str. */
			v->kind = V_OTHER;
			v->expr = ag_strdup("a bytes literal");
		} else if (ok == 0) {
			/* an f-string with fields, or \N{...}: only Python knows the value */
			unresolved(v, first.p, first.len, false);
		} else {
			v->kind = V_OTHER;
			v->expr = ag_strdup("a string with a malformed escape");
		}
		ag_buf_free(&b);
		return;
	}
	if (ag_tok_is(&first, "None")) {
		v->kind = V_NONE;
		advance(p);
		return;
	}
	if (first.kind == AG_TOK_NUMBER || ag_tok_is(&first, "True") || ag_tok_is(&first, "False")) {
		v->kind = V_OTHER;
		v->expr = ag_strndup(first.p, first.len);
		advance(p);
		return;
	}
	if (first.kind == AG_TOK_NAME && !is_keyword(&first)) {
		/* A (dotted) name: look it up. */
		struct ag_buf name = {0};
		ag_buf_adds(&name, "");
		char *id = tok_ident(&first);
		ag_buf_adds(&name, id);
		free(id);
		advance(p);
		while (ag_tok_is(&p->tok, ".")) {
			advance(p);
			if (p->tok.kind != AG_TOK_NAME)
				break;
			ag_buf_addc(&name, '.');
			id = tok_ident(&p->tok);
			ag_buf_adds(&name, id);
			free(id);
			advance(p);
		}
		const struct val *lv = strchr(name.p, '.') ? NULL : local_get(p, name.p);
		const char *dv = ag_defines_get(p->defs, name.p);
		if (dv) {
			v->kind = V_STR;
			ag_strv_push(&v->items, dv);
		} else if (lv) {
			val_copy(v, lv);
		} else {
			unresolved(v, name.p, name.len, true);
		}
		ag_buf_free(&name);
		return;
	}
	if (ag_tok_is(&first, "(") || ag_tok_is(&first, "[")) {
		const char *closer = ag_tok_is(&first, "(") ? ")" : "]";
		bool paren = closer[0] == ')';
		advance(p);
		v->kind = V_SEQ;
		v->list = !paren;
		bool comma = false;
		size_t n = 0;
		struct val only = {0}; /* the first element, for (x) == x */
		while (!ag_tok_is(&p->tok, closer) && p->tok.kind != AG_TOK_EOF &&
		       p->tok.kind != AG_TOK_ERROR) {
			struct val e;
			parse_atom(p, &e);
			if (++n == 1)
				val_copy(&only, &e);
			if (v->kind == V_SEQ) {
				if (e.kind == V_STR) {
					ag_strv_push(&v->items, e.items.v[0]);
					if (!v->quote)
						v->quote = e.quote;
				} else if (paren && n == 1 && !ag_tok_is(&p->tok, ",")) {
					/* maybe (x): decided at the closing bracket */
				} else if (e.kind == V_UNRESOLVED) {
					val_free(v);
					val_copy(v, &e);
				} else {
					val_free(v);
					v->kind = V_OTHER;
					v->expr = ag_strdup(NONSTR_SEQ);
				}
			}
			val_free(&e);
			if (ag_tok_is(&p->tok, ",")) {
				comma = true;
				advance(p);
				continue;
			}
			if (!ag_tok_is(&p->tok, closer)) {
				/* An operator or a call inside the brackets: the
				 * excerpt runs to the closing bracket. */
				while (!(ag_tok_is(&p->tok, closer) && p->tok.depth == first.depth + 1) &&
				       p->tok.kind != AG_TOK_EOF && p->tok.kind != AG_TOK_ERROR)
					advance(p);
				unresolved(v, first.p, span_to_tok(p, first.p), false);
				break;
			}
		}
		if (ag_tok_is(&p->tok, closer))
			advance(p);
		/* (x) without a comma is x itself. */
		if (paren && !comma && n == 1 && v->kind != V_UNRESOLVED) {
			val_free(v);
			*v = only;
			return;
		}
		val_free(&only);
		return;
	}
	/* Anything else: an operator, a lambda, a call... */
	unresolved(v, first.p, first.len, false);
	advance(p);
}

/* value := atom (',' atom)* [','], then the statement must end. */
static void parse_value(struct parser *p, struct val *v)
{
	const char *start = p->tok.p;
	parse_atom(p, v);
	if (ag_tok_is(&p->tok, ",")) {
		struct val seq = {0};
		seq.kind = V_SEQ;
		seq.quote = v->quote;
		bool first = true;
		for (;;) {
			if (!first) {
				if (at_stmt_end(p) || ag_tok_is(&p->tok, "="))
					break;
				parse_atom(p, v);
			}
			first = false;
			if (seq.kind == V_SEQ) {
				if (v->kind == V_STR) {
					ag_strv_push(&seq.items, v->items.v[0]);
				} else if (v->kind == V_UNRESOLVED) {
					val_free(&seq);
					val_copy(&seq, v);
				} else {
					val_free(&seq);
					seq.kind = V_OTHER;
					seq.expr = ag_strdup(NONSTR_TUPLE);
				}
			}
			val_free(v);
			if (!ag_tok_is(&p->tok, ","))
				break;
			advance(p);
		}
		*v = seq;
	}
	if (!at_stmt_end(p) && !ag_tok_is(&p->tok, "=")) {
		/* "a" + "b", x.format(...), f(...): only Python knows. The
		 * excerpt is the whole expression. */
		size_t n = 0;
		while (!at_stmt_end(p)) {
			n = span_to_tok(p, start);
			advance(p);
		}
		unresolved(v, start, n, false); /* not a name even if it starts with one */
	}
}

static void set_list(struct ag_strv *dst, const struct val *v)
{
	ag_strv_free(dst);
	if (v->kind == V_STR || v->kind == V_SEQ)
		ag_strv_copy(dst, &v->items);
}

static void report_value(struct parser *p, const char *var, const struct val *v, int line)
{
	struct ag_script *sc = p->sc;
	if (v->kind == V_UNRESOLVED && v->cond) {
		struct ag_finding *f = ag_findings_add(
			&sc->findings, AG_SEV_ERROR, "unresolved-value", sc->revision, sc->path,
			v->cond_line ? v->cond_line : line,
			"%s: %s may be set by `%s` (line %d), whose effect only running Python knows",
			sc->name, var, v->cond, v->cond_line ? v->cond_line : line);
		ag_finding_fix(f, "set %s with a plain module-level assignment of a literal, outside "
				  "`%s`",
			       var, v->cond);
	} else if (v->kind == V_UNRESOLVED) {
		struct ag_finding *f = ag_findings_add(
			&sc->findings, AG_SEV_ERROR, "unresolved-value", sc->revision, sc->path, line,
			"%s sets %s to `%s`, which cannot be known without running Python", sc->name, var,
			v->expr);
		if (v->is_name)
			ag_finding_fix(f, "pass --define %s=VALUE (or set `define` in the [alembic-guard] "
					  "settings), or write the value as a literal",
				       v->expr);
		else
			ag_finding_fix(f, "write %s as a string literal, a tuple of string literals or None",
				       var);
	} else if (v->kind == V_OTHER) {
		ag_findings_add(&sc->findings, AG_SEV_ERROR, "parse-error", sc->revision, sc->path, line,
				"%s sets %s to %s; Alembic needs a str, a tuple of str, or None", sc->name,
				var, v->expr ? v->expr : "a value that is not a str");
	}
}

/* The final binding of one of the names Alembic reads, into the script. */
static void apply_slot(struct parser *p, int k)
{
	struct ag_script *sc = p->sc;
	const struct slot *s = &p->slots[k];
	if (!s->bound)
		return;
	const struct val *v = &s->v;
	int line = s->line;
	if (k == 0) {
		free(sc->revision);
		sc->revision = NULL;
		sc->revision_line = line;
		sc->annotated = s->annotated;
		if (v->kind == V_STR) {
			sc->revision = ag_strdup(v->items.v[0]);
			sc->quote = v->quote;
		} else if (v->kind == V_NONE || v->kind == V_SEQ) {
			ag_findings_add(&sc->findings, AG_SEV_ERROR, "parse-error", NULL, sc->path, line,
					"%s sets revision to %s; a revision id must be a str", sc->name,
					v->kind == V_NONE ? "None" : "a sequence");
		} else {
			report_value(p, "revision", v, line);
		}
	} else if (k == 1) {
		sc->has_down = true;
		sc->down_line = line;
		sc->down_known = v->kind == V_STR || v->kind == V_NONE || v->kind == V_SEQ;
		set_list(&sc->down, v);
		/* '' and () are bases, as in Alembic (tuple_rev_as_scalar). */
		sc->down_empty_str = sc->down.n == 1 && sc->down.v[0][0] == '\0' && v->kind == V_STR;
		if (sc->down_empty_str)
			ag_strv_free(&sc->down);
		report_value(p, "down_revision", v, line);
	} else if (k == 2) {
		sc->labels_line = line;
		set_list(&sc->labels, v);
		report_value(p, "branch_labels", v, line);
	} else {
		sc->depends_line = line;
		set_list(&sc->depends, v);
		report_value(p, "depends_on", v, line);
	}
}

/* A value that may or may not have been set by the construct in p->cond. */
static void maybe_val(struct val *v, const char *name, const char *cond, int cond_line)
{
	memset(v, 0, sizeof *v);
	v->kind = V_UNRESOLVED;
	v->expr = ag_strdup(name);
	v->cond = ag_strdup(cond ? cond : "code only Python runs");
	v->cond_line = cond_line;
}

static void bind_raw(struct parser *p, const char *name, const struct val *v, int line,
		     bool annotated)
{
	local_set(p, name, v);
	int k = slot_of(name);
	if (k >= 0) {
		struct slot *s = &p->slots[k];
		val_free(&s->v);
		val_copy(&s->v, v);
		s->bound = true;
		s->line = line;
		s->annotated = annotated;
	}
}

/* NAME = v, as the current block runs it. */
static void bind(struct parser *p, const char *name, const struct val *v, int line, bool annotated)
{
	if (p->mode == M_SKIP)
		return;
	if (p->mode == M_MAYBE) {
		struct val m;
		maybe_val(&m, name, p->cond, p->cond_line);
		bind_raw(p, name, &m, line, annotated);
		val_free(&m);
		return;
	}
	bind_raw(p, name, v, line, annotated);
}

/* NAME is rebound by something only Python evaluates (what, at line). Only
 * names we track matter: the ones Alembic reads, and known locals. */
static void taint(struct parser *p, const char *name, const char *what, int line)
{
	if (p->mode == M_SKIP || (slot_of(name) < 0 && !local_get(p, name)))
		return;
	struct val m;
	maybe_val(&m, name, what, line);
	bind_raw(p, name, &m, line, false);
	val_free(&m);
}

/* del NAME */
static void unbind(struct parser *p, const char *name, int line)
{
	if (p->mode == M_SKIP)
		return;
	if (p->mode == M_MAYBE) {
		taint(p, name, p->cond, p->cond_line);
		return;
	}
	(void)line;
	local_del(p, name);
	int k = slot_of(name);
	if (k >= 0) {
		val_free(&p->slots[k].v);
		p->slots[k].bound = false;
	}
}

/* True for an augmented assignment operator (+=, -=, ..., not ==/<=). */
static bool is_augassign(const struct ag_tok *t)
{
	static const char *const ops[] = {"+=", "-=", "*=", "/=", "//=", "%=", "@=", "&=",
					  "|=", "^=", ">>=", "<<=", "**="};
	for (size_t i = 0; i < AG_ARRAY_LEN(ops); i++)
		if (ag_tok_is(t, ops[i]))
			return true;
	return false;
}

/* The source from start to the current token, for a message: one line,
 * at most about 60 bytes (cut on a character boundary). */
static char *excerpt(const struct parser *p, const char *start)
{
	const char *end = p->s.cur;
	if (p->tok.kind != AG_TOK_ERROR && p->tok.p >= p->s.buf && p->tok.p <= p->s.end)
		end = p->tok.p;
	if (!start || start < p->s.buf || start > end)
		return ag_strdup("code only Python runs");
	size_t n = (size_t)(end - start);
	bool cut = false;
	if (n > 60) {
		n = 60;
		while (n > 0 && ((unsigned char)start[n] & 0xc0) == 0x80)
			n--;
		cut = true;
	}
	while (n && (start[n - 1] == ' ' || start[n - 1] == '\t' || start[n - 1] == '\n' ||
		     start[n - 1] == '\r' || start[n - 1] == '\\'))
		n--;
	char *r = ag_printf("%.*s%s", (int)n, start, cut ? "..." : "");
	for (char *c = r; *c; c++)
		if (*c == '\n' || *c == '\r' || *c == '\t' || *c == '\f')
			*c = ' ';
	return r;
}

/*
 * Skips the rest of a statement whose form we do not evaluate (a target
 * with a subscript, an attribute, a star or brackets; an expression): every
 * name that stands before an `=` outside brackets may be rebound, so the
 * tracked ones become unresolved. pre: names already read as targets.
 */
static void skip_taint(struct parser *p, const struct ag_strv *pre, const char *start, int line)
{
	struct ag_strv seen = {0};
	struct ag_strv eqs = {0}; /* for seen[i]: "1" when an '=' came after it */
	if (pre)
		for (size_t i = 0; i < pre->n; i++) {
			ag_strv_push(&seen, pre->v[i]);
			ag_strv_push(&eqs, "0");
		}
	while (!at_stmt_end(p)) {
		const struct ag_tok *t = &p->tok;
		if (t->depth == 0 && (ag_tok_is(t, "=") || is_augassign(t))) {
			for (size_t i = 0; i < eqs.n; i++)
				eqs.v[i][0] = '1';
		} else if (t->kind == AG_TOK_NAME && !ag_tok_is(&p->prev, ".")) {
			char *n = tok_ident(t);
			if (slot_of(n) >= 0 || local_get(p, n)) {
				ag_strv_push_take(&seen, n);
				ag_strv_push(&eqs, "0");
			} else {
				free(n);
			}
		}
		advance(p);
	}
	char *what = excerpt(p, start);
	for (size_t i = 0; i < seen.n; i++)
		if (eqs.v[i][0] == '1')
			taint(p, seen.v[i], what, line);
	free(what);
	ag_strv_free(&seen);
	ag_strv_free(&eqs);
	p->raised = true;
}

/*
 * NAME, NAME ... = value, value ...: each target gets its element, as
 * Python unpacks a tuple. p->tok is on the ',' after the first target. A
 * target that is not a plain name, or a value side that is not a list of
 * elements, leaves every named target unresolved; a count that does not
 * match is the ValueError Python raises on import.
 */
static void parse_unpacking(struct parser *p, struct ag_strv *targets, const char *start0, int line)
{
	const char *lhs = targets->v[0];
	while (ag_tok_is(&p->tok, ",") && p->tok.depth == 0) {
		advance(p);
		if (ag_tok_is(&p->tok, "="))
			break; /* a, = value */
		if (p->tok.kind != AG_TOK_NAME || is_keyword(&p->tok)) {
			skip_taint(p, targets, start0, line); /* a, b.c = ...: the names become unknown */
			return;
		}
		ag_strv_push_take(targets, tok_ident(&p->tok));
		advance(p);
	}
	if (!ag_tok_is(&p->tok, "=")) {
		skip_taint(p, targets, start0, line);
		return;
	}
	advance(p);
	const char *start = p->tok.p;
	struct val *vals = ag_calloc(targets->n + 1, sizeof *vals);
	size_t n = 0;
	bool plain = true;
	/* The values may stand in brackets: (a, b) and [a, b] unpack alike. */
	int level = 0;
	char closer = 0;
	bool seq = false; /* a tuple or list display, not one object */
	if (ag_tok_is(&p->tok, "(") || ag_tok_is(&p->tok, "[")) {
		closer = *p->tok.p == '(' ? ')' : ']';
		seq = closer == ']'; /* a list display, even of one */
		level = 1;
		advance(p);
	}
	for (;;) {
		bool end = closer ? (p->tok.kind == AG_TOK_OP && p->tok.len == 1 &&
				     *p->tok.p == closer && p->tok.depth == level)
				  : at_stmt_end(p);
		if (end || !plain || p->tok.kind == AG_TOK_ERROR || p->tok.kind == AG_TOK_EOF)
			break;
		struct val v;
		parse_atom(p, &v);
		if (n < targets->n)
			vals[n] = v;
		else
			val_free(&v);
		n++;
		if (ag_tok_is(&p->tok, ",") && p->tok.depth == level) {
			seq = true;
			advance(p);
		} else if (closer ? !(p->tok.kind == AG_TOK_OP && p->tok.len == 1 && *p->tok.p == closer)
				: !at_stmt_end(p))
			plain = false; /* an expression, or a chained `=` */
	}
	if (closer && plain) {
		advance(p); /* the closing bracket */
		if (!at_stmt_end(p))
			plain = false; /* (a, b) + c */
	}
	struct val unknown = {0};
	/* One object, not a display ("abc", ("abc"), None, x): Python
	 * iterates it (a str into its characters), which only running it
	 * tells. */
	if (plain && !seq)
		plain = false;
	if (!plain) {
		skip_stmt(p);
		/* The excerpt runs to the statement's end (NEWLINE, ';' or EOF
		 * point there), trailing blanks cut. */
		size_t len = 0;
		if (p->tok.kind != AG_TOK_ERROR && p->tok.p >= start && p->tok.p <= p->s.end)
			len = (size_t)(p->tok.p - start);
		while (len && (start[len - 1] == ' ' || start[len - 1] == '\t'))
			len--;
		unresolved(&unknown, start, len, false);
	}
	if (plain && n != targets->n && !p->error) {
		ag_findings_add(&p->sc->findings, AG_SEV_ERROR, "parse-error", NULL, p->sc->path, line,
				"%s unpacks %zu value%s into %zu names (%s, ...); Python stops with "
				"ValueError when Alembic loads the file",
				p->sc->name, n, n == 1 ? "" : "s", targets->n, lhs);
		p->error = true; /* the file does not load: nothing else in it counts */
	} else {
		for (size_t i = 0; i < targets->n && !p->error; i++)
			bind(p, targets->v[i], plain ? &vals[i] : &unknown, line, false);
	}
	for (size_t i = 0; i < targets->n; i++)
		val_free(&vals[i]);
	free(vals);
	val_free(&unknown);
	skip_stmt(p);
}

/* The characters of s (code points, as Python iterates a str). */
static void push_chars(struct ag_strv *out, const char *s)
{
	while (*s) {
		size_t n = 1;
		while (((unsigned char)s[n] & 0xc0) == 0x80)
			n++;
		ag_strv_push_take(out, ag_strndup(s, n));
		s += n;
	}
}

/* NAME += value (and the other augmented operators, which only `+=` of a
 * str, a tuple or a list evaluates). p->tok is on the operator. */
static void parse_augmented(struct parser *p, const char *name, const char *start, int line)
{
	bool plus = ag_tok_is(&p->tok, "+=");
	advance(p);
	struct val rhs, res;
	memset(&res, 0, sizeof res);
	parse_value(p, &rhs);
	const struct val *cur = local_get(p, name);
	if (ag_tok_is(&p->tok, "=") || !plus || !cur || cur->kind == V_UNRESOLVED ||
	    rhs.kind == V_UNRESOLVED) {
		skip_stmt(p);
		char *what = excerpt(p, start);
		unresolved(&res, what, strlen(what), false);
		free(what);
		p->raised = true;
	} else if (cur->kind == V_STR && rhs.kind == V_STR) {
		res.kind = V_STR;
		res.quote = cur->quote;
		ag_strv_push_take(&res.items, ag_printf("%s%s", cur->items.v[0], rhs.items.v[0]));
	} else if (cur->kind == V_SEQ && (rhs.kind == V_SEQ || (cur->list && rhs.kind == V_STR))) {
		/* tuple += tuple; list += any iterable (a str: its characters) */
		if (!cur->list && rhs.list) {
			res.kind = V_OTHER;
			res.expr = ag_strdup("a tuple `+=` a list (TypeError)");
		} else {
			val_copy(&res, cur);
			free(res.cond);
			res.cond = NULL;
			if (rhs.kind == V_STR)
				push_chars(&res.items, rhs.items.v[0]);
			else
				for (size_t i = 0; i < rhs.items.n; i++)
					ag_strv_push(&res.items, rhs.items.v[i]);
		}
	} else {
		res.kind = V_OTHER;
		res.expr = ag_strdup("the result of a `+=` that is not a str or a sequence of str "
				     "(or a TypeError)");
	}
	bind(p, name, &res, line, false);
	val_free(&rhs);
	val_free(&res);
	skip_stmt(p);
}

/* A statement that starts with a name: NAME [: annotation] = value,
 * NAME = NAME = ... = value, NAME, NAME = ..., NAME += value, or any other
 * statement (NAME[0] = ..., NAME.append(...), f(...)). */
static void parse_assignment(struct parser *p)
{
	struct ag_strv targets = {0};
	const char *start = p->tok.p;
	int line = p->tok.line;
	bool annotated = false;
	ag_strv_push_take(&targets, tok_ident(&p->tok));
	advance(p);
	if (ag_tok_is(&p->tok, ",") && p->tok.depth == 0) {
		parse_unpacking(p, &targets, start, line);
		ag_strv_free(&targets);
		return;
	}
	if (is_augassign(&p->tok)) {
		parse_augmented(p, targets.v[0], start, line);
		ag_strv_free(&targets);
		return;
	}
	if (ag_tok_is(&p->tok, ":")) {
		annotated = true;
		while (!at_stmt_end(p) && !(ag_tok_is(&p->tok, "=") && p->tok.depth == 0))
			advance(p);
		if (!ag_tok_is(&p->tok, "=")) {
			/* `revision: str` alone binds nothing. */
			ag_strv_free(&targets);
			return;
		}
	} else if (!ag_tok_is(&p->tok, "=")) {
		/* NAME[0] = ..., NAME.x = ..., NAME.append(...), f(...): a list
		 * changed in place, or a target only Python evaluates. */
		const struct val *lv = local_get(p, targets.v[0]);
		bool mutates = lv && lv->kind == V_SEQ && lv->list && ag_tok_is(&p->tok, ".");
		skip_taint(p, &targets, start, line);
		if (mutates) {
			char *what = excerpt(p, start);
			taint(p, targets.v[0], what, line);
			free(what);
		}
		ag_strv_free(&targets);
		return;
	}
	advance(p); /* '=' */
	struct val v;
	for (;;) {
		struct ag_tok before = p->tok;
		parse_value(p, &v);
		if (ag_tok_is(&p->tok, "=") && before.kind == AG_TOK_NAME && !annotated) {
			/* a = b = value: b is another target. */
			ag_strv_push_take(&targets, tok_ident(&before));
			val_free(&v);
			advance(p);
			continue;
		}
		break;
	}
	if (ag_tok_is(&p->tok, "=")) {
		/* Something like x = (a, b) = ...: not a form migrations use. */
		const char *what = "a chained assignment";
		unresolved(&v, what, strlen(what), false);
	}
	if (v.kind == V_UNRESOLVED)
		p->raised = true;
	/* After a tokenizer error the statement is cut short: the parse-error
	 * already says what is wrong, and the value would only mislead. */
	for (size_t i = 0; i < targets.n && !p->error; i++)
		bind(p, targets.v[i], &v, line, annotated);
	val_free(&v);
	ag_strv_free(&targets);
	skip_stmt(p);
}

/* Reads "Revision ID:" and "Revises:" from the module docstring. */
static void parse_docstring(struct ag_script *sc, const char *text, int line0)
{
	int line = line0;
	const char *p = text;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		while (n && (*p == ' ' || *p == '\t')) {
			p++;
			n--;
		}
		while (n && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r'))
			n--;
		if (n >= 12 && strncmp(p, "Revision ID:", 12) == 0 && !sc->doc_revision) {
			const char *v = p + 12;
			size_t vn = n - 12;
			while (vn && *v == ' ') {
				v++;
				vn--;
			}
			sc->doc_revision = ag_strndup(v, vn);
			sc->doc_revision_line = line;
		} else if (n >= 8 && strncmp(p, "Revises:", 8) == 0 && !sc->has_doc_revises) {
			sc->has_doc_revises = true;
			sc->doc_revises_line = line;
			const char *v = p + 8, *end = p + n;
			while (v < end) {
				while (v < end && (*v == ' ' || *v == ',' || *v == '\t'))
					v++;
				const char *e = v;
				while (e < end && *e != ',' && *e != ' ')
					e++;
				if (e > v)
					ag_strv_push_take(&sc->doc_revises, ag_strndup(v, (size_t)(e - v)));
				v = e;
			}
		}
		if (!nl)
			break;
		p = nl + 1;
		line++;
	}
}
/* ---- statements --------------------------------------------------------- */

static void exec_stmt(struct parser *p);

/* Truth of a known value: 1, 0, or -1 when only Python knows. */
static int truth(const struct parser *p, const struct val *v)
{
	switch (v->kind) {
	case V_STR:
		return v->items.v[0][0] != '\0';
	case V_NONE:
		return 0;
	case V_SEQ:
		return v->items.n > 0;
	case V_OTHER:
	case V_UNRESOLVED:
		break;
	}
	/* TYPE_CHECKING is False when the program runs (typing's docs). */
	if (v->origin && (strcmp(v->origin, "typing.TYPE_CHECKING") == 0 ||
			  strcmp(v->origin, "typing_extensions.TYPE_CHECKING") == 0))
		return 0;
	if (v->kind == V_UNRESOLVED && v->is_name && v->expr) {
		const char *dot = strrchr(v->expr, '.');
		if (dot && strcmp(dot, ".TYPE_CHECKING") == 0) {
			char *base = ag_strndup(v->expr, (size_t)(dot - v->expr));
			const struct val *m = local_get(p, base);
			free(base);
			if (m && m->origin && (strcmp(m->origin, "typing") == 0 ||
					       strcmp(m->origin, "typing_extensions") == 0))
				return 0;
		}
		return -1;
	}
	if (v->kind != V_OTHER || !v->expr)
		return -1;
	if (strcmp(v->expr, "True") == 0 || strcmp(v->expr, NONSTR_SEQ) == 0 ||
	    strcmp(v->expr, NONSTR_TUPLE) == 0)
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
static int eval_test(struct parser *p)
{
	p->colon_ends = true;
	p->lambdas = 0;
	int nots = 0, signs = 0;
	while (ag_tok_is(&p->tok, "not")) {
		nots++;
		advance(p);
	}
	/* -1, +2: a sign does not change a number's truth */
	while (ag_tok_is(&p->tok, "-") || ag_tok_is(&p->tok, "+")) {
		signs++;
		advance(p);
	}
	struct val v;
	parse_value(p, &v);
	int t = truth(p, &v);
	if (signs && !(v.kind == V_OTHER && v.expr && ((v.expr[0] >= '0' && v.expr[0] <= '9') ||
						       v.expr[0] == '.')))
		t = -1;
	if (v.kind == V_UNRESOLVED)
		p->raised = true;
	val_free(&v);
	skip_stmt(p);
	p->colon_ends = false;
	if (t >= 0 && nots % 2)
		t = !t;
	return t;
}

/* Skips a header to its ':' (left on it). */
static void skip_header(struct parser *p)
{
	p->colon_ends = true;
	p->lambdas = 0;
	skip_stmt(p);
	p->colon_ends = false;
}

/* Expects the header's ':' and moves past it. */
static void eat_colon(struct parser *p)
{
	if (ag_tok_is(&p->tok, ":") && p->tok.depth == 0)
		advance(p);
}

/* A `global NAME, ...` in code that does not run now (a function body):
 * a call could rebind the name. */
static void note_global(struct parser *p)
{
	const struct ag_tok *t = &p->tok;
	if (!(t->flags & AG_TOK_STMT) || !ag_tok_is(t, "global"))
		return;
	int line = t->line;
	advance(p);
	while (p->tok.kind == AG_TOK_NAME || ag_tok_is(&p->tok, ",")) {
		if (p->tok.kind == AG_TOK_NAME) {
			char *n = tok_ident(&p->tok);
			int k = slot_of(n);
			if (k >= 0 && !p->global_line[k])
				p->global_line[k] = line;
			free(n);
		}
		advance(p);
	}
}

/*
 * Skips the body of a header whose ':' is behind us (header at column
 * indent), noting `global` statements, break and continue. Returns how many
 * tokens it holds.
 */
static unsigned long skip_body(struct parser *p, int indent, bool *loop_exit)
{
	unsigned long n = 0;
	if (p->tok.kind != AG_TOK_NEWLINE) {
		while (p->tok.kind != AG_TOK_NEWLINE && !at_end(p)) {
			if (loop_exit && (ag_tok_is(&p->tok, "break") || ag_tok_is(&p->tok, "continue")))
				*loop_exit = true;
			advance(p);
			n++;
		}
		if (p->tok.kind == AG_TOK_NEWLINE)
			advance(p);
		return n;
	}
	advance(p);
	while (!at_end(p) && !((p->tok.flags & AG_TOK_STMT) && p->tok.indent <= indent)) {
		if (loop_exit && (p->tok.flags & AG_TOK_STMT) &&
		    (ag_tok_is(&p->tok, "break") || ag_tok_is(&p->tok, "continue")))
			*loop_exit = true;
		if (p->tok.flags & AG_TOK_STMT)
			note_global(p);
		if (!at_end(p) && !((p->tok.flags & AG_TOK_STMT) && p->tok.indent <= indent)) {
			advance(p);
			n++;
		}
	}
	return n;
}

/* Runs (or skips) the body of a header whose ':' is behind us, as mode
 * says within the enclosing block's mode. */
static void exec_body(struct parser *p, int indent, enum mode mode)
{
	enum mode outer = p->mode;
	if (outer == M_SKIP || mode == M_SKIP) {
		p->mode = M_SKIP;
		skip_body(p, indent, NULL);
		p->mode = outer;
		return;
	}
	p->mode = outer == M_MAYBE || mode == M_MAYBE ? M_MAYBE : M_RUN;
	if (p->tok.kind != AG_TOK_NEWLINE) {
		/* `if x: a = 1; b = 2`: simple statements on the header's line */
		while (p->tok.kind != AG_TOK_NEWLINE && !at_end(p))
			exec_stmt(p);
		if (p->tok.kind == AG_TOK_NEWLINE)
			advance(p);
	} else {
		advance(p);
		for (;;) {
			while (p->tok.kind == AG_TOK_NEWLINE)
				advance(p);
			if (at_end(p) || p->tok.indent <= indent)
				break;
			exec_stmt(p);
		}
	}
	p->mode = outer;
}

/* Enters `maybe` for the construct starting at start (line): the old
 * condition comes back through *saved. */
static void push_cond(struct parser *p, const char *start, int line, char **saved, int *saved_line)
{
	*saved = p->cond;
	*saved_line = p->cond_line;
	p->cond = excerpt(p, start);
	p->cond_line = line;
}

static void pop_cond(struct parser *p, char *saved, int saved_line)
{
	free(p->cond);
	p->cond = saved;
	p->cond_line = saved_line;
}

/* The next clause of a compound statement: `kw` at the header's column. */
static bool clause(const struct parser *p, int indent, const char *kw)
{
	return (p->tok.flags & AG_TOK_STMT) && p->tok.indent == indent && ag_tok_is(&p->tok, kw);
}

/* A body run as mode, in `maybe` for the construct of the header at hs. */
static void run_clause(struct parser *p, int indent, enum mode mode, const char *hs, int line)
{
	char *sc;
	int sl;
	push_cond(p, hs, line, &sc, &sl);
	eat_colon(p);
	exec_body(p, indent, mode);
	pop_cond(p, sc, sl);
}

static void exec_if(struct parser *p)
{
	int indent = p->tok.indent;
	bool decided = false, uncertain = false;
	enum mode outer = p->mode;
	do {
		const char *hs = p->tok.p;
		int line = p->tok.line;
		advance(p); /* if, elif */
		int t = -1;
		if (decided || outer == M_SKIP) {
			p->mode = M_SKIP; /* Python never evaluates it */
			skip_header(p);
			p->mode = outer;
		} else {
			t = eval_test(p);
		}
		enum mode m;
		if (decided || t == 0) {
			m = M_SKIP;
		} else if (t == 1) {
			m = uncertain ? M_MAYBE : M_RUN;
			decided = true;
		} else {
			m = M_MAYBE;
			uncertain = true;
		}
		run_clause(p, indent, m, hs, line);
	} while (clause(p, indent, "elif"));
	if (clause(p, indent, "else")) {
		const char *hs = p->tok.p;
		int line = p->tok.line;
		advance(p);
		run_clause(p, indent, decided ? M_SKIP : uncertain ? M_MAYBE : M_RUN, hs, line);
	}
}

static void exec_else(struct parser *p, int indent, enum mode m)
{
	if (!clause(p, indent, "else"))
		return;
	const char *hs = p->tok.p;
	int line = p->tok.line;
	advance(p);
	run_clause(p, indent, m, hs, line);
}

static void exec_while(struct parser *p)
{
	int indent = p->tok.indent;
	const char *hs = p->tok.p;
	int line = p->tok.line;
	advance(p);
	int t = p->mode == M_SKIP ? 0 : eval_test(p);
	if (p->mode == M_SKIP)
		skip_header(p);
	/* while False: the body never runs, the else always does. Any other
	 * loop runs as many times as only Python knows. */
	run_clause(p, indent, t == 0 ? M_SKIP : M_MAYBE, hs, line);
	exec_else(p, indent, t == 0 ? M_RUN : M_MAYBE);
}

/* Names bound by a target we do not evaluate (`for a, b in`, `as (a, b)`),
 * up to the stop word or ':' (p->tok left there): all become unknown. */
static void taint_target(struct parser *p, const char *stop, const char *what, int line)
{
	while (!at_stmt_end(p) && !(p->tok.depth == 0 && ag_tok_is(&p->tok, stop))) {
		if (p->tok.kind == AG_TOK_NAME && !ag_tok_is(&p->prev, ".")) {
			char *n = tok_ident(&p->tok);
			taint(p, n, what, line);
			free(n);
		}
		advance(p);
	}
}

static void exec_for(struct parser *p)
{
	int indent = p->tok.indent;
	const char *hs = p->tok.p;
	int line = p->tok.line;
	enum mode outer = p->mode;
	advance(p); /* for */
	if (outer == M_SKIP) {
		skip_header(p);
		eat_colon(p);
		exec_body(p, indent, M_SKIP);
		exec_else(p, indent, M_SKIP);
		return;
	}
	p->colon_ends = true;
	p->lambdas = 0;
	char *var = NULL;
	struct ag_pyscan tsave = p->s;
	struct ag_tok ttok = p->tok, tprev = p->prev;
	if (p->tok.kind == AG_TOK_NAME && !is_keyword(&p->tok)) {
		var = tok_ident(&p->tok);
		advance(p);
		if (!ag_tok_is(&p->tok, "in")) {
			free(var);
			var = NULL;
		}
	}
	if (!var) {
		/* for a, b in ...: read the target again below, as unknown */
		p->s = tsave;
		p->tok = ttok;
		p->prev = tprev;
		while (!at_stmt_end(p) && !(p->tok.depth == 0 && ag_tok_is(&p->tok, "in")))
			advance(p);
	}
	if (ag_tok_is(&p->tok, "in"))
		advance(p);
	struct val seq;
	parse_value(p, &seq);
	skip_stmt(p);
	p->colon_ends = false;
	char *cond = excerpt(p, hs);
	eat_colon(p);

	/* Look at the body once: its size, and whether it may leave early. */
	struct ag_pyscan bsave = p->s;
	struct ag_tok btok = p->tok, bprev = p->prev;
	bool exits = false;
	p->mode = M_SKIP;
	unsigned long size = skip_body(p, indent, &exits) + 1;
	p->mode = outer;
	struct ag_pyscan asave = p->s;
	struct ag_tok atok = p->tok, aprev = p->prev;

	struct ag_strv elems = {0};
	bool known = var && !exits;
	if (seq.kind == V_SEQ)
		ag_strv_copy(&elems, &seq.items);
	else if (seq.kind == V_STR)
		push_chars(&elems, seq.items.v[0]);
	else
		known = false;
	unsigned long mult = p->loop_mult ? p->loop_mult : 1;
	if (known && elems.n && (size * elems.n * mult > LOOP_BUDGET || p->work > LOOP_BUDGET))
		known = false;
	char *sc;
	int sl;
	push_cond(p, hs, line, &sc, &sl);
	free(p->cond);
	p->cond = cond;
	if (known && elems.n == 0) {
		/* nothing to iterate: the body never runs, the else does */
		p->s = asave;
		p->tok = atok;
		p->prev = aprev;
	} else if (known) {
		unsigned long saved_mult = p->loop_mult;
		p->loop_mult = mult * elems.n;
		for (size_t i = 0; i < elems.n && !p->error; i++) {
			p->s = bsave;
			p->tok = btok;
			p->prev = bprev;
			struct val e = {0};
			e.kind = V_STR;
			e.quote = seq.quote;
			ag_strv_push(&e.items, elems.v[i]);
			bind(p, var, &e, line, false);
			val_free(&e);
			exec_body(p, indent, M_RUN);
		}
		p->loop_mult = saved_mult;
	} else {
		/* Only Python knows how often the body runs, with what. */
		if (var) {
			taint(p, var, cond, line);
		} else {
			struct ag_pyscan cur = p->s;
			struct ag_tok ctok = p->tok, cprev = p->prev;
			p->s = tsave;
			p->tok = ttok;
			p->prev = tprev;
			taint_target(p, "in", cond, line);
			p->s = cur;
			p->tok = ctok;
			p->prev = cprev;
		}
		p->s = bsave;
		p->tok = btok;
		p->prev = bprev;
		exec_body(p, indent, M_MAYBE);
		p->raised = true;
	}
	pop_cond(p, sc, sl);
	exec_else(p, indent, known ? M_RUN : M_MAYBE);
	ag_strv_free(&elems);
	val_free(&seq);
	free(var);
}

static void exec_try(struct parser *p)
{
	int indent = p->tok.indent;
	bool outer_raised = p->raised;
	advance(p); /* try */
	eat_colon(p);
	p->raised = false;
	exec_body(p, indent, M_RUN);
	/* As if nothing raises: a handler runs only when a statement of the
	 * body may raise, and then the else may not run. */
	bool raised = p->raised;
	while (clause(p, indent, "except")) {
		const char *hs = p->tok.p;
		int line = p->tok.line;
		enum mode m = raised ? M_MAYBE : M_SKIP;
		char *sc;
		int sl;
		advance(p);
		enum mode outer = p->mode;
		if (m == M_SKIP)
			p->mode = M_SKIP;
		/* except E as NAME: NAME is bound, then deleted, if it runs */
		p->colon_ends = true;
		p->lambdas = 0;
		while (!at_stmt_end(p) && !(ag_tok_is(&p->tok, "as") && p->tok.depth == 0))
			advance(p);
		char *what = excerpt(p, hs);
		if (ag_tok_is(&p->tok, "as")) {
			advance(p);
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
	exec_else(p, indent, raised ? M_MAYBE : M_RUN);
	if (clause(p, indent, "finally")) {
		const char *hs = p->tok.p;
		int line = p->tok.line;
		advance(p);
		run_clause(p, indent, M_RUN, hs, line);
	}
	p->raised = outer_raised || raised;
}

static void exec_with(struct parser *p)
{
	int indent = p->tok.indent;
	const char *hs = p->tok.p;
	int line = p->tok.line;
	advance(p); /* with */
	p->colon_ends = true;
	p->lambdas = 0;
	/* with x as NAME: NAME is what x.__enter__() returns */
	struct ag_strv bound = {0};
	while (!at_stmt_end(p)) {
		if (ag_tok_is(&p->tok, "as")) {
			advance(p);
			int d = p->tok.depth;
			bool open = ag_tok_is(&p->tok, "(") || ag_tok_is(&p->tok, "[");
			do {
				if (p->tok.kind == AG_TOK_NAME && !ag_tok_is(&p->prev, "."))
					ag_strv_push_take(&bound, tok_ident(&p->tok));
				advance(p);
			} while (open && !at_stmt_end(p) && p->tok.depth > d);
			continue;
		}
		advance(p);
	}
	p->colon_ends = false;
	char *what = excerpt(p, hs);
	for (size_t i = 0; i < bound.n; i++)
		taint(p, bound.v[i], what, line);
	free(what);
	ag_strv_free(&bound);
	p->raised = true;
	eat_colon(p);
	exec_body(p, indent, M_RUN);
}

/* def NAME / async def NAME / class NAME: binds NAME; the body does not
 * run now (a class body does, but binds into the class). */
static void exec_def(struct parser *p)
{
	int indent = p->tok.indent;
	int line = p->tok.line;
	bool decorated = p->decorated;
	if (ag_tok_is(&p->tok, "async"))
		advance(p);
	bool cls = ag_tok_is(&p->tok, "class");
	advance(p);
	char *name = p->tok.kind == AG_TOK_NAME ? tok_ident(&p->tok) : NULL;
	skip_header(p);
	if (name) {
		if (decorated) {
			/* what the decorator returns: only Python knows */
			char *what = ag_printf("@... %s %s", cls ? "class" : "def", name);
			taint(p, name, what, line);
			free(what);
		} else {
			struct val v = {0};
			v.kind = V_OTHER;
			v.expr = ag_printf("a %s (`%s %s` at line %d)", cls ? "class" : "function",
					   cls ? "class" : "def", name, line);
			bind(p, name, &v, line, false);
			val_free(&v);
		}
	}
	free(name);
	p->raised = true;
	eat_colon(p);
	enum mode outer = p->mode;
	p->mode = M_SKIP;
	skip_body(p, indent, NULL);
	p->mode = outer;
}

static void bind_import(struct parser *p, const char *name, const char *origin, bool module,
			int line)
{
	struct val v = {0};
	if (module) {
		v.kind = V_OTHER;
		v.expr = ag_printf("the module %s", origin);
	} else {
		v.kind = V_UNRESOLVED;
		v.expr = ag_printf("%s (imported)", origin);
	}
	v.origin = ag_strdup(origin);
	bind(p, name, &v, line, false);
	val_free(&v);
}

/* A dotted module name at p->tok (relative dots too), NFKC'd. */
static char *dotted(struct parser *p)
{
	struct ag_buf b = {0};
	ag_buf_adds(&b, "");
	while (p->tok.kind == AG_TOK_NAME || ag_tok_is(&p->tok, ".") || ag_tok_is(&p->tok, "...")) {
		if (ag_tok_is(&p->tok, "import") || ag_tok_is(&p->tok, "as"))
			break;
		char *n = p->tok.kind == AG_TOK_NAME ? tok_ident(&p->tok) : ag_strndup(p->tok.p, p->tok.len);
		ag_buf_adds(&b, n);
		free(n);
		advance(p);
	}
	return ag_buf_take(&b);
}

static void exec_import(struct parser *p)
{
	int line = p->tok.line;
	const char *hs = p->tok.p;
	p->raised = true;
	if (ag_tok_is(&p->tok, "import")) {
		advance(p);
		while (!at_stmt_end(p)) {
			char *mod = dotted(p);
			if (ag_tok_is(&p->tok, "as")) {
				advance(p);
				if (p->tok.kind == AG_TOK_NAME) {
					char *n = tok_ident(&p->tok);
					bind_import(p, n, mod, true, line);
					free(n);
					advance(p);
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
			advance(p);
		}
		skip_stmt(p);
		return;
	}
	advance(p); /* from */
	char *mod = dotted(p);
	if (ag_tok_is(&p->tok, "import"))
		advance(p);
	if (ag_tok_is(&p->tok, "*")) {
		advance(p);
		/* Only Python knows what it binds: whatever was bound before may be
		 * rebound. (A module is assumed not to export Alembic's names
		 * that the file does not set itself.) */
		char *what = excerpt(p, hs);
		for (int k = 0; k < N_SLOTS; k++)
			if (p->slots[k].bound)
				taint(p, ALEMBIC_NAMES[k], what, line);
		for (size_t i = 0; i < p->nlocals; i++)
			if (slot_of(p->locals[i].name) < 0) {
				struct val m;
				maybe_val(&m, p->locals[i].name, what, line);
				val_free(&p->locals[i].v);
				p->locals[i].v = m;
			}
		free(what);
	}
	while (!at_stmt_end(p)) {
		if (p->tok.kind == AG_TOK_NAME && !ag_tok_is(&p->tok, "as")) {
			char *n = tok_ident(&p->tok);
			char *origin = ag_printf("%s.%s", mod, n);
			advance(p);
			if (ag_tok_is(&p->tok, "as")) {
				advance(p);
				if (p->tok.kind == AG_TOK_NAME) {
					free(n);
					n = tok_ident(&p->tok);
					advance(p);
				}
			}
			bind_import(p, n, origin, false, line);
			free(n);
			free(origin);
			continue;
		}
		advance(p);
	}
	free(mod);
}

static void exec_del(struct parser *p)
{
	int line = p->tok.line;
	const char *hs = p->tok.p;
	advance(p);
	struct ag_strv plain = {0}, other = {0};
	while (!at_stmt_end(p)) {
		/* a target that is one name: unbound; any other (x[0], x.y,
		 * (a, b)): its names become unknown */
		bool alone = p->tok.kind == AG_TOK_NAME && p->tok.depth == 0;
		char *n = p->tok.kind == AG_TOK_NAME ? tok_ident(&p->tok) : NULL;
		advance(p);
		if (n && alone && (at_stmt_end(p) || (ag_tok_is(&p->tok, ",") && p->tok.depth == 0)))
			ag_strv_push_take(&plain, n);
		else if (n)
			ag_strv_push_take(&other, n);
		else
			free(n);
		while (!at_stmt_end(p) && !(p->tok.depth == 0 && ag_tok_is(&p->tok, ","))) {
			if (p->tok.kind == AG_TOK_NAME && !ag_tok_is(&p->prev, "."))
				ag_strv_push_take(&other, tok_ident(&p->tok));
			advance(p);
		}
		if (ag_tok_is(&p->tok, ","))
			advance(p);
	}
	char *what = excerpt(p, hs);
	for (size_t i = 0; i < other.n; i++)
		taint(p, other.v[i], what, line);
	free(what);
	for (size_t i = 0; i < plain.n; i++)
		unbind(p, plain.v[i], line);
	ag_strv_free(&plain);
	ag_strv_free(&other);
	p->raised = true;
}

/* `match x:` (a soft keyword): true when the statement at p->tok is one. */
static bool is_match(struct parser *p)
{
	if (!ag_tok_is(&p->tok, "match"))
		return false;
	struct ag_pyscan save = p->s;
	struct ag_tok tok = p->tok, prev = p->prev;
	enum mode m = p->mode;
	p->mode = M_SKIP;
	advance(p);
	bool r = !(p->tok.kind == AG_TOK_OP && (ag_tok_is(&p->tok, "=") || ag_tok_is(&p->tok, ".") ||
						 ag_tok_is(&p->tok, ",") || ag_tok_is(&p->tok, ":") ||
						 is_augassign(&p->tok))) &&
		 !at_stmt_end(p);
	bool colon = false;
	while (r && p->tok.kind != AG_TOK_NEWLINE && !at_end(p)) {
		colon = ag_tok_is(&p->tok, ":") && p->tok.depth == 0;
		advance(p);
	}
	bool err = p->error;
	p->s = save;
	p->tok = tok;
	p->prev = prev;
	p->mode = m;
	p->error = err;
	return r && colon;
}

static void exec_match(struct parser *p)
{
	int indent = p->tok.indent;
	int line = p->tok.line;
	const char *hs = p->tok.p;
	advance(p);
	skip_header(p);
	char *what = excerpt(p, hs);
	eat_colon(p);
	if (p->tok.kind == AG_TOK_NEWLINE)
		advance(p);
	char *sc;
	int sl;
	push_cond(p, hs, line, &sc, &sl);
	while (!at_end(p) && p->tok.indent > indent) {
		int cindent = p->tok.indent;
		advance(p); /* case */
		/* capture patterns bind names */
		p->colon_ends = true;
		p->lambdas = 0;
		while (!at_stmt_end(p)) {
			if (p->tok.kind == AG_TOK_NAME && !ag_tok_is(&p->prev, ".") && !is_keyword(&p->tok)) {
				char *n = tok_ident(&p->tok);
				taint(p, n, what, line);
				free(n);
			}
			advance(p);
		}
		p->colon_ends = false;
		eat_colon(p);
		exec_body(p, cindent, M_MAYBE);
	}
	pop_cond(p, sc, sl);
	free(what);
	p->raised = true;
}

/* `type X = ...` (3.12, a soft keyword): binds X to a TypeAliasType. */
static bool is_type_alias(struct parser *p)
{
	if (!ag_tok_is(&p->tok, "type"))
		return false;
	struct ag_pyscan save = p->s;
	struct ag_tok tok = p->tok, prev = p->prev;
	enum mode m = p->mode;
	p->mode = M_SKIP;
	advance(p);
	bool r = p->tok.kind == AG_TOK_NAME && !is_keyword(&p->tok);
	if (r) {
		advance(p);
		r = ag_tok_is(&p->tok, "=") || ag_tok_is(&p->tok, "[");
	}
	bool err = p->error;
	p->s = save;
	p->tok = tok;
	p->prev = prev;
	p->mode = m;
	p->error = err;
	return r;
}

/* One statement (p->tok on its first token), the ';' or NEWLINE after a
 * simple one included. */
static void exec_stmt(struct parser *p)
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
		skip_stmt(p);
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
		advance(p);
		char *n = tok_ident(&p->tok);
		struct val v = {0};
		v.kind = V_OTHER;
		v.expr = ag_printf("a type alias (`type %s` at line %d)", n, line);
		bind(p, n, &v, line, false);
		val_free(&v);
		free(n);
		skip_stmt(p);
	} else if (ag_tok_is(t, "pass") || ag_tok_is(t, "global") || ag_tok_is(t, "nonlocal")) {
		skip_stmt(p);
	} else if (t->kind == AG_TOK_NAME && !is_keyword(t)) {
		parse_assignment(p);
	} else if (t->kind == AG_TOK_STRING || t->kind == AG_TOK_NUMBER) {
		skip_stmt(p); /* a constant: nothing happens */
	} else {
		/* [a, b] = ..., *a, b = ..., (a) = ..., raise, assert, an
		 * expression: names before an '=' become unknown */
		skip_taint(p, NULL, t->p, t->line);
	}
	/* the NEWLINE is left to the block (a one-line body ends there) */
	skip_stmt(p);
	if (ag_tok_is(&p->tok, ";"))
		advance(p);
}

bool ag_modexec_run(struct ag_script *sc, const char *buf, size_t len,
		    const struct ag_defines *defs)
{
	struct parser p;
	memset(&p, 0, sizeof p);
	p.sc = sc;
	p.defs = defs;
	ag_pyscan_init(&p.s, buf, len);
	advance(&p);
	if (p.tok.kind == AG_TOK_STRING) {
		/* The module docstring: a lone string statement, first. */
		int line0 = p.tok.line;
		struct ag_buf b = {0};
		int ok = 1;
		while (p.tok.kind == AG_TOK_STRING) {
			if (ag_pyscan_string(&p.tok, &b) < 1)
				ok = 0;
			advance(&p);
		}
		if (ok && at_stmt_end(&p))
			parse_docstring(sc, b.p ? b.p : "", line0);
		ag_buf_free(&b);
		skip_stmt(&p);
		if (ag_tok_is(&p.tok, ";"))
			advance(&p);
		if (p.tok.kind == AG_TOK_NEWLINE)
			advance(&p);
	}
	while (!at_end(&p)) {
		if (p.tok.kind == AG_TOK_NEWLINE) {
			advance(&p);
			continue;
		}
		exec_stmt(&p);
	}
	/* A function that declares one of Alembic's names global can rebind
	 * it when called (at import, or never): only Python knows. */
	for (int k = 0; k < N_SLOTS; k++) {
		if (!p.global_line[k])
			continue;
		char *what = ag_printf("global %s", ALEMBIC_NAMES[k]);
		taint(&p, ALEMBIC_NAMES[k], what, p.global_line[k]);
		free(what);
	}
	/* After an error, what was bound before it (repair edits such files
	 * too; the error itself is the finding that blocks). */
	for (int k = 0; k < N_SLOTS; k++)
		apply_slot(&p, k);
	for (int k = 0; k < N_SLOTS; k++)
		val_free(&p.slots[k].v);
	for (size_t i = 0; i < p.nlocals; i++) {
		free(p.locals[i].name);
		val_free(&p.locals[i].v);
	}
	free(p.locals);
	free(p.cond);
	return !p.error;
}
