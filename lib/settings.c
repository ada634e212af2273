#include "settings.h"

#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_HELPER "get_uuid_type"

static const char *const known_keys[] = {"target",   "expected_heads", "uuid_helper",
					 "ignore",   "define",         "severity",
					 "replaces", "lock_risk_rows"};
/* Keys of other commands that live in the same section. */
static const char *const foreign_keys[] = {"heroku.app", "alembic_version", "python_version"};
/* Keys that may also be written as a table of NAME = VALUE. */
static const char *const table_keys[] = {"define", "severity", "replaces"};

static bool is_toml(const struct ag_config *cfg)
{
	size_t n = cfg->path ? strlen(cfg->path) : 0;
	return n >= 5 && strcmp(cfg->path + n - 5, ".toml") == 0;
}

static const char *section_of(const struct ag_config *cfg)
{
	return is_toml(cfg) ? "[tool.alembic-guard]" : "[alembic-guard]";
}

static int fail(const struct ag_config *cfg, struct ag_err *err, const char *key, const char *fmt,
		...) __attribute__((format(printf, 4, 5)));

static int fail(const struct ag_config *cfg, struct ag_err *err, const char *key, const char *fmt,
		...)
{
	char msg[700];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	const char *file = cfg->path ? cfg->path : "the settings";
	return ag_err_set_at(err, AG_ERR_CONFIG, cfg->path ? cfg->path : "", 0, 0, "%s %s: %s%s%s",
			     file, section_of(cfg), key ? key : "", key ? ": " : "", msg);
}

/* Trims spaces, tabs and CR from both ends of [s, s+n); new. */
static char *trimmed(const char *s, size_t n)
{
	while (n && (*s == ' ' || *s == '\t' || *s == '\r')) {
		s++;
		n--;
	}
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		n--;
	return ag_strndup(s, n);
}

/* A value's entries: split on newlines and commas, trimmed, empty ones
 * dropped. */
static void entries(const char *v, struct ag_strv *out)
{
	const char *p = v;
	for (;;) {
		size_t n = strcspn(p, "\n,");
		char *e = trimmed(p, n);
		if (*e)
			ag_strv_push_take(out, e);
		else
			free(e);
		p += n;
		if (!*p)
			break;
		p++;
	}
}

/* NAME=VALUE -> name, value (trimmed, both non-empty). */
static bool split_pair(const char *e, char **name, char **value)
{
	const char *eq = strchr(e, '=');
	if (!eq)
		return false;
	*name = trimmed(e, (size_t)(eq - e));
	*value = trimmed(eq + 1, strlen(eq + 1));
	if (!**name || !**value) {
		free(*name);
		free(*value);
		return false;
	}
	return true;
}

static bool is_code(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-'))
			return false;
	return true;
}

/* An id Alembic accepts, without spaces or quotes (ids in SQL fixes). */
static bool is_id(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (strchr("-@+ \t'\"\\,=", *s) || (unsigned char)*s < 0x20)
			return false;
	return true;
}

static bool is_dotted_name(const char *s)
{
	bool start = true;
	for (; *s; s++) {
		if (*s == '.') {
			if (start)
				return false;
			start = true;
			continue;
		}
		bool alpha = (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_' ||
			     (unsigned char)*s >= 0x80;
		if (!alpha && !(*s >= '0' && *s <= '9' && !start))
			return false;
		start = false;
	}
	return !start;
}

static int parse_level(const char *s, enum ag_severity *out)
{
	if (strcmp(s, "error") == 0)
		*out = AG_SEV_ERROR;
	else if (strcmp(s, "warning") == 0)
		*out = AG_SEV_WARNING;
	else if (strcmp(s, "info") == 0)
		*out = AG_SEV_INFO;
	else
		return -1;
	return 0;
}

static void set_severity(struct ag_settings *s, const char *code, enum ag_severity lv)
{
	for (size_t i = 0; i < s->severity_codes.n; i++) {
		if (strcmp(s->severity_codes.v[i], code) == 0) {
			s->severity_levels[i] = lv;
			return;
		}
	}
	ag_strv_push(&s->severity_codes, code);
	s->severity_levels =
		ag_realloc(s->severity_levels, s->severity_codes.n * sizeof *s->severity_levels);
	s->severity_levels[s->severity_codes.n - 1] = lv;
}

static void set_replace(struct ag_settings *s, const char *old, const char *nw)
{
	for (size_t i = 0; i < s->replaces_old.n; i++) {
		if (strcmp(s->replaces_old.v[i], old) == 0) {
			free(s->replaces_new.v[i]);
			s->replaces_new.v[i] = ag_strdup(nw);
			return;
		}
	}
	ag_strv_push(&s->replaces_old, old);
	ag_strv_push(&s->replaces_new, nw);
}

/* One NAME=VALUE entry of define, severity or replaces. */
static int table_entry(struct ag_settings *s, const struct ag_config *cfg, const char *key,
		       const char *name, const char *value, struct ag_err *err)
{
	if (strcmp(key, "define") == 0) {
		if (!is_dotted_name(name))
			return fail(cfg, err, key, "'%s' is not a Python name (NAME or module.NAME)",
				    name);
		ag_defines_set(&s->defines, name, value);
	} else if (strcmp(key, "severity") == 0) {
		enum ag_severity lv;
		if (!is_code(name))
			return fail(cfg, err, key, "'%s' is not a finding code (kebab-case, e.g. "
						   "file-name-convention)",
				    name);
		if (parse_level(value, &lv) < 0)
			return fail(cfg, err, key, "%s = %s: the severity must be error, warning or info",
				    name, value);
		set_severity(s, name, lv);
	} else {
		if (!is_id(name) || !is_id(value))
			return fail(cfg, err, key,
				    "%s = %s: both sides must be revision ids (no '-', '@', '+', spaces "
				    "or quotes)",
				    name, value);
		if (strcmp(name, value) == 0)
			return fail(cfg, err, key, "%s replaces itself", name);
		set_replace(s, name, value);
	}
	return 0;
}

static int parse_key(struct ag_settings *s, const struct ag_config *cfg, const char *key,
		     const char *value, struct ag_err *err)
{
	struct ag_strv es = {0};
	entries(value, &es);
	int rc = 0;
	if (strcmp(key, "target") == 0) {
		if (es.n == 1 && strcmp(es.v[0], "head") == 0)
			s->target = AG_TARGET_HEAD;
		else if (es.n == 1 && strcmp(es.v[0], "heads") == 0)
			s->target = AG_TARGET_HEADS;
		else
			rc = fail(cfg, err, key, "wants head or heads, not '%s'", value);
	} else if (strcmp(key, "expected_heads") == 0) {
		ag_strv_free(&s->expected_heads);
		s->expected_head_count = 0;
		char *end = NULL;
		long n = es.n == 1 ? strtol(es.v[0], &end, 10) : 0;
		if (es.n == 1 && end && !*end && es.v[0][0] >= '0' && es.v[0][0] <= '9') {
			if (n < 1 || n > 10000)
				rc = fail(cfg, err, key, "wants at least one head, not %s", es.v[0]);
			else
				s->expected_head_count = (int)n;
		} else if (!es.n) {
			rc = fail(cfg, err, key, "is empty; list the heads (ids or branch labels) or "
						 "give their number");
		} else {
			for (size_t i = 0; i < es.n && rc == 0; i++) {
				if (!is_id(es.v[i]))
					rc = fail(cfg, err, key, "'%s' is not a revision id or branch label",
						  es.v[i]);
				else if (ag_strv_has(&s->expected_heads, es.v[i]))
					rc = fail(cfg, err, key, "'%s' is listed twice", es.v[i]);
				else
					ag_strv_push(&s->expected_heads, es.v[i]);
			}
		}
	} else if (strcmp(key, "uuid_helper") == 0) {
		ag_strv_free(&s->uuid_helpers);
		s->uuid_helper_set = true;
		for (size_t i = 0; i < es.n && rc == 0; i++) {
			/* "get_uuid_type()" reads naturally in a config: accept it. */
			size_t n = strlen(es.v[i]);
			if (n > 2 && strcmp(es.v[i] + n - 2, "()") == 0)
				es.v[i][n - 2] = '\0';
			if (!is_dotted_name(es.v[i]))
				rc = fail(cfg, err, key, "'%s' is not a function name", es.v[i]);
			else
				ag_strv_push(&s->uuid_helpers, es.v[i]);
		}
		if (rc == 0 && !es.n)
			rc = fail(cfg, err, key, "is empty; name the helper, e.g. get_uuid_type");
	} else if (strcmp(key, "lock_risk_rows") == 0) {
		char *end = NULL;
		long long n = es.n == 1 && es.v[0][0] >= '0' && es.v[0][0] <= '9'
				      ? strtoll(es.v[0], &end, 10)
				      : -1;
		if (n < 1 || !end || *end)
			rc = fail(cfg, err, key, "wants a number of rows (1 or more), not '%s'", value);
		else
			s->lock_risk_rows = (double)n;
	} else if (strcmp(key, "ignore") == 0) {
		for (size_t i = 0; i < es.n && rc == 0; i++) {
			const char *colon = strchr(es.v[i], ':');
			char *code = colon ? trimmed(es.v[i], (size_t)(colon - es.v[i])) : ag_strdup(es.v[i]);
			char *glob = colon ? trimmed(colon + 1, strlen(colon + 1)) : ag_strdup("");
			if (!is_code(code))
				rc = fail(cfg, err, key,
					  "'%s' is not a finding code; write CODE or CODE:GLOB, e.g. "
					  "file-name-convention:versions/0*.py",
					  es.v[i]);
			else if (colon && !*glob)
				rc = fail(cfg, err, key, "'%s' has an empty file glob", es.v[i]);
			if (rc == 0) {
				ag_strv_push(&s->ignore_codes, code);
				ag_strv_push(&s->ignore_globs, glob);
			}
			free(code);
			free(glob);
		}
	} else {
		/* define, severity, replaces: NAME=VALUE entries */
		for (size_t i = 0; i < es.n && rc == 0; i++) {
			char *name, *val;
			if (!split_pair(es.v[i], &name, &val)) {
				rc = fail(cfg, err, key, "'%s' is not NAME=VALUE", es.v[i]);
				break;
			}
			rc = table_entry(s, cfg, key, name, val, err);
			free(name);
			free(val);
		}
	}
	ag_strv_free(&es);
	return rc;
}

static bool in_list(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, list[i]) == 0)
			return true;
	return false;
}

int ag_settings_parse(struct ag_settings *s, const struct ag_config *cfg, struct ag_err *err)
{
	if (cfg->path)
		s->source = ag_strdup(cfg->path);
	int rc = 0;
	for (size_t i = 0; i < cfg->guard_keys.n && rc == 0; i++) {
		const char *key = cfg->guard_keys.v[i];
		const char *value = cfg->guard_values.v[i];
		const char *dot = strchr(key, '.');
		if (in_list(key, foreign_keys, AG_ARRAY_LEN(foreign_keys)))
			continue;
		if (in_list(key, known_keys, AG_ARRAY_LEN(known_keys))) {
			rc = parse_key(s, cfg, key, value, err);
			continue;
		}
		char *head = dot ? ag_strndup(key, (size_t)(dot - key)) : NULL;
		if (head && in_list(head, table_keys, AG_ARRAY_LEN(table_keys)) && dot[1]) {
			if (!is_toml(cfg) && strcmp(head, "severity") != 0) {
				/* configparser lowercases keys: EXPAND_BRANCH would
				 * silently become expand_branch. */
				rc = fail(cfg, err, key,
					  "alembic.ini lowercases keys; write `%s = NAME=VALUE` (one per "
					  "line) instead",
					  head);
			} else {
				char *val = trimmed(value, strlen(value));
				rc = table_entry(s, cfg, head, dot + 1, val, err);
				free(val);
			}
		} else {
			rc = fail(cfg, err, NULL,
				  "unknown key '%s'; the settings are target, expected_heads, "
				  "uuid_helper, ignore, define, severity, replaces and lock_risk_rows",
				  key);
		}
		free(head);
	}
	if (rc == 0 && s->target == AG_TARGET_HEAD &&
	    (s->expected_heads.n > 1 || s->expected_head_count > 1))
		rc = fail(cfg, err, "expected_heads",
			  "several heads are expected but target = head; `alembic upgrade head` fails "
			  "with several heads (use target = heads)");
	if (rc < 0) {
		ag_settings_free(s);
		return -1;
	}
	if (!s->uuid_helpers.n)
		ag_strv_push(&s->uuid_helpers, DEFAULT_HELPER);
	return 0;
}

void ag_settings_free(struct ag_settings *s)
{
	if (!s)
		return;
	ag_strv_free(&s->expected_heads);
	ag_strv_free(&s->uuid_helpers);
	ag_strv_free(&s->ignore_codes);
	ag_strv_free(&s->ignore_globs);
	ag_strv_free(&s->severity_codes);
	free(s->severity_levels);
	ag_defines_free(&s->defines);
	ag_strv_free(&s->replaces_old);
	ag_strv_free(&s->replaces_new);
	free(s->source);
	memset(s, 0, sizeof *s);
}

bool ag_settings_glob_match(const char *glob, const char *path)
{
	if (!glob || !path)
		return false;
	if (strncmp(glob, "./", 2) == 0)
		glob += 2;
	if (strncmp(path, "./", 2) == 0)
		path += 2;
	if (fnmatch(glob, path, FNM_PATHNAME) == 0)
		return true;
	if (glob[0] == '/')
		return false; /* an absolute glob names the whole path */
	for (const char *p = strchr(path, '/'); p; p = strchr(p + 1, '/'))
		if (p[1] && fnmatch(glob, p + 1, FNM_PATHNAME) == 0)
			return true;
	return false;
}

static bool ignored(const struct ag_settings *s, const struct ag_finding *f)
{
	for (size_t i = 0; i < s->ignore_codes.n; i++) {
		if (strcmp(s->ignore_codes.v[i], f->code) != 0)
			continue;
		const char *glob = s->ignore_globs.v[i];
		if (!*glob || (f->file && ag_settings_glob_match(glob, f->file)))
			return true;
	}
	return false;
}

/* Frees one finding's strings (the list's own free does the same for
 * every finding). */
static void finding_release(struct ag_finding *f)
{
	free(f->code);
	free(f->message);
	free(f->revision);
	free(f->file);
	free(f->fix);
	free(f->detail);
	free(f->cause);
}

void ag_settings_apply(const struct ag_settings *s, struct ag_findings *fs)
{
	if (!s || !fs)
		return;
	size_t w = 0;
	for (size_t i = 0; i < fs->n; i++) {
		struct ag_finding *f = &fs->v[i];
		if (ignored(s, f)) {
			finding_release(f);
			continue;
		}
		for (size_t k = 0; k < s->severity_codes.n; k++)
			if (strcmp(s->severity_codes.v[k], f->code) == 0)
				f->severity = s->severity_levels[k];
		if (w != i)
			fs->v[w] = *f;
		w++;
	}
	fs->n = w;
}

void ag_settings_merge_defines(const struct ag_settings *s, struct ag_defines *d)
{
	for (size_t i = 0; s && i < s->defines.names.n; i++)
		if (!ag_defines_get(d, s->defines.names.v[i]))
			ag_defines_set(d, s->defines.names.v[i], s->defines.values.v[i]);
}
