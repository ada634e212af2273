/*
 * pyver: which Python the app runs, read from the project's own files as
 * Heroku's Python buildpack reads them, so that lib/pyparse judges a
 * migration with that Python's grammar: syntax newer than it is a
 * SyntaxError when Alembic imports the file in the release phase.
 *
 * The files, in the buildpack's order (the first one present decides,
 * even when it cannot be read: Heroku stops there too):
 *   runtime.txt      python-3.11.9 or python-3.11 (deprecated by Heroku,
 *                    but still read first by its buildpack)
 *   .python-version  its one line that is not blank or a comment: 3.12
 *                    or 3.12.4
 *   Pipfile.lock     _meta.requires.python_full_version, else
 *                    python_version
 *   pyproject.toml   [project] requires-python: the OLDEST 3.x it admits
 *                    (the buildpack does not read it, but a project that
 *                    says ">=3.10" promises to run on 3.10, and syntax
 *                    newer than 3.10 would break there)
 * Nothing found: the newest Python the parser knows (3.13), so the guard
 * never refuses syntax that the app's Python accepts. A version outside
 * the parser's 3.8..3.13 is judged as the nearest of them, with a note.
 *
 * Ownership: struct ag_pyver owns its strings; ag_pyver_free accepts a
 * zeroed struct. Errors: only I/O failures come back through struct ag_err
 * (AG_ERR_IO); a file that cannot be understood is judged as the newest
 * Python, with a note in pv->warning (as lib/pins does with a bad pin).
 */
#ifndef AG_PYVER_H
#define AG_PYVER_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

struct ag_pyver {
	int minor;        /* judged as 3.minor, AG_PYPARSE_MIN_MINOR..AG_PYPARSE_MAX_MINOR */
	char text[16];    /* "3.12" */
	char *from;       /* NULL (nothing found) or malloced: "FILE:LINE", "--python-version" */
	char *warning;    /* NULL or malloced: a version the guard cannot judge as named */
	bool warn_newer;  /* the warning is about a version newer than the parser knows, or a
			   * file not understood (a warning); false: an older one (a note) */
};

/*
 * Reads "X.Y" or "X.Y.Z" (digits only, as the buildpack's N.N[.N]): 0 with
 * *major and *minor set, -1 when text is anything else.
 */
int ag_pyver_parse(const char *text, int *major, int *minor);

/*
 * Reads text as the file named name (its base name picks the format:
 * runtime.txt, .python-version, Pipfile.lock, pyproject.toml). Returns 1
 * with *major, *minor and *line (1-based) set; 0 when the file names no
 * Python (a pyproject.toml without requires-python, a Pipfile.lock without
 * the fields); -1 with *why set (new, free()) when it cannot be read, *line
 * the line at fault (0: the file as a whole).
 */
int ag_pyver_scan(const char *name, const char *text, size_t len, int *major, int *minor,
		  int *line, char **why);

/*
 * Judges as major.minor, found at from (copied): clamps to the parser's
 * range and says so in pv->warning. pv is freed first (zeroed is fine).
 */
void ag_pyver_set(struct ag_pyver *pv, int major, int minor, const char *from);

/* Looks for the files in dir, in the order above, and fills pv (always
 * set: the newest when nothing is found). Returns 0, or -1 with err set on
 * an I/O error. */
int ag_pyver_find(struct ag_pyver *pv, const char *dir, struct ag_err *err);
void ag_pyver_free(struct ag_pyver *pv);

#endif
