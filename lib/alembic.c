#include "alembic.h"

#include <stdio.h>
#include <string.h>

#include "util.h"

#define V AG_ALEMBIC_VER

/* Every release from 1.8.0 to the newest whose rules were read (git tags
 * rel_X_Y_Z of sqlalchemy/alembic). */
static const unsigned known[] = {
	V(1, 8, 0),  V(1, 8, 1),  V(1, 9, 0),  V(1, 9, 1),  V(1, 9, 2),  V(1, 9, 3),
	V(1, 9, 4),  V(1, 10, 0), V(1, 10, 1), V(1, 10, 2), V(1, 10, 3), V(1, 10, 4),
	V(1, 11, 0), V(1, 11, 1), V(1, 11, 2), V(1, 11, 3), V(1, 12, 0), V(1, 12, 1),
	V(1, 13, 0), V(1, 13, 1), V(1, 13, 2), V(1, 13, 3), V(1, 14, 0), V(1, 14, 1),
	V(1, 15, 0), V(1, 15, 1), V(1, 15, 2), V(1, 16, 0), V(1, 16, 1), V(1, 16, 2),
	V(1, 16, 3), V(1, 16, 4), V(1, 16, 5), V(1, 17, 0), V(1, 17, 1), V(1, 17, 2),
	V(1, 18, 0), V(1, 18, 1), V(1, 18, 2), V(1, 18, 3), V(1, 18, 4),
};

/* THE table of differences. One row per difference, with the first (and,
 * when it was undone, the last) release it applies to. */
static const struct ag_alembic_row table[] = {
	{AG_AL_WALK, V(1, 10, 0), 0,
	 "version locations are listed with os.walk, files in sorted order (1.8/1.9: "
	 "os.listdir, directory order, so which copy of a duplicate id wins varies); a "
	 "directory named x.py is skipped (1.8/1.9 try to load it and fail)"},
	{AG_AL_RECURSIVE, V(1, 10, 0), 0,
	 "recursive_version_locations = true (exactly 'true' in alembic.ini) also loads "
	 "subfolders, in sorted order"},
	{AG_AL_LINK_TARGET_NAME, V(1, 10, 0), 0,
	 "a symlinked migration is loaded through realpath() under its target's name: a "
	 "link to a file not named *.py is skipped, a dangling link to x.py fails"},
	{AG_AL_EMPTY_DOWN_ERROR, V(1, 12, 1), 0,
	 "down_revision = '' names a revision '' and fails (KeyError: ''); before, it was "
	 "a base"},
	{AG_AL_PYPROJECT, V(1, 16, 0), 0,
	 "pyproject.toml [tool.alembic] is read, alone or beside alembic.ini (alembic.ini "
	 "wins key by key); path_separator (with 'newline') splits version_locations"},
	{AG_AL_TOML_BOOL_STRICT, V(1, 16, 4), 0,
	 "recursive_version_locations and sourceless in TOML must be booleans: a string "
	 "is an error (\"boolean value expected for TOML parameter\")"},
	{AG_AL_COLON_ILLEGAL, V(1, 17, 1), 0,
	 "':' is refused in revision ids, as '-', '@' and '+' are"},
	{AG_AL_LINK_LOOP_RUNTIME, V(1, 16, 0), 0,
	 "a symlink loop fails with RuntimeError (pathlib's resolve) instead of "
	 "ImportError \"Can't find Python file\""},
};

const struct ag_alembic_row *ag_alembic_table(size_t *n)
{
	*n = AG_ARRAY_LEN(table);
	return table;
}

bool ag_alembic_applies(unsigned version, enum ag_alembic_rule rule)
{
	for (size_t i = 0; i < AG_ARRAY_LEN(table); i++)
		if (table[i].rule == rule)
			return version >= table[i].first && (!table[i].last || version <= table[i].last);
	return false;
}

const unsigned *ag_alembic_known(size_t *n)
{
	*n = AG_ARRAY_LEN(known);
	return known;
}

unsigned ag_alembic_oldest(void)
{
	return known[0];
}

unsigned ag_alembic_newest(void)
{
	return known[AG_ARRAY_LEN(known) - 1];
}

bool ag_alembic_is_known(unsigned version)
{
	for (size_t i = 0; i < AG_ARRAY_LEN(known); i++)
		if (known[i] == version)
			return true;
	return false;
}

unsigned ag_alembic_newest_of(unsigned major, unsigned minor)
{
	unsigned best = 0;
	for (size_t i = 0; i < AG_ARRAY_LEN(known); i++)
		if (known[i] / 10000 == major && known[i] / 100 % 100 == minor)
			best = known[i];
	return best;
}

/* A decimal part of at most 4 digits (no Alembic version part is longer). */
static const char *num(const char *p, unsigned *out)
{
	unsigned v = 0;
	int n = 0;
	while (*p >= '0' && *p <= '9' && n < 5) {
		v = v * 10 + (unsigned)(*p++ - '0');
		n++;
	}
	if (n == 0 || n > 4)
		return NULL;
	*out = v;
	return p;
}

int ag_alembic_parse(const char *text, unsigned *version, bool *has_patch)
{
	unsigned a = 0, b = 0, c = 0;
	const char *p = text;
	if (!p)
		return -1;
	if (*p == 'v')
		p++;
	if (!(p = num(p, &a)) || *p++ != '.' || !(p = num(p, &b)))
		return -1;
	bool patch = false;
	if (*p == '.') {
		if (!(p = num(p + 1, &c)))
			return -1;
		patch = true;
	}
	if (*p || a > 99 || b > 99 || c > 99)
		return -1;
	*version = V(a, b, c);
	if (has_patch)
		*has_patch = patch;
	return 0;
}

char *ag_alembic_format(unsigned version, char *buf)
{
	snprintf(buf, 16, "%u.%u.%u", version / 10000, version / 100 % 100, version % 100);
	return buf;
}
