/* Shared command-line machinery: global options, setup, output, exit codes. */
#include "cmd.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "lib/alembic.h"
#include "lib/lint.h"
#include "lib/pins.h"
#include "lib/quote.h"

/* --- the global options: one row each --------------------------------------- */

static int set_versions(struct ag_ctx *ctx, const char *arg)
{
	ag_strv_push(&ctx->versions, arg);
	return 0;
}

static int set_define(struct ag_ctx *ctx, const char *arg)
{
	const char *eq = strchr(arg, '=');
	if (!eq || eq == arg) {
		ag_cmd_error(ctx, AG_EXIT_USAGE, "usage", "--define wants NAME=VALUE, not '%s'", arg);
		return -1;
	}
	char *name = ag_strndup(arg, (size_t)(eq - arg));
	ag_defines_set(&ctx->defines, name, eq + 1);
	free(name);
	return 0;
}

static int set_version_table(struct ag_ctx *ctx, const char *arg)
{
	if (!*arg) {
		ag_cmd_error(ctx, AG_EXIT_USAGE, "usage", "--version-table cannot be empty");
		return -1;
	}
	ctx->version_table = arg;
	return 0;
}

static int set_alembic_version(struct ag_ctx *ctx, const char *arg)
{
	unsigned v;
	if (ag_alembic_parse(arg, &v, NULL) < 0) {
		ag_cmd_error(ctx, AG_EXIT_USAGE, "usage", "--alembic-version wants X.Y or X.Y.Z, not '%s'",
			     arg);
		return -1;
	}
	ctx->alembic_opt = arg;
	return 0;
}

static int set_python_version(struct ag_ctx *ctx, const char *arg)
{
	int major, minor;
	if (ag_pyver_parse(arg, &major, &minor) < 0) {
		ag_cmd_error(ctx, AG_EXIT_USAGE, "usage", "--python-version wants X.Y or X.Y.Z, not '%s'",
			     arg);
		return -1;
	}
	ctx->python_opt = arg;
	return 0;
}

static int set_format(struct ag_ctx *ctx, const char *arg)
{
	if (ag_report_parse_format(arg, &ctx->format) < 0) {
		ag_cmd_error(ctx, AG_EXIT_USAGE, "usage", "--format wants text, json or github, not '%s'",
			     arg);
		return -1;
	}
	return 0;
}

static int set_connect_timeout(struct ag_ctx *ctx, const char *arg)
{
	return ag_cmd_parse_int(ctx, "--connect-timeout", arg, 1, 3600, &ctx->connect_timeout);
}

/* How a global option stores its value in struct ag_ctx. */
enum set { SET_STR, SET_FLAG, SET_FN, SET_HELP };

struct global {
	struct ag_opt opt;  /* its id is not used: globals are told apart by their row */
	enum set how;
	size_t off;         /* SET_STR: a const char *, SET_FLAG: a bool, in struct ag_ctx */
	int (*fn)(struct ag_ctx *ctx, const char *arg); /* SET_FN: parses and stores */
};

#define STR(field) SET_STR, offsetof(struct ag_ctx, field), NULL
#define FLAG(field) SET_FLAG, offsetof(struct ag_ctx, field), NULL
#define FN(f) SET_FN, 0, f

/* Adding a global option is one row here (and its field in struct ag_ctx):
 * the parser, the help and the suggestions all read this table. */
static const struct global globals[] = {
	{{0, "config", 'c', "FILE", "alembic.ini or pyproject.toml (default ./alembic.ini, else "
				    "./pyproject.toml)"}, STR(config_path)},
	{{0, "name", 'n', "SECTION", "the ini section to read (default alembic)"}, STR(ini_section)},
	{{0, "versions", 0, "DIR", "a version location; repeatable; overrides the config"},
	 FN(set_versions)},
	{{0, "recursive", 0, NULL, "search the version locations' subfolders too"}, FLAG(recursive)},
	{{0, "define", 0, "NAME=VALUE", "the value of a name that files use in an expression, "
					"e.g. --define cli.EXPAND_BRANCH=expand; repeatable"},
	 FN(set_define)},
	{{0, "database-url", 0, "URL", "else DATABASE_URL, else the config's sqlalchemy.url"},
	 STR(database_url)},
	{{0, "connect-timeout", 0, "S", "seconds to wait for the database (default 10)"},
	 FN(set_connect_timeout)},
	{{0, "version-table", 0, "NAME", "default alembic_version"}, FN(set_version_table)},
	{{0, "version-table-schema", 0, "NAME", "the version table's schema (default: the "
						"search path)"}, STR(version_table_schema)},
	{{0, "format", 0, "text|json|github", "the output (default text); json: one object on "
					      "stdout whatever the exit code"}, FN(set_format)},
	{{0, "alembic-version", 0, "X.Y[.Z]", "judge as this Alembic (default: the settings' "
					     "alembic_version, else the project's pins, else the newest "
					     "the guard knows)"}, FN(set_alembic_version)},
	{{0, "python-version", 0, "X.Y[.Z]", "judge the files' syntax as this Python (default: the "
					    "settings' python_version, else runtime.txt, .python-version, "
					    "Pipfile.lock or requires-python, else the newest the guard "
					    "knows)"}, FN(set_python_version)},
	{{0, "strict", 0, NULL, "warnings count as errors"}, FLAG(strict)},
	{{0, "no-color", 0, NULL, "no ANSI colours (also NO_COLOR and TERM=dumb; colour only "
				  "on a terminal)"}, FLAG(no_color)},
	{{0, "quiet", 'q', NULL, "only what blocks (errors; with --strict warnings too) and the "
				 "verdict"}, FLAG(quiet)},
	{{0, "help", 'h', NULL, "this help"}, SET_HELP, 0, NULL},
};

#undef STR
#undef FLAG
#undef FN

static int set_global(struct ag_ctx *ctx, const struct global *g, const char *arg)
{
	switch (g->how) {
	case SET_STR:
		*(const char **)(void *)((char *)ctx + g->off) = arg;
		return 0;
	case SET_FLAG:
		*(bool *)(void *)((char *)ctx + g->off) = true;
		return 0;
	case SET_FN:
		return g->fn(ctx, arg);
	case SET_HELP:
		break;
	}
	return 0;
}

/* The globals as a plain option table, for the help. New (free()). */
static struct ag_opt *global_table(void)
{
	struct ag_opt *t = ag_calloc(AG_ARRAY_LEN(globals) + 1, sizeof *t);
	for (size_t i = 0; i < AG_ARRAY_LEN(globals); i++)
		t[i] = globals[i].opt;
	return t;
}

void ag_cmd_global_help(struct ag_buf *out)
{
	struct ag_opt *t = global_table();
	ag_opts_help(t, out);
	free(t);
}

/* --- messages ----------------------------------------------------------------- */

/* One message line on stderr. Messages carry outside text (option values,
 * paths from a config, server messages), so the whole line goes through the
 * one sanitizer: no byte of it can start a line or send a sequence. JSON
 * keeps the exact message. */
static void put_message(const char *cmd, const char *msg)
{
	char *shown = ag_quote_is_clean(msg) ? NULL : ag_quote_visible_dup(msg);
	if (cmd)
		fprintf(stderr, "alembic-guard: %s: %s\n", cmd, shown ? shown : msg);
	else
		fprintf(stderr, "alembic-guard: %s\n", shown ? shown : msg);
	free(shown);
}

void ag_cmd_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = ag_vprintf(fmt, ap);
	va_end(ap);
	put_message(NULL, msg);
	free(msg);
}

static const char *cmd_prefix(const struct ag_ctx *ctx)
{
	if (ctx->cmd)
		return ctx->cmd->name;
	return NULL;
}

int ag_cmd_error(struct ag_ctx *ctx, int exit, const char *code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ctx->error_msg, sizeof ctx->error_msg, fmt, ap);
	va_end(ap);
	snprintf(ctx->error_code, sizeof ctx->error_code, "%s", code);
	put_message(cmd_prefix(ctx), ctx->error_msg);
	return exit;
}

const char *ag_cmd_error_code(enum ag_err_kind kind)
{
	switch (kind) {
	case AG_ERR_USAGE: return "usage";
	case AG_ERR_CONFIG: return "config";
	case AG_ERR_DB: return "database";
	case AG_ERR_HTTP: return "platform-api";
	case AG_ERR_IO: return "io";
	case AG_ERR_NONE:
	case AG_ERR_INTERNAL: break;
	}
	return "internal";
}

/* --- help ---------------------------------------------------------------------- */

static void usage_line(const struct ag_cmd_entry *e, struct ag_buf *out)
{
	size_t start = out->len;
	ag_buf_addf(out, "usage: alembic-guard %s", e->name);
	size_t indent = out->len - start + 1;
	ag_opts_usage(e->options, out->len - start, indent, out);
	if (e->operands)
		ag_buf_addf(out, " %s", e->operands);
	ag_buf_addc(out, '\n');
}

void ag_cmd_help(const struct ag_cmd_entry *e, struct ag_buf *out)
{
	usage_line(e, out);
	ag_buf_addc(out, '\n');
	ag_opts_row("", e->summary, 0, out);
	if (ag_opts_count(e->options)) {
		ag_buf_adds(out, "\nOptions:\n");
		ag_opts_help(e->options, out);
	}
	if (e->notes)
		ag_buf_addf(out, "\n%s", e->notes);
	ag_buf_adds(out, "\nGlobal options (every command):\n");
	ag_cmd_global_help(out);
	ag_buf_adds(out, "\nExit codes:\n");
	for (size_t i = 0; e->exits && e->exits[i].code >= 0; i++) {
		const struct ag_cmd_exit *x = &e->exits[i];
		char code[16];
		if (x->code == AG_CMD_EXIT_OTHER)
			snprintf(code, sizeof code, "other");
		else
			snprintf(code, sizeof code, "%d", x->code);
		char left[24];
		snprintf(left, sizeof left, "  %s", code);
		ag_opts_row(left, x->meaning, 10, out);
	}
}

/* --- parsing ------------------------------------------------------------------- */

int ag_cmd_parse_int(struct ag_ctx *ctx, const char *opt, const char *arg, int min, int max,
		     int *out)
{
	char *end = NULL;
	errno = 0;
	long v = strtol(arg, &end, 10);
	if (errno || !*arg || *end || v < min || v > max) {
		ag_cmd_error(ctx, AG_EXIT_USAGE, "usage", "%s wants a whole number from %d to %d, not '%s'",
			     opt, min, max, arg);
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
		ag_cmd_error(ctx, AG_EXIT_USAGE, "usage", "--target wants head or heads, not '%s'", arg);
		return -1;
	}
	ctx->heads_ok = strcmp(arg, "heads") == 0;
	ctx->target_given = true;
	return 0;
}

/* One option in scope while parsing: a global row, or a command's. */
struct row {
	const struct ag_opt *o;
	const struct global *g; /* NULL for the command's (and extra) rows */
	bool extra;
};

struct scope {
	struct row *rows;
	size_t n;
	struct option *longs;
	char *shorts;
	const char **names; /* the long names, for suggestions */
};

static void scope_add(struct scope *s, const struct ag_opt *o, const struct global *g, bool extra)
{
	s->rows[s->n++] = (struct row){.o = o, .g = g, .extra = extra};
}

static void scope_init(struct scope *s, const struct ag_cmd_entry *e, unsigned flags,
		       const struct ag_opt *extra)
{
	size_t cap = AG_ARRAY_LEN(globals) + ag_opts_count(e ? e->options : NULL) +
		     ag_opts_count(extra);
	s->rows = ag_calloc(cap, sizeof *s->rows);
	s->n = 0;
	for (size_t i = 0; i < AG_ARRAY_LEN(globals); i++)
		scope_add(s, &globals[i].opt, &globals[i], false);
	for (size_t i = 0; e && e->options && e->options[i].name; i++)
		scope_add(s, &e->options[i], NULL, false);
	for (size_t i = 0; extra && extra[i].name; i++)
		scope_add(s, &extra[i], NULL, true);
	s->longs = ag_calloc(s->n + 1, sizeof *s->longs);
	s->names = ag_calloc(s->n + 1, sizeof *s->names);
	struct ag_buf sh = {0};
	/* "+": stop at the first operand (release -- CMD; the top level before
	 * the command); ":": tell a missing value from an unknown option. */
	ag_buf_adds(&sh, (flags & AG_CMD_NO_PERMUTE) ? "+:" : ":");
	for (size_t i = 0; i < s->n; i++) {
		const struct ag_opt *o = s->rows[i].o;
		/* The row's index is getopt's value: ids of different tables may
		 * then coincide without harm. */
		s->longs[i] = (struct option){o->name, o->arg ? required_argument : no_argument,
					      NULL, 256 + (int)i};
		s->names[i] = o->name;
		if (o->short_name) {
			ag_buf_addc(&sh, o->short_name);
			if (o->arg)
				ag_buf_addc(&sh, ':');
		}
	}
	ag_buf_add(&sh, "", 0);
	s->shorts = ag_buf_take(&sh);
}

static void scope_free(struct scope *s)
{
	free(s->rows);
	free(s->longs);
	free(s->shorts);
	free(s->names);
}

static const struct row *scope_short(const struct scope *s, int c)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->rows[i].o->short_name == c)
			return &s->rows[i];
	return NULL;
}

/* The "see ... --help" tail of a usage error. */
static const char *help_hint(const struct ag_cmd_entry *e, char *buf, size_t n)
{
	snprintf(buf, n, "(see 'alembic-guard %s%s--help')", e ? e->name : "", e ? " " : "");
	return buf;
}

/* Says what is wrong with the option getopt_long refused. */
static void option_error(struct ag_ctx *ctx, const struct ag_cmd_entry *e, const struct scope *s,
			 int opt, char **argv)
{
	char hint[128];
	help_hint(e, hint, sizeof hint);
	const char *where = e ? "" : " before the command";
	if (opt == ':') {
		const struct ag_opt *o = optopt >= 256 ? s->rows[optopt - 256].o
						       : scope_short(s, optopt) ? scope_short(s, optopt)->o : NULL;
		if (o && optopt >= 256)
			ag_cmd_error(ctx, AG_EXIT_USAGE, "usage", "option --%s needs a value (%s) %s",
				     o->name, o->arg, hint);
		else
			ag_cmd_error(ctx, AG_EXIT_USAGE, "usage", "option -%c needs a value (%s) %s",
				     optopt, o ? o->arg : "?", hint);
		return;
	}
	if (optopt >= 256) {
		ag_cmd_error(ctx, AG_EXIT_USAGE, "usage", "option --%s takes no value %s",
			     s->rows[optopt - 256].o->name, hint);
		return;
	}
	if (optopt) {
		/* A short option: suggest the same letter in the other case. */
		int other = optopt >= 'a' && optopt <= 'z'   ? optopt - 'a' + 'A'
			    : optopt >= 'A' && optopt <= 'Z' ? optopt - 'A' + 'a'
							     : 0;
		const struct row *r = other ? scope_short(s, other) : NULL;
		/* -V is how many programs spell --version. */
		const struct row *v = NULL;
		for (size_t i = 0; optopt == 'V' && i < s->n; i++)
			if (strcmp(s->names[i], "version") == 0)
				v = &s->rows[i];
		if (!r && v)
			ag_cmd_error(ctx, AG_EXIT_USAGE, "usage",
				     "option -V is not known%s; did you mean --version? %s", where, hint);
		else if (r)
			ag_cmd_error(ctx, AG_EXIT_USAGE, "usage",
				     "option -%c is not known%s; did you mean -%c (--%s)? %s", optopt,
				     where, other, r->o->name, hint);
		else
			ag_cmd_error(ctx, AG_EXIT_USAGE, "usage", "option -%c is not known%s %s", optopt,
				     where, hint);
		return;
	}
	/* A long option: unknown, or a prefix of several. */
	const char *bad = argv[optind - 1] ? argv[optind - 1] : "?";
	size_t blen = strcspn(bad, "=");
	char name[128];
	snprintf(name, sizeof name, "%.*s", (int)(blen < 100 ? blen : 100), bad);
	const char *word = strncmp(name, "--", 2) == 0 ? name + 2 : name;
	struct ag_buf amb = {0};
	size_t nprefix = 0;
	for (size_t i = 0; *word && i < s->n; i++)
		if (strncmp(s->names[i], word, strlen(word)) == 0) {
			ag_buf_addf(&amb, "%s--%s", nprefix ? ", " : "", s->names[i]);
			nprefix++;
		}
	if (nprefix > 1) {
		ag_cmd_error(ctx, AG_EXIT_USAGE, "usage", "option %s is ambiguous: %s %s", name, amb.p,
			     hint);
	} else {
		const char *sug = ag_opts_suggest(word, s->names, s->n);
		if (sug)
			ag_cmd_error(ctx, AG_EXIT_USAGE, "usage",
				     "option %s is not known%s; did you mean --%s? %s", name, where, sug,
				     hint);
		else
			ag_cmd_error(ctx, AG_EXIT_USAGE, "usage", "option %s is not known%s %s", name,
				     where, hint);
	}
	ag_buf_free(&amb);
}

int ag_cmd_parse(struct ag_ctx *ctx, const struct ag_cmd_entry *e, int argc, char **argv,
		 unsigned flags, const struct ag_opt *extra,
		 int (*its_fn)(struct ag_ctx *ctx, int id, const char *arg, void *state), void *state)
{
	struct scope s;
	scope_init(&s, e, flags, extra);
	optind = 0; /* 0, not 1: glibc and musl then reset their whole state */
	opterr = 0;
	int rc = 0;
	int opt;
	while ((opt = getopt_long(argc, argv, s.shorts, s.longs, NULL)) != -1) {
		if (opt == '?' || opt == ':') {
			option_error(ctx, e, &s, opt, argv);
			rc = -1;
			break;
		}
		const struct row *r = opt >= 256 ? &s.rows[opt - 256] : scope_short(&s, opt);
		if (!r) {
			rc = -1;
			break;
		}
		int got;
		if (r->g && r->g->how == SET_HELP) {
			rc = -2;
			break;
		} else if (r->g) {
			got = set_global(ctx, r->g, optarg);
		} else if (r->extra) {
			got = its_fn(ctx, r->o->id, optarg, state);
		} else if (r->o->id == AG_CMD_OPT_TARGET_ID) {
			got = ag_cmd_parse_target(ctx, optarg);
		} else {
			got = e->opt(ctx, r->o->id, optarg, state);
		}
		if (got < 0) {
			rc = -1;
			break;
		}
	}
	scope_free(&s);
	return rc < 0 ? rc : optind;
}

/* --- running a command ----------------------------------------------------------- */

int ag_cmd_run(struct ag_ctx *ctx, const struct ag_cmd_entry *e, int argc, char **argv)
{
	ctx->cmd = e;
	void *state = ag_calloc(1, e->state_size ? e->state_size : 1);
	if (e->defaults)
		memcpy(state, e->defaults, e->state_size);
	int rc;
	int i = ag_cmd_parse(ctx, e, argc, argv, e->flags, NULL, NULL, state);
	if (i == -2) {
		struct ag_buf b = {0};
		ag_cmd_help(e, &b);
		fwrite(b.p, 1, b.len, ctx->out);
		ag_buf_free(&b);
		rc = AG_EXIT_OK;
		goto unused;
	}
	if (i < 0) {
		rc = AG_EXIT_USAGE;
		goto unused;
	}
	int n = argc - i;
	char hint[128];
	help_hint(e, hint, sizeof hint);
	if (n < e->min_operands) {
		rc = ag_cmd_error(ctx, AG_EXIT_USAGE, "usage", "needs %s %s",
				  e->operands ? e->operands : "an operand", hint);
		goto unused;
	}
	if (e->max_operands >= 0 && n > e->max_operands) {
		if (e->max_operands == 0)
			rc = ag_cmd_error(ctx, AG_EXIT_USAGE, "usage", "takes no operands ('%s') %s",
					  argv[i], hint);
		else
			rc = ag_cmd_error(ctx, AG_EXIT_USAGE, "usage",
					  "takes at most %d operand%s ('%s' is one too many) %s",
					  e->max_operands, e->max_operands == 1 ? "" : "s",
					  argv[i + e->max_operands], hint);
		goto unused;
	}
	struct ag_err err = {0};
	if (e->flags & AG_CMD_GRAPH_ONLY) {
		ctx->graph_only = true;
		ctx->heads_ok = true;
	}
	if ((e->flags & AG_CMD_NEEDS_REPO) && ag_ctx_load_repo(ctx, &err) < 0) {
		rc = ag_cmd_fail(ctx, e->name, &err);
		goto unused;
	}
	if ((e->flags & AG_CMD_NEEDS_CONFIG) && ag_ctx_load_config(ctx, false, &err) < 0) {
		rc = ag_cmd_fail(ctx, e->name, &err);
		goto unused;
	}
	if ((e->flags & AG_CMD_NEEDS_DB) && !ag_ctx_database_url(ctx)) {
		rc = ag_cmd_error(ctx, AG_EXIT_USAGE, "config",
				  "no database to check: pass --database-url, set DATABASE_URL, or "
				  "set sqlalchemy.url in the config");
		goto unused;
	}
	rc = e->exec(ctx, state, n, argv + i);
	free(state);
	return rc;
unused:
	if (e->state_free)
		e->state_free(state);
	free(state);
	return rc;
}

/* ---- the Alembic judged as (lib/alembic.h, lib/pins.h) ---------------- */

/* Sets ctx->alembic from text ("X.Y" means the newest X.Y.Z known);
 * from is where text came from. */
static void set_alembic(struct ag_ctx *ctx, const char *text, const char *from)
{
	unsigned v = 0;
	bool patch = false;
	char a[16], b[16], c[16];
	free(ctx->alembic_warning);
	ctx->alembic_warning = NULL;
	(void)ag_alembic_parse(text, &v, &patch);
	unsigned use = patch ? v : ag_alembic_newest_of(v / 10000, v / 100 % 100);
	if (!use || !ag_alembic_is_known(use)) {
		unsigned near = ag_alembic_oldest();
		size_t n = 0;
		const unsigned *known = ag_alembic_known(&n);
		for (size_t i = 0; i < n; i++)
			if (known[i] <= v)
				near = known[i];
		use = near;
		ctx->alembic_warning = ag_printf(
			"%s: Alembic %s is %s the guard knows (%s to %s); judging with %s's rules", from,
			text, v < ag_alembic_oldest() ? "older than any release" : v > ag_alembic_newest() ? "newer than any release" : "not a release",
			ag_alembic_format(ag_alembic_oldest(), a), ag_alembic_format(ag_alembic_newest(), b),
			ag_alembic_format(use, c));
	}
	ctx->alembic = use;
	ag_alembic_format(use, ctx->alembic_text);
	free(ctx->alembic_from);
	ctx->alembic_from = ag_strdup(from);
}

int ag_ctx_choose_alembic(struct ag_ctx *ctx, struct ag_err *err)
{
	if (ctx->alembic)
		return 0;
	if (ctx->alembic_opt) {
		set_alembic(ctx, ctx->alembic_opt, "--alembic-version");
		return 0;
	}
	/* The pins live beside the configuration (the project's root). */
	char *dir = NULL;
	const char *slash = ctx->config_path ? strrchr(ctx->config_path, '/') : NULL;
	dir = slash ? ag_strndup(ctx->config_path, (size_t)(slash - ctx->config_path)) : ag_strdup(".");
	struct ag_pin pin;
	int r = ag_pins_find(&pin, dir, err);
	free(dir);
	if (r < 0)
		return -1;
	ctx->alembic = pin.version;
	ag_alembic_format(pin.version, ctx->alembic_text);
	free(ctx->alembic_from);
	ctx->alembic_from = pin.from ? ag_strdup(pin.from) : NULL;
	free(ctx->alembic_warning);
	ctx->alembic_warning = pin.warning ? ag_strdup(pin.warning) : NULL;
	ag_pin_free(&pin);
	return 0;
}

/* An unknown pin is a warning finding (not only stderr): JSON and --strict
 * see it too. */
static void alembic_finding(const struct ag_ctx *ctx, struct ag_findings *fs)
{
	if (!ctx->alembic_warning)
		return;
	struct ag_finding *f = ag_findings_add(fs, AG_SEV_WARNING, "unknown-alembic-version", NULL,
					       NULL, 0, "%s", ctx->alembic_warning);
	ag_finding_fix(f, "pass --alembic-version X.Y (or set alembic_version in the settings) to "
			  "the release whose rules fit best");
}

/* ---- the app's Python (lib/pyver.h) ------------------------------------ */

/* The project's files are read beside the configuration, where the pins
 * are. */
int ag_ctx_choose_python(struct ag_ctx *ctx, struct ag_err *err)
{
	int major, minor;
	if (ctx->python_opt) {
		(void)ag_pyver_parse(ctx->python_opt, &major, &minor); /* checked when given */
		ag_pyver_set(&ctx->python, major, minor, "--python-version");
		return 0;
	}
	const char *set = ag_config_guard(&ctx->config, "python_version");
	const char *cfg = ctx->config.path ? ctx->config.path : "the settings";
	if (set) {
		if (ag_pyver_parse(set, &major, &minor) < 0)
			return ag_err_set(err, AG_ERR_CONFIG,
					  "%s: python_version wants X.Y or X.Y.Z, not '%s'", cfg, set);
		char *from = ag_printf("%s (python_version)", cfg);
		ag_pyver_set(&ctx->python, major, minor, from);
		free(from);
		return 0;
	}
	const char *path = ctx->config.path ? ctx->config.path : ctx->config_path;
	const char *slash = path ? strrchr(path, '/') : NULL;
	char *dir = slash ? ag_strndup(path, (size_t)(slash - path)) : ag_strdup(".");
	int r = ag_pyver_find(&ctx->python, dir, err);
	free(dir);
	return r;
}

/* A Python the guard cannot judge as named is a finding, as an unknown
 * Alembic is: a warning when the grammar used may refuse valid syntax (or
 * the file was not understood), a note when it only accepts more. */
static void python_finding(const struct ag_ctx *ctx, struct ag_findings *fs)
{
	if (!ctx->python.warning)
		return;
	struct ag_finding *f =
		ag_findings_add(fs, ctx->python.warn_newer ? AG_SEV_WARNING : AG_SEV_INFO,
				"unknown-python-version", NULL, NULL, 0, "%s", ctx->python.warning);
	ag_finding_fix(f, "name the Python the app runs in .python-version (X.Y), or pass "
			  "--python-version X.Y (or set python_version in the settings)");
}

int ag_ctx_load_config(struct ag_ctx *ctx, bool allow_none, struct ag_err *err)
{
	if (ctx->config_loaded)
		return 0;
	/* Alembic's own CLI reads ALEMBIC_CONFIG when -c is not given. */
	const char *env = getenv("ALEMBIC_CONFIG");
	if (!ctx->config_path && env && *env)
		ctx->config_path = env;
	if (ag_ctx_choose_alembic(ctx, err) < 0)
		return -1;
	if (ag_config_load_as(&ctx->config, ctx->config_path, ctx->ini_section, ctx->alembic,
			      allow_none, err) < 0)
		return -1;
	/* The settings' alembic_version, when no option overrides it: the
	 * configuration is read again as that Alembic reads it. */
	const char *set = ag_config_guard(&ctx->config, "alembic_version");
	if (set && !ctx->alembic_opt) {
		unsigned v;
		if (ag_alembic_parse(set, &v, NULL) < 0)
			return ag_err_set(err, AG_ERR_CONFIG,
					  "%s: alembic_version wants X.Y or X.Y.Z, not '%s'",
					  ctx->config.path ? ctx->config.path : "the settings", set);
		char *from = ag_printf("%s (alembic_version)",
				       ctx->config.path ? ctx->config.path : "the settings");
		char *text = ag_strdup(set);
		set_alembic(ctx, text, from);
		free(text);
		free(from);
		ag_config_free(&ctx->config);
		if (ag_config_load_as(&ctx->config, ctx->config_path, ctx->ini_section, ctx->alembic,
				      allow_none, err) < 0)
			return -1;
	}
	if (ag_ctx_choose_python(ctx, err) < 0)
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

/* AG_THREADS=N reads the files on N threads whatever their number (for the
 * tests, which compare 1 with many); unset, or not 1 to 64: 0, the default. */
static int env_threads(void)
{
	const char *v = getenv("AG_THREADS");
	if (!v || !*v)
		return 0;
	char *end;
	long n = strtol(v, &end, 10);
	return *end == '\0' && n >= 1 && n <= 64 ? (int)n : 0;
}

int ag_ctx_load_repo(struct ag_ctx *ctx, struct ag_err *err)
{
	/* The dispatcher reads the repository for commands that need it; the
	 * gate's own call then finds it read. */
	if (ctx->graph)
		return 0;
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
	/* recursive_version_locations exists from Alembic 1.10; --recursive
	 * is the user's own request and always holds. */
	bool recursive = ctx->recursive ||
			 (ctx->config.recursive &&
			  (!ctx->alembic || ag_alembic_applies(ctx->alembic, AG_AL_RECURSIVE)));
	/* heads needs only the graph; everything else also lints what each
	 * upgrade() does, read in the same pass. */
	struct ag_scripts_opts so = {
		.recursive = recursive,
		.alembic = ctx->alembic,
		.python = ctx->python.minor,
		.sourceless = ctx->config.sourceless,
		.defs = &ctx->defines,
		.schema_helpers = ctx->graph_only ? NULL : &ctx->settings.uuid_helpers,
		.threads = env_threads(),
	};
	if (ag_scripts_read(&ctx->scripts, &ctx->locations, &so, err) < 0)
		return -1;
	struct ag_graph_opts gopts = {.heads_ok = ctx->heads_ok, .alembic = ctx->alembic};
	ctx->graph = ag_graph_build(&ctx->scripts, &gopts);
	if (ctx->graph->n == 0)
		ag_lint_no_migrations(&ctx->locations, recursive, ctx->versions.n > 0,
				      ctx->config.path, &ctx->graph->findings);
	alembic_finding(ctx, &ctx->graph->findings);
	python_finding(ctx, &ctx->graph->findings);
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

int ag_cmd_fail(struct ag_ctx *ctx, const char *cmd, const struct ag_err *err)
{
	if (err->file[0] && err->line && !strstr(err->msg, err->file))
		snprintf(ctx->error_msg, sizeof ctx->error_msg, "%s:%d: %s", err->file, err->line,
			 err->msg);
	else
		snprintf(ctx->error_msg, sizeof ctx->error_msg, "%s", err->msg);
	snprintf(ctx->error_code, sizeof ctx->error_code, "%s", ag_cmd_error_code(err->kind));
	put_message(cmd, ctx->error_msg);
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
	if (!r->alembic_version && ctx->alembic) {
		r->alembic_version = ctx->alembic_text;
		r->alembic_from = ctx->alembic_from;
	}
	if (!r->python_version && ctx->python.minor) {
		r->python_version = ctx->python.text;
		r->python_from = ctx->python.from;
	}
	ag_report_render(r, ctx->format, style, &b);
	if (b.len)
		fwrite(b.p, 1, b.len, ctx->out);
	ag_buf_free(&b);
}

/* --- the output --------------------------------------------------------------- */

/* What stands behind ctx->out. */
struct sink {
	bool hold;          /* --format json: keep everything until the end */
	struct ag_buf held;
	int err;            /* the first write error's errno; 0 when none */
};

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static ssize_t sink_write(void *c, const char *buf, size_t n)
{
	struct sink *s = c;
	if (s->err) {
		errno = s->err;
		return -1;
	}
	if (s->hold) {
		ag_buf_add(&s->held, buf, n);
		return (ssize_t)n;
	}
	if (write_all(STDOUT_FILENO, buf, n) < 0) {
		/* Kept here: stdio does not say later which errno the failed
		 * write had (hence "cannot write the output: Success"). */
		s->err = errno ? errno : EIO;
		return -1;
	}
	return (ssize_t)n;
}

void ag_cmd_output_open(struct ag_ctx *ctx)
{
	struct sink *s = ag_calloc(1, sizeof *s);
	s->hold = ctx->format == AG_FORMAT_JSON;
	cookie_io_functions_t io = {.write = sink_write};
	FILE *f = fopencookie(s, "w", io);
	if (!f) {
		free(s);
		ctx->out = stdout;
		return;
	}
	/* As stdout would be: lines reach a terminal as they are written, in
	 * step with what goes to stderr. */
	if (!s->hold && isatty(STDOUT_FILENO))
		setvbuf(f, NULL, _IOLBF, 0);
	ctx->output = s;
	ctx->out = f;
}

/* The object that --format json owes a command that wrote none. */
static void error_object(struct ag_ctx *ctx, int rc, struct ag_buf *out)
{
	json_t *root = json_object();
	json_object_set_new(root, "format_version", json_integer(1));
	const char *name = ctx->cmd ? ctx->cmd->name : NULL;
	json_object_set_new(root, "command", name ? json_string(name) : json_null());
	json_object_set_new(root, "verdict", json_string(ag_report_verdict(rc)));
	json_object_set_new(root, "exit_code", json_integer(rc));
	if (rc != AG_EXIT_OK || ctx->error_code[0]) {
		const char *code = ctx->error_code;
		if (!*code)
			code = rc == AG_EXIT_USAGE ? "usage" : rc == AG_EXIT_DB ? "database" : "internal";
		char msg[128];
		if (!ctx->error_msg[0])
			snprintf(msg, sizeof msg, "exit code %d; the reason is on stderr", rc);
		json_t *e = json_object();
		json_object_set_new(e, "code", json_string(code));
		/* Outside text (a file name, an id) may be any bytes: JSON keeps
		 * them as valid UTF-8 or says they were not. */
		json_t *m = json_string(ctx->error_msg[0] ? ctx->error_msg : msg);
		if (!m)
			m = json_string("(a message that is not valid UTF-8; see stderr)");
		json_object_set_new(e, "message", m);
		json_object_set_new(root, "error", e);
	}
	char *text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	ag_buf_adds(out, text);
	ag_buf_addc(out, '\n');
	free(text);
	json_decref(root);
}

int ag_cmd_output_finish(struct ag_ctx *ctx, int rc)
{
	struct sink *s = ctx->output;
	int err = 0;
	if (s) {
		fflush(ctx->out);
		if (s->hold && !s->err) {
			if (s->held.len == 0)
				error_object(ctx, rc, &s->held);
			if (s->held.len && write_all(STDOUT_FILENO, s->held.p, s->held.len) < 0)
				s->err = errno ? errno : EIO;
		}
		err = s->err;
		fclose(ctx->out);
		ag_buf_free(&s->held);
		free(s);
		ctx->output = NULL;
		ctx->out = stdout;
	}
	/* Anything written to stdout itself. */
	if ((fflush(stdout) != 0 || ferror(stdout)) && !err)
		err = errno ? errno : EIO;
	if (!err)
		return rc;
	/* A reader that went away (| head) is not worth a message. */
	if (err != EPIPE)
		fprintf(stderr, "alembic-guard: %s%scannot write the output: %s\n",
			cmd_prefix(ctx) ? cmd_prefix(ctx) : "", cmd_prefix(ctx) ? ": " : "",
			strerror(err));
	return rc ? rc : AG_EXIT_INTERNAL;
}

/* --- out of memory ------------------------------------------------------------- */

/* The context the out-of-memory hook reports for: lib/util calls the hook
 * without one, so it is kept here, set once in main. */
static const struct ag_ctx *oom_ctx;

static void oom(size_t n)
{
	/* Files are read on several threads: one report, one exit. A second
	 * thread out of memory waits for the first's _exit. */
	static atomic_flag reporting = ATOMIC_FLAG_INIT;
	if (atomic_flag_test_and_set(&reporting))
		for (;;)
			pause();
	/* Nothing here may allocate: snprintf into the stack, write(2). */
	const char *name = oom_ctx && oom_ctx->cmd ? oom_ctx->cmd->name : NULL;
	char line[256];
	int len = snprintf(line, sizeof line, "alembic-guard: %s%sout of memory (%zu bytes more "
			   "were needed)\n", name ? name : "", name ? ": " : "", n);
	if (len > 0)
		(void)!write(STDERR_FILENO, line, (size_t)len < sizeof line ? (size_t)len : sizeof line - 1);
	if (oom_ctx && oom_ctx->format == AG_FORMAT_JSON) {
		/* What was held is dropped: one whole object, never half of one. */
		char obj[512];
		len = snprintf(obj, sizeof obj,
			       "{\n  \"format_version\": 1,\n  \"command\": %s%s%s,\n"
			       "  \"verdict\": \"error\",\n  \"exit_code\": 4,\n  \"error\": {\n"
			       "    \"code\": \"out-of-memory\",\n    \"message\": \"out of memory "
			       "(%zu bytes more were needed)\"\n  }\n}\n",
			       name ? "\"" : "", name ? name : "null", name ? "\"" : "", n);
		if (len > 0 && (size_t)len < sizeof obj)
			(void)!write(STDOUT_FILENO, obj, (size_t)len);
	}
	_exit(AG_EXIT_INTERNAL);
}

void ag_cmd_oom_install(struct ag_ctx *ctx)
{
	oom_ctx = ctx;
	ag_set_oom_hook(oom);
}
