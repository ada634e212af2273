/*
 * pins: which Alembic a project runs, read from its own pins, so that the
 * guard judges as that Alembic (lib/alembic.h). Files, in this order of
 * trust (a lock file says what is installed; a requirement what may be):
 *   uv.lock, poetry.lock, pdm.lock  [[package]] name = "alembic", version
 *   Pipfile.lock                    {"default": {"alembic": {"version": "==X"}}}
 *   requirements*.txt               alembic==X / >=X,<Y [extras], markers,
 *                                   --hash, continuations; -r / -c followed
 *   pyproject.toml                  [project] dependencies,
 *                                   [tool.poetry.dependencies] alembic = "^X"
 *   setup.cfg                       [options] install_requires
 * An exact pin selects that release; a range the newest known release it
 * allows (PEP 440 ==, !=, <, <=, >, >=, ~=, ==X.*, and Poetry's ^ and ~);
 * nothing found the newest known. A pin outside what the guard knows is
 * judged with the nearest known release and a warning that says so.
 *
 * Ownership: struct ag_pin owns its strings; ag_pin_free accepts a zeroed
 * struct. Errors: only I/O failures come back through struct ag_err
 * (AG_ERR_IO); a file that cannot be understood is skipped, with a note in
 * pin->warning.
 */
#ifndef AG_PINS_H
#define AG_PINS_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "util.h"

struct ag_pin {
	unsigned version; /* the known release judged as (lib/alembic.h code) */
	char *from;       /* NULL (nothing found) or malloced: "FILE:LINE" */
	char *spec;       /* NULL or malloced: the requirement's version part as written */
	char *warning;    /* NULL or malloced: a pin the guard does not know */
};

/* What one file says about alembic: each requirement's version part
 * ("" when the name stands alone) with its line, and for requirements
 * files the files it includes (-r, -c), as written. */
struct ag_pins_file {
	struct ag_strv specs;
	int *lines; /* NULL or malloced, one per spec */
	struct ag_strv includes;
};

/* Reads text as the pin file named name (its base name picks the format).
 * Never fails: what is not understood is no pin. Free with
 * ag_pins_file_free. */
void ag_pins_scan(struct ag_pins_file *out, const char *name, const char *text, size_t len);
void ag_pins_file_free(struct ag_pins_file *f);

/*
 * The known release that a version part selects ("==1.13.2", ">=1.10,<1.14",
 * "^1.13", "1.13.2" (a lock file), "" for any). Returns 0 with *version set,
 * *exact set for a single pinned release and, when that release or range
 * lies outside what the guard knows, *outside set to the pinned release (or
 * 1 when the range allows no known release); -1 when spec cannot be read.
 */
int ag_pins_select(const char *spec, unsigned *version, bool *exact, unsigned *outside);

/*
 * Whether the release major.minor.patch satisfies spec, read with the same
 * operators as ag_pins_select (so lib/pyver reads requires-python as pins
 * read alembic's requirement). Returns 1 or 0; -1 when spec cannot be
 * read. An empty spec admits every release.
 */
int ag_pins_admits(const char *spec, unsigned major, unsigned minor, unsigned patch);

/* Looks for the pin files in dir, in the order above, and fills pin.
 * Returns 0, or -1 with err set on an I/O error. */
int ag_pins_find(struct ag_pin *pin, const char *dir, struct ag_err *err);
void ag_pin_free(struct ag_pin *pin);

#endif
