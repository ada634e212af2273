/*
 * settings: alembic-guard's own project settings, from alembic.ini's
 * [alembic-guard] section or pyproject.toml's [tool.alembic-guard] table
 * (lib/config.c keeps them as raw key/value pairs), parsed and validated
 * here, and the one function that applies `ignore` and `severity` to any
 * list of findings.
 *
 * Keys (README "Settings"):
 *   target          head | heads: what the release upgrades to
 *   expected_heads  the heads the project means to have (ids or branch
 *                   labels; or a number): a deliberate expand/contract
 *                   branch is not an accident, a third head is
 *   uuid_helper     the project's dialect UUID helper(s) (default
 *                   get_uuid_type)
 *   ignore          finding codes, each optionally with a file glob:
 *                   `CODE` or `CODE:GLOB`
 *   define          NAME=VALUE for names files use in expressions
 *   severity        CODE=error|warning|info
 *   replaces        OLD=NEW: squashed ids production may still hold
 *   lock_risk_rows  pre-flight's lock-risk threshold in estimated rows
 *                   (default 100000)
 * A value holding several entries separates them by newlines (an ini
 * multi-line value, or a TOML array) or commas. define, severity and
 * replaces may also be subtables in TOML ([tool.alembic-guard.define]),
 * which config.c passes as "define.NAME" keys; likewise "define.NAME = V"
 * in the ini section. `heroku.app` belongs to the Heroku commands and is
 * accepted here. Any other key is an error naming it.
 *
 * Ownership: struct ag_settings owns everything in it; ag_settings_free
 * accepts a zeroed struct. Errors come back through struct ag_err as
 * AG_ERR_CONFIG with the settings file and the key named.
 */
#ifndef AG_SETTINGS_H
#define AG_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "err.h"
#include "finding.h"
#include "script.h"
#include "util.h"

enum ag_target { AG_TARGET_UNSET = 0, AG_TARGET_HEAD, AG_TARGET_HEADS };

struct ag_settings {
	enum ag_target target;
	struct ag_strv expected_heads;   /* ids or labels, as written; empty: not set */
	int expected_head_count;         /* expected_heads = N; 0: not set */
	struct ag_strv uuid_helpers;     /* always at least the default, get_uuid_type */
	bool uuid_helper_set;            /* the settings name the helper: the project has one */
	struct ag_strv ignore_codes;     /* ignore_codes[i] applies to files matching ... */
	struct ag_strv ignore_globs;     /* ... ignore_globs[i] ("" means everywhere) */
	struct ag_strv severity_codes;   /* severity_codes[i] -> severity_levels[i] */
	enum ag_severity *severity_levels; /* NULL or malloced */
	struct ag_defines defines;
	struct ag_strv replaces_old, replaces_new; /* replaces_old[i] -> replaces_new[i] */
	double lock_risk_rows;           /* 0: pre-flight's default */
	char *source;                    /* NULL or malloced: the file they came from */
};

/*
 * Parses cfg's guard settings into s (zeroed by the caller; filled with
 * the defaults even when there are none). Returns 0, or -1 with err set
 * (AG_ERR_CONFIG) on an unknown key or a value that is not valid for its
 * key; s is then freed.
 */
int ag_settings_parse(struct ag_settings *s, const struct ag_config *cfg, struct ag_err *err);
void ag_settings_free(struct ag_settings *s);

/*
 * Applies the settings to a list of findings: those `ignore` names are
 * removed (with a glob: only when the finding's file matches it), then
 * `severity` overrides the severity of what is left. Call it on every list
 * a command reports or decides its exit code from. s may be NULL.
 */
void ag_settings_apply(const struct ag_settings *s, struct ag_findings *fs);

/*
 * True when glob matches path: the whole path or any part of it that
 * starts after a '/' (so "versions/0*.py" matches
 * "migrations/versions/001_init.py"); '*' and '?' do not cross a '/'.
 */
bool ag_settings_glob_match(const char *glob, const char *path);

/* Adds the settings' defines to d, except names d has already (the
 * command line wins). */
void ag_settings_merge_defines(const struct ag_settings *s, struct ag_defines *d);

#endif
