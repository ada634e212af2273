/* alembic-guard check: the release gate. Repository + database; short
 * output; the exit code decides the deploy. */
#include <string.h>

#include "gate.h"
#include "platform.h"

enum { OPT_REQUIRE_AT_HEAD = 2000, OPT_NOTIFY };

static const struct ag_opt cmd_check_options[] = {
	AG_CMD_OPT_TARGET("what the release upgrades to (default head; heads accepts several "
			  "heads)"),
	{OPT_REQUIRE_AT_HEAD, "require-at-head", 0, NULL,
	 "exit 5 when migrations are pending (post-deploy check)"},
	{OPT_NOTIFY, "notify", 0, "URL",
	 "on a blocked verdict, POST the report to this webhook (Slack-compatible; default "
	 "NOTIFY_URL); a failed notice warns and never changes the exit code"},
	{0, NULL, 0, NULL, NULL},
};

static const struct ag_cmd_exit cmd_check_exits[] = {
	{0, "safe: `alembic upgrade` will run (the database is at head, behind it, or fresh)"},
	{1, "blocked: an error finding (with --strict, a warning too)"},
	AG_CMD_EXIT_USAGE,
	{3, "the database could not be read (connection, authentication, TLS, timeout)"},
	AG_CMD_EXIT_IO,
	{5, "with --require-at-head: migrations are pending, nothing else is wrong"},
	AG_CMD_EXIT_END,
};

struct state {
	bool require_at_head;
	const char *notify; /* --notify URL; NULL: NOTIFY_URL */
};

static int cmd_check_opt(struct ag_ctx *ctx, int o, const char *arg, void *sp)
{
	struct state *st = sp;
	(void)ctx;
	switch (o) {
	case OPT_REQUIRE_AT_HEAD:
		st->require_at_head = true;
		return 0;
	case OPT_NOTIFY:
		st->notify = arg;
		return 0;
	default:
		return -1;
	}
}

static int cmd_check_exec(struct ag_ctx *ctx, void *sp, int argc, char **argv)
{
	struct state st = *(struct state *)sp;
	(void)argc;
	(void)argv;
	struct ag_err err = {0};
	struct ag_gate gate;
	struct ag_gate_opts go = {.need_db = true, .require_at_head = st.require_at_head};
	if (ag_gate_run(ctx, &go, &gate, &err) < 0) {
		ag_gate_free(&gate);
		return ag_cmd_fail(ctx, "check", &err);
	}
	struct ag_report r;
	ag_gate_report(ctx, &gate, "check", &r);
	if (gate.exit_code == AG_EXIT_DB || gate.exit_code == AG_EXIT_USAGE) {
		/* One line on stderr for people; the report still goes to stdout
		 * so pipelines reading JSON see "verdict": "error". */
		ag_cmd_warn("check: %s", gate.db_error ? gate.db_error : "the database could not be read");
		if (ctx->format != AG_FORMAT_TEXT)
			ag_cmd_emit(ctx, &r, AG_STYLE_TERSE);
	} else {
		ag_cmd_emit(ctx, &r, AG_STYLE_TERSE);
	}
	/* After the report: a slow webhook must not delay what people read,
	 * and a failed notice only warns. */
	ag_platform_notify(ctx, st.notify, &r);
	int rc = gate.exit_code;
	ag_gate_free(&gate);
	return rc;
}

const struct ag_cmd_entry ag_cmd_check = {
	.name = "check",
	.summary = "the release gate: repository + database; exit 0 lets the deploy go on",
	.options = cmd_check_options,
	.flags = AG_CMD_NEEDS_REPO | AG_CMD_NEEDS_DB,
	.exits = cmd_check_exits,
	.state_size = sizeof(struct state),
	.opt = cmd_check_opt,
	.exec = cmd_check_exec,
};
