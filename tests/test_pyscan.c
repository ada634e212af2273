/* Tests for lib/pyscan.c: the tokenizer and ag_pyscan_string. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "lib/pyscan.h"
#include "lib/util.h"
#include "tests/suites.h"

#define MAXTOK 512

struct lexed {
	struct ag_tok t[MAXTOK];
	size_t n; /* tokens including the final EOF or ERROR */
	char *copy; /* the input, in a buffer of exactly its size */
};

/* Tokenizes len bytes (copied into an exact-size buffer, so a read past
 * the end is a sanitizer error) up to and including EOF or ERROR. */
static void lexn(struct lexed *lx, const char *src, size_t len)
{
	memset(lx, 0, sizeof *lx);
	lx->copy = ag_malloc(len);
	memcpy(lx->copy, src, len);
	struct ag_pyscan s;
	ag_pyscan_init(&s, lx->copy, len);
	for (;;) {
		ck_assert_uint_lt(lx->n, MAXTOK);
		enum ag_tok_kind k = ag_pyscan_next(&s, &lx->t[lx->n++]);
		if (k == AG_TOK_EOF || k == AG_TOK_ERROR)
			break;
	}
	/* After the end (or an error) the scanner only says EOF. */
	struct ag_tok more;
	ck_assert_int_eq(ag_pyscan_next(&s, &more), AG_TOK_EOF);
	ck_assert_int_eq(ag_pyscan_next(&s, &more), AG_TOK_EOF);
}

static void lex(struct lexed *lx, const char *src)
{
	lexn(lx, src, strlen(src));
}

static void lex_free(struct lexed *lx)
{
	free(lx->copy);
	lx->copy = NULL;
}

static int tok_eq(const struct ag_tok *t, enum ag_tok_kind kind, const char *text)
{
	return t->kind == kind && t->len == strlen(text) && memcmp(t->p, text, t->len) == 0;
}

#define ck_tok(tk_, kind_, text_)                                                        \
	ck_assert_msg(tok_eq((tk_), (kind_), (text_)), "expected %d '%s', got %d '%.*s'",   \
		      (int)(kind_), (text_), (int)(tk_)->kind, (int)(tk_)->len, (tk_)->p)

/* The last token, which must be an error. */
static const struct ag_tok *err_tok(const struct lexed *lx)
{
	const struct ag_tok *t = &lx->t[lx->n - 1];
	ck_assert_int_eq(t->kind, AG_TOK_ERROR);
	return t;
}

static int err_has(const struct ag_tok *t, const char *needle)
{
	char *m = ag_strndup(t->p, t->len);
	int r = strstr(m, needle) != NULL;
	free(m);
	return r;
}

/* ---- core ----------------------------------------------------------- */

START_TEST(test_core)
{
	struct lexed lx;
	lex(&lx, "revision = 'abc'\n");
	ck_assert_uint_eq(lx.n, 5);
	ck_tok(&lx.t[0], AG_TOK_NAME, "revision");
	ck_assert_uint_eq(lx.t[0].flags & AG_TOK_STMT, AG_TOK_STMT);
	ck_assert_int_eq(lx.t[0].line, 1);
	ck_assert_int_eq(lx.t[0].col, 1);
	ck_assert_int_eq(lx.t[0].indent, 0);
	ck_tok(&lx.t[1], AG_TOK_OP, "=");
	ck_assert_uint_eq(lx.t[1].flags & AG_TOK_STMT, 0);
	ck_assert_int_eq(lx.t[1].col, 10);
	ck_tok(&lx.t[2], AG_TOK_STRING, "'abc'");
	ck_assert_int_eq(lx.t[2].col, 12);
	ck_assert_int_eq(lx.t[3].kind, AG_TOK_NEWLINE);
	ck_assert_int_eq(lx.t[4].kind, AG_TOK_EOF);
	ck_assert(ag_tok_is(&lx.t[0], "revision"));
	ck_assert(!ag_tok_is(&lx.t[0], "revisio"));
	ck_assert(ag_tok_is(&lx.t[1], "="));
	ck_assert(!ag_tok_is(&lx.t[2], "'abc'")); /* only names and operators */
	lex_free(&lx);

	/* No newline at the end: a NEWLINE is still produced. Tokens at the
	 * end never carry a NULL pointer. */
	lex(&lx, "x");
	ck_assert_uint_eq(lx.n, 3);
	ck_assert_int_eq(lx.t[1].kind, AG_TOK_NEWLINE);
	ck_assert_ptr_nonnull(lx.t[1].p);
	ck_assert_int_eq(lx.t[2].kind, AG_TOK_EOF);
	ck_assert_ptr_nonnull(lx.t[2].p);
	lex_free(&lx);

	/* Empty input and blank lines: only EOF. */
	lex(&lx, "");
	ck_assert_uint_eq(lx.n, 1);
	ck_assert_int_eq(lx.t[0].kind, AG_TOK_EOF);
	lex_free(&lx);
	lex(&lx, "\n\n   \n\t\n");
	ck_assert_uint_eq(lx.n, 1);
	lex_free(&lx);
}
END_TEST

/* The one keyword list: every hard keyword, and nothing else (soft
 * keywords, near misses, a string spelling one). */
START_TEST(test_keywords)
{
	static const char *const hard[] = {
		"False", "None", "True", "and", "as", "assert", "async", "await", "break",
		"class", "continue", "def", "del", "elif", "else", "except", "finally", "for",
		"from", "global", "if", "import", "in", "is", "lambda", "nonlocal", "not", "or",
		"pass", "raise", "return", "try", "while", "with", "yield"};
	static const char *const not_kw[] = {"match", "case", "type", "_", "none", "i",
					     "iff", "classes", "nonlocals", "print", "exec"};
	struct ag_pyscan s;
	struct ag_tok t;
	for (size_t i = 0; i < sizeof hard / sizeof *hard; i++) {
		ag_pyscan_init(&s, hard[i], strlen(hard[i]));
		ck_assert_int_eq(ag_pyscan_next(&s, &t), AG_TOK_NAME);
		ck_assert_msg(ag_tok_is_keyword(&t), "%s is a keyword", hard[i]);
	}
	for (size_t i = 0; i < sizeof not_kw / sizeof *not_kw; i++) {
		ag_pyscan_init(&s, not_kw[i], strlen(not_kw[i]));
		ck_assert_int_eq(ag_pyscan_next(&s, &t), AG_TOK_NAME);
		ck_assert_msg(!ag_tok_is_keyword(&t), "%s is not a keyword", not_kw[i]);
	}
	ag_pyscan_init(&s, "'None'", 6);
	ck_assert_int_eq(ag_pyscan_next(&s, &t), AG_TOK_STRING);
	ck_assert(!ag_tok_is_keyword(&t));
}
END_TEST

START_TEST(test_comments)
{
	struct lexed lx;
	lex(&lx, "# revision = 'no'\nx = 1  # revision = 'no' \xc3\xa9\n   # indented comment\n"
		 "# last, no newline");
	ck_assert_uint_eq(lx.n, 5);
	ck_tok(&lx.t[0], AG_TOK_NAME, "x");
	ck_assert_int_eq(lx.t[0].line, 2);
	ck_tok(&lx.t[2], AG_TOK_NUMBER, "1");
	ck_assert_int_eq(lx.t[3].kind, AG_TOK_NEWLINE);
	ck_assert_int_eq(lx.t[3].line, 2);
	ck_assert_int_eq(lx.t[4].kind, AG_TOK_EOF);
	lex_free(&lx);

	/* A '#' inside a string is not a comment. */
	lex(&lx, "x = '# not a comment'\n");
	ck_tok(&lx.t[2], AG_TOK_STRING, "'# not a comment'");
	lex_free(&lx);
}
END_TEST

START_TEST(test_continuation)
{
	struct lexed lx;
	lex(&lx, "x = 1 + \\\n    2\ny = 3\n");
	ck_tok(&lx.t[4], AG_TOK_NUMBER, "2");
	ck_assert_int_eq(lx.t[4].line, 2);
	ck_assert_uint_eq(lx.t[4].flags & AG_TOK_STMT, 0); /* same statement */
	ck_assert_int_eq(lx.t[4].indent, 0);
	ck_assert_int_eq(lx.t[5].kind, AG_TOK_NEWLINE);
	ck_tok(&lx.t[6], AG_TOK_NAME, "y");
	ck_assert_int_eq(lx.t[6].line, 3);
	ck_assert(lx.t[6].flags & AG_TOK_STMT);
	lex_free(&lx);

	/* A continuation with CRLF. */
	lex(&lx, "x = \\\r\n 'a'\r\n");
	ck_tok(&lx.t[2], AG_TOK_STRING, "'a'");
	ck_assert_int_eq(lx.t[2].line, 2);
	lex_free(&lx);
}
END_TEST

START_TEST(test_brackets)
{
	struct lexed lx;
	lex(&lx, "x = (1,\n  [2, {3: 4}],\n\n  # comment\n)\ny\n");
	/* x = ( 1 , [ 2 , { 3 : 4 } ] , ) NEWLINE y NEWLINE EOF */
	ck_assert_uint_eq(lx.n, 20);
	ck_tok(&lx.t[2], AG_TOK_OP, "(");
	ck_assert_int_eq(lx.t[2].depth, 0);
	ck_assert_int_eq(lx.t[3].depth, 1);
	ck_tok(&lx.t[5], AG_TOK_OP, "[");
	ck_assert_int_eq(lx.t[5].line, 2);
	ck_assert_uint_eq(lx.t[5].flags & AG_TOK_STMT, 0);
	ck_tok(&lx.t[8], AG_TOK_OP, "{");
	ck_assert_int_eq(lx.t[9].depth, 3);
	ck_tok(&lx.t[12], AG_TOK_OP, "}");
	ck_assert_int_eq(lx.t[12].depth, 3); /* depth before the token */
	ck_tok(&lx.t[13], AG_TOK_OP, "]");
	ck_assert_int_eq(lx.t[13].depth, 2);
	ck_tok(&lx.t[15], AG_TOK_OP, ")");
	ck_assert_int_eq(lx.t[15].line, 5);
	ck_assert_int_eq(lx.t[15].depth, 1);
	ck_assert_int_eq(lx.t[16].kind, AG_TOK_NEWLINE); /* only after the bracket closes */
	ck_assert_int_eq(lx.t[16].line, 5);
	ck_tok(&lx.t[17], AG_TOK_NAME, "y");
	ck_assert_int_eq(lx.t[17].depth, 0);
	ck_assert(lx.t[17].flags & AG_TOK_STMT);
	lex_free(&lx);
}
END_TEST

START_TEST(test_newlines)
{
	struct lexed lx;
	/* CRLF, a lone CR and LF each end a line. */
	lex(&lx, "a\r\nb\rc\n\r\nd");
	ck_tok(&lx.t[0], AG_TOK_NAME, "a");
	ck_assert_int_eq(lx.t[0].line, 1);
	ck_tok(&lx.t[2], AG_TOK_NAME, "b");
	ck_assert_int_eq(lx.t[2].line, 2);
	ck_assert_int_eq(lx.t[2].col, 1);
	ck_tok(&lx.t[4], AG_TOK_NAME, "c");
	ck_assert_int_eq(lx.t[4].line, 3);
	ck_tok(&lx.t[6], AG_TOK_NAME, "d");
	ck_assert_int_eq(lx.t[6].line, 5);
	ck_assert(lx.t[6].flags & AG_TOK_STMT);
	lex_free(&lx);

	/* A triple-quoted string counts the lines inside it. */
	lex(&lx, "x = '''a\r\nb\rc\n'''\ny");
	ck_tok(&lx.t[2], AG_TOK_STRING, "'''a\r\nb\rc\n'''");
	ck_assert_int_eq(lx.t[2].line, 1);
	ck_tok(&lx.t[4], AG_TOK_NAME, "y");
	ck_assert_int_eq(lx.t[4].line, 5);
	lex_free(&lx);
}
END_TEST

START_TEST(test_bom)
{
	struct lexed lx;
	lex(&lx, "\xef\xbb\xbfrevision = 'a'\n");
	ck_tok(&lx.t[0], AG_TOK_NAME, "revision");
	/* The BOM is not part of the line: the statement is at column 1,
	 * indentation 0, so it counts as module level. */
	ck_assert_int_eq(lx.t[0].col, 1);
	ck_assert_int_eq(lx.t[0].indent, 0);
	ck_assert(lx.t[0].flags & AG_TOK_STMT);
	lex_free(&lx);

	/* Only at the start: elsewhere U+FEFF is just a character. */
	lex(&lx, "x\xef\xbb\xbf = 1\n");
	ck_tok(&lx.t[0], AG_TOK_NAME, "x\xef\xbb\xbf");
	lex_free(&lx);
}
END_TEST

START_TEST(test_indent_and_statements)
{
	struct lexed lx;
	lex(&lx, "def f():\n\tx = 1\n\ty = 2; z = 3\nw = (1;\n");
	/* def f ( ) : NL x = 1 NL y = 2 ; z = 3 NL w = ( 1 ; ERROR? no: ';' in brackets is an op */
	ck_tok(&lx.t[0], AG_TOK_NAME, "def");
	ck_assert(lx.t[0].flags & AG_TOK_STMT);
	ck_tok(&lx.t[6], AG_TOK_NAME, "x");
	ck_assert_int_eq(lx.t[6].indent, 8); /* a tab goes to the next multiple of 8, as in Python */
	ck_assert(lx.t[6].flags & AG_TOK_STMT);
	ck_tok(&lx.t[7], AG_TOK_OP, "=");
	ck_assert_int_eq(lx.t[7].indent, 8); /* every token carries its line's indent */
	ck_tok(&lx.t[10], AG_TOK_NAME, "y");
	ck_assert_int_eq(lx.t[10].indent, 8);
	ck_tok(&lx.t[13], AG_TOK_OP, ";");
	ck_tok(&lx.t[14], AG_TOK_NAME, "z");
	ck_assert(lx.t[14].flags & AG_TOK_STMT); /* after ';' */
	ck_assert_int_eq(lx.t[14].indent, 8);    /* the logical line's indent */
	ck_tok(&lx.t[15], AG_TOK_OP, "=");
	ck_assert_uint_eq(lx.t[15].flags & AG_TOK_STMT, 0);
	ck_tok(&lx.t[18], AG_TOK_NAME, "w");
	ck_assert_int_eq(lx.t[18].indent, 0);
	ck_tok(&lx.t[22], AG_TOK_OP, ";");
	ck_assert_int_eq(lx.t[22].depth, 1);
	lex_free(&lx);

	/* ';' inside brackets does not start a statement. */
	lex(&lx, "f(a;b)\n");
	ck_tok(&lx.t[4], AG_TOK_NAME, "b");
	ck_assert_uint_eq(lx.t[4].flags & AG_TOK_STMT, 0);
	lex_free(&lx);
}
END_TEST

/* Python's tokenizer refuses these files with IndentationError (or
 * TabError); so does pyscan, with the line of the offending statement. */
START_TEST(test_indentation_errors)
{
	static const struct {
		const char *src, *msg;
		int line;
	} bad[] = {
		{"revision = 'a'\ndown_revision = None\n    branch_labels = None\n", "unexpected indent", 3},
		{"if x: pass\n  y = 1\n", "unexpected indent", 2},
		{"def f():\nx = 1\n", "expected an indented block", 2},
		{"def f():\n# only a comment\n", "expected an indented block", 2},
		{"def f():\n        a = 1\n    b = 2\n", "unindent does not match any outer indentation level", 3},
		{"def f():\n\ta = 1\n        b = 2\n", "inconsistent use of tabs and spaces in indentation", 3},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct lexed lx;
		lex(&lx, bad[i].src);
		const struct ag_tok *e = &lx.t[lx.n - 1];
		ck_assert_msg(e->kind == AG_TOK_ERROR, "case %zu: no error", i);
		ck_assert_msg(e->len == strlen(bad[i].msg) && memcmp(e->p, bad[i].msg, e->len) == 0,
			      "case %zu: %.*s", i, (int)e->len, e->p);
		ck_assert_int_eq(e->line, bad[i].line);
		lex_free(&lx);
	}
	/* Accepted: bodies, dedents to an outer level, brackets and
	 * continuations across lines, a form feed that resets the column. */
	static const char *const good[] = {
		"def f():\n    a = (1,\n  2)\n    if a:\n        b = 1\n    c = 2\nd = 3\n",
		"x = 1 + \\\n      2\n",
		"revision = 'ff1'\n\014down_revision = None\n",
		"class A:\n    '''doc'''\n\n\n    def g(self):\n        return 1\n",
		"if x: pass\ny = [\n    1]\n",
	};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		struct lexed lx;
		lex(&lx, good[i]);
		for (size_t k = 0; k < lx.n; k++)
			ck_assert_msg(lx.t[k].kind != AG_TOK_ERROR, "good case %zu: %.*s (line %d)", i,
				      (int)lx.t[k].len, lx.t[k].p, lx.t[k].line);
		lex_free(&lx);
	}
	/* The form feed puts down_revision at column 0: module level. */
	struct lexed lx;
	lex(&lx, "revision = 'ff1'\n\014down_revision = None\n");
	ck_tok(&lx.t[4], AG_TOK_NAME, "down_revision");
	ck_assert_int_eq(lx.t[4].indent, 0);
	lex_free(&lx);
}
END_TEST

START_TEST(test_operators)
{
	static const char *const ops[] = {"**=", "//=", ">>=", "<<=", "...", "==", "!=", "<=", ">=",
					  "+=",  "-=",  "*=",  "/=",  "%=",  "&=", "|=", "^=", "->",
					  "**",  "//",  "<<",  ">>",  ":=",  "@=", "+",  "-",  "*",
					  "/",   "%",   "@",   "&",   "|",   "^",  "~",  "<",  ">",
					  "(",   ")",   "[",   "]",   "{",   "}",  ",",  ":",  ".",
					  ";",   "="};
	struct ag_buf src = {0};
	for (size_t i = 0; i < AG_ARRAY_LEN(ops); i++) {
		ag_buf_adds(&src, ops[i]);
		ag_buf_adds(&src, " ");
	}
	struct lexed lx;
	lex(&lx, src.p);
	ck_assert_uint_eq(lx.n, AG_ARRAY_LEN(ops) + 2);
	for (size_t i = 0; i < AG_ARRAY_LEN(ops); i++)
		ck_tok(&lx.t[i], AG_TOK_OP, ops[i]);
	lex_free(&lx);
	ag_buf_free(&src);

	/* Longest match without spaces. */
	lex(&lx, "a**=b==c:=d->e//f...g!=h\n");
	ck_tok(&lx.t[1], AG_TOK_OP, "**=");
	ck_tok(&lx.t[3], AG_TOK_OP, "==");
	ck_tok(&lx.t[5], AG_TOK_OP, ":=");
	ck_tok(&lx.t[7], AG_TOK_OP, "->");
	ck_tok(&lx.t[9], AG_TOK_OP, "//");
	ck_tok(&lx.t[11], AG_TOK_OP, "...");
	ck_tok(&lx.t[13], AG_TOK_OP, "!=");
	lex_free(&lx);

	/* "===" is "==" then "=". */
	lex(&lx, "a===b");
	ck_tok(&lx.t[1], AG_TOK_OP, "==");
	ck_tok(&lx.t[2], AG_TOK_OP, "=");
	lex_free(&lx);
}
END_TEST

START_TEST(test_numbers)
{
	static const char *const nums[] = {"0", "42", "1e-5", "1E+10", "0x1F", "0XdeadBEEF", "1_000",
					   ".5", "3.14", "1.", "1.5e3j", "0o17", "0b101", "1_0.0_1e1_0"};
	for (size_t i = 0; i < AG_ARRAY_LEN(nums); i++) {
		struct lexed lx;
		char *src = ag_printf("x = %s\n", nums[i]);
		lex(&lx, src);
		ck_assert_uint_eq(lx.n, 5);
		ck_tok(&lx.t[2], AG_TOK_NUMBER, nums[i]);
		lex_free(&lx);
		free(src);
	}
	struct lexed lx;
	/* In a hex number 'e' is a digit: the '-' is an operator. */
	lex(&lx, "0x1e-5");
	ck_tok(&lx.t[0], AG_TOK_NUMBER, "0x1e");
	ck_tok(&lx.t[1], AG_TOK_OP, "-");
	ck_tok(&lx.t[2], AG_TOK_NUMBER, "5");
	lex_free(&lx);
	/* A number stops at a non-ASCII byte, which is then checked as a name. */
	lex(&lx, "1\xc3\xa9");
	ck_tok(&lx.t[0], AG_TOK_NUMBER, "1");
	ck_tok(&lx.t[1], AG_TOK_NAME, "\xc3\xa9");
	lex_free(&lx);
	lex(&lx, "1\xff");
	ck_tok(&lx.t[0], AG_TOK_NUMBER, "1");
	ck_assert(err_has(err_tok(&lx), "UTF-8"));
	lex_free(&lx);
	/* "." alone is an operator; ".5" a number; "a.b" three tokens. */
	lex(&lx, "a.b .5");
	ck_tok(&lx.t[0], AG_TOK_NAME, "a");
	ck_tok(&lx.t[1], AG_TOK_OP, ".");
	ck_tok(&lx.t[2], AG_TOK_NAME, "b");
	ck_tok(&lx.t[3], AG_TOK_NUMBER, ".5");
	lex_free(&lx);
}
END_TEST

START_TEST(test_names)
{
	struct lexed lx;
	lex(&lx, "_private café Ünïcode x1 __init__\n");
	ck_tok(&lx.t[0], AG_TOK_NAME, "_private");
	ck_tok(&lx.t[1], AG_TOK_NAME, "café");
	ck_tok(&lx.t[2], AG_TOK_NAME, "Ünïcode");
	ck_tok(&lx.t[3], AG_TOK_NAME, "x1");
	ck_tok(&lx.t[4], AG_TOK_NAME, "__init__");
	lex_free(&lx);
}
END_TEST

/* ---- strings -------------------------------------------------------- */

/* Each is one STRING token spanning the whole input. */
static const char *const one_string[] = {
	"'single'", "\"double\"", "''", "\"\"", "''''''", "\"\"\"\"\"\"",
	"'''triple ' '' quotes'''", "\"\"\"triple \" \"\" quotes\"\"\"",
	"'it\\'s'", "\"say \\\"hi\\\"\"", "'back\\\\'", "r'raw'", "u'uni'", "b'bytes'", "f'fmt'",
	"R'x'", "U'x'", "B'x'", "F'x'", "br'x'", "rb'x'", "Br'x'", "bR'x'", "RB'x'", "rB'x'",
	"fr'x'", "rf'x'", "Fr'x'", "fR'x'", "RF'x'", "rF'x'",
	"r'\\''",          /* a raw string keeps the backslash, and the quote is escaped */
	"r\"\\\"\"",       /* r"\"" */
	"r'a\\\\'",        /* r'a\\' ends after the second backslash */
	"'''a\nb\nc'''",   /* spans lines */
	"'line \\\ncontinued'", /* a backslash-newline inside a short string */
	"'\\\xc3\xa9'",    /* an escaped non-ASCII character */
	"'caf\xc3\xa9 \xf0\x9f\x98\x80'",
};

START_TEST(test_string_forms)
{
	for (size_t i = 0; i < AG_ARRAY_LEN(one_string); i++) {
		struct lexed lx;
		lex(&lx, one_string[i]);
		ck_assert_msg(lx.n == 3, "%s: %zu tokens", one_string[i], lx.n);
		ck_tok(&lx.t[0], AG_TOK_STRING, one_string[i]);
		ck_assert_int_eq(lx.t[1].kind, AG_TOK_NEWLINE);
		lex_free(&lx);
	}
}
END_TEST

START_TEST(test_string_sequences)
{
	struct lexed lx;
	/* Implicit concatenation: adjacent literals are separate tokens. */
	lex(&lx, "x = 'a' \"b\" r'c'\\\n  '''d'''\n");
	ck_tok(&lx.t[2], AG_TOK_STRING, "'a'");
	ck_tok(&lx.t[3], AG_TOK_STRING, "\"b\"");
	ck_tok(&lx.t[4], AG_TOK_STRING, "r'c'");
	ck_tok(&lx.t[5], AG_TOK_STRING, "'''d'''");
	ck_assert_int_eq(lx.t[5].line, 2);
	ck_assert_int_eq(lx.t[6].kind, AG_TOK_NEWLINE);
	lex_free(&lx);

	/* "a\\" ends at the second quote-free backslash pair. */
	lex(&lx, "\"a\\\\\" \"b\"");
	ck_tok(&lx.t[0], AG_TOK_STRING, "\"a\\\\\"");
	ck_tok(&lx.t[1], AG_TOK_STRING, "\"b\"");
	lex_free(&lx);

	/* Not a prefix: a name, then a string. */
	lex(&lx, "ur'x' xb'y'");
	ck_tok(&lx.t[0], AG_TOK_NAME, "ur");
	ck_tok(&lx.t[1], AG_TOK_STRING, "'x'");
	ck_tok(&lx.t[2], AG_TOK_NAME, "xb");
	ck_tok(&lx.t[3], AG_TOK_STRING, "'y'");
	lex_free(&lx);

	/* Lines after a multi-line string are counted. */
	lex(&lx, "\"\"\"doc\n\nRevision ID: x\n\"\"\"\nrevision = 'x'\n");
	ck_assert_int_eq(lx.t[0].line, 1);
	ck_tok(&lx.t[2], AG_TOK_NAME, "revision");
	ck_assert_int_eq(lx.t[2].line, 5);
	ck_assert(lx.t[2].flags & AG_TOK_STMT);
	lex_free(&lx);

	/* An assignment inside a string is not tokenized. */
	lex(&lx, "x = '''\nrevision = 'no'\n'''\n");
	ck_assert_uint_eq(lx.n, 5);
	lex_free(&lx);
}
END_TEST

static int decode(const char *lit, struct ag_buf *out)
{
	struct lexed lx;
	lex(&lx, lit);
	ck_assert_msg(lx.t[0].kind == AG_TOK_STRING, "%s is not one string", lit);
	out->len = 0;
	ag_buf_adds(out, "");
	int r = ag_pyscan_string(&lx.t[0], out);
	lex_free(&lx);
	return r;
}

#define ck_decodes(lit, want)                                                                \
	do {                                                                                 \
		struct ag_buf b_ = {0};                                                      \
		ck_assert_int_eq(decode((lit), &b_), 1);                                     \
		ck_assert_uint_eq(b_.len, sizeof(want) - 1);                                 \
		ck_assert_msg(memcmp(b_.p, (want), sizeof(want) - 1) == 0, "%s -> '%s'", (lit), \
			      b_.p);                                                         \
		ag_buf_free(&b_);                                                            \
	} while (0)

START_TEST(test_string_decode)
{
	ck_decodes("'abc'", "abc");
	ck_decodes("\"\"", "");
	ck_decodes("''''''", "");
	ck_decodes("'''a\"b'c'''", "a\"b'c");
	ck_decodes("'\\n\\t\\r\\a\\b\\f\\v\\\\\\'\\\"'", "\n\t\r\a\b\f\v\\'\"");
	ck_decodes("'\\x41\\x7a'", "Az");
	ck_decodes("'\\xe9'", "\xc3\xa9"); /* U+00E9 as UTF-8 */
	ck_decodes("'\\u00e9'", "\xc3\xa9");
	ck_decodes("'\\u20AC'", "\xe2\x82\xac");
	ck_decodes("'\\U0001F600'", "\xf0\x9f\x98\x80");
	ck_decodes("'\\101\\7\\0'", "A\a\0");
	ck_decodes("'\\1234'", "S4"); /* at most three octal digits */
	ck_decodes("'\\q\\d'", "\\q\\d"); /* unknown escapes are kept */
	ck_decodes("'\\8'", "\\8");
	ck_decodes("'a\\\nb'", "ab"); /* backslash-newline vanishes */
	ck_decodes("'a\\\r\nb'", "ab");
	ck_decodes("'''a\r\nb\rc'''", "a\nb\nc"); /* newlines are normalised */
	ck_decodes("u'\\u00e9'", "\xc3\xa9");
	ck_decodes("U'x'", "x");
	ck_decodes("r'\\n\\x41'", "\\n\\x41"); /* raw: escapes are text */
	ck_decodes("r'\\''", "\\'");
	ck_decodes("R\"a\\\\\"", "a\\\\");
	ck_decodes("'caf\xc3\xa9'", "caf\xc3\xa9");
	ck_decodes("'\\\xc3\xa9'", "\\\xc3\xa9"); /* an unknown escape of a non-ASCII char */
	ck_decodes("f'plain'", "plain");
	ck_decodes("f'{{literal}}'", "{literal}");
	ck_decodes("rf'{{\\d}}'", "{\\d}");
	ck_decodes("F\"\"\"a{{b\"\"\"", "a{b");
}
END_TEST

START_TEST(test_string_not_str)
{
	struct ag_buf b = {0};
	ck_assert_int_eq(decode("b'bytes'", &b), 0);
	ck_assert_int_eq(decode("Rb'x'", &b), 0);
	ck_assert_int_eq(decode("BR'x'", &b), 0);
	ck_assert_int_eq(decode("f'{x}'", &b), 0);
	ck_assert_int_eq(decode("f'a{x!r:>10}b'", &b), 0);
	ck_assert_int_eq(decode("fr'{x}'", &b), 0);
	ck_assert_int_eq(decode("f'}'", &b), 0);
	ck_assert_int_eq(decode("'\\N{BULLET}'", &b), 0); /* a name table we do not carry */
	/* Malformed escapes: -1. */
	ck_assert_int_eq(decode("'\\x4'", &b), -1);
	ck_assert_int_eq(decode("'\\xg0'", &b), -1);
	ck_assert_int_eq(decode("'\\x'", &b), -1);
	ck_assert_int_eq(decode("'\\u12'", &b), -1);
	ck_assert_int_eq(decode("'\\U0011FFFF'", &b), -1); /* beyond Unicode */
	ck_assert_int_eq(decode("'\\ud800'", &b), -1);     /* a lone surrogate */
	/* A token that is not a string is not a str. */
	struct lexed lx;
	lex(&lx, "name");
	ck_assert_int_eq(ag_pyscan_string(&lx.t[0], &b), 0);
	lex_free(&lx);
	ag_buf_free(&b);
}
END_TEST

START_TEST(test_string_appends)
{
	/* The decoded value is appended to what the buffer holds. */
	struct ag_buf b = {0};
	ag_buf_adds(&b, "pre-");
	struct lexed lx;
	lex(&lx, "'a' 'b'");
	ck_assert_int_eq(ag_pyscan_string(&lx.t[0], &b), 1);
	ck_assert_int_eq(ag_pyscan_string(&lx.t[1], &b), 1);
	ck_assert_str_eq(b.p, "pre-ab");
	lex_free(&lx);
	ag_buf_free(&b);
}
END_TEST

/* ---- errors --------------------------------------------------------- */

START_TEST(test_err_strings)
{
	struct lexed lx;
	const struct ag_tok *e;

	lex(&lx, "x = 1\nrevision = 'abc\ndown_revision = None\n");
	e = err_tok(&lx);
	ck_assert(err_has(e, "unterminated string literal"));
	ck_assert_int_eq(e->line, 2);
	ck_assert_int_eq(e->col, 12); /* at the opening quote */
	ck_assert(!e->incomplete);    /* a newline ends a short string: a plain error */
	lex_free(&lx);

	lex(&lx, "x = \"abc");
	e = err_tok(&lx);
	ck_assert(err_has(e, "unterminated string literal"));
	ck_assert_int_eq(e->col, 5);
	ck_assert(e->incomplete); /* the input ended */
	lex_free(&lx);

	lex(&lx, "x = 1\n\ny = '''abc\n\ndef\n");
	e = err_tok(&lx);
	ck_assert(err_has(e, "unterminated triple-quoted string literal"));
	ck_assert_int_eq(e->line, 3);
	ck_assert_int_eq(e->col, 5);
	ck_assert(e->incomplete);
	lex_free(&lx);

	/* With a prefix: the error keeps its message, at the opening quote. */
	lex(&lx, "x = r'\\'");
	e = err_tok(&lx);
	ck_assert(err_has(e, "unterminated"));
	ck_assert_int_eq(e->col, 6);
	lex_free(&lx);
	lex(&lx, "Rb'''abc");
	ck_assert(err_has(err_tok(&lx), "unterminated triple-quoted"));
	lex_free(&lx);

	lex(&lx, "'abc\\");
	ck_assert(err_tok(&lx)->incomplete);
	lex_free(&lx);

	/* ''' followed by a single quote at the end. */
	lex(&lx, "'''''");
	ck_assert(err_tok(&lx)->incomplete);
	lex_free(&lx);
}
END_TEST

START_TEST(test_err_brackets)
{
	struct lexed lx;
	const struct ag_tok *e;

	lex(&lx, "x = 1)\n");
	e = err_tok(&lx);
	ck_assert(err_has(e, "unmatched"));
	ck_assert_int_eq(e->line, 1);
	ck_assert_int_eq(e->col, 6);
	ck_assert(!e->incomplete);
	lex_free(&lx);

	lex(&lx, "x = [1,\n (2]\n");
	e = err_tok(&lx);
	ck_assert(err_has(e, "does not match"));
	ck_assert_int_eq(e->line, 2);
	ck_assert_int_eq(e->col, 4);
	lex_free(&lx);

	/* Never closed: more input expected, reported at the open bracket. */
	lex(&lx, "x = 1\ny = {'a': (1,\n  2,\n");
	e = err_tok(&lx);
	ck_assert(err_has(e, "'(' was never closed"));
	ck_assert(e->incomplete);
	ck_assert_int_eq(e->line, 2);
	ck_assert_int_eq(e->col, 11);
	lex_free(&lx);
	lex(&lx, "[");
	ck_assert(err_has(err_tok(&lx), "'[' was never closed"));
	lex_free(&lx);
	lex(&lx, "{");
	ck_assert(err_has(err_tok(&lx), "'{' was never closed"));
	lex_free(&lx);
}
END_TEST

START_TEST(test_err_bytes)
{
	struct lexed lx;
	const struct ag_tok *e;

	/* NUL bytes: in code, in a string, in a comment. */
	lexn(&lx, "x = 1\ny\0 = 2\n", 13);
	e = err_tok(&lx);
	ck_assert(err_has(e, "null bytes"));
	ck_assert_int_eq(e->line, 2);
	ck_assert_int_eq(e->col, 2);
	lex_free(&lx);
	lexn(&lx, "x = 'a\0b'", 9);
	ck_assert(err_has(err_tok(&lx), "null bytes"));
	lex_free(&lx);
	lexn(&lx, "x = 'a\\\0b'", 10); /* escaped, still a NUL */
	ck_assert(err_has(err_tok(&lx), "null bytes"));
	lex_free(&lx);
	lexn(&lx, "# a\0b\n", 6);
	ck_assert(err_has(err_tok(&lx), "null bytes"));
	lex_free(&lx);

	/* Invalid UTF-8 in a comment, a string and an identifier. */
	lex(&lx, "x = 1 # \xc3\x28\n");
	e = err_tok(&lx);
	ck_assert(err_has(e, "invalid UTF-8 in a comment"));
	ck_assert_int_eq(e->col, 9);
	lex_free(&lx);
	lex(&lx, "x = 'ab\xff'\n");
	e = err_tok(&lx);
	ck_assert(err_has(e, "invalid UTF-8 in a string"));
	ck_assert_int_eq(e->col, 8);
	lex_free(&lx);
	lex(&lx, "x = '\\\xff'\n");
	ck_assert(err_has(err_tok(&lx), "invalid UTF-8 in a string"));
	lex_free(&lx);
	lex(&lx, "na\xe9me = 1\n");
	e = err_tok(&lx);
	ck_assert(err_has(e, "invalid UTF-8 in an identifier"));
	ck_assert_int_eq(e->col, 3);
	lex_free(&lx);
	/* Overlong, surrogate and truncated sequences. */
	lex(&lx, "'\xc0\x80'");
	ck_assert(err_has(err_tok(&lx), "UTF-8"));
	lex_free(&lx);
	lex(&lx, "'\xed\xa0\x80'");
	ck_assert(err_has(err_tok(&lx), "UTF-8"));
	lex_free(&lx);
	lex(&lx, "x\xe2\x82");
	ck_assert(err_has(err_tok(&lx), "UTF-8"));
	lex_free(&lx);

	/* Characters Python does not have. */
	static const char *const bad[] = {"x = $y", "x = a ? b", "x = `y`", "x = !y"};
	for (size_t i = 0; i < AG_ARRAY_LEN(bad); i++) {
		lex(&lx, bad[i]);
		e = err_tok(&lx);
		ck_assert_int_eq(e->line, 1);
		ck_assert_int_eq(e->col, (int)(strpbrk(bad[i], "$?`!") - bad[i]) + 1);
		ck_assert(!e->incomplete);
		lex_free(&lx);
	}
}
END_TEST

START_TEST(test_err_continuation)
{
	struct lexed lx;
	const struct ag_tok *e;
	lex(&lx, "x = \\");
	e = err_tok(&lx);
	ck_assert(e->incomplete);
	ck_assert_int_eq(e->col, 5);
	lex_free(&lx);
	lex(&lx, "x = \\ y\n");
	e = err_tok(&lx);
	ck_assert(!e->incomplete);
	ck_assert(err_has(e, "continuation"));
	lex_free(&lx);
}
END_TEST

/* ---- limits --------------------------------------------------------- */

START_TEST(test_limits_nesting)
{
	struct ag_buf src = {0};
	for (int i = 0; i < AG_PYSCAN_MAX_DEPTH; i++)
		ag_buf_addc(&src, "([{"[i % 3]);
	for (int i = AG_PYSCAN_MAX_DEPTH; i-- > 0;)
		ag_buf_addc(&src, ")]}"[i % 3]);
	/* Exactly the limit is fine. */
	struct ag_pyscan s;
	struct ag_tok t;
	ag_pyscan_init(&s, src.p, src.len);
	int n = 0, maxdepth = 0;
	while (ag_pyscan_next(&s, &t) == AG_TOK_OP) {
		n++;
		if (t.depth > maxdepth)
			maxdepth = t.depth;
	}
	ck_assert_int_eq(t.kind, AG_TOK_NEWLINE);
	ck_assert_int_eq(n, 2 * AG_PYSCAN_MAX_DEPTH);
	ck_assert_int_eq(maxdepth, AG_PYSCAN_MAX_DEPTH);
	ag_buf_free(&src);

	/* One more is an error, not an overflow of the bracket stack. */
	for (int i = 0; i < AG_PYSCAN_MAX_DEPTH + 50; i++)
		ag_buf_addc(&src, '(');
	struct lexed lx;
	lexn(&lx, src.p, src.len);
	const struct ag_tok *e = err_tok(&lx);
	ck_assert(err_has(e, "too many nested"));
	ck_assert_int_eq(e->col, AG_PYSCAN_MAX_DEPTH + 1);
	ck_assert(!e->incomplete);
	lex_free(&lx);
	ag_buf_free(&src);
}
END_TEST

START_TEST(test_limits_long)
{
	/* A long line, a long string and many lines. */
	struct ag_buf src = {0};
	ag_buf_adds(&src, "x = '");
	for (int i = 0; i < 100000; i++)
		ag_buf_addc(&src, 'a');
	ag_buf_adds(&src, "'\n");
	for (int i = 0; i < 5000; i++)
		ag_buf_adds(&src, "\n");
	ag_buf_adds(&src, "y");
	struct lexed lx;
	lexn(&lx, src.p, src.len);
	ck_assert_int_eq(lx.t[2].kind, AG_TOK_STRING);
	ck_assert_uint_eq(lx.t[2].len, 100002);
	ck_tok(&lx.t[4], AG_TOK_NAME, "y");
	ck_assert_int_eq(lx.t[4].line, 5002);
	lex_free(&lx);
	ag_buf_free(&src);
}
END_TEST

/* ---- PEP 263 ---------------------------------------------------------- */

/* ag_pyscan_decode on n bytes of src: its result, the text, the message. */
static int decode_coding(const char *src, size_t n, char **text, char *msg, int *line)
{
	struct ag_buf out = {0};
	char *copy = ag_malloc(n ? n : 1);
	memcpy(copy, src, n);
	msg[0] = '\0';
	int r = ag_pyscan_decode(copy, n, &out, msg, 400, line);
	free(copy);
	*text = out.p ? ag_strndup(out.p, out.len) : ag_strdup("");
	ag_buf_free(&out);
	return r;
}

START_TEST(test_decode)
{
	static const struct {
		const char *src;
		int want;         /* 0: UTF-8 as it is, 1: decoded, -1: error */
		const char *text; /* decoded text, or a piece of the message */
		int line;
	} cases[] = {
		{"x = 1\n", 0, "", 0},
		{"# coding: utf-8\nx = '\xc3\xa9'\n", 0, "", 0},
		{"# -*- coding: UTF_8 -*-\n", 0, "", 0},
		{"\xef\xbb\xbf# coding: utf-8\n", 0, "", 0},
		{"\xef\xbb\xbf# coding: utf-8-sig\n", 0, "", 0},
		{"# coding: latin-1\nx = '\xe9'\n", 1, "# coding: latin-1\nx = '\xc3\xa9'\n", 0},
		{"# coding=iso-8859-1\r\nx = '\xff'\r\n", 1, "# coding=iso-8859-1\r\nx = '\xc3\xbf'\r\n", 0},
		{"# vim: set fileencoding=latin1 :\n\xe9", 1, "# vim: set fileencoding=latin1 :\n\xc3\xa9", 0},
		{"#!/usr/bin/python\n# coding: cp1252\n\x80", 1, "#!/usr/bin/python\n# coding: cp1252\n\xe2\x82\xac", 0},
		{"  \t# coding: latin-1-foo\n\xe9", 1, "  \t# coding: latin-1-foo\n\xc3\xa9", 0},
		{"\n# coding: latin-1\n\xe9", 1, "\n# coding: latin-1\n\xc3\xa9", 0},
		{"# coding: Windows-1252\n\x93x\x94", 1, "# coding: Windows-1252\n\xe2\x80\x9cx\xe2\x80\x9d", 0},
		{"# coding: ascii\nx = 1\n", 1, "# coding: ascii\nx = 1\n", 0},
		{"# coding: koi8-r\n\xe9", 1, "# coding: koi8-r\n\xd0\x98", 0},
		{"# coding: iso-8859-15\n\xa4", 1, "# coding: iso-8859-15\n\xe2\x82\xac", 0},
		/* near misses: not a comment, not on lines 1-2, code on line 1 */
		{"x = 1  # coding: latin-1\n", 0, "", 0},
		{"#\n#\n# coding: latin-1\n\xe9", 0, "", 0},
		{"x = 1\n# coding: latin-1\n\xe9", 0, "", 0},
		{"# codingx: latin-1\n", 0, "", 0},
		{"# coding latin-1\n", 0, "", 0},
		/* Python's errors */
		{"\xef\xbb\xbf# coding: latin-1\n", -1, "encoding problem: iso-8859-1 with BOM", 1},
		{"\xef\xbb\xbf# coding: utf8\n", -1, "encoding problem: utf8 with BOM", 1},
		{"# coding: klingon\n", -1, "unknown encoding: klingon", 1},
		{"#\n# coding: klingon", -1, "unknown encoding: klingon", 2},
		{"# coding: rot13\n", -1, "'rot13' is not a text encoding", 1},
		{"# coding: cp1252\nx = '\x81'\n", -1, "can't decode byte 0x81 in position 22", 2},
		{"# coding: ascii\n\n\xe9", -1, "'ascii' codec can't decode byte 0xe9 in position 17", 3},
	};
	for (size_t i = 0; i < AG_ARRAY_LEN(cases); i++) {
		char *text, msg[400];
		int line;
		int r = decode_coding(cases[i].src, strlen(cases[i].src), &text, msg, &line);
		ck_assert_msg(r == cases[i].want, "case %zu: %d, want %d (%s)", i, r, cases[i].want, msg);
		if (r == 1)
			ck_assert_msg(strcmp(text, cases[i].text) == 0, "case %zu: %s", i, text);
		if (r < 0) {
			ck_assert_msg(strstr(msg, cases[i].text) != NULL, "case %zu: %s", i, msg);
			ck_assert_msg(line == cases[i].line, "case %zu: line %d, want %d", i, line,
				      cases[i].line);
		}
		free(text);
	}
	/* a NUL byte in a latin-1 file stays a NUL for the tokenizer to refuse */
	char *text, msg[400];
	int line;
	ck_assert_int_eq(decode_coding("# coding: latin-1\n\0\xe9", 20, &text, msg, &line), 1);
	ck_assert_int_eq(text[18], '\0');
	free(text);
	/* an empty file, a lone BOM */
	ck_assert_int_eq(decode_coding("", 0, &text, msg, &line), 0);
	free(text);
	ck_assert_int_eq(decode_coding("\xef\xbb\xbf", 3, &text, msg, &line), 0);
	free(text);
}
END_TEST

Suite *pyscan_suite(void)
{
	Suite *s = suite_create("pyscan");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_core);
	tcase_add_test(tc, test_keywords);
	tcase_add_test(tc, test_comments);
	tcase_add_test(tc, test_continuation);
	tcase_add_test(tc, test_brackets);
	tcase_add_test(tc, test_newlines);
	tcase_add_test(tc, test_bom);
	tcase_add_test(tc, test_indent_and_statements);
	tcase_add_test(tc, test_indentation_errors);
	tcase_add_test(tc, test_operators);
	tcase_add_test(tc, test_numbers);
	tcase_add_test(tc, test_names);
	suite_add_tcase(s, tc);
	tc = tcase_create("strings");
	tcase_add_test(tc, test_string_forms);
	tcase_add_test(tc, test_string_sequences);
	tcase_add_test(tc, test_string_decode);
	tcase_add_test(tc, test_string_not_str);
	tcase_add_test(tc, test_string_appends);
	suite_add_tcase(s, tc);
	tc = tcase_create("errors");
	tcase_add_test(tc, test_err_strings);
	tcase_add_test(tc, test_err_brackets);
	tcase_add_test(tc, test_err_bytes);
	tcase_add_test(tc, test_err_continuation);
	suite_add_tcase(s, tc);
	tc = tcase_create("coding");
	tcase_add_test(tc, test_decode);
	suite_add_tcase(s, tc);
	tc = tcase_create("limits");
	tcase_add_test(tc, test_limits_nesting);
	tcase_add_test(tc, test_limits_long);
	suite_add_tcase(s, tc);
	return s;
}
