/* alembic-guard: the registry of commands and the dispatcher. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cmd.h"
#include "lib/db.h"
#include "lib/heroku.h"

/* Alphabetical; drives dispatch, `help` and the command list. */
static const struct ag_cmd_entry *const commands[] = {
	&ag_cmd_heads,
	&ag_cmd_lint,
};

static const struct ag_cmd_entry *find_command(const char *name)
{
	for (size_t i = 0; i < AG_ARRAY_LEN(commands); i++)
		if (strcmp(commands[i]->name, name) == 0)
			return commands[i];
	return NULL;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: alembic-guard [global options] COMMAND [options]\n\n"
		   "Checks an Alembic project's migration files and its database before\n"
		   "`alembic upgrade` runs, and says exactly what to fix.\n\nCommands:\n");
	for (size_t i = 0; i < AG_ARRAY_LEN(commands); i++)
		fprintf(f, "  %-14s %s\n", commands[i]->name, commands[i]->summary);
	fprintf(f, "\n`alembic-guard COMMAND --help` (or `alembic-guard help COMMAND`) shows a\n"
		   "command's options. `alembic-guard --version` shows the version and libraries.\n");
}

static void print_version(void)
{
	printf("alembic-guard %s (commit %s)\n", AG_VERSION, AG_GIT_COMMIT);
	printf("libpq %s, %s, jansson %s\n", ag_db_lib_version(), ag_heroku_lib_version(),
	       JANSSON_VERSION);
}

static const struct ag_cmd_entry top = {
	.name = "",
	.usage = "COMMAND [options]",
	.summary = "",
	.flags = AG_CMD_NO_PERMUTE,
};

enum { OPT_VERSION = 3000 };

static int top_opt(struct ag_ctx *ctx, int opt, const char *arg, void *state)
{
	(void)ctx;
	(void)arg;
	if (opt == OPT_VERSION) {
		*(bool *)state = true;
		return 0;
	}
	return -1;
}

/* A report that could not be written is a failure, not exit 0 (git's
 * run_builtin does the same). */
static int finish(int rc)
{
	if (fflush(stdout) != 0 || ferror(stdout) || fclose(stdout) != 0) {
		if (errno != EPIPE)
			fprintf(stderr, "alembic-guard: cannot write the output: %s\n", strerror(errno));
		return rc ? rc : AG_EXIT_INTERNAL;
	}
	return rc;
}

int main(int argc, char **argv)
{
	struct ag_ctx ctx;
	memset(&ctx, 0, sizeof ctx);
	ctx.out = stdout;
	ctx.connect_timeout = 10;

	static const struct option top_opts[] = {{"version", no_argument, NULL, OPT_VERSION},
						  {NULL, 0, NULL, 0}};
	bool want_version = false;
	int first = ag_cmd_getopt(&ctx, &top, argc, argv, top_opts, "", top_opt, &want_version);
	if (first == -2) {
		usage(stdout);
		return finish(0);
	}
	if (first < 0)
		return AG_EXIT_USAGE;
	if (want_version) {
		print_version();
		return finish(0);
	}
	if (first >= argc) {
		usage(stderr);
		return AG_EXIT_USAGE;
	}
	const char *name = argv[first];
	if (strcmp(name, "help") == 0) {
		if (first + 1 < argc) {
			const struct ag_cmd_entry *e = find_command(argv[first + 1]);
			if (!e) {
				ag_cmd_warn("no command '%s'", argv[first + 1]);
				return AG_EXIT_USAGE;
			}
			ag_cmd_help(e);
		} else {
			usage(stdout);
		}
		return finish(0);
	}
	const struct ag_cmd_entry *e = find_command(name);
	if (!e) {
		ag_cmd_warn("no command '%s'", name);
		usage(stderr);
		return AG_EXIT_USAGE;
	}
	const char *nc = getenv("NO_COLOR");
	ctx.color = isatty(STDOUT_FILENO) && !(nc && *nc);
	int rc = e->exec(&ctx, argc - first, argv + first);
	ag_graph_free(ctx.graph);
	ag_scripts_free(&ctx.scripts);
	ag_config_free(&ctx.config);
	ag_strv_free(&ctx.versions);
	ag_strv_free(&ctx.locations);
	ag_defines_free(&ctx.defines);
	return finish(rc);
}
