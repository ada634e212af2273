/* alembic-guard lint: every repository finding; exit 1 on an error. */
#include <string.h>

#include "cmd.h"

static int exec(struct ag_ctx *ctx, int argc, char **argv)
{
	int i = ag_cmd_getopt(ctx, &ag_cmd_lint, argc, argv, ag_cmd_target_options, "", ag_cmd_target_opt, NULL);
	if (i < 0)
		return i == -2 ? AG_EXIT_OK : AG_EXIT_USAGE;
	if (i < argc) {
		ag_cmd_warn("lint takes no operands ('%s')", argv[i]);
		return AG_EXIT_USAGE;
	}
	struct ag_err err = {0};
	if (ag_ctx_load_repo(ctx, &err) < 0)
		return ag_cmd_fail(ctx, "lint", &err);
	struct ag_graph *g = ctx->graph;
	ag_findings_sort(&g->findings);
	int rc = ag_cmd_findings_exit(ctx, &g->findings);
	struct ag_report r = {.command = "lint", .exit_code = rc, .graph = g, .findings = &g->findings};
	ag_cmd_emit(ctx, &r, AG_STYLE_LIST);
	return rc;
}

const struct ag_cmd_entry ag_cmd_lint = {
	.name = "lint",
	.usage = "[--target head|heads]",
	.summary = "every repository finding; exit 1 on an error (no database needed)",
	.options = "      --target head|heads     heads: several heads are intended (default head)\n",
	.exec = exec,
};
