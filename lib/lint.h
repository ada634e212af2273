/*
 * lint: the repository rules that need more than the revision graph,
 * about migrations that are valid Python in a valid graph yet break a
 * deploy or a developer's machine:
 *
 *   uuid-type-mismatch    (error) a foreign key between a native UUID
 *                         column and a string (or integer...) column:
 *                         PostgreSQL refuses it ("Key columns ... are of
 *                         incompatible types: character varying and
 *                         uuid") and the release phase stops half-way.
 *                         Between the project's UUID helper and a plain
 *                         string it is a warning: the helper gives a
 *                         native UUID where the dialect has one.
 *   uuid-dialect-type     (warning) a dialect's UUID type written
 *                         directly (postgresql.UUID) in a project that has
 *                         a helper for it: SQLite-based tests and other
 *                         databases get a different column.
 *   file-name-convention  (warning) a file name that does not contain its
 *                         revision id (nobody finds the file of an id), or
 *                         that breaks the project's own habit: its
 *                         file_template when most files follow it, else
 *                         the shape most names share (what precedes the
 *                         id: "9_" numbered, "9_9_9_9-" dated, "" plain).
 *                         Files older than the first of the habit keep the
 *                         habit of their time (a file_template changed
 *                         since); a date that is off its Create Date is
 *                         the same shape. Renaming a whole history is the
 *                         rename command's, on request.
 *   docstring-mismatch    the docstring's Revision ID:/Revises: header
 *                         disagrees with revision/down_revision ("None",
 *                         "(none)", nothing and down_revision = None
 *                         agree; a tuple is a set): info when the header
 *                         names only ids the project defines (stale:
 *                         Alembic never reads it), a warning when it names
 *                         an id no file defines.
 *   no-migrations         (error) no migration file in any version
 *                         location (ag_lint_no_migrations, called by the
 *                         loader when the graph is empty).
 *   unexpected-heads      (error) the heads are not the ones the settings'
 *                         expected_heads names.
 *
 * (multiple-bases lives in lib/graph.c with the other graph rules.)
 *
 * The UUID rules follow the schema the migrations build (lib/schema.h) in
 * upgrade order, which needs what each file's upgrade() does: the scripts
 * must be loaded with ag_scripts_read's schema_helpers, which reads it from
 * the buffer the revision variables came from (one read per file). A script
 * without a schema (not loaded so, or too large to read) is left out of the
 * UUID rules.
 *
 * Ownership: everything is borrowed; findings are appended to the caller's
 * list (copied strings).
 */
#ifndef AG_LINT_H
#define AG_LINT_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "finding.h"
#include "graph.h"
#include "schema.h"
#include "util.h"

struct ag_lint_opts {
	const char *file_template;          /* NULL: Alembic's %(rev)s_%(slug)s */
	const struct ag_strv *uuid_helpers; /* helper names; NULL: get_uuid_type */
	bool helper_configured;             /* the settings name the helper: the project has one */
	const struct ag_strv *expected_heads; /* ids or labels; NULL or empty: not checked */
	int expected_head_count;            /* 0: not checked */
};

/* Runs every rule on the graph and its scripts' schemas; appends the
 * findings to out. */
void ag_lint_run(const struct ag_graph *g, const struct ag_lint_opts *o, struct ag_findings *out);

/* The rules one at a time (files[i] is node i's file, as read by
 * ag_schema_read; NULL entries are files that could not be read). */
void ag_lint_file_names(const struct ag_graph *g,
			const struct ag_lint_opts *o, struct ag_findings *out);
void ag_lint_docstrings(const struct ag_graph *g, struct ag_findings *out);
void ag_lint_uuid(const struct ag_graph *g, const struct ag_schema_file *const *files,
		  const struct ag_lint_opts *o, struct ag_findings *out);
void ag_lint_heads(const struct ag_graph *g, const struct ag_lint_opts *o, struct ag_findings *out);

/* no-migrations (error): the version locations hold no migration file,
 * so every other rule would pass on nothing; the message names the
 * directories searched (locs), and whether from --versions (from_cli) or
 * the config at config_path (NULL: none). */
void ag_lint_no_migrations(const struct ag_strv *locs, bool recursive, bool from_cli,
			   const char *config_path, struct ag_findings *out);

#endif
