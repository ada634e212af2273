#include "finding.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quote.h"
#include "util.h"

/*
 * printf for a fix or a detail, whose newlines separate lines: every
 * string argument (%s) is outside text (an id, a row, a file name) and goes
 * through ag_quote_visible, so a newline or an escape sequence in it can
 * neither start a line of its own nor reach a terminal. The format's own
 * newlines stay. Only the conversions C's printf has are read; the compiler
 * checks them against the arguments (the format attribute in finding.h).
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static char *lines_printf(const char *fmt, va_list ap)
{
	struct ag_buf b = {0};
	ag_buf_adds(&b, "");
	const char *p = fmt;
	while (*p) {
		if (*p != '%') {
			const char *q = strchr(p, '%');
			size_t n = q ? (size_t)(q - p) : strlen(p);
			ag_buf_add(&b, p, n);
			p += n;
			continue;
		}
		if (p[1] == '%') {
			ag_buf_addc(&b, '%');
			p += 2;
			continue;
		}
		/* One conversion: flags, width, precision, length, type. The
		 * stars become numbers so each spec takes one argument. */
		char spec[128]; /* formats are literals in this code: short */
		size_t n = 0;
		spec[n++] = *p++;
		while (*p && strchr("-+ #0", *p) && n < 40)
			spec[n++] = *p++;
		for (int part = 0; part < 2; part++) {
			if (part == 1) {
				if (*p != '.')
					break;
				spec[n++] = *p++;
			}
			if (*p == '*') {
				n += (size_t)snprintf(spec + n, 16, "%d", va_arg(ap, int));
				p++;
			}
			while (*p >= '0' && *p <= '9' && n < 50)
				spec[n++] = *p++;
		}
		char len[3] = {0};
		size_t ln = 0;
		while (*p && strchr("hlzjtL", *p) && ln < 2)
			len[ln++] = spec[n++] = *p++;
		char conv = *p ? *p++ : '\0';
		spec[n++] = conv;
		spec[n] = '\0';
		char *piece = NULL;
		switch (conv) {
		case 'd': case 'i':
			if (strcmp(len, "z") == 0) piece = ag_printf(spec, va_arg(ap, size_t));
			else if (strcmp(len, "ll") == 0) piece = ag_printf(spec, va_arg(ap, long long));
			else if (strcmp(len, "l") == 0) piece = ag_printf(spec, va_arg(ap, long));
			else piece = ag_printf(spec, va_arg(ap, int));
			break;
		case 'u': case 'x': case 'X': case 'o':
			if (strcmp(len, "z") == 0) piece = ag_printf(spec, va_arg(ap, size_t));
			else if (strcmp(len, "ll") == 0) piece = ag_printf(spec, va_arg(ap, unsigned long long));
			else if (strcmp(len, "l") == 0) piece = ag_printf(spec, va_arg(ap, unsigned long));
			else piece = ag_printf(spec, va_arg(ap, unsigned));
			break;
		case 'c':
			piece = ag_printf(spec, va_arg(ap, int));
			break;
		case 'f': case 'g': case 'e':
			piece = ag_printf(spec, va_arg(ap, double));
			break;
		case 'p':
			piece = ag_printf(spec, va_arg(ap, void *));
			break;
		case 's': {
			char *v = ag_quote_visible_dup(va_arg(ap, const char *));
			piece = ag_printf(spec, v);
			free(v);
			break;
		}
		default: /* nothing this code base writes */
			piece = ag_strdup(spec);
		}
		ag_buf_adds(&b, piece);
		free(piece);
	}
	return ag_buf_take(&b);
}
#pragma GCC diagnostic pop

/* A fix or detail: "%s" alone copies a text prepared elsewhere (its
 * newlines are lines, its ids already quoted); any other format quotes its
 * string arguments. */
static char *fix_text(const char *fmt, va_list ap)
{
	if (strcmp(fmt, "%s") == 0)
		return ag_strdup(va_arg(ap, const char *));
	return lines_printf(fmt, ap);
}

struct ag_finding *ag_findings_add(struct ag_findings *fs, enum ag_severity sev, const char *code,
				   const char *rev, const char *file, int line, const char *fmt, ...)
{
	ag_grow((void **)&fs->v, &fs->cap, fs->n + 1, sizeof *fs->v);
	struct ag_finding *f = &fs->v[fs->n++];
	memset(f, 0, sizeof *f);
	f->code = ag_strdup(code);
	f->severity = sev;
	va_list ap;
	va_start(ap, fmt);
	f->message = ag_vprintf(fmt, ap);
	va_end(ap);
	f->revision = rev ? ag_strdup(rev) : NULL;
	f->file = file ? ag_strdup(file) : NULL;
	f->line = line;
	return f;
}

void ag_finding_fix(struct ag_finding *f, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	free(f->fix);
	f->fix = fix_text(fmt, ap);
	va_end(ap);
}

void ag_finding_detail(struct ag_finding *f, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	free(f->detail);
	f->detail = fix_text(fmt, ap);
	va_end(ap);
}

void ag_finding_cause(struct ag_finding *f, const char *cause)
{
	free(f->cause);
	f->cause = cause ? ag_strdup(cause) : NULL;
}

void ag_findings_move(struct ag_findings *dst, struct ag_findings *src)
{
	if (!src->n)
		return;
	ag_grow((void **)&dst->v, &dst->cap, dst->n + src->n, sizeof *dst->v);
	memcpy(dst->v + dst->n, src->v, src->n * sizeof *src->v);
	dst->n += src->n;
	free(src->v);
	memset(src, 0, sizeof *src);
}

static char *dup0(const char *s)
{
	return s ? ag_strdup(s) : NULL;
}

void ag_findings_copy(struct ag_findings *dst, const struct ag_findings *src)
{
	for (size_t i = 0; i < src->n; i++) {
		const struct ag_finding *f = &src->v[i];
		struct ag_finding *c = ag_findings_add(dst, f->severity, f->code, f->revision, f->file,
						       f->line, "%s", f->message);
		c->fix = dup0(f->fix);
		c->detail = dup0(f->detail);
		c->cause = dup0(f->cause);
	}
}

size_t ag_findings_count(const struct ag_findings *fs, enum ag_severity sev)
{
	size_t c = 0;
	for (size_t i = 0; i < fs->n; i++)
		c += fs->v[i].severity == sev;
	return c;
}

bool ag_findings_has(const struct ag_findings *fs, const char *code)
{
	for (size_t i = 0; i < fs->n; i++)
		if (strcmp(fs->v[i].code, code) == 0)
			return true;
	return false;
}

static int strcmp0(const char *a, const char *b)
{
	if (!a || !b)
		return (a != NULL) - (b != NULL);
	return strcmp(a, b);
}

static int cmp_finding(const struct ag_finding *a, const struct ag_finding *b)
{
	int c;
	if (a->severity != b->severity)
		return (int)b->severity - (int)a->severity;
	if ((c = strcmp0(a->file, b->file)))
		return c;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	if ((c = strcmp(a->code, b->code)))
		return c;
	return strcmp0(a->revision, b->revision);
}

struct sort_item {
	struct ag_finding f;
	size_t idx;
};

static int cmp_item(const void *pa, const void *pb)
{
	const struct sort_item *a = pa, *b = pb;
	int c = cmp_finding(&a->f, &b->f);
	if (c)
		return c;
	/* Equal findings keep the order in which they were found. */
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

void ag_findings_sort(struct ag_findings *fs)
{
	if (fs->n < 2)
		return;
	struct sort_item *items = ag_malloc(fs->n * sizeof *items);
	for (size_t i = 0; i < fs->n; i++) {
		items[i].f = fs->v[i];
		items[i].idx = i;
	}
	qsort(items, fs->n, sizeof *items, cmp_item);
	for (size_t i = 0; i < fs->n; i++)
		fs->v[i] = items[i].f;
	free(items);
}

void ag_findings_free(struct ag_findings *fs)
{
	for (size_t i = 0; i < fs->n; i++) {
		struct ag_finding *f = &fs->v[i];
		free(f->code);
		free(f->message);
		free(f->revision);
		free(f->file);
		free(f->fix);
		free(f->detail);
		free(f->cause);
	}
	free(fs->v);
	memset(fs, 0, sizeof *fs);
}

const char *ag_severity_name(enum ag_severity sev)
{
	switch (sev) {
	case AG_SEV_ERROR:
		return "error";
	case AG_SEV_WARNING:
		return "warning";
	default:
		return "info";
	}
}
