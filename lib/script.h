/*
 * script: one migration file -> the values Alembic reads from it
 * (revision, down_revision, branch_labels, depends_on), with the line of
 * each, plus the "Revision ID:"/"Revises:" header of the module docstring.
 * Nothing is executed: module-level assignments of literals are read with
 * pyscan; names that files use in expressions are resolved from earlier
 * module-level assignments in the same file, then from the caller's
 * defines (--define NAME=VALUE), else reported as `unresolved-value`.
 *
 * ag_scripts_load lists every version location as Alembic 1.8 does
 * (every *.py but __init__* and .#*, in directory order) on one thread,
 * then reads and parses the files on one thread per core (lib/pool.h),
 * each result in its listing's slot, so the scripts, their findings and
 * the error of an I/O failure (the first file in listing order) are the
 * same on any number of threads. ag_scripts_read can also read what each upgrade()
 * does to the schema (lib/schema.h) from the same buffer, so that lint
 * never opens a file a second time.
 *
 * Ownership: an ag_script owns its strings and findings; ag_scripts owns
 * its scripts. Problems in a file are findings on that script (parse-error,
 * unresolved-value, not-a-migration, missing-down-revision); only I/O
 * failures come back through struct ag_err.
 */
#ifndef AG_SCRIPT_H
#define AG_SCRIPT_H

#include <stdbool.h>
#include <stddef.h>

#include "doc.h"
#include "err.h"
#include "finding.h"
#include "schema.h"
#include "util.h"

/* Values for names used in expressions: names[i] -> values[i]. */
struct ag_defines {
	struct ag_strv names, values;
};
void ag_defines_set(struct ag_defines *d, const char *name, const char *value);
const char *ag_defines_get(const struct ag_defines *d, const char *name);
void ag_defines_free(struct ag_defines *d);

struct ag_script {
	char *path;        /* malloced: location/name */
	const char *name;  /* borrowed from path: the base name */
	size_t location;   /* index of its version location */
	char *revision;    /* NULL or malloced; NULL when it could not be read */
	int revision_line; /* 0 when the id came from the file name */
	bool has_down;     /* down_revision was assigned (to anything) */
	bool down_known;   /* ... and its value is known */
	struct ag_strv down; /* empty: a base; several: a merge (repeats kept) */
	int down_line;
	bool down_empty_str; /* down_revision = '': a base up to Alembic 1.12.0, an error after */
	struct ag_strv labels;  /* branch_labels as written */
	int labels_line;
	struct ag_strv depends; /* depends_on as written */
	int depends_line;
	struct ag_doc doc;  /* the module docstring (lib/doc.h) */
	/* The file's style, so generated files can match it. */
	bool annotated; /* revision: str = ... */
	char quote;     /* the quote of the revision literal, ' or " */
	/* The grammar the file is judged with: Python 3.python (lib/pyver.h);
	 * 0: the newest lib/pyparse knows. Set before ag_script_parse. */
	int python;
	struct ag_findings findings;
	/* NULL, or malloced when loaded with schema_helpers (and the file could
	 * be read): the schema operations of its upgrade(). */
	struct ag_schema_file *schema;
};

/* Parses buf (len bytes, need not be NUL-terminated) as the file at path.
 * Always fills sc (which must be zeroed); problems become findings. */
void ag_script_parse(struct ag_script *sc, const char *path, const char *buf, size_t len,
		     const struct ag_defines *defs);
void ag_script_free(struct ag_script *sc);

struct ag_scripts {
	struct ag_script *v; /* NULL or malloced */
	size_t n, cap;
	struct ag_findings findings; /* about locations, not files */
};

/* True for a file name Alembic 1.8 loads as a migration. */
bool ag_script_is_candidate(const char *name);

/*
 * Loads every migration file of the locations (in order; with recursive,
 * their subfolders too, skipping __pycache__). Missing locations are a
 * warning finding, unless none exists (AG_ERR_CONFIG). Returns 0, or -1
 * with err set when a directory or file cannot be read (AG_ERR_IO).
 */
int ag_scripts_load(struct ag_scripts *out, const struct ag_strv *locations, bool recursive,
		    const struct ag_defines *defs, struct ag_err *err);

struct ag_scripts_opts {
	bool recursive;
	unsigned alembic;   /* the Alembic judged as (lib/alembic.h); 0: as 1.8 */
	int python;         /* the app's Python is 3.python (lib/pyver.h); 0: the newest known */
	bool sourceless;    /* sourceless = true: .pyc files count (and are refused: see below) */
	const struct ag_defines *defs;        /* NULL: no defines */
	const struct ag_strv *schema_helpers; /* non-NULL: also fill each script's schema,
						 with these UUID helper names */
	int threads; /* readers; 0: one per core (ag_pool_threads), one for < 64 files */
};
/* ag_scripts_load with options (opts may be NULL). */
int ag_scripts_read(struct ag_scripts *out, const struct ag_strv *locations,
		    const struct ag_scripts_opts *opts, struct ag_err *err);
void ag_scripts_free(struct ag_scripts *ss);

#endif
