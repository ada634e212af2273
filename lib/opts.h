/*
 * opts: the option tables that command entries carry, and the text made
 * from them. One table per command (and one for the global options) is
 * the single source for the parser (cmd/cmd.c turns it into getopt_long's
 * table) and for the help, so the two cannot drift apart. Also the "did
 * you mean" suggestion for a mistyped command or option.
 *
 * Nothing here reads argv or prints: the functions append to a caller's
 * ag_buf or return borrowed pointers into the caller's tables.
 */
#ifndef AG_OPTS_H
#define AG_OPTS_H

#include <stddef.h>

#include "util.h"

/* One option. A table is an array ended by a row whose name is NULL. */
struct ag_opt {
	int id;            /* what the command's handler receives; >= 256, so that it
			    * never collides with a short option's character */
	const char *name;  /* the long name, without "--" */
	char short_name;   /* 0 when it has none */
	const char *arg;   /* NULL: a flag; else the value's name in help ("FILE") */
	const char *help;  /* plain text, wrapped by ag_opts_help; may be NULL */
};

/* The rows of a table before its end row. */
size_t ag_opts_count(const struct ag_opt *opts);

/* The row whose long name is name (no "--"), or NULL; borrowed. */
const struct ag_opt *ag_opts_find(const struct ag_opt *opts, const char *name);
/* The row whose short name is c, or NULL; borrowed. */
const struct ag_opt *ag_opts_find_short(const struct ag_opt *opts, int c);
/* The row with this id, or NULL; borrowed. */
const struct ag_opt *ag_opts_find_id(const struct ag_opt *opts, int id);

/*
 * Appends one line per option to out, "  -c, --config FILE" padded to a
 * column, then its help wrapped to fit 80 columns (a left part too wide
 * for the column puts the help on the next lines).
 */
void ag_opts_help(const struct ag_opt *opts, struct ag_buf *out);

/* Appends one help row: left, padded to column col (or alone on its line
 * when too wide), then text wrapped to 80 columns, continuation lines
 * starting at col. ag_opts_help uses column 30. */
void ag_opts_row(const char *left, const char *text, size_t col, struct ag_buf *out);

/*
 * Appends " [-v|--verbose] [--target head|heads]..." for each row to out,
 * breaking the line before 80 columns; continuation lines are indented by
 * indent spaces. col is the column out's last line has reached.
 */
void ag_opts_usage(const struct ag_opt *opts, size_t col, size_t indent, struct ag_buf *out);

/*
 * The edit distance between a and b (insertions, deletions, substitutions
 * and transpositions of two neighbouring bytes each cost 1). Strings
 * longer than 64 bytes are compared as unrelated: returns a number larger
 * than both lengths.
 */
size_t ag_opts_distance(const char *a, const char *b);

/*
 * The candidate closest to word, for "did you mean": the one at the
 * smallest edit distance when that distance is small for word's length
 * (1 up to 4 bytes, 2 up to 8, else 3), or the only candidate word is a
 * prefix of. NULL when none is close. On a tie, the first in cands.
 * Borrowed from cands.
 */
const char *ag_opts_suggest(const char *word, const char *const *cands, size_t n);

#endif
