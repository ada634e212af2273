/* alembic-guard release -- CMD...: the release phase in one step. check;
 * then, holding a PostgreSQL advisory lock, re-check and run CMD (alembic
 * upgrade head); pass CMD's exit code through. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gate.h"
#include "platform.h"

enum { OPT_LOCK_TIMEOUT = 2000, OPT_ON_AHEAD };

static const struct ag_opt cmd_release_options[] = {
	AG_CMD_OPT_TARGET("what CMD upgrades to (default head)"),
	{OPT_LOCK_TIMEOUT, "lock-timeout", 0, "S",
	 "wait at most S seconds for another release phase (default 600)"},
	{OPT_ON_AHEAD, "on-ahead", 0, "fail|skip|auto",
	 "the database holds ids this code lacks (a rollback): fail (default) exits 1; skip "
	 "warns and exits 0 without running CMD; auto skips only when the Platform API says "
	 "this release is a rollback"},
	{0, NULL, 0, NULL, NULL},
};

static const struct ag_cmd_exit cmd_release_exits[] = {
	{0, "CMD ran and exited 0 (or --on-ahead skipped it)"},
	{1, "blocked: CMD did not run (an error finding; with --strict, a warning too)"},
	AG_CMD_EXIT_USAGE,
	{3, "the database could not be read, or another release phase held the lock for "
	    "--lock-timeout seconds; CMD did not run"},
	AG_CMD_EXIT_IO,
	{AG_CMD_EXIT_OTHER, "CMD ran: its own exit code, passed through (128+N: CMD was killed "
			    "by signal N)"},
	AG_CMD_EXIT_END,
};

enum on_ahead { AHEAD_FAIL, AHEAD_SKIP, AHEAD_AUTO };

struct state {
	int lock_timeout;
	enum on_ahead on_ahead;
};

static int cmd_release_opt(struct ag_ctx *ctx, int o, const char *arg, void *sp)
{
	struct state *st = sp;
	switch (o) {
	case OPT_LOCK_TIMEOUT:
		return ag_cmd_parse_int(ctx, "--lock-timeout", arg, 0, 86400, &st->lock_timeout);
	case OPT_ON_AHEAD:
		if (strcmp(arg, "fail") == 0)
			st->on_ahead = AHEAD_FAIL;
		else if (strcmp(arg, "skip") == 0)
			st->on_ahead = AHEAD_SKIP;
		else if (strcmp(arg, "auto") == 0)
			st->on_ahead = AHEAD_AUTO;
		else {
			ag_cmd_error(ctx, AG_EXIT_USAGE, "usage",
				     "--on-ahead wants fail, skip or auto, not '%s'", arg);
			return -1;
		}
		return 0;
	default:
		return -1;
	}
}

/* True when every blocking finding says "the database is ahead of this
 * code": a rollback's release phase, which Flyway-style may skip. */
static bool only_ahead(const struct ag_gate *gate)
{
	size_t ahead = 0;
	for (size_t i = 0; i < gate->all.n; i++) {
		const struct ag_finding *f = &gate->all.v[i];
		if (f->severity != AG_SEV_ERROR)
			continue;
		if (strcmp(f->code, "unknown-db-revision") != 0 || !f->cause ||
		    strcmp(f->cause, "db-ahead-of-slug") != 0)
			return false;
		ahead++;
	}
	return ahead > 0;
}

static volatile sig_atomic_t child_pid;

static void forward(int sig)
{
	if (child_pid > 0)
		kill((pid_t)child_pid, sig);
}

static int run_child(char **argv)
{
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		ag_cmd_warn("release: cannot start %s: %s", argv[0], strerror(errno));
		return AG_EXIT_INTERNAL;
	}
	if (pid == 0) {
		execvp(argv[0], argv);
		fprintf(stderr, "alembic-guard release: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	child_pid = pid;
	/* The dyno manager sends SIGTERM to us; the upgrade must hear it. */
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = forward;
	sigemptyset(&sa.sa_mask);
	int sigs[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
	for (size_t i = 0; i < AG_ARRAY_LEN(sigs); i++)
		sigaction(sigs[i], &sa, NULL);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			ag_cmd_warn("release: waiting for %s failed: %s", argv[0], strerror(errno));
			return AG_EXIT_INTERNAL;
		}
	}
	child_pid = 0;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return AG_EXIT_INTERNAL;
}

static int cmd_release_exec(struct ag_ctx *ctx, void *sp, int argc, char **argv)
{
	struct state st = *(struct state *)sp;
	char **child = argv;
	struct ag_err err = {0};
	struct ag_gate gate;
	struct ag_gate_opts go = {.need_db = true, .keep_db = true};
	if (ag_gate_run(ctx, &go, &gate, &err) < 0) {
		ag_gate_free(&gate);
		return ag_cmd_fail(ctx, "release", &err);
	}
	struct ag_report r;
	ag_gate_report(ctx, &gate, "release", &r);
	int rc = gate.exit_code;
	if (rc == AG_EXIT_DB || rc == AG_EXIT_USAGE) {
		ag_cmd_warn("release: %s", gate.db_error ? gate.db_error : "the database could not be read");
		ag_gate_free(&gate);
		return rc;
	}
	/* auto asks the Platform API only when skipping is on the table. */
	if (rc == AG_EXIT_BLOCKED && only_ahead(&gate) &&
	    (st.on_ahead == AHEAD_SKIP ||
	     (st.on_ahead == AHEAD_AUTO && ag_platform_release_is_rollback(ctx) == 1))) {
		char *ids = ag_strv_join(&gate.verdict.unknown, ", ");
		struct ag_strv words = {.v = child, .n = (size_t)argc};
		char *cmdline = ag_strv_join(&words, " ");
		fprintf(stderr,
			"\n*** alembic-guard: release: WARNING: the database is at %s, which this code "
			"does not define. ***\n*** This looks like a rollback to older code: NOT "
			"running `%s`, exiting 0 (--on-ahead %s). ***\n\n",
			ids, cmdline, st.on_ahead == AHEAD_SKIP ? "skip" : "auto");
		free(cmdline);
		free(ids);
		ag_gate_free(&gate);
		return AG_EXIT_OK;
	}
	ag_cmd_emit(ctx, &r, AG_STYLE_TERSE);
	if (rc != AG_EXIT_OK) {
		ag_gate_free(&gate);
		return rc;
	}
	/* Serialise release phases against this database: a second one waits
	 * here instead of racing Alembic. */
	const char *table = ag_gate_table(ctx);
	fflush(ctx->out);
	time_t t0 = time(NULL);
	int got = ag_db_lock(gate.db, ctx->version_table_schema, table, st.lock_timeout, &err);
	if (got <= 0) {
		if (got == 0)
			ag_cmd_warn("release: another release phase held the lock on %s for %d s "
				    "(--lock-timeout); giving up without running %s",
				    gate.table, st.lock_timeout, child[0]);
		else
			ag_cmd_warn("release: %s", err.msg);
		ag_gate_free(&gate);
		return AG_EXIT_DB;
	}
	if (time(NULL) - t0 >= 1)
		ag_cmd_warn("release: waited %lld s for another release phase", (long long)(time(NULL) - t0));
	/* What we judged may have changed while we waited. */
	struct ag_strv rows = {0};
	bool exists = false;
	if (ag_db_read_versions(gate.db, ctx->version_table_schema, table, &exists, &rows, &err) < 0) {
		ag_cmd_warn("release: %s", err.msg);
		ag_strv_free(&rows);
		ag_gate_free(&gate);
		return AG_EXIT_DB;
	}
	struct ag_verdict v;
	struct ag_verdict_opts vo;
	ag_gate_verdict_opts(ctx, gate.table, &vo);
	ag_verdict_judge(&v, ctx->graph, exists, &rows, &vo);
	if (v.exit_code != AG_EXIT_OK) {
		ag_cmd_warn("release: the database changed while waiting for the lock; now blocked:");
		for (size_t k = 0; k < v.findings.n; k++)
			if (v.findings.v[k].severity == AG_SEV_ERROR)
				fprintf(stderr, "  %s: %s\n", v.findings.v[k].code, v.findings.v[k].message);
		rc = v.exit_code;
	} else {
		rc = run_child(child);
	}
	ag_verdict_free(&v);
	ag_strv_free(&rows);
	struct ag_err uerr = {0};
	if (ag_db_unlock(gate.db, ctx->version_table_schema, table, &uerr) < 0)
		ag_cmd_warn("release: %s (the lock ends with the connection anyway)", uerr.msg);
	ag_gate_free(&gate);
	return rc;
}

static const struct state cmd_release_defaults = {.lock_timeout = 600, .on_ahead = AHEAD_FAIL};

const struct ag_cmd_entry ag_cmd_release = {
	.name = "release",
	.summary = "the release phase in one step: check, then CMD under an advisory lock",
	.options = cmd_release_options,
	.operands = "-- CMD...",
	.min_operands = 1,
	.max_operands = -1,
	.flags = AG_CMD_NO_PERMUTE | AG_CMD_NEEDS_REPO | AG_CMD_NEEDS_DB,
	.exits = cmd_release_exits,
	.notes = "Example: alembic-guard release -- alembic upgrade head\n",
	.state_size = sizeof(struct state),
	.defaults = &cmd_release_defaults,
	.opt = cmd_release_opt,
	.exec = cmd_release_exec,
};
