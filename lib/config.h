/*
 * config: where the migrations are and how the project names things, read
 * from alembic.ini (configparser semantics, through inih: multi-line
 * values, `%(here)s` and `%(name)s` interpolation, no inline comments) or,
 * when there is none, from pyproject.toml's [tool.alembic] table. The
 * guard's own settings ([alembic-guard] / [tool.alembic-guard]) are kept
 * as raw key/value pairs for the caller to interpret.
 *
 * Ownership: ag_config owns every string in it; ag_config_free releases them
 * and accepts a zeroed struct. `url` may hold a password: never print it
 * (lib/db splits it, see ag_db_parse_url). Errors come back through
 * struct ag_err (AG_ERR_CONFIG with file and line, or AG_ERR_IO).
 */
#ifndef AG_CONFIG_H
#define AG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "util.h"

struct ag_config {
	char *path;            /* NULL or malloced: the file that was read */
	char *here;            /* NULL or malloced: the directory of path */
	char *script_location; /* NULL or malloced */
	struct ag_strv version_locations; /* as Alembic computes them */
	bool recursive;        /* recursive_version_locations = true */
	bool sourceless;       /* sourceless = true: .pyc files are migrations too */
	char *toml_path;       /* NULL or malloced: pyproject.toml read beside path */
	/* NULL or malloced: a TOML boolean written as a string (Alembic 1.16.4+
	 * fails on it when it reads that key from the TOML) */
	char *toml_recursive_err, *toml_sourceless_err;
	/* which keys the file set (Alembic 1.16+ takes the others from the TOML) */
	bool has_script_location, has_version_locations, has_recursive, has_sourceless,
		has_file_template, has_url;
	char *file_template;   /* NULL (Alembic's default %(rev)s_%(slug)s) or malloced: the
	                        * template Alembic formats, its ini/TOML escapes removed */
	char *url;             /* NULL or malloced: sqlalchemy.url; a secret */
	/* [alembic-guard] or [tool.alembic-guard]: raw settings, in file order */
	struct ag_strv guard_keys, guard_values;
};

/*
 * Reads path, or with path NULL the first of ./alembic.ini and
 * ./pyproject.toml that exists; section is the ini section (NULL means
 * "alembic", as `alembic -n`). A missing explicit file is AG_ERR_CONFIG; no
 * file at all is not an error when allow_none is true (cfg stays empty).
 */
int ag_config_load(struct ag_config *cfg, const char *path, const char *section, bool allow_none,
		   struct ag_err *err);
/* Parses alembic.ini text (len bytes, any content) as if read from path. */
int ag_config_parse_ini(struct ag_config *cfg, const char *text, size_t len, const char *path,
			const char *section, struct ag_err *err);
/* Parses pyproject.toml text: only the [tool.alembic] and
 * [tool.alembic-guard] tables, in the subset of TOML they use. */
int ag_config_parse_toml(struct ag_config *cfg, const char *text, size_t len, const char *path,
			 struct ag_err *err);
/*
 * ag_config_load as Alembic `alembic` (a code of lib/alembic.h; 0: the
 * guard's historic reading, as 1.8) reads its configuration. From 1.16:
 * alembic.ini (or path) and pyproject.toml (or path, when it ends in
 * .toml) are both read when present, the ini winning key by key;
 * recursive_version_locations and sourceless are `== "true"` in the ini,
 * and in TOML a string is an error from 1.16.4 (before that only the
 * string "true" counts). The caller resolves ALEMBIC_CONFIG into path.
 */
int ag_config_load_as(struct ag_config *cfg, const char *path, const char *section,
		      unsigned alembic, bool allow_none, struct ag_err *err);
int ag_config_parse_ini_as(struct ag_config *cfg, const char *text, size_t len, const char *path,
			   const char *section, unsigned alembic, struct ag_err *err);
int ag_config_parse_toml_as(struct ag_config *cfg, const char *text, size_t len, const char *path,
			    unsigned alembic, struct ag_err *err);

/* One key = value of a TOML file, or (key NULL) a table header. Strings
 * are decoded, arrays joined with "\n"; raw/raw_len is the value as
 * written (an inline table too). All borrowed for the call. */
struct ag_config_toml_item {
	const char *table; /* "a.b", or "[]a.b" for an array of tables */
	const char *key;   /* NULL for a header */
	const char *value;
	const char *raw;
	size_t raw_len;
	int line;
};
typedef int (*ag_config_toml_fn)(void *user, const struct ag_config_toml_item *it,
				 struct ag_err *err);
/* Walks a TOML text (the subset pyproject.toml and lock files use) and
 * calls fn for every header and key; fn returns -1 (err set) to stop. */
int ag_config_toml_walk(const char *text, size_t len, const char *path, ag_config_toml_fn fn,
			void *user, struct ag_err *err);
/* The value of a guard setting, or NULL. Borrowed from cfg. */
const char *ag_config_guard(const struct ag_config *cfg, const char *key);
void ag_config_free(struct ag_config *cfg);

#endif
