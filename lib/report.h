/*
 * report: findings and results -> text for a person, JSON for a pipeline
 * (format_version 1, see README.md), or GitHub Actions annotations. The one
 * place that decides how alembic-guard's answers look. It renders into a
 * caller-owned ag_buf and never writes to a stream itself.
 *
 * Ownership: struct ag_report only borrows; everything it points to must
 * live until the render call returns.
 */
#ifndef AG_REPORT_H
#define AG_REPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "finding.h"
#include "graph.h"
#include "util.h"

enum ag_format { AG_FORMAT_TEXT = 0, AG_FORMAT_JSON, AG_FORMAT_GITHUB };

enum ag_style {
	AG_STYLE_LIST,  /* lint: file:line: severity: message [code], then the fix */
	AG_STYLE_TERSE, /* check: one line per finding, then the verdict */
	AG_STYLE_STORY, /* diagnose: the whole story, for a person */
};

struct ag_report {
	const char *command;               /* "lint", "check", ... */
	int exit_code;                     /* decides "verdict" */
	const struct ag_strv *locations;   /* NULL or the version locations */
	const struct ag_graph *graph;      /* NULL when the repository was not read */
	bool revisions;                    /* JSON: list every revision (heads --verbose) */
	/* database: db_checked false means "database": null */
	bool db_checked;
	bool db_reachable;
	const char *db_table;              /* schema-qualified display name */
	const char *db_target;             /* masked connection target, for text */
	const struct ag_strv *db_rows;     /* version_num values, sorted */
	bool db_table_exists;
	const char *db_error;              /* why the database could not be read */
	const size_t *pending;             /* node indices, upgrade order */
	size_t npending;
	bool path_unknown;                 /* rows no file defines: no path can be given */
	const struct ag_findings *findings;
	const char *context;               /* "app X, release v12, commit abc" or NULL */
	bool quiet;                        /* text: only what blocks, and the verdict */
	bool strict;                       /* warnings block, so quiet keeps them */
	bool color;                        /* text: ANSI colours */
};

/* "ok" for exit 0, "blocked" for 1 and 5, "error" otherwise. */
const char *ag_report_verdict(int exit_code);
/* Appends the rendering to out. */
void ag_report_render(const struct ag_report *r, enum ag_format fmt, enum ag_style style,
		      struct ag_buf *out);
/* The report as JSON (format_version 1): the object --format json prints.
 * New reference (json_decref). Callers that add to it (graph, backfill,
 * rename, the webhook) take this object rather than parsing printed text. */
json_t *ag_report_json(const struct ag_report *r);
/* Appends root as printed JSON (indented, keys in insertion order) and a
 * newline. */
void ag_report_dump_json(const json_t *root, struct ag_buf *out);
/* Parses "text", "json" or "github"; -1 when it is none of them. */
int ag_report_parse_format(const char *s, enum ag_format *fmt);

/* A JSON string from text that may not be UTF-8 (ids, paths, messages and
 * release output come from untrusted bytes): each byte that starts no valid
 * sequence becomes U+FFFD, valid characters around it are kept. NULL gives
 * JSON null. New reference. Every JSON writer of the library uses it. */
json_t *ag_report_jstr(const char *s);

#endif
