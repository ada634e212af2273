/* alembic-guard diagnose: everything check knows, explained for a person,
 * with the exact fix for each finding. Works without a database, saying so. */
#include <string.h>

#include "gate.h"

static const struct ag_opt cmd_diagnose_options[] = {
	AG_CMD_OPT_TARGET("what the release upgrades to (default head)"),
	{0, NULL, 0, NULL, NULL},
};

static const struct ag_cmd_exit cmd_diagnose_exits[] = {
	{0, "nothing blocks `alembic upgrade`"},
	{1, "blocked: an error finding (with --strict, a warning too)"},
	AG_CMD_EXIT_USAGE,
	{3, "the database could not be read (the diagnosis of the files is still printed)"},
	AG_CMD_EXIT_IO,
	AG_CMD_EXIT_END,
};

static int cmd_diagnose_exec(struct ag_ctx *ctx, void *state, int argc, char **argv)
{
	(void)state;
	(void)argc;
	(void)argv;
	struct ag_err err = {0};
	struct ag_gate gate;
	struct ag_gate_opts go = {.need_db = false};
	if (ag_gate_run(ctx, &go, &gate, &err) < 0) {
		ag_gate_free(&gate);
		return ag_cmd_fail(ctx, "diagnose", &err);
	}
	struct ag_report r;
	ag_gate_report(ctx, &gate, "diagnose", &r);
	if (!gate.db_checked)
		r.db_checked = true; /* show "could not be read" with the reason */
	ag_cmd_emit(ctx, &r, AG_STYLE_STORY);
	int rc = gate.exit_code;
	ag_gate_free(&gate);
	return rc;
}

const struct ag_cmd_entry ag_cmd_diagnose = {
	.name = "diagnose",
	.summary = "explain everything check knows, with the exact fix (database optional)",
	.options = cmd_diagnose_options,
	.flags = AG_CMD_NEEDS_REPO,
	.exits = cmd_diagnose_exits,
	.exec = cmd_diagnose_exec,
};
