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
#include "lib/opts.h"
#include "lib/pyver.h"
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
	const char *alembic_opt;     /* --alembic-version X.Y[.Z], or NULL */
	/* the Alembic judged as (lib/alembic.h), chosen by ag_ctx_choose_alembic */
	unsigned alembic;            /* 0 until chosen */
	char alembic_text[16];       /* "1.13.2" */
	char *alembic_from;          /* NULL or malloced: "requirements.txt:4", "--alembic-version" */
	char *alembic_warning;       /* NULL or malloced: a version the guard does not know */
	const char *python_opt;      /* --python-version X.Y[.Z], or NULL */
	/* the app's Python, whose grammar judges the files (lib/pyver.h),
	 * chosen by ag_ctx_load_config; minor 0 until chosen */
	struct ag_pyver python;
	/* state, filled by ag_ctx_load_repo */
	struct ag_config config;
	bool config_loaded;
	struct ag_settings settings; /* [alembic-guard], parsed by ag_ctx_load_config */
	struct ag_strv locations;
	struct ag_scripts scripts;
	struct ag_graph *graph;
	FILE *out;                   /* stdout, through ag_cmd_output_open */
	/* the running command and the last error said, for --format json */
	const struct ag_cmd_entry *cmd; /* NULL before the command is known */
	char error_code[32];         /* "" until ag_cmd_error or ag_cmd_fail */
	char error_msg[2048];
	void *output;                /* the sink behind out (cmd/cmd.c) */
};

/* What a command needs before its exec runs: the dispatcher does this
 * setup once (git's RUN_SETUP), so no command repeats it. */
enum {
	AG_CMD_NO_PERMUTE = 0x1,  /* options stop at the first operand (release -- CMD) */
	AG_CMD_NEEDS_CONFIG = 0x2, /* the config is read (it must exist) */
	AG_CMD_NEEDS_REPO = 0x4,  /* the config, the migration files and the graph are read */
	AG_CMD_GRAPH_ONLY = 0x8,  /* with NEEDS_REPO: the graph alone, no lint rules; several
				   * heads are what the command lists, not a finding (heads) */
	AG_CMD_NEEDS_DB = 0x10,   /* a database URL is required (check, release) */
};

/* One exit code a command can end with, for its --help. */
struct ag_cmd_exit {
	int code;            /* -1 ends a list */
	const char *meaning;
};
/* The rows every command shares. */
#define AG_CMD_EXIT_USAGE \
	{2, "usage or configuration error (a bad option, no config, no migrations directory)"}
#define AG_CMD_EXIT_IO {4, "internal or I/O error (an unreadable file, out of memory)"}
#define AG_CMD_EXIT_END {-1, NULL}
#define AG_CMD_EXIT_OTHER 256 /* a row for "any other code" (release: CMD's own) */

/* The option ids the dispatcher handles itself for any command whose table
 * has the row (AG_CMD_OPT_TARGET). Command ids start at 2000. */
enum { AG_CMD_OPT_TARGET_ID = 1900 };
#define AG_CMD_OPT_TARGET(help) {AG_CMD_OPT_TARGET_ID, "target", 0, "head|heads", help}

/*
 * A command, as tmux's cmd_entry: its options, operand bounds and needs
 * are data; cmd/main.c parses argv against them, prints the help from the
 * same table and does the setup before calling exec. A command's options
 * land in its own state struct: state_size bytes, copied from defaults
 * (zeroed when NULL), filled by opt.
 */
struct ag_cmd_entry {
	const char *name;
	const char *summary;           /* one line for the command list */
	const struct ag_opt *options;  /* NULL, or ended by a row whose name is NULL */
	const char *operands;          /* the operands in the usage line ("REV...", "-- CMD..."),
					* NULL when it takes none */
	int min_operands, max_operands; /* max_operands -1: no limit */
	unsigned flags;                /* AG_CMD_* */
	const struct ag_cmd_exit *exits; /* for --help; ended by AG_CMD_EXIT_END */
	const char *notes;             /* NULL, or more help: environment, examples */
	size_t state_size;
	const void *defaults;          /* NULL, or state_size bytes of defaults */
	/* Stores one option (an id from options) in state: 0, or -1 after
	 * ag_cmd_error. NULL when every option is handled by the dispatcher. */
	int (*opt)(struct ag_ctx *ctx, int id, const char *arg, void *state);
	/* Releases what opt allocated in state, when exec does not run (a later
	 * option failed). exec owns the state's contents once called. */
	void (*state_free)(void *state);
	/* Runs the command with its operands (argv[0] is the first operand,
	 * not the command's name); returns the exit code. */
	int (*exec)(struct ag_ctx *ctx, void *state, int argc, char **argv);
};

/*
 * Runs the command e with argv (argv[0] is its name): parses the global
 * and the command's options, checks the operand count, does the setup
 * that e->flags ask for, then calls e->exec. --help prints the help and
 * returns 0. Returns the exit code.
 */
int ag_cmd_run(struct ag_ctx *ctx, const struct ag_cmd_entry *e, int argc, char **argv);
/* Appends the command's help (usage line, summary, options, global
 * options, exit codes) to out. */
void ag_cmd_help(const struct ag_cmd_entry *e, struct ag_buf *out);
/* The global options, for the top-level help. */
void ag_cmd_global_help(struct ag_buf *out);

/*
 * Parses the options in argv from argv[1] on: the global ones, and
 * e's own (e may be NULL before the command is known: only the global
 * options and extra). Returns the index of the first operand, -1 after an
 * error (ag_cmd_error: exit 2), or -2 when --help was given. An option of
 * extra (which must not collide with any other) is passed to its_fn.
 */
int ag_cmd_parse(struct ag_ctx *ctx, const struct ag_cmd_entry *e, int argc, char **argv,
		 unsigned flags, const struct ag_opt *extra,
		 int (*its_fn)(struct ag_ctx *ctx, int id, const char *arg, void *state), void *state);

/* Reads the config (when needed), lists and parses the migration files and
 * builds the graph. Returns 0 or -1 with err set. */
int ag_ctx_load_repo(struct ag_ctx *ctx, struct ag_err *err);
/* Loads the config only (for the database URL and settings). */
int ag_ctx_load_config(struct ag_ctx *ctx, bool allow_none, struct ag_err *err);
/* Chooses the Alembic to judge as: --alembic-version, else the settings'
 * alembic_version, else the project's pins (lib/pins.h), else the newest
 * known. Returns 0 or -1 with err set. */
int ag_ctx_choose_alembic(struct ag_ctx *ctx, struct ag_err *err);
/* Chooses the Python whose grammar judges the files (ctx->python):
 * --python-version, else the settings' python_version (when the config has
 * been read), else the project's files (lib/pyver.h), else the newest
 * known. Returns 0 or -1 with err set. */
int ag_ctx_choose_python(struct ag_ctx *ctx, struct ag_err *err);
/* The database URL by precedence, or NULL; borrowed. */
const char *ag_ctx_database_url(struct ag_ctx *ctx);
/* Prints "alembic-guard: CMD: message" to stderr (file:line: prefixed when
 * set), keeps it for the JSON error object and returns the exit code for
 * err's kind. */
int ag_cmd_fail(struct ag_ctx *ctx, const char *cmd, const struct ag_err *err);
/*
 * Prints "alembic-guard: CMD: message" to stderr (CMD: the running command,
 * none before it is known) and keeps it, with code (a kebab-case slug such
 * as "usage"), for the JSON error object that --format json writes when
 * the command ends without a report. Returns exit.
 */
int ag_cmd_error(struct ag_ctx *ctx, int exit, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* The JSON error code of an error kind ("usage", "config", "database"...). */
const char *ag_cmd_error_code(enum ag_err_kind kind);
/* Exit code of a set of findings: 1 when an error (or, with --strict, a
 * warning) is present, else 0. */
int ag_cmd_findings_exit(const struct ag_ctx *ctx, const struct ag_findings *fs);
/* Renders the report with the context's format and writes it to ctx->out. */
void ag_cmd_emit(struct ag_ctx *ctx, struct ag_report *r, enum ag_style style);
/* printf to stderr with the "alembic-guard: " prefix. */
void ag_cmd_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Parses a whole number option into [min, max]; -1 after ag_cmd_error. */
int ag_cmd_parse_int(struct ag_ctx *ctx, const char *opt, const char *arg, int min, int max,
		     int *out);
/* The time new files are dated with: SOURCE_DATE_EPOCH when set (so that
 * generated files are reproducible), else the clock. */
void ag_cmd_now(time_t *sec, long *usec);
/* --target head|heads: sets ctx->heads_ok and marks it given, so that it
 * wins over the settings' target; -1 on error (printed). */
int ag_cmd_parse_target(struct ag_ctx *ctx, const char *arg);

/*
 * The program's output: ctx->out writes to fd 1 through here, keeping the
 * first write error's errno, and with --format json holds everything
 * until ag_cmd_output_finish, so that exactly one object reaches stdout
 * whatever happens (an error object when the command wrote none).
 */
void ag_cmd_output_open(struct ag_ctx *ctx);
/* Writes what is held (or the JSON error object), closes ctx->out and
 * returns the exit code: rc, or 4 when the output could not be written
 * (said on stderr with the reason). */
int ag_cmd_output_finish(struct ag_ctx *ctx, int rc);
/* Installs the out-of-memory hook of lib/util for ctx (its command and
 * format): it writes a message and, with --format json, a fixed object
 * without allocating, and exits 4. */
void ag_cmd_oom_install(struct ag_ctx *ctx);

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
