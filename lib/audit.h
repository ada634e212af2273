/*
 * audit: an app's release history read for what it says about the
 * migrations. For each release it keeps what the Platform API says
 * (version, status, created, user, description) and, when a release phase
 * ran, what its output shows (lib/outscan). The summary compares the
 * revision ids named in production output with this checkout's files (the
 * ids no file defines are candidates for `alembic-guard backfill`) and
 * lists the releases whose release phase failed, as findings:
 *
 *   production-revision-unknown  warning  output names an id no file defines
 *   manual-stamp                 warning  a release phase ran `alembic stamp`
 *   release-phase-failed         warning for the newest release, else info
 *
 * It also renders `wait-release`'s answer. Rendering goes into a caller's
 * ag_buf (text, JSON format_version 1, or GitHub annotations after the
 * text); nothing here prints.
 *
 * Ownership: struct ag_audit owns everything in it; ag_audit_free accepts a
 * zeroed struct. The graph passed to ag_audit_summarise is borrowed for the
 * call only.
 */
#ifndef AG_AUDIT_H
#define AG_AUDIT_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "finding.h"
#include "graph.h"
#include "heroku.h"
#include "outscan.h"
#include "report.h"
#include "util.h"

struct ag_audit_release {
	struct ag_heroku_release rel; /* owned */
	bool release_phase;           /* the release had an output stream */
	bool fetched;                 /* output was read (perhaps truncated or cut off) */
	char *output_error;           /* NULL or malloced: why the output is missing */
	size_t output_bytes;          /* bytes the stream sent */
	bool truncated, incomplete;
	struct ag_outscan scan;
};

struct ag_audit_id {
	char *id;        /* malloced */
	int *versions;   /* malloced: releases whose output names it, newest first */
	size_t n;
	bool stamped;    /* named by a stamp line */
};

struct ag_audit {
	char *app;                    /* NULL or malloced */
	struct ag_audit_release *v;   /* NULL or malloced: newest first */
	size_t n, cap;
	bool complete;                /* the whole requested history was read */
	char *note;                   /* NULL or malloced: why not */
	int pages;                    /* API requests for the list */
	/* filled by ag_audit_summarise */
	bool repo_read;               /* unknown[] was computed against a checkout */
	struct ag_audit_id *unknown;  /* NULL or malloced: sorted by id */
	size_t nunknown;
	int *failed;                  /* NULL or malloced: versions, newest first */
	size_t nfailed;
	struct ag_findings findings;
};

typedef void (*ag_audit_progress_fn)(void *arg, const struct ag_heroku_release *r);

struct ag_audit_opts {
	const char *app;
	int limit;            /* 0: all */
	int since;            /* 0: all */
	bool no_output;       /* list only; fetch no output stream */
	size_t output_cap;    /* bytes kept per output; 0: AG_HEROKU_OUTPUT_CAP */
	ag_audit_progress_fn progress; /* NULL, or called before each output fetch */
	void *progress_arg;
};

/*
 * Lists the releases and reads each release phase's output (not for
 * pending releases: their stream is still being written). A missing or
 * expired output is noted on the release, not an error. Returns 0, or -1
 * with err set when the list itself could not be read. Call
 * ag_audit_summarise afterwards.
 */
int ag_audit_run(struct ag_heroku *h, const struct ag_audit_opts *o, struct ag_audit *a,
		 struct ag_err *err);
/* Appends a release (stolen: *rel is zeroed) with its output text (NULL:
 * no release phase). What ag_audit_run does per release; for tests. */
void ag_audit_add(struct ag_audit *a, struct ag_heroku_release *rel, const char *output, size_t len);
/*
 * Computes unknown[], failed[] and the findings. g may be NULL when the
 * checkout could not be read: then every named id is listed and repo_read
 * is false. Ids are matched exactly or, from 4 characters on, as the
 * unique prefix of one file's id (Alembic accepts those in commands).
 */
void ag_audit_summarise(struct ag_audit *a, const struct ag_graph *g);
/* Renders the audit with its exit code (which decides "verdict"). */
void ag_audit_render(const struct ag_audit *a, enum ag_format fmt, int exit_code, struct ag_buf *out);
void ag_audit_free(struct ag_audit *a);

/* wait-release's answer. Everything is borrowed. */
struct ag_audit_wait {
	const char *app;
	const struct ag_heroku_release *release; /* NULL when none was read */
	bool timed_out;
	long waited_ms, timeout_ms;
	const struct ag_heroku_output *output;   /* NULL: not fetched */
	const char *output_error;                /* NULL or why the output is missing */
	const struct ag_outscan *scan;           /* NULL or the output's scan */
	int exit_code;
};
void ag_audit_render_wait(const struct ag_audit_wait *w, enum ag_format fmt, struct ag_buf *out);
/* With --format json, what a pipeline reads when the command failed:
 * {"format_version": 1, "command", "verdict": "error", "exit_code",
 * "app", "error": {"code": code, "message": message}}, the error object
 * every command writes. Other formats add nothing (the message goes to
 * stderr). */
void ag_audit_render_error(const char *command, const char *app, int exit_code, const char *code,
			   const char *message, enum ag_format fmt, struct ag_buf *out);

#endif
