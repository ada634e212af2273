/* alembic-guard backfill: no-op placeholder migrations for revision ids
 * that the database holds (or a down_revision names) and no file defines.
 * A dry run unless --write. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gate.h"
#include "lib/backfill.h"

enum { OPT_AFTER = 2000, OPT_REPOINT, OPT_DIR, OPT_WRITE, OPT_TARGET };

static const struct option opts[] = {
    {"after", required_argument, NULL, OPT_AFTER},
    {"repoint", required_argument, NULL, OPT_REPOINT},
    {"dir", required_argument, NULL, OPT_DIR},
    {"write", no_argument, NULL, OPT_WRITE},
    {"target", required_argument, NULL, OPT_TARGET},
    {NULL, 0, NULL, 0},
};

struct state {
	struct ag_strv after;
	const char *repoint;
	const char *dir;
	bool write;
};

static int opt(struct ag_ctx *ctx, int o, const char *arg, void *sp)
{
	struct state *st = sp;
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
	case OPT_TARGET:
		return ag_cmd_parse_target(ctx, arg);
	default: return -1;
	}
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
		ag_gate_emit_repair(ctx, &r, plan, gate->table, written, false, -1);
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

static int exec(struct ag_ctx *ctx, int argc, char **argv)
{
	struct state st = {0};
	int i = ag_cmd_getopt(ctx, &ag_cmd_backfill, argc, argv, opts, "", opt, &st);
	if (i < 0) {
		ag_strv_free(&st.after);
		return i == -2 ? AG_EXIT_OK : AG_EXIT_USAGE;
	}
	struct ag_strv revs = {0};
	for (; i < argc; i++)
		if (!ag_strv_has(&revs, argv[i]))
			ag_strv_push(&revs, argv[i]);
	if ((st.after.n || st.repoint) && revs.n != 1) {
		ag_cmd_warn(
		    "backfill: --after and --repoint apply to one revision; name exactly one");
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
			ag_gate_emit_repair(ctx, &r, &plan, gate.table, false, false, -1);
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
		ag_repair_render_text(&plan, gate.table, !ctx->quiet, &b);
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
			for (size_t k = 0; k < plan.n; k++)
				fprintf(ctx->out, "%s %s\n",
				        plan.v[k].kind == AG_REPAIR_CREATE ? "wrote" : "edited",
				        plan.v[k].path);
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
    .usage = "[REV...] [--after ID] [--repoint CHILD] [--dir DIR] [--write]",
    .summary = "write no-op placeholder migrations for ids the database has and the files "
               "lack (dry run unless --write)",
    .options =
        "      --after ID              the placeholder's parent (repeat, or ID,ID, for a merge;\n"
        "                              'base' for none); without it, only where the graph\n"
        "                              leaves one answer: after the head of the rest of the\n"
        "                              graph, where the line of the child naming REV broke off\n"
        "      --repoint CHILD         move CHILD's down_revision onto the placeholder\n"
        "      --dir DIR               the version location to write into (default: the first)\n"
        "      --target head|heads     heads: several heads are intended\n"
        "      --write                 write the files (default: print them and the diffs)\n"
        "Without REV: every id that a down_revision names, or the database holds, and no\n"
        "file defines.\n",
    .exec = exec,
};
