/*
 * pyscan: a tokenizer for the subset of Python that migration files need
 * read, in the manner of sqlite's tokenize.c. It walks one buffer (bounded
 * by an end pointer, not a NUL), and hands out tokens that point into it:
 * no allocation per token. It knows enough of Python's lexical rules to
 * skip everything it does not care about correctly: comments, all string
 * forms (prefixes, triple quotes, escapes), line continuations, and
 * brackets that span lines. It marks the first token of every statement so
 * a caller can tell module-level assignments from code in a body, and it
 * checks indentation as Python's tokenizer does (an indented line needs a
 * line ending in ':' before it; a dedent must return to an outer level), so
 * a file Python refuses with IndentationError is an error here too.
 *
 * Ownership: the scanner borrows the buffer; tokens are valid while it lives.
 * Errors come back as an AG_TOK_ERROR token whose text is a static message;
 * line and col say where (for a bracket that is never closed: the bracket).
 * After an error the scanner only returns EOF.
 */
#ifndef AG_PYSCAN_H
#define AG_PYSCAN_H

#include <stdbool.h>
#include <stddef.h>

enum ag_tok_kind {
	AG_TOK_EOF = 0,
	AG_TOK_NAME,    /* identifier or keyword */
	AG_TOK_NUMBER,
	AG_TOK_STRING,  /* the whole literal, prefix and quotes included */
	AG_TOK_OP,      /* operator or bracket, longest match */
	AG_TOK_NEWLINE, /* end of a logical line (not inside brackets) */
	AG_TOK_ERROR,   /* p/len: a static message; see incomplete */
};

/* Token flags. */
#define AG_TOK_STMT 0x1 /* first token of a statement (line start or after ';') */

struct ag_tok {
	enum ag_tok_kind kind;
	const char *p; /* into the buffer (NEWLINE and EOF: where they occur, never
			* NULL), or a static message for errors */
	size_t len;
	int line, col;   /* 1-based; col counts bytes */
	int depth;       /* bracket depth before this token */
	int indent;      /* column (0-based) where this token's logical line starts */
	unsigned flags;
	bool incomplete; /* error only: the input ended too soon ("more input expected") */
};

#define AG_PYSCAN_MAX_DEPTH 200 /* Python's own limit on nested brackets */
#define AG_PYSCAN_MAX_INDENT 100 /* Python's own limit on indentation levels */

struct ag_pyscan {
	const char *buf, *cur, *end;
	int line;
	const char *line_start;
	int depth;
	int indent;
	bool at_line_start; /* the next token begins a logical line */
	bool colon_last;    /* the logical line so far ends with ':' (outside brackets) */
	bool block_open;    /* the last logical line ended with ':': the next is indented */
	int nindent;        /* the indentation stack, as Python's tokenizer keeps it: */
	int indents[AG_PYSCAN_MAX_INDENT];    /* columns, tabs to multiples of 8 */
	int altindents[AG_PYSCAN_MAX_INDENT]; /* columns, tabs as 1 (to catch mixing) */
	bool after_semicolon;
	bool failed;
	char open[AG_PYSCAN_MAX_DEPTH]; /* the open bracket characters */
	int open_line[AG_PYSCAN_MAX_DEPTH];
	int open_col[AG_PYSCAN_MAX_DEPTH]; /* where a never-closed bracket is reported */
};

void ag_pyscan_init(struct ag_pyscan *s, const char *buf, size_t len);
/* Fills tok with the next token; returns its kind. */
enum ag_tok_kind ag_pyscan_next(struct ag_pyscan *s, struct ag_tok *tok);

/*
 * A file's tokens, kept in order by whoever scans it first, so that the
 * next reader does not scan it again: lib/pyparse keeps them as it checks
 * the grammar, lib/schema reads the upgrade() bodies from them. At most
 * max are kept (0: no limit); over says there were more, done that the
 * EOF token was kept (the list is the whole file), error that the scanner
 * stopped with an error token (kept last). The tokens point into the
 * scanned buffer. Owns v; ag_toks_free accepts a zeroed struct.
 */
struct ag_toks {
	struct ag_tok *v;
	size_t n, cap, max;
	bool over, done, error;
};
void ag_toks_keep(struct ag_toks *k, const struct ag_tok *tok);
void ag_toks_free(struct ag_toks *k);
/* True when tok is the operator or name spelled exactly as text. */
bool ag_tok_is(const struct ag_tok *tok, const char *text);
/* True when tok is a NAME that is one of Python's hard keywords (True,
 * False and None included): the one list the parser, the module-level
 * reader and the schema reader share. */
bool ag_tok_is_keyword(const struct ag_tok *tok);

/*
 * Decodes a STRING token's value into out (appending). Returns 1 when the
 * literal is a str whose value is known, 0 when it is not a plain str
 * (bytes, or an f-string with replacement fields), -1 on a malformed
 * escape. Handles r/u/f prefixes, triple quotes and Python's escapes.
 */
struct ag_buf;
int ag_pyscan_string(const struct ag_tok *tok, struct ag_buf *out);

/*
 * PEP 263, as CPython reads a source file: a coding declaration on line 1,
 * or on line 2 after a blank or comment-only line 1 (`coding[:=]\s*
 * ([-\w.]+)` in a comment), and a UTF-8 BOM. Returns 0 when buf is read as
 * UTF-8 as it is (no declaration, or one naming UTF-8); 1 when it was
 * decoded into out (appended, UTF-8, same lines); -1 when Python refuses
 * it: msg gets Python's message ("unknown encoding: X", "encoding
 * problem: X with BOM", a byte the codec cannot decode) and *line the line
 * (0: the file as a whole). Latin-1, ASCII and cp1252 are decoded by hand,
 * other common codecs with iconv; any other declaration is an error.
 */
int ag_pyscan_decode(const char *buf, size_t len, struct ag_buf *out, char *msg, size_t msgsz,
		     int *line);

#endif
