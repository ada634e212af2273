/* alembic-guard backfill: no-op placeholder migrations for revision ids
 * that the database holds (or a down_revision names) and no file defines.
 * A dry run unless --write. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gate.h"
#include "lib/backfill.h"
#include "lib/lint.h"
#include "lib/quote.h"

enum { OPT_AFTER = 2000, OPT_REPOINT, OPT_DIR, OPT_WRITE };

static const struct ag_opt cmd_backfill_options[] = {
	{OPT_AFTER, "after", 0, "ID",
	 "the placeholder's parent (repeat, or ID,ID, for a merge; 'base' for none); without "
	 "it, only where the graph leaves one answer: after the head of the rest of the graph, "
	 "where the line of the child naming REV broke off"},
	{OPT_REPOINT, "repoint", 0, "CHILD", "move CHILD's down_revision onto the placeholder"},
	{OPT_DIR, "dir", 0, "DIR", "the version location to write into (default: the first)"},
	AG_CMD_OPT_TARGET("heads: several heads are intended"),
	{OPT_WRITE, "write", 0, NULL, "write the files (default: print them and the diffs)"},
	{0, NULL, 0, NULL, NULL},
};

static const struct ag_cmd_exit cmd_backfill_exits[] = {
	{0, "planned (or, with --write, written); the files then load"},
	{1, "the files still hold an error after the placeholders (the verdict says which)"},
	AG_CMD_EXIT_USAGE,
	{3, "the database could not be read"},
	AG_CMD_EXIT_IO,
	AG_CMD_EXIT_END,
};

struct state {
	struct ag_strv after;
	const char *repoint;
	const char *dir;
	bool write;
};

/* The lint rules on the repository as the repair leaves it, so that what
 * backfill says of it is what the next `check` says: names, docstrings and
 * heads judged again; the UUID findings carried over (a placeholder changes
 * no schema, and the simulated files are read without one). */
static void lint_after(const struct ag_ctx *ctx, struct ag_graph *g)
{
	struct ag_lint_opts lo = {
		.file_template = ctx->config.file_template,
		.uuid_helpers = &ctx->settings.uuid_helpers,
		.helper_configured = ctx->settings.uuid_helper_set,
		.expected_heads = &ctx->settings.expected_heads,
		.expected_head_count = ctx->settings.expected_head_count,
	};
	ag_lint_file_names(g, &lo, &g->findings);
	ag_lint_docstrings(g, &g->findings);
	ag_lint_heads(g, &lo, &g->findings);
	const struct ag_findings *before = &ctx->graph->findings;
	for (size_t i = 0; i < before->n; i++) {
		const struct ag_finding *f = &before->v[i];
		if (strncmp(f->code, "uuid-", 5) != 0)
			continue;
		struct ag_finding *c = ag_findings_add(&g->findings, f->severity, f->code, f->revision,
						       f->file, f->line, "%s", f->message);
		if (f->fix)
			ag_finding_fix(c, "%s", f->fix);
		if (f->detail)
			ag_finding_detail(c, "%s", f->detail);
		if (f->cause)
			ag_finding_cause(c, f->cause);
	}
	ag_settings_apply(&ctx->settings, &g->findings);
}

static int cmd_backfill_opt(struct ag_ctx *ctx, int o, const char *arg, void *sp)
{
	struct state *st = sp;
	(void)ctx;
	switch (o) {
	case OPT_AFTER:
		/* --after a,b is a merge placeholder, as is --after a --after b */
		for (const char *p = arg;;) {
			size_t n = strcspn(p, ",");
			if (n)
				ag_strv_push_take(&st->after, ag_strndup(p, n));
			if (!p[n])
				break;
			p += n + 1;
		}
		return 0;
	case OPT_REPOINT: st->repoint = arg; return 0;
	case OPT_DIR: st->dir = arg; return 0;
	case OPT_WRITE: st->write = true; return 0;
	default: return -1;
	}
}

static void cmd_backfill_state_free(void *sp)
{
	ag_strv_free(&((struct state *)sp)->after);
}

/* The Create Date of new files: now, or SOURCE_DATE_EPOCH for builds and
 * tests that must be reproducible. */
/* Ids to backfill when none are named: every id a down_revision or
 * depends_on names and no file defines, and every database row no file
 * defines. */
static void missing_ids(const struct ag_graph *g, const struct ag_strv *rows, struct ag_strv *out)
{
	for (size_t i = 0; i < g->n; i++) {
		const struct ag_script *sc = g->v[i].script;
		if (g->v[i].shadowed)
			continue;
		for (size_t k = 0; k < sc->down.n; k++)
			if (ag_graph_find(g, sc->down.v[k]) == AG_NONE &&
			    ag_graph_find_label(g, sc->down.v[k]) == AG_NONE)
				ag_strv_push(out, sc->down.v[k]);
		for (size_t k = 0; k < sc->depends.n; k++)
			if (ag_graph_find(g, sc->depends.v[k]) == AG_NONE &&
			    ag_graph_find_label(g, sc->depends.v[k]) == AG_NONE)
				ag_strv_push(out, sc->depends.v[k]);
	}
	for (size_t i = 0; rows && i < rows->n; i++)
		if (ag_graph_find(g, rows->v[i]) == AG_NONE)
			ag_strv_push(out, rows->v[i]);
	ag_strv_uniq(out);
}

/* The repository (and the database) as the repair leaves them (or, in a
 * dry run, would leave them): judged and reported. Returns the exit code. */
static int report(struct ag_ctx *ctx, struct ag_gate *gate, const struct ag_repair *plan,
                  const struct ag_repair_opts *ro, const struct ag_strv *rows, bool written)
{
	struct ag_repair_result res = {0};
	struct ag_verdict after = {0};
	struct ag_findings all = {0};
	struct ag_err err = {0};
	bool judged = false;
	int rc;
	if (ag_repair_simulate(plan, &ctx->scripts, ro, &res, &err) < 0) {
		rc = ag_cmd_fail(ctx, "backfill", &err);
		goto out;
	}
	lint_after(ctx, res.graph);
	ag_findings_copy(&all, &res.graph->findings);
	struct ag_verdict_opts vo;
	ag_gate_verdict_opts(ctx, gate->table, &vo);
	if (rows) {
		ag_verdict_judge(&after, res.graph, gate->table_exists, rows, &vo);
		judged = true;
		ag_findings_copy(&all, &after.findings);
		rc = after.exit_code;
	} else {
		rc = ag_verdict_repo_exit(res.graph, &vo);
	}
	ag_findings_sort(&all);
	struct ag_report r;
	ag_gate_report(ctx, gate, "backfill", &r);
	r.exit_code = rc;
	r.graph = res.graph;
	r.findings = &all;
	r.pending = judged ? after.pending : NULL;
	r.npending = judged ? after.npending : 0;
	r.path_unknown = judged && after.unknown.n > 0;
	if (ctx->format == AG_FORMAT_JSON) {
		ag_gate_emit_repair(ctx, &r, plan, gate->table_sql, written, false, -1);
	} else {
		/* Without a database read, the verdict is about the files. */
		r.db_checked = judged;
		if (!ctx->quiet)
			fprintf(ctx->out, "\n%s:\n",
			        written ? "the repository now" : "the repository after these changes");
		ag_cmd_emit(ctx, &r, AG_STYLE_LIST);
	}
out:
	ag_verdict_free(&after);
	ag_findings_free(&all);
	ag_repair_result_free(&res);
	return rc;
}

static int cmd_backfill_exec(struct ag_ctx *ctx, void *sp, int argc, char **argv)
{
	struct state st = *(struct state *)sp; /* steals st.after */
	struct ag_strv revs = {0};
	for (int i = 0; i < argc; i++)
		if (!ag_strv_has(&revs, argv[i]))
			ag_strv_push(&revs, argv[i]);
	if ((st.after.n || st.repoint) && revs.n != 1) {
		ag_cmd_error(ctx, AG_EXIT_USAGE, "usage",
			     "--after and --repoint apply to one revision; name exactly one");
		ag_strv_free(&revs);
		ag_strv_free(&st.after);
		return AG_EXIT_USAGE;
	}

	int rc = AG_EXIT_OK;
	struct ag_err err = {0};
	struct ag_gate gate;
	struct ag_gate_opts go = {.need_db = false};
	struct ag_repair plan = {0};
	if (ag_gate_run(ctx, &go, &gate, &err) < 0) {
		rc = ag_cmd_fail(ctx, "backfill", &err);
		goto out;
	}
	if (gate.db_checked && !gate.db_reachable)
		ag_cmd_warn("backfill: the database could not be read (%s); working from the ids "
		            "given and the files alone",
		            gate.db_error ? gate.db_error : "unknown error");
	const struct ag_strv *rows = gate.db_reachable ? &gate.rows : NULL;
	if (!revs.n)
		missing_ids(ctx->graph, rows, &revs);
	if (!revs.n) {
		if (ctx->format == AG_FORMAT_JSON) {
			struct ag_report r;
			ag_gate_report(ctx, &gate, "backfill", &r);
			r.exit_code = gate.exit_code;
			ag_gate_emit_repair(ctx, &r, &plan, gate.table_sql, false, false, -1);
		} else if (!ctx->quiet) {
			fprintf(ctx->out,
			        "nothing to backfill: every id that a file or the database "
			        "names is defined\n");
		}
		rc = gate.exit_code;
		goto out;
	}

	struct ag_repair_opts ro = {
	    .locations = &ctx->locations,
	    .recursive = ctx->recursive || ctx->config.recursive,
	    .file_template = ctx->config.file_template,
	    .defines = &ctx->defines,
	    .graph = {.heads_ok = ctx->heads_ok},
	};
	ag_cmd_now(&ro.now, &ro.now_usec);
	for (size_t k = 0; k < revs.n; k++) {
		struct ag_backfill_opts bo = {
		    .rev = revs.v[k],
		    .after = &st.after,
		    .repoint = st.repoint,
		    .dir = st.dir,
		    .db_rows = rows,
		};
		if (ag_backfill_plan(&plan, &ctx->scripts, &ro, &bo, &err) < 0) {
			rc = ag_gate_refuse_repair(ctx, "backfill", &gate, &err);
			goto out;
		}
	}

	/* What it will do, before doing it. */
	if (ctx->format != AG_FORMAT_JSON) {
		struct ag_buf b = {0};
		ag_repair_render_text(&plan, gate.table_sql, !ctx->quiet, &b);
		if (b.len)
			fwrite(b.p, 1, b.len, ctx->out);
		ag_buf_free(&b);
		fflush(ctx->out);
	}
	bool written = false;
	if (st.write) {
		/* All or nothing: the message says what state the files are in. */
		if (ag_repair_apply(&plan, &err) < 0) {
			rc = ag_cmd_fail(ctx, "backfill", &err);
			goto out;
		}
		written = true;
		if (ctx->format != AG_FORMAT_JSON)
			for (size_t k = 0; k < plan.n; k++) {
				char *path = ag_quote_visible_dup(plan.v[k].path);
				fprintf(ctx->out, "%s %s\n",
				        plan.v[k].kind == AG_REPAIR_CREATE ? "wrote" : "edited", path);
				free(path);
			}
	} else if (ctx->format != AG_FORMAT_JSON) {
		fprintf(ctx->out,
		        "dry run: nothing was written; run again with --write to write %s.\n",
		        plan.n == 1 ? "it" : "them");
	}

	rc = report(ctx, &gate, &plan, &ro, rows, written);
out:
	ag_repair_free(&plan);
	ag_gate_free(&gate);
	ag_strv_free(&revs);
	ag_strv_free(&st.after);
	return rc;
}

const struct ag_cmd_entry ag_cmd_backfill = {
	.name = "backfill",
	.summary = "write no-op placeholder migrations for ids the database has and the files "
		   "lack (dry run unless --write)",
	.options = cmd_backfill_options,
	.operands = "[REV...]",
	.max_operands = -1,
	.flags = AG_CMD_NEEDS_REPO,
	.exits = cmd_backfill_exits,
	.notes = "Without REV: every id that a down_revision names, or the database holds, and no\n"
		 "file defines.\n",
	.state_size = sizeof(struct state),
	.opt = cmd_backfill_opt,
	.state_free = cmd_backfill_state_free,
	.exec = cmd_backfill_exec,
};
