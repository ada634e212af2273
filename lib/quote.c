#include "quote.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

size_t ag_quote_utf8_at(const unsigned char *p, unsigned long *cpp)
{
	unsigned long cp, min;
	size_t n;
	if (p[0] < 0x80) {
		*cpp = p[0];
		return 1;
	}
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		n = 2; cp = p[0] & 0x1fu; min = 0x80;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3; cp = p[0] & 0x0fu; min = 0x800;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4; cp = p[0] & 0x07u; min = 0x10000;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80) /* also stops at the NUL */
			return 0;
		cp = (cp << 6) | (p[i] & 0x3fu);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	*cpp = cp;
	return n;
}

/* Code points a terminal or a log viewer acts on rather than shows: C0,
 * DEL, C1, and the Unicode line separators and bidirectional controls that
 * can make a line read as something else. */
static bool is_control(unsigned long cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029 ||
	       (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

void ag_quote_visible(struct ag_buf *out, const char *s)
{
	ag_buf_adds(out, "");
	for (const unsigned char *p = (const unsigned char *)s; p && *p;) {
		unsigned long cp = 0;
		size_t n = ag_quote_utf8_at(p, &cp);
		if (n == 0) {
			ag_buf_addf(out, "\\x%02x", *p);
			p++;
			continue;
		}
		if (!is_control(cp)) {
			ag_buf_add(out, p, n);
		} else if (cp == '\n') {
			ag_buf_adds(out, "\\n");
		} else if (cp == '\r') {
			ag_buf_adds(out, "\\r");
		} else if (cp == '\t') {
			ag_buf_adds(out, "\\t");
		} else if (cp < 0x80) {
			ag_buf_addf(out, "\\x%02lx", cp);
		} else {
			ag_buf_addf(out, "\\u%04lx", cp);
		}
		p += n;
	}
}

char *ag_quote_visible_dup(const char *s)
{
	struct ag_buf b = {0};
	ag_quote_visible(&b, s);
	return ag_buf_take(&b);
}

bool ag_quote_is_clean(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; p && *p;) {
		unsigned long cp = 0;
		size_t n = ag_quote_utf8_at(p, &cp);
		if (n == 0 || is_control(cp))
			return false;
		p += n;
	}
	return true;
}

bool ag_quote_is_utf8(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; p && *p;) {
		unsigned long cp = 0;
		size_t n = ag_quote_utf8_at(p, &cp);
		if (n == 0)
			return false;
		p += n;
	}
	return true;
}

char *ag_quote_bytes(const char *s)
{
	struct ag_buf b = {0};
	ag_buf_adds(&b, "");
	for (const unsigned char *p = (const unsigned char *)s; p && *p;) {
		unsigned long cp = 0;
		size_t n = ag_quote_utf8_at(p, &cp);
		if (n == 0) {
			ag_buf_addf(&b, "\\x%02x", *p);
			n = 1;
		} else if (cp == '\\') {
			ag_buf_adds(&b, "\\\\");
		} else {
			ag_buf_add(&b, p, n);
		}
		p += n;
	}
	return ag_buf_take(&b);
}

static bool word_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

size_t ag_quote_mask(char *text, size_t n, const char *secret)
{
	size_t sl = secret ? strlen(secret) : 0;
	if (!text || sl == 0)
		return n;
	size_t w = 0;
	for (size_t r = 0; r < n;) {
		if (r + sl <= n && memcmp(text + r, secret, sl) == 0 &&
		    (r == 0 || !word_byte((unsigned char)text[r - 1])) &&
		    (r + sl == n || !word_byte((unsigned char)text[r + sl]))) {
			/* "***" is never longer than a secret of 3 or more bytes;
			 * a shorter one is kept rather than grow the text. */
			if (sl >= 3) {
				memcpy(text + w, "***", 3);
				w += 3;
				r += sl;
				continue;
			}
		}
		text[w++] = text[r++];
	}
	if (w < n)
		text[w] = '\0';
	return w;
}

/* ---- SQL ---------------------------------------------------------------- */

void ag_quote_sql_literal(struct ag_buf *out, const char *s)
{
	if (!s)
		s = "";
	/* With standard_conforming_strings (on since PostgreSQL 9.1) a
	 * backslash in '...' is itself; only E'...' needs it doubled. */
	bool plain = ag_quote_is_clean(s);
	ag_buf_adds(out, plain ? "'" : "E'");
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		unsigned long cp = 0;
		size_t n = ag_quote_utf8_at(p, &cp);
		if (n == 0 || is_control(cp)) {
			/* E'\xHH' is one byte: every byte of the sequence, so
			 * the literal equals the row whatever the encoding. */
			for (size_t k = 0; k < (n ? n : 1); k++)
				ag_buf_addf(out, "\\x%02x", p[k]);
			p += n ? n : 1;
			continue;
		}
		if (cp == '\'')
			ag_buf_addc(out, '\'');
		else if (cp == '\\' && !plain)
			ag_buf_addc(out, '\\');
		ag_buf_add(out, p, n);
		p += n;
	}
	ag_buf_addc(out, '\'');
}

/* PostgreSQL 15's reserved key words, and those reserved as names of
 * tables (appendix C: "reserved (can be function or type)"). A bare table
 * name from this list is a syntax error. */
static const char *const reserved[] = {
	"all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric",
	"authorization", "binary", "both", "case", "cast", "check", "collate", "collation",
	"column", "concurrently", "constraint", "create", "cross", "current_catalog",
	"current_date", "current_role", "current_schema", "current_time", "current_timestamp",
	"current_user", "default", "deferrable", "desc", "distinct", "do", "else", "end",
	"except", "false", "fetch", "for", "foreign", "freeze", "from", "full", "grant",
	"group", "having", "ilike", "in", "initially", "inner", "intersect", "into", "is",
	"isnull", "join", "lateral", "leading", "left", "like", "limit", "localtime",
	"localtimestamp", "natural", "not", "notnull", "null", "offset", "on", "only", "or",
	"order", "outer", "overlaps", "placing", "primary", "references", "returning", "right",
	"select", "session_user", "similar", "some", "symmetric", "table", "tablesample", "then",
	"to", "trailing", "true", "union", "unique", "user", "using", "variadic", "verbose",
	"when", "where", "window", "with",
};

static bool bare_ident(const char *s)
{
	if (!(*s == '_' || (*s >= 'a' && *s <= 'z')))
		return false;
	for (const char *p = s; *p; p++)
		if (!(*p == '_' || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')))
			return false;
	/* Longer names are truncated (NAMEDATALEN 64): quoting keeps the
	 * error visible instead of matching another table. */
	if (strlen(s) > 63)
		return false;
	for (size_t i = 0; i < AG_ARRAY_LEN(reserved); i++)
		if (strcmp(reserved[i], s) == 0)
			return false;
	return true;
}

void ag_quote_sql_ident(struct ag_buf *out, const char *s)
{
	if (!s)
		s = "";
	if (bare_ident(s)) {
		ag_buf_adds(out, s);
		return;
	}
	bool plain = ag_quote_is_clean(s);
	/* A quoted identifier takes no escapes; U&"..." does (\XXXX), which
	 * is the only way to write a control character on one line. */
	ag_buf_adds(out, plain ? "\"" : "U&\"");
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		unsigned long cp = 0xfffd;
		size_t n = ag_quote_utf8_at(p, &cp);
		if (n == 0 || is_control(cp)) {
			/* A byte that is not UTF-8 cannot be named in a UTF8
			 * database at all: U+FFFD says so and matches nothing. */
			if (n == 0)
				cp = 0xfffd;
			ag_buf_addf(out, "\\%04lx", cp);
			p += n ? n : 1;
			continue;
		}
		if (cp == '"')
			ag_buf_addc(out, '"');
		else if (cp == '\\' && !plain)
			ag_buf_addc(out, '\\');
		ag_buf_add(out, p, n);
		p += n;
	}
	ag_buf_addc(out, '"');
}

char *ag_quote_sql_table(const char *schema, const char *table)
{
	struct ag_buf b = {0};
	ag_buf_adds(&b, "");
	if (schema && *schema) {
		ag_quote_sql_ident(&b, schema);
		ag_buf_addc(&b, '.');
	}
	ag_quote_sql_ident(&b, table ? table : "alembic_version");
	return ag_buf_take(&b);
}

char *ag_quote_sql_update(const char *table_sql, const char *new_id, const char *old_id)
{
	struct ag_buf b = {0};
	ag_buf_addf(&b, "UPDATE %s SET version_num = ", table_sql);
	ag_quote_sql_literal(&b, new_id);
	ag_buf_adds(&b, " WHERE version_num = ");
	ag_quote_sql_literal(&b, old_id);
	ag_buf_addc(&b, ';');
	return ag_buf_take(&b);
}

char *ag_quote_sql_delete(const char *table_sql, const char *id)
{
	struct ag_buf b = {0};
	ag_buf_addf(&b, "DELETE FROM %s WHERE version_num = ", table_sql);
	ag_quote_sql_literal(&b, id);
	ag_buf_addc(&b, ';');
	return ag_buf_take(&b);
}

char *ag_quote_sql_delete_extra(const char *table_sql, const char *id)
{
	struct ag_buf b = {0};
	ag_buf_addf(&b, "DELETE FROM %s WHERE ctid IN (SELECT ctid FROM %s WHERE version_num = ",
		    table_sql, table_sql);
	ag_quote_sql_literal(&b, id);
	ag_buf_adds(&b, " OFFSET 1);");
	return ag_buf_take(&b);
}

/* ---- shell -------------------------------------------------------------- */

static bool plain_word(const char *s)
{
	if (!*s)
		return false;
	for (const char *p = s; *p; p++) {
		char c = *p;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      strchr("_-./:=@%+,", c)))
			return false;
	}
	return true;
}

void ag_quote_shell_word(struct ag_buf *out, const char *s)
{
	if (!s)
		s = "";
	if (plain_word(s)) {
		ag_buf_adds(out, s);
		return;
	}
	if (ag_quote_is_clean(s)) {
		ag_buf_addc(out, '\'');
		for (const char *p = s; *p; p++) {
			if (*p == '\'')
				ag_buf_adds(out, "'\\''");
			else
				ag_buf_addc(out, *p);
		}
		ag_buf_addc(out, '\'');
		return;
	}
	/* Command substitution strips trailing newlines: those go after it,
	 * as $ag_nl. */
	size_t len = strlen(s), trail = 0;
	while (trail < len && s[len - 1 - trail] == '\n')
		trail++;
	ag_buf_adds(out, "\"$(printf '");
	for (const unsigned char *p = (const unsigned char *)s; p < (const unsigned char *)s + len - trail;) {
		unsigned long cp = 0;
		size_t n = ag_quote_utf8_at(p, &cp);
		if (n == 0 || is_control(cp)) {
			for (size_t k = 0; k < (n ? n : 1); k++)
				ag_buf_addf(out, "\\%03o", p[k]);
			p += n ? n : 1;
			continue;
		}
		if (cp == '\'')
			ag_buf_adds(out, "'\\''");
		else if (cp == '\\')
			ag_buf_adds(out, "\\\\");
		else if (cp == '%')
			ag_buf_adds(out, "%%");
		else
			ag_buf_add(out, p, n);
		p += n;
	}
	ag_buf_adds(out, "')");
	for (size_t i = 0; i < trail; i++)
		ag_buf_adds(out, "$ag_nl");
	ag_buf_addc(out, '"');
}

char *ag_quote_command(const char *const *words)
{
	struct ag_buf b = {0};
	ag_buf_adds(&b, "");
	for (size_t i = 0; words[i]; i++) {
		size_t n = strlen(words[i]);
		if (n && words[i][n - 1] == '\n' && !plain_word(words[i])) {
			/* One line still: the newline comes from printf, and the
			 * x keeps the substitution from stripping it. */
			ag_buf_adds(&b, "ag_nl=$(printf '\\nx'); ag_nl=${ag_nl%x}; ");
			break;
		}
	}
	for (size_t i = 0; words[i]; i++) {
		if (i)
			ag_buf_addc(&b, ' ');
		ag_quote_shell_word(&b, words[i]);
	}
	return ag_buf_take(&b);
}

char *ag_quote_commandl(const char *word, ...)
{
	const char *words[32];
	size_t n = 0;
	va_list ap;
	va_start(ap, word);
	for (const char *w = word; w && n < AG_ARRAY_LEN(words) - 1; w = va_arg(ap, const char *))
		words[n++] = w;
	va_end(ap);
	words[n] = NULL;
	return ag_quote_command(words);
}
