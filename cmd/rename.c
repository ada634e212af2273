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
#include "lib/repair.h"

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
 * Runs the plan's UPDATEs, each in its own transaction that checks the
 * row first. A row that is not there is a finding, not success. Returns 0,
 * or -1 with err when the database failed.
 */
static int apply_sql(struct ag_ctx *ctx, struct ag_gate *gate, const struct ag_repair *plan,
                     struct ag_findings *fs, long *updated, struct ag_err *err)
{
	const char *table = ag_gate_table(ctx);
	for (size_t i = 0; i < plan->sql_old.n; i++) {
		const char *old = plan->sql_old.v[i], *nw = plan->sql_new.v[i];
		bool has_old = ag_strv_has(&gate->rows, old),
		     has_new = ag_strv_has(&gate->rows, nw);
		if (has_old && has_new) {
			struct ag_finding *f =
			    ag_findings_add(fs, AG_SEV_ERROR, "version-row-conflict", old, NULL, 0,
			                    "the version table holds both %s and %s; renaming the "
			                    "row would leave two "
			                    "rows for one revision, so nothing was updated",
			                    old, nw);
			char *del = ag_quote_sql_delete(gate->table_sql, old);
			ag_finding_fix(f, "%s (after checking which one the schema is at)", del);
			free(del);
			continue;
		}
		long changed = 0;
		if (has_old && ag_db_rename_revision(gate->db, ctx->version_table_schema, table,
		                                     old, nw, &changed, err) < 0)
			return -1;
		*updated += changed;
		if (changed)
			continue;
		if (has_new) {
			ag_findings_add(
			    fs, AG_SEV_INFO, "version-row-missing", old, NULL, 0,
			    "the version table holds no row '%s' but already holds '%s': the "
			    "UPDATE ran before, so 0 rows were updated",
			    old, nw);
		} else {
			char *all = ag_strv_join(&gate->rows, ", ");
			struct ag_finding *f =
			    ag_findings_add(fs, AG_SEV_ERROR, "version-row-missing", old, NULL, 0,
			                    "the version table holds no row '%s' (it holds: %s): 0 "
			                    "rows were updated",
			                    old, gate->rows.n ? all : "nothing");
			ag_finding_fix(
			    f,
			    "check the database URL and --version-table; if the database "
			    "never ran %s, no UPDATE is needed",
			    old);
			free(all);
		}
	}
	return 0;
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

	int rc = AG_EXIT_OK;
	struct ag_err err = {0};
	struct ag_gate gate;
	struct ag_gate_opts go = {.need_db = st.apply, .keep_db = st.apply};
	struct ag_repair plan = {0};
	struct ag_repair_result res = {0};
	struct ag_verdict after = {0};
	struct ag_findings all = {0}, dbf = {0};
	struct ag_strv rows_after = {0};
	bool judged = false, written = false, applied = false;
	long updated = -1;
	if (ag_gate_run(ctx, &go, &gate, &err) < 0) {
		rc = ag_cmd_fail(ctx, "rename", &err);
		goto out;
	}
	if (gate.db_checked && !gate.db_reachable) {
		if (st.apply) {
			ag_cmd_warn(
			    "rename: the database could not be read: %s; nothing was changed",
			    gate.db_error ? gate.db_error : "unknown error");
			rc = gate.exit_code ? gate.exit_code : AG_EXIT_DB;
			goto out;
		}
		ag_cmd_warn("rename: the database could not be read (%s); working from the files "
		            "alone",
		            gate.db_error ? gate.db_error : "unknown error");
	}
	const struct ag_strv *rows = gate.db_reachable ? &gate.rows : NULL;
	struct ag_repair_opts ro = {
	    .locations = &ctx->locations,
	    .recursive = ctx->recursive || ctx->config.recursive,
	    .file_template = ctx->config.file_template,
	    .defines = &ctx->defines,
	    .graph = {.heads_ok = ctx->heads_ok},
	};
	ag_cmd_now(&ro.now, &ro.now_usec);
	struct ag_rename_opts rn = {
	    .old_id = st.old_id, .new_id = new_id, .only = st.only, .db_rows = rows};
	if (ag_repair_rename(&plan, &ctx->scripts, &ro, &rn, &err) < 0) {
		rc = ag_gate_refuse_repair(ctx, "rename", &gate, &err);
		goto out;
	}
	bool file_actions = false;
	for (size_t k = 0; k < plan.n; k++)
		file_actions |= plan.v[k].kind != AG_REPAIR_DUPLICATE;
	/* The database must not move to an id the files do not define yet. */
	if (st.apply && !st.write && file_actions) {
		for (size_t k = 0; k < plan.sql_old.n; k++) {
			if (ag_graph_find(ctx->graph, plan.sql_old.v[k]) != AG_NONE) {
				ag_err_set(
				    &err, AG_ERR_USAGE,
				    "--apply without --write: the files still define %s, so the "
				    "UPDATE would leave the database at %s, which no file defines "
				    "yet; pass --write too (or deploy the renamed files first)",
				    plan.sql_old.v[k], plan.sql_new.v[k]);
				rc = ag_gate_refuse_repair(ctx, "rename", &gate, &err);
				goto out;
			}
		}
	}

	/* What it will do, before doing it. */
	if (ctx->format != AG_FORMAT_JSON) {
		struct ag_buf b = {0};
		ag_repair_render_text(&plan, gate.table_sql, !ctx->quiet, &b);
		if (!plan.n && !plan.sql_old.n)
			ag_buf_adds(&b, "nothing to rename: every file follows file_template\n");
		if (b.len)
			fwrite(b.p, 1, b.len, ctx->out);
		ag_buf_free(&b);
		fflush(ctx->out);
	}
	if (st.write && file_actions) {
		if (ag_repair_apply(&plan, &err) < 0) {
			for (size_t k = 0; k < plan.n; k++)
				if (plan.v[k].done)
					ag_cmd_warn("rename: %s was changed before the failure",
					            plan.v[k].path);
			rc = ag_cmd_fail(ctx, "rename", &err);
			goto out;
		}
		written = true;
		if (ctx->format != AG_FORMAT_JSON)
			for (size_t k = 0; k < plan.n; k++) {
				const struct ag_repair_action *a = &plan.v[k];
				if (a->kind == AG_REPAIR_RENAME)
					fprintf(ctx->out, "renamed %s -> %s\n", a->path,
					        a->new_path);
				else if (a->kind == AG_REPAIR_EDIT)
					fprintf(ctx->out, "edited %s\n", a->path);
				else if (a->kind == AG_REPAIR_DELETE)
					fprintf(ctx->out, "deleted %s\n", a->path);
			}
	}
	if (st.apply && plan.sql_old.n) {
		updated = 0;
		if (apply_sql(ctx, &gate, &plan, &dbf, &updated, &err) < 0) {
			if (written)
				ag_cmd_warn(
				    "rename: the files were written, but the database still holds "
				    "the old id; run: alembic-guard rename --id %s %s --apply",
				    plan.sql_old.v[0], plan.sql_new.v[0]);
			rc = ag_cmd_fail(ctx, "rename", &err);
			goto out;
		}
		applied = true;
		if (ctx->format != AG_FORMAT_JSON)
			fprintf(ctx->out, "updated %ld row%s of %s\n", updated,
			        updated == 1 ? "" : "s", gate.table);
	}
	if (ctx->format != AG_FORMAT_JSON && (plan.n || plan.sql_old.n)) {
		if (!written && file_actions)
			fprintf(ctx->out, "dry run: no file was changed; run again with --write to "
			                  "change them.\n");
		if (!applied && plan.sql_old.n)
			fprintf(ctx->out, "the database was not changed; --apply runs the UPDATE "
			                  "(in one transaction that checks the row first).\n");
	}

	/* The repository and the database as they are (or, in a dry run,
	 * would be) after the repair. */
	if (ag_repair_simulate(&plan, &ctx->scripts, &ro, &res, &err) < 0) {
		rc = ag_cmd_fail(ctx, "rename", &err);
		goto out;
	}
	ag_findings_copy(&all, &res.graph->findings);
	ag_findings_copy(&all, &dbf);
	struct ag_verdict_opts vo;
	ag_gate_verdict_opts(ctx, gate.table, &vo);
	if (rows) {
		if (applied) {
			bool exists = false;
			if (ag_db_read_versions(gate.db, ctx->version_table_schema,
			                        ag_gate_table(ctx), &exists, &rows_after,
			                        &err) < 0) {
				rc = ag_cmd_fail(ctx, "rename", &err);
				goto out;
			}
		} else {
			/* A dry run shows the rows as the UPDATEs would leave them;
			 * with --write alone, as they are (the deploy stays blocked
			 * until the UPDATE runs). */
			for (size_t k = 0; k < rows->n; k++) {
				const char *row = rows->v[k];
				for (size_t m = 0; !st.write && m < plan.sql_old.n; m++)
					if (strcmp(row, plan.sql_old.v[m]) == 0)
						row = plan.sql_new.v[m];
				ag_strv_push(&rows_after, row);
			}
		}
		ag_verdict_judge(&after, res.graph, gate.table_exists, &rows_after, &vo);
		judged = true;
		ag_findings_copy(&all, &after.findings);
		rc = after.exit_code;
	} else {
		rc = ag_verdict_repo_exit(res.graph, &vo);
	}
	if (ag_cmd_findings_exit(ctx, &dbf) && rc == AG_EXIT_OK)
		rc = AG_EXIT_BLOCKED;
	ag_findings_sort(&all);
	ag_strv_sort(&rows_after);
	struct ag_report r;
	ag_gate_report(ctx, &gate, "rename", &r);
	r.exit_code = rc;
	r.graph = res.graph;
	r.findings = &all;
	if (judged)
		r.db_rows = &rows_after;
	r.pending = judged ? after.pending : NULL;
	r.npending = judged ? after.npending : 0;
	r.path_unknown = judged && after.unknown.n > 0;
	if (ctx->format == AG_FORMAT_JSON) {
		ag_gate_emit_repair(ctx, &r, &plan, gate.table_sql, written, applied, updated);
	} else {
		/* Without a database read, the verdict is about the files. */
		r.db_checked = judged;
		if (!ctx->quiet)
			fprintf(ctx->out, "\n%s:\n",
			        written || applied ? "the repository now"
			                           : "the repository after these changes");
		ag_cmd_emit(ctx, &r, AG_STYLE_LIST);
	}
out:
	ag_verdict_free(&after);
	ag_findings_free(&all);
	ag_findings_free(&dbf);
	ag_strv_free(&rows_after);
	ag_repair_result_free(&res);
	ag_repair_free(&plan);
	ag_gate_free(&gate);
	return rc;
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
