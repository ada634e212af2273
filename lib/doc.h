/*
 * doc: a migration file's module docstring, read once, the one way every
 * module needs it. lib/script keeps it on each script (the "Revision ID:"
 * and "Revises:" header lint compares with the code), lint and the
 * repairs take the message and the Create Date from it (the file name
 * Alembic's file_template gives), and the repairs edit it in place (its
 * span and quote).
 *
 * The docstring is what Python makes __doc__ of: a first statement that is
 * only str literals (implicitly concatenated; bytes and f-strings are not
 * one). Its header lines are matched as Alembic's script.py.mako writes
 * them, blanks around them ignored, the first of each marker kept.
 *
 * Ownership: struct ag_doc owns its strings; ag_doc_free accepts a zeroed
 * struct. Nothing here fails: a file without a docstring gives has false.
 */
#ifndef AG_DOC_H
#define AG_DOC_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

struct ag_doc {
	bool has;          /* the module starts with a docstring */
	size_t off, len;   /* its literal(s) in the text */
	int line;          /* the line it starts on */
	char quote[4];     /* the first literal's opening quote: """, ''', " or ' */
	/*
	 * The message the file was generated with: Alembic's `Script.doc`
	 * (the stripped docstring up to its first blank line), NULL when
	 * that is the header itself, "empty message" (what Alembic 1.8 to
	 * 1.18 write when `alembic revision` had no -m; the file's slug is
	 * then empty) or "None": the file name, not the docstring, tells
	 * the slug then.
	 */
	char *message;
	char *create_date;  /* "Create Date:" value, as written; NULL: none */
	char *revision;     /* "Revision ID:" value; NULL: none */
	int revision_line;
	bool has_revises;   /* a "Revises:" line, even an empty one */
	struct ag_strv revises; /* its ids, split on commas and blanks */
	int revises_line;
};

/* Reads the docstring of text (len bytes of decoded, UTF-8 Python source)
 * into d, which is overwritten (free it first if it held one). */
void ag_doc_read(struct ag_doc *d, const char *text, size_t len);
void ag_doc_free(struct ag_doc *d);

#endif
