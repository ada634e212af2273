#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int vset(struct ag_err *err, enum ag_err_kind kind, const char *file, int line, int col,
		const char *fmt, va_list ap) __attribute__((format(printf, 6, 0)));

static int vset(struct ag_err *err, enum ag_err_kind kind, const char *file, int line, int col,
		const char *fmt, va_list ap)
{
	if (!err)
		return -1;
	err->kind = kind;
	snprintf(err->file, sizeof err->file, "%s", file ? file : "");
	err->line = line;
	err->col = col;
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	return -1;
}

int ag_err_set(struct ag_err *err, enum ag_err_kind kind, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vset(err, kind, NULL, 0, 0, fmt, ap);
	va_end(ap);
	return -1;
}

int ag_err_set_at(struct ag_err *err, enum ag_err_kind kind, const char *file, int line, int col,
		  const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vset(err, kind, file, line, col, fmt, ap);
	va_end(ap);
	return -1;
}

void ag_err_clear(struct ag_err *err)
{
	if (err)
		memset(err, 0, sizeof *err);
}
