#include "doc.h"

#include <stdlib.h>
#include <string.h>

#include "pyscan.h"

void ag_doc_free(struct ag_doc *d)
{
	if (!d)
		return;
	free(d->message);
	free(d->create_date);
	free(d->revision);
	ag_strv_free(&d->revises);
	memset(d, 0, sizeof *d);
}

/* Where each literal's value starts in the decoded text, and its line:
 * a header line's number is its literal's line plus the newlines before
 * it in that literal's value, so implicitly concatenated literals on
 * several lines count right. */
struct seg {
	size_t off;
	int line;
};

static int line_at(const struct seg *segs, size_t nsegs, const char *text, size_t pos)
{
	size_t k = 0;
	while (k + 1 < nsegs && segs[k + 1].off <= pos)
		k++;
	int line = segs[k].line;
	for (size_t i = segs[k].off; i < pos; i++)
		if (text[i] == '\n')
			line++;
	return line;
}

/* The value after marker on a trimmed line s (n bytes), blanks after the
 * colon skipped; NULL when the line is not that header. */
static const char *header(const char *s, size_t n, const char *marker, size_t *vn)
{
	size_t m = strlen(marker);
	if (n < m || strncmp(s, marker, m) != 0)
		return NULL;
	const char *v = s + m;
	*vn = n - m;
	while (*vn && *v == ' ') {
		v++;
		(*vn)--;
	}
	return v;
}

static void read_headers(struct ag_doc *d, const char *text, const struct seg *segs,
			 size_t nsegs)
{
	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		const char *s = p;
		while (n && (*s == ' ' || *s == '\t')) {
			s++;
			n--;
		}
		while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
			n--;
		size_t vn = 0;
		const char *v;
		if (!d->revision && (v = header(s, n, "Revision ID:", &vn))) {
			d->revision = ag_strndup(v, vn);
			d->revision_line = line_at(segs, nsegs, text, (size_t)(p - text));
		} else if (!d->has_revises && (v = header(s, n, "Revises:", &vn))) {
			d->has_revises = true;
			d->revises_line = line_at(segs, nsegs, text, (size_t)(p - text));
			const char *end = v + vn;
			while (v < end) {
				while (v < end && (*v == ' ' || *v == ',' || *v == '\t'))
					v++;
				const char *e = v;
				while (e < end && *e != ',' && *e != ' ' && *e != '\t')
					e++;
				if (e > v)
					ag_strv_push_take(&d->revises, ag_strndup(v, (size_t)(e - v)));
				v = e;
			}
		} else if (!d->create_date && (v = header(s, n, "Create Date:", &vn))) {
			d->create_date = ag_strndup(v, vn);
		}
		if (!nl)
			break;
		p = nl + 1;
	}
}

/* Alembic's Script.doc: re.split("\n\n", __doc__.strip())[0]. */
static void read_message(struct ag_doc *d, const char *text)
{
	static const char ws[] = " \t\n\r\f\v";
	const char *s = text, *e = text + strlen(text);
	while (s < e && strchr(ws, *s))
		s++;
	while (e > s && strchr(ws, e[-1]))
		e--;
	const char *para = s;
	while (para + 1 < e && !(para[0] == '\n' && para[1] == '\n'))
		para++;
	if (para + 1 >= e)
		para = e;
	size_t n = (size_t)(para - s);
	if (n == 0 || (n >= 12 && strncmp(s, "Revision ID:", 12) == 0) ||
	    (n == 4 && strncmp(s, "None", 4) == 0) || (n == 13 && strncmp(s, "empty message", 13) == 0))
		return;
	d->message = ag_strndup(s, n);
}

void ag_doc_read(struct ag_doc *d, const char *text, size_t len)
{
	memset(d, 0, sizeof *d);
	struct ag_pyscan sc;
	struct ag_tok t;
	ag_pyscan_init(&sc, text, len);
	ag_pyscan_next(&sc, &t);
	/* ("...") is a docstring too: the brackets only group. */
	int parens = 0;
	while (t.kind == AG_TOK_OP && ag_tok_is(&t, "(") && parens < 8) {
		parens++;
		ag_pyscan_next(&sc, &t);
	}
	if (t.kind != AG_TOK_STRING)
		return;
	struct ag_buf b = {0};
	ag_buf_adds(&b, "");
	struct seg *segs = NULL;
	size_t nsegs = 0, cap = 0;
	const struct ag_tok first = t;
	struct ag_tok last = t;
	bool ok = true;
	while (t.kind == AG_TOK_STRING) {
		ag_grow((void **)&segs, &cap, nsegs + 1, sizeof *segs);
		segs[nsegs].off = b.len;
		segs[nsegs++].line = t.line;
		if (ag_pyscan_string(&t, &b) != 1)
			ok = false; /* bytes, an f-string: Python sets no __doc__ */
		last = t;
		ag_pyscan_next(&sc, &t);
	}
	for (; parens > 0 && t.kind == AG_TOK_OP && ag_tok_is(&t, ")"); parens--)
		ag_pyscan_next(&sc, &t);
	/* A lone string statement: `"x".strip()` or `"x" + y` is none. */
	bool alone = parens == 0 &&
		     (t.kind == AG_TOK_NEWLINE || t.kind == AG_TOK_EOF ||
		      (t.kind == AG_TOK_OP && ag_tok_is(&t, ";")));
	if (ok && alone) {
		d->has = true;
		d->off = (size_t)(first.p - text);
		d->len = (size_t)(last.p + last.len - first.p);
		d->line = first.line;
		/* The quote after the prefix (r, b, u...); a triple quote needs
		 * six bytes, and the buffer need not end in a NUL. */
		const char *q = first.p, *qe = first.p + first.len;
		while (q < qe && *q != '"' && *q != '\'')
			q++;
		size_t nq = qe - q >= 6 && q[0] == q[1] && q[1] == q[2] ? 3 : 1;
		memcpy(d->quote, q, nq);
		d->quote[nq] = '\0';
		read_headers(d, b.p, segs, nsegs);
		read_message(d, b.p);
	}
	free(segs);
	ag_buf_free(&b);
}
