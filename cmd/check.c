/* alembic-guard check: the release gate. Repository + database; short
 * output; the exit code decides the deploy. */
#include <string.h>

#include "gate.h"
#include "platform.h"

enum { OPT_TARGET = 2000, OPT_REQUIRE_AT_HEAD, OPT_NOTIFY };

static const struct option opts[] = {
	{"target", required_argument, NULL, OPT_TARGET},
	{"require-at-head", no_argument, NULL, OPT_REQUIRE_AT_HEAD},
	{"notify", required_argument, NULL, OPT_NOTIFY},
	{NULL, 0, NULL, 0},
};

struct state {
	bool require_at_head;
	const char *notify; /* --notify URL; NULL: NOTIFY_URL */
};

static int opt(struct ag_ctx *ctx, int o, const char *arg, void *sp)
{
	struct state *st = sp;
	switch (o) {
	case OPT_TARGET:
		return ag_cmd_parse_target(ctx, arg);
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

static int exec(struct ag_ctx *ctx, int argc, char **argv)
{
	struct state st = {0};
	int i = ag_cmd_getopt(ctx, &ag_cmd_check, argc, argv, opts, "", opt, &st);
	if (i < 0)
		return i == -2 ? AG_EXIT_OK : AG_EXIT_USAGE;
	if (i < argc) {
		ag_cmd_warn("check takes no operands ('%s')", argv[i]);
		return AG_EXIT_USAGE;
	}
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
	.usage = "[--target head|heads] [--require-at-head] [--notify URL]",
	.summary = "the release gate: repository + database; exit 0 lets the deploy go on",
	.options = "      --target head|heads     what the release upgrades to (default head; heads\n"
		   "                              accepts several heads)\n"
		   "      --require-at-head       exit 5 when migrations are pending (post-deploy check)\n"
		   "      --notify URL            on a blocked verdict, POST the report to this webhook\n"
		   "                              (Slack-compatible; default NOTIFY_URL); a failed\n"
		   "                              notice warns and never changes the exit code\n",
	.exec = exec,
};
