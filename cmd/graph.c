/* alembic-guard graph: the revision graph as Graphviz DOT (default) or JSON
 * (--format json), with heads, bases, merge and branch points, the
 * database's current rows and the pending upgrade path marked. The
 * database is optional: without a URL the graph is drawn without it (said
 * on stderr); an unreachable one is drawn without it too, and exits 3. The
 * drawing itself is lib/report's (ag_report_graph_dot, _json). */
#include <jansson.h>

#include "gate.h"

static const struct ag_opt cmd_graph_options[] = {
	AG_CMD_OPT_TARGET("what the pending path leads to (default head)"),
	{0, NULL, 0, NULL, NULL},
};
static const struct ag_cmd_exit cmd_graph_exits[] = {
	{0, "the graph was drawn"},
	AG_CMD_EXIT_USAGE,
	{3, "the database could not be read (the graph is drawn without its rows)"},
	AG_CMD_EXIT_IO,
	AG_CMD_EXIT_END,
};

static int cmd_graph_exec(struct ag_ctx *ctx, void *state, int argc, char **argv)
{
	(void)state;
	(void)argc;
	(void)argv;
	if (ctx->format == AG_FORMAT_GITHUB)
		return ag_cmd_error(ctx, AG_EXIT_USAGE, "usage",
				    "writes Graphviz DOT (the default) or JSON (--format json), not "
				    "github");
	struct ag_err err = {0};
	struct ag_gate gate;
	struct ag_gate_opts go = {.need_db = false};
	if (ag_gate_run(ctx, &go, &gate, &err) < 0) {
		ag_gate_free(&gate);
		return ag_cmd_fail(ctx, "graph", &err);
	}
	int rc = AG_EXIT_OK;
	if (!gate.db_checked) {
		ag_cmd_warn("graph: no database URL (--database-url, DATABASE_URL or sqlalchemy.url): "
			    "drawn without the database's rows and the pending path");
	} else if (!gate.db_reachable) {
		ag_cmd_warn("graph: the database could not be read (%s): drawn without its rows",
			    gate.db_error ? gate.db_error : "unknown error");
		rc = gate.exit_code == AG_EXIT_USAGE ? AG_EXIT_USAGE : AG_EXIT_DB;
	}
	struct ag_report r;
	ag_gate_report(ctx, &gate, "graph", &r);
	r.exit_code = rc;
	r.quiet = ctx->quiet;
	r.strict = ctx->strict;
	struct ag_buf out = {0};
	if (ctx->format == AG_FORMAT_JSON) {
		json_t *root = ag_report_graph_json(&r);
		ag_report_dump_json(root, &out);
		json_decref(root);
	} else {
		ag_report_graph_dot(&r, &out);
	}
	if (out.len)
		fwrite(out.p, 1, out.len, ctx->out);
	ag_buf_free(&out);
	ag_gate_free(&gate);
	return rc;
}

const struct ag_cmd_entry ag_cmd_graph = {
	.name = "graph",
	.summary = "the revision graph as Graphviz DOT (or --format json); database optional",
	.options = cmd_graph_options,
	.flags = AG_CMD_NEEDS_REPO,
	.exits = cmd_graph_exits,
	.notes = "DOT goes to stdout: alembic-guard graph | dot -Tsvg -o graph.svg\n"
		 "Without a database URL the graph is drawn without the database's rows.\n",
	.exec = cmd_graph_exec,
};
