/* alembic-guard heads: the heads (and with --verbose bases, merge points and
 * branch points) as Alembic computes them, without running Python. */
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "lib/quote.h"

enum { OPT_VERBOSE = 2000 };

static const struct ag_opt cmd_heads_options[] = {
	{OPT_VERBOSE, "verbose", 'v', NULL,
	 "also bases, merge points, branch points and files; with --format json, every revision"},
	{0, NULL, 0, NULL, NULL},
};

static const struct ag_cmd_exit cmd_heads_exits[] = {
	{0, "the heads were listed"},
	{1, "Alembic itself would fail on these files (the reason is on stderr)"},
	AG_CMD_EXIT_USAGE,
	AG_CMD_EXIT_IO,
	AG_CMD_EXIT_END,
};

static int cmd_heads_opt(struct ag_ctx *ctx, int o, const char *arg, void *state)
{
	(void)arg;
	(void)state;
	if (o == OPT_VERBOSE) {
		ctx->verbose = true;
		return 0;
	}
	return -1;
}

/* Ids, labels and paths come from files: shown with visible escapes. */
static void put_vis(struct ag_ctx *ctx, const char *s)
{
	char *v = ag_quote_visible_dup(s);
	fputs(v, ctx->out);
	free(v);
}

static void print_rev(struct ag_ctx *ctx, const struct ag_node *nd, const char *what)
{
	put_vis(ctx, nd->id);
	if (nd->labels.n) {
		char *l = ag_strv_join(&nd->labels, ", ");
		fputs(" (", ctx->out);
		put_vis(ctx, l);
		fputc(')', ctx->out);
		free(l);
	}
	if (what)
		fprintf(ctx->out, " (%s)", what);
	if (ctx->verbose) {
		fputs("  ", ctx->out);
		put_vis(ctx, nd->script->path);
	}
	fputc('\n', ctx->out);
}

static void print_section(struct ag_ctx *ctx, const char *title, const struct ag_strv *ids)
{
	fprintf(ctx->out, "\n%s:\n", title);
	if (!ids->n)
		fprintf(ctx->out, "  (none)\n");
	for (size_t i = 0; i < ids->n; i++) {
		size_t k = ag_graph_find(ctx->graph, ids->v[i]);
		fputs("  ", ctx->out);
		if (k != AG_NONE)
			print_rev(ctx, &ctx->graph->v[k], NULL);
		else {
			put_vis(ctx, ids->v[i]);
			fputc('\n', ctx->out);
		}
	}
}

static int cmd_heads_exec(struct ag_ctx *ctx, void *state, int argc, char **argv)
{
	(void)state;
	(void)argc;
	(void)argv;
	struct ag_graph *g = ctx->graph;
	ag_findings_sort(&g->findings);
	int rc = ag_cmd_findings_exit(ctx, &g->findings);
	if (ctx->format != AG_FORMAT_TEXT) {
		struct ag_report r = {.command = "heads", .exit_code = rc, .graph = g,
				      .revisions = ctx->verbose, .findings = &g->findings};
		ag_cmd_emit(ctx, &r, AG_STYLE_LIST);
		return rc;
	}
	for (size_t k = 0; k < g->heads.n; k++) {
		size_t n = ag_graph_find(g, g->heads.v[k]);
		if (n == AG_NONE)
			continue;
		/* depends_on does not take a head away; Alembic calls a head that
		 * others depend on an "effective head". */
		print_rev(ctx, &g->v[n], g->v[n].ndnext ? "effective head" : "head");
	}
	if (ctx->verbose) {
		print_section(ctx, "Bases", &g->bases);
		print_section(ctx, "Merge points", &g->merges);
		print_section(ctx, "Branch points", &g->branches);
	}
	if (rc != AG_EXIT_OK) {
		/* Alembic itself would fail on this repository: say why, on stderr
		 * so the list above stays parseable. */
		struct ag_buf b = {0};
		struct ag_report r = {.command = "heads", .exit_code = rc, .graph = g,
				      .findings = &g->findings, .quiet = true};
		ag_report_render(&r, AG_FORMAT_TEXT, AG_STYLE_LIST, &b);
		if (b.len)
			fputs(b.p, stderr);
		ag_buf_free(&b);
	}
	return rc;
}

/* GRAPH_ONLY: the heads are the graph's alone; no upgrade() body is read
 * (lint reports what those do), so heads stays at the cost of reading ids,
 * and listing several heads is this command's job. */
const struct ag_cmd_entry ag_cmd_heads = {
	.name = "heads",
	.summary = "print the heads as Alembic would (no database needed)",
	.options = cmd_heads_options,
	.flags = AG_CMD_NEEDS_REPO | AG_CMD_GRAPH_ONLY,
	.exits = cmd_heads_exits,
	.opt = cmd_heads_opt,
	.exec = cmd_heads_exec,
};
