#include "repair.h"
#include "quote.h"
#include "report.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "pyscan.h"

#define DEFAULT_TEMPLATE    "%(rev)s_%(slug)s"
#define SLUG_LEN            40
#define PLACEHOLDER_MESSAGE "placeholder"

/* ---- the plan -------------------------------------------------------- */

static void action_free(struct ag_repair_action *a)
{
	free(a->path);
	free(a->new_path);
	free(a->keep);
	free(a->revision);
	free(a->old_text);
	free(a->new_text);
	free(a->why);
}

void ag_repair_free(struct ag_repair *plan)
{
	if (!plan)
		return;
	for (size_t i = 0; i < plan->n; i++)
		action_free(&plan->v[i]);
	free(plan->v);
	ag_strv_free(&plan->sql_old);
	ag_strv_free(&plan->sql_new);
	ag_strv_free(&plan->notes);
	memset(plan, 0, sizeof *plan);
}

static struct ag_repair_action *add_action(struct ag_repair *plan, enum ag_repair_kind kind,
                                           const char *path)
{
	ag_grow((void **)&plan->v, &plan->cap, plan->n + 1, sizeof *plan->v);
	struct ag_repair_action *a = &plan->v[plan->n++];
	memset(a, 0, sizeof *a);
	a->kind = kind;
	a->path = ag_strdup(path);
	return a;
}

static char *memdup0(const char *p, size_t n)
{
	char *s = ag_malloc(n + 1);
	if (n)
		memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

static bool streq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

/*
 * The text of path as the plan so far leaves it. *gone is set when the
 * plan deletes or moves the file away. Returns a new buffer (NUL
 * terminated), or NULL with *gone, or NULL with err on a read error.
 */
static char *text_of(const struct ag_repair *plan, const char *path, size_t *len, bool *gone,
                     struct ag_err *err)
{
	*gone = false;
	for (size_t i = plan ? plan->n : 0; i-- > 0;) {
		const struct ag_repair_action *a = &plan->v[i];
		if (a->kind == AG_REPAIR_RENAME && streq(a->new_path, path)) {
			const char *t = a->new_text ? a->new_text : a->old_text;
			size_t n = a->new_text ? a->new_len : a->old_len;
			*len = n;
			return memdup0(t, n);
		}
		if (!streq(a->path, path))
			continue;
		if (a->kind == AG_REPAIR_DELETE || a->kind == AG_REPAIR_RENAME) {
			*gone = true;
			return NULL;
		}
		if (a->kind == AG_REPAIR_CREATE || a->kind == AG_REPAIR_EDIT) {
			*len = a->new_len;
			return memdup0(a->new_text, a->new_len);
		}
	}
	char *t = ag_read_file(path, len);
	if (!t)
		ag_err_set(err, AG_ERR_IO, "cannot read %s: %s", path, strerror(errno));
	return t;
}

/* True when the plan creates path or moves a file onto it. */
static bool plan_claims(const struct ag_repair *plan, const char *path)
{
	for (size_t i = 0; plan && i < plan->n; i++) {
		const struct ag_repair_action *a = &plan->v[i];
		if ((a->kind == AG_REPAIR_CREATE && streq(a->path, path)) ||
		    (a->kind == AG_REPAIR_RENAME && streq(a->new_path, path)))
			return true;
	}
	return false;
}

/* A name is taken when a file is there or the plan puts one there. */
static bool name_taken(const struct ag_repair *plan, const char *path)
{
	struct stat st;
	return plan_claims(plan, path) || lstat(path, &st) == 0;
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return ag_strdup(".");
	if (slash == path)
		return ag_strdup("/");
	return ag_strndup(path, (size_t)(slash - path));
}

static const char *base_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

static char *join_path(const char *dir, const char *name)
{
	if (strcmp(dir, ".") == 0)
		return ag_strdup(name);
	size_t n = strlen(dir);
	return ag_printf("%s%s%s", dir, n && dir[n - 1] == '/' ? "" : "/", name);
}

/* ---- ids, slugs and file names ---------------------------------------- */

const char *ag_repair_bad_id(const char *id)
{
	if (!id || !*id)
		return "a revision id cannot be empty";
	for (const unsigned char *p = (const unsigned char *)id; *p; p++) {
		if (*p == '-' || *p == '@' || *p == '+')
			return "Alembic refuses revision ids that contain '-', '@' or '+' "
			       "(they mean relative revisions and branch@head)";
	}
	for (const unsigned char *p = (const unsigned char *)id; *p; p++) {
		if (*p <= ' ' || *p == 0x7f || *p == '\'' || *p == '"' || *p == '\\' || *p == ',')
			return "a revision id with a space, a quote, a backslash, a comma or a "
			       "control "
			       "character cannot be written safely into a migration file and its "
			       "Revises: header";
	}
	return NULL;
}

static bool is_word(unsigned char c)
{
	/* Python's \w on str: letters, digits, '_', and (roughly) every
	 * non-ASCII letter: bytes of UTF-8 sequences count as word bytes. */
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c >= 0x80;
}

char *ag_repair_slug(const char *message, int truncate)
{
	size_t limit = truncate > 0 ? (size_t)truncate : SLUG_LEN;
	struct ag_buf b = {0};
	ag_buf_adds(&b, "");
	const unsigned char *p = (const unsigned char *)(message ? message : "");
	while (*p) {
		while (*p && !is_word(*p))
			p++;
		if (!*p)
			break;
		if (b.len)
			ag_buf_addc(&b, '_');
		while (*p && is_word(*p)) {
			unsigned char c = *p++;
			if (c >= 'A' && c <= 'Z')
				c = (unsigned char)(c - 'A' + 'a');
			ag_buf_addc(&b, (char)c);
		}
	}
	/* Lengths count characters, as Python does, not bytes. */
	size_t chars = 0, cut = b.len;
	for (size_t i = 0; i < b.len; i++) {
		if (((unsigned char)b.p[i] & 0xc0) == 0x80)
			continue;
		if (chars == limit) {
			cut = i;
			break;
		}
		chars++;
	}
	if (cut < b.len) {
		/* slug[:n].rsplit("_", 1)[0] + "_" */
		b.p[cut] = '\0';
		char *us = strrchr(b.p, '_');
		if (us)
			*us = '\0';
		b.len = strlen(b.p);
		ag_buf_addc(&b, '_');
	}
	return ag_buf_take(&b);
}

/* A template expanded into literal pieces and holes. */
enum seg_kind { SEG_TEXT, SEG_SLUG, SEG_NUMBER };

struct seg {
	enum seg_kind kind;
	char *text; /* SEG_TEXT */
};

struct segs {
	struct seg *v;
	size_t n, cap;
};

static void segs_free(struct segs *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i].text);
	free(s->v);
	memset(s, 0, sizeof *s);
}

static void segs_text(struct segs *s, const char *p, size_t n)
{
	if (!n)
		return;
	if (s->n && s->v[s->n - 1].kind == SEG_TEXT) {
		struct seg *last = &s->v[s->n - 1];
		size_t old = strlen(last->text);
		last->text = ag_realloc(last->text, old + n + 1);
		memcpy(last->text + old, p, n);
		last->text[old + n] = '\0';
		return;
	}
	ag_grow((void **)&s->v, &s->cap, s->n + 1, sizeof *s->v);
	s->v[s->n].kind = SEG_TEXT;
	s->v[s->n].text = ag_strndup(p, n);
	s->n++;
}

static void segs_hole(struct segs *s, enum seg_kind kind)
{
	ag_grow((void **)&s->v, &s->cap, s->n + 1, sizeof *s->v);
	s->v[s->n].kind = kind;
	s->v[s->n].text = NULL;
	s->n++;
}

struct tfields {
	const char *rev, *slug; /* slug NULL: a hole */
	bool has_date;          /* false: the date fields are holes */
	struct tm tm;
	long long epoch;
};

/* Python's "%(name)<flags><width>.<prec><conv>" for one value. */
static void format_one(struct ag_buf *out, const char *flags, int width, int prec, char conv,
                       const char *s, bool is_int, long long v)
{
	bool left = strchr(flags, '-') != NULL;
	bool zero = strchr(flags, '0') != NULL && !left;
	struct ag_buf body = {0};
	ag_buf_adds(&body, "");
	char sign = 0;
	if (conv == 's' || conv == 'r' || conv == 'a') {
		struct ag_buf raw = {0};
		ag_buf_adds(&raw, "");
		if (is_int)
			ag_buf_addf(&raw, "%lld", v);
		else if (conv == 's')
			ag_buf_adds(&raw, s);
		else
			ag_buf_addf(&raw, "'%s'", s);
		size_t n = raw.len;
		if (prec >= 0 && (size_t)prec < n)
			n = (size_t)prec;
		ag_buf_add(&body, raw.p, n);
		ag_buf_free(&raw);
		zero = false;
	} else {
		unsigned long long mag =
		    v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
		if (v < 0)
			sign = '-';
		else if (strchr(flags, '+'))
			sign = '+';
		else if (strchr(flags, ' '))
			sign = ' ';
		char digits[32];
		snprintf(digits, sizeof digits, "%llu", mag);
		size_t nd = strlen(digits);
		for (size_t i = nd; prec >= 0 && i < (size_t)prec; i++)
			ag_buf_addc(&body, '0');
		ag_buf_adds(&body, digits);
	}
	size_t total = body.len + (sign ? 1 : 0);
	size_t pad = width > 0 && (size_t)width > total ? (size_t)width - total : 0;
	if (!left && !zero)
		for (size_t i = 0; i < pad; i++)
			ag_buf_addc(out, ' ');
	if (sign)
		ag_buf_addc(out, sign);
	if (zero)
		for (size_t i = 0; i < pad; i++)
			ag_buf_addc(out, '0');
	ag_buf_add(out, body.p, body.len);
	if (left)
		for (size_t i = 0; i < pad; i++)
			ag_buf_addc(out, ' ');
	ag_buf_free(&body);
}

/* Expands tmpl into segs; holes where the fields say so. */
static int expand(const char *tmpl, const struct tfields *f, struct segs *out, struct ag_err *err)
{
	const char *p = tmpl;
	struct ag_buf lit = {0};
	ag_buf_adds(&lit, "");
	int rc = 0;
	while (*p) {
		if (*p != '%') {
			ag_buf_addc(&lit, *p++);
			continue;
		}
		p++;
		if (*p == '%') {
			ag_buf_addc(&lit, '%');
			p++;
			continue;
		}
		if (*p != '(') {
			rc = ag_err_set(
			    err, AG_ERR_CONFIG,
			    "file_template '%s' has a '%%' that is not %%(name)s or %%%%; "
			    "Alembic could not use it either",
			    tmpl);
			break;
		}
		const char *close = strchr(p, ')');
		if (!close) {
			rc = ag_err_set(err, AG_ERR_CONFIG,
			                "file_template '%s' has an unclosed '%%('", tmpl);
			break;
		}
		char *key = ag_strndup(p + 1, (size_t)(close - p - 1));
		p = close + 1;
		char flags[8] = {0};
		size_t nf = 0;
		while (*p && strchr("#0- +", *p) && nf < sizeof flags - 1)
			flags[nf++] = *p++;
		int width = -1, prec = -1;
		if (*p >= '0' && *p <= '9') {
			width = 0;
			while (*p >= '0' && *p <= '9' && width < 1000)
				width = width * 10 + (*p++ - '0');
		}
		if (*p == '.') {
			p++;
			prec = 0;
			while (*p >= '0' && *p <= '9' && prec < 1000)
				prec = prec * 10 + (*p++ - '0');
		}
		while (*p == 'h' || *p == 'l' || *p == 'L')
			p++; /* Python accepts and ignores length modifiers */
		char conv = *p ? *p++ : '\0';
		if (!strchr("sradiu", conv) || !conv) {
			rc =
			    ag_err_set(err, AG_ERR_CONFIG,
			               "file_template '%s': %%(%s) uses a conversion alembic-guard "
			               "does not know; use s or d",
			               tmpl, key);
			free(key);
			break;
		}
		bool is_str = strcmp(key, "rev") == 0 || strcmp(key, "slug") == 0;
		long long v = 0;
		bool known = true;
		if (strcmp(key, "epoch") == 0)
			v = f->epoch;
		else if (strcmp(key, "year") == 0)
			v = f->tm.tm_year + 1900;
		else if (strcmp(key, "month") == 0)
			v = f->tm.tm_mon + 1;
		else if (strcmp(key, "day") == 0)
			v = f->tm.tm_mday;
		else if (strcmp(key, "hour") == 0)
			v = f->tm.tm_hour;
		else if (strcmp(key, "minute") == 0)
			v = f->tm.tm_min;
		else if (strcmp(key, "second") == 0)
			v = f->tm.tm_sec;
		else if (!is_str)
			known = false;
		if (!known) {
			rc =
			    ag_err_set(err, AG_ERR_CONFIG,
			               "file_template '%s' names %%(%s)s; Alembic knows rev, slug, "
			               "epoch, year, month, day, hour, minute and second",
			               tmpl, key);
			free(key);
			break;
		}
		if (is_str && strchr("diu", conv)) {
			rc = ag_err_set(
			    err, AG_ERR_CONFIG,
			    "file_template '%s' formats %%(%s) as a number; it is a string", tmpl,
			    key);
			free(key);
			break;
		}
		bool hole =
		    (is_str && strcmp(key, "slug") == 0 && !f->slug) || (!is_str && !f->has_date);
		if (hole) {
			segs_text(out, lit.p, lit.len);
			lit.len = 0;
			lit.p[0] = '\0';
			segs_hole(out, is_str ? SEG_SLUG : SEG_NUMBER);
		} else {
			const char *s = strcmp(key, "rev") == 0 ? f->rev : f->slug;
			format_one(&lit, flags, width, prec, conv, is_str ? s : NULL, !is_str, v);
		}
		free(key);
	}
	if (rc == 0)
		segs_text(out, lit.p, lit.len);
	ag_buf_free(&lit);
	return rc;
}

static void local_tm(time_t when, struct tm *tm)
{
	if (!localtime_r(&when, tm))
		memset(tm, 0, sizeof *tm);
}

char *ag_repair_file_name(const char *tmpl, const char *rev, const char *slug, time_t when,
                          struct ag_err *err)
{
	struct tfields f = {
	    .rev = rev, .slug = slug ? slug : "", .has_date = true, .epoch = (long long)when};
	local_tm(when, &f.tm);
	struct segs s = {0};
	if (expand(tmpl ? tmpl : DEFAULT_TEMPLATE, &f, &s, err) < 0) {
		segs_free(&s);
		return NULL;
	}
	char *name = ag_printf("%s.py", s.n ? s.v[0].text : "");
	segs_free(&s);
	return name;
}

static bool slug_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c >= 0x80;
}

static bool match_segs(const struct segs *s, size_t i, const char *name)
{
	if (i == s->n)
		return strcmp(name, ".py") == 0;
	const struct seg *g = &s->v[i];
	if (g->kind == SEG_TEXT) {
		size_t n = strlen(g->text);
		return strncmp(name, g->text, n) == 0 && match_segs(s, i + 1, name + n);
	}
	/* A hole: try every length, shortest first. */
	for (size_t n = 0;; n++) {
		if (match_segs(s, i + 1, name + n))
			return true;
		unsigned char c = (unsigned char)name[n];
		if (!c)
			return false;
		bool ok = g->kind == SEG_SLUG ? slug_byte(c)
		                              : ((c >= '0' && c <= '9') || c == ' ' || c == '-');
		if (!ok)
			return false;
	}
}

bool ag_repair_name_conforms(const char *tmpl, const char *name, const char *rev, bool has_date,
                             time_t when)
{
	struct tfields f = {
	    .rev = rev, .slug = NULL, .has_date = has_date, .epoch = (long long)when};
	if (has_date)
		local_tm(when, &f.tm);
	struct segs s = {0};
	bool ok = false;
	struct ag_err err = {0};
	if (expand(tmpl ? tmpl : DEFAULT_TEMPLATE, &f, &s, &err) == 0)
		ok = match_segs(&s, 0, name);
	segs_free(&s);
	return ok;
}

char *ag_repair_sql(const char *table, const char *old_id, const char *new_id)
{
	return ag_quote_sql_update(table ? table : "alembic_version", new_id, old_id);
}

/* ---- unified diffs ----------------------------------------------------- */

struct lines {
	const char **p; /* start of each line */
	size_t *len;    /* its length, newline excluded */
	size_t n;
	bool last_nl; /* the last line ends with a newline */
};

static void split_lines(const char *t, size_t len, struct lines *l)
{
	memset(l, 0, sizeof *l);
	size_t cap = 0;
	size_t i = 0;
	l->last_nl = true;
	while (i < len) {
		const char *nl = memchr(t + i, '\n', len - i);
		size_t n = nl ? (size_t)(nl - (t + i)) : len - i;
		if (l->n + 1 > cap) {
			size_t c = cap ? cap * 2 : 64;
			l->p = ag_realloc(l->p, c * sizeof *l->p);
			l->len = ag_realloc(l->len, c * sizeof *l->len);
			cap = c;
		}
		l->p[l->n] = t + i;
		l->len[l->n] = n;
		l->n++;
		i += n + (nl ? 1 : 0);
		if (!nl)
			l->last_nl = false;
	}
}

static void lines_free(struct lines *l)
{
	free(l->p);
	free(l->len);
}

static bool line_eq(const struct lines *a, size_t i, const struct lines *b, size_t j)
{
	return a->len[i] == b->len[j] && memcmp(a->p[i], b->p[j], a->len[i]) == 0 &&
	       /* the last line without a newline differs from one with it */
	       (i + 1 == a->n ? a->last_nl : true) == (j + 1 == b->n ? b->last_nl : true);
}

enum { OP_EQ, OP_DEL, OP_INS };

struct op {
	unsigned char kind;
	size_t a, b; /* line indices in a and b */
};

/* The edit script: common prefix and suffix, LCS in between (when small
 * enough; else the middle is replaced wholesale, still a correct diff). */
static struct op *edit_script(const struct lines *a, const struct lines *b, size_t *nops)
{
	size_t pre = 0;
	while (pre < a->n && pre < b->n && line_eq(a, pre, b, pre))
		pre++;
	size_t suf = 0;
	while (suf < a->n - pre && suf < b->n - pre &&
	       line_eq(a, a->n - 1 - suf, b, b->n - 1 - suf))
		suf++;
	size_t ma = a->n - pre - suf, mb = b->n - pre - suf;
	struct op *ops = ag_malloc((a->n + b->n + 1) * sizeof *ops);
	size_t k = 0;
	for (size_t i = 0; i < pre; i++)
		ops[k++] = (struct op){OP_EQ, i, i};
	if (ma && mb && ma * mb <= 4000000u) {
		/* lcs[i][j]: LCS length of a[pre+i..] and b[pre+j..] */
		size_t w = mb + 1;
		uint32_t *lcs = ag_calloc((ma + 1) * w, sizeof *lcs);
		for (size_t i = ma; i-- > 0;)
			for (size_t j = mb; j-- > 0;)
				lcs[i * w + j] = line_eq(a, pre + i, b, pre + j)
				                     ? lcs[(i + 1) * w + j + 1] + 1
				                     : (lcs[(i + 1) * w + j] >= lcs[i * w + j + 1]
				                            ? lcs[(i + 1) * w + j]
				                            : lcs[i * w + j + 1]);
		size_t i = 0, j = 0;
		while (i < ma || j < mb) {
			if (i < ma && j < mb && line_eq(a, pre + i, b, pre + j)) {
				ops[k++] = (struct op){OP_EQ, pre + i, pre + j};
				i++;
				j++;
			} else if (i < ma &&
			           (j == mb || lcs[(i + 1) * w + j] >= lcs[i * w + j + 1])) {
				/* deletions before insertions, as diff(1) shows them */
				ops[k++] = (struct op){OP_DEL, pre + i, pre + j};
				i++;
			} else {
				ops[k++] = (struct op){OP_INS, pre + i, pre + j};
				j++;
			}
		}
		free(lcs);
	} else {
		for (size_t i = 0; i < ma; i++)
			ops[k++] = (struct op){OP_DEL, pre + i, pre};
		for (size_t j = 0; j < mb; j++)
			ops[k++] = (struct op){OP_INS, pre + ma, pre + j};
	}
	for (size_t i = 0; i < suf; i++)
		ops[k++] = (struct op){OP_EQ, pre + ma + i, pre + mb + i};
	*nops = k;
	return ops;
}

static void emit_line(struct ag_buf *out, char mark, const struct lines *l, size_t i)
{
	ag_buf_addc(out, mark);
	ag_buf_add(out, l->p[i], l->len[i]);
	ag_buf_addc(out, '\n');
	if (i + 1 == l->n && !l->last_nl)
		ag_buf_adds(out, "\\ No newline at end of file\n");
}

void ag_repair_diff(const char *a_label, const char *a, size_t alen, const char *b_label,
                    const char *b, size_t blen, struct ag_buf *out)
{
	if (alen == blen && (alen == 0 || memcmp(a, b, alen) == 0))
		return;
	struct lines la, lb;
	split_lines(a ? a : "", a ? alen : 0, &la);
	split_lines(b ? b : "", b ? blen : 0, &lb);
	size_t nops = 0;
	struct op *ops = edit_script(&la, &lb, &nops);
	ag_buf_addf(out, "--- %s\n+++ %s\n", a_label ? a_label : "/dev/null",
	            b_label ? b_label : "/dev/null");
	const size_t ctx = 3;
	size_t i = 0;
	while (i < nops) {
		while (i < nops && ops[i].kind == OP_EQ)
			i++;
		if (i >= nops)
			break;
		/* A hunk: from ctx lines before this change to ctx lines after
		 * the last change that is at most 2*ctx lines further on. */
		size_t start = i >= ctx ? i - ctx : 0;
		size_t end = i;
		for (size_t j = i; j < nops; j++) {
			if (ops[j].kind != OP_EQ) {
				end = j;
				continue;
			}
			if (j - end > 2 * ctx)
				break;
		}
		size_t stop = end + 1 + ctx < nops ? end + 1 + ctx : nops;
		size_t acount = 0, bcount = 0;
		for (size_t j = start; j < stop; j++) {
			acount += ops[j].kind != OP_INS;
			bcount += ops[j].kind != OP_DEL;
		}
		size_t astart = ops[start].a, bstart = ops[start].b;
		ag_buf_addf(out, "@@ -%zu,%zu +%zu,%zu @@\n", acount ? astart + 1 : astart, acount,
		            bcount ? bstart + 1 : bstart, bcount);
		for (size_t j = start; j < stop; j++) {
			if (ops[j].kind == OP_EQ)
				emit_line(out, ' ', &la, ops[j].a);
			else if (ops[j].kind == OP_DEL)
				emit_line(out, '-', &la, ops[j].a);
			else
				emit_line(out, '+', &lb, ops[j].b);
		}
		i = stop;
	}
	free(ops);
	lines_free(&la);
	lines_free(&lb);
}

/* ---- reading migration files with pyscan ------------------------------ */

/* One module-level statement: its tokens (pointing into the text). */
struct stmt {
	struct ag_tok *t;
	size_t n;
	bool first; /* the first statement of the module */
};

typedef void (*stmt_fn)(const struct stmt *st, const char *text, void *arg);

static void each_statement(const char *text, size_t len, stmt_fn fn, void *arg)
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
		struct stmt st = {toks, n, first};
		first = false;
		if (n)
			fn(&st, text, arg);
		if (t.kind != AG_TOK_EOF)
			ag_pyscan_next(&s, &t);
	}
	free(toks);
}

static size_t off_of(const char *text, const struct ag_tok *t)
{
	return (size_t)(t->p - text);
}

/* A string literal, or several written next to each other ('a' 'b'). */
struct atom {
	size_t off, len;
	char *value; /* NULL or malloced: NULL when not a plain str */
	char quote;
};

struct assign {
	bool found;
	int line;
	size_t stmt_off, stmt_end;
	size_t ann_off, ann_len; /* the annotation after ':', trimmed; 0 when none */
	size_t val_off, val_len; /* the value, first token to last */
	struct atom *atoms;      /* the string literals of the value */
	size_t natoms;
	bool plain; /* the value is None, a str, or a tuple/list of str and nothing else */
	bool is_none;
};

static void assign_free(struct assign *as)
{
	for (size_t i = 0; i < as->natoms; i++)
		free(as->atoms[i].value);
	free(as->atoms);
	memset(as, 0, sizeof *as);
}

struct find_assign {
	const char *name;
	int line; /* 0: the last assignment anywhere */
	struct assign *out;
};

static void find_assign_fn(const struct stmt *st, const char *text, void *arg)
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
	struct assign *as = fa->out;
	assign_free(as);
	as->found = true;
	as->line = t[0].line;
	as->stmt_off = off_of(text, &t[0]);
	as->stmt_end = off_of(text, &t[st->n - 1]) + t[st->n - 1].len;
	if (ann_to > ann_from) {
		as->ann_off = off_of(text, &t[ann_from]);
		as->ann_len = off_of(text, &t[ann_to - 1]) + t[ann_to - 1].len - as->ann_off;
	}
	as->val_off = off_of(text, &t[v0]);
	as->val_len = off_of(text, &t[st->n - 1]) + t[st->n - 1].len - as->val_off;
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
		struct atom *a = &as->atoms[as->natoms++];
		a->off = off_of(text, &t[i]);
		a->len = off_of(text, &t[j - 1]) + t[j - 1].len - a->off;
		a->value = ok ? ag_buf_take(&b) : NULL;
		a->quote = t[i].p[t[i].len - 1];
		if (!ok)
			as->plain = false;
		ag_buf_free(&b);
		i = j;
	}
}

/* The module-level assignment to name on line (0: the last one). */
static void find_assign(const char *text, size_t len, const char *name, int line,
                        struct assign *out)
{
	memset(out, 0, sizeof *out);
	struct find_assign fa = {name, line, out};
	each_statement(text, len, find_assign_fn, &fa);
}

/* The module docstring. */
struct docinfo {
	bool has;
	size_t off, len;   /* the literal(s) in the text */
	int line;          /* its first line */
	char docq[4];      /* the opening quote: """, ''', " or ' */
	char *message;     /* NULL or malloced: Alembic's `doc` (up to the first blank line) */
	char *create_date; /* NULL or malloced: the "Create Date:" value */
};

static void docinfo_free(struct docinfo *d)
{
	free(d->message);
	free(d->create_date);
	memset(d, 0, sizeof *d);
}

static void docinfo_fn(const struct stmt *st, const char *text, void *arg)
{
	struct docinfo *d = arg;
	if (!st->first || d->has)
		return;
	for (size_t i = 0; i < st->n; i++)
		if (st->t[i].kind != AG_TOK_STRING)
			return;
	struct ag_buf b = {0};
	for (size_t i = 0; i < st->n; i++)
		if (ag_pyscan_string(&st->t[i], &b) < 1) {
			ag_buf_free(&b);
			return;
		}
	d->has = true;
	d->off = off_of(text, &st->t[0]);
	d->len = off_of(text, &st->t[st->n - 1]) + st->t[st->n - 1].len - d->off;
	d->line = st->t[0].line;
	const char *q = st->t[0].p;
	while (*q != '"' && *q != '\'')
		q++;
	size_t nq = (q[0] == q[1] && q[1] == q[2]) ? 3 : 1;
	memcpy(d->docq, q, nq);
	d->docq[nq] = '\0';
	const char *doc = b.p ? b.p : "";
	/* doc.strip(), then re.split("\n\n", ...)[0] */
	const char *s = doc, *e = doc + strlen(doc);
	while (s < e && strchr(" \t\n\r\f\v", *s))
		s++;
	while (e > s && strchr(" \t\n\r\f\v", e[-1]))
		e--;
	const char *para = s;
	while (para + 1 < e && !(para[0] == '\n' && para[1] == '\n'))
		para++;
	if (para + 1 >= e)
		para = e;
	d->message = ag_strndup(s, (size_t)(para - s));
	for (const char *l = doc; *l;) {
		const char *nl = strchr(l, '\n');
		size_t n = nl ? (size_t)(nl - l) : strlen(l);
		const char *v = l;
		while (v < l + n && (*v == ' ' || *v == '\t'))
			v++;
		if ((size_t)(l + n - v) >= 12 && strncmp(v, "Create Date:", 12) == 0) {
			v += 12;
			while (v < l + n && *v == ' ')
				v++;
			const char *ve = l + n;
			while (ve > v && (ve[-1] == ' ' || ve[-1] == '\r' || ve[-1] == '\t'))
				ve--;
			d->create_date = ag_strndup(v, (size_t)(ve - v));
			break;
		}
		if (!nl)
			break;
		l = nl + 1;
	}
	ag_buf_free(&b);
}

static void read_doc(const char *text, size_t len, struct docinfo *d)
{
	memset(d, 0, sizeof *d);
	each_statement(text, len, docinfo_fn, d);
}

/* "2026-11-20 09:02:17.550912" (local time) -> time_t. */
static bool parse_date(const char *s, time_t *out)
{
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	if (!s)
		return false;
	const char *end = strptime(s, "%Y-%m-%d %H:%M:%S", &tm);
	if (!end)
		return false;
	tm.tm_isdst = -1;
	time_t t = mktime(&tm);
	if (t == (time_t)-1)
		return false;
	*out = t;
	return true;
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

struct span_edit {
	size_t off, len;
	char *with; /* malloced */
};

/* A file the plan changes: its text as the plan found it, the edits, and
 * maybe a new name. */
struct wfile {
	char *path;
	char *text;
	size_t len;
	struct span_edit *e;
	size_t ne;
	char *new_path; /* NULL or malloced */
	char *revision; /* NULL or malloced */
	struct ag_strv why;
};

struct wfiles {
	struct wfile *v;
	size_t n, cap;
};

static void wfiles_free(struct wfiles *w)
{
	for (size_t i = 0; i < w->n; i++) {
		struct wfile *f = &w->v[i];
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

/* The working copy of path (read through the plan), or NULL with err. */
static struct wfile *wfile_get(struct wfiles *w, const struct ag_repair *plan, const char *path,
                               struct ag_err *err)
{
	for (size_t i = 0; i < w->n; i++)
		if (strcmp(w->v[i].path, path) == 0)
			return &w->v[i];
	size_t len = 0;
	bool gone = false;
	char *text = text_of(plan, path, &len, &gone, err);
	if (!text) {
		if (gone)
			ag_err_set(err, AG_ERR_USAGE, "%s is already deleted or moved by this plan",
			           path);
		return NULL;
	}
	ag_grow((void **)&w->v, &w->cap, w->n + 1, sizeof *w->v);
	struct wfile *f = &w->v[w->n++];
	memset(f, 0, sizeof *f);
	f->path = ag_strdup(path);
	f->text = text;
	f->len = len;
	return f;
}

static void wfile_why(struct wfile *f, const char *why)
{
	if (!ag_strv_has(&f->why, why))
		ag_strv_push(&f->why, why);
}

/* Records an edit; an edit of the same span replaces the earlier one.
 * Returns -1 when it overlaps another edit differently. */
static int wfile_edit(struct wfile *f, size_t off, size_t len, const char *with)
{
	for (size_t i = 0; i < f->ne; i++) {
		struct span_edit *e = &f->e[i];
		if (e->off == off && e->len == len) {
			free(e->with);
			e->with = ag_strdup(with);
			return 0;
		}
		if (off < e->off + e->len && e->off < off + len)
			return -1;
	}
	f->e = ag_realloc(f->e, (f->ne + 1) * sizeof *f->e);
	f->e[f->ne++] = (struct span_edit){off, len, ag_strdup(with)};
	return 0;
}

static int cmp_edit(const void *a, const void *b)
{
	const struct span_edit *x = a, *y = b;
	return x->off < y->off ? -1 : x->off > y->off;
}

/* The file's text with its edits. New. */
static char *wfile_result(struct wfile *f, size_t *len)
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

/* Turns the working files into plan actions. */
static void wfiles_commit(struct wfiles *w, struct ag_repair *plan)
{
	for (size_t i = 0; i < w->n; i++) {
		struct wfile *f = &w->v[i];
		size_t nlen = 0;
		char *ntext = wfile_result(f, &nlen);
		bool changed = nlen != f->len || memcmp(ntext, f->text, nlen) != 0;
		if (!changed && !f->new_path) {
			free(ntext);
			continue;
		}
		char *why = ag_strv_join(&f->why, "; ");
		/* A file this plan creates or edits already: change that action. */
		struct ag_repair_action *prev = NULL;
		for (size_t k = 0; k < plan->n; k++)
			if ((plan->v[k].kind == AG_REPAIR_CREATE ||
			     plan->v[k].kind == AG_REPAIR_EDIT) &&
			    streq(plan->v[k].path, f->path))
				prev = &plan->v[k];
		if (prev && !f->new_path) {
			free(prev->new_text);
			prev->new_text = ntext;
			prev->new_len = nlen;
			char *w2 = ag_printf("%s; %s", prev->why, why);
			free(prev->why);
			prev->why = w2;
			free(why);
			continue;
		}
		struct ag_repair_action *a =
		    add_action(plan, f->new_path ? AG_REPAIR_RENAME : AG_REPAIR_EDIT, f->path);
		a->new_path = f->new_path ? ag_strdup(f->new_path) : NULL;
		a->revision = f->revision ? ag_strdup(f->revision) : NULL;
		a->old_text = memdup0(f->text, f->len);
		a->old_len = f->len;
		if (changed) {
			a->new_text = ntext;
			a->new_len = nlen;
		} else {
			free(ntext);
		}
		a->why = why;
	}
}

/* A string literal for id in the file's quote style. New. */
static char *literal(const char *id, char quote)
{
	char q = quote == '"' ? '"' : '\'';
	return ag_printf("%c%s%c", q, id, q);
}

/*
 * Replaces every string literal of name's assignment (the effective one,
 * at line) whose value is old by new_id. Returns the number replaced, or
 * -1 when the assignment cannot be found.
 */
static int replace_in_assign(struct wfile *f, const char *name, int line, const char *old,
                             const char *new_id)
{
	struct assign as;
	find_assign(f->text, f->len, name, line, &as);
	if (!as.found) {
		assign_free(&as);
		return -1;
	}
	int n = 0;
	for (size_t i = 0; i < as.natoms; i++) {
		if (!streq(as.atoms[i].value, old))
			continue;
		char *lit = literal(new_id, as.atoms[i].quote);
		if (wfile_edit(f, as.atoms[i].off, as.atoms[i].len, lit) == 0)
			n++;
		free(lit);
	}
	assign_free(&as);
	return n;
}

static bool id_char_boundary(char c)
{
	return c == '\0' || c == ' ' || c == '\t' || c == ',' || c == '\r' || c == '"' ||
	       c == '\'' || c == ':' || c == '(' || c == ')';
}

/* In the docstring line at line (which must start with marker), replaces
 * the whole word old by new_id. Returns the number replaced. */
static int replace_in_doc_line(struct wfile *f, const struct docinfo *d, int line,
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
		if (wfile_edit(f, (size_t)(p - f->text), ol, new_id) == 0)
			count++;
		p += ol - 1;
	}
	return count;
}

/* Sets the ids listed after marker on the docstring line to ids. */
static bool set_doc_line(struct wfile *f, const struct docinfo *d, int line, const char *marker,
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
	int r = wfile_edit(f, (size_t)(s - f->text), (size_t)(e - s), with);
	free(with);
	return r == 0;
}

/* ---- the repository after the plan -------------------------------------- */

void ag_repair_result_free(struct ag_repair_result *res)
{
	if (!res)
		return;
	ag_graph_free(res->graph);
	ag_scripts_free(&res->scripts);
	memset(res, 0, sizeof *res);
}

static const struct ag_repair_action *moved_from(const struct ag_repair *plan, const char *path)
{
	for (size_t i = plan->n; i-- > 0;)
		if (plan->v[i].kind == AG_REPAIR_RENAME && streq(plan->v[i].path, path))
			return &plan->v[i];
	return NULL;
}

static size_t location_of(const struct ag_repair_opts *ro, const char *path)
{
	for (size_t k = 0; ro->locations && k < ro->locations->n; k++) {
		const char *loc = ro->locations->v[k];
		size_t n = strlen(loc);
		if (strncmp(path, loc, n) == 0 && path[n] == '/')
			return k;
	}
	return 0;
}

int ag_repair_simulate(const struct ag_repair *plan, const struct ag_scripts *base,
                       const struct ag_repair_opts *ro, struct ag_repair_result *res,
                       struct ag_err *err)
{
	memset(res, 0, sizeof *res);
	struct ag_scripts *ss = &res->scripts;
	size_t total = base->n + plan->n + 1;
	ss->v = ag_calloc(total, sizeof *ss->v);
	ss->cap = total;
	for (size_t i = 0; i < base->n; i++) {
		const char *path = base->v[i].path;
		size_t len = 0;
		bool gone = false;
		char *text = text_of(plan, path, &len, &gone, err);
		const char *npath = path;
		if (gone) {
			const struct ag_repair_action *mv = moved_from(plan, path);
			if (!mv)
				continue; /* deleted */
			npath = mv->new_path;
			len = mv->new_text ? mv->new_len : mv->old_len;
			text = memdup0(mv->new_text ? mv->new_text : mv->old_text, len);
		}
		if (!text) {
			ag_repair_result_free(res);
			return -1;
		}
		struct ag_script *sc = &ss->v[ss->n++];
		sc->path = ag_strdup(npath);
		sc->location = base->v[i].location;
		ag_script_parse(sc, sc->path, text, len, ro->defines);
		free(text);
	}
	for (size_t i = 0; i < plan->n; i++) {
		const struct ag_repair_action *a = &plan->v[i];
		if (a->kind != AG_REPAIR_CREATE)
			continue;
		struct ag_script *sc = &ss->v[ss->n++];
		sc->path = ag_strdup(a->path);
		sc->location = location_of(ro, a->path);
		ag_script_parse(sc, sc->path, a->new_text, a->new_len, ro->defines);
	}
	res->graph = ag_graph_build(ss, &ro->graph);
	return 0;
}

/* Distinct heads Alembic would print (a duplicate id counts once). */
static void real_heads(const struct ag_graph *g, struct ag_strv *out)
{
	for (size_t i = 0; i < g->n; i++)
		if (g->v[i].head && !g->v[i].shadowed)
			ag_strv_push(out, g->v[i].id);
	ag_strv_uniq(out);
}

/* The error findings of after that before does not have (by code and
 * revision; a revision renamed from[i] -> to[i] counts as the same). */
static void new_errors(const struct ag_graph *before, const struct ag_graph *after,
                       const struct ag_strv *from, const struct ag_strv *to,
                       struct ag_findings *out)
{
	for (size_t i = 0; i < after->findings.n; i++) {
		const struct ag_finding *f = &after->findings.v[i];
		if (f->severity != AG_SEV_ERROR)
			continue;
		const char *rev = f->revision;
		for (size_t k = 0; rev && to && k < to->n; k++)
			if (strcmp(rev, to->v[k]) == 0)
				rev = from->v[k];
		bool seen = false;
		for (size_t k = 0; k < before->findings.n && !seen; k++) {
			const struct ag_finding *b = &before->findings.v[k];
			seen = b->severity == AG_SEV_ERROR && strcmp(b->code, f->code) == 0 &&
			       ((!b->revision && !rev) || streq(b->revision, rev));
		}
		if (!seen) {
			struct ag_finding *c =
			    ag_findings_add(out, f->severity, f->code, f->revision, f->file,
			                    f->line, "%s", f->message);
			if (f->fix)
				ag_finding_fix(c, "%s", f->fix);
		}
	}
}

/* Refuses with the first new error, if any; one about heads only when
 * there is nothing more telling (a cycle also leaves odd heads). */
static int refuse_new_errors(const struct ag_graph *before, const struct ag_graph *after,
                             const struct ag_strv *from, const struct ag_strv *to, const char *what,
                             bool skip_heads, struct ag_err *err)
{
	struct ag_findings fs = {0};
	new_errors(before, after, from, to, &fs);
	const struct ag_finding *pick = NULL;
	for (size_t i = 0; i < fs.n && !pick; i++)
		if (strcmp(fs.v[i].code, "multiple-heads") != 0)
			pick = &fs.v[i];
	if (!pick && !skip_heads && fs.n)
		pick = &fs.v[0];
	int rc = 0;
	if (pick)
		rc = ag_err_set(
		    err, AG_ERR_USAGE,
		    "%s would leave the repository with an error it does not have now, so "
		    "nothing is written: %s [%s]%s",
		    what, pick->message, pick->code, fs.n > 1 ? " (and more)" : "");
	ag_findings_free(&fs);
	return rc;
}

/* ---- the placeholder ------------------------------------------------- */

enum { V_REV, V_DOWN, V_LABELS, V_DEPENDS };
static const char *const var_names[] = {"revision", "down_revision", "branch_labels", "depends_on"};

/* How the project's newest migration is written. */
struct style {
	bool annotated;
	bool has[4];
	char *ann[4]; /* NULL or malloced: annotation text */
	char quote;
	char docq[4];
	bool id_comment;
	bool returns_none;
	bool crlf;
	struct ag_strv imports; /* typing imports the annotations need */
	char *from;             /* NULL or malloced: the file it was learned from */
};

static void style_free(struct style *st)
{
	for (int i = 0; i < 4; i++)
		free(st->ann[i]);
	ag_strv_free(&st->imports);
	free(st->from);
	memset(st, 0, sizeof *st);
}

static void style_default(struct style *st)
{
	memset(st, 0, sizeof *st);
	st->has[V_REV] = st->has[V_DOWN] = st->has[V_LABELS] = st->has[V_DEPENDS] = true;
	st->quote = '\'';
	strcpy(st->docq, "\"\"\"");
	st->id_comment = true;
}

static void imports_fn(const struct stmt *s, const char *text, void *arg)
{
	struct ag_strv *out = arg;
	const struct ag_tok *t = s->t;
	if (s->n < 2)
		return;
	static const char *const mods[] = {"typing", "__future__", "typing_extensions",
	                                   "collections"};
	bool want = false;
	if (ag_tok_is(&t[0], "from") || ag_tok_is(&t[0], "import"))
		for (size_t i = 0; i < AG_ARRAY_LEN(mods); i++)
			want |= ag_tok_is(&t[1], mods[i]);
	if (!want)
		return;
	size_t off = off_of(text, &t[0]);
	size_t end = off_of(text, &t[s->n - 1]) + t[s->n - 1].len;
	ag_strv_push_take(out, ag_strndup(text + off, end - off));
}

static void style_from(struct style *st, const char *path, const char *text, size_t len)
{
	style_default(st);
	st->from = ag_strdup(path);
	for (int v = 0; v < 4; v++) {
		struct assign as;
		find_assign(text, len, var_names[v], 0, &as);
		st->has[v] = as.found || v <= V_DOWN;
		if (as.found && as.ann_len) {
			st->annotated = true;
			st->ann[v] = ag_strndup(text + as.ann_off, as.ann_len);
		}
		if (v == V_REV && as.natoms)
			st->quote = as.atoms[0].quote == '"' ? '"' : '\'';
		assign_free(&as);
	}
	struct docinfo d;
	read_doc(text, len, &d);
	if (d.has && strlen(d.docq) == 3)
		strcpy(st->docq, d.docq);
	docinfo_free(&d);
	st->id_comment = strstr(text, "# revision identifiers, used by Alembic") != NULL;
	st->returns_none = strstr(text, "def upgrade() -> None:") != NULL;
	st->crlf = memmem(text, len, "\r\n", 2) != NULL;
	if (st->annotated)
		each_statement(text, len, imports_fn, &st->imports);
}

/* The newest migration: the latest Create Date; without dates, the last
 * revision in upgrade order. */
static int newest_style(const struct ag_repair *plan, const struct ag_repair_result *cur,
                        struct style *st, struct ag_err *err)
{
	const struct ag_graph *g = cur->graph;
	const char *best = NULL;
	char *best_date = NULL;
	for (size_t i = 0; i < g->n; i++) {
		const struct ag_script *sc = g->v[i].script;
		size_t len = 0;
		bool gone = false;
		char *text = text_of(plan, sc->path, &len, &gone, err);
		if (!text) {
			if (gone)
				continue;
			free(best_date);
			return -1;
		}
		struct docinfo d;
		read_doc(text, len, &d);
		if (d.create_date && (!best_date || strcmp(d.create_date, best_date) > 0)) {
			free(best_date);
			best_date = d.create_date;
			d.create_date = NULL;
			best = sc->path;
		}
		docinfo_free(&d);
		free(text);
	}
	free(best_date);
	if (!best && g->n) {
		size_t *heads = ag_malloc((g->n + 1) * sizeof *heads), nh = 0, np = 0;
		for (size_t i = 0; i < g->n; i++)
			if (g->v[i].head && !g->v[i].shadowed)
				heads[nh++] = i;
		size_t *order = ag_graph_upgrade_path(g, NULL, 0, heads, nh, &np);
		best = np ? g->v[order[np - 1]].script->path : g->v[g->n - 1].script->path;
		free(order);
		free(heads);
	}
	if (!best) {
		style_default(st);
		return 0;
	}
	size_t len = 0;
	bool gone = false;
	char *text = text_of(plan, best, &len, &gone, err);
	if (!text)
		return -1;
	style_from(st, best, text, len);
	free(text);
	return 0;
}

/* Appends words of text wrapped at width columns. */
static void wrap(struct ag_buf *out, const char *text, size_t width)
{
	size_t col = 0;
	const char *p = text;
	while (*p) {
		while (*p == ' ')
			p++;
		const char *e = p;
		while (*e && *e != ' ')
			e++;
		size_t n = (size_t)(e - p);
		if (!n)
			break;
		if (col && col + 1 + n > width) {
			ag_buf_addc(out, '\n');
			col = 0;
		} else if (col) {
			ag_buf_addc(out, ' ');
			col++;
		}
		for (size_t i = 0; i < n; i++)
			ag_buf_addc(out, p[i] == '\x01' ? ' ' : p[i]);
		col += n;
		p = e;
	}
	if (col)
		ag_buf_addc(out, '\n');
}

static void format_date(time_t when, long usec, char *out, size_t n)
{
	struct tm tm;
	local_tm(when, &tm);
	char base[32];
	strftime(base, sizeof base, "%Y-%m-%d %H:%M:%S", &tm);
	if (usec > 0 && usec < 1000000)
		snprintf(out, n, "%s.%06ld", base, usec);
	else
		snprintf(out, n, "%s", base);
}

static char *down_literal(const struct ag_strv *parents, char q)
{
	if (!parents->n)
		return ag_strdup("None");
	if (parents->n == 1)
		return literal(parents->v[0], q);
	struct ag_buf b = {0};
	ag_buf_addc(&b, '(');
	for (size_t i = 0; i < parents->n; i++) {
		char *l = literal(parents->v[i], q);
		ag_buf_addf(&b, "%s%s", i ? ", " : "", l);
		free(l);
	}
	ag_buf_addc(&b, ')');
	return ag_buf_take(&b);
}

static char *placeholder_text(const struct style *st, const char *rev,
                              const struct ag_strv *parents, const char *reason, const char *date,
                              size_t *len)
{
	struct ag_buf b = {0};
	const char *q = st->docq;
	ag_buf_addf(&b, "%s%s\n\n", q, PLACEHOLDER_MESSAGE);
	/* \x01 is a space the wrapping must not break at. */
	char *para =
	    ag_printf("A no-op placeholder for revision %s, written by alembic-guard\x01"
	              "backfill. %s Whatever the original migration did is already in the "
	              "database, so upgrade() and downgrade() do nothing: this file only gives "
	              "Alembic the id back. Do not add schema changes to it.",
	              rev, reason);
	wrap(&b, para, 72);
	free(para);
	char *revises = ag_strv_join(parents, ", ");
	ag_buf_addf(&b, "\nRevision ID: %s\nRevises:%s%s\nCreate Date: %s\n\n%s\n", rev,
	            parents->n ? " " : "", revises, date, q);
	free(revises);
	for (size_t i = 0; i < st->imports.n; i++)
		ag_buf_addf(&b, "%s\n", st->imports.v[i]);
	ag_buf_adds(&b, "\n\n");
	if (st->id_comment)
		ag_buf_adds(&b, "# revision identifiers, used by Alembic.\n");
	for (int v = 0; v < 4; v++) {
		if (!st->has[v])
			continue;
		char *val = v == V_REV    ? literal(rev, st->quote)
		            : v == V_DOWN ? down_literal(parents, st->quote)
		                          : ag_strdup("None");
		if (st->ann[v])
			ag_buf_addf(&b, "%s: %s = %s\n", var_names[v], st->ann[v], val);
		else
			ag_buf_addf(&b, "%s = %s\n", var_names[v], val);
		free(val);
	}
	const char *ret = st->returns_none ? " -> None" : "";
	ag_buf_addf(&b, "\n\ndef upgrade()%s:\n    pass\n\n\ndef downgrade()%s:\n    pass\n", ret,
	            ret);
	if (st->crlf) {
		struct ag_buf c = {0};
		for (size_t i = 0; i < b.len; i++) {
			if (b.p[i] == '\n')
				ag_buf_addc(&c, '\r');
			ag_buf_addc(&c, b.p[i]);
		}
		ag_buf_free(&b);
		b = c;
	}
	*len = b.len;
	return ag_buf_take(&b);
}

/* ---- backfill ----------------------------------------------------------- */

/* Marks in mark[] the nodes in from[] and everything that descends from
 * them (through down_revision and depends_on). */
static void mark_descendants(const struct ag_graph *g, const size_t *from, size_t n, bool *mark)
{
	size_t *stack = ag_malloc((g->n + 1) * sizeof *stack);
	size_t top = 0;
	for (size_t i = 0; i < n; i++)
		if (from[i] < g->n && !mark[from[i]]) {
			mark[from[i]] = true;
			stack[top++] = from[i];
		}
	while (top) {
		const struct ag_node *nd = &g->v[stack[--top]];
		for (size_t k = 0; k < nd->nnext + nd->ndnext; k++) {
			size_t c = k < nd->nnext ? nd->next[k] : nd->dnext[k - nd->nnext];
			if (!mark[c]) {
				mark[c] = true;
				stack[top++] = c;
			}
		}
	}
	free(stack);
}

/* The heads of the graph left after removing the children (and all that
 * descends from them): where a line that broke off at a missing revision
 * joined the rest. As ag_graph_placeholder_parents, with extra children. */
static void rest_heads(const struct ag_graph *g, const size_t *kids, size_t nk,
                       struct ag_strv *heads)
{
	bool *gone = ag_calloc(g->n + 1, sizeof(bool));
	mark_descendants(g, kids, nk, gone);
	for (size_t i = 0; i < g->n; i++) {
		const struct ag_node *nd = &g->v[i];
		if (gone[i] || nd->shadowed)
			continue;
		bool has_child = false;
		for (size_t k = 0; k < nd->nnext; k++)
			has_child |= !gone[nd->next[k]];
		if (!has_child)
			ag_strv_push(heads, nd->id);
	}
	ag_strv_uniq(heads);
	free(gone);
}

/* Up to three ids of nodes, "a, b, c and 2 more". New. */
static char *list_nodes(const struct ag_graph *g, const size_t *v, size_t n)
{
	struct ag_buf b = {0};
	ag_buf_adds(&b, "");
	for (size_t i = 0; i < n && i < 3; i++)
		ag_buf_addf(&b, "%s%s", i ? (i + 1 == n ? " and " : ", ") : "", g->v[v[i]].id);
	if (n > 3)
		ag_buf_addf(&b, " and %zu more", n - 3);
	return ag_buf_take(&b);
}

/* Is dir one of the version locations (or, with recursive, inside one)? */
static bool is_location(const struct ag_repair_opts *ro, const char *dir)
{
	char *rd = realpath(dir, NULL);
	if (!rd)
		return false;
	bool ok = false;
	for (size_t k = 0; ro->locations && k < ro->locations->n && !ok; k++) {
		char *rl = realpath(ro->locations->v[k], NULL);
		if (!rl)
			continue;
		size_t n = strlen(rl);
		ok = strcmp(rd, rl) == 0 || (ro->recursive && strncmp(rd, rl, n) == 0 &&
		                             rd[n] == '/' && !strstr(rd + n, "/__pycache__"));
		free(rl);
	}
	free(rd);
	return ok;
}

static const char *first_location(const struct ag_repair_opts *ro)
{
	for (size_t k = 0; ro->locations && k < ro->locations->n; k++) {
		struct stat st;
		if (stat(ro->locations->v[k], &st) == 0 && S_ISDIR(st.st_mode))
			return ro->locations->v[k];
	}
	return NULL;
}

static void note(struct ag_repair *plan, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void note(struct ag_repair *plan, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	ag_strv_push_take(&plan->notes, ag_vprintf(fmt, ap));
	va_end(ap);
}

static void truncate_plan(struct ag_repair *plan, size_t n, size_t nnotes)
{
	while (plan->n > n)
		action_free(&plan->v[--plan->n]);
	while (plan->notes.n > nnotes) {
		free(plan->notes.v[--plan->notes.n]);
		plan->notes.v[plan->notes.n] = NULL;
	}
}

int ag_repair_backfill(struct ag_repair *plan, const struct ag_scripts *base,
                       const struct ag_repair_opts *ro, const struct ag_backfill_opts *o,
                       struct ag_err *err)
{
	const char *rev = o->rev;
	const char *bad = ag_repair_bad_id(rev);
	if (bad)
		return ag_err_set(err, AG_ERR_USAGE, "cannot backfill '%s': %s", rev ? rev : "",
		                  bad);
	size_t n0 = plan->n, notes0 = plan->notes.n;
	struct ag_repair_result cur = {0}, after = {0};
	struct ag_strv parents = {0}, cands = {0};
	struct wfiles w = {0};
	struct style st = {0};
	size_t *kids = NULL, nk = 0;
	char *name = NULL, *path = NULL, *text = NULL, *reason = NULL, *kidlist = NULL;
	char *how = NULL;
	int rc = -1;
	if (ag_repair_simulate(plan, base, ro, &cur, err) < 0)
		goto out;
	const struct ag_graph *g = cur.graph;
	for (size_t i = 0; i < cur.scripts.n; i++) {
		if (streq(cur.scripts.v[i].revision, rev)) {
			ag_err_set(err, AG_ERR_USAGE,
			           "cannot backfill %s: %s already defines it; backfill writes "
			           "placeholders only for ids that no file defines",
			           rev, cur.scripts.v[i].path);
			goto out;
		}
	}
	if (ag_graph_find_label(g, rev) != AG_NONE) {
		ag_err_set(
		    err, AG_ERR_USAGE,
		    "cannot backfill %s: it is a branch label of %s, and a revision id equal to "
		    "a label makes Alembic stop",
		    rev, g->v[ag_graph_find_label(g, rev)].id);
		goto out;
	}
	kids = ag_graph_children_naming(g, rev, &nk);
	bool in_db = o->db_rows && ag_strv_has(o->db_rows, rev);
	if (o->db_rows && !in_db && !nk) {
		char *rows = ag_strv_join(o->db_rows, ", ");
		ag_err_set(
		    err, AG_ERR_USAGE,
		    "cannot backfill %s: the database's version table does not hold it (it "
		    "holds: %s) and no migration names it, so a placeholder would change nothing",
		    rev, o->db_rows->n ? rows : "no rows");
		free(rows);
		goto out;
	}

	/* --repoint CHILD */
	size_t rp = AG_NONE;
	const char *rp_old = NULL;
	if (o->repoint) {
		rp = ag_graph_find(g, o->repoint);
		if (rp == AG_NONE) {
			ag_err_set(err, AG_ERR_USAGE, "--repoint %s: no file defines revision %s",
			           o->repoint, o->repoint);
			goto out;
		}
		const struct ag_script *sc = g->v[rp].script;
		if (ag_strv_has(&sc->down, rev)) {
			note(plan, "%s already names %s as its down_revision: nothing to re-point",
			     o->repoint, rev);
			rp = AG_NONE;
		} else if (!sc->down_known) {
			ag_err_set(
			    err, AG_ERR_USAGE,
			    "--repoint %s: its down_revision (%s:%d) is an expression; set it to "
			    "'%s' by hand",
			    o->repoint, sc->path, sc->down_line, rev);
			goto out;
		} else if (sc->down.n > 1) {
			ag_err_set(
			    err, AG_ERR_USAGE,
			    "--repoint %s: it is a merge of %zu revisions; which parent the "
			    "placeholder replaces is for a person to decide: edit %s:%d by hand",
			    o->repoint, sc->down.n, sc->path, sc->down_line);
			goto out;
		} else {
			rp_old = sc->down.n ? sc->down.v[0] : NULL;
		}
	}

	/* Where it goes. */
	if (o->after && o->after->n) {
		if (o->after->n == 1 && strcmp(o->after->v[0], "base") == 0) {
			how = ag_printf("as a base (--after base)");
		} else {
			for (size_t i = 0; i < o->after->n; i++) {
				const char *a = o->after->v[i];
				size_t k = ag_graph_find(g, a);
				if (k == AG_NONE) {
					size_t lab = ag_graph_find_label(g, a);
					if (lab != AG_NONE)
						ag_err_set(err, AG_ERR_USAGE,
						           "--after %s: that is a branch label; a "
						           "down_revision "
						           "must name a revision id (here %s)",
						           a, g->v[lab].id);
					else
						ag_err_set(
						    err, AG_ERR_USAGE,
						    "--after %s: no file defines revision %s", a,
						    a);
					goto out;
				}
				if (ag_strv_has(&parents, a)) {
					ag_err_set(err, AG_ERR_USAGE, "--after %s is given twice",
					           a);
					goto out;
				}
				ag_strv_push(&parents, a);
			}
			char *l = ag_strv_join(&parents, ", ");
			how = ag_printf("after %s, as --after says", l);
			free(l);
		}
	} else if (!nk && rp == AG_NONE) {
		ag_err_set(
		    err, AG_ERR_USAGE,
		    "cannot place %s: no file names it as its down_revision, so the graph "
		    "cannot say where it belongs. Pass --after REVISION: the revision production "
		    "ran just before %s. Choose with care: placing %s after a revision the "
		    "database never ran makes Alembic skip that revision forever. If newer "
		    "migrations exist that production has not run, also pass --repoint with the "
		    "first of them, so it runs after the placeholder",
		    rev, rev, rev);
		goto out;
	} else {
		size_t *all = ag_malloc((nk + 1) * sizeof *all);
		if (nk)
			memcpy(all, kids, nk * sizeof *kids);
		size_t na = nk;
		if (rp != AG_NONE)
			all[na++] = rp;
		rest_heads(g, all, na, &cands);
		free(all);
		if (cands.n > 1) {
			char *l = ag_strv_join(&cands, ", ");
			ag_err_set(
			    err, AG_ERR_USAGE,
			    "cannot place %s: the graph leaves %zu candidates for its parent (%s). "
			    "Pass --after REVISION: the one production ran just before %s. Choose "
			    "with care: placing %s after a revision the database never ran makes "
			    "Alembic skip that revision forever",
			    rev, cands.n, l, rev, rev);
			free(l);
			goto out;
		}
		kidlist = list_nodes(g, kids, nk);
		if (cands.n == 1) {
			ag_strv_push(&parents, cands.v[0]);
			how =
			    nk ? ag_printf("after %s, the head of the rest of the graph, where the "
			                   "line of %s broke off",
			                   cands.v[0], kidlist)
			       : ag_printf("after %s, the head of the rest of the graph, where %s "
			                   "is re-pointed",
			                   cands.v[0], o->repoint);
		} else {
			how = ag_printf("as a base: every revision descends from %s",
			                nk ? kidlist : o->repoint);
		}
	}

	/* Which file. */
	const char *dir = o->dir ? o->dir : first_location(ro);
	if (!dir) {
		ag_err_set(err, AG_ERR_CONFIG, "no version location exists to write %s into", rev);
		goto out;
	}
	if (o->dir && !is_location(ro, o->dir)) {
		ag_err_set(err, AG_ERR_USAGE,
		           "--dir %s is not one of the version locations%s, so Alembic would never "
		           "load a file written there",
		           o->dir, ro->recursive ? " or a folder inside one" : "");
		goto out;
	}
	name = ag_repair_file_name(ro->file_template, rev, PLACEHOLDER_MESSAGE, ro->now, err);
	if (!name) {
		goto out;
	}
	if (strchr(name, '/')) {
		ag_err_set(err, AG_ERR_USAGE,
		           "file_template gives '%s', a name with a directory; write %s by hand",
		           name, rev);
		goto out;
	}
	path = join_path(dir, name);
	if (name_taken(plan, path)) {
		ag_err_set(err, AG_ERR_USAGE, "%s exists; backfill never overwrites a file", path);
		goto out;
	}
	/* A file of this name in another version location would be fine for
	 * Alembic, but confusing; only the target path must be free. */

	if (newest_style(plan, &cur, &st, err) < 0) {
		goto out;
	}
	struct ag_buf why = {0};
	if (in_db)
		ag_buf_adds(&why, "The database's version table holds this id");
	if (nk)
		ag_buf_addf(&why, "%s%s name%s it as down_revision", in_db ? " and " : "", kidlist,
		            nk == 1 ? "s" : "");
	if (!in_db && !nk)
		ag_buf_adds(&why, "Production ran this revision");
	if (in_db || !nk)
		ag_buf_addf(&why,
		            ", but no migration file defined it, so Alembic stopped with \"Can't "
		            "locate revision identified by '%s'\".",
		            rev);
	else
		ag_buf_addf(
		    &why,
		    ", but no migration file defined it, so Alembic stopped with \"Revision "
		    "%s referenced from %s is not present\".",
		    rev, g->v[kids[0]].id);
	reason = ag_buf_take(&why);
	if (rp != AG_NONE) {
		char *r2 = ag_printf("%s %s, which came after %s, now comes after it.", reason,
		                     o->repoint, rp_old ? rp_old : "nothing (a base)");
		free(reason);
		reason = r2;
	}
	char date[48];
	format_date(ro->now, ro->now_usec, date, sizeof date);
	size_t tlen = 0;
	text = placeholder_text(&st, rev, &parents, reason, date, &tlen);
	struct ag_repair_action *a = add_action(plan, AG_REPAIR_CREATE, path);
	a->revision = ag_strdup(rev);
	a->new_text = text;
	a->new_len = tlen;
	text = NULL;
	a->why = ag_printf("a no-op placeholder for %s, %s", rev, how);
	note(plan, "%s goes %s%s%s", rev, how, st.from ? "; written in the style of " : "",
	     st.from ? st.from : "");

	if (rp != AG_NONE) {
		const struct ag_script *sc = g->v[rp].script;
		struct wfile *f = wfile_get(&w, plan, sc->path, err);
		if (!f)
			goto out;
		struct assign as;
		find_assign(f->text, f->len, "down_revision", sc->down_line, &as);
		if (!as.found || !(as.is_none || (as.natoms == 1 && as.plain))) {
			ag_err_set(
			    err, AG_ERR_USAGE,
			    "--repoint %s: cannot find its down_revision in %s:%d as a plain "
			    "string or None; set it to '%s' by hand",
			    o->repoint, sc->path, sc->down_line, rev);
			assign_free(&as);
			goto out;
		}
		char q = as.natoms ? as.atoms[0].quote : st.quote;
		char *lit = literal(rev, q);
		wfile_edit(f, as.val_off, as.val_len, lit);
		free(lit);
		assign_free(&as);
		if (sc->has_doc_revises) {
			struct docinfo d;
			read_doc(f->text, f->len, &d);
			set_doc_line(f, &d, sc->doc_revises_line, "Revises:", rev);
			docinfo_free(&d);
		}
		f->revision = ag_strdup(sc->revision);
		char *why2 =
		    ag_printf("re-point %s at the placeholder %s (its down_revision was %s)",
		              o->repoint, rev, rp_old ? rp_old : "None");
		wfile_why(f, why2);
		free(why2);
		wfiles_commit(&w, plan);
	}

	/* The proof: the repository as it would be. */
	if (ag_repair_simulate(plan, base, ro, &after, err) < 0)
		goto out;
	char *what = ag_printf("backfilling %s", rev);
	int bad_rc = refuse_new_errors(g, after.graph, NULL, NULL, what, true, err);
	free(what);
	if (bad_rc < 0)
		goto out;
	struct ag_strv hb = {0}, ha = {0};
	real_heads(g, &hb);
	real_heads(after.graph, &ha);
	bool too_many = ro->graph.heads_ok ? ha.n > hb.n : ha.n > 1;
	if (too_many) {
		char *l = ag_strv_join(&ha, ", ");
		ag_err_set(
		    err, AG_ERR_USAGE,
		    "cannot backfill %s there: the result would have %zu heads (%s), and `alembic "
		    "upgrade head` stops at \"Multiple head revisions are present\". Pass --after "
		    "with the revision production ran just before %s%s",
		    rev, ha.n, l, rev,
		    nk ? ""
		       : ", and --repoint with the first newer migration production has not run");
		free(l);
	}
	ag_strv_free(&hb);
	ag_strv_free(&ha);
	if (too_many)
		goto out;
	rc = 0;
out:
	if (rc < 0)
		truncate_plan(plan, n0, notes0);
	ag_repair_result_free(&cur);
	ag_repair_result_free(&after);
	ag_strv_free(&parents);
	ag_strv_free(&cands);
	wfiles_free(&w);
	style_free(&st);
	free(kids);
	free(name);
	free(path);
	free(text);
	free(reason);
	free(kidlist);
	free(how);
	return rc;
}

/* ---- rename ------------------------------------------------------------ */

static bool template_uses_date(const char *tmpl)
{
	struct tfields f = {.rev = "", .slug = "", .has_date = false};
	struct segs s = {0};
	struct ag_err err = {0};
	bool uses = false;
	if (expand(tmpl ? tmpl : DEFAULT_TEMPLATE, &f, &s, &err) == 0)
		for (size_t i = 0; i < s.n; i++)
			uses |= s.v[i].kind == SEG_NUMBER;
	segs_free(&s);
	return uses;
}

static bool looks_like_id(const char *s, size_t n)
{
	if (n < 6)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/*
 * The name the template gives this file (revision rev), strictly: the slug
 * from the docstring's message, or, without a message, from the old name
 * less the id it starts with (hint: an old id). NULL when the template
 * needs a date the file does not carry.
 */
static char *expected_name(const struct ag_repair_opts *ro, const char *name, const char *rev,
                           const struct docinfo *d, const char *hint)
{
	time_t when = 0;
	bool has_date = parse_date(d->create_date, &when);
	if (!has_date && template_uses_date(ro->file_template))
		return NULL;
	char *slug;
	if (d->message && *d->message) {
		slug = ag_repair_slug(d->message, 0);
	} else {
		size_t n = strlen(name);
		char *stem =
		    ag_strndup(name, n > 3 && strcmp(name + n - 3, ".py") == 0 ? n - 3 : n);
		const char *rest = stem;
		const char *ids[2] = {hint, rev};
		bool cut = false;
		for (int k = 0; k < 2 && !cut; k++) {
			size_t l = ids[k] ? strlen(ids[k]) : 0;
			if (l && strncmp(stem, ids[k], l) == 0 && (stem[l] == '_' || !stem[l])) {
				rest = stem + l;
				cut = true;
			}
		}
		const char *us = strchr(stem, '_');
		if (!cut && us && looks_like_id(stem, (size_t)(us - stem)))
			rest = us;
		slug = ag_repair_slug(rest, 0);
		free(stem);
	}
	struct ag_err err = {0};
	char *out = ag_repair_file_name(ro->file_template, rev, slug, when, &err);
	free(slug);
	return out;
}

static bool conforms(const struct ag_repair_opts *ro, const char *name, const char *rev,
                     const struct docinfo *d)
{
	time_t when = 0;
	bool has_date = parse_date(d->create_date, &when);
	return ag_repair_name_conforms(ro->file_template, name, rev, has_date, when);
}

static bool only_matches(const char *only, const struct ag_script *sc)
{
	if (!only)
		return true;
	if (strcmp(only, sc->path) == 0 || strcmp(only, sc->name) == 0)
		return true;
	char *a = realpath(only, NULL), *b = realpath(sc->path, NULL);
	bool same = a && b && strcmp(a, b) == 0;
	free(a);
	free(b);
	return same;
}

/* A target name is free when no file is there and the plan puts none there. */
static bool target_free(const struct ag_repair *plan, const struct wfiles *w, const char *path)
{
	struct stat st;
	if (plan_claims(plan, path) || lstat(path, &st) == 0)
		return false;
	for (size_t i = 0; i < w->n; i++)
		if (streq(w->v[i].new_path, path))
			return false;
	return true;
}

/* Plans the move of f to the template's name for rev; 0 also when the name
 * is right already or cannot be known (noted). */
static int plan_name(struct ag_repair *plan, struct wfiles *w, struct wfile *f,
                     const struct ag_repair_opts *ro, const char *rev, const char *hint,
                     struct ag_err *err)
{
	if (f->new_path)
		return 0;
	struct docinfo d;
	read_doc(f->text, f->len, &d);
	const char *name = base_of(f->path);
	int rc = 0;
	if (conforms(ro, name, rev, &d)) {
		docinfo_free(&d);
		return 0;
	}
	char *target = expected_name(ro, name, rev, &d, hint);
	if (!target) {
		note(plan,
		     "%s does not follow file_template, but it has no Create Date for the "
		     "template's date fields: rename it by hand",
		     f->path);
	} else if (strchr(target, '/')) {
		note(plan, "file_template gives %s a name with a directory (%s): rename it by hand",
		     f->path, target);
	} else if (strcmp(target, name) != 0) {
		char *dir = dir_of(f->path);
		char *np = join_path(dir, target);
		free(dir);
		if (!target_free(plan, w, np)) {
			rc = ag_err_set(
			    err, AG_ERR_USAGE,
			    "cannot rename %s to %s: that name is taken, and rename never "
			    "overwrites a file",
			    f->path, np);
			free(np);
		} else {
			f->new_path = np;
			const char *tmpl = ro->file_template ? ro->file_template : DEFAULT_TEMPLATE;
			char *why =
			    hint ? ag_printf("the name follows file_template (%s) with the new id",
			                     tmpl)
			         : ag_printf("the name does not follow file_template (%s)", tmpl);
			wfile_why(f, why);
			free(why);
		}
	}
	free(target);
	docinfo_free(&d);
	return rc;
}

static size_t count_defs(const struct ag_scripts *ss, const char *id, size_t *first)
{
	size_t n = 0;
	for (size_t i = 0; i < ss->n; i++)
		if (streq(ss->v[i].revision, id)) {
			if (!n)
				*first = i;
			n++;
		}
	return n;
}

/* The id change old -> new_id in every place it is written. */
static int plan_id_change(struct ag_repair *plan, struct wfiles *w,
                          const struct ag_repair_result *cur, const struct ag_repair_opts *ro,
                          const char *old, const char *new_id, struct ag_err *err)
{
	const char *bad = ag_repair_bad_id(new_id);
	if (bad)
		return ag_err_set(err, AG_ERR_USAGE, "cannot rename %s to '%s': %s", old, new_id,
		                  bad);
	if (strcmp(old, new_id) == 0)
		return ag_err_set(err, AG_ERR_USAGE, "cannot rename %s to itself", old);
	int max_len = ro->graph.max_id_len ? ro->graph.max_id_len : 32;
	if ((int)strlen(new_id) > max_len)
		return ag_err_set(err, AG_ERR_USAGE,
		                  "cannot rename %s to %s: it is %zu characters, and "
		                  "alembic_version.version_num is VARCHAR(%d) by default",
		                  old, new_id, strlen(new_id), max_len);
	const struct ag_scripts *ss = &cur->scripts;
	const struct ag_graph *g = cur->graph;
	size_t io = 0, in = 0;
	size_t nold = count_defs(ss, old, &io), nnew = count_defs(ss, new_id, &in);
	if (nold && nnew)
		return ag_err_set(err, AG_ERR_USAGE,
		                  "cannot rename %s to %s: %s defines %s and %s defines %s; two "
		                  "revisions cannot share an id",
		                  old, new_id, ss->v[io].path, old, ss->v[in].path, new_id);
	if (!nold && !nnew)
		return ag_err_set(err, AG_ERR_USAGE,
		                  "cannot rename %s to %s: no file defines either id", old, new_id);
	if (nold > 1 || nnew > 1)
		return ag_err_set(
		    err, AG_ERR_USAGE,
		    "cannot rename %s: %zu files define %s; settle the duplicates first "
		    "(alembic-guard rename shows them and the difference between them)",
		    nold ? old : new_id, nold ? nold : nnew, nold ? old : new_id);
	if (ag_graph_find_label(g, new_id) != AG_NONE)
		return ag_err_set(err, AG_ERR_USAGE,
		                  "cannot rename %s to %s: %s is a branch label of %s", old, new_id,
		                  new_id, g->v[ag_graph_find_label(g, new_id)].id);
	const struct ag_script *t = &ss->v[nold ? io : in];
	if (nold && t->revision_line == 0)
		return ag_err_set(
		    err, AG_ERR_USAGE,
		    "cannot rename %s: %s sets no `revision` and takes its id from its "
		    "file name; add `revision = '%s'` to it by hand",
		    old, t->path, new_id);
	struct wfile *f = wfile_get(w, plan, t->path, err);
	if (!f)
		return -1;
	f->revision = ag_strdup(new_id);
	if (nold) {
		if (replace_in_assign(f, "revision", t->revision_line, old, new_id) < 1)
			return ag_err_set(
			    err, AG_ERR_USAGE,
			    "cannot rename %s: the revision at %s:%d is not a plain string; "
			    "edit it by hand",
			    old, t->path, t->revision_line);
		char *why = ag_printf("revision %s -> %s", old, new_id);
		wfile_why(f, why);
		free(why);
	}
	struct docinfo d;
	read_doc(f->text, f->len, &d);
	if (streq(t->doc_revision, old) &&
	    replace_in_doc_line(f, &d, t->doc_revision_line, "Revision ID:", old, new_id) > 0) {
		char *why = ag_printf("docstring Revision ID: %s -> %s", old, new_id);
		wfile_why(f, why);
		free(why);
	}
	docinfo_free(&d);
	if (plan_name(plan, w, f, ro, new_id, old, err) < 0)
		return -1;
	/* Every file that names old. */
	for (size_t i = 0; i < ss->n; i++) {
		const struct ag_script *sc = &ss->v[i];
		bool in_down = ag_strv_has(&sc->down, old),
		     in_deps = ag_strv_has(&sc->depends, old);
		bool in_doc = sc->has_doc_revises && ag_strv_has(&sc->doc_revises, old);
		if (!in_down && !in_deps && !in_doc)
			continue;
		struct wfile *c = wfile_get(w, plan, sc->path, err);
		if (!c)
			return -1;
		if (!c->revision && sc->revision)
			c->revision = ag_strdup(sc->revision);
		const char *vars[2] = {"down_revision", "depends_on"};
		int lines[2] = {sc->down_line, sc->depends_line};
		bool want[2] = {in_down, in_deps};
		for (int k = 0; k < 2; k++) {
			if (!want[k])
				continue;
			if (replace_in_assign(c, vars[k], lines[k], old, new_id) < 1)
				return ag_err_set(
				    err, AG_ERR_USAGE,
				    "cannot rename %s: %s in %s:%d names it in a form "
				    "alembic-guard cannot edit; change it by hand",
				    old, vars[k], sc->path, lines[k]);
			char *why = ag_printf("%s: %s -> %s", vars[k], old, new_id);
			wfile_why(c, why);
			free(why);
		}
		if (in_doc) {
			struct docinfo cd;
			read_doc(c->text, c->len, &cd);
			if (replace_in_doc_line(c, &cd, sc->doc_revises_line, "Revises:", old,
			                        new_id) > 0) {
				char *why = ag_printf("docstring Revises: %s -> %s", old, new_id);
				wfile_why(c, why);
				free(why);
			}
			docinfo_free(&cd);
		}
	}
	ag_strv_push(&plan->sql_old, old);
	ag_strv_push(&plan->sql_new, new_id);
	if (!nold)
		note(plan,
		     "%s already defines %s: finishing a rename from %s that was left half done",
		     t->path, new_id, old);
	return 0;
}

/* A row no file defines, whose file still carries it: the id it has now. */
static const char *renamed_to(const struct ag_repair_result *cur, const char *row,
                              const char **file)
{
	const struct ag_graph *g = cur->graph;
	const char *found = NULL;
	size_t n = strlen(row);
	for (size_t i = 0; i < g->n; i++) {
		const struct ag_node *nd = &g->v[i];
		const struct ag_script *sc = nd->script;
		if (nd->shadowed || strcmp(nd->id, row) == 0)
			continue;
		bool doc = streq(sc->doc_revision, row);
		bool name =
		    strncmp(sc->name, row, n) == 0 && (sc->name[n] == '_' || sc->name[n] == '.');
		if (!doc && !name)
			continue;
		if (found && strcmp(found, nd->id) != 0)
			return NULL; /* two candidates: a person must say which */
		found = nd->id;
		*file = sc->path;
	}
	return found;
}

struct dup {
	size_t idx;
	char *text;
	size_t len;
	int score;
};

/* Duplicate files: the one to keep, the copies to delete or to show. */
static int plan_duplicates(struct ag_repair *plan, const struct ag_repair_result *cur,
                           const struct ag_repair_opts *ro, const char *only, struct ag_err *err)
{
	const struct ag_scripts *ss = &cur->scripts;
	const struct ag_graph *g = cur->graph;
	bool *done = ag_calloc(ss->n + 1, sizeof(bool));
	int rc = 0;
	for (size_t i = 0; i < ss->n && rc == 0; i++) {
		const char *id = ss->v[i].revision;
		if (!id || done[i])
			continue;
		struct dup *ds = NULL;
		size_t nd = 0;
		bool wanted = false;
		for (size_t k = i; k < ss->n; k++) {
			if (!streq(ss->v[k].revision, id))
				continue;
			done[k] = true;
			ds = ag_realloc(ds, (nd + 1) * sizeof *ds);
			ds[nd++] = (struct dup){k, NULL, 0, 0};
			wanted |= only_matches(only, &ss->v[k]);
		}
		if (nd < 2 || !wanted) {
			free(ds);
			continue;
		}
		size_t eff = ag_graph_find(g, id);
		const char *eff_path = eff != AG_NONE ? g->v[eff].script->path : NULL;
		size_t best = 0;
		for (size_t k = 0; k < nd && rc == 0; k++) {
			const struct ag_script *sc = &ss->v[ds[k].idx];
			bool gone = false;
			ds[k].text = text_of(plan, sc->path, &ds[k].len, &gone, err);
			if (!ds[k].text) {
				rc = -1;
				break;
			}
			struct docinfo d;
			read_doc(ds[k].text, ds[k].len, &d);
			char *exp = expected_name(ro, sc->name, id, &d, NULL);
			ds[k].score =
			    exp && strcmp(exp, sc->name) == 0 ? 2 : conforms(ro, sc->name, id, &d);
			free(exp);
			docinfo_free(&d);
			const struct dup *b = &ds[best];
			if (ds[k].score > b->score ||
			    (ds[k].score == b->score && streq(sc->path, eff_path) &&
			     !streq(ss->v[b->idx].path, eff_path)))
				best = k;
		}
		for (size_t k = 0; k < nd && rc == 0; k++) {
			if (k == best)
				continue;
			const struct ag_script *keep = &ss->v[ds[best].idx],
			                       *sc = &ss->v[ds[k].idx];
			bool same = ds[k].len == ds[best].len &&
			            memcmp(ds[k].text, ds[best].text, ds[k].len) == 0;
			struct ag_repair_action *a = add_action(
			    plan, same ? AG_REPAIR_DELETE : AG_REPAIR_DUPLICATE, sc->path);
			a->keep = ag_strdup(keep->path);
			a->revision = ag_strdup(id);
			a->old_text = memdup0(ds[k].text, ds[k].len);
			a->old_len = ds[k].len;
			a->new_text = memdup0(ds[best].text, ds[best].len);
			a->new_len = ds[best].len;
			const char *whykeep =
			    ds[best].score == 2           ? "its name follows file_template"
			    : ds[best].score == 1         ? "its name follows file_template"
			    : streq(keep->path, eff_path) ? "it is the file Alembic uses now"
			                                  : "it comes first";
			a->why =
			    same ? ag_printf("a byte-for-byte copy of %s (revision %s), left by a "
			                     "rename; %s stays because %s",
			                     keep->path, id, keep->path, whykeep)
			         : ag_printf(
			               "defines revision %s like %s but differs from it; %s is "
			               "the one to delete (%s stays because %s), but only an "
			               "identical copy is deleted: check the diff, then delete it "
			               "by hand",
			               id, keep->path, sc->path, keep->path, whykeep);
		}
		for (size_t k = 0; k < nd; k++)
			free(ds[k].text);
		free(ds);
	}
	free(done);
	return rc;
}

/* A copy the plan deletes, or shows as a duplicate for a person to settle:
 * either way not a file to rename. */
static bool plan_drops(const struct ag_repair *plan, const char *path)
{
	for (size_t i = 0; i < plan->n; i++)
		if ((plan->v[i].kind == AG_REPAIR_DELETE ||
		     plan->v[i].kind == AG_REPAIR_DUPLICATE) &&
		    streq(plan->v[i].path, path))
			return true;
	return false;
}

int ag_repair_rename(struct ag_repair *plan, const struct ag_scripts *base,
                     const struct ag_repair_opts *ro, const struct ag_rename_opts *o,
                     struct ag_err *err)
{
	if ((o->old_id == NULL) != (o->new_id == NULL))
		return ag_err_set(err, AG_ERR_USAGE, "--id needs the old and the new id");
	size_t n0 = plan->n, notes0 = plan->notes.n, sql0 = plan->sql_old.n;
	struct ag_repair_result cur = {0}, after = {0};
	struct wfiles w = {0};
	struct ag_strv from = {0}, to = {0};
	int rc = -1;
	if (ag_repair_simulate(plan, base, ro, &cur, err) < 0)
		goto out;
	if (o->old_id) {
		ag_strv_push(&from, o->old_id);
		ag_strv_push(&to, o->new_id);
	} else if (o->db_rows) {
		for (size_t i = 0; i < o->db_rows->n; i++) {
			const char *row = o->db_rows->v[i];
			size_t first = 0;
			if (count_defs(&cur.scripts, row, &first) || ag_strv_has(&from, row))
				continue;
			const char *file = NULL;
			const char *now = renamed_to(&cur, row, &file);
			if (!now)
				continue;
			note(plan,
			     "the database holds %s, which no file defines; %s still carries that "
			     "id but defines %s: the revision was renamed, and the rename is "
			     "finished here",
			     row, file, now);
			ag_strv_push(&from, row);
			ag_strv_push(&to, now);
		}
	}
	for (size_t i = 0; i < from.n; i++)
		if (plan_id_change(plan, &w, &cur, ro, from.v[i], to.v[i], err) < 0)
			goto out;
	if (!o->old_id) {
		if (plan_duplicates(plan, &cur, ro, o->only, err) < 0)
			goto out;
		bool matched = false;
		for (size_t i = 0; i < cur.scripts.n; i++) {
			const struct ag_script *sc = &cur.scripts.v[i];
			if (!only_matches(o->only, sc))
				continue;
			matched = true;
			if (!sc->revision || sc->revision_line == 0 || plan_drops(plan, sc->path))
				continue;
			struct wfile *f = wfile_get(&w, plan, sc->path, err);
			if (!f)
				goto out;
			if (plan_name(plan, &w, f, ro, sc->revision, NULL, err) < 0)
				goto out;
			if (!f->new_path && o->only)
				note(plan, "%s already follows file_template", sc->path);
		}
		if (o->only && !matched) {
			ag_err_set(
			    err, AG_ERR_USAGE,
			    "--only %s: no migration file of that name in the version locations",
			    o->only);
			goto out;
		}
	}
	wfiles_commit(&w, plan);
	if (ag_repair_simulate(plan, base, ro, &after, err) < 0)
		goto out;
	if (refuse_new_errors(cur.graph, after.graph, &from, &to, "this rename", false, err) < 0)
		goto out;
	rc = 0;
out:
	if (rc < 0) {
		truncate_plan(plan, n0, notes0);
		while (plan->sql_old.n > sql0) {
			free(plan->sql_old.v[--plan->sql_old.n]);
			plan->sql_old.v[plan->sql_old.n] = NULL;
			free(plan->sql_new.v[--plan->sql_new.n]);
			plan->sql_new.v[plan->sql_new.n] = NULL;
		}
	}
	ag_repair_result_free(&cur);
	ag_repair_result_free(&after);
	wfiles_free(&w);
	ag_strv_free(&from);
	ag_strv_free(&to);
	return rc;
}

/* ---- writing ------------------------------------------------------------ */

static void fsync_dir(const char *path)
{
	char *dir = dir_of(path);
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (fd < 0)
		return;
	/* Best effort: some file systems refuse fsync on a directory. */
	(void)fsync(fd);
	close(fd);
}

/* Writes data to a new temporary file beside path (a name Alembic never
 * loads: it does not end in .py). Returns its name (new) or NULL. */
static char *write_temp(const char *path, const char *data, size_t len, mode_t mode,
                        struct ag_err *err)
{
	char *dir = dir_of(path);
	char *tmp = ag_printf("%s/.%s.ag-XXXXXX", dir, base_of(path));
	free(dir);
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		ag_err_set(err, AG_ERR_IO, "cannot create a temporary file beside %s: %s", path,
		           strerror(errno));
		free(tmp);
		return NULL;
	}
	size_t done = 0;
	int e = 0;
	while (done < len) {
		ssize_t w = write(fd, data + done, len - done);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			e = errno;
			break;
		}
		done += (size_t)w;
	}
	if (!e && fchmod(fd, mode) < 0)
		e = errno;
	if (!e && fsync(fd) < 0)
		e = errno;
	if (close(fd) < 0 && !e)
		e = errno;
	if (e) {
		unlink(tmp);
		ag_err_set(err, AG_ERR_IO, "cannot write %s: %s", path, strerror(e));
		free(tmp);
		return NULL;
	}
	return tmp;
}

/*
 * rename(2) that fails with EEXIST instead of replacing to: renameat2 with
 * RENAME_NOREPLACE, through the system call itself, because musl before
 * 1.2.5 (the static build's) has no wrapper. EINVAL or ENOSYS: the file
 * system or kernel cannot do it.
 */
static int rename_noreplace(const char *from, const char *to)
{
#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0) /* linux/fs.h */
#endif
	return (int)syscall(SYS_renameat2, AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE);
}

/* Puts from at to, failing when to exists: link(2), or renameat2 with
 * RENAME_NOREPLACE on file systems without hard links. On success from is
 * gone. Returns 0 or an errno. */
static int place_noreplace(const char *from, const char *to)
{
	if (link(from, to) == 0) {
		unlink(from);
		return 0;
	}
	int e = errno;
	if (e == EPERM || e == ENOSYS || e == EOPNOTSUPP || e == EMLINK) {
		if (rename_noreplace(from, to) == 0)
			return 0;
		e = errno;
	}
	return e;
}

static int placed(int e, const char *path, struct ag_err *err)
{
	if (e == EEXIST)
		return ag_err_set(err, AG_ERR_IO, "%s appeared meanwhile; it was not overwritten",
		                  path);
	return ag_err_set(err, AG_ERR_IO, "cannot create %s: %s", path, strerror(e));
}

int ag_repair_write_new(const char *path, const char *data, size_t len, struct ag_err *err)
{
	struct stat st;
	if (lstat(path, &st) == 0)
		return ag_err_set(err, AG_ERR_IO, "%s exists; it was not overwritten", path);
	/* Reading the umask means setting it; alembic-guard writes files from
	 * one thread, so the moment it is changed does not matter. */
	mode_t um = umask(022);
	umask(um);
	char *tmp = write_temp(path, data, len, 0666 & ~um, err);
	if (!tmp)
		return -1;
	int e = place_noreplace(tmp, path);
	if (e) {
		unlink(tmp);
		free(tmp);
		return placed(e, path, err);
	}
	free(tmp);
	fsync_dir(path);
	return 0;
}

/* Checks that path still holds expect. */
static int still(const char *path, const char *expect, size_t elen, struct ag_err *err)
{
	size_t len = 0;
	char *cur = ag_read_file(path, &len);
	if (!cur)
		return ag_err_set(err, AG_ERR_IO, "cannot read %s: %s", path, strerror(errno));
	bool same = len == elen && memcmp(cur, expect, len) == 0;
	free(cur);
	if (!same)
		return ag_err_set(err, AG_ERR_IO,
		                  "%s changed after the plan was made; it was left alone (run the "
		                  "command again)",
		                  path);
	return 0;
}

int ag_repair_replace(const char *path, const char *expect, size_t elen, const char *data,
                      size_t len, struct ag_err *err)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return ag_err_set(err, AG_ERR_IO, "cannot read %s: %s", path, strerror(errno));
	if (still(path, expect, elen, err) < 0)
		return -1;
	char *tmp = write_temp(path, data, len, st.st_mode & 07777, err);
	if (!tmp)
		return -1;
	if (rename(tmp, path) < 0) {
		int e = errno;
		unlink(tmp);
		free(tmp);
		return ag_err_set(err, AG_ERR_IO, "cannot replace %s: %s", path, strerror(e));
	}
	free(tmp);
	fsync_dir(path);
	return 0;
}

int ag_repair_move(const char *from, const char *to, const char *expect, size_t elen,
                   const char *data, size_t len, struct ag_err *err)
{
	struct stat st;
	if (stat(from, &st) < 0)
		return ag_err_set(err, AG_ERR_IO, "cannot read %s: %s", from, strerror(errno));
	if (lstat(to, &st) == 0)
		return ag_err_set(err, AG_ERR_IO, "%s exists; it was not overwritten", to);
	if (stat(from, &st) < 0 || still(from, expect, elen, err) < 0)
		return -1;
	if (data) {
		char *tmp = write_temp(to, data, len, st.st_mode & 07777, err);
		if (!tmp)
			return -1;
		int e = place_noreplace(tmp, to);
		if (e) {
			unlink(tmp);
			free(tmp);
			return placed(e, to, err);
		}
		free(tmp);
		if (unlink(from) < 0)
			return ag_err_set(err, AG_ERR_IO, "wrote %s, but cannot remove %s: %s", to,
			                  from, strerror(errno));
	} else {
		int e = 0;
		if (rename_noreplace(from, to) < 0) {
			e = errno;
			if (e == EINVAL || e == ENOSYS) {
				/* no RENAME_NOREPLACE here: link, then unlink */
				e = link(from, to) == 0 ? 0 : errno;
				if (!e)
					unlink(from);
			}
		}
		if (e)
			return placed(e, to, err);
	}
	fsync_dir(to);
	return 0;
}

static int delete_copy(const struct ag_repair_action *a, struct ag_err *err)
{
	if (still(a->path, a->old_text, a->old_len, err) < 0)
		return -1;
	/* The copy that stays must still be there, and still the same. */
	if (still(a->keep, a->new_text, a->new_len, err) < 0)
		return -1;
	if (unlink(a->path) < 0)
		return ag_err_set(err, AG_ERR_IO, "cannot delete %s: %s", a->path, strerror(errno));
	fsync_dir(a->path);
	return 0;
}

int ag_repair_apply(struct ag_repair *plan, struct ag_err *err)
{
	static const enum ag_repair_kind order[] = {AG_REPAIR_CREATE, AG_REPAIR_EDIT,
	                                            AG_REPAIR_RENAME, AG_REPAIR_DELETE};
	for (size_t o = 0; o < AG_ARRAY_LEN(order); o++) {
		for (size_t i = 0; i < plan->n; i++) {
			struct ag_repair_action *a = &plan->v[i];
			if (a->kind != order[o] || a->done)
				continue;
			int r = 0;
			switch (a->kind) {
			case AG_REPAIR_CREATE:
				r = ag_repair_write_new(a->path, a->new_text, a->new_len, err);
				break;
			case AG_REPAIR_EDIT:
				r = ag_repair_replace(a->path, a->old_text, a->old_len, a->new_text,
				                      a->new_len, err);
				break;
			case AG_REPAIR_RENAME:
				r = ag_repair_move(a->path, a->new_path, a->old_text, a->old_len,
				                   a->new_text, a->new_len, err);
				break;
			case AG_REPAIR_DELETE: r = delete_copy(a, err); break;
			case AG_REPAIR_DUPLICATE: break;
			}
			if (r < 0)
				return -1;
			a->done = true;
		}
	}
	return 0;
}

/* ---- showing the plan --------------------------------------------------- */

static const char *kind_name(enum ag_repair_kind k)
{
	switch (k) {
	case AG_REPAIR_CREATE: return "create";
	case AG_REPAIR_EDIT: return "edit";
	case AG_REPAIR_RENAME: return "rename";
	case AG_REPAIR_DELETE: return "delete";
	case AG_REPAIR_DUPLICATE: return "duplicate";
	}
	return "?";
}

static void action_diff(const struct ag_repair_action *a, struct ag_buf *out)
{
	switch (a->kind) {
	case AG_REPAIR_CREATE:
		ag_repair_diff(NULL, "", 0, a->path, a->new_text, a->new_len, out);
		break;
	case AG_REPAIR_EDIT:
		ag_repair_diff(a->path, a->old_text, a->old_len, a->path, a->new_text, a->new_len,
		               out);
		break;
	case AG_REPAIR_RENAME:
		if (a->new_text)
			ag_repair_diff(a->path, a->old_text, a->old_len, a->new_path, a->new_text,
			               a->new_len, out);
		break;
	case AG_REPAIR_DELETE: break;
	case AG_REPAIR_DUPLICATE:
		ag_repair_diff(a->keep, a->new_text, a->new_len, a->path, a->old_text, a->old_len,
		               out);
		break;
	}
}

void ag_repair_render_text(const struct ag_repair *plan, const char *table, bool diffs,
                           struct ag_buf *out)
{
	for (size_t i = 0; i < plan->notes.n; i++)
		ag_buf_addf(out, "%s.\n", plan->notes.v[i]);
	if (plan->notes.n)
		ag_buf_addc(out, '\n');
	for (size_t i = 0; i < plan->n; i++) {
		const struct ag_repair_action *a = &plan->v[i];
		switch (a->kind) {
		case AG_REPAIR_RENAME:
			ag_buf_addf(out, "rename %s -> %s\n", a->path, a->new_path);
			break;
		case AG_REPAIR_DELETE:
			ag_buf_addf(out, "delete %s (identical to %s)\n", a->path, a->keep);
			break;
		case AG_REPAIR_DUPLICATE:
			ag_buf_addf(out, "duplicate %s (differs from %s; not deleted)\n", a->path,
			            a->keep);
			break;
		default: ag_buf_addf(out, "%s %s\n", kind_name(a->kind), a->path);
		}
		if (a->why)
			ag_buf_addf(out, "  %s\n", a->why);
		if (diffs)
			action_diff(a, out);
		ag_buf_addc(out, '\n');
	}
	if (plan->sql_old.n) {
		ag_buf_adds(out, "the database's version table:\n");
		for (size_t i = 0; i < plan->sql_old.n; i++) {
			char *sql = ag_repair_sql(table, plan->sql_old.v[i], plan->sql_new.v[i]);
			ag_buf_addf(out, "  %s\n", sql);
			free(sql);
		}
		ag_buf_addc(out, '\n');
	}
}

void ag_repair_render_json(const struct ag_repair *plan, const char *table, const char *report_json,
                           bool written, bool applied, long rows_updated, struct ag_buf *out)
{
	json_t *root = report_json ? json_loads(report_json, 0, NULL) : NULL;
	if (!json_is_object(root)) {
		json_decref(root);
		root = json_object();
	}
	json_t *r = json_object();
	json_object_set_new(r, "written", json_boolean(written));
	json_object_set_new(r, "applied", json_boolean(applied));
	json_object_set_new(r, "rows_updated",
	                    rows_updated >= 0 ? json_integer(rows_updated) : json_null());
	json_t *acts = json_array();
	for (size_t i = 0; i < plan->n; i++) {
		const struct ag_repair_action *a = &plan->v[i];
		json_t *o = json_object();
		json_object_set_new(o, "action", json_string(kind_name(a->kind)));
		json_object_set_new(o, "file", ag_report_jstr(a->path));
		json_object_set_new(o, "to", ag_report_jstr(a->new_path));
		json_object_set_new(o, "keep", ag_report_jstr(a->keep));
		json_object_set_new(o, "revision", ag_report_jstr(a->revision));
		json_object_set_new(o, "why", ag_report_jstr(a->why));
		struct ag_buf d = {0};
		ag_buf_adds(&d, "");
		action_diff(a, &d);
		json_object_set_new(o, "diff", ag_report_jstr(d.p));
		ag_buf_free(&d);
		json_object_set_new(o, "done", json_boolean(a->done));
		json_array_append_new(acts, o);
	}
	json_object_set_new(r, "actions", acts);
	json_t *sql = json_array();
	for (size_t i = 0; i < plan->sql_old.n; i++) {
		char *s = ag_repair_sql(table, plan->sql_old.v[i], plan->sql_new.v[i]);
		json_array_append_new(sql, ag_report_jstr(s));
		free(s);
	}
	json_object_set_new(r, "sql", sql);
	json_t *notes = json_array();
	for (size_t i = 0; i < plan->notes.n; i++)
		json_array_append_new(notes, ag_report_jstr(plan->notes.v[i]));
	json_object_set_new(r, "notes", notes);
	json_object_set_new(root, "repair", r);
	char *s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (s) {
		ag_buf_adds(out, s);
		ag_buf_addc(out, '\n');
		free(s);
	}
}
