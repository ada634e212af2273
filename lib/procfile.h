/*
 * procfile: a Heroku Procfile's `release:` line, found and merged as text.
 *
 * A Procfile is lines of `TYPE: COMMAND` (TYPE is letters, digits, `_`
 * and `-` from the first column, as Heroku matches them); every other line
 * (comments, blank lines, anything else) is not a process. Merging changes
 * at most the one release line and keeps every other byte of the file:
 * other process types, comments, line ends (CRLF stays CRLF) and the
 * spacing inside the release line where it does not change.
 *
 * The merged release line runs the guard: `GUARD [GLOBALS] release
 * --on-ahead CHOICE -- CMD`. When the file has no release line, one is
 * appended with the default CMD. When it has one that already runs the
 * guard's `release`, only its --on-ahead is added or changed (its other
 * options and its command stay). When it runs something else, that
 * command becomes CMD: as written when it is plain words, else through
 * `sh -c '...'`, because `release` executes its CMD without a shell while
 * Heroku runs Procfile lines through one.
 *
 * Ownership: ag_procfile_merge returns a new buffer (free with free());
 * struct ag_procfile_merge_result owns its strings and is released by
 * ag_procfile_merge_result_free, which accepts a zeroed struct. Errors
 * come back through struct ag_err: AG_ERR_USAGE when the file has several
 * release lines (a person must pick one).
 */
#ifndef AG_PROCFILE_H
#define AG_PROCFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

struct ag_procfile_merge_opts {
	const char *guard;        /* the binary as the line names it: "bin/alembic-guard" */
	const char *globals;      /* NULL, or global options for the line, already shell-quoted */
	const char *on_ahead;     /* fail, skip or auto */
	bool on_ahead_forced;     /* replace an --on-ahead the line already has */
	const char *default_cmd;  /* the command of a new line: "alembic upgrade head" */
};

enum ag_procfile_change {
	AG_PROCFILE_SAME = 0, /* the release line is already what it should be */
	AG_PROCFILE_ADD,      /* no release line (or no file): one is appended */
	AG_PROCFILE_WRAP,     /* a release line without the guard: the guard now runs it */
	AG_PROCFILE_UPDATE,   /* the guard's release line: its --on-ahead added or changed */
};

struct ag_procfile_merge_result {
	enum ag_procfile_change change;
	int line;             /* 1-based line of the release line (after the merge), 0 none */
	char *old_command;    /* NULL or malloced: the release line's command before */
	char *new_command;    /* malloced: the release line's command after */
	char *on_ahead;       /* malloced: the choice in the line after the merge */
	bool on_ahead_kept;   /* the line already had an --on-ahead, and it was kept */
};

/*
 * Merges the release line into text (len bytes, any bytes; NULL for a
 * Procfile that does not exist yet). Returns the new contents (NUL-
 * terminated, *out_len bytes), equal to text when res->change is SAME; or
 * NULL with err set. res is zeroed by the call.
 */
char *ag_procfile_merge(const char *text, size_t len, const struct ag_procfile_merge_opts *o,
                        struct ag_procfile_merge_result *res, size_t *out_len, struct ag_err *err);
void ag_procfile_merge_result_free(struct ag_procfile_merge_result *res);

/*
 * s as one shell word: unchanged when it is plain (letters, digits and
 * _ . / : = @ % + , -), else in single quotes with each ' written '\''.
 * New.
 */
char *ag_procfile_shell_word(const char *s);

#endif
