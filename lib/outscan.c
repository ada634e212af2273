#include "outscan.h"

#include <stdlib.h>
#include <string.h>

static const char *const kind_names[] = {
	[AG_OUT_CANT_LOCATE] = "cant-locate",
	[AG_OUT_MULTIPLE_HEADS] = "multiple-heads",
	[AG_OUT_STAMP] = "stamp",
	[AG_OUT_OVERLAP] = "overlap",
	[AG_OUT_NOT_PRESENT] = "not-present",
	[AG_OUT_DUPLICATE] = "duplicate",
	[AG_OUT_NO_SUCH_REVISION] = "no-such-revision",
	[AG_OUT_MIGRATE] = "migrate",
	[AG_OUT_GUARD] = "guard",
	[AG_OUT_ERROR] = "error",
};

const char *ag_outscan_kind_name(enum ag_outscan_kind kind)
{
	if ((size_t)kind < AG_ARRAY_LEN(kind_names) && kind_names[kind])
		return kind_names[kind];
	return "unknown";
}

bool ag_outscan_kind_is_failure(enum ag_outscan_kind kind)
{
	return kind != AG_OUT_MIGRATE && kind != AG_OUT_STAMP;
}

static bool id_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* strchr that does not match the terminating NUL. */
static bool in(const char *set, char c)
{
	return c && strchr(set, c);
}

bool ag_outscan_is_revision(const char *s, size_t n)
{
	if (!s || n == 0 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!id_char(s[i]))
			return false;
	static const char *const symbolic[] = {"head", "heads", "base"};
	for (size_t i = 0; i < AG_ARRAY_LEN(symbolic); i++)
		if (strlen(symbolic[i]) == n && memcmp(symbolic[i], s, n) == 0)
			return false;
	return true;
}

bool ag_outscan_has(const struct ag_outscan *s, enum ag_outscan_kind kind)
{
	for (size_t i = 0; s && i < s->n; i++)
		if (s->v[i].kind == kind)
			return true;
	return false;
}

static void push_id(struct ag_strv *ids, const char *p, size_t n)
{
	if (!ag_outscan_is_revision(p, n))
		return;
	char *id = ag_strndup(p, n);
	if (ag_strv_has(ids, id)) {
		free(id);
		return;
	}
	ag_strv_push_take(ids, id);
}

/* The length of the id-character run at p (bounded by end). */
static size_t run(const char *p, const char *end)
{
	const char *q = p;
	while (q < end && id_char(*q))
		q++;
	return (size_t)(q - p);
}

/* One id at p (after optional quotes or brackets). It must end at a space,
 * a quote, a comma, a full stop or the end of the line: "abc." ends a
 * sentence, while "abc-def" or "abc@head" is one word and not an id. */
static void one_id(struct ag_strv *ids, const char *p, const char *end)
{
	while (p < end && in("'\"([", *p))
		p++;
	size_t n = run(p, end);
	const char *after = p + n;
	if (after < end && !in(" '\",.;:)]", *after))
		return;
	push_id(ids, p, n);
}

/* The ids of a list such as "a, b", "('a', 'b')" or "a b" in [p, end).
 * Words joined by -, @ or + (a-b, branch@head) are skipped whole. */
static void id_list(struct ag_strv *ids, const char *p, const char *end)
{
	while (p < end) {
		while (p < end && !id_char(*p))
			p++;
		const char *start = p;
		size_t n = run(p, end);
		if (!n)
			break;
		p += n;
		bool joined = false;
		while (p < end && in("-@+", *p)) {
			joined = true;
			p++;
			p += run(p, end);
		}
		if (!joined)
			push_id(ids, start, n);
	}
}

/* Every quoted id ('x' or "x") in [p, end). */
static void quoted_ids(struct ag_strv *ids, const char *p, const char *end)
{
	while (p < end) {
		while (p < end && *p != '\'' && *p != '"')
			p++;
		if (p >= end)
			break;
		char q = *p++;
		const char *close = memchr(p, q, (size_t)(end - p));
		if (!close)
			break;
		push_id(ids, p, (size_t)(close - p));
		p = close + 1;
	}
}

static bool starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* s begins with a kebab-case code followed by ": " (after "error "). */
static bool code_colon(const char *s)
{
	const char *p = s;
	if (!(*p >= 'a' && *p <= 'z'))
		return false;
	while ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-')
		p++;
	return p[0] == ':' && p[1] == ' ';
}

/* "... [kebab-code]" at the end of the line: lint's list style. */
static bool ends_with_code(const char *s, size_t n)
{
	if (n < 3 || s[n - 1] != ']')
		return false;
	size_t i = n - 2;
	while (i > 0 && ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
		i--;
	return s[i] == '[' && i < n - 2 && i > 0 && s[i - 1] == ' ';
}

/* alembic-guard's own findings and verdicts, as check, lint and release
 * print them. */
static bool guard_line(const char *s, size_t n, bool any_mention, struct ag_strv *ids)
{
	bool finding = ((starts(s, "error ") && code_colon(s + 6)) ||
			(starts(s, "warning ") && code_colon(s + 8)));
	if (!finding && (strstr(s, "error: ") || strstr(s, "warning: ")) && ends_with_code(s, n))
		finding = true;
	if (!finding && !starts(s, "BLOCKED: ") && !(any_mention && strstr(s, "alembic-guard")))
		return false;
	const char *end = s + n;
	/* release --on-ahead's warning names the ids without quotes. */
	const char *at = strstr(s, "the database is at ");
	if (at) {
		at += strlen("the database is at ");
		const char *stop = strstr(at, ", which");
		id_list(ids, at, stop ? stop : end);
	}
	quoted_ids(ids, s, end);
	return true;
}

/* `alembic [options] stamp ARGS`, typed or echoed by a shell (set -x) or a
 * Procfile line. The ids are the arguments after "stamp" up to a shell
 * operator. */
static bool stamp_command(const char *s, const char *end, struct ag_strv *ids)
{
	const char *p = s;
	bool seen_alembic = false, in_stamp = false, found = false;
	while (p < end) {
		while (p < end && *p == ' ')
			p++;
		const char *t = p;
		while (p < end && *p != ' ')
			p++;
		size_t n = (size_t)(p - t);
		if (!n)
			break;
		/* Quotes and a trailing ; or , belong to the shell, not the id. */
		const char *a = t, *b = t + n;
		while (a < b && in("'\"`", *a))
			a++;
		bool op_after = false;
		while (b > a && in("'\"`;,&|)", b[-1])) {
			op_after = op_after || in(";&|)", b[-1]);
			b--;
		}
		size_t len = (size_t)(b - a);
		if (in_stamp) {
			if (len == 0 || in("&|;<>", *a)) {
				in_stamp = false;
				seen_alembic = false;
				continue;
			}
			if (*a != '-')
				push_id(ids, a, len);
			if (op_after) {
				in_stamp = false;
				seen_alembic = false;
			}
			continue;
		}
		if ((len == 7 && memcmp(a, "alembic", 7) == 0) ||
		    (len > 8 && memcmp(b - 8, "/alembic", 8) == 0)) {
			seen_alembic = true;
			continue;
		}
		if (seen_alembic && len == 5 && memcmp(a, "stamp", 5) == 0) {
			in_stamp = !op_after;
			found = true;
			continue;
		}
		if (len && in("&|;", *a))
			seen_alembic = false;
	}
	return found;
}

/* Alembic's "Running upgrade A, B -> C, doc" (also downgrade and
 * stamp_revision). Only the first id after the arrow is taken: what
 * follows the comma is the migration's message. */
static bool running_line(const char *s, const char *end, struct ag_strv *ids, bool *stamp)
{
	static const char *const steps[] = {"Running upgrade ", "Running downgrade ",
					    "Running stamp_revision "};
	for (size_t i = 0; i < AG_ARRAY_LEN(steps); i++) {
		const char *p = strstr(s, steps[i]);
		if (!p)
			continue;
		p += strlen(steps[i]);
		const char *arrow = strstr(p, "->");
		if (!arrow)
			return false;
		id_list(ids, p, arrow);
		const char *to = arrow + 2;
		while (to < end && *to == ' ')
			to++;
		one_id(ids, to, end);
		*stamp = i == 2;
		return true;
	}
	return false;
}

static void add_match(struct ag_outscan *s, enum ag_outscan_kind kind, size_t line, const char *text,
		      size_t n, struct ag_strv *ids)
{
	/* A bound on matches is also a bound on the work below: output with
	 * a million "Running upgrade" lines stays linear. */
	if (s->n >= AG_OUTSCAN_MAX_MATCHES) {
		s->dropped++;
		ag_strv_free(ids);
		return;
	}
	for (size_t i = 0; i < ids->n; i++)
		if (!ag_strv_has(&s->revisions, ids->v[i]))
			ag_strv_push(&s->revisions, ids->v[i]);
	ag_grow((void **)&s->v, &s->cap, s->n + 1, sizeof *s->v);
	struct ag_outscan_match *m = &s->v[s->n++];
	memset(m, 0, sizeof *m);
	m->kind = kind;
	m->line = line;
	if (n > AG_OUTSCAN_TEXT_MAX) {
		size_t cut = AG_OUTSCAN_TEXT_MAX;
		/* Never split a UTF-8 sequence. */
		while (cut > 0 && ((unsigned char)text[cut] & 0xC0) == 0x80)
			cut--;
		m->text = ag_printf("%.*s...", (int)cut, text);
	} else {
		m->text = ag_strndup(text, n);
	}
	m->revisions = *ids;
	memset(ids, 0, sizeof *ids);
}

/* Classifies one cleaned line (NUL-terminated, no control characters). */
static void scan_line(struct ag_outscan *s, const char *l, size_t n, size_t lineno)
{
	const char *end = l + n;
	struct ag_strv ids = {0};
	enum ag_outscan_kind kind;
	const char *p;
	bool stamp = false;
	/* Findings first: their messages quote Alembic's. A line that merely
	 * mentions alembic-guard comes after the Alembic patterns, so that
	 * "+ alembic-guard release -- alembic stamp head" is a stamp. */
	if (guard_line(l, n, false, &ids)) {
		kind = AG_OUT_GUARD;
	} else if ((p = strstr(l, "Can't locate revision identified by "))) {
		kind = AG_OUT_CANT_LOCATE;
		p += strlen("Can't locate revision identified by ");
		if (p < end && (*p == '\'' || *p == '"')) {
			const char *close = memchr(p + 1, *p, (size_t)(end - p - 1));
			if (close)
				push_id(&ids, p + 1, (size_t)(close - p - 1));
		}
	} else if (strstr(l, "Multiple head revisions are present")) {
		kind = AG_OUT_MULTIPLE_HEADS;
	} else if ((p = strstr(l, "Requested revision ")) && strstr(p, " overlaps with ")) {
		kind = AG_OUT_OVERLAP;
		one_id(&ids, p + strlen("Requested revision "), end);
		const char *o = strstr(p, "other requested revisions ");
		if (o)
			id_list(&ids, o + strlen("other requested revisions "), end);
	} else if ((p = strstr(l, "Revision ")) && strstr(p, " referenced from ") &&
		   strstr(p, "is not present")) {
		kind = AG_OUT_NOT_PRESENT;
		one_id(&ids, p + strlen("Revision "), end);
	} else if ((p = strstr(l, "Revision ")) && strstr(p, " is present more than once")) {
		kind = AG_OUT_DUPLICATE;
		one_id(&ids, p + strlen("Revision "), end);
	} else if ((p = strstr(l, "No such revision or branch "))) {
		kind = AG_OUT_NO_SUCH_REVISION;
		p += strlen("No such revision or branch ");
		if (p < end && (*p == '\'' || *p == '"')) {
			const char *close = memchr(p + 1, *p, (size_t)(end - p - 1));
			if (close)
				push_id(&ids, p + 1, (size_t)(close - p - 1));
		}
	} else if (running_line(l, end, &ids, &stamp)) {
		kind = stamp ? AG_OUT_STAMP : AG_OUT_MIGRATE;
	} else if (stamp_command(l, end, &ids)) {
		kind = AG_OUT_STAMP;
	} else if (guard_line(l, n, true, &ids)) {
		kind = AG_OUT_GUARD;
	} else if (starts(l, "FAILED:") || strstr(l, "CommandError:") || strstr(l, "sqlalchemy.exc.") ||
		   strstr(l, "psycopg2.errors.") || strstr(l, "psycopg.errors.")) {
		kind = AG_OUT_ERROR;
	} else if ((p = strstr(l, "KeyError: "))) {
		/* Alembic 1.8 ends a dangling down_revision with KeyError('id'). */
		kind = AG_OUT_ERROR;
		quoted_ids(&ids, p, end);
	} else {
		return;
	}
	add_match(s, kind, lineno, l, n, &ids);
}

/* Copies the line without ANSI escape sequences; other control bytes (tabs,
 * stray CRs, NULs) become spaces; leading and trailing spaces go. */
static void clean(struct ag_buf *b, const char *p, size_t n)
{
	b->len = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c == 0x1b) {
			if (i + 1 < n && p[i + 1] == '[') {
				/* CSI: parameters, then one final byte in 0x40..0x7e. */
				i += 2;
				while (i < n && !((unsigned char)p[i] >= 0x40 && (unsigned char)p[i] <= 0x7e))
					i++;
			} else if (i + 1 < n && p[i + 1] == ']') {
				/* OSC: up to BEL or ESC \ */
				i += 2;
				while (i < n && p[i] != '\a' && !(p[i] == 0x1b && i + 1 < n && p[i + 1] == '\\'))
					i++;
				if (i < n && p[i] == 0x1b)
					i++;
			} else {
				i++;
			}
			continue;
		}
		if (c < 0x20 || c == 0x7f) {
			if (b->len)
				ag_buf_addc(b, ' ');
			continue;
		}
		if (c == ' ' && !b->len)
			continue;
		ag_buf_addc(b, (char)c);
	}
	while (b->len && b->p[b->len - 1] == ' ')
		b->len--;
	if (!b->p)
		ag_buf_adds(b, "");
	b->p[b->len] = '\0';
}

void ag_outscan_scan(struct ag_outscan *s, const char *text, size_t len)
{
	if (!text || !len)
		return;
	struct ag_buf line = {0};
	const char *p = text, *end = text + len;
	size_t lineno = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		lineno++;
		clean(&line, p, (size_t)(e - p));
		if (line.len)
			scan_line(s, line.p, line.len, lineno);
		p = nl ? nl + 1 : end;
	}
	s->lines += lineno;
	ag_buf_free(&line);
	ag_strv_sort(&s->revisions);
}

void ag_outscan_free(struct ag_outscan *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].text);
		ag_strv_free(&s->v[i].revisions);
	}
	free(s->v);
	ag_strv_free(&s->revisions);
	memset(s, 0, sizeof *s);
}
