/*
 * template: Alembic's migration file names. A project's `file_template`
 * (alembic.ini) is a Python %-format over rev, slug, epoch, year, month,
 * day, hour, minute and second; this module expands it as Alembic's
 * `ScriptDirectory._rev_path` does, matches an existing name against it,
 * makes Alembic's slug of a message, reads and writes the docstring's
 * "Create Date:" (local time, as Alembic writes it), and says whether
 * Alembic would load a file of a given name at all.
 *
 * It is the one place that knows these rules, for `rename` and `backfill`
 * (which write names), for `lint` (which checks them) and for lib/config
 * (which reads a template from pyproject.toml): no other module parses a
 * template or a Create Date. The template given to these functions is the
 * one Alembic's _rev_path formats, its config escapes already removed
 * (configparser's for alembic.ini, ag_template_from_toml's for TOML), so
 * "%%(year)d" here is the literal text "%(year)d", not a date field.
 *
 * Ownership: inputs are borrowed; functions documented "new" return a
 * string the caller frees with free(). Errors come back through struct
 * ag_err as AG_ERR_CONFIG (a template Alembic could not expand either).
 * Dates are local time, as Alembic's `datetime.now()` is; the functions
 * read the TZ the process has (lib/ reads no environment itself).
 */
#ifndef AG_TEMPLATE_H
#define AG_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "err.h"

/* Alembic's default file_template. */
#define AG_TEMPLATE_DEFAULT "%(rev)s_%(slug)s"

/* Alembic's slug of a message: \w+ runs joined by '_', lowered, cut at
 * truncate characters (0: 40, Alembic's default truncate_slug_length) on
 * a '_' boundary. New. */
char *ag_template_slug(const char *message, int truncate);

/*
 * The slug Alembic gave a file: from message, the docstring's (lib/doc;
 * NULL or "" when it has none), else from the file's name (a base name,
 * ".py" dropped) less the id it starts with (the first of ids[0..nids) it
 * starts with, followed by '_' or the end; NULL entries skipped) or, when
 * none, less a first word that looks like an id (6 or more lowercase hex
 * digits), and less the one '_' the template puts after the id.
 * "a1b2c3_add_users.py" -> "add_users"; "a1b2c3_.py" (`alembic revision`
 * without -m) -> "". New.
 */
char *ag_template_file_slug(const char *message, const char *name, const char *const *ids,
			    size_t nids);

/*
 * The file name tmpl gives (NULL: the default) + ".py". when is the local
 * time of the Create Date. Returns a new string, or NULL with err
 * (AG_ERR_CONFIG) for a template Alembic could not expand either. The name
 * may contain '/' or be one Alembic skips: see ag_template_unloadable.
 */
char *ag_template_file_name(const char *tmpl, const char *rev, const char *slug, time_t when,
                            struct ag_err *err);

/* True when name follows tmpl (NULL: the default) for revision rev: any
 * slug; the date fields must match when (has_date), else any digits. A
 * template that cannot be expanded matches nothing. */
bool ag_template_name_conforms(const char *tmpl, const char *name, const char *rev, bool has_date,
                               time_t when);

/* True when the name tmpl (NULL: the default) gives depends on the date,
 * so a file's name can only be checked or made from its Create Date: a
 * date field cut to nothing ("%(year).0s") does not count; a template
 * Alembic could not expand has none. */
bool ag_template_uses_date(const char *tmpl);

/* A docstring's "Create Date:" value ("2026-11-20 09:02:17.550912", the
 * fraction optional), local time -> *out. False when s is NULL or not a
 * date. What follows the seconds is not read: the fraction, and the UTC
 * offset Alembic writes when alembic.ini sets `timezone` (the wall-clock
 * fields stay right; the epoch is then off by the offset). */
bool ag_template_parse_date(const char *s, time_t *out);

/* Writes when (+ usec, shown when 1..999999) as Alembic's Create Date into
 * out (n bytes; 32 are enough). */
void ag_template_format_date(time_t when, long usec, char *out, size_t n);

/*
 * A file_template read from pyproject.toml as Alembic 1.16 reads it: the
 * string goes through Python's `value % {"here": ...}`, so "%%" is one
 * '%' and "%(here)s" the config's directory (here; NULL: ""). Any other
 * '%' is kept (Alembic would stop there; expanding the template reports
 * it). New.
 */
char *ag_template_from_toml(const char *value, const char *here);

/*
 * NULL when Alembic 1.8 loads a migration file called name (a base name,
 * no directory) from a version location; else why not, a static sentence.
 * Alembic lists names with re.match(r"(?!\.\#|__init__)(.*\.py)$"), so it
 * skips names starting with "__init__" or ".#" and names not ending in
 * ".py"; a name with '/' or a newline cannot be one file's name in one
 * directory either.
 */
const char *ag_template_unloadable(const char *name);

#endif
