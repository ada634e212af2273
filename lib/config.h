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
	char *file_template;   /* NULL (Alembic's default %(rev)s_%(slug)s) or malloced */
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
/* The value of a guard setting, or NULL. Borrowed from cfg. */
const char *ag_config_guard(const struct ag_config *cfg, const char *key);
void ag_config_free(struct ag_config *cfg);

#endif
