/*
 * The release gate shared by check, diagnose, release and graph: read the
 * repository, read the database's version table, judge. Kept in cmd/
 * because it decides which URL to use and how the database is described;
 * the judgement itself is lib/verdict.
 */
#ifndef AG_CMD_GATE_H
#define AG_CMD_GATE_H

#include "cmd.h"
#include "lib/db.h"
#include "lib/quote.h"
#include "lib/repair.h"
#include "lib/verdict.h"

struct ag_gate_opts {
	bool need_db;         /* no URL is a usage error (check, release) */
	bool require_at_head; /* check --require-at-head */
	bool keep_db;         /* leave the connection open in gate->db (release) */
};

struct ag_gate {
	struct ag_db *db;         /* NULL or open, when keep_db */
	bool db_checked;          /* a URL was given and we tried */
	bool db_reachable;
	bool table_exists;
	char *db_error;           /* NULL or malloced, no secrets */
	char *db_target;          /* NULL or malloced: user@host:port/db */
	char *context;            /* NULL or malloced: the Heroku app, release, commit */
	char *table;              /* malloced: schema.table as displayed */
	char *table_sql;          /* malloced: the same as SQL fixes name it (quoted) */
	struct ag_strv rows;      /* sorted for display */
	struct ag_verdict verdict;
	bool judged;              /* verdict is valid */
	struct ag_findings all;   /* graph + database findings, sorted, for the report */
	int exit_code;
};

/*
 * Runs the gate. Returns 0 when a report can be shown (exit_code says the
 * verdict; 3 when the database could not be read), or -1 when nothing
 * could be judged (err set: config or I/O error).
 */
int ag_gate_run(struct ag_ctx *ctx, const struct ag_gate_opts *o, struct ag_gate *gate,
		struct ag_err *err);
/* Fills a report from the gate. */
void ag_gate_report(struct ag_ctx *ctx, const struct ag_gate *gate, const char *command,
		    struct ag_report *r);
void ag_gate_free(struct ag_gate *gate);
/* The verdict's options from the context: target, --strict, the settings'
 * replaces, ignore and severity. table is borrowed (schema-qualified). */
void ag_gate_verdict_opts(const struct ag_ctx *ctx, const char *table,
			  struct ag_verdict_opts *vo);
/* The version table as configured: name and schema (schema may be NULL). */
const char *ag_gate_table(const struct ag_ctx *ctx);

/* backfill and rename, --format json: the report (r) with the repair plan
 * (lib/repair's JSON) on ctx->out. table: as SQL names it (gate->table_sql). rows: UPDATEs' rows, -1 when none ran. */
void ag_gate_emit_repair(struct ag_ctx *ctx, struct ag_report *r, const struct ag_repair *plan,
			 const char *table, bool written, bool applied, long rows);
/* A refused repair: the reason on stderr and, with --format json, a report
 * whose one finding is repair-refused. Returns the exit code for err. */
int ag_gate_refuse_repair(struct ag_ctx *ctx, const char *command, const struct ag_gate *gate,
			  const struct ag_err *err);

#endif
