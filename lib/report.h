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

/* Text: every command prints a finding in one shape, the compiler's:
 *     FILE:LINE: severity: message [code]
 *       fix: what to do (one line each; a fix may have several)
 * FILE alone when no line applies, and the program's name
 * (`alembic-guard: error: ...`) when no file does (database findings). The
 * verdict line comes last. Outside text is shown with visible escapes
 * (lib/quote), so nothing from a file or a row can start a line. */
enum ag_style {
	AG_STYLE_LIST,  /* lint, heads, backfill, rename: findings; verdict unless quiet and ok */
	AG_STYLE_TERSE, /* check, release: findings, then always the verdict */
	AG_STYLE_STORY, /* diagnose: repository, database, path, then the findings */
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
	const char *alembic_version;       /* NULL or the Alembic judged as, "1.13.2" */
	const char *alembic_from;          /* NULL (the newest known) or "requirements.txt:4" */
	const char *python_version;        /* NULL or the Python whose grammar judged, "3.12" */
	const char *python_from;           /* NULL (the newest known) or ".python-version:1" */
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
/* The revision graph of `graph`, from the same report: heads, bases,
 * merge and branch points, the database's rows (r->db_rows when
 * r->db_reachable), the pending path (r->pending) and the revisions an error
 * finding names marked; revisions some file names but none defines, and
 * rows no file defines, drawn as their own nodes. Nodes in id order, so the
 * output does not depend on directory order. Nothing when r->graph is NULL.
 * DOT for Graphviz, appended to out: */
void ag_report_graph_dot(const struct ag_report *r, struct ag_buf *out);
/* JSON: ag_report_json(r) plus "graph": {"nodes": [...], "edges": [...]}.
 * New reference. */
json_t *ag_report_graph_json(const struct ag_report *r);
/* Appends root as printed JSON (indented, keys in insertion order) and a
 * newline. */
void ag_report_dump_json(const json_t *root, struct ag_buf *out);
/* Appends one finding in the text shape above (with its fix lines). */
void ag_report_finding_text(const struct ag_finding *f, bool color, struct ag_buf *out);
/* Parses "text", "json" or "github"; -1 when it is none of them. */
int ag_report_parse_format(const char *s, enum ag_format *fmt);

/* A JSON string from text that may not be UTF-8 (ids, paths, messages and
 * release output come from untrusted bytes): each byte that starts no valid
 * sequence becomes U+FFFD, valid characters around it are kept. NULL gives
 * JSON null. New reference. Every JSON writer of the library uses it. */
json_t *ag_report_jstr(const char *s);
/* Sets obj[key] to ag_report_jstr(s) and, when s is not UTF-8, also
 * obj[key + "_bytes"] to its exact bytes as ag_quote_bytes writes them (a
 * backslash as \\, each stray byte as \xHH): JSON strings are Unicode, so
 * this is how a pipeline gets a non-UTF-8 id or path back exactly. */
void ag_report_jset(json_t *obj, const char *key, const char *s);
/* The same for an array of n strings: obj[key + "_bytes"] is an array as
 * long, null where an entry is UTF-8; absent when all are. */
void ag_report_jset_ids(json_t *obj, const char *key, const char *const *v, size_t n);

#endif
