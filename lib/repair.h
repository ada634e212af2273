/*
 * repair: the two repairs that people get wrong by hand, planned as data
 * and then carried out safely.
 *
 *   backfill  a no-op placeholder migration for a revision id that the
 *             database holds (or a down_revision names) and no file
 *             defines, placed where the graph leaves one answer, and
 *             optionally a child re-pointed at it;
 *   rename    files renamed to the project's file_template, a revision id
 *             changed everywhere it is written (the file, its docstring,
 *             every child's down_revision/depends_on), the matching
 *             UPDATE of the version table, and duplicate files that a
 *             half-done rename left behind.
 *
 * A plan is a list of actions (create, edit, rename, delete, or a
 * duplicate shown for a person to settle) with the text before and after,
 * so a dry run can print exact unified diffs and ag_repair_simulate can
 * parse the repository as it would be and build its graph: a plan that
 * would leave a new error (two heads, a cycle...) is refused before
 * anything is written. Edits change only the tokens they must (the span
 * of a string literal, one line of the docstring): every other byte of a
 * file is kept.
 *
 * ag_repair_apply never overwrites a file it did not mean to: new files
 * are written to a temporary file in the same directory, fsynced, and
 * linked into place (link(2) fails when the name exists); an edited file
 * is replaced by rename(2) only while it still holds the text the plan was
 * made from; a file is deleted only while it is still byte-for-byte the
 * copy it was planned as.
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

#include "err.h"
#include "finding.h"
#include "graph.h"
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

/* ---- planning -------------------------------------------------------- */

struct ag_backfill_opts {
	const char *rev;               /* the id to give a placeholder */
	const struct ag_strv *after;   /* NULL or empty: where the graph leaves one answer;
	                                  else the parents ("base" alone: none) */
	const char *repoint;           /* NULL, or a revision whose down_revision moves onto rev */
	const char *dir;               /* NULL: the first version location */
	const struct ag_strv *db_rows; /* NULL: no database was read */
};

/*
 * Adds to plan the placeholder for o->rev (and the re-pointed child).
 * base is the repository as loaded (its graph may already be built); plan
 * may hold actions from earlier calls, which this one takes as done (so
 * several ids can be backfilled in one plan). Refuses (-1, AG_ERR_USAGE)
 * when rev is defined already, has characters Alembic refuses, is neither
 * in db_rows nor named by a file while db_rows is given, has no unique
 * place and no --after, or when the result would have two heads or any
 * other error the repository does not have now.
 */
int ag_repair_backfill(struct ag_repair *plan, const struct ag_scripts *base,
                       const struct ag_repair_opts *ro, const struct ag_backfill_opts *o,
                       struct ag_err *err);

struct ag_rename_opts {
	const char *old_id, *new_id;   /* both NULL: file names and duplicates only */
	const char *only;              /* NULL, or the one file to rename (path or name) */
	const struct ag_strv *db_rows; /* NULL: no database; else rows no file defines whose
	                                  file still carries them are renames to finish */
};

/*
 * Adds to plan: with old_id/new_id, the id change (the file's revision,
 * its docstring header, every down_revision/depends_on and Revises: naming
 * old_id, the file name, the UPDATE); without, every file whose name does
 * not follow the template renamed to it, duplicate files paired with the
 * one to keep, and renames db_rows shows half done. Refuses (-1,
 * AG_ERR_USAGE) on an illegal new id, when both or neither id is defined,
 * when a target name exists, or when the result would gain an error.
 */
int ag_repair_rename(struct ag_repair *plan, const struct ag_scripts *base,
                     const struct ag_repair_opts *ro, const struct ag_rename_opts *o,
                     struct ag_err *err);

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
 * renames, deletes (DUPLICATE is never carried out). Stops at the first
 * failure (-1 with err; the actions before it stay done and are marked).
 */
int ag_repair_apply(struct ag_repair *plan, struct ag_err *err);

/* Writes a new file at path (mode 0666 less the umask): fails with EEXIST
 * in the message when anything is there. Temp file + fsync + link. */
int ag_repair_write_new(const char *path, const char *data, size_t len, struct ag_err *err);
/* Replaces path's contents, which must still be expect (elen bytes);
 * keeps the file's mode. Temp file + fsync + rename. */
int ag_repair_replace(const char *path, const char *expect, size_t elen, const char *data,
                      size_t len, struct ag_err *err);
/* Moves from to to (which must not exist), from's contents being expect;
 * with data, to gets data instead. */
int ag_repair_move(const char *from, const char *to, const char *expect, size_t elen,
                   const char *data, size_t len, struct ag_err *err);

/* ---- pieces, public for the commands and the tests -------------------- */

/* NULL when id is one Alembic accepts and a file can carry; else why not
 * (a static sentence). */
const char *ag_repair_bad_id(const char *id);
/* Alembic's slug of a message: \w+ runs joined by '_', lowered, cut at
 * truncate characters (0: 40) on a '_' boundary. New. */
char *ag_repair_slug(const char *message, int truncate);
/*
 * Alembic's file name: tmpl (Python %-format with rev, slug, epoch, year,
 * month, day, hour, minute, second) + ".py". when is the local time of
 * the Create Date. Returns a new string, or NULL with err (AG_ERR_CONFIG)
 * for a template Alembic could not expand either.
 */
char *ag_repair_file_name(const char *tmpl, const char *rev, const char *slug, time_t when,
                          struct ag_err *err);
/* True when name follows tmpl for revision rev: any slug; the date fields
 * must match when (when known, i.e. has_date), else any digits. */
bool ag_repair_name_conforms(const char *tmpl, const char *name, const char *rev, bool has_date,
                             time_t when);
/* A unified diff (3 lines of context) of a -> b; nothing when equal.
 * a_label NULL means /dev/null (a new file), b_label NULL a deleted one. */
void ag_repair_diff(const char *a_label, const char *a, size_t alen, const char *b_label,
                    const char *b, size_t blen, struct ag_buf *out);
/* UPDATE table SET version_num = 'new' WHERE version_num = 'old'; with
 * quotes doubled. New. */
char *ag_repair_sql(const char *table, const char *old_id, const char *new_id);

/* The plan for a person: each action with its diff, the SQL, the notes.
 * With diffs false, only one line per action. */
void ag_repair_render_text(const struct ag_repair *plan, const char *table, bool diffs,
                           struct ag_buf *out);
/* Adds a "repair" member (actions with diffs, sql, notes, written,
 * applied, rows_updated: -1 means not run) to the JSON object report_json
 * and appends the result to out. */
void ag_repair_render_json(const struct ag_repair *plan, const char *table, const char *report_json,
                           bool written, bool applied, long rows_updated, struct ag_buf *out);

#endif
