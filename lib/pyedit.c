#include "pyedit.h"

#include <stdlib.h>
#include <string.h>

#include "pyscan.h"
#include "template.h"

static bool streq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}


void ag_pyedit_each_statement(const char *text, size_t len, ag_pyedit_stmt_fn fn, void *arg)
{
	struct ag_pyscan s;
	struct ag_tok t;
	ag_pyscan_init(&s, text, len);
	ag_pyscan_next(&s, &t);
	struct ag_tok *toks = NULL;
	size_t cap = 0;
	bool first = true;
	while (t.kind != AG_TOK_EOF && t.kind != AG_TOK_ERROR) {
		if (!((t.flags & AG_TOK_STMT) && t.indent == 0 && t.depth == 0)) {
			if (t.flags & AG_TOK_STMT)
				first = false;
			ag_pyscan_next(&s, &t);
			continue;
		}
		size_t n = 0;
		while (!(t.kind == AG_TOK_NEWLINE || t.kind == AG_TOK_EOF ||
		         t.kind == AG_TOK_ERROR ||
		         (t.kind == AG_TOK_OP && t.depth == 0 && ag_tok_is(&t, ";")))) {
			ag_grow((void **)&toks, &cap, n + 1, sizeof *toks);
			toks[n++] = t;
			ag_pyscan_next(&s, &t);
		}
		if (t.kind == AG_TOK_ERROR)
			break; /* a file Python cannot read: nothing in it is edited */
		struct ag_pyedit_stmt st = {toks, n, first};
		first = false;
		if (n)
			fn(&st, text, arg);
		if (t.kind != AG_TOK_EOF)
			ag_pyscan_next(&s, &t);
	}
	free(toks);
}

size_t ag_pyedit_off(const char *text, const struct ag_tok *t)
{
	return (size_t)(t->p - text);
}

void ag_pyedit_assign_free(struct ag_pyedit_assign *as)
{
	for (size_t i = 0; i < as->natoms; i++)
		free(as->atoms[i].value);
	free(as->atoms);
	memset(as, 0, sizeof *as);
}

struct find_assign {
	const char *name;
	int line; /* 0: the last assignment anywhere */
	struct ag_pyedit_assign *out;
};

static void find_assign_fn(const struct ag_pyedit_stmt *st, const char *text, void *arg)
{
	struct find_assign *fa = arg;
	const struct ag_tok *t = st->t;
	size_t eq[16], neq = 0;
	for (size_t i = 0; i < st->n && neq < AG_ARRAY_LEN(eq); i++)
		if (t[i].kind == AG_TOK_OP && t[i].depth == 0 && ag_tok_is(&t[i], "="))
			eq[neq++] = i;
	if (!neq || t[0].kind != AG_TOK_NAME)
		return;
	bool target = false;
	size_t ann_from = 0, ann_to = 0;
	/* first target: NAME, or NAME ':' annotation */
	if (ag_tok_is(&t[0], fa->name)) {
		if (eq[0] == 1) {
			target = true;
		} else if (ag_tok_is(&t[1], ":") && eq[0] > 2) {
			target = true;
			ann_from = 2;
			ann_to = eq[0];
		}
	}
	for (size_t k = 1; k < neq && !target; k++)
		if (eq[k] == eq[k - 1] + 2 && t[eq[k - 1] + 1].kind == AG_TOK_NAME &&
		    ag_tok_is(&t[eq[k - 1] + 1], fa->name))
			target = true;
	if (!target || (fa->line && t[0].line != fa->line))
		return;
	size_t v0 = eq[neq - 1] + 1;
	if (v0 >= st->n)
		return;
	struct ag_pyedit_assign *as = fa->out;
	ag_pyedit_assign_free(as);
	as->found = true;
	as->line = t[0].line;
	as->stmt_off = ag_pyedit_off(text, &t[0]);
	as->stmt_end = ag_pyedit_off(text, &t[st->n - 1]) + t[st->n - 1].len;
	if (ann_to > ann_from) {
		as->ann_off = ag_pyedit_off(text, &t[ann_from]);
		as->ann_len = ag_pyedit_off(text, &t[ann_to - 1]) + t[ann_to - 1].len - as->ann_off;
	}
	as->val_off = ag_pyedit_off(text, &t[v0]);
	as->val_len = ag_pyedit_off(text, &t[st->n - 1]) + t[st->n - 1].len - as->val_off;
	as->plain = true;
	as->is_none = st->n - v0 == 1 && ag_tok_is(&t[v0], "None");
	for (size_t i = v0; i < st->n;) {
		if (t[i].kind != AG_TOK_STRING) {
			if (!(t[i].kind == AG_TOK_OP && strchr("()[],", t[i].p[0]) &&
			      t[i].len == 1) &&
			    !(st->n - v0 == 1 && as->is_none))
				as->plain = false;
			i++;
			continue;
		}
		size_t j = i;
		struct ag_buf b = {0};
		bool ok = true;
		while (j < st->n && t[j].kind == AG_TOK_STRING) {
			if (ag_pyscan_string(&t[j], &b) < 1)
				ok = false;
			j++;
		}
		as->atoms = ag_realloc(as->atoms, (as->natoms + 1) * sizeof *as->atoms);
		struct ag_pyedit_atom *a = &as->atoms[as->natoms++];
		a->off = ag_pyedit_off(text, &t[i]);
		a->len = ag_pyedit_off(text, &t[j - 1]) + t[j - 1].len - a->off;
		a->value = ok ? ag_buf_take(&b) : NULL;
		a->quote = t[i].p[t[i].len - 1];
		if (!ok)
			as->plain = false;
		ag_buf_free(&b);
		i = j;
	}
}

/* The module-level assignment to name on line (0: the last one). */
void ag_pyedit_find_assign(const char *text, size_t len, const char *name, int line,
                        struct ag_pyedit_assign *out)
{
	memset(out, 0, sizeof *out);
	struct find_assign fa = {name, line, out};
	ag_pyedit_each_statement(text, len, find_assign_fn, &fa);
}

/* The span of line (1-based) in text, newline excluded. */
static bool line_span(const char *text, size_t len, int line, size_t *off, size_t *n)
{
	if (line < 1)
		return false;
	size_t i = 0;
	for (int l = 1; l < line; l++) {
		const char *nl = memchr(text + i, '\n', len - i);
		if (!nl)
			return false;
		i = (size_t)(nl - text) + 1;
	}
	const char *nl = memchr(text + i, '\n', len - i);
	*off = i;
	*n = nl ? (size_t)(nl - (text + i)) : len - i;
	return true;
}


/* ---- edits of one file ------------------------------------------------- */

void ag_pyedit_files_free(struct ag_pyedit_files *w)
{
	for (size_t i = 0; i < w->n; i++) {
		struct ag_pyedit_file *f = &w->v[i];
		free(f->path);
		free(f->text);
		for (size_t k = 0; k < f->ne; k++)
			free(f->e[k].with);
		free(f->e);
		free(f->new_path);
		free(f->revision);
		ag_strv_free(&f->why);
	}
	free(w->v);
	memset(w, 0, sizeof *w);
}


struct ag_pyedit_file *ag_pyedit_files_add(struct ag_pyedit_files *w, const char *path, char *text,
                                           size_t len)
{
	ag_grow((void **)&w->v, &w->cap, w->n + 1, sizeof *w->v);
	struct ag_pyedit_file *f = &w->v[w->n++];
	memset(f, 0, sizeof *f);
	f->path = ag_strdup(path);
	f->text = text;
	f->len = len;
	return f;
}

void ag_pyedit_why(struct ag_pyedit_file *f, const char *why)
{
	if (!ag_strv_has(&f->why, why))
		ag_strv_push(&f->why, why);
}

/* Records an edit; an edit of the same span replaces the earlier one.
 * Returns -1 when it overlaps another edit differently. */
int ag_pyedit_edit(struct ag_pyedit_file *f, size_t off, size_t len, const char *with)
{
	for (size_t i = 0; i < f->ne; i++) {
		struct ag_pyedit_span *e = &f->e[i];
		if (e->off == off && e->len == len) {
			free(e->with);
			e->with = ag_strdup(with);
			return 0;
		}
		if (off < e->off + e->len && e->off < off + len)
			return -1;
	}
	f->e = ag_realloc(f->e, (f->ne + 1) * sizeof *f->e);
	f->e[f->ne++] = (struct ag_pyedit_span){off, len, ag_strdup(with)};
	return 0;
}

static int cmp_edit(const void *a, const void *b)
{
	const struct ag_pyedit_span *x = a, *y = b;
	return x->off < y->off ? -1 : x->off > y->off;
}

/* The file's text with its edits. New. */
char *ag_pyedit_result(struct ag_pyedit_file *f, size_t *len)
{
	if (f->ne)
		qsort(f->e, f->ne, sizeof *f->e, cmp_edit);
	struct ag_buf b = {0};
	ag_buf_adds(&b, "");
	size_t at = 0;
	for (size_t i = 0; i < f->ne; i++) {
		ag_buf_add(&b, f->text + at, f->e[i].off - at);
		ag_buf_adds(&b, f->e[i].with);
		at = f->e[i].off + f->e[i].len;
	}
	ag_buf_add(&b, f->text + at, f->len - at);
	*len = b.len;
	return ag_buf_take(&b);
}


/* A string literal for id in the file's quote style. New. */
char *ag_pyedit_literal(const char *id, char quote)
{
	char q = quote == '"' ? '"' : '\'';
	return ag_printf("%c%s%c", q, id, q);
}

/*
 * Replaces every string literal of name's assignment (the effective one,
 * at line) whose value is old by new_id. Returns the number replaced, or
 * -1 when the assignment cannot be found.
 */
int ag_pyedit_replace_in_assign(struct ag_pyedit_file *f, const char *name, int line, const char *old,
                             const char *new_id)
{
	struct ag_pyedit_assign as;
	ag_pyedit_find_assign(f->text, f->len, name, line, &as);
	if (!as.found) {
		ag_pyedit_assign_free(&as);
		return -1;
	}
	int n = 0;
	for (size_t i = 0; i < as.natoms; i++) {
		if (!streq(as.atoms[i].value, old))
			continue;
		char *lit = ag_pyedit_literal(new_id, as.atoms[i].quote);
		if (ag_pyedit_edit(f, as.atoms[i].off, as.atoms[i].len, lit) == 0)
			n++;
		free(lit);
	}
	ag_pyedit_assign_free(&as);
	return n;
}

static bool id_char_boundary(char c)
{
	return c == '\0' || c == ' ' || c == '\t' || c == ',' || c == '\r' || c == '"' ||
	       c == '\'' || c == ':' || c == '(' || c == ')';
}

/* In the docstring line at line (which must start with marker), replaces
 * the whole word old by new_id. Returns the number replaced. */
int ag_pyedit_replace_in_doc_line(struct ag_pyedit_file *f, const struct ag_doc *d, int line,
                               const char *marker, const char *old, const char *new_id)
{
	size_t off, n;
	if (!d->has || !line_span(f->text, f->len, line, &off, &n))
		return 0;
	if (off < d->off || off >= d->off + d->len)
		return 0;
	const char *l = f->text + off, *end = l + n;
	const char *m = l;
	while (m < end && (*m == ' ' || *m == '\t'))
		m++;
	size_t ml = strlen(marker);
	if ((size_t)(end - m) < ml || strncmp(m, marker, ml) != 0) {
		/* the header line may follow the opening quotes: """Revision ID: x */
		m = NULL;
		for (const char *p = l; p + ml <= end; p++)
			if (strncmp(p, marker, ml) == 0) {
				m = p;
				break;
			}
		if (!m)
			return 0;
	}
	int count = 0;
	size_t ol = strlen(old);
	for (const char *p = m + ml; p + ol <= end; p++) {
		if (strncmp(p, old, ol) != 0)
			continue;
		char before = p[-1], after = p + ol < end ? p[ol] : '\0';
		if (!id_char_boundary(before) || !id_char_boundary(after))
			continue;
		if (ag_pyedit_edit(f, (size_t)(p - f->text), ol, new_id) == 0)
			count++;
		p += ol - 1;
	}
	return count;
}

/* Sets the ids listed after marker on the docstring line to ids. */
bool ag_pyedit_set_doc_line(struct ag_pyedit_file *f, const struct ag_doc *d, int line, const char *marker,
                         const char *ids)
{
	size_t off, n;
	if (!d->has || !line_span(f->text, f->len, line, &off, &n))
		return false;
	if (off < d->off || off >= d->off + d->len)
		return false;
	const char *l = f->text + off, *end = l + n;
	const char *m = NULL;
	size_t ml = strlen(marker);
	for (const char *p = l; p + ml <= end; p++)
		if (strncmp(p, marker, ml) == 0) {
			m = p;
			break;
		}
	if (!m)
		return false;
	const char *s = m + ml, *e = s;
	/* the ids run up to the end of the line, or to closing quotes */
	while (e < end && *e != '"' && *e != '\'')
		e++;
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		e--;
	char *with = ag_printf("%s%s", *ids ? " " : "", ids);
	int r = ag_pyedit_edit(f, (size_t)(s - f->text), (size_t)(e - s), with);
	free(with);
	return r == 0;
}


