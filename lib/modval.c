#include "modval.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <uninorm.h>


void ag_mv_val_free(struct ag_mv_val *v)
{
	ag_strv_free(&v->items);
	free(v->expr);
	free(v->cond);
	free(v->origin);
	memset(v, 0, sizeof *v);
}

static void val_copy(struct ag_mv_val *dst, const struct ag_mv_val *src)
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

const char *const ag_mv_names[] = {"revision", "down_revision", "branch_labels",
				   "depends_on"};

int ag_mv_slot_of(const char *name)
{
	for (int i = 0; i < AG_MV_SLOTS; i++)
		if (strcmp(ag_mv_names[i], name) == 0)
			return i;
	return -1;
}

char *ag_mv_ident(const char *name, size_t n)
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

char *ag_mv_tok_ident(const struct ag_tok *t)
{
	return ag_mv_ident(t->p, t->len);
}

void ag_mv_advance(struct ag_mv *p)
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
	if (ag_tok_is(&p->tok, ":=") && p->prev.kind == AG_TOK_NAME && p->mode != AG_MV_SKIP) {
		char *n = ag_mv_tok_ident(&p->prev);
		char *what = ag_printf("%s := ...", n);
		ag_mv_taint(p, n, what, p->tok.line);
		free(what);
		free(n);
	}
}

bool ag_mv_at_stmt_end(const struct ag_mv *p)
{
	const struct ag_tok *t = &p->tok;
	return t->kind == AG_TOK_NEWLINE || t->kind == AG_TOK_EOF || t->kind == AG_TOK_ERROR ||
	       (t->kind == AG_TOK_OP && t->depth == 0 && ag_tok_is(t, ";")) ||
	       (p->colon_ends && t->kind == AG_TOK_OP && t->depth == 0 && ag_tok_is(t, ":") &&
		!p->lambda_colon);
}

bool ag_mv_at_end(const struct ag_mv *p)
{
	return p->tok.kind == AG_TOK_EOF || p->tok.kind == AG_TOK_ERROR;
}

void ag_mv_skip_stmt(struct ag_mv *p)
{
	while (!ag_mv_at_stmt_end(p))
		ag_mv_advance(p);
}

static struct ag_mv_local *local_find(const struct ag_mv *p, const char *name)
{
	for (size_t i = p->nlocals; i-- > 0;)
		if (strcmp(p->locals[i].name, name) == 0)
			return &p->locals[i];
	return NULL;
}

const struct ag_mv_val *ag_mv_local_get(const struct ag_mv *p, const char *name)
{
	struct ag_mv_local *l = local_find(p, name);
	return l ? &l->v : NULL;
}

static void local_set(struct ag_mv *p, const char *name, const struct ag_mv_val *v)
{
	struct ag_mv_local *l = local_find(p, name);
	if (l) {
		ag_mv_val_free(&l->v);
		val_copy(&l->v, v);
		return;
	}
	ag_grow((void **)&p->locals, &p->caplocals, p->nlocals + 1, sizeof *p->locals);
	p->locals[p->nlocals].name = ag_strdup(name);
	val_copy(&p->locals[p->nlocals].v, v);
	p->nlocals++;
}

static void local_del(struct ag_mv *p, const char *name)
{
	struct ag_mv_local *l = local_find(p, name);
	if (!l)
		return;
	free(l->name);
	ag_mv_val_free(&l->v);
	*l = p->locals[--p->nlocals];
}

static void unresolved(struct ag_mv_val *v, const char *text, size_t len, bool is_name)
{
	ag_mv_val_free(v);
	v->kind = AG_MV_UNRESOLVED;
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
static size_t span_to_tok(const struct ag_mv *p, const char *start)
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
static void parse_atom(struct ag_mv *p, struct ag_mv_val *v)
{
	memset(v, 0, sizeof *v);
	struct ag_tok first = p->tok;
	if (ag_mv_at_stmt_end(p)) {
		/* `revision =` and nothing: Python refuses the file. */
		v->kind = AG_MV_OTHER;
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
			ag_mv_advance(p);
		}
		if (ok == 1) {
			v->kind = AG_MV_STR;
			ag_strv_push_take(&v->items, ag_buf_take(&b));
		} else if (ok == 0 && is_bytes(&first)) {
			/* A known value, but bytes: Alembic needs a str. */
			v->kind = AG_MV_OTHER;
			v->expr = ag_strdup("a bytes literal");
		} else if (ok == 0) {
			/* an f-string with fields, or \N{...}: only Python knows the value */
			unresolved(v, first.p, first.len, false);
		} else {
			v->kind = AG_MV_OTHER;
			v->expr = ag_strdup("a string with a malformed escape");
		}
		ag_buf_free(&b);
		return;
	}
	if (ag_tok_is(&first, "None")) {
		v->kind = AG_MV_NONE;
		ag_mv_advance(p);
		return;
	}
	if (first.kind == AG_TOK_NUMBER || ag_tok_is(&first, "True") || ag_tok_is(&first, "False")) {
		v->kind = AG_MV_OTHER;
		v->expr = ag_strndup(first.p, first.len);
		ag_mv_advance(p);
		return;
	}
	if (first.kind == AG_TOK_NAME && !ag_tok_is_keyword(&first)) {
		/* A (dotted) name: look it up. */
		struct ag_buf name = {0};
		ag_buf_adds(&name, "");
		char *id = ag_mv_tok_ident(&first);
		ag_buf_adds(&name, id);
		free(id);
		ag_mv_advance(p);
		while (ag_tok_is(&p->tok, ".")) {
			ag_mv_advance(p);
			if (p->tok.kind != AG_TOK_NAME)
				break;
			ag_buf_addc(&name, '.');
			id = ag_mv_tok_ident(&p->tok);
			ag_buf_adds(&name, id);
			free(id);
			ag_mv_advance(p);
		}
		const struct ag_mv_val *lv = strchr(name.p, '.') ? NULL : ag_mv_local_get(p, name.p);
		const char *dv = ag_defines_get(p->defs, name.p);
		if (dv) {
			v->kind = AG_MV_STR;
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
		ag_mv_advance(p);
		v->kind = AG_MV_SEQ;
		v->list = !paren;
		bool comma = false;
		size_t n = 0;
		struct ag_mv_val only = {0}; /* the first element, for (x) == x */
		while (!ag_tok_is(&p->tok, closer) && p->tok.kind != AG_TOK_EOF &&
		       p->tok.kind != AG_TOK_ERROR) {
			struct ag_mv_val e;
			parse_atom(p, &e);
			if (++n == 1)
				val_copy(&only, &e);
			if (v->kind == AG_MV_SEQ) {
				if (e.kind == AG_MV_STR) {
					ag_strv_push(&v->items, e.items.v[0]);
					if (!v->quote)
						v->quote = e.quote;
				} else if (paren && n == 1 && !ag_tok_is(&p->tok, ",")) {
					/* maybe (x): decided at the closing bracket */
				} else if (e.kind == AG_MV_UNRESOLVED) {
					ag_mv_val_free(v);
					val_copy(v, &e);
				} else {
					ag_mv_val_free(v);
					v->kind = AG_MV_OTHER;
					v->expr = ag_strdup(AG_MV_NONSTR_SEQ);
				}
			}
			ag_mv_val_free(&e);
			if (ag_tok_is(&p->tok, ",")) {
				comma = true;
				ag_mv_advance(p);
				continue;
			}
			if (!ag_tok_is(&p->tok, closer)) {
				/* An operator or a call inside the brackets: the
				 * excerpt runs to the closing bracket. */
				while (!(ag_tok_is(&p->tok, closer) && p->tok.depth == first.depth + 1) &&
				       p->tok.kind != AG_TOK_EOF && p->tok.kind != AG_TOK_ERROR)
					ag_mv_advance(p);
				unresolved(v, first.p, span_to_tok(p, first.p), false);
				break;
			}
		}
		if (ag_tok_is(&p->tok, closer))
			ag_mv_advance(p);
		/* (x) without a comma is x itself. */
		if (paren && !comma && n == 1 && v->kind != AG_MV_UNRESOLVED) {
			ag_mv_val_free(v);
			*v = only;
			return;
		}
		ag_mv_val_free(&only);
		return;
	}
	/* Anything else: an operator, a lambda, a call... */
	unresolved(v, first.p, first.len, false);
	ag_mv_advance(p);
}

/* value := atom (',' atom)* [','], then the statement must end. */
void ag_mv_parse_value(struct ag_mv *p, struct ag_mv_val *v)
{
	const char *start = p->tok.p;
	parse_atom(p, v);
	if (ag_tok_is(&p->tok, ",")) {
		struct ag_mv_val seq = {0};
		seq.kind = AG_MV_SEQ;
		seq.quote = v->quote;
		bool first = true;
		for (;;) {
			if (!first) {
				if (ag_mv_at_stmt_end(p) || ag_tok_is(&p->tok, "="))
					break;
				parse_atom(p, v);
			}
			first = false;
			if (seq.kind == AG_MV_SEQ) {
				if (v->kind == AG_MV_STR) {
					ag_strv_push(&seq.items, v->items.v[0]);
				} else if (v->kind == AG_MV_UNRESOLVED) {
					ag_mv_val_free(&seq);
					val_copy(&seq, v);
				} else {
					ag_mv_val_free(&seq);
					seq.kind = AG_MV_OTHER;
					seq.expr = ag_strdup(AG_MV_NONSTR_TUPLE);
				}
			}
			ag_mv_val_free(v);
			if (!ag_tok_is(&p->tok, ","))
				break;
			ag_mv_advance(p);
		}
		*v = seq;
	}
	if (!ag_mv_at_stmt_end(p) && !ag_tok_is(&p->tok, "=")) {
		/* "a" + "b", x.format(...), f(...): only Python knows. The
		 * excerpt is the whole expression. */
		size_t n = 0;
		while (!ag_mv_at_stmt_end(p)) {
			n = span_to_tok(p, start);
			ag_mv_advance(p);
		}
		unresolved(v, start, n, false); /* not a name even if it starts with one */
	}
}

static void set_list(struct ag_strv *dst, const struct ag_mv_val *v)
{
	ag_strv_free(dst);
	if (v->kind == AG_MV_STR || v->kind == AG_MV_SEQ)
		ag_strv_copy(dst, &v->items);
}

static void report_value(struct ag_mv *p, const char *var, const struct ag_mv_val *v, int line)
{
	struct ag_script *sc = p->sc;
	if (v->kind == AG_MV_UNRESOLVED && v->cond) {
		struct ag_finding *f = ag_findings_add(
			&sc->findings, AG_SEV_ERROR, "unresolved-value", sc->revision, sc->path,
			v->cond_line ? v->cond_line : line,
			"%s: %s may be set by `%s` (line %d), whose effect only running Python knows",
			sc->name, var, v->cond, v->cond_line ? v->cond_line : line);
		ag_finding_fix(f, "set %s with a plain module-level assignment of a literal, outside "
				  "`%s`",
			       var, v->cond);
	} else if (v->kind == AG_MV_UNRESOLVED) {
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
	} else if (v->kind == AG_MV_OTHER) {
		ag_findings_add(&sc->findings, AG_SEV_ERROR, "parse-error", sc->revision, sc->path, line,
				"%s sets %s to %s; Alembic needs a str, a tuple of str, or None", sc->name,
				var, v->expr ? v->expr : "a value that is not a str");
	}
}

/* The final binding of one of the names Alembic reads, into the script. */
void ag_mv_apply_slot(struct ag_mv *p, int k)
{
	struct ag_script *sc = p->sc;
	const struct ag_mv_slot *s = &p->slots[k];
	if (!s->bound)
		return;
	const struct ag_mv_val *v = &s->v;
	int line = s->line;
	if (k == 0) {
		free(sc->revision);
		sc->revision = NULL;
		sc->revision_line = line;
		sc->annotated = s->annotated;
		if (v->kind == AG_MV_STR) {
			sc->revision = ag_strdup(v->items.v[0]);
			sc->quote = v->quote;
		} else if (v->kind == AG_MV_NONE || v->kind == AG_MV_SEQ) {
			ag_findings_add(&sc->findings, AG_SEV_ERROR, "parse-error", NULL, sc->path, line,
					"%s sets revision to %s; a revision id must be a str", sc->name,
					v->kind == AG_MV_NONE ? "None" : "a sequence");
		} else {
			report_value(p, "revision", v, line);
		}
	} else if (k == 1) {
		sc->has_down = true;
		sc->down_line = line;
		sc->down_known = v->kind == AG_MV_STR || v->kind == AG_MV_NONE || v->kind == AG_MV_SEQ;
		set_list(&sc->down, v);
		/* '' and () are bases, as in Alembic (tuple_rev_as_scalar). */
		sc->down_empty_str = sc->down.n == 1 && sc->down.v[0][0] == '\0' && v->kind == AG_MV_STR;
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
void ag_mv_maybe_val(struct ag_mv_val *v, const char *name, const char *cond, int cond_line)
{
	memset(v, 0, sizeof *v);
	v->kind = AG_MV_UNRESOLVED;
	v->expr = ag_strdup(name);
	v->cond = ag_strdup(cond ? cond : "code only Python runs");
	v->cond_line = cond_line;
}

static void bind_raw(struct ag_mv *p, const char *name, const struct ag_mv_val *v, int line,
		     bool annotated)
{
	local_set(p, name, v);
	int k = ag_mv_slot_of(name);
	if (k >= 0) {
		struct ag_mv_slot *s = &p->slots[k];
		ag_mv_val_free(&s->v);
		val_copy(&s->v, v);
		s->bound = true;
		s->line = line;
		s->annotated = annotated;
	}
}

/* NAME = v, as the current block runs it. */
void ag_mv_bind(struct ag_mv *p, const char *name, const struct ag_mv_val *v, int line, bool annotated)
{
	if (p->mode == AG_MV_SKIP)
		return;
	if (p->mode == AG_MV_MAYBE) {
		struct ag_mv_val m;
		ag_mv_maybe_val(&m, name, p->cond, p->cond_line);
		bind_raw(p, name, &m, line, annotated);
		ag_mv_val_free(&m);
		return;
	}
	bind_raw(p, name, v, line, annotated);
}

/* NAME is rebound by something only Python evaluates (what, at line). Only
 * names we track matter: the ones Alembic reads, and known locals. */
void ag_mv_taint(struct ag_mv *p, const char *name, const char *what, int line)
{
	if (p->mode == AG_MV_SKIP || (ag_mv_slot_of(name) < 0 && !ag_mv_local_get(p, name)))
		return;
	struct ag_mv_val m;
	ag_mv_maybe_val(&m, name, what, line);
	bind_raw(p, name, &m, line, false);
	ag_mv_val_free(&m);
}

/* del NAME */
void ag_mv_unbind(struct ag_mv *p, const char *name, int line)
{
	if (p->mode == AG_MV_SKIP)
		return;
	if (p->mode == AG_MV_MAYBE) {
		ag_mv_taint(p, name, p->cond, p->cond_line);
		return;
	}
	(void)line;
	local_del(p, name);
	int k = ag_mv_slot_of(name);
	if (k >= 0) {
		ag_mv_val_free(&p->slots[k].v);
		p->slots[k].bound = false;
	}
}

/* True for an augmented assignment operator (+=, -=, ..., not ==/<=). */
bool ag_mv_is_augassign(const struct ag_tok *t)
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
char *ag_mv_excerpt(const struct ag_mv *p, const char *start)
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
void ag_mv_skip_taint(struct ag_mv *p, const struct ag_strv *pre, const char *start, int line)
{
	struct ag_strv seen = {0};
	struct ag_strv eqs = {0}; /* for seen[i]: "1" when an '=' came after it */
	if (pre)
		for (size_t i = 0; i < pre->n; i++) {
			ag_strv_push(&seen, pre->v[i]);
			ag_strv_push(&eqs, "0");
		}
	while (!ag_mv_at_stmt_end(p)) {
		const struct ag_tok *t = &p->tok;
		if (t->depth == 0 && (ag_tok_is(t, "=") || ag_mv_is_augassign(t))) {
			for (size_t i = 0; i < eqs.n; i++)
				eqs.v[i][0] = '1';
		} else if (t->kind == AG_TOK_NAME && !ag_tok_is(&p->prev, ".")) {
			char *n = ag_mv_tok_ident(t);
			if (ag_mv_slot_of(n) >= 0 || ag_mv_local_get(p, n)) {
				ag_strv_push_take(&seen, n);
				ag_strv_push(&eqs, "0");
			} else {
				free(n);
			}
		}
		ag_mv_advance(p);
	}
	char *what = ag_mv_excerpt(p, start);
	for (size_t i = 0; i < seen.n; i++)
		if (eqs.v[i][0] == '1')
			ag_mv_taint(p, seen.v[i], what, line);
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
static void parse_unpacking(struct ag_mv *p, struct ag_strv *targets, const char *start0, int line)
{
	const char *lhs = targets->v[0];
	while (ag_tok_is(&p->tok, ",") && p->tok.depth == 0) {
		ag_mv_advance(p);
		if (ag_tok_is(&p->tok, "="))
			break; /* a, = value */
		if (p->tok.kind != AG_TOK_NAME || ag_tok_is_keyword(&p->tok)) {
			ag_mv_skip_taint(p, targets, start0, line); /* a, b.c = ...: the names become unknown */
			return;
		}
		ag_strv_push_take(targets, ag_mv_tok_ident(&p->tok));
		ag_mv_advance(p);
	}
	if (!ag_tok_is(&p->tok, "=")) {
		ag_mv_skip_taint(p, targets, start0, line);
		return;
	}
	ag_mv_advance(p);
	const char *start = p->tok.p;
	struct ag_mv_val *vals = ag_calloc(targets->n + 1, sizeof *vals);
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
		ag_mv_advance(p);
	}
	for (;;) {
		bool end = closer ? (p->tok.kind == AG_TOK_OP && p->tok.len == 1 &&
				     *p->tok.p == closer && p->tok.depth == level)
				  : ag_mv_at_stmt_end(p);
		if (end || !plain || p->tok.kind == AG_TOK_ERROR || p->tok.kind == AG_TOK_EOF)
			break;
		struct ag_mv_val v;
		parse_atom(p, &v);
		if (n < targets->n)
			vals[n] = v;
		else
			ag_mv_val_free(&v);
		n++;
		if (ag_tok_is(&p->tok, ",") && p->tok.depth == level) {
			seq = true;
			ag_mv_advance(p);
		} else if (closer ? !(p->tok.kind == AG_TOK_OP && p->tok.len == 1 && *p->tok.p == closer)
				: !ag_mv_at_stmt_end(p))
			plain = false; /* an expression, or a chained `=` */
	}
	if (closer && plain) {
		ag_mv_advance(p); /* the closing bracket */
		if (!ag_mv_at_stmt_end(p))
			plain = false; /* (a, b) + c */
	}
	struct ag_mv_val unknown = {0};
	/* One object, not a display ("abc", ("abc"), None, x): Python
	 * iterates it (a str into its characters), which only running it
	 * tells. */
	if (plain && !seq)
		plain = false;
	if (!plain) {
		ag_mv_skip_stmt(p);
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
			ag_mv_bind(p, targets->v[i], plain ? &vals[i] : &unknown, line, false);
	}
	for (size_t i = 0; i < targets->n; i++)
		ag_mv_val_free(&vals[i]);
	free(vals);
	ag_mv_val_free(&unknown);
	ag_mv_skip_stmt(p);
}

/* The characters of s (code points, as Python iterates a str). */
void ag_mv_push_chars(struct ag_strv *out, const char *s)
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
static void parse_augmented(struct ag_mv *p, const char *name, const char *start, int line)
{
	bool plus = ag_tok_is(&p->tok, "+=");
	ag_mv_advance(p);
	struct ag_mv_val rhs, res;
	memset(&res, 0, sizeof res);
	ag_mv_parse_value(p, &rhs);
	const struct ag_mv_val *cur = ag_mv_local_get(p, name);
	if (ag_tok_is(&p->tok, "=") || !plus || !cur || cur->kind == AG_MV_UNRESOLVED ||
	    rhs.kind == AG_MV_UNRESOLVED) {
		ag_mv_skip_stmt(p);
		char *what = ag_mv_excerpt(p, start);
		unresolved(&res, what, strlen(what), false);
		free(what);
		p->raised = true;
	} else if (cur->kind == AG_MV_STR && rhs.kind == AG_MV_STR) {
		res.kind = AG_MV_STR;
		res.quote = cur->quote;
		ag_strv_push_take(&res.items, ag_printf("%s%s", cur->items.v[0], rhs.items.v[0]));
	} else if (cur->kind == AG_MV_SEQ && (rhs.kind == AG_MV_SEQ || (cur->list && rhs.kind == AG_MV_STR))) {
		/* tuple += tuple; list += any iterable (a str: its characters) */
		if (!cur->list && rhs.list) {
			res.kind = AG_MV_OTHER;
			res.expr = ag_strdup("a tuple `+=` a list (TypeError)");
		} else {
			val_copy(&res, cur);
			free(res.cond);
			res.cond = NULL;
			if (rhs.kind == AG_MV_STR)
				ag_mv_push_chars(&res.items, rhs.items.v[0]);
			else
				for (size_t i = 0; i < rhs.items.n; i++)
					ag_strv_push(&res.items, rhs.items.v[i]);
		}
	} else {
		res.kind = AG_MV_OTHER;
		res.expr = ag_strdup("the result of a `+=` that is not a str or a sequence of str "
				     "(or a TypeError)");
	}
	ag_mv_bind(p, name, &res, line, false);
	ag_mv_val_free(&rhs);
	ag_mv_val_free(&res);
	ag_mv_skip_stmt(p);
}

/* A statement that starts with a name: NAME [: annotation] = value,
 * NAME = NAME = ... = value, NAME, NAME = ..., NAME += value, or any other
 * statement (NAME[0] = ..., NAME.append(...), f(...)). */
void ag_mv_parse_assignment(struct ag_mv *p)
{
	struct ag_strv targets = {0};
	const char *start = p->tok.p;
	int line = p->tok.line;
	bool annotated = false;
	ag_strv_push_take(&targets, ag_mv_tok_ident(&p->tok));
	ag_mv_advance(p);
	if (ag_tok_is(&p->tok, ",") && p->tok.depth == 0) {
		parse_unpacking(p, &targets, start, line);
		ag_strv_free(&targets);
		return;
	}
	if (ag_mv_is_augassign(&p->tok)) {
		parse_augmented(p, targets.v[0], start, line);
		ag_strv_free(&targets);
		return;
	}
	if (ag_tok_is(&p->tok, ":")) {
		annotated = true;
		while (!ag_mv_at_stmt_end(p) && !(ag_tok_is(&p->tok, "=") && p->tok.depth == 0))
			ag_mv_advance(p);
		if (!ag_tok_is(&p->tok, "=")) {
			/* `revision: str` alone binds nothing. */
			ag_strv_free(&targets);
			return;
		}
	} else if (!ag_tok_is(&p->tok, "=")) {
		/* NAME[0] = ..., NAME.x = ..., NAME.append(...), f(...): a list
		 * changed in place, or a target only Python evaluates. */
		const struct ag_mv_val *lv = ag_mv_local_get(p, targets.v[0]);
		bool mutates = lv && lv->kind == AG_MV_SEQ && lv->list && ag_tok_is(&p->tok, ".");
		ag_mv_skip_taint(p, &targets, start, line);
		if (mutates) {
			char *what = ag_mv_excerpt(p, start);
			ag_mv_taint(p, targets.v[0], what, line);
			free(what);
		}
		ag_strv_free(&targets);
		return;
	}
	ag_mv_advance(p); /* '=' */
	struct ag_mv_val v;
	for (;;) {
		struct ag_tok before = p->tok;
		ag_mv_parse_value(p, &v);
		if (ag_tok_is(&p->tok, "=") && before.kind == AG_TOK_NAME && !annotated) {
			/* a = b = value: b is another target. */
			ag_strv_push_take(&targets, ag_mv_tok_ident(&before));
			ag_mv_val_free(&v);
			ag_mv_advance(p);
			continue;
		}
		break;
	}
	if (ag_tok_is(&p->tok, "=")) {
		/* Something like x = (a, b) = ...: not a form migrations use. */
		const char *what = "a chained assignment";
		unresolved(&v, what, strlen(what), false);
	}
	if (v.kind == AG_MV_UNRESOLVED)
		p->raised = true;
	/* After a tokenizer error the statement is cut short: the parse-error
	 * already says what is wrong, and the value would only mislead. */
	for (size_t i = 0; i < targets.n && !p->error; i++)
		ag_mv_bind(p, targets.v[i], &v, line, annotated);
	ag_mv_val_free(&v);
	ag_strv_free(&targets);
	ag_mv_skip_stmt(p);
}
