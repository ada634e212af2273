/*
 * backfill: planning a no-op placeholder migration for a revision id that
 * the database holds (or a down_revision names) and no file defines, so
 * Alembic finds the id again. The placeholder goes where the graph leaves
 * one answer (the head of the rest of the graph where the line broke off)
 * or where --after says; optionally a child is re-pointed at it. It is
 * written in the style of the project's newest migration (quotes,
 * annotations, docstring quotes, line endings), under the name
 * file_template gives, which must be one Alembic loads.
 *
 * Ownership: inputs are borrowed; actions are added to the caller's plan
 * (lib/repair). Errors come back through struct ag_err: AG_ERR_USAGE when
 * the repair is refused (the message says why and what to do instead),
 * AG_ERR_CONFIG for an unusable file_template or no version location,
 * AG_ERR_IO when a file cannot be read.
 */
#ifndef AG_BACKFILL_H
#define AG_BACKFILL_H

#include "repair.h"

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
 * base is the repository as loaded; plan may hold actions from earlier
 * calls, which this one takes as done (so several ids can be backfilled in
 * one plan). Refuses (-1, AG_ERR_USAGE; plan left as it was) when rev is
 * defined already, has characters Alembic refuses, is neither in db_rows
 * nor named by a file while db_rows is given, has no unique place and no
 * --after, when file_template gives a name Alembic would not load, or when
 * the result would have two heads or any other error the repository does
 * not have now.
 */
int ag_backfill_plan(struct ag_repair *plan, const struct ag_scripts *base,
                     const struct ag_repair_opts *ro, const struct ag_backfill_opts *o,
                     struct ag_err *err);

#endif
