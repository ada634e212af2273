/*
 * outscan: what matters in a release phase's output. Heroku keeps the
 * output of every release phase behind the release's output_stream_url;
 * this module reads such text (any bytes: ANSI colours, CRLF, NULs, a
 * stream cut off mid-line) and finds the lines a person would look for:
 *
 *   cant-locate      Alembic: Can't locate revision identified by 'X'
 *   multiple-heads   Alembic: Multiple head revisions are present ...
 *   stamp            `alembic stamp X` run by hand or by a Procfile, and
 *                    Alembic's "Running stamp_revision A -> B" log line
 *   overlap          Alembic: Requested revision X overlaps with ... Y
 *   not-present      Alembic: Revision X referenced from ... is not present
 *   duplicate        Alembic: Revision X is present more than once
 *   no-such-revision Alembic: No such revision or branch 'X'
 *   migrate          Alembic: Running upgrade A -> B (or downgrade)
 *   guard            alembic-guard's own findings ("error CODE: ...") and
 *                    its release command's warnings
 *   error            other failures: "FAILED: ...", CommandError,
 *                    sqlalchemy.exc / psycopg2.errors lines
 *
 * and the revision ids each line names. Pure functions: no I/O.
 *
 * Ownership: struct ag_outscan owns its matches and their strings;
 * ag_outscan_free releases them and accepts a zeroed struct.
 */
#ifndef AG_OUTSCAN_H
#define AG_OUTSCAN_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

enum ag_outscan_kind {
	AG_OUT_CANT_LOCATE = 0,
	AG_OUT_MULTIPLE_HEADS,
	AG_OUT_STAMP,
	AG_OUT_OVERLAP,
	AG_OUT_NOT_PRESENT,
	AG_OUT_DUPLICATE,
	AG_OUT_NO_SUCH_REVISION,
	AG_OUT_MIGRATE,
	AG_OUT_GUARD,
	AG_OUT_ERROR,
};

/* The longest line text kept (bytes); longer lines are cut on a UTF-8
 * boundary and end in "...". */
#define AG_OUTSCAN_TEXT_MAX 300
/* At most this many matches are kept; the rest are only counted. */
#define AG_OUTSCAN_MAX_MATCHES 2000

struct ag_outscan_match {
	enum ag_outscan_kind kind;
	size_t line;              /* 1-based line number in the text */
	char *text;               /* malloced: the line without colours, trimmed */
	struct ag_strv revisions; /* ids the line names, in order of appearance, no repeats */
};

struct ag_outscan {
	struct ag_outscan_match *v; /* NULL or malloced */
	size_t n, cap;
	size_t dropped;             /* matches over AG_OUTSCAN_MAX_MATCHES */
	size_t lines;               /* lines read */
	struct ag_strv revisions;   /* every id named, sorted, unique */
};

/*
 * Scans len bytes of text (need not be NUL-terminated; may contain NULs)
 * and appends what it finds to s, which must be zeroed or hold an earlier
 * scan (line numbers then restart at 1 for this text). Never fails.
 */
void ag_outscan_scan(struct ag_outscan *s, const char *text, size_t len);
void ag_outscan_free(struct ag_outscan *s);

/* "cant-locate", "multiple-heads", ...: stable names for JSON. Static. */
const char *ag_outscan_kind_name(enum ag_outscan_kind kind);
/* True for the kinds that mean the release phase failed on Alembic's
 * revision map or on alembic-guard's gate (not migrate, not stamp). */
bool ag_outscan_kind_is_failure(enum ag_outscan_kind kind);

/*
 * True when s[0..n) can be a revision id that output names: 1 to 64 bytes
 * of [A-Za-z0-9_] (Alembic also allows other characters, but in free text
 * they would catch punctuation), and not one of Alembic's symbolic names
 * (head, heads, base).
 */
bool ag_outscan_is_revision(const char *s, size_t n);

/* True when some match has this kind. */
bool ag_outscan_has(const struct ag_outscan *s, enum ag_outscan_kind kind);

#endif
