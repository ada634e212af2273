#include "opts.h"

#include <string.h>

enum { HELP_COL = 30, WIDTH = 80, MAX_DIST_LEN = 64 };

size_t ag_opts_count(const struct ag_opt *opts)
{
	size_t n = 0;
	while (opts && opts[n].name)
		n++;
	return n;
}

const struct ag_opt *ag_opts_find(const struct ag_opt *opts, const char *name)
{
	for (size_t i = 0; opts && opts[i].name; i++)
		if (strcmp(opts[i].name, name) == 0)
			return &opts[i];
	return NULL;
}

const struct ag_opt *ag_opts_find_short(const struct ag_opt *opts, int c)
{
	for (size_t i = 0; c && opts && opts[i].name; i++)
		if (opts[i].short_name == c)
			return &opts[i];
	return NULL;
}

const struct ag_opt *ag_opts_find_id(const struct ag_opt *opts, int id)
{
	for (size_t i = 0; opts && opts[i].name; i++)
		if (opts[i].id == id)
			return &opts[i];
	return NULL;
}

static void pad(struct ag_buf *out, size_t n)
{
	while (n--)
		ag_buf_addc(out, ' ');
}

/* Appends text wrapped at WIDTH, every line starting at column col; the
 * first line's start is already written. '\n' in text forces a break. */
static void wrap(struct ag_buf *out, const char *text, size_t col)
{
	size_t at = col;
	const char *p = text;
	while (*p) {
		if (*p == '\n') {
			ag_buf_addc(out, '\n');
			pad(out, col);
			at = col;
			p++;
			continue;
		}
		if (*p == ' ') {
			p++;
			continue;
		}
		size_t n = strcspn(p, " \n");
		if (at > col && at + 1 + n > WIDTH) {
			ag_buf_addc(out, '\n');
			pad(out, col);
			at = col;
		} else if (at > col) {
			ag_buf_addc(out, ' ');
			at++;
		}
		ag_buf_add(out, p, n);
		at += n;
		p += n;
	}
	ag_buf_addc(out, '\n');
}

void ag_opts_row(const char *left, const char *text, size_t col, struct ag_buf *out)
{
	size_t n = strlen(left);
	ag_buf_adds(out, left);
	if (!text || !*text) {
		ag_buf_addc(out, '\n');
		return;
	}
	if (n && n + 2 > col) {
		ag_buf_addc(out, '\n');
		pad(out, col);
	} else {
		pad(out, col - n);
	}
	wrap(out, text, col);
}

void ag_opts_help(const struct ag_opt *opts, struct ag_buf *out)
{
	for (size_t i = 0; opts && opts[i].name; i++) {
		const struct ag_opt *o = &opts[i];
		struct ag_buf left = {0};
		if (o->short_name)
			ag_buf_addf(&left, "  -%c, --%s", o->short_name, o->name);
		else
			ag_buf_addf(&left, "      --%s", o->name);
		if (o->arg)
			ag_buf_addf(&left, " %s", o->arg);
		ag_opts_row(left.p, o->help, HELP_COL, out);
		ag_buf_free(&left);
	}
}

void ag_opts_usage(const struct ag_opt *opts, size_t col, size_t indent, struct ag_buf *out)
{
	for (size_t i = 0; opts && opts[i].name; i++) {
		const struct ag_opt *o = &opts[i];
		struct ag_buf w = {0};
		ag_buf_adds(&w, "[");
		if (o->short_name)
			ag_buf_addf(&w, "-%c|", o->short_name);
		ag_buf_addf(&w, "--%s", o->name);
		if (o->arg)
			ag_buf_addf(&w, " %s", o->arg);
		ag_buf_adds(&w, "]");
		if (col > indent && col + 1 + w.len > WIDTH) {
			ag_buf_addc(out, '\n');
			pad(out, indent);
			col = indent;
		} else {
			ag_buf_addc(out, ' ');
			col++;
		}
		ag_buf_add(out, w.p, w.len);
		col += w.len;
		ag_buf_free(&w);
	}
}

size_t ag_opts_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > MAX_DIST_LEN || lb > MAX_DIST_LEN)
		return (la > lb ? la : lb) + 1;
	/* Three rows of the optimal-string-alignment table, on the stack. */
	size_t rows[3][MAX_DIST_LEN + 1];
	size_t *prev2 = rows[0], *prev = rows[1], *cur = rows[2];
	for (size_t j = 0; j <= lb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
			size_t best = prev[j] + 1;
			if (cur[j - 1] + 1 < best)
				best = cur[j - 1] + 1;
			if (prev[j - 1] + cost < best)
				best = prev[j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    prev2[j - 2] + 1 < best)
				best = prev2[j - 2] + 1;
			cur[j] = best;
		}
		size_t *t = prev2;
		prev2 = prev;
		prev = cur;
		cur = t;
	}
	return prev[lb];
}

const char *ag_opts_suggest(const char *word, const char *const *cands, size_t n)
{
	size_t len = strlen(word);
	if (!len)
		return NULL;
	size_t limit = len <= 4 ? 1 : len <= 8 ? 2 : 3;
	const char *best = NULL, *prefixed = NULL;
	size_t best_d = limit + 1, nprefixed = 0;
	for (size_t i = 0; i < n; i++) {
		size_t d = ag_opts_distance(word, cands[i]);
		if (d < best_d) {
			best_d = d;
			best = cands[i];
		}
		if (strncmp(cands[i], word, len) == 0) {
			prefixed = cands[i];
			nprefixed++;
		}
	}
	if (best)
		return best;
	return nprefixed == 1 ? prefixed : NULL;
}
