/*
 * repair: a repair planned as data, then carried out safely. The plan is
 * shared by the two repairs people get wrong by hand, each planned in its
 * own module: lib/backfill (a no-op placeholder for a revision id no file
 * defines) and lib/rename (files renamed to file_template, a revision id
 * changed everywhere it is written, duplicate copies a half-done rename
 * left behind, and the UPDATE of the version table).
 *
 * A plan is a list of actions (create, edit, rename, delete, or a
 * duplicate shown for a person to settle) with the text before and after,
 * so a dry run can print exact unified diffs (lib/diff) and
 * ag_repair_simulate can parse the repository as it would be and build
 * its graph: a plan that would leave a new error (two heads, a cycle...)
 * is refused before anything is written. Edits change only the tokens
 * they must (lib/pyedit): every other byte of a file is kept.
 *
 * ag_repair_apply never overwrites a file it did not mean to (lib/atomic)
 * and is all or nothing: what it did before a failure is undone from the
 * texts in the plan. After it succeeds, the __pycache__ bytecode of each
 * file it edited, renamed or deleted is removed: Python trusts a .pyc whose
 * recorded size and mtime match, which a same-second, same-size edit keeps,
 * and Alembic with sourceless=true would load a renamed file's old .pyc.
 *
 * Ownership: struct ag_repair owns every string in it; ag_repair_free
 * accepts a zeroed plan. Planning functions borrow their inputs. Errors
 * come back through struct ag_err: AG_ERR_USAGE when the repair is refused
 * (the message says why and what to do instead), AG_ERR_IO when a file
 * cannot be read or written.
 */
#ifndef AG_REPAIR_H
#define AG_REPAIR_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include "err.h"
#include "finding.h"
#include "graph.h"
#include "pyedit.h"
#include "script.h"
#include "util.h"

enum ag_repair_kind {
	AG_REPAIR_CREATE,    /* path is created with new_text */
	AG_REPAIR_EDIT,      /* path's old_text becomes new_text, in place */
	AG_REPAIR_RENAME,    /* path moves to new_path (and becomes new_text when set) */
	AG_REPAIR_DELETE,    /* path, a byte-for-byte copy of keep, is deleted */
	AG_REPAIR_DUPLICATE, /* path defines keep's id but differs: shown, never deleted */
};

struct ag_repair_action {
	enum ag_repair_kind kind;
	char *path;     /* malloced: the file (CREATE: the file to create) */
	char *new_path; /* NULL or malloced: RENAME's new name */
	char *keep;     /* NULL or malloced: DELETE/DUPLICATE: the file that stays */
	char *revision; /* NULL or malloced: the revision the file defines */
	char *old_text; /* NULL or malloced: the contents the plan was made from */
	size_t old_len;
	char *new_text; /* NULL or malloced: the contents to write (NULL: unchanged);
	                   DELETE/DUPLICATE: keep's contents, for the check and the diff */
	size_t new_len;
	char *why; /* malloced: one sentence for the person reading the plan */
	bool done; /* set by ag_repair_apply once carried out */
};

struct ag_repair {
	struct ag_repair_action *v; /* NULL or malloced */
	size_t n, cap;
	struct ag_strv sql_old, sql_new; /* version table renames: sql_old[i] -> sql_new[i] */
	struct ag_strv notes;            /* what the plan decided and why, one sentence each */
};

void ag_repair_free(struct ag_repair *plan);

/* What both repairs need to know about the project. All borrowed. */
struct ag_repair_opts {
	const struct ag_strv *locations; /* the version locations, in order */
	bool recursive;                  /* subfolders of the locations count */
	const char *file_template;       /* NULL: Alembic's %(rev)s_%(slug)s */
	const struct ag_defines *defines;
	struct ag_graph_opts graph; /* heads_ok: several heads are intended */
	time_t now;                 /* Create Date of new files (local time) */
	long now_usec;
};

/* ---- the repository as the plan would leave it ----------------------- */

struct ag_repair_result {
	struct ag_scripts scripts;
	struct ag_graph *graph; /* NULL until built; borrows scripts */
};

/* Parses every file as it would be after plan (unchanged ones are read
 * again from disk) and builds the graph. Returns 0, or -1 (AG_ERR_IO). */
int ag_repair_simulate(const struct ag_repair *plan, const struct ag_scripts *base,
                       const struct ag_repair_opts *ro, struct ag_repair_result *res,
                       struct ag_err *err);
void ag_repair_result_free(struct ag_repair_result *res);

/* ---- carrying it out ------------------------------------------------- */

/*
 * Carries out every action not done yet, in the order creates, edits,
 * renames, deletes (DUPLICATE is never carried out), each through
 * lib/atomic. All or nothing: at the first failure the actions carried
 * out so far are undone (ag_repair_revert) and -1 comes back with err,
 * whose message says what failed and what state the files are in; an
 * action still marked done afterwards is one that could not be put back.
 */
int ag_repair_apply(struct ag_repair *plan, struct ag_err *err);

/*
 * Undoes the done actions, newest first, from the texts in the plan: a
 * created file is removed, an edited one gets its old text back, a moved
 * one moves back, a deleted copy is written again; each only while the
 * file still holds what the plan wrote. Clears done on each action put
 * back. Returns 0 when every one was, else -1 with err (the first
 * failure) and the paths not put back pushed to left (may be NULL).
 */
int ag_repair_revert(struct ag_repair *plan, struct ag_strv *left, struct ag_err *err);

/* True when some action is done. */
bool ag_repair_any_done(const struct ag_repair *plan);

/* ---- pieces, for the planners (lib/backfill, lib/rename) and the tests -- */

/* NULL when id is one Alembic accepts and a file can carry; else why not
 * (a static sentence). */
const char *ag_repair_bad_id(const char *id);
/* UPDATE table SET version_num = 'new' WHERE version_num = 'old'; with
 * quotes doubled. New. */
char *ag_repair_sql(const char *table, const char *old_id, const char *new_id);

/* Appends a new action of kind for path (copied); the rest zeroed.
 * Borrowed from plan until the next add. */
struct ag_repair_action *ag_repair_add(struct ag_repair *plan, enum ag_repair_kind kind,
                                       const char *path);
/* Appends a note (printf format). */
void ag_repair_note(struct ag_repair *plan, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Drops actions, notes and SQL pairs past the first n, nnotes, nsql: how a
 * refused planning step leaves the plan as it found it. */
void ag_repair_truncate(struct ag_repair *plan, size_t n, size_t nnotes, size_t nsql);
/* The text of path as the plan so far leaves it (new, NUL terminated);
 * NULL with *gone when the plan deletes or moves it away; NULL with err
 * (AG_ERR_IO) when it cannot be read. */
char *ag_repair_text_of(const struct ag_repair *plan, const char *path, size_t *len, bool *gone,
                        struct ag_err *err);
/* True when the plan creates path or moves a file onto it. */
bool ag_repair_claims(const struct ag_repair *plan, const char *path);
/* True when a file is at path or the plan puts one there. */
bool ag_repair_name_taken(const struct ag_repair *plan, const char *path);
/* The working copy of path in w, read through the plan when w has none
 * yet; NULL with err. Borrowed from w. */
struct ag_pyedit_file *ag_repair_file_get(struct ag_pyedit_files *w, const struct ag_repair *plan,
                                          const char *path, struct ag_err *err);
/* Turns the working files that changed into EDIT or RENAME actions (or
 * into the CREATE/EDIT the plan already has for that path). */
void ag_repair_commit_files(struct ag_pyedit_files *w, struct ag_repair *plan);
/* Distinct heads Alembic would print (a duplicate id counts once). */
void ag_repair_real_heads(const struct ag_graph *g, struct ag_strv *out);
/* -1 with err (AG_ERR_USAGE, "what would leave the repository with an
 * error it does not have now") when after has an error finding before
 * lacks (a revision renamed from[i] -> to[i] counting as the same; heads
 * only when nothing more telling and not skip_heads); else 0. */
int ag_repair_refuse_new_errors(const struct ag_graph *before, const struct ag_graph *after,
                                const struct ag_strv *from, const struct ag_strv *to,
                                const char *what, bool skip_heads, struct ag_err *err);
/* Path pieces: the directory (new; "." for none), the base name
 * (borrowed from path), dir + "/" + name (new). */
char *ag_repair_dir_of(const char *path);
const char *ag_repair_base_of(const char *path);
char *ag_repair_join_path(const char *dir, const char *name);

/* Kept for lib/lint.c and lib/init.c until they call the modules
 * directly: these only forward to ag_atomic_write_new, ag_atomic_replace
 * (lib/atomic) and ag_diff_unified (lib/diff). File names and Create
 * Dates are lib/template's, called directly. */
int ag_repair_write_new(const char *path, const char *data, size_t len, struct ag_err *err);
int ag_repair_replace(const char *path, const char *expect, size_t elen, const char *data,
                      size_t len, struct ag_err *err);
void ag_repair_diff(const char *a_label, const char *a, size_t alen, const char *b_label,
                    const char *b, size_t blen, struct ag_buf *out);

/* The plan for a person: each action with its diff, the SQL, the notes.
 * With diffs false, only one line per action. */
void ag_repair_render_text(const struct ag_repair *plan, const char *table, bool diffs,
                           struct ag_buf *out);
/* A "repair" object (actions with diffs, sql, notes, written, applied,
 * rows_updated: -1 means not run) added to a copy of report (NULL: an
 * empty object; borrowed, not changed), rendered with two-space
 * indentation and a newline onto out. */
void ag_repair_render_json(const struct ag_repair *plan, const char *table, const json_t *report,
                           bool written, bool applied, long rows_updated, struct ag_buf *out);

#endif
