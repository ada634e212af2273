/* Shared command-line machinery: global options, setup, output, exit codes. */
#include "cmd.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/lint.h"

enum {
	OPT_CONFIG = 1000,
	OPT_NAME,
	OPT_VERSIONS,
	OPT_DATABASE_URL,
	OPT_RECURSIVE,
	OPT_DEFINE,
	OPT_VERSION_TABLE,
	OPT_VERSION_TABLE_SCHEMA,
	OPT_FORMAT,
	OPT_STRICT,
	OPT_NO_COLOR,
	OPT_QUIET,
	OPT_HELP,
	OPT_CONNECT_TIMEOUT,
};

static const struct option global_opts[] = {
	{"config", required_argument, NULL, OPT_CONFIG},
	{"name", required_argument, NULL, OPT_NAME},
	{"versions", required_argument, NULL, OPT_VERSIONS},
	{"database-url", required_argument, NULL, OPT_DATABASE_URL},
	{"recursive", no_argument, NULL, OPT_RECURSIVE},
	{"define", required_argument, NULL, OPT_DEFINE},
	{"version-table", required_argument, NULL, OPT_VERSION_TABLE},
	{"version-table-schema", required_argument, NULL, OPT_VERSION_TABLE_SCHEMA},
	{"format", required_argument, NULL, OPT_FORMAT},
	{"strict", no_argument, NULL, OPT_STRICT},
	{"no-color", no_argument, NULL, OPT_NO_COLOR},
	{"quiet", no_argument, NULL, OPT_QUIET},
	{"help", no_argument, NULL, OPT_HELP},
	{"connect-timeout", required_argument, NULL, OPT_CONNECT_TIMEOUT},
};

static const char global_help[] =
	"Global options (every command):\n"
	"  -c, --config FILE           alembic.ini or pyproject.toml (default ./alembic.ini, else\n"
	"                              ./pyproject.toml)\n"
	"  -n, --name SECTION          the ini section to read (default alembic)\n"
	"      --versions DIR          a version location; repeatable; overrides the config\n"
	"      --recursive             search the version locations' subfolders too\n"
	"      --define NAME=VALUE     the value of a name that files use in an expression,\n"
	"                              e.g. --define cli.EXPAND_BRANCH=expand; repeatable\n"
	"      --database-url URL      else DATABASE_URL, else the config's sqlalchemy.url\n"
	"      --connect-timeout S     seconds to wait for the database (default 10)\n"
	"      --version-table NAME    default alembic_version\n"
	"      --version-table-schema NAME\n"
	"      --format text|json|github\n"
	"      --strict                warnings count as errors\n"
	"      --no-color              no ANSI colours (also NO_COLOR; colour only on a TTY)\n"
	"  -q, --quiet                 only what blocks (errors; with --strict warnings too)\n"
	"                              and the verdict\n"
	"  -h, --help                  this help\n";

void ag_cmd_warn(const char *fmt, ...)
{
	va_list ap;
	fputs("alembic-guard: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void ag_cmd_help(const struct ag_cmd_entry *e)
{
	printf("usage: alembic-guard %s %s\n\n%s\n", e->name, e->usage, e->summary);
	if (e->options && *e->options)
		printf("\nOptions:\n%s", e->options);
	printf("\n%s", global_help);
	printf("\nExit codes: 0 safe, 1 blocked, 2 usage or config error, 3 database unreachable,\n"
	       "4 internal or I/O error, 5 pending migrations (check --require-at-head).\n");
}

int ag_cmd_parse_int(const char *opt, const char *arg, int min, int max, int *out)
{
	char *end = NULL;
	errno = 0;
	long v = strtol(arg, &end, 10);
	if (errno || !*arg || *end || v < min || v > max) {
		ag_cmd_warn("%s wants a whole number from %d to %d, not '%s'", opt, min, max, arg);
		return -1;
	}
	*out = (int)v;
	return 0;
}

void ag_cmd_now(time_t *sec, long *usec)
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	if (sde && *sde) {
		char *end = NULL;
		errno = 0;
		long long v = strtoll(sde, &end, 10);
		if (!errno && end && !*end && v >= 0) {
			*sec = (time_t)v;
			*usec = 0;
			return;
		}
	}
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	*sec = ts.tv_sec;
	*usec = ts.tv_nsec / 1000;
}

int ag_cmd_parse_target(struct ag_ctx *ctx, const char *arg)
{
	if (strcmp(arg, "head") != 0 && strcmp(arg, "heads") != 0) {
		ag_cmd_warn("--target wants head or heads, not '%s'", arg);
		return -1;
	}
	ctx->heads_ok = strcmp(arg, "heads") == 0;
	ctx->target_given = true;
	return 0;
}

enum { OPT_TARGET_ONLY = 2000 };

const struct option ag_cmd_target_options[] = {
	{"target", required_argument, NULL, OPT_TARGET_ONLY},
	{NULL, 0, NULL, 0},
};

int ag_cmd_target_opt(struct ag_ctx *ctx, int o, const char *arg, void *state)
{
	(void)state;
	return o == OPT_TARGET_ONLY ? ag_cmd_parse_target(ctx, arg) : -1;
}

static int global_opt(struct ag_ctx *ctx, int opt, const char *arg)
{
	switch (opt) {
	case 'c':
	case OPT_CONFIG:
		ctx->config_path = arg;
		return 0;
	case 'n':
	case OPT_NAME:
		ctx->ini_section = arg;
		return 0;
	case OPT_VERSIONS:
		ag_strv_push(&ctx->versions, arg);
		return 0;
	case OPT_DATABASE_URL:
		ctx->database_url = arg;
		return 0;
	case OPT_RECURSIVE:
		ctx->recursive = true;
		return 0;
	case OPT_DEFINE: {
		const char *eq = strchr(arg, '=');
		if (!eq || eq == arg) {
			ag_cmd_warn("--define wants NAME=VALUE, not '%s'", arg);
			return -1;
		}
		char *name = ag_strndup(arg, (size_t)(eq - arg));
		ag_defines_set(&ctx->defines, name, eq + 1);
		free(name);
		return 0;
	}
	case OPT_VERSION_TABLE:
		if (!*arg) {
			ag_cmd_warn("--version-table cannot be empty");
			return -1;
		}
		ctx->version_table = arg;
		return 0;
	case OPT_VERSION_TABLE_SCHEMA:
		ctx->version_table_schema = arg;
		return 0;
	case OPT_FORMAT:
		if (ag_report_parse_format(arg, &ctx->format) < 0) {
			ag_cmd_warn("--format wants text, json or github, not '%s'", arg);
			return -1;
		}
		return 0;
	case OPT_STRICT:
		ctx->strict = true;
		return 0;
	case OPT_NO_COLOR:
		ctx->no_color = true;
		return 0;
	case 'q':
	case OPT_QUIET:
		ctx->quiet = true;
		return 0;
	case OPT_CONNECT_TIMEOUT:
		return ag_cmd_parse_int("--connect-timeout", arg, 1, 3600, &ctx->connect_timeout);
	default:
		return 1; /* not a global option */
	}
}

int ag_cmd_getopt(struct ag_ctx *ctx, const struct ag_cmd_entry *e, int argc, char **argv,
		  const struct option *own, const char *own_short, ag_opt_fn fn, void *state)
{
	size_t nown = 0;
	while (own && own[nown].name)
		nown++;
	size_t nglob = AG_ARRAY_LEN(global_opts);
	struct option *all = ag_calloc(nown + nglob + 1, sizeof *all);
	memcpy(all, global_opts, sizeof global_opts);
	if (nown)
		memcpy(all + nglob, own, nown * sizeof *own);
	char *shorts = ag_printf("%s:c:n:qh%s", (e->flags & AG_CMD_NO_PERMUTE) ? "+" : "",
				 own_short ? own_short : "");
	optind = 0; /* 0, not 1: glibc and musl then reset their whole state */
	opterr = 0;
	int rc = 0;
	int opt;
	while ((opt = getopt_long(argc, argv, shorts, all, NULL)) != -1) {
		if (opt == 'h' || opt == OPT_HELP) {
			if (e->name[0])
				ag_cmd_help(e); /* the top level prints its own usage */
			rc = -2;
			break;
		}
		if (opt == '?' || opt == ':') {
			const char *bad = argv[optind - 1];
			if (optopt && optopt < 256)
				ag_cmd_warn("%s: option -%c %s", e->name, optopt,
					    opt == ':' ? "needs a value" : "is not known");
			else
				ag_cmd_warn("%s: option %s is not known or needs a value", e->name,
					    bad ? bad : "?");
			fprintf(stderr, "usage: alembic-guard %s %s\n(see alembic-guard %s --help)\n",
				e->name, e->usage, e->name);
			rc = -1;
			break;
		}
		int g = global_opt(ctx, opt, optarg);
		if (g < 0) {
			rc = -1;
			break;
		}
		if (g == 0)
			continue;
		if (!fn || fn(ctx, opt, optarg, state) < 0) {
			rc = -1;
			break;
		}
	}
	free(all);
	free(shorts);
	return rc < 0 ? rc : optind;
}

int ag_ctx_load_config(struct ag_ctx *ctx, bool allow_none, struct ag_err *err)
{
	if (ctx->config_loaded)
		return 0;
	if (ag_config_load(&ctx->config, ctx->config_path, ctx->ini_section, allow_none, err) < 0)
		return -1;
	if (ag_settings_parse(&ctx->settings, &ctx->config, err) < 0)
		return -1;
	/* The command line wins over the settings: --define names are kept,
	 * and --target (target_given) is not overridden. */
	ag_settings_merge_defines(&ctx->settings, &ctx->defines);
	bool several = ctx->settings.expected_heads.n > 1 || ctx->settings.expected_head_count > 1;
	if (!ctx->target_given && (ctx->settings.target == AG_TARGET_HEADS ||
				   (ctx->settings.target == AG_TARGET_UNSET && several)))
		ctx->heads_ok = true;
	ctx->config_loaded = true;
	return 0;
}

int ag_ctx_load_repo(struct ag_ctx *ctx, struct ag_err *err)
{
	/* With --versions the config is optional (it may still give the URL). */
	if (ag_ctx_load_config(ctx, ctx->versions.n > 0, err) < 0)
		return -1;
	ag_strv_free(&ctx->locations);
	if (ctx->versions.n) {
		ag_strv_copy(&ctx->locations, &ctx->versions);
	} else {
		ag_strv_copy(&ctx->locations, &ctx->config.version_locations);
		if (!ctx->locations.n)
			return ag_err_set(err, AG_ERR_CONFIG,
					  "%s sets no script_location or version_locations; pass --versions DIR",
					  ctx->config.path ? ctx->config.path : "the config");
	}
	/* Paths under the current directory are shown relative to it: messages
	 * stay short and match what people type. */
	char *cwd = getcwd(NULL, 0);
	size_t cl = cwd ? strlen(cwd) : 0;
	for (size_t i = 0; cwd && i < ctx->locations.n; i++) {
		char *loc = ctx->locations.v[i];
		if (cl > 1 && strncmp(loc, cwd, cl) == 0 && loc[cl] == '/') {
			char *rel = ag_strdup(loc + cl + 1);
			free(loc);
			ctx->locations.v[i] = rel;
		}
	}
	free(cwd);
	bool recursive = ctx->recursive || ctx->config.recursive;
	/* heads needs only the graph; everything else also lints what each
	 * upgrade() does, read in the same pass. */
	struct ag_scripts_opts so = {
		.recursive = recursive,
		.defs = &ctx->defines,
		.schema_helpers = ctx->graph_only ? NULL : &ctx->settings.uuid_helpers,
	};
	if (ag_scripts_read(&ctx->scripts, &ctx->locations, &so, err) < 0)
		return -1;
	struct ag_graph_opts gopts = {.heads_ok = ctx->heads_ok};
	ctx->graph = ag_graph_build(&ctx->scripts, &gopts);
	if (ctx->graph->n == 0)
		ag_lint_no_migrations(&ctx->locations, recursive, ctx->versions.n > 0,
				      ctx->config.path, &ctx->graph->findings);
	/* A squashed id must exist, or the UPDATE check prints would point
	 * the database at nothing. */
	for (size_t i = 0; i < ctx->settings.replaces_new.n; i++)
		if (ag_graph_find(ctx->graph, ctx->settings.replaces_new.v[i]) == AG_NONE)
			return ag_err_set(err, AG_ERR_CONFIG,
					  "%s: replaces maps %s to %s, but no migration file defines %s",
					  ctx->config.path ? ctx->config.path : "the settings",
					  ctx->settings.replaces_old.v[i], ctx->settings.replaces_new.v[i],
					  ctx->settings.replaces_new.v[i]);
	/* The rules beyond the graph (lib/lint.h), then the settings' ignore
	 * and severity on everything the repository says. */
	struct ag_lint_opts lo = {
		.file_template = ctx->config.file_template,
		.uuid_helpers = &ctx->settings.uuid_helpers,
		.helper_configured = ctx->settings.uuid_helper_set,
		.expected_heads = &ctx->settings.expected_heads,
		.expected_head_count = ctx->settings.expected_head_count,
	};
	if (!ctx->graph_only)
		ag_lint_run(ctx->graph, &lo, &ctx->graph->findings);
	ag_settings_apply(&ctx->settings, &ctx->graph->findings);
	return 0;
}

const char *ag_ctx_database_url(struct ag_ctx *ctx)
{
	if (ctx->database_url && *ctx->database_url)
		return ctx->database_url;
	const char *env = getenv("DATABASE_URL");
	if (env && *env)
		return env;
	if (ctx->config.url && *ctx->config.url)
		return ctx->config.url;
	return NULL;
}

int ag_cmd_fail(const struct ag_ctx *ctx, const char *cmd, const struct ag_err *err)
{
	(void)ctx;
	if (err->file[0] && err->line && !strstr(err->msg, err->file))
		fprintf(stderr, "alembic-guard %s: %s:%d: %s\n", cmd, err->file, err->line, err->msg);
	else
		fprintf(stderr, "alembic-guard %s: %s\n", cmd, err->msg);
	switch (err->kind) {
	case AG_ERR_USAGE:
	case AG_ERR_CONFIG:
		return AG_EXIT_USAGE;
	case AG_ERR_DB:
	case AG_ERR_HTTP:
		return AG_EXIT_DB;
	default:
		return AG_EXIT_INTERNAL;
	}
}

int ag_cmd_findings_exit(const struct ag_ctx *ctx, const struct ag_findings *fs)
{
	if (ag_findings_count(fs, AG_SEV_ERROR))
		return AG_EXIT_BLOCKED;
	if (ctx->strict && ag_findings_count(fs, AG_SEV_WARNING))
		return AG_EXIT_BLOCKED;
	return AG_EXIT_OK;
}

void ag_cmd_emit(struct ag_ctx *ctx, struct ag_report *r, enum ag_style style)
{
	struct ag_buf b = {0};
	r->quiet = ctx->quiet;
	r->strict = ctx->strict;
	r->color = ctx->color && !ctx->no_color && ctx->format == AG_FORMAT_TEXT;
	if (!r->locations && ctx->locations.n)
		r->locations = &ctx->locations;
	ag_report_render(r, ctx->format, style, &b);
	if (b.len)
		fwrite(b.p, 1, b.len, ctx->out);
	ag_buf_free(&b);
}
