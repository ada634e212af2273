#include "template.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "script.h"
#include "util.h"

#define SLUG_LEN 40

static bool is_word(unsigned char c)
{
	/* Python's \w on str: letters, digits, '_', and (roughly) every
	 * non-ASCII letter: bytes of UTF-8 sequences count as word bytes. */
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c >= 0x80;
}

char *ag_template_slug(const char *message, int truncate)
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

/* One "%(key)<flags><width>.<prec><conv>" of a template. */
struct spec {
	char key[64];
	char flags[8];
	int width, prec; /* -1: not given */
	char conv;
};

/*
 * Parses the spec after a '%' at *pp (which points at '('), moving *pp
 * past it. 0, or -1 with err for a spec Alembic could not use either.
 */
static int parse_spec(const char *tmpl, const char **pp, struct spec *sp, struct ag_err *err)
{
	const char *p = *pp;
	memset(sp, 0, sizeof *sp);
	const char *close = strchr(p, ')');
	if (!close)
		return ag_err_set(err, AG_ERR_CONFIG, "file_template '%s' has an unclosed '%%('",
		                  tmpl);
	size_t kl = (size_t)(close - p - 1);
	if (kl >= sizeof sp->key)
		kl = sizeof sp->key - 1; /* no field name is that long: it stays unknown */
	memcpy(sp->key, p + 1, kl);
	p = close + 1;
	size_t nf = 0;
	while (*p && strchr("#0- +", *p) && nf < sizeof sp->flags - 1)
		sp->flags[nf++] = *p++;
	sp->width = sp->prec = -1;
	if (*p >= '0' && *p <= '9') {
		sp->width = 0;
		while (*p >= '0' && *p <= '9' && sp->width < 1000)
			sp->width = sp->width * 10 + (*p++ - '0');
	}
	if (*p == '.') {
		p++;
		sp->prec = 0;
		while (*p >= '0' && *p <= '9' && sp->prec < 1000)
			sp->prec = sp->prec * 10 + (*p++ - '0');
	}
	while (*p == 'h' || *p == 'l' || *p == 'L')
		p++; /* Python accepts and ignores length modifiers */
	sp->conv = *p ? *p++ : '\0';
	*pp = p;
	if (!sp->conv || !strchr("sradiu", sp->conv))
		return ag_err_set(err, AG_ERR_CONFIG,
		                  "file_template '%s': %%(%s) uses a conversion alembic-guard does "
		                  "not know; use s or d",
		                  tmpl, sp->key);
	return 0;
}

/* The number a date key stands for; false for a key that is none. */
static bool date_field(const char *key, const struct tfields *f, long long *v)
{
	if (strcmp(key, "epoch") == 0)
		*v = f->epoch;
	else if (strcmp(key, "year") == 0)
		*v = f->tm.tm_year + 1900;
	else if (strcmp(key, "month") == 0)
		*v = f->tm.tm_mon + 1;
	else if (strcmp(key, "day") == 0)
		*v = f->tm.tm_mday;
	else if (strcmp(key, "hour") == 0)
		*v = f->tm.tm_hour;
	else if (strcmp(key, "minute") == 0)
		*v = f->tm.tm_min;
	else if (strcmp(key, "second") == 0)
		*v = f->tm.tm_sec;
	else
		return false;
	return true;
}

/* Expands one spec onto lit, or, for a hole, flushes lit into out and
 * adds the hole. */
static int expand_field(const char *tmpl, const struct spec *sp, const struct tfields *f,
                        struct ag_buf *lit, struct segs *out, struct ag_err *err)
{
	bool is_str = strcmp(sp->key, "rev") == 0 || strcmp(sp->key, "slug") == 0;
	long long v = 0;
	if (!is_str && !date_field(sp->key, f, &v))
		return ag_err_set(err, AG_ERR_CONFIG,
		                  "file_template '%s' names %%(%s)s; Alembic knows rev, slug, epoch, "
		                  "year, month, day, hour, minute and second",
		                  tmpl, sp->key);
	if (is_str && strchr("diu", sp->conv))
		return ag_err_set(err, AG_ERR_CONFIG,
		                  "file_template '%s' formats %%(%s) as a number; it is a string",
		                  tmpl, sp->key);
	/* A date field cut to nothing ("%(year).0s") writes only its padding
	 * whatever the date: the name does not depend on it, so it is no hole
	 * (Alembic's _rev_path formats it the same way for every date). */
	bool blank = !is_str && strchr("sra", sp->conv) && sp->prec == 0;
	bool hole = (is_str && strcmp(sp->key, "slug") == 0 && !f->slug) ||
	            (!is_str && !f->has_date && !blank);
	if (hole) {
		segs_text(out, lit->p, lit->len);
		lit->len = 0;
		lit->p[0] = '\0';
		segs_hole(out, is_str ? SEG_SLUG : SEG_NUMBER);
		return 0;
	}
	const char *s = strcmp(sp->key, "rev") == 0 ? f->rev : f->slug;
	format_one(lit, sp->flags, sp->width, sp->prec, sp->conv, is_str ? s : NULL, !is_str, v);
	return 0;
}

/* Expands tmpl into segs; holes where the fields say so. */
static int expand(const char *tmpl, const struct tfields *f, struct segs *out, struct ag_err *err)
{
	const char *p = tmpl;
	struct ag_buf lit = {0};
	ag_buf_adds(&lit, "");
	int rc = 0;
	while (*p && rc == 0) {
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
			rc = ag_err_set(err, AG_ERR_CONFIG,
			                "file_template '%s' has a '%%' that is not %%(name)s or %%%%; "
			                "Alembic could not use it either",
			                tmpl);
			break;
		}
		struct spec sp;
		rc = parse_spec(tmpl, &p, &sp, err);
		if (rc == 0)
			rc = expand_field(tmpl, &sp, f, &lit, out, err);
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

char *ag_template_file_name(const char *tmpl, const char *rev, const char *slug, time_t when,
                            struct ag_err *err)
{
	struct tfields f = {
	    .rev = rev, .slug = slug ? slug : "", .has_date = true, .epoch = (long long)when};
	local_tm(when, &f.tm);
	struct segs s = {0};
	if (expand(tmpl ? tmpl : AG_TEMPLATE_DEFAULT, &f, &s, err) < 0) {
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

bool ag_template_name_conforms(const char *tmpl, const char *name, const char *rev, bool has_date,
                               time_t when)
{
	struct tfields f = {
	    .rev = rev, .slug = NULL, .has_date = has_date, .epoch = (long long)when};
	if (has_date)
		local_tm(when, &f.tm);
	struct segs s = {0};
	bool ok = false;
	struct ag_err err = {0};
	if (expand(tmpl ? tmpl : AG_TEMPLATE_DEFAULT, &f, &s, &err) == 0)
		ok = match_segs(&s, 0, name);
	segs_free(&s);
	return ok;
}


bool ag_template_uses_date(const char *tmpl)
{
	struct tfields f = {.rev = "", .slug = "", .has_date = false};
	struct segs s = {0};
	struct ag_err err = {0};
	bool uses = false;
	if (expand(tmpl ? tmpl : AG_TEMPLATE_DEFAULT, &f, &s, &err) == 0)
		for (size_t i = 0; i < s.n; i++)
			uses |= s.v[i].kind == SEG_NUMBER;
	segs_free(&s);
	return uses;
}


bool ag_template_parse_date(const char *s, time_t *out)
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


void ag_template_format_date(time_t when, long usec, char *out, size_t n)
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

static bool looks_like_id(const char *s, size_t n)
{
	if (n < 6)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

char *ag_template_file_slug(const char *message, const char *name, const char *const *ids,
			    size_t nids)
{
	if (message && *message)
		return ag_template_slug(message, 0);
	size_t n = strlen(name);
	char *stem = ag_strndup(name, n > 3 && strcmp(name + n - 3, ".py") == 0 ? n - 3 : n);
	const char *rest = stem;
	bool cut = false;
	for (size_t k = 0; k < nids && !cut; k++) {
		size_t l = ids[k] ? strlen(ids[k]) : 0;
		if (l && strncmp(stem, ids[k], l) == 0 && (stem[l] == '_' || !stem[l])) {
			rest = stem + l;
			cut = true;
		}
	}
	const char *us = strchr(stem, '_');
	if (!cut && us && looks_like_id(stem, (size_t)(us - stem))) {
		rest = us;
		cut = true;
	}
	/* The template's separator is not part of the slug ('_' is a word
	 * character to Alembic's \w+, so it would be kept). */
	if (cut && *rest == '_')
		rest++;
	char *slug = ag_template_slug(rest, 0);
	free(stem);
	return slug;
}

char *ag_template_from_toml(const char *value, const char *here)
{
	struct ag_buf b = {0};
	ag_buf_adds(&b, "");
	for (const char *p = value ? value : ""; *p;) {
		if (p[0] == '%' && p[1] == '%') {
			ag_buf_addc(&b, '%');
			p += 2;
		} else if (strncmp(p, "%(here)s", 8) == 0) {
			ag_buf_adds(&b, here ? here : "");
			p += 8;
		} else {
			ag_buf_addc(&b, *p++);
		}
	}
	return ag_buf_take(&b);
}

const char *ag_template_unloadable(const char *name)
{
	if (!name || !*name)
		return "the name is empty";
	if (strchr(name, '/'))
		return "the name has a directory in it";
	if (strncmp(name, "__init__", 8) == 0)
		return "Alembic skips files whose names start with __init__";
	if (strncmp(name, ".#", 2) == 0)
		return "Alembic skips files whose names start with .# (editor lock files)";
	if (strchr(name, '\n'))
		return "the name has a newline in it";
	if (!ag_script_is_candidate(name))
		return "Alembic loads only files whose names end in .py";
	return NULL;
}
