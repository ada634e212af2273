/*
 * init: what `alembic-guard init` sets up in a project, planned as data and
 * then written safely.
 *
 *   Procfile  the `release:` line that runs the guard (lib/procfile.h
 *             merges it: other process types and comments are kept);
 *   rollbacks the line's --on-ahead: auto when a Platform API token is at
 *             hand (the guard can then ask whether a release is a
 *             rollback), else skip, so that `heroku rollback` across a
 *             migration works; a choice the line already has is kept;
 *   settings  a commented [tool.alembic-guard] table (pyproject.toml) or
 *             [alembic-guard] section (alembic.ini), in the file the guard
 *             reads its settings from, with the detected target: heads when
 *             the graph has several heads that each carry a branch label of
 *             their own (an expand/contract layout), else head.
 *
 * Nothing is written by ag_init_plan; ag_init_apply writes each changed
 * file through lib/repair.h's atomic writers (a new file is linked into
 * place and never overwrites one; an edited file is replaced only while
 * it still holds the text the plan was made from).
 *
 * Ownership: struct ag_init owns every string in it; ag_init_free accepts
 * a zeroed struct. ag_init_plan borrows its options (and the graph).
 * Errors come back through struct ag_err: AG_ERR_USAGE when the files are
 * in a state a person must settle (two release lines), AG_ERR_IO when a
 * file cannot be read or written.
 */
#ifndef AG_INIT_H
#define AG_INIT_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "graph.h"
#include "settings.h"
#include "util.h"

struct ag_init_opts {
	const char *procfile;       /* the Procfile's path ("Procfile") */
	const char *settings_path;  /* the config the guard reads, or NULL: no settings written */
	bool settings_toml;         /* a pyproject.toml ([tool.alembic-guard]), else an ini */
	bool settings_present;      /* the config already holds guard settings */
	const char *globals;        /* NULL, or the release line's global options, shell-quoted */
	const char *on_ahead;       /* NULL: chosen from heroku_key; else fail, skip or auto */
	bool heroku_key;            /* a Platform API token is set where init runs */
	const struct ag_graph *graph; /* NULL: no repository read (target head) */
	enum ag_target target;      /* UNSET: detect from the graph */
	const char *target_from;    /* what fixed target when not UNSET: "--target", a file */
};

struct ag_init_file {
	char *path;        /* malloced */
	bool existed;
	char *old_text;    /* NULL or malloced (old_len bytes) */
	size_t old_len;
	char *new_text;    /* NULL (unchanged) or malloced (new_len bytes) */
	size_t new_len;
	char *what;        /* malloced: one sentence on what changes, or why nothing */
	bool done;         /* written by ag_init_apply */
};

struct ag_init {
	struct ag_init_file procfile;
	struct ag_init_file settings;  /* path NULL when no settings file is known */
	char *on_ahead;                /* malloced: fail, skip or auto */
	char *on_ahead_why;            /* malloced: the choice explained */
	enum ag_target target;         /* HEAD or HEADS */
	char *target_why;              /* malloced */
	struct ag_strv expected;       /* the labels written as expected_heads */
	struct ag_strv notes;          /* what a person should know besides */
};

/* Plans everything (reads the Procfile and the settings file). plan is
 * zeroed by the call. Returns 0, or -1 with err set (plan freed). */
int ag_init_plan(struct ag_init *plan, const struct ag_init_opts *o, struct ag_err *err);
/* Writes each changed file not written yet; stops at the first failure
 * (-1 with err; files written before it stay marked done). */
int ag_init_apply(struct ag_init *plan, struct ag_err *err);
/* The plan for a person: each file with its diff, the choices explained,
 * the notes, then what was written (the files marked done) or, when write
 * is false, that this was a dry run. */
void ag_init_render_text(const struct ag_init *plan, bool write, struct ag_buf *out);
/* The plan as the command's JSON object (format_version 1); err (NULL
 * when none) adds the "error" member of a failed run. */
void ag_init_render_json(const struct ag_init *plan, bool written, int exit_code,
                         const struct ag_err *err, struct ag_buf *out);
/* The JSON object of a run that failed before it had a plan. */
void ag_init_render_error(const struct ag_err *err, int exit_code, struct ag_buf *out);
void ag_init_free(struct ag_init *plan);

/* ---- pieces, public for the tests ------------------------------------- */

/*
 * The target the graph asks for: HEADS when it has several heads and each
 * carries a branch label no other head carries (one such label per head
 * goes to labels, sorted), else HEAD. *why (new) explains it.
 */
enum ag_target ag_init_detect_target(const struct ag_graph *g, struct ag_strv *labels,
                                     char **why);
/* The commented settings block for a TOML or ini file. New. */
char *ag_init_settings_block(bool toml, enum ag_target target, const struct ag_strv *labels);
/* True when text (len bytes) already has the guard's table or section. */
bool ag_init_has_settings(const char *text, size_t len, bool toml);

#endif
