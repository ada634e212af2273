/*
 * finding: what every check in alembic-guard produces, as data. A finding
 * has a stable kebab-case code (documented in README.md), a severity, a
 * one-sentence message, and where it applies: a revision and a file:line.
 * `fix` says what to do (a command, a SQL statement or a file to add);
 * `detail` carries extra lines for `diagnose` (evidence, the cause).
 *
 * Ownership: a list owns its findings and every string in them; strings
 * passed in are copied. ag_findings_free accepts a zeroed list.
 */
#ifndef AG_FINDING_H
#define AG_FINDING_H

#include <stdbool.h>
#include <stddef.h>

enum ag_severity { AG_SEV_INFO = 0, AG_SEV_WARNING = 1, AG_SEV_ERROR = 2 };

struct ag_finding {
	char *code;     /* malloced, never NULL */
	enum ag_severity severity;
	char *message;  /* malloced, never NULL */
	char *revision; /* NULL or malloced */
	char *file;     /* NULL or malloced */
	int line;       /* 0 when none */
	char *fix;      /* NULL or malloced; may span lines */
	char *detail;   /* NULL or malloced; may span lines */
	char *cause;    /* NULL or malloced: a short slug such as "renamed" */
};

struct ag_findings {
	struct ag_finding *v; /* NULL or malloced */
	size_t n, cap;
};

/* Appends a finding and returns it (borrowed from the list: valid until the
 * next add). rev and file may be NULL. */
struct ag_finding *ag_findings_add(struct ag_findings *fs, enum ag_severity sev, const char *code,
				   const char *rev, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));
/* Sets (replaces) the fix or the detail of f. Their newlines separate
 * lines, so every %s argument is taken as outside text and shown with
 * visible escapes (lib/quote), a newline in an id included; SQL and shell
 * commands go in already built by lib/quote. A format of exactly "%s" copies
 * a prepared text as it is. */
void ag_finding_fix(struct ag_finding *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ag_finding_detail(struct ag_finding *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ag_finding_cause(struct ag_finding *f, const char *cause);
/* Moves every finding of src to the end of dst; src is left empty. */
void ag_findings_move(struct ag_findings *dst, struct ag_findings *src);
/* Appends a copy of every finding of src to dst. */
void ag_findings_copy(struct ag_findings *dst, const struct ag_findings *src);
size_t ag_findings_count(const struct ag_findings *fs, enum ag_severity sev);
bool ag_findings_has(const struct ag_findings *fs, const char *code);
/* Stable sort: errors first, then warnings, then info; within a severity
 * by file, line and code, so reports are deterministic. */
void ag_findings_sort(struct ag_findings *fs);
void ag_findings_free(struct ag_findings *fs);
const char *ag_severity_name(enum ag_severity sev);

#endif
