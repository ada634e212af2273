/* alembic-guard lint: every repository finding; exit 1 on an error. */
#include <string.h>

#include "cmd.h"

static const struct ag_opt cmd_lint_options[] = {
	AG_CMD_OPT_TARGET("heads: several heads are intended (default head)"),
	{0, NULL, 0, NULL, NULL},
};

static const struct ag_cmd_exit cmd_lint_exits[] = {
	{0, "no error finding"},
	{1, "an error finding (with --strict, a warning too)"},
	AG_CMD_EXIT_USAGE,
	AG_CMD_EXIT_IO,
	AG_CMD_EXIT_END,
};

static int cmd_lint_exec(struct ag_ctx *ctx, void *state, int argc, char **argv)
{
	(void)state;
	(void)argc;
	(void)argv;
	struct ag_graph *g = ctx->graph;
	ag_findings_sort(&g->findings);
	int rc = ag_cmd_findings_exit(ctx, &g->findings);
	struct ag_report r = {.command = "lint", .exit_code = rc, .graph = g, .findings = &g->findings};
	ag_cmd_emit(ctx, &r, AG_STYLE_LIST);
	return rc;
}

const struct ag_cmd_entry ag_cmd_lint = {
	.name = "lint",
	.summary = "every repository finding; exit 1 on an error (no database needed)",
	.options = cmd_lint_options,
	.flags = AG_CMD_NEEDS_REPO,
	.exits = cmd_lint_exits,
	.exec = cmd_lint_exec,
};
