/*
 * rename: planning and carrying out a rename. Planned: files renamed to
 * the project's file_template; with an old and a new id, the id changed
 * everywhere it is written (the file's revision, its docstring header,
 * every down_revision/depends_on and Revises: naming it, the file name)
 * and the UPDATE of the version table; without, duplicate files a
 * half-done rename left behind paired with the one to keep, and renames
 * the database's rows show half done. Every new name is one Alembic
 * loads.
 *
 * Carried out (ag_rename_apply): the files and the version table change
 * together or not at all. The UPDATEs run in one transaction
 * (ag_db_rename_revisions); the files are written inside it, just before
 * COMMIT; when writing a file fails the transaction is rolled back and
 * the files already written are put back, and when COMMIT fails the
 * files are put back from the plan. The outcome says exactly what state
 * the files and the database are in.
 *
 * Ownership: inputs are borrowed; actions are added to the caller's plan
 * (lib/repair); struct ag_rename_outcome owns its findings and lists
 * (ag_rename_outcome_free accepts a zeroed one). Errors come back through
 * struct ag_err: AG_ERR_USAGE when the rename is refused, AG_ERR_IO for a
 * file, AG_ERR_DB for the database.
 */
#ifndef AG_RENAME_H
#define AG_RENAME_H

#include "db.h"
#include "finding.h"
#include "repair.h"

struct ag_rename_opts {
	const char *old_id, *new_id;   /* both NULL: file names and duplicates only */
	const char *only;              /* NULL, or the one file to rename (path or name) */
	const struct ag_strv *db_rows; /* NULL: no database; else rows no file defines whose
	                                  file still carries them are renames to finish */
};

/*
 * Adds to plan: with old_id/new_id, the id change; without, every file
 * whose name does not follow the template renamed to it, duplicate files
 * paired with the one to keep, and renames db_rows shows half done.
 * Refuses (-1, AG_ERR_USAGE; plan left as it was) on an illegal new id,
 * when both or neither id is defined, when a target name exists or is one
 * Alembic would not load, or when the result would gain an error.
 */
int ag_rename_plan(struct ag_repair *plan, const struct ag_scripts *base,
                   const struct ag_repair_opts *ro, const struct ag_rename_opts *o,
                   struct ag_err *err);

/* The database step: ag_db_rename_revisions, or a stand-in in tests. */
typedef int (*ag_rename_db_fn)(struct ag_db *db, const char *schema, const char *table,
                               const struct ag_strv *old_ids, const struct ag_strv *new_ids,
                               int (*before_commit)(void *arg, struct ag_err *err), void *arg,
                               long *updated, enum ag_db_tx *tx, struct ag_err *err);

struct ag_rename_apply_opts {
	bool write;                /* change the files */
	ag_rename_db_fn db_fn;     /* NULL: leave the database alone */
	struct ag_db *db;          /* borrowed; passed to db_fn */
	const char *schema, *table; /* the version table (schema may be NULL) */
	const char *table_shown;   /* as shown in SQL fixes */
	const struct ag_strv *rows; /* the version table's rows as read */
};

struct ag_rename_outcome {
	bool written;                /* the files hold the plan now */
	bool applied;                /* the UPDATEs were committed */
	long updated;                /* rows updated; -1 when no UPDATE ran */
	bool db_unknown;             /* the connection failed during COMMIT */
	struct ag_findings findings; /* version-row-conflict, version-row-missing */
	struct ag_strv left;         /* files changed and not put back after a failure */
};

/*
 * Carries out plan: the files (o->write) and the UPDATEs of plan->sql_old
 * -> sql_new whose old row o->rows holds (o->db_fn), together. A pair
 * whose old and new rows both exist is a version-row-conflict finding and
 * then nothing at all is changed; a pair whose old row is missing is a
 * version-row-missing finding (info when the new row is there: the UPDATE
 * ran before). Returns 0 (out says what was done), or -1 with err, whose
 * message ends by saying what state the files and the database are in.
 */
int ag_rename_apply(struct ag_repair *plan, const struct ag_rename_apply_opts *o,
                    struct ag_rename_outcome *out, struct ag_err *err);
void ag_rename_outcome_free(struct ag_rename_outcome *out);

#endif
