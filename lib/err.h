/*
 * err: the one error struct that library calls fill in (jansson's
 * json_error_t, hiredis' err/errstr). The caller owns it, usually on the
 * stack; library functions return 0/-1 or NULL and describe the failure
 * here. The kind decides the command's exit code (see cmd/main.c), so a
 * library never needs to know about exit codes or stdout.
 */
#ifndef AG_ERR_H
#define AG_ERR_H

enum ag_err_kind {
	AG_ERR_NONE = 0,
	AG_ERR_USAGE,    /* bad option or value: exit 2 */
	AG_ERR_CONFIG,   /* no config, no versions directory, bad ini: exit 2 */
	AG_ERR_DB,       /* connection or query failed: exit 3 */
	AG_ERR_HTTP,     /* Platform API or webhook failed: exit 3 */
	AG_ERR_IO,       /* unreadable or unwritable file or directory: exit 4 */
	AG_ERR_INTERNAL, /* a bug or an impossible state: exit 4 */
};

struct ag_err {
	enum ag_err_kind kind;
	char file[512];  /* empty when no file applies */
	int line;        /* 0 when no line applies */
	int col;
	char msg[1024];  /* one sentence, no trailing newline, no secrets */
};

/* Sets err (which may be NULL) and returns -1, so callers can write
 * `return ag_err_set(err, AG_ERR_IO, "cannot read %s", path);`. */
int ag_err_set(struct ag_err *err, enum ag_err_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The same, with a file and line for messages of the form file:line: msg. */
int ag_err_set_at(struct ag_err *err, enum ag_err_kind kind, const char *file, int line, int col,
		  const char *fmt, ...) __attribute__((format(printf, 6, 7)));
void ag_err_clear(struct ag_err *err);

#endif
