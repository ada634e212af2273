/*
 * verdict: the release gate's judgement. Takes the graph (with its
 * repository findings) and what the database's version table holds, and
 * returns the database findings, the upgrade path and the exit code that
 * decides the deploy (0 safe, 1 blocked, 5 pending with --require-at-head).
 * For each problem it names the likely cause and the exact fix: the UPDATE
 * for a renamed id, the placeholder (as `backfill` writes it) for an id a
 * down_revision still names, what to do when the database is ahead of the
 * code (a rollback or a hand-run `alembic stamp`).
 *
 * Ownership: the graph is borrowed; struct ag_verdict owns its findings and
 * arrays; ag_verdict_free releases them (accepts a zeroed struct).
 */
#ifndef AG_VERDICT_H
#define AG_VERDICT_H

#include <stdbool.h>
#include <stddef.h>

#include "finding.h"
#include "graph.h"
#include "settings.h"
#include "util.h"

struct ag_verdict_opts {
	bool target_heads;    /* the release runs `alembic upgrade heads` */
	bool require_at_head; /* exit 5 when migrations are pending and nothing else is wrong */
	bool strict;          /* warnings block too */
	const char *table;    /* version table as shown in messages (schema-qualified) */
	/* The version table for SQL fixes, quoted there by lib/quote: NULL
	 * schema for none, NULL name for alembic_version. */
	const char *table_schema, *table_name;
	/* Squashed histories: old ids production may still hold, mapped to the
	 * id that replaced each (replaces_old[i] -> replaces_new[i]). May be NULL. */
	const struct ag_strv *replaces_old, *replaces_new;
	/* NULL, or the project's settings: their ignore and severity apply to
	 * the database findings before the exit code is decided. */
	const struct ag_settings *settings;
};

struct ag_verdict {
	struct ag_findings findings; /* database findings only */
	size_t *pending;             /* NULL or malloced: node indices in upgrade order */
	size_t npending;
	struct ag_strv unknown;      /* rows that no file defines */
	bool fresh;                  /* no table, or an empty one */
	bool at_head;
	int exit_code;               /* counts the graph's findings too */
};

/*
 * Judges. rows are the version table's rows (duplicates kept);
 * table_exists false means no version table. Never fails.
 */
void ag_verdict_judge(struct ag_verdict *v, const struct ag_graph *g, bool table_exists,
		      const struct ag_strv *rows, const struct ag_verdict_opts *opts);
/* The exit code for the graph's findings alone (no database). */
int ag_verdict_repo_exit(const struct ag_graph *g, const struct ag_verdict_opts *opts);
void ag_verdict_free(struct ag_verdict *v);

#endif
