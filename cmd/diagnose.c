/* alembic-guard diagnose: everything check knows, explained for a person,
 * with the exact fix for each finding. Works without a database, saying so. */
#include <string.h>

#include "gate.h"

static int exec(struct ag_ctx *ctx, int argc, char **argv)
{
	int i = ag_cmd_getopt(ctx, &ag_cmd_diagnose, argc, argv, ag_cmd_target_options, "", ag_cmd_target_opt, NULL);
	if (i < 0)
		return i == -2 ? AG_EXIT_OK : AG_EXIT_USAGE;
	if (i < argc) {
		ag_cmd_warn("diagnose takes no operands ('%s')", argv[i]);
		return AG_EXIT_USAGE;
	}
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
	.usage = "[--target head|heads]",
	.summary = "explain everything check knows, with the exact fix (database optional)",
	.options = "      --target head|heads     what the release upgrades to (default head)\n",
	.exec = exec,
};
