#include "pyver.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "pins.h"
#include "pyparse.h"
#include "util.h"

/* The buildpack's [[:space:]]. */
static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* One of the buildpack's integers, (0|[1-9][0-9]*), at *p: saturates at
 * 999 so no length of digits overflows. -1 when none is there. */
static int read_int(const char **p, const char *end)
{
	const char *s = *p;
	if (s >= end || *s < '0' || *s > '9')
		return -1;
	if (*s == '0' && s + 1 < end && s[1] >= '0' && s[1] <= '9')
		return -1; /* a redundant leading zero */
	int v = 0;
	while (s < end && *s >= '0' && *s <= '9') {
		if (v < 999)
			v = v * 10 + (*s - '0');
		if (v > 999)
			v = 999;
		s++;
	}
	*p = s;
	return v;
}

/* N.N or N.N.N filling exactly [p, end). */
static int parse_range(const char *p, const char *end, int *major, int *minor)
{
	int a = read_int(&p, end);
	if (a < 0 || p >= end || *p != '.')
		return -1;
	p++;
	int b = read_int(&p, end);
	if (b < 0)
		return -1;
	if (p < end) {
		if (*p != '.')
			return -1;
		p++;
		if (read_int(&p, end) < 0 || p != end)
			return -1;
	}
	*major = a;
	*minor = b;
	return 0;
}

int ag_pyver_parse(const char *text, int *major, int *minor)
{
	return parse_range(text, text + strlen(text), major, minor);
}

/* [s, e) without the buildpack's whitespace around it. */
static void trim(const char **s, const char **e)
{
	while (*s < *e && is_space(**s))
		++*s;
	while (*e > *s && is_space((*e)[-1]))
		--*e;
}

/* runtime.txt: the whole file is `python-N.N[.N]`, whitespace around. */
static int scan_runtime_txt(const char *text, size_t len, int *major, int *minor, int *line,
			    char **why)
{
	const char *s = text, *e = text + len;
	trim(&s, &e);
	*line = 1;
	for (const char *q = text; q < s; q++)
		*line += *q == '\n';
	if (e - s > 7 && memcmp(s, "python-", 7) == 0 && parse_range(s + 7, e, major, minor) == 0)
		return 1;
	*why = ag_strdup(s == e ? "is empty; it should hold python-X.Y (e.g. python-3.12)"
				: "is not python-X.Y or python-X.Y.Z (the buildpack allows nothing "
				  "else, comments neither)");
	if (s == e)
		*line = 0;
	return -1;
}

/* .python-version: one line that is not blank or a comment. */
static int scan_python_version(const char *text, size_t len, int *major, int *minor, int *line,
			       char **why)
{
	const char *end = text + len;
	int n = 0, at = 0, ln = 0;
	const char *vs = NULL, *ve = NULL;
	for (const char *p = text; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		ln++;
		const char *s = p;
		while (s < e && is_space(*s))
			s++;
		if (s < e && *s != '#') {
			if (n++ == 0) {
				at = ln;
				vs = p;
				ve = e;
			} else if (n == 2) {
				*line = ln;
				*why = ag_printf("holds a second version at line %d (the first is at "
						 "line %d); Heroku's buildpack wants one",
						 ln, at);
				return -1;
			}
		}
		p = nl ? nl + 1 : end;
	}
	if (!n) {
		*line = 0;
		*why = ag_strdup("holds no version (only blank lines and comments)");
		return -1;
	}
	*line = at;
	trim(&vs, &ve);
	if (parse_range(vs, ve, major, minor) == 0)
		return 1;
	*why = ag_strdup("is not X.Y or X.Y.Z (no quotes, no python- prefix, no wildcard; "
			 "a comment goes on a line of its own)");
	return -1;
}

/* The line of the first occurrence of needle in text (1 when none). */
static int line_of(const char *text, size_t len, const char *needle)
{
	size_t n = strlen(needle);
	int line = 1;
	for (size_t i = 0; i + n <= len; i++) {
		if (memcmp(text + i, needle, n) == 0)
			return line;
		line += text[i] == '\n';
	}
	return 1;
}

static int scan_pipfile_lock(const char *text, size_t len, int *major, int *minor, int *line,
			     char **why)
{
	json_error_t je;
	json_t *doc = json_loadb(text, len, 0, &je);
	if (!doc) {
		*line = je.line > 0 ? je.line : 0;
		*why = ag_strdup("is not JSON");
		return -1;
	}
	json_t *req = json_object_get(json_object_get(doc, "_meta"), "requires");
	static const char *const keys[] = {"python_full_version", "python_version"};
	int rc = 0;
	for (size_t i = 0; i < AG_ARRAY_LEN(keys) && !rc; i++) {
		json_t *v = json_object_get(req, keys[i]);
		if (!v)
			continue;
		char quoted[32];
		snprintf(quoted, sizeof quoted, "\"%s\"", keys[i]);
		*line = line_of(text, len, quoted);
		const char *s = json_string_value(v);
		if (s && ag_pyver_parse(s, major, minor) == 0) {
			rc = 1;
		} else {
			*why = ag_printf("_meta.requires.%s is not X.Y or X.Y.Z", keys[i]);
			rc = -1;
		}
	}
	json_decref(doc);
	return rc;
}

struct pyproject {
	char *spec;
	int line;
};

static int pyproject_item(void *user, const struct ag_config_toml_item *it, struct ag_err *err)
{
	(void)err;
	struct pyproject *pp = user;
	if (it->key && strcmp(it->table, "project") == 0 && strcmp(it->key, "requires-python") == 0) {
		free(pp->spec);
		pp->spec = ag_strdup(it->value ? it->value : "");
		pp->line = it->line;
	}
	return 0;
}

/*
 * requires-python: the oldest Python 3 it admits. A range promises that
 * every Python in it runs the app, so a migration must parse on the oldest
 * of them: judging with a newer grammar would pass syntax that breaks
 * there. (Judging with the newest would never block a valid file, but the
 * project has said which Pythons it means.)
 */
static int scan_pyproject(const char *text, size_t len, int *major, int *minor, int *line,
			  char **why)
{
	struct pyproject pp = {NULL, 0};
	struct ag_err err = {0};
	if (ag_config_toml_walk(text, len, "pyproject.toml", pyproject_item, &pp, &err) < 0) {
		/* The configuration reader reports a broken pyproject.toml
		 * itself; here it only names no Python. */
		free(pp.spec);
		return 0;
	}
	if (!pp.spec)
		return 0;
	*line = pp.line;
	int rc = -1;
	for (unsigned m = 0; m < 100 && rc < 0; m++)
		for (unsigned patch = 0; patch < 100; patch++) {
			int ok = ag_pins_admits(pp.spec, 3, m, patch);
			if (ok < 0) {
				*why = ag_strdup("requires-python is not a version specifier the guard "
						 "can read");
				free(pp.spec);
				return -1;
			}
			if (ok) {
				*major = 3;
				*minor = (int)m;
				rc = 1;
				break;
			}
		}
	if (rc < 0)
		*why = ag_strdup("requires-python admits no Python 3 release");
	free(pp.spec);
	return rc;
}

int ag_pyver_scan(const char *name, const char *text, size_t len, int *major, int *minor,
		  int *line, char **why)
{
	const char *base = strrchr(name, '/');
	base = base ? base + 1 : name;
	*line = 0;
	*why = NULL;
	if (strcmp(base, "runtime.txt") == 0)
		return scan_runtime_txt(text, len, major, minor, line, why);
	if (strcmp(base, "Pipfile.lock") == 0)
		return scan_pipfile_lock(text, len, major, minor, line, why);
	if (strcmp(base, "pyproject.toml") == 0) {
		if (memchr(text, '\0', len))
			return 0; /* no TOML holds a NUL: the config reader says so */
		return scan_pyproject(text, len, major, minor, line, why);
	}
	return scan_python_version(text, len, major, minor, line, why);
}

static void set_newest(struct ag_pyver *pv)
{
	pv->minor = AG_PYPARSE_MAX_MINOR;
	snprintf(pv->text, sizeof pv->text, "3.%d", pv->minor);
}

void ag_pyver_set(struct ag_pyver *pv, int major, int minor, const char *from)
{
	ag_pyver_free(pv);
	pv->from = from ? ag_strdup(from) : NULL;
	bool newer = major > 3 || (major == 3 && minor > AG_PYPARSE_MAX_MINOR);
	bool older = major < 3 || (major == 3 && minor < AG_PYPARSE_MIN_MINOR);
	pv->minor = newer ? AG_PYPARSE_MAX_MINOR : older ? AG_PYPARSE_MIN_MINOR : minor;
	snprintf(pv->text, sizeof pv->text, "3.%d", pv->minor);
	const char *at = from ? from : "the app";
	if (newer) {
		/* A grammar that is too old may refuse the app's valid syntax:
		 * a warning, like a pin newer than every Alembic known. */
		pv->warning = ag_printf("%s: Python %d.%d is newer than the grammars the guard knows "
					"(3.%d to 3.%d); judging with %s's, so syntax new in %d.%d "
					"is reported as a syntax-error",
					at, major, minor, AG_PYPARSE_MIN_MINOR, AG_PYPARSE_MAX_MINOR,
					pv->text, major, minor);
		pv->warn_newer = true;
	} else if (older) {
		/* A newer grammar accepts a little more than the app's Python
		 * (which Heroku no longer runs): never a false block, so only
		 * a note. */
		pv->warning = ag_printf("%s: Python %d.%d is older than the grammars the guard knows "
					"(3.%d to 3.%d); judging with %s's, which accepts some syntax "
					"%d.%d refuses",
					at, major, minor, AG_PYPARSE_MIN_MINOR, AG_PYPARSE_MAX_MINOR,
					pv->text, major, minor);
	}
}

int ag_pyver_find(struct ag_pyver *pv, const char *dir, struct ag_err *err)
{
	ag_pyver_free(pv);
	set_newest(pv);
	/* Heroku's buildpack reads runtime.txt before .python-version (it
	 * deprecates runtime.txt but still lets it win), then Pipfile.lock. */
	static const char *const files[] = {"runtime.txt", ".python-version", "Pipfile.lock",
					    "pyproject.toml"};
	for (size_t i = 0; i < AG_ARRAY_LEN(files); i++) {
		char *path = ag_printf("%s/%s", dir, files[i]);
		size_t len = 0;
		const char *kind = NULL;
		char *text = ag_read_regular_file(path, &len, &kind);
		int e = errno;
		free(path);
		if (!text) {
			/* The buildpack tests `-f`: what is not a regular file
			 * (a directory, a FIFO) is no version file. */
			if (e == ENOENT || e == ENOTDIR || e == EISDIR || e == EINVAL || e == EFBIG)
				continue;
			return ag_err_set(err, AG_ERR_IO, "cannot read %s: %s", files[i], strerror(e));
		}
		int major = 0, minor = 0, line = 0;
		char *why = NULL;
		int r = ag_pyver_scan(files[i], text, len, &major, &minor, &line, &why);
		free(text);
		char *from = line ? ag_printf("%s:%d", files[i], line) : ag_strdup(files[i]);
		if (r > 0) {
			ag_pyver_set(pv, major, minor, from);
		} else if (r < 0) {
			/* Heroku stops at this file too (the build fails): the
			 * guard judges with the newest grammar, which refuses
			 * nothing a Python the guard knows accepts. */
			pv->from = from;
			from = NULL;
			pv->warning = ag_printf("%s %s; judging with Python %s's grammar", pv->from,
						why, pv->text);
			pv->warn_newer = true;
		}
		free(why);
		free(from);
		if (r != 0)
			break;
	}
	return 0;
}

void ag_pyver_free(struct ag_pyver *pv)
{
	if (!pv)
		return;
	free(pv->from);
	free(pv->warning);
	memset(pv, 0, sizeof *pv);
}
