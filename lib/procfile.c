/* procfile: the Procfile's release line, found and merged as text. */
#include "procfile.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

static bool type_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

static bool plain_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       strchr("_./:=@%+,-", c) != NULL;
}

char *ag_procfile_shell_word(const char *s)
{
	bool plain = *s != '\0';
	for (const char *p = s; *p; p++)
		if (!plain_char((unsigned char)*p))
			plain = false;
	if (plain)
		return ag_strdup(s);
	struct ag_buf b = {0};
	ag_buf_addc(&b, '\'');
	for (const char *p = s; *p; p++) {
		if (*p == '\'')
			ag_buf_adds(&b, "'\\''");
		else
			ag_buf_addc(&b, *p);
	}
	ag_buf_addc(&b, '\'');
	return ag_buf_take(&b);
}

/* One line of the file: [start, end) without its line end. */
struct line {
	size_t start, end;
	size_t cmd, cmd_end; /* the command of a release line */
	bool release;
};

static void scan_lines(const char *text, size_t len, struct line **out, size_t *n)
{
	size_t cap = 0;
	*out = NULL;
	*n = 0;
	for (size_t s = 0; s < len;) {
		const char *nl = memchr(text + s, '\n', len - s);
		size_t e = nl ? (size_t)(nl - text) : len;
		size_t ce = e > s && text[e - 1] == '\r' ? e - 1 : e;
		struct line l = {.start = s, .end = ce};
		size_t p = s;
		while (p < ce && type_char((unsigned char)text[p]))
			p++;
		/* Heroku's pattern: ^([A-Za-z0-9_-]+):\s*(.+)$ */
		if (p > s && p < ce && text[p] == ':' && p - s == 7 &&
		    memcmp(text + s, "release", 7) == 0) {
			size_t c = p + 1;
			while (c < ce && (text[c] == ' ' || text[c] == '\t'))
				c++;
			size_t c2 = ce;
			while (c2 > c && (text[c2 - 1] == ' ' || text[c2 - 1] == '\t'))
				c2--;
			l.release = true;
			l.cmd = c;
			l.cmd_end = c2;
		}
		ag_grow((void **)out, &cap, *n + 1, sizeof **out);
		(*out)[(*n)++] = l;
		s = nl ? e + 1 : len;
	}
}

/* A word of a command: [start, end) in the text. */
struct word {
	size_t start, end;
};

static bool word_is(const char *text, const struct word *w, const char *s)
{
	size_t n = strlen(s);
	return w->end - w->start == n && memcmp(text + w->start, s, n) == 0;
}

/* Splits [s, e) at blanks; no quoting: only the guard's own words are
 * looked at, and those are plain. */
static size_t split_words(const char *text, size_t s, size_t e, struct word **out)
{
	size_t n = 0, cap = 0;
	*out = NULL;
	for (size_t p = s; p < e;) {
		while (p < e && (text[p] == ' ' || text[p] == '\t'))
			p++;
		if (p >= e)
			break;
		size_t q = p;
		while (q < e && text[q] != ' ' && text[q] != '\t')
			q++;
		ag_grow((void **)out, &cap, n + 1, sizeof **out);
		(*out)[n++] = (struct word){p, q};
		p = q;
	}
	return n;
}

/* True when the first word names alembic-guard (any directory). */
static bool is_guard(const char *text, const struct word *w)
{
	size_t b = w->start;
	for (size_t p = w->start; p < w->end; p++)
		if (text[p] == '/')
			b = p + 1;
	size_t n = w->end - b;
	return (n == 13 && memcmp(text + b, "alembic-guard", 13) == 0) ||
	       (n == 20 && memcmp(text + b, "alembic-guard-static", 20) == 0);
}

static char *new_command(const struct ag_procfile_merge_opts *o, const char *cmd)
{
	return ag_printf("%s%s%s release --on-ahead %s -- %s", o->guard, o->globals ? " " : "",
	                 o->globals ? o->globals : "", o->on_ahead, cmd);
}

/* The user's command, as release's CMD: as written when every word is
 * plain, else through sh -c, as Heroku would have run it. */
static char *wrap_command(const char *cmd)
{
	bool plain = true;
	for (const char *p = cmd; *p; p++)
		if (*p != ' ' && !plain_char((unsigned char)*p))
			plain = false;
	if (plain)
		return ag_strdup(cmd);
	char *q = ag_procfile_shell_word(cmd);
	char *r = ag_printf("sh -c %s", q);
	free(q);
	return r;
}

/* Edits the guard's own release line: --on-ahead added after `release`,
 * or its value replaced when forced. Returns false when the line does not
 * run the guard's release. */
static bool edit_guard_line(const char *text, const struct line *l,
                            const struct ag_procfile_merge_opts *o,
                            struct ag_procfile_merge_result *res, struct ag_buf *cmd)
{
	struct word *w = NULL;
	size_t n = split_words(text, l->cmd, l->cmd_end, &w);
	size_t rel = 0, dd = n;
	for (size_t i = 1; i < n; i++)
		if (word_is(text, &w[i], "--")) {
			dd = i;
			break;
		}
	for (size_t i = 1; i < dd && !rel; i++)
		if (word_is(text, &w[i], "release"))
			rel = i;
	if (n == 0 || !is_guard(text, &w[0]) || !rel) {
		free(w);
		return false;
	}
	/* The value's span, when the line has an --on-ahead. */
	size_t vs = 0, ve = 0;
	for (size_t i = rel + 1; i < dd; i++) {
		size_t wl = w[i].end - w[i].start;
		if (word_is(text, &w[i], "--on-ahead") && i + 1 < dd) {
			vs = w[i + 1].start;
			ve = w[i + 1].end;
			break;
		}
		if (wl > 11 && memcmp(text + w[i].start, "--on-ahead=", 11) == 0) {
			vs = w[i].start + 11;
			ve = w[i].end;
			break;
		}
	}
	if (ve > vs) {
		char *cur = ag_strndup(text + vs, ve - vs);
		if (!o->on_ahead_forced || strcmp(cur, o->on_ahead) == 0) {
			res->on_ahead = cur;
			res->on_ahead_kept = strcmp(cur, o->on_ahead) != 0;
			res->change = AG_PROCFILE_SAME;
			ag_buf_add(cmd, text + l->cmd, l->cmd_end - l->cmd);
		} else {
			free(cur);
			res->change = AG_PROCFILE_UPDATE;
			ag_buf_add(cmd, text + l->cmd, vs - l->cmd);
			ag_buf_adds(cmd, o->on_ahead);
			ag_buf_add(cmd, text + ve, l->cmd_end - ve);
		}
	} else {
		res->change = AG_PROCFILE_UPDATE;
		ag_buf_add(cmd, text + l->cmd, w[rel].end - l->cmd);
		ag_buf_addf(cmd, " --on-ahead %s", o->on_ahead);
		ag_buf_add(cmd, text + w[rel].end, l->cmd_end - w[rel].end);
	}
	if (!res->on_ahead)
		res->on_ahead = ag_strdup(o->on_ahead);
	free(w);
	return true;
}

char *ag_procfile_merge(const char *text, size_t len, const struct ag_procfile_merge_opts *o,
                        struct ag_procfile_merge_result *res, size_t *out_len, struct ag_err *err)
{
	memset(res, 0, sizeof *res);
	if (!text)
		len = 0;
	struct line *lines = NULL;
	size_t n = 0;
	scan_lines(text ? text : "", len, &lines, &n);
	size_t rel = n, nrel = 0;
	for (size_t i = 0; i < n; i++) {
		if (!lines[i].release)
			continue;
		if (nrel++ == 0) {
			rel = i;
			continue;
		}
		ag_err_set(err, AG_ERR_USAGE,
		           "the Procfile has release lines at lines %zu and %zu, and Heroku runs "
		           "only one of them: keep one and run init again",
		           rel + 1, i + 1);
		free(lines);
		return NULL;
	}
	struct ag_buf out = {0};
	if (rel == n) {
		/* No release line: append one, in the file's line ends. */
		const char *eol = text && memmem(text, len, "\r\n", 2) ? "\r\n" : "\n";
		res->change = AG_PROCFILE_ADD;
		res->new_command = new_command(o, o->default_cmd);
		res->on_ahead = ag_strdup(o->on_ahead);
		ag_buf_add(&out, text ? text : "", len);
		if (len && text[len - 1] != '\n')
			ag_buf_adds(&out, eol);
		ag_buf_addf(&out, "release: %s%s", res->new_command, eol);
		res->line = (int)(n + 1);
		free(lines);
		*out_len = out.len;
		return ag_buf_take(&out);
	}
	const struct line *l = &lines[rel];
	for (size_t p = l->cmd; p < l->cmd_end; p++) {
		unsigned char c = (unsigned char)text[p];
		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			ag_err_set(err, AG_ERR_USAGE,
			           "the Procfile's release line (line %zu) holds a control character; "
			           "fix the line by hand and run init again",
			           rel + 1);
			free(lines);
			return NULL;
		}
	}
	res->line = (int)(rel + 1);
	res->old_command = ag_strndup(text + l->cmd, l->cmd_end - l->cmd);
	struct ag_buf cmd = {0};
	if (!edit_guard_line(text, l, o, res, &cmd)) {
		char *w = wrap_command(l->cmd_end > l->cmd ? res->old_command : o->default_cmd);
		char *c = new_command(o, w);
		free(w);
		ag_buf_adds(&cmd, c);
		free(c);
		res->change = AG_PROCFILE_WRAP;
		res->on_ahead = ag_strdup(o->on_ahead);
	}
	res->new_command = ag_buf_take(&cmd);
	ag_buf_add(&out, text, l->cmd);
	if (l->cmd == l->cmd_end && text[l->cmd - 1] == ':')
		ag_buf_addc(&out, ' '); /* "release:" alone */
	ag_buf_adds(&out, res->new_command);
	ag_buf_add(&out, text + l->cmd_end, len - l->cmd_end);
	free(lines);
	*out_len = out.len;
	return ag_buf_take(&out);
}

void ag_procfile_merge_result_free(struct ag_procfile_merge_result *res)
{
	if (!res)
		return;
	free(res->old_command);
	free(res->new_command);
	free(res->on_ahead);
	memset(res, 0, sizeof *res);
}
