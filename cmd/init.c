/* alembic-guard init: the Procfile release line, the rollback choice and a
 * commented settings block (lib/init.h). A dry run unless --write. */
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "lib/init.h"
#include "lib/procfile.h"

enum { OPT_WRITE = 2000, OPT_ON_AHEAD, OPT_PROCFILE };

static const struct ag_opt cmd_init_options[] = {
	{OPT_WRITE, "write", 0, NULL, "write the files (default: print the diffs)"},
	{OPT_ON_AHEAD, "on-ahead", 0, "fail|skip|auto",
	 "the release line's rollback choice (default: auto when HEROKU_API_KEY is set, else "
	 "skip; a choice the line already has is kept)"},
	{OPT_PROCFILE, "procfile", 0, "FILE", "the Procfile (default ./Procfile)"},
	AG_CMD_OPT_TARGET("the target to write (default: heads when every head has a branch "
			  "label of its own, else head)"),
	{0, NULL, 0, NULL, NULL},
};

static const struct ag_cmd_exit cmd_init_exits[] = {
	{0, "planned (or, with --write, written)"},
	AG_CMD_EXIT_USAGE,
	AG_CMD_EXIT_IO,
	AG_CMD_EXIT_END,
};

struct state {
	bool write;
	const char *on_ahead;
	const char *procfile;
};

static int cmd_init_opt(struct ag_ctx *ctx, int o, const char *arg, void *sp)
{
	struct state *st = sp;
	switch (o) {
	case OPT_WRITE: st->write = true; return 0;
	case OPT_PROCFILE: st->procfile = arg; return 0;
	case OPT_ON_AHEAD:
		if (strcmp(arg, "fail") && strcmp(arg, "skip") && strcmp(arg, "auto")) {
			ag_cmd_error(ctx, AG_EXIT_USAGE, "usage",
				     "--on-ahead wants fail, skip or auto, not '%s'", arg);
			return -1;
		}
		st->on_ahead = arg;
		return 0;
	default: return -1;
	}
}

/* The global options of this run that the release must repeat to read the
 * same repository, shell-quoted for the Procfile; NULL when none. */
static char *line_globals(const struct ag_ctx *ctx)
{
	struct ag_buf b = {0};
	const char *names[] = {"-c", "-n"};
	const char *vals[] = {ctx->config_path, ctx->ini_section};
	for (size_t i = 0; i < 2; i++) {
		if (!vals[i])
			continue;
		char *w = ag_procfile_shell_word(vals[i]);
		ag_buf_addf(&b, "%s%s %s", b.len ? " " : "", names[i], w);
		free(w);
	}
	for (size_t i = 0; i < ctx->versions.n; i++) {
		char *w = ag_procfile_shell_word(ctx->versions.v[i]);
		ag_buf_addf(&b, "%s--versions %s", b.len ? " " : "", w);
		free(w);
	}
	if (ctx->recursive)
		ag_buf_addf(&b, "%s--recursive", b.len ? " " : "");
	if (!b.len)
		return NULL;
	return ag_buf_take(&b);
}

/* The message on stderr and, with --format json, the error object on
 * stdout: every exit code gets one object. */
static int fail(struct ag_ctx *ctx, const struct ag_err *err)
{
	int rc = ag_cmd_fail(ctx, "init", err);
	if (ctx->format == AG_FORMAT_JSON) {
		struct ag_buf b = {0};
		ag_init_render_error(err, rc, &b);
		fwrite(b.p, 1, b.len, ctx->out);
		ag_buf_free(&b);
	}
	return rc;
}

static int cmd_init_exec(struct ag_ctx *ctx, void *sp, int argc, char **argv)
{
	struct state st = *(struct state *)sp;
	(void)argc;
	(void)argv;
	struct ag_err err = {0};
	const char *key = getenv("HEROKU_API_KEY");
	const char *cfg = ctx->config.path;
	size_t cl = cfg ? strlen(cfg) : 0;
	bool present = ctx->config.guard_keys.n > 0;
	/* A target the settings or --target already fix is not detected. */
	enum ag_target target = AG_TARGET_UNSET;
	if (ctx->target_given || (present && ctx->heads_ok))
		target = ctx->heads_ok ? AG_TARGET_HEADS : AG_TARGET_HEAD;
	else if (present && ctx->settings.target != AG_TARGET_UNSET)
		target = ctx->settings.target;
	char *from = ctx->target_given ? ag_strdup("--target") : ag_printf("the settings in %s", cfg ? cfg : "the config");
	char *globals = line_globals(ctx);
	struct ag_init_opts io = {
	    .procfile = st.procfile,
	    .settings_path = cfg,
	    .settings_toml = cl >= 5 && strcmp(cfg + cl - 5, ".toml") == 0,
	    .settings_present = present,
	    .globals = globals,
	    .on_ahead = st.on_ahead,
	    .heroku_key = key && *key,
	    .graph = ctx->graph,
	    .target = target,
	    .target_from = from,
	};
	struct ag_init plan;
	int rc = ag_init_plan(&plan, &io, &err);
	free(globals);
	free(from);
	if (rc < 0)
		return fail(ctx, &err);
	bool failed = st.write && ag_init_apply(&plan, &err) < 0;
	if (failed)
		rc = ag_cmd_fail(ctx, "init", &err);
	struct ag_buf b = {0};
	if (ctx->format == AG_FORMAT_JSON)
		ag_init_render_json(&plan, st.write && rc == 0, rc, failed ? &err : NULL, &b);
	else
		ag_init_render_text(&plan, st.write, &b);
	fwrite(b.p, 1, b.len, ctx->out);
	ag_buf_free(&b);
	ag_init_free(&plan);
	return rc;
}

static const struct state cmd_init_defaults = {.procfile = "Procfile"};

const struct ag_cmd_entry ag_cmd_init = {
	.name = "init",
	.summary = "write or merge the Procfile release line and a settings block (dry run "
		   "unless --write)",
	.options = cmd_init_options,
	.flags = AG_CMD_NEEDS_REPO,
	.exits = cmd_init_exits,
	.state_size = sizeof(struct state),
	.defaults = &cmd_init_defaults,
	.opt = cmd_init_opt,
	.exec = cmd_init_exec,
};
