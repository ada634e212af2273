/*
 * alembic: the Alembic releases the guard knows and, in ONE table, every
 * way in which they differ in what the guard computes (how the
 * configuration is read, which files are loaded, which graphs are
 * refused). Every other module asks ag_alembic_applies(version, RULE)
 * instead of comparing version numbers itself, so the next Alembic release
 * is one row here (and a line in the known list).
 *
 * A version is an unsigned code major*10000 + minor*100 + patch (1.13.2 is
 * 11302). The rows were read from Alembic's source at its release tags
 * (alembic/config.py, alembic/script/base.py, alembic/script/revision.py)
 * and measured with Debian's 1.8.1, 1.13.2 and 1.18.4 (the differential
 * test).
 *
 * Ownership: nothing is allocated; the table and names are static.
 * Errors: ag_alembic_parse returns -1 on text that is no version.
 */
#ifndef AG_ALEMBIC_H
#define AG_ALEMBIC_H

#include <stdbool.h>
#include <stddef.h>

#define AG_ALEMBIC_VER(a, b, c) ((unsigned)((a) * 10000 + (b) * 100 + (c)))

enum ag_alembic_rule {
	AG_AL_WALK,             /* files listed with os.walk in sorted order; a directory
				   named x.py is no file (1.8 loads and fails on it) */
	AG_AL_RECURSIVE,        /* recursive_version_locations exists */
	AG_AL_LINK_TARGET_NAME, /* a symlinked file is loaded under its target's name */
	AG_AL_EMPTY_DOWN_ERROR, /* down_revision = '' names a revision '' (KeyError: '') */
	AG_AL_PYPROJECT,        /* pyproject.toml [tool.alembic] is read, with alembic.ini
				   key by key; path_separator and its newline mode */
	AG_AL_TOML_BOOL_STRICT, /* a TOML boolean option written as a string is an error */
	AG_AL_COLON_ILLEGAL,    /* ':' is refused in a revision id */
	AG_AL_LINK_LOOP_RUNTIME, /* a symlink loop raises RuntimeError (pathlib) rather
				    than ImportError */
	AG_AL_RULE_COUNT
};

struct ag_alembic_row {
	enum ag_alembic_rule rule;
	unsigned first, last; /* the versions it applies to; last 0: still applies */
	const char *what;     /* one sentence, for --version and the docs */
};

/* The table, in rule order; *n set to its length. Borrowed (static). */
const struct ag_alembic_row *ag_alembic_table(size_t *n);
/* True when rule applies to version (a code, see above). */
bool ag_alembic_applies(unsigned version, enum ag_alembic_rule rule);

/* The releases whose rules the guard knows, ascending; *n set. Static. */
const unsigned *ag_alembic_known(size_t *n);
unsigned ag_alembic_oldest(void);
unsigned ag_alembic_newest(void);
bool ag_alembic_is_known(unsigned version);
/* The newest known release of the series major.minor, or 0. */
unsigned ag_alembic_newest_of(unsigned major, unsigned minor);

/*
 * Parses "X.Y" or "X.Y.Z" (an optional leading 'v'; PEP 440 suffixes such
 * as "rc1" or ".post1" are not accepted) into *version; *has_patch says
 * whether Z was given. Returns 0, or -1 when text is no version.
 */
int ag_alembic_parse(const char *text, unsigned *version, bool *has_patch);
/* Writes "X.Y.Z" into buf (at least 16 bytes); returns buf. */
char *ag_alembic_format(unsigned version, char *buf);

#endif
