#include "config.h"

#include "alembic.h"
#include "template.h"

#include <errno.h>
#include <ini.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Raw ini entries, in file order. Multi-line values are joined with "\n",
 * as configparser does. */
struct entry {
	char *section, *key, *value;
};

struct ini_state {
	struct entry *v;
	size_t n, cap;
};

static int on_entry(void *user, const char *section, const char *name, const char *value)
{
	struct ini_state *st = user;
	char *key = ag_strdup(name);
	for (char *c = key; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a'); /* configparser's optionxform */
	/* inih reports each continuation line with the same name again. */
	if (st->n && strcmp(st->v[st->n - 1].section, section) == 0 &&
	    strcmp(st->v[st->n - 1].key, key) == 0) {
		char *joined = ag_printf("%s\n%s", st->v[st->n - 1].value, value);
		free(st->v[st->n - 1].value);
		st->v[st->n - 1].value = joined;
		free(key);
		return 1;
	}
	/* A later key of the same name wins (configparser refuses duplicates in
	 * strict mode; Alembic's is strict, which we report below). */
	for (size_t i = 0; i < st->n; i++) {
		if (strcmp(st->v[i].section, section) == 0 && strcmp(st->v[i].key, key) == 0) {
			free(key);
			return 0;
		}
	}
	ag_grow((void **)&st->v, &st->cap, st->n + 1, sizeof *st->v);
	st->v[st->n].section = ag_strdup(section);
	st->v[st->n].key = key;
	st->v[st->n].value = ag_strdup(value);
	st->n++;
	return 1;
}

static void ini_state_free(struct ini_state *st)
{
	for (size_t i = 0; i < st->n; i++) {
		free(st->v[i].section);
		free(st->v[i].key);
		free(st->v[i].value);
	}
	free(st->v);
}

static const char *raw_get(const struct ini_state *st, const char *section, const char *key)
{
	for (size_t i = 0; i < st->n; i++)
		if (strcmp(st->v[i].section, section) == 0 && strcmp(st->v[i].key, key) == 0)
			return st->v[i].value;
	if (strcmp(section, "DEFAULT") != 0)
		return raw_get(st, "DEFAULT", key);
	return NULL;
}

/* No setting is this long; a value that grows past it is a reference
 * bomb (a = %(b)s%(b)s, b = %(c)s%(c)s, ...), not a path. */
#define MAX_VALUE_LEN (1u << 20)
/* No file follows this many %(name)s references: a bomb whose leaves are
 * empty never grows, but its references multiply at every level. */
#define MAX_REFS 10000u

/* configparser's BasicInterpolation: %% and %(name)s, names from the same
 * section, then DEFAULT, then `here`. *refs counts the references followed
 * in the whole file. Returns NULL with err set. */
static char *interpolate(const struct ini_state *st, const char *section, const char *here,
			 const char *key, const char *value, const char *path, int depth,
			 unsigned *refs, struct ag_err *err)
{
	if (depth > 10) {
		ag_err_set_at(err, AG_ERR_CONFIG, path, 0, 0,
			      "interpolation of %s is too deeply nested (a loop?)", key);
		return NULL;
	}
	struct ag_buf b = {0};
	ag_buf_adds(&b, "");
	for (const char *p = value; *p;) {
		if (*p != '%') {
			ag_buf_addc(&b, *p++);
			continue;
		}
		if (p[1] == '%') {
			ag_buf_addc(&b, '%');
			p += 2;
			continue;
		}
		const char *close = p[1] == '(' ? strstr(p, ")s") : NULL;
		if (!close) {
			ag_buf_free(&b);
			ag_err_set_at(err, AG_ERR_CONFIG, path, 0, 0,
				      "'%%' in the value of %s must be written '%%%%' (configparser "
				      "interpolation)",
				      key);
			return NULL;
		}
		if (++*refs > MAX_REFS) {
			ag_buf_free(&b);
			ag_err_set_at(err, AG_ERR_CONFIG, path, 0, 0,
				      "interpolation of %s follows more than %u %%(name)s references "
				      "(a reference bomb?)",
				      key, MAX_REFS);
			return NULL;
		}
		char *name = ag_strndup(p + 2, (size_t)(close - p - 2));
		for (char *c = name; *c; c++)
			if (*c >= 'A' && *c <= 'Z')
				*c = (char)(*c - 'A' + 'a');
		const char *sub = raw_get(st, section, name);
		char *expanded = NULL;
		if (sub)
			expanded = interpolate(st, section, here, name, sub, path, depth + 1, refs, err);
		else if (strcmp(name, "here") == 0)
			expanded = ag_strdup(here);
		else
			ag_err_set_at(err, AG_ERR_CONFIG, path, 0, 0,
				      "the value of %s refers to %%(%s)s, which is not set", key, name);
		free(name);
		if (!expanded) {
			ag_buf_free(&b);
			return NULL;
		}
		ag_buf_adds(&b, expanded);
		free(expanded);
		p = close + 2;
		if (b.len > MAX_VALUE_LEN) {
			ag_buf_free(&b);
			ag_err_set_at(err, AG_ERR_CONFIG, path, 0, 0,
				      "the value of %s grows past %u bytes through %%(name)s references",
				      key, MAX_VALUE_LEN);
			return NULL;
		}
	}
	return ag_buf_take(&b);
}

static char *dir_of(const char *path)
{
	char *abs = NULL;
	if (path[0] == '/') {
		abs = ag_strdup(path);
	} else {
		char *cwd = getcwd(NULL, 0);
		abs = ag_printf("%s/%s", cwd ? cwd : ".", path);
		free(cwd);
	}
	char *slash = strrchr(abs, '/');
	if (slash == abs)
		slash[1] = '\0';
	else
		*slash = '\0';
	return abs;
}

/* Splits version_locations as Alembic does: path_separator (1.16),
 * version_path_separator, or the legacy split on commas and spaces. */
static int split_locations(struct ag_config *cfg, const char *value, const char *sep,
			   const char *path, struct ag_err *err)
{
	const char *chars = NULL;
	if (!sep)
		chars = NULL;
	else if (strcmp(sep, "space") == 0)
		chars = " ";
	else if (strcmp(sep, "newline") == 0)
		chars = "\n";
	else if (strcmp(sep, "os") == 0 || strcmp(sep, ":") == 0)
		chars = ":";
	else if (strcmp(sep, ";") == 0)
		chars = ";";
	else
		return ag_err_set_at(err, AG_ERR_CONFIG, path, 0, 0,
				     "'%s' is not a valid value for version_path_separator; expected "
				     "'space', 'newline', 'os', ':', ';'",
				     sep);
	const char *p = value;
	if (!chars) {
		/* re.split(r", *|(?: +)", value): empty pieces are kept by Python,
		 * and Alembic then skips paths that do not exist. */
		for (;;) {
			size_t n = strcspn(p, ", ");
			ag_strv_push_take(&cfg->version_locations, ag_strndup(p, n));
			p += n;
			if (!*p)
				break;
			if (*p == ',') {
				p++;
				while (*p == ' ')
					p++;
			} else {
				while (*p == ' ')
					p++;
			}
		}
		/* Drop the empty ones: they name no directory. */
		size_t w = 0;
		for (size_t i = 0; i < cfg->version_locations.n; i++) {
			if (cfg->version_locations.v[i][0])
				cfg->version_locations.v[w++] = cfg->version_locations.v[i];
			else
				free(cfg->version_locations.v[i]);
		}
		cfg->version_locations.n = w;
		if (cfg->version_locations.v)
			cfg->version_locations.v[w] = NULL;
		return 0;
	}
	for (;;) {
		size_t n = strcspn(p, chars);
		/* Each piece is stripped (1.16 strips; older versions have no
		 * newline mode and keep spaces, which no real path starts with). */
		const char *s = p;
		size_t m = n;
		while (m && (*s == ' ' || *s == '\t' || *s == '\n')) {
			s++;
			m--;
		}
		while (m && (s[m - 1] == ' ' || s[m - 1] == '\t' || s[m - 1] == '\n'))
			m--;
		if (m)
			ag_strv_push_take(&cfg->version_locations, ag_strndup(s, m));
		p += n;
		if (!*p)
			break;
		p++;
	}
	return 0;
}

/* True when a line is the header [section]: inih reports keys, not
 * sections, and an empty section still exists for configparser. */
static bool has_header(const char *text, size_t len, const char *section)
{
	size_t n = strlen(section);
	for (const char *p = text, *end = text + len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		while (p < e && (*p == ' ' || *p == '\t'))
			p++;
		if (p < e && *p == '[' && (size_t)(e - p) > n + 1 && memcmp(p + 1, section, n) == 0 &&
		    p[n + 1] == ']')
			return true;
		p = nl ? nl + 1 : end;
	}
	return false;
}

static int parse_ini(struct ag_config *cfg, const char *text, size_t len, const char *path,
		     const char *section, unsigned alembic, bool allow_no_section, struct ag_err *err)
{
	if (!section)
		section = "alembic";
	if (memchr(text, '\0', len))
		return ag_err_set_at(err, AG_ERR_CONFIG, path, 0, 0,
				     "%s contains a NUL byte; it is not an ini file", path);
	char *copy = ag_strndup(text, len);
	struct ini_state st = {0};
	/* Python 3's configparser: no inline comments, lines of any length. */
	ini_allow_inline_comments = false;
	ini_use_stack = false;
	ini_allow_realloc = true;
	ini_max_line = 1 << 20;
	ini_allow_multiline = true;
	ini_stop_on_first_error = true;
	ini_allow_no_value = false;
	int r = ini_parse_string(copy, on_entry, &st);
	free(copy);
	if (r != 0) {
		ini_state_free(&st);
		if (r < 0)
			return ag_err_set(err, AG_ERR_INTERNAL, "cannot parse %s: out of memory", path);
		return ag_err_set_at(err, AG_ERR_CONFIG, path, r, 0,
				     "%s:%d: not a valid ini line (or a key given twice)", path, r);
	}
	free(cfg->path);
	free(cfg->here);
	cfg->path = ag_strdup(path);
	cfg->here = dir_of(path);

	int rc = 0;
	unsigned refs = 0;
	char *vals[8] = {0};
	static const char *const keys[] = {"script_location", "version_locations",
					   "path_separator", "version_path_separator",
					   "recursive_version_locations", "file_template",
					   "sqlalchemy.url", "sourceless"};
	for (size_t i = 0; i < AG_ARRAY_LEN(keys); i++) {
		const char *raw = raw_get(&st, section, keys[i]);
		if (!raw)
			continue;
		vals[i] = interpolate(&st, section, cfg->here, keys[i], raw, path, 0, &refs, err);
		if (!vals[i]) {
			rc = -1;
			goto out;
		}
	}
	bool found_section = false;
	for (size_t i = 0; i < st.n; i++)
		found_section |= strcmp(st.v[i].section, section) == 0;
	if (!found_section)
		found_section = has_header(text, len, section);
	if (!found_section && !allow_no_section) {
		rc = ag_err_set_at(err, AG_ERR_CONFIG, path, 0, 0, "%s has no [%s] section", path,
				   section);
		goto out;
	}
	if (vals[0]) {
		free(cfg->script_location);
		cfg->script_location = ag_strdup(vals[0]);
		cfg->has_script_location = true;
	}
	ag_strv_free(&cfg->version_locations);
	if (vals[1] && vals[1][0]) {
		/* path_separator is Alembic 1.16's name; older ones read only
		 * version_path_separator. */
		const char *sep = vals[2] && (!alembic || ag_alembic_applies(alembic, AG_AL_PYPROJECT))
					  ? vals[2]
					  : vals[3];
		if (split_locations(cfg, vals[1], sep, path, err) < 0) {
			rc = -1;
			goto out;
		}
		cfg->has_version_locations = true;
	} else if (cfg->script_location) {
		ag_strv_push_take(&cfg->version_locations,
				  ag_printf("%s/versions", cfg->script_location));
	}
	/* Alembic compares with "true" exactly (`== "true"`): True, yes and 1
	 * are not recursive, whatever configparser's getboolean would say. */
	cfg->recursive = vals[4] && strcmp(vals[4], "true") == 0;
	cfg->has_recursive = vals[4] != NULL;
	cfg->sourceless = vals[7] && strcmp(vals[7], "true") == 0;
	cfg->has_sourceless = vals[7] != NULL;
	if (vals[5]) {
		free(cfg->file_template);
		cfg->file_template = ag_strdup(vals[5]);
		cfg->has_file_template = true;
	}
	if (vals[6] && vals[6][0]) {
		free(cfg->url);
		cfg->url = ag_strdup(vals[6]);
		cfg->has_url = true;
	}
	for (size_t i = 0; i < st.n; i++) {
		if (strcmp(st.v[i].section, "alembic-guard") != 0)
			continue;
		char *v = interpolate(&st, "alembic-guard", cfg->here, st.v[i].key, st.v[i].value, path,
				      0, &refs, err);
		if (!v) {
			rc = -1;
			goto out;
		}
		ag_strv_push(&cfg->guard_keys, st.v[i].key);
		ag_strv_push_take(&cfg->guard_values, v);
	}
out:
	for (size_t i = 0; i < AG_ARRAY_LEN(vals); i++)
		free(vals[i]);
	ini_state_free(&st);
	return rc;
}

int ag_config_parse_ini(struct ag_config *cfg, const char *text, size_t len, const char *path,
			const char *section, struct ag_err *err)
{
	return parse_ini(cfg, text, len, path, section, 0, false, err);
}

int ag_config_parse_ini_as(struct ag_config *cfg, const char *text, size_t len, const char *path,
			   const char *section, unsigned alembic, struct ag_err *err)
{
	return parse_ini(cfg, text, len, path, section, alembic, false, err);
}

const char *ag_config_guard(const struct ag_config *cfg, const char *key)
{
	for (size_t i = cfg->guard_keys.n; i-- > 0;)
		if (strcmp(cfg->guard_keys.v[i], key) == 0)
			return cfg->guard_values.v[i];
	return NULL;
}

static int load_legacy(struct ag_config *cfg, const char *path, const char *section,
		       unsigned alembic, bool allow_none, struct ag_err *err);

int ag_config_load(struct ag_config *cfg, const char *path, const char *section, bool allow_none,
		   struct ag_err *err)
{
	return load_legacy(cfg, path, section, 0, allow_none, err);
}

/* alembic.ini, else pyproject.toml: the guard's reading before 1.16. */
static int load_legacy(struct ag_config *cfg, const char *path, const char *section,
		       unsigned alembic, bool allow_none, struct ag_err *err)
{
	const char *try_path = path;
	if (!try_path) {
		if (access("alembic.ini", F_OK) == 0)
			try_path = "alembic.ini";
		else if (access("pyproject.toml", F_OK) == 0)
			try_path = "pyproject.toml";
		else if (allow_none)
			return 0;
		else
			return ag_err_set(err, AG_ERR_CONFIG,
					  "no alembic.ini or pyproject.toml in the current directory; "
					  "pass -c FILE or --versions DIR");
	}
	size_t len = 0;
	char *text = ag_read_file(try_path, &len);
	if (!text)
		return ag_err_set(err, errno == ENOENT ? AG_ERR_CONFIG : AG_ERR_IO, "cannot read %s: %s",
				  try_path, strerror(errno));
	size_t n = strlen(try_path);
	int r;
	if (n >= 5 && strcmp(try_path + n - 5, ".toml") == 0)
		r = ag_config_parse_toml(cfg, text, len, try_path, err);
	else
		r = parse_ini(cfg, text, len, try_path, section, alembic, false, err);
	free(text);
	return r;
}

void ag_config_free(struct ag_config *cfg)
{
	if (!cfg)
		return;
	free(cfg->path);
	free(cfg->toml_path);
	free(cfg->toml_recursive_err);
	free(cfg->toml_sourceless_err);
	free(cfg->here);
	free(cfg->script_location);
	ag_strv_free(&cfg->version_locations);
	free(cfg->file_template);
	free(cfg->url);
	ag_strv_free(&cfg->guard_keys);
	ag_strv_free(&cfg->guard_values);
	memset(cfg, 0, sizeof *cfg);
}

/* ---- pyproject.toml: the subset [tool.alembic] uses ------------------ */

struct toml {
	const char *p, *end, *path;
	int line;
	struct ag_err *err;
};

static int toml_fail(struct toml *t, const char *msg)
{
	return ag_err_set_at(t->err, AG_ERR_CONFIG, t->path, t->line, 0, "%s:%d: %s", t->path, t->line,
			     msg);
}

static void toml_skip_ws(struct toml *t, bool newlines)
{
	while (t->p < t->end) {
		char c = *t->p;
		if (c == ' ' || c == '\t' || c == '\r') {
			t->p++;
		} else if (c == '\n' && newlines) {
			t->p++;
			t->line++;
		} else if (c == '#') {
			while (t->p < t->end && *t->p != '\n')
				t->p++;
		} else {
			break;
		}
	}
}

/* \uXXXX or \UXXXXXXXX (t->p after the letter) as UTF-8. */
static int toml_unicode(struct toml *t, int digits, struct ag_buf *out)
{
	unsigned long cp = 0;
	for (int i = 0; i < digits; i++, t->p++) {
		char c = t->p < t->end ? *t->p : '\0';
		int v = c >= '0' && c <= '9' ? c - '0'
			: (c | 0x20) >= 'a' && (c | 0x20) <= 'f' ? (c | 0x20) - 'a' + 10 : -1;
		if (v < 0)
			return toml_fail(t, "a \\u escape needs hexadecimal digits");
		cp = cp * 16 + (unsigned long)v;
	}
	if (ag_buf_add_utf8(out, cp) < 0)
		return toml_fail(t, "a \\u escape names no Unicode scalar value");
	return 0;
}

/* Reads a string at t->p into out (appended); returns -1 on error. */
static int toml_string(struct toml *t, struct ag_buf *out)
{
	char q = *t->p;
	bool multi = t->end - t->p >= 3 && t->p[1] == q && t->p[2] == q;
	t->p += multi ? 3 : 1;
	if (multi && t->p < t->end && *t->p == '\n') {
		t->p++;
		t->line++;
	}
	while (t->p < t->end) {
		char c = *t->p;
		if (c == q && (!multi || (t->end - t->p >= 3 && t->p[1] == q && t->p[2] == q))) {
			t->p += multi ? 3 : 1;
			ag_buf_add(out, "", 0);
			return 0;
		}
		if (c == '\n') {
			if (!multi)
				return toml_fail(t, "a string runs past the end of its line");
			t->line++;
		}
		if (c == '\\' && q == '"') {
			if (t->p + 1 >= t->end)
				break;
			char e = t->p[1];
			t->p += 2;
			switch (e) {
			case 'b': ag_buf_addc(out, '\b'); break;
			case 'e': ag_buf_addc(out, '\033'); break;
			case 'f': ag_buf_addc(out, '\f'); break;
			case 'n': ag_buf_addc(out, '\n'); break;
			case 'r': ag_buf_addc(out, '\r'); break;
			case 't': ag_buf_addc(out, '\t'); break;
			case '"': ag_buf_addc(out, '"'); break;
			case '\\': ag_buf_addc(out, '\\'); break;
			case 'u': case 'U':
				if (toml_unicode(t, e == 'u' ? 4 : 8, out) < 0)
					return -1;
				break;
			case ' ': case '\t': case '\r': case '\n': {
				/* A line-ending backslash (spaces may follow it): the
				 * newline and the whitespace after it vanish. */
				const char *w = t->p - 1;
				while (w < t->end && (*w == ' ' || *w == '\t' || *w == '\r'))
					w++;
				if (!multi || w >= t->end || *w != '\n')
					return toml_fail(t, "a backslash in a string must start an escape");
				t->p = w;
				while (t->p < t->end && (*t->p == ' ' || *t->p == '\n' || *t->p == '\t' ||
							 *t->p == '\r'))
					t->line += *t->p++ == '\n';
				break;
			}
			default:
				return toml_fail(t, "an escape sequence TOML does not have");
			}
			continue;
		}
		ag_buf_addc(out, c);
		t->p++;
	}
	return toml_fail(t, "a string is never closed");
}

static int toml_key(struct toml *t, struct ag_buf *out, char stop);

/* Reads a value; strings and arrays of strings are kept (arrays joined
 * with "\n"), booleans and numbers as written. Inline tables are skipped
 * when skip is true, an error otherwise. */
static int toml_value(struct toml *t, struct ag_buf *out, bool skip, int depth)
{
	toml_skip_ws(t, false);
	if (t->p >= t->end)
		return toml_fail(t, "a key has no value");
	if (depth > 32)
		return toml_fail(t, "arrays are nested too deeply");
	char c = *t->p;
	if (c == '"' || c == '\'')
		return toml_string(t, out);
	if (c == '[' || c == '{') {
		char close = c == '[' ? ']' : '}';
		if (c == '{' && !skip)
			return toml_fail(t, "inline tables are not supported here; use a [table]");
		t->p++;
		bool first = true;
		for (;;) {
			toml_skip_ws(t, true);
			if (t->p >= t->end)
				return toml_fail(t, "an array is never closed");
			if (*t->p == close) {
				t->p++;
				ag_buf_add(out, "", 0);
				return 0;
			}
			if (!first) {
				if (*t->p != ',')
					return toml_fail(t, "expected ',' between array items");
				t->p++;
				toml_skip_ws(t, true);
				if (t->p < t->end && *t->p == close)
					continue;
			}
			if (c == '{') {
				/* key = value inside an inline table we skip */
				struct ag_buf k = {0};
				int r = toml_key(t, &k, '=');
				ag_buf_free(&k);
				if (r < 0)
					return -1;
				t->p++;
			}
			if (!first)
				ag_buf_addc(out, '\n');
			if (toml_value(t, out, skip, depth + 1) < 0)
				return -1;
			first = false;
		}
	}
	const char *s = t->p;
	while (t->p < t->end && *t->p != '\n' && *t->p != ',' && *t->p != ']' && *t->p != '}' &&
	       *t->p != '#' && *t->p != ' ' && *t->p != '\t' && *t->p != '\r')
		t->p++;
	if (t->p == s)
		return toml_fail(t, "a value this reader does not understand");
	ag_buf_add(out, s, (size_t)(t->p - s));
	return 0;
}

/* A key or table name: bare or quoted parts joined with '.'. */
static int toml_key(struct toml *t, struct ag_buf *out, char stop)
{
	for (;;) {
		toml_skip_ws(t, false);
		if (t->p >= t->end)
			return toml_fail(t, "a key is cut short");
		if (*t->p == '"' || *t->p == '\'') {
			if (toml_string(t, out) < 0)
				return -1;
		} else {
			const char *s = t->p;
			while (t->p < t->end && ((*t->p >= 'a' && *t->p <= 'z') || (*t->p >= 'A' && *t->p <= 'Z') ||
						 (*t->p >= '0' && *t->p <= '9') || *t->p == '_' || *t->p == '-'))
				t->p++;
			if (t->p == s)
				return toml_fail(t, "expected a key");
			ag_buf_add(out, s, (size_t)(t->p - s));
		}
		toml_skip_ws(t, false);
		if (t->p < t->end && *t->p == '.') {
			ag_buf_addc(out, '.');
			t->p++;
			continue;
		}
		if (t->p < t->end && *t->p == stop)
			return 0;
		return toml_fail(t, stop == '=' ? "expected '=' after a key" : "expected ']' after a table name");
	}
}

static char *subst_here(const char *v, const char *here)
{
	struct ag_buf b = {0};
	ag_buf_adds(&b, "");
	for (const char *p = v; *p;) {
		if (strncmp(p, "%(here)s", 8) == 0) {
			ag_buf_adds(&b, here);
			p += 8;
		} else {
			ag_buf_addc(&b, *p++);
		}
	}
	return ag_buf_take(&b);
}

int ag_config_toml_walk(const char *text, size_t len, const char *path, ag_config_toml_fn fn,
			void *user, struct ag_err *err)
{
	if (memchr(text, '\0', len))
		return ag_err_set_at(err, AG_ERR_CONFIG, path, 0, 0,
				     "%s contains a NUL byte; it is not a TOML file", path);
	struct toml t = {text, text + len, path, 1, err};
	struct ag_buf table = {0}, key = {0}, val = {0};
	ag_buf_adds(&table, "");
	int rc = 0;
	for (;;) {
		toml_skip_ws(&t, true);
		if (t.p >= t.end)
			break;
		if (*t.p == '[') {
			bool array = t.end - t.p >= 2 && t.p[1] == '[';
			t.p += array ? 2 : 1;
			table.len = 0;
			ag_buf_adds(&table, "");
			if (toml_key(&t, &table, ']') < 0) {
				rc = -1;
				break;
			}
			t.p++;
			if (array) {
				if (t.p >= t.end || *t.p != ']') {
					rc = toml_fail(&t, "expected ']]'");
					break;
				}
				t.p++;
				/* An array of tables is marked "[]name", so that no
				 * table of ours matches it, prefixes included. */
				char *name = ag_buf_take(&table);
				ag_buf_addf(&table, "[]%s", name);
				free(name);
			}
			struct ag_config_toml_item it = {table.p, NULL, NULL, NULL, 0, t.line};
			if (fn(user, &it, err) < 0) {
				rc = -1;
				break;
			}
			continue;
		}
		key.len = 0;
		ag_buf_adds(&key, "");
		val.len = 0;
		ag_buf_adds(&val, "");
		int kline = t.line;
		if (toml_key(&t, &key, '=') < 0) {
			rc = -1;
			break;
		}
		t.p++;
		toml_skip_ws(&t, false);
		const char *raw = t.p;
		if (toml_value(&t, &val, true, 0) < 0) {
			rc = -1;
			break;
		}
		size_t raw_len = (size_t)(t.p - raw);
		toml_skip_ws(&t, false);
		if (t.p < t.end && *t.p != '\n') {
			rc = toml_fail(&t, "expected the end of the line after a value");
			break;
		}
		struct ag_config_toml_item it = {table.p, key.p, val.p, raw, raw_len, kline};
		if (fn(user, &it, err) < 0) {
			rc = -1;
			break;
		}
	}
	ag_buf_free(&table);
	ag_buf_free(&key);
	ag_buf_free(&val);
	return rc;
}

struct toml_cfg {
	struct ag_config *cfg;
	const char *path;
	bool seen_alembic;
	bool strict_bool; /* set by ag_config_parse_toml_as */
	unsigned alembic;
};

static int toml_cfg_item(void *user, const struct ag_config_toml_item *it, struct ag_err *err)
{
	struct toml_cfg *tc = user;
	struct ag_config *cfg = tc->cfg;
	if (!it->key) {
		tc->seen_alembic |= strcmp(it->table, "tool.alembic") == 0;
		return 0;
	}
	bool alembic = strcmp(it->table, "tool.alembic") == 0;
	bool guard = strncmp(it->table, "tool.alembic-guard", 18) == 0 &&
		     (it->table[18] == '\0' || it->table[18] == '.');
	if (!alembic && !guard)
		return 0;
	if (it->raw_len && it->raw[0] == '{')
		return ag_err_set_at(err, AG_ERR_CONFIG, tc->path, it->line, 0,
				     "%s:%d: inline tables are not supported here; use a [table]",
				     tc->path, it->line);
	if (guard) {
		/* [tool.alembic-guard] and its subtables: "sub.key" */
		const char *sub = it->table + 18;
		char *k = *sub == '.' ? ag_printf("%s.%s", sub + 1, it->key) : ag_strdup(it->key);
		ag_strv_push_take(&cfg->guard_keys, k);
		ag_strv_push_take(&cfg->guard_values, subst_here(it->value, cfg->here));
		return 0;
	}
	bool is_string = it->raw_len && (it->raw[0] == '"' || it->raw[0] == '\'');
	char *v = subst_here(it->value, cfg->here);
	int rc = 0;
	if (strcmp(it->key, "script_location") == 0) {
		free(cfg->script_location);
		cfg->script_location = v;
		v = NULL;
	} else if (strcmp(it->key, "version_locations") == 0) {
		ag_strv_free(&cfg->version_locations);
		rc = split_locations(cfg, v, "newline", tc->path, err);
		cfg->has_version_locations = true;
	} else if (strcmp(it->key, "recursive_version_locations") == 0 ||
		   strcmp(it->key, "sourceless") == 0) {
		bool r = strcmp(it->key, "sourceless") != 0;
		/* Alembic 1.16.4+ wants a TOML boolean; 1.16.0 to 1.16.3
		 * compared the value with the string "true", so only the string
		 * "true" counted there, and the boolean true did not. */
		if (is_string && tc->strict_bool) {
			/* Raised only when Alembic takes the value from the TOML
			 * (an ini that sets the key shadows it): kept for later. */
			char **slot = r ? &cfg->toml_recursive_err : &cfg->toml_sourceless_err;
			free(*slot);
			*slot = ag_printf("%s:%d: %s = \"%s\" is a string; Alembic stops with "
					  "\"boolean value expected for TOML parameter '%s'\" (write %s = %s)",
					  tc->path, it->line, it->key, v, it->key, it->key,
					  strcmp(v, "true") == 0 ? "true" : "false");
		}
		else if (r)
			cfg->recursive = is_string == !tc->strict_bool && strcmp(v, "true") == 0;
		else
			cfg->sourceless = is_string == !tc->strict_bool && strcmp(v, "true") == 0;
	} else if (strcmp(it->key, "file_template") == 0) {
		/* Alembic formats TOML strings with `% {"here": ...}`, so the
		 * template it uses has one '%' where the file has "%%". */
		free(cfg->file_template);
		cfg->file_template = ag_template_from_toml(it->value, cfg->here);
	} else if (strcmp(it->key, "sqlalchemy.url") == 0 || strcmp(it->key, "sqlalchemy_url") == 0) {
		free(cfg->url);
		cfg->url = v;
		v = NULL;
	}
	free(v);
	return rc;
}

int ag_config_parse_toml(struct ag_config *cfg, const char *text, size_t len, const char *path,
			 struct ag_err *err)
{
	return ag_config_parse_toml_as(cfg, text, len, path, 0, err);
}

static int parse_toml(struct ag_config *cfg, const char *text, size_t len, const char *path,
		      unsigned alembic, bool allow_missing, struct ag_err *err)
{
	free(cfg->path);
	free(cfg->here);
	cfg->path = ag_strdup(path);
	cfg->here = dir_of(path);
	struct toml_cfg tc = {cfg, path, false, false, alembic};
	tc.strict_bool = !alembic || ag_alembic_applies(alembic, AG_AL_TOML_BOOL_STRICT);
	int rc = ag_config_toml_walk(text, len, path, toml_cfg_item, &tc, err);
	if (rc == 0 && !tc.seen_alembic && !allow_missing)
		rc = ag_err_set_at(err, AG_ERR_CONFIG, path, 0, 0, "%s has no [tool.alembic] table", path);
	if (rc == 0 && cfg->version_locations.n == 0 && cfg->script_location)
		ag_strv_push_take(&cfg->version_locations, ag_printf("%s/versions", cfg->script_location));
	return rc;
}

int ag_config_parse_toml_as(struct ag_config *cfg, const char *text, size_t len, const char *path,
			    unsigned alembic, struct ag_err *err)
{
	return parse_toml(cfg, text, len, path, alembic, false, err);
}

/* Reads one file with parse (ini when toml is false). A missing file is
 * 1 (nothing read), not an error. */
static int read_one(struct ag_config *cfg, const char *path, bool toml, const char *section,
		    unsigned alembic, bool lenient, struct ag_err *err)
{
	size_t len = 0;
	char *text = ag_read_file(path, &len);
	if (!text) {
		if (errno == ENOENT)
			return 1;
		return ag_err_set(err, AG_ERR_IO, "cannot read %s: %s", path, strerror(errno));
	}
	int r = toml ? parse_toml(cfg, text, len, path, alembic, lenient, err)
		     : parse_ini(cfg, text, len, path, section, alembic, lenient, err);
	free(text);
	return r;
}

static bool is_toml_name(const char *path)
{
	size_t n = strlen(path);
	return n >= 5 && strcmp(path + n - 5, ".toml") == 0;
}

/* Alembic 1.16+: alembic.ini and pyproject.toml together, the ini first
 * for every key (Config.get_alembic_option). */
static int load_both(struct ag_config *cfg, const char *ini, const char *toml, const char *section,
		     unsigned alembic, bool allow_none, struct ag_err *err)
{
	struct ag_config t = {0};
	int rt = read_one(&t, toml, true, section, alembic, true, err);
	if (rt < 0) {
		ag_config_free(&t);
		return -1;
	}
	int ri = read_one(cfg, ini, false, section, alembic, rt == 0, err);
	if (ri < 0) {
		ag_config_free(&t);
		return -1;
	}
	if (ri == 1 && rt == 1) {
		ag_config_free(&t);
		if (allow_none)
			return 0;
		return ag_err_set(err, AG_ERR_CONFIG,
				  "no %s or %s; pass -c FILE or --versions DIR", ini, toml);
	}
	if (ri == 1) {
		ag_config_free(cfg);
		*cfg = t;
		memset(&t, 0, sizeof t);
	} else if (rt == 1) {
		ag_config_free(&t);
		return 0;
	}
	/* A TOML boolean written as a string fails where Alembic reads it. */
	const struct ag_config *from_toml = ri == 1 ? cfg : &t;
	const char *bad = !cfg->has_recursive ? from_toml->toml_recursive_err : NULL;
	if (!bad && !cfg->has_sourceless)
		bad = from_toml->toml_sourceless_err;
	if (bad) {
		ag_err_set(err, AG_ERR_CONFIG, "%s", bad);
		ag_config_free(&t);
		return -1;
	}
	if (ri == 1)
		return 0;
	/* Both: take from the TOML what the ini does not set. */
	if (!cfg->has_script_location && t.script_location) {
		free(cfg->script_location);
		cfg->script_location = t.script_location;
		t.script_location = NULL;
	}
	if (!cfg->has_version_locations) {
		ag_strv_free(&cfg->version_locations);
		if (t.has_version_locations)
			ag_strv_copy(&cfg->version_locations, &t.version_locations);
		else if (cfg->script_location)
			ag_strv_push_take(&cfg->version_locations,
					  ag_printf("%s/versions", cfg->script_location));
	}
	if (!cfg->has_recursive)
		cfg->recursive = t.recursive;
	if (!cfg->has_sourceless)
		cfg->sourceless = t.sourceless;
	if (!cfg->has_file_template && t.file_template) {
		free(cfg->file_template);
		cfg->file_template = t.file_template;
		t.file_template = NULL;
	}
	if (!cfg->has_url && t.url) {
		free(cfg->url);
		cfg->url = t.url;
		t.url = NULL;
	}
	/* The guard's own settings: the TOML's first, so the ini's win in
	 * ag_config_guard (the last one of a key counts). */
	struct ag_strv k = {0}, v = {0};
	ag_strv_copy(&k, &t.guard_keys);
	ag_strv_copy(&v, &t.guard_values);
	for (size_t i = 0; i < cfg->guard_keys.n; i++) {
		ag_strv_push(&k, cfg->guard_keys.v[i]);
		ag_strv_push(&v, cfg->guard_values.v[i]);
	}
	ag_strv_free(&cfg->guard_keys);
	ag_strv_free(&cfg->guard_values);
	cfg->guard_keys = k;
	cfg->guard_values = v;
	free(cfg->toml_path);
	cfg->toml_path = t.path;
	t.path = NULL;
	ag_config_free(&t);
	return 0;
}

int ag_config_load_as(struct ag_config *cfg, const char *path, const char *section,
		      unsigned alembic, bool allow_none, struct ag_err *err)
{
	if (alembic && ag_alembic_applies(alembic, AG_AL_PYPROJECT)) {
		/* As Alembic's CommandLine._inis_from_config: a file named
		 * pyproject.toml is the TOML, anything else the ini. */
		const char *ini = "alembic.ini", *toml = "pyproject.toml";
		if (path && is_toml_name(path))
			toml = path;
		else if (path)
			ini = path;
		if (path && access(path, F_OK) != 0)
			return ag_err_set(err, AG_ERR_CONFIG, "cannot read %s: %s", path,
					  strerror(errno));
		return load_both(cfg, ini, toml, section, alembic, allow_none, err);
	}
	if (load_legacy(cfg, path, section, alembic, allow_none, err) < 0)
		return -1;
	if (alembic && cfg->path && is_toml_name(cfg->path)) {
		/* Before 1.16 Alembic reads no TOML: [tool.alembic] configures
		 * nothing (the guard's own [tool.alembic-guard] still counts). */
		free(cfg->script_location);
		cfg->script_location = NULL;
		ag_strv_free(&cfg->version_locations);
		cfg->recursive = cfg->sourceless = false;
	}
	return 0;
}
