/* alembic-guard rename: files renamed to the project's file_template; with
 * --id OLD NEW a revision id changed everywhere it is written, and the
 * version table's row with it (--apply); duplicate files a half-done
 * rename left behind. A dry run unless --write (files) / --apply (the
 * database). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gate.h"
#include "lib/quote.h"
#include "lib/rename.h"

enum { OPT_ID = 2000, OPT_ONLY, OPT_WRITE, OPT_APPLY };

static const struct ag_opt cmd_rename_options[] = {
	{OPT_ONLY, "only", 0, "FILE", "rename only this file"},
	{OPT_ID, "id", 0, "OLD NEW",
	 "change revision OLD to NEW: the file, its docstring, every down_revision/depends_on "
	 "naming OLD, the file name, and the UPDATE of the version table; also finishes a "
	 "rename that was left half done"},
	{OPT_WRITE, "write", 0, NULL,
	 "change the files (default: print them and the diffs); deletes a duplicate only when "
	 "it is an identical copy"},
	{OPT_APPLY, "apply", 0, NULL, "run the UPDATE in one transaction that checks the row"},
	AG_CMD_OPT_TARGET("heads: several heads are intended"),
	{0, NULL, 0, NULL, NULL},
};

static const struct ag_cmd_exit cmd_rename_exits[] = {
	{0, "planned (or, with --write and --apply, done)"},
	{1, "an error remains: in the files after the rename, or a version row to fix"},
	AG_CMD_EXIT_USAGE,
	{3, "the database could not be read or updated (--apply)"},
	AG_CMD_EXIT_IO,
	AG_CMD_EXIT_END,
};

struct state {
	const char *old_id;
	const char *only;
	bool write, apply;
};

static int cmd_rename_opt(struct ag_ctx *ctx, int o, const char *arg, void *sp)
{
	struct state *st = sp;
	(void)ctx;
	switch (o) {
	case OPT_ID: st->old_id = arg; return 0;
	case OPT_ONLY: st->only = arg; return 0;
	case OPT_WRITE: st->write = true; return 0;
	case OPT_APPLY: st->apply = true; return 0;
	default: return -1;
	}
}

/*
 * The command to run after a failed --write/--apply: the same one again,
 * after `check` when the database's state is unknown. New.
 */
static char *next_command(const struct ag_ctx *ctx, const struct state *st, const char *new_id,
                          bool db_unknown)
{
	const char *w[12];
	size_t n = 0;
	w[n++] = "alembic-guard";
	w[n++] = "rename";
	if (st->old_id) {
		w[n++] = "--id";
		w[n++] = st->old_id;
		w[n++] = new_id;
	}
	if (st->only) {
		w[n++] = "--only";
		w[n++] = st->only;
	}
	if (st->write)
		w[n++] = "--write";
	if (st->apply)
		w[n++] = "--apply";
	if (ctx->heads_ok) {
		w[n++] = "--target";
		w[n++] = "heads";
	}
	w[n] = NULL;
	/* Ids and paths are outside text: the command is quoted as a shell
	 * reads it (lib/quote), so it can be pasted as printed. */
	char *cmd = ag_quote_command(w);
	char *s = ag_printf("%sonce the cause above is fixed, run again: %s",
			    db_unknown ? "run `alembic-guard check` to see which rows the version "
					 "table holds now, then "
				       : "",
			    cmd);
	free(cmd);
	return s;
}

/* One rename, from the gate's read to the report. */
struct run {
	struct ag_ctx *ctx;
	const struct state *st;
	const char *new_id;
	struct ag_gate gate;
	struct ag_repair_opts ro;
	struct ag_repair plan;
	const struct ag_strv *rows; /* NULL: the database was not read */
	bool file_actions;          /* the plan changes files (not only shows duplicates) */
	bool written, applied;
	long updated;
	struct ag_findings dbf; /* what the UPDATEs found */
	struct ag_err err;
};

/* The database must not move to an id the files do not define yet. */
static int refuse_apply_alone(struct run *r)
{
	if (!r->st->apply || r->st->write || !r->file_actions)
		return 0;
	for (size_t k = 0; k < r->plan.sql_old.n; k++) {
		if (ag_graph_find(r->ctx->graph, r->plan.sql_old.v[k]) == AG_NONE)
			continue;
		ag_err_set(&r->err, AG_ERR_USAGE,
		           "--apply without --write: the files still define %s, so the UPDATE "
		           "would leave the database at %s, which no file defines yet; pass "
		           "--write too (or deploy the renamed files first)",
		           r->plan.sql_old.v[k], r->plan.sql_new.v[k]);
		return -1;
	}
	return 0;
}

/* What it will do, before doing it. */
static void show_plan(struct run *r)
{
	if (r->ctx->format == AG_FORMAT_JSON)
		return;
	struct ag_buf b = {0};
	ag_repair_render_text(&r->plan, r->gate.table_sql, !r->ctx->quiet, &b);
	if (!r->plan.n && !r->plan.sql_old.n)
		ag_buf_adds(&b, "nothing to rename: every file follows file_template\n");
	if (b.len)
		fwrite(b.p, 1, b.len, r->ctx->out);
	ag_buf_free(&b);
	fflush(r->ctx->out);
}

/*
 * The files and the database change together or not at all (lib/rename):
 * the UPDATEs run in one transaction, the files are written just before
 * its COMMIT and put back when it fails. On failure: the message (which
 * says what state things are in) and the command to run next; -1 with
 * *code the exit code.
 */
static int apply(struct run *r, int *code)
{
	struct ag_rename_apply_opts ao = {
	    .write = r->st->write && r->file_actions,
	    .db_fn = r->st->apply && r->plan.sql_old.n ? ag_db_rename_revisions : NULL,
	    .db = r->gate.db,
	    .schema = r->ctx->version_table_schema,
	    .table = ag_gate_table(r->ctx),
	    .table_shown = r->gate.table_sql,
	    .rows = &r->gate.rows,
	};
	struct ag_rename_outcome oc = {0};
	int rc = ag_rename_apply(&r->plan, &ao, &oc, &r->err);
	ag_findings_copy(&r->dbf, &oc.findings);
	r->written = oc.written;
	r->applied = oc.applied;
	r->updated = oc.updated;
	if (rc < 0) {
		char *next = next_command(r->ctx, r->st, r->new_id, oc.db_unknown);
		*code = ag_cmd_fail(r->ctx, "rename", &r->err);
		ag_cmd_warn("rename: %s", next);
		free(next);
	}
	ag_rename_outcome_free(&oc);
	return rc;
}

static void show_done(const struct run *r)
{
	FILE *out = r->ctx->out;
	if (r->ctx->format == AG_FORMAT_JSON)
		return;
	for (size_t k = 0; r->written && k < r->plan.n; k++) {
		const struct ag_repair_action *a = &r->plan.v[k];
		/* File names are outside text: shown through the one sanitizer. */
		char *path = ag_quote_visible_dup(a->path);
		char *to = ag_quote_visible_dup(a->new_path);
		if (a->kind == AG_REPAIR_RENAME)
			fprintf(out, "renamed %s -> %s\n", path, to);
		else if (a->kind == AG_REPAIR_EDIT)
			fprintf(out, "edited %s\n", path);
		else if (a->kind == AG_REPAIR_DELETE)
			fprintf(out, "deleted %s\n", path);
		free(path);
		free(to);
	}
	if (r->applied)
		fprintf(out, "updated %ld row%s of %s\n", r->updated, r->updated == 1 ? "" : "s",
		        r->gate.table);
	if (!r->plan.n && !r->plan.sql_old.n)
		return;
	if (!r->written && r->file_actions)
		fprintf(out, "dry run: no file was changed; run again with --write to change "
		             "them.\n");
	if (!r->applied && r->plan.sql_old.n)
		fprintf(out, "the database was not changed; --apply runs the UPDATE (in one "
		             "transaction that checks the row first).\n");
}

/* The version table's rows after the repair: read again when applied; in
 * a dry run, as the UPDATEs would leave them; with --write alone, as they
 * are (the deploy stays blocked until the UPDATE runs). */
static int rows_after(struct run *r, struct ag_strv *out)
{
	if (r->applied) {
		bool exists = false;
		return ag_db_read_versions(r->gate.db, r->ctx->version_table_schema,
		                           ag_gate_table(r->ctx), &exists, out, &r->err);
	}
	for (size_t k = 0; k < r->rows->n; k++) {
		const char *row = r->rows->v[k];
		for (size_t m = 0; !r->st->write && m < r->plan.sql_old.n; m++)
			if (strcmp(row, r->plan.sql_old.v[m]) == 0)
				row = r->plan.sql_new.v[m];
		ag_strv_push(out, row);
	}
	return 0;
}

/* The repository and the database as they are (or, in a dry run, would
 * be) after the repair: judged and reported. Returns the exit code. */
static int report(struct run *r)
{
	struct ag_ctx *ctx = r->ctx;
	struct ag_repair_result res = {0};
	struct ag_verdict after = {0};
	struct ag_findings all = {0};
	struct ag_strv rows = {0};
	bool judged = false;
	int rc;
	if (ag_repair_simulate(&r->plan, &ctx->scripts, &r->ro, &res, &r->err) < 0) {
		rc = ag_cmd_fail(ctx, "rename", &r->err);
		goto out;
	}
	ag_findings_copy(&all, &res.graph->findings);
	ag_findings_copy(&all, &r->dbf);
	struct ag_verdict_opts vo;
	ag_gate_verdict_opts(ctx, r->gate.table, &vo);
	if (r->rows) {
		if (rows_after(r, &rows) < 0) {
			rc = ag_cmd_fail(ctx, "rename", &r->err);
			goto out;
		}
		ag_verdict_judge(&after, res.graph, r->gate.table_exists, &rows, &vo);
		judged = true;
		ag_findings_copy(&all, &after.findings);
		rc = after.exit_code;
	} else {
		rc = ag_verdict_repo_exit(res.graph, &vo);
	}
	if (ag_cmd_findings_exit(ctx, &r->dbf) && rc == AG_EXIT_OK)
		rc = AG_EXIT_BLOCKED;
	ag_findings_sort(&all);
	ag_strv_sort(&rows);
	struct ag_report rep;
	ag_gate_report(ctx, &r->gate, "rename", &rep);
	rep.exit_code = rc;
	rep.graph = res.graph;
	rep.findings = &all;
	if (judged)
		rep.db_rows = &rows;
	rep.pending = judged ? after.pending : NULL;
	rep.npending = judged ? after.npending : 0;
	rep.path_unknown = judged && after.unknown.n > 0;
	if (ctx->format == AG_FORMAT_JSON) {
		ag_gate_emit_repair(ctx, &rep, &r->plan, r->gate.table_sql, r->written, r->applied,
		                    r->updated);
	} else {
		/* Without a database read, the verdict is about the files. */
		rep.db_checked = judged;
		if (!ctx->quiet)
			fprintf(ctx->out, "\n%s:\n",
			        r->written || r->applied ? "the repository now"
			                                 : "the repository after these changes");
		ag_cmd_emit(ctx, &rep, AG_STYLE_LIST);
	}
out:
	ag_verdict_free(&after);
	ag_findings_free(&all);
	ag_strv_free(&rows);
	ag_repair_result_free(&res);
	return rc;
}

/* Reads the gate, plans, shows, applies, reports. */
static int run(struct ag_ctx *ctx, const struct state *st, const char *new_id)
{
	struct run r = {.ctx = ctx, .st = st, .new_id = new_id, .updated = -1};
	struct ag_gate_opts go = {.need_db = st->apply, .keep_db = st->apply};
	int rc;
	if (ag_gate_run(ctx, &go, &r.gate, &r.err) < 0) {
		rc = ag_cmd_fail(ctx, "rename", &r.err);
		goto out;
	}
	if (r.gate.db_checked && !r.gate.db_reachable) {
		const char *why = r.gate.db_error ? r.gate.db_error : "unknown error";
		if (st->apply) {
			ag_cmd_warn("rename: the database could not be read: %s; nothing was changed",
			            why);
			rc = r.gate.exit_code ? r.gate.exit_code : AG_EXIT_DB;
			goto out;
		}
		ag_cmd_warn("rename: the database could not be read (%s); working from the files "
		            "alone",
		            why);
	}
	r.rows = r.gate.db_reachable ? &r.gate.rows : NULL;
	r.ro = (struct ag_repair_opts){
	    .locations = &ctx->locations,
	    .recursive = ctx->recursive || ctx->config.recursive,
	    .file_template = ctx->config.file_template,
	    .defines = &ctx->defines,
	    .graph = {.heads_ok = ctx->heads_ok},
	};
	ag_cmd_now(&r.ro.now, &r.ro.now_usec);
	struct ag_rename_opts rn = {
	    .old_id = st->old_id, .new_id = new_id, .only = st->only, .db_rows = r.rows};
	if (ag_rename_plan(&r.plan, &ctx->scripts, &r.ro, &rn, &r.err) < 0) {
		rc = ag_gate_refuse_repair(ctx, "rename", &r.gate, &r.err);
		goto out;
	}
	for (size_t k = 0; k < r.plan.n; k++)
		r.file_actions |= r.plan.v[k].kind != AG_REPAIR_DUPLICATE;
	if (refuse_apply_alone(&r) < 0) {
		rc = ag_gate_refuse_repair(ctx, "rename", &r.gate, &r.err);
		goto out;
	}
	show_plan(&r);
	if (apply(&r, &rc) < 0)
		goto out;
	show_done(&r);
	rc = report(&r);
out:
	ag_findings_free(&r.dbf);
	ag_repair_free(&r.plan);
	ag_gate_free(&r.gate);
	return rc;
}

static int cmd_rename_exec(struct ag_ctx *ctx, void *sp, int argc, char **argv)
{
	struct state st = *(struct state *)sp;
	const char *new_id = NULL;
	if (st.old_id) {
		if (argc != 1)
			return ag_cmd_error(ctx, AG_EXIT_USAGE, "usage",
					    "--id wants the old and the new id: rename --id OLD NEW");
		new_id = argv[0];
		if (st.only)
			return ag_cmd_error(ctx, AG_EXIT_USAGE, "usage",
					    "--id and --only do not go together (--id renames the "
					    "file that defines the id)");
	} else if (argc > 0) {
		return ag_cmd_error(ctx, AG_EXIT_USAGE, "usage",
				    "takes no operands ('%s'); did you mean --id OLD NEW?", argv[0]);
	}

	return run(ctx, &st, new_id);
}

const struct ag_cmd_entry ag_cmd_rename = {
	.name = "rename",
	.summary = "rename files to file_template, change a revision id everywhere, and print (or "
		   "run) the UPDATE alembic_version",
	.options = cmd_rename_options,
	.max_operands = 1, /* NEW, the second value of --id; checked by the command */
	.flags = AG_CMD_NEEDS_REPO,
	.exits = cmd_rename_exits,
	.notes = "Without --id and with a database, rows that no file defines but that a file\n"
		 "still carries (in its docstring or name) are renames to finish.\n",
	.state_size = sizeof(struct state),
	.opt = cmd_rename_opt,
	.exec = cmd_rename_exec,
};
