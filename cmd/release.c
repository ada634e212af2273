/* alembic-guard release -- CMD...: the release phase in one step. check;
 * then, holding a PostgreSQL advisory lock, re-check and run CMD (alembic
 * upgrade head); pass CMD's exit code through. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gate.h"
#include "lib/quote.h"
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
	long lock_timeout_ms;
	enum on_ahead on_ahead;
};

static int cmd_release_opt(struct ag_ctx *ctx, int o, const char *arg, void *sp)
{
	struct state *st = sp;
	switch (o) {
	case OPT_LOCK_TIMEOUT:
		return ag_platform_parse_seconds(ctx, "--lock-timeout", arg, 0, 86400, &st->lock_timeout_ms);
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

/* What became of CMD, for the report. */
struct run {
	bool ran;          /* CMD was started (exec may still have failed) */
	int exit_code;     /* CMD's, or 126/127 when it could not run; -1 when signalled */
	int signal;        /* the signal that ended CMD, 0 when none */
	double lock_wait;  /* seconds waiting for the advisory lock */
	double seconds;    /* CMD's run time */
};

static double since(const struct timespec *t0)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Seconds rounded to milliseconds (without libm, which nothing else needs). */
static double ms(double s)
{
	return (double)(long long)(s * 1000.0 + 0.5) / 1000.0;
}

static volatile sig_atomic_t child_pid;

/* CMD runs in its own process group: the whole group hears the signal,
 * so a shell's children do too. */
static void forward(int sig)
{
	if (child_pid > 0)
		kill(-(pid_t)child_pid, sig);
}

static const int forwarded[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};

/* In the child, between fork and exec: only async-signal-safe calls. */
static void child_exec(char **argv, pid_t parent, sigset_t *old, int errfd, bool stdout_to_stderr)
{
	/* The guard may be killed with -9 (a dyno manager, a timeout): the
	 * command must not go on upgrading after the lock that guarded it is
	 * gone with the guard's connection. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
	setpgid(0, 0);
	struct sigaction dfl;
	memset(&dfl, 0, sizeof dfl);
	dfl.sa_handler = SIG_DFL;
	for (size_t i = 0; i < AG_ARRAY_LEN(forwarded); i++)
		sigaction(forwarded[i], &dfl, NULL);
	sigprocmask(SIG_SETMASK, old, NULL);
	/* With --format json stdout carries one JSON object: CMD's output
	 * goes to stderr. */
	if (stdout_to_stderr)
		dup2(STDERR_FILENO, STDOUT_FILENO);
	execvp(argv[0], argv);
	int e = errno;
	ssize_t w = write(errfd, &e, sizeof e);
	(void)w;
	_exit(e == ENOENT ? 127 : 126);
}

/* Says why CMD could not be started; the exit code as a shell has it:
 * 127 when it does not exist, 126 when it exists but cannot run. */
static int exec_failed(const char *name, int e)
{
	if (e == ENOENT || e == ENOTDIR) {
		if (strchr(name, '/'))
			ag_cmd_warn("release: cannot run %s: it does not exist", name);
		else
			ag_cmd_warn("release: cannot run %s: it does not exist (no such command in "
				    "PATH)",
				    name);
		return 127;
	}
	if (e == EACCES || e == ENOEXEC || e == EISDIR || e == EPERM)
		ag_cmd_warn("release: cannot run %s: it exists but is not executable (%s)", name,
			    strerror(e));
	else
		ag_cmd_warn("release: cannot run %s: %s", name, strerror(e));
	return 126;
}

static int run_child(char **argv, bool stdout_to_stderr, struct run *run)
{
	fflush(stdout);
	fflush(stderr);
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		ag_cmd_warn("release: cannot start %s: %s", argv[0], strerror(errno));
		return AG_EXIT_INTERNAL;
	}
	/* Handlers in place before the fork, signals held until child_pid is
	 * known: a SIGTERM in between is forwarded, not lost. */
	sigset_t hold, old;
	sigemptyset(&hold);
	for (size_t i = 0; i < AG_ARRAY_LEN(forwarded); i++)
		sigaddset(&hold, forwarded[i]);
	sigprocmask(SIG_BLOCK, &hold, &old);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = forward;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < AG_ARRAY_LEN(forwarded); i++)
		sigaction(forwarded[i], &sa, NULL);
	pid_t parent = getpid();
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid_t pid = fork();
	if (pid == 0)
		child_exec(argv, parent, &old, pfd[1], stdout_to_stderr);
	close(pfd[1]);
	if (pid < 0) {
		int e = errno;
		close(pfd[0]);
		sigprocmask(SIG_SETMASK, &old, NULL);
		ag_cmd_warn("release: cannot start %s: %s", argv[0], strerror(e));
		return AG_EXIT_INTERNAL;
	}
	/* Both sides set the group, so that it exists before any signal is
	 * forwarded to it. */
	setpgid(pid, pid);
	child_pid = pid;
	run->ran = true;
	sigprocmask(SIG_SETMASK, &old, NULL);
	int e = 0;
	ssize_t n;
	while ((n = read(pfd[0], &e, sizeof e)) < 0 && errno == EINTR)
		;
	close(pfd[0]);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			ag_cmd_warn("release: waiting for %s failed: %s", argv[0], strerror(errno));
			child_pid = 0;
			return AG_EXIT_INTERNAL;
		}
	}
	child_pid = 0;
	run->seconds = since(&t0);
	if (n == (ssize_t)sizeof e) {
		run->exit_code = exec_failed(argv[0], e);
		return run->exit_code;
	}
	if (WIFEXITED(status)) {
		run->exit_code = WEXITSTATUS(status);
		return run->exit_code;
	}
	if (WIFSIGNALED(status)) {
		run->exit_code = -1;
		run->signal = WTERMSIG(status);
		return 128 + WTERMSIG(status);
	}
	return AG_EXIT_INTERNAL;
}

/* "SIGTERM" for 15: by hand, since sigabbrev_np is glibc's alone and the
 * release binary links musl. The signals a release command dies of; any
 * other is "SIG" and its number. */
static void signal_name(int sig, char *out, size_t n)
{
	static const struct {
		int sig;
		const char *name;
	} names[] = {
		{SIGHUP, "SIGHUP"},   {SIGINT, "SIGINT"},   {SIGQUIT, "SIGQUIT"}, {SIGILL, "SIGILL"},
		{SIGABRT, "SIGABRT"}, {SIGBUS, "SIGBUS"},   {SIGFPE, "SIGFPE"},   {SIGKILL, "SIGKILL"},
		{SIGUSR1, "SIGUSR1"}, {SIGSEGV, "SIGSEGV"}, {SIGUSR2, "SIGUSR2"}, {SIGPIPE, "SIGPIPE"},
		{SIGALRM, "SIGALRM"}, {SIGTERM, "SIGTERM"}, {SIGXCPU, "SIGXCPU"}, {SIGXFSZ, "SIGXFSZ"},
	};
	for (size_t i = 0; i < AG_ARRAY_LEN(names); i++)
		if (names[i].sig == sig) {
			snprintf(out, n, "%s", names[i].name);
			return;
		}
	snprintf(out, n, "SIG%d", sig);
}

/* --format json: the gate's report with exit_code rc, and what became of
 * CMD as "command" (design.md), written once CMD has ended. */
static void emit_json(struct ag_ctx *ctx, struct ag_report *r, int rc, char **child,
		      const struct run *run)
{
	r->exit_code = rc;
	json_t *root = ag_report_json(r);
	json_t *argv = json_array();
	for (char **a = child; *a; a++)
		json_array_append_new(argv, ag_report_jstr(*a));
	json_t *cmd = json_object();
	json_object_set_new(cmd, "argv", argv);
	json_object_set_new(cmd, "exit_code",
			    run->ran && run->exit_code >= 0 ? json_integer(run->exit_code) : json_null());
	char sig[32];
	signal_name(run->signal, sig, sizeof sig);
	json_object_set_new(cmd, "signal", run->signal ? json_string(sig) : json_null());
	/* Milliseconds are all a pipeline needs; printed as such below. */
	json_object_set_new(cmd, "lock_wait_seconds", json_real(ms(run->lock_wait)));
	json_object_set_new(cmd, "seconds", json_real(ms(run->seconds)));
	json_object_set_new(root, "command", cmd);
	char *out = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
	json_decref(root);
	if (out) {
		fputs(out, ctx->out);
		fputc('\n', ctx->out);
		free(out);
	}
}

static int cmd_release_exec(struct ag_ctx *ctx, void *sp, int argc, char **argv)
{
	struct state st = *(struct state *)sp;
	char **child = argv;
	bool json = ctx->format == AG_FORMAT_JSON;
	struct run run = {0};
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
		goto done;
	}
	/* auto asks the Platform API only when skipping is on the table. */
	if (rc == AG_EXIT_BLOCKED && only_ahead(&gate) &&
	    (st.on_ahead == AHEAD_SKIP ||
	     (st.on_ahead == AHEAD_AUTO && ag_platform_release_is_rollback(ctx) == 1))) {
		char *ids = ag_strv_join(&gate.verdict.unknown, ", ");
		(void)argc; /* child is NULL-terminated, as argv is */
		char *cmdline = ag_quote_command((const char *const *)child);
		fprintf(stderr,
			"\n*** alembic-guard: release: WARNING: the database is at %s, which this code "
			"does not define. ***\n*** This looks like a rollback to older code: NOT "
			"running `%s`, exiting 0 (--on-ahead %s). ***\n\n",
			ids, cmdline, st.on_ahead == AHEAD_SKIP ? "skip" : "auto");
		free(cmdline);
		free(ids);
		rc = AG_EXIT_OK;
		goto done;
	}
	/* Text goes out now, for the log; JSON waits for CMD's end. */
	if (!json)
		ag_cmd_emit(ctx, &r, AG_STYLE_TERSE);
	if (rc != AG_EXIT_OK)
		goto done;
	/* Serialise release phases against this database: a second one waits
	 * here instead of racing Alembic. */
	const char *table = ag_gate_table(ctx);
	fflush(ctx->out);
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int got = ag_db_lock(gate.db, ctx->version_table_schema, table, st.lock_timeout_ms, &err);
	run.lock_wait = since(&t0);
	if (got <= 0) {
		if (got == 0)
			ag_cmd_warn("release: another release phase held the lock on %s for %.3g s "
				    "(--lock-timeout); giving up without running %s",
				    gate.table, (double)st.lock_timeout_ms / 1000.0, child[0]);
		else
			ag_cmd_warn("release: %s", err.msg);
		rc = AG_EXIT_DB;
		goto done;
	}
	if (run.lock_wait >= 1)
		ag_cmd_warn("release: waited %.1f s for another release phase", run.lock_wait);
	/* What we judged may have changed while we waited. */
	struct ag_strv rows = {0};
	bool exists = false;
	if (ag_db_read_versions(gate.db, ctx->version_table_schema, table, &exists, &rows, &err) < 0) {
		ag_cmd_warn("release: %s", err.msg);
		ag_strv_free(&rows);
		rc = err.kind == AG_ERR_USAGE ? AG_EXIT_USAGE : AG_EXIT_DB;
		goto done;
	}
	struct ag_verdict v;
	struct ag_verdict_opts vo;
	ag_gate_verdict_opts(ctx, gate.table, &vo);
	ag_verdict_judge(&v, ctx->graph, exists, &rows, &vo);
	if (v.exit_code != AG_EXIT_OK) {
		ag_cmd_warn("release: the database changed while waiting for the lock; now blocked:");
		struct ag_buf fb = {0};
		for (size_t k = 0; k < v.findings.n; k++)
			if (v.findings.v[k].severity == AG_SEV_ERROR)
				ag_report_finding_text(&v.findings.v[k], false, &fb);
		if (fb.len)
			fwrite(fb.p, 1, fb.len, stderr);
		ag_buf_free(&fb);
		rc = v.exit_code;
	} else {
		rc = run_child(child, json, &run);
	}
	ag_verdict_free(&v);
	ag_strv_free(&rows);
	struct ag_err uerr = {0};
	if (ag_db_unlock(gate.db, ctx->version_table_schema, table, &uerr) < 0)
		ag_cmd_warn("release: %s (the lock ends with the connection anyway)", uerr.msg);
done:
	if (json)
		emit_json(ctx, &r, rc, child, &run);
	ag_gate_free(&gate);
	return rc;
}

static const struct state cmd_release_defaults = {.lock_timeout_ms = 600000,
						    .on_ahead = AHEAD_FAIL};

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
