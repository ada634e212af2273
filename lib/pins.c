#include "pins.h"

#include <errno.h>
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alembic.h"
#include "config.h"

/* ---- versions and specifiers ----------------------------------------- */

/* A release as written: up to three numbers (more are ignored: no Alembic
 * release has them), how many were given, and whether it ends in ".*". */
struct rel {
	unsigned part[3];
	int nparts;
	bool wildcard;
};

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* Reads a release at p; a pre-release or post-release suffix (rc1, .post1,
 * +local) ends it. Returns the end, or NULL when no number is there. */
static const char *read_rel(const char *p, struct rel *r)
{
	memset(r, 0, sizeof *r);
	p = skip_ws(p);
	if (*p == 'v')
		p++;
	for (;;) {
		if (*p == '*' && r->nparts > 0) {
			r->wildcard = true;
			p++;
			break;
		}
		if (*p < '0' || *p > '9')
			return r->nparts ? p : NULL;
		unsigned long v = 0;
		while (*p >= '0' && *p <= '9') {
			if (v < 100000)
				v = v * 10 + (unsigned long)(*p - '0');
			p++;
		}
		if (r->nparts < 3)
			r->part[r->nparts] = v > 99 ? 99 : (unsigned)v;
		r->nparts++;
		if (*p != '.' || !((p[1] >= '0' && p[1] <= '9') || p[1] == '*'))
			break;
		p++;
	}
	if (r->nparts > 3)
		r->nparts = 3;
	/* The rest of a version token (rc1, .post2, +local) is no clause. */
	while (*p && *p != ',' && *p != ' ' && *p != '\t' && *p != '|' && *p != ')' && *p != ';')
		p++;
	return p;
}

static unsigned rel_code(const struct rel *r)
{
	return AG_ALEMBIC_VER(r->part[0], r->part[1], r->part[2]);
}

/* True when the first n parts of v equal r's. */
static bool prefix_eq(unsigned v, const struct rel *r, int n)
{
	unsigned vp[3] = {v / 10000, v / 100 % 100, v % 100};
	for (int i = 0; i < n && i < 3; i++)
		if (vp[i] != r->part[i])
			return false;
	return true;
}

enum op { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE, OP_COMPAT, OP_CARET, OP_TILDE };

static bool clause_ok(unsigned v, enum op op, const struct rel *r)
{
	unsigned c = rel_code(r);
	switch (op) {
	case OP_EQ:
		return r->wildcard ? prefix_eq(v, r, r->nparts) : v == c;
	case OP_NE:
		return r->wildcard ? !prefix_eq(v, r, r->nparts) : v != c;
	case OP_LT:
		return v < c;
	case OP_LE:
		return v <= c;
	case OP_GT:
		return v > c;
	case OP_GE:
		return v >= c;
	case OP_COMPAT: /* ~=1.13 is >=1.13,==1.*; ~=1.13.2 is >=1.13.2,==1.13.* */
		return v >= c && prefix_eq(v, r, r->nparts > 1 ? r->nparts - 1 : 1);
	case OP_CARET: /* Poetry ^1.13: >=1.13,<2 (the first non-zero part stays) */
		return v >= c && (r->part[0] ? prefix_eq(v, r, 1)
					     : prefix_eq(v, r, r->nparts >= 2 ? 2 : 1));
	case OP_TILDE: /* Poetry ~1.13: >=1.13,<1.14; ~1: >=1,<2 */
		return v >= c && prefix_eq(v, r, r->nparts >= 2 ? 2 : 1);
	}
	return false;
}

/* Reads an operator at p. */
static const char *read_op(const char *p, enum op *op)
{
	static const struct {
		const char *s;
		enum op op;
	} ops[] = {{"===", OP_EQ}, {"==", OP_EQ}, {"!=", OP_NE}, {"~=", OP_COMPAT}, {"<=", OP_LE},
		   {">=", OP_GE},  {"<", OP_LT},   {">", OP_GT},  {"^", OP_CARET},   {"~", OP_TILDE},
		   {"=", OP_EQ}};
	for (size_t i = 0; i < AG_ARRAY_LEN(ops); i++) {
		size_t n = strlen(ops[i].s);
		if (strncmp(p, ops[i].s, n) == 0) {
			*op = ops[i].op;
			return p + n;
		}
	}
	*op = OP_EQ; /* a bare version (a lock file, Poetry's "1.13.2") */
	return p;
}

/* Whether v satisfies the alternative [p, end) (clauses separated by
 * commas or, as Poetry allows, spaces). -1: unreadable. */
static int alt_ok(unsigned v, const char *p, const char *end, int *nclauses, bool *exact,
		  unsigned *pinned)
{
	bool ok = true;
	*nclauses = 0;
	*exact = false;
	while (p < end) {
		p = skip_ws(p);
		if (p >= end)
			break;
		if (*p == ',') {
			p++;
			continue;
		}
		if (*p == '*') { /* Poetry's "any" */
			p++;
			continue;
		}
		enum op op;
		const char *q = read_op(p, &op);
		struct rel r;
		q = read_rel(q, &r);
		if (!q || q > end)
			return -1;
		++*nclauses;
		*exact = op == OP_EQ && !r.wildcard;
		*pinned = rel_code(&r);
		if (!clause_ok(v, op, &r))
			ok = false;
		p = q;
	}
	if (*nclauses != 1)
		*exact = false;
	return ok;
}

int ag_pins_select(const char *spec, unsigned *version, bool *exact, unsigned *outside)
{
	size_t n = 0;
	const unsigned *known = ag_alembic_known(&n);
	*exact = false;
	*outside = 0;
	/* Parentheses of `alembic (>=1.13)` are no part of the specifier. */
	char *s = ag_strdup(spec);
	for (char *c = s; *c; c++)
		if (*c == '(' || *c == ')')
			*c = ' ';
	int nalts = 0, rc = 0;
	unsigned best = 0, pinned = 0;
	bool any_exact = false;
	/* A probe far above every release: does the range reach past them? */
	bool above = false;
	for (const char *p = s;;) {
		const char *bar = strstr(p, "||");
		const char *end = bar ? bar : p + strlen(p);
		int nc = 0;
		bool ex = false;
		unsigned pin = 0;
		for (size_t i = 0; i < n; i++) {
			int ok = alt_ok(known[i], p, end, &nc, &ex, &pin);
			if (ok < 0) {
				free(s);
				return -1;
			}
			if (ok && known[i] > best)
				best = known[i];
		}
		if (alt_ok(AG_ALEMBIC_VER(99, 0, 0), p, end, &nc, &ex, &pin) == 1)
			above = true;
		nalts++;
		if (ex) {
			any_exact = true;
			pinned = pin;
		}
		if (!bar)
			break;
		p = bar + 2;
	}
	free(s);
	if (nalts == 1 && any_exact) {
		*exact = true;
		if (ag_alembic_is_known(pinned)) {
			*version = pinned;
		} else if (pinned < ag_alembic_oldest()) {
			*version = ag_alembic_oldest();
			*outside = pinned;
		} else {
			/* newer than every known release, or a release the list
			 * lacks: the newest known at or below it */
			unsigned b = ag_alembic_oldest();
			for (size_t i = 0; i < n; i++)
				if (known[i] <= pinned)
					b = known[i];
			*version = b;
			*outside = pinned;
		}
		return rc;
	}
	if (best) {
		*version = best;
	} else {
		*version = above ? ag_alembic_newest() : ag_alembic_oldest();
		*outside = 1;
	}
	return rc;
}

int ag_pins_admits(const char *spec, unsigned major, unsigned minor, unsigned patch)
{
	unsigned v = AG_ALEMBIC_VER(major > 99 ? 99 : major, minor > 99 ? 99 : minor,
				    patch > 99 ? 99 : patch);
	char *s = ag_strdup(spec);
	for (char *c = s; *c; c++)
		if (*c == '(' || *c == ')')
			*c = ' ';
	int rc = 0;
	for (const char *p = s;;) {
		const char *bar = strstr(p, "||");
		const char *end = bar ? bar : p + strlen(p);
		int nc = 0;
		bool ex = false;
		unsigned pin = 0;
		int ok = alt_ok(v, p, end, &nc, &ex, &pin);
		if (ok < 0) {
			rc = -1;
			break;
		}
		if (ok)
			rc = 1;
		if (!bar)
			break;
		p = bar + 2;
	}
	free(s);
	return rc;
}

/* ---- reading the files ------------------------------------------------- */

static void add_spec(struct ag_pins_file *f, const char *spec, size_t len, int line)
{
	/* trim */
	while (len && (*spec == ' ' || *spec == '\t')) {
		spec++;
		len--;
	}
	while (len && (spec[len - 1] == ' ' || spec[len - 1] == '\t' || spec[len - 1] == '\r'))
		len--;
	size_t cap = f->specs.n;
	f->lines = ag_realloc(f->lines, (cap + 1) * sizeof *f->lines);
	f->lines[cap] = line;
	ag_strv_push_take(&f->specs, ag_strndup(spec, len));
}

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c == '.';
}

/* A PEP 508 requirement [p, end): when it names alembic, adds its version
 * part (before the markers) to f. */
static void requirement(struct ag_pins_file *f, const char *p, const char *end, int line)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	const char *name = p;
	while (p < end && name_char(*p))
		p++;
	if (p - name != 7 || strncasecmp(name, "alembic", 7) != 0)
		return;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p < end && *p == '[') { /* extras */
		const char *close = memchr(p, ']', (size_t)(end - p));
		if (!close)
			return;
		p = close + 1;
	}
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p < end && *p == '@') /* a URL: no version to read */
		return add_spec(f, "", 0, line);
	const char *semi = memchr(p, ';', (size_t)(end - p));
	const char *stop = semi ? semi : end;
	/* pip options on the same line (--hash=...) end the specifier */
	for (const char *q = p; q + 1 < stop; q++)
		if ((q == p || q[-1] == ' ' || q[-1] == '\t') && q[0] == '-' && q[1] == '-') {
			stop = q;
			break;
		}
	add_spec(f, p, (size_t)(stop - p), line);
}

static void scan_requirements(struct ag_pins_file *f, const char *text, size_t len)
{
	const char *end = text + len;
	int line = 1;
	struct ag_buf logical = {0};
	for (const char *p = text; p < end;) {
		/* a logical line: physical lines joined where they end in '\' */
		int first = line;
		logical.len = 0;
		ag_buf_adds(&logical, "");
		for (;;) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			const char *e = nl ? nl : end;
			const char *le = e;
			if (le > p && le[-1] == '\r')
				le--;
			bool cont = le > p && le[-1] == '\\';
			ag_buf_add(&logical, p, (size_t)(le - p - (cont ? 1 : 0)));
			ag_buf_addc(&logical, ' ');
			p = nl ? nl + 1 : end;
			line++;
			if (!cont || p >= end)
				break;
		}
		char *l = logical.p;
		/* a comment: '#' at the start or after whitespace */
		for (char *c = l; *c; c++)
			if (*c == '#' && (c == l || c[-1] == ' ' || c[-1] == '\t')) {
				*c = '\0';
				break;
			}
		const char *s = skip_ws(l);
		static const char *const inc[] = {"--requirement", "--constraint", "-r", "-c"};
		bool done = false;
		for (size_t i = 0; i < AG_ARRAY_LEN(inc) && !done; i++) {
			size_t n = strlen(inc[i]);
			if (strncmp(s, inc[i], n) != 0)
				continue;
			const char *v = s + n;
			if (*v == '=')
				v++;
			else if (n > 2 && *v != ' ' && *v != '\t')
				continue;
			v = skip_ws(v);
			size_t m = strcspn(v, " \t");
			if (m)
				ag_strv_push_take(&f->includes, ag_strndup(v, m));
			done = true;
		}
		if (!done && *s && *s != '-')
			requirement(f, s, s + strlen(s), first);
	}
	ag_buf_free(&logical);
}

/* uv.lock, poetry.lock, pdm.lock: [[package]] tables. */
struct lock_state {
	struct ag_pins_file *f;
	bool in_package, is_alembic;
	char *version;
	int version_line;
};

static void lock_flush(struct lock_state *st)
{
	if (st->in_package && st->is_alembic && st->version)
		add_spec(st->f, st->version, strlen(st->version), st->version_line);
	free(st->version);
	st->version = NULL;
	st->is_alembic = false;
}

static int lock_item(void *user, const struct ag_config_toml_item *it, struct ag_err *err)
{
	(void)err;
	struct lock_state *st = user;
	if (!it->key) {
		if (strcmp(it->table, "[]package") == 0) {
			lock_flush(st);
			st->in_package = true;
		} else if (strncmp(it->table, "package.", 8) != 0) {
			lock_flush(st);
			st->in_package = false;
		}
		return 0;
	}
	if (!st->in_package || strcmp(it->table, "[]package") != 0)
		return 0;
	if (strcmp(it->key, "name") == 0)
		st->is_alembic = strcasecmp(it->value, "alembic") == 0;
	else if (strcmp(it->key, "version") == 0) {
		free(st->version);
		st->version = ag_strdup(it->value);
		st->version_line = it->line;
	}
	return 0;
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

static void scan_pipfile_lock(struct ag_pins_file *f, const char *text, size_t len)
{
	json_error_t je;
	json_t *doc = json_loadb(text, len, 0, &je);
	if (!json_is_object(doc)) {
		json_decref(doc);
		return;
	}
	static const char *const groups[] = {"default", "develop"};
	for (size_t g = 0; g < AG_ARRAY_LEN(groups); g++) {
		json_t *grp = json_object_get(doc, groups[g]);
		const char *k;
		json_t *v;
		json_object_foreach(grp, k, v)
		{
			if (strcasecmp(k, "alembic") != 0)
				continue;
			const char *ver = json_string_value(json_object_get(v, "version"));
			if (ver) {
				add_spec(f, ver, strlen(ver), line_of(text, len, "\"alembic\""));
				json_decref(doc);
				return;
			}
		}
	}
	json_decref(doc);
}

/* pyproject.toml */
static int pyproject_item(void *user, const struct ag_config_toml_item *it, struct ag_err *err)
{
	(void)err;
	struct ag_pins_file *f = user;
	if (!it->key)
		return 0;
	const char *t = it->table;
	bool pep621 = (strcmp(t, "project") == 0 && strcmp(it->key, "dependencies") == 0) ||
		      strcmp(t, "project.optional-dependencies") == 0 ||
		      strcmp(t, "dependency-groups") == 0;
	if (pep621 && it->raw_len && it->raw[0] == '[') {
		/* each string of the array, with its own line */
		int line = it->line;
		const char *v = it->value;
		const char *r = it->raw, *rend = it->raw + it->raw_len;
		for (;;) {
			const char *nl = strchr(v, '\n');
			size_t n = nl ? (size_t)(nl - v) : strlen(v);
			/* find the line of this element in the raw text */
			char *item = ag_strndup(v, n);
			const char *at = NULL;
			for (const char *q = r; q + n <= rend && n; q++)
				if (memcmp(q, item, n) == 0) {
					at = q;
					break;
				}
			int l = line;
			if (at) {
				for (const char *q = it->raw; q < at; q++)
					l += *q == '\n';
				r = at + n;
			}
			requirement(f, item, item + n, l);
			free(item);
			if (!nl)
				break;
			v = nl + 1;
		}
		return 0;
	}
	bool poetry = strcmp(t, "tool.poetry.dependencies") == 0 ||
		      strcmp(t, "tool.poetry.dev-dependencies") == 0 ||
		      (strncmp(t, "tool.poetry.group.", 18) == 0 &&
		       strlen(t) > 13 && strcmp(t + strlen(t) - 13, ".dependencies") == 0);
	if (poetry && strcasecmp(it->key, "alembic") == 0) {
		if (it->raw_len && it->raw[0] == '{') {
			/* { version = "^1.13", extras = [...] } */
			char *raw = ag_strndup(it->raw, it->raw_len);
			const char *k = strstr(raw, "version");
			const char *q = k ? strpbrk(k, "\"'") : NULL;
			const char *e = q ? strchr(q + 1, *q) : NULL;
			if (e)
				add_spec(f, q + 1, (size_t)(e - q - 1), it->line);
			free(raw);
		} else {
			add_spec(f, it->value, strlen(it->value), it->line);
		}
	}
	return 0;
}

/* setup.cfg: [options] install_requires, a multi-line ini value. */
static void scan_setup_cfg(struct ag_pins_file *f, const char *text, size_t len)
{
	const char *end = text + len;
	bool in_options = false, in_value = false;
	int line = 1;
	for (const char *p = text; p < end; line++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		const char *s = p;
		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		bool indented = s > p;
		if (!indented && s < e && *s == '[') {
			in_options = (size_t)(e - s) >= 9 && strncmp(s, "[options]", 9) == 0;
			in_value = false;
		} else if (!indented && s < e) {
			in_value = false;
			if (in_options && strncmp(s, "install_requires", 16) == 0) {
				const char *eq = memchr(s, '=', (size_t)(e - s));
				if (eq) {
					in_value = true;
					requirement(f, eq + 1, e, line);
				}
			}
		} else if (in_value && s < e && *s != '#') {
			requirement(f, s, e, line);
		}
		p = nl ? nl + 1 : end;
	}
}

void ag_pins_scan(struct ag_pins_file *out, const char *name, const char *text, size_t len)
{
	const char *base = strrchr(name, '/');
	base = base ? base + 1 : name;
	if (memchr(text, '\0', len))
		return; /* no pin file holds a NUL */
	struct ag_err err;
	if (strcmp(base, "uv.lock") == 0 || strcmp(base, "poetry.lock") == 0 ||
	    strcmp(base, "pdm.lock") == 0) {
		struct lock_state st = {out, false, false, NULL, 0};
		ag_config_toml_walk(text, len, name, lock_item, &st, &err);
		lock_flush(&st);
	} else if (strcmp(base, "Pipfile.lock") == 0) {
		scan_pipfile_lock(out, text, len);
	} else if (strcmp(base, "pyproject.toml") == 0) {
		ag_config_toml_walk(text, len, name, pyproject_item, out, &err);
	} else if (strcmp(base, "setup.cfg") == 0) {
		scan_setup_cfg(out, text, len);
	} else {
		scan_requirements(out, text, len);
	}
}

void ag_pins_file_free(struct ag_pins_file *f)
{
	if (!f)
		return;
	ag_strv_free(&f->specs);
	free(f->lines);
	ag_strv_free(&f->includes);
	memset(f, 0, sizeof *f);
}

/* ---- finding them ------------------------------------------------------ */

struct found {
	struct ag_strv specs, froms;
};

/* Reads path (and, for requirements files, what it includes) into fd.
 * 1: no such file. */
static int read_pins(struct found *fd, const char *dir, const char *rel, int depth,
		     struct ag_strv *seen, struct ag_err *err)
{
	char *path = rel[0] == '/' ? ag_strdup(rel) : ag_printf("%s/%s", dir, rel);
	if (depth > 16 || ag_strv_has(seen, path)) { /* an include loop */
		free(path);
		return 0;
	}
	ag_strv_push(seen, path);
	size_t len = 0;
	char *text = ag_read_file(path, &len);
	if (!text) {
		int e = errno;
		free(path);
		if (e == ENOENT || e == ENOTDIR || e == EISDIR || e == EFBIG)
			return 1;
		return ag_err_set(err, AG_ERR_IO, "cannot read %s: %s", rel, strerror(e));
	}
	struct ag_pins_file f = {0};
	ag_pins_scan(&f, rel, text, len);
	free(text);
	for (size_t i = 0; i < f.specs.n; i++) {
		ag_strv_push(&fd->specs, f.specs.v[i]);
		ag_strv_push_take(&fd->froms, ag_printf("%s:%d", rel, f.lines[i]));
	}
	/* includes are relative to the including file */
	char *sub = ag_strdup(rel);
	char *slash = strrchr(sub, '/');
	for (size_t i = 0; i < f.includes.n; i++) {
		char *inc = f.includes.v[i][0] == '/' || !slash
				    ? ag_strdup(f.includes.v[i])
				    : ag_printf("%.*s/%s", (int)(slash - sub), sub, f.includes.v[i]);
		int r = read_pins(fd, dir, inc, depth + 1, seen, err);
		free(inc);
		if (r < 0) {
			free(sub);
			free(path);
			ag_pins_file_free(&f);
			return -1;
		}
	}
	free(sub);
	free(path);
	ag_pins_file_free(&f);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int ag_pins_find(struct ag_pin *pin, const char *dir, struct ag_err *err)
{
	memset(pin, 0, sizeof *pin);
	pin->version = ag_alembic_newest();
	struct ag_strv files = {0};
	static const char *const first[] = {"uv.lock", "poetry.lock", "pdm.lock", "Pipfile.lock"};
	for (size_t i = 0; i < AG_ARRAY_LEN(first); i++)
		ag_strv_push(&files, first[i]);
	/* requirements*.txt, requirements.txt first, then sorted */
	DIR *d = opendir(dir);
	struct ag_strv reqs = {0};
	if (d) {
		struct dirent *de;
		while ((de = readdir(d)) != NULL) {
			size_t n = strlen(de->d_name);
			if (strncmp(de->d_name, "requirements", 12) == 0 && n > 16 &&
			    strcmp(de->d_name + n - 4, ".txt") == 0 && strcmp(de->d_name, "requirements.txt") != 0)
				ag_strv_push(&reqs, de->d_name);
		}
		closedir(d);
	}
	if (reqs.n)
		qsort(reqs.v, reqs.n, sizeof *reqs.v, cmp_str);
	ag_strv_push(&files, "requirements.txt");
	for (size_t i = 0; i < reqs.n; i++)
		ag_strv_push(&files, reqs.v[i]);
	ag_strv_free(&reqs);
	ag_strv_push(&files, "pyproject.toml");
	ag_strv_push(&files, "setup.cfg");

	int rc = 0;
	for (size_t i = 0; i < files.n && !pin->from; i++) {
		struct found fd = {0};
		struct ag_strv seen = {0};
		int r = read_pins(&fd, dir, files.v[i], 0, &seen, err);
		ag_strv_free(&seen);
		if (r < 0) {
			rc = -1;
		} else if (fd.specs.n) {
			/* Every requirement of one file (and its -r/-c) holds at
			 * once: join them; the one that says most is quoted. */
			struct ag_buf all = {0};
			size_t best = 0;
			for (size_t k = 0; k < fd.specs.n; k++) {
				if (fd.specs.v[k][0]) {
					if (all.len)
						ag_buf_addc(&all, ',');
					ag_buf_adds(&all, fd.specs.v[k]);
				}
				if (strlen(fd.specs.v[k]) > strlen(fd.specs.v[best]))
					best = k;
			}
			ag_buf_adds(&all, "");
			unsigned v = 0, outside = 0;
			bool exact = false;
			if (ag_pins_select(all.p, &v, &exact, &outside) == 0) {
				char a[16], b[16], c[16], pin_buf[16];
				pin->version = v;
				pin->from = ag_strdup(fd.froms.v[best]);
				pin->spec = ag_strdup(all.p);
				if (outside == 1)
					pin->warning = ag_printf(
						"%s: alembic %s allows no Alembic release the guard knows "
						"(%s to %s); judging with %s's rules",
						pin->from, all.p, ag_alembic_format(ag_alembic_oldest(), a),
						ag_alembic_format(ag_alembic_newest(), b),
						ag_alembic_format(v, c));
				else if (outside)
					pin->warning = ag_printf(
						"%s: Alembic %s is %s the guard knows (%s to %s); judging "
						"with %s's rules",
						pin->from, ag_alembic_format(outside, a),
						outside < ag_alembic_oldest() ? "older than any release"
						: outside > ag_alembic_newest() ? "newer than any release"
										: "not a release",
						ag_alembic_format(ag_alembic_oldest(), b),
						ag_alembic_format(ag_alembic_newest(), c),
						ag_alembic_format(v, pin_buf));
			} else {
				pin->warning = ag_printf("%s: cannot read the version in `alembic%s`; "
							 "judging with the newest Alembic the guard knows",
							 fd.froms.v[best], all.p);
			}
			ag_buf_free(&all);
		}
		ag_strv_free(&fd.specs);
		ag_strv_free(&fd.froms);
		if (rc < 0)
			break;
	}
	ag_strv_free(&files);
	return rc;
}

void ag_pin_free(struct ag_pin *pin)
{
	if (!pin)
		return;
	free(pin->from);
	free(pin->spec);
	free(pin->warning);
	memset(pin, 0, sizeof *pin);
}
