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
#include "lib/rename.h"

enum { OPT_ID = 2000, OPT_ONLY, OPT_WRITE, OPT_APPLY, OPT_TARGET };

static const struct option opts[] = {
    {"id", required_argument, NULL, OPT_ID},         {"only", required_argument, NULL, OPT_ONLY},
    {"write", no_argument, NULL, OPT_WRITE},         {"apply", no_argument, NULL, OPT_APPLY},
    {"target", required_argument, NULL, OPT_TARGET}, {NULL, 0, NULL, 0},
};

struct state {
	const char *old_id;
	const char *only;
	bool write, apply;
};

static int opt(struct ag_ctx *ctx, int o, const char *arg, void *sp)
{
	struct state *st = sp;
	switch (o) {
	case OPT_ID: st->old_id = arg; return 0;
	case OPT_ONLY: st->only = arg; return 0;
	case OPT_WRITE: st->write = true; return 0;
	case OPT_APPLY: st->apply = true; return 0;
	case OPT_TARGET:
		return ag_cmd_parse_target(ctx, arg);
	default: return -1;
	}
}

/*
 * The command to run after a failed --write/--apply: the same one again,
 * after `check` when the database's state is unknown. New.
 */
static char *next_command(const struct state *st, const char *new_id, bool db_unknown)
{
	struct ag_buf b = {0};
	ag_buf_adds(&b, "");
	if (db_unknown)
		ag_buf_adds(&b, "run `alembic-guard check` to see which rows the version table "
		                "holds now, then ");
	ag_buf_adds(&b, "run again: alembic-guard rename");
	if (st->old_id)
		ag_buf_addf(&b, " --id %s %s", st->old_id, new_id);
	if (st->only)
		ag_buf_addf(&b, " --only %s", st->only);
	if (st->write)
		ag_buf_adds(&b, " --write");
	if (st->apply)
		ag_buf_adds(&b, " --apply");
	return ag_buf_take(&b);
}

static int exec(struct ag_ctx *ctx, int argc, char **argv)
{
	struct state st = {0};
	int i = ag_cmd_getopt(ctx, &ag_cmd_rename, argc, argv, opts, "", opt, &st);
	if (i < 0)
		return i == -2 ? AG_EXIT_OK : AG_EXIT_USAGE;
	const char *new_id = NULL;
	if (st.old_id) {
		if (argc - i != 1) {
			ag_cmd_warn(
			    "rename: --id wants the old and the new id: rename --id OLD NEW");
			return AG_EXIT_USAGE;
		}
		new_id = argv[i];
		if (st.only) {
			ag_cmd_warn(
			    "rename: --id and --only do not go together (--id renames the file "
			    "that defines the id)");
			return AG_EXIT_USAGE;
		}
	} else if (i < argc) {
		ag_cmd_warn("rename takes no operands ('%s'); did you mean --id OLD NEW?", argv[i]);
		return AG_EXIT_USAGE;
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
	if (ag_rename_plan(&plan, &ctx->scripts, &ro, &rn, &err) < 0) {
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
		ag_repair_render_text(&plan, gate.table, !ctx->quiet, &b);
		if (!plan.n && !plan.sql_old.n)
			ag_buf_adds(&b, "nothing to rename: every file follows file_template\n");
		if (b.len)
			fwrite(b.p, 1, b.len, ctx->out);
		ag_buf_free(&b);
		fflush(ctx->out);
	}
	/* The files and the database change together or not at all
	 * (lib/rename): the UPDATEs run in one transaction, the files are
	 * written just before its COMMIT and put back when it fails. */
	struct ag_rename_apply_opts ao = {
	    .write = st.write && file_actions,
	    .db_fn = st.apply && plan.sql_old.n ? ag_db_rename_revisions : NULL,
	    .db = gate.db,
	    .schema = ctx->version_table_schema,
	    .table = ag_gate_table(ctx),
	    .table_shown = gate.table,
	    .rows = &gate.rows,
	};
	struct ag_rename_outcome oc = {0};
	int arc = ag_rename_apply(&plan, &ao, &oc, &err);
	ag_findings_copy(&dbf, &oc.findings);
	written = oc.written;
	applied = oc.applied;
	updated = oc.updated;
	bool db_unknown = oc.db_unknown;
	ag_rename_outcome_free(&oc);
	if (arc < 0) {
		char *next = next_command(&st, new_id, db_unknown);
		rc = ag_cmd_fail(ctx, "rename", &err);
		ag_cmd_warn("rename: %s", next);
		free(next);
		goto out;
	}
	if (written && ctx->format != AG_FORMAT_JSON)
		for (size_t k = 0; k < plan.n; k++) {
			const struct ag_repair_action *a = &plan.v[k];
			if (a->kind == AG_REPAIR_RENAME)
				fprintf(ctx->out, "renamed %s -> %s\n", a->path, a->new_path);
			else if (a->kind == AG_REPAIR_EDIT)
				fprintf(ctx->out, "edited %s\n", a->path);
			else if (a->kind == AG_REPAIR_DELETE)
				fprintf(ctx->out, "deleted %s\n", a->path);
		}
	if (applied && ctx->format != AG_FORMAT_JSON)
		fprintf(ctx->out, "updated %ld row%s of %s\n", updated, updated == 1 ? "" : "s",
		        gate.table);
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
		ag_gate_emit_repair(ctx, &r, &plan, gate.table, written, applied, updated);
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
    .usage = "[--only FILE] [--id OLD NEW] [--write] [--apply]",
    .summary = "rename files to file_template, change a revision id everywhere, and print (or "
               "run) the UPDATE alembic_version",
    .options =
        "      --only FILE             rename only this file\n"
        "      --id OLD NEW            change revision OLD to NEW: the file, its docstring,\n"
        "                              every down_revision/depends_on naming OLD, the file\n"
        "                              name, and the UPDATE of the version table; also\n"
        "                              finishes a rename that was left half done\n"
        "      --write                 change the files (default: print them and the diffs);\n"
        "                              deletes a duplicate only when it is an identical copy\n"
        "      --apply                 run the UPDATE in one transaction that checks the row\n"
        "      --target head|heads     heads: several heads are intended\n"
        "Without --id and with a database, rows that no file defines but that a file still\n"
        "carries (in its docstring or name) are renames to finish.\n",
    .exec = exec,
};
