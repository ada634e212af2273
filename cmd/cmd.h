/*
 * The command layer: argument parsing, the shared setup every command needs
 * (config, repository, database options), printing and exit codes. Each
 * command lives in cmd/<name>.c with one const struct ag_cmd_entry; the
 * registry in cmd/main.c lists them in alphabetical order.
 */
#ifndef AG_CMD_H
#define AG_CMD_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "lib/config.h"
#include "lib/err.h"
#include "lib/finding.h"
#include "lib/graph.h"
#include "lib/report.h"
#include "lib/script.h"
#include "lib/settings.h"
#include "lib/util.h"

#define AG_VERSION "0.1.0"

/* Exit codes: the pipeline contract (README.md, design.md). */
enum {
	AG_EXIT_OK = 0,
	AG_EXIT_BLOCKED = 1,
	AG_EXIT_USAGE = 2,
	AG_EXIT_DB = 3,
	AG_EXIT_INTERNAL = 4,
	AG_EXIT_PENDING = 5,
};

struct ag_ctx {
	/* global options */
	const char *config_path;     /* -c; NULL: ./alembic.ini, else ./pyproject.toml */
	const char *ini_section;     /* -n/--name; NULL: "alembic" */
	struct ag_strv versions;     /* --versions, overrides the config */
	bool recursive;
	const char *database_url;    /* --database-url, else DATABASE_URL, else config; a secret */
	struct ag_defines defines;
	const char *version_table;   /* NULL: settings, else alembic_version */
	const char *version_table_schema;
	enum ag_format format;
	bool strict, quiet, color, no_color, verbose;
	bool heads_ok;               /* several heads are intended (--target heads) */
	bool target_given;           /* --target was given: it wins over the settings' target */
	bool graph_only;             /* ag_ctx_load_repo skips lib/lint's rules (heads) */
	int connect_timeout;         /* seconds */
	/* state, filled by ag_ctx_load_repo */
	struct ag_config config;
	bool config_loaded;
	struct ag_settings settings; /* [alembic-guard], parsed by ag_ctx_load_config */
	struct ag_strv locations;
	struct ag_scripts scripts;
	struct ag_graph *graph;
	FILE *out;                   /* stdout */
};

#define AG_CMD_NO_PERMUTE 0x1 /* stop at the first non-option (release -- CMD) */

struct ag_cmd_entry {
	const char *name;
	const char *usage;   /* after "alembic-guard NAME " */
	const char *summary; /* one line for the command list */
	const char *options; /* the command's own options, one per line, for --help */
	unsigned flags;
	int (*exec)(struct ag_ctx *ctx, int argc, char **argv);
};

/* A command's own option handler: returns 0, or -1 after printing an error. */
typedef int (*ag_opt_fn)(struct ag_ctx *ctx, int opt, const char *arg, void *state);

/*
 * Parses argv (argv[0] is the command name) with the global options and
 * the command's own (own/own_short; values of own options must be < 256 or
 * >= 2000). Handles -h/--help. Returns the index of the first operand, or
 * -1 after printing a usage error (exit 2), or -2 when help was printed
 * (exit 0).
 */
int ag_cmd_getopt(struct ag_ctx *ctx, const struct ag_cmd_entry *e, int argc, char **argv,
		  const struct option *own, const char *own_short, ag_opt_fn fn, void *state);
/* Prints the command's help to stdout. */
void ag_cmd_help(const struct ag_cmd_entry *e);

/* Reads the config (when needed), lists and parses the migration files and
 * builds the graph. Returns 0 or -1 with err set. */
int ag_ctx_load_repo(struct ag_ctx *ctx, struct ag_err *err);
/* Loads the config only (for the database URL and settings). */
int ag_ctx_load_config(struct ag_ctx *ctx, bool allow_none, struct ag_err *err);
/* The database URL by precedence, or NULL; borrowed. */
const char *ag_ctx_database_url(struct ag_ctx *ctx);
/* Prints "alembic-guard: message" to stderr (file:line: prefixed when set)
 * and returns the exit code for err's kind. */
int ag_cmd_fail(const struct ag_ctx *ctx, const char *cmd, const struct ag_err *err);
/* Exit code of a set of findings: 1 when an error (or, with --strict, a
 * warning) is present, else 0. */
int ag_cmd_findings_exit(const struct ag_ctx *ctx, const struct ag_findings *fs);
/* Renders the report with the context's format and writes it to ctx->out. */
void ag_cmd_emit(struct ag_ctx *ctx, struct ag_report *r, enum ag_style style);
/* printf to stderr with the "alembic-guard: " prefix. */
void ag_cmd_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Parses a non-negative integer option; -1 on error (printed). */
int ag_cmd_parse_int(const char *opt, const char *arg, int min, int max, int *out);
/* The time new files are dated with: SOURCE_DATE_EPOCH when set (so that
 * generated files are reproducible), else the clock. */
void ag_cmd_now(time_t *sec, long *usec);
/* --target head|heads: sets ctx->heads_ok and marks it given, so that it
 * wins over the settings' target; -1 on error (printed). */
int ag_cmd_parse_target(struct ag_ctx *ctx, const char *arg);
/* For commands whose only option is --target (lint, diagnose, graph): the
 * getopt table and its handler for ag_cmd_getopt. */
extern const struct option ag_cmd_target_options[];
int ag_cmd_target_opt(struct ag_ctx *ctx, int o, const char *arg, void *state);

/* The commands (one file each). */
extern const struct ag_cmd_entry ag_cmd_backfill;
extern const struct ag_cmd_entry ag_cmd_check;
extern const struct ag_cmd_entry ag_cmd_diagnose;
extern const struct ag_cmd_entry ag_cmd_graph;
extern const struct ag_cmd_entry ag_cmd_heads;
extern const struct ag_cmd_entry ag_cmd_init;
extern const struct ag_cmd_entry ag_cmd_lint;
extern const struct ag_cmd_entry ag_cmd_release;
extern const struct ag_cmd_entry ag_cmd_releases;
extern const struct ag_cmd_entry ag_cmd_rename;
extern const struct ag_cmd_entry ag_cmd_wait_release;

#endif
