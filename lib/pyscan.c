#include "pyscan.h"

#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Byte classes, in the manner of sqlite's aiClass table. */
enum {
	CC_OTHER = 0, /* illegal in Python source */
	CC_SPACE,     /* space, tab, form feed */
	CC_NL,        /* \n or \r */
	CC_IDSTART,   /* letters, '_', bytes >= 0x80 (UTF-8 identifiers) */
	CC_DIGIT,
	CC_QUOTE,
	CC_HASH,
	CC_BACKSLASH,
	CC_OP,
	CC_NUL,
};

/* The class of one byte, as a constant expression: the table below is
 * built from it at compile time, so classifying a byte is one load. */
#define CLASS_OF(c)                                                                              \
	((c) >= 0x80 ? CC_IDSTART                                                               \
	 : ((c) >= 'a' && (c) <= 'z') || ((c) >= 'A' && (c) <= 'Z') || (c) == '_' ? CC_IDSTART   \
	 : (c) >= '0' && (c) <= '9'                                   ? CC_DIGIT                \
	 : (c) == ' ' || (c) == '\t' || (c) == '\f'                    ? CC_SPACE                \
	 : (c) == '\n' || (c) == '\r'                                  ? CC_NL                   \
	 : (c) == '\'' || (c) == '"'                                   ? CC_QUOTE                \
	 : (c) == '#'                                                 ? CC_HASH                 \
	 : (c) == '\\'                                                ? CC_BACKSLASH            \
	 : (c) == '\0'                                                ? CC_NUL                  \
	 : (c) == '+' || (c) == '-' || (c) == '*' || (c) == '/' || (c) == '%' || (c) == '@' ||    \
			   (c) == '&' || (c) == '|' || (c) == '^' || (c) == '~' || (c) == '<' ||   \
			   (c) == '>' || (c) == '(' || (c) == ')' || (c) == '[' || (c) == ']' ||   \
			   (c) == '{' || (c) == '}' || (c) == ',' || (c) == ':' || (c) == '.' ||   \
			   (c) == ';' || (c) == '=' || (c) == '!'                                  \
		 ? CC_OP                                                                        \
		 : CC_OTHER)
#define CLASS4(c) CLASS_OF(c), CLASS_OF((c) + 1), CLASS_OF((c) + 2), CLASS_OF((c) + 3)
#define CLASS16(c) CLASS4(c), CLASS4((c) + 4), CLASS4((c) + 8), CLASS4((c) + 12)
#define CLASS64(c) CLASS16(c), CLASS16((c) + 16), CLASS16((c) + 32), CLASS16((c) + 48)

static const unsigned char byte_classes[256] = {CLASS64(0), CLASS64(64), CLASS64(128),
						 CLASS64(192)};

static inline unsigned char byte_class(unsigned char c)
{
	return byte_classes[c];
}

static inline bool is_idchar(unsigned char c)
{
	unsigned char k = byte_classes[c];
	return k == CC_IDSTART || k == CC_DIGIT;
}

/* Length of a valid UTF-8 sequence at p, or 0 when it is not one. */
static size_t utf8_len(const unsigned char *p, const unsigned char *end)
{
	unsigned char c = p[0];
	size_t n;
	unsigned min;
	unsigned cp;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2; cp = c & 0x1fu; min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3; cp = c & 0x0fu; min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4; cp = c & 0x07u; min = 0x10000;
	} else {
		return 0;
	}
	if ((size_t)(end - p) < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3fu);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

void ag_pyscan_init(struct ag_pyscan *s, const char *buf, size_t len)
{
	memset(s, 0, sizeof *s);
	s->buf = buf;
	s->cur = buf;
	s->end = buf + len;
	s->line = 1;
	s->line_start = buf;
	s->at_line_start = true;
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0) {
		/* The BOM is no part of the first line: columns and the
		 * indentation of the first statement start after it. */
		s->cur += 3;
		s->line_start = s->cur;
	}
}

/* An error whose tok->line and tok->col are already set. */
static enum ag_tok_kind fail_at(struct ag_pyscan *s, struct ag_tok *tok, const char *msg,
				bool incomplete)
{
	s->failed = true;
	tok->kind = AG_TOK_ERROR;
	tok->p = msg;
	tok->len = strlen(msg);
	tok->incomplete = incomplete;
	return AG_TOK_ERROR;
}

static enum ag_tok_kind fail(struct ag_pyscan *s, struct ag_tok *tok, const char *at, int line,
			     const char *line_start, const char *msg, bool incomplete)
{
	s->failed = true;
	tok->kind = AG_TOK_ERROR;
	tok->p = msg;
	tok->len = strlen(msg);
	tok->line = line;
	tok->col = (int)(at - line_start) + 1;
	tok->incomplete = incomplete;
	return AG_TOK_ERROR;
}

/*
 * The first token of a logical line starts at s->cur: checks its
 * indentation against the stack as Python's tokenizer does (a form feed
 * resets the column). Returns NULL, or the message of an IndentationError.
 */
static const char *check_indent(struct ag_pyscan *s, int *col_out)
{
	int col = 0, alt = 0;
	for (const char *q = s->line_start; q < s->cur; q++) {
		if (*q == ' ') {
			col++;
			alt++;
		} else if (*q == '\t') {
			col = (col / 8 + 1) * 8;
			alt++;
		} else if (*q == '\f') {
			col = alt = 0;
		}
	}
	*col_out = col;
	if (s->nindent == 0) {
		s->indents[0] = s->altindents[0] = 0;
		s->nindent = 1;
	}
	bool open = s->block_open;
	s->block_open = false;
	int top = s->nindent - 1;
	if (col > s->indents[top]) {
		if (!open)
			return "unexpected indent";
		if (s->nindent >= AG_PYSCAN_MAX_INDENT)
			return "too many levels of indentation";
		if (alt <= s->altindents[top])
			return "inconsistent use of tabs and spaces in indentation";
		s->indents[s->nindent] = col;
		s->altindents[s->nindent] = alt;
		s->nindent++;
		return NULL;
	}
	if (open)
		return "expected an indented block";
	while (s->nindent > 1 && col < s->indents[s->nindent - 1])
		s->nindent--;
	if (col != s->indents[s->nindent - 1])
		return "unindent does not match any outer indentation level";
	if (alt != s->altindents[s->nindent - 1])
		return "inconsistent use of tabs and spaces in indentation";
	return NULL;
}

/* Consumes one newline (\n, \r\n or \r) at s->cur. */
static void eat_newline(struct ag_pyscan *s)
{
	if (*s->cur == '\r' && s->cur + 1 < s->end && s->cur[1] == '\n')
		s->cur++;
	s->cur++;
	s->line++;
	s->line_start = s->cur;
}

/* Scans a string literal body from the opening quote at s->cur. */
static enum ag_tok_kind scan_string(struct ag_pyscan *s, struct ag_tok *tok)
{
	char q = *s->cur;
	bool triple = s->end - s->cur >= 3 && s->cur[1] == q && s->cur[2] == q;
	const char *open_at = s->cur;
	int open_line = s->line;
	const char *open_ls = s->line_start;
	s->cur += triple ? 3 : 1;
	while (s->cur < s->end) {
		char c = *s->cur;
		if (c == '\\') {
			s->cur++;
			if (s->cur >= s->end)
				break;
			if (*s->cur == '\n' || *s->cur == '\r') {
				eat_newline(s);
				continue;
			}
			/* The escaped character is checked like any other: a NUL
			 * or a broken UTF-8 sequence is no less wrong after '\'. */
			if (*s->cur != '\0' && (unsigned char)*s->cur < 0x80)
				s->cur++;
			continue;
		}
		if (c == '\n' || c == '\r') {
			if (!triple)
				return fail(s, tok, open_at, open_line, open_ls,
					    "unterminated string literal", false);
			eat_newline(s);
			continue;
		}
		if (c == '\0')
			return fail(s, tok, s->cur, s->line, s->line_start,
				    "source code cannot contain null bytes", false);
		if ((unsigned char)c >= 0x80) {
			size_t n = utf8_len((const unsigned char *)s->cur, (const unsigned char *)s->end);
			if (n == 0)
				return fail(s, tok, s->cur, s->line, s->line_start,
					    "invalid UTF-8 in a string", false);
			s->cur += n;
			continue;
		}
		if (c == q) {
			if (!triple) {
				s->cur++;
				return tok->kind = AG_TOK_STRING;
			}
			if (s->end - s->cur >= 3 && s->cur[1] == q && s->cur[2] == q) {
				s->cur += 3;
				return tok->kind = AG_TOK_STRING;
			}
		}
		s->cur++;
	}
	return fail(s, tok, open_at, open_line, open_ls,
		    triple ? "unterminated triple-quoted string literal" : "unterminated string literal",
		    true);
}

static bool is_string_prefix(const char *p, size_t n)
{
	char a = (char)(p[0] | 0x20), b = n > 1 ? (char)(p[1] | 0x20) : 0;
	if (n == 1)
		return a == 'r' || a == 'u' || a == 'b' || a == 'f';
	if (n == 2)
		return (a == 'b' && b == 'r') || (a == 'r' && b == 'b') || (a == 'f' && b == 'r') ||
		       (a == 'r' && b == 'f');
	return false;
}

/* The length of the operator at p (longest match), 0 for a lone '!'. By
 * the characters themselves: this runs once per operator token. */
static size_t op_len(const char *p, const char *end)
{
	size_t left = (size_t)(end - p);
	char a = p[0], b = left >= 2 ? p[1] : '\0', c = left >= 3 ? p[2] : '\0';
	/* **= //= >>= <<= ... */
	if (c && ((b == a && c == '=' && (a == '*' || a == '/' || a == '>' || a == '<')) ||
		  (a == '.' && b == '.' && c == '.')))
		return 3;
	if (b == '=' && a && strchr("=!<>+-*/%&|^:@", a))
		return 2;
	/* -> ** // << >> */
	if ((a == '-' && b == '>') || (b == a && (a == '*' || a == '/' || a == '<' || a == '>')))
		return 2;
	return a == '!' ? 0 : 1;
}

static char closer_of(char open)
{
	return open == '(' ? ')' : open == '[' ? ']' : '}';
}

enum ag_tok_kind ag_pyscan_next(struct ag_pyscan *s, struct ag_tok *tok)
{
	memset(tok, 0, sizeof *tok);
	if (s->failed) {
		tok->kind = AG_TOK_EOF;
		tok->p = s->cur;
		tok->line = s->line;
		return AG_TOK_EOF;
	}
	for (;;) {
		while (s->cur < s->end && byte_class((unsigned char)*s->cur) == CC_SPACE)
			s->cur++;
		tok->line = s->line;
		tok->col = (int)(s->cur - s->line_start) + 1;
		tok->depth = s->depth;
		if (s->cur >= s->end) {
			if (s->depth > 0) {
				/* Where Python points: at the bracket left open. */
				int d = s->depth - 1;
				tok->line = s->open_line[d];
				tok->col = s->open_col[d];
				return fail_at(s, tok,
					    s->open[d] == '(' ? "'(' was never closed"
					    : s->open[d] == '[' ? "'[' was never closed"
								: "'{' was never closed",
					    true);
			}
			tok->p = s->cur; /* EOF and NEWLINE point at the end, never NULL */
			if (!s->at_line_start) {
				s->at_line_start = true;
				s->block_open = s->colon_last;
				s->colon_last = false;
				return tok->kind = AG_TOK_NEWLINE;
			}
			if (s->block_open) {
				/* Where Python points: the file's last line. */
				int ln = s->line > 1 && s->cur == s->line_start ? s->line - 1 : s->line;
				tok->line = ln;
				tok->col = 1;
				return fail_at(s, tok, "expected an indented block", true);
			}
			return tok->kind = AG_TOK_EOF;
		}
		unsigned char c = (unsigned char)*s->cur;
		switch (byte_class(c)) {
		case CC_HASH:
			/* Comments are much of a migration's bytes: printable ASCII
			 * takes one comparison, the rest the full checks. */
			while (s->cur < s->end) {
				unsigned char ch = (unsigned char)*s->cur;
				if (ch >= 0x20 && ch < 0x80) {
					s->cur++;
					continue;
				}
				if (ch == '\n' || ch == '\r')
					break;
				if (ch == '\0')
					return fail(s, tok, s->cur, s->line, s->line_start,
						    "source code cannot contain null bytes", false);
				size_t n = utf8_len((const unsigned char *)s->cur,
						    (const unsigned char *)s->end);
				if (n == 0)
					return fail(s, tok, s->cur, s->line, s->line_start,
						    "invalid UTF-8 in a comment", false);
				s->cur += n;
			}
			continue;
		case CC_BACKSLASH:
			if (s->cur + 1 >= s->end)
				return fail(s, tok, s->cur, s->line, s->line_start,
					    "unexpected end of file after line continuation", true);
			if (s->cur[1] != '\n' && s->cur[1] != '\r')
				return fail(s, tok, s->cur, s->line, s->line_start,
					    "unexpected character after line continuation character", false);
			s->cur++;
			eat_newline(s);
			continue;
		case CC_NL: {
			const char *at = s->cur;
			eat_newline(s);
			if (s->depth > 0 || s->at_line_start)
				continue;
			s->at_line_start = true;
			s->block_open = s->colon_last;
			s->colon_last = false;
			tok->p = at;
			tok->len = 0;
			return tok->kind = AG_TOK_NEWLINE;
		}
		case CC_NUL:
			return fail(s, tok, s->cur, s->line, s->line_start,
				    "source code cannot contain null bytes", false);
		case CC_OTHER:
			return fail(s, tok, s->cur, s->line, s->line_start, "invalid character", false);
		default:
			break;
		}

		/* A real token: note whether it starts a statement. */
		if (s->at_line_start) {
			tok->flags |= AG_TOK_STMT;
			const char *bad = check_indent(s, &s->indent);
			if (bad)
				return fail(s, tok, s->cur, s->line, s->line_start, bad, false);
			s->at_line_start = false;
		}
		/* Every real token but a ':' outside brackets closes a header. */
		s->colon_last = c == ':' && s->depth == 0 && !(s->cur + 1 < s->end && s->cur[1] == '=');
		if (s->after_semicolon) {
			tok->flags |= AG_TOK_STMT;
			s->after_semicolon = false;
		}
		tok->indent = s->indent;
		tok->p = s->cur;
		const char *start = s->cur;

		switch (byte_class(c)) {
		case CC_IDSTART: {
			while (s->cur < s->end && is_idchar((unsigned char)*s->cur)) {
				if ((unsigned char)*s->cur < 0x80) {
					s->cur++; /* most identifiers are ASCII */
					continue;
				}
				size_t n = utf8_len((const unsigned char *)s->cur,
						    (const unsigned char *)s->end);
				if (n == 0)
					return fail(s, tok, s->cur, s->line, s->line_start,
						    "invalid UTF-8 in an identifier", false);
				s->cur += n;
			}
			size_t n = (size_t)(s->cur - start);
			if (s->cur < s->end && (*s->cur == '\'' || *s->cur == '"') &&
			    is_string_prefix(start, n)) {
				enum ag_tok_kind k = scan_string(s, tok);
				if (k == AG_TOK_STRING) { /* an error keeps its message */
					tok->p = start;
					tok->len = (size_t)(s->cur - start);
				}
				return k;
			}
			tok->len = n;
			return tok->kind = AG_TOK_NAME;
		}
		case CC_QUOTE: {
			enum ag_tok_kind k = scan_string(s, tok);
			if (k == AG_TOK_STRING) {
				tok->p = start;
				tok->len = (size_t)(s->cur - start);
			}
			return k;
		}
		case CC_DIGIT:
		number:
			s->cur++;
			while (s->cur < s->end) {
				char d = *s->cur;
				/* ASCII only: a number never holds a multi-byte
				 * character, and this way none goes unchecked. */
				if (((unsigned char)d < 0x80 && is_idchar((unsigned char)d)) || d == '.') {
					s->cur++;
				} else if ((d == '+' || d == '-') && (s->cur[-1] == 'e' || s->cur[-1] == 'E') &&
					   !(start + 1 < s->end && (start[1] == 'x' || start[1] == 'X'))) {
					s->cur++;
				} else {
					break;
				}
			}
			tok->len = (size_t)(s->cur - start);
			return tok->kind = AG_TOK_NUMBER;
		case CC_OP: {
			if (c == '.' && s->cur + 1 < s->end && s->cur[1] >= '0' && s->cur[1] <= '9')
				goto number;
			size_t n = op_len(s->cur, s->end);
			if (n == 0)
				return fail(s, tok, s->cur, s->line, s->line_start, "invalid syntax", false);
			if (n == 1 && (c == '(' || c == '[' || c == '{')) {
				if (s->depth >= AG_PYSCAN_MAX_DEPTH)
					return fail(s, tok, s->cur, s->line, s->line_start,
						    "too many nested parentheses", false);
				s->open[s->depth] = (char)c;
				s->open_line[s->depth] = s->line;
				s->open_col[s->depth] = (int)(s->cur - s->line_start) + 1;
				s->depth++;
			} else if (n == 1 && (c == ')' || c == ']' || c == '}')) {
				if (s->depth == 0)
					return fail(s, tok, s->cur, s->line, s->line_start,
						    "unmatched closing bracket", false);
				if (closer_of(s->open[s->depth - 1]) != (char)c)
					return fail(s, tok, s->cur, s->line, s->line_start,
						    "closing bracket does not match the opening bracket", false);
				s->depth--;
			} else if (n == 1 && c == ';' && s->depth == 0) {
				s->after_semicolon = true;
			}
			s->cur += n;
			tok->len = n;
			return tok->kind = AG_TOK_OP;
		}
		default:
			return fail(s, tok, s->cur, s->line, s->line_start, "invalid character", false);
		}
	}
}

bool ag_tok_is(const struct ag_tok *tok, const char *text)
{
	if (tok->kind != AG_TOK_OP && tok->kind != AG_TOK_NAME)
		return false;
	size_t n = strlen(text);
	return tok->len == n && memcmp(tok->p, text, n) == 0;
}

void ag_toks_keep(struct ag_toks *k, const struct ag_tok *tok)
{
	if (k->done || k->over || k->error)
		return;
	if (k->max && k->n >= k->max) {
		k->over = true;
		return;
	}
	ag_grow((void **)&k->v, &k->cap, k->n + 1, sizeof *k->v);
	k->v[k->n++] = *tok;
	if (tok->kind == AG_TOK_EOF)
		k->done = true;
	if (tok->kind == AG_TOK_ERROR)
		k->error = true; /* not a whole file: nobody may read it as one */
}

void ag_toks_free(struct ag_toks *k)
{
	free(k->v);
	memset(k, 0, sizeof *k);
}

bool ag_tok_is_keyword(const struct ag_tok *t)
{
	/* Asked of nearly every name: by length, then memcmp (the lengths
	 * of Python's keywords are 2 to 8). */
	static const char *const kws[][8] = {
		[2] = {"as", "if", "in", "is", "or"},
		[3] = {"and", "def", "del", "for", "not", "try"},
		[4] = {"None", "True", "elif", "else", "from", "pass", "with"},
		[5] = {"False", "async", "await", "break", "class", "raise", "while", "yield"},
		[6] = {"assert", "except", "global", "import", "lambda", "return"},
		[7] = {"finally"},
		[8] = {"continue", "nonlocal"},
	};
	if (t->kind != AG_TOK_NAME || t->len < 2 || t->len > 8)
		return false;
	for (size_t i = 0; i < 8 && kws[t->len][i]; i++)
		if (t->p[0] == kws[t->len][i][0] && memcmp(t->p, kws[t->len][i], t->len) == 0)
			return true;
	return false;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int ag_pyscan_string(const struct ag_tok *tok, struct ag_buf *out)
{
	if (tok->kind != AG_TOK_STRING)
		return 0;
	const char *p = tok->p, *end = tok->p + tok->len;
	bool raw = false, fstr = false;
	while (p < end && *p != '\'' && *p != '"') {
		char c = (char)(*p | 0x20);
		if (c == 'b')
			return 0;
		raw |= c == 'r';
		fstr |= c == 'f';
		p++;
	}
	size_t ql = (end - p >= 6 && p[1] == p[0] && p[2] == p[0]) ? 3 : 1;
	p += ql;
	end -= ql;
	/* An empty str is fine, but a valid token never has end < p. */
	if (end < p)
		return -1;
	while (p < end) {
		char c = *p;
		if (fstr && (c == '{' || c == '}')) {
			if (p + 1 < end && p[1] == c) {
				ag_buf_addc(out, c);
				p += 2;
				continue;
			}
			return 0; /* a replacement field: only Python knows the value */
		}
		if (c == '\r') {
			ag_buf_addc(out, '\n');
			p += (p + 1 < end && p[1] == '\n') ? 2 : 1;
			continue;
		}
		if (c != '\\' || raw || p + 1 >= end) {
			if (c == '\\' && raw && p + 1 < end) {
				/* In a raw string a backslash stays, and keeps the next char. */
				ag_buf_add(out, p, 2);
				p += 2;
				continue;
			}
			ag_buf_addc(out, c);
			p++;
			continue;
		}
		char e = p[1];
		p += 2;
		switch (e) {
		case '\n': break;
		case '\r': if (p < end && *p == '\n') p++; break;
		case '\\': ag_buf_addc(out, '\\'); break;
		case '\'': ag_buf_addc(out, '\''); break;
		case '"': ag_buf_addc(out, '"'); break;
		case 'a': ag_buf_addc(out, '\a'); break;
		case 'b': ag_buf_addc(out, '\b'); break;
		case 'f': ag_buf_addc(out, '\f'); break;
		case 'n': ag_buf_addc(out, '\n'); break;
		case 'r': ag_buf_addc(out, '\r'); break;
		case 't': ag_buf_addc(out, '\t'); break;
		case 'v': ag_buf_addc(out, '\v'); break;
		case 'x': case 'u': case 'U': {
			int want = e == 'x' ? 2 : e == 'u' ? 4 : 8;
			unsigned long cp = 0;
			for (int i = 0; i < want; i++) {
				if (p >= end || hexval(*p) < 0)
					return -1;
				cp = cp * 16 + (unsigned long)hexval(*p++);
			}
			if (ag_buf_add_utf8(out, cp) < 0)
				return -1;
			break;
		}
		case 'N':
			return 0; /* \N{NAME}: a table we do not carry */
		default:
			if (e >= '0' && e <= '7') {
				unsigned long cp = (unsigned long)(e - '0');
				for (int i = 0; i < 2 && p < end && *p >= '0' && *p <= '7'; i++)
					cp = cp * 8 + (unsigned long)(*p++ - '0');
				if (ag_buf_add_utf8(out, cp) < 0)
					return -1;
			} else {
				/* Python keeps unknown escapes as they are. */
				ag_buf_addc(out, '\\');
				ag_buf_addc(out, e);
			}
		}
	}
	ag_buf_add(out, "", 0);
	return 1;
}

/* ---- PEP 263: the source encoding ----------------------------------------- */

/* cp1252's 0x80..0x9f (0: undefined, which Python refuses). */
static const unsigned short CP1252_HIGH[32] = {
	0x20ac, 0,      0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
	0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0,      0x017d, 0,
	0,      0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
	0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0,      0x017e, 0x0178,
};

/* Python's codecs, by the name encodings.normalize_encoding makes of an
 * alias, that alembic-guard decodes: by hand (latin-1, ascii, cp1252,
 * UTF-8) or with iconv, whose name for it is given. */
struct codec {
	const char *names; /* aliases, space-separated, normalized */
	const char *python; /* Python's canonical name, for messages */
	const char *iconv;  /* NULL: decoded by hand */
};

static const struct codec CODECS[] = {
	{"utf_8 utf8 u8 utf utf8_ucs2 utf8_ucs4 cp65001", "utf-8", NULL},
	{"latin_1 latin1 latin l1 iso8859_1 iso_8859_1 iso_8859_1_1987 8859 cp819 ibm819 "
	 "iso_ir_100 csisolatin1", "latin-1", NULL},
	{"ascii us_ascii 646 us ansi_x3.4_1968 ansi_x3_4_1968 ansi_x3.4_1986 cp367 ibm367 csascii "
	 "iso646_us iso_646.irv_1991 iso_ir_6", "ascii", NULL},
	{"cp1252 windows_1252 1252", "cp1252", NULL},
	{"iso8859_2 iso_8859_2 latin2 l2", "iso8859_2", "ISO-8859-2"},
	{"iso8859_3 iso_8859_3 latin3 l3", "iso8859_3", "ISO-8859-3"},
	{"iso8859_4 iso_8859_4 latin4 l4", "iso8859_4", "ISO-8859-4"},
	{"iso8859_5 iso_8859_5 cyrillic", "iso8859_5", "ISO-8859-5"},
	{"iso8859_6 iso_8859_6 arabic", "iso8859_6", "ISO-8859-6"},
	{"iso8859_7 iso_8859_7 greek greek8", "iso8859_7", "ISO-8859-7"},
	{"iso8859_8 iso_8859_8 hebrew", "iso8859_8", "ISO-8859-8"},
	{"iso8859_9 iso_8859_9 latin5 l5", "iso8859_9", "ISO-8859-9"},
	{"iso8859_10 iso_8859_10 latin6 l6", "iso8859_10", "ISO-8859-10"},
	{"iso8859_13 iso_8859_13 latin7 l7", "iso8859_13", "ISO-8859-13"},
	{"iso8859_14 iso_8859_14 latin8 l8", "iso8859_14", "ISO-8859-14"},
	{"iso8859_15 iso_8859_15 latin9 l9", "iso8859_15", "ISO-8859-15"},
	{"iso8859_16 iso_8859_16 latin10 l10", "iso8859_16", "ISO-8859-16"},
	{"cp1250 windows_1250 1250", "cp1250", "CP1250"},
	{"cp1251 windows_1251 1251", "cp1251", "CP1251"},
	{"cp1253 windows_1253 1253", "cp1253", "CP1253"},
	{"cp1254 windows_1254 1254", "cp1254", "CP1254"},
	{"cp1255 windows_1255 1255", "cp1255", "CP1255"},
	{"cp1256 windows_1256 1256", "cp1256", "CP1256"},
	{"cp1257 windows_1257 1257", "cp1257", "CP1257"},
	{"cp1258 windows_1258 1258", "cp1258", "CP1258"},
	{"koi8_r", "koi8_r", "KOI8-R"},
	{"koi8_u", "koi8_u", "KOI8-U"},
	{"cp437 437 ibm437", "cp437", "CP437"},
	{"cp850 850 ibm850", "cp850", "CP850"},
	{"cp866 866 ibm866", "cp866", "CP866"},
	{"shift_jis sjis s_jis shiftjis csshiftjis", "shift_jis", "SHIFT_JIS"},
	{"euc_jp eucjp ujis u_jis", "euc_jp", "EUC-JP"},
	{"gbk 936 cp936 ms936", "gbk", "GBK"},
	{"gb2312 euc_cn euccn eucgb2312_cn gb2312_1980 gb2312_80 chinese", "gb2312", "GB2312"},
	{"gb18030 gb18030_2000", "gb18030", "GB18030"},
	{"big5 big5_tw csbig5", "big5", "BIG5"},
	{"euc_kr euckr korean ksc5601 ks_c_5601 ks_c_5601_1987 ksx1001 ks_x_1001", "euc_kr",
	 "EUC-KR"},
};

/* Codecs Python knows that turn bytes into bytes: a coding declaration
 * naming one is an error of its own. */
static const char *const BYTES_CODECS[] = {
	"rot13", "rot_13", "hex", "hex_codec", "base64", "base_64", "base64_codec", "bz2",
	"bz2_codec", "zlib", "zip", "zlib_codec", "uu", "uu_codec", "quopri", "quotedprintable",
	"quoted_printable", "quopri_codec",
};

static bool is_alnum(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/*
 * The coding spec of one line (CPython's get_coding_spec): the line must
 * be a comment, and "coding" followed by ':' or '=', blanks, then
 * [-\w.]+ names the codec. Returns its length (0: none) and where it is.
 * *comment_only: the line is blank or a comment (then line 2 counts too).
 */
static size_t coding_spec(const char *line, size_t n, const char **spec, bool *comment_only)
{
	size_t i = 0;
	while (i < n && (line[i] == ' ' || line[i] == '\t' || line[i] == '\f'))
		i++;
	*comment_only = i == n || line[i] == '#';
	if (i == n || line[i] != '#')
		return 0;
	for (; i + 6 < n + 1 && i + 6 <= n; i++) {
		if (memcmp(line + i, "coding", 6) != 0)
			continue;
		size_t j = i + 6;
		if (j >= n || (line[j] != ':' && line[j] != '='))
			continue;
		j++;
		while (j < n && (line[j] == ' ' || line[j] == '\t'))
			j++;
		size_t b = j;
		while (j < n && (is_alnum((unsigned char)line[j]) || line[j] == '-' || line[j] == '_' ||
				 line[j] == '.'))
			j++;
		if (j > b) {
			*spec = line + b;
			return j - b;
		}
	}
	return 0;
}

/* CPython's get_normal_name: utf-8 and latin-1 spelled in their usual ways. */
static const char *normal_name(const char *s, size_t n, char *buf, size_t bufsz)
{
	char low[13];
	size_t i;
	for (i = 0; i < 12 && i < n; i++)
		low[i] = s[i] == '_' ? '-' : (char)((s[i] >= 'A' && s[i] <= 'Z') ? s[i] + 32 : s[i]);
	low[i] = '\0';
	if (strcmp(low, "utf-8") == 0 || strncmp(low, "utf-8-", 6) == 0)
		return "utf-8";
	if (strcmp(low, "latin-1") == 0 || strcmp(low, "iso-8859-1") == 0 ||
	    strcmp(low, "iso-latin-1") == 0 || strncmp(low, "latin-1-", 8) == 0 ||
	    strncmp(low, "iso-8859-1-", 11) == 0 || strncmp(low, "iso-latin-1-", 12) == 0)
		return "iso-8859-1";
	snprintf(buf, bufsz, "%.*s", (int)n, s);
	return buf;
}

/* encodings.normalize_encoding, lowercased: runs of characters other than
 * letters, digits and '.' become one '_', none at either end. */
static void python_key(const char *s, char *out, size_t outsz)
{
	size_t o = 0;
	bool punct = false;
	for (; *s && o + 2 < outsz; s++) {
		unsigned char c = (unsigned char)*s;
		if (is_alnum(c) || c == '.') {
			if (punct && o)
				out[o++] = '_';
			punct = false;
			out[o++] = (char)((c >= 'A' && c <= 'Z') ? c + 32 : c);
		} else {
			punct = true;
		}
	}
	out[o] = '\0';
}

static bool word_in(const char *words, const char *w)
{
	size_t n = strlen(w);
	for (const char *p = words; *p;) {
		const char *e = strchr(p, ' ');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len == n && memcmp(p, w, n) == 0)
			return true;
		if (!e)
			break;
		p = e + 1;
	}
	return false;
}

/* Line number (1-based) of byte offset off. */
static int line_of(const char *buf, size_t off)
{
	int line = 1;
	for (size_t i = 0; i < off; i++)
		if (buf[i] == '\n' || (buf[i] == '\r' && !(i + 1 < off && buf[i + 1] == '\n')))
			line++;
	return line;
}

static int decode_by_hand(const struct codec *c, const char *buf, size_t len,
			  struct ag_buf *out, char *msg, size_t msgsz, int *line)
{
	bool ascii = strcmp(c->python, "ascii") == 0, cp1252 = strcmp(c->python, "cp1252") == 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char b = (unsigned char)buf[i];
		unsigned long cp = b;
		if (b >= 0x80 && ascii) {
			snprintf(msg, msgsz, "'ascii' codec can't decode byte 0x%02x in position %zu: "
				 "ordinal not in range(128)", b, i);
			*line = line_of(buf, i);
			return -1;
		}
		if (b >= 0x80 && b < 0xa0 && cp1252) {
			cp = CP1252_HIGH[b - 0x80];
			if (!cp) {
				snprintf(msg, msgsz, "'charmap' codec can't decode byte 0x%02x in position "
					 "%zu: character maps to <undefined>", b, i);
				*line = line_of(buf, i);
				return -1;
			}
		}
		if (cp < 0x80)
			ag_buf_addc(out, (char)cp);
		else
			ag_buf_add_utf8(out, cp);
	}
	return 1;
}

static int decode_iconv(const struct codec *c, const char *buf, size_t len, struct ag_buf *out,
			char *msg, size_t msgsz, int *line)
{
	iconv_t cd = iconv_open("UTF-8", c->iconv);
	if (cd == (iconv_t)-1) {
		snprintf(msg, msgsz, "the file declares the codec %s, which this build of "
			 "alembic-guard cannot decode (iconv has no %s); re-encode the file as UTF-8",
			 c->python, c->iconv);
		*line = 1;
		return -1;
	}
	char *in = (char *)(uintptr_t)buf; /* iconv's prototype; it does not write */
	size_t inleft = len;
	char chunk[4096];
	int r = 1;
	while (inleft > 0) {
		char *o = chunk;
		size_t oleft = sizeof chunk;
		size_t k = iconv(cd, &in, &inleft, &o, &oleft);
		ag_buf_add(out, chunk, (size_t)(o - chunk));
		if (k == (size_t)-1 && errno != E2BIG) {
			size_t pos = (size_t)(in - buf);
			snprintf(msg, msgsz, "'%s' codec can't decode byte 0x%02x in position %zu", c->python,
				 (unsigned char)buf[pos], pos);
			*line = line_of(buf, pos);
			r = -1;
			break;
		}
		if (k != (size_t)-1 && inleft == 0)
			break;
	}
	if (r == 1) {
		/* a shift state left open (none of these codecs has one) */
		char *o = chunk;
		size_t oleft = sizeof chunk;
		iconv(cd, NULL, NULL, &o, &oleft);
		ag_buf_add(out, chunk, (size_t)(o - chunk));
	}
	iconv_close(cd);
	return r;
}

int ag_pyscan_decode(const char *buf, size_t len, struct ag_buf *out, char *msg, size_t msgsz,
		     int *line)
{
	*line = 0;
	bool bom = len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0;
	const char *p = bom ? buf + 3 : buf, *end = buf + len;
	const char *spec = NULL;
	size_t speclen = 0;
	int spec_line = 0;
	/* Lines 1 and 2 (2 only after a blank or comment line 1), with
	 * Python's newlines: \n, \r\n, \r. */
	for (int ln = 1; ln <= 2 && p < end; ln++) {
		const char *e = p;
		while (e < end && *e != '\n' && *e != '\r')
			e++;
		bool comment_only;
		speclen = coding_spec(p, (size_t)(e - p), &spec, &comment_only);
		if (speclen) {
			spec_line = ln;
			break;
		}
		if (!comment_only || e >= end)
			break;
		p = e + (*e == '\r' && e + 1 < end && e[1] == '\n' ? 2 : 1);
	}
	if (!speclen)
		return 0;
	char nbuf[64];
	const char *name = normal_name(spec, speclen, nbuf, sizeof nbuf);
	*line = spec_line;
	if (bom && strcmp(name, "utf-8") != 0) {
		snprintf(msg, msgsz, "encoding problem: %s with BOM", name);
		return -1;
	}
	if (strcmp(name, "utf-8") == 0)
		return 0;
	char key[64];
	python_key(name, key, sizeof key);
	for (size_t i = 0; i < AG_ARRAY_LEN(BYTES_CODECS); i++) {
		if (strcmp(key, BYTES_CODECS[i]) == 0) {
			snprintf(msg, msgsz, "'%s' is not a text encoding; use codecs.decode() to handle "
				 "arbitrary codecs", name);
			return -1;
		}
	}
	const struct codec *c = NULL;
	for (size_t i = 0; i < AG_ARRAY_LEN(CODECS) && !c; i++)
		if (word_in(CODECS[i].names, key))
			c = &CODECS[i];
	if (!c) {
		snprintf(msg, msgsz, "unknown encoding: %s (or a codec alembic-guard does not decode: "
			 "it decodes UTF-8, ASCII, Latin-1, cp1252 and the ISO-8859, Windows, KOI8, "
			 "DOS, Japanese, Chinese and Korean codecs; re-encode the file as UTF-8)", name);
		return -1;
	}
	if (strcmp(c->python, "utf-8") == 0) {
		if (bom) {
			snprintf(msg, msgsz, "encoding problem: %s with BOM", name);
			return -1;
		}
		return 0;
	}
	*line = 0;
	return c->iconv ? decode_iconv(c, buf, len, out, msg, msgsz, line)
			: decode_by_hand(c, buf, len, out, msg, msgsz, line);
}
