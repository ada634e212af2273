/*
 * pyparse: a validating recognizer for Python's grammar, so that a file
 * that passes is one CPython compiles (and Alembic can load). It is a
 * recursive-descent parser over lib/pyscan's tokens, one function per rule
 * of CPython's PEG grammar (Grammar/python.gram, 3.8 to 3.13), written the
 * way ruff's parser handles targets: an expression is parsed first and then
 * checked as a target when `=`, `:`, `for ... in`, `as` or `del` makes it
 * one. It builds no tree: each expression rule returns a small summary
 * (what kind of expression, whether it can be assigned to) by value.
 *
 * It also reports the compiler's own SyntaxErrors that are decided locally:
 * 'return'/'yield'/'await' outside function, 'break'/'continue' outside
 * loop, duplicate parameters and keyword arguments, misplaced __future__
 * imports, nonlocal at module level. Checks that need a symbol table (no
 * binding for nonlocal, names used before a global declaration) are not
 * made: the rule is that a file CPython compiles must never be rejected,
 * so where a rule is unclear the parser accepts.
 *
 * Recursion is bounded: brackets by the tokenizer (200 deep), prefix
 * operators, `not`, conditional expressions and lambdas are parsed in loops
 * and counted, so no input can overflow the stack.
 *
 * Ownership: the parser borrows the buffer for the call; nothing is
 * allocated. Errors come back in struct ag_pyparse_err (the first one).
 */
#ifndef AG_PYPARSE_H
#define AG_PYPARSE_H

#include <stdbool.h>
#include <stddef.h>

#define AG_PYPARSE_MIN_MINOR 8  /* 3.8: the oldest grammar followed */
#define AG_PYPARSE_MAX_MINOR 13 /* 3.13: the newest, and the default */

struct ag_toks; /* lib/pyscan.h */

struct ag_pyparse_err {
	int line, col; /* 1-based; col counts bytes */
	char msg[200]; /* Python's message where it is known */
};

/*
 * Parses len bytes of buf (need not be NUL-terminated) as a module for
 * Python major.minor (0.0: the newest supported; minors outside 8..13 are
 * clamped). Returns true when the source is valid; false with *err filled.
 */
bool ag_pyparse(const char *buf, size_t len, int major, int minor, struct ag_pyparse_err *err);
/* The same, keeping the scanner's tokens in keep (when non-NULL; see
 * struct ag_toks): whole (keep->done) only when the parse reached the
 * end. The tokens point into buf. */
bool ag_pyparse_keep(const char *buf, size_t len, int major, int minor,
		     struct ag_pyparse_err *err, struct ag_toks *keep);

#endif
